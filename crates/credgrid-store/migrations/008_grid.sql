-- 008_grid: grid cells with their workers and history, households and their
-- information files, part-time grid workers' activities, coverage snapshots.
-- Dates are TEXT 'YYYY-MM-DD'. A span [from_on, until_on) holds from its
-- first day up to (not including) until_on; until_on NULL means "still".

CREATE TABLE grid_cell (
    id                  INTEGER PRIMARY KEY,
    outlet_id           INTEGER NOT NULL REFERENCES org_node(id),
    kind                TEXT NOT NULL CHECK (kind IN ('village_group', 'residential_block',
                            'commercial_street', 'school', 'factory', 'other')),
    name                TEXT NOT NULL,
    full_time_worker_id INTEGER NOT NULL REFERENCES app_user(id),
    opened_on           TEXT NOT NULL,
    closed_on           TEXT
);
CREATE INDEX grid_cell_outlet ON grid_cell(outlet_id, id);

-- Who worked a cell when: one span per (cell, worker, role).
CREATE TABLE grid_cell_worker (
    id       INTEGER PRIMARY KEY,
    cell_id  INTEGER NOT NULL REFERENCES grid_cell(id),
    user_id  INTEGER NOT NULL REFERENCES app_user(id),
    role     TEXT NOT NULL CHECK (role IN ('full_time', 'part_time')),
    from_on  TEXT NOT NULL,
    until_on TEXT,
    CHECK (until_on IS NULL OR until_on > from_on)
);
CREATE INDEX grid_cell_worker_cell ON grid_cell_worker(cell_id, from_on);
CREATE INDEX grid_cell_worker_user ON grid_cell_worker(user_id, from_on);

-- A household or small business of the grid; it may or may not be a client.
CREATE TABLE grid_household (
    id                 INTEGER PRIMARY KEY,
    outlet_id          INTEGER NOT NULL REFERENCES org_node(id),
    cell_id            INTEGER REFERENCES grid_cell(id),
    client_id          INTEGER REFERENCES client(id),
    head_name          TEXT NOT NULL,
    identity_number    TEXT,
    member_count       INTEGER NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    digital            INTEGER NOT NULL DEFAULT 0 CHECK (digital IN (0, 1)),
    land_collected      INTEGER NOT NULL DEFAULT 0 CHECK (land_collected IN (0, 1)),
    livestock_collected INTEGER NOT NULL DEFAULT 0 CHECK (livestock_collected IN (0, 1)),
    assets_collected    INTEGER NOT NULL DEFAULT 0 CHECK (assets_collected IN (0, 1)),
    debts_collected     INTEGER NOT NULL DEFAULT 0 CHECK (debts_collected IN (0, 1)),
    needs_collected     INTEGER NOT NULL DEFAULT 0 CHECK (needs_collected IN (0, 1)),
    file_percent       INTEGER NOT NULL DEFAULT 0 CHECK (file_percent BETWEEN 0 AND 100),
    file_complete      INTEGER NOT NULL DEFAULT 0 CHECK (file_complete IN (0, 1)),
    file_updated_on    TEXT,
    created_on         TEXT NOT NULL
);
CREATE INDEX grid_household_by_cell ON grid_household(cell_id, id);
CREATE INDEX grid_household_outlet ON grid_household(outlet_id, id);
CREATE UNIQUE INDEX grid_household_client ON grid_household(client_id) WHERE client_id IS NOT NULL;

-- Which cell a household lay in when.
CREATE TABLE grid_household_cell (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES grid_household(id),
    cell_id      INTEGER NOT NULL REFERENCES grid_cell(id),
    from_on      TEXT NOT NULL,
    until_on     TEXT,
    CHECK (until_on IS NULL OR until_on > from_on)
);
CREATE INDEX grid_household_cell_household ON grid_household_cell(household_id, from_on);
CREATE INDEX grid_household_cell_cell ON grid_household_cell(cell_id, from_on);

