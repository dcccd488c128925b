//! `moveworks.EventsFollower`: the core's events follower, with its checkpoint in a
//! file or in a store object of the user's (`load()`/`save(checkpoint)`).

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, TryLockError};

use moveworks as core;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyString};

use crate::bridge::{self, Failure};
use crate::convert::*;
use crate::models::PyEvent;
use crate::stream::run_interruptible;
use crate::wait::CancelToken;

/// A Python exception raised in a callback of the core (a store's `load`/`save`, a
/// handler), kept to be re-raised unchanged once the core call returns.
type Raised = Arc<Mutex<Option<PyErr>>>;

fn stash(raised: &Raised, e: PyErr) {
    let mut slot = raised.lock().unwrap_or_else(|p| p.into_inner());
    slot.get_or_insert(e);
}

fn take(raised: &Raised) -> Option<PyErr> {
    raised.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// A checkpoint store object of the user's: `load() -> str | None`, `save(str)`.
struct PyStore {
    store: Py<PyAny>,
    raised: Raised,
}

impl PyStore {
    fn failed(&self, e: PyErr, doing: &str) -> core::Error {
        stash(&self.raised, e);
        core::Error::invalid_argument("checkpoint", format_args!("the checkpoint store's {doing} raised"))
    }
}

impl core::CheckpointStore for PyStore {
    fn load(&mut self) -> core::Result<Option<String>> {
        Python::attach(|py| {
            let loaded = self.store.bind(py).call_method0("load").map_err(|e| self.failed(e, "load()"))?;
            if loaded.is_none() {
                return Ok(None);
            }
            loaded.extract::<String>().map(Some).map_err(|_| {
                core::Error::invalid_argument("checkpoint", "the checkpoint store's load() must return a str or None")
            })
        })
    }

    fn save(&mut self, checkpoint: &str) -> core::Result<()> {
        Python::attach(|py| {
            self.store.bind(py).call_method1("save", (checkpoint,)).map(drop).map_err(|e| self.failed(e, "save()"))
        })
    }
}

/// Any store, recording what it saved, so that `checkpoint` can be read while the
/// follower is busy (from its own handler, or another thread).
struct Recorded {
    store: Box<dyn core::CheckpointStore>,
    saved: Arc<Mutex<Option<String>>>,
}

impl core::CheckpointStore for Recorded {
    fn load(&mut self) -> core::Result<Option<String>> {
        self.store.load()
    }
    fn save(&mut self, checkpoint: &str) -> core::Result<()> {
        self.store.save(checkpoint)?;
        *self.saved.lock().unwrap_or_else(|p| p.into_inner()) = Some(checkpoint.to_owned());
        Ok(())
    }
}

/// Follows one user's events feed (`GET /conversations/-/events`), delivering each event
/// once, in feed order, and keeping its place in a checkpoint so that a restart goes on
/// where it stopped (`Client.follow_events` makes one).
///
/// At-least-once: a crash between an event's delivery and the save of its id delivers
/// that one event again on restart; use `event.event_id` to drop a repeat (as for an
/// event seen both by webhook and by polling). On a fresh checkpoint the first poll only
/// catches up (unless `replay=True`). A 429 waits as its `Retry-After` asks, other
/// transient failures back off (up to `max_backoff`) and are tried again; a permanent
/// failure (401, 403, 404, a checkpoint that cannot be saved) is raised.
///
/// Handlers: `handler(event)` returning exactly `False` means "not handled": that
/// event's id is not saved, and it is delivered again by the next call (or run). An
/// exception it raises does the same, and propagates. Waits release the GIL; Ctrl-C
/// stops the follower (`KeyboardInterrupt`; a stopped follower stays stopped). One call
/// at a time: a second concurrent call raises `RuntimeError`.
#[pyclass(frozen, module = "moveworks", name = "EventsFollower")]
pub(crate) struct PyEventsFollower {
    inner: Arc<Mutex<core::EventsFollower>>,
    cancel: core::CancelToken,
    saved: Arc<Mutex<Option<String>>>,
    /// What a Python store raised.
    raised: Raised,
}

/// The `checkpoint` argument as a store: None (memory), a path, or a store object.
fn checkpoint_store(
    py: Python<'_>,
    checkpoint: &Bound<'_, PyAny>,
    raised: &Raised,
) -> PyResult<Box<dyn core::CheckpointStore>> {
    if checkpoint.is_none() {
        return Ok(Box::new(core::MemoryCheckpoint::new()));
    }
    if let Ok(path) = checkpoint.cast::<PyString>() {
        return Ok(Box::new(core::FileCheckpoint::new(path.extract::<String>()?)));
    }
    if checkpoint.hasattr("__fspath__")? {
        let path: std::path::PathBuf = checkpoint.extract()?;
        return Ok(Box::new(core::FileCheckpoint::new(path)));
    }
    if checkpoint.hasattr("load")? && checkpoint.hasattr("save")? {
        return Ok(Box::new(PyStore { store: checkpoint.clone().unbind(), raised: Arc::clone(raised) }));
    }
    let why = "must be a file path, a store with load() and save(checkpoint), or None (in memory)";
    Err(to_py_err(py, core::Error::invalid_argument("checkpoint", why)))
}

/// Makes the follower of `Client.follow_events`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn follow_events(
    py: Python<'_>,
    client: &core::Client,
    checkpoint: &Bound<'_, PyAny>,
    replay: bool,
    page_size: Option<IntArg>,
    interval: f64,
    max_backoff: f64,
    cancel: Option<&CancelToken>,
) -> PyResult<PyEventsFollower> {
    let raised: Raised = Arc::default();
    let saved: Arc<Mutex<Option<String>>> = Arc::default();
    let store = Recorded { store: checkpoint_store(py, checkpoint, &raised)?, saved: Arc::clone(&saved) };
    let options = (|| {
        let defaults = core::FollowOptions::default();
        Ok::<_, core::Error>(core::FollowOptions {
            interval: seconds("interval", Some(interval))?.unwrap_or(defaults.interval),
            max_backoff: seconds("max_backoff", Some(max_backoff))?.unwrap_or(defaults.max_backoff),
            replay,
            // Out of u32's range is still "outside 1 to 100", which the core reports.
            page_size: page_size.map_or(defaults.page_size, |IntArg(n)| u32::try_from(n).unwrap_or(0)),
            cancel: cancel.map(|c| c.0.clone()),
            ..defaults
        })
    })()
    .py_err(py)?;
    let follower = core::EventsFollower::new(client, store, options).py_err(py)?;
    let cancel = follower.cancel_token();
    Ok(PyEventsFollower { inner: Arc::new(Mutex::new(follower)), cancel, saved, raised })
}

