//! The message calls (list messages, list response messages, submit feedback)
//! against the simulator.

mod common;

use common::client;
use std::time::Duration;

use moveworks::{
    Actor, Client, ErrorKind, FeedbackStatus, ListMessagesParams, ListResponseMessagesParams, Message, Response,
    WaitOptions,
};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::json;

fn sim() -> Simulator {
    Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(30), ..Default::default() }).unwrap()
}

fn turn(client: &Client, conv: &str, text: &str) -> Response {
    let wait = WaitOptions {
        initial_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(30),
        ..Default::default()
    };
    client.create_response_and_wait(conv, text, &wait).unwrap()
}

fn count(sim: &Simulator, method: &str, path_part: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r["method"] == method && r["path"].as_str().unwrap_or_default().contains(path_part))
        .count()
}

fn actors(messages: &[Message]) -> Vec<(Actor, String)> {
    messages.iter().map(|m| (m.actor.clone(), m.response_id.clone())).collect()
}

#[test]
fn list_and_iter_messages_newest_first() {
    let sim = sim();
    let client = client(&sim);
    let conv = client.create_conversation(Some("messages")).unwrap().conversation_id;
    let first = turn(&client, &conv, "first");
    let second = turn(&client, &conv, "second");
    let (r1, r2) = (first.response_id.clone(), second.response_id.clone());

    let page =
        client.list_messages(&ListMessagesParams { conversation_id: conv.clone(), ..Default::default() }).unwrap();
    assert_eq!(page.next_cursor, None);
    assert_eq!(
        actors(&page.messages),
        [(Actor::Assistant, r2.clone()), (Actor::User, r2), (Actor::Assistant, r1.clone()), (Actor::User, r1)]
    );
    // The assistant message is the one get response returned, feedback included.
    assert_eq!(Some(&page.messages[0]), second.assistant_messages().next());
    assert!(page.messages[0].feedback.as_ref().is_some_and(|f| f.helpful.is_some() && f.unhelpful.is_some()));
    assert_eq!(page.messages[1].text(), "second");
    assert_eq!(page.messages[1].feedback, None);

    let one = client
        .list_messages(&ListMessagesParams { conversation_id: conv.clone(), limit: Some(1), cursor: None })
        .unwrap();
    assert_eq!(one.messages, page.messages[..1]);
    let cursor = one.next_cursor.expect("more pages");
    let next = client
        .list_messages(&ListMessagesParams { conversation_id: conv.clone(), limit: Some(1), cursor: Some(cursor) })
        .unwrap();
    assert_eq!(next.messages, page.messages[1..2]);

    sim.clear_requests();
    let all: Vec<Message> = client
        .iter_messages(ListMessagesParams { conversation_id: conv.clone(), limit: Some(1), cursor: None })
        .collect::<moveworks::Result<_>>()
        .unwrap();
    assert_eq!(all, page.messages);
    assert_eq!(count(&sim, "GET", "/messages"), 4, "one request per page of one");
    let logged = sim.requests();
    assert_eq!(logged[0]["query"], "limit=1");
    assert!(logged[1]["query"].as_str().unwrap().contains("cursor="));
}

#[test]
fn list_response_messages_holds_the_turn() {
    let sim = sim();
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let response = turn(&client, &conv, "what is my PTO balance?");
    turn(&client, &conv, "another");
    let params = ListResponseMessagesParams {
        conversation_id: conv.clone(),
        response_id: response.response_id.clone(),
        ..Default::default()
    };
    let page = client.list_response_messages(&params).unwrap();
    assert_eq!(
        actors(&page.messages),
        [(Actor::Assistant, response.response_id.clone()), (Actor::User, response.response_id.clone())]
    );
    assert_eq!(page.messages[1].text(), "what is my PTO balance?");
    assert_eq!(page.next_cursor, None);
    let iterated: Vec<Message> =
        client.iter_response_messages(params.clone()).collect::<moveworks::Result<_>>().unwrap();
    assert_eq!(iterated, page.messages);

    let err = client
        .list_response_messages(&ListResponseMessagesParams { response_id: "resp_missing".into(), ..params })
        .unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::NotFound, Some(404)));
}

