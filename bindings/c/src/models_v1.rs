//! Accessors of what rest/v1 adds to the model: a message's actions (buttons), its
//! live-agent sender and "Get Help" menu, a content's files and pressed callback id,
//! and an event's creation time. Same conventions as models.rs.

use std::ffi::c_char;

use moveworks::{Action, Content, FileRef};

use crate::client::{call, mw_client};
use crate::error::{mw_error, mw_status};
use crate::models::mw_response;
use crate::models::{get, get_item, get_str, json_of, ms, mw_content, mw_event, mw_message, parse};
use crate::util::{arg_str, borrow, free_handle, out, Handle};

/// Kind of a message action (button).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_action_type {
    /// CALLBACK_ACTION: press it with mw_client_press() (its mw_action_callback_id() is the next turn).
    MW_ACTION_CALLBACK = 0,
    /// URL_ACTION: open mw_action_url().
    MW_ACTION_URL = 1,
    /// MODAL_ACTION: open the form mw_action_modal_id() names.
    MW_ACTION_MODAL = 2,
    /// A type this SDK version does not know: read mw_action_type_name() and mw_action_to_json().
    MW_ACTION_UNKNOWN = 99,
}

/// One action (button) of a message: borrowed from its message, or owned when made by
/// mw_action_from_json().
pub struct mw_action {
    _private: [u8; 0],
}

/// A file attached to a user message's content, always borrowed from its content.
pub struct mw_file_ref {
    _private: [u8; 0],
}

impl Handle for mw_action {
    type Inner = Action;
}
impl Handle for mw_file_ref {
    type Inner = FileRef;
}

// ---- message ----------------------------------------------------------------------

/// Number of actions (buttons) of the message, in the order to render them.
#[no_mangle]
pub unsafe extern "C" fn mw_message_action_count(message: *const mw_message, out: *mut usize) -> mw_status {
    get(message, out, |m| m.actions.len())
}

/// The `index`-th action of the message, borrowed from it.
#[no_mangle]
pub unsafe extern "C" fn mw_message_action(
    message: *const mw_message,
    index: usize,
    out: *mut *const mw_action,
) -> mw_status {
    get_item(message, index, out, |m| &m.actions[..])
}

/// Whether a human agent wrote the message (actor LIVE_AGENT).
#[no_mangle]
pub unsafe extern "C" fn mw_message_is_live_agent(message: *const mw_message, out: *mut bool) -> mw_status {
    get(message, out, |m| m.is_live_agent())
}

/// The live agent's display name (`sender_info.display_name`), NULL when the message
/// has no sender info. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_message_sender_display_name(
    message: *const mw_message,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(message, out, |m| m.sender_info.as_ref().map(|s| s.display_name.clone()))
}

/// The live agent's avatar URL, NULL when absent. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_message_sender_avatar_url(message: *const mw_message, out: *mut *mut c_char) -> mw_status {
    get_str(message, out, |m| m.sender_info.as_ref().and_then(|s| s.avatar_url.clone()))
}

/// The message's "Get Help" menu as wire JSON (`{"handoff_categories": [...]}`), NULL
/// when it has none. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_message_handoff_json(message: *const mw_message, out: *mut *mut c_char) -> mw_status {
    get_str(message, out, |m| m.handoff.as_ref().and_then(|h| serde_json::to_string(h).ok()))
}

// ---- action ------------------------------------------------------------------------

/// The action's kind.
#[no_mangle]
pub unsafe extern "C" fn mw_action_get_type(action: *const mw_action, out: *mut mw_action_type) -> mw_status {
    get(action, out, |a| match a {
        Action::Callback { .. } => mw_action_type::MW_ACTION_CALLBACK,
        Action::Url { .. } => mw_action_type::MW_ACTION_URL,
        Action::Modal { .. } => mw_action_type::MW_ACTION_MODAL,
        Action::Unknown { .. } => mw_action_type::MW_ACTION_UNKNOWN,
    })
}

/// The action's wire type, e.g. "CALLBACK_ACTION" (unknown types verbatim). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_action_type_name(action: *const mw_action, out: *mut *mut c_char) -> mw_status {
    get_str(action, out, |a| Some(a.type_name().to_owned()))
}

/// The button or link text (NULL only for an unknown action without one). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_action_label(action: *const mw_action, out: *mut *mut c_char) -> mw_status {
    get_str(action, out, |a| a.label().map(str::to_owned))
}

/// The callback id of a CALLBACK_ACTION (NULL for other kinds). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_action_callback_id(action: *const mw_action, out: *mut *mut c_char) -> mw_status {
    get_str(action, out, |a| match a {
        Action::Callback { callback_id, .. } => Some(callback_id.clone()),
        _ => None,
    })
}

