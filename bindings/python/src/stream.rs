//! Streamed turns: the core's `ResponseStream` as a Python iterator, its events as
//! frozen classes, and `stream_response_and_wait` (the asyncio form is
//! `async_stream.rs`).
//!
//! Everything a turn decides (SSE parsing, the polling fallback, errors) is the
//! core's: this module converts arguments and events, releases the GIL while the
//! core blocks, and maps Python's ways of stopping (Ctrl-C, `close()`, dropping
//! the object) onto the core's cancel token.

use std::sync::{Arc, Mutex, TryLockError};

use moveworks as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyTuple};

use crate::bridge::Failure;
use crate::convert::*;
use crate::models::*;
use crate::wait::*;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ---- events -------------------------------------------------------------------------------------

/// Declares one event class: a frozen wrapper of the core's `StreamEvent` (always of
/// `$variant`) with the methods every event shares: `event` (the wire name),
/// `sequence_number`, `to_json`/`to_dict` (the core's serializer: `{"event": NAME,
/// "sequence_number": n, ...fields}`) and `__repr__`; `$body` adds the variant's getters.
macro_rules! stream_event {
    ($(#[$doc:meta])* $name:ident, $pyname:literal, $variant:ident, [$($field:literal),*], { $($body:tt)* }) => {
        $(#[$doc])*
        #[pyclass(frozen, eq, module = "moveworks", name = $pyname)]
        #[derive(Clone, PartialEq)]
        pub(crate) struct $name(core::StreamEvent);

        #[pymethods]
        impl $name {
            /// The event's name as sent, e.g. `"RESPONSE_OUTPUT_DELTA"`.
            #[getter]
            fn event(&self) -> &str {
                self.0.event_name()
            }
            /// The server's event counter (1, 2, … over the stream); None when the event
            /// carried none (and for what a turn finished by polling delivers).
            #[getter]
            fn sequence_number(&self) -> Option<u64> {
                self.0.sequence_number()
            }
            /// The event as JSON, from the core's serializer: `{"event": NAME, "sequence_number": n, ...its fields}`.
            fn to_json(&self, py: Python<'_>) -> PyResult<String> {
                serde_json::to_string(&self.0)
                    .map_err(|e| to_py_err(py, core::Error::new(core::ErrorKind::Decode, e.to_string())))
            }
            /// `to_json()` as plain dicts and lists.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                py.import("json")?.call_method1("loads", (self.to_json(py)?,))
            }
            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                repr_of(slf.as_any(), $pyname, &[$($field),*])
            }
            $($body)*
        }
    };
}

/// A field of the wrapped event, whose variant the class guarantees.
macro_rules! field {
    ($event:expr, $variant:ident, $field:ident) => {
        match &$event {
            core::StreamEvent::$variant { $field, .. } => $field,
            _ => unreachable!(concat!("a ", stringify!($variant), " class wraps only that variant")),
        }
    };
}

stream_event!(
    /// `RESPONSE_CREATED`: the server accepted the message and named the response.
    PyResponseCreated, "ResponseCreated", ResponseCreated, ["sequence_number", "response_id", "conversation_id", "status"], {
    /// The new response's id, `resp_…`.
    #[getter]
    fn response_id(&self) -> &str {
        field!(self.0, ResponseCreated, response_id)
    }
    /// The conversation, when the server sends it.
    #[getter]
    fn conversation_id(&self) -> Option<&str> {
        field!(self.0, ResponseCreated, conversation_id).as_deref()
    }
    /// The response's status (a `ResponseStatus`), when the server sends it.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        field!(self.0, ResponseCreated, status).as_ref().map(|s| status_enum(py, s)).transpose()
    }
    /// The newly created `Response`, as the server sent it (None from servers that send
    /// only its id).
    #[getter]
    fn response(&self) -> Option<PyResponse> {
        self.0.response().cloned().map(PyResponse)
    }
});

stream_event!(
    /// `RESPONSE_IN_PROGRESS`: the assistant is working on the response.
    PyResponseInProgress, "ResponseInProgress", ResponseInProgress, ["sequence_number", "response_id", "status"], {
    /// The response's id.
    #[getter]
    fn response_id(&self) -> Option<&str> {
        self.0.response_id()
    }
    /// The response's status (a `ResponseStatus`), when the server sends it.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        field!(self.0, ResponseInProgress, status).as_ref().map(|s| status_enum(py, s)).transpose()
    }
    /// The `Response` so far, as the server sent it.
    #[getter]
    fn response(&self) -> Option<PyResponse> {
        self.0.response().cloned().map(PyResponse)
    }
});

