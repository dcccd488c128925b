"""The quickstart: ask the assistant a question, with no account.

The sandbox (``moveworks.testing.Sandbox``) is the SDK's simulator of the
Conversations API running inside this process, so this runs right after
``pip install moveworks``:

    python examples/quickstart.py
"""

# [readme]
from moveworks.testing import Sandbox

with Sandbox() as sandbox, sandbox.client() as client:
    # With an account: moveworks.Client(assistant_name="acme", client_id="...", client_secret="...")
    conversation = client.create_conversation("Quickstart")
    response = client.create_response_and_wait(conversation.conversation_id, "Who does John Doe report to?")
    print(response.assistant_text())
# [/readme]
