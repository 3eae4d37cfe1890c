//! Journal entries: lines that balance per currency by construction.
//!
//! A `JournalEntry` has private fields and one constructor that refuses an
//! empty entry, a zero or negative line and any currency whose debits differ
//! from its credits. So every entry that exists balances (R-LEDGER-1), and a
//! correction is `reversal()`: the same lines on the opposite sides.

use super::LedgerError;
use super::account::{AccountCode, Side};
use crate::money::{Currency, Money};

/// One line: an account, a side and a positive amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JournalLine {
    pub account: AccountCode,
    pub side: Side,
    /// Positive; the side says which way it moves the account.
    pub amount: Money,
}

impl JournalLine {
    pub fn debit(account: AccountCode, amount: Money) -> JournalLine {
        JournalLine {
            account,
            side: Side::Debit,
            amount,
        }
    }

    pub fn credit(account: AccountCode, amount: Money) -> JournalLine {
        JournalLine {
            account,
            side: Side::Credit,
            amount,
        }
    }

    /// The amount signed: debits positive, credits negative.
    pub fn signed_minor(&self) -> i64 {
        match self.side {
            Side::Debit => self.amount.minor(),
            // Amounts are positive, so the negation cannot overflow.
            Side::Credit => -self.amount.minor(),
        }
    }
}

/// Debit and credit totals of one currency in an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurrencyTotals {
    pub currency: Currency,
    pub debit_minor: i64,
    pub credit_minor: i64,
}

/// A balanced journal entry. Cannot be constructed unbalanced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    lines: Vec<JournalLine>,
}

impl JournalEntry {
    /// An entry from its lines. Refuses an empty entry, a zero or negative
    /// line, totals that overflow, and a currency that does not balance.
    pub fn new(lines: Vec<JournalLine>) -> Result<JournalEntry, LedgerError> {
        if lines.is_empty() {
            return Err(LedgerError::EmptyEntry);
        }
        for (i, line) in lines.iter().enumerate() {
            let line_no = i + 1;
            if line.amount.is_zero() {
                return Err(LedgerError::ZeroLine { line_no });
            }
            if line.amount.is_negative() {
                return Err(LedgerError::NegativeLine { line_no });
            }
        }
        let totals = totals_of(&lines)?;
        for t in &totals {
            if t.debit_minor != t.credit_minor {
                let difference_minor = t
                    .debit_minor
                    .checked_sub(t.credit_minor)
                    .ok_or(LedgerError::Overflow { currency: t.currency })?;
                return Err(LedgerError::Unbalanced {
                    currency: t.currency,
                    difference_minor,
                });
            }
        }
        let entry = JournalEntry { lines };
        entry.assert_balanced();
        Ok(entry)
    }

    /// The lines, in the order given.
    pub fn lines(&self) -> &[JournalLine] {
        &self.lines
    }

    /// Debit and credit totals per currency, in order of first appearance.
    pub fn totals(&self) -> Vec<CurrencyTotals> {
        // Construction proved the totals fit.
        totals_of(&self.lines).unwrap_or_default()
    }

    /// The exact opposite entry: the same lines with sides swapped.
    pub fn reversal(&self) -> JournalEntry {
        let lines = self
            .lines
            .iter()
            .map(|l| JournalLine {
                side: l.side.opposite(),
                ..*l
            })
            .collect();
        let entry = JournalEntry { lines };
        entry.assert_balanced();
        entry
    }

    /// One entry holding the lines of several, with lines of the same
    /// account, side and currency added together (the end of day's
    /// aggregated posting per outlet, product and day).
    pub fn merge(entries: &[JournalEntry]) -> Result<JournalEntry, LedgerError> {
        let mut lines: Vec<JournalLine> = Vec::new();
        for line in entries.iter().flat_map(|e| e.lines.iter()) {
            let same = |l: &&mut JournalLine| {
                l.account == line.account
                    && l.side == line.side
                    && l.amount.currency() == line.amount.currency()
            };
            match lines.iter_mut().find(same) {
                Some(existing) => {
                    existing.amount =
                        existing
                            .amount
                            .checked_add(line.amount)
                            .map_err(|_| LedgerError::Overflow {
                                currency: line.amount.currency(),
                            })?;
                }
                None => lines.push(*line),
            }
        }
        JournalEntry::new(lines)
    }

    fn assert_balanced(&self) {
        for t in self.totals() {
            assert_eq!(
                t.debit_minor, t.credit_minor,
                "a journal entry balances in {}",
                t.currency
            );
        }
    }
}

