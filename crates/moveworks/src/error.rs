//! One error type and one taxonomy, shared unchanged by every language binding.
//!
//! [`Error`] is a flat struct rather than a rich enum on purpose: every binding
//! (C, Python, Node, Swift, Kotlin) converts it field by field, and a flat shape
//! with a stable [`ErrorKind`] string crosses each FFI without losing anything.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::model::{Response, ResponseStatus};

/// The machine-readable category of an [`Error`].
///
/// The strings returned by [`ErrorKind::as_str`] are stable and exposed unchanged
/// by every binding, so scripts can match on them in any language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A caller-supplied argument was rejected before any request was sent.
    InvalidArgument,
    /// The connection could not be made or broke (DNS, connect, TLS, reset, truncated body).
    Connection,
    /// An attempt or the overall deadline of a call ran out.
    Timeout,
    /// The server answered something that is not the documented JSON.
    Decode,
    /// The OAuth token endpoint refused or failed to issue a token.
    OAuth,
    /// HTTP 400 from the API.
    BadRequest,
    /// HTTP 401 from the API.
    Authentication,
    /// HTTP 403 from the API.
    PermissionDenied,
    /// HTTP 404 from the API.
    NotFound,
    /// HTTP 429 from the API.
    RateLimit,
    /// HTTP 5xx from the API.
    InternalServer,
    /// Any other non-success HTTP status from the API.
    ApiStatus,
    /// A polled response reached status `FAILED`.
    ResponseFailed,
    /// A polled response did not reach a terminal status before the deadline.
    PollTimeout,
    /// The caller cancelled the operation.
    Cancelled,
}

