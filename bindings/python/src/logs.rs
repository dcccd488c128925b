//! The core's log records (`moveworks::logging`) into Python's `logging`, logger
//! `"moveworks"`.
//!
//! A process-wide sink installed at import forwards each record to
//! `moveworks._logging._emit` (one `logger.log(level, message, extra=fields)`). The
//! GIL is taken only when a record is emitted, and the core emits only records at or
//! above its level: at the default (`warn`; the core has no `warn` or `error`
//! records) an API call never touches the GIL for logging. The sink runs on the
//! thread of the core call (a blocking-pool thread for `AsyncClient`) and holds no
//! lock of this crate while it waits for the GIL.
//!
//! The core's level follows what the user configured: unless `set_log_level` chose
//! one, every client construction sets it to the most verbose of `MOVEWORKS_LOG` and
//! the `moveworks` logger's effective level (`trace` is Python level 5, `TRACE`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use moveworks as core;
use moveworks::logging::{LogLevel, LogRecord};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyInt, PyString};

use crate::convert::IntoPy;

/// `moveworks._logging._emit`.
static EMIT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
/// `set_log_level` chose the level: client constructions no longer follow the logger.
static CHOSEN: AtomicBool = AtomicBool::new(false);

/// Python's `logging` level for a core level (`trace` is 5, below `DEBUG`).
pub(crate) fn python_level(level: LogLevel) -> i32 {
    match level {
        LogLevel::Error => 40,
        LogLevel::Warn => 30,
        LogLevel::Info => 20,
        LogLevel::Debug => 10,
        LogLevel::Trace => 5,
    }
}

/// The core level that emits every record a Python level lets through.
fn core_level(levelno: i64) -> LogLevel {
    match levelno {
        ..=5 => LogLevel::Trace,
        6..=10 => LogLevel::Debug,
        11..=20 => LogLevel::Info,
        21..=30 => LogLevel::Warn,
        _ => LogLevel::Error,
    }
}

/// Installs the process-wide sink (at import).
pub(crate) fn install() {
    core::logging::set_log_sink(Some(Arc::new(forward)));
}

/// Removes it (at exit, before the interpreter finalizes).
pub(crate) fn uninstall() {
    core::logging::set_log_sink(None);
}

fn forward(record: &LogRecord) {
    // Not while the interpreter shuts down: then the record is dropped.
    let _ = Python::try_attach(|py| {
        if let Err(e) = emit(py, record) {
            // A failing handler is logging's business (it reports its own errors);
            // this is an import or conversion failure: shown once per record, never raised.
            e.print(py);
        }
    });
}

fn emit(py: Python<'_>, record: &LogRecord) -> PyResult<()> {
    let emit = EMIT.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("moveworks._logging")?.getattr("_emit")?.unbind())
    })?;
    // The core's record as it serializes: its keys are the record attributes, so no
    // field is listed here (level and message are logging's own arguments).
    let fields = PyDict::new(py);
    let json = serde_json::to_value(record).map_err(|e| pyo3::exceptions::PyTypeError::new_err(e.to_string()))?;
    for (key, value) in json.as_object().into_iter().flatten() {
        if key != "level" && key != "message" {
            fields.set_item(key, crate::convert::json_scalar(py, value)?)?;
        }
    }
    emit.bind(py).call1((python_level(record.level), record.message.as_str(), fields))?;
    Ok(())
}

/// Sets the core's level from `MOVEWORKS_LOG` and the `moveworks` logger, the most
/// verbose of the two, unless `set_log_level` chose one. Called when a client is made.
pub(crate) fn follow_python_level(py: Python<'_>) {
    if CHOSEN.load(Ordering::Relaxed) {
        return;
    }
    // Unset or `off`: no say; an unreadable value is `debug` (the core's rule).
    let from_env = std::env::var(core::logging::LOG_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| LogLevel::parse(&v).unwrap_or(Some(LogLevel::Debug)));
    let from_logger = logger_level(py).unwrap_or(LogLevel::Warn);
    let level = from_env.map_or(from_logger, |env| env.max(from_logger));
    core::logging::set_log_level(Some(level));
}

/// The `moveworks` logger's effective level; without `logging` imported nobody
/// configured it (Python's default, `WARNING`), so it is not imported for this.
fn logger_level(py: Python<'_>) -> Option<LogLevel> {
    let modules = py.import("sys").ok()?.getattr("modules").ok()?;
    let logging = modules.get_item("logging").ok()?;
    let logger = logging.call_method1("getLogger", ("moveworks",)).ok()?;
    let levelno: i64 = logger.call_method0("getEffectiveLevel").ok()?.extract().ok()?;
    Some(core_level(levelno))
}

/// Sets the level of the SDK's log records for the whole process: a name (`"error"`,
/// `"warn"`, `"info"`, `"debug"`, `"trace"`, `"off"`) or a `logging` level
/// (`logging.DEBUG`; 5 or below is `trace`). Client constructions then stop following
/// `MOVEWORKS_LOG` and the `moveworks` logger's level; `None` makes them follow again
/// (and applies it now). Records still pass the logger's own level and handlers.
#[pyfunction]
#[pyo3(signature = (level, /))]
pub(crate) fn set_log_level(py: Python<'_>, level: &Bound<'_, PyAny>) -> PyResult<()> {
    if level.is_none() {
        CHOSEN.store(false, Ordering::Relaxed);
        follow_python_level(py);
        return Ok(());
    }
    let chosen = if let Ok(name) = level.cast::<PyString>() {
        LogLevel::parse(&name.to_cow()?).py_err(py)?
    } else if level.is_instance_of::<PyInt>() && !level.is_instance_of::<PyBool>() {
        Some(core_level(level.extract::<i64>().unwrap_or(i64::MAX)))
    } else {
        return Err(core::Error::invalid_argument("log level", "must be a level name, a logging level (int) or None"))
            .py_err(py);
    };
    CHOSEN.store(true, Ordering::Relaxed);
    core::logging::set_log_level(chosen);
    Ok(())
}

/// The level of the SDK's log records now: `"error"`, `"warn"`, `"info"`, `"debug"`,
/// `"trace"` or `"off"`.
#[pyfunction]
pub(crate) fn log_level() -> &'static str {
    core::logging::log_level().map_or("off", LogLevel::as_str)
}
