#!/usr/bin/env bash
# Runs a Python bench program in the venv bench/python/build.sh prepared:
#   bash bench/python/run.sh sync|async <mode> --base-url URL --token T --assistant N --conversation ID [options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${CARGO_TARGET_DIR:-$ROOT/target}/bench/python/venv"
[ -x "$VENV/bin/python" ] || { echo "bench/python/run.sh: run bench/python/build.sh first" >&2; exit 2; }
which="${1:?usage: run.sh sync|async <mode> ...}"
shift
case "$which" in
sync | async) exec "$VENV/bin/python" "$ROOT/bench/python/bench_$which.py" "$@" ;;
*) echo "usage: bench/python/run.sh sync|async <mode> ..." >&2; exit 2 ;;
esac
