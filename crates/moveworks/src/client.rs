//! The client, its builder and the API's first seven endpoints (the message
//! endpoints are in `messages.rs`, streaming in `stream.rs`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use url::{Host, Url};

use crate::error::{Error, Result};
use crate::generation::ApiVersion;
use crate::model::{Conversation, ConversationPage, EventPage, Response};
use crate::options::{self, ClientOptions};
use crate::pagination::{ConversationIter, EventIter};
use crate::retry::RetryPolicy;
use crate::tls::TlsOptions;
use crate::transport::{self, Auth, CallSettings, Method, OAuth, Secret, Transport};
use crate::user_auth::TokenProvider;
use crate::validate;

/// The production base URL of the default generation ([`ApiVersion::V1`](crate::ApiVersion)):
/// [`DEFAULT_ORIGIN`](crate::DEFAULT_ORIGIN) + `/rest/v1`. Other data centers: [`KNOWN_HOSTS`](crate::KNOWN_HOSTS).
pub const DEFAULT_BASE_URL: &str = "https://api.moveworks.ai/rest/v1";
/// The size of each connection's input and output buffer.
const CONNECTION_BUFFER_BYTES: usize = 32 * 1024;

/// The longest response head (status line and headers) accepted.
const MAX_RESPONSE_HEAD_BYTES: usize = 16 * 1024;

/// The SDK version, sent in the `User-Agent`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Environment variables read by [`Client::from_env`].
pub mod env {
    /// Base URL (optional; defaults to [`DEFAULT_BASE_URL`](super::DEFAULT_BASE_URL)).
    pub const BASE_URL: &str = "MOVEWORKS_BASE_URL";
    /// API generation, `v1` or `v1beta1` (optional; see [`ClientOptions::api_version`](crate::ClientOptions::api_version)).
    pub const API_VERSION: &str = "MOVEWORKS_API_VERSION";
    /// Assistant name (required).
    pub const ASSISTANT_NAME: &str = "MOVEWORKS_ASSISTANT_NAME";
    /// Static bearer token (or use the client credentials below).
    pub const TOKEN: &str = "MOVEWORKS_TOKEN";
    /// OAuth client id.
    pub const CLIENT_ID: &str = "MOVEWORKS_CLIENT_ID";
    /// OAuth client secret.
    pub const CLIENT_SECRET: &str = "MOVEWORKS_CLIENT_SECRET";
    /// OAuth token URL (optional; defaults to the base URL's origin + `/oauth/v1/token`).
    pub const TOKEN_URL: &str = "MOVEWORKS_TOKEN_URL";
}

/// Builds a [`Client`]. Obtain one with [`Client::builder`].
///
/// Required: an assistant name, and either [`bearer_token`](Self::bearer_token)
/// or [`client_credentials`](Self::client_credentials).
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    api_version: Option<ApiVersion>,
    assistant_name: Option<String>,
    token: Option<Secret>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    token_url: Option<String>,
    connect_timeout: Duration,
    settings: CallSettings,
    max_idle_connections: usize,
    max_response_bytes: u64,
    binding: Option<String>,
    user_agent_suffix: Option<String>,
    allow_insecure_http: bool,
    tls: TlsOptions,
    proxy: Option<Secret>,
    proxy_from_env: bool,
    log_sink: Option<crate::logging::LogSink>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("assistant_name", &self.assistant_name)
            .field("token", &self.token)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("token_url", &self.token_url)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("proxy", &self.proxy.as_ref().map(|p| crate::proxy::redact_url(p.expose())))
            .field("proxy_from_env", &self.proxy_from_env)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            api_version: None,
            assistant_name: None,
            token: None,
            client_id: None,
            client_secret: None,
            token_url: None,
            connect_timeout: Duration::from_secs(10),
            settings: CallSettings {
                attempt_timeout: Duration::from_secs(30),
                deadline: Duration::from_secs(120),
                retry: RetryPolicy::default(),
                extras: None,
                user_auth: None,
            },
            max_idle_connections: 32,
            max_response_bytes: 16 * 1024 * 1024,
            binding: None,
            user_agent_suffix: None,
            allow_insecure_http: false,
            tls: TlsOptions::default(),
            proxy: None,
            proxy_from_env: true,
            log_sink: None,
        }
    }
}

