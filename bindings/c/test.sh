#!/usr/bin/env bash
# Builds libmoveworks, checks that the committed include/moveworks.h is what the
# build generates, and runs the C/C++ test suites against the simulator: the
# conformance scenarios, the unit tests (also under valgrind), the sandbox tests,
# the C++ unit, the example programs (among them the quickstart and the user-style
# sandbox test), the network tests (https with the sandbox's CA, the real proxies of
# scripts/proxies.sh, the proxy environment, extras, answer headers, the log callback) and
# the README's corporate-proxy example, the pkg-config and CMake consumers, and the README's
# shell commands and CMake snippet as written.
#
# usage (from the repo root): bash bindings/c/test.sh
# env: MW_C_SKIP_VALGRIND=1 skips the valgrind pass (for quick local runs only).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HERE="$ROOT/bindings/c"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
LIBDIR="$TARGET/debug"
WORK="$(mktemp -d)"
SIM_PID=""
SANITIZE_PID=""

cleanup() {
    # A failure above stops the background sanitizer run too: its process group, the test
    # programs and simulator included.
    if [[ -n "$SANITIZE_PID" ]]; then kill -- "-$SANITIZE_PID" 2>/dev/null || true; fi
    exec 3>&- 2>/dev/null || true
    if [[ -n "$SIM_PID" ]]; then wait "$SIM_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step() { echo "== [${SECONDS}s] $*"; }

# ---- tools --------------------------------------------------------------------------------
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v g++ >/dev/null || need+=(g++)
command -v valgrind >/dev/null || need+=(valgrind)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v cmake >/dev/null || need+=(cmake)
command -v make >/dev/null || need+=(make)
[[ -f /usr/include/cjson/cJSON.h ]] || need+=(libcjson-dev)
if ((${#need[@]})); then
    step "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${need[@]}" >/dev/null
fi

# ---- the real proxies (tinyproxy, mitmproxy; docs/PROXY-TESTING.md): a no-op when already up ----
step "start the proxies"
eval "$(bash scripts/proxies.sh start)"

# ---- build + header drift check ----------------------------------------------------------------
step "build libmoveworks and check include/moveworks.h"
bash scripts/c-header.sh --check
# The tests also call the test-only exports (feature `test-hooks`, not in the header).
cargo build -q -p moveworks-c --features test-hooks -p moveworks-simulator
cargo test -q -p moveworks-c --features test-hooks --lib 2>&1 | grep -v '^$'
# Without the default `sandbox` feature the library still builds (same header) and
# mw_sandbox_start fails cleanly.
cargo test -q -p moveworks-c --no-default-features --lib 2>&1 | grep -v '^$'

# ---- compile the tests ---------------------------------------------------------------------------
step "compile C and C++ tests"
CFLAGS=(-std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O0 -I"$ROOT/include" -I"$HERE/tests")
LDLIBS=(-L"$LIBDIR" -lmoveworks -lcjson -lpthread -Wl,-rpath,"$LIBDIR")
for t in conformance unit v1 security stress sandbox network proxy_env; do
    gcc "${CFLAGS[@]}" "$HERE/tests/$t.c" -o "$WORK/$t" "${LDLIBS[@]}"
done
g++ -std=c++17 -Wall -Wextra -Werror -g -I"$ROOT/include" -I"$HERE/tests" "$HERE/tests/cpp_unit.cpp" \
    -o "$WORK/cpp_unit" "${LDLIBS[@]}"
# The header on its own must be valid, warning-free C99 and C++.
echo '#include "moveworks.h"' | gcc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$ROOT/include" -x c -
echo '#include "moveworks.h"' | g++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I"$ROOT/include" -x c++ -
# Static linking works too.
gcc "${CFLAGS[@]}" "$HERE/examples/full_turn.c" -o "$WORK/full_turn_static" "$LIBDIR/libmoveworks.a" -lpthread -ldl -lm
gcc "${CFLAGS[@]}" "$HERE/examples/stream_turn.c" -o "$WORK/stream_turn" "${LDLIBS[@]}"
gcc "${CFLAGS[@]}" "$HERE/examples/feedback.c" -o "$WORK/feedback" "${LDLIBS[@]}"
gcc "${CFLAGS[@]}" "$HERE/examples/quickstart.c" -o "$WORK/quickstart" "${LDLIBS[@]}"
gcc "${CFLAGS[@]}" "$HERE/examples/sandbox_test.c" -o "$WORK/sandbox_test" "${LDLIBS[@]}"
gcc "${CFLAGS[@]}" "$HERE/examples/corporate_proxy.c" -o "$WORK/corporate_proxy" "${LDLIBS[@]}"
gcc "${CFLAGS[@]}" "$HERE/examples/laptop_form.c" -o "$WORK/laptop_form" "${LDLIBS[@]}"
# The README's C blocks are the marked regions of the examples, word for word (each region
# dedented by its marker's indentation): the quickstart, the sandbox test's app and test,
# streaming, messages. The quickstart is the README's first code block.
python3 - "$HERE/README.md" "$HERE/examples" <<'PY'
import re, sys
readme = open(sys.argv[1], encoding="utf-8").read()
for section, nth, example, marker in [("Quickstart", 0, "quickstart.c", "quickstart"),
                                      ("Buttons and forms", 0, "laptop_form.c", "forms"),
                                      ("Testing your app", 0, "sandbox_test.c", "app"),
                                      ("Testing your app", 1, "sandbox_test.c", "test"),
                                      ("Streaming", 0, "stream_turn.c", "streaming"),
                                      ("Messages and feedback", 0, "feedback.c", "messages"),
                                      ("Behind a corporate proxy", 0, "corporate_proxy.c", "corporate"),
                                      ("Behind a corporate proxy", 1, "corporate_proxy.c", "log callback"),
                                      ("Behind a corporate proxy", 2, "corporate_proxy.c", "log setup")]:
    source = open(f"{sys.argv[2]}/{example}", encoding="utf-8").read()
    text = re.search(rf"\n## {section}\n(.*?)(?:\n## |\Z)", readme, re.S).group(1)
    block = re.findall(r"```c\n(.*?)```", text, re.S)[nth]
    indent, region = re.search(rf"\n( *)/\* --8<-- README: {marker} \*/\n(.*?)\n *?/\* --8<-- \*/", source, re.S).groups()
    dedented = "\n".join(line[len(indent):] if line.startswith(indent) else line for line in region.split("\n"))
    if block.rstrip("\n") != dedented.rstrip("\n"):
        sys.exit(f"bindings/c/README.md: {section} block {nth + 1} differs from examples/{example}'s marked region")
first = re.search(r"```(\w*)\n(.*?)```", readme, re.S)
if first.group(1) != "c" or "mw_sandbox_start" not in first.group(2):
    sys.exit("bindings/c/README.md: the first code block must be the sandbox quickstart")
PY

# ---- every exported function is exercised by a test ---------------------------------------------------
grep -oE '\bmw_[a-z0-9_]+\(' include/moveworks.h | tr -d '(' | sort -u >"$WORK/functions"
missing=$(while read -r f; do grep -qw "$f" "$HERE"/tests/*.c "$HERE"/tests/*.cpp || echo "$f"; done <"$WORK/functions")
if [[ -n "$missing" ]]; then
    echo "functions no test calls: $missing" >&2
    exit 1
fi

# ---- simulator ----------------------------------------------------------------------------------------
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
SIM_PORT="$(sed -E 's/.*"port":([0-9]+).*/\1/' <<<"$MW_SIM_JSON")"

# POST /_sim/reset with bash's /dev/tcp: each test program starts from a fresh simulator.
sim_reset() {
    exec 5<>"/dev/tcp/127.0.0.1/$SIM_PORT"
    printf 'POST /_sim/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' >&5
    grep -q "^HTTP/1.1 200" <&5 || { echo "simulator reset failed" >&2; exit 1; }
    exec 5>&-
}

# ---- run ---------------------------------------------------------------------------------------------
step "conformance scenarios (rest/v1beta1 and rest/v1)"
"$WORK/conformance" tests/conformance/scenarios.json
"$WORK/conformance" tests/conformance/v1-scenarios.json
step "unit tests (C)"
"$WORK/unit"
step "rest/v1 tests (C): per-user views, inputs, forms, webhook deliveries, the events follower"
"$WORK/v1"
step "security tests (C)"
"$WORK/security"
step "sandbox tests (C): in-process sandboxes, no external simulator"
"$WORK/sandbox"
step "network tests (C): https with the sandbox's CA, the forward and inspecting proxies, extras, answer headers, logs"
"$WORK/network"
step "proxy environment (C, a process of its own) and the README's corporate-proxy example through the inspecting proxy"
"$WORK/proxy_env" "$WORK/corporate_proxy"
step "stress: 16 threads, one client, 10,000 calls, a token revocation (C)"
"$WORK/stress"
step "unit tests (C++)"
"$WORK/cpp_unit"
step "examples: quickstart, the user-style sandbox test and buttons and forms (no external simulator), full turn (shared and static library), streamed turn, messages and feedback"
env -u MW_SIM_JSON "$WORK/quickstart" >"$WORK/example.out"
grep -q "^assistant: ." "$WORK/example.out" || { cat "$WORK/example.out"; exit 1; }
env -u MW_SIM_JSON "$WORK/sandbox_test" >"$WORK/example.out"
grep -qx "sandbox_test: passed" "$WORK/example.out" || { cat "$WORK/example.out"; exit 1; }
# The README's second example: buttons, a press and a form on rest/v1, printing what the README shows.
env -u MW_SIM_JSON "$WORK/laptop_form" >"$WORK/example.out"
python3 - "$HERE/README.md" "$WORK/example.out" <<'PY'
import re, sys
text = re.search(r"\n## Buttons and forms\n(.*?)(?:\n## |\Z)", open(sys.argv[1], encoding="utf-8").read(), re.S).group(1)
shown = re.findall(r"```text\n(.*?)```", text, re.S)[0]
# The ticket number depends on the sandbox's counter: compare it as a pattern.
pattern = re.escape(shown).replace("INC0010003", "INC[0-9]+")
if not re.fullmatch(pattern, open(sys.argv[2], encoding="utf-8").read()):
    sys.exit("examples/laptop_form.c does not print what bindings/c/README.md's Buttons and forms shows")
PY
sim_reset
"$WORK/full_turn_static" >"$WORK/example.out"
grep -q "assistant:" "$WORK/example.out" || { cat "$WORK/example.out"; exit 1; }
sim_reset
"$WORK/stream_turn" >"$WORK/example.out"
grep -q "^\.\.\. " "$WORK/example.out" && grep -q "assistant:" "$WORK/example.out" || { cat "$WORK/example.out"; exit 1; }
sim_reset
"$WORK/feedback" >"$WORK/example.out"
grep -q "^user: How do I reset my password?" "$WORK/example.out" && grep -q "^feedback: SUBMITTED (request .\+)" "$WORK/example.out" ||
    { cat "$WORK/example.out"; exit 1; }

# The sanitizer builds and runs (their own simulator) alongside the valgrind pass: valgrind holds
# one core, the sanitized tests mostly wait on the simulator.
step "ASan+LSan+UBSan (C and C++ suites), valgrind (C++ suite), in the background"
set -m # a process group of its own, which cleanup can stop whole
bash "$HERE/sanitize.sh" >"$WORK/sanitize.log" 2>&1 &
SANITIZE_PID=$!
set +m
if [[ "${MW_C_SKIP_VALGRIND:-}" != 1 ]]; then
    step "valgrind: unit tests and conformance scenarios"
    VG=(valgrind -q --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite,indirect
        --show-leak-kinds=definite,indirect)
    "${VG[@]}" "$WORK/unit"
    "${VG[@]}" "$WORK/v1"
    "${VG[@]}" "$WORK/security"
    "${VG[@]}" "$WORK/sandbox"
    "${VG[@]}" "$WORK/quickstart" >/dev/null
    "${VG[@]}" "$WORK/sandbox_test" >/dev/null
    "${VG[@]}" "$WORK/laptop_form" >/dev/null
    "${VG[@]}" "$WORK/conformance" tests/conformance/scenarios.json
    "${VG[@]}" "$WORK/conformance" tests/conformance/v1-scenarios.json
fi
step "ASan+LSan+UBSan (C and C++ suites), valgrind (C++ suite): waiting for the background run"
sanitize_rc=0
wait "$SANITIZE_PID" || sanitize_rc=$?
SANITIZE_PID=""
sed 's/^/  /' "$WORK/sanitize.log"
[[ $sanitize_rc -eq 0 ]] || { echo "bindings/c: the sanitizer run failed" >&2; exit "$sanitize_rc"; }
# The installed prefix, linked for glibc 2.17. The test command (scripts/test-all.sh) sets
# MOVEWORKS_C_INSTALL_CHECKED_BY_RELEASE=1: its scripts/release.sh builds the same install as a
# release tarball and scripts/check-dist.sh checks that layout, the header, glibc 2.17, pkg-config
# and find_package (shared, static) turns, so this debug zig build (about 60 s) is left to it and
# the README's snippets below run against a native install.
if [ "${MOVEWORKS_C_INSTALL_CHECKED_BY_RELEASE:-}" = 1 ]; then
    step "install (cmake --install of the native build, for the README's snippets below; glibc 2.17: release.sh)"
    PREFIX="$WORK/prefix"
    rm -rf "$PREFIX" "$WORK/cmake-lib"
    {
        cmake -S "$HERE" -B "$WORK/cmake-lib" -DMOVEWORKS_CARGO_PROFILE=debug &&
            cmake --build "$WORK/cmake-lib" &&
            cmake --install "$WORK/cmake-lib" --prefix "$PREFIX"
    } >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; exit 1; }
    export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
else
    step "install (cmake --install, linked for glibc 2.17) and build the example against the prefix: pkg-config and find_package"
    # Last: this builds the library as shipped (no test-hooks feature), linked by zig against
    # glibc 2.17 (MOVEWORKS_GLIBC_2_17: cargo-zigbuild, zig from scripts/zig-env.sh) into
    # target/<arch>-unknown-linux-gnu/debug; the suites above (valgrind, sanitizers) use the
    # native build in target/debug. Debug profile: the test command builds debug everywhere;
    # users get release by default.
    # shellcheck source=../../scripts/zig-env.sh
    . "$ROOT/scripts/zig-env.sh"
    PREFIX="$WORK/prefix"
    rm -rf "$PREFIX" "$WORK/cmake-lib" "$WORK/cmake-pc" "$WORK/cmake-pkg"
    zig_started=$SECONDS
    {
        cmake -S "$HERE" -B "$WORK/cmake-lib" -DMOVEWORKS_CARGO_PROFILE=debug -DMOVEWORKS_GLIBC_2_17=ON &&
            cmake --build "$WORK/cmake-lib" &&
            cmake --install "$WORK/cmake-lib" --prefix "$PREFIX"
    } >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; exit 1; }
    for f in lib/libmoveworks.so lib/libmoveworks.a include/moveworks.h lib/pkgconfig/moveworks.pc \
        lib/cmake/moveworks/moveworksConfig.cmake lib/cmake/moveworks/moveworksConfigVersion.cmake; do
        [[ -f "$PREFIX/$f" ]] || { echo "cmake --install did not lay out $f" >&2; exit 1; }
    done
    cmp -s include/moveworks.h "$PREFIX/include/moveworks.h" || { echo "installed header differs" >&2; exit 1; }
    require_glibc_2_17 "$PREFIX/lib/libmoveworks.so"
    echo "installed lib/libmoveworks.so needs glibc $(max_glibc "$PREFIX/lib/libmoveworks.so") (build and install: $((SECONDS - zig_started))s)"
    # pkg-config by hand, as a Makefile would.
    export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
    # shellcheck disable=SC2046
    gcc -std=c99 -Wall -Werror "$HERE/examples/full_turn.c" -o "$WORK/full_turn_pc" $(pkg-config --cflags --libs moveworks) \
        -Wl,-rpath,"$PREFIX/lib"
    sim_reset
    "$WORK/full_turn_pc" >/dev/null
    # CMake through pkg-config, and through find_package (shared and static targets).
    {
        cmake -S "$HERE/examples" -B "$WORK/cmake-pc" -DMOVEWORKS_FIND=pkg-config && cmake --build "$WORK/cmake-pc" &&
            cmake -S "$HERE/examples" -B "$WORK/cmake-pkg" -DCMAKE_PREFIX_PATH="$PREFIX" && cmake --build "$WORK/cmake-pkg"
    } >>"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; exit 1; }
    for exe in cmake-pc/full_turn cmake-pkg/full_turn cmake-pkg/full_turn_static cmake-pkg/stream_turn \
        cmake-pc/quickstart cmake-pkg/quickstart cmake-pkg/quickstart_static; do
        sim_reset
        LD_LIBRARY_PATH="$PREFIX/lib" "$WORK/$exe" >"$WORK/example.out"
        grep -q "assistant:" "$WORK/example.out" || { echo "$exe:"; cat "$WORK/example.out"; exit 1; }
    done
fi

# ---- the README's shell and CMake blocks, run as written ----------------------------------------------
step "README: the quickstart's and Build and link's commands, the pkg-config line and the CMake snippet"
# readme_block SECTION LANG N: the Nth (0-based) LANG block under "## SECTION" of the README.
readme_block() {
    python3 - "$HERE/README.md" "$@" <<'PY'
import re, sys
readme, section, lang, n = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3], int(sys.argv[4])
text = re.search(rf"\n## {re.escape(section)}\n(.*?)(?:\n## |\Z)", readme, re.S).group(1)
print(re.findall(rf"```{lang}\n(.*?)```", text, re.S)[n], end="")
PY
}
# run_sh_block FILE: each command line of a README block (comments stripped); `cargo` lines
# from the repo root, the others from a folder laid out like it (include/, target/, app.c).
run_sh_block() {
    local line
    while IFS= read -r line; do
        line="${line%%#*}"
        [[ -n "${line// /}" ]] || continue
        if [[ "$line" == cargo\ * ]]; then (cd "$ROOT" && bash -euo pipefail -c "$line"); else (cd "$WORK/readme" && bash -euo pipefail -c "$line"); fi
    done <"$1"
}
mkdir -p "$WORK/readme"
ln -sfn "$ROOT/include" "$WORK/readme/include"
ln -sfn "$TARGET" "$WORK/readme/target"
# The README's C quickstart is the program those commands build (as quickstart.c and app.c).
readme_block Quickstart c 0 >"$WORK/readme/quickstart.c"
cp "$WORK/readme/quickstart.c" "$WORK/readme/app.c"
readme_block Quickstart sh 0 >"$WORK/readme/quickstart.sh"
run_sh_block "$WORK/readme/quickstart.sh" >"$WORK/example.out" 2>&1 || { cat "$WORK/example.out"; exit 1; }
grep -q "^assistant: ." "$WORK/example.out" || { cat "$WORK/example.out"; exit 1; }
readme_block "Build and link" sh 0 >"$WORK/readme/link.sh"
rm -f "$WORK/readme/a.out"
run_sh_block "$WORK/readme/link.sh" >"$WORK/example.out" 2>&1 || { cat "$WORK/example.out"; exit 1; }
# The last line links statically: the program runs with no library path.
(cd "$WORK/readme" && ./a.out) >"$WORK/example.out" 2>&1 && grep -q "^assistant: ." "$WORK/example.out" ||
    { cat "$WORK/example.out"; exit 1; }
# Against the prefix installed above (PKG_CONFIG_PATH points at it).
readme_block Install sh 1 >"$WORK/readme/pkg-config.sh"
rm -f "$WORK/readme/a.out"
run_sh_block "$WORK/readme/pkg-config.sh" >"$WORK/example.out" 2>&1 || { cat "$WORK/example.out"; exit 1; }
(cd "$WORK/readme" && LD_LIBRARY_PATH="$PREFIX/lib" ./a.out) >"$WORK/example.out" 2>&1 &&
    grep -q "^assistant: ." "$WORK/example.out" || { cat "$WORK/example.out"; exit 1; }
# The CMake snippet, completed into a project around app.c.
mkdir -p "$WORK/readme-cmake"
cp "$WORK/readme/app.c" "$WORK/readme-cmake/app.c"
{
    echo 'cmake_minimum_required(VERSION 3.16)'
    echo 'project(readme C)'
    echo 'add_executable(app app.c)'
    readme_block Install cmake 0
} >"$WORK/readme-cmake/CMakeLists.txt"
{
    cmake -S "$WORK/readme-cmake" -B "$WORK/readme-cmake/build" -DCMAKE_PREFIX_PATH="$PREFIX" &&
        cmake --build "$WORK/readme-cmake/build"
} >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; exit 1; }
LD_LIBRARY_PATH="$PREFIX/lib" "$WORK/readme-cmake/build/app" >"$WORK/example.out" 2>&1 &&
    grep -q "^assistant: ." "$WORK/example.out" || { cat "$WORK/example.out"; exit 1; }

echo "bindings/c: all passed"
