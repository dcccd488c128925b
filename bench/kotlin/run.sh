#!/usr/bin/env bash
# Runs the Kotlin bench program bench/kotlin/build.sh prepared:
#   bash bench/kotlin/run.sh latency --base-url URL --token T --assistant N --conversation ID [options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${CARGO_TARGET_DIR:-$ROOT/target}/bench/kotlin"
[ -f "$OUT/bench.jar" ] || { echo "bench/kotlin/run.sh: run bench/kotlin/build.sh first" >&2; exit 2; }
stdlib="$ROOT/bindings/kotlin/tools/node_modules/kotlin-compiler/lib/kotlin-stdlib.jar"
# shellcheck source=../../bindings/kotlin/tools/libs.sh
source "$ROOT/bindings/kotlin/tools/libs.sh"
cp_libs="$kotlin_cp_libs"
extra="$(cat "$OUT/classpath" 2>/dev/null || true)"
exec java -Djna.library.path="$OUT/lib" -cp "$OUT/bench.jar:${extra:+$extra:}$stdlib:$cp_libs" ai.moveworks.sdk.bench.BenchKt "$@"
