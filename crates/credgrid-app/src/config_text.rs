//! The canonical text of configuration payloads (maker-checker, issue 4 §7):
//! what a proposal stores, what a checker reads as a line diff, and what the
//! configuration in force is kept as.
//!
//! A product is one `key=value` per line (the value runs to the end of the
//! line). Tier rules, limits, roles and the chart are one record per line
//! of space-separated `key=value` tokens whose values hold no spaces
//! (lists are comma-separated). Amounts are major units in the payload's
//! currency, rates are annual fractions (`0.12` = 12 %). Decoding refuses
//! an unknown key, a repeated key and a missing one, naming the line.

use crate::error::AppError;
use crate::model::NewProduct;
use credgrid_core::authz::{Permission, PermissionMatrix, Role};
use credgrid_core::collateral::CollateralKind;
use credgrid_core::ledger::{AccountCode, AccountKind};
use credgrid_core::money::parse_plain_decimal;
use credgrid_core::origination::{
    BorrowerKind, CeilingEntry, Ceilings, Tier, TierConditions, TierRule, TierRules,
};
use credgrid_core::{Currency, Money};
use rust_decimal::Decimal;

/// The field every payload error names.
const FIELD: &str = "payload";
/// The longest payload accepted, in bytes.
pub(crate) const PAYLOAD_LEN_MAX: usize = 32 * 1024;

fn bad(line: usize, reason: impl std::fmt::Display) -> AppError {
    AppError::invalid(FIELD, format!("line {line}: {reason}"))
}

/// One record: its `key=value` pairs and which were read.
struct Record {
    line: usize,
    pairs: Vec<(String, String)>,
    used: Vec<bool>,
}

impl Record {
    fn new(line: usize, pairs: Vec<(String, String)>) -> Result<Record, AppError> {
        for (i, (k, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(other, _)| other == k) {
                return Err(bad(line, format!("`{k}` is given twice")));
            }
        }
        let used = vec![false; pairs.len()];
        Ok(Record { line, pairs, used })
    }

    fn opt(&mut self, key: &str) -> Option<String> {
        let i = self.pairs.iter().position(|(k, _)| k == key)?;
        self.used[i] = true;
        Some(self.pairs[i].1.clone())
    }

    fn req(&mut self, key: &str) -> Result<String, AppError> {
        self.opt(key)
            .ok_or_else(|| bad(self.line, format!("`{key}` is missing")))
    }

    fn finish(self) -> Result<(), AppError> {
        match self.pairs.iter().zip(&self.used).find(|(_, used)| !**used) {
            Some(((k, _), _)) => Err(bad(self.line, format!("`{k}` is not a known key here"))),
            None => Ok(()),
        }
    }

    fn bad(&self, key: &str, reason: impl std::fmt::Display) -> AppError {
        bad(self.line, format!("{key}: {reason}"))
    }
}

fn checked_lines(text: &str) -> Result<Vec<(usize, &str)>, AppError> {
    if text.len() > PAYLOAD_LEN_MAX {
        return Err(AppError::invalid(
            FIELD,
            format!("must be at most {PAYLOAD_LEN_MAX} bytes"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::invalid(FIELD, "must not contain control characters"));
    }
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect())
}

/// Records of space-separated `key=value` tokens.
fn token_records(text: &str) -> Result<Vec<Record>, AppError> {
    checked_lines(text)?
        .into_iter()
        .map(|(n, line)| {
            let pairs = line
                .split_whitespace()
                .map(|t| {
                    let (k, v) = t
                        .split_once('=')
                        .ok_or_else(|| bad(n, format!("`{t}` is not key=value")))?;
                    Ok((k.to_string(), v.to_string()))
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            Record::new(n, pairs)
        })
        .collect()
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn currency_record(rec: &mut Record) -> Result<Currency, AppError> {
    let code = rec.req("currency")?;
    let digits = rec.req("digits")?;
    let digits: u8 = digits.parse().map_err(|_| rec.bad("digits", "must be 0 to 6"))?;
    Currency::new(&code, digits).map_err(|e| rec.bad("currency", e))
}

fn money(rec: &Record, key: &str, text: &str, currency: Currency) -> Result<Money, AppError> {
    let m = Money::parse_major(text, currency).map_err(|e| rec.bad(key, e))?;
    if m.is_negative() {
        return Err(rec.bad(key, "must not be negative"));
    }
    Ok(m)
}

fn name_token(rec: &Record, key: &str, text: &str) -> Result<String, AppError> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        return Err(rec.bad(key, "must be 1 to 64 letters, digits, '-', '_' or '.'"));
    }
    Ok(text.to_string())
}

fn flag(rec: &Record, key: &str, text: &str) -> Result<bool, AppError> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(rec.bad(key, "must be true or false")),
    }
}

