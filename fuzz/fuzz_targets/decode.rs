//! Decoding every response model and error body the core accepts from the wire.
//!
//! The first byte picks the decoder, the rest is the body. A model that decodes must
//! serialize back to wire JSON that decodes to an equal model (what every binding's
//! `to_json`/`from_json` relies on), and its helpers must not panic. Error bodies and
//! `Retry-After` values go through the same functions the transport uses.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use moveworks::{
    Actor, Citation, Content, Conversation, ConversationPage, Event, EventPage, EventPayload, Message, OutputItem,
    ReasoningMessage, Response, ResponseStatus,
};
use serde::{de::DeserializeOwned, Serialize};

/// Decodes `body` as `T`; when it decodes, checks the round trip and returns the model.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(body: &[u8]) -> Option<T> {
    let first: T = serde_json::from_slice(body).ok()?;
    let wire = serde_json::to_vec(&first).expect("a decoded model serializes");
    let second: T = serde_json::from_slice(&wire)
        .unwrap_or_else(|e| panic!("re-decoding our own JSON failed: {e}: {}", String::from_utf8_lossy(&wire)));
    assert_eq!(first, second, "round trip changed the model; wire: {}", String::from_utf8_lossy(&wire));
    assert_eq!(wire, serde_json::to_vec(&second).unwrap(), "serializing is not stable");
    let _ = format!("{first:?}");
    Some(first)
}

fn message_helpers(m: &Message) {
    let text = m.text();
    let marked = m.text_with_citation_markers();
    // Markers are only inserted: every character of the text survives, in order.
    let mut rest = marked.chars();
    assert!(text.chars().all(|c| rest.any(|d| d == c)), "citation markers lost text");
    let _ = (m.content.text(), m.content.type_name(), m.actor.as_str(), m.actor.is_unknown());
}

fn response_helpers(r: &Response) {
    let _ = (r.assistant_text(), r.is_terminal(), r.status.as_str(), r.reasoning_messages().count());
    for o in &r.outputs {
        let _ = o.type_name();
        if let moveworks::OutputItem::Message { message: m } = o {
            message_helpers(m);
        }
    }
}

fn header(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    match which % 16 {
        0 => drop(round_trip::<Conversation>(body)),
        1 => drop(round_trip::<ConversationPage>(body)),
        2 => {
            if let Some(page) = round_trip::<EventPage>(body) {
                for e in &page.events {
                    if let EventPayload::Message { message: m } = &e.payload {
                        message_helpers(m);
                    }
                }
            }
        }
        3 => {
            if let Some(e) = round_trip::<Event>(body) {
                let _ = e.payload.type_name();
            }
        }
        4 | 5 => {
            if let Some(r) = round_trip::<Response>(body) {
                response_helpers(&r);
            }
        }
        6 => {
            if let Some(m) = round_trip::<Message>(body) {
                message_helpers(&m);
            }
        }
        7 => drop(round_trip::<ReasoningMessage>(body)),
        8 => drop(round_trip::<OutputItem>(body)),
        9 => {
            if let Some(c) = round_trip::<Content>(body) {
                let _ = (c.text(), c.text_lossy(), c.type_name());
            }
        }
        10 => {
            if let Some(c) = round_trip::<Citation>(body) {
                let places: Vec<(u64, usize)> = c.offset.map(|offset| (offset, 0)).into_iter().collect();
                let _ = moveworks::render_citations("text", &places, |i| format!("[{i}]"));
            }
        }
        11 => {
            drop(round_trip::<ResponseStatus>(body));
            drop(round_trip::<Actor>(body));
        }
        12 | 13 => {
            // An error reply: status, then Retry-After headers separated by NUL, then the body.
            if body.len() < 2 {
                return;
            }
            let status = u16::from_le_bytes([body[0], body[1]]);
            let mut parts = body[2..].splitn(3, |&b| b == 0);
            let ms = parts.next().and_then(header);
            let after = parts.next().and_then(header);
            let payload = parts.next().unwrap_or_default().to_vec();
            let e = moveworks::fuzzing::api_error(status, Some("req-1".into()), ms, after, payload);
            assert_eq!(e.status(), Some(status));
            let _ = (e.to_string(), format!("{e:?}"), e.kind().as_str(), e.is_transient(), e.code());
        }
        14 => {
            // Retry-After alone: any value must give a finite, non-negative wait or none, never a panic.
            let mut parts = body.splitn(2, |&b| b == 0);
            let ms = parts.next().and_then(header);
            let after = parts.next().and_then(header);
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            let _ = moveworks::fuzzing::parse_retry_after(ms, after, now);
        }
        _ => {
            let e = moveworks::fuzzing::decode_error("response", "fuzz", body);
            let excerpt = e.body_excerpt().expect("decode errors keep an excerpt");
            assert!(excerpt.chars().count() <= 201, "excerpt too long");
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
});
