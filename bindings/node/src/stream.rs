//! A streamed turn ([`NativeResponseStream`]): the core's [`StreamPump`], which opens
//! the turn and reads it on a small thread of its own, handed to JS a batch at a time.
//!
//! Why not a step per event on tokio's blocking pool (as before): a step holds its
//! pool thread for as long as the server is silent, so open streams used up the pool
//! (every other call waited behind them) and every event cost a round trip to a pool
//! thread and back. Here a stream waiting for the server holds only its own reader
//! thread, and `next` hands over everything already read: at once (no Promise) when
//! something is buffered, otherwise through one Promise that the reader thread
//! settles as soon as something is (one thread hop per batch, not per event).
//!
//! The JS thread does not even start the reader: a process-wide spawner thread does
//! (a thousand streams opened in one tick would otherwise hold the event loop for the
//! thread starts), and readers run at a lower priority than the JS thread.

use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use moveworks::{CancelToken, PumpBatch, ResponseStatus, ResponseStream, StreamEvent, StreamPump};
use napi::bindgen_prelude::*;
use napi::JsDeferred;
use napi_derive::napi;

use crate::convert::{push_event_json, to_napi};

/// A streamed turn (the core's `StreamPump`); the JS `ResponseStream` async iterable wraps it.
///
/// Garbage collecting it (a stream its user stopped reading without `close`) drops the
/// pump, which closes the connection and ends the reader thread: nothing is left behind.
#[napi]
pub struct NativeResponseStream {
    /// Only this object holds it strongly (the spawner and a pending notify hold it
    /// weakly), so the garbage collector's drop of this object closes an abandoned stream.
    inner: Arc<Inner>,
}

struct Inner {
    slot: Mutex<Slot>,
}

/// Where the stream's pump is.
enum Slot {
    /// The spawner has not started it yet: a `next` waiting meanwhile, and whether
    /// `close` came first (then it is never started).
    Starting {
        waiting: Option<Arc<Pending>>,
        closed: bool,
    },
    Started(Arc<StreamPump>),
    /// The system refused a thread: the first batch's end (then "ok").
    Failed(Option<String>),
}

impl Inner {
    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The pump, once started (cloned out, so that no lock is held while using it: its
    /// `close` runs a pending notify, which takes this lock).
    fn pump(&self) -> Option<Arc<StreamPump>> {
        match &*self.slot() {
            Slot::Started(pump) => Some(pump.clone()),
            _ => None,
        }
    }
}

/// Starting a thread takes tens of microseconds, and far longer while thousands of
/// other threads are runnable (a burst of streams being opened): it is done on this one
/// process-wide thread, so that opening a stream costs the JS thread nothing but a send.
type Job = Box<dyn FnOnce() + Send>;

fn spawner() -> &'static Mutex<Sender<Job>> {
    static SPAWNER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        // Should the system refuse even this thread, jobs run where they are sent (below).
        let _ = std::thread::Builder::new().name("moveworks-spawn".into()).stack_size(256 * 1024).spawn(move || {
            for job in rx {
                job();
            }
        });
        Mutex::new(tx)
    })
}

impl NativeResponseStream {
    /// Starts the pump (on the spawner thread): `open` runs on the pump's own thread with
    /// the turn's token (a child of `cancel`, cancelled by `close`), so neither the request
    /// nor the reads hold a thread anyone waits for.
    pub(crate) fn spawn(
        cancel: Option<&CancelToken>,
        open: impl FnOnce(CancelToken) -> moveworks::Result<ResponseStream> + Send + 'static,
    ) -> Self {
        let inner = Arc::new(Inner { slot: Mutex::new(Slot::Starting { waiting: None, closed: false }) });
        let weak = Arc::downgrade(&inner);
        let cancel = cancel.cloned();
        let job: Job = Box::new(move || start(&weak, cancel.as_ref(), open));
        let sent = spawner().lock().unwrap_or_else(PoisonError::into_inner).send(job);
        if let Err(unsent) = sent {
            (unsent.0)();
        }
        NativeResponseStream { inner }
    }
}

