//! The sandbox scripting vocabulary: the one list of things a test can make the
//! simulator do, shared by [`Simulator::run`](crate::Simulator::run), the
//! `POST /_sim/script` control route and every language's `Sandbox`
//! (each binding forwards its methods here by action name, so a new action is
//! written once, in [`ACTIONS`] and [`App::run`]).

use serde_json::{json, Value};

use crate::api::App;

/// Every action with its arguments and answer, as `--help`, the crate docs and
/// the package READMEs show them.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    (
        "fault",
        "a fault object: {\"kind\": ..., \"count\"?, \"method\"?, \"path_contains\"?, ...} (see Faults)",
        "{\"queued\": 1}",
    ),
    (
        "fail_next_response",
        "{\"count\"?: n (default 1)}: the next n responses created (polled or streamed) end FAILED",
        "{\"queued\": 1}",
    ),
    (
        "configure",
        "a settings patch: {\"response_duration_ms\"?, \"unknown_values\"?, \"rate_limit\"?, \"token_ttl_secs\"?, \"wrapped_token_answer\"?, \"null_pending_outputs\"?, \"live_agent_delay_ms\"? (rest/v1: when a live agent's reply arrives, default 300)}",
        "the settings after the change",
    ),
    (
        "inject_event",
        "{\"conversation_id\", \"text\", \"kind\"?: \"notification\" | \"async_response\", \"event_type\"?, \"user_id\"? (the conversation's owner, the default; without conversation_id: a new \"System Initiated Conversation\" of that user)}: a proactive notification or asynchronous answer in the events feed (POSTed to the webhook, if set)",
        "the event, as rest/v1beta1 list events renders it (rest/v1 adds created_at)",
    ),
    (
        "user_token",
        "{\"user_id\"}: mints a rest/v1 bearer acting as that user (each call a fresh one; all valid until revoke_tokens). The static and OAuth tokens act as user_sim",
        "{\"token\", \"user_id\"}",
    ),
    (
        "add_user_message",
        "{\"conversation_id\", \"text\", \"files\"?: [{\"file_id\", \"file_name\"?}]}: a USER PLAIN_TEXT message with plain_text.files in the conversation's history (no answer)",
        "the message",
    ),
    (
        "expire_modals",
        "{}: every modal id minted so far goes stale (404); reading the message again mints fresh ones",
        "{\"expired\": n}",
    ),
    (
        "webhook",
        "{\"url\": \"http://HOST:PORT/path\" | null}: POST every later system-initiated event there as {\"id\", \"type\": \"CONVERSATION_RESPONSE_RECEIVED\", \"created_at\", \"data\": {\"conversation_id\", \"user_id\"}} from a background thread (2 s timeout); null stops",
        "{\"url\"}",
    ),
    (
        "webhook_deliveries",
        "{}: the webhook deliveries so far, oldest first",
        "[{\"url\", \"body\", \"status\": HTTP status | null (pending or failed), \"error\": null | \"why it failed\"}]",
    ),
    ("revoke_tokens", "{}: every issued OAuth token stops working (the static token stays valid)", "{\"revoked\": n}"),
    (
        "requests",
        "{\"method\"?, \"path_contains\"?}: the request log, oldest first, optionally filtered",
        "[{\"method\", \"path\", \"query\", \"status\", \"assistant_name\", \"user_agent\", \"authorized\", \"content_type\", \"fault\", \"root_uuid\", \"connection\", \"x_headers\", \"body_keys\", \"user_id\"}] (never the Authorization value; `connection`: a serial number of the TCP connection that carried it; `user_id`: the user a valid bearer acts for, user_sim unless minted by user_token, null without one)",
    ),
    ("clear_requests", "{}: empties the request log", "{}"),
    ("feedback", "{}: every submitted feedback the API accepted, oldest first", "[{...}]"),
    ("reset", "{}: forgets all state and returns to the start-up settings", "{}"),
];

