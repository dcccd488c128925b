//! Status codes, the detailed error object, and the panic-catching call wrapper.

use std::ffi::{c_char, c_int, CString};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

use moveworks::{Error, ErrorKind, Response};

use crate::models::mw_response;
use crate::util::{cstring_lossy, headers_json, Handle};

/// The result of every fallible function. `MW_OK` (0) is success; every other
/// value maps one-to-one to an error kind of the core SDK (same names as the
/// `kind` strings of every other binding), plus `MW_PANIC`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_status {
    /// Success.
    MW_OK = 0,
    /// `invalid_argument`: an argument was rejected before any request was sent
    /// (including NULL pointers and strings that are not valid UTF-8).
    MW_INVALID_ARGUMENT = 1,
    /// `connection`: the connection could not be made or broke.
    MW_CONNECTION = 2,
    /// `timeout`: an attempt or the overall deadline of a call ran out.
    MW_TIMEOUT = 3,
    /// `decode`: the server answered something that is not the documented JSON
    /// (also: JSON given to an mw_*_from_json function could not be read).
    MW_DECODE = 4,
    /// `oauth`: the OAuth token endpoint refused or failed to issue a token.
    MW_OAUTH = 5,
    /// `bad_request`: HTTP 400 from the API.
    MW_BAD_REQUEST = 6,
    /// `authentication`: HTTP 401 from the API.
    MW_AUTHENTICATION = 7,
    /// `permission_denied`: HTTP 403 from the API.
    MW_PERMISSION_DENIED = 8,
    /// `not_found`: HTTP 404 from the API.
    MW_NOT_FOUND = 9,
    /// `rate_limit`: HTTP 429 from the API (after the client's retries).
    MW_RATE_LIMIT = 10,
    /// `internal_server`: HTTP 5xx from the API (after the client's retries).
    MW_INTERNAL_SERVER = 11,
    /// `api_status`: any other non-success HTTP status from the API.
    MW_API_STATUS = 12,
    /// `response_failed`: a polled response reached status FAILED.
    MW_RESPONSE_FAILED = 13,
    /// `poll_timeout`: a polled response did not finish before the wait's deadline.
    MW_POLL_TIMEOUT = 14,
    /// `cancelled`: the caller cancelled the operation (cancel token or update callback).
    MW_CANCELLED = 15,
    /// `panic`: a bug inside the library was caught at the boundary. The call had no
    /// effect on its out-parameters; please report it.
    MW_PANIC = 100,
}

/// The status of an error kind: the one-to-one table of the ABI.
pub(crate) fn status_of(kind: ErrorKind) -> mw_status {
    match kind {
        ErrorKind::InvalidArgument => mw_status::MW_INVALID_ARGUMENT,
        ErrorKind::Connection => mw_status::MW_CONNECTION,
        ErrorKind::Timeout => mw_status::MW_TIMEOUT,
        ErrorKind::Decode => mw_status::MW_DECODE,
        ErrorKind::OAuth => mw_status::MW_OAUTH,
        ErrorKind::BadRequest => mw_status::MW_BAD_REQUEST,
        ErrorKind::Authentication => mw_status::MW_AUTHENTICATION,
        ErrorKind::PermissionDenied => mw_status::MW_PERMISSION_DENIED,
        ErrorKind::NotFound => mw_status::MW_NOT_FOUND,
        ErrorKind::RateLimit => mw_status::MW_RATE_LIMIT,
        ErrorKind::InternalServer => mw_status::MW_INTERNAL_SERVER,
        ErrorKind::ApiStatus => mw_status::MW_API_STATUS,
        ErrorKind::ResponseFailed => mw_status::MW_RESPONSE_FAILED,
        ErrorKind::PollTimeout => mw_status::MW_POLL_TIMEOUT,
        ErrorKind::Cancelled => mw_status::MW_CANCELLED,
    }
}

