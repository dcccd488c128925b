//! What `/rest/v1` does beyond the beta: the input variants of a turn, the scripted
//! answers (buttons, a form, a Get Help menu, a live-agent handoff), get one event.
//!
//! Facts from `../shared/API-V1-NOTES.md` (sections cited inline); where the notes
//! say a shape is unknown the [inferred] choice is named in a comment.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{invalid_input, json_object, not_found, Generation, Handled, Inner, Shared};
use crate::background::{Pending, PendingKind};
use crate::codec::{self, timestamp};
use crate::json::markdown_text;
use crate::modals::MODAL_PLACEHOLDER;
use crate::server::{HttpRequest, HttpResponse};
use crate::state::{Injected, InjectedKind, Outcome, ResponseRecord, Script, Store, UserInput};

/// The URL of the laptop answer's URL_ACTION (a short link, as the notes' fixtures show).
pub(crate) const PORTAL_URL: &str = "https://app.moveworks.ai/r?sim_portal";
/// The live agent's identity on `sender_info` (§3 LIVE_AGENT).
const AGENT_NAME: &str = "Priya Raman";
const AGENT_AVATAR: &str = "https://cdn.example.com/avatars/priya.png";

/// One turn's input (§2: "Set exactly one of chat, action, text or callback_id").
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Input {
    /// `text` (string) or `chat` (`{"text"}`): a typed turn.
    Text(String),
    /// `callback_id`, or an `action` object carrying a string `callback_id` ([inferred]
    /// shape of `action`, §2).
    Callback(String),
    /// Any other `action` object: accepted and acknowledged.
    Action,
}

impl Input {
    /// The typed text ("" for a press).
    pub(crate) fn text(&self) -> &str {
        match self {
            Input::Text(text) => text,
            _ => "",
        }
    }
}

/// Parses `{"input": X}`: exactly one known member of the right shape, else 400 `INVALID_INPUT`.
pub(crate) fn parse_input(req: &HttpRequest) -> Result<Input, HttpResponse> {
    let body = json_object(req)?;
    let input = match body.get("input") {
        Some(Value::Object(input)) => input,
        Some(_) => return Err(invalid_input("input must be an object")),
        None => return Err(invalid_input("input is required")),
    };
    let mut members = input.iter();
    let (Some((name, value)), None) = (members.next(), members.next()) else {
        return Err(invalid_input("set exactly one of chat, action, text or callback_id in input"));
    };
    let non_empty = |value: &Value, what: &str| match value {
        Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(invalid_input(format!("{what} must be a non-empty string"))),
    };
    match (name.as_str(), value) {
        // Other members of `chat` (attachments?) are unknown (§2): ignored.
        ("chat", Value::Object(chat)) => {
            non_empty(chat.get("text").unwrap_or(&Value::Null), "input.chat.text").map(Input::Text)
        }
        ("chat", _) => Err(invalid_input("input.chat must be an object")),
        ("text", value) => non_empty(value, "input.text").map(Input::Text),
        ("callback_id", value) => non_empty(value, "input.callback_id").map(Input::Callback),
        ("action", Value::Object(action)) => match action.get("callback_id") {
            Some(Value::String(id)) if !id.is_empty() => Ok(Input::Callback(id.clone())),
            _ => Ok(Input::Action),
        },
        ("action", _) => Err(invalid_input("input.action must be an object")),
        (other, _) => Err(invalid_input(format!(
            "unknown input member `{other}`: set exactly one of chat, action, text or callback_id"
        ))),
    }
}

