//! Python extension module of the Moveworks SDK (pyo3), imported as
//! `moveworks._moveworks` and re-exported by the `moveworks` package.
//!
//! Everything here converts: arguments into the core's types, results into
//! Python objects, core errors into the `moveworks` exception classes. Retries,
//! validation, polling decisions and error kinds all come from the core.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moveworks as core;
use moveworks::AsyncRuntime;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyInt, PyTuple, PyType};

mod bridge;
mod models;

use bridge::Failure;

use models::*;

// ---- errors -----------------------------------------------------------------

static FROM_CORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Converts a core error into an instance of the matching `moveworks` exception
/// class (the class table lives in `moveworks/_errors.py`, keyed by the core's kind string).
fn to_py_err(py: Python<'_>, e: core::Error) -> PyErr {
    match build_error(py, &e) {
        Ok(obj) => PyErr::from_value(obj),
        Err(err) => err,
    }
}

fn build_error<'py>(py: Python<'py>, e: &core::Error) -> PyResult<Bound<'py, PyAny>> {
    let make = FROM_CORE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("moveworks._errors")?.getattr("_from_core")?.unbind())
    })?;
    let kw = PyDict::new(py);
    kw.set_item("kind", e.kind().as_str())?;
    kw.set_item("message", e.message())?;
    kw.set_item("status", e.status())?;
    kw.set_item("code", e.code().map(|c| c.as_str().to_owned()))?;
    kw.set_item("request_id", e.request_id())?;
    kw.set_item("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
    kw.set_item("argument", e.argument())?;
    kw.set_item("response_id", e.response_id())?;
    kw.set_item("last_status", e.last_status().map(|s| s.as_str().to_owned()))?;
    kw.set_item("response", e.response().map(|r| PyResponse(r.clone())))?;
    kw.set_item("body_excerpt", e.body_excerpt())?;
    kw.set_item("is_transient", e.is_transient())?;
    make.bind(py).call((e.to_string(),), Some(&kw))
}

/// Result conversion for calls made while the GIL is held.
trait IntoPy<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}
impl<T> IntoPy<T> for core::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, e))
    }
}

/// Seconds (Python's convention for durations) to a `Duration`; negative,
/// NaN and infinite values are invalid arguments, not panics.
fn seconds(argument: &str, value: Option<f64>) -> core::Result<Option<Duration>> {
    value
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                core::Error::invalid_argument(argument, format_args!("{s} is not a finite number of seconds >= 0"))
            })
        })
        .transpose()
}

/// An integer argument: any Python int except bool. Ints too big for 64 bits
/// saturate, so the range checks report them as invalid arguments instead of
/// pyo3 raising `OverflowError`.
struct IntArg(i128);

impl<'a, 'py> FromPyObject<'a, 'py> for IntArg {
    type Error = PyErr;
    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
            let name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            return Err(PyTypeError::new_err(format!("expected an int, got {name}")));
        }
        match obj.extract::<i64>() {
            Ok(n) => Ok(IntArg(n.into())),
            Err(_) => Ok(IntArg(if obj.lt(0)? { i128::MIN } else { i128::MAX })),
        }
    }
}

fn out_of_range(argument: &str, n: i128) -> core::Error {
    if n == i128::MIN || n == i128::MAX {
        core::Error::invalid_argument(argument, "is out of range")
    } else {
        core::Error::invalid_argument(argument, format_args!("{n} is out of range"))
    }
}

/// A Python int to `u32`; out-of-range values are invalid arguments.
fn to_u32(argument: &str, value: Option<IntArg>) -> core::Result<Option<u32>> {
    value.map(|IntArg(n)| u32::try_from(n).map_err(|_| out_of_range(argument, n))).transpose()
}

// ---- cancel token -------------------------------------------------------------

/// Stops a wait from another thread or task. Share one token between waits to stop them all.
#[pyclass(frozen, module = "moveworks")]
#[derive(Clone, Default)]
struct CancelToken(core::CancelToken);

#[pymethods]
impl CancelToken {
    #[new]
    fn new() -> Self {
        CancelToken::default()
    }
    /// Cancels every wait using this token; they fail with `WaitCancelledError`.
    fn cancel(&self) {
        self.0.cancel()
    }
    /// True once `cancel()` was called.
    fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
    fn __repr__(&self) -> String {
        format!("CancelToken(cancelled={})", if self.0.is_cancelled() { "True" } else { "False" })
    }
}

