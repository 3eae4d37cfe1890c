//! A synthetic portfolio for benchmarks: many disbursed loans written in bulk
//! with the same postings real disbursements make, so `check` passes.
//!
//! Most loans are disbursed in the last month and are current; about one in
//! twenty was disbursed months ago and never repaid, so it is overdue. Each
//! loan gets its own disbursement entry (the per-loan principal check needs
//! it); interest and penalty accrued up to the business date are posted per
//! outlet and product, as the end of day does.

use crate::collection::CollectionSettings;
use crate::error::AppError;
use crate::institution::{Institution, ProgressFn, business_date};
use crate::lending::store_position;
use crate::model::{Actor, GenerateSummary, NewProduct, PortfolioSpec};
use crate::terms::{ProductRules, product_row};
use chrono::{Days, NaiveDate};
use credgrid_core::classification::LoanClass;
use credgrid_core::ledger::account::codes;
use credgrid_core::ledger::{Funds, JournalEntry, JournalLine, PostingEvent};
use credgrid_core::schedule;
use credgrid_core::servicing::LoanPosition;
use credgrid_core::{Currency, Money};
use credgrid_store::{LoanRow, LoanTransactionRow, NewClientRow, NewJournalEntry, WriteTx};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Loans written per durable write.
const GENERATE_CHUNK_LOANS: u64 = 10_000;
/// The most loans one call may generate.
pub(crate) const GENERATE_LOANS_MAX: u64 = 20_000_000;

/// A small deterministic generator (splitmix64): reproducible portfolios
/// without a dependency.
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn generated_product(code: &str, method: &str, installments: u32) -> NewProduct {
    let c = Currency::CNY;
    NewProduct {
        code: code.into(),
        name: format!("Generated {method} loan"),
        currency: c,
        amount_min: Money::from_minor(100_000, c),
        amount_max: Money::from_minor(50_000_000, c),
        installments_min: 1,
        installments_max: 36,
        installments_default: installments,
        annual_rate_min: Decimal::new(4, 2),
        annual_rate_max: Decimal::new(24, 2),
        annual_rate_default: Decimal::new(12, 2),
        method: method.into(),
        every: 1,
        unit: "months".into(),
        interest_period: "installment".into(),
        days_in_year: "365".into(),
        days_in_month: "actual".into(),
        rounding_mode: "half_even".into(),
        installment_multiple: None,
        grace_principal_periods: 0,
        grace_interest_periods: 0,
        penalty_uplift: Decimal::new(5, 1),
        compound_interest: false,
        allocation_order: Vec::new(),
        disbursement_fee_flat: Money::zero(c),
        disbursement_fee_rate: Decimal::ZERO,
    }
}

/// What every chunk needs: outlets, products, the date, the actor.
struct Setup {
    outlets: Vec<i64>,
    products: Vec<ProductRules>,
    date: NaiveDate,
    actor: Actor,
    seed: u64,
    /// The collection settings (when a loan is due for legal action).
    collection: CollectionSettings,
}

impl Institution {
    /// Builds a synthetic portfolio of `spec.loans` disbursed loans in bulk
    /// (for benchmarks): clients, loans, schedules, the disbursement
    /// postings. The books stay consistent: `check` passes afterwards.
    pub fn generate_portfolio(
        &self,
        actor: Actor,
        spec: PortfolioSpec,
        progress: ProgressFn<'_>,
    ) -> Result<GenerateSummary, AppError> {
        if spec.loans == 0 || spec.loans > GENERATE_LOANS_MAX {
            return Err(AppError::invalid(
                "loans",
                format!("must be 1 to {GENERATE_LOANS_MAX}"),
            ));
        }
        if spec.outlets == 0 || spec.outlets > 1_000 {
            return Err(AppError::invalid("outlets", "must be 1 to 1000"));
        }
        let prepared = spec.clone();
        let setup = self.write(move |tx, _| prepare(tx, actor, &prepared))?;
        let setup = std::sync::Arc::new(setup);
        let mut summary = GenerateSummary::default();
        let mut done = 0;
        progress(0, spec.loans);
        while done < spec.loans {
            let count = GENERATE_CHUNK_LOANS.min(spec.loans - done);
            let (first, chunk_setup) = (done, std::sync::Arc::clone(&setup));
            let principal = self.write(move |tx, _| write_chunk(tx, &chunk_setup, first, count))?;
            summary.loans += count;
            summary.clients += count;
            summary.principal_minor += principal;
            done += count;
            progress(done, spec.loans);
        }
        Ok(summary)
    }
}

