//! The sandbox: the project's simulator of the Conversations API running inside
//! the caller's process on a free loopback port, for trying the SDK without an
//! account and for testing an app that calls it (feature `sandbox`).
//!
//! Every language's `Sandbox` wraps this type: it starts one, hands out a client
//! configured for it ([`client_options`](Sandbox::client_options)) and forwards
//! scripting calls by name to [`run`](Sandbox::run), so the vocabulary
//! (`fault`, `fail_next_response`, `configure`, `inject_event`, `revoke_tokens`,
//! `requests`, `clear_requests`, `feedback`, `reset`; [`ACTIONS`]) is defined
//! once, in the simulator crate.

use std::fmt;
use std::mem::ManuallyDrop;
use std::time::Duration;

use moveworks_simulator::{Simulator, SimulatorConfig};
use serde::Deserialize;
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::generation::ApiVersion;
use crate::options::ClientOptions;

pub use moveworks_simulator::ACTIONS;

/// How a [`Sandbox`] starts; every field optional (JSON keys of the same names).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(deny_unknown_fields)]
pub struct SandboxOptions {
    /// Time from creating a response to its terminal status (default 600 ms;
    /// `configure` changes it later).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub response_duration_ms: Option<u64>,
    /// The `Assistant-Name` the sandbox expects (default `sandbox`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub assistant_name: Option<String>,
    /// Hand out clients that use OAuth client credentials (fetching a token from
    /// the sandbox's token endpoint) instead of its static bearer token.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub oauth: Option<bool>,
    /// Serve HTTPS (default `false`): at start the sandbox makes a throwaway CA and a
    /// certificate it signs for `127.0.0.1`, `localhost` and `::1`; its URLs are
    /// `https://`, [`Sandbox::ca_certificate_pem`] is the CA, and the clients it hands
    /// out trust it (`ca_certificates`). For exercising TLS end to end. Unix only.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub tls: Option<bool>,
    /// The API generation of the clients it hands out, `"v1"` or `"v1beta1"` (the
    /// default, for now); the sandbox serves both at once (its `base_url` is the beta's,
    /// its `origin` + `/rest/v1` the current API's).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub api_version: Option<String>,
}

impl SandboxOptions {
    /// Parses the JSON form (an object; `null` or `""` is the defaults); unknown
    /// keys are `invalid_argument` naming them.
    pub fn from_json(json: &str) -> Result<SandboxOptions> {
        if json.trim().is_empty() || json.trim() == "null" {
            return Ok(SandboxOptions::default());
        }
        serde_json::from_str(json).map_err(|e| Error::invalid_argument("sandbox options", e))
    }
}

/// A running sandbox. Dropping it (or [`stop`](Self::stop)) stops the server;
/// clients made for it then fail with connection errors.
///
/// After `fork()` a sandbox made in the parent keeps working in the child: its
/// server runs in the parent (its threads were not copied), the child's clients
/// reach it over loopback, [`run`](Self::run) sends the action to it over HTTP
/// (`POST /_sim/script`), and dropping it in the child only forgets it.
pub struct Sandbox {
    /// Dropped only in the process that started it (see `Drop`).
    simulator: ManuallyDrop<Simulator>,
    oauth: bool,
    /// The generation of the clients it hands out.
    api_version: ApiVersion,
    /// The process whose threads serve the sandbox.
    pid: u32,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // In a child of fork() the server is the parent's: stopping it here would shut the
        // parent's listening socket and wait for threads this process does not have.
        if std::process::id() == self.pid {
            // SAFETY: dropped once, here, and never used after.
            unsafe { ManuallyDrop::drop(&mut self.simulator) }
        }
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").field("base_url", &self.base_url()).finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox on a free loopback port (127.0.0.1 only: nothing is exposed).
    pub fn start(options: &SandboxOptions) -> Result<Sandbox> {
        let defaults = SimulatorConfig::default();
        let config = SimulatorConfig {
            response_duration: options.response_duration_ms.map_or(defaults.response_duration, Duration::from_millis),
            assistant_name: options.assistant_name.clone().unwrap_or(defaults.assistant_name.clone()),
            tls: options.tls.unwrap_or(false),
            ..defaults
        };
        if config.assistant_name.is_empty() {
            return Err(Error::invalid_argument("assistant_name", "must not be empty"));
        }
        let api_version = options.api_version.as_deref().map(ApiVersion::parse).transpose()?;
        let simulator = Simulator::start(config)
            .map_err(|e| Error::new(crate::ErrorKind::Connection, format!("could not start the sandbox: {e}")))?;
        Ok(Sandbox {
            simulator: ManuallyDrop::new(simulator),
            oauth: options.oauth.unwrap_or(false),
            api_version: api_version.unwrap_or(ApiVersion::V1Beta1),
            pid: std::process::id(),
        })
    }

