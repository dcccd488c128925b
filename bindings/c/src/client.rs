//! The client, its builder, the API's endpoints, polling and iteration.

use std::ffi::{c_char, c_void};
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use moveworks::{
    CancelToken, Client, ClientBuilder, ClientOptions, ConversationIter, ConversationPage, ConversationUpdate, Error,
    EventIter, EventPage, Input, ListConversationsParams, ListEventsParams, ListMessagesParams,
    ListResponseMessagesParams, Message, MessageIter, MessagePage, RequestOptions, Response, ResponseMessageIter,
    WaitOptions,
};

use crate::error::{guard, guard_plain, mw_error, mw_status};
use crate::models::{
    mw_conversation, mw_conversation_page, mw_event, mw_event_page, mw_feedback_result, mw_message, mw_message_page,
    mw_response,
};
use crate::util::{
    alloc_string, arg_str, borrow, borrow_mut, borrowed, free_handle, from_json, into_handle, opt_str, out, Handle,
};

/// Collects client settings; build an mw_client from it with mw_client_builder_build().
/// Owned; free with mw_client_builder_free(). Setters fail only with MW_INVALID_ARGUMENT
/// (NULL builder, NULL or non-UTF-8 string); the values themselves are checked by
/// mw_client_builder_build(), which reports the offending argument.
pub struct mw_client_builder {
    _private: [u8; 0],
}

/// A client of the Moveworks Conversations API. Owned; free with mw_client_free().
///
/// THREAD SAFETY: one mw_client may be used from many threads at once; every call
/// blocks only its own thread. Clients made with mw_client_with_options() share the
/// connection pool and OAuth token cache of their parent.
pub struct mw_client {
    _private: [u8; 0],
}

/// Lets another thread stop a wait. Owned; free with mw_cancel_token_free() once no
/// wait uses it. mw_cancel_token_cancel() may be called from any thread.
pub struct mw_cancel_token {
    _private: [u8; 0],
}

/// Follows cursors over every conversation of a listing. Owned; free with
/// mw_conversation_iter_free(). Use from one thread at a time.
pub struct mw_conversation_iter {
    _private: [u8; 0],
}

/// Follows cursors over every event of a listing. Owned; free with
/// mw_event_iter_free(). Use from one thread at a time.
pub struct mw_event_iter {
    _private: [u8; 0],
}

/// Follows cursors over every message of a listing (mw_client_iter_messages() or
/// mw_client_iter_response_messages()). Owned; free with mw_message_iter_free().
/// Use from one thread at a time.
pub struct mw_message_iter {
    _private: [u8; 0],
}

/// The core's two message iterators behind the one C iterator type.
pub(crate) enum MessageIters {
    Conversation(MessageIter),
    Response(ResponseMessageIter),
}

impl MessageIters {
    fn next(&mut self) -> Option<Result<Message, Error>> {
        match self {
            MessageIters::Conversation(it) => it.next(),
            MessageIters::Response(it) => it.next(),
        }
    }

    fn next_page(&mut self) -> Option<Result<MessagePage, Error>> {
        match self {
            MessageIters::Conversation(it) => it.next_page(),
            MessageIters::Response(it) => it.next_page(),
        }
    }
}

impl Handle for mw_client_builder {
    type Inner = ClientBuilder;
}
impl Handle for mw_client {
    type Inner = Client;
}
impl Handle for mw_cancel_token {
    type Inner = CancelToken;
}
impl Handle for mw_conversation_iter {
    type Inner = ConversationIter;
}
impl Handle for mw_event_iter {
    type Inner = EventIter;
}
impl Handle for mw_message_iter {
    type Inner = MessageIters;
}

/// Called while polling whenever the response's status or outputs change.
/// `response` is borrowed for the duration of the call only. Return true to keep
/// waiting, false to stop (the wait then returns MW_CANCELLED). It runs on the
/// thread that called the wait. It must not unwind (no C++ exceptions through it).
pub type mw_update_callback =
    Option<unsafe extern "C" fn(response: *const mw_response, user_data: *mut c_void) -> bool>;

/// How mw_client_wait_for_response() and mw_client_create_response_and_wait() poll.
/// Always start from mw_wait_options_init(), which sets the core's defaults; a
/// NULL options pointer means those defaults.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct mw_wait_options {
    /// Delay before the second poll, in ms (default 250).
    pub initial_interval_ms: u64,
    /// Each delay is the previous one times this (default 1.5; at least 1).
    pub backoff_factor: f64,
    /// Longest delay between polls, in ms (default 2000).
    pub max_interval_ms: u64,
    /// Give up with MW_POLL_TIMEOUT after this long, in ms (default 120000).
    pub deadline_ms: u64,
    /// Optional cancel token (borrowed for the duration of the wait), or NULL.
    pub cancel: *const mw_cancel_token,
    /// Optional update callback, or NULL.
    pub on_update: mw_update_callback,
    /// Passed unchanged to `on_update`.
    pub user_data: *mut c_void,
}

