#!/usr/bin/env bash
# Builds every package users install, as release builds for Linux x86_64 linked
# against glibc 2.17 (zig), into one directory (default dist/), then checks them
# with scripts/check-dist.sh:
#   python/  the abi3 manylinux2014 wheel and the sdist
#   node/    the main package `moveworks` and its platform package `moveworks-linux-x64-gnu` (npm tarballs)
#   kotlin/  the jar (native library inside as the JNA resource linux-x86-64/) and its pom
#   c/       moveworks-c-<version>-x86_64-linux-gnu.tar.gz: lib/ (shared + static), include/,
#            lib/pkgconfig (relocatable), lib/cmake/moveworks
#   docs/    the API reference site (scripts/docs.sh)
#   SHA256SUMS, manifest.json (every file with its size; BENCHMARKS.md's package rows)
# Other platforms: .github/workflows/release.yml. Run from anywhere:
#   bash scripts/release.sh [DIST]
#   bash scripts/release.sh --build-only   # only the four release builds (cargo's artifacts in
#                                          # the target dir), nothing packed or checked: the test
#                                          # command runs this niced in the background while the
#                                          # suites run, and the full run later finds them fresh
set -euo pipefail
build_only=0
if [ "${1:-}" = "--build-only" ]; then
    build_only=1
    shift
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TERM_COLOR=never PIP_DISABLE_PIP_VERSION_CHECK=1
VERSION="$(sed -n 's/^version = "\([0-9.]*\)"$/\1/p' Cargo.toml | head -n 1)"
WORK="$(mktemp -d)"
if ((build_only)); then
    DIST="$WORK/dist"
else
    DIST="$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)"
fi
python_build=""
# A failure elsewhere stops the background wheel build too.
# (`|| true`: under `set -e` a failing last command in the trap would become the script's status.)
trap 'if [ -n "$python_build" ]; then kill "$python_build" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT
started=$SECONDS
step() { printf 'release: %s (%d s)\n' "$1" "$((SECONDS - started))"; }
fail() { echo "release: $1" >&2; [ -z "${2:-}" ] || tail -n 60 "$2" >&2; exit 1; }

((build_only)) || rm -rf "${DIST:?}"/{python,node,kotlin,c,docs,SHA256SUMS,manifest.json}
mkdir -p "$DIST"/{python,node,kotlin,c}

# zig, cargo-zigbuild, maturin and auditwheel (PyPI, pinned) on PATH; GLIBC_2_17_TARGET.
# shellcheck source=zig-env.sh
. "$ROOT/scripts/zig-env.sh"
TRIPLE="${GLIBC_2_17_TARGET%.2.17}"
RELEASE_DIR="$CARGO_TARGET_DIR/$TRIPLE/release"

# The four release builds, the same commands in both modes (so that cargo finds the
# background run's artifacts fresh).
# The wheel, in a target dir of its own: maturin's zig wrapper is not cargo-zigbuild's, so its
# C-built crates (ring) and everything above them never share the other builds' artifacts anyway.
build_wheel() {
    (
        export CARGO_TARGET_DIR="$CARGO_TARGET_DIR/release-python"
        cd python && maturin build --quiet --release --zig --compatibility manylinux2014 -o "$DIST/python"
    )
}
build_c() {
    cmake -S bindings/c -B "$WORK/cmake" -DMOVEWORKS_GLIBC_2_17=ON && cmake --build "$WORK/cmake"
}
# Alone, not beside moveworks-c: built together, cargo would unify the core's features
# (uniffi) and the C library would differ from the one cmake builds.
build_uniffi() {
    cargo zigbuild --locked --quiet --release --target "$GLIBC_2_17_TARGET" -p moveworks-uniffi
}
build_addon() {
    (cd node && npx napi build --platform --release --cross-compile --target "$GLIBC_2_17_TARGET" \
        --manifest-path ../bindings/node/Cargo.toml --package-json-path package.json \
        --output-dir "$WORK/addon" --js false --dts false)
}

if ((build_only)); then
    for build in build_wheel build_c build_uniffi; do
        step "$build"
        "$build" >"$WORK/build.log" 2>&1 || fail "$build failed" "$WORK/build.log"
    done
    # The napi CLI comes with node/'s dev dependencies; the full run installs them if missing.
    if [ -d node/node_modules/@napi-rs/cli ]; then
        step build_addon
        build_addon >"$WORK/build.log" 2>&1 || fail "build_addon failed" "$WORK/build.log"
        # Twice: napi-rs sets NAPI_FORCE_BUILD_MOVEWORKS_NODE to the time of day when its
        # type-def cache (target/napi-rs/) is missing and leaves it unset once the first build
        # filled it, so the second build in a fresh target dir compiles the addon again (88 s
        # of LTO). Here, rather than in the full run's foreground; a no-op when warm.
        step "build_addon (napi-rs's type-def cache now present)"
        build_addon >"$WORK/build.log" 2>&1 || fail "build_addon failed" "$WORK/build.log"
    fi
    step "built"
    exit 0
