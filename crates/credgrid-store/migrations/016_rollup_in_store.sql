-- 016_rollup_in_store: `gl_daily` is kept by the store's journal insert
-- (`WriteTx::insert_journal_entry`: one upsert per account and currency of
-- an entry, in the same transaction as its lines) instead of a trigger per
-- journal line. The trigger ran a sub-program, looked the entry up again
-- and opened a statement journal for every line: on the repayment path it
-- was a tenth of the writer's time. The table and its meaning are
-- unchanged; `credgrid check` still compares it with the journal.

DROP TRIGGER journal_line_rollup;
