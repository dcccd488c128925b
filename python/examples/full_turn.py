"""One full turn against the API (or the simulator): ask, watch progress, print the answer.

Configure with MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME and MOVEWORKS_TOKEN
(or MOVEWORKS_CLIENT_ID / MOVEWORKS_CLIENT_SECRET), then:

    python examples/full_turn.py "Who does John Doe report to?"
"""

from __future__ import annotations

import sys

import moveworks


def show_progress(response: moveworks.Response) -> None:
    for reasoning in response.reasoning_messages():
        print(f"  … {reasoning.content.text_lossy() or ''}", file=sys.stderr)
    print(f"  [{response.status.value}]", file=sys.stderr)


def main() -> int:
    question = sys.argv[1] if len(sys.argv) > 1 else "Who does John Doe report to?"
    with moveworks.Client.from_env() as client:
        conversation = client.create_conversation("Example")
        try:
            response = client.create_response_and_wait(conversation.conversation_id, question, on_update=show_progress)
        except moveworks.ResponseFailedError as err:
            # A FAILED response is an answer, not an HTTP error: it has no request id; quote the response id.
            print(f"the assistant could not answer (response {err.response_id})", file=sys.stderr)
            return 1
        except moveworks.MoveworksError as err:
            print(f"error [{err.kind}]: {err.message}", file=sys.stderr)
            return 1
        for message in response.assistant_messages():
            print(message.text_with_citation_markers())
            for i, citation in enumerate(message.citations, start=1):
                title = citation.display.title.text_lossy() if citation.display and citation.display.title else None
                print(f"[{i}] {title or ''} {citation.url or ''}".rstrip())
        recent = [c.title or c.conversation_id for c in client.iter_conversations(limit=5)]
        print(f"conversations: {len(recent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
