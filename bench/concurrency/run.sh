#!/usr/bin/env bash
# The concurrency benchmark (bench/concurrency/README.md): N streamed turns at once in one
# client process, per language, against the release simulator. Not part of the test command.
#   bash bench/concurrency/run.sh                                # N = 100,1000,5000; 5 s answers; 2 runs
#   bash bench/concurrency/run.sh --streams 20 --answer-ms 1000 --runs 1 --profile debug
#   bash bench/concurrency/run.sh --rows python_async.sdk,python_async.httpx_sse --skip-build
# Options are bench/concurrency/run.py's, plus --skip-build (use what the last build left).
# Writes bench/concurrency/results.json and the "Concurrency: many streamed turns in one
# process" section of BENCHMARKS.md (a kept block: bench/run.py carries it over).
exec bash "$(dirname "$0")/launch.sh" concurrency "$@"
