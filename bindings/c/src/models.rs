//! Model handles and their accessors.
//!
//! Accessors fail only with MW_INVALID_ARGUMENT (a NULL handle or out-pointer,
//! or an index out of range), so they take no `out_error`. Timestamps are given
//! as milliseconds since the Unix epoch (UTC); `mw_*_to_json` has the exact
//! wire strings.

use std::ffi::c_char;
use std::ptr;

use moveworks::{
    Actor, Citation, CitationAttribute, Content, ContentReference, Conversation, ConversationPage, Error, Event,
    EventPage, EventPayload, FeedbackOption, FeedbackResult, FeedbackStatus, Message, MessagePage, OutputItem,
    ReasoningMessage, Response, ResponseStatus, Timestamp, Traced,
};

use crate::error::{guard, guard_plain, mw_error, mw_status};
use crate::util::{
    alloc_string, arg_str, borrow, borrowed, free_handle, from_json, headers_json, into_handle, out, set_opt_string,
    to_json, Handle,
};

// ---- enums ------------------------------------------------------------------

/// Processing status of a response. Values this SDK version does not know are
/// MW_RESPONSE_STATUS_UNKNOWN; mw_response_status_name() has their raw name.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_response_status {
    /// CREATED: accepted, not started.
    MW_RESPONSE_STATUS_CREATED = 0,
    /// IN_PROGRESS: being worked on.
    MW_RESPONSE_STATUS_IN_PROGRESS = 1,
    /// COMPLETED: finished successfully (terminal).
    MW_RESPONSE_STATUS_COMPLETED = 2,
    /// FAILED: finished unsuccessfully (terminal).
    MW_RESPONSE_STATUS_FAILED = 3,
    /// A status this SDK version does not know (not terminal).
    MW_RESPONSE_STATUS_UNKNOWN = 99,
}

/// Type of an output item.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_output_type {
    /// MESSAGE: a final message (mw_output_item_message).
    MW_OUTPUT_MESSAGE = 0,
    /// REASONING_MESSAGE: progress shown while in progress (mw_output_item_reasoning_message).
    MW_OUTPUT_REASONING_MESSAGE = 1,
    /// A type this SDK version does not know: read mw_output_item_type_name() and mw_output_item_to_json().
    MW_OUTPUT_UNKNOWN = 99,
}

/// Type of a message content.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_content_type {
    /// PLAIN_TEXT.
    MW_CONTENT_PLAIN_TEXT = 0,
    /// COMMONMARK_TEXT.
    MW_CONTENT_COMMONMARK_TEXT = 1,
    /// MARKDOWN_TEXT.
    MW_CONTENT_MARKDOWN_TEXT = 2,
    /// CALLBACK_ACTION_CONTENT: a user's button press (rest/v1); mw_content_callback_id().
    MW_CONTENT_CALLBACK_ACTION = 3,
    /// A type this SDK version does not know: read mw_content_type_name() and mw_content_to_json().
    MW_CONTENT_UNKNOWN = 99,
}

/// Who wrote a message.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_actor {
    /// USER: the end user.
    MW_ACTOR_USER = 0,
    /// ASSISTANT: the assistant.
    MW_ACTOR_ASSISTANT = 1,
    /// LIVE_AGENT: a human agent (rest/v1); mw_message_sender_display_name() says who.
    MW_ACTOR_LIVE_AGENT = 2,
    /// An actor this SDK version does not know: read mw_message_actor_name().
    MW_ACTOR_UNKNOWN = 99,
}

/// Type of an event's payload.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_event_type {
    /// MESSAGE_EVENT: a final message (mw_event_message).
    MW_EVENT_MESSAGE = 0,
    /// A type this SDK version does not know: read mw_event_type_name() and mw_event_to_json().
    MW_EVENT_UNKNOWN = 99,
}

/// Status of a submitted feedback. Values this SDK version does not know are
/// MW_FEEDBACK_STATUS_UNKNOWN; mw_feedback_result_status_name() has their raw name.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_feedback_status {
    /// SUBMITTED: the feedback was recorded.
    MW_FEEDBACK_STATUS_SUBMITTED = 0,
    /// A status this SDK version does not know.
    MW_FEEDBACK_STATUS_UNKNOWN = 99,
}

// ---- handle types -------------------------------------------------------------

/// A conversation. Owned ones come from the client or mw_conversation_from_json
/// (free with mw_conversation_free); borrowed ones from a page.
pub struct mw_conversation {
    _private: [u8; 0],
}
/// One page of conversations (owned; free with mw_conversation_page_free).
pub struct mw_conversation_page {
    _private: [u8; 0],
}
/// A response (owned; free with mw_response_free), or borrowed from an mw_error or a callback.
pub struct mw_response {
    _private: [u8; 0],
}
/// One output of a response (always borrowed from its response).
pub struct mw_output_item {
    _private: [u8; 0],
}
/// A final message. Owned ones come from mw_message_iter_next() (free with
/// mw_message_free); borrowed ones from an output item, an event or a message page.
pub struct mw_message {
    _private: [u8; 0],
}
/// An intermediate reasoning message (always borrowed from its output item).
pub struct mw_reasoning_message {
    _private: [u8; 0],
}
/// A message content (always borrowed from its message, reasoning message or citation).
pub struct mw_content {
    _private: [u8; 0],
}
/// An entity a message cites (always borrowed from its message). Where its markers go
/// in the text is given by the message's content references, which name it by
/// mw_citation_id().
pub struct mw_citation {
    _private: [u8; 0],
}
/// An event of the events feed. Owned (free with mw_event_free) or borrowed from a page.
pub struct mw_event {
    _private: [u8; 0],
}
/// One page of events (owned; free with mw_event_page_free).
pub struct mw_event_page {
    _private: [u8; 0],
}

/// One page of messages (owned; free with mw_message_page_free).
pub struct mw_message_page {
    _private: [u8; 0],
}
/// The answer of mw_client_submit_feedback() (owned; free with mw_feedback_result_free).
pub struct mw_feedback_result {
    _private: [u8; 0],
}

