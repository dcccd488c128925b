"""Messages, feedback and request ids against the simulator: list_messages (newest first,
paging), list_response_messages, submit_feedback with a listed message's callback id,
the typed errors, and the ``request_id`` every returned object and page carries."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Dict, List

import pytest

import moveworks
from conftest import Simulator

FAST: Dict[str, Any] = {"deadline": 10.0, "initial_interval": 0.02, "max_interval": 0.06}


def root_uuids(sim: Simulator, method: str, path_contains: str) -> List[str]:
    """The ``x-moveworks-root-uuid`` the simulator sent back for each matching request, oldest first."""
    return [r["root_uuid"] for r in sim.requests(method, path_contains)]


def answered(sim: Simulator, client: moveworks.Client, *questions: str) -> List[moveworks.Response]:
    sim.config(response_duration_ms=60)
    conv = client.create_conversation("messages")
    return [client.create_response_and_wait(conv.conversation_id, q, **FAST) for q in questions]


def test_list_messages_newest_first_with_paging(sim: Simulator, client: moveworks.Client) -> None:
    first, second = answered(sim, client, "first question", "second question")
    cid = first.conversation_id
    page = client.list_messages(cid)
    assert isinstance(page, moveworks.MessagePage) and page.next_cursor is None and len(page) == 4
    assert [(m.response_id, m.actor) for m in page] == [
        (second.response_id, moveworks.Actor.ASSISTANT),
        (second.response_id, moveworks.Actor.USER),
        (first.response_id, moveworks.Actor.ASSISTANT),
        (first.response_id, moveworks.Actor.USER),
    ]
    assert page.messages[3].text == "first question" and page.messages[3].feedback is None
    assert page.messages[0] == second.assistant_messages()[0]
    feedback = page.messages[0].feedback
    assert isinstance(feedback, moveworks.MessageFeedback)
    assert feedback.helpful is not None and feedback.unhelpful is not None
    assert isinstance(feedback.helpful, moveworks.FeedbackOption)
    assert feedback.helpful.callback_id and feedback.helpful.callback_id != feedback.unhelpful.callback_id
    assert page.to_dict()["messages"][0]["feedback"] == {
        "helpful": {"callback_id": feedback.helpful.callback_id},
        "unhelpful": {"callback_id": feedback.unhelpful.callback_id},
    }

    # limit + cursor walk the same order one message at a time.
    ids: List[str] = []
    cursor = None
    while True:
        p = client.list_messages(cid, limit=1, cursor=cursor)
        ids += [m.message_id for m in p]
        cursor = p.next_cursor
        if cursor is None:
            break
    assert ids == [m.message_id for m in page]
    assert [m.message_id for m in client.iter_messages(cid, limit=3)] == ids
    it = client.iter_messages(cid, limit=3)
    sizes: List[int] = []
    while (p := it.next_page()) is not None:
        sizes.append(len(p))
        assert p.request_id == root_uuids(sim, "GET", "/messages")[-1]
    assert sizes == [3, 1] and it.is_exhausted()

    with pytest.raises(moveworks.NotFoundError):
        client.list_messages("conv_doesNotExist")
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        client.list_messages(cid, limit=101)
    assert info.value.argument == "limit"


def test_list_response_messages(sim: Simulator, client: moveworks.Client) -> None:
    first, second = answered(sim, client, "first question", "second question")
    cid = first.conversation_id
    page = client.list_response_messages(cid, first.response_id)
    assert [(m.actor, m.response_id) for m in page] == [
        (moveworks.Actor.ASSISTANT, first.response_id),
        (moveworks.Actor.USER, first.response_id),
    ]
    assert page.messages[0] == first.assistant_messages()[0] and page.messages[1].text == "first question"
    assert page.to_dict()["metadata"] == {"next_cursor": None}
    assert page.request_id == root_uuids(sim, "GET", f"/responses/{first.response_id}/messages")[-1]
    it = client.iter_response_messages(cid, second.response_id)
    assert isinstance(it, moveworks.ResponseMessageIterator)
    assert [m.text for m in it][1] == "second question"
    with pytest.raises(moveworks.NotFoundError):
        client.list_response_messages(cid, "resp_doesNotExist")
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        client.list_response_messages(cid, "resp/1")
    assert info.value.argument == "response_id"


def test_submit_feedback_with_a_listed_callback_id(sim: Simulator, client: moveworks.Client) -> None:
    (r,) = answered(sim, client, "How do I reset my password?")
    message = client.list_messages(r.conversation_id).messages[0]
    assert message.feedback is not None and message.feedback.helpful is not None
    note = "Clear and correct — merci ✓"
    result = client.submit_feedback(
        r.conversation_id, message.response_id, message.message_id, message.feedback.helpful.callback_id,
        additional_feedback=note,
    )
    assert isinstance(result, moveworks.FeedbackResult)
    assert result.status is moveworks.FeedbackStatus.SUBMITTED and not result.status.is_unknown
    assert result.status == "SUBMITTED" and result.to_dict() == {"status": "SUBMITTED"}
    assert result.request_id == root_uuids(sim, "POST", "/feedback")[-1]
    assert sim.feedback() == [
        {
            "conversation_id": r.conversation_id,
            "response_id": r.response_id,
            "message_id": message.message_id,
            "callback_id": message.feedback.helpful.callback_id,
            "rating": "helpful",
            "additional_feedback": note,
        }
    ]
    # The unhelpful token, taken from the response itself; no additional_feedback is sent as none.
    answer = r.assistant_messages()[0]
    assert answer.feedback is not None and answer.feedback.unhelpful is not None
    client.submit_feedback(r.conversation_id, r.response_id, answer.message_id, answer.feedback.unhelpful.callback_id)
    last = sim.feedback()[-1]
    assert last["rating"] == "unhelpful" and last["additional_feedback"] is None
    assert len(sim.requests("POST", "/feedback")) == 2


def test_foreign_callback_id_is_a_bad_request(sim: Simulator, client: moveworks.Client) -> None:
    a, b = answered(sim, client, "first", "second")
    other = b.assistant_messages()[0].feedback
    assert other is not None and other.helpful is not None
    with pytest.raises(moveworks.BadRequestError) as info:
        client.submit_feedback(a.conversation_id, a.response_id, a.assistant_messages()[0].message_id, other.helpful.callback_id)
    err = info.value
    assert err.status == 400 and err.code == "INVALID_REQUEST" and err.kind == "bad_request"
    assert isinstance(err, moveworks.APIStatusError) and not isinstance(err, moveworks.InvalidArgumentError)
    assert err.request_id == root_uuids(sim, "POST", "/feedback")[-1]
    assert len(sim.requests("POST", "/feedback")) == 1 and sim.feedback() == []


def test_too_long_additional_feedback_sends_nothing(sim: Simulator, client: moveworks.Client) -> None:
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        client.submit_feedback("conv_x", "resp_x", "msg_x", "cb", additional_feedback="é" * 1001)
    assert info.value.argument == "additional_feedback"
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        client.submit_feedback("conv_x", "resp_x", "msg_x", "")
    assert info.value.argument == "callback_id"
    assert sim.requests() == []
    # 1,000 characters (2,000 bytes) is allowed: it is sent (and the ids are unknown).
    with pytest.raises(moveworks.NotFoundError):
        client.submit_feedback("conv_x", "resp_x", "msg_x", "cb", additional_feedback="é" * 1000)
    assert len(sim.requests("POST", "/feedback")) == 1


def test_request_ids_are_the_answers_root_uuids(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=60)
    conv = client.create_conversation("ids")
    assert conv.request_id == root_uuids(sim, "POST", "/conversations")[-1]
    fetched = client.get_conversation(conv.conversation_id)
    assert fetched.request_id == root_uuids(sim, "GET", f"/conversations/{conv.conversation_id}")[-1]
    # Metadata, not value: equal objects, different ids; not in the wire JSON.
    assert fetched == conv and fetched.request_id != conv.request_id
    assert "request_id" not in fetched.to_dict() and "request_id" not in fetched.to_json()
    assert moveworks.Conversation.from_json(fetched.to_json()).request_id is None

    created = client.create_response(conv.conversation_id, "hello")
    assert created.request_id == root_uuids(sim, "POST", "/responses")[-1]
    done = client.wait_for_response(conv.conversation_id, created.response_id, **FAST)
    assert done.request_id == root_uuids(sim, "GET", f"/responses/{created.response_id}")[-1]
    got = client.get_response(conv.conversation_id, created.response_id)
    assert got == done and got.request_id != done.request_id

    conversations = client.list_conversations()
    assert conversations.request_id == root_uuids(sim, "GET", "/conversations")[-1]
    sim.inject_event(conv.conversation_id, "Heads up")
    events = client.list_events()
    assert events.request_id == root_uuids(sim, "GET", "/events")[-1]
    messages = client.list_messages(conv.conversation_id)
    assert messages.request_id == root_uuids(sim, "GET", "/messages")[-1]
    for value in (conversations, events, messages):
        assert value.request_id and "request_id" not in value.to_dict()
        assert type(value).from_json(value.to_json()) == value

    # A streamed turn's final response carries the stream request's id.
    with client.stream_response(conv.conversation_id, "stream it") as stream:
        final = stream.finish()
    assert final.request_id == stream.request_id == root_uuids(sim, "POST", "/responses")[-1]


def test_list_messages_releases_the_gil(sim: Simulator, client: moveworks.Client) -> None:
    conv = client.create_conversation()
    sim.faults({"kind": "delay", "ms": 1000, "method": "GET", "path_contains": "/messages"})
    ticks: List[int] = []
    done = threading.Event()

    def ticker() -> None:
        while not done.is_set():
            ticks.append(1)
            done.wait(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        assert len(client.list_messages(conv.conversation_id)) == 0
    finally:
        done.set()
        t.join()
    assert len(ticks) > 20, "no other Python thread ran while list_messages was in flight"


def test_async_messages_and_feedback(sim: Simulator, client: moveworks.Client, aclient: moveworks.AsyncClient) -> None:
    first, second = answered(sim, client, "first question", "second question")
    cid = first.conversation_id

    async def main() -> None:
        async with aclient as c:
            page = await c.list_messages(cid, limit=3)
            assert len(page) == 3 and page.next_cursor and page.request_id
            rest = await c.list_messages(cid, cursor=page.next_cursor)
            assert [m.text for m in rest] == ["first question"]
            every = [m async for m in c.iter_messages(cid, limit=1)]
            assert every == page.messages + rest.messages
            mine = await c.list_response_messages(cid, second.response_id)
            assert [m.message_id async for m in c.iter_response_messages(cid, second.response_id)] == [
                m.message_id for m in mine
            ]
            answer = mine.messages[0]
            assert answer.feedback is not None and answer.feedback.helpful is not None
            result = await c.submit_feedback(
                cid, answer.response_id, answer.message_id, answer.feedback.helpful.callback_id, additional_feedback="ok"
            )
            assert result.status == moveworks.FeedbackStatus.SUBMITTED
            assert result.request_id == root_uuids(sim, "POST", "/feedback")[-1]
            with pytest.raises(moveworks.InvalidArgumentError):
                await c.submit_feedback(cid, answer.response_id, answer.message_id, "x", additional_feedback="y" * 1001)

    asyncio.run(main())
    assert [f["rating"] for f in sim.feedback()] == ["helpful"]
    assert len(sim.requests("POST", "/feedback")) == 1


def test_feedback_status_keeps_unknown_values() -> None:
    result = moveworks.FeedbackResult.from_json('{"status": "QUEUED"}')
    assert result.status.is_unknown and result.status == "QUEUED" and result.request_id is None
    assert moveworks.FeedbackStatus("QUEUED") is result.status
    assert result.to_dict() == {"status": "QUEUED"}
    assert [s.value for s in moveworks.FeedbackStatus] == list(moveworks.FEEDBACK_STATUSES)
    message = moveworks.Message.from_dict(
        {
            "message_id": "msg_1",
            "conversation_id": "conv_1",
            "response_id": "resp_1",
            "actor": "ASSISTANT",
            "content": {"type": "COMMONMARK_TEXT", "commonmark_text": {"text": "hi"}},
            "created_at": "2026-01-01T00:00:00Z",
            "feedback": {"helpful": {"callback_id": "t1"}},
        }
    )
    assert message.feedback is not None and message.feedback.unhelpful is None
    assert message.feedback.helpful == moveworks.FeedbackOption.from_dict({"callback_id": "t1"})
    assert "FeedbackOption(callback_id='t1')" in repr(message.feedback)
