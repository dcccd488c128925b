//! Routing and request handling: the API, the token endpoint, the `/_sim/`
//! control routes, and the application of injected faults.

use std::collections::{HashMap, VecDeque};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::codec;
use crate::contract;
use crate::cursor::Cursor;
use crate::faults::{Fault, FaultKind, FaultQueue};
use crate::json;
use crate::route::Route;
pub(crate) use crate::route::{Generation, ModalPath, API_PREFIX, TRACE_ID_HEADER, V1_PREFIX};
use crate::server::{error_code_for_status, HttpRequest, HttpResponse, Reply};
use crate::state::{Feedback, InjectedKind, Outcome, Store, MAX_TITLE_CHARS};
use crate::stream::StreamFaults;
use crate::SimulatorConfig;

/// The title of the conversation `inject_event` makes for a `user_id` without a `conversation_id`.
const SYSTEM_CONVERSATION_TITLE: &str = "System Initiated Conversation";
/// The user the static token, OAuth client-credentials tokens and beta requests act as.
pub(crate) const DEFAULT_USER: &str = "user_sim";
/// Path of the OAuth 2.0 client-credentials endpoint.
pub(crate) const TOKEN_PATH: &str = "/oauth/v1/token";
/// Path prefix of the control routes.
const ADMIN_PREFIX: &str = "/_sim/";

/// Body sent by the `malformed_json` fault: the start of a list that never ends.
const MALFORMED_BODY: &[u8] = b"{\"conversations\": [";

/// The request log keeps at most this many entries (the newest), so a
/// long-running simulator does not grow without bound.
const LOG_CAPACITY: usize = 100_000;

/// Longest `additional_feedback` submit feedback accepts, in characters.
const MAX_ADDITIONAL_FEEDBACK_CHARS: usize = 1000;

/// Page size bounds shared by the paginated list endpoints.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

/// The settings `/_sim/config` can change at run time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub(crate) response_duration: Duration,
    pub(crate) unknown_values: bool,
    /// Answer token requests as `{"data": {...}}`, the shape the token reference page shows.
    wrapped_token_answer: bool,
    /// Send `"outputs": null` while a response has no outputs ("list of objects or null").
    null_pending_outputs: bool,
    token_ttl: Duration,
    rate_limit: Option<RateLimit>,
    /// rest/v1: how long after a live-agent handoff (or a typed turn while handed
    /// off) the agent's reply arrives as a system-initiated event.
    pub(crate) live_agent_delay: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct RateLimit {
    max_requests: u64,
    window: Duration,
}

impl Settings {
    fn from_config(config: &SimulatorConfig) -> Settings {
        Settings {
            response_duration: config.response_duration,
            unknown_values: false,
            wrapped_token_answer: false,
            null_pending_outputs: false,
            token_ttl: config.token_ttl,
            rate_limit: None,
            live_agent_delay: Duration::from_millis(300),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "response_duration_ms": self.response_duration.as_millis() as u64,
            "unknown_values": self.unknown_values,
            "wrapped_token_answer": self.wrapped_token_answer,
            "null_pending_outputs": self.null_pending_outputs,
            "token_ttl_secs": self.token_ttl.as_secs(),
            "rate_limit": self.rate_limit.map(|r| json!({
                "max_requests": r.max_requests,
                "window_ms": r.window.as_millis() as u64,
            })),
            "live_agent_delay_ms": self.live_agent_delay.as_millis() as u64,
        })
    }

    /// These settings with a partial update applied; nothing changes on error.
    fn patched(&self, patch: &Value) -> Result<Settings, String> {
        let map = patch.as_object().ok_or("the configuration patch must be a JSON object")?;
        let mut next = self.clone();
        for (key, value) in map {
            match key.as_str() {
                "response_duration_ms" => {
                    let ms = value.as_u64().ok_or("`response_duration_ms` must be a non-negative integer")?;
                    next.response_duration = Duration::from_millis(ms);
                }
                "unknown_values" => {
                    next.unknown_values = value.as_bool().ok_or("`unknown_values` must be a boolean")?;
                }
                "wrapped_token_answer" => {
                    next.wrapped_token_answer = value.as_bool().ok_or("`wrapped_token_answer` must be a boolean")?;
                }
                "null_pending_outputs" => {
                    next.null_pending_outputs = value.as_bool().ok_or("`null_pending_outputs` must be a boolean")?;
                }
                "live_agent_delay_ms" => {
                    let ms = value.as_u64().ok_or("`live_agent_delay_ms` must be a non-negative integer")?;
                    next.live_agent_delay = Duration::from_millis(ms);
                }
                "token_ttl_secs" => {
                    let secs = value.as_u64().ok_or("`token_ttl_secs` must be a non-negative integer")?;
                    next.token_ttl = Duration::from_secs(secs);
                }
                "rate_limit" => {
                    next.rate_limit = match value {
                        Value::Null => None,
                        Value::Object(limit) => {
                            let max_requests = limit
                                .get("max_requests")
                                .and_then(Value::as_u64)
                                .ok_or("`rate_limit.max_requests` must be a non-negative integer")?;
                            let window_ms = limit
                                .get("window_ms")
                                .and_then(Value::as_u64)
                                .filter(|&ms| ms > 0)
                                .ok_or("`rate_limit.window_ms` must be a positive integer")?;
                            Some(RateLimit { max_requests, window: Duration::from_millis(window_ms) })
                        }
                        _ => return Err("`rate_limit` must be an object or null".into()),
                    };
                }
                other => return Err(format!("unknown configuration key `{other}`")),
            }
        }
        Ok(next)
    }
}

/// A fixed-window request counter for the configured rate limit.
#[derive(Debug, Default)]
struct Limiter {
    window_start: Option<Instant>,
    admitted: u64,
}

impl Limiter {
    /// Admits one request, or says how many whole seconds (at least 1) to wait.
    fn admit(&mut self, limit: RateLimit, now: Instant) -> Result<(), u64> {
        let start = match self.window_start {
            Some(start) if now.saturating_duration_since(start) < limit.window => start,
            _ => {
                self.window_start = Some(now);
                self.admitted = 0;
                now
            }
        };
        if self.admitted < limit.max_requests {
            self.admitted += 1;
            return Ok(());
        }
        let wait = (start + limit.window).saturating_duration_since(now);
        Err(wait.as_millis().div_ceil(1000).max(1) as u64)
    }
}

