-- 001_initial: the lending core's tables. Amounts are INTEGER minor units,
-- dates TEXT 'YYYY-MM-DD', instants TEXT RFC 3339 UTC, rates TEXT decimals.

CREATE TABLE org_node (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES org_node(id),
    kind      TEXT NOT NULL CHECK (kind IN ('institution', 'branch', 'outlet')),
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL
);
CREATE INDEX org_node_parent ON org_node(parent_id);

CREATE TABLE app_user (
    id           INTEGER PRIMARY KEY,
    node_id      INTEGER NOT NULL REFERENCES org_node(id),
    username     TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    roles        TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);

CREATE TABLE client (
    id         INTEGER PRIMARY KEY,
    outlet_id  INTEGER NOT NULL REFERENCES org_node(id),
    kind       TEXT NOT NULL CHECK (kind IN ('individual', 'household', 'business')),
    name       TEXT NOT NULL,
    id_country TEXT NOT NULL,
    id_number  TEXT NOT NULL,
    phone      TEXT,
    address    TEXT,
    status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    created_on TEXT NOT NULL
);
-- Never two ACTIVE clients with the same identity document.
CREATE UNIQUE INDEX client_active_identity ON client(id_country, id_number) WHERE status = 'active';
CREATE INDEX client_name ON client(name COLLATE NOCASE);
CREATE INDEX client_id_number ON client(id_number COLLATE NOCASE);
CREATE INDEX client_outlet ON client(outlet_id, id);

CREATE TABLE account (
    code        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'equity', 'income', 'expense', 'contra_asset')),
    name_key    TEXT NOT NULL,
    parent_code TEXT REFERENCES account(code)
) WITHOUT ROWID;

