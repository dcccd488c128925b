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
//!   at most [`SLICE`] when the calling thread has a [`Watch`] installed, and
//!   between slices checks the watch's cancel token and deadline. No threads, no
//!   socket bookkeeping; cancel is noticed within one slice (about 20 ms); a read
//!   that fails this way makes ureq drop the connection (it is never pooled
//!   mid-body). Threads without a watch (every other call) pass straight through.

use std::cell::RefCell;
use std::io;
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
