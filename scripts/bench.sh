#!/usr/bin/env bash
# Runs every benchmark side by side against one simulator (issue #7; bench/PROTOCOL.md).
#   bash scripts/bench.sh          # full run, release builds: writes BENCHMARKS.md and bench/results.json
#   bash scripts/bench.sh --quick  # small counts on the debug builds the test command made: only checks that
#                                  # every program still works (results under target/bench/quick/)
# env: BENCH_NOTE="..." adds a note about the machine's state to the table; the full run first runs
# scripts/release.sh for the package sizes (BENCH_SKIP_RELEASE=1 keeps the dist/ already built).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

quick=0
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*) echo "usage: bash scripts/bench.sh [--quick]" >&2; exit 2 ;;
esac
if ((quick)); then profile=debug; else profile=release; fi
step() { printf '== [bench %ss] %s\n' "$SECONDS" "$*" >&2; }

# The C rows need libcurl and cJSON headers (CI machines are fresh).
if [[ ! -f /usr/include/x86_64-linux-gnu/curl/curl.h && ! -f /usr/include/curl/curl.h ]] ||
    [[ ! -f /usr/include/cjson/cJSON.h ]]; then
    step "installing libcurl4-openssl-dev libcjson-dev"
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # A stale package list can pin libcurl4-openssl-dev to a libcurl4 older than the installed one.
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq libcurl4-openssl-dev libcjson-dev >/dev/null
fi

step "build ($profile): simulator, Rust bench, libmoveworks"
cargo_profile=()
((quick)) || cargo_profile=(--release)
cargo build --locked -q "${cargo_profile[@]}" -p moveworks-simulator -p moveworks-bench -p moveworks-c

step "build the C bench"
c_out="$CARGO_TARGET_DIR/bench/c/$profile"
mkdir -p "$c_out"
c_opt=-O2
gcc -std=c11 "$c_opt" -Wall -Wextra -Werror -Iinclude bench/c/bench.c -o "$c_out/bench" \
    -L"$CARGO_TARGET_DIR/$profile" -lmoveworks -lcurl -lcjson -Wl,-rpath,"$CARGO_TARGET_DIR/$profile"

# Each language's build hook (bench/PROTOCOL.md, "Build hooks"), when its program exists.
for lang in python node kotlin swift; do
    if [[ -f "bench/$lang/build.sh" ]]; then
        step "bench/$lang/build.sh $profile"
        bash "bench/$lang/build.sh" "$profile"
    fi
done

if ((quick)); then
    out="$CARGO_TARGET_DIR/bench/quick"
    python3 bench/run.py --quick --profile debug --out-md "$out/BENCHMARKS.md" --out-json "$out/results.json" \
        --note "${BENCH_NOTE:-}" >/dev/null
    step "quick run passed: $out/BENCHMARKS.md"
else
    # The packages' sizes (Footprint's "Packages" rows) come from dist/manifest.json; the run
    # reuses release.sh's builds. BENCH_SKIP_RELEASE=1 keeps the dist/ already there.
    if [[ -z "${BENCH_SKIP_RELEASE:-}" ]]; then
        step "scripts/release.sh"
        bash scripts/release.sh >&2
    fi
    python3 bench/run.py --profile release --out-md BENCHMARKS.md --out-json bench/results.json \
        --note "${BENCH_NOTE:-}"
    step "wrote BENCHMARKS.md and bench/results.json"
fi
