//! Node.js addon of the Moveworks SDK (napi-rs).
//!
//! This is the native half of the npm package `moveworks`; the JS layer in
//! `node/index.js` wraps it. It only converts: every decision (validation,
//! retries, polling, error kinds) comes from the core crate.
//!
//! Where things run, on purpose:
//! - every call returns a Promise settled on napi's tokio runtime; the core's
//!   blocking HTTP calls run with `tokio::task::spawn_blocking` (tokio's own
//!   elastic pool), never on libuv's 4-thread pool that `fs`/`dns` share;
//! - polling waits are tokio timers ([`TokioRuntime`]), so a waiting poll holds no thread;
//! - each step of a stream ([`NativeResponseStream::next`]) blocks in the core for up to
//!   seconds, so it too runs on tokio's blocking pool, one step per pool thread.
//!
//! Models cross as wire JSON strings produced by the core's serializer, beside the
//! `x-moveworks-root-uuid` the core recorded on them ([`NativeValue`]); the JS layer
//! turns them into camelCase objects with `Date`s and a non-enumerable `requestId`.
//! Errors reject with a message that is [`ERROR_MARKER`] followed by the error's
//! fields as JSON.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moveworks::logging::{LogLevel, LogRecord, LogSink};
use moveworks::{
    AsyncRuntime, CancelToken, Client, ClientOptions, Content, ConversationUpdate, ErrorKind, EventPayload,
    ListConversationsParams, ListEventsParams, ListMessagesParams, ListResponseMessagesParams, Message, OutputItem,
    PageIter, PageSource, RequestOptions, Response, ResponseStream, StreamEvent, StreamOptions, Traced, WaitOptions,
};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::json;
use tokio::sync::watch;

#[cfg(feature = "sandbox")]
mod sandbox;

/// Prefix of the message of every error this addon rejects with; the JS layer
/// parses the JSON after it into the matching `MoveworksError` subclass.
pub const ERROR_MARKER: &str = "\u{0}moveworks-error:";

/// Converts a core error into a napi error carrying all its fields as JSON.
pub(crate) fn to_napi(e: moveworks::Error) -> napi::Error {
    to_napi_with_updates(e, None)
}

/// As [`to_napi`], adding how many `onUpdate` calls a failed wait sent (so JS can deliver them first).
fn to_napi_with_updates(e: moveworks::Error, updates: Option<u32>) -> napi::Error {
    // The core's record as it serializes (index.js renames its keys), plus what
    // only this binding adds.
    let mut fields = serde_json::to_value(e.details()).unwrap_or_else(|_| json!({ "kind": e.kind().as_str() }));
    if let Some(map) = fields.as_object_mut() {
        map.insert("updates".into(), json!(updates));
        map.insert("display".into(), json!(e.to_string()));
    }
    napi::Error::new(Status::GenericFailure, format!("{ERROR_MARKER}{fields}"))
}

fn wire<T: serde::Serialize>(value: &T) -> moveworks::Result<String> {
    serde_json::to_string(value)
        .map_err(|e| moveworks::Error::new(ErrorKind::Decode, format!("could not serialize a result: {e}")))
}

/// What every call resolves to: the value as the core's wire JSON, and beside it the
/// `x-moveworks-root-uuid` of the HTTP answer it came from (the JS layer makes it the
/// returned object's non-enumerable `requestId`).
#[napi(object)]
pub struct NativeValue {
    /// The value as the core serialized it (wire JSON).
    pub json: String,
    /// The `x-moveworks-root-uuid` of the answer the value came from.
    pub request_id: Option<String>,
    /// Polling helpers only: how many `onUpdate`/`onEvent` calls were sent before it.
    pub updates: Option<u32>,
    /// The headers of the HTTP answer the value came from (names lowercase).
    pub http_headers: Option<HashMap<String, String>>,
}

/// A returned value, its request id and its answer's headers, for the JS layer.
fn value<T: Traced + serde::Serialize>(v: &T) -> moveworks::Result<NativeValue> {
    Ok(NativeValue {
        json: wire(v)?,
        request_id: v.request_id().map(str::to_owned),
        updates: None,
        http_headers: v.http_headers().map(moveworks::HttpHeaders::to_map),
    })
}

/// A value handed to a JS callback (one string): `{"value": <wire JSON>, "request_id": ..., "http_headers": ...}`.
fn traced_json<T: Traced + serde::Serialize>(v: &T) -> moveworks::Result<String> {
    let value = serde_json::to_value(v)
        .map_err(|e| moveworks::Error::new(ErrorKind::Decode, format!("could not serialize a result: {e}")))?;
    Ok(json!({ "value": value, "request_id": v.request_id(), "http_headers": v.http_headers().map(moveworks::HttpHeaders::to_map) }).to_string())
}