impl PyEventsFollower {
    /// Runs `f` on the follower with the GIL released and Ctrl-C watched; a second
    /// concurrent call is refused rather than waited for (it would hold the GIL the
    /// running call's handler needs).
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut core::EventsFollower) -> core::Result<T> + Send,
    ) -> PyResult<T> {
        let mut guard = match self.inner.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => {
                return Err(PyRuntimeError::new_err("the follower is busy: one call at a time (not from its handler)"))
            }
        };
        let follower: &mut core::EventsFollower = &mut guard;
        let result = run_interruptible(py, &self.cancel, || f(follower))?;
        self.finish(py, result)
    }

    /// A store's exception wins over the core error it caused.
    fn finish<T>(&self, py: Python<'_>, result: core::Result<T>) -> PyResult<T> {
        match take(&self.raised) {
            Some(e) => Err(e),
            None => result.py_err(py),
        }
    }

    /// Polls through `handler` (`poll_once` or `run`); the handler's exception wins.
    fn handle<T: Send>(
        &self,
        py: Python<'_>,
        handler: Py<PyAny>,
        f: impl FnOnce(&mut core::EventsFollower, &mut dyn FnMut(&core::Event) -> ControlFlow<()>) -> core::Result<T> + Send,
    ) -> PyResult<T> {
        if !handler.bind(py).is_callable() {
            return Err(PyTypeError::new_err("handler must be callable"));
        }
        let failed: Raised = Arc::default();
        let slot = Arc::clone(&failed);
        let mut on_event = move |event: &core::Event| {
            Python::attach(|py| match handler.bind(py).call1((PyEvent(event.clone()),)) {
                Ok(ret) if ret.is(&*PyBool::new(py, false)) => ControlFlow::Break(()),
                Ok(_) => ControlFlow::Continue(()),
                Err(e) => {
                    stash(&slot, e);
                    ControlFlow::Break(())
                }
            })
        };
        let result = self.with(py, move |follower| f(follower, &mut on_event));
        match take(&failed) {
            Some(e) => Err(e),
            None => result,
        }
    }
}

#[pymethods]
impl PyEventsFollower {
    /// One poll (with its pages): calls `handler(event)` for each new event, in order,
    /// and returns how many were handled. On a fresh checkpoint this poll is the catch-up
    /// (nothing is delivered unless `replay=True`). Transient failures are retried a
    /// couple of times before being raised. Does not wait for the interval.
    fn poll_once(&self, py: Python<'_>, handler: Py<PyAny>) -> PyResult<usize> {
        self.handle(py, handler, |follower, on_event| follower.poll_once(on_event))
    }

    /// Follows the feed until `cancel()` (from another thread, or the handler) or Ctrl-C,
    /// calling `handler(event)` for each event, in order; returns when cancelled, or when
    /// `handler` returns exactly False (that event is delivered again later).
    fn run(&self, py: Python<'_>, handler: Py<PyAny>) -> PyResult<()> {
        self.handle(py, handler, |follower, on_event| follower.run(on_event))
    }

    /// `for event in follower:` yields each event, waiting for it as long as it takes;
    /// an event's id is saved when the next one is asked for (once your loop body ran for
    /// it). Breaking out leaves the last event unsaved (delivered again later) unless you
    /// call `commit()`. Ends when cancelled.
    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyEvent>> {
        Ok(self.with(py, |follower| follower.next_event())?.map(PyEvent))
    }

    /// Awaitable `__next__` for `AsyncClient.follow_events` (on a worker thread).
    fn _next_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (inner, raised) = (Arc::clone(&self.inner), Arc::clone(&self.raised));
        bridge::spawn(py, async move {
            let next = bridge::blocking(move || {
                let mut follower = inner.lock().unwrap_or_else(|p| p.into_inner());
                follower.next_event()
            })
            .await;
            match (take(&raised), next) {
                (Some(e), _) => Err(Failure::Py(e)),
                (None, next) => Ok(next?.map(PyEvent)),
            }
        })
    }

    /// Saves the checkpoint of the last event the iteration yielded, if not saved yet.
    fn commit(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |follower| follower.commit())
    }

    /// Stops the follower: `run` and the iteration end (after the event being handled),
    /// waits are cut short. Safe from any thread and from the handler. Final.
    fn cancel(&self) {
        self.cancel.cancel()
    }

    /// True once `cancel()` was called (or Ctrl-C stopped it).
    #[getter]
    fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The last checkpoint saved: an event id, `""` when following began at the start of
    /// an empty feed, None before the first poll.
    #[getter]
    fn checkpoint(&self) -> Option<String> {
        self.saved.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn __repr__(&self) -> String {
        match self.checkpoint() {
            Some(c) => format!("EventsFollower(checkpoint={c:?})"),
            None => "EventsFollower(checkpoint=None)".to_owned(),
        }
    }
}
