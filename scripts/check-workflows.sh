#!/usr/bin/env bash
# Checks the GitHub workflow files (the release recipe for the platforms we cannot
# build here) with actionlint: YAML syntax, job and step keys, expressions, matrix
# references, action inputs. Installs the pinned actionlint with Go into the target
# dir (Go from Debian if the machine has none), and shellcheck from Debian, which
# actionlint runs over every `run:` script. Run from anywhere.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="${CARGO_TARGET_DIR:-$ROOT/target}/tools"
ACTIONLINT_VERSION=v1.7.12
bin="$TOOLS/actionlint-$ACTIONLINT_VERSION"
need=()
command -v shellcheck >/dev/null || need+=(shellcheck)
[ -x "$bin" ] || command -v go >/dev/null || need+=(golang-go)
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq "${need[@]}"; } >/dev/null
fi
if [ ! -x "$bin" ]; then
    mkdir -p "$TOOLS/gobin"
    GOBIN="$TOOLS/gobin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
    mv "$TOOLS/gobin/actionlint" "$bin"
fi
cd "$ROOT"
shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml)
[ ${#files[@]} -gt 0 ] || { echo "check-workflows.sh: no workflow files" >&2; exit 1; }
"$bin" -shellcheck="$(command -v shellcheck)" -pyflakes= "${files[@]}"
echo "check-workflows.sh: actionlint $ACTIONLINT_VERSION (with $(shellcheck --version | sed -n "s/^version: /shellcheck /p")): ${files[*]}: no problems"