impl ErrorKind {
    /// Every kind, in declaration order (bindings use this to build their class tables).
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::InvalidArgument,
        ErrorKind::Connection,
        ErrorKind::Timeout,
        ErrorKind::Decode,
        ErrorKind::OAuth,
        ErrorKind::BadRequest,
        ErrorKind::Authentication,
        ErrorKind::PermissionDenied,
        ErrorKind::NotFound,
        ErrorKind::RateLimit,
        ErrorKind::InternalServer,
        ErrorKind::ApiStatus,
        ErrorKind::ResponseFailed,
        ErrorKind::PollTimeout,
        ErrorKind::Cancelled,
    ];

    /// The stable snake_case name of this kind, e.g. `"not_found"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::Connection => "connection",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Decode => "decode",
            ErrorKind::OAuth => "oauth",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Authentication => "authentication",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimit => "rate_limit",
            ErrorKind::InternalServer => "internal_server",
            ErrorKind::ApiStatus => "api_status",
            ErrorKind::ResponseFailed => "response_failed",
            ErrorKind::PollTimeout => "poll_timeout",
            ErrorKind::Cancelled => "cancelled",
        }
    }

    /// Parses a name produced by [`ErrorKind::as_str`].
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kind for an HTTP error status from the API.
    pub fn for_status(status: u16) -> ErrorKind {
        match status {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimit,
            500..=599 => ErrorKind::InternalServer,
            _ => ErrorKind::ApiStatus,
        }
    }

    /// The kind this one is a special case of, which is what the class hierarchies of
    /// the bindings follow: `timeout` is a `connection` error (as in OpenAI's and
    /// Anthropic's SDKs, so one handler for "could not get an answer" catches both), and
    /// every per-status kind is an `api_status` error. The other kinds have no parent.
    pub fn parent(self) -> Option<ErrorKind> {
        match self {
            ErrorKind::Timeout => Some(ErrorKind::Connection),
            ErrorKind::ApiStatus => None,
            k if k.is_api_status() => Some(ErrorKind::ApiStatus),
            _ => None,
        }
    }

    /// True when this kind is `ancestor` or a special case of it (see [`parent`](Self::parent)):
    /// what "caught by the class of `ancestor`" means in every binding.
    pub fn is_a(self, ancestor: ErrorKind) -> bool {
        self == ancestor || self.parent() == Some(ancestor)
    }

    /// True for the kinds that carry an HTTP status answered by the API itself.
    pub fn is_api_status(self) -> bool {
        matches!(
            self,
            ErrorKind::BadRequest
                | ErrorKind::Authentication
                | ErrorKind::PermissionDenied
                | ErrorKind::NotFound
                | ErrorKind::RateLimit
                | ErrorKind::InternalServer
                | ErrorKind::ApiStatus
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `error.code` of an API error body. Unknown codes keep their raw text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApiErrorCode {
    /// `INVALID_INPUT` (400).
    InvalidInput,
    /// `INVALID_CURSOR` (400).
    InvalidCursor,
    /// `INVALID_REQUEST` (400): submit feedback's answer to a callback id it does not accept.
    InvalidRequest,
    /// `UNAUTHORIZED` (401).
    Unauthorized,
    /// `FORBIDDEN` (403).
    Forbidden,
    /// `NOT_FOUND` (404).
    NotFound,
    /// `RATE_LIMIT_EXCEEDED` (429).
    RateLimitExceeded,
    /// `INTERNAL_ERROR` (500).
    InternalError,
    /// A code this SDK version does not know, kept verbatim.
    Unknown(String),
}

impl ApiErrorCode {
    /// Parses a wire code; never fails.
    pub fn parse(code: &str) -> ApiErrorCode {
        match code {
            "INVALID_INPUT" => ApiErrorCode::InvalidInput,
            "INVALID_CURSOR" => ApiErrorCode::InvalidCursor,
            "INVALID_REQUEST" => ApiErrorCode::InvalidRequest,
            "UNAUTHORIZED" => ApiErrorCode::Unauthorized,
            "FORBIDDEN" => ApiErrorCode::Forbidden,
            "NOT_FOUND" => ApiErrorCode::NotFound,
            "RATE_LIMIT_EXCEEDED" => ApiErrorCode::RateLimitExceeded,
            "INTERNAL_ERROR" => ApiErrorCode::InternalError,
            other => ApiErrorCode::Unknown(other.to_owned()),
        }
    }

    /// The wire spelling of the code.
    pub fn as_str(&self) -> &str {
        match self {
            ApiErrorCode::InvalidInput => "INVALID_INPUT",
            ApiErrorCode::InvalidCursor => "INVALID_CURSOR",
            ApiErrorCode::InvalidRequest => "INVALID_REQUEST",
            ApiErrorCode::Unauthorized => "UNAUTHORIZED",
            ApiErrorCode::Forbidden => "FORBIDDEN",
            ApiErrorCode::NotFound => "NOT_FOUND",
            ApiErrorCode::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            ApiErrorCode::InternalError => "INTERNAL_ERROR",
            ApiErrorCode::Unknown(raw) => raw,
        }
    }
}

impl fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every failure of this SDK.
///
/// Which fields are set depends on the [`kind`](Error::kind): API errors carry
/// `status`, `code`, `request_id` and maybe `retry_after`; invalid arguments name
/// the `argument`. Every error of a wait (`wait_for_response`,
/// `create_response_and_wait` once the response was created) carries the
/// `response_id`, whatever its kind, so the caller can resume waiting; and, when a
/// poll had already seen it, the last status and response (always for poll
/// timeouts after the first poll and for failed responses). No field ever holds a credential.
#[derive(Clone)]
pub struct Error {
    // Boxed so that every `Result<T, Error>` stays one pointer wide.
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<ApiErrorCode>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    argument: Option<String>,
    response_id: Option<String>,
    last_status: Option<ResponseStatus>,
    response: Option<Box<Response>>,
    body_excerpt: Option<String>,
    http_headers: Option<crate::model::HttpHeaders>,
    /// Set for failures that repeating cannot fix although their kind usually can
    /// (a certificate the client does not trust is a `connection` error).
    permanent: bool,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// The result type of every fallible SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Longest body excerpt kept on a decode error, in characters.
const EXCERPT_CHARS: usize = 200;

impl Error {
    /// A bare error of `kind` with `message`; the other fields are filled by the `with_*` methods.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                code: None,
                request_id: None,
                retry_after: None,
                argument: None,
                response_id: None,
                last_status: None,
                response: None,
                body_excerpt: None,
                http_headers: None,
                permanent: false,
                source: None,
            }),
        }
    }

    /// An invalid-argument error naming the argument and why it was rejected.
    pub fn invalid_argument(argument: &str, why: impl fmt::Display) -> Error {
        let mut e = Error::new(ErrorKind::InvalidArgument, format!("invalid `{argument}`: {why}"));
        e.inner.argument = Some(argument.to_owned());
        e
    }

    /// A cancelled error.
    pub fn cancelled() -> Error {
        Error::new(ErrorKind::Cancelled, "the operation was cancelled")
    }

    /// A decode error for `body` that could not be read as `what`.
    pub(crate) fn decode(what: &str, detail: impl fmt::Display, body: &[u8]) -> Error {
        let text = String::from_utf8_lossy(body);
        let mut excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
        if text.chars().nth(EXCERPT_CHARS).is_some() {
            excerpt.push('…');
        }
        let mut e = Error::new(ErrorKind::Decode, format!("could not decode {what}: {detail}"));
        e.inner.body_excerpt = Some(excerpt);
        e
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }
    pub(crate) fn with_code(mut self, code: Option<ApiErrorCode>) -> Self {
        self.inner.code = code;
        self
    }
    /// Marks the error as one no retry can fix (see [`is_transient`](Self::is_transient)).
    pub(crate) fn permanent(mut self) -> Self {
        self.inner.permanent = true;
        self
    }
    pub(crate) fn with_http_headers(mut self, headers: Option<crate::model::HttpHeaders>) -> Self {
        if self.inner.http_headers.is_none() {
            self.inner.http_headers = headers;
        }
        self
    }
    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        if self.inner.request_id.is_none() {
            self.inner.request_id = request_id;
        }
        self
    }
    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }
    pub(crate) fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Arc::new(source));
        self
    }
    pub(crate) fn with_response(mut self, response: Response) -> Self {
        self.inner.response_id = Some(response.response_id.clone());
        self.inner.last_status = Some(response.status.clone());
        self.inner.response = Some(Box::new(response));
        self
    }
    /// Names the response an error happened to after `create_response` had already been
    /// accepted (a failed poll, a timeout, a cancel), so the caller can resume with
    /// `wait_for_response` instead of asking again. Keeps the kind and any response
    /// already attached (a FAILED or timed-out response is more precise than `last`).
    pub(crate) fn with_accepted_response(mut self, response_id: &str, last: Option<&Response>) -> Self {
        if self.inner.response_id.is_none() {
            self.inner.response_id = Some(response_id.to_owned());
        }
        if self.inner.response.is_none() {
            if let Some(r) = last {
                self.inner.last_status = Some(r.status.clone());
                self.inner.response = Some(Box::new(r.clone()));
            }
        }
        self
    }
    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }
    /// Appends an explanation to the message (kind, status and code unchanged).
    pub(crate) fn with_hint(mut self, hint: impl fmt::Display) -> Self {
        self.inner.message = format!("{} ({hint})", self.inner.message);
        self
    }

    /// The category of this error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }
    /// Human-readable description (for API errors, the server's message).
    pub fn message(&self) -> &str {
        &self.inner.message
    }
    /// HTTP status, for API errors and token-endpoint errors.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }
    /// The API's `error.code`, when the body carried one.
    pub fn code(&self) -> Option<&ApiErrorCode> {
        self.inner.code.as_ref()
    }
    /// The `x-moveworks-root-uuid` of the failing request: quote it to Moveworks support.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The headers of the HTTP answer that failed (names lowercase), when one arrived.
    pub fn http_headers(&self) -> Option<&crate::model::HttpHeaders> {
        self.inner.http_headers.as_ref()
    }
    /// How long the server asked us to wait (`Retry-After` / `retry-after-ms`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }
    /// For invalid-argument errors: which argument was rejected.
    pub fn argument(&self) -> Option<&str> {
        self.inner.argument.as_deref()
    }
    /// For every error of a wait once the response exists (poll errors, timeouts,
    /// `poll_timeout`, `response_failed`, `cancelled`): the response id, to resume with
    /// `wait_for_response`. `None` for errors of other calls.
    pub fn response_id(&self) -> Option<&str> {
        self.inner.response_id.as_deref()
    }
    /// For errors of a wait: the status of the last response seen, if one was seen.
    pub fn last_status(&self) -> Option<&ResponseStatus> {
        self.inner.last_status.as_ref()
    }
    /// For errors of a wait: the last response seen (for `response_failed`, the FAILED
    /// one), if one was seen.
    pub fn response(&self) -> Option<&Response> {
        self.inner.response.as_deref()
    }
    /// For decode errors: the start of the offending body (at most 200 characters).
    pub fn body_excerpt(&self) -> Option<&str> {
        self.inner.body_excerpt.as_deref()
    }
    /// True when retrying later might succeed: connection trouble, timeouts, and HTTP
    /// 408, 429, 500, 502, 503, 504. Exactly the statuses and kinds the client's own retry
    /// policy retries (one function decides both), so a 501 or 505 is not transient.
    pub fn is_transient(&self) -> bool {
        !self.inner.permanent && crate::retry::is_transient(self.inner.kind, self.inner.status)
    }

    /// Every detail of this error as one plain record: what each binding converts
    /// into its own error object, so the list of fields lives here only (a binding
    /// that destructures it stops compiling when a field is added).
    pub fn details(&self) -> ErrorDetails {
        ErrorDetails {
            kind: self.kind().as_str().to_owned(),
            parent_kind: self.kind().parent().map(|k| k.as_str().to_owned()),
            message: self.message().to_owned(),
            status: self.status(),
            code: self.code().map(|c| c.as_str().to_owned()),
            request_id: self.request_id().map(str::to_owned),
            retry_after: self.retry_after(),
            argument: self.argument().map(str::to_owned),
            response_id: self.response_id().map(str::to_owned),
            last_status: self.last_status().cloned(),
            response: self.response().cloned(),
            body_excerpt: self.body_excerpt().map(str::to_owned),
            http_headers: self.http_headers().map(crate::model::HttpHeaders::to_map),
            is_transient: self.is_transient(),
        }
    }
}

