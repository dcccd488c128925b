#!/usr/bin/env bash
# Kotlin (JVM) package (Maven, pom.xml) and its tests, plus the Swift package checks
# that can run without a Swift toolchain. Run from anywhere: bash bindings/kotlin/test.sh
#  1. installs what is missing (Debian): Java 17, Maven, gcc, binutils; every JVM
#     library and plugin comes from Maven Central through mvn (pinned in pom.xml);
#  2. builds moveworks-uniffi, uniffi-bindgen and the simulator (debug);
#  3. regenerates the Kotlin and Swift sources and FAILS if they differ from the
#     committed ones; compiles the Swift package's C header with gcc;
#  4. extracts the README's examples, then `mvn install`: compiles the generated and
#     hand-written sources, runs the JUnit suite against the simulator (no
#     jna.library.path: the library is a classpath resource) and installs the jar,
#     which carries linux-x86-64/libmoveworks_uniffi.so, into the local repository (~/.m2);
#  5. builds tests/kotlin-consumer against ai.moveworks:moveworks:0.1.0 from there and
#     runs it with plain `java -cp`.
# Quiet on success; the last lines are the measurements, surefire's summary, the jar's
# size and the consumer's output.
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
command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
command -v gcc >/dev/null || need+=(gcc)
command -v nm >/dev/null || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update && apt-get install -y --no-install-recommends "${need[@]}"; } >>"$log" 2>&1 || fail "apt-get install ${need[*]} failed"
fi
mvn=(mvn -B -ntp)

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

# -- 4. build, test and install the package with Maven ------------------------------
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)"
pom_version="$(sed -n 's|^  <version>\(.*\)</version>|\1|p' "$here/pom.xml" | head -1)"
[ "$version" = "$pom_version" ] || fail "pom.xml version $pom_version differs from the workspace version $version"
# The README's examples, compiled as written by the tests (pom.xml adds this dir).
readme="$here/target/generated-test-sources/readme"
rm -rf "$readme"
mkdir -p "$readme"
# The streaming and messages blocks are function bodies; ApiTests runs them against the simulator.
{
  printf 'package ai.moveworks.sdk.test\n\nimport ai.moveworks.sdk.*\nimport ai.moveworks.sdk.model.*\n'
  printf 'import kotlinx.coroutines.runBlocking\nimport java.time.Duration\n\n'
  printf 'fun readmeStreamingExample(client: Client, conversationId: String) {\n'
  sed -n '/^<!-- streaming example/,/^```$/p' "$here/README.md" | sed '1,2d;$d'
  printf '}\n'
} >"$readme/ReadmeStreaming.kt"
grep -q "streamResponseFlow" "$readme/ReadmeStreaming.kt" || fail "no streaming example found in bindings/kotlin/README.md"
{
  printf 'package ai.moveworks.sdk.test\n\nimport ai.moveworks.sdk.*\nimport ai.moveworks.sdk.model.*\n\n'
  printf 'fun readmeMessagesExample(client: Client, conversationId: String) {\n'
  sed -n '/^<!-- messages example/,/^```$/p' "$here/README.md" | sed '1,2d;$d'
  printf '}\n'
} >"$readme/ReadmeMessages.kt"
grep -q "submitFeedback" "$readme/ReadmeMessages.kt" || fail "no messages example found in bindings/kotlin/README.md"
# The quickstart and testing blocks are whole files (imports included), each compiled
# into a package of its own; SandboxTests runs them.
for ex in quickstart testing forms; do
  f="$readme/Readme_$ex.kt"
  { printf 'package ai.moveworks.sdk.readme.%s\n\n' "$ex"
    sed -n "/^<!-- $ex example/,/^\`\`\`\$/p" "$here/README.md" | sed '1,2d;$d'; } >"$f"
  grep -q "Sandbox(" "$f" || fail "no $ex example found in bindings/kotlin/README.md"
done
# The proxy block is a whole file too; NetworkTests runs its function through the inspecting proxy.
f="$readme/Readme_proxy.kt"
{ printf 'package ai.moveworks.sdk.readme.proxy\n\n'
  sed -n '/^<!-- proxy example/,/^```$/p' "$here/README.md" | sed '1,2d;$d'; } >"$f"
grep -q "caCertificates = " "$f" || fail "no proxy example found in bindings/kotlin/README.md"
# The real proxies (tinyproxy, mitmdump) for NetworkTests: their addresses come in MOVEWORKS_TEST_*.
proxy_env="$(bash scripts/proxies.sh start 2>>"$log")" || fail "scripts/proxies.sh start failed"
eval "$proxy_env"
# install = verify (compile, JUnit suite, jar) + copy into the local repository for the consumer.
mvnlog="$work/mvn.txt"
if ! (cd "$here" && "${mvn[@]}" install -Dmoveworks.native.dir="$target/debug") >"$mvnlog" 2>&1; then
  cat "$mvnlog" >>"$log"
  fail "mvn install failed (full log: $mvnlog)"
fi
jar="$here/target/moveworks-$version.jar"
jar tf "$jar" | grep -x "linux-x86-64/libmoveworks_uniffi.so" >/dev/null || fail "$jar lacks linux-x86-64/libmoveworks_uniffi.so"
summary="$(grep -E 'Tests run: [0-9]+, Failures: 0, Errors: 0, Skipped: 0$' "$mvnlog" | tail -1 | sed 's/^\[[A-Z]*\] *//')"
[ -n "$summary" ] || fail "no surefire summary in $mvnlog"

# -- 5. a consumer project built against the installed package ----------------------
consumer="$root/tests/kotlin-consumer"
if ! (cd "$consumer" && "${mvn[@]}" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt) >>"$log" 2>&1; then
  fail "tests/kotlin-consumer does not build against ai.moveworks:moveworks:$version"
fi
# Plain java: the native library comes out of the package's jar, no system property.
if ! consumer_out="$(java -cp "$consumer/target/app.jar:$(cat "$consumer/target/classpath.txt")" com.example.MainKt 2>&1)"; then
  echo "$consumer_out" >>"$log"
  fail "the consumer app failed"
fi
case "$consumer_out" in
  "consumer: sdk $version, COMPLETED, "*) ;;
  *) echo "$consumer_out" >>"$log"; fail "unexpected consumer output" ;;
esac

grep -hE "^per-call overhead|^sandbox start-up" "$mvnlog"
echo "$summary"
echo "jar: $(basename "$jar") $(stat -c %s "$jar") bytes (with linux-x86-64/libmoveworks_uniffi.so)"
echo "$consumer_out"
