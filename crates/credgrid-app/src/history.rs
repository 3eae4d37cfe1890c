//! The portfolio over time and by part of the organisation, and each staff
//! member's home: the end of day records a per-date snapshot of the
//! portfolio (per outlet, account manager and currency, aggregates only);
//! the dashboard draws its series and drills down branch → outlet →
//! account manager; the home page lists the work waiting for the user and
//! the alerts of their part of the tree.
//!
//! Every read takes the actor first, checks `report.read` (history and
//! drill-down) or `loan.read` (home), and is limited to the user's node:
//! a branch manager sees their branch only.

use crate::access::{Staff, authorize};
use crate::error::AppError;
use crate::institution::{Institution, business_date};
use crate::model::{Actor, NodeView, PageRequest};
use crate::origination::InboxItem;
use crate::views::{class_of, currency_of, node_view};
use chrono::NaiveDate;
use credgrid_core::authz::{Permission, Role};
use credgrid_core::classification::LoanClass;
use credgrid_core::origination::Step;
use credgrid_core::{Currency, Money};
use credgrid_store::{HistoryRow, LoanBriefRow, ReadTx, WriteTx};
use std::collections::BTreeMap;

/// The most days one history request spans (a little over three years).
pub const HISTORY_DAYS_MAX: i64 = 1_200;
/// How many loans a home-page list shows at most.
pub const HOME_LIST_MAX: u32 = 10;
/// Loans this many days past due or more raise an alert (PAR90: more than 90).
pub const ALERT_DAYS_PAST_DUE: u32 = 91;
/// Broken promises to pay found in this many days before the business date raise an alert.
pub const ALERT_PROMISE_DAYS: u64 = 7;

/// Which part of the portfolio: a node of the organisation tree (default:
/// the user's own node) and optionally one account manager in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortfolioScope {
    pub node_id: Option<i64>,
    pub account_manager_id: Option<i64>,
}

/// The portfolio in one currency at the close of a date (or the day's flows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortfolioFigures {
    pub currency: Currency,
    pub loans_active: u64,
    pub principal_outstanding: Money,
    pub principal_overdue: Money,
    /// Outstanding principal of loans more than 30 days past due.
    pub par30: Money,
    pub par90: Money,
    pub loans_par30: u64,
    /// Outstanding principal per class: pass, special mention, substandard, doubtful, loss.
    pub by_class: [Money; 5],
    pub loans_by_class: [u64; 5],
    pub provision: Money,
    /// Principal disbursed that day.
    pub disbursed: Money,
    /// Repayments, prepayments and recoveries received that day, net of reversals.
    pub collected: Money,
}

/// The figures of one business date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryPoint {
    pub date: NaiveDate,
    pub figures: PortfolioFigures,
}

/// The portfolio of a scope over a span of business dates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortfolioHistory {
    pub node: NodeView,
    pub account_manager_id: Option<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Ordered by currency, then date; dates without a snapshot are absent.
    pub points: Vec<HistoryPoint>,
}

/// What a drill-down row stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DrillKey {
    /// A branch or outlet below the node shown.
    Node(NodeView),
    /// An account manager of the outlet shown.
    AccountManager { user_id: i64, name: String },
}

/// One row of a drill-down table: a part of the scope in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrillRow {
    pub key: DrillKey,
    pub figures: PortfolioFigures,
}

/// The portfolio of a scope split one level down, at the latest snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortfolioDrill {
    /// The snapshot's business date (`None`: no end of day has run yet).
    pub as_of: Option<NaiveDate>,
    pub node: NodeView,
    /// From the user's own node down to `node` (the way back up).
    pub path: Vec<NodeView>,
    pub account_manager: Option<(i64, String)>,
    /// `branch`, `outlet` or `account_manager`: what the rows are.
    pub level: &'static str,
    pub rows: Vec<DrillRow>,
    /// The whole scope, one per currency.
    pub totals: Vec<PortfolioFigures>,
}

