//! How a client is configured: `ClientConfig` (redacted when printed), per-call `RequestOptions`, `WaitOptions`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use moveworks as core;

/// How to build a [`Client`]. Give an assistant name and either `bearer_token`
/// or both `client_id` and `client_secret`; unset limits keep the core's defaults.
///
/// An object, not a record: a record becomes a Kotlin data class / Swift struct
/// whose generated `toString()` / `description` prints every field, the token and
/// client secret included. This one prints them as `[redacted]`.
#[derive(uniffi::Object)]
#[uniffi::export(Display)]
pub struct ClientConfig {
    /// The core's options, handed unchanged to the one entry point (`ClientBuilder::options`).
    pub(crate) options: core::ClientOptions,
}

/// The core's rendering of the options (token and client secret redacted).
impl std::fmt::Display for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientConfig({})", self.options)
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[uniffi::export]
impl ClientConfig {
    /// A configuration; nothing is checked until [`Client::new`], where the core checks
    /// every option (see the README's options table for meanings and defaults).
    ///
    /// * `assistant_name`: the assistant name configured for your organization.
    /// * `base_url`: API base URL (default: production, `https://api.moveworks.ai/rest/v1`).
    ///   https unless the host is loopback or `allow_insecure_http` is true. A path ending
    ///   in `/rest/v1` or `/rest/v1beta1` names the generation; a bare origin gets the
    ///   generation's path appended.
    /// * `api_version`: `"v1"` (the default) or `"v1beta1"` (the deprecated beta); a
    ///   `base_url` naming the other generation is `invalid_argument` (`"api_version/base_url"`).
    /// * `bearer_token`: a bearer token you manage yourself, or
    /// * `client_id`, `client_secret`: OAuth client credentials; tokens are fetched
    ///   and refreshed for you. Giving a token too is `invalid_argument`
    ///   (`"token/client_credentials"`).
    /// * `token_url`: OAuth token URL (default: the base URL's origin + `/oauth/v1/token`).
    /// * `connect_timeout`, `timeout`, `deadline`: time to connect (core default 10 s),
    ///   for one attempt (30 s), for a whole call with retries (120 s).
    /// * `max_retries`: retries after the first attempt (core default 2).
    /// * `allow_insecure_http`: allow plain http to a host that is not loopback
    ///   (default false). Only for testing or behind a trusted proxy: over http the
    ///   token and client secret travel unencrypted.
    /// * `max_idle_connections`: idle connections kept per host (core default 32).
    /// * `max_response_bytes`: largest response body accepted (core default 16 MiB).
    /// * `user_agent_suffix`: appended to the `User-Agent` after a space (printable ASCII).
    /// * `tls_roots`: which roots verify the server: `"platform"` (default: the operating
    ///   system's trust store, `SSL_CERT_FILE`/`SSL_CERT_DIR` honoured), `"webpki"`
    ///   (Mozilla's roots built in) or `"custom-only"` (only `ca_certificates`).
    /// * `ca_certificates`: extra trusted roots, PEM text or the path of a PEM file (e.g.
    ///   the root of a TLS-inspecting corporate proxy).
    /// * `client_certificate`, `client_key`: mutual TLS, PEM text or file paths (the key
    ///   is never printed).
    /// * `proxy`: a proxy for every request, `http://`, `https://` or `socks5://`,
    ///   credentials allowed (`http://user:password@proxy:3128`, always redacted when
    ///   printed); overrides the environment.
    /// * `proxy_from_env`: follow `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`
    ///   (curl's rules) when `proxy` is not set (default true).
    #[uniffi::constructor(default(
        base_url = None,
        bearer_token = None,
        client_id = None,
        client_secret = None,
        token_url = None,
        connect_timeout = None,
        timeout = None,
        deadline = None,
        max_retries = None,
        allow_insecure_http = None,
        max_idle_connections = None,
        max_response_bytes = None,
        user_agent_suffix = None,
        tls_roots = None,
        ca_certificates = None,
        client_certificate = None,
        client_key = None,
        proxy = None,
        proxy_from_env = None,
        api_version = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        assistant_name: String,
        base_url: Option<String>,
        bearer_token: Option<String>,
        client_id: Option<String>,
        client_secret: Option<String>,
        token_url: Option<String>,
        connect_timeout: Option<Duration>,
        timeout: Option<Duration>,
        deadline: Option<Duration>,
        max_retries: Option<u32>,
        allow_insecure_http: Option<bool>,
        max_idle_connections: Option<u64>,
        max_response_bytes: Option<u64>,
        user_agent_suffix: Option<String>,
        tls_roots: Option<String>,
        ca_certificates: Option<String>,
        client_certificate: Option<String>,
        client_key: Option<String>,
        proxy: Option<String>,
        proxy_from_env: Option<bool>,
        api_version: Option<String>,
    ) -> Arc<Self> {
        // Durations in the core's seconds spelling: exact for any Duration a caller writes.
        let seconds = |d: Option<Duration>| d.map(|d| d.as_secs_f64());
        Arc::new(ClientConfig {
            options: core::ClientOptions {
                assistant_name: Some(assistant_name),
                base_url,
                api_version,
                token: bearer_token,
                client_id,
                client_secret,
                token_url,
                connect_timeout: seconds(connect_timeout),
                timeout: seconds(timeout),
                deadline: seconds(deadline),
                max_retries,
                allow_insecure_http,
                max_idle_connections,
                max_response_bytes,
                user_agent_suffix,
                tls_roots,
                ca_certificates,
                client_certificate,
                client_key,
                proxy,
                proxy_from_env,
                ..core::ClientOptions::default()
            },
        })
    }
}

