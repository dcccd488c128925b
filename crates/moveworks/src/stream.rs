//! Streamed answers: `POST /conversations/{id}/responses/stream` (Server-Sent Events).
//!
//! [`Client::stream_response`] is the low-level form: an iterator of typed
//! [`StreamEvent`]s, parsed as bytes arrive. [`Client::stream_response_and_wait`]
//! drives it to the final [`Response`], with the same deadline and cancel token
//! as polling, an idle timeout between events, and a fallback: when the stream
//! ends or breaks before `RESPONSE_COMPLETED` and the response id is known, it
//! continues by polling get response. The message is never sent twice.
//!
//! Event names and fields follow Moveworks' demo app (`RESPONSE_CREATED` with
//! `response_id`, `RESPONSE_IN_PROGRESS`, `OUTPUT_DELTA` with `sequence_number`,
//! `output_type` and `output`, `RESPONSE_COMPLETED` with `status`); any other
//! event name arrives as [`StreamEvent::Unknown`], never as an error.

use std::collections::VecDeque;
use std::fmt;
use std::io::Read;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::interrupt::{self, Interrupted, Watch};
use crate::model::{OutputItem, Response, ResponseStatus};
use crate::poll::{CancelToken, PollStep, Poller, WaitOptions};
use crate::sse::{SseEvent, SseParser};
use crate::transport::{Accept, Method};
use crate::validate;

/// One event of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
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
        /// The final response, when the server includes it.
        response: Option<Box<Response>>,
    },
    /// An event name this SDK version does not know, kept raw.
    Unknown {
        /// The `event:` name as sent.
        event_name: String,
        /// The `data:` text as sent.
        data: String,
    },
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
    response: Option<Box<Response>>,
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
pub struct ResponseStream {
    reader: ureq::BodyReader<'static>,
    parser: SseParser,
    pending: VecDeque<SseEvent>,
    buf: Vec<u8>,
    cancel: Option<CancelToken>,
    idle_timeout: Option<Duration>,
    deadline: Option<Instant>,
    request_id: Option<String>,
    response_id: Option<String>,
    last_event_id: String,
    completed: bool,
    ended: bool,
}