impl Handle for mw_message_page {
    type Inner = MessagePage;
}
impl Handle for mw_feedback_result {
    type Inner = FeedbackResult;
}
impl Handle for mw_conversation {
    type Inner = Conversation;
}
impl Handle for mw_conversation_page {
    type Inner = ConversationPage;
}
impl Handle for mw_response {
    type Inner = Response;
}
impl Handle for mw_output_item {
    type Inner = OutputItem;
}
impl Handle for mw_message {
    type Inner = Message;
}
impl Handle for mw_reasoning_message {
    type Inner = ReasoningMessage;
}
impl Handle for mw_content {
    type Inner = Content;
}
impl Handle for mw_citation {
    type Inner = Citation;
}
impl Handle for mw_event {
    type Inner = Event;
}
impl Handle for mw_event_page {
    type Inner = EventPage;
}

// ---- generic accessor bodies -----------------------------------------------

/// Reads a value of the object behind `h` into `out`.
pub(crate) unsafe fn get<H: Handle, T>(h: *const H, dst: *mut T, f: impl FnOnce(&H::Inner) -> T) -> mw_status {
    guard_plain(|| {
        let v = borrow(h, "handle")?;
        let o = out(dst, "out")?;
        *o = f(v);
        Ok(())
    })
}

/// Reads an optional string of the object behind `h` into `out` (NULL when absent).
pub(crate) unsafe fn get_str<H: Handle>(
    h: *const H,
    dst: *mut *mut c_char,
    f: impl FnOnce(&H::Inner) -> Option<String>,
) -> mw_status {
    guard_plain(|| {
        let v = borrow(h, "handle")?;
        let o = out(dst, "out")?;
        set_opt_string(o, f(v).as_deref());
        Ok(())
    })
}

/// Reads the `index`-th element of a list of the object behind `h`, borrowed.
pub(crate) unsafe fn get_item<H: Handle, C: Handle>(
    h: *const H,
    index: usize,
    dst: *mut *const C,
    list: impl FnOnce(&H::Inner) -> &[C::Inner],
) -> mw_status {
    guard_plain(|| {
        let v = borrow(h, "handle")?;
        let o = out(dst, "out")?;
        let item = list(v).get(index).ok_or_else(|| Error::invalid_argument("index", "is out of range"))?;
        *o = borrowed::<C>(item);
        Ok(())
    })
}

/// Writes the wire JSON of the object behind `h`.
pub(crate) unsafe fn json_of<H: Handle>(h: *const H, dst: *mut *mut c_char) -> mw_status
where
    H::Inner: serde::Serialize,
{
    guard_plain(|| {
        let v = borrow(h, "handle")?;
        let o = out(dst, "out")?;
        *o = alloc_string(&to_json(v)?);
        Ok(())
    })
}

/// One header of the HTTP answer the object behind `h` came from (name matched
/// case-insensitively), or NULL when absent.
pub(crate) unsafe fn header_of<H: Handle>(h: *const H, name: *const c_char, dst: *mut *mut c_char) -> mw_status
where
    H::Inner: Traced,
{
    guard_plain(|| {
        let v = borrow(h, "handle")?;
        let name = arg_str(name, "name")?;
        let o = out(dst, "out")?;
        set_opt_string(o, v.http_headers().and_then(|m| m.get(name)).as_deref());
        Ok(())
    })
}

/// Every header of the HTTP answer the object behind `h` came from, as a JSON object
/// (lowercase names, sorted), or NULL when it did not come from an answer.
pub(crate) unsafe fn headers_json_of<H: Handle>(h: *const H, dst: *mut *mut c_char) -> mw_status
where
    H::Inner: Traced,
{
    guard_plain(|| {
        let v = borrow(h, "handle")?;
        let o = out(dst, "out")?;
        set_opt_string(o, v.http_headers().map(|h| headers_json(&h.to_map())).as_deref());
        Ok(())
    })
}

/// Parses wire JSON into a new owned handle.
pub(crate) unsafe fn parse<H: Handle>(
    json: *const c_char,
    dst: *mut *mut H,
    what: &str,
    err: *mut *mut mw_error,
) -> mw_status
where
    H::Inner: serde::de::DeserializeOwned,
{
    guard(err, || {
        let o = out(dst, "out")?;
        *o = into_handle::<H>(from_json(json, what)?);
        Ok(())
    })
}

pub(crate) fn ms(t: &Timestamp) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn opt_borrowed<H: Handle>(v: Option<&H::Inner>) -> *const H {
    v.map_or(ptr::null(), borrowed::<H>)
}

// ---- conversation -------------------------------------------------------------

/// The conversation id, `conv_…`. `*out` is a new string (mw_string_free).
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_id(conversation: *const mw_conversation, out: *mut *mut c_char) -> mw_status {
    get_str(conversation, out, |c| Some(c.conversation_id.clone()))
}

/// The title, or NULL when the conversation has none yet. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_title(
    conversation: *const mw_conversation,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(conversation, out, |c| c.title.clone())
}

/// The archive flag.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_archived(conversation: *const mw_conversation, out: *mut bool) -> mw_status {
    get(conversation, out, |c| c.archived)
}

/// Creation time, milliseconds since the Unix epoch.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_created_at(
    conversation: *const mw_conversation,
    out_unix_ms: *mut i64,
) -> mw_status {
    get(conversation, out_unix_ms, |c| ms(&c.created_at))
}

/// Last update time, milliseconds since the Unix epoch.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_updated_at(
    conversation: *const mw_conversation,
    out_unix_ms: *mut i64,
) -> mw_status {
    get(conversation, out_unix_ms, |c| ms(&c.updated_at))
}

/// The `x-moveworks-root-uuid` of the HTTP answer this conversation came from (quote it to
/// Moveworks support, for a wrong answer as for an error); NULL for one borrowed from a
/// page (read the page's) or parsed from JSON. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_request_id(
    conversation: *const mw_conversation,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(conversation, out, |c| c.request_id.clone())
}

