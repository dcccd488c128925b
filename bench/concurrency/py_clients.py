"""Python rows of the concurrency benchmark (bench/concurrency/README.md): N streamed
turns at once in one asyncio process.

    python py_clients.py <row> --base-url URL --token T --assistant NAME
        --conversations FILE --streams N [--answer-ms D]

Rows: `python_async.sdk` (`moveworks.AsyncClient`, `async for` over `stream_response`),
`python_async.httpx_sse` (httpx.AsyncClient streaming, httpx-sse parsing, json.loads per
event), `python_async.aiohttp` (aiohttp streaming, the SSE lines parsed by hand). Every
turn reads every event and must end with RESPONSE_COMPLETED. A ticker task measures how
late the event loop wakes it (oversleep of a 10 ms sleep): the loop's lag. The last
stdout line is one JSON object (the row); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

# (first event, turn end), both in seconds after the turn's own start.
Turn = Tuple[float, float]


TICK = 0.010


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def proc_status() -> Dict[str, int]:
    """VmHWM (peak RSS, kB), VmRSS and Threads of this process."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "Threads"):
                out[key] = int(value.split()[0])
    return out


class Clock:
    """Per-turn first-event time, shared by every row's turn function."""

    def __init__(self) -> None:
        self.first: Optional[float] = None

    def event(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()


def sdk_row(a: argparse.Namespace) -> Tuple[Callable[[str, Clock], Awaitable[int]], Callable[[], Awaitable[None]]]:
    import moveworks

    client = moveworks.AsyncClient(assistant_name=a.assistant, base_url=a.base_url, token=a.token)

    async def turn(conversation: str, clock: Clock) -> int:
        events = 0
        last = None
        async for event in client.stream_response(conversation, "concurrency benchmark"):
            clock.event()
            events += 1
            last = event.event
        if last != "RESPONSE_COMPLETED":
            raise RuntimeError(f"turn ended with {last}")
        return events

    async def close() -> None:
        await client.close()

    return turn, close


def httpx_row(a: argparse.Namespace) -> Tuple[Callable[[str, Clock], Awaitable[int]], Callable[[], Awaitable[None]]]:
    import httpx
    from httpx_sse import aconnect_sse

    # The pool must hold every turn's connection at once, or httpx queues the turns.
    limits = httpx.Limits(max_connections=a.streams + 10, max_keepalive_connections=a.streams + 10)
    client = httpx.AsyncClient(
        headers={"Authorization": f"Bearer {a.token}", "Assistant-Name": a.assistant},
        limits=limits,
        timeout=httpx.Timeout(120.0),
    )

    async def turn(conversation: str, clock: Clock) -> int:
        url = f"{a.base_url}/conversations/{conversation}/responses/stream"
        events = 0
        last = None
        async with aconnect_sse(client, "POST", url, json={"input": {"text": "concurrency benchmark"}}) as source:
            source.response.raise_for_status()
            async for sse in source.aiter_sse():
                json.loads(sse.data)
                clock.event()
                events += 1
                last = sse.event
        if last != "RESPONSE_COMPLETED":
            raise RuntimeError(f"turn ended with {last}")
        return events

    async def close() -> None:
        await client.aclose()

    return turn, close


def aiohttp_row(a: argparse.Namespace) -> Tuple[Callable[[str, Clock], Awaitable[int]], Callable[[], Awaitable[None]]]:
    import aiohttp

    session: Optional[aiohttp.ClientSession] = None

    def get() -> aiohttp.ClientSession:
        nonlocal session
        if session is None:
            session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {a.token}", "Assistant-Name": a.assistant},
                connector=aiohttp.TCPConnector(limit=0),  # no pool cap, as the other rows
                timeout=aiohttp.ClientTimeout(total=120),
            )
        return session

    async def turn(conversation: str, clock: Clock) -> int:
        url = f"{a.base_url}/conversations/{conversation}/responses/stream"
        events = 0
        last = None
        name = None
        data: List[str] = []
        async with get().post(
            url, json={"input": {"text": "concurrency benchmark"}}, headers={"Accept": "text/event-stream"}
        ) as resp:
            resp.raise_for_status()
            # The SSE framing by hand: `event:` and `data:` lines, a blank line ends an event.
            async for raw in resp.content:
                line = raw.decode().rstrip("\r\n")
                if not line:
                    if data:
                        json.loads("\n".join(data))
                        clock.event()
                        events += 1
                        last = name
                    name, data = None, []
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip(" "))
        if last != "RESPONSE_COMPLETED":
            raise RuntimeError(f"turn ended with {last}")
        return events

    async def close() -> None:
        if session is not None:
            await session.close()

    return turn, close


ROWS = {"python_async.sdk": sdk_row, "python_async.httpx_sse": httpx_row, "python_async.aiohttp": aiohttp_row}


async def run(a: argparse.Namespace) -> Dict[str, Any]:
    with open(a.conversations) as f:
        conversations = json.load(f)[: a.streams]
    if len(conversations) < a.streams:
        raise SystemExit(f"{a.conversations} has fewer than {a.streams} conversations")
    turn, close = ROWS[a.row](a)

    lags: List[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            t = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append(time.perf_counter() - t - TICK)

    results: List[Optional[Turn]] = [None] * a.streams
    errors: List[str] = []
    starts: List[float] = [0.0] * a.streams
    event_counts = [0] * a.streams

    async def one(i: int) -> None:
        clock = Clock()
        t0 = starts[i] = time.perf_counter()
        try:
            event_counts[i] = await turn(conversations[i], clock)
        except Exception as e:  # noqa: BLE001 - counted and reported, the run goes on
            errors.append(f"{type(e).__name__}: {e}")
            return
        end = time.perf_counter()
        results[i] = (((clock.first or end) - t0), end - t0)

    tick = asyncio.ensure_future(ticker())
    await asyncio.sleep(0.1)  # the ticker's first samples measure an idle loop
    burst = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(a.streams)))
    wall = time.perf_counter() - burst
    stop.set()
    await tick
    await close()
    done = [r for r in results if r is not None]
    status = proc_status()
    return {
        "id": a.row,
        "streams": a.streams,
        "first_event_ms": [round(r[0] * 1000, 2) for r in done],
        "turn_ms": [round(r[1] * 1000, 2) for r in done],
        "start_spread_ms": round((max(starts) - burst) * 1000, 2),
        "lag_ms": [round(x * 1000, 2) for x in lags],
        "errors": len(errors),
        "error_samples": errors[:5],
        "events": sum(event_counts),
        "wall_s": round(wall, 3),
        "peak_rss_kb": status["VmHWM"],
        "threads_at_end": status["Threads"],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("row", choices=sorted(ROWS))
    for name in ("--base-url", "--token", "--assistant", "--conversations"):
        p.add_argument(name, required=True)
    p.add_argument("--streams", type=int, required=True)
    p.add_argument("--answer-ms", type=int, default=5000)
    a = p.parse_args()
    row = asyncio.run(run(a))
    log(f"{a.row} x{a.streams}: {row['errors']} errors, wall {row['wall_s']} s, peak RSS {row['peak_rss_kb']} kB")
    print(json.dumps(row))


if __name__ == "__main__":
    main()
