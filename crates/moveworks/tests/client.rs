//! Client behaviour against the simulator that the language-neutral scenarios
//! cannot express: threads, callbacks, clocks, logging and configuration.

mod common;

use std::ops::ControlFlow;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use moveworks::{
    ApiVersion, CancelToken, Client, ClientBuilder, ClientOptions, ErrorKind, ListConversationsParams, RequestOptions,
    Response, ResponseStatus, WaitOptions,
};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::json;

const SECRET: &str = "sandbox-secret";

fn sim() -> Simulator {
    Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(150), ..Default::default() }).unwrap()
}

fn oauth_builder(sim: &Simulator) -> ClientBuilder {
    let cfg = sim.config();
    Client::builder()
        .base_url(sim.base_url())
        .assistant_name(cfg.assistant_name.clone())
        .client_credentials(cfg.client_id.clone(), cfg.client_secret.clone())
}

fn count(sim: &Simulator, method: &str, path_part: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r["method"] == method && r["path"].as_str().unwrap_or_default().contains(path_part))
        .count()
}

fn fast_wait() -> WaitOptions {
    WaitOptions {
        initial_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(40),
        ..Default::default()
    }
}

#[test]
fn client_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<CancelToken>();
}

#[test]
fn every_request_sends_the_documented_headers() {
    let sim = sim();
    let client = common::builder(&sim).binding("python/3.11").build().unwrap();
    client.create_conversation(Some("headers")).unwrap();
    let log = sim.requests();
    let req = log.last().unwrap();
    assert_eq!(req["assistant_name"], "sandbox");
    assert_eq!(req["authorized"], true);
    let ua = req["user_agent"].as_str().unwrap();
    assert!(ua.starts_with(&format!("moveworks-sdk/{} (python/3.11;", moveworks::VERSION)), "{ua}");
    assert_eq!(req["content_type"], "application/json");
}

#[test]
fn user_agent_suffix_is_sent_after_a_space() {
    let sim = sim();
    let client = common::builder(&sim).binding("python/3.11").user_agent_suffix("acme-helpdesk/2.1").build().unwrap();
    client.create_conversation(None).unwrap();
    let ua = sim.requests().last().unwrap()["user_agent"].as_str().unwrap().to_owned();
    assert!(ua.starts_with(&format!("moveworks-sdk/{} (python/3.11;", moveworks::VERSION)), "{ua}");
    assert!(ua.ends_with(") acme-helpdesk/2.1"), "{ua}");
    assert_eq!(client.user_agent(), ua);
}

#[test]
fn bad_user_agent_suffixes_are_refused_before_any_request() {
    let sim = sim();
    for bad in ["", "   ", "a\r\nX-Evil: 1", "tab\there", "caf\u{e9}", "x".repeat(257).as_str()] {
        let e = common::builder(&sim).user_agent_suffix(bad).build().unwrap_err();
        assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("user_agent_suffix")), "{bad:?}");
    }
    common::builder(&sim).user_agent_suffix("x".repeat(256)).build().unwrap();
    assert!(sim.requests().is_empty());
}

#[test]
fn options_from_json_build_a_working_client() {
    let sim = sim();
    let cfg = sim.config().clone();
    let options = ClientOptions::from_json_value(json!({
        "base_url": sim.base_url(),
        "assistant_name": cfg.assistant_name,
        "client_id": cfg.client_id,
        "client_secret": cfg.client_secret,
        "timeout": 5.5,
        "deadline_ms": 20000,
        "max_retries": 0,
        "max_idle_connections": 4,
        "max_response_bytes": 1_000_000,
        "user_agent_suffix": "from-options/1",
        "token": null,
    }))
    .unwrap();
    let client = Client::from_options(options).unwrap();
    client.list_conversations(&Default::default()).unwrap();
    assert_eq!(count(&sim, "POST", "/oauth/v1/token"), 1, "client credentials were used");
    assert!(sim.requests().last().unwrap()["user_agent"].as_str().unwrap().ends_with(" from-options/1"));
}

