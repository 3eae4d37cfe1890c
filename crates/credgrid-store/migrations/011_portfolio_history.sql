-- 011_portfolio_history: the portfolio at the close of each business date,
-- per outlet, account manager and currency (aggregates only, never one row
-- per loan), written by the end of day in the same write that closes the
-- date, so the dashboard draws outstanding, PAR, classification mix,
-- provisions and the day's flows over time without reading the loan book.
-- Derived data: rewritten whole for a date when that date is closed again.

CREATE TABLE portfolio_history (
    business_date               TEXT NOT NULL,
    outlet_id                   INTEGER NOT NULL,
    account_manager_id          INTEGER NOT NULL,
    currency                    TEXT NOT NULL,
    loans_active                INTEGER NOT NULL,
    principal_outstanding_minor INTEGER NOT NULL,
    principal_overdue_minor     INTEGER NOT NULL,
    -- Outstanding principal of loans more than 30 (90) days past due.
    par30_minor                 INTEGER NOT NULL,
    par90_minor                 INTEGER NOT NULL,
    loans_par30                 INTEGER NOT NULL,
    -- Outstanding principal and loans per class: pass, special mention,
    -- substandard, doubtful, loss.
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
    -- The day's flows: principal disbursed; repayments, prepayments and
    -- recoveries received, net of the reversals made that day.
    disbursed_minor             INTEGER NOT NULL,
    collected_minor             INTEGER NOT NULL,
    PRIMARY KEY (business_date, outlet_id, account_manager_id, currency)
) WITHOUT ROWID;

-- The day's transactions, for the flows above (a day's rows, not the table).
CREATE INDEX loan_transaction_date ON loan_transaction(business_date);
