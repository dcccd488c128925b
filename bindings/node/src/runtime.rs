//! Where calls run: tokio's blocking pool for the core's blocking calls, tokio timers
//! for polling waits (`TokioRuntime`), and the helpers that turn a call into a Promise.

use std::sync::Arc;
use std::time::Duration;

use moveworks::AsyncRuntime;
use napi::bindgen_prelude::*;

use crate::cancel::{cancellable, Cancel, CancelHandle};
use crate::convert::{to_napi, to_napi_with_updates, NativeValue};

/// Runs a blocking core call on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// The core's [`AsyncRuntime`] on tokio: blocking polls on the blocking pool, sleeps as timers.
pub(crate) struct TokioRuntime;

impl AsyncRuntime for TokioRuntime {
    fn spawn_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl std::future::Future<Output = T> + Send {
        blocking(f)
    }
    fn sleep(&self, duration: Duration) -> impl std::future::Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

pub(crate) fn spawn<'env, T, F>(env: &'env Env, cancel: Option<&CancelHandle>, fut: F) -> Result<PromiseRaw<'env, T>>
where
    T: 'static + Send + ToNapiValue,
    F: 'static + Send + std::future::Future<Output = moveworks::Result<T>>,
{
    let cancel = Cancel::from(cancel);
    env.spawn_future(async move { cancellable(cancel, fut).await.map_err(to_napi) })
}

/// Runs a blocking call without a cancel handle straight on tokio's blocking pool and
/// settles its promise from there: two thread hand-offs per call (JS thread -> pool
/// thread -> JS thread) instead of four through a tokio worker ([`spawn`]).
pub(crate) fn spawn_direct<'env, T: ToNapiValue + Send + 'static>(
    env: &'env Env,
    f: impl FnOnce() -> moveworks::Result<T> + Send + 'static,
) -> Result<PromiseRaw<'env, T>> {
    let (deferred, promise) = env.create_deferred()?;
    napi::bindgen_prelude::spawn_blocking(move || match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(value)) => deferred.resolve(move |_| Ok(value)),
        Ok(Err(e)) => deferred.reject(to_napi(e)),
        Err(_) => deferred.reject(napi::Error::from_reason("moveworks: internal panic")),
    });
    Ok(PromiseRaw::new(env.raw(), promise.raw()))
}

/// As [`spawn`] for the polling helpers: a rejection also reports the updates sent.
pub(crate) fn spawn_wait<'env, F>(
    env: &'env Env,
    cancel: Option<&CancelHandle>,
    updates: Arc<std::sync::atomic::AtomicU32>,
    fut: F,
) -> Result<PromiseRaw<'env, NativeValue>>
where
    F: 'static + Send + std::future::Future<Output = moveworks::Result<NativeValue>>,
{
    let cancel = Cancel::from(cancel);
    env.spawn_future(async move {
        cancellable(cancel, fut)
            .await
            .map_err(|e| to_napi_with_updates(e, Some(updates.load(std::sync::atomic::Ordering::SeqCst))))
    })
}
