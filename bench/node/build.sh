#!/usr/bin/env bash
# Prepares the `moveworks` package the Node bench loads (bench/PROTOCOL.md, "Build hooks"):
#   bash bench/node/build.sh release   # stripped release addon, built here
#   bash bench/node/build.sh debug     # the debug addon node/test.sh built
# Either way target/bench/node/pkg holds the package's JS files and the addon;
# bench/node/run.sh then loads it from there. node/ itself is not modified.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
profile="${1:-release}"
OUT="$CARGO_TARGET_DIR/bench/node"
PKG="$OUT/pkg"
# Staged in pkg.new and swapped in at the end, so a bench process never sees a half-copied package.
STAGE="$OUT/pkg.new"
rm -rf "$STAGE"
mkdir -p "$STAGE"
# The package's own JS modules (what its "files" lists; native.js is generated below).
for f in $(cd "$ROOT/node" && node -p 'require("./package.json").files.filter((f) => f.endsWith(".js") && f !== "native.js").join(" ")'); do
  cp "$ROOT/node/$f" "$STAGE/"
done
cp "$ROOT/node/package.json" "$STAGE/"

case "$profile" in
release)
  cd "$ROOT/node"
  [ -x node_modules/.bin/napi ] || npm install --no-save --loglevel=error >&2
  gen="$OUT/gen"
  rm -rf "$gen"
  # Generated into a scratch dir so the committed native.js / native.d.ts stay untouched.
  npx napi build --platform --release --strip --manifest-path ../bindings/node/Cargo.toml \
    --package-json-path package.json --target-dir "$CARGO_TARGET_DIR" --output-dir "$gen" \
    --js native.js --dts native.d.ts >&2
  cp "$gen"/native.js "$gen"/moveworks.*.node "$STAGE/"
  ;;
debug)
  ls "$ROOT"/node/moveworks.*.node >/dev/null 2>&1 || { echo "bench/node/build.sh: run node/test.sh first" >&2; exit 1; }
  cp "$ROOT/node/native.js" "$ROOT"/node/moveworks.*.node "$STAGE/"
  ;;
*) echo "usage: bench/node/build.sh release|debug" >&2; exit 2 ;;
esac
rm -rf "$OUT/pkg.old"
[ ! -d "$PKG" ] || mv "$PKG" "$OUT/pkg.old"
mv "$STAGE" "$PKG"
rm -rf "$OUT/pkg.old"
echo "$profile" >"$OUT/profile"
