//! The sandbox for Node (`require('moveworks/testing').Sandbox` wraps it): the core's
//! [`moveworks::sandbox::Sandbox`], the project's simulator running inside the Node
//! process on a free 127.0.0.1 port. Like the rest of the addon it only converts:
//! options and scripting arguments cross as JSON (snake_case) and go unchanged to the
//! core, which owns the vocabulary ([`moveworks::sandbox::ACTIONS`]).

use std::sync::Mutex;

use moveworks::sandbox::{Sandbox, SandboxOptions};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert::to_napi;
use crate::runtime::spawn_direct;

/// A running sandbox; closed by [`close`](NativeSandbox::close) (or when collected).
#[napi]
pub struct NativeSandbox {
    inner: Mutex<Option<Sandbox>>,
}

impl NativeSandbox {
    /// Runs `f` on the running sandbox; a closed one is `invalid_argument` (`argument` "sandbox").
    fn with<T>(&self, f: impl FnOnce(&Sandbox) -> moveworks::Result<T>) -> Result<T> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(sandbox) => f(sandbox).map_err(to_napi),
            None => Err(to_napi(moveworks::Error::invalid_argument("sandbox", "the sandbox is closed"))),
        }
    }

    /// A string property of the running sandbox.
    fn text(&self, f: impl FnOnce(&Sandbox) -> String) -> Result<String> {
        self.with(|s| Ok(f(s)))
    }
}

#[napi]
impl NativeSandbox {
    /// Starts a sandbox from `options_json` (the core's `SandboxOptions` as JSON,
    /// snake_case: `response_duration_ms`, `assistant_name`, `oauth`, `tls`); binding the port
    /// and starting the server run on tokio's blocking pool.
    #[napi(ts_return_type = "Promise<NativeSandbox>")]
    pub fn start<'env>(env: &'env Env, options_json: String) -> Result<PromiseRaw<'env, NativeSandbox>> {
        spawn_direct(env, move || {
            let options = SandboxOptions::from_json(&options_json)?;
            Ok(NativeSandbox { inner: Mutex::new(Some(Sandbox::start(&options)?)) })
        })
    }

    /// The API base URL (`http://127.0.0.1:PORT/rest/v1beta1`).
    #[napi(getter)]
    pub fn base_url(&self) -> Result<String> {
        self.text(Sandbox::base_url)
    }

    /// `http://127.0.0.1:PORT`.
    #[napi(getter)]
    pub fn origin(&self) -> Result<String> {
        self.text(Sandbox::origin)
    }

    /// The OAuth token endpoint.
    #[napi(getter)]
    pub fn token_url(&self) -> Result<String> {
        self.text(Sandbox::token_url)
    }

    /// The assistant name the sandbox expects.
    #[napi(getter)]
    pub fn assistant_name(&self) -> Result<String> {
        self.text(|s| s.assistant_name().to_owned())
    }

    /// A bearer token the sandbox always accepts.
    #[napi(getter)]
    pub fn token(&self) -> Result<String> {
        self.text(|s| s.token().to_owned())
    }

    /// The OAuth client id the token endpoint accepts.
    #[napi(getter)]
    pub fn client_id(&self) -> Result<String> {
        self.text(|s| s.client_id().to_owned())
    }

    /// The OAuth client secret the token endpoint accepts.
    #[napi(getter)]
    pub fn client_secret(&self) -> Result<String> {
        self.text(|s| s.client_secret().to_owned())
    }

    /// The PEM of the CA that signed a TLS sandbox's certificate (`tls: true`), else null.
    #[napi(getter)]
    pub fn ca_certificate(&self) -> Result<Option<String>> {
        self.with(|s| Ok(s.ca_certificate_pem()))
    }

    /// The core's `client_options_json`: the client options (snake_case JSON) that reach
    /// this sandbox; the JS layer merges the caller's options over them.
    #[napi]
    pub fn client_options_json(&self) -> Result<String> {
        self.text(Sandbox::client_options_json)
    }

    /// The core's `run_json`: one scripting action with its arguments (JSON text,
    /// snake_case), answering JSON text. Synchronous: it only takes the simulator's
    /// in-process lock, never waits on I/O.
    #[napi]
    pub fn run(&self, action: String, args_json: String) -> Result<String> {
        self.with(|s| s.run_json(&action, &args_json))
    }

    /// Stops the server (on tokio's blocking pool, as it joins the server's threads);
    /// later calls fail with `invalid_argument` (`argument` "sandbox"). Idempotent.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let sandbox = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take();
        spawn_direct(env, move || {
            drop(sandbox);
            Ok(())
        })
    }
}
