//! Following the events feed (`GET /conversations/-/events`) across restarts:
//! [`EventsFollower`].

use std::collections::VecDeque;
use std::fmt;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::checkpoint::CheckpointStore;
use crate::client::{Client, ListEventsParams, RequestOptions};
use crate::error::{Error, Result};
use crate::interrupt::{self, Watch};
use crate::logging::{LogLevel, LogRecord};
use crate::model::{Event, EventPage};
use crate::poll::CancelToken;
use crate::retry::RetryPolicy;

/// The longest `Retry-After` waited for as asked; a longer one (a misconfigured
/// server) is cut to this, so the follower keeps trying.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);
/// Consecutive failed polls [`EventsFollower::poll_once`] backs off from before giving up.
const ONCE_RETRIES: u32 = 2;

/// Called before each back-off with the error and the wait (for logs or a status line).
pub type BackoffCallback = Arc<dyn Fn(&Error, Duration) + Send + Sync>;

/// How an [`EventsFollower`] polls.
#[derive(Clone)]
pub struct FollowOptions {
    /// Time between polls (default 6 s). Moveworks' demo app polls every 6 s because
    /// event polls count against the same rate limit as history and list reads: a
    /// faster poll starves them. Webhooks (see [`WebhookDelivery`](crate::WebhookDelivery))
    /// are the low-latency path; polling reconciles.
    pub interval: Duration,
    /// On a fresh checkpoint (the store has none), deliver every event already in the
    /// feed (`true`), or only those arriving after the follower starts (`false`, the
    /// default and the demo's practice: the first poll only catches up).
    pub replay: bool,
    /// Events per page, 1 to 100 (default 100: fewer calls against the rate limit).
    pub page_size: u32,
    /// Longest wait between attempts after a failure without `Retry-After` (default 60 s,
    /// the wait the Events API asks for after a 429). The first wait is about 1 s, doubling.
    pub max_backoff: Duration,
    /// Stops [`run`](EventsFollower::run) and the iterator from another thread, waking
    /// the wait between polls at once (default: a token of the follower's own, see
    /// [`EventsFollower::cancel_token`]).
    pub cancel: Option<CancelToken>,
    /// Told about each back-off (the SDK also logs it at `info`).
    pub on_backoff: Option<BackoffCallback>,
}

impl Default for FollowOptions {
    fn default() -> Self {
        FollowOptions {
            interval: Duration::from_secs(6),
            replay: false,
            page_size: 100,
            max_backoff: Duration::from_secs(60),
            cancel: None,
            on_backoff: None,
        }
    }
}

impl fmt::Debug for FollowOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FollowOptions")
            .field("interval", &self.interval)
            .field("replay", &self.replay)
            .field("page_size", &self.page_size)
            .field("max_backoff", &self.max_backoff)
            .field("cancel", &self.cancel)
            .field("on_backoff", &self.on_backoff.as_ref().map(|_| "Fn"))
            .finish()
    }
}

