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
//! - polling waits are tokio timers ([`TokioRuntime`]), so a waiting poll holds no thread.
//!
//! Models cross as wire JSON strings produced by the core's serializer; the JS
//! layer turns them into camelCase objects with `Date`s. Errors reject with a
//! message that is [`ERROR_MARKER`] followed by the error's fields as JSON.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moveworks::{
    AsyncRuntime, CancelToken, Client, ClientOptions, Content, ConversationIter, ConversationUpdate, ErrorKind,
    EventIter, EventPayload, ListConversationsParams, ListEventsParams, Message, OutputItem, RequestOptions, Response,
    WaitOptions,
};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::json;
use tokio::sync::watch;

/// Prefix of the message of every error this addon rejects with; the JS layer
/// parses the JSON after it into the matching `MoveworksError` subclass.
pub const ERROR_MARKER: &str = "\u{0}moveworks-error:";

/// Converts a core error into a napi error carrying all its fields as JSON.
fn to_napi(e: moveworks::Error) -> napi::Error {
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

/// Per-call overrides of the client's limits.
#[napi(object)]
#[derive(Default, Clone)]
pub struct NativeCallOptions {
    /// Per-attempt timeout in ms.
    pub timeout_ms: Option<f64>,
    /// Whole-call deadline in ms.
    pub deadline_ms: Option<f64>,
    /// Retries after the first attempt.
    pub max_retries: Option<f64>,
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
fn spawn_direct<'env>(
    env: &'env Env,
    f: impl FnOnce() -> moveworks::Result<String> + Send + 'static,
) -> Result<PromiseRaw<'env, String>> {
    let (deferred, promise) = env.create_deferred()?;
    napi::bindgen_prelude::spawn_blocking(move || match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(json)) => deferred.resolve(move |_| Ok(json)),
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
) -> Result<PromiseRaw<'env, String>>
where
    F: 'static + Send + std::future::Future<Output = moveworks::Result<String>>,
{
    let cancel = Cancel::from(cancel);
    env.spawn_future(async move {
        cancellable(cancel, fut)
            .await
            .map_err(|e| to_napi_with_updates(e, Some(updates.load(std::sync::atomic::Ordering::SeqCst))))
    })
}

impl NativeClient {
    fn with(&self, options: Option<NativeCallOptions>) -> moveworks::Result<Client> {
        match options {
            None => Ok(self.inner.clone()),
            Some(o) => self.inner.with_options(&RequestOptions {
                timeout: millis("timeoutMs", o.timeout_ms)?,
                deadline: millis("deadlineMs", o.deadline_ms)?,
                max_retries: whole("maxRetries", o.max_retries)?,
            }),
        }
    }

