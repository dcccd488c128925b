//! Sending one API call: authentication, attempts, retries, deadlines, logging.

use std::fmt;
use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use ureq::http::{self, HeaderMap};
use url::Url;

use crate::error::{ApiErrorCode, Error, ErrorKind, Result};
use crate::retry::{is_retryable_status, parse_retry_after, RetryPolicy};

/// The header carrying Moveworks' trace id for a request.
pub const REQUEST_ID_HEADER: &str = "x-moveworks-root-uuid";

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
}

#[derive(Debug)]
pub(crate) struct OAuth {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) token_url: Url,
    /// Held while a token is fetched, so concurrent callers wait for that one
    /// fetch instead of each starting their own (single flight).
    cache: Mutex<Option<CachedToken>>,
}

#[derive(Debug, Clone)]
struct CachedToken {
    token: Secret,
    refresh_at: Instant,
    generation: u64,
}

/// Refresh this long before the server says a token expires, so a token never
/// expires in flight.
const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl OAuth {
    pub(crate) fn new(client_id: String, client_secret: Secret, token_url: Url) -> OAuth {
        OAuth { client_id, client_secret, token_url, cache: Mutex::new(None) }
    }

    /// The current token, fetching one when none is cached or it is about to expire.
    fn token(&self, t: &Transport, deadline: Instant) -> std::result::Result<(Secret, u64), TokenFailure> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.as_ref().filter(|c| Instant::now() < c.refresh_at) {
            return Ok((c.token.clone(), c.generation));
        }
        let generation = cache.as_ref().map_or(1, |c| c.generation + 1);
        let fetched_at = Instant::now();
        let (token, lifetime) = self.fetch(t, deadline)?;
        let refresh_at = fetched_at + lifetime.saturating_sub(TOKEN_REFRESH_MARGIN.min(lifetime / 2));
        *cache = Some(CachedToken { token: token.clone(), refresh_at, generation });
        Ok((token, generation))
    }

    /// Drops the cached token if it is still the one that was rejected, so the
    /// next call fetches a fresh one (and racing callers fetch only once).
    fn invalidate(&self, generation: u64) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.as_ref().is_some_and(|c| c.generation == generation) {
            if let Some(c) = cache.as_mut() {
                c.refresh_at = Instant::now();
            }
        }
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
                ErrorKind::Connection => true,
                ErrorKind::Timeout => !cut_by_deadline,
                _ => false,
            };
            let error = Error::new(ErrorKind::OAuth, format!("token endpoint unreachable: {}", e.message()))
                .with_kind(if e.kind() == ErrorKind::Timeout { ErrorKind::Timeout } else { ErrorKind::OAuth });
            TokenFailure { error, transient }
        })?;
        log::debug!(
            target: "moveworks",
            "POST {} -> {} (token) request_id={} {}ms",
            self.token_url.path(),
            reply.status,
            reply.request_id.as_deref().unwrap_or("-"),
            started.elapsed().as_millis()
        );
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
        let parsed: TokenResponse =
            decode(&reply, "token response").map_err(|e| TokenFailure::fatal(e.with_kind(ErrorKind::OAuth)))?;
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

/// The timeout of an attempt starting now, and whether the call's deadline
/// (rather than the per-attempt timeout) is what limits it.
///
/// Linux arms socket timeouts on its timer wheel, which may fire up to 1/8 of
/// the interval late (measured: a 3 s read timeout fired after 3.19 s). When
/// the deadline is the limit, the attempt asks for 92 % of the time left, so
/// the call ends within about 8 % of its deadline on either side instead of up
/// to 12.5 % past it.
fn attempt_timeout(per_attempt: Duration, deadline: Instant) -> (Duration, bool) {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if per_attempt < remaining {
        (per_attempt, false)
    } else {
        (remaining.mul_f64(0.92), true)
    }
}

/// A failed token fetch, and whether fetching again might succeed.
struct TokenFailure {
    error: Error,
    /// Connection failures, timeouts and 408/429/5xx: worth another attempt.
    transient: bool,
}

impl TokenFailure {
    fn fatal(error: Error) -> TokenFailure {
        TokenFailure { error, transient: false }
    }
}

/// HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Patch,
}

impl Method {
    fn as_http(self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
            Method::Patch => http::Method::PATCH,
        }
    }
    /// GET and PATCH set state absolutely, so repeating them is harmless.
    fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post)
    }
}

/// Per-call limits, set per client and overridable per call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CallSettings {
    pub(crate) attempt_timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) retry: RetryPolicy,
}

/// A received HTTP answer with its body read (and capped).
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) request_id: Option<String>,
    retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
}

/// A failed attempt, and whether the request can have reached the server.
struct Failure {
    error: Error,
    /// True when the connection was never established, so the server cannot
    /// have seen the request: the one case where repeating a POST is safe.
    never_sent: bool,
}

