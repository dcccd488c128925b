//! `POST /conversations/{id}/responses/stream`: the create-response call answered
//! as Server-Sent Events, paced along the same lifecycle a poll observes, in the
//! wire format of Moveworks' published OpenAPI (`StreamEventType` ..
//! `ResponseStreamEvent`).
//!
//! The stream renders the very record the polled path serves, so a client that
//! falls back to polling get response ends with the same `Response`. Every
//! `data:` object carries `event_type` (the event's name) and `sequence_number`
//! (1, 2, 3, ... over all events of the stream). Timeline for a response of
//! duration `D` created at `t = 0`:
//!
//! | at | event | data besides `event_type`, `sequence_number` |
//! | --- | --- | --- |
//! | 0 | `RESPONSE_CREATED` | `response`: the Response, status `CREATED` |
//! | D/3 | `RESPONSE_IN_PROGRESS` | `response`: status `IN_PROGRESS` (`THINKING` with unknown values) |
//! | D/3 | two `RESPONSE_OUTPUT_DELTA`s | `output`: the `REASONING_MESSAGE` item (half, then all of it) |
//! | D/3 .. D | five `RESPONSE_OUTPUT_DELTA`s | `output`: the `MESSAGE` item so far (omitted when the response fails) |
//! | D | `RESPONSE_COMPLETED` | `response`: the final Response, exactly what get response returns afterwards |
//!
//! A failed response ends with `RESPONSE_FAILED` carrying the `FAILED` response
//! and its `error`. A handoff (`handoff` fault) streams `RESPONSE_CREATED` then
//! `RESPONSE_COMPLETED` with no outputs. A `raw_message` answer comes whole in one
//! delta. A partial `MESSAGE` keeps only the `content_references` its text reaches
//! (offset at most its length in characters) and their citations. The
//! `stream_error` fault sends `ERROR` `{"error": {"code", "message"}}` and closes.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::api::Generation;
use crate::faults::FaultKind;
use crate::json;
use crate::server::{BodyStream, StreamEnd, StreamWriter};
use crate::state::{Outcome, ResponseRecord};

/// How many deltas the answer grows in.
const MESSAGE_DELTAS: usize = 5;

/// Stream faults to apply to one stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StreamFaults {
    drop_after: Option<u64>,
    stall_after: Option<(u64, Duration)>,
    unknown_after: Option<(u64, String, UnknownData)>,
    error_after: Option<(u64, String, String)>,
}

/// The data of an unknown event: built by the simulator (then stamped with
/// `event_type` and `sequence_number` like every event) or given as text by the
/// fault (then sent verbatim).
#[derive(Debug, Clone, PartialEq)]
enum UnknownData {
    Built(Value),
    Verbatim(String),
}

impl StreamFaults {
    /// The stream part of a fault, if it has one.
    pub(crate) fn from_fault(fault: Option<&FaultKind>) -> StreamFaults {
        let mut faults = StreamFaults::default();
        match fault {
            Some(FaultKind::StreamDrop { after_events }) => faults.drop_after = Some(*after_events),
            Some(FaultKind::StreamStall { after_events, ms }) => {
                faults.stall_after = Some((*after_events, Duration::from_millis(*ms)))
            }
            Some(FaultKind::StreamUnknownEvent { after_events, event, data }) => {
                let data = match data {
                    Some(text) => UnknownData::Verbatim(text.clone()),
                    None => UnknownData::Built(json!({ "note": "an event type clients do not know" })),
                };
                faults.unknown_after = Some((*after_events, event.clone(), data))
            }
            Some(FaultKind::StreamError { after_events, code, message }) if *after_events > 0 => {
                faults.error_after = Some((*after_events, code.clone(), message.clone()))
            }
            _ => {}
        }
        faults
    }
}

/// The route template of the streaming operation in the published spec.
const ROUTE: &str = "/conversations/{conversation_id}/responses/stream";

/// One scheduled event; `event_type` and `sequence_number` are added when it is sent.
struct Planned {
    offset: Duration,
    name: &'static str,
    data: Value,
}

