//! An in-memory simulator of the Moveworks (Beta) Conversations API.
//!
//! It follows the public reference pages (status codes per endpoint, JSON
//! shapes, field names, the `{"error": {"code", "message"}}` error body), so
//! client code tested against it behaves the same against the real API. On
//! top it offers deterministic fault injection and a request log, so client
//! tests can exercise retries, token refresh and tolerant parsing.
//!
//! # Starting it
//!
//! From Rust:
//!
//! ```no_run
//! let sim = moveworks_simulator::Simulator::start_default()?;
//! println!("API at {}, tokens at {}", sim.base_url(), sim.token_url());
//! // Every API call sends `Authorization: Bearer sandbox-token` (or a token
//! // from the token endpoint) and `Assistant-Name: sandbox`.
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! From any other language, run the `moveworks-simulator` binary:
//!
//! ```text
//! moveworks-simulator [--host H] [--port P] [--assistant-name N] [--token T]
//!                     [--client-id ID] [--client-secret S] [--response-ms MS]
//!                     [--threads N] [--ignore-stdin]
//! ```
//!
//! Defaults: host `127.0.0.1`, port `0` (any free port), assistant `sandbox`,
//! static token `sandbox-token` (`--token ""` disables it), client
//! `sandbox-client` / `sandbox-secret`, responses complete after 600 ms.
//! Once listening it prints exactly one JSON line to stdout:
//!
//! ```text
//! {"base_url":"http://127.0.0.1:PORT/rest/v1beta1","token_url":"http://127.0.0.1:PORT/oauth/v1/token","origin":"http://127.0.0.1:PORT","port":PORT,"assistant_name":"sandbox","token":"sandbox-token","client_id":"sandbox-client","client_secret":"sandbox-secret"}
//! ```
//!
//! (`token` is `null` when the static token is disabled.) It serves until its
//! stdin reaches end of file or it receives SIGTERM/SIGINT, so a test harness
//! that starts it with a pipe on stdin takes it down when it exits, even if it
//! crashes. `--ignore-stdin` keeps it running without a stdin.
//!
//! # Routes
//!
//! API routes live under `/rest/v1beta1`; the token endpoint is at
//! `/oauth/v1/token`. Every response, errors and the token endpoint included,
//! is `application/json` and carries a fresh `x-moveworks-root-uuid` header.
//!
//! | Route | Success | Errors |
//! | --- | --- | --- |
//! | `POST /oauth/v1/token` | 200 `{"access_token","expires_in","token_type":"Bearer"}` | 400 `INVALID_INPUT`, 401 `UNAUTHORIZED` |
//! | `GET /conversations` (`cursor`, `limit` 1..=100 default 20, `archived` default false) | 200 `{"conversations","metadata":{"next_cursor"}}` | 400 `INVALID_INPUT` / `INVALID_CURSOR`, 401, 429 |
//! | `POST /conversations` `{"title"?}` | 201 Conversation | 400, 401, 429 |
//! | `GET /conversations/{id}` | 200 Conversation | 401, 403, 404, 429 |
//! | `PATCH /conversations/{id}` `{"title"?, "archived"?}` | 200 Conversation | 400, 401, 404, 429 |
//! | `POST /conversations/{id}/responses` `{"input":{"text"}}` | 202 Response | 400, 401, 403, 404, 429 |
//! | `POST /conversations/{id}/responses/stream` `{"input":{"text"}}`, `Accept: text/event-stream` | 200 `text/event-stream` (chunked): `RESPONSE_CREATED`, `RESPONSE_IN_PROGRESS`, `OUTPUT_DELTA`s, `RESPONSE_COMPLETED` | 400, 401, 403, 404, 429 (JSON, before any event) |
//! | `GET /conversations/{id}/responses/{response_id}` | 200 Response | 401, 403, 404, 429 |
//! | `GET /conversations/{id}/events` (`-` = all; `starting_after`, `ending_at`, `cursor`, `limit`) | 200 `{"events","metadata":{"next_cursor"}}` | 400, 401, 404, 429 |
//! | `GET /conversations/{id}/messages` (`cursor`, `limit` 1..=100 default 20) | 200 `{"messages","metadata":{"next_cursor"}}`, newest first | 400 `INVALID_INPUT` / `INVALID_CURSOR`, 401, 403, 404, 429 |
//! | `GET /conversations/{id}/responses/{response_id}/messages` | 200 `{"messages"}`, newest first | 401, 403, 404, 429 |
//! | `POST /conversations/{id}/responses/{response_id}/messages/{message_id}/feedback` `{"callback_id", "additional_feedback"?}` | 200 `{"status":"SUBMITTED"}` | 400, 401, 404, 429 |
//!
//! Unknown paths answer 404 `NOT_FOUND`; a known path with another method
//! answers 405 `METHOD_NOT_ALLOWED` with an `Allow` header. Conversations are
//! listed newest `updated_at` first; every mutation gets a distinct, later
//! `updated_at`, ties being impossible. A title may have at most 256
//! characters (Unicode scalar values). A conversation without a title is
//! titled after its first message (first 60 characters), standing in for the
//! AI title the real API assigns. `null` for an optional body field means
//! "absent". An empty `cursor=` parameter means "no cursor".
//!
//! # Authentication and the Assistant-Name rule
//!
//! Every API route requires `Authorization: Bearer <token>`, where the token
//! is the configured static token or one issued by the token endpoint that
//! has neither expired nor been revoked; otherwise 401 `UNAUTHORIZED`.
//!
//! The `Assistant-Name` header must equal the configured assistant name.
//! When it is missing or wrong, the answer depends on what the endpoint's
//! reference page lists: **403 `FORBIDDEN`** on list conversations, get
//! conversation, create response (plain and streaming), get response, list
//! conversation messages and list response messages (their pages list 403; the
//! list-response-messages page is taken to list what its sibling lists),
//! **401 `UNAUTHORIZED`** on create conversation, update conversation, list
//! events and submit feedback (their pages list no 403). The bearer token is
//! checked first.
//!
//! The token endpoint takes `client_id`, `client_secret` and
//! `grant_type=client_credentials` as a form (`application/x-www-form-urlencoded`)
//! or JSON body, or the client credentials via HTTP Basic. A wrong grant type
//! or missing field is 400 `INVALID_INPUT`, wrong credentials 401 `UNAUTHORIZED`.
//!
//! Checks run in this order: route (404/405), rate limit (429), bearer token
//! (401), Assistant-Name (403/401), body and parameters (400), existence (404).
//!
//! # Response lifecycle
//!
//! A response's progress is computed from its age `t` against the configured
//! duration `D` (600 ms by default): `t < D/3` is `CREATED` with no outputs;
//! `D/3 <= t < D` is `IN_PROGRESS` with one `REASONING_MESSAGE`; `t >= D` is
//! `COMPLETED` with `completed_at` set and outputs `[REASONING_MESSAGE,
//! MESSAGE]`. The assistant `MESSAGE` (actor `ASSISTANT`, `COMMONMARK_TEXT`)
//! echoes the question, contains non-ASCII text (including characters outside
//! the Basic Multilingual Plane) and has two citations whose `location.offset`
//! counts Unicode scalar values, not bytes or UTF-16 units.
//!
//! * If the input text contains `[fail]` (any case), the response ends
//!   `FAILED` (reasoning output only, `completed_at` set).
//! * If it contains `[unknown]`, or the `unknown_values` setting is on, the
//!   response uses values a newer server might send: status `THINKING`
//!   instead of `IN_PROGRESS`, `HTML_TEXT` reasoning content, a `TOOL_CALL`
//!   output appended once finished, an `experimental` field on Response,
//!   Message (user and assistant) and Conversation objects. Terminal statuses
//!   stay `COMPLETED` / `FAILED`.
//!
//! # Messages and feedback
//!
//! A response contributes up to two messages to its conversation: the user's
//! input (actor `USER`, `PLAIN_TEXT`, from the moment the response is created)
//! and, once it has `COMPLETED`, the assistant's answer. List messages returns
//! them newest first (ties: the answer after its question); list response
//! messages returns those of one response, also newest first.
//!
//! Every assistant message (in get response, stream outputs, events, message
//! lists) carries `"feedback": {"helpful": {"callback_id": T1}, "unhelpful":
//! {"callback_id": T2}}` with opaque base64url tokens, except a proactive
//! notification's. Submit feedback accepts only `T1` or `T2` of that very
//! message (anything else, including a token of another message: 400
//! `INVALID_INPUT`); an unknown conversation, response or message is 404; a
//! missing `callback_id` or an `additional_feedback` over 1,000 characters
//! (Unicode scalar values) is 400. Accepted feedback is recorded with its
//! rating (see `GET /_sim/feedback`).
//!
//! # Events feed
//!
//! As on the live list-events page, the feed holds only system-initiated
//! messages (asynchronous answers, proactive notifications): answering a create
//! response adds no event. Tests put events in with `POST /_sim/events` (below).
//! Event ids (`evt_` plus a zero-padded decimal counter) sort lexicographically
//! in creation order.
//!
//! # The sandbox vocabulary
//!
//! What a test can make the simulator do is one list, [`ACTIONS`], run by
//! [`Simulator::run`] and `POST /_sim/script` `{"action": A, "args": {...}}`;
//! every language's `Sandbox` forwards its methods to it by name (Python
//! `sandbox.fault(kind="status", status=429)`, Node `sandbox.fault({kind: 'status', status: 429})`,
//! C `mw_sandbox_run(s, "fault", "{...}")`, Kotlin/Swift `sandbox.run("fault", json)`):
//! `fault` (queue any fault below), `fail_next_response` (the next created
//! responses end `FAILED`), `configure` (the settings of `/_sim/config`),
//! `inject_event` (a proactive notification or asynchronous answer),
//! `revoke_tokens`, `requests` (the request log, optionally filtered),
//! `clear_requests`, `feedback`, `reset`. `moveworks-simulator --help` prints
//! each with its arguments and answer.
//!
//! # Control routes
//!
//! Under `/_sim/`, no authentication, JSON in and out, never logged:
//!
//! * `GET /_sim/health` → `{"status":"ok"}`.
//! * `POST /_sim/reset`: forget all state (conversations, tokens, faults,
//!   request log) and return to the start-up settings.
//! * `GET|POST /_sim/config`: read or partially update
//!   `{"response_duration_ms": u64, "unknown_values": bool, "token_ttl_secs": u64,
//!   "rate_limit": {"max_requests": n, "window_ms": m} | null,
//!   "wrapped_token_answer": bool, "null_pending_outputs": bool}`; unknown keys
//!   are refused. The last two switch on shapes the live reference pages document
//!   besides the usual ones: a token answer wrapped as `{"data": {...}}`, and
//!   `"outputs": null` on a response that has no outputs yet.
//!   The rate limit is a fixed window over API routes; excess
//!   requests get 429 `RATE_LIMIT_EXCEEDED` with `Retry-After` in whole
//!   seconds (at least 1).
//! * `POST /_sim/faults` `{"faults": [fault, ...]}` (a bare array or single
//!   fault also work) queues faults; `GET` lists them, `DELETE` clears them.
//! * `POST /_sim/tokens/revoke`: invalidates every token issued so far (the
//!   static token stays valid), to test a client's refresh-on-401.
//! * `GET /_sim/requests`: the request log, in arrival order, entries
//!   `{"method","path","query","status","assistant_name","user_agent",
//!   "authorized","content_type","fault","root_uuid"}`. `query` is the raw
//!   query string (`""` when none), `status` is `null` while in flight or
//!   when a `reset` fault closed the connection, `authorized` says whether the
//!   request carried a bearer token the simulator accepts, `fault` names the
//!   fault applied (or `null`), `root_uuid` is the `x-moveworks-root-uuid`
//!   sent back. The Authorization value is never stored; the newest 100 000
//!   entries are kept.
//!   `DELETE /_sim/requests` clears it.
//! * `POST /_sim/events` `{"conversation_id": C, "text": T, "kind"?: "notification"|"async_response",
//!   "event_type"?: "MESSAGE_EVENT"}` appends a system-initiated ASSISTANT message
//!   (text `T`, `COMMONMARK_TEXT`, no citations) to conversation `C` and to the event
//!   feed, and answers 201 with the event exactly as list events renders it:
//!   `{"event_id", "conversation_id", "event_payload": {"type": "MESSAGE_EVENT", "message": {...}}}`.
//!   Both kinds mint a fresh response id. `async_response` (an asynchronous answer)
//!   is a `COMPLETED` response of its own: get response, list response messages and
//!   submit feedback work on it. `notification` (the default; a proactive
//!   notification) answers no request: its response id is not a gettable response
//!   and its message has no `feedback`. Any other `event_type` makes an event of
//!   that type clients do not know, `{"type": E, "<e lowercased>": {"text", "response_id"}}`.
//!   400 `INVALID_INPUT` for a bad body, 404 `NOT_FOUND` for an unknown conversation.
//! * `GET /_sim/feedback`: every accepted submit feedback, oldest first, entries
//!   `{"conversation_id","response_id","message_id","callback_id","rating":"helpful"|"unhelpful","additional_feedback"}`.
//! * `GET /_sim/stream_marks`: `{"<response_id>": ns, ...}`, when the first
//!   `OUTPUT_DELTA` of each streamed response was handed to its socket (marked just before the write), in
//!   `CLOCK_MONOTONIC` nanoseconds: the start of the streaming benchmark's
//!   "first delta to user code" interval (the client side reads the same clock).
//!
//! # Faults
//!
//! A fault is a JSON object:
//!
//! ```text
//! {"kind": K, "count": n (default 1), "method"?: "GET"|"POST"|"PATCH", "path_contains"?: "/responses", ...}
//! ```
//!
//! Faults form a FIFO queue matched against API and token requests (the raw
//! request target, path plus query, must contain `path_contains`; `method`
//! compares case-insensitively). A request takes one use of the oldest
//! matching fault; a fault is removed once used `count` times. Kinds:
//!
//! * `{"kind":"status","status":503,"retry_after"?:"2","retry_after_ms"?:"1500","code"?:..,"message"?:..}`:
//!   answer with that status (400..=599) and the matching error body
//!   (400 `INVALID_INPUT`, 401 `UNAUTHORIZED`, 403 `FORBIDDEN`, 404
//!   `NOT_FOUND`, 408 `REQUEST_TIMEOUT`, 429 `RATE_LIMIT_EXCEEDED`, 5xx
//!   `INTERNAL_ERROR`) without processing the request. `retry_after` is sent
//!   verbatim as `Retry-After` (seconds or an HTTP date), `retry_after_ms` as
//!   `retry-after-ms`.
//! * `{"kind":"delay","ms":1500}`: wait, then process normally.
//! * `{"kind":"drop"}`: process the request (its state changes happen), send
//!   the status line and headers announcing the full `Content-Length`, half
//!   the body, then close the connection.
//! * `{"kind":"reset"}`: close the connection without writing anything and
//!   without processing the request.
//! * `{"kind":"malformed_json","status"?:200}`: process, then answer with
//!   status 200 (or `status`) and the body `{"conversations": [`.
//! * `{"kind":"truncated_json"}`: process, then answer with the real status and
//!   the first half of the real body (with a matching `Content-Length`).
//! * `{"kind":"unknown_values"}`: process, rendering this one answer with
//!   unknown values (see the lifecycle section).
//! * `{"kind":"raw","status":502,"body":"<html>…","headers"?:{"Content-Type":"text/html"}}`:
//!   answer exactly that without processing (`Content-Type` defaults to
//!   `application/json`; `x-moveworks-root-uuid` is added unless given).
//!
//! Faults for the streaming endpoint (they match only its requests; `after_events`
//! counts the events already sent, default 1, i.e. right after `RESPONSE_CREATED`;
//! the response is created as usual, so polling it still works):
//!
//! * `{"kind":"stream_drop","after_events"?:n}`: close the connection after `n`
//!   events, without ending the chunked body.
//! * `{"kind":"stream_stall","after_events"?:n,"ms"?:60000}`: after `n` events
//!   write nothing more but keep the connection open for `ms`, then close it.
//! * `{"kind":"stream_unknown_event","after_events"?:n,"event"?:"RESPONSE_AUDIT","data"?:"{...}"}`:
//!   send an extra event with a name clients do not know after `n` events.
//!
//! A `status` fault with `"path_contains": "/responses/stream"` answers that error
//! (as JSON, like create response) before any stream starts.
//!
//! * `{"kind":"response_failed"}` matches only create response (polled or
//!   streamed): the request is processed as usual, but the response it creates
//!   ends `FAILED` (with its `error` object) instead of `COMPLETED`. The sandbox
//!   action `fail_next_response` queues it.
//!
//! # Server
//!
//! A small HTTP/1.1 server with keep-alive (pooled client connections work),
//! `Content-Length` and chunked request bodies, and `Expect: 100-continue`.
//! `threads` workers serve connections; when all are busy (an idle
//! keep-alive connection holds its worker) an extra thread takes the next
//! connection, so the server never stalls on pooled connections.

