"""Every exception class, raised for real by the simulator, and bad input."""

from __future__ import annotations

from typing import Any, Dict

import pytest

import moveworks
from conftest import Simulator

API_CLASSES = {
    "bad_request": moveworks.BadRequestError,
    "authentication": moveworks.AuthenticationError,
    "permission_denied": moveworks.PermissionDeniedError,
    "not_found": moveworks.NotFoundError,
    "rate_limit": moveworks.RateLimitError,
    "internal_server": moveworks.InternalServerError,
    "api_status": moveworks.APIStatusError,
}
OTHER_CLASSES = {
    "invalid_argument": moveworks.InvalidArgumentError,
    "connection": moveworks.APIConnectionError,
    "timeout": moveworks.APITimeoutError,
    "decode": moveworks.DecodeError,
    "oauth": moveworks.OAuthError,
    "response_failed": moveworks.ResponseFailedError,
    "poll_timeout": moveworks.PollTimeoutError,
    "cancelled": moveworks.WaitCancelledError,
}


def test_a_class_for_every_core_kind() -> None:
    classes = {**API_CLASSES, **OTHER_CLASSES}
    assert set(moveworks.ERROR_KINDS) == set(classes)
    for kind, cls in classes.items():
        assert moveworks.error_class(kind) is cls and cls.kind == kind
        assert issubclass(cls, moveworks.MoveworksError)
        assert getattr(moveworks, cls.__name__) is cls
    for cls in API_CLASSES.values():
        assert issubclass(cls, moveworks.APIStatusError)
    assert issubclass(moveworks.InvalidArgumentError, ValueError)
    assert moveworks.error_class("from_the_future") is moveworks.MoveworksError


def test_one_hierarchy_in_every_language() -> None:
    # The README's table: timeout under connection, per-status kinds under APIStatusError,
    # nothing else nested (a wait's deadline is not a connection problem).
    assert issubclass(moveworks.APITimeoutError, moveworks.APIConnectionError)
    assert not issubclass(moveworks.PollTimeoutError, moveworks.APIConnectionError)
    for cls in OTHER_CLASSES.values():
        assert not issubclass(cls, moveworks.APIStatusError)
        parents = {c for c in cls.__mro__[1:] if issubclass(c, moveworks.MoveworksError)}
        want = {moveworks.MoveworksError, moveworks.APIConnectionError} if cls is moveworks.APITimeoutError else {moveworks.MoveworksError}
        assert parents == want, cls


def check_api_error(err: moveworks.MoveworksError, cls: type, status: int, code: Any) -> None:
    assert type(err) is cls and err.kind == cls.kind  # type: ignore[attr-defined]
    assert err.status == status and err.code == code
    assert err.request_id, "API errors carry the x-moveworks-root-uuid"
    assert err.message and err.kind in str(err) and cls.__name__ in repr(err)


def test_api_status_errors(sim: Simulator, client: moveworks.Client) -> None:
    with pytest.raises(moveworks.NotFoundError) as nf:
        client.get_conversation("conv_missing")
    check_api_error(nf.value, moveworks.NotFoundError, 404, "NOT_FOUND")
    assert not nf.value.is_transient
    with pytest.raises(moveworks.BadRequestError) as br:
        client.list_conversations(cursor="bogus")
    check_api_error(br.value, moveworks.BadRequestError, 400, "INVALID_CURSOR")
    with pytest.raises(moveworks.AuthenticationError) as au:
        sim.client(token="wrong").list_conversations()
    check_api_error(au.value, moveworks.AuthenticationError, 401, "UNAUTHORIZED")
    with pytest.raises(moveworks.PermissionDeniedError) as pd:
        sim.client(assistant_name="someone-else").get_conversation("conv_x")
    check_api_error(pd.value, moveworks.PermissionDeniedError, 403, "FORBIDDEN")
    sim.faults({"kind": "status", "status": 429, "count": 3, "method": "GET", "retry_after_ms": 5})
    with pytest.raises(moveworks.RateLimitError) as rl:
        client.list_conversations()
    check_api_error(rl.value, moveworks.RateLimitError, 429, "RATE_LIMIT_EXCEEDED")
    assert rl.value.retry_after is not None and 0 <= rl.value.retry_after < 1 and rl.value.is_transient
    no_retry = client.with_options(max_retries=0)
    sim.faults({"kind": "status", "status": 500, "method": "GET"})
    with pytest.raises(moveworks.InternalServerError) as ise:
        no_retry.list_conversations()
    check_api_error(ise.value, moveworks.InternalServerError, 500, "INTERNAL_ERROR")
    sim.faults({"kind": "status", "status": 418, "method": "GET"})
    with pytest.raises(moveworks.APIStatusError) as other:
        no_retry.list_conversations()
    assert type(other.value) is moveworks.APIStatusError and other.value.status == 418


