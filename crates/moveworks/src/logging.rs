//! What the SDK logs, decided once for every language: one record per HTTP attempt
//! (method, path, status, attempt, duration, request id) and per retry decision,
//! bodies only at `trace` and capped, secrets never.
//!
//! Records go to the client's sink ([`ClientBuilder::log_sink`](crate::ClientBuilder::log_sink)),
//! else to the process's ([`set_log_sink`]; each binding installs one that forwards to
//! its language's logging), else, when `MOVEWORKS_LOG` is set, to standard error. They
//! also go to Rust's `log` facade (target `moveworks`).
//!
//! The level comes from [`set_log_level`], else from `MOVEWORKS_LOG`
//! (`error`, `warn`, `info`, `debug`, `trace` or `off`), else `warn`.
//!
//! **Never logged**: the `Authorization` header, tokens, client secrets, private
//! keys, proxy credentials, cookies. Headers are not logged at all; URLs are logged
//! as their path (no query, no credentials); bodies (at `trace` only) have the values
//! of secret-looking JSON keys replaced and are cut at [`MAX_LOGGED_BODY`] bytes.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

/// The severity of a [`LogRecord`], most severe first (serialized as its lowercase name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LogLevel {
    /// A call failed for good.
    Error = 1,
    /// Something the app should know about (e.g. a retry given up).
    Warn = 2,
    /// A retry decision, a stream falling back to polling.
    Info = 3,
    /// Every HTTP attempt with its outcome.
    Debug = 4,
    /// Also request and response bodies (redacted, capped).
    Trace = 5,
}

impl LogLevel {
    /// The lowercase name (`"debug"`), as `MOVEWORKS_LOG` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// A level from its name (case-insensitive; `warning` is `warn`); `Ok(None)` is `off`.
    pub fn parse(name: &str) -> crate::Result<Option<LogLevel>> {
        match name.trim().to_ascii_lowercase().as_str() {
            "error" => Ok(Some(LogLevel::Error)),
            "warn" | "warning" => Ok(Some(LogLevel::Warn)),
            "info" => Ok(Some(LogLevel::Info)),
            "debug" => Ok(Some(LogLevel::Debug)),
            "trace" => Ok(Some(LogLevel::Trace)),
            "off" | "none" => Ok(None),
            _ => {
                Err(crate::Error::invalid_argument("log level", "must be one of error, warn, info, debug, trace, off"))
            }
        }
    }

    fn from_u8(v: u8) -> Option<LogLevel> {
        [LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug, LogLevel::Trace]
            .get(usize::from(v).checked_sub(1)?)
            .copied()
    }

