//! A streamed turn ([`NativeResponseStream`]): the core's [`StreamPump`], which opens
//! the turn and reads it on a small thread of its own, handed to JS a batch at a time.
//!
//! Why not a step per event on tokio's blocking pool (as before): a step holds its
//! pool thread for as long as the server is silent, so open streams used up the pool
//! (every other call waited behind them) and every event cost a round trip to a pool
//! thread and back. Here a stream waiting for the server holds only its own reader
//! thread, and `next` hands over everything already read; when nothing is there yet,
//! the reader thread wakes the JS stream as soon as something is (one thread hop per
//! batch, not per event) through the JS thread's one [`StreamWaker`], rather than a
//! threadsafe function and a Promise made per wait (their setup cost the JS thread
//! ~0.2 ms per stream, so a thousand streams opened at once delayed every first event).
//!
//! The JS thread does not even start the reader: the core's pump does that on its
//! spawner thread, and runs readers at a lower priority than the JS thread.
//!
//! Nor does it serialize events: the reader thread turns each into its JSON as it reads
//! it (`StreamPump::spawn_prepared`), ASCII only, so a batch becomes a JS string by a
//! plain copy (Latin-1, no UTF-8 decoding) that `JSON.parse` reads on its one-byte fast path.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use moveworks::{CancelToken, PumpBatch, ResponseStatus, ResponseStream, StreamEvent, StreamPump};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::convert::{push_event_json, to_napi, write_ascii_json};

/// A streamed turn (the core's `StreamPump`); the JS `ResponseStream` async iterable wraps it.
///
/// Garbage collecting it (a stream its user stopped reading without `close`) drops the
/// pump, which closes the connection and ends the reader thread: nothing is left behind.
#[napi]
pub struct NativeResponseStream {
    /// Only this object holds it (a registered wake-up holds only the waker), so the
    /// garbage collector's drop of this object closes an abandoned stream.
    pump: StreamPump<PreparedEvent>,
    /// What `next` took from the pump and has not handed out yet (see [`BATCH_BYTES`]).
    held: Mutex<Held>,
}

/// At most this much of a pump batch's JSON (and at least one event) crosses per `next`:
/// a string this size is made in V8's young generation and a buffer this size comes from
/// malloc's free lists, where a batch of megabytes (a reader ahead of a busy JS thread)
/// took fresh pages from the kernel for both, on the JS thread (a page fault per 4 KiB).
const BATCH_BYTES: usize = 64 * 1024;

/// A pump batch being handed out in pieces.
#[derive(Default)]
struct Held {
    events: VecDeque<PreparedEvent>,
    /// The batch's end, handed out with its last event.
    end: Option<moveworks::Result<()>>,
}

impl Held {
    fn is_empty(&self) -> bool {
        self.events.is_empty() && self.end.is_none()
    }

    /// The next piece: events up to [`BATCH_BYTES`] of JSON (at least one), and the
    /// batch's end once its last event goes with it.
    fn piece(&mut self) -> PumpBatch<PreparedEvent> {
        let mut bytes = 0;
        let mut count = 0;
        for event in &self.events {
            bytes += event.as_ref().map_or(0, Vec::len) + 1;
            if count > 0 && bytes > BATCH_BYTES {
                break;
            }
            count += 1;
        }
        let events: Vec<_> = self.events.drain(..count).collect();
        let end = if self.events.is_empty() { self.end.take() } else { None };
        PumpBatch { events, end }
    }
}

/// One event as the reader thread prepared it: its JSON within a batch (see `next`).
type PreparedEvent = moveworks::Result<Vec<u8>>;

fn prepare(event: StreamEvent) -> PreparedEvent {
    let mut out = Vec::with_capacity(2048);
    push_event_json(&mut out, &event, succeeded(&event))?;
    Ok(out)
}

impl NativeResponseStream {
    /// Starts the pump: `open` runs on the pump's own thread with the turn's token (a
    /// child of `cancel`, cancelled by `close`), so neither the request nor the reads
    /// hold a thread anyone waits for, and the JS thread does not wait for a thread start.
    pub(crate) fn spawn(
        cancel: Option<&CancelToken>,
        open: impl FnOnce(CancelToken) -> moveworks::Result<ResponseStream> + Send + 'static,
    ) -> Self {
        NativeResponseStream { pump: StreamPump::spawn_prepared(cancel, open, prepare), held: Mutex::default() }
    }

    /// As the pump's `take_or_notify`, with `waker` waking `id` when something comes.
    fn take_or_wake(&self, waker: &StreamWaker, id: u32) -> Option<PumpBatch<PreparedEvent>> {
        let wake = waker.wake.clone();
        // Called once, when something arrives or on close. Never on a drop: the pump drops
        // a wake-up unrun only when the stream itself asked again (the JS stream is awake)
        // or is gone, and a wake-up on drop would wake the stream's next wait early, whose
        // next `next` would drop that wait's wake-up in turn: a loop spinning until data came.
        self.pump.take_or_notify(move || {
            // Fails only while Node shuts down, when nobody waits any more.
            let _ = wake.call(id, ThreadsafeFunctionCallMode::NonBlocking);
        })
    }
}

/// The JS function a reader thread calls, on the JS thread, with a waiting stream's id.
/// Weak: it never keeps Node's event loop alive (index.js does, while a stream waits).
pub(crate) type WakeFn = ThreadsafeFunction<u32, (), u32, Status, false, true>;