/// One header of the HTTP answer this conversation came from, by name (case-insensitive, e.g.
/// "x-moveworks-root-uuid"), next to mw_conversation_request_id(); NULL when absent or when the
/// conversation did not come from an answer (parsed from JSON, borrowed from a page). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_http_header(
    conversation: *const mw_conversation,
    name: *const c_char,
    out: *mut *mut c_char,
) -> mw_status {
    header_of(conversation, name, out)
}

/// Every header of the HTTP answer this conversation came from, as a JSON object of lowercase
/// names to values (sorted by name), e.g. `{"content-type": "application/json", ...}`;
/// NULL when it did not come from an answer. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_http_headers_json(
    conversation: *const mw_conversation,
    out: *mut *mut c_char,
) -> mw_status {
    headers_json_of(conversation, out)
}

/// The conversation as wire JSON. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_to_json(
    conversation: *const mw_conversation,
    out: *mut *mut c_char,
) -> mw_status {
    json_of(conversation, out)
}

/// Parses a conversation from wire JSON (MW_DECODE when it is not one). `*out` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_from_json(
    json: *const c_char,
    out: *mut *mut mw_conversation,
    out_error: *mut *mut mw_error,
) -> mw_status {
    parse(json, out, "conversation", out_error)
}

/// Frees an owned conversation. NULL is allowed. Never pass a borrowed one.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_free(conversation: *mut mw_conversation) {
    free_handle(conversation)
}

// ---- conversation page -----------------------------------------------------------

/// Number of conversations on the page.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_page_count(page: *const mw_conversation_page, out: *mut usize) -> mw_status {
    get(page, out, |p| p.conversations.len())
}

/// The `index`-th conversation (newest first), borrowed from the page.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_page_get(
    page: *const mw_conversation_page,
    index: usize,
    out: *mut *const mw_conversation,
) -> mw_status {
    get_item(page, index, out, |p| &p.conversations[..])
}

/// Cursor of the next page, or NULL on the last page. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_page_next_cursor(
    page: *const mw_conversation_page,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(page, out, |p| p.next_cursor.clone())
}

/// The `x-moveworks-root-uuid` of the HTTP answer this page came from (quote it to
/// Moveworks support, for a wrong answer as for an error); NULL for a page parsed from JSON. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_page_request_id(
    page: *const mw_conversation_page,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(page, out, |p| p.request_id.clone())
}

/// One header of the HTTP answer this page came from, by name (case-insensitive, e.g.
/// "x-moveworks-root-uuid"), next to mw_conversation_page_request_id(); NULL when absent or when the
/// page did not come from an answer (parsed from JSON). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_page_http_header(
    page: *const mw_conversation_page,
    name: *const c_char,
    out: *mut *mut c_char,
) -> mw_status {
    header_of(page, name, out)
}

/// Every header of the HTTP answer this page came from, as a JSON object of lowercase
/// names to values (sorted by name), e.g. `{"content-type": "application/json", ...}`;
/// NULL when it did not come from an answer. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_page_http_headers_json(
    page: *const mw_conversation_page,
    out: *mut *mut c_char,
) -> mw_status {
    headers_json_of(page, out)
}

/// The page as wire JSON (`{"conversations": [...], "metadata": {"next_cursor": ...}}`).
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_page_to_json(
    page: *const mw_conversation_page,
    out: *mut *mut c_char,
) -> mw_status {
    json_of(page, out)
}

/// Parses a conversation page from wire JSON. `*out` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_page_from_json(
    json: *const c_char,
    out: *mut *mut mw_conversation_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    parse(json, out, "conversation page", out_error)
}

/// Frees a conversation page (and the conversations borrowed from it). NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_page_free(page: *mut mw_conversation_page) {
    free_handle(page)
}

// ---- response ---------------------------------------------------------------------

/// The response id, `resp_…`. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_response_id(response: *const mw_response, out: *mut *mut c_char) -> mw_status {
    get_str(response, out, |r| Some(r.response_id.clone()))
}

/// The id of the conversation the response belongs to. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_response_conversation_id(response: *const mw_response, out: *mut *mut c_char) -> mw_status {
    get_str(response, out, |r| Some(r.conversation_id.clone()))
}

/// The processing status (MW_RESPONSE_STATUS_UNKNOWN for a value this SDK does not know).
#[no_mangle]
pub unsafe extern "C" fn mw_response_get_status(
    response: *const mw_response,
    out: *mut mw_response_status,
) -> mw_status {
    get(response, out, |r| match r.status {
        ResponseStatus::Created => mw_response_status::MW_RESPONSE_STATUS_CREATED,
        ResponseStatus::InProgress => mw_response_status::MW_RESPONSE_STATUS_IN_PROGRESS,
        ResponseStatus::Completed => mw_response_status::MW_RESPONSE_STATUS_COMPLETED,
        ResponseStatus::Failed => mw_response_status::MW_RESPONSE_STATUS_FAILED,
        ResponseStatus::Unknown { .. } => mw_response_status::MW_RESPONSE_STATUS_UNKNOWN,
    })
}

/// The status as sent on the wire, e.g. "COMPLETED" (unknown values verbatim). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_response_status_name(response: *const mw_response, out: *mut *mut c_char) -> mw_status {
    get_str(response, out, |r| Some(r.status.as_str().to_owned()))
}

/// True for a terminal status (COMPLETED or FAILED).
#[no_mangle]
pub unsafe extern "C" fn mw_response_is_terminal(response: *const mw_response, out: *mut bool) -> mw_status {
    get(response, out, Response::is_terminal)
}

/// Creation time, milliseconds since the Unix epoch.
#[no_mangle]
pub unsafe extern "C" fn mw_response_created_at(response: *const mw_response, out_unix_ms: *mut i64) -> mw_status {
    get(response, out_unix_ms, |r| ms(&r.created_at))
}