/// The events of a response's stream, with their times after its creation.
fn plan(record: &ResponseRecord, unknown: bool) -> Vec<Planned> {
    let unknown = unknown || record.unknown;
    let d = record.duration;
    let created = json::response(record, record.started, unknown);
    let in_progress = json::response(record, record.started + d / 3, unknown);
    let finished = json::response(record, record.started + d, unknown);
    let event = |offset: Duration, name: &'static str, key: &str, value: Value| {
        let mut data = Map::new();
        data.insert(key.to_owned(), value);
        Planned { offset, name, data: Value::Object(data) }
    };
    let mut events = vec![event(Duration::ZERO, "RESPONSE_CREATED", "response", created)];
    if record.outcome == Outcome::Handoff {
        events.push(event(d, "RESPONSE_COMPLETED", "response", finished));
        return events;
    }
    events.push(event(d / 3, "RESPONSE_IN_PROGRESS", "response", in_progress.clone()));
    let reasoning = in_progress["outputs"][0].clone();
    let mut half = reasoning.clone();
    if let Some(text) = reasoning_text(&mut half) {
        let keep = text.chars().count() / 2;
        *text = text.chars().take(keep).collect();
    }
    events.push(event(d / 3, "RESPONSE_OUTPUT_DELTA", "output", half));
    events.push(event(d / 3, "RESPONSE_OUTPUT_DELTA", "output", reasoning));
    if record.outcome == Outcome::Completed {
        let message = finished["outputs"]
            .as_array()
            .and_then(|outputs| outputs.iter().find(|o| o["type"] == "MESSAGE"))
            .cloned()
            .unwrap_or(Value::Null);
        let span = d - d / 3;
        let at = |k: usize| d / 3 + span.mul_f64(k as f64 / (MESSAGE_DELTAS + 1) as f64);
        match message["message"]["content"]["commonmark_text"]["text"].as_str() {
            Some(full) if record.raw_message.is_none() => {
                let chars = full.chars().count();
                for k in 1..=MESSAGE_DELTAS {
                    let output = if k == MESSAGE_DELTAS {
                        message.clone()
                    } else {
                        partial_message(&message, full, chars * k / MESSAGE_DELTAS)
                    };
                    events.push(event(at(k), "RESPONSE_OUTPUT_DELTA", "output", output));
                }
            }
            // A captured message comes whole.
            _ => events.push(event(at(MESSAGE_DELTAS), "RESPONSE_OUTPUT_DELTA", "output", message)),
        }
    }
    let last = if finished["status"] == "FAILED" { "RESPONSE_FAILED" } else { "RESPONSE_COMPLETED" };
    events.push(event(d, last, "response", finished));
    events
}

/// The text of a reasoning item, whatever its content type.
fn reasoning_text(item: &mut Value) -> Option<&mut String> {
    let content = item.get_mut("reasoning_message")?.get_mut("content")?;
    let kind = content.get("type")?.as_str()?.to_ascii_lowercase();
    match content.get_mut(kind)?.get_mut("text")? {
        Value::String(text) => Some(text),
        _ => None,
    }
}

/// The message item with only its first `keep` characters, and only the content
/// references (and their citations) that text reaches.
fn partial_message(message: &Value, full: &str, keep: usize) -> Value {
    let mut partial = message.clone();
    let text: String = full.chars().take(keep).collect();
    partial["message"]["content"]["commonmark_text"]["text"] = Value::String(text);
    let mut kept = Vec::new();
    if let Some(Value::Array(references)) = partial["message"].get_mut("content_references") {
        references.retain(|r| r["offset"].as_u64().is_some_and(|o| o as usize <= keep));
        kept = references.iter().map(|r| r["citation_id"].clone()).collect();
    }
    if let Some(Value::Array(citations)) = partial["message"].get_mut("citations") {
        citations.retain(|c| kept.contains(&c["citation_id"]));
    }
    partial
}