fn prepare(tx: &mut WriteTx<'_>, actor: Actor, spec: &PortfolioSpec) -> Result<Setup, AppError> {
    // Synthetic portfolios are for benchmarks: the administrator only.
    let staff = crate::access::staff(tx, actor)?;
    if !staff.has_role(credgrid_core::authz::Role::Administrator) {
        return Err(AppError::Forbidden {
            permission: "role.administrator".into(),
        });
    }
    let date = business_date(tx)?;
    let nodes = tx.org_nodes()?;
    let mut outlets: Vec<i64> = nodes
        .iter()
        .filter(|n| n.kind == "outlet")
        .map(|n| n.id)
        .collect();
    if outlets.len() < spec.outlets as usize {
        let root = nodes
            .iter()
            .find(|n| n.parent_id.is_none())
            .map(|n| n.id)
            .ok_or_else(|| AppError::Internal("no root node".into()))?;
        let branch = match nodes.iter().find(|n| n.code == "GEN-BRANCH") {
            Some(b) => b.id,
            None => tx.insert_org_node(Some(root), "branch", "GEN-BRANCH", "Generated branch")?,
        };
        for n in outlets.len()..spec.outlets as usize {
            let code = format!("GEN-OUT-{}-{n}", spec.seed);
            outlets.push(tx.insert_org_node(
                Some(branch),
                "outlet",
                &code,
                &format!("Generated outlet {n}"),
            )?);
        }
    }
    outlets.truncate(spec.outlets as usize);
    let mut products = Vec::new();
    for (code, method, n) in [
        ("GEN-ANNUITY", "annuity", 12),
        ("GEN-EQUAL", "equal_principal", 12),
        ("GEN-BULLET", "bullet", 6),
    ] {
        let existing = tx.products(0, 200)?.into_iter().find(|p| p.code == code);
        let row = match existing {
            Some(row) => row,
            None => {
                let id = tx.insert_product(&product_row(&generated_product(code, method, n), date)?)?;
                tx.product(id)?
            }
        };
        products.push(ProductRules::from_row(&row)?);
    }
    let collection = CollectionSettings::from_pairs(&tx.collection_settings()?)?;
    Ok(Setup {
        outlets,
        products,
        date,
        actor,
        seed: spec.seed,
        collection,
    })
}

/// The youngest overdue generated loan's age in days (current loans are
/// younger than their first due date).
const OVERDUE_AGE_DAYS_MIN: u64 = 60;
/// Overdue generated loans are `OVERDUE_AGE_DAYS_MIN` up to this many days more.
const OVERDUE_AGE_DAYS_SPREAD: u64 = 400;

/// Accrued amounts per (outlet, product) of one chunk, posted together.
#[derive(Default)]
struct Accrued {
    interest: i64,
    penalty: i64,
}

fn write_chunk(tx: &mut WriteTx<'_>, setup: &Setup, first: u64, count: u64) -> Result<i64, AppError> {
    let mut rng = SplitMix(setup.seed ^ first.wrapping_mul(0xA24B_AED4_963E_E407));
    let mut accrued: BTreeMap<(i64, usize), Accrued> = BTreeMap::new();
    let mut principal_total = 0;
    for i in first..first + count {
        let (outlet, product_index, principal, accrual) = write_loan(tx, setup, &mut rng, i)?;
        let a = accrued.entry((outlet, product_index)).or_default();
        a.interest += accrual.0;
        a.penalty += accrual.1;
        principal_total += principal;
    }
    fund(tx, setup, principal_total)?;
    crate::audit::record(
        tx,
        setup.actor,
        "portfolio.generate",
        "loan",
        format!("{first}+{count}"),
        None,
        None,
    )?;
    for ((outlet, product_index), a) in accrued {
        post_accrued(tx, setup, outlet, product_index, &a)?;
    }
    Ok(principal_total)
}

