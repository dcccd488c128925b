"""Streamed turns against the simulator: Client.stream_response (iterator, context
manager, close from another thread, Ctrl-C), stream_response_and_wait, and the
AsyncClient forms (async for, task cancellation)."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, List, Set

import pytest

import moveworks
from conftest import Simulator

FAST: Dict[str, Any] = {"deadline": 20.0, "initial_interval": 0.02, "max_interval": 0.1}
QUESTION = "Who does John Doe report to?"


def stream_posts(sim: Simulator) -> int:
    return len(sim.requests("POST", "/responses"))


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# ---- sync -----------------------------------------------------------------------------------------


def test_events_in_order_end_with_the_response_get_response_returns(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=150)
    conv = client.create_conversation("Streaming")
    stream = client.stream_response(conv.conversation_id, QUESTION, **FAST)
    assert isinstance(stream, moveworks.ResponseStream)
    assert stream.request_id, "the streaming request's x-moveworks-root-uuid"
    events = list(stream)

    first, last = events[0], events[-1]
    assert isinstance(first, moveworks.ResponseCreated) and first.event == "RESPONSE_CREATED"
    assert first.response_id.startswith("resp_") and stream.response_id == first.response_id
    assert isinstance(last, moveworks.ResponseCompleted) and last.event == "RESPONSE_COMPLETED"
    assert last.status == moveworks.ResponseStatus.COMPLETED
    deltas = [e for e in events if isinstance(e, moveworks.ResponseOutputDelta)]
    assert deltas and all(d.event == "RESPONSE_OUTPUT_DELTA" for d in deltas)
    assert all(isinstance(d.output, moveworks.OutputItem) and d.output_type == d.output.type for d in deltas)
    assert all(not isinstance(e, moveworks.ResponseCompleted) for e in events[:-1])

    final = client.get_response(conv.conversation_id, first.response_id)
    assert last.response == final and stream.response == final and stream.finish() == final
    assert final.status == "COMPLETED" and final.assistant_text()
    # The message is sent once, to the streaming route.
    assert stream_posts(sim) == 1 and len(sim.requests("POST", "/responses/stream")) == 1
    # Iterating a finished stream stops at once.
    assert list(stream) == []


def test_events_serialize_with_the_cores_serializer(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=100)
    conv = client.create_conversation()
    events = list(client.stream_response(conv.conversation_id, QUESTION, **FAST))
    for e in events:
        d = e.to_dict()
        assert d["event"] == e.event and json.loads(e.to_json()) == d
    created = events[0]
    assert isinstance(created, moveworks.ResponseCreated)
    assert created.to_dict()["response_id"] == created.response_id
    completed = events[-1]
    assert isinstance(completed, moveworks.ResponseCompleted) and completed.response is not None
    assert completed.to_dict()["response"] == completed.response.to_dict()
    assert created.response is not None and created.to_dict()["response"] == created.response.to_dict()
    delta = next(e for e in events if isinstance(e, moveworks.ResponseOutputDelta))
    assert delta.to_dict()["output"] == delta.output.to_dict()
    assert delta.to_dict()["sequence_number"] == delta.sequence_number is not None
    assert repr(delta).startswith("ResponseOutputDelta(sequence_number=") and "output=OutputItem(" in repr(delta)
    assert repr(created).startswith("ResponseCreated(sequence_number=1, response_id='resp_")
    assert events == list(events) and events[0] != events[-1]


def test_drop_mid_stream_finishes_by_polling_without_resending(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=300)
    conv = client.create_conversation()
    sim.faults({"kind": "stream_drop", "after_events": 2})
    stream = client.stream_response(conv.conversation_id, QUESTION, **FAST)
    events = list(stream)
    assert isinstance(events[0], moveworks.ResponseCreated)
    last = events[-1]
    assert isinstance(last, moveworks.ResponseCompleted) and last.response is not None
    assert last.response == client.get_response(conv.conversation_id, last.response.response_id)
    assert stream.response == last.response
    assert stream_posts(sim) == 1, sim.requests("POST")
    assert sim.requests("GET", last.response.response_id), "the fallback polled get response"


def test_close_from_another_thread_interrupts_a_stalled_stream(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=150)
    conv = client.create_conversation()
    sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 20000})
    stream = client.stream_response(conv.conversation_id, "hi", idle_timeout=30, **FAST)
    first = next(stream)
    assert isinstance(first, moveworks.ResponseCreated)
    timer = threading.Timer(0.3, stream.close)
    timer.start()
    started = time.monotonic()
    with pytest.raises(moveworks.WaitCancelledError) as info:
        next(stream)
    assert time.monotonic() - started < 5, "the blocked read was not interrupted"
    assert info.value.kind == "cancelled" and info.value.response_id == first.response_id
    timer.join()
    assert list(stream) == [] and stream.response is None
    with pytest.raises(moveworks.WaitCancelledError):
        stream.finish()
    assert stream_posts(sim) == 1


def test_unknown_events_arrive_as_unknown_events(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=150)
    conv = client.create_conversation()
    sim.faults({"kind": "stream_unknown_event", "after_events": 2, "event": "RESPONSE_AUDIT", "data": '{"x": 1}'})
    events = list(client.stream_response(conv.conversation_id, "hi", **FAST))
    unknown = [e for e in events if isinstance(e, moveworks.UnknownStreamEvent)]
    assert len(unknown) == 1
    assert unknown[0].event == "RESPONSE_AUDIT" and unknown[0].data == '{"x": 1}'
    assert unknown[0].sequence_number is None, "its data carries no sequence_number"
    assert unknown[0].to_dict() == {"event": "RESPONSE_AUDIT", "sequence_number": None, "data": '{"x": 1}'}
    assert isinstance(events[-1], moveworks.ResponseCompleted)


def test_errors_before_the_stream_starts_are_typed_api_errors(sim: Simulator, client: moveworks.Client) -> None:
    with pytest.raises(moveworks.NotFoundError) as info:
        client.stream_response("conv_00000000000000000000000000", "hi")
    assert info.value.status == 404 and isinstance(info.value, moveworks.APIStatusError)
    sim.reset()
    conv = client.create_conversation()
    sim.faults({"kind": "status", "status": 500, "path_contains": "/responses/stream"})
    with pytest.raises(moveworks.InternalServerError) as failed:
        client.stream_response(conv.conversation_id, "hi", **FAST)
    assert failed.value.status == 500
    assert len(sim.requests("POST", "/responses/stream")) == 1, "a POST that reached the server is not repeated"
    with pytest.raises(moveworks.InvalidArgumentError) as bad:
        client.stream_response(conv.conversation_id, "hi", idle_timeout=0)
    assert bad.value.argument == "idle_timeout"
    with pytest.raises(moveworks.InvalidArgumentError):
        client.stream_response(conv.conversation_id, "hi", deadline=-1)


def test_a_failed_turn_raises_response_failed(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=100)
    conv = client.create_conversation()
    stream = client.stream_response(conv.conversation_id, "[fail] please break", **FAST)
    seen: List[str] = []
    with pytest.raises(moveworks.ResponseFailedError) as info:
        for event in stream:
            seen.append(event.event)
    assert seen[0] == "RESPONSE_CREATED"
    assert info.value.response_id and info.value.response_id == stream.response_id
    assert stream.response is None
    with pytest.raises(moveworks.ResponseFailedError):
        stream.finish()


def test_with_block_closes_the_stream(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=2000)
    conv = client.create_conversation()
    with client.stream_response(conv.conversation_id, "hi", **FAST) as stream:
        for event in stream:
            assert isinstance(event, moveworks.ResponseCreated)
            break
    # Closed: no more events, and the turn ended as cancelled (naming the response).
    assert list(stream) == [] and stream.response is None
    with pytest.raises(moveworks.WaitCancelledError) as info:
        stream.finish()
    assert info.value.response_id == stream.response_id
    stream.close()  # idempotent


def test_abandoned_streams_release_their_connections(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=5000)
    conv = client.create_conversation()

    def abandon(n: int) -> None:
        for _ in range(n):
            for event in client.stream_response(conv.conversation_id, "hi", **FAST):
                assert isinstance(event, moveworks.ResponseCreated)
                break  # the stream object is dropped here, mid-body

    abandon(5)
    gc.collect()
    before = open_fds()
    abandon(200)
    gc.collect()
    after = open_fds()
    assert after <= before + 5, f"file descriptors grew from {before} to {after}: streams leak connections"
    assert len(sim.requests("POST", "/responses/stream")) == 205


def test_stream_response_and_wait(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=150)
    conv = client.create_conversation()
    seen: List[moveworks.StreamEvent] = []
    threads: Set[int] = set()

    def collect(event: moveworks.StreamEvent) -> None:
        threads.add(threading.get_ident())
        seen.append(event)

    response = client.stream_response_and_wait(conv.conversation_id, QUESTION, on_event=collect, **FAST)
    assert threads == {threading.get_ident()}, "on_event runs on the calling thread"
    assert isinstance(seen[0], moveworks.ResponseCreated) and isinstance(seen[-1], moveworks.ResponseCompleted)
    assert seen[-1].response == response == client.get_response(conv.conversation_id, response.response_id)
    assert client.stream_response_and_wait(conv.conversation_id, "hi", **FAST).status == "COMPLETED"

    class Stop(Exception):
        pass

    def explode(event: moveworks.StreamEvent) -> None:
        if isinstance(event, moveworks.ResponseOutputDelta):
            raise Stop("from the callback")

    with pytest.raises(Stop):
        client.stream_response_and_wait(conv.conversation_id, "hi", on_event=explode, **FAST)
    with pytest.raises(moveworks.WaitCancelledError) as info:
        client.stream_response_and_wait(conv.conversation_id, "hi", on_event=lambda e: False, **FAST)
    assert info.value.response_id
    with pytest.raises(moveworks.ResponseFailedError):
        client.stream_response_and_wait(conv.conversation_id, "[fail] x", **FAST)
    cancelled = moveworks.CancelToken()
    cancelled.cancel()
    posts = stream_posts(sim)
    with pytest.raises(moveworks.WaitCancelledError):
        client.stream_response_and_wait(conv.conversation_id, "hi", cancel=cancelled, **FAST)
    assert stream_posts(sim) == posts, "a cancelled token stops the turn before the message is sent"
    with pytest.raises(TypeError):
        client.stream_response_and_wait(conv.conversation_id, "hi", on_event=42)  # type: ignore[arg-type]


def test_stream_response_and_wait_cancel_token(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=150)
    conv = client.create_conversation()
    sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 20000})
    token = moveworks.CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(moveworks.WaitCancelledError):
        client.stream_response_and_wait(conv.conversation_id, "hi", cancel=token, **FAST)
    assert time.monotonic() - started < 5


# Python leaves SIGINT ignored when its parent ignored it; the child restores the usual handler.
CTRL_C_SCRIPT = """
import signal, sys, moveworks
signal.signal(signal.SIGINT, signal.default_int_handler)
c = moveworks.Client(base_url=sys.argv[1], assistant_name=sys.argv[2], token=sys.argv[3])
conv = c.create_conversation()
try:
    for event in c.stream_response(conv.conversation_id, "hi", idle_timeout=60, deadline=60):
        print(event.event, flush=True)
    print("finished")
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_ctrl_c_interrupts_a_blocked_iteration(sim: Simulator) -> None:
    sim.config(response_duration_ms=150)
    sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 60000})
    proc = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_SCRIPT, sim.base_url, sim.assistant_name, sim.token],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "RESPONSE_CREATED"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert out.strip() == "interrupted" and proc.returncode == 0


