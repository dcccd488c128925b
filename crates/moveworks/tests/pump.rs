//! `StreamPump` against the simulator: a turn read on its own thread and taken in
//! batches (what the event-driven bindings build on).

mod common;

use common::client;
use std::sync::mpsc;
use std::time::Duration;

use moveworks::{CancelToken, Client, ErrorKind, PumpBatch, StreamEvent, StreamOptions, StreamPump, WaitOptions};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::json;

fn sim(duration_ms: u64) -> Simulator {
    Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(duration_ms), ..Default::default() })
        .unwrap()
}

fn options(cancel: CancelToken) -> StreamOptions {
    StreamOptions {
        idle_timeout: Duration::from_secs(30),
        wait: WaitOptions { cancel: Some(cancel), deadline: Duration::from_secs(60), ..Default::default() },
    }
}

/// A pump opening a turn on its own thread, as the bindings start one.
fn pump(client: &Client, conversation_id: &str, text: &str) -> StreamPump {
    let (client, conversation_id, text) = (client.clone(), conversation_id.to_owned(), text.to_owned());
    StreamPump::spawn(None, move |cancel| client.stream_response(&conversation_id, &text, &options(cancel)))
}

/// Takes batches until the last one: the events and how the turn ended.
fn drain(pump: &StreamPump) -> (Vec<StreamEvent>, moveworks::Result<()>, usize) {
    let (mut events, mut batches) = (Vec::new(), 0);
    loop {
        let PumpBatch { events: batch, end } = pump.next_batch_blocking();
        batches += 1;
        events.extend(batch);
        if let Some(end) = end {
            return (events, end, batches);
        }
    }
}

#[test]
fn a_pumped_turn_delivers_the_iterators_events_and_final_response() {
    let sim = sim(200);
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let expected: Vec<String> = client
        .stream_response(&conv, "Who does John Doe report to?", &options(CancelToken::new()))
        .unwrap()
        .map(|e| e.unwrap().event_name().to_owned())
        .collect();

    let pump = pump(&client, &conv, "Who does John Doe report to?");
    let (events, end, _) = drain(&pump);
    end.unwrap();
    let names: Vec<&str> = events.iter().map(StreamEvent::event_name).collect();
    assert_eq!(names, expected);
    let response = pump.response().expect("a completed turn has its final response");
    assert_eq!(pump.response_id().as_deref(), Some(response.response_id.as_str()));
    assert!(pump.request_id().is_some());
    assert_eq!(client.get_response(&conv, &response.response_id).unwrap(), response);
    let after = pump.take().expect("an ended pump always has a batch");
    assert!(after.events.is_empty() && matches!(after.end, Some(Ok(()))));
}

#[test]
fn events_read_while_nobody_takes_them_come_in_one_batch() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let pump = pump(&client, &conv, "hi");
    // The reader goes on alone; once the turn is over, everything is one batch.
    while pump.response().is_none() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let batch = pump.take().unwrap();
    assert!(batch.events.len() >= 3, "{:?}", batch.events);
    assert_eq!(batch.events.last().map(StreamEvent::event_name), Some("RESPONSE_COMPLETED"));
    assert!(matches!(batch.end, Some(Ok(()))));
}

#[test]
fn a_failed_turn_ends_with_its_error_once() {
    let sim = sim(50);
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let pump = pump(&client, &conv, "please [fail]");
    let (_, end, _) = drain(&pump);
    let e = end.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseFailed);
    assert_eq!(e.response_id().map(str::to_owned), pump.response_id());
    assert!(pump.response().is_none());
    assert!(matches!(pump.take().unwrap().end, Some(Ok(()))), "the error is handed out once");
}

#[test]
fn a_failed_open_is_the_first_batchs_end() {
    let sim = sim(50);
    let client = client(&sim);
    let pump = pump(&client, "no-such-conversation", "hi");
    let batch = pump.next_batch_blocking();
    assert!(batch.events.is_empty());
    assert_eq!(batch.end.unwrap().unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn close_during_a_stall_ends_the_turn_as_cancelled_and_wakes_the_waiter() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000}));
    let pump = pump(&client, &conv, "hi");
    let first = pump.next_batch_blocking();
    assert_eq!(first.events[0].event_name(), "RESPONSE_CREATED");
    let (tx, rx) = mpsc::channel();
    assert!(pump.take_or_notify(move || tx.send(()).unwrap()).is_none(), "the stream is stalled");
    pump.close();
    rx.recv_timeout(Duration::from_secs(5)).expect("close runs the pending notify");
    let e = pump.take().unwrap().end.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert_eq!(e.response_id().map(str::to_owned), pump.response_id());
}

#[test]
fn cancelling_the_callers_token_cancels_the_turn() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000}));
    let token = CancelToken::new();
    let pump = {
        let (client, conv) = (client.clone(), conv.clone());
        StreamPump::spawn(Some(&token), move |cancel| client.stream_response(&conv, "hi", &options(cancel)))
    };
    pump.next_batch_blocking();
    token.cancel();
    let (_, end, _) = drain(&pump);
    assert_eq!(end.unwrap_err().kind(), ErrorKind::Cancelled);
}

