//! JSON renderings of the API's objects, field for field as in Moveworks'
//! published OpenAPI (`Response`, `Message`, `Citation`, `Content`, ...).

use std::time::Instant;

use serde_json::{json, Map, Value};

use crate::api::Generation;
use crate::codec::timestamp;
use crate::contract;
use crate::state::{Conversation, Event, EventKind, Injected, Outcome, Phase, ResponseRecord, Script, UserInput};

/// The API's error body: `{"error": {"code": ..., "message": ...}}`.
pub(crate) fn error_body(code: &str, message: &str) -> Value {
    json!({ "error": { "code": code, "message": message } })
}

/// Adds a field no client knows yet, the way a newer server might.
fn add_experimental(object: &mut Value, extra: Value) {
    if let Value::Object(map) = object {
        map.insert("experimental".into(), extra);
    }
}

/// A `Conversation`; `title` is omitted when there is none.
pub(crate) fn conversation(c: &Conversation, unknown: bool) -> Value {
    let mut map = Map::new();
    map.insert("conversation_id".into(), json!(c.id));
    if let Some(title) = &c.title {
        map.insert("title".into(), json!(title));
    }
    map.insert("archived".into(), json!(c.archived));
    map.insert("created_at".into(), json!(timestamp(c.created_at)));
    map.insert("updated_at".into(), json!(timestamp(c.updated_at)));
    let mut value = Value::Object(map);
    if unknown || c.unknown {
        contract::mark_exempt("unknown_values");
        add_experimental(&mut value, json!({ "pinned": false, "labels": ["beta"] }));
    }
    value
}

fn plain_text(text: &str) -> Value {
    json!({ "type": "PLAIN_TEXT", "plain_text": { "text": text } })
}

/// The assistant's answer, and the character offsets of its two citations.
///
/// The text echoes the question and puts non-ASCII characters (some outside
/// the Basic Multilingual Plane) before both citation points, so a client
/// that treats offsets as bytes or UTF-16 units inserts citations in the
/// wrong place.
pub(crate) fn answer(question: &str) -> (String, [usize; 2]) {
    let mut text = format!(
        "**Café ☕ — résumé** of what I found for “{}”: the Employee Handbook 📘 covers this topic",
        question.trim()
    );
    let first = text.chars().count();
    text.push_str(". Naïve edge cases are answered in the IT Help Center FAQ");
    let second = text.chars().count();
    text.push_str(" — hope that helps! 👍");
    (text, [first, second])
}

pub(crate) fn markdown_text(text: &str) -> Value {
    json!({ "type": "MARKDOWN_TEXT", "markdown_text": { "text": text } })
}

/// The sources the scripted answer cites: (title, body, url, index of the offset it sits at).
/// The last two share the second offset: two citations at the same position.
const SOURCES: [(&str, &str, &str, usize); 3] = [
    (
        "Employee Handbook",
        "Policies, benefits and everyday questions — all in one place.",
        "https://help.example.com/kb/employee-handbook",
        0,
    ),
    (
        "IT Help Center FAQ",
        "Answers to common IT questions, from Wi-Fi to VPN.",
        "https://help.example.com/kb/it-faq",
        1,
    ),
    (
        "Naïve questions, answered 🙂",
        "The **edge cases** people ask about most.",
        "https://help.example.com/kb/edge-cases",
        1,
    ),
];

/// A citation id, `cite_<base62>`, derived from the message id so every
/// rendering of a message (poll, stream, list) carries the same ids.
fn citation_id(message_id: &str, index: usize) -> String {
    let base: String = message_id.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("cite_{base}{index}")
}

/// The citations and content references of the scripted answer, in the published
/// shape: citations `{citation_id, url, display {title, body, attributes}}` (no
/// deprecated `location`), positions in `content_references` `[{citation_id,
/// offset}]`, ascending by offset, two of them at the same offset.
fn citations(message_id: &str, offsets: [usize; 2]) -> (Value, Value) {
    let mut citations = Vec::new();
    let mut references = Vec::new();
    for (index, (title, body, url, at)) in SOURCES.iter().enumerate() {
        let id = citation_id(message_id, index);
        citations.push(json!({
            "citation_id": id,
            "url": url,
            "display": {
                "title": markdown_text(title),
                "body": markdown_text(body),
                "attributes": [{ "key": "source_type", "value": "KNOWLEDGE_BASE" }],
            }
        }));
        references.push(json!({ "citation_id": id, "offset": offsets[*at] }));
    }
    (Value::Array(citations), Value::Array(references))
}

