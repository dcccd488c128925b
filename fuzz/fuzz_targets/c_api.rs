//! The C API's argument handling: every `mw_*` function called with fuzzed strings
//! (invalid UTF-8, control characters, path tricks), NULL pointers, sizes and ids.
//!
//! No network: the client that sends points at a closed loopback port, so a call either
//! fails validation (MW_INVALID_ARGUMENT) or fails to connect. Builder setters that would
//! aim requests elsewhere (base URL, token URL, credentials) only go to a builder that is
//! never used to send. A panic aborts (libfuzzer-sys' panic hook) and ASan/LSan check
//! every allocation, so a crash, an invalid access or a leak is a finding.
#![no_main]

use std::ffi::{c_char, CStr, CString};
use std::mem::MaybeUninit;
use std::ptr;

use libfuzzer_sys::fuzz_target;
use moveworks_c::*;

/// A closed port on loopback: connecting is refused at once.
const CLOSED: &CStr = c"http://127.0.0.1:1/rest/v1beta1";

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u64(&mut self) -> u64 {
        let n = self.0.len().min(8);
        let mut buf = [0u8; 8];
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        u64::from_le_bytes(buf)
    }
    /// A C string argument, or `None` for NULL (length byte 0xFF). C strings end at the first NUL.
    fn string(&mut self) -> Option<CString> {
        let len = self.byte()?;
        if len == 0xFF {
            return None;
        }
        let n = usize::from(len).min(self.0.len());
        let (s, rest) = self.0.split_at(n);
        self.0 = rest;
        let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
        Some(CString::new(&s[..end]).unwrap())
    }
}