/// Every status and its stable name, in numeric order.
const STATUS_NAMES: [(mw_status, &std::ffi::CStr); 17] = [
    (mw_status::MW_OK, c"ok"),
    (mw_status::MW_INVALID_ARGUMENT, c"invalid_argument"),
    (mw_status::MW_CONNECTION, c"connection"),
    (mw_status::MW_TIMEOUT, c"timeout"),
    (mw_status::MW_DECODE, c"decode"),
    (mw_status::MW_OAUTH, c"oauth"),
    (mw_status::MW_BAD_REQUEST, c"bad_request"),
    (mw_status::MW_AUTHENTICATION, c"authentication"),
    (mw_status::MW_PERMISSION_DENIED, c"permission_denied"),
    (mw_status::MW_NOT_FOUND, c"not_found"),
    (mw_status::MW_RATE_LIMIT, c"rate_limit"),
    (mw_status::MW_INTERNAL_SERVER, c"internal_server"),
    (mw_status::MW_API_STATUS, c"api_status"),
    (mw_status::MW_RESPONSE_FAILED, c"response_failed"),
    (mw_status::MW_POLL_TIMEOUT, c"poll_timeout"),
    (mw_status::MW_CANCELLED, c"cancelled"),
    (mw_status::MW_PANIC, c"panic"),
];

/// The stable name of a status, e.g. "not_found" (the core's error kind string),
/// "ok" or "panic". Returns a static string (never free it), or NULL for a value
/// that is not an mw_status. Takes an int so that any value is safe to pass.
#[no_mangle]
pub extern "C" fn mw_status_name(status: c_int) -> *const c_char {
    STATUS_NAMES.iter().find(|(s, _)| *s as c_int == status).map_or(ptr::null(), |(_, n)| n.as_ptr())
}

/// The stable name of a status as Rust text, for messages ("an unknown status" for a
/// value outside the enum, which C may pass through a callback's return).
pub(crate) fn status_label(status: c_int) -> &'static str {
    STATUS_NAMES
        .iter()
        .find(|(s, _)| *s as c_int == status)
        .map_or("an unknown status", |(_, n)| n.to_str().unwrap_or(""))
}

/// True when an error of `status` is a special case of `ancestor` (or is it): the one
/// exception hierarchy of every binding, for C, which has no classes. `MW_TIMEOUT` is
/// an `MW_CONNECTION` error; `MW_BAD_REQUEST`, `MW_AUTHENTICATION`, `MW_PERMISSION_DENIED`,
/// `MW_NOT_FOUND`, `MW_RATE_LIMIT` and `MW_INTERNAL_SERVER` are `MW_API_STATUS` errors;
/// every other status is only itself. So `mw_status_is_a(st, MW_CONNECTION)` is the C
/// form of Python's `except APIConnectionError` (README.md, "Error classes in each
/// language"). Takes ints so that any value is safe to pass; false for unknown values.
#[no_mangle]
pub extern "C" fn mw_status_is_a(status: c_int, ancestor: c_int) -> bool {
    let kind_of = |value: c_int| ErrorKind::ALL.into_iter().find(|k| status_of(*k) as c_int == value);
    match (kind_of(status), kind_of(ancestor)) {
        (Some(kind), Some(ancestor)) => kind.is_a(ancestor),
        // MW_OK and MW_PANIC are outside the kinds' hierarchy: each is only itself.
        _ => status == ancestor && !mw_status_name(status).is_null(),
    }
}

/// A detailed error. Owned by the caller; free it with mw_error_free().
///
/// Its accessors cannot fail, so they return values directly. Strings they return
/// are borrowed from the error and valid until mw_error_free(); an absent field is NULL.
pub struct mw_error {
    _private: [u8; 0],
}

