//! Behind a company network: https with the sandbox's CA, real proxies (tinyproxy,
//! mitmproxy; `scripts/proxies.sh`), per-call extras, answer headers, and logs that
//! never hold a secret. The proxy tests need `eval "$(bash scripts/proxies.sh start)"`
//! (the test command does it); without the proxies' variables they fail when `CI` is set.

use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use moveworks::logging::{self, LogLevel, LogRecord};
use moveworks::sandbox::{Sandbox, SandboxOptions};
use moveworks::{Client, ClientOptions, ErrorKind, RequestOptions, StreamOptions, WaitOptions};
use serde_json::json;

const PROXY_PASSWORD: &str = "proxy-secret-7f3a";

fn tls_sandbox() -> Sandbox {
    Sandbox::start(&SandboxOptions { response_duration_ms: Some(60), tls: Some(true), ..Default::default() }).unwrap()
}

/// The proxies' variable, or `None` (then the test is skipped, except under CI).
fn proxy_env(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) => Some(v),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("{name} is not set: run `eval \"$(bash scripts/proxies.sh start)\"`")
        }
        Err(_) => {
            eprintln!("skipped: {name} is not set (scripts/proxies.sh start)");
            None
        }
    }
}

fn streamed_turn(client: &Client) -> moveworks::Response {
    let conv = client.create_conversation(None).unwrap();
    let options = StreamOptions {
        wait: WaitOptions { initial_interval: Duration::from_millis(10), ..Default::default() },
        ..Default::default()
    };
    let mut events = 0;
    let done = client
        .stream_response_and_wait(&conv.conversation_id, "How do I reset my password?", &options, &mut |_| {
            events += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    assert!(events >= 3, "{events} events");
    done
}

#[test]
fn https_needs_the_sandbox_ca_and_names_the_unknown_issuer_without_it() {
    let sandbox = tls_sandbox();
    let conv = sandbox.client().unwrap().create_conversation(Some("over TLS")).unwrap();
    assert_eq!(conv.title.as_deref(), Some("over TLS"));

    for roots in [None, Some("webpki"), Some("platform")] {
        let mut untrusting = sandbox.client_options();
        untrusting.ca_certificates = None;
        untrusting.tls_roots = roots.map(str::to_owned);
        let e = Client::from_options(untrusting).unwrap().create_conversation(None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
        assert!(e.message().contains("unknown issuer") && e.message().contains("ca_certificates"), "{e}");
    }

    // An untrusted certificate stays untrusted: one attempt, no retry.
    logging::set_log_level(Some(LogLevel::Trace));
    let attempts: Arc<Mutex<Vec<LogRecord>>> = Arc::default();
    let sink = Arc::clone(&attempts);
    let untrusting = ClientOptions { ca_certificates: None, max_retries: Some(3), ..sandbox.client_options() };
    let client = Client::builder()
        .options(untrusting)
        .unwrap()
        .log_sink(Arc::new(move |r: &LogRecord| sink.lock().unwrap().push(r.clone())))
        .build()
        .unwrap();
    let e = client.create_conversation(None).unwrap_err();
    assert!(!e.is_transient(), "{e}");
    let attempts: Vec<LogRecord> =
        attempts.lock().unwrap().iter().filter(|r| r.level == LogLevel::Debug).cloned().collect();
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert_eq!(attempts[0].retry.as_deref(), Some("give up"));

    // custom-only trusts nothing but ca_certificates, given as a file path this time.
    let dir = std::env::temp_dir().join(format!("mw-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sandbox-ca.pem");
    std::fs::write(&path, sandbox.ca_certificate_pem().unwrap()).unwrap();
    let mut custom = sandbox.client_options();
    custom.ca_certificates = Some(path.to_string_lossy().into_owned());
    custom.tls_roots = Some("custom-only".into());
    Client::from_options(custom).unwrap().create_conversation(None).unwrap();

    let mut missing = sandbox.client_options();
    missing.ca_certificates = Some(dir.join("absent.pem").to_string_lossy().into_owned());
    let e = Client::from_options(missing).unwrap_err();
    assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("ca_certificates")), "{e}");
    let bad_roots = ClientOptions { tls_roots: Some("system".into()), ..sandbox.client_options() };
    assert_eq!(Client::from_options(bad_roots).unwrap_err().argument(), Some("tls_roots"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn calls_and_a_streamed_turn_pass_through_a_real_forward_proxy() {
    let (Some(proxy), Some(log)) =
        (proxy_env("MOVEWORKS_TEST_FORWARD_PROXY"), proxy_env("MOVEWORKS_TEST_FORWARD_PROXY_LOG"))
    else {
        return;
    };
    let sandbox = tls_sandbox();
    let port = sandbox.base_url().split(':').nth(2).unwrap().split('/').next().unwrap().to_owned();
    let client =
        Client::from_options(ClientOptions { proxy: Some(proxy.clone()), ..sandbox.client_options() }).unwrap();
    client.create_conversation(Some("via tinyproxy")).unwrap();
    assert_eq!(streamed_turn(&client).status, moveworks::ResponseStatus::Completed);
    let seen = std::fs::read_to_string(&log).unwrap();
    assert!(seen.contains(&format!("CONNECT 127.0.0.1:{port}")), "tinyproxy saw no CONNECT to {port}");

    // Wrong proxy credentials: a typed error that never repeats them.
    let wrong = proxy.replace(PROXY_PASSWORD, "not-the-password-91");
    let e = Client::from_options(ClientOptions { proxy: Some(wrong), ..sandbox.client_options() })
        .unwrap()
        .create_conversation(None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("not-the-password-91") && !shown.contains("sdk-test:"), "{shown}");
    let options = ClientOptions { proxy: Some(proxy), ..sandbox.client_options() };
    for shown in [format!("{options:?}"), format!("{:?}", Client::from_options(options.clone()).unwrap())] {
        assert!(!shown.contains(PROXY_PASSWORD), "{shown}");
    }
}

#[test]
fn a_tls_inspecting_proxy_works_once_its_ca_is_trusted() {
    let (Some(proxy), Some(ca)) =
        (proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY"), proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY_CA"))
    else {
        return;
    };
    let sandbox = tls_sandbox();
    // Trusting only the sandbox's CA: mitmproxy's certificate is from an unknown issuer.
    let e = Client::from_options(ClientOptions { proxy: Some(proxy.clone()), ..sandbox.client_options() })
        .unwrap()
        .create_conversation(None)
        .unwrap_err();
    assert!(e.message().contains("unknown issuer"), "{e}");
    let client = Client::from_options(ClientOptions {
        proxy: Some(proxy),
        ca_certificates: Some(ca),
        ..sandbox.client_options()
    })
    .unwrap();
    let conv = client.create_conversation(Some("inspected")).unwrap();
    assert_eq!(conv.title.as_deref(), Some("inspected"));
    assert_eq!(streamed_turn(&client).status, moveworks::ResponseStatus::Completed);
}

#[test]
fn extras_reach_the_server_and_owned_headers_are_refused() {
    let sandbox = Sandbox::start(&SandboxOptions::default()).unwrap();
    let client = sandbox.client().unwrap();
    let options = RequestOptions::from_json_value(json!({
        "extra_headers": {"X-Feature-Flag": "beta"},
        "extra_query": {"trace": true},
        "extra_body": {"client_context": {"app": "helpdesk"}},
    }))
    .unwrap();
    let extended = client.with_options(&options).unwrap();
    let conv = extended.create_conversation(Some("extras")).unwrap();
    assert_eq!(conv.title.as_deref(), Some("extras"));
    let seen = sandbox.run("requests", &json!({"path_contains": "/conversations", "method": "POST"})).unwrap();
    let last = seen.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["x_headers"], json!({"x-feature-flag": "beta"}), "{last}");
    assert_eq!(last["query"], "trace=true", "{last}");
    assert_eq!(last["body_keys"], json!(["client_context", "title"]), "{last}");
    // A GET sends no body.
    let e = extended.get_conversation(&conv.conversation_id).unwrap_err();
    assert_eq!(e.argument(), Some("extra_body"));

    for owned in ["Authorization", "assistant-name", "User-Agent"] {
        let o = RequestOptions { extra_headers: vec![(owned.into(), "x".into())], ..Default::default() };
        let e = client.with_options(&o).unwrap_err();
        assert_eq!(e.argument(), Some("extra_headers"), "{owned}: {e}");
    }
    let e = RequestOptions::from_json_value(json!({"extra_header": {}})).unwrap_err();
    assert_eq!(e.argument(), Some("extra_header"));
}

#[test]
fn answers_and_errors_carry_their_http_headers() {
    let sandbox = Sandbox::start(&SandboxOptions::default()).unwrap();
    let client = sandbox.client().unwrap();
    let conv = client.create_conversation(None).unwrap();
    let headers = conv.http_headers.as_ref().unwrap();
    assert_eq!(headers.get("Content-Type").as_deref(), Some("application/json"), "{headers:?}");
    assert_eq!(headers.get("x-moveworks-root-uuid").as_deref(), conv.request_id.as_deref());
    let e = client.get_conversation("conv_does_not_exist").unwrap_err();
    let headers = e.http_headers().unwrap();
    assert_eq!(headers.get("x-moveworks-root-uuid").as_deref(), e.request_id());
    assert_eq!(e.details().http_headers.unwrap().get("x-moveworks-root-uuid").map(String::as_str), e.request_id());
}

#[test]
fn each_attempt_is_logged_with_its_retry_decision_and_no_secret_at_any_level() {
    let sandbox = Sandbox::start(&SandboxOptions { oauth: Some(true), ..Default::default() }).unwrap();
    let records: Arc<Mutex<Vec<LogRecord>>> = Arc::default();
    let sink = Arc::clone(&records);
    logging::set_log_level(Some(LogLevel::Trace));
    let proxy_options = ClientOptions {
        // Bypassed for loopback only through NO_PROXY; given to prove it is never printed.
        proxy_from_env: Some(false),
        ..sandbox.client_options()
    };
    let client = Client::builder()
        .options(proxy_options)
        .unwrap()
        .log_sink(Arc::new(move |r: &LogRecord| sink.lock().unwrap().push(r.clone())))
        .build()
        .unwrap();
    sandbox.run("fault", &json!({"kind": "status", "status": 503, "method": "GET", "count": 1})).unwrap();
    let conv = client.create_conversation(Some("logged")).unwrap();
    client.get_conversation(&conv.conversation_id).unwrap();
    let records = records.lock().unwrap().clone();
    let gets: Vec<&LogRecord> =
        records.iter().filter(|r| r.level == LogLevel::Debug && r.method.as_deref() == Some("GET")).collect();
    assert_eq!(gets.len(), 2, "{records:#?}");
    assert_eq!((gets[0].status, gets[0].attempt), (Some(503), Some(1)));
    assert!(gets[0].retry.as_deref().unwrap().starts_with("retry in"), "{:?}", gets[0]);
    assert_eq!((gets[1].status, gets[1].attempt, gets[1].retry.as_deref()), (Some(200), Some(2), None));
    assert!(gets[1].request_id.is_some() && gets[1].duration_ms.is_some());
    assert!(records.iter().any(|r| r.level == LogLevel::Info && r.retry.is_some()), "the retry decision at info");
    assert!(records.iter().any(|r| r.level == LogLevel::Trace && r.message.contains("logged")), "bodies at trace");
    assert!(records.iter().any(|r| r.path.as_deref().is_some_and(|p| p.contains("token"))), "the token fetch");
    let all = format!("{records:?}");
    for secret in [sandbox.client_secret(), sandbox.token(), "access_token\":\"", "Bearer"] {
        assert!(!all.contains(secret), "{secret:?} appears in the logs");
    }
}

#[test]
fn mutual_tls_presents_the_client_certificate() {
    let sim = moveworks_simulator::Simulator::start(moveworks_simulator::SimulatorConfig {
        tls: true,
        tls_client_auth: true,
        ..Default::default()
    })
    .unwrap();
    let base = ClientOptions {
        base_url: Some(sim.base_url()),
        assistant_name: Some(sim.config().assistant_name.clone()),
        token: sim.config().static_token.clone(),
        ca_certificates: sim.ca_certificate_pem(),
        ..Default::default()
    };
    // Without a certificate the server refuses; with TLS 1.3 the client learns it only
    // when its request meets the closed connection, so the message may be a broken pipe.
    let e = Client::from_options(base.clone()).unwrap().create_conversation(None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");

    let key = sim.client_key_pem().unwrap();
    let with_cert = ClientOptions {
        client_certificate: sim.client_certificate_pem(),
        client_key: Some(key.clone()),
        ..base.clone()
    };
    let conv = Client::from_options(with_cert.clone()).unwrap().create_conversation(Some("mTLS")).unwrap();
    assert_eq!(conv.title.as_deref(), Some("mTLS"));
    assert!(!format!("{with_cert:?}").contains(key.lines().nth(1).unwrap()), "the key is redacted");

    let half = ClientOptions { client_certificate: sim.client_certificate_pem(), ..base };
    assert_eq!(Client::from_options(half).unwrap_err().argument(), Some("client_key"));
}

/// A stream stalled behind a proxy (its socket is the proxy's, opened by a nested run of the
/// connector chain) still ends as cancelled when its token fires.
#[test]
fn a_stalled_stream_through_either_proxy_ends_when_cancelled() {
    let (Some(forward), Some(inspecting), Some(ca)) = (
        proxy_env("MOVEWORKS_TEST_FORWARD_PROXY"),
        proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY"),
        proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY_CA"),
    ) else {
        return;
    };
    let sandbox = tls_sandbox();
    let through = [
        ClientOptions { proxy: Some(forward), ..sandbox.client_options() },
        ClientOptions { proxy: Some(inspecting), ca_certificates: Some(ca), ..sandbox.client_options() },
    ];
    for options in through {
        let client = Client::from_options(options).unwrap();
        let conv = client.create_conversation(None).unwrap();
        sandbox.run("fault", &json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000})).unwrap();
        let token = moveworks::CancelToken::new();
        let options = StreamOptions {
            idle_timeout: Duration::from_secs(30),
            wait: WaitOptions { cancel: Some(token.clone()), ..Default::default() },
        };
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            token.cancel();
        });
        let started = std::time::Instant::now();
        let e = client
            .stream_response_and_wait(&conv.conversation_id, "hi", &options, &mut |_| ControlFlow::Continue(()))
            .unwrap_err();
        canceller.join().unwrap();
        assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
        // Far below the 20 s stall and the 30 s idle timeout (not a timing assertion).
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    }
}
