#!/usr/bin/env bash
# Builds what bench/concurrency and bench/streaming run, for one profile:
#   bash bench/concurrency/build.sh release|debug
# - the simulator, libmoveworks (C) and the Rust programs (bench/rust/examples: concurrency, stream_events);
# - the C program (target/bench/concurrency/<profile>/c_threads);
# - the Python venv target/bench/venv: the pinned peers of requirements.txt and the `moveworks`
#   package bench/python/build.sh prepared (release: the stripped abi3 wheel; debug: the test build);
# - the Node package target/bench/node/pkg (bench/node/build.sh) and the Node peers
#   (bench/concurrency/node/package-lock.json, `npm ci`);
# - the Kotlin bench jar and library (bench/kotlin/build.sh, with Concurrency.kt), when it builds;
# - the Swift bench program (bench/swift/build.sh, in the Swift toolchain root), when it builds.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
profile="${1:-release}"
step() { printf '== [bench build %ss] %s\n' "$SECONDS" "$*" >&2; }
cargo_profile=()
case "$profile" in
release) cargo_profile=(--release) ;;
debug) ;;
*) echo "usage: bench/concurrency/build.sh release|debug" >&2; exit 2 ;;
esac

if [[ ! -f /usr/include/cjson/cJSON.h ]]; then
    step "installing libcjson-dev"
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libcjson-dev >/dev/null
fi

step "cargo build ($profile): simulator, libmoveworks, the Rust programs (examples of bench/rust)"
cargo build --locked -q "${cargo_profile[@]}" -p moveworks-simulator -p moveworks-c
cargo build --locked -q "${cargo_profile[@]}" -p moveworks-bench --example concurrency --example stream_events

step "the C program"
c_out="$CARGO_TARGET_DIR/bench/concurrency/$profile"
mkdir -p "$c_out"
gcc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude bench/concurrency/c_threads.c -o "$c_out/c_threads" \
    -L"$CARGO_TARGET_DIR/$profile" -lmoveworks -lcjson -lpthread -Wl,-rpath,"$CARGO_TARGET_DIR/$profile"

step "Python: bench/python/build.sh $profile, then target/bench/venv"
bash bench/python/build.sh "$profile"
VENV="$CARGO_TARGET_DIR/bench/venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q -r bench/concurrency/requirements.txt
src="$("$CARGO_TARGET_DIR/bench/python/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
dst="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -rf "$dst/moveworks"
cp -r "$src/moveworks" "$dst/moveworks"

step "Kotlin: bench/kotlin/build.sh $profile (optional: without it the kotlin.sdk row is left out)"
if ! bash bench/kotlin/build.sh "$profile"; then
    echo "bench/concurrency/build.sh: the Kotlin build failed; kotlin.sdk is left out" >&2
    rm -f "$CARGO_TARGET_DIR/bench/kotlin/maven/bench.jar" # not an older build's jar instead
fi

step "Swift: bench/swift/build.sh $profile (optional: without it the swift.sdk row is left out)"
if ! bash bench/swift/build.sh "$profile"; then
    echo "bench/concurrency/build.sh: the Swift build failed; swift.sdk is left out" >&2
    rm -f "$CARGO_TARGET_DIR/bench/swift/SwiftBench" "$CARGO_TARGET_DIR/bench/swift/profile" # not an older build's
fi

step "Node: bench/node/build.sh $profile, and the peers"
bash bench/node/build.sh "$profile"
(cd bench/concurrency/node && npm ci --loglevel=error --no-audit --no-fund >/dev/null)
echo "$profile" >"$CARGO_TARGET_DIR/bench/concurrency/profile"
