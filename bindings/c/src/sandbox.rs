//! The sandbox: the SDK's simulator of the Conversations API inside the caller's
//! process (the core's `moveworks::sandbox`), for trying the library with no
//! account and for testing C apps against it.

use std::ffi::c_char;

#[cfg(not(feature = "sandbox"))]
use absent::{Sandbox, SandboxOptions};
#[cfg(feature = "sandbox")]
use moveworks::sandbox::{Sandbox, SandboxOptions};
use moveworks::{Client, ClientOptions};

use crate::client::mw_client;
use crate::error::{guard, guard_plain, mw_error, mw_status};
use crate::util::{alloc_string, arg_str, borrow, free_handle, into_handle, opt_str, out, set_opt_string, Handle};

/// A running sandbox: the SDK's simulator of the Conversations API, serving on a free
/// 127.0.0.1 port inside this process (nothing is exposed beyond loopback), for trying
/// the library with no account and for testing your app's code against a faithful
/// server. Owned; stop and free it with mw_sandbox_stop(). Start one with mw_sandbox_start(),
/// get a client for it with mw_sandbox_client() (or build your own from mw_sandbox_base_url(),
/// mw_sandbox_assistant_name() and mw_sandbox_token()), and script what it does next with
/// mw_sandbox_run().
///
/// THREAD SAFETY: every mw_sandbox_* function may be called from many threads at once
/// (the sandbox serves its clients from its own threads); only mw_sandbox_stop() must
/// not race with the others.
pub struct mw_sandbox {
    _private: [u8; 0],
}

impl Handle for mw_sandbox {
    type Inner = Sandbox;
}

// The THREAD SAFETY promise above, checked by the compiler.
const _: fn() = || {
    fn shared_across_threads<T: Send + Sync>() {}
    shared_across_threads::<Sandbox>();
};

/// Starts a sandbox on a free 127.0.0.1 port. `options_json` may be NULL (the defaults) or a
/// JSON object with any of: `"response_duration_ms"` (time from creating a response to its
/// end, default 600), `"assistant_name"` (the name it expects, default "sandbox"), `"oauth"`
/// (true: mw_sandbox_client() hands out clients that fetch OAuth tokens with the sandbox's
/// client credentials instead of using its bearer token), `"tls"` (true: serve HTTPS with a
/// throwaway CA, read with mw_sandbox_ca_certificate(); mw_sandbox_client() hands out clients
/// that trust it, and the URLs are `https://`), `"api_version"` ("v1" or "v1beta1", the default
/// for now: the API generation of the clients mw_sandbox_client() hands out; the sandbox serves
/// both). An unknown key or a bad value is
/// MW_INVALID_ARGUMENT; a server that cannot start is MW_CONNECTION. `*out_sandbox` is owned:
/// stop it with mw_sandbox_stop().
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_start(
    options_json: *const c_char,
    out_sandbox: *mut *mut mw_sandbox,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let json = opt_str(options_json, "options_json")?;
        let o = out(out_sandbox, "out_sandbox")?;
        let options = SandboxOptions::from_json(json.unwrap_or(""))?;
        *o = into_handle::<mw_sandbox>(Sandbox::start(&options)?);
        Ok(())
    })
}

/// Stops the sandbox's server and frees it. NULL is allowed. Clients made for it stay valid
/// (free them as usual); their calls then fail with MW_CONNECTION.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_stop(sandbox: *mut mw_sandbox) {
    free_handle(sandbox)
}

/// Writes one of the sandbox's strings as a new string (freed with mw_string_free()).
unsafe fn text(
    sandbox: *const mw_sandbox,
    dst: *mut *mut c_char,
    dst_name: &str,
    f: impl FnOnce(&Sandbox) -> String,
) -> mw_status {
    guard_plain(|| {
        let s = borrow(sandbox, "sandbox")?;
        let o = out(dst, dst_name)?;
        *o = alloc_string(&f(s));
        Ok(())
    })
}

/// The API base URL to give a client, `http://127.0.0.1:PORT/rest/v1beta1` (`https://` for a
/// sandbox started with `"tls": true`). `*out_url` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_base_url(sandbox: *const mw_sandbox, out_url: *mut *mut c_char) -> mw_status {
    text(sandbox, out_url, "out_url", Sandbox::base_url)
}

/// `http://127.0.0.1:PORT` (`https://` with `"tls": true`), where the sandbox's control routes (`/_sim/...`) live. `*out_origin` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_origin(sandbox: *const mw_sandbox, out_origin: *mut *mut c_char) -> mw_status {
    text(sandbox, out_origin, "out_origin", Sandbox::origin)
}