/// The spawner's job: starts the pump unless the stream was closed (or collected) first,
/// and hands it a `next` that came meanwhile.
fn start(
    inner: &Weak<Inner>,
    cancel: Option<&CancelToken>,
    open: impl FnOnce(CancelToken) -> moveworks::Result<ResponseStream> + Send + 'static,
) {
    // Collected before it started: nobody can read it, so the message is not sent.
    let Some(inner) = inner.upgrade() else { return };
    if matches!(&*inner.slot(), Slot::Starting { closed: true, .. }) {
        return; // closed before it started: nothing is sent (`close` settled a waiting `next`)
    }
    // Started without the lock held, so that `next` and `close` never wait for a thread start.
    let started = StreamPump::spawn(cancel, move |token| {
        lower_priority();
        open(token)
    });
    let mut slot = inner.slot();
    let Slot::Starting { waiting, closed } = &mut *slot else { return };
    let (waiting, closed) = (waiting.take(), *closed);
    match started {
        Ok(pump) => {
            let pump = Arc::new(pump);
            *slot = Slot::Started(pump.clone());
            drop(slot);
            if closed {
                pump.close(); // closed while it started
            } else if let Some(pending) = waiting {
                wait_for_batch(&inner, &pump, pending);
            }
        }
        Err(e) => {
            let end = batch_end_json(Some(Err(e)), None, None);
            match waiting {
                Some(pending) => {
                    *slot = Slot::Failed(None);
                    drop(slot);
                    pending.settle(end);
                }
                None => *slot = Slot::Failed(Some(end)),
            }
        }
    }
}

/// Lowers the calling reader thread's scheduling priority (Linux: nice +10, this thread
/// only). Why: while many streams are busy at once (a thousand answers arriving on a
/// small machine), each runnable reader thread got the same share of the CPU as the JS
/// thread, which serves all of them, and the event loop stalled. A reader needs little
/// CPU; the JS thread comes first. (The Python binding does the same, measured there.)
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        extern "C" {
            fn nice(inc: std::ffi::c_int) -> std::ffi::c_int;
        }
        // SAFETY: glibc's nice() only changes the calling thread's priority on Linux; its
        // result (the new nice value, or -1 with errno) is of no use here.
        unsafe {
            nice(10);
        }
    }
}

/// Has `pending` settled with the pump's next batch: now if there is one, else from the
/// reader thread when there is (the batch becomes JSON there, off the JS thread).
fn wait_for_batch(inner: &Arc<Inner>, pump: &Arc<StreamPump>, pending: Arc<Pending>) {
    let notified = pending.clone();
    let weak = Arc::downgrade(inner);
    let raced = pump.take_or_notify(move || {
        let pump = weak.upgrade().and_then(|inner| inner.pump());
        let json = pump.and_then(|p| p.take().map(|batch| batch_json(&p, batch)));
        // Gone (garbage collected) or nothing after all: an empty batch.
        notified.settle(json.unwrap_or_else(|| EMPTY_BATCH.to_owned()));
    });
    if let Some(batch) = raced {
        // Something arrived between the two takes: hand it over through the promise.
        pending.settle(batch_json(pump, batch));
    }
}

/// What a batch's promise resolves with, built on the thread that settles it.
type Resolver = Box<dyn FnOnce(Env) -> Result<String> + Send>;

/// A `next` promise waiting for the reader thread. Settled exactly once: by the
/// notify, or, should the notify be dropped unrun (replaced by a later registration),
/// with an empty batch (JS then asks again), because an unsettled deferred would keep
/// its threadsafe function, and with it the event loop, alive forever.
struct Pending(Mutex<Option<JsDeferred<String, Resolver>>>);

