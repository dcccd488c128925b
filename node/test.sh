#!/usr/bin/env bash
# Test entry point of the Node package (run from anywhere: `bash node/test.sh`).
# Installs what it needs, builds the addon in debug into the shared target dir,
# linked against glibc 2.17 (checked), fails when the committed generated files
# drift, type-checks the TS example and runs the node --test suite against the
# simulator (test/pack.test.js packs both packages and installs them into a fresh app)
# and the real proxies of scripts/proxies.sh (test/network.test.js).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/node"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >/dev/null
fi
if [ "$(node -p 'parseInt(process.versions.node)')" -lt 20 ]; then
  echo "node >= 20 is required (found $(node --version))" >&2
  exit 1
fi

LOG="$(mktemp -d)"
trap 'rm -rf "$LOG"' EXIT
step() { # step NAME CMD...: quiet on success, full output on failure
  local name="$1"; shift
  if ! "$@" >"$LOG/$name.log" 2>&1; then
    echo "node/test.sh: $name failed:" >&2
    cat "$LOG/$name.log" >&2
    exit 1
  fi
}

# `npm ci` refuses this lockfile: @napi-rs/cli's transitive deps list prebuilt
# binaries for other platforms as optionalDependencies that the registry here
# does not serve, so the lockfile cannot record them. `npm install --no-save`
# installs the locked versions; the lockfile must come out unchanged.
cp package-lock.json "$LOG/lock.json"
step npm-install npm install --no-save --loglevel=error
if ! cmp -s package-lock.json "$LOG/lock.json"; then
  cp "$LOG/lock.json" package-lock.json
  echo "node/test.sh: package-lock.json does not match package.json (run npm install and commit the lockfile)" >&2
  exit 1
fi
step build-simulator cargo build -q -p moveworks-simulator
# The addon is built once, as users get it (in debug, as every test build): linked by
# zig against glibc 2.17 like the Python wheel (scripts/zig-env.sh: zig and
# cargo-zigbuild from PyPI). Every test loads this same file. (A second, native build
# would not be cheaper: napi passes --target to cargo either way, so both would build
# into target/x86_64-unknown-linux-gnu and each would rebuild every crate the other built.)
# shellcheck source=../scripts/zig-env.sh
. "$ROOT/scripts/zig-env.sh"
# napi build writes the addon, the JS loader and the .d.ts; generate into a temp
# dir so the committed copies can be compared before anything is overwritten.
GEN="$LOG/gen"
build_started=$SECONDS
step build-addon npx napi build --platform --cross-compile --target "$GLIBC_2_17_TARGET" \
  --manifest-path ../bindings/node/Cargo.toml --package-json-path package.json --target-dir "$ROOT/target" \
  --output-dir "$GEN" --js native.js --dts native.d.ts
build_seconds=$((SECONDS - build_started))
for f in native.d.ts native.js; do
  if ! diff -u "$f" "$GEN/$f" >"$LOG/drift.diff"; then
    echo "node/test.sh: node/$f differs from what the build generates (regenerate and commit it):" >&2
    cat "$LOG/drift.diff" >&2
    exit 1
  fi
done
ADDON="$GEN/moveworks.linux-x64-gnu.node"
require_glibc_2_17 "$ADDON"
# Next to native.js, which loads it first: the tests in this tree (and bench/, soak/) use it.
cp "$ADDON" .

# The packages users install (napi-rs's layout): the main package `moveworks` and, as
# its optional dependency, one package per platform under npm/ carrying the addon.
# npm/*/package.json and README.md are what `napi create-npm-dirs` generates; `napi
# artifacts` copies the addon into npm/linux-x64-gnu/ (git ignores *.node), from where
# test/pack.test.js packs it.
mkdir "$LOG/npm-dirs"
cp package.json "$LOG/npm-dirs/"
step create-npm-dirs npx napi create-npm-dirs --cwd "$LOG/npm-dirs"
if ! diff -ru -x '*.node' npm "$LOG/npm-dirs/npm" >"$LOG/drift.diff"; then
  echo "node/test.sh: node/npm/ differs from what napi create-npm-dirs generates (regenerate and commit it):" >&2
  cat "$LOG/drift.diff" >&2
  exit 1
fi
step napi-artifacts npx napi artifacts --output-dir "$GEN" --npm-dir npm
step tsc npx tsc -p tsconfig.json

# The real proxies of test/network.test.js (tinyproxy, mitmproxy): started here so this
# script works alone; under the full test command they already run and this is a no-op.
if ! proxy_env="$(cd "$ROOT" && bash scripts/proxies.sh start 2>"$LOG/proxies.log")"; then
  echo "node/test.sh: scripts/proxies.sh start failed:" >&2
  cat "$LOG/proxies.log" >&2
  exit 1
fi
eval "$proxy_env"

export MOVEWORKS_SIMULATOR="$ROOT/target/debug/moveworks-simulator"
# Four test files at a time (node's default is one fewer than the CPUs): each file is a process
# of its own with its own simulator (test/sim.js), and the suite mostly waits on it (70 s one at a
# time, 22 s four at a time, for the same 20 s of CPU).
if ! node --test --test-concurrency=4 --test-timeout=180000 --test-reporter=spec test/*.test.js >"$LOG/test.log" 2>&1; then
  cat "$LOG/test.log"
  echo "node/test.sh: tests failed" >&2
  exit 1
fi
# Measurements worth reporting, then the runner's summary.
echo "node/test.sh: moveworks.linux-x64-gnu.node needs glibc $(max_glibc "$ADDON") (addon build: ${build_seconds}s)"
grep -E "64 waits took|64 streams took|require\('moveworks'\) took|Sandbox.start\(\) took|^[^a-z]*tarballs:" "$LOG/test.log" | sed 's/^[[:space:]]*//'
tail -n 8 "$LOG/test.log"
