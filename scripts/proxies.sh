#!/usr/bin/env bash
# Real HTTP proxies on loopback for the proxy tests of every language (docs/PROXY-TESTING.md):
#   1. tinyproxy (Debian's package): a plain forward proxy, CONNECT to any port, Basic proxy auth;
#   2. mitmdump (mitmproxy from PyPI, pinned with hashes in scripts/proxies-requirements.txt,
#      in a venv): a TLS-inspecting proxy whose CA the clients must be told to trust.
# Both listen on free 127.0.0.1 ports; their config, logs, pid files, mitmproxy's CA and the env
# file live in $CARGO_TARGET_DIR/proxies (default target/proxies).
#
#   bash scripts/proxies.sh start   installs what is missing, starts both (a no-op while both run),
#                                   writes and prints the env file (shell `export` lines)
#   bash scripts/proxies.sh env     prints the env file if both run (exit 1 otherwise)
#   bash scripts/proxies.sh stop    stops both
#
# Use: eval "$(bash scripts/proxies.sh start)"   or   . "$CARGO_TARGET_DIR/proxies/env"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${CARGO_TARGET_DIR:-$ROOT/target}/proxies"
REQUIREMENTS="$ROOT/scripts/proxies-requirements.txt"
VENV="$DIR/venv"
ENV_FILE="$DIR/env"
# Throwaway credentials, only ever used on loopback by the tests.
PROXY_USER=sdk-test
PROXY_PASS=proxy-secret-7f3a
TINY_CONF="$DIR/tinyproxy.conf"
TINY_LOG="$DIR/tinyproxy.log"
TINY_PID="$DIR/tinyproxy.pid"
MITM_CONFDIR="$DIR/mitm"
MITM_CA="$MITM_CONFDIR/mitmproxy-ca-cert.pem"
MITM_LOG="$DIR/mitmdump.log"
MITM_PID="$DIR/mitmdump.pid"
WAIT_SECONDS=30

log() { echo "proxies.sh: $*" >&2; }

# pid_alive FILE NAME: the pid in FILE is a running process whose command line mentions NAME.
pid_alive() {
    local pid
    [ -s "$1" ] || return 1
    pid="$(cat "$1")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$2"
}

running() {
    pid_alive "$TINY_PID" tinyproxy && pid_alive "$MITM_PID" mitmdump && [ -s "$ENV_FILE" ]
}

# stop_one FILE NAME: TERM, then KILL after 5 s, the process of a pid file.
stop_one() {
    local pid i
    if pid_alive "$1" "$2"; then
        pid="$(cat "$1")"
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$1"
}

stop() {
    stop_one "$TINY_PID" tinyproxy
    stop_one "$MITM_PID" mitmdump
    rm -f "$ENV_FILE"
}

# A free TCP port on 127.0.0.1 (the kernel's choice; it is free again once this returns).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PIDFILE NAME: until 127.0.0.1:PORT accepts a connection, at most WAIT_SECONDS.
wait_port() {
    local deadline=$((SECONDS + WAIT_SECONDS))
    until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
        if ! pid_alive "$2" "$3" || [ "$SECONDS" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.1
    done
}

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    log "apt-get install $*"
    local out
    out="$(mktemp)"
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"; } >"$out" 2>&1; then
        cat "$out" >&2
        rm -f "$out"
        return 1
    fi
    rm -f "$out"
}

install() {
    command -v tinyproxy >/dev/null || apt_install tinyproxy
    command -v python3 >/dev/null || apt_install python3 python3-venv
    # The venv is (re)made whenever the pinned requirements change.
    if [ ! -x "$VENV/bin/mitmdump" ] || ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt"; then
        rm -rf "$VENV"
        if ! python3 -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            apt_install python3-venv
            python3 -m venv "$VENV"
        fi
        log "pip install mitmproxy into $VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes -r "$REQUIREMENTS" >&2
        cp "$REQUIREMENTS" "$VENV/requirements.txt"
    fi
}

