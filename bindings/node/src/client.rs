//! The native client ([`NativeClient`]): one method per API call, polling helper,
//! stream and pager, each converting its arguments and settling a Promise.

use std::sync::Arc;

use moveworks::{
    Client, ClientOptions, ConversationUpdate, ListConversationsParams, ListEventsParams, ListMessagesParams,
    ListResponseMessagesParams, Traced,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::cancel::CancelHandle;
use crate::convert::{to_napi, value, waited, NativeValue};
use crate::input::input_from_json;
use crate::logging::{js_log_sink, LogFn};
use crate::options::{node_argument, request_options, whole, NativeStreamOptions, NativeWaitOptions, UpdateFn};
use crate::pager::NativePager;
use crate::runtime::{blocking, spawn, spawn_direct, spawn_wait, TokioRuntime};
use crate::stream::NativeResponseStream;

/// The native client; the JS `Client` class wraps it.
#[napi]
pub struct NativeClient {
    pub(crate) inner: Client,
}

impl NativeClient {
    pub(crate) fn with(&self, options: Option<String>) -> moveworks::Result<Client> {
        match options {
            None => Ok(self.inner.clone()),
            Some(json) => self.inner.with_options(&request_options(&json)?).map_err(node_argument),
        }
    }

    /// Runs one blocking core call returning a model, as a Promise of its wire JSON and request id.
    pub(crate) fn call<'env, T, F>(
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
    /// `input_json` is the turn's input as JSON (a string, or one input variant).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn create_response<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        input_json: String,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let input = input_from_json(&input_json);
        self.call(env, options_json, cancel, move |c| c.create_response(&conversation_id, input?))
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

    /// Presses a button: `action_json` is one of a message's `actions` as wire JSON; a Response.
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn press<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        action_json: String,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let action: moveworks::Action = serde_json::from_str(&action_json).map_err(|e| {
            crate::convert::to_napi(moveworks::Error::invalid_argument(
                "action",
                format_args!("is not an Action ({e})"),
            ))
        })?;
        self.call(env, options_json, cancel, move |c| c.press(&conversation_id, &action))
    }

    /// `GET /conversations/{id}/events/{event_id}`: an Event (wire JSON and request id).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn get_event<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        event_id: String,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        self.call(env, options_json, cancel, move |c| c.get_event(&conversation_id, &event_id))
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
    /// `input_json` is the turn's input as JSON (a string, or one input variant).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn create_response_and_wait<'env>(
        &self,
        env: &'env Env,
        conversation_id: String,
        input_json: String,
        options: Option<NativeWaitOptions>,
        #[napi(ts_arg_type = "((updateJson: string) => void) | undefined | null")] on_update: Option<UpdateFn>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let client = self.inner.clone();
        let updates = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let wait = Self::wait_options(options, cancel, on_update, updates.clone());
        let input = input_from_json(&input_json);
        spawn_wait(env, cancel, updates.clone(), async move {
            let r = client.create_response_and_wait_async(&TokioRuntime, &conversation_id, input?, &wait?).await?;
            waited(&r, &updates)
        })
    }

    /// Sends a message and returns the stream of its answer at once (the core's
    /// `Client::stream_response`, run by a `StreamPump`): the request is made on the
    /// stream's own reader thread, and an error before the stream starts (invalid
    /// options too) is the end of the stream's first batch.
    /// `cancel` is the turn's cancel token: cancelling it ends the stream as `cancelled`.
    /// `input_json` is the turn's input as JSON (a string, or one input variant).
    #[napi]
    pub fn stream_response(
        &self,
        conversation_id: String,
        input_json: String,
        options: Option<NativeStreamOptions>,
        cancel: Option<&CancelHandle>,
    ) -> NativeResponseStream {
        let client = self.inner.clone();
        let options = Self::stream_options(options, None);
        let input = input_from_json(&input_json);
        NativeResponseStream::spawn(cancel.map(|c| &c.token), move |token| {
            // The pump's token (a child of `cancel`'s): `close` interrupts the open too.
            let mut options = options?;
            options.wait.cancel = Some(token);
            client.stream_response(&conversation_id, input?, &options)
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
