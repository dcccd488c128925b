//! `MoveworksError`, one case per core error kind, each carrying `ErrorDetails`.

use std::time::Duration;

use moveworks as core;
use moveworks::Response;

/// What every [`MoveworksError`] carries; which fields are set depends on `kind`.
// Built here from `core::Error`, whose details are behind accessors (an opaque
// type, not a record); `response` is the core's own `Response`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ErrorDetails {
    /// The core's stable kind name, e.g. `"not_found"`: identical in every language.
    pub kind: String,
    /// The kind this one is a special case of (`"connection"` for `timeout`,
    /// `"api_status"` for every per-status kind), or null: the hierarchy that Python's
    /// and Node's classes express, which uniffi's flat sealed class cannot (the Kotlin
    /// and Swift packages turn it into `isConnectionError` / `isApiStatusError`).
    pub parent_kind: Option<String>,
    /// Human-readable description (for API errors, the server's message).
    pub message: String,
    /// HTTP status, for API and token-endpoint errors.
    pub status: Option<u16>,
    /// The API's `error.code` (e.g. `"NOT_FOUND"`), kept verbatim.
    pub code: Option<String>,
    /// The `x-moveworks-root-uuid` of the failing request: quote it to support.
    pub request_id: Option<String>,
    /// How long the server asked to wait before retrying.
    pub retry_after: Option<Duration>,
    /// For invalid arguments: which argument was rejected.
    pub argument: Option<String>,
    /// For every error of a wait once the response exists (also a 5xx or timeout while
    /// polling, which keep their kind): the response id, to resume with `wait_for_response`.
    pub response_id: Option<String>,
    /// For errors of a wait: the last response seen, if a poll saw one.
    pub response: Option<Response>,
    /// For decode errors: the start of the offending body.
    pub body_excerpt: Option<String>,
    /// True when retrying later might succeed: connection trouble, timeouts, HTTP 408,
    /// 429, 500, 502, 503, 504 (exactly what the client's own retry policy retries).
    pub is_transient: bool,
}

impl From<&core::Error> for ErrorDetails {
    fn from(e: &core::Error) -> Self {
        ErrorDetails {
            kind: e.kind().as_str().to_owned(),
            parent_kind: e.kind().parent().map(|k| k.as_str().to_owned()),
            message: e.message().to_owned(),
            status: e.status(),
            code: e.code().map(|c| c.as_str().to_owned()),
            request_id: e.request_id().map(str::to_owned),
            retry_after: e.retry_after(),
            argument: e.argument().map(str::to_owned),
            response_id: e.response_id().map(str::to_owned),
            response: e.response().cloned(),
            body_excerpt: e.body_excerpt().map(str::to_owned),
            is_transient: e.is_transient(),
        }
    }
}

macro_rules! error_enum {
    ($($(#[$doc:meta])* $variant:ident),* $(,)?) => {
        /// Every failure of this SDK: one variant per core error kind, so callers
        /// can catch the ones they handle; each carries the same [`ErrorDetails`]
        /// (the Kotlin and Swift packages add a `details` accessor on the base type).
        #[derive(Debug, Clone, PartialEq, uniffi::Error)]
        pub enum MoveworksError {
            $(
                $(#[$doc])*
                $variant {
                    /// Kind, status, code, message, request id, retry-after and the rest.
                    details: ErrorDetails,
                },
            )*
        }

        impl From<core::Error> for MoveworksError {
            fn from(e: core::Error) -> Self {
                let details = ErrorDetails::from(&e);
                match e.kind() {
                    $(core::ErrorKind::$variant => MoveworksError::$variant { details },)*
                }
            }
        }

        impl MoveworksError {
            /// The details every variant carries.
            pub fn details(&self) -> &ErrorDetails {
                match self { $(MoveworksError::$variant { details } => details,)* }
            }
        }
    };
}

// Variant names are the core's `ErrorKind` names; the match in `From` is
// exhaustive, so a new core kind fails this build instead of slipping through.
error_enum! {
    /// `invalid_argument`: rejected before any request was sent.
    InvalidArgument,
    /// `connection`: DNS, connect, TLS, reset or truncated body.
    Connection,
    /// `timeout`: an attempt or the call's deadline ran out.
    Timeout,
    /// `decode`: the server answered something that is not the documented JSON.
    Decode,
    /// `oauth`: the token endpoint refused or failed to issue a token.
    OAuth,
    /// `bad_request`: HTTP 400.
    BadRequest,
    /// `authentication`: HTTP 401.
    Authentication,
    /// `permission_denied`: HTTP 403.
    PermissionDenied,
    /// `not_found`: HTTP 404.
    NotFound,
    /// `rate_limit`: HTTP 429 (after the retries the policy allows).
    RateLimit,
    /// `internal_server`: HTTP 5xx.
    InternalServer,
    /// `api_status`: any other non-success HTTP status.
    ApiStatus,
    /// `response_failed`: a polled response ended FAILED (`details.response` holds it).
    ResponseFailed,
    /// `poll_timeout`: a polled response was not terminal before the deadline.
    PollTimeout,
    /// `cancelled`: a cancel handle fired or the update listener returned false.
    Cancelled,
}

impl std::fmt::Display for MoveworksError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.details();
        write!(f, "{}: {}", d.kind, d.message)
    }
}

impl std::error::Error for MoveworksError {}

pub(crate) type Result<T, E = MoveworksError> = std::result::Result<T, E>;