#[test]
fn a_token_with_client_credentials_is_refused_in_every_form() {
    let sim = sim();
    let cfg = sim.config().clone();
    let both = |e: moveworks::Error| {
        assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("token/client_credentials")), "{e}");
    };
    // Builder methods, in either order (they used to silently keep the last one).
    both(common::builder(&sim).client_credentials("id", "secret").build().unwrap_err());
    both(oauth_builder(&sim).bearer_token("t").build().unwrap_err());
    // Options: a token with a client id alone, or a client secret alone, is as ambiguous.
    let base = || ClientOptions {
        base_url: Some(sim.base_url().to_owned()),
        assistant_name: Some(cfg.assistant_name.clone()),
        token: cfg.static_token.clone(),
        ..Default::default()
    };
    both(Client::from_options(ClientOptions { client_id: Some("id".into()), ..base() }).unwrap_err());
    both(Client::from_options(ClientOptions { client_secret: Some("s".into()), ..base() }).unwrap_err());
    let half = |o: ClientOptions| Client::from_options(o).unwrap_err().argument().map(str::to_owned);
    let no_token = || ClientOptions { token: None, ..base() };
    assert_eq!(half(ClientOptions { client_id: Some("id".into()), ..no_token() }).as_deref(), Some("client_secret"));
    assert_eq!(half(ClientOptions { client_secret: Some("s".into()), ..no_token() }).as_deref(), Some("client_id"));
    assert!(sim.requests().is_empty(), "refused before any request");
}

#[test]
fn misspelt_or_mistyped_options_name_the_key() {
    let arg = |v: serde_json::Value| ClientOptions::from_json_value(v).unwrap_err().argument().map(str::to_owned);
    assert_eq!(arg(json!({"timeout_msec": 5})).as_deref(), Some("timeout_msec"));
    assert_eq!(arg(json!({"max_retries": 1.5})).as_deref(), Some("max_retries"));
    assert_eq!(arg(json!({"max_retries": -1})).as_deref(), Some("max_retries"));
    assert_eq!(arg(json!({"timeout": "x"})).as_deref(), Some("timeout"));
    assert_eq!(arg(json!({"allow_insecure_http": "yes"})).as_deref(), Some("allow_insecure_http"));
    assert_eq!(arg(json!([1])).as_deref(), Some("options"));
    // A credential of the wrong type is named, never quoted.
    let e = ClientOptions::from_json_value(json!({"client_secret": 918273645})).unwrap_err();
    assert_eq!(e.argument(), Some("client_secret"));
    assert!(!e.to_string().contains("918273645"), "{e}");
    // Both spellings of one duration, and seconds that are not a duration.
    let build = |v: serde_json::Value| {
        let mut o = ClientOptions::from_json_value(v).unwrap();
        o.assistant_name = Some("a".into());
        o.token = Some("t".into());
        Client::from_options(o).unwrap_err().argument().map(str::to_owned)
    };
    assert_eq!(build(json!({"timeout_ms": 5, "timeout": 5.0})).as_deref(), Some("timeout_ms/timeout"));
    assert_eq!(build(json!({"deadline": -1.0})).as_deref(), Some("deadline"));
    assert_eq!(build(json!({"connect_timeout_ms": 0})).as_deref(), Some("connect_timeout"));
}

#[test]
fn options_set_reads_text_as_each_option_needs() {
    let mut o = ClientOptions::default();
    o.set("client_id", "12345").unwrap();
    o.set("max_retries", "3").unwrap();
    o.set("timeout", "2.5").unwrap();
    o.set("allow_insecure_http", "true").unwrap();
    o.set("user_agent_suffix", "acme/1").unwrap();
    assert_eq!(o.client_id.as_deref(), Some("12345"), "numeric-looking text stays a string");
    assert_eq!((o.max_retries, o.timeout, o.allow_insecure_http), (Some(3), Some(2.5), Some(true)));
    assert_eq!(o.set("max_retries", "many").unwrap_err().argument(), Some("max_retries"));
    assert_eq!(o.set("retries", "1").unwrap_err().argument(), Some("retries"));
}

#[test]
fn options_debug_and_display_redact_credentials() {
    let o = ClientOptions {
        token: Some("tok-SECRET-1".into()),
        client_secret: Some("sec-SECRET-2".into()),
        client_id: Some("visible-id".into()),
        ..Default::default()
    };
    for text in [format!("{o:?}"), format!("{o}"), format!("{o:#?}")] {
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("visible-id") && text.contains("[redacted]"), "{text}");
    }
}

