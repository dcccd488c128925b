"""Issue #23 ("cheap events"): events/s of a `for event in client.stream_response(...)`
loop over a long answer, on the main thread and on a worker thread, and how many
threads the SDK starts meanwhile.

    python bench_many_events.py [--events 20000] [--runs 3] [--async-only]
    strace -f -c -e trace=clone,clone3 python bench_many_events.py --runs 1 --main-only

The sandbox (moveworks.testing.Sandbox) answers the stream with a raw body of
RESPONSE_CREATED, N RESPONSE_OUTPUT_DELTA events and RESPONSE_COMPLETED, all
written at once, so the figure is the SDK's per-event cost. The last stdout line
is JSON: {"events": N, "main": events/s, "worker": events/s, "async": events/s,
"threads_started_main": n}; "async" is `async for` over `AsyncClient.stream_response`.
`threads_started_main` counts the entries of /proc/self/task that appeared during the
main-thread loop (sampled every 200 events; a thread per event shows up as hundreds).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import sys
import threading
import time
from typing import Any, Dict, Set, Tuple

import moveworks
from moveworks.testing import Sandbox


def templates(client: moveworks.Client) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """A real delta's output and a real completed event's data, from one sandbox turn."""
    conv = client.create_conversation()
    events = [e.to_dict() for e in client.stream_response(conv.conversation_id, "hi")]
    delta = next(e for e in events if e["event"] == "RESPONSE_OUTPUT_DELTA" and e["output_type"] == "MESSAGE")
    return delta, events[-1]


def sse(events: int, delta: Dict[str, Any], completed: Dict[str, Any]) -> str:
    response_id = delta["response_id"]
    out = [f'event: RESPONSE_CREATED\ndata: {{"response_id": "{response_id}", "sequence_number": 1}}\n\n']
    # Each delta carries the message so far (a few hundred bytes here), as the server's do.
    for i in range(events):
        data = copy.deepcopy(delta)
        data["sequence_number"] = i + 2
        data["output"]["message"]["content"]["commonmark_text"]["text"] = "word " * (i % 40 + 1)
        out.append(f"event: RESPONSE_OUTPUT_DELTA\ndata: {json.dumps(data)}\n\n")
    done = dict(completed, sequence_number=events + 2)
    out.append(f"event: RESPONSE_COMPLETED\ndata: {json.dumps(done)}\n\n")
    return "".join(out)


def tasks() -> Set[str]:
    return set(os.listdir("/proc/self/task"))


def prepare(sb: Sandbox, client: moveworks.Client, events: int) -> str:
    """A conversation whose next streamed turn is the long raw answer; returns its id."""
    conv = client.create_conversation()
    # The turn's answer is replayed into this conversation (the ids are the template's).
    body = sse(events, *templates(client))
    sb.fault(
        kind="raw",
        status=200,
        body=body,
        path_contains="/responses/stream",
        headers={"Content-Type": "text/event-stream"},
    )
    return conv.conversation_id


def async_run(sb: Sandbox, client: moveworks.Client, events: int) -> float:
    conversation_id = prepare(sb, client, events)
    aclient = moveworks.AsyncClient.from_client(client)

    async def loop() -> float:
        n = 0
        started = time.perf_counter()
        async for event in aclient.stream_response(conversation_id, "hi", idle_timeout=60, deadline=120):
            n += 1
            del event
        elapsed = time.perf_counter() - started
        if n != events + 2:
            raise SystemExit(f"expected {events + 2} events, got {n}")
        return n / elapsed

    return asyncio.run(loop())


def one_run(sb: Sandbox, client: moveworks.Client, events: int, seen: Dict[str, Set[str]]) -> float:
    conversation_id = prepare(sb, client, events)
    expected = events + 2
    before = tasks()
    n = 0
    started = time.perf_counter()
    for event in client.stream_response(conversation_id, "hi", idle_timeout=60, deadline=120):
        n += 1
        if n % 200 == 0:
            seen["new"] |= tasks() - before
        del event
    elapsed = time.perf_counter() - started
    if n != expected:
        raise SystemExit(f"expected {expected} events, got {n}")
    return n / elapsed


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=20000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--main-only", action="store_true")
    p.add_argument("--async-only", action="store_true")
    a = p.parse_args()
    expected = a.events + 2
    with Sandbox(response_duration=0.05) as sb, sb.client() as client:
        seen: Dict[str, Set[str]] = {"new": set()}
        main_rate = worker_rate = async_rate = None
        if not a.async_only:
            main_rates = [one_run(sb, client, a.events, seen) for _ in range(a.runs)]
            main_rate = sorted(main_rates)[len(main_rates) // 2]
            print(f"main thread: {[round(r) for r in main_rates]} events/s", file=sys.stderr)
        if not a.main_only and not a.async_only:
            rates = []
            ignored: Dict[str, Set[str]] = {"new": set()}
            for _ in range(a.runs):
                t = threading.Thread(target=lambda: rates.append(one_run(sb, client, a.events, ignored)))
                t.start()
                t.join()
            worker_rate = sorted(rates)[len(rates) // 2]
            print(f"worker thread: {[round(r) for r in rates]} events/s", file=sys.stderr)
        if not a.main_only:
            async_rates = [async_run(sb, client, a.events) for _ in range(a.runs)]
            async_rate = sorted(async_rates)[len(async_rates) // 2]
            print(f"async for: {[round(r) for r in async_rates]} events/s", file=sys.stderr)
    print(
        json.dumps(
            {
                "events": expected,
                "main": main_rate and round(main_rate),
                "worker": worker_rate and round(worker_rate),
                "async": async_rate and round(async_rate),
                "threads_started_main": len(seen["new"]),
            }
        )
    )


if __name__ == "__main__":
    main()
