//! `/rest/v1` beside `/rest/v1beta1`: the trace header, per-user bearers and
//! ownership, the input variants, get one event, attachments, the webhook sender.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::v1::{text_of, User};
use common::{Api, SimulatorConfig, ASSISTANT, TOKEN};
use serde_json::{json, Value};

fn api() -> Api {
    Api::with_config(SimulatorConfig { response_duration: Duration::from_millis(30), ..SimulatorConfig::default() })
}

#[test]
fn v1_is_served_beside_the_beta_with_x_trace_id() {
    let api = api();
    assert_eq!(api.sim.v1_base_url(), format!("{}/rest/v1", api.sim.origin()));
    let sim = User::sim(&api);
    // The demo app's first call.
    let reply = sim.get("/conversations?limit=1");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json(), json!({"conversations": [], "metadata": {"next_cursor": null}}));
    // Errors and unknown paths carry it too.
    let missing = sim.get("/conversations/conv_nope");
    assert_eq!((missing.status, missing.error_code().as_str()), (404, "NOT_FOUND"));
    assert_eq!(sim.get("/nope").status, 404);
    assert_eq!(sim.get("").status, 404);
    let unauthorized = api.call("GET", "/rest/v1/conversations", &[("Assistant-Name", ASSISTANT)], None);
    assert_eq!(unauthorized.status, 401);
    assert_eq!(api.sim.requests().last().unwrap()["user_id"], Value::Null);
    common::v1::assert_v1_headers(&unauthorized);
    // The beta keeps its own header only, and knows nothing of the v1-only routes.
    let beta = api.get("/conversations");
    assert!(beta.header("x-trace-id").is_none());
    let id = sim.create_conversation();
    assert_eq!(api.get(&format!("/conversations/{id}")).status, 200, "one store for both generations");
    assert_eq!(api.get(&format!("/conversations/{id}/events/evt_1")).status, 404);
    // The request log records the trace id sent.
    let log = api.sim.requests();
    let last_v1 = log.iter().rev().find(|r| r["path"].as_str().unwrap().starts_with("/rest/v1/")).unwrap();
    assert!(last_v1["root_uuid"].is_string());
}

