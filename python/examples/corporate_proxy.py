"""A client behind a corporate proxy that inspects TLS with the company's own root.

Configure with MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME and MOVEWORKS_TOKEN
(or MOVEWORKS_CLIENT_ID / MOVEWORKS_CLIENT_SECRET), CORP_PROXY (the proxy's URL)
and CORP_ROOT_CA (the company root: a PEM file or PEM text), then:

    python examples/corporate_proxy.py

The part between the [readme] markers is the README's "Behind a corporate proxy"
example (python/tests/test_network.py runs this file through a real TLS-inspecting
proxy and checks that the two stay the same).
"""

from __future__ import annotations

# [readme]
import logging
import os

import moveworks


def corporate_client() -> moveworks.Client:
    """A client for a network behind a corporate proxy: the proxy's root is trusted beside
    the system's, and its URL (credentials allowed, never shown) wins over HTTPS_PROXY."""
    # MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME and MOVEWORKS_TOKEN (or client credentials).
    return moveworks.Client.from_env(
        ca_certificates=os.environ.get("CORP_ROOT_CA"),  # a PEM file or PEM text
        proxy=os.environ.get("CORP_PROXY"),  # e.g. http://user:secret@proxy.corp:3128
    )


# One line per HTTP attempt (method, path, status, attempt, duration, request id, retry).
logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
logging.getLogger("moveworks").setLevel(logging.DEBUG)
# [/readme]


def main() -> int:
    with corporate_client() as client:
        conversation = client.create_conversation("Behind the proxy")
        response = client.stream_response_and_wait(conversation.conversation_id, "How do I reset my password?")
        print(f"{conversation.title}: {response.status.value} (request {response.request_id})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