/// Argument value meaning "not set" for the `int64_t limit` of the list functions.
pub const MW_LIMIT_DEFAULT: i64 = -1;
/// `archived` argument value: leave unset (server default / unchanged).
pub const MW_ARCHIVED_UNSET: i32 = -1;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// Maps the C `int64_t limit` (negative = not set) to the core's parameter.
fn limit_of(v: i64) -> Option<u32> {
    // Out-of-range values stay out of range so the core rejects them with argument "limit".
    (v >= 0).then(|| u32::try_from(v).unwrap_or(u32::MAX))
}

/// Maps the C tri-state `archived` (negative = not set, 0 = false, other = true).
fn tristate(v: i32) -> Option<bool> {
    (v >= 0).then_some(v != 0)
}

// ---- builder -------------------------------------------------------------------------

/// A new builder with the core's defaults. `*out` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_new(out_builder: *mut *mut mw_client_builder) -> mw_status {
    guard_plain(|| {
        let o = out(out_builder, "out_builder")?;
        *o = into_handle::<mw_client_builder>(Client::builder().binding("c"));
        Ok(())
    })
}

/// A new builder filled from the MOVEWORKS_* environment variables (MOVEWORKS_BASE_URL,
/// MOVEWORKS_ASSISTANT_NAME, MOVEWORKS_TOKEN or MOVEWORKS_CLIENT_ID + MOVEWORKS_CLIENT_SECRET,
/// MOVEWORKS_TOKEN_URL). `*out` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_from_env(
    out_builder: *mut *mut mw_client_builder,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let o = out(out_builder, "out_builder")?;
        *o = into_handle::<mw_client_builder>(Client::builder_from_env()?.binding("c"));
        Ok(())
    })
}

/// Frees a builder. NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_free(builder: *mut mw_client_builder) {
    free_handle(builder)
}

/// Applies `f` to the builder in place.
unsafe fn update(
    builder: *mut mw_client_builder,
    f: impl FnOnce(ClientBuilder) -> Result<ClientBuilder, Error>,
) -> mw_status {
    guard_plain(|| {
        let b = borrow_mut(builder, "builder")?;
        *b = f(b.clone())?;
        Ok(())
    })
}

/// API base URL (default https://api.moveworks.ai/rest/v1). https, or http to a loopback host.
/// A path ending in /rest/v1 or /rest/v1beta1 names the API generation; a bare origin
/// gets the generation's path appended (see `api_version` of mw_client_builder_set()).
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_base_url(builder: *mut mw_client_builder, url: *const c_char) -> mw_status {
    update(builder, |b| Ok(b.base_url(arg_str(url, "base_url")?)))
}

/// The assistant name configured for your organization (required).
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_assistant_name(
    builder: *mut mw_client_builder,
    name: *const c_char,
) -> mw_status {
    update(builder, |b| Ok(b.assistant_name(arg_str(name, "assistant_name")?)))
}

/// Authenticate with a bearer token you manage yourself.
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_bearer_token(
    builder: *mut mw_client_builder,
    token: *const c_char,
) -> mw_status {
    update(builder, |b| Ok(b.bearer_token(arg_str(token, "token")?)))
}

/// Authenticate with OAuth client credentials; tokens are fetched, cached and refreshed for you.
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_client_credentials(
    builder: *mut mw_client_builder,
    client_id: *const c_char,
    client_secret: *const c_char,
) -> mw_status {
    update(builder, |b| {
        Ok(b.client_credentials(arg_str(client_id, "client_id")?, arg_str(client_secret, "client_secret")?))
    })
}

/// OAuth token URL (default: the base URL's origin + /oauth/v1/token).
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_token_url(builder: *mut mw_client_builder, url: *const c_char) -> mw_status {
    update(builder, |b| Ok(b.token_url(arg_str(url, "token_url")?)))
}

/// Time allowed to establish a connection, in ms (default 10000).
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_connect_timeout_ms(
    builder: *mut mw_client_builder,
    timeout_ms: u64,
) -> mw_status {
    update(builder, |b| Ok(b.connect_timeout(ms(timeout_ms))))
}

/// Time allowed for one attempt, body included, in ms (default 30000).
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_timeout_ms(builder: *mut mw_client_builder, timeout_ms: u64) -> mw_status {
    update(builder, |b| Ok(b.timeout(ms(timeout_ms))))
}

