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

/// The event names of Moveworks' published spec (`StreamEventType`).
const PUBLISHED: [&str; 6] = [
    "RESPONSE_CREATED",
    "RESPONSE_IN_PROGRESS",
    "RESPONSE_OUTPUT_DELTA",
    "RESPONSE_COMPLETED",
    "RESPONSE_FAILED",
    "ERROR",
];

/// Asserts the published wire format on every event, from the raw SSE: names from
/// `StreamEventType`, `data.event_type` = the name, `data.sequence_number` 1, 2, 3, ...,
/// `response` on the four response events with the matching status, `output` on
/// deltas, `error` on `ERROR`, and none of the old flat fields.
fn assert_published_shape(s: &Streamed) {
    for (i, (name, data, _)) in s.events.iter().enumerate() {
        assert!(PUBLISHED.contains(&name.as_str()), "event {name} is not in the published spec");
        assert_eq!(data["event_type"], name.as_str(), "{name}: {data}");
        assert_eq!(data["sequence_number"], i as u64 + 1, "{name}: {data}");
        for old in ["response_id", "status", "output_type", "conversation_id"] {
            assert!(data.get(old).is_none(), "{name} carries the old top-level `{old}`: {data}");
        }
        let status = match name.as_str() {
            "RESPONSE_CREATED" => Some("CREATED"),
            "RESPONSE_IN_PROGRESS" => Some("IN_PROGRESS"),
            "RESPONSE_COMPLETED" => Some("COMPLETED"),
            "RESPONSE_FAILED" => Some("FAILED"),
            _ => None,
        };
        if let Some(status) = status {
            assert_eq!(data["response"]["status"], status, "{name}: {data}");
            assert!(data["response"]["response_id"].as_str().unwrap().starts_with("resp_"));
        }
        if name == "RESPONSE_OUTPUT_DELTA" {
            let kind = data["output"]["type"].as_str().unwrap();
            assert!(matches!(kind, "MESSAGE" | "REASONING_MESSAGE"), "{data}");
            assert!(data["output"][kind.to_ascii_lowercase()].is_object(), "{data}");
        }
        if name == "ERROR" {
            assert!(data["error"]["code"].is_string() && data["error"]["message"].is_string(), "{data}");
        }
    }
}

fn response_id(s: &Streamed) -> String {
    s.events[0].1["response"]["response_id"].as_str().unwrap().to_owned()
}

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
    assert_published_shape(&s);
    let n = names(&s);
    assert_eq!(n[..2], ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS"]);
    assert_eq!(n[2..n.len() - 1].iter().filter(|x| **x == "RESPONSE_OUTPUT_DELTA").count(), n.len() - 3);
    assert_eq!(n.last(), Some(&"RESPONSE_COMPLETED"));
    let response_id = response_id(&s);
    assert!(s
        .events
        .iter()
        .filter_map(|(_, d, _)| d.get("response"))
        .all(|r| r["response_id"] == response_id.as_str()));
    assert_eq!(s.events[0].1["response"]["outputs"], json!([]));
    let types: Vec<_> = s.events.iter().filter_map(|(_, d, _)| d["output"]["type"].as_str()).collect();
    assert_eq!(types[..2], ["REASONING_MESSAGE", "REASONING_MESSAGE"]);
    assert!(types[2..].iter().all(|t| *t == "MESSAGE") && types.len() > 3);
    // Partial messages carry only the references their text reaches, and those citations.
    for (_, data, _) in s.events.iter().filter(|(_, d, _)| d["output"]["type"] == "MESSAGE") {
        let message = &data["output"]["message"];
        let chars = message["content"]["commonmark_text"]["text"].as_str().unwrap().chars().count() as u64;
        let references = message["content_references"].as_array().unwrap();
        assert!(references.iter().all(|r| r["offset"].as_u64().unwrap() <= chars), "{message}");
        let cited: Vec<_> = message["citations"].as_array().unwrap().iter().map(|c| &c["citation_id"]).collect();
        let referenced: Vec<_> = references.iter().map(|r| &r["citation_id"]).collect();
        assert_eq!(cited, referenced);
    }
    // Paced over the response duration: completion is not sent before the response is done.
    let (_, completed, at) = s.events.last().unwrap();
    assert!(*at >= Duration::from_millis(290), "completed after {at:?}");
    assert!(s.events[0].2 < Duration::from_millis(150), "created after {:?}", s.events[0].2);
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
fn fail_input_streams_response_failed_last() {
    let api = Api::with_duration(150);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("x [fail]"), LONG);
    assert_published_shape(&s);
    assert!(!names(&s).contains(&"RESPONSE_COMPLETED"));
    let (name, failed, _) = s.events.last().unwrap();
    assert_eq!(name, "RESPONSE_FAILED");
    assert_eq!(failed["response"]["status"], "FAILED");
    assert!(failed["response"]["error"]["code"].is_string() && failed["response"]["error"]["message"].is_string());
    assert!(s.events.iter().all(|(_, d, _)| d["output"]["type"] != "MESSAGE"));
    let rid = response_id(&s);
    let polled = api.get(&format!("/conversations/{conv}/responses/{rid}")).json();
    assert_eq!(failed["response"], polled);
}

