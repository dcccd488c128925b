#!/usr/bin/env bash
# Soak driver: starts the simulator binary and runs the Rust, Python and Node
# soak programs side by side against it for SECONDS each (default 60), each
# looping create conversation -> create response -> wait -> list conversations
# -> list events and sampling its own RSS (VmRSS). Fails when a program errors
# or its RSS grows by more than SOAK_MAX_GROWTH_KB (default 5120 = 5 MB)
# between the end of its warm-up (a quarter of the run, at most 60 s) and the end.
#
#   soak/run.sh [SECONDS]
#
# The 20 s run in scripts/test-all.sh is a smoke check (the programs run, stay
# correct, nothing balloons); the figures worth reporting come from 30-minute
# runs: SOAK_PROFILE=release soak/run.sh 1800.
#
# Environment (all optional):
#   SOAK_PROFILE        debug (default) or release: the cargo profile built and run
#   SOAK_BIN            a directory with prebuilt moveworks-simulator and moveworks-soak (skips the build)
#   SOAK_LANGS          languages to run (default "rust python node")
#   SOAK_OUT            directory for the JSON-lines logs (default: a temp dir, removed)
#   SOAK_PYTHON         a python with the moveworks wheel installed
#                       (default: $CARGO_TARGET_DIR/python-venv/bin/python, as python/test.sh leaves it)
#   SOAK_NODE_PACKAGE   the node package directory with its built addon (default: node/)
#   SOAK_MAX_GROWTH_KB  allowed RSS growth after warm-up (default 5120)
#   SOAK_RESPONSE_MS    the simulator's response lifecycle (default 50, so cycles are quick)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SECONDS_EACH="${1:-60}"
PROFILE="${SOAK_PROFILE:-debug}"
LANGS="${SOAK_LANGS:-rust python node}"
MAX_GROWTH_KB="${SOAK_MAX_GROWTH_KB:-5120}"
PYTHON="${SOAK_PYTHON:-$CARGO_TARGET_DIR/python-venv/bin/python}"
if [ -n "${SOAK_OUT:-}" ]; then
    OUT="$SOAK_OUT"
    mkdir -p "$OUT"
else
    OUT="$(mktemp -d)"
    trap 'rm -rf "$OUT"' EXIT
fi

if [ -n "${SOAK_BIN:-}" ]; then
    BIN="$SOAK_BIN"
else
    cargo_profile=()
    [ "$PROFILE" = release ] && cargo_profile=(--release)
    cargo build -q "${cargo_profile[@]}" -p moveworks-simulator -p moveworks-soak
    BIN="$CARGO_TARGET_DIR/$PROFILE"
fi

# The simulator serves until its stdin closes: hold a FIFO open on fd 3, so it
# goes down with this script however the script ends.
rm -f "$OUT/sim.in"
mkfifo "$OUT/sim.in"
"$BIN/moveworks-simulator" --response-ms "${SOAK_RESPONSE_MS:-50}" <"$OUT/sim.in" >"$OUT/sim.out" &
exec 3>"$OUT/sim.in"
for _ in $(seq 100); do [ -s "$OUT/sim.out" ] && break; sleep 0.1; done
info="$(head -n 1 "$OUT/sim.out")"
field() { sed -E "s/.*\"$1\": ?\"([^\"]*)\".*/\1/" <<<"$info"; }
export MOVEWORKS_BASE_URL="$(field base_url)" MOVEWORKS_ASSISTANT_NAME="$(field assistant_name)"
export MOVEWORKS_TOKEN="$(field token)"
echo "soak: $LANGS for ${SECONDS_EACH}s each ($BIN) against $MOVEWORKS_BASE_URL; logs in $OUT" >&2

declare -A pids
for lang in $LANGS; do
    case "$lang" in
        rust) cmd=("$BIN/moveworks-soak" "$SECONDS_EACH") ;;
        python) cmd=("$PYTHON" "$ROOT/soak/python/soak.py" "$SECONDS_EACH") ;;
        node) cmd=(node --expose-gc "$ROOT/soak/node/soak.mjs" "$SECONDS_EACH") ;;
        *) echo "soak: unknown language $lang" >&2; exit 2 ;;
    esac
    "${cmd[@]}" >"$OUT/$lang.jsonl" 2>"$OUT/$lang.err" &
    pids[$lang]=$!
done

failed=0
for lang in $LANGS; do
    if ! wait "${pids[$lang]}"; then
        echo "soak: $lang failed:" >&2
        cat "$OUT/$lang.err" >&2
        failed=1
        continue
    fi
    summary="$(grep '"summary"' "$OUT/$lang.jsonl" | tail -n 1)"
    echo "$summary"
    growth="$(sed -E 's/.*"growth_kb": ?(-?[0-9]+).*/\1/' <<<"$summary")"
    if [ "$growth" -gt "$MAX_GROWTH_KB" ]; then
        echo "soak: $lang RSS grew by $growth kB after warm-up (limit $MAX_GROWTH_KB kB); samples:" >&2
        cat "$OUT/$lang.jsonl" >&2
        failed=1
    fi
done
exit "$failed"
