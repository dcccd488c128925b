//! The process-wide threads that start the pumps' reader threads, and the readers'
//! priority.
//!
//! Starting a thread takes tens of microseconds, so [`StreamPump::spawn`] hands the start
//! to a spawner thread and returns at once. While at most
//! [`StreamPump::CROWD_STREAMS`] streams are open, readers run at the process's priority,
//! started by a spawner that does too. Beyond that (a thousand streams opened at once),
//! further readers are started by a second spawner at nice 10, whose readers inherit its
//! priority, and running readers lower themselves to nice 10 at their next event.
//! Priorities only go down (raising one takes a privilege), so the crowd's spawner stays
//! at nice 10, and readers started once the crowd has gone come from the first one again.
//!
//! A reader whose stream has ended waits up to [`IDLE_READER_LINGER`] for the next stream
//! to read (at most [`IDLE_READERS_KEPT`] wait; the last to begin waiting reads the next),
//! named `moveworks-idle` meanwhile: a
//! service streaming one turn after another then starts no thread per turn, and a host
//! that attaches threads to its runtime (the JVM, for Kotlin's callbacks) attaches each
//! reader once rather than once per stream. Readers of a crowd, at nice 10, end instead.
//!
//! A thread can also hold the starts it asks for ([`hold`]) and hand them over together
//! ([`release_held`]): an event loop opening a thousand streams in one go then finishes its
//! loop before any spawner, reader or server thread it set going competes with it for a CPU.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{StreamPump, READER_STACK_BYTES};

/// A reader to start: what its thread runs, and what ends the pump when no thread can be had.
pub(super) type Job = (Box<dyn FnOnce() + Send>, Box<dyn FnOnce(std::io::Error) + Send>);

/// Readers of this process asked for and not yet ended (see [`Counted`]).
static OPEN_READERS: AtomicUsize = AtomicUsize::new(0);
/// The process `OPEN_READERS` counts for: a child of `fork()` has none of its parent's readers.
static COUNTED_PROCESS: AtomicU32 = AtomicU32::new(0);

/// A spawner's queue and the process it belongs to: a child of `fork()` has no copy of
/// its parent's threads.
type Spawner = Mutex<Option<(u32, Sender<Job>)>>;

/// The spawners: at the process's priority, and the crowd's at nice 10.
static SPAWNERS: [Spawner; 2] = [Mutex::new(None), Mutex::new(None)];

/// True while more than [`StreamPump::CROWD_STREAMS`] readers are open.
fn crowded() -> bool {
    OPEN_READERS.load(Ordering::Relaxed) > StreamPump::CROWD_STREAMS
}

/// A reader counted in [`OPEN_READERS`] from its start request until its thread ends or
/// is refused (its job, which owns this, is then dropped).
struct Counted;

