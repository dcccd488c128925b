//! Credentials: the redacted secret type, static tokens, and OAuth 2.0 client
//! credentials with a cached, single-flight refreshed token.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;
use ureq::http::{self, HeaderValue};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::logging::{self, LogLevel, LogRecord};
use crate::retry::is_retryable_status;
use crate::transport::{api_error, attempt_timeout, decode, Transport};

/// A credential: shown as `[redacted]` by Debug and never formatted anywhere else.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How requests are authenticated.
#[derive(Debug)]
pub(crate) enum Auth {
    /// A bearer token supplied by the caller.
    Static(Secret),
    /// OAuth 2.0 client credentials, with a cached token.
    ClientCredentials(OAuth),
    /// The caller's [`TokenProvider`](crate::TokenProvider), with a cached token.
    Provided(crate::user_auth::ProvidedAuth),
    /// No credential of the client's own (`rest/v1`, where every call acts for one
    /// user): only its per-user views can call.
    PerUserOnly,
}

#[derive(Debug)]
pub(crate) struct OAuth {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) token_url: Url,
    cache: TokenCache,
}

/// A fetched bearer token shared by a client's calls: fetched by one caller at a time
/// (concurrent callers wait for that one fetch: single flight), refreshed shortly before
/// it expires, and dropped once after the API refuses it. OAuth client credentials and
/// a caller's [`TokenProvider`](crate::TokenProvider) both keep their token here.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    /// Held while a token is fetched.
    cached: Mutex<Option<CachedToken>>,
}

#[derive(Debug, Clone)]
struct CachedToken {
    token: Secret,
    /// When to fetch again; `None`: not before the API refuses it.
    refresh_at: Option<Instant>,
    generation: u64,
}

/// Refresh this long before a token expires (at most half its lifetime), so a token
/// never expires in flight.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);

impl TokenCache {
    /// The cached token with its generation (for [`invalidate`](Self::invalidate)), or one
    /// from `fetch` (the token and how long it is valid) when none is cached or it is due.
    pub(crate) fn get_or_fetch<E>(
        &self,
        fetch: impl FnOnce() -> std::result::Result<(Secret, Option<Duration>), E>,
    ) -> std::result::Result<(Secret, u64), E> {
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if let Some(c) = cached.as_ref().filter(|c| c.refresh_at.is_none_or(|at| now < at)) {
            return Ok((c.token.clone(), c.generation));
        }
        let generation = cached.as_ref().map_or(1, |c| c.generation + 1);
        let (token, lifetime) = fetch()?;
        let refresh_at = lifetime.map(|l| now + l.saturating_sub(TOKEN_REFRESH_MARGIN.min(l / 2)));
        *cached = Some(CachedToken { token: token.clone(), refresh_at, generation });
        Ok((token, generation))
    }