#[test]
fn update_callback_sees_each_status_change_once() {
    let sim = sim();
    let client = common::builder(&sim).build().unwrap();
    let conv = client.create_conversation(None).unwrap();
    let seen: Arc<Mutex<Vec<(ResponseStatus, usize)>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let options = WaitOptions {
        on_update: Some(Arc::new(move |r: &Response| {
            sink.lock().unwrap().push((r.status.clone(), r.outputs.len()));
            ControlFlow::Continue(())
        })),
        ..fast_wait()
    };
    let done = client.create_response_and_wait(&conv.conversation_id, "what changed?", &options).unwrap();
    assert_eq!(done.status, ResponseStatus::Completed);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.first(), Some(&(ResponseStatus::Created, 0)));
    assert!(seen.contains(&(ResponseStatus::InProgress, 1)), "reasoning shown while in progress: {seen:?}");
    assert_eq!(seen.last(), Some(&(ResponseStatus::Completed, 2)));
    // Fired on change only, so never twice in a row for the same state.
    assert!(seen.windows(2).all(|w| w[0] != w[1]), "{seen:?}");
    // The title was assigned from the first message, as the API does.
    assert!(client.get_conversation(&conv.conversation_id).unwrap().title.is_some());
}

#[test]
fn callback_can_stop_the_wait() {
    let sim = sim();
    let client = common::builder(&sim).build().unwrap();
    let conv = client.create_conversation(None).unwrap();
    let options = WaitOptions { on_update: Some(Arc::new(|_: &Response| ControlFlow::Break(()))), ..fast_wait() };
    let err = client.create_response_and_wait(&conv.conversation_id, "stop me", &options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
}

#[test]
fn cancel_from_another_thread_ends_a_wait_promptly() {
    let sim = sim();
    sim.set_config(json!({"response_duration_ms": 60_000}));
    let client = common::builder(&sim).build().unwrap();
    let conv = client.create_conversation(None).unwrap();
    let token = CancelToken::new();
    let canceller = token.clone();
    let handle = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        canceller.cancel();
    });
    // Long intervals: the cancel must wake the sleep, not wait for the next poll.
    let options = WaitOptions {
        initial_interval: Duration::from_secs(30),
        max_interval: Duration::from_secs(30),
        cancel: Some(token),
        ..Default::default()
    };
    let err = client.create_response_and_wait(&conv.conversation_id, "never finishes", &options).unwrap_err();
    handle.join().unwrap();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
}

#[test]
fn poll_timeout_names_the_response_and_its_last_status() {
    let sim = sim();
    sim.set_config(json!({"response_duration_ms": 60_000}));
    let client = common::builder(&sim).build().unwrap();
    let conv = client.create_conversation(None).unwrap();
    let created = client.create_response(&conv.conversation_id, "slow").unwrap();
    let options = WaitOptions { deadline: Duration::from_millis(200), ..fast_wait() };
    let err = client.wait_for_response(&conv.conversation_id, &created.response_id, &options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PollTimeout);
    assert_eq!(err.response_id(), Some(created.response_id.as_str()));
    assert!(err.last_status().is_some_and(|s| !s.is_terminal()));
    assert!(err.message().contains(&created.response_id));
}

/// Issue #12: once `create_response` was accepted, a poll's own failure must name the
/// response (to resume with `wait_for_response`) and keep the last response seen, and
/// keep its kind; resuming then finds the answer without asking again.
#[test]
fn errors_after_the_response_was_accepted_name_it_and_resume() {
    let sim = sim();
    sim.set_config(json!({"response_duration_ms": 300}));
    let client = common::builder(&sim).max_retries(0).build().unwrap();
    let conv = client.create_conversation(None).unwrap();
    sim.push_fault(json!({"kind": "status", "status": 503, "method": "GET", "path_contains": "/responses/"}));
    let err = client.create_response_and_wait(&conv.conversation_id, "who?", &fast_wait()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InternalServer);
    assert_eq!(err.status(), Some(503));
    let id = err.response_id().expect("the accepted response is named").to_owned();
    // Before any poll succeeded, the last response seen is the one create_response returned.
    let last = err.response().expect("the last response seen is kept");
    assert_eq!(last.response_id, id);
    assert_eq!(err.last_status(), Some(&last.status));
    assert!(!last.status.is_terminal());

    // A cancel mid-wait names the response too, and the last poll's answer is kept.
    let seen = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&seen);
    let stop_on_second = WaitOptions {
        on_update: Some(Arc::new(move |_: &Response| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            if *n >= 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })),
        ..fast_wait()
    };
    let err = client.wait_for_response(&conv.conversation_id, &id, &stop_on_second).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert_eq!(err.response_id(), Some(id.as_str()));
    assert!(err.response().is_some());

    let done = client.wait_for_response(&conv.conversation_id, &id, &fast_wait()).unwrap();
    assert_eq!(done.status, ResponseStatus::Completed);
    assert_eq!(count(&sim, "POST", "/responses"), 1, "resuming must not ask again");
}

