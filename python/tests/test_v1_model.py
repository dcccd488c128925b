"""The rest/v1 additions to the model (API-V1-NOTES.md's example messages), decoded by the core."""

from typing import Any, Dict

import moveworks


def message(actor: str, content: Dict[str, Any], **extra: object) -> moveworks.Message:
    wire = {"message_id": "m", "conversation_id": "c", "response_id": "r", "actor": actor,
            "created_at": "2026-11-30T09:14:05.482113Z", "content": content, **extra}
    return moveworks.Message.from_dict(wire)


def test_actions_in_order_and_the_get_help_menu() -> None:
    m = message(
        "ASSISTANT",
        {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Shall I file it?"}},
        actions=[
            {"type": "CALLBACK_ACTION", "label": "File it", "callback_action": {"callback_id": "cb_A1"}},
            {"type": "MODAL_ACTION", "label": "Edit details", "modal_action": {"modal_id": "modal_B2"}},
            {"type": "URL_ACTION", "label": "Open portal", "url_action": {"url": "https://app.moveworks.ai/r?x"}},
            {"type": "SHARE_ACTION", "label": "Share"},
        ],
        handoff={"handoff_categories": [{"category_id": "it", "name": ":computer: IT", "handoff_items": [
            {"title": "Talk to an agent", "type": "ACTION",
             "action": {"type": "CALLBACK_ACTION", "label": "Talk to an agent", "callback_action": {"callback_id": "cb_C3"}}},
            {"title": "Service hours", "type": "TEXT", "text": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Mon-Fri"}}},
        ]}]},
    )
    assert [a.label for a in m.buttons()] == ["File it", "Edit details", "Open portal", "Share"]
    assert [a.type for a in m.actions] == ["CALLBACK_ACTION", "MODAL_ACTION", "URL_ACTION", "SHARE_ACTION"]
    assert m.actions[0].callback_id == "cb_A1" and m.actions[0].url is None
    assert m.actions[1].modal_id == "modal_B2"
    assert m.actions[2].url == "https://app.moveworks.ai/r?x"
    assert m.actions[3].is_unknown and not m.actions[0].is_unknown
    assert m.handoff is not None
    items = m.handoff.categories[0].items
    assert m.handoff.categories[0].name == ":computer: IT"
    assert items[0].type == "ACTION" and items[0].action is not None and items[0].action.callback_id == "cb_C3"
    assert items[1].type == "TEXT" and items[1].text is not None and items[1].text.text == "Mon-Fri"
    assert not m.is_live_agent and m.sender_info is None and m.files == []


def test_live_agent_files_and_a_recorded_press() -> None:
    agent = message("LIVE_AGENT", {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Hi"}},
                    sender_info={"display_name": "Priya Raman"})
    assert agent.actor == moveworks.Actor.LIVE_AGENT and agent.is_live_agent
    assert agent.sender_info is not None
    assert agent.sender_info.display_name == "Priya Raman" and agent.sender_info.avatar_url is None
    user = message("USER", {"type": "PLAIN_TEXT", "plain_text": {"text": "see attached", "files": [
        {"file_id": "file_1", "file_name": "vpn.png"}, {"file_id": "file_2"}]}})
    assert [(f.file_id, f.file_name) for f in user.files] == [("file_1", "vpn.png"), ("file_2", None)]
    assert [f.file_id for f in user.content.files] == ["file_1", "file_2"]
    press = message("USER", {"type": "CALLBACK_ACTION_CONTENT", "callback_action": {"callback_id": "cb_A1"}})
    assert press.content.type == "CALLBACK_ACTION_CONTENT" and press.content.callback_id == "cb_A1"
    assert not press.content.is_unknown
    bare = message("USER", {"type": "CALLBACK_ACTION_CONTENT"})
    assert bare.content.callback_id is None and bare.to_dict()["content"] == {"type": "CALLBACK_ACTION_CONTENT"}


def test_event_created_at_on_v1_only() -> None:
    v1 = moveworks.Event.from_dict({"event_id": "evt_1", "conversation_id": "c", "created_at": "2026-11-30T09:14:05Z",
                                    "event_payload": {"type": "MESSAGE_EVENT"}})
    assert v1.created_at is not None and v1.created_at.year == 2026
    beta = moveworks.Event.from_dict({"event_id": "evt_1", "conversation_id": "c", "event_payload": {"type": "MESSAGE_EVENT"}})
    assert beta.created_at is None


def test_api_version_is_a_client_option() -> None:
    assert "api_version" in moveworks._moveworks.CLIENT_OPTION_NAMES


def test_press_and_get_event_on_rest_v1(sim: Any) -> None:
    import asyncio
    import time

    simulator = sim
    origin = simulator.origin
    client = simulator.client(base_url=origin)
    assert client.base_url.endswith("/rest/v1")
    conv = client.create_conversation()
    done = client.create_response_and_wait(conv.conversation_id, "I need a new laptop")
    answer = [o.message for o in done.outputs if o.message is not None][-1]
    assert [a.label for a in answer.buttons()] == ["File it", "Edit details", "Open portal"]
    pressed = client.press(conv.conversation_id, answer.actions[0])
    final = client.wait_for_response(conv.conversation_id, pressed.response_id)
    assert (final.assistant_text() or "").startswith("Filed ticket INC")
    try:
        client.press(conv.conversation_id, answer.actions[2])
        raise AssertionError("a URL button was pressed")
    except moveworks.InvalidArgumentError as e:
        assert e.argument == "action"
    # An event: injected for this conversation, then read back one by one.
    simulator.inject_event(conversation_id=conv.conversation_id, text="Your laptop shipped")
    deadline = time.monotonic() + 5
    events = client.list_events(conversation_id=conv.conversation_id).events
    while not events and time.monotonic() < deadline:
        time.sleep(0.05)
        events = client.list_events(conversation_id=conv.conversation_id).events
    one = client.get_event(conv.conversation_id, events[0].event_id)
    assert one == events[0] and one.created_at is not None

    async def async_side() -> None:
        async with simulator.async_client(base_url=origin) as ac:
            again = await ac.get_event(conv.conversation_id, events[0].event_id)
            assert again == events[0]

    asyncio.run(async_side())
