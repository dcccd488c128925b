//! The core's rest/v1 model helpers (buttons, forms, their JSON), exported as functions:
//! uniffi cannot put methods on records. The Kotlin and Swift packages make them
//! extensions / methods of the model types.

use moveworks as core;
use moveworks::{Action, Message, Modal, ModalField, ModalRef, ModalSubmitResult, ModalValue};
use serde_json::Value;

use crate::errors::*;
use crate::helpers::to_json;

fn decode<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    Ok(serde_json::from_str(json)
        .map_err(|e| core::Error::new(core::ErrorKind::Decode, format!("could not decode {what}: {e}")))?)
}

/// The message's buttons (its `actions`), in the order to render them.
#[uniffi::export]
pub fn message_buttons(message: Message) -> Vec<Action> {
    message.buttons().to_vec()
}

/// True when a human agent wrote the message (`LIVE_AGENT`).
#[uniffi::export]
pub fn message_is_live_agent(message: Message) -> bool {
    message.is_live_agent()
}

/// The form a `MODAL_ACTION` of this message opens (for `get_modal` / `submit_modal`);
/// absent for any other action. Modal ids are minted per message read: use the copy of
/// the message you just read.
#[uniffi::export]
pub fn message_modal_ref(message: Message, action: Action) -> Option<ModalRef> {
    message.modal_ref(&action)
}

/// The forms this message offers, one per `MODAL_ACTION`, in order.
#[uniffi::export]
pub fn message_modals(message: Message) -> Vec<ModalRef> {
    message.modals()
}

/// The action's wire type, e.g. `"CALLBACK_ACTION"` (an unknown one's as sent).
#[uniffi::export]
pub fn action_type_name(action: Action) -> String {
    action.type_name().to_owned()
}

/// The action's label (what the button shows), when it has one.
#[uniffi::export]
pub fn action_label(action: Action) -> Option<String> {
    action.label().map(str::to_owned)
}

/// The action as the API's JSON (`{"type": "CALLBACK_ACTION", "label", "callback_action": {…}}`).
#[uniffi::export]
pub fn action_to_json(action: Action) -> String {
    to_json(&action)
}

/// Reads an action from the API's JSON (e.g. one kept by `action_to_json`).
#[uniffi::export]
pub fn action_from_json(json: String) -> Result<Action> {
    decode("action", &json)
}

/// The form as the API's JSON (`{"modal_id", "title", "fields": […]}`; not where it came from).
#[uniffi::export]
pub fn modal_to_json(modal: Modal) -> String {
    to_json(&modal)
}

/// Reads a form from the API's JSON; `source` (where it was fetched) is absent: set it
/// before passing it to `refresh_modal`.
#[uniffi::export]
pub fn modal_from_json(json: String) -> Result<Modal> {
    decode("modal", &json)
}

/// The field named `name` of the form, if any.
#[uniffi::export]
pub fn modal_field(modal: Modal, name: String) -> Option<ModalField> {
    modal.field(&name).cloned()
}

/// The value a field takes from text a person typed: `TEXT`, `DATE`, `DATETIME` as is;
/// `BOOLEAN` from true/false/yes/no/1/0; a single `CHOICE` as its option (its value or
/// display value); a multi `CHOICE` from comma-separated options. Other kinds take no
/// text: `InvalidArgument` naming the field.
#[uniffi::export]
pub fn modal_field_value_from_text(field: ModalField, text: String) -> Result<ModalValue> {
    Ok(field.value_from_text(&text)?)
}

/// The field's wire type, e.g. `"CHOICE"` (an unknown one's as sent).
#[uniffi::export]
pub fn modal_field_type_name(field: ModalField) -> String {
    field.kind.type_name().to_owned()
}

/// A value from its wire JSON (`{"option": "mac"}`, `{"text": "…"}`, …); any other JSON is kept raw.
/// Text that is not JSON is `Decode`.
#[uniffi::export]
pub fn modal_value_from_wire(json: String) -> Result<ModalValue> {
    let value: Value = decode("modal value", &json)?;
    Ok(ModalValue::from_wire(&value))
}

/// The value's wire JSON; a raw value that is not a JSON object is `InvalidArgument` (`values`).
#[uniffi::export]
pub fn modal_value_to_wire(value: ModalValue) -> Result<String> {
    Ok(to_json(&value.to_wire()?))
}

/// The submit acknowledgement as the API's JSON (`{"status": "SUBMITTED", …}`).
#[uniffi::export]
pub fn modal_submit_result_to_json(result: ModalSubmitResult) -> String {
    to_json(&result)
}
