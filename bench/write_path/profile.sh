#!/usr/bin/env bash
# Profiles `centinela serve` under the write_path load: where the server's CPU goes, per
# thread and per phase of a write, plus the group-commit figures from /metrics. A tool for
# the person optimising the write path (docs/benchmarks.md, "Profile"); not part of make bench.
#
# usage: bench/write_path/profile.sh [BUILD_DIR]      (default BUILD_DIR: build)
# Environment: PROFILE_SECONDS=10 (perf window), BENCH_CLIENTS=64, PROFILE_FREQ=499 (Hz),
#   PROFILE_DB=sqlite | postgresql://... (default sqlite in a temp dir),
#   PROFILE_KEEP=1 keeps the temp dir with perf.data (perf report -i DIR/perf.data),
#   PROFILE_WORKLOAD=patch-me | reports (reports: the server runs with --demo and its report
#   rate limits lifted, as in bench/run.sh).
# Needs perf (Debian: linux-perf) and permission to profile the server (root, or
# kernel.perf_event_paranoid <= 1). The server is sampled with DWARF call graphs, which work
# on a Release build without frame pointers.
set -euo pipefail

bench_name=profile bench_keep=PROFILE_KEEP
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bench_build "${1:-build}"
write_path="$build/bench/write_path/write_path"
bench_need "centinela write_path" "$centinela" "$write_path"
command -v perf >/dev/null || die "perf not found (apt-get install linux-perf)"
seconds="${PROFILE_SECONDS:-10}"
clients="${BENCH_CLIENTS:-64}"
freq="${PROFILE_FREQ:-499}"
db="${PROFILE_DB:-sqlite}"
workload="${PROFILE_WORKLOAD:-patch-me}"
export CENTINELA_LOG_ACCESS="${CENTINELA_LOG_ACCESS:-false}"
# Every benchmark client registers from 127.0.0.1: no per-address registration limit here.
export CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP="${CENTINELA_AUTH_REGISTER_MAX_PER_MINUTE_PER_IP:-0}"
export CENTINELA_AUTH_REGISTER_MAX_PER_DAY_PER_IP="${CENTINELA_AUTH_REGISTER_MAX_PER_DAY_PER_IP:-0}"

bench_tmp profile

db_args=(--data-dir "$tmp/data")
[ "$db" = sqlite ] || db_args+=(--db "$db")
env_args=()
if [ "$workload" = reports ]; then
  db_args+=(--demo)
  env_args=(CENTINELA_REPORTS_MAX_PER_MINUTE=0 CENTINELA_REPORTS_MAX_PER_DAY=0)
fi
env "${env_args[@]}" "$centinela" serve --listen 127.0.0.1:0 "${db_args[@]}" >"$tmp/server.out" 2>"$tmp/server.log" &
server=$!
pids+=("$server")
port=""
for _ in $(seq 1 300); do
  port="$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$tmp/server.log" | head -1 | sed 's/.*://')" || true
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/server.log" >&2; die "server exited"; }
  sleep 0.2
done
[ -n "$port" ] || die "server did not start"
metrics() { curl -s --max-time 5 "http://127.0.0.1:$port/metrics" | grep -E '^centinela_store_(batch_size|commit_seconds)_(sum|count)' | awk '{print $2}' | paste -sd' '; }

"$write_path" --host 127.0.0.1 --port "$port" --workload "$workload" --clients "$clients" --warmup 2 --duration "$((seconds + 6))" \
  --server-pid "$server" --label profile >"$tmp/wp.out" 2>"$tmp/wp.err" &
wp=$!
pids+=("$wp")
for _ in $(seq 1 600); do
  grep -q "registered" "$tmp/wp.err" 2>/dev/null && break
  kill -0 "$wp" 2>/dev/null || { cat "$tmp/wp.err" >&2; die "write_path exited during setup"; }
  sleep 0.5
