//! The message endpoints: list a conversation's messages, list one response's
//! messages, and submit feedback on an assistant message.

use serde_json::{json, Map, Value};

use crate::client::Client;
use crate::error::Result;
use crate::model::{FeedbackResult, MessagePage};
use crate::pagination::{MessageIter, ResponseMessageIter};
use crate::transport::Method;
use crate::validate;

/// Filters of [`Client::list_messages`].
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ListMessagesParams {
    /// The conversation whose messages to list.
    pub conversation_id: String,
    /// Cursor from a previous page.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (server default 20).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub limit: Option<u32>,
}

/// Filters of [`Client::list_response_messages`].
///
/// The reference page documents no query parameters for this endpoint; `cursor`
/// and `limit` are sent only when set, for servers that page it.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ListResponseMessagesParams {
    /// The conversation the response belongs to.
    pub conversation_id: String,
    /// The response whose messages to list.
    pub response_id: String,
    /// Cursor from a previous page.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub cursor: Option<String>,
    /// Page size, 1 to 100.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub limit: Option<u32>,
}

impl Client {
    /// Lists one page of a conversation's messages, user and assistant, newest first.
    /// `GET /conversations/{conversation_id}/messages`.
    pub fn list_messages(&self, params: &ListMessagesParams) -> Result<MessagePage> {
        validate::id("conversation_id", &params.conversation_id)?;
        validate::limit(params.limit)?;
        validate::cursor(params.cursor.as_deref())?;
        let (transport, settings) = self.call_parts();
        let url = transport.url(
            &["conversations", &params.conversation_id, "messages"],
            &[("cursor", params.cursor.clone()), ("limit", params.limit.map(|l| l.to_string()))],
        );
        transport.call(settings, Method::Get, url, None, "message page")
    }

    /// Iterates over every message of a conversation, newest first, fetching pages lazily.
    pub fn iter_messages(&self, params: ListMessagesParams) -> MessageIter {
        MessageIter::new(self.clone(), params)
    }

    /// Lists the messages of one response: the user's input message and the
    /// assistant's final messages.
    /// `GET /conversations/{conversation_id}/responses/{response_id}/messages`.
    pub fn list_response_messages(&self, params: &ListResponseMessagesParams) -> Result<MessagePage> {
        validate::id("conversation_id", &params.conversation_id)?;
        validate::id("response_id", &params.response_id)?;
        validate::limit(params.limit)?;
        validate::cursor(params.cursor.as_deref())?;
        let (transport, settings) = self.call_parts();
        let url = transport.url(
            &["conversations", &params.conversation_id, "responses", &params.response_id, "messages"],
            &[("cursor", params.cursor.clone()), ("limit", params.limit.map(|l| l.to_string()))],
        );
        transport.call(settings, Method::Get, url, None, "message page")
    }

    /// Iterates over every message of one response, fetching pages lazily.
    pub fn iter_response_messages(&self, params: ListResponseMessagesParams) -> ResponseMessageIter {
        ResponseMessageIter::new(self.clone(), params)
    }

    /// Rates an assistant message helpful or unhelpful.
    /// `POST /conversations/{conversation_id}/responses/{response_id}/messages/{message_id}/feedback`.
    ///
    /// `callback_id` is the opaque token of the chosen rating, taken from the
    /// message's [`feedback`](crate::Message::feedback) (`helpful` or `unhelpful`)
    /// and passed back exactly as received. `additional_feedback` is optional free
    /// text of at most 1,000 characters; `None` leaves it out of the request.
    ///
    /// An empty `callback_id` or a longer `additional_feedback` fails with
    /// `invalid_argument` before anything is sent. Like
    /// [`create_response`](Client::create_response), this POST is not retried after
    /// an ambiguous failure, so the same feedback is never submitted twice by surprise.
    pub fn submit_feedback(
        &self,
        conversation_id: &str,
        response_id: &str,
        message_id: &str,
        callback_id: &str,
        additional_feedback: Option<&str>,
    ) -> Result<FeedbackResult> {
        validate::id("conversation_id", conversation_id)?;
        validate::id("response_id", response_id)?;
        validate::id("message_id", message_id)?;
        validate::callback_id(callback_id)?;
        if let Some(text) = additional_feedback {
            validate::additional_feedback(text)?;
        }
        let (transport, settings) = self.call_parts();
        let url = transport.url(
            &["conversations", conversation_id, "responses", response_id, "messages", message_id, "feedback"],
            &[],
        );
        let mut body = Map::new();
        body.insert("callback_id".into(), json!(callback_id));
        if let Some(text) = additional_feedback {
            body.insert("additional_feedback".into(), json!(text));
        }
        let body = Value::Object(body).to_string().into_bytes();
        transport.call(settings, Method::Post, url, Some(body), "feedback result")
    }
}
