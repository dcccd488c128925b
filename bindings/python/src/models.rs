//! The core's models as frozen Python classes: attribute access, `__repr__`,
//! equality, and `to_dict`/`to_json`/`from_json` through the core's serializer
//! (wire JSON). Nothing is parsed here: the core's serde types do all of it.

use moveworks as core;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyType};

static JSON: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static RESPONSE_STATUS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ACTOR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static FEEDBACK_STATUS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn json_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    JSON.get_or_try_init(py, || Ok::<_, PyErr>(py.import("json")?.unbind())).map(|m| m.bind(py))
}

/// The `moveworks.ResponseStatus` member for a wire value (unknown values become pseudo-members).
pub(crate) fn status_enum<'py>(py: Python<'py>, status: &core::ResponseStatus) -> PyResult<Bound<'py, PyAny>> {
    RESPONSE_STATUS.import(py, "moveworks._enums", "ResponseStatus")?.call1((status.as_str(),))
}

fn feedback_status_enum<'py>(py: Python<'py>, status: &core::FeedbackStatus) -> PyResult<Bound<'py, PyAny>> {
    FEEDBACK_STATUS.import(py, "moveworks._enums", "FeedbackStatus")?.call1((status.as_str(),))
}

fn actor_enum<'py>(py: Python<'py>, actor: &core::Actor) -> PyResult<Bound<'py, PyAny>> {
    ACTOR.import(py, "moveworks._enums", "Actor")?.call1((actor.as_str(),))
}

/// `Name(field=repr, ...)` from the object's own attributes.
pub(crate) fn repr_of(obj: &Bound<'_, PyAny>, name: &str, fields: &[&str]) -> PyResult<String> {
    let mut parts = Vec::with_capacity(fields.len());
    for f in fields {
        parts.push(format!("{f}={}", obj.getattr(*f)?.repr()?));
    }
    Ok(format!("{name}({})", parts.join(", ")))
}

fn decode_error(py: Python<'_>, what: &str, e: serde_json::Error) -> PyErr {
    crate::convert::to_py_err(py, core::Error::new(core::ErrorKind::Decode, format!("could not decode {what}: {e}")))
}

/// Declares a frozen model class wrapping a serializable core type, with the
/// common conversion methods plus the given ones. `traced` adds the `request_id` and
/// `http_headers` getters of a value that came from one HTTP answer.
macro_rules! model {
    (traced $name:ident, $core:ty, $pyname:literal, $doc:literal, [$($field:literal),*], { $($body:tt)* }) => {
        model!($name, $core, $pyname, $doc, [$($field),*], {
            $($body)*
            /// The `x-moveworks-root-uuid` of the HTTP answer this value came from (quote it to
            /// Moveworks support); None for a value built with `from_json`. Not in `to_dict()`, ignored by `==`.
            #[getter]
            fn request_id(&self) -> Option<&str> {
                self.0.request_id.as_deref()
            }
            /// The headers of the HTTP answer this value came from (names lowercase), e.g.
            /// `http_headers["x-moveworks-root-uuid"]`; None for a value built with `from_json`.
            /// Not in `to_dict()`, ignored by `==`.
            #[getter]
            fn http_headers(&self) -> Option<std::collections::HashMap<String, String>> {
                self.0.http_headers.as_ref().map(core::HttpHeaders::to_map)
            }
        });
    };
    ($name:ident, $core:ty, $pyname:literal, $doc:literal, [$($field:literal),*], { $($body:tt)* }) => {
        #[doc = $doc]
        #[pyclass(frozen, eq, module = "moveworks", name = $pyname)]
        #[derive(Clone, PartialEq)]
        pub struct $name(pub $core);

        #[pymethods]
        impl $name {
            /// The wire JSON of this object (the API's own shape), from the core's serializer.
            fn to_json(&self, py: Python<'_>) -> PyResult<String> {
                serde_json::to_string(&self.0).map_err(|e| decode_error(py, $pyname, e))
            }
            /// The wire JSON as plain dicts and lists.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                json_module(py)?.call_method1("loads", (self.to_json(py)?,))
            }
            /// Decodes wire JSON with the core's decoder (unknown values are kept).
            #[classmethod]
            fn from_json(_cls: &Bound<'_, PyType>, py: Python<'_>, data: &str) -> PyResult<Self> {
                serde_json::from_str::<$core>(data).map($name).map_err(|e| decode_error(py, $pyname, e))
            }
            /// Decodes wire JSON given as plain dicts and lists.
            #[classmethod]
            fn from_dict(cls: &Bound<'_, PyType>, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
                let text: String = json_module(py)?.call_method1("dumps", (data,))?.extract()?;
                Self::from_json(cls, py, &text)
            }
            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                repr_of(slf.as_any(), $pyname, &[$($field),*])
            }
            $($body)*
        }
    };
}