/// Everything shared by the clones of one client.
#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) agent: ureq::Agent,
    pub(crate) base_url: Url,
    pub(crate) assistant_name: String,
    pub(crate) auth: Auth,
    pub(crate) user_agent: String,
    pub(crate) max_response_bytes: u64,
    /// Default per-attempt timeout (also used for token fetches).
    pub(crate) attempt_timeout: Duration,
}

impl Transport {
    /// The URL of `segments` under the base URL, each segment percent-encoded.
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, Option<String>)]) -> Url {
        let mut url = self.base_url.clone();
        {
            // The base URL was checked to be a valid base at build time.
            let mut path = url.path_segments_mut().expect("base URL can be a base");
            path.pop_if_empty();
            path.extend(segments);
        }
        let pairs: Vec<_> = query.iter().filter_map(|(k, v)| v.as_ref().map(|v| (*k, v))).collect();
        if !pairs.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k, v);
            }
        }
        url
    }

    /// Runs one API call with authentication, retries and the call's deadline,
    /// and decodes the JSON answer.
    pub(crate) fn call<T: DeserializeOwned>(
        &self,
        settings: &CallSettings,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        what: &str,
    ) -> Result<T> {
        let reply = self.execute(settings, method, &url, body)?;
        decode(&reply, what)
    }

    fn execute(&self, settings: &CallSettings, method: Method, url: &Url, body: Option<Vec<u8>>) -> Result<Reply> {
        let deadline = Instant::now() + settings.deadline;
        let mut retries = 0u32;
        let mut replayed_unauthorized = false;
        loop {
            let attempt = retries + 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("call deadline of {:?} exceeded", settings.deadline),
                ));
            }
            let (token, generation) = match &self.auth {
                Auth::Static(t) => (t.clone(), 0),
                Auth::ClientCredentials(oauth) => match oauth.token(self, deadline) {
                    Ok(t) => t,
                    // Fetching a token is harmless to repeat, and the API call was not sent.
                    Err(f) => match self.retry_delay(settings, &f.error, f.transient, retries, deadline) {
                        Some(delay) => {
                            retries += 1;
                            std::thread::sleep(delay);
                            continue;
                        }
                        None => return Err(f.error),
                    },
                },
            };
            let request = self.build_request(method, url, &token, body.clone())?;
            let started = Instant::now();
            // Measured after the token fetch, which may have used part of the time.
            let (timeout, cut_by_deadline) = attempt_timeout(settings.attempt_timeout, deadline);
            if timeout.is_zero() {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("call deadline of {:?} exceeded", settings.deadline),
                ));
            }
            let outcome = self.send(request, timeout);
            let failure = match outcome {
                Ok(reply) => {
                    log::debug!(
                        target: "moveworks",
                        "{:?} {} -> {} attempt={} request_id={} {}ms",
                        method,
                        url.path(),
                        reply.status,
                        attempt,
                        reply.request_id.as_deref().unwrap_or("-"),
                        started.elapsed().as_millis()
                    );
                    if (200..300).contains(&reply.status) {
                        return Ok(reply);
                    }
                    if reply.status == 401 && !replayed_unauthorized {
                        if let Auth::ClientCredentials(oauth) = &self.auth {
                            // The token may have been revoked or expired early: replay once with a fresh one.
                            replayed_unauthorized = true;
                            oauth.invalidate(generation);
                            continue;
                        }
                    }
                    let error = api_error(&reply);
                    // A 429 was refused before processing, so even a POST may repeat it.
                    let retry_safe = method.is_idempotent() || reply.status == 429;
                    Failure { error, never_sent: retry_safe }
                }
                Err(f) => {
                    log::debug!(
                        target: "moveworks",
                        "{:?} {} -> {} attempt={} {}ms",
                        method,
                        url.path(),
                        f.error.kind(),
                        attempt,
                        started.elapsed().as_millis()
                    );
                    f
                }
            };
            let transient = match failure.error.kind() {
                ErrorKind::Connection => true,
                // An attempt cut to the deadline used up the call's time.
                ErrorKind::Timeout => !cut_by_deadline,
                _ => failure.error.status().is_some_and(is_retryable_status),
            };
            let retry_allowed = (method.is_idempotent() || failure.never_sent) && transient;
            match self.retry_delay(settings, &failure.error, retry_allowed, retries, deadline) {
                Some(delay) => {
                    retries += 1;
                    log::info!(
                        target: "moveworks",
                        "retrying {:?} {} in {}ms after {} (retry {retries}/{})",
                        method,
                        url.path(),
                        delay.as_millis(),
                        failure.error.kind(),
                        settings.retry.max_retries
                    );
                    std::thread::sleep(delay);
                }
                None => return Err(failure.error),
            }
        }
    }

    /// How long to wait before retrying after `error` (which the caller found
    /// both transient and safe to repeat when `allowed`), or `None` to give up.
    fn retry_delay(
        &self,
        settings: &CallSettings,
        error: &Error,
        allowed: bool,
        retries: u32,
        deadline: Instant,
    ) -> Option<Duration> {
        let policy = &settings.retry;
        if !allowed || retries >= policy.max_retries {
            return None;
        }
        let delay = match error.retry_after() {
            Some(wait) if wait > policy.max_retry_after => return None,
            Some(wait) => wait,
            None => policy.backoff(retries + 1),
        };
        // Waiting past the deadline only to time out is worse than reporting the real error now.
        (Instant::now() + delay < deadline).then_some(delay)
    }

    fn build_request(
        &self,
        method: Method,
        url: &Url,
        token: &Secret,
        body: Option<Vec<u8>>,
    ) -> Result<http::Request<Vec<u8>>> {
        let mut builder = http::Request::builder()
            .method(method.as_http())
            .uri(url.as_str())
            .header("Authorization", format!("Bearer {}", token.expose()))
            .header("Assistant-Name", &self.assistant_name)
            .header("Accept", "application/json")
            .header("User-Agent", &self.user_agent);
        if body.is_some() {
            builder = builder.header("Content-Type", "application/json");
        }
        // Never echo the http crate's message: it could quote a header value.
        builder
            .body(body.unwrap_or_default())
            .map_err(|_| Error::invalid_argument("request", "a header value is not valid HTTP"))
    }

    /// One HTTP exchange with a timeout; reads the (capped) body.
    fn send(&self, request: http::Request<Vec<u8>>, timeout: Duration) -> std::result::Result<Reply, Failure> {
        let has_body = !request.body().is_empty() || request.method() != http::Method::GET;
        let configured = self.agent.configure_request(request).timeout_global(Some(timeout)).build();
        let result = if has_body {
            self.agent.run(configured)
        } else {
            let (parts, _) = configured.into_parts();
            self.agent.run(http::Request::from_parts(parts, ()))
        };
        let mut response = result.map_err(|e| transport_failure(e, true))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let request_id = header(&headers, REQUEST_ID_HEADER).map(str::to_owned);
        let retry_after =
            parse_retry_after(header(&headers, "retry-after-ms"), header(&headers, "retry-after"), SystemTime::now());
        let body = response.body_mut().with_config().limit(self.max_response_bytes).read_to_vec().map_err(|e| {
            let mut f = transport_failure(e, false);
            f.error = f.error.with_status(status).with_request_id(request_id.clone());
            f
        })?;
        Ok(Reply { status, request_id, retry_after, body })
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Classifies a ureq error; `before_response` is false once headers arrived.
fn transport_failure(e: ureq::Error, before_response: bool) -> Failure {
    use ureq::Error as U;
    use ureq::Timeout as T;
    let (kind, never_sent, message) = match &e {
        U::HostNotFound => (ErrorKind::Connection, true, "host not found".to_owned()),
        U::ConnectionFailed => (ErrorKind::Connection, true, "connection failed".to_owned()),
        U::Timeout(t @ (T::Resolve | T::Connect)) => (ErrorKind::Timeout, true, format!("timed out ({t:?})")),
        U::Timeout(t) => (ErrorKind::Timeout, false, format!("timed out ({t:?})")),
        U::Io(io)
            if before_response
                && matches!(io.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::AddrNotAvailable) =>
        {
            (ErrorKind::Connection, true, format!("connection refused: {io}"))
        }
        U::Io(io) => (ErrorKind::Connection, false, format!("connection error: {io}")),
        U::Tls(_) | U::Rustls(_) | U::Pem(_) | U::TlsRequired => {
            (ErrorKind::Connection, true, format!("TLS error: {e}"))
        }
        U::Protocol(_) => (ErrorKind::Connection, false, format!("HTTP protocol error: {e}")),
        U::BodyExceedsLimit(limit) => {
            (ErrorKind::Decode, false, format!("response body exceeds the {limit}-byte limit"))
        }
        U::BadUri(_) | U::Http(_) => (ErrorKind::InvalidArgument, true, "the request URL is not valid".to_owned()),
        _ => (ErrorKind::Connection, false, format!("transport error: {e}")),
    };
    Failure { error: Error::new(kind, message).with_source(e), never_sent }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorBodyInner,
}
#[derive(Deserialize)]
struct ErrorBodyInner {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// The typed error for a non-success reply; tolerates bodies that are not the documented JSON.
fn api_error(reply: &Reply) -> Error {
    let parsed = serde_json::from_slice::<ErrorBody>(&reply.body).ok();
    let code = parsed.as_ref().and_then(|b| b.error.code.as_deref()).map(ApiErrorCode::parse);
    let message =
        parsed.and_then(|b| b.error.message).unwrap_or_else(|| format!("HTTP {} with no error message", reply.status));
    Error::new(ErrorKind::for_status(reply.status), message)
        .with_status(reply.status)
        .with_code(code)
        .with_request_id(reply.request_id.clone())
        .with_retry_after(reply.retry_after)
}

fn decode<T: DeserializeOwned>(reply: &Reply, what: &str) -> Result<T> {
    serde_json::from_slice(&reply.body).map_err(|e| {
        Error::decode(what, e, &reply.body).with_status(reply.status).with_request_id(reply.request_id.clone())
    })
}