/// Time allowed for a whole call, all retries included, in ms (default 120000).
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_deadline_ms(builder: *mut mw_client_builder, deadline_ms: u64) -> mw_status {
    update(builder, |b| Ok(b.deadline(ms(deadline_ms))))
}

/// Retries after the first attempt (default 2; 0 disables retries).
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_max_retries(builder: *mut mw_client_builder, max_retries: u32) -> mw_status {
    update(builder, |b| Ok(b.max_retries(max_retries)))
}

/// Idle connections kept per host for reuse (default 32).
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_max_idle_connections(
    builder: *mut mw_client_builder,
    n: usize,
) -> mw_status {
    update(builder, |b| Ok(b.max_idle_connections(n)))
}

/// Largest response body accepted, in bytes (default 16 MiB).
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_max_response_bytes(builder: *mut mw_client_builder, n: u64) -> mw_status {
    update(builder, |b| Ok(b.max_response_bytes(n)))
}

/// Allows plain http base and token URLs for hosts that are not loopback (default false:
/// refused at build time). Only for testing, or behind a trusted proxy: over plain http
/// the token and client secret travel unencrypted. Loopback hosts may always use http.
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_allow_insecure_http(
    builder: *mut mw_client_builder,
    allow: bool,
) -> mw_status {
    update(builder, |b| Ok(b.allow_insecure_http(allow)))
}

/// Sets any client option by its core name and a textual value: the one entry point
/// that reaches every option (the README's options table), including those without a
/// dedicated setter, e.g. `mw_client_builder_set(b, "user_agent_suffix", "acme/2.1", &err)`.
/// Numbers and booleans are written as text ("5000", "true"); durations as `<name>_ms`
/// (milliseconds) or `<name>` (seconds, e.g. "2.5").
///
/// `api_version`: "v1" (the default, rest/v1) or "v1beta1" (the deprecated beta); a base
/// URL whose path names the other generation is refused as "api_version/base_url".
///
/// The network options: `tls_roots` ("platform", the default: the OS trust store plus
/// SSL_CERT_FILE/SSL_CERT_DIR; "webpki"; "custom-only"), `ca_certificates` (extra roots: a
/// PEM file path or PEM text, e.g. a TLS-inspecting proxy's root), `client_certificate` and
/// `client_key` (mutual TLS, PEM path or text), `proxy` (an http://, https:// or socks5://
/// URL, credentials allowed and never shown) and `proxy_from_env` ("true", the default:
/// HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY as curl reads them; "false" ignores them).
///
/// Fails with MW_INVALID_ARGUMENT, `*out_error` naming `key`, for an unknown key or a
/// value of the wrong type; the values themselves (and the credential rule: a token
/// with client credentials is refused as "token/client_credentials") are checked by
/// mw_client_builder_build(). On failure the builder is unchanged.
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_set(
    builder: *mut mw_client_builder,
    key: *const c_char,
    value: *const c_char,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let b = borrow_mut(builder, "builder")?;
        let key = arg_str(key, "key")?;
        let value = arg_str(value, key)?;
        let mut options = ClientOptions::default();
        options.set(key, value)?;
        *b = b.clone().options(options)?;
        Ok(())
    })
}

/// Checks the configuration and builds a client; no request is sent. The builder
/// stays valid (and must still be freed). `*out_client` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_builder_build(
    builder: *const mw_client_builder,
    out_client: *mut *mut mw_client,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let b = borrow(builder, "builder")?;
        let o = out(out_client, "out_client")?;
        *o = into_handle::<mw_client>(b.clone().build()?);
        Ok(())
    })
}

// ---- client ------------------------------------------------------------------------------

/// Frees a client. NULL is allowed. No call may be running on it.
#[no_mangle]
pub unsafe extern "C" fn mw_client_free(client: *mut mw_client) {
    free_handle(client)
}

/// Closes a client without freeing it: its pooled connections are released now, and
/// later calls on it and on the clients mw_client_with_options() made from it fail with
/// MW_INVALID_ARGUMENT (argument "client") before sending anything. Idempotent.
/// Calls already running finish. Free it with mw_client_free() as usual.
#[no_mangle]
pub unsafe extern "C" fn mw_client_close(client: *const mw_client) -> mw_status {
    guard_plain(|| {
        borrow(client, "client")?.close();
        Ok(())
    })
}

