//! Runs Rust futures on the extension's own tokio runtime and resolves asyncio
//! futures with their results.
//!
//! Why not pyo3-async-runtimes: its runtime lives in a static that is never
//! shut down, so its threads could still be attaching to the interpreter while
//! it finalizes (observed as aborts and segfaults at exit). Here the runtime is
//! shut down from an `atexit` hook, with the GIL released so that in-flight
//! deliveries finish, before Python finalizes: no foreign thread touches the
//! interpreter afterwards.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use moveworks as core;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::IntoPyObjectExt;

/// The runtime; `None` before first use and after shutdown.
static RUNTIME: Mutex<Option<tokio::runtime::Runtime>> = Mutex::new(None);
static SHUT_DOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static DELIVER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Most blocking calls (HTTP requests) the async client runs at once; more queue.
/// 64, so that 64 concurrent awaits take one round trip, not two (issue #7); idle
/// pool threads exit after tokio's 10 s keep-alive.
const MAX_BLOCKING_THREADS: usize = 64;

fn handle() -> PyResult<tokio::runtime::Handle> {
    let mut guard = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if guard.is_none() && !SHUT_DOWN.load(std::sync::atomic::Ordering::SeqCst) {
        // Few workers: they only run timers and hand requests to the blocking pool.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(MAX_BLOCKING_THREADS)
            .thread_name("moveworks-async")
            .enable_time()
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("could not start the async runtime: {e}")))?;
        *guard = Some(runtime);
    }
    guard.as_ref().map(|r| r.handle().clone()).ok_or_else(|| {
        PyRuntimeError::new_err("the moveworks async runtime has shut down (the interpreter is exiting)")
    })
}

/// Stops the async runtime and the log forwarding; registered with `atexit` by the module.
#[pyfunction]
pub fn _shutdown(py: Python<'_>) {
    SHUT_DOWN.store(true, std::sync::atomic::Ordering::SeqCst);
    // Log records of requests still running must not wait for the GIL of a finalizing interpreter.
    crate::logs::uninstall();
    let runtime = RUNTIME.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(runtime) = runtime {
        // Detached so tasks waiting for the GIL can finish; requests still running
        // after the grace period are abandoned (they hold no Python objects).
        py.detach(move || runtime.shutdown_timeout(Duration::from_secs(2)));
    }
}

/// Forgets the async runtime in a child of `fork()` (registered with
/// `os.register_at_fork(after_in_child=...)`), so that the child's first async call
/// starts its own. The parent's runtime is leaked, never dropped: its worker and
/// pool threads were not copied into the child, and shutting it down would wait for
/// them forever (the hang an `AsyncClient` used to show after a fork). The lock is
/// free here: it is only ever taken with the GIL held, which the forking thread had.
#[pyfunction]
pub fn _after_fork_in_child() {
    let inherited = RUNTIME.lock().unwrap_or_else(|p| p.into_inner()).take();
    std::mem::forget(inherited);
}

/// Why an async call failed: a core error (converted under the GIL at delivery) or a Python exception.
pub enum Failure {
    Core(core::Error),
    Py(PyErr),
}

impl From<core::Error> for Failure {
    fn from(e: core::Error) -> Self {
        Failure::Core(e)
    }
}

/// Runs `f` on the blocking pool. A cancelled join (runtime shutdown) never resolves:
/// the task awaiting it is being dropped anyway.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => std::future::pending().await,
    }
}

/// Aborts the Rust task when its asyncio future is cancelled.
#[pyclass(frozen)]
struct AbortOnCancel {
    handle: tokio::task::AbortHandle,
}

#[pymethods]
impl AbortOnCancel {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.handle.abort();
        }
        Ok(())
    }
}

/// Spawns `fut` and returns an asyncio future of the running loop that resolves with its result.
pub fn spawn<'py, T, F>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, Failure>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let deliver = DELIVER
        .get_or_try_init(py, || Ok::<_, PyErr>(py.import("moveworks._async")?.getattr("_deliver")?.unbind()))?
        .clone_ref(py);
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let py_future = event_loop.call_method0("create_future")?;
    let (loop_ref, future_ref) = (event_loop.unbind(), py_future.clone().unbind());
    let task = handle()?.spawn(async move {
        let outcome = fut.await;
        Python::attach(|py| {
            let (ok, value) = match outcome.map_err(|f| match f {
                Failure::Core(e) => crate::convert::to_py_err(py, e),
                Failure::Py(e) => e,
            }) {
                Ok(v) => match v.into_py_any(py) {
                    Ok(obj) => (true, obj),
                    Err(e) => (false, e.into_value(py).into_any()),
                },
                Err(e) => (false, e.into_value(py).into_any()),
            };
            // Fails only when the loop is closed: then nobody is waiting for the result.
            let _ = loop_ref.bind(py).call_method1("call_soon_threadsafe", (deliver, future_ref, ok, value));
        });
    });
    py_future.call_method1("add_done_callback", (AbortOnCancel { handle: task.abort_handle() },))?;
    Ok(py_future)
}
