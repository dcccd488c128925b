//! The SDK's log records, forwarded to the app's logging: `set_log_listener` and `set_log_level`
//! (the core's `moveworks::logging`). The Kotlin and Swift packages install a listener
//! that writes to SLF4J / `java.util.logging` or `os.Logger`.

use std::sync::Arc;

use moveworks::logging;
pub use moveworks::logging::{LogLevel, LogRecord};

use crate::errors::*;

/// Receives the SDK's log records (one per HTTP attempt at `Debug`, one per retry
/// decision at `Info`, bodies at `Trace`; never a secret). Called on the thread running
/// the call (a worker thread for the async methods); keep it short.
#[uniffi::export(callback_interface)]
pub trait LogListener: Send + Sync {
    /// One record: its level, the whole line (`message`) and its fields.
    fn log(&self, record: LogRecord);
}

/// Sends every client's log records to `listener` (replacing the previous one), or
/// with null stops forwarding (then, when `MOVEWORKS_LOG` is set, records go to
/// standard error). Which records are made is `set_log_level`'s.
#[uniffi::export(default(listener = None))]
pub fn set_log_listener(listener: Option<Box<dyn LogListener>>) {
    logging::set_log_sink(listener.map(|l| {
        let l: Arc<dyn LogListener> = Arc::from(l);
        Arc::new(move |r: &LogRecord| l.log(r.clone())) as logging::LogSink
    }));
}

/// The most detailed level logged, overriding `MOVEWORKS_LOG`; null turns logging off.
/// Default: `MOVEWORKS_LOG` (`error`, `warn`, `info`, `debug`, `trace`, `off`), else `Warn`.
#[uniffi::export]
pub fn set_log_level(level: Option<LogLevel>) {
    logging::set_log_level(level);
}

/// The most detailed level logged now (null: off).
#[uniffi::export]
pub fn log_level() -> Option<LogLevel> {
    logging::log_level()
}

/// A level from its name (`"debug"`; case-insensitive, `warning` is `warn`); null for
/// `"off"`; `InvalidArgument` for anything else.
#[uniffi::export]
pub fn parse_log_level(name: String) -> Result<Option<LogLevel>> {
    Ok(LogLevel::parse(&name)?)
}
