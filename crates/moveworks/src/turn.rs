//! A streamed turn driven to its final [`Response`]: [`Client::stream_response`]
//! (an iterator of events that falls back to polling) and
//! [`Client::stream_response_and_wait`] (the same with a callback).
//!
//! Every binding's streaming surface (Python iterators, Node async iterators,
//! C's `mw_stream_next`, Kotlin flows, Swift async streams) wraps
//! [`ResponseStream`], so the fallback rules live here once: when the stream ends,
//! breaks, stalls for the idle timeout or sends malformed JSON before
//! `RESPONSE_COMPLETED`, and the response id is known, the turn is finished by
//! polling get response; the message itself is never sent twice.

use std::collections::VecDeque;
use std::fmt;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{OutputItem, Response};
use crate::poll::{CancelToken, PollStep, Poller, WaitOptions};
use crate::stream::{EventStream, StreamEvent};

/// After `RESPONSE_COMPLETED`, how long in all to wait for the end of the body (which
/// lets the connection be reused) before closing the connection instead.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(20);

/// How [`Client::stream_response`] and [`Client::stream_response_and_wait`] wait.
#[derive(Clone, Debug)]
pub struct StreamOptions {
    /// Give up on the stream (and fall back to polling) after this long without
    /// an event (default 30 s).
    pub idle_timeout: Duration,
    /// The deadline and cancel token of the whole turn, and the polling used by
    /// the fallback (whose `on_update` fires only while polling).
    pub wait: WaitOptions,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions { idle_timeout: Duration::from_secs(30), wait: WaitOptions::default() }
    }
}

impl StreamOptions {
    /// Rejects options that cannot work (see [`WaitOptions::validate`]; a zero idle timeout).
    pub fn validate(&self) -> Result<()> {
        self.wait.validate()?;
        if self.idle_timeout.is_zero() {
            return Err(Error::invalid_argument("idle_timeout", "must be greater than zero"));
        }
        Ok(())
    }
}

/// A streamed answer driven to its end: an iterator of [`StreamEvent`]s, then the
/// final [`Response`] ([`response`](Self::response), [`finish`](Self::finish)).
///
/// Each [`next`](Iterator::next) blocks until the next event. A successful turn
/// always ends with a `RESPONSE_COMPLETED` event carrying the final response: the one
/// the server streamed (no extra request), or, when the stream broke, stalled, sent
/// `ERROR` or ended early, the one a poll of get response returned. While a turn is
/// finished by polling, every poll that shows an output grown is delivered as a
/// `RESPONSE_OUTPUT_DELTA`, as the stream would have. A failed turn ends with one
/// `Err` (the same errors as [`Client::create_response_and_wait`]: `response_failed`
/// carrying a `FAILED` response, `poll_timeout`, `cancelled`, …), after which the
/// iterator is done. Dropping it early closes the connection at once; the response
/// goes on server-side and can be polled by [`response_id`](Self::response_id).
pub struct ResponseStream {
    client: Client,
    conversation_id: String,
    wait: WaitOptions,
    deadline: Instant,
    /// This turn's own token: a child of the caller's (`options.wait.cancel`).
    cancel: CancelToken,
    phase: Phase,
    /// Events decided but not yet handed out (deltas made from a poll).
    pending: VecDeque<StreamEvent>,
    /// The output items delivered so far, so a poll delivers only what grew.
    delivered: Vec<OutputItem>,
    response_id: Option<String>,
    request_id: Option<String>,
    outcome: Option<Result<Response>>,
    error_reported: bool,
}

#[allow(clippy::large_enum_variant)] // one per turn, moved rarely
enum Phase {
    Streaming(EventStream),
    /// Finishing by polling get response; `delay` is the wait before the next poll.
    Polling {
        poller: Poller,
        delay: Option<Duration>,
    },
    /// The outcome is decided; hand it out once `pending` is empty.
    Ending(Result<Response>, Option<StreamEvent>),
    Done,
}

impl fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseStream")
            .field("conversation_id", &self.conversation_id)
            .field("response_id", &self.response_id())
            .field("request_id", &self.request_id())
            .field("finished", &self.outcome.is_some())
            .finish_non_exhaustive()
    }
}

/// Whether two output items are the same output (at different stages).
fn same_output(a: &OutputItem, b: &OutputItem) -> bool {
    match (a, b) {
        (OutputItem::Message { message: x }, OutputItem::Message { message: y }) => x.message_id == y.message_id,
        (
            OutputItem::ReasoningMessage { reasoning_message: x },
            OutputItem::ReasoningMessage { reasoning_message: y },
        ) => x.reasoning_message_id == y.reasoning_message_id,
        (OutputItem::Unknown { type_name: x, .. }, OutputItem::Unknown { type_name: y, .. }) => x == y,
        _ => false,
    }
}

