//! The in-memory model: conversations, responses, their messages, the event
//! feed and submitted feedback.
//!
//! Response progress is not driven by timers: a response's phase is computed
//! from its age whenever it is looked at. That keeps the simulator free of
//! background threads and sleeps. The event feed holds only system-initiated
//! messages (injected with `POST /_sim/events`): the answer to an ordinary
//! create response is not an event, as the live list-events page says.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

use crate::codec;

/// Longest title the API accepts, in characters (Unicode scalar values).
pub(crate) const MAX_TITLE_CHARS: usize = 256;
/// Length of the title derived from a conversation's first message.
const AUTO_TITLE_CHARS: usize = 60;

/// A conversation thread.
#[derive(Debug, Clone)]
pub(crate) struct Conversation {
    pub id: String,
    pub title: Option<String>,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Holds a response created with unknown values, so it is rendered with them too.
    pub unknown: bool,
    /// The user it belongs to (rest/v1 shows a conversation to its owner only).
    pub owner: String,
    /// Handed off to a live agent (rest/v1): typed turns go to the agent.
    pub handed_off: bool,
}

/// How a response ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Completed,
    Failed,
    /// Completed with no outputs: the turn went to a live agent (the `handoff` fault).
    Handoff,
}

/// Where a response is in its lifecycle at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// First third of the duration: accepted, nothing produced yet.
    Created,
    /// Until the duration has passed: reasoning produced.
    InProgress,
    /// Terminal; the outcome decides COMPLETED or FAILED.
    Finished,
}

/// A response to one user message, with everything needed to render it at any age.
#[derive(Debug, Clone)]
pub(crate) struct ResponseRecord {
    pub id: String,
    pub conversation_id: String,
    /// The user's message text, echoed in the answer.
    pub question: String,
    pub created_at: DateTime<Utc>,
    /// Monotonic creation time; the phase is derived from it.
    pub started: Instant,
    /// Fixed at creation so later configuration changes do not move in-flight responses.
    pub duration: Duration,
    pub outcome: Outcome,
    /// Rendered with values a newer server might send.
    pub unknown: bool,
    pub reasoning_message_id: String,
    pub message_id: String,
    pub tool_call_id: String,
    /// The user's input message (`None` for a system-initiated message).
    pub user_message_id: Option<String>,
    /// Set for a system-initiated message injected into the event feed.
    pub injected: Option<Injected>,
    /// Opaque callback ids of the assistant message's `feedback.helpful` and
    /// `feedback.unhelpful`, the only ones submit feedback accepts for it.
    pub helpful_callback_id: String,
    pub unhelpful_callback_id: String,
    /// The `raw_message` fault: the final `MESSAGE` is this object verbatim,
    /// except for `conversation_id` and `response_id`.
    pub raw_message: Option<serde_json::Value>,
    /// What the user sent (rest/v1 has several input kinds; beta only text).
    pub input: UserInput,
    /// Which scripted answer it gives (rest/v1; beta responses are all `Default`).
    pub script: Script,
    seq: u64,
}

/// One turn's input, as recorded in the user's message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum UserInput {
    /// `text` or `chat.text`: a `PLAIN_TEXT` user message.
    Text,
    /// `callback_id` (or an `action` carrying one): a `CALLBACK_ACTION_CONTENT` user message.
    Callback(String),
    /// An `action` without a callback id: recorded as `CALLBACK_ACTION_CONTENT` without payload.
    Action,
}

/// The scripted answer of a rest/v1 response (see `crate::v1`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Script {
    /// The beta answer generator.
    Default,
    /// The "laptop" answer: buttons, a form, a Get Help menu; the callback ids it mints.
    Laptop { file_callback: String, agent_callback: String },
    /// The answer to pressing "File it".
    Filed { ticket: String },
    /// A plain acknowledgement (an `action` input without a known callback id).
    Ack,
    /// A user message put into history by `add_user_message`: no answer, the files it carries.
    UserOnly { files: Vec<serde_json::Value> },
}

/// What kind of system-initiated message an injected event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InjectedKind {
    /// A proactive notification: not the answer to any request, so its
    /// response id is not a response one can get, and it carries no `feedback`.
    Notification,
    /// An asynchronous answer: a completed response of its own (fresh id),
    /// gettable, listable and rateable like any other.
    AsyncResponse,
    /// A human agent's reply (rest/v1): a response of its own, gettable, actor
    /// `LIVE_AGENT` with `sender_info`, no `feedback`.
    LiveAgent,
}

