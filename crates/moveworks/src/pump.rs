//! [`StreamPump`]: a streamed turn read ahead on a thread of its own, for the
//! event-driven bindings (Python's asyncio, Node, Kotlin coroutines, Swift async).
//!
//! Why a thread per open stream rather than a step per event on a shared
//! blocking pool: a stream spends nearly all its life waiting for the server, and
//! a pool step holds its thread for that whole wait, so a pool of 64 threads
//! served 64 streams and the 65th waited with its events sitting in the socket.
//! Here each stream owns one small-stack thread (its cost is the stack pages it
//! touches, tens of KiB), nothing else waits behind it, and the thread hands
//! over *everything* already read in one wake-up, so a consumer pays one thread
//! hop per burst of events instead of one per event.
//!
//! A binding whose event loop would otherwise convert each event itself (Node
//! serializes it for `JSON.parse`) has the reader thread do that work instead
//! ([`StreamPump::spawn_prepared`]): the loop's thread then only takes the results.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::{CancelToken, Error, ErrorKind, Response, ResponseStream, Result, StreamEvent};

/// Events read ahead but not yet taken, at most; the reader then waits for the
/// consumer, so a stream nobody reads holds a bounded amount of memory.
const MAX_BUFFERED_EVENTS: usize = 1024;

/// The reader thread's stack. Reading a stream (and, when it breaks, polling with
/// a fresh TLS connection) stays far below this; only touched pages cost memory.
const READER_STACK_BYTES: usize = 256 * 1024;

/// What the consumer takes at once: every event read since the last take, then,
/// when the turn is over, how it ended.
#[derive(Debug)]
pub struct PumpBatch<T = StreamEvent> {
    /// The events (or what the reader thread prepared from them), in order (possibly none).
    pub events: Vec<T>,
    /// `None`: more may follow. `Some(Ok(()))`: the turn is over ([`StreamPump::response`]
    /// holds the final response if it succeeded). `Some(Err(e))`: the turn failed with `e`;
    /// as with the iterator, the error is handed out once and later batches end with `Ok(())`.
    pub end: Option<Result<()>>,
}

impl<T> PumpBatch<T> {
    /// True when nothing more will come after this batch.
    pub fn is_last(&self) -> bool {
        self.end.is_some()
    }
}

/// How the consumer asked to be told that a batch is ready.
enum Wake {
    Waker(Waker),
    Callback(Box<dyn FnOnce() + Send>),
}

impl Wake {
    fn wake(self) {
        match self {
            Wake::Waker(w) => w.wake(),
            Wake::Callback(f) => f(),
        }
    }
}

struct State<T> {
    events: VecDeque<T>,
    /// How the turn ended, not yet taken.
    end: Option<Result<()>>,
    /// The end was taken: every later batch is empty and over.
    ended: bool,
    response: Option<Response>,
    response_id: Option<String>,
    request_id: Option<String>,
    /// Set by [`StreamPump::close`] (or dropping it): the reader stops.
    closed: bool,
    wake: Option<Wake>,
}

impl<T> Default for State<T> {
    fn default() -> Self {
        State {
            events: VecDeque::new(),
            end: None,
            ended: false,
            response: None,
            response_id: None,
            request_id: None,
            closed: false,
            wake: None,
        }
    }
}

impl<T> State<T> {
    fn has_batch(&self) -> bool {
        !self.events.is_empty() || self.end.is_some() || self.ended
    }

