//! The streaming endpoint, `POST /conversations/{id}/responses/stream`, and its faults.

mod common;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Api, ASSISTANT, TOKEN};
use serde_json::{json, Value};

/// How a streamed body ended.
#[derive(Debug, PartialEq)]
enum End {
    /// The terminating chunk arrived.
    Complete,
    /// The connection closed (or failed) before it.
    Broken,
    /// Nothing arrived for the read timeout while the connection stayed open.
    Stalled,
}

struct Streamed {
    status: u16,
    headers: Vec<(String, String)>,
    events: Vec<(String, Value, Duration)>,
    end: End,
    /// The JSON body when the answer was not a stream.
    body: Option<Value>,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Sends the stream request on a fresh connection and reads it to its end;
/// `read_timeout` bounds the wait for each read (a stall ends as `Stalled`).
fn stream(api: &Api, path: &str, headers: &[(&str, &str)], body: &str, read_timeout: Duration) -> Streamed {
    let socket = TcpStream::connect(api.sim.addr()).unwrap();
    socket.set_read_timeout(Some(read_timeout)).unwrap();
    let mut request = format!("POST /rest/v1beta1{path} HTTP/1.1\r\nHost: sim\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    (&socket).write_all(request.as_bytes()).unwrap();
    let started = Instant::now();
    let mut reader = BufReader::new(socket);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status: u16 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            break;
        }
        let (k, v) = line.trim_end().split_once(':').unwrap();
        headers.push((k.to_owned(), v.trim().to_owned()));
    }
    if let Some(length) = header(&headers, "content-length") {
        let mut body = vec![0; length.parse().unwrap()];
        reader.read_exact(&mut body).unwrap();
        let body = serde_json::from_slice(&body).unwrap();
        return Streamed { status, headers, events: Vec::new(), end: End::Complete, body: Some(body) };
    }
    assert_eq!(header(&headers, "transfer-encoding"), Some("chunked"));
    let mut text = String::new();
    let mut events = Vec::new();
    let end = loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => break End::Broken,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => break End::Stalled,
            Err(_) => break End::Broken,
        }
        let size = usize::from_str_radix(line.trim_end(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        if reader.read_exact(&mut chunk).is_err() {
            break End::Broken;
        }
        if size == 0 {
            break End::Complete;
        }
        text.push_str(std::str::from_utf8(&chunk[..size]).unwrap());
        while let Some(i) = text.find("\n\n") {
            let block: String = text.drain(..i + 2).collect();
            let mut name = String::new();
            let mut data = String::new();
            for l in block.lines() {
                if let Some(n) = l.strip_prefix("event: ") {
                    name = n.to_owned();
                } else if let Some(d) = l.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            events.push((name, serde_json::from_str(&data).unwrap(), started.elapsed()));
        }
    };
    Streamed { status, headers, events, end, body: None }
}

fn auth() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Authorization", "Bearer sandbox-token"),
        ("Assistant-Name", ASSISTANT),
        ("Content-Type", "application/json"),
        ("Accept", "text/event-stream"),
    ]
}

fn ask_body(text: &str) -> String {
    json!({ "input": { "text": text } }).to_string()
}

fn names(s: &Streamed) -> Vec<&str> {
    s.events.iter().map(|(n, _, _)| n.as_str()).collect()
}

const LONG: Duration = Duration::from_secs(10);

