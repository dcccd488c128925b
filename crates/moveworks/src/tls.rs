//! Which certificates a client trusts (`tls_roots`, `ca_certificates`), its own
//! certificate for mutual TLS, and TLS failures explained.
//!
//! | `tls_roots` | Linux, other Unix | macOS, iOS, Windows, Android |
//! | --- | --- | --- |
//! | `platform` (default) | the system bundle (`SSL_CERT_FILE`/`SSL_CERT_DIR`, else the distribution's paths, through rustls-native-certs); Mozilla's roots when none is found | the OS verifier (rustls-platform-verifier: Keychain / CryptoAPI / Android's store, company roots and revocation included) |
//! | `webpki` | Mozilla's roots compiled in | same |
//! | `custom-only` | only `ca_certificates` | same |
//!
//! `ca_certificates` adds to the roots. With `platform` on an Apple, Windows or
//! Android target, extra roots (or `SSL_CERT_FILE`/`SSL_CERT_DIR`) switch to the
//! roots rustls-native-certs reads from the OS plus Mozilla's (the platform
//! verifier takes no extra roots through ureq).

use std::sync::{Arc, OnceLock};

use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use crate::error::{Error, Result};

/// The values of `tls_roots`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TlsRoots {
    Platform,
    WebPki,
    CustomOnly,
}

impl TlsRoots {
    pub(crate) fn parse(value: &str) -> Result<TlsRoots> {
        match value {
            "platform" => Ok(TlsRoots::Platform),
            "webpki" => Ok(TlsRoots::WebPki),
            "custom-only" => Ok(TlsRoots::CustomOnly),
            _ => Err(Error::invalid_argument("tls_roots", "must be \"platform\", \"webpki\" or \"custom-only\"")),
        }
    }
}

/// The TLS settings of a client, as given (PEM text or file paths), checked by [`config`].
#[derive(Clone, Default)]
pub(crate) struct TlsOptions {
    pub(crate) roots: Option<String>,
    pub(crate) ca_certificates: Option<String>,
    pub(crate) client_certificate: Option<String>,
    pub(crate) client_key: Option<crate::auth::Secret>,
}

/// PEM from an option: the text itself, or the file it names.
fn pem_bytes(argument: &str, value: &str) -> Result<Vec<u8>> {
    if value.contains("-----BEGIN") {
        return Ok(value.as_bytes().to_vec());
    }
    std::fs::read(value).map_err(|e| {
        Error::invalid_argument(argument, format_args!("is neither PEM text nor a readable PEM file ({value}: {e})"))
    })
}

fn certificates(argument: &str, value: &str) -> Result<Vec<Certificate<'static>>> {
    let pem = pem_bytes(argument, value)?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(_) => return Err(Error::invalid_argument(argument, "holds malformed PEM")),
        }
    }
    if certs.is_empty() {
        return Err(Error::invalid_argument(argument, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
    }
    Ok(certs)
}

/// The `client_key` option's PEM, read once (the value may be key material pasted
/// without its PEM markers: an error never echoes it).
fn key_pem(value: &str) -> Result<Vec<u8>> {
    pem_bytes("client_key", value)
        .map_err(|_| Error::invalid_argument("client_key", "is neither PEM text nor a readable PEM file"))
}

fn private_key(pem: &[u8]) -> Result<PrivateKey<'static>> {
    let key = ureq::tls::parse_pem(pem).find_map(|item| match item {
        Ok(PemItem::PrivateKey(k)) => Some(k),
        _ => None,
    });
    key.ok_or_else(|| Error::invalid_argument("client_key", "holds no PEM private key (PKCS#8, PKCS#1 or SEC1)"))
}

/// Refuses a key that does not parse or does not match the certificate now, at build
/// time: ureq would only find out at the first connection (and panic there).
fn check_client_identity(chain: &[Certificate<'static>], pem: &[u8]) -> Result<()> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let key = PrivateKeyDer::from_pem_slice(pem)
        .map_err(|_| Error::invalid_argument("client_key", "holds no usable PEM private key"))?;
    let chain_der: Vec<CertificateDer<'static>> =
        chain.iter().map(|c| CertificateDer::from(c.der().to_vec())).collect();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| Error::invalid_argument("client_key", "cannot be used"))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_client_auth_cert(chain_der, key)
        .map(|_| ())
        // rustls's message names the problem (unsupported key, mismatch); it never holds the key.
        .map_err(|e| Error::invalid_argument("client_key", format_args!("does not fit client_certificate ({e})")))
}