/// Completion time: `*out_present` tells whether there is one; `*out_unix_ms` is
/// milliseconds since the Unix epoch (0 when absent).
#[no_mangle]
pub unsafe extern "C" fn mw_response_completed_at(
    response: *const mw_response,
    out_present: *mut bool,
    out_unix_ms: *mut i64,
) -> mw_status {
    guard_plain(|| {
        let r = borrow(response, "response")?;
        let present = out(out_present, "out_present")?;
        let value = out(out_unix_ms, "out_unix_ms")?;
        *present = r.completed_at.is_some();
        *value = r.completed_at.as_ref().map_or(0, ms);
        Ok(())
    })
}

/// Time of the last change: `*out_present` tells whether the server sent one;
/// `*out_unix_ms` is milliseconds since the Unix epoch (0 when absent).
#[no_mangle]
pub unsafe extern "C" fn mw_response_updated_at(
    response: *const mw_response,
    out_present: *mut bool,
    out_unix_ms: *mut i64,
) -> mw_status {
    guard_plain(|| {
        let r = borrow(response, "response")?;
        let present = out(out_present, "out_present")?;
        let value = out(out_unix_ms, "out_unix_ms")?;
        *present = r.updated_at.is_some();
        *value = r.updated_at.as_ref().map_or(0, ms);
        Ok(())
    })
}

/// The code of a FAILED response's `error` object, or NULL when the server sent none.
/// `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_response_error_code(response: *const mw_response, out: *mut *mut c_char) -> mw_status {
    get_str(response, out, |r| r.error.as_ref().map(|e| e.code.clone()))
}

/// The message of a FAILED response's `error` object, or NULL when the server sent none.
/// `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_response_error_message(response: *const mw_response, out: *mut *mut c_char) -> mw_status {
    get_str(response, out, |r| r.error.as_ref().map(|e| e.message.clone()))
}

/// Number of outputs so far.
#[no_mangle]
pub unsafe extern "C" fn mw_response_output_count(response: *const mw_response, out: *mut usize) -> mw_status {
    get(response, out, |r| r.outputs.len())
}

/// The `index`-th output, borrowed from the response.
#[no_mangle]
pub unsafe extern "C" fn mw_response_output(
    response: *const mw_response,
    index: usize,
    out: *mut *const mw_output_item,
) -> mw_status {
    get_item(response, index, out, |r| &r.outputs[..])
}

/// The assistant's answer: the text of its final messages joined by blank lines,
/// or NULL when there is none yet. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_response_assistant_text(response: *const mw_response, out: *mut *mut c_char) -> mw_status {
    get_str(response, out, Response::assistant_text)
}

/// The `x-moveworks-root-uuid` of the HTTP answer this response came from (quote it to
/// Moveworks support, for a wrong answer as for an error); a streamed turn's final response carries
/// the stream request's. NULL for a response parsed from JSON. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_response_request_id(response: *const mw_response, out: *mut *mut c_char) -> mw_status {
    get_str(response, out, |r| r.request_id.clone())
}

/// One header of the HTTP answer this response (for a streamed turn's final response: the stream's answer) came from, by name (case-insensitive, e.g.
/// "x-moveworks-root-uuid"), next to mw_response_request_id(); NULL when absent or when the
/// response (for a streamed turn's final response: the stream's answer) did not come from an answer (parsed from JSON). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_response_http_header(
    response: *const mw_response,
    name: *const c_char,
    out: *mut *mut c_char,
) -> mw_status {
    header_of(response, name, out)
}

/// Every header of the HTTP answer this response (for a streamed turn's final response: the stream's answer) came from, as a JSON object of lowercase
/// names to values (sorted by name), e.g. `{"content-type": "application/json", ...}`;
/// NULL when it did not come from an answer. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_response_http_headers_json(
    response: *const mw_response,
    out: *mut *mut c_char,
) -> mw_status {
    headers_json_of(response, out)
}

/// The response as wire JSON. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_response_to_json(response: *const mw_response, out: *mut *mut c_char) -> mw_status {
    json_of(response, out)
}

/// Parses a response from wire JSON. `*out` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_response_from_json(
    json: *const c_char,
    out: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    parse(json, out, "response", out_error)
}

/// Frees an owned response. NULL is allowed. Never pass a borrowed one.
#[no_mangle]
pub unsafe extern "C" fn mw_response_free(response: *mut mw_response) {
    free_handle(response)
}

// ---- output item -------------------------------------------------------------------

/// The output's type.
#[no_mangle]
pub unsafe extern "C" fn mw_output_item_type(item: *const mw_output_item, out: *mut mw_output_type) -> mw_status {
    get(item, out, |i| match i {
        OutputItem::Message { .. } => mw_output_type::MW_OUTPUT_MESSAGE,
        OutputItem::ReasoningMessage { .. } => mw_output_type::MW_OUTPUT_REASONING_MESSAGE,
        OutputItem::Unknown { .. } => mw_output_type::MW_OUTPUT_UNKNOWN,
    })
}

/// The output's wire type name, e.g. "MESSAGE" (unknown types verbatim). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_output_item_type_name(item: *const mw_output_item, out: *mut *mut c_char) -> mw_status {
    get_str(item, out, |i| Some(i.type_name().to_owned()))
}

/// The message of a MESSAGE output (borrowed), or NULL for another type.
#[no_mangle]
pub unsafe extern "C" fn mw_output_item_message(item: *const mw_output_item, out: *mut *const mw_message) -> mw_status {
    get(item, out, |i| opt_borrowed(if let OutputItem::Message { message: m } = i { Some(m) } else { None }))
}

/// The reasoning message of a REASONING_MESSAGE output (borrowed), or NULL for another type.
#[no_mangle]
pub unsafe extern "C" fn mw_output_item_reasoning_message(
    item: *const mw_output_item,
    out: *mut *const mw_reasoning_message,
) -> mw_status {
    get(item, out, |i| {
        opt_borrowed(if let OutputItem::ReasoningMessage { reasoning_message: m } = i { Some(m) } else { None })
    })
}

