//! Streamed answers against the simulator: the low-level event iterator, the
//! stream-and-wait call with its polling fallback, cancellation, idle timeouts
//! and abandoned streams.

mod common;

use common::client;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use moveworks::{CancelToken, Client, ErrorKind, OutputItem, ResponseStatus, StreamEvent, StreamOptions, WaitOptions};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::json;

fn sim(duration_ms: u64) -> Simulator {
    Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(duration_ms), ..Default::default() })
        .unwrap()
}

fn count(sim: &Simulator, method: &str, path_end: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r["method"] == method && r["path"].as_str().unwrap_or_default().ends_with(path_end))
        .count()
}

fn options() -> StreamOptions {
    StreamOptions {
        idle_timeout: Duration::from_secs(5),
        wait: WaitOptions {
            initial_interval: Duration::from_millis(10),
            max_interval: Duration::from_millis(40),
            deadline: Duration::from_secs(20),
            ..Default::default()
        },
    }
}

fn conversation(client: &Client) -> String {
    client.create_conversation(None).unwrap().conversation_id
}

/// Runs stream-and-wait, collecting the event names it saw.
fn stream_and_wait(
    client: &Client,
    conv: &str,
    text: &str,
    options: &StreamOptions,
) -> (moveworks::Result<moveworks::Response>, Vec<String>) {
    let mut names = Vec::new();
    let result = client.stream_response_and_wait(conv, text, options, &mut |e| {
        names.push(e.event_name().to_owned());
        ControlFlow::Continue(())
    });
    (result, names)
}

#[test]
fn full_stream_arrives_in_order_and_ends_complete() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = conversation(&client);
    let stream = client.stream_events(&conv, "Who does John Doe report to?").unwrap();
    assert!(stream.request_id().is_some());
    let events: Vec<StreamEvent> = stream.map(Result::unwrap).collect();
    let names: Vec<&str> = events.iter().map(StreamEvent::event_name).collect();
    assert_eq!(names[..2], ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS"]);
    assert_eq!(names.last(), Some(&"RESPONSE_COMPLETED"));
    let StreamEvent::ResponseCreated { response_id, status, .. } = &events[0] else { panic!("{events:?}") };
    assert_eq!(status, &Some(ResponseStatus::Created));
    let deltas: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ResponseOutputDelta { sequence_number, output_type, output, .. } => {
                Some((sequence_number.expect("published deltas are numbered"), output_type.clone(), output.clone()))
            }
            _ => None,
        })
        .collect();
    // The published counter runs over every event of the stream, from 1.
    let numbers: Vec<Option<u64>> = events.iter().map(StreamEvent::sequence_number).collect();
    assert_eq!(numbers, (1..=events.len() as u64).map(Some).collect::<Vec<_>>());
    assert!(deltas.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(deltas[0].1, "REASONING_MESSAGE");
    assert!(matches!(deltas[0].2, OutputItem::ReasoningMessage { .. }));
    let texts: Vec<String> = deltas
        .iter()
        .filter_map(|d| match &d.2 {
            OutputItem::Message { message } => Some(message.text()),
            _ => None,
        })
        .collect();
    assert!(texts.len() >= 2 && texts.windows(2).all(|w| w[1].starts_with(&w[0]) && w[1].len() > w[0].len()));
    let StreamEvent::ResponseCompleted { status, response, .. } = events.last().unwrap() else { panic!() };
    assert_eq!(status, &ResponseStatus::Completed);
    let polled = client.get_response(&conv, response_id).unwrap();
    assert_eq!(response.as_ref(), Some(&polled));
}