#[test]
fn failed_response_is_an_error_carrying_the_response() {
    let sim = sim();
    let client = common::builder(&sim).build().unwrap();
    let conv = client.create_conversation(None).unwrap();
    let err = client.create_response_and_wait(&conv.conversation_id, "[fail] now", &fast_wait()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseFailed);
    assert_eq!(err.response().map(|r| &r.status), Some(&ResponseStatus::Failed));
}

#[test]
fn retry_after_in_seconds_is_honoured() {
    let sim = sim();
    let client = common::builder(&sim).build().unwrap();
    sim.push_fault(json!({"kind": "status", "status": 503, "method": "GET", "retry_after": "1"}));
    let started = Instant::now();
    client.list_conversations(&Default::default()).unwrap();
    // A lower bound only: the client must not retry before the server allows it.
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(count(&sim, "GET", "/conversations"), 2);
}

#[test]
fn retry_after_as_http_date_is_honoured() {
    let sim = sim();
    let client = common::builder(&sim).build().unwrap();
    let when = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    sim.push_fault(json!({"kind": "status", "status": 429, "method": "GET", "retry_after": when}));
    let started = Instant::now();
    client.list_conversations(&Default::default()).unwrap();
    // HTTP dates have one-second resolution, so at least ~1 s must pass.
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
    assert_eq!(count(&sim, "GET", "/conversations"), 2);
}

#[test]
fn retry_after_beyond_the_cap_is_surfaced_not_waited() {
    let sim = sim();
    let client = common::builder(&sim).build().unwrap();
    sim.push_fault(json!({"kind": "status", "status": 429, "method": "GET", "retry_after": "3600"}));
    let err = client.list_conversations(&Default::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimit);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
    assert_eq!(count(&sim, "GET", "/conversations"), 1);
}

