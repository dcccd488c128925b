//! Streamed turns: `mw_client_stream_response` (an iterator of events) and
//! `mw_client_stream_response_and_wait` (the same with a callback).
//!
//! Everything is the core's `ResponseStream`: the SSE parsing, the fallback to
//! polling when the stream breaks, the error taxonomy. This file only converts.

use std::ffi::{c_char, c_int, c_void};
use std::ops::ControlFlow;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use moveworks::{CancelToken, Error, Input, Response, ResponseStream, StreamEvent, StreamOptions};

use crate::client::{mw_client, mw_wait_options, wait_options, wait_options_default};
use crate::error::{guard, guard_plain, mw_error, mw_status};
use crate::models::{mw_output_item, mw_response};
use crate::util::{
    alloc_string, arg_str, borrow, borrowed, free_handle, into_handle, out, set_opt_string, to_json, Handle,
};

/// A streamed answer being received (from mw_client_stream_response). Owned; free
/// with mw_stream_free(), which closes the connection at once (the response goes on
/// server-side and can be polled by its id).
///
/// THREAD SAFETY: use it from one thread at a time, except mw_stream_cancel(), which
/// may be called from any thread while another one is blocked in mw_stream_next().
pub struct mw_stream {
    _private: [u8; 0],
}

/// One event of a streamed answer (from mw_stream_next). Owned; free with
/// mw_stream_event_free(). Immutable: may be read from many threads at once.
pub struct mw_stream_event {
    _private: [u8; 0],
}

/// What an mw_stream handle points to.
pub(crate) struct StreamData {
    /// The stream's own cancel handle (the core's `canceller`), outside the lock:
    /// mw_stream_cancel never waits for a reader blocked in mw_stream_next.
    cancel: CancelToken,
    request_id: Option<String>,
    stream: Mutex<ResponseStream>,
    /// The final response, copied out once the turn succeeded (mw_stream_response
    /// borrows it without taking the lock).
    response: OnceLock<Response>,
}

impl StreamData {
    fn lock(&self) -> MutexGuard<'_, ResponseStream> {
        // A panic while the lock was held was already reported as MW_PANIC; the
        // stream itself stays memory-safe to use.
        self.stream.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers the final response once the turn has one.
    fn keep_response(&self, stream: &ResponseStream) {
        if let Some(r) = stream.response() {
            self.response.get_or_init(|| r.clone());
        }
    }
}

impl Handle for mw_stream {
    type Inner = StreamData;
}
impl Handle for mw_stream_event {
    type Inner = StreamEvent;
}

/// Type of a stream event: one constant per published event name (mw_stream_event_name()
/// gives the name). The numbers are stable: new types get new numbers, existing ones never
/// change. MW_STREAM_EVENT_OUTPUT_DELTA is the deprecated earlier name of
/// MW_STREAM_EVENT_RESPONSE_OUTPUT_DELTA (same value).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mw_stream_event_type {
    /// RESPONSE_CREATED: the server accepted the message (mw_stream_event_response_id;
    /// mw_stream_event_response() when the server sent the response).
    MW_STREAM_EVENT_RESPONSE_CREATED = 0,
    /// RESPONSE_IN_PROGRESS: the assistant is working on it (mw_stream_event_response()
    /// when the server sent the response).
    MW_STREAM_EVENT_RESPONSE_IN_PROGRESS = 1,
    /// RESPONSE_OUTPUT_DELTA: one output grew; mw_stream_event_output() is the whole item
    /// so far. Also what a turn finished by polling gives for each output that grew (then
    /// with no sequence number). Was OUTPUT_DELTA (MW_STREAM_EVENT_OUTPUT_DELTA, deprecated).
    MW_STREAM_EVENT_RESPONSE_OUTPUT_DELTA = 2,
    /// RESPONSE_COMPLETED: the last event of a successful turn; mw_stream_event_response()
    /// is the final response (a turn handed to a live agent completes with no outputs).
    MW_STREAM_EVENT_RESPONSE_COMPLETED = 3,
    /// RESPONSE_FAILED: the response failed; mw_stream_event_response() is the failed
    /// response (mw_response_error_code() says why). The turn then ends with
    /// MW_RESPONSE_FAILED carrying it.
    MW_STREAM_EVENT_RESPONSE_FAILED = 4,
    /// ERROR: the server reported an error mid-stream (mw_stream_event_error_code(),
    /// mw_stream_event_error_message()). The message was accepted: never send it again.
    /// The turn is then finished by polling when the response id is known, otherwise it
    /// ends with the error status the code stands for (e.g. MW_INTERNAL_SERVER for
    /// INTERNAL_ERROR), whose mw_error_code() is that code.
    MW_STREAM_EVENT_ERROR = 5,
    /// An event name this SDK version does not know (never an error): read
    /// mw_stream_event_name() and mw_stream_event_data().
    MW_STREAM_EVENT_UNKNOWN = 99,
}

