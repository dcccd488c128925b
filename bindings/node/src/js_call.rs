//! Calling a JS function from a core thread and waiting for its answer ([`JsCallback`]):
//! what a token provider, a checkpoint store and a follower's handler need, since the
//! core calls them on the thread making the call and waits for their result.
//!
//! The JS function runs on its JS thread (through a threadsafe function), and may return
//! a Promise; the core thread waits for it to settle. That is only safe off the JS
//! thread: a core call waiting on the JS thread for the JS thread would never end. Every
//! call of this addon runs its core work on tokio's blocking pool or a stream's own
//! thread, never on the JS thread; should one ever not, [`JsCallback::call`] fails at
//! once with an error saying so instead of hanging.

use std::sync::mpsc;
use std::thread::ThreadId;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};

/// A JS function returning a Promise of `R`, callable from any thread. Weak: it never
/// keeps Node's event loop alive (a pending call's own Promise does).
pub(crate) type AsyncJsFn<T, R> = ThreadsafeFunction<T, Promise<R>, T, Status, false, true>;

/// A JS function the core calls from its own threads, waiting for the result.
pub(crate) struct JsCallback<T: 'static + ToNapiValue, R: 'static + FromNapiValue> {
    f: AsyncJsFn<T, R>,
    /// The JS thread it runs on (the one it was made on).
    js_thread: ThreadId,
}

impl<T, R> JsCallback<T, R>
where
    T: 'static + ToNapiValue,
    R: 'static + FromNapiValue + Send,
{
    /// Wraps `f`; must be made on the JS thread `f` belongs to (every `#[napi]` argument is).
    pub(crate) fn new(f: AsyncJsFn<T, R>) -> Self {
        JsCallback { f, js_thread: std::thread::current().id() }
    }

    /// Calls the function on its JS thread and waits for its Promise to settle. `Err` is
    /// why it did not give a value: its rejection's message, or why it could not be called.
    pub(crate) fn call(&self, arg: T) -> std::result::Result<R, String> {
        if std::thread::current().id() == self.js_thread {
            return Err("it cannot run while its own JavaScript thread waits for it (a core call was made on the \
                        JavaScript thread; this is a bug of the moveworks package, please report it)"
                .to_owned());
        }
        let (tx, rx) = mpsc::sync_channel::<Result<R>>(1);
        let status = self.f.call_with_return_value(arg, ThreadsafeFunctionCallMode::NonBlocking, move |ret, _| {
            match ret {
                // The Promise settles on the JS thread; awaiting it holds no thread.
                Ok(promise) => {
                    napi::bindgen_prelude::spawn(async move {
                        let _ = tx.send(promise.await);
                    });
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
            Ok(())
        });
        if status != Status::Ok {
            return Err(format!("it could not be called ({status}: Node.js is shutting down)"));
        }
        match rx.recv() {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(e.reason.clone()),
            Err(_) => Err("it never answered (Node.js is shutting down)".to_owned()),
        }
    }
}
