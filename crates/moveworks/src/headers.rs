//! [`HttpHeaders`]: an answer's headers, kept as received and read on demand.

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
        let mut values = self.0.get_all(name).iter().filter_map(|v| v.to_str().ok()).peekable();
        values.peek()?;
        Some(values.collect::<Vec<_>>().join(", "))
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

    /// Lowercase names to values (repeated values joined with `, `).
    pub fn to_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::<String, String>::with_capacity(self.0.keys_len());
        for (name, value) in self.iter() {
            map.entry(name.to_owned())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(value);
                })
                .or_insert_with(|| value.to_owned());
        }
        map
    }

    /// Headers from a map (what a binding hands back, e.g. a Kotlin record built by hand).
    pub fn from_map(map: HashMap<String, String>) -> HttpHeaders {
        let mut headers = HeaderMap::with_capacity(map.len());
        for (name, value) in map {
            if let (Ok(n), Ok(v)) =
                (ureq::http::HeaderName::from_bytes(name.as_bytes()), ureq::http::HeaderValue::from_str(&value))
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

// Crosses to Kotlin/Swift as a map of lowercase names (converted when a value crosses).
#[cfg(feature = "uniffi")]
uniffi::custom_type!(HttpHeaders, HashMap<String, String>, {
    lower: |h| h.to_map(),
    try_lift: |m| Ok(HttpHeaders::from_map(m)),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_any_case_and_joins_repeats() {
        let mut map = HeaderMap::new();
        map.append("X-Trace-Id", "a".parse().unwrap());
        map.append("vary", "accept".parse().unwrap());
        map.append("vary", "origin".parse().unwrap());
        let h = HttpHeaders::new(map);
        assert_eq!(h.get("x-trace-id").as_deref(), Some("a"));
        assert_eq!(h.get("Vary").as_deref(), Some("accept, origin"));
        assert_eq!(h.get("absent"), None);
        assert_eq!(h.to_map().get("vary").map(String::as_str), Some("accept, origin"));
        assert_eq!(h.len(), 3);
        assert_eq!(HttpHeaders::from_map(h.to_map()), h);
    }
}