/// Every detail of an [`Error`], as a plain record ([`Error::details`]); which fields
/// are set depends on `kind`. The bindings build their error objects from it.
///
/// It serializes to JSON with the field names below (`retry_after` in seconds,
/// `last_status` and `response` as the wire sends them): how the Python and Node
/// bindings receive it, so they list no fields of their own.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ErrorDetails {
    /// The stable kind name, e.g. `"not_found"`: identical in every language.
    pub kind: String,
    /// The kind this one is a special case of (`"connection"` for `timeout`,
    /// `"api_status"` for every per-status kind), or `None`: the hierarchy each
    /// language's error classes follow.
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
    #[serde(serialize_with = "seconds")]
    pub retry_after: Option<Duration>,
    /// For invalid arguments: which argument was rejected.
    pub argument: Option<String>,
    /// For every error of a wait once the response exists (also a 5xx or timeout while
    /// polling, which keep their kind): the response id, to resume with `wait_for_response`.
    pub response_id: Option<String>,
    /// For errors of a wait: the status of the last response seen, if a poll saw one.
    pub last_status: Option<ResponseStatus>,
    /// For errors of a wait: the last response seen, if a poll saw one.
    pub response: Option<Response>,
    /// For decode errors: the start of the offending body.
    pub body_excerpt: Option<String>,
    /// The headers of the failing HTTP answer (names lowercase), when one arrived.
    pub http_headers: Option<std::collections::HashMap<String, String>>,
    /// True when retrying later might succeed: connection trouble, timeouts, HTTP 408,
    /// 429, 500, 502, 503, 504 (exactly what the client's own retry policy retries).
    pub is_transient: bool,
}

