//! Posting rules: one named rule per business event, mapped to accounts per
//! product by a `GlMapping`, turning amounts into balanced journal entries.
//!
//! Income is recognised on the accrual basis: interest and penalty accrue
//! into receivables at the end of day (Dr receivable, Cr income) and a
//! repayment settles the receivable (Dr funds, Cr receivable). A use case that
//! collects interest not yet accrued accrues it first, in the same
//! transaction, so receivables never go negative.

use super::LedgerError;
use super::account::{AccountCode, ChartOfAccounts, codes};
use super::entry::{JournalEntry, JournalLine};
use crate::money::Money;

/// A business event that moves the books. Codes are stable (stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PostingEvent {
    Disbursement,
    RepaymentPrincipal,
    RepaymentInterest,
    RepaymentPenalty,
    RepaymentFee,
    InterestAccrual,
    PenaltyAccrual,
    FeeCharge,
    ProvisionCharge,
    ProvisionRelease,
    WriteOff,
    Recovery,
}

impl PostingEvent {
    pub const ALL: [PostingEvent; 12] = [
        PostingEvent::Disbursement,
        PostingEvent::RepaymentPrincipal,
        PostingEvent::RepaymentInterest,
        PostingEvent::RepaymentPenalty,
        PostingEvent::RepaymentFee,
        PostingEvent::InterestAccrual,
        PostingEvent::PenaltyAccrual,
        PostingEvent::FeeCharge,
        PostingEvent::ProvisionCharge,
        PostingEvent::ProvisionRelease,
        PostingEvent::WriteOff,
        PostingEvent::Recovery,
    ];

    /// The stable code (`disbursement`, `repayment_principal`, …).
    pub fn code(self) -> &'static str {
        match self {
            PostingEvent::Disbursement => "disbursement",
            PostingEvent::RepaymentPrincipal => "repayment_principal",
            PostingEvent::RepaymentInterest => "repayment_interest",
            PostingEvent::RepaymentPenalty => "repayment_penalty",
            PostingEvent::RepaymentFee => "repayment_fee",
            PostingEvent::InterestAccrual => "interest_accrual",
            PostingEvent::PenaltyAccrual => "penalty_accrual",
            PostingEvent::FeeCharge => "fee_charge",
            PostingEvent::ProvisionCharge => "provision_charge",
            PostingEvent::ProvisionRelease => "provision_release",
            PostingEvent::WriteOff => "write_off",
            PostingEvent::Recovery => "recovery",
        }
    }

    pub fn parse(code: &str) -> Result<PostingEvent, LedgerError> {
        PostingEvent::ALL
            .into_iter()
            .find(|e| e.code() == code)
            .ok_or_else(|| LedgerError::UnknownEvent(code.to_string()))
    }
}

/// Where money enters or leaves: the vault or the client's settlement account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Funds {
    Cash,
    Settlement,
}

/// The parts of one repayment, as the allocation split it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepaymentParts {
    pub principal: Money,
    pub interest: Money,
    pub penalty: Money,
    pub fee: Money,
}

/// What a write-off removes from the books, and the provision held for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOffParts {
    pub principal: Money,
    pub interest_receivable: Money,
    pub penalty_receivable: Money,
    pub fee_receivable: Money,
    /// The loan's provision balance; used first, the rest is expensed.
    pub provision_available: Money,
}

/// The accounts a product posts to, one per role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlMapping {
    pub cash: AccountCode,
    pub settlement: AccountCode,
    pub loan_principal: AccountCode,
    pub interest_receivable: AccountCode,
    pub penalty_receivable: AccountCode,
    pub fee_receivable: AccountCode,
    pub provision: AccountCode,
    pub interest_income: AccountCode,
    pub penalty_income: AccountCode,
    pub fee_income: AccountCode,
    pub provision_expense: AccountCode,
    pub recovery_income: AccountCode,
}

const ROLES: [&str; 12] = [
    "cash",
    "settlement",
    "loan_principal",
    "interest_receivable",
    "penalty_receivable",
    "fee_receivable",
    "provision",
    "interest_income",
    "penalty_income",
    "fee_income",
    "provision_expense",
    "recovery_income",
];