/// The sandbox's OAuth token endpoint (for mw_client_builder_token_url()). `*out_url` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_token_url(sandbox: *const mw_sandbox, out_url: *mut *mut c_char) -> mw_status {
    text(sandbox, out_url, "out_url", Sandbox::token_url)
}

/// The assistant name the sandbox expects (for mw_client_builder_assistant_name()). `*out_name` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_assistant_name(
    sandbox: *const mw_sandbox,
    out_name: *mut *mut c_char,
) -> mw_status {
    text(sandbox, out_name, "out_name", |s| s.assistant_name().to_owned())
}

/// A bearer token the sandbox always accepts (for mw_client_builder_bearer_token()). `*out_token` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_token(sandbox: *const mw_sandbox, out_token: *mut *mut c_char) -> mw_status {
    text(sandbox, out_token, "out_token", |s| s.token().to_owned())
}

/// The OAuth client id the sandbox's token endpoint accepts (for
/// mw_client_builder_client_credentials()). `*out_client_id` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_client_id(
    sandbox: *const mw_sandbox,
    out_client_id: *mut *mut c_char,
) -> mw_status {
    text(sandbox, out_client_id, "out_client_id", |s| s.client_id().to_owned())
}

/// The OAuth client secret the sandbox's token endpoint accepts. `*out_client_secret` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_client_secret(
    sandbox: *const mw_sandbox,
    out_client_secret: *mut *mut c_char,
) -> mw_status {
    text(sandbox, out_client_secret, "out_client_secret", |s| s.client_secret().to_owned())
}

/// For a sandbox started with `"tls": true`: the throwaway CA that signed its certificate, as
/// PEM text, for the `ca_certificates` client option of a client you build yourself (the
/// clients of mw_sandbox_client() already trust it); NULL for a plain-HTTP sandbox.
/// `*out_pem` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_ca_certificate(sandbox: *const mw_sandbox, out_pem: *mut *mut c_char) -> mw_status {
    guard_plain(|| {
        let s = borrow(sandbox, "sandbox")?;
        let o = out(out_pem, "out_pem")?;
        set_opt_string(o, s.ca_certificate_pem().as_deref());
        Ok(())
    })
}

/// A client configured for the sandbox: its base URL, assistant name and token (or, for a
/// sandbox started with `"oauth": true`, its client credentials and token URL), with
/// `extra_options_json` (NULL, or a JSON object of client options by their core names, as
/// mw_client_builder_set() takes them, e.g. `{"max_retries": 0, "timeout_ms": 2000}`)
/// applied over them. An unknown option or a value of the wrong type is MW_INVALID_ARGUMENT
/// naming the key. `*out_client` is owned; it stays valid after mw_sandbox_stop() (its calls
/// then fail with MW_CONNECTION).
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_client(
    sandbox: *const mw_sandbox,
    extra_options_json: *const c_char,
    out_client: *mut *mut mw_client,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let s = borrow(sandbox, "sandbox")?;
        let extra = opt_str(extra_options_json, "extra_options_json")?;
        let o = out(out_client, "out_client")?;
        let mut options = s.client_options();
        if let Some(json) = extra {
            options.merge(ClientOptions::from_json(json)?);
        }
        *o = into_handle::<mw_client>(Client::builder().binding("c").options(options)?.build()?);
        Ok(())
    })
}

