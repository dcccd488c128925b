//! Node.js addon of the Moveworks SDK (napi-rs).
//!
//! This is the native half of the npm package `moveworks`; the JS layer in
//! `node/index.js` wraps it. It only converts: every decision (validation,
//! retries, polling, error kinds) comes from the core crate.
//!
//! Where things run, on purpose:
//! - every call returns a Promise settled on napi's tokio runtime; the core's
//!   blocking HTTP calls run with `tokio::task::spawn_blocking` (tokio's own
//!   elastic pool), never on libuv's 4-thread pool that `fs`/`dns` share;
//! - polling waits are tokio timers (`runtime::TokioRuntime`), so a
//!   waiting poll holds no thread;
//! - a stream ([`NativeResponseStream`](stream::NativeResponseStream)) is opened and
//!   read on a small thread of its own (the core's `StreamPump`, started by a spawner
//!   thread), never on the pool: a stream waits for the server for seconds, and nothing
//!   else may wait behind it. JS takes what was read a batch at a time, synchronously
//!   when something is there.
//!
//! Models cross as wire JSON strings produced by the core's serializer, beside the
//! `x-moveworks-root-uuid` the core recorded on them ([`NativeValue`](convert::NativeValue));
//! the JS layer turns them into camelCase objects with `Date`s and a non-enumerable
//! `requestId`. Errors reject with a message that is [`ERROR_MARKER`](convert::ERROR_MARKER)
//! followed by the error's fields as JSON.
//!
//! Where things live, one concern per module:
//! - [`client`]: `NativeClient`, one method per API call, polling helper, stream and pager;
//! - [`user_auth`]: per-user views (`forUser` with a JS token provider, `forUserToken`);
//! - [`modal`]: forms (get, refresh, submit) and the message helpers that find them;
//! - [`webhook`]: reading a webhook delivery;
//! - [`follower`]: `NativeEventsFollower`, the events follower and JS checkpoint stores;
//! - [`input`]: a turn's input variants;
//! - [`js_call`]: calling a JS function from a core thread and waiting for its answer;
//! - [`options`]: client and per-call options, and the polling and streaming options;
//! - [`cancel`]: `CancelHandle` and the race of a call against it;
//! - [`runtime`]: tokio's blocking pool and timers, and the Promise-settling helpers;
//! - [`stream`]: `NativeResponseStream`, a streamed turn;
//! - `handoff`: values handed between threads without a lock (woken streams, spent buffers);
//! - [`pager`]: `NativePager`, the lazy pagers;
//! - [`convert`]: results, stream events and errors as they cross to JS;
//! - [`models`]: the core's model helpers, known type names and version;
//! - [`logging`]: the `onLog` sink and the process-wide log level;
//! - `sandbox` (feature `sandbox`): `NativeSandbox`, for `require('moveworks/testing')`.
//!
//! The modules are `pub` so that the `#[napi]` functions in them count as exported (in
//! a cdylib, a private module's functions are dead code to rustc); JS sees only what napi registers.

pub mod cancel;
pub mod client;
pub mod convert;
pub mod follower;
mod handoff;
pub mod input;
pub mod js_call;
pub mod logging;
pub mod modal;
pub mod models;
pub mod options;
pub mod pager;
pub mod runtime;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod stream;
pub mod user_auth;
pub mod webhook;
