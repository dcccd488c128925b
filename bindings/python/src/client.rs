//! The blocking `Client` and its page iterators.

use std::sync::{Arc, Mutex};

use moveworks as core;
use moveworks::AsyncRuntime;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyTuple, PyType};

use crate::bridge;
use crate::convert::*;
use crate::input::TurnInput;
use crate::models::*;
use crate::stream::*;
use crate::wait::*;

/// A client of the Moveworks Conversations API. Thread-safe: share one between threads.
#[pyclass(frozen, module = "moveworks")]
pub(crate) struct Client {
    pub(crate) inner: core::Client,
}

/// Keyword arguments to the core's `ClientOptions`, which names, checks and defaults
/// every option (an unknown or mistyped keyword is its `invalid_argument`). Only the
/// Python-to-JSON value conversion happens here; `None` means "not set".
pub(crate) fn client_options(kwargs: Option<&Bound<'_, PyDict>>) -> core::Result<core::ClientOptions> {
    let mut map = serde_json::Map::new();
    for (key, value) in kwargs.into_iter().flat_map(|d| d.iter()) {
        let key: String =
            key.extract().map_err(|_| core::Error::invalid_argument("options", "keys must be strings"))?;
        let json = to_json(&key, &value)?;
        map.insert(key, json);
    }
    core::ClientOptions::from_json_value(serde_json::Value::Object(map))
}

/// One keyword value as JSON: None, bool, int, float or str (the types options take).
pub(crate) fn to_json(key: &str, value: &Bound<'_, PyAny>) -> core::Result<serde_json::Value> {
    use serde_json::Value;
    if value.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: Python's bool is an int subclass.
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        let IntArg(n) = value.extract().map_err(|_| core::Error::invalid_argument(key, "is not an integer"))?;
        return match (u64::try_from(n), i64::try_from(n)) {
            (Ok(u), _) => Ok(Value::from(u)),
            (_, Ok(i)) => Ok(Value::from(i)),
            _ => Err(out_of_range(key, n)),
        };
    }
    if let Ok(f) = value.extract::<f64>() {
        // JSON has no NaN or infinity; neither is a valid option value.
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| core::Error::invalid_argument(key, "must be a finite number"));
    }
    if let Ok(s) = value.extract::<String>() {
        return Ok(Value::String(s));
    }
    // A path (`pathlib.Path`, anything with `__fspath__`) for the file options, e.g. `ca_certificates`.
    if value.hasattr("__fspath__").unwrap_or(false) {
        if let Ok(s) = value.call_method0("__fspath__").and_then(|p| p.extract::<String>()) {
            return Ok(Value::String(s));
        }
    }
    Err(core::Error::invalid_argument(key, "must be a str, int, float, bool, a path or None"))
}

/// `python/3.X`, for the `User-Agent`.
pub(crate) fn binding_name() -> String {
    Python::attach(|py| {
        let v = py.version_info();
        format!("python/{}.{}", v.major, v.minor)
    })
}

pub(crate) fn conversations_params(
    limit: Option<IntArg>,
    cursor: Option<String>,
    archived: Option<bool>,
) -> core::Result<core::ListConversationsParams> {
    Ok(core::ListConversationsParams { limit: to_u32("limit", limit)?, cursor, archived })
}

/// The bounds of an events listing as given: `starting_after`/`ending_at` and their
/// deprecated aliases (the names before the published API), `start_event_id`/`last_event_id`.
pub(crate) struct EventBounds {
    pub(crate) starting_after: Option<String>,
    pub(crate) ending_at: Option<String>,
    pub(crate) start_event_id: Option<String>,
    pub(crate) last_event_id: Option<String>,
}

