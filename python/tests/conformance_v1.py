"""The rest/v1 calls of the conformance runner (tests/conformance/README.md, "rest/v1
scenarios"), sync and async, through the public API only; test_conformance.py runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import moveworks

# What call_v1_sync / call_v1_async return for a call they do not know.
UNKNOWN = object()

_MODAL_IDS = ("conversation_id", "response_id", "message_id", "modal_id")


def turn_input(args: Dict[str, Any]) -> Union[str, moveworks.Input]:
    """A turn's ``text`` (a typed turn) or ``input``: one of chat, text, callback_id, raw."""
    if "text" in args:
        text: str = args.pop("text")
        return text
    spec = args.pop("input")
    assert isinstance(spec, dict) and len(spec) == 1, f"input takes exactly one key, got {spec!r}"
    (kind, value), = spec.items()
    if kind == "chat":
        return moveworks.Input.chat(value)
    if kind == "text":
        return moveworks.Input.text(value)
    if kind == "callback_id":
        return moveworks.Input.callback(value)
    if kind == "raw":
        return moveworks.Input.raw(value)
    raise AssertionError(f"unknown input kind {kind!r}")


def modal_ref(args: Dict[str, Any]) -> moveworks.ModalRef:
    return moveworks.ModalRef(*(args.pop(k) for k in _MODAL_IDS))


def previous_modal(args: Dict[str, Any], source: moveworks.ModalRef) -> moveworks.Modal:
    """The saved Modal, with where it was fetched from (what refresh_modal needs)."""
    return moveworks.Modal.from_dict(args.pop("previous")).with_source(source)


def webhook_body(args: Dict[str, Any]) -> str:
    # The raw body as a handler receives it; a JSON value stands for its encoding.
    body = args.pop("body")
    return body if isinstance(body, str) else json.dumps(body)


def delivery_result(delivery: moveworks.WebhookDelivery, event: moveworks.Event) -> Dict[str, Any]:
    return {
        "delivery": {
            "id": delivery.id,
            "conversation_id": delivery.conversation_id,
            "user_id": delivery.user_id,
            "event_type": delivery.event_type,
        },
        "event": event.to_dict(),
    }


def follow_once(follower: moveworks.EventsFollower, args: Dict[str, Any]) -> Dict[str, Any]:
    """One ``poll_once`` whose handler takes ``handle`` events (all when absent) and refuses the next."""
    handle: Optional[int] = args.pop("handle", None)
    handled: List[Dict[str, Any]] = []

    def handler(event: moveworks.Event) -> bool:
        if handle is not None and len(handled) == handle:
            return False  # not handled: not saved, delivered again later
        handled.append(event.to_dict())
        return True

    follower.poll_once(handler)
    return {"events": handled, "checkpoint": follower.checkpoint}


def follow_kwargs(args: Dict[str, Any], scratch: Path) -> Dict[str, Any]:
    """A new follower (as after a restart) on the file checkpoint named ``checkpoint``."""
    kwargs: Dict[str, Any] = {"checkpoint": str(scratch / args.pop("checkpoint")), "replay": args.pop("replay", False)}
    if "page_size" in args:
        kwargs["page_size"] = args.pop("page_size")
    return kwargs


def call_v1_sync(client: moveworks.Client, name: str, args: Dict[str, Any], scratch: Path) -> Any:
    if name == "press":
        return client.press(args.pop("conversation_id"), moveworks.Action.from_dict(args.pop("action"))).to_dict()
    if name == "get_event":
        return client.get_event(args.pop("conversation_id"), args.pop("event_id")).to_dict()
    if name == "get_modal":
        return client.get_modal(modal_ref(args)).to_dict()
    if name == "refresh_modal":
        previous = previous_modal(args, modal_ref(args))
        return client.refresh_modal(previous, args.pop("values")).to_dict()
    if name == "submit_modal":
        return client.submit_modal(modal_ref(args), args.pop("values")).to_dict()
    if name == "webhook_message":
        delivery = moveworks.WebhookDelivery.parse(webhook_body(args))
        return delivery_result(delivery, delivery.fetch(client))
    if name == "follow_events":
        return follow_once(client.follow_events(**follow_kwargs(args, scratch)), args)
    return UNKNOWN


async def call_v1_async(client: moveworks.AsyncClient, name: str, args: Dict[str, Any], scratch: Path) -> Any:
    if name == "press":
        action = moveworks.Action.from_dict(args.pop("action"))
        return (await client.press(args.pop("conversation_id"), action)).to_dict()
    if name == "get_event":
        return (await client.get_event(args.pop("conversation_id"), args.pop("event_id"))).to_dict()
    if name == "get_modal":
        return (await client.get_modal(modal_ref(args))).to_dict()
    if name == "refresh_modal":
        previous = previous_modal(args, modal_ref(args))
        return (await client.refresh_modal(previous, args.pop("values"))).to_dict()
    if name == "submit_modal":
        return (await client.submit_modal(modal_ref(args), args.pop("values"))).to_dict()
    if name == "webhook_message":
        delivery = moveworks.WebhookDelivery.parse(webhook_body(args))
        return delivery_result(delivery, await delivery.fetch_async(client))
    if name == "follow_events":
        # poll_once with a handler is the blocking follower's (the async one iterates).
        follower = client.follow_events(**follow_kwargs(args, scratch)).sync_follower
        return follow_once(follower, args)
    return UNKNOWN