/// Runs one action of the sandbox's scripting vocabulary by name, with its arguments as a
/// JSON object (`args_json` NULL or "" means none), and writes its JSON answer to
/// `*out_json` (a new string). The actions (the same in every language):
///  - `fault`: any simulator fault, e.g. `{"kind": "status", "status": 429, "retry_after": "1",
///    "path_contains": "/responses", "method": "POST", "count": 1}`; also `drop`, `reset`,
///    `delay`, `malformed_json`, `stream_drop`, `stream_stall`, ... (the simulator's "Faults").
///    Answers `{"queued": 1}`.
///  - `fail_next_response`: `{"count"?: n}`: the next n created responses end FAILED.
///  - `configure`: a settings patch, e.g. `{"response_duration_ms": 50}`; answers the settings.
///  - `inject_event`: `{"conversation_id"?, "text", "kind"?: "notification" | "async_response",
///    "user_id"?}` (rest/v1: without a conversation, a new one of that user's).
///  - `revoke_tokens`: every issued OAuth or user token stops working; answers `{"revoked": n}`.
///  - `requests`: `{"method"?, "path_contains"?}`: the request log, oldest first, as an array of
///    `{"method", "path", "query", "status", "assistant_name", "user_agent", "authorized",
///    "content_type", "fault", "root_uuid", "connection", "x_headers", "body_keys", "user_id"}`
///    (never a token or secret; `connection` is a serial number of the TCP connection that
///    carried it, `x_headers` is an object of the request's `x-` headers by lowercase name,
///    `body_keys` the top-level fields of its JSON body: where per-call extras show;
///    `user_id` the user the request acted for).
///  - `clear_requests`, `feedback` (the accepted feedback, oldest first), `reset` (forget all state).
///  - rest/v1: `user_token` `{"user_id"}` (a bearer acting for that user; answers
///    `{"token", "user_id"}`), `add_user_message` `{"conversation_id", "text", "files"?}`,
///    `expire_modals` (every form id becomes stale), `webhook` `{"url"}` (deliveries of
///    CONVERSATION_RESPONSE_RECEIVED to that URL; `null` stops), `webhook_deliveries` (what was sent).
///
/// An unknown action or bad arguments are MW_INVALID_ARGUMENT with the action as the error's
/// argument (mw_error_argument()); nothing is written to `*out_json` then.
#[no_mangle]
pub unsafe extern "C" fn mw_sandbox_run(
    sandbox: *const mw_sandbox,
    action: *const c_char,
    args_json: *const c_char,
    out_json: *mut *mut c_char,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let s = borrow(sandbox, "sandbox")?;
        let action = arg_str(action, "action")?;
        let args = opt_str(args_json, "args_json")?;
        let o = out(out_json, "out_json")?;
        *o = alloc_string(&s.run_json(action, args.unwrap_or(""))?);
        Ok(())
    })
}

/// Stand-ins for a library built without the `sandbox` feature: every mw_sandbox_* function
/// stays (the header does not change) and mw_sandbox_start fails, so no handle ever exists.
#[cfg(not(feature = "sandbox"))]
mod absent {
    use moveworks::{ClientOptions, Error, ErrorKind, Result};

    pub enum Sandbox {}

    pub struct SandboxOptions;

    impl SandboxOptions {
        pub fn from_json(_: &str) -> Result<SandboxOptions> {
            Ok(SandboxOptions)
        }
    }

    impl Sandbox {
        pub fn start(_: &SandboxOptions) -> Result<Sandbox> {
            Err(Error::new(
                ErrorKind::Connection,
                "could not start the sandbox: this libmoveworks was built without it (cargo feature `sandbox`)",
            ))
        }
        pub fn base_url(&self) -> String {
            match *self {}
        }
        pub fn origin(&self) -> String {
            match *self {}
        }
        pub fn token_url(&self) -> String {
            match *self {}
        }
        pub fn assistant_name(&self) -> &str {
            match *self {}
        }
        pub fn token(&self) -> &str {
            match *self {}
        }
        pub fn client_id(&self) -> &str {
            match *self {}
        }
        pub fn client_secret(&self) -> &str {
            match *self {}
        }
        pub fn client_options(&self) -> ClientOptions {
            match *self {}
        }
        pub fn ca_certificate_pem(&self) -> Option<String> {
            match *self {}
        }
        pub fn run_json(&self, _: &str, _: &str) -> Result<String> {
            match *self {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;
    use crate::error::{mw_error_free, mw_error_message};

    /// With the feature (the default) a sandbox starts; without it, the start is a clean
    /// MW_CONNECTION saying why (`cargo test -p moveworks-c --no-default-features --lib`).
    #[test]
    fn start_matches_the_feature() {
        let mut sandbox = ptr::null_mut();
        let mut err = ptr::null_mut();
        let status = unsafe { mw_sandbox_start(ptr::null(), &mut sandbox, &mut err) };
        if cfg!(feature = "sandbox") {
            assert_eq!(status, mw_status::MW_OK);
            assert!(!sandbox.is_null() && err.is_null());
        } else {
            assert_eq!(status, mw_status::MW_CONNECTION);
            assert!(sandbox.is_null());
            let message = unsafe { std::ffi::CStr::from_ptr(mw_error_message(err)) };
            assert!(message.to_str().unwrap().contains("cargo feature `sandbox`"));
        }
        unsafe {
            mw_sandbox_stop(sandbox);
            mw_error_free(err);
        }
    }
}
