//! Logging for JS: the `onLog` hook as the core's log sink of a client, and the
//! process-wide log level (`setLogLevel`/`logLevel`).

use std::sync::Arc;

use moveworks::logging::{LogLevel, LogRecord, LogSink};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::convert::to_napi;

/// The JS `onLog` hook, receiving each log record as JSON. Weak: it never keeps Node's
/// event loop alive.
pub(crate) type LogFn = ThreadsafeFunction<String, (), String, Status, false, true>;

/// A log sink for the core that hands each record to the JS thread without waiting.
pub(crate) fn js_log_sink(on_log: LogFn) -> LogSink {
    Arc::new(move |r: &LogRecord| {
        let Ok(record) = serde_json::to_string(r) else { return };
        // Non-blocking: a record that cannot be queued (Node shutting down) is dropped.
        let _ = on_log.call(record, ThreadsafeFunctionCallMode::NonBlocking);
    })
}

/// Sets the most detailed level the core logs, for the whole process (`error`, `warn`,
/// `info`, `debug`, `trace`, or `off`/null), overriding `MOVEWORKS_LOG`.
#[napi]
pub fn set_log_level(level: Option<String>) -> Result<()> {
    let level = match level {
        None => None,
        Some(name) => LogLevel::parse(&name).map_err(to_napi)?,
    };
    moveworks::logging::set_log_level(level);
    Ok(())
}

/// The most detailed level the core logs now (`"off"` when off).
#[napi]
pub fn log_level() -> String {
    moveworks::logging::log_level().map_or("off", LogLevel::as_str).to_owned()
}
