//! The SDK's security promises (SECURITY.md), checked against the simulator:
//! secrets never printed, no header injection, ids confined to their path
//! segment, https unless loopback or explicitly allowed, no redirects.

use std::time::Duration;

use moveworks::{Client, ClientBuilder, ConversationUpdate, Error, ErrorKind, ListEventsParams, RequestOptions};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::json;

// Distinctive values, so a leak anywhere is found by a plain substring search.
const STATIC_TOKEN: &str = "st4t1c-T0KEN-must-never-print-8c1f";
const CLIENT_ID: &str = "client-id-sec-77";
const CLIENT_SECRET: &str = "cl13nt-S3CRET-must-never-print-4b2e";
const ISSUED_TOKEN: &str = "1ssu3d-T0KEN-must-never-print-91d0";

fn sim() -> Simulator {
    Simulator::start(SimulatorConfig {
        static_token: Some(STATIC_TOKEN.into()),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        response_duration: Duration::from_millis(50),
        ..Default::default()
    })
    .unwrap()
}

fn token_builder(sim: &Simulator) -> ClientBuilder {
    Client::builder().base_url(sim.base_url()).assistant_name("sandbox").bearer_token(STATIC_TOKEN).max_retries(0)
}

fn oauth_builder(sim: &Simulator) -> ClientBuilder {
    Client::builder()
        .base_url(sim.base_url())
        .assistant_name("sandbox")
        .client_credentials(CLIENT_ID, CLIENT_SECRET)
        .max_retries(0)
}

fn api_requests(sim: &Simulator) -> Vec<serde_json::Value> {
    sim.requests().into_iter().filter(|r| r["path"].as_str().is_some_and(|p| p.starts_with("/rest/"))).collect()
}

fn describe(e: &Error) -> String {
    let mut text = format!("{e} | {e:?} | {}", e.message());
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(" | {s} | {s:?}"));
        source = s.source();
    }
    text
}

/// Every text must be free of the distinctive secrets, and of any long
/// alphanumeric run (the simulator issues 48-character base62 tokens).
fn assert_no_secret(texts: &[String]) {
    for t in texts {
        for secret in [STATIC_TOKEN, CLIENT_SECRET, ISSUED_TOKEN] {
            assert!(!t.contains(secret), "{secret:?} leaked in {t:?}");
        }
        let longest = t.split(|c: char| !c.is_ascii_alphanumeric()).map(str::len).max().unwrap_or(0);
        assert!(longest < 40, "a token-like run leaked in {t:?}");
        assert!(!t.to_ascii_lowercase().contains("bearer "), "an Authorization value leaked in {t:?}");
    }
}

