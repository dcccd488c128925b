//! The proxy environment (`HTTPS_PROXY`, `NO_PROXY`, ...) with curl's rules, through
//! the real forward proxy of `scripts/proxies.sh`. One test: it sets process-wide
//! environment variables, which every client built meanwhile would read.

use moveworks::sandbox::{Sandbox, SandboxOptions};
use moveworks::{Client, ClientOptions, ErrorKind};

// README:begin
/// A client for a network behind a corporate proxy: the proxy's root is trusted beside
/// the system's, and its URL (credentials allowed, never logged) wins over HTTPS_PROXY.
fn corporate_client() -> moveworks::Result<moveworks::Client> {
    // MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME and MOVEWORKS_TOKEN (or client credentials).
    let mut options = moveworks::ClientOptions::from_env();
    options.ca_certificates = std::env::var("CORP_ROOT_CA").ok(); // a PEM file or PEM text
    options.proxy = std::env::var("CORP_PROXY").ok(); // e.g. http://user:secret@proxy.corp:3128
    moveworks::Client::from_options(options)
}
// README:end

fn connects_seen(log: &str, port: &str) -> usize {
    std::fs::read_to_string(log).unwrap_or_default().matches(&format!("CONNECT 127.0.0.1:{port} ")).count()
}

#[test]
fn the_environment_proxy_is_followed_and_no_proxy_bypasses_it() {
    let (proxy, log) =
        match (std::env::var("MOVEWORKS_TEST_FORWARD_PROXY"), std::env::var("MOVEWORKS_TEST_FORWARD_PROXY_LOG")) {
            (Ok(p), Ok(l)) => (p, l),
            _ if std::env::var_os("CI").is_some() => panic!("run `eval \"$(bash scripts/proxies.sh start)\"` first"),
            _ => return eprintln!("skipped: the proxies are not running (scripts/proxies.sh start)"),
        };
    for name in ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "http_proxy", "no_proxy", "NO_PROXY"] {
        std::env::remove_var(name);
    }
    let sandbox = Sandbox::start(&SandboxOptions { tls: Some(true), ..Default::default() }).unwrap();
    let port = sandbox.base_url().split(':').nth(2).unwrap().split('/').next().unwrap().to_owned();
    let call = |extra: ClientOptions| {
        let mut options = sandbox.client_options();
        options.merge(extra);
        Client::from_options(options).and_then(|c| c.create_conversation(None))
    };

    std::env::set_var("HTTPS_PROXY", &proxy);
    let before = connects_seen(&log, &port);
    call(ClientOptions::default()).unwrap();
    assert_eq!(connects_seen(&log, &port), before + 1, "HTTPS_PROXY is followed");

    for no_proxy in ["127.0.0.1", "example.com, 127.0.0.0/8", "*"] {
        std::env::set_var("NO_PROXY", no_proxy);
        call(ClientOptions::default()).unwrap();
        assert_eq!(connects_seen(&log, &port), before + 1, "NO_PROXY={no_proxy} bypasses the proxy");
    }
    std::env::set_var("NO_PROXY", "localhost");
    call(ClientOptions::default()).unwrap();
    assert_eq!(connects_seen(&log, &port), before + 2, "NO_PROXY=localhost does not cover 127.0.0.1 (curl's rule)");
    std::env::remove_var("NO_PROXY");

    // A dead proxy with credentials: a connection error that never shows them.
    std::env::set_var("HTTPS_PROXY", "http://dead-user:dead-password-55@127.0.0.1:9");
    let e = call(ClientOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert!(!format!("{e} {e:?}").contains("dead-password-55"), "{e:?}");
    // Ignored when the client says so, and overridden by the proxy option.
    call(ClientOptions { proxy_from_env: Some(false), ..Default::default() }).unwrap();
    call(ClientOptions { proxy: Some(proxy), ..Default::default() }).unwrap();
    assert_eq!(connects_seen(&log, &port), before + 3);
    std::env::remove_var("HTTPS_PROXY");

    // The README's example, through the TLS-inspecting proxy trusting its root.
    let inspecting = std::env::var("MOVEWORKS_TEST_INSPECTING_PROXY").expect("the inspecting proxy");
    let root = std::env::var("MOVEWORKS_TEST_INSPECTING_PROXY_CA").expect("its CA");
    for (name, value) in [
        ("MOVEWORKS_BASE_URL", sandbox.base_url()),
        ("MOVEWORKS_ASSISTANT_NAME", sandbox.assistant_name().to_owned()),
        ("MOVEWORKS_TOKEN", sandbox.token().to_owned()),
        ("CORP_PROXY", inspecting),
        ("CORP_ROOT_CA", root),
    ] {
        std::env::set_var(name, value);
    }
    let conv = corporate_client().unwrap().create_conversation(Some("from the README")).unwrap();
    assert_eq!(conv.title.as_deref(), Some("from the README"));
    let region =
        include_str!("proxy_env.rs").split("// README:begin\n").nth(1).unwrap().split("// README:end").next().unwrap();
    assert!(
        include_str!("../../../README.md").contains(region),
        "README.md's proxy example differs from tests/proxy_env.rs"
    );
}