#[test]
fn streamed_and_polled_paths_end_in_equal_responses() {
    let sim = sim(200);
    let client = client(&sim);
    let conv = conversation(&client);
    let (streamed, names) = stream_and_wait(&client, &conv, "Who does John Doe report to?", &options());
    let streamed = streamed.unwrap();
    assert_eq!(names.first().map(String::as_str), Some("RESPONSE_CREATED"));
    assert_eq!(names.last().map(String::as_str), Some("RESPONSE_COMPLETED"));
    let polled = client.create_response_and_wait(&conv, "Who does John Doe report to?", &options().wait).unwrap();
    // Different responses (ids, times), the same shape and content otherwise.
    assert_eq!(streamed.status, ResponseStatus::Completed);
    assert_eq!(streamed.assistant_text(), polled.assistant_text());
    assert_eq!(streamed.outputs.len(), polled.outputs.len());
    // The very response the stream created, polled afterwards: equal in every field.
    assert_eq!(client.get_response(&conv, &streamed.response_id).unwrap(), streamed);
    assert_eq!(count(&sim, "POST", "/responses/stream"), 1);
    assert_eq!(count(&sim, "GET", &format!("/responses/{}", streamed.response_id)), 1, "only the check above");
}

#[test]
fn fail_input_is_a_response_failed_error_carrying_the_response() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    let (result, _) = stream_and_wait(&client, &conv, "please [fail]", &options());
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseFailed);
    let response = e.response().unwrap();
    assert_eq!(response.status, ResponseStatus::Failed);
    assert_eq!(e.response_id(), Some(response.response_id.as_str()));
    assert_eq!(client.get_response(&conv, &response.response_id).unwrap(), *response);
}

#[test]
fn unknown_event_names_arrive_as_unknown() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(
        json!({"kind": "stream_unknown_event", "after_events": 1, "event": "RESPONSE_AUDIT", "data": "{\"x\":1}"}),
    );
    let events: Vec<StreamEvent> = client.stream_events(&conv, "hi").unwrap().map(Result::unwrap).collect();
    assert_eq!(
        events[1],
        StreamEvent::Unknown { sequence_number: None, event_name: "RESPONSE_AUDIT".into(), data: "{\"x\":1}".into() }
    );
    assert_eq!(events.last().unwrap().event_name(), "RESPONSE_COMPLETED");
    // And stream-and-wait passes it on without failing.
    sim.push_fault(json!({"kind": "stream_unknown_event", "after_events": 2, "data": "not json"}));
    let (result, names) = stream_and_wait(&client, &conv, "hi", &options());
    assert_eq!(result.unwrap().status, ResponseStatus::Completed);
    assert_eq!(names[2], "RESPONSE_AUDIT");
}

#[test]
fn drop_mid_stream_falls_back_to_polling_without_resending() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_drop", "after_events": 3}));
    let (result, names) = stream_and_wait(&client, &conv, "Who does John Doe report to?", &options());
    let response = result.unwrap();
    // Three streamed events, then what the polls added as deltas, then the completion made
    // from the polled response.
    assert_eq!(names[..3], ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS", "RESPONSE_OUTPUT_DELTA"]);
    assert!(names[3..names.len() - 1].iter().all(|n| n == "RESPONSE_OUTPUT_DELTA"), "{names:?}");
    assert_eq!(names.last().map(String::as_str), Some("RESPONSE_COMPLETED"));
    assert_eq!(response.status, ResponseStatus::Completed);
    assert_eq!(client.get_response(&conv, &response.response_id).unwrap(), response);
    assert_eq!(count(&sim, "POST", "/responses/stream"), 1, "the message was sent once");
    assert_eq!(count(&sim, "POST", "/responses"), 0);
    assert!(count(&sim, "GET", &format!("/responses/{}", response.response_id)) >= 2, "polled");
}

#[test]
fn low_level_stream_reports_a_broken_connection_with_the_response_id() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_drop", "after_events": 2}));
    let mut stream = client.stream_events(&conv, "hi").unwrap();
    assert!(stream.next().unwrap().is_ok());
    assert!(stream.next().unwrap().is_ok());
    let e = stream.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e:?}");
    assert_eq!(e.response_id(), stream.response_id());
    assert!(e.response_id().is_some() && e.request_id().is_some());
    assert!(stream.next().is_none());
    assert!(!stream.is_completed());
}