impl Counted {
    fn new() -> Counted {
        let pid = std::process::id();
        if COUNTED_PROCESS.swap(pid, Ordering::Relaxed) != pid {
            OPEN_READERS.store(0, Ordering::Relaxed);
        }
        OPEN_READERS.fetch_add(1, Ordering::Relaxed);
        Counted
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        OPEN_READERS.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A reader calls this as it starts and after each event: in a crowd it lowers itself to
/// nice 10, once (`lowered` remembers).
pub(super) fn follow_crowd(lowered: &mut bool) {
    if !*lowered && crowded() {
        lower_priority();
        *lowered = true;
    }
}

/// How long a reader whose stream ended waits for another before its thread ends.
const IDLE_READER_LINGER: Duration = Duration::from_secs(10);

/// Readers waiting for a stream, at most: beyond, a reader whose stream ended ends.
const IDLE_READERS_KEPT: usize = StreamPump::CROWD_STREAMS;

/// A reader waiting for a stream: where the stream is put for it.
#[derive(Default)]
struct IdleReader {
    run: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    handed: Condvar,
}

/// The readers waiting for a stream, the one that began waiting last at the end: the next
/// stream goes to it (its stack and caches are the warmest), so readers beyond what the
/// load needs stay unused and end after [`IDLE_READER_LINGER`].
struct IdleReaders {
    /// The process these are counted for: a child of `fork()` has none of its parent's threads.
    pid: u32,
    waiting: Vec<Arc<IdleReader>>,
}

impl IdleReaders {
    fn lock() -> std::sync::MutexGuard<'static, IdleReaders> {
        let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        if idle.pid != pid {
            *idle = IdleReaders { pid, waiting: Vec::new() };
        }
        idle
    }
}

static IDLE: Mutex<IdleReaders> = Mutex::new(IdleReaders { pid: 0, waiting: Vec::new() });

/// Gives `job` to the reader that began waiting last; hands it back when none waits.
fn hand_to_idle_reader(job: Job) -> Option<Job> {
    let mut idle = IdleReaders::lock();
    let Some(reader) = idle.waiting.pop() else { return Some(job) };
    // Put while the list is locked: a reader no longer in it has its stream already.
    *reader.run.lock().unwrap_or_else(PoisonError::into_inner) = Some(job.0);
    drop(idle);
    reader.handed.notify_one();
    None
}

/// Called by a reader whose stream ended: the next stream to read, or `None` when none
/// came within [`IDLE_READER_LINGER`] (or enough readers wait already).
fn next_job_for_idle_reader() -> Option<Box<dyn FnOnce() + Send>> {
    let me = Arc::new(IdleReader::default());
    {
        let mut idle = IdleReaders::lock();
        if idle.waiting.len() >= IDLE_READERS_KEPT {
            return None;
        }
        set_thread_name(c"moveworks-idle");
        idle.waiting.push(me.clone());
    }
    let deadline = Instant::now() + IDLE_READER_LINGER;
    let mut run = me.run.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(next) = run.take() {
            set_thread_name(c"moveworks-stream");
            return Some(next);
        }
        let now = Instant::now();
        if now >= deadline {
            drop(run);
            let mut idle = IdleReaders::lock();
            if let Some(at) = idle.waiting.iter().position(|r| Arc::ptr_eq(r, &me)) {
                idle.waiting.remove(at);
                return None;
            }
            // Taken off the list as the wait ended: the stream is there already.
            drop(idle);
            run = me.run.lock().unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        run = me.handed.wait_timeout(run, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
    }
}

/// Renames the calling thread (Linux; what `/proc/*/task/*/comm` and debuggers show), so
/// that a reader waiting for a stream is not counted as one reading.
fn set_thread_name(name: &std::ffi::CStr) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_NAME) copies at most 16 bytes of a NUL-terminated string.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, name.as_ptr());
    }
    #[cfg(not(target_os = "linux"))]
    let _ = name;
}

/// A start asked for: its job, and whether it belongs to the crowd's spawner.
struct Pending {
    job: Job,
    crowd: bool,
}

/// Starts a thread holds (see [`hold`]).
#[derive(Default)]
struct Held(Vec<Pending>);

impl Drop for Held {
    /// A thread that ends holding starts (it never released them): their pumps end with
    /// an error saying so, rather than waiting for a reader that never comes.
    fn drop(&mut self) {
        for Pending { job: (_, refuse), .. } in self.0.drain(..) {
            refuse(std::io::Error::other("the thread that opened the stream ended before starting it"));
        }
    }
}

thread_local! {
    /// The starts this thread holds (see [`hold`]); `None` while it holds none.
    static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
}

/// From now until [`release_held`], the reader starts this thread asks for wait on it.
/// True when this call began holding (the thread held nothing before).
pub(super) fn hold() -> bool {
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        let began = held.is_none();
        held.get_or_insert_with(Held::default);
        began
    })
}

/// Hands the starts this thread held to the spawners, in the order asked, and stops
/// holding; returns how many there were.
pub(super) fn release_held() -> usize {
    let Some(mut held) = HELD.with(|held| held.borrow_mut().take()) else { return 0 };
    let pending = std::mem::take(&mut held.0);
    let count = pending.len();
    for start in pending {
        dispatch(start);
    }
    count
}

