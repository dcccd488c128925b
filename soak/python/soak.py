"""Soak: one client loops create conversation -> create response -> wait ->
list conversations -> list events for a given time, sampling its own RSS.

    python soak.py SECONDS [SAMPLE_SECS] [WARMUP_SECS]

Configured by the MOVEWORKS_* environment variables (soak/run.sh points them
at the simulator). Prints one JSON line per sample and a final summary line;
exits non-zero on the first SDK error. Same protocol as soak/rust and soak/node.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Optional

import moveworks


def rss_kb() -> int:
    """Resident set size of this process in kB, from /proc/self/status."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS line")


def cycle(client: moveworks.Client, n: int) -> None:
    """One create/poll/list cycle; checks every result decoded into what was asked for."""
    conv = client.create_conversation(f"soak {n}")
    assert conv.title == f"soak {n}", conv
    resp = client.create_response(conv.conversation_id, "How do I reset my password?")
    assert resp.conversation_id == conv.conversation_id
    # The simulator answers in tens of milliseconds; poll accordingly so cycles are quick.
    done = client.wait_for_response(
        conv.conversation_id, resp.response_id, deadline=30.0, initial_interval=0.02, max_interval=0.1
    )
    assert done.status == moveworks.ResponseStatus.COMPLETED, done.status
    assert any(m.text for m in done.assistant_messages()), "a completed response has text"
    assert len(client.list_conversations(limit=10)) > 0
    client.list_events(conv.conversation_id, limit=20)


def main() -> None:
    args = [float(a) for a in sys.argv[1:]]
    seconds = args[0] if args else 60.0
    sample = args[1] if len(args) > 1 else min(max(seconds / 20, 1.0), 10.0)
    warmup = args[2] if len(args) > 2 else min(seconds / 4, 60.0)
    client = moveworks.Client.from_env()

    started = time.monotonic()
    cycles, next_sample = 0, sample
    rss_start: Optional[int] = None
    rss_max = rss_end = 0
    while time.monotonic() - started < seconds:
        try:
            cycle(client, cycles)
        except Exception as e:  # any failure ends the soak: it must run clean
            print(json.dumps({"lang": "python", "error": repr(e), "cycles": cycles}), file=sys.stderr)
            sys.exit(1)
        cycles += 1
        t = time.monotonic() - started
        if t >= next_sample or t >= seconds:
            next_sample += sample
            rss = rss_kb()
            warm = t >= warmup
            if warm:
                rss_start = rss if rss_start is None else rss_start
                rss_max = max(rss_max, rss)
                rss_end = rss
            print(json.dumps({"lang": "python", "t": round(t, 1), "cycles": cycles, "rss_kb": rss, "warm": warm}))
            sys.stdout.flush()
    start = rss_end if rss_start is None else rss_start
    summary = {
        "lang": "python",
        "summary": True,
        "duration_s": round(time.monotonic() - started),
        "cycles": cycles,
        "rss_start_kb": start,
        "rss_end_kb": rss_end,
        "rss_max_kb": rss_max,
        "growth_kb": rss_end - start,
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
