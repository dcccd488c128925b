"""The blocking Client against the simulator: every method, pagination, polling, threads, the GIL."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import threading
import warnings
from typing import Any, Dict, List

import pytest

import moveworks
from conftest import Simulator

FAST: Dict[str, Any] = {"deadline": 10.0, "initial_interval": 0.02, "max_interval": 0.06}


def test_conversation_methods(client: moveworks.Client) -> None:
    conv = client.create_conversation("First")
    assert conv.conversation_id.startswith("conv_")
    assert conv.title == "First" and conv.archived is False
    assert client.get_conversation(conv.conversation_id) == conv
    renamed = client.update_conversation(conv.conversation_id, title="Second")
    assert renamed.title == "Second" and renamed != conv
    archived = client.update_conversation(conv.conversation_id, archived=True)
    assert archived.archived is True
    untitled = client.create_conversation()
    assert untitled.title is None
    page = client.list_conversations()
    assert [c.conversation_id for c in page] == [untitled.conversation_id]
    assert page.next_cursor is None and len(page) == 1
    assert [c.conversation_id for c in client.list_conversations(archived=True).conversations] == [conv.conversation_id]


def test_response_methods(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=150)
    conv = client.create_conversation("Q")
    created = client.create_response(conv.conversation_id, "Who does John Doe report to?")
    assert created.status == moveworks.ResponseStatus.CREATED and created.outputs == []
    assert not created.is_terminal
    fetched = client.get_response(conv.conversation_id, created.response_id)
    assert fetched.response_id == created.response_id
    done = client.wait_for_response(conv.conversation_id, created.response_id, **FAST)
    assert done.status is moveworks.ResponseStatus.COMPLETED and done.is_terminal
    assert isinstance(done.completed_at, dt.datetime) and done.completed_at.tzinfo is not None
    text = done.assistant_text()
    assert text is not None and "John Doe" in text
    assert [m.actor for m in done.assistant_messages()] == [moveworks.Actor.ASSISTANT]
    assert len(done.reasoning_messages()) == 1
    again = client.create_response_and_wait(conv.conversation_id, "And then?", **FAST)
    assert again.status == "COMPLETED" and again.response_id != created.response_id
    assert done.updated_at == done.completed_at and done.error is None
    with pytest.raises(moveworks.ResponseFailedError) as info:
        client.create_response_and_wait(conv.conversation_id, "[fail] x", **FAST)
    failed = info.value.response
    assert failed is not None and failed.error is not None
    assert isinstance(failed.error, moveworks.ResponseError)
    assert failed.error.code == "INTERNAL_ERROR" and "could not answer" in failed.error.message


def test_events(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=50)
    a = client.create_conversation("a")
    b = client.create_conversation("b")
    client.create_response_and_wait(a.conversation_id, "one", **FAST)
    # An ordinary answer is not an event: the feed holds only system-initiated messages.
    assert len(client.list_events()) == 0
    sim.inject_event(a.conversation_id, "Your laptop has shipped.", kind="async_response")
    sim.inject_event(b.conversation_id, "Maintenance tonight.")
    page = client.list_events()
    assert [e.conversation_id for e in page.events] == [a.conversation_id, b.conversation_id]
    first = page.events[0]
    assert first.event_id.startswith("evt_")
    assert first.payload.type == "MESSAGE_EVENT" and not first.payload.is_unknown
    assert first.payload.message is not None and first.payload.message.actor == "ASSISTANT"
    assert first.payload.message.text == "Your laptop has shipped."
    only_b = client.list_events(b.conversation_id)
    assert [e.conversation_id for e in only_b] == [b.conversation_id]
    after = client.list_events(starting_after=first.event_id)
    assert [e.event_id for e in after] == [page.events[1].event_id]
    upto = client.list_events(ending_at=first.event_id)
    assert [e.event_id for e in upto] == [first.event_id]
    assert [e.event_id for e in client.iter_events(limit=1)] == [e.event_id for e in page.events]
    assert client.list_events(moveworks.ALL_CONVERSATIONS).to_dict() == page.to_dict()


def test_deprecated_event_bound_aliases(sim: Simulator, client: moveworks.Client) -> None:
    """start_event_id / last_event_id: the names before starting_after / ending_at, for one more minor version."""
    a = client.create_conversation("a")
    for text in ("one", "two", "three"):
        sim.inject_event(a.conversation_id, text)
    first, second, third = client.list_events().events
    with pytest.warns(DeprecationWarning, match="`start_event_id` is deprecated.*`starting_after`") as caught:
        after = client.list_events(start_event_id=first.event_id)
    assert caught[0].filename == __file__, "the warning points at the caller's line"
    assert after == client.list_events(starting_after=first.event_id)
    assert [e.event_id for e in after] == [second.event_id, third.event_id]
    with pytest.warns(DeprecationWarning, match="`last_event_id` is deprecated.*`ending_at`"):
        upto = client.list_events(last_event_id=second.event_id)
    assert upto == client.list_events(ending_at=second.event_id)
    assert [e.event_id for e in upto] == [first.event_id, second.event_id]
    with pytest.warns(DeprecationWarning) as both_old:
        between = client.list_events(a.conversation_id, start_event_id=first.event_id, last_event_id=second.event_id)
    assert len(both_old) == 2 and [e.event_id for e in between] == [second.event_id]
    with pytest.warns(DeprecationWarning, match="`starting_after`") as iter_caught:
        it = client.iter_events(start_event_id=first.event_id, limit=1)
    assert iter_caught[0].filename == __file__
    assert [e.event_id for e in it] == [second.event_id, third.event_id]
    with pytest.warns(DeprecationWarning, match="`ending_at`"):
        assert [e.event_id for e in client.iter_events(last_event_id=first.event_id)] == [first.event_id]

    # Both names of one bound: an invalid argument naming both, nothing sent; no warning.
    listed = len(sim.requests("GET", "/events"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for call in (client.list_events, client.iter_events):
            with pytest.raises(moveworks.InvalidArgumentError) as info:
                call(starting_after=first.event_id, start_event_id=first.event_id)
            assert info.value.argument == "starting_after" and "start_event_id" in str(info.value)
            with pytest.raises(moveworks.InvalidArgumentError) as info:
                call(ending_at=first.event_id, last_event_id=second.event_id)
            assert info.value.argument == "ending_at" and "last_event_id" in str(info.value)
        # The new names alone never warn.
        client.list_events(starting_after=first.event_id, ending_at=third.event_id)
    assert len(sim.requests("GET", "/events")) == listed + 1
    # Warnings turned into errors stop the call before it is sent.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pytest.raises(DeprecationWarning):
            client.list_events(start_event_id=first.event_id)
    assert len(sim.requests("GET", "/events")) == listed + 1


def test_pagination(client: moveworks.Client) -> None:
    titles = [f"c{i}" for i in range(7)]
    for t in titles:
        client.create_conversation(t)
    page1 = client.list_conversations(limit=3)
    assert [c.title for c in page1] == ["c6", "c5", "c4"] and page1.next_cursor
    page2 = client.list_conversations(limit=3, cursor=page1.next_cursor)
    assert [c.title for c in page2] == ["c3", "c2", "c1"]
    assert [c.title for c in client.iter_conversations(limit=3)] == titles[::-1]
    it = client.iter_conversations(limit=3)
    sizes: List[int] = []
    while (page := it.next_page()) is not None:
        sizes.append(len(page))
    assert sizes == [3, 3, 1] and it.is_exhausted()
    resumed = client.iter_conversations(limit=3, cursor=page1.next_cursor)
    assert [c.title for c in resumed] == ["c3", "c2", "c1", "c0"]


def test_iterator_raises_typed_errors(sim: Simulator, client: moveworks.Client) -> None:
    for i in range(3):
        client.create_conversation(f"c{i}")
    it = iter(client.with_options(max_retries=0).iter_conversations(limit=2))
    assert next(it).title == "c2"
    assert next(it).title == "c1"
    sim.faults({"kind": "status", "status": 500, "method": "GET"})
    with pytest.raises(moveworks.InternalServerError):
        next(it)


def test_wait_failed(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=60)
    conv = client.create_conversation()
    with pytest.raises(moveworks.ResponseFailedError) as info:
        client.create_response_and_wait(conv.conversation_id, "[fail] break", **FAST)
    err = info.value
    assert err.kind == "response_failed" and err.response is not None
    assert err.response.status == moveworks.ResponseStatus.FAILED
    assert err.response_id == err.response.response_id and err.last_status == "FAILED"


def test_wait_deadline(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=30000)
    conv = client.create_conversation()
    created = client.create_response(conv.conversation_id, "slow")
    with pytest.raises(moveworks.PollTimeoutError) as info:
        client.wait_for_response(conv.conversation_id, created.response_id, deadline=0.3, initial_interval=0.02, max_interval=0.05)
    assert info.value.response_id == created.response_id
    assert info.value.response is not None and not info.value.response.is_terminal


def test_wait_cancel_from_another_thread(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=30000)
    conv = client.create_conversation()
    token = moveworks.CancelToken()
    seen = threading.Event()

    def on_update(r: moveworks.Response) -> None:
        seen.set()

    def canceller() -> None:
        seen.wait(10)
        token.cancel()

    t = threading.Thread(target=canceller)
    t.start()
    with pytest.raises(moveworks.WaitCancelledError) as info:
        client.create_response_and_wait(conv.conversation_id, "slow", deadline=60, on_update=on_update, cancel=token)
    t.join()
    assert token.is_cancelled() and info.value.kind == "cancelled"
    assert "cancelled=True" in repr(token)


def test_wait_callback_sees_each_change(sim: Simulator, client: moveworks.Client) -> None:
    # IN_PROGRESS lasts from 1/3 to the end of the duration: many polls wide.
    sim.config(response_duration_ms=900)
    conv = client.create_conversation()
    statuses: List[str] = []
    done = client.create_response_and_wait(
        conv.conversation_id, "progress please", on_update=lambda r: statuses.append(r.status.value), **FAST
    )
    assert statuses[0] == "CREATED" and statuses[-1] == "COMPLETED"
    assert "IN_PROGRESS" in statuses
    assert done.status.value == statuses[-1]


class Boom(Exception):
    pass


def test_wait_callback_exception_propagates(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=5000)
    conv = client.create_conversation()

    def explode(r: moveworks.Response) -> None:
        raise Boom(r.response_id)

    with pytest.raises(Boom):
        client.create_response_and_wait(conv.conversation_id, "hi", on_update=explode, **FAST)


def test_wait_callback_returning_false_stops(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=5000)
    conv = client.create_conversation()
    with pytest.raises(moveworks.WaitCancelledError):
        client.create_response_and_wait(conv.conversation_id, "hi", on_update=lambda r: False, **FAST)


def test_client_construction_and_options(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with sim.client(timeout=5, connect_timeout=2, deadline=20, max_retries=1, max_idle_connections=4, max_response_bytes=1 << 20) as c:
        assert c.base_url.startswith(sim.base_url)
        assert "python/3." in c.user_agent
        assert "Client(" in repr(c)
        assert c.create_conversation("x").title == "x"
    ua = [r["user_agent"] for r in sim.requests("POST", "/conversations")]
    assert ua and all("python/3." in u for u in ua)
    monkeypatch.setenv("MOVEWORKS_BASE_URL", sim.base_url)
    monkeypatch.setenv("MOVEWORKS_ASSISTANT_NAME", sim.assistant_name)
    monkeypatch.setenv("MOVEWORKS_TOKEN", sim.token)
    env_client = moveworks.Client.from_env()
    assert [c.title for c in env_client.list_conversations()] == ["x"]
    monkeypatch.delenv("MOVEWORKS_TOKEN")
    monkeypatch.setenv("MOVEWORKS_CLIENT_ID", sim.client_id)
    monkeypatch.setenv("MOVEWORKS_CLIENT_SECRET", sim.client_secret)
    monkeypatch.setenv("MOVEWORKS_TOKEN_URL", sim.token_url)
    assert len(moveworks.Client.from_env(max_retries=0).list_conversations()) == 1
    assert sim.requests("POST", "/oauth/v1/token")
    monkeypatch.delenv("MOVEWORKS_ASSISTANT_NAME")
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        moveworks.Client.from_env()
    assert info.value.argument == "MOVEWORKS_ASSISTANT_NAME"


def test_with_options_overrides_retries(sim: Simulator, client: moveworks.Client) -> None:
    sim.faults({"kind": "status", "status": 503, "method": "GET", "retry_after_ms": 5})
    with pytest.raises(moveworks.InternalServerError):
        client.with_options(max_retries=0).list_conversations()
    assert len(client.list_conversations()) == 0


def test_one_client_shared_by_threads(sim: Simulator, client: moveworks.Client) -> None:
    errors: List[BaseException] = []

    def work(i: int) -> None:
        try:
            conv = client.create_conversation(f"t{i}")
            assert client.get_conversation(conv.conversation_id).title == f"t{i}"
        except BaseException as e:  # noqa: BLE001 - collected for the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(c.title or "" for c in client.iter_conversations()) == sorted(f"t{i}" for i in range(8))


def _in_flight(sim: Simulator, path_contains: str) -> bool:
    return any(r["status"] is None for r in sim.requests("GET", path_contains))


def test_gil_released_during_blocking_call(sim: Simulator, client: moveworks.Client) -> None:
    """Another Python thread runs while a request is in flight (it can only see it in flight then)."""
    conv = client.create_conversation("slow")
    sim.faults({"kind": "delay", "ms": 1500, "method": "GET", "path_contains": conv.conversation_id})
    observed = threading.Event()
    finished = threading.Event()

    def watcher() -> None:
        while not finished.is_set() and not observed.is_set():
            if _in_flight(sim, conv.conversation_id):
                observed.set()

    t = threading.Thread(target=watcher)
    t.start()
    try:
        assert client.get_conversation(conv.conversation_id).title == "slow"
        seen_during_call = observed.is_set()
    finally:
        finished.set()
        t.join()
    assert seen_during_call, "no other Python thread ran while the request was in flight"


def test_gil_released_between_polls(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=800)
    conv = client.create_conversation()
    ticks_during_wait: List[str] = []
    waiting = threading.Event()
    finished = threading.Event()

    def ticker() -> None:
        waiting.wait(10)
        while not finished.is_set():
            ticks_during_wait.append("tick")
            finished.wait(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    statuses: List[str] = []

    def on_update(r: moveworks.Response) -> None:
        statuses.append(r.status.value)
        waiting.set()
        # The ticker must have run between the first update and a later one.
        if r.status == moveworks.ResponseStatus.COMPLETED:
            statuses.append(f"ticks:{len(ticks_during_wait)}")

    try:
        client.create_response_and_wait(conv.conversation_id, "q", deadline=10, initial_interval=0.05, max_interval=0.1, on_update=on_update)
    finally:
        finished.set()
        t.join()
    assert statuses[-1] != "ticks:0", "no other Python thread ran between polls"


# Python leaves SIGINT ignored when its parent ignored it (as a shell does for background jobs,
# e.g. a CI runner started with `nohup ... &`), so the child restores the handler a terminal gives.
CTRL_C_SCRIPT = """
import signal, sys, moveworks
signal.signal(signal.SIGINT, signal.default_int_handler)
c = moveworks.Client(base_url=sys.argv[1], assistant_name=sys.argv[2], token=sys.argv[3])
conv = c.create_conversation()
def on_update(r):
    print("waiting", flush=True)