impl Institution {
    /// The portfolio of `scope` on each business date from `from` to `to`
    /// (as recorded by the end of day of each date).
    pub fn portfolio_history(
        &self,
        actor: Actor,
        scope: PortfolioScope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<PortfolioHistory, AppError> {
        if to < from {
            return Err(AppError::invalid("from", "is after `to`"));
        }
        if (to - from).num_days() > HISTORY_DAYS_MAX {
            return Err(AppError::invalid(
                "from",
                format!("spans more than {HISTORY_DAYS_MAX} days"),
            ));
        }
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ReportRead)?;
            let node = scoped_node(r, &staff, scope.node_id)?;
            let digits = Digits::read(r)?;
            let rows = r.portfolio_series(node.id, scope.account_manager_id, from, to)?;
            let points = rows
                .iter()
                .map(|row| {
                    Ok(HistoryPoint {
                        date: row.business_date,
                        figures: figures(row, &digits)?,
                    })
                })
                .collect::<Result<_, AppError>>()?;
            Ok(PortfolioHistory {
                node,
                account_manager_id: scope.account_manager_id,
                from,
                to,
                points,
            })
        })
    }

    /// The portfolio of `scope` at the latest snapshot, one level down: an
    /// institution or branch by the nodes under it, an outlet by account
    /// manager, an account manager alone.
    pub fn portfolio_drill(&self, actor: Actor, scope: PortfolioScope) -> Result<PortfolioDrill, AppError> {
        self.read(|r| {
            let staff = authorize(r, actor, Permission::ReportRead)?;
            let node = scoped_node(r, &staff, scope.node_id)?;
            let path = path_from(r, &staff, node.id)?;
            let digits = Digits::read(r)?;
            let as_of = r.last_history_date()?;
            let mut rows = match as_of {
                Some(date) => r.portfolio_day(node.id, date)?,
                None => Vec::new(),
            };
            if let Some(manager) = scope.account_manager_id {
                rows.retain(|row| row.account_manager_id == manager);
            }
            let children: Vec<NodeView> = r
                .org_nodes()?
                .into_iter()
                .filter(|n| n.parent_id == Some(node.id))
                .map(node_view)
                .collect();
            let (level, grouped) = if children.is_empty() || scope.account_manager_id.is_some() {
                ("account_manager", by_manager(r, &rows)?)
            } else {
                let level = if children.iter().all(|c| c.kind == "outlet") {
                    "outlet"
                } else {
                    "branch"
                };
                (level, by_child(r, &children, &rows)?)
            };
            let account_manager = scope.account_manager_id.map(|id| (id, manager_name(r, id)));
            let rows = grouped
                .into_iter()
                .map(|(key, sum)| {
                    Ok(DrillRow {
                        key,
                        figures: figures(&sum, &digits)?,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            let totals = sum_by_currency(rows.iter().map(|row| &row.figures));
            Ok(PortfolioDrill {
                as_of,
                node,
                path,
                account_manager,
                level,
                rows,
                totals,
            })
        })
    }
}

/// The node asked for (default: the user's own), refused outside the user's node.
fn scoped_node(r: &ReadTx<'_>, staff: &Staff, node_id: Option<i64>) -> Result<NodeView, AppError> {
    let id = node_id.unwrap_or(staff.node_id);
    let row = r.org_node(id).map_err(|_| AppError::not_found("node", id))?;
    staff.require_node(r, id)?;
    Ok(node_view(row))
}

/// The nodes from the user's own node down to `node_id`.
fn path_from(r: &ReadTx<'_>, staff: &Staff, node_id: i64) -> Result<Vec<NodeView>, AppError> {
    let full = crate::access::node_path(r, node_id)?;
    let start = full.iter().position(|id| *id == staff.node_id).unwrap_or(0);
    full[start..]
        .iter()
        .map(|id| Ok(node_view(r.org_node(*id)?)))
        .collect()
}

fn manager_name(r: &ReadTx<'_>, user_id: i64) -> String {
    r.app_user(user_id)
        .map(|u| u.display_name)
        .unwrap_or_else(|_| format!("#{user_id}"))
}

/// Rows summed per account manager and currency, by manager name.
fn by_manager(r: &ReadTx<'_>, rows: &[HistoryRow]) -> Result<Vec<(DrillKey, HistoryRow)>, AppError> {
    let mut sums: BTreeMap<(i64, String), HistoryRow> = BTreeMap::new();
    for row in rows {
        let key = (row.account_manager_id, row.currency.clone());
        add_row(sums.entry(key).or_default(), row)?;
    }
    let mut out: Vec<(DrillKey, HistoryRow)> = sums
        .into_iter()
        .map(|((user_id, _), sum)| {
            let name = manager_name(r, user_id);
            (DrillKey::AccountManager { user_id, name }, sum)
        })
        .collect();
    out.sort_by(|a, b| {
        key_name(&a.0)
            .cmp(key_name(&b.0))
            .then(a.1.currency.cmp(&b.1.currency))
    });
    Ok(out)
}

fn key_name(key: &DrillKey) -> &str {
    match key {
        DrillKey::Node(n) => &n.code,
        DrillKey::AccountManager { name, .. } => name,
    }
}

/// Rows summed per child node (the child on each outlet's path) and
/// currency; every child is listed, with empty figures when it has no loans.
fn by_child(
    r: &ReadTx<'_>,
    children: &[NodeView],
    rows: &[HistoryRow],
) -> Result<Vec<(DrillKey, HistoryRow)>, AppError> {
    let mut sums: BTreeMap<(usize, String), HistoryRow> = BTreeMap::new();
    for row in rows {
        let path = crate::access::node_path(r, row.outlet_id)?;
        let Some(child) = children.iter().position(|c| path.contains(&c.id)) else {
            continue;
        };
        add_row(sums.entry((child, row.currency.clone())).or_default(), row)?;
    }
    let mut out = Vec::new();
    for (i, child) in children.iter().enumerate() {
        let mine: Vec<HistoryRow> = sums
            .range((i, String::new())..)
            .take_while(|((c, _), _)| *c == i)
            .map(|(_, sum)| sum.clone())
            .collect();
        for sum in mine {
            out.push((DrillKey::Node(child.clone()), sum));
        }
    }
    Ok(out)
}

/// Adds `row`'s measures into `sum` (which takes `row`'s currency); an
/// overflowing sum is refused.
fn add_row(sum: &mut HistoryRow, row: &HistoryRow) -> Result<(), AppError> {
    let overflow = || AppError::Internal("portfolio history sum overflows".into());
    let add = |a: &mut i64, b: i64| -> Result<(), AppError> {
        *a = a.checked_add(b).ok_or_else(overflow)?;
        Ok(())
    };
    sum.business_date = row.business_date;
    sum.currency.clone_from(&row.currency);
    add(&mut sum.loans_active, row.loans_active)?;
    add(
        &mut sum.principal_outstanding_minor,
        row.principal_outstanding_minor,
    )?;
    add(&mut sum.principal_overdue_minor, row.principal_overdue_minor)?;
    add(&mut sum.par30_minor, row.par30_minor)?;
    add(&mut sum.par90_minor, row.par90_minor)?;
    add(&mut sum.loans_par30, row.loans_par30)?;
    for i in 0..5 {
        add(&mut sum.by_class_minor[i], row.by_class_minor[i])?;
        add(&mut sum.loans_by_class[i], row.loans_by_class[i])?;
    }
    add(&mut sum.provision_minor, row.provision_minor)?;
    add(&mut sum.disbursed_minor, row.disbursed_minor)?;
    add(&mut sum.collected_minor, row.collected_minor)
}

/// Currency digits as the products define them.
pub(crate) struct Digits(BTreeMap<String, u8>);

impl Digits {
    pub(crate) fn read(r: &ReadTx<'_>) -> Result<Digits, AppError> {
        Ok(Digits(r.currency_digits()?.into_iter().collect()))
    }

    pub(crate) fn currency(&self, code: &str) -> Result<Currency, AppError> {
        currency_of(code, self.0.get(code).copied().unwrap_or(2))
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A stored row as money in its currency.
fn figures(row: &HistoryRow, digits: &Digits) -> Result<PortfolioFigures, AppError> {
    let currency = digits.currency(&row.currency)?;
    let m = |minor| Money::from_minor(minor, currency);
    Ok(PortfolioFigures {
        currency,
        loans_active: count(row.loans_active),
        principal_outstanding: m(row.principal_outstanding_minor),
        principal_overdue: m(row.principal_overdue_minor),
        par30: m(row.par30_minor),
        par90: m(row.par90_minor),
        loans_par30: count(row.loans_par30),
        by_class: row.by_class_minor.map(m),
        loans_by_class: row.loans_by_class.map(count),
        provision: m(row.provision_minor),
        disbursed: m(row.disbursed_minor),
        collected: m(row.collected_minor),
    })
}

/// Figures summed per currency (saturating: the books cannot hold more).
pub fn sum_by_currency<'a>(all: impl Iterator<Item = &'a PortfolioFigures>) -> Vec<PortfolioFigures> {
    let mut sums: BTreeMap<&str, PortfolioFigures> = BTreeMap::new();
    for f in all {
        let Some(sum) = sums.get_mut(f.currency.code()) else {
            sums.insert(f.currency.code(), f.clone());
            continue;
        };
        let add = |a: Money, b: Money| Money::from_minor(a.minor().saturating_add(b.minor()), a.currency());
        sum.loans_active = sum.loans_active.saturating_add(f.loans_active);
        sum.principal_outstanding = add(sum.principal_outstanding, f.principal_outstanding);
        sum.principal_overdue = add(sum.principal_overdue, f.principal_overdue);
        sum.par30 = add(sum.par30, f.par30);
        sum.par90 = add(sum.par90, f.par90);
        sum.loans_par30 = sum.loans_par30.saturating_add(f.loans_par30);
        for i in 0..5 {
            sum.by_class[i] = add(sum.by_class[i], f.by_class[i]);
            sum.loans_by_class[i] = sum.loans_by_class[i].saturating_add(f.loans_by_class[i]);
        }
        sum.provision = add(sum.provision, f.provision);
        sum.disbursed = add(sum.disbursed, f.disbursed);
        sum.collected = add(sum.collected, f.collected);
    }
    sums.into_values().collect()
}

/// Records the portfolio at the close of `date` (called by the end of day
/// in the write that closes the date, once every loan is processed): from
/// the sums the day's chunks added as they closed the loans, or — when the
/// book moved during the run, or the run was begun by a build without them —
/// from a read of the loan book.
///
/// `flows`: the day's flows read after the run started, if they could be.
pub(crate) fn record_day(
    tx: &mut WriteTx<'_>,
    date: NaiveDate,
    flows: Option<&[HistoryRow]>,
) -> Result<(), AppError> {
    let recorded = match flows {
        Some(flows) => tx.record_portfolio_day_from_run(date, flows)?,
        None => false,
    };
    if !recorded {
        tx.record_portfolio_day(date)?;
    }
    Ok(())
}

/// A loan as a home-page list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanBrief {
    pub id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub outlet_id: i64,
    pub status: String,
    pub principal: Money,
    pub principal_outstanding: Money,
    pub principal_overdue: Money,
    pub days_past_due: u32,
    /// `pass` … `loss`, or `unclassified` before disbursement.
    pub classification: &'static str,
    /// The date the loan entered its status (applied, approved, disbursed).
    pub since: Option<NaiveDate>,
    /// The workflow step waiting for the user (an inbox item), if any.
    pub step: Option<&'static str>,
}

/// The first loans of a list and how many there are in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Worklist {
    pub items: Vec<LoanBrief>,
    pub total: u64,
    /// More items follow than `total` counts (a list read one page at a time).
    pub more: bool,
}

/// Something in the user's part of the tree that needs attention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alert {
    /// The end of day of `date` started and stopped half-way.
    EodStoppedHalfWay { date: NaiveDate },
    /// The business date lies before the calendar date: the end of day has
    /// not been run for it.
    EodNotRun {
        business_date: NaiveDate,
        today: NaiveDate,
    },
    /// Loans `ALERT_DAYS_PAST_DUE` or more days past due.
    PastDue90 { loans: u64 },
    /// Promises to pay found broken in the last `ALERT_PROMISE_DAYS` days.
    BrokenPromises { promises: u64 },
}

/// A staff member's home: the work waiting for their roles and the alerts
/// of their part of the organisation. A list is `None` when none of the
/// user's roles works on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HomeView {
    pub business_date: NaiveDate,
    pub node: NodeView,
    pub roles: Vec<Role>,
    /// Applications waiting for a step the user may take.
    pub applications: Option<Worklist>,
    /// Approved loans waiting for disbursement.
    pub to_disburse: Option<Worklist>,
    /// Committee votes the user has not cast yet.
    pub committee: Option<Worklist>,
    /// Loans past due in the user's loans, cells or outlet.
    pub overdue: Option<Worklist>,
    pub alerts: Vec<Alert>,
}

