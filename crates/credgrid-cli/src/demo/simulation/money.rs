//! The demo's back office: collecting repayments, arrears, write-off, recovery and a reversal.

use super::{Action, Behaviour, Paid, Simulation, WRITE_OFF_DAYS_PAST_DUE};
use chrono::{Days, NaiveDate};
use credgrid_app::{AppError, InstallmentView, LoanBalances, LoanView, Repayment, TransactionView};
use credgrid_core::Money;

/// The reason written on the reversal of the repayment keyed twice.
const REVERSAL_REASON: &str = "柜员重复录入，冲正";
/// The reason written on a write-off.
const WRITE_OFF_REASON: &str = "逾期超过180天，借款人无力偿还，经贷审会审议核销";
/// How long into the year the teller's mistake happens (so it falls among
/// other activity, with business dates after it to recompute).
const MISTAKE_AFTER_DAYS: u64 = 120;

impl Simulation<'_> {
    /// The borrower comes in (or does not): pays according to their
    /// behaviour, then the next visit is planned from the schedule.
    pub(super) fn collect(&mut self, loan_id: i64, today: NaiveDate) -> Result<(), AppError> {
        let Some(mut borrower) = self.borrowers.get(&loan_id).copied() else {
            return Ok(());
        };
        let loan = self.institution.loan(self.cast.teller, loan_id)?;
        if loan.closed_on.is_some() || loan.balances.written_off.is_positive() {
            return Ok(());
        }
        if let Behaviour::Defaulter { after } = borrower.behaviour
            && borrower.payments >= after
        {
            self.default(loan_id, &unpaid_installments(&loan)?);
            return Ok(());
        }
        let unpaid = unpaid_installments(&loan)?;
        let (wanted, paid) = self.amount_to_pay(borrower, &loan, &unpaid, today)?;
        // No one hands over more than the loan owes (an installment paid
        // early can ask more interest than has accrued so far).
        let amount = wanted
            .min(payoff(&loan.balances)?)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        if amount.is_positive() {
            let repayment = Repayment {
                amount,
                value_date: None,
                prepayment: None,
            };
            let result = self.institution.repay(self.cast.teller, loan_id, repayment, None);
            if let Some(transaction) = self.absorb(loan_id, result)? {
                borrower.payments += 1;
                self.borrowers.insert(loan_id, borrower);
                self.count(paid);
                self.maybe_key_it_twice(loan_id, unpaid.len(), &transaction, paid, today)?;
            }
        }
        self.plan_next_visit(loan_id, borrower.behaviour, &unpaid, paid, amount, today);
        Ok(())
    }

    /// What the borrower hands over, and in what way.
    fn amount_to_pay(
        &mut self,
        borrower: super::Borrower,
        loan: &LoanView,
        unpaid: &[Unpaid],
        today: NaiveDate,
    ) -> Result<(Money, Paid), AppError> {
        let due = loan.balances.total_due_now;
        let next_unpaid = unpaid.first();
        let late = next_unpaid.is_some_and(|i| i.due_date < today);
        let plain = if late { Paid::Late } else { Paid::Due };
        Ok(match borrower.behaviour {
            Behaviour::PaysOff { after } if borrower.payments >= after => {
                (payoff(&loan.balances)?, Paid::PayOff)
            }
            Behaviour::Partial if due.is_positive() && borrower.payments % 3 != 2 => {
                let percent = self.rng.between(40, 90);
                (share(due, percent)?, Paid::Partial)
            }
            Behaviour::Early { .. } if !due.is_positive() => match next_unpaid {
                Some(installment) => (installment.amount, Paid::Early(installment.due_date)),
                None => (due, plain),
            },
            _ => (due, plain),
        })
    }

    fn count(&mut self, paid: Paid) {
        self.tally.repayments += 1;
        match paid {
            Paid::Due => {}
            Paid::Early(_) => self.tally.repayments_early += 1,
            Paid::Late => self.tally.repayments_late += 1,
            Paid::Partial => self.tally.repayments_partial += 1,
            Paid::PayOff => self.tally.paid_off_early += 1,
        }
    }

    /// The next installment after this one, visited according to the
    /// behaviour; a loan with nothing left to fall due is looked at again in
    /// two weeks if money came in (to pick up a remainder or see it closed).
    fn plan_next_visit(
        &mut self,
        loan_id: i64,
        behaviour: Behaviour,
        unpaid: &[Unpaid],
        paid: Paid,
        amount: Money,
        today: NaiveDate,
    ) {
        let after = match paid {
            Paid::Early(due) => due,
            _ => today,
        };
        let next_due = unpaid.iter().find(|i| i.due_date > after);
        let visit = match next_due {
            Some(installment) => self.visit_date(behaviour, installment.due_date, today),
            None if amount.is_positive() => today + Days::new(14),
            None => return,
        };
        self.schedule(visit, Action::Collect { loan_id });
    }

    /// The borrower stops paying. The first few defaulters whose arrears
    /// will pass 180 days within the year are planned for write-off.
    fn default(&mut self, loan_id: i64, unpaid: &[Unpaid]) {
        self.tally.defaulted += 1;
        let Some(first_missed) = unpaid.first().map(|i| i.due_date) else {
            return;
        };
        let review = first_missed + Days::new(u64::from(WRITE_OFF_DAYS_PAST_DUE) + 5);
        if self.write_offs_left > 0 && review < self.scenario.end {
            self.write_offs_left -= 1;
            self.schedule(review, Action::WriteOff { loan_id });
        }
    }

    /// Writes the loan off once it is past 180 days; part of it is recovered
    /// one to two months later.
    pub(super) fn write_off(&mut self, loan_id: i64, today: NaiveDate) -> Result<(), AppError> {
        let loan = self.institution.loan(self.cast.teller, loan_id)?;
        if loan.closed_on.is_some() {
            return Ok(());
        }
        if loan.balances.days_past_due <= WRITE_OFF_DAYS_PAST_DUE {
            self.schedule(today + Days::new(7), Action::WriteOff { loan_id });
            return Ok(());
        }
        let result = self.institution.write_off(
            self.cast.branch_manager,
            loan_id,
            WRITE_OFF_REASON.to_string(),
            None,
        );
        if self.absorb(loan_id, result)?.is_some() {
            self.tally.written_off += 1;
            let recovery = today + Days::new(self.rng.between(20, 60));
            self.schedule(recovery, Action::Recover { loan_id });
        }
        Ok(())
    }

    /// The family sells livestock or a guarantor pays: 15–40 % of what was written off comes back.
    pub(super) fn recover(&mut self, loan_id: i64) -> Result<(), AppError> {
        let loan = self.institution.loan(self.cast.teller, loan_id)?;
        let percent = self.rng.between(15, 40);
        let amount = share(loan.balances.written_off, percent)?;
        if !amount.is_positive() {
            return Ok(());
        }
        let result = self.institution.recover(self.cast.teller, loan_id, amount, None);
        if self.absorb(loan_id, result)?.is_some() {
            self.tally.recoveries += 1;
        }
        Ok(())
    }

    /// Once in the year a teller keys an on-time repayment twice; the
    /// duplicate is reversed the next business date.
    fn maybe_key_it_twice(
        &mut self,
        loan_id: i64,
        unpaid: usize,
        first: &TransactionView,
        paid: Paid,
        today: NaiveDate,
    ) -> Result<(), AppError> {
        let mistake_from = self.scenario.start + Days::new(MISTAKE_AFTER_DAYS);
        if !self.mistaken_repayment_pending || paid != Paid::Due || unpaid < 3 || today < mistake_from {
            return Ok(());
        }
        self.mistaken_repayment_pending = false;
        let repayment = Repayment {
            amount: first.amount,
            value_date: None,
            prepayment: None,
        };
        let result = self.institution.repay(self.cast.teller, loan_id, repayment, None);
        if let Some(duplicate) = self.absorb(loan_id, result)? {
            self.tally.repayments += 1;
            let next_day = today + Days::new(1);
            self.schedule(
                next_day,
                Action::Reverse {
                    loan_id,
                    transaction_id: duplicate.id,
                },
            );
        }
        Ok(())
    }

    pub(super) fn reverse(&mut self, loan_id: i64, transaction_id: i64) -> Result<(), AppError> {
        let result = self.institution.reverse(
            self.cast.branch_manager,
            loan_id,
            transaction_id,
            REVERSAL_REASON.to_string(),
            None,
        );
        if self.absorb(loan_id, result)?.is_some() {
            self.tally.reversals += 1;
        }
        Ok(())
    }

    /// A customer's action the institution refuses is part of real life: it is
    /// counted (and the first one kept for the summary), not fatal. A failure
    /// that is not the customer's (`Internal`) stops the demo.
    fn absorb<T>(&mut self, loan_id: i64, result: Result<T, AppError>) -> Result<Option<T>, AppError> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(error @ AppError::Internal(_)) => Err(error),
            Err(refusal) => {
                self.tally.refused += 1;
                if self.tally.first_refusal.is_none() {
                    self.tally.first_refusal = Some(format!("loan {loan_id}: {refusal}"));
                }
                Ok(None)
            }
        }
    }
}