// ---- wait options and the update callback ----------------------------------------

/// The Python-side knobs of a wait, converted into the core's `WaitOptions`.
struct WaitArgs {
    options: core::WaitOptions,
    /// The user's token (the sync wait puts its own internal token in `options`).
    user_cancel: Option<core::CancelToken>,
    /// An exception raised by the `on_update` callback, re-raised to the caller.
    callback_error: Arc<Mutex<Option<PyErr>>>,
}

#[allow(clippy::too_many_arguments)]
fn wait_args(
    py: Python<'_>,
    deadline: Option<f64>,
    initial_interval: Option<f64>,
    max_interval: Option<f64>,
    backoff_factor: Option<f64>,
    cancel: Option<core::CancelToken>,
    on_update: Option<Py<PyAny>>,
) -> PyResult<WaitArgs> {
    let mut options = core::WaitOptions::default();
    if let Some(d) = seconds("deadline", deadline).py_err(py)? {
        options.deadline = d;
    }
    if let Some(d) = seconds("initial_interval", initial_interval).py_err(py)? {
        options.initial_interval = d;
    }
    if let Some(d) = seconds("max_interval", max_interval).py_err(py)? {
        options.max_interval = d;
    }
    if let Some(f) = backoff_factor {
        options.backoff_factor = f;
    }
    let user_cancel = cancel;
    options.cancel = user_cancel.clone();
    let callback_error = Arc::new(Mutex::new(None));
    if let Some(cb) = on_update {
        if !cb.bind(py).is_callable() {
            return Err(PyTypeError::new_err("on_update must be callable"));
        }
        let slot = Arc::clone(&callback_error);
        options.on_update = Some(Arc::new(move |r: &core::Response| {
            Python::attach(|py| match cb.bind(py).call1((PyResponse(r.clone()),)) {
                // Returning exactly False stops the wait, as the core's ControlFlow::Break does.
                Ok(ret) if ret.is(&*PyBool::new(py, false)) => ControlFlow::Break(()),
                Ok(_) => ControlFlow::Continue(()),
                Err(e) => {
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    ControlFlow::Break(())
                }
            })
        }));
    }
    options.validate().py_err(py)?;
    Ok(WaitArgs { options, user_cancel, callback_error })
}

impl WaitArgs {
    /// A cancelled outcome caused by the callback's exception (or a signal) re-raises that exception.
    fn take_callback_error(&self) -> Option<PyErr> {
        self.callback_error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Longest stretch the sync wait sleeps before checking for Ctrl-C.
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// Drives the core's polling loop on the calling thread: requests run with the
/// GIL released, and sleeps release it in short slices, checking for signals
/// (Ctrl-C) and the user's cancel token between slices.
struct SyncRuntime<'py> {
    py: Python<'py>,
    /// The token the core checks; cancelled on a signal or the user's cancel.
    internal: core::CancelToken,
    user: Option<core::CancelToken>,
    interrupted: Mutex<Option<PyErr>>,
}

impl AsyncRuntime for SyncRuntime<'_> {
    fn spawn_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl std::future::Future<Output = T> + Send {
        std::future::ready(self.py.detach(f))
    }

    fn sleep(&self, duration: Duration) -> impl std::future::Future<Output = ()> + Send {
        let end = Instant::now() + duration;
        loop {
            if self.user.as_ref().is_some_and(core::CancelToken::is_cancelled) {
                self.internal.cancel();
                break;
            }
            let now = Instant::now();
            if now >= end {
                break;
            }
            let slice = (end - now).min(SIGNAL_SLICE);
            let user = self.user.clone();
            self.py.detach(move || match user {
                Some(token) => {
                    token.sleep(slice);
                }
                None => std::thread::sleep(slice),
            });
            if let Err(e) = self.py.check_signals() {
                *self.interrupted.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                self.internal.cancel();
                break;
            }
        }
        std::future::ready(())
    }
}

/// Drives the core's async polling loop on tokio: requests on tokio's blocking
/// pool, waits as tokio timers, so concurrent waits hold no thread while they sleep.
struct TokioRuntime {
    cancel: Option<core::CancelToken>,
}

