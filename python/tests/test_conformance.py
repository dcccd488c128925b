"""Runs every scenario of tests/conformance/scenarios.json and v1-scenarios.json, with Client and with AsyncClient."""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import pytest

import moveworks
from conftest import REPO, Simulator
from conformance_v1 import UNKNOWN, call_v1_async, call_v1_sync, turn_input


def load(name: str) -> List[Dict[str, Any]]:
    scenarios: List[Dict[str, Any]] = json.loads((REPO / "tests" / "conformance" / name).read_text(encoding="utf-8"))["scenarios"]
    return scenarios


BETA_SCENARIOS = load("scenarios.json")
V1_SCENARIOS = load("v1-scenarios.json")
SCENARIOS = BETA_SCENARIOS + V1_SCENARIOS

_REF = re.compile(r"^\$\{([^}]+)\}$")


def substitute(value: Any, saved: Dict[str, Any]) -> Any:
    """Replaces exact ``${name.path}`` strings by saved values, keeping their JSON type."""
    if isinstance(value, str):
        m = _REF.match(value)
        if not m:
            return value
        name, *path = m.group(1).split(".")
        out = saved[name]
        for part in path:
            out = out[int(part)] if isinstance(out, list) else out[part]
        return out
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, saved) for k, v in value.items()}
    return value


def is_operator(expected: Any) -> bool:
    return isinstance(expected, dict) and bool(expected) and all(k.startswith("$") for k in expected)