def test_a_blocked_step_releases_the_gil(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=100)
    conv = client.create_conversation()
    sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 1000})
    ticks: List[float] = []
    done = threading.Event()

    def tick() -> None:
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    stream = client.stream_response(conv.conversation_id, "hi", **FAST)
    next(stream)
    t = threading.Thread(target=tick)
    t.start()
    try:
        names = [e.event for e in stream]
    finally:
        done.set()
        t.join()
    assert names[-1] == "RESPONSE_COMPLETED"
    assert len(ticks) > 5, "no other Python thread ran while the stream was blocked"


def test_iteration_in_a_thread(sim: Simulator, client: moveworks.Client) -> None:
    """Off the main thread the step runs on the calling thread (no signal checks); it still works."""
    sim.config(response_duration_ms=100)
    conv = client.create_conversation()
    names: List[str] = []
    t = threading.Thread(target=lambda: names.extend(e.event for e in client.stream_response(conv.conversation_id, "hi", **FAST)))
    t.start()
    t.join(30)
    assert names[0] == "RESPONSE_CREATED" and names[-1] == "RESPONSE_COMPLETED"


def test_published_event_names_with_increasing_sequence_numbers(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=150)
    conv = client.create_conversation()
    stream = client.stream_response(conv.conversation_id, QUESTION, **FAST)
    events = list(stream)
    names = [e.event for e in events]
    assert names[0] == "RESPONSE_CREATED" and names[-1] == "RESPONSE_COMPLETED"
    assert set(names) == {"RESPONSE_CREATED", "RESPONSE_IN_PROGRESS", "RESPONSE_OUTPUT_DELTA", "RESPONSE_COMPLETED"}
    numbers = [e.sequence_number for e in events]
    assert numbers[0] == 1 and all(isinstance(n, int) for n in numbers), numbers
    assert all(a < b for a, b in zip(numbers, numbers[1:])), f"not increasing: {numbers}"
    # The response events carry the whole response, at its status of the moment.
    created, completed = events[0], events[-1]
    assert isinstance(created, moveworks.ResponseCreated) and created.response is not None
    assert created.response.response_id == created.response_id and created.response.status == "CREATED"
    progress = [e for e in events if isinstance(e, moveworks.ResponseInProgress)]
    assert progress and all(p.response is not None and p.response.status == "IN_PROGRESS" for p in progress)
    assert isinstance(completed, moveworks.ResponseCompleted) and completed.response is not None
    assert completed.response.status == "COMPLETED" and completed.response.assistant_text()
    # The turn ends with the response RESPONSE_COMPLETED carried: no extra GET.
    assert sim.requests("GET", created.response_id) == []
    assert completed.response.request_id == stream.request_id
    # The deprecated alias is the same class, and every event is in the StreamEvent union.
    assert moveworks.OutputDelta is moveworks.ResponseOutputDelta
    union = moveworks.StreamEvent.__args__  # type: ignore[attr-defined]
    assert all(isinstance(e, union) for e in events)
    assert set(union) == {
        moveworks.ResponseCreated,
        moveworks.ResponseInProgress,
        moveworks.ResponseOutputDelta,
        moveworks.ResponseCompleted,
        moveworks.ResponseFailed,
        moveworks.ErrorEvent,
        moveworks.UnknownStreamEvent,
    }