/// How mw_client_stream_response() and mw_client_stream_response_and_wait() wait.
/// Always start from mw_stream_options_init(), which sets the core's defaults; a
/// NULL options pointer means those defaults.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct mw_stream_options {
    /// Give up on the stream after this long without an event, in ms, and finish the
    /// turn by polling instead (default 30000; must be greater than 0).
    pub idle_timeout_ms: u64,
    /// The whole turn's deadline (`wait.deadline_ms`, default 120000: MW_POLL_TIMEOUT
    /// after it), its cancel token (`wait.cancel`, or NULL) and the polling of the
    /// fallback (`wait.on_update` fires only while polling). For mw_client_stream_response,
    /// a `wait.cancel` token given here also cancels the stream, while mw_stream_cancel()
    /// cancels that stream only (never the caller's token).
    pub wait: mw_wait_options,
}

/// Called by mw_client_stream_response_and_wait() for every event. `event` is
/// borrowed for the duration of the call only. Return 0 to go on, nonzero to stop
/// (the call then returns MW_CANCELLED naming the response). It runs on the thread
/// that made the call. It must not unwind (no C++ exceptions through it).
pub type mw_stream_callback =
    Option<unsafe extern "C" fn(event: *const mw_stream_event, user_data: *mut c_void) -> c_int>;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

/// Converts the C options to the core's (validation stays in the core).
unsafe fn stream_options(options: *const mw_stream_options) -> Result<StreamOptions, Error> {
    let Some(o) = options.as_ref() else {
        return Ok(StreamOptions::default());
    };
    Ok(StreamOptions { idle_timeout: ms(o.idle_timeout_ms), wait: wait_options(&o.wait)? })
}

// ---- options ------------------------------------------------------------------------------

/// Fills `options` with the core's defaults (30000 ms idle timeout; the wait as
/// mw_wait_options_init: 120000 ms deadline, no cancel token, no callback).
#[no_mangle]
pub unsafe extern "C" fn mw_stream_options_init(options: *mut mw_stream_options) -> mw_status {
    guard_plain(|| {
        let o = out(options, "options")?;
        let d = StreamOptions::default();
        *o = mw_stream_options {
            idle_timeout_ms: u64::try_from(d.idle_timeout.as_millis()).unwrap_or(u64::MAX),
            wait: wait_options_default(),
        };
        Ok(())
    })
}

// ---- the stream -----------------------------------------------------------------------------

/// `POST /conversations/{conversation_id}/responses/stream`: sends a user message and
/// streams the answer. Read the events with mw_stream_next() until it gives NULL.
///
/// Errors before the stream starts (invalid arguments, 400, 401, 403, 404, 429, 5xx,
/// connection failures) are returned here, with the retry rules of
/// mw_client_create_response: the message is never sent twice. `options` may be NULL
/// for the defaults. `*out_stream` is owned (mw_stream_free).
#[no_mangle]
pub unsafe extern "C" fn mw_client_stream_response(
    client: *const mw_client,
    conversation_id: *const c_char,
    text: *const c_char,
    options: *const mw_stream_options,
    out_stream: *mut *mut mw_stream,
    out_error: *mut *mut mw_error,
) -> mw_status {
    start_stream(client, conversation_id, || Ok(Input::from(arg_str(text, "text")?)), options, out_stream, out_error)
}

/// The body of mw_client_stream_response() and its `_input` form.
pub(crate) unsafe fn start_stream(
    client: *const mw_client,
    conversation_id: *const c_char,
    input: impl FnOnce() -> Result<Input, Error>,
    options: *const mw_stream_options,
    out_stream: *mut *mut mw_stream,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let c = borrow(client, "client")?;
        let o = out(out_stream, "out_stream")?;
        let cid = arg_str(conversation_id, "conversation_id")?;
        let stream = c.stream_response(cid, input()?, &stream_options(options)?)?;
        *o = into_handle::<mw_stream>(StreamData {
            cancel: stream.canceller(),
            request_id: stream.request_id().map(str::to_owned),
            stream: Mutex::new(stream),
            response: OnceLock::new(),
        });
        Ok(())
    })
}

