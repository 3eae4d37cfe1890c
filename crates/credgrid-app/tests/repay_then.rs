//! `Institution::repay_then`, the non-blocking repayment the HTTP API uses:
//! it reads the amount in the loan's own currency inside the write job,
//! answers exactly like `repay` (same idempotency), and a refused amount
//! leaves nothing behind.

use credgrid_app::*;
use credgrid_core::{Currency, Money};
use std::sync::mpsc;

mod common;
use common::*;

/// An institution in a scratch directory, removed when it is dropped.
fn institution(name: &str, loans: u64) -> ScratchInstitution {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap();
    let inst = ScratchInstitution::open(&format!("app-{name}"), "test.db", today);
    hire(&inst);
    let spec = PortfolioSpec {
        loans,
        seed: 7,
        outlets: 2,
    };
    inst.generate_portfolio(ADMIN, spec, &|_, _| {}).unwrap();
    inst
}

fn key(text: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey {
        key: text.into(),
        request_hash: "same-request".into(),
    })
}

/// Runs `repay_then` and waits for its answer; also returns the currency
/// the amount was asked in (`None` when it was never asked).
fn repay_then(
    inst: &Institution,
    loan_id: i64,
    minor: i64,
    key_text: &str,
) -> (Result<TransactionView, AppError>, Option<Currency>) {
    let (asked_tx, asked) = mpsc::channel();
    let (answer, answered) = mpsc::channel();
    let repayment = move |currency: Currency| {
        asked_tx.send(currency).unwrap();
        if minor <= 0 {
            return Err(AppError::invalid("amount", "must be greater than zero"));
        }
        Ok(Repayment {
            amount: Money::from_minor(minor, currency),
            value_date: None,
            prepayment: None,
        })
    };
    inst.repay_then(TELLER, loan_id, repayment, key(key_text), move |r| {
        answer.send(r).unwrap()
    });
    let result = answered.recv().expect("repay_then answers");
    (result, asked.try_recv().ok())
}

#[test]
fn repay_then_answers_in_the_loan_currency_and_like_repay_on_a_retry() {
    let inst = institution("repay-then-retry", 3);
    let (first, asked) = repay_then(&inst, 2, 150, "k-1");
    let first = first.unwrap();
    assert_eq!(asked, Some(Currency::CNY), "the generated portfolio lends in CNY");
    assert_eq!((first.loan_id, first.kind.as_str()), (2, "repayment"));
    assert_eq!(first.amount, Money::from_minor(150, Currency::CNY));
    // A blocking retry with the same key answers the first transaction.
    let retry = Repayment {
        amount: Money::from_minor(150, Currency::CNY),
        value_date: None,
        prepayment: None,
    };
    let again = inst.repay(TELLER, 2, retry, key("k-1")).unwrap();
    assert_eq!(again.id, first.id);
    let repayments: Vec<i64> = inst
        .loan_transactions(AUDITOR, 2)
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "repayment")
        .map(|t| t.id)
        .collect();
    assert_eq!(repayments, vec![first.id]);
    assert!(inst.check().unwrap().violations.is_empty());
}

#[test]
fn repay_then_on_an_unknown_loan_is_not_found_before_the_amount_is_read() {
    let inst = institution("repay-then-unknown", 1);
    let (result, asked) = repay_then(&inst, 99, 150, "k-unknown");
    assert!(matches!(result, Err(AppError::NotFound { .. })), "{result:?}");
    assert_eq!(asked, None);
}

#[test]
fn a_refused_amount_writes_nothing_and_keeps_the_key_free() {
    let inst = institution("repay-then-refused", 1);
    let before = inst.loan_transactions(AUDITOR, 1).unwrap().len();
    let (refused, _) = repay_then(&inst, 1, 0, "k-refused");
    assert!(
        matches!(refused, Err(AppError::Invalid { ref field, .. }) if field == "amount"),
        "{refused:?}"
    );
    assert_eq!(inst.loan_transactions(AUDITOR, 1).unwrap().len(), before);
    // The key was not taken by the refused request.
    let (accepted, _) = repay_then(&inst, 1, 100, "k-refused");
    assert!(accepted.is_ok(), "{accepted:?}");
    assert_eq!(inst.loan_transactions(AUDITOR, 1).unwrap().len(), before + 1);
}

/// `repay_then` works a repayment out on a reader before its write job; when
/// other repayments of the same loan commit in between (here: all of them
/// at once, so most preparations are stale), the write job works it out
/// again. The loan ends exactly as after the same repayments one by one.
#[test]
fn concurrent_repayments_of_one_loan_end_as_the_same_repayments_in_turn() {
    const REPAYMENTS: usize = 24;
    let together = institution("repay-then-together", 2);
    let in_turn = institution("repay-then-in-turn", 2);
    std::thread::scope(|s| {
        for n in 0..REPAYMENTS {
            let inst = &together;
            s.spawn(move || {
                let (result, _) = repay_then(inst, 1, 1_000, &format!("k-{n}"));
                result.expect("every repayment is taken");
            });
        }
    });
    for n in 0..REPAYMENTS {
        let repayment = Repayment {
            amount: Money::from_minor(1_000, Currency::CNY),
            value_date: None,
            prepayment: None,
        };
        in_turn
            .repay(TELLER, 1, repayment, key(&format!("k-{n}")))
            .unwrap();
    }
    let repayments = |inst: &Institution| {
        let all = inst.loan_transactions(AUDITOR, 1).unwrap();
        all.into_iter()
            .filter(|t| t.kind == "repayment")
            .collect::<Vec<_>>()
    };
    let (a, b) = (repayments(&together), repayments(&in_turn));
    assert_eq!(a.len(), REPAYMENTS);
    let parts = |ts: &[TransactionView]| -> Vec<(i64, i64, i64)> {
        ts.iter()
            .map(|t| (t.principal.minor(), t.interest.minor(), t.penalty.minor()))
            .collect()
    };
    // Each repayment took the parts due after the ones before it.
    assert_eq!(parts(&a), parts(&b));
    assert_eq!(
        together.loan(AUDITOR, 1).unwrap().balances,
        in_turn.loan(AUDITOR, 1).unwrap().balances
    );
    assert!(together.check().unwrap().violations.is_empty());
}
