//! Sending one API call: authentication, attempts, retries, deadlines, logging.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use ureq::http::{self, HeaderMap, HeaderName, HeaderValue};
use url::Url;

pub(crate) use crate::auth::{bearer, Auth, OAuth, Secret};
use crate::error::{ApiErrorCode, Error, ErrorKind, Result};
use crate::extras::Extras;
use crate::headers::HttpHeaders;
use crate::logging::{self, LogLevel, LogRecord, LogSink};
use crate::model::Traced;
use crate::retry::{parse_retry_after, RetryPolicy};
use crate::urls::{join_url, path_of};

/// The header carrying Moveworks' trace id for a request.
pub const REQUEST_ID_HEADER: &str = "x-moveworks-root-uuid";
/// The trace header the newer reference pages name; read when [`REQUEST_ID_HEADER`] is absent.
pub const TRACE_ID_HEADER: &str = "x-trace-id";

/// The timeout of an attempt starting now, and whether the call's deadline
/// (rather than the per-attempt timeout) is what limits it.
///
/// Linux arms socket timeouts on its timer wheel, which may fire up to 1/8 of
/// the interval late (measured: a 3 s read timeout fired after 3.19 s). When
/// the deadline is the limit, the attempt asks for 92 % of the time left, so
/// the call ends within about 8 % of its deadline on either side instead of up
/// to 12.5 % past it.
pub(crate) fn attempt_timeout(per_attempt: Duration, deadline: Instant) -> (Duration, bool) {
    let remaining = deadline.saturating_duration_since(Instant::now());
    if per_attempt < remaining {
        (per_attempt, false)
    } else {
        (remaining.mul_f64(0.92), true)
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
    /// The method as sent (`"GET"`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }
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
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CallSettings {
    pub(crate) attempt_timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) retry: RetryPolicy,
    /// `extra_headers`/`extra_query`/`extra_body` of [`RequestOptions`](crate::RequestOptions).
    pub(crate) extras: Option<std::sync::Arc<Extras>>,
    /// The credentials of a per-user view ([`Client::for_user`](crate::Client::for_user));
    /// `None`: the client's own.
    pub(crate) user_auth: Option<UserAuth>,
}

/// A per-user view's credentials, shared by its clones (equal when they are the same).
#[derive(Debug, Clone)]
pub(crate) struct UserAuth(pub(crate) std::sync::Arc<Auth>);

impl PartialEq for UserAuth {
    fn eq(&self, other: &UserAuth) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A received HTTP answer with its body read (and capped).
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) request_id: Option<String>,
    /// The answer's headers.
    pub(crate) headers: HeaderMap,
    retry_after: Option<Duration>,
    pub(crate) body: Vec<u8>,
    /// With [`Accept::EventStream`], a success's body left unread, to be streamed.
    pub(crate) stream: Option<ureq::Body>,
}

/// What a call asks the server for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accept {
    /// A JSON document, read whole (every endpoint but one).
    Json,
    /// `text/event-stream`: a success's body is handed back unread, and only the
    /// wait for the answer's head is bounded by the attempt timeout (the body
    /// lasts as long as the response takes; its reader bounds each wait itself).
    EventStream,
}

/// A failed attempt, and whether the request can have reached the server.
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// True when the connection was never established, so the server cannot
    /// have seen the request: the one case where repeating a POST is safe.
    never_sent: bool,
}

/// Everything shared by the clones of one client.
pub(crate) struct Transport {
    /// The HTTP agent and its connection pool; `None` once the client is closed
    /// ([`Transport::close`]), which drops the pool's idle connections.
    pub(crate) agent: RwLock<Option<ureq::Agent>>,
    /// The process that built `agent`. A child of `fork()` (gunicorn `--preload`,
    /// Celery's prefork pool, multiprocessing) builds its own: the pooled connections
    /// are the parent's sockets, and two processes writing one TLS session corrupt it.
    pub(crate) agent_pid: AtomicU32,
    pub(crate) base_url: Url,
    /// The generation `base_url` speaks (decided once by the builder).
    pub(crate) api_version: crate::generation::ApiVersion,
    pub(crate) assistant_name: String,
    pub(crate) auth: Auth,
    pub(crate) user_agent: String,
    pub(crate) max_response_bytes: u64,
    /// Default per-attempt timeout (also used for token fetches). The agent is
    /// configured with it, so only a shorter attempt needs a per-request config.
    pub(crate) attempt_timeout: Duration,
    /// The headers every API request carries, built once (see [`fixed_headers`]).
    pub(crate) fixed_headers: HeaderMap,
    /// `Authorization` for a static token, built once; `None` with OAuth.
    pub(crate) static_authorization: Option<HeaderValue>,
    /// Where this client's log records go (`None`: the process's sink).
    pub(crate) log_sink: Option<LogSink>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base_url", &self.base_url.as_str())
            .field("assistant_name", &self.assistant_name)
            .field("auth", &self.auth)
            .field("log_sink", &self.log_sink.is_some())
            .finish_non_exhaustive()
    }
}