/// Remembers a delivered output, so that a poll later delivers only what grew.
fn note_delivered(delivered: &mut Vec<OutputItem>, output: &OutputItem) {
    match delivered.iter_mut().find(|d| same_output(d, output)) {
        Some(d) => d.clone_from(output),
        None => delivered.push(output.clone()),
    }
}

/// Queues a delta for each output of a polled response that is new or grew.
fn queue_grown_outputs(delivered: &mut Vec<OutputItem>, pending: &mut VecDeque<StreamEvent>, response: &Response) {
    for output in &response.outputs {
        if delivered.iter().any(|d| d == output) {
            continue;
        }
        note_delivered(delivered, output);
        pending.push_back(StreamEvent::ResponseOutputDelta {
            sequence_number: None,
            response_id: Some(response.response_id.clone()),
            output_type: output.type_name().to_owned(),
            output: output.clone(),
        });
    }
}

impl ResponseStream {
    /// The response's id, once the server named it.
    pub fn response_id(&self) -> Option<&str> {
        self.response_id.as_deref()
    }

    /// The `x-moveworks-root-uuid` (or `x-trace-id`) of the streaming request (quote it
    /// to support). The final response carries it too, also when the turn was finished by
    /// polling (then the response's own `request_id` is that of the last poll).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// A handle that cancels this turn from any thread (a blocked read ends within
    /// about 20 ms, as `cancelled`), without cancelling the caller's own token, which
    /// still cancels the turn too. Bindings hold it outside their lock on the stream.
    pub fn canceller(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// True once the turn ended, successfully or not.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// The final `COMPLETED` response, once the turn ended successfully.
    pub fn response(&self) -> Option<&Response> {
        self.outcome.as_ref().and_then(|o| o.as_ref().ok())
    }

    /// The error the turn ended with, if it failed.
    pub fn error(&self) -> Option<&Error> {
        self.outcome.as_ref().and_then(|o| o.as_ref().err())
    }

    /// Reads (and discards) the remaining events and returns the final response or
    /// the error the turn ended with. Callable more than once.
    pub fn finish(&mut self) -> Result<Response> {
        while self.outcome.is_none() {
            if self.next().is_none() {
                break;
            }
        }
        self.error_reported = true;
        self.outcome.clone().unwrap_or_else(|| Err(Error::new(ErrorKind::Connection, "the stream ended early")))
    }

    /// Stops at once: the connection is closed and the turn ends as `cancelled`
    /// (naming the response id when known). The response goes on server-side.
    pub fn close(&mut self) {
        if self.outcome.is_none() {
            self.phase = Phase::Done;
            self.pending.clear();
            self.outcome = Some(Err(self.tag(Error::cancelled())));
        }
        self.error_reported = true;
    }

    fn tag(&self, e: Error) -> Error {
        let e = e.with_request_id(self.request_id.clone());
        match self.response_id() {
            Some(id) => e.with_accepted_response(id, None),
            None => e,
        }
    }

    /// Ends the turn with `outcome`, returning what `next` yields for it.
    fn end(&mut self, outcome: Result<Response>, event: Option<StreamEvent>) -> Option<Result<StreamEvent>> {
        self.phase = Phase::Done;
        self.outcome = Some(outcome.clone());
        match (outcome, event) {
            (Ok(response), event) => {
                let sequence_number = match event {
                    Some(StreamEvent::ResponseCompleted { sequence_number, .. }) => sequence_number,
                    _ => None,
                };
                Some(Ok(StreamEvent::ResponseCompleted {
                    sequence_number,
                    response_id: Some(response.response_id.clone()),
                    status: response.status.clone(),
                    response: Some(response),
                }))
            }
            // The terminal event (RESPONSE_FAILED, say) first; its error on the next call.
            (Err(_), Some(event)) => Some(Ok(event)),
            (Err(e), None) => {
                self.error_reported = true;
                Some(Err(e))
            }
        }
    }

    /// Switches to finishing the turn by polling get response for the known response id.
    fn start_polling(&mut self, why: &Error) {
        let response_id = self.response_id.clone().unwrap_or_default();
        if crate::logging::enabled(crate::logging::LogLevel::Info) {
            let message =
                format!("stream of response {response_id} ended early ({}): polling for it instead", why.kind());
            self.client.log(crate::logging::LogRecord {
                error_kind: Some(why.kind().to_string()),
                retry: Some("poll".to_owned()),
                ..crate::logging::LogRecord::new(crate::logging::LogLevel::Info, message)
            });
        }
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            let e = self.tag(Error::new(
                ErrorKind::PollTimeout,
                format!("response {response_id} not finished after {:?}", self.wait.deadline),
            ));
            self.phase = Phase::Ending(Err(e), None);
            return;
        }
        let wait = WaitOptions { deadline: remaining, ..self.wait.clone() };
        self.phase = match Poller::new(&response_id, &wait) {
            Ok(poller) => Phase::Polling { poller, delay: None },
            Err(e) => Phase::Ending(Err(self.tag(e)), None),
        };
    }

