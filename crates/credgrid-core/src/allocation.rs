//! Repayment allocation: splits a received amount over what a loan owes, bucket by bucket.
//!
//! A loan's claims (penalty, fees, interest and principal, each attached to an
//! installment or to the loan) are paid in the product's configurable
//! [`AllocationOrder`]; inside one bucket the oldest claim is paid first. The
//! result names every part paid and the remainder (an overpayment, which the
//! servicing layer may apply as a prepayment). Allocation never creates or
//! loses a minor unit: the parts plus the remainder equal the amount received.

use crate::money::{Currency, Money, MoneyError};
use chrono::NaiveDate;

/// A kind of claim a repayment can pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AllocationBucket {
    /// Penalty interest (罚息) and compound interest (复利), accrued and unpaid.
    Penalty,
    /// Fees charged and unpaid.
    Fee,
    /// Interest of installments whose due date is before the repayment date.
    OverdueInterest,
    /// Principal of installments whose due date is before the repayment date.
    OverduePrincipal,
    /// Interest of installments due on the repayment date.
    DueInterest,
    /// Principal of installments due on the repayment date.
    DuePrincipal,
}

impl AllocationBucket {
    /// Every bucket, in the default order.
    pub const ALL: [AllocationBucket; 6] = [
        Self::Penalty,
        Self::Fee,
        Self::OverdueInterest,
        Self::OverduePrincipal,
        Self::DueInterest,
        Self::DuePrincipal,
    ];

    /// The stable name used by products (`penalty`, `fee`, `overdue_interest`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Penalty => "penalty",
            Self::Fee => "fee",
            Self::OverdueInterest => "overdue_interest",
            Self::OverduePrincipal => "overdue_principal",
            Self::DueInterest => "due_interest",
            Self::DuePrincipal => "due_principal",
        }
    }

    /// Parses a stable name; `None` for anything else.
    pub fn parse(name: &str) -> Option<AllocationBucket> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }

    fn index(self) -> usize {
        match self {
            Self::Penalty => 0,
            Self::Fee => 1,
            Self::OverdueInterest => 2,
            Self::OverduePrincipal => 3,
            Self::DueInterest => 4,
            Self::DuePrincipal => 5,
        }
    }
}

/// Why an allocation order or an allocation was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    #[error("allocation_order: unknown bucket `{0}`")]
    UnknownBucket(String),
    #[error("allocation_order: bucket `{0}` appears twice")]
    DuplicateBucket(&'static str),
    #[error("allocation_order: bucket `{0}` is missing; list all six buckets")]
    MissingBucket(&'static str),
    #[error("amount: a repayment must not be negative")]
    NegativeAmount,
    #[error("amount: a claim of installment {n} must not be negative")]
    NegativeClaim { n: u32 },
    #[error("amount: the repayment and the claims are in different currencies")]
    CurrencyMismatch,
    #[error("amount: {0}")]
    Money(#[from] MoneyError),
}

/// The order in which buckets are paid: a permutation of all six buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AllocationOrder {
    buckets: [AllocationBucket; 6],
}

impl Default for AllocationOrder {
    /// Penalties → fees → overdue interest → overdue principal → due interest →
    /// due principal (SPEC R-SVC-2).
    fn default() -> Self {
        AllocationOrder {
            buckets: AllocationBucket::ALL,
        }
    }
}

impl AllocationOrder {
    /// An order from the six buckets, each exactly once.
    pub fn new(buckets: [AllocationBucket; 6]) -> Result<AllocationOrder, AllocationError> {
        let mut seen = [false; 6];
        for bucket in buckets {
            if seen[bucket.index()] {
                return Err(AllocationError::DuplicateBucket(bucket.name()));
            }
            seen[bucket.index()] = true;
        }
        Ok(AllocationOrder { buckets })
    }

    /// An order from bucket names as a product stores them; an empty list is
    /// the default order.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<AllocationOrder, AllocationError> {
        if names.is_empty() {
            return Ok(AllocationOrder::default());
        }
        let mut buckets = Vec::with_capacity(6);
        for name in names {
            let name = name.as_ref();
            let bucket =
                AllocationBucket::parse(name).ok_or_else(|| AllocationError::UnknownBucket(name.into()))?;
            if buckets.contains(&bucket) {
                return Err(AllocationError::DuplicateBucket(bucket.name()));
            }
            buckets.push(bucket);
        }
        let missing = AllocationBucket::ALL.into_iter().find(|b| !buckets.contains(b));
        if let Some(bucket) = missing {
            return Err(AllocationError::MissingBucket(bucket.name()));
        }
        let array: [AllocationBucket; 6] = buckets
            .try_into()
            .map_err(|_| AllocationError::MissingBucket("penalty"))?;
        AllocationOrder::new(array)
    }

    /// The buckets, first paid first.
    pub fn buckets(&self) -> [AllocationBucket; 6] {
        self.buckets
    }

    /// The stable names, first paid first.
    pub fn names(&self) -> [&'static str; 6] {
        self.buckets.map(AllocationBucket::name)
    }
}

