//! The Rust row of the concurrency benchmark (bench/concurrency/README.md): N streamed
//! turns at once in one process, one `std::thread` (default stack) per turn, one shared
//! `moveworks::Client`.
//!
//! ```text
//! concurrency rust.sdk.threads --base-url URL --token T --assistant NAME
//!     --conversations FILE --streams N
//! ```
//!
//! Every turn reads every event and must end with `RESPONSE_COMPLETED`. The last stdout
//! line is one JSON object (the row); progress goes to stderr. Lives with the Rust bench
//! crate (as an example) so that it needs no crate of its own in the workspace.

use std::sync::{Arc, Barrier};
use std::time::Instant;

use moveworks::StreamEvent;

struct Opts {
    base_url: String,
    token: String,
    assistant: String,
    conversations: String,
    streams: usize,
}

fn parse() -> Result<Opts, String> {
    let mut args = std::env::args().skip(1);
    let row = args.next().ok_or("usage: concurrency rust.sdk.threads --base-url URL ...")?;
    if row != "rust.sdk.threads" {
        return Err(format!("unknown row {row}"));
    }
    let mut o = Opts {
        base_url: String::new(),
        token: String::new(),
        assistant: String::new(),
        conversations: String::new(),
        streams: 0,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--base-url" => o.base_url = value,
            "--token" => o.token = value,
            "--assistant" => o.assistant = value,
            "--conversations" => o.conversations = value,
            "--streams" => o.streams = value.parse().map_err(|_| "bad --streams")?,
            "--answer-ms" => {}
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(o)
}

/// `VmHWM` (peak RSS, kB) and `Threads` of this process.
fn proc_status() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("Threads:"))
}

/// One turn: (first event, turn end) in ms after `t0`, and the number of events.
fn turn(client: &moveworks::Client, conversation: &str) -> Result<(f64, f64, usize), String> {
    let t0 = Instant::now();
    let mut first = None;
    let mut events = 0;
    let mut completed = false;
    let stream = client
        .stream_response(conversation, "concurrency benchmark", &moveworks::StreamOptions::default())
        .map_err(|e| e.to_string())?;
    for event in stream {
        let event = event.map_err(|e| e.to_string())?;
        first.get_or_insert_with(Instant::now);
        events += 1;
        completed = matches!(event, StreamEvent::ResponseCompleted { .. });
    }
    if !completed {
        return Err("the turn did not end with RESPONSE_COMPLETED".into());
    }
    let end = Instant::now();
    let ms = |t: Instant| (t - t0).as_secs_f64() * 1000.0;
    Ok((ms(first.unwrap_or(end)), ms(end), events))
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("concurrency: {e}");
            std::process::exit(2);
        }
    };
    let conversations: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(&o.conversations).expect("read --conversations"))
            .expect("--conversations holds a JSON array of ids");
    assert!(conversations.len() >= o.streams, "fewer conversations than --streams");
    let client = moveworks::Client::builder()
        .base_url(&o.base_url)
        .bearer_token(&o.token)
        .assistant_name(&o.assistant)
        .build()
        .expect("client");
    // Every thread is started before any turn begins, so the burst is simultaneous.
    let barrier = Arc::new(Barrier::new(o.streams + 1));
    let handles: Vec<_> = conversations[..o.streams]
        .iter()
        .cloned()
        .map(|conversation| {
            let client = client.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                turn(&client, &conversation)
            })
        })
        .collect();
    barrier.wait();
    let burst = Instant::now();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().expect("turn thread panicked")).collect();
    let wall = burst.elapsed().as_secs_f64();
    let (peak_rss_kb, threads_at_end) = proc_status();
    let mut firsts = Vec::new();
    let mut turns = Vec::new();
    let mut errors = Vec::new();
    let mut events = 0;
    for r in results {
        match r {
            Ok((first, end, n)) => {
                firsts.push((first * 100.0).round() / 100.0);
                turns.push((end * 100.0).round() / 100.0);
                events += n;
            }
            Err(e) => errors.push(e),
        }
    }
    eprintln!("rust.sdk.threads x{}: {} errors, wall {wall:.3} s, peak RSS {peak_rss_kb} kB", o.streams, errors.len());
    let row = serde_json::json!({
        "id": "rust.sdk.threads",
        "streams": o.streams,
        "first_event_ms": firsts,
        "turn_ms": turns,
        "start_spread_ms": 0.0,
        "errors": errors.len(),
        "error_samples": errors.iter().take(5).collect::<Vec<_>>(),
        "events": events,
        "wall_s": (wall * 1000.0).round() / 1000.0,
        "peak_rss_kb": peak_rss_kb,
        "threads_at_end": threads_at_end,
    });
    println!("{row}");
}