impl ClientBuilder {
    /// API base URL (default [`DEFAULT_BASE_URL`]). Must be https unless the host is loopback
    /// or [`allow_insecure_http`](Self::allow_insecure_http) is set. A path ending in
    /// `/rest/v1` or `/rest/v1beta1` names the generation; a bare origin gets the
    /// generation's path appended (see [`ClientOptions::api_version`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// The generation of the API to talk to (default [`ApiVersion::V1`], or what the base
    /// URL's path names); see [`ClientOptions::api_version`].
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }
    /// The assistant name configured for your organization (sent as `Assistant-Name`).
    pub fn assistant_name(mut self, name: impl Into<String>) -> Self {
        self.assistant_name = Some(name.into());
        self
    }
    /// Authenticate with a bearer token you manage yourself.
    ///
    /// Setting client credentials as well makes [`build`](Self::build) fail with
    /// `invalid_argument` (`"token/client_credentials"`): the rule of [`ClientOptions`].
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token));
        self
    }
    /// Authenticate with OAuth client credentials; tokens are fetched, cached and refreshed for you.
    ///
    /// Setting a bearer token as well makes [`build`](Self::build) fail (see [`bearer_token`](Self::bearer_token)).
    pub fn client_credentials(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(Secret::new(client_secret));
        self
    }
    /// OAuth token URL (default: the base URL's origin + `/oauth/v1/token`).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }
    /// Time allowed to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Time allowed for one attempt, body included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.attempt_timeout = timeout;
        self
    }
    /// Time allowed for a whole call, all retries included (default 120 s).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.settings.deadline = deadline;
        self
    }
    /// Retries after the first attempt (default 2; 0 disables retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.settings.retry.max_retries = retries;
        self
    }
    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }
    /// Idle connections kept per host for reuse (default 32).
    pub fn max_idle_connections(mut self, n: usize) -> Self {
        self.max_idle_connections = n;
        self
    }
    /// Largest response body accepted, in bytes (default 16 MiB).
    pub fn max_response_bytes(mut self, n: u64) -> Self {
        self.max_response_bytes = n;
        self
    }
    /// Allows plain `http` base and token URLs for hosts that are not loopback (default `false`).
    ///
    /// Only for testing, or behind a trusted proxy that terminates TLS on the same
    /// machine or network: over plain http the bearer token and client secret travel
    /// unencrypted. Loopback hosts (`localhost`, `127.0.0.0/8`, `::1`) may always use http.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }
    /// Appended to the `User-Agent` after a space, to identify your application
    /// (e.g. `"acme-helpdesk/2.1"`); checked by [`build`](Self::build): see
    /// [`ClientOptions::user_agent_suffix`].
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }
    /// Applies every option that is set in `options` (the one entry point the language
    /// bindings use); options left `None` keep this builder's value.
    ///
    /// Fails only on a duration given in both spellings, a seconds value that is not a
    /// finite non-negative number, or an unknown `api_version`; everything else is
    /// checked by [`build`](Self::build).
    pub fn options(mut self, options: ClientOptions) -> Result<Self> {
        let connect_timeout =
            options::duration("connect_timeout", options.connect_timeout_ms, options.connect_timeout)?;
        let timeout = options::duration("timeout", options.timeout_ms, options.timeout)?;
        let deadline = options::duration("deadline", options.deadline_ms, options.deadline)?;
        if let Some(v) = options.base_url {
            self.base_url = Some(v);
        }
        if let Some(v) = options.api_version {
            self.api_version = Some(ApiVersion::parse(&v)?);
        }
        if let Some(v) = options.assistant_name {
            self.assistant_name = Some(v);
        }
        if let Some(v) = options.token {
            self.token = Some(Secret::new(v));
        }
        if let Some(v) = options.client_id {
            self.client_id = Some(v);
        }
        if let Some(v) = options.client_secret {
            self.client_secret = Some(Secret::new(v));
        }
        if let Some(v) = options.token_url {
            self.token_url = Some(v);
        }
        if let Some(d) = connect_timeout {
            self.connect_timeout = d;
        }
        if let Some(d) = timeout {
            self.settings.attempt_timeout = d;
        }
        if let Some(d) = deadline {
            self.settings.deadline = d;
        }
        if let Some(n) = options.max_retries {
            self.settings.retry.max_retries = n;
        }
        if let Some(n) = options.max_idle_connections {
            // Saturating: a count beyond the address space means "keep them all".
            self.max_idle_connections = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = options.max_response_bytes {
            self.max_response_bytes = n;
        }
        if let Some(v) = options.allow_insecure_http {
            self.allow_insecure_http = v;
        }
        if let Some(v) = options.user_agent_suffix {
            self.user_agent_suffix = Some(v);
        }
        if let Some(v) = options.tls_roots {
            self.tls.roots = Some(v);
        }
        if let Some(v) = options.ca_certificates {
            self.tls.ca_certificates = Some(v);
        }
        if let Some(v) = options.client_certificate {
            self.tls.client_certificate = Some(v);
        }
        if let Some(v) = options.client_key {
            self.tls.client_key = Some(Secret::new(v));
        }
        if let Some(v) = options.proxy {
            self.proxy = Some(Secret::new(v));
        }
        if let Some(v) = options.proxy_from_env {
            self.proxy_from_env = v;
        }
        Ok(self)
    }
    /// Sends this client's log records to `sink` instead of the process's
    /// ([`logging::set_log_sink`](crate::logging::set_log_sink)); the level is still
    /// the process's ([`logging::set_log_level`](crate::logging::set_log_level), `MOVEWORKS_LOG`).
    pub fn log_sink(mut self, sink: crate::logging::LogSink) -> Self {
        self.log_sink = Some(sink);
        self
    }

    /// Names the language binding in the `User-Agent` (set by the bindings, e.g. `"python/3.11"`).
    pub fn binding(mut self, binding: impl Into<String>) -> Self {
        self.binding = Some(binding.into());
        self
    }

    /// Checks the configuration and builds the client. No request is sent.
    pub fn build(self) -> Result<Client> {
        let base_url = match &self.base_url {
            Some(raw) => Some(parse_api_url("base_url", raw, self.allow_insecure_http)?),
            None => None,
        };
        let (base_url, api_version) = crate::generation::resolve(base_url, self.api_version)?;
        let assistant_name =
            self.assistant_name.ok_or_else(|| Error::invalid_argument("assistant_name", "is required"))?;
        validate::header_value("assistant_name", &assistant_name)?;
        // The credential rule, decided here once for every language: exactly one kind.
        let auth = match (self.token, self.client_id, self.client_secret) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(Error::invalid_argument(
                    "token/client_credentials",
                    "give either a bearer token or client credentials (client_id and client_secret), not both",
                ))
            }
            (Some(token), None, None) => {
                validate::header_value("token", token.expose())?;
                Auth::Static(token)
            }
            (None, Some(_), None) => {
                return Err(Error::invalid_argument("client_secret", "is required with client_id"))
            }
            (None, None, Some(_)) => {
                return Err(Error::invalid_argument("client_id", "is required with client_secret"))
            }
            (None, Some(client_id), Some(client_secret)) => {
                // Form-encoded, so they cannot split headers; still refused, as a CR/LF or
                // other control character there is never intended.
                validate::header_value("client_id", &client_id)?;
                validate::header_value("client_secret", client_secret.expose())?;
                let token_url = match &self.token_url {
                    Some(u) => parse_api_url("token_url", u, self.allow_insecure_http)?,
                    None => default_token_url(&base_url),
                };
                Auth::ClientCredentials(OAuth::new(client_id, client_secret, token_url))
            }
            // On rest/v1 every call acts for one user, so an app serving many users may have
            // no credential of its own: its calls go through `for_user` views.
            (None, None, None) if api_version == ApiVersion::V1 => Auth::PerUserOnly,
            (None, None, None) => {
                return Err(Error::invalid_argument("token", "either a bearer token or client credentials is required"))
            }
        };
        for (name, d) in [
            ("timeout", self.settings.attempt_timeout),
            ("deadline", self.settings.deadline),
            ("connect_timeout", self.connect_timeout),
        ] {
            if d.is_zero() {
                return Err(Error::invalid_argument(name, "must be greater than zero"));
            }
        }
        if self.max_response_bytes == 0 {
            return Err(Error::invalid_argument("max_response_bytes", "must be greater than zero"));
        }
        let mut user_agent = format!(
            "moveworks-sdk/{VERSION} ({}; {}-{})",
            self.binding.as_deref().unwrap_or("rust"),
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        if let Some(suffix) = &self.user_agent_suffix {
            validate::user_agent_suffix(suffix)?;
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        let mut targets = vec![&base_url];
        if let Auth::ClientCredentials(oauth) = &auth {
            targets.push(&oauth.token_url);
        }
        let proxy = crate::proxy::plan(self.proxy.as_ref().map(Secret::expose), self.proxy_from_env, &targets)?;
        let uses_tls = targets.iter().any(|u| u.scheme() == "https")
            || proxy.proxy.as_ref().is_some_and(|p| p.protocol() == ureq::ProxyProtocol::Https);
        let tls_config = crate::tls::config(&self.tls, uses_tls)?;
        if let Some(display) = &proxy.display {
            log::debug!(target: "moveworks", "requests to {} go through the proxy {display}", base_url.origin().ascii_serialization());
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(proxy.proxy)
            .tls_config(tls_config)
            // Never follow redirects: credentials must not travel to another origin,
            // and the API does not redirect.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(self.connect_timeout))
            // Calls with this attempt timeout (the usual case) need no per-request config.
            .timeout_global(Some(self.settings.attempt_timeout))
            // Saturating: `usize::MAX` idle connections overflowed here (found by the fuzz target c_api).
            .max_idle_connections(self.max_idle_connections.max(1).saturating_mul(4))
            .max_idle_connections_per_host(self.max_idle_connections)
            .user_agent(user_agent.as_str())
            // Each connection's buffers, allocated and zeroed in full: ureq's 128 KiB each way
            // (twice over TLS) made 1,000 open streams hold ~256 MB. A request head and a
            // response head fit with room to spare; bodies stream through in pieces.
            .input_buffer_size(CONNECTION_BUFFER_BYTES)
            .output_buffer_size(CONNECTION_BUFFER_BYTES)
            // Below the input buffer, so an oversized head is a clear error, not a stall.
            .max_response_header_size(MAX_RESPONSE_HEAD_BYTES)
            .build();
        let agent = transport::new_agent(config);
        let static_authorization = match &auth {
            Auth::Static(token) => Some(transport::bearer(token)?),
            Auth::ClientCredentials(_) | Auth::Provided(_) | Auth::PerUserOnly => None,
        };
        let fixed_headers = transport::fixed_headers(&assistant_name, &user_agent)?;
        let transport = Transport {
            agent: std::sync::RwLock::new(Some(agent)),
            agent_pid: std::sync::atomic::AtomicU32::new(std::process::id()),
            fixed_headers,
            static_authorization,
            base_url,
            api_version,
            assistant_name,
            auth,
            user_agent,
            max_response_bytes: self.max_response_bytes,
            attempt_timeout: self.settings.attempt_timeout,
            log_sink: self.log_sink,
        };
        Ok(Client { transport: Arc::new(transport), settings: self.settings })
    }
}

fn is_loopback(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses a base or token URL: https, or plain http only to a loopback host
/// (or to any host when `allow_http` is set).
fn parse_api_url(argument: &str, raw: &str, allow_http: bool) -> Result<Url> {
    let url = Url::parse(raw).map_err(|e| Error::invalid_argument(argument, format_args!("is not a URL ({e})")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http || is_loopback(url.host()) => {}
        "http" => {
            return Err(Error::invalid_argument(
                argument,
                "must use https for a non-loopback host (or opt in with allow_insecure_http)",
            ))
        }
        other => return Err(Error::invalid_argument(argument, format_args!("has unsupported scheme {other:?}"))),
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::invalid_argument(argument, "must be an absolute http(s) URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_argument(argument, "must not embed credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_argument(argument, "must not have a query or fragment"));
    }
    Ok(url)
}

fn default_token_url(base: &Url) -> Url {
    let mut url = base.clone();
    url.set_path("/oauth/v1/token");
    url
}

/// Per-call overrides of the client's limits, and additions for what the SDK does
/// not know yet; see [`Client::with_options`].
///
/// Bindings hand their native per-call options over as JSON ([`from_json_value`](Self::from_json_value)),
/// so these names and checks hold in every language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestOptions {
    /// Time allowed for one attempt.
    pub timeout: Option<Duration>,
    /// Time allowed for the whole call, retries included.
    pub deadline: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// Headers added to each request (a later name replaces an earlier one). Refused:
    /// the headers the SDK sets (`Authorization`, `Assistant-Name`, `User-Agent`,
    /// `Content-Type`, `Accept`, `Host` and the framing headers).
    pub extra_headers: Vec<(String, String)>,
    /// Query parameters added to each request's URL (replacing a parameter of the same name).
    pub extra_query: Vec<(String, String)>,
    /// Fields merged into the top level of each JSON body sent (replacing the SDK's
    /// field of the same name); a call that sends no body (a GET) refuses it.
    pub extra_body: Option<serde_json::Map<String, serde_json::Value>>,
}

impl RequestOptions {
    /// Every per-call option's name as JSON keys (durations in both spellings).
    pub const NAMES: &'static [&'static str] = &[
        "timeout_ms",
        "timeout",
        "deadline_ms",
        "deadline",
        "max_retries",
        "extra_headers",
        "extra_query",
        "extra_body",
    ];

    /// Per-call options from a JSON object (what the bindings build from their native
    /// options): durations as `<name>_ms` (milliseconds) or `<name>` (seconds),
    /// `max_retries`, `extra_headers` and `extra_query` as objects of strings (numbers
    /// and booleans are written as text), `extra_body` as an object. `null` is unset;
    /// an unknown key is `invalid_argument` naming it.
    pub fn from_json_value(value: serde_json::Value) -> Result<RequestOptions> {
        use serde_json::Value;
        let Value::Object(map) = value else {
            return Err(Error::invalid_argument("options", "must be an object of option names to values"));
        };
        let mut ms = std::collections::HashMap::new();
        let mut secs = std::collections::HashMap::new();
        let mut out = RequestOptions::default();
        let pairs = |key: &str, v: Value| -> Result<Vec<(String, String)>> {
            let Value::Object(m) = v else {
                return Err(Error::invalid_argument(key, "must be an object of names to string values"));
            };
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k, s)),
                    Value::Number(n) => Ok((k, n.to_string())),
                    Value::Bool(b) => Ok((k, b.to_string())),
                    _ => Err(Error::invalid_argument(key, format_args!("the value of {k:?} must be a string"))),
                })
                .collect()
        };
        for (key, v) in map {
            if v.is_null() {
                continue;
            }
            match key.as_str() {
                "timeout_ms" | "deadline_ms" => {
                    let n = v
                        .as_u64()
                        .ok_or_else(|| Error::invalid_argument(&key, "must be a whole number of milliseconds"))?;
                    ms.insert(key.trim_end_matches("_ms").to_owned(), n);
                }
                "timeout" | "deadline" => {
                    let f = v.as_f64().ok_or_else(|| Error::invalid_argument(&key, "must be a number of seconds"))?;
                    secs.insert(key.clone(), f);
                }
                "max_retries" => {
                    let n = v.as_u64().and_then(|n| u32::try_from(n).ok());
                    out.max_retries = Some(n.ok_or_else(|| Error::invalid_argument(&key, "must be a whole number"))?);
                }
                "extra_headers" => out.extra_headers = pairs(&key, v)?,
                "extra_query" => out.extra_query = pairs(&key, v)?,
                "extra_body" => match v {
                    Value::Object(m) => out.extra_body = Some(m),
                    _ => return Err(Error::invalid_argument(&key, "must be a JSON object")),
                },
                _ => {
                    return Err(Error::invalid_argument(
                        &key,
                        format_args!("is not a per-call option (options are: {})", Self::NAMES.join(", ")),
                    ))
                }
            }
        }
        out.timeout = options::duration("timeout", ms.get("timeout").copied(), secs.get("timeout").copied())?;
        out.deadline = options::duration("deadline", ms.get("deadline").copied(), secs.get("deadline").copied())?;
        Ok(out)
    }
}