/// Everything mutable, behind one lock: requests are short, so contention is negligible.
pub(crate) struct Inner {
    pub(crate) settings: Settings,
    pub(crate) store: Store,
    /// Issued access tokens and when they expire.
    tokens: HashMap<String, Instant>,
    faults: FaultQueue,
    /// Request log entries with the sequence number used to fill in their status.
    log: VecDeque<(u64, Value)>,
    next_log_seq: u64,
    limiter: Limiter,
    /// Per-user bearers minted by `user_token` (token → user id), valid until `revoke_tokens`.
    pub(crate) user_tokens: HashMap<String, String>,
    /// System-initiated messages due later (live-agent replies, modal follow-ups).
    pub(crate) pending: Vec<crate::background::Pending>,
    /// Where system-initiated events are POSTed (`webhook`), and what was sent.
    pub(crate) webhook_url: Option<String>,
    pub(crate) deliveries: Vec<Value>,
    /// Set when the simulator stops, so its background threads end.
    pub(crate) stopping: bool,
}

impl Inner {
    fn new(config: &SimulatorConfig) -> Inner {
        Inner {
            settings: Settings::from_config(config),
            store: Store::default(),
            tokens: HashMap::new(),
            faults: FaultQueue::default(),
            log: VecDeque::new(),
            next_log_seq: 0,
            limiter: Limiter::default(),
            user_tokens: HashMap::new(),
            pending: Vec::new(),
            webhook_url: None,
            deliveries: Vec::new(),
            stopping: false,
        }
    }
}

/// An error response in the API's shape.
pub(crate) fn error(status: u16, code: &str, message: impl AsRef<str>) -> HttpResponse {
    HttpResponse::json(status, &json::error_body(code, message.as_ref()))
}

pub(crate) fn invalid_input(message: impl AsRef<str>) -> HttpResponse {
    error(400, "INVALID_INPUT", message)
}

pub(crate) fn method_not_allowed(method: &str, path: &str, allowed: &str) -> HttpResponse {
    error(405, "METHOD_NOT_ALLOWED", format!("{method} is not supported on {path}")).with_header("Allow", allowed)
}

fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let (scheme, token) = req.header("authorization")?.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The first value of a query parameter.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A non-empty query parameter; clients that send `cursor=` mean "no cursor".
fn non_empty_param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    param(params, name).filter(|v| !v.is_empty())
}

fn parse_limit(params: &[(String, String)]) -> Result<usize, HttpResponse> {
    match param(params, "limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT as i64).contains(n))
            .map(|n| n as usize)
            .ok_or_else(|| invalid_input(format!("limit must be an integer from 1 to {MAX_LIMIT}, got `{text}`"))),
    }
}

/// The body as a JSON object; an empty body counts as `{}`.
pub(crate) fn json_object(req: &HttpRequest) -> Result<Map<String, Value>, HttpResponse> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid_input("the request body must be a JSON object")),
        Err(e) => Err(invalid_input(format!("the request body is not valid JSON: {e}"))),
    }
}

/// An optional `title`: a string of at most 256 characters (`null` = absent).
fn title_field(body: &Map<String, Value>) -> Result<Option<String>, HttpResponse> {
    match body.get("title") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(title)) if title.chars().count() <= MAX_TITLE_CHARS => Ok(Some(title.clone())),
        Some(Value::String(_)) => Err(invalid_input(format!("title must be at most {MAX_TITLE_CHARS} characters"))),
        Some(_) => Err(invalid_input("title must be a string")),
    }
}

/// The state the request handlers and the background threads share.
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    /// Wakes the scheduler when something is due sooner or the simulator stops.
    pub(crate) wake: Condvar,
    /// Hands webhook deliveries to the sender thread, so no handler waits on a POST.
    pub(crate) outbox: Mutex<mpsc::Sender<crate::background::Outgoing>>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The simulated API.
pub(crate) struct App {
    config: SimulatorConfig,
    pub(crate) shared: Arc<Shared>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Drop for App {
    fn drop(&mut self) {
        self.lock().stopping = true;
        self.shared.wake.notify_all();
        let _ = self.shared.outbox.lock().map(|tx| tx.send(crate::background::Outgoing::Stop));
        for handle in self.threads.drain(..) {
            let _ = handle.join();
        }
    }
}

impl App {
    /// A fresh, empty API with the given start-up configuration; starts the two
    /// background threads (the scheduler of due messages and the webhook sender).
    pub fn new(config: SimulatorConfig) -> App {
        let (tx, rx) = mpsc::channel();
        let shared =
            Arc::new(Shared { inner: Mutex::new(Inner::new(&config)), wake: Condvar::new(), outbox: Mutex::new(tx) });
        let threads = crate::background::start(&shared, rx);
        App { config, shared, threads }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.lock()
    }

