//! Following the events feed across restarts: the core's [`core::EventsFollower`]
//! behind an object, its options, the app's [`CheckpointStore`] and [`EventHandler`].

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use moveworks as core;
use moveworks::Event;

use crate::client::Client;
use crate::errors::*;

/// How an [`EventsFollower`] polls; unset values keep the core's defaults (every 6 s,
/// no replay, 100 events a page, back-off up to 60 s).
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct FollowOptions {
    /// Time between polls (default 6 s: event polls count against the same rate limit
    /// as history reads; webhooks are the low-latency path).
    #[uniffi(default = None)]
    pub interval: Option<Duration>,
    /// On a fresh checkpoint, deliver the events already in the feed (`true`), or only
    /// those arriving after the follower starts (`false`, the default).
    #[uniffi(default = None)]
    pub replay: Option<bool>,
    /// Events per page, 1 to 100 (default 100).
    #[uniffi(default = None)]
    pub page_size: Option<u32>,
    /// Longest wait between attempts after a failure without `Retry-After` (default 60 s).
    #[uniffi(default = None)]
    pub max_backoff: Option<Duration>,
}

impl FollowOptions {
    fn to_core(&self, cancel: core::CancelToken) -> core::FollowOptions {
        let d = core::FollowOptions::default();
        core::FollowOptions {
            interval: self.interval.unwrap_or(d.interval),
            replay: self.replay.unwrap_or(d.replay),
            page_size: self.page_size.unwrap_or(d.page_size),
            max_backoff: self.max_backoff.unwrap_or(d.max_backoff),
            cancel: Some(cancel),
            on_backoff: None,
        }
    }
}

/// Where a follower keeps its place, implemented by the app (a database row per
/// user, a key in Redis) when the file store of `Client.follow_events` does not fit.
///
/// The value is an opaque string (an event id, or `""`: "from the start of the
/// feed"); store it verbatim, one store per user. Throwing fails the follower's call
/// (a `MoveworksError` keeps its kind; anything else is `InvalidArgument` naming
/// `checkpoint`).
#[uniffi::export(callback_interface)]
pub trait CheckpointStore: Send + Sync {
    /// The saved checkpoint, or absent when nothing was ever saved (a fresh follower).
    /// Called once, before the first poll.
    fn load(&self) -> Result<Option<String>, MoveworksError>;
    /// Saves `checkpoint`; once this returns, a later `load` (after a restart) must
    /// return it: an event saved here is never delivered again.
    fn save(&self, checkpoint: String) -> Result<(), MoveworksError>;
}

/// Receives the follower's events, in feed order, one at a time.
#[uniffi::export(callback_interface)]
pub trait EventHandler: Send + Sync {
    /// Return `true` when handled (its id becomes the checkpoint), `false` when not:
    /// the call returns and that event is delivered again by the next call or run.
    fn on_event(&self, event: Event) -> bool;
}

/// A store as the core takes it, keeping a copy of the last value saved so that
/// [`EventsFollower::checkpoint`] never waits for a poll in progress.
struct Store {
    inner: Box<dyn core::CheckpointStore>,
    saved: Arc<Mutex<Option<String>>>,
}

impl core::CheckpointStore for Store {
    fn load(&mut self) -> core::Result<Option<String>> {
        self.inner.load()
    }
    fn save(&mut self, checkpoint: &str) -> core::Result<()> {
        self.inner.save(checkpoint)?;
        *lock(&self.saved) = Some(checkpoint.to_owned());
        Ok(())
    }
}

/// The app's store as a core store.
struct Foreign(Box<dyn CheckpointStore>);

fn store_error(e: MoveworksError) -> core::Error {
    e.into_core(|message| core::Error::invalid_argument("checkpoint", format_args!("the store threw: {message}")))
}

