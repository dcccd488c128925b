//! Cancellation: the JS-visible [`CancelHandle`] (cancelled from an `AbortSignal`) and
//! the race of a running call against it.

use std::sync::Arc;

use moveworks::CancelToken;
use napi_derive::napi;
use tokio::sync::watch;

/// Cancels the calls it is passed to; the JS layer cancels it from an `AbortSignal`.
#[napi]
pub struct CancelHandle {
    pub(crate) token: CancelToken,
    tx: Arc<watch::Sender<bool>>,
}

#[napi]
impl CancelHandle {
    /// A handle that is not cancelled.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CancelHandle { token: CancelToken::new(), tx: Arc::new(watch::channel(false).0) }
    }
    /// Cancels: pending promises using this handle reject promptly with `cancelled`.
    #[napi]
    pub fn cancel(&self) {
        self.token.cancel();
        self.tx.send_replace(true);
    }
    /// True once cancelled.
    #[napi(getter)]
    pub fn cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// What a running call keeps of its handle: the core token and a wake-up channel.
#[derive(Clone)]
pub(crate) struct Cancel {
    token: CancelToken,
    rx: watch::Receiver<bool>,
}

impl Cancel {
    pub(crate) fn from(handle: Option<&CancelHandle>) -> Option<Cancel> {
        handle.map(|h| Cancel { token: h.token.clone(), rx: h.tx.subscribe() })
    }
}

/// Races `fut` against cancellation so an abort rejects at once, even while a
/// blocking HTTP call is in flight (its result is then dropped).
pub(crate) async fn cancellable<T>(
    cancel: Option<Cancel>,
    fut: impl std::future::Future<Output = moveworks::Result<T>>,
) -> moveworks::Result<T> {
    match cancel {
        None => fut.await,
        Some(mut c) => {
            if c.token.is_cancelled() {
                return Err(moveworks::Error::cancelled());
            }
            tokio::select! {
                out = fut => out,
                _ = c.rx.wait_for(|v| *v) => Err(moveworks::Error::cancelled()),
            }
        }
    }
}
