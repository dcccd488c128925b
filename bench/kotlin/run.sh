#!/usr/bin/env bash
# Runs the Kotlin bench programs bench/kotlin/build.sh prepared (bench/PROTOCOL.md):
#   bash bench/kotlin/run.sh latency|rss|stream|breakdown --base-url URL --token T --assistant N --conversation ID [options]
#       the hand-timed program (src/main/kotlin/Bench.kt): rows kotlin.sdk, kotlin.sdk.stream
#   bash bench/kotlin/run.sh warmup --base-url URL ... [--turns N --modes blocking,flow]
#       the first delta's latency per block of 500 turns as the JVM warms up (StreamWarmup.kt)
#   bash bench/kotlin/run.sh jmh latency|breakdown --base-url URL ... [--wi N --w S --i N --r S --forks N --prof NAME]
#       JMH (src/main/java): row kotlin.sdk.jmh, or the call-path breakdown (JmhMain.java)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${CARGO_TARGET_DIR:-$ROOT/target}/bench/kotlin"
[ -f "$OUT/maven/bench.jar" ] && [ -f "$OUT/maven/classpath.txt" ] || { echo "bench/kotlin/run.sh: run bench/kotlin/build.sh first" >&2; exit 2; }
cp="$OUT/maven/bench.jar:$(cat "$OUT/maven/classpath.txt")"
main=ai.moveworks.sdk.bench.BenchKt
if [ "${1:-}" = jmh ]; then
  main=ai.moveworks.sdk.bench.JmhMain
  shift
elif [ "${1:-}" = warmup ]; then
  main=ai.moveworks.sdk.bench.StreamWarmup
  shift
fi
# JMH's forked JVMs inherit these flags (the library path included).
exec java -Djna.library.path="$OUT/lib" -Djava.library.path="$OUT/lib" -cp "$cp" "$main" "$@"