-- The dated changes to the grid, for the cell's history page.
CREATE TABLE grid_event (
    id           INTEGER PRIMARY KEY,
    outlet_id    INTEGER NOT NULL REFERENCES org_node(id),
    cell_id      INTEGER NOT NULL REFERENCES grid_cell(id),
    other_cell_id INTEGER REFERENCES grid_cell(id),
    household_id INTEGER REFERENCES grid_household(id),
    user_id      INTEGER REFERENCES app_user(id),
    kind         TEXT NOT NULL,
    households   INTEGER NOT NULL DEFAULT 0,
    effective_on TEXT NOT NULL,
    recorded_by  INTEGER NOT NULL REFERENCES app_user(id)
);
CREATE INDEX grid_event_cell ON grid_event(cell_id, id);
CREATE INDEX grid_event_outlet ON grid_event(outlet_id, effective_on);

CREATE TABLE grid_member (
    household_id INTEGER NOT NULL REFERENCES grid_household(id),
    seq          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    relation     TEXT NOT NULL,
    birth_year   INTEGER,
    works        INTEGER NOT NULL CHECK (works IN (0, 1)),
    PRIMARY KEY (household_id, seq)
) WITHOUT ROWID;

CREATE TABLE grid_land (
    household_id INTEGER NOT NULL REFERENCES grid_household(id),
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    area_centimu INTEGER NOT NULL CHECK (area_centimu >= 0),
    contracted   INTEGER NOT NULL CHECK (contracted IN (0, 1)),
    PRIMARY KEY (household_id, seq)
) WITHOUT ROWID;

CREATE TABLE grid_livestock (
    household_id INTEGER NOT NULL REFERENCES grid_household(id),
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    head_count   INTEGER NOT NULL CHECK (head_count >= 0),
    PRIMARY KEY (household_id, seq)
) WITHOUT ROWID;

CREATE TABLE grid_income (
    household_id INTEGER NOT NULL REFERENCES grid_household(id),
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    annual_minor INTEGER NOT NULL CHECK (annual_minor >= 0),
    years        INTEGER NOT NULL CHECK (years >= 0),
    PRIMARY KEY (household_id, seq)
) WITHOUT ROWID;

-- Assets (kind 'asset') and debts (kind 'debt').
CREATE TABLE grid_holding (
    household_id INTEGER NOT NULL REFERENCES grid_household(id),
    kind         TEXT NOT NULL CHECK (kind IN ('asset', 'debt')),
    seq          INTEGER NOT NULL,
    description  TEXT NOT NULL,
    currency     TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (household_id, kind, seq)
) WITHOUT ROWID;

CREATE TABLE grid_need (
    household_id INTEGER NOT NULL REFERENCES grid_household(id),
    need         TEXT NOT NULL,
    PRIMARY KEY (household_id, need)
) WITHOUT ROWID;

CREATE TABLE grid_visit (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES grid_household(id),
    visited_on   TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES app_user(id),
    note         TEXT NOT NULL
);
CREATE INDEX grid_visit_household ON grid_visit(household_id, visited_on);

-- What a part-time grid worker did, credited to them (R-GRID-2).
CREATE TABLE grid_activity (
    id           INTEGER PRIMARY KEY,
    worker_id    INTEGER NOT NULL REFERENCES app_user(id),
    cell_id      INTEGER NOT NULL REFERENCES grid_cell(id),
    household_id INTEGER REFERENCES grid_household(id),
    done_on      TEXT NOT NULL,
    duty         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    recorded_by  INTEGER NOT NULL REFERENCES app_user(id)
);
CREATE INDEX grid_activity_worker ON grid_activity(worker_id, done_on);
CREATE INDEX grid_activity_cell ON grid_activity(cell_id, done_on);

-- Coverage figures per unit and business date (R-GRID-4 trends).
CREATE TABLE grid_coverage (
    taken_on        TEXT NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('cell', 'outlet', 'branch')),
    unit_id         INTEGER NOT NULL,
    households      INTEGER NOT NULL,
    files_complete  INTEGER NOT NULL,
    rated           INTEGER NOT NULL,
    with_line       INTEGER NOT NULL,
    lines_in_use    INTEGER NOT NULL,
    digital_reached INTEGER NOT NULL,
    PRIMARY KEY (level, unit_id, taken_on)
) WITHOUT ROWID;
