//! The general ledger in SQL: the chart of accounts, the append-only journal
//! (entries and lines), the trial balance per node and date, and the checks
//! that prove the books balance.

use crate::day::Day;
use crate::error::{Refine, StoreError};
use crate::store::{ReadTx, WriteTx};
use chrono::{NaiveDate, Utc};
use credgrid_core::ledger::{AccountCode, AccountKind, JournalEntry, JournalLine, Side};
use credgrid_core::{Currency, Money};
use rusqlite::{OptionalExtension, Row, params};

/// An account of the chart as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    pub code: String,
    /// `AccountKind::code()`: `asset`, `contra_asset`, …
    pub kind: String,
    /// Catalogue key of the name (`account.1301`).
    pub name_key: String,
    pub parent_code: Option<String>,
}

/// What an entry is about (its lines come from a core `JournalEntry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJournalEntry {
    pub business_date: NaiveDate,
    /// `PostingEvent::code()`, or `eod` etc. for aggregated postings.
    pub event: String,
    pub loan_id: Option<i64>,
    pub outlet_id: i64,
    pub product_id: Option<i64>,
    pub description: String,
    pub reverses_id: Option<i64>,
}

/// A stored line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalLineRow {
    pub line_no: u32,
    pub account_code: String,
    pub currency: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
}

/// A stored entry with its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntryRow {
    pub id: i64,
    pub business_date: NaiveDate,
    pub event: String,
    pub loan_id: Option<i64>,
    pub outlet_id: i64,
    pub product_id: Option<i64>,
    pub description: String,
    pub reverses_id: Option<i64>,
    pub created_at: String,
    pub lines: Vec<JournalLineRow>,
}

impl JournalEntryRow {
    /// The entry as a core value (e.g. to build its reversal). `digits`
    /// gives a currency's minor-unit digits.
    pub fn to_core(&self, digits: impl Fn(&str) -> u8) -> Result<JournalEntry, StoreError> {
        let invalid = |column, reason: String| StoreError::InvalidData {
            table: "journal_line",
            column,
            reason,
        };
        let mut lines = Vec::with_capacity(self.lines.len());
        for l in &self.lines {
            let currency = Currency::new(&l.currency, digits(&l.currency))
                .map_err(|e| invalid("currency", e.to_string()))?;
            let account =
                AccountCode::parse(&l.account_code).map_err(|e| invalid("account_code", e.to_string()))?;
            let (side, minor) = if l.debit_minor > 0 {
                (Side::Debit, l.debit_minor)
            } else {
                (Side::Credit, l.credit_minor)
            };
            lines.push(JournalLine {
                account,
                side,
                amount: Money::from_minor(minor, currency),
            });
        }
        JournalEntry::new(lines).map_err(|e| invalid("entry", e.to_string()))
    }
}

/// One row of a trial balance: an account's debit and credit totals in one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrialBalanceRow {
    pub account_code: String,
    pub kind: String,
    pub currency: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
}

impl TrialBalanceRow {
    /// The balance on the account's normal side (positive when the account
    /// stands where it should: assets in debit, income in credit, …).
    pub fn balance_minor(&self) -> Result<i64, StoreError> {
        let kind = AccountKind::parse(&self.kind).map_err(|e| StoreError::InvalidData {
            table: "account",
            column: "kind",
            reason: e.to_string(),
        })?;
        let (plus, minus) = match kind.normal_side() {
            Side::Debit => (self.debit_minor, self.credit_minor),
            Side::Credit => (self.credit_minor, self.debit_minor),
        };
        plus.checked_sub(minus).ok_or(StoreError::InvalidData {
            table: "journal_line",
            column: "debit_minor",
            reason: "balance overflows".into(),
        })
    }
}

/// An entry that does not balance in one currency (the check's finding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnbalancedEntry {
    pub entry_id: i64,
    pub currency: String,
    /// Debits minus credits.
    pub difference_minor: i64,
}

/// Sum of the summary balances of active loans in one currency (for
/// reconciling the sub-ledger with the GL).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LoanTotalsRow {
    pub currency: String,
    pub loans: i64,
    pub principal_outstanding_minor: i64,
    pub interest_accrued_minor: i64,
    pub penalty_accrued_minor: i64,
    pub fees_due_minor: i64,
    pub provision_minor: i64,
    pub written_off_minor: i64,
}

const SUBTREE: &str = "WITH RECURSIVE sub(id) AS (SELECT id FROM org_node WHERE id = ?2
    UNION ALL SELECT n.id FROM org_node n JOIN sub ON n.parent_id = sub.id)";

const ENTRY_COLUMNS: &str =
    "id, business_date, event, loan_id, outlet_id, product_id, description, reverses_id, created_at";