/// Filters of [`Client::list_conversations`].
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ListConversationsParams {
    /// Page size, 1 to 100 (server default 20).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub limit: Option<u32>,
    /// Cursor from a previous page.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub cursor: Option<String>,
    /// List archived (`true`) or active (`false`, the server default) conversations.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub archived: Option<bool>,
}

/// Filters of [`Client::list_events`].
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ListEventsParams {
    /// One conversation, or `None` for the events of all conversations.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub conversation_id: Option<String>,
    /// Only events after this id (exclusive): typically the last event id seen.
    /// Sent as `starting_after`, the name the live reference page documents (older
    /// copies said `start_event_id`, which a current server silently ignores).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub starting_after: Option<String>,
    /// Only events up to this id (inclusive). Sent as `ending_at` (formerly `last_event_id`).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub ending_at: Option<String>,
    /// Cursor from a previous page.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (server default 20).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub limit: Option<u32>,
}

/// Fields to change with [`Client::update_conversation`]; `None` leaves a field unchanged.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ConversationUpdate {
    /// New title (at most 256 characters).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub title: Option<String>,
    /// New archive flag.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub archived: Option<bool>,
}

/// A client of the Moveworks Conversations API.
///
/// `Send + Sync` and cheap to clone (clones share one connection pool and one
/// OAuth token cache), so one client can serve a whole application. Every method
/// blocks the calling thread until the call completes or fails.
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
    settings: CallSettings,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.transport.base_url.as_str())
            .field("api_version", &self.transport.api_version)
            .field("assistant_name", &self.transport.assistant_name)
            .field("auth", &self.settings.user_auth.as_ref().map_or(&self.transport.auth, |u| &*u.0))
            .field("settings", &self.settings)
            .finish()
    }
}

