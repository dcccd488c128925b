#!/usr/bin/env bash
# Instructions per `getConversation` call from Swift against the Rust client's, counted
# by callgrind: reproducible where wall-clock medians on this shared machine move 2x
# between runs. Each client runs twice (N and N + 1000 timed calls, after the same
# warm-up); the difference / 1000 is the cost of one call, start-up cancelled out.
# Swift runs inside its toolchain root; valgrind is installed there on first use.
# Not part of the test command.
#   bash bench/swift/build.sh release
#   cargo build --locked --release -p moveworks-bench -p moveworks-simulator
#   bash bench/swift/callgrind.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/bindings/swift/chroot.sh"
OUT="$SWIFT_TARGET/bench/swift"
[ -e "$OUT/SwiftBench" ] || { echo "bench/swift/callgrind.sh: run bench/swift/build.sh release first" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "bench/swift/callgrind.sh needs valgrind" >&2; exit 1; }
swift_root_enter
if [ ! -x "$SWIFT_ROOT/usr/bin/valgrind" ]; then
    cp /etc/resolv.conf "$SWIFT_ROOT/etc/resolv.conf"
    in_swift_root DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >&2
fi

source "$ROOT/bench/simulator.sh"
start_simulator "$SWIFT_TARGET/release/moveworks-simulator"
args=(--base-url "$base" --token "$token" --assistant "$assistant" --conversation "$conv" --warmup 100)

collected() { grep -o 'Collected : [0-9]*' | grep -o '[0-9]*$'; }
per_call() { # label, then a function running N calls that prints callgrind's total
    local label="$1" run="$2" small large
    small="$("$run" 200)"
    large="$("$run" 1200)"
    printf '%-10s %8.0f instructions per call\n' "$label" "$(python3 -c "print(($large - $small) / 1000)")"
}
swift_calls() {
    in_swift_root /usr/bin/valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
        "$OUT/SwiftBench" latency "${args[@]}" --iterations "$1" 2>&1 >/dev/null | collected
}
rust_calls() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$SWIFT_TARGET/release/moveworks-bench" latency \
        "${args[@]}" --iterations "$1" --clients sdk 2>&1 >/dev/null | collected
}
per_call rust.sdk rust_calls
per_call swift.sdk swift_calls
exec {SIM[1]}>&-