/// A new client sharing `client`'s connection pool and token cache, with per-call
/// overrides: `timeout_ms` / `deadline_ms` of 0 and a negative `max_retries` keep
/// `client`'s value. `*out_client` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_with_options(
    client: *const mw_client,
    timeout_ms: u64,
    deadline_ms: u64,
    max_retries: i64,
    out_client: *mut *mut mw_client,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let c = borrow(client, "client")?;
        let o = out(out_client, "out_client")?;
        let options = RequestOptions {
            timeout: (timeout_ms > 0).then(|| ms(timeout_ms)),
            deadline: (deadline_ms > 0).then(|| ms(deadline_ms)),
            max_retries: (max_retries >= 0).then(|| u32::try_from(max_retries).unwrap_or(u32::MAX)),
            ..RequestOptions::default()
        };
        *o = into_handle::<mw_client>(c.with_options(&options)?);
        Ok(())
    })
}

/// A new client sharing `client`'s connection pool and token cache, with the per-call
/// options of `options_json`, a JSON object with any of: `"timeout_ms"`, `"deadline_ms"`
/// (or `"timeout"`, `"deadline"` in seconds), `"max_retries"`, and for what the SDK does
/// not know yet `"extra_headers"` (an object of header names to strings, added to each
/// request), `"extra_query"` (an object, added to each URL's query) and `"extra_body"`
/// (an object, merged into the top level of each JSON body sent), e.g.
/// `{"extra_headers": {"X-Feature-Flag": "beta"}, "extra_body": {"client_context": {"app": "helpdesk"}}}`.
///
/// MW_INVALID_ARGUMENT naming the key for an unknown key or a bad value, and naming
/// `extra_headers` for a header the SDK owns (Authorization, Assistant-Name, User-Agent,
/// Content-Type, Accept, Host, Proxy-Authorization and the framing headers). A client
/// with `extra_body` refuses calls that send no body (the GETs) with MW_INVALID_ARGUMENT
/// naming `extra_body`. Not valid JSON: MW_DECODE. `*out_client` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_with_request_options_json(
    client: *const mw_client,
    options_json: *const c_char,
    out_client: *mut *mut mw_client,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let c = borrow(client, "client")?;
        let value: serde_json::Value = from_json(options_json, "the request options")?;
        let o = out(out_client, "out_client")?;
        *o = into_handle::<mw_client>(c.with_options(&RequestOptions::from_json_value(value)?)?);
        Ok(())
    })
}

/// The base URL the client talks to. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_client_base_url(client: *const mw_client, out_url: *mut *mut c_char) -> mw_status {
    guard_plain(|| {
        let c = borrow(client, "client")?;
        let o = out(out_url, "out_url")?;
        *o = alloc_string(c.base_url());
        Ok(())
    })
}

/// The User-Agent the client sends. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_client_user_agent(client: *const mw_client, out_user_agent: *mut *mut c_char) -> mw_status {
    guard_plain(|| {
        let c = borrow(client, "client")?;
        let o = out(out_user_agent, "out_user_agent")?;
        *o = alloc_string(c.user_agent());
        Ok(())
    })
}

/// Runs `f` with the client and stores its result as an owned handle in `dst`.
pub(crate) unsafe fn call<H: Handle>(
    client: *const mw_client,
    dst: *mut *mut H,
    dst_name: &str,
    err: *mut *mut mw_error,
    f: impl FnOnce(&Client) -> Result<H::Inner, Error>,
) -> mw_status {
    guard(err, || {
        let c = borrow(client, "client")?;
        let o = out(dst, dst_name)?;
        *o = into_handle::<H>(f(c)?);
        Ok(())
    })
}

/// `GET /conversations`: one page of conversations, most recently updated first.
/// `cursor` may be NULL (first page); `limit` negative (MW_LIMIT_DEFAULT) = server default
/// (otherwise 1..100); `archived` MW_ARCHIVED_UNSET, 0 or 1. `*out_page` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_list_conversations(
    client: *const mw_client,
    cursor: *const c_char,
    limit: i64,
    archived: i32,
    out_page: *mut *mut mw_conversation_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_page, "out_page", out_error, |c| -> Result<ConversationPage, Error> {
        let params = ListConversationsParams {
            limit: limit_of(limit),
            cursor: opt_str(cursor, "cursor")?.map(str::to_owned),
            archived: tristate(archived),
        };
        c.list_conversations(&params)
    })
}

/// An iterator over every conversation of a listing (pages fetched lazily, cursors
/// followed for you). Arguments as mw_client_list_conversations(); `cursor` is where
/// to start (NULL = first page). No request is sent yet. `*out_iter` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_iter_conversations(
    client: *const mw_client,
    cursor: *const c_char,
    limit: i64,
    archived: i32,
    out_iter: *mut *mut mw_conversation_iter,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_iter, "out_iter", out_error, |c| {
        Ok(c.iter_conversations(ListConversationsParams {
            limit: limit_of(limit),
            cursor: opt_str(cursor, "cursor")?.map(str::to_owned),
            archived: tristate(archived),
        }))
    })
}

