//! The core's `AsyncRuntime` on tokio, the runtime uniffi drives async exports with.

use std::future::Future;
use std::time::Duration;

/// Runs the core's blocking calls on tokio's blocking pool and its waits on tokio timers.
pub(crate) struct TokioRuntime;

impl moveworks::AsyncRuntime for TokioRuntime {
    fn spawn_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = T> + Send {
        join(tokio::task::spawn_blocking(f))
    }
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

pub(crate) async fn join<T>(handle: tokio::task::JoinHandle<T>) -> T {
    match handle.await {
        Ok(v) => v,
        // Re-raise a panic where it can be reported (uniffi turns it into a foreign exception).
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("blocking task did not finish: {e}"),
    }
}

/// Runs one blocking core call off the async caller's thread and converts its error.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> moveworks::Result<T> + Send + 'static,
) -> Result<T, crate::MoveworksError> {
    join(tokio::task::spawn_blocking(f)).await.map_err(Into::into)
}
