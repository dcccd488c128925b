#!/usr/bin/env bash
# Validates what the simulator served (recorded with MOVEWORKS_SIM_CONTRACT_LOG=DIR)
# against Moveworks' published OpenAPI, through spec/ (see scripts/contract_check.py): beta records
# against the beta spec, rest/v1 records against the assistant/v1 spec plus the rest/v1 additions:
#
#   MOVEWORKS_SIM_CONTRACT_LOG=/tmp/contract cargo test -p moveworks-simulator
#   bash scripts/contract-check.sh /tmp/contract
#
# Makes (or reuses) a venv under the target dir with pinned jsonschema and pyyaml,
# installing python3-venv with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 DIR [contract_check.py options]" >&2; exit 2; }
VENV="${CARGO_TARGET_DIR:-$PWD/target}/contract-venv"
PINS=(jsonschema==4.23.0 referencing==0.35.1 pyyaml==6.0.2 rfc3339-validator==0.1.4 rfc3986-validator==0.1.1)
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
stamp="$VENV/.pins"
if [ "$(cat "$stamp" 2>/dev/null)" != "${PINS[*]}" ]; then
    "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}"
    echo "${PINS[*]}" >"$stamp"
fi
exec "$VENV/bin/python" scripts/contract_check.py "$@"
