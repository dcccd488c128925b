//! Per-user views of a client (rest/v1): mw_client_for_user() with a token provider
//! callback, mw_client_for_user_token() with a fixed bearer. The core caches the
//! provider's token, refreshes it ahead of expiry (single flight) and replays a 401
//! once; this file only carries the callback across.

use std::ffi::{c_char, c_int, c_void};
use std::time::Duration;

use moveworks::{Error, ErrorKind, ProviderError, UserToken};

use crate::client::mw_client;
use crate::error::{guard, guard_plain, mw_error, mw_status, status_label};
use crate::util::{arg_str, borrow, borrow_mut, into_handle, out, Handle};

/// Where a token provider callback puts the token: borrowed for the duration of one
/// callback call only (never keep it). Fill it with mw_user_token_set().
pub struct mw_user_token {
    _private: [u8; 0],
}

impl Handle for mw_user_token {
    type Inner = Option<UserToken>;
}

/// A token provider: set a bearer for the view's user with mw_user_token_set(`token`,
/// ...) and return MW_OK (an mw_status as an int, so that any value is safe). Any
/// other return value fails the call that needed the token
/// with MW_OAUTH (nothing is sent); so does returning MW_OK without setting a token.
///
/// WHEN AND WHERE: called on the thread making a call on the view (or on a client or
/// follower made from it), when the view has no valid token: on its first call,
/// shortly before the lifetime given to mw_user_token_set() runs out, and once after
/// the API answers 401 (the call is then replayed once). Calls for one view never
/// overlap (concurrent callers wait for one call), but views made by separate
/// mw_client_for_user() calls may call their callbacks at the same time from
/// different threads. It may block (an HTTP exchange with your identity provider).
/// It must not unwind (no C++ exceptions or longjmp through it).
pub type mw_token_provider_callback =
    Option<unsafe extern "C" fn(token: *mut mw_user_token, userdata: *mut c_void) -> c_int>;

/// Releases the `userdata` of a callback, called exactly once when the library no
/// longer needs it (on whatever thread frees the last handle using it).
pub type mw_userdata_free_callback = Option<unsafe extern "C" fn(userdata: *mut c_void)>;

/// The caller's userdata, released with its free callback when the last owner drops.
pub(crate) struct UserData {
    pub(crate) ptr: *mut c_void,
    free: mw_userdata_free_callback,
}

// SAFETY: the header documents that the callbacks taking this userdata may run on any
// thread that calls the library, and that userdata_free runs on the thread that frees
// the last handle; the caller makes the data fit for that.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    pub(crate) fn new(ptr: *mut c_void, free: mw_userdata_free_callback) -> UserData {
        UserData { ptr, free }
    }
}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(f) = self.free {
            // SAFETY: the caller's function, given back its own pointer, exactly once.
            unsafe { f(self.ptr) }
        }
    }
}

/// The C callback as the core's token provider.
struct CProvider {
    callback: unsafe extern "C" fn(*mut mw_user_token, *mut c_void) -> c_int,
    userdata: UserData,
}

impl CProvider {
    fn token(&self) -> Result<UserToken, ProviderError> {
        let mut slot: Option<UserToken> = None;
        // SAFETY: the caller's function, given a slot borrowed for this call only.
        let status =
            unsafe { (self.callback)(&mut slot as *mut Option<UserToken> as *mut mw_user_token, self.userdata.ptr) };
        if status != mw_status::MW_OK as c_int {
            return Err(Box::new(Error::new(
                ErrorKind::OAuth,
                format!("the token provider callback returned {}", status_label(status)),
            )));
        }
        slot.ok_or_else(|| {
            Box::new(Error::new(
                ErrorKind::OAuth,
                "the token provider callback returned MW_OK without mw_user_token_set()",
            )) as ProviderError
        })
    }
}

/// Sets the bearer a token provider callback gives for its view's user. `bearer` is
/// copied (and never logged or shown in errors). `expires_in_secs` is how long it stays
/// valid from now (an exchange's `expires_in`); 0 means no known lifetime: it is kept
/// until the API refuses it with 401. Only valid on the `token` a callback received,
/// during that call. An empty bearer fails the call with MW_OAUTH.
#[no_mangle]
pub unsafe extern "C" fn mw_user_token_set(
    token: *mut mw_user_token,
    bearer: *const c_char,
    expires_in_secs: u64,
) -> mw_status {
    guard_plain(|| {
        let slot = borrow_mut(token, "token")?;
        let mut t = UserToken::new(arg_str(bearer, "bearer")?);
        if expires_in_secs > 0 {
            t = t.expires_in(Duration::from_secs(expires_in_secs));
        }
        *slot = Some(t);
        Ok(())
    })
}

/// A per-user view of `client` (rest/v1: every request runs on behalf of one user): it
/// shares `client`'s connection pool, options and retries, and gets its bearer from
/// `provider` (see mw_token_provider_callback), which the view caches. Cheap: take one
/// per user or per request. Clients made from the view with mw_client_with_options()
/// share its provider and token cache.
///
/// OWNERSHIP: `userdata` is passed to `provider` unchanged; `userdata_free` (may be
/// NULL) runs exactly once when the last handle using it (this view, clients made from
/// it, followers of it) is freed, or before this function returns when it fails.
/// `*out_client` is owned (mw_client_free). A NULL `provider` is MW_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn mw_client_for_user(
    client: *const mw_client,
    provider: mw_token_provider_callback,
    userdata: *mut c_void,
    userdata_free: mw_userdata_free_callback,
    out_client: *mut *mut mw_client,
    out_error: *mut *mut mw_error,
) -> mw_status {
    // Taken first, so that every failure below releases it.
    let userdata = UserData::new(userdata, userdata_free);
    guard(out_error, || {
        let c = borrow(client, "client")?;
        let callback = provider.ok_or_else(|| Error::invalid_argument("provider", "must not be NULL"))?;
        let o = out(out_client, "out_client")?;
        let p = CProvider { callback, userdata };
        *o = into_handle::<mw_client>(c.for_user(move || p.token()));
        Ok(())
    })
}

/// A per-user view of `client` with a fixed bearer (an API key bound to one user): sent
/// as it is, and a 401 is the call's error (MW_AUTHENTICATION). `token` is copied. An
/// empty token is MW_INVALID_ARGUMENT naming `token`. `*out_client` is owned.
#[no_mangle]
pub unsafe extern "C" fn mw_client_for_user_token(
    client: *const mw_client,
    token: *const c_char,
    out_client: *mut *mut mw_client,
    out_error: *mut *mut mw_error,
) -> mw_status {
    guard(out_error, || {
        let c = borrow(client, "client")?;
        let token = arg_str(token, "token")?;
        let o = out(out_client, "out_client")?;
        *o = into_handle::<mw_client>(c.for_user_token(token)?);
        Ok(())
    })
}