/// Milliseconds from JS (a double) to a Duration; rejects what Duration cannot hold.
fn millis(argument: &str, ms: Option<f64>) -> moveworks::Result<Option<Duration>> {
    match ms {
        None => Ok(None),
        Some(v) if (0.0..=1e15).contains(&v) => Ok(Some(Duration::from_secs_f64(v / 1000.0))),
        Some(v) => {
            Err(moveworks::Error::invalid_argument(argument, format_args!("{v} is not a valid number of milliseconds")))
        }
    }
}

/// A JS number that must be a whole u32 (page sizes, retry counts).
fn whole(argument: &str, n: Option<f64>) -> moveworks::Result<Option<u32>> {
    match n {
        None => Ok(None),
        Some(v) if v.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&v) => Ok(Some(v as u32)),
        Some(v) => Err(moveworks::Error::invalid_argument(argument, format_args!("{v} is not a whole number >= 0"))),
    }
}

/// Per-call options from the JS layer's JSON (snake_case keys: the core's
/// [`RequestOptions::from_json_value`] names and checks them); an error naming one of
/// them names it as Node spells it (`timeout_ms` -> `timeoutMs`).
fn request_options(options_json: &str) -> moveworks::Result<RequestOptions> {
    let value = serde_json::from_str(options_json)
        .map_err(|e| moveworks::Error::invalid_argument("options", format_args!("is not JSON ({e})")))?;
    RequestOptions::from_json_value(value).map_err(node_argument)
}

/// An `invalid_argument` naming a per-call option (`extra_headers`) renamed to the Node
/// spelling (`extraHeaders`); every other error unchanged.
fn node_argument(e: moveworks::Error) -> moveworks::Error {
    match e.argument() {
        Some(arg) if RequestOptions::NAMES.contains(&arg) => {
            let mut camel = String::with_capacity(arg.len());
            let mut upper = false;
            for c in arg.chars() {
                match c {
                    '_' => upper = true,
                    c if upper => {
                        camel.push(c.to_ascii_uppercase());
                        upper = false
                    }
                    c => camel.push(c),
                }
            }
            let prefix = format!("invalid `{arg}`: ");
            let why = e.message().strip_prefix(prefix.as_str()).unwrap_or(e.message()).to_owned();
            moveworks::Error::invalid_argument(&camel, why)
        }
        _ => e,
    }
}

/// The core's per-call option names (snake_case), so the JS layer accepts exactly these.
#[napi]
pub fn request_option_names() -> Vec<String> {
    RequestOptions::NAMES.iter().map(|n| (*n).to_owned()).collect()
}

/// The JS `onLog` hook, receiving each log record as JSON. Weak: it never keeps Node's
/// event loop alive.
type LogFn = ThreadsafeFunction<String, (), String, Status, false, true>;

/// A log sink for the core that hands each record to the JS thread without waiting.
fn js_log_sink(on_log: LogFn) -> LogSink {
    Arc::new(move |r: &LogRecord| {
        let record = json!({
            "level": r.level.as_str(),
            "message": r.message,
            "method": r.method,
            "path": r.path,
            "status": r.status,
            "attempt": r.attempt,
            "duration_ms": r.duration_ms,
            "request_id": r.request_id,
            "error_kind": r.error_kind,
            "retry": r.retry,
        });
        // Non-blocking: a record that cannot be queued (Node shutting down) is dropped.
        let _ = on_log.call(record.to_string(), ThreadsafeFunctionCallMode::NonBlocking);
    })
}

/// Sets the most detailed level the core logs, for the whole process (`error`, `warn`,
/// `info`, `debug`, `trace`, or `off`/null), overriding `MOVEWORKS_LOG`.
#[napi]
pub fn set_log_level(level: Option<String>) -> Result<()> {
    let level = match level {
        None => None,
        Some(name) => LogLevel::parse(&name).map_err(to_napi)?,
    };
    moveworks::logging::set_log_level(level);
    Ok(())
}

/// The most detailed level the core logs now (`"off"` when off).
#[napi]
pub fn log_level() -> String {
    moveworks::logging::log_level().map_or("off", LogLevel::as_str).to_owned()
}

/// How the polling helpers poll.
#[napi(object)]
#[derive(Default, Clone)]
pub struct NativeWaitOptions {
    /// Give up after this many ms.
    pub deadline_ms: Option<f64>,
    /// Delay before the second poll, ms.
    pub initial_interval_ms: Option<f64>,
    /// Longest delay between polls, ms.
    pub max_interval_ms: Option<f64>,
    /// Growth factor of the delay.
    pub backoff_factor: Option<f64>,
}

/// Cancels the calls it is passed to; the JS layer cancels it from an `AbortSignal`.
#[napi]
pub struct CancelHandle {
    token: CancelToken,
    tx: Arc<watch::Sender<bool>>,
}

#[napi]
impl CancelHandle {
    /// A handle that is not cancelled.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CancelHandle { token: CancelToken::new(), tx: Arc::new(watch::channel(false).0) }
    }
    /// Cancels: pending promises using this handle reject promptly with `cancelled`.
    #[napi]
    pub fn cancel(&self) {
        self.token.cancel();
        self.tx.send_replace(true);
    }
    /// True once cancelled.
    #[napi(getter)]
    pub fn cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// What a running call keeps of its handle: the core token and a wake-up channel.
