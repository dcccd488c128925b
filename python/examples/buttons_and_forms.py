"""Buttons and forms (rest/v1): ask for a laptop, press a button, fill in and submit a form.

Runs against the sandbox (``moveworks.testing.Sandbox``, the SDK's simulator of the
API inside this process), so it needs no account:

    python examples/buttons_and_forms.py

The sandbox answers "I need a new laptop" with three buttons: "File it" (a
``CALLBACK_ACTION``: pressing it sends its callback id as the next turn), "Edit
details" (a ``MODAL_ACTION``: it opens a form) and "Open portal" (a ``URL_ACTION``).
Choosing the MacBook in the form makes a "Needed by" date appear, which is why the
form is refreshed after that choice; the assistant's follow-up to the submitted form
arrives in the events feed, read here with the events follower.
"""

# [readme]
from moveworks.testing import Sandbox

with Sandbox() as sandbox, sandbox.client(base_url=sandbox.origin) as client:
    # With an account: moveworks.Client(assistant_name="acme", token=...) talks rest/v1 by default.
    conversation = client.create_conversation("New laptop")
    cid = conversation.conversation_id
    answer = client.create_response_and_wait(cid, "I need a new laptop").assistant_messages()[-1]
    print(answer.text)
    for number, button in enumerate(answer.buttons(), 1):
        print(f"  {number}. {button.label} ({button.type})")

    # A callback button is pressed: its callback id is the next turn.
    pressed = client.press(cid, answer.buttons()[0])
    print(client.wait_for_response(cid, pressed.response_id).assistant_text())

    # A form button opens a form; typed text is read by each field (a choice's label maps to its value).
    form = client.get_modal(answer.modals()[0])
    values = {"model": "MacBook Pro"}
    form = client.refresh_modal(form, values)  # "model" triggers a refresh: a date field appears
    print(form.title)
    for field in form.visible_fields():
        options = ", ".join(o.display_value or o.value for o in field.options or [])
        print(f"  {field.name} [{field.type}]{' required' if field.required else ''} {options}".rstrip())
    values.update(needed_by="2026-12-24", reason="My old one broke")
    print("form", client.submit_modal(form, values).status)

    # The assistant's follow-up arrives as an event (by webhook, or from the events feed).
    for event in client.follow_events(None, replay=True, interval=0.2):
        if event.payload.message is not None:
            print(event.payload.message.text)
            break
# [/readme]
