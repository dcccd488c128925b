//! Which proxy a client uses: the `proxy` option, or the environment with curl's
//! rules (`https_proxy`/`HTTPS_PROXY`, `http_proxy`, `all_proxy`/`ALL_PROXY`,
//! `no_proxy`/`NO_PROXY` with suffix and CIDR entries), decided once per client.

use std::net::IpAddr;

use url::{Host, Url};

use crate::error::{Error, Result};

/// Where a proxy setting came from, for messages and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Option,
    Env(&'static str),
}

/// The proxy a client's requests go through, with the hosts that bypass it.
#[derive(Debug)]
pub(crate) struct ProxyPlan {
    pub(crate) proxy: Option<ureq::Proxy>,
    /// The proxy URL with its credentials redacted, for logs (`None`: direct).
    pub(crate) display: Option<String>,
}

/// Decides the proxy for a client whose requests go to `targets` (the API base URL
/// and, with OAuth, the token URL). `option` wins over the environment; with
/// `from_env` false the environment is ignored.
pub(crate) fn plan(option: Option<&str>, from_env: bool, targets: &[&Url]) -> Result<ProxyPlan> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let (raw, source) = match option {
        Some(p) => (p.to_owned(), Source::Option),
        None if !from_env => return Ok(ProxyPlan { proxy: None, display: None }),
        None => {
            // curl: the scheme's variable (only lowercase `http_proxy`, which a CGI
            // request's `Proxy:` header cannot set), then `all_proxy`.
            let https = targets.iter().any(|u| u.scheme() == "https");
            let names: &[&'static str] = if https {
                &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
            } else {
                &["http_proxy", "all_proxy", "ALL_PROXY"]
            };
            match names.iter().find_map(|n| env(n).map(|v| (v, *n))) {
                Some((v, n)) => (v, Source::Env(n)),
                None => return Ok(ProxyPlan { proxy: None, display: None }),
            }
        }
    };
    let no_proxy = env("no_proxy").or_else(|| env("NO_PROXY")).unwrap_or_default();
    // An explicit proxy option is used for every host; NO_PROXY applies to the environment's.
    let bypassed: Vec<&Url> = match source {
        Source::Option => Vec::new(),
        Source::Env(_) => targets.iter().copied().filter(|u| bypasses(&no_proxy, u)).collect(),
    };
    if !targets.is_empty() && bypassed.len() == targets.len() {
        return Ok(ProxyPlan { proxy: None, display: None });
    }
    let proxy = build(&raw, source, &bypassed)?;
    Ok(ProxyPlan { proxy: Some(proxy), display: Some(redact_url(&raw)) })
}

fn argument(source: Source) -> &'static str {
    match source {
        Source::Option => "proxy",
        Source::Env(name) => name,
    }
}

fn build(raw: &str, source: Source, bypassed: &[&Url]) -> Result<ureq::Proxy> {
    use ureq::ProxyProtocol;
    let arg = argument(source);
    // Like curl, a proxy without a scheme is http.
    let with_scheme = if raw.contains("://") { raw.to_owned() } else { format!("http://{raw}") };
    // Never quote the value: it may hold credentials.
    let url = Url::parse(&with_scheme).map_err(|e| Error::invalid_argument(arg, format_args!("is not a URL ({e})")))?;
    let protocol = match url.scheme() {
        "http" => ProxyProtocol::Http,
        "https" => ProxyProtocol::Https,
        "socks5" => ProxyProtocol::Socks5,
        "socks5h" => ProxyProtocol::Socks5h,
        "socks4" => ProxyProtocol::Socks4,
        "socks4a" => ProxyProtocol::Socks4A,
        other => {
            return Err(Error::invalid_argument(
                arg,
                format_args!("has unsupported scheme {other:?} (use http, https, socks5 or socks5h)"),
            ))
        }
    };
    let host = match url.host() {
        Some(Host::Ipv6(ip)) => ip.to_string(),
        Some(h) => h.to_string(),
        None => return Err(Error::invalid_argument(arg, "has no host")),
    };
    let decode = |s: &str| percent_encoding_decode(s);
    let mut builder = ureq::Proxy::builder(protocol).host(&host);
    if let Some(port) = url.port_or_known_default() {
        builder = builder.port(port);
    }
    if !url.username().is_empty() {
        builder = builder.username(&decode(url.username()));
    }
    if let Some(password) = url.password() {
        builder = builder.password(&decode(password));
    }
    for target in bypassed {
        if let Some(h) = target.host_str() {
            builder = builder.no_proxy(h);
        }
    }
    // ureq's own error text may quote the URL; ours names only the argument.
    builder.build().map_err(|_| Error::invalid_argument(arg, "is not a valid proxy URL"))
}

