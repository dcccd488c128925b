#!/usr/bin/env bash
# Builds MoveworksSDKFFI.xcframework (static library + C header + module map) for
# iOS devices, the iOS simulator and macOS, so that Package.swift links it.
# macOS only (needs Xcode and rustup). Run from anywhere:
#   bash bindings/swift/build-xcframework.sh
set -euo pipefail
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 1; }
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
profile="${PROFILE:-release}"
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "${targets[@]}"
for t in "${targets[@]}"; do
  cargo build -p moveworks-uniffi --profile "$profile" --target "$t" --manifest-path "$root/Cargo.toml"
done
dir() { [ "$profile" = dev ] && echo debug || echo "$profile"; }
lib() { echo "$target/$1/$(dir)/libmoveworks_uniffi.a"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/headers" "$work/ios-sim" "$work/macos"
cp "$here/Sources/MoveworksSDKFFI/include/MoveworksSDKFFI.h" "$here/Sources/MoveworksSDKFFI/include/MoveworksModelFFI.h" "$here/Sources/MoveworksSDKFFI/include/module.modulemap" "$work/headers/"
# One library per platform: the simulator and macOS slices are fat (arm64 + x86_64).
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$work/ios-sim/libmoveworks_uniffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$work/macos/libmoveworks_uniffi.a"
rm -rf "$here/MoveworksSDKFFI.xcframework"
xcodebuild -create-xcframework \
  -library "$(lib aarch64-apple-ios)" -headers "$work/headers" \
  -library "$work/ios-sim/libmoveworks_uniffi.a" -headers "$work/headers" \
  -library "$work/macos/libmoveworks_uniffi.a" -headers "$work/headers" \
  -output "$here/MoveworksSDKFFI.xcframework"
echo "built $here/MoveworksSDKFFI.xcframework; 'swift build' in $here now links it"