/// The assistant `Message` a completed response produces, with its `feedback`
/// object (`helpful` and `unhelpful`, each an opaque `callback_id`) unless it
/// is a proactive notification, which is not an answer one rates. A `raw_message`
/// fault's object is served verbatim instead, with the real ids.
pub(crate) fn assistant_message(r: &ResponseRecord, unknown: bool) -> Value {
    if let Some(raw) = &r.raw_message {
        contract::mark_exempt("raw_message");
        let mut message = raw.clone();
        message["conversation_id"] = json!(r.conversation_id);
        message["response_id"] = json!(r.id);
        return message;
    }
    if let Some(message) = crate::v1::scripted_message(r) {
        return message;
    }
    let (text, citations, references) = match &r.injected {
        Some(Injected { text, .. }) => (text.clone(), json!([]), json!([])),
        None => {
            let (text, offsets) = answer(&r.question);
            let (citations, references) = citations(&r.message_id, offsets);
            (text, citations, references)
        }
    };
    let mut message = json!({
        "message_id": r.message_id,
        "conversation_id": r.conversation_id,
        "response_id": r.id,
        "actor": "ASSISTANT",
        "content": { "type": "COMMONMARK_TEXT", "commonmark_text": { "text": text } },
        "citations": citations,
        "content_references": references,
        "created_at": timestamp(r.completed_at()),
    });
    if r.rateable() {
        message["feedback"] = json!({
            "helpful": { "callback_id": r.helpful_callback_id },
            "unhelpful": { "callback_id": r.unhelpful_callback_id },
        });
    }
    if unknown || r.unknown {
        contract::mark_exempt("unknown_values");
        add_experimental(&mut message, json!({ "tone": "FRIENDLY", "confidence": 0.92 }));
    }
    message
}

/// The user's input `Message` of a response (plain text, no citations, no
/// content references, no feedback).
pub(crate) fn user_message(r: &ResponseRecord, unknown: bool) -> Value {
    let mut message = json!({
        "message_id": r.user_message_id,
        "conversation_id": r.conversation_id,
        "response_id": r.id,
        "actor": "USER",
        "content": user_content(r),
        "citations": [],
        "content_references": [],
        "created_at": timestamp(r.created_at),
    });
    if unknown || r.unknown {
        contract::mark_exempt("unknown_values");
        add_experimental(&mut message, json!({ "client": "simulator" }));
    }
    message
}

