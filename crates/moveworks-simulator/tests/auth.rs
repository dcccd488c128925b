//! Token endpoint, bearer authentication, the Assistant-Name rule, the request log.

mod common;

use common::{Api, Reply, ASSISTANT, TOKEN};
use serde_json::{json, Value};

fn form_token(api: &Api, body: &str) -> Reply {
    let reply = api.call(
        "POST",
        "/oauth/v1/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(body.as_bytes()),
    );
    reply.assert_api_headers();
    reply
}

fn json_token(api: &Api, body: Value) -> Reply {
    let reply =
        api.call("POST", "/oauth/v1/token", &[("Content-Type", "application/json")], Some(body.to_string().as_bytes()));
    reply.assert_api_headers();
    reply
}

fn list_with(api: &Api, token: &str, assistant: Option<&str>) -> Reply {
    let auth = format!("Bearer {token}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if let Some(assistant) = assistant {
        headers.push(("Assistant-Name", assistant));
    }
    let reply = api.call("GET", "/rest/v1beta1/conversations", &headers, None);
    reply.assert_api_headers();
    reply
}

fn issued_token(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 20);
    token
}

#[test]
fn token_endpoint_accepts_form_and_json_bodies() {
    let api = Api::new();
    let from_form = issued_token(&form_token(
        &api,
        "grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret",
    ));
    let from_json = issued_token(&json_token(
        &api,
        json!({"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret"}),
    ));
    assert_ne!(from_form, from_json, "every token is fresh");
    for token in [&from_form, &from_json] {
        assert_eq!(list_with(&api, token, Some(ASSISTANT)).status, 200);
    }
}

#[test]
fn token_endpoint_rejects_bad_requests() {
    let api = Api::new();
    let wrong_secret = form_token(&api, "grant_type=client_credentials&client_id=sandbox-client&client_secret=nope");
    assert_eq!((wrong_secret.status, wrong_secret.error_code().as_str()), (401, "UNAUTHORIZED"));
    let wrong_client = json_token(
        &api,
        json!({"grant_type": "client_credentials", "client_id": "x", "client_secret": "sandbox-secret"}),
    );
    assert_eq!((wrong_client.status, wrong_client.error_code().as_str()), (401, "UNAUTHORIZED"));
    let wrong_grant = form_token(&api, "grant_type=password&client_id=sandbox-client&client_secret=sandbox-secret");
    assert_eq!((wrong_grant.status, wrong_grant.error_code().as_str()), (400, "INVALID_INPUT"));
    let missing_secret = json_token(&api, json!({"grant_type": "client_credentials", "client_id": "sandbox-client"}));
    assert_eq!((missing_secret.status, missing_secret.error_code().as_str()), (400, "INVALID_INPUT"));
    let missing_grant = form_token(&api, "client_id=sandbox-client&client_secret=sandbox-secret");
    assert_eq!((missing_grant.status, missing_grant.error_code().as_str()), (400, "INVALID_INPUT"));
    let get = api.call("GET", "/oauth/v1/token", &[], None);
    assert_eq!(get.status, 405);
    get.assert_api_headers();
}

#[test]
fn token_endpoint_accepts_basic_client_authentication() {
    let api = Api::new();
    // base64("sandbox-client:sandbox-secret")
    let reply = api.call(
        "POST",
        "/oauth/v1/token",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", "Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ="),
        ],
        Some(b"grant_type=client_credentials"),
    );
    issued_token(&reply);
}

#[test]
fn api_requires_a_valid_bearer_token() {
    let api = Api::new();
    let missing = api.call("GET", "/rest/v1beta1/conversations", &[("Assistant-Name", ASSISTANT)], None);
    missing.assert_api_headers();
    assert_eq!((missing.status, missing.error_code().as_str()), (401, "UNAUTHORIZED"));
    let wrong = list_with(&api, "not-a-token", Some(ASSISTANT));
    assert_eq!((wrong.status, wrong.error_code().as_str()), (401, "UNAUTHORIZED"));
    let basic = api.call(
        "GET",
        "/rest/v1beta1/conversations",
        &[("Authorization", "Basic c2FuZGJveC10b2tlbg=="), ("Assistant-Name", ASSISTANT)],
        None,
    );
    assert_eq!(basic.status, 401);
    assert_eq!(list_with(&api, TOKEN, Some(ASSISTANT)).status, 200);
}

#[test]
fn expired_tokens_are_refused() {
    let api = Api::new();
    api.sim.set_config(json!({"token_ttl_secs": 0}));
    let reply = form_token(&api, "grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret");
    assert_eq!(reply.json()["expires_in"], 0);
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(list_with(&api, &token, Some(ASSISTANT)).status, 401);
}

#[test]
fn revoking_invalidates_issued_tokens_only() {
    let api = Api::new();
    let body = "grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret";
    let old = issued_token(&form_token(&api, body));
    assert_eq!(list_with(&api, &old, Some(ASSISTANT)).status, 200);

    let revoked = api.admin("POST", "/_sim/tokens/revoke", None);
    assert_eq!((revoked.status, revoked.json()["revoked"].as_u64()), (200, Some(1)));
    let refused = list_with(&api, &old, Some(ASSISTANT));
    assert_eq!((refused.status, refused.error_code().as_str()), (401, "UNAUTHORIZED"));

    let fresh = issued_token(&form_token(&api, body));
    assert_eq!(list_with(&api, &fresh, Some(ASSISTANT)).status, 200);
    api.sim.revoke_tokens();
    assert_eq!(list_with(&api, &fresh, Some(ASSISTANT)).status, 401);
    assert_eq!(list_with(&api, TOKEN, Some(ASSISTANT)).status, 200, "the static token survives");
}

