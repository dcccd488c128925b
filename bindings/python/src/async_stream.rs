//! `AsyncStream`: a streamed turn for asyncio, read on a thread of its own
//! (`moveworks::StreamPump`), and `LoopWaker`, how its reader thread wakes the event
//! loop without the GIL.
//!
//! Why a thread per stream and not a step per event on the runtime's blocking pool:
//! a step held a pool thread for the whole wait for the server, so 64 open streams
//! (the pool's size) made the 65th stream, and every other async call, wait. A
//! pump's thread is the stream's own; nothing else waits behind it.
//!
//! Why a wake-up socket and not `loop.call_soon_threadsafe` from the reader thread:
//! that needs the GIL, and a thousand reader threads each taking it once per batch
//! would keep taking it from the event loop's thread (every waiting thread asks the
//! running one to drop it). Here a reader thread only pushes the stream's wake-up
//! target onto its loop's queue and, when the queue was empty, writes one byte to a
//! socket the loop watches (`loop.add_reader`); the loop's thread then wakes every
//! ready stream at once (`moveworks._async`). Events stay in the pump until the
//! consumer takes them, all of them in one batch.

use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::sync::{Arc, Mutex, OnceLock};

use moveworks as core;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyList, PyTuple};

use crate::bridge;
use crate::models::PyResponse;
use crate::stream::{raise, turn_error, PyStreamEvent, StreamArgs};
use crate::wait::WaitArgs;

/// The wake-up socket pair: a Unix socket pair, or on Windows (no `socketpair`) a
/// loopback TCP connection; its selector event loop watches sockets only.
#[cfg(unix)]
type Pipe = std::os::unix::net::UnixStream;
#[cfg(not(unix))]
type Pipe = std::net::TcpStream;

#[cfg(unix)]
fn pipe() -> std::io::Result<(Pipe, Pipe)> {
    Pipe::pair()
}

#[cfg(not(unix))]
fn pipe() -> std::io::Result<(Pipe, Pipe)> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    let writer = Pipe::connect(listener.local_addr()?)?;
    writer.set_nodelay(true)?;
    let (reader, _) = listener.accept()?;
    Ok((reader, writer))
}

#[cfg(unix)]
fn fileno(pipe: &Pipe) -> i64 {
    use std::os::unix::io::AsRawFd;
    i64::from(pipe.as_raw_fd())
}

#[cfg(not(unix))]
fn fileno(pipe: &Pipe) -> i64 {
    use std::os::windows::io::AsRawSocket;
    pipe.as_raw_socket() as i64
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The wake-up targets of one event loop's streams, and the socket that tells the loop.
struct WakeQueue {
    ready: Mutex<Vec<Py<PyAny>>>,
    writer: Pipe,
}

impl WakeQueue {
    /// Called on a reader thread, without the GIL.
    fn push(&self, target: Py<PyAny>) {
        let first = {
            let mut ready = lock(&self.ready);
            ready.push(target);
            ready.len() == 1
        };
        // One byte per non-empty queue: the loop takes the whole queue after reading the
        // socket, so a target pushed after that take finds the queue empty and writes again.
        // A full socket buffer (WouldBlock) means a wake-up is pending anyway.
        if first {
            let _ = (&self.writer).write(&[1]);
        }
    }
}

/// One event loop's wake-up socket (made by `moveworks._async` per loop): reader
/// threads push ready streams without the GIL; `drain()`, the loop's reader callback,
/// hands them over.
#[pyclass(frozen, module = "moveworks._moveworks")]
pub(crate) struct LoopWaker {
    queue: Arc<WakeQueue>,
    reader: Pipe,
}

#[pymethods]
impl LoopWaker {
    #[new]
    fn new() -> PyResult<Self> {
        let (reader, writer) = pipe()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        Ok(LoopWaker { queue: Arc::new(WakeQueue { ready: Mutex::new(Vec::new()), writer }), reader })
    }

    /// The file descriptor the event loop watches for reading.
    fn fileno(&self) -> i64 {
        fileno(&self.reader)
    }

    /// Empties the socket, then returns the targets pushed since the last drain.
    fn drain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let mut buf = [0u8; 64];
        loop {
            match (&self.reader).read(&mut buf) {
                Ok(n) if n == buf.len() => continue,
                Err(e) if e.kind() == IoErrorKind::Interrupted => continue,
                _ => break,
            }
        }
        let ready = std::mem::take(&mut *lock(&self.queue.ready));
        PyList::new(py, ready)
    }
}

