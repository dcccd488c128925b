//! Rust runner of the language-neutral conformance scenarios in
//! `tests/conformance/scenarios.json` and `tests/conformance/v1-scenarios.json`
//! (format: `tests/conformance/README.md`). Each scenario is one test with its own
//! simulator, so they run in parallel.

use std::collections::HashMap;
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use moveworks::{
    Action, CancelToken, Client, ClientOptions, ConversationUpdate, ErrorKind, EventsFollower, FileCheckpoint,
    FollowOptions, Input, ListConversationsParams, ListEventsParams, ListMessagesParams, ListResponseMessagesParams,
    Modal, ModalRef, ModalValue, Response, StreamOptions, UserToken, WaitOptions, WebhookDelivery,
};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::{json, Value};

fn main() {
    let mut trials = Vec::new();
    for file in ["scenarios.json", "v1-scenarios.json"] {
        let path = format!("{}/../../tests/conformance/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {file}: {e}"));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
        trials.extend(doc["scenarios"].as_array().expect("scenarios array").iter().cloned().map(|scenario| {
            let name = scenario["name"].as_str().expect("scenario name").to_owned();
            Trial::test(name, move || run_scenario(&scenario).map_err(Failed::from))
        }));
    }
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

/// The clients of a scenario: the main one, and one per entry of `users` (rest/v1's
/// per-user views of it, `for_user` with a token provider each), which a step picks
/// with `"as"`; and the directory where `follow_events` keeps its checkpoint files.
struct Clients {
    main: Option<Client>,
    users: HashMap<String, Client>,
    checkpoints: ScratchDir,
}