fn borrower_name(kind: BorrowerKind) -> &'static str {
    match kind {
        BorrowerKind::Household => "household",
        BorrowerKind::Business => "business",
    }
}

fn borrower(rec: &Record, text: &str) -> Result<BorrowerKind, AppError> {
    match text {
        "household" => Ok(BorrowerKind::Household),
        "business" => Ok(BorrowerKind::Business),
        _ => Err(rec.bad("borrowers", format!("`{text}` is not household or business"))),
    }
}

fn role(rec: &Record, key: &str, text: &str) -> Result<Role, AppError> {
    Role::parse(text).map_err(|e| rec.bad(key, e))
}

/// The first line of tier rules and limits: their currency.
fn currency_line(c: Currency) -> String {
    format!("currency={} digits={}", c.code(), c.digits())
}

// Tier rules.

pub(crate) fn encode_tier_rules(rules: &TierRules, currency: Currency) -> String {
    let mut out = currency_line(currency);
    for rule in &rules.rules {
        out.push('\n');
        out.push_str(&tier_rule_line(rule));
    }
    out
}

fn tier_rule_line(rule: &TierRule) -> String {
    let w = &rule.when;
    let mut line = format!("rule={} tier={}", rule.name, rule.tier.name());
    if let Some(m) = w.amount_max {
        line.push_str(&format!(" amount_max={}", m.to_major_string()));
    }
    if let Some(m) = w.exposure_after_max {
        line.push_str(&format!(" exposure_after_max={}", m.to_major_string()));
    }
    let joined = |items: Vec<&str>| items.join(",");
    if !w.products.is_empty() {
        line.push_str(&format!(" products={}", w.products.join(",")));
    }
    if !w.borrowers.is_empty() {
        let names = w.borrowers.iter().map(|b| borrower_name(*b)).collect();
        line.push_str(&format!(" borrowers={}", joined(names)));
    }
    if !w.grades.is_empty() {
        line.push_str(&format!(" grades={}", w.grades.join(",")));
    }
    if let Some(pure) = w.pure_credit {
        line.push_str(&format!(" pure_credit={pure}"));
    }
    if !w.collateral_kinds.is_empty() {
        let names = w.collateral_kinds.iter().map(|k| k.name()).collect();
        line.push_str(&format!(" collateral={}", joined(names)));
    }
    if w.within_line {
        line.push_str(" within_line=true");
    }
    line
}

pub(crate) fn decode_tier_rules(text: &str) -> Result<(Currency, TierRules), AppError> {
    let mut records = token_records(text)?.into_iter();
    let mut head = records
        .next()
        .ok_or_else(|| AppError::invalid(FIELD, "must start with a currency=… digits=… line"))?;
    let currency = currency_record(&mut head)?;
    head.finish()?;
    let mut rules = Vec::new();
    for rec in records {
        let rule = tier_rule(rec, currency)?;
        if rules.iter().any(|r: &TierRule| r.name == rule.name) {
            return Err(AppError::invalid(
                FIELD,
                format!("rule `{}` is given twice", rule.name),
            ));
        }
        rules.push(rule);
    }
    if rules.is_empty() {
        return Err(AppError::invalid(FIELD, "must hold at least one rule"));
    }
    Ok((currency, TierRules { rules }))
}

