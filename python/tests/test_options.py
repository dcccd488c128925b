"""Client options: the keywords go to the core's ClientOptions unchanged."""

import asyncio
from typing import Any, Dict

import pytest

import moveworks
from moveworks import _moveworks

from conftest import Simulator


def _typed_option_names() -> "set[str]":
    # The TypedDict lives in a stub only (no runtime cost); read its field names from the text.
    import pathlib
    import re

    stub = pathlib.Path(moveworks.__file__).with_name("_options.pyi").read_text()
    return set(re.findall(r"^    (\w+): ", stub, re.M))


def test_typing_stub_lists_exactly_the_core_options() -> None:
    assert _typed_option_names() == set(_moveworks.CLIENT_OPTION_NAMES)


def test_user_agent_suffix_is_sent(sim: Simulator) -> None:
    with sim.client(user_agent_suffix="acme-helpdesk/2.1") as c:
        assert c.user_agent.endswith(") acme-helpdesk/2.1")
        c.create_conversation("ua")
    sent = [r["user_agent"] for r in sim.requests("POST", "/conversations")]
    assert sent and all(u.startswith("moveworks-sdk/") and u.endswith(" acme-helpdesk/2.1") for u in sent), sent


def test_async_client_takes_the_same_options(sim: Simulator) -> None:
    async def main() -> None:
        c = sim.async_client(user_agent_suffix="async-app/1", timeout_ms=5000)
        await c.create_conversation("ua")

    asyncio.run(main())
    assert sim.requests("POST", "/conversations")[-1]["user_agent"].endswith(" async-app/1")


@pytest.mark.parametrize(
    "options, argument",
    [
        ({"client_id": "id", "client_secret": "s"}, "token/client_credentials"),
        ({"client_id": "id"}, "token/client_credentials"),
        ({"user_agent_suffix": "a\r\nX-Evil: 1"}, "user_agent_suffix"),
        ({"user_agent_suffix": "x" * 257}, "user_agent_suffix"),
        ({"timeout": 5, "timeout_ms": 5000}, "timeout_ms/timeout"),
        ({"max_idle_connection": 4}, "max_idle_connection"),
    ],
)
def test_bad_options_are_refused_before_any_request(sim: Simulator, options: Dict[str, Any], argument: str) -> None:
    sim.reset()
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        sim.client(**options)
    assert info.value.argument == argument
    with pytest.raises(moveworks.InvalidArgumentError) as ainfo:
        sim.async_client(**options)
    assert ainfo.value.argument == argument
    assert sim.requests() == []


def test_from_env_refuses_a_token_with_client_credentials(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOVEWORKS_BASE_URL", sim.base_url)
    monkeypatch.setenv("MOVEWORKS_ASSISTANT_NAME", sim.assistant_name)
    monkeypatch.setenv("MOVEWORKS_TOKEN", sim.token)
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        moveworks.Client.from_env(client_id=sim.client_id, client_secret=sim.client_secret)
    assert info.value.argument == "token/client_credentials"
    # Keywords still override the environment's other values.
    c = moveworks.Client.from_env(user_agent_suffix="env-app/3", max_retries=0)
    c.list_conversations()
    assert sim.requests("GET", "/conversations")[-1]["user_agent"].endswith(" env-app/3")


def test_secret_values_of_the_wrong_type_are_not_echoed() -> None:
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        moveworks.Client(assistant_name="a", client_id="i", client_secret=918273645)  # type: ignore[typeddict-item]
    assert info.value.argument == "client_secret" and "918273645" not in str(info.value)
