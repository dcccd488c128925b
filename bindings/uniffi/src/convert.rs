//! Conversions between the core model and the uniffi records, both ways: the
//! reverse direction lets the core's helpers and serializer work on records
//! that come back from Kotlin or Swift.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use moveworks as core;

use crate::*;

fn time(t: &core::Timestamp) -> SystemTime {
    SystemTime::from(*t)
}

fn chrono_time(t: &SystemTime) -> core::Timestamp {
    DateTime::<Utc>::from(*t)
}

/// Serializes with the core's serializer (the API's wire JSON).
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // The model only holds strings, numbers and verbatim JSON it parsed itself.
    serde_json::to_string(value).unwrap_or_else(|e| panic!("model serialization failed: {e}"))
}

impl From<&core::EventPage> for EventPage {
    fn from(p: &core::EventPage) -> Self {
        EventPage { events: p.events.iter().map(Into::into).collect(), next_cursor: p.next_cursor.clone() }
    }
}

impl From<&EventPage> for core::EventPage {
    fn from(p: &EventPage) -> Self {
        core::EventPage { events: p.events.iter().map(Into::into).collect(), next_cursor: p.next_cursor.clone() }
    }
}

impl From<&core::ResponseStatus> for ResponseStatus {
    fn from(s: &core::ResponseStatus) -> Self {
        match s {
            core::ResponseStatus::Created => ResponseStatus::Created,
            core::ResponseStatus::InProgress => ResponseStatus::InProgress,
            core::ResponseStatus::Completed => ResponseStatus::Completed,
            core::ResponseStatus::Failed => ResponseStatus::Failed,
            core::ResponseStatus::Unknown(raw) => ResponseStatus::Unknown { raw: raw.clone() },
        }
    }
}

impl From<&ResponseStatus> for core::ResponseStatus {
    fn from(s: &ResponseStatus) -> Self {
        match s {
            ResponseStatus::Created => core::ResponseStatus::Created,
            ResponseStatus::InProgress => core::ResponseStatus::InProgress,
            ResponseStatus::Completed => core::ResponseStatus::Completed,
            ResponseStatus::Failed => core::ResponseStatus::Failed,
            // Parsed rather than copied, so a known value smuggled in as Unknown normalizes.
            ResponseStatus::Unknown { raw } => core::ResponseStatus::parse(raw),
        }
    }
}

impl From<&core::Actor> for Actor {
    fn from(a: &core::Actor) -> Self {
        match a {
            core::Actor::User => Actor::User,
            core::Actor::Assistant => Actor::Assistant,
            core::Actor::Unknown(raw) => Actor::Unknown { raw: raw.clone() },
        }
    }
}

impl From<&Actor> for core::Actor {
    fn from(a: &Actor) -> Self {
        match a {
            Actor::User => core::Actor::User,
            Actor::Assistant => core::Actor::Assistant,
            Actor::Unknown { raw } => core::Actor::parse(raw),
        }
    }
}

fn unknown(u: &core::UnknownVariant) -> (String, String) {
    (u.type_name.clone(), u.raw_json.clone())
}

fn core_unknown(type_name: &str, raw_json: &str) -> core::UnknownVariant {
    core::UnknownVariant { type_name: type_name.to_owned(), raw_json: raw_json.to_owned() }
}

impl From<&core::Content> for Content {
    fn from(c: &core::Content) -> Self {
        match c {
            core::Content::PlainText { text } => Content::PlainText { text: text.clone() },
            core::Content::CommonmarkText { text } => Content::CommonmarkText { text: text.clone() },
            core::Content::MarkdownText { text } => Content::MarkdownText { text: text.clone() },
            core::Content::Unknown(u) => {
                let (type_name, raw_json) = unknown(u);
                Content::Unknown { type_name, raw_json }
            }
        }
    }
}

impl From<&Content> for core::Content {
    fn from(c: &Content) -> Self {
        match c {
            Content::PlainText { text } => core::Content::PlainText { text: text.clone() },
            Content::CommonmarkText { text } => core::Content::CommonmarkText { text: text.clone() },
            Content::MarkdownText { text } => core::Content::MarkdownText { text: text.clone() },
            Content::Unknown { type_name, raw_json } => core::Content::Unknown(core_unknown(type_name, raw_json)),
        }
    }
}

impl From<&core::Citation> for Citation {
    fn from(c: &core::Citation) -> Self {
        Citation {
            offset: c.offset,
            url: c.url.clone(),
            display: c.display.as_ref().map(|d| CitationDisplay {
                title: d.title.as_ref().map(Into::into),
                body: d.body.as_ref().map(Into::into),
            }),
        }
    }
}

impl From<&Citation> for core::Citation {
    fn from(c: &Citation) -> Self {
        core::Citation {
            offset: c.offset,
            url: c.url.clone(),
            display: c.display.as_ref().map(|d| core::CitationDisplay {
                title: d.title.as_ref().map(Into::into),
                body: d.body.as_ref().map(Into::into),
            }),
        }
    }
}

