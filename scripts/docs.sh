#!/usr/bin/env bash
# Builds the API reference of every language into one site, with an index page:
#   bash scripts/docs.sh [OUTDIR]      # default: $CARGO_TARGET_DIR/docs-site (never committed)
#
#   OUTDIR/rust     rustdoc of the published crates (moveworks, moveworks-simulator)
#   OUTDIR/python   pdoc of the installed wheel (docstrings of the package and its .pyi stubs)
#   OUTDIR/node     TypeDoc of node/index.d.ts and node/testing.d.ts (node/typedoc.json)
#   OUTDIR/c        Doxygen of include/moveworks.h (bindings/c/Doxyfile)
#   OUTDIR/kotlin   Dokka, by bindings/kotlin/docs.sh when that script exists
#
# Fails on any warning of any tool and on any public item without documentation;
# prints one line per language, "LANG: N public items documented, 0 warnings".
# Installs what it needs: pdoc (pinned) into a venv under the target dir, TypeDoc
# from node/package-lock.json, doxygen from Debian's apt when missing (1.9.4 on bookworm).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TERM_COLOR=never PIP_DISABLE_PIP_VERSION_CHECK=1
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# A relative OUTDIR is relative to where the script was called from.
OUT="${1:-$CARGO_TARGET_DIR/docs-site}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$ROOT"
# Only this script's own subdirectories are replaced: OUTDIR may hold other files.
rm -rf "$OUT/rust" "$OUT/python" "$OUT/node" "$OUT/c" "$OUT/kotlin" "$OUT/index.html"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
COUNTS="$WORK/counts"
: >"$COUNTS"

fail() { # fail LANG LOG: print the tool's output and stop
    echo "docs.sh: $1 failed:" >&2
    cat "$2" >&2
    exit 1
}
done_lang() { # done_lang LANG N
    echo "$1 $2" >>"$COUNTS"
    echo "$1: $2 public items documented, 0 warnings"
}
count() { python3 "$ROOT/scripts/docs/count.py" "$@"; }

# --- Rust -------------------------------------------------------------------
# The published crates: the core (with its `sandbox` feature, part of the API) and the
# simulator, which the core's `sandbox` feature depends on, so it is published too. The
# CLI is a binary; the binding crates (publish = false) are internals of the packages.
# -D warnings makes every rustdoc warning (broken intra-doc links included) an error;
# #![deny(missing_docs)] in both lib.rs makes an undocumented public item one.
rm -rf "$CARGO_TARGET_DIR/doc"
RUSTDOCFLAGS="-D warnings" cargo doc --locked -q --no-deps -p moveworks -p moveworks-simulator \
    --features moveworks/sandbox >"$WORK/rust.log" 2>&1 || fail rust "$WORK/rust.log"
if grep -q '^warning' "$WORK/rust.log"; then fail rust "$WORK/rust.log"; fi
cp -r "$CARGO_TARGET_DIR/doc" "$OUT/rust"
# The count is rustdoc's own (--show-coverage, unstable on stable Rust: RUSTC_BOOTSTRAP
# only for this read-only report, the HTML above is built on stable).
for crate in moveworks moveworks-simulator; do
    features=()
    [ "$crate" = moveworks ] && features=(--features sandbox)
    RUSTC_BOOTSTRAP=1 cargo rustdoc --locked -q -p "$crate" --lib "${features[@]}" -- \
        -Z unstable-options --show-coverage --output-format json >"$WORK/coverage-$crate.json" 2>"$WORK/rust.log" ||
        fail rust "$WORK/rust.log"
done
n="$(count rust "$WORK"/coverage-*.json 2>"$WORK/rust.log")" || fail rust "$WORK/rust.log"
done_lang rust "$n"

# --- Python -----------------------------------------------------------------
# The wheel built as python/test.sh builds it (same maturin flags, so the shared target
# dir's artifacts are reused), installed into a docs venv that pdoc imports it from.
VENV="$CARGO_TARGET_DIR/docs-venv"
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# typing_extensions: the stubs' TYPE_CHECKING imports, which pdoc runs to resolve annotations.
"$VENV/bin/pip" install -q pdoc==16.0.0 typing_extensions==4.16.0 -r "$ROOT/python/build-requirements.txt" >"$WORK/python.log" 2>&1 ||
    fail python "$WORK/python.log"