    /// Handles one HTTP request.
    pub fn handle(&self, req: &HttpRequest) -> Reply {
        if req.path.starts_with(ADMIN_PREFIX) {
            return Reply::Full(self.admin(req));
        }
        let root_uuid = codec::uuid_v4();
        // Unknown paths under `/rest/v1` answer with its trace header too.
        let v1_path = req.path == V1_PREFIX || req.path.starts_with(&format!("{V1_PREFIX}/"));
        let generation = if v1_path { Generation::V1 } else { Generation::V1Beta1 };
        let trace_header = generation.trace_header();
        let (fault, log_seq) = {
            let mut inner = self.lock();
            crate::background::materialize_due(&self.shared, &mut inner, Instant::now());
            let token = bearer_token(req).filter(|t| self.token_valid(&inner, t, Instant::now()));
            let authorized = token.is_some();
            // Whom the request acts for (rest/v1's per-user bearers), so a test can tell two users apart.
            let user_id = token.map(|t| Self::caller(&inner, t));
            let fault = inner.faults.take(&req.method, &req.target);
            let entry = json!({
                "method": req.method,
                "path": req.path,
                "query": req.query,
                "status": null,
                "assistant_name": req.header("assistant-name"),
                "user_agent": req.header("user-agent"),
                "authorized": authorized,
                "content_type": req.header("content-type"),
                "fault": fault.as_ref().map(FaultKind::name),
                "root_uuid": root_uuid,
                "connection": req.connection,
                // What an app adds beyond the SDK's own (its `x-` headers, its body's fields).
                "x_headers": req.headers.iter()
                    .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-"))
                    .map(|(n, v)| (n.to_ascii_lowercase(), Value::String(v.clone())))
                    .collect::<serde_json::Map<String, Value>>(),
                "body_keys": serde_json::from_slice::<Value>(&req.body).ok()
                    .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>())),
                "user_id": user_id,
            });
            inner.next_log_seq += 1;
            let seq = inner.next_log_seq;
            if inner.log.len() == LOG_CAPACITY {
                inner.log.pop_front();
            }
            inner.log.push_back((seq, entry));
            (fault, seq)
        };
        contract::take_exempt();
        let route = Route::parse(&req.method, &req.path).ok().map(|(_, route)| route);
        let stream_faults = StreamFaults::from_fault(fault.as_ref());
        let stream_unknown = matches!(fault, Some(FaultKind::UnknownValues));
        let shaping = Shaping::from_fault(fault.as_ref());
        // Why this answer is off-spec on purpose, for the contract recording (a body
        // carrying a `raw_message` is marked when it is rendered, see `json`).
        let fault_exempt = match &fault {
            Some(FaultKind::Status { status, code, message, .. }) => {
                let documented = route.as_ref().is_some_and(|r| r.documents(*status));
                (code.is_some() || message.is_some() || !documented).then_some("fault: status")
            }
            Some(
                kind @ (FaultKind::Raw { .. }
                | FaultKind::MalformedJson { .. }
                | FaultKind::TruncatedJson
                | FaultKind::Drop
                | FaultKind::UnknownValues
                | FaultKind::StreamUnknownEvent { .. }),
            ) => Some(kind.name()),
            _ => None,
        };
        let reply = match fault {
            None
            | Some(FaultKind::StreamDrop { .. })
            | Some(FaultKind::StreamStall { .. })
            | Some(FaultKind::StreamUnknownEvent { .. })
            | Some(FaultKind::StreamError { .. })
            | Some(FaultKind::ResponseFailed)
            | Some(FaultKind::Handoff)
            | Some(FaultKind::RawMessage(_)) => Reply::Full(self.process(req, false, &shaping)),
            Some(FaultKind::Status { status, code, message, retry_after, retry_after_ms }) => {
                let default_code = match &route {
                    Some(route) => route.error_code(status),
                    None => error_code_for_status(status),
                };
                let code = code.as_deref().unwrap_or(default_code);
                let message = message.as_deref().unwrap_or("injected fault");
                let mut response = error(status, code, message);
                if let Some(value) = retry_after {
                    response = response.with_header("Retry-After", value);
                }
                if let Some(value) = retry_after_ms {
                    response = response.with_header("retry-after-ms", value);
                }
                Reply::Full(response)
            }
            Some(FaultKind::Raw { status, body, headers }) => {
                Reply::Full(HttpResponse { status, headers, body: body.into_bytes() })
            }
            Some(FaultKind::Reset) => Reply::Reset,
            Some(FaultKind::Delay(delay)) => {
                thread::sleep(delay);
                Reply::Full(self.process(req, false, &shaping))
            }
            Some(FaultKind::UnknownValues) => Reply::Full(self.process(req, true, &shaping)),
            Some(FaultKind::Drop) => Reply::DropMidBody(self.process(req, false, &shaping)),
            Some(FaultKind::MalformedJson { status }) => {
                let mut response = self.process(req, false, &shaping);
                response.status = status;
                response.body = MALFORMED_BODY.to_vec();
                Reply::Full(response)
            }
            Some(FaultKind::TruncatedJson) => {
                let mut response = self.process(req, false, &shaping);
                response.body.truncate(response.body.len() / 2);
                Reply::Full(response)
            }
        };
        let render_exempt = contract::take_exempt();
        let reply = match reply {
            Reply::Full(mut response) if response.has_header(STREAM_MARK) => {
                let id = take_header(&mut response, STREAM_MARK);
                let record = match id.as_str() {
                    "" => None,
                    id => self.lock().store.response_by_id(id).cloned(),
                };
                match (record, &shaping.stream_error_first) {
                    (_, Some((code, message))) => Reply::Stream(
                        with_trace(response, trace_header, &root_uuid),
                        crate::stream::error_only(code.clone(), message.clone(), generation),
                    ),
                    (Some(record), None) => {
                        let mint = crate::modals::minter(&self.shared, &record);
                        Reply::Stream(
                            with_trace(response, trace_header, &root_uuid),
                            crate::stream::writer(record, stream_unknown, stream_faults, generation, mint),
                        )
                    }
                    (None, None) => Reply::Full(error(500, "INTERNAL_ERROR", "the streamed response vanished")),
                }
            }
            Reply::Full(response) => Reply::Full(with_trace(response, trace_header, &root_uuid)),
            Reply::DropMidBody(mut response) if response.has_header(STREAM_MARK) => {
                take_header(&mut response, STREAM_MARK);
                Reply::DropMidBody(with_trace(response, trace_header, &root_uuid))
            }
            Reply::DropMidBody(response) => Reply::DropMidBody(with_trace(response, trace_header, &root_uuid)),
            Reply::Reset => Reply::Reset,
            Reply::Stream(response, writer) => Reply::Stream(with_trace(response, trace_header, &root_uuid), writer),
        };
        if let (Some(route), Reply::Full(response) | Reply::DropMidBody(response)) = (&route, &reply) {
            let exempt = fault_exempt.or(render_exempt).or_else(|| route.spec_gap(response.status));
            contract::record_body(generation, &req.method, route.template(), response.status, &response.body, exempt);
        }
        let status = match &reply {
            Reply::Full(response) | Reply::DropMidBody(response) | Reply::Stream(response, _) => Some(response.status),
            Reply::Reset => None,
        };
        let mut inner = self.lock();
        if let Some((_, entry)) = inner.log.iter_mut().rev().find(|(seq, _)| *seq == log_seq) {
            entry["status"] = json!(status);
        }
        reply
    }

    fn token_valid(&self, inner: &Inner, token: &str, now: Instant) -> bool {
        self.config.static_token.as_deref() == Some(token)
            || inner.tokens.get(token).is_some_and(|&expiry| expiry > now)
            || inner.user_tokens.contains_key(token)
    }

    /// The user a valid token acts for: a `user_token` bearer's user, else `user_sim`.
    fn caller(inner: &Inner, token: &str) -> String {
        inner.user_tokens.get(token).cloned().unwrap_or_else(|| DEFAULT_USER.to_owned())
    }

    /// Serves an API or token request (faults already applied).
    fn process(&self, req: &HttpRequest, unknown: bool, shaping: &Shaping) -> HttpResponse {
        let now = Instant::now();
        let mut inner = self.lock();
        if req.path == TOKEN_PATH {
            return if req.method == "POST" {
                self.issue_token(&mut inner, req, now)
            } else {
                method_not_allowed(&req.method, &req.path, "POST")
            };
        }
        let (generation, route) = match Route::parse(&req.method, &req.path) {
            Ok(parsed) => parsed,
            Err(response) => return response,
        };
        if let Some(limit) = inner.settings.rate_limit {
            if let Err(wait_secs) = inner.limiter.admit(limit, now) {
                return error(429, "RATE_LIMIT_EXCEEDED", "too many requests; retry later")
                    .with_header("Retry-After", wait_secs.to_string());
            }
        }
        match bearer_token(req) {
            None => {
                return error(401, "UNAUTHORIZED", "missing bearer token in the Authorization header")
                    .with_header("WWW-Authenticate", "Bearer")
            }
            Some(token) if !self.token_valid(&inner, token, now) => {
                return error(401, "UNAUTHORIZED", "the access token is invalid, expired or revoked")
                    .with_header("WWW-Authenticate", "Bearer")
            }
            Some(_) => {}
        }
        let caller = Self::caller(&inner, bearer_token(req).unwrap_or_default());
        let assistant = req.header("assistant-name").map(str::trim);
        if assistant != Some(self.config.assistant_name.as_str()) {
            let message = match assistant {
                None => "missing Assistant-Name header".to_owned(),
                Some(name) => format!("unknown assistant `{name}`"),
            };
            return if route.lists_forbidden() {
                error(403, "FORBIDDEN", message)
            } else {
                error(401, "UNAUTHORIZED", message).with_header("WWW-Authenticate", "Bearer")
            };
        }
        let unknown = unknown || inner.settings.unknown_values;
        let v1 = generation == Generation::V1;
        // rest/v1 runs every request on behalf of one user: another user's conversation
        // does not exist for the caller (404, as for an unknown id).
        if let Some(id) = route.conversation_id().filter(|id| v1 && *id != "-") {
            if inner.store.conversation(id).is_some_and(|c| c.owner != caller) {
                return not_found("conversation", id);
            }
        }
        // What the list routes show: on rest/v1 the caller's own; the beta is org-wide.
        let own = v1.then_some(caller.as_str());
        let turn = Turn { generation, unknown, now, shaping };
        let result = match route.clone() {
            Route::ListConversations => list_conversations(&inner, req, unknown, own),
            Route::CreateConversation => create_conversation(&mut inner, req, unknown, &caller),
            Route::GetConversation(id) => get_conversation(&inner, &id, unknown),
            Route::UpdateConversation(id) => update_conversation(&mut inner, req, &id, unknown),
            Route::CreateResponse(id) => create_response(&self.shared, &mut inner, req, &id, &turn),
            Route::StreamResponse(id) => stream_response(&self.shared, &mut inner, req, &id, &turn),
            Route::GetResponse(id, rid) => get_response(&inner, &id, &rid, unknown, now),
            Route::ListEvents(scope) => list_events(&inner, req, &scope, unknown, generation, own),
            Route::ListMessages(id) => list_messages(&inner, req, &id, unknown, now),
            Route::ListResponseMessages(id, rid) => list_response_messages(&inner, &id, &rid, unknown, now),
            Route::SubmitFeedback(id, rid, mid) => submit_feedback(&mut inner, req, &id, &rid, &mid, now),
            Route::GetEvent(id, eid) => crate::v1::get_event(&inner.store, &id, &eid, unknown),
            Route::GetModal(ids) => crate::modals::get(&inner.store, &ids, now),
            Route::RefreshModal(ids) => crate::modals::refresh(&inner.store, req, &ids, now),
            Route::SubmitModal(ids) => crate::modals::submit(&self.shared, &mut inner, req, &ids, now),
        };
        let mut response = result.unwrap_or_else(|response| response);
        conform_bad_request(&route, &mut response);
        // Each read of a message mints fresh ids for its MODAL_ACTIONs ("minted per message read").
        if response.status < 300 {
            crate::modals::mint_in_body(&mut inner.store, &mut response);
        }
        response
    }

    /// `POST /oauth/v1/token`: OAuth 2.0 client credentials, as a form or JSON
    /// body (the developer guide and API reference disagree, so both work),
    /// with HTTP Basic client authentication accepted too.
    fn issue_token(&self, inner: &mut Inner, req: &HttpRequest, now: Instant) -> HttpResponse {
        let content_type = req.header("content-type").unwrap_or("").to_ascii_lowercase();
        let looks_like_json = content_type.contains("json")
            || (!content_type.contains("form") && req.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'));
        let mut fields: HashMap<String, String> = if looks_like_json {
            match serde_json::from_slice::<Value>(&req.body) {
                Ok(Value::Object(map)) => {
                    map.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned()))).collect()
                }
                _ => return invalid_input("the token request body is not a JSON object"),
            }
        } else {
            match std::str::from_utf8(&req.body) {
                Ok(text) => codec::parse_form(text).into_iter().collect(),
                Err(_) => return invalid_input("the token request body is not valid UTF-8"),
            }
        };
        if let Some((id, secret)) = basic_credentials(req) {
            fields.entry("client_id".into()).or_insert(id);
            fields.entry("client_secret".into()).or_insert(secret);
        }
        match fields.get("grant_type").map(String::as_str) {
            Some("client_credentials") => {}
            Some(other) => return invalid_input(format!("unsupported grant_type `{other}`; use client_credentials")),
            None => return invalid_input("missing grant_type"),
        }
        let (Some(id), Some(secret)) = (fields.get("client_id"), fields.get("client_secret")) else {
            return invalid_input("missing client_id or client_secret");
        };
        if *id != self.config.client_id || *secret != self.config.client_secret {
            return error(401, "UNAUTHORIZED", "invalid client credentials");
        }
        inner.tokens.retain(|_, expiry| *expiry > now);
        let token = codec::random_base62(48);
        let ttl = inner.settings.token_ttl;
        inner.tokens.insert(token.clone(), now + ttl);
        let answer = json!({ "access_token": token, "expires_in": ttl.as_secs(), "token_type": "Bearer" });
        let answer = if inner.settings.wrapped_token_answer { json!({ "data": answer }) } else { answer };
        HttpResponse::json(200, &answer).with_header("Cache-Control", "no-store")
    }

    /// Queues one fault given in its JSON form.
    pub fn push_fault(&self, fault: &Value) -> Result<(), String> {
        let fault = Fault::parse(fault)?;
        self.lock().faults.push(fault);
        Ok(())
    }

    /// Applies a partial configuration update, returning the resulting settings.
    pub fn set_config(&self, patch: &Value) -> Result<Value, String> {
        let mut inner = self.lock();
        let next = inner.settings.patched(patch)?;
        if next.rate_limit != inner.settings.rate_limit {
            inner.limiter = Limiter::default();
        }
        inner.settings = next;
        Ok(inner.settings.to_json())
    }

    /// Invalidates every issued token; returns how many there were.
    pub fn revoke_tokens(&self) -> usize {
        let mut inner = self.lock();
        let count = inner.tokens.len() + inner.user_tokens.len();
        inner.tokens.clear();
        inner.user_tokens.clear();
        count
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<Value> {
        self.lock().log.iter().map(|(_, entry)| entry.clone()).collect()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    /// `POST /_sim/events`: appends a system-initiated assistant message (a
    /// proactive notification or an asynchronous answer) to a conversation and
    /// to the event feed; returns the event as list events renders it.
    /// `Err` is the control route's error answer (400, or 404 for an unknown conversation).
    pub fn inject_event(&self, spec: &Value) -> Result<Value, HttpResponse> {
        let map = spec.as_object().ok_or_else(|| invalid_input("the event must be a JSON object"))?;
        for key in map.keys() {
            if !matches!(key.as_str(), "conversation_id" | "text" | "kind" | "event_type" | "user_id") {
                return Err(invalid_input(format!("unknown event key `{key}`")));
            }
        }
        let string = |key: &str| -> Result<Option<String>, HttpResponse> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
                Some(_) => Err(invalid_input(format!("`{key}` must be a non-empty string"))),
            }
        };
        let conversation_id = string("conversation_id")?;
        let text = string("text")?.ok_or_else(|| invalid_input("`text` is required"))?;
        let kind = match string("kind")?.as_deref() {
            None | Some("notification") => InjectedKind::Notification,
            Some("async_response") => InjectedKind::AsyncResponse,
            Some(other) => {
                return Err(invalid_input(format!("`kind` must be `notification` or `async_response`, got `{other}`")))
            }
        };
        let event_type = string("event_type")?;
        let user_id = string("user_id")?;
        let mut inner = self.lock();
        let unknown = inner.settings.unknown_values;
        let conversation_id = match (conversation_id, &user_id) {
            (Some(id), _) => id,
            // A proactive notification for a user lands in a new conversation titled like
            // the real one's (API-V1-NOTES §7, "System Initiated Conversation").
            (None, Some(user)) => {
                inner.store.create_conversation(Some(SYSTEM_CONVERSATION_TITLE.into()), false, user).id.clone()
            }
            (None, None) => return Err(invalid_input("`conversation_id` (or `user_id`) is required")),
        };
        let owner = inner.store.conversation(&conversation_id).map(|c| c.owner.clone());
        let owner = owner.ok_or_else(|| not_found("conversation", &conversation_id))?;
        // The event is for the conversation's owner (`user_sim` for a conversation made
        // with the static token); naming another user is a mistake in the test.
        if let Some(user) = user_id.filter(|u| *u != owner) {
            return Err(invalid_input(format!("conversation `{conversation_id}` belongs to `{owner}`, not `{user}`")));
        }
        let (event, record) = inner
            .store
            .inject_event(&conversation_id, &text, kind, event_type)
            .ok_or_else(|| not_found("conversation", &conversation_id))?;
        let answer = json::event(event, record, unknown, Generation::V1Beta1);
        let event_id = event.id.clone();
        crate::background::announce(&self.shared, &mut inner, &event_id);
        Ok(answer)
    }

    /// Every feedback the API accepted, oldest first, as `GET /_sim/feedback` returns it.
    pub fn feedback(&self) -> Vec<Value> {
        self.lock()
            .store
            .feedback()
            .iter()
            .map(|f| {
                json!({
                    "conversation_id": f.conversation_id,
                    "response_id": f.response_id,
                    "message_id": f.message_id,
                    "callback_id": f.callback_id,
                    "rating": f.rating,
                    "additional_feedback": f.additional_feedback,
                })
            })
            .collect()
    }

    /// Back to the start-up state.
    pub fn reset(&self) {
        *self.lock() = Inner::new(&self.config);
    }

    /// The `/_sim/` control routes.
    fn admin(&self, req: &HttpRequest) -> HttpResponse {
        let ok = || HttpResponse::json(200, &json!({ "ok": true }));
        let body = || -> Result<Value, HttpResponse> {
            if req.body.iter().all(u8::is_ascii_whitespace) {
                return Ok(json!({}));
            }
            serde_json::from_slice(&req.body).map_err(|e| invalid_input(format!("invalid JSON: {e}")))
        };
        let method = req.method.as_str();
        let result = match req.path.as_str() {
            "/_sim/health" => match method {
                "GET" => Ok(HttpResponse::json(200, &json!({ "status": "ok" }))),
                _ => Err("GET"),
            },
            "/_sim/reset" => match method {
                "POST" => {
                    self.reset();
                    Ok(ok())
                }
                _ => Err("POST"),
            },
            "/_sim/config" => match method {
                "GET" => Ok(HttpResponse::json(200, &self.lock().settings.to_json())),
                "POST" => Ok(body()
                    .and_then(|patch| self.set_config(&patch).map_err(invalid_input))
                    .map(|settings| HttpResponse::json(200, &settings))
                    .unwrap_or_else(|e| e)),
                _ => Err("GET, POST"),
            },
            "/_sim/faults" => match method {
                "GET" => Ok(HttpResponse::json(200, &json!({ "faults": self.lock().faults.describe() }))),
                "POST" => Ok(body()
                    .and_then(|value| self.push_faults(&value).map_err(invalid_input))
                    .map(|queued| HttpResponse::json(200, &json!({ "queued": queued })))
                    .unwrap_or_else(|e| e)),
                "DELETE" => {
                    self.lock().faults.clear();
                    Ok(ok())
                }
                _ => Err("GET, POST, DELETE"),
            },
            "/_sim/tokens/revoke" => match method {
                "POST" => Ok(HttpResponse::json(200, &json!({ "revoked": self.revoke_tokens() }))),
                _ => Err("POST"),
            },
            "/_sim/script" => match method {
                "POST" => Ok(body()
                    .and_then(|call| {
                        let action =
                            call["action"].as_str().ok_or_else(|| invalid_input("`action` must be a string"))?;
                        self.run(action, &call["args"]).map_err(invalid_input)
                    })
                    .map(|answer| HttpResponse::json(200, &answer))
                    .unwrap_or_else(|e| e)),
                _ => Err("POST"),
            },
            "/_sim/stream_marks" => match method {
                "GET" => Ok(HttpResponse::json(200, &crate::stream::first_delta_marks())),
                _ => Err("GET"),
            },
            "/_sim/events" => match method {
                "POST" => Ok(body()
                    .and_then(|spec| self.inject_event(&spec))
                    .map(|event| HttpResponse::json(201, &event))
                    .unwrap_or_else(|e| e)),
                _ => Err("POST"),
            },
            "/_sim/feedback" => match method {
                "GET" => Ok(HttpResponse::json(200, &Value::Array(self.feedback()))),
                _ => Err("GET"),
            },
            "/_sim/requests" => match method {
                "GET" => Ok(HttpResponse::json(200, &Value::Array(self.requests()))),
                "DELETE" => {
                    self.clear_requests();
                    Ok(ok())
                }
                _ => Err("GET, DELETE"),
            },
            _ => return error(404, "NOT_FOUND", format!("no control route {}", req.path)),
        };
        result.unwrap_or_else(|allowed| method_not_allowed(method, &req.path, allowed))
    }

    /// `POST /_sim/faults` accepts `{"faults": [...]}`, a bare array, or one
    /// fault object; all are validated before any is queued.
    fn push_faults(&self, value: &Value) -> Result<usize, String> {
        let list = match value {
            Value::Object(map) if map.contains_key("faults") => {
                map["faults"].as_array().ok_or("`faults` must be an array")?.clone()
            }
            Value::Array(items) => items.clone(),
            Value::Object(_) => vec![value.clone()],
            _ => return Err("expected {\"faults\": [...]}".into()),
        };
        let faults = list.iter().map(Fault::parse).collect::<Result<Vec<_>, _>>()?;
        let mut inner = self.lock();
        for fault in &faults {
            inner.faults.push(fault.clone());
        }
        Ok(faults.len())
    }
}

