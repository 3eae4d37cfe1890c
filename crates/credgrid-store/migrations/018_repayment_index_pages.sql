-- 018_repayment_index_pages: two indexes that cost every repayment a
-- random B-tree page (written to the WAL, then copied back to the database
-- file) and served nothing on that path. Measured on the HTTP repayment
-- benchmark: without both, the server used a fifth less CPU per repayment
-- (docs/benchmarks.md, session 6).
--
-- `audit_log_entity` (entity, entity_id): no query reads the audit trail by
-- entity; `credgrid audit verify` and every other reader walk it in storage
-- order. A lookup by entity, when one is added, brings the index it needs.
DROP INDEX audit_log_entity;

-- `journal_entry_loan` no longer lists repayment entries: a repayment's
-- entry is found through its transaction (`loan_transaction.journal_entry_id`,
-- by the `loan_transaction_loan` index), which every repayment has;
-- `credgrid check` reports any repayment entry that no transaction of its
-- loan refers to. Every other entry of a loan stays in the index.
DROP INDEX journal_entry_loan;
CREATE INDEX journal_entry_loan ON journal_entry(loan_id)
    WHERE loan_id IS NOT NULL AND event <> 'repayment';