/// Follows one user's events feed (`GET /conversations/-/events?starting_after=…`),
/// delivering each event once, in feed order, and keeping its place in a
/// [`CheckpointStore`] so that a restart goes on where it stopped.
///
/// Each poll asks for the events after the checkpoint and pages through
/// `metadata.next_cursor`. After an event's handler returns, its id is saved as the
/// checkpoint; only then is the next event delivered.
///
/// **At-least-once.** A crash between an event's delivery and the save of its id
/// delivers that one event again on restart (never more than one, never none). Use
/// the event id ([`Event::event_id`]) as the key to drop a repeat, as you would for
/// an event seen both by webhook and by polling.
///
/// **Fresh start.** With no saved checkpoint, the first poll walks the feed to its
/// end and saves the newest id without delivering anything (set
/// [`FollowOptions::replay`] to deliver the history instead).
///
/// **Failures.** A 429 waits as long as its `Retry-After` asks (the client's own
/// reading of `Retry-After` / `retry-after-ms`), any other transient failure
/// (connection, timeout, 5xx) waits with exponential back-off and jitter capped at
/// [`FollowOptions::max_backoff`], then the poll is tried again, for as long as it
/// takes. The client's own retries are off for the follower's polls so that every
/// wait is one the cancel token can cut short. A permanent failure (401, 403, 404, an
/// unusable answer, a checkpoint that cannot be saved) ends [`run`](Self::run) with
/// that error; the checkpoint stays at the last event handled.
///
/// One follower per user: give it a client acting for that user, and a store of
/// that user's own. Works on `rest/v1` and on the beta.
///
/// ```no_run
/// use std::ops::ControlFlow;
/// use moveworks::{Client, EventPayload, EventsFollower, FileCheckpoint, FollowOptions};
///
/// let client = Client::from_env()?;
/// let mut follower = EventsFollower::new(&client, FileCheckpoint::new("alice.checkpoint"), FollowOptions::default())?;
/// let stop = follower.cancel_token(); // `stop.cancel()` from another thread ends `run`
/// follower.run(|event| {
///     if let EventPayload::Message { message } = &event.payload {
///         println!("{} {}", event.event_id, message.text()); // event_id: the dedupe key
///     }
///     ControlFlow::Continue(()) // handled: its id becomes the checkpoint
/// })?;
/// # Ok::<(), moveworks::Error>(())
/// ```
pub struct EventsFollower {
    client: Client,
    store: Box<dyn CheckpointStore>,
    options: FollowOptions,
    cancel: CancelToken,
    /// Loaded (and, on a fresh start, caught up); `checkpoint` is then always set.
    started: bool,
    /// The last value saved: an event id, or `""` (from the start of the feed).
    checkpoint: Option<String>,
    /// Events fetched and not yet delivered, oldest first.
    buffer: VecDeque<Event>,
    /// The request of the current poll and its next page's cursor, while pages remain.
    more: Option<ListEventsParams>,
    /// An event the iterator handed out whose id is saved when the next one is asked for.
    unsaved: Option<String>,
    /// When the last poll's first page was asked for.
    last_poll: Option<Instant>,
}

impl fmt::Debug for EventsFollower {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsFollower")
            .field("client", &self.client)
            .field("options", &self.options)
            .field("checkpoint", &self.checkpoint)
            .field("buffered", &self.buffer.len())
            .finish_non_exhaustive()
    }
}

impl EventsFollower {
    /// A follower of `client`'s events (`client` acts for the user whose feed it is),
    /// keeping its place in `store`. Nothing is sent until the first poll.
    ///
    /// Fails with `invalid_argument` for a zero interval or back-off, or a page size
    /// outside 1 to 100.
    pub fn new(client: &Client, store: impl CheckpointStore + 'static, options: FollowOptions) -> Result<Self> {
        if options.interval.is_zero() {
            return Err(Error::invalid_argument("interval", "must be greater than zero"));
        }
        if options.max_backoff.is_zero() {
            return Err(Error::invalid_argument("max_backoff", "must be greater than zero"));
        }
        if !crate::validate::LIMIT_RANGE.contains(&options.page_size) {
            return Err(Error::invalid_argument("page_size", "must be between 1 and 100"));
        }
        let client = client.with_options(&RequestOptions { max_retries: Some(0), ..Default::default() })?;
        let cancel = options.cancel.clone().unwrap_or_default();
        Ok(EventsFollower {
            client,
            store: Box::new(store),
            options,
            cancel,
            started: false,
            checkpoint: None,
            buffer: VecDeque::new(),
            more: None,
            unsaved: None,
            last_poll: None,
        })
    }

    /// The token that stops this follower (the one of [`FollowOptions::cancel`], if given).
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// The last checkpoint saved (`None` before the first poll; `""` when following
    /// began at the start of an empty feed).
    pub fn checkpoint(&self) -> Option<&str> {
        self.checkpoint.as_deref()
    }

    /// Follows the feed until the cancel token fires, calling `on_event` for each event,
    /// in order. Returns `Ok(())` when cancelled (after saving the checkpoint of the
    /// event being handled, if its handler returned), or when `on_event` returns
    /// `ControlFlow::Break(())`, which means "not handled": that event's id is not
    /// saved, so it is delivered again by the next call or the next run.
    ///
    /// To stop after an event you did handle, cancel the token from the handler.
    pub fn run(&mut self, mut on_event: impl FnMut(&Event) -> ControlFlow<()>) -> Result<()> {
        while let Some(event) = self.next_event()? {
            if on_event(&event).is_break() {
                self.give_back(event);
                return Ok(());
            }
            self.commit()?;
        }
        Ok(())
    }

