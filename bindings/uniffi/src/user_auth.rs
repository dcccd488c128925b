//! Per-user views of one client: the app's [`TokenProvider`] and `Client::for_user`.
//!
//! The core caches what the provider returns (refresh ahead of `expires_in`, single
//! flight, one replay after a 401); this file only carries the provider across.

use std::sync::Arc;
use std::time::Duration;

use moveworks as core;

use crate::client::Client;
use crate::errors::*;

/// A bearer token for one user, as a [`TokenProvider`] returns it: the token and, when
/// known, how long it stays valid from now (the `expires_in` of your exchange's answer;
/// absent: cached until the API answers 401).
///
/// An object, not a record, so that printing it never shows the token.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct UserToken {
    inner: core::UserToken,
}

impl std::fmt::Display for UserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The core's Debug redacts the token.
        write!(f, "{:?}", self.inner)
    }
}

#[uniffi::export]
impl UserToken {
    /// A token, valid for `expires_in` from now when given. Checked when used: an empty
    /// token fails the call with `OAuth`.
    #[uniffi::constructor(default(expires_in = None))]
    pub fn new(token: String, expires_in: Option<Duration>) -> Arc<Self> {
        let inner = core::UserToken::new(token);
        Arc::new(UserToken {
            inner: match expires_in {
                Some(d) => inner.expires_in(d),
                None => inner,
            },
        })
    }
}

/// Where a per-user view ([`Client::for_user`]) gets its user's bearer token:
/// implemented by the app (a call to its identity provider, a JWT exchange, a vault).
///
/// Called when the view has no valid token: on its first call, shortly before the
/// returned `expires_in` runs out, and once after the API answers 401 (then the call
/// is replayed once). Calls of one view never overlap (single flight). It runs on the
/// thread making the call (a thread of the SDK's for the async methods), so it may
/// block. Throwing fails the call with `OAuth` (a `MoveworksError` thrown keeps its
/// kind) and nothing is sent.
#[uniffi::export(callback_interface)]
pub trait TokenProvider: Send + Sync {
    /// A fresh token for this view's user.
    fn token(&self) -> Result<Arc<UserToken>, MoveworksError>;
}

#[uniffi::export]
impl Client {
    /// A per-user view of this client: same connection pool, options and retries, but
    /// every request carries the bearer `provider` returns for that user (cached by the
    /// SDK). Cheap: take one per user, or per request. Sends no request itself.
    pub fn for_user(&self, provider: Box<dyn TokenProvider>) -> Arc<Client> {
        let provider: Arc<dyn TokenProvider> = Arc::from(provider);
        let view = self.inner.for_user(move || match provider.token() {
            Ok(token) => Ok(token.inner.clone()),
            Err(e) => {
                let failure = |message: &str| {
                    core::Error::new(core::ErrorKind::OAuth, format!("the token provider failed: {message}"))
                };
                Err(Box::new(e.into_core(failure)) as core::ProviderError)
            }
        });
        Arc::new(Client { inner: view })
    }

    /// [`for_user`](Self::for_user) with a fixed bearer (an API key bound to one user):
    /// sent as it is; a 401 is the call's error. An empty token is `InvalidArgument`.
    pub fn for_user_token(&self, token: String) -> Result<Arc<Client>> {
        Ok(Arc::new(Client { inner: self.inner.for_user_token(token)? }))
    }
}