/// Adds the generation's trace header (unless a fault already set it).
fn with_trace(response: HttpResponse, header: &str, id: &str) -> HttpResponse {
    if response.has_header(header) {
        response
    } else {
        response.with_header(header, id)
    }
}

/// `client_id:client_secret` from an `Authorization: Basic` header.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let (scheme, encoded) = req.header("authorization")?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(codec::base64_decode(encoded.trim())?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((codec::percent_decode(id, true), codec::percent_decode(secret, true)))
}

pub(crate) type Handled = Result<HttpResponse, HttpResponse>;

pub(crate) fn not_found(what: &str, id: &str) -> HttpResponse {
    error(404, "NOT_FOUND", format!("{what} `{id}` not found"))
}

/// What a create-response (plain or streamed) needs besides the request.
pub(crate) struct Turn<'a> {
    pub generation: Generation,
    pub unknown: bool,
    pub now: Instant,
    pub shaping: &'a Shaping,
}

fn list_conversations(inner: &Inner, req: &HttpRequest, unknown: bool, owner: Option<&str>) -> Handled {
    let params = codec::parse_form(&req.query);
    let limit = parse_limit(&params)?;
    let archived = match param(&params, "archived").map(str::to_ascii_lowercase).as_deref() {
        None => false,
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(other) => return Err(invalid_input(format!("archived must be true or false, got `{other}`"))),
    };
    let after = match non_empty_param(&params, "cursor") {
        None => None,
        Some(text) => match Cursor::decode(text) {
            Some(Cursor::Conversations { archived: made_for, updated_ms, id }) if made_for == archived => {
                Some((updated_ms, id))
            }
            _ => return Err(error(400, "INVALID_CURSOR", "the cursor is invalid for this request")),
        },
    };
    let (page, more) =
        inner.store.list_conversations(archived, after.as_ref().map(|(ms, id)| (*ms, id.as_str())), limit, owner);
    let next_cursor = match page.last() {
        Some(last) if more => Some(
            Cursor::Conversations { archived, updated_ms: last.updated_at.timestamp_millis(), id: last.id.clone() }
                .encode(),
        ),
        _ => None,
    };
    let conversations: Vec<Value> = page.iter().map(|c| json::conversation(c, unknown)).collect();
    Ok(HttpResponse::json(200, &json!({ "conversations": conversations, "metadata": { "next_cursor": next_cursor } })))
}