impl App {
    /// Runs one action of the vocabulary; `Err` says what was wrong with the call.
    pub fn run(&self, action: &str, args: &Value) -> Result<Value, String> {
        // What is due by now happens first, so a script sees the same state a request would.
        crate::background::materialize_due(&self.shared, &mut self.lock(), std::time::Instant::now());
        let args = match args {
            Value::Null => json!({}),
            Value::Object(_) => args.clone(),
            _ => return Err(format!("the arguments of `{action}` must be a JSON object")),
        };
        let no_args = || match args.as_object().is_some_and(|m| m.is_empty()) {
            true => Ok(()),
            false => Err(format!("`{action}` takes no arguments")),
        };
        match action {
            "fault" => self.push_fault(&args).map(|()| json!({ "queued": 1 })),
            "fail_next_response" => {
                let map = args.as_object().into_iter().flatten();
                let mut count = 1;
                for (key, value) in map {
                    match key.as_str() {
                        "count" => {
                            count = value.as_u64().filter(|&n| n >= 1).ok_or("`count` must be a positive integer")?
                        }
                        other => return Err(format!("`fail_next_response` does not take `{other}`")),
                    }
                }
                self.push_fault(&json!({ "kind": "response_failed", "count": count })).map(|()| json!({ "queued": 1 }))
            }
            "configure" => self.set_config(&args),
            "inject_event" => self.inject_event(&args).map_err(|e| {
                let body: Value = serde_json::from_slice(&e.body).unwrap_or_default();
                body["error"]["message"].as_str().unwrap_or("invalid event").to_owned()
            }),
            "revoke_tokens" => no_args().map(|()| json!({ "revoked": self.revoke_tokens() })),
            "user_token" => {
                let map = args.as_object().into_iter().flatten();
                let mut user_id = None;
                for (key, value) in map {
                    match key.as_str() {
                        "user_id" => {
                            user_id = value.as_str().filter(|s| !s.trim().is_empty()).map(str::to_owned);
                            user_id.as_ref().ok_or("`user_id` must be a non-empty string")?;
                        }
                        other => return Err(format!("`user_token` does not take `{other}`")),
                    }
                }
                let user_id = user_id.ok_or("`user_id` is required")?;
                let token = format!("utok_{}", crate::codec::random_base62(40));
                self.lock().user_tokens.insert(token.clone(), user_id.clone());
                Ok(json!({ "token": token, "user_id": user_id }))
            }
            "add_user_message" => crate::v1::add_user_message(&mut self.lock(), &args),
            "expire_modals" => {
                no_args().map(|()| json!({ "expired": crate::modals::expire_all(&mut self.lock().store) }))
            }
            "webhook" => {
                let map = args.as_object().into_iter().flatten();
                let mut url = None;
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("url", Value::Null) => url = Some(None),
                        ("url", Value::String(u)) => {
                            crate::background::check_url(u)?;
                            url = Some(Some(u.clone()));
                        }
                        ("url", _) => return Err("`url` must be a string or null".into()),
                        (other, _) => return Err(format!("`webhook` does not take `{other}`")),
                    }
                }
                let url = url.ok_or("`url` is required (null stops the webhook)")?;
                self.lock().webhook_url = url.clone();
                Ok(json!({ "url": url }))
            }
            "webhook_deliveries" => no_args().map(|()| crate::background::deliveries(&self.lock())),
            "requests" => {
                let text = |key: &str| -> Result<Option<String>, String> {
                    match args.get(key) {
                        None | Some(Value::Null) => Ok(None),
                        Some(Value::String(s)) => Ok(Some(s.clone())),
                        Some(_) => Err(format!("`{key}` must be a string")),
                    }
                };
                if let Some(other) = args
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k.as_str())
                    .find(|k| !matches!(*k, "method" | "path_contains"))
                {
                    return Err(format!("`requests` does not take `{other}`"));
                }
                let (method, path) = (text("method")?, text("path_contains")?);
                let matching = self.requests().into_iter().filter(|r| {
                    method.as_deref().is_none_or(|m| r["method"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(m)))
                        && path.as_deref().is_none_or(|p| r["path"].as_str().is_some_and(|x| x.contains(p)))
                });
                Ok(Value::Array(matching.collect()))
            }
            "clear_requests" => no_args().map(|()| {
                self.clear_requests();
                json!({})
            }),
            "feedback" => no_args().map(|()| Value::Array(self.feedback())),
            "reset" => no_args().map(|()| {
                self.reset();
                json!({})
            }),
            other => {
                let known: Vec<&str> = ACTIONS.iter().map(|(name, _, _)| *name).collect();
                Err(format!("unknown sandbox action `{other}` (known: {})", known.join(", ")))
            }
        }
    }
}

/// The vocabulary as text, for `--help` and error messages.
pub fn describe() -> String {
    let mut out = String::new();
    for (name, args, answer) in ACTIONS {
        out.push_str(&format!("  {name}\n      args: {args}\n      answer: {answer}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimulatorConfig;

    fn app() -> App {
        App::new(SimulatorConfig::default())
    }

    #[test]
    fn every_listed_action_is_known_and_unknown_ones_are_refused() {
        let app = app();
        for (name, _, _) in ACTIONS {
            let e = app.run(name, &json!({"no_such_argument": 1}));
            assert!(e.as_ref().err().is_none_or(|e| !e.starts_with("unknown sandbox action")), "{name}: {e:?}");
        }
        let e = app.run("explode", &json!({})).unwrap_err();
        assert!(e.contains("unknown sandbox action") && e.contains("fail_next_response"), "{e}");
    }

    #[test]
    fn bad_arguments_are_errors_not_panics() {
        let app = app();
        assert!(app.run("fault", &json!({"kind": "nope"})).is_err());
        assert!(app.run("fault", &json!([1])).is_err());
        assert!(app.run("fail_next_response", &json!({"count": 0})).is_err());
        assert!(app.run("configure", &json!({"response_duration_ms": "slow"})).is_err());
        assert!(app.run("inject_event", &json!({"conversation_id": "conv_missing", "text": "x"})).is_err());
        assert!(app.run("requests", &json!({"method": 3})).is_err());
        assert!(app.run("reset", &json!({"x": 1})).is_err());
        assert_eq!(app.run("fail_next_response", &json!(null)).unwrap(), json!({"queued": 1}));
    }
}
