"""Asks one question, lists the conversation's messages newest first, and rates the answer.

Configure with MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME and MOVEWORKS_TOKEN
(or MOVEWORKS_CLIENT_ID / MOVEWORKS_CLIENT_SECRET), then:

    python examples/feedback.py "How do I reset my password?"

The part between the [readme] markers is the README's messages-and-feedback example
(python/tests/test_examples.py checks that they stay the same).
"""

from __future__ import annotations

import sys

import moveworks


def main() -> int:
    question = sys.argv[1] if len(sys.argv) > 1 else "How do I reset my password?"
    with moveworks.Client.from_env() as client:
        conversation_id = client.create_conversation("Feedback example").conversation_id
        try:
            client.create_response_and_wait(conversation_id, question)
            # [readme]
            for message in client.iter_messages(conversation_id):  # newest first
                print(f"{message.actor.value}: {message.text}")
            page = client.list_messages(conversation_id, limit=1)
            answer = page.messages[0]  # the newest message: the assistant's answer
            print(f"(listed by request {page.request_id})")
            if answer.feedback is not None and answer.feedback.helpful is not None:
                result = client.submit_feedback(
                    conversation_id,
                    answer.response_id,
                    answer.message_id,
                    answer.feedback.helpful.callback_id,  # which callback id decides the rating
                    additional_feedback="Clear and correct",
                )
                print(f"feedback {result.status.value} (request {result.request_id})")
            # [/readme]
        except moveworks.MoveworksError as err:
            print(f"error [{err.kind}]: {err.message} (request {err.request_id})", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