    fn take_batch(&mut self) -> PumpBatch<T> {
        let events = self.events.drain(..).collect();
        let end = match self.end.take() {
            Some(end) => Some(end),
            None if self.ended => Some(Ok(())),
            None => None,
        };
        self.ended |= end.is_some();
        PumpBatch { events, end }
    }
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Signalled when the consumer takes events or closes (the reader may go on).
    space: Condvar,
    /// Signalled when a batch becomes ready (for [`StreamPump::next_batch_blocking`]).
    ready: Condvar,
    /// Interrupts the reader's blocked read (and the open) on close.
    cancel: CancelToken,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A streamed turn read on its own thread into a bounded buffer; the consumer
/// takes what was read in batches, without blocking: [`take`](Self::take),
/// [`take_or_notify`](Self::take_or_notify) for callback-driven event loops, or
/// the [`next_batch`](Self::next_batch) future.
///
/// Dropping it closes the stream: the reader's blocked read is interrupted (within
/// about 20 ms), its connection closed and its thread ends.
///
/// `T` is what the consumer takes per event: the [`StreamEvent`] itself, or what
/// [`spawn_prepared`](Self::spawn_prepared)'s function made of it on the reader thread.
pub struct StreamPump<T = StreamEvent> {
    shared: Arc<Shared<T>>,
}

impl<T> std::fmt::Debug for StreamPump<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("StreamPump")
            .field("response_id", &state.response_id)
            .field("buffered", &state.events.len())
            .field("over", &(state.end.is_some() || state.ended))
            .finish_non_exhaustive()
    }
}

impl StreamPump {
    /// The calling thread's scheduling priority as a nice value (Linux; `None` elsewhere).
    /// A reader in a crowd runs at nice 10 (see [`CROWD_STREAMS`](StreamPump::CROWD_STREAMS)):
    /// a consumer whose wake-up must not wait behind one compares its own with a reader's.
    pub fn thread_nice() -> Option<i32> {
        spawner::thread_nice()
    }

    /// How many woken streams an event loop resumes per turn of its loop (Node, Python
    /// asyncio): a burst of wake-ups (a thousand streams' first events) would otherwise
    /// run every woken stream's loop body before timers and I/O get a turn, while a lone
    /// stream still resumes at once.
    pub const RESUMED_PER_LOOP_TURN: usize = 32;

    /// Open streams beyond which the process streams a crowd: reader threads then run at
    /// nice 10 (Linux), and so does the thread that starts them, so that their reads and
    /// thread starts wait for the consumer's thread (an event loop that also serves
    /// everything else) rather than the other way round. Up to this many, readers run at
    /// the process's priority, so that an event reaches the consumer as soon as it is read
    /// (a reader at nice 10 can wait for the CPU ~0.2 ms behind whatever else runs there).
    pub const CROWD_STREAMS: usize = 64;

    /// Holds the reader starts the calling thread asks for (every pump it spawns) until it
    /// calls [`release_held_starts`](Self::release_held_starts). The pumps work meanwhile:
    /// takes find nothing, a notify waits, `close` ends one before anything is sent.
    ///
    /// For an event loop opening many streams in one go (a burst of requests): the reader
    /// threads, and the server's threads answering them, then start competing for a CPU
    /// once the loop has done its part, where each start used to set them going while it
    /// still had hundreds of streams to open. It must release what it held (Node does in a
    /// microtask queued with the first held start); a thread that ends holding fails their
    /// streams. True when this call began holding (the thread was not holding already):
    /// the caller then arranges the release.
    pub fn hold_starts() -> bool {
        spawner::hold()
    }

    /// Hands the starts held on the calling thread (see [`hold_starts`](Self::hold_starts))
    /// to the spawners, in the order asked, and stops holding. Returns how many there were.
    pub fn release_held_starts() -> usize {
        spawner::release_held()
    }

    /// Reads `stream` on a new thread.
    pub fn start(stream: ResponseStream) -> StreamPump {
        Self::spawn(None, move |_| Ok(stream))
    }

    /// Opens the stream on a new thread with `open` (e.g. a call to
    /// [`Client::stream_response`](crate::Client::stream_response)) and reads it there,
    /// so that neither the request nor the reads hold a thread anyone else waits for.
    /// `open` gets a token (a child of `cancel`, the caller's token, when given) that
    /// [`close`](Self::close) cancels: pass it as the stream's `wait.cancel` so that
    /// closing also interrupts the open. A failed open is the first batch's `end`.
    ///
    /// Returns at once: the stream goes to a reader thread whose previous stream ended
    /// (one waits up to 10 s for the next; a JVM then attaches it once, not per stream),
    /// or else a new one is started by a process-wide spawner thread, because starting a
    /// thread takes tens of microseconds and an event loop opening a thousand streams
    /// would stall for as many milliseconds. The pump works meanwhile
    /// (takes find nothing yet, a notify waits, `close` ends it before anything is
    /// sent). When the system refuses a thread, the first batch ends with a
    /// `connection` error saying so.
    pub fn spawn(
        cancel: Option<&CancelToken>,
        open: impl FnOnce(CancelToken) -> Result<ResponseStream> + Send + 'static,
    ) -> StreamPump {
        StreamPump::spawn_prepared(cancel, open, |event| event)
    }
}

