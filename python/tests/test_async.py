"""AsyncClient: every method as a coroutine, async pagination, concurrency, cancellation."""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, List

import pytest

import moveworks
from conftest import Simulator

FAST: Dict[str, Any] = {"deadline": 20.0, "initial_interval": 0.02, "max_interval": 0.1}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_every_method(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=100)

    async def main() -> None:
        async with aclient as c:
            conv = await c.create_conversation("async")
            assert (await c.get_conversation(conv.conversation_id)) == conv
            updated = await c.update_conversation(conv.conversation_id, title="renamed", archived=False)
            assert updated.title == "renamed"
            page = await c.list_conversations(limit=10)
            assert [x.conversation_id for x in page] == [conv.conversation_id]
            created = await c.create_response(conv.conversation_id, "Who does John Doe report to?")
            fetched = await c.get_response(conv.conversation_id, created.response_id)
            assert fetched.response_id == created.response_id
            done = await c.wait_for_response(conv.conversation_id, created.response_id, **FAST)
            assert done.status == moveworks.ResponseStatus.COMPLETED
            again = await c.create_response_and_wait(conv.conversation_id, "more", **FAST)
            assert again.status == "COMPLETED"
            assert len(await c.list_events(conv.conversation_id)) == 0  # answers are not events
            sim.inject_event(conv.conversation_id, "Your request is done.", kind="async_response")
            sim.inject_event(conv.conversation_id, "Heads up")
            events = await c.list_events(conv.conversation_id)
            assert len(events) == 2
            assert [e.event_id async for e in c.iter_events(limit=1)] == [e.event_id for e in events]
            assert "AsyncClient(" in repr(c) and "python/3." in c.user_agent and c.base_url
            assert isinstance(c.sync_client, moveworks.Client)

    run(main())


def test_async_deprecated_event_bound_aliases(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    conv = aclient.sync_client.create_conversation()
    for text in ("one", "two", "three"):
        sim.inject_event(conv.conversation_id, text)

    async def main() -> None:
        first, second, third = (await aclient.list_events()).events
        with pytest.warns(DeprecationWarning, match="`start_event_id` is deprecated.*`starting_after`") as caught:
            after = await aclient.list_events(start_event_id=first.event_id)
        assert caught[0].filename == __file__, "the warning points at the caller's line"
        assert after == await aclient.list_events(starting_after=first.event_id)
        with pytest.warns(DeprecationWarning, match="`last_event_id` is deprecated.*`ending_at`") as caught:
            ids = [e.event_id async for e in aclient.iter_events(last_event_id=second.event_id, limit=1)]
        assert caught[0].filename == __file__
        assert ids == [first.event_id, second.event_id]
        with pytest.raises(moveworks.InvalidArgumentError) as info:
            await aclient.list_events(starting_after=first.event_id, start_event_id=third.event_id)
        assert info.value.argument == "starting_after" and "start_event_id" in str(info.value)
        with pytest.raises(moveworks.InvalidArgumentError) as info:
            [e async for e in aclient.iter_events(ending_at=first.event_id, last_event_id=first.event_id)]
        assert info.value.argument == "ending_at" and "last_event_id" in str(info.value)

    run(main())


def test_async_pagination(client: moveworks.Client, aclient: moveworks.AsyncClient) -> None:
    for i in range(5):
        client.create_conversation(f"c{i}")

    async def main() -> List[str]:
        return [c.title or "" async for c in aclient.iter_conversations(limit=2)]

    assert run(main()) == ["c4", "c3", "c2", "c1", "c0"]


def _threads() -> int:
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no thread count")


def test_hundred_concurrent_waits(sim: Simulator, client: moveworks.Client, aclient: moveworks.AsyncClient) -> None:
    """100 waits at once complete, and the process never holds a thread per wait."""
    sim.config(response_duration_ms=1500)
    conv = client.create_conversation("many")
    created = [client.create_response(conv.conversation_id, f"q{i}") for i in range(100)]
    peak = [0]

    async def sample(stop: asyncio.Event) -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _threads())
            await asyncio.sleep(0.02)

    async def main() -> List[moveworks.Response]:
        stop = asyncio.Event()
        sampler = asyncio.ensure_future(sample(stop))
        try:
            return list(
                await asyncio.gather(
                    *(aclient.wait_for_response(conv.conversation_id, r.response_id, deadline=30, initial_interval=0.05, max_interval=0.3) for r in created)
                )
            )
        finally:
            stop.set()
            await sampler

    done = run(main())
    assert [r.status.value for r in done] == ["COMPLETED"] * 100
    assert {r.response_id for r in done} == {r.response_id for r in created}
    assert peak[0] < 100, f"{peak[0]} threads for 100 waits"