#[test]
fn stall_mid_stream_hits_the_idle_timeout_then_falls_back() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000}));
    let options = StreamOptions { idle_timeout: Duration::from_millis(400), ..options() };
    let started = Instant::now();
    let (result, names) = stream_and_wait(&client, &conv, "hi", &options);
    let response = result.unwrap();
    // The stall came before any output, so every delta came from a poll.
    assert_eq!(names.first().map(String::as_str), Some("RESPONSE_CREATED"));
    assert_eq!(names.last().map(String::as_str), Some("RESPONSE_COMPLETED"), "the completion made from the poll");
    assert!(names[1..names.len() - 1].iter().all(|n| n == "RESPONSE_OUTPUT_DELTA"), "{names:?}");
    assert_eq!(response.status, ResponseStatus::Completed);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(count(&sim, "POST", "/responses/stream"), 1);
}

#[test]
fn low_level_idle_timeout_is_a_timeout_error() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000}));
    let mut stream = client.stream_events(&conv, "hi").unwrap().with_idle_timeout(Some(Duration::from_millis(200)));
    assert!(stream.next().unwrap().is_ok());
    let started = Instant::now();
    let e = stream.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert!(e.response_id().is_some());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(190) && waited < Duration::from_millis(1500), "{waited:?}");
}

#[test]
fn cancel_during_a_stalled_stream_returns_promptly() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000}));
    let token = CancelToken::new();
    let options = StreamOptions {
        idle_timeout: Duration::from_secs(30),
        wait: WaitOptions { cancel: Some(token.clone()), ..options().wait },
    };
    let canceller = {
        let token = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            let at = Instant::now();
            token.cancel();
            at
        })
    };
    let (result, names) = stream_and_wait(&client, &conv, "hi", &options);
    let returned = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled, "{e:?}");
    assert_eq!(names, ["RESPONSE_CREATED"]);
    assert!(e.response_id().is_some(), "the response id is known by then");
    let latency = returned.duration_since(cancelled_at);
    eprintln!("cancel latency: {latency:?}");
    assert!(latency < Duration::from_millis(200), "cancel took {latency:?}");
}

#[test]
fn on_event_break_stops_the_wait_as_cancelled() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = conversation(&client);
    let e = client
        .stream_response_and_wait(&conv, "hi", &options(), &mut |e| match e {
            StreamEvent::ResponseOutputDelta { .. } => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(e.response_id().is_some());
}

#[test]
fn rate_limit_before_the_stream_is_retried_per_retry_after() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "status", "status": 429, "retry_after": "1", "path_contains": "/responses/stream"}));
    let started = Instant::now();
    let (result, _) = stream_and_wait(&client, &conv, "hi", &options());
    assert_eq!(result.unwrap().status, ResponseStatus::Completed);
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
    let posts: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/stream"))
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(posts, [429, 200]);
}

#[test]
fn server_errors_before_the_stream_are_not_retried_for_a_post() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "status", "status": 503, "path_contains": "/responses/stream"}));
    let e = client.stream_events(&conv, "hi").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InternalServer);
    assert_eq!(count(&sim, "POST", "/responses/stream"), 1, "a POST that reached the server is not repeated");
}

