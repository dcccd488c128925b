//! Argument and result conversion shared by every exported function.

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use moveworks::{Error, ErrorKind};

/// A marker type whose pointers really point at `Inner`.
pub(crate) trait Handle {
    type Inner;
}

/// Borrows the object behind a handle; NULL is an invalid argument named `name`.
pub(crate) unsafe fn borrow<'a, H: Handle>(p: *const H, name: &str) -> Result<&'a H::Inner, Error> {
    (p as *const H::Inner).as_ref().ok_or_else(|| Error::invalid_argument(name, "must not be NULL"))
}

/// Mutably borrows the object behind a handle (iterators).
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(p: *mut H, name: &str) -> Result<&'a mut H::Inner, Error> {
    (p as *mut H::Inner).as_mut().ok_or_else(|| Error::invalid_argument(name, "must not be NULL"))
}

/// Moves `value` to the heap and hands ownership to C.
pub(crate) fn into_handle<H: Handle>(value: H::Inner) -> *mut H {
    Box::into_raw(Box::new(value)) as *mut H
}

/// A borrowed handle pointing into a parent object.
pub(crate) fn borrowed<H: Handle>(value: &H::Inner) -> *const H {
    value as *const H::Inner as *const H
}

/// Takes back ownership from C and drops; NULL is a no-op.
pub(crate) unsafe fn free_handle<H: Handle>(p: *mut H) {
    if !p.is_null() {
        // Dropping core types does not panic, but nothing may unwind into C.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(Box::from_raw(p as *mut H::Inner))));
    }
}

/// Reads a required string argument.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::invalid_argument(name, "must not be NULL"));
    }
    CStr::from_ptr(p).to_str().map_err(|_| Error::invalid_argument(name, "is not valid UTF-8"))
}

/// Reads an optional string argument (NULL = absent).
pub(crate) unsafe fn opt_str<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        Ok(None)
    } else {
        arg_str(p, name).map(Some)
    }
}

/// Checks an out-parameter and returns it writable. Bind it before computing the value:
/// in `*out(p)? = value` Rust evaluates `value` first, which would leak it when `p` is NULL.
pub(crate) unsafe fn out<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T, Error> {
    p.as_mut().ok_or_else(|| Error::invalid_argument(name, "must not be NULL"))
}

/// Copies `s` into a malloc'ed NUL-terminated buffer owned by C (freed by mw_string_free).
///
/// THE one NUL policy of every string this library returns: C cannot hold an interior
/// NUL, so each one becomes U+FFFD (the bytes EF BF BD). The C string then always holds
/// the whole text and can never read as another, shorter value (an unknown event named
/// `"RESPONSE_CREATED\0X"` reads as `"RESPONSE_CREATED\u{FFFD}X"`, never as a known name).
pub(crate) fn alloc_string(s: &str) -> *mut c_char {
    let owned;
    let s = if s.contains('\0') {
        owned = s.replace('\0', "\u{FFFD}");
        owned.as_str()
    } else {
        s
    };
    // SAFETY: malloc'ed len+1 bytes, fully initialised below.
    unsafe {
        let p = libc::malloc(s.len() + 1) as *mut u8;
        if p.is_null() {
            std::alloc::handle_alloc_error(std::alloc::Layout::array::<u8>(s.len() + 1).unwrap());
        }
        ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        *p.add(s.len()) = 0;
        p as *mut c_char
    }
}

/// Writes an optional string result: a new C string, or NULL when absent.
pub(crate) fn set_opt_string(out: &mut *mut c_char, s: Option<&str>) {
    *out = s.map_or(ptr::null_mut(), alloc_string);
}

/// A C string for text that may contain NUL (which C cannot represent): NULs become
/// U+FFFD, the same policy as [`alloc_string`] (for the strings an mw_error holds).
pub(crate) fn cstring_lossy(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

/// Serializes a model to its wire JSON with the core's serializer.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::new(ErrorKind::Decode, format!("could not encode JSON: {e}")))
}

/// An answer's headers as a JSON object, names sorted (the `http_headers_json` accessors).
pub(crate) fn headers_json(headers: &std::collections::HashMap<String, String>) -> String {
    let sorted: std::collections::BTreeMap<&String, &String> = headers.iter().collect();
    serde_json::to_string(&sorted).unwrap_or_default()
}

/// Parses wire JSON with the core's deserializer.
pub(crate) unsafe fn from_json<T: serde::de::DeserializeOwned>(json: *const c_char, what: &str) -> Result<T, Error> {
    let text = arg_str(json, "json")?;
    serde_json::from_str(text).map_err(|e| Error::new(ErrorKind::Decode, format!("could not decode {what}: {e}")))
}

/// Frees a string returned by this library. NULL is allowed (no-op).
#[no_mangle]
pub unsafe extern "C" fn mw_string_free(string: *mut c_char) {
    // Strings are malloc'ed by alloc_string; free(NULL) is a no-op.
    libc::free(string as *mut libc::c_void);
}

/// The SDK version, e.g. "0.1.0". A static string: never free it.
#[no_mangle]
pub extern "C" fn mw_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}