/// `POST /conversations`: creates a conversation. `title` may be NULL (none; at most
/// 256 characters otherwise). `*out_conversation` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_create_conversation(
    client: *const mw_client,
    title: *const c_char,
    out_conversation: *mut *mut mw_conversation,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_conversation, "out_conversation", out_error, |c| c.create_conversation(opt_str(title, "title")?))
}

/// `GET /conversations/{conversation_id}`. `*out_conversation` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_get_conversation(
    client: *const mw_client,
    conversation_id: *const c_char,
    out_conversation: *mut *mut mw_conversation,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_conversation, "out_conversation", out_error, |c| {
        c.get_conversation(arg_str(conversation_id, "conversation_id")?)
    })
}

/// `PATCH /conversations/{conversation_id}`: changes the title (NULL = unchanged) and/or
/// the archive flag (MW_ARCHIVED_UNSET = unchanged, 0 or 1). `*out_conversation` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_update_conversation(
    client: *const mw_client,
    conversation_id: *const c_char,
    title: *const c_char,
    archived: i32,
    out_conversation: *mut *mut mw_conversation,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_conversation, "out_conversation", out_error, |c| {
        let update =
            ConversationUpdate { title: opt_str(title, "title")?.map(str::to_owned), archived: tristate(archived) };
        c.update_conversation(arg_str(conversation_id, "conversation_id")?, &update)
    })
}

fn events_params(
    conversation_id: Option<&str>,
    starting_after: Option<&str>,
    ending_at: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> ListEventsParams {
    ListEventsParams {
        conversation_id: conversation_id.map(str::to_owned),
        starting_after: starting_after.map(str::to_owned),
        ending_at: ending_at.map(str::to_owned),
        cursor: cursor.map(str::to_owned),
        limit: limit_of(limit),
    }
}

/// `GET /conversations/{conversation_id | -}/events`: one page of events, oldest first.
/// `conversation_id` NULL = all conversations; `starting_after` (exclusive),
/// `ending_at` (inclusive) and `cursor` may be NULL; `limit` as in
/// mw_client_list_conversations(). `*out_page` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_list_events(
    client: *const mw_client,
    conversation_id: *const c_char,
    starting_after: *const c_char,
    ending_at: *const c_char,
    cursor: *const c_char,
    limit: i64,
    out_page: *mut *mut mw_event_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_page, "out_page", out_error, |c| -> Result<EventPage, Error> {
        c.list_events(&events_params(
            opt_str(conversation_id, "conversation_id")?,
            opt_str(starting_after, "starting_after")?,
            opt_str(ending_at, "ending_at")?,
            opt_str(cursor, "cursor")?,
            limit,
        ))
    })
}

/// An iterator over every event of a listing; arguments as mw_client_list_events()
/// (`cursor` is where to start). No request is sent yet. `*out_iter` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_iter_events(
    client: *const mw_client,
    conversation_id: *const c_char,
    starting_after: *const c_char,
    ending_at: *const c_char,
    cursor: *const c_char,
    limit: i64,
    out_iter: *mut *mut mw_event_iter,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_iter, "out_iter", out_error, |c| {
        Ok(c.iter_events(events_params(
            opt_str(conversation_id, "conversation_id")?,
            opt_str(starting_after, "starting_after")?,
            opt_str(ending_at, "ending_at")?,
            opt_str(cursor, "cursor")?,
            limit,
        )))
    })
}

/// The core's parameters of list messages from the C arguments.
unsafe fn messages_params(
    conversation_id: *const c_char,
    cursor: *const c_char,
    limit: i64,
) -> Result<ListMessagesParams, Error> {
    Ok(ListMessagesParams {
        conversation_id: arg_str(conversation_id, "conversation_id")?.to_owned(),
        cursor: opt_str(cursor, "cursor")?.map(str::to_owned),
        limit: limit_of(limit),
    })
}

/// The core's parameters of list response messages from the C arguments.
unsafe fn response_messages_params(
    conversation_id: *const c_char,
    response_id: *const c_char,
    cursor: *const c_char,
    limit: i64,
) -> Result<ListResponseMessagesParams, Error> {
    Ok(ListResponseMessagesParams {
        conversation_id: arg_str(conversation_id, "conversation_id")?.to_owned(),
        response_id: arg_str(response_id, "response_id")?.to_owned(),
        cursor: opt_str(cursor, "cursor")?.map(str::to_owned),
        limit: limit_of(limit),
    })
}

