#!/usr/bin/env bash
# Regenerates the Kotlin and Swift sources from the built library into OUT
# (default: bindings/, i.e. updates the committed files in place).
#   cargo build -p moveworks-uniffi -p uniffi-bindgen && bash bindings/uniffi/generate.sh
# bindings/kotlin/test.sh runs it into a temporary dir and fails on any drift.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/bindings}"
target="${CARGO_TARGET_DIR:-$root/target}/debug"
case "$(uname -s)" in Darwin) lib="$target/libmoveworks_uniffi.dylib" ;; *) lib="$target/libmoveworks_uniffi.so" ;; esac
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# --no-format: ktlint/swift-format output depends on their versions; raw output is reproducible.
(cd "$root" && "$target/uniffi-bindgen" generate --no-format --library "$lib" --language kotlin --out-dir "$tmp/kotlin" >/dev/null)
(cd "$root" && "$target/uniffi-bindgen" generate --no-format --library "$lib" --language swift --out-dir "$tmp/swift" >/dev/null)
mkdir -p "$out/kotlin/src/main/kotlin/ai/moveworks/sdk" "$out/swift/Sources/MoveworksSDK" "$out/swift/Sources/MoveworksSDKFFI/include"
# Reuse of call statuses (issue #7); see the script.
python3 "$root/bindings/uniffi/patch_kotlin.py" "$tmp/kotlin/ai/moveworks/sdk/moveworks_uniffi.kt"
cp "$tmp/kotlin/ai/moveworks/sdk/moveworks_uniffi.kt" "$out/kotlin/src/main/kotlin/ai/moveworks/sdk/moveworks_uniffi.kt"
cp "$tmp/swift/MoveworksSDK.swift" "$out/swift/Sources/MoveworksSDK/MoveworksSDK.swift"
cp "$tmp/swift/MoveworksSDKFFI.h" "$out/swift/Sources/MoveworksSDKFFI/include/MoveworksSDKFFI.h"
# SwiftPM looks for a C target's module map under this exact name.
cp "$tmp/swift/MoveworksSDKFFI.modulemap" "$out/swift/Sources/MoveworksSDKFFI/include/module.modulemap"
