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

use std::fmt;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::model::Response;
use crate::poll::{CancelToken, PollStep, Poller, WaitOptions};
use crate::stream::{EventStream, StreamEvent};

/// After `RESPONSE_COMPLETED`, how long to wait for the end of the body (which lets
/// the connection be reused) before closing the connection instead.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(50);

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
/// always ends with a `RESPONSE_COMPLETED` event carrying the final response, also
/// when the stream broke and the turn was finished by polling (that event is then
/// made from the polled response). A failed turn ends with one `Err` (the same
/// errors as [`Client::create_response_and_wait`]: `response_failed` carrying a
/// `FAILED` response, `poll_timeout`, `cancelled`, …), after which the iterator is
/// done. Dropping it early closes the connection at once; the response goes on
/// server-side and can be polled by [`response_id`](Self::response_id).
pub struct ResponseStream {
    client: Client,
    conversation_id: String,
    wait: WaitOptions,
    deadline: Instant,
    /// This turn's own token: a child of the caller's (`options.wait.cancel`).
    cancel: CancelToken,
    events: Option<EventStream>,
    response_id: Option<String>,
    request_id: Option<String>,
    outcome: Option<Result<Response>>,
    error_reported: bool,
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

impl ResponseStream {
    /// The response's id, once the server named it.
    pub fn response_id(&self) -> Option<&str> {
        match &self.events {
            Some(events) => events.response_id(),
            None => self.response_id.as_deref(),
        }
    }

    /// The `x-moveworks-root-uuid` of the streaming request (quote it to support).
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
            let error = match self.events.take() {
                Some(events) => {
                    self.response_id = events.response_id.clone();
                    events.tag(Error::cancelled())
                }
                None => Error::cancelled(),
            };
            self.outcome = Some(Err(error));
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
        self.outcome = Some(outcome.clone());
        match (outcome, event) {
            (Ok(response), Some(StreamEvent::ResponseCompleted { response_id, status, .. })) => {
                Some(Ok(StreamEvent::ResponseCompleted { response_id, status, response: Some(response) }))
            }
            (Ok(response), _) => Some(Ok(StreamEvent::ResponseCompleted {
                response_id: Some(response.response_id.clone()),
                status: response.status.clone(),
                response: Some(response),
            })),
            // The completed event (a FAILED status, say) first; its error on the next call.
            (Err(_), Some(event)) => Some(Ok(event)),
            (Err(e), None) => {
                self.error_reported = true;
                Some(Err(e))
            }
        }
    }

    /// Finishes the turn by polling get response for the known response id.
    fn poll_to_end(&mut self, why: &Error) -> Result<Response> {
        let response_id = self.response_id.clone().unwrap_or_default();
        log::info!(
            target: "moveworks",
            "stream of response {response_id} ended early ({}): polling for it instead",
            why.kind()
        );
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(self.tag(Error::new(
                ErrorKind::PollTimeout,
                format!("response {response_id} not finished after {:?}", self.wait.deadline),
            )));
        }
        let wait = WaitOptions { deadline: remaining, ..self.wait.clone() };
        self.client.wait_for_response(&self.conversation_id, &response_id, &wait).map_err(|e| self.tag(e))
    }

    /// The outcome a `RESPONSE_COMPLETED` event decides: its response when it carries a
    /// terminal one (judged as a poll would judge it), otherwise a poll for it.
    fn completed_outcome(&mut self, event: &StreamEvent) -> Result<Response> {
        if let StreamEvent::ResponseCompleted { response: Some(r), .. } = event {
            if r.status.is_terminal() {
                let id = self.response_id.clone().unwrap_or_else(|| r.response_id.clone());
                if let PollStep::Finish(outcome) = Poller::new(&id, &self.wait)?.observe(r.clone()) {
                    return outcome.map_err(|e| self.tag(e));
                }
            }
        }
        // Completed without the response: fetch it (a GET, harmless to send).
        let why = Error::new(ErrorKind::Decode, "RESPONSE_COMPLETED without the final response");
        self.poll_to_end(&why)
    }
}

impl Iterator for ResponseStream {
    type Item = Result<StreamEvent>;

    fn next(&mut self) -> Option<Result<StreamEvent>> {
        let Some(events) = self.events.as_mut() else {
            // Finished: report a failure once, then stay done.
            return match &self.outcome {
                Some(Err(e)) if !self.error_reported => {
                    self.error_reported = true;
                    Some(Err(e.clone()))
                }
                _ => None,
            };
        };
        let step = events.next();
        self.response_id = events.response_id.clone();
        match step {
            Some(Ok(event)) => {
                if !matches!(event, StreamEvent::ResponseCompleted { .. }) {
                    return Some(Ok(event));
                }
                // Read on to the end of the body, briefly, so that the connection goes
                // back to the pool instead of being closed; anything after is ignored.
                events.idle_timeout = Some(DRAIN_TIMEOUT);
                events.cancel = None;
                for _ in events.by_ref() {}
                self.events = None;
                let outcome = self.completed_outcome(&event);
                self.end(outcome, Some(event))
            }
            Some(Err(e)) if e.kind() == ErrorKind::Cancelled || events.response_id.is_none() => {
                self.events = None;
                self.end(Err(e), None)
            }
            Some(Err(e)) => {
                // Releases the connection before polling.
                self.events = None;
                let outcome = self.poll_to_end(&e);
                self.end(outcome, None)
            }
            None if events.response_id.is_none() => {
                let e = events.tag(Error::new(
                    ErrorKind::Connection,
                    "the stream ended before RESPONSE_CREATED named the response",
                ));
                self.events = None;
                self.end(Err(e), None)
            }
            None => {
                self.events = None;
                let outcome =
                    self.poll_to_end(&Error::new(ErrorKind::Connection, "the stream ended before RESPONSE_COMPLETED"));
                self.end(outcome, None)
            }
        }
    }
}

impl Client {
    /// Sends a user message and streams the answer, finishing the turn by polling
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
        text: &str,
        options: &StreamOptions,
    ) -> Result<ResponseStream> {
        options.validate()?;
        let deadline = Instant::now() + options.wait.deadline;
        let cancel = options.wait.cancel.as_ref().map_or_else(CancelToken::new, CancelToken::child);
        if cancel.is_cancelled() {
            return Err(Error::cancelled());
        }
        let events = self
            .open_stream(conversation_id, text, Some(cancel.clone()), Some(deadline))?
            .with_idle_timeout(Some(options.idle_timeout))
            .with_deadline(deadline);
        Ok(ResponseStream {
            client: self.clone(),
            conversation_id: conversation_id.to_owned(),
            wait: WaitOptions { cancel: Some(cancel.clone()), ..options.wait.clone() },
            deadline,
            cancel,
            request_id: events.request_id.clone(),
            events: Some(events),
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
        text: &str,
        options: &StreamOptions,
        on_event: &mut dyn FnMut(&StreamEvent) -> ControlFlow<()>,
    ) -> Result<Response> {
        let mut stream = self.stream_response(conversation_id, text, options)?;
        while let Some(event) = stream.next() {
            if on_event(&event?).is_break() {
                stream.close();
                return stream.finish();
            }
        }
        stream.finish()
    }
}
