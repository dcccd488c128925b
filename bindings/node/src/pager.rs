//! Lazy pagers ([`NativePager`]): the core's page iterator over any list, one page per
//! `nextPage`, behind the JS async iterables.

use std::sync::{Arc, Mutex};

use moveworks::{PageIter, PageSource, Traced};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::cancel::CancelHandle;
use crate::convert::{value, NativeValue};
use crate::runtime::{blocking, spawn, spawn_direct};

/// One step of a pager: the next page, `None` after the last.
type NextPage = Box<dyn FnMut() -> moveworks::Result<Option<NativeValue>> + Send>;

/// Follows cursors with the core's page iterator (any list); used by the JS async iterables.
#[napi]
pub struct NativePager {
    inner: Arc<Mutex<NextPage>>,
}

impl NativePager {
    pub(crate) fn new<S>(mut pages: PageIter<S>) -> Self
    where
        S: PageSource + Send + 'static,
        S::Page: Traced + serde::Serialize,
        <S::Page as moveworks::Page>::Item: Send,
    {
        let next: NextPage = Box::new(move || pages.next_page().transpose()?.map(|page| value(&page)).transpose());
        NativePager { inner: Arc::new(Mutex::new(next)) }
    }
}

#[napi]
impl NativePager {
    /// The next page (`{"conversations"|"events"|"messages": [...], "metadata": {...}}` and
    /// its request id), or null after the last. Without `cancel` it runs straight on
    /// tokio's blocking pool, like the calls.
    #[napi(ts_return_type = "Promise<NativeValue | null>")]
    pub fn next_page<'env>(
        &self,
        env: &'env Env,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, Option<NativeValue>>> {
        let inner = self.inner.clone();
        let step = move || (*inner.lock().unwrap_or_else(|p| p.into_inner()))();
        if cancel.is_none() {
            return spawn_direct(env, step);
        }
        spawn(env, cancel, async move { blocking(step).await })
    }
}
