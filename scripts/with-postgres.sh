#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL server (see --help).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/with-postgres.sh <command> [args...]

Starts a temporary PostgreSQL server for the duration of <command>:
  - initdb in a fresh mktemp -d directory (trust auth, superuser "centinela", UTF8),
  - listening only on 127.0.0.1 on a free port, socket directory inside the temp dir,
    fsync on (durability is part of what the tests measure),
  - creates database "centinela_test" and exports
      CENTINELA_TEST_PG_URL=postgresql://centinela@127.0.0.1:PORT/centinela_test
    (also PGHOST, PGPORT, PGUSER, PGDATABASE for psql/pgbench),
  - runs <command>, then always stops the server and deletes the directory.
Exits with the command's status, or non-zero with a message if the server cannot start.

Run as root: server binaries run as the "postgres" system user (runuser), the command
itself runs as you. Run as another user: the binaries run as that user.

Environment:
  PG_BINDIR        directory holding initdb/pg_ctl/postgres (default: newest
                   /usr/lib/postgresql/*/bin, else PATH)
  PG_RUN_AS        user for the server binaries when run as root (default: postgres)
  PG_START_TIMEOUT seconds to wait for the server (default: 60)
  PG_KEEP_LOG=1    print the server log on exit even when the command succeeded

Example:
  scripts/with-postgres.sh ctest --test-dir build-pg -L pg --output-on-failure
EOF
}

if [ $# -eq 0 ]; then
  usage >&2
  exit 2
fi
case "$1" in
  -h|--help) usage; exit 0 ;;
esac

die() {
  echo "with-postgres: error: $*" >&2
  exit 1
}
note() { echo "with-postgres: $*" >&2; }

# --- locate the server binaries ------------------------------------------------------
bindir="${PG_BINDIR:-}"
if [ -z "$bindir" ]; then
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
    if [ -x "$d/initdb" ]; then bindir="$d"; break; fi
  done
fi
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
  bindir="$(dirname "$(command -v initdb)")"
fi
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] ||
  die "PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql-15" \
      "(scripts/install-deps.sh --with-postgres) or set PG_BINDIR"
for tool in pg_isready createdb; do
  if [ ! -x "$bindir/$tool" ] && ! command -v "$tool" >/dev/null 2>&1; then
    die "$tool not found (install postgresql-client-15)"
  fi
done
client() {  # client tools run as the caller; prefer the ones next to the server
  local tool="$1"; shift
  if [ -x "$bindir/$tool" ]; then "$bindir/$tool" "$@"; else "$tool" "$@"; fi
}

# --- who runs the server -------------------------------------------------------------
as_server=()
run_as="${PG_RUN_AS:-postgres}"
if [ "$(id -u)" = 0 ]; then
  id "$run_as" >/dev/null 2>&1 ||
    die "running as root, but user \"$run_as\" does not exist; PostgreSQL refuses to run" \
        "as root. Create it (apt-get install postgresql-15 does) or set PG_RUN_AS=<user>."
  if command -v runuser >/dev/null 2>&1; then
    as_server=(runuser -u "$run_as" --)
  else
    as_server=(su -s /bin/sh "$run_as" -c '"$0" "$@"')
  fi
fi
server() { "${as_server[@]}" "$@"; }

# --- temp dir and cleanup ------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/centinela-pg.XXXXXX")"
data="$tmp/data"
sock="$tmp/sock"
log="$tmp/server.log"
started=0
cleanup() {
  local rc=$?
  set +e
  if [ "$started" = 1 ]; then
    server "$bindir/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      server "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
  fi
  if [ "${PG_KEEP_LOG:-0}" = 1 ] && [ -s "$log" ]; then
    note "server log:"
    cat "$log" >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$sock"
if [ "$(id -u)" = 0 ]; then
  chown -R "$run_as": "$tmp" || die "cannot chown $tmp to $run_as"
fi
chmod 700 "$tmp"
# The server user must be able to reach the temp dir through its parents.
server test -w "$tmp" || die "user ${run_as} cannot write $tmp (set TMPDIR to a reachable dir)"

# --- initdb --------------------------------------------------------------------------
if ! server "$bindir/initdb" -D "$data" -U centinela --auth=trust -E UTF8 \
       --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1; then
  # Older images may lack the C.UTF-8 locale; retry with plain C.
  rm -rf "$data"
  server "$bindir/initdb" -D "$data" -U centinela --auth=trust -E UTF8 --locale=C \
      >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
fi

# --- pick a free loopback port and start ---------------------------------------------
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' \
      2>/dev/null && return 0
  fi
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

timeout_s="${PG_START_TIMEOUT:-60}"
port=""
for attempt in 1 2 3; do
  port="$(free_port)" || die "could not find a free TCP port on 127.0.0.1"
  : >"$log"
  [ "$(id -u)" = 0 ] && chown "$run_as": "$log"
  if server "$bindir/pg_ctl" -D "$data" -l "$log" -w -t "$timeout_s" -s \
       -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c fsync=on \
           -c synchronous_commit=on -c max_connections=200" start >"$tmp/pg_ctl.out" 2>&1; then
    started=1
    break
  fi
  # A lost race for the port shows up as "could not bind"; anything else is fatal.
  if grep -q "could not bind\|Address already in use" "$log" 2>/dev/null; then
    note "port $port was taken, retrying ($attempt/3)"
    continue
  fi
  note "pg_ctl said:"; cat "$tmp/pg_ctl.out" >&2
  if [ -s "$log" ]; then note "server log:"; tail -n 40 "$log" >&2; fi
  die "PostgreSQL did not start on 127.0.0.1:$port (see above)"
done
[ "$started" = 1 ] || die "PostgreSQL did not start after 3 attempts"

ready=0
for _ in $(seq 1 $(( timeout_s * 5 ))); do
  if client pg_isready -q -h 127.0.0.1 -p "$port" -U centinela -d postgres; then
    ready=1; break
  fi
  sleep 0.2
done
[ "$ready" = 1 ] || { tail -n 40 "$log" >&2; die "server started but never became ready"; }

client createdb -h 127.0.0.1 -p "$port" -U centinela centinela_test ||
  die "could not create database centinela_test"

export CENTINELA_TEST_PG_URL="postgresql://centinela@127.0.0.1:${port}/centinela_test"
export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=centinela PGDATABASE=centinela_test
note "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" \
     "(data in $tmp); CENTINELA_TEST_PG_URL=$CENTINELA_TEST_PG_URL"

# --- run the command (not exec: the trap must stop the server afterwards) ------------
set +e
"$@"
rc=$?
set -e
exit "$rc"