impl AsyncRuntime for TokioRuntime {
    fn spawn_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl std::future::Future<Output = T> + Send {
        bridge::blocking(f)
    }

    fn sleep(&self, duration: Duration) -> impl std::future::Future<Output = ()> + Send {
        let cancel = self.cancel.clone();
        async move {
            match cancel {
                None => tokio::time::sleep(duration).await,
                // Wake in slices so a cancel is seen promptly rather than after the full interval.
                Some(token) => {
                    let end = tokio::time::Instant::now() + duration;
                    while !token.is_cancelled() && tokio::time::Instant::now() < end {
                        let left = end - tokio::time::Instant::now();
                        tokio::time::sleep(left.min(SIGNAL_SLICE)).await;
                    }
                }
            }
        }
    }
}

// ---- the client ---------------------------------------------------------------------

/// A client of the Moveworks Conversations API. Thread-safe: share one between threads.
#[pyclass(frozen, module = "moveworks")]
struct Client {
    inner: core::Client,
}

/// Keyword arguments to the core's `ClientOptions`, which names, checks and defaults
/// every option (an unknown or mistyped keyword is its `invalid_argument`). Only the
/// Python-to-JSON value conversion happens here; `None` means "not set".
fn client_options(kwargs: Option<&Bound<'_, PyDict>>) -> core::Result<core::ClientOptions> {
    let mut map = serde_json::Map::new();
    for (key, value) in kwargs.into_iter().flat_map(|d| d.iter()) {
        let key: String =
            key.extract().map_err(|_| core::Error::invalid_argument("options", "keys must be strings"))?;
        let json = to_json(&key, &value)?;
        map.insert(key, json);
    }
    core::ClientOptions::from_json_value(serde_json::Value::Object(map))
}

/// One keyword value as JSON: None, bool, int, float or str (the types options take).
fn to_json(key: &str, value: &Bound<'_, PyAny>) -> core::Result<serde_json::Value> {
    use serde_json::Value;
    if value.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bool is an int subclass.
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        let IntArg(n) = value.extract().map_err(|_| core::Error::invalid_argument(key, "is not an integer"))?;
        return match (u64::try_from(n), i64::try_from(n)) {
            (Ok(u), _) => Ok(Value::from(u)),
            (_, Ok(i)) => Ok(Value::from(i)),
            _ => Err(out_of_range(key, n)),
        };
    }
    if let Ok(f) = value.extract::<f64>() {
        // JSON has no NaN or infinity; neither is a valid option value.
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| core::Error::invalid_argument(key, "must be a finite number"));
    }
    if let Ok(s) = value.extract::<String>() {
        return Ok(Value::String(s));
    }
    Err(core::Error::invalid_argument(key, "must be a str, int, float, bool or None"))
}

/// `python/3.X`, for the `User-Agent`.
fn binding_name() -> String {
    Python::attach(|py| {
        let v = py.version_info();
        format!("python/{}.{}", v.major, v.minor)
    })
}

fn conversations_params(
    limit: Option<IntArg>,
    cursor: Option<String>,
    archived: Option<bool>,
) -> core::Result<core::ListConversationsParams> {
    Ok(core::ListConversationsParams { limit: to_u32("limit", limit)?, cursor, archived })
}

fn events_params(
    conversation_id: Option<String>,
    start_event_id: Option<String>,
    last_event_id: Option<String>,
    cursor: Option<String>,
    limit: Option<IntArg>,
) -> core::Result<core::ListEventsParams> {
    Ok(core::ListEventsParams {
        conversation_id,
        start_event_id,
        last_event_id,
        cursor,
        limit: to_u32("limit", limit)?,
    })
}

