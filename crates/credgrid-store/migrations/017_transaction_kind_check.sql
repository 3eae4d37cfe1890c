-- 017_transaction_kind_check: `loan_transaction` rebuilt with its `kind`
-- check written as comparisons. Written as `kind IN (seven names)`, SQLite
-- built a temporary index of the seven names on every insert — one per
-- repayment, about 5 % of the writer's time on the repayment path. Same
-- columns, rows, ids, indexes and append-only triggers; only the check's
-- wording changes (it accepts the same kinds). SQLite's table rebuild:
-- foreign keys are off while migrations run and checked before commit.

CREATE TABLE loan_transaction_new (
    id               INTEGER PRIMARY KEY,
    loan_id          INTEGER NOT NULL REFERENCES loan(id),
    kind             TEXT NOT NULL CHECK (kind = 'disbursement' OR kind = 'repayment' OR kind = 'fee'
                         OR kind = 'reversal' OR kind = 'write_off' OR kind = 'recovery'
                         OR kind = 'prepayment'),
    business_date    TEXT NOT NULL,
    value_date       TEXT NOT NULL,
    amount_minor     INTEGER NOT NULL,
    principal_minor  INTEGER NOT NULL DEFAULT 0,
    interest_minor   INTEGER NOT NULL DEFAULT 0,
    penalty_minor    INTEGER NOT NULL DEFAULT 0,
    fee_minor        INTEGER NOT NULL DEFAULT 0,
    reversed_by_id   INTEGER REFERENCES loan_transaction(id),
    reverses_id      INTEGER REFERENCES loan_transaction(id),
    user_id          INTEGER NOT NULL REFERENCES app_user(id),
    journal_entry_id INTEGER REFERENCES journal_entry(id),
    created_at       TEXT NOT NULL
);

INSERT INTO loan_transaction_new (id, loan_id, kind, business_date, value_date, amount_minor,
    principal_minor, interest_minor, penalty_minor, fee_minor, reversed_by_id, reverses_id, user_id,
    journal_entry_id, created_at)
SELECT id, loan_id, kind, business_date, value_date, amount_minor, principal_minor, interest_minor,
    penalty_minor, fee_minor, reversed_by_id, reverses_id, user_id, journal_entry_id, created_at
FROM loan_transaction ORDER BY id;

DROP TABLE loan_transaction;
ALTER TABLE loan_transaction_new RENAME TO loan_transaction;

CREATE INDEX loan_transaction_loan ON loan_transaction(loan_id, id);
CREATE INDEX loan_transaction_date ON loan_transaction(business_date);

CREATE TRIGGER loan_transaction_no_delete BEFORE DELETE ON loan_transaction
BEGIN SELECT RAISE(ABORT, 'loan_transaction is append-only'); END;
CREATE TRIGGER loan_transaction_no_update BEFORE UPDATE OF id, loan_id, kind, business_date, value_date,
    amount_minor, principal_minor, interest_minor, penalty_minor, fee_minor, reverses_id, user_id,
    journal_entry_id, created_at ON loan_transaction
BEGIN SELECT RAISE(ABORT, 'loan_transaction is append-only'); END;
CREATE TRIGGER loan_transaction_reversed_once BEFORE UPDATE OF reversed_by_id ON loan_transaction
WHEN OLD.reversed_by_id IS NOT NULL OR NEW.reversed_by_id IS NULL
BEGIN SELECT RAISE(ABORT, 'loan_transaction is already reversed'); END;
