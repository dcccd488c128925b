//! Small encoders the simulator needs: identifiers, timestamps, base64, URL decoding.
//!
//! Written by hand because each is a few lines and the crate should stay light.

use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A random base-62 identifier with a resource prefix, shaped like the real
/// API's ids (`conv_32bt7BMLhLyVzTUjfi35N`).
pub(crate) fn random_id(prefix: &str) -> String {
    format!("{prefix}{}", random_base62(21))
}

/// `len` random base-62 characters.
pub(crate) fn random_base62(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| BASE62[rng.random_range(0..BASE62.len())] as char).collect()
}

/// An opaque feedback callback id, shaped like the reference page's example
/// (`eyJhY3Rpb24iOiJoZWxwZnVsIi4uLn0`, base64url of a small JSON object): the
/// rating and a random nonce, base64url-encoded without padding.
pub(crate) fn callback_id(rating: &str) -> String {
    let json = format!("{{\"action\":\"{rating}\",\"nonce\":\"{}\"}}", random_base62(16));
    base64url_encode(json.as_bytes())
}

/// An event id that sorts lexicographically in creation order, so a plain
/// string comparison implements `starting_after` / `ending_at`.
/// Decimal digits are a subset of base 62 and compare the same in every
/// collation a client might use.
pub(crate) fn event_id(seq: u64) -> String {
    format!("evt_{seq:020}")
}

/// A fresh UUID-v4-format string for `x-moveworks-root-uuid`.
pub(crate) fn uuid_v4() -> String {
    let mut bytes: [u8; 16] = rand::rng().random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// RFC 3339 UTC with millisecond precision, e.g. `2025-01-20T10:00:00.123Z`.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The IMF-fixdate form HTTP uses in `Date` headers.
pub(crate) fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

const B64_URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url, used to make cursors opaque and URL-safe.
pub(crate) fn base64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64_URL[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes base64 in either the URL-safe or the standard alphabet, with or
/// without padding; `None` on any malformed input.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone trailing character carries fewer than 8 bits: not valid base64.
    (bits < 6).then_some(out)
}

/// Percent-decodes a URL component; `plus_as_space` for query strings and
/// form bodies (`application/x-www-form-urlencoded`).
pub(crate) fn percent_decode(text: &str, plus_as_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Parses `a=1&b=2` into decoded pairs, keeping their order.
pub(crate) fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for input in [&b""[..], b"a", b"ab", b"abc", b"abcd", b"\xff\xfe\x00 cursor|1"] {
            let encoded = base64url_encode(input);
            assert!(!encoded.contains('='));
            assert_eq!(base64_decode(&encoded).as_deref(), Some(input));
        }
        assert_eq!(base64_decode("c2FuZGJveA==").unwrap(), b"sandbox");
        assert!(base64_decode("a").is_none());
        assert!(base64_decode("ab$c").is_none());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a%20b+c", false), "a b+c");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_decode("caf%C3%A9", false), "café");
        assert_eq!(
            parse_form("grant_type=client_credentials&client_id=a%2Bb&x"),
            vec![
                ("grant_type".into(), "client_credentials".into()),
                ("client_id".into(), "a+b".into()),
                ("x".into(), String::new()),
            ]
        );
    }

    #[test]
    fn ids_and_times() {
        assert!(event_id(9) < event_id(10));
        let id = random_id("conv_");
        assert_eq!(id.len(), 26);
        let uuid = uuid_v4();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        let t = DateTime::parse_from_rfc3339("2025-01-20T10:00:00.123456Z").unwrap().with_timezone(&Utc);
        assert_eq!(timestamp(t), "2025-01-20T10:00:00.123Z");
        assert_eq!(http_date(t), "Mon, 20 Jan 2025 10:00:00 GMT");
    }
}
