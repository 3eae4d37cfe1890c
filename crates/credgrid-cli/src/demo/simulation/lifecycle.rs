//! The demo's front office: registering clients, applications, decisions, disbursements.

use super::{Action, Behaviour, Borrower, Simulation};
use crate::demo::people::ClientKind;
use crate::demo::places::TOWNSHIPS;
use crate::demo::products::PRODUCTS;
use chrono::{Days, NaiveDate};
use credgrid_app::{AppError, ClientView, LoanApplication, NewClient};

/// Why the credit committee turned an application down.
const REJECTION_REASONS: [&str; 4] = [
    "家庭收入不足以覆盖还款",
    "信用评级为一般且无担保",
    "贷款用途不符合规定",
    "有其他金融机构逾期记录",
];
/// Why a client withdrew an application.
const WITHDRAWAL_REASONS: [&str; 3] = ["已通过亲友筹得资金", "推迟种植计划", "申请金额需重新商量"];

impl Simulation<'_> {
    pub(super) fn register(
        &mut self,
        outlet: usize,
        kind: ClientKind,
        today: NaiveDate,
    ) -> Result<ClientView, AppError> {
        let node = self.outlets[outlet];
        let township = &TOWNSHIPS[node.township];
        let place = &township.outlets[node.outlet];
        let person = self.people.draw(&mut self.rng, kind, township, place, today);
        let client = NewClient {
            outlet_id: node.node_id,
            kind: person.kind.code().to_string(),
            name: person.name,
            id_country: "CN".to_string(),
            id_number: person.id_number,
            phone: Some(person.phone),
            address: Some(person.address),
        };
        let view = self
            .institution
            .create_client(self.cast.account_manager, client)?;
        self.tally.clients += 1;
        Ok(view)
    }

    /// A new client comes in, registers and applies; the decision follows
    /// within three days.
    pub(super) fn take_application(
        &mut self,
        outlet: usize,
        product: usize,
        today: NaiveDate,
    ) -> Result<(), AppError> {
        let terms = &PRODUCTS[product];
        let business_share = if terms.code == "XWJY" { 700 } else { 40 };
        let kind = if self.rng.chance(business_share) {
            ClientKind::Business
        } else if self.rng.chance(400) {
            ClientKind::Household
        } else {
            ClientKind::Individual
        };
        let client = self.register(outlet, kind, today)?;
        let application = LoanApplication {
            client_id: client.id,
            product_id: self.product_ids[product],
            principal: terms.draw_principal(&mut self.rng),
            annual_rate: Some(terms.draw_rate(&mut self.rng)),
            installments: Some(terms.draw_installments(&mut self.rng)),
            first_repayment_date: None,
            account_manager_id: None,
            purpose: Some(self.rng.pick(terms.purposes).to_string()),
        };
        let loan = self.institution.apply(self.cast.account_manager, application)?;
        // Secured so the exposure and coverage check can pass (docs/workflow.md).
        let crew = self.crew()?;
        super::super::workflow::secure(self.institution, &crew, loan.id, loan.id.unsigned_abs())?;
        self.tally.applications += 1;
        self.application_product.insert(loan.id, product);
        let decision_day = today + Days::new(self.rng.between(0, 3));
        self.schedule(decision_day, Action::Decide { loan_id: loan.id });
        Ok(())
    }

    /// The staff who take applications through the workflow, found once.
    fn crew(&mut self) -> Result<super::super::workflow::Crew, AppError> {
        if self.crew.is_none() {
            self.crew = Some(super::super::workflow::Crew::of(self.institution, super::ADMIN)?);
        }
        self.crew
            .clone()
            .ok_or_else(|| AppError::Internal("the demo crew is missing".into()))
    }

    /// Most applications are approved and disbursed within two days; some are
    /// rejected, some withdrawn by the client.
    pub(super) fn decide(&mut self, loan_id: i64, today: NaiveDate) -> Result<(), AppError> {
        let roll = self.rng.below(1000);
        let crew = self.crew()?;
        if roll < 860 {
            // Every step of the application's tier, by the demonstration staff.
            let approved = super::super::workflow::approve(self.institution, &crew, loan_id)?;
            let disbursement_day = today + Days::new(self.rng.between(0, 2));
            if approved {
                self.tally.approved += 1;
                self.schedule(disbursement_day, Action::Disburse { loan_id });
            } else {
                self.tally.rejected += 1;
            }
        } else if roll < 940 {
            let reason = self.rng.pick(&REJECTION_REASONS).to_string();
            super::super::workflow::reject(self.institution, &crew, loan_id, &reason)?;
            self.tally.rejected += 1;
        } else {
            let reason = self.rng.pick(&WITHDRAWAL_REASONS).to_string();
            self.institution
                .withdraw(self.cast.account_manager, loan_id, reason)?;
            self.tally.withdrawn += 1;
        }
        Ok(())
    }

    /// Disburses, gives the borrower a way of repaying, and plans the first visit.
    pub(super) fn disburse(&mut self, loan_id: i64) -> Result<(), AppError> {
        let loan = self.institution.disburse(self.cast.teller, loan_id, None)?;
        let crew = self.crew()?;
        super::super::workflow::monitor(self.institution, &crew, loan_id)?;
        self.tally.disbursed += 1;
        let behaviour = self.draw_behaviour();
        self.borrowers.insert(
            loan_id,
            Borrower {
                behaviour,
                payments: 0,
            },
        );
        let first_due = loan.schedule.iter().map(|i| i.due_date).min();
        if let Some(due) = first_due {
            let visit = self.visit_date(behaviour, due, loan.disbursed_on.unwrap_or(due));
            self.schedule(visit, Action::Collect { loan_id });
        }
        Ok(())
    }

    /// One borrower in 25 defaults (deterministically, so even a small demo
    /// has arrears); the others mostly pay on time.
    fn draw_behaviour(&mut self) -> Behaviour {
        if self.tally.disbursed % 25 == 7 {
            let after = u32::try_from(self.rng.between(0, 2)).unwrap_or(0);
            return Behaviour::Defaulter { after };
        }
        match self.rng.weighted(&[720, 80, 110, 60, 30]) {
            0 => Behaviour::Punctual,
            1 => Behaviour::Early {
                days: self.rng.between(2, 10),
            },
            2 => Behaviour::Late {
                days_max: *self.rng.pick(&[7, 20, 45, 75]),
            },
            3 => Behaviour::Partial,
            _ => Behaviour::PaysOff {
                after: u32::try_from(self.rng.between(1, 4)).unwrap_or(1),
            },
        }
    }

    /// When the borrower will come in for the installment due on `due`
    /// (never on or before `today`).
    pub(super) fn visit_date(&mut self, behaviour: Behaviour, due: NaiveDate, today: NaiveDate) -> NaiveDate {
        let earliest = today + Days::new(1);
        let visit = match behaviour {
            Behaviour::Early { days } => due.checked_sub_days(Days::new(days)).unwrap_or(due),
            Behaviour::Late { days_max } => due + Days::new(self.rng.between(1, days_max)),
            _ => due,
        };
        visit.max(earliest)
    }
}
