#!/usr/bin/env bash
# Runs the Swift bench program bench/swift/build.sh prepared, inside the Swift toolchain root:
#   bash bench/swift/run.sh latency --base-url URL --token T --assistant N --conversation ID [options]
#   bash bench/swift/run.sh concurrency --base-url URL --token T --assistant N --conversations FILE --streams N
# (FILE must be visible inside the root: under the repository or the target dir). The program
# runs as this script's child (chroot and env exec), which unmounts when it exits.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/bindings/swift/chroot.sh"
OUT="$SWIFT_TARGET/bench/swift"
[ -e "$OUT/SwiftBench" ] || { echo "bench/swift/run.sh: run bench/swift/build.sh first" >&2; exit 2; }
swift_root_enter
in_swift_root "$OUT/SwiftBench" "$@"