try:
    c.create_response_and_wait(conv.conversation_id, "slow", deadline=60, on_update=on_update)
    print("finished")
except KeyboardInterrupt:
    print("interrupted", flush=True)
except moveworks.MoveworksError as e:
    print("error", e.kind)
"""


def test_ctrl_c_interrupts_wait(sim: Simulator) -> None:
    sim.config(response_duration_ms=120000)
    proc = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_SCRIPT, sim.base_url, sim.assistant_name, sim.token],
        stdout=subprocess.PIPE,
        text=True,
        # Not the source tree, whose moveworks/ has no compiled module.
        cwd=tempfile.gettempdir(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "waiting"
    proc.send_signal(signal.SIGINT)
    # Bounded only so a broken build fails instead of hanging for the 60 s deadline.
    out, _ = proc.communicate(timeout=30)
    assert out.strip() == "interrupted" and proc.returncode == 0


def test_signal_handlers_untouched_in_threads(sim: Simulator, client: moveworks.Client) -> None:
    """check_signals is a no-op off the main thread: a wait in a thread completes normally."""
    sim.config(response_duration_ms=60)
    conv = client.create_conversation()
    result: List[moveworks.Response] = []
    t = threading.Thread(target=lambda: result.append(client.create_response_and_wait(conv.conversation_id, "hi", **FAST)))
    t.start()
    t.join()
    assert result and result[0].status == "COMPLETED"
    assert os.getpid() > 0


def test_close_releases_the_client(sim: Simulator) -> None:
    """close() (and leaving a `with` block) ends the client: later calls raise
    InvalidArgumentError naming the client, and send nothing."""
    with sim.client() as client:
        conversation = client.create_conversation("closing")
        copy = client.with_options(max_retries=0)
    before = len(sim.requests())
    for c in (client, copy):
        with pytest.raises(moveworks.InvalidArgumentError) as info:
            c.get_conversation(conversation.conversation_id)
        assert info.value.argument == "client"
    other = sim.client()
    other.close()
    other.close()  # idempotent
    with pytest.raises(moveworks.InvalidArgumentError):
        other.list_conversations()
    assert len(sim.requests()) == before


def test_async_close_releases_the_client(sim: Simulator) -> None:
    async def main() -> None:
        async with sim.async_client() as client:
            await client.create_conversation("closing")
        before = len(sim.requests())
        with pytest.raises(moveworks.InvalidArgumentError):
            await client.list_conversations()
        assert len(sim.requests()) == before

    asyncio.run(main())
