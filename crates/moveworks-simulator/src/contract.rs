//! Contract recording: when `MOVEWORKS_SIM_CONTRACT_LOG` names a directory, every
//! JSON body served on a documented operation and every SSE event of a stream is
//! appended to `<dir>/sim-<pid>.jsonl`, one JSON object per line, so
//! `scripts/contract_check.py` can validate what the simulator really sent against
//! the published OpenAPI (`spec/`), never against the SDK.
//!
//! Lines:
//!
//! ```text
//! {"method","route","status","body"}                     a JSON body
//! {"method":"POST","route":".../responses/stream","status":200,"event","data"}   an SSE event
//! {"api":"v1","webhook":true,"body"}                     a webhook delivery (rest/v1)
//! ```
//!
//! Lines of `/rest/v1` answers carry `"api": "v1"`.
//!
//! `route` is the spec's path template (`/conversations/{conversation_id}`). A
//! body or event that is off-spec on purpose carries `"exempt": "<why>"` (a
//! deviation fault, an unknown-values rendering, a `raw_message`, a documented
//! spec gap) and is counted, not validated. A body that is not JSON is recorded
//! as `"body_text"`. At most [`CAP`] lines are written per (route, status, event,
//! exemption) per process, so soak runs stay small. Recording never fails a request:
//! any I/O error is ignored. Control routes and the token route are not recorded.

use std::cell::Cell;
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Value};

use crate::api::Generation;

/// rest/v1 lines carry `"api": "v1"` (validated against the assistant/v1 spec plus
/// `spec/rest-v1-additions.schema.json`); beta lines carry no `api`, as before.
fn mark_generation(line: &mut Value, generation: Generation) {
    if generation == Generation::V1 {
        line["api"] = json!("v1");
    }
}

fn generation_key(generation: Generation) -> &'static str {
    match generation {
        Generation::V1 => "v1 ",
        Generation::V1Beta1 => "",
    }
}

/// The environment variable naming the recording directory.
pub(crate) const ENV: &str = "MOVEWORKS_SIM_CONTRACT_LOG";
/// Lines kept per (route, status, event, exemption) per process.
const CAP: u32 = 300;

struct Recorder {
    file: File,
    counts: HashMap<String, u32>,
}

static RECORDER: OnceLock<Option<Mutex<Recorder>>> = OnceLock::new();

fn recorder() -> Option<&'static Mutex<Recorder>> {
    RECORDER
        .get_or_init(|| {
            let dir = PathBuf::from(std::env::var_os(ENV).filter(|d| !d.is_empty())?);
            fs::create_dir_all(&dir).ok()?;
            let path = dir.join(format!("sim-{}.jsonl", std::process::id()));
            let file = OpenOptions::new().create(true).append(true).open(path).ok()?;
            Some(Mutex::new(Recorder { file, counts: HashMap::new() }))
        })
        .as_ref()
}

/// Whether recording is on (the variable was set when first asked).
pub(crate) fn enabled() -> bool {
    recorder().is_some()
}

/// Writes one line unless its key reached the cap; `line` is built only when kept.
fn write(key: String, line: impl FnOnce() -> Value) {
    let Some(recorder) = recorder() else { return };
    let mut recorder = recorder.lock().unwrap_or_else(|e| e.into_inner());
    let count = recorder.counts.entry(key).or_insert(0);
    if *count >= CAP {
        return;
    }
    *count += 1;
    let mut text = line().to_string();
    text.push('\n');
    let _ = recorder.file.write_all(text.as_bytes());
}

/// Records a served JSON body.
pub(crate) fn record_body(
    generation: Generation,
    method: &str,
    route: &str,
    status: u16,
    body: &[u8],
    exempt: Option<&str>,
) {
    if !enabled() {
        return;
    }
    let key = format!("{}{method} {route} {status} body {}", generation_key(generation), exempt.unwrap_or(""));
    write(key, || {
        let mut line = json!({ "method": method, "route": route, "status": status });
        mark_generation(&mut line, generation);
        match serde_json::from_slice::<Value>(body) {
            Ok(body) => line["body"] = body,
            Err(_) => line["body_text"] = json!(String::from_utf8_lossy(body)),
        }
        if let Some(why) = exempt {
            line["exempt"] = json!(why);
        }
        line
    });
}

/// Records one SSE event of a stream (`data` as sent, parsed when it is JSON).
pub(crate) fn record_event(generation: Generation, route: &str, event: &str, data: &str, exempt: Option<&str>) {
    if !enabled() {
        return;
    }
    let key = format!("{}POST {route} 200 {event} {}", generation_key(generation), exempt.unwrap_or(""));
    write(key, || {
        let mut line = json!({ "method": "POST", "route": route, "status": 200, "event": event });
        mark_generation(&mut line, generation);
        match serde_json::from_str::<Value>(data) {
            Ok(data) => line["data"] = data,
            Err(_) => line["data_text"] = json!(data),
        }
        if let Some(why) = exempt {
            line["exempt"] = json!(why);
        }
        line
    });
}

/// Records a webhook delivery's body (rest/v1), `{"api": "v1", "webhook": true, "body"}`:
/// validated against the envelope the notes document (`WebhookDelivery`).
pub(crate) fn record_webhook(body: &Value) {
    if !enabled() {
        return;
    }
    write("v1 webhook".into(), || json!({ "api": "v1", "webhook": true, "body": body }));
}

thread_local! {
    /// Why the body being rendered on this thread is off-spec on purpose, if it is.
    static RENDER_EXEMPT: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Notes that the body being rendered on this thread is off-spec on purpose.
pub(crate) fn mark_exempt(why: &'static str) {
    RENDER_EXEMPT.with(|cell| {
        if cell.get().is_none() {
            cell.set(Some(why));
        }
    });
}

/// Takes (and clears) this thread's render exemption.
pub(crate) fn take_exempt() -> Option<&'static str> {
    RENDER_EXEMPT.with(Cell::take)
}