#[test]
fn response_failed_fault_streams_response_failed_with_its_error() {
    let api = Api::with_duration(60);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(json!({"kind": "response_failed"}));
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("hi"), LONG);
    assert_published_shape(&s);
    let (name, failed, _) = s.events.last().unwrap();
    assert_eq!((name.as_str(), &failed["response"]["error"]["code"]), ("RESPONSE_FAILED", &json!("INTERNAL_ERROR")));
}

#[test]
fn stream_error_sends_error_then_closes_and_the_response_still_completes() {
    let api = Api::with_duration(100);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(json!({"kind": "stream_error", "after_events": 2, "code": "UPSTREAM", "message": "lost it"}));
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("hi"), LONG);
    assert_published_shape(&s);
    assert_eq!(s.end, End::Complete);
    assert_eq!(names(&s), ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS", "ERROR"]);
    assert_eq!(
        s.events[2].1,
        json!({"event_type": "ERROR", "sequence_number": 3, "error": {"code": "UPSTREAM", "message": "lost it"}})
    );
    let (done, _) = api.wait_terminal(&conv, &response_id(&s));
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(api.sim.requests()[1]["fault"], "stream_error");
    // Defaults: after one event, INTERNAL_ERROR.
    api.sim.push_fault(json!({"kind": "stream_error"}));
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("hi"), LONG);
    assert_published_shape(&s);
    assert_eq!(names(&s), ["RESPONSE_CREATED", "ERROR"]);
    assert_eq!(s.events[1].1["error"]["code"], "INTERNAL_ERROR");
}

#[test]
fn stream_error_after_zero_events_creates_no_response() {
    let api = Api::with_duration(50);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(json!({"kind": "stream_error", "after_events": 0}));
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("hi"), LONG);
    assert_published_shape(&s);
    assert_eq!((s.status, names(&s)), (200, vec!["ERROR"]));
    assert_eq!(s.events[0].1["sequence_number"], 1);
    std::thread::sleep(Duration::from_millis(80));
    let messages = api.get(&format!("/conversations/{conv}/messages")).json();
    assert_eq!(messages["messages"], json!([]), "nothing was created");
    assert!(api.get(&format!("/conversations/{conv}")).json().get("title").is_none());
}

#[test]
fn handoff_streams_created_then_completed_with_no_outputs() {
    let api = Api::with_duration(60);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(json!({"kind": "handoff"}));
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("agent please"), LONG);
    assert_published_shape(&s);
    assert_eq!((names(&s), &s.end), (vec!["RESPONSE_CREATED", "RESPONSE_COMPLETED"], &End::Complete));
    let completed = &s.events[1].1["response"];
    assert_eq!(completed["outputs"], json!([]));
    let polled = api.get(&format!("/conversations/{conv}/responses/{}", response_id(&s))).json();
    assert_eq!(completed, &polled);
}

#[test]
fn raw_message_streams_the_captured_message_verbatim() {
    let api = Api::with_duration(60);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    let raw = json!({
        "message_id": "msg_live", "conversation_id": "conv_live", "response_id": "resp_live", "actor": "ASSISTANT",
        "content": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "From a live tenant"}},
        "citations": null, "content_references": null, "feedback": null, "brand_new_field": {"x": 1},
    });
    api.sim.push_fault(json!({"kind": "raw_message", "message": raw}));
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("hi"), LONG);
    assert_published_shape(&s);
    let rid = response_id(&s);
    let mut expected = raw.clone();
    expected["conversation_id"] = json!(conv);
    expected["response_id"] = json!(rid);
    let deltas: Vec<_> = s.events.iter().filter(|(_, d, _)| d["output"]["type"] == "MESSAGE").collect();
    assert_eq!(deltas.len(), 1);
    assert_eq!(deltas[0].1["output"]["message"], expected);
    let (_, completed, _) = s.events.last().unwrap();
    assert_eq!(completed["response"]["outputs"][1]["message"], expected);
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
    assert_published_shape(&s);
    assert_eq!(names(&s), ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS", "RESPONSE_OUTPUT_DELTA"]);
    let (final_response, _) = api.wait_terminal(&conv, &response_id(&s));
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
    // The unknown event takes its place in the sequence, like any other.
    let sequence: Vec<_> = s.events.iter().map(|(_, d, _)| d["sequence_number"].as_u64().unwrap()).collect();
    assert_eq!(sequence, (1..=s.events.len() as u64).collect::<Vec<_>>());
    assert_eq!(s.events[2].1["event_type"], "RESPONSE_AUDIT");
    // Data given as text is sent verbatim.
    api.sim.push_fault(json!({"kind": "stream_unknown_event", "event": "X_NEW", "data": "{\"v\":2}"}));
    let s = stream(&api, &format!("/conversations/{conv}/responses/stream"), &auth(), &ask_body("hi"), LONG);
    assert_eq!((names(&s)[1], &s.events[1].1), ("X_NEW", &json!({"v": 2})));
    assert_eq!(s.events[2].1["sequence_number"], 3);
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
            assert!(n > 0, "the stream ended before a RESPONSE_OUTPUT_DELTA");
            bytes.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&bytes);
            if text.find("event: RESPONSE_OUTPUT_DELTA\n").is_some_and(|i| text[i..].contains("\n\n")) {
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