fn create_conversation(inner: &mut Inner, req: &HttpRequest, unknown: bool, owner: &str) -> Handled {
    let body = json_object(req)?;
    let title = title_field(&body)?;
    let conversation = inner.store.create_conversation(title, false, owner);
    Ok(HttpResponse::json(201, &json::conversation(conversation, unknown)))
}

fn get_conversation(inner: &Inner, id: &str, unknown: bool) -> Handled {
    let conversation = inner.store.conversation(id).ok_or_else(|| not_found("conversation", id))?;
    Ok(HttpResponse::json(200, &json::conversation(conversation, unknown)))
}

fn update_conversation(inner: &mut Inner, req: &HttpRequest, id: &str, unknown: bool) -> Handled {
    let body = json_object(req)?;
    let title = title_field(&body)?;
    let archived = match body.get("archived") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(archived)) => Some(*archived),
        Some(_) => return Err(invalid_input("archived must be a boolean")),
    };
    let conversation =
        inner.store.update_conversation(id, title, archived).ok_or_else(|| not_found("conversation", id))?;
    Ok(HttpResponse::json(200, &json::conversation(conversation, unknown)))
}

/// The `input.text` of a create-response body.
fn input_text(req: &HttpRequest) -> Result<String, HttpResponse> {
    let body = json_object(req)?;
    match body.get("input") {
        Some(Value::Object(input)) => match input.get("text") {
            Some(Value::String(text)) if !text.trim().is_empty() => Ok(text.clone()),
            Some(Value::String(_)) => Err(invalid_input("input.text must not be empty")),
            Some(_) => Err(invalid_input("input.text must be a string")),
            None => Err(invalid_input("input.text is required")),
        },
        Some(_) => Err(invalid_input("input must be an object")),
        None => Err(invalid_input("input is required")),
    }
}

