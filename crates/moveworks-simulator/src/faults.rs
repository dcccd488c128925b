//! Injected faults: a FIFO queue of failure modes that the next matching
//! requests suffer, so client tests can exercise retries, timeouts and
//! tolerant parsing deterministically.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::{json, Map, Value};

/// What a fault does to a request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FaultKind {
    /// Answer with this error status without processing the request.
    Status {
        status: u16,
        code: Option<String>,
        message: Option<String>,
        retry_after: Option<String>,
        retry_after_ms: Option<String>,
    },
    /// Sleep, then process normally.
    Delay(Duration),
    /// Process, then close the connection halfway through the body.
    Drop,
    /// Close the connection without answering or processing.
    Reset,
    /// Process, then answer with broken JSON.
    MalformedJson { status: u16 },
    /// Process, then answer with the first half of the real body.
    TruncatedJson,
    /// Process, rendering the answer with values a newer server might send.
    UnknownValues,
    /// Answer with exactly this, without processing.
    Raw { status: u16, body: String, headers: Vec<(String, String)> },
    /// Streaming only: close the connection after this many events.
    StreamDrop { after_events: u64 },
    /// Streaming only: after this many events, stop writing but keep the
    /// connection open for `ms` (or until the client leaves).
    StreamStall { after_events: u64, ms: u64 },
    /// Streaming only: send an event with a name clients do not know, after
    /// this many events.
    /// `data` is sent verbatim when given; otherwise the simulator builds a JSON
    /// object with `event_type` and `sequence_number` like every other event.
    StreamUnknownEvent { after_events: u64, event: String, data: Option<String> },
    /// Streaming only: after this many events send an `ERROR` event with this
    /// `error {code, message}` and close. The response goes on server-side and
    /// completes; with `after_events` 0 the `ERROR` comes first and no response
    /// is created at all.
    StreamError { after_events: u64, code: String, message: String },
    /// Create response (polled or streamed) only: process normally, but the
    /// created response ends `FAILED` instead of `COMPLETED`.
    ResponseFailed,
    /// Create response (polled or streamed) only: the created response completes
    /// with no outputs (a live-agent handoff).
    Handoff,
    /// Create response (polled or streamed) only: the created response's final
    /// `MESSAGE` output is this object verbatim (ids overwritten).
    RawMessage(Value),
}

impl FaultKind {
    /// The `kind` string of the JSON form.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Status { .. } => "status",
            FaultKind::Delay(_) => "delay",
            FaultKind::Drop => "drop",
            FaultKind::Reset => "reset",
            FaultKind::MalformedJson { .. } => "malformed_json",
            FaultKind::TruncatedJson => "truncated_json",
            FaultKind::UnknownValues => "unknown_values",
            FaultKind::Raw { .. } => "raw",
            FaultKind::StreamDrop { .. } => "stream_drop",
            FaultKind::StreamStall { .. } => "stream_stall",
            FaultKind::StreamUnknownEvent { .. } => "stream_unknown_event",
            FaultKind::StreamError { .. } => "stream_error",
            FaultKind::ResponseFailed => "response_failed",
            FaultKind::Handoff => "handoff",
            FaultKind::RawMessage(_) => "raw_message",
        }
    }

    /// Whether the fault only applies to the streaming endpoint.
    pub fn is_stream_only(&self) -> bool {
        matches!(
            self,
            FaultKind::StreamDrop { .. }
                | FaultKind::StreamStall { .. }
                | FaultKind::StreamUnknownEvent { .. }
                | FaultKind::StreamError { .. }
        )
    }

    /// Whether the fault only applies to creating a response (polled or streamed).
    pub fn is_create_response_only(&self) -> bool {
        matches!(self, FaultKind::ResponseFailed | FaultKind::Handoff | FaultKind::RawMessage(_))
    }
}

