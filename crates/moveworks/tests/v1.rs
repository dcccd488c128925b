//! rest/v1 against the simulator: the generation switch, input variants, buttons,
//! forms, live agents, attachments, get event and per-user isolation.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use moveworks::{
    Action, Actor, ApiVersion, Client, ClientBuilder, Content, ErrorKind, EventPayload, HandoffItemType, Input,
    ListEventsParams, ListMessagesParams, Message, ModalFieldKind, ModalSubmitStatus, ModalValue, Response,
    StreamOptions, WaitOptions,
};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::json;

fn sim() -> Simulator {
    let sim = Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(30), ..Default::default() })
        .unwrap();
    sim.run("configure", &json!({"live_agent_delay_ms": 50})).unwrap();
    sim
}

fn builder(sim: &Simulator, base_url: String) -> ClientBuilder {
    let cfg = sim.config();
    Client::builder()
        .base_url(base_url)
        .assistant_name(cfg.assistant_name.clone())
        .bearer_token(cfg.static_token.clone().unwrap())
}

fn v1(sim: &Simulator) -> Client {
    builder(sim, sim.v1_base_url()).build().unwrap()
}

fn user(sim: &Simulator, user_id: &str) -> Client {
    let minted = sim.run("user_token", &json!({ "user_id": user_id })).unwrap();
    let cfg = sim.config();
    Client::builder()
        .base_url(sim.v1_base_url())
        .assistant_name(cfg.assistant_name.clone())
        .bearer_token(minted["token"].as_str().unwrap())
        .build()
        .unwrap()
}

fn wait() -> WaitOptions {
    WaitOptions {
        initial_interval: Duration::from_millis(10),
        max_interval: Duration::from_millis(40),
        deadline: Duration::from_secs(20),
        ..Default::default()
    }
}

fn answer(response: &Response) -> Message {
    response.assistant_messages().last().cloned().expect("an assistant message")
}

/// The laptop answer, read back from history (as an app re-reads it).
fn laptop(client: &Client) -> (String, Message) {
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let response = client.create_response_and_wait(&conv, "I need a new laptop", &wait()).unwrap();
    (conv, answer(&response))
}

/// The newest USER message of a conversation: what the server recorded of the last input.
fn last_user_message(client: &Client, conv: &str) -> Message {
    let page = client
        .list_messages(&ListMessagesParams { conversation_id: conv.to_owned(), cursor: None, limit: Some(20) })
        .unwrap();
    page.messages.into_iter().find(|m| m.actor == Actor::User).expect("a user message")
}

fn events_until(client: &Client, conv: &str, count: usize) -> Vec<moveworks::Event> {
    let started = Instant::now();
    loop {
        let page = client
            .list_events(&ListEventsParams { conversation_id: Some(conv.to_owned()), ..Default::default() })
            .unwrap();
        if page.events.len() >= count {
            return page.events;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{} events after 10 s", page.events.len());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_generation_decides_path_input_and_trace_header() {
    let sim = sim();
    let client = v1(&sim);
    assert_eq!(client.api_version(), ApiVersion::V1);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let response = client.create_response_and_wait(&conv, "hello", &wait()).unwrap();
    assert!(response.request_id.is_some(), "x-trace-id is read on v1");
    // The wire shapes are unit-tested (input.rs); here the server accepted and recorded them.
    assert_eq!(last_user_message(&client, &conv).text(), "hello");

    // A bare origin gets the generation's path; the beta keeps `{"text"}`.
    let beta = builder(&sim, sim.origin()).api_version(ApiVersion::V1Beta1).build().unwrap();
    assert!(beta.base_url().ends_with("/rest/v1beta1"));
    let conv = beta.create_conversation(None).unwrap().conversation_id;
    // The beta accepts only `{"text"}`: a chat body would be its 400.
    beta.create_response_and_wait(&conv, "hello", &wait()).unwrap();
    assert_eq!(last_user_message(&beta, &conv).text(), "hello");
    let e = beta.create_response(&conv, Input::chat("hello")).unwrap_err();
    assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("input")));
    let origin = builder(&sim, sim.origin()).build().unwrap();
    assert_eq!(origin.base_url(), sim.v1_base_url());
    assert_eq!(origin.api_version(), ApiVersion::V1);
    let e = builder(&sim, sim.base_url()).api_version(ApiVersion::V1).build().unwrap_err();
    assert_eq!(e.argument(), Some("api_version/base_url"));
}