def test_transport_errors(sim: Simulator) -> None:
    client = sim.client(max_retries=0, timeout=0.3)
    sim.faults({"kind": "drop", "method": "GET"})
    with pytest.raises(moveworks.APIConnectionError) as conn:
        client.list_conversations()
    assert conn.value.kind == "connection" and conn.value.is_transient
    sim.faults({"kind": "delay", "ms": 1500, "method": "GET"})
    with pytest.raises(moveworks.APITimeoutError) as timeout:
        client.list_conversations()
    assert timeout.value.kind == "timeout"
    sim.reset()
    sim.faults({"kind": "malformed_json", "method": "GET"})
    with pytest.raises(moveworks.DecodeError) as dec:
        client.list_conversations()
    assert dec.value.kind == "decode" and dec.value.body_excerpt is not None
    with pytest.raises(moveworks.OAuthError) as oauth:
        sim.client(token=None, client_id=sim.client_id, client_secret="wrong", token_url=sim.token_url).list_conversations()
    assert oauth.value.status == 401
    with pytest.raises(moveworks.APIConnectionError):
        moveworks.Client(base_url="http://127.0.0.1:9/rest", assistant_name="a", token="t", max_retries=0).list_conversations()


def test_invalid_arguments(client: moveworks.Client) -> None:
    cases = [
        (lambda: client.get_conversation("a/b"), "conversation_id"),
        (lambda: client.get_conversation(""), "conversation_id"),
        (lambda: client.create_conversation("x" * 257), "title"),
        (lambda: client.list_conversations(limit=0), "limit"),
        (lambda: client.list_conversations(limit=-1), "limit"),
        (lambda: client.list_conversations(limit=10**40), "limit"),
        (lambda: client.list_conversations(cursor=""), "cursor"),
        (lambda: client.list_events(limit=101), "limit"),
        (lambda: client.list_events(starting_after="a?b"), "starting_after"),
        (lambda: client.update_conversation("conv_x"), "update"),
        (lambda: client.create_response("conv_x", "   "), "text"),
        (lambda: client.get_response("conv_x", ".."), "response_id"),
        (lambda: client.wait_for_response("conv_x", "resp_x", deadline=0), "deadline"),
        (lambda: client.wait_for_response("conv_x", "resp_x", deadline=-1), "deadline"),
        (lambda: client.wait_for_response("conv_x", "resp_x", deadline=float("nan")), "deadline"),
        (lambda: client.wait_for_response("conv_x", "resp_x", backoff_factor=0.5), "backoff_factor"),
        (lambda: client.wait_for_response("conv_x", "resp_x", initial_interval=3, max_interval=1), "max_interval"),
        (lambda: client.with_options(timeout=0), "timeout"),
        (lambda: client.with_options(max_retries=-1), "max_retries"),
        (lambda: moveworks.Client(assistant_name="a", token="t", base_url="http://example.com"), "base_url"),
        # No credential: refused when building on the beta; on rest/v1 (every call acts for one
        # user, through for_user views) the client's own calls are refused before sending.
        (lambda: moveworks.Client(assistant_name="a", api_version="v1beta1"), "token"),
        (lambda: moveworks.Client(assistant_name="a", base_url="http://127.0.0.1:9").list_conversations(), "token"),
        (lambda: moveworks.Client(token="t"), "assistant_name"),
        (
            lambda: moveworks.Client(assistant_name="a", token="t", client_id="i", client_secret="s"),
            "token/client_credentials",
        ),
        (lambda: moveworks.Client(assistant_name="a", client_id="i"), "client_secret"),
        (lambda: moveworks.Client(assistant_name="a", token="t", timeout=float("inf")), "timeout"),
        (lambda: moveworks.Client(assistant_name="a", token="t", max_response_bytes=-5), "max_response_bytes"),
        # Client options are the core's: a wrong type or a misspelt name is its invalid_argument.
        (lambda: moveworks.Client(assistant_name="a", token="t", timeout="x"), "timeout"),  # type: ignore[typeddict-item]
        (lambda: moveworks.Client(assistant_name="a", token="t", max_retries=1.5), "max_retries"),  # type: ignore[typeddict-item]
        (lambda: moveworks.Client(assistant_name="a", token="t", timout=5), "timout"),  # type: ignore[call-arg]
    ]
    for call, argument in cases:
        with pytest.raises(moveworks.InvalidArgumentError) as info:
            call()
        assert info.value.argument == argument and info.value.kind == "invalid_argument"


