//! Streamed answers: `POST /conversations/{id}/responses/stream` (Server-Sent Events).
//!
//! [`Client::stream_events`] is the low-level form: an iterator of typed
//! [`StreamEvent`]s, parsed as bytes arrive, with no fallback. The turn-level
//! calls built on it ([`Client::stream_response`], [`Client::stream_response_and_wait`])
//! are in `turn.rs`.
//!
//! Event names and shapes follow Moveworks' published OpenAPI for this API
//! (`StreamEventType` .. `ResponseStreamEvent`): `RESPONSE_CREATED`,
//! `RESPONSE_IN_PROGRESS`, `RESPONSE_COMPLETED` and `RESPONSE_FAILED` carry the whole
//! `response`, `RESPONSE_OUTPUT_DELTA` carries one `output` item (its kind in
//! `output.type`), `ERROR` carries `error {code, message}`, and every `data:` object has
//! `event_type` and `sequence_number`. The earlier flat shape (`OUTPUT_DELTA`, a top-level
//! `response_id`, `status` and `output_type`) is accepted too. Any other event name
//! arrives as [`StreamEvent::Unknown`], never as an error.

use std::collections::VecDeque;
use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::client::Client;
use crate::error::{ApiErrorCode, Error, ErrorKind, Result};
use crate::interrupt::{self, Interrupted, Watch};
use crate::model::{OutputItem, Response, ResponseStatus};
use crate::poll::CancelToken;
use crate::sse::{SseEvent, SseParser};
use crate::tagged;
use crate::transport::{Accept, Method};
use crate::validate;

/// One event of a streamed answer, named as Moveworks publishes it.
///
/// Serializes (for bindings that pass JSON) as one object tagged by `event`, the
/// wire event name, with the event's fields beside it; an unknown event is
/// `{"event": <name>, "sequence_number": …, "data": <raw data text>}`.
///
/// `sequence_number` is the server's counter (1, 2, … over the stream), `None` when
/// the event carried none or not a non-negative integer. A delta whose number is not
/// above the last delta's (a repeat, or one overtaken by a later one) is dropped
/// rather than shown; other events are delivered whatever their number.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(clippy::large_enum_variant)] // a response-carrying event is the common case; boxing would not cross uniffi
pub enum StreamEvent {
    /// `RESPONSE_CREATED`: the server accepted the message; from now on the
    /// response can also be polled by this id.
    ResponseCreated {
        /// The server's event counter.
        sequence_number: Option<u64>,
        /// The new response's id, `resp_…` (`response.response_id` on the wire).
        response_id: String,
        /// The conversation, when the server names it.
        conversation_id: Option<String>,
        /// The response's status, when the server sends it (normally `CREATED`).
        status: Option<ResponseStatus>,
        /// The newly created response, as the server sent it.
        response: Option<Response>,
    },
    /// `RESPONSE_IN_PROGRESS`: the assistant is working on it.
    ResponseInProgress {
        /// The server's event counter.
        sequence_number: Option<u64>,
        /// The response's id.
        response_id: Option<String>,
        /// The response's status, when the server sends it.
        status: Option<ResponseStatus>,
        /// The response so far, as the server sent it.
        response: Option<Response>,
    },
    /// `RESPONSE_OUTPUT_DELTA`: one output grew; `output` is the whole item so far.
    /// Also what a turn finished by polling delivers for each output that grew.
    ResponseOutputDelta {
        /// The server's event counter (`None` for deltas made from a poll).
        sequence_number: Option<u64>,
        /// The response's id.
        response_id: Option<String>,
        /// The output's type (`output.type`), e.g. `MESSAGE` or `REASONING_MESSAGE`.
        output_type: String,
        /// The output item so far, shaped like an entry of [`Response::outputs`].
        output: OutputItem,
    },
    /// `RESPONSE_COMPLETED`: the response finished. In [`Client::stream_response`] this
    /// is the last event of every successful turn and always carries the final response
    /// (a live-agent handoff completes with no outputs, and is a success).
    ResponseCompleted {
        /// The server's event counter (`None` when the turn was finished by polling).
        sequence_number: Option<u64>,
        /// The response's id.
        response_id: Option<String>,
        /// The final status (`COMPLETED`; `FAILED` from servers of the earlier flat shape).
        status: ResponseStatus,
        /// The final response, when the server includes it.
        response: Option<Response>,
    },
    /// `RESPONSE_FAILED`: the response failed; `response.error` says why. In
    /// [`Client::stream_response`] the turn then ends with a `response_failed` error
    /// carrying that response.
    ResponseFailed {
        /// The server's event counter.
        sequence_number: Option<u64>,
        /// The response's id.
        response_id: Option<String>,
        /// The failed response with its `error`, when the server includes it.
        response: Option<Response>,
    },
    /// `ERROR`: the server reported an error in the middle of the stream, which then
    /// ends. The message was already accepted: never send it again.
    /// [`Client::stream_response`] finishes the turn by polling when the response id is
    /// known, else ends with an error carrying this code and message.
    Error {
        /// The server's event counter.
        sequence_number: Option<u64>,
        /// The server's machine-readable code, verbatim (`""` when none was sent).
        code: String,
        /// The server's description.
        message: String,
    },
    /// An event name this SDK version does not know, kept raw.
    Unknown {
        /// The event's `sequence_number`, when its data is a JSON object carrying one.
        sequence_number: Option<u64>,
        /// The `event:` name as sent.
        event_name: String,
        /// The `data:` text as sent.
        data: String,
    },
}

