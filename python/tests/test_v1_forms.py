"""Forms (rest/v1 modals) and the explicit turn inputs, against the simulator's laptop answer."""

import asyncio
from typing import Any, Tuple

import pytest

import moveworks

FAST = {"deadline": 20.0, "initial_interval": 0.01, "max_interval": 0.04}


def laptop_answer(sim: Any) -> Tuple[moveworks.Client, moveworks.Message]:
    client = sim.client(base_url=sim.origin)
    conv = client.create_conversation()
    done = client.create_response_and_wait(conv.conversation_id, "I need a new laptop", **FAST)
    messages = done.assistant_messages()
    return client, messages[-1]


def test_a_form_is_fetched_filled_with_typed_text_refreshed_and_submitted(sim: Any) -> None:
    client, answer = laptop_answer(sim)
    [ref] = answer.modals()
    assert answer.modal_ref(answer.actions[1]) == ref and answer.modal_ref(answer.actions[0]) is None
    assert ref.modal_id == answer.actions[1].modal_id and ref.message_id == answer.message_id
    form = client.get_modal(ref)
    assert form.title == ":memo: New laptop request" and form.source == ref and form.request_id
    model = form.field("model")
    assert model is not None and model.type == "CHOICE" and model.triggers_refresh and model.multi is False
    assert [(o.value, o.display_value) for o in model.options or []] == [("mac", "MacBook Pro"), ("win", "ThinkPad")]
    intro = form.fields[0]
    assert (intro.type, intro.style, intro.text, intro.options) == ("DISPLAY", "HEADER", "Laptop request", None)
    # Typed text is read by the field, as a person would type it: a label maps to its value.
    assert model.value_from_text("ThinkPad") == {"option": "win"}
    with pytest.raises(moveworks.InvalidArgumentError) as e:
        model.value_from_text("pc")
    assert e.value.argument == "model"

    refreshed = client.refresh_modal(form, {"model": "MacBook Pro", "reason": {"text": ""}})
    assert refreshed.source == ref
    # The server leaves the options out of a refresh; those of the form fetched before are kept.
    again = refreshed.field("model")
    assert again is not None and again.options == model.options
    assert [f.name for f in refreshed.visible_fields()] == [f.name for f in refreshed.fields if f.visible]

    result = client.submit_modal(refreshed, {"model": "ThinkPad", "reason": "broken"})
    assert result.status == "SUBMITTED" and result.to_dict()["status"] == "SUBMITTED"
    # Once submitted, the id is stale: NotFoundError saying to re-read the message.
    with pytest.raises(moveworks.NotFoundError) as stale:
        client.get_modal(ref)
    assert "re-read the message" in str(stale.value)


def test_bad_values_are_typed_errors_before_anything_is_sent(sim: Any) -> None:
    client, answer = laptop_answer(sim)
    ref = answer.modals()[0]
    form = client.get_modal(ref)
    before = len(sim.requests(method="POST", path_contains="/modals/"))
    for values, why in [
        ({"model": "mac"}, "needs the form"),  # typed text with only a ModalRef
        ({"model": 3}, "expected a wire value dict or a str"),
        ({"": {"text": "x"}}, "must not be empty"),
        ([("model", {"option": "mac"})], "must be a mapping"),
    ]:
        with pytest.raises(moveworks.InvalidArgumentError) as e:
            client.submit_modal(ref, values)  # type: ignore[arg-type]
        assert e.value.argument == "values" and why in str(e.value), str(e.value)
    with pytest.raises(moveworks.InvalidArgumentError, match='no field "colour"'):
        client.refresh_modal(form, {"colour": "red"})
    with pytest.raises(moveworks.InvalidArgumentError) as e:
        client.refresh_modal(moveworks.Modal.from_json(form.to_json()), {})
    assert e.value.argument == "modal"
    assert len(sim.requests(method="POST", path_contains="/modals/")) == before
    # A form kept as JSON refreshes again once it knows where it lives.
    kept = moveworks.Modal.from_json(form.to_json()).with_source(ref)
    assert kept == form and client.refresh_modal(kept, {"model": {"option": "mac"}}).modal_id


def test_forms_on_the_async_client(sim: Any) -> None:
    _, answer = laptop_answer(sim)
    ref = answer.modals()[0]

    async def run() -> None:
        async with sim.async_client(base_url=sim.origin) as ac:
            form = await ac.get_modal(ref)
            refreshed = await ac.refresh_modal(form, {"model": "mac"})
            assert refreshed.field("model") == form.field("model")
            with pytest.raises(moveworks.BadRequestError):
                await ac.submit_modal(ref, {"reason": {"text": "no model"}})
            assert (await ac.submit_modal(form, {"model": "win"})).status == "SUBMITTED"

    asyncio.run(run())


def test_input_variants_are_sent_as_given(sim: Any) -> None:
    client = sim.client(base_url=sim.origin)
    conv = client.create_conversation()
    cid = conv.conversation_id
    for turn in [moveworks.Input.chat("hi chat"), moveworks.Input.text("hi text"), moveworks.Input.raw({"action": {"k": 1}})]:
        assert client.create_response_and_wait(cid, turn, **FAST).status == moveworks.ResponseStatus.COMPLETED
    done = client.create_response_and_wait(cid, "I need a new laptop", **FAST)
    callback = done.assistant_messages()[-1].actions[0].callback_id
    assert callback is not None
    with client.stream_response(cid, moveworks.Input.callback(callback), **FAST) as stream:
        names = [event.event for event in stream]
    assert names[-1] == "response.completed" or names[-1].upper().endswith("COMPLETED")
    assert (stream.finish().assistant_text() or "").startswith("Filed ticket INC")
    sent = [r for r in sim.requests(method="POST", path_contains="/responses")]
    assert len(sent) == 5
    assert moveworks.Input.chat("a") == moveworks.Input.chat("a") != moveworks.Input.text("a")
    assert repr(moveworks.Input.callback("cb_1")) == "Input.callback(\"cb_1\")"


def test_bad_inputs_are_typed_errors(sim: Any) -> None:
    v1 = sim.client(base_url=sim.origin)
    beta = sim.client()
    cid = v1.create_conversation().conversation_id
    with pytest.raises(moveworks.InvalidArgumentError) as e:
        v1.create_response(cid, moveworks.Input.callback(""))
    assert e.value.argument == "callback_id"
    with pytest.raises(moveworks.InvalidArgumentError) as e:
        v1.create_response(cid, moveworks.Input.chat(" "))
    assert e.value.argument == "text"
    with pytest.raises(moveworks.InvalidArgumentError) as e:
        v1.create_response(cid, moveworks.Input.raw({}))
    assert e.value.argument == "input"
    beta_cid = beta.create_conversation().conversation_id
    with pytest.raises(moveworks.InvalidArgumentError) as e:
        beta.create_response(beta_cid, moveworks.Input.chat("hi"))
    assert e.value.argument == "input"
    with pytest.raises(TypeError, match="str or a moveworks.Input"):
        v1.create_response(cid, 42)

    async def run() -> None:
        async with sim.async_client(base_url=sim.origin) as ac:
            r = await ac.create_response_and_wait(cid, moveworks.Input.text("async text"), **FAST)
            assert r.status == moveworks.ResponseStatus.COMPLETED

    asyncio.run(run())