stream_event!(
    /// `RESPONSE_OUTPUT_DELTA`: one output grew; `output` is the whole item so far (e.g.
    /// the assistant's message with the text received until now). Also what a turn
    /// finished by polling delivers for each output that grew (with `sequence_number`
    /// None). `OutputDelta` is a deprecated alias of this class.
    PyResponseOutputDelta, "ResponseOutputDelta", ResponseOutputDelta, ["sequence_number", "output_type", "output"], {
    /// The response's id.
    #[getter]
    fn response_id(&self) -> Option<&str> {
        self.0.response_id()
    }
    /// The output's type (`output.type`), e.g. `"MESSAGE"` or `"REASONING_MESSAGE"`.
    #[getter]
    fn output_type(&self) -> &str {
        field!(self.0, ResponseOutputDelta, output_type)
    }
    /// The output item so far, shaped like an entry of `Response.outputs`.
    #[getter]
    fn output(&self) -> PyOutputItem {
        PyOutputItem(field!(self.0, ResponseOutputDelta, output).clone())
    }
});

stream_event!(
    /// `RESPONSE_COMPLETED`: the last event of a successful turn; `response` is the
    /// final `Response` (a live-agent handoff completes with no outputs, and is a success).
    PyResponseCompleted, "ResponseCompleted", ResponseCompleted, ["sequence_number", "response_id", "status", "response"], {
    /// The response's id.
    #[getter]
    fn response_id(&self) -> Option<&str> {
        self.0.response_id()
    }
    /// The final status (a `ResponseStatus`: `COMPLETED`; `FAILED` only from servers
    /// of the earlier flat shape, just before the iteration raises `ResponseFailedError`).
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        status_enum(py, field!(self.0, ResponseCompleted, status))
    }
    /// The final response (always set when the turn succeeded).
    #[getter]
    fn response(&self) -> Option<PyResponse> {
        self.0.response().cloned().map(PyResponse)
    }
});

stream_event!(
    /// `RESPONSE_FAILED`: the response failed; `response.error` says why. The iteration
    /// then raises `ResponseFailedError` carrying that response.
    PyResponseFailed, "ResponseFailed", ResponseFailed, ["sequence_number", "response_id", "response"], {
    /// The response's id.
    #[getter]
    fn response_id(&self) -> Option<&str> {
        self.0.response_id()
    }
    /// The failed `Response` with its `error`, when the server includes it.
    #[getter]
    fn response(&self) -> Option<PyResponse> {
        self.0.response().cloned().map(PyResponse)
    }
});

stream_event!(
    /// `ERROR`: the server reported an error in the middle of the stream, which then
    /// ends. The message was already accepted (never send it again): the turn is
    /// finished by polling when the response id is known, else the iteration raises the
    /// error the code maps to, carrying `code`.
    PyErrorEvent, "ErrorEvent", Error, ["sequence_number", "code", "message"], {
    /// The server's machine-readable code, verbatim (`""` when none was sent).
    #[getter]
    fn code(&self) -> &str {
        field!(self.0, Error, code)
    }
    /// The server's description.
    #[getter]
    fn message(&self) -> &str {
        field!(self.0, Error, message)
    }
});

stream_event!(
    /// An event name this SDK version does not know, kept raw (never an error).
    PyUnknownStreamEvent, "UnknownStreamEvent", Unknown, ["event", "sequence_number", "data"], {
    /// The `data:` text as sent.
    #[getter]
    fn data(&self) -> &str {
        field!(self.0, Unknown, data)
    }
});

/// A core event as the matching Python class.
#[derive(IntoPyObject)]
pub(crate) enum PyStreamEvent {
    Created(PyResponseCreated),
    InProgress(PyResponseInProgress),
    Delta(PyResponseOutputDelta),
    Completed(PyResponseCompleted),
    Failed(PyResponseFailed),
    Error(PyErrorEvent),
    Unknown(PyUnknownStreamEvent),
}

