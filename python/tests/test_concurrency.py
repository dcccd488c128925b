"""The concurrency model (issue #23): async streams that hold no shared pool thread,
callbacks on the event loop's thread, and clients that keep working in a child of
fork() (multiprocessing's fork start method, a gunicorn-style preload)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import List

import moveworks
from conftest import Simulator

FAST = {"deadline": 60.0, "initial_interval": 0.02, "max_interval": 0.1}

# More streams than the 64 threads of the pool that async calls run on.
STREAMS = 200


def test_other_calls_complete_while_200_streams_are_stalled(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    """Every stream goes silent after its first event (the server holds it for 30 s).
    With a stream step holding a pool thread while it waits, 64 stalled streams took the
    whole pool and `list_conversations` waited for the stalls to end; here it completes
    while every stream is still stalled."""
    sim.config(response_duration_ms=200)

    async def main() -> None:
        conv = await aclient.create_conversation()
        sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 30000, "count": STREAMS})
        streams = [
            aclient.stream_response(conv.conversation_id, "hi", idle_timeout=60, **FAST) for _ in range(STREAMS)
        ]
        seen: List[int] = [0] * STREAMS
        all_first = asyncio.Event()

        async def consume(i: int) -> None:
            async for _event in streams[i]:
                seen[i] += 1
                if sum(1 for n in seen if n) == STREAMS:
                    all_first.set()

        tasks = [asyncio.create_task(consume(i)) for i in range(STREAMS)]
        # A hang guard only: every stream's first event comes at once.
        await asyncio.wait_for(all_first.wait(), 60)
        page = await asyncio.wait_for(aclient.list_conversations(), 60)
        assert [c.conversation_id for c in page.conversations] == [conv.conversation_id]
        # Still stalled: no stream got a second event or ended meanwhile.
        assert seen == [1] * STREAMS and not any(t.done() for t in tasks)
        for stream in streams:
            await stream.aclose()
        outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
        assert all(isinstance(o, moveworks.WaitCancelledError) for o in outcomes), outcomes[:3]

    asyncio.run(main())


def test_on_event_runs_on_the_loop_thread_as_events_arrive(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    sim.config(response_duration_ms=200)

    async def main() -> None:
        conv = await aclient.create_conversation()
        loop_thread = threading.get_ident()
        queue: asyncio.Queue[moveworks.StreamEvent] = asyncio.Queue()
        threads = set()

        def on_event(event: moveworks.StreamEvent) -> None:
            threads.add(threading.get_ident())
            queue.put_nowait(event)

        # The turn cannot end on its own while the test looks: the server goes silent
        # after the first event (30 s), and the turn is then stopped with the token.
        sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 30000})
        token = moveworks.CancelToken()
        turn = asyncio.create_task(
            aclient.stream_response_and_wait(conv.conversation_id, "hi", on_event=on_event, cancel=token, **FAST)
        )
        first = await asyncio.wait_for(queue.get(), 30)
        assert isinstance(first, moveworks.ResponseCreated) and not turn.done()
        token.cancel()
        try:
            await asyncio.wait_for(turn, 30)
            raise AssertionError("the cancelled turn returned")
        except moveworks.WaitCancelledError:
            pass
        assert threads == {loop_thread}

        # A whole turn: every event, in order, through the queue; RESPONSE_COMPLETED last.
        response = await aclient.stream_response_and_wait(
            conv.conversation_id, "Who does John Doe report to?", on_event=queue.put_nowait, **FAST
        )
        events = [queue.get_nowait() for _ in range(queue.qsize())]
        assert isinstance(events[0], moveworks.ResponseCreated)
        last = events[-1]
        assert isinstance(last, moveworks.ResponseCompleted) and last.response == response

    asyncio.run(main())


def test_on_update_runs_on_the_loop_thread(sim: Simulator, aclient: moveworks.AsyncClient) -> None:
    """A stream that breaks is finished by polling, which reports each change to `on_update`."""
    sim.config(response_duration_ms=400)

    async def main() -> None:
        conv = await aclient.create_conversation()
        loop_thread = threading.get_ident()
        calls: List[int] = []

        def on_update(response: moveworks.Response) -> None:
            calls.append(threading.get_ident())

        sim.faults({"kind": "stream_drop", "after_events": 1})
        stream = aclient.stream_response(conv.conversation_id, "hi", on_update=on_update, **FAST)
        final = await stream.final_response()
        assert final.status == moveworks.ResponseStatus.COMPLETED
        assert calls and set(calls) == {loop_thread}

        # An exception it raises stops the turn and is raised by the iteration.
        def explode(response: moveworks.Response) -> None:
            raise ValueError("from on_update")

        sim.faults({"kind": "stream_drop", "after_events": 1})
        try:
            async for _ in aclient.stream_response(conv.conversation_id, "hi", on_update=explode, **FAST):
                pass
            raise AssertionError("the turn did not raise")
        except ValueError as e:
            assert str(e) == "from on_update"

    asyncio.run(main())


class NoReaderLoop(asyncio.SelectorEventLoop):
    """An event loop that cannot watch file descriptors, as Windows' proactor loop."""

    def add_reader(self, *args: object) -> None:  # type: ignore[override]
        raise NotImplementedError


