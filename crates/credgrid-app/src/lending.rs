//! The loan lifecycle and every money movement of a loan.
//!
//! Each use case is one write job: it loads the loan and its product, asks
//! the core for the new position, posts the journal entry and updates the
//! loan's sub-ledger in the same transaction, so the two always agree. A
//! back-dated repayment or a reversal replays the loan from disbursement and
//! posts the difference (`recomputation`) against what the books held.

use crate::access::{Staff, authorize};
use crate::codec::{decode_position, decode_summary, encode_position, encode_summary};
use crate::error::AppError;
use crate::institution::{Institution, business_date, page_limit, paginate, product_rules};
use crate::model::*;
use crate::terms::{ProductRules, check_name};
use crate::views::{self, balances, class_code, schedule_view, transaction_view};
use chrono::NaiveDate;
use credgrid_core::authz::Permission;
use credgrid_core::classification::LoanClass;
use credgrid_core::ledger::{
    AccountCode, Funds, JournalEntry, JournalLine, PostingEvent, RepaymentParts, WriteOffParts,
};
use credgrid_core::origination::Step;
use credgrid_core::schedule;
use credgrid_core::servicing::{
    EventOutcome, LoanEvent, LoanPosition, LoanStatus, Prepayment, RepaymentOutcome, replay,
};
use credgrid_core::{Currency, Money};
use credgrid_store::{IdempotencyRow, LoanRow, LoanTransactionRow, NewJournalEntry, ReadTx, WriteTx};
use rust_decimal::Decimal;

/// The longest reason or purpose text accepted.
const REASON_LEN_MAX: usize = 500;

fn check_reason(field: &str, text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > REASON_LEN_MAX {
        return Err(AppError::invalid(
            field,
            format!("must be at most {REASON_LEN_MAX} characters"),
        ));
    }
    Ok(text.to_string())
}

fn servicing_error(error: credgrid_core::servicing::ServicingError) -> AppError {
    use credgrid_core::servicing::ServicingError as E;
    match error {
        E::NonPositiveAmount | E::CurrencyMismatch | E::Money(_) => AppError::invalid("amount", error),
        E::RecoveryExceedsWrittenOff { .. } => AppError::invalid("amount", error),
        E::LoanClosed | E::LoanWrittenOff | E::NotWrittenOff => AppError::Refused {
            rule: "loan-state",
            detail: error.to_string(),
        },
        E::DatedBeforePosition { .. } | E::NotAccruedTo { .. } => AppError::invalid("value_date", error),
        other => AppError::Internal(other.to_string()),
    }
}

fn ledger_error(error: credgrid_core::ledger::LedgerError) -> AppError {
    AppError::Internal(format!("posting refused by the ledger: {error}"))
}

fn invalid_state(row: &LoanRow, action: &'static str) -> AppError {
    AppError::InvalidState {
        entity: "loan",
        id: row.id.to_string(),
        state: row.status.clone(),
        action,
    }
}

fn load_loan(r: &ReadTx<'_>, id: i64) -> Result<LoanRow, AppError> {
    r.loan(id).map_err(|_| AppError::not_found("loan", id))
}

/// The loan, refused unless the actor holds `permission` and the loan's
/// outlet lies within the actor's node. A loan outside it is "not found",
/// so its existence does not leak.
pub(crate) fn loan_for(
    r: &ReadTx<'_>,
    actor: Actor,
    permission: Permission,
    id: i64,
) -> Result<(LoanRow, std::sync::Arc<Staff>), AppError> {
    let staff = authorize(r, actor, permission)?;
    let row = load_loan(r, id)?;
    if !staff.sees_node(r, row.outlet_id)? {
        return Err(AppError::not_found("loan", id));
    }
    Ok((row, staff))
}

/// A disbursed loan with its parsed product and its position.
struct Serviced {
    row: LoanRow,
    rules: std::sync::Arc<ProductRules>,
    position: LoanPosition,
}

fn load_serviced(r: &ReadTx<'_>, row: LoanRow) -> Result<Serviced, AppError> {
    let rules = product_rules(r, row.product_id)?;
    let corrupt = || AppError::Internal(format!("loan {} has no stored position", row.id));
    let summary = decode_summary(row.summary.as_deref().ok_or_else(corrupt)?)?;
    let terms = rules.loan_terms(&row)?;
    let position = decode_position(row.position.as_deref().ok_or_else(corrupt)?, terms, &summary)?;
    Ok(Serviced { row, rules, position })
}

/// Copies a position's balances into the loan row (the sub-ledger columns).
pub(crate) fn store_position(row: &mut LoanRow, position: &LoanPosition) {
    let s = position.summary();
    let written_off = position.write_off_record().is_some();
    row.principal_outstanding_minor = if written_off {
        0
    } else {
        s.principal_outstanding_minor
    };
    row.interest_accrued_minor = if written_off {
        0
    } else {
        s.interest_receivable_minor
    };
    row.interest_overdue_minor = if written_off { 0 } else { s.interest_overdue_minor };
    row.principal_overdue_minor = if written_off { 0 } else { s.principal_overdue_minor };
    row.penalty_accrued_minor = s.penalty_unpaid_minor();
    row.fees_due_minor = if written_off { 0 } else { s.fee_unpaid_minor };
    row.written_off_minor = position
        .write_off_record()
        .map_or(0, |w| w.total_minor() - position.recovered().minor());
    row.days_past_due = s.days_past_due();
    row.next_due_on = (s.next_due_date != NaiveDate::MAX).then_some(s.next_due_date);
    row.accrued_through = s.as_of.pred_opt();
    row.maturity_on = position.installments().last().map(|i| i.due_date);
    row.summary = Some(encode_summary(&s));
    row.position = Some(encode_position(position));
}

/// Per-account amounts a loan holds in the ledger (its sub-ledger balances).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Books {
    principal: i64,
    interest: i64,
    penalty: i64,
    fee: i64,
}

impl Books {
    fn of_row(row: &LoanRow) -> Books {
        Books {
            principal: row.principal_outstanding_minor,
            interest: row.interest_accrued_minor,
            penalty: row.penalty_accrued_minor,
            fee: row.fees_due_minor,
        }
    }

    fn of_position(p: &LoanPosition) -> Books {
        let s = p.summary();
        Books {
            principal: s.principal_outstanding_minor,
            interest: s.interest_receivable_minor,
            penalty: s.penalty_unpaid_minor(),
            fee: s.fee_unpaid_minor,
        }
    }

    /// `self` after a cash movement that paid (`sign` = -1) or un-paid
    /// (`sign` = +1) `parts`.
    fn moved(self, parts: &RepaymentParts, sign: i64) -> Books {
        Books {
            principal: self.principal + sign * parts.principal.minor(),
            interest: self.interest + sign * parts.interest.minor(),
            penalty: self.penalty + sign * parts.penalty.minor(),
            fee: self.fee + sign * parts.fee.minor(),
        }
    }
}

fn parts_of(outcome: &RepaymentOutcome) -> RepaymentParts {
    RepaymentParts {
        principal: outcome.principal(),
        interest: outcome.interest(),
        penalty: outcome.allocation.penalty(),
        fee: outcome.allocation.fee(),
    }
}

fn parts_of_row(t: &LoanTransactionRow, currency: Currency) -> RepaymentParts {
    let m = |minor| Money::from_minor(minor, currency);
    RepaymentParts {
        principal: m(t.principal_minor),
        interest: m(t.interest_minor),
        penalty: m(t.penalty_minor),
        fee: m(t.fee_minor),
    }
}