/// The turn's input: `{"text"}` on the beta, one of the rest/v1 variants there.
fn turn_input(req: &HttpRequest, generation: Generation) -> Result<crate::v1::Input, HttpResponse> {
    match generation {
        Generation::V1Beta1 => input_text(req).map(crate::v1::Input::Text),
        Generation::V1 => crate::v1::parse_input(req),
    }
}

fn create_response(shared: &Shared, inner: &mut Inner, req: &HttpRequest, id: &str, turn: &Turn<'_>) -> Handled {
    let Turn { generation, unknown, now, shaping, .. } = *turn;
    let input = turn_input(req, generation)?;
    let text = input.text().to_owned();
    let duration = inner.settings.response_duration;
    // Only creation-time state (marker, config flag) makes the response itself
    // unknown-valued; an `unknown_values` fault only changes this one rendering.
    let creates_unknown = inner.settings.unknown_values;
    let response_id = inner
        .store
        .create_response(id, &text, duration, creates_unknown)
        .ok_or_else(|| not_found("conversation", id))?
        .id
        .clone();
    if generation == Generation::V1 {
        crate::v1::script_turn(shared, inner, &response_id, input, now);
    }
    let record = inner.store.response_mut(&response_id).ok_or_else(|| not_found("response", &response_id))?;
    shaping.apply(record);
    let rendered = json::response(record, now, unknown);
    Ok(HttpResponse::json(202, &pending_outputs_as_null(&inner.settings, rendered)))
}