impl From<&core::Message> for Message {
    fn from(m: &core::Message) -> Self {
        Message {
            message_id: m.message_id.clone(),
            conversation_id: m.conversation_id.clone(),
            response_id: m.response_id.clone(),
            actor: (&m.actor).into(),
            content: (&m.content).into(),
            citations: m.citations.iter().map(Into::into).collect(),
            created_at: time(&m.created_at),
        }
    }
}

impl From<&Message> for core::Message {
    fn from(m: &Message) -> Self {
        core::Message {
            message_id: m.message_id.clone(),
            conversation_id: m.conversation_id.clone(),
            response_id: m.response_id.clone(),
            actor: (&m.actor).into(),
            content: (&m.content).into(),
            citations: m.citations.iter().map(Into::into).collect(),
            created_at: chrono_time(&m.created_at),
        }
    }
}

impl From<&core::ReasoningMessage> for ReasoningMessage {
    fn from(m: &core::ReasoningMessage) -> Self {
        ReasoningMessage {
            reasoning_message_id: m.reasoning_message_id.clone(),
            conversation_id: m.conversation_id.clone(),
            response_id: m.response_id.clone(),
            content: (&m.content).into(),
            created_at: time(&m.created_at),
        }
    }
}

impl From<&ReasoningMessage> for core::ReasoningMessage {
    fn from(m: &ReasoningMessage) -> Self {
        core::ReasoningMessage {
            reasoning_message_id: m.reasoning_message_id.clone(),
            conversation_id: m.conversation_id.clone(),
            response_id: m.response_id.clone(),
            content: (&m.content).into(),
            created_at: chrono_time(&m.created_at),
        }
    }
}

impl From<&core::OutputItem> for OutputItem {
    fn from(o: &core::OutputItem) -> Self {
        match o {
            core::OutputItem::Message(m) => OutputItem::FinalMessage { message: m.into() },
            core::OutputItem::ReasoningMessage(m) => OutputItem::Reasoning { reasoning_message: m.into() },
            core::OutputItem::Unknown(u) => {
                let (type_name, raw_json) = unknown(u);
                OutputItem::Unknown { type_name, raw_json }
            }
        }
    }
}

impl From<&OutputItem> for core::OutputItem {
    fn from(o: &OutputItem) -> Self {
        match o {
            OutputItem::FinalMessage { message } => core::OutputItem::Message(message.into()),
            OutputItem::Reasoning { reasoning_message } => core::OutputItem::ReasoningMessage(reasoning_message.into()),
            OutputItem::Unknown { type_name, raw_json } => core::OutputItem::Unknown(core_unknown(type_name, raw_json)),
        }
    }
}

impl From<&core::Response> for Response {
    fn from(r: &core::Response) -> Self {
        Response {
            response_id: r.response_id.clone(),
            conversation_id: r.conversation_id.clone(),
            status: (&r.status).into(),
            created_at: time(&r.created_at),
            completed_at: r.completed_at.as_ref().map(time),
            outputs: r.outputs.iter().map(Into::into).collect(),
        }
    }
}

impl From<&Response> for core::Response {
    fn from(r: &Response) -> Self {
        core::Response {
            response_id: r.response_id.clone(),
            conversation_id: r.conversation_id.clone(),
            status: (&r.status).into(),
            created_at: chrono_time(&r.created_at),
            completed_at: r.completed_at.as_ref().map(chrono_time),
            outputs: r.outputs.iter().map(Into::into).collect(),
        }
    }
}

impl From<&core::EventPayload> for EventPayload {
    fn from(p: &core::EventPayload) -> Self {
        match p {
            core::EventPayload::Message(m) => EventPayload::MessageEvent { message: m.into() },
            core::EventPayload::Unknown(u) => {
                let (type_name, raw_json) = unknown(u);
                EventPayload::Unknown { type_name, raw_json }
            }
        }
    }
}

impl From<&EventPayload> for core::EventPayload {
    fn from(p: &EventPayload) -> Self {
        match p {
            EventPayload::MessageEvent { message } => core::EventPayload::Message(message.into()),
            EventPayload::Unknown { type_name, raw_json } => {
                core::EventPayload::Unknown(core_unknown(type_name, raw_json))
            }
        }
    }
}

impl From<&core::Event> for Event {
    fn from(e: &core::Event) -> Self {
        Event { event_id: e.event_id.clone(), conversation_id: e.conversation_id.clone(), payload: (&e.payload).into() }
    }
}

impl From<&Event> for core::Event {
    fn from(e: &Event) -> Self {
        core::Event {
            event_id: e.event_id.clone(),
            conversation_id: e.conversation_id.clone(),
            payload: (&e.payload).into(),
        }
    }
}
