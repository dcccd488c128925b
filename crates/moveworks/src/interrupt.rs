//! Reads that a cancel token or an idle deadline can interrupt.
//!
//! A streamed answer is read with blocking socket reads that may wait a long
//! time for the next event. Cancelling must not wait for that next byte, and an
//! idle stream must be given up. How:
//!
//! - the agent's connector (`InterruptibleConnector`) runs ureq's default chain
//!   and keeps a handle on each socket that chain opens (ureq's
//!   `register_shutdown`, the hook behind `Agent::shutdown`), then wraps the
//!   connection (TCP or TLS) in a transport whose `await_input` knows the
//!   calling thread's `Watch` (its cancel token and deadline);
//! - while a watched read waits, the watch's cancel token holds a waker that
//!   shuts that connection's sockets down: the read returns at once and is
//!   reported as cancelled, and the wait is one blocking wait up to the deadline,
//!   with no periodic wake-ups (a thousand idle streams cost no CPU);
//! - when no socket handle is known, or the thread has an interrupt check (below)
//!   to consult, the wait falls back to slices of at most `SLICE` (20 ms),
//!   checking between slices.
//!
//! A read that fails either way makes ureq drop the connection (it is never
//! pooled mid-body). Threads without a watch (every other call) pass straight
//! through. A reader thread per stream was weighed and rejected: without the
//! socket it cannot be woken, so cancelled streams would pile up threads.
//!
//! A caller may also install an extra check on its thread with
//! [`with_interrupt_check`] (a binding's "was Ctrl-C pressed?"): watched reads and
//! the sleeps of [`CancelToken::sleep`] consult it between slices, so a thread can
//! block in the core and still notice an outside event, with no helper thread.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, DefaultConnector, NextTimeout, ShutdownHandle, Transport,
};

use crate::poll::{CancelToken, Waker};

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

/// The agent's connector: ureq's default chain, with each new connection wrapped.
///
/// It hands the chain a `register_shutdown` that also keeps a handle on every socket the
/// chain opens for this connection (the TCP socket, and a proxy's), so that a watched
/// read can be woken by shutting its socket down when its cancel token fires.
#[derive(Debug, Default)]
pub(crate) struct InterruptibleConnector {
    inner: DefaultConnector,
}

/// The sockets under one connection, as ureq registered them.
type Sockets = Arc<Mutex<Vec<Weak<dyn ShutdownHandle>>>>;

impl Connector<()> for InterruptibleConnector {
    type Out = Box<dyn Transport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<()>) -> Result<Option<Self::Out>, ureq::Error> {
        let sockets = Sockets::default();
        let kept = sockets.clone();
        let agent_register = details.register_shutdown.clone();
        let ours = ConnectionDetails {
            uri: details.uri,
            addrs: details.addrs.clone(),
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: Arc::new(move |handle: Weak<dyn ShutdownHandle>| {
                kept.lock().unwrap_or_else(|p| p.into_inner()).push(handle.clone());
                agent_register(handle)
            }),
        };
        let connected = self.inner.connect(&ours, chained)?;
        Ok(connected.map(|inner| Box::new(InterruptibleTransport { inner, sockets }) as Box<dyn Transport>))
    }
}

struct InterruptibleTransport {
    inner: Box<dyn Transport>,
    sockets: Sockets,
}

