//! Which generation of the Conversations API a client talks to ([`ApiVersion`]),
//! decided once from the `api_version` and `base_url` options, and the hosts Moveworks
//! runs it on ([`KNOWN_HOSTS`]).

use std::fmt;

use url::Url;

use crate::error::{Error, Result};

/// The origin of Moveworks' US production API.
pub const DEFAULT_ORIGIN: &str = "https://api.moveworks.ai";

/// The data-center hosts of the Conversations API (`https://` + host + the generation's
/// path, e.g. `https://api.am-eu-central.moveworks.ai/rest/v1`), as Moveworks' own demo
/// app lists them. `api.moveworks.ai` serves US production only; a request to the wrong
/// data center answers 404 (or `invalid_audience`). Ask your Moveworks account team
/// which host is yours.
pub const KNOWN_HOSTS: &[&str] = &[
    "api.moveworks.ai",
    "api.am-ca-central.moveworks.ai",
    "api.am-eu-central.moveworks.ai",
    "api.am-ap-southeast.moveworks.ai",
    "api.moveworksgov.ai",
    "api.jp.moveworks.com",
    "api.uk.moveworks.com",
    "api.prod4.us.moveworks.com",
    "api.prod3.us.moveworks.com",
];

/// A generation of the Conversations API.
///
/// The generation decides the base path, the create-response input a plain string
/// becomes (see [`Input`](crate::Input)) and which calls exist (forms and get-event are
/// `rest/v1` only). Both trace headers (`x-trace-id`, `x-moveworks-root-uuid`) are read
/// on either generation.
// Not a uniffi type: bindings pass the option's string, which the core parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApiVersion {
    /// `rest/v1`, the current "Conversations API" (Controlled Availability): per-user
    /// bearers, buttons, forms, live agents. The default.
    #[default]
    V1,
    /// `rest/v1beta1`, the (Beta) Conversations API, listed by Moveworks with its
    /// deprecated APIs.
    V1Beta1,
}

impl ApiVersion {
    /// Every generation, newest first.
    pub const ALL: [ApiVersion; 2] = [ApiVersion::V1, ApiVersion::V1Beta1];

    /// The option value, `"v1"` or `"v1beta1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V1Beta1 => "v1beta1",
        }
    }

    /// The base path under a host, `/rest/v1` or `/rest/v1beta1`.
    pub fn path(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/rest/v1",
            ApiVersion::V1Beta1 => "/rest/v1beta1",
        }
    }

    /// Parses an option value (`"v1"`, `"v1beta1"`; ASCII case ignored);
    /// anything else is `invalid_argument` naming `api_version`.
    pub fn parse(value: &str) -> Result<ApiVersion> {
        ApiVersion::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(value.trim())).ok_or_else(|| {
            Error::invalid_argument("api_version", format_args!("{value:?} is not \"v1\" or \"v1beta1\""))
        })
    }

    /// The generation a base URL's path names (`…/rest/v1` or `…/rest/v1beta1`, a
    /// trailing slash allowed), if it names one.
    pub fn of_path(path: &str) -> Option<ApiVersion> {
        let path = path.strip_suffix('/').unwrap_or(path);
        ApiVersion::ALL.into_iter().find(|v| path.ends_with(v.path()))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The base URL and generation a client uses, from its `base_url` and `api_version`
/// options (the one rule, for every language):
/// - a base URL whose path ends in `/rest/v1` or `/rest/v1beta1` names its generation;
///   an `api_version` that disagrees is `invalid_argument` (`"api_version/base_url"`);
/// - a base URL with no path (`https://api.am-eu-central.moveworks.ai`) gets the
///   generation's path appended;
/// - any other path (a gateway's, say) is used as given, with the generation of
///   `api_version` (default v1);
/// - no base URL: [`DEFAULT_ORIGIN`] + the generation's path.
pub(crate) fn resolve(base_url: Option<Url>, api_version: Option<ApiVersion>) -> Result<(Url, ApiVersion)> {
    let Some(mut url) = base_url else {
        let version = api_version.unwrap_or_default();
        let url = Url::parse(&format!("{DEFAULT_ORIGIN}{}", version.path())).expect("the default base URL parses");
        return Ok((url, version));
    };
    match (ApiVersion::of_path(url.path()), api_version) {
        (Some(named), Some(asked)) if named != asked => Err(Error::invalid_argument(
            "api_version/base_url",
            format_args!(
                "base_url {:?} names {named} but api_version is {asked:?}; drop one, or make them agree",
                url.as_str(),
                asked = asked.as_str()
            ),
        )),
        (Some(named), _) => Ok((url, named)),
        (None, asked) => {
            let version = asked.unwrap_or_default();
            if url.path() == "/" || url.path().is_empty() {
                url.set_path(version.path());
            }
            Ok((url, version))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(base: Option<&str>, version: Option<ApiVersion>) -> Result<(String, ApiVersion)> {
        resolve(base.map(|b| Url::parse(b).unwrap()), version).map(|(u, v)| (u.to_string(), v))
    }

    #[test]
    fn the_base_url_rule() {
        use ApiVersion::*;
        assert_eq!(go(None, None).unwrap(), ("https://api.moveworks.ai/rest/v1".into(), V1));
        assert_eq!(go(None, Some(V1Beta1)).unwrap(), ("https://api.moveworks.ai/rest/v1beta1".into(), V1Beta1));
        assert_eq!(
            go(Some("https://api.uk.moveworks.com"), None).unwrap(),
            ("https://api.uk.moveworks.com/rest/v1".into(), V1)
        );
        assert_eq!(
            go(Some("https://api.uk.moveworks.com/"), Some(V1Beta1)).unwrap(),
            ("https://api.uk.moveworks.com/rest/v1beta1".into(), V1Beta1)
        );
        assert_eq!(go(Some("http://127.0.0.1:9/rest/v1beta1"), None).unwrap().1, V1Beta1);
        assert_eq!(go(Some("http://127.0.0.1:9/rest/v1/"), Some(V1)).unwrap().1, V1);
        assert_eq!(
            go(Some("https://gw.example/moveworks"), None).unwrap(),
            ("https://gw.example/moveworks".into(), V1)
        );
        let e = go(Some("http://127.0.0.1:9/rest/v1beta1"), Some(V1)).unwrap_err();
        assert_eq!(e.argument(), Some("api_version/base_url"));
        let e = go(Some("http://127.0.0.1:9/rest/v1"), Some(V1Beta1)).unwrap_err();
        assert_eq!(e.argument(), Some("api_version/base_url"));
    }

    #[test]
    fn option_values() {
        assert_eq!(ApiVersion::parse("v1").unwrap(), ApiVersion::V1);
        assert_eq!(ApiVersion::parse("V1Beta1").unwrap(), ApiVersion::V1Beta1);
        assert_eq!(ApiVersion::parse("v2").unwrap_err().argument(), Some("api_version"));
        assert_eq!(ApiVersion::of_path("/rest/v1beta1/"), Some(ApiVersion::V1Beta1));
        assert_eq!(ApiVersion::of_path("/rest/v1"), Some(ApiVersion::V1));
        assert_eq!(ApiVersion::of_path("/assistant/v1"), None);
        assert!(KNOWN_HOSTS.iter().all(|h| Url::parse(&format!("https://{h}/rest/v1")).is_ok()));
    }
}
