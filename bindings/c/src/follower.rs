//! The events follower: one user's events feed, each event delivered once, in order,
//! with its place kept in a checkpoint store (a file, or the application's own through
//! load/save callbacks) so that a restart goes on where it stopped.

use std::ffi::{c_char, c_int, c_void};
use std::ops::ControlFlow;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use moveworks::{CancelToken, CheckpointStore, Error, Event, EventsFollower, FileCheckpoint, FollowOptions};

use crate::client::{mw_cancel_token, mw_client};
use crate::error::{guard, guard_plain, mw_error, mw_status, status_label};
use crate::models::mw_event;
use crate::user_auth::{mw_userdata_free_callback, UserData};
use crate::util::{arg_str, borrow, borrow_mut, borrowed, free_handle, into_handle, out, set_opt_string, Handle};

/// Follows one user's events feed (`GET /conversations/-/events`), delivering each
/// event once, in feed order, and saving its id as the checkpoint after its handler
/// returned. AT-LEAST-ONCE: a crash between a delivery and its save delivers that one
/// event again on restart; use mw_event_id() as the key to drop a repeat. FRESH START:
/// with no saved checkpoint the first poll only catches up (saves the newest id,
/// delivers nothing) unless `replay` is set. FAILURES: a 429 waits as its Retry-After
/// asks, other transient failures back off (up to `max_backoff_ms`) and are tried again;
/// a permanent failure (401, 403, 404, a checkpoint that cannot be saved) is the call's
/// error, with the checkpoint at the last event handled.
///
/// Owned; free with mw_events_follower_free(). One thread at a time, except
/// mw_events_follower_cancel(), which any thread may call while another is blocked in
/// it. One follower per user: give it a client acting for that user (mw_client_for_user())
/// and a checkpoint of that user's own.
pub struct mw_events_follower {
    _private: [u8; 0],
}

/// Where a load callback puts the saved checkpoint: borrowed for the duration of that
/// callback call only. Fill it with mw_checkpoint_set().
pub struct mw_checkpoint {
    _private: [u8; 0],
}

/// What an mw_events_follower handle points to: the cancel token beside the follower,
/// so that another thread can stop it while a call holds the lock.
pub(crate) struct FollowerData {
    cancel: CancelToken,
    follower: Mutex<EventsFollower>,
}

impl FollowerData {
    fn lock(&self) -> MutexGuard<'_, EventsFollower> {
        // A panic is caught at the boundary with the lock held; the follower stays usable.
        self.follower.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Handle for mw_events_follower {
    type Inner = FollowerData;
}
impl Handle for mw_checkpoint {
    type Inner = Option<String>;
}

/// How a follower polls. Always start from mw_follow_options_init(), which sets the
/// core's defaults; a NULL options pointer means those defaults.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct mw_follow_options {
    /// Time between polls, in ms (default 6000: event polls count against the same rate
    /// limit as history reads; webhooks are the low-latency path).
    pub interval_ms: u64,
    /// On a fresh checkpoint, deliver every event already in the feed (true), or only
    /// those arriving after the follower starts (false, the default).
    pub replay: bool,
    /// Events per page, 1 to 100 (default 100).
    pub page_size: u32,
    /// Longest wait between attempts after a failure without Retry-After, in ms (default 60000).
    pub max_backoff_ms: u64,
    /// Optional cancel token that stops the follower from any thread (copied: it may be
    /// freed after mw_events_follower_new()), or NULL for the follower's own
    /// (mw_events_follower_cancel()).
    pub cancel: *const mw_cancel_token,
}

/// Called for each event, in order. `event` is borrowed for the call. Return true when
/// handled (its id becomes the checkpoint), false for "not handled": nothing is saved,
/// the call returns, and the event is delivered again by the next call. Runs on the
/// calling thread while the follower is locked: call no other function of this follower
/// from it except mw_events_follower_cancel(). It must not unwind.
pub type mw_event_handler = Option<unsafe extern "C" fn(event: *const mw_event, userdata: *mut c_void) -> bool>;

/// A custom store's load: put the saved checkpoint into `out` with mw_checkpoint_set(),
/// or leave it unset when nothing was ever saved (a fresh follower). Return MW_OK (an
/// mw_status as an int), or another status to fail the follower's call (MW_INVALID_ARGUMENT naming `checkpoint`).
pub type mw_checkpoint_load_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, out: *mut mw_checkpoint) -> c_int>;

/// A custom store's save: keep `checkpoint` (an opaque string, borrowed for the call:
/// an event id, or "" meaning "from the start of the feed") so that a later load, even
/// after a crash, returns it; return MW_OK only once it is durable. Another status
/// fails the follower's call (MW_INVALID_ARGUMENT naming `checkpoint`).
pub type mw_checkpoint_save_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, checkpoint: *const c_char) -> c_int>;

