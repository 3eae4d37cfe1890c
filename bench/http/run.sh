#!/usr/bin/env bash
# Durable repayments through the HTTP API (issue 3, "Speed").
#
# Builds credgrid in release, generates a portfolio of $LOANS disbursed loans
# into a scratch database (kept per schema version, so a new migration makes
# a new one), starts `credgrid serve` on loopback, signs in as the generated
# teller (POST /api/v1/sessions; every request then sends
# `Authorization: Bearer <token>`), loads it with wrk for $DURATION after a
# $WARMUP warm-up (every request its own Idempotency-Key, loans spread over
# the portfolio: repayments.lua), prints throughput, latency percentiles and
# the server's CPU per repayment by thread, then stops the server and checks that
#   - `credgrid check` passes (every entry balances, loans agree with the GL),
#   - the repayment transactions in the database equal the 2xx answers wrk saw
#     (none lost, none doubled), each with its journal entry and idempotency key.
#
# Usage: bench/http/run.sh            (env: LOANS=100000 DURATION=20s WARMUP=3s BIN=...
#                                      CONNECTIONS=64 THREADS=2 PORT=18181
#                                      DIR=/tmp/credgrid-http-bench KEEP=1
#                                      USERNAME=demo.teller PASSWORD=demo-teller-2026)
# Needs: wrk (apt-get install wrk), sqlite3 (for the count).
set -euo pipefail

LOANS=${LOANS:-100000}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-3s}
USERNAME=${USERNAME:-demo.teller}
PASSWORD=${PASSWORD:-demo-teller-2026}
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
# One base portfolio per schema (migrations) and generator version.
SCHEMA=$(cat "$ROOT"/crates/credgrid-store/migrations/*.sql "$ROOT"/crates/credgrid-app/src/generate.rs \
    "$ROOT"/crates/credgrid-cli/src/cmd/generate.rs | sha256sum | cut -c1-12)
BASE="$DIR/base-$LOANS-$SCHEMA.db"
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
LOGIN=$(curl -sf -X POST -H 'Content-Type: application/json' \
    -d "{\"username\": \"$USERNAME\", \"password\": \"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/sessions") \
    || { echo "cannot sign in as $USERNAME" >&2; exit 1; }
TOKEN=$(printf '%s' "$LOGIN" | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "no token in the login answer: $LOGIN" >&2; exit 1; }
# Warm-up (not counted, its repayments are left out of the check below):
# the first requests of a fresh server read the loans' pages from disk.
LOANS=$LOANS RUN="w$$" TOKEN=$TOKEN wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 10s \
    -s "$HERE/repayments.lua" "http://127.0.0.1:$PORT" >/dev/null
declare -A TICKS_BEFORE
for t in /proc/$SERVER/task/*; do TICKS_BEFORE[$(basename "$t")]=$(awk '{print $14 + $15}' "$t/stat"); done

echo "machine: $(nproc) cores ($(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1)), $(uname -sr), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $LOANS loans, db $DB"
# The load generator's own CPU (it shares the cores with the server).
TIMEFORMAT="wrk CPU: %U s user + %S s system over %R s"
time (LOANS=$LOANS RUN="r$$" TOKEN=$TOKEN wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s \
    -s "$HERE/repayments.lua" "http://127.0.0.1:$PORT" | tee "$DIR/wrk.out")
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
# The server's CPU time (user + system) per acknowledged repayment, by
# thread: figures that depend less than the throughput on what else the
# machine runs (the writer's is the serial part: 1 s / its time per
# repayment bounds the throughput).
OK2XX=$(sed -n 's/^OK2XX=//p' "$DIR/wrk.out")
declare -A PER_THREAD
for t in /proc/$SERVER/task/*; do
    name=$(cat "$t/comm")
    used=$(( $(awk '{print $14 + $15}' "$t/stat") - ${TICKS_BEFORE[$(basename "$t")]:-0} ))
    PER_THREAD[$name]=$(( ${PER_THREAD[$name]:-0} + used ))
done
TOTAL=0
LINE=""
for name in "${!PER_THREAD[@]}"; do
    TOTAL=$((TOTAL + PER_THREAD[$name]))
    LINE="$LINE $name=$((PER_THREAD[$name] * 1000000 / $(getconf CLK_TCK) / (OK2XX > 0 ? OK2XX : 1)))us"
done
echo "server CPU per 2xx: $((TOTAL * 1000000 / $(getconf CLK_TCK) / (OK2XX > 0 ? OK2XX : 1))) us;$LINE"

# SIGTERM: graceful shutdown; every answered request was committed before its answer.
kill -TERM $SERVER
wait $SERVER || true
trap - EXIT
# The server's own account at its stop: group commit, WAL fsyncs, checkpoints.
tail -n 2 "$DIR/serve.log"

AFTER=$(sqlite3 "$DB" "SELECT count(*) FROM loan_transaction WHERE kind = 'repayment'")
# Every new repayment (warm-up and run) has its own key, none twice ...
NEW_KEYS=$(sqlite3 "$DB" "SELECT count(*) FROM idempotency WHERE key LIKE 'w$$-%' OR key LIKE 'r$$-%'")
# ... and the run's keys name the run's repayments (`transaction:<id>`).
STORED=$(sqlite3 "$DB" "SELECT count(DISTINCT t.id) FROM idempotency i JOIN loan_transaction t
    ON t.id = CAST(substr(i.response_body, 13) AS INTEGER) WHERE i.key LIKE 'r$$-%' AND t.kind = 'repayment'")
KEYED=$(sqlite3 "$DB" "SELECT count(*) FROM idempotency WHERE key LIKE 'r$$-%'")
UNPOSTED=$(sqlite3 "$DB" "SELECT count(*) FROM loan_transaction t WHERE kind = 'repayment'
    AND NOT EXISTS (SELECT 1 FROM journal_entry e WHERE e.id = t.journal_entry_id)")
echo "2xx answers: $OK2XX, run's repayments stored: $STORED, its idempotency keys: $KEYED," \
    "new repayments: $((AFTER - BEFORE)) for $NEW_KEYS keys, without journal entry: $UNPOSTED"
"$BIN" check --db "$DB"
# wrk stops with up to one request in flight per connection: those commit
# without wrk counting their answer, so the store may hold up to
# $CONNECTIONS more than the 2xx count, never fewer.
if [ "$STORED" -lt "$OK2XX" ] || [ "$STORED" -gt $((OK2XX + CONNECTIONS)) ] \
    || [ "$STORED" -ne "$KEYED" ] || [ $((AFTER - BEFORE)) -ne "$NEW_KEYS" ] || [ "$UNPOSTED" -ne 0 ]; then
    echo "FAIL: the database does not hold exactly the acknowledged repayments" >&2
    exit 1
fi
echo "OK: every acknowledged repayment is stored once with its journal entry; credgrid check passed"
[ -n "${KEEP:-}" ] || rm -f "$DB" "$DB-wal" "$DB-shm"
