#!/usr/bin/env bash
# Compiles every src/ translation unit that includes common/mutex.h with
#   clang++ -std=c++20 -fsyntax-only -Wthread-safety -Werror
# using the include paths and defines of the build's compile_commands.json, so the
# GUARDED_BY / REQUIRES annotations (common/thread_annotations.h) are checked. GCC ignores
# them; this is where they are enforced. Usage: scripts/thread-safety.sh [BUILD_DIR]
# Exits 0 with a SKIP line when clang++ is absent (scripts/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
clang="${CLANG:-$(command -v clang++ || command -v clang++-14 || true)}"
if [ -z "$clang" ]; then
  echo "SKIP: clang++ not found (scripts/install-deps.sh installs clang); thread-safety not checked"
  exit 0
fi
db="$build/compile_commands.json"
if [ ! -f "$db" ]; then
  echo "thread-safety: $db missing; configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON" >&2
  exit 2
fi
jobs="${JOBS:-$(nproc)}"
# One line per file: the file, then the -I/-isystem/-D flags of its compile command.
list=$(python3 - "$db" "$PWD/src/" <<'PY'
import json, os, shlex, subprocess, sys
db, src = sys.argv[1], sys.argv[2]
users = set(subprocess.run(
    ["grep", "-rlE", r'#include "common/(mutex|thread_annotations)\.h"', src],
    capture_output=True, text=True).stdout.split())
headers = {os.path.relpath(u, src) for u in users if u.endswith(".h")}
seen = set()
for e in json.load(open(db)):
    f = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if not f.startswith(src) or not f.endswith(".cc") or f in seen:
        continue
    text = open(f, errors="replace").read()
    if f not in users and not any(f'#include "{h}"' in text for h in headers):
        continue
    seen.add(f)
    args = shlex.split(e["command"]) if "command" in e else e["arguments"]
    keep, i = [], 0
    while i < len(args):
        a = args[i]
        if a in ("-I", "-isystem", "-D"):
            keep += [a, args[i + 1]]; i += 2; continue
        if a.startswith(("-I", "-D")) or a.startswith("-isystem"):
            keep.append(a)
        i += 1
    print(f, " ".join(shlex.quote(k) for k in keep))
PY
)
n=$(printf '%s\n' "$list" | grep -c . || true)
echo "thread-safety: $n translation units with $clang, $jobs at a time"
start=$(date +%s)
printf '%s\n' "$list" | grep . | CLANG="$clang" xargs -P "$jobs" -L 1 sh -c \
  'f=$0; "$CLANG" -std=c++20 -fsyntax-only -Wthread-safety -Wthread-safety-beta -Werror "$@" "$f" || { echo "thread-safety: FAILED $f" >&2; exit 1; }'
echo "thread-safety: ok ($(( $(date +%s) - start )) s)"
