//! The events follower (`client.followEvents`): the core's `EventsFollower` on a file
//! checkpoint, an in-memory one, or a store written in JS, driven from JS.
//!
//! Every step runs on tokio's blocking pool, never on the JS thread: a poll waits for
//! the server, the iterator also for the interval between polls, and the handler and a
//! JS store are JS functions the core thread calls and waits for (see `js_call`).
//! The follower sits behind a mutex that only pool threads take; `cancel` and
//! `checkpoint` never take it, so the JS thread never waits for a running poll.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, PoisonError};

use moveworks::{
    CancelToken, CheckpointStore, Error, ErrorKind, Event, EventsFollower, FileCheckpoint, FollowOptions,
    MemoryCheckpoint,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::client::NativeClient;
use crate::convert::to_napi;
use crate::js_call::{AsyncJsFn, JsCallback};
use crate::options::{millis, whole};
use crate::runtime::spawn_direct;

/// A follower's handler: an event as wire JSON in, a Promise of "handled" out (false:
/// not handled, not saved, delivered again later).
pub(crate) type HandlerFn = AsyncJsFn<String, bool>;
/// A JS store's `load`: a Promise of the saved checkpoint, or null.
pub(crate) type LoadFn = AsyncJsFn<(), Option<String>>;
/// A JS store's `save`: a Promise settled once the checkpoint is durable.
pub(crate) type SaveFn = AsyncJsFn<String, bool>;

/// How the follower polls (the core's `FollowOptions`); times in ms.
#[napi(object)]
#[derive(Default)]
pub struct NativeFollowOptions {
    /// Time between polls, ms.
    pub interval_ms: Option<f64>,
    /// On a fresh checkpoint, deliver the events already in the feed.
    pub replay: Option<bool>,
    /// Events per page, 1 to 100.
    pub page_size: Option<f64>,
    /// Longest wait after a failure, ms.
    pub max_backoff_ms: Option<f64>,
}

/// A checkpoint store written in JS (`{ load(), save(id) }`, wrapped by the JS layer).
struct JsStore {
    load: JsCallback<(), Option<String>>,
    save: JsCallback<String, bool>,
}

fn store_failure(doing: &str, why: String) -> Error {
    Error::invalid_argument("checkpoint", format_args!("the checkpoint store's {doing} failed: {why}"))
}

impl CheckpointStore for JsStore {
    fn load(&mut self) -> moveworks::Result<Option<String>> {
        self.load.call(()).map_err(|why| store_failure("load", why))
    }
    fn save(&mut self, checkpoint: &str) -> moveworks::Result<()> {
        self.save.call(checkpoint.to_owned()).map(drop).map_err(|why| store_failure("save", why))
    }
}

/// A store that also keeps the last checkpoint saved where the JS thread can read it
/// without waiting for the follower.
struct Recorded {
    store: Box<dyn CheckpointStore>,
    last: Arc<Mutex<Option<String>>>,
}

impl CheckpointStore for Recorded {
    fn load(&mut self) -> moveworks::Result<Option<String>> {
        self.store.load()
    }
    fn save(&mut self, checkpoint: &str) -> moveworks::Result<()> {
        self.store.save(checkpoint)?;
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(checkpoint.to_owned());
        Ok(())
    }
}

/// A running events follower; the JS `EventsFollower` wraps it.
#[napi]
pub struct NativeEventsFollower {
    inner: Arc<Mutex<EventsFollower>>,
    cancel: CancelToken,
    checkpoint: Arc<Mutex<Option<String>>>,
}

#[napi]
impl NativeClient {
    /// The core's `EventsFollower::new` on this client (a view acting for the feed's
    /// user). The checkpoint lives in the file `checkpoint_path`, or in the JS store
    /// `load`/`save`, or (neither given) in memory. Nothing is sent until the first poll.
    #[napi]
    pub fn follow_events(
        &self,
        checkpoint_path: Option<String>,
        #[napi(ts_arg_type = "(() => Promise<string | null | undefined>) | undefined | null")] load: Option<LoadFn>,
        #[napi(ts_arg_type = "((checkpoint: string) => Promise<boolean>) | undefined | null")] save: Option<SaveFn>,
        options: Option<NativeFollowOptions>,
    ) -> Result<NativeEventsFollower> {
        let store: Box<dyn CheckpointStore> = match (checkpoint_path, load, save) {
            (Some(path), None, None) => Box::new(FileCheckpoint::new(path)),
            (None, Some(load), Some(save)) => {
                Box::new(JsStore { load: JsCallback::new(load), save: JsCallback::new(save) })
            }
            (None, None, None) => Box::new(MemoryCheckpoint::new()),
            _ => {
                return Err(to_napi(Error::invalid_argument(
                    "checkpoint",
                    "give a file path or a store with load() and save(), not both",
                )))
            }
        };
        let last = Arc::new(Mutex::new(None));
        let store = Recorded { store, last: last.clone() };
        let follower = follow_options(options.unwrap_or_default())
            .and_then(|options| EventsFollower::new(&self.inner, store, options))
            .map_err(to_napi)?;
        Ok(NativeEventsFollower {
            cancel: follower.cancel_token(),
            inner: Arc::new(Mutex::new(follower)),
            checkpoint: last,
        })
    }
}

/// The core's `FollowOptions` from the JS options (defaults are the core's).
fn follow_options(o: NativeFollowOptions) -> moveworks::Result<FollowOptions> {
    let mut options = FollowOptions::default();
    if let Some(d) = millis("interval", o.interval_ms)? {
        options.interval = d;
    }
    if let Some(d) = millis("maxBackoff", o.max_backoff_ms)? {
        options.max_backoff = d;
    }
    if let Some(n) = whole("pageSize", o.page_size)? {
        options.page_size = n;
    }
    if let Some(replay) = o.replay {
        options.replay = replay;
    }
    Ok(options)
}

/// Hands one event to the JS handler and waits for its answer; a handler that could
/// not be called refuses the event (it is delivered again) and its reason is kept.
fn deliver(handler: &JsCallback<String, bool>, event: &Event, failure: &mut Option<String>) -> ControlFlow<()> {
    let json = match serde_json::to_string(event) {
        Ok(json) => json,
        Err(e) => {
            *failure = Some(format!("could not serialize an event: {e}"));
            return ControlFlow::Break(());
        }
    };
    match handler.call(json) {
        Ok(true) => ControlFlow::Continue(()),
        Ok(false) => ControlFlow::Break(()),
        Err(why) => {
            *failure = Some(why);
            ControlFlow::Break(())
        }
    }
}

/// The handler's failure to be called as the step's error.
fn handler_failure(why: String) -> Error {
    Error::new(ErrorKind::Cancelled, format!("the events handler failed: {why}"))
}

impl NativeEventsFollower {
    /// Runs `step` on the follower, on the blocking pool.
    fn step<'env, T: ToNapiValue + Send + 'static>(
        &self,
        env: &'env Env,
        step: impl FnOnce(&mut EventsFollower) -> moveworks::Result<T> + Send + 'static,
    ) -> Result<PromiseRaw<'env, T>> {
        let inner = self.inner.clone();
        spawn_direct(env, move || step(&mut inner.lock().unwrap_or_else(PoisonError::into_inner)))
    }
}

