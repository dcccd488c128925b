//! Logs: the core's records (`moveworks::logging`) handed to a C callback.

use std::ffi::{c_char, c_int, c_void, CString};
use std::ptr;
use std::sync::Arc;

use moveworks::logging::{self, LogLevel, LogRecord};
use moveworks::Error;

use crate::error::{guard_plain, mw_status};
use crate::util::cstring_lossy;

/// The severity of a log record, most severe first; also the level given to
/// mw_set_log_level() (records of that level and the more severe ones are emitted).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_log_level {
    /// No records at all (only for mw_set_log_level() and mw_get_log_level()).
    MW_LOG_OFF = 0,
    /// A call failed for good.
    MW_LOG_ERROR = 1,
    /// Something the app should know about (e.g. a retry given up). The default level.
    MW_LOG_WARN = 2,
    /// Each retry decision, a stream falling back to polling.
    MW_LOG_INFO = 3,
    /// Every HTTP attempt with its outcome, and the OAuth token fetch.
    MW_LOG_DEBUG = 4,
    /// Also the request and response bodies (secret values redacted, cut at 4096 bytes).
    MW_LOG_TRACE = 5,
}

fn c_level(level: LogLevel) -> mw_log_level {
    match level {
        LogLevel::Error => mw_log_level::MW_LOG_ERROR,
        LogLevel::Warn => mw_log_level::MW_LOG_WARN,
        LogLevel::Info => mw_log_level::MW_LOG_INFO,
        LogLevel::Debug => mw_log_level::MW_LOG_DEBUG,
        LogLevel::Trace => mw_log_level::MW_LOG_TRACE,
    }
}

/// One log record, as the log callback receives it. Every pointer in it is BORROWED for the
/// duration of the callback only: copy what you keep. Absent fields are NULL (strings),
/// 0 (`http_status`, `attempt`) or -1 (`duration_ms`). Never holds a token, secret, key,
/// proxy credential or cookie (headers are not logged; bodies only at MW_LOG_TRACE, redacted).
#[repr(C)]
pub struct mw_log_record {
    /// Severity.
    pub level: mw_log_level,
    /// The whole line, e.g. `GET /rest/v1beta1/conversations/c1 -> 503 attempt=1 ... retry in 250ms (1/2)`.
    pub message: *const c_char,
    /// HTTP method, or NULL.
    pub method: *const c_char,
    /// URL path (never the query or credentials), or NULL.
    pub path: *const c_char,
    /// HTTP status when an answer arrived, else 0.
    pub http_status: i32,
    /// Which attempt of the call (1 is the first), else 0.
    pub attempt: u32,
    /// How long the attempt took in milliseconds, else -1.
    pub duration_ms: i64,
    /// The answer's request id (`x-moveworks-root-uuid`), or NULL.
    pub request_id: *const c_char,
    /// The error kind of a failed attempt (the mw_status_name() strings), or NULL.
    pub error_kind: *const c_char,
    /// What happens next: "retry in 250ms (1/2)", "give up", "replay with a fresh token",
    /// or NULL on success.
    pub retry: *const c_char,
}

/// Receives each log record. `record` and its strings are borrowed for the duration of the
/// call only. THREAD SAFETY: it is called on the thread running the SDK call that logs (the
/// caller's thread for blocking calls), so with several threads making calls it runs on
/// several threads at once: it must be thread-safe. It must not call mw_set_log_callback()
/// and must not unwind (no C++ exceptions through it).
pub type mw_log_callback = Option<unsafe extern "C" fn(record: *const mw_log_record, user_data: *mut c_void)>;

/// The callback and its user data, handed to the core as its process-wide sink.
struct Callback {
    f: unsafe extern "C" fn(*const mw_log_record, *mut c_void),
    user_data: *mut c_void,
}