/// `GET /conversations/{conversation_id}/messages`: one page of the conversation's
/// messages, user and assistant, newest first. `cursor` may be NULL (first page);
/// `limit` as in mw_client_list_conversations(). `*out_page` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_list_messages(
    client: *const mw_client,
    conversation_id: *const c_char,
    cursor: *const c_char,
    limit: i64,
    out_page: *mut *mut mw_message_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_page, "out_page", out_error, |c| -> Result<MessagePage, Error> {
        c.list_messages(&messages_params(conversation_id, cursor, limit)?)
    })
}

/// An iterator over every message of a conversation, newest first; arguments as
/// mw_client_list_messages() (`cursor` is where to start). No request is sent yet.
/// `*out_iter` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_iter_messages(
    client: *const mw_client,
    conversation_id: *const c_char,
    cursor: *const c_char,
    limit: i64,
    out_iter: *mut *mut mw_message_iter,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_iter, "out_iter", out_error, |c| {
        Ok(MessageIters::Conversation(c.iter_messages(messages_params(conversation_id, cursor, limit)?)))
    })
}

/// `GET /conversations/{conversation_id}/responses/{response_id}/messages`: the messages
/// of one response (the user's input message and the assistant's final messages).
/// `cursor` may be NULL and `limit` MW_LIMIT_DEFAULT (both are sent only when set).
/// `*out_page` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_list_response_messages(
    client: *const mw_client,
    conversation_id: *const c_char,
    response_id: *const c_char,
    cursor: *const c_char,
    limit: i64,
    out_page: *mut *mut mw_message_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_page, "out_page", out_error, |c| -> Result<MessagePage, Error> {
        c.list_response_messages(&response_messages_params(conversation_id, response_id, cursor, limit)?)
    })
}

/// An iterator over every message of one response; arguments as
/// mw_client_list_response_messages(). No request is sent yet. `*out_iter` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_iter_response_messages(
    client: *const mw_client,
    conversation_id: *const c_char,
    response_id: *const c_char,
    cursor: *const c_char,
    limit: i64,
    out_iter: *mut *mut mw_message_iter,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_iter, "out_iter", out_error, |c| {
        let params = response_messages_params(conversation_id, response_id, cursor, limit)?;
        Ok(MessageIters::Response(c.iter_response_messages(params)))
    })
}

/// `POST /conversations/{conversation_id}/responses/{response_id}/messages/{message_id}/feedback`:
/// rates an assistant message. `callback_id` is the opaque token of the chosen rating,
/// read from the message with mw_message_helpful_callback_id() or
/// mw_message_unhelpful_callback_id() and passed back exactly as received.
/// `additional_feedback` is optional free text (NULL = none; at most 1,000 characters).
/// An empty `callback_id` or a longer `additional_feedback` is MW_INVALID_ARGUMENT
/// naming it, before anything is sent. Never retried after an ambiguous failure, so
/// the same feedback is never submitted twice by surprise. `*out_result` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_submit_feedback(
    client: *const mw_client,
    conversation_id: *const c_char,
    response_id: *const c_char,
    message_id: *const c_char,
    callback_id: *const c_char,
    additional_feedback: *const c_char,
    out_result: *mut *mut mw_feedback_result,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_result, "out_result", out_error, |c| {
        c.submit_feedback(
            arg_str(conversation_id, "conversation_id")?,
            arg_str(response_id, "response_id")?,
            arg_str(message_id, "message_id")?,
            arg_str(callback_id, "callback_id")?,
            opt_str(additional_feedback, "additional_feedback")?,
        )
    })
}

/// `POST /conversations/{conversation_id}/responses`: sends a user message and returns
/// at once (status CREATED) with a response to poll. Never retried after an ambiguous
/// failure, so the assistant is never asked twice. `*out_response` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_create_response(
    client: *const mw_client,
    conversation_id: *const c_char,
    text: *const c_char,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_response, "out_response", out_error, |c| {
        c.create_response(arg_str(conversation_id, "conversation_id")?, arg_str(text, "text")?)
    })
}

/// `GET /conversations/{conversation_id}/responses/{response_id}`: the response's
/// current state. `*out_response` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_get_response(
    client: *const mw_client,
    conversation_id: *const c_char,
    response_id: *const c_char,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_response, "out_response", out_error, |c| {
        c.get_response(arg_str(conversation_id, "conversation_id")?, arg_str(response_id, "response_id")?)
    })
}

