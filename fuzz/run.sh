#!/usr/bin/env bash
# Builds every cargo-fuzz target (libFuzzer + AddressSanitizer) and runs each one
# briefly over its committed corpus (fuzz/corpus/<target>/). Any crash, sanitizer
# report or leak fails the script; the crashing input lands in fuzz/artifacts/.
#
# usage (from anywhere): bash fuzz/run.sh [seconds per target, default 20]
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer); RUSTC_BOOTSTRAP=1 lets
# the stable toolchain accept them. cargo-fuzz is installed when missing.
# New inputs found during a run go to a scratch directory, so the committed corpus
# stays as committed (grow it deliberately with `cargo fuzz cmin`, see fuzz/README.md).
set -euo pipefail

SECONDS_PER_TARGET="${1:-20}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HERE/../target}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

step() { echo "== [fuzz ${SECONDS}s] $*"; }

if ! cargo fuzz --version >/dev/null 2>&1; then
    step "installing cargo-fuzz"
    cargo install -q cargo-fuzz --locked
fi

targets=$(cargo fuzz list)
step "build: $(echo "$targets" | tr '\n' ' ')"
# `--dev` (unoptimized, debug assertions on): the build takes 55 s against 127 s for release on
# 2 cores, and this short run is a smoke check over the corpus, not a search. Long runs use the
# optimized build (fuzz/README.md).
CARGO_TERM_QUIET=true cargo fuzz build -s address --dev
BIN="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/debug"
for t in $targets; do
    step "run $t for ${SECONDS_PER_TARGET}s"
    mkdir -p "$WORK/$t" "$HERE/artifacts/$t"
    # The binary `cargo fuzz build` made (`cargo fuzz run` would rebuild with other flags).
    # The first corpus directory receives new inputs (scratch); the committed one is only read.
    if ! "$BIN/$t" -artifact_prefix="$HERE/artifacts/$t/" -max_total_time="$SECONDS_PER_TARGET" \
        -print_final_stats=1 "$WORK/$t" "$HERE/corpus/$t" >"$WORK/$t.log" 2>&1; then
        tail -60 "$WORK/$t.log"
        echo "fuzz target $t failed" >&2
        exit 1
    fi
    grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units)' "$WORK/$t.log" || true
done
echo "fuzz: all targets passed"
