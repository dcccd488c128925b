//! rest/v1 modals (forms): get, refresh, submit (API-V1-NOTES §4), and the minting
//! of modal ids per message read.
//!
//! The modal schema section of the pages was not readable: the field and value
//! shapes are the demo app's ([demo-code modals.js], §4 table), so [inferred] for the
//! API. One form exists, the laptop answer's "Edit details".

use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Map, Value};

use crate::api::{invalid_input, json_object, not_found, Handled, Inner, ModalPath, Shared};
use crate::background::{Pending, PendingKind};
use crate::codec;
use crate::server::{HttpRequest, HttpResponse};
use crate::state::{ResponseRecord, Script, Store};

/// What a MODAL_ACTION carries until a read mints its id (never sent).
pub(crate) const MODAL_PLACEHOLDER: &str = "modal_(minted on read)";

/// Where a minted modal id belongs, and whether it still works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModalRef {
    pub conversation_id: String,
    pub response_id: String,
    pub message_id: String,
    /// Submitted or expired (`expire_modals`): 404 from then on.
    pub stale: bool,
}

/// Replaces every placeholder modal id in a served body with a freshly minted one.
pub(crate) fn mint_in_body(store: &mut Store, response: &mut HttpResponse) {
    let needle = MODAL_PLACEHOLDER.as_bytes();
    if !response.body.windows(needle.len()).any(|w| w == needle) {
        return;
    }
    if let Ok(mut body) = serde_json::from_slice::<Value>(&response.body) {
        mint(store, &mut body);
        response.body = body.to_string().into_bytes();
    }
}

/// Mints ids for the placeholders in a JSON value (walks every message in it).
pub(crate) fn mint(store: &mut Store, value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(mid)), Some(Value::String(rid)), Some(Value::String(cid))) =
                (map.get("message_id"), map.get("response_id"), map.get("conversation_id"))
            {
                let owner = ModalRef {
                    conversation_id: cid.clone(),
                    response_id: rid.clone(),
                    message_id: mid.clone(),
                    stale: false,
                };
                if let Some(Value::Array(actions)) = map.get_mut("actions") {
                    for action in actions {
                        let slot = action.get_mut("modal_action").and_then(|m| m.get_mut("modal_id"));
                        if let Some(slot) = slot.filter(|s| s.as_str() == Some(MODAL_PLACEHOLDER)) {
                            let id = format!("modal_{}", codec::random_base62(22));
                            store.modals.insert(id.clone(), owner.clone());
                            *slot = Value::String(id);
                        }
                    }
                }
            }
            map.values_mut().for_each(|v| mint(store, v));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mint(store, v)),
        _ => {}
    }
}

/// A minter for the events of one response's stream, which are written outside the
/// request's lock. Only an answer with a form needs one: every other stream (the beta's
/// included) gets a no-op, so streams never contend for the lock.
pub(crate) fn minter(shared: &Arc<Shared>, record: &ResponseRecord) -> Box<dyn Fn(&mut Value) + Send> {
    if !matches!(record.script, Script::Laptop { .. }) {
        return Box::new(|_: &mut Value| {});
    }
    let shared = Arc::clone(shared);
    Box::new(move |value: &mut Value| mint(&mut shared.lock().store, value))
}

/// Makes every minted id stale (`expire_modals`); returns how many were live.
pub(crate) fn expire_all(store: &mut Store) -> usize {
    let live = store.modals.values_mut().filter(|m| !m.stale);
    live.map(|m| m.stale = true).count()
}

/// The modal a path names, if it is live and belongs to that message (else 404).
fn live_modal<'a>(store: &'a Store, ids: &ModalPath, now: Instant) -> Result<&'a ModalRef, HttpResponse> {
    let stale = || not_found("modal", &ids.modal_id);
    let modal = store.modals.get(&ids.modal_id).filter(|m| !m.stale).ok_or_else(stale)?;
    let same_message = modal.conversation_id == ids.conversation_id
        && modal.response_id == ids.response_id
        && modal.message_id == ids.message_id;
    let record = store.response(&ids.conversation_id, &ids.response_id).filter(|r| r.has_assistant_message(now));
    match record {
        Some(r) if same_message && matches!(r.script, Script::Laptop { .. }) => Ok(modal),
        _ => Err(stale()),
    }
}

