//! The sandbox scripting vocabulary over `POST /_sim/script`: the route every
//! language's Sandbox could use remotely, and `response_failed`.

mod common;

use common::{Api, Conn, ASSISTANT, TOKEN};
use serde_json::{json, Value};

fn run(api: &Api, action: &str, args: Value) -> (u16, Value) {
    let reply = api.admin("POST", "/_sim/script", Some(json!({ "action": action, "args": args })));
    (reply.status, reply.json())
}

#[test]
fn fail_next_response_makes_exactly_the_next_created_response_fail() {
    let api = Api::with_duration(50);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(run(&api, "fail_next_response", json!({})), (200, json!({"queued": 1})));
    // Reading is not creating: the fault waits for a create response.
    assert_eq!(api.get(&format!("/conversations/{conv}")).status, 200);
    let failed = api.ask(&conv, "an ordinary question");
    let (done, _) = api.wait_terminal(&conv, failed["response_id"].as_str().unwrap());
    assert_eq!(done["status"], "FAILED");
    assert_eq!(done["error"]["code"], "INTERNAL_ERROR");
    let next = api.ask(&conv, "an ordinary question");
    let (done, _) = api.wait_terminal(&conv, next["response_id"].as_str().unwrap());
    assert_eq!(done["status"], "COMPLETED", "only the next one");
    let log = run(&api, "requests", json!({"method": "POST", "path_contains": "/responses"})).1;
    let faults: Vec<&Value> = log.as_array().unwrap().iter().map(|r| &r["fault"]).collect();
    assert_eq!(faults, [&json!("response_failed"), &Value::Null]);
}

#[test]
fn a_streamed_response_can_be_made_to_fail() {
    let api = Api::with_duration(50);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    run(&api, "fail_next_response", json!({"count": 1}));
    let body = r#"{"input": {"text": "hi"}}"#;
    let mut conn = Conn::open(api.sim.addr());
    conn.write_raw(
        format!(
            "POST /rest/v1beta1/conversations/{conv}/responses/stream HTTP/1.1\r\nHost: x\r\n\
             Authorization: Bearer {TOKEN}\r\nAssistant-Name: {ASSISTANT}\r\nAccept: text/event-stream\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let body = String::from_utf8_lossy(&conn.read_to_end()).into_owned();
    assert!(body.contains("event: RESPONSE_FAILED\ndata: "), "{body}");
    assert!(!body.contains("event: RESPONSE_COMPLETED"), "{body}");
    assert!(body.contains(r#""status":"FAILED""#), "{body}");
}

#[test]
fn every_action_answers_and_bad_calls_are_400_naming_the_problem() {
    let api = Api::new();
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    assert_eq!(run(&api, "configure", json!({"response_duration_ms": 10})).1["response_duration_ms"], 10);
    assert_eq!(run(&api, "fault", json!({"kind": "status", "status": 429})).0, 200);
    let event = run(&api, "inject_event", json!({"conversation_id": conv, "text": "Your laptop is ready"})).1;
    assert!(event["event_id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(run(&api, "revoke_tokens", json!({})).0, 200);
    assert_eq!(run(&api, "feedback", json!({})).1, json!([]));
    assert_eq!(run(&api, "clear_requests", json!({})).0, 200);
    assert_eq!(run(&api, "requests", json!({})).1, json!([]), "control routes are never logged");
    assert_eq!(run(&api, "reset", json!({})).0, 200);
    let (status, body) = run(&api, "explode", json!({}));
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("unknown sandbox action"), "{body}");
    let (status, body) = run(&api, "fault", json!({"kind": "meteor"}));
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("meteor"), "{body}");
}