/// One amount a loan owes: a bucket, the installment it belongs to (0 for a
/// loan-level claim such as accrued penalty) and the date it fell due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim {
    pub bucket: AllocationBucket,
    pub n: u32,
    pub due_date: NaiveDate,
    pub amount: Money,
}

/// What a repayment paid of one claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocationPart {
    pub bucket: AllocationBucket,
    pub n: u32,
    pub due_date: NaiveDate,
    pub amount: Money,
}

/// The result of allocating an amount: the parts paid, first paid first, and
/// what was left over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    pub amount: Money,
    pub parts: Vec<AllocationPart>,
    /// Money beyond every claim offered (an overpayment).
    pub remainder: Money,
}

impl Allocation {
    /// An allocation that paid nothing yet.
    pub fn empty(amount: Money) -> Allocation {
        Allocation {
            amount,
            parts: Vec::new(),
            remainder: amount,
        }
    }

    /// The total paid into one bucket.
    pub fn bucket_total(&self, bucket: AllocationBucket) -> Money {
        let minor = self
            .parts
            .iter()
            .filter(|p| p.bucket == bucket)
            .map(|p| p.amount.minor())
            .sum();
        Money::from_minor(minor, self.amount.currency())
    }

    /// Penalty paid (penalty and compound interest).
    pub fn penalty(&self) -> Money {
        self.bucket_total(AllocationBucket::Penalty)
    }

    /// Fees paid.
    pub fn fee(&self) -> Money {
        self.bucket_total(AllocationBucket::Fee)
    }

    /// Interest paid, overdue and due.
    pub fn interest(&self) -> Money {
        self.sum_of(AllocationBucket::OverdueInterest, AllocationBucket::DueInterest)
    }

    /// Principal paid, overdue and due.
    pub fn principal(&self) -> Money {
        self.sum_of(AllocationBucket::OverduePrincipal, AllocationBucket::DuePrincipal)
    }

    fn sum_of(&self, a: AllocationBucket, b: AllocationBucket) -> Money {
        let minor = self.bucket_total(a).minor() + self.bucket_total(b).minor();
        Money::from_minor(minor, self.amount.currency())
    }

    /// The total of the parts (the amount less the remainder).
    pub fn allocated(&self) -> Money {
        let minor = self.parts.iter().map(|p| p.amount.minor()).sum();
        Money::from_minor(minor, self.amount.currency())
    }
}

/// Allocates `amount` over `claims` in `order`; inside a bucket, the claim
/// with the earliest due date (then the lowest installment number) first.
///
/// Claims of zero are skipped; the remainder is what no claim took.
pub fn allocate(
    amount: Money,
    claims: &[Claim],
    order: &AllocationOrder,
) -> Result<Allocation, AllocationError> {
    if amount.is_negative() {
        return Err(AllocationError::NegativeAmount);
    }
    for claim in claims {
        if claim.amount.currency() != amount.currency() {
            return Err(AllocationError::CurrencyMismatch);
        }
        if claim.amount.is_negative() {
            return Err(AllocationError::NegativeClaim { n: claim.n });
        }
    }
    let mut sorted: Vec<&Claim> = claims.iter().collect();
    let rank = order_rank(order);
    sorted.sort_by_key(|c| (rank[c.bucket.index()], c.due_date, c.n));
    let mut allocation = Allocation::empty(amount);
    let mut left = amount.minor();
    for claim in sorted {
        if left == 0 {
            break;
        }
        let paid = left.min(claim.amount.minor());
        if paid == 0 {
            continue;
        }
        left -= paid;
        allocation.parts.push(AllocationPart {
            bucket: claim.bucket,
            n: claim.n,
            due_date: claim.due_date,
            amount: Money::from_minor(paid, amount.currency()),
        });
    }
    allocation.remainder = Money::from_minor(left, amount.currency());
    debug_assert_eq!(allocation.allocated().minor() + left, amount.minor());
    Ok(allocation)
}