    /// Runs one blocking core call returning a serializable model, as a Promise of wire JSON.
    fn call<'env, T, F>(
        &self,
        env: &'env Env,
        options: Option<NativeCallOptions>,
        cancel: Option<&CancelHandle>,
        f: F,
    ) -> Result<PromiseRaw<'env, String>>
    where
        T: serde::Serialize,
        F: FnOnce(&Client) -> moveworks::Result<T> + Send + 'static,
    {
        let client = self.with(options);
        if cancel.is_none() {
            return spawn_direct(env, move || f(&client?).and_then(|v| wire(&v)));
        }
        spawn(env, cancel, async move {
            let client = client?;
            blocking(move || f(&client).and_then(|v| wire(&v))).await
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
                if let Ok(s) = serde_json::to_string(r) {
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

/// Result of a polling helper: the final response and how many updates were sent.
fn waited(response: &Response, updates: &std::sync::atomic::AtomicU32) -> moveworks::Result<String> {
    let r: serde_json::Value = serde_json::from_str(&wire(response)?).unwrap_or_default();
    Ok(json!({ "response": r, "updates": updates.load(std::sync::atomic::Ordering::SeqCst) }).to_string())
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
    #[napi(constructor)]
    pub fn new(options_json: String, binding: String) -> Result<Self> {
        Self::build(Client::builder(), &options_json, binding).map_err(to_napi)
    }

    /// Builds a client from the `MOVEWORKS_*` environment variables, then applies `options_json`.
    #[napi(factory)]
    pub fn from_env(options_json: String, binding: String) -> Result<Self> {
        (|| Self::build(Client::builder_from_env()?, &options_json, binding))().map_err(to_napi)
    }

    fn build(b: moveworks::ClientBuilder, options_json: &str, binding: String) -> moveworks::Result<Self> {
        let options = ClientOptions::from_json(options_json)?;
        Ok(NativeClient { inner: b.options(options)?.binding(binding).build()? })
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
    /// token cache, with other per-call limits (the JS `Client.withOptions`).
    #[napi]
    pub fn with_options(&self, options: NativeCallOptions) -> Result<NativeClient> {
        Ok(NativeClient { inner: self.with(Some(options)).map_err(to_napi)? })
    }

    /// The core's `Client::close`: releases the pooled connections; later calls fail.
    #[napi]
    pub fn close(&self) {
        self.inner.close();
    }

    /// `GET /conversations`: a ConversationPage as wire JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn list_conversations<'env>(
        &self,
        env: &'env Env,
        limit: Option<f64>,
        cursor: Option<String>,
        archived: Option<bool>,
        options: Option<NativeCallOptions>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, String>> {
        let limit = whole("limit", limit);
        self.call(env, options, cancel, move |c| {
            c.list_conversations(&ListConversationsParams { limit: limit?, cursor, archived })
        })
    }

    /// `POST /conversations`: a Conversation as wire JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn create_conversation<'env>(
        &self,
        env: &'env Env,
        title: Option<String>,
        options: Option<NativeCallOptions>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, String>> {
        self.call(env, options, cancel, move |c| c.create_conversation(title.as_deref()))
    }

    /// `GET /conversations/{id}`: a Conversation as wire JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn get_conversation<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        options: Option<NativeCallOptions>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, String>> {
        self.call(env, options, cancel, move |c| c.get_conversation(&conversation_id))
    }

    /// `PATCH /conversations/{id}`: a Conversation as wire JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn update_conversation<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        title: Option<String>,
        archived: Option<bool>,
        options: Option<NativeCallOptions>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, String>> {
        self.call(env, options, cancel, move |c| {
            c.update_conversation(&conversation_id, &ConversationUpdate { title, archived })
        })
    }

    /// `GET /conversations/{id | -}/events`: an EventPage as wire JSON.
    #[napi(ts_return_type = "Promise<string>")]
    #[allow(clippy::too_many_arguments)]
    pub fn list_events<'env>(
        &self,
        env: &'env Env,
        conversation_id: Option<String>,
        starting_after: Option<String>,
        ending_at: Option<String>,
        cursor: Option<String>,
        limit: Option<f64>,
        options: Option<NativeCallOptions>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, String>> {
        let limit = whole("limit", limit);
        self.call(env, options, cancel, move |c| {
            c.list_events(&ListEventsParams { conversation_id, starting_after, ending_at, cursor, limit: limit? })
        })
    }

    /// `POST /conversations/{id}/responses`: a Response as wire JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn create_response<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        text: String,
        options: Option<NativeCallOptions>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, String>> {
        self.call(env, options, cancel, move |c| c.create_response(&conversation_id, &text))
    }

    /// `GET /conversations/{id}/responses/{response_id}`: a Response as wire JSON.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn get_response<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        response_id: String,
        options: Option<NativeCallOptions>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, String>> {
        self.call(env, options, cancel, move |c| c.get_response(&conversation_id, &response_id))
    }

    /// Polls until COMPLETED; resolves to `{"response": <wire Response>, "updates": n}`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn wait_for_response<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        response_id: String,
        options: Option<NativeWaitOptions>,
        #[napi(ts_arg_type = "((responseJson: string) => void) | undefined | null")] on_update: Option<UpdateFn>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, String>> {
        let client = self.inner.clone();
        let updates = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let wait = Self::wait_options(options, cancel, on_update, updates.clone());
        spawn_wait(env, cancel, updates.clone(), async move {
            let r = client.wait_for_response_async(&TokioRuntime, &conversation_id, &response_id, &wait?).await?;
            waited(&r, &updates)
        })
    }

    /// Creates a response and polls it until COMPLETED; resolves like `waitForResponse`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn create_response_and_wait<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        text: String,
        options: Option<NativeWaitOptions>,
        #[napi(ts_arg_type = "((responseJson: string) => void) | undefined | null")] on_update: Option<UpdateFn>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, String>> {
        let client = self.inner.clone();
        let updates = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let wait = Self::wait_options(options, cancel, on_update, updates.clone());
        spawn_wait(env, cancel, updates.clone(), async move {
            let r = client.create_response_and_wait_async(&TokioRuntime, &conversation_id, &text, &wait?).await?;
            waited(&r, &updates)
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
        let it = self.inner.iter_conversations(ListConversationsParams { limit, cursor, archived });
        Ok(NativePager { inner: Arc::new(Mutex::new(Pages::Conversations(it))) })
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
        Ok(NativePager { inner: Arc::new(Mutex::new(Pages::Events(it))) })
    }
}

enum Pages {
    Conversations(ConversationIter),
    Events(EventIter),
}

/// Follows cursors with the core's page iterator; used by the JS async iterables.
#[napi]
pub struct NativePager {
    inner: Arc<Mutex<Pages>>,
}

#[napi]
impl NativePager {
    /// The next page as wire JSON (`{"conversations"|"events": [...], "metadata": {...}}`), or null after the last.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next_page<'env>(
        &self,
        env: &'env Env,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, Option<String>>> {
        let inner = self.inner.clone();
        spawn(env, cancel, async move {
            blocking(move || {
                let mut pages = inner.lock().unwrap_or_else(|p| p.into_inner());
                match &mut *pages {
                    Pages::Conversations(it) => match it.next_page() {
                        None => Ok(None),
                        Some(r) => {
                            let (items, next_cursor) = r?;
                            let page = moveworks::ConversationPage { conversations: items, next_cursor };
                            wire(&page).map(Some)
                        }
                    },
                    Pages::Events(it) => match it.next_page() {
                        None => Ok(None),
                        Some(r) => {
                            let (items, next_cursor) = r?;
                            wire(&moveworks::EventPage { events: items, next_cursor }).map(Some)
                        }
                    },
                }
            })
            .await
        })
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
}

/// The core's lists of known tagged-union types; the JS layer shapes every other type as its unknown variant.
#[napi]
pub fn known_type_names() -> KnownTypeNames {
    let owned = |known: &[&str]| known.iter().map(|t| (*t).to_owned()).collect();
    KnownTypeNames {
        content: owned(Content::KNOWN),
        output_item: owned(OutputItem::KNOWN),
        event_payload: owned(EventPayload::KNOWN),
    }
}

/// The core SDK version.
#[napi]
pub fn core_version() -> String {
    moveworks::VERSION.to_owned()
}