/// A system-initiated message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Injected {
    pub kind: InjectedKind,
    /// The assistant message's text.
    pub text: String,
}

impl ResponseRecord {
    /// The phase at `now`.
    pub fn phase(&self, now: Instant) -> Phase {
        let age = now.saturating_duration_since(self.started);
        if age >= self.duration {
            Phase::Finished
        } else if age >= self.duration / 3 {
            Phase::InProgress
        } else {
            Phase::Created
        }
    }

    /// The assistant message is final (listed, rateable) at `now`.
    pub fn has_assistant_message(&self, now: Instant) -> bool {
        self.phase(now) == Phase::Finished
            && self.outcome == Outcome::Completed
            && !matches!(self.script, Script::UserOnly { .. })
    }

    /// Whether the assistant message carries a `feedback` object.
    pub fn rateable(&self) -> bool {
        !matches!(self.injected, Some(Injected { kind: InjectedKind::Notification | InjectedKind::LiveAgent, .. }))
    }

    /// Whether get response finds it: a proactive notification or a message put into
    /// history answers no request.
    pub fn gettable(&self) -> bool {
        !matches!(self.injected, Some(Injected { kind: InjectedKind::Notification, .. }))
            && !matches!(self.script, Script::UserOnly { .. })
    }

    /// Which rating a callback id stands for on this response's assistant message.
    pub fn rating_of(&self, callback_id: &str) -> Option<&'static str> {
        if let Some(raw) = &self.raw_message {
            // A captured message carries its own callback ids (or none).
            let id_of = |rating: &str| raw["feedback"][rating]["callback_id"].as_str();
            return if id_of("helpful") == Some(callback_id) {
                Some("helpful")
            } else if id_of("unhelpful") == Some(callback_id) {
                Some("unhelpful")
            } else {
                None
            };
        }
        if !self.rateable() {
            None
        } else if callback_id == self.helpful_callback_id {
            Some("helpful")
        } else if callback_id == self.unhelpful_callback_id {
            Some("unhelpful")
        } else {
            None
        }
    }

    /// Wall-clock time the reasoning message appears.
    pub fn reasoning_at(&self) -> DateTime<Utc> {
        self.created_at + to_delta(self.duration / 3)
    }

    /// Wall-clock completion time (also the assistant message's timestamp).
    pub fn completed_at(&self) -> DateTime<Utc> {
        self.created_at + to_delta(self.duration)
    }
}

fn to_delta(d: Duration) -> TimeDelta {
    // Whole milliseconds keep rendered timestamps exact at millisecond precision.
    TimeDelta::milliseconds(i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2))
}

/// What an event carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// `MESSAGE_EVENT` with the response's assistant message.
    Message,
    /// Another event type (e.g. `NOTIFICATION_EVENT`), one clients do not know
    /// yet: `{"type": T, "<t>": {"text", "response_id"}}`.
    Other(String),
}

/// One entry of the event feed.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub id: String,
    pub conversation_id: String,
    pub response_id: String,
    pub kind: EventKind,
    /// The user it is for (the conversation's owner).
    pub user_id: String,
    pub created_at: DateTime<Utc>,
}

/// One accepted submit-feedback request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Feedback {
    pub conversation_id: String,
    pub response_id: String,
    pub message_id: String,
    pub callback_id: String,
    /// `helpful` or `unhelpful`, decided by the callback id.
    pub rating: &'static str,
    pub additional_feedback: Option<String>,
}

/// A message of a conversation, as listed: newest first by `key`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MessageRef<'a> {
    /// (creation time in ms, ordinal): the ordinal breaks ties so that a
    /// response's assistant message always follows its user message.
    pub key: (i64, u64),
    pub record: &'a ResponseRecord,
    /// The user's input message rather than the assistant's answer.
    pub user: bool,
}

/// Everything the API stores.
#[derive(Debug, Default)]
pub(crate) struct Store {
    conversations: HashMap<String, Conversation>,
    responses: HashMap<String, ResponseRecord>,
    events: Vec<Event>,
    feedback: Vec<Feedback>,
    /// Modal ids minted by message reads (rest/v1), see `crate::modals`.
    pub modals: HashMap<String, crate::modals::ModalRef>,
    next_seq: u64,
    last_ms: i64,
}