start_tinyproxy() {
    local port=$1
    : >"$TINY_LOG"
    # No ConnectPort line: tinyproxy then allows CONNECT to every port (its Debian config lists
    # only 443 and 563, and `ConnectPort 0` would forbid CONNECT altogether). No User/Group: it
    # keeps running as whoever starts it, so it can write its log and pid file here.
    cat >"$TINY_CONF" <<EOF
Listen 127.0.0.1
Port $port
Allow 127.0.0.1
BasicAuth $PROXY_USER $PROXY_PASS
Timeout 600
MaxClients 200
LogFile "$TINY_LOG"
LogLevel Info
PidFile "$TINY_PID"
EOF
    # tinyproxy daemonizes and writes its pid file itself.
    tinyproxy -c "$TINY_CONF" </dev/null >>"$TINY_LOG" 2>&1
    local deadline=$((SECONDS + WAIT_SECONDS))
    until pid_alive "$TINY_PID" tinyproxy; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

start_mitmdump() {
    local port=$1
    mkdir -p "$MITM_CONFDIR"
    # regular mode; its CA is made in confdir on first start. --ssl-insecure: the upstreams are
    # test servers with throwaway certificates. stream_large_bodies=1: every response body with
    # more than 1 byte is streamed as it arrives instead of being buffered whole (mitmproxy
    # otherwise holds a Server-Sent Events stream until it ends), also for chunked bodies of
    # unknown length. The log gets one line per flow (flow_detail=1), to assert interception.
    setsid "$VENV/bin/mitmdump" \
        --mode regular --listen-host 127.0.0.1 --listen-port "$port" \
        --set confdir="$MITM_CONFDIR" \
        --ssl-insecure \
        --set stream_large_bodies=1 \
        --set flow_detail=1 \
        </dev/null >"$MITM_LOG" 2>&1 &
    echo $! >"$MITM_PID"
}

start() {
    if running; then
        cat "$ENV_FILE"
        return 0
    fi
    stop
    mkdir -p "$DIR"
    install
    local tiny_port mitm_port
    tiny_port="$(free_port)"
    mitm_port="$(free_port)"
    while [ "$mitm_port" = "$tiny_port" ]; do mitm_port="$(free_port)"; done
    start_tinyproxy "$tiny_port" || { log "tinyproxy did not start:"; tail -20 "$TINY_LOG" >&2; stop; exit 1; }
    start_mitmdump "$mitm_port"
    if ! wait_port "$tiny_port" "$TINY_PID" tinyproxy; then
        log "tinyproxy does not accept connections on 127.0.0.1:$tiny_port:"
        tail -20 "$TINY_LOG" >&2
        stop
        exit 1
    fi
    if ! wait_port "$mitm_port" "$MITM_PID" mitmdump || [ ! -s "$MITM_CA" ]; then
        log "mitmdump does not accept connections on 127.0.0.1:$mitm_port:"
        tail -20 "$MITM_LOG" >&2
        stop
        exit 1
    fi
    {
        printf 'export MOVEWORKS_TEST_FORWARD_PROXY=%q\n' "http://$PROXY_USER:$PROXY_PASS@127.0.0.1:$tiny_port"
        printf 'export MOVEWORKS_TEST_FORWARD_PROXY_LOG=%q\n' "$TINY_LOG"
        printf 'export MOVEWORKS_TEST_INSPECTING_PROXY=%q\n' "http://127.0.0.1:$mitm_port"
        printf 'export MOVEWORKS_TEST_INSPECTING_PROXY_CA=%q\n' "$MITM_CA"
        printf 'export MOVEWORKS_TEST_INSPECTING_PROXY_LOG=%q\n' "$MITM_LOG"
    } >"$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"
    cat "$ENV_FILE"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env)
    if running; then
        cat "$ENV_FILE"
    else
        log "not running (bash scripts/proxies.sh start)"
        exit 1
    fi
    ;;
*)
    echo "usage: bash scripts/proxies.sh start|stop|env" >&2
    exit 2
    ;;
esac
