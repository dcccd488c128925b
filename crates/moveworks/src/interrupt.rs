//! Reads that a cancel token or an idle deadline can interrupt.
//!
//! A streamed answer is read with blocking socket reads that may wait a long
//! time for the next event. Cancelling must not wait for that next byte, and an
//! idle stream must be given up, yet ureq 3 offers no handle on a connection's
//! socket from a response body. Three ways were weighed:
//!
//! - a reader thread per stream feeding a channel: cancel returns at once, but
//!   the thread stays blocked in `read` until the server writes or the socket is
//!   shut down, and without the socket it cannot be shut down, so abandoned or
//!   cancelled streams would pile up threads;
//! - a custom TCP connector keeping a `try_clone` of each socket for a later
//!   `shutdown`: it means re-implementing ureq's TCP connector (connect timeouts,
//!   address fallback, socket options) and finding, at cancel time, which pooled
//!   socket carries which stream;
//! - this module: a connector at the end of ureq's chain that wraps every
//!   connection (TCP or TLS) in a transport whose `await_input` waits in slices of
//!   at most `SLICE` (20 ms) when the calling thread has a `Watch` installed, and
//!   between slices checks the watch's cancel token and deadline. No threads, no
//!   socket bookkeeping; cancel is noticed within one slice (about 20 ms); a read
//!   that fails this way makes ureq drop the connection (it is never pooled
//!   mid-body). Threads without a watch (every other call) pass straight through.
//!
//! A caller may also install an extra check on its thread with
//! [`with_interrupt_check`] (a binding's "was Ctrl-C pressed?"): watched reads and
//! the sleeps of [`CancelToken::sleep`] consult it between slices, so a thread can
//! block in the core and still notice an outside event, with no helper thread.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

use crate::poll::CancelToken;

/// Longest uninterrupted wait for input while a watch is installed.
pub(crate) const SLICE: Duration = Duration::from_millis(20);

/// What may interrupt the reads of the current thread.
#[derive(Debug, Clone, Default)]
pub(crate) struct Watch {
    /// Reads fail soon after this token is cancelled.
    pub(crate) cancel: Option<CancelToken>,
    /// Reads fail once this instant has passed.
    pub(crate) deadline: Option<Instant>,
}

/// Why a watched read was interrupted (carried in the `io::Error` ureq reports).
#[derive(Debug)]
pub(crate) enum Interrupted {
    /// The watch's cancel token fired.
    Cancelled,
    /// The watch's deadline passed.
    Deadline,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Interrupted::Cancelled => "read cancelled",
            Interrupted::Deadline => "no data before the deadline",
        })
    }
}

impl std::error::Error for Interrupted {}

thread_local! {
    static WATCH: RefCell<Option<Watch>> = const { RefCell::new(None) };
}

/// Runs `f` with `watch` governing this thread's reads, restoring the previous one after.
pub(crate) fn watching<T>(watch: &Watch, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Watch>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            WATCH.with(|w| *w.borrow_mut() = previous);
        }
    }
    let _restore = Restore(WATCH.with(|w| w.replace(Some(watch.clone()))));
    f()
}

/// The check installed by [`with_interrupt_check`] on this thread.
struct Check {
    check: Box<dyn Fn() -> bool>,
    /// When it was last called (or installed): it is called at most once per [`SLICE`].
    last: Cell<Instant>,
    /// Set once it returned true: every later consult reports an interrupt without calling it.
    tripped: Cell<bool>,
}

thread_local! {
    static CHECK: RefCell<Option<Rc<Check>>> = const { RefCell::new(None) };
}

