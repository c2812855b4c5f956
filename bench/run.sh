#!/usr/bin/env bash
# Whole-system write benchmark (docs/benchmarks.md): authenticated durable writes through
# the real HTTP API on SQLite and on PostgreSQL, beside pgbench simple inserts on the same
# PostgreSQL, all in one run on this machine; then report creation (POST /api/v1/reports)
# on both stores, with the store's report count checked against the 201s. Called by
# `make bench`.
#
# usage: bench/run.sh [BUILD_DIR]          (default BUILD_DIR: build)
#
# Environment (all optional):
#   BENCH_DURATION=20        measured seconds per system
#   BENCH_WARMUP=3           warm-up seconds before each measurement (pgbench: a separate
#                            warm-up run of this length)
#   BENCH_CLIENTS=64         concurrent clients (connections) for every system
#   BENCH_CLIENT_THREADS=1   io threads of the write_path load generator
#   BENCH_PGBENCH_JOBS=2     pgbench -j (worker threads)
#   BENCH_PGBENCH_MODE=prepared   pgbench -M (simple, extended, prepared)
#   BENCH_SYSTEMS="sqlite postgresql pgbench reports-sqlite reports-postgresql"
#                            which parts to run, in this order (sqlite/postgresql: PATCH /me;
#                            reports-*: POST /api/v1/reports on a --demo server whose report
#                            rate limits are lifted for that server only)
#   BENCH_ANONYMOUS=0.2      share of anonymous reports
#   BENCH_FSYNC_PROBE=1      measure this disk's fdatasync rate with pg_test_fsync first
#   BENCH_KEEP=1             keep the temp dir (server logs, pgbench logs) and print it
#   BENCH_SKIP_FANOUT=1      skip the live-stream fan-out part (bench/fanout/run.sh, FANOUT_*)
#   BENCH_SKIP_HOTSPOTS=1    skip the hotspot statistics (bench/hotspots/hotspots_bench)
#   BENCH_SKIP_TRACKING=1    skip the tracking part (bench/tracking/run.sh, TRACKING_*)
#   CENTINELA_*              passed through to both servers (e.g. CENTINELA_SERVER_THREADS);
#                            CENTINELA_LOG_ACCESS defaults to false here
#
# It builds nothing: BUILD_DIR must hold centinela and bench/write_path/write_path
# (`ninja -C BUILD_DIR centinela write_path`, or `make bench`). It runs itself under
# scripts/with-postgres.sh, which starts a throw-away PostgreSQL 15 (fsync on,
# synchronous_commit on) and removes it afterwards.
set -euo pipefail

bench_name=bench bench_keep=BENCH_KEEP
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_build "${1:-build}"
write_path="$build/bench/write_path/write_path"
for bin in "$centinela" "$write_path"; do
  [ -x "$bin" ] || die "$bin not found; build it first:
    cmake -S $repo -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C $build centinela write_path
  (or run 'make bench', which installs the tools, configures and builds)"
done

# Re-run inside a throw-away PostgreSQL unless we are in one already.
bench_in_postgres BENCH_IN_PG "$0" "$build"

duration="${BENCH_DURATION:-20}"
warmup="${BENCH_WARMUP:-3}"
clients="${BENCH_CLIENTS:-64}"
client_threads="${BENCH_CLIENT_THREADS:-1}"
pg_jobs="${BENCH_PGBENCH_JOBS:-2}"
pg_mode="${BENCH_PGBENCH_MODE:-prepared}"
systems="${BENCH_SYSTEMS:-sqlite postgresql pgbench reports-sqlite reports-postgresql}"
anonymous="${BENCH_ANONYMOUS:-0.2}"
export CENTINELA_LOG_ACCESS="${CENTINELA_LOG_ACCESS:-false}"
# Every benchmark client registers from 127.0.0.1: no per-address registration limit here.
export CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP="${CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP:-0}"
export CENTINELA_AUTH_REGISTER_MAX_PER_DAY_PER_IP="${CENTINELA_AUTH_REGISTER_MAX_PER_DAY_PER_IP:-0}"

pgbench_bin="$(command -v pgbench || true)"
[ -n "$pgbench_bin" ] || pgbench_bin="$(ls -d /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)"
psql_bin="$(command -v psql || true)"
if [[ " $systems " == *" pgbench "* ]]; then
  [ -n "$pgbench_bin" ] && [ -x "$pgbench_bin" ] ||
    die "pgbench not found (it ships with postgresql-15: scripts/install-deps.sh --with-bench)"
  [ -n "$psql_bin" ] || die "psql not found (postgresql-client-15)"
