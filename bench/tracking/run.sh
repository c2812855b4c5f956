#!/usr/bin/env bash
# Tracking benchmark (docs/benchmarks.md, "Tracking"): a 25,000-unit fleet (Buenos Aires
# scale) through Centinela's JSON batch API and OsmAnd listener on SQLite, and the "5
# nearest available units" query through the API, beside Redis (GEOADD / GEOSEARCH) on the
# same data in the same run; one table. Then the accounting: the positions stored in the
# SQLite file must equal the positions Centinela acknowledged. Called by bench/run.sh
# (make bench; BENCH_SKIP_TRACKING=1 leaves it out) and runnable alone.
#
# usage: bench/tracking/run.sh [BUILD_DIR]        (default BUILD_DIR: build)
#
# Environment (all optional; see tracking_bench --help for the rest, passed as TRACKING_ARGS):
#   TRACKING_UNITS=25000        fleet size
#   TRACKING_DURATION=20        measured seconds of the ingest saturation (after 3 s warm-up)
#   TRACKING_STEADY=30          seconds of the steady phase (fleet on its 5 s schedule,
#                               bursts, nearest-unit queries; the first 5 s not measured)
#   TRACKING_REDIS_FSYNC=always Redis appendfsync (always: acknowledged = on disk, like
#                               Centinela; everysec or no for the faster, weaker modes)
#   TRACKING_ARGS="..."         extra tracking_bench options
#   TRACKING_KEEP=1             keep the temp dir (server log, database, Redis AOF)
#   CENTINELA_*                 passed to the Centinela server
#
# It builds nothing: BUILD_DIR must hold centinela and bench/tracking/tracking_bench
# (`ninja -C BUILD_DIR centinela tracking_bench`). Needs redis-server and sqlite3
# (scripts/install-deps.sh --with-bench).
set -euo pipefail

bench_name=tracking-bench bench_keep=TRACKING_KEEP
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bench_build "${1:-build}"
bench="$build/bench/tracking/tracking_bench"
bench_need "centinela tracking_bench" "$centinela" "$bench"
redis_bin="$(command -v redis-server || echo /usr/bin/redis-server)"
[ -x "$redis_bin" ] || die "redis-server not found (scripts/install-deps.sh --with-bench)"
command -v sqlite3 >/dev/null || die "sqlite3 not found (scripts/install-deps.sh)"

units="${TRACKING_UNITS:-25000}"
duration="${TRACKING_DURATION:-20}"
steady="${TRACKING_STEADY:-30}"
redis_fsync="${TRACKING_REDIS_FSYNC:-always}"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

bench_tmp tracking

commit="$(bench_commit)"
echo "== Centinela tracking benchmark =="
echo "date        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "git commit  $commit"
echo "binary      $centinela ($("$centinela" version 2>/dev/null | head -1))"
echo "cpu         $(nproc) x $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
echo "temp dir    $tmp on $(df -T "$tmp" | awk 'NR==2{print $1, $2}') (SQLite file and Redis AOF share this disk)"
echo "redis       $("$redis_bin" --version | awk '{print $3}'), appendonly yes, appendfsync $redis_fsync, no RDB snapshots"
echo "uptime      $(uptime)"
echo

# Centinela on SQLite (synchronous=FULL: a 2xx means the batch is on disk), OsmAnd on its
# own port; one admin made with the CLI, as an operator would.
data="$tmp/data"
password="tracking-bench-$RANDOM-$RANDOM"
"$centinela" user add --data-dir "$data" --email admin@bench.centinela.example --password "$password" \
  --role admin --name "Bench admin" >/dev/null 2>"$tmp/user.err" || { cat "$tmp/user.err" >&2; die "user add failed"; }
api_port="$(free_port)"
osmand_port="$(free_port)"
env CENTINELA_LOG_ACCESS="${CENTINELA_LOG_ACCESS:-false}" CENTINELA_LOG_LEVEL="${CENTINELA_LOG_LEVEL:-warn}" \
    CENTINELA_TRACKING_OSMAND_LISTEN="127.0.0.1:$osmand_port" \
    CENTINELA_SERVER_MAX_CONNECTIONS="${CENTINELA_SERVER_MAX_CONNECTIONS:-4096}" \
  "$centinela" serve --data-dir "$data" --listen "127.0.0.1:$api_port" >"$tmp/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
wait_port "$api_port" "$server_pid" "centinela" 600
wait_port "$osmand_port" "$server_pid" "centinela OsmAnd listener" 600

redis_port="$(free_port)"
mkdir -p "$tmp/redis"
"$redis_bin" --port "$redis_port" --bind 127.0.0.1 --dir "$tmp/redis" --save "" --appendonly yes \
  --appendfsync "$redis_fsync" --daemonize no --logfile "$tmp/redis.log" &
redis_pid=$!
pids+=("$redis_pid")
wait_port "$redis_port" "$redis_pid" "redis-server" 600

note "running tracking_bench ($units units); server pid $server_pid, redis pid $redis_pid"
out="$tmp/bench.out"
rc=0
# shellcheck disable=SC2086
"$bench" --port "$api_port" --osmand-port "$osmand_port" --redis-port "$redis_port" \
  --login admin@bench.centinela.example --password "$password" --units "$units" \
  --server-pid "$server_pid" --redis-pid "$redis_pid" \
  --duration "$duration" --steady "$steady" ${TRACKING_ARGS:-} | tee "$out" || rc=$?
echo "uptime after: $(uptime)"

# Accounting: stop the server (every acknowledged batch was committed before its answer),
# then count the trail rows in the file.
kill -TERM "$server_pid" 2>/dev/null || true
for _ in $(seq 1 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
acked="$(awk '/^acknowledged_positions/{print $2}' "$out")"
stored="$(sqlite3 "$data/centinela.db" 'SELECT count(*) FROM positions')"
units_with_fix="$(sqlite3 "$data/centinela.db" 'SELECT count(DISTINCT unit_id) FROM positions')"
if [ -n "$acked" ] && [ "$acked" = "$stored" ]; then
  echo "accounting: $acked positions acknowledged = $stored rows in the positions table ($units_with_fix units): OK"
else
  echo "accounting: MISMATCH: ${acked:-?} acknowledged, $stored stored" >&2
  rc=1
fi
exit "$rc"