/// `percent` % of `amount`, rounded down to whole yuan (cash counted at the
/// counter), but at least one minor unit of a positive amount.
pub(super) fn share(amount: Money, percent: u64) -> Result<Money, AppError> {
    let overflow = || AppError::Internal("amount overflow in the demo".into());
    let percent = i64::try_from(percent).map_err(|_| overflow())?;
    let part = amount.minor().checked_mul(percent).ok_or_else(overflow)? / 100;
    let unit = amount.currency().minor_per_major();
    let whole = part - part.rem_euclid(unit);
    let minor = if whole > 0 {
        whole
    } else {
        part.min(amount.minor()).max(i64::from(amount.is_positive()))
    };
    Ok(Money::from_minor(minor, amount.currency()))
}

/// An installment with something still to pay: its due date and how much.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Unpaid {
    pub(super) due_date: NaiveDate,
    pub(super) amount: Money,
}

/// The installments not yet fully paid, oldest first: what each part
/// (principal, interest, penalty, fee) asks minus what was paid of it.
pub(super) fn unpaid_installments(loan: &LoanView) -> Result<Vec<Unpaid>, AppError> {
    unpaid_of(&loan.schedule)
}

fn unpaid_of(schedule: &[InstallmentView]) -> Result<Vec<Unpaid>, AppError> {
    let overflow = |_| AppError::Internal("amount overflow in the demo".into());
    let mut unpaid = Vec::new();
    for i in schedule {
        let parts = [
            (i.principal, i.principal_paid),
            (i.interest, i.interest_paid),
            (i.penalty, i.penalty_paid),
            (i.fee, i.fee_paid),
        ];
        let mut amount = Money::zero(i.principal.currency());
        for (asked, paid) in parts {
            amount = amount
                .checked_add(asked.checked_sub(paid).map_err(overflow)?)
                .map_err(overflow)?;
        }
        if amount.is_positive() {
            unpaid.push(Unpaid {
                due_date: i.due_date,
                amount,
            });
        }
    }
    Ok(unpaid)
}