#[test]
fn full_stream_follows_the_lifecycle_and_ends_with_the_polled_response() {
    let api = Api::with_duration(300);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("Who?"), LONG);
    assert_eq!(s.status, 200);
    assert_eq!(header(&s.headers, "content-type"), Some("text/event-stream"));
    assert!(header(&s.headers, "x-moveworks-root-uuid").is_some());
    assert!(header(&s.headers, "x-simulator-stream-response").is_none(), "internal marker leaked");
    assert_eq!(s.end, End::Complete);
    let n = names(&s);
    assert_eq!(n[..2], ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS"]);
    assert_eq!(n[2..n.len() - 1].iter().filter(|x| **x == "OUTPUT_DELTA").count(), n.len() - 3);
    assert_eq!(n.last(), Some(&"RESPONSE_COMPLETED"));
    let response_id = s.events[0].1["response_id"].as_str().unwrap().to_owned();
    assert!(s.events.iter().all(|(_, d, _)| d["response_id"] == response_id.as_str()));
    let types: Vec<_> = s.events.iter().filter_map(|(_, d, _)| d["output_type"].as_str()).collect();
    assert_eq!(types[..2], ["REASONING_MESSAGE", "REASONING_MESSAGE"]);
    assert!(types[2..].iter().all(|t| *t == "MESSAGE") && types.len() > 3);
    // Paced over the response duration: completion is not sent before the response is done.
    let (_, completed, at) = s.events.last().unwrap();
    assert!(*at >= Duration::from_millis(290), "completed after {at:?}");
    assert!(s.events[0].2 < Duration::from_millis(150), "created after {:?}", s.events[0].2);
    assert_eq!(completed["status"], "COMPLETED");
    let polled = api.get(&format!("/conversations/{conv}/responses/{response_id}")).json();
    assert_eq!(completed["response"], polled, "the stream ends with what a poll returns");
    let last_delta = &s.events[s.events.len() - 2].1;
    assert_eq!(last_delta["output"], polled["outputs"][1]);
    // The POST is in the request log like any other.
    let log = api.sim.requests();
    let entry = log.iter().find(|e| e["path"].as_str().unwrap().ends_with("/responses/stream")).unwrap();
    assert_eq!((entry["method"].as_str(), entry["status"].as_u64()), (Some("POST"), Some(200)));
}

#[test]
fn fail_input_streams_a_failed_completion() {
    let api = Api::with_duration(150);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("x [fail]"), LONG);
    let (_, completed, _) = s.events.last().unwrap();
    assert_eq!(completed["status"], "FAILED");
    assert!(s.events.iter().all(|(_, d, _)| d["output_type"] != "MESSAGE"));
    let rid = completed["response_id"].as_str().unwrap();
    let polled = api.get(&format!("/conversations/{conv}/responses/{rid}")).json();
    assert_eq!(completed["response"], polled);
}

#[test]
fn errors_come_as_json_before_any_stream() {
    let api = Api::with_duration(100);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    let path = format!("/conversations/{conv}/responses/stream");
    let body = ask_body("hi");
    let code = |s: &Streamed| (s.status, s.body.as_ref().unwrap()["error"]["code"].as_str().unwrap().to_owned());
    let mut no_token = auth();
    no_token.retain(|(k, _)| *k != "Authorization");
    assert_eq!(code(&stream(&api, &path, &no_token, &body, LONG)), (401, "UNAUTHORIZED".into()));
    let mut wrong_assistant = auth();
    wrong_assistant[1] = ("Assistant-Name", "nope");
    assert_eq!(code(&stream(&api, &path, &wrong_assistant, &body, LONG)), (403, "FORBIDDEN".into()));
    let missing = "/conversations/conv_missing/responses/stream";
    assert_eq!(code(&stream(&api, missing, &auth(), &body, LONG)), (404, "NOT_FOUND".into()));
    assert_eq!(code(&stream(&api, &path, &auth(), &ask_body(" "), LONG)), (400, "INVALID_INPUT".into()));
    let mut no_accept = auth();
    no_accept.retain(|(k, _)| *k != "Accept");
    assert_eq!(code(&stream(&api, &path, &no_accept, &body, LONG)), (400, "INVALID_INPUT".into()));
    api.sim.push_fault(json!({"kind": "status", "status": 429, "retry_after": "1", "path_contains": "/stream"}));
    let limited = stream(&api, &path, &auth(), &body, LONG);
    assert_eq!(code(&limited), (429, "RATE_LIMIT_EXCEEDED".into()));
    assert_eq!(header(&limited.headers, "retry-after"), Some("1"));
    // None of these created a response: the conversation has no title yet.
    assert!(api.get(&format!("/conversations/{conv}")).json().get("title").is_none());
    let _ = TOKEN;
}