/// Where the events of [`Client::list_events`] come from when no conversation is named.
pub const ALL_CONVERSATIONS: &str = "-";

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A builder filled from the `MOVEWORKS_*` environment variables (see [`env`](mod@env)),
    /// to adjust further before [`ClientBuilder::build`].
    pub fn builder_from_env() -> Result<ClientBuilder> {
        let options = ClientOptions::from_env();
        if options.assistant_name.is_none() {
            return Err(Error::invalid_argument(env::ASSISTANT_NAME, "is not set"));
        }
        if options.token.is_none() && (options.client_id.is_none() || options.client_secret.is_none()) {
            return Err(Error::invalid_argument(
                env::TOKEN,
                format_args!("set {} or both {} and {}", env::TOKEN, env::CLIENT_ID, env::CLIENT_SECRET),
            ));
        }
        // A token together with client credentials is refused by build(), as for every option source.
        Client::builder().options(options)
    }

    /// A client built from [`ClientOptions`] alone (defaults for everything unset).
    pub fn from_options(options: ClientOptions) -> Result<Client> {
        Client::builder().options(options)?.build()
    }

    /// A client configured from the `MOVEWORKS_*` environment variables (see [`env`](mod@env)).
    pub fn from_env() -> Result<Client> {
        Client::builder_from_env()?.build()
    }

    /// A view of this client acting for one user: its calls carry the bearer
    /// `provider` gives (cached, refreshed shortly before it expires, asked again
    /// once after a 401, one provider call at a time), and share everything else
    /// with this client: the connection pool, options, retries, logging. Cheap:
    /// take one per request or per user. Clones of the view share its token cache;
    /// views from separate `for_user` calls each have their own.
    ///
    /// ```no_run
    /// # fn exchange_for(user: &str) -> Result<(String, u64), moveworks::ProviderError> { unimplemented!() }
    /// # let client = moveworks::Client::from_env()?;
    /// use moveworks::UserToken;
    /// use std::time::Duration;
    /// let alice = client.for_user(|| {
    ///     let (token, expires_in) = exchange_for("alice@example.com")?; // your identity provider
    ///     Ok(UserToken::new(token).expires_in(Duration::from_secs(expires_in)))
    /// });
    /// let conversations = alice.list_conversations(&Default::default())?;
    /// # Ok::<(), moveworks::Error>(())
    /// ```
    pub fn for_user(&self, provider: impl TokenProvider) -> Client {
        let provided = crate::user_auth::ProvidedAuth::new(Arc::new(provider));
        let mut settings = self.settings.clone();
        settings.user_auth = Some(transport::UserAuth(Arc::new(Auth::Provided(provided))));
        Client { transport: self.transport.clone(), settings }
    }

    /// [`for_user`](Self::for_user) with a fixed bearer (an API key bound to one user):
    /// the token is sent as it is, and a 401 is the call's error.
    pub fn for_user_token(&self, token: impl Into<String>) -> Result<Client> {
        let token = Secret::new(token);
        if token.expose().is_empty() {
            return Err(Error::invalid_argument("token", "must not be empty"));
        }
        transport::bearer(&token)?;
        let mut settings = self.settings.clone();
        settings.user_auth = Some(transport::UserAuth(Arc::new(Auth::Static(token))));
        Ok(Client { transport: self.transport.clone(), settings })
    }

    /// A clone of this client whose calls use these overrides (shares the pool and token cache).
    pub fn with_options(&self, options: &RequestOptions) -> Result<Client> {
        let mut settings = self.settings.clone();
        if let Some(t) = options.timeout {
            if t.is_zero() {
                return Err(Error::invalid_argument("timeout", "must be greater than zero"));
            }
            settings.attempt_timeout = t;
        }
        if let Some(d) = options.deadline {
            if d.is_zero() {
                return Err(Error::invalid_argument("deadline", "must be greater than zero"));
            }
            settings.deadline = d;
        }
        if let Some(r) = options.max_retries {
            settings.retry.max_retries = r;
        }
        if !options.extra_headers.is_empty() || !options.extra_query.is_empty() || options.extra_body.is_some() {
            let current = settings.extras.as_deref().cloned().unwrap_or_default();
            let merged = current.merged(&options.extra_headers, &options.extra_query, options.extra_body.as_ref())?;
            settings.extras = (!merged.is_empty()).then(|| Arc::new(merged));
        }
        Ok(Client { transport: Arc::clone(&self.transport), settings })
    }

    /// Emits a log record through this client's sink.
    pub(crate) fn log(&self, record: crate::logging::LogRecord) {
        self.transport.log(record);
    }

    /// The base URL this client talks to.
    pub fn base_url(&self) -> &str {
        self.transport.base_url.as_str()
    }

    /// The generation of the API this client talks to.
    pub fn api_version(&self) -> ApiVersion {
        self.transport.api_version
    }

    /// The `User-Agent` this client sends.
    pub fn user_agent(&self) -> &str {
        &self.transport.user_agent
    }

    /// Closes the client: its pooled connections are released at once, and every
    /// later call on it (or on any clone or [`with_options`](Self::with_options)
    /// copy, which share its pool) fails with `invalid_argument` (`argument`
    /// `"client"`) before sending anything. Calls already running finish. Idempotent.
    /// Dropping the last clone releases the pool too; `close` is for callers that
    /// want it released at a known point (a `with` block, `await client.close()`).
    pub fn close(&self) {
        self.transport.close();
    }

    /// Whether [`close`](Self::close) was called on this client or a clone of it.
    pub fn is_closed(&self) -> bool {
        self.transport.is_closed()
    }

    /// Lists conversations, most recently updated first. `GET /conversations`.
    pub fn list_conversations(&self, params: &ListConversationsParams) -> Result<ConversationPage> {
        validate::limit(params.limit)?;
        validate::cursor(params.cursor.as_deref())?;
        let url = self.transport.url(
            &["conversations"],
            &[
                ("cursor", params.cursor.clone()),
                ("limit", params.limit.map(|l| l.to_string())),
                ("archived", params.archived.map(|a| a.to_string())),
            ],
        );
        self.transport
            .call(&self.settings, Method::Get, url, None, "conversation page")
            .map_err(|e| self.explain_first_call_404(e))
    }

    /// Iterates over every conversation matching `params`, fetching pages lazily.
    pub fn iter_conversations(&self, params: ListConversationsParams) -> ConversationIter {
        ConversationIter::new(self.clone(), params)
    }

    /// Creates a conversation. `POST /conversations` (201).
    pub fn create_conversation(&self, title: Option<&str>) -> Result<Conversation> {
        if let Some(t) = title {
            validate::title(t)?;
        }
        let body = match title {
            Some(t) => json!({ "title": t }),
            None => json!({}),
        };
        let url = self.transport.url(&["conversations"], &[]);
        self.transport
            .call(&self.settings, Method::Post, url, Some(body.to_string().into_bytes()), "conversation")
            .map_err(|e| self.explain_first_call_404(e))
    }

    /// A 404 from a call that names no id (list or create conversation) is about the
    /// setup, not a missing object: the message says which setups cause it (kind stays
    /// `not_found`).
    fn explain_first_call_404(&self, e: Error) -> Error {
        if e.kind() != crate::ErrorKind::NotFound {
            return e;
        }
        e.with_hint(format_args!(
            "a 404 here means the setup, not a missing object: the Conversations API may not be enabled \
             for your organization yet (your Moveworks account team enables it), the host may be the wrong \
             data center ({} is US production only; see moveworks::KNOWN_HOSTS), or the path may be the \
             wrong generation (this client speaks {} at {})",
            crate::generation::DEFAULT_ORIGIN,
            self.transport.api_version,
            self.transport.base_url
        ))
    }

    /// Gets one conversation. `GET /conversations/{conversation_id}`.
    pub fn get_conversation(&self, conversation_id: &str) -> Result<Conversation> {
        validate::id("conversation_id", conversation_id)?;
        let url = self.transport.url(&["conversations", conversation_id], &[]);
        self.transport.call(&self.settings, Method::Get, url, None, "conversation")
    }

    /// Changes a conversation's title and/or archive flag. `PATCH /conversations/{conversation_id}`.
    pub fn update_conversation(&self, conversation_id: &str, update: &ConversationUpdate) -> Result<Conversation> {
        validate::id("conversation_id", conversation_id)?;
        if let Some(t) = &update.title {
            validate::title(t)?;
        }
        if update.title.is_none() && update.archived.is_none() {
            return Err(Error::invalid_argument("update", "set at least one of title or archived"));
        }
        let mut body = serde_json::Map::new();
        if let Some(t) = &update.title {
            body.insert("title".into(), t.clone().into());
        }
        if let Some(a) = update.archived {
            body.insert("archived".into(), a.into());
        }
        let url = self.transport.url(&["conversations", conversation_id], &[]);
        let bytes = serde_json::Value::Object(body).to_string().into_bytes();
        self.transport.call(&self.settings, Method::Patch, url, Some(bytes), "conversation")
    }

    /// Lists events (system-initiated final messages), oldest first.
    /// `GET /conversations/{conversation_id | -}/events`.
    pub fn list_events(&self, params: &ListEventsParams) -> Result<EventPage> {
        let conversation = params.conversation_id.as_deref().unwrap_or(ALL_CONVERSATIONS);
        validate::id("conversation_id", conversation)?;
        if let Some(id) = &params.starting_after {
            validate::id("starting_after", id)?;
        }
        if let Some(id) = &params.ending_at {
            validate::id("ending_at", id)?;
        }
        validate::limit(params.limit)?;
        validate::cursor(params.cursor.as_deref())?;
        let url = self.transport.url(
            &["conversations", conversation, "events"],
            &[
                ("starting_after", params.starting_after.clone()),
                ("ending_at", params.ending_at.clone()),
                ("cursor", params.cursor.clone()),
                ("limit", params.limit.map(|l| l.to_string())),
            ],
        );
        self.transport.call(&self.settings, Method::Get, url, None, "event page")
    }

    /// Iterates over every event matching `params`, fetching pages lazily.
    pub fn iter_events(&self, params: ListEventsParams) -> EventIter {
        EventIter::new(self.clone(), params)
    }

    /// Sends a user message; returns at once (202) with a response to poll.
    /// `POST /conversations/{conversation_id}/responses`.
    ///
    /// Not retried after an ambiguous failure (the server may have accepted it):
    /// such failures are returned so that the assistant is never asked twice.
    ///
    /// `input` is a plain string (a typed turn in this client's generation) or any
    /// [`Input`](crate::Input) (chat, text, a button's callback id, raw JSON).
    pub fn create_response(&self, conversation_id: &str, input: impl Into<crate::Input>) -> Result<Response> {
        validate::id("conversation_id", conversation_id)?;
        let body = input.into().body(self.transport.api_version)?;
        let url = self.transport.url(&["conversations", conversation_id, "responses"], &[]);
        self.transport.call(&self.settings, Method::Post, url, Some(body), "response")
    }

    /// Gets a response's current state. `GET /conversations/{conversation_id}/responses/{response_id}`.
    pub fn get_response(&self, conversation_id: &str, response_id: &str) -> Result<Response> {
        validate::id("conversation_id", conversation_id)?;
        validate::id("response_id", response_id)?;
        let url = self.transport.url(&["conversations", conversation_id, "responses", response_id], &[]);
        self.transport.call(&self.settings, Method::Get, url, None, "response")
    }

    pub(crate) fn settings_deadline(&self) -> Duration {
        self.settings.deadline
    }

    /// The transport and call settings, for the calls defined outside this file
    /// (`messages.rs`, `stream.rs`).
    pub(crate) fn call_parts(&self) -> (&Transport, &CallSettings) {
        (&self.transport, &self.settings)
    }
}