/// The next event; blocks until it arrives. `*out_event` is owned, or NULL (with
/// MW_OK) once the turn is over.
///
/// A successful turn always ends with a RESPONSE_COMPLETED event carrying the final
/// response, also when the stream broke and the turn was finished by polling
/// (the message is never sent again; each poll that shows an output grown is given as a
/// RESPONSE_OUTPUT_DELTA without a sequence number). A RESPONSE_FAILED event is followed
/// by MW_RESPONSE_FAILED; an ERROR event by more events (the turn finished by polling)
/// or by the error its code stands for. A failed turn ends with one error status
/// instead (MW_RESPONSE_FAILED, MW_POLL_TIMEOUT, MW_CANCELLED, ...; mw_error_response_id()
/// names the response once known), after which mw_stream_next gives NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_next(
    stream: *mut mw_stream,
    out_event: *mut *mut mw_stream_event,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        // Shared borrow: mw_stream_cancel may read the token from another thread meanwhile.
        let s = borrow(stream as *const mw_stream, "stream")?;
        let o = out(out_event, "out_event")?;
        let mut guard = s.lock();
        let next = guard.next();
        s.keep_response(&guard);
        drop(guard);
        *o = match next.transpose()? {
            Some(event) => into_handle::<mw_stream_event>(event),
            None => std::ptr::null_mut(),
        };
        Ok(())
    })
}

/// Reads (and discards) the remaining events and gives the final response
/// (`*out_response`, owned) or the error the turn ended with. Callable more than once.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_finish(
    stream: *mut mw_stream,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let s = borrow(stream as *const mw_stream, "stream")?;
        let o = out(out_response, "out_response")?;
        let mut guard = s.lock();
        let finished = guard.finish();
        s.keep_response(&guard);
        drop(guard);
        *o = into_handle::<mw_response>(finished?);
        Ok(())
    })
}

/// Cancels the stream: an mw_stream_next() blocked in another thread returns
/// MW_CANCELLED within about 20 ms (naming the response id when known), and so does
/// the next call. Thread-safe; never waits for the blocked reader. NULL or a finished
/// stream: no effect.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_cancel(stream: *const mw_stream) {
    let _ = panic::catch_unwind(AssertUnwindSafe(|| {
        if let Ok(s) = borrow(stream, "stream") {
            s.cancel.cancel();
        }
    }));
}

/// The response's id, once the server named it; NULL before. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_response_id(stream: *const mw_stream, out_id: *mut *mut c_char) -> mw_status {
    guard_plain(|| {
        let s = borrow(stream, "stream")?;
        let o = out(out_id, "out")?;
        set_opt_string(o, s.lock().response_id());
        Ok(())
    })
}

/// The `x-moveworks-root-uuid` of the streaming request (quote it to support), or
/// NULL when the server sent none. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_request_id(stream: *const mw_stream, out_id: *mut *mut c_char) -> mw_status {
    guard_plain(|| {
        let s = borrow(stream, "stream")?;
        let o = out(out_id, "out")?;
        set_opt_string(o, s.request_id.as_deref());
        Ok(())
    })
}

/// The final COMPLETED response once the turn succeeded, borrowed from the stream
/// (valid until mw_stream_free), or NULL before that or when the turn failed.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_response(
    stream: *const mw_stream,
    out_response: *mut *const mw_response,
) -> mw_status {
    guard_plain(|| {
        let s = borrow(stream, "stream")?;
        let o = out(out_response, "out")?;
        *o = s.response.get().map_or(std::ptr::null(), borrowed::<mw_response>);
        Ok(())
    })
}

/// Frees a stream, closing its connection at once if the turn is not over. NULL is
/// allowed. No other thread may still be using it (mw_stream_cancel included).
#[no_mangle]
pub unsafe extern "C" fn mw_stream_free(stream: *mut mw_stream) {
    free_handle(stream)
}

/// Sends a user message, streams the answer and gives the final response
/// (`*out_response`, owned): mw_client_stream_response() with a callback.
///
/// `on_event` (may be NULL) sees every event; returning nonzero stops the turn with
/// MW_CANCELLED. The call ends like mw_client_create_response_and_wait: the COMPLETED
/// response, MW_RESPONSE_FAILED (mw_error_response() has the FAILED one), MW_POLL_TIMEOUT
/// after `options->wait.deadline_ms`, or MW_CANCELLED when `options->wait.cancel` fires.
#[no_mangle]
pub unsafe extern "C" fn mw_client_stream_response_and_wait(
    client: *const mw_client,
    conversation_id: *const c_char,
    text: *const c_char,
    options: *const mw_stream_options,
    on_event: mw_stream_callback,
    user_data: *mut c_void,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    let input = || Ok(Input::from(arg_str(text, "text")?));
    stream_and_wait(client, conversation_id, input, options, on_event, user_data, out_response, out_error)
}

