//! `Sandbox`: the core's simulator running inside the app's process (the core's
//! `sandbox` feature), for trying the SDK without an account and for testing an
//! app that calls it. Everything is the core's `moveworks::sandbox::Sandbox`: this
//! object hands out its addresses and credentials, builds clients from its client
//! options, and forwards scripting actions by name as JSON.

use std::sync::{Arc, Mutex, MutexGuard};

use moveworks as core;
use moveworks::sandbox::SandboxOptions;

use crate::client::Client;
use crate::config::ClientConfig;
use crate::errors::*;

/// The Moveworks simulator running in this process on a free 127.0.0.1 port
/// (nothing is exposed beyond loopback). `client()` hands out a client configured
/// for it; `run(action, argsJson)` scripts it (faults, failed answers, events,
/// the request log, …). `stop()` (Kotlin `close()` / `use { }`, Swift: dropping
/// the last reference) stops the server; afterwards `client()` and `run()` throw
/// `InvalidArgument` naming `sandbox`, and clients made for it get connection errors.
///
/// The addresses and credentials stay readable after `stop()` (they describe where
/// it ran). Printing it never shows the token or client secret.
#[derive(uniffi::Object)]
pub struct Sandbox {
    inner: Mutex<Option<core::sandbox::Sandbox>>,
    base_url: String,
    origin: String,
    token_url: String,
    assistant_name: String,
    token: String,
    client_id: String,
    client_secret: String,
    ca_certificate: Option<String>,
    client_options: core::ClientOptions,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl Sandbox {
    fn running(&self) -> Result<MutexGuard<'_, Option<core::sandbox::Sandbox>>> {
        // A panic while holding the lock cannot leave the sandbox half-changed: every
        // use is a single call into it, so a poisoned lock is still usable.
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            return Err(core::Error::invalid_argument("sandbox", "the sandbox is stopped").into());
        }
        Ok(guard)
    }
}

#[uniffi::export]
impl Sandbox {
    /// Starts a sandbox on a free loopback port. `options` (all optional): how long a
    /// response takes to finish (`response_duration_ms`, default 600), the assistant
    /// name it expects (default `sandbox`), `oauth` (clients use OAuth client
    /// credentials from its token endpoint instead of its static token) and `tls`
    /// (serve HTTPS with a throwaway CA, see `ca_certificate()`; its clients trust it).
    #[uniffi::constructor(default(options = None))]
    pub fn new(options: Option<SandboxOptions>) -> Result<Arc<Self>> {
        let sandbox = core::sandbox::Sandbox::start(&options.unwrap_or_default())?;
        Ok(Arc::new(Sandbox {
            base_url: sandbox.base_url(),
            origin: sandbox.origin(),
            token_url: sandbox.token_url(),
            assistant_name: sandbox.assistant_name().to_owned(),
            token: sandbox.token().to_owned(),
            client_id: sandbox.client_id().to_owned(),
            client_secret: sandbox.client_secret().to_owned(),
            ca_certificate: sandbox.ca_certificate_pem(),
            client_options: sandbox.client_options(),
            inner: Mutex::new(Some(sandbox)),
        }))
    }

    /// The API base URL to give a client (`http://127.0.0.1:PORT/rest/v1beta1`).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// `http://127.0.0.1:PORT`, where the simulator's control routes (`/_sim/...`) live.
    pub fn origin(&self) -> String {
        self.origin.clone()
    }

    /// The OAuth token endpoint (for clients built with `client_id`/`client_secret`).
    pub fn token_url(&self) -> String {
        self.token_url.clone()
    }

    /// The CA certificate (PEM) of a sandbox started with `tls`, null otherwise. Its
    /// clients already trust it; give it as `ca_certificates` to any other HTTPS client
    /// of the sandbox (without it: a `Connection` error naming an unknown issuer).
    pub fn ca_certificate(&self) -> Option<String> {
        self.ca_certificate.clone()
    }

