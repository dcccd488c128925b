#!/usr/bin/env bash
# The Kotlin package's reference documentation: Dokka 2.2.0 through Maven (pom.xml),
# HTML into OUTDIR. Dokka reports every undocumented public item and unresolvable
# link as a warning, and pom.xml makes any warning fail the build (reportUndocumented,
# failOnWarning). The generated files' plumbing uniffi marks @suppress is left out
# (bindings/uniffi/patch_kotlin.py lists what the patch adds to it).
#   bash bindings/kotlin/docs.sh OUTDIR
# Prints the number of documented declarations (one Dokka page each; overloads share one).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash bindings/kotlin/docs.sh OUTDIR" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
command -v mvn >/dev/null || { echo "docs.sh: needs mvn (bindings/kotlin/test.sh installs it)" >&2; exit 1; }
dokka="$here/target/dokka"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Dokka writes over its output without clearing it: a stale page would be counted.
rm -rf "$dokka"
if ! (cd "$here" && mvn -B -ntp dokka:dokka) >"$log" 2>&1; then
  grep -E '^\[(WARNING|ERROR)\]' "$log" >&2 || tail -n 40 "$log" >&2
  echo "docs.sh: Dokka failed (every warning fails the build)" >&2
  exit 1
fi
warnings="$(grep -c '^\[WARNING\]' "$log" || true)"
[ "$warnings" -eq 0 ] || { grep '^\[WARNING\]' "$log" >&2; echo "docs.sh: $warnings Maven warnings" >&2; exit 1; }
cp -a "$dokka/." "$out/"
# Every page below a package directory documents one declaration: a class, object or
# interface (its index.html), a constructor, function or property.
total=0
for pkg in "$dokka"/moveworks/ai.moveworks.*/; do
  pkg="${pkg%/}"
  n="$(find "$pkg" -mindepth 1 -name '*.html' ! -path "$pkg/index.html" | wc -l)"
  echo "$(basename "$pkg"): $n documented declarations"
  total=$((total + n))
done
echo "kotlin docs: $total public declarations documented, 0 undocumented, 0 warnings -> $out"
