//! Rust benchmark program (see bench/PROTOCOL.md): `rust.sdk` (the core client),
//! `rust.ureq` (what a user would hand-write: a ureq Agent plus serde_json), and
//! `floor.raw_socket` (one keep-alive socket, a fixed request, the response read and
//! not decoded: the loopback floor), plus the polling rows (`poll` mode), the
//! streaming rows (`stream`: `rust.sdk.stream` and the `floor.sse_raw_socket`
//! floor, first `RESPONSE_OUTPUT_DELTA` written by the simulator to user code) and
//! `stream_rss` (memory and fds over many opened-and-abandoned streams).
//!
//! Latency rounds interleave the clients in small batches so that load from other
//! processes on a shared machine hits every client alike.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};

type Res<T> = Result<T, String>;

/// Command-line options shared by every mode.
struct Opts {
    mode: String,
    base_url: String,
    token: String,
    assistant: String,
    conversation: String,
    warmup: usize,
    iterations: usize,
    threads: usize,
    calls_per_thread: usize,
    calls: usize,
    response_ms: u64,
    streams: usize,
    clients: Vec<String>,
}

fn parse_args() -> Res<Opts> {
    let mut args = std::env::args().skip(1);
    let mode =
        args.next().ok_or("usage: moveworks-bench <latency|threads|rss|poll|stream|stream_rss> --base-url URL ...")?;
    let mut o = Opts {
        mode,
        base_url: String::new(),
        token: String::new(),
        assistant: String::new(),
        conversation: String::new(),
        warmup: 1000,
        iterations: 10000,
        threads: 1,
        calls_per_thread: 20,
        calls: 100_000,
        response_ms: 1000,
        streams: 10_000,
        clients: vec!["sdk".into(), "ureq".into(), "raw".into()],
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--base-url" => o.base_url = value.trim_end_matches('/').to_owned(),
            "--token" => o.token = value,
            "--assistant" => o.assistant = value,
            "--conversation" => o.conversation = value,
            "--warmup" => o.warmup = num()?,
            "--iterations" => o.iterations = num()?,
            "--threads" => o.threads = num()?,
            "--calls-per-thread" => o.calls_per_thread = num()?,
            "--calls" => o.calls = num()?,
            "--response-ms" => o.response_ms = num()? as u64,
            "--streams" => o.streams = num()?,
            "--clients" => o.clients = value.split(',').map(str::to_owned).collect(),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if o.base_url.is_empty() || o.token.is_empty() || o.assistant.is_empty() || o.conversation.is_empty() {
        return Err("--base-url, --token, --assistant and --conversation are required".into());
    }
    Ok(o)
}

/// The fields a hand-written client would declare for a conversation.
#[derive(Deserialize)]
#[allow(dead_code)] // Decoded like a user would, even if only the id is checked.
struct HandConversation {
    conversation_id: String,
    title: Option<String>,
    #[serde(default)]
    archived: bool,
    created_at: String,
    updated_at: String,
}

/// One benchmarked way of calling `GET /conversations/{id}`.
enum Bench {
    Sdk(moveworks::Client),
    Ureq { agent: ureq::Agent, url: String, auth: String, assistant: String },
    Raw(RawSocket),
}

impl Bench {
    fn new(kind: &str, o: &Opts) -> Res<Bench> {
        Ok(match kind {
            "sdk" => Bench::Sdk(sdk_client(o)?),
            "ureq" => Bench::Ureq {
                agent: ureq::Agent::new_with_defaults(),
                url: format!("{}/conversations/{}", o.base_url, o.conversation),
                auth: format!("Bearer {}", o.token),
                assistant: o.assistant.clone(),
            },
            "raw" => Bench::Raw(RawSocket::connect(o)?),
            other => return Err(format!("unknown client {other}")),
        })
    }

    fn row_id(kind: &str) -> &'static str {
        match kind {
            "sdk" => "rust.sdk",
            "ureq" => "rust.ureq",
            _ => "floor.raw_socket",
        }
    }

    fn call(&mut self, conversation: &str) -> Res<()> {
        match self {
            Bench::Sdk(client) => {
                let c = client.get_conversation(conversation).map_err(|e| e.to_string())?;
                check_id(&c.conversation_id, conversation)
            }
            Bench::Ureq { agent, url, auth, assistant } => {
                let mut response = agent
                    .get(url.as_str())
                    .header("Authorization", auth.as_str())
                    .header("Assistant-Name", assistant.as_str())
                    .header("Accept", "application/json")
                    .call()
                    .map_err(|e| e.to_string())?;
                let c: HandConversation = response.body_mut().read_json().map_err(|e| e.to_string())?;
                check_id(&c.conversation_id, conversation)
            }
            Bench::Raw(socket) => socket.call(conversation.as_bytes()),
        }
    }
}