impl Client {
    /// Runs a blocking core call with the GIL released.
    fn call<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&core::Client) -> core::Result<T> + Send) -> PyResult<T> {
        let client = &self.inner;
        py.detach(|| f(client)).py_err(py)
    }

    /// Runs the core's polling loop on this thread (see [`SyncRuntime`]).
    fn wait_with(&self, py: Python<'_>, args: WaitArgs, op: WaitOp) -> PyResult<PyResponse> {
        let internal = core::CancelToken::new();
        let mut options = args.options.clone();
        options.cancel = Some(internal.clone());
        let runtime = SyncRuntime { py, internal, user: args.user_cancel.clone(), interrupted: Mutex::new(None) };
        let outcome = core::block_on(op.run(&self.inner, &runtime, &options));
        match outcome {
            Ok(r) => Ok(PyResponse(r)),
            Err(e) => {
                if e.kind() == core::ErrorKind::Cancelled {
                    if let Some(err) = runtime.interrupted.lock().unwrap_or_else(|p| p.into_inner()).take() {
                        return Err(err);
                    }
                    if let Some(err) = args.take_callback_error() {
                        return Err(err);
                    }
                }
                Err(to_py_err(py, e))
            }
        }
    }
}

/// Which of the core's two waits to run.
enum WaitOp {
    Wait { conversation_id: String, response_id: String },
    CreateAndWait { conversation_id: String, text: String },
}

impl WaitOp {
    async fn run<R: AsyncRuntime>(
        &self,
        client: &core::Client,
        runtime: &R,
        options: &core::WaitOptions,
    ) -> core::Result<core::Response> {
        match self {
            WaitOp::Wait { conversation_id, response_id } => {
                client.wait_for_response_async(runtime, conversation_id, response_id, options).await
            }
            WaitOp::CreateAndWait { conversation_id, text } => {
                client.create_response_and_wait_async(runtime, conversation_id, text, options).await
            }
        }
    }
}