impl Institution {
    /// The acting user's home page; `today` is the calendar date (for the
    /// alert that the end of day was not run).
    pub fn home(&self, actor: Actor, today: NaiveDate) -> Result<HomeView, AppError> {
        let mut collects = false;
        let mut home = self.read(|r| {
            let staff = authorize(r, actor, Permission::LoanRead)?;
            collects = staff.may(Permission::CollectionWork) && !staff.has_role(Role::BranchManager);
            let node = node_view(r.org_node(staff.node_id)?);
            let digits = Digits::read(r)?;
            let date = business_date(r)?;
            let takes_steps = STEP_ROLES.iter().any(|role| staff.has_role(*role));
            Ok(HomeView {
                business_date: date,
                applications: takes_steps.then(Worklist::default),
                to_disburse: approved_to_disburse(r, &staff, &digits)?,
                committee: staff.may(Permission::CommitteeVote).then(Worklist::default),
                overdue: overdue_worklist(r, &staff, &digits)?,
                alerts: alerts(r, &staff, date, today)?,
                roles: staff.roles.clone(),
                node,
            })
        })?;
        if home.applications.is_some() || home.committee.is_some() {
            self.fill_from_inbox(actor, &mut home)?;
        }
        if collects {
            self.fill_from_worklist(actor, &mut home)?;
        }
        Ok(home)
    }

