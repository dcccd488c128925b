//! The API's data model, defined once for every binding.
//!
//! The API is beta: every enum and tagged union has an explicit unknown variant
//! that keeps the raw value, and unknown fields are ignored, so a new server
//! value never fails decoding. Serializing a model writes the wire JSON back
//! (unknown variants verbatim), which is what every binding's `to_json` returns.

use chrono::{DateTime, Utc};
use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::tagged::buffered_payload;

pub use crate::actions::{Action, FileRef, Handoff, HandoffCategory, HandoffItem, HandoffItemType, SenderInfo};

/// A UTC timestamp parsed from the API's ISO 8601 strings.
pub type Timestamp = DateTime<Utc>;

// Crosses as the platform's instant type (Kotlin `java.time.Instant`, Swift `Date`),
// named `Timestamp` in the generated code.
#[cfg(feature = "uniffi")]
uniffi::custom_type!(Timestamp, std::time::SystemTime, {
    remote,
    lower: |t| std::time::SystemTime::from(t),
    try_lift: |t| Ok(Timestamp::from(t)),
});

/// A conversation thread.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Conversation {
    /// Unique id, `conv_…`.
    pub conversation_id: String,
    /// User-defined or AI-generated title; absent until one exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// User-controlled archive flag. Defaults to false when the server omits it (the
    /// published spec makes it optional) or sends `null`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub archived: bool,
    /// When the conversation was created.
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub created_at: Timestamp,
    /// When the conversation was last updated or used.
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub updated_at: Timestamp,
    /// The `x-moveworks-root-uuid` of the HTTP answer this value came from: quote it
    /// to Moveworks support, for a wrong answer as for an error. Not part of the wire
    /// JSON, and ignored by `==` (the same object fetched twice is equal).
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_id: Option<String>,
    /// The headers of the HTTP answer this value came from (names lowercase, repeated
    /// headers joined with `, `); not part of the wire JSON, ignored by `==`.
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http_headers: Option<HttpHeaders>,
}

/// One page of [`Conversation`]s.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ConversationPage {
    /// The conversations of this page, newest `updated_at` first.
    pub conversations: Vec<Conversation>,
    /// Cursor for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// The `x-moveworks-root-uuid` of the HTTP answer this value came from: quote it
    /// to Moveworks support, for a wrong answer as for an error. Not part of the wire
    /// JSON, and ignored by `==` (the same object fetched twice is equal).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_id: Option<String>,
    /// The headers of the HTTP answer this value came from (names lowercase, repeated
    /// headers joined with `, `); not part of the wire JSON, ignored by `==`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http_headers: Option<HttpHeaders>,
}

/// One page of [`Event`]s.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EventPage {
    /// The events of this page, oldest first.
    pub events: Vec<Event>,
    /// Cursor for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// The `x-moveworks-root-uuid` of the HTTP answer this value came from: quote it
    /// to Moveworks support, for a wrong answer as for an error. Not part of the wire
    /// JSON, and ignored by `==` (the same object fetched twice is equal).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_id: Option<String>,
    /// The headers of the HTTP answer this value came from (names lowercase, repeated
    /// headers joined with `, `); not part of the wire JSON, ignored by `==`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http_headers: Option<HttpHeaders>,
}

/// Processing status of a [`Response`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ResponseStatus {
    /// Accepted, not started.
    Created,
    /// Being worked on; outputs may already hold reasoning messages.
    InProgress,
    /// Finished successfully (terminal).
    Completed,
    /// Finished unsuccessfully (terminal).
    Failed,
    /// A status this SDK version does not know, kept verbatim. Treated as not terminal.
    Unknown {
        /// The wire value.
        raw: String,
    },
}

/// Who wrote a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Actor {
    /// The end user.
    User,
    /// The assistant.
    Assistant,
    /// A human agent the conversation was handed off to (`rest/v1`); the message's
    /// [`sender_info`](Message::sender_info) says who.
    LiveAgent,
    /// An actor this SDK version does not know, kept verbatim.
    Unknown {
        /// The wire value.
        raw: String,
    },
}

/// Message content, tagged by `type`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Content {
    /// `PLAIN_TEXT`.
    PlainText {
        /// The text.
        text: String,
        /// Files attached to a user's message (`plain_text.files`, `rest/v1`); empty when none.
        files: Vec<FileRef>,
    },
    /// `COMMONMARK_TEXT`.
    CommonmarkText {
        /// CommonMark source.
        text: String,
    },
    /// `MARKDOWN_TEXT`: raw markdown, used when the assistant's reply is not CommonMark.
    MarkdownText {
        /// Markdown source.
        text: String,
    },
    /// `CALLBACK_ACTION_CONTENT`: a user's button press as history records it (`rest/v1`).
    /// The label of the button is not recorded.
    CallbackAction {
        /// The pressed action's callback id; `None` when history omits the
        /// `callback_action` payload (it can).
        callback_id: Option<String>,
    },
    /// A content type this SDK version does not know.
    Unknown {
        /// The wire `type`, e.g. `"HTML_TEXT"`.
        type_name: String,
        /// The whole item as JSON text, exactly as received.
        raw_json: String,
    },
}

/// An entity a [`Message`] cites. Where its markers go in the text is given by the
/// message's [`content_references`](Message::content_references), which name it by
/// [`citation_id`](Self::citation_id).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Citation {
    /// Unique id, `cite_…`: what a [`ContentReference`] names. `None` from servers that
    /// predate it.
    pub citation_id: Option<String>,
    /// **Deprecated**: the wire's `location.offset`, which Moveworks stopped sending on
    /// 12 May 2026 (for new and existing messages); `None` when absent or not a
    /// non-negative integer. Read positions from [`Message::content_references`].
    pub offset: Option<u64>,
    /// Link to the cited entity.
    pub url: Option<String>,
    /// How to display the cited entity.
    pub display: Option<CitationDisplay>,
}

/// Display data of a [`Citation`].
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CitationDisplay {
    /// Primary heading (usually `MARKDOWN_TEXT`).
    pub title: Option<Content>,
    /// Body or description.
    pub body: Option<Content>,
    /// Opaque rendering hints, in the order sent; their keys and values vary by
    /// citation, so never build logic on them.
    pub attributes: Vec<CitationAttribute>,
}

/// One opaque key-value rendering hint of a [`CitationDisplay`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CitationAttribute {
    /// Attribute name.
    #[serde(default)]
    pub key: String,
    /// Attribute value.
    #[serde(default)]
    pub value: String,
}

/// Where in an assistant message's text a [`Citation`] is referenced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ContentReference {
    /// The [`Citation::citation_id`] referenced here.
    pub citation_id: String,
    /// Zero-based position in the message text where the marker belongs, counted in
    /// characters (Unicode scalar values), not bytes or UTF-16 units. Several references
    /// may share an offset.
    pub offset: u64,
}