impl From<core::StreamEvent> for PyStreamEvent {
    fn from(e: core::StreamEvent) -> Self {
        use core::StreamEvent as E;
        match e {
            E::ResponseCreated { .. } => PyStreamEvent::Created(PyResponseCreated(e)),
            E::ResponseInProgress { .. } => PyStreamEvent::InProgress(PyResponseInProgress(e)),
            E::ResponseOutputDelta { .. } => PyStreamEvent::Delta(PyResponseOutputDelta(e)),
            E::ResponseCompleted { .. } => PyStreamEvent::Completed(PyResponseCompleted(e)),
            E::ResponseFailed { .. } => PyStreamEvent::Failed(PyResponseFailed(e)),
            E::Error { .. } => PyStreamEvent::Error(PyErrorEvent(e)),
            E::Unknown { .. } => PyStreamEvent::Unknown(PyUnknownStreamEvent(e)),
        }
    }
}

// ---- blocking without holding the GIL, interruptible by Ctrl-C ----------------------------------

fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    let threading = py.import("threading")?;
    Ok(threading.call_method0("current_thread")?.is(&threading.call_method0("main_thread")?))
}

/// Runs `f` with the GIL released. On the main thread (where Python handles
/// signals) `f` runs on this same thread with the core's interrupt check installed
/// (`moveworks::interrupt::with_interrupt_check`): while the core blocks in a read
/// or a wait it wakes every ~20 ms and takes the GIL to check for Ctrl-C, which
/// cancels `cancel` (ending the blocked read or wait as cancelled); the signal's
/// exception (`KeyboardInterrupt`) is raised once `f` has returned. No thread is
/// started, and a step served from events already read never takes the GIL. A
/// user's token needs no watching: `cancel` is its child.
pub(crate) fn run_interruptible<T: Send>(
    py: Python<'_>,
    cancel: &core::CancelToken,
    f: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    if !on_main_thread(py)? {
        return Ok(py.detach(f));
    }
    let interrupted: Arc<Mutex<Option<PyErr>>> = Arc::default();
    let value = py.detach(|| {
        let (stash, token) = (Arc::clone(&interrupted), cancel.clone());
        let check = move || match Python::attach(|py| py.check_signals()) {
            Ok(()) => false,
            Err(e) => {
                *lock(&stash) = Some(e);
                token.cancel();
                true
            }
        };
        core::interrupt::with_interrupt_check(check, f)
    });
    let raised = lock(&interrupted).take();
    raised.map_or(Ok(value), Err)
}

// ---- options ------------------------------------------------------------------------------------

/// The keyword arguments of a streamed turn as the core's `StreamOptions`, with
/// an internal cancel token (cancelled by `close()`, Ctrl-C or garbage collection), a child of the user's `cancel` token when one is given.
pub(crate) struct StreamArgs {
    pub(crate) options: core::StreamOptions,
    pub(crate) wait: WaitArgs,
    pub(crate) cancel: core::CancelToken,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn stream_args(
    py: Python<'_>,
    idle_timeout: Option<f64>,
    deadline: Option<f64>,
    initial_interval: Option<f64>,
    max_interval: Option<f64>,
    backoff_factor: Option<f64>,
    user: Option<core::CancelToken>,
    on_update: Option<Py<PyAny>>,
) -> PyResult<StreamArgs> {
    let wait = wait_args(py, deadline, initial_interval, max_interval, backoff_factor, user, on_update)?;
    let cancel = wait.user_cancel.as_ref().map_or_else(core::CancelToken::new, core::CancelToken::child);
    let mut options = core::StreamOptions { wait: wait.options.clone(), ..Default::default() };
    options.wait.cancel = Some(cancel.clone());
    if let Some(d) = seconds("idle_timeout", idle_timeout).py_err(py)? {
        options.idle_timeout = d;
    }
    options.validate().py_err(py)?;
    Ok(StreamArgs { options, wait, cancel })
}

/// A core error as the exception to raise: a cancel caused by the `on_update`
/// callback's exception re-raises that exception.
pub(crate) fn turn_error(wait: &WaitArgs, e: core::Error) -> Failure {
    if e.kind() == core::ErrorKind::Cancelled {
        if let Some(err) = wait.take_callback_error() {
            return Failure::Py(err);
        }
    }
    Failure::Core(e)
}

pub(crate) fn raise(py: Python<'_>, f: Failure) -> PyErr {
    match f {
        Failure::Core(e) => to_py_err(py, e),
        Failure::Py(e) => e,
    }
}

// ---- ResponseStream -----------------------------------------------------------------------------

/// What the attributes show, updated after every step (read without waiting for a step).
#[derive(Default)]
struct Snapshot {
    response_id: Option<String>,
    request_id: Option<String>,
    response: Option<core::Response>,
}

struct Shared {
    stream: Mutex<core::ResponseStream>,
    snapshot: Mutex<Snapshot>,
    cancel: core::CancelToken,
    wait: WaitArgs,
}

impl Shared {
    fn new(stream: core::ResponseStream, args: StreamArgs) -> Arc<Shared> {
        let shared = Shared {
            snapshot: Mutex::new(Snapshot::default()),
            stream: Mutex::new(stream),
            cancel: args.cancel,
            wait: args.wait,
        };
        shared.update(&lock(&shared.stream));
        Arc::new(shared)
    }