impl Serialize for StreamEvent {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("event", self.event_name())?;
        map.serialize_entry("sequence_number", &self.sequence_number())?;
        match self {
            StreamEvent::ResponseCreated { response_id, conversation_id, status, response, .. } => {
                map.serialize_entry("response_id", response_id)?;
                map.serialize_entry("conversation_id", conversation_id)?;
                map.serialize_entry("status", status)?;
                map.serialize_entry("response", response)?;
            }
            StreamEvent::ResponseInProgress { response_id, status, response, .. } => {
                map.serialize_entry("response_id", response_id)?;
                map.serialize_entry("status", status)?;
                map.serialize_entry("response", response)?;
            }
            StreamEvent::ResponseOutputDelta { response_id, output_type, output, .. } => {
                map.serialize_entry("response_id", response_id)?;
                map.serialize_entry("output_type", output_type)?;
                map.serialize_entry("output", output)?;
            }
            StreamEvent::ResponseCompleted { response_id, status, response, .. } => {
                map.serialize_entry("response_id", response_id)?;
                map.serialize_entry("status", status)?;
                map.serialize_entry("response", response)?;
            }
            StreamEvent::ResponseFailed { response_id, response, .. } => {
                map.serialize_entry("response_id", response_id)?;
                map.serialize_entry("response", response)?;
            }
            StreamEvent::Error { code, message, .. } => {
                map.serialize_entry("error", &json!({ "code": code, "message": message }))?;
            }
            StreamEvent::Unknown { data, .. } => map.serialize_entry("data", data)?,
        }
        map.end()
    }
}