impl Store {
    /// The current time, strictly later than any earlier result: every
    /// mutation gets a distinct `updated_at`, so "newest first" is well
    /// defined even for conversations created within one millisecond.
    fn tick(&mut self) -> DateTime<Utc> {
        let ms = Utc::now().timestamp_millis().max(self.last_ms + 1);
        self.last_ms = ms;
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Creates a conversation with an optional title.
    pub fn create_conversation(&mut self, title: Option<String>, unknown: bool, owner: &str) -> &Conversation {
        let now = self.tick();
        let id = codec::random_id("conv_");
        let conversation = Conversation {
            id: id.clone(),
            title,
            archived: false,
            created_at: now,
            updated_at: now,
            unknown,
            owner: owner.to_owned(),
            handed_off: false,
        };
        self.conversations.entry(id).or_insert(conversation)
    }

    /// Looks a conversation up by id.
    pub fn conversation(&self, id: &str) -> Option<&Conversation> {
        self.conversations.get(id)
    }

    /// Looks a conversation up by id, to change its live-agent state.
    pub fn conversation_mut(&mut self, id: &str) -> Option<&mut Conversation> {
        self.conversations.get_mut(id)
    }

    /// The responses of a conversation, in no particular order.
    pub fn responses_of<'a>(&'a self, conversation_id: &'a str) -> impl Iterator<Item = &'a ResponseRecord> + 'a {
        self.responses.values().filter(move |r| r.conversation_id == conversation_id)
    }

    /// A fresh number (for ticket numbers and the like).
    pub fn next_number(&mut self) -> u64 {
        self.seq()
    }

    /// Applies a partial update and bumps `updated_at`; `None` if unknown.
    pub fn update_conversation(
        &mut self,
        id: &str,
        title: Option<String>,
        archived: Option<bool>,
    ) -> Option<&Conversation> {
        if !self.conversations.contains_key(id) {
            return None;
        }
        let now = self.tick();
        let conversation = self.conversations.get_mut(id)?;
        if let Some(title) = title {
            conversation.title = Some(title);
        }
        if let Some(archived) = archived {
            conversation.archived = archived;
        }
        conversation.updated_at = now;
        Some(conversation)
    }

    /// One page of conversations with the given archived flag, newest
    /// `updated_at` first (ties: larger id first), strictly after the keyset
    /// position `after` = (updated_at in ms, id). Also says whether more follow.
    pub fn list_conversations(
        &self,
        archived: bool,
        after: Option<(i64, &str)>,
        limit: usize,
        owner: Option<&str>,
    ) -> (Vec<&Conversation>, bool) {
        let mut matching: Vec<&Conversation> = self
            .conversations
            .values()
            .filter(|c| c.archived == archived)
            .filter(|c| owner.is_none_or(|o| c.owner == o))
            .filter(|c| match after {
                Some((ms, id)) => (c.updated_at.timestamp_millis(), c.id.as_str()) < (ms, id),
                None => true,
            })
            .collect();
        matching.sort_by_key(|c| Reverse((c.updated_at, c.id.as_str())));
        let more = matching.len() > limit;
        matching.truncate(limit);
        (matching, more)
    }

    /// Creates a response in a conversation; `None` if the conversation is unknown.
    ///
    /// Bumps the conversation's `updated_at` and, when it has no title yet,
    /// titles it after this first message (the real API assigns an AI title).
    pub fn create_response(
        &mut self,
        conversation_id: &str,
        question: &str,
        duration: Duration,
        unknown: bool,
    ) -> Option<&ResponseRecord> {
        if !self.conversations.contains_key(conversation_id) {
            return None;
        }
        let now = self.tick();
        let seq = self.seq();
        let conversation = self.conversations.get_mut(conversation_id)?;
        conversation.updated_at = now;
        conversation.unknown |= unknown;
        if conversation.title.is_none() && !question.trim().is_empty() {
            let title: String = question.trim().chars().take(AUTO_TITLE_CHARS).collect();
            conversation.title = Some(title);
        }
        let lower = question.to_lowercase();
        let record = ResponseRecord {
            id: codec::random_id("resp_"),
            conversation_id: conversation_id.to_owned(),
            question: question.to_owned(),
            created_at: now,
            started: Instant::now(),
            duration,
            outcome: if lower.contains("[fail]") { Outcome::Failed } else { Outcome::Completed },
            unknown: unknown || lower.contains("[unknown]"),
            reasoning_message_id: codec::random_id("rmsg_"),
            message_id: codec::random_id("msg_"),
            tool_call_id: codec::random_id("tool_"),
            user_message_id: Some(codec::random_id("msg_")),
            injected: None,
            helpful_callback_id: codec::callback_id("helpful"),
            unhelpful_callback_id: codec::callback_id("unhelpful"),
            raw_message: None,
            input: UserInput::Text,
            script: Script::Default,
            seq,
        };
        if record.unknown {
            conversation.unknown = true;
        }
        Some(self.responses.entry(record.id.clone()).or_insert(record))
    }

