//! Soak: one client loops create conversation → create response → wait →
//! list conversations → list events for a given time, sampling its own RSS.
//!
//! `moveworks-soak SECONDS [SAMPLE_SECS] [WARMUP_SECS]`, configured by the
//! `MOVEWORKS_*` environment variables (`soak/run.sh` points them at the
//! simulator). Prints one JSON line per sample and a final summary line; exits
//! non-zero on the first SDK error. The protocol is shared with
//! `soak/python/soak.py` and `soak/node/soak.mjs`.

use std::time::{Duration, Instant};

use moveworks::{Client, ListConversationsParams, ListEventsParams, ResponseStatus, WaitOptions};
use serde_json::json;

/// Resident set size of this process in kB, from `/proc/self/status`.
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux only)");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line")
}

fn arg(args: &[String], i: usize, default: f64) -> f64 {
    args.get(i).map(|a| a.parse().expect("seconds must be a number")).unwrap_or(default)
}

/// One create/poll/list cycle; checks that every result decoded into what was asked for.
fn cycle(client: &Client, wait: &WaitOptions, n: u64) -> moveworks::Result<()> {
    let conv = client.create_conversation(Some(&format!("soak {n}")))?;
    assert_eq!(conv.title.as_deref(), Some(format!("soak {n}").as_str()));
    let resp = client.create_response(&conv.conversation_id, "How do I reset my password?")?;
    assert_eq!(resp.conversation_id, conv.conversation_id);
    let done = client.wait_for_response(&conv.conversation_id, &resp.response_id, wait)?;
    assert_eq!(done.status, ResponseStatus::Completed);
    assert!(done.assistant_messages().any(|m| !m.text().is_empty()), "a completed response has text");
    let page = client.list_conversations(&ListConversationsParams { limit: Some(10), ..Default::default() })?;
    assert!(!page.conversations.is_empty());
    let params =
        ListEventsParams { conversation_id: Some(conv.conversation_id), limit: Some(20), ..Default::default() };
    client.list_events(&params)?;
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds = arg(&args, 0, 60.0);
    let sample = arg(&args, 1, (seconds / 20.0).clamp(1.0, 10.0));
    let warmup = arg(&args, 2, (seconds / 4.0).min(60.0));
    let client = Client::from_env().unwrap_or_else(|e| panic!("client from MOVEWORKS_* env: {e}"));
    // The simulator answers in tens of milliseconds; poll accordingly so cycles are quick.
    let wait = WaitOptions {
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(100),
        deadline: Duration::from_secs(30),
        ..Default::default()
    };

    let started = Instant::now();
    let (mut cycles, mut next_sample) = (0u64, sample);
    let (mut rss_start, mut rss_max, mut rss_end) = (None::<u64>, 0u64, 0u64);
    while started.elapsed().as_secs_f64() < seconds {
        if let Err(e) = cycle(&client, &wait, cycles) {
            eprintln!("{}", json!({"lang": "rust", "error": e.to_string(), "cycles": cycles}));
            std::process::exit(1);
        }
        cycles += 1;
        let t = started.elapsed().as_secs_f64();
        if t >= next_sample || t >= seconds {
            next_sample += sample;
            let rss = rss_kb();
            let warm = t >= warmup;
            if warm {
                rss_start.get_or_insert(rss);
                rss_max = rss_max.max(rss);
                rss_end = rss;
            }
            println!(
                "{}",
                json!({"lang": "rust", "t": (t * 10.0).round() / 10.0, "cycles": cycles, "rss_kb": rss, "warm": warm})
            );
        }
    }
    let rss_start = rss_start.unwrap_or(rss_end);
    println!(
        "{}",
        json!({
            "lang": "rust", "summary": true,
            "duration_s": started.elapsed().as_secs_f64().round(), "cycles": cycles,
            "rss_start_kb": rss_start, "rss_end_kb": rss_end, "rss_max_kb": rss_max,
            "growth_kb": rss_end as i64 - rss_start as i64,
        })
    );
}