/// One bound, from its keyword or its deprecated alias: the alias warns
/// (`DeprecationWarning` naming the keyword, attributed `stacklevel` frames up);
/// both at once is an `InvalidArgumentError` naming both.
fn event_bound(
    py: Python<'_>,
    name: &str,
    value: Option<String>,
    alias: &str,
    alias_value: Option<String>,
    stacklevel: i32,
) -> PyResult<Option<String>> {
    match (value, alias_value) {
        (Some(_), Some(_)) => Err(core::Error::invalid_argument(
            name,
            format_args!("`{name}` and `{alias}` (its deprecated alias) were both given; pass only `{name}`"),
        ))
        .py_err(py),
        (None, Some(old)) => {
            let message = format!(
                "`{alias}` is deprecated and will be removed in the next minor version: use `{name}` (the same bound)"
            );
            let message = std::ffi::CString::new(message).expect("no NUL in a fixed message");
            let category = py.get_type::<pyo3::exceptions::PyDeprecationWarning>();
            PyErr::warn(py, category.as_any(), &message, stacklevel)?;
            Ok(Some(old))
        }
        (value, None) => Ok(value),
    }
}

/// The parameters of `list_events`/`iter_events`; `stacklevel` attributes an alias's
/// warning to the user's frame (1: the native method was called directly).
pub(crate) fn events_params(
    py: Python<'_>,
    conversation_id: Option<String>,
    bounds: EventBounds,
    cursor: Option<String>,
    limit: Option<IntArg>,
    stacklevel: i32,
) -> PyResult<core::ListEventsParams> {
    let starting_after =
        event_bound(py, "starting_after", bounds.starting_after, "start_event_id", bounds.start_event_id, stacklevel)?;
    let ending_at = event_bound(py, "ending_at", bounds.ending_at, "last_event_id", bounds.last_event_id, stacklevel)?;
    let limit = to_u32("limit", limit).py_err(py)?;
    Ok(core::ListEventsParams { conversation_id, starting_after, ending_at, cursor, limit })
}

pub(crate) fn messages_params(
    conversation_id: String,
    cursor: Option<String>,
    limit: Option<IntArg>,
) -> core::Result<core::ListMessagesParams> {
    Ok(core::ListMessagesParams { conversation_id, cursor, limit: to_u32("limit", limit)? })
}

pub(crate) fn response_messages_params(
    conversation_id: String,
    response_id: String,
    cursor: Option<String>,
    limit: Option<IntArg>,
) -> core::Result<core::ListResponseMessagesParams> {
    Ok(core::ListResponseMessagesParams { conversation_id, response_id, cursor, limit: to_u32("limit", limit)? })
}

impl Client {
    /// Runs a blocking core call with the GIL released.
    fn call<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&core::Client) -> core::Result<T> + Send) -> PyResult<T> {
        let client = &self.inner;
        py.detach(|| f(client)).py_err(py)
    }

    /// Runs the core's polling loop on this thread (see [`SyncRuntime`]).
    fn wait_with(&self, py: Python<'_>, args: WaitArgs, op: WaitOp) -> PyResult<PyResponse> {
        let internal = core::CancelToken::new();
        let mut options = args.options.clone();
        options.cancel = Some(internal.clone());
        let runtime = SyncRuntime { py, internal, user: args.user_cancel.clone(), interrupted: Mutex::new(None) };
        let outcome = core::block_on(op.run(&self.inner, &runtime, &options));
        match outcome {
            Ok(r) => Ok(PyResponse(r)),
            Err(e) => {
                if e.kind() == core::ErrorKind::Cancelled {
                    if let Some(err) = runtime.interrupted.lock().unwrap_or_else(|p| p.into_inner()).take() {
                        return Err(err);
                    }
                    if let Some(err) = args.take_callback_error() {
                        return Err(err);
                    }
                }
                Err(to_py_err(py, e))
            }
        }
    }
}

/// The lazy iterator of `iter_events` (also `AsyncClient.iter_events`'s pages).
pub(crate) fn event_iterator(client: &core::Client, params: core::ListEventsParams) -> EventIterator {
    EventIterator { inner: Arc::new(Mutex::new(client.iter_events(params))) }
}

/// Which of the core's two waits to run.
pub(crate) enum WaitOp {
    Wait { conversation_id: String, response_id: String },
    CreateAndWait { conversation_id: String, text: core::Input },
}

