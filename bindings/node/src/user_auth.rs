//! Per-user views of a client (`forUser`, `forUserToken`): the core's
//! `Client::for_user` with the JS token provider as its `TokenProvider`.

use std::time::Duration;

use moveworks::{Error, ErrorKind, UserToken};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::client::NativeClient;
use crate::convert::to_napi;
use crate::js_call::{AsyncJsFn, JsCallback};

/// What the JS token provider resolves to (the JS layer turns a plain string into `{ token }`).
#[napi(object)]
pub struct NativeUserToken {
    /// The bearer token for the view's user.
    pub token: String,
    /// Its lifetime in seconds, when known (the core refreshes a little before it ends).
    pub expires_in: Option<f64>,
}

/// The JS token provider: no arguments, a Promise of the token.
pub(crate) type ProviderFn = AsyncJsFn<(), NativeUserToken>;

/// A provided token as the core's `UserToken`; a lifetime Duration cannot hold is the provider's failure.
fn user_token(provided: NativeUserToken) -> moveworks::Result<UserToken> {
    let token = UserToken::new(provided.token);
    match provided.expires_in {
        None => Ok(token),
        Some(secs) => match Duration::try_from_secs_f64(secs) {
            Ok(lifetime) => Ok(token.expires_in(lifetime)),
            Err(_) => Err(Error::new(
                ErrorKind::OAuth,
                format!("the token provider returned expiresIn {secs}, not a number of seconds >= 0"),
            )),
        },
    }
}

#[napi]
impl NativeClient {
    /// The core's `Client::for_user`: a view of this client (same connections, options
    /// and retries) whose calls carry the token `provider` gives. The core calls the
    /// provider when the view has no valid token (first call, shortly before
    /// `expires_in` ends, once after a 401), one call at a time, from the thread making
    /// the call (never the JS thread), and waits for its Promise; a rejection fails the
    /// call with kind `oauth`.
    #[napi]
    pub fn for_user(
        &self,
        #[napi(ts_arg_type = "() => Promise<NativeUserToken>")] provider: ProviderFn,
    ) -> NativeClient {
        let provider = JsCallback::new(provider);
        let view = self.inner.for_user(move || -> std::result::Result<UserToken, moveworks::ProviderError> {
            let provided = provider.call(()).map_err(|why| {
                // Only the provider's own message: the SDK has no token to leak yet.
                Error::new(ErrorKind::OAuth, format!("the token provider failed: {why}"))
            })?;
            Ok(user_token(provided)?)
        });
        NativeClient { inner: view }
    }

    /// The core's `Client::for_user_token`: a view with a fixed bearer (an API key bound to one user).
    #[napi]
    pub fn for_user_token(&self, token: String) -> Result<NativeClient> {
        Ok(NativeClient { inner: self.inner.for_user_token(token).map_err(to_napi)? })
    }
}