fn percent_encoding_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Whether `target` bypasses the proxy under a `NO_PROXY` value, with curl's rules:
/// comma-separated entries; `*` alone matches every host; a name matches itself and
/// its subdomains (a leading `.` or `*.` is ignored); an IP address matches itself,
/// and `address/bits` matches a CIDR range (IPv4 or IPv6). A `:port` on an entry is
/// ignored. Loopback is not bypassed unless listed (as with curl).
pub fn bypasses(no_proxy: &str, target: &Url) -> bool {
    let host = match target.host() {
        Some(Host::Domain(d)) => HostKind::Name(d.trim_end_matches('.').to_ascii_lowercase()),
        Some(Host::Ipv4(ip)) => HostKind::Ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => HostKind::Ip(IpAddr::V6(ip)),
        None => return false,
    };
    no_proxy.split([',', ' ']).map(str::trim).filter(|e| !e.is_empty()).any(|entry| matches(entry, &host))
}

enum HostKind {
    Name(String),
    Ip(IpAddr),
}

fn matches(entry: &str, host: &HostKind) -> bool {
    if entry == "*" {
        return true;
    }
    let entry = entry.strip_prefix("*.").or_else(|| entry.strip_prefix('.')).unwrap_or(entry);
    // `[::1]`, `[::1]:443`, `host:443`, `10.0.0.0/8`, `::1`.
    let bare = if let Some(rest) = entry.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest).to_owned()
    } else if entry.matches(':').count() == 1 {
        entry.split(':').next().unwrap_or(entry).to_owned()
    } else {
        entry.to_owned()
    };
    match host {
        HostKind::Ip(ip) => match bare.split_once('/') {
            Some((net, bits)) => match (net.parse::<IpAddr>(), bits.parse::<u8>()) {
                (Ok(net), Ok(bits)) => in_cidr(*ip, net, bits),
                _ => false,
            },
            None => bare.parse::<IpAddr>().is_ok_and(|e| e == *ip),
        },
        HostKind::Name(name) => {
            let bare = bare.trim_end_matches('.').to_ascii_lowercase();
            !bare.is_empty()
                && (*name == bare
                    || (name.len() > bare.len() && name.ends_with(&bare) && {
                        name.as_bytes()[name.len() - bare.len() - 1] == b'.'
                    }))
        }
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// A URL with any `user:password@` replaced by `[redacted]@`, for printing a proxy
/// setting; text that does not parse as a URL is redacted the same way by position.
pub fn redact_url(raw: &str) -> String {
    let (scheme, rest) = match raw.find("://") {
        Some(i) => (&raw[..i + 3], &raw[i + 3..]),
        None => ("", raw),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}[redacted]{}", &rest[at..]),
        None => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn no_proxy_follows_curls_rules() {
        let cases = [
            ("*", "https://api.moveworks.ai/x", true),
            ("moveworks.ai", "https://api.moveworks.ai/x", true),
            ("moveworks.ai", "https://moveworks.ai/x", true),
            (".moveworks.ai", "https://api.moveworks.ai/x", true),
            ("*.moveworks.ai", "https://api.moveworks.ai/x", true),
            ("works.ai", "https://api.moveworks.ai/x", false),
            ("example.com, api.moveworks.ai", "https://API.Moveworks.ai/x", true),
            ("10.0.0.0/8", "https://10.1.2.3/x", true),
            ("10.0.0.0/8", "https://11.1.2.3/x", false),
            ("127.0.0.1", "http://127.0.0.1:8080/x", true),
            ("localhost", "http://127.0.0.1:8080/x", false),
            ("::1", "http://[::1]:8080/x", true),
            ("[::1]:8080", "http://[::1]:8080/x", true),
            ("fd00::/8", "http://[fd12::1]/x", true),
            ("api.moveworks.ai:443", "https://api.moveworks.ai/x", true),
            ("", "https://api.moveworks.ai/x", false),
        ];
        for (no_proxy, target, expected) in cases {
            assert_eq!(bypasses(no_proxy, &url(target)), expected, "NO_PROXY={no_proxy:?} target={target}");
        }
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(redact_url("http://user:pa%40ss@proxy:3128"), "http://[redacted]@proxy:3128");
        assert_eq!(redact_url("socks5://u@p:1080/"), "socks5://[redacted]@p:1080/");
        assert_eq!(redact_url("user:secret@proxy:3128"), "[redacted]@proxy:3128");
        assert_eq!(redact_url("http://proxy:3128"), "http://proxy:3128");
    }

    #[test]
    fn a_bad_proxy_is_refused_without_echoing_it() {
        let e = plan(Some("ftp://user:secret@proxy"), true, &[&url("https://a.example/")]).unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert_eq!(e.argument(), Some("proxy"));
        let ok = plan(Some("http://user:secret@proxy:3128"), true, &[&url("https://a.example/")]).unwrap();
        assert_eq!(ok.display.as_deref(), Some("http://[redacted]@proxy:3128"));
        assert!(!format!("{:?}", ok.proxy).contains("secret"));
    }
}