/// Many streams, one consumer thread woken by notifies: nothing holds a thread per
/// waiting consumer, and every turn completes.
#[test]
fn one_thread_consumes_a_hundred_concurrent_streams_through_notifies() {
    const STREAMS: usize = 100;
    let sim = sim(500);
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let pumps: Vec<StreamPump> = (0..STREAMS).map(|_| pump(&client, &conv, "hi")).collect();
    let (ready_tx, ready_rx) = mpsc::channel::<usize>();
    let mut completed = [false; STREAMS];
    let mut events = [0usize; STREAMS];
    for i in 0..STREAMS {
        ready_tx.send(i).unwrap();
    }
    let mut open = STREAMS;
    while open > 0 {
        let i = ready_rx.recv_timeout(Duration::from_secs(30)).expect("a notify for a stream with events");
        if completed[i] {
            continue;
        }
        let tx = ready_tx.clone();
        let Some(batch) = pumps[i].take_or_notify(move || {
            let _ = tx.send(i);
        }) else {
            continue;
        };
        events[i] += batch.events.len();
        match batch.end {
            Some(end) => {
                end.unwrap();
                completed[i] = true;
                open -= 1;
            }
            None => ready_tx.send(i).unwrap(),
        }
    }
    assert!(completed.iter().all(|c| *c));
    assert!(events.iter().all(|n| *n >= 3), "{events:?}");
    assert!(pumps.iter().all(|p| p.response().is_some()));
}

/// A minimal executor that parks the thread until the future's waker is called.
fn park_on<F: std::future::Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

#[test]
fn the_batch_future_is_woken_by_the_reader() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let pump = pump(&client, &conv, "hi");
    let mut names = Vec::new();
    loop {
        let batch = park_on(pump.next_batch());
        names.extend(batch.events.iter().map(|e| e.event_name().to_owned()));
        if let Some(end) = batch.end {
            end.unwrap();
            break;
        }
    }
    assert_eq!(names.last().map(String::as_str), Some("RESPONSE_COMPLETED"));
}

#[test]
fn a_prepared_pump_hands_over_what_its_reader_thread_made_of_each_event() {
    let sim = sim(200);
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let consumer = std::thread::current().id();
    let (client2, conv2) = (client.clone(), conv.clone());
    let pump = StreamPump::spawn_prepared(
        None,
        move |cancel| client2.stream_response(&conv2, "Who does John Doe report to?", &options(cancel)),
        // What the Node binding does there: the event's JSON, made off the consumer's thread.
        move |event: StreamEvent| (std::thread::current().id() != consumer, serde_json::to_value(&event).unwrap()),
    );
    let mut prepared = Vec::new();
    let end = loop {
        let PumpBatch { events, end } = pump.next_batch_blocking();
        prepared.extend(events);
        if let Some(end) = end {
            break end;
        }
    };
    end.unwrap();
    assert!(prepared.len() >= 3 && prepared.iter().all(|(off_thread, _)| *off_thread));
    let names: Vec<String> = prepared.iter().map(|(_, json)| json["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names.first().map(String::as_str), Some("RESPONSE_CREATED"));
    assert_eq!(names.last().map(String::as_str), Some("RESPONSE_COMPLETED"));
    // The pump still noted what it needs from the events it handed to `prepare`.
    let response = pump.response().expect("a completed turn has its final response");
    assert_eq!(pump.response_id().as_deref(), Some(response.response_id.as_str()));
}

/// The stream requests the simulator has seen so far.
fn stream_requests(sim: &Simulator) -> usize {
    sim.requests().iter().filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/responses/stream"))).count()
}

#[test]
fn starts_held_on_a_thread_are_sent_when_released_and_in_full() {
    let sim = sim(100);
    let client = client(&sim);
    let conv: Vec<String> = (0..3).map(|_| client.create_conversation(None).unwrap().conversation_id).collect();
    StreamPump::hold_starts();
    let pumps: Vec<StreamPump> = conv.iter().map(|c| pump(&client, c, "held")).collect();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(stream_requests(&sim), 0, "nothing is sent while the starts are held");
    assert!(pumps.iter().all(|p| p.take().is_none()), "and nothing is read");

    assert_eq!(StreamPump::release_held_starts(), 3);
    for pump in &pumps {
        let (events, end, _) = drain(pump);
        end.unwrap();
        assert_eq!(events.last().map(StreamEvent::event_name), Some("RESPONSE_COMPLETED"));
    }
    assert_eq!(stream_requests(&sim), 3);

    // Released, the thread holds no more: the next start goes at once.
    assert_eq!(StreamPump::release_held_starts(), 0);
    let (_, end, _) = drain(&pump(&client, &conv[0], "not held"));
    end.unwrap();
}

#[test]
fn starts_held_by_a_thread_that_ends_fail_their_streams_instead_of_hanging() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let opener = client.clone();
    let pump = std::thread::spawn(move || {
        StreamPump::hold_starts();
        pump(&opener, &conv, "never released")
    })
    .join()
    .unwrap();
    let (events, end, _) = drain(&pump);
    assert!(events.is_empty());
    let error = end.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert!(error.to_string().contains("ended before starting it"), "{error}");
    assert_eq!(stream_requests(&sim), 0);
}
