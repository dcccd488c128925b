"""Starts one simulator for the test session and gives each test a fresh state."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

import moveworks

REPO = Path(__file__).resolve().parents[2]


class Simulator:
    """The simulator process and its `/_sim/` control routes."""

    def __init__(self, proc: "subprocess.Popen[bytes]", info: Dict[str, Any]) -> None:
        self.proc = proc
        self.info = info
        self.origin: str = info["origin"]
        self.base_url: str = info["base_url"]
        self.token_url: str = info["token_url"]
        self.token: str = info["token"]
        self.assistant_name: str = info["assistant_name"]
        self.client_id: str = info["client_id"]
        self.client_secret: str = info["client_secret"]

    def _call(self, method: str, route: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.origin}/_sim/{route}", data=data, method=method)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def reset(self) -> None:
        self._call("POST", "reset", {})

    def config(self, **patch: Any) -> None:
        self._call("POST", "config", patch)

    def faults(self, *faults: Dict[str, Any]) -> None:
        self._call("POST", "faults", {"faults": list(faults)})

    def revoke_tokens(self) -> None:
        self._call("POST", "tokens/revoke", {})

    def requests(self, method: Optional[str] = None, path_contains: Optional[str] = None) -> List[Dict[str, Any]]:
        log: List[Dict[str, Any]] = self._call("GET", "requests")
        return [
            r
            for r in log
            if (method is None or r["method"] == method) and (path_contains is None or path_contains in r["path"])
        ]

    def inject_event(
        self, conversation_id: str, text: str, kind: str = "notification", event_type: Optional[str] = None
    ) -> Dict[str, Any]:
        """Appends a system-initiated message to the events feed (``POST /_sim/events``); returns the event."""
        body: Dict[str, Any] = {"conversation_id": conversation_id, "text": text, "kind": kind}
        if event_type is not None:
            body["event_type"] = event_type
        event: Dict[str, Any] = self._call("POST", "events", body)
        return event

    def script(self, action: str, args: Dict[str, Any]) -> Any:
        """Runs one action of the sandbox vocabulary (``POST /_sim/script``); returns its answer."""
        return self._call("POST", "script", {"action": action, "args": args})

    def feedback(self) -> List[Dict[str, Any]]:
        """Every feedback the simulator accepted, oldest first."""
        accepted: List[Dict[str, Any]] = self._call("GET", "feedback")
        return accepted

    def client(self, **overrides: Any) -> moveworks.Client:
        kwargs: Dict[str, Any] = {"base_url": self.base_url, "assistant_name": self.assistant_name, "token": self.token}
        kwargs.update(overrides)
        return moveworks.Client(**kwargs)

    def async_client(self, **overrides: Any) -> moveworks.AsyncClient:
        kwargs: Dict[str, Any] = {"base_url": self.base_url, "assistant_name": self.assistant_name, "token": self.token}
        kwargs.update(overrides)
        return moveworks.AsyncClient(**kwargs)


def simulator_binary() -> str:
    env = os.environ.get("MOVEWORKS_SIMULATOR")
    if env:
        return env
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return str(target / "debug" / "moveworks-simulator")


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    proc = subprocess.Popen([simulator_binary()], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("the simulator exited before printing its address")
    sim = Simulator(proc, json.loads(line))
    try:
        yield sim
    finally:
        # Closing stdin stops the simulator.
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def sim(simulator: Simulator) -> Simulator:
    simulator.reset()
    return simulator


@pytest.fixture
def client(sim: Simulator) -> moveworks.Client:
    return sim.client()


@pytest.fixture
def aclient(sim: Simulator) -> moveworks.AsyncClient:
    return sim.async_client()
