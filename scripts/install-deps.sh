#!/usr/bin/env bash
# Installs every build, test and run-time dependency of Centinela from Debian 12 packages.
# Idempotent: when everything is present already it returns quickly without touching apt.
# Usage: scripts/install-deps.sh [--with-postgres] [--with-bench] [--with-web] [--with-e2e]
set -euo pipefail

want_pg=0
want_bench=0
want_web=0
want_e2e=0
for arg in "$@"; do
  case "$arg" in
    --with-postgres) want_pg=1 ;;
    --with-bench) want_bench=1 ;;
    --with-web) want_web=1 ;;
    --with-e2e) want_web=1; want_e2e=1 ;;
    -h|--help)
      echo "usage: scripts/install-deps.sh [--with-postgres] [--with-bench] [--with-web] [--with-e2e]"
      echo "  installs compilers, Boost 1.81, SQLite, libpq, libsodium, spdlog, fmt, CLI11,"
      echo "  toml++, GoogleTest, Google Benchmark, clang and clang-tidy (make lint); --with-postgres"
      echo "  adds the PostgreSQL 15 server used by the test suite; --with-bench adds what make bench runs: pgbench and"
      echo "  pg_test_fsync (both in postgresql-15), psql (postgresql-client-15), nats-server and"
      echo "  mosquitto (bench/fanout's anchors), redis-server (bench/tracking's); --with-web adds Node.js and npm for the web app"
      echo "  (Vite 8 needs Node 20.19 or newer); --with-e2e adds Debian's chromium and a font for"
      echo "  the browser tests (web/e2e, driven by playwright-core from npm)."
      exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential g++ cmake ninja-build pkg-config git ca-certificates lld
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libsqlite3-dev sqlite3 libpq-dev libsodium-dev libspdlog-dev libfmt-dev
  libcli11-dev libtomlplusplus-dev libgtest-dev libgmock-dev libbenchmark-dev
  libxml2-utils curl zlib1g-dev
  clang clang-tidy
)
if [ "$want_pg" = 1 ]; then
  packages+=(postgresql-15 postgresql-client-15)
fi
if [ "$want_bench" = 1 ]; then
  # bench/run.sh: pgbench and pg_test_fsync ship in postgresql-15 on Debian 12, psql in the
  # client package; curl (above) scrapes /metrics. bench/write_path/profile.sh also needs
  # linux-perf, installed by hand since make bench does not profile.
  packages+=(postgresql-15 postgresql-client-15)
  # bench/analytics: the PostGIS anchor of the crime-map aggregation.
  packages+=(postgresql-15-postgis-3)
  # bench/fanout: the NATS and MQTT brokers it measures beside Centinela's live stream
  # (the bench starts its own instances on free loopback ports).
  packages+=(nats-server mosquitto)
  # bench/tracking: Redis (GEOADD / GEOSEARCH) beside the position ingest and nearest-unit
  # query; the bench starts its own redis-server on a free loopback port.
  packages+=(redis-server)
fi
if [ "$want_web" = 1 ] && ! command -v npm >/dev/null 2>&1; then
  # The web app (web/): npm ci and the Vite build. A machine that already has Node.js from
  # elsewhere (e.g. NodeSource's nodejs, which carries npm) keeps it.
  packages+=(nodejs npm)
fi
if [ "$want_e2e" = 1 ]; then
  # web/e2e drives Debian's chromium (/usr/bin/chromium) through playwright-core.
  packages+=(chromium fonts-dejavu-core)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's postgresql package creates and starts a cluster; our tests start their own
# server in a temporary directory, so the system one is left as the package set it up.
echo "install-deps: done"