/// Every fault kind, its fields with their defaults, and what it does, for `--help`
/// (the crate docs say the same at length).
pub(crate) const FAULT_DOCS: &[(&str, &str)] = &[
    ("status", "{\"status\": 400..=599, \"code\"?, \"message\"?: \"injected fault\", \"retry_after\"?, \"retry_after_ms\"?}: answer that error without processing (code defaults per status and operation)"),
    ("delay", "{\"ms\"}: wait, then process normally"),
    ("drop", "{}: process, send the head and half the body, close"),
    ("reset", "{}: close without answering or processing"),
    ("malformed_json", "{\"status\"?: 200}: process, answer `{\"conversations\": [`"),
    ("truncated_json", "{}: process, answer the first half of the real body"),
    ("unknown_values", "{}: process, render this answer with values a newer server might send"),
    ("raw", "{\"status\", \"body\"?: \"\", \"headers\"?: {}}: answer exactly that without processing"),
    ("stream_drop", "{\"after_events\"?: 1}: streaming only; close the connection after that many events"),
    ("stream_stall", "{\"after_events\"?: 1, \"ms\"?: 60000}: streaming only; go silent for ms after that many events, then close"),
    ("stream_unknown_event", "{\"after_events\"?: 1, \"event\"?: \"RESPONSE_AUDIT\", \"data\"?: text}: streaming only; an extra event clients do not know (data verbatim when given, else a JSON object with event_type and sequence_number)"),
    ("stream_error", "{\"after_events\"?: 1, \"code\"?: \"INTERNAL_ERROR\", \"message\"?: \"the stream failed; poll get response for the answer\"}: streaming only; an ERROR event after that many events, then close; the response still completes (after_events 0: ERROR first, no response created)"),
    ("response_failed", "{}: create response only; the response ends FAILED with its error (streamed: RESPONSE_FAILED last)"),
    ("handoff", "{}: create response only; the response completes with no outputs (streamed: RESPONSE_CREATED, RESPONSE_COMPLETED)"),
    ("raw_message", "{\"message\": {...}}: create response only; the final MESSAGE is this object verbatim, conversation_id and response_id overwritten (also in message lists)"),
];

/// [`FAULT_DOCS`] as text.
pub(crate) fn describe() -> String {
    FAULT_DOCS.iter().map(|(name, doc)| format!("  {name}\n      {doc}\n")).collect()
}

/// The target of the streaming endpoint contains this; stream-only faults match nothing else.
pub(crate) const STREAM_SUFFIX: &str = "/responses/stream";
/// The path of create response ends with this; `response_failed`, `handoff` and
/// `raw_message` faults match only it and the stream.
const CREATE_RESPONSE_SUFFIX: &str = "/responses";

/// A queued fault with its remaining uses and request filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fault {
    pub kind: FaultKind,
    remaining: u64,
    method: Option<String>,
    path_contains: Option<String>,
}

/// Accepts a string, or a number written as one (`"retry_after": 2`).
fn string_or_number(map: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(format!("`{key}` must be a string or a number")),
    }
}

fn optional_string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("`{key}` must be a string")),
    }
}

fn status_field(map: &Map<String, Value>, range: std::ops::RangeInclusive<u16>) -> Result<Option<u16>, String> {
    match map.get("status") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| range.contains(s))
            .map(Some)
            .ok_or_else(|| format!("`status` must be an integer in {}..={}", range.start(), range.end())),
    }
}

/// `after_events` of a stream fault (default 1: right after `RESPONSE_CREATED`).
fn after_events(map: &Map<String, Value>) -> Result<u64, String> {
    match map.get("after_events") {
        None | Some(Value::Null) => Ok(1),
        Some(n) => n.as_u64().ok_or_else(|| "`after_events` must be a non-negative integer".to_owned()),
    }
}

