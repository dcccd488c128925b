"""App code that uses the SDK, as an application would: the function that
``tests/test_sandbox.py`` (and the README's "Testing your app") tests against the sandbox.

    python examples/app.py "How do I reset my password?"   # configured by MOVEWORKS_* variables
"""

from __future__ import annotations

import sys

# [readme]
import moveworks

SORRY = "Sorry, I could not answer that. Please try again later."


def ask(client: moveworks.Client, question: str) -> str:
    """Asks one question in a new conversation and returns the answer to show the user."""
    conversation = client.create_conversation("Helpdesk")
    try:
        response = client.create_response_and_wait(conversation.conversation_id, question)
    except moveworks.ResponseFailedError:
        return SORRY  # the assistant could not answer: an answer, not a crash
    return response.assistant_text() or SORRY
# [/readme]


if __name__ == "__main__":
    with moveworks.Client.from_env() as client:
        print(ask(client, sys.argv[1] if len(sys.argv) > 1 else "Who does John Doe report to?"))