/// The output as wire JSON; for an unknown type, the raw JSON exactly as received.
#[no_mangle]
pub unsafe extern "C" fn mw_output_item_to_json(item: *const mw_output_item, out: *mut *mut c_char) -> mw_status {
    json_of(item, out)
}

// ---- message --------------------------------------------------------------------------

/// The message id. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_message_id(message: *const mw_message, out: *mut *mut c_char) -> mw_status {
    get_str(message, out, |m| Some(m.message_id.clone()))
}

/// The id of the conversation the message belongs to. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_message_conversation_id(message: *const mw_message, out: *mut *mut c_char) -> mw_status {
    get_str(message, out, |m| Some(m.conversation_id.clone()))
}

/// The id of the response that produced the message. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_message_response_id(message: *const mw_message, out: *mut *mut c_char) -> mw_status {
    get_str(message, out, |m| Some(m.response_id.clone()))
}

/// Who wrote the message.
#[no_mangle]
pub unsafe extern "C" fn mw_message_actor(message: *const mw_message, out: *mut mw_actor) -> mw_status {
    get(message, out, |m| match m.actor {
        Actor::User => mw_actor::MW_ACTOR_USER,
        Actor::Assistant => mw_actor::MW_ACTOR_ASSISTANT,
        Actor::LiveAgent => mw_actor::MW_ACTOR_LIVE_AGENT,
        Actor::Unknown { .. } => mw_actor::MW_ACTOR_UNKNOWN,
    })
}

/// The actor as sent on the wire, e.g. "ASSISTANT" (unknown values verbatim). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_message_actor_name(message: *const mw_message, out: *mut *mut c_char) -> mw_status {
    get_str(message, out, |m| Some(m.actor.as_str().to_owned()))
}

/// The message content, borrowed from the message.
#[no_mangle]
pub unsafe extern "C" fn mw_message_content(message: *const mw_message, out: *mut *const mw_content) -> mw_status {
    get(message, out, |m| borrowed::<mw_content>(&m.content))
}

/// Number of citations.
#[no_mangle]
pub unsafe extern "C" fn mw_message_citation_count(message: *const mw_message, out: *mut usize) -> mw_status {
    get(message, out, |m| m.citations.len())
}

/// The `index`-th citation, borrowed from the message.
#[no_mangle]
pub unsafe extern "C" fn mw_message_citation(
    message: *const mw_message,
    index: usize,
    out: *mut *const mw_citation,
) -> mw_status {
    get_item(message, index, out, |m| &m.citations[..])
}

/// Number of content references: where the citations are referenced in the text,
/// ascending by offset (assistant messages only; several may share an offset).
#[no_mangle]
pub unsafe extern "C" fn mw_message_content_reference_count(message: *const mw_message, out: *mut usize) -> mw_status {
    get(message, out, |m| m.content_references.len())
}

/// Reads a value of the `index`-th content reference of the object behind `message`.
unsafe fn reference<T>(
    message: *const mw_message,
    index: usize,
    dst: *mut T,
    f: impl FnOnce(&ContentReference) -> T,
) -> mw_status {
    guard_plain(|| {
        let m = borrow(message, "message")?;
        let o = out(dst, "out")?;
        let r = m.content_references.get(index).ok_or_else(|| Error::invalid_argument("index", "is out of range"))?;
        *o = f(r);
        Ok(())
    })
}

/// The citation id the `index`-th content reference names (mw_citation_id() of one of
/// the message's citations, normally). MW_INVALID_ARGUMENT when `index` is out of range.
/// `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_message_content_reference_citation_id(
    message: *const mw_message,
    index: usize,
    out: *mut *mut c_char,
) -> mw_status {
    reference(message, index, out, |r| alloc_string(&r.citation_id))
}

/// Where the `index`-th content reference's marker belongs: a zero-based position in the
/// message text, counted in characters (Unicode scalar values), not bytes or UTF-16
/// units. MW_INVALID_ARGUMENT when `index` is out of range.
#[no_mangle]
pub unsafe extern "C" fn mw_message_content_reference_offset(
    message: *const mw_message,
    index: usize,
    out_offset: *mut u64,
) -> mw_status {
    reference(message, index, out_offset, |r| r.offset)
}

/// Creation time, milliseconds since the Unix epoch.
#[no_mangle]
pub unsafe extern "C" fn mw_message_created_at(message: *const mw_message, out_unix_ms: *mut i64) -> mw_status {
    get(message, out_unix_ms, |m| ms(&m.created_at))
}

/// The message text (for unknown content types, a best-effort read; "" when none). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_message_text(message: *const mw_message, out: *mut *mut c_char) -> mw_status {
    get_str(message, out, |m| Some(m.text()))
}

/// The text with `[1]`, `[2]`, … inserted where the content references place the
/// citations (numbered by the citation's position in the message's citations; a citation
/// referenced twice at one offset is marked once); for a message with no content
/// references, at the deprecated citation offsets. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_message_text_with_citation_markers(
    message: *const mw_message,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(message, out, |m| Some(m.text_with_citation_markers()))
}

/// The callback id that rates the message helpful, to pass to mw_client_submit_feedback();
/// NULL when the message offers no such rating (user messages, notifications, older
/// servers). An opaque token: never parse it. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_message_helpful_callback_id(
    message: *const mw_message,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(message, out, |m| callback_id(m.feedback.as_ref().and_then(|f| f.helpful.as_ref())))
}

/// The callback id that rates the message unhelpful, to pass to mw_client_submit_feedback();
/// NULL when the message offers no such rating. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_message_unhelpful_callback_id(
    message: *const mw_message,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(message, out, |m| callback_id(m.feedback.as_ref().and_then(|f| f.unhelpful.as_ref())))
}

fn callback_id(option: Option<&FeedbackOption>) -> Option<String> {
    option.map(|o| o.callback_id.clone())
}

