//! Request URLs: percent-encoded path segments and query pairs joined onto the
//! base URL as strings (the hot path), checked against the `url` crate in tests.

/// Bytes percent-encoded in a path segment: what `url`'s `path_segments_mut` encodes
/// for http(s) URLs (controls, space, `"#<>?`{}/%\`, and every non-ASCII byte).
fn encode_segment(out: &mut String, segment: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in segment.as_bytes() {
        if b <= b' ' || b >= 0x7f || b"\"#<>?`{}/%\\".contains(&b) {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push(b as char);
        }
    }
}

/// `base` plus percent-encoded `segments` and the present query pairs, as
/// `Url::path_segments_mut` and `query_pairs_mut` would build it. Built as a string
/// (the base URL has no query or fragment, checked at build time): cloning and
/// re-parsing a `Url` cost more than the rest of a call's own work.
pub(crate) fn join_url(base: &str, segments: &[&str], query: &[(&str, Option<String>)]) -> String {
    // Like `pop_if_empty`: a trailing slash is an empty last segment.
    let base = base.strip_suffix('/').unwrap_or(base);
    let mut url = String::with_capacity(base.len() + 16 + segments.iter().map(|s| s.len() + 1).sum::<usize>());
    url.push_str(base);
    for segment in segments {
        url.push('/');
        encode_segment(&mut url, segment);
    }
    if query.iter().any(|(_, v)| v.is_some()) {
        url.push('?');
        let start = url.len();
        let mut q = url::form_urlencoded::Serializer::for_suffix(url, start);
        for (k, v) in query {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        url = q.finish();
    }
    url
}

/// The path of an absolute URL, for log lines.
pub(crate) fn path_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::http;
    use url::Url;

    /// What the `Url`-based construction this replaced produced.
    fn with_url_crate(base: &str, segments: &[&str], query: &[(&str, Option<String>)]) -> String {
        let mut url = Url::parse(base).unwrap();
        url.path_segments_mut().unwrap().pop_if_empty().extend(segments);
        let pairs: Vec<_> = query.iter().filter_map(|(k, v)| v.as_ref().map(|v| (*k, v))).collect();
        if !pairs.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k, v);
            }
        }
        url.into()
    }

    #[test]
    fn join_url_matches_the_url_crate() {
        let queries: [&[(&str, Option<String>)]; 3] = [
            &[],
            &[("cursor", None), ("limit", Some("5".into()))],
            &[("cursor", Some("a b&c=d/é".into())), ("archived", Some("true".into()))],
        ];
        for base in ["http://127.0.0.1:8080/rest/v1beta1", "https://api.example.com/rest/v1beta1/", "https://h"] {
            for segments in [
                &["conversations"][..],
                &["conversations", "conv_AbC-12_3"],
                &["conversations", "ü \"<>`{}|^[]!$&'()*+,;=:@~", "responses", "r\u{1F600}"],
            ] {
                for query in queries {
                    let got = join_url(base, segments, query);
                    assert_eq!(got, with_url_crate(base, segments, query), "{base} {segments:?} {query:?}");
                    assert!(http::Uri::try_from(got.as_str()).is_ok(), "{got}");
                }
            }
        }
    }

    #[test]
    fn path_of_strips_origin_and_query() {
        assert_eq!(path_of("http://127.0.0.1:1/rest/v1beta1/conversations?limit=1"), "/rest/v1beta1/conversations");
        assert_eq!(path_of("https://h"), "/");
    }
}
