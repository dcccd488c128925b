"""Webhook deliveries (rest/v1): a local receiver gets the simulator's POST, and
``WebhookDelivery`` reads it, runs a verifier of the test's, and fetches the event."""

import asyncio
import hmac
import http.server
import queue
import threading
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import moveworks

Received = Tuple[Dict[str, str], bytes]


@pytest.fixture
def receiver() -> Iterator[Tuple[str, "queue.Queue[Received]"]]:
    """An HTTP endpoint on localhost; each POST's headers and raw body land in the queue."""
    got: "queue.Queue[Received]" = queue.Queue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            got.put((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    finally:
        server.shutdown()
        server.server_close()


def user_view(sim: Any, app: moveworks.Client, user_id: str) -> moveworks.Client:
    return app.for_user(lambda: sim.script("user_token", {"user_id": user_id})["token"])


def test_a_delivery_is_read_and_its_event_fetched_as_its_user(sim: Any, receiver: Tuple[str, "queue.Queue[Received]"]) -> None:
    url, got = receiver
    sim.script("webhook", {"url": url})
    app = sim.client(base_url=sim.origin)
    alice, bob = user_view(sim, app, "u_alice"), user_view(sim, app, "u_bob")
    conv = alice.create_conversation()
    event = sim.inject_event(conv.conversation_id, "Your laptop has shipped")
    headers, body = got.get(timeout=10)

    delivery = moveworks.WebhookDelivery.parse(body)
    assert (delivery.id, delivery.conversation_id, delivery.user_id) == (event["event_id"], conv.conversation_id, "u_alice")
    assert delivery.event_type == "CONVERSATION_RESPONSE_RECEIVED" and delivery.is_conversation_response
    assert delivery.raw["data"]["user_id"] == "u_alice" and moveworks.WebhookDelivery.parse(body.decode()).id == delivery.id
    fetched = delivery.fetch(alice)
    assert fetched.event_id == event["event_id"] and fetched.payload.message is not None
    assert fetched.payload.message.text == "Your laptop has shipped"
    # Another user's client does not see it.
    with pytest.raises(moveworks.NotFoundError):
        delivery.fetch(bob)

    async def run() -> None:
        async with moveworks.AsyncClient.from_client(alice) as ac:
            assert await delivery.fetch_async(ac) == fetched
        with pytest.raises(TypeError):
            await delivery.fetch_async(alice)

    asyncio.run(run())
    assert "u_alice" in repr(delivery)


def test_a_verifier_sees_the_headers_and_raw_body_first(sim: Any) -> None:
    body = b'{"id": "evt_1", "data": {"conversation_id": "conv_1", "user_id": "u_1"}}'
    key = b"a key from your account team"
    seen: List[Tuple[List[Tuple[str, str]], bytes]] = []

    def verifier(headers: List[Tuple[str, str]], raw: bytes) -> None:
        # A stand-in scheme for the test: the SDK ships none, Moveworks' is not public.
        seen.append((headers, raw))
        given = dict((k.lower(), v) for k, v in headers).get("x-test-signature", "")
        if not hmac.compare_digest(given, hmac.new(key, raw, "sha256").hexdigest()):
            raise PermissionError("bad signature")

    good = {"X-Test-Signature": hmac.new(key, body, "sha256").hexdigest()}
    assert moveworks.WebhookDelivery.parse(body, headers=good, verifier=verifier).id == "evt_1"
    assert seen == [([("X-Test-Signature", good["X-Test-Signature"])], body)]
    # Refused: the verifier's own exception, before any parsing (the body is not even JSON).
    with pytest.raises(PermissionError, match="bad signature"):
        moveworks.WebhookDelivery.parse(b"not json", headers=[("X-Test-Signature", "0")], verifier=verifier)
    # Headers with nothing to check them are refused, so nobody believes they were checked.
    with pytest.raises(moveworks.InvalidArgumentError) as e:
        moveworks.WebhookDelivery.parse(body, headers=good)
    assert e.value.argument == "verifier"


@pytest.mark.parametrize(
    "body, error, argument",
    [
        (b"not json", moveworks.DecodeError, None),
        (b"[1]", moveworks.DecodeError, None),
        (b"{}", moveworks.InvalidArgumentError, "data"),
        (b'{"id": "e", "data": {"conversation_id": "c"}}', moveworks.InvalidArgumentError, "data.user_id"),
        (b'{"id": 7, "data": {"conversation_id": "c", "user_id": "u"}}', moveworks.InvalidArgumentError, "id"),
    ],
)
def test_a_bad_body_says_what_is_wrong(body: bytes, error: type, argument: Any) -> None:
    with pytest.raises(error) as e:
        moveworks.WebhookDelivery.parse(body)
    assert getattr(e.value, "argument", None) == argument