impl core::CheckpointStore for Foreign {
    fn load(&mut self) -> core::Result<Option<String>> {
        self.0.load().map_err(store_error)
    }
    fn save(&mut self, checkpoint: &str) -> core::Result<()> {
        self.0.save(checkpoint.to_owned()).map_err(store_error)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn handled(handler: &dyn EventHandler) -> impl FnMut(&Event) -> ControlFlow<()> + '_ {
    move |event| if handler.on_event(event.clone()) { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
}

/// Follows one user's events feed (`GET /conversations/-/events?starting_after=…`),
/// delivering each event once, in order, and keeping its place in a checkpoint store so
/// that a restart goes on where it stopped. Start one with `Client.follow_events`.
///
/// **At-least-once**: a crash between an event's delivery and the save of its id
/// delivers that one event again on restart; drop repeats by `event_id`. **Fresh
/// start**: with no saved checkpoint, the first poll only catches up (nothing
/// delivered) unless `replay`. **Failures**: 429 waits for its `Retry-After`, other
/// transient failures back off; a permanent one (401, 403, 404, a store that cannot
/// save) ends `run` with its error. One follower per user, one call at a time: a second
/// call waits for the first. [`cancel`](Self::cancel) stops it from any thread.
#[derive(uniffi::Object)]
pub struct EventsFollower {
    inner: Arc<Mutex<core::EventsFollower>>,
    /// Outside the lock: cancelling never waits for a poll in progress.
    cancel: core::CancelToken,
    saved: Arc<Mutex<Option<String>>>,
}

impl EventsFollower {
    fn new(client: &core::Client, store: Box<dyn core::CheckpointStore>, options: &FollowOptions) -> Result<Arc<Self>> {
        let cancel = core::CancelToken::default();
        let saved = Arc::new(Mutex::new(None));
        let store = Store { inner: store, saved: saved.clone() };
        let inner = core::EventsFollower::new(client, store, options.to_core(cancel.clone()))?;
        Ok(Arc::new(EventsFollower { inner: Arc::new(Mutex::new(inner)), cancel, saved }))
    }
}

#[uniffi::export]
impl EventsFollower {
    /// One poll (with its pages): delivers what is new to `handler` and returns how many
    /// events it handled. On a fresh checkpoint this poll is the catch-up. Transient
    /// failures are retried a couple of times before their error is thrown; does not wait
    /// for the interval. BLOCKING.
    pub fn poll_once(&self, handler: Box<dyn EventHandler>) -> Result<u64> {
        Ok(lock(&self.inner).poll_once(handled(handler.as_ref()))? as u64)
    }

    /// Follows the feed until [`cancel`](Self::cancel) (returns normally) or until
    /// `handler` returns `false` (that event is not saved; returns normally), or a
    /// permanent failure (thrown). BLOCKS the calling thread all along.
    pub fn run(&self, handler: Box<dyn EventHandler>) -> Result<()> {
        Ok(lock(&self.inner).run(handled(handler.as_ref()))?)
    }

    /// The next event, waiting for it as long as it takes (polling every interval), after
    /// saving the previous one's checkpoint: so an event counts as handled once the next
    /// is asked for (or on [`commit`](Self::commit)). Absent once cancelled. BLOCKING.
    pub fn next_event(&self) -> Result<Option<Event>> {
        Ok(lock(&self.inner).next_event()?)
    }

    /// Saves the checkpoint of the last event [`next_event`](Self::next_event) returned,
    /// if not saved yet (e.g. after leaving a loop early).
    pub fn commit(&self) -> Result<()> {
        Ok(lock(&self.inner).commit()?)
    }

    /// The last checkpoint saved: absent before the first poll; `""` when following began
    /// at the start of an empty feed.
    pub fn checkpoint(&self) -> Option<String> {
        lock(&self.saved).clone()
    }

    /// Stops the follower from any thread: a wait between polls wakes at once, a poll in
    /// flight is cut short; `run` returns, `next_event` returns absent. Final.
    pub fn cancel(&self) {
        self.cancel.cancel()
    }

    /// True once [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl EventsFollower {
    /// Non-blocking [`next_event`](Self::next_event): the wait runs on a thread of the
    /// SDK's blocking pool, not the caller's (the Kotlin `asFlow()` and the Swift
    /// `events` sequence read it). Abandoning the call does not stop that wait: cancel
    /// the follower to end it.
    pub async fn next_event_async(&self) -> Result<Option<Event>> {
        let inner = self.inner.clone();
        crate::runtime::blocking(move || lock(&inner).next_event()).await
    }
}

#[uniffi::export]
impl Client {
    /// An events follower of this client's user (take a `for_user` view for a user's
    /// feed) keeping its checkpoint in the file at `checkpoint_path` (written atomically;
    /// its directory must exist). Nothing is sent until the first poll. A zero interval or
    /// back-off, or a page size outside 1 to 100, is `InvalidArgument`.
    pub fn follow_events(&self, checkpoint_path: String, options: FollowOptions) -> Result<Arc<EventsFollower>> {
        EventsFollower::new(&self.inner, Box::new(core::FileCheckpoint::new(checkpoint_path)), &options)
    }

    /// [`follow_events`](Self::follow_events) with a checkpoint store of the app's.
    pub fn follow_events_with_store(
        &self,
        store: Box<dyn CheckpointStore>,
        options: FollowOptions,
    ) -> Result<Arc<EventsFollower>> {
        EventsFollower::new(&self.inner, Box::new(Foreign(store)), &options)
    }
}