model!(
    traced PyConversation,
    core::Conversation,
    "Conversation",
    "A conversation thread.",
    ["conversation_id", "title", "archived", "created_at", "updated_at"],
    {
        /// Unique id, `conv_…`.
        #[getter]
        fn conversation_id(&self) -> &str {
            &self.0.conversation_id
        }
        /// Title; None until one exists.
        #[getter]
        fn title(&self) -> Option<&str> {
            self.0.title.as_deref()
        }
        /// Archive flag.
        #[getter]
        fn archived(&self) -> bool {
            self.0.archived
        }
        /// Creation time (timezone-aware, UTC).
        #[getter]
        fn created_at(&self) -> core::Timestamp {
            self.0.created_at
        }
        /// Last update time (timezone-aware, UTC).
        #[getter]
        fn updated_at(&self) -> core::Timestamp {
            self.0.updated_at
        }
    }
);

model!(
    traced PyConversationPage,
    core::ConversationPage,
    "ConversationPage",
    "One page of conversations.",
    ["conversations", "next_cursor"],
    {
        /// The conversations of this page, newest first.
        #[getter]
        fn conversations(&self) -> Vec<PyConversation> {
            self.0.conversations.iter().cloned().map(PyConversation).collect()
        }
        /// Cursor of the next page; None on the last page.
        #[getter]
        fn next_cursor(&self) -> Option<&str> {
            self.0.next_cursor.as_deref()
        }
        fn __len__(&self) -> usize {
            self.0.conversations.len()
        }
        fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            PyList::new(py, self.conversations())?.as_any().try_iter().map(|i| i.into_any())
        }
    }
);

model!(traced PyEventPage, core::EventPage, "EventPage", "One page of events.", ["events", "next_cursor"], {
    /// The events of this page, oldest first.
    #[getter]
    fn events(&self) -> Vec<PyEvent> {
        self.0.events.iter().cloned().map(PyEvent).collect()
    }
    /// Cursor of the next page; None on the last page.
    #[getter]
    fn next_cursor(&self) -> Option<&str> {
        self.0.next_cursor.as_deref()
    }
    fn __len__(&self) -> usize {
        self.0.events.len()
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, self.events())?.as_any().try_iter().map(|i| i.into_any())
    }
});

model!(
    traced PyResponse,
    core::Response,
    "Response",
    "The assistant's answer to one user input.",
    ["response_id", "conversation_id", "status", "created_at", "completed_at", "outputs", "error"],
    {
        /// Unique id, `resp_…`.
        #[getter]
        fn response_id(&self) -> &str {
            &self.0.response_id
        }
        /// The conversation it belongs to.
        #[getter]
        fn conversation_id(&self) -> &str {
            &self.0.conversation_id
        }
        /// Processing status (a `ResponseStatus`; unknown server values are kept).
        #[getter]
        fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            status_enum(py, &self.0.status)
        }
        /// Creation time.
        #[getter]
        fn created_at(&self) -> core::Timestamp {
            self.0.created_at
        }
        /// When it reached a terminal status.
        #[getter]
        fn completed_at(&self) -> Option<core::Timestamp> {
            self.0.completed_at
        }
        /// When it last changed (None from servers that do not send it).
        #[getter]
        fn updated_at(&self) -> Option<core::Timestamp> {
            self.0.updated_at
        }
        /// Outputs so far.
        #[getter]
        fn outputs(&self) -> Vec<PyOutputItem> {
            self.0.outputs.iter().cloned().map(PyOutputItem).collect()
        }
        /// Why a FAILED response failed, when the server says.
        #[getter]
        fn error(&self) -> Option<PyResponseError> {
            self.0.error.clone().map(PyResponseError)
        }
        /// True for COMPLETED and FAILED.
        #[getter]
        fn is_terminal(&self) -> bool {
            self.0.is_terminal()
        }
        /// The assistant's final messages joined by blank lines, or None when there are none yet.
        fn assistant_text(&self) -> Option<String> {
            self.0.assistant_text()
        }
        /// The assistant's final messages, in output order.
        fn assistant_messages(&self) -> Vec<PyMessage> {
            self.0.assistant_messages().cloned().map(PyMessage).collect()
        }
        /// The reasoning messages shown so far.
        fn reasoning_messages(&self) -> Vec<PyReasoningMessage> {
            self.0.reasoning_messages().cloned().map(PyReasoningMessage).collect()
        }
    }
);