#[derive(Clone)]
struct Cancel {
    token: CancelToken,
    rx: watch::Receiver<bool>,
}

impl Cancel {
    fn from(handle: Option<&CancelHandle>) -> Option<Cancel> {
        handle.map(|h| Cancel { token: h.token.clone(), rx: h.tx.subscribe() })
    }
}

/// Races `fut` against cancellation so an abort rejects at once, even while a
/// blocking HTTP call is in flight (its result is then dropped).
async fn cancellable<T>(
    cancel: Option<Cancel>,
    fut: impl std::future::Future<Output = moveworks::Result<T>>,
) -> moveworks::Result<T> {
    match cancel {
        None => fut.await,
        Some(mut c) => {
            if c.token.is_cancelled() {
                return Err(moveworks::Error::cancelled());
            }
            tokio::select! {
                out = fut => out,
                _ = c.rx.wait_for(|v| *v) => Err(moveworks::Error::cancelled()),
            }
        }
    }
}

/// Runs a blocking core call on tokio's blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// The core's [`AsyncRuntime`] on tokio: blocking polls on the blocking pool, sleeps as timers.
struct TokioRuntime;

impl AsyncRuntime for TokioRuntime {
    fn spawn_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl std::future::Future<Output = T> + Send {
        blocking(f)
    }
    fn sleep(&self, duration: Duration) -> impl std::future::Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

/// The JS `onUpdate` callback, receiving a Response as wire JSON.
type UpdateFn = ThreadsafeFunction<String, (), String, Status, false>;

/// Options of a streamed turn (the core's `StreamOptions`).
#[napi(object)]
#[derive(Default, Clone)]
pub struct NativeStreamOptions {
    /// Fall back to polling after this many ms without an event.
    pub idle_timeout_ms: Option<f64>,
    /// Deadline of the whole turn, ms.
    pub deadline_ms: Option<f64>,
    /// Delay before the second poll of the fallback, ms.
    pub initial_interval_ms: Option<f64>,
    /// Longest delay between polls of the fallback, ms.
    pub max_interval_ms: Option<f64>,
    /// Growth factor of the fallback's delay.
    pub backoff_factor: Option<f64>,
}

/// One stream event for the JS layer: `{"event": <the core's StreamEvent JSON>, "known": bool,
/// "request_id": <the request id of the response the event carries, if any>}` (`known` is
/// false for the core's `Unknown` variant), plus `extra` fields.
fn event_json(event: &StreamEvent, extra: serde_json::Value) -> moveworks::Result<String> {
    let request_id = event.response().and_then(Traced::request_id);
    let http_headers = event.response().and_then(Traced::http_headers).map(moveworks::HttpHeaders::to_map);
    let mut out = json!({
        "event": serde_json::to_value(event)
            .map_err(|e| moveworks::Error::new(ErrorKind::Decode, format!("could not serialize an event: {e}")))?,
        "known": !matches!(event, StreamEvent::Unknown { .. }),
        "request_id": request_id,
        "http_headers": http_headers,
    });
    if let (Some(out), serde_json::Value::Object(extra)) = (out.as_object_mut(), extra) {
        out.extend(extra);
    }
    Ok(out.to_string())
}

/// The native client; the JS `Client` class wraps it.
#[napi]
pub struct NativeClient {
    inner: Client,
}

fn spawn<'env, T, F>(env: &'env Env, cancel: Option<&CancelHandle>, fut: F) -> Result<PromiseRaw<'env, T>>
where
    T: 'static + Send + ToNapiValue,
    F: 'static + Send + std::future::Future<Output = moveworks::Result<T>>,
{
    let cancel = Cancel::from(cancel);
    env.spawn_future(async move { cancellable(cancel, fut).await.map_err(to_napi) })
}

/// Runs a blocking call without a cancel handle straight on tokio's blocking pool and
/// settles its promise from there: two thread hand-offs per call (JS thread -> pool
/// thread -> JS thread) instead of four through a tokio worker ([`spawn`]).
pub(crate) fn spawn_direct<'env, T: ToNapiValue + Send + 'static>(
    env: &'env Env,
    f: impl FnOnce() -> moveworks::Result<T> + Send + 'static,
) -> Result<PromiseRaw<'env, T>> {
    let (deferred, promise) = env.create_deferred()?;
    napi::bindgen_prelude::spawn_blocking(move || match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(value)) => deferred.resolve(move |_| Ok(value)),
        Ok(Err(e)) => deferred.reject(to_napi(e)),
        Err(_) => deferred.reject(napi::Error::from_reason("moveworks: internal panic")),
    });
    Ok(PromiseRaw::new(env.raw(), promise.raw()))
}