/// The message as wire JSON (with its `feedback` object when it has one). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_message_to_json(message: *const mw_message, out: *mut *mut c_char) -> mw_status {
    json_of(message, out)
}

/// Frees an owned message (from mw_message_iter_next). NULL is allowed. Never pass a borrowed one.
#[no_mangle]
pub unsafe extern "C" fn mw_message_free(message: *mut mw_message) {
    free_handle(message)
}

// ---- reasoning message ---------------------------------------------------------------

/// The reasoning message id. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_reasoning_message_id(
    message: *const mw_reasoning_message,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(message, out, |m| Some(m.reasoning_message_id.clone()))
}

/// The id of the conversation it belongs to. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_reasoning_message_conversation_id(
    message: *const mw_reasoning_message,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(message, out, |m| Some(m.conversation_id.clone()))
}

/// The id of the response that produced it. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_reasoning_message_response_id(
    message: *const mw_reasoning_message,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(message, out, |m| Some(m.response_id.clone()))
}

/// The content, borrowed from the reasoning message.
#[no_mangle]
pub unsafe extern "C" fn mw_reasoning_message_content(
    message: *const mw_reasoning_message,
    out: *mut *const mw_content,
) -> mw_status {
    get(message, out, |m| borrowed::<mw_content>(&m.content))
}

/// Creation time, milliseconds since the Unix epoch.
#[no_mangle]
pub unsafe extern "C" fn mw_reasoning_message_created_at(
    message: *const mw_reasoning_message,
    out_unix_ms: *mut i64,
) -> mw_status {
    get(message, out_unix_ms, |m| ms(&m.created_at))
}

/// The reasoning message as wire JSON. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_reasoning_message_to_json(
    message: *const mw_reasoning_message,
    out: *mut *mut c_char,
) -> mw_status {
    json_of(message, out)
}

// ---- content --------------------------------------------------------------------------

/// The content's type.
#[no_mangle]
pub unsafe extern "C" fn mw_content_get_type(content: *const mw_content, out: *mut mw_content_type) -> mw_status {
    get(content, out, |c| match c {
        Content::PlainText { .. } => mw_content_type::MW_CONTENT_PLAIN_TEXT,
        Content::CommonmarkText { .. } => mw_content_type::MW_CONTENT_COMMONMARK_TEXT,
        Content::MarkdownText { .. } => mw_content_type::MW_CONTENT_MARKDOWN_TEXT,
        Content::CallbackAction { .. } => mw_content_type::MW_CONTENT_CALLBACK_ACTION,
        Content::Unknown { .. } => mw_content_type::MW_CONTENT_UNKNOWN,
    })
}

/// The content's wire type name, e.g. "COMMONMARK_TEXT" (unknown types verbatim). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_content_type_name(content: *const mw_content, out: *mut *mut c_char) -> mw_status {
    get_str(content, out, |c| Some(c.type_name().to_owned()))
}

/// The text of a known content type; NULL for an unknown type. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_content_text(content: *const mw_content, out: *mut *mut c_char) -> mw_status {
    get_str(content, out, |c| c.text().map(str::to_owned))
}

/// The text, including a best-effort read of unknown types; NULL when there is none.
#[no_mangle]
pub unsafe extern "C" fn mw_content_text_lossy(content: *const mw_content, out: *mut *mut c_char) -> mw_status {
    get_str(content, out, Content::text_lossy)
}

/// The content as wire JSON; for an unknown type, the raw JSON exactly as received.
#[no_mangle]
pub unsafe extern "C" fn mw_content_to_json(content: *const mw_content, out: *mut *mut c_char) -> mw_status {
    json_of(content, out)
}

// ---- citation --------------------------------------------------------------------------

/// The citation's id, `cite_…`: what mw_message_content_reference_citation_id() names;
/// NULL from servers that predate it. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_citation_id(citation: *const mw_citation, out: *mut *mut c_char) -> mw_status {
    get_str(citation, out, |c| c.citation_id.clone())
}

/// @deprecated Read positions from the message's content references
/// (mw_message_content_reference_offset()). The earlier `location.offset`, which Moveworks
/// stopped sending on 12 May 2026: a zero-based position in the message text, in
/// characters (Unicode scalar values), not bytes. When the citation has none (every
/// citation of the current API), MW_INVALID_ARGUMENT and `*out` untouched; ask
/// mw_citation_has_offset() first.
#[no_mangle]
pub unsafe extern "C" fn mw_citation_offset(citation: *const mw_citation, out_offset: *mut u64) -> mw_status {
    guard_plain(|| {
        let c = borrow(citation, "citation")?;
        let o = out(out_offset, "out")?;
        *o = c.offset.ok_or_else(|| Error::invalid_argument("citation", "has no offset (deprecated)"))?;
        Ok(())
    })
}

/// @deprecated With mw_citation_offset(). Whether the citation carries the earlier
/// `location.offset` (false for every citation of the current API).
#[no_mangle]
pub unsafe extern "C" fn mw_citation_has_offset(citation: *const mw_citation, out: *mut bool) -> mw_status {
    get(citation, out, |c| c.offset.is_some())
}

/// Link to the cited entity, or NULL. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_citation_url(citation: *const mw_citation, out: *mut *mut c_char) -> mw_status {
    get_str(citation, out, |c| c.url.clone())
}

/// Whether the citation has display data (title, body and/or attributes).
#[no_mangle]
pub unsafe extern "C" fn mw_citation_has_display(citation: *const mw_citation, out: *mut bool) -> mw_status {
    get(citation, out, |c| c.display.is_some())
}

/// The display title (borrowed), or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_citation_display_title(
    citation: *const mw_citation,
    out: *mut *const mw_content,
) -> mw_status {
    get(citation, out, |c| opt_borrowed(c.display.as_ref().and_then(|d| d.title.as_ref())))
}

