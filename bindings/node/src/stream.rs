//! A streamed turn ([`NativeResponseStream`]): the core's `ResponseStream` stepped on
//! tokio's blocking pool, one event per `next`, closable while a step is blocked.

use std::sync::{Arc, Mutex};

use moveworks::{CancelToken, ResponseStream};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::json;

use crate::convert::event_json;
use crate::runtime::spawn_direct;

/// What a stream shares with the pool threads running its steps.
struct StreamShared {
    stream: Mutex<ResponseStream>,
    /// The stream's own cancel handle (the core's `canceller`), readable while a step runs.
    token: CancelToken,
    /// Set by `close`; a step running meanwhile closes the stream when it returns.
    closed: std::sync::atomic::AtomicBool,
    /// The response id as of the last step, readable while a step runs.
    response_id: Mutex<Option<String>>,
}

impl StreamShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, ResponseStream> {
        self.stream.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A streamed turn (the core's `ResponseStream`); the JS `ResponseStream` async iterable wraps it.
#[napi]
pub struct NativeResponseStream {
    shared: Arc<StreamShared>,
    request_id: Option<String>,
}

impl NativeResponseStream {
    pub(crate) fn new(stream: ResponseStream) -> Self {
        let token = stream.canceller();
        let request_id = stream.request_id().map(str::to_owned);
        let response_id = Mutex::new(stream.response_id().map(str::to_owned));
        let closed = Default::default();
        NativeResponseStream {
            shared: Arc::new(StreamShared { stream: Mutex::new(stream), token, closed, response_id }),
            request_id,
        }
    }
}

#[napi]
impl NativeResponseStream {
    /// The next event as `{"event": <StreamEvent wire JSON>, "known": bool, "response_id": string | null,
    /// "succeeded": bool}` (`succeeded`: the turn ended with this event and has its final response),
    /// or null once the turn is over; rejects once with the error a failed turn ends with.
    /// Runs on tokio's blocking pool: it blocks until the event arrives.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Option<String>>> {
        let shared = self.shared.clone();
        spawn_direct(env, move || {
            let mut stream = shared.lock();
            if shared.is_closed() {
                stream.close();
            }
            let step = stream.next();
            if shared.is_closed() {
                stream.close();
            }
            let response_id = stream.response_id().map(str::to_owned);
            *shared.response_id.lock().unwrap_or_else(|p| p.into_inner()) = response_id.clone();
            match step {
                None => Ok(None),
                Some(Err(e)) => Err(e),
                Some(Ok(event)) => {
                    let extra = json!({ "response_id": response_id, "succeeded": stream.response().is_some() });
                    event_json(&event, extra).map(Some)
                }
            }
        })
    }

    /// Ends the stream now (the core's `ResponseStream::close`): its connection is closed at
    /// once, or, while a `next` is blocked, as soon as the cancelled read returns (~20 ms).
    /// A turn that already ended keeps its outcome. Idempotent.
    #[napi]
    pub fn close(&self) {
        self.shared.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        match self.shared.stream.try_lock() {
            Ok(mut stream) => stream.close(),
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().close(),
            Err(std::sync::TryLockError::WouldBlock) => {
                // A step is blocked in a read: interrupt it; it closes the stream on return.
                // Closing from the pool as well covers a step that was just returning.
                self.shared.token.cancel();
                let shared = self.shared.clone();
                drop(napi::bindgen_prelude::spawn_blocking(move || shared.lock().close()));
            }
        }
    }

    /// The response's id, once the server named it.
    #[napi(getter)]
    pub fn response_id(&self) -> Option<String> {
        self.shared.response_id.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The `x-moveworks-root-uuid` of the streaming request.
    #[napi(getter)]
    pub fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }
}
