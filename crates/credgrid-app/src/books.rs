//! The books: trial balance, the journal, the portfolio, and `check`, which
//! proves the ledger balances and agrees with every loan's sub-ledger.

use crate::access::authorize;
use crate::codec::decode_summary;
use crate::error::AppError;
use crate::institution::{Institution, business_date};
use crate::model::*;
use crate::views::{AccountIndex, currency_of, journal_view};
use chrono::NaiveDate;
use credgrid_core::Money;
use credgrid_core::authz::Permission;
use credgrid_store::ReadTx;
use std::collections::BTreeMap;

/// How many findings `check` lists at most per kind.
const FINDINGS_MAX: u32 = 20;
/// Loans read per query while `check` compares them with their summaries.
const CHECK_CHUNK_LOANS: u32 = 10_000;

/// Minor-unit digits of a currency code, from the products that use it
/// (2 when no product does).
fn digits_of(r: &ReadTx<'_>) -> Result<impl Fn(&str) -> u8 + use<>, AppError> {
    let mut map = BTreeMap::new();
    let mut after = 0;
    loop {
        let products = r.products(after, 200)?;
        let Some(last) = products.last() else { break };
        after = last.id;
        for p in &products {
            map.insert(p.currency.clone(), p.digits);
        }
    }
    Ok(move |code: &str| map.get(code).copied().unwrap_or(2))
}

fn account_index(r: &ReadTx<'_>) -> Result<AccountIndex, AppError> {
    Ok(r.accounts()?
        .into_iter()
        .map(|a| (a.code, (a.name_key, a.kind)))
        .collect())
}

/// The node a report is for: the one asked (which must lie within the
/// actor's node) or, when none is asked, the actor's own node (`None` for a
/// user at the root: the whole institution).
fn report_node(
    r: &ReadTx<'_>,
    actor: Actor,
    permission: Permission,
    node_id: Option<i64>,
) -> Result<Option<i64>, AppError> {
    let staff = authorize(r, actor, permission)?;
    match node_id {
        Some(id) => {
            r.org_node(id).map_err(|_| AppError::not_found("node", id))?;
            staff.require_node(r, id)?;
            Ok(Some(id))
        }
        None if staff.node_path.len() <= 1 => Ok(None),
        None => Ok(Some(staff.node_id)),
    }
}

impl Institution {
    /// The chart of accounts.
    pub fn accounts(&self, actor: Actor) -> Result<Vec<AccountView>, AppError> {
        self.read(|r| {
            authorize(r, actor, Permission::LedgerRead)?;
            Ok(r.accounts()?
                .into_iter()
                .map(|a| AccountView {
                    code: a.code,
                    name_key: a.name_key,
                    kind: a.kind,
                })
                .collect())
        })
    }

    pub fn trial_balance(
        &self,
        actor: Actor,
        as_of: NaiveDate,
        node_id: Option<i64>,
    ) -> Result<TrialBalance, AppError> {
        self.read(|r| {
            let node_id = report_node(r, actor, Permission::LedgerRead, node_id)?;
            let root = match node_id {
                Some(id) => r.org_node(id).map_err(|_| AppError::not_found("node", id))?.id,
                None => r
                    .org_nodes()?
                    .into_iter()
                    .find(|n| n.parent_id.is_none())
                    .map_or(0, |n| n.id),
            };
            let digits = digits_of(r)?;
            let index = account_index(r)?;
            let mut lines = Vec::new();
            let mut totals: Option<(Money, Money)> = None;
            for row in r.trial_balance(as_of, node_id)? {
                let currency = currency_of(&row.currency, digits(&row.currency))?;
                let debit = Money::from_minor(row.debit_minor, currency);
                let credit = Money::from_minor(row.credit_minor, currency);
                let overflow = |_| AppError::Internal("trial balance overflows".into());
                let balance = debit.checked_sub(credit).map_err(overflow)?;
                let (d, c) = totals.unwrap_or((Money::zero(currency), Money::zero(currency)));
                totals = Some((
                    d.checked_add(debit).map_err(overflow)?,
                    c.checked_add(credit).map_err(overflow)?,
                ));
                let name_key = index
                    .get(&row.account_code)
                    .map(|(k, _)| k.clone())
                    .unwrap_or_default();
                lines.push(TrialBalanceLine {
                    account_code: row.account_code,
                    account_name_key: name_key,
                    kind: row.kind,
                    debit,
                    credit,
                    balance,
                });
            }
            let zero = Money::zero(credgrid_core::Currency::CNY);
            let (total_debit, total_credit) = totals.unwrap_or((zero, zero));
            Ok(TrialBalance {
                as_of,
                node_id: root,
                lines,
                total_debit,
                total_credit,
            })
        })
    }