fn check_id(got: &str, want: &str) -> Res<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("wrong conversation_id {got:?}"))
    }
}

fn sdk_client(o: &Opts) -> Res<moveworks::Client> {
    moveworks::Client::builder()
        .base_url(&o.base_url)
        .bearer_token(&o.token)
        .assistant_name(&o.assistant)
        .build()
        .map_err(|e| e.to_string())
}

/// The floor: a fixed request on one keep-alive socket; only the framing is parsed.
struct RawSocket {
    stream: TcpStream,
    request: Vec<u8>,
    buf: Vec<u8>,
}

impl RawSocket {
    fn connect(o: &Opts) -> Res<RawSocket> {
        let rest = o.base_url.strip_prefix("http://").ok_or("the floor client needs an http:// base URL")?;
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let stream = TcpStream::connect(host).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let request = format!(
            "GET /{path}/conversations/{} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nAssistant-Name: {}\r\nAccept: application/json\r\n\r\n",
            o.conversation, o.token, o.assistant
        );
        Ok(RawSocket { stream, request: request.into_bytes(), buf: Vec::with_capacity(8192) })
    }

    fn call(&mut self, conversation: &[u8]) -> Res<()> {
        self.stream.write_all(&self.request).map_err(|e| e.to_string())?;
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        let mut head_end = None;
        let mut total = usize::MAX;
        while self.buf.len() < total {
            let n = self.stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("server closed the connection".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
            if head_end.is_none() {
                if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                    let head = std::str::from_utf8(&self.buf[..end]).map_err(|e| e.to_string())?;
                    if !head.starts_with("HTTP/1.1 200") {
                        return Err(format!("unexpected status line {:?}", head.lines().next()));
                    }
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
                        })
                        .ok_or("no Content-Length")?;
                    head_end = Some(end + 4);
                    total = end + 4 + length;
                }
            }
        }
        let body = &self.buf[head_end.unwrap_or(0)..];
        if find(body, conversation).is_none() {
            return Err("the body does not name the conversation".into());
        }
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn latency(o: &Opts) -> Res<Vec<Value>> {
    let mut benches = o.clients.iter().map(|k| Bench::new(k, o)).collect::<Res<Vec<_>>>()?;
    for b in &mut benches {
        for _ in 0..o.warmup {
            b.call(&o.conversation)?;
        }
    }
    // Small interleaved batches: background load spreads over every client alike.
    let batch = 200.min(o.iterations.max(1));
    let mut samples: Vec<Vec<u64>> = vec![Vec::with_capacity(o.iterations); benches.len()];
    let mut done = 0;
    let mut round = 0usize;
    while done < o.iterations {
        let n = batch.min(o.iterations - done);
        for k in 0..benches.len() {
            // Rotate the order so no client always runs right after another.
            let i = (k + round) % benches.len();
            for _ in 0..n {
                let t = Instant::now();
                benches[i].call(&o.conversation)?;
                samples[i].push(t.elapsed().as_nanos() as u64);
            }
        }
        done += n;
        round += 1;
    }
    Ok(o.clients.iter().zip(samples).map(|(k, s)| json!({"id": Bench::row_id(k), "samples_ns": s})).collect())
}

