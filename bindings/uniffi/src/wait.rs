//! Waiting for a response: the cancel handle, the update listener, and the core's wait options.

use std::ops::ControlFlow;
use std::sync::Arc;

use moveworks as core;
use moveworks::Response;

use crate::config::*;

/// Stops a wait from another thread (or coroutine / task). Reusable for several waits.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelHandle {
    token: core::CancelToken,
}

#[uniffi::export]
impl CancelHandle {
    /// A handle that is not cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(CancelHandle::default())
    }
    /// Cancels every wait using this handle; a wait sleeping between polls wakes at once
    /// and fails with a `Cancelled` error.
    pub fn cancel(&self) {
        self.token.cancel()
    }
    /// True once [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

impl CancelHandle {
    pub(crate) fn token(&self) -> core::CancelToken {
        self.token.clone()
    }
}

/// Receives a response whenever its status or outputs change while a wait polls.
/// Called on the polling thread; keep it short.
#[uniffi::export(callback_interface)]
pub trait ResponseUpdateListener: Send + Sync {
    /// Return `true` to keep waiting, `false` to stop (the wait then fails as cancelled).
    fn on_update(&self, response: Response) -> bool;
}

pub(crate) fn core_wait_options(
    options: &WaitOptions,
    cancel: Option<Arc<CancelHandle>>,
    listener: Option<Box<dyn ResponseUpdateListener>>,
) -> core::WaitOptions {
    let mut o = core::WaitOptions::default();
    if let Some(v) = options.initial_interval {
        o.initial_interval = v;
    }
    if let Some(v) = options.backoff_factor {
        o.backoff_factor = v;
    }
    if let Some(v) = options.max_interval {
        o.max_interval = v;
    }
    if let Some(v) = options.deadline {
        o.deadline = v;
    }
    o.cancel = cancel.map(|c| c.token.clone());
    o.on_update = listener.map(|l| {
        let l: Arc<dyn ResponseUpdateListener> = Arc::from(l);
        Arc::new(
            move |r: &core::Response| {
                if l.on_update(r.clone()) {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(())
                }
            },
        ) as core::UpdateCallback
    });
    o
}
