//! The event feed: only system-initiated messages (injected with `POST /_sim/events`),
//! filtered by conversation and event id, paged by cursor.

mod common;

use common::Api;
use serde_json::{json, Value};

fn conv_id(api: &Api) -> String {
    api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned()
}

fn event_ids(body: &Value) -> Vec<String> {
    body["events"].as_array().unwrap().iter().map(|e| e["event_id"].as_str().unwrap().to_owned()).collect()
}

fn inject(api: &Api, body: Value) -> Value {
    let reply = api.admin("POST", "/_sim/events", Some(body));
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

#[test]
fn answers_to_create_response_are_not_events() {
    let api = Api::with_duration(10);
    let conv = conv_id(&api);
    let id = api.ask(&conv, "hello")["response_id"].as_str().unwrap().to_owned();
    let (done, _) = api.wait_terminal(&conv, &id);
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(api.get("/conversations/-/events").json()["events"], json!([]));
    assert_eq!(api.get(&format!("/conversations/{conv}/events")).json()["events"], json!([]));
}

#[test]
fn injected_events_are_returned_as_list_events_renders_them() {
    let api = Api::new();
    let conv = conv_id(&api);
    let created =
        inject(&api, json!({"conversation_id": conv, "text": "Your laptop has shipped.", "kind": "async_response"}));
    let listed = api.get(&format!("/conversations/{conv}/events")).json();
    assert_eq!(listed["events"], json!([created.clone()]));
    assert!(created["event_id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(created["conversation_id"], conv.as_str());
    assert_eq!(created["event_payload"]["type"], "MESSAGE_EVENT");
    let message = &created["event_payload"]["message"];
    assert_eq!(message["actor"], "ASSISTANT");
    assert_eq!(message["conversation_id"], conv.as_str());
    assert_eq!(
        message["content"],
        json!({"type": "COMMONMARK_TEXT", "commonmark_text": {"text": "Your laptop has shipped."}})
    );
    assert_eq!(message["citations"], json!([]));
    assert!(message["feedback"]["helpful"]["callback_id"].is_string());
    // The asynchronous answer is a response of its own, fresh id, completed.
    let rid = message["response_id"].as_str().unwrap();
    assert!(rid.starts_with("resp_"));
    let response = api.get(&format!("/conversations/{conv}/responses/{rid}")).json();
    assert_eq!(response["status"], "COMPLETED");
    assert_eq!(response["outputs"], json!([{"type": "MESSAGE", "message": message}]));

    // A proactive notification answers no request: no feedback, no gettable response.
    let note = inject(&api, json!({"conversation_id": conv, "text": "Maintenance tonight."}));
    let note_message = &note["event_payload"]["message"];
    assert_eq!(note_message["actor"], "ASSISTANT");
    assert!(note_message.get("feedback").is_none(), "{note_message}");
    let note_rid = note_message["response_id"].as_str().unwrap();
    assert_ne!(note_rid, rid);
    assert_eq!(api.get(&format!("/conversations/{conv}/responses/{note_rid}")).status, 404);
    // Both are messages of the conversation, newest first.
    let messages = api.get(&format!("/conversations/{conv}/messages")).json();
    assert_eq!(messages["messages"], json!([note_message.clone(), message.clone()]));
}

#[test]
fn inject_event_rejects_bad_requests() {
    let api = Api::new();
    let conv = conv_id(&api);
    for body in [
        json!({"text": "x"}),
        json!({"conversation_id": conv}),
        json!({"conversation_id": conv, "text": "  "}),
        json!({"conversation_id": conv, "text": "x", "kind": "gossip"}),
        json!({"conversation_id": conv, "text": "x", "colour": "red"}),
        json!(["not", "an", "object"]),
    ] {
        let reply = api.admin("POST", "/_sim/events", Some(body.clone()));
        assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_INPUT"), "{body}");
    }
    let missing = api.admin("POST", "/_sim/events", Some(json!({"conversation_id": "conv_missing", "text": "x"})));
    assert_eq!((missing.status, missing.error_code().as_str()), (404, "NOT_FOUND"));
    assert_eq!(api.admin("GET", "/_sim/events", None).status, 405);
    assert_eq!(api.get("/conversations/-/events").json()["events"], json!([]), "nothing was injected");
}

#[test]
fn unknown_event_types_can_be_injected() {
    let api = Api::new();
    let conv = conv_id(&api);
    let event =
        api.sim.inject_event(json!({"conversation_id": conv, "text": "Heads up", "event_type": "NOTIFICATION_EVENT"}));
    assert_eq!(event["event_payload"]["type"], "NOTIFICATION_EVENT");
    assert_eq!(event["event_payload"]["notification_event"]["text"], "Heads up");
    assert_eq!(api.get("/conversations/-/events").json()["events"], json!([event]));
}

#[test]
fn events_feed_filters_and_pages() {
    let api = Api::new();
    let a = conv_id(&api);
    let b = conv_id(&api);
    let mut texts = Vec::new();
    for (conv, text) in [(&a, "one"), (&b, "two"), (&a, "three")] {
        api.sim.inject_event(json!({"conversation_id": conv, "text": text, "kind": "async_response"}));
        texts.push(text);
    }

    let all = api.get("/conversations/-/events").json();
    assert!(all["metadata"]["next_cursor"].is_null());
    let events = all["events"].as_array().unwrap();
    let got: Vec<&str> = events
        .iter()
        .map(|e| e["event_payload"]["message"]["content"]["commonmark_text"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(got, texts, "chronological");
    let ids = event_ids(&all);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "lexicographically ordered");

    let only_a = api.get(&format!("/conversations/{a}/events")).json();
    assert_eq!(event_ids(&only_a), [ids[0].clone(), ids[2].clone()]);

    let after_first = api.get(&format!("/conversations/-/events?starting_after={}", ids[0])).json();
    assert_eq!(event_ids(&after_first), ids[1..]);
    let up_to_second = api.get(&format!("/conversations/-/events?ending_at={}", ids[1])).json();
    assert_eq!(event_ids(&up_to_second), ids[..2]);
    let between = api.get(&format!("/conversations/-/events?starting_after={}&ending_at={}", ids[0], ids[1])).json();
    assert_eq!(event_ids(&between), [ids[1].clone()]);
    let after_last = api.get(&format!("/conversations/-/events?starting_after={}", ids[2])).json();
    assert_eq!(after_last["events"], json!([]));

    let (paged, pages) = api.collect_pages("/conversations/-/events?limit=1", "events");
    assert_eq!(pages, 3);
    assert_eq!(paged, *events);
    let (bounded, _) = api.collect_pages(&format!("/conversations/-/events?limit=1&ending_at={}", ids[1]), "events");
    assert_eq!(bounded.len(), 2, "the cursor keeps the upper bound");

    let first_page = api.get(&format!("/conversations/{a}/events?limit=1")).json();
    let cursor = first_page["metadata"]["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(api.get(&format!("/conversations/{a}/events?cursor={cursor}")).status, 200);
    let wrong_scope = api.get(&format!("/conversations/-/events?cursor={cursor}"));
    assert_eq!((wrong_scope.status, wrong_scope.error_code().as_str()), (400, "INVALID_CURSOR"));
    let garbage = api.get("/conversations/-/events?cursor=zzz");
    assert_eq!((garbage.status, garbage.error_code().as_str()), (400, "INVALID_CURSOR"));
    let bad_limit = api.get("/conversations/-/events?limit=0");
    assert_eq!((bad_limit.status, bad_limit.error_code().as_str()), (400, "INVALID_INPUT"));
    let missing = api.get("/conversations/conv_missing/events");
    assert_eq!((missing.status, missing.error_code().as_str()), (404, "NOT_FOUND"));
}

#[test]
fn reset_forgets_events() {
    let api = Api::new();
    let conv = conv_id(&api);
    api.sim.inject_event(json!({"conversation_id": conv, "text": "x"}));
    assert_eq!(event_ids(&api.get("/conversations/-/events").json()).len(), 1);
    assert_eq!(api.admin("POST", "/_sim/reset", None).status, 200);
    assert_eq!(api.get("/conversations/-/events").json()["events"], json!([]));
}
