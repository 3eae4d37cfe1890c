-- Household ratings (R-RATE-1..3) and revolving credit lines (R-LINE-1..2):
-- versioned scorecard and tier configuration, ratings with the contribution
-- of every factor, village notices with their entries and objections, and
-- credit lines with every movement (draws reserved against loans,
-- disbursements, principal repayments, freezes, cuts, cancellations).

-- One row per configuration version; the highest id is in force. The
-- factors, grades and tiers are kept in the compact text form of
-- credgrid-app's rating codec (one line per factor, grade or tier).
CREATE TABLE rating_config (
    id                INTEGER PRIMARY KEY,
    currency          TEXT NOT NULL,
    factors           TEXT NOT NULL,
    grades            TEXT NOT NULL,
    tiers             TEXT NOT NULL,
    notice_days       INTEGER NOT NULL CHECK (notice_days > 0),
    rerating_months   INTEGER NOT NULL CHECK (rerating_months > 0),
    on_file_change    INTEGER NOT NULL CHECK (on_file_change IN (0, 1)),
    created_by        INTEGER NOT NULL REFERENCES app_user(id),
    created_on        TEXT NOT NULL
);

-- A rating of one client (a household or small business). `household_id`
-- links the grid's household file when there is one.
CREATE TABLE rating (
    id                  INTEGER PRIMARY KEY,
    client_id           INTEGER NOT NULL REFERENCES client(id),
    household_id        INTEGER,
    outlet_id           INTEGER NOT NULL REFERENCES org_node(id),
    village             TEXT NOT NULL,
    config_id           INTEGER NOT NULL REFERENCES rating_config(id),
    rated_on            TEXT NOT NULL,
    rated_by            INTEGER NOT NULL REFERENCES app_user(id),
    reason              TEXT NOT NULL,
    grade               TEXT NOT NULL CHECK (grade IN ('excellent', 'good', 'general', 'below_general')),
    total_centipoints   INTEGER NOT NULL CHECK (total_centipoints BETWEEN 0 AND 10000),
    currency            TEXT NOT NULL,
    -- The pure-credit line proposed (NULL: none).
    line_minor          INTEGER CHECK (line_minor IS NULL OR line_minor >= 0),
    notice_id           INTEGER REFERENCES rating_notice(id),
    -- draft, in_notice, effective, withdrawn, superseded
    status              TEXT NOT NULL CHECK (status IN ('draft', 'in_notice', 'effective', 'withdrawn',
                                                        'superseded')),
    effective_on        TEXT
);
CREATE INDEX rating_client ON rating(client_id, id);
CREATE INDEX rating_village ON rating(outlet_id, village, status);
CREATE INDEX rating_notice_idx ON rating(notice_id);

CREATE TABLE rating_contribution (
    rating_id             INTEGER NOT NULL REFERENCES rating(id),
    position              INTEGER NOT NULL,
    factor                TEXT NOT NULL,
    value                 INTEGER NOT NULL,
    bin_min               INTEGER NOT NULL,
    bin_max               INTEGER NOT NULL,
    points                INTEGER NOT NULL,
    weight_percent        INTEGER NOT NULL,
    weighted_centipoints  INTEGER NOT NULL,
    PRIMARY KEY (rating_id, position)
) WITHOUT ROWID;

-- A village notice: ratings and lines on display for `notice_days`.
CREATE TABLE rating_notice (
    id            INTEGER PRIMARY KEY,
    outlet_id     INTEGER NOT NULL REFERENCES org_node(id),
    village       TEXT NOT NULL,
    published_on  TEXT NOT NULL,
    notice_days   INTEGER NOT NULL CHECK (notice_days > 0),
    period_last   TEXT NOT NULL,
    published_by  INTEGER NOT NULL REFERENCES app_user(id),
    -- open: in its period or awaiting resolutions; settled: every entry decided.
    status        TEXT NOT NULL CHECK (status IN ('open', 'settled'))
);
CREATE INDEX rating_notice_outlet ON rating_notice(outlet_id, id);

CREATE TABLE rating_objection (
    id                  INTEGER PRIMARY KEY,
    notice_id           INTEGER NOT NULL REFERENCES rating_notice(id),
    rating_id           INTEGER NOT NULL REFERENCES rating(id),
    raised_on           TEXT NOT NULL,
    raised_by           TEXT NOT NULL,
    reason              TEXT NOT NULL,
    recorded_by         INTEGER NOT NULL REFERENCES app_user(id),
    resolution          TEXT CHECK (resolution IS NULL OR resolution IN ('kept', 'changed', 'withdrawn')),
    resolved_grade      TEXT,
    resolved_line_minor INTEGER,
    resolved_by         INTEGER REFERENCES app_user(id),
    resolved_on         TEXT,
    resolution_reason   TEXT
);
CREATE INDEX rating_objection_notice ON rating_objection(notice_id, id);

-- A revolving credit line.
CREATE TABLE credit_line (
    id                INTEGER PRIMARY KEY,
    client_id         INTEGER NOT NULL REFERENCES client(id),
    outlet_id         INTEGER NOT NULL REFERENCES org_node(id),
    rating_id         INTEGER REFERENCES rating(id),
    tier              TEXT NOT NULL,
    currency          TEXT NOT NULL,
    limit_minor       INTEGER NOT NULL CHECK (limit_minor > 0),
    opened_limit_minor INTEGER NOT NULL CHECK (opened_limit_minor > 0),
    drawn_minor       INTEGER NOT NULL CHECK (drawn_minor >= 0),
    valid_from        TEXT NOT NULL,
    valid_until       TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('active', 'frozen', 'cancelled')),
    state_on          TEXT,
    state_reason      TEXT,
    -- Securities offered for a higher tier: `kind[:max]` comma-separated.
    security          TEXT NOT NULL DEFAULT '',
    opened_by         INTEGER NOT NULL REFERENCES app_user(id),
    CHECK (drawn_minor <= limit_minor)
);
CREATE INDEX credit_line_client ON credit_line(client_id, id);
CREATE INDEX credit_line_outlet ON credit_line(outlet_id, id);

-- Every change to a line, in order. `loan_id` names the loan a draw,
-- disbursement or repayment belongs to.
CREATE TABLE credit_line_event (
    id            INTEGER PRIMARY KEY,
    line_id       INTEGER NOT NULL REFERENCES credit_line(id),
    on_date       TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('opened', 'drawn', 'repaid', 'released', 'reinstated',
                                                'frozen', 'unfrozen', 'cut', 'cancelled')),
    amount_minor  INTEGER,
    loan_id       INTEGER REFERENCES loan(id),
    reason        TEXT,
    user_id       INTEGER NOT NULL REFERENCES app_user(id),
    drawn_after_minor INTEGER NOT NULL
);
CREATE INDEX credit_line_event_line ON credit_line_event(line_id, id);

-- The loans drawn on a line and what each holds of the line now.
CREATE TABLE credit_line_draw (
    loan_id       INTEGER PRIMARY KEY REFERENCES loan(id),
    line_id       INTEGER NOT NULL REFERENCES credit_line(id),
    held_minor    INTEGER NOT NULL CHECK (held_minor >= 0)
);
CREATE INDEX credit_line_draw_line ON credit_line_draw(line_id);