fi

# More connections than the default soft limit may need.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 4096 2>/dev/null || true

bench_tmp bench

# Flat JSON field from write_path --json.
jget() { grep -o "\"$2\":[^,}]*" <<<"$1" | head -1 | cut -d: -f2- | tr -d '"'; }
# Load average, plus CPU and I/O pressure (PSI "some" avg10) where the kernel has it: other
# work on the machine shows up there and makes a run worth repeating.
loadavg() {
  local l
  l="$(cut -d' ' -f1-3 /proc/loadavg)"
  if [ -r /proc/pressure/cpu ] && [ -r /proc/pressure/io ]; then
    l="$l; pressure cpu $(awk '/^some/{sub("avg10=","",$2); print $2; exit}' /proc/pressure/cpu)%"
    l="$l io $(awk '/^some/{sub("avg10=","",$2); print $2; exit}' /proc/pressure/io)%"
  fi
  echo "$l"
}

# --- machine facts -------------------------------------------------------------------
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null | awk '{print $2}' | paste -sd' ' || true)"
[ -z "$dirty" ] || commit="$commit + local changes in: $dirty"
cpu_model="$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
mount_info="$(findmnt -no SOURCE,FSTYPE -T "$tmp" 2>/dev/null | head -1 || true)"
[ -n "$mount_info" ] || mount_info="$(df -T "$tmp" | awk 'NR==2{print $1, $2}')"
echo "== Centinela write-path benchmark =="
echo "date        $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "git commit  $commit"
bin_time="$(stat -c %Y "$centinela")"
head_time="$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)"
echo "binary      $centinela, built $(date -u -d "@$bin_time" '+%Y-%m-%d %H:%M:%S UTC'), $("$centinela" version 2>/dev/null | head -1)"
if [ "$head_time" -gt "$bin_time" ]; then
  echo "            warning: the binary is older than the last commit; rebuild it for figures that match the commit"
fi
echo "cpu         $(nproc) x ${cpu_model:-unknown}"
echo "memory      $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "kernel      $(uname -sr)"
echo "temp dir    $tmp on $mount_info (SQLite file and PostgreSQL data share this disk: ${TMPDIR:-/tmp})"
echo "postgresql  $("$psql_bin" -XAtc 'SHOW server_version' 2>/dev/null || echo '?') at $PGHOST:$PGPORT, fsync on, synchronous_commit $("$psql_bin" -XAtc 'SHOW synchronous_commit' 2>/dev/null || echo '?')"
echo "load avg    $(loadavg) before the run (1, 5, 15 min; PSI some avg10)"
echo "settings    clients=$clients duration=${duration}s warmup=${warmup}s write_path threads=$client_threads" \
     "pgbench -j $pg_jobs -M $pg_mode; CENTINELA_LOG_ACCESS=$CENTINELA_LOG_ACCESS"
if [ "${BENCH_FSYNC_PROBE:-1}" = 1 ]; then
  probe_bin="$(dirname "$pgbench_bin")/pg_test_fsync"
  [ -x "$probe_bin" ] || probe_bin="$(ls -d /usr/lib/postgresql/*/bin/pg_test_fsync 2>/dev/null | sort -V | tail -1)"
  if [ -n "$probe_bin" ] && [ -x "$probe_bin" ]; then
    fsync_rate="$("$probe_bin" -s 1 -f "$tmp/fsync.probe" 2>/dev/null |
                  awk '/one 8kB write/{s=1} s && $1 == "fdatasync"{print $2; exit}')" || true
    rm -f "$tmp/fsync.probe"
    echo "disk        fdatasync of one 8 kB write, serial: ${fsync_rate:-?} ops/s (pg_test_fsync -s 1)"
  fi
fi
echo

# --- one Centinela server + write_path ------------------------------------------------
declare -A rps p50 p99 p90 maxl errs notes counted
failed=0

# Reports the run created, counted in the store after the server stopped: rows of `reports`
# and "report.created" events whose reporter is one of the run's accounts
# (rp-<run id>-NNN@bench.centinela.example). Prints "reports events".
count_reports() {
  local label="$1" run_id="$2"
  local sql="SELECT (SELECT count(*) FROM reports r JOIN users u ON u.id = r.reporter_id
                       WHERE u.email LIKE 'rp-$run_id-%'),
                    (SELECT count(*) FROM events e JOIN users u ON u.id = e.actor
                       WHERE e.type = 'report.created' AND u.email LIKE 'rp-$run_id-%')"
  case "$label" in
    *sqlite) command -v sqlite3 >/dev/null || { echo "? ?"; return; }
             sqlite3 -separator ' ' "$tmp/$label-data/centinela.db" "$sql" ;;
    *) "$psql_bin" -XAt -F ' ' -c "$sql" ;;
  esac
}

