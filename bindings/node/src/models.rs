//! The core's model helpers on models the JS layer passes back as wire JSON (text,
//! citation markers, output indexes), the known tagged-union type names and the core version.

use moveworks::{Action, Content, EventPayload, Message, OutputItem, Response, StreamEvent};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert::to_napi;

/// Decodes a model the JS layer passed back as wire JSON (from `toWire`);
/// anything else is `invalid_argument` naming `argument`.
fn parse<T: serde::de::DeserializeOwned>(argument: &str, what: &str, wire_json: &str) -> Result<T> {
    serde_json::from_str(wire_json)
        .map_err(|e| to_napi(moveworks::Error::invalid_argument(argument, format_args!("is not a {what} ({e})"))))
}

fn parse_response(wire_json: &str) -> Result<Response> {
    parse("response", "Response", wire_json)
}

/// Positions in `response.outputs` of the items `picked` (by the core's helper) refers to,
/// so the JS layer returns the very objects the caller already holds.
fn output_indexes<'a, T: 'a>(
    response: &'a Response,
    picked: impl Iterator<Item = &'a T>,
    inner: impl Fn(&'a OutputItem) -> Option<&'a T>,
) -> Vec<u32> {
    let picked: Vec<&T> = picked.collect();
    let positions = response.outputs.iter().enumerate();
    positions
        .filter(|(_, o)| inner(o).is_some_and(|m| picked.iter().any(|p| std::ptr::eq(*p, m))))
        .map(|(i, _)| i as u32)
        .collect()
}

/// The core's `assistant_text` helper on a Response given as wire JSON.
#[napi]
pub fn assistant_text(response_json: String) -> Result<Option<String>> {
    Ok(parse_response(&response_json)?.assistant_text())
}

/// Indexes into `outputs` of the core's `assistant_messages()` (final messages written by the assistant).
#[napi]
pub fn assistant_message_indexes(response_json: String) -> Result<Vec<u32>> {
    let r = parse_response(&response_json)?;
    Ok(output_indexes(&r, r.assistant_messages(), |o| match o {
        OutputItem::Message { message } => Some(message),
        _ => None,
    }))
}

/// Indexes into `outputs` of the core's `reasoning_messages()`.
#[napi]
pub fn reasoning_message_indexes(response_json: String) -> Result<Vec<u32>> {
    let r = parse_response(&response_json)?;
    Ok(output_indexes(&r, r.reasoning_messages(), |o| match o {
        OutputItem::ReasoningMessage { reasoning_message } => Some(reasoning_message),
        _ => None,
    }))
}

/// The core's `Message::text_with_citation_markers` on a Message given as wire JSON.
#[napi]
pub fn text_with_citation_markers(message_json: String) -> Result<String> {
    Ok(parse::<Message>("message", "Message", &message_json)?.text_with_citation_markers())
}

/// The core's `Message::text` (unknown content types read best-effort) on a Message given as wire JSON.
#[napi]
pub fn message_text(message_json: String) -> Result<String> {
    Ok(parse::<Message>("message", "Message", &message_json)?.text())
}

/// The core's `Content::text` (known content types only) on a Content given as wire JSON.
#[napi]
pub fn content_text(content_json: String) -> Result<Option<String>> {
    Ok(parse::<Content>("content", "Content", &content_json)?.text().map(str::to_owned))
}

/// The core's `Content::text_lossy` (also reads unknown types of the usual shape) on a Content given as wire JSON.
#[napi]
pub fn content_text_lossy(content_json: String) -> Result<Option<String>> {
    Ok(parse::<Content>("content", "Content", &content_json)?.text_lossy())
}

/// The `type` values of each tagged union that the core decodes into a known variant.
#[napi(object)]
pub struct KnownTypeNames {
    /// `Content` types.
    pub content: Vec<String>,
    /// `OutputItem` types.
    pub output_item: Vec<String>,
    /// `EventPayload` types.
    pub event_payload: Vec<String>,
    /// Stream event names (`StreamEvent::KNOWN`); every other name arrives as the unknown event.
    pub stream_event: Vec<String>,
    /// `Action` types (a message's buttons).
    pub action: Vec<String>,
}

/// The core's lists of known tagged-union types and stream event names; the JS layer shapes every other type as its unknown variant.
#[napi]
pub fn known_type_names() -> KnownTypeNames {
    let owned = |known: &[&str]| known.iter().map(|t| (*t).to_owned()).collect();
    KnownTypeNames {
        content: owned(Content::KNOWN),
        output_item: owned(OutputItem::KNOWN),
        event_payload: owned(EventPayload::KNOWN),
        stream_event: owned(StreamEvent::KNOWN),
        action: owned(Action::KNOWN),
    }
}

/// How many woken streams index.js resumes per turn of the event loop (the core's
/// `StreamPump::RESUMED_PER_LOOP_TURN`).
#[napi]
pub const RESUMED_PER_LOOP_TURN: u32 = moveworks::StreamPump::RESUMED_PER_LOOP_TURN as u32;

/// The core SDK version.
#[napi]
pub fn core_version() -> String {
    moveworks::VERSION.to_owned()
}