impl WaitOp {
    pub(crate) async fn run<R: AsyncRuntime>(
        &self,
        client: &core::Client,
        runtime: &R,
        options: &core::WaitOptions,
    ) -> core::Result<core::Response> {
        match self {
            WaitOp::Wait { conversation_id, response_id } => {
                client.wait_for_response_async(runtime, conversation_id, response_id, options).await
            }
            WaitOp::CreateAndWait { conversation_id, text } => {
                client.create_response_and_wait_async(runtime, conversation_id, text, options).await
            }
        }
    }
}

#[pymethods]
impl Client {
    /// Builds a client from keyword options (the core's `ClientOptions`: see the README's
    /// options table); no request is sent.
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        crate::logs::follow_python_level(py);
        let inner = (|| core::Client::builder().options(client_options(options)?)?.binding(binding_name()).build())()
            .py_err(py)?;
        Ok(Client { inner })
    }

    /// A client configured from the `MOVEWORKS_*` environment variables; keyword
    /// options override them.
    #[classmethod]
    #[pyo3(signature = (**options))]
    fn from_env<'py>(cls: &Bound<'py, PyType>, options: Option<&Bound<'py, PyDict>>) -> PyResult<Bound<'py, PyAny>> {
        let py = cls.py();
        crate::logs::follow_python_level(py);
        let inner =
            (|| core::Client::builder_from_env()?.options(client_options(options)?)?.binding(binding_name()).build())()
                .py_err(py)?;
        Ok(Bound::new(py, Client { inner })?.into_any())
    }

    /// A view of this client acting for one user (rest/v1): its calls carry the bearer
    /// `provider()` returns, a `str` or a `(token, seconds_valid)` tuple. The token is
    /// cached, refreshed shortly before it expires and asked for again once after a 401;
    /// concurrent calls wait for one `provider()` call. Everything else (connections,
    /// options, retries) is shared with this client. `provider` runs on the calling
    /// thread (a worker thread for `AsyncClient`), with the GIL; an exception it raises
    /// fails the call as `OAuthError` with its message, and nothing is sent.
    fn for_user(&self, py: Python<'_>, provider: Bound<'_, PyAny>) -> PyResult<Client> {
        if !provider.is_callable() {
            return Err(core::Error::invalid_argument("provider", "must be callable")).py_err(py);
        }
        let provider = provider.unbind();
        let provide = move || -> Result<core::UserToken, core::ProviderError> {
            Python::attach(|py| {
                let out = provider.bind(py).call0().map_err(|e| -> core::ProviderError { e.to_string().into() })?;
                if let Ok(token) = out.extract::<String>() {
                    return Ok(core::UserToken::new(token));
                }
                if let Ok((token, seconds)) = out.extract::<(String, f64)>() {
                    if !(seconds.is_finite() && seconds > 0.0) {
                        return Err("the token provider's lifetime must be a positive number of seconds".into());
                    }
                    return Ok(core::UserToken::new(token).expires_in(std::time::Duration::from_secs_f64(seconds)));
                }
                Err("the token provider must return a str or a (str, seconds) tuple".into())
            })
        };
        Ok(Client { inner: self.inner.for_user(provide) })
    }

    /// A view of this client acting for the one user `token` belongs to (an API key bound
    /// to a user): sent as it is; a 401 is the call's `AuthenticationError`.
    fn for_user_token(&self, py: Python<'_>, token: String) -> PyResult<Client> {
        Ok(Client { inner: self.inner.for_user_token(token).py_err(py)? })
    }

    /// A client sharing this one's connections and token cache, with other per-call limits
    /// and additions: `extra_headers` (dict of str: headers the SDK sets are refused),
    /// `extra_query` (dict of str), `extra_body` (dict merged into each JSON body sent; a
    /// call without a body, a GET, refuses it). The core's `RequestOptions` check them.
    #[pyo3(signature = (*, timeout=None, deadline=None, max_retries=None, extra_headers=None, extra_query=None,
        extra_body=None))]
    #[allow(clippy::too_many_arguments)]
    fn with_options(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        deadline: Option<f64>,
        max_retries: Option<IntArg>,
        extra_headers: Option<Bound<'_, PyAny>>,
        extra_query: Option<Bound<'_, PyAny>>,
        extra_body: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Client> {
        // Every per-call option as the core's JSON: it names, converts and checks them.
        let mut json = serde_json::Map::new();
        for (key, value) in [("extra_headers", extra_headers), ("extra_query", extra_query), ("extra_body", extra_body)]
        {
            if let Some(value) = value {
                json.insert(key.to_owned(), any_to_json(py, key, &value)?);
            }
        }
        for (key, seconds) in [("timeout", timeout), ("deadline", deadline)] {
            if let Some(s) = seconds {
                // JSON has no NaN or infinity (serde would turn them into null, "unset").
                let n = serde_json::Number::from_f64(s)
                    .ok_or_else(|| {
                        core::Error::invalid_argument(key, "must be a finite, non-negative number of seconds")
                    })
                    .py_err(py)?;
                json.insert(key.to_owned(), serde_json::Value::Number(n));
            }
        }
        let options = (|| {
            let mut options = core::RequestOptions::from_json_value(serde_json::Value::Object(json))?;
            // Python's ints are read by the binding's one int conversion (its range errors).
            options.max_retries = to_u32("max_retries", max_retries)?;
            Ok::<_, core::Error>(options)
        })()
        .py_err(py)?;
        Ok(Client { inner: self.inner.with_options(&options).py_err(py)? })
    }

    /// The base URL this client talks to.
    #[getter]
    fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// The `User-Agent` this client sends.
    #[getter]
    fn user_agent(&self) -> &str {
        self.inner.user_agent()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Leaving a `with` block closes the client.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        self.inner.close();
        false
    }

    /// Releases the pooled connections now; later calls on this client (and on
    /// `with_options` copies and AsyncClients sharing it) raise
    /// `InvalidArgumentError` (`argument == "client"`) without sending. Idempotent.
    fn close(&self) {
        self.inner.close();
    }

    fn __repr__(&self) -> String {
        format!("Client(base_url={:?})", self.inner.base_url())
    }

    /// One page of conversations, most recently updated first.
    #[pyo3(signature = (*, limit=None, cursor=None, archived=None))]
    fn list_conversations(
        &self,
        py: Python<'_>,
        limit: Option<IntArg>,
        cursor: Option<String>,
        archived: Option<bool>,
    ) -> PyResult<PyConversationPage> {
        let params = conversations_params(limit, cursor, archived).py_err(py)?;
        self.call(py, |c| c.list_conversations(&params)).map(PyConversationPage)
    }

    /// Every conversation, fetching pages lazily as the iteration goes.
    #[pyo3(signature = (*, limit=None, archived=None, cursor=None))]
    fn iter_conversations(
        &self,
        py: Python<'_>,
        limit: Option<IntArg>,
        archived: Option<bool>,
        cursor: Option<String>,
    ) -> PyResult<ConversationIterator> {
        let params = conversations_params(limit, cursor, archived).py_err(py)?;
        Ok(ConversationIterator { inner: Arc::new(Mutex::new(self.inner.iter_conversations(params))) })
    }

    /// Creates a conversation.
    #[pyo3(signature = (title=None))]
    fn create_conversation(&self, py: Python<'_>, title: Option<String>) -> PyResult<PyConversation> {
        self.call(py, |c| c.create_conversation(title.as_deref())).map(PyConversation)
    }

    /// Gets one conversation.
    fn get_conversation(&self, py: Python<'_>, conversation_id: String) -> PyResult<PyConversation> {
        self.call(py, |c| c.get_conversation(&conversation_id)).map(PyConversation)
    }

    /// Changes a conversation's title and/or archive flag.
    #[pyo3(signature = (conversation_id, *, title=None, archived=None))]
    fn update_conversation(
        &self,
        py: Python<'_>,
        conversation_id: String,
        title: Option<String>,
        archived: Option<bool>,
    ) -> PyResult<PyConversation> {
        let update = core::ConversationUpdate { title, archived };
        self.call(py, |c| c.update_conversation(&conversation_id, &update)).map(PyConversation)
    }

    /// One page of events (system-initiated messages), oldest first; `None` = all conversations.
    /// `start_event_id`/`last_event_id` are deprecated aliases of `starting_after`/`ending_at`.
    #[pyo3(signature = (
        conversation_id=None, *, starting_after=None, ending_at=None, cursor=None, limit=None,
        start_event_id=None, last_event_id=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn list_events(
        &self,
        py: Python<'_>,
        conversation_id: Option<String>,
        starting_after: Option<String>,
        ending_at: Option<String>,
        cursor: Option<String>,
        limit: Option<IntArg>,
        start_event_id: Option<String>,
        last_event_id: Option<String>,
    ) -> PyResult<PyEventPage> {
        let bounds = EventBounds { starting_after, ending_at, start_event_id, last_event_id };
        let params = events_params(py, conversation_id, bounds, cursor, limit, 1)?;
        self.call(py, |c| c.list_events(&params)).map(PyEventPage)
    }

    /// Every event, fetching pages lazily. `start_event_id`/`last_event_id` are
    /// deprecated aliases of `starting_after`/`ending_at`.
    #[pyo3(signature = (
        conversation_id=None, *, starting_after=None, ending_at=None, limit=None, cursor=None,
        start_event_id=None, last_event_id=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn iter_events(
        &self,
        py: Python<'_>,
        conversation_id: Option<String>,
        starting_after: Option<String>,
        ending_at: Option<String>,
        limit: Option<IntArg>,
        cursor: Option<String>,
        start_event_id: Option<String>,
        last_event_id: Option<String>,
    ) -> PyResult<EventIterator> {
        let bounds = EventBounds { starting_after, ending_at, start_event_id, last_event_id };
        let params = events_params(py, conversation_id, bounds, cursor, limit, 1)?;
        Ok(event_iterator(&self.inner, params))
    }

    /// One page of a conversation's messages (the user's and the assistant's), newest first.
    #[pyo3(signature = (conversation_id, *, cursor=None, limit=None))]
    fn list_messages(
        &self,
        py: Python<'_>,
        conversation_id: String,
        cursor: Option<String>,
        limit: Option<IntArg>,
    ) -> PyResult<PyMessagePage> {
        let params = messages_params(conversation_id, cursor, limit).py_err(py)?;
        self.call(py, |c| c.list_messages(&params)).map(PyMessagePage)
    }

    /// Every message of a conversation, newest first, fetching pages lazily.
    #[pyo3(signature = (conversation_id, *, limit=None, cursor=None))]
    fn iter_messages(
        &self,
        py: Python<'_>,
        conversation_id: String,
        limit: Option<IntArg>,
        cursor: Option<String>,
    ) -> PyResult<MessageIterator> {
        let params = messages_params(conversation_id, cursor, limit).py_err(py)?;
        Ok(MessageIterator { inner: Arc::new(Mutex::new(self.inner.iter_messages(params))) })
    }

    /// The messages of one response: the user's input and the assistant's final messages.
    #[pyo3(signature = (conversation_id, response_id, *, cursor=None, limit=None))]
    fn list_response_messages(
        &self,
        py: Python<'_>,
        conversation_id: String,
        response_id: String,
        cursor: Option<String>,
        limit: Option<IntArg>,
    ) -> PyResult<PyMessagePage> {
        let params = response_messages_params(conversation_id, response_id, cursor, limit).py_err(py)?;
        self.call(py, |c| c.list_response_messages(&params)).map(PyMessagePage)
    }

    /// Every message of one response, fetching pages lazily.
    #[pyo3(signature = (conversation_id, response_id, *, limit=None, cursor=None))]
    fn iter_response_messages(
        &self,
        py: Python<'_>,
        conversation_id: String,
        response_id: String,
        limit: Option<IntArg>,
        cursor: Option<String>,
    ) -> PyResult<ResponseMessageIterator> {
        let params = response_messages_params(conversation_id, response_id, cursor, limit).py_err(py)?;
        Ok(ResponseMessageIterator { inner: Arc::new(Mutex::new(self.inner.iter_response_messages(params))) })
    }

    /// Rates an assistant message: `callback_id` is `message.feedback.helpful.callback_id`
    /// or `message.feedback.unhelpful.callback_id`, passed back as received.
    /// `additional_feedback` is optional free text of at most 1,000 characters. An empty
    /// `callback_id` or a longer text raises `InvalidArgumentError` before anything is
    /// sent; like `create_response`, the POST is never retried after an ambiguous failure.
    #[pyo3(signature = (conversation_id, response_id, message_id, callback_id, *, additional_feedback=None))]
    fn submit_feedback(
        &self,
        py: Python<'_>,
        conversation_id: String,
        response_id: String,
        message_id: String,
        callback_id: String,
        additional_feedback: Option<String>,
    ) -> PyResult<PyFeedbackResult> {
        self.call(py, |c| {
            c.submit_feedback(&conversation_id, &response_id, &message_id, &callback_id, additional_feedback.as_deref())
        })
        .map(PyFeedbackResult)
    }

    /// Sends a user message; returns at once with a response to poll. `text` is a `str`
    /// (a typed turn in the client's generation) or an `Input` (rest/v1's explicit variants).
    fn create_response(&self, py: Python<'_>, conversation_id: String, text: TurnInput) -> PyResult<PyResponse> {
        self.call(py, |c| c.create_response(&conversation_id, &text.0)).map(PyResponse)
    }

    /// A response's current state.
    fn get_response(&self, py: Python<'_>, conversation_id: String, response_id: String) -> PyResult<PyResponse> {
        self.call(py, |c| c.get_response(&conversation_id, &response_id)).map(PyResponse)
    }

    /// Presses a button (a `CALLBACK_ACTION` of `Message.actions`): sends its callback id
    /// as the next turn and returns the new response to wait for (rest/v1). A URL or form
    /// button is `InvalidArgumentError` (`action`).
    fn press(&self, py: Python<'_>, conversation_id: String, action: PyRef<'_, PyAction>) -> PyResult<PyResponse> {
        let action = action.0.clone();
        self.call(py, |c| c.press(&conversation_id, &action)).map(PyResponse)
    }

    /// One event (what a webhook delivery points at), rest/v1; `"-"` as the
    /// conversation is `InvalidArgumentError`.
    fn get_event(&self, py: Python<'_>, conversation_id: String, event_id: String) -> PyResult<PyEvent> {
        self.call(py, |c| c.get_event(&conversation_id, &event_id)).map(PyEvent)
    }

    /// Gets a form (rest/v1): `modal` is `message.modal_ref(action)` of a `MODAL_ACTION`.
    /// A stale or unknown modal id is `NotFoundError` whose message says to re-read the
    /// message for a fresh id (modal ids are minted per message read).
    fn get_modal(&self, py: Python<'_>, modal: PyRef<'_, PyModalRef>) -> PyResult<PyModal> {
        let modal = modal.0.clone();
        self.call(py, |c| c.get_modal(&modal)).map(PyModal)
    }

    /// Re-resolves a form after a field that `triggers_refresh` changed (rest/v1), with
    /// **all** current values; nothing is persisted. `previous` is the form as fetched
    /// (`get_modal` or an earlier refresh): the answer gets its choice options re-applied
    /// (the server leaves them out). `values` maps field names to a wire value dict
    /// (`{"option": "mac"}`, `{"text": "..."}`, `{"bool": True}`, `{"options": [...]}`,
    /// `{"date": "2026-12-01"}`; another dict is sent as given) or to a `str` a person
    /// typed, read by that field of `previous` (`ModalField.value_from_text`).
    fn refresh_modal(
        &self,
        py: Python<'_>,
        previous: PyRef<'_, PyModal>,
        values: &Bound<'_, PyAny>,
    ) -> PyResult<PyModal> {
        let previous = previous.0.clone();
        let values = modal_values(py, values, Some(&previous))?;
        self.call(py, |c| c.refresh_modal(&previous, &values)).map(PyModal)
    }

    /// Submits a form (rest/v1): `modal` is its `ModalRef`, or the `Modal` as fetched
    /// (which also reads `str` values); `values` as in `refresh_modal`. The answer only
    /// acknowledges (`ModalSubmitResult`); the follow-up arrives as new messages or events.
    /// Server rules decide (a missing required value is `BadRequestError`); once submitted
    /// the modal id is stale. Never retried after an ambiguous failure.
    fn submit_modal(
        &self,
        py: Python<'_>,
        modal: &Bound<'_, PyAny>,
        values: &Bound<'_, PyAny>,
    ) -> PyResult<PyModalSubmitResult> {
        let (target, form) = crate::models::modal::submit_target(py, modal)?;
        let values = modal_values(py, values, form.as_ref())?;
        self.call(py, |c| c.submit_modal(&target, &values)).map(PyModalSubmitResult)
    }

    /// An `EventsFollower` of this client's events feed (the client acts for the user
    /// whose feed it is: one follower, and one checkpoint, per user). `checkpoint` is
    /// where it keeps its place: a file path (written atomically; its directory must
    /// exist), an object with `load() -> str | None` and `save(checkpoint: str)` (a
    /// database row, a Redis key), or None (in memory: a fresh start on every run).
    /// `replay`: on a fresh checkpoint, deliver the events already in the feed (default:
    /// only those arriving later). `page_size` 1 to 100 (None: 100); `interval` seconds between polls
    /// (default 6, Moveworks' own pace: event polls share the rate limit of history
    /// reads); `max_backoff` seconds, the longest wait after a failure; `cancel` a
    /// `CancelToken` that stops it (as `follower.cancel()` does). Nothing is sent yet.
    #[pyo3(signature = (checkpoint, *, replay=false, page_size=None, interval=6.0, max_backoff=60.0,
        cancel=None))]
    #[allow(clippy::too_many_arguments)]
    fn follow_events(
        &self,
        py: Python<'_>,
        checkpoint: &Bound<'_, PyAny>,
        replay: bool,
        page_size: Option<IntArg>,
        interval: f64,
        max_backoff: f64,
        cancel: Option<PyRef<'_, CancelToken>>,
    ) -> PyResult<crate::follower::PyEventsFollower> {
        let cancel = cancel.as_deref();
        crate::follower::follow_events(py, &self.inner, checkpoint, replay, page_size, interval, max_backoff, cancel)
    }

    /// Polls a response until it is COMPLETED (returned) or FAILED
    /// (`ResponseFailedError`), the deadline passes (`PollTimeoutError`) or
    /// `cancel` fires (`WaitCancelledError`). Ctrl-C interrupts it.
    #[pyo3(signature = (conversation_id, response_id, *, deadline=None, initial_interval=None, max_interval=None,
        backoff_factor=None, cancel=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn wait_for_response(
        &self,
        py: Python<'_>,
        conversation_id: String,
        response_id: String,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<PyResponse> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args = wait_args(py, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        self.wait_with(py, args, WaitOp::Wait { conversation_id, response_id })
    }

    /// Creates a response and waits for it as `wait_for_response` does.
    #[pyo3(signature = (conversation_id, text, *, deadline=None, initial_interval=None, max_interval=None,
        backoff_factor=None, cancel=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_response_and_wait(
        &self,
        py: Python<'_>,
        conversation_id: String,
        text: TurnInput,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<PyResponse> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args = wait_args(py, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        self.wait_with(py, args, WaitOp::CreateAndWait { conversation_id, text: text.0 })
    }

    /// Sends a user message and streams the answer: iterate the returned
    /// `ResponseStream` for the events, then read its `response`. If the stream
    /// breaks, the turn is finished by polling (never by sending the message again).
    /// Errors before the stream starts are raised here. `idle_timeout` (seconds
    /// without an event before falling back to polling, default 30), `deadline`
    /// (the whole turn, default 120) and the polling keywords are
    /// `create_response_and_wait`'s; `on_update` fires only while polling.
    #[pyo3(signature = (conversation_id, text, *, idle_timeout=None, deadline=None, initial_interval=None,
        max_interval=None, backoff_factor=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn stream_response(
        &self,
        py: Python<'_>,
        conversation_id: String,
        text: TurnInput,
        idle_timeout: Option<f64>,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<ResponseStream> {
        let args =
            stream_args(py, idle_timeout, deadline, initial_interval, max_interval, backoff_factor, None, on_update)?;
        ResponseStream::open(py, &self.inner, &conversation_id, &text.0, args)
    }

    /// Streams a turn to its end and returns the final `Response` (the one polling
    /// would return), calling `on_event` with every event (on this thread). `on_event`
    /// returning exactly False, or `cancel`, stops the turn (`WaitCancelledError`);
    /// an exception it raises stops the turn and propagates. Ctrl-C interrupts it.
    #[pyo3(signature = (conversation_id, text, *, on_event=None, idle_timeout=None, deadline=None,
        initial_interval=None, max_interval=None, backoff_factor=None, cancel=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn stream_response_and_wait(
        &self,
        py: Python<'_>,
        conversation_id: String,
        text: TurnInput,
        on_event: Option<Py<PyAny>>,
        idle_timeout: Option<f64>,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<PyResponse> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args =
            stream_args(py, idle_timeout, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        stream_and_wait(py, &self.inner, &conversation_id, &text.0, args, on_event)
    }
}

// ---- iterators --------------------------------------------------------------------------

macro_rules! page_iterator {
    ($name:ident, $core:ty, $page:ident, $core_page:ident, $items:ident, $item:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(frozen, module = "moveworks")]
        pub(crate) struct $name {
            inner: Arc<Mutex<$core>>,
        }

        impl $name {
            /// The core's next page, fetched with the GIL released.
            fn fetch_page(inner: &Arc<Mutex<$core>>) -> Option<core::Result<core::$core_page>> {
                let mut it = inner.lock().unwrap_or_else(|p| p.into_inner());
                it.next_page()
            }
        }

        #[pymethods]
        impl $name {
            fn __iter__(slf: Py<Self>) -> Py<Self> {
                slf
            }
            fn __next__(&self, py: Python<'_>) -> PyResult<Option<$item>> {
                let inner = Arc::clone(&self.inner);
                let next = py.detach(move || inner.lock().unwrap_or_else(|p| p.into_inner()).next());
                match next {
                    None => Ok(None),
                    Some(r) => r.py_err(py).map(|v| Some($item(v))),
                }
            }
            /// The next whole page (items not yet yielded are skipped), or None after the last page.
            fn next_page(&self, py: Python<'_>) -> PyResult<Option<$page>> {
                let inner = Arc::clone(&self.inner);
                match py.detach(move || Self::fetch_page(&inner)) {
                    None => Ok(None),
                    Some(r) => r.py_err(py).map(|p| Some($page(p))),
                }
            }
            /// Awaitable form of `next_page`, used by `AsyncClient`'s `async for`.
            fn _next_page_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                let inner = Arc::clone(&self.inner);
                bridge::spawn(py, async move {
                    match bridge::blocking(move || Self::fetch_page(&inner)).await {
                        None => Ok(None),
                        Some(r) => Ok(Some($page(r?))),
                    }
                })
            }
            /// True once the last page was fetched and every item yielded.
            fn is_exhausted(&self, py: Python<'_>) -> bool {
                // Detached: another thread may hold the lock during a page fetch.
                let inner = Arc::clone(&self.inner);
                py.detach(move || inner.lock().unwrap_or_else(|p| p.into_inner()).is_exhausted())
            }
        }
    };
}

page_iterator!(
    ConversationIterator,
    core::ConversationIter,
    PyConversationPage,
    ConversationPage,
    conversations,
    PyConversation,
    "Iterates over conversations, following cursors lazily."
);
page_iterator!(
    EventIterator,
    core::EventIter,
    PyEventPage,
    EventPage,
    events,
    PyEvent,
    "Iterates over events, following cursors lazily."
);
page_iterator!(
    MessageIterator,
    core::MessageIter,
    PyMessagePage,
    MessagePage,
    messages,
    PyMessage,
    "Iterates over a conversation's messages, newest first, following cursors lazily."
);
page_iterator!(
    ResponseMessageIterator,
    core::ResponseMessageIter,
    PyMessagePage,
    MessagePage,
    messages,
    PyMessage,
    "Iterates over one response's messages, following cursors lazily."
);