#[test]
fn stream_drop_closes_mid_stream_and_the_response_still_completes() {
    let api = Api::with_duration(200);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(json!({"kind": "stream_drop", "after_events": 3}));
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("hi"), LONG);
    assert_eq!(s.end, End::Broken);
    assert_eq!(names(&s), ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS", "OUTPUT_DELTA"]);
    let rid = s.events[0].1["response_id"].as_str().unwrap();
    let (final_response, _) = api.wait_terminal(&conv, rid);
    assert_eq!(final_response["status"], "COMPLETED");
    assert_eq!(api.sim.requests()[1]["fault"], "stream_drop");
}

#[test]
fn stream_stall_keeps_the_connection_open_without_writing() {
    let api = Api::with_duration(100);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(json!({"kind": "stream_stall", "after_events": 1, "ms": 5000}));
    let started = Instant::now();
    let s = stream(
        &api,
        &format!("/conversations/{conv}/responses/stream"),
        &auth(),
        &ask_body("hi"),
        Duration::from_millis(700),
    );
    assert_eq!(s.end, End::Stalled, "open, silent");
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert_eq!(names(&s), ["RESPONSE_CREATED"]);
}

#[test]
fn stream_unknown_event_is_injected_after_n_events() {
    let api = Api::with_duration(100);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(json!({"kind": "stream_unknown_event", "after_events": 2, "event": "RESPONSE_AUDIT"}));
    // Stream faults wait for a stream request: the plain create response is untouched.
    api.ask(&conv, "plain");
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("hi"), LONG);
    assert_eq!(s.end, End::Complete);
    assert_eq!(names(&s)[..3], ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS", "RESPONSE_AUDIT"]);
    assert_eq!(names(&s).last(), Some(&"RESPONSE_COMPLETED"));
}

#[test]
fn abandoned_streams_end_their_server_side_promptly() {
    let api = Api::with_duration(5_000);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    let body = ask_body("hi");
    for _ in 0..20 {
        let socket = TcpStream::connect(api.sim.addr()).unwrap();
        let mut request = format!(
            "POST /rest/v1beta1/conversations/{conv}/responses/stream HTTP/1.1\r\nHost: sim\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in auth() {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        (&socket).write_all(request.as_bytes()).unwrap();
        let mut first = [0u8; 1];
        (&socket).read_exact(&mut first).unwrap();
        drop(socket);
    }
    // Dropping the simulator joins every connection thread: it must not wait out the 5 s responses.
    let started = Instant::now();
    drop(api);
    assert!(started.elapsed() < Duration::from_secs(2), "shutdown took {:?}", started.elapsed());
}

/// `CLOCK_MONOTONIC` in nanoseconds, the clock of `/_sim/stream_marks`.
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into the timespec it is given.
    assert_eq!(unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) }, 0);
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[test]
fn stream_marks_come_before_any_client_can_read_the_first_delta() {
    // The streaming benchmark reports receive - mark and fails on a negative value, so
    // the mark must be taken before the frame can reach the client (before the write).
    let api = Api::with_duration(30);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    let body = ask_body("hi");
    let mut received = Vec::new();
    for _ in 0..20 {
        let socket = TcpStream::connect(api.sim.addr()).unwrap();
        socket.set_read_timeout(Some(LONG)).unwrap();
        let mut request = format!(
            "POST /rest/v1beta1/conversations/{conv}/responses/stream HTTP/1.1\r\nHost: sim\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in auth() {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        (&socket).write_all(request.as_bytes()).unwrap();
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 4096];
        let at = loop {
            let n = (&socket).read(&mut chunk).unwrap();
            assert!(n > 0, "the stream ended before an OUTPUT_DELTA");
            bytes.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&bytes);
            if text.find("event: OUTPUT_DELTA\n").is_some_and(|i| text[i..].contains("\n\n")) {
                break monotonic_ns();
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let id = text.split("\"response_id\":\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        received.push((id, at));
    }
    let marks = api.admin("GET", "/_sim/stream_marks", None).json();
    for (id, at) in received {
        let mark = marks[&id].as_u64().unwrap_or_else(|| panic!("no mark for {id} in {marks}"));
        assert!(mark <= at, "{id}: mark {mark} ns after the client read the delta at {at} ns");
    }
}