/// A duration as (fractional) seconds, the unit JSON consumers of [`ErrorDetails`] get.
fn seconds<S: serde::Serializer>(value: &Option<Duration>, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    match value {
        Some(d) => serializer.serialize_some(&d.as_secs_f64()),
        None => serializer.serialize_none(),
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind).field("message", &self.inner.message);
        if let Some(s) = self.inner.status {
            d.field("status", &s);
        }
        if let Some(c) = &self.inner.code {
            d.field("code", &c.as_str());
        }
        if let Some(r) = &self.inner.request_id {
            d.field("request_id", r);
        }
        if let Some(r) = &self.inner.retry_after {
            d.field("retry_after", r);
        }
        if let Some(a) = &self.inner.argument {
            d.field("argument", a);
        }
        if let Some(r) = &self.inner.response_id {
            d.field("response_id", r);
        }
        if let Some(s) = &self.inner.last_status {
            d.field("last_status", &s.as_str());
        }
        if let Some(b) = &self.inner.body_excerpt {
            d.field("body_excerpt", b);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.kind, self.inner.message)?;
        let mut extras = Vec::new();
        if let Some(s) = self.inner.status {
            extras.push(format!("status {s}"));
        }
        if let Some(c) = &self.inner.code {
            extras.push(format!("code {c}"));
        }
        if let Some(r) = &self.inner.request_id {
            extras.push(format!("request id {r}"));
        }
        if !extras.is_empty() {
            write!(f, " ({})", extras.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hierarchy every binding's classes follow (README's error table): timeout
    /// under connection, each per-status kind under api_status, nothing else nested.
    #[test]
    fn kind_parents() {
        for kind in ErrorKind::ALL {
            let want = match kind {
                ErrorKind::Timeout => Some(ErrorKind::Connection),
                ErrorKind::BadRequest
                | ErrorKind::Authentication
                | ErrorKind::PermissionDenied
                | ErrorKind::NotFound
                | ErrorKind::RateLimit
                | ErrorKind::InternalServer => Some(ErrorKind::ApiStatus),
                _ => None,
            };
            assert_eq!(kind.parent(), want, "{kind}");
            assert!(kind.is_a(kind));
            for other in ErrorKind::ALL {
                assert_eq!(kind.is_a(other), other == kind || want == Some(other), "{kind} is_a {other}");
            }
        }
        assert!(!ErrorKind::PollTimeout.is_a(ErrorKind::Timeout), "a wait's deadline is not a connection problem");
    }

    /// `is_transient` is the retry policy's decision for every error status.
    #[test]
    fn is_transient_equals_the_retry_policy_for_every_status() {
        for status in 400..=599u16 {
            let api = Error::new(ErrorKind::for_status(status), "x").with_status(status);
            assert_eq!(api.is_transient(), crate::retry::is_retryable_status(status), "{status}");
            let token = Error::new(ErrorKind::OAuth, "x").with_status(status);
            assert_eq!(token.is_transient(), crate::retry::is_retryable_status(status), "oauth {status}");
        }
    }
}
