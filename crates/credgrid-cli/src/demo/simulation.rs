//! A year of the demo cooperative's business, one business date at a time.
//!
//! Everything goes through the `Institution` use cases, exactly as tellers
//! and account managers would: register clients, take applications, approve,
//! reject or see them withdrawn, disburse, collect repayments (on time,
//! early, partial, late, paid off, or never), write off a few loans long in
//! default and recover part of them later, reverse a repayment keyed twice by
//! mistake, and close each business date with end of day. The books are
//! therefore exactly those real use produces.

use super::people::{ClientKind, PeopleRegister};
use super::places::TOWNSHIPS;
use super::prng::SplitMix64;
use super::products::PRODUCTS;
use chrono::{Datelike, Days, NaiveDate};
use credgrid_app::{Actor, AppError, Institution};
use std::collections::BTreeMap;

/// The administrator the store creates (user 1): sets up the organisation
/// and the products.
const ADMIN: Actor = Actor { user_id: 1 };

/// Who does what in the demo: the demonstration staff (`demo.<role>`),
/// each acting within their role (docs/demo.md).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cast {
    pub(crate) account_manager: Actor,
    pub(crate) approver: Actor,
    pub(crate) teller: Actor,
    pub(crate) branch_manager: Actor,
}

impl Cast {
    /// Finds the demonstration staff (created before the simulation runs).
    pub(crate) fn of(institution: &Institution) -> Result<Cast, AppError> {
        let find = |username: &str| -> Result<Actor, AppError> {
            institution
                .user_named(username)?
                .map(|p| p.actor())
                .ok_or_else(|| AppError::not_found("user", username))
        };
        Ok(Cast {
            account_manager: find("demo.account_manager")?,
            approver: find("demo.approver")?,
            teller: find("demo.teller")?,
            branch_manager: find("demo.branch_manager")?,
        })
    }
}
/// Loans more than this many days past due may be written off.
const WRITE_OFF_DAYS_PAST_DUE: u32 = 180;

/// What to build: how many clients, from which seed, over which dates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scenario {
    pub(crate) clients: u32,
    pub(crate) seed: u64,
    /// The first business date.
    pub(crate) start: NaiveDate,
    /// The business date the simulation stops at (left open).
    pub(crate) end: NaiveDate,
}

/// What happened during the simulated year.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    pub(crate) clients: u64,
    pub(crate) applications: u64,
    pub(crate) approved: u64,
    pub(crate) rejected: u64,
    pub(crate) withdrawn: u64,
    pub(crate) disbursed: u64,
    pub(crate) repayments: u64,
    pub(crate) repayments_early: u64,
    pub(crate) repayments_late: u64,
    pub(crate) repayments_partial: u64,
    pub(crate) paid_off_early: u64,
    pub(crate) defaulted: u64,
    pub(crate) written_off: u64,
    pub(crate) recoveries: u64,
    pub(crate) reversals: u64,
    pub(crate) business_days: u64,
    /// Customer actions the institution refused (a business rule said no).
    pub(crate) refused: u64,
    pub(crate) first_refusal: Option<String>,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    /// A client who only registers (a member without a loan yet).
    Register {
        outlet: usize,
    },
    Apply {
        outlet: usize,
        product: usize,
    },
    Decide {
        loan_id: i64,
    },
    Disburse {
        loan_id: i64,
    },
    Collect {
        loan_id: i64,
    },
    WriteOff {
        loan_id: i64,
    },
    Recover {
        loan_id: i64,
    },
    Reverse {
        loan_id: i64,
        transaction_id: i64,
    },
}

/// How a borrower repays, drawn at disbursement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Punctual,
    /// Pays each installment this many days before it falls due.
    Early {
        days: u64,
    },
    /// Pays what is due 1 to `days_max` days after each due date.
    Late {
        days_max: u64,
    },
    /// Pays only part of what is due, catching up every third time.
    Partial,
    /// Pays `after` times, then never again.
    Defaulter {
        after: u32,
    },
    /// Pays `after` times, then repays the whole loan early.
    PaysOff {
        after: u32,
    },
}

