#!/usr/bin/env bash
# Durable repayments through the HTTP API (issue 3, "Speed").
#
# Builds credgrid in release, generates a portfolio of $LOANS disbursed loans
# into a scratch database, starts `credgrid serve` on loopback, loads it with
# wrk for $DURATION (every request its own Idempotency-Key, loans spread over
# the portfolio: repayments.lua), prints throughput and latency percentiles,
# then stops the server and checks that
#   - `credgrid check` passes (every entry balances, loans agree with the GL),
#   - the repayment transactions in the database equal the 2xx answers wrk saw
#     (none lost, none doubled), each with its journal entry and idempotency key.
#
# Usage: bench/http/run.sh            (env: LOANS=100000 DURATION=20s BIN=...
#                                      CONNECTIONS=64 THREADS=2 PORT=18181
#                                      DIR=/tmp/credgrid-http-bench KEEP=1)
# Needs: wrk (apt-get install wrk), sqlite3 (for the count).
set -euo pipefail

LOANS=${LOANS:-100000}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18181}
DIR=${DIR:-/tmp/credgrid-http-bench}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# BIN=path/to/credgrid runs another build (e.g. to compare two versions).
BIN=${BIN:-$ROOT/target/release/credgrid}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is missing: apt-get install sqlite3" >&2; exit 2; }

[ "$BIN" != "$ROOT/target/release/credgrid" ] || (cd "$ROOT" && cargo build --release -q -p credgrid-cli)
mkdir -p "$DIR"
DB="$DIR/bench.db"
BASE="$DIR/base-$LOANS.db"
if [ ! -f "$BASE" ]; then
    rm -f "$BASE" "$BASE-wal" "$BASE-shm"
    "$BIN" generate --loans "$LOANS" --db "$BASE" >&2
fi
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$BASE" "$DB"
BEFORE=$(sqlite3 "$DB" "SELECT count(*) FROM loan_transaction WHERE kind = 'repayment'")

"$BIN" serve --quiet --db "$DB" --addr "127.0.0.1:$PORT" >"$DIR/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
    sleep 0.1
done

echo "machine: $(nproc) cores, $(uname -sr), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $LOANS loans, db $DB"
LOANS=$LOANS RUN="r$$" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s \
    -s "$HERE/repayments.lua" "http://127.0.0.1:$PORT" | tee "$DIR/wrk.out"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
# The server's CPU time (user + system) per acknowledged repayment: a figure
# that depends less than the throughput on what else the machine runs.
TICKS=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
OK2XX=$(sed -n 's/^OK2XX=//p' "$DIR/wrk.out")
echo "server CPU: $((TICKS * 1000 / $(getconf CLK_TCK))) ms = $((TICKS * 1000000 / $(getconf CLK_TCK) / (OK2XX > 0 ? OK2XX : 1))) us per 2xx"

# SIGTERM: graceful shutdown; every answered request was committed before its answer.
kill -TERM $SERVER
wait $SERVER || true
trap - EXIT

AFTER=$(sqlite3 "$DB" "SELECT count(*) FROM loan_transaction WHERE kind = 'repayment'")
KEYED=$(sqlite3 "$DB" "SELECT count(*) FROM idempotency WHERE key LIKE 'r$$-%'")
UNPOSTED=$(sqlite3 "$DB" "SELECT count(*) FROM loan_transaction t WHERE kind = 'repayment'
    AND NOT EXISTS (SELECT 1 FROM journal_entry e WHERE e.id = t.journal_entry_id)")
STORED=$((AFTER - BEFORE))
echo "2xx answers: $OK2XX, repayments stored: $STORED, idempotency keys stored: $KEYED, without journal entry: $UNPOSTED"
"$BIN" check --db "$DB"
# wrk stops with up to one request in flight per connection: those commit
# without wrk counting their answer, so the store may hold up to
# $CONNECTIONS more than the 2xx count, never fewer.
if [ "$STORED" -lt "$OK2XX" ] || [ "$STORED" -gt $((OK2XX + CONNECTIONS)) ] \
    || [ "$STORED" -ne "$KEYED" ] || [ "$UNPOSTED" -ne 0 ]; then
    echo "FAIL: the database does not hold exactly the acknowledged repayments" >&2
    exit 1
fi
echo "OK: every acknowledged repayment is stored once with its journal entry; credgrid check passed"
[ -n "${KEEP:-}" ] || rm -f "$DB" "$DB-wal" "$DB-shm"