/// The capital that funds a chunk's disbursements, so the vault never goes
/// negative in a generated institution.
fn fund(tx: &mut WriteTx<'_>, setup: &Setup, principal_minor: i64) -> Result<(), AppError> {
    let rules = &setup.products[0];
    let amount = Money::from_minor(principal_minor, rules.currency);
    let lines = vec![
        JournalLine::debit(rules.gl.cash, amount),
        JournalLine::credit(codes::CAPITAL, amount),
    ];
    let entry = JournalEntry::new(lines).map_err(|e| AppError::Internal(e.to_string()))?;
    // Paid in before the oldest generated loan was disbursed.
    let paid_in = setup
        .date
        .checked_sub_days(Days::new(OVERDUE_AGE_DAYS_MIN + OVERDUE_AGE_DAYS_SPREAD))
        .unwrap_or(setup.date);
    let meta = NewJournalEntry {
        business_date: paid_in,
        event: "capital".into(),
        loan_id: None,
        outlet_id: setup.outlets[0],
        product_id: None,
        description: "paid-in capital funding the generated portfolio".into(),
        reverses_id: None,
    };
    tx.insert_journal_entry(&meta, &entry)?;
    Ok(())
}

fn post_accrued(
    tx: &mut WriteTx<'_>,
    setup: &Setup,
    outlet: i64,
    product_index: usize,
    a: &Accrued,
) -> Result<(), AppError> {
    let rules = &setup.products[product_index];
    let mut lines = Vec::new();
    for (event, minor) in [
        (PostingEvent::InterestAccrual, a.interest),
        (PostingEvent::PenaltyAccrual, a.penalty),
    ] {
        if minor == 0 {
            continue;
        }
        let (debit, credit) = rules
            .gl
            .accounts(event, Funds::Cash)
            .ok_or_else(|| AppError::Internal("no accounts".into()))?;
        let amount = Money::from_minor(minor, rules.currency);
        lines.push(JournalLine::debit(debit, amount));
        lines.push(JournalLine::credit(credit, amount));
    }
    if lines.is_empty() {
        return Ok(());
    }
    let entry = JournalEntry::new(lines).map_err(|e| AppError::Internal(e.to_string()))?;
    let meta = NewJournalEntry {
        business_date: setup.date,
        event: "generated_accrual".into(),
        loan_id: None,
        outlet_id: outlet,
        product_id: Some(rules.id),
        description: "accrual of generated loans up to their generation".into(),
        reverses_id: None,
    };
    tx.insert_journal_entry(&meta, &entry)?;
    Ok(())
}