impl Default for GlMapping {
    /// The mapping over the default chart.
    fn default() -> GlMapping {
        GlMapping {
            cash: codes::CASH,
            settlement: codes::SETTLEMENT,
            loan_principal: codes::LOAN_PRINCIPAL,
            interest_receivable: codes::INTEREST_RECEIVABLE,
            penalty_receivable: codes::PENALTY_RECEIVABLE,
            fee_receivable: codes::FEE_RECEIVABLE,
            provision: codes::LOAN_LOSS_PROVISION,
            interest_income: codes::INTEREST_INCOME,
            penalty_income: codes::PENALTY_INCOME,
            fee_income: codes::FEE_INCOME,
            provision_expense: codes::PROVISION_EXPENSE,
            recovery_income: codes::RECOVERY_INCOME,
        }
    }
}

impl GlMapping {
    fn roles(&self) -> [AccountCode; 12] {
        [
            self.cash,
            self.settlement,
            self.loan_principal,
            self.interest_receivable,
            self.penalty_receivable,
            self.fee_receivable,
            self.provision,
            self.interest_income,
            self.penalty_income,
            self.fee_income,
            self.provision_expense,
            self.recovery_income,
        ]
    }

    fn role_mut(&mut self, role: &str) -> Option<&mut AccountCode> {
        Some(match role {
            "cash" => &mut self.cash,
            "settlement" => &mut self.settlement,
            "loan_principal" => &mut self.loan_principal,
            "interest_receivable" => &mut self.interest_receivable,
            "penalty_receivable" => &mut self.penalty_receivable,
            "fee_receivable" => &mut self.fee_receivable,
            "provision" => &mut self.provision,
            "interest_income" => &mut self.interest_income,
            "penalty_income" => &mut self.penalty_income,
            "fee_income" => &mut self.fee_income,
            "provision_expense" => &mut self.provision_expense,
            "recovery_income" => &mut self.recovery_income,
            _ => return None,
        })
    }

    /// The mapping as text: `role=code` items joined by `;` (stored per product).
    pub fn to_codes(&self) -> String {
        let items: Vec<String> = ROLES
            .iter()
            .zip(self.roles())
            .map(|(r, c)| format!("{r}={c}"))
            .collect();
        items.join(";")
    }