impl<T: Send + 'static> StreamPump<T> {
    /// As [`spawn`](StreamPump::spawn), and the reader thread hands each event to
    /// `prepare` (after the pump has noted what it needs from it: the response id, the
    /// final response), buffering what it returns: work an event loop would otherwise
    /// do per event on its own thread, done ahead while it handles the previous batch.
    pub fn spawn_prepared(
        cancel: Option<&CancelToken>,
        open: impl FnOnce(CancelToken) -> Result<ResponseStream> + Send + 'static,
        prepare: impl FnMut(StreamEvent) -> T + Send + 'static,
    ) -> StreamPump<T> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            space: Condvar::new(),
            ready: Condvar::new(),
            cancel: cancel.map_or_else(CancelToken::new, CancelToken::child),
        });
        let reader = shared.clone();
        let refusal = shared.clone();
        spawner::start(
            Box::new(move || read(&reader, Box::new(open), prepare)),
            Box::new(move |error| refused(&refusal, error)),
        );
        StreamPump { shared }
    }
}

impl<T> StreamPump<T> {
    /// Everything read since the last take, or `None` when nothing new is there yet.
    pub fn take(&self) -> Option<PumpBatch<T>> {
        let mut state = self.shared.lock();
        self.take_locked(&mut state)
    }

    fn take_locked(&self, state: &mut State<T>) -> Option<PumpBatch<T>> {
        if !state.has_batch() {
            return None;
        }
        let batch = state.take_batch();
        self.shared.space.notify_one();
        Some(batch)
    }

    /// As [`take`](Self::take); when nothing is there yet, `notify` is called once,
    /// from the reader's thread, as soon as something is (or the stream is closed),
    /// and the consumer takes it then. A later `take_or_notify` or
    /// [`next_batch`](Self::next_batch) replaces a pending `notify`, which is dropped.
    pub fn take_or_notify(&self, notify: impl FnOnce() + Send + 'static) -> Option<PumpBatch<T>> {
        let mut state = self.shared.lock();
        let batch = self.take_locked(&mut state);
        if batch.is_none() {
            state.wake = Some(Wake::Callback(Box::new(notify)));
        }
        batch
    }

    /// The next batch (never empty unless it is the last), waiting without a thread.
    pub fn next_batch(&self) -> NextBatch<'_, T> {
        NextBatch { pump: self }
    }

    /// The next batch, blocking the calling thread until there is one.
    pub fn next_batch_blocking(&self) -> PumpBatch<T> {
        let mut state = self.shared.lock();
        loop {
            if let Some(batch) = self.take_locked(&mut state) {
                return batch;
            }
            state = self.shared.ready.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Stops the stream: buffered events are dropped, the reader's read is
    /// interrupted and its connection closed. A turn that has not ended ends as
    /// `cancelled`; one that has keeps its outcome. Idempotent; a pending notify runs.
    pub fn close(&self) {
        let wake = {
            let mut state = self.shared.lock();
            if state.closed {
                return;
            }
            state.closed = true;
            state.events.clear();
            if state.end.is_none() && !state.ended {
                let error = Error::cancelled().with_request_id(state.request_id.clone());
                state.end = Some(Err(match &state.response_id {
                    Some(id) => error.with_accepted_response(id, None),
                    None => error,
                }));
            }
            state.wake.take()
        };
        self.shared.cancel.cancel();
        self.shared.space.notify_all();
        self.shared.ready.notify_all();
        if let Some(wake) = wake {
            wake.wake();
        }
    }

    /// The final `COMPLETED` response, once the turn ended successfully.
    pub fn response(&self) -> Option<Response> {
        self.shared.lock().response.clone()
    }

    /// The response's id, once the server named it.
    pub fn response_id(&self) -> Option<String> {
        self.shared.lock().response_id.clone()
    }

    /// The streaming request's id (see [`ResponseStream::request_id`]), once it was answered.
    pub fn request_id(&self) -> Option<String> {
        self.shared.lock().request_id.clone()
    }
}

impl<T> Drop for StreamPump<T> {
    fn drop(&mut self) {
        self.close();
    }
}

/// The future of [`StreamPump::next_batch`].
pub struct NextBatch<'a, T = StreamEvent> {
    pump: &'a StreamPump<T>,
}