/// Writes one client and one disbursed loan; returns (outlet, product
/// index, principal, (interest, penalty) accrued up to the business date).
fn write_loan(
    tx: &mut WriteTx<'_>,
    setup: &Setup,
    rng: &mut SplitMix,
    i: u64,
) -> Result<(i64, usize, i64, (i64, i64)), AppError> {
    let outlet = setup.outlets[(i % setup.outlets.len() as u64) as usize];
    let product_index = (rng.below(10) as usize).min(2) * usize::from(rng.below(3) == 0);
    let rules = &setup.products[product_index];
    let overdue = rng.below(20) == 0;
    let age_days = if overdue {
        OVERDUE_AGE_DAYS_MIN + rng.below(OVERDUE_AGE_DAYS_SPREAD)
    } else {
        rng.below(28)
    };
    let disbursed_on = setup
        .date
        .checked_sub_days(Days::new(age_days))
        .unwrap_or(setup.date);
    let principal = (3_000 + rng.below(97) * 1_000) as i64 * 100;
    let rate = Decimal::new(6 + rng.below(13) as i64, 2);
    let installments = if rules.code == "GEN-BULLET" {
        6
    } else {
        [6, 12, 12, 24][rng.below(4) as usize]
    };
    let client = tx.insert_client(&NewClientRow {
        outlet_id: outlet,
        kind: "individual".into(),
        name: format!("Client {i}"),
        id_country: "XX".into(),
        id_number: format!("GEN-{}-{i}", setup.seed),
        phone: None,
        address: None,
        created_on: disbursed_on,
    })?;
    let mut row = generated_row(
        client,
        rules,
        outlet,
        setup.actor,
        principal,
        rate,
        installments,
        disbursed_on,
    );
    let terms = rules.loan_terms(&row)?;
    let schedule = schedule::generate(&terms.schedule).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut position = LoanPosition::new(terms, &schedule).map_err(|e| AppError::Internal(e.to_string()))?;
    let accrual = position
        .accrue_to(setup.date)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    store_position(&mut row, &position);
    let loan_id = tx.insert_loan(&row)?;
    row.id = loan_id;
    escalate_as_if_running(tx, setup, loan_id, row.days_past_due)?;
    let amount = Money::from_minor(principal, rules.currency);
    let entry = rules
        .gl
        .post(PostingEvent::Disbursement, amount, Funds::Cash)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // Dated when the money moved, as in a book that has been running: the
    // business date's own flows are the day's, not the whole book's.
    let meta = NewJournalEntry {
        business_date: disbursed_on,
        event: PostingEvent::Disbursement.code().into(),
        loan_id: Some(loan_id),
        outlet_id: outlet,
        product_id: Some(rules.id),
        description: format!("generated loan {loan_id} disbursed {disbursed_on}"),
        reverses_id: None,
    };
    let entry_id = tx.insert_journal_entry(&meta, &entry)?;
    tx.insert_loan_transaction(&LoanTransactionRow {
        id: 0,
        loan_id,
        kind: "disbursement".into(),
        business_date: disbursed_on,
        value_date: disbursed_on,
        amount_minor: principal,
        principal_minor: principal,
        interest_minor: 0,
        penalty_minor: 0,
        fee_minor: 0,
        reversed_by_id: None,
        reverses_id: None,
        user_id: setup.actor.user_id,
        journal_entry_id: Some(entry_id),
        created_at: String::new(),
    })?;
    let penalty = accrual.penalty.minor() + accrual.compound.minor();
    Ok((
        outlet,
        product_index,
        principal,
        (accrual.interest.minor(), penalty),
    ))
}

/// A generated book is as if it had been running: a loan already past the
/// legal threshold carries the `legal_due` escalation the end of day made on
/// the day it crossed it (the first end of day after generation then only
/// escalates the loans crossing that day, as any other day).
fn escalate_as_if_running(
    tx: &mut WriteTx<'_>,
    setup: &Setup,
    loan_id: i64,
    days_past_due: u32,
) -> Result<(), AppError> {
    let threshold = setup.collection.strategy.legal_after_days_past_due;
    if days_past_due < threshold {
        return Ok(());
    }
    let crossed_on = setup
        .date
        .checked_sub_days(Days::new(u64::from(days_past_due - threshold)))
        .unwrap_or(setup.date);
    let row = crate::collection::legal_due(&setup.collection, loan_id, threshold, crossed_on, setup.actor);
    tx.insert_escalation(&row)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn generated_row(
    client_id: i64,
    rules: &ProductRules,
    outlet_id: i64,
    actor: Actor,
    principal_minor: i64,
    annual_rate: Decimal,
    installments: u32,
    disbursed_on: NaiveDate,
) -> LoanRow {
    LoanRow {
        id: 0,
        client_id,
        product_id: rules.id,
        outlet_id,
        account_manager_id: actor.user_id,
        status: "disbursed".into(),
        currency: rules.currency.code().into(),
        principal_minor,
        annual_rate,
        installments,
        first_repayment_on: None,
        purpose: None,
        applied_on: disbursed_on,
        approved_on: Some(disbursed_on),
        disbursed_on: Some(disbursed_on),
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
        class: crate::views::class_code(LoanClass::Pass),
        provision_minor: 0,
        next_due_on: None,
        accrued_through: None,
        version: 0,
        summary: None,
        position: None,
    }
}