#[test]
fn reset_connections_retry_get_but_not_post() {
    let sim = sim();
    let client = common::builder(&sim).build().unwrap();
    sim.push_fault(json!({"kind": "reset", "method": "GET"}));
    client.list_conversations(&Default::default()).unwrap();
    assert_eq!(count(&sim, "GET", "/conversations"), 2);
    sim.push_fault(json!({"kind": "reset", "method": "POST"}));
    let err = client.create_conversation(Some("once")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert_eq!(count(&sim, "POST", "/conversations"), 1);
}

#[test]
fn post_is_retried_when_the_connection_was_never_made() {
    // A port nothing listens on: the server cannot have seen the request.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}/rest/v1beta1"))
        .assistant_name("a")
        .bearer_token("t")
        .retry_policy(moveworks::RetryPolicy { initial_backoff: Duration::from_millis(100), ..Default::default() })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.create_conversation(None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    // Two backoffs of at least 50 ms and 100 ms (jitter halves at most) prove it retried.
    assert!(started.elapsed() >= Duration::from_millis(150), "{:?}", started.elapsed());
}

#[test]
fn per_attempt_timeout_and_overall_deadline() {
    let sim = sim();
    let client = common::builder(&sim).timeout(Duration::from_millis(200)).max_retries(0).build().unwrap();
    sim.push_fault(json!({"kind": "delay", "ms": 1500, "method": "GET"}));
    let err = client.list_conversations(&Default::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);

    // The deadline bounds all retries together.
    sim.push_fault(json!({"kind": "delay", "ms": 1500, "method": "GET", "count": 10}));
    let quick = client
        .with_options(&RequestOptions {
            deadline: Some(Duration::from_millis(500)),
            max_retries: Some(10),
            ..Default::default()
        })
        .unwrap();
    let err = quick.list_conversations(&Default::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(count(&sim, "GET", "/conversations") < 10);
}

#[test]
fn single_flight_token_refresh_under_16_threads() {
    let sim = sim();
    let client = oauth_builder(&sim).build().unwrap();
    let run_16 = |client: &Client| {
        let barrier = Arc::new(Barrier::new(16));
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let (client, barrier) = (client.clone(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    client.list_conversations(&ListConversationsParams::default()).unwrap();
                })
            })
            .collect();
        handles.into_iter().for_each(|h| h.join().unwrap());
    };
    run_16(&client);
    assert_eq!(count(&sim, "POST", "/oauth/v1/token"), 1, "16 threads share one token fetch");
    sim.revoke_tokens();
    run_16(&client);
    assert_eq!(count(&sim, "POST", "/oauth/v1/token"), 2, "a revoked token is refreshed once, not 16 times");
    // Threads that read the cache after the refresh never see a 401, so only
    // the rejected requests are replayed, each exactly once.
    let unauthorized = sim.requests().iter().filter(|r| r["method"] == "GET" && r["status"] == 401).count();
    assert!((1..=16).contains(&unauthorized), "{unauthorized} requests were answered 401");
    assert_eq!(count(&sim, "GET", "/conversations"), 32 + unauthorized);
}

#[test]
fn token_is_refreshed_before_it_expires() {
    let sim = sim();
    sim.set_config(json!({"token_ttl_secs": 2}));
    let client = oauth_builder(&sim).build().unwrap();
    client.list_conversations(&Default::default()).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    client.list_conversations(&Default::default()).unwrap();
    assert_eq!(count(&sim, "POST", "/oauth/v1/token"), 2);
    // Refreshed ahead of expiry: no request was ever answered 401.
    assert!(sim.requests().iter().all(|r| r["status"] != 401));
}

#[test]
fn unreachable_token_endpoint_is_an_oauth_error() {
    let sim = sim();
    sim.push_fault(json!({"kind": "status", "status": 500, "path_contains": "/oauth", "count": 5}));
    let client = oauth_builder(&sim).max_retries(0).build().unwrap();
    let err = client.list_conversations(&Default::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OAuth);
    assert_eq!(err.status(), Some(500));
}

#[test]
fn redirects_are_not_followed() {
    let sim = sim();
    let other = self::sim();
    let client = common::builder(&sim).build().unwrap();
    let target = format!("{}/conversations", other.base_url());
    sim.push_fault(json!({"kind": "raw", "status": 302, "body": "", "headers": {"Location": target}}));
    let err = client.list_conversations(&Default::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ApiStatus);
    assert_eq!(err.status(), Some(302));
    assert!(other.requests().is_empty(), "credentials must not travel to another origin");
}

#[test]
fn response_bodies_are_capped() {
    let sim = sim();
    let client = common::builder(&sim).max_response_bytes(64).build().unwrap();
    let err = client.create_conversation(Some(&"long title ".repeat(20))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

#[test]
fn truncated_json_is_a_decode_error_with_an_excerpt() {
    let sim = sim();
    let client = common::builder(&sim).build().unwrap();
    client.create_conversation(Some("x")).unwrap();
    sim.push_fault(json!({"kind": "truncated_json", "method": "GET"}));
    let err = client.list_conversations(&Default::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.body_excerpt().is_some_and(|b| b.starts_with('{')), "{err:?}");
    assert!(err.request_id().is_some());
}

#[test]
fn configuration_is_checked_before_any_request() {
    let bad = |b: ClientBuilder| b.build().unwrap_err();
    let e = bad(Client::builder().base_url("http://api.example.com/rest").assistant_name("a").bearer_token("t"));
    assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("base_url")));
    let e = bad(Client::builder().api_version(ApiVersion::V1Beta1).assistant_name("a"));
    assert_eq!(e.argument(), Some("token"));
    let e = bad(Client::builder().bearer_token("t"));
    assert_eq!(e.argument(), Some("assistant_name"));
    let e = bad(Client::builder().assistant_name("a\r\nX-Evil: 1").bearer_token("t"));
    assert_eq!(e.argument(), Some("assistant_name"));
    let e = bad(Client::builder().assistant_name("a").bearer_token("t").timeout(Duration::ZERO));
    assert_eq!(e.argument(), Some("timeout"));
    // Loopback may use plain http; everything else must be https.
    for ok in ["http://localhost:1/x", "http://127.0.0.1:1/x", "http://[::1]:1/x", "https://api.example.com/x"] {
        Client::builder().base_url(ok).assistant_name("a").bearer_token("t").build().unwrap();
    }
}

#[test]
fn from_env_reads_the_documented_variables() {
    let sim = sim();
    let cfg = sim.config().clone();
    // The only test that touches the environment, so no other test races it.
    unsafe {
        std::env::set_var("MOVEWORKS_BASE_URL", sim.base_url());
        std::env::set_var("MOVEWORKS_ASSISTANT_NAME", &cfg.assistant_name);
        std::env::remove_var("MOVEWORKS_TOKEN");
        std::env::set_var("MOVEWORKS_CLIENT_ID", &cfg.client_id);
        std::env::set_var("MOVEWORKS_CLIENT_SECRET", &cfg.client_secret);
    }
    let client = Client::from_env().unwrap();
    client.list_conversations(&Default::default()).unwrap();
    assert_eq!(count(&sim, "POST", "/oauth/v1/token"), 1, "client credentials from the environment");
    // A token as well is ambiguous: refused like any other source of both.
    unsafe { std::env::set_var("MOVEWORKS_TOKEN", cfg.static_token.clone().unwrap()) };
    assert_eq!(Client::from_env().unwrap_err().argument(), Some("token/client_credentials"));
    unsafe { std::env::remove_var("MOVEWORKS_TOKEN") };
    unsafe { std::env::remove_var("MOVEWORKS_CLIENT_SECRET") };
    assert_eq!(Client::from_env().unwrap_err().kind(), ErrorKind::InvalidArgument);
}

/// Captures every log line so the redaction test can search them.
///
/// Except `ureq_proto`'s: at trace level it hex-dumps the raw bytes on the wire, Authorization
/// header included, in 16-byte rows. The SDK cannot redact another crate's records, so SECURITY.md
/// says not to enable that target and the CLI never does; searching those rows would only pass or
/// fail by where the token happens to fall across row boundaries.
struct CaptureLog(Mutex<Vec<String>>);
impl log::Log for CaptureLog {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        !metadata.target().starts_with("ureq_proto")
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            self.0.lock().unwrap().push(format!("{}: {}", record.target(), record.args()));
        }
    }
    fn flush(&self) {}
}
static LOGS: CaptureLog = CaptureLog(Mutex::new(Vec::new()));

