# Shared by the benchmark scripts; sourced, never run. Gives each script its messages, its
# build directory, a temp dir that is removed at exit together with every process the script
# started, and the port helpers. A script sets, before sourcing:
#   bench_name   the prefix of its messages ("fanout-bench")
#   bench_keep   the variable that keeps the temp dir when 1 or set ("FANOUT_KEEP")
# and then calls bench_build "${1:-build}" and bench_tmp <prefix>.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "$bench_name: error: $*" >&2; exit 1; }
note() { echo "$bench_name: $*" >&2; }

# bench_build DIR: $build (absolute) and $centinela in it.
bench_build() {
  build="$1"
  case "$build" in /*) ;; *) build="$(pwd)/$build" ;; esac
  centinela="$build/centinela"
}

# bench_need TARGETS BIN...: every BIN must be an executable, else say how to build it.
bench_need() {
  local targets="$1" bin
  shift
  for bin in "$@"; do
    [ -x "$bin" ] || die "$bin not found; build it: ninja -C $build $targets (or make bench)"
  done
}

# bench_tmp PREFIX: $tmp, a fresh temp dir; $pids, the processes to stop at exit (TERM, then
# KILL after 10 s); both cleaned up on exit, Ctrl-C and TERM.
bench_tmp() {
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/centinela-$1.XXXXXX")"
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_cleanup() {
  local rc=$? p
  set +e
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  local keep="${!bench_keep:-0}"
  if [ "$keep" != 0 ]; then note "kept $tmp"; else rm -rf "$tmp"; fi
  exit "$rc"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 20000))
}

# wait_port PORT PID WHAT [TENTHS]: until PORT accepts (default 30 s), or PID has exited.
wait_port() {
  for _ in $(seq 1 "${4:-300}"); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || die "$3 exited at start (log in $tmp)"
    sleep 0.1
  done
  die "$3 did not open port $1"
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# bench_in_postgres MARKER SCRIPT ARGS...: re-runs SCRIPT under scripts/with-postgres.sh (a
# throw-away PostgreSQL 15, removed afterwards) unless this run is that re-run already.
bench_in_postgres() {
  local marker="$1"
  shift
  if [ -z "${CENTINELA_TEST_PG_URL:-}" ] || [ -z "${!marker:-}" ]; then
    export "$marker=1"
    exec "$repo/scripts/with-postgres.sh" "$@"
  fi
}

# The short commit of the checkout the script runs from.
bench_commit() { git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown; }
