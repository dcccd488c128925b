#!/usr/bin/env bash
# The C and C++ suites under AddressSanitizer + LeakSanitizer + UBSan, and the C++
# suite under valgrind (bindings/c/test.sh runs the C programs under valgrind).
#
# The test programs are compiled with gcc's -fsanitize=address,undefined and linked
# against the ordinary libmoveworks.so: ASan intercepts malloc/free process-wide, so
# the Rust side's allocations (handles, strings, errors) are checked for leaks,
# double frees and frees of foreign pointers as well. Any finding fails the script.
#
# usage (from the repo root, after `cargo build -p moveworks-c -p moveworks-simulator`,
# which bindings/c/test.sh does before calling this): bash bindings/c/sanitize.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HERE="$ROOT/bindings/c"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
LIBDIR="$TARGET/debug"
WORK="$(mktemp -d)"
SIM_PID=""

cleanup() {
    exec 3>&- 2>/dev/null || true
    if [[ -n "$SIM_PID" ]]; then wait "$SIM_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step() { echo "== [sanitize ${SECONDS}s] $*"; }

# gcc's ASan/UBSan runtimes (Debian: libasan8, libubsan1, pulled in by gcc).
if ! echo 'int main(void){return 0;}' | gcc -fsanitize=address,undefined -x c - -o "$WORK/probe" 2>/dev/null; then
    step "installing the sanitizer runtimes"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq libasan8 libubsan1 >/dev/null
fi
[[ -f "$LIBDIR/libmoveworks.so" ]] || cargo build -q -p moveworks-c -p moveworks-simulator

step "compile the C and C++ tests with -fsanitize=address,undefined"
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
CFLAGS=(-std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -I"$ROOT/include" -I"$HERE/tests")
LDLIBS=(-L"$LIBDIR" -lmoveworks -lcjson -lpthread -Wl,-rpath,"$LIBDIR")
tests=()
for t in conformance unit v1 security stress sandbox network; do
    [[ -f "$HERE/tests/$t.c" ]] || continue
    gcc "${SAN[@]}" "${CFLAGS[@]}" "$HERE/tests/$t.c" -o "$WORK/$t" "${LDLIBS[@]}"
    tests+=("$t")
done
g++ "${SAN[@]}" -std=c++17 -Wall -Wextra -Werror -g -O1 -I"$ROOT/include" -I"$HERE/tests" \
    "$HERE/tests/cpp_unit.cpp" -o "$WORK/cpp_unit" "${LDLIBS[@]}"
# An unsanitized C++ build for valgrind (valgrind and ASan cannot share a process).
g++ -std=c++17 -Wall -Wextra -Werror -g -I"$ROOT/include" -I"$HERE/tests" "$HERE/tests/cpp_unit.cpp" \
    -o "$WORK/cpp_unit_plain" "${LDLIBS[@]}"

step "start the simulator"
mkfifo "$WORK/sim.in"
"$TARGET/debug/moveworks-simulator" <"$WORK/sim.in" >"$WORK/sim.out" 2>"$WORK/sim.err" &
SIM_PID=$!
exec 3>"$WORK/sim.in" # holding the write end open keeps the simulator alive
for _ in $(seq 100); do
    [[ -s "$WORK/sim.out" ]] && break
    sleep 0.1
done
MW_SIM_JSON="$(head -n1 "$WORK/sim.out")"
[[ -n "$MW_SIM_JSON" ]] || { cat "$WORK/sim.err" >&2; echo "simulator did not start" >&2; exit 1; }
export MW_SIM_JSON

# detect_leaks: LSan at exit. abort_on_error/halt_on_error: a finding fails the run, never just a log line.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
for t in "${tests[@]}"; do
    step "ASan+LSan+UBSan: $t"
    if [[ "$t" == conformance ]]; then
        "$WORK/$t" tests/conformance/scenarios.json
        "$WORK/$t" tests/conformance/v1-scenarios.json
    else
        "$WORK/$t"
    fi
done
step "ASan+LSan+UBSan: cpp_unit"
"$WORK/cpp_unit"

step "valgrind: cpp_unit"
valgrind -q --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect "$WORK/cpp_unit_plain"
echo "bindings/c: sanitizers and valgrind clean"