// Published beside `moveworks` (its `sandbox` feature depends on it): every public item is documented.
#![deny(missing_docs)]

mod api;
mod codec;
mod contract;
mod cursor;
mod faults;
mod json;
mod script;
mod server;
mod state;
mod stream;

pub use script::ACTIONS;

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::api::{App, API_PREFIX, TOKEN_PATH};
use crate::server::{HttpRequest, Server};

/// Start-up settings of a [`Simulator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatorConfig {
    /// Interface to listen on; `127.0.0.1` by default so nothing is exposed.
    pub host: String,
    /// Port to listen on; `0` (the default) picks a free one.
    pub port: u16,
    /// The value the `Assistant-Name` header must have (`sandbox`).
    pub assistant_name: String,
    /// A bearer token that is always valid (`sandbox-token`), so tests can
    /// skip the token endpoint; `None` requires issued tokens.
    pub static_token: Option<String>,
    /// Client id the token endpoint accepts (`sandbox-client`).
    pub client_id: String,
    /// Client secret the token endpoint accepts (`sandbox-secret`).
    pub client_secret: String,
    /// Time from creating a response to its terminal status (600 ms).
    pub response_duration: Duration,
    /// Lifetime of issued tokens, reported as `expires_in` (3600 s, as the real API).
    pub token_ttl: Duration,
    /// Pooled connection worker threads (8); more are spawned when all are busy.
    pub threads: usize,
}

