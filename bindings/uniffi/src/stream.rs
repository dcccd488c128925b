//! Streamed turns: the `ResponseStream` object, its options and the event listener.
//!
//! Everything a stream decides (SSE parsing, the fallback to polling when the
//! stream breaks, the final `RESPONSE_COMPLETED`) is the core's
//! [`moveworks::ResponseStream`]; this object only guards it for use from
//! several threads and keeps a cancel token outside its lock.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use moveworks as core;
use moveworks::{Response, StreamEvent};

use crate::config::WaitOptions;
use crate::errors::*;
use crate::wait::core_wait_options;

/// How a streamed turn waits; unset values keep the core's defaults
/// (30 s idle timeout; the polling of the fallback and the turn's deadline
/// as in [`WaitOptions`]: 250 ms, ×1.5, 2 s cap, 120 s for the whole turn).
// Flat rather than holding a `WaitOptions`: a record field cannot default to a record.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct StreamOptions {
    /// Give up on the stream, and finish the turn by polling, after this long without an event.
    #[uniffi(default = None)]
    pub idle_timeout: Option<Duration>,
    /// The fallback's delay before its second poll.
    #[uniffi(default = None)]
    pub initial_interval: Option<Duration>,
    /// Each fallback delay is the previous one times this (at least 1).
    #[uniffi(default = None)]
    pub backoff_factor: Option<f64>,
    /// Longest delay between fallback polls.
    #[uniffi(default = None)]
    pub max_interval: Option<Duration>,
    /// The whole turn (stream and fallback) gives up after this long (`PollTimeout`).
    #[uniffi(default = None)]
    pub deadline: Option<Duration>,
}

pub(crate) fn core_stream_options(
    options: &StreamOptions,
    cancel: Option<core::CancelToken>,
    listener: Option<Box<dyn crate::wait::ResponseUpdateListener>>,
) -> core::StreamOptions {
    let wait = WaitOptions {
        initial_interval: options.initial_interval,
        backoff_factor: options.backoff_factor,
        max_interval: options.max_interval,
        deadline: options.deadline,
    };
    let mut o = core::StreamOptions { wait: core_wait_options(&wait, None, listener), ..Default::default() };
    o.wait.cancel = cancel;
    if let Some(v) = options.idle_timeout {
        o.idle_timeout = v;
    }
    o
}

/// A streamed answer: call [`next`](Self::next) until it returns absent.
///
/// A successful turn always ends with a `ResponseCompleted` event carrying the
/// final response, also when the stream broke and the turn was finished by
/// polling (the message is never sent twice). A failed turn ends with one error
/// (`ResponseFailed`, `PollTimeout`, `Cancelled`, …), after which `next` returns
/// absent. Releasing the object (Kotlin `close()`/`use {}`, Swift: the last
/// reference going away) closes the connection at once; the response goes on
/// server-side and can still be polled by [`response_id`](Self::response_id).
#[derive(uniffi::Object)]
pub struct ResponseStream {
    inner: Mutex<core::ResponseStream>,
    /// The stream's own token, outside the lock: `cancel` never waits for a blocked `next`.
    cancel: core::CancelToken,
    request_id: Option<String>,
    /// Copied after every `next`, so that reading it never waits for a blocked `next`.
    response_id: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[uniffi::export]
impl ResponseStream {
    /// The next event, or absent once the turn has ended. BLOCKS until an event
    /// arrives (or the fallback's polling decides the turn). Throws the error a
    /// failed turn ends with, once; then returns absent.
    pub fn next(&self) -> Result<Option<StreamEvent>> {
        let mut stream = lock(&self.inner);
        let item = stream.next();
        *lock(&self.response_id) = stream.response_id().map(str::to_owned);
        item.transpose().map_err(Into::into)
    }

    /// Stops the turn from any thread: a `next` blocked on another thread returns
    /// within about 20 ms with a `Cancelled` error naming the response, the
    /// connection is closed, and the turn ends as cancelled. The response goes on
    /// server-side. Harmless after the turn ended.
    pub fn cancel(&self) {
        self.cancel.cancel();
        // Not reading: close the connection now. Reading: that `next` sees the token,
        // ends the turn and closes the connection itself.
        if let Ok(mut stream) = self.inner.try_lock() {
            stream.close();
        }
    }

    /// True once [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The response's id, once the server named it (after the first event).
    pub fn response_id(&self) -> Option<String> {
        lock(&self.response_id).clone()
    }

    /// The `x-moveworks-root-uuid` of the streaming request (quote it to support).
    pub fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }

    /// True once the turn has ended, successfully or not.
    pub fn is_finished(&self) -> bool {
        lock(&self.inner).is_finished()
    }

    /// The final `COMPLETED` response, once the turn ended successfully; absent before.
    pub fn response(&self) -> Option<Response> {
        lock(&self.inner).response().cloned()
    }

    /// Reads (and discards) the remaining events and returns the final response,
    /// or throws the error the turn ended with. BLOCKS; callable more than once.
    pub fn finish(&self) -> Result<Response> {
        let mut stream = lock(&self.inner);
        let outcome = stream.finish();
        *lock(&self.response_id) = stream.response_id().map(str::to_owned);
        Ok(outcome?)
    }
}

impl ResponseStream {
    pub(crate) fn new(inner: core::ResponseStream) -> Arc<Self> {
        Arc::new(ResponseStream {
            cancel: inner.canceller(),
            request_id: inner.request_id().map(str::to_owned),
            response_id: Mutex::new(inner.response_id().map(str::to_owned)),
            inner: Mutex::new(inner),
        })
    }
}

/// Receives every event of [`Client::stream_response_and_wait`](crate::Client::stream_response_and_wait),
/// on the calling thread; keep it short.
#[uniffi::export(callback_interface)]
pub trait StreamEventListener: Send + Sync {
    /// Return `true` to keep streaming, `false` to stop (the call then fails as cancelled).
    fn on_event(&self, event: StreamEvent) -> bool;
}

pub(crate) fn on_event(listener: Option<Box<dyn StreamEventListener>>) -> impl FnMut(&StreamEvent) -> ControlFlow<()> {
    move |event| match &listener {
        Some(l) if !l.on_event(event.clone()) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    }
}