#[test]
fn each_user_sees_only_their_own_conversations() {
    let api = api();
    let alice = User::minted(&api, "u_alice");
    let alice_again = User::minted(&api, "u_alice");
    assert_ne!(alice.token, alice_again.token, "a fresh token per call");
    let bob = User::minted(&api, "u_bob");
    let sim = User::sim(&api);

    let conv = alice.create_conversation();
    let (rid, _) = alice.ask(&conv, "hello");
    assert_eq!(alice_again.get_ok(&format!("/conversations/{conv}"))["conversation_id"], conv.as_str());
    let paths = [
        format!("/conversations/{conv}"),
        format!("/conversations/{conv}/messages"),
        format!("/conversations/{conv}/events"),
        format!("/conversations/{conv}/responses/{rid}"),
        format!("/conversations/{conv}/responses/{rid}/messages"),
    ];
    for other in [&bob, &sim] {
        for path in &paths {
            let reply = other.get(path);
            assert_eq!((reply.status, reply.error_code().as_str()), (404, "NOT_FOUND"), "{path}");
        }
        let patch = other.call("PATCH", &format!("/conversations/{conv}"), Some(json!({"title": "mine"})));
        assert_eq!(patch.status, 404);
        let turn = other.post(&format!("/conversations/{conv}/responses"), json!({"input": {"text": "hi"}}));
        assert_eq!(turn.status, 404);
        assert_eq!(other.get_ok("/conversations")["conversations"], json!([]));
    }
    let listed = alice.get_ok("/conversations")["conversations"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Events: `-` lists only the caller's.
    api.sim.run("inject_event", &json!({"conversation_id": conv, "text": "for alice", "user_id": "u_alice"})).unwrap();
    let bobs = bob.create_conversation();
    api.sim.run("inject_event", &json!({"conversation_id": bobs, "text": "for bob"})).unwrap();
    let texts = |user: &User| -> Vec<String> {
        let events = user.get_ok("/conversations/-/events")["events"].clone();
        events.as_array().unwrap().iter().map(|e| text_of(&e["event_payload"]["message"])).collect()
    };
    assert_eq!(texts(&alice), ["for alice"]);
    assert_eq!(texts(&bob), ["for bob"]);
    assert!(texts(&sim).is_empty());
    let wrong_user = api.sim.run("inject_event", &json!({"conversation_id": conv, "text": "x", "user_id": "u_bob"}));
    assert!(wrong_user.unwrap_err().contains("u_alice"));

    // The request log says whom each request acted for.
    let log = api.sim.run("requests", &json!({"path_contains": "/rest/v1/conversations"})).unwrap();
    let users: Vec<&Value> = log.as_array().unwrap().iter().map(|r| &r["user_id"]).collect();
    for user in ["u_alice", "u_bob", "user_sim"] {
        assert!(users.contains(&&json!(user)), "{user}: {users:?}");
    }

    // The beta is org-level: it sees every conversation.
    assert_eq!(api.get("/conversations").json()["conversations"].as_array().unwrap().len(), 2);

    // All minted tokens stay valid until revoke_tokens.
    assert_eq!(api.sim.run("revoke_tokens", &json!({})).unwrap()["revoked"], 3);
    assert_eq!(alice.get("/conversations").status, 401);
    assert_eq!(sim.get("/conversations").status, 200, "the static token stays valid");
    assert!(api.sim.run("user_token", &json!({})).is_err());
    assert!(api.sim.run("user_token", &json!({"user_id": ""})).is_err());
    assert!(api.sim.run("user_token", &json!({"user_id": "u", "x": 1})).is_err());
}

#[test]
fn oauth_tokens_act_as_user_sim() {
    let api = api();
    let form = "grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret";
    let reply = api.call(
        "POST",
        "/oauth/v1/token",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    );
    let oauth = User { api: &api, token: reply.json()["access_token"].as_str().unwrap().to_owned() };
    let conv = User::sim(&api).create_conversation();
    assert_eq!(oauth.get_ok(&format!("/conversations/{conv}"))["conversation_id"], conv.as_str());
}

#[test]
fn input_takes_exactly_one_variant_and_records_the_user_message() {
    let api = api();
    let sim = User::sim(&api);
    let conv = sim.create_conversation();
    let chat = sim.turn(&conv, json!({"chat": {"text": "what is the wifi password?"}}));
    let text = sim.turn(&conv, json!({"text": "and the vpn?"}));
    let press = sim.turn(&conv, json!({"callback_id": "cb_unknown_1"}));
    let action = sim.turn(&conv, json!({"action": {"callback_id": "cb_unknown_2"}}));
    let other_action = sim.turn(&conv, json!({"action": {"kind": "something new"}}));
    let user_content = |rid: &str| {
        let messages = sim.get_ok(&format!("/conversations/{conv}/responses/{rid}/messages"))["messages"].clone();
        let user = messages.as_array().unwrap().iter().find(|m| m["actor"] == "USER").unwrap().clone();
        user["content"].clone()
    };
    for rid in [&chat, &text, &press, &action, &other_action] {
        sim.wait(&conv, rid);
    }
    assert_eq!(
        user_content(&chat),
        json!({"type": "PLAIN_TEXT", "plain_text": {"text": "what is the wifi password?"}})
    );
    assert_eq!(user_content(&text), json!({"type": "PLAIN_TEXT", "plain_text": {"text": "and the vpn?"}}));
    assert_eq!(
        user_content(&press),
        json!({"type": "CALLBACK_ACTION_CONTENT", "callback_action": {"callback_id": "cb_unknown_1"}})
    );
    assert_eq!(
        user_content(&action),
        json!({"type": "CALLBACK_ACTION_CONTENT", "callback_action": {"callback_id": "cb_unknown_2"}})
    );
    assert_eq!(user_content(&other_action), json!({"type": "CALLBACK_ACTION_CONTENT"}));
    // A typed turn gets the beta answer (citations and all); a press of an unknown id an acknowledgement.
    let answer = common::v1::final_message(&sim.wait(&conv, &chat));
    assert_eq!(answer["citations"].as_array().unwrap().len(), 3);
    assert!(text_of(&answer).contains("what is the wifi password?"));
    let ack = common::v1::final_message(&sim.wait(&conv, &other_action));
    assert_eq!(ack["actor"], "ASSISTANT");
    assert!(ack.get("actions").is_none());

    for bad in [
        json!({}),
        json!({"text": "a", "chat": {"text": "b"}}),
        json!({"chat": "text"}),
        json!({"chat": {}}),
        json!({"chat": {"text": ""}}),
        json!({"text": 5}),
        json!({"callback_id": ""}),
        json!({"action": "press"}),
        json!({"nope": "x"}),
        json!("text"),
    ] {
        for path in ["responses", "responses/stream"] {
            let reply = api.call(
                "POST",
                &format!("/rest/v1/conversations/{conv}/{path}"),
                &[
                    ("Authorization", &format!("Bearer {TOKEN}")),
                    ("Assistant-Name", ASSISTANT),
                    ("Accept", "text/event-stream"),
                    ("Content-Type", "application/json"),
                ],
                Some(json!({"input": bad}).to_string().as_bytes()),
            );
            assert_eq!((reply.status, reply.error_code().as_str()), (400, "INVALID_INPUT"), "{path} {bad}");
        }
    }
    // The beta still takes `text` only.
    let beta = api.post(&format!("/conversations/{conv}/responses"), json!({"input": {"chat": {"text": "hi"}}}));
    assert_eq!(beta.status, 400);
}

#[test]
fn get_one_event_and_created_at_on_v1_events() {
    let api = api();
    let sim = User::sim(&api);
    let bob = User::minted(&api, "u_bob");
    let conv = sim.create_conversation();
    let other = sim.create_conversation();
    let injected =
        api.sim.run("inject_event", &json!({"conversation_id": conv, "text": "Your laptop shipped"})).unwrap();
    let event_id = injected["event_id"].as_str().unwrap();
    let listed = sim.get_ok(&format!("/conversations/{conv}/events"))["events"][0].clone();
    assert!(listed["created_at"].as_str().unwrap().ends_with('Z'), "{listed}");
    let one = sim.get_ok(&format!("/conversations/{conv}/events/{event_id}"));
    assert_eq!(one, listed);
    assert_eq!(one["event_payload"]["message"]["actor"], "ASSISTANT");
    // The beta's events stay as published there: no created_at.
    let beta = api.get(&format!("/conversations/{conv}/events")).json();
    assert!(beta["events"][0].get("created_at").is_none());

    let dash = sim.get(&format!("/conversations/-/events/{event_id}"));
    assert_eq!((dash.status, dash.error_code().as_str()), (400, "INVALID_INPUT"));
    assert_eq!(sim.get(&format!("/conversations/{other}/events/{event_id}")).status, 404);
    assert_eq!(sim.get(&format!("/conversations/{conv}/events/evt_nope")).status, 404);
    assert_eq!(bob.get(&format!("/conversations/{conv}/events/{event_id}")).status, 404);
    assert_eq!(sim.call("POST", &format!("/conversations/{conv}/events/{event_id}"), None).status, 405);
}

#[test]
fn add_user_message_puts_files_into_history() {
    let api = api();
    let sim = User::sim(&api);
    let conv = sim.create_conversation();
    let files = json!([{"file_id": "file_8Zq1", "file_name": "vpn-error.png"}, {"file_id": "file_8Zq2"}]);
    let message = api
        .sim
        .run("add_user_message", &json!({"conversation_id": conv, "text": "screenshot attached", "files": files}))
        .unwrap();
    assert_eq!(message["actor"], "USER");
    assert_eq!(
        message["content"],
        json!({"type": "PLAIN_TEXT", "plain_text": {"text": "screenshot attached", "files": files}})
    );
    let history = sim.get_ok(&format!("/conversations/{conv}/messages"))["messages"].clone();
    assert_eq!(history, json!([message]), "no answer follows it");
    // Without files: plain text as usual.
    let plain = api.sim.run("add_user_message", &json!({"conversation_id": conv, "text": "no files"})).unwrap();
    assert_eq!(plain["content"], json!({"type": "PLAIN_TEXT", "plain_text": {"text": "no files"}}));
    for bad in [
        json!({"conversation_id": conv}),
        json!({"conversation_id": "conv_nope", "text": "x"}),
        json!({"conversation_id": conv, "text": "x", "files": [{"file_name": "a"}]}),
        json!({"conversation_id": conv, "text": "x", "files": "f"}),
        json!({"conversation_id": conv, "text": "x", "extra": 1}),
    ] {
        assert!(api.sim.run("add_user_message", &bad).is_err(), "{bad}");
    }
}

/// A one-shot-per-connection HTTP receiver: forwards each request body, answers `status`.
fn receiver(status: u16) -> (String, mpsc::Receiver<(String, Value)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/moveworks", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim_end().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap();
                    }
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let _ = (&stream).write_all(format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n").as_bytes());
            if tx.send((request_line, serde_json::from_slice(&body).unwrap())).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

#[test]
fn the_webhook_sender_posts_system_initiated_events() {
    let api = api();
    let alice = User::minted(&api, "u_alice");
    let conv = alice.create_conversation();
    let (url, received) = receiver(204);
    assert_eq!(api.sim.run("webhook", &json!({"url": url})).unwrap(), json!({"url": url}));
    let event = api.sim.run("inject_event", &json!({"conversation_id": conv, "text": "Ticket updated"})).unwrap();
    let (line, body) = received.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(line.starts_with("POST /hooks/moveworks "), "{line}");
    assert_eq!(body["id"], event["event_id"]);
    assert_eq!(body["type"], "CONVERSATION_RESPONSE_RECEIVED");
    assert_eq!(body["data"], json!({"conversation_id": conv, "user_id": "u_alice"}));
    assert!(body["created_at"].is_string());
    // What a webhook handler does next: get the event with that user's credentials.
    let fetched = alice.get_ok(&format!("/conversations/{conv}/events/{}", body["id"].as_str().unwrap()));
    assert_eq!(text_of(&fetched["event_payload"]["message"]), "Ticket updated");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let deliveries = api.sim.run("webhook_deliveries", &json!({})).unwrap();
        if deliveries[0]["status"] == 204 {
            assert_eq!(deliveries[0]["url"], url.as_str());
            assert_eq!(deliveries[0]["body"], body);
            assert_eq!(deliveries[0]["error"], Value::Null);
            break;
        }
        assert!(Instant::now() < deadline, "{deliveries}");
        thread::sleep(Duration::from_millis(10));
    }
    // Stopped: nothing more is sent.
    api.sim.run("webhook", &json!({"url": null})).unwrap();
    api.sim.run("inject_event", &json!({"conversation_id": conv, "text": "quiet"})).unwrap();
    assert!(received.recv_timeout(Duration::from_millis(200)).is_err());
    assert_eq!(api.sim.run("webhook_deliveries", &json!({})).unwrap().as_array().unwrap().len(), 1);
    assert!(api.sim.run("webhook", &json!({"url": "https://example.com/x"})).is_err());
    assert!(api.sim.run("webhook", &json!({})).is_err());
    assert!(api.sim.run("webhook_deliveries", &json!({"x": 1})).is_err());
}

#[test]
fn a_dead_webhook_never_blocks_a_request() {
    let api = api();
    let conv = User::sim(&api).create_conversation();
    // A port that accepts and never answers: the POST times out in the background.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/slow", silent.local_addr().unwrap());
    api.sim.run("webhook", &json!({"url": url})).unwrap();
    let started = Instant::now();
    for i in 0..3 {
        api.sim.run("inject_event", &json!({"conversation_id": conv, "text": format!("n{i}")})).unwrap();
    }
    assert!(started.elapsed() < Duration::from_millis(500), "{:?}", started.elapsed());
    assert_eq!(User::sim(&api).get_ok("/conversations/-/events")["events"].as_array().unwrap().len(), 3);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let deliveries = api.sim.run("webhook_deliveries", &json!({})).unwrap();
        if deliveries.as_array().unwrap().iter().all(|d| d["error"].is_string()) {
            break;
        }
        assert!(Instant::now() < deadline, "{deliveries}");
        thread::sleep(Duration::from_millis(50));
    }
    drop(silent);
}

