-- Deposit balances observed in the cooperative's core deposit system, fed
-- in per client and date (R-SVC-5: "a fall in deposits" is an early-warning
-- signal). One row per client and date: a later feed for the same date
-- corrects the earlier one. Amounts in integer minor units of `currency`.
CREATE TABLE deposit_balance (
    client_id     INTEGER NOT NULL REFERENCES client(id),
    as_of         TEXT NOT NULL,
    currency      TEXT NOT NULL,
    balance_minor INTEGER NOT NULL CHECK (balance_minor >= 0),
    recorded_by   INTEGER NOT NULL REFERENCES app_user(id),
    recorded_at   TEXT NOT NULL,
    PRIMARY KEY (client_id, as_of)
) WITHOUT ROWID;
