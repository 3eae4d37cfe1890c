-- A loan's servicing position (its installments with what was paid, about
-- 700 bytes) changes only on repayments, fees, write-offs and due dates,
-- while the end of day rewrites every active loan's row daily. Keeping the
-- position in its own table keeps the loan rows small, so the end of day
-- rewrites a third of the pages it used to.
CREATE TABLE loan_position (
    loan_id   INTEGER PRIMARY KEY REFERENCES loan(id),
    position  BLOB NOT NULL
);
INSERT INTO loan_position (loan_id, position) SELECT id, position FROM loan WHERE position IS NOT NULL;
ALTER TABLE loan DROP COLUMN position;
