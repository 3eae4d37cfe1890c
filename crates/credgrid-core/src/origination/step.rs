//! The steps of the origination processes (R-ORIG-1), with stable names.

use std::fmt;

/// One step of an origination process. The same step name may appear in
/// several tiers' processes (`application`, `disbursement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// The application is taken and registered.
    Application,
    /// Medium tier: a review of the application before the credit grant.
    Review,
    /// Low and medium tiers: the credit grant (amount, term, rate) is set.
    CreditGrant,
    /// Low and medium tiers: the approval.
    Approval,
    /// High tier: the lending department accepts the file for processing.
    AcceptanceReview,
    /// High tier: the A/B pre-loan investigation (gate 1).
    PreLoanInvestigation,
    /// High tier: the independent risk review (gate 2).
    CreditReview,
    /// High tier: the loan approval (by the committee, gate 5, by default).
    LoanApproval,
    /// High tier: contract signing and the legal-procedure check (gate 3).
    ContractReview,
    /// High tier: the disbursement notice, checked and re-checked (gate 4).
    DisbursementConditionsReview,
    /// The funds are paid out.
    Disbursement,
    /// High tier: monitoring of the use of funds after disbursement.
    UseOfFundsMonitoring,
}

impl Step {
    pub const ALL: [Step; 12] = [
        Step::Application,
        Step::Review,
        Step::CreditGrant,
        Step::Approval,
        Step::AcceptanceReview,
        Step::PreLoanInvestigation,
        Step::CreditReview,
        Step::LoanApproval,
        Step::ContractReview,
        Step::DisbursementConditionsReview,
        Step::Disbursement,
        Step::UseOfFundsMonitoring,
    ];

    /// The stable name (`credit_grant`, `pre_loan_investigation`, …).
    pub fn name(self) -> &'static str {
        match self {
            Step::Application => "application",
            Step::Review => "review",
            Step::CreditGrant => "credit_grant",
            Step::Approval => "approval",
            Step::AcceptanceReview => "acceptance_review",
            Step::PreLoanInvestigation => "pre_loan_investigation",
            Step::CreditReview => "credit_review",
            Step::LoanApproval => "loan_approval",
            Step::ContractReview => "contract_review",
            Step::DisbursementConditionsReview => "disbursement_conditions_review",
            Step::Disbursement => "disbursement",
            Step::UseOfFundsMonitoring => "use_of_funds_monitoring",
        }
    }

    /// Parses a stable name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The translation key of the step's display name (`origination.step.approval`).
    pub fn key(self) -> String {
        format!("origination.step.{}", self.name())
    }

    /// Whether the step commits the institution to the loan, so an approver's
    /// amount ceiling applies (R-ORIG-3).
    pub fn is_approval(self) -> bool {
        matches!(self, Step::Approval | Step::LoanApproval)
    }

    /// Whether R-ORIG-5 asks for the exposure and coverage check
    /// (`collateral::check_limits`, run by `Workflow::with_limits`) before
    /// this step is approved: before approval and again before disbursement.
    pub fn needs_exposure_check(self) -> bool {
        matches!(self, Step::Approval | Step::LoanApproval | Step::Disbursement)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