    /// One poll (with its pages), delivering what is new to `on_event` as
    /// [`run`](Self::run) does, then returns how many events were handled. On a fresh
    /// checkpoint that poll is the catch-up (nothing is delivered unless
    /// [`FollowOptions::replay`]). Transient failures are backed off and retried a
    /// couple of times before their error is returned. Does not wait for the interval.
    pub fn poll_once(&mut self, mut on_event: impl FnMut(&Event) -> ControlFlow<()>) -> Result<usize> {
        self.commit()?;
        if !self.start(Some(ONCE_RETRIES))? {
            return Err(Error::cancelled());
        }
        if self.buffer.is_empty() && self.more.is_none() && !self.poll(Some(ONCE_RETRIES))? {
            return Err(Error::cancelled());
        }
        let mut handled = 0;
        loop {
            while let Some(event) = self.buffer.pop_front() {
                if on_event(&event).is_break() {
                    self.give_back(event);
                    return Ok(handled);
                }
                self.save(&event.event_id)?;
                handled += 1;
            }
            if self.more.is_none() {
                return Ok(handled);
            }
            if !self.next_page(Some(ONCE_RETRIES))? {
                return Err(Error::cancelled());
            }
        }
    }

    /// The feed as an iterator: each item is the next event (waiting for it as long as
    /// it takes); it ends when the cancel token fires, or after yielding a permanent
    /// error. An event's id is saved when the next item is asked for, i.e. once your
    /// loop body ran for it; breaking out of the loop leaves the last event unsaved
    /// (delivered again later) unless you call [`commit`](Self::commit).
    pub fn events(&mut self) -> FollowedEvents<'_> {
        FollowedEvents { follower: self, done: false }
    }

    /// Saves the checkpoint of the last event the iterator yielded, if not saved yet.
    pub fn commit(&mut self) -> Result<()> {
        if let Some(id) = self.unsaved.take() {
            if let Err(e) = self.save(&id) {
                self.unsaved = Some(id);
                return Err(e);
            }
        }
        Ok(())
    }

    /// The next event (saving the previous one's checkpoint first), or `None` once cancelled.
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        self.commit()?;
        if !self.start(None)? {
            return Ok(None);
        }
        loop {
            if self.cancel.is_cancelled() {
                return Ok(None);
            }
            if let Some(event) = self.buffer.pop_front() {
                self.unsaved = Some(event.event_id.clone());
                return Ok(Some(event));
            }
            let fetched = if self.more.is_some() {
                self.next_page(None)?
            } else {
                let due = self.last_poll.map(|t| t + self.options.interval);
                let wait = due.map_or(Duration::ZERO, |d| d.saturating_duration_since(Instant::now()));
                !self.cancel.sleep(wait) && self.poll(None)?
            };
            if !fetched {
                return Ok(None);
            }
        }
    }

    /// Puts an event its handler refused back at the head of the queue.
    fn give_back(&mut self, event: Event) {
        self.unsaved = None;
        self.buffer.push_front(event);
    }

    fn save(&mut self, checkpoint: &str) -> Result<()> {
        self.store.save(checkpoint)?;
        self.checkpoint = Some(checkpoint.to_owned());
        Ok(())
    }

    /// Loads the checkpoint; on a fresh one, catches up (or marks the start for a
    /// replay). False when cancelled first.
    fn start(&mut self, give_up_after: Option<u32>) -> Result<bool> {
        if self.started {
            return Ok(true);
        }
        let loaded = self.store.load()?;
        if let Some(id) = loaded.as_deref().filter(|id| !id.is_empty()) {
            crate::validate::id("checkpoint", id)?;
        }
        let checkpoint = match loaded {
            Some(checkpoint) => checkpoint,
            None if self.options.replay => String::new(),
            None => {
                // Walk to the newest event without delivering: the first poll only catches up.
                let mut newest = String::new();
                let mut params = ListEventsParams { limit: Some(self.options.page_size), ..Default::default() };
                self.last_poll = Some(Instant::now());
                loop {
                    let Some(page) = self.fetch(&params, give_up_after)? else { return Ok(false) };
                    if let Some(last) = page.events.last() {
                        newest.clone_from(&last.event_id);
                    }
                    match page.next_cursor {
                        Some(cursor) => params.cursor = Some(cursor),
                        None => break,
                    }
                }
                newest
            }
        };
        // Saved even when loaded as is, so that a store that cannot be written fails now,
        // not after the first event was handled.
        self.save(&checkpoint)?;
        self.started = true;
        Ok(true)
    }

    /// Asks for the events after the checkpoint. False when cancelled.
    fn poll(&mut self, give_up_after: Option<u32>) -> Result<bool> {
        let starting_after = self.checkpoint.clone().filter(|c| !c.is_empty());
        let params = ListEventsParams { starting_after, limit: Some(self.options.page_size), ..Default::default() };
        self.last_poll = Some(Instant::now());
        self.load_page(params, give_up_after)
    }

    /// Fetches the next page of the current poll. False when cancelled.
    fn next_page(&mut self, give_up_after: Option<u32>) -> Result<bool> {
        match self.more.take() {
            Some(params) => self.load_page(params, give_up_after),
            None => Ok(true),
        }
    }

    fn load_page(&mut self, params: ListEventsParams, give_up_after: Option<u32>) -> Result<bool> {
        let Some(page) = self.fetch(&params, give_up_after)? else { return Ok(false) };
        self.more = page.next_cursor.map(|cursor| ListEventsParams { cursor: Some(cursor), ..params });
        let checkpoint = self.checkpoint.as_deref();
        // `starting_after` is exclusive; should a server include the bound, it is not redelivered.
        self.buffer.extend(page.events.into_iter().filter(|e| Some(e.event_id.as_str()) != checkpoint));
        Ok(true)
    }

    /// One page, retrying transient failures after a cancellable wait: `None` when
    /// cancelled; the error once it is permanent, or after `give_up_after` retries.
    fn fetch(&self, params: &ListEventsParams, give_up_after: Option<u32>) -> Result<Option<EventPage>> {
        let watch = Watch { cancel: Some(self.cancel.clone()), deadline: None };
        let mut failures = 0u32;
        loop {
            if self.cancel.is_cancelled() {
                return Ok(None);
            }
            // Watched, so that cancelling also cuts a slow answer short.
            let error = match interrupt::watching(&watch, || self.client.list_events(params)) {
                Ok(page) => return Ok(Some(page)),
                Err(_) if self.cancel.is_cancelled() => return Ok(None),
                Err(e) => e,
            };
            if !error.is_transient() || give_up_after.is_some_and(|n| failures >= n) {
                return Err(error);
            }
            failures += 1;
            let wait = self.backoff(&error, failures);
            if self.cancel.sleep(wait) {
                return Ok(None);
            }
        }
    }

    /// The wait after the `failures`-th consecutive failure `error`.
    fn backoff(&self, error: &Error, failures: u32) -> Duration {
        let wait = match error.retry_after() {
            Some(asked) => asked.min(MAX_RETRY_AFTER),
            None => RetryPolicy {
                initial_backoff: Duration::from_secs(1),
                max_backoff: self.options.max_backoff,
                ..RetryPolicy::default()
            }
            .backoff(failures),
        };
        let message = format!(
            "events follower: {} ({}); polling again in {}ms (failure {failures})",
            error.kind(),
            error.message(),
            wait.as_millis()
        );
        self.client.log(LogRecord {
            status: error.status(),
            error_kind: Some(error.kind().to_string()),
            retry: Some(format!("retry in {}ms", wait.as_millis())),
            ..LogRecord::new(LogLevel::Info, message)
        });
        if let Some(callback) = &self.options.on_backoff {
            callback(error, wait);
        }
        wait
    }
}

/// The iterator of [`EventsFollower::events`].
#[derive(Debug)]
pub struct FollowedEvents<'a> {
    follower: &'a mut EventsFollower,
    done: bool,
}

impl Iterator for FollowedEvents<'_> {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Result<Event>> {
        if self.done {
            return None;
        }
        match self.follower.next_event() {
            Ok(Some(event)) => Some(Ok(event)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
