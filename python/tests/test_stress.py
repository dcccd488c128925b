"""Concurrency stress: one Client shared by 16 threads doing 10,000 mixed calls,
with every OAuth token revoked halfway through. The calls release the GIL, so
the threads really overlap in the core."""

from __future__ import annotations

import itertools
import threading
from typing import List, Optional, Tuple

import moveworks

from conftest import Simulator

THREADS = 16
CALLS = 10_000
# Generous: the run takes seconds even with a debug extension on a busy machine.
DEADLOCK_TIMEOUT_S = 180.0


def _call(client: moveworks.Client, thread: int, i: int, conv: str, resp: Optional[str]) -> Tuple[str, Optional[str]]:
    """One call of the mix, chosen by i, on this thread's conversation; checks the decoded result."""
    op = i % 7
    if op == 0:
        c = client.create_conversation(f"t{thread} c{i}")
        assert c.title == f"t{thread} c{i}" and c.conversation_id.startswith("conv_"), c
        return c.conversation_id, resp
    if op == 1:
        assert client.get_conversation(conv).conversation_id == conv
    elif op == 2:
        c = client.update_conversation(conv, title=f"t{thread} u{i}")
        assert (c.conversation_id, c.title) == (conv, f"t{thread} u{i}")
    elif op == 3:
        page = client.list_conversations(limit=5)
        assert 1 <= len(page) <= 5
        assert all(c.conversation_id.startswith("conv_") and not c.archived for c in page)
    elif op == 4:
        events = client.list_events(conv, limit=10)
        assert all(e.conversation_id == conv for e in events)
    elif op == 5:
        r = client.create_response(conv, "How do I reset my password?")
        assert r.conversation_id == conv
        return conv, r.response_id
    elif resp is not None:
        r = client.get_response(conv, resp)
        assert (r.conversation_id, r.response_id) == (conv, resp)
    return conv, resp


def test_sixteen_threads_share_one_client_across_a_token_revocation(sim: Simulator) -> None:
    sim.config(response_duration_ms=50)
    client = sim.client(token=None, client_id=sim.client_id, client_secret=sim.client_secret, token_url=sim.token_url)
    counter = itertools.count(1)  # next() on it is atomic under the GIL
    errors: List[BaseException] = []

    def work(thread: int) -> None:
        try:
            conv: str = client.create_conversation(f"t{thread}").conversation_id
            resp: Optional[str] = None
            for i in range(1, CALLS // THREADS):
                conv, resp = _call(client, thread, i, conv, resp)
                # Halfway through, every token issued so far stops working while other threads are in flight.
                if next(counter) == CALLS // 2:
                    sim.revoke_tokens()
        except BaseException as e:  # noqa: BLE001 - collected for the main thread
            errors.append(e)

    # Daemon threads: if they deadlock, the join timeout fails the test and they cannot keep pytest alive.
    threads = [threading.Thread(target=work, args=(t,), daemon=True) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLOCK_TIMEOUT_S)
        assert not t.is_alive(), f"a worker made no progress for {DEADLOCK_TIMEOUT_S} s: deadlock?"
    assert errors == []

    log = sim.requests()
    unauthorized = sum(1 for r in log if r["status"] == 401)
    assert 1 <= unauthorized <= THREADS, unauthorized
    # Every call reached the server once, plus one replay per 401.
    assert sum(1 for r in log if "/rest/" in r["path"]) == CALLS + unauthorized
    token_requests = [r for r in log if "/oauth" in r["path"]]
    assert len(token_requests) == 2, "the first token, then exactly one refresh after the revocation"