#[test]
fn error_bodies_before_the_stream_are_typed_api_errors() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    let e = client.stream_events("conv_missing", "hi").unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::NotFound, Some(404)));
    assert_eq!(e.code().map(|c| c.as_str()), Some("NOT_FOUND"));
    assert!(e.request_id().is_some());
    let cfg = sim.config();
    let wrong = Client::builder()
        .base_url(sim.base_url())
        .assistant_name("someone-else")
        .bearer_token(cfg.static_token.clone().unwrap())
        .build()
        .unwrap();
    let (result, names) = stream_and_wait(&wrong, &conv, "hi", &options());
    assert_eq!(result.unwrap_err().kind(), ErrorKind::PermissionDenied);
    assert!(names.is_empty());
    assert_eq!(client.stream_events(&conv, "").unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn malformed_json_in_a_known_event_is_a_decode_error() {
    // A raw fault stands in for a server sending a broken event.
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    let body =
        "event: RESPONSE_CREATED\ndata: {\"response_id\": \"resp_1\"}\n\nevent: OUTPUT_DELTA\ndata: {not json\n\n";
    sim.push_fault(json!({
        "kind": "raw", "status": 200, "body": body, "path_contains": "/responses/stream",
        "headers": {"Content-Type": "text/event-stream"}
    }));
    let mut stream = client.stream_events(&conv, "hi").unwrap();
    assert!(matches!(stream.next(), Some(Ok(StreamEvent::ResponseCreated { .. }))));
    let e = stream.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.response_id(), Some("resp_1"));
    assert!(e.body_excerpt().unwrap().starts_with("{not json"));
    assert!(stream.next().is_none(), "then the stream ends (the raw body is complete)");
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

#[test]
fn ten_thousand_abandoned_streams_leak_nothing() {
    let sim = sim(2_000);
    let client = client(&sim);
    let conv = conversation(&client);
    // Warm up: the pool's connection and the simulator's workers exist before counting.
    drop(client.stream_events(&conv, "warm").unwrap().next());
    std::thread::sleep(Duration::from_millis(100));
    let (fds_before, threads_before) = (open_fds(), threads());
    let started = Instant::now();
    // Four threads sharing the client, 2,500 streams each.
    let peak_fds = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut peak = 0;
                    for i in 0..2_500 {
                        let mut stream = client.stream_events(&conv, "hi").unwrap();
                        if i % 2 == 0 {
                            // Half read an event first, half are dropped unread.
                            assert!(matches!(stream.next(), Some(Ok(StreamEvent::ResponseCreated { .. }))));
                        }
                        drop(stream);
                        if i % 250 == 0 {
                            peak = open_fds().max(peak);
                        }
                    }
                    peak
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).max().unwrap_or(0)
    });
    let elapsed = started.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let (fds_after, threads_after) = (open_fds(), threads());
    eprintln!(
        "10000 abandoned streams in {elapsed:?}: fds {fds_before} -> {fds_after} (peak {peak_fds}), threads {threads_before} -> {threads_after}"
    );
    assert!(fds_after <= fds_before + 4, "fds {fds_before} -> {fds_after}");
    assert!(peak_fds <= fds_before + 64, "peak fds {peak_fds}");
    assert!(threads_after <= threads_before + 4, "threads {threads_before} -> {threads_after}");
    // The client still works, and the simulator saw exactly those POSTs.
    assert_eq!(count(&sim, "POST", "/responses/stream"), 10_001);
    assert!(client.get_conversation(&conv).is_ok());
}

#[test]
fn cancel_while_waiting_for_the_stream_to_start_returns_promptly() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "delay", "ms": 3000, "path_contains": "/responses/stream"}));
    let token = CancelToken::new();
    let options = StreamOptions { wait: WaitOptions { cancel: Some(token.clone()), ..options().wait }, ..options() };
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        token.cancel();
        Instant::now()
    });
    let (result, names) = stream_and_wait(&client, &conv, "hi", &options);
    let latency = Instant::now().duration_since(canceller.join().unwrap());
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Cancelled);
    assert!(names.is_empty());
    assert!(latency < Duration::from_millis(200), "cancel took {latency:?}");
    assert_eq!(count(&sim, "POST", "/responses/stream"), 1, "never repeated");
}

#[test]
fn the_deadline_covers_a_stalled_stream_as_a_poll_timeout() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000}));
    let options = StreamOptions {
        idle_timeout: Duration::from_secs(30),
        wait: WaitOptions { deadline: Duration::from_millis(500), ..options().wait },
    };
    let started = Instant::now();
    let (result, _) = stream_and_wait(&client, &conv, "hi", &options);
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PollTimeout, "{e:?}");
    assert!(e.response_id().is_some());
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(480) && took < Duration::from_millis(1500), "{took:?}");
}

#[test]
fn streams_can_move_between_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<moveworks::EventStream>();
    assert_send::<moveworks::ResponseStream>();
    assert_send::<StreamEvent>();
    assert_send::<StreamOptions>();
}

