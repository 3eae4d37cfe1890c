-- Maker-checker for configuration (issue 4 §7): a change to products, tier
-- rules, limits, roles or the chart of accounts is proposed by one user and
-- takes effect only when a second, authorised user approves it.
--
-- `config_change` keeps every proposal with its decision (history is never
-- deleted; a decided change is final). `config_version` keeps the
-- configuration in force per kind: the highest version of a kind is in
-- force, older versions are its history. Both are append-only but for the
-- one decision of a pending change.
CREATE TABLE config_change (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('product', 'tier_rules', 'limits', 'roles', 'chart')),
    -- The change in its canonical text form (one `key=value` item per line).
    payload         TEXT NOT NULL,
    -- The configuration of the kind in force when the change was proposed
    -- (for the diff a checker sees); NULL when none was configured yet.
    base            TEXT,
    note            TEXT,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    proposed_by     INTEGER NOT NULL REFERENCES app_user(id),
    proposed_at     TEXT NOT NULL,
    checker_id      INTEGER REFERENCES app_user(id),
    decided_at      TEXT,
    decision_reason TEXT,
    -- What the approval produced (`product:12`, `version:3`).
    outcome         TEXT,
    CHECK (checker_id IS NULL OR checker_id <> proposed_by),
    CHECK ((state = 'pending') = (checker_id IS NULL)),
    CHECK (state <> 'rejected' OR length(trim(coalesce(decision_reason, ''))) > 0)
);
CREATE INDEX config_change_state ON config_change(state, id);

CREATE TRIGGER config_change_decided_is_final BEFORE UPDATE ON config_change
WHEN OLD.state <> 'pending'
BEGIN
    SELECT RAISE(ABORT, 'a decided configuration change is final');
END;

CREATE TRIGGER config_change_never_deleted BEFORE DELETE ON config_change
BEGIN
    SELECT RAISE(ABORT, 'configuration changes are history and are never deleted');
END;

CREATE TABLE config_version (
    kind        TEXT NOT NULL CHECK (kind IN ('tier_rules', 'limits', 'roles', 'chart')),
    version     INTEGER NOT NULL CHECK (version >= 1),
    payload     TEXT NOT NULL,
    change_id   INTEGER NOT NULL REFERENCES config_change(id),
    effective_at TEXT NOT NULL,
    PRIMARY KEY (kind, version)
) WITHOUT ROWID;

CREATE TRIGGER config_version_no_update BEFORE UPDATE ON config_version
BEGIN
    SELECT RAISE(ABORT, 'configuration versions are append-only');
END;

CREATE TRIGGER config_version_no_delete BEFORE DELETE ON config_version
BEGIN
    SELECT RAISE(ABORT, 'configuration versions are append-only');
END;