/// As [`spawn`] for the polling helpers: a rejection also reports the updates sent.
fn spawn_wait<'env, F>(
    env: &'env Env,
    cancel: Option<&CancelHandle>,
    updates: Arc<std::sync::atomic::AtomicU32>,
    fut: F,
) -> Result<PromiseRaw<'env, NativeValue>>
where
    F: 'static + Send + std::future::Future<Output = moveworks::Result<NativeValue>>,
{
    let cancel = Cancel::from(cancel);
    env.spawn_future(async move {
        cancellable(cancel, fut)
            .await
            .map_err(|e| to_napi_with_updates(e, Some(updates.load(std::sync::atomic::Ordering::SeqCst))))
    })
}

impl NativeClient {
    fn with(&self, options: Option<String>) -> moveworks::Result<Client> {
        match options {
            None => Ok(self.inner.clone()),
            Some(json) => self.inner.with_options(&request_options(&json)?).map_err(node_argument),
        }
    }

    /// Runs one blocking core call returning a model, as a Promise of its wire JSON and request id.
    fn call<'env, T, F>(
        &self,
        env: &'env Env,
        options: Option<String>,
        cancel: Option<&CancelHandle>,
        f: F,
    ) -> Result<PromiseRaw<'env, NativeValue>>
    where
        T: Traced + serde::Serialize,
        F: FnOnce(&Client) -> moveworks::Result<T> + Send + 'static,
    {
        let client = self.with(options);
        if cancel.is_none() {
            return spawn_direct(env, move || f(&client?).map_err(node_argument).and_then(|v| value(&v)));
        }
        spawn(env, cancel, async move {
            let client = client?;
            blocking(move || f(&client).map_err(node_argument).and_then(|v| value(&v))).await
        })
    }

    fn wait_options(
        options: Option<NativeWaitOptions>,
        cancel: Option<&CancelHandle>,
        on_update: Option<UpdateFn>,
        updates: Arc<std::sync::atomic::AtomicU32>,
    ) -> moveworks::Result<WaitOptions> {
        let o = options.unwrap_or_default();
        let mut w = WaitOptions::default();
        if let Some(d) = millis("deadlineMs", o.deadline_ms)? {
            w.deadline = d;
        }
        if let Some(d) = millis("initialIntervalMs", o.initial_interval_ms)? {
            w.initial_interval = d;
        }
        if let Some(d) = millis("maxIntervalMs", o.max_interval_ms)? {
            w.max_interval = d;
        }
        if let Some(f) = o.backoff_factor {
            w.backoff_factor = f;
        }
        w.cancel = cancel.map(|c| c.token.clone());
        w.on_update = on_update.map(|tsfn| {
            let tsfn = Arc::new(tsfn);
            let cb: moveworks::UpdateCallback = Arc::new(move |r: &Response| {
                if let Ok(s) = traced_json(r) {
                    // Counted so the JS layer can settle only after every update was delivered.
                    if tsfn.call(s, ThreadsafeFunctionCallMode::NonBlocking) == Status::Ok {
                        updates.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
                ControlFlow::Continue(())
            });
            cb
        });
        Ok(w)
    }
}

impl NativeClient {
    fn stream_options(
        options: Option<NativeStreamOptions>,
        cancel: Option<&CancelHandle>,
    ) -> moveworks::Result<StreamOptions> {
        let o = options.unwrap_or_default();
        let wait = NativeWaitOptions {
            deadline_ms: o.deadline_ms,
            initial_interval_ms: o.initial_interval_ms,
            max_interval_ms: o.max_interval_ms,
            backoff_factor: o.backoff_factor,
        };
        let mut options = StreamOptions {
            wait: Self::wait_options(Some(wait), None, None, Default::default())?,
            ..Default::default()
        };
        if let Some(d) = millis("idleTimeoutMs", o.idle_timeout_ms)? {
            options.idle_timeout = d;
        }
        options.wait.cancel = cancel.map(|c| c.token.clone());
        Ok(options)
    }
}

/// Result of a polling helper: the final response and how many updates were sent.
fn waited(response: &Response, updates: &std::sync::atomic::AtomicU32) -> moveworks::Result<NativeValue> {
    let updates = Some(updates.load(std::sync::atomic::Ordering::SeqCst));
    Ok(NativeValue { updates, ..value(response)? })
}

/// The core's client option names (snake_case), so the tests can hold `index.d.ts` to them.
#[napi]
pub fn client_option_names() -> Vec<String> {
    ClientOptions::NAMES.iter().map(|n| (*n).to_owned()).collect()
}

#[napi]
impl NativeClient {
    /// Builds a client (no request is sent) from `options_json`: the caller's options
    /// object as JSON with snake_case keys, handed unchanged to the core's `ClientOptions`
    /// (which names, checks and defaults every option).
    /// `on_log` receives this client's log records (JSON) on the JS thread, instead of
    /// the core's default (standard error when `MOVEWORKS_LOG` is set).
    #[napi(constructor)]
    pub fn new(
        options_json: String,
        binding: String,
        #[napi(ts_arg_type = "((recordJson: string) => void) | undefined | null")] on_log: Option<LogFn>,
    ) -> Result<Self> {
        Self::build(Client::builder(), &options_json, binding, on_log).map_err(to_napi)
    }

    /// Builds a client from the `MOVEWORKS_*` environment variables, then applies `options_json`.
    #[napi(factory)]
    pub fn from_env(
        options_json: String,
        binding: String,
        #[napi(ts_arg_type = "((recordJson: string) => void) | undefined | null")] on_log: Option<LogFn>,
    ) -> Result<Self> {
        (|| Self::build(Client::builder_from_env()?, &options_json, binding, on_log))().map_err(to_napi)
    }

    fn build(
        b: moveworks::ClientBuilder,
        options_json: &str,
        binding: String,
        on_log: Option<LogFn>,
    ) -> moveworks::Result<Self> {
        let options = ClientOptions::from_json(options_json)?;
        let mut b = b.options(options)?.binding(binding);
        if let Some(on_log) = on_log {
            b = b.log_sink(js_log_sink(on_log));
        }
        Ok(NativeClient { inner: b.build()? })
    }

    /// The base URL this client talks to.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// The `User-Agent` this client sends.
    #[napi(getter)]
    pub fn user_agent(&self) -> String {
        self.inner.user_agent().to_owned()
    }

    /// The core's `Client::with_options`: a client sharing this one's connections and
    /// token cache, with other per-call options (the JS `Client.withOptions`), given as
    /// the core's `RequestOptions` JSON.
    #[napi]
    pub fn with_options(&self, options_json: String) -> Result<NativeClient> {
        Ok(NativeClient { inner: self.with(Some(options_json)).map_err(to_napi)? })
    }

    /// The core's `Client::close`: releases the pooled connections; later calls fail.
    #[napi]
    pub fn close(&self) {
        self.inner.close();
    }

    /// `GET /conversations`: a ConversationPage (wire JSON and request id).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn list_conversations<'env>(
        &self,
        env: &'env Env,
        limit: Option<f64>,
        cursor: Option<String>,
        archived: Option<bool>,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let limit = whole("limit", limit);
        self.call(env, options_json, cancel, move |c| {
            c.list_conversations(&ListConversationsParams { limit: limit?, cursor, archived })
        })
    }

    /// `POST /conversations`: a Conversation (wire JSON and request id).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn create_conversation<'env>(
        &self,
        env: &'env Env,
        title: Option<String>,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        self.call(env, options_json, cancel, move |c| c.create_conversation(title.as_deref()))
    }

    /// `GET /conversations/{id}`: a Conversation (wire JSON and request id).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn get_conversation<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        self.call(env, options_json, cancel, move |c| c.get_conversation(&conversation_id))
    }

    /// `PATCH /conversations/{id}`: a Conversation (wire JSON and request id).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn update_conversation<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        title: Option<String>,
        archived: Option<bool>,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        self.call(env, options_json, cancel, move |c| {
            c.update_conversation(&conversation_id, &ConversationUpdate { title, archived })
        })
    }

    /// `GET /conversations/{id | -}/events`: an EventPage (wire JSON and request id).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    #[allow(clippy::too_many_arguments)]
    pub fn list_events<'env>(
        &self,
        env: &'env Env,
        conversation_id: Option<String>,
        starting_after: Option<String>,
        ending_at: Option<String>,
        cursor: Option<String>,
        limit: Option<f64>,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let limit = whole("limit", limit);
        self.call(env, options_json, cancel, move |c| {
            c.list_events(&ListEventsParams { conversation_id, starting_after, ending_at, cursor, limit: limit? })
        })
    }

    /// `POST /conversations/{id}/responses`: a Response (wire JSON and request id).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn create_response<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        text: String,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        self.call(env, options_json, cancel, move |c| c.create_response(&conversation_id, &text))
    }

    /// `GET /conversations/{id}/responses/{response_id}`: a Response (wire JSON and request id).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn get_response<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        response_id: String,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        self.call(env, options_json, cancel, move |c| c.get_response(&conversation_id, &response_id))
    }

    /// Polls until COMPLETED; resolves to the Response with `updates` set to the
    /// number of `on_update` calls sent (each `{"value": <wire Response>, "request_id": ...}`).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn wait_for_response<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        response_id: String,
        options: Option<NativeWaitOptions>,
        #[napi(ts_arg_type = "((updateJson: string) => void) | undefined | null")] on_update: Option<UpdateFn>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let client = self.inner.clone();
        let updates = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let wait = Self::wait_options(options, cancel, on_update, updates.clone());
        spawn_wait(env, cancel, updates.clone(), async move {
            let r = client.wait_for_response_async(&TokioRuntime, &conversation_id, &response_id, &wait?).await?;
            waited(&r, &updates)
        })
    }

    /// Creates a response and polls it until COMPLETED; resolves like `waitForResponse`.
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn create_response_and_wait<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        text: String,
        options: Option<NativeWaitOptions>,
        #[napi(ts_arg_type = "((updateJson: string) => void) | undefined | null")] on_update: Option<UpdateFn>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let client = self.inner.clone();
        let updates = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let wait = Self::wait_options(options, cancel, on_update, updates.clone());
        spawn_wait(env, cancel, updates.clone(), async move {
            let r = client.create_response_and_wait_async(&TokioRuntime, &conversation_id, &text, &wait?).await?;
            waited(&r, &updates)
        })
    }

    /// Sends a message and resolves to the open stream of its answer (the core's
    /// `Client::stream_response`); errors before the stream starts reject here.
    /// `cancel` is the turn's cancel token: cancelling it ends the stream as `cancelled`.
    #[napi(ts_return_type = "Promise<NativeResponseStream>")]
    pub fn stream_response<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        text: String,
        options: Option<NativeStreamOptions>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeResponseStream>> {
        let client = self.inner.clone();
        let options = Self::stream_options(options, cancel);
        spawn_direct(env, move || {
            let stream = client.stream_response(&conversation_id, &text, &options?)?;
            Ok(NativeResponseStream::new(stream))
        })
    }

    /// Streams a turn to its end (the core's `Client::stream_response_and_wait`), sending
    /// each event to `on_event` as `{"event": ..., "known": bool, "request_id": ...}`; resolves like `waitForResponse`.
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn stream_response_and_wait<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        text: String,
        options: Option<NativeStreamOptions>,
        #[napi(ts_arg_type = "((eventJson: string) => void) | undefined | null")] on_event: Option<UpdateFn>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let client = self.inner.clone();
        let updates = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let options = Self::stream_options(options, cancel);
        let sent = updates.clone();
        // No race against the cancel handle here: the core notices its token within
        // ~20 ms, also mid-read, and its `cancelled` error names the response.
        spawn_wait(env, None, updates.clone(), async move {
            blocking(move || {
                let mut on_event = |event: &StreamEvent| {
                    if let (Some(tsfn), Ok(s)) = (&on_event, event_json(event, json!({}))) {
                        // Counted so the JS layer can settle only after every event was delivered.
                        if tsfn.call(s, ThreadsafeFunctionCallMode::NonBlocking) == Status::Ok {
                            sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                    }
                    ControlFlow::Continue(())
                };
                let r = client.stream_response_and_wait(&conversation_id, &text, &options?, &mut on_event)?;
                waited(&r, &sent)
            })
            .await
        })
    }

    /// A lazy pager over conversations (the core's iterator, one page per `nextPage`).
    #[napi]
    pub fn iter_conversations(
        &self,
        limit: Option<f64>,
        archived: Option<bool>,
        cursor: Option<String>,
    ) -> Result<NativePager> {
        let limit = whole("limit", limit).map_err(to_napi)?;
        Ok(NativePager::new(self.inner.iter_conversations(ListConversationsParams { limit, cursor, archived })))
    }

    /// A lazy pager over events.
    #[napi]
    pub fn iter_events(
        &self,
        conversation_id: Option<String>,
        starting_after: Option<String>,
        ending_at: Option<String>,
        limit: Option<f64>,
        cursor: Option<String>,
    ) -> Result<NativePager> {
        let limit = whole("limit", limit).map_err(to_napi)?;
        let it = self.inner.iter_events(ListEventsParams { conversation_id, starting_after, ending_at, cursor, limit });
        Ok(NativePager::new(it))
    }

    /// `GET /conversations/{id}/messages`: a MessagePage (newest first).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn list_messages<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        cursor: Option<String>,
        limit: Option<f64>,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let limit = whole("limit", limit);
        self.call(env, options_json, cancel, move |c| {
            c.list_messages(&ListMessagesParams { conversation_id, cursor, limit: limit? })
        })
    }

    /// A lazy pager over a conversation's messages, newest first.
    #[napi]
    pub fn iter_messages(
        &self,
        conversation_id: String,
        limit: Option<f64>,
        cursor: Option<String>,
    ) -> Result<NativePager> {
        let limit = whole("limit", limit).map_err(to_napi)?;
        Ok(NativePager::new(self.inner.iter_messages(ListMessagesParams { conversation_id, cursor, limit })))
    }

    /// `GET /conversations/{id}/responses/{response_id}/messages`: a MessagePage.
    #[napi(ts_return_type = "Promise<NativeValue>")]
    #[allow(clippy::too_many_arguments)]
    pub fn list_response_messages<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        response_id: String,
        cursor: Option<String>,
        limit: Option<f64>,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let limit = whole("limit", limit);
        self.call(env, options_json, cancel, move |c| {
            c.list_response_messages(&ListResponseMessagesParams {
                conversation_id,
                response_id,
                cursor,
                limit: limit?,
            })
        })
    }

    /// A lazy pager over one response's messages.
    #[napi]
    pub fn iter_response_messages(
        &self,
        conversation_id: String,
        response_id: String,
        limit: Option<f64>,
        cursor: Option<String>,
    ) -> Result<NativePager> {
        let limit = whole("limit", limit).map_err(to_napi)?;
        let params = ListResponseMessagesParams { conversation_id, response_id, cursor, limit };
        Ok(NativePager::new(self.inner.iter_response_messages(params)))
    }

    /// `POST /conversations/{id}/responses/{response_id}/messages/{message_id}/feedback`:
    /// a FeedbackResult (the core's `Client::submit_feedback`, which checks the arguments).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    #[allow(clippy::too_many_arguments)]
    pub fn submit_feedback<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        response_id: String,
        message_id: String,
        callback_id: String,
        additional_feedback: Option<String>,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        self.call(env, options_json, cancel, move |c| {
            c.submit_feedback(&conversation_id, &response_id, &message_id, &callback_id, additional_feedback.as_deref())
        })
    }
}

