//! When to retry and how long to wait.

use std::time::{Duration, SystemTime};

use rand::Rng;

use crate::error::ErrorKind;

/// How failed attempts are retried.
///
/// GET and PATCH (idempotent) are retried on connection failures, timeouts and
/// 408/429/500/502/503/504. POST is retried only when the request provably never
/// reached the server (the connection could not be made) or was refused with 429:
/// repeating an ambiguous `create_response` would ask the assistant twice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// Backoff before the first retry when the server gives no `Retry-After`.
    pub initial_backoff: Duration,
    /// Upper bound of the exponential backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one surfaces the error instead of waiting.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// HTTP statuses worth retrying.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Whether a failure of `kind` (with its HTTP `status`, if any) may succeed when tried
/// again: the one decision behind both the retry loop and [`Error::is_transient`], so
/// the flag an application reads never disagrees with what the client itself retried
/// (a 501 or 505 is not transient, a 408 is). Whether a retry is also *safe* (POST)
/// and whether the deadline left time for one are the retry loop's separate concerns.
///
/// [`Error::is_transient`]: crate::Error::is_transient
pub(crate) fn is_transient(kind: ErrorKind, status: Option<u16>) -> bool {
    match kind {
        ErrorKind::Connection | ErrorKind::Timeout => true,
        _ => status.is_some_and(is_retryable_status),
    }
}

impl RetryPolicy {
    /// Exponential backoff with jitter for retry number `retry` (1-based):
    /// `initial * 2^(retry-1)`, capped, then scaled by a random factor in
    /// [0.5, 1.0] so that many clients failing together do not retry together.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self.initial_backoff.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let capped = exp.min(self.max_backoff);
        capped.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

/// The longest wait a `Retry-After` can express here (about 136 years): every binding's
/// representation of a duration (i64 milliseconds, JS numbers, Kotlin/Swift) holds it.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(u32::MAX as u64);

/// Reads the server's requested wait from `retry-after-ms` (milliseconds) or
/// `Retry-After` (delta-seconds or an HTTP date), preferring the former.
pub fn parse_retry_after(retry_after_ms: Option<&str>, retry_after: Option<&str>, now: SystemTime) -> Option<Duration> {
    // A huge value such as `1e300` does not fit a Duration and must not panic (found by the fuzz
    // target `decode`): it saturates, so it still exceeds any `max_retry_after` and fails fast.
    let seconds =
        |v: f64| (v >= 0.0).then(|| Duration::try_from_secs_f64(v).unwrap_or(MAX_RETRY_AFTER).min(MAX_RETRY_AFTER));
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok()) {
        if ms.is_finite() {
            if let Some(wait) = seconds(ms / 1000.0) {
                return Some(wait);
            }
        }
    }
    let value = retry_after?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return if secs.is_finite() { seconds(secs) } else { None };
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(None, Some("3"), now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(Some("250"), Some("3"), now), Some(Duration::from_millis(250)));
        let in_ten = httpdate::fmt_http_date(now + Duration::from_secs(10));
        assert_eq!(parse_retry_after(None, Some(&in_ten), now), Some(Duration::from_secs(10)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(10));
        assert_eq!(parse_retry_after(None, Some(&past), now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(None, Some("soon"), now), None);
        assert_eq!(parse_retry_after(Some("-1"), None, now), None);
    }

    #[test]
    fn retry_after_too_large_for_a_duration_saturates_instead_of_panicking() {
        // Regression: the fuzz target `decode` found that `Retry-After: 1e300` panicked.
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(parse_retry_after(None, Some("1e300"), now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after(Some("1e300"), None, now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after(None, Some("inf"), now), None);
        assert_eq!(parse_retry_after(Some("NaN"), Some("2"), now), Some(Duration::from_secs(2)));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..Default::default()
        };
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let third = p.backoff(3);
            assert!(third >= Duration::from_millis(175) && third <= Duration::from_millis(350), "{third:?}");
        }
    }
}
