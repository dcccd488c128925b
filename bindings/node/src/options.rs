//! Client and per-call options from JS to the core: numbers checked as milliseconds and
//! whole numbers, per-call options JSON (with errors renamed to the Node spelling), and
//! the polling and streaming options of the `wait`/`stream` helpers.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use moveworks::{ClientOptions, RequestOptions, Response, StreamOptions, WaitOptions};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::cancel::CancelHandle;
use crate::client::NativeClient;
use crate::convert::traced_json;

/// Milliseconds from JS (a double) to a Duration; rejects what Duration cannot hold.
pub(crate) fn millis(argument: &str, ms: Option<f64>) -> moveworks::Result<Option<Duration>> {
    match ms {
        None => Ok(None),
        Some(v) if (0.0..=1e15).contains(&v) => Ok(Some(Duration::from_secs_f64(v / 1000.0))),
        Some(v) => {
            Err(moveworks::Error::invalid_argument(argument, format_args!("{v} is not a valid number of milliseconds")))
        }
    }
}

/// A JS number that must be a whole u32 (page sizes, retry counts).
pub(crate) fn whole(argument: &str, n: Option<f64>) -> moveworks::Result<Option<u32>> {
    match n {
        None => Ok(None),
        Some(v) if v.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&v) => Ok(Some(v as u32)),
        Some(v) => Err(moveworks::Error::invalid_argument(argument, format_args!("{v} is not a whole number >= 0"))),
    }
}

/// Per-call options from the JS layer's JSON (snake_case keys: the core's
/// [`RequestOptions::from_json_value`] names and checks them); an error naming one of
/// them names it as Node spells it (`timeout_ms` -> `timeoutMs`).
pub(crate) fn request_options(options_json: &str) -> moveworks::Result<RequestOptions> {
    let value = serde_json::from_str(options_json)
        .map_err(|e| moveworks::Error::invalid_argument("options", format_args!("is not JSON ({e})")))?;
    RequestOptions::from_json_value(value).map_err(node_argument)
}

/// An `invalid_argument` naming a per-call option (`extra_headers`) renamed to the Node
/// spelling (`extraHeaders`); every other error unchanged.
pub(crate) fn node_argument(e: moveworks::Error) -> moveworks::Error {
    match e.argument() {
        Some(arg) if RequestOptions::NAMES.contains(&arg) => {
            let mut camel = String::with_capacity(arg.len());
            let mut upper = false;
            for c in arg.chars() {
                match c {
                    '_' => upper = true,
                    c if upper => {
                        camel.push(c.to_ascii_uppercase());
                        upper = false
                    }
                    c => camel.push(c),
                }
            }
            let prefix = format!("invalid `{arg}`: ");
            let why = e.message().strip_prefix(prefix.as_str()).unwrap_or(e.message()).to_owned();
            moveworks::Error::invalid_argument(&camel, why)
        }
        _ => e,
    }
}

/// The core's per-call option names (snake_case), so the JS layer accepts exactly these.
#[napi]
pub fn request_option_names() -> Vec<String> {
    RequestOptions::NAMES.iter().map(|n| (*n).to_owned()).collect()
}

/// The core's client option names (snake_case), so the tests can hold `index.d.ts` to them.
#[napi]
pub fn client_option_names() -> Vec<String> {
    ClientOptions::NAMES.iter().map(|n| (*n).to_owned()).collect()
}

/// How the polling helpers poll.
#[napi(object)]
#[derive(Default, Clone)]
pub struct NativeWaitOptions {
    /// Give up after this many ms.
    pub deadline_ms: Option<f64>,
    /// Delay before the second poll, ms.
    pub initial_interval_ms: Option<f64>,
    /// Longest delay between polls, ms.
    pub max_interval_ms: Option<f64>,
    /// Growth factor of the delay.
    pub backoff_factor: Option<f64>,
}

/// The JS `onUpdate` callback, receiving a Response as wire JSON.
pub(crate) type UpdateFn = ThreadsafeFunction<String, (), String, Status, false>;

/// Options of a streamed turn (the core's `StreamOptions`).
#[napi(object)]
#[derive(Default, Clone)]
pub struct NativeStreamOptions {
    /// Fall back to polling after this many ms without an event.
    pub idle_timeout_ms: Option<f64>,
    /// Deadline of the whole turn, ms.
    pub deadline_ms: Option<f64>,
    /// Delay before the second poll of the fallback, ms.
    pub initial_interval_ms: Option<f64>,
    /// Longest delay between polls of the fallback, ms.
    pub max_interval_ms: Option<f64>,
    /// Growth factor of the fallback's delay.
    pub backoff_factor: Option<f64>,
}

impl NativeClient {
    pub(crate) fn wait_options(
        options: Option<NativeWaitOptions>,
        cancel: Option<&CancelHandle>,
        on_update: Option<UpdateFn>,
        updates: Arc<std::sync::atomic::AtomicU32>,
    ) -> moveworks::Result<WaitOptions> {
        let o = options.unwrap_or_default();
        let mut w = WaitOptions::default();
        if let Some(d) = millis("deadlineMs", o.deadline_ms)? {
            w.deadline = d;
        }
        if let Some(d) = millis("initialIntervalMs", o.initial_interval_ms)? {
            w.initial_interval = d;
        }
        if let Some(d) = millis("maxIntervalMs", o.max_interval_ms)? {
            w.max_interval = d;
        }
        if let Some(f) = o.backoff_factor {
            w.backoff_factor = f;
        }
        w.cancel = cancel.map(|c| c.token.clone());
        w.on_update = on_update.map(|tsfn| {
            let tsfn = Arc::new(tsfn);
            let cb: moveworks::UpdateCallback = Arc::new(move |r: &Response| {
                if let Ok(s) = traced_json(r) {
                    // Counted so the JS layer can settle only after every update was delivered.
                    if tsfn.call(s, ThreadsafeFunctionCallMode::NonBlocking) == Status::Ok {
                        updates.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
                ControlFlow::Continue(())
            });
            cb
        });
        Ok(w)
    }

    pub(crate) fn stream_options(
        options: Option<NativeStreamOptions>,
        cancel: Option<&CancelHandle>,
    ) -> moveworks::Result<StreamOptions> {
        let o = options.unwrap_or_default();
        let wait = NativeWaitOptions {
            deadline_ms: o.deadline_ms,
            initial_interval_ms: o.initial_interval_ms,
            max_interval_ms: o.max_interval_ms,
            backoff_factor: o.backoff_factor,
        };
        let mut options = StreamOptions {
            wait: Self::wait_options(Some(wait), None, None, Default::default())?,
            ..Default::default()
        };
        if let Some(d) = millis("idleTimeoutMs", o.idle_timeout_ms)? {
            options.idle_timeout = d;
        }
        options.wait.cancel = cancel.map(|c| c.token.clone());
        Ok(options)
    }
}