/// The display body (borrowed), or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_citation_display_body(
    citation: *const mw_citation,
    out: *mut *const mw_content,
) -> mw_status {
    get(citation, out, |c| opt_borrowed(c.display.as_ref().and_then(|d| d.body.as_ref())))
}

/// Number of display attributes: opaque key-value rendering hints, in the order sent
/// (0 without display data). Their keys and values vary by citation: never build logic on them.
#[no_mangle]
pub unsafe extern "C" fn mw_citation_display_attribute_count(
    citation: *const mw_citation,
    out: *mut usize,
) -> mw_status {
    get(citation, out, |c| c.display.as_ref().map_or(0, |d| d.attributes.len()))
}

/// Reads the `index`-th display attribute of the object behind `citation`.
unsafe fn attribute(
    citation: *const mw_citation,
    index: usize,
    dst: *mut *mut c_char,
    f: impl FnOnce(&CitationAttribute) -> &str,
) -> mw_status {
    guard_plain(|| {
        let c = borrow(citation, "citation")?;
        let o = out(dst, "out")?;
        let a = c
            .display
            .as_ref()
            .and_then(|d| d.attributes.get(index))
            .ok_or_else(|| Error::invalid_argument("index", "is out of range"))?;
        *o = alloc_string(f(a));
        Ok(())
    })
}

/// The key of the `index`-th display attribute (MW_INVALID_ARGUMENT when `index` is out
/// of range). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_citation_display_attribute_key(
    citation: *const mw_citation,
    index: usize,
    out: *mut *mut c_char,
) -> mw_status {
    attribute(citation, index, out, |a| &a.key)
}

/// The value of the `index`-th display attribute (MW_INVALID_ARGUMENT when `index` is out
/// of range). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_citation_display_attribute_value(
    citation: *const mw_citation,
    index: usize,
    out: *mut *mut c_char,
) -> mw_status {
    attribute(citation, index, out, |a| &a.value)
}

/// The citation as wire JSON. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_citation_to_json(citation: *const mw_citation, out: *mut *mut c_char) -> mw_status {
    json_of(citation, out)
}

// ---- event --------------------------------------------------------------------------------

/// The event id, `evt_…`. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_event_id(event: *const mw_event, out: *mut *mut c_char) -> mw_status {
    get_str(event, out, |e| Some(e.event_id.clone()))
}

/// The id of the conversation the event belongs to. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_event_conversation_id(event: *const mw_event, out: *mut *mut c_char) -> mw_status {
    get_str(event, out, |e| Some(e.conversation_id.clone()))
}

/// The payload's type.
#[no_mangle]
pub unsafe extern "C" fn mw_event_get_type(event: *const mw_event, out: *mut mw_event_type) -> mw_status {
    get(event, out, |e| match e.payload {
        EventPayload::Message { .. } => mw_event_type::MW_EVENT_MESSAGE,
        EventPayload::Unknown { .. } => mw_event_type::MW_EVENT_UNKNOWN,
    })
}

/// The payload's wire type name, e.g. "MESSAGE_EVENT" (unknown types verbatim). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_event_type_name(event: *const mw_event, out: *mut *mut c_char) -> mw_status {
    get_str(event, out, |e| Some(e.payload.type_name().to_owned()))
}

/// The message of a MESSAGE_EVENT (borrowed), or NULL for another type.
#[no_mangle]
pub unsafe extern "C" fn mw_event_message(event: *const mw_event, out: *mut *const mw_message) -> mw_status {
    get(event, out, |e| {
        opt_borrowed(if let EventPayload::Message { message: m } = &e.payload { Some(m) } else { None })
    })
}

/// The event as wire JSON (an unknown payload verbatim). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_event_to_json(event: *const mw_event, out: *mut *mut c_char) -> mw_status {
    json_of(event, out)
}

/// Parses an event from wire JSON. `*out` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_event_from_json(
    json: *const c_char,
    out: *mut *mut mw_event,
    out_error: *mut *mut mw_error,
) -> mw_status {
    parse(json, out, "event", out_error)
}

/// Frees an owned event. NULL is allowed. Never pass a borrowed one.
#[no_mangle]
pub unsafe extern "C" fn mw_event_free(event: *mut mw_event) {
    free_handle(event)
}

// ---- event page -------------------------------------------------------------------------

/// Number of events on the page.
#[no_mangle]
pub unsafe extern "C" fn mw_event_page_count(page: *const mw_event_page, out: *mut usize) -> mw_status {
    get(page, out, |p| p.events.len())
}

/// The `index`-th event (oldest first), borrowed from the page.
#[no_mangle]
pub unsafe extern "C" fn mw_event_page_get(
    page: *const mw_event_page,
    index: usize,
    out: *mut *const mw_event,
) -> mw_status {
    get_item(page, index, out, |p| &p.events[..])
}

/// Cursor of the next page, or NULL on the last page. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_event_page_next_cursor(page: *const mw_event_page, out: *mut *mut c_char) -> mw_status {
    get_str(page, out, |p| p.next_cursor.clone())
}

/// The `x-moveworks-root-uuid` of the HTTP answer this page came from (quote it to
/// Moveworks support, for a wrong answer as for an error); NULL for a page parsed from JSON. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_event_page_request_id(page: *const mw_event_page, out: *mut *mut c_char) -> mw_status {
    get_str(page, out, |p| p.request_id.clone())
}

/// One header of the HTTP answer this page came from, by name (case-insensitive, e.g.
/// "x-moveworks-root-uuid"), next to mw_event_page_request_id(); NULL when absent or when the
/// page did not come from an answer (parsed from JSON). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_event_page_http_header(
    page: *const mw_event_page,
    name: *const c_char,
    out: *mut *mut c_char,
) -> mw_status {
    header_of(page, name, out)
}

/// Every header of the HTTP answer this page came from, as a JSON object of lowercase
/// names to values (sorted by name), e.g. `{"content-type": "application/json", ...}`;
/// NULL when it did not come from an answer. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_event_page_http_headers_json(
    page: *const mw_event_page,
    out: *mut *mut c_char,
) -> mw_status {
    headers_json_of(page, out)
}

