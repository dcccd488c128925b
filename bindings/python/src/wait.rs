//! Waiting for a response: the cancel token, wait options, the update callback, and
//! the two runtimes that drive the core's poller (blocking, and tokio for asyncio).

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moveworks as core;
use moveworks::AsyncRuntime;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyBool;

use crate::bridge;
use crate::convert::*;
use crate::models::*;

/// Stops a wait from another thread or task. Share one token between waits to stop them all.
#[pyclass(frozen, module = "moveworks")]
#[derive(Clone, Default)]
pub(crate) struct CancelToken(pub(crate) core::CancelToken);

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
pub(crate) struct WaitArgs {
    pub(crate) options: core::WaitOptions,
    /// The user's token (the sync wait puts its own internal token in `options`).
    pub(crate) user_cancel: Option<core::CancelToken>,
    /// An exception raised by the `on_update` callback, re-raised to the caller.
    callback_error: Arc<Mutex<Option<PyErr>>>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn wait_args(
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
    pub(crate) fn take_callback_error(&self) -> Option<PyErr> {
        self.callback_error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Longest stretch the sync wait sleeps before checking for Ctrl-C.
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// Drives the core's polling loop on the calling thread: requests run with the
/// GIL released, and sleeps release it in short slices, checking for signals
/// (Ctrl-C) and the user's cancel token between slices.
pub(crate) struct SyncRuntime<'py> {
    pub(crate) py: Python<'py>,
    /// The token the core checks; cancelled on a signal or the user's cancel.
    pub(crate) internal: core::CancelToken,
    pub(crate) user: Option<core::CancelToken>,
    pub(crate) interrupted: Mutex<Option<PyErr>>,
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
pub(crate) struct TokioRuntime {
    pub(crate) cancel: Option<core::CancelToken>,
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