/// What a stream shares with the pool threads running its steps.
struct StreamShared {
    stream: Mutex<ResponseStream>,
    /// The stream's own cancel handle (the core's `canceller`), readable while a step runs.
    token: CancelToken,
    /// Set by `close`; a step running meanwhile closes the stream when it returns.
    closed: std::sync::atomic::AtomicBool,
    /// The response id as of the last step, readable while a step runs.
    response_id: Mutex<Option<String>>,
}

impl StreamShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, ResponseStream> {
        self.stream.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A streamed turn (the core's `ResponseStream`); the JS `ResponseStream` async iterable wraps it.
#[napi]
pub struct NativeResponseStream {
    shared: Arc<StreamShared>,
    request_id: Option<String>,
}

impl NativeResponseStream {
    fn new(stream: ResponseStream) -> Self {
        let token = stream.canceller();
        let request_id = stream.request_id().map(str::to_owned);
        let response_id = Mutex::new(stream.response_id().map(str::to_owned));
        let closed = Default::default();
        NativeResponseStream {
            shared: Arc::new(StreamShared { stream: Mutex::new(stream), token, closed, response_id }),
            request_id,
        }
    }
}

#[napi]
impl NativeResponseStream {
    /// The next event as `{"event": <StreamEvent wire JSON>, "known": bool, "response_id": string | null,
    /// "succeeded": bool}` (`succeeded`: the turn ended with this event and has its final response),
    /// or null once the turn is over; rejects once with the error a failed turn ends with.
    /// Runs on tokio's blocking pool: it blocks until the event arrives.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Option<String>>> {
        let shared = self.shared.clone();
        spawn_direct(env, move || {
            let mut stream = shared.lock();
            if shared.is_closed() {
                stream.close();
            }
            let step = stream.next();
            if shared.is_closed() {
                stream.close();
            }
            let response_id = stream.response_id().map(str::to_owned);
            *shared.response_id.lock().unwrap_or_else(|p| p.into_inner()) = response_id.clone();
            match step {
                None => Ok(None),
                Some(Err(e)) => Err(e),
                Some(Ok(event)) => {
                    let extra = json!({ "response_id": response_id, "succeeded": stream.response().is_some() });
                    event_json(&event, extra).map(Some)
                }
            }
        })
    }

    /// Ends the stream now (the core's `ResponseStream::close`): its connection is closed at
    /// once, or, while a `next` is blocked, as soon as the cancelled read returns (~20 ms).
    /// A turn that already ended keeps its outcome. Idempotent.
    #[napi]
    pub fn close(&self) {
        self.shared.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        match self.shared.stream.try_lock() {
            Ok(mut stream) => stream.close(),
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().close(),
            Err(std::sync::TryLockError::WouldBlock) => {
                // A step is blocked in a read: interrupt it; it closes the stream on return.
                // Closing from the pool as well covers a step that was just returning.
                self.shared.token.cancel();
                let shared = self.shared.clone();
                drop(napi::bindgen_prelude::spawn_blocking(move || shared.lock().close()));
            }
        }
    }

    /// The response's id, once the server named it.
    #[napi(getter)]
    pub fn response_id(&self) -> Option<String> {
        self.shared.response_id.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The `x-moveworks-root-uuid` of the streaming request.
    #[napi(getter)]
    pub fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }
}

/// One step of a pager: the next page, `None` after the last.
type NextPage = Box<dyn FnMut() -> moveworks::Result<Option<NativeValue>> + Send>;

/// Follows cursors with the core's page iterator (any list); used by the JS async iterables.
#[napi]
pub struct NativePager {
    inner: Arc<Mutex<NextPage>>,
}

impl NativePager {
    fn new<S>(mut pages: PageIter<S>) -> Self
    where
        S: PageSource + Send + 'static,
        S::Page: Traced + serde::Serialize,
        <S::Page as moveworks::Page>::Item: Send,
    {
        let next: NextPage = Box::new(move || pages.next_page().transpose()?.map(|page| value(&page)).transpose());
        NativePager { inner: Arc::new(Mutex::new(next)) }
    }
}

#[napi]
impl NativePager {
    /// The next page (`{"conversations"|"events"|"messages": [...], "metadata": {...}}` and
    /// its request id), or null after the last. Without `cancel` it runs straight on
    /// tokio's blocking pool, like the calls.
    #[napi(ts_return_type = "Promise<NativeValue | null>")]
    pub fn next_page<'env>(
        &self,
        env: &'env Env,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, Option<NativeValue>>> {
        let inner = self.inner.clone();
        let step = move || (*inner.lock().unwrap_or_else(|p| p.into_inner()))();
        if cancel.is_none() {
            return spawn_direct(env, step);
        }
        spawn(env, cancel, async move { blocking(step).await })
    }
}

