#!/usr/bin/env bash
# Prepares the Kotlin bench (bench/PROTOCOL.md, "Build hooks"):
#   bash bench/kotlin/build.sh release   # release libmoveworks_uniffi.so, built here
#   bash bench/kotlin/build.sh debug     # the debug library bindings/kotlin/test.sh built
# Builds bench/kotlin/pom.xml (the bench program, its JMH benchmarks and the Kotlin
# bindings' sources; Kotlin, JNA, coroutines and JMH from Maven Central, all pinned) into
# target/bench/kotlin/maven (bench.jar + classpath.txt) and copies the chosen library to
# target/bench/kotlin/lib (with the JNI shim of src/main/c, for the breakdown only);
# bench/kotlin/run.sh runs them. Maven is skipped when no
# source changed since the last build (a stamp of the sources and the pom).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
profile="${1:-release}"
OUT="$CARGO_TARGET_DIR/bench/kotlin"
mkdir -p "$OUT/lib"

# A JDK (javac: the JMH benchmarks are Java, annotation-processed) and Maven.
need=()
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"; } >&2
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

# The JNI shim CallPathBench compares with JNA (src/main/c/jni_shim.c), against the copied library.
jdk="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
gcc -O2 -shared -fPIC -Wall -Wextra -Werror -I"$jdk/include" -I"$jdk/include/linux" \
  "$ROOT/bench/kotlin/src/main/c/jni_shim.c" -L"$OUT/lib" -lmoveworks_uniffi -Wl,-rpath,"$OUT/lib" \
  -o "$OUT/lib/.libmwbenchjni.so.tmp"
mv -f "$OUT/lib/.libmwbenchjni.so.tmp" "$OUT/lib/libmwbenchjni.so"

jar="$OUT/maven/bench.jar"
stamp="$(cd "$ROOT" && find bench/kotlin/pom.xml bench/kotlin/src bindings/kotlin/src/main -type f -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-32)"
if [ ! -f "$jar" ] || [ ! -f "$OUT/maven/classpath.txt" ] || [ "$(cat "$OUT/stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$OUT/stamp"
  mvn -B -q -Dstyle.color=never -f "$ROOT/bench/kotlin/pom.xml" -Dbench.out="$OUT/maven" package >"$OUT/maven.log" 2>&1 \
    || { tail -n 60 "$OUT/maven.log" >&2; echo "bench/kotlin/build.sh: mvn package failed (log: $OUT/maven.log)" >&2; exit 1; }
  echo "$stamp" >"$OUT/stamp"
fi
echo "$profile" >"$OUT/profile"