CREATE TABLE product (
    id                         INTEGER PRIMARY KEY,
    code                       TEXT NOT NULL UNIQUE,
    name                       TEXT NOT NULL,
    currency                   TEXT NOT NULL,
    digits                     INTEGER NOT NULL CHECK (digits BETWEEN 0 AND 6),
    amount_min_minor           INTEGER NOT NULL CHECK (amount_min_minor > 0),
    amount_max_minor           INTEGER NOT NULL CHECK (amount_max_minor >= amount_min_minor),
    term_min                   INTEGER NOT NULL CHECK (term_min > 0),
    term_max                   INTEGER NOT NULL CHECK (term_max >= term_min),
    term_default               INTEGER NOT NULL CHECK (term_default BETWEEN term_min AND term_max),
    rate_min                   TEXT NOT NULL,
    rate_max                   TEXT NOT NULL,
    rate_default               TEXT NOT NULL,
    method                     TEXT NOT NULL,
    frequency_every            INTEGER NOT NULL CHECK (frequency_every > 0),
    frequency_unit             TEXT NOT NULL,
    interest_period            TEXT NOT NULL,
    days_in_year               TEXT NOT NULL,
    days_in_month              TEXT NOT NULL,
    rounding                   TEXT NOT NULL,
    installment_multiple_minor INTEGER NOT NULL DEFAULT 1 CHECK (installment_multiple_minor > 0),
    grace_principal            INTEGER NOT NULL DEFAULT 0,
    grace_interest             INTEGER NOT NULL DEFAULT 0,
    grace_arrears_days         INTEGER NOT NULL DEFAULT 0,
    penalty_uplift             TEXT NOT NULL DEFAULT '0',
    compound_interest          INTEGER NOT NULL DEFAULT 0 CHECK (compound_interest IN (0, 1)),
    allocation_order           TEXT NOT NULL,
    fee_flat_minor             INTEGER NOT NULL DEFAULT 0 CHECK (fee_flat_minor >= 0),
    fee_rate                   TEXT NOT NULL DEFAULT '0',
    gl_mapping                 TEXT NOT NULL,
    created_on                 TEXT NOT NULL,
    active                     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE loan (
    id                          INTEGER PRIMARY KEY,
    client_id                   INTEGER NOT NULL REFERENCES client(id),
    product_id                  INTEGER NOT NULL REFERENCES product(id),
    outlet_id                   INTEGER NOT NULL REFERENCES org_node(id),
    account_manager_id          INTEGER NOT NULL REFERENCES app_user(id),
    status                      TEXT NOT NULL CHECK (status IN ('application', 'approved', 'rejected',
                                    'withdrawn', 'disbursed', 'closed', 'written_off')),
    currency                    TEXT NOT NULL,
    principal_minor             INTEGER NOT NULL CHECK (principal_minor > 0),
    annual_rate                 TEXT NOT NULL,
    installments                INTEGER NOT NULL CHECK (installments > 0),
    first_repayment_on          TEXT,
    purpose                     TEXT,
    applied_on                  TEXT NOT NULL,
    approved_on                 TEXT,
    disbursed_on                TEXT,
    maturity_on                 TEXT,
    closed_on                   TEXT,
    principal_outstanding_minor INTEGER NOT NULL DEFAULT 0,
    interest_accrued_minor      INTEGER NOT NULL DEFAULT 0,
    interest_overdue_minor      INTEGER NOT NULL DEFAULT 0,
    principal_overdue_minor     INTEGER NOT NULL DEFAULT 0,
    penalty_accrued_minor       INTEGER NOT NULL DEFAULT 0,
    fees_due_minor              INTEGER NOT NULL DEFAULT 0,
    written_off_minor           INTEGER NOT NULL DEFAULT 0,
    days_past_due               INTEGER NOT NULL DEFAULT 0,
    class                       INTEGER NOT NULL DEFAULT 0,
    provision_minor             INTEGER NOT NULL DEFAULT 0,
    next_due_on                 TEXT,
    accrued_through             TEXT,
    version                     INTEGER NOT NULL DEFAULT 0,
    position                    BLOB,
    summary                     BLOB
);
CREATE INDEX loan_status ON loan(status, id);
CREATE INDEX loan_outlet ON loan(outlet_id, status, id);
CREATE INDEX loan_client ON loan(client_id);

CREATE TABLE loan_event (
    id            INTEGER PRIMARY KEY,
    loan_id       INTEGER NOT NULL REFERENCES loan(id),
    kind          TEXT NOT NULL,
    from_status   TEXT,
    to_status     TEXT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES app_user(id),
    business_date TEXT NOT NULL,
    at            TEXT NOT NULL,
    reason        TEXT
);
CREATE INDEX loan_event_loan ON loan_event(loan_id, id);

CREATE TABLE journal_entry (
    id            INTEGER PRIMARY KEY,
    business_date TEXT NOT NULL,
    event         TEXT NOT NULL,
    loan_id       INTEGER REFERENCES loan(id),
    outlet_id     INTEGER NOT NULL REFERENCES org_node(id),
    product_id    INTEGER REFERENCES product(id),
    description   TEXT NOT NULL DEFAULT '',
    reverses_id   INTEGER REFERENCES journal_entry(id),
    created_at    TEXT NOT NULL
);
CREATE INDEX journal_entry_date ON journal_entry(business_date);
CREATE INDEX journal_entry_loan ON journal_entry(loan_id) WHERE loan_id IS NOT NULL;

CREATE TABLE journal_line (
    entry_id     INTEGER NOT NULL REFERENCES journal_entry(id),
    line_no      INTEGER NOT NULL CHECK (line_no > 0),
    account_code TEXT NOT NULL REFERENCES account(code),
    currency     TEXT NOT NULL,
    debit_minor  INTEGER NOT NULL CHECK (debit_minor >= 0),
    credit_minor INTEGER NOT NULL CHECK (credit_minor >= 0),
    CHECK ((debit_minor > 0) <> (credit_minor > 0)),
    PRIMARY KEY (entry_id, line_no)
) WITHOUT ROWID;

-- The journal is append-only: corrections are reversing entries.
CREATE TRIGGER journal_entry_no_update BEFORE UPDATE ON journal_entry
BEGIN SELECT RAISE(ABORT, 'journal_entry is append-only'); END;
CREATE TRIGGER journal_entry_no_delete BEFORE DELETE ON journal_entry
BEGIN SELECT RAISE(ABORT, 'journal_entry is append-only'); END;
CREATE TRIGGER journal_line_no_update BEFORE UPDATE ON journal_line
BEGIN SELECT RAISE(ABORT, 'journal_line is append-only'); END;
CREATE TRIGGER journal_line_no_delete BEFORE DELETE ON journal_line
BEGIN SELECT RAISE(ABORT, 'journal_line is append-only'); END;

CREATE TABLE loan_transaction (
    id               INTEGER PRIMARY KEY,
    loan_id          INTEGER NOT NULL REFERENCES loan(id),
    kind             TEXT NOT NULL CHECK (kind IN ('disbursement', 'repayment', 'fee', 'reversal',
                         'write_off', 'recovery', 'prepayment')),
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
CREATE INDEX loan_transaction_loan ON loan_transaction(loan_id, id);

-- Append-only, except that reversed_by_id is set once (NULL -> a value).
CREATE TRIGGER loan_transaction_no_delete BEFORE DELETE ON loan_transaction
BEGIN SELECT RAISE(ABORT, 'loan_transaction is append-only'); END;
CREATE TRIGGER loan_transaction_no_update BEFORE UPDATE OF id, loan_id, kind, business_date, value_date,
    amount_minor, principal_minor, interest_minor, penalty_minor, fee_minor, reverses_id, user_id,
    journal_entry_id, created_at ON loan_transaction
BEGIN SELECT RAISE(ABORT, 'loan_transaction is append-only'); END;
CREATE TRIGGER loan_transaction_reversed_once BEFORE UPDATE OF reversed_by_id ON loan_transaction
WHEN OLD.reversed_by_id IS NOT NULL OR NEW.reversed_by_id IS NULL
BEGIN SELECT RAISE(ABORT, 'loan_transaction is already reversed'); END;

CREATE TABLE business_date (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    current_on     TEXT NOT NULL,
    institution_id INTEGER REFERENCES org_node(id)
);

CREATE TABLE eod_run (
    business_date   TEXT PRIMARY KEY,
    status          TEXT NOT NULL CHECK (status IN ('running', 'done')),
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    loans_processed INTEGER NOT NULL DEFAULT 0,
    last_loan_id    INTEGER NOT NULL DEFAULT 0,
    summary         TEXT
) WITHOUT ROWID;

CREATE TABLE accrual_detail (
    business_date   TEXT NOT NULL,
    loan_id         INTEGER NOT NULL REFERENCES loan(id),
    interest_minor  INTEGER NOT NULL,
    penalty_minor   INTEGER NOT NULL,
    days_past_due   INTEGER NOT NULL,
    class           INTEGER NOT NULL,
    provision_minor INTEGER NOT NULL,
    provision_change_minor INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (business_date, loan_id)
) WITHOUT ROWID;

CREATE TABLE idempotency (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
