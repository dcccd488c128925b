#!/usr/bin/env bash
# Compiles and tests the Swift package on Linux. Run from anywhere:
#   bash bindings/swift/test.sh
#  1. prepares (or reuses) a Debian trixie root with Swift 6 (toolchain.sh);
#  2. builds libmoveworks_uniffi and the simulator on the host (debug);
#  3. bind-mounts the repository (and the cargo target dir) into the root at
#     the same paths, so Package.swift finds target/debug as on a dev machine;
#  4. `swift build` and `swift test` of bindings/swift (XCTest: API tests and
#     every conformance scenario), then builds and runs tests/swift-consumer,
#     an app depending on the package by path, for one turn against the simulator.
# Mounts are removed on every exit path. XCTest's summary lines are printed;
# the full log is in $CARGO_TARGET_DIR/swift/log.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=chroot.sh
source "$here/chroot.sh"
repo="$SWIFT_REPO"
target="$SWIFT_TARGET"
work="$target/swift"
mkdir -p "$work"
log="$work/log.txt"
: >"$log"
fail() {
    echo "bindings/swift/test.sh: $*" >&2
    [ -s "$log" ] && tail -n 60 "$log" >&2
    exit 1
}

cargo build --quiet -p moveworks-uniffi -p moveworks-simulator >>"$log" 2>&1 || fail "cargo build failed"
swift_root_enter || fail "could not prepare the Swift toolchain root"
cat "$SWIFT_ROOT/.moveworks-swift-ready"
sim_pid=""
SWIFT_ON_EXIT+=('[ -z "$sim_pid" ] || kill "$sim_pid" 2>/dev/null')
# The real proxies for NetworkTests (scripts/proxies.sh, from the repository root); their
# files live under the target dir, which the root mounts at the same path, and loopback is shared.
proxy_env="$(cd "$repo" && bash scripts/proxies.sh start 2>>"$log")" || fail "scripts/proxies.sh start failed"
eval "$proxy_env"
# in_swift_root starts from an empty environment: pass the proxies' variables (and CI) in.
pass_env=()
for v in MOVEWORKS_TEST_FORWARD_PROXY MOVEWORKS_TEST_FORWARD_PROXY_LOG MOVEWORKS_TEST_INSPECTING_PROXY \
         MOVEWORKS_TEST_INSPECTING_PROXY_CA MOVEWORKS_TEST_INSPECTING_PROXY_LOG CI; do
    [ -z "${!v+x}" ] || pass_env+=("$v=${!v}")
done
in_root() { in_swift_root MOVEWORKS_SIMULATOR="$target/debug/moveworks-simulator" "${pass_env[@]}" "$@"; }
swiftpm_flags=(--scratch-path "$work/build" -j "$(nproc)")

started=$SECONDS
in_root swift build --package-path "$repo/bindings/swift" "${swiftpm_flags[@]}" >>"$log" 2>&1 \
    || fail "swift build failed"
status=0
in_root swift test --package-path "$repo/bindings/swift" "${swiftpm_flags[@]}" >"$work/test.txt" 2>&1 || status=$?
cat "$work/test.txt" >>"$log"
grep -E "^(Test Suite '(All tests|MoveworksSDKTests|MessagesTests|ConformanceTests|SandboxTests|AskTests|NetworkTests|RestV1Tests)'|	 Executed|Swift conformance:|Sandbox start-up)|error:|XCTAssert|failed \(" "$work/test.txt" || true
[ $status -eq 0 ] || fail "swift test failed (exit $status)"

# The consumer app: depends on the package by path and runs one turn.
in_root swift build --package-path "$repo/tests/swift-consumer" --scratch-path "$work/consumer-$(swift_sources_key)" -j "$(nproc)" >>"$log" 2>&1 \
    || fail "the consumer package did not build"
coproc SIM { "$target/debug/moveworks-simulator"; }
sim_pid=$SIM_PID
read -r sim_line <&"${SIM[0]}" || fail "the simulator printed nothing"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$sim_line" "$1"; }
out="$(in_root MOVEWORKS_BASE_URL="$(field base_url)" MOVEWORKS_TOKEN="$(field token)" \
    MOVEWORKS_ASSISTANT_NAME="$(field assistant_name)" "$work/consumer-$(swift_sources_key)/debug/Consumer" 2>&1)" \
    || { echo "$out" >>"$log"; fail "the consumer app failed"; }
echo "$out" >>"$log"
grep -q "^status: COMPLETED$" <<<"$out" || fail "the consumer app did not get a COMPLETED answer: $out"
grep -q "\[1\]" <<<"$out" || fail "the consumer app's answer has no citation marker: $out"
echo "swift consumer package: one turn COMPLETED with citation markers"
echo "swift step took $((SECONDS - started)) s (build and tests, after the toolchain root)"
