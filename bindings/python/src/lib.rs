//! Python extension module of the Moveworks SDK (pyo3), imported as
//! `moveworks._moveworks` and re-exported by the `moveworks` package.
//!
//! Everything here converts: arguments into the core's types, results into
//! Python objects, core errors into the `moveworks` exception classes. Retries,
//! validation, polling decisions and error kinds all come from the core.

use moveworks as core;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

mod async_client;
mod async_stream;
mod bridge;
mod client;
mod convert;
mod follower;
mod input;
mod logs;
mod models;
mod sandbox;
mod stream;
mod wait;
mod webhook;

use async_client::AsyncCore;
use client::{Client, ConversationIterator, EventIterator, MessageIterator, ResponseMessageIterator};
use wait::CancelToken;

// ---- module -------------------------------------------------------------------------------------

#[pymodule]
fn _moveworks(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let shutdown = wrap_pyfunction!(bridge::_shutdown, m)?;
    // Before the interpreter finalizes, stop the runtime whose threads call into Python.
    py.import("atexit")?.call_method1("register", (&shutdown,))?;
    m.add_function(shutdown)?;
    // A child of fork() starts its own runtime (the parent's threads are not in it).
    let after_fork = wrap_pyfunction!(bridge::_after_fork_in_child, m)?;
    let os = py.import("os")?;
    if os.hasattr("register_at_fork")? {
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("after_in_child", &after_fork)?;
        os.call_method("register_at_fork", (), Some(&kwargs))?;
    }
    m.add_function(after_fork)?;
    // The core's log records go to `logging.getLogger("moveworks")` (see src/logs.rs).
    logs::install();
    m.add_function(wrap_pyfunction!(logs::set_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(logs::log_level, m)?)?;

    m.add("__version__", core::VERSION)?;
    m.add("DEFAULT_BASE_URL", core::DEFAULT_BASE_URL)?;
    m.add("ALL_CONVERSATIONS", core::ALL_CONVERSATIONS)?;
    // The core's option names, so the tests can hold the typing stub to them.
    m.add("CLIENT_OPTION_NAMES", PyTuple::new(m.py(), core::ClientOptions::NAMES)?)?;
    m.add("REQUEST_ID_HEADER", core::REQUEST_ID_HEADER)?;
    m.add("RESUMED_PER_LOOP_TURN", core::StreamPump::RESUMED_PER_LOOP_TURN)?;
    let kinds: Vec<&str> = core::ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    m.add("ERROR_KINDS", PyTuple::new(py, kinds)?)?;
    m.add("RESPONSE_STATUSES", PyTuple::new(py, core::ResponseStatus::KNOWN)?)?;
    m.add("ACTORS", PyTuple::new(py, core::Actor::KNOWN)?)?;
    m.add("FEEDBACK_STATUSES", PyTuple::new(py, core::FeedbackStatus::KNOWN)?)?;
    m.add_class::<Client>()?;
    m.add_class::<AsyncCore>()?;
    m.add_class::<async_stream::AsyncStream>()?;
    m.add_class::<async_stream::LoopWaker>()?;
    m.add_class::<CancelToken>()?;
    m.add_class::<sandbox::Sandbox>()?;
    m.add_class::<ConversationIterator>()?;
    m.add_class::<EventIterator>()?;
    m.add_class::<MessageIterator>()?;
    m.add_class::<ResponseMessageIterator>()?;
    m.add_class::<input::PyInput>()?;
    m.add_class::<webhook::PyWebhookDelivery>()?;
    m.add_class::<follower::PyEventsFollower>()?;
    models::register(m)?;
    stream::register(m)?;
    Ok(())
}