// SAFETY: the C contract above: the callback is thread-safe and `user_data` is whatever
// it needs; the library only passes the pointer back.
unsafe impl Send for Callback {}
unsafe impl Sync for Callback {}

impl Callback {
    fn call(&self, r: &LogRecord) {
        let s = |v: &Option<String>| v.as_deref().map(cstring_lossy);
        let message = cstring_lossy(&r.message);
        let (method, path, request_id, error_kind, retry) =
            (s(&r.method), s(&r.path), s(&r.request_id), s(&r.error_kind), s(&r.retry));
        let p = |v: &Option<CString>| v.as_ref().map_or(ptr::null(), |c| c.as_ptr());
        let record = mw_log_record {
            level: c_level(r.level),
            message: message.as_ptr(),
            method: p(&method),
            path: p(&path),
            http_status: r.status.map_or(0, i32::from),
            attempt: r.attempt.unwrap_or(0),
            duration_ms: r.duration_ms.map_or(-1, |d| i64::try_from(d).unwrap_or(i64::MAX)),
            request_id: p(&request_id),
            error_kind: p(&error_kind),
            retry: p(&retry),
        };
        // SAFETY: the record and its strings outlive the call.
        unsafe { (self.f)(&record, self.user_data) }
    }
}

/// Installs the process-wide log callback (replacing any), or removes it with NULL. Every
/// client's records go to it, with `user_data` passed back unchanged; without one, records
/// go to standard error as `[moveworks debug] ...` lines when the `MOVEWORKS_LOG` variable
/// is set, else nowhere. Which records: mw_set_log_level(). One MW_LOG_DEBUG record per HTTP
/// attempt (method, path, status, attempt, duration, request id, retry decision), one
/// MW_LOG_INFO record per retry decision, the bodies at MW_LOG_TRACE; never a secret.
/// Always MW_OK. A call running meanwhile may still deliver a record to the previous
/// callback: keep its `user_data` valid until such calls have returned.
#[no_mangle]
pub unsafe extern "C" fn mw_set_log_callback(callback: mw_log_callback, user_data: *mut c_void) -> mw_status {
    guard_plain(|| {
        let sink = callback.map(|f| {
            let cb = Callback { f, user_data };
            Arc::new(move |r: &LogRecord| cb.call(r)) as logging::LogSink
        });
        logging::set_log_sink(sink);
        Ok(())
    })
}

/// Sets the most detailed level emitted, process-wide, overriding `MOVEWORKS_LOG`:
/// MW_LOG_OFF silences the library, MW_LOG_DEBUG gives every attempt, MW_LOG_TRACE also the
/// (redacted) bodies. Until it is called the level is `MOVEWORKS_LOG`'s (`error`, `warn`,
/// `info`, `debug`, `trace` or `off`), else MW_LOG_WARN. Takes an int so that any value is
/// safe to pass: one that is not an mw_log_level is MW_INVALID_ARGUMENT (argument "level").
#[no_mangle]
pub extern "C" fn mw_set_log_level(level: c_int) -> mw_status {
    guard_plain(|| {
        let level = match level {
            0 => None,
            1 => Some(LogLevel::Error),
            2 => Some(LogLevel::Warn),
            3 => Some(LogLevel::Info),
            4 => Some(LogLevel::Debug),
            5 => Some(LogLevel::Trace),
            _ => return Err(Error::invalid_argument("level", "must be an mw_log_level (MW_LOG_OFF..MW_LOG_TRACE)")),
        };
        logging::set_log_level(level);
        Ok(())
    })
}

/// The most detailed level emitted now: mw_set_log_level()'s, else `MOVEWORKS_LOG`'s, else
/// MW_LOG_WARN.
#[no_mangle]
pub extern "C" fn mw_get_log_level() -> mw_log_level {
    std::panic::catch_unwind(|| logging::log_level().map_or(mw_log_level::MW_LOG_OFF, c_level))
        .unwrap_or(mw_log_level::MW_LOG_WARN)
}
