//! `AsyncCore`: the asyncio half of `AsyncClient`, each call a future on the bridge's runtime.

use moveworks as core;
use pyo3::prelude::*;

use crate::async_stream::AsyncStream;
use crate::bridge::{self, Failure};
use crate::client::*;
use crate::convert::*;
use crate::input::TurnInput;
use crate::models::*;
use crate::stream::*;
use crate::wait::*;

/// The awaitable forms of the client's calls, used by `moveworks.AsyncClient`:
/// each request runs on tokio's blocking pool and polling waits are tokio timers;
/// a streamed turn runs on a thread of its own (`async_stream.rs`), so that open
/// streams never hold the pool.
#[pyclass(frozen, module = "moveworks._moveworks")]
pub(crate) struct AsyncCore {
    inner: core::Client,
}

/// Runs a blocking core call on the async runtime's blocking pool; resolves an asyncio future with it.
pub(crate) fn spawn_call<'py, T, U, F>(py: Python<'py>, f: F, wrap: fn(T) -> U) -> PyResult<Bound<'py, PyAny>>
where
    F: FnOnce() -> core::Result<T> + Send + 'static,
    T: Send + 'static,
    U: for<'a> IntoPyObject<'a> + Send + 'static,
{
    bridge::spawn(py, async move { Ok(wrap(bridge::blocking(f).await?)) })
}

pub(crate) fn spawn_wait<'py>(
    py: Python<'py>,
    client: core::Client,
    args: WaitArgs,
    op: WaitOp,
) -> PyResult<Bound<'py, PyAny>> {
    let runtime = TokioRuntime { cancel: args.user_cancel.clone() };
    let options = args.options.clone();
    bridge::spawn(py, async move {
        match op.run(&client, &runtime, &options).await {
            Ok(r) => Ok(PyResponse(r)),
            Err(e) => {
                if e.kind() == core::ErrorKind::Cancelled {
                    if let Some(err) = args.take_callback_error() {
                        return Err(Failure::Py(err));
                    }
                }
                Err(Failure::Core(e))
            }
        }
    })
}

#[pymethods]
impl AsyncCore {
    #[new]
    fn new(client: &Bound<'_, Client>) -> Self {
        AsyncCore { inner: client.get().inner.clone() }
    }

