//! Explicit turn inputs (rest/v1): a kind and a string, on the create / wait / stream
//! calls (`mw_client_*_input`). The `text` of the plain calls stays a typed turn in the
//! client's generation (MW_INPUT_TURN).

use std::ffi::{c_char, c_int, c_void};

use moveworks::{Error, Input};

use crate::client::{call, create_and_wait, mw_client, mw_wait_options};
use crate::error::{mw_error, mw_status};
use crate::models::mw_response;
use crate::stream::{mw_stream, mw_stream_callback, mw_stream_options, start_stream, stream_and_wait};
use crate::util::{arg_str, from_json};

/// What the `value` of an input is.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_input_kind {
    /// A typed turn as the client's generation spells it (what the plain calls send):
    /// `{"chat": {"text": value}}` on rest/v1, `{"text": value}` on rest/v1beta1.
    MW_INPUT_TURN = 0,
    /// `{"chat": {"text": value}}` (rest/v1 only).
    MW_INPUT_CHAT = 1,
    /// `{"text": value}` (both generations).
    MW_INPUT_TEXT = 2,
    /// `{"callback_id": value}` (rest/v1 only): a button press, the callback id of a
    /// CALLBACK_ACTION exactly as received (mw_client_press() does this for an action).
    MW_INPUT_CALLBACK = 3,
    /// `value` is JSON: an object is sent as the input as given (e.g. `{"action": {...}}`,
    /// whose shape is not published), a string is a typed turn. Not JSON is MW_DECODE;
    /// another JSON type, or an empty object, is MW_INVALID_ARGUMENT naming `input`.
    MW_INPUT_RAW_JSON = 4,
}

/// The core's input for a C kind and value (the core checks it when sending). The kind
/// arrives as an int so that any value C passes is safe: an unknown one is MW_INVALID_ARGUMENT.
unsafe fn input_of(kind: c_int, value: *const c_char) -> Result<Input, Error> {
    use mw_input_kind::*;
    let v = arg_str(value, "value")?.to_owned();
    Ok(match kind {
        k if k == MW_INPUT_TURN as c_int => Input::from(v),
        k if k == MW_INPUT_CHAT as c_int => Input::chat(v),
        k if k == MW_INPUT_TEXT as c_int => Input::text(v),
        k if k == MW_INPUT_CALLBACK as c_int => Input::callback(v),
        k if k == MW_INPUT_RAW_JSON as c_int => Input::raw(from_json(value, "the input")?)?,
        _ => return Err(Error::invalid_argument("kind", "is not an mw_input_kind")),
    })
}

/// mw_client_create_response() with an explicit input: `kind` is an mw_input_kind (an
/// int, so that any value is safe to pass; an unknown one is MW_INVALID_ARGUMENT naming
/// `kind`) and `value` its text. An input the client's generation does not take
/// (CHAT and CALLBACK on rest/v1beta1) is MW_INVALID_ARGUMENT naming `input`; empty text
/// names `text`, an empty callback id `callback_id`. `*out_response` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_create_response_input(
    client: *const mw_client,
    conversation_id: *const c_char,
    kind: c_int,
    value: *const c_char,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_response, "out_response", out_error, |c| {
        c.create_response(arg_str(conversation_id, "conversation_id")?, input_of(kind, value)?)
    })
}

/// mw_client_create_response_and_wait() with an explicit input (`kind`, `value` as
/// mw_client_create_response_input()). `*out_response` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_create_response_and_wait_input(
    client: *const mw_client,
    conversation_id: *const c_char,
    kind: c_int,
    value: *const c_char,
    options: *const mw_wait_options,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    create_and_wait(client, conversation_id, || input_of(kind, value), options, out_response, out_error)
}

/// mw_client_stream_response() with an explicit input (`kind`, `value` as
/// mw_client_create_response_input()). `*out_stream` is owned (mw_stream_free).
#[no_mangle]
pub unsafe extern "C" fn mw_client_stream_response_input(
    client: *const mw_client,
    conversation_id: *const c_char,
    kind: c_int,
    value: *const c_char,
    options: *const mw_stream_options,
    out_stream: *mut *mut mw_stream,
    out_error: *mut *mut mw_error,
) -> mw_status {
    start_stream(client, conversation_id, || input_of(kind, value), options, out_stream, out_error)
}

/// mw_client_stream_response_and_wait() with an explicit input (`kind`, `value` as
/// mw_client_create_response_input()). `*out_response` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_stream_response_and_wait_input(
    client: *const mw_client,
    conversation_id: *const c_char,
    kind: c_int,
    value: *const c_char,
    options: *const mw_stream_options,
    on_event: mw_stream_callback,
    user_data: *mut c_void,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    let input = || input_of(kind, value);
    stream_and_wait(client, conversation_id, input, options, on_event, user_data, out_response, out_error)
}