/// What an mw_error handle points to.
pub(crate) struct ErrorData {
    status: mw_status,
    kind_name: CString,
    message: CString,
    http_status: i32,
    code: Option<CString>,
    request_id: Option<CString>,
    retry_after_ms: i64,
    argument: Option<CString>,
    response_id: Option<CString>,
    last_status: Option<CString>,
    body_excerpt: Option<CString>,
    transient: bool,
    response: Option<Response>,
    /// The failing answer's headers (lowercase names) and the same as JSON.
    http_headers: Vec<(String, CString)>,
    http_headers_json: Option<CString>,
}

impl Handle for mw_error {
    type Inner = ErrorData;
}

fn opt(s: Option<&str>) -> Option<CString> {
    s.map(cstring_lossy)
}

impl ErrorData {
    pub(crate) fn from_core(e: &Error) -> ErrorData {
        // Destructured in full: a field added to the core's record fails this build
        // until it is passed on.
        let moveworks::ErrorDetails {
            kind,
            parent_kind: _, // C expresses the hierarchy with mw_status_is_a().
            message,
            status,
            code,
            request_id,
            retry_after,
            argument,
            response_id,
            last_status,
            response,
            body_excerpt,
            is_transient,
            http_headers,
        } = e.details();
        let mut headers: Vec<(String, CString)> =
            http_headers.iter().flatten().map(|(k, v)| (k.to_ascii_lowercase(), cstring_lossy(v))).collect();
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        ErrorData {
            status: status_of(e.kind()),
            kind_name: cstring_lossy(&kind),
            message: cstring_lossy(&message),
            http_status: status.map_or(0, i32::from),
            code: opt(code.as_deref()),
            request_id: opt(request_id.as_deref()),
            retry_after_ms: retry_after.map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            argument: opt(argument.as_deref()),
            response_id: opt(response_id.as_deref()),
            last_status: opt(last_status.as_ref().map(|s| s.as_str())),
            body_excerpt: opt(body_excerpt.as_deref()),
            transient: is_transient,
            response,
            http_headers: headers,
            http_headers_json: http_headers.as_ref().map(|h| cstring_lossy(&headers_json(h))),
        }
    }

    fn panic(message: &str) -> ErrorData {
        ErrorData {
            status: mw_status::MW_PANIC,
            kind_name: cstring_lossy("panic"),
            message: cstring_lossy(message),
            http_status: 0,
            code: None,
            request_id: None,
            retry_after_ms: -1,
            argument: None,
            response_id: None,
            last_status: None,
            body_excerpt: None,
            transient: false,
            response: None,
            http_headers: Vec::new(),
            http_headers_json: None,
        }
    }
}

/// Runs `f` behind the boundary: catches panics, maps errors to a status and
/// writes the detailed error (or NULL) to `out_error` when it is not NULL.
pub(crate) fn guard(out_error: *mut *mut mw_error, f: impl FnOnce() -> Result<(), Error>) -> mw_status {
    if !out_error.is_null() {
        // SAFETY: the caller passes NULL or a valid `mw_error **`.
        unsafe { *out_error = ptr::null_mut() };
    }
    let data = match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return mw_status::MW_OK,
        Ok(Err(e)) => ErrorData::from_core(&e),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            ErrorData::panic(&format!("panic inside libmoveworks: {msg}"))
        }
    };
    let status = data.status;
    if !out_error.is_null() {
        // Building the error box cannot panic in practice; guard it anyway so nothing unwinds into C.
        if let Ok(b) = panic::catch_unwind(AssertUnwindSafe(|| Box::new(data))) {
            // SAFETY: checked non-NULL above.
            unsafe { *out_error = Box::into_raw(b) as *mut mw_error };
        }
    }
    status
}

/// Like [`guard`] for functions without an `out_error` parameter.
pub(crate) fn guard_plain(f: impl FnOnce() -> Result<(), Error>) -> mw_status {
    guard(ptr::null_mut(), f)
}

unsafe fn data<'a>(e: *const mw_error) -> Option<&'a ErrorData> {
    (e as *const ErrorData).as_ref()
}

