# Sourced by the callgrind scripts: starts the release simulator at "$1" as a coprocess
# (stopped when the script exits) and creates one conversation. Sets base, token,
# assistant and conv.
# shellcheck shell=bash
start_simulator() {
    coproc SIM { "$1"; }
    local line
    read -r line <&"${SIM[0]}"
    field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$line" "$1"; }
    base="$(field base_url)"
    token="$(field token)"
    assistant="$(field assistant_name)"
    conv="$(curl -fsS -X POST -H "Authorization: Bearer $token" -H "Assistant-Name: $assistant" \
        -H 'Content-Type: application/json' -d '{"title":"callgrind"}' "$base/conversations" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["conversation_id"])')"
}
