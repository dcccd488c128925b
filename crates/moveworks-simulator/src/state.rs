//! The in-memory model: conversations, responses, the event feed.
//!
//! Response progress is not driven by timers: a response's phase is computed
//! from its age whenever it is looked at, and [`Store::materialize`] appends
//! the events of responses that have finished since the last request. That
//! keeps the simulator free of background threads and sleeps.

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
}

/// How a response ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Completed,
    Failed,
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
    seq: u64,
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

    fn finishes_at(&self) -> Instant {
        self.started + self.duration
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// `MESSAGE_EVENT` with the response's assistant message.
    Message,
    /// `NOTIFICATION_EVENT`, an event type clients do not know yet.
    Notification,
}

/// One entry of the event feed.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub id: String,
    pub conversation_id: String,
    pub response_id: String,
    pub kind: EventKind,
}

/// Everything the API stores.
#[derive(Debug, Default)]
pub(crate) struct Store {
    conversations: HashMap<String, Conversation>,
    responses: HashMap<String, ResponseRecord>,
    /// Responses whose events have not been appended yet.
    pending: Vec<String>,
    events: Vec<Event>,
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
    pub fn create_conversation(&mut self, title: Option<String>, unknown: bool) -> &Conversation {
        let now = self.tick();
        let id = codec::random_id("conv_");
        let conversation =
            Conversation { id: id.clone(), title, archived: false, created_at: now, updated_at: now, unknown };
        self.conversations.entry(id).or_insert(conversation)
    }

    /// Looks a conversation up by id.
    pub fn conversation(&self, id: &str) -> Option<&Conversation> {
        self.conversations.get(id)
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
    ) -> (Vec<&Conversation>, bool) {
        let mut matching: Vec<&Conversation> = self
            .conversations
            .values()
            .filter(|c| c.archived == archived)
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
        if conversation.title.is_none() {
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
            seq,
        };
        if record.unknown {
            conversation.unknown = true;
        }
        self.pending.push(record.id.clone());
        Some(self.responses.entry(record.id.clone()).or_insert(record))
    }

    /// A response, only if it belongs to the given conversation.
    pub fn response(&self, conversation_id: &str, response_id: &str) -> Option<&ResponseRecord> {
        self.responses.get(response_id).filter(|r| r.conversation_id == conversation_id)
    }

    /// A response by id alone (events refer to their response).
    pub fn response_by_id(&self, response_id: &str) -> Option<&ResponseRecord> {
        self.responses.get(response_id)
    }

    /// Appends the events of every response that has finished by `now`, in
    /// order of finishing: a completed response yields a `MESSAGE_EVENT`
    /// (followed by a `NOTIFICATION_EVENT` when it uses unknown values); a
    /// failed one yields nothing.
    pub fn materialize(&mut self, now: Instant) {
        if self.pending.is_empty() {
            return;
        }
        let mut finished = Vec::new();
        let responses = &self.responses;
        self.pending.retain(|id| match responses.get(id) {
            Some(r) if r.phase(now) == Phase::Finished => {
                finished.push((r.finishes_at(), r.seq, id.clone()));
                false
            }
            Some(_) => true,
            None => false,
        });
        finished.sort();
        for (_, _, id) in finished {
            let Some(record) = self.responses.get(&id) else {
                continue;
            };
            if record.outcome == Outcome::Failed {
                continue;
            }
            let mut kinds = vec![EventKind::Message];
            if record.unknown {
                kinds.push(EventKind::Notification);
            }
            let conversation_id = record.conversation_id.clone();
            for kind in kinds {
                let seq = self.seq();
                self.events.push(Event {
                    id: codec::event_id(seq),
                    conversation_id: conversation_id.clone(),
                    response_id: id.clone(),
                    kind,
                });
            }
        }
    }

    /// One page of events, oldest first: those of `conversation` (all when
    /// `None`) with `after < event_id <= up_to`. Also says whether more follow.
    pub fn list_events(
        &self,
        conversation: Option<&str>,
        after: Option<&str>,
        up_to: Option<&str>,
        limit: usize,
    ) -> (Vec<&Event>, bool) {
        let mut page: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| conversation.is_none_or(|c| e.conversation_id == c))
            .filter(|e| after.is_none_or(|a| e.id.as_str() > a))
            .filter(|e| up_to.is_none_or(|u| e.id.as_str() <= u))
            .take(limit + 1)
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        (page, more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_duration() {
        let mut store = Store::default();
        let conv = store.create_conversation(None, false).id.clone();
        let r = store.create_response(&conv, "hi", Duration::from_millis(300), false).unwrap().clone();
        assert_eq!(r.phase(r.started), Phase::Created);
        assert_eq!(r.phase(r.started + Duration::from_millis(100)), Phase::InProgress);
        assert_eq!(r.phase(r.started + Duration::from_millis(299)), Phase::InProgress);
        assert_eq!(r.phase(r.started + Duration::from_millis(300)), Phase::Finished);
        assert_eq!((r.completed_at() - r.created_at).num_milliseconds(), 300);
    }

    #[test]
    fn events_appear_in_finishing_order_and_not_for_failures() {
        let mut store = Store::default();
        let conv = store.create_conversation(None, false).id.clone();
        let slow = store.create_response(&conv, "slow", Duration::from_millis(500), false).unwrap().id.clone();
        let fast = store.create_response(&conv, "fast", Duration::from_millis(10), true).unwrap().id.clone();
        store.create_response(&conv, "x [FAIL]", Duration::ZERO, false).unwrap();
        store.materialize(Instant::now() + Duration::from_secs(1));
        let (events, more) = store.list_events(None, None, None, 10);
        assert!(!more);
        let got: Vec<_> = events.iter().map(|e| (e.response_id.clone(), e.kind)).collect();
        assert_eq!(
            got,
            vec![(fast.clone(), EventKind::Message), (fast, EventKind::Notification), (slow, EventKind::Message)]
        );
        assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn timestamps_strictly_increase() {
        let mut store = Store::default();
        let a = store.create_conversation(None, false).updated_at;
        let b = store.create_conversation(None, false).updated_at;
        assert!(b > a);
    }
}