    /// Parses `to_codes` text. Every role must be present exactly once.
    pub fn parse_codes(text: &str) -> Result<GlMapping, LedgerError> {
        let mut mapping = GlMapping::default();
        let mut seen = [false; 12];
        for item in text.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let (role, code) = item
                .split_once('=')
                .ok_or_else(|| LedgerError::MalformedMapping(item.into()))?;
            let role = role.trim();
            let index = ROLES
                .iter()
                .position(|r| *r == role)
                .ok_or_else(|| LedgerError::UnknownRole(role.into()))?;
            seen[index] = true;
            let slot = mapping
                .role_mut(role)
                .ok_or_else(|| LedgerError::UnknownRole(role.into()))?;
            *slot = AccountCode::parse(code.trim())?;
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(LedgerError::MissingRole(ROLES[missing]));
        }
        Ok(mapping)
    }

    /// Refuses a mapping naming an account the chart lacks.
    pub fn validate(&self, chart: &ChartOfAccounts) -> Result<(), LedgerError> {
        for (role, code) in ROLES.iter().zip(self.roles()) {
            if chart.get(code).is_none() {
                return Err(LedgerError::AccountNotInChart { role, code });
            }
        }
        Ok(())
    }

    fn funds(&self, funds: Funds) -> AccountCode {
        match funds {
            Funds::Cash => self.cash,
            Funds::Settlement => self.settlement,
        }
    }

    /// The debit and credit accounts of a single-amount event; `None` for
    /// the write-off, whose lines depend on its parts.
    pub fn accounts(&self, event: PostingEvent, funds: Funds) -> Option<(AccountCode, AccountCode)> {
        let f = self.funds(funds);
        Some(match event {
            PostingEvent::Disbursement => (self.loan_principal, f),
            PostingEvent::RepaymentPrincipal => (f, self.loan_principal),
            PostingEvent::RepaymentInterest => (f, self.interest_receivable),
            PostingEvent::RepaymentPenalty => (f, self.penalty_receivable),
            PostingEvent::RepaymentFee => (f, self.fee_receivable),
            PostingEvent::InterestAccrual => (self.interest_receivable, self.interest_income),
            PostingEvent::PenaltyAccrual => (self.penalty_receivable, self.penalty_income),
            PostingEvent::FeeCharge => (self.fee_receivable, self.fee_income),
            PostingEvent::ProvisionCharge => (self.provision_expense, self.provision),
            PostingEvent::ProvisionRelease => (self.provision, self.provision_expense),
            PostingEvent::Recovery => (f, self.recovery_income),
            PostingEvent::WriteOff => return None,
        })
    }

    /// The entry of a single-amount event (every event but `WriteOff`).
    pub fn post(
        &self,
        event: PostingEvent,
        amount: Money,
        funds: Funds,
    ) -> Result<JournalEntry, LedgerError> {
        let (debit, credit) = self
            .accounts(event, funds)
            .ok_or(LedgerError::CompositeEvent { event: event.code() })?;
        JournalEntry::new(vec![
            JournalLine::debit(debit, amount),
            JournalLine::credit(credit, amount),
        ])
    }

    /// One repayment: one debit to the funds account, one credit per
    /// non-zero part (principal, interest, penalty, fee).
    pub fn repayment(&self, parts: RepaymentParts, funds: Funds) -> Result<JournalEntry, LedgerError> {
        let currency = parts.principal.currency();
        let items = [
            (parts.principal, self.loan_principal),
            (parts.interest, self.interest_receivable),
            (parts.penalty, self.penalty_receivable),
            (parts.fee, self.fee_receivable),
        ];
        let mut total = Money::zero(currency);
        let mut credits = Vec::with_capacity(4);
        for (amount, account) in items.into_iter().filter(|(a, _)| !a.is_zero()) {
            total = total
                .checked_add(amount)
                .map_err(|_| money_error(amount, currency))?;
            credits.push(JournalLine::credit(account, amount));
        }
        let mut lines = vec![JournalLine::debit(self.funds(funds), total)];
        lines.extend(credits);
        JournalEntry::new(lines)
    }

    /// A write-off: credits principal and the receivables written off; debits
    /// the provision up to what exists and provision expense for the rest.
    pub fn write_off(&self, parts: WriteOffParts) -> Result<JournalEntry, LedgerError> {
        let currency = parts.principal.currency();
        let items = [
            (parts.principal, self.loan_principal),
            (parts.interest_receivable, self.interest_receivable),
            (parts.penalty_receivable, self.penalty_receivable),
            (parts.fee_receivable, self.fee_receivable),
        ];
        let mut total = Money::zero(currency);
        let mut credits = Vec::with_capacity(4);
        for (amount, account) in items.into_iter().filter(|(a, _)| !a.is_zero()) {
            total = total
                .checked_add(amount)
                .map_err(|_| money_error(amount, currency))?;
            credits.push(JournalLine::credit(account, amount));
        }
        let available = parts.provision_available;
        if available.currency() != currency {
            return Err(LedgerError::CurrencyMismatch);
        }
        let from_provision = if available.minor() > 0 {
            total.min(available).unwrap_or(total)
        } else {
            Money::zero(currency)
        };
        let expensed = total
            .checked_sub(from_provision)
            .map_err(|_| LedgerError::Overflow { currency })?;
        let mut lines = Vec::with_capacity(6);
        if !from_provision.is_zero() {
            lines.push(JournalLine::debit(self.provision, from_provision));
        }
        if !expensed.is_zero() {
            lines.push(JournalLine::debit(self.provision_expense, expensed));
        }
        lines.extend(credits);
        JournalEntry::new(lines)
    }
}