fn cptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

/// Frees an error. NULL is allowed (no-op).
#[no_mangle]
pub unsafe extern "C" fn mw_error_free(error: *mut mw_error) {
    crate::util::free_handle(error)
}

/// The error's status (its kind as an mw_status); MW_INVALID_ARGUMENT for a NULL error.
#[no_mangle]
pub unsafe extern "C" fn mw_error_kind(error: *const mw_error) -> mw_status {
    data(error).map_or(mw_status::MW_INVALID_ARGUMENT, |d| d.status)
}

/// The stable kind string, e.g. "not_found" (the same string every binding uses),
/// or "panic". NULL for a NULL error.
#[no_mangle]
pub unsafe extern "C" fn mw_error_kind_name(error: *const mw_error) -> *const c_char {
    data(error).map_or(ptr::null(), |d| d.kind_name.as_ptr())
}

/// Human-readable description (for API errors, the server's message). NULL for a NULL error.
#[no_mangle]
pub unsafe extern "C" fn mw_error_message(error: *const mw_error) -> *const c_char {
    data(error).map_or(ptr::null(), |d| d.message.as_ptr())
}

/// The HTTP status of an API or token-endpoint error; 0 when there is none.
#[no_mangle]
pub unsafe extern "C" fn mw_error_http_status(error: *const mw_error) -> i32 {
    data(error).map_or(0, |d| d.http_status)
}

/// The API's `error.code` (e.g. "NOT_FOUND"; unknown codes verbatim), or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_error_code(error: *const mw_error) -> *const c_char {
    data(error).map_or(ptr::null(), |d| cptr(&d.code))
}

/// The `x-moveworks-root-uuid` of the failing request (quote it to Moveworks support), or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_error_request_id(error: *const mw_error) -> *const c_char {
    data(error).map_or(ptr::null(), |d| cptr(&d.request_id))
}

/// One header of the HTTP answer that failed, by name (case-insensitive, e.g.
/// "x-moveworks-root-uuid" or "retry-after"), next to mw_error_request_id(); NULL when
/// absent, when no answer arrived (connection errors, invalid arguments), or for a NULL
/// error or name. Borrowed from the error: valid until mw_error_free().
#[no_mangle]
pub unsafe extern "C" fn mw_error_http_header(error: *const mw_error, name: *const c_char) -> *const c_char {
    let (Some(d), false) = (data(error), name.is_null()) else {
        return ptr::null();
    };
    let Ok(name) = std::ffi::CStr::from_ptr(name).to_str() else {
        return ptr::null();
    };
    let name = name.to_ascii_lowercase();
    d.http_headers.iter().find(|(k, _)| *k == name).map_or(ptr::null(), |(_, v)| v.as_ptr())
}

/// Every header of the HTTP answer that failed, as a JSON object of lowercase names to
/// values (sorted by name); NULL when no answer arrived. Borrowed from the error: valid
/// until mw_error_free().
#[no_mangle]
pub unsafe extern "C" fn mw_error_http_headers_json(error: *const mw_error) -> *const c_char {
    data(error).map_or(ptr::null(), |d| cptr(&d.http_headers_json))
}

/// How long the server asked to wait before retrying, in milliseconds; -1 when it did not say.
#[no_mangle]
pub unsafe extern "C" fn mw_error_retry_after_ms(error: *const mw_error) -> i64 {
    data(error).map_or(-1, |d| d.retry_after_ms)
}

/// For MW_INVALID_ARGUMENT: the name of the rejected argument (e.g. "conversation_id"), or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_error_argument(error: *const mw_error) -> *const c_char {
    data(error).map_or(ptr::null(), |d| cptr(&d.argument))
}