    /// The API base URL to give a client (`http://127.0.0.1:PORT/rest/v1beta1`;
    /// `https://` with `tls`).
    pub fn base_url(&self) -> String {
        self.simulator.base_url()
    }

    /// `http://127.0.0.1:PORT` (`https://` with `tls`), where the control routes (`/_sim/...`) live.
    pub fn origin(&self) -> String {
        self.simulator.origin()
    }

    /// The OAuth token endpoint.
    pub fn token_url(&self) -> String {
        self.simulator.token_url()
    }

    /// Started with `tls`: the throwaway CA that signed the sandbox's certificate, as
    /// PEM text (what a client must trust); `None` otherwise.
    pub fn ca_certificate_pem(&self) -> Option<String> {
        self.simulator.ca_certificate_pem()
    }

    /// The assistant name the sandbox expects.
    pub fn assistant_name(&self) -> &str {
        &self.simulator.config().assistant_name
    }

    /// A bearer token the sandbox always accepts.
    pub fn token(&self) -> &str {
        self.simulator.config().static_token.as_deref().unwrap_or_default()
    }

    /// The OAuth client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.simulator.config().client_id
    }

    /// The OAuth client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        &self.simulator.config().client_secret
    }

    /// The client options that reach this sandbox: base URL (of the generation
    /// [`SandboxOptions::api_version`] names), assistant name and
    /// either its token or (started with `oauth`) its client credentials and token
    /// URL; started with `tls`, its CA as `ca_certificates`. Bindings merge the
    /// caller's own options over these.
    pub fn client_options(&self) -> ClientOptions {
        let mut o = ClientOptions {
            base_url: Some(format!("{}{}", self.origin(), self.api_version.path())),
            assistant_name: Some(self.assistant_name().to_owned()),
            ca_certificates: self.ca_certificate_pem(),
            ..Default::default()
        };
        if self.oauth {
            o.client_id = Some(self.client_id().to_owned());
            o.client_secret = Some(self.client_secret().to_owned());
            o.token_url = Some(self.token_url());
        } else {
            o.token = Some(self.token().to_owned());
        }
        o
    }

    /// [`client_options`](Self::client_options) as a JSON object (snake_case keys),
    /// for bindings that build clients from JSON.
    pub fn client_options_json(&self) -> String {
        let mut options = serde_json::to_value(self.client_options()).unwrap_or_default();
        if let Value::Object(map) = &mut options {
            map.retain(|_, v| !v.is_null());
        }
        options.to_string()
    }

    /// A client configured for this sandbox.
    pub fn client(&self) -> Result<Client> {
        Client::from_options(self.client_options())
    }

    /// Runs one scripting action ([`ACTIONS`]) with its JSON arguments and returns
    /// its JSON answer; an unknown action or bad arguments are `invalid_argument`
    /// naming the action.
    pub fn run(&self, action: &str, args: &Value) -> Result<Value> {
        if std::process::id() != self.pid {
            return self.run_in_parent(action, args);
        }
        self.simulator.run(action, args).map_err(|why| Error::invalid_argument(action, why))
    }

    /// In a child of fork(): this process's copy of the state is served by nobody, so
    /// the action goes to the parent's server, the one the child's clients talk to.
    fn run_in_parent(&self, action: &str, args: &Value) -> Result<Value> {
        let failed = |e: &dyn fmt::Display| {
            Error::new(
                crate::ErrorKind::Connection,
                format!("the sandbox's server (in the parent) did not answer: {e}"),
            )
        };
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(pem) = self.ca_certificate_pem() {
            let roots: Vec<_> = ureq::tls::parse_pem(pem.as_bytes())
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&roots));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls.build())
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let body = serde_json::json!({ "action": action, "args": args });
        let mut answer =
            agent.post(format!("{}/_sim/script", self.origin())).send_json(&body).map_err(|e| failed(&e))?;
        let status = answer.status();
        let value: Value = answer.body_mut().read_json().map_err(|e| failed(&e))?;
        if status.is_success() {
            return Ok(value);
        }
        // The simulator's 400 for a bad action or arguments, as the in-process call reports it.
        let why = value["error"]["message"].as_str().unwrap_or("refused").to_owned();
        Err(Error::invalid_argument(action, why))
    }

    /// [`run`](Self::run) with JSON text in and out, for bindings that pass JSON.
    pub fn run_json(&self, action: &str, args_json: &str) -> Result<String> {
        let args = if args_json.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(args_json).map_err(|e| Error::invalid_argument(action, format!("arguments: {e}")))?
        };
        self.run(action, &args).map(|answer| answer.to_string())
    }

    /// Stops the server (the same as dropping it).
    pub fn stop(self) {
        drop(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_sandbox_client_completes_a_turn_and_the_script_shapes_the_next() {
        let sandbox = Sandbox::start(&SandboxOptions { response_duration_ms: Some(30), ..Default::default() }).unwrap();
        let client = sandbox.client().unwrap();
        let conv = client.create_conversation(None).unwrap();
        let options = crate::WaitOptions { initial_interval: Duration::from_millis(10), ..Default::default() };
        let done = client.create_response_and_wait(&conv.conversation_id, "hi", &options).unwrap();
        assert_eq!(done.status, crate::ResponseStatus::Completed);
        sandbox.run("fail_next_response", &json!({})).unwrap();
        let e = client.create_response_and_wait(&conv.conversation_id, "hi", &options).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::ResponseFailed);
        let posts = sandbox.run("requests", &json!({"method": "POST", "path_contains": "/responses"})).unwrap();
        assert_eq!(posts.as_array().unwrap().len(), 2);
        let e = sandbox.run("explode", &json!({})).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
        assert_eq!(e.argument(), Some("explode"));
    }

    #[test]
    fn oauth_sandboxes_hand_out_client_credentials() {
        let sandbox = Sandbox::start(&SandboxOptions::from_json(r#"{"oauth": true}"#).unwrap()).unwrap();
        let options = sandbox.client_options();
        assert!(options.token.is_none() && options.client_id.is_some());
        let json: Value = serde_json::from_str(&sandbox.client_options_json()).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["assistant_name", "base_url", "client_id", "client_secret", "token_url"]);
        assert_eq!(ClientOptions::from_json(&sandbox.client_options_json()).unwrap(), options);
        sandbox.client().unwrap().list_conversations(&Default::default()).unwrap();
        assert!(SandboxOptions::from_json(r#"{"oauht": true}"#).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn tls_sandboxes_serve_https_and_hand_out_their_ca() {
        let options = SandboxOptions::from_json(r#"{"tls": true, "response_duration_ms": 30}"#).unwrap();
        let sandbox = Sandbox::start(&options).unwrap();
        assert!(sandbox.base_url().starts_with("https://127.0.0.1:"), "{}", sandbox.base_url());
        let ca = sandbox.ca_certificate_pem().unwrap();
        assert_eq!(sandbox.client_options().ca_certificates.as_deref(), Some(ca.as_str()));
        let json: Value = serde_json::from_str(&sandbox.client_options_json()).unwrap();
        assert_eq!(json["ca_certificates"], ca.as_str());
        let plain = Sandbox::start(&SandboxOptions::default()).unwrap();
        assert!(plain.ca_certificate_pem().is_none() && plain.client_options().ca_certificates.is_none());
    }
}