impl StreamEvent {
    /// Every event name this SDK version decodes into a known variant (besides the
    /// earlier spelling `OUTPUT_DELTA`, read as `RESPONSE_OUTPUT_DELTA`).
    pub const KNOWN: &'static [&'static str] = &[
        "RESPONSE_CREATED",
        "RESPONSE_IN_PROGRESS",
        "RESPONSE_OUTPUT_DELTA",
        "RESPONSE_COMPLETED",
        "RESPONSE_FAILED",
        "ERROR",
    ];

    /// The wire name of the event, e.g. `"RESPONSE_OUTPUT_DELTA"`.
    pub fn event_name(&self) -> &str {
        match self {
            StreamEvent::ResponseCreated { .. } => "RESPONSE_CREATED",
            StreamEvent::ResponseInProgress { .. } => "RESPONSE_IN_PROGRESS",
            StreamEvent::ResponseOutputDelta { .. } => "RESPONSE_OUTPUT_DELTA",
            StreamEvent::ResponseCompleted { .. } => "RESPONSE_COMPLETED",
            StreamEvent::ResponseFailed { .. } => "RESPONSE_FAILED",
            StreamEvent::Error { .. } => "ERROR",
            StreamEvent::Unknown { event_name, .. } => event_name,
        }
    }

    /// The server's `sequence_number` of this event, when it sent a usable one.
    pub fn sequence_number(&self) -> Option<u64> {
        match self {
            StreamEvent::ResponseCreated { sequence_number, .. }
            | StreamEvent::ResponseInProgress { sequence_number, .. }
            | StreamEvent::ResponseOutputDelta { sequence_number, .. }
            | StreamEvent::ResponseCompleted { sequence_number, .. }
            | StreamEvent::ResponseFailed { sequence_number, .. }
            | StreamEvent::Error { sequence_number, .. }
            | StreamEvent::Unknown { sequence_number, .. } => *sequence_number,
        }
    }

    /// The response id this event names, if any (`ERROR` and unknown events name none).
    pub fn response_id(&self) -> Option<&str> {
        match self {
            StreamEvent::ResponseCreated { response_id, .. } => Some(response_id),
            StreamEvent::ResponseInProgress { response_id, .. }
            | StreamEvent::ResponseOutputDelta { response_id, .. }
            | StreamEvent::ResponseCompleted { response_id, .. }
            | StreamEvent::ResponseFailed { response_id, .. } => response_id.as_deref(),
            StreamEvent::Error { .. } | StreamEvent::Unknown { .. } => None,
        }
    }

    /// The response this event carries (created, in progress, completed or failed), if any.
    pub fn response(&self) -> Option<&Response> {
        match self {
            StreamEvent::ResponseCreated { response, .. }
            | StreamEvent::ResponseInProgress { response, .. }
            | StreamEvent::ResponseCompleted { response, .. }
            | StreamEvent::ResponseFailed { response, .. } => response.as_ref(),
            _ => None,
        }
    }
}

/// The kind of error a mid-stream `ERROR` with this code stands for: the kind the same
/// code has on an HTTP error, `internal_server` for any other code.
pub(crate) fn stream_error_kind(code: &str) -> ErrorKind {
    match ApiErrorCode::parse(code) {
        ApiErrorCode::InvalidInput | ApiErrorCode::InvalidCursor | ApiErrorCode::InvalidRequest => {
            ErrorKind::BadRequest
        }
        ApiErrorCode::Unauthorized => ErrorKind::Authentication,
        ApiErrorCode::Forbidden => ErrorKind::PermissionDenied,
        ApiErrorCode::NotFound => ErrorKind::NotFound,
        ApiErrorCode::RateLimitExceeded => ErrorKind::RateLimit,
        ApiErrorCode::InternalError | ApiErrorCode::Unknown(_) => ErrorKind::InternalServer,
    }
}

/// The members of an event's `data:` object that the SDK reads, each kept as its raw
/// JSON text, so that one pass finds them and only what the event needs is decoded: a
/// delta's `output` goes straight into its typed item, never through a `Value`.
/// `O` is how `output` is read: as text, or decoded in place ([`EventData::delta`]).
#[derive(Deserialize)]
struct EventData<'a, O = &'a RawValue> {
    #[serde(borrow, default)]
    sequence_number: Option<&'a RawValue>,
    #[serde(borrow, default)]
    response_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    status: Option<&'a RawValue>,
    #[serde(borrow, default)]
    conversation_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    response: Option<&'a RawValue>,
    #[serde(default = "Option::default")]
    output: Option<O>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

impl<'a> EventData<'a> {
    /// A delta read in one pass, its output decoded in place
    /// ([`tagged::speculatively`]): what nearly every delta takes. `None` for anything
    /// unusual, which is then read again the exact way (as text, then [`output_item`]).
    fn delta(data: &'a str) -> Option<(EventData<'a>, OutputItem)> {
        let d = tagged::speculatively(|| serde_json::from_str::<EventData<'_, OutputItem>>(data)).ok()?;
        let output = d.output?;
        let EventData { sequence_number, response_id, status, conversation_id, response, error, .. } = d;
        let rest = EventData { sequence_number, response_id, status, conversation_id, response, output: None, error };
        Some((rest, output))
    }
}

/// A delta's `output` member split without decoding, to find its `type` first: the
/// simulator (like any server writing sorted keys) sends `message` before `type`, which
/// a one-pass reader can only buffer.
#[derive(Deserialize)]
struct OutputParts<'a> {
    #[serde(rename = "type", borrow, default)]
    tag: Option<&'a RawValue>,
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    #[serde(borrow, default)]
    reasoning_message: Option<&'a RawValue>,
}

/// A delta's output item, its payload decoded straight from the text whatever the
/// order of its members; anything unusual takes `OutputItem`'s own decoder.
fn output_item(raw: &RawValue) -> serde_json::Result<OutputItem> {
    if let Ok(parts) = serde_json::from_str::<OutputParts<'_>>(raw.get()) {
        match (raw_lenient::<String>(parts.tag).as_deref(), parts.message, parts.reasoning_message) {
            (Some("MESSAGE"), Some(message), _) => {
                return Ok(OutputItem::Message { message: serde_json::from_str(message.get())? })
            }
            (Some("REASONING_MESSAGE"), _, Some(reasoning)) => {
                return Ok(OutputItem::ReasoningMessage { reasoning_message: serde_json::from_str(reasoning.get())? })
            }
            _ => {}
        }
    }
    serde_json::from_str(raw.get())
}

