//! Conversion of the core's results to what crosses to JS: models as wire JSON beside
//! their request id and headers ([`NativeValue`]), stream events, and core errors as
//! napi errors ([`ERROR_MARKER`] and the error's fields as JSON).

use std::collections::HashMap;

use moveworks::{ErrorKind, Response, StreamEvent, Traced};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::json;

/// Prefix of the message of every error this addon rejects with; the JS layer
/// parses the JSON after it into the matching `MoveworksError` subclass.
pub const ERROR_MARKER: &str = "\u{0}moveworks-error:";

/// Converts a core error into a napi error carrying all its fields as JSON.
pub(crate) fn to_napi(e: moveworks::Error) -> napi::Error {
    to_napi_with_updates(e, None)
}

/// As [`to_napi`], adding how many `onUpdate` calls a failed wait sent (so JS can deliver them first).
pub(crate) fn to_napi_with_updates(e: moveworks::Error, updates: Option<u32>) -> napi::Error {
    // The core's record as it serializes (index.js renames its keys), plus what
    // only this binding adds.
    let mut fields = serde_json::to_value(e.details()).unwrap_or_else(|_| json!({ "kind": e.kind().as_str() }));
    if let Some(map) = fields.as_object_mut() {
        map.insert("updates".into(), json!(updates));
        map.insert("display".into(), json!(e.to_string()));
    }
    napi::Error::new(Status::GenericFailure, format!("{ERROR_MARKER}{fields}"))
}

/// Every core error kind string, in the core's order (the JS layer builds its class table from it).
#[napi]
pub fn error_kinds() -> Vec<String> {
    ErrorKind::ALL.iter().map(|k| k.as_str().to_owned()).collect()
}

fn wire<T: serde::Serialize>(value: &T) -> moveworks::Result<String> {
    serde_json::to_string(value)
        .map_err(|e| moveworks::Error::new(ErrorKind::Decode, format!("could not serialize a result: {e}")))
}

/// What every call resolves to: the value as the core's wire JSON, and beside it the
/// `x-moveworks-root-uuid` of the HTTP answer it came from (the JS layer makes it the
/// returned object's non-enumerable `requestId`).
#[napi(object)]
pub struct NativeValue {
    /// The value as the core serialized it (wire JSON).
    pub json: String,
    /// The `x-moveworks-root-uuid` of the answer the value came from.
    pub request_id: Option<String>,
    /// Polling helpers only: how many `onUpdate`/`onEvent` calls were sent before it.
    pub updates: Option<u32>,
    /// The headers of the HTTP answer the value came from (names lowercase).
    pub http_headers: Option<HashMap<String, String>>,
}

/// A returned value, its request id and its answer's headers, for the JS layer.
pub(crate) fn value<T: Traced + serde::Serialize>(v: &T) -> moveworks::Result<NativeValue> {
    Ok(NativeValue {
        json: wire(v)?,
        request_id: v.request_id().map(str::to_owned),
        updates: None,
        http_headers: v.http_headers().map(moveworks::HttpHeaders::to_map),
    })
}

/// A value handed to a JS callback (one string): `{"value": <wire JSON>, "request_id": ..., "http_headers": ...}`.
pub(crate) fn traced_json<T: Traced + serde::Serialize>(v: &T) -> moveworks::Result<String> {
    let value = serde_json::to_value(v)
        .map_err(|e| moveworks::Error::new(ErrorKind::Decode, format!("could not serialize a result: {e}")))?;
    Ok(json!({ "value": value, "request_id": v.request_id(), "http_headers": v.http_headers().map(moveworks::HttpHeaders::to_map) }).to_string())
}

/// Appends one stream event of a batch to `out`: `{"event": <the core's StreamEvent
/// JSON>, "known": bool, "request_id": <the request id of the response the event carries,
/// if any>, "http_headers": <that answer's headers, if any>, "succeeded": bool}` (`known`
/// is false for the core's `Unknown` variant). Written straight into the buffer, with no
/// intermediate `serde_json::Value`: a stream's events cross by the thousand.
/// ASCII only (see [`write_ascii_json`]).
pub(crate) fn push_event_json(out: &mut Vec<u8>, event: &StreamEvent, succeeded: bool) -> moveworks::Result<()> {
    let failed =
        |e: serde_json::Error| moveworks::Error::new(ErrorKind::Decode, format!("could not serialize an event: {e}"));
    let response = event.response();
    out.extend_from_slice(br#"{"event":"#);
    write_ascii_json(&mut *out, event).map_err(failed)?;
    let known = !matches!(event, StreamEvent::Unknown { .. });
    out.extend_from_slice(if known { br#","known":true,"request_id":"# } else { br#","known":false,"request_id":"# });
    write_ascii_json(&mut *out, &response.and_then(Traced::request_id)).map_err(failed)?;
    out.extend_from_slice(br#","http_headers":"#);
    let headers = response.and_then(Traced::http_headers).map(moveworks::HttpHeaders::to_map);
    write_ascii_json(&mut *out, &headers).map_err(failed)?;
    out.extend_from_slice(if succeeded { br#","succeeded":true}"# } else { br#","succeeded":false}"# });
    Ok(())
}

/// Result of a polling helper: the final response and how many updates were sent.
pub(crate) fn waited(response: &Response, updates: &std::sync::atomic::AtomicU32) -> moveworks::Result<NativeValue> {
    let updates = Some(updates.load(std::sync::atomic::Ordering::SeqCst));
    Ok(NativeValue { updates, ..value(response)? })
}

/// Writes `value` as compact JSON with every non-ASCII character as a `\u` escape
/// (surrogate pairs above U+FFFF): the same value to `JSON.parse`, but a string JS can
/// take by a Latin-1 copy, and one V8 parses on its one-byte path.
pub(crate) fn write_ascii_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(out, AsciiOnly))
}

/// serde_json's compact formatter, escaping non-ASCII characters.
struct AsciiOnly;

impl serde_json::ser::Formatter for AsciiOnly {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        if fragment.is_ascii() {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (at, ch) in fragment.char_indices() {
            if ch.is_ascii() {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..at])?;
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = at + ch.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::write_ascii_json;

    #[test]
    fn ascii_json_escapes_every_non_ascii_character_and_round_trips() {
        let value = serde_json::json!({"text": "caf\u{e9} \u{2014} \u{1F600} \"q\"\n", "k\u{e9}y": [1, null]});
        let mut out = Vec::new();
        write_ascii_json(&mut out, &value).unwrap();
        assert!(out.is_ascii(), "{}", String::from_utf8_lossy(&out));
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r#"caf\u00e9 \u2014 \ud83d\ude00 \"q\"\n"#), "{text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
    }
}