/// Lowers the calling reader thread's scheduling priority (Linux: +10 nice, this
/// thread only). Why: when a thousand streams are busy at once (say, all answering
/// at the same moment on a small machine), a thousand runnable reader threads each
/// got the same share of the CPU as the event loop's thread, which serves all of
/// them, and the loop stalled for hundreds of milliseconds (measured with
/// bench/python/bench_concurrent_streams.py on 2 cores: loop lag 120 to 350 ms at the
/// normal priority, 45 to 125 ms at +10). A reader needs little CPU; the loop first.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: nice() has no memory effects; on Linux it changes only the calling thread.
    unsafe {
        libc::nice(10);
    }
}

/// A consumer's wake-up (see `StreamPump::take_or_notify`).
type Notify = Box<dyn FnOnce() + Send>;

/// What the stream is before its pump exists (the pump is started on the runtime's
/// worker thread, not on the event loop's, because starting a thread takes tens of
/// microseconds and a thousand streams opened at once would block the loop for as
/// many milliseconds).
#[derive(Default)]
struct Early {
    /// A wake-up registered before the pump existed: called (once) when it does.
    notify: Option<Notify>,
    closed: bool,
    /// The pump could not start: the first batch's end.
    failed: Option<core::Error>,
    /// The end was handed out while there was no pump: later batches are over.
    ended: bool,
}

impl Early {
    /// The batch of a stream that has no pump and never will, if that is the case.
    fn batch(&mut self) -> Option<core::PumpBatch> {
        let end = if self.ended {
            Ok(())
        } else if let Some(e) = self.failed.take() {
            Err(e)
        } else if self.closed {
            Err(core::Error::cancelled())
        } else {
            return None;
        };
        self.ended = true;
        Some(core::PumpBatch { events: Vec::new(), end: Some(end) })
    }
}

struct Slot {
    pump: OnceLock<core::StreamPump>,
    early: Mutex<Early>,
}

impl Slot {
    /// `take`, or `take_or_notify` when `notify` is given, whether or not the pump exists yet.
    fn take(&self, notify: Option<Notify>) -> Option<core::PumpBatch> {
        let from_pump = |pump: &core::StreamPump, notify: Option<Notify>| match notify {
            Some(notify) => pump.take_or_notify(notify),
            None => pump.take(),
        };
        if let Some(pump) = self.pump.get() {
            return from_pump(pump, notify);
        }
        let mut early = lock(&self.early);
        // The pump is set under this lock: checked again, it is either there or the
        // notify registered below is called once it is.
        if let Some(pump) = self.pump.get() {
            drop(early);
            return from_pump(pump, notify);
        }
        let batch = early.batch();
        if batch.is_none() {
            early.notify = notify;
        }
        batch
    }

    /// Starts the pump (on the runtime's worker thread) unless the stream was closed first.
    fn start(
        &self,
        cancel: Option<&core::CancelToken>,
        open: impl FnOnce(core::CancelToken) -> core::Result<core::ResponseStream> + Send + 'static,
    ) {
        {
            let mut early = lock(&self.early);
            if early.closed {
                // Closed before it started: nothing is sent; a waiting consumer sees the end.
                let notify = early.notify.take();
                drop(early);
                if let Some(notify) = notify {
                    notify();
                }
                return;
            }
        }
        let started = core::StreamPump::spawn(cancel, open);
        let mut early = lock(&self.early);
        match started {
            Ok(pump) => {
                let pump = self.pump.get_or_init(|| pump);
                if early.closed {
                    pump.close();
                }
            }
            Err(e) => early.failed = Some(e),
        }
        let notify = early.notify.take();
        drop(early);
        // The consumer looks again (and registers with the pump if nothing is there yet).
        if let Some(notify) = notify {
            notify();
        }
    }

    fn close(&self) {
        let notify = {
            let mut early = lock(&self.early);
            early.closed = true;
            early.notify.take()
        };
        if let Some(pump) = self.pump.get() {
            pump.close();
        }
        if let Some(notify) = notify {
            notify();
        }
    }
}