def test_response_failed_event_then_the_response_failed_error(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=100)
    conv = client.create_conversation()
    sim.faults({"kind": "response_failed"})
    stream = client.stream_response(conv.conversation_id, QUESTION, **FAST)
    seen: List[moveworks.StreamEvent] = []
    with pytest.raises(moveworks.ResponseFailedError) as info:
        for event in stream:
            seen.append(event)
    failed = seen[-1]
    assert isinstance(failed, moveworks.ResponseFailed) and failed.event == "RESPONSE_FAILED"
    assert not any(isinstance(e, moveworks.ResponseCompleted) for e in seen)
    assert failed.sequence_number is not None and failed.response_id == stream.response_id
    assert failed.response is not None and failed.response.status == "FAILED" and failed.response.error is not None
    assert failed.to_dict()["response"] == failed.response.to_dict()
    assert repr(failed).startswith("ResponseFailed(sequence_number=")
    err = info.value
    assert err.kind == "response_failed" and err.response_id == failed.response_id
    assert err.response == failed.response and stream.response is None
    with pytest.raises(moveworks.ResponseFailedError):
        stream.finish()
    assert stream_posts(sim) == 1


def test_error_event_mid_stream_finishes_by_polling(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=300)
    conv = client.create_conversation()
    sim.faults({"kind": "stream_error", "after_events": 2})
    stream = client.stream_response(conv.conversation_id, QUESTION, **FAST)
    events = list(stream)
    errors = [e for e in events if isinstance(e, moveworks.ErrorEvent)]
    assert len(errors) == 1, [e.event for e in events]
    error = errors[0]
    assert error.event == "ERROR" and error.code == "INTERNAL_ERROR" and error.message
    assert error.sequence_number == 3 and [e.sequence_number for e in events[:3]] == [1, 2, 3]
    assert error.to_dict() == {
        "event": "ERROR",
        "sequence_number": 3,
        "error": {"code": "INTERNAL_ERROR", "message": error.message},
    }
    assert repr(error) == f"ErrorEvent(sequence_number=3, code='INTERNAL_ERROR', message={error.message!r})"
    # The turn was finished by polling: what grew arrives as unsequenced deltas, then the response.
    after = events[events.index(error) + 1 :]
    deltas = [e for e in after if isinstance(e, moveworks.ResponseOutputDelta)]
    assert deltas and all(d.sequence_number is None for d in deltas)
    last = events[-1]
    assert isinstance(last, moveworks.ResponseCompleted) and last.response is not None
    assert last.response.status == "COMPLETED" and last.response.assistant_text()
    assert stream.response == last.response == client.get_response(conv.conversation_id, last.response.response_id)
    assert stream_posts(sim) == 1, "the message is never sent again"