fn tier_rule(mut rec: Record, currency: Currency) -> Result<TierRule, AppError> {
    let name = rec.req("rule")?;
    let name = name_token(&rec, "rule", &name)?;
    let tier_text = rec.req("tier")?;
    let tier = Tier::parse(&tier_text).ok_or_else(|| rec.bad("tier", "must be low, medium or high"))?;
    let mut when = TierConditions::default();
    if let Some(t) = rec.opt("amount_max") {
        when.amount_max = Some(money(&rec, "amount_max", &t, currency)?);
    }
    if let Some(t) = rec.opt("exposure_after_max") {
        when.exposure_after_max = Some(money(&rec, "exposure_after_max", &t, currency)?);
    }
    if let Some(t) = rec.opt("products") {
        when.products = list(&t);
    }
    if let Some(t) = rec.opt("borrowers") {
        when.borrowers = list(&t)
            .iter()
            .map(|b| borrower(&rec, b))
            .collect::<Result<_, _>>()?;
    }
    if let Some(t) = rec.opt("grades") {
        when.grades = list(&t);
    }
    if let Some(t) = rec.opt("pure_credit") {
        when.pure_credit = Some(flag(&rec, "pure_credit", &t)?);
    }
    if let Some(t) = rec.opt("collateral") {
        when.collateral_kinds = list(&t)
            .iter()
            .map(|k| {
                CollateralKind::parse(k).ok_or_else(|| rec.bad("collateral", format!("unknown kind `{k}`")))
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(t) = rec.opt("within_line") {
        when.within_line = flag(&rec, "within_line", &t)?;
    }
    rec.finish()?;
    Ok(TierRule { name, tier, when })
}

// Limits (approval ceilings by role and node).

pub(crate) fn encode_ceilings(ceilings: &Ceilings, currency: Currency) -> String {
    let mut out = currency_line(currency);
    for e in &ceilings.entries {
        out.push_str(&format!("\nrole={}", e.role.name()));
        if let Some(node) = e.node {
            out.push_str(&format!(" node={node}"));
        }
        out.push_str(&format!(" ceiling={}", e.ceiling.to_major_string()));
    }
    out
}

pub(crate) fn decode_ceilings(text: &str) -> Result<(Currency, Ceilings), AppError> {
    let mut records = token_records(text)?.into_iter();
    let mut head = records
        .next()
        .ok_or_else(|| AppError::invalid(FIELD, "must start with a currency=… digits=… line"))?;
    let currency = currency_record(&mut head)?;
    head.finish()?;
    let mut entries: Vec<CeilingEntry> = Vec::new();
    for mut rec in records {
        let role_text = rec.req("role")?;
        let role = role(&rec, "role", &role_text)?;
        let node = match rec.opt("node") {
            Some(t) => Some(
                t.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| rec.bad("node", "must be a node id"))?,
            ),
            None => None,
        };
        let ceiling_text = rec.req("ceiling")?;
        let ceiling = money(&rec, "ceiling", &ceiling_text, currency)?;
        if entries.iter().any(|e| e.role == role && e.node == node) {
            return Err(rec.bad("role", "this role and node are given twice"));
        }
        rec.finish()?;
        entries.push(CeilingEntry { role, node, ceiling });
    }
    Ok((currency, Ceilings { entries }))
}

// Roles: the role→permission grants, and users' roles.

/// A change of roles: the full permission list of each named role, and
/// the full role list of each named user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RolesChange {
    pub(crate) grants: Vec<(Role, Vec<Permission>)>,
    pub(crate) users: Vec<(i64, Vec<Role>)>,
}

pub(crate) fn encode_roles(change: &RolesChange) -> String {
    let mut lines = Vec::new();
    for (role, permissions) in &change.grants {
        let names: Vec<String> = permissions.iter().map(|p| p.name()).collect();
        lines.push(format!("role={} permissions={}", role.name(), names.join(",")));
    }
    for (user, roles) in &change.users {
        let names: Vec<&str> = roles.iter().map(|r| r.name()).collect();
        lines.push(format!("user={user} roles={}", names.join(",")));
    }
    lines.join("\n")
}

pub(crate) fn decode_roles(text: &str) -> Result<RolesChange, AppError> {
    let mut change = RolesChange::default();
    for mut rec in token_records(text)? {
        if let Some(role_text) = rec.opt("role") {
            let role = role(&rec, "role", &role_text)?;
            let mut permissions = list(&rec.req("permissions")?)
                .iter()
                .map(|p| Permission::parse(p).map_err(|e| rec.bad("permissions", e)))
                .collect::<Result<Vec<_>, _>>()?;
            permissions.sort();
            permissions.dedup();
            if change.grants.iter().any(|(r, _)| *r == role) {
                return Err(rec.bad("role", "this role is given twice"));
            }
            rec.finish()?;
            change.grants.push((role, permissions));
            continue;
        }
        let user_text = rec.req("user")?;
        let user = user_text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| rec.bad("user", "must be a user id"))?;
        let roles = Role::parse_list(&rec.req("roles")?).map_err(|e| rec.bad("roles", e))?;
        if roles.is_empty() {
            return Err(rec.bad("roles", "a user needs at least one role"));
        }
        if change.users.iter().any(|(u, _)| *u == user) {
            return Err(rec.bad("user", "this user is given twice"));
        }
        rec.finish()?;
        change.users.push((user, roles));
    }
    if change.grants.is_empty() && change.users.is_empty() {
        return Err(AppError::invalid(FIELD, "must name at least one role or user"));
    }
    Ok(change)
}