model!(
    PyOutputItem,
    core::OutputItem,
    "OutputItem",
    "One output of a response, tagged by `type`.",
    ["type", "message", "reasoning_message"],
    {
        /// The wire type name, e.g. `"MESSAGE"` (unknown types keep their name).
        #[getter(r#type)]
        fn type_name(&self) -> &str {
            self.0.type_name()
        }
        /// The message, for `MESSAGE` outputs.
        #[getter]
        fn message(&self) -> Option<PyMessage> {
            match &self.0 {
                core::OutputItem::Message { message: m } => Some(PyMessage(m.clone())),
                _ => None,
            }
        }
        /// The reasoning message, for `REASONING_MESSAGE` outputs.
        #[getter]
        fn reasoning_message(&self) -> Option<PyReasoningMessage> {
            match &self.0 {
                core::OutputItem::ReasoningMessage { reasoning_message: m } => Some(PyReasoningMessage(m.clone())),
                _ => None,
            }
        }
        /// True for an output type this SDK version does not know (see `to_dict()` for its data).
        #[getter]
        fn is_unknown(&self) -> bool {
            matches!(self.0, core::OutputItem::Unknown { .. })
        }
    }
);

model!(
    PyMessage,
    core::Message,
    "Message",
    "A final message in a conversation.",
    ["message_id", "actor", "content", "citations", "content_references", "created_at"],
    {
        /// Unique id.
        #[getter]
        fn message_id(&self) -> &str {
            &self.0.message_id
        }
        /// The conversation it belongs to.
        #[getter]
        fn conversation_id(&self) -> &str {
            &self.0.conversation_id
        }
        /// The response that produced it.
        #[getter]
        fn response_id(&self) -> &str {
            &self.0.response_id
        }
        /// Who wrote it (an `Actor`; unknown values are kept).
        #[getter]
        fn actor<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            actor_enum(py, &self.0.actor)
        }
        /// What it says.
        #[getter]
        fn content(&self) -> PyContent {
            PyContent(self.0.content.clone())
        }
        /// The entities the message cites (assistant messages; empty when the server sends none).
        #[getter]
        fn citations(&self) -> Vec<PyCitation> {
            self.0.citations.iter().cloned().map(PyCitation).collect()
        }
        /// Where the citations are referenced in the text, ascending by offset (assistant
        /// messages; empty when the server sends none). Several may share an offset.
        #[getter]
        fn content_references(&self) -> Vec<ContentReference> {
            self.0.content_references.iter().cloned().map(ContentReference).collect()
        }
        /// Creation time.
        #[getter]
        fn created_at(&self) -> core::Timestamp {
            self.0.created_at
        }
        /// The message text (for unknown content types, a best-effort read).
        #[getter]
        fn text(&self) -> String {
            self.0.text()
        }
        /// The text with a marker `[n]` (`n`: the citation's 1-based position in `citations`)
        /// at each place `content_references` gives (without references: at the deprecated
        /// `Citation.offset` of the citations that still carry one). References sharing an
        /// offset keep the server's order; offsets count characters.
        fn text_with_citation_markers(&self) -> String {
            self.0.text_with_citation_markers()
        }
        /// How the user can rate this message (assistant messages): the callback ids to
        /// pass to `Client.submit_feedback`. None when the server sends none (user messages).
        #[getter]
        fn feedback(&self) -> Option<PyMessageFeedback> {
            self.0.feedback.clone().map(PyMessageFeedback)
        }
        /// The buttons of an assistant message, in the order to render them (rest/v1).
        #[getter]
        fn actions(&self) -> Vec<v1::PyAction> {
            self.0.actions.iter().cloned().map(v1::PyAction).collect()
        }
        /// The buttons, in order (the same as `actions`).
        fn buttons(&self) -> Vec<v1::PyAction> {
            self.0.buttons().iter().cloned().map(v1::PyAction).collect()
        }
        /// Who wrote a `LIVE_AGENT` message (rest/v1).
        #[getter]
        fn sender_info(&self) -> Option<v1::PySenderInfo> {
            self.0.sender_info.clone().map(v1::PySenderInfo)
        }
        /// The "Get Help" menu of an assistant message (rest/v1).
        #[getter]
        fn handoff(&self) -> Option<v1::PyHandoff> {
            self.0.handoff.clone().map(v1::PyHandoff)
        }
        /// True when a human agent wrote this message (`LIVE_AGENT`).
        #[getter]
        fn is_live_agent(&self) -> bool {
            self.0.is_live_agent()
        }
        /// The files attached to a user's `PLAIN_TEXT` message (empty when none).
        #[getter]
        fn files(&self) -> Vec<v1::PyFileRef> {
            self.0.files().iter().cloned().map(v1::PyFileRef).collect()
        }
        /// The form a `MODAL_ACTION` of this message opens (for `Client.get_modal`); None
        /// for any other action (rest/v1).
        fn modal_ref(&self, action: PyRef<'_, v1::PyAction>) -> Option<modal::PyModalRef> {
            self.0.modal_ref(&action.0).map(modal::PyModalRef)
        }
        /// The forms this message offers, one per `MODAL_ACTION`, in order (rest/v1).
        fn modals(&self) -> Vec<modal::PyModalRef> {
            self.0.modals().into_iter().map(modal::PyModalRef).collect()
        }
    }
);