/// A member as a `T` when it is one, else (or absent, or `null`) `None`: read leniently,
/// as a `sequence_number` that is negative or fractional (the spec declares no minimum)
/// or a `response_id` that is not a string must not fail the event.
fn raw_lenient<T: serde::de::DeserializeOwned>(raw: Option<&RawValue>) -> Option<T> {
    raw.and_then(|r| serde_json::from_str(r.get()).ok())
}

/// A member decoded as `T`; absent or `null` is `None`.
fn raw_typed<T: serde::de::DeserializeOwned>(raw: Option<&RawValue>) -> serde_json::Result<Option<T>> {
    raw.map(|r| serde_json::from_str(r.get())).transpose()
}

/// A streamed answer being received: an iterator of [`StreamEvent`]s.
///
/// Each [`next`](Iterator::next) blocks until an event is complete, the idle
/// timeout passes with no event (a `timeout` error; keep-alive comments and partial
/// events do not restart it), the cancel token fires (`cancelled`), or the stream
/// ends (`None`; check [`is_completed`](Self::is_completed)). An event with malformed
/// JSON is a `decode` error and the stream goes on; a broken connection is a
/// `connection` error and ends it. Errors name the response id once it is known.
/// Dropping the stream closes its connection at once (it is never returned to the
/// pool mid-body).
pub struct EventStream {
    reader: ureq::BodyReader<'static>,
    parser: SseParser,
    pending: VecDeque<SseEvent>,
    buf: Vec<u8>,
    pub(crate) cancel: Option<CancelToken>,
    pub(crate) idle_timeout: Option<Duration>,
    deadline: Option<Instant>,
    pub(crate) request_id: Option<String>,
    /// The headers of the streaming request's answer.
    pub(crate) http_headers: crate::model::HttpHeaders,
    pub(crate) response_id: Option<String>,
    last_event_id: Arc<str>,
    last_delta_sequence: Option<u64>,
    completed: bool,
    ended: bool,
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("request_id", &self.request_id)
            .field("response_id", &self.response_id)
            .field("completed", &self.completed)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// After the terminal event, at most this much more of the body is read (to let the
/// connection go back to the pool) before the connection is closed instead.
const DRAIN_MAX_BYTES: usize = 64 * 1024;

impl EventStream {
    /// Fails a wait for the next event after `timeout` without one (`None`: wait forever).
    /// Defaults to the client's per-attempt timeout.
    pub fn with_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Lets `token` interrupt a wait for the next event from another thread (within about 20 ms).
    pub fn with_cancel(mut self, token: Option<CancelToken>) -> Self {
        self.cancel = token;
        self
    }

    pub(crate) fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The response's id, once `RESPONSE_CREATED` arrived.
    pub fn response_id(&self) -> Option<&str> {
        self.response_id.as_deref()
    }

    /// The `x-moveworks-root-uuid` (or `x-trace-id`) of the streaming request.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The headers of the streaming request's answer (names lowercase).
    pub fn http_headers(&self) -> &crate::model::HttpHeaders {
        &self.http_headers
    }

