//! Argument checks made before any request is sent, so bad input fails fast
//! with an [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
//! error and nothing user-supplied can change the request path.

use crate::error::{Error, Result};

/// Longest conversation title the API accepts, in characters.
pub const MAX_TITLE_CHARS: usize = 256;
/// Page size bounds of the list endpoints.
pub const LIMIT_RANGE: std::ops::RangeInclusive<u32> = 1..=100;

/// An id that becomes a path segment (conversation id, response id) or an
/// event-id bound: no path, query or fragment delimiters, no escapes, no
/// whitespace or control characters, and not a dot segment.
pub fn id(argument: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_argument(argument, "must not be empty"));
    }
    if value == "." || value == ".." {
        return Err(Error::invalid_argument(argument, "must not be a dot segment"));
    }
    if let Some(bad) =
        value.chars().find(|c| matches!(c, '/' | '?' | '#' | '%' | '\\') || c.is_whitespace() || c.is_control())
    {
        return Err(Error::invalid_argument(argument, format_args!("must not contain {bad:?}")));
    }
    Ok(())
}

/// An id the server sent that the SDK will put in a path (the response id it polls):
/// when unusable, a `decode` error naming `field` (a server fault, not the caller's).
pub(crate) fn server_id(field: &str, value: &str) -> Result<()> {
    id(field, value).map_err(|e| {
        Error::decode(field, format_args!("{value:?} is not a usable id: {}", e.message()), value.as_bytes())
    })
}

/// A conversation title: at most 256 characters (counted as characters, not bytes).
pub fn title(value: &str) -> Result<()> {
    let chars = value.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(Error::invalid_argument(
            "title",
            format_args!("is {chars} characters long; at most {MAX_TITLE_CHARS} are allowed"),
        ));
    }
    Ok(())
}

/// A page size: 1 to 100.
pub fn limit(value: Option<u32>) -> Result<()> {
    match value {
        Some(n) if !LIMIT_RANGE.contains(&n) => Err(Error::invalid_argument(
            "limit",
            format_args!("{n} is outside {}..={}", LIMIT_RANGE.start(), LIMIT_RANGE.end()),
        )),
        _ => Ok(()),
    }
}

/// A pagination cursor: opaque, but never empty or containing control characters.
pub fn cursor(value: Option<&str>) -> Result<()> {
    match value {
        Some("") => Err(Error::invalid_argument("cursor", "must not be empty (pass no cursor for the first page)")),
        Some(c) if c.chars().any(char::is_control) => {
            Err(Error::invalid_argument("cursor", "must not contain control characters"))
        }
        _ => Ok(()),
    }
}

/// The text of a user message: not empty or only whitespace.
pub fn message_text(value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_argument("text", "must not be empty"));
    }
    Ok(())
}

/// Longest `additional_feedback` submit feedback accepts, in characters.
pub const MAX_ADDITIONAL_FEEDBACK_CHARS: usize = 1000;

/// A feedback callback id: opaque and passed back exactly as received, so only
/// an empty one is refused (it cannot be a token the server issued).
pub fn callback_id(value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_argument(
            "callback_id",
            "must not be empty (take it from the message's feedback.helpful or feedback.unhelpful)",
        ));
    }
    Ok(())
}

/// Free-text feedback: at most 1,000 characters (counted as Unicode scalar values, not bytes).
pub fn additional_feedback(value: &str) -> Result<()> {
    let chars = value.chars().count();
    if chars > MAX_ADDITIONAL_FEEDBACK_CHARS {
        return Err(Error::invalid_argument(
            "additional_feedback",
            format_args!("is {chars} characters long; at most {MAX_ADDITIONAL_FEEDBACK_CHARS} are allowed"),
        ));
    }
    Ok(())
}

/// A header value supplied by the user (assistant name, token): non-empty, no
/// control characters (they could split headers).
pub fn header_value(argument: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_argument(argument, "must not be empty"));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(Error::invalid_argument(argument, "must not contain control characters"));
    }
    Ok(())
}

/// Longest accepted [`user_agent_suffix`], in characters.
pub const MAX_USER_AGENT_SUFFIX: usize = 256;

/// A `User-Agent` suffix: 1 to [`MAX_USER_AGENT_SUFFIX`] printable ASCII characters,
/// not only spaces. ASCII only, because header values outside it are not portable and
/// a control character (CR/LF) could split the request's headers.
pub fn user_agent_suffix(value: &str) -> Result<()> {
    const ARG: &str = "user_agent_suffix";
    if value.trim().is_empty() {
        return Err(Error::invalid_argument(ARG, "must not be empty"));
    }
    if value.len() > MAX_USER_AGENT_SUFFIX {
        return Err(Error::invalid_argument(ARG, format_args!("must be at most {MAX_USER_AGENT_SUFFIX} characters")));
    }
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(Error::invalid_argument(ARG, "must be printable ASCII (no control characters, CR or LF)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn ids_that_could_change_the_path_are_rejected() {
        for bad in ["", ".", "..", "a/b", "a?b", "a#b", "a%2Fb", "a b", "a\nb", "a\u{7}b", "a\\b", "\u{3000}x"] {
            let err = id("conversation_id", bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad:?}");
            assert_eq!(err.argument(), Some("conversation_id"));
        }
        id("conversation_id", "conv_32bt7BMLhLyVzTUjfi35N").unwrap();
    }

    #[test]
    fn titles_are_counted_in_characters() {
        title(&"é".repeat(256)).unwrap();
        assert!(title(&"é".repeat(257)).is_err());
    }

    #[test]
    fn feedback_arguments() {
        additional_feedback(&"é".repeat(1000)).unwrap();
        additional_feedback("").unwrap();
        let err = additional_feedback(&"é".repeat(1001)).unwrap_err();
        assert_eq!((err.kind(), err.argument()), (ErrorKind::InvalidArgument, Some("additional_feedback")));
        let err = callback_id("").unwrap_err();
        assert_eq!((err.kind(), err.argument()), (ErrorKind::InvalidArgument, Some("callback_id")));
        callback_id("eyJhY3Rpb24iOiJoZWxwZnVsIi4uLn0").unwrap();
    }

    #[test]
    fn limits_outside_1_to_100_are_rejected() {
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
        limit(Some(1)).unwrap();
        limit(Some(100)).unwrap();
        limit(None).unwrap();
    }
}