model!(
    PyReasoningMessage,
    core::ReasoningMessage,
    "ReasoningMessage",
    "An intermediate message shown while the assistant works.",
    ["reasoning_message_id", "content", "created_at"],
    {
        /// Unique id.
        #[getter]
        fn reasoning_message_id(&self) -> &str {
            &self.0.reasoning_message_id
        }
        /// The conversation it belongs to.
        #[getter]
        fn conversation_id(&self) -> &str {
            &self.0.conversation_id
        }
        /// The response that produced it.
        #[getter]
        fn response_id(&self) -> &str {
            &self.0.response_id
        }
        /// What it says.
        #[getter]
        fn content(&self) -> PyContent {
            PyContent(self.0.content.clone())
        }
        /// Creation time.
        #[getter]
        fn created_at(&self) -> core::Timestamp {
            self.0.created_at
        }
    }
);

model!(PyContent, core::Content, "Content", "Message content, tagged by `type`.", ["type", "text"], {
    /// The wire type name, e.g. `"COMMONMARK_TEXT"` (unknown types keep their name).
    #[getter(r#type)]
    fn type_name(&self) -> &str {
        self.0.type_name()
    }
    /// The text of a known content type; None for unknown types (see `text_lossy`).
    #[getter]
    fn text(&self) -> Option<&str> {
        self.0.text()
    }
    /// The text, including a best-effort read of unknown types.
    fn text_lossy(&self) -> Option<String> {
        self.0.text_lossy()
    }
    /// True for a content type this SDK version does not know.
    #[getter]
    fn is_unknown(&self) -> bool {
        matches!(self.0, core::Content::Unknown { .. })
    }
    /// The files attached to a `PLAIN_TEXT` content (empty for other types).
    #[getter]
    fn files(&self) -> Vec<v1::PyFileRef> {
        match &self.0 {
            core::Content::PlainText { files, .. } => files.iter().cloned().map(v1::PyFileRef).collect(),
            _ => Vec::new(),
        }
    }
    /// The callback id a `CALLBACK_ACTION_CONTENT` (a button press) records; None for other
    /// types and when history omits it.
    #[getter]
    fn callback_id(&self) -> Option<&str> {
        match &self.0 {
            core::Content::CallbackAction { callback_id } => callback_id.as_deref(),
            _ => None,
        }
    }
});

