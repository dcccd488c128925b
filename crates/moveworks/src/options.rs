//! [`ClientOptions`]: every client option in one type, the one list the bindings hand over.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Every option of a [`Client`](crate::Client), each one optional (`None` keeps the default).
///
/// This is the single list of client options: the Rust builder applies it with
/// [`ClientBuilder::options`](crate::ClientBuilder::options), and every language
/// binding converts its native options object (Python keyword arguments, a JS
/// object, C key/value pairs, Kotlin/Swift `ClientConfig`) into this type, so the
/// names, defaults and checks below hold in every language.
///
/// **Names** are snake_case here and in Python and C; Node uses the same names in
/// camelCase (`timeoutMs`), Kotlin and Swift their own casing.
///
/// **Durations** have two spellings, because no single unit is idiomatic
/// everywhere: `<name>_ms`, whole milliseconds (an unsigned integer), or `<name>`,
/// seconds as a floating-point number (e.g. Python's `timeout=2.5`). Give at most
/// one spelling of each duration; both is `invalid_argument` naming both
/// (e.g. `"timeout_ms/timeout"`). Zero is refused by the build (`must be greater than zero`).
///
/// **Credentials**: give either `token`, or both `client_id` and `client_secret`.
/// A token together with any client credential is `invalid_argument` with
/// `argument` = `"token/client_credentials"` (the SDK never guesses which one you
/// meant); `client_id` without `client_secret` (or the reverse) names the missing one.
///
/// In Rust, build one with `ClientOptions { timeout_ms: Some(5_000), ..Default::default() }`
/// (options may be added in later versions).
///
/// Deserializing refuses unknown keys, so a misspelt option is an error naming it
/// (see [`ClientOptions::from_json_value`]). `Debug` and `Display` redact the token
/// and the client secret; serializing (for handing options to a binding's JSON
/// layer) writes them, and leaves unset options out.
#[derive(Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientOptions {
    /// API base URL (default [`DEFAULT_BASE_URL`](crate::DEFAULT_BASE_URL)). https, unless
    /// the host is loopback or `allow_insecure_http` is set.
    pub base_url: Option<String>,
    /// The generation of the API: `"v1"` (the default; `rest/v1`, the current
    /// Conversations API) or `"v1beta1"` (`rest/v1beta1`, the deprecated beta).
    ///
    /// With `base_url`: a base URL whose path ends in `/rest/v1` or `/rest/v1beta1`
    /// names its generation (an `api_version` that disagrees is `invalid_argument`
    /// `"api_version/base_url"`); a base URL with no path gets the generation's path
    /// appended. So `base_url = "https://api.am-eu-central.moveworks.ai"` is the EU data
    /// center on v1. Hosts ([`KNOWN_HOSTS`](crate::KNOWN_HOSTS)): `api.moveworks.ai` (US),
    /// `api.am-ca-central.moveworks.ai`, `api.am-eu-central.moveworks.ai`,
    /// `api.am-ap-southeast.moveworks.ai`, `api.moveworksgov.ai`, `api.jp.moveworks.com`,
    /// `api.uk.moveworks.com`, `api.prod4.us.moveworks.com`, `api.prod3.us.moveworks.com`.
    pub api_version: Option<String>,
    /// The assistant name configured for your organization, sent as `Assistant-Name` (required).
    pub assistant_name: Option<String>,
    /// A bearer token you manage yourself (or use `client_id` + `client_secret`).
    pub token: Option<String>,
    /// OAuth client id; tokens are then fetched, cached and refreshed for you.
    pub client_id: Option<String>,
    /// OAuth client secret (with `client_id`).
    pub client_secret: Option<String>,
    /// OAuth token URL (default: the base URL's origin + `/oauth/v1/token`).
    pub token_url: Option<String>,
    /// Time allowed to establish a connection, in milliseconds (default 10 000).
    pub connect_timeout_ms: Option<u64>,
    /// `connect_timeout_ms` in seconds.
    pub connect_timeout: Option<f64>,
    /// Time allowed for one attempt, body included, in milliseconds (default 30 000).
    pub timeout_ms: Option<u64>,
    /// `timeout_ms` in seconds.
    pub timeout: Option<f64>,
    /// Time allowed for a whole call, all retries included, in milliseconds (default 120 000).
    pub deadline_ms: Option<u64>,
    /// `deadline_ms` in seconds.
    pub deadline: Option<f64>,
    /// Retries after the first attempt (default 2; 0 disables retries).
    pub max_retries: Option<u32>,
    /// Idle connections kept per host for reuse (default 32).
    pub max_idle_connections: Option<u64>,
    /// Largest response body accepted, in bytes (default 16 MiB = 16 777 216).
    pub max_response_bytes: Option<u64>,
    /// Allows plain http to a host that is not loopback (default `false`). Only for
    /// testing or behind a trusted proxy: over http the token and secret travel unencrypted.
    pub allow_insecure_http: Option<bool>,
    /// Appended to the `User-Agent` after a space (default none), e.g. `"acme-helpdesk/2.1"`
    /// to identify your application. 1 to [`MAX_USER_AGENT_SUFFIX`](crate::validate::MAX_USER_AGENT_SUFFIX)
    /// printable ASCII characters (no control characters, so no CR/LF).
    pub user_agent_suffix: Option<String>,
    /// Which root certificates verify the server (default `"platform"`):
    /// `"platform"`, the operating system's trust store (where IT installs a company
    /// root; on Linux the system bundle, `SSL_CERT_FILE`/`SSL_CERT_DIR` honoured, and
    /// Mozilla's roots when the system has none); `"webpki"`, Mozilla's roots compiled
    /// into the SDK; `"custom-only"`, only `ca_certificates`.
    pub tls_roots: Option<String>,
    /// Extra trusted root certificates, PEM: the text itself (`-----BEGIN CERTIFICATE-----...`)
    /// or the path of a PEM file. Added to the roots of `tls_roots`, e.g. the root of a
    /// TLS-inspecting corporate proxy.
    pub ca_certificates: Option<String>,
    /// A client certificate chain for mutual TLS, PEM text or file path (with `client_key`).
    pub client_certificate: Option<String>,
    /// The private key of `client_certificate`, PEM text or file path (never printed).
    pub client_key: Option<String>,
    /// A proxy for every request: `http://`, `https://` or `socks5://` URL, credentials
    /// allowed (`http://user:password@proxy:3128`; always redacted when printed).
    /// Overrides the environment.
    pub proxy: Option<String>,
    /// Whether `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` (and their lowercase
    /// forms) are followed when `proxy` is not set (default `true`), with curl's rules.
    pub proxy_from_env: Option<bool>,
}

