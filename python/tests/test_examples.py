"""The examples run a full turn against the simulator."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from conftest import Simulator

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(sim: Simulator, name: str) -> str:
    env = dict(os.environ)
    env.update(
        MOVEWORKS_BASE_URL=sim.base_url,
        MOVEWORKS_ASSISTANT_NAME=sim.assistant_name,
        MOVEWORKS_TOKEN=sim.token,
    )
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tempfile.gettempdir(),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_full_turn(sim: Simulator) -> None:
    sim.config(response_duration_ms=100)
    out = run_example(sim, "full_turn.py")
    assert "Who does John Doe report to?" in out and "[1]" in out
    assert len(sim.requests("POST", "/responses")) == 1


def test_async_turns(sim: Simulator) -> None:
    sim.config(response_duration_ms=100)
    out = run_example(sim, "async_turns.py")
    assert out.count("Q: ") == 3 and "VPN" in out
    assert len(sim.requests("POST", "/responses")) == 3