#[pymethods]
impl Client {
    /// Builds a client from keyword options (the core's `ClientOptions`: see the README's
    /// options table); no request is sent.
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let inner = (|| core::Client::builder().options(client_options(options)?)?.binding(binding_name()).build())()
            .py_err(py)?;
        Ok(Client { inner })
    }

    /// A client configured from the `MOVEWORKS_*` environment variables; keyword
    /// options override them.
    #[classmethod]
    #[pyo3(signature = (**options))]
    fn from_env<'py>(cls: &Bound<'py, PyType>, options: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        let inner =
            (|| core::Client::builder_from_env()?.options(client_options(options)?)?.binding(binding_name()).build())()
                .py_err(py)?;
        Ok(Bound::new(py, Client { inner })?.into_any())
    }

    /// A client sharing this one's connections and token cache, with other per-call limits.
    #[pyo3(signature = (*, timeout=None, deadline=None, max_retries=None))]
    fn with_options(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        deadline: Option<f64>,
        max_retries: Option<IntArg>,
    ) -> PyResult<Client> {
        let options = (|| {
            Ok::<_, core::Error>(core::RequestOptions {
                timeout: seconds("timeout", timeout)?,
                deadline: seconds("deadline", deadline)?,
                max_retries: to_u32("max_retries", max_retries)?,
            })
        })()
        .py_err(py)?;
        Ok(Client { inner: self.inner.with_options(&options).py_err(py)? })
    }

    /// The base URL this client talks to.
    #[getter]
    fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// The `User-Agent` this client sends.
    #[getter]
    fn user_agent(&self) -> &str {
        self.inner.user_agent()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Leaving a `with` block closes the client.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        self.inner.close();
        false
    }

    /// Releases the pooled connections now; later calls on this client (and on
    /// `with_options` copies and AsyncClients sharing it) raise
    /// `InvalidArgumentError` (`argument == "client"`) without sending. Idempotent.
    fn close(&self) {
        self.inner.close();
    }

    fn __repr__(&self) -> String {
        format!("Client(base_url={:?})", self.inner.base_url())
    }

    /// One page of conversations, most recently updated first.
    #[pyo3(signature = (*, limit=None, cursor=None, archived=None))]
    fn list_conversations(
        &self,
        py: Python<'_>,
        limit: Option<IntArg>,
        cursor: Option<String>,
        archived: Option<bool>,
    ) -> PyResult<PyConversationPage> {
        let params = conversations_params(limit, cursor, archived).py_err(py)?;
        self.call(py, |c| c.list_conversations(&params)).map(PyConversationPage)
    }

    /// Every conversation, fetching pages lazily as the iteration goes.
    #[pyo3(signature = (*, limit=None, archived=None, cursor=None))]
    fn iter_conversations(
        &self,
        py: Python<'_>,
        limit: Option<IntArg>,
        archived: Option<bool>,
        cursor: Option<String>,
    ) -> PyResult<ConversationIterator> {
        let params = conversations_params(limit, cursor, archived).py_err(py)?;
        Ok(ConversationIterator { inner: Arc::new(Mutex::new(self.inner.iter_conversations(params))) })
    }

    /// Creates a conversation.
    #[pyo3(signature = (title=None))]
    fn create_conversation(&self, py: Python<'_>, title: Option<String>) -> PyResult<PyConversation> {
        self.call(py, |c| c.create_conversation(title.as_deref())).map(PyConversation)
    }

    /// Gets one conversation.
    fn get_conversation(&self, py: Python<'_>, conversation_id: String) -> PyResult<PyConversation> {
        self.call(py, |c| c.get_conversation(&conversation_id)).map(PyConversation)
    }

    /// Changes a conversation's title and/or archive flag.
    #[pyo3(signature = (conversation_id, *, title=None, archived=None))]
    fn update_conversation(
        &self,
        py: Python<'_>,
        conversation_id: String,
        title: Option<String>,
        archived: Option<bool>,
    ) -> PyResult<PyConversation> {
        let update = core::ConversationUpdate { title, archived };
        self.call(py, |c| c.update_conversation(&conversation_id, &update)).map(PyConversation)
    }

    /// One page of events (system-initiated messages), oldest first; `None` = all conversations.
    #[pyo3(signature = (conversation_id=None, *, start_event_id=None, last_event_id=None, cursor=None, limit=None))]
    fn list_events(
        &self,
        py: Python<'_>,
        conversation_id: Option<String>,
        start_event_id: Option<String>,
        last_event_id: Option<String>,
        cursor: Option<String>,
        limit: Option<IntArg>,
    ) -> PyResult<PyEventPage> {
        let params = events_params(conversation_id, start_event_id, last_event_id, cursor, limit).py_err(py)?;
        self.call(py, |c| c.list_events(&params)).map(PyEventPage)
    }

    /// Every event, fetching pages lazily.
    #[pyo3(signature = (conversation_id=None, *, start_event_id=None, last_event_id=None, limit=None, cursor=None))]
    fn iter_events(
        &self,
        py: Python<'_>,
        conversation_id: Option<String>,
        start_event_id: Option<String>,
        last_event_id: Option<String>,
        limit: Option<IntArg>,
        cursor: Option<String>,
    ) -> PyResult<EventIterator> {
        let params = events_params(conversation_id, start_event_id, last_event_id, cursor, limit).py_err(py)?;
        Ok(EventIterator { inner: Arc::new(Mutex::new(self.inner.iter_events(params))) })
    }

    /// Sends a user message; returns at once with a response to poll.
    fn create_response(&self, py: Python<'_>, conversation_id: String, text: String) -> PyResult<PyResponse> {
        self.call(py, |c| c.create_response(&conversation_id, &text)).map(PyResponse)
    }

    /// A response's current state.
    fn get_response(&self, py: Python<'_>, conversation_id: String, response_id: String) -> PyResult<PyResponse> {
        self.call(py, |c| c.get_response(&conversation_id, &response_id)).map(PyResponse)
    }

    /// Polls a response until it is COMPLETED (returned) or FAILED
    /// (`ResponseFailedError`), the deadline passes (`PollTimeoutError`) or
    /// `cancel` fires (`WaitCancelledError`). Ctrl-C interrupts it.
    #[pyo3(signature = (conversation_id, response_id, *, deadline=None, initial_interval=None, max_interval=None,
        backoff_factor=None, cancel=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn wait_for_response(
        &self,
        py: Python<'_>,
        conversation_id: String,
        response_id: String,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<PyResponse> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args = wait_args(py, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        self.wait_with(py, args, WaitOp::Wait { conversation_id, response_id })
    }

    /// Creates a response and waits for it as `wait_for_response` does.
    #[pyo3(signature = (conversation_id, text, *, deadline=None, initial_interval=None, max_interval=None,
        backoff_factor=None, cancel=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_response_and_wait(
        &self,
        py: Python<'_>,
        conversation_id: String,
        text: String,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<PyResponse> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args = wait_args(py, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        self.wait_with(py, args, WaitOp::CreateAndWait { conversation_id, text })
    }
}

// ---- iterators --------------------------------------------------------------------------

macro_rules! page_iterator {
    ($name:ident, $core:ty, $page:ident, $core_page:ident, $items:ident, $item:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(frozen, module = "moveworks")]
        struct $name {
            inner: Arc<Mutex<$core>>,
        }

        impl $name {
            /// The core's next page, fetched with the GIL released.
            fn fetch_page(inner: &Arc<Mutex<$core>>) -> Option<core::Result<core::$core_page>> {
                let mut it = inner.lock().unwrap_or_else(|p| p.into_inner());
                it.next_page().map(|r| r.map(|($items, next_cursor)| core::$core_page { $items, next_cursor }))
            }
        }

        #[pymethods]
        impl $name {
            fn __iter__(slf: Py<Self>) -> Py<Self> {
                slf
            }
            fn __next__(&self, py: Python<'_>) -> PyResult<Option<$item>> {
                let inner = Arc::clone(&self.inner);
                let next = py.detach(move || inner.lock().unwrap_or_else(|p| p.into_inner()).next());
                match next {
                    None => Ok(None),
                    Some(r) => r.py_err(py).map(|v| Some($item(v))),
                }
            }
            /// The next whole page (items not yet yielded are skipped), or None after the last page.
            fn next_page(&self, py: Python<'_>) -> PyResult<Option<$page>> {
                let inner = Arc::clone(&self.inner);
                match py.detach(move || Self::fetch_page(&inner)) {
                    None => Ok(None),
                    Some(r) => r.py_err(py).map(|p| Some($page(p))),
                }
            }
            /// Awaitable form of `next_page`, used by `AsyncClient`'s `async for`.
            fn _next_page_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let inner = Arc::clone(&self.inner);
                bridge::spawn(py, async move {
                    match bridge::blocking(move || Self::fetch_page(&inner)).await {
                        None => Ok(None),
                        Some(r) => Ok(Some($page(r?))),
                    }
                })
            }
            /// True once the last page was fetched and every item yielded.
            fn is_exhausted(&self, py: Python<'_>) -> bool {
                // Detached: another thread may hold the lock during a page fetch.
                let inner = Arc::clone(&self.inner);
                py.detach(move || inner.lock().unwrap_or_else(|p| p.into_inner()).is_exhausted())
            }
        }
    };
}