def match(expected: Any, actual: Any, path: str = "$", present: bool = True) -> None:
    """Structural matcher of the conformance README; raises AssertionError with the path."""
    if is_operator(expected):
        for op, arg in expected.items():
            if op == "$len":
                assert present and isinstance(actual, (list, str)) and len(actual) == arg, f"{path}: expected length {arg}, got {actual!r}"
            elif op == "$present":
                assert present == bool(arg), f"{path}: expected present={arg}"
            elif op == "$absent":
                assert (not present or actual is None) == bool(arg), f"{path}: expected absent={arg}, got {actual!r}"
            elif op == "$contains":
                assert present and isinstance(actual, str) and arg in actual, f"{path}: {actual!r} does not contain {arg!r}"
            elif op == "$ne":
                assert actual != arg, f"{path}: expected != {arg!r}"
            else:
                raise AssertionError(f"{path}: unknown matcher {op}")
        return
    assert present, f"{path}: missing"
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for key, sub in expected.items():
            match(sub, actual.get(key), f"{path}.{key}", key in actual)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: expected {len(expected)} items, got {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            match(e, a, f"{path}[{i}]")
    else:
        assert expected == actual, f"{path}: expected {expected!r}, got {actual!r}"


def _seconds(args: Dict[str, Any], key: str) -> Optional[float]:
    ms = args.pop(key, None)
    return None if ms is None else ms / 1000.0


def wait_kwargs(args: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "deadline": _seconds(args, "deadline_ms"),
        "initial_interval": _seconds(args, "initial_interval_ms"),
        "max_interval": _seconds(args, "max_interval_ms"),
    }


def stream_kwargs(args: Dict[str, Any]) -> Dict[str, Any]:
    return {**wait_kwargs(args), "idle_timeout": _seconds(args, "idle_timeout_ms")}


def stream_result(response: moveworks.Response, names: List[str]) -> Dict[str, Any]:
    return {
        "response": response.to_dict(),
        "event_names": ",".join(names),
        "first_event": names[0] if names else None,
        "last_event": names[-1] if names else None,
    }


def stream_turn(client: moveworks.Client, args: Dict[str, Any]) -> Dict[str, Any]:
    """Iterates a stream to its end as a user would; cancel_after_ms closes it from a timer thread."""
    cid, text = args.pop("conversation_id"), turn_input(args)
    cancel_after = _seconds(args, "cancel_after_ms")
    kwargs = stream_kwargs(args)
    names: List[str] = []
    with client.stream_response(cid, text, **kwargs) as stream:
        timer = None if cancel_after is None else threading.Timer(cancel_after, stream.close)
        if timer is not None:
            timer.start()
        try:
            for event in stream:
                names.append(event.event)
            response = stream.finish()
        finally:
            if timer is not None:
                timer.cancel()
    return stream_result(response, names)


async def stream_turn_async(client: moveworks.AsyncClient, args: Dict[str, Any]) -> Dict[str, Any]:
    """The ``async for`` form; cancel_after_ms closes the stream from a loop timer."""
    cid, text = args.pop("conversation_id"), turn_input(args)
    cancel_after = _seconds(args, "cancel_after_ms")
    kwargs = stream_kwargs(args)
    names: List[str] = []
    async with client.stream_response(cid, text, **kwargs) as stream:
        loop = asyncio.get_running_loop()
        closing: List["asyncio.Task[None]"] = []
        timer = None
        if cancel_after is not None:
            timer = loop.call_later(cancel_after, lambda: closing.append(loop.create_task(stream.aclose())))
        try:
            async for event in stream:
                names.append(event.event)
            response = await stream.finish()
        finally:
            if timer is not None:
                timer.cancel()
    return stream_result(response, names)


def take(args: Dict[str, Any], *names: str) -> Dict[str, Any]:
    return {n: args.pop(n) for n in names if n in args}


def first_assistant_message(response: moveworks.Response) -> moveworks.Message:
    messages = response.assistant_messages()
    assert messages, "the response has no assistant message"
    return messages[0]


def call_sync(client: moveworks.Client, name: str, args: Dict[str, Any], scratch: Path) -> Any:
    """Calls the SDK; returns the result as wire JSON (from the core's serializer)."""
    if name == "list_conversations":
        return client.list_conversations(**take(args, "limit", "cursor", "archived")).to_dict()
    if name == "iter_conversations":
        return [c.to_dict() for c in client.iter_conversations(**take(args, "limit", "archived"))]
    if name == "create_conversation":
        return client.create_conversation(**take(args, "title")).to_dict()
    if name == "get_conversation":
        return client.get_conversation(args.pop("conversation_id")).to_dict()
    if name == "update_conversation":
        cid = args.pop("conversation_id")
        return client.update_conversation(cid, **take(args, "title", "archived")).to_dict()
    if name == "list_events":
        return client.list_events(**take(args, "conversation_id", "starting_after", "ending_at", "cursor", "limit")).to_dict()
    if name == "iter_events":
        return [e.to_dict() for e in client.iter_events(**take(args, "conversation_id", "starting_after", "ending_at", "limit"))]
    if name == "list_messages":
        return client.list_messages(args.pop("conversation_id"), **take(args, "cursor", "limit")).to_dict()
    if name == "iter_messages":
        return [m.to_dict() for m in client.iter_messages(args.pop("conversation_id"), **take(args, "limit"))]
    if name == "list_response_messages":
        cid, rid = args.pop("conversation_id"), args.pop("response_id")
        return client.list_response_messages(cid, rid, **take(args, "cursor", "limit")).to_dict()
    if name == "submit_feedback":
        ids = [args.pop(k) for k in ("conversation_id", "response_id", "message_id", "callback_id")]
        return client.submit_feedback(*ids, **take(args, "additional_feedback")).to_dict()
    if name == "create_response":
        return client.create_response(args.pop("conversation_id"), turn_input(args)).to_dict()
    if name == "get_response":
        return client.get_response(args.pop("conversation_id"), args.pop("response_id")).to_dict()
    if name == "wait_for_response":
        cid, rid = args.pop("conversation_id"), args.pop("response_id")
        return client.wait_for_response(cid, rid, **wait_kwargs(args)).to_dict()
    if name == "create_response_and_wait":
        cid, text = args.pop("conversation_id"), turn_input(args)
        return client.create_response_and_wait(cid, text, **wait_kwargs(args)).to_dict()
    if name == "stream_response":
        return stream_turn(client, args)
    result = call_v1_sync(client, name, args, scratch)
    return call_helper(name, args) if result is UNKNOWN else result


def call_helper(name: str, args: Dict[str, Any]) -> Any:
    if name == "assistant_text":
        return moveworks.Response.from_dict(args.pop("response")).assistant_text()
    if name == "text_with_citation_markers":
        return first_assistant_message(moveworks.Response.from_dict(args.pop("response"))).text_with_citation_markers()
    raise AssertionError(f"unknown conformance call {name!r}")


async def call_async(client: moveworks.AsyncClient, name: str, args: Dict[str, Any], scratch: Path) -> Any:
    """The AsyncClient form of :func:`call_sync`."""
    if name == "list_conversations":
        return (await client.list_conversations(**take(args, "limit", "cursor", "archived"))).to_dict()
    if name == "iter_conversations":
        return [c.to_dict() async for c in client.iter_conversations(**take(args, "limit", "archived"))]
    if name == "create_conversation":
        return (await client.create_conversation(**take(args, "title"))).to_dict()
    if name == "get_conversation":
        return (await client.get_conversation(args.pop("conversation_id"))).to_dict()
    if name == "update_conversation":
        cid = args.pop("conversation_id")
        return (await client.update_conversation(cid, **take(args, "title", "archived"))).to_dict()
    if name == "list_events":
        page = await client.list_events(**take(args, "conversation_id", "starting_after", "ending_at", "cursor", "limit"))
        return page.to_dict()
    if name == "iter_events":
        it = client.iter_events(**take(args, "conversation_id", "starting_after", "ending_at", "limit"))
        return [e.to_dict() async for e in it]
    if name == "list_messages":
        return (await client.list_messages(args.pop("conversation_id"), **take(args, "cursor", "limit"))).to_dict()
    if name == "iter_messages":
        it = client.iter_messages(args.pop("conversation_id"), **take(args, "limit"))
        return [m.to_dict() async for m in it]
    if name == "list_response_messages":
        cid, rid = args.pop("conversation_id"), args.pop("response_id")
        return (await client.list_response_messages(cid, rid, **take(args, "cursor", "limit"))).to_dict()
    if name == "submit_feedback":
        ids = [args.pop(k) for k in ("conversation_id", "response_id", "message_id", "callback_id")]
        return (await client.submit_feedback(*ids, **take(args, "additional_feedback"))).to_dict()
    if name == "create_response":
        return (await client.create_response(args.pop("conversation_id"), turn_input(args))).to_dict()
    if name == "get_response":
        return (await client.get_response(args.pop("conversation_id"), args.pop("response_id"))).to_dict()
    if name == "wait_for_response":
        cid, rid = args.pop("conversation_id"), args.pop("response_id")
        return (await client.wait_for_response(cid, rid, **wait_kwargs(args))).to_dict()
    if name == "create_response_and_wait":
        cid, text = args.pop("conversation_id"), turn_input(args)
        return (await client.create_response_and_wait(cid, text, **wait_kwargs(args))).to_dict()
    if name == "stream_response":
        return await stream_turn_async(client, args)
    result = await call_v1_async(client, name, args, scratch)
    return call_helper(name, args) if result is UNKNOWN else result


def base_url(sim: Simulator, spec: Dict[str, Any]) -> str:
    """Which of the simulator's URLs (``base_url``): beta, v1, its bare origin, or a path on it."""
    which = spec.pop("base_url", "origin" if "api_version" in spec else "beta")
    if which == "beta":
        return sim.base_url
    if which == "v1":
        v1: str = sim.info["v1_base_url"]
        return v1
    if which == "origin":
        return sim.origin
    assert isinstance(which, str) and which.startswith("/"), f"unknown base_url {which!r}"
    return sim.origin + which


def client_kwargs(sim: Simulator, spec: Dict[str, Any]) -> Dict[str, Any]:
    spec = dict(spec)
    kwargs: Dict[str, Any] = {
        "base_url": base_url(sim, spec),
        "assistant_name": spec.pop("assistant_name", sim.assistant_name),
        "max_retries": spec.pop("max_retries", 2),
    }
    auth = spec.pop("auth", "token")
    if auth == "token":
        kwargs["token"] = spec.pop("token", sim.token)
        if spec.pop("client_credentials_too", False):
            kwargs["client_id"] = sim.client_id
            kwargs["client_secret"] = sim.client_secret
    elif auth == "oauth":
        kwargs["client_id"] = sim.client_id
        kwargs["client_secret"] = spec.pop("client_secret", sim.client_secret)
        kwargs["token_url"] = sim.token_url
    else:
        raise AssertionError(f"unknown auth {auth!r}")
    # The scenario's own option names are the core's, so they pass straight through.
    for key in ("timeout_ms", "deadline_ms", "user_agent_suffix", "api_version"):
        if key in spec:
            kwargs[key] = spec.pop(key)
    assert not spec, f"unknown client keys {sorted(spec)}"
    return kwargs


def run_sim_step(sim: Simulator, action: str, args: Dict[str, Any]) -> Any:
    """Runs one ``sim`` step; returns what it created (``inject_event``'s event, a
    ``script`` action's answer), else None."""
    if action == "script":
        unknown = args.keys() - {"action", "args"}
        assert not unknown, f"script: unknown arguments {sorted(unknown)}"
        return sim.script(args["action"], args.get("args", {}))
    if action == "fault":
        sim.faults(args)
    elif action == "config":
        sim.config(**args)
    elif action == "revoke_tokens":
        sim.revoke_tokens()
    elif action == "inject_event":
        unknown = args.keys() - {"conversation_id", "text", "kind", "event_type"}
        assert not unknown, f"inject_event: unknown arguments {sorted(unknown)}"
        kind = args.get("kind", "notification")
        return sim.inject_event(args["conversation_id"], args["text"], kind, args.get("event_type"))
    elif action == "sleep":
        time.sleep(args["ms"] / 1000.0)
    elif action == "expect_requests":
        got = sim.requests(args.get("method"), args.get("path_contains"))
        if "user_agent_ends_with" in args:
            got = [r for r in got if str(r.get("user_agent", "")).endswith(args["user_agent_ends_with"])]
        assert len(got) == args["count"], f"expected {args['count']} requests matching {args}, got {len(got)}"
        if "connections" in args:
            # Per-user views share the client's pool: the requests rode that many connections.
            connections = {r["connection"] for r in got}
            assert len(connections) == args["connections"], f"expected {args['connections']} connections, got {connections}"
    else:
        raise AssertionError(f"unknown sim action {action!r}")
    return None


def check_error(err: moveworks.MoveworksError, expected: Dict[str, Any]) -> None:
    assert err.kind == expected["kind"], f"expected kind {expected['kind']}, got {err!r}"
    assert isinstance(err, moveworks.error_class(expected["kind"]))
    for key, want in expected.items():
        if key == "kind":
            continue
        if key in ("status", "code", "argument"):
            assert getattr(err, key) == want, f"{key}: expected {want!r}, got {getattr(err, key)!r}"
        elif key == "response_id":
            if want == {"$ne": None}:
                assert err.response_id, f"the error names no response: {err!r}"
            else:
                assert isinstance(want, str), f"response_id must be a string or {{'$ne': None}}, got {want!r}"
                assert err.response_id == want, f"response_id: expected {want!r}, got {err.response_id!r}"
            # The last response seen, when there is one, is the response named.
            assert err.response is None or err.response.response_id == err.response_id
        elif key in ("is_a", "not_a"):
            # "Caught by the class of kind k" in Python: isinstance of moveworks.error_class(k).
            for k in want:
                assert k in moveworks.ERROR_KINDS, f"{key}: unknown kind {k!r}"
                caught = isinstance(err, moveworks.error_class(k))
                assert caught == (key == "is_a"), f"{type(err).__name__}: expected {key} {moveworks.error_class(k).__name__}"
        else:
            raise AssertionError(f"unknown expect_error key {key!r}")


AnyClient = Union[moveworks.Client, moveworks.AsyncClient]


def user_views(sim: Simulator, client: Optional[AnyClient], users: List[str]) -> Dict[str, AnyClient]:
    """One ``for_user`` view of the scenario's client per user, with a token provider
    returning the bearer the simulator mints for that user."""
    views: Dict[str, AnyClient] = {}
    for user in users:
        assert client is not None, "`users` in a scenario whose client failed to build"

        def provider(user: str = user) -> str:
            token: str = sim.script("user_token", {"user_id": user})["token"]
            return token

        views[user] = client.for_user(provider)
    return views


def run_scenario(sim: Simulator, scenario: Dict[str, Any], mode: str) -> None:
    with tempfile.TemporaryDirectory(prefix="mw-conformance-") as scratch:
        run_scenario_in(sim, scenario, mode, Path(scratch))


SCENARIO_KEYS = {"name", "description", "client", "users", "steps", "expect_client_error"}
STEP_KEYS = {"call", "sim", "args", "as", "expect", "expect_error", "save_as"}


def run_scenario_in(sim: Simulator, scenario: Dict[str, Any], mode: str, scratch: Path) -> None:
    unknown = scenario.keys() - SCENARIO_KEYS
    assert not unknown, f"{scenario['name']}: unknown scenario keys {sorted(unknown)}"
    sim.reset()
    kwargs = client_kwargs(sim, scenario.get("client", {}))
    saved: Dict[str, Any] = {}
    sync_client: Optional[moveworks.Client] = None
    async_client: Optional[moveworks.AsyncClient] = None
    try:
        if mode == "sync":
            sync_client = moveworks.Client(**kwargs)
        else:
            async_client = moveworks.AsyncClient(**kwargs)
    except moveworks.MoveworksError as err:
        assert "expect_client_error" in scenario, f"{scenario['name']}: building the client failed: {err!r}"
        check_error(err, scenario["expect_client_error"])
    else:
        assert "expect_client_error" not in scenario, f"{scenario['name']}: the client was built"
    views = user_views(sim, sync_client or async_client, scenario.get("users", []))
    for index, step in enumerate(scenario["steps"]):
        where = f"{scenario['name']} step {index}"
        assert not step.keys() - STEP_KEYS, f"{where}: unknown step keys {sorted(step.keys() - STEP_KEYS)}"
        args = substitute(step.get("args", {}), saved)
        if "sim" in step:
            created = run_sim_step(sim, step["sim"], args)
            if "save_as" in step:
                assert created is not None, f"{where}: sim step {step['sim']!r} creates nothing to save"
                saved[step["save_as"]] = created
            continue
        if "call" not in step:
            raise AssertionError(f"{where}: neither call nor sim")
        assert sync_client or async_client, f"{where}: a call step, but the client failed to build"
        on: Optional[AnyClient] = sync_client or async_client
        if "as" in step:
            assert step["as"] in views, f"{where}: no client for user {step['as']!r} (see `users`)"
            on = views[step["as"]]
        try:
            if isinstance(on, moveworks.Client):
                result = call_sync(on, step["call"], args, scratch)
            else:
                assert isinstance(on, moveworks.AsyncClient)
                result = asyncio.run(call_async(on, step["call"], args, scratch))
        except moveworks.MoveworksError as err:
            assert "expect_error" in step, f"{where}: unexpected error {err!r}"
            check_error(err, substitute(step["expect_error"], saved))
            continue
        assert not args, f"{where}: unhandled arguments {sorted(args)}"
        assert "expect_error" not in step, f"{where}: expected {step['expect_error']}, got {result!r}"
        if "expect" in step:
            try:
                match(substitute(step["expect"], saved), result)
            except AssertionError as e:
                raise AssertionError(f"{where}: {e}") from None
        if "save_as" in step:
            saved[step["save_as"]] = result


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(simulator: Simulator, scenario: Dict[str, Any], mode: str) -> None:
    run_scenario(simulator, scenario, mode)


def test_scenarios_are_loaded() -> None:
    assert len(BETA_SCENARIOS) >= 20
    assert len(V1_SCENARIOS) >= 13


def test_runner_rejects_unknown_actions(simulator: Simulator) -> None:
    with pytest.raises(AssertionError, match="unknown conformance call"):
        run_scenario(simulator, {"name": "x", "steps": [{"call": "teleport", "args": {}}]}, "sync")
    with pytest.raises(AssertionError, match="unknown sim action"):
        run_scenario(simulator, {"name": "x", "steps": [{"sim": "teleport"}]}, "sync")
