//! The two background threads of rest/v1: a scheduler that delivers messages due
//! later (a live agent's reply, a modal's follow-up) and a webhook sender that
//! POSTs `CONVERSATION_RESPONSE_RECEIVED` deliveries (API-V1-NOTES §7).
//!
//! Request handlers never wait on either: they queue (`schedule`, `announce`) and
//! return. Due messages are also delivered at the start of every request, so an
//! answer never shows a state older than the clock says.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::api::{Inner, Shared};
use crate::codec::timestamp;

/// Connect, write and read timeout of one webhook POST: short, so a dead receiver
/// costs little (the real sender allows 15 s, §7).
const POST_TIMEOUT: Duration = Duration::from_secs(2);
/// The delivery's event type, the only one the registration page lists (§7).
pub(crate) const WEBHOOK_EVENT_TYPE: &str = "CONVERSATION_RESPONSE_RECEIVED";

/// A system-initiated message due later.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub due: Instant,
    pub conversation_id: String,
    pub kind: PendingKind,
    pub text: String,
}

/// What a due message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PendingKind {
    /// A `LIVE_AGENT` reply after a handoff.
    LiveAgent,
    /// The assistant's follow-up to a modal submit.
    FollowUp,
}

/// Work for the webhook sender.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Deliver { id: u64, url: String, body: Vec<u8> },
    Stop,
}

/// Delivery ids, unique for the process (a reset must not confuse a late status).
static NEXT_DELIVERY: AtomicU64 = AtomicU64::new(1);

/// Starts the scheduler and the webhook sender.
pub(crate) fn start(shared: &Arc<Shared>, outgoing: Receiver<Outgoing>) -> Vec<JoinHandle<()>> {
    let scheduler = {
        let shared = Arc::clone(shared);
        thread::Builder::new().name("sim-scheduler".into()).spawn(move || {
            let mut inner = shared.lock();
            while !inner.stopping {
                let now = Instant::now();
                materialize_due(&shared, &mut inner, now);
                let next = inner.pending.iter().map(|p| p.due).min();
                let wait = next.map_or(Duration::from_secs(3600), |due| due.saturating_duration_since(now));
                inner = match shared.wake.wait_timeout(inner, wait) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
        })
    };
    let sender = {
        let shared = Arc::clone(shared);
        thread::Builder::new().name("sim-webhook".into()).spawn(move || {
            while let Ok(Outgoing::Deliver { id, url, body }) = outgoing.recv() {
                let result = post(&url, &body);
                let mut inner = shared.lock();
                if let Some(entry) = inner.deliveries.iter_mut().find(|d| d["delivery_id"] == id) {
                    match result {
                        Ok(status) => entry["status"] = json!(status),
                        Err(e) => entry["error"] = json!(e),
                    }
                }
            }
        })
    };
    [scheduler, sender].into_iter().filter_map(Result::ok).collect()
}

/// Queues a message for later and wakes the scheduler.
pub(crate) fn schedule(shared: &Shared, inner: &mut Inner, pending: Pending) {
    inner.pending.push(pending);
    shared.wake.notify_all();
}

/// Delivers every message due by `now`, oldest first (event ids then follow due order).
pub(crate) fn materialize_due(shared: &Shared, inner: &mut Inner, now: Instant) {
    if inner.pending.iter().all(|p| p.due > now) {
        return;
    }
    let (mut due, later): (Vec<Pending>, Vec<Pending>) = inner.pending.drain(..).partition(|p| p.due <= now);
    inner.pending = later;
    due.sort_by_key(|p| p.due);
    for pending in &due {
        crate::v1::deliver(shared, inner, pending);
    }
}

/// Queues the webhook delivery of a new system-initiated event, when a webhook is set.
pub(crate) fn announce(shared: &Shared, inner: &mut Inner, event_id: &str) {
    let Some(url) = inner.webhook_url.clone() else { return };
    let Some(event) = inner.store.event_by_id(event_id) else { return };
    // §7: only `id`, `data.conversation_id` and `data.user_id` are documented; `type`
    // carries the event-type name and `created_at` the event's time [inferred].
    let body = json!({
        "id": event.id,
        "type": WEBHOOK_EVENT_TYPE,
        "created_at": timestamp(event.created_at),
        "data": { "conversation_id": event.conversation_id, "user_id": event.user_id },
    });
    crate::contract::record_webhook(&body);
    let id = NEXT_DELIVERY.fetch_add(1, Ordering::Relaxed);
    inner.deliveries.push(json!({ "delivery_id": id, "url": url, "body": body, "status": null, "error": null }));
    let body = body.to_string().into_bytes();
    if let Ok(outbox) = shared.outbox.lock() {
        let _ = outbox.send(Outgoing::Deliver { id, url, body });
    }
}

/// Checks a webhook URL: plain `http://host:port/path` (the sandbox's receivers are local).
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    split_url(url).map(|_| ())
}

fn split_url(url: &str) -> Result<(String, String), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| format!("the webhook URL must be http://…, got `{url}`"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() {
        return Err(format!("the webhook URL has no host: `{url}`"));
    }
    let host = if host.contains(':') && !host.ends_with(']') { host.to_owned() } else { format!("{host}:80") };
    Ok((host, path.to_owned()))
}

/// POSTs a JSON body; the answer's status code, or why there is none.
fn post(url: &str, body: &[u8]) -> Result<u16, String> {
    let (host, path) = split_url(url)?;
    let addr = host.to_socket_addrs().map_err(|e| e.to_string())?.next().ok_or("no address")?;
    let mut stream = TcpStream::connect_timeout(&addr, POST_TIMEOUT).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(POST_TIMEOUT)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(POST_TIMEOUT)).map_err(|e| e.to_string())?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: moveworks-simulator\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).map_err(|e| e.to_string())?;
    line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| format!("no HTTP status line: {line:?}"))
}

/// The deliveries so far, oldest first, without the internal id.
pub(crate) fn deliveries(inner: &Inner) -> Value {
    let list = inner.deliveries.iter().map(|d| {
        let mut d = d.clone();
        if let Value::Object(map) = &mut d {
            map.remove("delivery_id");
        }
        d
    });
    Value::Array(list.collect())
}