# run_centinela LABEL WORKLOAD SERVE_ARGS...: one server, one write_path run against it.
run_centinela() {
  local label="$1" workload="$2"; shift 2
  local log="$tmp/$label.server.log" pid port=""
  local -a env_args=()
  if [ "$workload" = reports ]; then
    # The bench's 64 accounts each write hundreds of reports a second: lift the per-user
    # report budget (10/min, 100/day by default) for this server only.
    env_args=(CENTINELA_REPORTS_MAX_PER_MINUTE=0 CENTINELA_REPORTS_MAX_PER_DAY=0)
    set -- --demo "$@"
  fi
  note "$label: starting ${env_args[*]} centinela serve $*"
  env "${env_args[@]}" "$centinela" serve --listen 127.0.0.1:0 "$@" >"$tmp/$label.server.out" 2>"$log" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 300); do
    port="$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$log" 2>/dev/null | head -1 | sed 's/.*://')" || true
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$log" >&2; die "$label: centinela serve exited during start-up"; }
    sleep 0.2
  done
  [ -n "$port" ] || { tail -n 20 "$log" >&2; die "$label: centinela serve did not start listening within 60 s"; }
  note "$label: server pid $pid on 127.0.0.1:$port; registering $clients clients (Argon2id, takes a while)"

  local out rc=0 load_before
  load_before="$(loadavg)"
  out="$("$write_path" --host 127.0.0.1 --port "$port" --workload "$workload" --clients "$clients" \
           --duration "$duration" --warmup "$warmup" --threads "$client_threads" --anonymous "$anonymous" \
           --label "$label" --server-pid "$pid" --json)" || rc=$?
  local metrics
  metrics="$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" || true)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { note "$label: server ignored SIGTERM for 15 s; killing"; kill -KILL "$pid"; }
  wait "$pid" 2>/dev/null || true

  if [ -z "$out" ]; then
    failed=1; notes[$label]="write_path failed (exit $rc), see above"; rps[$label]=0; return
  fi
  [ "$rc" = 0 ] || failed=1
  rps[$label]="$(jget "$out" rps)"; p50[$label]="$(jget "$out" p50_ms)"; p90[$label]="$(jget "$out" p90_ms)"
  p99[$label]="$(jget "$out" p99_ms)"; maxl[$label]="$(jget "$out" max_ms)"; errs[$label]="$(jget "$out" errors)"
  local batch commit
  batch="$(awk '/^centinela_store_batch_size_sum/{s=$2} /^centinela_store_batch_size_count/{c=$2} END{if(c>0) printf "%.1f", s/c}' <<<"$metrics")"
  commit="$(awk '/^centinela_store_commit_seconds_sum/{s=$2} /^centinela_store_commit_seconds_count/{c=$2} END{if(c>0) printf "%.2f", 1000*s/c}' <<<"$metrics")"
  echo "$label: $out"
  echo "$label: load avg before $load_before, after $(loadavg); CPU over the measured window:" \
       "server $(jget "$out" server_cores) cores, write_path $(jget "$out" client_cores) cores; group commits: mean batch ${batch:-?} writes, mean commit ${commit:-?} ms"
  if [ "$workload" = reports ]; then
    # Durability and accounting: every 201 of the run (warm-up included) is one report row
    # and one report.created event in the store, and nothing else was created.
    local ok_total reports events
    ok_total="$(jget "$out" ok_total)"
    read -r reports events <<<"$(count_reports "$label" "$(jget "$out" run_id)")"
    counted[$label]="$reports"
    if [ "$reports" = "$ok_total" ] && [ "$events" = "$ok_total" ]; then
      echo "$label: accounting: $ok_total answers 201 (warm-up included) = $reports reports = $events report.created events in the store: OK"
    else
      failed=1; notes[$label]="store holds $reports reports / $events events for $ok_total 201s"
      echo "$label: accounting: MISMATCH: $ok_total answers 201 but the store holds $reports reports and $events report.created events" >&2
    fi
  fi
  echo
}