/// The whole matrix as role lines (the roles version in force).
pub(crate) fn encode_matrix(matrix: &PermissionMatrix) -> String {
    let grants = Role::ALL
        .into_iter()
        .map(|r| (r, matrix.permissions(r)))
        .collect();
    encode_roles(&RolesChange {
        grants,
        users: Vec::new(),
    })
}

/// The matrix a roles version describes (roles it omits grant nothing).
pub(crate) fn decode_matrix(text: &str) -> Result<PermissionMatrix, AppError> {
    let change = decode_roles(text)?;
    let mut matrix = PermissionMatrix::empty();
    for (role, permissions) in change.grants {
        for p in permissions {
            matrix.grant(role, p);
        }
    }
    Ok(matrix)
}

// The chart of accounts: accounts to add.

/// An account to add to the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NewAccount {
    pub(crate) code: AccountCode,
    pub(crate) kind: AccountKind,
    pub(crate) parent: Option<AccountCode>,
}

pub(crate) fn encode_chart(accounts: &[NewAccount]) -> String {
    let lines: Vec<String> = accounts
        .iter()
        .map(|a| {
            let mut line = format!("account={} kind={}", a.code, a.kind.code());
            if let Some(p) = a.parent {
                line.push_str(&format!(" parent={p}"));
            }
            line
        })
        .collect();
    lines.join("\n")
}

pub(crate) fn decode_chart(text: &str) -> Result<Vec<NewAccount>, AppError> {
    let mut accounts: Vec<NewAccount> = Vec::new();
    for mut rec in token_records(text)? {
        let code_text = rec.req("account")?;
        let code = AccountCode::parse(&code_text).map_err(|e| rec.bad("account", e))?;
        let kind_text = rec.req("kind")?;
        let kind = AccountKind::parse(&kind_text).map_err(|e| rec.bad("kind", e))?;
        let parent = match rec.opt("parent") {
            Some(t) => Some(AccountCode::parse(&t).map_err(|e| rec.bad("parent", e))?),
            None => None,
        };
        if accounts.iter().any(|a| a.code == code) {
            return Err(rec.bad("account", "this account is given twice"));
        }
        rec.finish()?;
        accounts.push(NewAccount { code, kind, parent });
    }
    if accounts.is_empty() {
        return Err(AppError::invalid(FIELD, "must add at least one account"));
    }
    Ok(accounts)
}

// Products: one `key=value` per line.

