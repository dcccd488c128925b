//! `/rest/v1`'s scripted answers: the laptop answer (buttons, a form, a Get Help
//! menu), its follow-ups, the live-agent handoff, and the modal calls.

mod common;

use std::time::{Duration, Instant};

use common::v1::{final_message, text_of, User};
use common::{Api, SimulatorConfig};
use serde_json::{json, Value};

fn api() -> Api {
    let api = Api::with_config(SimulatorConfig {
        response_duration: Duration::from_millis(30),
        ..SimulatorConfig::default()
    });
    api.sim.run("configure", &json!({"live_agent_delay_ms": 50})).unwrap();
    api
}

/// The laptop answer's callback ids: ("File it", "Talk to an agent").
fn callbacks(message: &Value) -> (String, String) {
    let file = message["actions"][0]["callback_action"]["callback_id"].as_str().unwrap().to_owned();
    let item = &message["handoff"]["handoff_categories"][0]["handoff_items"][0];
    (file, item["action"]["callback_action"]["callback_id"].as_str().unwrap().to_owned())
}

fn modal_path(message: &Value) -> String {
    format!(
        "/conversations/{}/responses/{}/messages/{}/modals/{}",
        message["conversation_id"].as_str().unwrap(),
        message["response_id"].as_str().unwrap(),
        message["message_id"].as_str().unwrap(),
        message["actions"][1]["modal_action"]["modal_id"].as_str().unwrap()
    )
}

#[test]
fn the_laptop_answer_carries_actions_handoff_and_feedback() {
    let api = api();
    let sim = User::sim(&api);
    let conv = sim.create_conversation();
    let (_, message) = sim.ask(&conv, "I need a new LAPTOP please");
    assert_eq!(message["actor"], "ASSISTANT");
    assert_eq!(message["content"]["type"], "MARKDOWN_TEXT");
    let actions = message["actions"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> =
        actions.iter().map(|a| (a["type"].as_str().unwrap(), a["label"].as_str().unwrap())).collect();
    assert_eq!(
        kinds,
        [("CALLBACK_ACTION", "File it"), ("MODAL_ACTION", "Edit details"), ("URL_ACTION", "Open portal")]
    );
    assert!(actions[0]["callback_action"]["callback_id"].as_str().unwrap().starts_with("cb_file_"));
    assert!(actions[1]["modal_action"]["modal_id"].as_str().unwrap().starts_with("modal_"));
    assert_eq!(actions[2]["url_action"], json!({"url": "https://app.moveworks.ai/r?sim_portal"}));
    let category = &message["handoff"]["handoff_categories"][0];
    assert_eq!((&category["category_id"], &category["name"]), (&json!("it"), &json!(":computer: IT")));
    assert!(category["description"].is_string());
    let items = category["handoff_items"].as_array().unwrap();
    assert_eq!(items[0]["title"], "Talk to an agent");
    assert_eq!(items[0]["type"], "ACTION");
    assert_eq!(items[0]["action"]["type"], "CALLBACK_ACTION");
    assert_eq!(items[0]["action"]["label"], "Talk to an agent");
    assert!(items[0]["action"]["callback_action"]["callback_id"].as_str().unwrap().starts_with("cb_agent_"));
    assert_eq!((&items[1]["title"], &items[1]["type"]), (&json!("Service hours"), &json!("TEXT")));
    assert_eq!(items[1]["text"]["type"], "MARKDOWN_TEXT");
    assert!(message["feedback"]["helpful"]["callback_id"].is_string());
    // Feedback works on it as on any answer.
    let feedback = sim.post(
        &format!(
            "/conversations/{conv}/responses/{}/messages/{}/feedback",
            message["response_id"].as_str().unwrap(),
            message["message_id"].as_str().unwrap()
        ),
        json!({"callback_id": message["feedback"]["helpful"]["callback_id"]}),
    );
    assert_eq!(feedback.status, 200, "{}", feedback.text());
    // Callback ids are minted per message; modal ids per read.
    let (_, again) = sim.ask(&conv, "another laptop");
    assert_ne!(callbacks(&again).0, callbacks(&message).0);
    let history = sim.get_ok(&format!("/conversations/{conv}/messages"))["messages"].clone();
    let listed = history.as_array().unwrap().iter().find(|m| m["message_id"] == message["message_id"]).unwrap();
    assert_eq!(listed["actions"][0], message["actions"][0]);
    assert_ne!(listed["actions"][1]["modal_action"]["modal_id"], message["actions"][1]["modal_action"]["modal_id"]);
    // Other text: the beta answer.
    let (_, plain) = sim.ask(&conv, "who is my manager?");
    assert!(plain.get("actions").is_none() && plain.get("handoff").is_none());
    assert_eq!(plain["citations"].as_array().unwrap().len(), 3);
}

#[test]
fn pressing_file_it_files_a_ticket() {
    let api = api();
    let sim = User::sim(&api);
    let conv = sim.create_conversation();
    let (_, message) = sim.ask(&conv, "laptop");
    let (file, _) = callbacks(&message);
    let filed = final_message(&sim.press(&conv, &file));
    let text = text_of(&filed);
    assert!(text.starts_with("Filed ticket INC") && text.ends_with(" for your new laptop."), "{text}");
    assert!(filed.get("actions").is_none());
    // Pressed as `action {callback_id}` too.
    let id = sim.turn(&conv, json!({"action": {"callback_id": file}}));
    assert!(text_of(&final_message(&sim.wait(&conv, &id))).starts_with("Filed ticket INC"));
}

#[test]
fn talking_to_an_agent_completes_with_no_outputs_and_the_agent_replies_as_an_event() {
    let api = api();
    let alice = User::minted(&api, "u_alice");
    let conv = alice.create_conversation();
    let (_, message) = alice.ask(&conv, "my laptop is broken");
    let (_, agent) = callbacks(&message);
    let handoff = alice.press(&conv, &agent);
    assert_eq!(handoff["status"], "COMPLETED");
    assert_eq!(handoff["outputs"], json!([]));
    let events = alice.wait_events(1);
    let reply = &events[0]["event_payload"]["message"];
    assert_eq!(reply["actor"], "LIVE_AGENT");
    assert_eq!(reply["sender_info"]["display_name"], "Priya Raman");
    assert!(reply["sender_info"]["avatar_url"].is_string());
    assert!(reply.get("feedback").is_none());
    assert_ne!(reply["response_id"], handoff["response_id"], "on a response of its own");
    let own = alice.get_ok(&format!("/conversations/{conv}/responses/{}", reply["response_id"].as_str().unwrap()));
    assert_eq!(final_message(&own), *reply);
    // While handed off, a typed turn (here streamed) goes to the agent: CREATED, COMPLETED, nothing between.
    let (headers, streamed) = alice.stream(&conv, json!({"chat": {"text": "any news?"}}));
    assert!(headers.iter().any(|(k, _)| k == "x-trace-id"), "{headers:?}");
    let names: Vec<&str> = streamed.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["RESPONSE_CREATED", "RESPONSE_COMPLETED"]);
    assert_eq!(streamed[1].1["response"]["outputs"], json!([]));
    let events = alice.wait_events(2);
    assert_eq!(events[1]["event_payload"]["message"]["actor"], "LIVE_AGENT");
    assert!(text_of(&events[1]["event_payload"]["message"]).contains("any news?"));
    // History holds the press, the agent's replies, and the typed turn.
    let history = alice.get_ok(&format!("/conversations/{conv}/messages?limit=100"))["messages"].clone();
    let actors: Vec<&str> = history.as_array().unwrap().iter().map(|m| m["actor"].as_str().unwrap()).collect();
    assert_eq!(actors.iter().filter(|a| **a == "LIVE_AGENT").count(), 2, "{actors:?}");
}

