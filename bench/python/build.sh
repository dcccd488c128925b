#!/usr/bin/env bash
# Prepares the Python bench environment (bench/PROTOCOL.md, "Build hooks"):
#   bash bench/python/build.sh release   # stripped release abi3 wheel, built here
#   bash bench/python/build.sh debug     # the debug build python/test.sh installed
# Either way target/bench/python/venv gets the pinned baseline clients
# (requirements.txt) and the chosen `moveworks`; bench/python/run.sh then uses it.
# The test venv is never modified.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
profile="${1:-release}"
OUT="$CARGO_TARGET_DIR/bench/python"
VENV="$OUT/venv"
mkdir -p "$OUT"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -r "$ROOT/bench/python/requirements.txt"
site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

case "$profile" in
release)
  rm -rf "$OUT/wheels"
  # The wheel users install: abi3, manylinux2014 (zig links against glibc 2.17; maturin finds zig on PATH).
  (cd "$ROOT/python" && PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" build -q --release --strip --zig \
    --compatibility manylinux2014 -o "$OUT/wheels") >&2
  "$VENV/bin/pip" install -q --force-reinstall --no-deps "$OUT"/wheels/*.whl
  ;;
debug)
  # Reuse what python/test.sh built and installed; build a debug wheel only if it has not run.
  rm -rf "$OUT/wheels" # a release wheel left here would be reported as this build's footprint
  test_site="$(ls -d "$CARGO_TARGET_DIR"/python-venv/lib/python3*/site-packages 2>/dev/null | head -1 || true)"
  if [ -n "$test_site" ] && [ -d "$test_site/moveworks" ]; then
    rm -rf "$site/moveworks"
    cp -r "$test_site/moveworks" "$site/moveworks"
  else
    (cd "$ROOT/python" && "$VENV/bin/maturin" build -q -o "$OUT/wheels") >&2
    "$VENV/bin/pip" install -q --force-reinstall --no-deps "$OUT"/wheels/*.whl
  fi
  ;;
*) echo "usage: bench/python/build.sh release|debug" >&2; exit 2 ;;
esac
echo "$profile" >"$OUT/profile"