/// A final message in a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Message {
    /// Unique id.
    pub message_id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// The response that produced it.
    pub response_id: String,
    /// Who wrote it.
    pub actor: Actor,
    /// What it says.
    pub content: Content,
    /// The entities the message cites (assistant messages only). The API documents
    /// "array or null": `null` or a missing list decodes as empty.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub citations: Vec<Citation>,
    /// Where the citations are referenced in the text, ascending by offset (assistant
    /// messages only; `null` or missing decodes as empty). An entry whose offset is not a
    /// non-negative integer or that names no citation id is dropped, never failing the message.
    #[serde(default, deserialize_with = "lenient_references")]
    pub content_references: Vec<ContentReference>,
    /// When it was created.
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub created_at: Timestamp,
    /// The buttons of an assistant message, in the order to render them (`rest/v1`;
    /// empty when none); press a `CALLBACK_ACTION` with [`Client::press`](crate::Client::press).
    #[serde(default, deserialize_with = "crate::actions::lenient_actions", skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    /// Who wrote a `LIVE_AGENT` message (`rest/v1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_info: Option<SenderInfo>,
    /// The "Get Help" menu of an assistant message (`rest/v1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<Handoff>,
    /// How the user can rate this message (assistant messages only): the opaque
    /// callback ids to pass to [`Client::submit_feedback`](crate::Client::submit_feedback).
    /// `None` when the server sends none (user messages, older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<MessageFeedback>,
}

/// The `feedback` object of an assistant [`Message`]: one option per rating.
///
/// Which callback id is submitted decides the rating; pass it back exactly as
/// received with [`Client::submit_feedback`](crate::Client::submit_feedback).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MessageFeedback {
    /// Rate the message helpful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helpful: Option<FeedbackOption>,
    /// Rate the message unhelpful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unhelpful: Option<FeedbackOption>,
}

/// One rating a user can give a [`Message`] (`feedback.helpful` or `feedback.unhelpful`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FeedbackOption {
    /// Opaque token naming the message and the rating; never parse it.
    pub callback_id: String,
}

/// One page of [`Message`]s.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MessagePage {
    /// The messages of this page, newest first.
    pub messages: Vec<Message>,
    /// Cursor for the next page; `None` on the last page (and when the server
    /// sends no `metadata`, as list response messages may).
    pub next_cursor: Option<String>,
    /// The `x-moveworks-root-uuid` of the HTTP answer this value came from: quote it
    /// to Moveworks support, for a wrong answer as for an error. Not part of the wire
    /// JSON, and ignored by `==` (the same object fetched twice is equal).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_id: Option<String>,
    /// The headers of the HTTP answer this value came from (names lowercase, repeated
    /// headers joined with `, `); not part of the wire JSON, ignored by `==`.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http_headers: Option<HttpHeaders>,
}

/// Status of a submitted feedback.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FeedbackStatus {
    /// The feedback was recorded.
    Submitted,
    /// A status this SDK version does not know, kept verbatim.
    Unknown {
        /// The wire value.
        raw: String,
    },
}

/// The answer of [`Client::submit_feedback`](crate::Client::submit_feedback): `{"status": "SUBMITTED"}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FeedbackResult {
    /// The submission status.
    pub status: FeedbackStatus,
    /// The `x-moveworks-root-uuid` of the HTTP answer this value came from: quote it
    /// to Moveworks support, for a wrong answer as for an error. Not part of the wire
    /// JSON, and ignored by `==` (the same object fetched twice is equal).
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_id: Option<String>,
    /// The headers of the HTTP answer this value came from (names lowercase, repeated
    /// headers joined with `, `); not part of the wire JSON, ignored by `==`.
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http_headers: Option<HttpHeaders>,
}

/// An intermediate message the assistant shows while it works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReasoningMessage {
    /// Unique id.
    pub reasoning_message_id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// The response that produced it.
    pub response_id: String,
    /// What it says.
    pub content: Content,
    /// When it was created.
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub created_at: Timestamp,
}

/// One output of a [`Response`], tagged by `type`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(clippy::large_enum_variant)] // a message is the common case; boxing would not cross uniffi
pub enum OutputItem {
    /// `MESSAGE`: a final message.
    Message {
        /// The message.
        message: Message,
    },
    /// `REASONING_MESSAGE`: progress shown while the response is in progress.
    ReasoningMessage {
        /// The reasoning message.
        reasoning_message: ReasoningMessage,
    },
    /// An output type this SDK version does not know.
    Unknown {
        /// The wire `type`, e.g. `"TOOL_CALL"`.
        type_name: String,
        /// The whole item as JSON text, exactly as received.
        raw_json: String,
    },
}

/// The assistant's answer to one user input; poll it until its status is terminal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Response {
    /// Unique id, `resp_…`.
    pub response_id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// Processing status.
    pub status: ResponseStatus,
    /// When it was created.
    #[serde(deserialize_with = "timestamp::deserialize")]
    pub created_at: Timestamp,
    /// When it reached a terminal status.
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    pub completed_at: Option<Timestamp>,
    /// When it last changed (the live reference pages; absent from older servers).
    #[serde(default, deserialize_with = "timestamp::deserialize_option", skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// Outputs so far. The reference page documents "list of objects or null":
    /// `null` (or a missing list) decodes as empty.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub outputs: Vec<OutputItem>,
    /// Why a `FAILED` response failed, when the server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ResponseError>,
    /// The `x-moveworks-root-uuid` of the HTTP answer this value came from: quote it
    /// to Moveworks support, for a wrong answer as for an error. Not part of the wire
    /// JSON, and ignored by `==` (the same object fetched twice is equal).
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_id: Option<String>,
    /// The headers of the HTTP answer this value came from (names lowercase, repeated
    /// headers joined with `, `); not part of the wire JSON, ignored by `==`.
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http_headers: Option<HttpHeaders>,
}

/// The `error` object of a `FAILED` [`Response`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ResponseError {
    /// The server's error code, verbatim.
    #[serde(default)]
    pub code: String,
    /// Human-readable description.
    #[serde(default)]
    pub message: String,
}

