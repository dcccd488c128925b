#!/usr/bin/env bash
# Instructions per get_conversation call, counted by callgrind: reproducible on a
# noisy shared machine where wall-clock medians are not. Builds the `profiling`
# profile (release code with symbols), starts a release simulator, and runs each
# Rust and C client alone under callgrind for N calls (default 1000, after 100
# warm-up calls that are counted too, as is process start-up: compare rows, not
# absolute values).
#   bash bench/callgrind.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
n="${1:-1000}"
command -v valgrind >/dev/null || { echo "bench/callgrind.sh needs valgrind" >&2; exit 1; }
cargo build --locked -q --profile profiling -p moveworks-bench -p moveworks-c
cargo build --locked -q --release -p moveworks-simulator
prof="$CARGO_TARGET_DIR/profiling"
work="$(mktemp -d)"
gcc -std=c11 -O2 -Iinclude bench/c/bench.c -o "$work/bench-c" -L"$prof" -lmoveworks -lcurl -lcjson -Wl,-rpath,"$prof"

source bench/simulator.sh
start_simulator "$CARGO_TARGET_DIR/release/moveworks-simulator"
trap 'exec {SIM[1]}>&-; rm -rf "$work"' EXIT
args=(--base-url "$base" --token "$token" --assistant "$assistant" --conversation "$conv" --warmup 100 --iterations "$n")

count() { # label, command...
    local label="$1"
    shift
    valgrind --tool=callgrind --callgrind-out-file="$work/out" "$@" >/dev/null 2>"$work/err"
    local total
    total="$(grep -o 'Collected : [0-9]*' "$work/err" | grep -o '[0-9]*$')"
    printf '%-18s %12s instructions  %8.0f per call\n' "$label" "$total" "$(python3 -c "print($total / ($n + 100))")"
}
for c in raw ureq sdk; do
    count "rust $c" "$prof/moveworks-bench" latency "${args[@]}" --clients "$c"
done
# The C program always measures both clients; callgrind's per-function totals split them.
valgrind --tool=callgrind --callgrind-out-file="$work/c.out" "$work/bench-c" latency "${args[@]}" >/dev/null 2>&1
callgrind_annotate --inclusive=yes "$work/c.out" >"$work/c.txt" 2>/dev/null
for fn in sdk_call curl_call; do
    total="$(grep -m1 ":$fn " "$work/c.txt" | awk '{gsub(",","",$1); print $1}')"
    printf '%-18s %12s instructions  %8.0f per call\n' "c $fn" "$total" "$(python3 -c "print($total / ($n + 100))")"
done