#[napi]
impl NativeEventsFollower {
    /// The core's `poll_once`: one poll (with its pages), each new event handed to
    /// `handler`; resolves to how many were handled.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn poll_once<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "(eventJson: string) => Promise<boolean>")] handler: HandlerFn,
    ) -> Result<PromiseRaw<'env, u32>> {
        let handler = JsCallback::new(handler);
        self.step(env, move |f| {
            let mut failure = None;
            let handled = f.poll_once(|event| deliver(&handler, event, &mut failure))?;
            failure.map_or(Ok(handled as u32), |why| Err(handler_failure(why)))
        })
    }

    /// The core's `run`: follows the feed until cancelled or `handler` refuses an event.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn run<'env>(
        &self,
        env: &'env Env,
        #[napi(ts_arg_type = "(eventJson: string) => Promise<boolean>")] handler: HandlerFn,
    ) -> Result<PromiseRaw<'env, ()>> {
        let handler = JsCallback::new(handler);
        self.step(env, move |f| {
            let mut failure = None;
            f.run(|event| deliver(&handler, event, &mut failure))?;
            failure.map_or(Ok(()), |why| Err(handler_failure(why)))
        })
    }

    /// The core's `next_event`: saves the previous event's checkpoint, then resolves to the
    /// next event (wire JSON), waiting for it as long as it takes; null once cancelled.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next_event<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Option<String>>> {
        self.step(env, |f| {
            let event = f.next_event()?;
            event
                .map(|e| serde_json::to_string(&e))
                .transpose()
                .map_err(|e| Error::new(ErrorKind::Decode, format!("could not serialize an event: {e}")))
        })
    }

    /// The core's `commit`: saves the checkpoint of the last event `nextEvent` gave.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn commit<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        self.step(env, |f| f.commit())
    }

    /// Stops the follower: a running `run`, `nextEvent` or wait between polls ends now.
    #[napi]
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// True once cancelled.
    #[napi(getter)]
    pub fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// The last checkpoint saved (null before the first poll; `""` when following began
    /// at the start of an empty feed).
    #[napi(getter)]
    pub fn checkpoint(&self) -> Option<String> {
        self.checkpoint.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}
