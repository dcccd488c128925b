//! [`HttpHeaders`]: an answer's headers, kept as received and read on demand.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use ureq::http::HeaderMap;

/// The headers of the HTTP answer a value or error came from.
///
/// Shared (cloning is a reference count) and converted only when read: a call pays
/// nothing for headers nobody looks at. Names are case-insensitive; a repeated header
/// reads as its values joined with `, `. Bindings hand them over as a map of lowercase
/// names (`to_map`); Kotlin and Swift see `Map<String, String>` / `[String: String]`.
#[derive(Clone, Default)]
pub struct HttpHeaders(Arc<HeaderMap>);

impl HttpHeaders {
    pub(crate) fn new(headers: HeaderMap) -> HttpHeaders {
        HttpHeaders(Arc::new(headers))
    }

    /// The value of `name` (any case), repeated values joined with `, `; `None` when
    /// absent or not valid text.
    pub fn get(&self, name: &str) -> Option<String> {
        let mut values = self.0.get_all(name).iter().filter_map(|v| v.to_str().ok());
        let mut joined = values.next()?.to_owned();
        for value in values {
            joined.push_str(", ");
            joined.push_str(value);
        }
        Some(joined)
    }

    /// Every header as `(lowercase name, value)`, a repeated header once per value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
    }

    /// How many header values there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each header once, as `(lowercase name, value)`, a repeated header's values joined
    /// with `, ` (as [`get`](Self::get) reads them): what every binding's map holds.
    pub fn joined(&self) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
        // `HeaderMap` yields a name's values one after the other.
        let mut values = self.iter().peekable();
        std::iter::from_fn(move || {
            let (name, first) = values.next()?;
            let mut value = Cow::Borrowed(first);
            while let Some((_, more)) = values.next_if(|(next, _)| *next == name) {
                let value = value.to_mut();
                value.push_str(", ");
                value.push_str(more);
            }
            Some((name, value))
        })
    }

    /// Lowercase names to values (repeated values joined with `, `).
    pub fn to_map(&self) -> HashMap<String, String> {
        self.joined().map(|(name, value)| (name.to_owned(), value.into_owned())).collect()
    }

    /// [`joined`](Self::joined) as text, a `name:value` line ending in `\n` per header:
    /// names cannot hold `:` and values cannot hold a line break, so a binding splits it
    /// back into its map with nothing to decide ([`from_lines`](Self::from_lines) here).
    pub fn to_lines(&self) -> String {
        let mut out = String::with_capacity(self.iter().map(|(name, value)| name.len() + value.len() + 3).sum());
        for (name, value) in self.joined() {
            out.push_str(name);
            out.push(':');
            out.push_str(&value);
            out.push('\n');
        }
        out
    }

    /// Headers from [`to_lines`](Self::to_lines)' text; a line that is not a valid header is skipped.
    pub fn from_lines(lines: &str) -> HttpHeaders {
        HttpHeaders::from_pairs(lines.split('\n').filter_map(|line| line.split_once(':')))
    }

    /// Headers from a map (e.g. a record built by hand in a binding); invalid entries are skipped.
    pub fn from_map(map: HashMap<String, String>) -> HttpHeaders {
        HttpHeaders::from_pairs(map.iter().map(|(name, value)| (name.as_str(), value.as_str())))
    }

    fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> HttpHeaders {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            if let (Ok(n), Ok(v)) =
                (ureq::http::HeaderName::from_bytes(name.as_bytes()), ureq::http::HeaderValue::from_str(value))
            {
                headers.append(n, v);
            }
        }
        HttpHeaders::new(headers)
    }
}

impl fmt::Debug for HttpHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for HttpHeaders {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.to_map() == other.to_map()
    }
}

// Crosses to Kotlin/Swift as one string, `name:value` lines (see `to_lines`), which
// their `httpHeadersLift` / `httpHeadersLower` (crates/moveworks/uniffi.toml) turn into
// and from a map of lowercase names. One string instead of uniffi's map of strings:
// every value returned carries its answer's headers, and a map cost more to write here
// and to read there than the rest of a typical call's conversion (callgrind, Swift).
#[cfg(feature = "uniffi")]
uniffi::custom_type!(HttpHeaders, String, {
    lower: |h| h.to_lines(),
    try_lift: |lines| Ok(HttpHeaders::from_lines(&lines)),
});

#[cfg(test)]
mod tests {
    use super::*;

    /// `(name, value)` pairs as received, repeats included.
    fn headers(pairs: &[(&'static str, &str)]) -> HttpHeaders {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        HttpHeaders::new(map)
    }

    #[test]
    fn reads_any_case_and_joins_repeats() {
        let h = headers(&[("X-Trace-Id", "a"), ("vary", "accept"), ("vary", "origin")]);
        assert_eq!(h.get("x-trace-id").as_deref(), Some("a"));
        assert_eq!(h.get("Vary").as_deref(), Some("accept, origin"));
        assert_eq!(h.get("absent"), None);
        assert_eq!(h.to_map().get("vary").map(String::as_str), Some("accept, origin"));
        assert_eq!(h.len(), 3);
        assert_eq!(HttpHeaders::from_map(h.to_map()), h);
    }

    #[test]
    fn lines_round_trip_repeats_colons_and_empty_values() {
        let h = headers(&[
            ("X-Trace-Id", "a"),
            ("vary", "accept"),
            ("vary", "origin"),
            ("link", "<https://x.example/a:b>; rel=next"),
            ("x-empty", ""),
        ]);
        let lines = h.to_lines();
        assert!(lines.contains("vary:accept, origin\n"), "{lines}");
        assert_eq!(lines.lines().count(), 4, "{lines}");
        let back = HttpHeaders::from_lines(&lines);
        assert_eq!(back.to_map(), h.to_map());
        assert_eq!(back.len(), 4, "one value per name once joined");
        assert_eq!(back.get("link").as_deref(), Some("<https://x.example/a:b>; rel=next"));
        assert_eq!(HttpHeaders::from_lines("").len(), 0);
        assert_eq!(HttpHeaders::from_lines("no colon\nbad name:x\nok:1").to_map().len(), 1);
    }
}
