//! Responses (lifecycle, failure, unknown values, citations); the event feed is in `events.rs`.

mod common;

use common::{Api, ASSISTANT, TOKEN};
use serde_json::{json, Value};

fn conv_id(api: &Api, title: Option<&str>) -> String {
    api.create_conversation(title)["conversation_id"].as_str().unwrap().to_owned()
}

fn output_types(response: &Value) -> Vec<String> {
    response["outputs"].as_array().unwrap().iter().map(|o| o["type"].as_str().unwrap().to_owned()).collect()
}

fn assistant_message(response: &Value) -> &Value {
    let outputs = response["outputs"].as_array().unwrap();
    &outputs.iter().find(|o| o["type"] == "MESSAGE").expect("a MESSAGE output")["message"]
}

#[test]
fn lifecycle_goes_created_in_progress_completed() {
    let api = Api::new(); // 600 ms: an in-progress window of 400 ms that polling cannot miss
    let conv = conv_id(&api, None);
    let created = api.ask(&conv, "Who does John Doe report to?");
    let response_id = created["response_id"].as_str().unwrap().to_owned();
    assert!(response_id.starts_with("resp_"));
    assert_eq!(created["conversation_id"], conv.as_str());
    assert_eq!(created["status"], "CREATED");
    assert_eq!(created["outputs"], json!([]));
    assert!(created["completed_at"].is_null());

    // Capture an in-progress snapshot on the way.
    let mut in_progress = None;
    let path = format!("/conversations/{conv}/responses/{response_id}");
    let (done, seen) = loop {
        let current = api.get(&path).json();
        if current["status"] == "IN_PROGRESS" && in_progress.is_none() {
            in_progress = Some(current);
        } else if current["status"] == "COMPLETED" {
            break api.wait_terminal(&conv, &response_id);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert_eq!(seen, ["COMPLETED"]);
    let in_progress = in_progress.expect("an IN_PROGRESS state was observed");
    assert_eq!(output_types(&in_progress), ["REASONING_MESSAGE"]);
    assert!(in_progress["completed_at"].is_null());
    let reasoning = &in_progress["outputs"][0]["reasoning_message"];
    assert!(reasoning["reasoning_message_id"].as_str().unwrap().starts_with("rmsg_"));
    assert_eq!(reasoning["conversation_id"], conv.as_str());
    assert_eq!(reasoning["response_id"], response_id.as_str());
    assert_eq!(reasoning["content"]["type"], "PLAIN_TEXT");
    assert!(reasoning["content"]["plain_text"]["text"].is_string());
    assert!(reasoning["created_at"].is_string());

    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(output_types(&done), ["REASONING_MESSAGE", "MESSAGE"]);
    assert_eq!(done["outputs"][0], in_progress["outputs"][0], "reasoning does not change");
    assert!(done["completed_at"].as_str().unwrap() >= done["created_at"].as_str().unwrap());
    assert_eq!(done["created_at"], created["created_at"]);
    let message = assistant_message(&done);
    assert!(message["message_id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(message["conversation_id"], conv.as_str());
    assert_eq!(message["response_id"], response_id.as_str());
    assert_eq!(message["actor"], "ASSISTANT");
    assert_eq!(message["content"]["type"], "COMMONMARK_TEXT");
    assert!(message["content"]["commonmark_text"]["text"].as_str().unwrap().contains("Who does John Doe report to?"));
    assert_eq!(message["citations"].as_array().unwrap().len(), 3);
    assert_eq!(message["content_references"].as_array().unwrap().len(), 3);
    assert_eq!(message["created_at"], done["completed_at"]);
    assert!(done.get("experimental").is_none() && message.get("experimental").is_none());
}

#[test]
fn citation_offsets_are_character_offsets() {
    let api = Api::with_duration(30);
    let conv = conv_id(&api, None);
    let question = "Où est la cafétéria? 🏢";
    let id = api.ask(&conv, question)["response_id"].as_str().unwrap().to_owned();
    let (done, _) = api.wait_terminal(&conv, &id);
    let message = assistant_message(&done);
    let text = message["content"]["commonmark_text"]["text"].as_str().unwrap();
    assert!(text.contains(question));
    // Published shape: citations carry no `location` (deprecated since 12 May 2026);
    // positions come from `content_references`, ascending by character offset.
    let citations = message["citations"].as_array().unwrap();
    let references = message["content_references"].as_array().unwrap();
    let expected_before = ["covers this topic", "IT Help Center FAQ", "IT Help Center FAQ"];
    assert_eq!(references.len(), expected_before.len());
    let offsets: Vec<u64> = references.iter().map(|r| r["offset"].as_u64().unwrap()).collect();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "ascending: {offsets:?}");
    assert!(offsets.windows(2).any(|w| w[0] == w[1]), "two citations share a position: {offsets:?}");
    for (reference, before) in references.iter().zip(expected_before) {
        let offset = reference["offset"].as_u64().unwrap() as usize;
        let prefix: String = text.chars().take(offset).collect();
        assert!(prefix.ends_with(before), "offset {offset} lands after {prefix:?}");
        assert!(prefix.len() > offset, "non-ASCII text precedes the citation, so bytes != chars");
        assert!(prefix.encode_utf16().count() > offset, "and UTF-16 units != chars");
        let id = reference["citation_id"].as_str().unwrap();
        let citation = citations.iter().find(|c| c["citation_id"] == id).expect("the referenced citation");
        let base62 = &id["cite_".len()..];
        assert!(id.starts_with("cite_") && base62.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        assert!(citation.get("location").is_none(), "location is no longer sent: {citation}");
        assert!(citation["url"].as_str().unwrap().starts_with("https://"));
        for part in ["title", "body"] {
            assert_eq!(citation["display"][part]["type"], "MARKDOWN_TEXT");
            assert!(citation["display"][part]["markdown_text"]["text"].is_string());
        }
        for attribute in citation["display"]["attributes"].as_array().unwrap() {
            assert!(attribute["key"].is_string() && attribute["value"].is_string(), "{attribute}");
        }
    }
}

#[test]
fn fail_marker_ends_failed_without_a_message() {
    let api = Api::with_duration(30);
    let conv = conv_id(&api, None);
    let id = api.ask(&conv, "please [FAIL] now")["response_id"].as_str().unwrap().to_owned();
    let (done, _) = api.wait_terminal(&conv, &id);
    assert_eq!(done["status"], "FAILED");
    assert_eq!(output_types(&done), ["REASONING_MESSAGE"]);
    assert!(done["completed_at"].is_string());
    let messages = api.get(&format!("/conversations/{conv}/messages")).json();
    let actors: Vec<&str> =
        messages["messages"].as_array().unwrap().iter().map(|m| m["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["USER"], "only the question: a failed response has no answer");
}

#[test]
fn unknown_marker_uses_values_a_newer_server_might_send() {
    let api = Api::new();
    let conv = conv_id(&api, None);
    let id = api.ask(&conv, "[unknown] what's new?")["response_id"].as_str().unwrap().to_owned();
    let (done, seen) = api.wait_terminal(&conv, &id);
    assert_eq!(seen, ["CREATED", "THINKING", "COMPLETED"]);
    assert_eq!(output_types(&done), ["REASONING_MESSAGE", "MESSAGE", "TOOL_CALL"]);
    assert_eq!(done["outputs"][0]["reasoning_message"]["content"]["type"], "HTML_TEXT");
    assert!(done["outputs"][0]["reasoning_message"]["content"]["html_text"]["text"].is_string());
    assert!(done["outputs"][2]["tool_call"].is_object());
    assert!(done["experimental"].is_object());
    assert!(assistant_message(&done)["experimental"].is_object());
    assert!(api.get(&format!("/conversations/{conv}")).json()["experimental"].is_object());
    // An answer is not an event, unknown values or not.
    assert_eq!(api.get(&format!("/conversations/{conv}/events")).json()["events"], json!([]));
}

#[test]
fn unknown_values_setting_applies_to_new_responses_and_fail_still_terminates() {
    let api = Api::with_duration(30);
    api.sim.set_config(json!({"unknown_values": true}));
    let conv = conv_id(&api, None);
    assert!(api.get(&format!("/conversations/{conv}")).json()["experimental"].is_object());
    let id = api.ask(&conv, "[fail] and unknown")["response_id"].as_str().unwrap().to_owned();
    let (done, _) = api.wait_terminal(&conv, &id);
    assert_eq!(done["status"], "FAILED");
    assert_eq!(output_types(&done), ["REASONING_MESSAGE", "TOOL_CALL"]);
}

#[test]
fn create_response_validates_input() {
    let api = Api::new();
    let conv = conv_id(&api, None);
    let path = format!("/conversations/{conv}/responses");
    for body in [
        json!({}),
        json!({"input": {}}),
        json!({"input": {"text": ""}}),
        json!({"input": {"text": "   "}}),
        json!({"input": {"text": 7}}),
        json!({"input": "hello"}),
    ] {
        let reply = api.post(&path, body.clone());
        assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_INPUT"), "{body}");
    }
    let auth = format!("Bearer {TOKEN}");
    let malformed = api.call(
        "POST",
        &format!("/rest/v1beta1{path}"),
        &[("Authorization", auth.as_str()), ("Assistant-Name", ASSISTANT)],
        Some(b"{\"input\":"),
    );
    assert_eq!((malformed.status, malformed.error_code().as_str()), (400, "INVALID_INPUT"));

    let unknown = api.post("/conversations/conv_missing/responses", json!({"input": {"text": "hi"}}));
    assert_eq!((unknown.status, unknown.error_code().as_str()), (404, "NOT_FOUND"));
}

#[test]
fn get_response_checks_the_conversation() {
    let api = Api::new();
    let a = conv_id(&api, None);
    let b = conv_id(&api, None);
    let id = api.ask(&a, "hi")["response_id"].as_str().unwrap().to_owned();
    assert_eq!(api.get(&format!("/conversations/{a}/responses/{id}")).status, 200);
    for path in [
        format!("/conversations/{b}/responses/{id}"),
        format!("/conversations/{a}/responses/resp_missing"),
        format!("/conversations/conv_missing/responses/{id}"),
    ] {
        let reply = api.get(&path);
        assert_eq!((reply.status, reply.error_code().as_str()), (404, "NOT_FOUND"), "{path}");
    }
}

#[test]
fn first_message_titles_an_untitled_conversation_and_bumps_it() {
    let api = Api::new();
    let untitled = conv_id(&api, None);
    let titled = conv_id(&api, Some("Mine"));
    let long = "Why is the sky blue and the grass green, and why do clouds float above us all day?";
    api.ask(&untitled, long);
    let conversation = api.get(&format!("/conversations/{untitled}")).json();
    let expected: String = long.chars().take(60).collect();
    assert_eq!(conversation["title"], expected.as_str());
    assert!(conversation["updated_at"].as_str() > conversation["created_at"].as_str());
    assert_eq!(
        conversation["conversation_id"],
        api.get("/conversations").json()["conversations"][0]["conversation_id"]
    );

    api.ask(&titled, "anything");
    assert_eq!(api.get(&format!("/conversations/{titled}")).json()["title"], "Mine");
    api.ask(&untitled, "a second message");
    assert_eq!(api.get(&format!("/conversations/{untitled}")).json()["title"], expected.as_str());
}

/// The live get-response page: `updated_at` on every response, an `error` object on
/// a FAILED one, and (with `null_pending_outputs`) `"outputs": null` before any output.
#[test]
fn responses_carry_updated_at_error_and_may_have_null_outputs() {
    let api = Api::with_duration(600);
    api.sim.set_config(serde_json::json!({"null_pending_outputs": true}));
    let conv = api.create_conversation(Some("drift"))["conversation_id"].as_str().unwrap().to_owned();
    let created = api.ask(&conv, "hello");
    assert_eq!(created["status"], "CREATED");
    assert!(created["outputs"].is_null(), "{created}");
    assert!(created["updated_at"].is_string());
    assert!(created.get("error").is_none());
    let failed_id = api.ask(&conv, "[fail] x")["response_id"].as_str().unwrap().to_owned();
    let (failed, _) = api.wait_terminal(&conv, &failed_id);
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["error"]["code"], "INTERNAL_ERROR");
    assert!(failed["outputs"].as_array().is_some_and(|o| !o.is_empty()), "reasoning stays: {failed}");
    assert_eq!(failed["updated_at"], failed["completed_at"]);
}
