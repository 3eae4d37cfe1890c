-- The risk-tiered origination workflow (R-ORIG-1..5, R-PROD-4): each
-- application's tier and process, every act on its steps (committee votes
-- included) and the collateral and guarantees offered. Acts are
-- append-only: the history is replayed to rebuild the workflow, so an edited
-- act is caught by the rules as well as by the audit chain.
CREATE TABLE application_workflow (
    loan_id              INTEGER PRIMARY KEY REFERENCES loan(id),
    tier                 TEXT NOT NULL CHECK (tier IN ('low', 'medium', 'high')),
    -- The tier rule that decided (`low-published-line`, …), or `forced`.
    tier_rule            TEXT NOT NULL,
    fast_track           INTEGER NOT NULL DEFAULT 0 CHECK (fast_track IN (0, 1)),
    -- The available part of the client's published pure-credit line at placement.
    line_available_minor INTEGER CHECK (line_available_minor >= 0),
    -- Staff holding committee_member at or above the application's outlet at placement.
    committee_size       INTEGER NOT NULL CHECK (committee_size >= 0),
    status               TEXT NOT NULL CHECK (status IN ('in_progress', 'rejected', 'finished')),
    -- The step waiting for an act (NULL once rejected or finished).
    current_step         TEXT,
    placed_by            INTEGER NOT NULL REFERENCES app_user(id),
    placed_on            TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX application_workflow_waiting ON application_workflow(current_step, loan_id)
    WHERE status = 'in_progress';

CREATE TABLE workflow_act (
    id              INTEGER PRIMARY KEY,
    loan_id         INTEGER NOT NULL REFERENCES loan(id),
    seq             INTEGER NOT NULL CHECK (seq > 0),
    step            TEXT NOT NULL,
    user_id         INTEGER NOT NULL REFERENCES app_user(id),
    -- The actor's roles (comma-separated) and node when acting, to replay the act.
    roles           TEXT NOT NULL,
    node_id         INTEGER NOT NULL REFERENCES org_node(id),
    -- NULL for the closing of a committee vote (then user_id is who closed it).
    capacity        TEXT,
    decision        TEXT CHECK (decision IN ('approve', 'reject', 'abstain', 'send_back')),
    send_back_to    TEXT,
    -- One reason per line; document codes comma-separated.
    reasons         TEXT NOT NULL DEFAULT '',
    documents       TEXT NOT NULL DEFAULT '',
    outcome         TEXT NOT NULL,
    -- R-ORIG-5 figures when the step was checked: total exposure with the
    -- application, counted collateral after haircuts, coverage ratio.
    exposure_minor  INTEGER,
    counted_minor   INTEGER,
    coverage_ratio  TEXT,
    -- On the closing of a committee vote: approve/reject/abstain/quorum.
    tally           TEXT,
    at              TEXT NOT NULL,
    business_date   TEXT NOT NULL,
    UNIQUE (loan_id, seq)
);
CREATE INDEX workflow_act_user ON workflow_act(user_id, loan_id);
CREATE TRIGGER workflow_act_no_update BEFORE UPDATE ON workflow_act
BEGIN SELECT RAISE(ABORT, 'workflow_act is append-only'); END;
CREATE TRIGGER workflow_act_no_delete BEFORE DELETE ON workflow_act
BEGIN SELECT RAISE(ABORT, 'workflow_act is append-only'); END;

CREATE TABLE collateral (
    id                  INTEGER PRIMARY KEY,
    loan_id             INTEGER NOT NULL REFERENCES loan(id),
    kind                TEXT NOT NULL CHECK (kind IN ('none', 'guarantor', 'joint_liability_group',
                            'guarantee_company', 'mortgage', 'movable_property', 'deposit_pledge',
                            'treasury_bond', 'insurance_policy', 'warehouse_receipt', 'fiscal_guarantee',
                            'equity')),
    currency            TEXT NOT NULL,
    -- The appraised value, or the guaranteed amount of a guarantee.
    value_minor         INTEGER NOT NULL CHECK (value_minor >= 0),
    -- A haircut (decimal text in [0, 1]) replacing the kind's default.
    haircut             TEXT,
    -- The client who guarantees (a guarantee given for another's loan).
    guarantor_client_id INTEGER REFERENCES client(id),
    description         TEXT NOT NULL,
    recorded_by         INTEGER NOT NULL REFERENCES app_user(id),
    recorded_on         TEXT NOT NULL
);
CREATE INDEX collateral_loan ON collateral(loan_id);
CREATE INDEX collateral_guarantor ON collateral(guarantor_client_id) WHERE guarantor_client_id IS NOT NULL;