/// A directory of its own for one scenario, removed when it ends.
struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    fn new(scenario: &str) -> Result<ScratchDir, String> {
        let dir = std::env::temp_dir().join(format!("mw-conformance-{}-{scenario}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("scratch directory {}: {e}", dir.display()))?;
        Ok(ScratchDir(dir))
    }
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Clients {
    fn pick(&self, step: &Value) -> Result<&Client, String> {
        match step.get("as").and_then(Value::as_str) {
            Some(user) => self.users.get(user).ok_or_else(|| format!("no client for user {user:?} (see `users`)")),
            None => self.main.as_ref().ok_or_else(|| "a `call` step in a scenario whose client failed to build".into()),
        }
    }
}

fn run_scenario(scenario: &Value) -> Result<(), String> {
    let sim = Simulator::start(SimulatorConfig::default()).map_err(|e| format!("start simulator: {e}"))?;
    let spec = scenario.get("client").unwrap_or(&Value::Null);
    let built = build_client(&sim, spec)?;
    let client = match (built, scenario.get("expect_client_error")) {
        (Ok(client), None) => Some(client),
        (Ok(_), Some(expected)) => return Err(format!("expected building the client to fail with {expected}")),
        (Err(e), None) => return Err(format!("build client: {e}")),
        (Err(e), Some(expected)) => {
            matches(expected, Some(&error_json(&e)), "client error").map_err(|m| format!("{m} (error was: {e})"))?;
            None
        }
    };
    let checkpoints = ScratchDir::new(scenario["name"].as_str().unwrap_or("unnamed"))?;
    let mut clients = Clients { main: client, users: HashMap::new(), checkpoints };
    for user in scenario.get("users").and_then(Value::as_array).into_iter().flatten() {
        let user = user.as_str().ok_or("`users` must be strings")?;
        let minted = sim.run("user_token", &json!({ "user_id": user }))?;
        let token = minted["token"].as_str().ok_or("user_token answered no token")?.to_owned();
        let main = clients.main.as_ref().ok_or("`users` in a scenario whose client failed to build")?;
        let view = main.for_user(move || Ok(UserToken::new(token.clone())));
        clients.users.insert(user.to_owned(), view);
    }
    let mut saved: HashMap<String, Value> = HashMap::new();
    for (i, step) in scenario["steps"].as_array().ok_or("steps must be an array")?.iter().enumerate() {
        run_step(&sim, &clients, step, &mut saved).map_err(|e| format!("step {i} {step}: {e}"))?;
    }
    Ok(())
}

fn error_json(e: &moveworks::Error) -> Value {
    json!({
        "kind": e.kind().as_str(),
        "status": e.status(),
        "code": e.code().map(|c| c.as_str()),
        "argument": e.argument(),
    })
}

/// The client of a scenario, through the one options entry point (`ClientOptions`),
/// as every binding does; `Err` is the build error, for `expect_client_error`.
fn build_client(sim: &Simulator, spec: &Value) -> Result<moveworks::Result<Client>, String> {
    let cfg = sim.config();
    let s = |key: &str| spec.get(key).and_then(Value::as_str).map(str::to_owned);
    let api_version = s("api_version");
    // Which of the simulator's URLs: its beta base URL unless the scenario names a
    // generation, then its bare origin (the generation's path is appended).
    let base_url = match (s("base_url").as_deref(), &api_version) {
        (Some("beta"), _) | (None, None) => sim.base_url(),
        (Some("v1"), _) => sim.v1_base_url(),
        (Some("origin"), _) | (None, Some(_)) => sim.origin(),
        (Some(path), _) if path.starts_with('/') => format!("{}{path}", sim.origin()),
        (Some(other), _) => return Err(format!("unknown base_url {other:?}")),
    };
    let mut o = ClientOptions {
        base_url: Some(base_url),
        api_version,
        assistant_name: Some(s("assistant_name").unwrap_or_else(|| cfg.assistant_name.clone())),
        max_retries: spec.get("max_retries").and_then(Value::as_u64).map(|n| n as u32),
        timeout_ms: spec.get("timeout_ms").and_then(Value::as_u64),
        deadline_ms: spec.get("deadline_ms").and_then(Value::as_u64),
        user_agent_suffix: s("user_agent_suffix"),
        ..ClientOptions::default()
    };
    let oauth = |o: &mut ClientOptions| {
        // The token URL is left to its default (base URL origin + /oauth/v1/token) on purpose.
        o.client_id = Some(cfg.client_id.clone());
        o.client_secret = Some(s("client_secret").unwrap_or_else(|| cfg.client_secret.clone()));
    };
    match s("auth").as_deref() {
        None | Some("token") => {
            o.token = Some(s("token").or_else(|| cfg.static_token.clone()).ok_or("no static token")?);
            if spec.get("client_credentials_too").and_then(Value::as_bool) == Some(true) {
                oauth(&mut o);
            }
        }
        Some("oauth") => oauth(&mut o),
        Some(other) => return Err(format!("unknown auth {other:?}")),
    };
    Ok(Client::from_options(o))
}

fn run_step(
    sim: &Simulator,
    clients: &Clients,
    step: &Value,
    saved: &mut HashMap<String, Value>,
) -> Result<(), String> {
    let args = substitute(step.get("args").cloned().unwrap_or(json!({})), saved)?;
    if let Some(action) = step.get("sim").and_then(Value::as_str) {
        let result = sim_action(sim, action, &args)?;
        if let Some(name) = step.get("save_as").and_then(Value::as_str) {
            let value = result.ok_or_else(|| format!("sim action {action:?} has no result to save"))?;
            saved.insert(name.to_owned(), value);
        }
        return Ok(());
    }
    let call = step.get("call").and_then(Value::as_str).ok_or("step has neither `sim` nor `call`")?;
    let client = clients.pick(step)?;
    let outcome = match call {
        "follow_events" => follow_events(client, clients.checkpoints.path(), &args)?,
        _ => invoke(client, call, &args)?,
    };
    match (outcome, step.get("expect_error")) {
        (Ok(value), None) => {
            if let Some(expect) = step.get("expect") {
                let expect = substitute(expect.clone(), saved)?;
                matches(&expect, Some(&value), "$")?;
            }
            if let Some(name) = step.get("save_as").and_then(Value::as_str) {
                saved.insert(name.to_owned(), value);
            }
            Ok(())
        }
        (Ok(value), Some(_)) => Err(format!("expected an error, got {value}")),
        (Err(e), None) => Err(format!("unexpected error: {e}")),
        (Err(e), Some(expected)) => {
            let expected = substitute(expected.clone(), saved)?;
            check_error(&e, &expected).map_err(|m| format!("{m} (error was: {e:?})"))
        }
    }
}

/// Checks an `expect_error` object: the fields by the structural matcher, and
/// `is_a`/`not_a` by the core's kind hierarchy (Rust has no error classes; the
/// bindings' classes follow `ErrorKind::is_a`).
fn check_error(e: &moveworks::Error, expected: &Value) -> Result<(), String> {
    let expected = expected.as_object().ok_or("expect_error must be an object")?;
    let mut fields = serde_json::Map::new();
    for (key, want) in expected {
        match key.as_str() {
            "kind" | "status" | "code" | "argument" | "response_id" => {
                fields.insert(key.clone(), want.clone());
            }
            "is_a" | "not_a" => {
                for name in want.as_array().ok_or_else(|| format!("{key} must be an array"))? {
                    let name = name.as_str().ok_or_else(|| format!("{key}: {name} is not a kind"))?;
                    let ancestor = ErrorKind::from_name(name).ok_or_else(|| format!("{key}: unknown kind {name}"))?;
                    if e.kind().is_a(ancestor) != (key == "is_a") {
                        return Err(format!("error of kind {}: expected {key} {name}", e.kind()));
                    }
                }
            }
            other => return Err(format!("unknown expect_error key {other:?}")),
        }
    }
    let actual = json!({
        "kind": e.kind().as_str(),
        "status": e.status(),
        "code": e.code().map(|c| c.as_str()),
        "argument": e.argument(),
        "response_id": e.response_id(),
    });
    matches(&Value::Object(fields), Some(&actual), "error")
}

/// Runs a `sim` step; `Ok(Some)` is a result a `save_as` can keep.
fn sim_action(sim: &Simulator, action: &str, args: &Value) -> Result<Option<Value>, String> {
    match action {
        // `POST /_sim/events`: the created event.
        "inject_event" => return Ok(Some(sim.inject_event(args.clone()))),
        // `POST /_sim/script`: a scripting action (user_token, add_user_message, expire_modals, ...).
        "script" => {
            let action = args["action"].as_str().ok_or("script needs an action")?;
            return sim.run(action, args.get("args").unwrap_or(&json!({}))).map(Some);
        }
        "fault" => sim.push_fault(args.clone()),
        "config" => sim.set_config(args.clone()),
        "revoke_tokens" => sim.revoke_tokens(),
        "sleep" => std::thread::sleep(Duration::from_millis(args["ms"].as_u64().unwrap_or(0))),
        "expect_requests" => {
            let method = args.get("method").and_then(Value::as_str);
            let path = args.get("path_contains").and_then(Value::as_str);
            let ua = args.get("user_agent_ends_with").and_then(Value::as_str);
            let log = sim.requests();
            let matching: Vec<&Value> = log
                .iter()
                .filter(|r| method.is_none_or(|m| r["method"] == m))
                .filter(|r| path.is_none_or(|p| r["path"].as_str().is_some_and(|rp| rp.contains(p))))
                .filter(|r| ua.is_none_or(|u| r["user_agent"].as_str().is_some_and(|ru| ru.ends_with(u))))
                .collect();
            let want = args["count"].as_u64().ok_or("expect_requests needs count")? as usize;
            if matching.len() != want {
                return Err(format!(
                    "expected {want} matching requests, the simulator logged {}: {log:?}",
                    matching.len()
                ));
            }
            if let Some(want) = args.get("connections").and_then(Value::as_u64) {
                let connections: std::collections::HashSet<String> =
                    matching.iter().map(|r| r["connection"].to_string()).collect();
                if connections.len() as u64 != want {
                    return Err(format!("expected the matching requests on {want} connections, got {connections:?}"));
                }
            }
        }
        other => return Err(format!("unknown sim action {other:?}")),
    }
    Ok(None)
}

fn opt_str(args: &Value, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_owned)
}
fn req_str<'a>(args: &'a Value, key: &str) -> Result<&'a str, String> {
    args.get(key).and_then(Value::as_str).ok_or_else(|| format!("missing string arg {key}"))
}
fn opt_u32(args: &Value, key: &str) -> Option<u32> {
    args.get(key).and_then(Value::as_u64).map(|n| n as u32)
}
fn to_json<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).expect("models serialize")
}

