//! The Rust row of the per-event streaming benchmark (bench/streaming/README.md): the
//! reference the bindings' per-event cost is compared with.
//!
//! ```text
//! stream_events rust.sdk --base-url URL --token T --assistant NAME --conversation ID
//!     --events E --turns N [--warmup W]
//! ```
//!
//! W warm-up and N timed turns of `for event in client.stream_response(...)` on the main
//! thread, every event decoded into its typed `StreamEvent` (as the SDK always does). The
//! last stdout line is one JSON object, as bench/streaming/py_clients.py prints.

use std::time::Instant;

use moveworks::StreamEvent;

/// This process's CPU time (user + system, all threads), in seconds.
fn cpu_s() -> f64 {
    // SAFETY: rusage is plain data (all-zero is a valid value); getrusage writes only into it.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    assert_eq!(args.next().as_deref(), Some("rust.sdk"), "usage: stream_events rust.sdk --base-url URL ...");
    let (mut base_url, mut token, mut assistant, mut conversation) =
        (String::new(), String::new(), String::new(), String::new());
    let (mut events, mut turns, mut warmup) = (0usize, 5usize, 1usize);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--base-url" => base_url = value,
            "--token" => token = value,
            "--assistant" => assistant = value,
            "--conversation" => conversation = value,
            "--events" => events = value.parse().expect("--events"),
            "--turns" => turns = value.parse().expect("--turns"),
            "--warmup" => warmup = value.parse().expect("--warmup"),
            "--pkg" => {}
            other => panic!("unknown option {other}"),
        }
    }
    let client = moveworks::Client::builder()
        .base_url(&base_url)
        .bearer_token(&token)
        .assistant_name(&assistant)
        .build()
        .expect("client");
    let options = moveworks::StreamOptions::default();
    let (mut turn_ms, mut first_ms, mut cpu) = (Vec::new(), Vec::new(), 0.0);
    for i in 0..warmup + turns {
        let c0 = cpu_s();
        let t0 = Instant::now();
        let mut first = None;
        let mut n = 0;
        let mut completed = false;
        for event in client.stream_response(&conversation, "streaming benchmark", &options).expect("stream") {
            let event = event.expect("event");
            if first.is_none() && matches!(event, StreamEvent::ResponseOutputDelta { .. }) {
                first = Some(Instant::now());
            }
            completed = matches!(event, StreamEvent::ResponseCompleted { .. });
            n += 1;
        }
        let t1 = Instant::now();
        let c1 = cpu_s();
        assert!(n == events + 2 && completed, "expected {} events ending RESPONSE_COMPLETED, got {n}", events + 2);
        if i >= warmup {
            turn_ms.push((t1 - t0).as_secs_f64() * 1000.0);
            first_ms.push((first.unwrap_or(t1) - t0).as_secs_f64() * 1000.0);
            cpu += c1 - c0;
        }
    }
    let total = ((events + 2) * turns) as f64;
    let row = serde_json::json!({
        "id": "rust.sdk",
        "events_per_turn": events + 2,
        "turn_ms": turn_ms,
        "first_delta_ms": first_ms,
        "cpu_s": cpu,
        "cpu_us_per_event": cpu / total * 1e6,
        "peak_rss_kb": peak_rss_kb(),
    });
    eprintln!("rust.sdk: turns {turn_ms:?} ms, {:.2} us CPU/event", cpu / total * 1e6);
    println!("{row}");
}