/// Mozilla's roots as certificates (to combine with others; alone, ureq's `WebPki` is cheaper).
fn mozilla_roots() -> impl Iterator<Item = Certificate<'static>> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().map(|c| Certificate::from_der(c.as_ref()))
}

/// The roots the OS keeps, read once per process (a few ms on Linux): `SSL_CERT_FILE` /
/// `SSL_CERT_DIR` when set, else the distribution's bundle. Empty when none is found.
fn system_roots() -> Arc<Vec<Certificate<'static>>> {
    static ROOTS: OnceLock<Arc<Vec<Certificate<'static>>>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                log::debug!(target: "moveworks", "reading the system's root certificates: {e}");
            }
            Arc::new(found.certs.iter().map(|c| Certificate::from_der(c.as_ref()).to_owned()).collect())
        })
        .clone()
}

/// Whether this target has an OS certificate verifier worth delegating to.
const HAS_PLATFORM_VERIFIER: bool = cfg!(any(target_vendor = "apple", target_os = "windows", target_os = "android"));

/// The ureq TLS configuration for `options`. `uses_tls` is false when no URL the client
/// talks to is https: then no roots are read at all (a loopback sandbox client).
pub(crate) fn config(options: &TlsOptions, uses_tls: bool) -> Result<TlsConfig> {
    let roots = options.roots.as_deref().map(TlsRoots::parse).transpose()?.unwrap_or(TlsRoots::Platform);
    let extra = options.ca_certificates.as_deref().map(|v| certificates("ca_certificates", v)).transpose()?;
    let client_cert = match (&options.client_certificate, &options.client_key) {
        (Some(chain), Some(key)) => {
            let chain = certificates("client_certificate", chain)?;
            let pem = key_pem(key.expose())?;
            let parsed = private_key(&pem)?;
            check_client_identity(&chain, &pem)?;
            Some(ClientCert::new_with_certs(&chain, parsed))
        }
        (Some(_), None) => return Err(Error::invalid_argument("client_key", "is required with client_certificate")),
        (None, Some(_)) => return Err(Error::invalid_argument("client_certificate", "is required with client_key")),
        (None, None) => None,
    };
    if roots == TlsRoots::CustomOnly && extra.is_none() {
        return Err(Error::invalid_argument("ca_certificates", "is required with tls_roots \"custom-only\""));
    }
    let env_set = ["SSL_CERT_FILE", "SSL_CERT_DIR"].iter().any(|n| std::env::var_os(n).is_some_and(|v| !v.is_empty()));
    let root_certs = match (roots, extra) {
        (_, _) if !uses_tls => RootCerts::WebPki,
        (TlsRoots::WebPki, None) => RootCerts::WebPki,
        (TlsRoots::WebPki, Some(extra)) => mozilla_roots().chain(extra).into(),
        (TlsRoots::CustomOnly, extra) => extra.unwrap_or_default().into(),
        (TlsRoots::Platform, None) if HAS_PLATFORM_VERIFIER && !env_set => platform_verifier(),
        (TlsRoots::Platform, extra) => {
            let system = system_roots();
            let extra = extra.unwrap_or_default();
            if system.is_empty() {
                log::debug!(target: "moveworks", "no system root certificates found; using Mozilla's");
                mozilla_roots().chain(extra).into()
            } else {
                system.iter().cloned().chain(extra).into()
            }
        }
    };
    Ok(TlsConfig::builder().root_certs(root_certs).client_cert(client_cert).build())
}

#[cfg(any(target_vendor = "apple", target_os = "windows", target_os = "android"))]
fn platform_verifier() -> RootCerts {
    RootCerts::PlatformVerifier
}

#[cfg(not(any(target_vendor = "apple", target_os = "windows", target_os = "android")))]
fn platform_verifier() -> RootCerts {
    unreachable!("no platform verifier on this target")
}

/// The message of a TLS failure, naming its cause; `None` when `error` is not one.
pub(crate) fn explain(error: &ureq::Error) -> Option<String> {
    match error {
        ureq::Error::Rustls(r) => Some(describe(r)),
        ureq::Error::Io(io) => io.get_ref().and_then(rustls_error).map(describe),
        _ => None,
    }
}