#[test]
fn secrets_never_appear_in_debug_display_or_errors() {
    let sim = sim();
    let mut texts = Vec::new();
    let builder = oauth_builder(&sim);
    let static_builder = token_builder(&sim);
    texts.push(format!("{builder:?} {static_builder:?} {builder:#?}"));

    // OAuth: the first token (distinctive) is issued by the token endpoint, then
    // rejected by the API, so the client refreshes to a simulator-issued one.
    let client = builder.build().unwrap();
    sim.push_fault(json!({"kind": "raw", "status": 200, "path_contains": "/oauth",
        "body": format!(r#"{{"access_token":"{ISSUED_TOKEN}","expires_in":3600,"token_type":"Bearer"}}"#)}));
    client.list_conversations(&Default::default()).unwrap();
    let static_client = static_builder.build().unwrap();
    static_client.list_conversations(&Default::default()).unwrap();
    texts.push(format!("{client:?} {static_client:?} {client:#?}"));
    let with_options = client.with_options(&RequestOptions { max_retries: Some(1), ..Default::default() }).unwrap();
    texts.push(format!("{with_options:?}"));

    // Errors of every origin: API status, OAuth refusal, transport, validation.
    sim.push_fault(json!({"kind": "status", "status": 500, "method": "GET"}));
    texts.push(describe(&client.list_conversations(&Default::default()).unwrap_err()));
    sim.revoke_tokens();
    sim.push_fault(json!({"kind": "status", "status": 401, "path_contains": "/oauth"}));
    let e = client.list_conversations(&Default::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OAuth);
    texts.push(describe(&e));
    let wrong = oauth_builder(&sim).client_credentials(CLIENT_ID, "wr0ng-S3CRET-value").build().unwrap();
    let e = wrong.create_conversation(None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OAuth);
    texts.push(describe(&e).replace("wr0ng-S3CRET-value", "") + &format!("{wrong:?}"));
    assert!(!describe(&e).contains("wr0ng-S3CRET-value"));
    let bad_token = token_builder(&sim).bearer_token(format!("{STATIC_TOKEN}x")).build().unwrap();
    let e = bad_token.get_conversation("conv_1").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    texts.push(describe(&e).replace(&format!("{STATIC_TOKEN}x"), ""));
    assert!(!describe(&e).contains(STATIC_TOKEN));
    sim.push_fault(json!({"kind": "reset"}));
    texts.push(describe(&static_client.create_conversation(Some("t")).unwrap_err()));
    sim.push_fault(json!({"kind": "malformed_json"}));
    texts.push(describe(&static_client.list_conversations(&Default::default()).unwrap_err()));
    let e = token_builder(&sim).bearer_token(format!("{STATIC_TOKEN}\r\nX: y")).build().unwrap_err();
    texts.push(describe(&e));
    let e = oauth_builder(&sim).client_credentials(CLIENT_ID, format!("{CLIENT_SECRET}\n")).build().unwrap_err();
    texts.push(describe(&e));
    assert_no_secret(&texts);
}

#[test]
fn control_characters_in_header_bound_values_are_refused_before_sending() {
    let sim = sim();
    for bad in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\0b", "a\tb", "a\u{7f}b", "a\u{85}b", "a\u{1b}b"] {
        let cases: [(&str, ClientBuilder); 4] = [
            ("token", token_builder(&sim).bearer_token(bad)),
            ("assistant_name", token_builder(&sim).assistant_name(bad)),
            ("client_id", oauth_builder(&sim).client_credentials(bad, CLIENT_SECRET)),
            ("client_secret", oauth_builder(&sim).client_credentials(CLIENT_ID, bad)),
        ];
        for (argument, builder) in cases {
            let e = builder.build().unwrap_err();
            assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some(argument)), "{bad:?}");
        }
    }
    assert!(sim.requests().is_empty(), "nothing was sent: {:?}", sim.requests());
}

#[test]
fn a_token_with_control_characters_from_the_token_endpoint_is_never_sent() {
    let sim = sim();
    let client = oauth_builder(&sim).build().unwrap();
    sim.push_fault(json!({"kind": "raw", "status": 200, "path_contains": "/oauth",
        "body": r#"{"access_token":"abc\r\nX-Injected: 1","expires_in":3600}"#}));
    let e = client.list_conversations(&Default::default()).unwrap_err();
    assert!(!describe(&e).contains("X-Injected"), "{e:?}");
    assert!(api_requests(&sim).is_empty(), "the API was called: {:?}", sim.requests());
}

/// Percent-decodes one path segment as the server would.
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&segment[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

const HOSTILE_IDS: &[&str] = &[
    "../x",
    "..",
    ".",
    "a/b",
    "%2F",
    "a%2Fb",
    "%2e%2e",
    "?x",
    "#x",
    "a?b=c",
    "a#b",
    "a b",
    "a\\b",
    "a\nb",
    "a\u{0}b",
    "/",
    "//",
    "",
    " ",
    "a\u{3000}b",
    "é",
    "日本語",
    "a;b",
    "a:b",
    "a@b",
    "~a",
    "a+b",
    "a&b=c",
    "-",
    "conv_ok",
];

#[test]
fn ids_cannot_escape_their_path_segment_on_any_endpoint() {
    let sim = sim();
    let client = token_builder(&sim).build().unwrap();
    let conv = client.create_conversation(Some("sec")).unwrap();
    let resp = client.create_response(&conv.conversation_id, "hi").unwrap();
    type Call<'a> = Box<dyn Fn(&str) -> Result<(), Error> + 'a>;
    // Each endpoint, the id under test, and where in the path it must land.
    let endpoints: Vec<(&str, &str, Call)> = vec![
        ("GET", "/conversations/{}", Box::new(|id| client.get_conversation(id).map(drop))),
        (
            "PATCH",
            "/conversations/{}",
            Box::new(|id| {
                let update = ConversationUpdate { title: Some("t".into()), archived: None };
                client.update_conversation(id, &update).map(drop)
            }),
        ),
        ("POST", "/conversations/{}/responses", Box::new(|id| client.create_response(id, "hi").map(drop))),
        ("GET", "/conversations/{}/responses/R", Box::new(|id| client.get_response(id, &resp.response_id).map(drop))),
        (
            "GET",
            "/conversations/C/responses/{}",
            Box::new(|id| client.get_response(&conv.conversation_id, id).map(drop)),
        ),
        (
            "GET",
            "/conversations/{}/events",
            Box::new(|id| {
                let params = ListEventsParams { conversation_id: Some(id.into()), ..Default::default() };
                client.list_events(&params).map(drop)
            }),
        ),
    ];
    for (method, template, call) in &endpoints {
        for id in HOSTILE_IDS {
            sim.clear_requests();
            let outcome = call(id);
            let log = api_requests(&sim);
            match outcome {
                Err(e) if e.kind() == ErrorKind::InvalidArgument => {
                    assert!(log.is_empty(), "{method} {template} {id:?} refused but sent: {log:?}")
                }
                _ => {
                    // Sent: exactly one request, whose path has the template's shape
                    // and carries the id, percent-encoded, in its one segment.
                    assert_eq!(log.len(), 1, "{method} {template} {id:?}: {log:?}");
                    assert_eq!(log[0]["method"], *method);
                    assert_eq!(log[0]["query"], "", "{id:?} reached the query");
                    let path = log[0]["path"].as_str().unwrap().strip_prefix("/rest/v1beta1").unwrap();
                    let got: Vec<&str> = path.split('/').collect();
                    let want: Vec<&str> = template.split('/').collect();
                    assert_eq!(got.len(), want.len(), "{id:?} changed the path: {path}");
                    for (g, w) in got.iter().zip(&want) {
                        match *w {
                            "{}" => assert_eq!(decode(g), *id, "{path}"),
                            "C" => assert_eq!(*g, conv.conversation_id),
                            "R" => assert_eq!(*g, resp.response_id),
                            _ => assert_eq!(g, w, "{path}"),
                        }
                    }
                }
            }
        }
    }
    // The event-id bounds are query values: refused, or one encoded parameter each.
    for id in ["a&b=c", "a#b", "a\r\nb", "a/b", "", "x&limit=1", "é"] {
        sim.clear_requests();
        let params = ListEventsParams { starting_after: Some(id.into()), ..Default::default() };
        let outcome = client.list_events(&params);
        let log = api_requests(&sim);
        match outcome {
            Err(e) if e.kind() == ErrorKind::InvalidArgument => assert!(log.is_empty(), "{id:?}: {log:?}"),
            _ => {
                assert_eq!(log.len(), 1, "{id:?}");
                assert_eq!(log[0]["path"], "/rest/v1beta1/conversations/-/events");
                let query = log[0]["query"].as_str().unwrap();
                let pairs: Vec<_> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
                assert_eq!(pairs, [("starting_after".to_owned(), id.to_string())], "{query}");
            }
        }
    }
}

#[test]
fn plain_http_to_a_non_loopback_host_needs_the_opt_in() {
    let sim = sim();
    // 0.0.0.0 is not loopback for the SDK, but Linux connects it to this machine,
    // so the simulator (on 127.0.0.1) answers a request that the opt-in lets through.
    let insecure_base = format!("http://0.0.0.0:{}/rest/v1beta1", sim.addr().port());
    let insecure_token_url = format!("http://0.0.0.0:{}/oauth/v1/token", sim.addr().port());
    let e = token_builder(&sim).base_url(&insecure_base).build().unwrap_err();
    assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("base_url")));
    let e = oauth_builder(&sim).token_url(&insecure_token_url).build().unwrap_err();
    assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("token_url")));
    let e = token_builder(&sim).base_url(&insecure_base).allow_insecure_http(false).build().unwrap_err();
    assert_eq!(e.argument(), Some("base_url"));
    assert!(sim.requests().is_empty());

    let client = token_builder(&sim).base_url(&insecure_base).allow_insecure_http(true).build().unwrap();
    client.create_conversation(Some("over http")).unwrap();
    let client = oauth_builder(&sim)
        .base_url(&insecure_base)
        .token_url(&insecure_token_url)
        .allow_insecure_http(true)
        .build()
        .unwrap();
    client.list_conversations(&Default::default()).unwrap();
    let paths: Vec<_> = sim.requests().iter().map(|r| r["path"].as_str().unwrap().to_owned()).collect();
    assert_eq!(paths, ["/rest/v1beta1/conversations", "/oauth/v1/token", "/rest/v1beta1/conversations"]);

    // Anywhere else the opt-in only lifts the check: the connection is attempted.
    let client = Client::builder()
        .base_url("http://moveworks-sdk-test.invalid/rest")
        .assistant_name("a")
        .bearer_token("t")
        .allow_insecure_http(true)
        .max_retries(0)
        .build()
        .unwrap();
    let e = client.list_conversations(&Default::default()).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout), "{e:?}");
    // Other schemes stay refused.
    let e = token_builder(&sim).base_url("ftp://example.com/x").allow_insecure_http(true).build().unwrap_err();
    assert_eq!(e.argument(), Some("base_url"));
}

