//! `MoveworksError`, one case per core error kind, each carrying `ErrorDetails`.

use moveworks as core;

/// What every [`MoveworksError`] carries: the core's own record (derived for uniffi
/// by the core's `uniffi` feature, like the model), built by `core::Error::details`.
pub use moveworks::ErrorDetails;

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
                let details = e.details();
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

/// What an app's callback (token provider, checkpoint store, webhook verifier) threw
/// when it was not a `MoveworksException` / `MoveworksError`: `InvalidArgument` naming
/// `callback`, which the caller of that callback turns into its own kind (see
/// [`MoveworksError::into_core`]). uniffi needs this conversion to report such a
/// throw instead of panicking.
impl From<uniffi::UnexpectedUniFFICallbackError> for MoveworksError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        core::Error::invalid_argument(CALLBACK, &e.reason).into()
    }
}

/// The argument named by the error of a callback that threw something else than this SDK's error.
const CALLBACK: &str = "callback";

impl MoveworksError {
    /// Back into the core's error, for a callback's failure that the core reports
    /// (its kind and message kept); an unexpected throw (see the `From` above) becomes
    /// `unexpected`, the error of the callback's caller.
    pub(crate) fn into_core(self, unexpected: impl FnOnce(&str) -> core::Error) -> core::Error {
        let d = self.details();
        if d.kind == core::ErrorKind::InvalidArgument.as_str() && d.argument.as_deref() == Some(CALLBACK) {
            // Only what the callback threw, not this error's own `invalid `callback`: ` prefix.
            return unexpected(d.message.strip_prefix(&format!("invalid `{CALLBACK}`: ")).unwrap_or(&d.message));
        }
        let kind = core::ErrorKind::ALL.iter().copied().find(|k| k.as_str() == d.kind);
        match (kind, d.argument.as_deref()) {
            (Some(core::ErrorKind::InvalidArgument), Some(argument)) => {
                // The message already says `invalid `argument`: …`; not twice.
                let prefix = format!("invalid `{argument}`: ");
                core::Error::invalid_argument(argument, d.message.strip_prefix(&prefix).unwrap_or(&d.message))
            }
            (Some(kind), _) => core::Error::new(kind, d.message.clone()),
            (None, _) => unexpected(&d.message),
        }
    }
}
