-- The tamper-evident audit trail: one row per state-changing action, each
-- hash-chained to the one before (see credgrid_core::audit). No trigger
-- guards these rows: the chain itself is what proves them, and
-- `credgrid audit verify` names the first row that was edited, deleted or
-- inserted out of order, whoever did it.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    reason      TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