    /// The last SSE `id:` the server sent (`""` when none; an id over 1 KiB is ignored).
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// True once `RESPONSE_COMPLETED` or `RESPONSE_FAILED` arrived.
    pub fn is_completed(&self) -> bool {
        self.completed
    }

    pub(crate) fn tag(&self, e: Error) -> Error {
        let e = e.with_request_id(self.request_id.clone());
        match &self.response_id {
            Some(id) => e.with_accepted_response(id, None),
            None => e,
        }
    }

    /// Reads the rest of the body for at most `time` and [`DRAIN_MAX_BYTES`], without
    /// parsing it, so that a finished stream's connection can be reused; true when the
    /// body ended (otherwise dropping the stream closes the connection).
    pub(crate) fn drain(&mut self, time: Duration) -> bool {
        if self.ended {
            return true;
        }
        let watch = Watch { cancel: None, deadline: Some(Instant::now() + time) };
        let mut read = 0usize;
        while read < DRAIN_MAX_BYTES {
            let (reader, buf) = (&mut self.reader, &mut self.buf);
            match interrupt::watching(&watch, || reader.read(buf)) {
                Ok(0) => {
                    self.ended = true;
                    return true;
                }
                Ok(n) => read += n,
                Err(_) => break,
            }
        }
        self.ended = true;
        false
    }

    fn read_error(&self, e: std::io::Error) -> Error {
        let why = e.get_ref().and_then(|inner| inner.downcast_ref::<Interrupted>());
        let error = match why {
            Some(Interrupted::Cancelled) => Error::cancelled(),
            Some(Interrupted::Deadline) if self.deadline.is_some_and(|d| Instant::now() >= d) => {
                Error::new(ErrorKind::Timeout, "the stream's deadline passed")
            }
            Some(Interrupted::Deadline) => Error::new(
                ErrorKind::Timeout,
                format!("no stream event for {:?}", self.idle_timeout.unwrap_or_default()),
            ),
            None if e.kind() == std::io::ErrorKind::TimedOut => {
                Error::new(ErrorKind::Timeout, format!("stream read timed out: {e}"))
            }
            None => Error::new(ErrorKind::Connection, format!("the stream broke: {e}")),
        };
        self.tag(error)
    }

    fn decode_error(&self, event: &SseEvent, detail: impl fmt::Display) -> Error {
        self.tag(Error::decode(&format!("{} event", event.event), detail, event.data.as_bytes()))
    }

    /// A response decoded from `data.response` (the published shape), carrying the
    /// stream request's id.
    fn response_of(&self, event: &SseEvent, data: &EventData<'_>) -> Result<Option<Response>> {
        let mut response: Option<Response> =
            raw_typed(data.response).map_err(|e| self.decode_error(event, format_args!("response: {e}")))?;
        if let Some(r) = response.as_mut() {
            r.request_id.clone_from(&self.request_id);
            r.http_headers = Some(self.http_headers.clone());
        }
        Ok(response)
    }

    /// Takes the server's response id as this stream's: it becomes a path segment of the
    /// polls, so an unusable one is a `decode` error naming the field.
    fn adopt_response_id(&mut self, id: &str) -> Result<()> {
        validate::server_id("response.response_id", id).map_err(|e| self.tag(e))?;
        self.response_id = Some(id.to_owned());
        Ok(())
    }

