"""Issue #23 ("a thousand conversations at once"): N streamed turns at once from one
asyncio process (`AsyncClient`, `async for`), as a chat service serving many users.

    python bench_concurrent_streams.py [--streams 1000] [--response-ms 5000]
        [--simulator target/release/moveworks-simulator]

Starts the simulator binary (a separate process, so its threads cost this process
nothing) with answers that take --response-ms to complete, opens one conversation
per stream, then starts every turn at once. Per stream it records when the first
event reached user code and when the turn ended, both from the moment its task
started the iteration. Meanwhile a ticker task measures how late the event loop
runs a 10 ms sleep (event-loop lag), and one `list_conversations()` issued once every
turn has its first event shows whether other calls wait behind the open streams.

The last stdout line is JSON: {"streams", "errors", "first_event_ms": {"p50", "p99",
"max"}, "turn_ms": {...}, "loop_lag_ms_max", "list_conversations_ms",
"threads_max", "rss_before_streams_mib", "rss_peak_mib"}: the memory an open stream costs is
about (rss_peak_mib - rss_before_streams_mib) / streams.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

import moveworks

ROOT = Path(__file__).resolve().parents[2]


def percentiles(values: List[float]) -> Dict[str, Optional[float]]:
    if not values:
        return {"p50": None, "p99": None, "max": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": at(0.50), "p99": at(0.99), "max": round(ordered[-1], 1)}


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


def status_mib(field: str) -> float:
    """`VmHWM` (peak resident memory) or `VmRSS` (now) of this process, in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def start_simulator(binary: str, response_ms: int) -> "tuple[subprocess.Popen[bytes], Dict[str, Any]]":
    proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    info: Dict[str, Any] = json.loads(proc.stdout.readline())
    req = urllib.request.Request(
        f"{info['origin']}/_sim/config",
        data=json.dumps({"response_duration_ms": response_ms}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(req, timeout=10).read()
    return proc, info


async def run(client: moveworks.AsyncClient, streams: int) -> Dict[str, Any]:
    # Setup, not measured: one conversation per stream, at most 64 creations at once.
    gate = asyncio.Semaphore(64)

    async def conversation() -> str:
        async with gate:
            return (await client.create_conversation()).conversation_id

    conversations = await asyncio.gather(*(conversation() for _ in range(streams)))
    rss_before = status_mib("VmRSS")

    first: List[float] = []
    turns: List[float] = []
    errors: List[str] = []
    lag = [0.0]
    peak_threads = [threads()]
    all_started = asyncio.Event()
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lag[0] = max(lag[0], (time.perf_counter() - before - 0.01) * 1000)
            peak_threads[0] = max(peak_threads[0], threads())

    async def turn(conversation_id: str) -> None:
        started = time.perf_counter()
        seen_first = False
        try:
            async for _event in client.stream_response(conversation_id, "Who does John Doe report to?"):
                if not seen_first:
                    seen_first = True
                    first.append((time.perf_counter() - started) * 1000)
                    if len(first) == streams:
                        all_started.set()
            turns.append((time.perf_counter() - started) * 1000)
        except moveworks.MoveworksError as e:
            errors.append(f"{type(e).__name__}: {e}")
            if not seen_first:
                first.append(float("nan"))
                if len(first) == streams:
                    all_started.set()

    async def probe() -> Optional[float]:
        # Another call while every stream is open (and, with 5 s answers, still receiving).
        await all_started.wait()
        started = time.perf_counter()
        await client.list_conversations(limit=1)
        return (time.perf_counter() - started) * 1000

    tick = asyncio.create_task(ticker())
    probe_task = asyncio.create_task(probe())
    started = time.perf_counter()
    await asyncio.gather(*(turn(c) for c in conversations))
    wall = time.perf_counter() - started
    done.set()
    await tick
    list_ms = await probe_task if probe_task.done() or all_started.is_set() else None
    return {
        "streams": streams,
        "errors": len(errors),
        "first_errors": errors[:3],
        "first_event_ms": percentiles([f for f in first if f == f]),
        "turn_ms": percentiles(turns),
        "wall_s": round(wall, 2),
        "loop_lag_ms_max": round(lag[0], 1),
        "list_conversations_ms": None if list_ms is None else round(list_ms, 1),
        "threads_max": peak_threads[0],
        "rss_before_streams_mib": rss_before,
        "rss_peak_mib": status_mib("VmHWM"),
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--streams", type=int, default=1000)
    p.add_argument("--response-ms", type=int, default=5000)
    p.add_argument("--simulator", default=str(ROOT / "target" / "release" / "moveworks-simulator"))
    a = p.parse_args()
    proc, info = start_simulator(a.simulator, a.response_ms)
    try:
        client = moveworks.AsyncClient(
            base_url=info["base_url"], assistant_name=info["assistant_name"], token=info["token"]
        )
        result = asyncio.run(run(client, a.streams))
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)
    result["python"] = sys.version.split()[0]
    print(
        f"{a.streams} streams of {a.response_ms} ms answers: first event p50 {result['first_event_ms']['p50']} ms, "
        f"p99 {result['first_event_ms']['p99']} ms; turn p50 {result['turn_ms']['p50']} ms, "
        f"p99 {result['turn_ms']['p99']} ms; loop lag max {result['loop_lag_ms_max']} ms; "
        f"list_conversations {result['list_conversations_ms']} ms; {result['errors']} errors; "
        f"threads max {result['threads_max']}; RSS {result['rss_before_streams_mib']} MiB before the streams, "
        f"peak {result['rss_peak_mib']} MiB",
        file=sys.stderr,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