#[test]
fn a_success_that_is_not_an_event_stream_is_a_decode_error() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({
        "kind": "raw", "status": 200, "body": "<html>proxy login</html>", "path_contains": "/responses/stream",
        "headers": {"Content-Type": "text/html"}
    }));
    let e = client.stream_events(&conv, "hi").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.body_excerpt(), Some("<html>proxy login</html>"));
    assert!(e.message().contains("text/html"), "{}", e.message());
}

#[test]
fn response_stream_yields_events_then_holds_the_final_response() {
    let sim = sim(200);
    let client = client(&sim);
    let conv = conversation(&client);
    let mut stream = client.stream_response(&conv, "Who does John Doe report to?", &options()).unwrap();
    assert!(stream.request_id().is_some(), "the root uuid of the streaming request");
    let events: Vec<StreamEvent> = stream.by_ref().map(Result::unwrap).collect();
    assert_eq!(events.first().map(StreamEvent::event_name), Some("RESPONSE_CREATED"));
    let StreamEvent::ResponseCompleted { response: Some(last), .. } = events.last().unwrap() else {
        panic!("{events:?}")
    };
    let response = stream.response().expect("finished").clone();
    assert_eq!(&response, last);
    assert_eq!(response.request_id.as_deref(), stream.request_id(), "the streaming request's root uuid");
    assert_eq!(stream.finish().unwrap(), response, "finish is repeatable");
    assert_eq!(client.get_response(&conv, &response.response_id).unwrap(), response);
    // The serialized event is tagged by its wire name, for the JSON-passing bindings.
    let json = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(json["event"], "RESPONSE_CREATED");
    assert_eq!(json["response_id"], response.response_id.as_str());
}

#[test]
fn response_stream_falls_back_to_polling_and_still_ends_with_the_completed_response() {
    let sim = sim(300);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_drop", "after_events": 2}));
    let mut stream = client.stream_response(&conv, "Who does John Doe report to?", &options()).unwrap();
    let events: Vec<StreamEvent> = stream.by_ref().map(Result::unwrap).collect();
    let StreamEvent::ResponseCompleted { response: Some(last), status, sequence_number: None, .. } =
        events.last().unwrap()
    else {
        panic!("{events:?}")
    };
    assert_eq!(*status, ResponseStatus::Completed);
    let response = stream.finish().unwrap();
    assert_eq!(&response, last);
    // A broken stream keeps growing: what each poll added arrived as deltas (no sequence
    // number: the server did not send them), the last one showing the final answer.
    let polled: Vec<&moveworks::Message> = events[2..]
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ResponseOutputDelta {
                sequence_number: None, output: OutputItem::Message { message }, ..
            } => Some(message),
            _ => None,
        })
        .collect();
    assert!(!polled.is_empty(), "{events:?}");
    assert_eq!(polled.last().map(|m| m.text()), response.assistant_text());
    assert_eq!(client.get_response(&conv, &response.response_id).unwrap(), response);
    assert_eq!(count(&sim, "POST", "/responses/stream"), 1, "the message is never sent twice");
}

#[test]
fn response_stream_reports_a_failed_turn_once_after_its_failed_event() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    let mut stream = client.stream_response(&conv, "please [fail]", &options()).unwrap();
    let items: Vec<moveworks::Result<StreamEvent>> = stream.by_ref().collect();
    let (last, before) = items.split_last().unwrap();
    let e = last.as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseFailed);
    let Some(Ok(StreamEvent::ResponseFailed { response: Some(failed), .. })) = before.last() else {
        panic!("the published RESPONSE_FAILED comes last: {before:?}")
    };
    assert_eq!(failed.status, ResponseStatus::Failed);
    assert!(failed.error.is_some(), "the failed response says why");
    assert_eq!(e.response(), Some(failed));
    assert!(stream.next().is_none(), "the error is reported once");
    assert_eq!(stream.error().map(moveworks::Error::kind), Some(ErrorKind::ResponseFailed));
    assert_eq!(stream.finish().unwrap_err().kind(), ErrorKind::ResponseFailed);
}