fn wait_options(args: &Value) -> WaitOptions {
    let ms = |key: &str| args.get(key).and_then(Value::as_u64).map(Duration::from_millis);
    let mut o = WaitOptions::default();
    if let Some(d) = ms("deadline_ms") {
        o.deadline = d;
    }
    if let Some(d) = ms("initial_interval_ms") {
        o.initial_interval = d;
    }
    if let Some(d) = ms("max_interval_ms") {
        o.max_interval = d;
    }
    o
}

fn events_params(args: &Value) -> ListEventsParams {
    ListEventsParams {
        conversation_id: opt_str(args, "conversation_id"),
        starting_after: opt_str(args, "starting_after"),
        ending_at: opt_str(args, "ending_at"),
        cursor: opt_str(args, "cursor"),
        limit: opt_u32(args, "limit"),
    }
}

/// The `stream_response` call: iterates the stream, cancelling it from another
/// thread after `cancel_after_ms` when given, and reports the final response
/// with the names of the events seen.
fn stream_turn(c: &Client, a: &Value) -> Result<moveworks::Result<Value>, String> {
    let mut options = StreamOptions { wait: wait_options(a), ..Default::default() };
    if let Some(ms) = a.get("idle_timeout_ms").and_then(Value::as_u64) {
        options.idle_timeout = Duration::from_millis(ms);
    }
    if let Some(ms) = a.get("cancel_after_ms").and_then(Value::as_u64) {
        let token = CancelToken::new();
        options.wait.cancel = Some(token.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms));
            token.cancel();
        });
    }
    let mut stream = match c.stream_response(req_str(a, "conversation_id")?, input(a)?, &options) {
        Ok(stream) => stream,
        Err(e) => return Ok(Err(e)),
    };
    let mut names = Vec::new();
    for event in stream.by_ref() {
        match event {
            Ok(event) => names.push(event.event_name().to_owned()),
            Err(e) => return Ok(Err(e)),
        }
    }
    Ok(stream.finish().map(|response| {
        serde_json::json!({
            "response": to_json(response),
            "event_names": names.join(","),
            "first_event": names.first(),
            "last_event": names.last(),
        })
    }))
}

