//! The `Client` object: blocking methods and their `*_async` twins.

use std::sync::Arc;

use moveworks as core;
use moveworks::{
    Conversation, ConversationPage, ConversationUpdate, EventPage, FeedbackResult, ListConversationsParams,
    ListEventsParams, ListMessagesParams, ListResponseMessagesParams, MessagePage, Response,
};

use crate::async_stream::AsyncResponseStream;
use crate::config::*;
use crate::errors::*;
use crate::pagination::*;
use crate::runtime::TokioRuntime;
use crate::stream::*;
use crate::wait::*;

/// A client of the Moveworks Conversations API. Thread-safe; share one per app.
///
/// Methods without the `_async` suffix BLOCK the calling thread until the call
/// completes (retries included): do not call them on a UI/main thread. The
/// `_async` methods (Kotlin `suspend`, Swift `async`) run the same calls off the
/// caller's thread.
#[derive(uniffi::Object)]
pub struct Client {
    pub(crate) inner: core::Client,
}

impl Client {
    fn wrap(inner: core::Client) -> Arc<Self> {
        Arc::new(Client { inner })
    }

    /// The one way a client is built from the core's options (also by `Sandbox::client`).
    pub(crate) fn from_options(options: core::ClientOptions) -> Result<Arc<Self>> {
        let b = core::Client::builder().options(options)?;
        Ok(Client::wrap(b.binding(binding_name()).build()?))
    }
}

#[uniffi::export]
impl Client {
    /// Builds a client from `config`. Sends no request.
    #[uniffi::constructor]
    pub fn new(config: Arc<ClientConfig>) -> Result<Arc<Self>> {
        Client::from_options(config.options.clone())
    }

    /// A client configured from the `MOVEWORKS_*` environment variables.
    #[uniffi::constructor]
    pub fn from_env() -> Result<Arc<Self>> {
        Ok(Client::wrap(core::Client::builder_from_env()?.binding(binding_name()).build()?))
    }

    /// A client sharing this one's connections and token cache, with per-call overrides.
    pub fn with_options(&self, options: RequestOptions) -> Result<Arc<Self>> {
        Ok(Client::wrap(self.inner.with_options(&options.to_core()?)?))
    }

    /// The base URL this client talks to.
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// The `User-Agent` this client sends.
    pub fn user_agent(&self) -> String {
        self.inner.user_agent().to_owned()
    }

    /// Lists conversations, newest first. Blocking. `GET /conversations`.
    pub fn list_conversations(&self, params: ListConversationsParams) -> Result<ConversationPage> {
        Ok(self.inner.list_conversations(&params)?)
    }

    /// An iterator over every matching conversation; pages are fetched lazily
    /// (blocking) by its `next`/`next_page`. Sends no request itself.
    pub fn iter_conversations(&self, params: ListConversationsParams) -> Arc<ConversationIterator> {
        ConversationIterator::new(self.inner.iter_conversations(params))
    }

    /// Creates a conversation. Blocking. `POST /conversations`.
    pub fn create_conversation(&self, title: Option<String>) -> Result<Conversation> {
        Ok(self.inner.create_conversation(title.as_deref())?)
    }

    /// Gets one conversation. Blocking. `GET /conversations/{id}`.
    pub fn get_conversation(&self, conversation_id: String) -> Result<Conversation> {
        Ok(self.inner.get_conversation(&conversation_id)?)
    }

    /// Changes a conversation's title and/or archive flag. Blocking. `PATCH /conversations/{id}`.
    pub fn update_conversation(&self, conversation_id: String, update: ConversationUpdate) -> Result<Conversation> {
        Ok(self.inner.update_conversation(&conversation_id, &update)?)
    }

    /// Lists events (system-initiated final messages), oldest first. Blocking.
    pub fn list_events(&self, params: ListEventsParams) -> Result<EventPage> {
        Ok(self.inner.list_events(&params)?)
    }

    /// An iterator over every matching event; pages are fetched lazily (blocking).
    pub fn iter_events(&self, params: ListEventsParams) -> Arc<EventIterator> {
        EventIterator::new(self.inner.iter_events(params))
    }

