"""Models: attributes, repr, equality, wire JSON, timestamps, enums with unknown values."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, List

import pytest

import moveworks
from conftest import Simulator

FAST: Dict[str, Any] = {"deadline": 10.0, "initial_interval": 0.02, "max_interval": 0.06}


def test_conversation_model(client: moveworks.Client) -> None:
    conv = client.create_conversation("Model")
    assert isinstance(conv.created_at, dt.datetime) and conv.created_at.tzinfo is not None
    assert conv.created_at.utcoffset() == dt.timedelta(0)
    assert conv.updated_at >= conv.created_at
    r = repr(conv)
    assert r.startswith("Conversation(") and conv.conversation_id in r and "'Model'" in r
    d = conv.to_dict()
    assert d["conversation_id"] == conv.conversation_id and d["title"] == "Model" and isinstance(d["created_at"], str)
    assert json.loads(conv.to_json()) == d
    assert moveworks.Conversation.from_json(conv.to_json()) == conv
    assert moveworks.Conversation.from_dict(d) == conv
    assert conv != client.create_conversation("Other")
    assert conv != "not a conversation"
    with pytest.raises(AttributeError):
        conv.title = "x"  # type: ignore[misc]


def test_response_model_and_citations(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=60)
    conv = client.create_conversation()
    done = client.create_response_and_wait(conv.conversation_id, "Who does John Doe report to?", **FAST)
    assert [o.type for o in done.outputs] == ["REASONING_MESSAGE", "MESSAGE"]
    reasoning, final = done.outputs
    assert reasoning.reasoning_message is not None and reasoning.message is None
    assert final.message is not None and not final.is_unknown
    msg = final.message
    assert msg.actor is moveworks.Actor.ASSISTANT and msg.response_id == done.response_id
    assert msg.conversation_id == conv.conversation_id and msg.message_id
    assert msg.content.type == "COMMONMARK_TEXT" and msg.content.text == msg.text
    assert msg.content.text_lossy() == msg.text
    # The published shape: citations named by id, placed by content_references (the last two
    # share an offset), display attributes; no deprecated location.
    assert len(msg.citations) == 3
    cite = msg.citations[0]
    assert cite.citation_id is not None and cite.citation_id.startswith("cite_")
    assert cite.offset is None, "location.offset is deprecated and no longer sent"
    assert cite.url is None or cite.url.startswith("http")
    assert repr(cite).startswith("Citation(citation_id='cite_")
    assert cite.display is not None and "CitationDisplay(" in repr(cite.display)
    assert cite.display.title is None or isinstance(cite.display.title, moveworks.Content)
    assert cite.display.body is None or isinstance(cite.display.body, moveworks.Content)
    attrs = cite.display.attributes
    assert attrs and all(isinstance(a, moveworks.CitationAttribute) and a.key and isinstance(a.value, str) for a in attrs)
    assert repr(attrs[0]) == f"CitationAttribute(key={attrs[0].key!r}, value={attrs[0].value!r})"
    assert "attributes=[CitationAttribute(" in repr(cite.display)
    refs = msg.content_references
    assert [type(r) for r in refs] == [moveworks.ContentReference] * 3
    assert [r.citation_id for r in refs] == [c.citation_id for c in msg.citations]
    assert [r.offset for r in refs] == sorted(r.offset for r in refs) and refs[1].offset == refs[2].offset
    assert repr(refs[0]) == f"ContentReference(citation_id={refs[0].citation_id!r}, offset={refs[0].offset})"
    assert refs[0] == refs[0] and refs[0] != refs[1]
    assert "content_references=[ContentReference(" in repr(msg)
    marked = msg.text_with_citation_markers()
    assert "[1]" in marked and "[2][3]" in marked, marked
    rm = reasoning.reasoning_message
    assert rm.reasoning_message_id and rm.conversation_id == conv.conversation_id and rm.response_id == done.response_id
    assert isinstance(rm.created_at, dt.datetime)
    assert "Response(" in repr(done) and "COMPLETED" in repr(done)
    assert moveworks.Response.from_json(done.to_json()) == done
    for item in (reasoning, final, msg, rm, msg.content, cite):
        assert type(item).from_json(item.to_json()) == item  # type: ignore[attr-defined]
    wire = done.to_dict()
    assert wire["outputs"][1]["type"] == "MESSAGE" and "message" in wire["outputs"][1]
    wire_message = wire["outputs"][1]["message"]
    assert wire_message["citations"][0]["citation_id"] == cite.citation_id
    assert "location" not in wire_message["citations"][0]
    assert wire_message["citations"][0]["display"]["attributes"][0] == {"key": attrs[0].key, "value": attrs[0].value}
    assert wire_message["content_references"] == [{"citation_id": r.citation_id, "offset": r.offset} for r in refs]


def test_unknown_enum_values_are_kept(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=150)
    conv = client.create_conversation()
    seen: List[moveworks.ResponseStatus] = []
    done = client.create_response_and_wait(conv.conversation_id, "[unknown] what is new?", on_update=lambda r: seen.append(r.status), **FAST)
    unknown = [s for s in seen if s.is_unknown]
    assert unknown and unknown[0].value == "THINKING" and unknown[0] == "THINKING"
    assert moveworks.ResponseStatus("THINKING") is unknown[0]
    assert "THINKING" not in moveworks.ResponseStatus.__members__
    assert not moveworks.ResponseStatus.COMPLETED.is_unknown
    types = [o.type for o in done.outputs]
    assert "TOOL_CALL" in types
    tool = done.outputs[types.index("TOOL_CALL")]
    assert tool.is_unknown and tool.message is None and tool.to_dict()["type"] == "TOOL_CALL"
    reasoning = done.outputs[0].reasoning_message
    assert reasoning is not None and reasoning.content.is_unknown
    assert reasoning.content.type == "HTML_TEXT" and reasoning.content.text is None
    assert isinstance(reasoning.content.text_lossy(), str)
    sim.inject_event(conv.conversation_id, "Your request is done.", kind="async_response")
    sim.inject_event(conv.conversation_id, "Heads up", event_type="NOTIFICATION_EVENT")
    events = list(client.iter_events())
    assert [e.payload.type for e in events] == ["MESSAGE_EVENT", "NOTIFICATION_EVENT"]
    assert events[1].payload.is_unknown and events[1].payload.message is None
    assert events[1].to_dict()["event_payload"]["type"] == "NOTIFICATION_EVENT"
    assert moveworks.Actor("ROBOT").is_unknown and moveworks.Actor("USER") is moveworks.Actor.USER


def test_pages_are_models(client: moveworks.Client) -> None:
    client.create_conversation("a")
    page = client.list_conversations()
    assert page.to_dict()["metadata"] == {"next_cursor": None}
    assert moveworks.ConversationPage.from_json(page.to_json()) == page
    assert "ConversationPage(" in repr(page)
    events = client.list_events()
    assert len(events) == 0 and events.next_cursor is None and "EventPage(" in repr(events)


def test_from_json_rejects_garbage() -> None:
    with pytest.raises(moveworks.DecodeError):
        moveworks.Conversation.from_json("{not json")
    with pytest.raises(moveworks.DecodeError):
        moveworks.Response.from_dict({"response_id": 1})


def test_enum_members_are_exactly_the_values_the_core_knows() -> None:
    # The Python enums are written out for typing; the core's list is the truth,
    # so a value added there must not silently read as unknown here.
    assert [m.value for m in moveworks.ResponseStatus] == list(moveworks.RESPONSE_STATUSES)
    assert [m.value for m in moveworks.Actor] == list(moveworks.ACTORS)


RAW_MESSAGE: Dict[str, Any] = {
    "message_id": "msg_raw_1",
    "conversation_id": "conv_placeholder",
    "response_id": "resp_placeholder",
    "actor": "ASSISTANT",
    "content": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Café ☕ is hot"}},
    "citations": [
        {
            "citation_id": "cite_a",
            "url": "https://kb.example/a",
            "display": {
                "title": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Coffee"}},
                "attributes": [{"key": "source", "value": "ServiceNow"}],
            },
        },
        {"citation_id": "cite_b", "location": {"offset": 0}},
        {"citation_id": "cite_c"},
    ],
    # cite_a and cite_c share an offset; offsets count characters ('é' and '☕' are one each).
    "content_references": [
        {"citation_id": "cite_a", "offset": 4},
        {"citation_id": "cite_c", "offset": 4},
        {"citation_id": "cite_b", "offset": 13},
    ],
    "feedback": None,
    "created_at": "2026-09-01T00:00:00Z",
}


def test_citation_markers_on_a_raw_message_with_a_shared_offset(sim: Simulator, client: moveworks.Client) -> None:
    sim.config(response_duration_ms=60)
    conv = client.create_conversation()
    sim.faults({"kind": "raw_message", "message": RAW_MESSAGE})
    deltas: List[moveworks.ResponseOutputDelta] = []

    def collect(event: moveworks.StreamEvent) -> None:
        if isinstance(event, moveworks.ResponseOutputDelta):
            deltas.append(event)

    done = client.stream_response_and_wait(conv.conversation_id, "coffee?", on_event=collect, **FAST)
    [msg] = done.assistant_messages()
    assert msg.message_id == "msg_raw_1" and msg.response_id == done.response_id and msg.feedback is None
    assert [(r.citation_id, r.offset) for r in msg.content_references] == [("cite_a", 4), ("cite_c", 4), ("cite_b", 13)]
    # Markers come from content_references, not the deprecated location (which is still readable).
    assert msg.text_with_citation_markers() == "Café[1][3] ☕ is hot[2]"
    assert [c.offset for c in msg.citations] == [None, 0, None]
    display = msg.citations[0].display
    assert display is not None and display.title is not None and display.title.text == "Coffee"
    assert [(a.key, a.value) for a in display.attributes] == [("source", "ServiceNow")]
    # Streamed, one delta carries the message whole; list messages serves it too.
    assert any(d.output.message is not None and d.output.message.message_id == "msg_raw_1" for d in deltas)
    listed = [m for m in client.list_messages(conv.conversation_id) if m.message_id == "msg_raw_1"]
    assert listed == [msg] and listed[0].text_with_citation_markers() == "Café[1][3] ☕ is hot[2]"
    # The same message decoded offline gives the same markers.
    offline = moveworks.Message.from_dict(RAW_MESSAGE)
    assert offline.text_with_citation_markers() == "Café[1][3] ☕ is hot[2]"
    assert moveworks.Message.from_json(offline.to_json()) == offline


def test_nullable_lists_decode_as_empty() -> None:
    message = moveworks.Message.from_dict({**RAW_MESSAGE, "citations": None, "content_references": None})
    assert message.citations == [] and message.content_references == []
    assert message.text_with_citation_markers() == message.text == "Café ☕ is hot"
