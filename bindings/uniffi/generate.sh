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
# Two uniffi components: the model (crate `moveworks`, its `uniffi` feature) and this
# crate; the generator writes each into its own directory (see bindings/uniffi-bindgen).
(cd "$root" && "$target/uniffi-bindgen" kotlin "$lib" "$tmp/kotlin" moveworks moveworks_uniffi >/dev/null)
(cd "$root" && "$target/uniffi-bindgen" swift "$lib" "$tmp/swift" moveworks moveworks_uniffi >/dev/null)
kt="$out/kotlin/src/main/kotlin/ai/moveworks/sdk"
mkdir -p "$kt/model" "$out/swift/Sources/MoveworksSDK" "$out/swift/Sources/MoveworksSDKFFI/include"
# Reuse of call statuses (issues #7, #14) in both files; see the script. Three of the
# model's variant fields also need qualified type names (see the script).
python3 "$root/bindings/uniffi/patch_kotlin.py" "$tmp/kotlin/moveworks_uniffi/ai/moveworks/sdk/moveworks_uniffi.kt"
python3 "$root/bindings/uniffi/patch_kotlin.py" --model "$tmp/kotlin/moveworks/ai/moveworks/sdk/model/moveworks.kt"
cp "$tmp/kotlin/moveworks_uniffi/ai/moveworks/sdk/moveworks_uniffi.kt" "$kt/moveworks_uniffi.kt"
cp "$tmp/kotlin/moveworks/ai/moveworks/sdk/model/moveworks.kt" "$kt/model/moveworks.kt"
# Both Swift files belong to the one module MoveworksSDK (uniffi's Swift helpers are fileprivate).
# Integers and strings read without Foundation's generic Data copies (issue #23); see the script.
python3 "$root/bindings/uniffi/patch_swift.py" "$tmp/swift/moveworks_uniffi/MoveworksSDK.swift" "$tmp/swift/moveworks/MoveworksSDK.swift"
cp "$tmp/swift/moveworks_uniffi/MoveworksSDK.swift" "$out/swift/Sources/MoveworksSDK/MoveworksSDK.swift"
cp "$tmp/swift/moveworks/MoveworksSDK.swift" "$out/swift/Sources/MoveworksSDK/MoveworksModel.swift"
inc="$out/swift/Sources/MoveworksSDKFFI/include"
cp "$tmp/swift/moveworks_uniffi/MoveworksSDKFFI.h" "$inc/MoveworksSDKFFI.h"
cp "$tmp/swift/moveworks/MoveworksModelFFI.h" "$inc/MoveworksModelFFI.h"
# One C module with both headers (each generated modulemap names only its own);
# SwiftPM looks for a C target's module map under this exact name.
sed 's|header "MoveworksSDKFFI.h"|header "MoveworksModelFFI.h"\n    header "MoveworksSDKFFI.h"|' \
    "$tmp/swift/moveworks_uniffi/MoveworksSDKFFI.modulemap" >"$inc/module.modulemap"