#[test]
fn credentials_never_appear_in_debug_errors_or_logs() {
    let _ = log::set_logger(&LOGS);
    log::set_max_level(log::LevelFilter::Trace);
    let sim = sim();
    let static_token = sim.config().static_token.clone().unwrap();

    let builder = oauth_builder(&sim);
    let client = builder.clone().build().unwrap();
    let static_client = common::builder(&sim).build().unwrap();
    let mut texts = vec![format!("{builder:?}"), format!("{client:?}"), format!("{static_client:?}")];
    static_client.list_conversations(&Default::default()).unwrap();
    client.list_conversations(&Default::default()).unwrap();
    sim.push_fault(json!({"kind": "status", "status": 503, "count": 3, "method": "GET", "retry_after_ms": 1}));
    let e = client.list_conversations(&Default::default()).unwrap_err();
    texts.push(format!("{e} {e:?}"));
    let wrong = oauth_builder(&sim).client_credentials("sandbox-client", "wrong-secret-value").build().unwrap();
    let e = wrong.list_conversations(&Default::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OAuth);
    texts.push(format!("{e} {e:?}"));
    let logs = LOGS.0.lock().unwrap().clone();
    assert!(!logs.is_empty(), "attempts are logged");
    assert!(logs.iter().any(|l| l.contains("attempt=")));
    texts.extend(logs);
    for t in &texts {
        for secret in [SECRET, static_token.as_str(), "wrong-secret-value"] {
            assert!(!t.contains(secret), "{secret:?} leaked in {t:?}");
        }
        assert!(!t.to_ascii_lowercase().contains("bearer "), "authorization header leaked in {t:?}");
    }
}

#[test]
fn simulator_rate_limit_is_waited_out_via_retry_after() {
    let sim = sim();
    sim.set_config(json!({"rate_limit": {"max_requests": 2, "window_ms": 1000}}));
    let client = common::builder(&sim).build().unwrap();
    for _ in 0..3 {
        client.list_conversations(&Default::default()).unwrap();
    }
    let statuses: Vec<_> = sim.requests().iter().map(|r| r["status"].as_u64().unwrap_or(0)).collect();
    assert_eq!(statuses, vec![200, 200, 429, 200], "the third call waited out the window and succeeded");
}

