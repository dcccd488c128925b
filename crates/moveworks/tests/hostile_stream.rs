//! The streaming call against a hostile or odd server: a hand-written HTTP server on
//! loopback that sends exactly the bytes each test needs (what the simulator, which
//! follows the published contract, never sends).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use moveworks::{Client, ErrorKind, StreamEvent, StreamOptions, WaitOptions};

/// What a scripted server writes for one request: `(method, path, body writer)`.
type Handler = dyn Fn(&str, &str, &mut Chunked) + Send + Sync;

/// A chunked HTTP/1.1 body being written to the client.
struct Chunked(TcpStream);

impl Chunked {
    fn start(&mut self, status: u16, content_type: &str, headers: &[(&str, &str)]) {
        let mut head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n"
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let _ = self.0.write_all(head.as_bytes());
    }
    /// Writes one chunk; false once the client is gone.
    fn send(&mut self, bytes: &[u8]) -> bool {
        if bytes.is_empty() {
            return true;
        }
        let mut out = format!("{:x}\r\n", bytes.len()).into_bytes();
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
        self.0.write_all(&out).and_then(|()| self.0.flush()).is_ok()
    }
    fn end(&mut self) {
        let _ = self.0.write_all(b"0\r\n\r\n");
    }
}

struct Server {
    base_url: String,
    gets: Arc<AtomicUsize>,
}

fn serve(handler: impl Fn(&str, &str, &mut Chunked) + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}/rest/v1beta1", listener.local_addr().unwrap());
    let gets = Arc::new(AtomicUsize::new(0));
    let handler: Arc<Handler> = Arc::new(handler);
    let counted = Arc::clone(&gets);
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let (handler, gets) = (Arc::clone(&handler), Arc::clone(&counted));
            thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let mut parts = line.split_whitespace();
                let (method, path) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
                let mut length = 0usize;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                if method == "GET" {
                    gets.fetch_add(1, Ordering::SeqCst);
                }
                handler(&method, &path, &mut Chunked(conn));
            });
        }
    });
    Server { base_url, gets }
}

fn client(server: &Server) -> Client {
    Client::builder().base_url(&server.base_url).assistant_name("a").bearer_token("t").build().unwrap()
}

fn options(idle_ms: u64, deadline_ms: u64) -> StreamOptions {
    StreamOptions {
        idle_timeout: Duration::from_millis(idle_ms),
        wait: WaitOptions {
            initial_interval: Duration::from_millis(10),
            max_interval: Duration::from_millis(20),
            deadline: Duration::from_millis(deadline_ms),
            ..Default::default()
        },
    }
}

fn response(status: &str, outputs: &str) -> String {
    format!(
        r#"{{"response_id":"resp_1","conversation_id":"conv_1","status":"{status}","created_at":"2026-09-01T00:00:00Z","completed_at":null,"outputs":{outputs}}}"#
    )
}

fn event(name: &str, sequence: u64, fields: &str) -> String {
    format!("event: {name}\ndata: {{\"event_type\":\"{name}\",\"sequence_number\":{sequence},{fields}}}\n\n")
}

fn sse(out: &mut Chunked) {
    out.start(200, "text/event-stream", &[("x-moveworks-root-uuid", "stream-root")]);
}

fn message_output(text: &str) -> String {
    format!(
        r#"{{"type":"MESSAGE","message":{{"message_id":"msg_1","conversation_id":"conv_1","response_id":"resp_1","actor":"ASSISTANT","content":{{"type":"MARKDOWN_TEXT","markdown_text":{{"text":"{text}"}}}},"created_at":"2026-09-01T00:00:00Z"}}}}"#
    )
}

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_2mb_event_id_followed_by_200k_events_stays_under_100mb() {
    let server = serve(|_, _, out| {
        sse(out);
        out.send(event("RESPONSE_CREATED", 1, &format!("\"response\":{}", response("CREATED", "[]"))).as_bytes());
        let mut id = b"id: ".to_vec();
        id.extend(std::iter::repeat_n(b'7', 2 << 20));
        id.push(b'\n');
        out.send(&id);
        let batch: String = "event: PING\ndata: {}\n\n".repeat(1000);
        for _ in 0..200 {
            if !out.send(batch.as_bytes()) {
                return;
            }
        }
        out.end();
    });
    let before = peak_rss_kb();
    let stream = client(&server).stream_events("conv_1", "hi").unwrap();
    let mut pings = 0usize;
    for e in stream {
        if let StreamEvent::Unknown { event_name, .. } = e.unwrap() {
            assert_eq!(event_name, "PING");
            pings += 1;
        }
    }
    assert_eq!(pings, 200_000);
    let grown_mb = peak_rss_kb().saturating_sub(before) / 1024;
    assert!(grown_mb < 100, "peak RSS grew {grown_mb} MB");
}