/// A list the API documents as "list or null": `null` decodes as empty.
pub(crate) fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A value the spec makes optional, with `null` read as absent.
fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A non-negative integer that fits in `u64`, or `None` for anything else (the spec
/// declares no minimum, so a negative or fractional value must not fail a whole answer).
fn lenient_u64(value: Option<&Value>) -> Option<u64> {
    value.and_then(Value::as_u64)
}

/// `content_references`: `null` is empty; an entry that is not `{citation_id, offset}`
/// with a usable offset is dropped.
fn lenient_references<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ContentReference>, D::Error> {
    struct Entry(Option<ContentReference>);
    impl<'de> Deserialize<'de> for Entry {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let [citation_id, offset] =
                de::DeserializeSeed::deserialize(crate::lenient::Members { names: ["citation_id", "offset"] }, d)?;
            Ok(Entry(
                offset
                    .as_u64()
                    .zip(citation_id.into_string())
                    .map(|(offset, citation_id)| ContentReference { citation_id, offset }),
            ))
        }
    }
    let raw = Option::<Vec<Entry>>::deserialize(d)?.unwrap_or_default();
    Ok(raw.into_iter().filter_map(|e| e.0).collect())
}

/// A system-initiated message in the events feed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Event {
    /// Unique id, `evt_…`; ids increase in feed order.
    pub event_id: String,
    /// The conversation it belongs to.
    pub conversation_id: String,
    /// When it happened (`rest/v1`; the beta sends none). Events are ordered by it.
    #[serde(default, deserialize_with = "timestamp::deserialize_option", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// What happened.
    #[serde(rename = "event_payload")]
    pub payload: EventPayload,
    /// The `x-moveworks-root-uuid` (or `x-trace-id`) of the HTTP answer of
    /// [`Client::get_event`](crate::Client::get_event); `None` inside a page. Not part of
    /// the wire JSON, ignored by `==`.
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_id: Option<String>,
    /// The headers of that HTTP answer; not part of the wire JSON, ignored by `==`.
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http_headers: Option<HttpHeaders>,
}

/// The payload of an [`Event`], tagged by `type`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[allow(clippy::large_enum_variant)] // a message is the common case; boxing would not cross uniffi
pub enum EventPayload {
    /// `MESSAGE_EVENT`: a final message.
    Message {
        /// The message.
        message: Message,
    },
    /// An event type this SDK version does not know.
    Unknown {
        /// The wire `type`, e.g. `"NOTIFICATION_EVENT"`.
        type_name: String,
        /// The whole payload as JSON text, exactly as received.
        raw_json: String,
    },
}

// ---- simple string enums ----------------------------------------------------

macro_rules! string_enum {
    ($ty:ident { $($variant:ident => $wire:literal),* $(,)? }) => {
        impl $ty {
            /// The wire values this SDK version knows (bindings with their own
            /// enum types check theirs against this list).
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// Parses a wire value; unknown values are kept, never rejected.
            pub fn parse(raw: &str) -> $ty {
                match raw {
                    $($wire => $ty::$variant,)*
                    other => $ty::Unknown { raw: other.to_owned() },
                }
            }
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($ty::$variant => $wire,)*
                    $ty::Unknown { raw } => raw,
                }
            }
            /// True when this value is not one this SDK version knows.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $ty::Unknown { .. })
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = std::borrow::Cow::<str>::deserialize(d)?;
                Ok($ty::parse(&raw))
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use string_enum;

string_enum!(ResponseStatus {
    Created => "CREATED",
    InProgress => "IN_PROGRESS",
    Completed => "COMPLETED",
    Failed => "FAILED",
});

string_enum!(FeedbackStatus {
    Submitted => "SUBMITTED",
});

string_enum!(Actor {
    User => "USER",
    Assistant => "ASSISTANT",
    LiveAgent => "LIVE_AGENT",
});

impl ResponseStatus {
    /// True for `COMPLETED` and `FAILED`: polling stops there.
    pub fn is_terminal(&self) -> bool {
        matches!(self, ResponseStatus::Completed | ResponseStatus::Failed)
    }
}

// ---- tagged unions ----------------------------------------------------------

/// Splits a tagged union `{"type": T, "<field>": {...}}` into its tag and whole value.
fn take_tagged<'de, D: Deserializer<'de>>(d: D) -> Result<(String, Value), D::Error> {
    let value = Value::deserialize(d)?;
    let tag = value.get("type").and_then(Value::as_str).ok_or_else(|| de::Error::missing_field("type"))?.to_owned();
    Ok((tag, value))
}

/// The type name and raw JSON of an unknown variant.
fn unknown(tag: String, value: &Value) -> (String, String) {
    (tag, value.to_string())
}

/// Writes an unknown variant back exactly as received.
fn serialize_unknown<S: Serializer>(raw_json: &str, s: S) -> Result<S::Ok, S::Error> {
    let value: Value = serde_json::from_str(raw_json).map_err(serde::ser::Error::custom)?;
    value.serialize(s)
}

fn serialize_tagged<S: Serializer, T: Serialize>(s: S, tag: &str, field: &str, inner: &T) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(2))?;
    map.serialize_entry("type", tag)?;
    map.serialize_entry(field, inner)?;
    map.end()
}

#[derive(Deserialize)]
struct TextBody {
    text: String,
}

#[derive(Serialize)]
struct TextBodyOut<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct PlainTextBodyOut<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    files: &'a [FileRef],
}

#[derive(Deserialize)]
struct PlainTextBody {
    text: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    files: Vec<FileRef>,
}

impl Content {
    /// The `type` values this SDK version decodes into a known variant. Bindings
    /// that shape the wire JSON themselves (Node) read this list instead of
    /// keeping their own, so a variant added here cannot read as unknown there.
    pub const KNOWN: &'static [&'static str] =
        &["PLAIN_TEXT", "COMMONMARK_TEXT", "MARKDOWN_TEXT", "CALLBACK_ACTION_CONTENT"];

    /// The text of this content. For an unknown type, the `text` of its payload
    /// when it has the usual `{"type": T, "<t>": {"text": …}}` shape.
    pub fn text(&self) -> Option<&str> {
        match self {
            Content::PlainText { text, .. } | Content::CommonmarkText { text } | Content::MarkdownText { text } => {
                Some(text)
            }
            Content::CallbackAction { .. } | Content::Unknown { .. } => None,
        }
    }

    /// The text of this content, including a best-effort read of unknown types.
    pub fn text_lossy(&self) -> Option<String> {
        match self {
            Content::Unknown { type_name, raw_json } => {
                let value: Value = serde_json::from_str(raw_json).ok()?;
                let field = type_name.to_ascii_lowercase();
                value.get(&field)?.get("text")?.as_str().map(str::to_owned)
            }
            known => known.text().map(str::to_owned),
        }
    }

    /// The wire name of the content type, e.g. `"COMMONMARK_TEXT"`.
    pub fn type_name(&self) -> &str {
        match self {
            Content::PlainText { .. } => "PLAIN_TEXT",
            Content::CommonmarkText { .. } => "COMMONMARK_TEXT",
            Content::MarkdownText { .. } => "MARKDOWN_TEXT",
            Content::CallbackAction { .. } => "CALLBACK_ACTION_CONTENT",
            Content::Unknown { type_name, .. } => type_name,
        }
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::tagged::read(d)
    }
}

