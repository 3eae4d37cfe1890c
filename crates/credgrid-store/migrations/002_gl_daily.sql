-- 002_gl_daily: a per-day rollup of the journal (per outlet, account and
-- currency), kept by a trigger in the same transaction as each journal
-- line, so the trial balance for any date and node reads days x outlets x
-- accounts rows instead of every journal line. Derived data: `check`
-- compares it with the journal (`gl_rollup_mismatches`).

CREATE TABLE gl_daily (
    business_date TEXT NOT NULL,
    outlet_id     INTEGER NOT NULL,
    account_code  TEXT NOT NULL,
    currency      TEXT NOT NULL,
    debit_minor   INTEGER NOT NULL,
    credit_minor  INTEGER NOT NULL,
    PRIMARY KEY (business_date, outlet_id, account_code, currency)
) WITHOUT ROWID;

INSERT INTO gl_daily (business_date, outlet_id, account_code, currency, debit_minor, credit_minor)
SELECT e.business_date, e.outlet_id, l.account_code, l.currency, SUM(l.debit_minor), SUM(l.credit_minor)
FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id
GROUP BY e.business_date, e.outlet_id, l.account_code, l.currency;

CREATE TRIGGER journal_line_rollup AFTER INSERT ON journal_line
BEGIN
    INSERT INTO gl_daily (business_date, outlet_id, account_code, currency, debit_minor, credit_minor)
    SELECT e.business_date, e.outlet_id, NEW.account_code, NEW.currency, NEW.debit_minor, NEW.credit_minor
    FROM journal_entry e WHERE e.id = NEW.entry_id
    ON CONFLICT (business_date, outlet_id, account_code, currency) DO UPDATE SET
        debit_minor = debit_minor + excluded.debit_minor,
        credit_minor = credit_minor + excluded.credit_minor;
END;