    fn typed(&mut self, event: SseEvent) -> Result<Option<StreamEvent>> {
        self.last_event_id = Arc::clone(&event.id);
        let name = if event.event == "OUTPUT_DELTA" { "RESPONSE_OUTPUT_DELTA" } else { event.event.as_str() };
        if !StreamEvent::KNOWN.contains(&name) {
            let sequence_number = serde_json::from_str::<EventData<'_>>(&event.data)
                .ok()
                .and_then(|d| raw_lenient::<u64>(d.sequence_number));
            return Ok(Some(StreamEvent::Unknown { sequence_number, event_name: event.event, data: event.data }));
        }
        let fast = if name == "RESPONSE_OUTPUT_DELTA" { EventData::delta(&event.data) } else { None };
        let (data, fast_output) = match fast {
            Some((data, output)) => (data, Some(output)),
            None => {
                let data: EventData<'_> =
                    serde_json::from_str(&event.data).map_err(|e| {
                        match serde_json::from_str::<Value>(&event.data) {
                            Ok(other) if !other.is_object() => self.decode_error(&event, "data is not a JSON object"),
                            _ => self.decode_error(&event, e),
                        }
                    })?;
                (data, None)
            }
        };
        let sequence_number = raw_lenient::<u64>(data.sequence_number);
        let flat_id = raw_lenient::<String>(data.response_id);
        let flat_status: Option<ResponseStatus> = raw_typed(data.status).map_err(|e| self.decode_error(&event, e))?;
        let typed = match name {
            "RESPONSE_CREATED" => {
                let response = self.response_of(&event, &data)?;
                let Some(response_id) = response.as_ref().map(|r| r.response_id.clone()).or(flat_id) else {
                    return Err(self.decode_error(&event, "missing field response.response_id"));
                };
                self.adopt_response_id(&response_id)?;
                StreamEvent::ResponseCreated {
                    sequence_number,
                    response_id,
                    conversation_id: response
                        .as_ref()
                        .map(|r| r.conversation_id.clone())
                        .or_else(|| raw_lenient::<String>(data.conversation_id)),
                    status: response.as_ref().map(|r| r.status.clone()).or(flat_status),
                    response,
                }
            }
            "RESPONSE_IN_PROGRESS" => {
                let response = self.response_of(&event, &data)?;
                StreamEvent::ResponseInProgress {
                    sequence_number,
                    response_id: response.as_ref().map(|r| r.response_id.clone()).or(flat_id),
                    status: response.as_ref().map(|r| r.status.clone()).or(flat_status),
                    response,
                }
            }
            "RESPONSE_OUTPUT_DELTA" => {
                let output = match fast_output {
                    Some(output) => Some(output),
                    None => data.output.map(output_item).transpose().map_err(|e| self.decode_error(&event, e))?,
                };
                let Some(output) = output else {
                    return Err(self.decode_error(&event, "missing field output"));
                };
                if let (Some(n), Some(last)) = (sequence_number, self.last_delta_sequence) {
                    if n <= last {
                        log::debug!(target: "moveworks", "dropping delta {n}: not after delta {last}");
                        return Ok(None);
                    }
                }
                self.last_delta_sequence = sequence_number.or(self.last_delta_sequence);
                StreamEvent::ResponseOutputDelta {
                    sequence_number,
                    response_id: flat_id.or_else(|| self.response_id.clone()),
                    output_type: output.type_name().to_owned(),
                    output,
                }
            }
            "RESPONSE_COMPLETED" | "RESPONSE_FAILED" => {
                let response = self.response_of(&event, &data)?;
                self.completed = true;
                let response_id = response.as_ref().map(|r| r.response_id.clone()).or(flat_id);
                if let (None, Some(id)) = (&self.response_id, &response_id) {
                    self.adopt_response_id(id)?;
                }
                if name == "RESPONSE_FAILED" {
                    StreamEvent::ResponseFailed { sequence_number, response_id, response }
                } else {
                    let status = response
                        .as_ref()
                        .map(|r| r.status.clone())
                        .or(flat_status)
                        .unwrap_or(ResponseStatus::Completed);
                    StreamEvent::ResponseCompleted { sequence_number, response_id, status, response }
                }
            }
            _ => {
                // ERROR: `{"error": {"code", "message"}}`, read leniently.
                let error: Value = raw_typed(data.error).ok().flatten().unwrap_or(Value::Null);
                let member = |key: &str| error.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
                StreamEvent::Error { sequence_number, code: member("code"), message: member("message") }
            }
        };
        Ok(Some(typed))
    }
}

impl Iterator for EventStream {
    type Item = Result<StreamEvent>;