/// Every core error kind string, in the core's order (the JS layer builds its class table from it).
#[napi]
pub fn error_kinds() -> Vec<String> {
    ErrorKind::ALL.iter().map(|k| k.as_str().to_owned()).collect()
}

/// Decodes a model the JS layer passed back as wire JSON (from `toWire`);
/// anything else is `invalid_argument` naming `argument`.
fn parse<T: serde::de::DeserializeOwned>(argument: &str, what: &str, wire_json: &str) -> Result<T> {
    serde_json::from_str(wire_json)
        .map_err(|e| to_napi(moveworks::Error::invalid_argument(argument, format_args!("is not a {what} ({e})"))))
}

fn parse_response(wire_json: &str) -> Result<Response> {
    parse("response", "Response", wire_json)
}

/// Positions in `response.outputs` of the items `picked` (by the core's helper) refers to,
/// so the JS layer returns the very objects the caller already holds.
fn output_indexes<'a, T: 'a>(
    response: &'a Response,
    picked: impl Iterator<Item = &'a T>,
    inner: impl Fn(&'a OutputItem) -> Option<&'a T>,
) -> Vec<u32> {
    let picked: Vec<&T> = picked.collect();
    let positions = response.outputs.iter().enumerate();
    positions
        .filter(|(_, o)| inner(o).is_some_and(|m| picked.iter().any(|p| std::ptr::eq(*p, m))))
        .map(|(i, _)| i as u32)
        .collect()
}

/// The core's `assistant_text` helper on a Response given as wire JSON.
#[napi]
pub fn assistant_text(response_json: String) -> Result<Option<String>> {
    Ok(parse_response(&response_json)?.assistant_text())
}

/// Indexes into `outputs` of the core's `assistant_messages()` (final messages written by the assistant).
#[napi]
pub fn assistant_message_indexes(response_json: String) -> Result<Vec<u32>> {
    let r = parse_response(&response_json)?;
    Ok(output_indexes(&r, r.assistant_messages(), |o| match o {
        OutputItem::Message { message } => Some(message),
        _ => None,
    }))
}

/// Indexes into `outputs` of the core's `reasoning_messages()`.
#[napi]
pub fn reasoning_message_indexes(response_json: String) -> Result<Vec<u32>> {
    let r = parse_response(&response_json)?;
    Ok(output_indexes(&r, r.reasoning_messages(), |o| match o {
        OutputItem::ReasoningMessage { reasoning_message } => Some(reasoning_message),
        _ => None,
    }))
}

/// The core's `Message::text_with_citation_markers` on a Message given as wire JSON.
#[napi]
pub fn text_with_citation_markers(message_json: String) -> Result<String> {
    Ok(parse::<Message>("message", "Message", &message_json)?.text_with_citation_markers())
}

/// The core's `Message::text` (unknown content types read best-effort) on a Message given as wire JSON.
#[napi]
pub fn message_text(message_json: String) -> Result<String> {
    Ok(parse::<Message>("message", "Message", &message_json)?.text())
}

/// The core's `Content::text` (known content types only) on a Content given as wire JSON.
#[napi]
pub fn content_text(content_json: String) -> Result<Option<String>> {
    Ok(parse::<Content>("content", "Content", &content_json)?.text().map(str::to_owned))
}

/// The core's `Content::text_lossy` (also reads unknown types of the usual shape) on a Content given as wire JSON.
#[napi]
pub fn content_text_lossy(content_json: String) -> Result<Option<String>> {
    Ok(parse::<Content>("content", "Content", &content_json)?.text_lossy())
}

/// The `type` values of each tagged union that the core decodes into a known variant.
#[napi(object)]
pub struct KnownTypeNames {
    /// `Content` types.
    pub content: Vec<String>,
    /// `OutputItem` types.
    pub output_item: Vec<String>,
    /// `EventPayload` types.
    pub event_payload: Vec<String>,
    /// Stream event names (`StreamEvent::KNOWN`); every other name arrives as the unknown event.
    pub stream_event: Vec<String>,
}

/// The core's lists of known tagged-union types and stream event names; the JS layer shapes every other type as its unknown variant.
#[napi]
pub fn known_type_names() -> KnownTypeNames {
    let owned = |known: &[&str]| known.iter().map(|t| (*t).to_owned()).collect();
    KnownTypeNames {
        content: owned(Content::KNOWN),
        output_item: owned(OutputItem::KNOWN),
        event_payload: owned(EventPayload::KNOWN),
        stream_event: owned(StreamEvent::KNOWN),
    }
}

/// The core SDK version.
#[napi]
pub fn core_version() -> String {
    moveworks::VERSION.to_owned()
}