/// Per-call overrides, see [`Client::with_options`].
// A record of its own: the core's holds `(String, String)` pairs and a JSON map,
// which do not cross uniffi; converted by `to_core`.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct RequestOptions {
    /// Time allowed for one attempt.
    #[uniffi(default = None)]
    pub timeout: Option<Duration>,
    /// Time allowed for the whole call, retries included.
    #[uniffi(default = None)]
    pub deadline: Option<Duration>,
    /// Retries after the first attempt.
    #[uniffi(default = None)]
    pub max_retries: Option<u32>,
    /// Headers added to each request. Refused (`InvalidArgument` naming `extra_headers`):
    /// the headers the SDK sets (`Authorization`, `Assistant-Name`, `User-Agent`,
    /// `Content-Type`, `Accept`, `Host`, `Proxy-Authorization` and the framing headers).
    #[uniffi(default = None)]
    pub extra_headers: Option<HashMap<String, String>>,
    /// Query parameters added to each request's URL (replacing one of the same name).
    #[uniffi(default = None)]
    pub extra_query: Option<HashMap<String, String>>,
    /// A JSON object, as text, whose fields are merged into the top level of each JSON
    /// body sent (replacing the SDK's field of the same name); a call that sends no body
    /// (a GET) refuses it (`InvalidArgument` naming `extra_body`).
    #[uniffi(default = None)]
    pub extra_body: Option<String>,
}

impl RequestOptions {
    /// The core's options; `extra_body` must be a JSON object.
    pub(crate) fn to_core(&self) -> core::Result<core::RequestOptions> {
        let pairs = |m: &Option<HashMap<String, String>>| {
            let mut v: Vec<(String, String)> = m.iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect();
            v.sort();
            v
        };
        // The body's text as JSON; the core's own entry point checks it is an object.
        let extra_body = match &self.extra_body {
            None => None,
            Some(text) => Some(
                serde_json::from_str::<serde_json::Value>(text)
                    .map_err(|_| core::Error::invalid_argument("extra_body", "must be a JSON object"))?,
            ),
        };
        let body = core::RequestOptions::from_json_value(serde_json::json!({ "extra_body": extra_body }))?;
        Ok(core::RequestOptions {
            timeout: self.timeout,
            deadline: self.deadline,
            max_retries: self.max_retries,
            extra_headers: pairs(&self.extra_headers),
            extra_query: pairs(&self.extra_query),
            extra_body: body.extra_body,
        })
    }
}

/// How the waits poll; unset values keep the core's defaults
/// (250 ms first interval, ×1.5 backoff, 2 s cap, 120 s deadline).
// A wrapper, not `core::WaitOptions`: the core's holds the cancel token and the
// update callback (an `Arc<dyn Fn>`), which a record cannot carry (they are
// separate arguments here), and its values are not optional.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct WaitOptions {
    /// Delay before the second poll.
    #[uniffi(default = None)]
    pub initial_interval: Option<Duration>,
    /// Each delay is the previous one times this (at least 1).
    #[uniffi(default = None)]
    pub backoff_factor: Option<f64>,
    /// Longest delay between polls.
    #[uniffi(default = None)]
    pub max_interval: Option<Duration>,
    /// Give up after this long.
    #[uniffi(default = None)]
    pub deadline: Option<Duration>,
}