    /// Appends a system-initiated assistant message to a conversation and to the
    /// event feed (as `event_type`, `MESSAGE_EVENT` when `None`); `None` if the
    /// conversation is unknown. The message is final at once.
    pub fn inject_event(
        &mut self,
        conversation_id: &str,
        text: &str,
        kind: InjectedKind,
        event_type: Option<String>,
    ) -> Option<(&Event, &ResponseRecord)> {
        if !self.conversations.contains_key(conversation_id) {
            return None;
        }
        let now = self.tick();
        let seq = self.seq();
        let conversation = self.conversations.get_mut(conversation_id)?;
        conversation.updated_at = now;
        let user_id = conversation.owner.clone();
        let record = ResponseRecord {
            id: codec::random_id("resp_"),
            conversation_id: conversation_id.to_owned(),
            question: String::new(),
            created_at: now,
            started: Instant::now(),
            duration: Duration::ZERO,
            outcome: Outcome::Completed,
            unknown: false,
            reasoning_message_id: codec::random_id("rmsg_"),
            message_id: codec::random_id("msg_"),
            tool_call_id: codec::random_id("tool_"),
            user_message_id: None,
            injected: Some(Injected { kind, text: text.to_owned() }),
            helpful_callback_id: codec::callback_id("helpful"),
            unhelpful_callback_id: codec::callback_id("unhelpful"),
            raw_message: None,
            input: UserInput::Text,
            script: Script::Default,
            seq,
        };
        let event_seq = self.seq();
        let kind = match event_type.as_deref() {
            None | Some("MESSAGE_EVENT") => EventKind::Message,
            Some(other) => EventKind::Other(other.to_owned()),
        };
        self.events.push(Event {
            id: codec::event_id(event_seq),
            conversation_id: conversation_id.to_owned(),
            response_id: record.id.clone(),
            kind,
            user_id,
            created_at: now,
        });
        let id = record.id.clone();
        self.responses.insert(id.clone(), record);
        Some((self.events.last()?, self.responses.get(&id)?))
    }

    /// The messages of a conversation (of one response when `response_id` is
    /// given) that exist at `now`, newest first: user input messages from the
    /// moment the response is created, assistant messages once final.
    pub fn messages(&self, conversation_id: &str, response_id: Option<&str>, now: Instant) -> Vec<MessageRef<'_>> {
        let mut out = Vec::new();
        for r in self.responses.values() {
            if r.conversation_id != conversation_id || response_id.is_some_and(|id| id != r.id) {
                continue;
            }
            if r.user_message_id.is_some() {
                out.push(MessageRef { key: (r.created_at.timestamp_millis(), r.seq * 2), record: r, user: true });
            }
            if r.has_assistant_message(now) {
                out.push(MessageRef {
                    key: (r.completed_at().timestamp_millis(), r.seq * 2 + 1),
                    record: r,
                    user: false,
                });
            }
        }
        out.sort_by_key(|m| Reverse(m.key));
        out
    }

    /// Records accepted feedback.
    pub fn add_feedback(&mut self, feedback: Feedback) {
        self.feedback.push(feedback);
    }

    /// Every accepted feedback, oldest first.
    pub fn feedback(&self) -> &[Feedback] {
        &self.feedback
    }

    /// A response, only if it belongs to the given conversation. A proactive
    /// notification's response id names no response.
    pub fn response(&self, conversation_id: &str, response_id: &str) -> Option<&ResponseRecord> {
        self.responses.get(response_id).filter(|r| r.conversation_id == conversation_id && r.gettable())
    }

    /// A response by id alone (events refer to their response).
    /// A response by id, to shape it right after its creation (faults).
    pub fn response_mut(&mut self, response_id: &str) -> Option<&mut ResponseRecord> {
        self.responses.get_mut(response_id)
    }

    pub fn response_by_id(&self, response_id: &str) -> Option<&ResponseRecord> {
        self.responses.get(response_id)
    }

    /// One page of events, oldest first: those of `conversation` (all when
    /// `None`) with `after < event_id <= up_to`. Also says whether more follow.
    pub fn list_events(
        &self,
        conversation: Option<&str>,
        after: Option<&str>,
        up_to: Option<&str>,
        limit: usize,
        user: Option<&str>,
    ) -> (Vec<&Event>, bool) {
        let mut page: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| conversation.is_none_or(|c| e.conversation_id == c))
            .filter(|e| user.is_none_or(|u| e.user_id == u))
            .filter(|e| after.is_none_or(|a| e.id.as_str() > a))
            .filter(|e| up_to.is_none_or(|u| e.id.as_str() <= u))
            .take(limit + 1)
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        (page, more)
    }
}

