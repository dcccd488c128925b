//! Streamed answers: `POST /conversations/{id}/responses/stream` (Server-Sent Events).
//!
//! [`Client::stream_events`] is the low-level form: an iterator of typed
//! [`StreamEvent`]s, parsed as bytes arrive, with no fallback. The turn-level
//! calls built on it ([`Client::stream_response`], [`Client::stream_response_and_wait`])
//! are in `turn.rs`.
//!
//! Event names and fields follow Moveworks' demo app (`RESPONSE_CREATED` with
//! `response_id`, `RESPONSE_IN_PROGRESS`, `OUTPUT_DELTA` with `sequence_number`,
//! `output_type` and `output`, `RESPONSE_COMPLETED` with `status`); any other
//! event name arrives as [`StreamEvent::Unknown`], never as an error.

use std::collections::VecDeque;
use std::fmt;
use std::io::Read;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::interrupt::{self, Interrupted, Watch};
use crate::model::{OutputItem, Response, ResponseStatus};
use crate::poll::CancelToken;
use crate::sse::{SseEvent, SseParser};
use crate::transport::{Accept, Method};
use crate::validate;

/// One event of a streamed answer.
///
/// Serializes (for bindings that pass JSON) as one object tagged by `event`, the
/// wire event name, with the event's fields beside it; an unknown event is
/// `{"event": <name>, "data": <raw data text>}`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(clippy::large_enum_variant)] // a completed event is rare; boxing would not cross uniffi
pub enum StreamEvent {
    /// `RESPONSE_CREATED`: the server accepted the message; from now on the
    /// response can also be polled by this id.
    ResponseCreated {
        /// The new response's id, `resp_…`.
        response_id: String,
        /// The conversation, when the server names it.
        conversation_id: Option<String>,
        /// The response's status, when the server sends it (normally `CREATED`).
        status: Option<ResponseStatus>,
    },
    /// `RESPONSE_IN_PROGRESS`: the assistant is working on it.
    ResponseInProgress {
        /// The response's id, when the server repeats it.
        response_id: Option<String>,
        /// The response's status, when the server sends it.
        status: Option<ResponseStatus>,
    },
    /// `OUTPUT_DELTA`: one output grew; `output` is the whole item so far.
    OutputDelta {
        /// The response's id, when the server repeats it.
        response_id: Option<String>,
        /// Position of this delta in the stream.
        sequence_number: u64,
        /// The output's type as sent, e.g. `MESSAGE` or `REASONING_MESSAGE`.
        output_type: String,
        /// The output item so far, shaped like an entry of [`Response::outputs`].
        output: OutputItem,
    },
    /// `RESPONSE_COMPLETED`: the response reached a terminal status.
    ResponseCompleted {
        /// The response's id, when the server repeats it.
        response_id: Option<String>,
        /// The final status (`COMPLETED` or `FAILED`).
        status: ResponseStatus,
        /// The final response, when the server includes it. Events of
        /// [`Client::stream_response`] always carry it when the turn succeeded.
        response: Option<Response>,
    },
    /// An event name this SDK version does not know, kept raw.
    Unknown {
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
        match self {
            StreamEvent::ResponseCreated { response_id, conversation_id, status } => {
                map.serialize_entry("response_id", response_id)?;
                map.serialize_entry("conversation_id", conversation_id)?;
                map.serialize_entry("status", status)?;
            }
            StreamEvent::ResponseInProgress { response_id, status } => {
                map.serialize_entry("response_id", response_id)?;
                map.serialize_entry("status", status)?;
            }
            StreamEvent::OutputDelta { response_id, sequence_number, output_type, output } => {
                map.serialize_entry("response_id", response_id)?;
                map.serialize_entry("sequence_number", sequence_number)?;
                map.serialize_entry("output_type", output_type)?;
                map.serialize_entry("output", output)?;
            }
            StreamEvent::ResponseCompleted { response_id, status, response } => {
                map.serialize_entry("response_id", response_id)?;
                map.serialize_entry("status", status)?;
                map.serialize_entry("response", response)?;
            }
            StreamEvent::Unknown { data, .. } => map.serialize_entry("data", data)?,
        }
        map.end()
    }
}

impl StreamEvent {
    /// The wire name of the event, e.g. `"OUTPUT_DELTA"`.
    pub fn event_name(&self) -> &str {
        match self {
            StreamEvent::ResponseCreated { .. } => "RESPONSE_CREATED",
            StreamEvent::ResponseInProgress { .. } => "RESPONSE_IN_PROGRESS",
            StreamEvent::OutputDelta { .. } => "OUTPUT_DELTA",
            StreamEvent::ResponseCompleted { .. } => "RESPONSE_COMPLETED",
            StreamEvent::Unknown { event_name, .. } => event_name,
        }
    }
}