    /// One poll of the fallback: sleeps the poller's delay, fetches the response, queues
    /// what grew and decides whether the turn ended (the poll's decision is
    /// [`Poller::step`], as for every other wait).
    fn poll_once(&mut self) {
        let Phase::Polling { poller, delay } = &mut self.phase else { return };
        let cancelled = delay.take().is_some_and(|d| self.cancel.sleep(d)) || self.cancel.is_cancelled();
        let polled = if cancelled {
            Err(Error::cancelled())
        } else if poller.remaining().is_zero() {
            Err(poller.timeout_error())
        } else {
            let response_id = self.response_id.as_deref().unwrap_or_default();
            self.client
                .for_poll(poller)
                .and_then(|c| c.get_response(&self.conversation_id, response_id))
                .map_err(|e| poller.map_request_error(e))
        };
        let step = match polled {
            Ok(response) => {
                queue_grown_outputs(&mut self.delivered, &mut self.pending, &response);
                poller.step(response, self.wait.on_update.as_ref())
            }
            Err(e) => PollStep::Finish(Err(e)),
        };
        match step {
            PollStep::Wait(d) => *delay = Some(d),
            PollStep::Finish(outcome) => {
                let outcome = outcome.map_err(|e| poller.attach_to_error(e));
                self.phase = Phase::Ending(outcome.map_err(|e| self.tag(e)), None);
            }
        }
    }

    /// The outcome a terminal event decides: its response when it carries a terminal
    /// one (judged as a poll would judge it), otherwise `None` (then poll for it).
    fn terminal_outcome(&self, event: &StreamEvent) -> Option<Result<Response>> {
        let r = event.response().filter(|r| r.status.is_terminal())?;
        let id = self.response_id.clone().unwrap_or_else(|| r.response_id.clone());
        match Poller::new(&id, &self.wait).map(|mut p| p.observe(r.clone())) {
            Ok(PollStep::Finish(outcome)) => Some(outcome.map_err(|e| self.tag(e))),
            _ => None,
        }
    }

    /// One step of the streaming phase.
    fn stream_step(&mut self) -> Option<Result<StreamEvent>> {
        let Phase::Streaming(events) = &mut self.phase else { return None };
        let step = events.next();
        if let Some(id) = events.response_id() {
            self.response_id = Some(id.to_owned());
        }
        match step {
            Some(Ok(event)) => match &event {
                StreamEvent::ResponseCompleted { .. } | StreamEvent::ResponseFailed { .. } => {
                    // Read on to the end of the body, briefly and boundedly, so that the
                    // connection goes back to the pool instead of being closed.
                    events.drain(DRAIN_TIMEOUT);
                    match self.terminal_outcome(&event) {
                        Some(outcome) => self.end(outcome, Some(event)),
                        None => {
                            // Without the final response (the earlier flat shape): fetch it.
                            let why = Error::new(ErrorKind::Decode, "terminal event without the final response");
                            self.start_polling(&why);
                            None
                        }
                    }
                }
                StreamEvent::Error { code, message, .. } => {
                    let error = Error::new(
                        crate::stream::stream_error_kind(code),
                        format!("the stream reported an error: {code}: {message}"),
                    )
                    .with_code(Some(crate::ApiErrorCode::parse(code)));
                    if self.response_id.is_some() {
                        self.start_polling(&error);
                    } else {
                        self.phase = Phase::Ending(Err(self.tag(error)), None);
                    }
                    Some(Ok(event))
                }
                StreamEvent::ResponseOutputDelta { output, .. } => {
                    note_delivered(&mut self.delivered, output);
                    Some(Ok(event))
                }
                _ => Some(Ok(event)),
            },
            Some(Err(e)) if e.kind() == ErrorKind::Cancelled || self.response_id.is_none() => self.end(Err(e), None),
            Some(Err(e)) => {
                // Dropping the stream releases the connection before polling.
                self.start_polling(&e);
                None
            }
            None if self.response_id.is_none() => {
                let e = events.tag(Error::new(
                    ErrorKind::Connection,
                    "the stream ended before RESPONSE_CREATED named the response",
                ));
                self.end(Err(e), None)
            }
            None => {
                self.start_polling(&Error::new(ErrorKind::Connection, "the stream ended before RESPONSE_COMPLETED"));
                None
            }
        }
    }
}

