#!/usr/bin/env bash
# Prepares the Swift bench (bench/PROTOCOL.md, "Build hooks"):
#   bash bench/swift/build.sh release   # release libmoveworks_uniffi.so and `swift build -c release`
#   bash bench/swift/build.sh debug     # the debug library bindings/swift/test.sh used, debug Swift build
# Builds bench/swift inside the Swift toolchain root (bindings/swift/toolchain.sh)
# into target/bench/swift/<profile>, linked against a copy of the chosen library
# in target/bench/swift/lib; bench/swift/run.sh runs it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/bindings/swift/chroot.sh"
profile="${1:-release}"
OUT="$SWIFT_TARGET/bench/swift"
mkdir -p "$OUT/lib"
case "$profile" in
release) cargo build --quiet --release -p moveworks-uniffi >&2; lib="$SWIFT_TARGET/release/libmoveworks_uniffi.so"; config=release ;;
debug) cargo build --quiet -p moveworks-uniffi >&2; lib="$SWIFT_TARGET/debug/libmoveworks_uniffi.so"; config=debug ;;
*) echo "usage: bench/swift/build.sh release|debug" >&2; exit 2 ;;
esac
# Copied under a temporary name and renamed: overwriting a mapped library in place crashes its users.
cp "$lib" "$OUT/lib/.libmoveworks_uniffi.so.tmp"
mv -f "$OUT/lib/.libmoveworks_uniffi.so.tmp" "$OUT/lib/libmoveworks_uniffi.so"
swift_root_enter
in_swift_root MOVEWORKS_FFI_LIB_DIR="$OUT/lib" swift build -c "$config" --package-path "$ROOT/bench/swift/SwiftBench" \
    --scratch-path "$OUT/build-$(swift_sources_key)" -j "$(nproc)" >&2
rm -f "$OUT/SwiftBench"
ln -s "build-$(swift_sources_key)/$config/SwiftBench" "$OUT/SwiftBench"
echo "$profile" >"$OUT/profile"