/// How the faults of create response shape the response it creates.
#[derive(Debug, Default)]
pub(crate) struct Shaping {
    failed: bool,
    handoff: bool,
    raw_message: Option<Value>,
    /// `stream_error` with `after_events` 0: `ERROR` first, no response created.
    stream_error_first: Option<(String, String)>,
}

impl Shaping {
    fn from_fault(fault: Option<&FaultKind>) -> Shaping {
        let mut shaping = Shaping::default();
        match fault {
            Some(FaultKind::ResponseFailed) => shaping.failed = true,
            Some(FaultKind::Handoff) => shaping.handoff = true,
            Some(FaultKind::RawMessage(message)) => shaping.raw_message = Some(message.clone()),
            Some(FaultKind::StreamError { after_events: 0, code, message }) => {
                shaping.stream_error_first = Some((code.clone(), message.clone()))
            }
            _ => {}
        }
        shaping
    }

    fn apply(&self, record: &mut crate::state::ResponseRecord) {
        if self.failed {
            record.outcome = Outcome::Failed;
        } else if self.handoff {
            record.outcome = Outcome::Handoff;
        } else if let Some(raw) = &self.raw_message {
            record.outcome = Outcome::Completed;
            if let Some(message_id) = raw["message_id"].as_str() {
                record.message_id = message_id.to_owned();
            }
            record.raw_message = Some(raw.clone());
        }
    }
}

/// Gives a 400 answer the one `error.code` the published spec allows for the operation.
fn conform_bad_request(route: &Route, response: &mut HttpResponse) {
    let Some(code) = route.bad_request_code() else { return };
    if response.status != 400 {
        return;
    }
    if let Ok(mut body) = serde_json::from_slice::<Value>(&response.body) {
        if body["error"]["code"].is_string() && body["error"]["code"] != code {
            body["error"]["code"] = json!(code);
            response.body = body.to_string().into_bytes();
        }
    }
}

/// With `null_pending_outputs`, an empty `outputs` list is sent as `null`, which the
/// live get-response page allows ("list of objects or null").
fn pending_outputs_as_null(settings: &Settings, mut response: Value) -> Value {
    if settings.null_pending_outputs && response["outputs"].as_array().is_some_and(Vec::is_empty) {
        // The published spec types `outputs` as an array: this setting is off-spec on purpose.
        contract::mark_exempt("null_pending_outputs");
        response["outputs"] = Value::Null;
    }
    response
}

/// Marks the answer of [`stream_response`] for `handle`, which turns it into a
/// streamed reply; the header holds the response id and is never sent.
const STREAM_MARK: &str = "x-simulator-stream-response";

/// Removes a header, returning its value.
fn take_header(response: &mut HttpResponse, name: &str) -> String {
    let value = response.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    response.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    value.unwrap_or_default()
}

/// `POST /conversations/{id}/responses/stream`: validated and created exactly
/// as create response (same record, same errors, before any byte of stream);
/// `handle` then streams it (see `crate::stream`).
fn stream_response(shared: &Shared, inner: &mut Inner, req: &HttpRequest, id: &str, turn: &Turn<'_>) -> Handled {
    let shaping = turn.shaping;
    let accepts_stream = req.header("accept").is_some_and(|a| a.to_ascii_lowercase().contains("text/event-stream"));
    if !accepts_stream {
        return Err(invalid_input("the streaming endpoint requires `Accept: text/event-stream`"));
    }
    let response_id = if shaping.stream_error_first.is_some() {
        // `stream_error` with `after_events` 0: validated as usual, nothing created.
        turn_input(req, turn.generation)?;
        inner.store.conversation(id).ok_or_else(|| not_found("conversation", id))?;
        String::new()
    } else {
        let created = create_response(shared, inner, req, id, turn)?;
        serde_json::from_slice::<Value>(&created.body)
            .ok()
            .and_then(|v| v["response_id"].as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    Ok(HttpResponse {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "text/event-stream".into()),
            ("Cache-Control".into(), "no-cache".into()),
            (STREAM_MARK.into(), response_id),
        ],
        body: Vec::new(),
    })
}

fn get_response(inner: &Inner, id: &str, response_id: &str, unknown: bool, now: Instant) -> Handled {
    let record = inner.store.response(id, response_id).ok_or_else(|| not_found("response", response_id))?;
    Ok(HttpResponse::json(200, &pending_outputs_as_null(&inner.settings, json::response(record, now, unknown))))
}

fn list_events(
    inner: &Inner,
    req: &HttpRequest,
    scope: &str,
    unknown: bool,
    generation: Generation,
    user: Option<&str>,
) -> Handled {
    let params = codec::parse_form(&req.query);
    let limit = parse_limit(&params)?;
    let (after, up_to) = match non_empty_param(&params, "cursor") {
        // The cursor carries the position and the original upper bound.
        Some(text) => match Cursor::decode(text) {
            Some(Cursor::Events { scope: made_for, after, up_to }) if made_for == scope => (Some(after), up_to),
            _ => return Err(error(400, "INVALID_CURSOR", "the cursor is invalid for this request")),
        },
        None => (
            non_empty_param(&params, "starting_after").map(str::to_owned),
            non_empty_param(&params, "ending_at").map(str::to_owned),
        ),
    };
    let all = scope == "-";
    if !all && inner.store.conversation(scope).is_none() {
        return Err(not_found("conversation", scope));
    }
    let (page, more) =
        inner.store.list_events((!all).then_some(scope), after.as_deref(), up_to.as_deref(), limit, user);
    let next_cursor = match page.last() {
        Some(last) if more => {
            Some(Cursor::Events { scope: scope.to_owned(), after: last.id.clone(), up_to: up_to.clone() }.encode())
        }
        _ => None,
    };
    let events: Vec<Value> = page
        .iter()
        .filter_map(|e| {
            let record = inner.store.response_by_id(&e.response_id)?;
            Some(json::event(e, record, unknown, generation))
        })
        .collect();
    Ok(HttpResponse::json(200, &json!({ "events": events, "metadata": { "next_cursor": next_cursor } })))
}