#[test]
fn response_stream_close_ends_the_turn_as_cancelled_naming_the_response() {
    let sim = sim(2_000);
    let client = client(&sim);
    let conv = conversation(&client);
    let mut stream = client.stream_response(&conv, "hi", &options()).unwrap();
    assert!(matches!(stream.next(), Some(Ok(StreamEvent::ResponseCreated { .. }))));
    stream.close();
    assert!(stream.next().is_none());
    let e = stream.finish().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert_eq!(e.response_id(), stream.response_id());
}

#[test]
fn a_streams_canceller_stops_it_mid_read_and_leaves_the_callers_token_alone() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000}));
    let callers = CancelToken::new();
    let options = StreamOptions { wait: WaitOptions { cancel: Some(callers.clone()), ..options().wait }, ..options() };
    let mut stream = client.stream_response(&conv, "hi", &options).unwrap();
    assert!(matches!(stream.next(), Some(Ok(StreamEvent::ResponseCreated { .. }))));
    let canceller = stream.canceller();
    let cancelling = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        canceller.cancel();
    });
    let e = stream.next().unwrap().unwrap_err();
    cancelling.join().unwrap();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(!callers.is_cancelled(), "only this stream was cancelled");
    // The caller's token still reaches a stream blocked in a read.
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000}));
    let mut stream = client.stream_response(&conv, "hi", &options).unwrap();
    assert!(matches!(stream.next(), Some(Ok(StreamEvent::ResponseCreated { .. }))));
    let cancelling = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        callers.cancel();
    });
    assert_eq!(stream.next().unwrap().unwrap_err().kind(), ErrorKind::Cancelled);
    cancelling.join().unwrap();
}

/// A check that reports an interrupt once `after` has passed, counting its calls.
fn interrupt_after(after: Duration) -> (impl Fn() -> bool + 'static, std::rc::Rc<std::cell::Cell<u32>>) {
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = std::rc::Rc::clone(&calls);
    let started = Instant::now();
    (
        move || {
            counted.set(counted.get() + 1);
            started.elapsed() >= after
        },
        calls,
    )
}

#[test]
fn an_interrupt_check_ends_a_blocked_read_on_the_same_thread_as_cancelled() {
    let sim = sim(100);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 20_000}));
    let mut stream = client.stream_response(&conv, "hi", &options()).unwrap();
    assert!(matches!(stream.next(), Some(Ok(StreamEvent::ResponseCreated { .. }))));
    let (check, calls) = interrupt_after(Duration::from_millis(200));
    let started = Instant::now();
    let e = moveworks::interrupt::with_interrupt_check(check, || stream.next().unwrap().unwrap_err());
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(stream.canceller().is_cancelled(), "the interrupt cancels the stream");
    let n = calls.get();
    assert!((2..=40).contains(&n), "called every ~20 ms while blocked, not busily: {n} calls");
    assert_eq!(stream.finish().unwrap_err().kind(), ErrorKind::Cancelled);
}

#[test]
fn an_interrupt_check_wakes_the_sleeps_of_the_polling_fallback() {
    let sim = sim(3_000);
    let client = client(&sim);
    let conv = conversation(&client);
    sim.push_fault(json!({"kind": "stream_drop", "after_events": 2}));
    // Long sleeps between polls: only the check can end them early.
    let options = StreamOptions {
        wait: WaitOptions {
            initial_interval: Duration::from_secs(10),
            max_interval: Duration::from_secs(10),
            ..options().wait
        },
        ..options()
    };
    let mut stream = client.stream_response(&conv, "hi", &options).unwrap();
    let (check, calls) = interrupt_after(Duration::from_millis(300));
    let started = Instant::now();
    let outcome = moveworks::interrupt::with_interrupt_check(check, || stream.finish());
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert!(calls.get() >= 2);
    // No check installed: a token's sleep is unchanged.
    let token = CancelToken::new();
    let started = Instant::now();
    assert!(!token.sleep(Duration::from_millis(50)));
    assert!(started.elapsed() >= Duration::from_millis(50));
}