#[derive(Deserialize)]
struct CreatedData {
    response_id: String,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    status: Option<ResponseStatus>,
}

#[derive(Deserialize)]
struct InProgressData {
    #[serde(default)]
    response_id: Option<String>,
    #[serde(default)]
    status: Option<ResponseStatus>,
}

#[derive(Deserialize)]
struct DeltaData {
    #[serde(default)]
    response_id: Option<String>,
    sequence_number: u64,
    output_type: String,
    output: OutputItem,
}

#[derive(Deserialize)]
struct CompletedData {
    #[serde(default)]
    response_id: Option<String>,
    status: ResponseStatus,
    #[serde(default)]
    response: Option<Response>,
}

/// A streamed answer being received: an iterator of [`StreamEvent`]s.
///
/// Each [`next`](Iterator::next) blocks until an event is complete, the idle
/// timeout passes (a `timeout` error), the cancel token fires (`cancelled`), or
/// the stream ends (`None`; check [`is_completed`](Self::is_completed)). An event
/// with malformed JSON is a `decode` error and the stream goes on; a broken
/// connection is a `connection` error and ends it. Errors name the response id
/// once it is known. Dropping the stream closes its connection at once (it is
/// never returned to the pool mid-body).
pub struct EventStream {
    reader: ureq::BodyReader<'static>,
    parser: SseParser,
    pending: VecDeque<SseEvent>,
    buf: Vec<u8>,
    pub(crate) cancel: Option<CancelToken>,
    pub(crate) idle_timeout: Option<Duration>,
    deadline: Option<Instant>,
    pub(crate) request_id: Option<String>,
    pub(crate) response_id: Option<String>,
    last_event_id: String,
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

    /// The `x-moveworks-root-uuid` of the streaming request.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The last SSE `id:` the server sent (`""` when none).
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// True once `RESPONSE_COMPLETED` arrived.
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

    fn decode<T: DeserializeOwned>(&self, event: &SseEvent) -> Result<T> {
        serde_json::from_str(&event.data)
            .map_err(|e| self.tag(Error::decode(&format!("{} event", event.event), e, event.data.as_bytes())))
    }

    fn typed(&mut self, event: SseEvent) -> Result<StreamEvent> {
        self.last_event_id.clone_from(&event.id);
        Ok(match event.event.as_str() {
            "RESPONSE_CREATED" => {
                let d: CreatedData = self.decode(&event)?;
                self.response_id = Some(d.response_id.clone());
                StreamEvent::ResponseCreated {
                    response_id: d.response_id,
                    conversation_id: d.conversation_id,
                    status: d.status,
                }
            }
            "RESPONSE_IN_PROGRESS" => {
                let d: InProgressData = self.decode(&event)?;
                StreamEvent::ResponseInProgress { response_id: d.response_id, status: d.status }
            }
            "OUTPUT_DELTA" => {
                let d: DeltaData = self.decode(&event)?;
                StreamEvent::OutputDelta {
                    response_id: d.response_id,
                    sequence_number: d.sequence_number,
                    output_type: d.output_type,
                    output: d.output,
                }
            }
            "RESPONSE_COMPLETED" => {
                let mut d: CompletedData = self.decode(&event)?;
                if let Some(response) = d.response.as_mut() {
                    response.request_id.clone_from(&self.request_id);
                }
                self.completed = true;
                if self.response_id.is_none() {
                    self.response_id =
                        d.response_id.clone().or_else(|| d.response.as_ref().map(|r| r.response_id.clone()));
                }
                StreamEvent::ResponseCompleted { response_id: d.response_id, status: d.status, response: d.response }
            }
            _ => StreamEvent::Unknown { event_name: event.event, data: event.data },
        })
    }
}

impl Iterator for EventStream {
    type Item = Result<StreamEvent>;

    fn next(&mut self) -> Option<Result<StreamEvent>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(self.typed(event));
            }
            if self.ended {
                return None;
            }
            let idle = self.idle_timeout.map(|t| Instant::now() + t);
            let deadline = match (idle, self.deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
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
        text: &str,
        cancel: Option<CancelToken>,
        deadline: Option<Instant>,
    ) -> Result<EventStream> {
        validate::id("conversation_id", conversation_id)?;
        validate::message_text(text)?;
        let (transport, settings) = self.call_parts();
        let mut settings = *settings;
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            settings.deadline = settings.deadline.min(left);
        }
        let url = transport.url(&["conversations", conversation_id, "responses", "stream"], &[]);
        let body = json!({ "input": { "text": text } }).to_string().into_bytes();
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
            request_id: reply.request_id,
            response_id: None,
            last_event_id: String::new(),
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
    pub fn stream_events(&self, conversation_id: &str, text: &str) -> Result<EventStream> {
        self.open_stream(conversation_id, text, None, None)
    }
}