#[test]
fn redirects_to_another_origin_are_never_followed() {
    let sim = sim();
    let other = self::sim();
    let client = token_builder(&sim).build().unwrap();
    for (status, method) in [(301, "GET"), (302, "GET"), (303, "POST"), (307, "POST"), (308, "PATCH")] {
        let target = format!("{}/conversations", other.base_url());
        sim.push_fault(json!({"kind": "raw", "status": status, "body": "", "headers": {"Location": target}}));
        let e = match method {
            "GET" => client.list_conversations(&Default::default()).map(drop),
            "POST" => client.create_conversation(Some("x")).map(drop),
            _ => {
                let update = ConversationUpdate { archived: Some(true), ..Default::default() };
                client.update_conversation("conv_x", &update).map(drop)
            }
        }
        .unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::ApiStatus, Some(status)), "{method}");
    }
    // The token endpoint redirecting must not carry the client secret along.
    let oauth = oauth_builder(&sim).build().unwrap();
    let target = other.token_url();
    sim.push_fault(json!({"kind": "raw", "status": 307, "body": "", "path_contains": "/oauth",
        "headers": {"Location": target}}));
    let e = oauth.list_conversations(&Default::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OAuth);
    assert!(other.requests().is_empty(), "a request reached the other origin: {:?}", other.requests());
}