    fn next(&mut self) -> Option<Result<StreamEvent>> {
        // "No event for" the idle timeout: the clock starts once per event asked for, so
        // bytes that complete no event (keep-alive comments, a slow partial event) do not
        // restart it.
        let idle = self.idle_timeout.map(|t| Instant::now() + t);
        let deadline = match (idle, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        loop {
            if let Some(event) = self.pending.pop_front() {
                match self.typed(event) {
                    Ok(None) => continue,
                    Ok(Some(event)) => return Some(Ok(event)),
                    Err(e) => return Some(Err(e)),
                }
            }
            if self.ended {
                return None;
            }
            let watch = Watch { cancel: self.cancel.clone(), deadline };
            let (reader, buf) = (&mut self.reader, &mut self.buf);
            let read = interrupt::watching(&watch, || reader.read(buf));
            match read {
                // The end of the stream: an unfinished event is discarded (as the SSE rules say).
                Ok(0) => self.ended = true,
                Ok(n) => {
                    let mut events = Vec::new();
                    let fed = self.parser.feed(&self.buf[..n], &mut events);
                    self.pending.extend(events);
                    if let Err(too_large) = fed {
                        self.ended = true;
                        let detail = format!("an event exceeds the {}-byte limit", too_large.0);
                        return Some(Err(self.tag(Error::decode("event stream", detail, &[]))));
                    }
                }
                Err(e) => {
                    self.ended = true;
                    self.pending.clear();
                    return Some(Err(self.read_error(e)));
                }
            }
        }
    }
}

impl Client {
    pub(crate) fn open_stream(
        &self,
        conversation_id: &str,
        input: crate::Input,
        cancel: Option<CancelToken>,
        deadline: Option<Instant>,
    ) -> Result<EventStream> {
        validate::id("conversation_id", conversation_id)?;
        let (transport, settings) = self.call_parts();
        let mut settings = settings.clone();
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            settings.deadline = settings.deadline.min(left);
        }
        let url = transport.url(&["conversations", conversation_id, "responses", "stream"], &[]);
        let body = input.body(transport.api_version)?;
        let watch = Watch { cancel: cancel.clone(), deadline: None };
        let reply = interrupt::watching(&watch, || {
            transport.execute_accepting(&settings, Method::Post, &url, Some(body), Accept::EventStream)
        })
        .map_err(|e| {
            if cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
                Error::cancelled()
            } else {
                e
            }
        })?;
        let Some(mut body) = reply.stream else {
            return Err(Error::new(ErrorKind::Decode, "the server answered without an event stream"));
        };
        // A success that is not an event stream (a proxy's HTML page, a JSON answer):
        // a decode error showing its start, rather than a stream with no events.
        if let Some(mime) = body.mime_type().filter(|m| !m.eq_ignore_ascii_case("text/event-stream")) {
            let detail = format!("expected text/event-stream, got {mime}");
            let mut start = Vec::new();
            let _ = body.as_reader().take(1024).read_to_end(&mut start);
            return Err(Error::decode("event stream", detail, &start)
                .with_status(reply.status)
                .with_request_id(reply.request_id));
        }
        let max = usize::try_from(transport.max_response_bytes).unwrap_or(usize::MAX);
        Ok(EventStream {
            reader: body.into_reader(),
            parser: SseParser::new(max),
            pending: VecDeque::new(),
            buf: vec![0; 8 * 1024],
            cancel,
            idle_timeout: Some(settings.attempt_timeout),
            deadline,
            http_headers: crate::model::HttpHeaders::new(reply.headers),
            request_id: reply.request_id,
            response_id: None,
            last_event_id: Arc::from(""),
            last_delta_sequence: None,
            completed: false,
            ended: false,
        })
    }

    /// Sends a user message and streams the answer as it is produced.
    /// `POST /conversations/{conversation_id}/responses/stream` (`Accept: text/event-stream`).
    ///
    /// Errors before the stream starts (400, 401, 403, 404, 429, 5xx) are the same
    /// typed errors as [`create_response`](Self::create_response)'s, with the same
    /// retry rules: the POST is repeated only when it provably never reached the
    /// server or was refused with 429. Iterate the returned [`EventStream`] for
    /// the events; drop it to stop listening (the response goes on server-side).
    ///
    /// This is the low-level form, with no fallback: most callers want
    /// [`stream_response`](Self::stream_response), which also finishes the turn
    /// by polling when the stream breaks.
    pub fn stream_events(&self, conversation_id: &str, input: impl Into<crate::Input>) -> Result<EventStream> {
        self.open_stream(conversation_id, input.into(), None, None)
    }
}
