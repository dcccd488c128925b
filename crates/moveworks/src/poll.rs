//! Waiting for a response to finish.
//!
//! The decisions (is it done, did it fail, did it change, how long until the
//! next poll, is the deadline past) live in [`Poller`], a small state machine
//! with no I/O. [`Client::wait_for_response`] drives it with blocking calls;
//! async bindings drive the same machine with their own timers, so no thread
//! sleeps between polls and every language behaves the same.

use std::fmt;
use std::ops::ControlFlow;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::client::{Client, RequestOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Response, ResponseStatus};

/// Lets another thread stop a wait. Clones share one flag; a [`child`](Self::child)
/// has its own flag and is also cancelled by its parent.
#[derive(Clone, Default)]
pub struct CancelToken {
    inner: Arc<Shared>,
    parent: Option<Box<CancelToken>>,
}

/// A token's state and the condvar its sleeps wait on.
type Shared = (Mutex<TokenState>, Condvar);

/// A token's flag and what to call when it is set.
#[derive(Default)]
struct TokenState {
    cancelled: bool,
    /// Registered by [`CancelToken::on_cancel`]; called once, by `cancel`, outside the lock.
    wakers: Vec<(u64, Waker)>,
    next_waker: u64,
}

/// Called when a token is cancelled (e.g. shuts a socket down so a blocked read returns).
pub(crate) type Waker = Arc<dyn Fn() + Send + Sync>;

/// Keeps a waker registered on a token and its parents; dropping it unregisters.
pub(crate) struct CancelWake {
    registered: Vec<(Arc<Shared>, u64)>,
}