// ---- polling ------------------------------------------------------------------------------

/// Fills `options` with the core's defaults (250 ms, x1.5, 2000 ms max, 120000 ms
/// deadline, no cancel token, no callback).
#[no_mangle]
pub unsafe extern "C" fn mw_wait_options_init(options: *mut mw_wait_options) -> mw_status {
    guard_plain(|| {
        let o = out(options, "options")?;
        *o = wait_options_default();
        Ok(())
    })
}

/// The core's default wait options in their C form.
pub(crate) fn wait_options_default() -> mw_wait_options {
    let d = WaitOptions::default();
    let as_ms = |v: Duration| u64::try_from(v.as_millis()).unwrap_or(u64::MAX);
    mw_wait_options {
        initial_interval_ms: as_ms(d.initial_interval),
        backoff_factor: d.backoff_factor,
        max_interval_ms: as_ms(d.max_interval),
        deadline_ms: as_ms(d.deadline),
        cancel: std::ptr::null(),
        on_update: None,
        user_data: std::ptr::null_mut(),
    }
}

/// The C callback and its user data, callable from the core's polling loop.
struct CCallback {
    f: unsafe extern "C" fn(*const mw_response, *mut c_void) -> bool,
    user_data: *mut c_void,
}
// SAFETY: the blocking wait calls the callback only on the caller's own thread,
// during the call that received it; the pointers never outlive that call.
unsafe impl Send for CCallback {}
unsafe impl Sync for CCallback {}

impl CCallback {
    fn call(&self, r: &Response) -> bool {
        // SAFETY: the caller's function pointer, given a response borrowed for this call.
        unsafe { (self.f)(borrowed::<mw_response>(r), self.user_data) }
    }
}

/// Converts the C options to the core's (validation stays in the core).
pub(crate) unsafe fn wait_options(options: *const mw_wait_options) -> Result<WaitOptions, Error> {
    let Some(o) = options.as_ref() else {
        return Ok(WaitOptions::default());
    };
    let cancel = match o.cancel.is_null() {
        true => None,
        false => Some(borrow(o.cancel, "cancel")?.clone()),
    };
    let on_update = o.on_update.map(|f| {
        let cb = CCallback { f, user_data: o.user_data };
        Arc::new(move |r: &Response| if cb.call(r) { ControlFlow::Continue(()) } else { ControlFlow::Break(()) })
            as moveworks::UpdateCallback
    });
    Ok(WaitOptions {
        initial_interval: ms(o.initial_interval_ms),
        backoff_factor: o.backoff_factor,
        max_interval: ms(o.max_interval_ms),
        deadline: ms(o.deadline_ms),
        cancel,
        on_update,
    })
}

/// Polls a response until it is COMPLETED (`*out_response`, owned), FAILED
/// (MW_RESPONSE_FAILED; mw_error_response() has the response), the deadline passes
/// (MW_POLL_TIMEOUT) or it is cancelled (MW_CANCELLED). Blocks the calling thread.
/// `options` may be NULL for the defaults.
#[no_mangle]
pub unsafe extern "C" fn mw_client_wait_for_response(
    client: *const mw_client,
    conversation_id: *const c_char,
    response_id: *const c_char,
    options: *const mw_wait_options,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_response, "out_response", out_error, |c| {
        let cid = arg_str(conversation_id, "conversation_id")?;
        let rid = arg_str(response_id, "response_id")?;
        c.wait_for_response(cid, rid, &wait_options(options)?)
    })
}

/// Creates a response (as mw_client_create_response) and waits for it (as
/// mw_client_wait_for_response). `*out_response` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_create_response_and_wait(
    client: *const mw_client,
    conversation_id: *const c_char,
    text: *const c_char,
    options: *const mw_wait_options,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    let input = || Ok(Input::from(arg_str(text, "text")?));
    create_and_wait(client, conversation_id, input, options, out_response, out_error)
}

/// The body of mw_client_create_response_and_wait() and its `_input` form.
pub(crate) unsafe fn create_and_wait(
    client: *const mw_client,
    conversation_id: *const c_char,
    input: impl FnOnce() -> Result<Input, Error>,
    options: *const mw_wait_options,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_response, "out_response", out_error, |c| {
        let cid = arg_str(conversation_id, "conversation_id")?;
        c.create_response_and_wait(cid, input()?, &wait_options(options)?)
    })
}

// ---- cancel token ----------------------------------------------------------------------------

/// A new, not cancelled token. `*out_token` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_cancel_token_new(out_token: *mut *mut mw_cancel_token) -> mw_status {
    guard_plain(|| {
        let o = out(out_token, "out_token")?;
        *o = into_handle::<mw_cancel_token>(CancelToken::new());
        Ok(())
    })
}