#[test]
fn submit_feedback_sends_the_documented_body() {
    let sim = sim();
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let response = turn(&client, &conv, "rate me");
    let message = response.assistant_messages().next().unwrap().clone();
    let feedback = message.feedback.clone().unwrap();
    let helpful = feedback.helpful.unwrap().callback_id;
    let unhelpful = feedback.unhelpful.unwrap().callback_id;

    let result = client
        .submit_feedback(&conv, &message.response_id, &message.message_id, &helpful, Some("Spot on — merci ✓"))
        .unwrap();
    assert_eq!(result.status, FeedbackStatus::Submitted);
    let result = client.submit_feedback(&conv, &message.response_id, &message.message_id, &unhelpful, None).unwrap();
    assert_eq!(serde_json::to_value(&result).unwrap(), json!({"status": "SUBMITTED"}));
    // The server saw both, with the right rating; None left additional_feedback out.
    let recorded = sim.feedback();
    assert_eq!(recorded.len(), 2);
    assert_eq!(
        (recorded[0]["rating"].as_str(), recorded[0]["additional_feedback"].as_str()),
        (Some("helpful"), Some("Spot on — merci ✓"))
    );
    assert_eq!(
        (recorded[1]["rating"].as_str(), &recorded[1]["additional_feedback"]),
        (Some("unhelpful"), &json!(null))
    );
    assert_eq!(count(&sim, "POST", "/feedback"), 2);
}

#[test]
fn submit_feedback_checks_arguments_before_sending() {
    let sim = sim();
    let client = client(&sim);
    sim.clear_requests();
    let cases: Vec<(&str, moveworks::Error)> = vec![
        ("callback_id", client.submit_feedback("conv_1", "resp_1", "msg_1", "", None).unwrap_err()),
        (
            "additional_feedback",
            client.submit_feedback("conv_1", "resp_1", "msg_1", "cb", Some(&"é".repeat(1001))).unwrap_err(),
        ),
        ("message_id", client.submit_feedback("conv_1", "resp_1", "msg/1", "cb", None).unwrap_err()),
        ("response_id", client.submit_feedback("conv_1", "", "msg_1", "cb", None).unwrap_err()),
        ("conversation_id", client.submit_feedback("..", "resp_1", "msg_1", "cb", None).unwrap_err()),
        (
            "conversation_id",
            client
                .list_messages(&ListMessagesParams { conversation_id: "a?b".into(), ..Default::default() })
                .unwrap_err(),
        ),
        (
            "limit",
            client
                .list_messages(&ListMessagesParams { conversation_id: "conv_1".into(), limit: Some(0), cursor: None })
                .unwrap_err(),
        ),
        (
            "response_id",
            client
                .list_response_messages(&ListResponseMessagesParams {
                    conversation_id: "conv_1".into(),
                    response_id: "r#1".into(),
                    ..Default::default()
                })
                .unwrap_err(),
        ),
    ];
    for (argument, err) in cases {
        assert_eq!((err.kind(), err.argument()), (ErrorKind::InvalidArgument, Some(argument)), "{err}");
    }
    assert!(sim.requests().is_empty(), "nothing was sent: {:?}", sim.requests());
    // Exactly 1,000 characters are allowed (it reaches the server, which says 404).
    let err = client.submit_feedback("conv_1", "resp_1", "msg_1", "cb", Some(&"é".repeat(1000))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn a_foreign_callback_id_is_refused_by_the_server() {
    let sim = sim();
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let a = turn(&client, &conv, "a").assistant_messages().next().unwrap().clone();
    let b = turn(&client, &conv, "b").assistant_messages().next().unwrap().clone();
    let foreign = b.feedback.unwrap().helpful.unwrap().callback_id;
    let err = client.submit_feedback(&conv, &a.response_id, &a.message_id, &foreign, None).unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::BadRequest, Some(400)), "{err}");
    assert_eq!(err.code().map(|c| c.as_str().to_owned()).as_deref(), Some("INVALID_REQUEST"));
    assert!(sim.feedback().is_empty());
}

#[test]
fn submit_feedback_is_not_repeated_after_an_ambiguous_failure() {
    let sim = sim();
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let m = turn(&client, &conv, "x").assistant_messages().next().unwrap().clone();
    let helpful = m.feedback.clone().unwrap().helpful.unwrap().callback_id;
    // The server processes the request, then the connection drops mid-body.
    sim.push_fault(json!({"kind": "drop", "method": "POST", "path_contains": "/feedback"}));
    let err = client.submit_feedback(&conv, &m.response_id, &m.message_id, &helpful, None).unwrap_err();
    assert!(err.kind().is_a(ErrorKind::Connection), "{err:?}");
    assert_eq!(count(&sim, "POST", "/feedback"), 1, "not retried");
    assert_eq!(sim.feedback().len(), 1);
    // A 429 was refused before processing: retried.
    sim.push_fault(json!({"kind": "status", "status": 429, "retry_after_ms": "10", "path_contains": "/feedback"}));
    client.submit_feedback(&conv, &m.response_id, &m.message_id, &helpful, None).unwrap();
    assert_eq!(count(&sim, "POST", "/feedback"), 3);
    assert_eq!(sim.feedback().len(), 2);
}