/// The audit action of a decision on an application.
fn action_name(to: &str) -> &'static str {
    match to {
        "approved" => "loan.approve",
        "rejected" => "loan.reject",
        _ => "loan.withdraw",
    }
}

fn parse_prepayment(text: Option<&str>) -> Result<Prepayment, AppError> {
    match text {
        None | Some("shorten_term") => Ok(Prepayment::ShortenTerm),
        Some("lower_installment") => Ok(Prepayment::LowerInstallment),
        Some("none") => Ok(Prepayment::NotAllowed),
        Some(_) => Err(AppError::invalid(
            "prepayment",
            "must be shorten_term, lower_installment or none",
        )),
    }
}

/// A repayment that lowered the installment is stored as `prepayment`, so a
/// replay re-amortises it the same way.
fn transaction_kind(prepayment: Prepayment) -> &'static str {
    match prepayment {
        Prepayment::LowerInstallment => "prepayment",
        _ => "repayment",
    }
}

/// Inserts a journal entry for a loan on the business date.
fn post(
    tx: &mut WriteTx<'_>,
    row: &LoanRow,
    date: NaiveDate,
    event: &str,
    description: String,
    entry: &JournalEntry,
    reverses_id: Option<i64>,
) -> Result<i64, AppError> {
    let meta = NewJournalEntry {
        business_date: date,
        event: event.to_string(),
        loan_id: Some(row.id),
        outlet_id: row.outlet_id,
        product_id: Some(row.product_id),
        description,
        reverses_id,
    };
    Ok(tx.insert_journal_entry(&meta, entry)?)
}

#[allow(clippy::too_many_arguments)]
fn record_transaction(
    tx: &mut WriteTx<'_>,
    row: &LoanRow,
    kind: &str,
    business_date: NaiveDate,
    value_date: NaiveDate,
    amount: Money,
    parts: &RepaymentParts,
    actor: Actor,
    journal_entry_id: Option<i64>,
    reverses_id: Option<i64>,
) -> Result<LoanTransactionRow, AppError> {
    let t = LoanTransactionRow {
        id: 0,
        loan_id: row.id,
        kind: kind.to_string(),
        business_date,
        value_date,
        amount_minor: amount.minor(),
        principal_minor: parts.principal.minor(),
        interest_minor: parts.interest.minor(),
        penalty_minor: parts.penalty.minor(),
        fee_minor: parts.fee.minor(),
        reversed_by_id: None,
        reverses_id,
        user_id: actor.user_id,
        journal_entry_id,
        created_at: String::new(),
    };
    Ok(tx.append_loan_transaction(t)?)
}

/// The stored response of an idempotent request: a prior result to replay,
/// or `None` when the key is new (or absent).
fn prior_result(r: &ReadTx<'_>, actor: Actor, key: &Option<IdempotencyKey>) -> Result<Option<i64>, AppError> {
    let Some(key) = key else { return Ok(None) };
    let Some(row) = r.idempotency(&scope(actor), &key.key)? else {
        return Ok(None);
    };
    if row.request_hash != key.request_hash {
        return Err(AppError::IdempotencyMismatch);
    }
    let id = row.response_body.rsplit(':').next().and_then(|s| s.parse().ok());
    id.map(Some)
        .ok_or_else(|| AppError::Internal("stored idempotency record is malformed".into()))
}

fn remember(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    key: &Option<IdempotencyKey>,
    resource: &str,
    id: i64,
) -> Result<(), AppError> {
    let Some(key) = key else { return Ok(()) };
    tx.put_idempotency(&IdempotencyRow {
        scope: scope(actor),
        key: key.key.clone(),
        request_hash: key.request_hash.clone(),
        status_code: 200,
        response_body: format!("{resource}:{id}"),
        created_at: String::new(),
    })?;
    Ok(())
}

fn scope(actor: Actor) -> String {
    format!("user:{}", actor.user_id)
}

fn transaction_of(r: &ReadTx<'_>, id: i64) -> Result<TransactionView, AppError> {
    let t = r.loan_transaction(id)?;
    let loan = r.loan(t.loan_id)?;
    let rules = product_rules(r, loan.product_id)?;
    Ok(transaction_view(t, rules.currency))
}

/// Moves a loan to a new status and records the transition.
fn transition(
    tx: &mut WriteTx<'_>,
    row: &mut LoanRow,
    to: &str,
    actor: Actor,
    date: NaiveDate,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let from = std::mem::replace(&mut row.status, to.to_string());
    tx.insert_loan_event(row.id, to, Some(&from), to, actor.user_id, date, reason)?;
    Ok(())
}

fn save(tx: &mut WriteTx<'_>, row: &LoanRow) -> Result<(), AppError> {
    tx.update_loan(row)?;
    Ok(())
}