#[test]
fn a_404_on_the_first_call_names_its_causes() {
    let sim = sim();
    let client = builder(&sim, format!("{}/not/the/api", sim.origin())).build().unwrap();
    for e in
        [client.list_conversations(&Default::default()).unwrap_err(), client.create_conversation(None).unwrap_err()]
    {
        assert_eq!(e.kind(), ErrorKind::NotFound);
        for cause in ["not be enabled", "data center", "generation"] {
            assert!(e.message().contains(cause), "{cause}: {}", e.message());
        }
    }
    // A 404 naming an id keeps the server's message alone.
    let e = v1(&sim).get_conversation("conv_missing").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(!e.message().contains("data center"), "{}", e.message());
}

#[test]
fn each_input_variant_reaches_the_server_as_documented() {
    let sim = sim();
    let client = v1(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    for (input, text) in [(Input::chat("hi chat"), "hi chat"), (Input::text("hi text"), "hi text")] {
        client.create_response_and_wait(&conv, input, &wait()).unwrap();
        assert_eq!(last_user_message(&client, &conv).text(), text);
    }
    // The escape hatch: an `action` object the SDK does not know, sent as given.
    let raw = Input::Raw(json!({"action": {"kind": "x"}}).as_object().unwrap().clone());
    let status = client.create_response_and_wait(&conv, raw, &wait()).unwrap().status;
    assert_eq!(status, moveworks::ResponseStatus::Completed);
    let e = client.create_response(&conv, Input::callback("")).unwrap_err();
    assert_eq!(e.argument(), Some("callback_id"));
}

#[test]
fn buttons_in_order_and_pressing_one() {
    let sim = sim();
    let client = v1(&sim);
    let (conv, message) = laptop(&client);
    let labels: Vec<&str> = message.buttons().iter().filter_map(Action::label).collect();
    assert_eq!(labels, ["File it", "Edit details", "Open portal"]);
    assert!(matches!(&message.buttons()[2], Action::Url { url, .. } if url.ends_with("sim_portal")));
    let item = &message.handoff.as_ref().unwrap().categories[0].items[0];
    assert_eq!(item.item_type, HandoffItemType::Action);

    // Press: the callback id goes back as `{"callback_id"}`, the answer follows.
    let pressed = client.press(&conv, &message.buttons()[0]).unwrap();
    let Ok(Input::Callback(callback_id)) = message.buttons()[0].input() else { panic!() };
    assert_eq!(
        last_user_message(&client, &conv).content,
        Content::CallbackAction { callback_id: Some(callback_id) },
        "the press is recorded as CALLBACK_ACTION_CONTENT with the id sent"
    );
    let done = client.wait_for_response(&conv, &pressed.response_id, &wait()).unwrap();
    assert!(answer(&done).text().starts_with("Filed ticket INC"), "{}", answer(&done).text());
    // A link or a form is not pressed.
    for action in &message.buttons()[1..] {
        assert_eq!(client.press(&conv, action).unwrap_err().argument(), Some("action"));
    }
}

#[test]
fn a_press_streams_like_a_question() {
    let sim = sim();
    let client = v1(&sim);
    let (conv, message) = laptop(&client);
    let options = StreamOptions { wait: wait(), ..Default::default() };
    let mut stream = client.stream_response(&conv, message.buttons()[0].input().unwrap(), &options).unwrap();
    let response = stream.finish().unwrap();
    assert!(answer(&response).text().starts_with("Filed ticket INC"));
}

#[test]
fn forms_refresh_rule_submit_and_stale_ids() {
    let sim = sim();
    let client = v1(&sim);
    let (conv, message) = laptop(&client);
    let source = message.modals().into_iter().next().expect("a form button");
    let form = client.get_modal(&source).unwrap();
    assert_eq!(form.title.as_deref(), Some(":memo: New laptop request"));
    assert!(!form.field("needed_by").unwrap().visible);
    let ModalFieldKind::Choice { options: Some(options), .. } = &form.field("model").unwrap().kind else {
        panic!("a choice with options: {form:?}")
    };
    assert_eq!(options.len(), 2);

    // Refresh: the server leaves out the options; the SDK puts them back.
    let values = HashMap::from([("model".to_owned(), ModalValue::Option { value: "mac".into() })]);
    let refreshed = client.refresh_modal(&form, &values).unwrap();
    let needed_by = refreshed.field("needed_by").unwrap();
    assert!(needed_by.visible && needed_by.required);
    assert_eq!(refreshed.field("model").unwrap().kind, form.field("model").unwrap().kind);
    assert_eq!(refreshed.title, form.title);

    // Missing required value: the server's 400.
    let e = client.submit_modal(&source, &HashMap::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    let values = HashMap::from([
        ("model".to_owned(), form.field("model").unwrap().value_from_text("ThinkPad").unwrap()),
        ("reason".to_owned(), ModalValue::Text { text: "broken".into() }),
    ]);
    let submitted = client.submit_modal(&source, &values).unwrap();
    assert_eq!(submitted.status, ModalSubmitStatus::Submitted);

    // Submitted: the id is stale, with a message that says what to do.
    let e = client.get_modal(&source).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("re-read the message"), "{}", e.message());

    // The follow-up arrives as an event.
    let events = events_until(&client, &conv, 1);
    let EventPayload::Message { message: follow_up } = &events[0].payload else { panic!() };
    assert_eq!(follow_up.text(), "Your laptop request is submitted: ThinkPad");

    // expire_modals: ids go stale until the message is read again.
    let (_, message) = laptop(&client);
    let source = message.modals().remove(0);
    sim.run("expire_modals", &json!({})).unwrap();
    assert_eq!(client.get_modal(&source).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn live_agent_reply_arrives_as_an_event_and_get_event_reads_it() {
    let sim = sim();
    let client = v1(&sim);
    let (conv, message) = laptop(&client);
    let agent = message.handoff.as_ref().unwrap().categories[0].items[0].action.clone().unwrap();
    let handed_off = client.create_response_and_wait(&conv, agent.input().unwrap(), &wait()).unwrap();
    assert!(handed_off.outputs.is_empty(), "a handoff completes with no outputs");
    let events = events_until(&client, &conv, 1);
    let EventPayload::Message { message: reply } = &events[0].payload else { panic!() };
    assert!(reply.is_live_agent());
    assert_eq!(reply.actor, Actor::LiveAgent);
    assert_eq!(reply.sender_info.as_ref().unwrap().display_name, "Priya Raman");
    assert!(events[0].created_at.is_some(), "v1 events carry created_at");

    let one = client.get_event(&conv, &events[0].event_id).unwrap();
    assert_eq!(one, events[0]);
    assert!(one.request_id.is_some());
    let e = client.get_event("-", &events[0].event_id).unwrap_err();
    assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("conversation_id")));
    assert_eq!(client.get_event(&conv, "evt_unknown").unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn attachments_in_history() {
    let sim = sim();
    let client = v1(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    sim.run(
        "add_user_message",
        &json!({"conversation_id": conv, "text": "screenshot attached",
                "files": [{"file_id": "file_1", "file_name": "vpn.png"}, {"file_id": "file_2"}]}),
    )
    .unwrap();
    let page = client.list_messages(&ListMessagesParams { conversation_id: conv, cursor: None, limit: None }).unwrap();
    let m = &page.messages[0];
    assert_eq!(m.files().iter().map(|f| f.file_id.as_str()).collect::<Vec<_>>(), ["file_1", "file_2"]);
    assert_eq!(m.files()[0].file_name.as_deref(), Some("vpn.png"));
    assert_eq!(m.files()[1].file_name, None);
}

#[test]
fn two_users_on_one_simulator_see_only_their_own() {
    let sim = sim();
    let (alice, bob) = (user(&sim, "u_alice"), user(&sim, "u_bob"));
    let conv = alice.create_conversation(Some("mine")).unwrap().conversation_id;
    assert_eq!(bob.get_conversation(&conv).unwrap_err().kind(), ErrorKind::NotFound);
    assert!(bob.list_conversations(&Default::default()).unwrap().conversations.is_empty());
    assert_eq!(alice.get_conversation(&conv).unwrap().title.as_deref(), Some("mine"));
}

#[test]
fn rest_v1_calls_are_refused_on_a_beta_client() {
    let sim = sim();
    let beta = builder(&sim, sim.base_url()).build().unwrap();
    assert_eq!(beta.api_version(), ApiVersion::V1Beta1);
    assert_eq!(beta.get_event("conv_1", "evt_1").unwrap_err().argument(), Some("api_version"));
}