def test_error_event_before_the_response_id_is_a_typed_error(sim: Simulator, client: moveworks.Client) -> None:
    conv = client.create_conversation()
    sim.faults({"kind": "stream_error", "after_events": 0, "code": "RATE_LIMIT_EXCEEDED", "message": "slow down"})
    seen: List[moveworks.StreamEvent] = []
    with pytest.raises(moveworks.RateLimitError) as info:
        for event in client.stream_response(conv.conversation_id, "hi", **FAST):
            seen.append(event)
    assert [e.event for e in seen] == ["ERROR"]
    assert info.value.code == "RATE_LIMIT_EXCEEDED" and "slow down" in str(info.value)
    assert stream_posts(sim) == 1


def test_handoff_completes_without_outputs(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=100)
    conv = client.create_conversation()
    sim.faults({"kind": "handoff"})
    stream = client.stream_response(conv.conversation_id, "I need a human", **FAST)
    events = list(stream)
    assert [e.event for e in events] == ["RESPONSE_CREATED", "RESPONSE_COMPLETED"]
    last = events[-1]
    assert isinstance(last, moveworks.ResponseCompleted) and last.response is not None
    assert last.status == moveworks.ResponseStatus.COMPLETED and last.response.outputs == []
    assert last.response.assistant_text() is None and stream.finish() == last.response
    sim.faults({"kind": "handoff"})
    done = client.stream_response_and_wait(conv.conversation_id, "again", **FAST)
    assert done.status == "COMPLETED" and done.outputs == []