/// Decides a rest/v1 turn's scripted answer (the response was just created) and
/// schedules what comes later (a live agent's reply).
pub(crate) fn script_turn(shared: &Shared, inner: &mut Inner, response_id: &str, input: Input, now: Instant) {
    let Some(record) = inner.store.response_by_id(response_id) else { return };
    let conversation_id = record.conversation_id.clone();
    let done_at = now + record.duration;
    let handed_off = inner.store.conversation(&conversation_id).is_some_and(|c| c.handed_off);
    let pressed = match &input {
        Input::Callback(id) => find_callback(&inner.store, &conversation_id, id),
        _ => None,
    };
    let (recorded, script, outcome, agent_reply) = match (&input, pressed) {
        (Input::Callback(id), Some(Pressed::FileIt)) => {
            let ticket = format!("INC{:07}", 10_000 + inner.store.next_number());
            (UserInput::Callback(id.clone()), Script::Filed { ticket }, None, None)
        }
        (Input::Callback(id), Some(Pressed::Agent)) => (
            UserInput::Callback(id.clone()),
            Script::Default,
            Some(Outcome::Handoff),
            Some("Hi, I'm Priya from IT. I'm looking at your laptop request now.".to_owned()),
        ),
        // An unknown callback id: acknowledged [inferred; the notes give no error for it].
        (Input::Callback(id), None) => (UserInput::Callback(id.clone()), Script::Ack, None, None),
        (Input::Action, _) => (UserInput::Action, Script::Ack, None, None),
        // §5: while handed off, a typed turn goes to the human agent and completes with no outputs.
        (Input::Text(text), _) if handed_off => (
            UserInput::Text,
            Script::Default,
            Some(Outcome::Handoff),
            Some(format!("Thanks, I got your message: “{}”.", text.trim())),
        ),
        (Input::Text(text), _) if text.to_lowercase().contains("laptop") => {
            let script = Script::Laptop {
                file_callback: format!("cb_file_{}", codec::random_base62(16)),
                agent_callback: format!("cb_agent_{}", codec::random_base62(16)),
            };
            (UserInput::Text, script, None, None)
        }
        (Input::Text(_), _) => (UserInput::Text, Script::Default, None, None),
    };
    if let Some(record) = inner.store.response_mut(response_id) {
        record.input = recorded;
        record.script = script;
        if let Some(outcome) = outcome {
            record.outcome = outcome;
        }
    }
    if let Some(text) = agent_reply {
        if let Some(conversation) = inner.store.conversation_mut(&conversation_id) {
            conversation.handed_off = true;
        }
        // After the handoff turn has completed, so the reply always follows it.
        let due = done_at + inner.settings.live_agent_delay;
        crate::background::schedule(
            shared,
            inner,
            Pending { due, conversation_id, kind: PendingKind::LiveAgent, text },
        );
    }
}

/// Which scripted button a callback id is.
enum Pressed {
    FileIt,
    Agent,
}

fn find_callback(store: &Store, conversation_id: &str, id: &str) -> Option<Pressed> {
    store.responses_of(conversation_id).find_map(|r| match &r.script {
        Script::Laptop { file_callback, .. } if file_callback == id => Some(Pressed::FileIt),
        Script::Laptop { agent_callback, .. } if agent_callback == id => Some(Pressed::Agent),
        _ => None,
    })
}

fn callback_action(label: &str, callback_id: &str) -> Value {
    json!({ "type": "CALLBACK_ACTION", "label": label, "callback_action": { "callback_id": callback_id } })
}

/// The message of a scripted rest/v1 answer or of a live agent; `None` for the beta's.
pub(crate) fn scripted_message(r: &ResponseRecord) -> Option<Value> {
    let base = |actor: &str, content: Value| {
        let mut message = json!({
            "message_id": r.message_id,
            "conversation_id": r.conversation_id,
            "response_id": r.id,
            "actor": actor,
            "content": content,
            "citations": [],
            "content_references": [],
            "created_at": timestamp(r.completed_at()),
        });
        if r.rateable() {
            message["feedback"] = json!({
                "helpful": { "callback_id": r.helpful_callback_id },
                "unhelpful": { "callback_id": r.unhelpful_callback_id },
            });
        }
        message
    };
    if let Some(Injected { kind: InjectedKind::LiveAgent, text }) = &r.injected {
        // §3 LIVE_AGENT: `actor` and `sender_info` are how a human's reply is told apart.
        let mut message = base("LIVE_AGENT", markdown_text(text));
        message["sender_info"] = json!({ "display_name": AGENT_NAME, "avatar_url": AGENT_AVATAR });
        return Some(message);
    }
    match &r.script {
        Script::Laptop { file_callback, agent_callback } => {
            let mut message = base(
                "ASSISTANT",
                markdown_text(
                    "I can help you get a new laptop :computer:. I can **file the request** for you now, \
                     you can edit the details first, or open the portal.",
                ),
            );
            // §3 Actions: in this order; the modal id is minted per read (see `crate::modals`).
            message["actions"] = json!([
                callback_action("File it", file_callback),
                { "type": "MODAL_ACTION", "label": "Edit details", "modal_action": { "modal_id": MODAL_PLACEHOLDER } },
                { "type": "URL_ACTION", "label": "Open portal", "url_action": { "url": PORTAL_URL } },
            ]);
            // §3 handoff: the "Get Help" menu, shape "per the API reference" [demo-test].
            message["handoff"] = json!({ "handoff_categories": [{
                "category_id": "it",
                "name": ":computer: IT",
                "description": "Hardware, access, VPN",
                "handoff_items": [
                    { "title": "Talk to an agent", "type": "ACTION", "action": callback_action("Talk to an agent", agent_callback) },
                    { "title": "Service hours", "type": "TEXT",
                      "text": markdown_text("Mon–Fri 8:00–18:00, see <https://intranet.example.com/hours|hours>") },
                ],
            }]});
            Some(message)
        }
        Script::Filed { ticket } => {
            Some(base("ASSISTANT", markdown_text(&format!("Filed ticket {ticket} for your new laptop."))))
        }
        Script::Ack => Some(base("ASSISTANT", markdown_text("Done :white_check_mark:"))),
        _ => None,
    }
}