/// Fills `options` with the core's defaults (6000 ms, no replay, 100 per page, 60000 ms
/// back-off cap, no cancel token).
#[no_mangle]
pub unsafe extern "C" fn mw_follow_options_init(options: *mut mw_follow_options) -> mw_status {
    guard_plain(|| {
        let o = out(options, "options")?;
        let d = FollowOptions::default();
        let as_ms = |v: Duration| u64::try_from(v.as_millis()).unwrap_or(u64::MAX);
        *o = mw_follow_options {
            interval_ms: as_ms(d.interval),
            replay: d.replay,
            page_size: d.page_size,
            max_backoff_ms: as_ms(d.max_backoff),
            cancel: std::ptr::null(),
        };
        Ok(())
    })
}

/// Converts the C options to the core's (validation stays in the core).
unsafe fn follow_options(options: *const mw_follow_options) -> Result<FollowOptions, Error> {
    let Some(o) = options.as_ref() else {
        return Ok(FollowOptions::default());
    };
    let cancel = match o.cancel.is_null() {
        true => None,
        false => Some(borrow(o.cancel, "cancel")?.clone()),
    };
    Ok(FollowOptions {
        interval: Duration::from_millis(o.interval_ms),
        replay: o.replay,
        page_size: o.page_size,
        max_backoff: Duration::from_millis(o.max_backoff_ms),
        cancel,
        on_backoff: None,
    })
}

/// The body of both constructors.
unsafe fn new_follower(
    client: *const mw_client,
    store: impl CheckpointStore + 'static,
    options: *const mw_follow_options,
    out_follower: *mut *mut mw_events_follower,
) -> Result<(), Error> {
    let c = borrow(client, "client")?;
    let options = follow_options(options)?;
    let o = out(out_follower, "out_follower")?;
    let follower = EventsFollower::new(c, store, options)?;
    *o = into_handle::<mw_events_follower>(FollowerData {
        cancel: follower.cancel_token(),
        follower: Mutex::new(follower),
    });
    Ok(())
}

/// A follower of `client`'s events feed (`client` acts for the user whose feed it is)
/// keeping its place in the file `checkpoint_path` (one line, written atomically; a
/// missing file is a fresh follower; its directory must exist; a file that cannot be
/// read or written is MW_INVALID_ARGUMENT naming `checkpoint`). `options` may be NULL.
/// A zero interval or back-off, or a page size outside 1 to 100, is MW_INVALID_ARGUMENT
/// naming it. Nothing is sent until the first poll. `*out_follower` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_events_follower_new(
    client: *const mw_client,
    checkpoint_path: *const c_char,
    options: *const mw_follow_options,
    out_follower: *mut *mut mw_events_follower,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let store = FileCheckpoint::new(arg_str(checkpoint_path, "checkpoint_path")?);
        new_follower(client, store, options, out_follower)
    })
}

/// A checkpoint store of the application's (a database row per user, a key in Redis).
struct CStore {
    load: unsafe extern "C" fn(*mut c_void, *mut mw_checkpoint) -> c_int,
    save: unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int,
    userdata: UserData,
}

/// A store callback's failure as the core's store errors are: `invalid_argument` `checkpoint`.
fn store_failure(what: &str, status: c_int) -> Error {
    let name = status_label(status);
    Error::invalid_argument("checkpoint", format_args!("the checkpoint store's {what} callback returned {name}"))
}

impl CheckpointStore for CStore {
    fn load(&mut self) -> Result<Option<String>, Error> {
        let mut slot: Option<String> = None;
        // SAFETY: the caller's function, given a slot borrowed for this call only.
        let status = unsafe { (self.load)(self.userdata.ptr, &mut slot as *mut Option<String> as *mut mw_checkpoint) };
        match status {
            0 => Ok(slot),
            other => Err(store_failure("load", other)),
        }
    }

    fn save(&mut self, checkpoint: &str) -> Result<(), Error> {
        let text = crate::util::cstring_lossy(checkpoint);
        // SAFETY: the caller's function, given a string borrowed for this call only.
        match unsafe { (self.save)(self.userdata.ptr, text.as_ptr()) } {
            0 => Ok(()),
            other => Err(store_failure("save", other)),
        }
    }
}

/// A follower as mw_events_follower_new(), keeping its place in a store of the
/// application's: `load` and `save` (see their types) get `userdata`, on the thread
/// calling the follower. `userdata_free` (may be NULL) runs once when the follower is
/// freed, or before this returns when it fails. NULL `load` or `save` is
/// MW_INVALID_ARGUMENT. `*out_follower` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_events_follower_new_with_store(
    client: *const mw_client,
    load: mw_checkpoint_load_callback,
    save: mw_checkpoint_save_callback,
    userdata: *mut c_void,
    userdata_free: mw_userdata_free_callback,
    options: *const mw_follow_options,
    out_follower: *mut *mut mw_events_follower,
    out_error: *mut *mut mw_error,
) -> mw_status {
    // Taken first, so that every failure below releases it.
    let userdata = UserData::new(userdata, userdata_free);
    guard(out_error, || {
        let load = load.ok_or_else(|| Error::invalid_argument("load", "must not be NULL"))?;
        let save = save.ok_or_else(|| Error::invalid_argument("save", "must not be NULL"))?;
        new_follower(client, CStore { load, save, userdata }, options, out_follower)
    })
}

