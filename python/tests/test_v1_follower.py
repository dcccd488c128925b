"""The events follower: checkpoints across restarts (a file, or a store of the user's),
handlers that refuse or raise, iteration, cancel, Ctrl-C and the asyncio form."""

import asyncio
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

import moveworks

FAST = 0.05  # seconds between polls, so tests do not wait the default 6 s


def feed(sim: Any) -> "tuple[moveworks.Client, str]":
    client = sim.client(base_url=sim.origin)
    return client, client.create_conversation().conversation_id


def inject(sim: Any, cid: str, *texts: str) -> List[str]:
    return [sim.inject_event(cid, text)["event_id"] for text in texts]


def test_a_file_checkpoint_survives_a_restart_and_refused_events_come_again(sim: Any, tmp_path: Path) -> None:
    client, cid = feed(sim)
    (first,) = inject(sim, cid, "one")
    path = tmp_path / "alice.checkpoint"
    follower = client.follow_events(path, interval=FAST)
    assert follower.checkpoint is None
    assert follower.poll_once(lambda e: None) == 0, "a fresh start only catches up"
    assert follower.checkpoint == first and path.read_text() == first + "\n"

    two, three, four = inject(sim, cid, "two", "three", "four")
    seen: List[str] = []

    def take_one(event: moveworks.Event) -> Optional[bool]:
        if seen:
            return False  # not handled: not saved, delivered again later
        seen.append(event.event_id)
        return None

    restarted = client.follow_events(str(path), interval=FAST)
    assert restarted.poll_once(take_one) == 1 and seen == [two] and restarted.checkpoint == two

    def boom(event: moveworks.Event) -> None:
        raise LookupError(event.event_id)

    with pytest.raises(LookupError, match=three):
        restarted.poll_once(boom)
    assert restarted.checkpoint == two, "an event whose handler raised is not saved"
    # The handler may read its follower's checkpoint while that follower runs.
    third = client.follow_events(path)
    during: List[Optional[str]] = []
    assert third.poll_once(lambda e: during.append(third.checkpoint)) == 2
    assert during == [two, three] and path.read_text() == four + "\n"


def test_a_store_of_the_users_is_loaded_once_and_saved_per_event(sim: Any) -> None:
    client, cid = feed(sim)
    ids = inject(sim, cid, "a", "b")

    class Store:
        def __init__(self) -> None:
            self.value: Optional[str] = None
            self.calls: List[str] = []

        def load(self) -> Optional[str]:
            self.calls.append("load")
            return self.value

        def save(self, checkpoint: str) -> None:
            self.calls.append(f"save {checkpoint}")
            self.value = checkpoint

    store = Store()
    follower = client.follow_events(store, replay=True, page_size=1, interval=FAST)
    handled: List[str] = []
    assert follower.poll_once(lambda e: handled.append(e.event_id)) == 2
    assert handled == ids and store.calls == ["load", "save ", f"save {ids[0]}", f"save {ids[1]}"]

    class Broken(Store):
        def save(self, checkpoint: str) -> None:
            raise OSError("the database is down")

    with pytest.raises(OSError, match="the database is down"):
        client.follow_events(Broken()).poll_once(lambda e: None)


def test_iteration_saves_when_the_next_event_is_asked_for(sim: Any, tmp_path: Path) -> None:
    client, cid = feed(sim)
    path = tmp_path / "c"
    client.follow_events(path).poll_once(lambda e: None)  # catch up on the empty feed
    one, two = inject(sim, cid, "one", "two")
    follower = client.follow_events(path, interval=FAST)
    got: List[str] = []
    for event in follower:
        got.append(event.event_id)
        assert follower.checkpoint == (one if len(got) == 2 else ""), "saved once the loop body ran"
        if len(got) == 2:
            break
    assert got == [one, two] and follower.checkpoint == one
    follower.commit()
    assert follower.checkpoint == two and path.read_text() == two + "\n"


def test_cancel_from_another_thread_ends_run_and_the_gil_is_free_meanwhile(sim: Any) -> None:
    client, _ = feed(sim)
    follower = client.follow_events(None, interval=30.0)
    ticks: List[float] = []

    def ticker() -> None:
        for _ in range(10):
            ticks.append(time.monotonic())
            time.sleep(0.02)
        follower.cancel()

    t = threading.Thread(target=ticker)
    start = time.monotonic()
    t.start()
    follower.run(lambda e: None)
    t.join()
    assert time.monotonic() - start < 10, "cancel cut the 30 s wait short"
    assert len(ticks) == 10 and follower.is_cancelled
    assert list(follower) == [], "a cancelled follower stays stopped"


def test_bad_arguments_and_a_busy_follower(sim: Any) -> None:
    client, cid = feed(sim)
    cases: List["tuple[Dict[str, Any], str]"] = [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"interval": 0.0}, "interval"),
        ({"max_backoff": -1.0}, "max_backoff"),
    ]
    for kwargs, argument in cases:
        with pytest.raises(moveworks.InvalidArgumentError) as e:
            client.follow_events(None, **kwargs)
        assert e.value.argument == argument
    with pytest.raises(moveworks.InvalidArgumentError) as e:
        client.follow_events(42)  # type: ignore[arg-type]
    assert e.value.argument == "checkpoint"
    inject(sim, cid, "x")
    follower = client.follow_events(None, replay=True)
    with pytest.raises(RuntimeError, match="busy"):
        follower.poll_once(lambda e: follower.poll_once(lambda e: None))


def test_async_for_on_the_async_client(sim: Any) -> None:
    _, cid = feed(sim)
    ids = inject(sim, cid, "one", "two")

    async def run() -> List[str]:
        async with sim.async_client(base_url=sim.origin) as ac:
            follower = ac.follow_events(None, replay=True, interval=FAST)
            got: List[str] = []
            async for event in follower:
                got.append(event.event_id)
                if len(got) == 2:
                    follower.cancel()
            assert follower.checkpoint == ids[1], "the last one was saved as the loop asked for more"
            # A cancelled task stops its follower's wait.
            idle = ac.follow_events(None, interval=30.0)
            task = asyncio.ensure_future(idle.__anext__())
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert idle.is_cancelled
            return got

    assert asyncio.run(run()) == ids


CTRL_C_SCRIPT = """
import signal, sys, moveworks
signal.signal(signal.SIGINT, signal.default_int_handler)
c = moveworks.Client(base_url=sys.argv[1], assistant_name=sys.argv[2], token=sys.argv[3])
f = c.follow_events(None, interval=60.0)
f.poll_once(lambda e: None)
print("following", flush=True)
try:
    f.run(lambda e: None)
    print("finished")
except KeyboardInterrupt:
    print("interrupted", f.is_cancelled, flush=True)
"""


def test_ctrl_c_stops_a_waiting_follower(sim: Any) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_SCRIPT, sim.origin, sim.assistant_name, sim.token],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tempfile.gettempdir(),  # not the source tree, whose moveworks/ has no compiled module
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "following"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)  # bounded so a broken build fails instead of waiting 60 s
    assert out.strip() == "interrupted True" and proc.returncode == 0