page_iterator!(
    ConversationIterator,
    core::ConversationIter,
    PyConversationPage,
    ConversationPage,
    conversations,
    PyConversation,
    "Iterates over conversations, following cursors lazily."
);
page_iterator!(
    EventIterator,
    core::EventIter,
    PyEventPage,
    EventPage,
    events,
    PyEvent,
    "Iterates over events, following cursors lazily."
);

// ---- async core ---------------------------------------------------------------------------

/// The awaitable forms of the client's calls, used by `moveworks.AsyncClient`:
/// each request runs on tokio's blocking pool and polling waits are tokio timers.
#[pyclass(frozen, module = "moveworks._moveworks")]
struct AsyncCore {
    inner: core::Client,
}

/// Runs a blocking core call on the async runtime's blocking pool; resolves an asyncio future with it.
fn spawn_call<'py, T, U, F>(py: Python<'py>, f: F, wrap: fn(T) -> U) -> PyResult<Bound<'py, PyAny>>
where
    F: FnOnce() -> core::Result<T> + Send + 'static,
    T: Send + 'static,
    U: for<'a> IntoPyObject<'a> + Send + 'static,
{
    bridge::spawn(py, async move { Ok(wrap(bridge::blocking(f).await?)) })
}

fn spawn_wait<'py>(py: Python<'py>, client: core::Client, args: WaitArgs, op: WaitOp) -> PyResult<Bound<'py, PyAny>> {
    let runtime = TokioRuntime { cancel: args.user_cancel.clone() };
    let options = args.options.clone();
    bridge::spawn(py, async move {
        match op.run(&client, &runtime, &options).await {
            Ok(r) => Ok(PyResponse(r)),
            Err(e) => {
                if e.kind() == core::ErrorKind::Cancelled {
                    if let Some(err) = args.take_callback_error() {
                        return Err(Failure::Py(err));
                    }
                }
                Err(Failure::Core(e))
            }
        }
    })
}