/// The body of mw_client_stream_response_and_wait() and its `_input` form.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn stream_and_wait(
    client: *const mw_client,
    conversation_id: *const c_char,
    input: impl FnOnce() -> Result<Input, Error>,
    options: *const mw_stream_options,
    on_event: mw_stream_callback,
    user_data: *mut c_void,
    out_response: *mut *mut mw_response,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let c = borrow(client, "client")?;
        let o = out(out_response, "out_response")?;
        let cid = arg_str(conversation_id, "conversation_id")?;
        let input = input()?;
        let opts = stream_options(options)?;
        let mut callback = |event: &StreamEvent| match on_event {
            // SAFETY: the caller's function pointer, given an event borrowed for this call.
            Some(f) if unsafe { f(borrowed::<mw_stream_event>(event), user_data) } != 0 => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        };
        let response = c.stream_response_and_wait(cid, input, &opts, &mut callback)?;
        *o = into_handle::<mw_response>(response);
        Ok(())
    })
}

// ---- events -------------------------------------------------------------------------------------

/// Reads a value of the event behind `e` into `dst`.
unsafe fn get<T>(e: *const mw_stream_event, dst: *mut T, f: impl FnOnce(&StreamEvent) -> T) -> mw_status {
    guard_plain(|| {
        let v = borrow(e, "event")?;
        let o = out(dst, "out")?;
        *o = f(v);
        Ok(())
    })
}

/// Reads an optional string of the event behind `e` into `dst` (NULL when absent).
unsafe fn get_str(
    e: *const mw_stream_event,
    dst: *mut *mut c_char,
    f: impl FnOnce(&StreamEvent) -> Option<&str>,
) -> mw_status {
    guard_plain(|| {
        let v = borrow(e, "event")?;
        let o = out(dst, "out")?;
        set_opt_string(o, f(v));
        Ok(())
    })
}

/// The event's type.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_get_type(
    event: *const mw_stream_event,
    out_type: *mut mw_stream_event_type,
) -> mw_status {
    get(event, out_type, |e| match e {
        StreamEvent::ResponseCreated { .. } => mw_stream_event_type::MW_STREAM_EVENT_RESPONSE_CREATED,
        StreamEvent::ResponseInProgress { .. } => mw_stream_event_type::MW_STREAM_EVENT_RESPONSE_IN_PROGRESS,
        StreamEvent::ResponseOutputDelta { .. } => mw_stream_event_type::MW_STREAM_EVENT_RESPONSE_OUTPUT_DELTA,
        StreamEvent::ResponseCompleted { .. } => mw_stream_event_type::MW_STREAM_EVENT_RESPONSE_COMPLETED,
        StreamEvent::ResponseFailed { .. } => mw_stream_event_type::MW_STREAM_EVENT_RESPONSE_FAILED,
        StreamEvent::Error { .. } => mw_stream_event_type::MW_STREAM_EVENT_ERROR,
        StreamEvent::Unknown { .. } => mw_stream_event_type::MW_STREAM_EVENT_UNKNOWN,
    })
}

/// The wire event name: one of "RESPONSE_CREATED", "RESPONSE_IN_PROGRESS",
/// "RESPONSE_OUTPUT_DELTA", "RESPONSE_COMPLETED", "RESPONSE_FAILED", "ERROR", or an
/// unknown name as sent (an interior NUL in it reads as U+FFFD, so an unknown name
/// never reads as a known one). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_name(event: *const mw_stream_event, out_name: *mut *mut c_char) -> mw_status {
    get_str(event, out_name, |e| Some(e.event_name()))
}

/// The response id the event names, or NULL (RESPONSE_CREATED always has it; ERROR and
/// unknown events never do). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_response_id(
    event: *const mw_stream_event,
    out_id: *mut *mut c_char,
) -> mw_status {
    get_str(event, out_id, StreamEvent::response_id)
}

