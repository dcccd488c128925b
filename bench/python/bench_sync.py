"""Python sync benchmark rows (bench/PROTOCOL.md): the SDK's blocking Client
against what a user would hand-write (http.client, requests, httpx).

    python bench_sync.py <latency|threads|rss|stream|stream_rss|startup|footprint> --base-url URL
        --token T --assistant NAME --conversation ID [mode options]

Progress goes to stderr; the last stdout line is {"rows": [...]}. Every decoded
result is checked (conversation_id), and any failure exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List
from urllib.parse import urlsplit

from protocol import BenchFailure, Row, check, emit, log, parser


# ---- the clients: each factory returns a zero-argument call that checks its result ----


def sdk_call(a: argparse.Namespace) -> Callable[[], None]:
    import moveworks

    client = moveworks.Client(assistant_name=a.assistant, base_url=a.base_url, token=a.token)
    cid = a.conversation

    def call() -> None:
        check(client.get_conversation(cid).conversation_id, cid)

    return call


def headers(a: argparse.Namespace) -> Dict[str, str]:
    return {"Authorization": f"Bearer {a.token}", "Assistant-Name": a.assistant, "Accept": "application/json"}


def http_client_call(a: argparse.Namespace) -> Callable[[], None]:
    import http.client

    url = urlsplit(a.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    path = f"{url.path}/conversations/{a.conversation}"
    hdrs = headers(a)
    cid = a.conversation

    def call() -> None:
        conn.request("GET", path, headers=hdrs)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise BenchFailure(f"HTTP {resp.status}: {body[:200]!r}")
        check(json.loads(body)["conversation_id"], cid)

    return call


def requests_call(a: argparse.Namespace) -> Callable[[], None]:
    import requests

    session = requests.Session()
    session.headers.update(headers(a))
    url = f"{a.base_url}/conversations/{a.conversation}"
    cid = a.conversation

    def call() -> None:
        resp = session.get(url)
        resp.raise_for_status()
        check(resp.json()["conversation_id"], cid)

    return call


def httpx_call(a: argparse.Namespace) -> Callable[[], None]:
    import httpx

    client = httpx.Client(headers=headers(a))
    url = f"{a.base_url}/conversations/{a.conversation}"
    cid = a.conversation

    def call() -> None:
        resp = client.get(url)
        resp.raise_for_status()
        check(resp.json()["conversation_id"], cid)

    return call


CLIENTS: Dict[str, Callable[[argparse.Namespace], Callable[[], None]]] = {
    "python.sdk": sdk_call,
    "python.http_client": http_client_call,
    "python.requests": requests_call,
    "python.httpx": httpx_call,
}


# ---- modes -----------------------------------------------------------------------------


BATCH = 100


def latency(a: argparse.Namespace) -> List[Row]:
    # Rounds interleave the clients in batches, so load from other processes on a
    # shared machine hits every client alike (as the Rust program does).
    only = set(a.rows.split(",")) if a.rows else None
    calls = {row_id: factory(a) for row_id, factory in CLIENTS.items() if only is None or row_id in only}
    for call in calls.values():
        for _ in range(a.warmup):
            call()
    samples: Dict[str, List[int]] = {row_id: [] for row_id in calls}
    clock = time.perf_counter_ns
    done = 0
    while done < a.iterations:
        n = min(BATCH, a.iterations - done)
        for row_id, call in calls.items():
            out = samples[row_id]
            for _ in range(n):
                t0 = clock()
                call()
                out.append(clock() - t0)
        done += n
    rows = []
    for row_id, xs in samples.items():
        xs.sort()
        log(f"{row_id}: median {xs[len(xs) // 2] / 1000:.1f} us")
        rows.append({"id": row_id, "samples_ns": xs})
    return rows


def threads(a: argparse.Namespace) -> List[Row]:
    call = sdk_call(a)
    call()
    errors: List[BaseException] = []
    start = threading.Barrier(a.threads + 1)

    def work() -> None:
        start.wait()
        try:
            for _ in range(a.calls_per_thread):
                call()
        except BaseException as e:  # noqa: BLE001 - reported below, exits non-zero
            errors.append(e)

    workers = [threading.Thread(target=work) for _ in range(a.threads)]
    for w in workers:
        w.start()
    start.wait()
    t0 = time.perf_counter()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - t0
    if errors:
        raise errors[0]
    calls = a.threads * a.calls_per_thread
    log(f"python.sdk threads={a.threads}: {calls} calls in {seconds:.3f} s ({calls / seconds:.0f}/s)")
    return [{"id": "python.sdk", "threads": a.threads, "calls": calls, "seconds": seconds}]


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def rss(a: argparse.Namespace) -> List[Row]:
    call = sdk_call(a)
    for _ in range(1000):
        call()
    before = rss_kb()
    for _ in range(a.calls):
        call()
    after = rss_kb()
    log(f"python.sdk rss: {before} kB -> {after} kB over {a.calls} calls")
    return [{"id": "python.sdk", "calls": a.calls, "rss_before_kb": before, "rss_after_kb": after}]


def sdk_client(a: argparse.Namespace) -> "moveworks.Client":  # noqa: F821 - imported lazily
    import moveworks

    return moveworks.Client(assistant_name=a.assistant, base_url=a.base_url, token=a.token)


def stream_until(client: "moveworks.Client", a: argparse.Namespace, event_name: str) -> "tuple[str, int]":  # noqa: F821
    """One streamed turn read up to the first `event_name` event ("" = any event), then
    abandoned (leaving the with block closes the connection): (response id, time.monotonic_ns()
    when user code got that event)."""
    with client.stream_response(a.conversation, "benchmark: first delta") as stream:
        for event in stream:
            if not event_name or event.event == event_name:
                at = time.monotonic_ns()
                response_id = stream.response_id
                if response_id is None:
                    raise BenchFailure("no response id at the first delta")
                return response_id, at
    raise BenchFailure(f"the stream ended without {event_name or 'an event'}")


def stream(a: argparse.Namespace) -> List[Row]:
    # time.monotonic_ns() reads CLOCK_MONOTONIC on Linux, the simulator's mark clock.
    import urllib.request

    client = sdk_client(a)
    for _ in range(a.warmup):
        stream_until(client, a, "RESPONSE_OUTPUT_DELTA")
    received = [stream_until(client, a, "RESPONSE_OUTPUT_DELTA") for _ in range(a.iterations)]
    url = urlsplit(a.base_url)
    with urllib.request.urlopen(f"{url.scheme}://{url.netloc}/_sim/stream_marks", timeout=30) as r:
        marks = json.loads(r.read())
    samples = []
    for response_id, at in received:
        mark = marks.get(response_id)
        if mark is None:
            raise BenchFailure(f"no stream mark for {response_id}")
        if at < mark:
            raise BenchFailure(f"{response_id}: received {mark - at} ns before the stream mark")
        samples.append(at - mark)
    log(f"python.sdk.stream: median {sorted(samples)[len(samples) // 2] / 1000:.1f} us")
    return [{"id": "python.sdk.stream", "samples_ns": samples}]


def stream_rss(a: argparse.Namespace) -> List[Row]:
    client = sdk_client(a)
    for _ in range(200):
        stream_until(client, a, "")
    rss_before, fds_before = rss_kb(), len(os.listdir("/proc/self/fd"))
    for _ in range(a.streams):
        stream_until(client, a, "")
    rss_after, fds_after = rss_kb(), len(os.listdir("/proc/self/fd"))
    log(f"python.sdk stream_rss: {rss_before} kB -> {rss_after} kB, fds {fds_before} -> {fds_after} "
        f"over {a.streams} streams")
    return [{"id": "python.sdk", "streams": a.streams, "rss_before_kb": rss_before, "rss_after_kb": rss_after,
             "fds_before": fds_before, "fds_after": fds_after}]


IMPORT_PROBE = (
    "import time; t0 = time.perf_counter_ns(); import moveworks; "
    "t1 = time.perf_counter_ns(); assert moveworks.Client; print(t1 - t0)"
)


def startup(a: argparse.Namespace) -> List[Row]:
    # Fresh interpreters, so nothing is cached in sys.modules; -I ignores the
    # environment and the current directory (the source tree has no compiled module).
    samples = []
    for _ in range(a.iterations):
        out = subprocess.run([sys.executable, "-I", "-c", IMPORT_PROBE], check=True, capture_output=True, text=True)
        samples.append(int(out.stdout.strip()))
    samples.sort()
    log(f"python.sdk import: median {samples[len(samples) // 2] / 1e6:.2f} ms")
    return [{"id": "python.sdk", "samples_ns": samples}]


def footprint(a: argparse.Namespace) -> List[Row]:
    # The wheel bench/python/build.sh built (release) and the installed extension module.
    import glob

    import moveworks._moveworks as ext

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target")), "bench", "python")
    wheels = glob.glob(os.path.join(out, "wheels", "*.whl"))
    profile = open(os.path.join(out, "profile")).read().strip() if os.path.exists(os.path.join(out, "profile")) else None
    row: Row = {
        "id": "python.sdk",
        "profile": profile,
        "wheel_bytes": os.path.getsize(wheels[0]) if len(wheels) == 1 else None,
        "extension_bytes": os.path.getsize(ext.__file__),
    }
    log(f"python footprint: {row}")
    return [row]


def main() -> int:
    # The server arguments are required by the modes that call it (not startup and footprint).
    p = parser(__doc__, ["latency", "threads", "rss", "stream", "stream_rss", "startup", "footprint"],
               server_required=False)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--calls-per-thread", type=int, default=20)
    p.add_argument("--calls", type=int, default=100_000)
    p.add_argument("--streams", type=int, default=10_000)
    p.add_argument("--rows", default="", help="comma-separated row ids (latency mode; default all)")
    a = p.parse_args()
    if a.mode not in ("startup", "footprint") and None in (a.base_url, a.token, a.assistant, a.conversation):
        p.error("--base-url, --token, --assistant and --conversation are required in this mode")
    modes = {"latency": latency, "threads": threads, "rss": rss, "stream": stream, "stream_rss": stream_rss,
             "startup": startup, "footprint": footprint}
    return emit("bench_sync.py", a.mode, lambda: modes[a.mode](a))


if __name__ == "__main__":
    sys.exit(main())