fn p(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

/// Checks a status and its error object, then frees the error.
unsafe fn check(status: mw_status, error: *mut mw_error, allowed: &[mw_status]) {
    assert_ne!(status, mw_status::MW_PANIC, "a call panicked");
    assert!(status == mw_status::MW_OK || allowed.contains(&status), "unexpected status {status:?}");
    assert!(!mw_status_name(status as i32).is_null());
    if error.is_null() {
        return;
    }
    assert_ne!(status, mw_status::MW_OK, "an error object on success");
    assert_eq!(mw_error_kind(error), status);
    for s in [
        mw_error_kind_name(error),
        mw_error_message(error),
        mw_error_code(error),
        mw_error_request_id(error),
        mw_error_argument(error),
        mw_error_response_id(error),
        mw_error_body_excerpt(error),
    ] {
        if !s.is_null() {
            let _ = CStr::from_ptr(s).to_bytes().len();
        }
    }
    let _ = (mw_error_http_status(error), mw_error_retry_after_ms(error), mw_error_is_transient(error));
    let _ = (mw_error_last_status(error), mw_error_response(error));
    mw_error_free(error);
}

/// Takes an owned C string result and frees it.
unsafe fn take(s: *mut c_char) {
    if !s.is_null() {
        let _ = CStr::from_ptr(s).to_bytes().len();
        mw_string_free(s);
    }
}

/// Calls a `(handle, *mut *mut c_char)` getter with a real and a NULL out pointer.
macro_rules! get_string {
    ($f:ident, $h:expr) => {{
        let mut s: *mut c_char = ptr::null_mut();
        check($f($h, &mut s), ptr::null_mut(), &[mw_status::MW_INVALID_ARGUMENT]);
        take(s);
        check($f($h, ptr::null_mut()), ptr::null_mut(), &[mw_status::MW_INVALID_ARGUMENT]);
    }};
}

/// Calls a getter writing a plain value (enum, number, bool, borrowed handle).
macro_rules! get_value {
    ($f:ident, $h:expr, $t:ty) => {{
        let mut v = MaybeUninit::<$t>::uninit();
        check($f($h, v.as_mut_ptr()), ptr::null_mut(), &[mw_status::MW_INVALID_ARGUMENT]);
    }};
}

unsafe fn content(c: *const mw_content) {
    get_value!(mw_content_get_type, c, mw_content_type);
    get_string!(mw_content_type_name, c);
    get_string!(mw_content_text, c);
    get_string!(mw_content_text_lossy, c);
    get_string!(mw_content_to_json, c);
}

unsafe fn message(m: *const mw_message, index: usize) {
    get_string!(mw_message_id, m);
    get_string!(mw_message_conversation_id, m);
    get_string!(mw_message_response_id, m);
    get_value!(mw_message_actor, m, mw_actor);
    get_string!(mw_message_actor_name, m);
    get_value!(mw_message_created_at, m, i64);
    get_string!(mw_message_text, m);
    get_string!(mw_message_text_with_citation_markers, m);
    get_string!(mw_message_to_json, m);
    let mut c: *const mw_content = ptr::null();
    if mw_message_content(m, &mut c) == mw_status::MW_OK {
        content(c);
    }
    let mut n = 0usize;
    check(mw_message_citation_count(m, &mut n), ptr::null_mut(), &[mw_status::MW_INVALID_ARGUMENT]);
    for i in [0, index, n.saturating_sub(1), n] {
        let mut cit: *const mw_citation = ptr::null();
        let st = mw_message_citation(m, i, &mut cit);
        check(st, ptr::null_mut(), &[mw_status::MW_INVALID_ARGUMENT]);
        assert_eq!(st == mw_status::MW_OK, !m.is_null() && i < n, "citation index {i} of {n}");
        if st == mw_status::MW_OK {
            get_value!(mw_citation_offset, cit, u64);
            get_string!(mw_citation_url, cit);
            get_value!(mw_citation_has_display, cit, bool);
            get_string!(mw_citation_to_json, cit);
            for f in [mw_citation_display_title, mw_citation_display_body] {
                let mut c: *const mw_content = ptr::null();
                if f(cit, &mut c) == mw_status::MW_OK && !c.is_null() {
                    content(c);
                }
            }
        }
    }
}

unsafe fn response(r: *const mw_response, index: usize) {
    get_string!(mw_response_id, r);
    get_string!(mw_response_conversation_id, r);
    get_value!(mw_response_get_status, r, mw_response_status);
    get_string!(mw_response_status_name, r);
    get_value!(mw_response_is_terminal, r, bool);
    get_value!(mw_response_created_at, r, i64);
    let (mut present, mut at) = (false, 0i64);
    check(mw_response_completed_at(r, &mut present, &mut at), ptr::null_mut(), &[mw_status::MW_INVALID_ARGUMENT]);
    get_string!(mw_response_assistant_text, r);
    get_string!(mw_response_to_json, r);
    let mut n = 0usize;
    check(mw_response_output_count(r, &mut n), ptr::null_mut(), &[mw_status::MW_INVALID_ARGUMENT]);
    for i in [0, index, n] {
        let mut item: *const mw_output_item = ptr::null();
        if mw_response_output(r, i, &mut item) != mw_status::MW_OK {
            continue;
        }
        get_value!(mw_output_item_type, item, mw_output_type);
        get_string!(mw_output_item_type_name, item);
        get_string!(mw_output_item_to_json, item);
        let mut m: *const mw_message = ptr::null();
        if mw_output_item_message(item, &mut m) == mw_status::MW_OK && !m.is_null() {
            message(m, index);
        }
        let mut rm: *const mw_reasoning_message = ptr::null();
        if mw_output_item_reasoning_message(item, &mut rm) == mw_status::MW_OK && !rm.is_null() {
            get_string!(mw_reasoning_message_id, rm);
            get_string!(mw_reasoning_message_conversation_id, rm);
            get_string!(mw_reasoning_message_response_id, rm);
            get_value!(mw_reasoning_message_created_at, rm, i64);
            get_string!(mw_reasoning_message_to_json, rm);
            let mut c: *const mw_content = ptr::null();
            if mw_reasoning_message_content(rm, &mut c) == mw_status::MW_OK {
                content(c);
            }
        }
    }
}

unsafe fn conversation(c: *const mw_conversation) {
    get_string!(mw_conversation_id, c);
    get_string!(mw_conversation_title, c);
    get_value!(mw_conversation_archived, c, bool);
    get_value!(mw_conversation_created_at, c, i64);
    get_value!(mw_conversation_updated_at, c, i64);
    get_string!(mw_conversation_to_json, c);
}

unsafe fn event(e: *const mw_event, index: usize) {
    get_string!(mw_event_id, e);
    get_string!(mw_event_conversation_id, e);
    get_value!(mw_event_get_type, e, mw_event_type);
    get_string!(mw_event_type_name, e);
    get_string!(mw_event_to_json, e);
    let mut m: *const mw_message = ptr::null();
    if mw_event_message(e, &mut m) == mw_status::MW_OK && !m.is_null() {
        message(m, index);
    }
}

/// Parses `json` with one of the `*_from_json` functions and reads every field of the result.
unsafe fn from_json(which: u8, json: *const c_char, index: usize) {
    let mut err: *mut mw_error = ptr::null_mut();
    let decode = &[mw_status::MW_INVALID_ARGUMENT, mw_status::MW_DECODE];
    match which % 5 {
        0 => {
            let mut c: *mut mw_conversation = ptr::null_mut();
            check(mw_conversation_from_json(json, &mut c, &mut err), err, decode);
            conversation(c);
            mw_conversation_free(c);
        }
        1 => {
            let mut page: *mut mw_conversation_page = ptr::null_mut();
            check(mw_conversation_page_from_json(json, &mut page, &mut err), err, decode);
            get_value!(mw_conversation_page_count, page, usize);
            get_string!(mw_conversation_page_next_cursor, page);
            get_string!(mw_conversation_page_to_json, page);
            for i in [0, index] {
                let mut c: *const mw_conversation = ptr::null();
                if mw_conversation_page_get(page, i, &mut c) == mw_status::MW_OK {
                    conversation(c);
                }
            }
            mw_conversation_page_free(page);
        }
        2 => {
            let mut r: *mut mw_response = ptr::null_mut();
            check(mw_response_from_json(json, &mut r, &mut err), err, decode);
            response(r, index);
            mw_response_free(r);
        }
        3 => {
            let mut e: *mut mw_event = ptr::null_mut();
            check(mw_event_from_json(json, &mut e, &mut err), err, decode);
            event(e, index);
            mw_event_free(e);
        }
        _ => {
            let mut page: *mut mw_event_page = ptr::null_mut();
            check(mw_event_page_from_json(json, &mut page, &mut err), err, decode);
            get_value!(mw_event_page_count, page, usize);
            get_string!(mw_event_page_next_cursor, page);
            get_string!(mw_event_page_to_json, page);
            for i in [0, index] {
                let mut e: *const mw_event = ptr::null();
                if mw_event_page_get(page, i, &mut e) == mw_status::MW_OK {
                    event(e, index);
                }
            }
            mw_event_page_free(page);
        }
    }
}

unsafe extern "C" fn on_update(_: *const mw_response, _: *mut std::ffi::c_void) -> bool {
    true
}

/// One call that would send, through a client aimed at the closed port.
unsafe fn send(client: *const mw_client, op: u8, input: &mut Input) {
    let a = input.string();
    let b = input.string();
    let c = input.string();
    let d = input.string();
    let n = input.u64();
    let limit = n as i64;
    let flag = (n >> 32) as i32;
    let allowed = &[mw_status::MW_INVALID_ARGUMENT, mw_status::MW_CONNECTION, mw_status::MW_TIMEOUT];
    // Bit 0 of the op: pass NULL for the error out-parameter, which every call accepts.
    let mut err: *mut mw_error = ptr::null_mut();
    let e = if op & 1 == 0 { &mut err as *mut _ } else { ptr::null_mut() };
    macro_rules! owned {
        ($t:ty, $free:ident, $call:expr) => {{
            let mut out: *mut $t = ptr::null_mut();
            let st = $call(&mut out as *mut *mut $t);
            check(st, err, allowed);
            assert_eq!(st == mw_status::MW_OK, !out.is_null());
            $free(out);
        }};
    }
    match (op >> 1) % 12 {
        0 => owned!(mw_conversation_page, mw_conversation_page_free, |o| {
            mw_client_list_conversations(client, p(&a), limit, flag, o, e)
        }),
        1 => owned!(mw_conversation, mw_conversation_free, |o| mw_client_create_conversation(client, p(&a), o, e)),
        2 => owned!(mw_conversation, mw_conversation_free, |o| mw_client_get_conversation(client, p(&a), o, e)),
        3 => owned!(mw_conversation, mw_conversation_free, |o| {
            mw_client_update_conversation(client, p(&a), p(&b), flag, o, e)
        }),
        4 => owned!(mw_event_page, mw_event_page_free, |o| {
            mw_client_list_events(client, p(&a), p(&b), p(&c), p(&d), limit, o, e)
        }),
        5 => owned!(mw_response, mw_response_free, |o| mw_client_create_response(client, p(&a), p(&b), o, e)),
        6 => owned!(mw_response, mw_response_free, |o| mw_client_get_response(client, p(&a), p(&b), o, e)),
        7 | 8 => {
            let mut opts = MaybeUninit::<mw_wait_options>::uninit();
            check(mw_wait_options_init(opts.as_mut_ptr()), ptr::null_mut(), &[]);
            let mut opts = opts.assume_init();
            // Short waits only: the deadline bounds how long a poll against the closed port retries.
            opts.initial_interval_ms = n % 3;
            opts.max_interval_ms = (n >> 8) % 3;
            opts.deadline_ms = (n >> 16) % 4;
            opts.backoff_factor = f64::from_bits(n.rotate_left(7));
            let mut token: *mut mw_cancel_token = ptr::null_mut();
            check(mw_cancel_token_new(&mut token), ptr::null_mut(), &[]);
            if n & (1 << 40) != 0 {
                check(mw_cancel_token_cancel(token), ptr::null_mut(), &[]);
            }
            if n & (1 << 41) != 0 {
                opts.cancel = token;
            }
            if n & (1 << 42) != 0 {
                opts.on_update = Some(on_update);
            }
            let o = if n & (1 << 43) != 0 { ptr::null() } else { &opts as *const mw_wait_options };
            let allowed = &[
                mw_status::MW_INVALID_ARGUMENT,
                mw_status::MW_CONNECTION,
                mw_status::MW_TIMEOUT,
                mw_status::MW_POLL_TIMEOUT,
                mw_status::MW_CANCELLED,
            ];
            let mut out: *mut mw_response = ptr::null_mut();
            let st = if op >> 1 == 7 {
                mw_client_wait_for_response(client, p(&a), p(&b), o, &mut out, e)
            } else {
                mw_client_create_response_and_wait(client, p(&a), p(&b), o, &mut out, e)
            };
            check(st, err, allowed);
            mw_response_free(out);
            mw_cancel_token_free(token);
        }
        9 => {
            let mut it: *mut mw_conversation_iter = ptr::null_mut();
            check(mw_client_iter_conversations(client, p(&a), limit, flag, &mut it, e), err, allowed);
            let mut err2: *mut mw_error = ptr::null_mut();
            let mut c: *mut mw_conversation = ptr::null_mut();
            check(mw_conversation_iter_next(it, &mut c, &mut err2), err2, allowed);
            mw_conversation_free(c);
            mw_conversation_iter_free(it);
        }
        10 => {
            let mut it: *mut mw_event_iter = ptr::null_mut();
            check(mw_client_iter_events(client, p(&a), p(&b), p(&c), p(&d), limit, &mut it, e), err, allowed);
            let mut err2: *mut mw_error = ptr::null_mut();
            let mut page: *mut mw_event_page = ptr::null_mut();
            check(mw_event_iter_next_page(it, &mut page, &mut err2), err2, allowed);
            mw_event_page_free(page);
            mw_event_iter_free(it);
        }
        _ => {
            // NULL client and NULL out-parameters are invalid arguments, never a crash.
            let st = mw_client_get_conversation(ptr::null(), p(&a), ptr::null_mut(), e);
            assert_eq!(st, mw_status::MW_INVALID_ARGUMENT);
            check(st, err, allowed);
            let st = mw_client_create_conversation(client, p(&a), ptr::null_mut(), ptr::null_mut());
            assert_eq!(st, mw_status::MW_INVALID_ARGUMENT);
        }
    }
}

fuzz_target!(|data: &[u8]| unsafe {
    let mut input = Input(data);
    let inval = &[mw_status::MW_INVALID_ARGUMENT];
    // Never sends: any base URL, token URL and credentials may go here.
    let mut scratch: *mut mw_client_builder = ptr::null_mut();
    check(mw_client_builder_new(&mut scratch), ptr::null_mut(), &[]);
    // Sends only to the closed port, without retries and with short timeouts.
    let mut sender: *mut mw_client_builder = ptr::null_mut();
    check(mw_client_builder_new(&mut sender), ptr::null_mut(), &[]);
    check(mw_client_builder_base_url(sender, CLOSED.as_ptr()), ptr::null_mut(), &[]);
    check(mw_client_builder_assistant_name(sender, c"sandbox".as_ptr()), ptr::null_mut(), &[]);
    check(mw_client_builder_bearer_token(sender, c"sandbox-token".as_ptr()), ptr::null_mut(), &[]);
    check(mw_client_builder_max_retries(sender, 0), ptr::null_mut(), &[]);
    check(mw_client_builder_timeout_ms(sender, 200), ptr::null_mut(), &[]);
    check(mw_client_builder_deadline_ms(sender, 200), ptr::null_mut(), &[]);
    let mut ops = 0;
    while let Some(op) = input.byte() {
        ops += 1;
        if ops > 32 {
            break;
        }
        match op % 16 {
            0 => check(mw_client_builder_base_url(scratch, p(&input.string())), ptr::null_mut(), inval),
            1 if op & 0x10 != 0 => {
                // The generic key/value setter: a known option name (or a fuzzed one) and a fuzzed value.
                const KEYS: &[&CStr] = &[
                    c"timeout",
                    c"timeout_ms",
                    c"connect_timeout",
                    c"deadline_ms",
                    c"max_retries",
                    c"max_idle_connections",
                    c"max_response_bytes",
                    c"allow_insecure_http",
                    c"user_agent_suffix",
                    c"client_id",
                ];
                let (key, value) = (input.string(), input.string());
                let key = if op & 0x20 != 0 { p(&key) } else { KEYS[usize::from(op >> 6) % KEYS.len()].as_ptr() };
                let mut err: *mut mw_error = ptr::null_mut();
                check(mw_client_builder_set(scratch, key, p(&value), &mut err), err, inval);
            }
            1 => check(mw_client_builder_token_url(scratch, p(&input.string())), ptr::null_mut(), inval),
            2 => {
                let (id, secret) = (input.string(), input.string());
                check(mw_client_builder_client_credentials(scratch, p(&id), p(&secret)), ptr::null_mut(), inval);
            }
            3 => {
                // Header-bound values go to the sending builder: bad ones must be refused before sending.
                let s = input.string();
                check(mw_client_builder_assistant_name(sender, p(&s)), ptr::null_mut(), inval);
                check(mw_client_builder_assistant_name(scratch, p(&s)), ptr::null_mut(), inval);
            }
            4 => {
                let s = input.string();
                check(mw_client_builder_bearer_token(sender, p(&s)), ptr::null_mut(), inval);
                check(mw_client_builder_bearer_token(scratch, p(&s)), ptr::null_mut(), inval);
            }
            5 => {
                let v = input.u64();
                let b = if op & 0x10 != 0 { ptr::null_mut() } else { scratch };
                let st = match (op >> 5) % 6 {
                    0 => mw_client_builder_connect_timeout_ms(b, v),
                    1 => mw_client_builder_timeout_ms(b, v),
                    2 => mw_client_builder_deadline_ms(b, v),
                    3 => mw_client_builder_max_retries(b, v as u32),
                    4 => mw_client_builder_max_idle_connections(b, v as usize),
                    _ => mw_client_builder_max_response_bytes(b, v),
                };
                check(st, ptr::null_mut(), inval);
                assert_eq!(st == mw_status::MW_INVALID_ARGUMENT, b.is_null());
            }
            6 | 7 => {
                // Build the scratch builder and use the client without sending.
                let mut client: *mut mw_client = ptr::null_mut();
                let mut err: *mut mw_error = ptr::null_mut();
                check(mw_client_builder_build(scratch, &mut client, &mut err), err, inval);
                get_string!(mw_client_base_url, client);
                get_string!(mw_client_user_agent, client);
                let (t, dl, r) = (input.u64(), input.u64(), input.u64() as i64);
                let mut derived: *mut mw_client = ptr::null_mut();
                let mut err: *mut mw_error = ptr::null_mut();
                check(mw_client_with_options(client, t, dl, r, &mut derived, &mut err), err, inval);
                mw_client_free(derived);
                mw_client_free(client);
            }
            8..=11 => {
                let mut client: *mut mw_client = ptr::null_mut();
                let mut err: *mut mw_error = ptr::null_mut();
                check(mw_client_builder_build(sender, &mut client, &mut err), err, inval);
                let sub = input.byte().unwrap_or(0);
                send(client, sub, &mut input);
                mw_client_free(client);
            }
            12 | 13 => {
                let json = input.string();
                let index = input.u64() as usize;
                from_json(op >> 4, p(&json), index);
            }
            14 => {
                let mut token: *mut mw_cancel_token = ptr::null_mut();
                let t = if op & 0x10 != 0 { ptr::null_mut() } else { &mut token as *mut _ };
                check(mw_cancel_token_new(t), ptr::null_mut(), inval);
                check(mw_cancel_token_cancel(token), ptr::null_mut(), inval);
                let mut cancelled = false;
                check(mw_cancel_token_is_cancelled(token, &mut cancelled), ptr::null_mut(), inval);
                assert_eq!(cancelled, !token.is_null());
                mw_cancel_token_free(token);
            }
            _ => {
                let _ = mw_status_name(i32::from(op) - 100);
                assert!(!mw_version().is_null());
                let mut b: *mut mw_client_builder = ptr::null_mut();
                let mut err: *mut mw_error = ptr::null_mut();
                // Reads MOVEWORKS_* from the environment (unset here): either outcome is fine, never a crash.
                let st = mw_client_builder_from_env(&mut b, &mut err);
                check(st, err, inval);
                mw_client_builder_free(b);
                mw_string_free(ptr::null_mut());
                mw_client_free(ptr::null_mut());
                mw_error_free(ptr::null_mut());
            }
        }
    }
    mw_client_builder_free(scratch);
    mw_client_builder_free(sender);
});