/// A user message's content: what the turn sent (rest/v1 records a button press
/// as `CALLBACK_ACTION_CONTENT`) and, for `add_user_message`, its `files`.
fn user_content(r: &ResponseRecord) -> Value {
    match (&r.input, &r.script) {
        (UserInput::Callback(id), _) => {
            json!({ "type": "CALLBACK_ACTION_CONTENT", "callback_action": { "callback_id": id } })
        }
        // API-V1-NOTES §3: history can hold CALLBACK_ACTION_CONTENT without its payload;
        // an `action` input without a callback id is recorded so [inferred].
        (UserInput::Action, _) => json!({ "type": "CALLBACK_ACTION_CONTENT" }),
        (UserInput::Text, Script::UserOnly { files }) if !files.is_empty() => {
            json!({ "type": "PLAIN_TEXT", "plain_text": { "text": r.question, "files": files } })
        }
        (UserInput::Text, _) => plain_text(&r.question),
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn reasoning_item(r: &ResponseRecord, unknown: bool) -> Value {
    let question = r.question.trim();
    let content = if unknown {
        json!({
            "type": "HTML_TEXT",
            "html_text": { "text": format!("<p>Searching the knowledge base for <em>{}</em>…</p>", escape_html(question)) }
        })
    } else if question.is_empty() {
        // A rest/v1 button press has no text to search for.
        plain_text("Working on your request…")
    } else {
        plain_text(&format!("Searching the knowledge base for “{question}”…"))
    };
    json!({
        "type": "REASONING_MESSAGE",
        "reasoning_message": {
            "reasoning_message_id": r.reasoning_message_id,
            "conversation_id": r.conversation_id,
            "response_id": r.id,
            "content": content,
            "created_at": timestamp(r.reasoning_at()),
        }
    })
}

fn tool_call_item(r: &ResponseRecord) -> Value {
    json!({
        "type": "TOOL_CALL",
        "tool_call": {
            "tool_call_id": r.tool_call_id,
            "name": "search_knowledge_base",
            "arguments": { "query": r.question.trim() },
            "status": "SUCCEEDED",
        }
    })
}

/// A `Response` as it looks at `now`.
///
/// With `unknown` (or when the response was created with unknown values) it
/// uses what a newer server might send: status `THINKING` while in progress,
/// `HTML_TEXT` reasoning, a trailing `TOOL_CALL` output and an extra field.
pub(crate) fn response(r: &ResponseRecord, now: Instant, unknown: bool) -> Value {
    let unknown = unknown || r.unknown;
    let phase = r.phase(now);
    let status = match (phase, r.outcome) {
        (Phase::Created, _) => "CREATED",
        (Phase::InProgress, _) if unknown => "THINKING",
        (Phase::InProgress, _) => "IN_PROGRESS",
        (Phase::Finished, Outcome::Completed | Outcome::Handoff) => "COMPLETED",
        (Phase::Finished, Outcome::Failed) => "FAILED",
    };
    let mut outputs = Vec::new();
    // A system-initiated answer comes final, without reasoning; a handoff has no outputs.
    if phase != Phase::Created && r.injected.is_none() && r.outcome != Outcome::Handoff {
        outputs.push(reasoning_item(r, unknown));
    }
    if phase == Phase::Finished {
        if r.outcome == Outcome::Completed {
            outputs.push(json!({ "type": "MESSAGE", "message": assistant_message(r, unknown) }));
        }
        if unknown {
            outputs.push(tool_call_item(r));
        }
    }
    let completed_at = (phase == Phase::Finished).then(|| timestamp(r.completed_at()));
    let updated_at = match phase {
        Phase::Created => r.created_at,
        Phase::InProgress => r.reasoning_at(),
        Phase::Finished => r.completed_at(),
    };
    let mut value = json!({
        "response_id": r.id,
        "conversation_id": r.conversation_id,
        "status": status,
        "created_at": timestamp(r.created_at),
        "updated_at": timestamp(updated_at),
        "completed_at": completed_at,
        "outputs": outputs,
    });
    // The live get-response page: a FAILED response carries an `error` object.
    if phase == Phase::Finished && r.outcome == Outcome::Failed {
        value["error"] = json!({ "code": "INTERNAL_ERROR", "message": "the assistant could not answer this message" });
    }
    if unknown {
        contract::mark_exempt("unknown_values");
        add_experimental(&mut value, json!({ "trace_level": "VERBOSE", "model_hint": "simulated" }));
    }
    value
}

/// An event of the feed; rest/v1 adds `created_at` (required by the assistant/v1 `Event`).
pub(crate) fn event(e: &Event, r: &ResponseRecord, unknown: bool, generation: Generation) -> Value {
    let payload = match &e.kind {
        EventKind::Message => {
            json!({ "type": "MESSAGE_EVENT", "message": assistant_message(r, unknown) })
        }
        EventKind::Other(type_name) => {
            contract::mark_exempt("unknown event type");
            let text = r.injected.as_ref().map(|i| i.text.as_str()).unwrap_or_default();
            let mut payload = Map::new();
            payload.insert("type".into(), json!(type_name));
            payload.insert(type_name.to_ascii_lowercase(), json!({ "text": text, "response_id": r.id }));
            Value::Object(payload)
        }
    };
    let mut event = json!({
        "event_id": e.id,
        "conversation_id": e.conversation_id,
        "event_payload": payload,
    });
    if generation == Generation::V1 {
        event["created_at"] = json!(timestamp(e.created_at));
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_references_ascend_and_share_an_offset() {
        let (_, offsets) = answer("Où? 🏢");
        let (citations, references) = citations("msg_abc", offsets);
        let offsets: Vec<u64> = references.as_array().unwrap().iter().map(|r| r["offset"].as_u64().unwrap()).collect();
        assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
        assert!(offsets.windows(2).any(|w| w[0] == w[1]), "{offsets:?}");
        for (citation, reference) in citations.as_array().unwrap().iter().zip(references.as_array().unwrap()) {
            assert_eq!(citation["citation_id"], reference["citation_id"]);
            assert!(citation["citation_id"].as_str().unwrap().starts_with("cite_"));
            assert!(citation.get("location").is_none());
        }
    }

    #[test]
    fn citation_offsets_count_characters() {
        let (text, [first, second]) = answer("Où est le café? 🏢");
        let before_first: String = text.chars().take(first).collect();
        let before_second: String = text.chars().take(second).collect();
        assert!(before_first.ends_with("covers this topic"));
        assert!(before_second.ends_with("IT Help Center FAQ"));
        assert!(text.len() > text.chars().count(), "the answer must contain non-ASCII text");
        assert!(before_first.contains("Où est le café? 🏢"));
    }
}
