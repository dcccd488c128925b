//! Forms (rest/v1 modals): get, refresh and submit, the mw_modal and
//! mw_modal_submit_result handles. Values cross as their wire JSON
//! (`{"model": {"option": "mac"}, "reason": {"text": "..."}}`), read by the core's
//! ModalValue::from_wire, as the other structured inputs of this library do.

use std::collections::HashMap;
use std::ffi::c_char;

use moveworks::{Error, Modal, ModalField, ModalRef, ModalSubmitResult, ModalValue};
use serde_json::Value;

use crate::client::{call, mw_client};
use crate::error::{guard, guard_plain, mw_error, mw_status};
use crate::models::{get, get_item, get_str, json_of, opt_borrowed};
use crate::util::{alloc_string, arg_str, borrow, free_handle, from_json, into_handle, out, to_json, Handle};

/// A form, as mw_client_get_modal() and mw_client_refresh_modal() return it. Owned;
/// free with mw_modal_free(). It remembers where it was fetched (for a refresh).
pub struct mw_modal {
    _private: [u8; 0],
}

/// One field of a form, always borrowed from its mw_modal.
pub struct mw_modal_field {
    _private: [u8; 0],
}

/// The acknowledgement of mw_client_submit_modal() (not the outcome: the assistant's
/// follow-up arrives as new messages and events). Owned; free with mw_modal_submit_result_free().
pub struct mw_modal_submit_result {
    _private: [u8; 0],
}

impl Handle for mw_modal {
    type Inner = Modal;
}
impl Handle for mw_modal_field {
    type Inner = ModalField;
}
impl Handle for mw_modal_submit_result {
    type Inner = ModalSubmitResult;
}

/// The four ids of a form (the core's ModalRef).
unsafe fn modal_ref(
    conversation_id: *const c_char,
    response_id: *const c_char,
    message_id: *const c_char,
    modal_id: *const c_char,
) -> Result<ModalRef, Error> {
    Ok(ModalRef {
        conversation_id: arg_str(conversation_id, "conversation_id")?.to_owned(),
        response_id: arg_str(response_id, "response_id")?.to_owned(),
        message_id: arg_str(message_id, "message_id")?.to_owned(),
        modal_id: arg_str(modal_id, "modal_id")?.to_owned(),
    })
}

/// `values_json` (a JSON object of field names to wire values) as the core's values.
unsafe fn values_of(values_json: *const c_char) -> Result<HashMap<String, ModalValue>, Error> {
    match from_json::<Value>(values_json, "the modal values")? {
        Value::Object(map) => Ok(map.iter().map(|(name, v)| (name.clone(), ModalValue::from_wire(v))).collect()),
        _ => Err(Error::invalid_argument("values", "must be a JSON object of field names to values")),
    }
}

// ---- calls -------------------------------------------------------------------------

/// `GET /conversations/{conversation_id}/responses/{response_id}/messages/{message_id}/modals/{modal_id}`
/// (rest/v1): the form a MODAL_ACTION opens. The ids are those of the message that
/// offered it and its action's mw_action_modal_id(). Modal ids are minted per message
/// read: a STALE (expired, already submitted) or unknown id is MW_NOT_FOUND, whose
/// message says to re-read the message (mw_client_list_messages() or
/// mw_client_get_response()) for a fresh id. `*out_modal` is owned (mw_modal_free).
#[no_mangle]
pub unsafe extern "C" fn mw_client_get_modal(
    client: *const mw_client,
    conversation_id: *const c_char,
    response_id: *const c_char,
    message_id: *const c_char,
    modal_id: *const c_char,
    out_modal: *mut *mut mw_modal,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_modal, "out_modal", out_error, |c| {
        c.get_modal(&modal_ref(conversation_id, response_id, message_id, modal_id)?)
    })
}

/// Re-resolves a form after a field that triggers a refresh changed (rest/v1): send ALL
/// current values as `values_json`, a JSON object of field names to wire values, e.g.
/// `{"model": {"option": "mac"}}` (mw_modal_field_value_from_text() makes one value).
/// Nothing is saved. The server leaves out choice options on refresh; the result has
/// those of `previous` re-applied, so its fields are complete. `previous` must come
/// from mw_client_get_modal(), an earlier refresh or mw_modal_from_json() (it knows
/// where it lives). Stale: MW_NOT_FOUND as for mw_client_get_modal(). `*out_modal` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_refresh_modal(
    client: *const mw_client,
    previous: *const mw_modal,
    values_json: *const c_char,
    out_modal: *mut *mut mw_modal,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_modal, "out_modal", out_error, |c| {
        c.refresh_modal(borrow(previous, "previous")?, &values_of(values_json)?)
    })
}

/// Submits a form (rest/v1) with `values_json` as for mw_client_refresh_modal(). The
/// answer only acknowledges it; the follow-up arrives as new messages and events. Once
/// submitted, the modal id is stale (MW_NOT_FOUND). Never retried after an ambiguous
/// failure, so a form is never submitted twice by surprise. `*out_result` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_submit_modal(
    client: *const mw_client,
    conversation_id: *const c_char,
    response_id: *const c_char,
    message_id: *const c_char,
    modal_id: *const c_char,
    values_json: *const c_char,
    out_result: *mut *mut mw_modal_submit_result,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_result, "out_result", out_error, |c| {
        let source = modal_ref(conversation_id, response_id, message_id, modal_id)?;
        c.submit_modal(&source, &values_of(values_json)?)
    })
}

// ---- modal -------------------------------------------------------------------------