run_pgbench() {
  local script="$repo/bench/pgbench_insert.sql" out rc=0 logs="$tmp/pgbench"
  [ -f "$script" ] || die "$script missing"
  "$psql_bin" -Xq -v ON_ERROR_STOP=1 <<'SQL' || die "pgbench: cannot create table bench_writes"
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_writes;
CREATE TABLE bench_writes (id bigserial PRIMARY KEY, client int NOT NULL, at bigint NOT NULL, body text NOT NULL);
SQL
  note "pgbench: warm-up ${warmup}s, then ${duration}s, -c $clients -j $pg_jobs -M $pg_mode"
  if [ "${warmup%.*}" -gt 0 ] 2>/dev/null; then
    "$pgbench_bin" -n -c "$clients" -j "$pg_jobs" -M "$pg_mode" -T "${warmup%.*}" -f "$script" >/dev/null 2>&1 ||
      note "pgbench warm-up failed"
  fi
  mkdir -p "$logs"
  local load_before
  load_before="$(loadavg)"
  out="$(cd "$logs" && "$pgbench_bin" -n -c "$clients" -j "$pg_jobs" -M "$pg_mode" -T "$duration" -f "$script" \
           --log --log-prefix=tx 2>&1)" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "$out" >&2; failed=1; notes[pgbench]="pgbench failed (exit $rc)"; rps[pgbench]=0; return
  fi
  rps[pgbench]="$(awk '/^tps = /{printf "%.1f", $3; exit}' <<<"$out")"
  local avg
  avg="$(awk '/^latency average = /{print $4; exit}' <<<"$out")"
  errs[pgbench]="$(awk '/number of failed transactions:/{print $5; exit}' <<<"$out")"
  errs[pgbench]="${errs[pgbench]:-0}"
  # Per-transaction log lines: client tx_no latency_us script epoch_s epoch_us. Keep the
  # transactions of the run (all of them: pgbench has no warm-up inside a run).
  local pct
  pct="$(cat "$logs"/tx.* | awk '{print $3}' | sort -n |
         awk '{a[NR]=$1} END{if(NR==0){print "? ? ? ?"; exit}
              i50=int(NR*0.50)+1; i90=int(NR*0.90)+1; i99=int(NR*0.99)+1; if(i99>NR)i99=NR; if(i90>NR)i90=NR;
              printf "%.3f %.3f %.3f %.3f", a[i50]/1000, a[i90]/1000, a[i99]/1000, a[NR]/1000}')"
  read -r p50[pgbench] p90[pgbench] p99[pgbench] maxl[pgbench] <<<"$pct"
  echo "pgbench: tps ${rps[pgbench]}, latency average $avg ms, p50 ${p50[pgbench]} p90 ${p90[pgbench]}" \
       "p99 ${p99[pgbench]} max ${maxl[pgbench]} ms (from --log), failed ${errs[pgbench]}"
  echo "pgbench: load avg before $load_before, after $(loadavg)"
  echo
}

for s in $systems; do
  case "$s" in
    sqlite) run_centinela sqlite patch-me --data-dir "$tmp/sqlite-data" ;;
    postgresql) run_centinela postgresql patch-me --data-dir "$tmp/pg-data" --db "$CENTINELA_TEST_PG_URL" ;;
    pgbench) run_pgbench ;;
    reports-sqlite) run_centinela reports-sqlite reports --data-dir "$tmp/reports-sqlite-data" ;;
    reports-postgresql)
      run_centinela reports-postgresql reports --data-dir "$tmp/reports-pg-data" --db "$CENTINELA_TEST_PG_URL" ;;
    *) die "unknown system '$s' in BENCH_SYSTEMS (sqlite, postgresql, pgbench, reports-sqlite, reports-postgresql)" ;;
  esac
done

# --- the table -------------------------------------------------------------------------
declare -A names
names[sqlite]="Centinela PATCH /me, SQLite"
names[postgresql]="Centinela PATCH /me, PostgreSQL"
names[pgbench]="pgbench INSERT ($pg_mode)"
names[reports-sqlite]="Centinela POST /reports, SQLite"
names[reports-postgresql]="Centinela POST /reports, PostgreSQL"
base="${rps[pgbench]:-}"
echo "| system | clients | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | ÷ pgbench tps |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for s in $systems; do
  ratio="-"
  if [ -n "$base" ] && [ "$base" != 0 ] && [ -n "${rps[$s]:-}" ]; then
    ratio="$(awk -v a="${rps[$s]}" -v b="$base" 'BEGIN{printf "%.2f", a/b}')"
  fi
  printf '| %s | %s | %.0f | %s | %s | %s | %s | %s | %s |\n' "${names[$s]}" "$clients" "${rps[$s]:-0}" \
    "${p50[$s]:--}" "${p90[$s]:--}" "${p99[$s]:--}" "${maxl[$s]:--}" "${errs[$s]:--}${notes[$s]:+ (${notes[$s]})}" "$ratio"
