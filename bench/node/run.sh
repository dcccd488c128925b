#!/usr/bin/env bash
# Runs the Node bench program against the package bench/node/build.sh prepared:
#   bash bench/node/run.sh <mode> --base-url URL --token T --assistant N --conversation ID [options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# --expose-gc: the rss mode collects garbage before each reading, so it measures leaks, not GC timing.
exec node --expose-gc "$ROOT/bench/node/bench.mjs" "$@"
