#!/usr/bin/env bash
# Test entry point of the Python package: builds the pyo3 extension with
# maturin (debug) as the abi3 manylinux2014 wheel users install (linked by zig
# against glibc 2.17, checked by auditwheel), installs the wheel, checks the .pyi stubs against the
# compiled module (stubtest), the package and examples with mypy --strict, starts
# the real proxies (scripts/proxies.sh), runs the pytest suite against the simulator (4
# worker processes, pytest-xdist) while it builds the sdist and installs it into a fresh venv
# (the sdist must be self-contained). Run from anywhere:
#   bash python/test.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1
PY="${PYTHON:-python3}"
VENV="$CARGO_TARGET_DIR/python-venv"
WORK="$(mktemp -d)"
sdist_job=""
# A failure stops the background sdist check (its pip, maturin and cargo: a process group) too.
trap 'if [ -n "$sdist_job" ]; then kill -- "-$sdist_job" 2>/dev/null || true; fi; rm -rf "$WORK"' EXIT

step() { [ -z "${VERBOSE:-}" ] || echo "== $*" >&2; }

step "python toolchain"
if ! command -v "$PY" >/dev/null || ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq >/dev/null && apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
    PY=python3
fi
# strace counts the threads a main-thread stream starts (test_streaming.py); a fresh machine lacks it.
if ! command -v strace >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace) >/dev/null 2>&1 || true
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q -r "$ROOT/python/build-requirements.txt" pytest==9.2.0 pytest-xdist==3.8.0 mypy==2.4.1
# maturin finds zig as `python3 -m ziglang` on PATH.
export PATH="$VENV/bin:$PATH"
# manylinux2014 = glibc 2.17: the wheel installs on any glibc Linux of the last decade.
WHEEL_ARGS=(--zig --compatibility manylinux2014)

step "proxies for the network tests"
# The real forward and TLS-inspecting proxies of tests/test_network.py (idempotent: a
# no-op when the full test command started them; docs/PROXY-TESTING.md).
eval "$(bash scripts/proxies.sh start)"