fn order_rank(order: &AllocationOrder) -> [usize; 6] {
    let mut rank = [0; 6];
    for (position, bucket) in order.buckets.iter().enumerate() {
        rank[bucket.index()] = position;
    }
    rank
}

/// What one installment still owes, for building claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstallmentOwed {
    pub n: u32,
    pub due_date: NaiveDate,
    pub interest: Money,
    pub principal: Money,
    pub fee: Money,
}

/// The claims of installments as of `date`: interest and principal of
/// installments due before `date` are overdue, due on `date` are due, and
/// later ones are not claimed (paying them is a prepayment). Fees are claimed
/// whatever their due date; `penalty` is a loan-level claim (n = 0) dated
/// `penalty_since`.
pub fn claims_as_of(
    date: NaiveDate,
    installments: &[InstallmentOwed],
    penalty: Money,
    penalty_since: NaiveDate,
    currency: Currency,
) -> Vec<Claim> {
    let mut claims = Vec::with_capacity(installments.len() * 3 + 1);
    if penalty.is_positive() {
        claims.push(Claim {
            bucket: AllocationBucket::Penalty,
            n: 0,
            due_date: penalty_since,
            amount: penalty,
        });
    }
    for inst in installments {
        let claim = |bucket, amount: Money| Claim {
            bucket,
            n: inst.n,
            due_date: inst.due_date,
            amount,
        };
        if inst.fee.is_positive() {
            claims.push(claim(AllocationBucket::Fee, inst.fee));
        }
        let (interest_bucket, principal_bucket) = match inst.due_date.cmp(&date) {
            std::cmp::Ordering::Less => (
                AllocationBucket::OverdueInterest,
                AllocationBucket::OverduePrincipal,
            ),
            std::cmp::Ordering::Equal => (AllocationBucket::DueInterest, AllocationBucket::DuePrincipal),
            std::cmp::Ordering::Greater => continue,
        };
        claims.push(claim(interest_bucket, inst.interest));
        claims.push(claim(principal_bucket, inst.principal));
    }
    debug_assert!(claims.iter().all(|c| c.amount.currency() == currency));
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
    }

    fn claim(bucket: AllocationBucket, n: u32, d: u32, minor: i64) -> Claim {
        Claim {
            bucket,
            n,
            due_date: day(d),
            amount: cny(minor),
        }
    }

    #[test]
    fn default_order_is_the_spec_order() {
        // SPEC R-SVC-2: penalties → fees → overdue interest → overdue principal → due interest → due principal.
        assert_eq!(
            AllocationOrder::default().names(),
            [
                "penalty",
                "fee",
                "overdue_interest",
                "overdue_principal",
                "due_interest",
                "due_principal"
            ]
        );
        assert_eq!(
            AllocationOrder::parse::<&str>(&[]).unwrap(),
            AllocationOrder::default()
        );
    }

    #[test]
    fn parse_names_the_bad_bucket() {
        let names = [
            "fee",
            "penalty",
            "overdue_principal",
            "overdue_interest",
            "due_principal",
            "due_interest",
        ];
        let order = AllocationOrder::parse(&names).unwrap();
        assert_eq!(order.names(), names);
        assert_eq!(
            AllocationOrder::parse(&["fee", "principal"]),
            Err(AllocationError::UnknownBucket("principal".into()))
        );
        assert_eq!(
            AllocationOrder::parse(&["fee", "fee"]),
            Err(AllocationError::DuplicateBucket("fee"))
        );
        assert_eq!(
            AllocationOrder::parse(&["fee"]),
            Err(AllocationError::MissingBucket("penalty"))
        );
    }

    #[test]
    fn pays_buckets_in_order_and_oldest_first_within_a_bucket() {
        // Source: Apache Fineract "Penalties, Fees, Interest, Principal order" strategy — overdue
        // installments are settled oldest first, each component in the configured order.
        let claims = [
            claim(AllocationBucket::OverduePrincipal, 2, 2, 1000),
            claim(AllocationBucket::OverdueInterest, 2, 2, 100),
            claim(AllocationBucket::OverdueInterest, 1, 1, 100),
            claim(AllocationBucket::Penalty, 0, 1, 30),
            claim(AllocationBucket::Fee, 1, 1, 20),
            claim(AllocationBucket::OverduePrincipal, 1, 1, 1000),
        ];
        let a = allocate(cny(1300), &claims, &AllocationOrder::default()).unwrap();
        let got: Vec<(AllocationBucket, u32, i64)> = a
            .parts
            .iter()
            .map(|p| (p.bucket, p.n, p.amount.minor()))
            .collect();
        assert_eq!(
            got,
            vec![
                (AllocationBucket::Penalty, 0, 30),
                (AllocationBucket::Fee, 1, 20),
                (AllocationBucket::OverdueInterest, 1, 100),
                (AllocationBucket::OverdueInterest, 2, 100),
                (AllocationBucket::OverduePrincipal, 1, 1000),
                (AllocationBucket::OverduePrincipal, 2, 50),
            ]
        );
        assert_eq!(a.remainder, cny(0));
        assert_eq!(
            (a.penalty(), a.fee(), a.interest(), a.principal()),
            (cny(30), cny(20), cny(200), cny(1050))
        );
    }

    #[test]
    fn overpayment_is_the_remainder() {
        let claims = [
            claim(AllocationBucket::DueInterest, 1, 1, 50),
            claim(AllocationBucket::DuePrincipal, 1, 1, 250),
        ];
        let a = allocate(cny(1000), &claims, &AllocationOrder::default()).unwrap();
        assert_eq!(a.allocated(), cny(300));
        assert_eq!(a.remainder, cny(700));
    }

    #[test]
    fn refuses_negative_and_mixed_currency() {
        let claims = [claim(AllocationBucket::DueInterest, 1, 1, 50)];
        let order = AllocationOrder::default();
        assert_eq!(
            allocate(cny(-1), &claims, &order),
            Err(AllocationError::NegativeAmount)
        );
        let usd = Money::from_minor(5, Currency::USD);
        assert_eq!(
            allocate(usd, &claims, &order),
            Err(AllocationError::CurrencyMismatch)
        );
        let negative = [claim(AllocationBucket::DueInterest, 4, 1, -5)];
        assert_eq!(
            allocate(cny(1), &negative, &order),
            Err(AllocationError::NegativeClaim { n: 4 })
        );
    }

    #[test]
    fn claims_split_overdue_due_and_future_by_date() {
        let owed = |n, d| InstallmentOwed {
            n,
            due_date: day(d),
            interest: cny(10),
            principal: cny(100),
            fee: cny(if n == 3 { 7 } else { 0 }),
        };
        let claims = claims_as_of(
            day(10),
            &[owed(1, 5), owed(2, 10), owed(3, 15)],
            cny(3),
            day(6),
            Currency::CNY,
        );
        let buckets: Vec<(AllocationBucket, u32)> = claims.iter().map(|c| (c.bucket, c.n)).collect();
        assert_eq!(
            buckets,
            vec![
                (AllocationBucket::Penalty, 0),
                (AllocationBucket::OverdueInterest, 1),
                (AllocationBucket::OverduePrincipal, 1),
                (AllocationBucket::DueInterest, 2),
                (AllocationBucket::DuePrincipal, 2),
                (AllocationBucket::Fee, 3),
            ]
        );
    }

    fn any_bucket() -> impl Strategy<Value = AllocationBucket> {
        (0..6_usize).prop_map(|i| AllocationBucket::ALL[i])
    }

    proptest! {
        #[test]
        fn allocation_never_creates_or_loses_a_cent(
            amount in 0_i64..10_000_000,
            raw in proptest::collection::vec((any_bucket(), 1_u32..20, 1_u32..28, 0_i64..1_000_000), 0..30),
            order_seed in proptest::collection::vec(0_usize..6, 6),
        ) {
            let claims: Vec<Claim> = raw.iter().map(|&(b, n, d, m)| claim(b, n, d, m)).collect();
            let mut buckets = AllocationBucket::ALL;
            for (i, s) in order_seed.iter().enumerate() { buckets.swap(i, *s); }
            let order = AllocationOrder::new(buckets).unwrap();
            let a = allocate(cny(amount), &claims, &order).unwrap();
            prop_assert_eq!(a.allocated().minor() + a.remainder.minor(), amount);
            prop_assert!(a.remainder.minor() >= 0);
            let owed: i64 = claims.iter().map(|c| c.amount.minor()).sum();
            prop_assert_eq!(a.allocated().minor(), amount.min(owed));
            // No part pays more than its claim, and buckets are paid in order.
            for part in &a.parts {
                prop_assert!(part.amount.is_positive());
            }
            let ranks: Vec<usize> = a.parts.iter().map(|p| order_rank(&order)[p.bucket.index()]).collect();
            prop_assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