impl<T> Future for NextBatch<'_, T> {
    type Output = PumpBatch<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<PumpBatch<T>> {
        let mut state = self.pump.shared.lock();
        match self.pump.take_locked(&mut state) {
            Some(batch) => Poll::Ready(batch),
            None => {
                state.wake = Some(Wake::Waker(cx.waker().clone()));
                Poll::Pending
            }
        }
    }
}

/// The reader thread: opens, then moves events into the buffer until the turn
/// ends or the consumer closes; wakes the consumer when a batch becomes ready.
fn read<T>(shared: &Shared<T>, open: Open, mut prepare: impl FnMut(StreamEvent) -> T) {
    if shared.lock().closed {
        // Closed before its thread started: nothing is sent.
        return;
    }
    let mut crowded = false;
    spawner::follow_crowd(&mut crowded);
    let mut stream = match open(shared.cancel.clone()) {
        Ok(stream) => stream,
        Err(error) => {
            drop(publish(shared, |state| {
                if state.end.is_none() && !state.ended {
                    state.end = Some(Err(error));
                }
            }));
            return;
        }
    };
    let state = publish(shared, |state| {
        state.request_id = stream.request_id().map(str::to_owned);
        state.response_id = stream.response_id().map(str::to_owned);
    });
    if state.closed {
        drop(state);
        stream.close();
        return;
    }
    drop(state);
    loop {
        // Prepared outside the lock: the consumer takes the previous batch meanwhile.
        let step = stream.next().map(|read| read.map(&mut prepare));
        // Before the event is handed over, so that a consumer that has it sees this
        // reader's priority as it now is.
        spawner::follow_crowd(&mut crowded);
        let over = step.is_none() || matches!(step, Some(Err(_)));
        let state = publish(shared, |state| {
            if state.closed {
                return;
            }
            state.response_id = stream.response_id().map(str::to_owned);
            match step {
                Some(Ok(event)) => state.events.push_back(event),
                Some(Err(error)) => state.end = Some(Err(error)),
                None => state.end = Some(Ok(())),
            }
            if over {
                state.response = stream.response().cloned();
            }
        });
        if over {
            return;
        }
        let mut state = state;
        while state.events.len() >= MAX_BUFFERED_EVENTS && !state.closed {
            state = shared.space.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        if state.closed {
            drop(state);
            stream.close();
            return;
        }
    }
}

/// Ends a pump whose reader thread could not be started.
fn refused<T>(shared: &Shared<T>, error: std::io::Error) {
    drop(publish(shared, |state| {
        if state.end.is_none() && !state.ended {
            let message = format!("could not start a thread to read the stream: {error}");
            state.end = Some(Err(Error::new(ErrorKind::Connection, message)));
        }
    }));
}

mod spawner;

/// How a pump opens its stream, given the token its `close` cancels.
type Open = Box<dyn FnOnce(CancelToken) -> Result<ResponseStream> + Send>;

/// Applies `change` under the lock and, when a batch is then ready, wakes the
/// consumer (outside the lock, so that it can take the batch at once).
fn publish<'a, T>(shared: &'a Shared<T>, change: impl FnOnce(&mut State<T>)) -> MutexGuard<'a, State<T>> {
    let mut state = shared.lock();
    change(&mut state);
    if !state.has_batch() {
        return state;
    }
    shared.ready.notify_all();
    let Some(wake) = state.wake.take() else { return state };
    drop(state);
    wake.wake();
    shared.lock()
}