/// The url of a URL_ACTION (NULL for other kinds). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_action_url(action: *const mw_action, out: *mut *mut c_char) -> mw_status {
    get_str(action, out, |a| match a {
        Action::Url { url, .. } => Some(url.clone()),
        _ => None,
    })
}

/// The modal id of a MODAL_ACTION (NULL for other kinds). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_action_modal_id(action: *const mw_action, out: *mut *mut c_char) -> mw_status {
    get_str(action, out, |a| match a {
        Action::Modal { modal_id, .. } => Some(modal_id.clone()),
        _ => None,
    })
}

/// The action as wire JSON (an unknown one exactly as received). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_action_to_json(action: *const mw_action, out: *mut *mut c_char) -> mw_status {
    json_of(action, out)
}

/// An action from its wire JSON (mw_action_to_json()), e.g. a button kept between two
/// requests of a web app, to press later. Not JSON is MW_DECODE. `*out` is OWNED, unlike
/// the actions read from a message: free it with mw_action_free().
#[no_mangle]
pub unsafe extern "C" fn mw_action_from_json(
    json: *const c_char,
    out: *mut *mut mw_action,
    out_error: *mut *mut mw_error,
) -> mw_status {
    parse(json, out, "action", out_error)
}

/// Frees an action made by mw_action_from_json() (never one borrowed from a message).
/// NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_action_free(action: *mut mw_action) {
    free_handle(action)
}

// ---- content -----------------------------------------------------------------------

/// The callback id a CALLBACK_ACTION_CONTENT records; NULL for other types and when
/// history omitted it. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_content_callback_id(content: *const mw_content, out: *mut *mut c_char) -> mw_status {
    get_str(content, out, |c| match c {
        Content::CallbackAction { callback_id } => callback_id.clone(),
        _ => None,
    })
}

/// Number of files attached to a PLAIN_TEXT content (0 for other types).
#[no_mangle]
pub unsafe extern "C" fn mw_content_file_count(content: *const mw_content, out: *mut usize) -> mw_status {
    get(content, out, |c| match c {
        Content::PlainText { files, .. } => files.len(),
        _ => 0,
    })
}

/// The `index`-th attached file, borrowed from the content.
#[no_mangle]
pub unsafe extern "C" fn mw_content_file(
    content: *const mw_content,
    index: usize,
    out: *mut *const mw_file_ref,
) -> mw_status {
    get_item(content, index, out, |c| match c {
        Content::PlainText { files, .. } => &files[..],
        _ => &[],
    })
}

/// The file's id. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_file_ref_id(file: *const mw_file_ref, out: *mut *mut c_char) -> mw_status {
    get_str(file, out, |f| Some(f.file_id.clone()))
}

/// The file's name, NULL when the server sent none. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_file_ref_name(file: *const mw_file_ref, out: *mut *mut c_char) -> mw_status {
    get_str(file, out, |f| f.file_name.clone())
}

// ---- event -------------------------------------------------------------------------

/// When the event happened, milliseconds since the Unix epoch; `*out_present` is false
/// (and `*out_unix_ms` 0) when the server sent no time (rest/v1beta1 sends none).
#[no_mangle]
pub unsafe extern "C" fn mw_event_created_at(
    event: *const mw_event,
    out_present: *mut bool,
    out_unix_ms: *mut i64,
) -> mw_status {
    crate::error::guard_plain(|| {
        let e = borrow(event, "event")?;
        let present = out(out_present, "out_present")?;
        let at = out(out_unix_ms, "out_unix_ms")?;
        *present = e.created_at.is_some();
        *at = e.created_at.as_ref().map_or(0, ms);
        Ok(())
    })
}

// ---- calls -------------------------------------------------------------------------

/// Presses a button (rest/v1): sends the callback id of `action` (a CALLBACK_ACTION of a
/// message's actions) as the next turn and returns the new response to wait for, like
/// mw_client_create_response(). A URL or modal action is MW_INVALID_ARGUMENT naming
/// `action`. `*out_response` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_press(
    client: *const mw_client,
    conversation_id: *const c_char,
    action: *const mw_action,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_response, "out_response", out_error, |c| {
        c.press(arg_str(conversation_id, "conversation_id")?, borrow(action, "action")?)
    })
}

/// `GET /conversations/{conversation_id}/events/{event_id}` (rest/v1): one event, what a
/// webhook delivery points at. "-" as the conversation is MW_INVALID_ARGUMENT.
/// `*out_event` is owned (mw_event_free).
#[no_mangle]
pub unsafe extern "C" fn mw_client_get_event(
    client: *const mw_client,
    conversation_id: *const c_char,
    event_id: *const c_char,
    out_event: *mut *mut mw_event,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_event, "out_event", out_error, |c| {
        c.get_event(arg_str(conversation_id, "conversation_id")?, arg_str(event_id, "event_id")?)
    })
}