pub(crate) fn encode_product(p: &NewProduct) -> String {
    let multiple = p
        .installment_multiple
        .map(|m| m.to_major_string())
        .unwrap_or_default();
    let lines = [
        ("code", p.code.clone()),
        ("name", p.name.clone()),
        ("currency", p.currency.code().to_string()),
        ("currency_digits", p.currency.digits().to_string()),
        ("amount_min", p.amount_min.to_major_string()),
        ("amount_max", p.amount_max.to_major_string()),
        ("installments_min", p.installments_min.to_string()),
        ("installments_max", p.installments_max.to_string()),
        ("installments_default", p.installments_default.to_string()),
        ("annual_rate_min", p.annual_rate_min.to_string()),
        ("annual_rate_max", p.annual_rate_max.to_string()),
        ("annual_rate_default", p.annual_rate_default.to_string()),
        ("method", p.method.clone()),
        ("every", p.every.to_string()),
        ("unit", p.unit.clone()),
        ("interest_period", p.interest_period.clone()),
        ("days_in_year", p.days_in_year.clone()),
        ("days_in_month", p.days_in_month.clone()),
        ("rounding_mode", p.rounding_mode.clone()),
        ("installment_multiple", multiple),
        ("grace_principal_periods", p.grace_principal_periods.to_string()),
        ("grace_interest_periods", p.grace_interest_periods.to_string()),
        ("penalty_uplift", p.penalty_uplift.to_string()),
        ("compound_interest", p.compound_interest.to_string()),
        ("allocation_order", p.allocation_order.join(",")),
        ("disbursement_fee_flat", p.disbursement_fee_flat.to_major_string()),
        ("disbursement_fee_rate", p.disbursement_fee_rate.to_string()),
    ];
    let text: Vec<String> = lines.iter().map(|(k, v)| format!("{k}={v}")).collect();
    text.join("\n")
}