    fn update(&self, s: &core::ResponseStream) {
        let mut snap = lock(&self.snapshot);
        snap.response_id = s.response_id().map(str::to_owned);
        snap.request_id = s.request_id().map(str::to_owned);
        if snap.response.is_none() {
            snap.response = s.response().cloned();
        }
    }

    /// The core stream, closed first when the token was cancelled between steps.
    fn locked(&self) -> std::sync::MutexGuard<'_, core::ResponseStream> {
        let mut s = lock(&self.stream);
        if self.cancel.is_cancelled() && !s.is_finished() {
            s.close();
        }
        s
    }

    /// The next event (blocking; call without the GIL).
    fn step(&self) -> Result<Option<core::StreamEvent>, Failure> {
        let mut s = self.locked();
        let next = s.next();
        self.update(&s);
        drop(s);
        next.transpose().map_err(|e| turn_error(&self.wait, e))
    }

    /// Drains the stream (blocking; call without the GIL).
    fn finish(&self) -> Result<core::Response, Failure> {
        let mut s = self.locked();
        let outcome = s.finish();
        self.update(&s);
        drop(s);
        outcome.map_err(|e| turn_error(&self.wait, e))
    }

    fn close(&self) {
        self.cancel.cancel();
        // A step in progress ends by itself within ~20 ms, seeing the token.
        let guard = match self.stream.try_lock() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        };
        if let Some(mut s) = guard {
            s.close();
            self.update(&s);
        }
    }
}

/// A streamed answer: iterate it for the events (`ResponseCreated`,
/// `ResponseOutputDelta`, …, `ResponseCompleted` last), then read `response`.
///
/// Each step blocks (with the GIL released) until the next event; Ctrl-C
/// interrupts it. If the stream breaks or the server sends `ERROR` (an `ErrorEvent`)
/// once the response id is known, the turn is finished by polling (the message is
/// never sent twice; each output that grew arrives as a `ResponseOutputDelta` with
/// `sequence_number` None) and still ends with `ResponseCompleted`. A failed turn
/// raises (`ResponseFailedError` after `ResponseFailed`, `PollTimeoutError`,
/// `WaitCancelledError`, …).
/// `close()` (thread-safe), leaving a `with` block, or dropping the object closes
/// the connection; the response goes on server-side (see `response_id`).
#[pyclass(frozen, module = "moveworks")]
pub(crate) struct ResponseStream {
    shared: Arc<Shared>,
}

impl Drop for ResponseStream {
    fn drop(&mut self) {
        // A step still running in another thread ends promptly and drops the connection.
        self.shared.cancel.cancel();
    }
}

impl ResponseStream {
    pub(crate) fn open(
        py: Python<'_>,
        client: &core::Client,
        conversation_id: &str,
        text: &core::Input,
        args: StreamArgs,
    ) -> PyResult<ResponseStream> {
        let options = &args.options;
        let opened = run_interruptible(py, &args.cancel, || client.stream_response(conversation_id, text, options))?;
        let stream = opened.py_err(py)?;
        Ok(ResponseStream { shared: Shared::new(stream, args) })
    }
}

#[pymethods]
impl ResponseStream {
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyStreamEvent>> {
        let shared = &self.shared;
        let step = run_interruptible(py, &shared.cancel, || shared.step())?;
        step.map(|e| e.map(PyStreamEvent::from)).map_err(|f| raise(py, f))
    }

    /// Reads the remaining events and returns the final `Response`, or raises the
    /// error the turn ended with. Callable more than once.
    fn finish(&self, py: Python<'_>) -> PyResult<PyResponse> {
        let shared = &self.shared;
        let outcome = run_interruptible(py, &shared.cancel, || shared.finish())?;
        outcome.map(PyResponse).map_err(|f| raise(py, f))
    }