/// A streamed turn read ahead on its own thread, for `moveworks.AsyncResponseStream`:
/// `take*()` hand over everything read so far as `(events, end)`, `end` being None
/// (more to come), True (the turn is over; `response` holds the final response if it
/// succeeded) or the exception the turn failed with (handed out once). Dropping it
/// closes the stream.
#[pyclass(frozen, module = "moveworks._moveworks")]
pub(crate) struct AsyncStream {
    slot: Arc<Slot>,
    wait: WaitArgs,
}

impl Drop for AsyncStream {
    fn drop(&mut self) {
        self.slot.close();
    }
}

impl AsyncStream {
    /// Starts the stream's thread, which sends the message and reads the answer: from
    /// the runtime's worker thread, so that this returns at once.
    pub(crate) fn spawn(
        client: core::Client,
        conversation_id: String,
        text: String,
        args: StreamArgs,
    ) -> PyResult<AsyncStream> {
        let StreamArgs { options, wait, .. } = args;
        let slot = Arc::new(Slot { pump: OnceLock::new(), early: Mutex::new(Early::default()) });
        let (starting, cancel) = (Arc::clone(&slot), wait.user_cancel.clone());
        bridge::detach(move || {
            starting.start(cancel.as_ref(), move |token| {
                lower_priority();
                let mut options = options;
                // The pump's token: `close()` interrupts the open and the reads.
                options.wait.cancel = Some(token);
                client.stream_response(&conversation_id, &text, &options)
            })
        })?;
        Ok(AsyncStream { slot, wait })
    }

    fn batch<'py>(&self, py: Python<'py>, batch: Option<core::PumpBatch>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Some(batch) = batch else { return Ok(None) };
        let events = PyList::new(py, batch.events.into_iter().map(PyStreamEvent::from))?;
        let end = match batch.end {
            None => py.None().into_bound(py),
            Some(Ok(())) => PyBool::new(py, true).to_owned().into_any(),
            Some(Err(e)) => raise(py, turn_error(&self.wait, e)).into_value(py).into_bound(py).into_any(),
        };
        Ok(Some(PyTuple::new(py, [events.into_any(), end])?))
    }

    fn pump(&self) -> Option<&core::StreamPump> {
        self.slot.pump.get()
    }
}

#[pymethods]
impl AsyncStream {
    /// Everything read since the last take, or None when nothing new is there yet.
    fn take<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        self.batch(py, self.slot.take(None))
    }

    /// As `take()`; when nothing is there yet, `target` is pushed onto `waker`'s queue
    /// (from the reader thread, without the GIL) as soon as something is, or on close.
    /// A later registration replaces this one.
    fn take_or_wake<'py>(
        &self,
        py: Python<'py>,
        waker: &Bound<'_, LoopWaker>,
        target: Py<PyAny>,
    ) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let queue = Arc::clone(&waker.get().queue);
        self.batch(py, self.slot.take(Some(Box::new(move || queue.push(target)))))
    }

    /// As `take_or_wake`, for loops that cannot watch a socket: `callback()` is called
    /// instead, from the reader thread with the GIL (e.g. `loop.call_soon_threadsafe`).
    fn take_or_call<'py>(&self, py: Python<'py>, callback: Py<PyAny>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let notify = move || {
            // Not while the interpreter finalizes: nobody waits any more.
            let _ = Python::try_attach(|py| {
                if let Err(e) = callback.call0(py) {
                    e.write_unraisable(py, None);
                }
            });
        };
        self.batch(py, self.slot.take(Some(Box::new(notify))))
    }

    /// Stops the turn: buffered events are dropped, the read is interrupted (~20 ms),
    /// a turn not yet over ends cancelled. Idempotent.
    fn close(&self) {
        self.slot.close();
    }

    /// The final `COMPLETED` response once the turn ended successfully, else None.
    #[getter]
    fn response(&self) -> Option<PyResponse> {
        self.pump().and_then(core::StreamPump::response).map(PyResponse)
    }

    /// The response's id once the server named it.
    #[getter]
    fn response_id(&self) -> Option<String> {
        self.pump().and_then(core::StreamPump::response_id)
    }

    /// The `x-moveworks-root-uuid` of the streaming request, once it was answered.
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.pump().and_then(core::StreamPump::request_id)
    }
}