#[test]
fn no_static_token_when_disabled() {
    let api = Api::with_config(common::SimulatorConfig { static_token: None, ..Default::default() });
    assert_eq!(list_with(&api, TOKEN, Some(ASSISTANT)).status, 401);
}

/// The Assistant-Name rule: 403 where the published spec documents 403 for the operation, else 401.
#[test]
fn assistant_name_rule_follows_each_endpoint_page() {
    let api = Api::new();
    let conv = api.create_conversation(Some("t"))["conversation_id"].as_str().unwrap().to_owned();
    let resp = api.ask(&conv, "hello")["response_id"].as_str().unwrap().to_owned();
    let body = json!({"input": {"text": "hi"}}).to_string();
    let cases: Vec<(&str, String, Option<&str>, u16)> = vec![
        ("GET", "/conversations".into(), None, 403),
        ("POST", "/conversations".into(), Some("{}"), 403),
        ("GET", format!("/conversations/{conv}"), None, 403),
        ("PATCH", format!("/conversations/{conv}"), Some(r#"{"archived":true}"#), 403),
        ("POST", format!("/conversations/{conv}/responses"), Some(body.as_str()), 403),
        ("GET", format!("/conversations/{conv}/responses/{resp}"), None, 403),
        ("GET", format!("/conversations/{conv}/events"), None, 401),
        ("GET", "/conversations/-/events".into(), None, 401),
        ("GET", format!("/conversations/{conv}/messages"), None, 403),
        ("GET", format!("/conversations/{conv}/responses/{resp}/messages"), None, 403),
        (
            "POST",
            format!("/conversations/{conv}/responses/{resp}/messages/msg_x/feedback"),
            Some(r#"{"callback_id":"x"}"#),
            401,
        ),
    ];
    let auth = format!("Bearer {TOKEN}");
    for (method, path, body, expected) in cases {
        for assistant in [None, Some("someone-else")] {
            let mut headers = vec![("Authorization", auth.as_str()), ("Content-Type", "application/json")];
            if let Some(name) = assistant {
                headers.push(("Assistant-Name", name));
            }
            let reply = api.call(method, &format!("/rest/v1beta1{path}"), &headers, body.map(str::as_bytes));
            reply.assert_api_headers();
            let code = if expected == 403 { "FORBIDDEN" } else { "UNAUTHORIZED" };
            assert_eq!(
                (reply.status, reply.error_code().as_str()),
                (expected, code),
                "{method} {path} with assistant {assistant:?}"
            );
        }
        // The bearer token is checked first.
        let reply = api.call(
            method,
            &format!("/rest/v1beta1{path}"),
            &[("Authorization", "Bearer bad")],
            body.map(str::as_bytes),
        );
        assert_eq!(reply.status, 401, "{method} {path}");
    }
    // Nothing was changed by the refused requests.
    let list = api.get("/conversations").json();
    assert_eq!(list["conversations"].as_array().unwrap().len(), 1);
    assert_eq!(list["conversations"][0]["archived"], false);
}

#[test]
fn request_log_records_requests_without_credentials() {
    let api = Api::new();
    api.call(
        "POST",
        "/oauth/v1/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(b"grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret"),
    );
    let listed_reply = api.get("/conversations?limit=5&archived=true");
    list_with(&api, "wrong-token", Some("other"));
    api.admin("GET", "/_sim/health", None);

    let log = api.admin("GET", "/_sim/requests", None);
    assert_eq!(log.status, 200);
    log.assert_api_headers();
    let entries = log.json();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 3, "control routes are not logged: {entries:?}");
    assert_eq!(entries[0]["path"], "/oauth/v1/token");
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[0]["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(entries[0]["authorized"], false);
    let listed = &entries[1];
    assert_eq!(listed["method"], "GET");
    assert_eq!(listed["path"], "/rest/v1beta1/conversations");
    assert_eq!(listed["query"], "limit=5&archived=true");
    assert_eq!(listed["status"], 200);
    assert_eq!(listed["assistant_name"], ASSISTANT);
    assert_eq!(listed["user_agent"], "sim-tests/1.0");
    assert_eq!(listed["authorized"], true);
    assert_eq!(listed["content_type"], Value::Null);
    assert_eq!(listed["fault"], Value::Null);
    assert_eq!(listed["root_uuid"].as_str(), listed_reply.header("x-moveworks-root-uuid"));
    assert_ne!(entries[0]["root_uuid"], listed["root_uuid"], "a fresh id per request");
    assert_eq!(entries[2]["authorized"], false);
    assert_eq!(entries[2]["status"], 401);
    assert_eq!(entries[2]["assistant_name"], "other");

    let serialized = serde_json::to_string(entries).unwrap();
    for secret in [TOKEN, "wrong-token", "sandbox-secret"] {
        assert!(!serialized.contains(secret), "the log leaks {secret}");
    }
    assert_eq!(api.sim.requests(), *entries);

    assert_eq!(api.admin("DELETE", "/_sim/requests", None).status, 200);
    assert!(api.sim.requests().is_empty());
    api.get("/conversations");
    assert_eq!(api.sim.requests().len(), 1);
    api.sim.clear_requests();
    assert!(api.sim.requests().is_empty());
}

/// `wrapped_token_answer` answers `{"data": {...}}` (the token reference page's shape),
/// and the token in it works like any other.
#[test]
fn token_answer_can_be_wrapped_as_the_reference_page_shows() {
    let api = Api::new();
    api.sim.set_config(json!({"wrapped_token_answer": true}));
    let reply = form_token(&api, "grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret");
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert!(body.get("access_token").is_none(), "{body}");
    let token = body["data"]["access_token"].as_str().unwrap().to_owned();
    assert_eq!(body["data"]["token_type"], "Bearer");
    assert_eq!(list_with(&api, &token, Some(ASSISTANT)).status, 200);
}