fn totals_of(lines: &[JournalLine]) -> Result<Vec<CurrencyTotals>, LedgerError> {
    let mut totals: Vec<CurrencyTotals> = Vec::new();
    for line in lines {
        let currency = line.amount.currency();
        let index = match totals.iter().position(|t| t.currency == currency) {
            Some(i) => i,
            None => {
                totals.push(CurrencyTotals {
                    currency,
                    debit_minor: 0,
                    credit_minor: 0,
                });
                totals.len() - 1
            }
        };
        let t = &mut totals[index];
        let sum = match line.side {
            Side::Debit => &mut t.debit_minor,
            Side::Credit => &mut t.credit_minor,
        };
        *sum = sum
            .checked_add(line.amount.minor())
            .ok_or(LedgerError::Overflow { currency })?;
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::account::codes::*;
    use proptest::prelude::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    #[test]
    fn refuses_empty_zero_and_negative_lines() {
        assert_eq!(JournalEntry::new(vec![]), Err(LedgerError::EmptyEntry));
        let zero = vec![
            JournalLine::debit(CASH, cny(100)),
            JournalLine::credit(LOAN_PRINCIPAL, cny(0)),
        ];
        assert_eq!(JournalEntry::new(zero), Err(LedgerError::ZeroLine { line_no: 2 }));
        let negative = vec![
            JournalLine::debit(CASH, cny(-100)),
            JournalLine::credit(LOAN_PRINCIPAL, cny(-100)),
        ];
        assert_eq!(
            JournalEntry::new(negative),
            Err(LedgerError::NegativeLine { line_no: 1 })
        );
    }

    #[test]
    fn refuses_an_unbalanced_entry_naming_currency_and_difference() {
        let lines = vec![
            JournalLine::debit(CASH, cny(10_000)),
            JournalLine::credit(LOAN_PRINCIPAL, cny(9_999)),
        ];
        assert_eq!(
            JournalEntry::new(lines),
            Err(LedgerError::Unbalanced {
                currency: Currency::CNY,
                difference_minor: 1
            })
        );
        // Balanced in total minor units but not per currency.
        let usd = Money::from_minor(500, Currency::USD);
        let mixed = vec![
            JournalLine::debit(CASH, cny(500)),
            JournalLine::credit(LOAN_PRINCIPAL, usd),
        ];
        assert_eq!(
            JournalEntry::new(mixed),
            Err(LedgerError::Unbalanced {
                currency: Currency::CNY,
                difference_minor: 500
            })
        );
    }

    #[test]
    fn refuses_totals_that_overflow() {
        let lines = vec![
            JournalLine::debit(CASH, cny(i64::MAX)),
            JournalLine::debit(CASH, cny(1)),
            JournalLine::credit(LOAN_PRINCIPAL, cny(i64::MAX)),
        ];
        assert_eq!(
            JournalEntry::new(lines),
            Err(LedgerError::Overflow {
                currency: Currency::CNY
            })
        );
    }

    #[test]
    fn merge_adds_lines_of_the_same_account_and_side() {
        let a = JournalEntry::new(vec![
            JournalLine::debit(INTEREST_RECEIVABLE, cny(120)),
            JournalLine::credit(INTEREST_INCOME, cny(120)),
        ])
        .unwrap();
        let b = JournalEntry::new(vec![
            JournalLine::debit(INTEREST_RECEIVABLE, cny(80)),
            JournalLine::credit(INTEREST_INCOME, cny(80)),
        ])
        .unwrap();
        let merged = JournalEntry::merge(&[a, b]).unwrap();
        assert_eq!(
            merged.lines(),
            &[
                JournalLine::debit(INTEREST_RECEIVABLE, cny(200)),
                JournalLine::credit(INTEREST_INCOME, cny(200))
            ]
        );
    }

    fn arb_entry() -> impl Strategy<Value = JournalEntry> {
        let accounts = [
            CASH,
            LOAN_PRINCIPAL,
            INTEREST_RECEIVABLE,
            INTEREST_INCOME,
            SETTLEMENT,
        ];
        let currencies = [Currency::CNY, Currency::USD];
        proptest::collection::vec((0..5_usize, 1..1_000_000_i64, 0..2_usize, any::<bool>()), 1..6).prop_map(
            move |legs| {
                // Each leg is a balanced pair, so the whole entry balances.
                let mut lines = Vec::new();
                for (account, minor, currency, debit_first) in legs {
                    let amount = Money::from_minor(minor, currencies[currency]);
                    let (a, b) = (accounts[account], accounts[(account + 1) % 5]);
                    let (d, c) = if debit_first { (a, b) } else { (b, a) };
                    lines.push(JournalLine::debit(d, amount));
                    lines.push(JournalLine::credit(c, amount));
                }
                JournalEntry::new(lines).unwrap()
            },
        )
    }

    proptest! {
        #[test]
        fn reversal_and_original_net_to_zero_on_every_account(entry in arb_entry()) {
            let reversal = entry.reversal();
            let mut net: std::collections::BTreeMap<(AccountCode, Currency), i64> = Default::default();
            for line in entry.lines().iter().chain(reversal.lines()) {
                *net.entry((line.account, line.amount.currency())).or_default() += line.signed_minor();
            }
            prop_assert!(net.values().all(|v| *v == 0));
            prop_assert_eq!(reversal.reversal(), entry);
        }

        #[test]
        fn dropping_any_line_unbalances(entry in arb_entry(), pick in any::<prop::sample::Index>()) {
            let mut lines = entry.lines().to_vec();
            let removed = lines.remove(pick.index(lines.len()));
            let result = JournalEntry::new(lines);
            let is_unbalanced = matches!(result, Err(LedgerError::Unbalanced { currency, .. })
                if currency == removed.amount.currency());
            prop_assert!(is_unbalanced);
        }
    }
}