/// Cancels every wait using this token; waits sleeping between polls wake at once.
/// Safe to call from any thread, any number of times.
#[no_mangle]
pub unsafe extern "C" fn mw_cancel_token_cancel(token: *const mw_cancel_token) -> mw_status {
    guard_plain(|| {
        borrow(token, "token")?.cancel();
        Ok(())
    })
}

/// Whether mw_cancel_token_cancel() was called.
#[no_mangle]
pub unsafe extern "C" fn mw_cancel_token_is_cancelled(
    token: *const mw_cancel_token,
    out_cancelled: *mut bool,
) -> mw_status {
    guard_plain(|| {
        let t = borrow(token, "token")?;
        let o = out(out_cancelled, "out_cancelled")?;
        *o = t.is_cancelled();
        Ok(())
    })
}

/// Frees a token. NULL is allowed. No wait may still be using it.
#[no_mangle]
pub unsafe extern "C" fn mw_cancel_token_free(token: *mut mw_cancel_token) {
    free_handle(token)
}

// ---- iterators -------------------------------------------------------------------------------

/// The next conversation, fetching the next page when needed. `*out_conversation`
/// is owned, or NULL (with MW_OK) when the listing is exhausted. After an error the
/// iterator is exhausted.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_iter_next(
    iter: *mut mw_conversation_iter,
    out_conversation: *mut *mut mw_conversation,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let it = borrow_mut(iter, "iter")?;
        let o = out(out_conversation, "out_conversation")?;
        *o = match it.next().transpose()? {
            Some(c) => into_handle::<mw_conversation>(c),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// The next whole page (items not yet returned by mw_conversation_iter_next() are
/// skipped). `*out_page` is owned, or NULL (with MW_OK) after the last page.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_iter_next_page(
    iter: *mut mw_conversation_iter,
    out_page: *mut *mut mw_conversation_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let it = borrow_mut(iter, "iter")?;
        let o = out(out_page, "out_page")?;
        *o = match it.next_page().transpose()? {
            Some(page) => into_handle::<mw_conversation_page>(page),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// Frees a conversation iterator. NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_conversation_iter_free(iter: *mut mw_conversation_iter) {
    free_handle(iter)
}

/// The next event, fetching the next page when needed. `*out_event` is owned, or
/// NULL (with MW_OK) when the listing is exhausted. After an error the iterator is exhausted.
#[no_mangle]
pub unsafe extern "C" fn mw_event_iter_next(
    iter: *mut mw_event_iter,
    out_event: *mut *mut mw_event,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let it = borrow_mut(iter, "iter")?;
        let o = out(out_event, "out_event")?;
        *o = match it.next().transpose()? {
            Some(e) => into_handle::<mw_event>(e),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// The next whole page of events. `*out_page` is owned, or NULL (with MW_OK) after the last page.
#[no_mangle]
pub unsafe extern "C" fn mw_event_iter_next_page(
    iter: *mut mw_event_iter,
    out_page: *mut *mut mw_event_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let it = borrow_mut(iter, "iter")?;
        let o = out(out_page, "out_page")?;
        *o = match it.next_page().transpose()? {
            Some(page) => into_handle::<mw_event_page>(page),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// Frees an event iterator. NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_event_iter_free(iter: *mut mw_event_iter) {
    free_handle(iter)
}

/// The next message, fetching the next page when needed. `*out_message` is owned
/// (free with mw_message_free), or NULL (with MW_OK) when the listing is exhausted.
/// After an error the iterator is exhausted.
#[no_mangle]
pub unsafe extern "C" fn mw_message_iter_next(
    iter: *mut mw_message_iter,
    out_message: *mut *mut mw_message,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let it = borrow_mut(iter, "iter")?;
        let o = out(out_message, "out_message")?;
        *o = match it.next().transpose()? {
            Some(m) => into_handle::<mw_message>(m),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// The next whole page of messages (items not yet returned by mw_message_iter_next()
/// are skipped). `*out_page` is owned, or NULL (with MW_OK) after the last page.
#[no_mangle]
pub unsafe extern "C" fn mw_message_iter_next_page(
    iter: *mut mw_message_iter,
    out_page: *mut *mut mw_message_page,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let it = borrow_mut(iter, "iter")?;
        let o = out(out_page, "out_page")?;
        *o = match it.next_page().transpose()? {
            Some(page) => into_handle::<mw_message_page>(page),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// Frees a message iterator. NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_message_iter_free(iter: *mut mw_message_iter) {
    free_handle(iter)
}
