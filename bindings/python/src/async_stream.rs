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
use std::sync::{Arc, Mutex};

use moveworks as core;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyList, PyTuple};

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

/// A streamed turn read ahead on its own thread, for `moveworks.AsyncResponseStream`:
/// `take*()` hand over everything read so far as `(events, end)`, `end` being None
/// (more to come), True (the turn is over; `response` holds the final response if it
/// succeeded) or the exception the turn failed with (handed out once).
#[pyclass(frozen, module = "moveworks._moveworks")]
pub(crate) struct AsyncStream {
    pump: core::StreamPump,
    wait: WaitArgs,
}

impl AsyncStream {
    /// Starts the stream: the core's spawner thread starts its reader (at a lower
    /// priority on Linux), which sends the message and reads the answer, so this
    /// returns at once and the event loop never waits for a thread start.
    pub(crate) fn spawn(
        client: core::Client,
        conversation_id: String,
        text: core::Input,
        args: StreamArgs,
    ) -> AsyncStream {
        let StreamArgs { options, wait, .. } = args;
        let pump = core::StreamPump::spawn(wait.user_cancel.as_ref(), move |token| {
            let mut options = options;
            // The pump's token: `close()` interrupts the open and the reads.
            options.wait.cancel = Some(token);
            client.stream_response(&conversation_id, &text, &options)
        });
        AsyncStream { pump, wait }
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
}

#[pymethods]
impl AsyncStream {
    /// Everything read since the last take, or None when nothing new is there yet.
    fn take<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        self.batch(py, self.pump.take())
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
        self.batch(py, self.pump.take_or_notify(move || queue.push(target)))
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
        self.batch(py, self.pump.take_or_notify(notify))
    }

    /// Stops the turn: buffered events are dropped, the read is interrupted (~20 ms),
    /// a turn not yet over ends cancelled. Idempotent.
    fn close(&self) {
        self.pump.close();
    }

    /// The final `COMPLETED` response once the turn ended successfully, else None.
    #[getter]
    fn response(&self) -> Option<PyResponse> {
        self.pump.response().map(PyResponse)
    }

    /// The response's id once the server named it.
    #[getter]
    fn response_id(&self) -> Option<String> {
        self.pump.response_id()
    }

    /// The `x-moveworks-root-uuid` of the streaming request, once it was answered.
    #[getter]
    fn request_id(&self) -> Option<String> {
        self.pump.request_id()
    }
}
