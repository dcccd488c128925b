#!/usr/bin/env bash
# Runs every test of every language in the repo, installing what each needs.
# This is the README's test command, and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# One shared target dir for every language's build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

section() { printf '\n=== %s ===\n' "$1"; }
started=$SECONDS

section "Rust: format and lints"
cargo fmt --all --check
cargo clippy --locked -q --workspace --all-targets -- -D warnings

section "release workflow (actionlint + shellcheck)"
bash scripts/check-workflows.sh

section "Rust: core, simulator, CLI (unit, integration, conformance)"
cargo build --locked -p moveworks-simulator -p moveworks-cli
cargo test --locked -p moveworks -p moveworks-simulator -p moveworks-cli

# Each binding's script installs its own toolchain pieces, builds in debug into
# the shared target dir, runs the conformance scenarios and its own suite.
BINDING_SUITES=(
    bindings/c/test.sh
    python/test.sh
    node/test.sh
    bindings/kotlin/test.sh
    bindings/swift/test.sh
)
for suite in "${BINDING_SUITES[@]}"; do
    section "$suite"
    bash "$suite"
done

# After the binding suites: it reuses their builds (the wheel's artifacts, node_modules).
# Fails on any warning of rustdoc, pdoc, TypeDoc, Doxygen or Dokka and on any undocumented public item.
section "API reference (scripts/docs.sh)"
bash scripts/docs.sh

# Fuzz briefly (20 s per target over the committed corpus); long runs: fuzz/README.md.
section "fuzz (cargo-fuzz, ASan)"
bash fuzz/run.sh 20

# A smoke check, not the soak: 20 s per language proves the loops run clean and RSS
# stays within 5 MB after warm-up; the 30-minute figures come from `soak/run.sh 1800`.
section "soak smoke (Rust, Python, Node; 20 s)"
bash soak/run.sh 20

# Keeps every benchmark program working (small counts, debug builds); timings are not checked.
section "benchmark harness (quick)"
bash scripts/bench.sh --quick

section "all suites passed in $((SECONDS - started)) s"
