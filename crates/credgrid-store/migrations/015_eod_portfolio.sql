-- 015_eod_portfolio: the portfolio history of a business date summed by the
-- end of day's chunks as they process the loans, so closing the date does
-- not read the loan book a second time.
--
-- `eod_portfolio_total` holds the running sums of the date being closed, one
-- row per outlet, account manager and currency (the measures of
-- `portfolio_history` without the day's flows); each chunk adds its loans in
-- the write that moves the restart cursor. The run records, when it starts,
-- how many loans were active and the last loan transaction and audit record:
-- when the loans or the ledger moved since (a repayment during the run, a run
-- begun by an older build), the close rereads the loan book instead.
-- Derived data: the rows of a date are deleted once its history is written.

ALTER TABLE eod_run ADD COLUMN loans_at_start INTEGER;
ALTER TABLE eod_run ADD COLUMN transaction_mark INTEGER;
ALTER TABLE eod_run ADD COLUMN audit_mark INTEGER;

CREATE TABLE eod_portfolio_total (
    business_date               TEXT NOT NULL,
    outlet_id                   INTEGER NOT NULL,
    account_manager_id          INTEGER NOT NULL,
    currency                    TEXT NOT NULL,
    loans_active                INTEGER NOT NULL CHECK (loans_active >= 0),
    principal_outstanding_minor INTEGER NOT NULL,
    principal_overdue_minor     INTEGER NOT NULL,
    par30_minor                 INTEGER NOT NULL,
    par90_minor                 INTEGER NOT NULL,
    loans_par30                 INTEGER NOT NULL,
    class1_minor                INTEGER NOT NULL,
    class2_minor                INTEGER NOT NULL,
    class3_minor                INTEGER NOT NULL,
    class4_minor                INTEGER NOT NULL,
    class5_minor                INTEGER NOT NULL,
    class1_loans                INTEGER NOT NULL,
    class2_loans                INTEGER NOT NULL,
    class3_loans                INTEGER NOT NULL,
    class4_loans                INTEGER NOT NULL,
    class5_loans                INTEGER NOT NULL,
    provision_minor             INTEGER NOT NULL,
    PRIMARY KEY (business_date, outlet_id, account_manager_id, currency)
) WITHOUT ROWID;