impl Fault {
    /// Parses one fault from its JSON form (see the crate docs).
    pub fn parse(value: &Value) -> Result<Fault, String> {
        let map = value.as_object().ok_or("a fault must be a JSON object")?;
        let kind_name = map.get("kind").and_then(Value::as_str).ok_or("a fault needs a string `kind`")?;
        let kind = match kind_name {
            "status" => FaultKind::Status {
                status: status_field(map, 400..=599)?.ok_or("a `status` fault needs `status`")?,
                code: optional_string(map, "code")?,
                message: optional_string(map, "message")?,
                retry_after: string_or_number(map, "retry_after")?,
                retry_after_ms: string_or_number(map, "retry_after_ms")?,
            },
            "delay" => {
                let ms = map.get("ms").and_then(Value::as_u64).ok_or("a `delay` fault needs integer `ms`")?;
                FaultKind::Delay(Duration::from_millis(ms))
            }
            "drop" => FaultKind::Drop,
            "reset" => FaultKind::Reset,
            "malformed_json" => FaultKind::MalformedJson { status: status_field(map, 100..=599)?.unwrap_or(200) },
            "truncated_json" => FaultKind::TruncatedJson,
            "unknown_values" => FaultKind::UnknownValues,
            "raw" => {
                let headers = match map.get("headers") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Object(headers)) => headers
                        .iter()
                        .map(|(name, value)| match value {
                            Value::String(s) => Ok((name.clone(), s.clone())),
                            Value::Number(n) => Ok((name.clone(), n.to_string())),
                            _ => Err(format!("header `{name}` must be a string")),
                        })
                        .collect::<Result<_, _>>()?,
                    Some(_) => return Err("`headers` must be an object".into()),
                };
                FaultKind::Raw {
                    status: status_field(map, 100..=599)?.ok_or("a `raw` fault needs `status`")?,
                    body: optional_string(map, "body")?.unwrap_or_default(),
                    headers,
                }
            }
            "stream_drop" => FaultKind::StreamDrop { after_events: after_events(map)? },
            "stream_stall" => FaultKind::StreamStall {
                after_events: after_events(map)?,
                ms: match map.get("ms") {
                    None | Some(Value::Null) => 60_000,
                    Some(ms) => ms.as_u64().ok_or("`ms` must be a non-negative integer")?,
                },
            },
            "stream_unknown_event" => FaultKind::StreamUnknownEvent {
                after_events: after_events(map)?,
                event: optional_string(map, "event")?.unwrap_or_else(|| "RESPONSE_AUDIT".to_owned()),
                data: optional_string(map, "data")?,
            },
            "stream_error" => FaultKind::StreamError {
                after_events: after_events(map)?,
                code: optional_string(map, "code")?.unwrap_or_else(|| "INTERNAL_ERROR".to_owned()),
                message: optional_string(map, "message")?
                    .unwrap_or_else(|| "the stream failed; poll get response for the answer".to_owned()),
            },
            "response_failed" => FaultKind::ResponseFailed,
            "handoff" => FaultKind::Handoff,
            "raw_message" => match map.get("message") {
                Some(message @ Value::Object(_)) => FaultKind::RawMessage(message.clone()),
                _ => return Err("a `raw_message` fault needs `message`, a JSON object".into()),
            },
            other => return Err(format!("unknown fault kind `{other}`")),
        };
        let remaining = match map.get("count") {
            None | Some(Value::Null) => 1,
            Some(count) => count.as_u64().filter(|&n| n >= 1).ok_or("`count` must be a positive integer")?,
        };
        Ok(Fault {
            kind,
            remaining,
            method: optional_string(map, "method")?,
            path_contains: optional_string(map, "path_contains")?,
        })
    }

    fn matches(&self, method: &str, target: &str) -> bool {
        let path = target.split('?').next().unwrap_or("");
        let creates_response = method.eq_ignore_ascii_case("POST")
            && (path.ends_with(STREAM_SUFFIX) || path.ends_with(CREATE_RESPONSE_SUFFIX));
        (!self.kind.is_stream_only() || path.ends_with(STREAM_SUFFIX))
            && (!self.kind.is_create_response_only() || creates_response)
            && self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path_contains.as_deref().is_none_or(|p| target.contains(p))
    }

    /// A summary for the admin API.
    pub fn describe(&self) -> Value {
        json!({
            "kind": self.kind.name(),
            "remaining": self.remaining,
            "method": self.method,
            "path_contains": self.path_contains,
        })
    }
}

/// Faults waiting for matching requests, oldest first.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    faults: VecDeque<Fault>,
}

impl FaultQueue {
    /// Appends a fault at the back of the queue.
    pub fn push(&mut self, fault: Fault) {
        self.faults.push_back(fault);
    }

    /// Takes one use of the oldest fault matching this request, removing the
    /// fault when it is used up.
    pub fn take(&mut self, method: &str, target: &str) -> Option<FaultKind> {
        let index = self.faults.iter().position(|f| f.matches(method, target))?;
        let fault = &mut self.faults[index];
        fault.remaining -= 1;
        let kind = fault.kind.clone();
        if fault.remaining == 0 {
            self.faults.remove(index);
        }
        Some(kind)
    }

    /// Queued faults, for the admin API.
    pub fn describe(&self) -> Value {
        Value::Array(self.faults.iter().map(Fault::describe).collect())
    }