pub(crate) fn decode_product(text: &str) -> Result<NewProduct, AppError> {
    let pairs = checked_lines(text)?
        .into_iter()
        .map(|(n, line)| {
            let (k, v) = line.split_once('=').ok_or_else(|| bad(n, "is not key=value"))?;
            Ok((k.trim().to_string(), v.trim().to_string()))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let mut rec = Record::new(0, pairs)?;
    let digits = uint(&mut rec, "currency_digits")?;
    let digits = u8::try_from(digits).map_err(|_| rec.bad("currency_digits", "must be 0 to 6"))?;
    let code = rec.req("currency")?;
    let currency = Currency::new(&code, digits).map_err(|e| rec.bad("currency", e))?;
    let amount = |rec: &mut Record, key: &str| -> Result<Money, AppError> {
        let t = rec.req(key)?;
        Money::parse_major(&t, currency).map_err(|e| rec.bad(key, e))
    };
    let multiple = rec.req("installment_multiple")?;
    let product = NewProduct {
        code: rec.req("code")?,
        name: rec.req("name")?,
        currency,
        amount_min: amount(&mut rec, "amount_min")?,
        amount_max: amount(&mut rec, "amount_max")?,
        installments_min: uint(&mut rec, "installments_min")?,
        installments_max: uint(&mut rec, "installments_max")?,
        installments_default: uint(&mut rec, "installments_default")?,
        annual_rate_min: rate(&mut rec, "annual_rate_min")?,
        annual_rate_max: rate(&mut rec, "annual_rate_max")?,
        annual_rate_default: rate(&mut rec, "annual_rate_default")?,
        method: rec.req("method")?,
        every: uint(&mut rec, "every")?,
        unit: rec.req("unit")?,
        interest_period: rec.req("interest_period")?,
        days_in_year: rec.req("days_in_year")?,
        days_in_month: rec.req("days_in_month")?,
        rounding_mode: rec.req("rounding_mode")?,
        installment_multiple: match multiple.as_str() {
            "" => None,
            t => Some(Money::parse_major(t, currency).map_err(|e| rec.bad("installment_multiple", e))?),
        },
        grace_principal_periods: uint(&mut rec, "grace_principal_periods")?,
        grace_interest_periods: uint(&mut rec, "grace_interest_periods")?,
        penalty_uplift: rate(&mut rec, "penalty_uplift")?,
        compound_interest: {
            let t = rec.req("compound_interest")?;
            flag(&rec, "compound_interest", &t)?
        },
        allocation_order: list(&rec.req("allocation_order")?),
        disbursement_fee_flat: amount(&mut rec, "disbursement_fee_flat")?,
        disbursement_fee_rate: rate(&mut rec, "disbursement_fee_rate")?,
    };
    rec.finish()?;
    Ok(product)
}

fn uint(rec: &mut Record, key: &str) -> Result<u32, AppError> {
    let t = rec.req(key)?;
    t.parse().map_err(|_| rec.bad(key, "must be a whole number"))
}

fn rate(rec: &mut Record, key: &str) -> Result<Decimal, AppError> {
    let t = rec.req(key)?;
    parse_plain_decimal(&t).map_err(|e| rec.bad(key, e))
}

/// One line of a diff: `+` added, `-` removed, ` ` unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub op: char,
    pub text: String,
}

/// The line diff from `before` to `after` (longest common subsequence;
/// payloads are a few dozen lines).
pub(crate) fn diff(before: &str, after: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0_usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let line = |op, text: &str| DiffLine {
        op,
        text: text.to_string(),
    };
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(line(' ', a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(line('-', a[i]));
            i += 1;
        } else {
            out.push(line('+', b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_tier_rules_and_ceilings_round_trip_through_their_text() {
        for currency in [Currency::CNY, Currency::new("JPY", 0).unwrap()] {
            let rules = TierRules::defaults(currency);
            let text = encode_tier_rules(&rules, currency);
            assert_eq!(decode_tier_rules(&text).unwrap(), (currency, rules));
            let ceilings = Ceilings::defaults(currency);
            let text = encode_ceilings(&ceilings, currency);
            assert_eq!(decode_ceilings(&text).unwrap(), (currency, ceilings));
        }
    }

    #[test]
    fn the_default_matrix_round_trips_and_a_chart_change_reads_back() {
        let matrix = PermissionMatrix::default();
        assert_eq!(decode_matrix(&encode_matrix(&matrix)).unwrap(), matrix);
        let chart = "account=1399 kind=asset parent=13\naccount=6799 kind=expense";
        let accounts = decode_chart(chart).unwrap();
        assert_eq!(accounts.len(), 2);
        assert_eq!(encode_chart(&accounts), chart);
    }

    #[test]
    fn bad_payloads_name_the_line_and_the_key() {
        let cases = [
            ("currency=CNY digits=2\nrule=x tier=huge", "line 2: tier"),
            (
                "currency=CNY digits=2\nrule=x tier=low amount_max=-1",
                "line 2: amount_max",
            ),
            (
                "currency=CNY digits=2\nrule=x tier=low colour=red",
                "`colour` is not a known key",
            ),
            (
                "currency=CNY digits=2\nrule=x tier=low tier=high",
                "`tier` is given twice",
            ),
            ("rule=x tier=low", "`currency` is missing"),
        ];
        for (text, expected) in cases {
            let error = decode_tier_rules(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
        let error = decode_roles("role=teller permissions=loan.fly")
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 1: permissions"), "{error}");
        let error = decode_roles("user=7 roles=").unwrap_err().to_string();
        assert!(error.contains("at least one role"), "{error}");
        let error = decode_ceilings("currency=CNY digits=2\nrole=approver ceiling=1.001")
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 2: ceiling"), "{error}");
    }

    #[test]
    fn the_diff_marks_removed_and_added_lines_and_keeps_the_rest() {
        let before = "a\nb\nc";
        let after = "a\nB\nc\nd";
        let ops: String = diff(before, after).iter().map(|l| l.op).collect();
        assert_eq!(ops, " -+ +");
        let texts: Vec<String> = diff(before, after).into_iter().map(|l| l.text).collect();
        assert_eq!(texts, ["a", "b", "B", "c", "d"]);
        assert!(diff("", "x").iter().all(|l| l.op == '+'));
    }
}