impl ClientOptions {
    /// Every option's name, in declaration order: what bindings' typing declarations
    /// (Python's TypedDict, Node's `.d.ts`) are tested against.
    pub const NAMES: &'static [&'static str] = NAMES;
}

const NAMES: &[&str] = &[
    "base_url",
    "api_version",
    "assistant_name",
    "token",
    "client_id",
    "client_secret",
    "token_url",
    "connect_timeout_ms",
    "connect_timeout",
    "timeout_ms",
    "timeout",
    "deadline_ms",
    "deadline",
    "max_retries",
    "max_idle_connections",
    "max_response_bytes",
    "allow_insecure_http",
    "user_agent_suffix",
    "tls_roots",
    "ca_certificates",
    "client_certificate",
    "client_key",
    "proxy",
    "proxy_from_env",
];

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secrets: only whether they are set.
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        f.debug_struct("ClientOptions")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("assistant_name", &self.assistant_name)
            .field("token", &redacted(&self.token))
            .field("client_id", &self.client_id)
            .field("client_secret", &redacted(&self.client_secret))
            .field("token_url", &self.token_url)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout_ms", &self.timeout_ms)
            .field("timeout", &self.timeout)
            .field("deadline_ms", &self.deadline_ms)
            .field("deadline", &self.deadline)
            .field("max_retries", &self.max_retries)
            .field("max_idle_connections", &self.max_idle_connections)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("tls_roots", &self.tls_roots)
            .field("ca_certificates", &self.ca_certificates.as_deref().map(pem_summary))
            .field("client_certificate", &self.client_certificate.as_deref().map(pem_summary))
            .field("client_key", &redacted(&self.client_key))
            .field("proxy", &self.proxy.as_deref().map(crate::proxy::redact_url))
            .field("proxy_from_env", &self.proxy_from_env)
            .finish()
    }
}

/// Options whose value is never echoed in an error or a printout.
const SECRET_OPTIONS: &[&str] = &["token", "client_secret", "client_key", "proxy"];

/// A PEM option as printed: a path as is, PEM text as its size (a certificate is
/// public, but pages of base64 help nobody reading a log).
fn pem_summary(value: &str) -> String {
    if value.contains("-----BEGIN") {
        format!("<PEM, {} bytes>", value.len())
    } else {
        value.to_owned()
    }
}