#[test]
fn the_laptop_answer_streams_whole_with_a_fresh_modal_id() {
    let api = api();
    let sim = User::sim(&api);
    let conv = sim.create_conversation();
    let (_, events) = sim.stream(&conv, json!({"chat": {"text": "new laptop"}}));
    let delta = events.iter().rev().find(|(n, d)| n == "RESPONSE_OUTPUT_DELTA" && d["output"]["type"] == "MESSAGE");
    let message = &delta.unwrap().1["output"]["message"];
    let completed = &events.last().unwrap().1;
    assert_eq!(events.last().unwrap().0, "RESPONSE_COMPLETED");
    let final_one = final_message(&completed["response"]);
    assert_eq!(message["actions"].as_array().unwrap().len(), 3);
    let (a, b) =
        (&message["actions"][1]["modal_action"]["modal_id"], &final_one["actions"][1]["modal_action"]["modal_id"]);
    assert_ne!(a, b, "each delivery mints its own id");
    // Both work.
    assert_eq!(sim.get(&modal_path(message)).status, 200);
    assert_eq!(sim.get(&modal_path(&final_one)).status, 200);
}

#[test]
fn modals_get_refresh_submit_and_go_stale() {
    let api = api();
    let sim = User::sim(&api);
    let bob = User::minted(&api, "u_bob");
    let conv = sim.create_conversation();
    let (_, message) = sim.ask(&conv, "laptop");
    let path = modal_path(&message);
    let modal_id = message["actions"][1]["modal_action"]["modal_id"].clone();

    let form = sim.get_ok(&path);
    assert_eq!(form["modal_id"], modal_id);
    assert_eq!(form["title"], ":memo: New laptop request");
    let names: Vec<&str> = form["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["intro", "model", "reason", "needed_by"]);
    assert_eq!(form["fields"][0]["display"]["text"], json!({"style": "HEADER", "text": "Laptop request"}));
    assert_eq!(form["fields"][1]["choice"]["options"].as_array().unwrap().len(), 2);
    assert_eq!(form["fields"][1]["triggers_refresh"], true);
    assert_eq!((&form["fields"][3]["visible"], &form["fields"][3]["required"]), (&json!(false), &json!(false)));

    // Refresh: re-resolved, choice options omitted, title unchanged, nothing persisted.
    let refreshed = sim.post(&format!("{path}/refresh"), json!({"values": {"model": {"option": "mac"}}}));
    assert_eq!(refreshed.status, 200, "{}", refreshed.text());
    let refreshed = refreshed.json();
    assert_eq!(refreshed["title"], form["title"]);
    assert!(refreshed["fields"][1]["choice"].get("options").is_none(), "{refreshed}");
    assert_eq!((&refreshed["fields"][3]["visible"], &refreshed["fields"][3]["required"]), (&json!(true), &json!(true)));
    let win = sim.post(&format!("{path}/refresh"), json!({"values": {"model": {"option": "win"}}})).json();
    assert_eq!(win["fields"][3]["visible"], false);
    assert_eq!(sim.get_ok(&path), form, "a refresh persists nothing");
    assert_eq!(sim.post(&format!("{path}/refresh"), json!({})).status, 400);

    // Submit: validated.
    let submit = |values: Value| sim.post(&format!("{path}/submit"), json!({ "values": values }));
    for (values, field) in [
        (json!({}), "model"),
        (json!({"reason": {"text": "old one broke"}}), "model"),
        (json!({"model": {"option": "mac"}}), "needed_by"),
        (json!({"model": {"option": "mac"}, "needed_by": {"date": "soon"}}), "needed_by"),
        (json!({"model": {"option": "nope"}}), "model"),
        (json!({"model": "mac"}), "model"),
        (json!({"model": {"option": "win"}, "reason": "x"}), "reason"),
    ] {
        let reply = submit(values.clone());
        assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_INPUT"), "{values}");
        assert!(reply.json()["error"]["message"].as_str().unwrap().contains(field), "{values}: {}", reply.text());
    }
    assert_eq!(sim.post(&format!("{path}/submit"), json!({"values": []})).status, 400);
    assert_eq!(bob.get(&path).status, 404, "another user's modal");
    // Hidden and DISPLAY values are ignored.
    let ok = submit(json!({"model": {"option": "win"}, "intro": {"text": "x"}, "needed_by": {"date": "junk"}}));
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json(), json!({"status": "SUBMITTED"}));
    // Stale once submitted.
    for reply in [sim.get(&path), submit(json!({"model": {"option": "win"}}))] {
        assert_eq!((reply.status, reply.error_code().as_str()), (404, "NOT_FOUND"));
    }
    let events = sim.wait_events(1);
    let follow_up = &events[0]["event_payload"]["message"];
    assert_eq!(follow_up["actor"], "ASSISTANT");
    assert_eq!(text_of(follow_up), "Your laptop request is submitted: ThinkPad");

    // A fresh read mints a fresh id; expire_modals makes every id stale.
    let reread = sim.get_ok(&format!("/conversations/{conv}/messages"))["messages"].clone();
    let fresh = reread.as_array().unwrap().iter().find(|m| m["message_id"] == message["message_id"]).unwrap().clone();
    let fresh_path = modal_path(&fresh);
    assert_eq!(sim.get(&fresh_path).status, 200);
    assert_eq!(api.sim.run("expire_modals", &json!({})).unwrap(), json!({"expired": 1}));
    assert_eq!(sim.get(&fresh_path).status, 404);
    assert!(api.sim.run("expire_modals", &json!({"x": 1})).is_err());

    // Unknown ids, and a real id on another message's path.
    let rid = message["response_id"].as_str().unwrap();
    let mid = message["message_id"].as_str().unwrap();
    assert_eq!(sim.get(&format!("/conversations/{conv}/responses/{rid}/messages/{mid}/modals/modal_nope")).status, 404);
    let response = sim.get_ok(&format!("/conversations/{conv}/responses/{rid}"));
    let live = final_message(&response);
    let wrong = modal_path(&live).replace(&format!("/messages/{mid}/"), "/messages/msg_other/");
    assert_eq!(sim.get(&wrong).status, 404);
    assert_eq!(sim.get(&modal_path(&live)).status, 200);
    assert_eq!(sim.call("DELETE", &modal_path(&live), None).status, 405);
}

#[test]
fn submitting_a_mac_with_a_date_brings_a_follow_up_on_a_response_of_its_own() {
    let api = api();
    let sim = User::sim(&api);
    let conv = sim.create_conversation();
    let (_, message) = sim.ask(&conv, "laptop");
    let path = modal_path(&message);
    let values = json!({"model": {"option": "mac"}, "needed_by": {"date": "2027-01-15"}, "reason": {"text": "slow"}});
    let started = Instant::now();
    assert_eq!(sim.post(&format!("{path}/submit"), json!({ "values": values })).status, 200);
    let events = sim.wait_events(1);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(text_of(&events[0]["event_payload"]["message"]), "Your laptop request is submitted: MacBook Pro");
    // The follow-up is a response of its own: gettable, rateable.
    let rid = events[0]["event_payload"]["message"]["response_id"].as_str().unwrap();
    let own = sim.get_ok(&format!("/conversations/{conv}/responses/{rid}"));
    assert!(final_message(&own)["feedback"].is_object());
}