done
sleep 3  # past the warm-up
load="$(cut -d' ' -f1-3 /proc/loadavg)"
m0="$(metrics)"
perf record -q -o "$tmp/perf.data" -F "$freq" --call-graph dwarf,32768 -p "$server" -- sleep "$seconds" \
  >/dev/null 2>"$tmp/perf.err" || { cat "$tmp/perf.err" >&2; die "perf record failed"; }
m1="$(metrics)"
wait "$wp" || true
cat "$tmp/wp.out"
echo "load average at the start of the perf window: $load"

# metrics: batch_sum batch_count commit_sum commit_count
read -r b0 n0 c0 _ <<<"$m0"
read -r b1 n1 c1 _ <<<"$m1"
awk -v b="$(awk -v x="$b1" -v y="$b0" 'BEGIN{print x-y}')" \
    -v n="$((n1 - n0))" -v c="$(awk -v x="$c1" -v y="$c0" 'BEGIN{print x-y}')" -v s="$seconds" 'BEGIN{
  if (n <= 0) { print "no group commits in the window"; exit }
  printf "group commits in the %ds window: %d writes in %d batches (%.0f writes/s, mean batch %.1f),\n", s, b, n, b/s, b/n
  printf "  mean time per batch in the store writer (execute + commit incl. fsync) %.2f ms;\n", 1000*c/n
  printf "  the writer spent %.0f%% of the wall time inside batches (batches straddling the window edges can push this past 100%%)\n", 100*c/s }'

perf report -i "$tmp/perf.data" --children --sort pid,sym -g none --stdio 2>/dev/null >"$tmp/report.txt"
perf report -i "$tmp/perf.data" --no-children --sort sym -g none --stdio 2>/dev/null >"$tmp/self.txt"
# cpu-clock samples carry their period in ns: the event count is the CPU time sampled.
cpu_ns="$(perf report -i "$tmp/perf.data" --sort pid -g none --stdio 2>/dev/null | awk '/^# Event count/{print $NF; exit}')"