    /// Forgets every queued fault.
    pub fn clear(&mut self) {
        self.faults.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let f = Fault::parse(&json!({"kind": "status", "status": 503, "retry_after": 2, "count": 3})).unwrap();
        assert_eq!(f.remaining, 3);
        assert!(matches!(f.kind, FaultKind::Status { status: 503, retry_after: Some(ref r), .. } if r == "2"));
        assert_eq!(
            Fault::parse(&json!({"kind": "delay", "ms": 5})).unwrap().kind,
            FaultKind::Delay(Duration::from_millis(5))
        );
        for kind in [
            "drop",
            "reset",
            "truncated_json",
            "unknown_values",
            "malformed_json",
            "stream_drop",
            "stream_stall",
            "stream_unknown_event",
            "response_failed",
            "stream_error",
            "handoff",
        ] {
            assert_eq!(Fault::parse(&json!({ "kind": kind })).unwrap().kind.name(), kind);
        }
        let raw = Fault::parse(
            &json!({"kind": "raw", "status": 502, "body": "<html>", "headers": {"Content-Type": "text/html"}}),
        )
        .unwrap();
        assert!(matches!(raw.kind, FaultKind::Raw { status: 502, .. }));
        let raw = Fault::parse(&json!({"kind": "raw_message", "message": {"citations": null}})).unwrap();
        assert_eq!(raw.kind, FaultKind::RawMessage(json!({"citations": null})));
        assert!(Fault::parse(&json!({"kind": "raw_message"})).is_err());
        assert!(Fault::parse(&json!({"kind": "raw_message", "message": "x"})).is_err());
        let error = Fault::parse(&json!({"kind": "stream_error", "after_events": 0, "code": "X"})).unwrap();
        assert!(matches!(error.kind, FaultKind::StreamError { after_events: 0, ref code, .. } if code == "X"));
        assert!(Fault::parse(&json!({"kind": "nope"})).is_err());
        assert!(Fault::parse(&json!({"kind": "status"})).is_err());
        assert!(Fault::parse(&json!({"kind": "status", "status": 200})).is_err());
        assert!(Fault::parse(&json!({"kind": "delay"})).is_err());
        assert!(Fault::parse(&json!({"kind": "drop", "count": 0})).is_err());
    }

    #[test]
    fn every_kind_is_documented_for_help() {
        let documented: Vec<&str> = FAULT_DOCS.iter().map(|(name, _)| *name).collect();
        for kind in documented.iter().filter(|k| !matches!(**k, "status" | "delay" | "raw" | "raw_message")) {
            assert_eq!(Fault::parse(&json!({ "kind": kind })).unwrap().kind.name(), *kind);
        }
        assert_eq!(documented.len(), 15);
    }

    #[test]
    fn queue_matches_in_order_and_counts_down() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::parse(&json!({"kind": "drop", "method": "post", "count": 2})).unwrap());
        queue.push(Fault::parse(&json!({"kind": "reset", "path_contains": "/responses"})).unwrap());
        assert_eq!(queue.take("GET", "/rest/v1beta1/conversations"), None);
        assert_eq!(queue.take("GET", "/x/responses/1"), Some(FaultKind::Reset));
        assert_eq!(queue.take("GET", "/x/responses/1"), None);
        assert_eq!(queue.take("POST", "/a"), Some(FaultKind::Drop));
        assert_eq!(queue.take("POST", "/a"), Some(FaultKind::Drop));
        assert_eq!(queue.take("POST", "/a"), None);
    }

    #[test]
    fn response_failed_matches_only_creating_a_response() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::parse(&json!({"kind": "response_failed", "count": 2})).unwrap());
        queue.push(Fault::parse(&json!({"kind": "handoff"})).unwrap());
        assert!(queue.take("GET", "/rest/v1beta1/conversations/c/responses/r").is_none());
        assert!(queue.take("POST", "/rest/v1beta1/conversations").is_none());
        assert!(queue.take("POST", "/rest/v1beta1/conversations/c/responses").is_some());
        assert!(queue.take("POST", "/rest/v1beta1/conversations/c/responses/stream").is_some());
        assert!(queue.take("POST", "/rest/v1beta1/conversations").is_none());
        assert_eq!(queue.take("POST", "/rest/v1beta1/conversations/c/responses"), Some(FaultKind::Handoff));
    }

    #[test]
    fn stream_faults_match_only_the_stream_endpoint() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::parse(&json!({"kind": "stream_drop", "after_events": 3})).unwrap());
        assert_eq!(queue.take("POST", "/rest/v1beta1/conversations/c/responses"), None);
        assert_eq!(
            queue.take("POST", "/rest/v1beta1/conversations/c/responses/stream"),
            Some(FaultKind::StreamDrop { after_events: 3 })
        );
        let stall = Fault::parse(&json!({"kind": "stream_stall"})).unwrap();
        assert_eq!(stall.kind, FaultKind::StreamStall { after_events: 1, ms: 60_000 });
        assert!(Fault::parse(&json!({"kind": "stream_drop", "after_events": -1})).is_err());
    }
}