#[derive(Clone, Copy, Debug)]
struct Borrower {
    behaviour: Behaviour,
    payments: u32,
}

/// What a collection visit brought in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paid {
    Due,
    /// An installment paid before its due date (that date).
    Early(NaiveDate),
    Late,
    Partial,
    PayOff,
}

/// The node ids of the organisation: an outlet with its place in `TOWNSHIPS`.
#[derive(Clone, Copy, Debug)]
struct OutletNode {
    township: usize,
    outlet: usize,
    node_id: i64,
}

pub(crate) struct Simulation<'a> {
    institution: &'a Institution,
    scenario: Scenario,
    rng: SplitMix64,
    people: PeopleRegister,
    outlets: Vec<OutletNode>,
    product_ids: Vec<i64>,
    agenda: BTreeMap<NaiveDate, Vec<Action>>,
    borrowers: BTreeMap<i64, Borrower>,
    application_product: BTreeMap<i64, usize>,
    write_offs_left: u32,
    mistaken_repayment_pending: bool,
    tally: Tally,
    cast: Cast,
    /// The staff who take applications through the workflow (found once).
    crew: Option<super::workflow::Crew>,
}

impl<'a> Simulation<'a> {
    pub(crate) fn new(institution: &'a Institution, scenario: Scenario, cast: Cast) -> Simulation<'a> {
        assert!(
            scenario.start < scenario.end,
            "the scenario spans at least one business date"
        );
        Simulation {
            institution,
            scenario,
            rng: SplitMix64::new(scenario.seed),
            people: PeopleRegister::default(),
            outlets: Vec::new(),
            product_ids: Vec::new(),
            agenda: BTreeMap::new(),
            borrowers: BTreeMap::new(),
            application_product: BTreeMap::new(),
            write_offs_left: 2 + scenario.clients / 5000,
            mistaken_repayment_pending: true,
            tally: Tally::default(),
            cast,
            crew: None,
        }
    }

    /// Builds the organisation and the products, plans the clients, then runs
    /// every business date from the start to the end, calling `progress`
    /// with `(days done, days in all)` after each end of day.
    pub(crate) fn run(mut self, progress: &dyn Fn(u64, u64)) -> Result<Tally, AppError> {
        self.create_organisation()?;
        self.create_products()?;
        self.plan_clients();
        let days_total = u64::try_from((self.scenario.end - self.scenario.start).num_days()).unwrap_or(0);
        let mut today = self.institution.business_date()?;
        while today < self.scenario.end {
            self.act_until(today)?;
            super::grid::on_day(
                self.institution,
                self.cast,
                today,
                self.scenario.start,
                self.scenario.end,
                self.scenario.seed,
            )?;
            super::rating::on_day(
                self.institution,
                self.cast,
                today,
                self.scenario.end,
                self.scenario.seed,
            )?;
            super::collection::on_day(
                self.institution,
                self.cast,
                today,
                self.scenario.end,
                self.scenario.seed,
            )?;
            super::deposits::on_day(self.institution, self.cast, today, self.scenario.end)?;
            self.institution
                .run_eod(self.cast.branch_manager, None, &|_, _| {})?;
            let next = self.institution.business_date()?;
            if next <= today {
                return Err(AppError::Internal(format!(
                    "end of day left the business date at {today}"
                )));
            }
            today = next;
            self.tally.business_days += 1;
            let days_done = u64::try_from((today - self.scenario.start).num_days()).unwrap_or(0);
            progress(days_done.min(days_total), days_total);
        }
        Ok(self.tally)
    }

    fn create_organisation(&mut self) -> Result<(), AppError> {
        let nodes = self.institution.list_nodes(ADMIN)?;
        let root = nodes
            .iter()
            .find(|n| n.parent_id.is_none())
            .ok_or_else(|| AppError::Internal("the institution has no root node".into()))?;
        for (township_index, township) in TOWNSHIPS.iter().enumerate() {
            let branch = self.institution.create_node(
                ADMIN,
                root.id,
                "branch",
                township.code,
                township.branch_name,
            )?;
            for (outlet_index, outlet) in township.outlets.iter().enumerate() {
                let node =
                    self.institution
                        .create_node(ADMIN, branch.id, "outlet", outlet.code, outlet.name)?;
                self.outlets.push(OutletNode {
                    township: township_index,
                    outlet: outlet_index,
                    node_id: node.id,
                });
            }
        }
        Ok(())
    }

    fn create_products(&mut self) -> Result<(), AppError> {
        // Products are maker-checker configuration: the administrator
        // proposes each, the branch manager approves it.
        for product in &PRODUCTS {
            let change = self.institution.propose_product(ADMIN, &product.spec(), None)?;
            let approved = self
                .institution
                .approve_config(self.cast.branch_manager, change.id)?;
            let id = approved
                .product_id()
                .ok_or_else(|| AppError::Internal(format!("change {} created no product", change.id)))?;
            self.product_ids.push(id);
        }
        Ok(())
    }

    /// Decides, up front, when each client first comes to the cooperative and
    /// for which product: seasonal products mostly in their season.
    fn plan_clients(&mut self) {
        let weights: Vec<u64> = PRODUCTS.iter().map(|p| p.weight).collect();
        let outlets = u64::try_from(self.outlets.len()).unwrap_or(1);
        for _ in 0..self.scenario.clients {
            let outlet = usize::try_from(self.rng.below(outlets)).unwrap_or(0);
            if self.rng.chance(100) {
                let day = self.draw_day(&[]);
                self.schedule(day, Action::Register { outlet });
                continue;
            }
            let product = self.rng.weighted(&weights);
            let day = self.draw_day(PRODUCTS[product].season);
            self.schedule(day, Action::Apply { outlet, product });
        }
    }

    /// A date before the end, in one of `season`'s months three times in four.
    fn draw_day(&mut self, season: &[u32]) -> NaiveDate {
        let span = u64::try_from((self.scenario.end - self.scenario.start).num_days()).unwrap_or(1);
        let mut day = self.scenario.start;
        for _ in 0..8 {
            day = self.scenario.start + Days::new(self.rng.below(span));
            if season.is_empty() || season.contains(&day.month()) || self.rng.chance(250) {
                break;
            }
        }
        day
    }

    fn schedule(&mut self, date: NaiveDate, action: Action) {
        if date < self.scenario.end {
            self.agenda.entry(date).or_default().push(action);
        }
    }

    /// Carries out every action planned for `today` or before (a date the
    /// calendar skipped is caught up on the next business date).
    fn act_until(&mut self, today: NaiveDate) -> Result<(), AppError> {
        while self
            .agenda
            .first_key_value()
            .is_some_and(|(date, _)| *date <= today)
        {
            let Some((_, actions)) = self.agenda.pop_first() else {
                break;
            };
            for action in actions {
                self.act(action, today)?;
            }
        }
        Ok(())
    }

    fn act(&mut self, action: Action, today: NaiveDate) -> Result<(), AppError> {
        match action {
            Action::Register { outlet } => self.register(outlet, ClientKind::Household, today).map(|_| ()),
            Action::Apply { outlet, product } => self.take_application(outlet, product, today),
            Action::Decide { loan_id } => self.decide(loan_id, today),
            Action::Disburse { loan_id } => self.disburse(loan_id),
            Action::Collect { loan_id } => self.collect(loan_id, today),
            Action::WriteOff { loan_id } => self.write_off(loan_id, today),
            Action::Recover { loan_id } => self.recover(loan_id),
            Action::Reverse {
                loan_id,
                transaction_id,
            } => self.reverse(loan_id, transaction_id),
        }
    }
}

mod lifecycle;
mod money;
