//! The events follower and the webhook helper against the simulator: delivery,
//! a restart from a file checkpoint with no loss or duplicate, back-off on 429 and
//! 5xx, prompt cancellation, and a webhook delivery fetched with its user's token.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use moveworks::{
    CancelToken, CheckpointStore, Client, ErrorKind, Event, EventPayload, EventsFollower, FileCheckpoint,
    FollowOptions, MemoryCheckpoint, WebhookDelivery,
};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::json;

fn sim() -> Simulator {
    Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(30), ..Default::default() }).unwrap()
}

/// A client acting as `user_id` (a bearer minted by the simulator).
fn user(sim: &Simulator, user_id: &str) -> Client {
    let minted = sim.run("user_token", &json!({ "user_id": user_id })).unwrap();
    Client::builder()
        .base_url(sim.v1_base_url())
        .assistant_name(sim.config().assistant_name.clone())
        .bearer_token(minted["token"].as_str().unwrap())
        .build()
        .unwrap()
}

/// An event for `user_id` in a new "System Initiated Conversation".
fn inject(sim: &Simulator, user_id: &str, text: &str) {
    sim.run("inject_event", &json!({ "user_id": user_id, "text": text })).unwrap();
}

fn text(event: &Event) -> String {
    match &event.payload {
        EventPayload::Message { message } => message.text(),
        other => panic!("not a message event: {other:?}"),
    }
}

/// A handler recording each event's text.
fn record(seen: &mut Vec<String>) -> impl FnMut(&Event) -> ControlFlow<()> + '_ {
    move |event| {
        seen.push(text(event));
        ControlFlow::Continue(())
    }
}

/// Fast polls and small pages, so paging and timing are exercised in a short test.
fn fast() -> FollowOptions {
    FollowOptions {
        interval: Duration::from_millis(40),
        page_size: 2,
        max_backoff: Duration::from_millis(100),
        ..Default::default()
    }
}

fn temp_checkpoint(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mw-follow-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("u_alice.checkpoint");
    let _ = std::fs::remove_file(&path);
    path
}

/// Runs `follower` on a thread, collecting texts, until `count` arrived; then stops it.
fn follow_until(follower: EventsFollower, count: usize) -> (EventsFollower, Vec<String>) {
    let cancel = follower.cancel_token();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let handle = thread::spawn(move || {
        let mut follower = follower;
        follower
            .run(|event| {
                sink.lock().unwrap().push(text(event));
                ControlFlow::Continue(())
            })
            .unwrap();
        follower
    });
    let started = Instant::now();
    while seen.lock().unwrap().len() < count {
        assert!(started.elapsed() < Duration::from_secs(15), "only {:?} after 15 s", seen.lock().unwrap());
        thread::sleep(Duration::from_millis(10));
    }
    cancel.cancel();
    let follower = handle.join().unwrap();
    let seen = seen.lock().unwrap().clone();
    (follower, seen)
}

#[test]
fn a_restart_from_the_file_checkpoint_delivers_exactly_the_new_events() {
    let sim = sim();
    let alice = user(&sim, "u_alice");
    let path = temp_checkpoint("restart");
    // History before the first start is caught up on, not replayed.
    for text in ["old 1", "old 2", "old 3"] {
        inject(&sim, "u_alice", text);
    }
    // Another user's events never reach Alice's follower.
    inject(&sim, "u_bob", "not for alice");

    let mut follower = EventsFollower::new(&alice, FileCheckpoint::new(&path), fast()).unwrap();
    assert_eq!(follower.poll_once(|_| panic!("the first poll only catches up")).unwrap(), 0);
    let caught_up = follower.checkpoint().unwrap().to_owned();
    assert!(caught_up.starts_with("evt_"), "{caught_up}");
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), caught_up);

    for text in ["new 1", "new 2", "new 3"] {
        inject(&sim, "u_alice", text);
        inject(&sim, "u_bob", "not for alice either");
    }
    let (follower, seen) = follow_until(follower, 3);
    assert_eq!(seen, ["new 1", "new 2", "new 3"]);
    let stopped_at = follower.checkpoint().unwrap().to_owned();
    drop(follower);

    // While stopped, more arrive; a new process resumes from the file.
    for text in ["later 1", "later 2", "later 3", "later 4", "later 5"] {
        inject(&sim, "u_alice", text);
    }
    assert_eq!(FileCheckpoint::new(&path).load().unwrap().as_deref(), Some(stopped_at.as_str()));
    let restarted = EventsFollower::new(&alice, FileCheckpoint::new(&path), fast()).unwrap();
    let (restarted, seen) = follow_until(restarted, 5);
    assert_eq!(seen, ["later 1", "later 2", "later 3", "later 4", "later 5"], "none lost, none twice");
    // A cancelled follower stays stopped; a third one finds nothing pending.
    let mut stopped = restarted;
    assert_eq!(stopped.poll_once(|_| ControlFlow::Continue(())).unwrap_err().kind(), ErrorKind::Cancelled);
    let mut third = EventsFollower::new(&alice, FileCheckpoint::new(&path), fast()).unwrap();
    assert_eq!(third.poll_once(|e| panic!("delivered twice: {}", text(e))).unwrap(), 0);
}