impl Default for SimulatorConfig {
    fn default() -> SimulatorConfig {
        SimulatorConfig {
            host: "127.0.0.1".into(),
            port: 0,
            assistant_name: "sandbox".into(),
            static_token: Some("sandbox-token".into()),
            client_id: "sandbox-client".into(),
            client_secret: "sandbox-secret".into(),
            response_duration: Duration::from_millis(600),
            token_ttl: Duration::from_secs(3600),
            threads: 8,
        }
    }
}

/// A running simulator. Dropping it (or [`Simulator::shutdown`]) stops the
/// server: the listener closes, open connections are closed, threads joined.
pub struct Simulator {
    config: SimulatorConfig,
    app: Arc<App>,
    server: Server,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator").field("addr", &self.addr()).finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds `config.host:config.port` and starts serving in background threads.
    pub fn start(config: SimulatorConfig) -> io::Result<Simulator> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let app = Arc::new(App::new(config.clone()));
        let handler_app = Arc::clone(&app);
        let server =
            Server::start(listener, config.threads, Arc::new(move |req: &HttpRequest| handler_app.handle(req)))?;
        let config = SimulatorConfig { port: server.addr().port(), ..config };
        Ok(Simulator { config, app, server })
    }

    /// Starts with [`SimulatorConfig::default`] on a free local port.
    pub fn start_default() -> io::Result<Simulator> {
        Simulator::start(SimulatorConfig::default())
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://HOST:PORT`, where the token and control routes live.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// The API base URL, `origin + "/rest/v1beta1"`.
    pub fn base_url(&self) -> String {
        format!("{}{API_PREFIX}", self.origin())
    }

    /// The token endpoint, `origin + "/oauth/v1/token"`.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.origin())
    }

    /// The start-up configuration, with `port` set to the port actually
    /// bound. Run-time changes made with [`Simulator::set_config`] are not reflected.
    pub fn config(&self) -> &SimulatorConfig {
        &self.config
    }

    /// Queues one fault, in the JSON form of one entry of `POST /_sim/faults`
    /// (see the crate docs).
    ///
    /// # Panics
    ///
    /// If the fault is invalid: a test asking for a fault that cannot happen
    /// should fail loudly rather than pass vacuously.
    pub fn push_fault(&self, fault: Value) {
        if let Err(e) = self.app.push_fault(&fault) {
            panic!("invalid simulator fault {fault}: {e}");
        }
    }

    /// Applies a partial settings update, in the JSON form of `POST /_sim/config`.
    ///
    /// # Panics
    ///
    /// If the patch is invalid (unknown key, wrong type), for the same reason
    /// as [`Simulator::push_fault`].
    pub fn set_config(&self, patch: Value) {
        if let Err(e) = self.app.set_config(&patch) {
            panic!("invalid simulator config {patch}: {e}");
        }
    }

    /// Invalidates every token issued so far; the static token stays valid.
    pub fn revoke_tokens(&self) {
        self.app.revoke_tokens();
    }

    /// Injects a system-initiated message into the event feed, in the JSON form of
    /// `POST /_sim/events` (see the crate docs); returns the created event.
    ///
    /// # Panics
    ///
    /// If the spec is invalid or names an unknown conversation, for the same reason
    /// as [`Simulator::push_fault`].
    pub fn inject_event(&self, spec: Value) -> Value {
        match self.app.inject_event(&spec) {
            Ok(event) => event,
            Err(e) => panic!("invalid simulator event {spec}: {}", String::from_utf8_lossy(&e.body)),
        }
    }

    /// Every feedback the API accepted, oldest first, as `GET /_sim/feedback` returns it.
    pub fn feedback(&self) -> Vec<Value> {
        self.app.feedback()
    }

    /// The request log, as `GET /_sim/requests` returns it.
    pub fn requests(&self) -> Vec<Value> {
        self.app.requests()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.app.clear_requests();
    }

    /// Forgets all state and returns to the start-up settings, like `POST /_sim/reset`.
    pub fn reset(&self) {
        self.app.reset();
    }

    /// Runs one action of the sandbox scripting vocabulary ([`ACTIONS`]; also
    /// `POST /_sim/script`), the one every language's `Sandbox` forwards to.
    /// Bad actions or arguments are an `Err` naming the problem, never a panic.
    pub fn run(&self, action: &str, args: &Value) -> Result<Value, String> {
        self.app.run(action, args)
    }

    /// Stops the server and waits for its threads; the same as dropping it.
    pub fn shutdown(self) {
        drop(self);
    }
}

/// The sandbox vocabulary as text (each action, its arguments and its answer),
/// as `moveworks-simulator --help` prints it.
pub fn describe_actions() -> String {
    script::describe()
}

#[cfg(test)]
mod tests {
    #[test]
    fn simulator_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Simulator>();
        assert_send_sync::<super::SimulatorConfig>();
    }
}