/// The laptop form; `with_options` false for a refresh (§4 refresh rule: choice
/// fields come back without `options`); `mac` chosen makes `needed_by` visible and required.
fn form(modal_id: &str, with_options: bool, mac_chosen: bool) -> Value {
    let mut choice = json!({ "multi": false, "allows_free_input": false, "prefill": [] });
    if with_options {
        choice["options"] = json!([
            { "value": "mac", "display_value": "MacBook Pro" },
            { "value": "win", "display_value": "ThinkPad" },
        ]);
    }
    json!({
        "modal_id": modal_id,
        "title": ":memo: New laptop request",
        "fields": [
            { "name": "intro", "type": "DISPLAY", "display": { "text": { "style": "HEADER", "text": "Laptop request" } } },
            { "name": "model", "type": "CHOICE", "label": "Model", "required": true, "visible": true,
              "read_only": false, "triggers_refresh": true, "choice": choice },
            { "name": "reason", "type": "TEXT", "label": "Reason", "required": false, "visible": true,
              "text": { "multiline": true, "prefill": "" } },
            { "name": "needed_by", "type": "DATE", "label": "Needed by", "visible": mac_chosen,
              "required": mac_chosen, "date": {} },
        ],
    })
}

/// The `values` map of a refresh or submit body.
fn values(req: &HttpRequest) -> Result<Map<String, Value>, HttpResponse> {
    match json_object(req)?.remove("values") {
        Some(Value::Object(values)) => Ok(values),
        Some(_) => Err(invalid_input("values must be an object mapping field names to values")),
        None => Err(invalid_input("values is required")),
    }
}

/// The chosen model (`{"option": "mac"}`), if any.
fn chosen_model(values: &Map<String, Value>) -> Option<&str> {
    values.get("model")?.get("option")?.as_str()
}

/// `GET …/modals/{modal_id}`.
pub(crate) fn get(store: &Store, ids: &ModalPath, now: Instant) -> Handled {
    live_modal(store, ids, now)?;
    Ok(HttpResponse::json(200, &form(&ids.modal_id, true, false)))
}

/// `POST …/refresh {"values"}`: re-resolved against the values sent; nothing persisted.
pub(crate) fn refresh(store: &Store, req: &HttpRequest, ids: &ModalPath, now: Instant) -> Handled {
    let values = values(req)?;
    live_modal(store, ids, now)?;
    Ok(HttpResponse::json(200, &form(&ids.modal_id, false, chosen_model(&values) == Some("mac"))))
}

/// `POST …/submit {"values"}`: validated (DISPLAY and hidden fields ignored), the id
/// goes stale, and a follow-up assistant message arrives shortly as a system event.
pub(crate) fn submit(shared: &Shared, inner: &mut Inner, req: &HttpRequest, ids: &ModalPath, now: Instant) -> Handled {
    let values = values(req)?;
    live_modal(&inner.store, ids, now)?;
    let model = match chosen_model(&values) {
        Some("mac") => "MacBook Pro",
        Some("win") => "ThinkPad",
        Some(other) => return Err(invalid_input(format!("field `model`: unknown option `{other}`"))),
        None if values.contains_key("model") => {
            return Err(invalid_input("field `model`: the value must be {\"option\": \"mac\" | \"win\"}"))
        }
        None => return Err(invalid_input("field `model` is required")),
    };
    if let Some(reason) = values.get("reason") {
        if !reason.get("text").is_some_and(Value::is_string) {
            return Err(invalid_input("field `reason`: the value must be {\"text\": string}"));
        }
    }
    if model == "MacBook Pro" {
        match values.get("needed_by").and_then(|v| v.get("date")).and_then(Value::as_str) {
            Some(date) if chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok() => {}
            Some(_) => return Err(invalid_input("field `needed_by`: the value must be {\"date\": \"YYYY-MM-DD\"}")),
            None => return Err(invalid_input("field `needed_by` is required")),
        }
    }
    if let Some(modal) = inner.store.modals.get_mut(&ids.modal_id) {
        modal.stale = true;
    }
    let pending = Pending {
        due: now + crate::v1::FOLLOW_UP_DELAY,
        conversation_id: ids.conversation_id.clone(),
        kind: PendingKind::FollowUp,
        text: format!("Your laptop request is submitted: {model}"),
    };
    crate::background::schedule(shared, inner, pending);
    // §4: the submit `status` enum is not readable; the demo shows SUBMITTED [inferred].
    Ok(HttpResponse::json(200, &json!({ "status": "SUBMITTED" })))
}
