#!/usr/bin/env bash
# Checks what scripts/release.sh built, each package the way its users install it,
# away from the source tree: the wheel in a fresh venv (auditwheel: manylinux_2_17),
# both npm tarballs in a fresh app (CJS and ESM), the jar through a consumer Maven
# project and plain `java -cp`, the C tarball unpacked elsewhere and built against by
# pkg-config and find_package (shared and static); every native library needs glibc
# <= 2.17; the docs site has every language's index. Each check runs one turn against
# the package's own sandbox. Run from anywhere: bash scripts/check-dist.sh [DIST]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIST="$(cd "${1:-$ROOT/dist}" && pwd)"
VERSION="$(sed -n 's/^version = "\([0-9.]*\)"$/\1/p' "$ROOT/Cargo.toml" | head -n 1)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1
# shellcheck source=zig-env.sh
. "$ROOT/scripts/zig-env.sh" # for max_glibc / require_glibc_2_17
fail() { echo "check-dist: $1" >&2; [ -z "${2:-}" ] || tail -n 40 "$2" >&2; exit 1; }
only() { # only PATTERN: the one file matching it
    # shellcheck disable=SC2206 # the pattern is meant to glob
    local m=("$DIST"/$1)
    [ ${#m[@]} -eq 1 ] && [ -f "${m[0]}" ] || fail "expected exactly one $1 in $DIST, found: ${m[*]}"
    echo "${m[0]}"
}
report() { printf 'check-dist: %-8s %s\n' "$1" "$2"; }

# -- python ---------------------------------------------------------------------------
wheel="$(only "python/moveworks-$VERSION-cp39-abi3-manylinux*_x86_64.whl")"
sdist="$(only "python/moveworks-$VERSION.tar.gz")"
"$ZIG_VENV/bin/auditwheel" show "$wheel" >"$WORK/auditwheel.log" 2>&1 || fail "auditwheel show failed" "$WORK/auditwheel.log"
grep -A1 'consistent with the following platform tag:' "$WORK/auditwheel.log" | grep -q '"manylinux_2_17_x86_64"' ||
    fail "auditwheel does not report manylinux_2_17_x86_64" "$WORK/auditwheel.log"
tar tzf "$sdist" | grep -q "^moveworks-$VERSION/pyproject.toml$" || fail "the sdist has no pyproject.toml"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "$wheel"
(cd "$WORK" && "$WORK/venv/bin/python" - <<'PY') >"$WORK/python.out" || fail "the installed wheel failed" "$WORK/python.out"
import moveworks
from moveworks.testing import Sandbox
assert moveworks.__file__.startswith(__import__("sys").prefix), moveworks.__file__
with Sandbox() as sb, sb.client() as client:
    conv = client.create_conversation()
    resp = client.create_response_and_wait(conv.conversation_id, "Who does John Doe report to?")
    print("status", resp.status.value if hasattr(resp.status, "value") else resp.status)
PY
grep -q "status COMPLETED" "$WORK/python.out" || fail "python turn did not complete" "$WORK/python.out"
report python "$(basename "$wheel") $(stat -c %s "$wheel") B: auditwheel manylinux_2_17_x86_64, a turn from a fresh venv"

# -- node -----------------------------------------------------------------------------
main_tgz="$(only "node/moveworks-$VERSION.tgz")"
platform_tgz="$(only "node/moveworks-linux-x64-gnu-$VERSION.tgz")"
mkdir "$WORK/app"
# The override points the optional dependency at the tarball given beside it: no registry needed.
printf '{"name":"app","version":"1.0.0","private":true,"overrides":{"moveworks-linux-x64-gnu":"$moveworks-linux-x64-gnu"}}\n' \
    >"$WORK/app/package.json"
(cd "$WORK/app" && npm install --no-audit --no-fund --loglevel=error "$main_tgz" "$platform_tgz") >"$WORK/npm.log" 2>&1 ||
    fail "npm install of the tarballs failed" "$WORK/npm.log"
addon="$WORK/app/node_modules/moveworks-linux-x64-gnu/moveworks.linux-x64-gnu.node"
[ -f "$addon" ] || fail "the platform package carries no addon"
require_glibc_2_17 "$addon"
cat >"$WORK/app/turn.cjs" <<'JS'
const { Sandbox } = require('moveworks/testing')
;(async () => {
  const sb = await Sandbox.start()
  try {
    const client = sb.client()
    const conv = await client.createConversation()
    const resp = await client.createResponseAndWait(conv.conversationId, 'Who does John Doe report to?')
    const addons = process.report.getReport().sharedObjects.filter((o) => o.endsWith('.node'))
    console.log('status', resp.status, 'addon', addons.join(','))
  } finally {
    await sb.close()
  }
})()
JS
(cd "$WORK/app" && node turn.cjs) >"$WORK/node.out" 2>&1 || fail "node turn failed" "$WORK/node.out"
grep -q "^status COMPLETED addon $(realpath "$addon")$" "$WORK/node.out" || fail "node turn did not complete from the platform package" "$WORK/node.out"
(cd "$WORK/app" && node --input-type=module -e "import { Client } from 'moveworks'; import { Sandbox } from 'moveworks/testing'; console.log(typeof Client, typeof Sandbox.start)") \
    >"$WORK/esm.out" 2>&1 || fail "ESM import failed" "$WORK/esm.out"
[ "$(cat "$WORK/esm.out")" = "function function" ] || fail "ESM import gave the wrong exports" "$WORK/esm.out"
report node "$(basename "$main_tgz") $(stat -c %s "$main_tgz") B + $(basename "$platform_tgz") $(stat -c %s "$platform_tgz") B: glibc $(max_glibc "$addon"), CJS turn, ESM import"

# -- kotlin ---------------------------------------------------------------------------
jar="$(only "kotlin/moveworks-$VERSION.jar")"
pom="$(only "kotlin/moveworks-$VERSION.pom")"
(cd "$WORK" && unzip -q -o "$jar" 'linux-x86-64/libmoveworks_uniffi.so') || fail "the jar has no linux-x86-64/libmoveworks_uniffi.so"
require_glibc_2_17 "$WORK/linux-x86-64/libmoveworks_uniffi.so"
# Installed into the local Maven repository (as `mvn install` from the release would), then the
# consumer project builds against it and runs with plain java -cp, no system property.
mvn=(mvn -B -ntp)
"${mvn[@]}" install:install-file -Dfile="$jar" -DpomFile="$pom" >"$WORK/mvn.log" 2>&1 || fail "mvn install:install-file failed" "$WORK/mvn.log"
cp -r "$ROOT/tests/kotlin-consumer" "$WORK/consumer"
rm -rf "$WORK/consumer/target"
(cd "$WORK/consumer" && "${mvn[@]}" package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt) >>"$WORK/mvn.log" 2>&1 ||
    fail "the consumer project did not build against the jar" "$WORK/mvn.log"
used="$(tr ':' '\n' <"$WORK/consumer/target/classpath.txt" | grep "/moveworks-$VERSION.jar$")"
cmp -s "$used" "$jar" || fail "the consumer's classpath does not hold the released jar ($used)"
app_jar="$WORK/consumer/target/app.jar"
java -cp "$app_jar:$(cat "$WORK/consumer/target/classpath.txt")" com.example.MainKt >"$WORK/kotlin.out" 2>&1 ||
    fail "the consumer app failed" "$WORK/kotlin.out"
grep -q "COMPLETED" "$WORK/kotlin.out" || fail "kotlin turn did not complete" "$WORK/kotlin.out"
report kotlin "$(basename "$jar") $(stat -c %s "$jar") B: glibc $(max_glibc "$WORK/linux-x86-64/libmoveworks_uniffi.so"), consumer project: $(head -n 1 "$WORK/kotlin.out")"

# -- c --------------------------------------------------------------------------------
c_tgz="$(only "c/moveworks-c-$VERSION-x86_64-linux-gnu.tar.gz")"
mkdir "$WORK/elsewhere"
tar -C "$WORK/elsewhere" -xzf "$c_tgz"
P="$WORK/elsewhere/moveworks-c-$VERSION"
for f in lib/libmoveworks.so lib/libmoveworks.a include/moveworks.h lib/pkgconfig/moveworks.pc \
    lib/cmake/moveworks/moveworksConfig.cmake lib/cmake/moveworks/moveworksConfigVersion.cmake; do
    [ -f "$P/$f" ] || fail "the C tarball lacks $f"
done
cmp -s "$ROOT/include/moveworks.h" "$P/include/moveworks.h" || fail "the C tarball's header differs from include/moveworks.h"
require_glibc_2_17 "$P/lib/libmoveworks.so"
# shellcheck disable=SC2046
PKG_CONFIG_PATH="$P/lib/pkgconfig" gcc -std=c99 -Wall -Werror "$ROOT/bindings/c/examples/quickstart.c" -o "$WORK/quickstart" \
    $(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs moveworks) -Wl,-rpath,"$P/lib" 2>"$WORK/gcc.log" ||
    fail "quickstart.c did not build by pkg-config against the unpacked tarball" "$WORK/gcc.log"
{
    cmake -S "$ROOT/bindings/c/examples" -B "$WORK/cmake" -DCMAKE_PREFIX_PATH="$P" && cmake --build "$WORK/cmake"
} >"$WORK/cmake.log" 2>&1 || fail "find_package build against the unpacked tarball failed" "$WORK/cmake.log"
# CMake through pkg-config too (pkg_check_modules, as a project without find_package would).
{
    PKG_CONFIG_PATH="$P/lib/pkgconfig" cmake -S "$ROOT/bindings/c/examples" -B "$WORK/cmake-pc" -DMOVEWORKS_FIND=pkg-config &&
        cmake --build "$WORK/cmake-pc" --target quickstart
} >"$WORK/cmake-pc.log" 2>&1 || fail "pkg-config CMake build against the unpacked tarball failed" "$WORK/cmake-pc.log"
for exe in "$WORK/quickstart" "$WORK/cmake/quickstart" "$WORK/cmake/quickstart_static" "$WORK/cmake-pc/quickstart"; do
    LD_LIBRARY_PATH="$P/lib" "$exe" >"$WORK/c.out" 2>&1 || fail "$(basename "$exe") failed" "$WORK/c.out"
    grep -q "assistant:" "$WORK/c.out" || fail "$(basename "$exe") printed no answer" "$WORK/c.out"
done
report c "$(basename "$c_tgz") $(stat -c %s "$c_tgz") B: libmoveworks.so $(stat -c %s "$P/lib/libmoveworks.so") B, glibc $(max_glibc "$P/lib/libmoveworks.so"), pkg-config (gcc, CMake) and find_package (shared, static) turns"

# -- docs -----------------------------------------------------------------------------
[ -f "$DIST/docs/index.html" ] || fail "no docs/index.html"
for lang in rust python node c kotlin; do
    [ -n "$(find "$DIST/docs/$lang" -name index.html -print -quit 2>/dev/null)" ] || fail "docs/$lang has no index.html"
done
report docs "index.html + rust, python, node, c, kotlin references"
(cd "$DIST" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"
echo "check-dist: all packages in $DIST check out"