def test_loops_without_add_reader_are_woken_from_the_reader_thread(
    sim: Simulator, aclient: moveworks.AsyncClient
) -> None:
    sim.config(response_duration_ms=300)

    async def main() -> None:
        conv = await aclient.create_conversation()
        # Several streams at once, each waiting for its events more than once.
        streams = [aclient.stream_response(conv.conversation_id, "hi", **FAST) for _ in range(5)]

        async def collect(stream: moveworks.AsyncResponseStream) -> List[moveworks.StreamEvent]:
            return [e async for e in stream]

        results = await asyncio.gather(*(collect(s) for s in streams))
        for events in results:
            assert isinstance(events[0], moveworks.ResponseCreated)
            assert isinstance(events[-1], moveworks.ResponseCompleted)
        # Closing wakes a waiting step there too.
        sim.faults({"kind": "stream_stall", "after_events": 1, "ms": 20000})
        stream = aclient.stream_response(conv.conversation_id, "hi", **FAST)
        assert isinstance(await stream.__anext__(), moveworks.ResponseCreated)
        waiting = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.05)
        await stream.aclose()
        try:
            await asyncio.wait_for(waiting, 10)
            raise AssertionError("the closed stream's step returned")
        except moveworks.WaitCancelledError:
            pass

    loop = NoReaderLoop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


FORK_SCRIPT = r"""
import asyncio, multiprocessing, os, signal, sys, traceback
import moveworks
from moveworks.testing import Sandbox

base_url, assistant, token = sys.argv[1:4]


def sync_work(client):
    conv = client.create_conversation()
    assert client.get_conversation(conv.conversation_id).conversation_id == conv.conversation_id
    events = list(client.stream_response(conv.conversation_id, "hi", initial_interval=0.02))
    assert isinstance(events[-1], moveworks.ResponseCompleted), events[-1]
    return conv.conversation_id


async def async_work(aclient):
    conv = await aclient.create_conversation()
    await aclient.list_conversations(limit=1)
    stream = aclient.stream_response(conv.conversation_id, "hi", initial_interval=0.02)
    events = [e async for e in stream]
    assert isinstance(events[-1], moveworks.ResponseCompleted), events[-1]
    final = await stream.final_response()
    assert final == await aclient.get_response(conv.conversation_id, final.response_id)


def work(client, aclient):
    sync_work(client)
    asyncio.run(async_work(aclient))
    return os.getpid()


client = moveworks.Client(base_url=base_url, assistant_name=assistant, token=token)
aclient = moveworks.AsyncClient(base_url=base_url, assistant_name=assistant, token=token)


def pool_task(_):
    return work(client, aclient)


def child(body):
    # A child that hangs (the bug this guards against) is killed and reported.
    pid = os.fork()
    if pid == 0:
        signal.alarm(60)
        try:
            body()
            os._exit(0)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
    return pid


def check_children(pids, what):
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
        assert code == 0, f"{what}: child {pid} exited with {code}"


def main():
    # Both clients used in the parent first: the async runtime's threads exist, the pool holds sockets.
    work(client, aclient)

    # multiprocessing with the fork start method (Linux's default before Python 3.14).
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pids = pool.map(pool_task, range(4))
    assert os.getpid() not in pids

    # gunicorn --preload: the app (and its clients) made in the parent, workers forked from it.
    check_children([child(lambda: work(client, aclient)) for _ in range(3)], "preload")
    work(client, aclient)  # the parent is unharmed

    # The sandbox: made and used in the parent, then used (scripted, too) in the children.
    with Sandbox(response_duration=0.1) as sb:
        parent_client = sb.client()
        sync_work(parent_client)

        def sandbox_child():
            sb_client, sb_aclient = sb.client(), sb.async_client()
            conv_id = sync_work(sb_client)
            asyncio.run(async_work(sb_aclient))
            sb.fault(kind="status", status=404, path_contains="/conversations/" + conv_id, method="GET")
            try:
                sb_client.with_options(max_retries=0).get_conversation(conv_id)
                raise AssertionError("the child's fault did not reach the server")
            except moveworks.NotFoundError:
                pass
            assert any(r["status"] == 404 for r in sb.requests(method="GET")), "the parent's request log"
            sb.close()  # forgets the parent's server, does not stop it

        check_children([child(sandbox_child) for _ in range(2)], "sandbox")
        # The children's scripting reached the parent's server, and it still serves.
        assert len([r for r in sb.requests(method="GET") if r["status"] == 404]) == 2
        sync_work(parent_client)
    print("ok")


if __name__ == "__main__":
    main()
"""


def test_clients_and_the_sandbox_work_in_forked_children(sim: Simulator, tmp_path: Path) -> None:
    script = tmp_path / "forks.py"
    script.write_text(FORK_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), sim.base_url, sim.assistant_name, sim.token],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tempfile.gettempdir(),
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stdout + done.stderr
