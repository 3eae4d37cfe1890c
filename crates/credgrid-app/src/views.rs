//! Stored rows turned into the views the API and the CLI show.

use crate::access::Staff;
use crate::error::AppError;
use crate::model::*;
use credgrid_core::authz::{Permission, Role};
use credgrid_core::classification::{Classifier, LoanClass};
use credgrid_core::masking::{MaskingPolicy, PersonalData, reveal};
use credgrid_core::schedule::ScheduleError;
use credgrid_core::servicing::LoanPosition;
use credgrid_core::{Currency, Money};
use credgrid_store::{
    ClientRow, JournalEntryRow, LoanEventRow, LoanRow, LoanTransactionRow, OrgNodeRow, StoreError,
};
use std::collections::HashMap;

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        match error {
            StoreError::NotFound { table, id } => AppError::NotFound {
                entity: table,
                id: id.to_string(),
            },
            StoreError::DuplicateIdentity { .. } => AppError::DuplicateIdentity,
            StoreError::DuplicateCode { table, code } => AppError::Refused {
                rule: "duplicate-code",
                detail: format!("{table}: the code `{code}` is already taken"),
            },
            StoreError::VersionConflict { loan_id, .. } => AppError::Concurrent {
                entity: "loan",
                id: loan_id.to_string(),
            },
            StoreError::AlreadyReversed { id } => AppError::InvalidState {
                entity: "transaction",
                id: id.to_string(),
                state: "reversed".into(),
                action: "reversal",
            },
            StoreError::DuplicateIdempotencyKey { .. } => AppError::IdempotencyMismatch,
            StoreError::CommitFailed { reason } => AppError::Unavailable { reason },
            StoreError::WriterGone => AppError::Unavailable {
                reason: StoreError::WriterGone.to_string(),
            },
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// The request field a schedule error is about.
pub(crate) fn schedule_field(error: &ScheduleError) -> &'static str {
    match error {
        ScheduleError::NonPositivePrincipal | ScheduleError::Overflow => "principal",
        ScheduleError::NoInstallments | ScheduleError::TooManyInstallments => "installments",
        ScheduleError::RateOutOfRange => "annual_rate",
        ScheduleError::EveryOutOfRange => "every",
        ScheduleError::DigitsMismatch => "currency",
        ScheduleError::InvalidInstallmentMultiple => "installment_multiple",
        ScheduleError::FirstRepaymentNotAfterDisbursement => "first_repayment_date",
        ScheduleError::GraceTooLong | ScheduleError::GraceWithBullet => "grace",
        _ => "schedule",
    }
}

pub(crate) fn currency_of(code: &str, digits: u8) -> Result<Currency, AppError> {
    Currency::new(code, digits).map_err(|e| AppError::Internal(format!("stored currency {code}: {e}")))
}

pub(crate) fn node_view(row: OrgNodeRow) -> NodeView {
    NodeView {
        id: row.id,
        parent_id: row.parent_id,
        kind: row.kind,
        code: row.code,
        name: row.name,
    }
}

/// A client as `staff` may see it: ID number, phone and address in full
/// only where one of the user's roles both holds `client.read_unmasked` and
/// needs that kind of data under the masking policy (R-SEC-4); masked
/// otherwise. `unmasked` names what is shown in full (the caller logs it).
pub(crate) fn client_view(row: ClientRow, staff: &Staff) -> ClientView {
    let roles = unmasking_roles(staff);
    let policy = MaskingPolicy::default();
    let mut unmasked = Vec::new();
    let mut show = |kind: PersonalData, value: &str| {
        let revealed = reveal(&policy, &roles, kind, value);
        if revealed.unmasked {
            unmasked.push(kind.name());
        }
        revealed.text
    };
    let id_number = show(PersonalData::IdNumber, &row.id_number);
    let phone = row.phone.as_deref().map(|p| show(PersonalData::Phone, p));
    let address = row.address.as_deref().map(|a| show(PersonalData::Address, a));
    ClientView {
        id: row.id,
        outlet_id: row.outlet_id,
        kind: row.kind,
        name: row.name,
        id_country: row.id_country,
        id_number,
        phone,
        address,
        status: row.status,
        created_on: row.created_on,
        unmasked,
    }
}

/// The user's roles that the matrix in force lets see personal data unmasked.
pub(crate) fn unmasking_roles(staff: &Staff) -> Vec<Role> {
    let matrix = crate::config::matrix_in_force();
    staff
        .roles
        .iter()
        .copied()
        .filter(|r| matrix.allows(&[*r], Permission::ClientReadUnmasked))
        .collect()
}

/// Whether `staff` sees identity numbers in full (then they may also search by one).
pub(crate) fn sees_id_numbers(staff: &Staff) -> bool {
    MaskingPolicy::default().sees_full(&unmasking_roles(staff), PersonalData::IdNumber)
}

/// The class stored as 1 (pass) … 5 (loss); 0 before disbursement.
pub(crate) fn class_of(stored: u8) -> Option<LoanClass> {
    LoanClass::ALL.get(usize::from(stored).checked_sub(1)?).copied()
}

pub(crate) fn class_code(class: LoanClass) -> u8 {
    u8::try_from(class.index() + 1).unwrap_or(0)
}

pub(crate) fn balances(
    row: &LoanRow,
    currency: Currency,
    classifier: &Classifier,
    due_now: Money,
) -> LoanBalances {
    let m = |minor: i64| Money::from_minor(minor, currency);
    let dpd = row.days_past_due;
    LoanBalances {
        principal_outstanding: m(row.principal_outstanding_minor),
        principal_overdue: m(row.principal_overdue_minor),
        interest_receivable: m(row.interest_accrued_minor),
        interest_overdue: m(row.interest_overdue_minor),
        penalty_receivable: m(row.penalty_accrued_minor),
        fee_receivable: m(row.fees_due_minor),
        written_off: m(row.written_off_minor),
        provision: m(row.provision_minor),
        total_due_now: due_now,
        days_past_due: dpd,
        bucket: if dpd == 0 {
            "current".into()
        } else {
            classifier.config().buckets.label(classifier.bucket(dpd))
        },
        classification: class_of(row.class)
            .map_or("unclassified", LoanClass::name)
            .to_string(),
    }
}

pub(crate) fn schedule_view(position: &LoanPosition) -> Vec<InstallmentView> {
    let mut outstanding = position
        .installments()
        .iter()
        .map(|i| i.principal.minor())
        .sum::<i64>();
    position
        .installments()
        .iter()
        .map(|i| {
            outstanding -= i.principal.minor();
            let zero = Money::zero(i.principal.currency());
            InstallmentView {
                n: i.n,
                due_date: i.due_date,
                principal: i.principal,
                interest: i.interest,
                penalty: zero,
                fee: i.fee,
                principal_paid: i.principal_paid,
                interest_paid: i.interest_paid,
                penalty_paid: zero,
                fee_paid: i.fee_paid,
                outstanding: Money::from_minor(outstanding, i.principal.currency()),
            }
        })
        .collect()
}

pub(crate) fn transaction_view(row: LoanTransactionRow, currency: Currency) -> TransactionView {
    let m = |minor: i64| Money::from_minor(minor, currency);
    TransactionView {
        id: row.id,
        loan_id: row.loan_id,
        kind: row.kind,
        business_date: row.business_date,
        value_date: row.value_date,
        amount: m(row.amount_minor),
        principal: m(row.principal_minor),
        interest: m(row.interest_minor),
        penalty: m(row.penalty_minor),
        fee: m(row.fee_minor),
        reversed_by_id: row.reversed_by_id,
        reverses_id: row.reverses_id,
        journal_entry_id: row.journal_entry_id,
    }
}

pub(crate) fn event_view(row: LoanEventRow) -> LoanEventView {
    LoanEventView {
        kind: row.kind,
        from_status: row.from_status,
        to_status: row.to_status,
        user_id: row.user_id,
        business_date: row.business_date,
        reason: row.reason,
    }
}

/// Account code → (name key, kind), for journal views.
pub(crate) type AccountIndex = HashMap<String, (String, String)>;

pub(crate) fn journal_view(
    row: JournalEntryRow,
    accounts: &AccountIndex,
    digits: &dyn Fn(&str) -> u8,
) -> Result<JournalEntryView, AppError> {
    let lines = row
        .lines
        .into_iter()
        .map(|l| {
            let currency = currency_of(&l.currency, digits(&l.currency))?;
            let (name_key, kind) = accounts.get(&l.account_code).cloned().unwrap_or_default();
            Ok(JournalLineView {
                account_code: l.account_code,
                account_name_key: name_key,
                account_kind: kind,
                debit: Money::from_minor(l.debit_minor, currency),
                credit: Money::from_minor(l.credit_minor, currency),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(JournalEntryView {
        id: row.id,
        business_date: row.business_date,
        event: row.event,
        loan_id: row.loan_id,
        outlet_id: row.outlet_id,
        description: row.description,
        reverses_id: row.reverses_id,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_the_store_could_not_record_or_confirm_is_unavailable_not_internal() {
        let failed = AppError::from(StoreError::CommitFailed {
            reason: "disk full".into(),
        });
        assert!(matches!(&failed, AppError::Unavailable { reason } if reason == "disk full"));
        assert_eq!(failed.code(), "unavailable");
        assert!(matches!(
            AppError::from(StoreError::WriterGone),
            AppError::Unavailable { .. }
        ));
        assert!(matches!(
            AppError::from(StoreError::JobAborted),
            AppError::Internal(_)
        ));
    }
}