fi

# The wheel builds alongside the others: two builds keep both cores busy through the long
# single-threaded codegen of each cdylib.
step "python: wheel and sdist (in the background)"
(build_wheel && cd python && maturin sdist -o "$DIST/python") >"$WORK/maturin.log" 2>&1 &
python_build=$!

step "c: installed prefix as a tarball"
PREFIX="$WORK/moveworks-c-$VERSION"
{
    build_c && cmake --install "$WORK/cmake" --prefix "$PREFIX"
} >"$WORK/cmake.log" 2>&1 || fail "cmake build/install failed" "$WORK/cmake.log"
# The tarball unpacks anywhere: pkg-config finds its prefix from the .pc file's own place
# (CMake's package config is relocatable already).
sed -i -e 's|^prefix=.*|prefix=${pcfiledir}/../..|' -e 's|^libdir=.*|libdir=${prefix}/lib|' \
    -e 's|^includedir=.*|includedir=${prefix}/include|' "$PREFIX/lib/pkgconfig/moveworks.pc"
grep -rq "$WORK" "$PREFIX/lib/pkgconfig" "$PREFIX/lib/cmake" && fail "the C prefix still names the build directory"
tar -C "$WORK" -czf "$DIST/c/moveworks-c-$VERSION-x86_64-linux-gnu.tar.gz" "moveworks-c-$VERSION"

step "kotlin: jar"
build_uniffi >"$WORK/cargo.log" 2>&1 || fail "cargo zigbuild -p moveworks-uniffi failed" "$WORK/cargo.log"
command -v mvn >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null; }
(cd bindings/kotlin && mvn -B -ntp clean package -Dmaven.test.skip=true -Dmoveworks.native.dir="$RELEASE_DIR") \
    >"$WORK/mvn.log" 2>&1 || fail "mvn package failed" "$WORK/mvn.log"
cp "bindings/kotlin/target/moveworks-$VERSION.jar" "$DIST/kotlin/"
cp bindings/kotlin/pom.xml "$DIST/kotlin/moveworks-$VERSION.pom"

step "node: main and platform packages"
node_step() { # one command per line: `set -e` does not hold inside a `( ... ) || fail` list
    [ -d node/node_modules/@napi-rs/cli ] || (cd node && npm ci --no-audit --no-fund --loglevel=error) || return 1
    build_addon || return 1
    # Into the committed platform package directory (git ignores the .node), as node/test.sh does.
    (cd node && npx napi artifacts --output-dir "$WORK/addon" --npm-dir npm) || return 1
    cmp -s "$WORK/addon/moveworks.linux-x64-gnu.node" node/npm/linux-x64-gnu/moveworks.linux-x64-gnu.node || return 1
    (cd node && npm pack --silent --pack-destination "$DIST/node") || return 1
    (cd node/npm/linux-x64-gnu && npm pack --silent --pack-destination "$DIST/node") || return 1
}
node_step >"$WORK/node.log" 2>&1 || fail "node packaging failed" "$WORK/node.log"

step "python: waiting for the wheel and sdist"
wait "$python_build" || fail "maturin build or sdist failed" "$WORK/maturin.log"

step "docs"
# pdoc documents the wheel just built rather than a debug build of its own.
MOVEWORKS_DOCS_WHEEL="$(ls "$DIST"/python/*.whl)" bash scripts/docs.sh "$DIST/docs" >"$WORK/docs.log" 2>&1 ||
    fail "scripts/docs.sh failed" "$WORK/docs.log"
grep -E '^[a-z]+: [0-9]+ public items documented' "$WORK/docs.log" | sed 's/^/release: docs: /'

(cd "$DIST" && find python node kotlin c -type f | LC_ALL=C sort | xargs sha256sum >SHA256SUMS)
# Sizes for BENCHMARKS.md: every packed file, and the native libraries inside them unpacked.
python3 - "$DIST" "$PREFIX/lib/libmoveworks.so" "$WORK/addon/moveworks.linux-x64-gnu.node" \
    "$RELEASE_DIR/libmoveworks_uniffi.so" <<'PY'
import json, os, sys
dist, so, addon, uniffi = sys.argv[1:]
files = {}
for sub in ("python", "node", "kotlin", "c"):
    for name in sorted(os.listdir(os.path.join(dist, sub))):
        files[f"{sub}/{name}"] = os.path.getsize(os.path.join(dist, sub, name))
native = {"libmoveworks.so": os.path.getsize(so), "moveworks.linux-x64-gnu.node": os.path.getsize(addon),
          "libmoveworks_uniffi.so": os.path.getsize(uniffi)}
with open(os.path.join(dist, "manifest.json"), "w") as f:
    json.dump({"files": files, "native_unpacked": native}, f, indent=2)
PY
step "built into $DIST"
bash scripts/check-dist.sh "$DIST"
step "done"