impl crate::tagged::TaggedUnion for Content {
    const TAGS: &'static [&'static str] = Content::KNOWN;

    fn payload_field(tag: &str) -> Option<&'static str> {
        Some(match tag {
            "PLAIN_TEXT" => "plain_text",
            "CALLBACK_ACTION_CONTENT" => "callback_action",
            "COMMONMARK_TEXT" => "commonmark_text",
            "MARKDOWN_TEXT" => "markdown_text",
            _ => return None,
        })
    }

    fn from_payload<'de, D: Deserializer<'de>>(tag: &str, payload: D) -> Result<Self, D::Error> {
        Ok(match tag {
            "PLAIN_TEXT" => {
                let body = PlainTextBody::deserialize(payload)?;
                Content::PlainText { text: body.text, files: body.files }
            }
            "CALLBACK_ACTION_CONTENT" => {
                Content::CallbackAction { callback_id: callback_id_of(&Value::deserialize(payload)?) }
            }
            "COMMONMARK_TEXT" => Content::CommonmarkText { text: TextBody::deserialize(payload)?.text },
            _ => Content::MarkdownText { text: TextBody::deserialize(payload)?.text },
        })
    }

    fn from_object<E: de::Error>(tag: String, mut value: Value) -> Result<Self, E> {
        Ok(match tag.as_str() {
            "PLAIN_TEXT" => {
                let body = buffered_payload::<PlainTextBody, E>(&mut value, "plain_text")?;
                Content::PlainText { text: body.text, files: body.files }
            }
            // History can omit the payload: a press whose id is not recorded.
            "CALLBACK_ACTION_CONTENT" => {
                Content::CallbackAction { callback_id: value.get("callback_action").and_then(callback_id_of) }
            }
            "COMMONMARK_TEXT" => {
                Content::CommonmarkText { text: buffered_payload::<TextBody, E>(&mut value, "commonmark_text")?.text }
            }
            "MARKDOWN_TEXT" => {
                Content::MarkdownText { text: buffered_payload::<TextBody, E>(&mut value, "markdown_text")?.text }
            }
            _ => {
                let (type_name, raw_json) = unknown(tag, &value);
                Content::Unknown { type_name, raw_json }
            }
        })
    }
}

/// A recorded press's `callback_action.callback_id`, when it is a string.
fn callback_id_of(callback_action: &Value) -> Option<String> {
    callback_action.get("callback_id").and_then(Value::as_str).map(str::to_owned)
}

impl Serialize for Content {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Content::PlainText { text, files } => {
                serialize_tagged(s, "PLAIN_TEXT", "plain_text", &PlainTextBodyOut { text, files })
            }
            Content::CallbackAction { callback_id: Some(id) } => serialize_tagged(
                s,
                "CALLBACK_ACTION_CONTENT",
                "callback_action",
                &serde_json::json!({ "callback_id": id }),
            ),
            Content::CallbackAction { callback_id: None } => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("type", "CALLBACK_ACTION_CONTENT")?;
                map.end()
            }
            Content::CommonmarkText { text } => {
                serialize_tagged(s, "COMMONMARK_TEXT", "commonmark_text", &TextBodyOut { text })
            }
            Content::MarkdownText { text } => {
                serialize_tagged(s, "MARKDOWN_TEXT", "markdown_text", &TextBodyOut { text })
            }
            Content::Unknown { raw_json, .. } => serialize_unknown(raw_json, s),
        }
    }
}

impl OutputItem {
    /// The `type` values this SDK version decodes into a known variant (see [`Content::KNOWN`]).
    pub const KNOWN: &'static [&'static str] = &["MESSAGE", "REASONING_MESSAGE"];

    /// The wire name of the output type, e.g. `"MESSAGE"`.
    pub fn type_name(&self) -> &str {
        match self {
            OutputItem::Message { .. } => "MESSAGE",
            OutputItem::ReasoningMessage { .. } => "REASONING_MESSAGE",
            OutputItem::Unknown { type_name, .. } => type_name,
        }
    }
}

impl<'de> Deserialize<'de> for OutputItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::tagged::read(d)
    }
}

impl crate::tagged::TaggedUnion for OutputItem {
    const TAGS: &'static [&'static str] = OutputItem::KNOWN;

    fn payload_field(tag: &str) -> Option<&'static str> {
        match tag {
            "MESSAGE" => Some("message"),
            "REASONING_MESSAGE" => Some("reasoning_message"),
            _ => None,
        }
    }

    fn from_payload<'de, D: Deserializer<'de>>(tag: &str, payload: D) -> Result<Self, D::Error> {
        Ok(match tag {
            "MESSAGE" => OutputItem::Message { message: Message::deserialize(payload)? },
            _ => OutputItem::ReasoningMessage { reasoning_message: ReasoningMessage::deserialize(payload)? },
        })
    }

    fn from_object<E: de::Error>(tag: String, mut value: Value) -> Result<Self, E> {
        Ok(match tag.as_str() {
            "MESSAGE" => OutputItem::Message { message: buffered_payload(&mut value, "message")? },
            "REASONING_MESSAGE" => {
                OutputItem::ReasoningMessage { reasoning_message: buffered_payload(&mut value, "reasoning_message")? }
            }
            _ => {
                let (type_name, raw_json) = unknown(tag, &value);
                OutputItem::Unknown { type_name, raw_json }
            }
        })
    }
}

impl Serialize for OutputItem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            OutputItem::Message { message } => serialize_tagged(s, "MESSAGE", "message", message),
            OutputItem::ReasoningMessage { reasoning_message } => {
                serialize_tagged(s, "REASONING_MESSAGE", "reasoning_message", reasoning_message)
            }
            OutputItem::Unknown { raw_json, .. } => serialize_unknown(raw_json, s),
        }
    }
}

impl EventPayload {
    /// The `type` values this SDK version decodes into a known variant (see [`Content::KNOWN`]).
    pub const KNOWN: &'static [&'static str] = &["MESSAGE_EVENT"];

    /// The wire name of the event type, e.g. `"MESSAGE_EVENT"`.
    pub fn type_name(&self) -> &str {
        match self {
            EventPayload::Message { .. } => "MESSAGE_EVENT",
            EventPayload::Unknown { type_name, .. } => type_name,
        }
    }
}

