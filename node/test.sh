#!/usr/bin/env bash
# Test entry point of the Node package (run from anywhere: `bash node/test.sh`).
# Installs what it needs, builds the addon in debug into the shared target dir,
# fails when the committed generated files drift, type-checks the TS example
# and runs the node --test suite against the simulator.
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
# napi build writes the addon, the JS loader and the .d.ts; generate into a temp
# dir so the committed copies can be compared before anything is overwritten.
GEN="$LOG/gen"
step build-addon npx napi build --platform --manifest-path ../bindings/node/Cargo.toml \
  --package-json-path package.json --target-dir "$ROOT/target" --output-dir "$GEN" --js native.js --dts native.d.ts
for f in native.d.ts native.js; do
  if ! diff -u "$f" "$GEN/$f" >"$LOG/drift.diff"; then
    echo "node/test.sh: node/$f differs from what the build generates (regenerate and commit it):" >&2
    cat "$LOG/drift.diff" >&2
    exit 1
  fi
done
cp "$GEN"/moveworks.*.node .
step tsc npx tsc -p tsconfig.json

export MOVEWORKS_SIMULATOR="$ROOT/target/debug/moveworks-simulator"
if ! node --test --test-timeout=180000 --test-reporter=spec test/*.test.js >"$LOG/test.log" 2>&1; then
  cat "$LOG/test.log"
  echo "node/test.sh: tests failed" >&2
  exit 1
fi
# Measurements worth reporting, then the runner's summary.
grep -E "64 waits took|64 streams took|require\('moveworks'\) took|Sandbox.start\(\) took" "$LOG/test.log" | sed 's/^[[:space:]]*//'
tail -n 8 "$LOG/test.log"