# MOVEWORKS_DOCS_WHEEL: a wheel already built from this tree (scripts/release.sh passes its own).
if [ -n "${MOVEWORKS_DOCS_WHEEL:-}" ]; then
    mkdir -p "$WORK/wheel" && cp "$MOVEWORKS_DOCS_WHEEL" "$WORK/wheel/"
else
    (cd python && PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" build -q --zig --compatibility manylinux2014 -o "$WORK/wheel") \
        >"$WORK/python.log" 2>&1 || fail python "$WORK/python.log"
fi
"$VENV/bin/pip" install -q --force-reinstall --no-deps "$WORK"/wheel/*.whl >"$WORK/python.log" 2>&1 || fail python "$WORK/python.log"
# From a directory without the source tree, so `moveworks` is the installed package.
n="$(cd "$WORK" && "$VENV/bin/python" "$ROOT/scripts/docs/pdoc_build.py" "$OUT/python" 2>"$WORK/python.log")" ||
    fail python "$WORK/python.log"
[ ! -s "$WORK/python.log" ] || fail python "$WORK/python.log"
done_lang python "$n"

# --- Node -------------------------------------------------------------------
# TypeDoc and its TypeScript come from node/package-lock.json (installed as node/test.sh
# does, and the lockfile must come out unchanged); typedoc.json fails on any warning,
# an undocumented declaration included. Only the .d.ts are read: no addon build needed.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) >/dev/null
fi
cp node/package-lock.json "$WORK/lock.json"
(cd node && npm install --no-save --loglevel=error) >"$WORK/node.log" 2>&1 || fail node "$WORK/node.log"
if ! cmp -s node/package-lock.json "$WORK/lock.json"; then
    cp "$WORK/lock.json" node/package-lock.json
    echo "docs.sh: node/package-lock.json does not match node/package.json (run npm install and commit the lockfile)" >&2
    exit 1
fi
(cd node && npx typedoc --logLevel Warn --html "$OUT/node" --json "$WORK/typedoc.json") >"$WORK/node.log" 2>&1 ||
    fail node "$WORK/node.log"
[ ! -s "$WORK/node.log" ] || fail node "$WORK/node.log"
n="$(count node "$WORK/typedoc.json" 2>"$WORK/node.log")" || fail node "$WORK/node.log"
done_lang node "$n"

# --- C ----------------------------------------------------------------------
# The committed header (bindings/c/test.sh checks it matches the Rust source). The
# Doxyfile fails on undocumented members; the XML output is only for the count.
if ! command -v doxygen >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq doxygen) >"$WORK/c.log" 2>&1 ||
        fail c "$WORK/c.log"
fi
mkdir -p "$OUT/c"
(cd bindings/c && { cat Doxyfile; echo "OUTPUT_DIRECTORY = $OUT/c"; echo "GENERATE_XML = YES"; echo "XML_OUTPUT = $WORK/c-xml"; } |
    doxygen -) >"$WORK/c.log" 2>&1 || fail c "$WORK/c.log"
[ ! -s "$WORK/c.log" ] || fail c "$WORK/c.log"
n="$(count c "$WORK/c-xml" 2>"$WORK/c.log")" || fail c "$WORK/c.log"
done_lang c "$n"

# --- Kotlin -----------------------------------------------------------------
# Dokka runs through the Kotlin package's own Maven build (mvn: installed by
# bindings/kotlin/test.sh, which runs first in test-all.sh). Its script reports its count
# as "kotlin docs: N public declarations documented, ..."; without one the index says "built".
if [ -f bindings/kotlin/docs.sh ]; then
    bash bindings/kotlin/docs.sh "$OUT/kotlin" >"$WORK/kotlin.log" 2>&1 || fail kotlin "$WORK/kotlin.log"
    n="$(sed -En 's/^kotlin( docs)?: ([0-9]+) public (items|declarations) documented.*/\2/p' "$WORK/kotlin.log" | tail -n 1)"
    if [ -n "$n" ]; then
        done_lang kotlin "$n"
    else
        echo "kotlin -" >>"$COUNTS"
        echo "kotlin: built (bindings/kotlin/docs.sh reported no count)"
    fi
else
    echo "kotlin: skipped (bindings/kotlin/docs.sh not present)"
fi

# --- Index ------------------------------------------------------------------
repo="$(sed -n 's/^repository = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
python3 scripts/docs/index_html.py "$OUT" "$COUNTS" "$repo"
echo "docs.sh: site at $OUT/index.html"