    /// Lists one page of a conversation's messages, user and assistant, newest first.
    /// Blocking. `GET /conversations/{id}/messages`.
    pub fn list_messages(&self, params: ListMessagesParams) -> Result<MessagePage> {
        Ok(self.inner.list_messages(&params)?)
    }

    /// An iterator over every message of a conversation, newest first; pages are
    /// fetched lazily (blocking) by its `next`/`next_page`. Sends no request itself.
    pub fn iter_messages(&self, params: ListMessagesParams) -> Arc<MessageIterator> {
        MessageIterator::new(self.inner.iter_messages(params))
    }

    /// Lists the messages of one response: the user's input message and the
    /// assistant's final messages. Blocking.
    /// `GET /conversations/{id}/responses/{response_id}/messages`.
    pub fn list_response_messages(&self, params: ListResponseMessagesParams) -> Result<MessagePage> {
        Ok(self.inner.list_response_messages(&params)?)
    }

    /// An iterator over every message of one response; pages are fetched lazily
    /// (blocking). Sends no request itself.
    pub fn iter_response_messages(&self, params: ListResponseMessagesParams) -> Arc<ResponseMessageIterator> {
        ResponseMessageIterator::new(self.inner.iter_response_messages(params))
    }

    /// Rates an assistant message helpful or unhelpful. Blocking.
    /// `POST /conversations/{id}/responses/{response_id}/messages/{message_id}/feedback`.
    ///
    /// `callback_id` is the opaque token of the chosen rating, taken from the
    /// message's `feedback` (`helpful` or `unhelpful`) exactly as received.
    /// `additional_feedback` is optional free text of at most 1,000 characters
    /// (absent: not sent). An empty `callback_id` or a longer text is
    /// `InvalidArgument` before anything is sent. Never retried after an ambiguous failure.
    #[uniffi::method(default(additional_feedback = None))]
    pub fn submit_feedback(
        &self,
        conversation_id: String,
        response_id: String,
        message_id: String,
        callback_id: String,
        additional_feedback: Option<String>,
    ) -> Result<FeedbackResult> {
        Ok(self.inner.submit_feedback(
            &conversation_id,
            &response_id,
            &message_id,
            &callback_id,
            additional_feedback.as_deref(),
        )?)
    }

    /// Sends a user message and returns at once with a response to poll. Blocking
    /// for the request only. Never retried after an ambiguous failure.
    pub fn create_response(&self, conversation_id: String, text: String) -> Result<Response> {
        Ok(self.inner.create_response(&conversation_id, &text)?)
    }

    /// Gets a response's current state. Blocking.
    pub fn get_response(&self, conversation_id: String, response_id: String) -> Result<Response> {
        Ok(self.inner.get_response(&conversation_id, &response_id)?)
    }

    /// Polls until the response is COMPLETED (returned) or FAILED (`ResponseFailed`),
    /// the deadline passes (`PollTimeout`) or `cancel` fires (`Cancelled`).
    /// `listener` sees every change. BLOCKS the calling thread for the whole wait.
    pub fn wait_for_response(
        &self,
        conversation_id: String,
        response_id: String,
        options: WaitOptions,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Box<dyn ResponseUpdateListener>>,
    ) -> Result<Response> {
        let o = core_wait_options(&options, cancel, listener);
        Ok(self.inner.wait_for_response(&conversation_id, &response_id, &o)?)
    }

    /// Creates a response and waits for it like [`wait_for_response`](Self::wait_for_response).
    /// BLOCKS the calling thread for the whole wait.
    pub fn create_response_and_wait(
        &self,
        conversation_id: String,
        text: String,
        options: WaitOptions,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Box<dyn ResponseUpdateListener>>,
    ) -> Result<Response> {
        let o = core_wait_options(&options, cancel, listener);
        Ok(self.inner.create_response_and_wait(&conversation_id, &text, &o)?)
    }