    /// Drops the cached token if it is still the one that was refused, so the next
    /// call fetches a fresh one (and racing callers fetch only once).
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cached.as_mut().filter(|c| c.generation == generation) {
            c.refresh_at = Some(Instant::now());
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// The token answer as the developer guide shows it, or wrapped as `{"data": {...}}`
/// as the token reference page shows it: both are accepted.
#[derive(Deserialize)]
#[serde(untagged)]
enum TokenAnswer {
    Plain(TokenResponse),
    Wrapped { data: TokenResponse },
}

impl TokenAnswer {
    fn into_inner(self) -> TokenResponse {
        match self {
            TokenAnswer::Plain(t) | TokenAnswer::Wrapped { data: t } => t,
        }
    }
}

impl OAuth {
    pub(crate) fn new(client_id: String, client_secret: Secret, token_url: Url) -> OAuth {
        OAuth { client_id, client_secret, token_url, cache: TokenCache::default() }
    }

    /// The current token, fetching one when none is cached or it is about to expire.
    pub(crate) fn token(&self, t: &Transport, deadline: Instant) -> std::result::Result<(Secret, u64), TokenFailure> {
        self.cache.get_or_fetch(|| self.fetch(t, deadline).map(|(token, lifetime)| (token, Some(lifetime))))
    }

    /// Drops the cached token if it is still the one that was rejected.
    pub(crate) fn invalidate(&self, generation: u64) {
        self.cache.invalidate(generation);
    }

    fn fetch(&self, t: &Transport, deadline: Instant) -> std::result::Result<(Secret, Duration), TokenFailure> {
        // Form encoding, as the developer guide sends it.
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", self.client_secret.expose())
            .finish();
        let started = Instant::now();
        let request = http::Request::post(self.token_url.as_str())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .header("User-Agent", &t.user_agent)
            .body(body.into_bytes())
            .map_err(|e| {
                TokenFailure::fatal(Error::new(ErrorKind::OAuth, format!("could not build the token request: {e}")))
            })?;
        let (timeout, cut_by_deadline) = attempt_timeout(t.attempt_timeout, deadline);
        if timeout.is_zero() {
            return Err(TokenFailure::fatal(Error::new(ErrorKind::Timeout, "call deadline exceeded before a token")));
        }
        let outcome = t.send(request, timeout);
        let reply = outcome.map_err(|f| {
            let e = f.error;
            // Connection trouble and timeouts are as transient here as on the API
            // (an over-long body is not), and a token POST is harmless to repeat,
            // unless the attempt already ran to the call's deadline.
            let transient = match e.kind() {
                ErrorKind::Connection => e.is_transient(),
                ErrorKind::Timeout => !cut_by_deadline,
                _ => false,
            };
            let error = Error::new(ErrorKind::OAuth, format!("token endpoint unreachable: {}", e.message()))
                .with_kind(if e.kind() == ErrorKind::Timeout { ErrorKind::Timeout } else { ErrorKind::OAuth });
            TokenFailure { error, transient }
        })?;
        if logging::enabled(LogLevel::Debug) {
            let elapsed = started.elapsed();
            t.log(LogRecord {
                method: Some("POST".to_owned()),
                path: Some(self.token_url.path().to_owned()),
                status: Some(reply.status),
                attempt: Some(1),
                duration_ms: Some(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)),
                request_id: reply.request_id.clone(),
                ..LogRecord::new(
                    LogLevel::Debug,
                    format!(
                        "POST {} -> {} (token) request_id={} {}ms",
                        self.token_url.path(),
                        reply.status,
                        reply.request_id.as_deref().unwrap_or("-"),
                        elapsed.as_millis()
                    ),
                )
            });
        }
        if !(200..300).contains(&reply.status) {
            let api = api_error(&reply);
            let error =
                Error::new(ErrorKind::OAuth, format!("token endpoint refused the credentials: {}", api.message()))
                    .with_status(reply.status)
                    .with_code(api.code().cloned())
                    .with_request_id(reply.request_id.clone())
                    .with_retry_after(api.retry_after());
            return Err(TokenFailure { error, transient: is_retryable_status(reply.status) });
        }
        let parsed = decode::<TokenAnswer>(&reply, "token response")
            .map_err(|e| TokenFailure::fatal(e.with_kind(ErrorKind::OAuth)))?
            .into_inner();
        if parsed.access_token.is_empty() {
            return Err(TokenFailure::fatal(Error::new(
                ErrorKind::OAuth,
                "token endpoint returned an empty access_token",
            )));
        }
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
        Ok((Secret::new(parsed.access_token), lifetime))
    }
}

/// A failed token fetch, and whether fetching again might succeed.
pub(crate) struct TokenFailure {
    pub(crate) error: Error,
    /// Connection failures, timeouts and 408/429/500/502/503/504: worth another attempt.
    pub(crate) transient: bool,
}

impl TokenFailure {
    fn fatal(error: Error) -> TokenFailure {
        TokenFailure { error, transient: false }
    }
}

/// The `Authorization` value for a bearer token, marked sensitive.
pub(crate) fn bearer(token: &Secret) -> Result<HeaderValue> {
    let mut value = String::with_capacity(7 + token.expose().len());
    value.push_str("Bearer ");
    value.push_str(token.expose());
    // Never echo the http crate's message: it could quote the token.
    let mut value =
        HeaderValue::try_from(value).map_err(|_| Error::invalid_argument("token", "is not a valid header value"))?;
    value.set_sensitive(true);
    Ok(value)
}