model!(
    PyCitation,
    core::Citation,
    "Citation",
    "An entity a message cites. Where its markers go in the text is given by the message's \
     `content_references`, which name it by `citation_id`.",
    ["citation_id", "url", "display"],
    {
        /// Unique id, `cite_…`: what a `ContentReference` names. None from servers that predate it.
        #[getter]
        fn citation_id(&self) -> Option<&str> {
            self.0.citation_id.as_deref()
        }
        /// **Deprecated**: the wire's `location.offset`, which Moveworks stopped sending on
        /// 12 May 2026; None when absent. Read positions from `Message.content_references`.
        #[getter]
        fn offset(&self) -> Option<u64> {
            self.0.offset
        }
        /// Link to the cited entity.
        #[getter]
        fn url(&self) -> Option<&str> {
            self.0.url.as_deref()
        }
        /// How to display the cited entity.
        #[getter]
        fn display(&self) -> Option<CitationDisplay> {
            self.0.display.clone().map(CitationDisplay)
        }
    }
);

model!(
    PyEvent,
    core::Event,
    "Event",
    "A system-initiated message in the events feed.",
    ["event_id", "conversation_id", "payload"],
    {
        /// Unique id, `evt_…`.
        #[getter]
        fn event_id(&self) -> &str {
            &self.0.event_id
        }
        /// The conversation it belongs to.
        #[getter]
        fn conversation_id(&self) -> &str {
            &self.0.conversation_id
        }
        /// When it happened (rest/v1; None on v1beta1, which sends none).
        #[getter]
        fn created_at(&self) -> Option<core::Timestamp> {
            self.0.created_at
        }
        /// What happened.
        #[getter]
        fn payload(&self) -> PyEventPayload {
            PyEventPayload(self.0.payload.clone())
        }
    }
);

model!(
    PyEventPayload,
    core::EventPayload,
    "EventPayload",
    "The payload of an event, tagged by `type`.",
    ["type", "message"],
    {
        /// The wire type name, e.g. `"MESSAGE_EVENT"`.
        #[getter(r#type)]
        fn type_name(&self) -> &str {
            self.0.type_name()
        }
        /// The message, for `MESSAGE_EVENT` payloads.
        #[getter]
        fn message(&self) -> Option<PyMessage> {
            match &self.0 {
                core::EventPayload::Message { message: m } => Some(PyMessage(m.clone())),
                _ => None,
            }
        }
        /// True for an event type this SDK version does not know.
        #[getter]
        fn is_unknown(&self) -> bool {
            matches!(self.0, core::EventPayload::Unknown { .. })
        }
    }
);

model!(
    traced PyMessagePage,
    core::MessagePage,
    "MessagePage",
    "One page of messages, newest first.",
    ["messages", "next_cursor"],
    {
        /// The messages of this page, newest first.
        #[getter]
        fn messages(&self) -> Vec<PyMessage> {
            self.0.messages.iter().cloned().map(PyMessage).collect()
        }
        /// Cursor of the next page; None on the last page.
        #[getter]
        fn next_cursor(&self) -> Option<&str> {
            self.0.next_cursor.as_deref()
        }
        fn __len__(&self) -> usize {
            self.0.messages.len()
        }
        fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            PyList::new(py, self.messages())?.as_any().try_iter().map(|i| i.into_any())
        }
    }
);

model!(
    PyMessageFeedback,
    core::MessageFeedback,
    "MessageFeedback",
    "The `feedback` of an assistant message: one option per rating (which callback id is submitted decides it).",
    ["helpful", "unhelpful"],
    {
        /// Rates the message helpful.
        #[getter]
        fn helpful(&self) -> Option<PyFeedbackOption> {
            self.0.helpful.clone().map(PyFeedbackOption)
        }
        /// Rates the message unhelpful.
        #[getter]
        fn unhelpful(&self) -> Option<PyFeedbackOption> {
            self.0.unhelpful.clone().map(PyFeedbackOption)
        }
    }
);

model!(
    PyFeedbackOption,
    core::FeedbackOption,
    "FeedbackOption",
    "One rating a user can give a message.",
    ["callback_id"],
    {
        /// Opaque token naming the message and the rating: pass it to `submit_feedback` as received.
        #[getter]
        fn callback_id(&self) -> &str {
            &self.0.callback_id
        }
    }
);

