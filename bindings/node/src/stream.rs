//! A streamed turn ([`NativeResponseStream`]): the core's [`StreamPump`], which opens
//! the turn and reads it on a small thread of its own, handed to JS a batch at a time.
//!
//! Why not a step per event on tokio's blocking pool (as before): a step holds its
//! pool thread for as long as the server is silent, so open streams used up the pool
//! (every other call waited behind them) and every event cost a round trip to a pool
//! thread and back. Here a stream waiting for the server holds only its own reader
//! thread, and `next` hands over everything already read; when nothing is there yet,
//! the reader thread wakes the JS stream as soon as something is (one thread hop per
//! batch, not per event; one call for all the streams woken while the JS thread was busy)
//! through the JS thread's one [`StreamWaker`], rather than a
//! threadsafe function and a Promise made per wait (their setup cost the JS thread
//! ~0.2 ms per stream, so a thousand streams opened at once delayed every first event).
//!
//! The JS thread does not even start the reader: the core's pump does that on its
//! spawner thread, and runs readers at a lower priority than the JS thread.
//!
//! Nor does it serialize events: the reader thread turns each into its JSON as it reads
//! it (`StreamPump::spawn_prepared`), ASCII only, so a batch becomes a JS string by a
//! plain copy (Latin-1, no UTF-8 decoding) that `JSON.parse` reads on its one-byte fast path.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use moveworks::{CancelToken, PumpBatch, ResponseStatus, ResponseStream, StreamEvent, StreamPump};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::convert::{push_event_json, to_napi, write_ascii_json};
use crate::handoff::Handoff;

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
    /// The buffers of events handed out, back to the reader thread.
    spent: Arc<SpentBuffers>,
}

/// Buffers of events handed out, back to the reader thread, which reuses one and frees
/// the rest: the JS thread frees none of the reader's memory (a free takes the lock of
/// the malloc arena the buffer came from, which readers share, see [`Handoff`]). At most
/// [`SPENT_KEPT`]: a reader done with its turn takes none back, and the JS thread frees
/// what is beyond.
#[derive(Default)]
struct SpentBuffers {
    buffers: Handoff<Vec<u8>>,
    count: AtomicUsize,
}

/// How many spent buffers wait for their reader at most.
const SPENT_KEPT: usize = 8;

