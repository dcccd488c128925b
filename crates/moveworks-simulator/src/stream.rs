//! `POST /conversations/{id}/responses/stream`: the create-response call answered
//! as Server-Sent Events, paced along the same lifecycle a poll observes.
//!
//! The stream renders the very record the polled path serves, so a client that
//! falls back to polling get response ends with the same `Response`. Timeline
//! for a response of duration `D` created at `t = 0`:
//!
//! | at | event |
//! | --- | --- |
//! | 0 | `RESPONSE_CREATED` `{"response_id","conversation_id","status":"CREATED","created_at"}` |
//! | D/3 | `RESPONSE_IN_PROGRESS` `{"response_id","conversation_id","status":"IN_PROGRESS"}` (`THINKING` with unknown values) |
//! | D/3 | two `OUTPUT_DELTA`s of output type `REASONING_MESSAGE` (half, then all of the reasoning) |
//! | D/3 .. D | five `OUTPUT_DELTA`s of output type `MESSAGE`, the answer growing (omitted when the response fails) |
//! | D | `RESPONSE_COMPLETED` `{"response_id","conversation_id","status","response"}` with the final `Response` |
//!
//! An `OUTPUT_DELTA` is `{"response_id","sequence_number" (1, 2, ...),"output_type","output"}`
//! where `output` is the output item so far, shaped like an entry of `Response.outputs`.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::faults::FaultKind;
use crate::json;
use crate::server::{BodyStream, StreamEnd, StreamWriter};
use crate::state::{Outcome, ResponseRecord};

/// How often a paced stream checks whether its client left.
const PACE_STEP: Duration = Duration::from_millis(10);
/// How many deltas the answer grows in.
const MESSAGE_DELTAS: usize = 5;

/// Stream faults to apply to one stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StreamFaults {
    drop_after: Option<u64>,
    stall_after: Option<(u64, Duration)>,
    unknown_after: Option<(u64, String, String)>,
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
                faults.unknown_after = Some((*after_events, event.clone(), data.clone()))
            }
            _ => {}
        }
        faults
    }
}

/// One scheduled event.
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
    let ids = json!({ "response_id": record.id, "conversation_id": record.conversation_id });
    let with = |extra: Value| {
        let mut value = ids.clone();
        if let (Value::Object(map), Value::Object(extra)) = (&mut value, extra) {
            map.extend(extra);
        }
        value
    };
    let mut events = vec![Planned {
        offset: Duration::ZERO,
        name: "RESPONSE_CREATED",
        data: with(json!({ "status": created["status"], "created_at": created["created_at"] })),
    }];
    events.push(Planned {
        offset: d / 3,
        name: "RESPONSE_IN_PROGRESS",
        data: with(json!({ "status": in_progress["status"] })),
    });
    let mut sequence = 0u64;
    let mut delta = |offset: Duration, output_type: &str, output: Value| {
        sequence += 1;
        Planned {
            offset,
            name: "OUTPUT_DELTA",
            data: with(json!({ "sequence_number": sequence, "output_type": output_type, "output": output })),
        }
    };
    let reasoning = in_progress["outputs"][0].clone();
    let mut half = reasoning.clone();
    if let Some(text) = reasoning_text(&mut half) {
        let keep = text.chars().count() / 2;
        *text = text.chars().take(keep).collect();
    }
    events.push(delta(d / 3, "REASONING_MESSAGE", half));
    events.push(delta(d / 3, "REASONING_MESSAGE", reasoning));
    if record.outcome == Outcome::Completed {
        let message = finished["outputs"]
            .as_array()
            .and_then(|outputs| outputs.iter().find(|o| o["type"] == "MESSAGE"))
            .cloned()
            .unwrap_or(Value::Null);
        let full: String = message["message"]["content"]["commonmark_text"]["text"].as_str().unwrap_or("").to_owned();
        let chars = full.chars().count();
        let span = d - d / 3;
        for k in 1..=MESSAGE_DELTAS {
            let offset = d / 3 + span.mul_f64(k as f64 / (MESSAGE_DELTAS + 1) as f64);
            let output = if k == MESSAGE_DELTAS {
                message.clone()
            } else {
                partial_message(&message, &full, chars * k / MESSAGE_DELTAS)
            };
            events.push(delta(offset, "MESSAGE", output));
        }
    }
    events.push(Planned {
        offset: d,
        name: "RESPONSE_COMPLETED",
        data: with(json!({ "status": finished["status"], "response": finished })),
    });
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

