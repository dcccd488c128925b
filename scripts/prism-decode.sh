#!/usr/bin/env bash
# Serves random valid answers of Moveworks' published spec with Prism (`prism mock -d`) and
# decodes N of them per non-streaming endpoint with the Python SDK (scripts/prism_decode.py).
# Not part of the test command (the answers are random by design); run it after python/test.sh,
# whose venv holds the wheel:   bash scripts/prism-decode.sh [N=60] [SPEC]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-60}"
SPEC="${2:-../shared/reference/beta-conversations-api.openapi.yaml}"
PRISM_DIR="${CARGO_TARGET_DIR:-$PWD/target}/prism"
VENV="${CARGO_TARGET_DIR:-$PWD/target}/python-venv"
[ -f "$SPEC" ] || { echo "no spec at $SPEC" >&2; exit 2; }
[ -x "$VENV/bin/python" ] || { echo "run python/test.sh first (it builds the wheel into $VENV)" >&2; exit 2; }
if [ ! -x "$PRISM_DIR/node_modules/.bin/prism" ]; then
    mkdir -p "$PRISM_DIR"
    (cd "$PRISM_DIR" && npm init -y >/dev/null && npm install -q --no-audit --no-fund @stoplight/prism-cli@5.14.2 >/dev/null)
fi
PORT="${PRISM_PORT:-4010}"
"$PRISM_DIR/node_modules/.bin/prism" mock -d -p "$PORT" "$SPEC" >"$PRISM_DIR/prism.log" 2>&1 &
PRISM_PID=$!
trap 'kill $PRISM_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/conversations" -H 'Authorization: Bearer t' -H 'Assistant-Name: p' && break
    sleep 0.2
done
"$VENV/bin/python" scripts/prism_decode.py "http://127.0.0.1:$PORT" "$N"