impl<'de> Deserialize<'de> for EventPayload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (tag, mut value) = take_tagged(d)?;
        Ok(match tag.as_str() {
            // The spec requires only `type`: a message event without its message is kept raw.
            "MESSAGE_EVENT" if value.get("message").is_some_and(|m| !m.is_null()) => {
                EventPayload::Message { message: buffered_payload::<_, D::Error>(&mut value, "message")? }
            }
            _ => {
                let (type_name, raw_json) = unknown(tag, &value);
                EventPayload::Unknown { type_name, raw_json }
            }
        })
    }
}

impl Serialize for EventPayload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            EventPayload::Message { message } => serialize_tagged(s, "MESSAGE_EVENT", "message", message),
            EventPayload::Unknown { raw_json, .. } => serialize_unknown(raw_json, s),
        }
    }
}

// ---- citations: flat in the model, nested on the wire ------------------------

#[derive(Serialize)]
struct WireCitationLocation {
    offset: u64,
}

#[derive(Deserialize, Default)]
struct WireDisplay {
    #[serde(default)]
    title: Option<Content>,
    #[serde(default)]
    body: Option<Content>,
    #[serde(default, deserialize_with = "null_as_empty")]
    attributes: Vec<CitationAttribute>,
}

#[derive(Deserialize)]
struct WireCitationIn {
    #[serde(default)]
    citation_id: Option<String>,
    #[serde(default)]
    location: Option<Value>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    display: Option<WireDisplay>,
}

/// What a citation is written as: the model's fields borrowed, nested as on the wire.
#[derive(Serialize)]
struct WireCitationOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    citation_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<WireCitationLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<WireDisplayOut<'a>>,
}

#[derive(Serialize)]
struct WireDisplayOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a Content>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a Content>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    attributes: &'a [CitationAttribute],
}

impl<'de> Deserialize<'de> for Citation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = WireCitationIn::deserialize(d)?;
        Ok(Citation {
            citation_id: w.citation_id,
            offset: lenient_u64(w.location.as_ref().and_then(|l| l.get("offset"))),
            url: w.url,
            display: w.display.map(|d| CitationDisplay { title: d.title, body: d.body, attributes: d.attributes }),
        })
    }
}

impl Serialize for Citation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WireCitationOut {
            citation_id: self.citation_id.as_deref(),
            location: self.offset.map(|offset| WireCitationLocation { offset }),
            url: self.url.as_deref(),
            display: self.display.as_ref().map(|d| WireDisplayOut {
                title: d.title.as_ref(),
                body: d.body.as_ref(),
                attributes: &d.attributes,
            }),
        }
        .serialize(s)
    }
}

// ---- pages: flat in the model, `metadata.next_cursor` on the wire ------------

#[derive(Serialize, Deserialize, Default)]
struct WireMetadata {
    #[serde(default)]
    next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct WireConversationPage {
    // Required (a body without it is not a page), but `null` reads as empty.
    #[serde(deserialize_with = "null_as_empty")]
    conversations: Vec<Conversation>,
    #[serde(default)]
    metadata: Option<WireMetadata>,
}

#[derive(Serialize, Deserialize)]
struct WireMessagePage {
    // Required (a body without it is not a page), but `null` reads as empty.
    #[serde(deserialize_with = "null_as_empty")]
    messages: Vec<Message>,
    #[serde(default)]
    metadata: Option<WireMetadata>,
}

impl<'de> Deserialize<'de> for MessagePage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = WireMessagePage::deserialize(d)?;
        Ok(MessagePage {
            messages: w.messages,
            next_cursor: w.metadata.and_then(|m| m.next_cursor).filter(|c| !c.is_empty()),
            request_id: None,
            http_headers: None,
        })
    }
}

impl Serialize for MessagePage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("messages", &self.messages)?;
        map.serialize_entry("metadata", &WireMetadata { next_cursor: self.next_cursor.clone() })?;
        map.end()
    }
}

#[derive(Serialize, Deserialize)]
struct WireEventPage {
    // Required (a body without it is not a page), but `null` reads as empty.
    #[serde(deserialize_with = "null_as_empty")]
    events: Vec<Event>,
    #[serde(default)]
    metadata: Option<WireMetadata>,
}

impl<'de> Deserialize<'de> for ConversationPage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = WireConversationPage::deserialize(d)?;
        Ok(ConversationPage {
            conversations: w.conversations,
            next_cursor: w.metadata.and_then(|m| m.next_cursor).filter(|c| !c.is_empty()),
            request_id: None,
            http_headers: None,
        })
    }
}

impl Serialize for ConversationPage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("conversations", &self.conversations)?;
        map.serialize_entry("metadata", &WireMetadata { next_cursor: self.next_cursor.clone() })?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for EventPage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = WireEventPage::deserialize(d)?;
        Ok(EventPage {
            events: w.events,
            next_cursor: w.metadata.and_then(|m| m.next_cursor).filter(|c| !c.is_empty()),
            request_id: None,
            http_headers: None,
        })
    }
}

impl Serialize for EventPage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("events", &self.events)?;
        map.serialize_entry("metadata", &WireMetadata { next_cursor: self.next_cursor.clone() })?;
        map.end()
    }
}

// ---- the request id: metadata, not value ----------------------------------------

/// The values a call returns, each carrying the `x-moveworks-root-uuid` of the HTTP
/// answer it was decoded from (bindings read it generically through this trait).
pub trait Traced {
    /// The request id of the HTTP answer this value came from.
    fn request_id(&self) -> Option<&str>;
    /// Records the request id of the HTTP answer (the transport does this).
    #[doc(hidden)]
    fn set_request_id(&mut self, request_id: Option<String>);
    /// The headers of the HTTP answer this value came from.
    fn http_headers(&self) -> Option<&HttpHeaders>;
    /// Records the headers of the HTTP answer (the transport does this).
    #[doc(hidden)]
    fn set_http_headers(&mut self, headers: Option<HttpHeaders>);
}

pub use crate::headers::HttpHeaders;

/// `PartialEq` comparing every field but `request_id`; the exhaustive pattern makes
/// a new field a compile error here until it is listed.
macro_rules! traced {
    ($($ty:ident { $($field:ident),* })*) => {$(
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                let $ty { $($field,)* request_id: _, http_headers: _ } = self;
                true $(&& *$field == other.$field)*
            }
        }
        impl Traced for $ty {
            fn request_id(&self) -> Option<&str> {
                self.request_id.as_deref()
            }
            fn set_request_id(&mut self, request_id: Option<String>) {
                self.request_id = request_id;
            }
            fn http_headers(&self) -> Option<&HttpHeaders> {
                self.http_headers.as_ref()
            }
            fn set_http_headers(&mut self, headers: Option<HttpHeaders>) {
                self.http_headers = headers;
            }
        }
    )*};
}

