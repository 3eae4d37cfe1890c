-- 010_collection: collections and post-loan management (R-COL-1..4, R-SVC-5).
-- Amounts are INTEGER minor units, dates TEXT 'YYYY-MM-DD', local times TEXT
-- 'YYYY-MM-DDTHH:MM:SS' (the debtor's local time), instants TEXT RFC 3339 UTC.

-- The end of day reads the overdue loans and the day's disbursements
-- through these partial indexes instead of scanning the loan table; the
-- daily update touches the first only for overdue loans (about 5 %), the
-- second never (status and disbursed_on do not change daily).
CREATE INDEX loan_overdue ON loan(id) WHERE status = 'disbursed' AND days_past_due > 0;
CREATE INDEX loan_disbursed_on ON loan(disbursed_on) WHERE status = 'disbursed';

-- The institution's collection settings (priority weights, conduct rules,
-- strategy thresholds): one named integer or text per row; absent = default.
CREATE TABLE collection_setting (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES app_user(id),
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- A loan given to a named collector (otherwise: the outlet's collector from
-- the configured days past due, else the loan's account manager).
CREATE TABLE collection_assignment (
    loan_id      INTEGER PRIMARY KEY REFERENCES loan(id),
    collector_id INTEGER NOT NULL REFERENCES app_user(id),
    assigned_by  INTEGER NOT NULL REFERENCES app_user(id),
    assigned_on  TEXT NOT NULL
);

-- The worklists built at the end of a business date: one row per overdue
-- loan, with every part of its priority. Rebuilt whole for a date (restart-safe).
CREATE TABLE collection_worklist (
    business_date        TEXT NOT NULL,
    loan_id              INTEGER NOT NULL,
    assignee_id          INTEGER NOT NULL,
    rank                 INTEGER NOT NULL,
    outlet_id            INTEGER NOT NULL,
    priority             INTEGER NOT NULL,
    part_amount          INTEGER NOT NULL,
    part_days            INTEGER NOT NULL,
    part_cost            INTEGER NOT NULL,
    part_ability         INTEGER NOT NULL,
    part_broken_promises INTEGER NOT NULL,
    part_relationship    INTEGER NOT NULL,
    days_past_due        INTEGER NOT NULL,
    amount_overdue_minor INTEGER NOT NULL,
    currency             TEXT NOT NULL,
    next_channel         TEXT NOT NULL,
    segment              TEXT NOT NULL,
    PRIMARY KEY (business_date, assignee_id, rank)
) WITHOUT ROWID;
CREATE INDEX collection_worklist_loan ON collection_worklist(loan_id, business_date);

-- Contacts of a debtor (a client): several, with who gave them and when; a
-- correction points at the contact it replaces, which stays for the record.
CREATE TABLE collection_contact (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES client(id),
    kind        TEXT NOT NULL,
    relation    TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    value       TEXT NOT NULL,
    given_by    TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES app_user(id),
    given_at    TEXT NOT NULL,
    corrects_id INTEGER REFERENCES collection_contact(id),
    created_at  TEXT NOT NULL
);
CREATE INDEX collection_contact_client ON collection_contact(client_id, id);
CREATE UNIQUE INDEX collection_contact_corrected_once ON collection_contact(corrects_id)
    WHERE corrects_id IS NOT NULL;

-- Supervisor overrides of a conduct rule for one collector, loan and
-- business date, granted by the supervisor and used by one action; logged.
CREATE TABLE collection_override (
    id            INTEGER PRIMARY KEY,
    loan_id       INTEGER NOT NULL REFERENCES loan(id),
    channel       TEXT NOT NULL,
    rules         TEXT NOT NULL,
    collector_id  INTEGER NOT NULL REFERENCES app_user(id),
    supervisor_id INTEGER NOT NULL REFERENCES app_user(id),
    reason        TEXT NOT NULL,
    business_date TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX collection_override_loan ON collection_override(loan_id, id);

-- Every collection action: channel, local time, person, contact, outcome, notes.
CREATE TABLE collection_action (
    id            INTEGER PRIMARY KEY,
    loan_id       INTEGER NOT NULL REFERENCES loan(id),
    client_id     INTEGER NOT NULL REFERENCES client(id),
    channel       TEXT NOT NULL,
    at_local      TEXT NOT NULL,
    business_date TEXT NOT NULL,
    person_id     INTEGER NOT NULL REFERENCES app_user(id),
    contact_id    INTEGER REFERENCES collection_contact(id),
    outcome       TEXT NOT NULL,
    notes         TEXT NOT NULL DEFAULT '',
    template      TEXT,
    override_id   INTEGER REFERENCES collection_override(id),
    created_at    TEXT NOT NULL
);
CREATE INDEX collection_action_loan ON collection_action(loan_id, id);
CREATE INDEX collection_action_client_day ON collection_action(client_id, at_local);
CREATE INDEX collection_action_date ON collection_action(business_date);
-- An override is used by one action at most.
CREATE UNIQUE INDEX collection_action_override ON collection_action(override_id) WHERE override_id IS NOT NULL;

-- What the collector knows of a debtor's ability to pay and willingness,
-- until the household file (issue 6) carries it.
CREATE TABLE collection_debtor (
    client_id                INTEGER PRIMARY KEY REFERENCES client(id),
    income_monthly_minor     INTEGER NOT NULL CHECK (income_monthly_minor >= 0),
    other_debt_monthly_minor INTEGER NOT NULL CHECK (other_debt_monthly_minor >= 0),
    assessed_segment         TEXT,
    updated_by               INTEGER NOT NULL REFERENCES app_user(id),
    updated_on               TEXT NOT NULL
);

-- Promises to pay, judged at the end of day: pending, kept or broken.
CREATE TABLE collection_promise (
    id           INTEGER PRIMARY KEY,
    action_id    INTEGER NOT NULL REFERENCES collection_action(id),
    loan_id      INTEGER NOT NULL REFERENCES loan(id),
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL,
    made_on      TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'kept', 'broken')),
    paid_minor   INTEGER NOT NULL DEFAULT 0,
    checked_on   TEXT
);
CREATE INDEX collection_promise_loan ON collection_promise(loan_id, id);
CREATE INDEX collection_promise_pending ON collection_promise(status, due_on) WHERE status = 'pending';

-- Written messages waiting for, or handed to, the sender.
CREATE TABLE collection_outbox (
    id         INTEGER PRIMARY KEY,
    loan_id    INTEGER NOT NULL REFERENCES loan(id),
    action_id  INTEGER REFERENCES collection_action(id),
    channel    TEXT NOT NULL,
    template   TEXT NOT NULL,
    locale     TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at    TEXT
);
CREATE INDEX collection_outbox_status ON collection_outbox(status, id);
CREATE INDEX collection_outbox_loan ON collection_outbox(loan_id, id);

-- Escalations, restructuring offers and hand-overs (legal, third party).
CREATE TABLE collection_escalation (
    id            INTEGER PRIMARY KEY,
    loan_id       INTEGER NOT NULL REFERENCES loan(id),
    kind          TEXT NOT NULL CHECK (kind IN ('legal_due', 'escalate', 'restructuring_offer', 'handover')),
    channel       TEXT NOT NULL,
    business_date TEXT NOT NULL,
    days_past_due INTEGER NOT NULL,
    decided_by    INTEGER NOT NULL REFERENCES app_user(id),
    note          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);
CREATE INDEX collection_escalation_loan ON collection_escalation(loan_id, id);
CREATE UNIQUE INDEX collection_escalation_legal_due ON collection_escalation(loan_id) WHERE kind = 'legal_due';

-- Post-loan visits: after disbursement, periodic, and raised by early warnings.
CREATE TABLE collection_visit (
    id                 INTEGER PRIMARY KEY,
    loan_id            INTEGER NOT NULL REFERENCES loan(id),
    assignee_id        INTEGER NOT NULL REFERENCES app_user(id),
    due_on             TEXT NOT NULL,
    reason             TEXT NOT NULL CHECK (reason IN ('after_disbursement', 'periodic', 'early_warning')),
    use_of_funds_check INTEGER NOT NULL CHECK (use_of_funds_check IN (0, 1)),
    warnings           TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'done')),
    done_on            TEXT,
    done_by            INTEGER REFERENCES app_user(id),
    funds_finding      TEXT,
    notes              TEXT NOT NULL DEFAULT '',
    UNIQUE (loan_id, reason, due_on)
);
CREATE INDEX collection_visit_assignee ON collection_visit(assignee_id, status, due_on);

-- Early-warning signals (first missed installment, deposit fall, grid news,
-- diverted funds), one per loan, kind and day.
CREATE TABLE collection_warning (
    id            INTEGER PRIMARY KEY,
    loan_id       INTEGER NOT NULL REFERENCES loan(id),
    kind          TEXT NOT NULL,
    business_date TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    recorded_by   INTEGER REFERENCES app_user(id),
    UNIQUE (loan_id, kind, business_date)
);