fn threads(o: &Opts) -> Res<Vec<Value>> {
    let client = Arc::new(sdk_client(o)?);
    // One call per thread first, so that connections exist before the clock starts.
    let run = |calls: usize| -> Res<f64> {
        let started = Instant::now();
        let handles: Vec<_> = (0..o.threads)
            .map(|_| {
                let client = Arc::clone(&client);
                let conversation = o.conversation.clone();
                std::thread::spawn(move || -> Res<()> {
                    for _ in 0..calls {
                        let c = client.get_conversation(&conversation).map_err(|e| e.to_string())?;
                        check_id(&c.conversation_id, &conversation)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "a thread panicked")??;
        }
        Ok(started.elapsed().as_secs_f64())
    };
    run(1)?;
    let seconds = run(o.calls_per_thread)?;
    Ok(vec![json!({
        "id": "rust.sdk",
        "threads": o.threads,
        "calls": o.threads * o.calls_per_thread,
        "seconds": seconds,
    })])
}

fn rss_kb() -> Res<u64> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/self/status".into())
}

fn rss(o: &Opts) -> Res<Vec<Value>> {
    let mut b = Bench::new("sdk", o)?;
    for _ in 0..1000 {
        b.call(&o.conversation)?;
    }
    let before = rss_kb()?;
    for _ in 0..o.calls {
        b.call(&o.conversation)?;
    }
    let after = rss_kb()?;
    Ok(vec![json!({"id": "rust.sdk", "calls": o.calls, "rss_before_kb": before, "rss_after_kb": after})])
}

/// Creates a response that completes `--response-ms` after creation (set by the
/// harness through /_sim/config) and waits for it with the default options.
fn poll(o: &Opts) -> Res<Vec<Value>> {
    let client = sdk_client(o)?;
    let started = Instant::now();
    let created =
        client.create_response(&o.conversation, "benchmark: how fast is polling?").map_err(|e| e.to_string())?;
    let done = client
        .wait_for_response(&o.conversation, &created.response_id, &moveworks::WaitOptions::default())
        .map_err(|e| e.to_string())?;
    let waited = started.elapsed();
    let completes_after = Duration::from_millis(o.response_ms);
    let noticed = waited.saturating_sub(completes_after);
    Ok(vec![json!({
        "id": "rust.poll",
        "response_ms": o.response_ms,
        "response_id": created.response_id,
        "status": format!("{:?}", done.status),
        "wait_ms": waited.as_secs_f64() * 1e3,
        "noticed_after_ms": noticed.as_secs_f64() * 1e3,
    })])
}

/// `CLOCK_MONOTONIC` now, in nanoseconds: the clock the simulator's stream marks read.
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_MONOTONIC)");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// `http://host:port` of the base URL (the `/_sim` endpoints live at the origin).
fn origin(base_url: &str) -> Res<String> {
    let rest = base_url.strip_prefix("http://").ok_or("the stream benchmark needs an http:// base URL")?;
    Ok(format!("http://{}", rest.split('/').next().unwrap_or(rest)))
}

/// `GET {origin}/_sim/stream_marks`: when the simulator wrote each response's first delta.
fn stream_marks(o: &Opts) -> Res<serde_json::Map<String, Value>> {
    let url = format!("{}/_sim/stream_marks", origin(&o.base_url)?);
    let mut reply = ureq::get(url.as_str()).call().map_err(|e| format!("GET {url}: {e}"))?;
    match reply.body_mut().read_json::<Value>().map_err(|e| e.to_string())? {
        Value::Object(map) => Ok(map),
        other => Err(format!("/_sim/stream_marks is not an object: {other}")),
    }
}

/// receive − mark for every (response id, receive ns); a missing or later mark fails.
fn stream_samples(marks: &serde_json::Map<String, Value>, received: &[(String, u64)]) -> Res<Vec<u64>> {
    received
        .iter()
        .map(|(id, at)| {
            let mark = marks.get(id).and_then(Value::as_u64).ok_or_else(|| format!("no stream mark for {id}"))?;
            at.checked_sub(mark).ok_or_else(|| format!("{id}: received {at} ns before the mark {mark} ns"))
        })
        .collect()
}

/// One SDK streamed turn: open, read to the first RESPONSE_OUTPUT_DELTA, note the time, abandon.
fn sdk_first_delta(client: &moveworks::Client, o: &Opts) -> Res<(String, u64)> {
    let mut stream = client
        .stream_response(&o.conversation, "benchmark: first delta", &moveworks::StreamOptions::default())
        .map_err(|e| e.to_string())?;
    for event in stream.by_ref() {
        if let moveworks::StreamEvent::ResponseOutputDelta { .. } = event.map_err(|e| e.to_string())? {
            let at = monotonic_ns();
            let id = stream.response_id().ok_or("a delta before the response id")?.to_owned();
            return Ok((id, at)); // dropping the stream abandons the turn
        }
    }
    Err("the stream ended without a RESPONSE_OUTPUT_DELTA".into())
}

/// The SSE floor: a fresh socket, the POST written by hand, the bytes scanned for
/// the response id and the first complete `event: RESPONSE_OUTPUT_DELTA` frame.
struct RawSse {
    host: String,
    request: Vec<u8>,
}

impl RawSse {
    fn new(o: &Opts) -> Res<RawSse> {
        let rest = o.base_url.strip_prefix("http://").ok_or("the floor client needs an http:// base URL")?;
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let body = json!({ "input": { "text": "benchmark: first delta" } }).to_string();
        let request = format!(
            "POST /{path}/conversations/{}/responses/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nAssistant-Name: {}\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            o.conversation,
            o.token,
            o.assistant,
            body.len()
        );
        Ok(RawSse { host: host.to_owned(), request: request.into_bytes() })
    }

    fn first_delta(&self) -> Res<(String, u64)> {
        let mut stream = TcpStream::connect(&self.host).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream.write_all(&self.request).map_err(|e| e.to_string())?;
        let mut buf = Vec::with_capacity(16 * 1024);
        let mut chunk = [0u8; 16 * 1024];
        loop {
            let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("the server closed the stream before a RESPONSE_OUTPUT_DELTA".into());
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(start) = find(&buf, b"event: RESPONSE_OUTPUT_DELTA\n") {
                if find(&buf[start..], b"\n\n").is_some() {
                    let at = monotonic_ns();
                    if !buf.starts_with(b"HTTP/1.1 200") {
                        return Err("unexpected status line".into());
                    }
                    const KEY: &[u8] = b"\"response_id\":\"";
                    let from = find(&buf, KEY).ok_or("no response_id before the delta")? + KEY.len();
                    let len = buf[from..].iter().position(|&b| b == b'"').ok_or("unterminated response_id")?;
                    let id = String::from_utf8(buf[from..from + len].to_vec()).map_err(|e| e.to_string())?;
                    return Ok((id, at)); // dropping the socket abandons the turn
                }
            }
        }
    }
}

/// First delta to user code: `rust.sdk.stream` and `floor.sse_raw_socket`, turns
/// alternating, with the simulator's `response_duration_ms` set small by the harness.
fn stream(o: &Opts) -> Res<Vec<Value>> {
    let client = sdk_client(o)?;
    let raw = RawSse::new(o)?;
    for _ in 0..o.warmup {
        sdk_first_delta(&client, o)?;
        raw.first_delta()?;
    }
    let mut sdk = Vec::with_capacity(o.iterations);
    let mut floor = Vec::with_capacity(o.iterations);
    for i in 0..o.iterations {
        if i % 2 == 0 {
            sdk.push(sdk_first_delta(&client, o)?);
            floor.push(raw.first_delta()?);
        } else {
            floor.push(raw.first_delta()?);
            sdk.push(sdk_first_delta(&client, o)?);
        }
    }
    let marks = stream_marks(o)?;
    Ok(vec![
        json!({"id": "rust.sdk.stream", "samples_ns": stream_samples(&marks, &sdk)?}),
        json!({"id": "floor.sse_raw_socket", "samples_ns": stream_samples(&marks, &floor)?}),
    ])
}

fn open_fds() -> Res<usize> {
    Ok(std::fs::read_dir("/proc/self/fd").map_err(|e| e.to_string())?.count())
}

/// Opens `--streams` streams, each read to its first event and dropped.
fn stream_rss(o: &Opts) -> Res<Vec<Value>> {
    let client = sdk_client(o)?;
    let open_one = || -> Res<()> {
        let mut stream = client
            .stream_response(&o.conversation, "benchmark: abandoned", &moveworks::StreamOptions::default())
            .map_err(|e| e.to_string())?;
        match stream.next() {
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(e.to_string()),
            None => Err("the stream ended at once".into()),
        }
    };
    for _ in 0..200 {
        open_one()?;
    }
    let (rss_before, fds_before) = (rss_kb()?, open_fds()?);
    for _ in 0..o.streams {
        open_one()?;
    }
    let (rss_after, fds_after) = (rss_kb()?, open_fds()?);
    Ok(vec![json!({
        "id": "rust.sdk",
        "streams": o.streams,
        "rss_before_kb": rss_before,
        "rss_after_kb": rss_after,
        "fds_before": fds_before,
        "fds_after": fds_after,
    })])
}

fn main() {
    let result = parse_args().and_then(|o| match o.mode.as_str() {
        "latency" => latency(&o),
        "threads" => threads(&o),
        "rss" => rss(&o),
        "poll" => poll(&o),
        "stream" => stream(&o),
        "stream_rss" => stream_rss(&o),
        other => Err(format!("unknown mode {other}")),
    });
    match result {
        Ok(rows) => println!("{}", json!({ "rows": rows })),
        Err(e) => {
            eprintln!("moveworks-bench: {e}");
            std::process::exit(1);
        }
    }
}