impl Pending {
    fn settle(&self, batch: String) {
        let deferred = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(deferred) = deferred {
            deferred.resolve(Box::new(move |_| Ok(batch)));
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.settle(EMPTY_BATCH.to_owned());
    }
}

/// A batch with nothing in it and more to come.
const EMPTY_BATCH: &str = r#"{"events":[],"end":null}"#;

#[napi]
impl NativeResponseStream {
    /// Everything read since the last call, as one JSON string: `{"events": [{"event":
    /// <StreamEvent wire JSON>, "known": bool, "request_id", "http_headers", "succeeded":
    /// bool}, ...], "end": null | "ok" | <error>, "response_id", "request_id"}`
    /// (`succeeded`: the turn ended with this event and has its final response; `end`:
    /// null while more may come, "ok" once over, or the error the turn failed with, as
    /// the message of the errors this addon rejects with, handed out once).
    /// Returned at once when something is buffered, else as a Promise that the reader
    /// thread resolves when something is (possibly an empty batch: ask again).
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn next<'env>(&self, env: &'env Env) -> Result<Either<String, PromiseRaw<'env, String>>> {
        let pump = {
            let mut slot = self.inner.slot();
            match &mut *slot {
                Slot::Started(pump) => pump.clone(),
                Slot::Failed(end) => {
                    return Ok(Either::A(end.take().unwrap_or_else(|| batch_end_json(Some(Ok(())), None, None))))
                }
                Slot::Starting { waiting, .. } => {
                    // Not started yet: the spawner hands this wait to the pump.
                    let (pending, promise) = pending(env)?;
                    *waiting = Some(pending);
                    return Ok(Either::B(promise));
                }
            }
        };
        if let Some(batch) = pump.take() {
            return Ok(Either::A(batch_json(&pump, batch)));
        }
        let (pending, promise) = pending(env)?;
        wait_for_batch(&self.inner, &pump, pending);
        Ok(Either::B(promise))
    }

    /// Ends the stream now (the core's `StreamPump::close`): buffered events are dropped,
    /// the reader's read is interrupted and its connection closed (~20 ms); a pending
    /// `next` resolves. A turn not yet ended ends `cancelled`; one that ended keeps its
    /// outcome. Not started yet, it never starts. Idempotent.
    #[napi]
    pub fn close(&self) {
        let waiting = {
            let mut slot = self.inner.slot();
            match &mut *slot {
                Slot::Started(pump) => {
                    let pump = pump.clone();
                    drop(slot);
                    pump.close();
                    return;
                }
                Slot::Starting { waiting, closed } => {
                    *closed = true;
                    waiting.take()
                }
                Slot::Failed(_) => None,
            }
        };
        drop(waiting); // settles it, outside the lock
    }

    /// The response's id, once the server named it.
    #[napi(getter)]
    pub fn response_id(&self) -> Option<String> {
        self.inner.pump().and_then(|p| p.response_id())
    }

    /// The `x-moveworks-root-uuid` of the streaming request, once it was answered.
    #[napi(getter)]
    pub fn request_id(&self) -> Option<String> {
        self.inner.pump().and_then(|p| p.request_id())
    }
}

/// A new `next` promise and what settles it.
fn pending<'env>(env: &'env Env) -> Result<(Arc<Pending>, PromiseRaw<'env, String>)> {
    let (deferred, promise) = env.create_deferred::<String, Resolver>()?;
    Ok((Arc::new(Pending(Mutex::new(Some(deferred)))), PromiseRaw::new(env.raw(), promise.raw())))
}

/// True for the event a successful turn ends with: the core's `RESPONSE_COMPLETED`
/// carrying a `COMPLETED` final response (any other terminal event ends in an error).
fn succeeded(event: &StreamEvent) -> bool {
    matches!(event, StreamEvent::ResponseCompleted { response: Some(r), .. } if r.status == ResponseStatus::Completed)
}

/// A batch as the JSON string `next` returns.
fn batch_json(pump: &StreamPump, batch: PumpBatch) -> String {
    let mut out = Vec::with_capacity(256 + 1024 * batch.events.len());
    out.extend_from_slice(br#"{"events":["#);
    let mut end = batch.end;
    for (i, event) in batch.events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let mark = out.len();
        if let Err(e) = push_event_json(&mut out, event, succeeded(event)) {
            // An event that cannot be serialized ends the turn with that error (as the
            // step that read it did before).
            out.truncate(mark.saturating_sub(usize::from(i > 0)));
            end = Some(Err(e));
            break;
        }
    }
    push_batch_end(&mut out, end, pump.response_id(), pump.request_id());
    // The core's serializer writes UTF-8 only.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A batch without events: `end` and the ids.
fn batch_end_json(
    end: Option<moveworks::Result<()>>,
    response_id: Option<String>,
    request_id: Option<String>,
) -> String {
    let mut out = br#"{"events":["#.to_vec();
    push_batch_end(&mut out, end, response_id, request_id);
    String::from_utf8(out).unwrap_or_default()
}

/// Closes a batch's JSON after its events: `],"end":...,"response_id":...,"request_id":...}`.
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
        out.extend_from_slice(if key == "end" { b"]," } else { b"," });
        let _ = serde_json::to_writer(&mut *out, key);
        out.push(b':');
        let _ = serde_json::to_writer(&mut *out, &value);
    }
    out.push(b'}');
}