fn entry_head(r: &Row<'_>) -> rusqlite::Result<JournalEntryRow> {
    Ok(JournalEntryRow {
        id: r.get(0)?,
        business_date: r.get(1)?,
        event: r.get(2)?,
        loan_id: r.get(3)?,
        outlet_id: r.get(4)?,
        product_id: r.get(5)?,
        description: r.get(6)?,
        reverses_id: r.get(7)?,
        created_at: r.get(8)?,
        lines: Vec::new(),
    })
}

impl ReadTx<'_> {
    /// The chart of accounts, by code.
    pub fn accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT code, kind, name_key, parent_code FROM account ORDER BY code")
            .refine()?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AccountRow {
                    code: r.get(0)?,
                    kind: r.get(1)?,
                    name_key: r.get(2)?,
                    parent_code: r.get(3)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    pub fn journal_entry(&self, id: i64) -> Result<JournalEntryRow, StoreError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM journal_entry WHERE id = ?1");
        let head = self
            .conn
            .prepare_cached(&sql)
            .refine()?
            .query_row([id], entry_head)
            .optional()
            .refine()?;
        let mut entry = head.ok_or(StoreError::NotFound {
            table: "journal_entry",
            id,
        })?;
        entry.lines = self.journal_lines(id)?;
        Ok(entry)
    }

    /// The earliest business date of any journal entry (`None`: no entry yet).
    pub fn first_journal_date(&self) -> Result<Option<NaiveDate>, StoreError> {
        self.conn
            .prepare_cached("SELECT MIN(business_date) FROM journal_entry")
            .refine()?
            .query_row([], |r| r.get(0))
            .refine()
    }

    /// Entries with an id greater than `after_id`, oldest first, with lines.
    pub fn journal_entries(&self, after_id: i64, limit: u32) -> Result<Vec<JournalEntryRow>, StoreError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM journal_entry WHERE id > ?1 ORDER BY id LIMIT ?2");
        self.entries_with_lines(&sql, params![after_id, limit])
    }

    /// A loan's entries, oldest first, with lines. Its repayment entries are
    /// found through its transactions (the loan index leaves them out, see
    /// migration 018); the others through the index.
    pub fn loan_journal(&self, loan_id: i64) -> Result<Vec<JournalEntryRow>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM journal_entry WHERE loan_id = ?1 AND event <> 'repayment'
             UNION ALL
             SELECT {ENTRY_COLUMNS} FROM journal_entry WHERE id IN
                 (SELECT journal_entry_id FROM loan_transaction WHERE loan_id = ?1)
               AND loan_id = ?1 AND event = 'repayment'
             ORDER BY id"
        );
        self.entries_with_lines(&sql, params![loan_id])
    }

    /// Check: repayment entries of a loan that no transaction of that loan
    /// refers to — the loan's journal (`loan_journal`) would not show them.
    pub fn unlinked_repayment_entries(&self, limit: u32) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT e.id, e.loan_id FROM journal_entry e
                 WHERE e.event = 'repayment' AND e.loan_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM loan_transaction t
                                   WHERE t.loan_id = e.loan_id AND t.journal_entry_id = e.id)
                 ORDER BY e.id LIMIT ?1",
            )
            .refine()?;
        let rows = stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?))).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    fn entries_with_lines(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<JournalEntryRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).refine()?;
        let heads: Vec<JournalEntryRow> = stmt
            .query_map(args, entry_head)
            .refine()?
            .collect::<Result<_, _>>()
            .refine()?;
        let mut entries = heads;
        for entry in &mut entries {
            entry.lines = self.journal_lines(entry.id)?;
        }
        Ok(entries)
    }

    fn journal_lines(&self, entry_id: i64) -> Result<Vec<JournalLineRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT line_no, account_code, currency, debit_minor, credit_minor FROM journal_line
                 WHERE entry_id = ?1 ORDER BY line_no",
            )
            .refine()?;
        let rows = stmt
            .query_map([entry_id], |r| {
                Ok(JournalLineRow {
                    line_no: r.get(0)?,
                    account_code: r.get(1)?,
                    currency: r.get(2)?,
                    debit_minor: r.get(3)?,
                    credit_minor: r.get(4)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Debit and credit totals per account and currency over the entries
    /// dated on or before `as_of`, for the outlets at or below `node_id`
    /// (`None`: the whole institution). Ordered by account, then currency.
    /// Reads the per-day rollup `gl_daily` (kept by `insert_journal_entry`).
    pub fn trial_balance(
        &self,
        as_of: NaiveDate,
        node_id: Option<i64>,
    ) -> Result<Vec<TrialBalanceRow>, StoreError> {
        let sql = format!(
            "{SUBTREE}
             SELECT g.account_code, a.kind, g.currency, SUM(g.debit_minor), SUM(g.credit_minor)
             FROM gl_daily g JOIN account a ON a.code = g.account_code
             WHERE g.business_date <= ?1 AND (?2 IS NULL OR g.outlet_id IN (SELECT id FROM sub))
             GROUP BY g.account_code, g.currency ORDER BY g.account_code, g.currency"
        );
        self.trial_balance_rows(&sql, as_of, node_id)
    }

    /// The same trial balance summed from every journal line (slow on a big
    /// journal; `check` and tests compare it with `trial_balance`).
    pub fn trial_balance_from_journal(
        &self,
        as_of: NaiveDate,
        node_id: Option<i64>,
    ) -> Result<Vec<TrialBalanceRow>, StoreError> {
        let sql = format!(
            "{SUBTREE}
             SELECT l.account_code, a.kind, l.currency, SUM(l.debit_minor), SUM(l.credit_minor)
             FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id JOIN account a ON a.code = l.account_code
             WHERE e.business_date <= ?1 AND (?2 IS NULL OR e.outlet_id IN (SELECT id FROM sub))
             GROUP BY l.account_code, l.currency ORDER BY l.account_code, l.currency"
        );
        self.trial_balance_rows(&sql, as_of, node_id)
    }

    fn trial_balance_rows(
        &self,
        sql: &str,
        as_of: NaiveDate,
        node_id: Option<i64>,
    ) -> Result<Vec<TrialBalanceRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).refine()?;
        let rows = stmt
            .query_map(params![as_of, node_id], |r| {
                Ok(TrialBalanceRow {
                    account_code: r.get(0)?,
                    kind: r.get(1)?,
                    currency: r.get(2)?,
                    debit_minor: r.get(3)?,
                    credit_minor: r.get(4)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Check: (date, outlet, account, currency) groups where the per-day
    /// rollup disagrees with the journal lines (at most `limit`, described).
    /// Scans the whole journal.
    pub fn gl_rollup_mismatches(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "WITH raw AS (
                   SELECT e.business_date AS d, e.outlet_id AS o, l.account_code AS a, l.currency AS c,
                          SUM(l.debit_minor) AS dr, SUM(l.credit_minor) AS cr
                   FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id GROUP BY 1, 2, 3, 4)
                 SELECT d, o, a, c FROM raw WHERE NOT EXISTS (SELECT 1 FROM gl_daily g
                   WHERE g.business_date = d AND g.outlet_id = o AND g.account_code = a AND g.currency = c
                     AND g.debit_minor = dr AND g.credit_minor = cr)
                 UNION ALL
                 SELECT business_date, outlet_id, account_code, currency FROM gl_daily g WHERE NOT EXISTS
                   (SELECT 1 FROM raw WHERE d = g.business_date AND o = g.outlet_id AND a = g.account_code
                      AND c = g.currency)
                 LIMIT ?1",
            )
            .refine()?;
        let rows = stmt
            .query_map([limit], |r| {
                let (d, o, a, c): (String, i64, String, String) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                Ok(format!(
                    "gl_daily {d} outlet {o} account {a} {c} disagrees with the journal"
                ))
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Check: entries whose lines do not balance per currency (at most `limit`).
    pub fn unbalanced_entries(&self, limit: u32) -> Result<Vec<UnbalancedEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT entry_id, currency, SUM(debit_minor) - SUM(credit_minor) AS d FROM journal_line
                 GROUP BY entry_id, currency HAVING d <> 0 ORDER BY entry_id LIMIT ?1",
            )
            .refine()?;
        let rows = stmt
            .query_map([limit], |r| {
                Ok(UnbalancedEntry {
                    entry_id: r.get(0)?,
                    currency: r.get(1)?,
                    difference_minor: r.get(2)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Check: ids of entries that have no lines (at most `limit`).
    pub fn entries_without_lines(&self, limit: u32) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT e.id FROM journal_entry e WHERE NOT EXISTS
                   (SELECT 1 FROM journal_line l WHERE l.entry_id = e.id) ORDER BY e.id LIMIT ?1",
            )
            .refine()?;
        let rows = stmt.query_map([limit], |r| r.get(0)).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Check: debits minus credits of the whole journal per currency; every
    /// value is zero when the books balance.
    pub fn trial_balance_net(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT currency, SUM(debit_minor) - SUM(credit_minor) FROM journal_line GROUP BY currency ORDER BY currency",
            )
            .refine()?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).refine()?;
        rows.collect::<Result<_, _>>().refine()
    }

    /// Summary balances of the active loans (`disbursed`) at or below
    /// `node_id` (`None`: all), per currency.
    pub fn loan_totals(&self, node_id: Option<i64>) -> Result<Vec<LoanTotalsRow>, StoreError> {
        let sql = "WITH RECURSIVE sub(id) AS (SELECT id FROM org_node WHERE id = ?1
               UNION ALL SELECT n.id FROM org_node n JOIN sub ON n.parent_id = sub.id)
             SELECT currency, COUNT(*), SUM(principal_outstanding_minor), SUM(interest_accrued_minor),
                    SUM(penalty_accrued_minor), SUM(fees_due_minor), SUM(provision_minor), SUM(written_off_minor)
             FROM loan WHERE status = 'disbursed' AND (?1 IS NULL OR outlet_id IN (SELECT id FROM sub))
             GROUP BY currency ORDER BY currency";
        let mut stmt = self.conn.prepare_cached(sql).refine()?;
        let rows = stmt
            .query_map(params![node_id], |r| {
                Ok(LoanTotalsRow {
                    currency: r.get(0)?,
                    loans: r.get(1)?,
                    principal_outstanding_minor: r.get(2)?,
                    interest_accrued_minor: r.get(3)?,
                    penalty_accrued_minor: r.get(4)?,
                    fees_due_minor: r.get(5)?,
                    provision_minor: r.get(6)?,
                    written_off_minor: r.get(7)?,
                })
            })
            .refine()?;
        rows.collect::<Result<_, _>>().refine()
    }
}

impl WriteTx<'_> {
    /// Appends a balanced entry (the core type guarantees the balance) with
    /// its metadata. Returns the entry id; lines are numbered from 1.
    pub fn insert_journal_entry(
        &mut self,
        meta: &NewJournalEntry,
        entry: &JournalEntry,
    ) -> Result<i64, StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO journal_entry (business_date, event, loan_id, outlet_id, product_id, description,
                   reverses_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .refine()?
            .execute(params![
                Day(meta.business_date),
                meta.event,
                meta.loan_id,
                meta.outlet_id,
                meta.product_id,
                meta.description,
                meta.reverses_id,
                Utc::now().to_rfc3339()
            ])
            .refine()?;
        let entry_id = self.conn().last_insert_rowid();
        let mut stmt = self
            .conn()
            .prepare_cached(
                "INSERT INTO journal_line (entry_id, line_no, account_code, currency, debit_minor, credit_minor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .refine()?;
        // The entry's lines summed per account and currency, for `gl_daily`.
        let mut rollup: Vec<(&str, Currency, i64, i64)> = Vec::with_capacity(entry.lines().len());
        for (line_no, line) in (1_i64..).zip(entry.lines()) {
            let (debit, credit) = match line.side {
                Side::Debit => (line.amount.minor(), 0),
                Side::Credit => (0, line.amount.minor()),
            };
            let (account, currency) = (line.account.as_str(), line.amount.currency());
            stmt.execute(params![
                entry_id,
                line_no,
                account,
                currency.code(),
                debit,
                credit
            ])
            .refine()?;
            match rollup.iter_mut().find(|r| r.0 == account && r.1 == currency) {
                Some(r) => {
                    let too_big = || {
                        StoreError::Constraint(format!(
                            "journal entry: account {account} sums past the largest amount"
                        ))
                    };
                    r.2 = r.2.checked_add(debit).ok_or_else(too_big)?;
                    r.3 = r.3.checked_add(credit).ok_or_else(too_big)?;
                }
                None => rollup.push((account, currency, debit, credit)),
            }
        }
        // The per-day rollup, in the same transaction as the lines (it was a
        // trigger on journal_line until migration 016: one upsert per
        // account here instead of a trigger program, a journal_entry lookup
        // and a statement journal per line).
        let mut upsert = self
            .conn()
            .prepare_cached(
                "INSERT INTO gl_daily (business_date, outlet_id, account_code, currency, debit_minor, credit_minor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (business_date, outlet_id, account_code, currency) DO UPDATE SET
                     debit_minor = debit_minor + excluded.debit_minor,
                     credit_minor = credit_minor + excluded.credit_minor",
            )
            .refine()?;
        for (account, currency, debit, credit) in rollup {
            upsert
                .execute(params![
                    Day(meta.business_date),
                    meta.outlet_id,
                    account,
                    currency.code(),
                    debit,
                    credit
                ])
                .refine()?;
        }
        Ok(entry_id)
    }

    /// Adds an account to the chart (configurable charts).
    pub fn insert_account(
        &mut self,
        code: AccountCode,
        kind: AccountKind,
        parent: Option<AccountCode>,
    ) -> Result<(), StoreError> {
        let inserted = self
            .conn()
            .prepare_cached("INSERT INTO account (code, kind, name_key, parent_code) VALUES (?1, ?2, ?3, ?4)")
            .refine()?
            .execute(params![
                code.as_str(),
                kind.code(),
                code.name_key(),
                parent.map(|p| p.as_str().to_string())
            ]);
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if StoreError::is_unique_violation(&e) => Err(StoreError::DuplicateCode {
                table: "account",
                code: code.as_str().to_string(),
            }),
            Err(e) => Err(StoreError::refine(e)),
        }
    }
}
