#!/usr/bin/env bash
# The per-event streaming benchmark (bench/streaming/README.md): long answers of many
# events, each SDK against the clients a user would hand-write. Not part of the test command.
#   bash bench/streaming/run.sh                          # 5,000 deltas per turn, 5 timed turns, 2 runs
#   bash bench/streaming/run.sh --events 500 --turns 2 --runs 1 --profile debug
#   bash bench/streaming/run.sh --rows python.sdk,python.httpx_sse --skip-build
# Options are bench/streaming/run.py's, plus --skip-build. Builds with bench/concurrency/build.sh
# (the same venv, Node package and peers); writes bench/streaming/results.json and the
# "Streaming per event" section of BENCHMARKS.md (a kept block: bench/run.py carries it over).
exec bash "$(dirname "$0")/../concurrency/launch.sh" streaming "$@"