impl SpentBuffers {
    /// On the JS thread: `buffer` was copied out.
    fn give(&self, buffer: Vec<u8>) {
        if self.count.fetch_add(1, Ordering::SeqCst) < SPENT_KEPT {
            self.buffers.push(buffer);
        } else {
            self.count.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// On the reader thread: an empty buffer, one given back if there is one.
    fn reuse(&self) -> Vec<u8> {
        let mut given = self.buffers.take_all();
        self.count.fetch_sub(given.len(), Ordering::SeqCst);
        let mut buffer = given.pop().unwrap_or_else(|| Vec::with_capacity(2048));
        buffer.clear();
        buffer
    }
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

/// On the reader thread: `event`'s JSON, in a buffer the JS thread handed back if there
/// is one (the others are freed here, on the thread whose arena they came from).
fn prepare(spent: &SpentBuffers, event: StreamEvent) -> PreparedEvent {
    let mut out = spent.reuse();
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
        let spent = Arc::new(SpentBuffers::default());
        let reused = spent.clone();
        let pump = StreamPump::spawn_prepared(cancel, open, move |event| prepare(&reused, event));
        NativeResponseStream { pump, held: Mutex::default(), spent }
    }

    /// As the pump's `take_or_notify`, with `waker` waking `id` when something comes.
    fn take_or_wake(&self, waker: &StreamWaker, id: u32) -> Option<PumpBatch<PreparedEvent>> {
        let woken = waker.woken.clone();
        // Called once, when something arrives or on close. Never on a drop: the pump drops
        // a wake-up unrun only when the stream itself asked again (the JS stream is awake)
        // or is gone, and a wake-up on drop would wake the stream's next wait early, whose
        // next `next` would drop that wait's wake-up in turn: a loop spinning until data came.
        self.pump.take_or_notify(move || woken.push(id))
    }
}

/// The ids of the streams a JS thread has to wake, pushed by reader threads without a
/// lock, and the one call of the JS thread's wake function that is pending for them.
///
/// Why not a threadsafe-function call per wake: each call takes Node's queue mutex, which
/// the JS thread takes too to run the calls (see [`Handoff`] for why that hurt). Now a
/// reader only pushes its stream's id, and only the push that finds no call pending makes
/// one: a thousand wakes while the JS thread is busy are one call. A reader running below
/// the JS thread's priority (a crowd's, at nice 10) does not make it either: the call wakes
/// the JS thread while it holds that mutex, and the JS thread, which may run first, would
/// wait for it. The JS thread's own caller thread, at its priority, makes those calls.
struct WokenStreams {
    ids: Handoff<u32>,
    /// True from the push that makes a call until the JS thread takes the ids.
    call_pending: AtomicBool,
    /// True from a push below the JS thread's priority until the caller thread calls.
    call_requested: AtomicBool,
    wake: WakeFn,
    /// The JS thread's nice value, read when it made the waker.
    js_nice: Option<i32>,
    /// The caller thread (started by the JS thread, so at its priority), parked when idle.
    caller: OnceLock<std::thread::Thread>,
}

impl WokenStreams {
    /// From a reader thread: `id` has something (or was closed).
    fn push(&self, id: u32) {
        self.ids.push(id);
        if self.call_pending.swap(true, Ordering::SeqCst) {
            return;
        }
        match self.caller.get() {
            Some(caller) if StreamPump::thread_nice() > self.js_nice => {
                self.call_requested.store(true, Ordering::SeqCst);
                caller.unpark();
            }
            _ => self.call(),
        }
    }

    fn call(&self) {
        // Fails only while Node shuts down, when nobody waits any more.
        let _ = self.wake.call(0, ThreadsafeFunctionCallMode::NonBlocking);
    }

    /// On the JS thread: every id pushed so far, oldest first.
    fn take(&self) -> Vec<u32> {
        // First: a push after this makes a new call, so none is left without one.
        self.call_pending.store(false, Ordering::SeqCst);
        self.ids.take_all()
    }
}

impl Drop for WokenStreams {
    fn drop(&mut self) {
        // The caller thread finds its waker gone, and ends.
        if let Some(caller) = self.caller.get() {
            caller.unpark();
        }
    }
}

/// The caller thread of a [`WokenStreams`]: calls the JS thread's wake function for the
/// readers that ask it to, until the waker is gone.
fn run_calls(woken: Weak<WokenStreams>) {
    loop {
        std::thread::park();
        let Some(woken) = woken.upgrade() else { return };
        if woken.call_requested.swap(false, Ordering::SeqCst) {
            woken.call();
        }
    }
}

/// The JS function reader threads have called on the JS thread when streams are woken.
/// Weak: it never keeps Node's event loop alive (index.js does, while a stream waits).
pub(crate) type WakeFn = ThreadsafeFunction<u32, (), u32, Status, false, true>;

/// Wakes the JS streams of one JS thread (index.js makes one per thread, so each worker
/// has its own) when the reader of one that found nothing in `next` has something.
#[napi]
pub struct StreamWaker {
    woken: Arc<WokenStreams>,
}

#[napi]
impl StreamWaker {
    /// `wake()` is called on this JS thread once streams were woken: a stream's `id`
    /// passed to a `next` that returned null is woken once something was read for it or
    /// it was closed. `wake` then takes the woken ids ([`take`](Self::take)) and asks
    /// those streams' `next` again. An id of a stream no longer waiting is ignored.
    #[napi(constructor, ts_args_type = "wake: () => void")]
    pub fn new(wake: WakeFn) -> Self {
        let woken = Arc::new(WokenStreams {
            ids: Handoff::default(),
            call_pending: AtomicBool::new(false),
            call_requested: AtomicBool::new(false),
            wake,
            js_nice: StreamPump::thread_nice(),
            caller: OnceLock::new(),
        });
        let weak = Arc::downgrade(&woken);
        // Without a caller thread, readers make their calls themselves.
        if let Ok(caller) =
            std::thread::Builder::new().name("moveworks-waker".into()).stack_size(64 * 1024).spawn(|| run_calls(weak))
        {
            let _ = woken.caller.set(caller.thread().clone());
        }
        StreamWaker { woken }
    }

    /// The ids of the streams woken since the last call, in the order they were woken.
    #[napi]
    pub fn take(&self) -> Vec<u32> {
        self.woken.take()
    }
}

/// Holds the streams this JS thread starts from now on (the core's
/// `StreamPump::hold_starts`) until [`start_held_streams`]; true when this call began
/// holding, and index.js then queues the release in a microtask (the starts of one run of
/// JS code, a loop opening a thousand streams, go together).
#[napi]
pub fn hold_stream_starts() -> bool {
    StreamPump::hold_starts()
}

/// Starts the streams held on this JS thread (the core's `StreamPump::release_held_starts`)
/// and stops holding; returns how many there were.
#[napi]
pub fn start_held_streams() -> u32 {
    StreamPump::release_held_starts() as u32
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
        // The string is a copy: the buffer serves the next batch, unless an event beyond a
        // piece's size made it large.
        if val.0.capacity() <= 2 * BATCH_BYTES {
            SCRATCH.with(|scratch| *scratch.borrow_mut() = val.0);
        }
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
        Some(batch_json(&self.pump, held.piece(), &self.spent))
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
/// the batch's own line. Their buffers go back to the reader (`spent`).
fn batch_json(pump: &StreamPump<PreparedEvent>, batch: PumpBatch<PreparedEvent>, spent: &SpentBuffers) -> BatchJson {
    let mut out = SCRATCH.with(|scratch| std::mem::take(&mut *scratch.borrow_mut()));
    out.clear();
    let mut end = batch.end;
    for event in batch.events {
        match event {
            Ok(json) => {
                out.extend_from_slice(&json);
                out.push(b'\n');
                spent.give(json);
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

thread_local! {
    /// The JS thread's buffer for the batch strings it makes, kept between calls rather
    /// than freed (see `NativeResponseStream::spent`); at most twice [`BATCH_BYTES`].
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
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
