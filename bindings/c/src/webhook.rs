//! Webhook deliveries (rest/v1): parse the body Moveworks POSTs to your endpoint, then
//! fetch the event it points at with a client acting for its user.

use std::ffi::c_char;

use moveworks::{Error, WebhookDelivery};

use crate::client::{call, mw_client};
use crate::error::{guard, mw_error, mw_status};
use crate::models::{get, get_str, mw_event};
use crate::util::{borrow, free_handle, into_handle, out, Handle};

/// One outbound webhook delivery of Moveworks:
/// `{"id": "evt_...", "data": {"conversation_id": "...", "user_id": "..."}, ...}`.
/// Owned; free with mw_webhook_delivery_free(). A delivery is only a hint: its content
/// is fetched from the API with your own credentials (mw_webhook_delivery_fetch()).
pub struct mw_webhook_delivery {
    _private: [u8; 0],
}

impl Handle for mw_webhook_delivery {
    type Inner = WebhookDelivery;
}

/// Reads a delivery from the raw request body (`len` bytes; need not be NUL-terminated).
///
/// VERIFY FIRST: Moveworks signs deliveries, but the scheme (header names, algorithm,
/// where the keys are published) is not public, so this library ships no verifier. Once
/// your Moveworks account team gives you the scheme, check the HTTP request's headers
/// and this exact raw body (byte for byte, before any parsing or re-encoding) in your
/// handler, and call this only for a request that passed; until then keep the
/// endpoint's URL secret and treat a delivery as a hint (an id that does not exist for
/// that user is MW_NOT_FOUND when fetched).
///
/// A body that is not a JSON object is MW_DECODE (mw_error_body_excerpt() has its
/// start); a missing or empty `id`, `data`, `data.conversation_id` or `data.user_id` is
/// MW_INVALID_ARGUMENT naming that member (e.g. "data.user_id"). Unknown members and
/// event types are accepted. `*out_delivery` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_webhook_delivery_parse(
    body: *const u8,
    len: usize,
    out_delivery: *mut *mut mw_webhook_delivery,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let body = match (body.is_null(), len) {
            (_, 0) => &[][..],
            (true, _) => return Err(Error::invalid_argument("body", "must not be NULL")),
            // SAFETY: the caller passes `len` readable bytes at `body`.
            (false, n) => std::slice::from_raw_parts(body, n),
        };
        let o = out(out_delivery, "out_delivery")?;
        *o = into_handle::<mw_webhook_delivery>(WebhookDelivery::parse(body)?);
        Ok(())
    })
}

/// The event id (`evt_...`): what mw_webhook_delivery_fetch() gets, and the key to drop
/// a repeat (by webhook again or by polling). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_webhook_delivery_id(
    delivery: *const mw_webhook_delivery,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(delivery, out, |d| Some(d.id.clone()))
}

/// The conversation id (`data.conversation_id`). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_webhook_delivery_conversation_id(
    delivery: *const mw_webhook_delivery,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(delivery, out, |d| Some(d.conversation_id.clone()))
}

/// The user to act as when fetching (`data.user_id`): make a client for that user
/// (mw_client_for_user()). `*out` is a new string.
#[no_mangle]
pub unsafe extern "C" fn mw_webhook_delivery_user_id(
    delivery: *const mw_webhook_delivery,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(delivery, out, |d| Some(d.user_id.clone()))
}

/// The event type the delivery names (`type`, e.g. "CONVERSATION_RESPONSE_RECEIVED"),
/// NULL when it names none (normal: the member is not published). `*out` is a new string or NULL.
#[no_mangle]
pub unsafe extern "C" fn mw_webhook_delivery_event_type(
    delivery: *const mw_webhook_delivery,
    out: *mut *mut c_char,
) -> mw_status {
    get_str(delivery, out, |d| d.event_type.clone())
}

/// Whether the delivery is (or may be) a CONVERSATION_RESPONSE_RECEIVED: it names that
/// type, or names none.
#[no_mangle]
pub unsafe extern "C" fn mw_webhook_delivery_is_conversation_response(
    delivery: *const mw_webhook_delivery,
    out: *mut bool,
) -> mw_status {
    get(delivery, out, |d| d.is_conversation_response())
}

/// Fetches the event the delivery points at:
/// `GET /conversations/{data.conversation_id}/events/{id}` (rest/v1). `client` must act
/// for mw_webhook_delivery_user_id() (a view from mw_client_for_user()): the event
/// belongs to that user, and another user's client gets MW_NOT_FOUND. `*out_event` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_webhook_delivery_fetch(
    delivery: *const mw_webhook_delivery,
    client: *const mw_client,
    out_event: *mut *mut mw_event,
    out_error: *mut *mut mw_error,
) -> mw_status {
    call(client, out_event, "out_event", out_error, |c| borrow(delivery, "delivery")?.fetch(c))
}

/// Frees a delivery. NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn mw_webhook_delivery_free(delivery: *mut mw_webhook_delivery) {
    free_handle(delivery)
}