#[test]
fn the_completed_event_is_not_held_back_by_a_server_that_keeps_sending() {
    let completed_written: Arc<Mutex<Option<Instant>>> = Arc::default();
    let written = Arc::clone(&completed_written);
    let server = serve(move |_, _, out| {
        sse(out);
        out.send(event("RESPONSE_CREATED", 1, &format!("\"response\":{}", response("CREATED", "[]"))).as_bytes());
        let done = response("COMPLETED", &format!("[{}]", message_output("Hello")));
        out.send(event("RESPONSE_COMPLETED", 2, &format!("\"response\":{done}")).as_bytes());
        *written.lock().unwrap() = Some(Instant::now());
        // Keep the connection busy for far longer than any drain may take.
        for _ in 0..600 {
            if !out.send(b": still here\n") {
                return;
            }
            thread::sleep(Duration::from_millis(5));
        }
        out.end();
    });
    let mut stream = client(&server).stream_response("conv_1", "hi", &options(10_000, 10_000)).unwrap();
    let mut last = None;
    for e in stream.by_ref() {
        last = Some((e.unwrap(), Instant::now()));
    }
    let (event, received) = last.unwrap();
    let lag = received - completed_written.lock().unwrap().unwrap();
    assert!(lag < Duration::from_millis(100), "the final event reached the caller {lag:?} after it was sent");
    let StreamEvent::ResponseCompleted { sequence_number: Some(2), response: Some(r), .. } = event else {
        panic!("{event:?}")
    };
    assert_eq!(r.assistant_text().as_deref(), Some("Hello"));
    assert_eq!(r.request_id.as_deref(), Some("stream-root"), "the stream request's id, not a poll's");
    assert_eq!(server.gets.load(Ordering::SeqCst), 0, "no extra GET after a completed stream");
}

#[test]
fn keep_alive_comments_do_not_restart_the_idle_timeout() {
    let server = serve(|_, _, out| {
        sse(out);
        out.send(event("RESPONSE_CREATED", 1, &format!("\"response\":{}", response("CREATED", "[]"))).as_bytes());
        for _ in 0..250 {
            if !out.send(b": keep-alive\n") {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        out.end();
    });
    let mut stream =
        client(&server).stream_events("conv_1", "hi").unwrap().with_idle_timeout(Some(Duration::from_millis(300)));
    assert!(matches!(stream.next(), Some(Ok(StreamEvent::ResponseCreated { .. }))));
    let started = Instant::now();
    let e = stream.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    // The server sends heartbeats for 5 s; the idle timeout (300 ms) is what ends the wait.
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[test]
fn a_server_sent_response_id_unusable_in_a_path_is_a_decode_error_naming_the_field() {
    let server = serve(|method, _, out| {
        if method == "POST" && out.0.peer_addr().is_ok() {
            sse(out);
            let created = response("CREATED", "[]").replace("resp_1", "resp_1/../../x?y");
            out.send(event("RESPONSE_CREATED", 1, &format!("\"response\":{created}")).as_bytes());
            out.end();
        }
    });
    let client = client(&server);
    let e = client.stream_events("conv_1", "hi").unwrap().next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert!(e.message().contains("response.response_id"), "{e}");
    let e = client.stream_response("conv_1", "hi", &options(5_000, 5_000)).unwrap().finish().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert_eq!(server.gets.load(Ordering::SeqCst), 0, "nothing polled at a path the server chose");
}

#[test]
fn create_and_wait_refuses_an_unusable_server_id_as_decode() {
    let server = serve(|_, _, out| {
        out.start(202, "application/json", &[]);
        out.send(response("CREATED", "[]").replace("resp_1", "resp_1\r\nx").replace("\r\n", "\\r\\n").as_bytes());
        out.end();
    });
    let e = client(&server).create_response_and_wait("conv_1", "hi", &options(5_000, 5_000).wait).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert!(e.message().contains("response_id"), "{e}");
}

#[test]
fn repeated_or_overtaken_deltas_are_dropped_not_fatal() {
    let server = serve(|_, _, out| {
        sse(out);
        out.send(event("RESPONSE_CREATED", 1, &format!("\"response\":{}", response("CREATED", "[]"))).as_bytes());
        for (n, text) in [(2, "H"), (4, "Hel"), (3, "He"), (4, "Hel"), (5, "Hello")] {
            out.send(event("RESPONSE_OUTPUT_DELTA", n, &format!("\"output\":{}", message_output(text))).as_bytes());
        }
        let done = response("COMPLETED", &format!("[{}]", message_output("Hello")));
        out.send(event("RESPONSE_COMPLETED", 6, &format!("\"response\":{done}")).as_bytes());
        out.end();
    });
    let events: Vec<StreamEvent> = client(&server).stream_events("conv_1", "hi").unwrap().map(Result::unwrap).collect();
    let deltas: Vec<(Option<u64>, String)> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::ResponseOutputDelta {
                sequence_number,
                output: moveworks::OutputItem::Message { message },
                ..
            } => Some((*sequence_number, message.text())),
            _ => None,
        })
        .collect();
    assert_eq!(deltas, vec![(Some(2), "H".into()), (Some(4), "Hel".into()), (Some(5), "Hello".into())]);
    assert_eq!(events.last().unwrap().event_name(), "RESPONSE_COMPLETED");
}

#[test]
fn an_error_before_the_response_is_named_ends_the_turn_with_the_servers_code() {
    let server = serve(|_, _, out| {
        sse(out);
        out.send(b"event: ERROR\ndata: {\"event_type\":\"ERROR\",\"sequence_number\":1,\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\",\"message\":\"slow down\"}}\n\n");
        out.end();
    });
    let mut stream = client(&server).stream_response("conv_1", "hi", &options(5_000, 5_000)).unwrap();
    let first = stream.next().unwrap().unwrap();
    assert_eq!(
        first,
        StreamEvent::Error {
            sequence_number: Some(1),
            code: "RATE_LIMIT_EXCEEDED".into(),
            message: "slow down".into()
        }
    );
    let e = stream.next().unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimit, "{e}");
    assert_eq!(e.code().map(|c| c.as_str()), Some("RATE_LIMIT_EXCEEDED"));
    assert!(e.message().contains("slow down"), "{e}");
    assert!(stream.next().is_none());
    assert_eq!(server.gets.load(Ordering::SeqCst), 0);
}

