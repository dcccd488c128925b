"""Python asyncio benchmark rows (bench/PROTOCOL.md): moveworks.AsyncClient
against httpx.AsyncClient.

    python bench_async.py <latency|concurrent> --base-url URL --token T
        --assistant NAME --conversation ID [mode options]

latency: sequential awaits; concurrent: K calls gathered at once. Progress goes
to stderr; the last stdout line is {"rows": [...]}. Every decoded result is
checked (conversation_id), and any failure exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Awaitable, Callable, Dict, List

from protocol import Row, check, emit, log, parser

Call = Callable[[], Awaitable[None]]


def sdk_call(a: argparse.Namespace) -> Call:
    import moveworks

    client = moveworks.AsyncClient(assistant_name=a.assistant, base_url=a.base_url, token=a.token)
    cid = a.conversation

    async def call() -> None:
        check((await client.get_conversation(cid)).conversation_id, cid)

    return call


def httpx_call(a: argparse.Namespace) -> Call:
    import httpx

    # The pool must hold K connections, as the SDK's does, or httpx queues the calls.
    limits = httpx.Limits(max_connections=max(100, a.concurrency), max_keepalive_connections=max(20, a.concurrency))
    client = httpx.AsyncClient(
        headers={"Authorization": f"Bearer {a.token}", "Assistant-Name": a.assistant, "Accept": "application/json"},
        limits=limits,
    )
    url = f"{a.base_url}/conversations/{a.conversation}"
    cid = a.conversation

    async def call() -> None:
        resp = await client.get(url)
        resp.raise_for_status()
        check(resp.json()["conversation_id"], cid)

    return call


CLIENTS: Dict[str, Callable[[argparse.Namespace], Call]] = {
    "python_async.sdk": sdk_call,
    "python_async.httpx": httpx_call,
}


BATCH = 100


async def latency(a: argparse.Namespace) -> List[Row]:
    # Rounds interleave the clients in batches, so load from other processes on a
    # shared machine hits every client alike.
    calls = {row_id: factory(a) for row_id, factory in CLIENTS.items()}
    for call in calls.values():
        for _ in range(a.warmup):
            await call()
    samples: Dict[str, List[int]] = {row_id: [] for row_id in calls}
    clock = time.perf_counter_ns
    done = 0
    while done < a.iterations:
        n = min(BATCH, a.iterations - done)
        for row_id, call in calls.items():
            out = samples[row_id]
            for _ in range(n):
                t0 = clock()
                await call()
                out.append(clock() - t0)
        done += n
    rows = []
    for row_id, xs in samples.items():
        xs.sort()
        log(f"{row_id}: median {xs[len(xs) // 2] / 1000:.1f} us")
        rows.append({"id": row_id, "samples_ns": xs})
    return rows


async def concurrent(a: argparse.Namespace) -> List[Row]:
    rows = []
    for row_id, factory in CLIENTS.items():
        call = factory(a)
        # Warm-up opens the K pooled connections, so the timed round measures calls, not connects.
        await asyncio.gather(*(call() for _ in range(a.concurrency)))
        t0 = time.perf_counter()
        await asyncio.gather(*(call() for _ in range(a.concurrency)))
        seconds = time.perf_counter() - t0
        log(f"{row_id}: {a.concurrency} concurrent calls in {seconds * 1000:.1f} ms")
        rows.append({"id": row_id, "concurrency": a.concurrency, "seconds": seconds})
    return rows


def main() -> int:
    p = parser(__doc__, ["latency", "concurrent"], server_required=True)
    p.add_argument("--concurrency", type=int, default=64)
    a = p.parse_args()
    run = {"latency": latency, "concurrent": concurrent}[a.mode]
    return emit("bench_async.py", a.mode, lambda: asyncio.run(run(a)))


if __name__ == "__main__":
    sys.exit(main())