impl Institution {
    /// One keyed money movement in one write job: a retry with the same
    /// key answers the first result; `body` moves the money and returns the
    /// new transaction's id.
    fn keyed(
        &self,
        actor: Actor,
        (permission, loan_id): (Permission, i64),
        key: Option<IdempotencyKey>,
        body: impl FnOnce(&mut WriteTx<'_>) -> Result<i64, AppError> + Send + 'static,
    ) -> Result<TransactionView, AppError> {
        self.write(move |tx, _| {
            loan_for(tx, actor, permission, loan_id)?;
            if let Some(id) = prior_result(tx, actor, &key)? {
                return transaction_of(tx, id);
            }
            let id = body(tx)?;
            remember(tx, actor, &key, "transaction", id)?;
            transaction_of(tx, id)
        })
    }

    pub fn apply(&self, actor: Actor, application: LoanApplication) -> Result<LoanView, AppError> {
        if let Some(purpose) = &application.purpose {
            check_name("purpose", purpose)?;
        }
        let id = self.write(move |tx, _| apply_in(tx, actor, &application))?;
        self.loan(actor, id)
    }

    pub fn approve(&self, actor: Actor, loan_id: i64, reason: Option<String>) -> Result<LoanView, AppError> {
        // The current workflow step, approved by the actor under every rule (origination.rs).
        let reason = reason.map(|r| check_reason("reason", &r)).transpose()?;
        self.approve_current_step(actor, loan_id, reason)?;
        self.loan(actor, loan_id)
    }

    pub fn reject(&self, actor: Actor, loan_id: i64, reason: String) -> Result<LoanView, AppError> {
        let reason = check_reason("reason", &reason)?;
        self.reject_current_step(actor, loan_id, reason)?;
        self.loan(actor, loan_id)
    }

    pub fn withdraw(&self, actor: Actor, loan_id: i64, reason: String) -> Result<LoanView, AppError> {
        let reason = check_reason("reason", &reason)?;
        self.decide(actor, loan_id, "withdrawn", Some(reason), "withdrawal")
    }

    /// A decision on an application: approved, rejected or withdrawn.
    fn decide(
        &self,
        actor: Actor,
        loan_id: i64,
        to: &'static str,
        reason: Option<String>,
        action: &'static str,
    ) -> Result<LoanView, AppError> {
        let permission = match to {
            "withdrawn" => Permission::LoanApply,
            _ => Permission::Step(Step::Approval),
        };
        self.write(move |tx, _| {
            let (mut row, _) = loan_for(tx, actor, permission, loan_id)?;
            let allowed = row.status == "application" || (to == "withdrawn" && row.status == "approved");
            if !allowed {
                return Err(invalid_state(&row, action));
            }
            let date = business_date(tx)?;
            if to == "approved" {
                row.approved_on = Some(date);
            }
            crate::audit::record(
                tx,
                actor,
                action_name(to),
                "loan",
                loan_id,
                Some(format!("status={to}")),
                reason.as_deref(),
            )?;
            transition(tx, &mut row, to, actor, date, reason.as_deref())?;
            save(tx, &row)
        })?;
        self.loan(actor, loan_id)
    }

    /// Disburses on the business date: generates the schedule and posts the
    /// disbursement (and any disbursement fee) to the ledger.
    pub fn disburse(
        &self,
        actor: Actor,
        loan_id: i64,
        key: Option<IdempotencyKey>,
    ) -> Result<LoanView, AppError> {
        self.write(move |tx, _| {
            let (row, _) = loan_for(tx, actor, Permission::LoanDisburse, loan_id)?;
            if prior_result(tx, actor, &key)?.is_some() {
                return Ok(());
            }
            if row.status != "approved" {
                return Err(invalid_state(&row, "disbursement"));
            }
            // The workflow must have reached disbursement (gate 4 done); exposure checked again.
            crate::origination::before_disbursement(tx, actor, loan_id)?;
            disburse_row(tx, row, actor)?;
            crate::audit::record(
                tx,
                actor,
                "loan.disburse",
                "loan",
                loan_id,
                Some("status=disbursed".into()),
                None,
            )?;
            remember(tx, actor, &key, "loan", loan_id)
        })?;
        self.loan(actor, loan_id)
    }

    /// One loan with its schedule and balances.
    pub fn loan(&self, actor: Actor, id: i64) -> Result<LoanView, AppError> {
        let classifier = self.inner.classifier;
        self.read(|r| {
            loan_view(
                r,
                loan_for(r, actor, Permission::LoanRead, id)?.0,
                &classifier,
                true,
            )
        })
    }

    /// The currency of a loan (its product's), without building its view:
    /// what the API needs to read an amount sent for the loan.
    pub fn loan_currency(&self, id: i64) -> Result<Currency, AppError> {
        // The currency is no secret; the use case that follows checks who may act.
        self.read(|r| {
            Ok(product_rules(
                r,
                r.loan_product_id(id)
                    .map_err(|_| AppError::not_found("loan", id))?,
            )?
            .currency)
        })
    }

    /// Loans booked within the actor's node, by id.
    pub fn list_loans(
        &self,
        actor: Actor,
        status: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<LoanView>, AppError> {
        const STATUSES: [&str; 7] = [
            "application",
            "approved",
            "rejected",
            "withdrawn",
            "disbursed",
            "closed",
            "written_off",
        ];
        if let Some(s) = status
            && !STATUSES.contains(&s)
        {
            return Err(AppError::invalid(
                "status",
                format!("must be one of {}", STATUSES.join(", ")),
            ));
        }
        let limit = page_limit(page)?;
        let classifier = self.inner.classifier;
        self.read(|r| {
            let staff = authorize(r, actor, Permission::LoanRead)?;
            let rows = if staff.node_path.len() <= 1 {
                r.loans(page.after_id, limit + 1, status, None)?
            } else {
                let outlets: Vec<i64> = r
                    .descendant_outlets(staff.node_id)?
                    .iter()
                    .map(|o| o.id)
                    .collect();
                r.loans_at_outlets(page.after_id, limit + 1, status, &outlets)?
            };
            let views = rows
                .into_iter()
                .map(|row| loan_view(r, row, &classifier, false))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(paginate(views, limit, |l| l.id))
        })
    }

    pub fn loan_transactions(&self, actor: Actor, loan_id: i64) -> Result<Vec<TransactionView>, AppError> {
        self.read(|r| {
            let (loan, _) = loan_for(r, actor, Permission::LoanRead, loan_id)?;
            let rules = product_rules(r, loan.product_id)?;
            Ok(r.loan_transactions(loan_id)?
                .into_iter()
                .map(|t| transaction_view(t, rules.currency))
                .collect())
        })
    }

    pub fn loan_events(&self, actor: Actor, loan_id: i64) -> Result<Vec<LoanEventView>, AppError> {
        self.read(|r| {
            loan_for(r, actor, Permission::LoanRead, loan_id)?;
            Ok(r.loan_events(loan_id)?
                .into_iter()
                .map(views::event_view)
                .collect())
        })
    }

    /// Records a repayment. With a key, a retry returns the first result and
    /// the same key with another request is refused.
    pub fn repay(
        &self,
        actor: Actor,
        loan_id: i64,
        repayment: Repayment,
        key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        let prepayment = parse_prepayment(repayment.prepayment.as_deref())?;
        self.write(move |tx, _| repay_job(tx, actor, loan_id, repayment, prepayment, key))
    }

    /// `repay` without waiting for the commit, for a request that states
    /// its amount without a currency: reads the loan on a reader (unknown or
    /// outside the user's node: `NotFound`; without the permission:
    /// `Forbidden`), builds the repayment with `repayment(loan's currency)`
    /// and works it out there; the write job then only checks that the loan
    /// (its version) and the business date are unchanged and writes, or
    /// works it out again if they moved. `done` is called with the result
    /// once it is durable, on the store's syncer thread (a refusal: on the
    /// writer thread, or at once on the caller's for a refused amount).
    /// Keep it short: send it over a channel. The caller's thread reads the
    /// store briefly (one loan), never waiting for a read connection (none
    /// free: the write job does it all); if the job panics, `done` is
    /// dropped uncalled.
    pub fn repay_then(
        &self,
        actor: Actor,
        loan_id: i64,
        repayment: impl FnOnce(Currency) -> Result<Repayment, AppError> + Send + 'static,
        key: Option<IdempotencyKey>,
        done: impl FnOnce(Result<TransactionView, AppError>) + Send + 'static,
    ) {
        // The repayment is worked out on a reader first (the writer is the
        // one serial thread; this takes a fifth of a repayment's work off
        // it); the write job checks that the loan and the business date are
        // still what it was worked out from, else works it out again.
        // Only on a read connection that is free now: the caller (an async
        // worker) must not wait for one; without, the write job does it all.
        // A refused amount (or a failed read) is answered at once.
        let mut requested = Some(repayment);
        let prepared = match self.try_read(|r| prepare_repayment(r, actor, loan_id, &mut requested)) {
            Ok(Ok(prepared)) => prepared,
            Ok(Err(error)) => return done(Err(error)),
            Err(_) => Preparation::Unprepared(RequestedRepayment::Unread(requested)),
        };
        let job = move |tx: &mut WriteTx<'_>, _: &_| match prepared {
            Preparation::Prepared(prepared) => repay_prepared(tx, actor, *prepared, key),
            Preparation::Unprepared(repayment) => {
                // The loan is read once: its product gives the currency to read the amount in.
                let (row, _) = loan_for(tx, actor, Permission::RepaymentPost, loan_id)?;
                let repayment = repayment.build(product_rules(tx, row.product_id)?.currency)?;
                let prepayment = parse_prepayment(repayment.prepayment.as_deref())?;
                repay_loan(tx, actor, row, repayment, prepayment, key)
            }
        };
        self.write_then(job, done);
    }
}

/// The amount of a repayment request, read once the loan's currency is known.
enum RequestedRepayment<F> {
    /// Not read yet (`None` only if reading it failed, which was answered).
    Unread(Option<F>),
    /// Read by the preparation.
    Read(Repayment),
}

impl<F: FnOnce(Currency) -> Result<Repayment, AppError>> RequestedRepayment<F> {
    fn build(self, currency: Currency) -> Result<Repayment, AppError> {
        match self {
            RequestedRepayment::Unread(Some(read)) => read(currency),
            RequestedRepayment::Unread(None) => {
                Err(AppError::Internal("the repayment was already read".into()))
            }
            RequestedRepayment::Read(repayment) => Ok(repayment),
        }
    }
}

/// What a reader found out about a repayment before its write job (a
/// wrong amount is `Err` instead: answered without a write).
enum Preparation<F> {
    /// Worked out in full from the loan at a version, on a business date.
    Prepared(Box<PreparedRepayment>),
    /// Anything else — the loan unknown, not the user's, not disbursed, the
    /// day closing, back-dated, an overpayment: the write job does it all
    /// and answers (a retry of a stored request gets the first result).
    Unprepared(RequestedRepayment<F>),
}

/// A repayment worked out by `prepare_repayment`.
struct PreparedRepayment {
    /// The loan as read (its `row.version`) with the repayment applied.
    loan: Serviced,
    date: NaiveDate,
    repayment: Repayment,
    prepayment: Prepayment,
    parts: RepaymentParts,
    entry: JournalEntry,
}

/// Works the repayment out on reader `r`; takes the amount out of
/// `requested` only once the loan's currency is known.
fn prepare_repayment<F: FnOnce(Currency) -> Result<Repayment, AppError>>(
    r: &ReadTx<'_>,
    actor: Actor,
    loan_id: i64,
    requested: &mut Option<F>,
) -> Result<Preparation<F>, AppError> {
    let unprepared = |requested: &mut Option<F>| {
        Ok(Preparation::Unprepared(RequestedRepayment::Unread(
            requested.take(),
        )))
    };
    let Ok((row, _)) = loan_for(r, actor, Permission::RepaymentPost, loan_id) else {
        return unprepared(requested);
    };
    let Ok(currency) = product_rules(r, row.product_id).map(|rules| rules.currency) else {
        return unprepared(requested);
    };
    let Some(read) = requested.take() else {
        return unprepared(requested);
    };
    let repayment = read(currency)?;
    let unprepared = |repayment| Ok(Preparation::Unprepared(RequestedRepayment::Read(repayment)));
    let Ok(prepayment) = parse_prepayment(repayment.prepayment.as_deref()) else {
        return unprepared(repayment);
    };
    let date = match r.business_date_open() {
        Ok(Some((date, false))) => date,
        _ => return unprepared(repayment),
    };
    let simple = row.status == "disbursed"
        && repayment.value_date.is_none_or(|d| d == date)
        && repayment.amount.currency() == currency
        && repayment.amount.is_positive();
    if !simple {
        return unprepared(repayment);
    }
    let Ok(mut loan) = load_serviced(r, row) else {
        return unprepared(repayment);
    };
    match apply_repayment(&mut loan, repayment.amount, prepayment, date) {
        Ok((parts, entry)) => Ok(Preparation::Prepared(Box::new(PreparedRepayment {
            loan,
            date,
            repayment,
            prepayment,
            parts,
            entry,
        }))),
        Err(_) => unprepared(repayment),
    }
}

/// The write job of a prepared repayment: a retry of a stored request gets
/// the first result; if the loan moved (another version) or the business
/// date did, the repayment is worked out again here, as `repay` does.
fn repay_prepared(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    prepared: PreparedRepayment,
    key: Option<IdempotencyKey>,
) -> Result<TransactionView, AppError> {
    if let Some(id) = prior_result(tx, actor, &key)? {
        return transaction_of(tx, id);
    }
    let loan_id = prepared.loan.row.id;
    let unchanged = tx.loan_version(loan_id)? == Some(prepared.loan.row.version)
        && tx.business_date_open()? == Some((prepared.date, false));
    if !unchanged {
        let (row, _) = loan_for(tx, actor, Permission::RepaymentPost, loan_id)?;
        return repay_loan(tx, actor, row, prepared.repayment, prepared.prepayment, key);
    }
    let currency = prepared.loan.rules.currency;
    let amount = prepared.repayment.amount;
    let stored = write_repayment(
        tx,
        prepared.loan,
        &prepared.parts,
        &prepared.entry,
        amount,
        prepared.prepayment,
        actor,
        prepared.date,
    )?;
    finish_repayment(tx, actor, amount, stored, currency, &key)
}

/// The write job of a repayment (see `Institution::repay`).
fn repay_job(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    loan_id: i64,
    repayment: Repayment,
    prepayment: Prepayment,
    key: Option<IdempotencyKey>,
) -> Result<TransactionView, AppError> {
    let (row, _) = loan_for(tx, actor, Permission::RepaymentPost, loan_id)?;
    repay_loan(tx, actor, row, repayment, prepayment, key)
}

/// A repayment of `row`, the loan as `loan_for` read it in this job.
fn repay_loan(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    row: LoanRow,
    repayment: Repayment,
    prepayment: Prepayment,
    key: Option<IdempotencyKey>,
) -> Result<TransactionView, AppError> {
    if let Some(id) = prior_result(tx, actor, &key)? {
        return transaction_of(tx, id);
    }
    if row.status != "disbursed" {
        return Err(invalid_state(&row, "repayment"));
    }
    let date = open_business_date(tx)?;
    let value_date = repayment.value_date.unwrap_or(date);
    if value_date > date {
        return Err(AppError::invalid(
            "value_date",
            "must not be after the business date",
        ));
    }
    let loan = load_serviced(tx, row)?;
    if repayment.amount.currency() != loan.rules.currency {
        return Err(AppError::invalid(
            "amount",
            format!("must be in the loan's currency {}", loan.rules.currency.code()),
        ));
    }
    if !repayment.amount.is_positive() {
        return Err(AppError::invalid("amount", "must be greater than zero"));
    }
    let currency = loan.rules.currency;
    let stored = if value_date == date {
        repay_today(tx, loan, repayment.amount, prepayment, actor, date)?
    } else {
        repay_back_dated(tx, loan, repayment.amount, prepayment, value_date, actor, date)?
    };
    finish_repayment(tx, actor, repayment.amount, stored, currency, &key)
}

/// The audit record and the idempotency key of a stored repayment, and its view.
fn finish_repayment(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    amount: Money,
    stored: LoanTransactionRow,
    currency: Currency,
    key: &Option<IdempotencyKey>,
) -> Result<TransactionView, AppError> {
    let id = stored.id;
    crate::audit::record(
        tx,
        actor,
        "loan.repay",
        "loan",
        stored.loan_id,
        Some(format!("transaction={id} amount={}", amount.to_major_string())),
        None,
    )?;
    remember(tx, actor, key, "transaction", id)?;
    // The transaction as stored and the currency are known here: nothing is read back.
    Ok(transaction_view(stored, currency))
}

impl Institution {
    /// Reverses a repayment: reversing entries, everything after it recomputed.
    pub fn reverse(
        &self,
        actor: Actor,
        loan_id: i64,
        transaction_id: i64,
        reason: String,
        key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        let reason = check_reason("reason", &reason)?;
        self.keyed(actor, (Permission::RepaymentReverse, loan_id), key, move |tx| {
            let id = reverse_transaction(tx, loan_id, transaction_id, &reason, actor)?;
            crate::audit::record(
                tx,
                actor,
                "loan.reverse",
                "loan",
                loan_id,
                Some(format!("transaction={id} reverses={transaction_id}")),
                Some(&reason),
            )?;
            Ok(id)
        })
    }