#[test]
fn the_earlier_flat_shape_is_still_read() {
    let server = serve(|method, _, out| {
        if method == "GET" {
            out.start(200, "application/json", &[("x-trace-id", "trace-only")]);
            out.send(response("COMPLETED", &format!("[{}]", message_output("Hi"))).as_bytes());
            out.end();
            return;
        }
        sse(out);
        out.send(b"event: RESPONSE_CREATED\ndata: {\"response_id\":\"resp_1\",\"status\":\"CREATED\"}\n\n");
        out.send(
            format!(
                "event: OUTPUT_DELTA\ndata: {{\"sequence_number\":1,\"output_type\":\"MESSAGE\",\"output\":{}}}\n\n",
                message_output("Hi")
            )
            .as_bytes(),
        );
        out.send(b"event: RESPONSE_COMPLETED\ndata: {\"response_id\":\"resp_1\",\"status\":\"COMPLETED\"}\n\n");
        out.end();
    });
    let mut stream = client(&server).stream_response("conv_1", "hi", &options(5_000, 5_000)).unwrap();
    let names: Vec<String> = stream.by_ref().map(|e| e.unwrap().event_name().to_owned()).collect();
    assert_eq!(names, ["RESPONSE_CREATED", "RESPONSE_OUTPUT_DELTA", "RESPONSE_COMPLETED"]);
    let response = stream.finish().unwrap();
    // A terminal event without its response is fetched; x-trace-id is read as the request id.
    assert_eq!(server.gets.load(Ordering::SeqCst), 1);
    assert_eq!(response.request_id.as_deref(), Some("trace-only"));
}

/// A response head of `bytes` bytes of headers, then a valid stream.
fn stream_with_head_of(bytes: usize) -> Server {
    serve(move |_, _, out| {
        let filler = "f".repeat(1000);
        let headers: Vec<(String, &str)> =
            (0..bytes / 1000).map(|i| (format!("x-filler-{i}"), filler.as_str())).collect();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        out.start(200, "text/event-stream", &headers);
        out.send(event("RESPONSE_CREATED", 1, &format!("\"response\":{}", response("CREATED", "[]"))).as_bytes());
        out.send(event("RESPONSE_COMPLETED", 2, &format!("\"response\":{}", response("COMPLETED", "[]"))).as_bytes());
        out.end();
    })
}

#[test]
fn response_heads_up_to_12_kib_are_read_and_larger_than_16_kib_refused_cleanly() {
    let server = stream_with_head_of(12_000);
    let names: Vec<String> =
        client(&server).stream_events("conv_1", "hi").unwrap().map(|e| e.unwrap().event_name().to_owned()).collect();
    assert_eq!(names, ["RESPONSE_CREATED", "RESPONSE_COMPLETED"]);

    let server = stream_with_head_of(20_000);
    let e = client(&server).stream_events("conv_1", "hi").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e:?}");
    assert!(e.to_string().to_ascii_lowercase().contains("header"), "{e}");
}
