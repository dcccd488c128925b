#!/usr/bin/env bash
# Kotlin (JVM) tests of the uniffi bindings, plus the Swift package checks that
# can run without a Swift toolchain. Run from anywhere: bash bindings/kotlin/test.sh
#  1. installs what is missing: JRE 17 and JNA (Debian), gcc, the pinned Kotlin
#     compiler (npm ci from tools/package-lock.json), the pinned kotlinx-coroutines
#     (Maven Central, by mvn: Debian's 1.0.1 predates Flow, which the streaming API returns);
#  2. builds moveworks-uniffi, uniffi-bindgen and the simulator (debug);
#  3. regenerates the Kotlin and Swift sources and FAILS if they differ from the
#     committed ones; compiles the Swift package's C header with gcc;
#  4. compiles the generated Kotlin + the tests and runs them on the JVM against
#     the simulator. Quiet on success; the last line is "N passed, M failed".
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
here="$root/bindings/kotlin"
target="${CARGO_TARGET_DIR:-$root/target}"
work="$target/kotlin-test"
mkdir -p "$work"
log="$work/log.txt"
: >"$log"
fail() { echo "bindings/kotlin/test.sh: $*" >&2; [ -s "$log" ] && tail -n 80 "$log" >&2; exit 1; }

# -- 1. tools ------------------------------------------------------------------------
need=()
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
[ -f /usr/share/java/jna.jar ] || need+=(libjna-java)
command -v gcc >/dev/null || need+=(gcc)
command -v nm >/dev/null || need+=(binutils)
command -v npm >/dev/null || need+=(npm)
command -v mvn >/dev/null || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; } >>"$log" 2>&1 || fail "apt-get install ${need[*]} failed"
fi
kotlin_home="$here/tools/node_modules/kotlin-compiler"
want="$(sed -n 's/.*"kotlin-compiler": *"\([^"]*\)".*/\1/p' "$here/tools/package.json")"
have="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$kotlin_home/package.json" 2>/dev/null | head -1 || true)"
if [ "$want" != "$have" ]; then
  (cd "$here/tools" && npm ci --no-audit --no-fund --loglevel=error) >>"$log" 2>&1 || fail "npm ci failed"
fi
kotlinc="$kotlin_home/bin/kotlinc"
# shellcheck source=tools/libs.sh
source "$here/tools/libs.sh"
if [ ! -f "$coroutines_jar" ]; then
  mvn -q -B dependency:get -Dartifact="org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm:$coroutines_version" -Dtransitive=false >>"$log" 2>&1 \
    || fail "mvn could not fetch kotlinx-coroutines-core-jvm $coroutines_version"
fi
chmod +x "$kotlin_home/bin/"* 2>/dev/null || true

# -- 2. build -------------------------------------------------------------------------
cargo build --quiet -p moveworks-uniffi -p uniffi-bindgen -p moveworks-simulator >>"$log" 2>&1 || fail "cargo build failed"

# -- 3. generated sources must match the build; the C header must compile -----------
gen="$(mktemp -d)"
trap 'rm -rf "$gen"' EXIT
bash "$root/bindings/uniffi/generate.sh" "$gen" >>"$log" 2>&1 || fail "uniffi-bindgen failed"
drift=0
for f in kotlin/src/main/kotlin/ai/moveworks/sdk/moveworks_uniffi.kt \
         kotlin/src/main/kotlin/ai/moveworks/sdk/model/moveworks.kt \
         swift/Sources/MoveworksSDK/MoveworksSDK.swift \
         swift/Sources/MoveworksSDK/MoveworksModel.swift \
         swift/Sources/MoveworksSDKFFI/include/MoveworksSDKFFI.h \
         swift/Sources/MoveworksSDKFFI/include/MoveworksModelFFI.h \
         swift/Sources/MoveworksSDKFFI/include/module.modulemap; do
  if ! diff -q "$gen/$f" "$root/bindings/$f" >/dev/null 2>&1; then
    echo "drift: bindings/$f differs from what the build generates" >&2
    drift=1
  fi
done
[ $drift -eq 0 ] || fail "generated sources drifted: run 'cargo build -p moveworks-uniffi -p uniffi-bindgen && bash bindings/uniffi/generate.sh' and commit"
# Swift imports the header through clang; gcc lacks clang's nullability keywords, so they are defined away.
hdr_dir="$root/bindings/swift/Sources/MoveworksSDKFFI/include"
printf '#include "MoveworksModelFFI.h"\n#include "MoveworksSDKFFI.h"\n#include "MoveworksModelFFI.h"\n#include "MoveworksSDKFFI.h"\n' >"$gen/header_check.c"
gcc -fsyntax-only -std=c11 -Wall -Wextra -Werror -D_Nonnull= -D_Nullable= -D_Null_unspecified= -I"$hdr_dir" "$gen/header_check.c" >>"$log" 2>&1 \
  || fail "the Swift package's C header does not compile"
# Every function the header declares must be exported by the library the XCFramework wraps.
grep -ohE '\b(uniffi|ffi)_moveworks_[a-z0-9_]+\(' "$hdr_dir/MoveworksSDKFFI.h" "$hdr_dir/MoveworksModelFFI.h" | tr -d '(' | LC_ALL=C sort -u >"$gen/declared"
nm -D --defined-only "$target/debug/libmoveworks_uniffi.so" | awk '{print $3}' | LC_ALL=C sort -u >"$gen/exported"
[ "$(wc -l <"$gen/declared")" -gt 50 ] || fail "found too few declarations in the Swift header"
missing="$(LC_ALL=C comm -23 "$gen/declared" "$gen/exported")"
[ -z "$missing" ] || fail "header declares symbols the library lacks: $missing"

# -- 4. compile and run the Kotlin tests ---------------------------------------------
cp_libs="$kotlin_cp_libs"
compile_cp="$cp_libs"
sources=("$here"/src/main/kotlin/ai/moveworks/sdk/*.kt "$here"/src/main/kotlin/ai/moveworks/sdk/model/*.kt "$here"/src/test/kotlin/ai/moveworks/sdk/test/*.kt)
# The README's streaming example, compiled as written and run by the tests (ApiTests).
readme_kt="$work/ReadmeStreaming.kt"
{
  printf 'package ai.moveworks.sdk.test\n\nimport ai.moveworks.sdk.*\nimport ai.moveworks.sdk.model.*\n'
  printf 'import kotlinx.coroutines.runBlocking\nimport java.time.Duration\n\n'
  printf 'fun readmeStreamingExample(client: Client, conversationId: String) {\n'
  sed -n '/^<!-- streaming example/,/^```$/p' "$here/README.md" | sed '1,2d;$d'
  printf '}\n'
} >"$readme_kt"
grep -q "streamResponseFlow" "$readme_kt" || fail "no streaming example found in bindings/kotlin/README.md"
sources+=("$readme_kt")
# The README's messages example, likewise.
readme_msg_kt="$work/ReadmeMessages.kt"
{
  printf 'package ai.moveworks.sdk.test\n\nimport ai.moveworks.sdk.*\nimport ai.moveworks.sdk.model.*\n\n'
  printf 'fun readmeMessagesExample(client: Client, conversationId: String) {\n'
  sed -n '/^<!-- messages example/,/^```$/p' "$here/README.md" | sed '1,2d;$d'
  printf '}\n'
} >"$readme_msg_kt"
grep -q "submitFeedback" "$readme_msg_kt" || fail "no messages example found in bindings/kotlin/README.md"
sources+=("$readme_msg_kt")
# The README's quickstart and testing examples: whole files (imports included), each
# compiled as written into a package of its own; SandboxTests runs them.
for ex in quickstart testing; do
  f="$work/Readme_$ex.kt"
  { printf 'package ai.moveworks.sdk.readme.%s\n\n' "$ex"
    sed -n "/^<!-- $ex example/,/^\`\`\`\$/p" "$here/README.md" | sed '1,2d;$d'; } >"$f"
  grep -q "Sandbox(" "$f" || fail "no $ex example found in bindings/kotlin/README.md"
  sources+=("$f")
done
jar="$work/moveworks-kotlin-tests.jar"
stamp="$( (cat "${sources[@]}" "$here/tools/package.json"; echo "$coroutines_jar") | sha256sum | cut -c1-32)"
if [ ! -f "$jar" ] || [ "$(cat "$work/stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$jar" "$work/stamp"
  "$kotlinc" -nowarn -jvm-target 17 -cp "$compile_cp" "${sources[@]}" -d "$jar" >>"$log" 2>&1 || fail "kotlinc failed"
  echo "$stamp" >"$work/stamp"
fi
out="$work/run.txt"
if ! java -Djna.library.path="$target/debug" -cp "$jar:$kotlin_home/lib/kotlin-stdlib.jar:$cp_libs" \
    ai.moveworks.sdk.test.MainKt "$target/debug/moveworks-simulator" "$root/tests/conformance/scenarios.json" >"$out" 2>&1; then
  cat "$out" >&2
  exit 1
fi
grep -E "^per-call overhead|^sandbox start-up|^[0-9]+ passed, [0-9]+ failed$" "$out"
