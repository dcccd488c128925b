//! Per-call additions for fields the SDK does not know yet: `extra_headers`,
//! `extra_query` and `extra_body` (see [`RequestOptions`](crate::RequestOptions)).

use serde_json::{Map, Value};
use ureq::http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// Headers the SDK sets itself: an extra header may not replace them.
const OWNED_HEADERS: &[&str] = &[
    "authorization",
    "assistant-name",
    "proxy-authorization",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "content-type",
    "accept",
    "user-agent",
];

/// Checked extras, shared by every call of a client made by `with_options`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Extras {
    headers: HeaderMap,
    query: Vec<(String, String)>,
    body: Map<String, Value>,
}

impl Extras {
    /// Checks and adds `headers`, `query` and `body` over `self` (a later value of the same
    /// name replaces an earlier one).
    pub(crate) fn merged(
        &self,
        headers: &[(String, String)],
        query: &[(String, String)],
        body: Option<&Map<String, Value>>,
    ) -> Result<Extras> {
        let mut out = self.clone();
        for (name, value) in headers {
            let lower = name.to_ascii_lowercase();
            if OWNED_HEADERS.contains(&lower.as_str()) {
                return Err(Error::invalid_argument(
                    "extra_headers",
                    format_args!("may not set {name:?}: the SDK sets it (see the client options)"),
                ));
            }
            let header = HeaderName::from_bytes(lower.as_bytes())
                .map_err(|_| Error::invalid_argument("extra_headers", format_args!("{name:?} is not a header name")))?;
            crate::validate::header_value("extra_headers", value)?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid_argument("extra_headers", format_args!("the value of {name:?} is not valid"))
            })?;
            out.headers.insert(header, value);
        }
        for (name, value) in query {
            if name.is_empty() {
                return Err(Error::invalid_argument("extra_query", "a parameter name is empty"));
            }
            out.query.retain(|(n, _)| n != name);
            out.query.push((name.clone(), value.clone()));
        }
        if let Some(body) = body {
            for (k, v) in body {
                out.body.insert(k.clone(), v.clone());
            }
        }
        Ok(out)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.headers.is_empty() && self.query.is_empty() && self.body.is_empty()
    }

    /// `url` with the extra query parameters (replacing parameters of the same name).
    pub(crate) fn url(&self, url: &str) -> Result<String> {
        if self.query.is_empty() {
            return Ok(url.to_owned());
        }
        let mut parsed =
            url::Url::parse(url).map_err(|_| Error::invalid_argument("extra_query", "the URL is not valid"))?;
        let kept: Vec<(String, String)> = parsed
            .query_pairs()
            .filter(|(n, _)| !self.query.iter().any(|(q, _)| q == n))
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(kept.iter().chain(self.query.iter()));
        Ok(parsed.into())
    }

    /// The JSON `body` with the extra fields merged in at the top level (an extra field
    /// replaces the SDK's of the same name). A call without a body refuses `extra_body`.
    pub(crate) fn body(&self, body: Option<Vec<u8>>) -> Result<Option<Vec<u8>>> {
        if self.body.is_empty() {
            return Ok(body);
        }
        let Some(bytes) = body else {
            return Err(Error::invalid_argument("extra_body", "this call sends no body (use extra_query)"));
        };
        let mut value: Value = serde_json::from_slice(&bytes)
            .map_err(|_| Error::invalid_argument("extra_body", "the call's body is not a JSON object"))?;
        let Value::Object(map) = &mut value else {
            return Err(Error::invalid_argument("extra_body", "the call's body is not a JSON object"));
        };
        for (k, v) in &self.body {
            map.insert(k.clone(), v.clone());
        }
        Ok(Some(value.to_string().into_bytes()))
    }

    /// Adds the extra headers to a request's.
    pub(crate) fn apply_headers(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.headers {
            headers.insert(name, value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_headers_are_refused_and_others_merged() {
        let e = Extras::default().merged(&[("Authorization".into(), "Bearer x".into())], &[], None).unwrap_err();
        assert_eq!(e.argument(), Some("extra_headers"));
        assert!(!e.to_string().contains("Bearer x"), "{e}");
        let x = Extras::default()
            .merged(&[("X-Feature".into(), "a".into())], &[("limit".into(), "5".into())], None)
            .unwrap()
            .merged(&[("x-feature".into(), "b".into())], &[("new".into(), "1 2".into())], None)
            .unwrap();
        let mut h = HeaderMap::new();
        x.apply_headers(&mut h);
        assert_eq!(h.get("x-feature").unwrap(), "b");
        assert_eq!(x.url("http://h/p?limit=2&cursor=c").unwrap(), "http://h/p?cursor=c&limit=5&new=1+2");
    }

    #[test]
    fn extra_body_merges_at_the_top_level() {
        let mut extra = Map::new();
        extra.insert("metadata".into(), serde_json::json!({"k": 1}));
        let x = Extras::default().merged(&[], &[], Some(&extra)).unwrap();
        let body = x.body(Some(br#"{"input":{"text":"hi"}}"#.to_vec())).unwrap().unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            serde_json::json!({"input":{"text":"hi"},"metadata":{"k":1}})
        );
        assert_eq!(x.body(None).unwrap_err().argument(), Some("extra_body"));
    }
}