model!(traced PyFeedbackResult, core::FeedbackResult, "FeedbackResult", "The answer of `submit_feedback`.", ["status"], {
    /// The submission status (a `FeedbackStatus`; unknown server values are kept).
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        feedback_status_enum(py, &self.0.status)
    }
});

/// Display data of a citation.
#[pyclass(frozen, eq, module = "moveworks")]
#[derive(Clone, PartialEq)]
pub struct CitationDisplay(pub core::CitationDisplay);

#[pymethods]
impl CitationDisplay {
    /// Primary heading (usually `MARKDOWN_TEXT`).
    #[getter]
    fn title(&self) -> Option<PyContent> {
        self.0.title.clone().map(PyContent)
    }
    /// Body or description.
    #[getter]
    fn body(&self) -> Option<PyContent> {
        self.0.body.clone().map(PyContent)
    }
    /// Opaque rendering hints (`CitationAttribute`s), in the order sent; their keys and
    /// values vary by citation, so never build logic on them.
    #[getter]
    fn attributes(&self) -> Vec<CitationAttribute> {
        self.0.attributes.iter().cloned().map(CitationAttribute).collect()
    }
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr_of(slf.as_any(), "CitationDisplay", &["title", "body", "attributes"])
    }
}

/// One opaque key-value rendering hint of a `CitationDisplay`.
#[pyclass(frozen, eq, module = "moveworks")]
#[derive(Clone, PartialEq)]
pub struct CitationAttribute(pub core::CitationAttribute);

#[pymethods]
impl CitationAttribute {
    /// Attribute name.
    #[getter]
    fn key(&self) -> &str {
        &self.0.key
    }
    /// Attribute value.
    #[getter]
    fn value(&self) -> &str {
        &self.0.value
    }
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr_of(slf.as_any(), "CitationAttribute", &["key", "value"])
    }
}

/// Where in an assistant message's text a `Citation` is referenced.
#[pyclass(frozen, eq, module = "moveworks")]
#[derive(Clone, PartialEq)]
pub struct ContentReference(pub core::ContentReference);

#[pymethods]
impl ContentReference {
    /// The `Citation.citation_id` referenced here.
    #[getter]
    fn citation_id(&self) -> &str {
        &self.0.citation_id
    }
    /// Zero-based position in the message text where the marker belongs, counted in
    /// characters (code points), not bytes or UTF-16 units. Several references may share it.
    #[getter]
    fn offset(&self) -> u64 {
        self.0.offset
    }
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr_of(slf.as_any(), "ContentReference", &["citation_id", "offset"])
    }
}

model!(
    PyResponseError,
    core::ResponseError,
    "ResponseError",
    "The `error` object of a FAILED response.",
    ["code", "message"],
    {
        /// The server's error code, verbatim.
        #[getter]
        fn code(&self) -> &str {
            &self.0.code
        }
        /// Human-readable description.
        #[getter]
        fn message(&self) -> &str {
            &self.0.message
        }
    }
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyConversation>()?;
    m.add_class::<PyConversationPage>()?;
    m.add_class::<PyEventPage>()?;
    m.add_class::<PyResponse>()?;
    m.add_class::<PyResponseError>()?;
    m.add_class::<PyOutputItem>()?;
    m.add_class::<PyMessage>()?;
    m.add_class::<PyReasoningMessage>()?;
    m.add_class::<PyContent>()?;
    m.add_class::<PyCitation>()?;
    m.add_class::<CitationDisplay>()?;
    m.add_class::<CitationAttribute>()?;
    m.add_class::<ContentReference>()?;
    m.add_class::<PyEvent>()?;
    m.add_class::<PyEventPayload>()?;
    m.add_class::<PyMessagePage>()?;
    m.add_class::<PyMessageFeedback>()?;
    m.add_class::<PyFeedbackOption>()?;
    m.add_class::<PyFeedbackResult>()?;
    v1::register(m)?;
    modal::register(m)
}

pub(crate) mod modal;
pub(crate) mod v1;
pub(crate) use modal::{modal_values, PyModal, PyModalRef, PyModalSubmitResult};
pub(crate) use v1::PyAction;