def test_event_loop_not_blocked(sim: Simulator, client: moveworks.Client, aclient: moveworks.AsyncClient) -> None:
    """Another task runs while a request is in flight (it can only see it in flight then)."""
    conv = client.create_conversation("slow")
    sim.faults({"kind": "delay", "ms": 1500, "method": "GET", "path_contains": conv.conversation_id})

    async def main() -> bool:
        seen = asyncio.Event()

        async def watcher() -> None:
            while True:
                log = await asyncio.get_running_loop().run_in_executor(None, sim.requests, "GET", conv.conversation_id)
                if any(r["status"] is None for r in log):
                    seen.set()
                    return
                await asyncio.sleep(0.01)

        task = asyncio.ensure_future(watcher())
        result = await aclient.get_conversation(conv.conversation_id)
        observed = seen.is_set()
        task.cancel()
        assert result.title == "slow"
        return observed

    assert run(main()), "the event loop was blocked while the request was in flight"


def test_async_errors_and_polling_outcomes(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=100)

    async def main() -> None:
        with pytest.raises(moveworks.NotFoundError):
            await aclient.get_conversation("conv_missing")
        conv = await aclient.create_conversation()
        with pytest.raises(moveworks.ResponseFailedError) as failed:
            await aclient.create_response_and_wait(conv.conversation_id, "[fail] x", **FAST)
        assert failed.value.response is not None and failed.value.response.status == "FAILED"
        with pytest.raises(moveworks.InvalidArgumentError):
            await aclient.list_conversations(limit=0)
        with pytest.raises(moveworks.InvalidArgumentError):
            await aclient.wait_for_response(conv.conversation_id, "resp_x", deadline=0)

    run(main())


def test_async_deadline_cancel_and_callbacks(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=30000)

    class Boom(Exception):
        pass

    async def main() -> None:
        conv = await aclient.create_conversation()
        with pytest.raises(moveworks.PollTimeoutError):
            await aclient.create_response_and_wait(conv.conversation_id, "slow", deadline=0.3, initial_interval=0.02, max_interval=0.05)

        token = moveworks.CancelToken()
        waiter = asyncio.ensure_future(aclient.create_response_and_wait(conv.conversation_id, "slow", deadline=60, cancel=token))
        await asyncio.sleep(0.2)
        token.cancel()
        with pytest.raises(moveworks.WaitCancelledError):
            await waiter

        def explode(r: moveworks.Response) -> None:
            raise Boom(r.status.value)

        with pytest.raises(Boom):
            await aclient.create_response_and_wait(conv.conversation_id, "slow", on_update=explode, **FAST)

        seen: List[str] = []
        with pytest.raises(moveworks.WaitCancelledError):
            await aclient.create_response_and_wait(conv.conversation_id, "slow", on_update=lambda r: seen.append(r.status.value) or False, **FAST)
        assert seen == ["CREATED"]

        # Cancelling the asyncio task stops the wait too.
        task = asyncio.ensure_future(aclient.create_response_and_wait(conv.conversation_id, "slow", deadline=60))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())


def test_from_env_and_with_options(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOVEWORKS_BASE_URL", sim.base_url)
    monkeypatch.setenv("MOVEWORKS_ASSISTANT_NAME", sim.assistant_name)
    monkeypatch.setenv("MOVEWORKS_TOKEN", sim.token)
    c = moveworks.AsyncClient.from_env(max_retries=0).with_options(timeout=5)
    sim.faults({"kind": "status", "status": 500, "method": "GET"})

    async def main() -> None:
        with pytest.raises(moveworks.InternalServerError):
            await c.list_conversations()
        assert len(await c.list_conversations()) == 0

    run(main())


EXIT_SCRIPT = """
import asyncio, sys, moveworks
async def main():
    c = moveworks.AsyncClient(base_url=sys.argv[1], assistant_name=sys.argv[2], token=sys.argv[3])
    conv = await c.create_conversation()
    await asyncio.gather(*(c.get_conversation(conv.conversation_id) for _ in range(20)))
    print("ok")
asyncio.run(main())
"""


def test_interpreter_exits_cleanly_after_async_calls(sim: Simulator) -> None:
    """Runtime threads must not touch the interpreter while it finalizes (this used to abort at exit)."""
    import subprocess
    import sys
    import tempfile

    for _ in range(8):
        done = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT, sim.base_url, sim.assistant_name, sim.token],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tempfile.gettempdir(),
        )
        assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr
