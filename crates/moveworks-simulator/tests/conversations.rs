//! Conversation endpoints: create, get, update, list with cursors and the archived filter.

mod common;

use chrono::{DateTime, Utc};
use common::{Api, ASSISTANT, TOKEN};
use serde_json::{json, Value};

fn time(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap_or_else(|| panic!("not a timestamp: {value}"));
    // RFC 3339 UTC with millisecond precision: 2025-01-20T10:00:00.123Z
    assert_eq!(text.len(), 24, "{text}");
    assert!(text.ends_with('Z') && text.as_bytes()[19] == b'.', "{text}");
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn id(value: &Value) -> String {
    value["conversation_id"].as_str().unwrap().to_owned()
}

#[test]
fn create_get_and_update() {
    let api = Api::new();
    let created = api.create_conversation(Some("Help with user permissions"));
    assert!(id(&created).starts_with("conv_"));
    assert!(id(&created)[5..].chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(created["title"], "Help with user permissions");
    assert_eq!(created["archived"], false);
    assert_eq!(time(&created["created_at"]), time(&created["updated_at"]));

    let fetched = api.get(&format!("/conversations/{}", id(&created)));
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), created);

    let updated = api.patch(
        &format!("/conversations/{}", id(&created)),
        json!({"title": "User permissions discussion", "archived": true}),
    );
    assert_eq!(updated.status, 200);
    let updated = updated.json();
    assert_eq!(updated["title"], "User permissions discussion");
    assert_eq!(updated["archived"], true);
    assert_eq!(updated["created_at"], created["created_at"]);
    assert!(time(&updated["updated_at"]) > time(&created["updated_at"]));

    // A partial update leaves the other field alone.
    let unarchived = api.patch(&format!("/conversations/{}", id(&created)), json!({"archived": false})).json();
    assert_eq!(unarchived["title"], "User permissions discussion");
    assert_eq!(unarchived["archived"], false);
}

#[test]
fn title_is_optional_and_omitted_when_absent() {
    let api = Api::new();
    let auth = format!("Bearer {TOKEN}");
    let headers = [("Authorization", auth.as_str()), ("Assistant-Name", ASSISTANT)];
    for body in [None, Some(&b"{}"[..]), Some(&br#"{"title": null}"#[..])] {
        let reply = api.call("POST", "/rest/v1beta1/conversations", &headers, body);
        assert_eq!(reply.status, 201, "{}", reply.text());
        reply.assert_api_headers();
        let conversation = reply.json();
        assert!(conversation.get("title").is_none(), "{conversation}");
        for key in ["conversation_id", "archived", "created_at", "updated_at"] {
            assert!(conversation.get(key).is_some(), "{key} missing from {conversation}");
        }
    }
}

#[test]
fn titles_are_limited_to_256_characters_not_bytes() {
    let api = Api::new();
    let longest = "é".repeat(256);
    assert_eq!(longest.len(), 512);
    assert_eq!(api.create_conversation(Some(&longest))["title"], longest.as_str());

    let too_long = api.post("/conversations", json!({ "title": "a".repeat(257) }));
    assert_eq!((too_long.status, too_long.error_code().as_str()), (400, "INVALID_INPUT"));
    let not_a_string = api.post("/conversations", json!({ "title": 42 }));
    assert_eq!((not_a_string.status, not_a_string.error_code().as_str()), (400, "INVALID_INPUT"));

    let conv = id(&api.create_conversation(None));
    let patch_too_long = api.patch(&format!("/conversations/{conv}"), json!({ "title": "x".repeat(257) }));
    assert_eq!((patch_too_long.status, patch_too_long.error_code().as_str()), (400, "INVALID_INPUT"));
    let patch_bad_archived = api.patch(&format!("/conversations/{conv}"), json!({ "archived": "yes" }));
    assert_eq!((patch_bad_archived.status, patch_bad_archived.error_code().as_str()), (400, "INVALID_INPUT"));
    let unchanged = api.get(&format!("/conversations/{conv}")).json();
    assert!(unchanged.get("title").is_none());
    assert_eq!(unchanged["archived"], false);
}

#[test]
fn malformed_bodies_are_invalid_input() {
    let api = Api::new();
    let auth = format!("Bearer {TOKEN}");
    let headers =
        [("Authorization", auth.as_str()), ("Assistant-Name", ASSISTANT), ("Content-Type", "application/json")];
    for body in [&b"{\"title\": "[..], b"[]", b"\"title\"", b"\xff\xfe"] {
        let reply = api.call("POST", "/rest/v1beta1/conversations", &headers, Some(body));
        assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_INPUT"));
    }
    let conv = id(&api.create_conversation(None));
    let reply = api.call("PATCH", &format!("/rest/v1beta1/conversations/{conv}"), &headers, Some(b"{oops"));
    assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_INPUT"));
}

#[test]
fn unknown_conversations_are_not_found() {
    let api = Api::new();
    let get = api.get("/conversations/conv_doesNotExist");
    assert_eq!((get.status, get.error_code().as_str()), (404, "NOT_FOUND"));
    let patch = api.patch("/conversations/conv_doesNotExist", json!({"archived": true}));
    assert_eq!((patch.status, patch.error_code().as_str()), (404, "NOT_FOUND"));
}

#[test]
fn list_pages_newest_first_with_cursors() {
    let api = Api::new();
    let created: Vec<String> = (0..25).map(|i| id(&api.create_conversation(Some(&format!("c{i}"))))).collect();

    let first = api.get("/conversations").json();
    let page = first["conversations"].as_array().unwrap();
    assert_eq!(page.len(), 20, "default limit is 20");
    assert_eq!(id(&page[0]), created[24], "newest first");
    assert!(first["metadata"]["next_cursor"].is_string());

    let (all, pages) = api.collect_pages("/conversations?limit=10", "conversations");
    assert_eq!(pages, 3);
    let ids: Vec<String> = all.iter().map(id).collect();
    let mut expected = created.clone();
    expected.reverse();
    assert_eq!(ids, expected);
    let times: Vec<_> = all.iter().map(|c| time(&c["updated_at"])).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));

    let exact = api.get("/conversations?limit=25").json();
    assert_eq!(exact["conversations"].as_array().unwrap().len(), 25);
    assert!(exact["metadata"]["next_cursor"].is_null(), "no cursor when nothing follows");
    let max = api.get("/conversations?limit=100");
    assert_eq!(max.status, 200);
    let one = api.get("/conversations?limit=1").json();
    assert_eq!(one["conversations"].as_array().unwrap().len(), 1);
}

#[test]
fn updating_moves_a_conversation_to_the_front() {
    let api = Api::new();
    let oldest = id(&api.create_conversation(Some("old")));
    let newest = id(&api.create_conversation(Some("new")));
    assert_eq!(id(&api.get("/conversations").json()["conversations"][0]), newest);
    api.patch(&format!("/conversations/{oldest}"), json!({"title": "renamed"}));
    let list = api.get("/conversations").json();
    assert_eq!(id(&list["conversations"][0]), oldest);
    assert_eq!(id(&list["conversations"][1]), newest);
}

#[test]
fn archived_filter_and_cursor_binding() {
    let api = Api::new();
    let ids: Vec<String> = (0..6).map(|_| id(&api.create_conversation(None))).collect();
    for archived in &ids[..4] {
        api.patch(&format!("/conversations/{archived}"), json!({"archived": true}));
    }
    let (active, _) = api.collect_pages("/conversations?limit=1", "conversations");
    let active_ids: Vec<String> = active.iter().map(id).collect();
    assert_eq!(active_ids, vec![ids[5].clone(), ids[4].clone()]);
    assert_eq!(api.collect_pages("/conversations?archived=false", "conversations").0.len(), 2);

    let (archived, pages) = api.collect_pages("/conversations?archived=true&limit=3", "conversations");
    assert_eq!(pages, 2);
    assert_eq!(archived.len(), 4);
    assert!(archived.iter().all(|c| c["archived"] == true));

    let first = api.get("/conversations?archived=true&limit=1").json();
    let cursor = first["metadata"]["next_cursor"].as_str().unwrap().to_owned();
    let same_filter = api.get(&format!("/conversations?archived=true&limit=1&cursor={cursor}"));
    assert_eq!(same_filter.status, 200);
    let other_filter = api.get(&format!("/conversations?archived=false&cursor={cursor}"));
    assert_eq!((other_filter.status, other_filter.error_code().as_str()), (400, "INVALID_CURSOR"));
    let default_filter = api.get(&format!("/conversations?cursor={cursor}"));
    assert_eq!((default_filter.status, default_filter.error_code().as_str()), (400, "INVALID_CURSOR"));
}

#[test]
fn invalid_list_parameters() {
    let api = Api::new();
    api.create_conversation(None);
    for cursor in ["garbage", "bm90LWEtY3Vyc29y", "%00%01"] {
        let reply = api.get(&format!("/conversations?cursor={cursor}"));
        assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_CURSOR"), "{cursor}");
    }
    for limit in ["0", "101", "-1", "abc", "1.5", ""] {
        let reply = api.get(&format!("/conversations?limit={limit}"));
        // The published spec's only 400 code for list conversations is INVALID_CURSOR.
        assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_CURSOR"), "limit={limit}");
    }
    let reply = api.get("/conversations?archived=maybe");
    assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_CURSOR"));
}

#[test]
fn unknown_routes_and_methods_answer_json_errors() {
    let api = Api::new();
    for path in ["/rest/v1beta1/nothing", "/rest/v1beta1/conversations/", "/elsewhere", "/rest/v1beta2/conversations"] {
        let reply = api.call("GET", path, &[("Authorization", "Bearer sandbox-token")], None);
        reply.assert_api_headers();
        assert_eq!((reply.status, reply.error_code().as_str()), (404, "NOT_FOUND"), "{path}");
    }
    let reply = api.call("DELETE", "/rest/v1beta1/conversations/conv_x", &[], None);
    reply.assert_api_headers();
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, PATCH"));
    reply.error_code();
}