/// Wakes the JS streams of one JS thread (index.js makes one per thread, so each worker
/// has its own) when the reader of one that found nothing in `next` has something.
#[napi]
pub struct StreamWaker {
    wake: Arc<WakeFn>,
}

#[napi]
impl StreamWaker {
    /// `wake(id)` is called on this JS thread with the `id` a stream passed to a `next`
    /// that returned null, once something was read for it or it was closed: ask that
    /// stream's `next` again. One for a stream no longer waiting is ignored.
    #[napi(constructor, ts_args_type = "wake: (id: number) => void")]
    pub fn new(wake: WakeFn) -> Self {
        StreamWaker { wake: Arc::new(wake) }
    }
}

/// A batch's lines of JSON, ASCII only (non-ASCII characters are `\u` escapes): it
/// becomes a JS string by a Latin-1 copy.
pub struct BatchJson(Vec<u8>);

impl ToNapiValue for BatchJson {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        debug_assert!(val.0.is_ascii());
        let mut value = std::ptr::null_mut();
        // SAFETY: `env` is the live environment napi hands to conversions; the bytes are
        // valid for their length during the call, which copies them.
        let status = unsafe {
            napi::sys::napi_create_string_latin1(env, val.0.as_ptr().cast(), val.0.len() as isize, &mut value)
        };
        if status != napi::sys::Status::napi_ok {
            return Err(Error::new(Status::GenericFailure, "could not create the batch's string"));
        }
        Ok(value)
    }
}

#[napi]
impl NativeResponseStream {
    /// What was read since the last call (up to 64 KiB of it at a time, and at least one
    /// event), as one string, or null when nothing is there yet: `waker` then wakes `id`
    /// (see [`StreamWaker`]). The string is a line per event,
    /// then a last line for the batch (compact JSON never holds a raw newline):
    ///
    /// - an event: `{"event": <StreamEvent wire JSON>, "known": bool, "request_id",
    ///   "http_headers", "succeeded": bool}` (`succeeded`: the turn ended with this event
    ///   and has its final response);
    /// - the batch: `{"end": null | "ok" | <error>, "response_id", "request_id"}` (`end`:
    ///   null while more may come, "ok" once over, or the error the turn failed with, as
    ///   the message of the errors this addon rejects with, handed out once).
    ///
    /// Lines, not one JSON array: the JS stream parses each event when it hands it out,
    /// so a large batch is never all decoded at once (its objects would outlive the young
    /// generation of V8's heap while they wait their turn, and cost more to collect).
    #[napi(ts_return_type = "string | null")]
    pub fn next(&self, waker: &StreamWaker, id: u32) -> Option<BatchJson> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.is_empty() {
            let batch = self.pump.take().or_else(|| self.take_or_wake(waker, id))?;
            *held = Held { events: batch.events.into(), end: batch.end };
        }
        Some(batch_json(&self.pump, held.piece()))
    }

    /// Ends the stream now (the core's `StreamPump::close`): buffered events are dropped,
    /// the reader's read is interrupted and its connection closed (~20 ms); a waiting
    /// stream is woken. A turn not yet ended ends `cancelled`; one that ended keeps its
    /// outcome. Not started yet, it never starts. Idempotent.
    #[napi]
    pub fn close(&self) {
        self.pump.close();
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = Held::default();
    }

    /// The response's id, once the server named it.
    #[napi(getter)]
    pub fn response_id(&self) -> Option<String> {
        self.pump.response_id()
    }

    /// The `x-moveworks-root-uuid` of the streaming request, once it was answered.
    #[napi(getter)]
    pub fn request_id(&self) -> Option<String> {
        self.pump.request_id()
    }
}

/// True for the event a successful turn ends with: the core's `RESPONSE_COMPLETED`
/// carrying a `COMPLETED` final response (any other terminal event ends in an error).
fn succeeded(event: &StreamEvent) -> bool {
    matches!(event, StreamEvent::ResponseCompleted { response: Some(r), .. } if r.status == ResponseStatus::Completed)
}

/// A batch as the string `next` returns: the events' prepared JSON, a line each, then
/// the batch's own line.
fn batch_json(pump: &StreamPump<PreparedEvent>, batch: PumpBatch<PreparedEvent>) -> BatchJson {
    let size: usize = batch.events.iter().map(|e| e.as_ref().map_or(0, Vec::len) + 1).sum();
    let mut out = Vec::with_capacity(256 + size);
    let mut end = batch.end;
    for event in batch.events {
        match event {
            Ok(json) => {
                out.extend_from_slice(&json);
                out.push(b'\n');
            }
            // An event that could not be serialized ends the turn with that error (as
            // the step that read it did before).
            Err(e) => {
                end = Some(Err(e));
                break;
            }
        }
    }
    push_batch_end(&mut out, end, pump.response_id(), pump.request_id());
    BatchJson(out)
}

/// A batch's last line: `{"end":...,"response_id":...,"request_id":...}`.
fn push_batch_end(
    out: &mut Vec<u8>,
    end: Option<moveworks::Result<()>>,
    response_id: Option<String>,
    request_id: Option<String>,
) {
    let end = match end {
        None => None,
        Some(Ok(())) => Some("ok".to_owned()),
        Some(Err(e)) => Some(to_napi(e).reason),
    };
    // Strings and options of strings: serializing them cannot fail.
    for (key, value) in [("end", end), ("response_id", response_id), ("request_id", request_id)] {
        out.push(if key == "end" { b'{' } else { b',' });
        let _ = write_ascii_json(&mut *out, key);
        out.push(b':');
        let _ = write_ascii_json(&mut *out, &value);
    }
    out.push(b'}');
}