/// The rustls error inside an I/O error's chain (rustls hands its errors to the
/// socket layer as `io::Error`s, whose `source()` skips the error they wrap).
fn rustls_error<'e>(error: &'e (dyn std::error::Error + Send + Sync + 'static)) -> Option<&'e rustls::Error> {
    let mut current: &(dyn std::error::Error + 'static) = error;
    loop {
        if let Some(r) = current.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                current = inner;
                continue;
            }
        }
        current = current.source()?;
    }
}

fn describe(error: &rustls::Error) -> String {
    use rustls::{CertificateError as C, Error as R};
    match error {
        R::InvalidCertificate(C::UnknownIssuer) => "TLS error: the server's certificate was issued by an \
                     unknown certificate authority (unknown issuer). Behind a TLS-inspecting corporate proxy, \
                     trust its root certificate: the ca_certificates option (a PEM file or PEM text), or install \
                     it in the system trust store (used by default; SSL_CERT_FILE/SSL_CERT_DIR are honoured)"
            .to_owned(),
        R::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            "TLS error: the server's certificate is not valid for this host name (name mismatch)".to_owned()
        }
        R::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "TLS error: the server's certificate has expired".to_owned()
        }
        R::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
            "TLS error: the server's certificate is not valid yet (check the system clock)".to_owned()
        }
        R::InvalidCertificate(C::Revoked) => "TLS error: the server's certificate was revoked".to_owned(),
        R::AlertReceived(alert) => format!(
            "TLS error: the server refused the handshake ({alert:?}); if it requires a client \
                     certificate, give client_certificate and client_key"
        ),
        other => format!("TLS error: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::{CertificateError as C, Error as R};

    #[test]
    fn handshake_failures_name_their_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, R::InvalidCertificate(C::UnknownIssuer));
        let message = explain(&ureq::Error::Io(io)).unwrap();
        assert!(message.contains("unknown issuer") && message.contains("ca_certificates"), "{message}");
        for (error, cause) in [
            (R::InvalidCertificate(C::NotValidForName), "name mismatch"),
            (R::InvalidCertificate(C::Expired), "expired"),
            (R::InvalidCertificate(C::NotValidYet), "not valid yet"),
            (R::AlertReceived(rustls::AlertDescription::CertificateRequired), "client_certificate"),
        ] {
            let message = explain(&ureq::Error::Rustls(error)).unwrap();
            assert!(message.starts_with("TLS error: ") && message.contains(cause), "{message}");
        }
        let plain = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(explain(&ureq::Error::Io(plain)), None);
    }

    #[test]
    fn pem_options_are_checked_without_echoing_a_key() {
        let roots = TlsOptions { roots: Some("custom-only".into()), ..Default::default() };
        assert_eq!(config(&roots, true).unwrap_err().argument(), Some("ca_certificates"));
        let not_pem = TlsOptions { ca_certificates: Some("-----BEGIN nothing".into()), ..Default::default() };
        assert_eq!(config(&not_pem, true).unwrap_err().argument(), Some("ca_certificates"));
        // A real certificate with a key that is not PEM, and with another certificate's key.
        let config_of =
            |tls_client_auth| moveworks_simulator::SimulatorConfig { tls: true, tls_client_auth, ..Default::default() };
        let (one, two) = (
            moveworks_simulator::Simulator::start(config_of(true)).unwrap(),
            moveworks_simulator::Simulator::start(config_of(false)).unwrap(),
        );
        let with_key = |key: String| TlsOptions {
            client_certificate: one.client_certificate_pem(),
            client_key: Some(crate::auth::Secret::new(key)),
            ..Default::default()
        };
        let garbage = "-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END PRIVATE KEY-----\n".to_owned();
        assert_eq!(config(&with_key(garbage), true).unwrap_err().argument(), Some("client_key"));
        let other = two.client_key_pem().unwrap();
        let e = config(&with_key(other.clone()), true).unwrap_err();
        assert_eq!(e.argument(), Some("client_key"), "{e}");
        assert!(!e.to_string().contains(other.lines().nth(1).unwrap()), "{e}");
        assert!(config(&with_key(one.client_key_pem().unwrap()), true).is_ok());
        let key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
        let half = TlsOptions { client_key: Some(crate::auth::Secret::new(key)), ..Default::default() };
        let e = config(&half, true).unwrap_err();
        assert_eq!(e.argument(), Some("client_certificate"));
        assert!(!format!("{e:?}").contains(key));
    }
}