step "build simulator and wheel"
cargo build -q -p moveworks-simulator
(cd python && "$VENV/bin/maturin" build -q "${WHEEL_ARGS[@]}" -o "$WORK/wheel" 2>"$WORK/maturin.log") || { cat "$WORK/maturin.log" >&2; exit 1; }
step "auditwheel: manylinux2014"
case "$(basename "$WORK"/wheel/*.whl)" in
*-cp39-abi3-manylinux2014_x86_64*.whl) ;;
*) echo "python/test.sh: unexpected wheel tag: $(basename "$WORK"/wheel/*.whl)" >&2; exit 1 ;;
esac
"$VENV/bin/auditwheel" show "$WORK"/wheel/*.whl >"$WORK/auditwheel.log" 2>&1 || { cat "$WORK/auditwheel.log" >&2; exit 1; }
grep -q 'consistent with the following platform tag:' "$WORK/auditwheel.log" &&
    grep -A1 'consistent with the following platform tag:' "$WORK/auditwheel.log" | grep -q '"manylinux_2_17_x86_64"' ||
    { cat "$WORK/auditwheel.log" >&2; echo "python/test.sh: auditwheel does not report manylinux_2_17 (manylinux2014)" >&2; exit 1; }
echo "python/test.sh: $(basename "$WORK"/wheel/*.whl): auditwheel reports manylinux_2_17_x86_64 (manylinux2014)" >&2
"$VENV/bin/pip" install -q --force-reinstall --no-deps "$WORK"/wheel/*.whl

# From a directory without the source tree, so `moveworks` is the installed package.
cd "$WORK"
step "stubs match the compiled module"
"$VENV/bin/python" -m mypy.stubtest moveworks._moveworks >"$WORK/stubtest.log" || { cat "$WORK/stubtest.log"; exit 1; }
step "mypy --strict on the package and the examples"
for target in "-p moveworks" "$ROOT/python/examples"; do
    # shellcheck disable=SC2086 # "-p moveworks" is two words on purpose
    "$VENV/bin/python" -m mypy --strict --no-incremental $target >"$WORK/mypy.log" || { cat "$WORK/mypy.log"; exit 1; }
done

# The sdist, built and installed into a fresh venv while pytest runs (the suite mostly waits on
# the simulator: 15 s of CPU in 92 s alone). pip builds it in isolation, with its own maturin and
# zig, so cargo compiles every crate again in any case.
sdist_check() {
    (cd "$ROOT/python" && "$VENV/bin/maturin" sdist -o "$WORK/sdist") || return 1
    # Newer mtimes make cargo compile the sdist's own copies of our crates, so a file missing from
    # the sdist fails here.
    mkdir "$WORK/unpacked"
    tar xzf "$WORK"/sdist/*.tar.gz -C "$WORK/unpacked"
    find "$WORK/unpacked" -type f -exec touch {} +
    local sdist_name
    sdist_name="$(basename "$WORK"/sdist/*.tar.gz)"
    tar czf "$WORK/$sdist_name" -C "$WORK/unpacked" "${sdist_name%.tar.gz}"
    "$PY" -m venv "$WORK/sdist-venv"
    MATURIN_PEP517_ARGS="--profile dev ${WHEEL_ARGS[*]}" "$WORK/sdist-venv/bin/pip" install -q --no-cache-dir "$WORK/$sdist_name" || return 1
    "$WORK/sdist-venv/bin/python" -c '
import moveworks
assert moveworks.Client(assistant_name="a", token="t").user_agent.startswith("moveworks-sdk/")
assert issubclass(moveworks.NotFoundError, moveworks.APIStatusError)
from moveworks.testing import Sandbox
with Sandbox() as sb:
    assert sb.client().create_conversation().conversation_id
'
}
step "sdist builds and installs into a clean venv (alongside pytest)"
set -m # the check runs in a process group of its own, which the trap above can stop whole
sdist_check >"$WORK/sdist.log" 2>&1 &
sdist_job=$!
set +m

step "pytest"
set +e
# The pytest script, not `python -m pytest`, which would put python/ (no compiled module) on sys.path.
# Four processes, each with its own simulator (tests/conftest.py): the tests share no state.
(cd "$ROOT/python" && MOVEWORKS_SIMULATOR="$CARGO_TARGET_DIR/debug/moveworks-simulator" "$VENV/bin/pytest" -q -n 4 tests)
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "python/test.sh: pytest collected no tests" >&2; exit 1; fi
[ "$rc" -eq 0 ] || exit "$rc"

step "wheel installs into a clean venv"
"$PY" -m venv "$WORK/wheel-venv"
"$WORK/wheel-venv/bin/pip" install -q "$WORK"/wheel/*.whl
"$WORK/wheel-venv/bin/python" - <<'PY'
import importlib.resources, moveworks
assert moveworks.Client(assistant_name="a", token="t").base_url.startswith("https://")
files = importlib.resources.files("moveworks")
assert (files / "py.typed").is_file() and (files / "_moveworks.pyi").is_file()
# The sandbox works without pytest installed, and the wheel registers its pytest plugin.
import sys
from importlib.metadata import entry_points
from moveworks.testing import Sandbox
assert "pytest" not in sys.modules
with Sandbox() as sb, sb.client() as client:
    assert client.list_conversations().conversations == []
eps = entry_points()
plugins = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
assert [(ep.name, ep.value) for ep in plugins] == [("moveworks", "moveworks.testing")], list(plugins)
PY

step "waiting for the sdist check"
sdist_rc=0
wait "$sdist_job" || sdist_rc=$?
sdist_job=""
[ "$sdist_rc" -eq 0 ] || { cat "$WORK/sdist.log" >&2; echo "python/test.sh: the sdist does not build or install" >&2; exit 1; }
echo "python/test.sh: wheel, stubs, types, pytest and sdist OK" >&2