def test_wrong_types_raise_type_error(client: moveworks.Client) -> None:
    bad: Dict[str, Any] = {
        "get_conversation(123)": lambda: client.get_conversation(123),
        "create_conversation(title=5)": lambda: client.create_conversation(5),
        "list_conversations(limit='x')": lambda: client.list_conversations(limit="x"),
        "list_conversations(limit=2.5)": lambda: client.list_conversations(limit=2.5),
        "list_conversations(limit=True)": lambda: client.list_conversations(limit=True),
        "list_conversations(archived='yes')": lambda: client.list_conversations(archived="yes"),
        "update(title=[])": lambda: client.update_conversation("conv_x", title=[]),
        "create_response(None)": lambda: client.create_response("conv_x", None),
        "wait(deadline='1')": lambda: client.wait_for_response("c", "r", deadline="1"),
        "wait(cancel='x')": lambda: client.wait_for_response("c", "r", cancel="x"),
        "wait(on_update=5)": lambda: client.wait_for_response("c", "r", on_update=5),
        "Client(positional)": lambda: moveworks.Client("a"),
        "unknown keyword": lambda: client.list_conversations(page=2),
        "from_dict(object())": lambda: moveworks.Conversation.from_dict(object()),
        "AsyncCore(None)": lambda: moveworks.AsyncClient.from_client(None),
    }
    for name, call in bad.items():
        with pytest.raises(TypeError):
            call()
            pytest.fail(name)


def test_async_bad_input(aclient: moveworks.AsyncClient) -> None:
    import asyncio

    async def main() -> None:
        with pytest.raises(TypeError):
            await aclient.get_conversation(5)  # type: ignore[arg-type]
        with pytest.raises(moveworks.InvalidArgumentError):
            await aclient.get_conversation("a/b")
        with pytest.raises(TypeError):
            await aclient.wait_for_response("c", "r", on_update=3)  # type: ignore[arg-type]

    asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_errors_after_the_response_was_accepted_name_it(sim: Simulator, mode: str) -> None:
    # Issue #12: a 503 while polling keeps its class, and names the response that was
    # created (plus the last one seen), so the caller resumes instead of asking again.
    import asyncio

    sim.config(response_duration_ms=300)
    client = sim.client(max_retries=0)
    conv = client.create_conversation()
    sim.faults({"kind": "status", "status": 503, "method": "GET", "path_contains": "/responses/"})
    with pytest.raises(moveworks.InternalServerError) as info:
        if mode == "sync":
            client.create_response_and_wait(conv.conversation_id, "who?", initial_interval=0.01)
        else:

            async def main() -> moveworks.Response:
                aclient = moveworks.AsyncClient.from_client(client)
                return await aclient.create_response_and_wait(conv.conversation_id, "who?", initial_interval=0.01)

            asyncio.run(main())
    err = info.value
    assert err.status == 503 and err.response_id
    assert err.response is not None and err.response.response_id == err.response_id
    assert err.last_status == err.response.status
    done = client.wait_for_response(conv.conversation_id, err.response_id, initial_interval=0.01)
    assert done.status == "COMPLETED"
    assert len(sim.requests("POST", "/responses")) == 1, "resuming must not ask again"
