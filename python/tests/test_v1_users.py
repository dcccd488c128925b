"""Per-user credentials on one client (rest/v1): ``Client.for_user`` against the simulator's per-user bearers."""

import asyncio
import threading
import time
from typing import Any, Dict, List, Tuple

import pytest

import moveworks


def v1_client(sim: Any) -> moveworks.Client:
    return moveworks.Client(base_url=f"{sim.origin}/rest/v1", assistant_name=sim.assistant_name, token=sim.token)


def mint(sim: Any, user_id: str) -> str:
    token: str = sim.script("user_token", {"user_id": user_id})["token"]
    return token


def test_two_users_on_one_client_see_only_their_own_conversations(sim: Any) -> None:
    app = v1_client(sim)
    calls: Dict[str, int] = {"u_alice": 0, "u_bob": 0}

    def provider(user_id: str) -> Any:
        def provide() -> Tuple[str, float]:
            calls[user_id] += 1
            return mint(sim, user_id), 3600.0
        return provide

    alice, bob = app.for_user(provider("u_alice")), app.for_user(provider("u_bob"))
    hers = alice.create_conversation(title="alice's")
    his = bob.create_conversation(title="bob's")
    assert [c.conversation_id for c in alice.list_conversations().conversations] == [hers.conversation_id]
    assert [c.conversation_id for c in bob.list_conversations().conversations] == [his.conversation_id]
    with pytest.raises(moveworks.NotFoundError):
        bob.get_conversation(hers.conversation_id)
    assert calls == {"u_alice": 1, "u_bob": 1}, "one token each, cached"


def test_concurrent_calls_ask_once_and_a_refused_token_is_replaced(sim: Any) -> None:
    app = v1_client(sim)
    calls: List[float] = []

    def slow() -> str:
        calls.append(time.monotonic())
        time.sleep(0.2)
        return mint(sim, "u_carol")

    carol = app.for_user(slow)
    threads = [threading.Thread(target=carol.list_conversations) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    conv = carol.create_conversation()
    sim.script("revoke_tokens", {})
    assert carol.get_conversation(conv.conversation_id).conversation_id == conv.conversation_id
    assert len(calls) == 2, "asked again after the 401"


def test_a_provider_that_raises_fails_the_call_and_bad_providers_are_refused(sim: Any) -> None:
    app = v1_client(sim)

    def down() -> str:
        raise RuntimeError("the identity provider is down")

    with pytest.raises(moveworks.OAuthError, match="the identity provider is down"):
        app.for_user(down).list_conversations()
    with pytest.raises(moveworks.OAuthError, match="str or a"):
        app.for_user(lambda: 42).list_conversations()  # type: ignore[arg-type,return-value]
    with pytest.raises(moveworks.InvalidArgumentError):
        app.for_user("not callable")  # type: ignore[arg-type]
    key = mint(sim, "u_frank")
    frank = app.for_user_token(key)
    assert frank.create_conversation(title="frank's").title == "frank's"
    assert key not in repr(frank)


def test_async_views_share_the_provider_rules(sim: Any) -> None:
    app = moveworks.AsyncClient(base_url=f"{sim.origin}/rest/v1", assistant_name=sim.assistant_name, token=sim.token)
    dana = app.for_user(lambda: mint(sim, "u_dana"))

    async def main() -> None:
        conv = await dana.create_conversation(title="dana's")
        page = await dana.list_conversations()
        assert [c.conversation_id for c in page.conversations] == [conv.conversation_id]

    asyncio.run(main())