/// A form from its wire JSON (mw_modal_to_json()) and the four ids it was fetched
/// with, e.g. a form kept between two requests of a web app: it can be refreshed. Not
/// JSON is MW_DECODE. `*out_modal` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_from_json(
    json: *const c_char,
    conversation_id: *const c_char,
    response_id: *const c_char,
    message_id: *const c_char,
    modal_id: *const c_char,
    out_modal: *mut *mut mw_modal,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let mut modal: Modal = from_json(json, "modal")?;
        modal.source = Some(modal_ref(conversation_id, response_id, message_id, modal_id)?);
        let o = out(out_modal, "out_modal")?;
        *o = into_handle::<mw_modal>(modal);
        Ok(())
    })
}

/// The form's title (may hold emoji shortcodes), NULL when it has none. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_title(modal: *const mw_modal, out: *mut *mut c_char) -> mw_status {
    get_str(modal, out, |m| m.title.clone())
}

/// Number of fields (visible or not), in the order to render them.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_count(modal: *const mw_modal, out: *mut usize) -> mw_status {
    get(modal, out, |m| m.fields.len())
}

/// The `index`-th field, borrowed from the form.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_at(
    modal: *const mw_modal,
    index: usize,
    out: *mut *const mw_modal_field,
) -> mw_status {
    get_item(modal, index, out, |m| &m.fields[..])
}

/// The field named `name`, borrowed from the form; `*out` is NULL (with MW_OK) when the
/// form has no such field.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_by_name(
    modal: *const mw_modal,
    name: *const c_char,
    out_field: *mut *const mw_modal_field,
) -> mw_status {
    guard_plain(|| {
        let m = borrow(modal, "modal")?;
        let name = arg_str(name, "name")?;
        let o = out(out_field, "out_field")?;
        *o = opt_borrowed::<mw_modal_field>(m.field(name));
        Ok(())
    })
}

/// The `x-moveworks-root-uuid` of the HTTP answer the form came from; NULL for one
/// parsed from JSON. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_request_id(modal: *const mw_modal, out: *mut *mut c_char) -> mw_status {
    get_str(modal, out, |m| m.request_id.clone())
}

/// The form as wire JSON (`{"modal_id", "title", "fields": [...]}`; where it was
/// fetched is not part of it). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_to_json(modal: *const mw_modal, out: *mut *mut c_char) -> mw_status {
    json_of(modal, out)
}

/// Frees a form (and the fields borrowed from it). NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_free(modal: *mut mw_modal) {
    free_handle(modal)
}

// ---- field -------------------------------------------------------------------------

/// The field's name: its key in the values. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_name(field: *const mw_modal_field, out: *mut *mut c_char) -> mw_status {
    get_str(field, out, |f| Some(f.name.clone()))
}

/// The field's wire type: "DISPLAY", "TEXT", "DATE", "DATETIME", "BOOLEAN", "CHOICE",
/// "FILE", or an unknown type verbatim. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_type_name(field: *const mw_modal_field, out: *mut *mut c_char) -> mw_status {
    get_str(field, out, |f| Some(f.kind.type_name().to_owned()))
}

/// The field's label, NULL when it has none. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_label(field: *const mw_modal_field, out: *mut *mut c_char) -> mw_status {
    get_str(field, out, |f| f.label.clone())
}

/// Whether to render the field (hidden fields are neither required nor submitted).
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_is_visible(field: *const mw_modal_field, out: *mut bool) -> mw_status {
    get(field, out, |f| f.visible)
}

/// Whether a value is required.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_is_required(field: *const mw_modal_field, out: *mut bool) -> mw_status {
    get(field, out, |f| f.required)
}

/// Whether changing the field calls for mw_client_refresh_modal() with all current values.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_triggers_refresh(field: *const mw_modal_field, out: *mut bool) -> mw_status {
    get(field, out, |f| f.triggers_refresh)
}

/// The field as wire JSON, with its kind's configuration under the lower-cased type
/// name (a CHOICE's `{"choice": {"options": [{"value", "display_value"}], ...}}`; an
/// unknown kind exactly as received). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_to_json(field: *const mw_modal_field, out: *mut *mut c_char) -> mw_status {
    json_of(field, out)
}

/// The wire value this field takes from text a person typed, as JSON for the values
/// object: TEXT, DATE, DATETIME as is; BOOLEAN from true/false/yes/no/1/0; a CHOICE
/// from an option's value or display value ("ThinkPad" gives `{"option": "win"}`), a
/// multi CHOICE from comma-separated options. Text the field cannot take (DISPLAY,
/// FILE, an unknown kind or option) is MW_INVALID_ARGUMENT naming the field. `*out_json`
/// is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_field_value_from_text(
    field: *const mw_modal_field,
    text: *const c_char,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let f = borrow(field, "field")?;
        let value = f.value_from_text(arg_str(text, "text")?)?;
        let o = out(out_json, "out_json")?;
        *o = alloc_string(&to_json(&value.to_wire()?)?);
        Ok(())
    })
}

// ---- submit result -----------------------------------------------------------------

/// The submission status as sent, e.g. "SUBMITTED" (unknown values verbatim). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_submit_result_status_name(
    result: *const mw_modal_submit_result,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(result, out, |r| Some(r.status.as_str().to_owned()))
}

/// The receipt to show, NULL when the server sent none. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_submit_result_receipt_text(
    result: *const mw_modal_submit_result,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(result, out, |r| r.receipt_text.clone())
}

/// The result as wire JSON (`{"status": "SUBMITTED"}`). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_submit_result_to_json(
    result: *const mw_modal_submit_result,
    out: *mut *mut c_char,
) -> mw_status {
    json_of(result, out)
}

/// Frees a submit result. NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_modal_submit_result_free(result: *mut mw_modal_submit_result) {
    free_handle(result)
}