    /// Journal entries with an id greater than `after_id`, oldest first.
    /// The whole institution's journal: for users at the root of the tree.
    pub fn journal(
        &self,
        actor: Actor,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<JournalEntryView>, AppError> {
        if limit == 0 || limit > 10_000 {
            return Err(AppError::invalid("limit", "must be 1 to 10000"));
        }
        self.read(|r| {
            require_whole_ledger(r, actor)?;
            let digits = digits_of(r)?;
            let index = account_index(r)?;
            r.journal_entries(after_id, limit)?
                .into_iter()
                .map(|e| journal_view(e, &index, &digits))
                .collect()
        })
    }

    /// The earliest business date in the journal (`None`: no entry yet) —
    /// entries are numbered as written, and one may be dated before an
    /// earlier-numbered one (a generated book, a back-dated booking).
    pub fn first_journal_date(&self, actor: Actor) -> Result<Option<NaiveDate>, AppError> {
        self.read(|r| {
            require_whole_ledger(r, actor)?;
            Ok(r.first_journal_date()?)
        })
    }

    /// The journal entries of one loan.
    pub fn loan_journal(&self, actor: Actor, loan_id: i64) -> Result<Vec<JournalEntryView>, AppError> {
        self.read(|r| {
            crate::lending::loan_for(r, actor, Permission::LoanRead, loan_id)?;
            let digits = digits_of(r)?;
            let index = account_index(r)?;
            r.loan_journal(loan_id)?
                .into_iter()
                .map(|e| journal_view(e, &index, &digits))
                .collect()
        })
    }

    /// Outstanding, overdue, PAR and classification per outlet and product,
    /// as the last end of day left them.
    pub fn portfolio(&self, actor: Actor, node_id: Option<i64>) -> Result<PortfolioReport, AppError> {
        self.read(|r| {
            let node_id = report_node(r, actor, Permission::ReportRead, node_id)?;
            let as_of = business_date(r)?;
            let outlets: BTreeMap<i64, String> = match node_id {
                Some(id) => {
                    r.org_node(id).map_err(|_| AppError::not_found("node", id))?;
                    r.descendant_outlets(id)?
                        .into_iter()
                        .map(|n| (n.id, n.code))
                        .collect()
                }
                None => r
                    .org_nodes()?
                    .into_iter()
                    .filter(|n| n.kind == "outlet")
                    .map(|n| (n.id, n.code))
                    .collect(),
            };
            let mut lines = Vec::new();
            for row in r.portfolio_rows()? {
                let Some(code) = outlets.get(&row.outlet_id) else {
                    continue;
                };
                let currency = currency_of(&row.currency, row.digits)?;
                let m = |minor| Money::from_minor(minor, currency);
                lines.push(PortfolioLine {
                    outlet_id: row.outlet_id,
                    outlet_code: code.clone(),
                    product_code: row.product_code,
                    currency: row.currency,
                    loans_active: u64::try_from(row.loans).unwrap_or(0),
                    principal_outstanding: m(row.principal_outstanding_minor),
                    principal_overdue: m(row.principal_overdue_minor),
                    par30: m(row.par30_minor),
                    par90: m(row.par90_minor),
                    by_class: row.by_class_minor.map(m),
                    provision: m(row.provision_minor),
                });
            }
            Ok(PortfolioReport {
                as_of: as_of.pred_opt().unwrap_or(as_of),
                lines,
            })
        })
    }

    /// Verifies the invariants; every violation found, first first.
    pub fn check(&self) -> Result<CheckReport, AppError> {
        self.read(|r| {
            let mut report = CheckReport::default();
            check_journal(r, &mut report)?;
            check_eod(r, &mut report)?;
            check_loans_against_gl(r, &mut report)?;
            check_loan_summaries(r, &mut report)?;
            Ok(report)
        })
    }
}

fn check_journal(r: &ReadTx<'_>, report: &mut CheckReport) -> Result<(), AppError> {
    report.entries_checked = r.journal_entry_count()?;
    for u in r.unbalanced_entries(FINDINGS_MAX)? {
        report.violations.push(format!(
            "journal entry {} does not balance in {}: debits exceed credits by {} minor units",
            u.entry_id, u.currency, u.difference_minor
        ));
    }
    for id in r.entries_without_lines(FINDINGS_MAX)? {
        report.violations.push(format!("journal entry {id} has no lines"));
    }
    for (id, loan_id) in r.unlinked_repayment_entries(FINDINGS_MAX)? {
        report.violations.push(format!(
            "journal entry {id} is a repayment of loan {loan_id} that no transaction of the loan refers to"
        ));
    }
    for (currency, net) in r.trial_balance_net()? {
        if net != 0 {
            report.violations.push(format!(
                "the trial balance in {currency} does not net to zero: {net} minor units"
            ));
        }
    }
    Ok(())
}

fn check_eod(r: &ReadTx<'_>, report: &mut CheckReport) -> Result<(), AppError> {
    let date = business_date(r)?;
    if r.eod_run(date)?.is_some_and(|run| run.status == "running") {
        report.violations.push(format!(
            "the end of day for {date} stopped half-way: run `credgrid eod` to finish it"
        ));
    }
    Ok(())
}

/// GL balance (debit − credit) per (account, currency).
fn gl_balances(r: &ReadTx<'_>) -> Result<BTreeMap<(String, String), i64>, AppError> {
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let mut map = BTreeMap::new();
    for row in r.trial_balance(far, None)? {
        map.insert(
            (row.account_code, row.currency),
            row.debit_minor - row.credit_minor,
        );
    }
    Ok(map)
}

fn check_loans_against_gl(r: &ReadTx<'_>, report: &mut CheckReport) -> Result<(), AppError> {
    let gl = gl_balances(r)?;
    let mapping = credgrid_core::ledger::GlMapping::default();
    for totals in r.loan_totals(None)? {
        let balance = |code: credgrid_core::ledger::AccountCode| {
            gl.get(&(code.as_str().to_string(), totals.currency.clone()))
                .copied()
                .unwrap_or(0)
        };
        let pairs = [
            (
                "loan principal",
                mapping.loan_principal,
                totals.principal_outstanding_minor,
            ),
            (
                "interest receivable",
                mapping.interest_receivable,
                totals.interest_accrued_minor,
            ),
            (
                "penalty receivable",
                mapping.penalty_receivable,
                totals.penalty_accrued_minor,
            ),
            ("fee receivable", mapping.fee_receivable, totals.fees_due_minor),
            ("loan-loss provision", mapping.provision, -totals.provision_minor),
        ];
        for (what, account, sub_ledger) in pairs {
            let ledger = balance(account);
            if ledger != sub_ledger {
                report.violations.push(format!(
                    "{what} in {}: the loans' sub-ledger holds {sub_ledger} minor units but GL account {} holds {ledger}",
                    totals.currency,
                    account.as_str()
                ));
            }
        }
    }
    for (loan_id, column, journal) in
        r.loans_disagreeing_with_journal(mapping.loan_principal.as_str(), FINDINGS_MAX)?
    {
        report.violations.push(format!(
            "loan {loan_id}: principal outstanding is {column} minor units but its journal entries leave {journal}"
        ));
    }
    Ok(())
}

/// Every active loan's balance columns agree with its stored servicing summary.
fn check_loan_summaries(r: &ReadTx<'_>, report: &mut CheckReport) -> Result<(), AppError> {
    let mut after = 0;
    let mut found = 0;
    loop {
        let loans = r.active_loans(after, CHECK_CHUNK_LOANS)?;
        let Some(last) = loans.last() else { break };
        after = last.id;
        for loan in &loans {
            report.loans_checked += 1;
            let Some(blob) = loan.summary.as_deref() else {
                report.violations.push(format!(
                    "loan {}: disbursed but has no servicing summary",
                    loan.id
                ));
                continue;
            };
            let s = decode_summary(blob)?;
            let agrees = s.principal_outstanding_minor == loan.principal_outstanding_minor
                && s.interest_receivable_minor == loan.interest_accrued_minor
                && s.penalty_unpaid_minor() == loan.penalty_accrued_minor
                && s.fee_unpaid_minor == loan.fees_due_minor;
            if !agrees && found < FINDINGS_MAX {
                found += 1;
                report.violations.push(format!(
                    "loan {}: its balance columns disagree with its sub-ledger",
                    loan.id
                ));
            }
        }
    }
    Ok(())
}

/// Balances (debit − credit) per (currency, account) with the account's kind.
type Balances = BTreeMap<(String, String), (String, i64)>;

fn balances_at(r: &ReadTx<'_>, as_of: NaiveDate, node_id: Option<i64>) -> Result<Balances, AppError> {
    let mut map = Balances::new();
    for row in r.trial_balance(as_of, node_id)? {
        map.insert(
            (row.currency, row.account_code),
            (row.kind, row.debit_minor - row.credit_minor),
        );
    }
    Ok(map)
}

/// The natural sign of an account kind: debit-normal kinds keep debit − credit.
fn natural(kind: &str, debit_minus_credit: i64) -> i64 {
    match kind {
        "asset" | "contra_asset" | "expense" => debit_minus_credit,
        _ => -debit_minus_credit,
    }
}

fn root_node(r: &ReadTx<'_>, node_id: Option<i64>) -> Result<i64, AppError> {
    match node_id {
        Some(id) => Ok(r.org_node(id).map_err(|_| AppError::not_found("node", id))?.id),
        None => Ok(r
            .org_nodes()?
            .into_iter()
            .find(|n| n.parent_id.is_none())
            .map_or(0, |n| n.id)),
    }
}

fn statement_line(index: &AccountIndex, code: &str, kind: &str, amount: Money) -> StatementLine {
    StatementLine {
        account_code: code.to_string(),
        account_name_key: index.get(code).map(|(k, _)| k.clone()).unwrap_or_default(),
        kind: kind.to_string(),
        amount,
    }
}

impl Institution {
    /// The balance sheet per currency at the end of `as_of`, for a node of
    /// the organisation tree (and everything below it) or the whole institution.
    pub fn balance_sheet(
        &self,
        actor: Actor,
        as_of: NaiveDate,
        node_id: Option<i64>,
    ) -> Result<Vec<BalanceSheet>, AppError> {
        self.read(|r| {
            let node_id = report_node(r, actor, Permission::LedgerRead, node_id)?;
            let node = root_node(r, node_id)?;
            let digits = digits_of(r)?;
            let index = account_index(r)?;
            let mut sheets: BTreeMap<String, BalanceSheet> = BTreeMap::new();
            for ((currency_code, code), (kind, balance)) in balances_at(r, as_of, node_id)? {
                let currency = currency_of(&currency_code, digits(&currency_code))?;
                let zero = Money::zero(currency);
                let sheet = sheets
                    .entry(currency_code.clone())
                    .or_insert_with(|| BalanceSheet {
                        as_of,
                        node_id: node,
                        currency: currency_code.clone(),
                        assets: Vec::new(),
                        liabilities: Vec::new(),
                        equity: Vec::new(),
                        earnings: zero,
                        total_assets: zero,
                        total_liabilities: zero,
                        total_equity: zero,
                    });
                let amount = Money::from_minor(natural(&kind, balance), currency);
                let add = |total: &mut Money| -> Result<(), AppError> {
                    *total = total
                        .checked_add(amount)
                        .map_err(|_| sum_overflow("balance sheet"))?;
                    Ok(())
                };
                match kind.as_str() {
                    "asset" | "contra_asset" => {
                        add(&mut sheet.total_assets)?;
                        sheet.assets.push(statement_line(&index, &code, &kind, amount));
                    }
                    "liability" => {
                        add(&mut sheet.total_liabilities)?;
                        sheet
                            .liabilities
                            .push(statement_line(&index, &code, &kind, amount));
                    }
                    "equity" => {
                        add(&mut sheet.total_equity)?;
                        sheet.equity.push(statement_line(&index, &code, &kind, amount));
                    }
                    "income" => add(&mut sheet.earnings)?,
                    _ => {
                        sheet.earnings = sheet
                            .earnings
                            .checked_sub(amount)
                            .map_err(|_| sum_overflow("balance sheet"))?;
                    }
                }
            }
            Ok(sheets.into_values().collect())
        })
    }

