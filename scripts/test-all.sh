#!/usr/bin/env bash
# Runs every test of every language in the repo, installing what each needs.
# This is the README's test command, and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# One shared target dir for every language's build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

started=$SECONDS
last=$SECONDS
# Busy and total jiffies of all CPUs so far (/proc/stat; "0 0" where there is none).
cpu_jiffies() {
    local _cpu user nice system idle iowait rest n
    if read -r _cpu user nice system idle iowait rest </proc/stat 2>/dev/null; then
        local total=$((user + nice + system + idle + iowait))
        for n in $rest; do total=$((total + n)); done
        echo "$((total - idle - iowait)) $total"
    else
        echo "0 0"
    fi
}
read -r last_busy last_total <<<"$(cpu_jiffies)"
# Each header says how long the previous section took, and how busy it kept the machine's
# CPUs (the background release builds included): the whole must stay under 30 minutes, and a
# section that leaves CPUs idle is where work can overlap.
section() {
    local busy total
    read -r busy total <<<"$(cpu_jiffies)"
    local share=$(((busy - last_busy) * 100 / ((total - last_total) > 0 ? (total - last_total) : 1)))
    printf '\n=== %s === (previous section: %d s, CPUs %d%% busy; %d s in all)\n' \
        "$1" "$((SECONDS - last))" "$share" "$((SECONDS - started))"
    last=$SECONDS last_busy=$busy last_total=$total
}

section "Rust: format and lints"
cargo fmt --all --check
cargo clippy --locked -q --workspace --all-targets -- -D warnings

section "release workflow (actionlint + shellcheck)"
bash scripts/check-workflows.sh

# Real proxies on loopback for every language's proxy tests (docs/PROXY-TESTING.md): tinyproxy
# (CONNECT, Basic auth) and mitmproxy (TLS-inspecting). Started once here; each suite's own
# `proxies.sh start` is then a no-op. They stop when the command ends, whatever its outcome.
section "proxies for the network tests (tinyproxy, mitmproxy)"
eval "$(bash scripts/proxies.sh start)"
trap 'bash scripts/proxies.sh stop >/dev/null 2>&1 || true' EXIT

# Every JSON body and SSE event the simulator serves to the suites below (Rust and every binding's
# in-process sandbox) is recorded here, then checked against Moveworks' published spec.
export MOVEWORKS_SIM_CONTRACT_LOG="$CARGO_TARGET_DIR/contract-log"
rm -rf "$MOVEWORKS_SIM_CONTRACT_LOG"
mkdir -p "$MOVEWORKS_SIM_CONTRACT_LOG"

# The release builds of scripts/release.sh (below) start now, niced, in the background: they take
# minutes of single-threaded LTO codegen each, and the suites leave a core idle much of the time
# (valgrind, tests waiting on the simulator). The release section then finds them fresh; should
# this run fail, that section builds (and reports) itself. First what both would install at once:
# zig's venv, and node/'s dev dependencies (the napi CLI; node/test.sh's own install is then a no-op).
section "release builds, started in the background"
(. scripts/zig-env.sh)
(cd node && npm install --no-save --loglevel=error --no-audit --no-fund)
# A process group of its own (setsid), so that a failing run stops its cargo processes too.
setsid nice -n 19 bash scripts/release.sh --build-only >"$CARGO_TARGET_DIR/release-prebuild.log" 2>&1 &
prebuild=$!
trap 'kill -- "-$prebuild" 2>/dev/null || true; bash scripts/proxies.sh stop >/dev/null 2>&1 || true' EXIT

section "Rust: core, simulator, CLI (unit, integration, conformance)"
cargo build --locked -p moveworks-simulator -p moveworks-cli
# Four tests at a time in each test binary (the default is one per CPU): they mostly wait on
# simulators, and four at a time take 57 s against 80 s.
cargo test --locked -p moveworks -p moveworks-simulator -p moveworks-cli -- --test-threads=4

# Each binding's script installs its own toolchain pieces, builds in debug into
# the shared target dir, runs the conformance scenarios and its own suite. Python comes
# before the suites linked by cargo-zigbuild (C's install step, Node): maturin's zig
# wrapper differs from cargo-zigbuild's, so each switch between them rebuilds the crates
# with a C build script (ring) and all above them.
# scripts/release.sh (below) builds and checks the C install prefix (release, glibc 2.17), so the
# C suite skips its debug copy of that build.
export MOVEWORKS_C_INSTALL_CHECKED_BY_RELEASE=1
BINDING_SUITES=(
    python/test.sh
    bindings/c/test.sh
    node/test.sh
    bindings/kotlin/test.sh
    bindings/swift/test.sh
)
for suite in "${BINDING_SUITES[@]}"; do
    section "$suite"
    bash "$suite"
done

# The simulator must follow Moveworks' published OpenAPI, never the SDK: every recorded body and
# event is validated against the schema derived from it (spec/), which is itself checked against
# ../shared/reference when that folder is present.
section "simulator contract check (Moveworks' published OpenAPI)"
bash scripts/contract-check.sh "$MOVEWORKS_SIM_CONTRACT_LOG"
unset MOVEWORKS_SIM_CONTRACT_LOG

# Every package as users install it, release builds, into dist/, each then installed and
# used away from the tree (scripts/check-dist.sh); it builds the API reference too
# (scripts/docs.sh: any warning of rustdoc, pdoc, TypeDoc, Doxygen or Dokka, or any
# undocumented public item, fails it).
section "release packages and API reference (scripts/release.sh)"
if wait "$prebuild"; then
    sed 's/^/  background: /' "$CARGO_TARGET_DIR/release-prebuild.log"
else
    echo "the background release builds failed (scripts/release.sh builds again):"
    tail -n 20 "$CARGO_TARGET_DIR/release-prebuild.log"
fi
bash scripts/release.sh

# Fuzz briefly (10 s per target over the committed corpus); long runs: fuzz/README.md.
section "fuzz (cargo-fuzz, ASan)"
bash fuzz/run.sh 10

# A smoke check, not the soak: 20 s per language proves the loops run clean and RSS
# stays within 5 MB after warm-up; the 30-minute figures come from `soak/run.sh 1800`.
section "soak smoke (Rust, Python, Node; 20 s)"
bash soak/run.sh 20

# Keeps every benchmark program working (small counts, debug builds); timings are not checked.
section "benchmark harness (quick)"
bash scripts/bench.sh --quick

section "all suites passed in $((SECONDS - started)) s"