done
echo
echo "load avg after the run: $(loadavg)"
if [ -n "${rps[sqlite]:-}" ]; then
  verdict="$(awk -v r="${rps[sqlite]}" -v p="${p99[sqlite]:-1e9}" \
             'BEGIN{print (r >= 20000 && p <= 20) ? "MET" : "NOT MET"}')"
  echo "bar (SQLite >= 20,000 durable writes/s with p99 <= 20 ms): $verdict (${rps[sqlite]} req/s, p99 ${p99[sqlite]:-?} ms)"
fi
if [ -n "${rps[reports-sqlite]:-}" ] && [ -n "${rps[reports-postgresql]:-}" ] && [ "${rps[reports-sqlite]}" != 0 ]; then
  echo "reports: PostgreSQL / SQLite = $(awk -v a="${rps[reports-postgresql]}" -v b="${rps[reports-sqlite]}" 'BEGIN{printf "%.2f", a/b}')"
fi
if [ -n "${rps[reports-sqlite]:-}" ]; then
  verdict="$(awk -v r="${rps[reports-sqlite]}" -v p="${p99[reports-sqlite]:-1e9}" \
             'BEGIN{print (r >= 10000 && p <= 25) ? "MET" : "NOT MET"}')"
  echo "bar (SQLite >= 10,000 reports/s with p99 <= 25 ms, every 201 counted in the store): $verdict" \
       "(${rps[reports-sqlite]} req/s, p99 ${p99[reports-sqlite]:-?} ms, ${counted[reports-sqlite]:-?} reports stored)"
fi
# Live-stream fan-out: Centinela's WebSocket stream beside nats-server and mosquitto
# (bench/fanout/run.sh; its own FANOUT_* settings). BENCH_SKIP_FANOUT=1 leaves it out.
if [ -z "${BENCH_SKIP_FANOUT:-}" ]; then
  echo
  echo "## Live stream fan-out"
  "$repo/bench/fanout/run.sh" "$build" || failed=1
fi
# The pure hotspot functions (Gi*, KDE, Knox) on a city-sized synthetic input
# (bench/hotspots/hotspots_bench; docs/analytics.md). BENCH_SKIP_HOTSPOTS=1 leaves it out.
if [ -z "${BENCH_SKIP_HOTSPOTS:-}" ]; then
  echo
  echo "## Hotspot statistics (pure functions, one thread)"
  if [ -x "$build/bench/hotspots/hotspots_bench" ]; then
    "$build/bench/hotspots/hotspots_bench" || failed=1
  else
    echo "skipped: $build/bench/hotspots/hotspots_bench is not built (ninja -C $build hotspots_bench)"
  fi
fi
# The crime map: CDMX import on SQLite and PostgreSQL, 250 m grids over 10 M incidents in
# the in-memory index and in PostGIS (bench/analytics/run.sh, docs/benchmarks.md "Crime
# map"). BENCH_SKIP_ANALYTICS=1 leaves it out; ANALYTICS_* vary it.
if [ -z "${BENCH_SKIP_ANALYTICS:-}" ]; then
  echo
  echo "## Crime map"
  if [ -x "$build/bench/analytics/analytics_bench" ]; then
    "$repo/bench/analytics/run.sh" "$build" || failed=1
  else
    echo "skipped: $build/bench/analytics/analytics_bench is not built (ninja -C $build analytics_bench)"
  fi
fi
# Tracking: a 25,000-unit fleet through the JSON batch API and OsmAnd, and the nearest-unit
# query, beside Redis GEO (bench/tracking/run.sh, docs/benchmarks.md "Tracking").
# BENCH_SKIP_TRACKING=1 leaves it out; TRACKING_* vary it.
if [ -z "${BENCH_SKIP_TRACKING:-}" ]; then
  echo
  echo "## Tracking"
  "$repo/bench/tracking/run.sh" "$build" || failed=1
fi
[ "$failed" = 0 ] || die "some requests or runs failed (see above)"