traced! {
    Conversation { conversation_id, title, archived, created_at, updated_at }
    ConversationPage { conversations, next_cursor }
    EventPage { events, next_cursor }
    MessagePage { messages, next_cursor }
    Event { event_id, conversation_id, created_at, payload }
    FeedbackResult { status }
    Response { response_id, conversation_id, status, created_at, completed_at, updated_at, outputs, error }
}
impl Eq for FeedbackResult {}

// ---- helpers users want -------------------------------------------------------

impl Message {
    /// The message text (for unknown content types, a best-effort read).
    pub fn text(&self) -> String {
        self.content.text_lossy().unwrap_or_default()
    }

    /// The message's buttons, in the order to render them (its [`actions`](Self::actions)).
    pub fn buttons(&self) -> &[Action] {
        &self.actions
    }

    /// True when a human agent wrote this message (`LIVE_AGENT`); [`sender_info`](Self::sender_info) says who.
    pub fn is_live_agent(&self) -> bool {
        self.actor == Actor::LiveAgent
    }

    /// The files attached to this message (a user's `PLAIN_TEXT` with `files`); empty when none.
    pub fn files(&self) -> &[FileRef] {
        match &self.content {
            Content::PlainText { files, .. } => files,
            _ => &[],
        }
    }

    /// Where each citation marker goes: `(offset, index into `citations`)` pairs in text
    /// order. From [`content_references`](Self::content_references) (a reference to a
    /// citation id the message does not list is skipped; a citation referenced twice at
    /// one offset is placed once); when the message has no references, from the deprecated
    /// [`Citation::offset`] of the citations that still carry one.
    pub fn citation_places(&self) -> Vec<(u64, usize)> {
        let mut places: Vec<(u64, usize)> = if self.content_references.is_empty() {
            self.citations.iter().enumerate().filter_map(|(i, c)| Some((c.offset?, i))).collect()
        } else {
            self.content_references
                .iter()
                .filter_map(|r| {
                    let i = self.citations.iter().position(|c| c.citation_id.as_deref() == Some(&*r.citation_id))?;
                    Some((r.offset, i))
                })
                .collect()
        };
        // Stable: references sharing an offset keep the order the server sent them in.
        places.sort_by_key(|&(offset, _)| offset);
        let mut seen = std::collections::HashSet::new();
        places.retain(|place| seen.insert(*place));
        places
    }

    /// The text with a marker inserted at each citation's place (see
    /// [`citation_places`](Self::citation_places)): `[n]` where `n` is the citation's
    /// 1-based position in [`citations`](Self::citations). See [`render_citations`].
    pub fn text_with_citation_markers(&self) -> String {
        render_citations(&self.text(), &self.citation_places(), |i| format!("[{}]", i + 1))
    }
}

impl Response {
    /// The final messages written by the assistant, in output order.
    pub fn assistant_messages(&self) -> impl Iterator<Item = &Message> {
        self.outputs.iter().filter_map(|o| match o {
            OutputItem::Message { message } if message.actor == Actor::Assistant => Some(message),
            _ => None,
        })
    }

    /// The reasoning messages shown so far, in output order.
    pub fn reasoning_messages(&self) -> impl Iterator<Item = &ReasoningMessage> {
        self.outputs.iter().filter_map(|o| match o {
            OutputItem::ReasoningMessage { reasoning_message } => Some(reasoning_message),
            _ => None,
        })
    }

    /// The assistant's answer: the text of its final messages joined by blank
    /// lines, or `None` when there is none yet.
    pub fn assistant_text(&self) -> Option<String> {
        let texts: Vec<String> = self.assistant_messages().map(Message::text).collect();
        if texts.is_empty() {
            None
        } else {
            Some(texts.join("\n\n"))
        }
    }

    /// True for a terminal status (`COMPLETED` or `FAILED`).
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }
}

