//! Host name resolution for the HTTP agent.
//!
//! ureq resolves the host before it looks for a pooled connection, so every call
//! would pay for a lookup whose result is only used when a new connection is
//! opened. With a timeout set (the SDK always sets one) its default resolver also
//! spawns a thread per lookup: on loopback that thread was most of a call's cost.
//! This resolver answers IP-literal hosts without any lookup and remembers a
//! name's addresses for [`TTL`], well under the usual DNS record lifetimes.

use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a name's resolved addresses are reused for new connections.
const TTL: Duration = Duration::from_secs(30);

/// Entries kept at most: an application talks to one API host and one token host.
const CAPACITY: usize = 8;

/// The agent's resolver: IP literals directly, names through ureq's resolver, cached.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<Vec<(String, Instant, ResolvedSocketAddrs)>>,
}

impl CachingResolver {
    fn literal(&self, uri: &Uri) -> Option<ResolvedSocketAddrs> {
        let host = uri.host()?;
        let ip: IpAddr = host.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("http") => Some(80),
            Some("https") => Some(443),
            _ => None,
        })?;
        let mut addrs = self.empty();
        addrs.push(SocketAddr::new(ip, port));
        Some(addrs)
    }
}

impl Resolver for CachingResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(addrs) = self.literal(uri) {
            return Ok(addrs);
        }
        let key = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        let now = Instant::now();
        {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, _, addrs)) = cache.iter().find(|(k, at, _)| k == key && now.duration_since(*at) < TTL) {
                return Ok(addrs.clone());
            }
        }
        // Looked up outside the lock, so one slow lookup does not hold up other hosts.
        let addrs = self.inner.resolve(uri, config, timeout)?;
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(k, at, _)| k != key && now.duration_since(*at) < TTL);
        if cache.len() >= CAPACITY {
            cache.remove(0);
        }
        cache.push((key.to_owned(), now, addrs.clone()));
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(r: &CachingResolver, uri: &str) -> Vec<SocketAddr> {
        let uri: Uri = uri.parse().unwrap();
        let config = Config::default();
        let timeout = NextTimeout {
            after: Duration::from_secs(5).into(),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        r.resolve(&uri, &config, timeout).unwrap().to_vec()
    }

    #[test]
    fn ip_literals_resolve_without_a_lookup_and_with_the_scheme_port() {
        let r = CachingResolver::default();
        assert_eq!(resolve(&r, "http://127.0.0.1:8080/x"), vec!["127.0.0.1:8080".parse().unwrap()]);
        assert_eq!(resolve(&r, "https://[::1]/x"), vec!["[::1]:443".parse().unwrap()]);
        assert_eq!(resolve(&r, "http://10.1.2.3/"), vec!["10.1.2.3:80".parse().unwrap()]);
        assert!(r.cache.lock().unwrap().is_empty(), "literals are never cached");
    }

    #[test]
    fn names_are_resolved_once_then_served_from_the_cache() {
        let r = CachingResolver::default();
        let first = resolve(&r, "http://localhost:9/");
        assert!(!first.is_empty() && first.iter().all(|a| a.ip().is_loopback() && a.port() == 9));
        assert_eq!(r.cache.lock().unwrap().len(), 1);
        assert_eq!(resolve(&r, "http://localhost:9/other"), first);
        assert_eq!(r.cache.lock().unwrap().len(), 1);
        resolve(&r, "http://localhost:10/");
        assert_eq!(r.cache.lock().unwrap().len(), 2, "another port is another entry");
    }
}