/// The message item with only its first `keep` characters, and the citations they reach.
fn partial_message(message: &Value, full: &str, keep: usize) -> Value {
    let mut partial = message.clone();
    let text: String = full.chars().take(keep).collect();
    partial["message"]["content"]["commonmark_text"]["text"] = Value::String(text);
    if let Some(Value::Array(citations)) = partial["message"].get_mut("citations") {
        citations.retain(|c| c["location"]["offset"].as_u64().is_some_and(|o| o as usize <= keep));
    }
    partial
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

/// Sleeps until `at`, in short steps; false when the client left meanwhile.
fn wait_until(body: &BodyStream<'_>, at: Instant) -> bool {
    loop {
        if body.client_gone() {
            return false;
        }
        let now = Instant::now();
        if now >= at {
            return true;
        }
        thread::sleep((at - now).min(PACE_STEP));
    }
}

/// When the first `OUTPUT_DELTA` of each response was handed to the socket (just
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
pub(crate) fn writer(record: ResponseRecord, unknown: bool, faults: StreamFaults) -> StreamWriter {
    StreamWriter(Box::new(move |body: &mut BodyStream<'_>| {
        let events = plan(&record, unknown);
        let mut first_delta = true;
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
            if let Some((_, name, data)) = faults.unknown_after.as_ref().filter(|(after, _, _)| *after == sent) {
                if body.send(&frame(name, data)).is_err() {
                    return StreamEnd::Drop;
                }
            }
            if !wait_until(body, record.started + event.offset) {
                return StreamEnd::Drop;
            }
            let bytes = frame(event.name, &event.data.to_string());
            if first_delta && event.name == "OUTPUT_DELTA" {
                // Marked just before the write: a client may read the bytes (and stop its
                // clock) before the write call returns here, so a mark taken after it
                // could come later than the receipt on a busy machine.
                first_delta = false;
                mark_first_delta(&record.id);
            }
            if body.send(&bytes).is_err() {
                return StreamEnd::Drop;
            }
        }
        StreamEnd::Complete
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Store;

    fn record(text: &str) -> ResponseRecord {
        let mut store = Store::default();
        let conv = store.create_conversation(None, false).id.clone();
        store.create_response(&conv, text, Duration::from_millis(600), false).unwrap().clone()
    }

    #[test]
    fn plan_follows_the_lifecycle_and_ends_with_the_polled_response() {
        let r = record("Who does John Doe report to?");
        let events = plan(&r, false);
        let names: Vec<_> = events.iter().map(|e| e.name).collect();
        assert_eq!(names[..2], ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS"]);
        assert_eq!(names.iter().filter(|n| **n == "OUTPUT_DELTA").count(), 2 + MESSAGE_DELTAS);
        assert_eq!(names.last(), Some(&"RESPONSE_COMPLETED"));
        assert!(events.windows(2).all(|w| w[0].offset <= w[1].offset));
        let last = events.last().unwrap();
        assert_eq!(last.data["response"], json::response(&r, r.started + r.duration, false));
        let deltas: Vec<_> = events.iter().filter(|e| e.name == "OUTPUT_DELTA").collect();
        let seqs: Vec<_> = deltas.iter().map(|e| e.data["sequence_number"].as_u64().unwrap()).collect();
        assert_eq!(seqs, (1..=7).collect::<Vec<_>>());
        let texts: Vec<String> = deltas[2..]
            .iter()
            .map(|e| e.data["output"]["message"]["content"]["commonmark_text"]["text"].as_str().unwrap().to_owned())
            .collect();
        assert!(texts.windows(2).all(|w| w[1].starts_with(&w[0]) && w[1].len() > w[0].len()), "{texts:?}");
        assert_eq!(deltas.last().unwrap().data["output"], last.data["response"]["outputs"][1]);
    }

    #[test]
    fn failed_responses_stream_no_message() {
        let events = plan(&record("x [fail]"), false);
        assert_eq!(events.iter().filter(|e| e.data["output_type"] == "MESSAGE").count(), 0);
        assert_eq!(events.last().unwrap().data["status"], "FAILED");
    }

    #[test]
    fn frames_split_data_lines() {
        assert_eq!(frame("E", "a\nb"), b"event: E\ndata: a\ndata: b\n\n");
    }
}