#[test]
fn a_fresh_start_with_an_empty_feed_then_a_restart_loses_nothing() {
    // Following began before any event: the checkpoint says "from the start", so the
    // events that arrive while stopped are not mistaken for history on restart.
    let sim = sim();
    let alice = user(&sim, "u_alice");
    let path = temp_checkpoint("empty");
    let mut follower = EventsFollower::new(&alice, FileCheckpoint::new(&path), fast()).unwrap();
    assert_eq!(follower.poll_once(|_| ControlFlow::Continue(())).unwrap(), 0);
    assert_eq!(follower.checkpoint(), Some(""));
    drop(follower);
    inject(&sim, "u_alice", "while stopped");
    let mut restarted = EventsFollower::new(&alice, FileCheckpoint::new(&path), fast()).unwrap();
    let mut seen = Vec::new();
    restarted.poll_once(record(&mut seen)).unwrap();
    assert_eq!(seen, ["while stopped"]);
}

#[test]
fn replay_delivers_the_history_and_an_unhandled_event_comes_again() {
    let sim = sim();
    let alice = user(&sim, "u_alice");
    for text in ["a", "b", "c"] {
        inject(&sim, "u_alice", text);
    }
    let mut store = MemoryCheckpoint::new();
    let options = FollowOptions { replay: true, ..fast() };
    let mut follower = EventsFollower::new(&alice, store.clone(), options.clone()).unwrap();
    let mut seen = Vec::new();
    // The handler fails on "b": "a" is saved, "b" is not.
    let handled = follower
        .poll_once(|e| match text(e).as_str() {
            "b" => ControlFlow::Break(()),
            t => {
                seen.push(t.to_owned());
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!((handled, seen.as_slice()), (1, &["a".to_owned()][..]));
    // The same follower delivers "b" again, then "c".
    let mut again = Vec::new();
    follower.poll_once(record(&mut again)).unwrap();
    assert_eq!(again, ["b", "c"]);

    // The iterator form: an event's checkpoint is saved once the loop asks for the next.
    store.save("").unwrap();
    let mut follower = EventsFollower::new(&alice, store, options).unwrap();
    let cancel = follower.cancel_token();
    let mut texts = Vec::new();
    for event in follower.events() {
        texts.push(text(&event.unwrap()));
        if texts.len() == 3 {
            cancel.cancel();
        }
    }
    assert_eq!(texts, ["a", "b", "c"]);
    let last = follower.checkpoint().unwrap().to_owned();
    assert!(!last.is_empty());
}

#[test]
fn a_429_is_backed_off_as_retry_after_asks_and_a_5xx_exponentially_then_it_recovers() {
    let sim = sim();
    let alice = user(&sim, "u_alice");
    let backoffs = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&backoffs);
    let options = FollowOptions {
        on_backoff: Some(Arc::new(move |e, wait| record.lock().unwrap().push((e.kind(), e.status(), wait)))),
        ..fast()
    };
    let mut follower = EventsFollower::new(&alice, MemoryCheckpoint::at(""), options).unwrap();
    inject(&sim, "u_alice", "first");
    assert_eq!(follower.poll_once(|_| ControlFlow::Continue(())).unwrap(), 1);

    for text in ["second", "third", "fourth"] {
        inject(&sim, "u_alice", text);
    }
    // Mid-way: once the first page's first event is handled, the next page is refused twice.
    let cancel = follower.cancel_token();
    let mut seen = Vec::new();
    follower
        .run(|event| {
            seen.push(text(event));
            if seen.len() == 1 {
                sim.run(
                    "fault",
                    &json!({"kind": "status", "status": 429, "code": "RATE_LIMIT_EXCEEDED",
                                         "retry_after_ms": 150, "method": "GET", "path_contains": "/events"}),
                )
                .unwrap();
                sim.run("fault", &json!({"kind": "status", "status": 503, "path_contains": "/events"})).unwrap();
            }
            if seen.len() == 3 {
                cancel.cancel();
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(seen, ["second", "third", "fourth"]);
    let backoffs = backoffs.lock().unwrap().clone();
    assert_eq!(backoffs.len(), 2, "{backoffs:?}");
    assert_eq!(backoffs[0], (ErrorKind::RateLimit, Some(429), Duration::from_millis(150)));
    assert_eq!((backoffs[1].0, backoffs[1].1), (ErrorKind::InternalServer, Some(503)));
    // No Retry-After: the exponential back-off, jittered, within the cap.
    assert!(backoffs[1].2 >= Duration::from_millis(50) && backoffs[1].2 <= Duration::from_millis(100));

    // A permanent failure ends `run` with its error; the checkpoint stays.
    let mut follower = EventsFollower::new(&alice, MemoryCheckpoint::at(""), fast()).unwrap();
    sim.run("fault", &json!({"kind": "status", "status": 401, "code": "UNAUTHORIZED", "path_contains": "/events"}))
        .unwrap();
    let e = follower.run(|_| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(follower.checkpoint(), Some(""));
}

#[test]
fn cancelling_stops_the_follower_promptly_in_a_wait_and_in_a_back_off() {
    let sim = sim();
    let alice = user(&sim, "u_alice");
    let stops = |options: FollowOptions, what: &str| {
        let cancel = CancelToken::new();
        let options = FollowOptions { cancel: Some(cancel.clone()), ..options };
        let mut follower = EventsFollower::new(&alice, MemoryCheckpoint::at(""), options).unwrap();
        let handle = thread::spawn(move || follower.run(|_| ControlFlow::Continue(())));
        thread::sleep(Duration::from_millis(300));
        let asked = Instant::now();
        cancel.cancel();
        handle.join().unwrap().unwrap();
        assert!(asked.elapsed() < Duration::from_millis(500), "{what}: stopped after {:?}", asked.elapsed());
    };
    // Between polls of a long interval.
    stops(FollowOptions { interval: Duration::from_secs(60), ..fast() }, "interval");
    // In a long Retry-After.
    sim.run("fault", &json!({"kind": "status", "status": 429, "retry_after": 60, "path_contains": "/events"})).unwrap();
    stops(fast(), "retry-after");
    // In a slow answer.
    sim.run("fault", &json!({"kind": "delay", "ms": 2000, "path_contains": "/events"})).unwrap();
    stops(fast(), "slow answer");
}

#[test]
fn bad_options_are_refused() {
    let sim = sim();
    let alice = user(&sim, "u_alice");
    for (options, argument) in [
        (FollowOptions { interval: Duration::ZERO, ..fast() }, "interval"),
        (FollowOptions { max_backoff: Duration::ZERO, ..fast() }, "max_backoff"),
        (FollowOptions { page_size: 0, ..fast() }, "page_size"),
        (FollowOptions { page_size: 101, ..fast() }, "page_size"),
    ] {
        let e = EventsFollower::new(&alice, MemoryCheckpoint::new(), options).unwrap_err();
        assert_eq!(e.argument(), Some(argument));
    }
    // A checkpoint that cannot be an id is refused before it is sent.
    let mut follower = EventsFollower::new(&alice, MemoryCheckpoint::at("evt 1/2"), fast()).unwrap();
    assert_eq!(follower.poll_once(|_| ControlFlow::Continue(())).unwrap_err().argument(), Some("checkpoint"));
}

/// A request's headers and body.
type Received = (Vec<(String, String)>, Vec<u8>);

/// A one-route HTTP server that hands each POST body (and its headers) to a channel, answering 200.
fn receiver() -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/moveworks/webhook", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut headers = Vec::new();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let Some((name, value)) = line.trim_end().split_once(':') else { break };
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
            let length = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.parse::<usize>().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").unwrap();
            if tx.send((headers, body)).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

#[test]
fn a_webhook_delivery_is_parsed_and_its_message_fetched_with_that_users_token() {
    let sim = sim();
    let (url, deliveries) = receiver();
    sim.run("webhook", &json!({ "url": url })).unwrap();
    let (alice, bob) = (user(&sim, "u_alice"), user(&sim, "u_bob"));
    let sim_user = Client::builder()
        .base_url(sim.v1_base_url())
        .assistant_name(sim.config().assistant_name.clone())
        .bearer_token(sim.config().static_token.clone().unwrap())
        .build()
        .unwrap();
    inject(&sim, "u_alice", "Your laptop has shipped");

    let (headers, body) = deliveries.recv_timeout(Duration::from_secs(10)).expect("a webhook delivery");
    assert!(headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("content-type") && v.contains("json")));
    let delivery = WebhookDelivery::parse(&body).unwrap();
    assert_eq!(delivery.user_id, "u_alice");
    assert!(delivery.id.starts_with("evt_") && delivery.conversation_id.starts_with("conv_"), "{delivery:?}");
    assert!(delivery.is_conversation_response());
    assert!(delivery.raw.contains_key("created_at"), "unknown members are kept");

    // The content is fetched with the delivery's user's credentials...
    let event = delivery.fetch(&alice).unwrap();
    assert_eq!(text(&event), "Your laptop has shipped");
    assert_eq!(
        (event.event_id.as_str(), event.conversation_id.as_str()),
        (delivery.id.as_str(), &*delivery.conversation_id)
    );
    // ...and is nobody else's.
    for other in [&bob, &sim_user] {
        assert_eq!(delivery.fetch(other).unwrap_err().kind(), ErrorKind::NotFound);
    }
    // The simulator saw our 200 (recorded once its sender read the answer).
    let started = Instant::now();
    loop {
        let sent = sim.run("webhook_deliveries", &json!({})).unwrap();
        if !sent[0]["status"].is_null() || started.elapsed() > Duration::from_secs(5) {
            assert_eq!(sent[0]["status"], 200, "{sent}");
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    // The same event is in Alice's feed: the event id is what dedupes the two paths.
    let mut follower =
        EventsFollower::new(&alice, MemoryCheckpoint::at(""), FollowOptions { replay: true, ..fast() }).unwrap();
    let mut ids = Vec::new();
    follower
        .poll_once(|e| {
            ids.push(e.event_id.clone());
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(ids, std::slice::from_ref(&delivery.id));
}

#[test]
fn a_live_agent_reply_arrives_by_webhook() {
    let sim = sim();
    sim.run("configure", &json!({"live_agent_delay_ms": 50})).unwrap();
    let (url, deliveries) = receiver();
    sim.run("webhook", &json!({ "url": url })).unwrap();
    let alice = user(&sim, "u_alice");
    let conv = alice.create_conversation(None).unwrap().conversation_id;
    let wait = moveworks::WaitOptions { initial_interval: Duration::from_millis(10), ..Default::default() };
    let answer = alice.create_response_and_wait(&conv, "I need a new laptop", &wait).unwrap();
    let message = answer.assistant_messages().last().cloned().unwrap();
    let agent = message.handoff.as_ref().unwrap().categories[0].items[0].action.clone().unwrap();
    alice.create_response_and_wait(&conv, agent.input().unwrap(), &wait).unwrap();

    let (_, body) = deliveries.recv_timeout(Duration::from_secs(10)).expect("a webhook delivery");
    let delivery = WebhookDelivery::parse(&body).unwrap();
    assert_eq!((delivery.user_id.as_str(), delivery.conversation_id.as_str()), ("u_alice", conv.as_str()));
    let EventPayload::Message { message } = delivery.fetch(&alice).unwrap().payload else { panic!() };
    assert!(message.is_live_agent());
}
