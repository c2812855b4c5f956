#!/usr/bin/env bash
# clang-tidy (the repository's .clang-tidy, every finding an error) on the C++ files of src/
# changed since the merge base, or on all of src/ with --all; then the thread-safety check
# (scripts/thread-safety.sh). Usage: scripts/lint.sh [--all] [BUILD_DIR]
# Base of "changed": `git merge-base HEAD origin/main` when origin/main exists and differs
# from HEAD, else HEAD~1 (a clean clone of main lints its last commit); with neither
# (a single-commit clone) nothing is linted and the script says so. LINT_BASE=<ref> sets the
# base by hand (e.g. LINT_BASE=main on a branch of a local clone).
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
if [ "${1:-}" = "--all" ]; then all=1; shift; fi
build="${1:-build}"
jobs="${JOBS:-$(nproc)}"
tidy="${CLANG_TIDY:-$(command -v clang-tidy || command -v clang-tidy-14 || true)}"
if [ -z "$tidy" ]; then
  echo "lint: clang-tidy not found; run scripts/install-deps.sh (it installs clang-tidy)" >&2
  exit 1
fi
if [ ! -f "$build/compile_commands.json" ]; then
  echo "lint: $build/compile_commands.json missing; configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON" >&2
  exit 2
fi

if [ "$all" = 1 ]; then
  mapfile -t files < <(git ls-files 'src/*.cc')
  echo "lint: clang-tidy on all ${#files[@]} files of src/"
else
  base=""
  if [ -n "${LINT_BASE:-}" ]; then
    base=$(git merge-base HEAD "$LINT_BASE")
  elif git rev-parse -q --verify origin/main >/dev/null; then
    base=$(git merge-base HEAD origin/main)
    [ "$base" = "$(git rev-parse HEAD)" ] && base=""
  fi
  if [ -z "$base" ] && git rev-parse -q --verify HEAD~1 >/dev/null; then base=$(git rev-parse HEAD~1); fi
  if [ -z "$base" ]; then
    echo "lint: no origin/main and no HEAD~1: nothing to compare with, no file linted"
    files=()
  else
    # Changed .cc files, and the .cc beside each changed .h (headers are checked through
    # the files that include them: HeaderFilterRegex in .clang-tidy).
    mapfile -t files < <(
      { git diff --name-only --diff-filter=d "$base" -- 'src/*.cc' 'src/*.h'
        git ls-files --others --exclude-standard -- 'src/*.cc' 'src/*.h'; } |
        sed 's/\.h$/.cc/' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
    echo "lint: clang-tidy on ${#files[@]} file(s) of src/ changed since $(git rev-parse --short "$base")"
  fi
fi

start=$(date +%s)
status=0
if [ ${#files[@]} -gt 0 ]; then
  # GCC-only options in compile_commands.json (-Wno-error=restrict) are not clang's.
  printf '%s\n' "${files[@]}" | xargs -P "$jobs" -n 1 "$tidy" -p "$build" --quiet \
    --warnings-as-errors='*' --extra-arg=-Wno-unknown-warning-option || status=1
fi
echo "lint: clang-tidy $([ $status = 0 ] && echo ok || echo FAILED) ($(( $(date +%s) - start )) s)"
[ $status = 0 ] || exit 1
