//! Streamed turns for async callers: [`AsyncResponseStream`], read on a thread of
//! its own (the core's [`moveworks::StreamPump`]) and handed over in batches by an
//! async method.
//!
//! Why not the blocking [`ResponseStream`](crate::ResponseStream) read off the
//! caller's thread: each pending read then holds a thread (Kotlin's
//! `Dispatchers.IO`, 64 by default; a GCD queue in Swift) for as long as the
//! server is silent, so the 65th open stream waited for a free thread while its
//! events sat in the socket, and every event cost a thread hop. Here the pump's
//! thread reads ahead; `next_batch` is a Rust future that uniffi polls from the
//! foreign side (a Kotlin `suspend` function, a Swift `async` one) and the pump
//! wakes when something is there, so no thread of the caller's waits, and every
//! event read since the previous call crosses in one call.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use moveworks as core;
use moveworks::{Response, StreamEvent};

use crate::errors::*;
use crate::stream::{core_stream_options, StreamOptions};
use crate::wait::CancelHandle;

/// What one [`AsyncResponseStream::next_batch`] hands over.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StreamBatch {
    /// Every event read since the previous batch, in order. Empty only when `last`.
    pub events: Vec<StreamEvent>,
    /// True when the turn is over and nothing follows: after a successful turn the
    /// events ended with `ResponseCompleted`; after a failure the previous call threw it.
    pub last: bool,
}

/// A streamed answer for async code: await [`next_batch`](Self::next_batch) until
/// a batch is `last`. Start one with `Client.start_stream_response`.
///
/// The turn is opened and read on a thread of its own, which reads ahead into a
/// bounded buffer (1,024 events); `next_batch` takes everything buffered at once
/// and, when nothing is, suspends (Kotlin) or awaits (Swift) without holding a
/// thread until something arrives. Errors come as with the blocking
/// [`ResponseStream`](crate::ResponseStream): the typed API error when the stream
/// could not start (`NotFound`, `RateLimit`, …), then `ResponseFailed`,
/// `PollTimeout`, `Cancelled`, …, thrown once, after the events that preceded it.
/// [`cancel`](Self::cancel) (or releasing the object: Kotlin `close()`, Swift the
/// last reference going away) ends the turn as cancelled and closes the
/// connection; the response goes on server-side.
#[derive(uniffi::Object)]
pub struct AsyncResponseStream {
    pump: core::StreamPump,
    /// A failure that ended a batch which also carried events: those go first, the
    /// failure is thrown by the next call.
    pending: Mutex<Option<core::Error>>,
    /// A `next_batch` is in flight: the pump keeps one waker, so a second call at
    /// the same time would leave the first waiting forever; it is refused instead.
    reading: AtomicBool,
    cancelled: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Clears [`AsyncResponseStream::reading`] also when the caller abandons the call
/// (a cancelled coroutine drops the Rust future mid-wait).
struct Reading<'a>(&'a AtomicBool);

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[uniffi::export]
impl AsyncResponseStream {
    /// The events read since the previous call, waiting (without a thread) until
    /// there is at least one or the turn is over. Throws the error a failed turn
    /// ends with, once; every later call returns an empty `last` batch. One call at
    /// a time: a call made while another is pending fails with `InvalidArgument`.
    pub async fn next_batch(&self) -> Result<StreamBatch> {
        if self.reading.swap(true, Ordering::AcqRel) {
            return Err(core::Error::invalid_argument(
                "next_batch",
                "another next_batch call on this stream is still pending; await it first",
            )
            .into());
        }
        let _reading = Reading(&self.reading);
        if let Some(error) = lock(&self.pending).take() {
            return Err(error.into());
        }
        let core::PumpBatch { events, end } = self.pump.next_batch().await;
        match end {
            None => Ok(StreamBatch { events, last: false }),
            Some(Ok(())) => Ok(StreamBatch { events, last: true }),
            Some(Err(error)) if events.is_empty() => Err(error.into()),
            Some(Err(error)) => {
                *lock(&self.pending) = Some(error);
                Ok(StreamBatch { events, last: false })
            }
        }
    }

    /// Ends the turn from any thread: a pending or later `next_batch` throws
    /// `Cancelled` naming the response (unless the turn had already ended), events
    /// not yet taken are dropped and the connection is closed within about 20 ms.
    /// The response goes on server-side. Harmless after the turn ended.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
        self.pump.close();
    }

    /// True once [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    /// The final `COMPLETED` response, once the turn ended successfully; absent before.
    pub fn response(&self) -> Option<Response> {
        self.pump.response()
    }

    /// The response's id, once the server named it (with the first event).
    pub fn response_id(&self) -> Option<String> {
        self.pump.response_id()
    }

    /// The `x-moveworks-root-uuid` of the streaming request (quote it to support),
    /// once the server answered it.
    pub fn request_id(&self) -> Option<String> {
        self.pump.request_id()
    }
}

/// Opens the turn on the pump's thread, with a token that both the caller's handle
/// and [`AsyncResponseStream::cancel`] fire.
pub(crate) fn start(
    client: &core::Client,
    conversation_id: String,
    input: impl Into<core::Input>,
    options: StreamOptions,
    cancel: Option<Arc<CancelHandle>>,
) -> Result<Arc<AsyncResponseStream>> {
    let input = input.into();
    let client = client.clone();
    let parent = cancel.map(|c| c.token());
    let pump = core::StreamPump::spawn(parent.as_ref(), move |token| {
        let o = core_stream_options(&options, Some(token), None);
        client.stream_response(&conversation_id, &input, &o)
    });
    Ok(Arc::new(AsyncResponseStream {
        pump,
        pending: Mutex::new(None),
        reading: AtomicBool::new(false),
        cancelled: AtomicBool::new(false),
    }))
}