    /// The loans past due of the user's collection worklist (`collection.rs`,
    /// rebuilt by every end of day), when one was built; otherwise the list
    /// stays the user's own loans or node past due.
    fn fill_from_worklist(&self, actor: Actor, home: &mut HomeView) -> Result<(), AppError> {
        let list = self.worklist(actor, None, 0, HOME_LIST_MAX)?;
        if list.business_date.is_none() {
            return Ok(());
        }
        let more = list.next_after_rank.is_some();
        let items = self.read(|r| {
            let digits = Digits::read(r)?;
            list.items
                .iter()
                .map(|item| {
                    let row = r.loan(item.loan_id)?;
                    let currency = digits.currency(&row.currency)?;
                    let m = |minor| Money::from_minor(minor, currency);
                    Ok(LoanBrief {
                        id: item.loan_id,
                        client_id: item.client_id,
                        client_name: item.client_name.clone(),
                        outlet_id: item.outlet_id,
                        status: row.status,
                        principal: m(row.principal_minor),
                        principal_outstanding: m(row.principal_outstanding_minor),
                        principal_overdue: m(row.principal_overdue_minor),
                        days_past_due: item.days_past_due,
                        classification: class_of(row.class).map_or("unclassified", LoanClass::name),
                        since: row.disbursed_on,
                        step: None,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()
        })?;
        home.overdue = Some(Worklist {
            total: items.len() as u64,
            items,
            more,
        });
        Ok(())
    }

    /// The applications and committee votes of the user's workflow inbox
    /// (`origination.rs`), the first page of it.
    fn fill_from_inbox(&self, actor: Actor, home: &mut HomeView) -> Result<(), AppError> {
        let page = self.inbox(
            actor,
            PageRequest {
                after_id: 0,
                limit: HOME_LIST_MAX,
            },
        )?;
        let more = page.next_after_id.is_some();
        for item in page.items {
            let list = if item.committee {
                home.committee.as_mut()
            } else {
                home.applications.as_mut()
            };
            let Some(list) = list else { continue };
            list.total += 1;
            list.more = more;
            list.items.push(inbox_brief(item));
        }
        Ok(())
    }
}

/// The roles that take workflow steps before disbursement.
const STEP_ROLES: [Role; 9] = [
    Role::AccountManager,
    Role::GridWorker,
    Role::RiskOfficer,
    Role::Reviewer,
    Role::Approver,
    Role::CommitteeMember,
    Role::ContractOfficer,
    Role::LobbyManager,
    Role::BranchManager,
];

fn inbox_brief(item: InboxItem) -> LoanBrief {
    let zero = Money::zero(item.amount.currency());
    LoanBrief {
        id: item.loan_id,
        client_id: item.client_id,
        client_name: item.client_name,
        outlet_id: 0,
        status: item.loan_status,
        principal: item.amount,
        principal_outstanding: zero,
        principal_overdue: zero,
        days_past_due: 0,
        classification: "unclassified",
        since: None,
        step: Some(item.step.name()),
    }
}

/// Loans of `status` in the user's node (optionally only theirs), briefly.
fn worklist(
    r: &ReadTx<'_>,
    staff: &Staff,
    digits: &Digits,
    status: &str,
    own: bool,
    min_days_past_due: u32,
) -> Result<Worklist, AppError> {
    let manager = own.then_some(staff.user_id);
    let (rows, total) = r.loan_briefs(staff.node_id, status, manager, min_days_past_due, HOME_LIST_MAX)?;
    let items = rows
        .into_iter()
        .map(|row| brief(row, digits))
        .collect::<Result<_, AppError>>()?;
    Ok(Worklist {
        items,
        total,
        more: false,
    })
}

fn brief(row: LoanBriefRow, digits: &Digits) -> Result<LoanBrief, AppError> {
    let currency = digits.currency(&row.currency)?;
    let m = |minor| Money::from_minor(minor, currency);
    Ok(LoanBrief {
        id: row.id,
        client_id: row.client_id,
        client_name: row.client_name,
        outlet_id: row.outlet_id,
        status: row.status,
        principal: m(row.principal_minor),
        principal_outstanding: m(row.principal_outstanding_minor),
        principal_overdue: m(row.principal_overdue_minor),
        days_past_due: row.days_past_due,
        classification: class_of(row.class).map_or("unclassified", LoanClass::name),
        since: row.since,
        step: None,
    })
}

/// Approved loans waiting for the disbursement step, for those who pay out.
fn approved_to_disburse(r: &ReadTx<'_>, staff: &Staff, d: &Digits) -> Result<Option<Worklist>, AppError> {
    if !staff.may(Permission::Step(Step::Disbursement)) {
        return Ok(None);
    }
    worklist(r, staff, d, "approved", false, 0).map(Some)
}

/// Loans past due that are the user's to follow: an account manager's own
/// loans; a collector's, grid worker's or branch manager's loans in their
/// node (replaced by the collection worklist once one is built, see
/// `fill_from_worklist`; a branch manager keeps the whole node).
fn overdue_worklist(r: &ReadTx<'_>, staff: &Staff, d: &Digits) -> Result<Option<Worklist>, AppError> {
    let follows = staff.may(Permission::CollectionWork) || staff.has_role(Role::BranchManager);
    if !follows {
        return Ok(None);
    }
    let own = staff.has_role(Role::AccountManager)
        && !staff.has_role(Role::BranchManager)
        && !staff.has_role(Role::Collector);
    worklist(r, staff, d, "disbursed", own, 1).map(Some)
}

/// The alerts of the user's node.
fn alerts(r: &ReadTx<'_>, staff: &Staff, date: NaiveDate, today: NaiveDate) -> Result<Vec<Alert>, AppError> {
    let mut alerts = Vec::new();
    if r.eod_run(date)?.is_some_and(|run| run.status == "running") {
        alerts.push(Alert::EodStoppedHalfWay { date });
    } else if date < today {
        alerts.push(Alert::EodNotRun {
            business_date: date,
            today,
        });
    }
    let (_, loans) = r.loan_briefs(staff.node_id, "disbursed", None, ALERT_DAYS_PAST_DUE, 0)?;
    if loans > 0 {
        alerts.push(Alert::PastDue90 { loans });
    }
    let since = date
        .checked_sub_days(chrono::Days::new(ALERT_PROMISE_DAYS))
        .unwrap_or(date);
    let promises = r.broken_promises(staff.node_id, None, since)?;
    if promises > 0 {
        alerts.push(Alert::BrokenPromises { promises });
    }
    Ok(alerts)
}
