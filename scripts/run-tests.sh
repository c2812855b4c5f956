#!/usr/bin/env bash
# Runs every test through CTest: unit, integration (loopback, SQLite) and the storage and
# API suites against a real PostgreSQL 15 started for this run by scripts/with-postgres.sh.
# Usage: scripts/run-tests.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
jobs=${JOBS:-$(nproc)}
if [ ! -f "$build/CTestTestfile.cmake" ]; then
  echo "run-tests: $build is not a configured build directory (run make test)" >&2
  exit 2
fi
# The PostgreSQL suites must run, not skip: with-postgres.sh fails if the server cannot start.
exec "$here/with-postgres.sh" ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 600