    /// Sends a user message and streams the answer: read the returned
    /// [`ResponseStream`]'s events with its `next`, then its final response.
    /// `POST /conversations/{id}/responses/stream`. Blocking for the request only.
    /// Errors before the stream starts (invalid arguments, 4xx, 5xx, connection
    /// failures) are thrown here, with the retry rules of
    /// [`create_response`](Self::create_response). If the stream breaks or stalls
    /// for `options.idle_timeout`, the turn is finished by polling (never by
    /// sending the message again); `options.deadline` bounds the whole turn.
    /// `cancel`, when given, stops the turn like the stream's own `cancel()` (which
    /// stops this stream only, never that handle).
    pub fn stream_response(
        &self,
        conversation_id: String,
        text: String,
        options: StreamOptions,
        cancel: Option<Arc<CancelHandle>>,
    ) -> Result<Arc<ResponseStream>> {
        open_stream(&self.inner, &conversation_id, &text, &options, cancel)
    }

    /// Starts a streamed turn for async code and returns at once: the message is
    /// sent (`POST /conversations/{id}/responses/stream`) and the answer read on a
    /// thread of the stream's own; await its [`next_batch`](AsyncResponseStream::next_batch)
    /// (Kotlin `suspend`, Swift `async`) for the events, which holds no thread of
    /// the caller's while it waits. Errors before the stream starts (invalid
    /// arguments, 4xx, 5xx, connection failures) are thrown by the first
    /// `next_batch`, with the retry rules of [`create_response`](Self::create_response);
    /// the turn itself behaves as with [`stream_response`](Self::stream_response).
    /// `cancel`, when given, stops the turn like the stream's own `cancel()`. Fails
    /// here only when the system refuses a new thread (`Connection`). The Kotlin
    /// `streamResponseFlow` and the Swift `streamResponse(conversationId:text:options:)`
    /// read this stream.
    pub fn start_stream_response(
        &self,
        conversation_id: String,
        text: String,
        options: StreamOptions,
        cancel: Option<Arc<CancelHandle>>,
    ) -> Result<Arc<AsyncResponseStream>> {
        crate::async_stream::start(&self.inner, conversation_id, text, options, cancel)
    }

    /// Sends a user message, streams the answer to `listener` and returns the final
    /// response (the value polling would return), or throws like
    /// [`create_response_and_wait`](Self::create_response_and_wait) (`ResponseFailed`,
    /// `PollTimeout`, `Cancelled` when `cancel` fires or the listener returns false).
    /// `update_listener` sees the response while the fallback polls.
    /// BLOCKS the calling thread for the whole turn.
    pub fn stream_response_and_wait(
        &self,
        conversation_id: String,
        text: String,
        options: StreamOptions,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Box<dyn StreamEventListener>>,
        update_listener: Option<Box<dyn ResponseUpdateListener>>,
    ) -> Result<Response> {
        let o = core_stream_options(&options, cancel.map(|c| c.token()), update_listener);
        Ok(self.inner.stream_response_and_wait(&conversation_id, &text, &o, &mut on_event(listener))?)
    }
}