/// The id of the response a wait was waiting for, or NULL. Set on every error of
/// mw_client_wait_for_response and of mw_client_create_response_and_wait once the
/// response was created, whatever the status (a 5xx or timeout while polling keeps its
/// status, e.g. MW_INTERNAL_SERVER): resume with mw_client_wait_for_response instead of
/// asking again. Always set for MW_POLL_TIMEOUT and MW_RESPONSE_FAILED.
#[no_mangle]
pub unsafe extern "C" fn mw_error_response_id(error: *const mw_error) -> *const c_char {
    data(error).map_or(ptr::null(), |d| cptr(&d.response_id))
}

/// For errors of a wait (see mw_error_response_id): the status of the last response seen
/// (wire spelling), or NULL when none was seen.
#[no_mangle]
pub unsafe extern "C" fn mw_error_last_status(error: *const mw_error) -> *const c_char {
    data(error).map_or(ptr::null(), |d| cptr(&d.last_status))
}

/// For errors of a wait (see mw_error_response_id): the last response seen (for
/// MW_RESPONSE_FAILED, the FAILED one), borrowed from the error (valid until
/// mw_error_free), or NULL when none was seen.
#[no_mangle]
pub unsafe extern "C" fn mw_error_response(error: *const mw_error) -> *const mw_response {
    data(error).and_then(|d| d.response.as_ref()).map_or(ptr::null(), |r| r as *const Response as *const mw_response)
}

/// For MW_DECODE: the start of the offending body (at most 200 characters), or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_error_body_excerpt(error: *const mw_error) -> *const c_char {
    data(error).map_or(ptr::null(), |d| cptr(&d.body_excerpt))
}

/// True when retrying later might succeed: connection trouble, timeouts, HTTP 408, 429, 500,
/// 502, 503, 504 (exactly what the client's own retry policy retries).
#[no_mangle]
pub unsafe extern "C" fn mw_error_is_transient(error: *const mw_error) -> bool {
    data(error).is_some_and(|d| d.transient)
}

/// Panics inside the library on purpose and returns the resulting MW_PANIC (with an
/// error whose kind name is "panic"): lets the test suites check the panic boundary.
/// Test builds only (feature `test-hooks`); excluded from the header (cbindgen.toml).
#[cfg(feature = "test-hooks")]
#[no_mangle]
pub extern "C" fn mw_debug_panic(out_error: *mut *mut mw_error) -> mw_status {
    guard(out_error, || {
        // resume_unwind skips the panic hook, so nothing is printed to stderr.
        panic::resume_unwind(Box::new("mw_debug_panic was called"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    /// The status table is one-to-one with the core's kinds and uses the core's kind strings.
    #[test]
    fn statuses_map_one_to_one_to_error_kinds() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let status = status_of(kind);
            assert!(seen.insert(status as i32), "{kind} shares a status");
            let name = unsafe { CStr::from_ptr(mw_status_name(status as c_int)) };
            assert_eq!(name.to_str().unwrap(), kind.as_str());
        }
        assert_eq!(STATUS_NAMES.len(), ErrorKind::ALL.len() + 2, "only MW_OK and MW_PANIC are extra");
    }

    /// mw_status_is_a is the core's hierarchy, one to one through the status table.
    #[test]
    fn status_is_a_follows_the_core_hierarchy() {
        for kind in ErrorKind::ALL {
            for ancestor in ErrorKind::ALL {
                let got = mw_status_is_a(status_of(kind) as c_int, status_of(ancestor) as c_int);
                assert_eq!(got, kind.is_a(ancestor), "{kind} is_a {ancestor}");
            }
        }
        assert!(mw_status_is_a(mw_status::MW_TIMEOUT as c_int, mw_status::MW_CONNECTION as c_int));
        assert!(mw_status_is_a(mw_status::MW_PANIC as c_int, mw_status::MW_PANIC as c_int));
        assert!(!mw_status_is_a(mw_status::MW_OK as c_int, mw_status::MW_PANIC as c_int));
        assert!(!mw_status_is_a(99, 99), "unknown values are nothing");
    }
}