    #[pyo3(signature = (*, limit=None, cursor=None, archived=None))]
    fn list_conversations<'py>(
        &self,
        py: Python<'py>,
        limit: Option<IntArg>,
        cursor: Option<String>,
        archived: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = conversations_params(limit, cursor, archived).py_err(py)?;
        let c = self.inner.clone();
        spawn_call(py, move || c.list_conversations(&params), PyConversationPage)
    }

    #[pyo3(signature = (title=None))]
    fn create_conversation<'py>(&self, py: Python<'py>, title: Option<String>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(py, move || c.create_conversation(title.as_deref()), PyConversation)
    }

    fn get_conversation<'py>(&self, py: Python<'py>, conversation_id: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(py, move || c.get_conversation(&conversation_id), PyConversation)
    }

    #[pyo3(signature = (conversation_id, *, title=None, archived=None))]
    fn update_conversation<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        title: Option<String>,
        archived: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        let update = core::ConversationUpdate { title, archived };
        spawn_call(py, move || c.update_conversation(&conversation_id, &update), PyConversation)
    }

    /// `start_event_id`/`last_event_id` are deprecated aliases of `starting_after`/`ending_at`
    /// (their warning is attributed to `AsyncClient.list_events`'s caller).
    #[pyo3(signature = (
        conversation_id=None, *, starting_after=None, ending_at=None, cursor=None, limit=None,
        start_event_id=None, last_event_id=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn list_events<'py>(
        &self,
        py: Python<'py>,
        conversation_id: Option<String>,
        starting_after: Option<String>,
        ending_at: Option<String>,
        cursor: Option<String>,
        limit: Option<IntArg>,
        start_event_id: Option<String>,
        last_event_id: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let bounds = EventBounds { starting_after, ending_at, start_event_id, last_event_id };
        let params = events_params(py, conversation_id, bounds, cursor, limit, 2)?;
        let c = self.inner.clone();
        spawn_call(py, move || c.list_events(&params), PyEventPage)
    }

    /// The page iterator of `AsyncClient.iter_events` (a deprecated alias's warning is
    /// attributed to the frame iterating it).
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
        let params = events_params(py, conversation_id, bounds, cursor, limit, 2)?;
        Ok(event_iterator(&self.inner, params))
    }

    #[pyo3(signature = (conversation_id, *, cursor=None, limit=None))]
    fn list_messages<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        cursor: Option<String>,
        limit: Option<IntArg>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = messages_params(conversation_id, cursor, limit).py_err(py)?;
        let c = self.inner.clone();
        spawn_call(py, move || c.list_messages(&params), PyMessagePage)
    }

    #[pyo3(signature = (conversation_id, response_id, *, cursor=None, limit=None))]
    fn list_response_messages<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        response_id: String,
        cursor: Option<String>,
        limit: Option<IntArg>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let params = response_messages_params(conversation_id, response_id, cursor, limit).py_err(py)?;
        let c = self.inner.clone();
        spawn_call(py, move || c.list_response_messages(&params), PyMessagePage)
    }

    #[pyo3(signature = (conversation_id, response_id, message_id, callback_id, *, additional_feedback=None))]
    fn submit_feedback<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        response_id: String,
        message_id: String,
        callback_id: String,
        additional_feedback: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(
            py,
            move || {
                c.submit_feedback(
                    &conversation_id,
                    &response_id,
                    &message_id,
                    &callback_id,
                    additional_feedback.as_deref(),
                )
            },
            PyFeedbackResult,
        )
    }

    fn create_response<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        text: TurnInput,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(py, move || c.create_response(&conversation_id, text.0), PyResponse)
    }

    fn get_response<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        response_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(py, move || c.get_response(&conversation_id, &response_id), PyResponse)
    }

    fn press<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        action: PyRef<'_, PyAction>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (c, action) = (self.inner.clone(), action.0.clone());
        spawn_call(py, move || c.press(&conversation_id, &action), PyResponse)
    }

    fn get_event<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        event_id: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        spawn_call(py, move || c.get_event(&conversation_id, &event_id), PyEvent)
    }

    fn get_modal<'py>(&self, py: Python<'py>, modal: PyRef<'_, PyModalRef>) -> PyResult<Bound<'py, PyAny>> {
        let (c, modal) = (self.inner.clone(), modal.0.clone());
        spawn_call(py, move || c.get_modal(&modal), PyModal)
    }

    fn refresh_modal<'py>(
        &self,
        py: Python<'py>,
        previous: PyRef<'_, PyModal>,
        values: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let previous = previous.0.clone();
        let values = modal_values(py, values, Some(&previous))?;
        let c = self.inner.clone();
        spawn_call(py, move || c.refresh_modal(&previous, &values), PyModal)
    }

    fn submit_modal<'py>(
        &self,
        py: Python<'py>,
        modal: &Bound<'_, PyAny>,
        values: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (target, form) = crate::models::modal::submit_target(py, modal)?;
        let values = modal_values(py, values, form.as_ref())?;
        let c = self.inner.clone();
        spawn_call(py, move || c.submit_modal(&target, &values), PyModalSubmitResult)
    }

    #[pyo3(signature = (conversation_id, response_id, *, deadline=None, initial_interval=None, max_interval=None,
        backoff_factor=None, cancel=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn wait_for_response<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        response_id: String,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args = wait_args(py, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        spawn_wait(py, self.inner.clone(), args, WaitOp::Wait { conversation_id, response_id })
    }

    #[pyo3(signature = (conversation_id, text, *, deadline=None, initial_interval=None, max_interval=None,
        backoff_factor=None, cancel=None, on_update=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_response_and_wait<'py>(
        &self,
        py: Python<'py>,
        conversation_id: String,
        text: TurnInput,
        deadline: Option<f64>,
        initial_interval: Option<f64>,
        max_interval: Option<f64>,
        backoff_factor: Option<f64>,
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args = wait_args(py, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        spawn_wait(py, self.inner.clone(), args, WaitOp::CreateAndWait { conversation_id, text: text.0 })
    }

    /// Starts a streamed turn on a thread of its own (`moveworks.AsyncResponseStream`
    /// consumes it): the message is sent from that thread, which then reads the answer.
    #[pyo3(signature = (conversation_id, text, *, idle_timeout=None, deadline=None, initial_interval=None,
        max_interval=None, backoff_factor=None, cancel=None, on_update=None))]
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
        cancel: Option<Bound<'_, CancelToken>>,
        on_update: Option<Py<PyAny>>,
    ) -> PyResult<AsyncStream> {
        let cancel = cancel.map(|c| c.get().0.clone());
        let args =
            stream_args(py, idle_timeout, deadline, initial_interval, max_interval, backoff_factor, cancel, on_update)?;
        Ok(AsyncStream::spawn(self.inner.clone(), conversation_id, text.0, args))
    }
}
