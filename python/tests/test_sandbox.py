"""moveworks.testing: the sandbox, tested the way a user tests an app with it.

The first test is the README's "Testing your app" example: app code
(examples/app.py's ``ask``) run against the ``moveworks_sandbox`` fixture, which
the installed package provides as a pytest plugin (no conftest involved).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest

import moveworks
from moveworks.testing import Sandbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
from app import SORRY, ask  # noqa: E402  (the app code under test)


# [readme]
def test_ask_retries_a_rate_limit_and_apologizes_for_a_failed_answer(moveworks_sandbox: Sandbox) -> None:
    sandbox = moveworks_sandbox
    sandbox.configure(response_duration_ms=50)
    sandbox.fault(kind="status", status=429, retry_after=1, method="POST", path_contains="/responses")
    client = sandbox.client()

    assert "John Doe" in ask(client, "Who does John Doe report to?")  # the SDK retried after 1 s

    sandbox.fail_next_response()
    assert ask(client, "Who does John Doe report to?") == SORRY

    posts = sandbox.requests(method="POST", path_contains="/responses")
    assert [p["status"] for p in posts] == [429, 202, 202]
    assert posts[0]["fault"] is not None
    assert all(p["user_agent"].startswith("moveworks-sdk/") for p in posts)
    assert sandbox.token not in repr(sandbox.requests())  # no credential in what was logged
# [/readme]


def test_the_fixture_comes_from_the_installed_plugin(request: pytest.FixtureRequest) -> None:
    assert request.config.pluginmanager.has_plugin("moveworks")
    assert isinstance(request.getfixturevalue("moveworks_sandbox"), Sandbox)


def test_properties_describe_a_loopback_server(moveworks_sandbox: Sandbox) -> None:
    sb = moveworks_sandbox
    assert sb.origin.startswith("http://127.0.0.1:") and sb.base_url.startswith(sb.origin + "/")
    assert sb.token_url.startswith(sb.origin + "/")
    assert sb.assistant_name == "sandbox" and sb.token and sb.client_id and sb.client_secret
    assert repr(sb) == f"Sandbox(base_url={sb.base_url!r})" and not sb.closed
    # What users need to build their own client:
    own = moveworks.Client(base_url=sb.base_url, assistant_name=sb.assistant_name, token=sb.token)
    assert own.list_conversations().conversations == []


def test_start_options() -> None:
    with Sandbox(response_duration=0.05, assistant_name="acme") as sb:
        assert sb.assistant_name == "acme"
        client = sb.client()
        conv = client.create_conversation()
        assert client.create_response_and_wait(conv.conversation_id, "hi").status.value == "COMPLETED"
        assert sb.requests(method="POST", path_contains="/responses")[0]["assistant_name"] == "acme"
    with pytest.raises(moveworks.InvalidArgumentError) as err:
        Sandbox(response_duration=-1)
    assert err.value.argument == "response_duration"


def test_oauth_sandboxes_hand_out_client_credentials() -> None:
    with Sandbox(oauth=True) as sb, sb.client() as client:
        client.list_conversations()
        assert sb.requests(path_contains="/oauth")[0]["status"] == 200
        assert sb.revoke_tokens() == {"revoked": 1}
        assert sb.client_secret not in repr(sb.requests())


def test_client_options_are_merged_over_the_sandboxs(moveworks_sandbox: Sandbox) -> None:
    moveworks_sandbox.fault(kind="status", status=429, retry_after=7)
    client = moveworks_sandbox.client(max_retries=0, user_agent_suffix="acme-helpdesk/2.1")
    with pytest.raises(moveworks.RateLimitError) as err:
        client.list_conversations()
    assert err.value.retry_after == 7
    assert moveworks_sandbox.requests()[0]["user_agent"].endswith(" acme-helpdesk/2.1")
    with pytest.raises(moveworks.InvalidArgumentError) as bad:
        moveworks_sandbox.client(max_retires=0)  # type: ignore[call-arg]
    assert bad.value.argument == "max_retires"


def test_async_client(moveworks_sandbox: Sandbox) -> None:
    moveworks_sandbox.configure(response_duration_ms=50)

    async def turn() -> str:
        async with moveworks_sandbox.async_client() as client:
            conv = await client.create_conversation()
            response = await client.create_response_and_wait(conv.conversation_id, "Who does John Doe report to?")
            return response.assistant_text() or ""

    assert "John Doe" in asyncio.run(turn())


def test_scripting_actions(moveworks_sandbox: Sandbox) -> None:
    sb = moveworks_sandbox
    client = sb.client()
    conv = client.create_conversation()
    event = sb.inject_event(conv.conversation_id, "Your laptop is ready")
    page = client.list_events(conv.conversation_id)
    assert [e.event_id for e in page.events] == [event["event_id"]]
    assert sb.configure(response_duration_ms=20)["response_duration_ms"] == 20
    assert sb.feedback() == []
    assert len(sb.requests()) == 2
    sb.clear_requests()
    assert sb.requests() == []
    sb.reset()
    with pytest.raises(moveworks.NotFoundError):
        client.get_conversation(conv.conversation_id)
    # The generic form: any action of the core's vocabulary by name.
    assert sb.run("fail_next_response", count=2) == {"queued": 1}


def test_unknown_actions_and_bad_arguments_name_the_action(moveworks_sandbox: Sandbox) -> None:
    with pytest.raises(moveworks.InvalidArgumentError) as err:
        moveworks_sandbox.run("explode")
    assert err.value.argument == "explode" and "fail_next_response" in str(err.value)
    with pytest.raises(moveworks.InvalidArgumentError) as err:
        moveworks_sandbox.fault(kind="no_such_kind")
    assert err.value.argument == "fault"
    with pytest.raises(moveworks.InvalidArgumentError) as err:
        moveworks_sandbox.fail_next_response(count=0)
    assert err.value.argument == "fail_next_response"


def test_a_closed_sandbox_fails_cleanly() -> None:
    sb = Sandbox()
    client = sb.client(max_retries=0)
    sb.close()
    sb.close()  # idempotent
    assert sb.closed and repr(sb) == "Sandbox(closed)"
    for call in (lambda: sb.base_url, lambda: sb.token, sb.client, sb.reset, lambda: sb.fault(kind="drop")):
        with pytest.raises(moveworks.InvalidArgumentError) as err:
            call()
        assert err.value.argument == "sandbox"
    with pytest.raises(moveworks.APIConnectionError):
        client.list_conversations()


def test_closing_while_other_threads_script_it_neither_hangs_nor_crashes() -> None:
    sb = Sandbox()
    unexpected: List[BaseException] = []

    def script() -> None:
        try:
            while True:
                sb.requests()
                assert sb.base_url
        except moveworks.InvalidArgumentError as err:
            if err.argument != "sandbox":
                unexpected.append(err)
        except BaseException as err:  # noqa: BLE001
            unexpected.append(err)

    threads = [threading.Thread(target=script) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    sb.close()
    for t in threads:
        t.join(timeout=10)
        assert not t.is_alive()
    assert unexpected == []


def test_importing_the_module_does_not_import_pytest_or_load_from_moveworks() -> None:
    code = (
        "import sys, moveworks; assert 'moveworks.testing' not in sys.modules; "
        "import moveworks.testing; assert 'pytest' not in sys.modules; "
        "assert not hasattr(moveworks.testing, 'moveworks_sandbox')"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/")


def test_the_sandbox_hands_out_clients_of_the_generation_asked_for() -> None:
    with Sandbox(api_version="v1") as sandbox, sandbox.client() as client:
        client.create_conversation("on rest/v1")
        assert [r["path"] for r in sandbox.requests()] == ["/rest/v1/conversations"]
    with Sandbox() as sandbox:
        assert sandbox.base_url.endswith("/rest/v1beta1"), "the beta stays the default for now"
    with pytest.raises(moveworks.InvalidArgumentError) as refused:
        Sandbox(api_version="v2")
    assert refused.value.argument == "api_version"