/// The server's `sequence_number` of the event (any type, unknown ones included when
/// their data is a JSON object carrying one): increasing along a stream. Not every event
/// has one (a server may send none; a RESPONSE_OUTPUT_DELTA made from a poll, after the
/// stream broke, never has one): when absent, MW_INVALID_ARGUMENT and `*out` untouched;
/// ask mw_stream_event_has_sequence_number() first.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_sequence_number(
    event: *const mw_stream_event,
    out_sequence: *mut u64,
) -> mw_status {
    guard_plain(|| {
        let v = borrow(event, "event")?;
        let o = out(out_sequence, "out")?;
        *o = v.sequence_number().ok_or_else(|| Error::invalid_argument("event", "has no sequence number"))?;
        Ok(())
    })
}

/// Whether the event carries a sequence number (mw_stream_event_sequence_number()).
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_has_sequence_number(
    event: *const mw_stream_event,
    out_present: *mut bool,
) -> mw_status {
    get(event, out_present, |e| e.sequence_number().is_some())
}

/// The code of an ERROR event as the server sent it, e.g. "INTERNAL_ERROR" ("" when it
/// sent none); NULL for another type. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_error_code(
    event: *const mw_stream_event,
    out_code: *mut *mut c_char,
) -> mw_status {
    get_str(event, out_code, |e| match e {
        StreamEvent::Error { code, .. } => Some(code.as_str()),
        _ => None,
    })
}

/// The message of an ERROR event as the server sent it; NULL for another type. `*out`
/// is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_error_message(
    event: *const mw_stream_event,
    out_message: *mut *mut c_char,
) -> mw_status {
    get_str(event, out_message, |e| match e {
        StreamEvent::Error { message, .. } => Some(message.as_str()),
        _ => None,
    })
}

/// The output type of a RESPONSE_OUTPUT_DELTA as sent, e.g. "MESSAGE" or "REASONING_MESSAGE";
/// NULL for another type. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_output_type(
    event: *const mw_stream_event,
    out_type: *mut *mut c_char,
) -> mw_status {
    get_str(event, out_type, |e| match e {
        StreamEvent::ResponseOutputDelta { output_type, .. } => Some(output_type.as_str()),
        _ => None,
    })
}

/// The output item of a RESPONSE_OUTPUT_DELTA, the whole item so far (read it with the
/// mw_output_item_* functions, e.g. mw_output_item_message + mw_message_text),
/// borrowed from the event; NULL for another type.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_output(
    event: *const mw_stream_event,
    out_item: *mut *const mw_output_item,
) -> mw_status {
    get(event, out_item, |e| match e {
        StreamEvent::ResponseOutputDelta { output, .. } => borrowed::<mw_output_item>(output),
        _ => std::ptr::null(),
    })
}

/// The response a RESPONSE_CREATED, RESPONSE_IN_PROGRESS, RESPONSE_COMPLETED or
/// RESPONSE_FAILED event carries, borrowed from the event; NULL when the server sent none
/// and for the other types. The RESPONSE_COMPLETED event of a successful turn always
/// carries the final response; a RESPONSE_FAILED one the failed response, whose
/// mw_response_error_code() and mw_response_error_message() say why.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_response(
    event: *const mw_stream_event,
    out_response: *mut *const mw_response,
) -> mw_status {
    get(event, out_response, |e| e.response().map_or(std::ptr::null(), borrowed::<mw_response>))
}

/// The raw `data:` text of an unknown event; NULL for a known type. `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_data(event: *const mw_stream_event, out_data: *mut *mut c_char) -> mw_status {
    get_str(event, out_data, |e| match e {
        StreamEvent::Unknown { data, .. } => Some(data.as_str()),
        _ => None,
    })
}

/// The event as JSON: `{"event": <wire name>, "sequence_number": <n or null>, ...its
/// fields}` (a RESPONSE_OUTPUT_DELTA's `output` and any `response` in wire form); an ERROR
/// is `{"event": "ERROR", "sequence_number": ..., "error": {"code", "message"}}`; an unknown
/// event is `{"event": <name>, "sequence_number": ..., "data": <raw text>}`. Inside the
/// JSON a NUL is escaped (the JSON escape of U+0000), never replaced. `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_to_json(
    event: *const mw_stream_event,
    out_json: *mut *mut c_char,
) -> mw_status {
    guard_plain(|| {
        let v = borrow(event, "event")?;
        let o = out(out_json, "out")?;
        *o = alloc_string(&to_json(v)?);
        Ok(())
    })
}

/// Frees an event. NULL is allowed. Never pass one borrowed by a callback.
#[no_mangle]
pub unsafe extern "C" fn mw_stream_event_free(event: *mut mw_stream_event) {
    free_handle(event)
}