/// Sets the checkpoint a load callback found (copied). Only valid on the `out` a load
/// callback received, during that call.
#[no_mangle]
pub unsafe extern "C" fn mw_checkpoint_set(checkpoint: *mut mw_checkpoint, value: *const c_char) -> mw_status {
    guard_plain(|| {
        let slot = borrow_mut(checkpoint, "checkpoint")?;
        *slot = Some(arg_str(value, "value")?.to_owned());
        Ok(())
    })
}

/// The C handler as the core's.
fn handler(
    f: unsafe extern "C" fn(*const mw_event, *mut c_void) -> bool,
    userdata: *mut c_void,
) -> impl FnMut(&Event) -> ControlFlow<()> {
    move |event| {
        // SAFETY: the caller's function, given an event borrowed for this call.
        match unsafe { f(borrowed::<mw_event>(event), userdata) } {
            true => ControlFlow::Continue(()),
            false => ControlFlow::Break(()),
        }
    }
}

/// One poll (with its pages), delivering what is new to `on_event`, then returns;
/// `*out_handled` (may be NULL) is how many events were handled. On a fresh checkpoint
/// this poll is the catch-up. Transient failures are backed off and retried a couple of
/// times before their error is returned; does not wait for the interval. MW_CANCELLED
/// once cancelled.
#[no_mangle]
pub unsafe extern "C" fn mw_events_follower_poll_once(
    follower: *mut mw_events_follower,
    on_event: mw_event_handler,
    userdata: *mut c_void,
    out_handled: *mut usize,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let f = borrow(follower, "follower")?;
        let on_event = on_event.ok_or_else(|| Error::invalid_argument("on_event", "must not be NULL"))?;
        let handled = f.lock().poll_once(handler(on_event, userdata))?;
        if let Some(o) = out_handled.as_mut() {
            *o = handled;
        }
        Ok(())
    })
}

/// Follows the feed, calling `on_event` for each event, until the follower is cancelled
/// (MW_OK, after saving the checkpoint of an event whose handler returned) or a handler
/// returns false (MW_OK; that event is not saved). Blocks the calling thread, waiting
/// `interval_ms` between polls. To stop after an event you did handle, cancel from the handler.
#[no_mangle]
pub unsafe extern "C" fn mw_events_follower_run(
    follower: *mut mw_events_follower,
    on_event: mw_event_handler,
    userdata: *mut c_void,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let f = borrow(follower, "follower")?;
        let on_event = on_event.ok_or_else(|| Error::invalid_argument("on_event", "must not be NULL"))?;
        f.lock().run(handler(on_event, userdata))
    })
}

/// The next event, waiting for it as long as it takes (the pull form of run). The
/// previous event's id is saved first: an event counts as handled once you ask for the
/// next one (or call mw_events_follower_commit()). `*out_event` is owned, or NULL (with
/// MW_OK) once the follower is cancelled.
#[no_mangle]
pub unsafe extern "C" fn mw_events_follower_next(
    follower: *mut mw_events_follower,
    out_event: *mut *mut mw_event,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let f = borrow(follower, "follower")?;
        let o = out(out_event, "out_event")?;
        *o = match f.lock().next_event()? {
            Some(event) => into_handle::<mw_event>(event),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// Saves the checkpoint of the last event mw_events_follower_next() gave, if not saved
/// yet (before stopping after an event you handled).
#[no_mangle]
pub unsafe extern "C" fn mw_events_follower_commit(
    follower: *mut mw_events_follower,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || borrow(follower, "follower")?.lock().commit())
}

/// Stops the follower: a run or next blocked in another thread returns at once (waits
/// between polls wake up). Safe from any thread, also from a handler, any number of times.
#[no_mangle]
pub unsafe extern "C" fn mw_events_follower_cancel(follower: *const mw_events_follower) -> mw_status {
    guard_plain(|| {
        borrow(follower, "follower")?.cancel.cancel();
        Ok(())
    })
}

/// The last checkpoint saved: an event id, "" when following began at the start of an
/// empty feed, NULL before the first poll. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_events_follower_checkpoint(
    follower: *mut mw_events_follower,
    out_checkpoint: *mut *mut c_char,
) -> mw_status {
    guard_plain(|| {
        let f = borrow(follower, "follower")?;
        let o = out(out_checkpoint, "out_checkpoint")?;
        set_opt_string(o, f.lock().checkpoint());
        Ok(())
    })
}

/// Frees a follower (a custom store's userdata_free runs now). NULL is allowed. No call
/// may be running on it.
#[no_mangle]
pub unsafe extern "C" fn mw_events_follower_free(follower: *mut mw_events_follower) {
    free_handle(follower)
}