/// The same text as `Debug` (secrets redacted), for bindings that print options.
impl fmt::Display for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl ClientOptions {
    /// Options from a JSON object, e.g. a binding's native options object converted to JSON.
    ///
    /// `null` values mean "not set". Errors are `invalid_argument` naming the offending
    /// key: an unknown key (a misspelt option) or a value of the wrong type or range.
    /// A non-object is `invalid_argument` with argument `options`.
    pub fn from_json_value(value: serde_json::Value) -> Result<ClientOptions> {
        let serde_json::Value::Object(map) = value else {
            return Err(Error::invalid_argument("options", "must be an object of option names to values"));
        };
        // One key at a time, so the error names the key at fault (serde_json's own
        // errors carry a position, not a field name).
        let mut options = ClientOptions::default();
        for (key, value) in map {
            let mut one = serde_json::Map::with_capacity(1);
            one.insert(key.clone(), value);
            let parsed: ClientOptions = serde_json::from_value(serde_json::Value::Object(one)).map_err(|e| {
                if !NAMES.contains(&key.as_str()) {
                    return Error::invalid_argument(
                        &key,
                        format_args!("is not a client option (options are: {})", NAMES.join(", ")),
                    );
                }
                if SECRET_OPTIONS.contains(&key.as_str()) {
                    // serde quotes the offending value; never echo a credential.
                    return Error::invalid_argument(&key, "must be a string");
                }
                Error::invalid_argument(&key, e)
            })?;
            options.merge(parsed);
        }
        Ok(options)
    }

    /// Options from JSON text; see [`from_json_value`](Self::from_json_value).
    pub fn from_json(json: &str) -> Result<ClientOptions> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| Error::invalid_argument("options", format_args!("is not valid JSON ({e})")))?;
        ClientOptions::from_json_value(value)
    }

    /// Sets one option from its name and a textual value (for the C API's key/value setter
    /// and the CLI): the text is the value of a string option, and is read as a number or
    /// boolean for the others. Errors are `invalid_argument` naming `key`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        // Text first, so a numeric-looking name or credential stays a string; then,
        // for number and boolean options, the value read as JSON.
        let one = |v: serde_json::Value| {
            let mut map = serde_json::Map::with_capacity(1);
            map.insert(key.to_owned(), v);
            ClientOptions::from_json_value(serde_json::Value::Object(map))
        };
        let parsed = match one(serde_json::Value::String(value.to_owned())) {
            Ok(parsed) => parsed,
            Err(as_text) => match serde_json::from_str::<serde_json::Value>(value) {
                Ok(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => one(v)?,
                _ => return Err(as_text),
            },
        };
        self.merge(parsed);
        Ok(())
    }

    /// Copies every option that is set in `other` over this one.
    pub fn merge(&mut self, other: ClientOptions) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            base_url,
            api_version,
            assistant_name,
            token,
            client_id,
            client_secret,
            token_url,
            connect_timeout_ms,
            connect_timeout,
            timeout_ms,
            timeout,
            deadline_ms,
            deadline,
            max_retries,
            max_idle_connections,
            max_response_bytes,
            allow_insecure_http,
            user_agent_suffix,
            tls_roots,
            ca_certificates,
            client_certificate,
            client_key,
            proxy,
            proxy_from_env
        );
    }

    /// The options of the `MOVEWORKS_*` environment variables (see [`env`](crate::env)):
    /// base URL, assistant name, token URL, and the token or client id and secret
    /// (empty variables count as unset).
    pub fn from_env() -> ClientOptions {
        use crate::env;
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        ClientOptions {
            base_url: var(env::BASE_URL),
            api_version: var(env::API_VERSION),
            assistant_name: var(env::ASSISTANT_NAME),
            token: var(env::TOKEN),
            client_id: var(env::CLIENT_ID),
            client_secret: var(env::CLIENT_SECRET),
            token_url: var(env::TOKEN_URL),
            ..ClientOptions::default()
        }
    }
}

/// One duration from its two spellings; `None` when neither is given.
pub(crate) fn duration(name: &str, ms: Option<u64>, seconds: Option<f64>) -> Result<Option<Duration>> {
    match (ms, seconds) {
        (Some(_), Some(_)) => Err(Error::invalid_argument(
            &format!("{name}_ms/{name}"),
            format_args!("give {name}_ms (milliseconds) or {name} (seconds), not both"),
        )),
        (Some(ms), None) => Ok(Some(Duration::from_millis(ms))),
        (None, Some(s)) => Duration::try_from_secs_f64(s)
            .map(Some)
            .map_err(|_| Error::invalid_argument(name, "must be a finite, non-negative number of seconds")),
        (None, None) => Ok(None),
    }
}