/// The `data:` of an event: `event_type` and `sequence_number`, then the rest.
fn stamped(name: &str, sequence: u64, rest: &Value) -> Value {
    let mut data = Map::new();
    data.insert("event_type".into(), json!(name));
    data.insert("sequence_number".into(), json!(sequence));
    if let Value::Object(rest) = rest {
        data.extend(rest.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Value::Object(data)
}

/// Sends one event and records it for the contract check.
fn send_event(body: &mut BodyStream<'_>, generation: Generation, name: &str, data: &str, exempt: Option<&str>) -> bool {
    crate::contract::record_event(generation, ROUTE, name, data, exempt);
    body.send(&frame(name, data)).is_ok()
}

/// `ERROR` `{"event_type","sequence_number","error":{"code","message"}}`.
fn error_event(sequence: u64, code: &str, message: &str) -> String {
    stamped("ERROR", sequence, &json!({ "error": { "code": code, "message": message } })).to_string()
}

fn frame(name: &str, data: &str) -> Vec<u8> {
    let mut out = format!("event: {name}\n").into_bytes();
    for line in data.split('\n') {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    out
}

/// Sleeps until `at`; false when the client left meanwhile (noticed at once).
fn wait_until(body: &BodyStream<'_>, at: Instant) -> bool {
    loop {
        if body.client_gone() {
            return false;
        }
        let now = Instant::now();
        if now >= at {
            return true;
        }
        if body.wait_gone(at - now) {
            return false;
        }
    }
}

/// When the first `RESPONSE_OUTPUT_DELTA` of each response was handed to the socket (just
/// before the write call), in
/// `CLOCK_MONOTONIC` nanoseconds (the clock every language's monotonic timer reads
/// on Linux), for the streaming benchmark: `GET /_sim/stream_marks`. Bounded.
static FIRST_DELTA_MARKS: Mutex<VecDeque<(String, u64)>> = Mutex::new(VecDeque::new());
const MAX_MARKS: usize = 100_000;

/// `CLOCK_MONOTONIC` now, in nanoseconds (0 where there is no such clock).
pub(crate) fn monotonic_ns() -> u64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes only into the timespec it is given.
        if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) } == 0 {
            return ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64;
        }
    }
    0
}

fn mark_first_delta(response_id: &str) {
    let mut marks = FIRST_DELTA_MARKS.lock().unwrap_or_else(|e| e.into_inner());
    if marks.len() >= MAX_MARKS {
        marks.pop_front();
    }
    marks.push_back((response_id.to_owned(), monotonic_ns()));
}

/// The recorded first-delta marks as `{"<response_id>": ns, ...}`.
pub(crate) fn first_delta_marks() -> Value {
    let marks = FIRST_DELTA_MARKS.lock().unwrap_or_else(|e| e.into_inner());
    Value::Object(marks.iter().map(|(id, ns)| (id.clone(), json!(ns))).collect())
}

/// The body writer of one response's stream.
///
/// `mint` gives each event's MODAL_ACTIONs fresh modal ids as it is sent (rest/v1:
/// "minted per message read"; a no-op for messages without one).
pub(crate) fn writer(
    record: ResponseRecord,
    unknown: bool,
    faults: StreamFaults,
    generation: Generation,
    mint: Box<dyn Fn(&mut Value) + Send>,
) -> StreamWriter {
    StreamWriter(Box::new(move |body: &mut BodyStream<'_>| {
        let events = plan(&record, unknown);
        let unknown_exempt = (unknown || record.unknown).then_some("unknown_values");
        // Only the events that carry a `raw_message` (its delta, the final response) are off-spec.
        let exempt_of = |event: &Planned| match event.name {
            "RESPONSE_COMPLETED" | "RESPONSE_FAILED" if record.raw_message.is_some() => Some("raw_message"),
            "RESPONSE_OUTPUT_DELTA" if record.raw_message.is_some() && event.data["output"]["type"] == "MESSAGE" => {
                Some("raw_message")
            }
            _ => unknown_exempt,
        };
        let mut first_delta = true;
        let mut sequence = 0u64;
        for (sent, event) in events.iter().enumerate() {
            let sent = sent as u64;
            if faults.drop_after == Some(sent) {
                return StreamEnd::Drop;
            }
            if let Some((_, stall)) = faults.stall_after.as_ref().filter(|(after, _)| *after == sent) {
                // Keep the connection open without writing: the client must notice on its own.
                wait_until(body, Instant::now() + *stall);
                return StreamEnd::Drop;
            }
            if let Some((_, code, message)) = faults.error_after.as_ref().filter(|(after, _, _)| *after == sent) {
                sequence += 1;
                send_event(body, generation, "ERROR", &error_event(sequence, code, message), unknown_exempt);
                return StreamEnd::Complete;
            }
            if let Some((_, name, data)) = faults.unknown_after.as_ref().filter(|(after, _, _)| *after == sent) {
                sequence += 1;
                let data = match data {
                    UnknownData::Built(rest) => stamped(name, sequence, rest).to_string(),
                    UnknownData::Verbatim(text) => text.clone(),
                };
                if !send_event(body, generation, name, &data, Some("stream_unknown_event")) {
                    return StreamEnd::Drop;
                }
            }
            if !wait_until(body, record.started + event.offset) {
                return StreamEnd::Drop;
            }
            sequence += 1;
            let mut data = stamped(event.name, sequence, &event.data);
            mint(&mut data);
            let data = data.to_string();
            if first_delta && event.name == "RESPONSE_OUTPUT_DELTA" {
                // Marked just before the write: a client may read the bytes (and stop its
                // clock) before the write call returns here, so a mark taken after it
                // could come later than the receipt on a busy machine.
                first_delta = false;
                mark_first_delta(&record.id);
            }
            if !send_event(body, generation, event.name, &data, exempt_of(event)) {
                return StreamEnd::Drop;
            }
        }
        StreamEnd::Complete
    }))
}

