//! List conversation messages, list response messages and submit feedback.

mod common;

use common::Api;
use serde_json::{json, Value};

fn conv_id(api: &Api) -> String {
    api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned()
}

/// Asks and waits; returns the completed response.
fn turn(api: &Api, conv: &str, text: &str) -> Value {
    let id = api.ask(conv, text)["response_id"].as_str().unwrap().to_owned();
    api.wait_terminal(conv, &id).0
}

fn answer(response: &Value) -> Value {
    response["outputs"].as_array().unwrap().iter().find(|o| o["type"] == "MESSAGE").unwrap()["message"].clone()
}

fn summary(messages: &Value) -> Vec<(String, String)> {
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["actor"].as_str().unwrap().to_owned(), m["response_id"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn list_messages_is_newest_first_with_user_and_assistant() {
    let api = Api::with_duration(10);
    let conv = conv_id(&api);
    let first = turn(&api, &conv, "first question");
    let second = turn(&api, &conv, "second question");
    let (r1, r2) = (first["response_id"].as_str().unwrap(), second["response_id"].as_str().unwrap());

    let page = api.get(&format!("/conversations/{conv}/messages")).json();
    assert!(page["metadata"]["next_cursor"].is_null());
    let messages = &page["messages"];
    let pairs = |a: &str, r: &str| (a.to_owned(), r.to_owned());
    assert_eq!(
        summary(messages),
        [pairs("ASSISTANT", r2), pairs("USER", r2), pairs("ASSISTANT", r1), pairs("USER", r1)]
    );
    // The assistant message is the very one get response returned, feedback included.
    assert_eq!(messages[0], answer(&second));
    assert!(messages[0]["feedback"]["helpful"]["callback_id"].is_string());
    assert!(messages[0]["feedback"]["unhelpful"]["callback_id"].is_string());
    assert_ne!(messages[0]["feedback"]["helpful"], messages[0]["feedback"]["unhelpful"]);
    // The user message.
    let user = &messages[1];
    assert!(user["message_id"].as_str().unwrap().starts_with("msg_"));
    assert_ne!(user["message_id"], messages[0]["message_id"]);
    assert_eq!(user["content"], json!({"type": "PLAIN_TEXT", "plain_text": {"text": "second question"}}));
    assert_eq!(user["citations"], json!([]));
    assert!(user.get("feedback").is_none());
    assert!(user["created_at"].as_str() <= messages[0]["created_at"].as_str());

    // Paging with limit 1 walks the same list.
    let (paged, pages) = api.collect_pages(&format!("/conversations/{conv}/messages?limit=1"), "messages");
    assert_eq!(pages, 4);
    assert_eq!(paged, *messages.as_array().unwrap());
}

#[test]
fn a_pending_response_lists_only_its_question() {
    let api = Api::with_duration(60_000);
    let conv = conv_id(&api);
    let rid = api.ask(&conv, "slow one")["response_id"].as_str().unwrap().to_owned();
    let page = api.get(&format!("/conversations/{conv}/messages")).json();
    assert_eq!(summary(&page["messages"]), [("USER".to_owned(), rid.clone())]);
    let of_response = api.get(&format!("/conversations/{conv}/responses/{rid}/messages")).json();
    assert_eq!(of_response["messages"], page["messages"]);
}

#[test]
fn list_messages_errors() {
    let api = Api::new();
    let conv = conv_id(&api);
    let other = conv_id(&api);
    for _ in 0..2 {
        api.ask(&conv, "x");
    }
    let first = api.get(&format!("/conversations/{conv}/messages?limit=1")).json();
    let cursor = first["metadata"]["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(api.get(&format!("/conversations/{conv}/messages?cursor={cursor}")).status, 200);
    let foreign = api.get(&format!("/conversations/{other}/messages?cursor={cursor}"));
    assert_eq!((foreign.status, foreign.error_code().as_str()), (400, "INVALID_CURSOR"));
    let events_cursor = api.get(&format!("/conversations/{conv}/messages?cursor=zzz"));
    assert_eq!((events_cursor.status, events_cursor.error_code().as_str()), (400, "INVALID_CURSOR"));
    for limit in ["0", "101", "x"] {
        let reply = api.get(&format!("/conversations/{conv}/messages?limit={limit}"));
        assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_CURSOR"), "limit={limit}");
    }
    assert_eq!(api.get(&format!("/conversations/{conv}/messages?limit=100")).status, 200);
    let missing = api.get("/conversations/conv_missing/messages");
    assert_eq!((missing.status, missing.error_code().as_str()), (404, "NOT_FOUND"));
    assert_eq!(api.api("POST", &format!("/conversations/{conv}/messages"), Some(json!({}))).status, 405);
}

#[test]
fn default_page_is_twenty() {
    let api = Api::with_duration(60_000);
    let conv = conv_id(&api);
    for i in 0..21 {
        api.ask(&conv, &format!("q{i}"));
    }
    let page = api.get(&format!("/conversations/{conv}/messages")).json();
    assert_eq!(page["messages"].as_array().unwrap().len(), 20);
    assert!(page["metadata"]["next_cursor"].is_string());
    assert_eq!(page["messages"][0]["content"]["plain_text"]["text"], "q20");
}

#[test]
fn list_response_messages_holds_the_question_and_the_answer() {
    let api = Api::with_duration(10);
    let conv = conv_id(&api);
    let one = turn(&api, &conv, "one");
    turn(&api, &conv, "two");
    let rid = one["response_id"].as_str().unwrap();
    let reply = api.get(&format!("/conversations/{conv}/responses/{rid}/messages"));
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(
        summary(&body["messages"]),
        [("ASSISTANT".to_owned(), rid.to_owned()), ("USER".to_owned(), rid.to_owned())]
    );
    assert_eq!(body["messages"][0], answer(&one));
    assert_eq!(body["messages"][1]["content"]["plain_text"]["text"], "one");
    assert!(body.get("metadata").is_none(), "the page documents `messages` only");

    let other = conv_id(&api);
    for path in [
        format!("/conversations/{conv}/responses/resp_missing/messages"),
        format!("/conversations/{other}/responses/{rid}/messages"),
        format!("/conversations/conv_missing/responses/{rid}/messages"),
    ] {
        let reply = api.get(&path);
        assert_eq!((reply.status, reply.error_code().as_str()), (404, "NOT_FOUND"), "{path}");
    }
}

fn feedback_path(conv: &str, rid: &str, mid: &str) -> String {
    format!("/conversations/{conv}/responses/{rid}/messages/{mid}/feedback")
}

#[test]
fn submit_feedback_accepts_the_messages_own_callback_ids() {
    let api = Api::with_duration(10);
    let conv = conv_id(&api);
    let response = turn(&api, &conv, "rate me");
    let message = answer(&response);
    let (rid, mid) = (message["response_id"].as_str().unwrap(), message["message_id"].as_str().unwrap());
    let helpful = message["feedback"]["helpful"]["callback_id"].as_str().unwrap();
    let unhelpful = message["feedback"]["unhelpful"]["callback_id"].as_str().unwrap();
    assert!(helpful.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{helpful}");

    let reply = api
        .post(&feedback_path(&conv, rid, mid), json!({"callback_id": helpful, "additional_feedback": "Clear answer."}));
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json(), json!({"status": "SUBMITTED"}));
    let reply = api.post(&feedback_path(&conv, rid, mid), json!({"callback_id": unhelpful}));
    assert_eq!(reply.json(), json!({"status": "SUBMITTED"}));
    let exactly_1000 = "é".repeat(1000);
    let reply =
        api.post(&feedback_path(&conv, rid, mid), json!({"callback_id": helpful, "additional_feedback": exactly_1000}));
    assert_eq!(reply.status, 200, "1,000 characters are allowed, counted as characters not bytes");

    let recorded = api.sim.feedback();
    assert_eq!(recorded.len(), 3);
    assert_eq!(
        recorded[0],
        json!({"conversation_id": conv, "response_id": rid, "message_id": mid, "callback_id": helpful,
               "rating": "helpful", "additional_feedback": "Clear answer."})
    );
    assert_eq!(recorded[1]["rating"], "unhelpful");
    assert_eq!(recorded[1]["additional_feedback"], Value::Null);
    assert_eq!(api.admin("GET", "/_sim/feedback", None).json(), Value::Array(recorded));
}

#[test]
fn submit_feedback_rejects_what_the_page_rejects() {
    let api = Api::with_duration(10);
    let conv = conv_id(&api);
    let first = answer(&turn(&api, &conv, "first"));
    let second = answer(&turn(&api, &conv, "second"));
    let (rid, mid) = (first["response_id"].as_str().unwrap(), first["message_id"].as_str().unwrap());
    let helpful = first["feedback"]["helpful"]["callback_id"].as_str().unwrap();
    let foreign = second["feedback"]["helpful"]["callback_id"].as_str().unwrap();
    let path = feedback_path(&conv, rid, mid);

    for body in [
        json!({"callback_id": foreign}),
        json!({"callback_id": "eyJhY3Rpb24iOiJoZWxwZnVsIi4uLn0"}),
        json!({"callback_id": ""}),
        json!({}),
        json!({"callback_id": 7}),
        json!({"callback_id": helpful, "additional_feedback": "x".repeat(1001)}),
        json!({"callback_id": helpful, "additional_feedback": 5}),
    ] {
        let reply = api.post(&path, body.clone());
        // InvalidFeedbackErrorResponse: the published spec's code is INVALID_REQUEST.
        assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_REQUEST"), "{body}");
    }
    // The user's message has no feedback object: no callback id is its own.
    let user_mid = api.get(&format!("/conversations/{conv}/responses/{rid}/messages")).json()["messages"][1]
        ["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = api.post(&feedback_path(&conv, rid, &user_mid), json!({"callback_id": helpful}));
    assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_REQUEST"));

    let srid = second["response_id"].as_str().unwrap();
    for path in [
        feedback_path("conv_missing", rid, mid),
        feedback_path(&conv, "resp_missing", mid),
        feedback_path(&conv, rid, "msg_missing"),
        // The message exists, but not in that response.
        feedback_path(&conv, srid, mid),
    ] {
        let reply = api.post(&path, json!({"callback_id": helpful}));
        assert_eq!((reply.status, reply.error_code().as_str()), (404, "NOT_FOUND"), "{path}");
    }
    assert!(api.sim.feedback().is_empty(), "nothing refused was recorded");
    assert_eq!(api.get(&path).status, 405);
}

#[test]
fn streamed_and_async_answers_carry_feedback_and_can_be_rated() {
    let api = Api::new();
    let conv = conv_id(&api);
    let event = api.sim.inject_event(json!({"conversation_id": conv, "text": "Done!", "kind": "async_response"}));
    let message = &event["event_payload"]["message"];
    let reply = api.post(
        &feedback_path(&conv, message["response_id"].as_str().unwrap(), message["message_id"].as_str().unwrap()),
        json!({"callback_id": message["feedback"]["unhelpful"]["callback_id"]}),
    );
    assert_eq!(reply.json(), json!({"status": "SUBMITTED"}));
    assert_eq!(api.sim.feedback()[0]["rating"], "unhelpful");
}