fn money_error(amount: Money, currency: crate::money::Currency) -> LedgerError {
    if amount.currency() == currency {
        LedgerError::Overflow { currency }
    } else {
        LedgerError::CurrencyMismatch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::account::{Side, codes::*};
    use crate::money::Currency;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn d(account: AccountCode, minor: i64) -> JournalLine {
        JournalLine::debit(account, cny(minor))
    }

    fn c(account: AccountCode, minor: i64) -> JournalLine {
        JournalLine::credit(account, cny(minor))
    }

    /// The single-amount rules over the default chart. Source: the usual
    /// accrual-basis loan entries (Apache Fineract "Accounting for loans":
    /// disbursal Dr loan portfolio / Cr fund source; repayment Dr fund source /
    /// Cr loan portfolio, interest/fee/penalty receivable; accrual Dr
    /// receivable / Cr income), with the Chinese chart's codes.
    #[test]
    fn each_single_amount_rule_posts_its_accounts() {
        let table = [
            (PostingEvent::Disbursement, Funds::Cash, LOAN_PRINCIPAL, CASH),
            (
                PostingEvent::Disbursement,
                Funds::Settlement,
                LOAN_PRINCIPAL,
                SETTLEMENT,
            ),
            (
                PostingEvent::RepaymentPrincipal,
                Funds::Cash,
                CASH,
                LOAN_PRINCIPAL,
            ),
            (
                PostingEvent::RepaymentInterest,
                Funds::Cash,
                CASH,
                INTEREST_RECEIVABLE,
            ),
            (
                PostingEvent::RepaymentPenalty,
                Funds::Settlement,
                SETTLEMENT,
                PENALTY_RECEIVABLE,
            ),
            (PostingEvent::RepaymentFee, Funds::Cash, CASH, FEE_RECEIVABLE),
            (
                PostingEvent::InterestAccrual,
                Funds::Cash,
                INTEREST_RECEIVABLE,
                INTEREST_INCOME,
            ),
            (
                PostingEvent::PenaltyAccrual,
                Funds::Cash,
                PENALTY_RECEIVABLE,
                PENALTY_INCOME,
            ),
            (PostingEvent::FeeCharge, Funds::Cash, FEE_RECEIVABLE, FEE_INCOME),
            (
                PostingEvent::ProvisionCharge,
                Funds::Cash,
                PROVISION_EXPENSE,
                LOAN_LOSS_PROVISION,
            ),
            (
                PostingEvent::ProvisionRelease,
                Funds::Cash,
                LOAN_LOSS_PROVISION,
                PROVISION_EXPENSE,
            ),
            (PostingEvent::Recovery, Funds::Cash, CASH, RECOVERY_INCOME),
        ];
        let mapping = GlMapping::default();
        for (event, funds, debit, credit) in table {
            let entry = mapping.post(event, cny(12_345), funds).unwrap();
            assert_eq!(
                entry.lines(),
                &[d(debit, 12_345), c(credit, 12_345)],
                "{}",
                event.code()
            );
        }
        assert_eq!(
            mapping.post(PostingEvent::WriteOff, cny(1), Funds::Cash),
            Err(LedgerError::CompositeEvent { event: "write_off" })
        );
    }

    #[test]
    fn a_repayment_is_one_debit_against_its_parts() {
        let parts = RepaymentParts {
            principal: cny(80_000),
            interest: cny(1_500),
            penalty: cny(0),
            fee: cny(200),
        };
        let entry = GlMapping::default().repayment(parts, Funds::Cash).unwrap();
        assert_eq!(
            entry.lines(),
            &[
                d(CASH, 81_700),
                c(LOAN_PRINCIPAL, 80_000),
                c(INTEREST_RECEIVABLE, 1_500),
                c(FEE_RECEIVABLE, 200)
            ]
        );
        let nothing = RepaymentParts {
            principal: cny(0),
            interest: cny(0),
            penalty: cny(0),
            fee: cny(0),
        };
        assert_eq!(
            GlMapping::default().repayment(nothing, Funds::Cash),
            Err(LedgerError::ZeroLine { line_no: 1 })
        );
    }

    /// Write-off uses the provision first, expenses the rest. Source: IFRS 9
    /// B5.4.9 / Chinese 金融企业呆账核销: the gross carrying amount is
    /// reduced against the loss allowance; any excess is an impairment loss.
    #[test]
    fn a_write_off_uses_the_provision_first_then_expense() {
        let parts = |provision| WriteOffParts {
            principal: cny(100_000),
            interest_receivable: cny(3_000),
            penalty_receivable: cny(500),
            fee_receivable: cny(0),
            provision_available: cny(provision),
        };
        let mapping = GlMapping::default();
        let credits = [
            c(LOAN_PRINCIPAL, 100_000),
            c(INTEREST_RECEIVABLE, 3_000),
            c(PENALTY_RECEIVABLE, 500),
        ];
        let table: [(i64, Vec<JournalLine>); 3] = [
            (0, vec![d(PROVISION_EXPENSE, 103_500)]),
            (
                40_000,
                vec![d(LOAN_LOSS_PROVISION, 40_000), d(PROVISION_EXPENSE, 63_500)],
            ),
            (200_000, vec![d(LOAN_LOSS_PROVISION, 103_500)]),
        ];
        for (provision, mut expected) in table {
            expected.extend(credits);
            assert_eq!(
                mapping.write_off(parts(provision)).unwrap().lines(),
                &expected[..],
                "{provision}"
            );
        }
    }

    #[test]
    fn event_codes_are_stable_and_parse_back() {
        let codes: Vec<&str> = PostingEvent::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(codes[0], "disbursement");
        assert_eq!(codes[11], "recovery");
        for event in PostingEvent::ALL {
            assert_eq!(PostingEvent::parse(event.code()), Ok(event));
        }
        assert_eq!(
            PostingEvent::parse("gift"),
            Err(LedgerError::UnknownEvent("gift".into()))
        );
    }

    #[test]
    fn mapping_text_round_trips_and_is_checked_against_the_chart() {
        let mapping = GlMapping::default();
        assert_eq!(GlMapping::parse_codes(&mapping.to_codes()), Ok(mapping));
        assert_eq!(mapping.validate(&crate::ledger::default_chart()), Ok(()));
        let custom = mapping.to_codes().replace("cash=1001", "cash=1002");
        let parsed = GlMapping::parse_codes(&custom).unwrap();
        assert_eq!(
            parsed.validate(&crate::ledger::default_chart()),
            Err(LedgerError::AccountNotInChart {
                role: "cash",
                code: AccountCode::parse("1002").unwrap()
            })
        );
        assert_eq!(
            GlMapping::parse_codes("cash=1001"),
            Err(LedgerError::MissingRole("settlement"))
        );
        assert_eq!(
            GlMapping::parse_codes("vault=1001"),
            Err(LedgerError::UnknownRole("vault".into()))
        );
        assert_eq!(
            GlMapping::parse_codes("cash"),
            Err(LedgerError::MalformedMapping("cash".into()))
        );
    }

    #[derive(Clone, Debug)]
    enum Op {
        Single(usize, i64, bool, bool),
        Repay(i64, i64, i64, i64, bool),
        WriteOff(i64, i64, i64),
        ReverseLast,
    }

    fn arb_op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..12_usize, 1..10_000_000_i64, any::<bool>(), any::<bool>())
                .prop_map(|(e, a, f, u)| Op::Single(e, a, f, u)),
            (
                0..1_000_000_i64,
                0..100_000_i64,
                0..10_000_i64,
                1..10_000_i64,
                any::<bool>()
            )
                .prop_map(|(p, i, n, f, s)| Op::Repay(p, i, n, f, s)),
            (1..1_000_000_i64, 0..100_000_i64, 0..2_000_000_i64).prop_map(|(p, i, v)| Op::WriteOff(p, i, v)),
            Just(Op::ReverseLast),
        ]
    }

    fn apply(mapping: &GlMapping, op: &Op, posted: &[JournalEntry]) -> Option<JournalEntry> {
        let usd = |m| Money::from_minor(m, Currency::USD);
        match *op {
            Op::Single(e, amount, funds, in_usd) => {
                let money = if in_usd { usd(amount) } else { cny(amount) };
                let funds = if funds { Funds::Cash } else { Funds::Settlement };
                mapping.post(PostingEvent::ALL[e], money, funds).ok()
            }
            Op::Repay(p, i, n, f, s) => {
                let parts = RepaymentParts {
                    principal: cny(p),
                    interest: cny(i),
                    penalty: cny(n),
                    fee: cny(f),
                };
                Some(
                    mapping
                        .repayment(parts, if s { Funds::Settlement } else { Funds::Cash })
                        .unwrap(),
                )
            }
            Op::WriteOff(p, i, v) => Some(
                mapping
                    .write_off(WriteOffParts {
                        principal: cny(p),
                        interest_receivable: cny(i),
                        penalty_receivable: cny(0),
                        fee_receivable: cny(0),
                        provision_available: cny(v),
                    })
                    .unwrap(),
            ),
            Op::ReverseLast => posted.last().map(JournalEntry::reversal),
        }
    }

    proptest! {
        /// Any sequence of postings (and reversals) keeps the trial balance
        /// at zero per currency: sum of debits = sum of credits.
        #[test]
        fn trial_balance_stays_zero_per_currency(ops in proptest::collection::vec(arb_op(), 1..60)) {
            let mapping = GlMapping::default();
            let mut posted: Vec<JournalEntry> = Vec::new();
            let mut balances: BTreeMap<(AccountCode, Currency), i64> = BTreeMap::new();
            for op in &ops {
                let Some(entry) = apply(&mapping, op, &posted) else { continue };
                for line in entry.lines() {
                    *balances.entry((line.account, line.amount.currency())).or_default() += line.signed_minor();
                }
                posted.push(entry);
            }
            for currency in [Currency::CNY, Currency::USD] {
                let net: i64 = balances.iter().filter(|((_, c), _)| *c == currency).map(|(_, v)| v).sum();
                prop_assert_eq!(net, 0);
            }
            for entry in &posted {
                for t in entry.totals() {
                    prop_assert_eq!(t.debit_minor, t.credit_minor);
                }
                prop_assert!(entry.lines().iter().all(|l| l.amount.is_positive()));
                prop_assert!(entry.lines().iter().any(|l| l.side == Side::Debit));
            }
        }
    }
}