/// Calls the SDK; `Err` is a runner problem, `Ok(Err)` an SDK error to compare.
fn invoke(c: &Client, call: &str, a: &Value) -> Result<moveworks::Result<Value>, String> {
    let conversations = || ListConversationsParams {
        limit: opt_u32(a, "limit"),
        cursor: opt_str(a, "cursor"),
        archived: a.get("archived").and_then(Value::as_bool),
    };
    let messages = || -> Result<ListMessagesParams, String> {
        Ok(ListMessagesParams {
            conversation_id: req_str(a, "conversation_id")?.to_owned(),
            cursor: opt_str(a, "cursor"),
            limit: opt_u32(a, "limit"),
        })
    };
    let saved_response = || -> Result<Response, String> {
        serde_json::from_value(a.get("response").cloned().ok_or("missing response")?).map_err(|e| e.to_string())
    };
    Ok(match call {
        "list_conversations" => c.list_conversations(&conversations()).map(to_json),
        "iter_conversations" => {
            c.iter_conversations(conversations()).collect::<moveworks::Result<Vec<_>>>().map(to_json)
        }
        "create_conversation" => c.create_conversation(a.get("title").and_then(Value::as_str)).map(to_json),
        "get_conversation" => c.get_conversation(req_str(a, "conversation_id")?).map(to_json),
        "update_conversation" => c
            .update_conversation(
                req_str(a, "conversation_id")?,
                &ConversationUpdate {
                    title: opt_str(a, "title"),
                    archived: a.get("archived").and_then(Value::as_bool),
                },
            )
            .map(to_json),
        "list_events" => c.list_events(&events_params(a)).map(to_json),
        "iter_events" => c.iter_events(events_params(a)).collect::<moveworks::Result<Vec<_>>>().map(to_json),
        "list_messages" => c.list_messages(&messages()?).map(to_json),
        "iter_messages" => c.iter_messages(messages()?).collect::<moveworks::Result<Vec<_>>>().map(to_json),
        "list_response_messages" => c
            .list_response_messages(&ListResponseMessagesParams {
                conversation_id: req_str(a, "conversation_id")?.to_owned(),
                response_id: req_str(a, "response_id")?.to_owned(),
                cursor: opt_str(a, "cursor"),
                limit: opt_u32(a, "limit"),
            })
            .map(to_json),
        "submit_feedback" => c
            .submit_feedback(
                req_str(a, "conversation_id")?,
                req_str(a, "response_id")?,
                req_str(a, "message_id")?,
                req_str(a, "callback_id")?,
                a.get("additional_feedback").and_then(Value::as_str),
            )
            .map(to_json),
        "create_response" => c.create_response(req_str(a, "conversation_id")?, input(a)?).map(to_json),
        "get_response" => c.get_response(req_str(a, "conversation_id")?, req_str(a, "response_id")?).map(to_json),
        "wait_for_response" => c
            .wait_for_response(req_str(a, "conversation_id")?, req_str(a, "response_id")?, &wait_options(a))
            .map(to_json),
        "create_response_and_wait" => {
            c.create_response_and_wait(req_str(a, "conversation_id")?, input(a)?, &wait_options(a)).map(to_json)
        }
        "stream_response" => stream_turn(c, a)?,
        "assistant_text" => Ok(to_json(saved_response()?.assistant_text())),
        "text_with_citation_markers" => {
            Ok(to_json(saved_response()?.assistant_messages().next().map(|m| m.text_with_citation_markers())))
        }
        "get_event" => c.get_event(req_str(a, "conversation_id")?, req_str(a, "event_id")?).map(to_json),
        "press" => {
            let action: Action = serde_json::from_value(a.get("action").cloned().ok_or("missing action")?)
                .map_err(|e| format!("action: {e}"))?;
            c.press(req_str(a, "conversation_id")?, &action).map(to_json)
        }
        "get_modal" => c.get_modal(&modal_ref(a)?).map(to_json),
        "refresh_modal" => {
            let mut previous: Modal = serde_json::from_value(a.get("previous").cloned().ok_or("missing previous")?)
                .map_err(|e| format!("previous: {e}"))?;
            previous.source = Some(modal_ref(a)?);
            c.refresh_modal(&previous, &modal_values(a)?).map(to_json)
        }
        "submit_modal" => c.submit_modal(&modal_ref(a)?, &modal_values(a)?).map(to_json),
        "webhook_message" => {
            // The raw body as a handler receives it; a JSON value stands for its encoding.
            let body = match a.get("body").ok_or("missing body")? {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            WebhookDelivery::parse(body.as_bytes()).and_then(|delivery| {
                let event = delivery.fetch(c)?;
                Ok(json!({
                    "delivery": {
                        "id": delivery.id,
                        "conversation_id": delivery.conversation_id,
                        "user_id": delivery.user_id,
                        "event_type": delivery.event_type,
                    },
                    "event": to_json(event),
                }))
            })
        }
        other => return Err(format!("unknown call {other:?}")),
    })
}

/// The `follow_events` call: a new follower (a restart) on the checkpoint file named
/// `checkpoint`, one `poll_once` whose handler takes `handle` events (all when absent)
/// and refuses the next; the events handled and the checkpoint after.
fn follow_events(c: &Client, dir: &std::path::Path, a: &Value) -> Result<moveworks::Result<Value>, String> {
    let store = FileCheckpoint::new(dir.join(req_str(a, "checkpoint")?));
    let options = FollowOptions {
        replay: a.get("replay").and_then(Value::as_bool).unwrap_or(false),
        page_size: opt_u32(a, "page_size").unwrap_or(FollowOptions::default().page_size),
        ..FollowOptions::default()
    };
    let handle = a.get("handle").and_then(Value::as_u64).map_or(usize::MAX, |n| n as usize);
    let mut follower = match EventsFollower::new(c, store, options) {
        Ok(follower) => follower,
        Err(e) => return Ok(Err(e)),
    };
    let mut handled = Vec::new();
    let polled = follower.poll_once(|event| {
        if handled.len() == handle {
            return std::ops::ControlFlow::Break(());
        }
        handled.push(to_json(event));
        std::ops::ControlFlow::Continue(())
    });
    Ok(polled.map(|_| json!({ "events": handled, "checkpoint": follower.checkpoint() })))
}

/// A turn's input: `text` (a typed turn in the client's generation) or `input`, one of
/// `{"chat": s}`, `{"text": s}`, `{"callback_id": s}`, `{"raw": {...}}`.
fn input(a: &Value) -> Result<Input, String> {
    if let Some(text) = a.get("text").and_then(Value::as_str) {
        return Ok(Input::from(text));
    }
    let spec = a.get("input").and_then(Value::as_object).ok_or("missing text or input")?;
    let (kind, value) = spec.iter().next().filter(|_| spec.len() == 1).ok_or("input takes exactly one key")?;
    let text = || value.as_str().map(str::to_owned).ok_or_else(|| format!("input.{kind} must be a string"));
    Ok(match kind.as_str() {
        "chat" => Input::Chat(text()?),
        "text" => Input::Text(text()?),
        "callback_id" => Input::Callback(text()?),
        "raw" => Input::Raw(value.as_object().cloned().ok_or("input.raw must be an object")?),
        other => return Err(format!("unknown input kind {other:?}")),
    })
}

fn modal_ref(a: &Value) -> Result<ModalRef, String> {
    Ok(ModalRef {
        conversation_id: req_str(a, "conversation_id")?.to_owned(),
        response_id: req_str(a, "response_id")?.to_owned(),
        message_id: req_str(a, "message_id")?.to_owned(),
        modal_id: req_str(a, "modal_id")?.to_owned(),
    })
}

/// `values` as the wire sends them (`{"model": {"option": "mac"}}`).
fn modal_values(a: &Value) -> Result<HashMap<String, ModalValue>, String> {
    let values = a.get("values").and_then(Value::as_object).ok_or("missing values object")?;
    Ok(values.iter().map(|(k, v)| (k.clone(), ModalValue::from_wire(v))).collect())
}

/// Replaces every string that is exactly `${name.path}` by the saved value.
fn substitute(value: Value, saved: &HashMap<String, Value>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) if s.starts_with("${") && s.ends_with('}') => {
            let path = &s[2..s.len() - 1];
            let mut parts = path.split('.');
            let root = parts.next().unwrap_or_default();
            let mut cur = saved.get(root).ok_or_else(|| format!("nothing saved as {root:?}"))?;
            for p in parts {
                cur = match cur {
                    Value::Array(items) => p.parse::<usize>().ok().and_then(|i| items.get(i)),
                    Value::Object(map) => map.get(p),
                    _ => None,
                }
                .ok_or_else(|| format!("{path}: no {p:?}"))?;
            }
            cur.clone()
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| substitute(v, saved)).collect::<Result<_, _>>()?),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| Ok((k, substitute(v, saved)?))).collect::<Result<_, String>>()?)
        }
        other => other,
    })
}