impl fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseStream")
            .field("request_id", &self.request_id)
            .field("response_id", &self.response_id)
            .field("completed", &self.completed)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl ResponseStream {
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

    fn with_deadline(mut self, deadline: Instant) -> Self {
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

    fn tag(&self, e: Error) -> Error {
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
                let d: CompletedData = self.decode(&event)?;
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

impl Iterator for ResponseStream {
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

/// After `RESPONSE_COMPLETED`, how long to wait for the end of the body (which lets
/// the connection be reused) before closing the connection instead.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(50);

/// How [`Client::stream_response_and_wait`] waits.
#[derive(Clone, Debug)]
pub struct StreamOptions {
    /// Give up on the stream (and fall back to polling) after this long without
    /// an event (default 30 s).
    pub idle_timeout: Duration,
    /// The deadline and cancel token of the whole call, and the polling used by
    /// the fallback (whose `on_update` fires only while polling).
    pub wait: WaitOptions,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { idle_timeout: Duration::from_secs(30), wait: WaitOptions::default() }
    }
}

impl Client {
    fn open_stream(
        &self,
        conversation_id: &str,
        text: &str,
        cancel: Option<CancelToken>,
        deadline: Option<Instant>,
    ) -> Result<ResponseStream> {
        validate::id("conversation_id", conversation_id)?;
        validate::message_text(text)?;
        let (transport, mut settings) = self.stream_parts();
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
        Ok(ResponseStream {
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
    /// server or was refused with 429. Iterate the returned [`ResponseStream`] for
    /// the events; drop it to stop listening (the response goes on server-side).
    pub fn stream_response(&self, conversation_id: &str, text: &str) -> Result<ResponseStream> {
        self.open_stream(conversation_id, text, None, None)
    }

    /// Sends a user message, streams the answer, and returns the final [`Response`]
    /// (the same value polling would return).
    ///
    /// `on_event` sees every event (return `ControlFlow::Break(())` to stop: a
    /// `cancelled` error). The call ends, like
    /// [`create_response_and_wait`](Self::create_response_and_wait), with the
    /// `COMPLETED` response, a `response_failed` error carrying a `FAILED` one,
    /// `poll_timeout` once `options.wait.deadline` passes, or `cancelled` when
    /// `options.wait.cancel` fires (noticed within about 20 ms, even while a read
    /// is blocked). When the stream ends, breaks, stalls for `idle_timeout` or
    /// sends malformed JSON before `RESPONSE_COMPLETED`, and the response id is
    /// known, the wait continues by polling get response; the message itself is
    /// never sent again. Errors after the response id is known carry it.
    pub fn stream_response_and_wait(
        &self,
        conversation_id: &str,
        text: &str,
        options: &StreamOptions,
        on_event: &mut dyn FnMut(&StreamEvent) -> ControlFlow<()>,
    ) -> Result<Response> {
        options.wait.validate()?;
        if options.idle_timeout.is_zero() {
            return Err(Error::invalid_argument("idle_timeout", "must be greater than zero"));
        }
        let started = Instant::now();
        let deadline = started + options.wait.deadline;
        let cancel = options.wait.cancel.clone();
        if cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
            return Err(Error::cancelled());
        }
        let mut stream = self
            .open_stream(conversation_id, text, cancel, Some(deadline))?
            .with_idle_timeout(Some(options.idle_timeout))
            .with_deadline(deadline);
        let mut final_response = None;
        let broke = loop {
            match stream.next() {
                Some(Ok(event)) => {
                    if on_event(&event).is_break() {
                        return Err(stream.tag(Error::cancelled()));
                    }
                    if let StreamEvent::ResponseCompleted { response, .. } = event {
                        match response {
                            Some(r) if r.status.is_terminal() => final_response = Some(*r),
                            // Completed without the response: fetch it (a GET, harmless to send).
                            _ => {}
                        }
                        // Read on to the end of the body, briefly, so that the connection goes
                        // back to the pool instead of being closed; anything after is ignored.
                        stream.idle_timeout = Some(DRAIN_TIMEOUT);
                        stream.cancel = None;
                        for _ in stream.by_ref() {}
                        break None;
                    }
                }
                Some(Err(e)) if e.kind() == ErrorKind::Cancelled => return Err(e),
                Some(Err(e)) if stream.response_id.is_none() => return Err(e),
                Some(Err(e)) => break Some(e),
                None if stream.response_id.is_none() => {
                    return Err(stream.tag(Error::new(
                        ErrorKind::Connection,
                        "the stream ended before RESPONSE_CREATED named the response",
                    )))
                }
                None => break Some(Error::new(ErrorKind::Connection, "the stream ended before RESPONSE_COMPLETED")),
            }
        };
        let response_id = stream.response_id.clone().unwrap_or_default();
        let request_id = stream.request_id.clone();
        // Releases the connection before polling.
        drop(stream);
        let tag = |e: Error| e.with_accepted_response(&response_id, None).with_request_id(request_id.clone());
        if let Some(response) = final_response {
            // The same decisions (and errors) as a poll observing this response.
            if let PollStep::Finish(outcome) = Poller::new(&response_id, &options.wait)?.observe(response) {
                return outcome.map_err(tag);
            }
        }
        if let Some(e) = &broke {
            log::info!(
                target: "moveworks",
                "stream of response {response_id} ended early ({}): polling for it instead",
                e.kind()
            );
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(tag(Error::new(
                ErrorKind::PollTimeout,
                format!("response {response_id} not finished after {:?}", options.wait.deadline),
            )));
        }
        let wait = WaitOptions { deadline: remaining, ..options.wait.clone() };
        self.wait_for_response(conversation_id, &response_id, &wait).map_err(tag)
    }
}