    fn to_log(self) -> log::Level {
        match self {
            LogLevel::Error => log::Level::Error,
            LogLevel::Warn => log::Level::Warn,
            LogLevel::Info => log::Level::Info,
            LogLevel::Debug => log::Level::Debug,
            LogLevel::Trace => log::Level::Trace,
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One log line and its fields (those that apply; the others are `None`). It serializes
/// with these snake_case names (the level as its lowercase name), which is how the
/// bindings hand it over without listing its fields.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LogRecord {
    /// Severity.
    pub level: LogLevel,
    /// The whole line, e.g. `POST /rest/v1beta1/conversations -> 201 attempt=1 request_id=… 12ms`.
    pub message: String,
    /// HTTP method.
    pub method: Option<String>,
    /// URL path (never the query or credentials).
    pub path: Option<String>,
    /// HTTP status, when an answer arrived.
    pub status: Option<u16>,
    /// Which attempt of the call (1 is the first).
    pub attempt: Option<u32>,
    /// How long the attempt took.
    pub duration_ms: Option<u64>,
    /// The answer's request id.
    pub request_id: Option<String>,
    /// The error kind of a failed attempt (`connection`, `rate_limited`, ...).
    pub error_kind: Option<String>,
    /// What happens next: `"retry in 250ms (1/2)"`, `"give up"`, or `None` on success.
    pub retry: Option<String>,
}

impl LogRecord {
    pub(crate) fn new(level: LogLevel, message: String) -> LogRecord {
        LogRecord {
            level,
            message,
            method: None,
            path: None,
            status: None,
            attempt: None,
            duration_ms: None,
            request_id: None,
            error_kind: None,
            retry: None,
        }
    }
}

/// Receives log records; installed per process ([`set_log_sink`]) or per client.
pub type LogSink = Arc<dyn Fn(&LogRecord) + Send + Sync>;

static SINK: RwLock<Option<LogSink>> = RwLock::new(None);
/// 0: not decided yet (read `MOVEWORKS_LOG`), 6: off, else a `LogLevel`.
static LEVEL: AtomicU8 = AtomicU8::new(0);
const OFF: u8 = 6;

/// The environment variable naming the level (`MOVEWORKS_LOG=debug`).
pub const LOG_ENV: &str = "MOVEWORKS_LOG";
/// The most bytes of a body logged at `trace`.
pub const MAX_LOGGED_BODY: usize = 4096;

/// Installs the process-wide sink (replacing any), or removes it with `None`.
pub fn set_log_sink(sink: Option<LogSink>) {
    *SINK.write().unwrap_or_else(std::sync::PoisonError::into_inner) = sink;
}

/// Sets the most detailed level emitted (`None`: off), overriding `MOVEWORKS_LOG`.
pub fn set_log_level(level: Option<LogLevel>) {
    LEVEL.store(level.map_or(OFF, |l| l as u8), Ordering::Relaxed);
}

/// The most detailed level emitted (`None`: off).
pub fn log_level() -> Option<LogLevel> {
    let mut v = LEVEL.load(Ordering::Relaxed);
    if v == 0 {
        v = match std::env::var(LOG_ENV).ok().filter(|s| !s.trim().is_empty()) {
            // An unreadable value logs at debug rather than hiding what was asked for.
            Some(name) => LogLevel::parse(&name).unwrap_or(Some(LogLevel::Debug)).map_or(OFF, |l| l as u8),
            None => LogLevel::Warn as u8,
        };
        LEVEL.store(v, Ordering::Relaxed);
    }
    LogLevel::from_u8(v)
}

/// Whether records of `level` are emitted.
pub fn enabled(level: LogLevel) -> bool {
    log_level().is_some_and(|max| level <= max) || log::log_enabled!(target: "moveworks", level.to_log())
}

/// Emits `record` to the client's sink, else the process's, else standard error when
/// `MOVEWORKS_LOG` is set; and to the `log` facade. The caller checked [`enabled`].
pub(crate) fn emit(client_sink: Option<&LogSink>, record: &LogRecord) {
    log::log!(target: "moveworks", record.level.to_log(), "{}", record.message);
    if log_level().is_none_or(|max| record.level > max) {
        return;
    }
    if let Some(sink) = client_sink {
        return call_sink(sink, record);
    }
    let global = SINK.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    match global {
        Some(sink) => call_sink(&sink, record),
        None if std::env::var_os(LOG_ENV).is_some() => {
            let _ = writeln!(std::io::stderr().lock(), "[moveworks {}] {}", record.level, record.message);
        }
        None => {}
    }
}

/// A sink that panics must not take the call down with it.
fn call_sink(sink: &LogSink, record: &LogRecord) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink(record)));
}

/// JSON keys whose values are never logged (matched case-insensitively as substrings).
const SECRET_KEYS: &[&str] =
    &["token", "secret", "password", "authorization", "cookie", "api_key", "apikey", "credential", "private_key"];

/// A body as logged at `trace`: JSON with secret-looking values replaced, anything
/// else only as its length; cut to [`MAX_LOGGED_BODY`] bytes.
pub fn redact_body(body: &[u8]) -> String {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return format!("<{} bytes, not JSON>", body.len());
    };
    redact_value(&mut value);
    let mut text = value.to_string();
    if text.len() > MAX_LOGGED_BODY {
        let mut cut = MAX_LOGGED_BODY;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(&format!("… ({} bytes)", body.len()));
    }
    text
}

fn redact_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let lower = key.to_ascii_lowercase();
                if SECRET_KEYS.iter().any(|s| lower.contains(s)) {
                    *v = serde_json::Value::String("[redacted]".to_owned());
                } else {
                    redact_value(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_redacted_and_capped() {
        let logged =
            redact_body(br#"{"access_token":"s3cr3t","input":{"text":"hi"},"nested":[{"Client_Secret":"x"}]}"#);
        assert!(!logged.contains("s3cr3t") && !logged.contains("\"x\""), "{logged}");
        assert!(logged.contains("\"hi\""), "{logged}");
        assert_eq!(redact_body(b"grant_type=client_credentials&client_secret=abc"), "<47 bytes, not JSON>");
        let big = format!("{{\"text\":\"{}\"}}", "é".repeat(5000));
        let logged = redact_body(big.as_bytes());
        assert!(logged.len() < MAX_LOGGED_BODY + 40 && logged.ends_with("bytes)"), "{}", logged.len());
    }

    #[test]
    fn level_names() {
        assert_eq!(LogLevel::parse("DEBUG").unwrap(), Some(LogLevel::Debug));
        assert_eq!(LogLevel::parse("off").unwrap(), None);
        assert!(LogLevel::parse("loud").is_err());
        assert!(LogLevel::Error < LogLevel::Trace);
    }
}