# ---- async ----------------------------------------------------------------------------------------


def test_async_for_ends_with_the_final_response(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=150)

    async def main() -> None:
        conv = await aclient.create_conversation()
        stream = aclient.stream_response(conv.conversation_id, QUESTION, **FAST)
        assert stream.response is None and stream_posts(sim) == 0, "nothing is sent before the iteration starts"
        events = [e async for e in stream]
        assert isinstance(events[0], moveworks.ResponseCreated)
        last = events[-1]
        assert isinstance(last, moveworks.ResponseCompleted)
        final = await aclient.get_response(conv.conversation_id, events[0].response_id)
        assert last.response == final and stream.response == final and await stream.finish() == final
        assert stream.response_id == final.response_id and stream.request_id
        assert any(isinstance(e, moveworks.ResponseOutputDelta) for e in events)

    asyncio.run(main())
    assert stream_posts(sim) == 1


def test_async_drop_unknown_and_errors(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=200)

    async def main() -> None:
        conv = await aclient.create_conversation()
        sim.faults({"kind": "stream_drop", "after_events": 2})
        async with aclient.stream_response(conv.conversation_id, QUESTION, **FAST) as stream:
            events = [e async for e in stream]
        last = events[-1]
        assert isinstance(last, moveworks.ResponseCompleted) and last.response is not None
        assert last.response == await aclient.get_response(conv.conversation_id, last.response.response_id)
        assert stream_posts(sim) == 1

        sim.faults({"kind": "stream_unknown_event", "after_events": 1, "event": "RESPONSE_AUDIT", "data": "x"})
        names = [e.event async for e in aclient.stream_response(conv.conversation_id, "hi", **FAST)]
        assert "RESPONSE_AUDIT" in names and names[-1] == "RESPONSE_COMPLETED"

        with pytest.raises(moveworks.NotFoundError):
            async for _ in aclient.stream_response("conv_00000000000000000000000000", "hi"):
                pass
        with pytest.raises(moveworks.ResponseFailedError) as info:
            async for _ in aclient.stream_response(conv.conversation_id, "[fail] x", **FAST):
                pass
        assert info.value.response_id

    asyncio.run(main())