    pub fn charge_fee(
        &self,
        actor: Actor,
        loan_id: i64,
        amount: Money,
        reason: String,
        key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        let reason = check_reason("reason", &reason)?;
        self.keyed(actor, (Permission::FeeCharge, loan_id), key, move |tx| {
            let row = load_loan(tx, loan_id)?;
            if row.status != "disbursed" {
                return Err(invalid_state(&row, "fee"));
            }
            let mut loan = load_serviced(tx, row)?;
            if amount.currency() != loan.rules.currency || !amount.is_positive() {
                return Err(AppError::invalid(
                    "amount",
                    "must be a positive amount in the loan's currency",
                ));
            }
            let date = business_date(tx)?;
            require_day_open(tx, date)?;
            loan.position.charge_fee(date, amount).map_err(servicing_error)?;
            let movement = Movement {
                event: PostingEvent::FeeCharge,
                kind: "fee",
                part: Part::Fee,
            };
            let id = post_single(tx, &loan, movement, amount, reason.clone(), actor, date)?;
            store_position(&mut loan.row, &loan.position);
            save(tx, &loan.row)?;
            crate::audit::record(
                tx,
                actor,
                "loan.fee",
                "loan",
                loan_id,
                Some(format!("transaction={id} amount={}", amount.to_major_string())),
                Some(&reason),
            )?;
            Ok(id)
        })
    }