# Inclusive share (children %) of each marker within each thread group, normalised to that
# group's own samples. Markers were chosen so that, within a group, they do not nest
# (except the indented "of which" lines); SELF: sums self time, SUM: sums sibling symbols.
awk -v secs="$seconds" -v cpu_ns="${cpu_ns:-0}" '
  function tidof(s,  a) { split(s, a, ":"); return a[1] }
  /^#/ || NF < 4 { next }
  {
    pct = $1; sub(/%/, "", pct); self = $2; sub(/%/, "", self)
    tid = tidof($3); line = $0
    selfsum[tid] += self
    if (line ~ /GroupCommitter::WriterLoop/ || (line ~ /_M_run/ && line ~ /Store::Open|store::/)) grp[tid] = "writer"
    if (line ~ /_M_run/ && line ~ /http::Server::Impl::Start/) grp[tid] = "io"
    n = split("writer:SQL statements of the writes (Tx::Exec, PATCH /me: UPDATE users ... RETURNING, a round trip each on PostgreSQL)=SqliteTx::Exec|PgTx::Exec|BatchTx::Exec;" \
              "writer:event append incl. hash (Tx::Append)=Tx::Append;" \
              "writer:  of which SHA-256 (ComputeEventHash)=ComputeEventHash;" \
              "writer:BEGIN/SAVEPOINT/RELEASE/COMMIT (Connection::Step)=Connection::Step$;" \
              "writer:  of which WAL write + fdatasync (sqlite3PagerCommitPhaseOne)=sqlite3PagerCommitPhaseOne;" \
              "writer:report write (ReportService::Create WriteFn: SQL, render, event)=ReportService::Create.*lambda.*centinela::store::Tx&;" \
              "writer:  of which the JSON answer (render)=SUM:centinela::api::.*ReportJson|RawJson::Serialize;" \
              "writer:checkpoint of the WAL into the database (sqlite3WalCheckpoint)=sqlite3WalCheckpoint;" \
              "writer:completions on the writer thread (reply, JSON, post to strand)=Accounts::Impl::Write.*lambda.*centinela::Status, std::vector|ReportService::Submit.*lambda.*centinela::Status, std::vector;" \
              "writer:  of which JSON response (UserJson + serialize)=SUM:centinela::api::UserJson|centinela::api::JsonResponse;" \
              "writer:  of which hand-off to the connection strand=execute_ex<boost::asio::strand;" \
              "writer:metrics (Metrics::Observe/Inc)=centinela::Metrics::;" \
              "writer:malloc/free (self, anywhere)=SELF:malloc|_int_free|cfree|_int_malloc|malloc_consolidate|operator new;" \
              "writer:scheduler switch-in (finish_task_switch)=SELF:finish_task_switch;" \
              "io:HTTP read + parse (beast read_op)=beast::http::detail::read_op<;" \
              "io:HTTP response write (beast write_op, incl. loopback TCP)=beast::http::detail::write_op<;" \
              "io:handler (Server::Impl::CallHandler)=Server::Impl::CallHandler;" \
              "io:  bearer auth (api::Authenticate)=centinela::api::Authenticate;" \
              "io:  JSON body parse (api::ParseBody)=centinela::api::ParseBody;" \
              "io:  Accounts::UpdateProfile (validate, event payload, enqueue)=centinela::auth::Accounts::UpdateProfile\\(;" \
              "io:  POST /reports handler (CreateReport: parse, validate, route, enqueue)=namespace\\)::CreateReport;" \
              "io:    of which routing to areas (RouteReport)=centinela::community::RouteReport;" \
              "io:epoll wait=epoll_reactor::run;" \
              "io:malloc/free (self, anywhere)=SELF:malloc|_int_free|cfree|_int_malloc|malloc_consolidate|operator new", m, ";")
    for (i = 1; i <= n; i++) {
      split(m[i], kv, "="); split(kv[1], gl, ":"); label = substr(kv[1], length(gl[1]) + 2); re = kv[2]
      order[i] = gl[1] SUBSEP label; nmark = n
      sym = line; sub(/^.*\] /, "", sym)
      if (re ~ /^SELF:/) { r = substr(re, 6); if (sym ~ ("^(" r ")([@. ]|$)")) val[tid, i] += self }
      else if (re ~ /^SUM:/) { if (sym ~ substr(re, 5)) val[tid, i] += pct }
      else if (sym ~ re && !((tid, i) in seen)) { val[tid, i] = pct; seen[tid, i] = 1 }
    }
  }
  END {
    for (t in selfsum) { g = (t in grp) ? grp[t] : "other"; gsum[g] += selfsum[t]; gthreads[g]++; all += selfsum[t] }
    cores = cpu_ns / 1e9 / secs
    printf "\nserver CPU sampled: %.1f s over %d s = %.2f cores\n", cpu_ns / 1e9, secs, cores
    for (g in gsum) printf "  %-7s %d thread(s): %5.1f%% of server CPU (%.2f cores)\n", g, gthreads[g], 100 * gsum[g] / all, gsum[g] / all * cores
    for (G = 1; G <= 2; G++) {
      gname = G == 1 ? "writer" : "io"
      if (!(gname in gsum)) continue
      printf "\n%s threads, share of their own CPU samples:\n", gname == "writer" ? "store writer" : "HTTP io"
      for (i = 1; i <= nmark; i++) {
        split(order[i], o, SUBSEP); if (o[1] != gname) continue
        s = 0; for (t in selfsum) if (grp[t] == gname) s += val[t, i]
        printf "  %5.1f%%  %s\n", 100 * s / gsum[gname], o[2]
      }
    }
  }' "$tmp/report.txt"

echo
echo "top self symbols (% of all server samples):"
grep -v '^#' "$tmp/self.txt" | grep -v '^$' | head -25 | cut -c1-150