#[pymethods]
impl AsyncCore {
    #[new]
    fn new(client: &Bound<'_, Client>) -> Self {
        AsyncCore { inner: client.get().inner.clone() }
    }

    #[pyo3(signature = (*, limit=None, cursor=None, archived=None))]
    fn list_conversations<'py>(
        &self,
        py: Python<'py>,
        limit: Option<IntArg>,
        cursor: Option<String>,
        archived: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = conversations_params(limit, cursor, archived).py_err(py)?;
        let c = self.inner.clone();
        spawn_call(py, move || c.list_conversations(&params), PyConversationPage)
    }

    #[pyo3(signature = (title=None))]
    fn create_conversation<'py>(&self, py: Python<'py>, title: Option<String>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(py, move || c.create_conversation(title.as_deref()), PyConversation)
    }

    fn get_conversation<'py>(&self, py: Python<'py>, conversation_id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(py, move || c.get_conversation(&conversation_id), PyConversation)
    }

    #[pyo3(signature = (conversation_id, *, title=None, archived=None))]
    fn update_conversation<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        title: Option<String>,
        archived: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        let update = core::ConversationUpdate { title, archived };
        spawn_call(py, move || c.update_conversation(&conversation_id, &update), PyConversation)
    }

    #[pyo3(signature = (conversation_id=None, *, start_event_id=None, last_event_id=None, cursor=None, limit=None))]
    fn list_events<'py>(
        &self,
        py: Python<'py>,
        conversation_id: Option<String>,
        start_event_id: Option<String>,
        last_event_id: Option<String>,
        cursor: Option<String>,
        limit: Option<IntArg>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = events_params(conversation_id, start_event_id, last_event_id, cursor, limit).py_err(py)?;
        let c = self.inner.clone();
        spawn_call(py, move || c.list_events(&params), PyEventPage)
    }

    fn create_response<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        text: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(py, move || c.create_response(&conversation_id, &text), PyResponse)
    }

    fn get_response<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        response_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(py, move || c.get_response(&conversation_id, &response_id), PyResponse)
    }

    #[pyo3(signature = (conversation_id, response_id, *, deadline=None, initial_interval=None, max_interval=None,
        backoff_factor=None, cancel=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn wait_for_response<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        response_id: String,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args = wait_args(py, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        spawn_wait(py, self.inner.clone(), args, WaitOp::Wait { conversation_id, response_id })
    }

    #[pyo3(signature = (conversation_id, text, *, deadline=None, initial_interval=None, max_interval=None,
        backoff_factor=None, cancel=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_response_and_wait<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        text: String,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args = wait_args(py, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        spawn_wait(py, self.inner.clone(), args, WaitOp::CreateAndWait { conversation_id, text })
    }
}

// ---- module -------------------------------------------------------------------------------------

#[pymodule]
fn _moveworks(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let shutdown = wrap_pyfunction!(bridge::_shutdown, m)?;
    // Before the interpreter finalizes, stop the runtime whose threads call into Python.
    py.import("atexit")?.call_method1("register", (&shutdown,))?;
    m.add_function(shutdown)?;

    m.add("__version__", core::VERSION)?;
    m.add("DEFAULT_BASE_URL", core::DEFAULT_BASE_URL)?;
    m.add("ALL_CONVERSATIONS", core::ALL_CONVERSATIONS)?;
    // The core's option names, so the tests can hold the typing stub to them.
    m.add("CLIENT_OPTION_NAMES", PyTuple::new(m.py(), core::ClientOptions::NAMES)?)?;
    m.add("REQUEST_ID_HEADER", core::REQUEST_ID_HEADER)?;
    let kinds: Vec<&str> = core::ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    m.add("ERROR_KINDS", PyTuple::new(py, kinds)?)?;
    m.add("RESPONSE_STATUSES", PyTuple::new(py, core::ResponseStatus::KNOWN)?)?;
    m.add("ACTORS", PyTuple::new(py, core::Actor::KNOWN)?)?;
    m.add_class::<Client>()?;
    m.add_class::<AsyncCore>()?;
    m.add_class::<CancelToken>()?;
    m.add_class::<ConversationIterator>()?;
    m.add_class::<EventIterator>()?;
    models::register(m)?;
    Ok(())
}