def test_cancelling_the_awaiting_task_keeps_the_stream(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=150)

    async def main() -> None:
        conv = await aclient.create_conversation()
        # Silent for 1 s after the first event, then the connection closes (the turn is
        # finished by polling).
        sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 1000})
        stream = aclient.stream_response(conv.conversation_id, QUESTION, idle_timeout=30, **FAST)
        first = await stream.__anext__()
        assert isinstance(first, moveworks.ResponseCreated)
        # The stream is stalled: the timeout cancels the awaiting step, not the turn.
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(stream.__anext__(), 0.3)
        rest = [e async for e in stream]
        assert rest and not any(isinstance(e, moveworks.ResponseCreated) for e in rest)
        assert any(isinstance(e, moveworks.ResponseOutputDelta) for e in rest)
        last = rest[-1]
        assert isinstance(last, moveworks.ResponseCompleted) and stream.response == last.response
        assert last.response == await aclient.get_response(conv.conversation_id, first.response_id)

    asyncio.run(main())
    assert stream_posts(sim) == 1


def test_closing_ends_a_step_in_progress(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=150)

    async def main() -> None:
        conv = await aclient.create_conversation()
        sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 20000})
        stream = aclient.stream_response(conv.conversation_id, "hi", idle_timeout=30, **FAST)
        seen: List[str] = []
        first = asyncio.Event()

        async def consume() -> None:
            async for event in stream:
                seen.append(event.event)
                first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 10)
        await stream.aclose()
        # The step waiting in the task raises (well before the 20 s stall would end).
        with pytest.raises(moveworks.WaitCancelledError) as info:
            await asyncio.wait_for(task, 10)
        assert seen == ["RESPONSE_CREATED"] and info.value.response_id == stream.response_id
        with pytest.raises(moveworks.WaitCancelledError):
            await stream.final_response()
        assert [e async for e in stream] == []

    asyncio.run(main())
    assert stream_posts(sim) == 1


def test_async_aclose_and_early_exit(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=2000)

    async def main() -> None:
        conv = await aclient.create_conversation()
        async with aclient.stream_response(conv.conversation_id, "hi", **FAST) as stream:
            async for event in stream:
                assert isinstance(event, moveworks.ResponseCreated)
                break
        assert [e async for e in stream] == [] and stream.response is None

        other = aclient.stream_response(conv.conversation_id, "hi", **FAST)
        first = await other.__anext__()
        assert isinstance(first, moveworks.ResponseCreated)
        await other.aclose()
        with pytest.raises(moveworks.WaitCancelledError):
            await other.finish()

        # Abandoned async streams release their connections too.
        for _ in range(5):
            async for _e in aclient.stream_response(conv.conversation_id, "hi", **FAST):
                break
        gc.collect()
        await asyncio.sleep(0.2)
        before = open_fds()
        for _ in range(100):
            async for _e in aclient.stream_response(conv.conversation_id, "hi", **FAST):
                break
        gc.collect()
        await asyncio.sleep(0.2)
        assert open_fds() <= before + 5

    asyncio.run(main())