/// The stream of `stream_error` with `after_events` 0: one `ERROR` event, no response.
pub(crate) fn error_only(code: String, message: String, generation: Generation) -> StreamWriter {
    StreamWriter(Box::new(move |body: &mut BodyStream<'_>| {
        send_event(body, generation, "ERROR", &error_event(1, &code, &message), None);
        StreamEnd::Complete
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Store;

    fn record(text: &str) -> ResponseRecord {
        let mut store = Store::default();
        let conv = store.create_conversation(None, false, "user_sim").id.clone();
        store.create_response(&conv, text, Duration::from_millis(600), false).unwrap().clone()
    }

    #[test]
    fn plan_follows_the_lifecycle_and_ends_with_the_polled_response() {
        let r = record("Who does John Doe report to?");
        let events = plan(&r, false);
        let names: Vec<_> = events.iter().map(|e| e.name).collect();
        assert_eq!(names[..2], ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS"]);
        assert_eq!(names.iter().filter(|n| **n == "RESPONSE_OUTPUT_DELTA").count(), 2 + MESSAGE_DELTAS);
        assert_eq!(names.last(), Some(&"RESPONSE_COMPLETED"));
        assert!(events.windows(2).all(|w| w[0].offset <= w[1].offset));
        assert_eq!(events[0].data["response"]["status"], "CREATED");
        assert_eq!(events[1].data["response"]["status"], "IN_PROGRESS");
        let last = events.last().unwrap();
        assert_eq!(last.data["response"], json::response(&r, r.started + r.duration, false));
        let deltas: Vec<_> = events.iter().filter(|e| e.name == "RESPONSE_OUTPUT_DELTA").collect();
        let texts: Vec<String> = deltas[2..]
            .iter()
            .map(|e| e.data["output"]["message"]["content"]["commonmark_text"]["text"].as_str().unwrap().to_owned())
            .collect();
        assert!(texts.windows(2).all(|w| w[1].starts_with(&w[0]) && w[1].len() > w[0].len()), "{texts:?}");
        assert_eq!(deltas.last().unwrap().data["output"], last.data["response"]["outputs"][1]);
        for delta in &deltas[2..] {
            let message = &delta.data["output"]["message"];
            let chars = message["content"]["commonmark_text"]["text"].as_str().unwrap().chars().count() as u64;
            let refs = message["content_references"].as_array().unwrap();
            assert!(refs.iter().all(|r| r["offset"].as_u64().unwrap() <= chars));
            assert_eq!(message["citations"].as_array().unwrap().len(), refs.len());
        }
    }

    #[test]
    fn failed_responses_stream_no_message_and_end_failed() {
        let events = plan(&record("x [fail]"), false);
        let messages = events.iter().filter(|e| e.data["output"]["type"] == "MESSAGE").count();
        assert_eq!(messages, 0);
        let last = events.last().unwrap();
        assert_eq!((last.name, &last.data["response"]["status"]), ("RESPONSE_FAILED", &json!("FAILED")));
        assert_eq!(last.data["response"]["error"]["code"], "INTERNAL_ERROR");
    }

    #[test]
    fn stamped_data_leads_with_the_event_type_and_sequence_number() {
        let data = stamped("ERROR", 3, &json!({"error": {"code": "X", "message": "m"}}));
        assert_eq!(data, json!({"event_type": "ERROR", "sequence_number": 3, "error": {"code": "X", "message": "m"}}));
    }

    #[test]
    fn frames_split_data_lines() {
        assert_eq!(frame("E", "a\nb"), b"event: E\ndata: a\ndata: b\n\n");
    }
}