/// Everything the borrower owes today: principal, interest, penalty and fees.
fn payoff(balances: &LoanBalances) -> Result<Money, AppError> {
    let overflow = |_| AppError::Internal("amount overflow in the demo".into());
    balances
        .principal_outstanding
        .checked_add(balances.interest_receivable)
        .and_then(|m| m.checked_add(balances.penalty_receivable))
        .and_then(|m| m.checked_add(balances.fee_receivable))
        .map_err(overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use credgrid_core::Currency;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    #[test]
    fn a_share_is_counted_in_whole_yuan_and_never_exceeds_the_amount() {
        // (amount, percent, expected): 60 % of 1,234.56 is 740.736 → 740.00.
        let cases = [
            (123_456, 60, 74_000),
            (10_000, 50, 5_000),
            (150, 50, 75),
            (1, 40, 1),
            (0, 40, 0),
        ];
        for (amount, percent, expected) in cases {
            let part = share(cny(amount), percent).map(|m| m.minor()).unwrap_or(-1);
            assert_eq!(part, expected, "{percent} % of {amount}");
            assert!(part <= amount);
        }
    }

    fn installment(n: u32, due_day: u32, asked: (i64, i64), paid: (i64, i64)) -> InstallmentView {
        InstallmentView {
            n,
            due_date: NaiveDate::from_ymd_opt(2026, 3, due_day).unwrap_or_default(),
            principal: cny(asked.0),
            interest: cny(asked.1),
            penalty: cny(0),
            fee: cny(0),
            principal_paid: cny(paid.0),
            interest_paid: cny(paid.1),
            penalty_paid: cny(0),
            fee_paid: cny(0),
            // The balance after the installment: not what is unpaid of it.
            outstanding: cny(1_000_000),
        }
    }

    #[test]
    fn unpaid_installments_are_what_each_row_asks_minus_what_was_paid_of_it() {
        // Row 1 paid in full; row 2 paid 4,000.00 of its principal and all its
        // interest; row 3 untouched. By hand: 6,000.00 and 10,600.00 remain.
        let rows = [
            installment(1, 1, (1_000_000, 80_000), (1_000_000, 80_000)),
            installment(2, 2, (1_000_000, 70_000), (400_000, 70_000)),
            installment(3, 3, (1_000_000, 60_000), (0, 0)),
        ];
        let unpaid = unpaid_of(&rows).unwrap_or_default();
        let found: Vec<(NaiveDate, i64)> = unpaid.iter().map(|u| (u.due_date, u.amount.minor())).collect();
        assert_eq!(
            found,
            vec![(rows[1].due_date, 600_000), (rows[2].due_date, 1_060_000)]
        );
    }

    #[test]
    fn a_share_of_an_amount_near_the_limit_is_an_error_not_a_wrap() {
        assert!(share(cny(i64::MAX), 50).is_err());
    }
}