/// The non-blocking forms: each request runs on tokio's blocking pool and the
/// waits between polls are timers, so no caller thread is held.
#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// Non-blocking [`list_conversations`](Self::list_conversations).
    pub async fn list_conversations_async(&self, params: ListConversationsParams) -> Result<ConversationPage> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.list_conversations(&params)).await
    }

    /// Non-blocking [`create_conversation`](Self::create_conversation).
    pub async fn create_conversation_async(&self, title: Option<String>) -> Result<Conversation> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.create_conversation(title.as_deref())).await
    }

    /// Non-blocking [`get_conversation`](Self::get_conversation).
    pub async fn get_conversation_async(&self, conversation_id: String) -> Result<Conversation> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.get_conversation(&conversation_id)).await
    }

    /// Non-blocking [`update_conversation`](Self::update_conversation).
    pub async fn update_conversation_async(
        &self,
        conversation_id: String,
        update: ConversationUpdate,
    ) -> Result<Conversation> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.update_conversation(&conversation_id, &update)).await
    }

    /// Non-blocking [`list_events`](Self::list_events).
    pub async fn list_events_async(&self, params: ListEventsParams) -> Result<EventPage> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.list_events(&params)).await
    }

    /// Non-blocking [`list_messages`](Self::list_messages).
    pub async fn list_messages_async(&self, params: ListMessagesParams) -> Result<MessagePage> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.list_messages(&params)).await
    }

    /// Non-blocking [`list_response_messages`](Self::list_response_messages).
    pub async fn list_response_messages_async(&self, params: ListResponseMessagesParams) -> Result<MessagePage> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.list_response_messages(&params)).await
    }

    /// Non-blocking [`submit_feedback`](Self::submit_feedback).
    #[uniffi::method(default(additional_feedback = None))]
    pub async fn submit_feedback_async(
        &self,
        conversation_id: String,
        response_id: String,
        message_id: String,
        callback_id: String,
        additional_feedback: Option<String>,
    ) -> Result<FeedbackResult> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || {
            c.submit_feedback(&conversation_id, &response_id, &message_id, &callback_id, additional_feedback.as_deref())
        })
        .await
    }

    /// Non-blocking [`create_response`](Self::create_response).
    pub async fn create_response_async(&self, conversation_id: String, text: String) -> Result<Response> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.create_response(&conversation_id, &text)).await
    }

    /// Non-blocking [`get_response`](Self::get_response).
    pub async fn get_response_async(&self, conversation_id: String, response_id: String) -> Result<Response> {
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.get_response(&conversation_id, &response_id)).await
    }

    /// Non-blocking [`stream_response`](Self::stream_response): the request runs on
    /// the blocking pool. Abandoning the call (cancelling the coroutine / task) drops
    /// a stream opened meanwhile, which closes its connection. Reading the events
    /// (`ResponseStream.next`) blocks; for async code,
    /// [`start_stream_response`](Self::start_stream_response) reads them without a thread.
    pub async fn stream_response_async(
        &self,
        conversation_id: String,
        text: String,
        options: StreamOptions,
        cancel: Option<Arc<CancelHandle>>,
    ) -> Result<Arc<ResponseStream>> {
        let c = self.inner.clone();
        crate::runtime::join(tokio::task::spawn_blocking(move || {
            open_stream(&c, &conversation_id, &text, &options, cancel)
        }))
        .await
    }

    /// Non-blocking [`wait_for_response`](Self::wait_for_response): polls on the
    /// blocking pool, sleeps on timers (the core's shared polling loop).
    pub async fn wait_for_response_async(
        &self,
        conversation_id: String,
        response_id: String,
        options: WaitOptions,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Box<dyn ResponseUpdateListener>>,
    ) -> Result<Response> {
        let o = core_wait_options(&options, cancel, listener);
        Ok(self.inner.wait_for_response_async(&TokioRuntime, &conversation_id, &response_id, &o).await?)
    }

    /// Non-blocking [`create_response_and_wait`](Self::create_response_and_wait).
    pub async fn create_response_and_wait_async(
        &self,
        conversation_id: String,
        text: String,
        options: WaitOptions,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Box<dyn ResponseUpdateListener>>,
    ) -> Result<Response> {
        let o = core_wait_options(&options, cancel, listener);
        Ok(self.inner.create_response_and_wait_async(&TokioRuntime, &conversation_id, &text, &o).await?)
    }
}

pub(crate) fn open_stream(
    client: &core::Client,
    conversation_id: &str,
    input: impl Into<core::Input>,
    options: &StreamOptions,
    cancel: Option<Arc<CancelHandle>>,
) -> Result<Arc<ResponseStream>> {
    let o = core_stream_options(options, cancel.map(|c| c.token()), None);
    Ok(ResponseStream::new(client.stream_response(conversation_id, input, &o)?))
}

pub(crate) fn binding_name() -> String {
    // Kotlin and Swift load the same library; the User-Agent names the generator.
    format!("uniffi/{}", env!("CARGO_PKG_VERSION"))
}
