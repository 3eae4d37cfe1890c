-- The end of day's running totals per business date, outlet, product and
-- currency. Each chunk of loans adds its sums here in the same write as its
-- `accrual_detail` rows and the restart cursor, so the day's GL posting
-- reads a few hundred rows instead of joining a million detail rows with
-- the loans. Derived data: `daily_totals` recomputes it from the detail.
CREATE TABLE eod_total (
    business_date           TEXT NOT NULL,
    outlet_id               INTEGER NOT NULL,
    product_id              INTEGER NOT NULL,
    currency                TEXT NOT NULL,
    loans                   INTEGER NOT NULL CHECK (loans >= 0),
    loans_overdue           INTEGER NOT NULL CHECK (loans_overdue >= 0),
    interest_minor          INTEGER NOT NULL,
    penalty_minor           INTEGER NOT NULL,
    provision_charge_minor  INTEGER NOT NULL CHECK (provision_charge_minor >= 0),
    provision_release_minor INTEGER NOT NULL CHECK (provision_release_minor >= 0),
    PRIMARY KEY (business_date, outlet_id, product_id, currency)
) WITHOUT ROWID;