/// `GET /conversations/{cid}/events/{event_id}` (§1 row 6): `-` is not accepted.
pub(crate) fn get_event(store: &Store, id: &str, event_id: &str, unknown: bool) -> Handled {
    if id == "-" {
        return Err(invalid_input("`-` is not accepted here: name the event's conversation"));
    }
    store.conversation(id).ok_or_else(|| not_found("conversation", id))?;
    let event = store.event(id, event_id).ok_or_else(|| not_found("event", event_id))?;
    let record = store.response_by_id(&event.response_id).ok_or_else(|| not_found("event", event_id))?;
    Ok(HttpResponse::json(200, &crate::json::event(event, record, unknown, Generation::V1)))
}

/// `add_user_message`: a USER `PLAIN_TEXT` message with `plain_text.files` in history (§3 Attachments).
pub(crate) fn add_user_message(inner: &mut Inner, args: &Value) -> Result<Value, String> {
    let map = args.as_object().ok_or("the arguments must be an object")?;
    if let Some(other) = map.keys().find(|k| !matches!(k.as_str(), "conversation_id" | "text" | "files")) {
        return Err(format!("`add_user_message` does not take `{other}`"));
    }
    let conversation_id = map.get("conversation_id").and_then(Value::as_str).ok_or("`conversation_id` is required")?;
    let text = map.get("text").and_then(Value::as_str).ok_or("`text` is required")?;
    let files = match map.get("files") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(files)) => files
            .iter()
            .map(|f| {
                let id = f.get("file_id").and_then(Value::as_str).filter(|s| !s.is_empty());
                let name_ok = f.get("file_name").is_none_or(Value::is_string);
                match (id, name_ok, f.as_object().map(|o| o.keys().all(|k| k == "file_id" || k == "file_name"))) {
                    (Some(_), true, Some(true)) => Ok(f.clone()),
                    _ => Err(format!("each file is {{\"file_id\": string, \"file_name\"?: string}}, got {f}")),
                }
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("`files` must be an array".into()),
    };
    let unknown = inner.settings.unknown_values;
    let record = inner
        .store
        .add_user_message(conversation_id, text, files)
        .ok_or_else(|| format!("conversation `{conversation_id}` not found"))?;
    Ok(crate::json::user_message(record, unknown))
}

/// A system-initiated message in a conversation (live-agent reply, modal follow-up):
/// into history and the events feed, then announced to the webhook.
pub(crate) fn deliver(shared: &Shared, inner: &mut Inner, pending: &Pending) {
    let kind = match pending.kind {
        PendingKind::LiveAgent => InjectedKind::LiveAgent,
        PendingKind::FollowUp => InjectedKind::AsyncResponse,
    };
    let Some((event, _)) = inner.store.inject_event(&pending.conversation_id, &pending.text, kind, None) else {
        return;
    };
    let event_id = event.id.clone();
    crate::background::announce(shared, inner, &event_id);
}

/// How soon after a modal submit its follow-up message arrives ("shortly after").
pub(crate) const FOLLOW_UP_DELAY: Duration = Duration::from_millis(100);