    /// The final `Response`: after a successful loop, the one its `RESPONSE_COMPLETED`
    /// carried; otherwise the remaining events are read (and discarded) first. Raises the
    /// turn's error instead. Callable more than once (Node's `finalResponse()`).
    fn final_response(&self, py: Python<'_>) -> PyResult<PyResponse> {
        self.finish(py)
    }

    /// Stops the turn and closes the connection. Thread-safe: an iteration blocked
    /// in another thread raises `WaitCancelledError` (naming the response) within
    /// ~20 ms; later iterations stop. Idempotent; no effect once the turn ended.
    fn close(&self) {
        self.shared.close();
    }

    /// The final `COMPLETED` response once the turn ended successfully, else None.
    #[getter]
    fn response(&self) -> Option<PyResponse> {
        lock(&self.shared.snapshot).response.clone().map(PyResponse)
    }

    /// The response's id once the server named it (resume with `wait_for_response`).
    #[getter]
    fn response_id(&self) -> Option<String> {
        lock(&self.shared.snapshot).response_id.clone()
    }

    /// The `x-moveworks-root-uuid` of the streaming request (quote it to support).
    #[getter]
    fn request_id(&self) -> Option<String> {
        lock(&self.shared.snapshot).request_id.clone()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Leaving a `with` block closes the stream.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        self.shared.close();
        false
    }

    fn __repr__(&self) -> String {
        let snap = lock(&self.shared.snapshot);
        let quoted = |v: &Option<String>| v.as_ref().map_or("None".to_owned(), |s| format!("'{s}'"));
        format!(
            "ResponseStream(response_id={}, request_id={}, completed={})",
            quoted(&snap.response_id),
            quoted(&snap.request_id),
            if snap.response.is_some() { "True" } else { "False" }
        )
    }
}

// ---- stream_response_and_wait --------------------------------------------------------------------

fn check_callable(py: Python<'_>, name: &str, cb: &Option<Py<PyAny>>) -> PyResult<()> {
    match cb {
        Some(cb) if !cb.bind(py).is_callable() => Err(PyTypeError::new_err(format!("{name} must be callable"))),
        _ => Ok(()),
    }
}

/// The sync form: the core's `ResponseStream` stepped on this thread, so that
/// `on_event` runs on the caller's thread (as `create_response_and_wait`'s
/// `on_update` does) and Ctrl-C and `cancel` interrupt a blocked read. Stopping
/// is the core's: `close()`, then `finish()` reports the cancelled turn.
pub(crate) fn stream_and_wait(
    py: Python<'_>,
    client: &core::Client,
    conversation_id: &str,
    text: &core::Input,
    args: StreamArgs,
    on_event: Option<Py<PyAny>>,
) -> PyResult<PyResponse> {
    check_callable(py, "on_event", &on_event)?;
    let stream = ResponseStream::open(py, client, conversation_id, text, args)?;
    let shared = &stream.shared;
    loop {
        let step = run_interruptible(py, &shared.cancel, || shared.step())?;
        let event = match step {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(f) => return Err(raise(py, f)),
        };
        let Some(cb) = &on_event else { continue };
        match cb.bind(py).call1((PyStreamEvent::from(event),)) {
            // Returning exactly False stops the turn, as the core's ControlFlow::Break does.
            Ok(ret) if ret.is(&*PyBool::new(py, false)) => {
                shared.close();
                break;
            }
            Ok(_) => {}
            Err(e) => {
                shared.close();
                return Err(e);
            }
        }
    }
    let outcome = run_interruptible(py, &shared.cancel, || shared.finish())?;
    outcome.map(PyResponse).map_err(|f| raise(py, f))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ResponseStream>()?;
    m.add_class::<PyResponseCreated>()?;
    m.add_class::<PyResponseInProgress>()?;
    m.add_class::<PyResponseOutputDelta>()?;
    // Deprecated alias of ResponseOutputDelta (the event's name before the published API).
    m.add("OutputDelta", m.getattr("ResponseOutputDelta")?)?;
    m.add_class::<PyResponseCompleted>()?;
    m.add_class::<PyResponseFailed>()?;
    m.add_class::<PyErrorEvent>()?;
    m.add_class::<PyUnknownStreamEvent>()?;
    Ok(())
}
