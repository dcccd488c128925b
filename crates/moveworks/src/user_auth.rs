//! Per-user credentials on one client: [`TokenProvider`] and [`Client::for_user`].
//!
//! On `rest/v1` every request runs on behalf of one user, with a bearer the
//! application obtains for that user (an identity-provider exchange, a
//! self-signed JWT exchange, or an API key bound to one user). Those exchanges
//! are not published, so the SDK does not perform them: a provider is the
//! application's code, and the SDK caches what it returns. A server serving
//! thousands of employees keeps one client (one connection pool, one set of
//! options) and takes a cheap per-user view of it for each request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::{Secret, TokenCache};
use crate::error::{Error, ErrorKind};

/// A bearer token for one user, as a [`TokenProvider`] returns it.
#[derive(Clone)]
pub struct UserToken {
    pub(crate) token: Secret,
    /// How long it stays valid (`None`: until the API refuses it with 401).
    pub(crate) expires_in: Option<Duration>,
}

impl UserToken {
    /// A token with no known lifetime: cached until the API answers 401.
    pub fn new(token: impl Into<String>) -> UserToken {
        UserToken { token: Secret::new(token), expires_in: None }
    }

    /// The same token, valid for `lifetime` from now (the `expires_in` of an
    /// exchange's answer): it is refreshed a little before that.
    pub fn expires_in(mut self, lifetime: Duration) -> UserToken {
        self.expires_in = Some(lifetime);
        self
    }
}

impl fmt::Debug for UserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserToken").field("token", &self.token).field("expires_in", &self.expires_in).finish()
    }
}

/// Why a provider could not give a token (any error; a [`moveworks::Error`](Error) is kept as it is).
pub type ProviderError = Box<dyn std::error::Error + Send + Sync>;

/// Where a per-user view of a client gets its bearer token.
///
/// Called when the view has no valid token: on its first call, shortly before
/// the returned [`expires_in`](UserToken::expires_in) runs out, and once after
/// the API answers 401 (then the call is replayed once with the new token).
/// Calls of one view never overlap: concurrent callers wait for one
/// `token()` (single flight). It runs on the calling thread, so it may block
/// (an HTTP exchange); a failure fails the call with kind
/// [`OAuth`](ErrorKind::OAuth) and nothing is sent.
///
/// Any `Fn() -> Result<UserToken, ProviderError>` closure is a provider.
pub trait TokenProvider: Send + Sync + 'static {
    /// A fresh token for this view's user.
    fn token(&self) -> Result<UserToken, ProviderError>;
}

impl<F> TokenProvider for F
where
    F: Fn() -> Result<UserToken, ProviderError> + Send + Sync + 'static,
{
    fn token(&self) -> Result<UserToken, ProviderError> {
        self()
    }
}

/// A provider with its cached token.
pub(crate) struct ProvidedAuth {
    provider: Arc<dyn TokenProvider>,
    cache: TokenCache,
}

impl fmt::Debug for ProvidedAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProvidedAuth { token: [redacted] }")
    }
}

impl ProvidedAuth {
    pub(crate) fn new(provider: Arc<dyn TokenProvider>) -> ProvidedAuth {
        ProvidedAuth { provider, cache: TokenCache::default() }
    }

    /// The cached token, or a new one from the provider; with its generation
    /// (for [`invalidate`](Self::invalidate)).
    pub(crate) fn token(&self) -> Result<(Secret, u64), Error> {
        self.cache.get_or_fetch(|| {
            let provided = self.provider.token().map_err(provider_failure)?;
            if provided.token.expose().is_empty() {
                return Err(Error::new(ErrorKind::OAuth, "the token provider returned an empty token"));
            }
            Ok((provided.token, provided.expires_in))
        })
    }

    /// Forgets the refused token of `generation`, so the next call asks the provider again.
    pub(crate) fn invalidate(&self, generation: u64) {
        self.cache.invalidate(generation);
    }
}

/// A provider's failure as the call's error: its own when it is the SDK's, else `OAuth`.
fn provider_failure(e: ProviderError) -> Error {
    match e.downcast::<Error>() {
        Ok(own) => *own,
        // Only the provider's message: never a token (the provider has none to show yet).
        Err(other) => Error::new(ErrorKind::OAuth, format!("the token provider failed: {other}")),
    }
}