/// Inserts `marker(i)` into `text` at each `(offset, i)` of `places` (as
/// [`Message::citation_places`] gives them).
///
/// Offsets count characters (Unicode scalar values), as the API does; an offset
/// past the end puts the marker at the end. Places sharing an offset keep their
/// order. The text is never split inside a character.
pub fn render_citations(text: &str, places: &[(u64, usize)], marker: impl Fn(usize) -> String) -> String {
    let mut order: Vec<(u64, usize)> = places.to_vec();
    order.sort_by_key(|&(offset, _)| offset);
    let mut out = String::with_capacity(text.len() + places.len() * 4);
    let mut chars = text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len()));
    let mut copied_to_byte = 0usize;
    let mut char_pos = 0u64;
    let mut current_byte = chars.next().unwrap_or(0);
    for (offset, i) in order {
        while char_pos < offset && current_byte < text.len() {
            current_byte = chars.next().unwrap_or(text.len());
            char_pos += 1;
        }
        out.push_str(&text[copied_to_byte..current_byte]);
        copied_to_byte = current_byte;
        out.push_str(&marker(i));
    }
    out.push_str(&text[copied_to_byte..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_land_on_character_offsets_not_bytes() {
        let text = "Café ☕ is hot";
        // 'é' and '☕' are multi-byte; offset 6 is just after the cup.
        let out = render_citations(text, &[(6, 0), (4, 1)], |i| format!("[{}]", i + 1));
        assert_eq!(out, "Café[2] ☕[1] is hot");
        let past_end = render_citations("ab", &[(99, 0)], |_| "*".into());
        assert_eq!(past_end, "ab*");
    }

    fn message(extra: Value) -> Message {
        let mut wire = serde_json::json!({
            "message_id": "msg_1", "conversation_id": "conv_1", "response_id": "resp_1", "actor": "ASSISTANT",
            "content": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Café ☕ is hot"}},
            "created_at": "2026-09-01T00:00:00Z",
        });
        for (k, v) in extra.as_object().unwrap() {
            wire[k] = v.clone();
        }
        serde_json::from_value(wire).unwrap()
    }

    #[test]
    fn markers_come_from_content_references_and_shared_offsets_render_once_each() {
        let m = message(serde_json::json!({
            "citations": [{"citation_id": "cite_a"}, {"citation_id": "cite_b"}, {"citation_id": "cite_c"}],
            "content_references": [
                {"citation_id": "cite_a", "offset": 4}, {"citation_id": "cite_c", "offset": 4},
                {"citation_id": "cite_a", "offset": 4}, {"citation_id": "cite_b", "offset": 13},
                {"citation_id": "cite_unknown", "offset": 0}, {"citation_id": "cite_b", "offset": -3},
                {"offset": 2}
            ],
        }));
        assert_eq!(m.content_references.len(), 5, "the negative offset and the id-less entry are dropped");
        assert_eq!(m.citation_places(), vec![(4, 0), (4, 2), (13, 1)]);
        assert_eq!(m.text_with_citation_markers(), "Café[1][3] ☕ is hot[2]");
    }

    #[test]
    fn deprecated_locations_place_markers_only_without_references() {
        let m = message(serde_json::json!({
            "citations": [{"location": {"offset": 6}}, {"location": {"offset": 4}}, {"location": {"offset": -1}}],
        }));
        assert_eq!(m.citations[2].offset, None);
        assert_eq!(m.text_with_citation_markers(), "Café[2] ☕[1] is hot");
        let both = message(serde_json::json!({
            "citations": [{"citation_id": "cite_a", "location": {"offset": 6}}],
            "content_references": [{"citation_id": "cite_a", "offset": 0}],
        }));
        assert_eq!(both.text_with_citation_markers(), "[1]Café ☕ is hot");
    }

    #[test]
    fn nullable_lists_and_objects_decode_as_empty() {
        let m = message(serde_json::json!({"citations": null, "content_references": null, "feedback": null}));
        assert!(m.citations.is_empty() && m.content_references.is_empty() && m.feedback.is_none());
        let page: MessagePage = serde_json::from_str(r#"{"messages":null,"metadata":null}"#).unwrap();
        assert!(page.messages.is_empty() && page.next_cursor.is_none());
        let c: Conversation = serde_json::from_str(
            r#"{"conversation_id":"conv_1","archived":null,"created_at":"2026-09-01T00:00:00Z","updated_at":"2026-09-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert!(!c.archived && c.title.is_none());
        let e: EventPayload = serde_json::from_str(r#"{"type":"MESSAGE_EVENT"}"#).unwrap();
        assert!(matches!(e, EventPayload::Unknown { .. }), "a message event without its message is kept raw");
    }

    #[test]
    fn citations_write_back_in_the_published_shape() {
        let wire = serde_json::json!({
            "citation_id": "cite_1", "url": "https://x.example/kb/1",
            "display": {"title": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "KB"}},
                        "attributes": [{"key": "source", "value": "ServiceNow"}]},
        });
        let c: Citation = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(c.display.as_ref().unwrap().attributes[0].value, "ServiceNow");
        assert_eq!(serde_json::to_value(&c).unwrap(), wire);
    }

    #[test]
    fn unknown_variants_round_trip_verbatim() {
        let raw = r#"{"type":"TOOL_CALL","tool_call":{"name":"x"},"extra":1}"#;
        let item: OutputItem = serde_json::from_str(raw).unwrap();
        match &item {
            OutputItem::Unknown { type_name, .. } => assert_eq!(type_name, "TOOL_CALL"),
            other => panic!("expected unknown, got {other:?}"),
        }
        let back: Value = serde_json::to_value(&item).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(raw).unwrap());
        let status: ResponseStatus = serde_json::from_str("\"THINKING\"").unwrap();
        assert_eq!(status, ResponseStatus::Unknown { raw: "THINKING".into() });
        assert!(!status.is_terminal());
        let content: Content =
            serde_json::from_str(r#"{"type":"HTML_TEXT","html_text":{"text":"<b>hi</b>"}}"#).unwrap();
        assert_eq!(content.text(), None);
        assert_eq!(content.text_lossy().as_deref(), Some("<b>hi</b>"));
    }

    #[test]
    fn message_feedback_decodes_tolerantly_and_round_trips() {
        let base = serde_json::json!({
            "message_id": "msg_1", "conversation_id": "conv_1", "response_id": "resp_1", "actor": "ASSISTANT",
            "content": {"type": "PLAIN_TEXT", "plain_text": {"text": "hi"}}, "citations": [],
            "created_at": "2024-05-01T00:00:00Z",
        });
        let mut wire = base.clone();
        wire["feedback"] = serde_json::json!({
            "helpful": {"callback_id": "eyJhY3Rpb24iOiJoZWxwZnVsIi4uLn0", "label": "Helpful"},
            "unhelpful": {"callback_id": "eyJhY3Rpb24iOiJ1bmhlbHBmdWwifQ"},
            "reasons": ["new field"],
        });
        let message: Message = serde_json::from_value(wire).unwrap();
        let feedback = message.feedback.clone().unwrap();
        assert_eq!(feedback.helpful.unwrap().callback_id, "eyJhY3Rpb24iOiJoZWxwZnVsIi4uLn0");
        assert_eq!(feedback.unhelpful.unwrap().callback_id, "eyJhY3Rpb24iOiJ1bmhlbHBmdWwifQ");
        // Written back in the wire shape (unknown fields are not kept).
        let back = serde_json::to_value(&message).unwrap();
        assert_eq!(
            back["feedback"],
            serde_json::json!({"helpful": {"callback_id": "eyJhY3Rpb24iOiJoZWxwZnVsIi4uLn0"},
                               "unhelpful": {"callback_id": "eyJhY3Rpb24iOiJ1bmhlbHBmdWwifQ"}})
        );
        // Absent, null or partial feedback is no decode error.
        let none: Message = serde_json::from_value(base.clone()).unwrap();
        assert_eq!(none.feedback, None);
        assert!(serde_json::to_value(&none).unwrap().get("feedback").is_none());
        let mut null = base.clone();
        null["feedback"] = Value::Null;
        assert_eq!(serde_json::from_value::<Message>(null).unwrap().feedback, None);
        let mut partial = base;
        partial["feedback"] = serde_json::json!({"helpful": {"callback_id": "x"}});
        let partial: Message = serde_json::from_value(partial).unwrap();
        assert_eq!(partial.feedback.unwrap().unhelpful, None);
    }

    #[test]
    fn feedback_status_and_message_pages_decode_tolerantly() {
        let result: FeedbackResult = serde_json::from_str(r#"{"status":"SUBMITTED","extra":1}"#).unwrap();
        assert_eq!(result.status, FeedbackStatus::Submitted);
        assert_eq!(serde_json::to_value(&result).unwrap(), serde_json::json!({"status": "SUBMITTED"}));
        let queued: FeedbackResult = serde_json::from_str(r#"{"status":"QUEUED"}"#).unwrap();
        assert_eq!(queued.status, FeedbackStatus::Unknown { raw: "QUEUED".into() });
        assert!(queued.status.is_unknown());
        let page: MessagePage = serde_json::from_str(r#"{"messages":[]}"#).unwrap();
        assert_eq!(page, MessagePage::default());
        let page: MessagePage = serde_json::from_str(r#"{"messages":[],"metadata":{"next_cursor":"c2"}}"#).unwrap();
        assert_eq!(page.next_cursor.as_deref(), Some("c2"));
        assert_eq!(
            serde_json::to_value(&page).unwrap(),
            serde_json::json!({"messages": [], "metadata": {"next_cursor": "c2"}})
        );
    }

    #[test]
    fn known_type_lists_match_the_decoders() {
        // A listed type is decoded as a known variant: without its payload field it fails
        // (an unknown type would decode into `Unknown` instead).
        fn all_known<T: serde::de::DeserializeOwned>(known: &[&str]) {
            for t in known {
                assert!(serde_json::from_value::<T>(serde_json::json!({ "type": t })).is_err(), "{t} is known");
            }
            assert!(serde_json::from_value::<T>(serde_json::json!({ "type": "SURELY_NEW" })).is_ok());
        }
        // CALLBACK_ACTION_CONTENT is known even without its payload (history omits it).
        let payloaded: Vec<&str> = Content::KNOWN.iter().copied().filter(|t| *t != "CALLBACK_ACTION_CONTENT").collect();
        all_known::<Content>(&payloaded);
        all_known::<OutputItem>(OutputItem::KNOWN);
        // MESSAGE_EVENT without its message is kept raw (the spec requires only `type`).
        assert!(EventPayload::KNOWN.contains(&"MESSAGE_EVENT"));
        // And every known variant's type name is listed.
        let text = || "t".to_owned();
        for c in [
            Content::PlainText { text: text(), files: vec![] },
            Content::CallbackAction { callback_id: None },
            Content::CommonmarkText { text: text() },
            Content::MarkdownText { text: text() },
        ] {
            assert!(Content::KNOWN.contains(&c.type_name()), "{}", c.type_name());
        }
        let message: Message = serde_json::from_value(serde_json::json!({
            "message_id": "m", "conversation_id": "c", "response_id": "r", "actor": "ASSISTANT",
            "content": {"type": "PLAIN_TEXT", "plain_text": {"text": "hi"}}, "created_at": "2024-05-01T00:00:00Z"
        }))
        .unwrap();
        let reasoning = ReasoningMessage {
            reasoning_message_id: "rm".into(),
            conversation_id: "c".into(),
            response_id: "r".into(),
            content: message.content.clone(),
            created_at: message.created_at,
        };
        for o in [
            OutputItem::Message { message: message.clone() },
            OutputItem::ReasoningMessage { reasoning_message: reasoning },
        ] {
            assert!(OutputItem::KNOWN.contains(&o.type_name()), "{}", o.type_name());
        }
        assert!(EventPayload::KNOWN.contains(&EventPayload::Message { message }.type_name()));
    }
}

/// Timestamp decoding with a fast path for the API's own format.
///
/// chrono's general RFC 3339 parser was the largest cost of decoding a
/// conversation. The API sends `YYYY-MM-DDTHH:MM:SS[.fraction]Z`; that shape is
/// parsed here directly, anything else goes through chrono exactly as before.
mod timestamp {
    use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
    use serde::de::{self, Deserializer, Visitor};
    use std::fmt;

    use super::Timestamp;

    fn digits(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, or `None` for any other shape.
    fn fast(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (rest, nanos) = match b[19] {
            b'Z' => (&b[20..], 0),
            b'.' => {
                let end = 20 + b[20..].iter().take_while(|c| c.is_ascii_digit()).count();
                let frac = &b[20..end];
                if frac.is_empty() || frac.len() > 9 || b.get(end) != Some(&b'Z') {
                    return None;
                }
                (&b[end + 1..], digits(frac)? * 10u32.pow(9 - frac.len() as u32))
            }
            _ => return None,
        };
        if !rest.is_empty() {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(digits(&b[0..4])? as i32, digits(&b[5..7])?, digits(&b[8..10])?)?;
        let (h, m, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
        // Leap seconds (":60") take chrono's path.
        if sec > 59 {
            return None;
        }
        Some(date.and_hms_nano_opt(h, m, sec, nanos)?.and_utc())
    }

    fn parse<E: de::Error>(s: &str) -> Result<Timestamp, E> {
        match fast(s) {
            Some(t) => Ok(t),
            None => s.parse::<DateTime<FixedOffset>>().map(|t| t.with_timezone(&Utc)).map_err(E::custom),
        }
    }

    struct TimestampVisitor;

    impl Visitor<'_> for TimestampVisitor {
        type Value = Timestamp;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 timestamp")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Timestamp, E> {
            parse(s)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        d.deserialize_str(TimestampVisitor)
    }

    pub(super) fn deserialize_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        struct OptionVisitor;
        impl<'de> Visitor<'de> for OptionVisitor {
            type Value = Option<Timestamp>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                deserialize(d).map(Some)
            }
        }
        d.deserialize_option(OptionVisitor)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn chrono(s: &str) -> Option<Timestamp> {
            s.parse::<DateTime<FixedOffset>>().ok().map(|t| t.with_timezone(&Utc))
        }

        #[test]
        fn fast_path_agrees_with_chrono() {
            for s in [
                "2024-05-01T12:34:56Z",
                "2024-05-01T12:34:56.1Z",
                "2024-05-01T12:34:56.123456Z",
                "2024-05-01T12:34:56.123456789Z",
                "2024-02-29T00:00:00Z",
                "1999-12-31T23:59:59.999Z",
            ] {
                assert_eq!(fast(s), chrono(s), "{s}");
                assert!(fast(s).is_some(), "{s} takes the fast path");
            }
        }

        #[test]
        fn other_shapes_fall_back_to_chrono() {
            for s in [
                "2024-05-01T12:34:56+02:00",
                "2024-05-01 12:34:56Z",
                "2024-05-01t12:34:56z",
                "2024-05-01T12:34:60Z",
                "2023-02-29T00:00:00Z",
                "2024-05-01T12:34:56.1234567891Z",
                "2024-05-01T12:34:56.Z",
                "2024-05-01T12:34:56Zjunk",
                "not a date",
            ] {
                assert_eq!(fast(s), None, "{s}");
                assert_eq!(parse::<serde_json::Error>(s).ok(), chrono(s), "{s}");
            }
        }

        #[test]
        fn optional_timestamps_decode_null_and_absent() {
            #[derive(serde::Deserialize)]
            struct T {
                #[serde(default, deserialize_with = "deserialize_option")]
                at: Option<Timestamp>,
            }
            assert_eq!(serde_json::from_str::<T>("{}").unwrap().at, None);
            assert_eq!(serde_json::from_str::<T>(r#"{"at":null}"#).unwrap().at, None);
            assert_eq!(
                serde_json::from_str::<T>(r#"{"at":"2024-05-01T00:00:00Z"}"#).unwrap().at,
                chrono("2024-05-01T00:00:00Z")
            );
            assert!(serde_json::from_str::<T>(r#"{"at":"yesterday"}"#).is_err());
        }
    }
}