/// Starts a reader thread running `run` from a spawner thread (or holds the start, see
/// [`hold`]); `refuse` ends the pump when the system refuses a thread.
pub(super) fn start(run: Box<dyn FnOnce() + Send>, refuse: Box<dyn FnOnce(std::io::Error) + Send>) {
    // Counted before a spawner is chosen, so that the start that makes a crowd is the
    // crowd's already, however many starts are still queued or held.
    let counted = Counted::new();
    let crowd = crowded();
    let run: Box<dyn FnOnce() + Send> = Box::new(move || {
        let _counted = counted;
        run();
    });
    let start = Pending { job: (run, refuse), crowd };
    let start = HELD.with(|held| match &mut *held.borrow_mut() {
        Some(held) => {
            held.0.push(start);
            None
        }
        None => Some(start),
    });
    if let Some(start) = start {
        dispatch(start);
    }
}

/// Gives `job` to a waiting reader, or else to its spawner, starting that spawner first
/// if this process has none.
fn dispatch(Pending { job, crowd }: Pending) {
    let job = if crowd {
        job
    } else {
        match hand_to_idle_reader(job) {
            None => return,
            Some(job) => job,
        }
    };
    let pid = std::process::id();
    let mut spawner = SPAWNERS[usize::from(crowd)].lock().unwrap_or_else(PoisonError::into_inner);
    let job = match &*spawner {
        Some((owner, queue)) if *owner == pid => match queue.send(job) {
            Ok(()) => return,
            Err(returned) => returned.0,
        },
        _ => job,
    };
    // No such spawner in this process yet (or it is gone): start one, and give it the job.
    let (queue, jobs) = channel::<Job>();
    let name = if crowd { "moveworks-crowd-spawner" } else { "moveworks-stream-spawner" };
    let started = std::thread::Builder::new().name(name.into()).stack_size(READER_STACK_BYTES).spawn(move || {
        if crowd {
            // Starting a thousand threads at once is kernel work that would take a core
            // from the event loop starting the streams; its readers begin at this priority.
            lower_priority();
        }
        for job in jobs {
            start_reader(job, !crowd);
        }
    });
    match started {
        Ok(_) => {
            let _ = queue.send(job);
            *spawner = Some((pid, queue));
        }
        // Without a spawner, start the reader from here (it may be refused too).
        Err(_) => {
            drop(spawner);
            start_reader(job, !crowd);
        }
    }
}

/// Starts a reader thread for `run`; when `reusable`, the thread then reads later streams
/// too (see [`next_job_for_idle_reader`]).
fn start_reader((run, refuse): Job, reusable: bool) {
    let started =
        std::thread::Builder::new().name("moveworks-stream".into()).stack_size(READER_STACK_BYTES).spawn(move || {
            let nice = thread_nice();
            let mut run = run;
            loop {
                run();
                // A reader that lowered itself for a crowd ends rather than read a later
                // stream at nice 10.
                if !reusable || thread_nice() != nice {
                    return;
                }
                match next_job_for_idle_reader() {
                    Some(next) => run = next,
                    None => return,
                }
            }
        });
    if let Err(e) = started {
        refuse(e);
    }
}

/// Lowers the calling thread's scheduling priority to nice 10 (Linux, where it is a
/// per-thread attribute). Set, not added: a reader started by the crowd's spawner (whose
/// priority it inherits) stays at 10; a thread already below that (a process started with
/// `nice 15`) is left where it is.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if thread_nice().is_some_and(|current| current < 10) {
        // SAFETY: setpriority(2) on the calling thread touches no memory; a failure leaves
        // the priority as it was, which is harmless.
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, 0, 10);
        }
    }
}

/// The calling thread's nice value (Linux, where it is per thread); `None` elsewhere,
/// where readers do not lower theirs.
pub(super) fn thread_nice() -> Option<i32> {
    #[cfg(target_os = "linux")]
    // SAFETY: getpriority(2) on the calling thread touches no memory. (-1 is both a valid
    // value and the error return; an error is only possible for a bad `which`.)
    return Some(unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) });
    #[cfg(not(target_os = "linux"))]
    None
}