/// `Error::is_transient` tells an application what the client itself would retry: for
/// every error status the simulator can send, a GET is retried (and then succeeds)
/// exactly when the error it fails with, without retries, says it is transient.
#[test]
fn is_transient_agrees_with_what_the_client_retries_for_every_status() {
    let sim = sim();
    let once = common::builder(&sim).max_retries(0).build().unwrap();
    let with_retry = common::builder(&sim).max_retries(1).build().unwrap();
    let mut transient = Vec::new();
    for status in 400..=599u16 {
        // A 1 ms Retry-After keeps the retry's backoff out of the test's running time.
        let fault = json!({"kind": "status", "status": status, "method": "GET", "retry_after_ms": "1"});
        sim.push_fault(fault.clone());
        let err = once.list_conversations(&ListConversationsParams::default()).unwrap_err();
        assert_eq!(err.status(), Some(status));
        sim.push_fault(fault);
        let retried = with_retry.list_conversations(&ListConversationsParams::default()).is_ok();
        assert_eq!(err.is_transient(), retried, "status {status}: is_transient vs the retry policy");
        if retried {
            transient.push(status);
        }
    }
    assert_eq!(transient, [408, 429, 500, 502, 503, 504]);
}

/// `close` releases the pool and every later call on the client, its clones and its
/// `with_options` copies fails before sending anything; a call's error names the client.
#[test]
fn a_closed_client_sends_nothing() {
    let sim = sim();
    let client = common::builder(&sim).build().unwrap();
    let conversation = client.create_conversation(Some("before close")).unwrap();
    let copy = client.with_options(&RequestOptions { max_retries: Some(0), ..Default::default() }).unwrap();
    let clone = client.clone();
    let before = sim.requests().len();
    assert!(!client.is_closed());
    client.close();
    client.close(); // idempotent
    assert!(client.is_closed() && clone.is_closed() && copy.is_closed());
    for c in [&client, &clone, &copy] {
        let e = c.get_conversation(&conversation.conversation_id).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(e.argument(), Some("client"));
        assert!(!e.is_transient());
    }
    assert!(client.create_response(&conversation.conversation_id, "hello").is_err());
    assert_eq!(sim.requests().len(), before, "a closed client sent a request");
    // A closed OAuth client does not fetch a token either.
    let oauth = oauth_builder(&sim).build().unwrap();
    oauth.close();
    assert!(oauth.list_conversations(&ListConversationsParams::default()).is_err());
    assert_eq!(sim.requests().len(), before);
}

#[test]
fn every_returned_object_and_page_carries_the_root_uuid_of_its_answer() {
    let sim = moveworks_simulator::Simulator::start_default().unwrap();
    let client = common::client(&sim);
    // The root uuid each answer carried, from the simulator's log (newest last).
    let last_root_uuid = || sim.requests().last().unwrap()["root_uuid"].as_str().unwrap().to_owned();
    let conv = client.create_conversation(Some("t")).unwrap();
    assert_eq!(conv.request_id.as_deref(), Some(last_root_uuid().as_str()));
    let again = client.get_conversation(&conv.conversation_id).unwrap();
    assert_eq!(again.request_id.as_deref(), Some(last_root_uuid().as_str()));
    assert_ne!(again.request_id, conv.request_id, "one id per answer");
    assert_eq!(again, conv, "the request id is metadata, not value");
    let page = client.list_conversations(&Default::default()).unwrap();
    assert_eq!(page.request_id.as_deref(), Some(last_root_uuid().as_str()));
    let response = client.create_response(&conv.conversation_id, "hi").unwrap();
    assert_eq!(response.request_id.as_deref(), Some(last_root_uuid().as_str()));
    let events = client
        .list_events(&moveworks::ListEventsParams {
            conversation_id: Some(conv.conversation_id.clone()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(events.request_id.as_deref(), Some(last_root_uuid().as_str()));
    let messages = client
        .list_messages(&moveworks::ListMessagesParams {
            conversation_id: conv.conversation_id.clone(),
            cursor: None,
            limit: None,
        })
        .unwrap();
    assert_eq!(messages.request_id.as_deref(), Some(last_root_uuid().as_str()));
    // Not part of the wire JSON.
    assert!(serde_json::to_value(&response).unwrap().get("request_id").is_none());
}