    pub fn write_off(
        &self,
        actor: Actor,
        loan_id: i64,
        reason: String,
        key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        let reason = check_reason("reason", &reason)?;
        self.keyed(actor, (Permission::LoanWriteOff, loan_id), key, move |tx| {
            let row = load_loan(tx, loan_id)?;
            if row.status != "disbursed" {
                return Err(invalid_state(&row, "write-off"));
            }
            let id = write_off_loan(tx, load_serviced(tx, row)?, &reason, actor)?;
            crate::audit::record(
                tx,
                actor,
                "loan.write_off",
                "loan",
                loan_id,
                Some(format!("transaction={id}")),
                Some(&reason),
            )?;
            Ok(id)
        })
    }

    pub fn recover(
        &self,
        actor: Actor,
        loan_id: i64,
        amount: Money,
        key: Option<IdempotencyKey>,
    ) -> Result<TransactionView, AppError> {
        self.keyed(actor, (Permission::RepaymentPost, loan_id), key, move |tx| {
            let row = load_loan(tx, loan_id)?;
            if row.status != "written_off" {
                return Err(invalid_state(&row, "recovery"));
            }
            let mut loan = load_serviced(tx, row)?;
            if amount.currency() != loan.rules.currency || !amount.is_positive() {
                return Err(AppError::invalid(
                    "amount",
                    "must be a positive amount in the loan's currency",
                ));
            }
            let date = business_date(tx)?;
            require_day_open(tx, date)?;
            // The end of day no longer steps a written-off loan; bring its
            // position to the business date (nothing accrues on it).
            let idle = loan.position.accrue_to(date).map_err(servicing_error)?;
            if !(idle.interest.is_zero() && idle.penalty.is_zero() && idle.compound.is_zero()) {
                return Err(AppError::Internal(format!(
                    "written-off loan {loan_id} accrued interest"
                )));
            }
            loan.position.recover(date, amount).map_err(servicing_error)?;
            let movement = Movement {
                event: PostingEvent::Recovery,
                kind: "recovery",
                part: Part::None,
            };
            let text = "recovery after write-off".to_string();
            let id = post_single(tx, &loan, movement, amount, text, actor, date)?;
            store_position(&mut loan.row, &loan.position);
            save(tx, &loan.row)?;
            crate::audit::record(
                tx,
                actor,
                "loan.recover",
                "loan",
                loan_id,
                Some(format!("transaction={id} amount={}", amount.to_major_string())),
                None,
            )?;
            Ok(id)
        })
    }
}

fn application_row(
    a: &LoanApplication,
    rules: &ProductRules,
    outlet_id: i64,
    actor: Actor,
    date: NaiveDate,
) -> Result<LoanRow, AppError> {
    if a.principal.currency() != rules.currency {
        return Err(AppError::invalid(
            "principal",
            format!("must be in the product's currency {}", rules.currency.code()),
        ));
    }
    let p = a.principal.minor();
    if p < rules.amount_min_minor || p > rules.amount_max_minor {
        let (lo, hi) = (
            Money::from_minor(rules.amount_min_minor, rules.currency),
            Money::from_minor(rules.amount_max_minor, rules.currency),
        );
        return Err(AppError::invalid(
            "principal",
            format!(
                "must be between {} and {}",
                lo.to_major_string(),
                hi.to_major_string()
            ),
        ));
    }
    let rate = a.annual_rate.unwrap_or(rules.rate_default);
    if rate < rules.rate_min || rate > rules.rate_max {
        let pct = |d: Decimal| (d * Decimal::ONE_HUNDRED).normalize().to_string();
        return Err(AppError::invalid(
            "annual_rate",
            format!(
                "must be between {}% and {}%",
                pct(rules.rate_min),
                pct(rules.rate_max)
            ),
        ));
    }
    let installments = a.installments.unwrap_or(rules.term_default);
    if installments < rules.term_min || installments > rules.term_max {
        return Err(AppError::invalid(
            "installments",
            format!("must be between {} and {}", rules.term_min, rules.term_max),
        ));
    }
    if a.first_repayment_date.is_some_and(|d| d <= date) {
        return Err(AppError::invalid(
            "first_repayment_date",
            "must be after the business date",
        ));
    }
    // The schedule must be possible as applied for (checked again at disbursement).
    let terms = rules.schedule_terms(a.principal, rate, installments, date, a.first_repayment_date)?;
    schedule::generate(&terms).map_err(|e| AppError::invalid(views::schedule_field(&e), e))?;
    Ok(LoanRow {
        id: 0,
        client_id: a.client_id,
        product_id: rules.id,
        outlet_id,
        account_manager_id: a.account_manager_id.unwrap_or(actor.user_id),
        status: "application".into(),
        currency: rules.currency.code().to_string(),
        principal_minor: p,
        annual_rate: rate,
        installments,
        first_repayment_on: a.first_repayment_date,
        purpose: a.purpose.clone(),
        applied_on: date,
        approved_on: None,
        disbursed_on: None,
        maturity_on: None,
        closed_on: None,
        principal_outstanding_minor: 0,
        interest_accrued_minor: 0,
        interest_overdue_minor: 0,
        principal_overdue_minor: 0,
        penalty_accrued_minor: 0,
        fees_due_minor: 0,
        written_off_minor: 0,
        days_past_due: 0,
        class: 0,
        provision_minor: 0,
        next_due_on: None,
        accrued_through: None,
        version: 0,
        summary: None,
        position: None,
    })
}

/// Which part of a single-amount movement its transaction row carries.
#[derive(Clone, Copy)]
enum Part {
    Principal,
    Fee,
    None,
}

/// A single-amount business event of a loan: disbursement, fee, recovery.
#[derive(Clone, Copy)]
struct Movement {
    event: PostingEvent,
    /// The loan transaction's kind.
    kind: &'static str,
    part: Part,
}

/// Posts a single-amount movement of a serviced loan and records its
/// transaction; returns the transaction id.
fn post_single(
    tx: &mut WriteTx<'_>,
    loan: &Serviced,
    movement: Movement,
    amount: Money,
    text: String,
    actor: Actor,
    date: NaiveDate,
) -> Result<i64, AppError> {
    post_single_row(tx, &loan.row, &loan.rules.gl, movement, amount, text, actor, date)
}

/// [`post_single`] for a loan row and its product's GL mapping.
#[allow(clippy::too_many_arguments)]
fn post_single_row(
    tx: &mut WriteTx<'_>,
    row: &LoanRow,
    gl: &credgrid_core::ledger::GlMapping,
    movement: Movement,
    amount: Money,
    text: String,
    actor: Actor,
    date: NaiveDate,
) -> Result<i64, AppError> {
    let entry = gl
        .post(movement.event, amount, Funds::Cash)
        .map_err(ledger_error)?;
    let entry_id = post(tx, row, date, movement.event.code(), text, &entry, None)?;
    let zero = Money::zero(amount.currency());
    let (principal, fee) = match movement.part {
        Part::Principal => (amount, zero),
        Part::Fee => (zero, amount),
        Part::None => (zero, zero),
    };
    let parts = RepaymentParts {
        principal,
        interest: zero,
        penalty: zero,
        fee,
    };
    record_transaction(
        tx,
        row,
        movement.kind,
        date,
        date,
        amount,
        &parts,
        actor,
        Some(entry_id),
        None,
    )
    .map(|t| t.id)
}

/// Disburses an approved loan on the business date.
pub(crate) fn disburse_row(tx: &mut WriteTx<'_>, mut row: LoanRow, actor: Actor) -> Result<(), AppError> {
    let rules = product_rules(tx, row.product_id)?;
    let date = business_date(tx)?;
    require_day_open(tx, date)?;
    if row.first_repayment_on.is_some_and(|d| d <= date) {
        return Err(AppError::invalid(
            "first_repayment_date",
            "has passed: it must be after the disbursement date",
        ));
    }
    row.disbursed_on = Some(date);
    let terms = rules.loan_terms(&row)?;
    let schedule =
        schedule::generate(&terms.schedule).map_err(|e| AppError::invalid(views::schedule_field(&e), e))?;
    let mut position = LoanPosition::new(terms, &schedule).map_err(servicing_error)?;
    let principal = Money::from_minor(row.principal_minor, rules.currency);
    let disbursement = Movement {
        event: PostingEvent::Disbursement,
        kind: "disbursement",
        part: Part::Principal,
    };
    let text = format!("disbursement of loan {}", row.id);
    post_single_row(tx, &row, &rules.gl, disbursement, principal, text, actor, date)?;
    let fee = rules.disbursement_fee(principal)?;
    if fee.is_positive() {
        position.charge_fee(date, fee).map_err(servicing_error)?;
        let movement = Movement {
            event: PostingEvent::FeeCharge,
            kind: "fee",
            part: Part::Fee,
        };
        post_single_row(
            tx,
            &row,
            &rules.gl,
            movement,
            fee,
            "disbursement fee".into(),
            actor,
            date,
        )?;
    }
    row.class = class_code(LoanClass::Pass);
    row.provision_minor = 0;
    store_position(&mut row, &position);
    transition(tx, &mut row, "disbursed", actor, date, None)?;
    save(tx, &row)?;
    crate::collection::schedule_loan_visits(tx, &row, &rules.code, rules.currency, date)?;
    Ok(())
}

/// After a money movement: closes a loan that owes nothing, reopens one
/// that owes again, and saves it.
fn settle_status(
    tx: &mut WriteTx<'_>,
    loan: &mut Serviced,
    actor: Actor,
    date: NaiveDate,
) -> Result<(), AppError> {
    store_position(&mut loan.row, &loan.position);
    match (loan.position.status(), loan.row.status.as_str()) {
        (LoanStatus::Closed, "disbursed") => {
            release_provision(tx, loan, date)?;
            loan.row.closed_on = Some(date);
            transition(tx, &mut loan.row, "closed", actor, date, None)?;
        }
        (LoanStatus::Active, "closed") => {
            loan.row.closed_on = None;
            transition(
                tx,
                &mut loan.row,
                "disbursed",
                actor,
                date,
                Some("reopened by a reversal"),
            )?;
        }
        _ => {}
    }
    // A money movement changes only what servicing writes.
    tx.update_loan_servicing(&loan.row)?;
    Ok(())
}

/// A loan that closes gives back the provision held for it.
fn release_provision(tx: &mut WriteTx<'_>, loan: &mut Serviced, date: NaiveDate) -> Result<(), AppError> {
    if loan.row.provision_minor <= 0 {
        return Ok(());
    }
    let amount = Money::from_minor(loan.row.provision_minor, loan.rules.currency);
    let entry = loan
        .rules
        .gl
        .post(PostingEvent::ProvisionRelease, amount, Funds::Cash)
        .map_err(ledger_error)?;
    let text = format!("provision released: loan {} repaid", loan.row.id);
    post(
        tx,
        &loan.row,
        date,
        PostingEvent::ProvisionRelease.code(),
        text,
        &entry,
        None,
    )?;
    loan.row.provision_minor = 0;
    Ok(())
}

/// The business date, refused while the end of day closes it (as
/// `business_date` then `require_day_open`, in one read).
fn open_business_date(r: &ReadTx<'_>) -> Result<NaiveDate, AppError> {
    let (date, closing) = r
        .business_date_open()?
        .ok_or_else(|| AppError::Internal("the institution has no business date".into()))?;
    if closing {
        return Err(day_closing(date));
    }
    Ok(date)
}

fn day_closing(date: NaiveDate) -> AppError {
    AppError::Refused {
        rule: "end-of-day-running",
        detail: format!("the end of day is closing {date}; try again when it has finished"),
    }
}

/// Money does not move while the end of day closes the business date.
pub(crate) fn require_day_open(r: &ReadTx<'_>, date: NaiveDate) -> Result<(), AppError> {
    if r.eod_run(date)?.is_some_and(|run| run.status == "running") {
        return Err(day_closing(date));
    }
    Ok(())
}

fn refuse_overpayment(outcome: &RepaymentOutcome) -> Result<(), AppError> {
    if outcome.overpayment.is_positive() {
        return Err(AppError::Refused {
            rule: "overpayment",
            detail: format!(
                "amount: exceeds everything the loan owes by {}; repay at most the payoff amount",
                outcome.overpayment.to_major_string()
            ),
        });
    }
    Ok(())
}

fn repay_today(
    tx: &mut WriteTx<'_>,
    mut loan: Serviced,
    amount: Money,
    prepayment: Prepayment,
    actor: Actor,
    date: NaiveDate,
) -> Result<LoanTransactionRow, AppError> {
    let (parts, entry) = apply_repayment(&mut loan, amount, prepayment, date)?;
    write_repayment(tx, loan, &parts, &entry, amount, prepayment, actor, date)
}

/// A repayment dated `date` applied to the loan's position: the parts it
/// pays and the journal entry that books them. Computes only.
fn apply_repayment(
    loan: &mut Serviced,
    amount: Money,
    prepayment: Prepayment,
    date: NaiveDate,
) -> Result<(RepaymentParts, JournalEntry), AppError> {
    let outcome = loan
        .position
        .repay(date, amount, &loan.rules.order, prepayment)
        .map_err(servicing_error)?;
    refuse_overpayment(&outcome)?;
    let parts = parts_of(&outcome);
    let entry = loan
        .rules
        .gl
        .repayment(parts, Funds::Cash)
        .map_err(ledger_error)?;
    Ok((parts, entry))
}

/// Writes a repayment `apply_repayment` computed: its journal entry, its
/// transaction, and the loan (closed if it owes nothing now).
#[allow(clippy::too_many_arguments)]
fn write_repayment(
    tx: &mut WriteTx<'_>,
    mut loan: Serviced,
    parts: &RepaymentParts,
    entry: &JournalEntry,
    amount: Money,
    prepayment: Prepayment,
    actor: Actor,
    date: NaiveDate,
) -> Result<LoanTransactionRow, AppError> {
    // Everything is checked: from here on only writes, which fail only if
    // the database does (then the whole batch fails), so no savepoint.
    tx.final_writes();
    let entry_id = post(
        tx,
        &loan.row,
        date,
        "repayment",
        format!("repayment of loan {}", loan.row.id),
        entry,
        None,
    )?;
    let kind = transaction_kind(prepayment);
    let stored = record_transaction(
        tx,
        &loan.row,
        kind,
        date,
        date,
        amount,
        parts,
        actor,
        Some(entry_id),
        None,
    )?;
    settle_status(tx, &mut loan, actor, date)?;
    Ok(stored)
}

/// The dated events of a loan from its stored transactions (reversed ones
/// and reversals left out), for a replay.
fn loan_events(
    r: &ReadTx<'_>,
    loan_id: i64,
    currency: Currency,
    skip: Option<i64>,
) -> Result<Vec<LoanEvent>, AppError> {
    let mut events = Vec::new();
    for t in r.loan_transactions(loan_id)? {
        if t.reversed_by_id.is_some() || Some(t.id) == skip {
            continue;
        }
        let amount = Money::from_minor(t.amount_minor, currency);
        let date = t.value_date;
        match t.kind.as_str() {
            "repayment" => events.push(LoanEvent::Repayment {
                date,
                amount,
                prepayment: Prepayment::ShortenTerm,
            }),
            "prepayment" => events.push(LoanEvent::Repayment {
                date,
                amount,
                prepayment: Prepayment::LowerInstallment,
            }),
            "fee" => events.push(LoanEvent::Fee { date, amount }),
            "write_off" => events.push(LoanEvent::WriteOff { date }),
            "recovery" => events.push(LoanEvent::Recovery { date, amount }),
            _ => {}
        }
    }
    Ok(events)
}

/// Replays a loan over `events` up to the start of `as_of`.
fn replay_loan(
    loan: &Serviced,
    events: &[LoanEvent],
    as_of: NaiveDate,
) -> Result<credgrid_core::servicing::Replay, AppError> {
    let terms = loan.rules.loan_terms(&loan.row)?;
    let schedule = schedule::generate(&terms.schedule).map_err(|e| AppError::Internal(e.to_string()))?;
    replay(terms, &schedule, &loan.rules.order, events, as_of).map_err(servicing_error)
}

fn accrued_penalty(r: &credgrid_core::servicing::Replay) -> i64 {
    r.accrued.penalty.minor() + r.accrued.compound.minor()
}

/// Posts what a recomputation changed: the receivables move from `expected`
/// (the books after the cash entry) to the replayed position, and income by
/// the difference in recognised interest and penalty.
fn post_recomputation(
    tx: &mut WriteTx<'_>,
    loan: &Serviced,
    expected: Books,
    old: &credgrid_core::servicing::Replay,
    new: &credgrid_core::servicing::Replay,
    date: NaiveDate,
) -> Result<(), AppError> {
    let target = Books::of_position(&new.position);
    let gl = &loan.rules.gl;
    let income_interest = new.accrued.interest.minor() - old.accrued.interest.minor();
    let income_penalty = accrued_penalty(new) - accrued_penalty(old);
    let deltas: [(AccountCode, i64); 6] = [
        (gl.loan_principal, target.principal - expected.principal),
        (gl.interest_receivable, target.interest - expected.interest),
        (gl.penalty_receivable, target.penalty - expected.penalty),
        (gl.fee_receivable, target.fee - expected.fee),
        (gl.interest_income, -income_interest),
        (gl.penalty_income, -income_penalty),
    ];
    let currency = loan.rules.currency;
    let lines: Vec<JournalLine> = deltas
        .iter()
        .filter(|(_, d)| *d != 0)
        .map(|&(account, d)| {
            let amount = Money::from_minor(d.abs(), currency);
            if d > 0 {
                JournalLine::debit(account, amount)
            } else {
                JournalLine::credit(account, amount)
            }
        })
        .collect();
    if lines.is_empty() {
        return Ok(());
    }
    let entry = JournalEntry::new(lines).map_err(|e| {
        AppError::Internal(format!(
            "loan {}: the recomputation does not balance ({e}); nothing was changed",
            loan.row.id
        ))
    })?;
    post(
        tx,
        &loan.row,
        date,
        "recomputation",
        format!("recomputation of loan {}", loan.row.id),
        &entry,
        None,
    )?;
    Ok(())
}

fn refuse_written_off(loan: &Serviced, events: &[LoanEvent]) -> Result<(), AppError> {
    if loan.position.write_off_record().is_some()
        || events.iter().any(|e| matches!(e, LoanEvent::WriteOff { .. }))
    {
        return Err(invalid_state(&loan.row, "recomputation"));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn repay_back_dated(
    tx: &mut WriteTx<'_>,
    mut loan: Serviced,
    amount: Money,
    prepayment: Prepayment,
    value_date: NaiveDate,
    actor: Actor,
    date: NaiveDate,
) -> Result<LoanTransactionRow, AppError> {
    let disbursed_on = loan.row.disbursed_on.unwrap_or(date);
    if value_date < disbursed_on {
        return Err(AppError::invalid(
            "value_date",
            "must not be before the disbursement date",
        ));
    }
    let old_events = loan_events(tx, loan.row.id, loan.rules.currency, None)?;
    refuse_written_off(&loan, &old_events)?;
    let new_event = LoanEvent::Repayment {
        date: value_date,
        amount,
        prepayment,
    };
    let mut new_events = old_events.clone();
    new_events.push(new_event);
    let old = replay_loan(&loan, &old_events, date)?;
    let new = replay_loan(&loan, &new_events, date)?;
    let outcome = new
        .outcomes
        .iter()
        .rev()
        .find_map(|(e, o)| match (e == &new_event, o) {
            (true, EventOutcome::Repayment(r)) => Some(r.clone()),
            _ => None,
        })
        .ok_or_else(|| AppError::Internal("the replay lost the back-dated repayment".into()))?;
    refuse_overpayment(&outcome)?;
    if new
        .outcomes
        .iter()
        .any(|(_, o)| matches!(o, EventOutcome::Repayment(r) if r.overpayment.is_positive()))
    {
        return Err(AppError::Refused {
            rule: "overpayment",
            detail: "amount: dated this way, a later repayment would exceed what the loan owes".into(),
        });
    }
    let parts = parts_of(&outcome);
    let entry = loan
        .rules
        .gl
        .repayment(parts, Funds::Cash)
        .map_err(ledger_error)?;
    let text = format!("repayment of loan {} value-dated {value_date}", loan.row.id);
    let entry_id = post(tx, &loan.row, date, "repayment", text, &entry, None)?;
    let kind = transaction_kind(prepayment);
    let stored = record_transaction(
        tx,
        &loan.row,
        kind,
        date,
        value_date,
        amount,
        &parts,
        actor,
        Some(entry_id),
        None,
    )?;
    let expected = Books::of_row(&loan.row).moved(&parts, -1);
    post_recomputation(tx, &loan, expected, &old, &new, date)?;
    loan.position = new.position;
    settle_status(tx, &mut loan, actor, date)?;
    Ok(stored)
}

fn reverse_transaction(
    tx: &mut WriteTx<'_>,
    loan_id: i64,
    transaction_id: i64,
    reason: &str,
    actor: Actor,
) -> Result<i64, AppError> {
    let row = load_loan(tx, loan_id)?;
    let original = tx
        .loan_transaction(transaction_id)
        .ok()
        .filter(|t| t.loan_id == loan_id)
        .ok_or_else(|| AppError::not_found("transaction", transaction_id))?;
    if !matches!(original.kind.as_str(), "repayment" | "prepayment") {
        return Err(AppError::invalid(
            "transaction_id",
            "only repayments can be reversed",
        ));
    }
    if original.reversed_by_id.is_some() {
        return Err(AppError::InvalidState {
            entity: "transaction",
            id: transaction_id.to_string(),
            state: "reversed".into(),
            action: "reversal",
        });
    }
    if !matches!(row.status.as_str(), "disbursed" | "closed") {
        return Err(invalid_state(&row, "reversal"));
    }
    let date = business_date(tx)?;
    require_day_open(tx, date)?;
    let mut loan = load_serviced(tx, row)?;
    let old_events = loan_events(tx, loan_id, loan.rules.currency, None)?;
    refuse_written_off(&loan, &old_events)?;
    let new_events = loan_events(tx, loan_id, loan.rules.currency, Some(transaction_id))?;
    let old = replay_loan(&loan, &old_events, date)?;
    let new = replay_loan(&loan, &new_events, date)?;
    let original_entry_id = original
        .journal_entry_id
        .ok_or_else(|| AppError::Internal(format!("transaction {transaction_id} has no journal entry")))?;
    let currency = loan.rules.currency;
    let digits = currency.digits();
    let reversal = tx
        .journal_entry(original_entry_id)?
        .to_core(|_| digits)?
        .reversal();
    let text = format!("reversal of transaction {transaction_id}: {reason}");
    let entry_id = post(
        tx,
        &loan.row,
        date,
        "reversal",
        text,
        &reversal,
        Some(original_entry_id),
    )?;
    let parts = parts_of_row(&original, currency);
    let amount = Money::from_minor(original.amount_minor, currency);
    let id = record_transaction(
        tx,
        &loan.row,
        "reversal",
        date,
        original.value_date,
        amount,
        &parts,
        actor,
        Some(entry_id),
        Some(transaction_id),
    )?
    .id;
    tx.set_transaction_reversed(transaction_id, id)?;
    let expected = Books::of_row(&loan.row).moved(&parts, 1);
    post_recomputation(tx, &loan, expected, &old, &new, date)?;
    loan.position = new.position;
    settle_status(tx, &mut loan, actor, date)?;
    Ok(id)
}

fn write_off_loan(
    tx: &mut WriteTx<'_>,
    mut loan: Serviced,
    reason: &str,
    actor: Actor,
) -> Result<i64, AppError> {
    let date = business_date(tx)?;
    require_day_open(tx, date)?;
    let before = Books::of_row(&loan.row);
    let currency = loan.rules.currency;
    let m = |minor| Money::from_minor(minor, currency);
    loan.position.write_off(date).map_err(servicing_error)?;
    let parts = WriteOffParts {
        principal: m(before.principal),
        interest_receivable: m(before.interest),
        penalty_receivable: m(before.penalty),
        fee_receivable: m(before.fee),
        provision_available: m(loan.row.provision_minor),
    };
    let entry = loan.rules.gl.write_off(parts).map_err(ledger_error)?;
    let entry_id = post(
        tx,
        &loan.row,
        date,
        PostingEvent::WriteOff.code(),
        format!("write-off: {reason}"),
        &entry,
        None,
    )?;
    let total = m(before.principal + before.interest + before.penalty + before.fee);
    let cash_parts = RepaymentParts {
        principal: parts.principal,
        interest: parts.interest_receivable,
        penalty: parts.penalty_receivable,
        fee: parts.fee_receivable,
    };
    let id = record_transaction(
        tx,
        &loan.row,
        "write_off",
        date,
        date,
        total,
        &cash_parts,
        actor,
        Some(entry_id),
        None,
    )?
    .id;
    loan.row.provision_minor = 0;
    store_position(&mut loan.row, &loan.position);
    loan.row.written_off_minor = total.minor();
    transition(tx, &mut loan.row, "written_off", actor, date, Some(reason))?;
    save(tx, &loan.row)?;
    Ok(id)
}

/// A loan with its balances and (optionally) its schedule.
pub(crate) fn loan_view(
    r: &ReadTx<'_>,
    row: LoanRow,
    classifier: &credgrid_core::classification::Classifier,
    with_schedule: bool,
) -> Result<LoanView, AppError> {
    let rules = product_rules(r, row.product_id)?;
    let currency = rules.currency;
    let has_position = row.position.is_some() && row.summary.is_some();
    let (schedule, due_now) = if has_position && with_schedule {
        let loan = load_serviced(r, row.clone())?;
        let date = business_date(r)?;
        (schedule_view(&loan.position), due_now(&loan.position, date, &row))
    } else {
        let due = row.principal_overdue_minor + row.interest_overdue_minor + row.penalty_accrued_minor;
        (Vec::new(), Money::from_minor(due, currency))
    };
    Ok(LoanView {
        id: row.id,
        client_id: row.client_id,
        product_id: row.product_id,
        outlet_id: row.outlet_id,
        account_manager_id: row.account_manager_id,
        status: row.status.clone(),
        currency: currency.code().to_string(),
        principal: Money::from_minor(row.principal_minor, currency),
        annual_rate: row.annual_rate,
        installments: row.installments,
        applied_on: row.applied_on,
        approved_on: row.approved_on,
        disbursed_on: row.disbursed_on,
        maturity_on: row.maturity_on,
        closed_on: row.closed_on,
        balances: balances(&row, currency, classifier, due_now),
        schedule,
    })
}

/// What a borrower must pay today to be current: every installment due on
/// or before the business date, unpaid, plus penalties.
fn due_now(position: &LoanPosition, date: NaiveDate, row: &LoanRow) -> Money {
    let currency = position.summary().currency;
    if row.status != "disbursed" {
        return Money::zero(currency);
    }
    let installments: i64 = position
        .installments()
        .iter()
        .filter(|i| i.due_date <= date)
        .map(|i| i.principal_unpaid() + i.interest_unpaid() + i.fee_unpaid())
        .sum();
    Money::from_minor(installments + position.summary().penalty_unpaid_minor(), currency)
}

/// The write job of `Institution::apply`: checks and records an application
/// and returns the loan's id. Also used by a draw on a credit line
/// (`credit_line.rs`), which adds its own records in the same job.
pub(crate) fn apply_in(
    tx: &mut WriteTx<'_>,
    actor: Actor,
    application: &LoanApplication,
) -> Result<i64, AppError> {
    let staff = authorize(tx, actor, Permission::LoanApply)?;
    let client = tx.client(application.client_id).map_err(|_| {
        AppError::invalid(
            "client_id",
            format!("client {} does not exist", application.client_id),
        )
    })?;
    if !staff.sees_node(tx, client.outlet_id)? {
        return Err(AppError::invalid(
            "client_id",
            format!("client {} does not exist", application.client_id),
        ));
    }
    if client.status != "active" {
        return Err(AppError::invalid("client_id", "the client is not active"));
    }
    let product_row = tx.product(application.product_id).map_err(|_| {
        AppError::invalid(
            "product_id",
            format!("product {} does not exist", application.product_id),
        )
    })?;
    if !product_row.active {
        return Err(AppError::invalid(
            "product_id",
            "the product is not offered any more",
        ));
    }
    let rules = crate::terms::ProductRules::from_row(&product_row)?;
    let date = business_date(tx)?;
    let row = application_row(application, &rules, client.outlet_id, actor, date)?;
    if let Some(manager) = application.account_manager_id {
        tx.app_user(manager)
            .map_err(|_| AppError::invalid("account_manager_id", format!("user {manager} does not exist")))?;
    }
    let id = tx.insert_loan(&row)?;
    crate::audit::record(
        tx,
        actor,
        "loan.apply",
        "loan",
        id,
        Some(format!("principal={}", application.principal.to_major_string())),
        None,
    )?;
    tx.insert_loan_event(id, "applied", None, "application", actor.user_id, date, None)?;
    // R-ORIG-1: placed in a risk tier when submitted.
    crate::origination::start_workflow(tx, actor, id, crate::origination::Placement::default())?;
    Ok(id)
}