impl Drop for CancelWake {
    fn drop(&mut self) {
        for (inner, id) in self.registered.drain(..) {
            inner.0.lock().unwrap_or_else(|p| p.into_inner()).wakers.retain(|(w, _)| *w != id);
        }
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken").field("cancelled", &self.is_cancelled()).finish()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }
    /// Cancels every wait using this token; waits sleeping between polls wake at once.
    pub fn cancel(&self) {
        let (state, cv) = &*self.inner;
        let wakers = {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.cancelled = true;
            std::mem::take(&mut state.wakers)
        };
        cv.notify_all();
        for (_, wake) in wakers {
            wake();
        }
    }
    /// Calls `wake` once when this token or a parent is cancelled (at once if it already
    /// is), until the returned guard is dropped. A blocked read registers the shutdown of
    /// its socket here, so a cancel ends the read at once with no periodic wake-ups.
    pub(crate) fn on_cancel(&self, wake: Waker) -> CancelWake {
        let mut guard = CancelWake { registered: Vec::new() };
        let mut already = false;
        let mut token = Some(self);
        while let Some(t) = token {
            let mut state = t.inner.0.lock().unwrap_or_else(|p| p.into_inner());
            if state.cancelled {
                already = true;
                break;
            }
            let id = state.next_waker;
            state.next_waker += 1;
            state.wakers.push((id, wake.clone()));
            guard.registered.push((t.inner.clone(), id));
            token = t.parent.as_deref();
        }
        if already {
            drop(guard);
            wake();
            return CancelWake { registered: Vec::new() };
        }
        guard
    }
    /// A token cancelled by its own [`cancel`](Self::cancel) or by this one's;
    /// cancelling it leaves this one alone (one stream of a caller's token, say).
    pub fn child(&self) -> CancelToken {
        CancelToken { inner: Arc::default(), parent: Some(Box::new(self.clone())) }
    }
    /// True once [`cancel`](Self::cancel) was called (on it or on a parent).
    pub fn is_cancelled(&self) -> bool {
        self.inner.0.lock().unwrap_or_else(|p| p.into_inner()).cancelled
            || self.parent.as_ref().is_some_and(|p| p.is_cancelled())
    }
    /// Sleeps up to `duration`; returns true (early) if cancelled. With a check of
    /// [`with_interrupt_check`](crate::interrupt::with_interrupt_check) installed on
    /// this thread, wakes every ~20 ms to consult it; when it interrupts, this token
    /// is cancelled.
    pub fn sleep(&self, duration: Duration) -> bool {
        // A parent's cancel does not wake this token's condvar, nor does the thread's
        // interrupt check: look at them every 20 ms.
        const PARENT_CHECK: Duration = crate::interrupt::SLICE;
        let until = std::time::Instant::now() + duration;
        let (flag, cv) = &*self.inner;
        let checked = crate::interrupt::check_installed();
        loop {
            if checked && crate::interrupt::check_tripped() {
                self.cancel();
                return true;
            }
            let left = until.saturating_duration_since(std::time::Instant::now());
            let slice = if self.parent.is_some() || checked { left.min(PARENT_CHECK) } else { left };
            let guard = flag.lock().unwrap_or_else(|p| p.into_inner());
            let (guard, _) =
                cv.wait_timeout_while(guard, slice, |state| !state.cancelled).unwrap_or_else(|p| p.into_inner());
            let cancelled = guard.cancelled || self.parent.as_ref().is_some_and(|p| p.is_cancelled());
            if cancelled || slice >= left {
                return cancelled;
            }
        }
    }
}

/// Called with the response whenever its status or outputs change while polling.
/// Return `ControlFlow::Break(())` to stop waiting (the wait then fails as cancelled).
pub type UpdateCallback = Arc<dyn Fn(&Response) -> ControlFlow<()> + Send + Sync>;

/// How [`Client::wait_for_response`] polls.
#[derive(Clone)]
pub struct WaitOptions {
    /// Delay before the second poll (default 250 ms).
    pub initial_interval: Duration,
    /// Each delay is the previous one times this (default 1.5; at least 1).
    pub backoff_factor: f64,
    /// Longest delay between polls (default 2 s).
    pub max_interval: Duration,
    /// Give up after this long (default 120 s: the server's promise).
    pub deadline: Duration,
    /// Stops the wait from another thread.
    pub cancel: Option<CancelToken>,
    /// Fired whenever status or outputs change.
    pub on_update: Option<UpdateCallback>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            initial_interval: Duration::from_millis(250),
            backoff_factor: 1.5,
            max_interval: Duration::from_secs(2),
            deadline: Duration::from_secs(120),
            cancel: None,
            on_update: None,
        }
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("initial_interval", &self.initial_interval)
            .field("backoff_factor", &self.backoff_factor)
            .field("max_interval", &self.max_interval)
            .field("deadline", &self.deadline)
            .field("cancel", &self.cancel)
            .field("on_update", &self.on_update.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl WaitOptions {
    /// Rejects options that cannot work (zero or non-finite values).
    pub fn validate(&self) -> Result<()> {
        if self.deadline.is_zero() {
            return Err(Error::invalid_argument("deadline", "must be greater than zero"));
        }
        if self.initial_interval.is_zero() {
            return Err(Error::invalid_argument("initial_interval", "must be greater than zero"));
        }
        if self.max_interval < self.initial_interval {
            return Err(Error::invalid_argument("max_interval", "must be at least initial_interval"));
        }
        if !self.backoff_factor.is_finite() || self.backoff_factor < 1.0 {
            return Err(Error::invalid_argument("backoff_factor", "must be a finite number >= 1"));
        }
        Ok(())
    }
}

/// What to do after observing a polled response.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // One per poll, moved out at once: boxing would add an allocation for nothing.
pub enum PollStep {
    /// Stop: the final outcome (a COMPLETED response, or a typed error).
    Finish(Result<Response>),
    /// Poll again after this delay.
    Wait(Duration),
}

/// The polling state machine shared by the blocking and the async waits.
#[derive(Debug)]
pub struct Poller {
    response_id: String,
    started: Instant,
    deadline: Duration,
    next_interval: Duration,
    factor: f64,
    max_interval: Duration,
    last_seen: Option<Response>,
}

impl Poller {
    /// Starts the clock for waiting on `response_id`.
    pub fn new(response_id: &str, options: &WaitOptions) -> Result<Poller> {
        options.validate()?;
        Ok(Poller {
            response_id: response_id.to_owned(),
            started: Instant::now(),
            deadline: options.deadline,
            next_interval: options.initial_interval,
            factor: options.backoff_factor,
            max_interval: options.max_interval,
            last_seen: None,
        })
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_sub(self.started.elapsed())
    }

    /// Per-call limits for the next poll's request, so it cannot outlive the deadline.
    pub fn request_options(&self) -> RequestOptions {
        let remaining = self.remaining().max(Duration::from_millis(1));
        RequestOptions { deadline: Some(remaining), ..Default::default() }
    }

    /// True when `response` differs from the last one observed in status or outputs.
    pub fn is_change(&self, response: &Response) -> bool {
        match &self.last_seen {
            None => true,
            Some(prev) => prev.status != response.status || prev.outputs != response.outputs,
        }
    }

    /// Fires `on_update` when `response` differs from the last one seen (a `Break` ends
    /// the wait as `cancelled`), then [`observe`](Self::observe)s it: one poll's decision,
    /// shared by every wait (blocking, async, and a stream's polling fallback).
    pub fn step(&mut self, response: Response, on_update: Option<&UpdateCallback>) -> PollStep {
        if let Some(callback) = on_update.filter(|_| self.is_change(&response)) {
            if callback(&response).is_break() {
                return PollStep::Finish(Err(Error::cancelled()));
            }
        }
        self.observe(response)
    }

    /// Records `response` and decides the next step. Call [`is_change`](Self::is_change)
    /// first to know whether to fire the update callback (or use [`step`](Self::step)).
    pub fn observe(&mut self, response: Response) -> PollStep {
        self.last_seen = Some(response.clone());
        match response.status {
            ResponseStatus::Completed => PollStep::Finish(Ok(response)),
            ResponseStatus::Failed => {
                let id = response.response_id.clone();
                // The answer that showed it FAILED is the one to quote to support.
                let request_id = response.request_id.clone();
                PollStep::Finish(Err(Error::new(ErrorKind::ResponseFailed, format!("response {id} failed"))
                    .with_response(response)
                    .with_request_id(request_id)))
            }
            _ => {
                let remaining = self.remaining();
                if remaining.is_zero() {
                    return PollStep::Finish(Err(self.timeout_error()));
                }
                let delay = self.next_interval.min(remaining);
                self.next_interval = self.next_interval.mul_f64(self.factor).min(self.max_interval);
                PollStep::Wait(delay)
            }
        }
    }

    /// The poll-timeout error naming the response id and its last status.
    pub fn timeout_error(&self) -> Error {
        let status = self.last_seen.as_ref().map_or("unknown", |r| r.status.as_str()).to_owned();
        let e = Error::new(
            ErrorKind::PollTimeout,
            format!("response {} still {} after {:?}", self.response_id, status, self.deadline),
        );
        match &self.last_seen {
            Some(r) => e.with_response(r.clone()),
            None => e,
        }
    }

    /// Names the awaited response on an error that ends the wait: its id and, when a
    /// poll saw it, the last response. The request was accepted, so whatever went wrong
    /// (a 5xx, a timeout, the deadline, a cancel) the caller can resume with
    /// `wait_for_response` instead of asking the assistant again. The kind is kept.
    pub fn attach_to_error(&self, error: Error) -> Error {
        error.with_accepted_response(&self.response_id, self.last_seen.as_ref())
    }

    /// Maps a failed poll request: a call timeout that hit the wait's deadline is a poll timeout.
    pub fn map_request_error(&self, error: Error) -> Error {
        if error.kind() == ErrorKind::Timeout && self.remaining().is_zero() {
            self.timeout_error()
        } else {
            error
        }
    }
}

impl Client {
    /// This client with its call deadline cut to what is left of `poller`'s wait, so that
    /// one poll (with its retries) cannot outlive the wait.
    pub(crate) fn for_poll(&self, poller: &Poller) -> Result<Client> {
        let deadline = poller.remaining().min(self.settings_deadline());
        self.with_options(&RequestOptions { deadline: Some(deadline), ..Default::default() })
    }

    /// Polls a response until it is COMPLETED (returned) or FAILED (a
    /// `response_failed` error carrying the response), the deadline passes
    /// (`poll_timeout`) or the cancel token fires (`cancelled`). Blocks the thread.
    ///
    /// Every error after the argument checks (including a poll's own 5xx or timeout,
    /// whose kind is kept) carries the `response_id` and the last response seen, so
    /// the wait can be resumed with another call.
    pub fn wait_for_response(
        &self,
        conversation_id: &str,
        response_id: &str,
        options: &WaitOptions,
    ) -> Result<Response> {
        crate::validate::id("conversation_id", conversation_id)?;
        crate::validate::id("response_id", response_id)?;
        block_on(self.wait_for_response_async(&InlineRuntime { options }, conversation_id, response_id, options))
    }

    /// Creates a response and waits for it as [`wait_for_response`](Self::wait_for_response) does.
    /// Once the response was created, every error names it (`response_id`, last response
    /// seen), so resume with `wait_for_response` rather than asking again.
    pub fn create_response_and_wait(
        &self,
        conversation_id: &str,
        input: impl Into<crate::Input>,
        options: &WaitOptions,
    ) -> Result<Response> {
        block_on(self.create_response_and_wait_async(&InlineRuntime { options }, conversation_id, input, options))
    }
}

/// What an async runtime lends the async waits: a place to run one blocking
/// call (never libuv's or the event loop's own thread) and a timer that holds
/// no thread while it waits.
///
/// The bindings implement it for their runtime (tokio for Node and uniffi,
/// asyncio via pyo3 for Python); the polling decisions stay in [`Poller`].
pub trait AsyncRuntime {
    /// Runs `f` off the async thread and resolves to its result.
    fn spawn_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl std::future::Future<Output = T> + Send;
    /// Resolves after `duration` without blocking a thread.
    fn sleep(&self, duration: Duration) -> impl std::future::Future<Output = ()> + Send;
}

impl Client {
    /// The async form of [`wait_for_response`](Self::wait_for_response): each
    /// poll runs on `runtime`'s blocking pool and the waits between polls are
    /// timers, so a thousand concurrent waits hold no threads while they sleep.
    /// Cancellation is checked before every poll and after every sleep.
    pub async fn wait_for_response_async<R: AsyncRuntime>(
        &self,
        runtime: &R,
        conversation_id: &str,
        response_id: &str,
        options: &WaitOptions,
    ) -> Result<Response> {
        crate::validate::id("conversation_id", conversation_id)?;
        crate::validate::id("response_id", response_id)?;
        let poller = Poller::new(response_id, options)?;
        self.drive_async(runtime, poller, options, conversation_id.to_owned(), response_id.to_owned(), None).await
    }

    /// The async form of [`create_response_and_wait`](Self::create_response_and_wait).
    pub async fn create_response_and_wait_async<R: AsyncRuntime>(
        &self,
        runtime: &R,
        conversation_id: &str,
        input: impl Into<crate::Input>,
        options: &WaitOptions,
    ) -> Result<Response> {
        options.validate()?;
        let (client, cid, input) = (self.clone(), conversation_id.to_owned(), input.into());
        let created = runtime.spawn_blocking(move || client.create_response(&cid, input)).await?;
        crate::validate::server_id("response_id", &created.response_id)
            .map_err(|e| e.with_request_id(created.request_id.clone()))?;
        // Cannot fail (the options were validated above), but if it did the response still exists.
        let poller = Poller::new(&created.response_id, options)
            .map_err(|e| e.with_accepted_response(&created.response_id, Some(&created)))?;
        let response_id = created.response_id.clone();
        self.drive_async(runtime, poller, options, conversation_id.to_owned(), response_id, Some(created)).await
    }

    /// Runs the polling loop; every error it ends with names the response (see
    /// [`Poller::attach_to_error`]), whichever step failed.
    async fn drive_async<R: AsyncRuntime>(
        &self,
        runtime: &R,
        mut poller: Poller,
        options: &WaitOptions,
        conversation_id: String,
        response_id: String,
        first: Option<Response>,
    ) -> Result<Response> {
        let outcome = self.poll_loop(runtime, &mut poller, options, conversation_id, response_id, first).await;
        outcome.map_err(|e| poller.attach_to_error(e))
    }

    async fn poll_loop<R: AsyncRuntime>(
        &self,
        runtime: &R,
        poller: &mut Poller,
        options: &WaitOptions,
        conversation_id: String,
        response_id: String,
        mut first: Option<Response>,
    ) -> Result<Response> {
        let cancelled = || options.cancel.as_ref().is_some_and(CancelToken::is_cancelled);
        loop {
            if cancelled() {
                return Err(Error::cancelled());
            }
            let response = match first.take() {
                Some(r) => r,
                None => {
                    if poller.remaining().is_zero() {
                        return Err(poller.timeout_error());
                    }
                    let client = self.for_poll(poller)?;
                    let (cid, rid) = (conversation_id.clone(), response_id.clone());
                    runtime
                        .spawn_blocking(move || client.get_response(&cid, &rid))
                        .await
                        .map_err(|e| poller.map_request_error(e))?
                }
            };
            match poller.step(response, options.on_update.as_ref()) {
                PollStep::Finish(outcome) => return outcome,
                PollStep::Wait(delay) => {
                    runtime.sleep(delay).await;
                    if cancelled() {
                        return Err(Error::cancelled());
                    }
                }
            }
        }
    }
}

/// Runs the async driver on the calling thread: blocking calls run inline and
/// sleeps block, waking early when the wait's cancel token fires.
struct InlineRuntime<'a> {
    options: &'a WaitOptions,
}

impl AsyncRuntime for InlineRuntime<'_> {
    fn spawn_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl std::future::Future<Output = T> + Send {
        std::future::ready(f())
    }
    fn sleep(&self, duration: Duration) -> impl std::future::Future<Output = ()> + Send {
        match &self.options.cancel {
            // A cancel wakes the sleep; the driver sees the flag right after.
            Some(token) => {
                token.sleep(duration);
            }
            None => std::thread::sleep(duration),
        }
        std::future::ready(())
    }
}

/// Runs a future to completion on this thread, for [`AsyncRuntime`]s whose
/// futures are always ready (blocking work done inline, sleeps that block):
/// how a binding drives the shared polling loop synchronously with its own
/// sleep (for example one that checks for Ctrl-C while it sleeps).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        // Unreachable with InlineRuntime; yield rather than spin if a future ever pends.
        std::thread::yield_now();
    }
}