impl std::fmt::Debug for InterruptibleTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterruptibleTransport").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl InterruptibleTransport {
    /// A waker that shuts this connection's sockets down, or `None` when the chain
    /// registered none (then waits fall back to slices).
    fn shutdown_waker(&self) -> Option<Waker> {
        let sockets = self.sockets.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if sockets.is_empty() {
            return None;
        }
        Some(Arc::new(move || {
            for socket in sockets.iter().filter_map(Weak::upgrade) {
                socket.shutdown();
            }
        }))
    }
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
        // Without a thread check to consult, a cancel shuts the socket down and so ends
        // the wait at once: one blocking wait until the deadline, no periodic wake-ups
        // (a thousand idle streams would otherwise wake 50,000 times a second).
        let checked = check_installed();
        let waker = if checked || watch.cancel.is_none() { None } else { self.shutdown_waker() };
        let _registered = match (&watch.cancel, &waker) {
            (Some(token), Some(wake)) => Some(token.on_cancel(wake.clone())),
            _ => None,
        };
        let sliced_waits = checked || (watch.cancel.is_some() && waker.is_none());
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
            // The longest wait before looking at the watch again (`None`: no limit of ours).
            let mut ours = sliced_waits.then_some(SLICE);
            if let Some(deadline) = watch.deadline {
                if now >= deadline {
                    return Err(interrupted(Interrupted::Deadline));
                }
                ours = Some(ours.map_or(deadline - now, |o| o.min(deadline - now)));
            }
            let left = budget.map(|b| b.saturating_sub(started.elapsed()));
            if left.is_some_and(|l| l.is_zero()) {
                return Err(ureq::Error::Timeout(timeout.reason));
            }
            let (after, ours_first) = match (ours, left) {
                (Some(o), Some(l)) if o < l => (o, true),
                (Some(o), None) => (o, true),
                (_, Some(l)) => (l, false),
                (None, None) => {
                    // Neither a limit of ours nor of ureq's: wait as ureq asked.
                    let result = self.inner.await_input(timeout);
                    if watch.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
                        return Err(interrupted(Interrupted::Cancelled));
                    }
                    return result;
                }
            };
            let attempt = NextTimeout { after: after.into(), ..timeout };
            let result = self.inner.await_input(attempt);
            // A cancel that shut the socket down shows as EOF or an I/O error: report the cancel.
            if watch.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
                return Err(interrupted(Interrupted::Cancelled));
            }
            match result {
                // Our own limit ran out (not a per-read limit of the caller's): look again.
                Err(ureq::Error::Timeout(reason)) if ours_first && reason == timeout.reason => continue,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Condvar;
    use ureq::unversioned::transport::LazyBuffers;
    use ureq::Timeout;

    /// A socket that blocks `await_input` until its timeout or its shutdown.
    #[derive(Default)]
    struct FakeSocket {
        shut: Mutex<bool>,
        cv: Condvar,
    }

    impl ShutdownHandle for FakeSocket {
        fn shutdown(&self) {
            *self.shut.lock().unwrap() = true;
            self.cv.notify_all();
        }
    }

    struct FakeTransport {
        buffers: LazyBuffers,
        socket: Arc<FakeSocket>,
        waits: Arc<AtomicUsize>,
    }

    impl std::fmt::Debug for FakeTransport {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("FakeTransport")
        }
    }

    impl Transport for FakeTransport {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }
        fn transmit_output(&mut self, _: usize, _: NextTimeout) -> Result<(), ureq::Error> {
            Ok(())
        }
        fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
            self.waits.fetch_add(1, Ordering::SeqCst);
            let shut = self.socket.shut.lock().unwrap();
            let (shut, _) = self.socket.cv.wait_timeout_while(shut, *timeout.after, |s| !*s).unwrap();
            if *shut {
                return Ok(false); // a shut-down socket reads EOF
            }
            Err(ureq::Error::Timeout(timeout.reason))
        }
        fn is_open(&mut self) -> bool {
            true
        }
    }

    /// A wrapped fake connection, its wait counter, and (when `registered`) its socket handed to the wrapper.
    fn connection(registered: bool) -> (InterruptibleTransport, Arc<AtomicUsize>, Arc<FakeSocket>) {
        let socket = Arc::new(FakeSocket::default());
        let waits = Arc::new(AtomicUsize::new(0));
        let fake = FakeTransport { buffers: LazyBuffers::new(64, 64), socket: socket.clone(), waits: waits.clone() };
        let sockets = Sockets::default();
        if registered {
            let weak: Weak<dyn ShutdownHandle> = Arc::downgrade(&socket) as Weak<dyn ShutdownHandle>;
            sockets.lock().unwrap().push(weak);
        }
        (InterruptibleTransport { inner: Box::new(fake), sockets }, waits, socket)
    }

    fn wait(transport: &mut InterruptibleTransport, watch: &Watch) -> Result<bool, ureq::Error> {
        let ten_seconds =
            NextTimeout { after: Duration::from_secs(10).into(), reason: Timeout::RecvBody, ..Default::default() };
        watching(watch, || transport.await_input(ten_seconds))
    }

    fn cancel_soon(token: &CancelToken) -> std::thread::JoinHandle<()> {
        let token = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            token.cancel();
        })
    }

    fn is_interrupted(result: &Result<bool, ureq::Error>, why: fn(&Interrupted) -> bool) -> bool {
        match result {
            Err(ureq::Error::Io(e)) => e.get_ref().and_then(|e| e.downcast_ref::<Interrupted>()).is_some_and(why),
            _ => false,
        }
    }

    #[test]
    fn a_cancel_shuts_the_socket_down_and_the_wait_never_woke_before() {
        let (mut transport, waits, socket) = connection(true);
        let parent = CancelToken::new();
        let watch = Watch { cancel: Some(parent.child()), deadline: None };
        let canceller = cancel_soon(&parent);
        let result = wait(&mut transport, &watch);
        canceller.join().unwrap();
        assert!(is_interrupted(&result, |i| matches!(i, Interrupted::Cancelled)), "{result:?}");
        assert!(*socket.shut.lock().unwrap(), "the parent's cancel shut the socket down");
        assert_eq!(waits.load(Ordering::SeqCst), 1, "one blocking wait, no slices");
    }

    #[test]
    fn a_deadline_alone_is_one_wait() {
        let (mut transport, waits, _) = connection(true);
        let watch = Watch { cancel: None, deadline: Some(Instant::now() + Duration::from_millis(100)) };
        let result = wait(&mut transport, &watch);
        assert!(is_interrupted(&result, |i| matches!(i, Interrupted::Deadline)), "{result:?}");
        assert_eq!(waits.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn without_a_socket_handle_the_wait_falls_back_to_slices() {
        let (mut transport, waits, socket) = connection(false);
        let token = CancelToken::new();
        let watch = Watch { cancel: Some(token.clone()), deadline: None };
        let canceller = cancel_soon(&token);
        let result = wait(&mut transport, &watch);
        canceller.join().unwrap();
        assert!(is_interrupted(&result, |i| matches!(i, Interrupted::Cancelled)), "{result:?}");
        assert!(!*socket.shut.lock().unwrap());
        assert!(waits.load(Ordering::SeqCst) > 1, "slices of {SLICE:?}");
    }

    #[test]
    fn an_interrupt_check_keeps_the_slices() {
        let (mut transport, waits, _) = connection(true);
        let watch = Watch { cancel: Some(CancelToken::new()), deadline: None };
        let started = Instant::now();
        let result = with_interrupt_check(
            move || started.elapsed() > Duration::from_millis(150),
            || wait(&mut transport, &watch),
        );
        assert!(is_interrupted(&result, |i| matches!(i, Interrupted::Cancelled)), "{result:?}");
        assert!(waits.load(Ordering::SeqCst) > 1, "the check is consulted between slices");
    }

    #[test]
    fn a_token_cancelled_before_the_wait_registers_nothing_and_fails_at_once() {
        let (mut transport, waits, _) = connection(true);
        let token = CancelToken::new();
        token.cancel();
        let result = wait(&mut transport, &Watch { cancel: Some(token), deadline: None });
        assert!(is_interrupted(&result, |i| matches!(i, Interrupted::Cancelled)), "{result:?}");
        assert_eq!(waits.load(Ordering::SeqCst), 0);
    }
}
