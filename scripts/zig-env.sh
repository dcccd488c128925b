# shellcheck shell=bash
# Sourced (not run) by the scripts that link for glibc 2.17: node/test.sh,
# bindings/c/test.sh, scripts/release.sh. Puts zig and cargo-zigbuild on PATH from a
# venv under the target dir, from PyPI, pinned: zig and maturin (with auditwheel) as
# python/build-requirements.txt pins them for the wheel, and cargo-zigbuild as a
# prebuilt wheel, so nothing is compiled. `cargo zigbuild --target x86_64-unknown-linux-gnu.2.17` (and
# `napi build -x` with that target) links against glibc 2.17's symbol versions;
# cargo-zigbuild runs zig as `python3 -m ziglang`, the venv's python3.
# Also defines max_glibc FILE and require_glibc_2_17 FILE.

ZIG_VENV="${CARGO_TARGET_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/target}/zig-venv"
# A fresh Debian has python3 without venv, and objdump (binutils) only with gcc.
if ! python3 -c 'import venv, ensurepip' 2>/dev/null || ! command -v objdump >/dev/null; then
    apt-get update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv binutils >/dev/null
fi
[ -x "$ZIG_VENV/bin/python3" ] || python3 -m venv "$ZIG_VENV"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$ZIG_VENV/bin/pip" install -q cargo-zigbuild==0.24.0 \
    -r "$(dirname "${BASH_SOURCE[0]}")/../python/build-requirements.txt"
export PATH="$ZIG_VENV/bin:$PATH"
# napi build --cross-compile runs an unpinned `cargo install cargo-zigbuild` when
# `cargo help zigbuild` fails; make sure it finds this one instead.
cargo help zigbuild >/dev/null 2>&1 || { echo "scripts/zig-env.sh: cargo does not find cargo-zigbuild in $ZIG_VENV/bin" >&2; return 1; }
# The Rust target that links against glibc 2.17 (cargo builds x86_64-unknown-linux-gnu, zig gets the suffix).
# shellcheck disable=SC2034 # used by the scripts that source this one
GLIBC_2_17_TARGET="$(uname -m)-unknown-linux-gnu.2.17"

# The newest glibc symbol version FILE needs (e.g. 2.17), from its dynamic symbol table.
max_glibc() {
    objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1
}

# Fails unless FILE runs on glibc 2.17 (needs no symbol version newer than 2.17).
require_glibc_2_17() {
    local v
    v="$(max_glibc "$1")"
    if [ -z "$v" ] || [ "$(printf '%s\n2.17\n' "$v" | sort -V | tail -n 1)" != 2.17 ]; then
        echo "$1 needs glibc ${v:-?}, not <= 2.17" >&2
        return 1
    fi
}
