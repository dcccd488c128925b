"""The examples run a full turn against the simulator."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import Simulator

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(sim: Simulator, name: str, *args: str, expect_rc: int = 0) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        MOVEWORKS_BASE_URL=sim.base_url,
        MOVEWORKS_ASSISTANT_NAME=sim.assistant_name,
        MOVEWORKS_TOKEN=sim.token,
    )
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tempfile.gettempdir(),
    )
    assert done.returncode == expect_rc, done.stderr
    return done


def test_full_turn(sim: Simulator) -> None:
    sim.config(response_duration_ms=100)
    out = run_example(sim, "full_turn.py").stdout
    assert "Who does John Doe report to?" in out and "[1]" in out
    assert len(sim.requests("POST", "/responses")) == 1


def test_full_turn_reports_a_failed_answer_by_its_response_id(sim: Simulator) -> None:
    sim.config(response_duration_ms=100)
    done = run_example(sim, "full_turn.py", "[fail] anything", expect_rc=1)
    assert "could not answer (response resp_" in done.stderr, done.stderr
    assert "None" not in done.stderr


def test_async_turns(sim: Simulator) -> None:
    sim.config(response_duration_ms=100)
    out = run_example(sim, "async_turns.py").stdout
    assert out.count("Q: ") == 3 and "VPN" in out
    assert len(sim.requests("POST", "/responses")) == 3


def test_streaming(sim: Simulator) -> None:
    sim.config(response_duration_ms=150)
    done = run_example(sim, "streaming.py")
    answer = done.stdout.splitlines()[0]
    assert "John Doe" in answer or "report" in answer, done.stdout
    assert ": COMPLETED" in done.stderr
    assert len(sim.requests("POST", "/responses")) == 1


def test_feedback(sim: Simulator) -> None:
    sim.config(response_duration_ms=100)
    out = run_example(sim, "feedback.py").stdout.splitlines()
    assert out[0].startswith("ASSISTANT: ") and out[1] == "USER: How do I reset my password?", out
    listed = [r["root_uuid"] for r in sim.requests("GET", "/messages")][-1]
    submitted = sim.requests("POST", "/feedback")
    assert out[2] == f"(listed by request {listed})"
    assert out[3] == f"feedback SUBMITTED (request {submitted[0]['root_uuid']})" and len(submitted) == 1
    assert [(f["rating"], f["additional_feedback"]) for f in sim.feedback()] == [("helpful", "Clear and correct")]


def readme_block(heading: str) -> str:
    """The first python block of a README section."""
    section = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def example_part(name: str) -> str:
    """An example's part between its [readme] markers."""
    return (EXAMPLES / name).read_text(encoding="utf-8").split("# [readme]\n", 1)[1].split("# [/readme]", 1)[0]


def test_readme_feedback_example_is_the_tested_one() -> None:
    """The README's messages-and-feedback block is examples/feedback.py's [readme] part, which runs above."""
    import textwrap

    part = textwrap.dedent(example_part("feedback.py")).strip()
    assert part in textwrap.dedent(readme_block("Messages and feedback")), "README feedback example drifted from examples/feedback.py"


def test_readme_streaming_example_is_the_tested_one() -> None:
    """The README's streaming block is examples/streaming.py's [readme] part, which runs above."""
    import textwrap

    part = textwrap.dedent(example_part("streaming.py")).strip()
    assert part in textwrap.dedent(readme_block("Streaming")), "README streaming example drifted from examples/streaming.py"


def run_standalone(name: str) -> str:
    """Runs an example that brings its own sandbox (no simulator, no MOVEWORKS_* env); its stdout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOVEWORKS_")}
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


def test_quickstart_runs_with_no_account() -> None:
    """examples/quickstart.py (the README's first example) answers from its own sandbox: no simulator, no env."""
    out = run_standalone("quickstart.py")
    assert "John Doe" in out, out


def test_readme_first_example_is_the_quickstart() -> None:
    """The README's first python block is examples/quickstart.py's [readme] part, which runs above."""
    import textwrap

    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    first = readme.split("```python\n", 1)[1].split("```", 1)[0]
    assert textwrap.dedent(example_part("quickstart.py")).strip() == first.strip(), "README quickstart drifted"


def test_readme_testing_example_is_the_tested_one() -> None:
    """The README's "Testing your app" blocks are examples/app.py's and tests/test_sandbox.py's [readme] parts."""
    import textwrap

    section = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8").split("## Testing your app\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0].strip() for b in section.split("```python\n")[1:]]
    test_part = (EXAMPLES.parent / "tests" / "test_sandbox.py").read_text(encoding="utf-8")
    test_part = test_part.split("# [readme]\n", 1)[1].split("# [/readme]", 1)[0]
    assert textwrap.dedent(example_part("app.py")).strip() in blocks, "README app code drifted from examples/app.py"
    test_block = [b for b in blocks if "def test_" in b]
    assert test_block and test_part.strip() in test_block[0], "README test drifted from tests/test_sandbox.py"


def test_readme_credentials_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's third block (a client from real credentials) runs as written, its client swapped for a sandbox's.

    The block's options still go to a real ``Client`` first (checked there, nothing is sent), so a misspelt or
    conflicting option fails this test; the calls then run against the sandbox.
    """
    import moveworks
    from moveworks.testing import Sandbox

    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("```python\n")[3].split("```", 1)[0]
    assert "client_id=" in block, "the README's third python block is no longer the credentials example"
    real_client = moveworks.Client
    with Sandbox(response_duration=0.05) as sandbox:

        def client(**options: Any) -> moveworks.Client:
            real_client(**options).close()
            return sandbox.client()

        monkeypatch.setattr(moveworks, "Client", client)
        exec(compile(block, "python/README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out.splitlines()
    assert "John Doe" in out[0], out
    assert len(out) == 2 and out[1].startswith("Permissions "), out


def test_buttons_and_forms_runs_with_no_account() -> None:
    """examples/buttons_and_forms.py (the README's second example) presses a button and
    submits a form against its own sandbox, then reads the follow-up from the events feed."""
    out = run_standalone("buttons_and_forms.py").splitlines()
    assert out[1:4] == ["  1. File it (CALLBACK_ACTION)", "  2. Edit details (MODAL_ACTION)", "  3. Open portal (URL_ACTION)"], out
    assert out[4].startswith("Filed ticket INC"), out
    # The refresh after choosing the MacBook made the required date field appear.
    assert "  needed_by [DATE] required" in out and "  model [CHOICE] required MacBook Pro, ThinkPad" in out, out
    assert out[-2:] == ["form SUBMITTED", "Your laptop request is submitted: MacBook Pro"], out


def test_readme_second_example_is_buttons_and_forms() -> None:
    """The README's second python block is examples/buttons_and_forms.py's [readme] part, which runs above."""
    import textwrap

    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    second = readme.split("```python\n")[2].split("```", 1)[0]
    assert textwrap.dedent(example_part("buttons_and_forms.py")).strip() == second.strip(), "README example drifted"