def test_async_stream_response_and_wait(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=150)

    async def main() -> None:
        conv = await aclient.create_conversation()
        seen: List[moveworks.StreamEvent] = []
        response = await aclient.stream_response_and_wait(conv.conversation_id, QUESTION, on_event=seen.append, **FAST)
        assert isinstance(seen[-1], moveworks.ResponseCompleted) and seen[-1].response == response
        assert response == await aclient.get_response(conv.conversation_id, response.response_id)

        def explode(event: moveworks.StreamEvent) -> None:
            raise ValueError("from the callback")

        with pytest.raises(ValueError, match="from the callback"):
            await aclient.stream_response_and_wait(conv.conversation_id, "hi", on_event=explode, **FAST)

        sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 20000})
        token = moveworks.CancelToken()
        asyncio.get_running_loop().call_later(0.3, token.cancel)
        started = time.monotonic()
        with pytest.raises(moveworks.WaitCancelledError):
            await aclient.stream_response_and_wait(conv.conversation_id, "hi", cancel=token, **FAST)
        assert time.monotonic() - started < 5

    asyncio.run(main())


NARROWING = """
import asyncio
from typing import Optional
from typing_extensions import assert_never
import moveworks

def describe(event: moveworks.StreamEvent) -> str:
    match event:
        case moveworks.ResponseOutputDelta(output=output):
            return output.type
        case moveworks.ResponseCompleted(response=response):
            return response.response_id if response else ""
        case moveworks.ResponseFailed(response=response):
            return response.error.code if response and response.error else ""
        case moveworks.ErrorEvent(code=code, message=message):
            return code + message
        case moveworks.ResponseCreated() | moveworks.ResponseInProgress():
            return event.event
        case moveworks.UnknownStreamEvent():
            return event.data
        case _:
            assert_never(event)

def sequence(event: moveworks.StreamEvent) -> Optional[int]:
    return event.sequence_number

def first_text(client: moveworks.Client) -> str:
    for event in client.stream_response("conv", "hi"):
        if isinstance(event, moveworks.ResponseOutputDelta) and event.output.message:
            return event.output.message.text
    return ""

async def async_stream(client: moveworks.AsyncClient, queue: "asyncio.Queue[moveworks.StreamEvent]") -> str:
    # AsyncClient and its stream are typed: no cast under --strict.
    stream: moveworks.AsyncResponseStream = client.stream_response("conv", "hi")
    async for event in stream:
        if isinstance(event, moveworks.ResponseOutputDelta) and event.output.message:
            print(event.output.message.text)
    final: moveworks.Response = await stream.final_response()
    async with client.stream_response("conv", "hi") as again:
        await again.aclose()
    other = await client.stream_response_and_wait("conv", "hi", on_event=queue.put_nowait)
    return final.response_id + other.response_id + (stream.response_id or "")

def deprecated_alias(event: moveworks.StreamEvent) -> str:
    # OutputDelta is the same class as ResponseOutputDelta.
    if isinstance(event, moveworks.OutputDelta):
        return event.output_type
    return ""
"""


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match needs Python 3.10")
def test_event_classes_narrow_under_mypy_strict(tmp_path: Any) -> None:
    pytest.importorskip("mypy")
    source = tmp_path / "narrowing.py"
    source.write_text(NARROWING, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(source)],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_final_response_after_the_loop_without_it_and_on_failure(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=100)
    conv = client.create_conversation()
    stream = client.stream_response(conv.conversation_id, QUESTION, **FAST)
    events = list(stream)
    final: moveworks.Response = stream.final_response()
    assert final == stream.response and final.status == moveworks.ResponseStatus.COMPLETED
    last = events[-1]
    assert isinstance(last, moveworks.ResponseCompleted) and last.response == final
    assert stream.final_response() == final, "callable more than once"
    # Without the loop: the rest of the stream is read first.
    stream = client.stream_response(conv.conversation_id, QUESTION, **FAST)
    assert next(stream).event == "RESPONSE_CREATED"
    final = stream.final_response()
    assert final.status == moveworks.ResponseStatus.COMPLETED and final.response_id == stream.response_id
    with pytest.raises(StopIteration):
        next(stream)
    # A failed turn: the loop raises, and so does final_response(), every time.
    stream = client.stream_response(conv.conversation_id, "[fail] x", **FAST)
    with pytest.raises(moveworks.ResponseFailedError):
        for _ in stream:
            pass
    for _ in range(2):
        with pytest.raises(moveworks.ResponseFailedError):
            stream.final_response()
    assert stream.response is None
    # A closed stream: cancelled.
    stream = client.stream_response(conv.conversation_id, QUESTION, **FAST)
    stream.close()
    with pytest.raises(moveworks.WaitCancelledError):
        stream.final_response()