/// The keyset position after a listed message, from a messages cursor made for `scope`.
fn messages_cursor(params: &[(String, String)], scope: &str) -> Result<Option<(i64, u64)>, HttpResponse> {
    match non_empty_param(params, "cursor") {
        None => Ok(None),
        Some(text) => match Cursor::decode(text) {
            Some(Cursor::Messages { scope: made_for, created_ms, ordinal }) if made_for == scope => {
                Ok(Some((created_ms, ordinal)))
            }
            _ => Err(error(400, "INVALID_CURSOR", "the cursor is invalid for this request")),
        },
    }
}

fn render_message(m: &crate::state::MessageRef<'_>, unknown: bool) -> Value {
    if m.user {
        json::user_message(m.record, unknown)
    } else {
        json::assistant_message(m.record, unknown)
    }
}

/// `GET /conversations/{id}/messages`: every message, user and assistant, newest
/// first; `cursor`, `limit` 1..=100 (default 20).
fn list_messages(inner: &Inner, req: &HttpRequest, id: &str, unknown: bool, now: Instant) -> Handled {
    let params = codec::parse_form(&req.query);
    let limit = parse_limit(&params)?;
    let after = messages_cursor(&params, id)?;
    if inner.store.conversation(id).is_none() {
        return Err(not_found("conversation", id));
    }
    let all = inner.store.messages(id, None, now);
    let mut page: Vec<_> = all.iter().filter(|m| after.is_none_or(|a| m.key < a)).take(limit + 1).collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let next_cursor = match page.last() {
        Some(last) if more => {
            Some(Cursor::Messages { scope: id.to_owned(), created_ms: last.key.0, ordinal: last.key.1 }.encode())
        }
        _ => None,
    };
    let messages: Vec<Value> = page.iter().map(|m| render_message(m, unknown)).collect();
    Ok(HttpResponse::json(200, &json!({ "messages": messages, "metadata": { "next_cursor": next_cursor } })))
}

/// `GET /conversations/{id}/responses/{rid}/messages`: the user's input message and
/// the assistant's final messages of one response, newest first. The reference page
/// documents no query parameters and a body of `messages` only, so neither is offered.
fn list_response_messages(inner: &Inner, id: &str, rid: &str, unknown: bool, now: Instant) -> Handled {
    if inner.store.conversation(id).is_none() {
        return Err(not_found("conversation", id));
    }
    inner.store.response(id, rid).ok_or_else(|| not_found("response", rid))?;
    let messages: Vec<Value> =
        inner.store.messages(id, Some(rid), now).iter().map(|m| render_message(m, unknown)).collect();
    Ok(HttpResponse::json(200, &json!({ "messages": messages })))
}

/// `POST /conversations/{id}/responses/{rid}/messages/{mid}/feedback`
/// `{"callback_id", "additional_feedback"?}`: accepts only a callback id from that
/// very message's `feedback.helpful` / `feedback.unhelpful`.
fn submit_feedback(inner: &mut Inner, req: &HttpRequest, id: &str, rid: &str, mid: &str, now: Instant) -> Handled {
    let body = json_object(req)?;
    let callback_id = match body.get("callback_id") {
        Some(Value::String(c)) if !c.is_empty() => c.clone(),
        Some(Value::String(_)) => return Err(invalid_input("callback_id must not be empty")),
        None | Some(Value::Null) => return Err(invalid_input("callback_id is required")),
        Some(_) => return Err(invalid_input("callback_id must be a string")),
    };
    let additional_feedback = match body.get("additional_feedback") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.chars().count() <= MAX_ADDITIONAL_FEEDBACK_CHARS => Some(text.clone()),
        Some(Value::String(_)) => {
            return Err(invalid_input(format!(
                "additional_feedback must be at most {MAX_ADDITIONAL_FEEDBACK_CHARS} characters"
            )))
        }
        Some(_) => return Err(invalid_input("additional_feedback must be a string")),
    };
    if inner.store.conversation(id).is_none() {
        return Err(not_found("conversation", id));
    }
    let record = inner.store.response(id, rid).ok_or_else(|| not_found("response", rid))?;
    let is_answer = record.message_id == mid && record.has_assistant_message(now);
    if !is_answer && record.user_message_id.as_deref() != Some(mid) {
        return Err(not_found("message", mid));
    }
    let rating = is_answer
        .then(|| record.rating_of(&callback_id))
        .flatten()
        .ok_or_else(|| invalid_input("callback_id is not one of this message's feedback callback ids"))?;
    inner.store.add_feedback(Feedback {
        conversation_id: id.to_owned(),
        response_id: rid.to_owned(),
        message_id: mid.to_owned(),
        callback_id,
        rating,
        additional_feedback,
    });
    Ok(HttpResponse::json(200, &json!({ "status": "SUBMITTED" })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_counts_a_fixed_window() {
        let limit = RateLimit { max_requests: 2, window: Duration::from_millis(1500) };
        let mut limiter = Limiter::default();
        let t0 = Instant::now();
        assert!(limiter.admit(limit, t0).is_ok());
        assert!(limiter.admit(limit, t0).is_ok());
        assert_eq!(limiter.admit(limit, t0 + Duration::from_millis(100)), Err(2));
        assert_eq!(limiter.admit(limit, t0 + Duration::from_millis(1499)), Err(1));
        assert!(limiter.admit(limit, t0 + Duration::from_millis(1500)).is_ok());
    }

    #[test]
    fn settings_patch_is_validated() {
        let settings = Settings::from_config(&SimulatorConfig::default());
        let next = settings
            .patched(&json!({"response_duration_ms": 60, "rate_limit": {"max_requests": 3, "window_ms": 1000}}))
            .unwrap();
        assert_eq!(next.response_duration, Duration::from_millis(60));
        assert_eq!(next.rate_limit.unwrap().max_requests, 3);
        assert!(settings.patched(&json!({"nope": 1})).is_err());
        assert!(settings.patched(&json!({"unknown_values": "yes"})).is_err());
        assert!(settings.patched(&json!({"rate_limit": {"max_requests": 1, "window_ms": 0}})).is_err());
    }
}