    /// The assistant name the sandbox expects.
    pub fn assistant_name(&self) -> String {
        self.assistant_name.clone()
    }

    /// A bearer token the sandbox always accepts.
    pub fn token(&self) -> String {
        self.token.clone()
    }

    /// The OAuth client id its token endpoint accepts.
    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    /// The OAuth client secret its token endpoint accepts.
    pub fn client_secret(&self) -> String {
        self.client_secret.clone()
    }

    /// A client configured for this sandbox (base URL, assistant name and its token,
    /// or with `oauth` its client credentials). Every option set in `config` is
    /// merged over those, e.g. `ClientConfig(assistantName = sandbox.assistantName(),
    /// maxRetries = 0)`; its assistant name (required by `ClientConfig`) replaces
    /// the sandbox's, so pass `assistant_name()` to keep it.
    #[uniffi::method(default(config = None))]
    pub fn client(&self, config: Option<Arc<ClientConfig>>) -> Result<Arc<Client>> {
        let _running = self.running()?;
        let mut options = self.client_options.clone();
        if let Some(config) = config {
            options.merge(config.options.clone());
        }
        Client::from_options(options)
    }

    /// Runs one scripting action with its JSON arguments (an object; empty or `null`
    /// for none) and returns its JSON answer. Actions: `fault`, `fail_next_response`,
    /// `configure`, `inject_event`, `revoke_tokens`, `requests`, `clear_requests`,
    /// `feedback`, `reset` (see the simulator's docs); an unknown action or bad
    /// arguments throw `InvalidArgument` naming the action.
    pub fn run(&self, action: String, args_json: String) -> Result<String> {
        let running = self.running()?;
        let sandbox = running.as_ref().expect("checked by running()");
        Ok(sandbox.run_json(&action, &args_json)?)
    }

    /// Every scripting action `run` knows, in the core's order.
    pub fn actions(&self) -> Vec<String> {
        core::sandbox::ACTIONS.iter().map(|(name, _, _)| (*name).to_owned()).collect()
    }

    /// Stops the server now (also done when the object is released); later calls
    /// of `client()` and `run()` throw `InvalidArgument`. Stopping twice is harmless.
    pub fn stop(&self) {
        let stopped = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(stopped);
    }

    /// True until `stop()`.
    pub fn is_running(&self) -> bool {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_merge_over_the_sandbox_and_a_stopped_sandbox_throws_typed_errors() {
        let sandbox =
            Sandbox::new(Some(SandboxOptions { response_duration_ms: Some(20), ..Default::default() })).unwrap();
        let config = ClientConfig::new(
            sandbox.assistant_name(),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            Some(0),
            None,
            None,
            None,
            Some("app/1".into()),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        );
        let client = sandbox.client(Some(config)).unwrap();
        assert_eq!(client.base_url(), sandbox.base_url());
        assert!(client.user_agent().ends_with(" app/1"));
        client.create_conversation(None).unwrap();
        let log = sandbox.run("requests".into(), r#"{"method": "POST"}"#.into()).unwrap();
        assert!(log.contains("/conversations") && !log.contains(&sandbox.token()), "{log}");
        let e = sandbox.run("explode".into(), "{}".into()).unwrap_err();
        assert_eq!(e.details().argument.as_deref(), Some("explode"));
        assert_eq!(sandbox.actions().len(), core::sandbox::ACTIONS.len());
        sandbox.stop();
        sandbox.stop();
        assert!(!sandbox.is_running());
        for e in [sandbox.run("reset".into(), String::new()).unwrap_err(), sandbox.client(None).err().unwrap()] {
            assert!(matches!(e, MoveworksError::InvalidArgument { .. }), "{e}");
            assert_eq!(e.details().argument.as_deref(), Some("sandbox"));
        }
        assert!(matches!(client.create_conversation(None), Err(MoveworksError::Connection { .. })));
        assert!(!sandbox.base_url().is_empty());
    }
}
