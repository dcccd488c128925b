"""Streams one answer as the assistant writes it, then prints the final response's citations.

Configure with MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME and MOVEWORKS_TOKEN
(or MOVEWORKS_CLIENT_ID / MOVEWORKS_CLIENT_SECRET), then:

    python examples/streaming.py "Who does John Doe report to?"

The part between the [readme] markers is the README's streaming example
(python/tests/test_examples.py checks that they stay the same).
"""

from __future__ import annotations

import sys
from typing import Dict

import moveworks


def main() -> int:
    question = sys.argv[1] if len(sys.argv) > 1 else "Who does John Doe report to?"
    with moveworks.Client.from_env() as client:
        conversation_id = client.create_conversation("Streaming example").conversation_id
        try:
            # [readme]
            shown: Dict[str, int] = {}  # characters printed so far, per message
            with client.stream_response(conversation_id, question) as stream:
                for event in stream:
                    if isinstance(event, moveworks.ResponseOutputDelta) and event.output.message is not None:
                        message = event.output.message  # the whole message so far
                        print(message.text[shown.get(message.message_id, 0) :], end="", flush=True)
                        shown[message.message_id] = len(message.text)
                    elif isinstance(event, moveworks.ResponseCompleted):
                        print()
            response = stream.response  # the final Response, as get_response returns it
            # [/readme]
        except moveworks.ResponseFailedError as err:
            print(f"the assistant could not answer (response {err.response_id})", file=sys.stderr)
            return 1
        except moveworks.MoveworksError as err:
            print(f"error [{err.kind}]: {err.message}", file=sys.stderr)
            return 1
        assert response is not None
        print(f"response {response.response_id}: {response.status.value}", file=sys.stderr)
        for message in response.assistant_messages():
            for i, citation in enumerate(message.citations, start=1):
                print(f"[{i}] {citation.url or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
