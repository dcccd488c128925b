"""Python rows of the per-event streaming benchmark (bench/streaming/README.md): long
answers of many events, the SDK against what a user would hand-write.

    python py_clients.py <row> --base-url URL --token T --assistant NAME
        --conversation ID --events E --turns N [--warmup W]

The simulator answers every streamed turn with the same body (RESPONSE_CREATED, E
RESPONSE_OUTPUT_DELTA, RESPONSE_COMPLETED, written at once), so a turn's time is the
client's per-event cost. Every row reads every event and decodes its JSON (the SDK into
its typed events, the peers with json.loads), on the main thread. Rows:

- sync: `python.sdk` (`for event in client.stream_response(...)`), `python.httpx_sse`
  (httpx.Client + httpx-sse), `python.requests_sseclient` (requests + sseclient-py);
- asyncio: `python_async.sdk` (`async for` over `AsyncClient.stream_response`),
  `python_async.httpx_sse` (httpx.AsyncClient + httpx-sse), `python_async.aiohttp`
  (aiohttp, SSE lines parsed by hand).

The last stdout line is one JSON object: per timed turn the turn time and the first
delta's time (from the call that sends the request to user code), the process CPU time
(all threads) over the timed turns, events, and the peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List, Optional, Tuple

TEXT = "streaming benchmark"
# (event name, decoded data) per event; the SDK yields its typed event instead.
Event = Tuple[str, Any]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def headers(a: argparse.Namespace) -> Dict[str, str]:
    return {"Authorization": f"Bearer {a.token}", "Assistant-Name": a.assistant, "Accept": "text/event-stream"}


def url(a: argparse.Namespace) -> str:
    return f"{a.base_url}/conversations/{a.conversation}/responses/stream"


# ---- sync rows: each returns a function that yields (name, payload) per event ----


def sync_sdk(a: argparse.Namespace) -> Callable[[], Iterator[Event]]:
    import moveworks

    client = moveworks.Client(assistant_name=a.assistant, base_url=a.base_url, token=a.token)

    def turn() -> Iterator[Event]:
        for event in client.stream_response(a.conversation, TEXT, idle_timeout=120, deadline=600):
            yield event.event, event

    return turn


def sync_httpx(a: argparse.Namespace) -> Callable[[], Iterator[Event]]:
    import httpx
    from httpx_sse import connect_sse

    client = httpx.Client(headers=headers(a), timeout=120)

    def turn() -> Iterator[Event]:
        with connect_sse(client, "POST", url(a), json={"input": {"text": TEXT}}) as source:
            source.response.raise_for_status()
            for sse in source.iter_sse():
                yield sse.event, json.loads(sse.data)

    return turn


def sync_requests(a: argparse.Namespace) -> Callable[[], Iterator[Event]]:
    import requests
    import sseclient

    session = requests.Session()
    session.headers.update(headers(a))

    def turn() -> Iterator[Event]:
        with session.post(url(a), json={"input": {"text": TEXT}}, stream=True, timeout=120) as resp:
            resp.raise_for_status()
            for sse in sseclient.SSEClient(resp).events():
                yield sse.event, json.loads(sse.data)

    return turn


# ---- asyncio rows ----


def async_sdk(a: argparse.Namespace) -> Callable[[], AsyncIterator[Event]]:
    import moveworks

    client = moveworks.AsyncClient(assistant_name=a.assistant, base_url=a.base_url, token=a.token)

    async def turn() -> AsyncIterator[Event]:
        async for event in client.stream_response(a.conversation, TEXT, idle_timeout=120, deadline=600):
            yield event.event, event

    return turn


def async_httpx(a: argparse.Namespace) -> Callable[[], AsyncIterator[Event]]:
    import httpx
    from httpx_sse import aconnect_sse

    client = httpx.AsyncClient(headers=headers(a), timeout=120)

    async def turn() -> AsyncIterator[Event]:
        async with aconnect_sse(client, "POST", url(a), json={"input": {"text": TEXT}}) as source:
            source.response.raise_for_status()
            async for sse in source.aiter_sse():
                yield sse.event, json.loads(sse.data)

    return turn


def async_aiohttp(a: argparse.Namespace) -> Callable[[], AsyncIterator[Event]]:
    import aiohttp

    holder: Dict[str, aiohttp.ClientSession] = {}

    async def turn() -> AsyncIterator[Event]:
        if "s" not in holder:  # created inside the running loop, as aiohttp wants
            holder["s"] = aiohttp.ClientSession(headers=headers(a), timeout=aiohttp.ClientTimeout(total=600))
        async with holder["s"].post(url(a), json={"input": {"text": TEXT}}) as resp:
            resp.raise_for_status()
            name, data = None, []
            # The SSE framing by hand: `event:` and `data:` lines, a blank line ends an event.
            async for raw in resp.content:
                line = raw.decode().rstrip("\r\n")
                if not line:
                    if data:
                        yield name or "message", json.loads("\n".join(data))
                    name, data = None, []
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip(" "))

    return turn


SYNC = {"python.sdk": sync_sdk, "python.httpx_sse": sync_httpx, "python.requests_sseclient": sync_requests}
ASYNC = {"python_async.sdk": async_sdk, "python_async.httpx_sse": async_httpx, "python_async.aiohttp": async_aiohttp}


def peak_rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class Timing:
    """Turn times, first-delta times and CPU time of the timed turns (after the warm-up ones)."""

    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.turns: List[float] = []
        self.firsts: List[float] = []
        self.cpu = 0.0

    def start(self) -> None:
        self.names: List[str] = []
        self.first: Optional[float] = None
        self.c0 = time.process_time()
        self.t0 = time.perf_counter()

    def event(self, name: str) -> None:
        if self.first is None and name == "RESPONSE_OUTPUT_DELTA":
            self.first = time.perf_counter()
        self.names.append(name)

    def end(self, turn: int) -> None:
        t1 = time.perf_counter()
        c1 = time.process_time()
        want = self.a.events + 2
        if len(self.names) != want or self.names[-1] != "RESPONSE_COMPLETED":
            raise SystemExit(f"expected {want} events ending RESPONSE_COMPLETED, got {len(self.names)} ending {self.names[-1:]}")
        if turn >= self.a.warmup:
            self.turns.append(t1 - self.t0)
            self.firsts.append((self.first or t1) - self.t0)
            self.cpu += c1 - self.c0


def run_sync(a: argparse.Namespace) -> Timing:
    turn = SYNC[a.row](a)
    timing = Timing(a)
    for i in range(a.warmup + a.turns):
        timing.start()
        for name, _payload in turn():
            timing.event(name)
        timing.end(i)
    return timing


async def run_async(a: argparse.Namespace) -> Timing:
    turn = ASYNC[a.row](a)
    timing = Timing(a)
    for i in range(a.warmup + a.turns):
        timing.start()
        async for name, _payload in turn():
            timing.event(name)
        timing.end(i)
    return timing


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("row", choices=sorted(SYNC) + sorted(ASYNC))
    for name in ("--base-url", "--token", "--assistant", "--conversation"):
        p.add_argument(name, required=True)
    p.add_argument("--events", type=int, required=True, help="RESPONSE_OUTPUT_DELTA events per turn")
    p.add_argument("--turns", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    a = p.parse_args()
    timing = run_sync(a) if a.row in SYNC else asyncio.run(run_async(a))
    events = (a.events + 2) * a.turns
    row = {
        "id": a.row,
        "events_per_turn": a.events + 2,
        "turn_ms": [round(t * 1000, 3) for t in timing.turns],
        "first_delta_ms": [round(t * 1000, 3) for t in timing.firsts],
        "cpu_s": round(timing.cpu, 4),
        "cpu_us_per_event": round(timing.cpu / events * 1e6, 3),
        "peak_rss_kb": peak_rss_kb(),
    }
    log(f"{a.row}: turns {row['turn_ms']} ms, {row['cpu_us_per_event']} us CPU/event, peak RSS {row['peak_rss_kb']} kB")
    print(json.dumps(row))


if __name__ == "__main__":
    main()
