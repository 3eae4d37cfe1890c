//! The credit committee's vote (gate 5 of R-ORIG-2): quorum, majority and
//! the recorded dissent.
//!
//! Default rule, after the committee regulations in the documents' world
//! ("collective deliberation, named votes, majority passes"; 2/3 passing
//! thresholds are the common figure): a committee of 7, a quorum of at least
//! 5 members **and** at least 2/3 of the committee having voted, and the
//! application passes when approvals are at least 2/3 of the votes cast. An
//! abstention counts towards the quorum and against the majority.

use crate::authz::UserId;

/// An exact fraction `num/den` (2/3 is not a finite decimal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fraction {
    pub num: u32,
    pub den: u32,
}

impl Fraction {
    pub const TWO_THIRDS: Fraction = Fraction { num: 2, den: 3 };

    /// The least whole `k` with `k / of ≥ num / den` (ceil(num × of / den)).
    pub fn ceil_of(self, of: u32) -> u32 {
        assert!(self.den > 0, "a fraction needs a positive denominator");
        let product = u64::from(self.num) * u64::from(of);
        let den = u64::from(self.den);
        u32::try_from(product.div_ceil(den)).unwrap_or(u32::MAX)
    }
}

/// How a committee decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitteeRule {
    /// Members of the committee.
    pub members_total: u32,
    /// At least this many votes (including abstentions).
    pub quorum_members_min: u32,
    /// And at least this share of the committee must vote.
    pub quorum_fraction: Fraction,
    /// Approvals must be at least this share of the votes cast.
    pub pass_fraction: Fraction,
}

impl Default for CommitteeRule {
    fn default() -> Self {
        CommitteeRule {
            members_total: 7,
            quorum_members_min: 5,
            quorum_fraction: Fraction::TWO_THIRDS,
            pass_fraction: Fraction::TWO_THIRDS,
        }
    }
}

impl CommitteeRule {
    /// The number of votes needed for a quorum.
    pub fn quorum_required(&self) -> u32 {
        self.quorum_members_min
            .max(self.quorum_fraction.ceil_of(self.members_total))
    }

    /// Counts `votes`; `passed` is meaningful only when `quorate`.
    pub fn tally(&self, votes: &[Vote]) -> Tally {
        let count =
            |v: VoteChoice| u32::try_from(votes.iter().filter(|x| x.choice == v).count()).unwrap_or(u32::MAX);
        let approve = count(VoteChoice::Approve);
        let reject = count(VoteChoice::Reject);
        let abstain = count(VoteChoice::Abstain);
        let cast = approve + reject + abstain;
        let quorum_required = self.quorum_required();
        let quorate = cast >= quorum_required;
        let passed = quorate && approve >= self.pass_fraction.ceil_of(cast);
        let dissent = votes
            .iter()
            .filter(|v| v.choice == VoteChoice::Reject)
            .cloned()
            .collect();
        Tally {
            approve,
            reject,
            abstain,
            quorum_required,
            quorate,
            passed,
            dissent,
        }
    }
}

/// A member's choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VoteChoice {
    Approve,
    Reject,
    Abstain,
}

impl VoteChoice {
    pub fn name(self) -> &'static str {
        match self {
            VoteChoice::Approve => "approve",
            VoteChoice::Reject => "reject",
            VoteChoice::Abstain => "abstain",
        }
    }
}

/// One member's recorded vote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vote {
    pub member: UserId,
    pub choice: VoteChoice,
    pub reasons: Vec<String>,
}

/// The count of a closed vote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub approve: u32,
    pub reject: u32,
    pub abstain: u32,
    pub quorum_required: u32,
    pub quorate: bool,
    pub passed: bool,
    /// The votes against, with their reasons (the recorded dissent).
    pub dissent: Vec<Vote>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn votes(a: u32, r: u32, x: u32) -> Vec<Vote> {
        let mut out = Vec::new();
        let mut id = 0;
        for (n, choice) in [
            (a, VoteChoice::Approve),
            (r, VoteChoice::Reject),
            (x, VoteChoice::Abstain),
        ] {
            for _ in 0..n {
                id += 1;
                out.push(Vote {
                    member: id,
                    choice,
                    reasons: vec!["r".into()],
                });
            }
        }
        out
    }

    #[test]
    fn quorum_is_five_and_two_thirds_of_the_committee() {
        let rule = CommitteeRule::default();
        assert_eq!(rule.quorum_required(), 5); // max(5, ceil(2/3 × 7) = 5)
        let big = CommitteeRule {
            members_total: 12,
            ..rule
        };
        assert_eq!(big.quorum_required(), 8); // ceil(2/3 × 12) = 8 > 5
        assert!(!rule.tally(&votes(4, 0, 0)).quorate);
        assert!(rule.tally(&votes(4, 0, 1)).quorate);
    }

    #[test]
    fn two_thirds_of_votes_cast_must_approve() {
        let rule = CommitteeRule::default();
        // 4 of 6 = 2/3 exactly: passes; 3 of 5 < 2/3: fails (abstention counts against).
        assert!(rule.tally(&votes(4, 2, 0)).passed);
        assert!(!rule.tally(&votes(3, 1, 1)).passed);
        let t = rule.tally(&votes(5, 2, 0));
        assert!(t.passed);
        assert_eq!(t.dissent.len(), 2);
        assert!(!rule.tally(&votes(4, 0, 0)).passed, "no quorum, no pass");
    }
}