def test_async_final_response(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=100)

    async def main() -> None:
        conv = await aclient.create_conversation()
        stream = aclient.stream_response(conv.conversation_id, QUESTION, **FAST)
        async for _ in stream:
            pass
        final: moveworks.Response = await stream.final_response()
        assert final == stream.response and final.status == moveworks.ResponseStatus.COMPLETED
        # Never iterated, not even opened: opens, reads everything, returns the response.
        stream = aclient.stream_response(conv.conversation_id, QUESTION, **FAST)
        final = await stream.final_response()
        assert final.status == moveworks.ResponseStatus.COMPLETED and final.response_id == stream.response_id
        assert [e async for e in stream] == []
        stream = aclient.stream_response(conv.conversation_id, "[fail] x", **FAST)
        with pytest.raises(moveworks.ResponseFailedError):
            await stream.final_response()
        with pytest.raises(moveworks.ResponseFailedError):
            await stream.final_response()

    asyncio.run(main())


# The main-thread loop over many events, counting the clone/clone3 system calls (issue #23:
# it used to start a thread per step so that Ctrl-C stayed live).
MANY_EVENTS_SCRIPT = """
import json, sys
from moveworks.testing import Sandbox
n = int(sys.argv[1])
with Sandbox(response_duration=0.05) as sb, sb.client() as client:
    # A real turn's MESSAGE delta and RESPONSE_COMPLETED, replayed n times by a raw answer.
    conv = client.create_conversation()
    real = [e.to_dict() for e in client.stream_response(conv.conversation_id, "hi")]
    delta = next(e for e in real if e["event"] == "RESPONSE_OUTPUT_DELTA" and e["output_type"] == "MESSAGE")
    for event in (delta, real[-1]):
        event.pop("sequence_number")  # none: identical deltas are then all delivered
    created = {"response_id": delta["response_id"]}
    events = ["event: RESPONSE_CREATED\\ndata: " + json.dumps(created) + "\\n\\n"]
    events += ["event: RESPONSE_OUTPUT_DELTA\\ndata: " + json.dumps(delta) + "\\n\\n"] * n
    events.append("event: RESPONSE_COMPLETED\\ndata: " + json.dumps(real[-1]) + "\\n\\n")
    sb.fault(kind="raw", status=200, body="".join(events), path_contains="/responses/stream",
             headers={"Content-Type": "text/event-stream"})
    count = sum(1 for _ in client.stream_response(conv.conversation_id, "hi", idle_timeout=60, deadline=60))
    print(count, flush=True)
"""


def clone_calls(strace_summary: str) -> int:
    calls = 0
    for line in strace_summary.splitlines():
        fields = line.split()
        if fields and fields[-1] in ("clone", "clone3") and len(fields) >= 5:
            calls += int(fields[3])
    return calls


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="strace")
def test_a_main_thread_stream_starts_no_thread_per_event() -> None:
    import shutil

    strace = shutil.which("strace")
    if strace is None:
        # python/test.sh installs it; under CI its absence is a failure, not a skip.
        assert not os.environ.get("CI"), "strace is not installed"
        pytest.skip("strace is not installed")
    n = 2000
    summary = os.path.join(tempfile.mkdtemp(), "strace.txt")
    proc = subprocess.run(
        [strace, "-f", "-c", "-o", summary, "-e", "trace=clone,clone3"]
        + [sys.executable, "-c", MANY_EVENTS_SCRIPT, str(n)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tempfile.gettempdir(),
    )
    if proc.returncode != 0 and "ptrace" in proc.stderr.lower():
        pytest.skip(f"strace cannot trace here: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(n + 2)
    with open(summary) as f:
        calls = clone_calls(f.read())
    # The sandbox's server and the client's pools start a few dozen threads at most; one
    # per step would be more than n.
    assert calls < 200, f"{calls} clone calls for {n + 2} events"