impl Store {
    /// An event by id alone (the webhook envelope).
    pub fn event_by_id(&self, event_id: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.id == event_id)
    }

    /// One event of a conversation.
    pub fn event(&self, conversation_id: &str, event_id: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.id == event_id && e.conversation_id == conversation_id)
    }

    /// Puts a user message (with files) into a conversation's history without an
    /// answer (`add_user_message`); `None` if the conversation is unknown.
    pub fn add_user_message(
        &mut self,
        conversation_id: &str,
        text: &str,
        files: Vec<serde_json::Value>,
    ) -> Option<&ResponseRecord> {
        let id = self.create_response(conversation_id, text, Duration::ZERO, false)?.id.clone();
        let record = self.responses.get_mut(&id)?;
        record.script = Script::UserOnly { files };
        Some(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_duration() {
        let mut store = Store::default();
        let conv = store.create_conversation(None, false, "user_sim").id.clone();
        let r = store.create_response(&conv, "hi", Duration::from_millis(300), false).unwrap().clone();
        assert_eq!(r.phase(r.started), Phase::Created);
        assert_eq!(r.phase(r.started + Duration::from_millis(100)), Phase::InProgress);
        assert_eq!(r.phase(r.started + Duration::from_millis(299)), Phase::InProgress);
        assert_eq!(r.phase(r.started + Duration::from_millis(300)), Phase::Finished);
        assert_eq!((r.completed_at() - r.created_at).num_milliseconds(), 300);
    }

    #[test]
    fn answers_are_not_events_and_injected_messages_are() {
        let mut store = Store::default();
        let conv = store.create_conversation(None, false, "user_sim").id.clone();
        let answer = store.create_response(&conv, "hi", Duration::ZERO, false).unwrap().id.clone();
        assert!(store.list_events(None, None, None, 10, None).0.is_empty());
        let (event, record) =
            store.inject_event(&conv, "Your laptop is ready", InjectedKind::AsyncResponse, None).unwrap();
        let (event_id, injected) = (event.id.clone(), record.id.clone());
        assert_ne!(injected, answer);
        let (events, more) = store.list_events(None, None, None, 10, None);
        assert!(!more);
        assert_eq!(
            events.iter().map(|e| (&e.id, &e.response_id, &e.kind)).collect::<Vec<_>>(),
            vec![(&event_id, &injected, &EventKind::Message)]
        );
        // Newest first: the injected message, then the answer, then the question.
        let later = Instant::now() + Duration::from_secs(1);
        let listed: Vec<_> = store.messages(&conv, None, later).iter().map(|m| (m.record.id.clone(), m.user)).collect();
        assert_eq!(listed, vec![(injected, false), (answer.clone(), false), (answer, true)]);
    }

    #[test]
    fn callback_ids_decide_the_rating_and_notifications_have_none() {
        let mut store = Store::default();
        let conv = store.create_conversation(None, false, "user_sim").id.clone();
        let r = store.create_response(&conv, "hi", Duration::ZERO, false).unwrap().clone();
        assert_eq!(r.rating_of(&r.helpful_callback_id), Some("helpful"));
        assert_eq!(r.rating_of(&r.unhelpful_callback_id), Some("unhelpful"));
        assert_eq!(r.rating_of("x"), None);
        let n = store.inject_event(&conv, "FYI", InjectedKind::Notification, None).unwrap().1.clone();
        assert_eq!(n.rating_of(&n.helpful_callback_id), None);
        assert!(store.response(&conv, &n.id).is_none());
    }

    #[test]
    fn timestamps_strictly_increase() {
        let mut store = Store::default();
        let a = store.create_conversation(None, false, "user_sim").updated_at;
        let b = store.create_conversation(None, false, "user_sim").updated_at;
        assert!(b > a);
    }
}
