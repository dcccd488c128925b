//! The core's model helpers and JSON codecs, exported as functions (uniffi cannot put methods on records).

use moveworks as core;
use moveworks::{
    Conversation, ConversationPage, Event, EventPage, FeedbackResult, FeedbackStatus, Message, MessagePage, Response,
    ResponseStatus, StreamEvent,
};

use crate::errors::*;

/// The assistant's answer: its final messages' text joined by blank lines, or absent.
#[uniffi::export]
pub fn response_assistant_text(response: Response) -> Option<String> {
    response.assistant_text()
}

/// The final messages written by the assistant, in output order.
#[uniffi::export]
pub fn response_assistant_messages(response: Response) -> Vec<Message> {
    response.assistant_messages().cloned().collect()
}

/// True for a terminal status (COMPLETED or FAILED).
#[uniffi::export]
pub fn response_is_terminal(response: Response) -> bool {
    response.is_terminal()
}

/// The message text (for unknown content types, a best-effort read).
#[uniffi::export]
pub fn message_text(message: Message) -> String {
    message.text()
}

/// The message text with `[1]`, `[2]`, … inserted where its content references place
/// each citation (character offsets; the deprecated citation offsets when it has none).
#[uniffi::export]
pub fn message_text_with_citation_markers(message: Message) -> String {
    message.text_with_citation_markers()
}

/// The wire spelling of a status, e.g. `"IN_PROGRESS"` (unknown values verbatim).
#[uniffi::export]
pub fn response_status_wire_name(status: ResponseStatus) -> String {
    status.as_str().to_owned()
}

/// The conversation as the API's JSON.
#[uniffi::export]
pub fn conversation_to_json(conversation: Conversation) -> String {
    to_json(&conversation)
}

/// The page as the API's JSON (`{"conversations": […], "metadata": {"next_cursor": …}}`).
#[uniffi::export]
pub fn conversation_page_to_json(page: ConversationPage) -> String {
    to_json(&page)
}

/// The event as the API's JSON (unknown payloads verbatim).
#[uniffi::export]
pub fn event_to_json(event: Event) -> String {
    to_json(&event)
}

/// The page as the API's JSON (`{"events": […], "metadata": {"next_cursor": …}}`).
#[uniffi::export]
pub fn event_page_to_json(page: EventPage) -> String {
    to_json(&page)
}

/// The message as the API's JSON (unknown content verbatim; `feedback` when the server sent it).
#[uniffi::export]
pub fn message_to_json(message: Message) -> String {
    to_json(&message)
}

/// The page as the API's JSON (`{"messages": […], "metadata": {"next_cursor": …}}`).
#[uniffi::export]
pub fn message_page_to_json(page: MessagePage) -> String {
    to_json(&page)
}

/// The feedback answer as the API's JSON (`{"status": "SUBMITTED"}`).
#[uniffi::export]
pub fn feedback_result_to_json(result: FeedbackResult) -> String {
    to_json(&result)
}

/// The wire spelling of a feedback status, e.g. `"SUBMITTED"` (unknown values verbatim).
#[uniffi::export]
pub fn feedback_status_wire_name(status: FeedbackStatus) -> String {
    status.as_str().to_owned()
}

/// The response as the API's JSON (unknown variants verbatim).
#[uniffi::export]
pub fn response_to_json(response: Response) -> String {
    to_json(&response)
}

/// The wire name of a stream event, e.g. `"RESPONSE_OUTPUT_DELTA"` (an unknown event's name as sent).
#[uniffi::export]
pub fn stream_event_name(event: StreamEvent) -> String {
    event.event_name().to_owned()
}

/// The server's `sequence_number` of a stream event, whichever its variant; absent when
/// it sent none (and on deltas of a turn finished by polling).
#[uniffi::export]
pub fn stream_event_sequence_number(event: StreamEvent) -> Option<u64> {
    event.sequence_number()
}

/// The response a stream event carries (created, in progress, completed or failed), if any.
#[uniffi::export]
pub fn stream_event_response(event: StreamEvent) -> Option<Response> {
    event.response().cloned()
}

/// Every event name this SDK version decodes into a known variant, in the order
/// `RESPONSE_CREATED`, `RESPONSE_IN_PROGRESS`, `RESPONSE_OUTPUT_DELTA`,
/// `RESPONSE_COMPLETED`, `RESPONSE_FAILED`, `ERROR`.
#[uniffi::export]
pub fn stream_event_known_names() -> Vec<String> {
    StreamEvent::KNOWN.iter().map(|&n| n.to_owned()).collect()
}

/// The stream event as JSON: `{"event": <wire name>, "sequence_number": …, <its fields>…}`;
/// an unknown event is `{"event": <name>, "sequence_number": …, "data": <raw data text>}`.
#[uniffi::export]
pub fn stream_event_to_json(event: StreamEvent) -> String {
    to_json(&event)
}

/// Reads a response from the API's JSON (e.g. one cached by `response_to_json`).
#[uniffi::export]
pub fn response_from_json(json: String) -> Result<Response> {
    Ok(serde_json::from_str(&json)
        .map_err(|e| core::Error::new(core::ErrorKind::Decode, format!("could not decode response: {e}")))?)
}

/// Every error kind name, in the core's order (e.g. for exhaustive handling tables).
#[uniffi::export]
pub fn error_kind_names() -> Vec<String> {
    core::ErrorKind::ALL.iter().map(|k| k.as_str().to_owned()).collect()
}

/// Serializes with the core's serializer (the API's wire JSON).
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // The model only holds strings, numbers and verbatim JSON it parsed itself.
    serde_json::to_string(value).unwrap_or_else(|e| panic!("model serialization failed: {e}"))
}

/// The SDK version.
#[uniffi::export]
pub fn sdk_version() -> String {
    core::VERSION.to_owned()
}
