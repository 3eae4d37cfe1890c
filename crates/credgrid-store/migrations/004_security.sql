-- Staff authentication: password hashes (argon2id, PHC strings), opaque
-- session tokens stored only as their SHA-256, failed logins for
-- throttling, and the staff's recorded relatives (separation of duties).
CREATE TABLE credential (
    user_id       INTEGER PRIMARY KEY REFERENCES app_user(id),
    password_hash TEXT NOT NULL,
    changed_at    TEXT NOT NULL
);

CREATE TABLE session (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES app_user(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
) WITHOUT ROWID;
CREATE INDEX session_user ON session(user_id);

CREATE TABLE login_failure (
    id        INTEGER PRIMARY KEY,
    username  TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX login_failure_username ON login_failure(username, at);

CREATE TABLE staff_relative (
    user_id    INTEGER NOT NULL REFERENCES app_user(id),
    client_id  INTEGER NOT NULL REFERENCES client(id),
    relation   TEXT NOT NULL,
    PRIMARY KEY (user_id, client_id)
) WITHOUT ROWID;
