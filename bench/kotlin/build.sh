#!/usr/bin/env bash
# Prepares the Kotlin bench (bench/PROTOCOL.md, "Build hooks"):
#   bash bench/kotlin/build.sh release   # release libmoveworks_uniffi.so, built here
#   bash bench/kotlin/build.sh debug     # the debug library bindings/kotlin/test.sh built
# Compiles bench/kotlin/src (with the generated Kotlin bindings, or against the
# jar bindings/kotlin/test.sh compiled them into) to target/bench/kotlin/bench.jar and copies the chosen library to
# target/bench/kotlin/lib; bench/kotlin/run.sh runs it. Needs the tools
# bindings/kotlin/test.sh installs (JRE, JNA, coroutines, the pinned kotlinc).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
profile="${1:-release}"
here="$ROOT/bindings/kotlin"
OUT="$CARGO_TARGET_DIR/bench/kotlin"
mkdir -p "$OUT/lib"
kotlin_home="$here/tools/node_modules/kotlin-compiler"
# shellcheck source=../../bindings/kotlin/tools/libs.sh
source "$here/tools/libs.sh"
if [ ! -x "$kotlin_home/bin/kotlinc" ] || [ ! -f /usr/share/java/jna.jar ] || [ ! -f "$coroutines_jar" ]; then
  echo "bench/kotlin/build.sh: run bindings/kotlin/test.sh first (it installs kotlinc, JNA and the coroutines jar)" >&2
  exit 1
fi

case "$profile" in
release) cargo build --quiet --release -p moveworks-uniffi >&2; lib="$CARGO_TARGET_DIR/release/libmoveworks_uniffi.so" ;;
debug) lib="$CARGO_TARGET_DIR/debug/libmoveworks_uniffi.so" ;;
*) echo "usage: bench/kotlin/build.sh release|debug" >&2; exit 2 ;;
esac
[ -f "$lib" ] || { echo "bench/kotlin/build.sh: $lib is missing" >&2; exit 1; }
# Copied under a temporary name and renamed: overwriting the file in place would
# crash (SIGBUS) a bench JVM that has the old library mapped.
cp "$lib" "$OUT/lib/.libmoveworks_uniffi.so.tmp"
mv -f "$OUT/lib/.libmoveworks_uniffi.so.tmp" "$OUT/lib/libmoveworks_uniffi.so"

cp_libs="$kotlin_cp_libs"
compile_cp="$cp_libs"
# The generated bindings: bindings/kotlin/test.sh's jar already holds them compiled
# (kotlinc on the generated file takes a minute); otherwise compile them here.
test_jar="$CARGO_TARGET_DIR/kotlin-test/moveworks-kotlin-tests.jar"
if [ -f "$test_jar" ]; then
  sources=("$ROOT"/bench/kotlin/src/*.kt)
  compile_cp="$test_jar:$compile_cp"
  echo "$test_jar" >"$OUT/classpath"
else
  sources=("$here"/src/main/kotlin/ai/moveworks/sdk/*.kt "$here"/src/main/kotlin/ai/moveworks/sdk/model/*.kt "$ROOT"/bench/kotlin/src/*.kt)
  : >"$OUT/classpath"
fi
stamp="$( (cat "${sources[@]}" "$here/tools/package.json"; [ ! -f "$test_jar" ] || sha256sum "$test_jar") | sha256sum | cut -c1-32)"
if [ ! -f "$OUT/bench.jar" ] || [ "$(cat "$OUT/stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$OUT/bench.jar" "$OUT/stamp"
  "$kotlin_home/bin/kotlinc" -nowarn -jvm-target 17 -cp "$compile_cp" "${sources[@]}" -d "$OUT/bench.jar" >&2
  echo "$stamp" >"$OUT/stamp"
fi
echo "$profile" >"$OUT/profile"