/// Structural match of `actual` against `expected` (see the README's Matchers).
fn matches(expected: &Value, actual: Option<&Value>, at: &str) -> Result<(), String> {
    if let Value::Object(ops) = expected {
        if ops.keys().any(|k| k.starts_with('$')) {
            for (op, arg) in ops {
                match op.as_str() {
                    "$present" => {
                        if actual.is_none() {
                            return Err(format!("{at}: expected present"));
                        }
                    }
                    "$absent" => {
                        if actual.is_some_and(|v| !v.is_null()) {
                            return Err(format!("{at}: expected absent, got {}", actual.unwrap()));
                        }
                    }
                    "$len" => {
                        let len = match actual {
                            Some(Value::Array(a)) => a.len(),
                            Some(Value::String(s)) => s.chars().count(),
                            other => return Err(format!("{at}: $len of {other:?}")),
                        };
                        if Some(len as u64) != arg.as_u64() {
                            return Err(format!("{at}: expected length {arg}, got {len}"));
                        }
                    }
                    "$contains" => {
                        let hay = actual
                            .and_then(Value::as_str)
                            .ok_or_else(|| format!("{at}: $contains on non-string {actual:?}"))?;
                        if !hay.contains(arg.as_str().unwrap_or_default()) {
                            return Err(format!("{at}: {hay:?} does not contain {arg}"));
                        }
                    }
                    "$ne" => {
                        if actual.unwrap_or(&Value::Null) == arg {
                            return Err(format!("{at}: expected not {arg}"));
                        }
                    }
                    other => return Err(format!("{at}: unknown matcher {other}")),
                }
            }
            return Ok(());
        }
    }
    let actual = actual.ok_or_else(|| format!("{at}: missing, expected {expected}"))?;
    match (expected, actual) {
        (Value::Object(exp), Value::Object(act)) => {
            for (k, v) in exp {
                matches(v, act.get(k), &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(exp), Value::Array(act)) => {
            if exp.len() != act.len() {
                return Err(format!("{at}: expected {} items, got {}: {actual}", exp.len(), act.len()));
            }
            for (i, (e, a)) in exp.iter().zip(act).enumerate() {
                matches(e, Some(a), &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{at}: expected {e}, got {a}")),
    }
}