/// The page as wire JSON (`{"events": [...], "metadata": {"next_cursor": ...}}`).
#[no_mangle]
pub unsafe extern "C" fn mw_event_page_to_json(page: *const mw_event_page, out: *mut *mut c_char) -> mw_status {
    json_of(page, out)
}

/// Parses an event page from wire JSON. `*out` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_event_page_from_json(
    json: *const c_char,
    out: *mut *mut mw_event_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    parse(json, out, "event page", out_error)
}

/// Frees an event page (and the events borrowed from it). NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_event_page_free(page: *mut mw_event_page) {
    free_handle(page)
}

// ---- message page -------------------------------------------------------------------------

/// Number of messages on the page.
#[no_mangle]
pub unsafe extern "C" fn mw_message_page_count(page: *const mw_message_page, out: *mut usize) -> mw_status {
    get(page, out, |p| p.messages.len())
}

/// The `index`-th message (newest first for a conversation's messages), borrowed from the page.
#[no_mangle]
pub unsafe extern "C" fn mw_message_page_get(
    page: *const mw_message_page,
    index: usize,
    out: *mut *const mw_message,
) -> mw_status {
    get_item(page, index, out, |p| &p.messages[..])
}

/// Cursor of the next page, or NULL on the last page (and when the server sends no
/// `metadata`, as list response messages may). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_message_page_next_cursor(page: *const mw_message_page, out: *mut *mut c_char) -> mw_status {
    get_str(page, out, |p| p.next_cursor.clone())
}

/// The `x-moveworks-root-uuid` of the HTTP answer this page came from (quote it to
/// Moveworks support, for a wrong answer as for an error); NULL for a page parsed from JSON. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_message_page_request_id(page: *const mw_message_page, out: *mut *mut c_char) -> mw_status {
    get_str(page, out, |p| p.request_id.clone())
}

/// One header of the HTTP answer this page came from, by name (case-insensitive, e.g.
/// "x-moveworks-root-uuid"), next to mw_message_page_request_id(); NULL when absent or when the
/// page did not come from an answer (parsed from JSON). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_message_page_http_header(
    page: *const mw_message_page,
    name: *const c_char,
    out: *mut *mut c_char,
) -> mw_status {
    header_of(page, name, out)
}

/// Every header of the HTTP answer this page came from, as a JSON object of lowercase
/// names to values (sorted by name), e.g. `{"content-type": "application/json", ...}`;
/// NULL when it did not come from an answer. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_message_page_http_headers_json(
    page: *const mw_message_page,
    out: *mut *mut c_char,
) -> mw_status {
    headers_json_of(page, out)
}

/// The page as wire JSON (`{"messages": [...], "metadata": {"next_cursor": ...}}`).
#[no_mangle]
pub unsafe extern "C" fn mw_message_page_to_json(page: *const mw_message_page, out: *mut *mut c_char) -> mw_status {
    json_of(page, out)
}

/// Parses a message page from wire JSON. `*out` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_message_page_from_json(
    json: *const c_char,
    out: *mut *mut mw_message_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    parse(json, out, "message page", out_error)
}

/// Frees a message page (and the messages borrowed from it). NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_message_page_free(page: *mut mw_message_page) {
    free_handle(page)
}

// ---- feedback result ----------------------------------------------------------------------

/// The submission status (MW_FEEDBACK_STATUS_UNKNOWN for a value this SDK does not know).
#[no_mangle]
pub unsafe extern "C" fn mw_feedback_result_get_status(
    result: *const mw_feedback_result,
    out: *mut mw_feedback_status,
) -> mw_status {
    get(result, out, |r| match r.status {
        FeedbackStatus::Submitted => mw_feedback_status::MW_FEEDBACK_STATUS_SUBMITTED,
        FeedbackStatus::Unknown { .. } => mw_feedback_status::MW_FEEDBACK_STATUS_UNKNOWN,
    })
}

/// The status as sent on the wire, e.g. "SUBMITTED" (unknown values verbatim). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_feedback_result_status_name(
    result: *const mw_feedback_result,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(result, out, |r| Some(r.status.as_str().to_owned()))
}

/// The `x-moveworks-root-uuid` of the HTTP answer this result came from (quote it to
/// Moveworks support, for a wrong answer as for an error); NULL for a result parsed from JSON. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_feedback_result_request_id(
    result: *const mw_feedback_result,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(result, out, |r| r.request_id.clone())
}

/// One header of the HTTP answer this result came from, by name (case-insensitive, e.g.
/// "x-moveworks-root-uuid"), next to mw_feedback_result_request_id(); NULL when absent or when the
/// result did not come from an answer (parsed from JSON). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_feedback_result_http_header(
    result: *const mw_feedback_result,
    name: *const c_char,
    out: *mut *mut c_char,
) -> mw_status {
    header_of(result, name, out)
}

/// Every header of the HTTP answer this result came from, as a JSON object of lowercase
/// names to values (sorted by name), e.g. `{"content-type": "application/json", ...}`;
/// NULL when it did not come from an answer. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_feedback_result_http_headers_json(
    result: *const mw_feedback_result,
    out: *mut *mut c_char,
) -> mw_status {
    headers_json_of(result, out)
}

/// The result as wire JSON (`{"status": "SUBMITTED"}`). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_feedback_result_to_json(
    result: *const mw_feedback_result,
    out: *mut *mut c_char,
) -> mw_status {
    json_of(result, out)
}

/// Parses a feedback result from wire JSON. `*out` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_feedback_result_from_json(
    json: *const c_char,
    out: *mut *mut mw_feedback_result,
    out_error: *mut *mut mw_error,
) -> mw_status {
    parse(json, out, "feedback result", out_error)
}

/// Frees a feedback result. NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_feedback_result_free(result: *mut mw_feedback_result) {
    free_handle(result)
}