#[test]
fn live_agent_replies_and_modal_follow_ups_reach_the_webhook() {
    let api = api();
    api.sim.run("configure", &json!({"live_agent_delay_ms": 20})).unwrap();
    let alice = User::minted(&api, "u_alice");
    let conv = alice.create_conversation();
    let (url, received) = receiver(200);
    api.sim.run("webhook", &json!({"url": url})).unwrap();
    let (_, message) = alice.ask(&conv, "laptop");
    // Submit the form.
    let modal = format!(
        "/conversations/{conv}/responses/{}/messages/{}/modals/{}/submit",
        message["response_id"].as_str().unwrap(),
        message["message_id"].as_str().unwrap(),
        message["actions"][1]["modal_action"]["modal_id"].as_str().unwrap()
    );
    assert_eq!(alice.post(&modal, json!({"values": {"model": {"option": "win"}}})).status, 200);
    let (_, first) = received.recv_timeout(Duration::from_secs(5)).unwrap();
    // Talk to an agent.
    let agent = &message["handoff"]["handoff_categories"][0]["handoff_items"][0]["action"]["callback_action"];
    alice.press(&conv, agent["callback_id"].as_str().unwrap());
    let (_, second) = received.recv_timeout(Duration::from_secs(5)).unwrap();
    for (body, actor) in [(first, "ASSISTANT"), (second, "LIVE_AGENT")] {
        assert_eq!(body["data"], json!({"conversation_id": conv, "user_id": "u_alice"}));
        let event = alice.get_ok(&format!("/conversations/{conv}/events/{}", body["id"].as_str().unwrap()));
        assert_eq!(event["event_payload"]["message"]["actor"], actor);
    }
}