    /// The income statement per currency over the business dates
    /// `from..=to`, for a node (and below) or the whole institution.
    pub fn income_statement(
        &self,
        actor: Actor,
        from: NaiveDate,
        to: NaiveDate,
        node_id: Option<i64>,
    ) -> Result<Vec<IncomeStatement>, AppError> {
        if from > to {
            return Err(AppError::invalid("from", "must not be after `to`"));
        }
        self.read(|r| {
            let node_id = report_node(r, actor, Permission::LedgerRead, node_id)?;
            let node = root_node(r, node_id)?;
            let digits = digits_of(r)?;
            let index = account_index(r)?;
            let end = balances_at(r, to, node_id)?;
            let start = match from.pred_opt() {
                Some(before) => balances_at(r, before, node_id)?,
                None => Balances::new(),
            };
            let mut statements: BTreeMap<String, IncomeStatement> = BTreeMap::new();
            for ((currency_code, code), (kind, balance)) in end {
                if kind != "income" && kind != "expense" {
                    continue;
                }
                let opening = start
                    .get(&(currency_code.clone(), code.clone()))
                    .map_or(0, |(_, b)| *b);
                let currency = currency_of(&currency_code, digits(&currency_code))?;
                let zero = Money::zero(currency);
                let st = statements
                    .entry(currency_code.clone())
                    .or_insert_with(|| IncomeStatement {
                        from,
                        to,
                        node_id: node,
                        currency: currency_code.clone(),
                        income: Vec::new(),
                        expenses: Vec::new(),
                        total_income: zero,
                        total_expenses: zero,
                        net_income: zero,
                    });
                let moved = balance
                    .checked_sub(opening)
                    .ok_or_else(|| sum_overflow("income statement"))?;
                let amount = Money::from_minor(natural(&kind, moved), currency);
                if kind == "income" {
                    st.total_income = st
                        .total_income
                        .checked_add(amount)
                        .map_err(|_| sum_overflow("income statement"))?;
                    st.income.push(statement_line(&index, &code, &kind, amount));
                } else {
                    st.total_expenses = st
                        .total_expenses
                        .checked_add(amount)
                        .map_err(|_| sum_overflow("income statement"))?;
                    st.expenses.push(statement_line(&index, &code, &kind, amount));
                }
                st.net_income = st
                    .total_income
                    .checked_sub(st.total_expenses)
                    .map_err(|_| sum_overflow("income statement"))?;
            }
            Ok(statements.into_values().collect())
        })
    }
}

/// The journal covers the whole institution: readable by a user with
/// `LedgerRead` at the root only (elsewhere 403, `scope`).
fn require_whole_ledger(r: &ReadTx<'_>, actor: Actor) -> Result<(), AppError> {
    if report_node(r, actor, Permission::LedgerRead, None)?.is_some() {
        return Err(AppError::Forbidden {
            permission: "scope".into(),
        });
    }
    Ok(())
}

/// A report total past the largest amount: refused, never silently capped.
fn sum_overflow(report: &str) -> AppError {
    AppError::Internal(format!("{report}: a total exceeds the largest amount"))
}