impl Iterator for ResponseStream {
    type Item = Result<StreamEvent>;

    fn next(&mut self) -> Option<Result<StreamEvent>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            match &self.phase {
                Phase::Done => {
                    // Finished: report a failure once, then stay done.
                    return match &self.outcome {
                        Some(Err(e)) if !self.error_reported => {
                            self.error_reported = true;
                            Some(Err(e.clone()))
                        }
                        _ => None,
                    };
                }
                Phase::Ending(..) => {
                    let Phase::Ending(outcome, event) = std::mem::replace(&mut self.phase, Phase::Done) else {
                        unreachable!()
                    };
                    return self.end(outcome, event);
                }
                Phase::Polling { .. } => self.poll_once(),
                Phase::Streaming(_) => {
                    if let Some(item) = self.stream_step() {
                        return Some(item);
                    }
                }
            }
        }
    }
}

impl Client {
    /// Sends a turn (a plain string or any [`Input`](crate::Input)) and streams the answer, finishing the turn by polling
    /// if the stream breaks: iterate the returned [`ResponseStream`] for the events,
    /// then read its final [`Response`].
    /// `POST /conversations/{conversation_id}/responses/stream`.
    ///
    /// Errors before the stream starts (invalid arguments, 400, 401, 403, 404, 429,
    /// 5xx, connection failures) are returned here, with the same retry rules as
    /// [`create_response`](Self::create_response): the POST is repeated only when it
    /// provably never reached the server or was refused with 429. `options.wait`
    /// gives the deadline of the whole turn, the cancel token (noticed within about
    /// 20 ms, even while a read is blocked) and the fallback's polling.
    pub fn stream_response(
        &self,
        conversation_id: &str,
        input: impl Into<crate::Input>,
        options: &StreamOptions,
    ) -> Result<ResponseStream> {
        options.validate()?;
        let deadline = Instant::now() + options.wait.deadline;
        let cancel = options.wait.cancel.as_ref().map_or_else(CancelToken::new, CancelToken::child);
        if cancel.is_cancelled() {
            return Err(Error::cancelled());
        }
        let events = self
            .open_stream(conversation_id, input.into(), Some(cancel.clone()), Some(deadline))?
            .with_idle_timeout(Some(options.idle_timeout))
            .with_deadline(deadline);
        Ok(ResponseStream {
            client: self.clone(),
            conversation_id: conversation_id.to_owned(),
            wait: WaitOptions { cancel: Some(cancel.clone()), ..options.wait.clone() },
            deadline,
            cancel,
            request_id: events.request_id.clone(),
            phase: Phase::Streaming(events),
            pending: VecDeque::new(),
            delivered: Vec::new(),
            response_id: None,
            outcome: None,
            error_reported: false,
        })
    }

    /// Sends a user message, streams the answer, and returns the final [`Response`]
    /// (the same value polling would return): [`stream_response`](Self::stream_response)
    /// with a callback.
    ///
    /// `on_event` sees every event (return `ControlFlow::Break(())` to stop: a
    /// `cancelled` error naming the response). The call ends, like
    /// [`create_response_and_wait`](Self::create_response_and_wait), with the
    /// `COMPLETED` response, a `response_failed` error carrying a `FAILED` one,
    /// `poll_timeout` once `options.wait.deadline` passes, or `cancelled` when
    /// `options.wait.cancel` fires. Errors after the response id is known carry it.
    pub fn stream_response_and_wait(
        &self,
        conversation_id: &str,
        input: impl Into<crate::Input>,
        options: &StreamOptions,
        on_event: &mut dyn FnMut(&StreamEvent) -> ControlFlow<()>,
    ) -> Result<Response> {
        let mut stream = self.stream_response(conversation_id, input, options)?;
        while let Some(event) = stream.next() {
            if on_event(&event?).is_break() {
                stream.close();
                return stream.finish();
            }
        }
        stream.finish()
    }
}