#[test]
fn inject_event_for_a_user_without_a_conversation_makes_a_system_initiated_one() {
    let api = api();
    let carol = User::minted(&api, "u_carol");
    let event = api.sim.run("inject_event", &json!({"user_id": "u_carol", "text": "Your badge is ready"})).unwrap();
    let conv = event["conversation_id"].as_str().unwrap();
    let listed = carol.get_ok("/conversations")["conversations"].clone();
    assert_eq!(listed[0]["conversation_id"], conv);
    assert_eq!(listed[0]["title"], "System Initiated Conversation");
    assert_eq!(carol.get_ok("/conversations/-/events")["events"][0]["event_id"], event["event_id"]);
    assert_eq!(User::sim(&api).get(&format!("/conversations/{conv}")).status, 404);
    assert!(api.sim.run("inject_event", &json!({"text": "nobody"})).is_err());
}

#[test]
fn faults_apply_on_v1_too() {
    let api = api();
    let sim = User::sim(&api);
    let conv = sim.create_conversation();
    api.sim.run("fail_next_response", &json!({})).unwrap();
    let failed = sim.wait(&conv, &sim.turn(&conv, json!({"chat": {"text": "laptop"}})));
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["error"]["code"], "INTERNAL_ERROR");
    api.sim
        .run("fault", &json!({"kind": "status", "status": 429, "retry_after": "1", "path_contains": "/rest/v1/"}))
        .unwrap();
    let limited = sim.get("/conversations");
    assert_eq!((limited.status, limited.error_code().as_str()), (429, "RATE_LIMIT_EXCEEDED"));
    assert_eq!(limited.header("retry-after"), Some("1"));
    api.sim.run("fault", &json!({"kind": "handoff"})).unwrap();
    let handed = sim.wait(&conv, &sim.turn(&conv, json!({"text": "hello"})));
    assert_eq!((&handed["status"], &handed["outputs"]), (&json!("COMPLETED"), &json!([])));
    // A raw fault keeps its own headers but still gets the generation's trace header.
    api.sim
        .run(
            "fault",
            &json!({"kind": "raw", "status": 502, "body": "<html>bad gateway</html>",
        "headers": {"Content-Type": "text/html"}}),
        )
        .unwrap();
    let raw = api.call("GET", "/rest/v1/conversations", &[], None);
    assert_eq!(raw.status, 502);
    assert!(raw.header("x-trace-id").is_some() && raw.header("x-moveworks-root-uuid").is_none());
}