/// Runs `f` on this thread with `check` consulted while the core blocks.
///
/// While `f` runs, every interruptible read of a streamed answer (waiting for the
/// next event, opening the stream) and every sleep of a wait between polls
/// ([`CancelToken::sleep`], used by the polling fallback of a stream and by
/// [`Client::wait_for_response`](crate::Client::wait_for_response)) wakes at
/// least every ~20 ms and calls `check` on the calling thread, at most once per
/// ~20 ms (never while data keeps arriving sooner, nor for events already
/// buffered). Returning true interrupts: the blocked read or sleep's cancel
/// token is cancelled and the operation ends as cancelled
/// ([`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled)); `check` is not
/// called again in this scope, and every later read or sleep of `f` is
/// interrupted at once. Plain request/response calls are not sliced: they end
/// as usual, then the next read or sleep sees the interrupt.
///
/// Meant for a binding whose host delivers events to one thread only (Python's
/// signals: Ctrl-C must be noticed on the main thread while the core blocks it).
/// Scopes nest; the previous check is restored when `f` returns or panics.
pub fn with_interrupt_check<T>(check: impl Fn() -> bool + 'static, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Rc<Check>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CHECK.with(|c| *c.borrow_mut() = previous);
        }
    }
    let installed = Check { check: Box::new(check), last: Cell::new(Instant::now()), tripped: Cell::new(false) };
    let _restore = Restore(CHECK.with(|c| c.replace(Some(Rc::new(installed)))));
    f()
}

/// True when this thread has a check installed (then waits must wake every slice).
pub(crate) fn check_installed() -> bool {
    CHECK.with(|c| c.borrow().is_some())
}

/// Consults this thread's check (if one is installed and a slice has passed since
/// it was last called): true once it has returned true.
pub(crate) fn check_tripped() -> bool {
    // Cloned out so that the check may itself use the core (no borrow is held).
    let Some(check) = CHECK.with(|c| c.borrow().clone()) else { return false };
    if check.tripped.get() {
        return true;
    }
    if check.last.get().elapsed() < SLICE {
        return false;
    }
    let tripped = (check.check)();
    check.last.set(Instant::now());
    check.tripped.set(tripped);
    tripped
}

fn current() -> Option<Watch> {
    WATCH.with(|w| w.borrow().clone())
}

/// The last connector of the agent's chain: wraps each new connection.
#[derive(Debug, Default)]
pub(crate) struct InterruptibleConnector;

impl Connector<Box<dyn Transport>> for InterruptibleConnector {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        _: &ConnectionDetails,
        chained: Option<Box<dyn Transport>>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| Box::new(InterruptibleTransport { inner }) as Box<dyn Transport>))
    }
}

#[derive(Debug)]
struct InterruptibleTransport {
    inner: Box<dyn Transport>,
}

fn interrupted(why: Interrupted) -> ureq::Error {
    ureq::Error::Io(io::Error::other(why))
}

impl Transport for InterruptibleTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let Some(watch) = current() else {
            return self.inner.await_input(timeout);
        };
        let started = Instant::now();
        // ureq's own budget for this wait (`None`: unlimited).
        let budget = (!timeout.after.is_not_happening()).then(|| *timeout.after);
        loop {
            if check_tripped() {
                if let Some(token) = &watch.cancel {
                    token.cancel();
                }
                return Err(interrupted(Interrupted::Cancelled));
            }
            if watch.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
                return Err(interrupted(Interrupted::Cancelled));
            }
            let now = Instant::now();
            let mut slice = SLICE;
            if let Some(deadline) = watch.deadline {
                if now >= deadline {
                    return Err(interrupted(Interrupted::Deadline));
                }
                slice = slice.min(deadline - now);
            }
            let left = budget.map(|b| b.saturating_sub(started.elapsed()));
            if left.is_some_and(|l| l.is_zero()) {
                return Err(ureq::Error::Timeout(timeout.reason));
            }
            let sliced = left.is_none_or(|l| slice < l);
            let after = if sliced { slice } else { left.unwrap_or(slice) };
            let attempt = NextTimeout { after: after.into(), ..timeout };
            match self.inner.await_input(attempt) {
                // Our own slice ran out (not a per-read limit of the caller's): look again.
                Err(ureq::Error::Timeout(reason)) if sliced && reason == timeout.reason => continue,
                other => return other,
            }
        }
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}