/// An agent with the SDK's connector and resolver: reads that cancel promptly
/// (see interrupt.rs) and cached DNS answers.
pub(crate) fn new_agent(config: ureq::config::Config) -> ureq::Agent {
    ureq::Agent::with_parts(
        config,
        crate::interrupt::InterruptibleConnector::default(),
        crate::resolve::CachingResolver::default(),
    )
}

/// Assistant-Name, Accept and User-Agent as prepared header values, so a call
/// clones them instead of parsing names and copying values every time.
pub(crate) fn fixed_headers(assistant_name: &str, user_agent: &str) -> Result<HeaderMap> {
    let invalid = |_| Error::invalid_argument("request", "a header value is not valid HTTP");
    let mut headers = HeaderMap::with_capacity(6);
    headers.insert(ASSISTANT_NAME, HeaderValue::from_str(assistant_name).map_err(invalid)?);
    headers.insert(http::header::ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(http::header::USER_AGENT, HeaderValue::from_str(user_agent).map_err(invalid)?);
    Ok(headers)
}

/// Why a call of a client built without credentials (rest/v1) is refused before sending.
const NO_CLIENT_CREDENTIAL: &str = "this client has no credential of its own: call through a per-user view \
    (for_user with a token provider, or for_user_token), or build it with a token or client credentials";

const ASSISTANT_NAME: HeaderName = HeaderName::from_static("assistant-name");

impl Transport {
    /// The URL of `segments` under the base URL, each segment percent-encoded.
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, Option<String>)]) -> String {
        join_url(self.base_url.as_str(), segments, query)
    }

    /// Runs one API call with authentication, retries and the call's deadline,
    /// and decodes the JSON answer.
    pub(crate) fn call<T: DeserializeOwned + Traced>(
        &self,
        settings: &CallSettings,
        method: Method,
        url: String,
        body: Option<Vec<u8>>,
        what: &str,
    ) -> Result<T> {
        let reply = self.execute(settings, method, &url, body)?;
        let mut value: T = decode(&reply, what)?;
        value.set_http_headers(Some(HttpHeaders::new(reply.headers)));
        value.set_request_id(reply.request_id);
        Ok(value)
    }

    /// Closes the client: drops the agent and its pooled connections. Calls
    /// already running finish; later calls fail before sending anything.
    pub(crate) fn close(&self) {
        self.agent.write().unwrap_or_else(PoisonError::into_inner).take();
    }

    /// Whether [`close`](Self::close) has been called.
    pub(crate) fn is_closed(&self) -> bool {
        self.agent.read().unwrap_or_else(PoisonError::into_inner).is_none()
    }

    /// The live agent (a cheap handle onto the shared pool), or the error of a closed client.
    fn live_agent(&self) -> Result<ureq::Agent> {
        let pid = std::process::id();
        if self.agent_pid.load(Ordering::Relaxed) != pid {
            self.renew_agent_after_fork(pid);
        }
        self.agent
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| Error::invalid_argument("client", "was closed; create a new client"))
    }

    /// Replaces the parent's agent in a forked child with a fresh one of the same
    /// configuration (same TLS roots, proxy and timeouts; an empty pool).
    #[cold]
    fn renew_agent_after_fork(&self, pid: u32) {
        let mut agent = self.agent.write().unwrap_or_else(PoisonError::into_inner);
        if self.agent_pid.load(Ordering::Relaxed) == pid {
            return;
        }
        if let Some(inherited) = agent.take() {
            *agent = Some(new_agent(inherited.config().clone()));
            // Not dropped: closing the parent's pooled connections from here could end
            // (with a TLS close_notify) sessions the parent is still using.
            std::mem::forget(inherited);
        }
        self.agent_pid.store(pid, Ordering::Relaxed);
    }

    fn execute(&self, settings: &CallSettings, method: Method, url: &str, body: Option<Vec<u8>>) -> Result<Reply> {
        self.execute_accepting(settings, method, url, body, Accept::Json)
    }

    /// [`execute`](Self::execute) asking for `accept`: the same authentication,
    /// retry rules and deadline whatever the answer's format.
    pub(crate) fn execute_accepting(
        &self,
        settings: &CallSettings,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
        accept: Accept,
    ) -> Result<Reply> {
        // A closed client sends nothing, not even a token request.
        self.live_agent()?;
        let (extended_url, body) = match settings.extras.as_deref() {
            Some(extras) => (Some(extras.url(url)?), extras.body(body)?),
            None => (None, body),
        };
        let url = extended_url.as_deref().unwrap_or(url);
        let deadline = Instant::now() + settings.deadline;
        let mut retries = 0u32;
        let mut replayed_unauthorized = false;
        let (auth, static_authorization) = match &settings.user_auth {
            Some(user) => (&*user.0, None),
            None => (&self.auth, self.static_authorization.as_ref()),
        };
        loop {
            let attempt = retries + 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("call deadline of {:?} exceeded", settings.deadline),
                ));
            }
            let (authorization, generation) = match (auth, static_authorization) {
                (Auth::Static(_), Some(value)) => (value.clone(), 0),
                (Auth::Static(t), None) => (bearer(t)?, 0),
                // A provider's failure is the caller's code failing: not retried.
                (Auth::Provided(provided), _) => {
                    let (token, generation) = provided.token()?;
                    (bearer(&token)?, generation)
                }
                (Auth::PerUserOnly, _) => return Err(Error::invalid_argument("token", NO_CLIENT_CREDENTIAL)),
                (Auth::ClientCredentials(oauth), _) => match oauth.token(self, deadline) {
                    Ok((token, generation)) => (bearer(&token)?, generation),
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
            let mut request = self.build_request(method, url, authorization, body.clone())?;
            if let Some(extras) = settings.extras.as_deref() {
                extras.apply_headers(request.headers_mut());
            }
            if accept == Accept::EventStream {
                request.headers_mut().insert(http::header::ACCEPT, HeaderValue::from_static("text/event-stream"));
            }
            let started = Instant::now();
            // Measured after the token fetch, which may have used part of the time.
            let (timeout, cut_by_deadline) = attempt_timeout(settings.attempt_timeout, deadline);
            if timeout.is_zero() {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!("call deadline of {:?} exceeded", settings.deadline),
                ));
            }
            if let Some(body) = body.as_deref().filter(|_| logging::enabled(LogLevel::Trace)) {
                let message =
                    format!("{} {} request body: {}", method.name(), path_of(url), logging::redact_body(body));
                self.log(LogRecord {
                    method: Some(method.name().to_owned()),
                    path: Some(path_of(url).to_owned()),
                    ..LogRecord::new(LogLevel::Trace, message)
                });
            }
            let outcome = self.send_accepting(request, timeout, accept);
            let elapsed = started.elapsed();
            let failure = match outcome {
                Ok(reply) if (200..300).contains(&reply.status) => {
                    self.log_attempt(method, url, attempt, elapsed, Ok(&reply), None);
                    return Ok(reply);
                }
                Ok(reply) => {
                    if reply.status == 401 && !replayed_unauthorized {
                        let refreshable = matches!(auth, Auth::ClientCredentials(_) | Auth::Provided(_));
                        if refreshable {
                            // The token may have been revoked or expired early: replay once with a fresh one.
                            self.log_attempt(
                                method,
                                url,
                                attempt,
                                elapsed,
                                Ok(&reply),
                                Some("replay with a fresh token".to_owned()),
                            );
                            replayed_unauthorized = true;
                            match auth {
                                Auth::ClientCredentials(oauth) => oauth.invalidate(generation),
                                Auth::Provided(provided) => provided.invalidate(generation),
                                Auth::Static(_) | Auth::PerUserOnly => {}
                            }
                            continue;
                        }
                    }
                    let error = api_error(&reply);
                    // A 429 was refused before processing, so even a POST may repeat it.
                    let retry_safe = method.is_idempotent() || reply.status == 429;
                    Failure { error, never_sent: retry_safe }
                }
                Err(f) => f,
            };
            let transient = match failure.error.kind() {
                // An attempt cut to the deadline used up the call's time.
                ErrorKind::Timeout if cut_by_deadline => false,
                _ => failure.error.is_transient(),
            };
            let retry_allowed = (method.is_idempotent() || failure.never_sent) && transient;
            let delay = self.retry_delay(settings, &failure.error, retry_allowed, retries, deadline);
            let decision = match delay {
                Some(d) => format!("retry in {}ms ({}/{})", d.as_millis(), retries + 1, settings.retry.max_retries),
                None => "give up".to_owned(),
            };
            self.log_attempt(method, url, attempt, elapsed, Err(&failure.error), Some(decision));
            match delay {
                Some(delay) => {
                    retries += 1;
                    if logging::enabled(LogLevel::Info) {
                        let message = format!(
                            "retrying {} {} in {}ms after {} (retry {retries}/{})",
                            method.name(),
                            path_of(url),
                            delay.as_millis(),
                            failure.error.kind(),
                            settings.retry.max_retries
                        );
                        self.log(LogRecord {
                            method: Some(method.name().to_owned()),
                            path: Some(path_of(url).to_owned()),
                            attempt: Some(attempt),
                            error_kind: Some(failure.error.kind().to_string()),
                            retry: Some(format!(
                                "retry in {}ms ({retries}/{})",
                                delay.as_millis(),
                                settings.retry.max_retries
                            )),
                            ..LogRecord::new(LogLevel::Info, message)
                        });
                    }
                    std::thread::sleep(delay);
                }
                None => return Err(failure.error),
            }
        }
    }

    /// Emits a record through this client's sink (or the process's).
    pub(crate) fn log(&self, record: LogRecord) {
        logging::emit(self.log_sink.as_ref(), &record);
    }

    /// The `debug` line of one attempt (and its body at `trace`).
    fn log_attempt(
        &self,
        method: Method,
        url: &str,
        attempt: u32,
        elapsed: Duration,
        outcome: std::result::Result<&Reply, &Error>,
        retry: Option<String>,
    ) {
        if !logging::enabled(LogLevel::Debug) {
            return;
        }
        let path = path_of(url);
        let (status, request_id, error_kind) = match outcome {
            Ok(reply) => (Some(reply.status), reply.request_id.clone(), None),
            Err(e) => (e.status(), e.request_id().map(str::to_owned), Some(e.kind().to_string())),
        };
        let outcome_text = match (status, &error_kind) {
            (Some(s), _) => s.to_string(),
            (None, Some(kind)) => kind.clone(),
            (None, None) => "-".to_owned(),
        };
        let mut message = format!(
            "{} {path} -> {outcome_text} attempt={attempt} request_id={} {}ms",
            method.name(),
            request_id.as_deref().unwrap_or("-"),
            elapsed.as_millis()
        );
        if let Some(r) = &retry {
            message.push_str(&format!(" ({r})"));
        }
        self.log(LogRecord {
            method: Some(method.name().to_owned()),
            path: Some(path.to_owned()),
            status,
            attempt: Some(attempt),
            duration_ms: Some(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)),
            request_id,
            error_kind,
            retry,
            ..LogRecord::new(LogLevel::Debug, message)
        });
        if let Ok(reply) = outcome {
            if logging::enabled(LogLevel::Trace) && reply.stream.is_none() {
                let message = format!("{} {path} response body: {}", method.name(), logging::redact_body(&reply.body));
                self.log(LogRecord {
                    method: Some(method.name().to_owned()),
                    path: Some(path.to_owned()),
                    status,
                    ..LogRecord::new(LogLevel::Trace, message)
                });
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
        url: &str,
        authorization: HeaderValue,
        body: Option<Vec<u8>>,
    ) -> Result<http::Request<Vec<u8>>> {
        let uri = http::Uri::try_from(url).map_err(|_| Error::invalid_argument("request", "the URL is not valid"))?;
        let has_body = body.is_some();
        let mut request = http::Request::new(body.unwrap_or_default());
        *request.method_mut() = method.as_http();
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.reserve(self.fixed_headers.len() + 2);
        headers.insert(http::header::AUTHORIZATION, authorization);
        for (name, value) in &self.fixed_headers {
            headers.insert(name, value.clone());
        }
        if has_body {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        Ok(request)
    }

    /// One HTTP exchange with a timeout; reads the (capped) body.
    pub(crate) fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> std::result::Result<Reply, Failure> {
        self.send_accepting(request, timeout, Accept::Json)
    }

    fn send_accepting(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
        accept: Accept,
    ) -> std::result::Result<Reply, Failure> {
        let agent = self.live_agent().map_err(|error| Failure { error, never_sent: false })?;
        let has_body = !request.body().is_empty() || request.method() != http::Method::GET;
        // The agent's own timeout is the default attempt timeout: a per-request
        // config (a copy of the agent's) is only needed for a different one.
        let configured = if accept == Accept::EventStream {
            let t = Some(timeout);
            agent
                .configure_request(request)
                .timeout_global(None)
                .timeout_send_request(t)
                .timeout_send_body(t)
                .timeout_recv_response(t)
                .timeout_recv_body(None)
                .build()
        } else if timeout == self.attempt_timeout {
            request
        } else {
            agent.configure_request(request).timeout_global(Some(timeout)).build()
        };
        let result = if has_body {
            agent.run(configured)
        } else {
            let (parts, _) = configured.into_parts();
            agent.run(http::Request::from_parts(parts, ()))
        };
        let mut response = result.map_err(|e| transport_failure(e, true))?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let request_id =
            header(headers, REQUEST_ID_HEADER).or_else(|| header(headers, TRACE_ID_HEADER)).map(str::to_owned);
        // Only a refusal's wait matters; a success skips parsing it (and reading the clock).
        let retry_after = if (200..300).contains(&status) {
            None
        } else {
            parse_retry_after(header(headers, "retry-after-ms"), header(headers, "retry-after"), SystemTime::now())
        };
        let headers = std::mem::take(response.headers_mut());
        if accept == Accept::EventStream && (200..300).contains(&status) {
            let stream = Some(response.into_body());
            return Ok(Reply { status, request_id, headers, retry_after, body: Vec::new(), stream });
        }
        let body = response.body_mut().with_config().limit(self.max_response_bytes).read_to_vec().map_err(|e| {
            let mut f = transport_failure(e, false);
            f.error = f
                .error
                .with_status(status)
                .with_request_id(request_id.clone())
                .with_http_headers(Some(HttpHeaders::new(headers.clone())));
            f
        })?;
        Ok(Reply { status, request_id, headers, retry_after, body, stream: None })
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Classifies a ureq error; `before_response` is false once headers arrived.
fn transport_failure(e: ureq::Error, before_response: bool) -> Failure {
    use ureq::Error as U;
    use ureq::Timeout as T;
    // A failed handshake arrives as an I/O error wrapping rustls's: name its cause.
    if let Some(message) = crate::tls::explain(&e) {
        // A certificate the client does not trust stays untrusted: never retried.
        let error = Error::new(ErrorKind::Connection, message).with_source(e).permanent();
        return Failure { error, never_sent: before_response };
    }
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
pub(crate) fn api_error(reply: &Reply) -> Error {
    let parsed = serde_json::from_slice::<ErrorBody>(&reply.body).ok();
    let code = parsed.as_ref().and_then(|b| b.error.code.as_deref()).map(ApiErrorCode::parse);
    let message =
        parsed.and_then(|b| b.error.message).unwrap_or_else(|| format!("HTTP {} with no error message", reply.status));
    Error::new(ErrorKind::for_status(reply.status), message)
        .with_status(reply.status)
        .with_code(code)
        .with_request_id(reply.request_id.clone())
        .with_http_headers(Some(HttpHeaders::new(reply.headers.clone())))
        .with_retry_after(reply.retry_after)
}

/// [`api_error`] for a reply built from raw parts, as the transport would see it.
#[cfg(feature = "fuzzing")]
pub fn fuzz_api_error(
    status: u16,
    request_id: Option<String>,
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    body: Vec<u8>,
) -> Error {
    let retry_after = parse_retry_after(retry_after_ms, retry_after, SystemTime::now());
    api_error(&Reply { status, request_id, headers: HeaderMap::new(), retry_after, body, stream: None })
}

pub(crate) fn decode<T: DeserializeOwned>(reply: &Reply, what: &str) -> Result<T> {
    serde_json::from_slice(&reply.body).map_err(|e| {
        Error::decode(what, e, &reply.body).with_status(reply.status).with_request_id(reply.request_id.clone())
    })
}
