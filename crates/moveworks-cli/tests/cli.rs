//! The CLI against its in-process sandbox: output, JSON mode and exit codes.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::moveworks;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn ask_prints_the_answer_with_citation_footnotes() {
    let out = moveworks(&["--sandbox", "ask", "Who does John Doe report to?"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("John Doe"), "{text}");
    assert!(text.contains("[1]") && text.contains("\n[1] ") && text.contains("\n[2] "), "{text}");
}

#[test]
fn ask_streams_the_same_answer_polling_prints_with_reasoning_on_stderr() {
    let question = "Who does John Doe report to?";
    let streamed = moveworks(&["--sandbox", "ask", question]);
    assert!(streamed.status.success(), "{streamed:?}");
    let polled = moveworks(&["--sandbox", "ask", "--no-stream", question]);
    assert!(polled.status.success(), "{polled:?}");
    // The growing answer was printed piece by piece, once: the same text as the polled one.
    assert_eq!(stdout(&streamed), stdout(&polled));
    let err = String::from_utf8_lossy(&streamed.stderr);
    assert!(err.starts_with("… ") && err.contains(question), "{err}");
}

#[test]
fn ask_no_stream_json_prints_the_raw_response() {
    let out = moveworks(&["--sandbox", "--json", "ask", "--no-stream", "hello"]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["status"], "COMPLETED");
    assert!(v["outputs"].as_array().is_some_and(|o| !o.is_empty()));
}

#[test]
fn failed_response_exits_non_zero_with_its_kind() {
    let out = moveworks(&["--sandbox", "ask", "[fail] please"]);
    assert_eq!(out.status.code(), Some(22), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[response_failed]") && err.contains("response id: resp_"), "{err}");
    assert!(out.stdout.is_empty(), "no answer is printed: {out:?}");
}

#[test]
fn errors_print_kind_and_exit_by_kind() {
    let out = moveworks(&["--sandbox", "conversations", "get", "a/b"]);
    assert_eq!(out.status.code(), Some(10));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[invalid_argument]"));
    let out = moveworks(&["--sandbox", "conversations", "get", "conv_missing"]);
    assert_eq!(out.status.code(), Some(18));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[not_found]") && err.contains("request id: "), "{err}");
}

#[test]
fn conversation_commands_round_trip_in_json() {
    let out = moveworks(&["--sandbox", "--json", "conversations", "create", "--title", "From the CLI"]);
    assert!(out.status.success(), "{out:?}");
    let conv: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(conv["title"], "From the CLI");
    let out = moveworks(&["--sandbox", "--json", "conversations", "list"]);
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Each sandbox run starts empty.
    assert_eq!(page["conversations"].as_array().map(Vec::len), Some(0));
}

#[test]
fn missing_configuration_is_an_invalid_argument() {
    let out = Command::new(env!("CARGO_BIN_EXE_moveworks"))
        .args(["conversations", "list"])
        .env_remove("MOVEWORKS_TOKEN")
        .env_remove("MOVEWORKS_ASSISTANT_NAME")
        .env_remove("MOVEWORKS_CLIENT_ID")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(10), "{out:?}");
}

/// The CLI against a simulator whose request log the test can read.
fn against(sim: &moveworks_simulator::Simulator, extra: &[&str]) -> Output {
    let cfg = sim.config();
    let base_url = sim.base_url();
    let mut args = vec!["--base-url", &base_url, "--assistant-name", &cfg.assistant_name];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_moveworks"))
        .args(&args)
        .env_remove("MOVEWORKS_TOKEN")
        .env_remove("MOVEWORKS_CLIENT_ID")
        .env_remove("MOVEWORKS_CLIENT_SECRET")
        .output()
        .expect("run the CLI")
}

#[test]
fn any_client_option_is_reachable_with_dash_o() {
    let sim = moveworks_simulator::Simulator::start(Default::default()).unwrap();
    let token = sim.config().static_token.clone().unwrap();
    let out = against(
        &sim,
        &["--token", &token, "-o", "user_agent_suffix=cli-script/1.0", "-o", "timeout=5", "conversations", "list"],
    );
    assert!(out.status.success(), "{out:?}");
    let log = sim.requests();
    let ua = log.last().expect("a request")["user_agent"].as_str().unwrap().to_owned();
    assert!(ua.contains("(cli/") && ua.ends_with(") cli-script/1.0"), "{ua}");
    // A misspelt option is named, and nothing is sent.
    let out = against(&sim, &["--token", &token, "-o", "user_agent_sufix=x", "conversations", "list"]);
    assert_eq!(out.status.code(), Some(10), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("user_agent_sufix"), "{out:?}");
    assert_eq!(sim.requests().len(), log.len());
}

#[test]
fn a_token_with_client_credentials_is_refused() {
    let sim = moveworks_simulator::Simulator::start(Default::default()).unwrap();
    let cfg = sim.config().clone();
    let token = cfg.static_token.clone().unwrap();
    let both = ["--token", &token, "--client-id", &cfg.client_id, "--client-secret", &cfg.client_secret];
    let out = against(&sim, &[&both[..], &["conversations", "list"]].concat());
    assert_eq!(out.status.code(), Some(10), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("token/client_credentials") && !err.contains(&cfg.client_secret), "{err}");
    assert!(sim.requests().is_empty(), "refused before any request");
}

fn token(sim: &moveworks_simulator::Simulator) -> String {
    sim.config().static_token.clone().expect("the simulator's static token")
}

/// The JSON lines of a `--json ask`.
fn json_lines(out: &Output) -> Vec<Value> {
    stdout(out).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn posts(sim: &moveworks_simulator::Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().contains("/responses"))
        .count()
}

#[test]
fn ask_json_prints_one_event_per_line_ending_with_the_final_response() {
    let sim = moveworks_simulator::Simulator::start(Default::default()).unwrap();
    let token = token(&sim);
    let out = against(&sim, &["--token", &token, "--json", "ask", "hello"]);
    assert!(out.status.success(), "{out:?}");
    let events = json_lines(&out);
    let names: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(names.first(), Some(&"RESPONSE_CREATED"), "{names:?}");
    assert_eq!(names.last(), Some(&"RESPONSE_COMPLETED"), "{names:?}");
    assert!(names.contains(&"RESPONSE_OUTPUT_DELTA"), "{names:?}");
    let sequence: Vec<u64> = events.iter().filter_map(|e| e["sequence_number"].as_u64()).collect();
    assert!(sequence.windows(2).all(|w| w[0] < w[1]), "{sequence:?}");
    let last = events.last().unwrap();
    let (conv, resp) = (last["response"]["conversation_id"].as_str().unwrap(), last["response_id"].as_str().unwrap());
    assert_eq!(last["response"]["status"], "COMPLETED");
    // The final event carries the response get response returns.
    let got = against(&sim, &["--token", &token, "--json", "responses", "get", conv, resp]);
    let got: Value = serde_json::from_slice(&got.stdout).expect("a response");
    assert_eq!(last["response"], got);
    assert_eq!(posts(&sim), 1);
}

#[test]
fn a_dropped_stream_is_finished_by_polling_and_the_answer_printed_once() {
    let sim = moveworks_simulator::Simulator::start(Default::default()).unwrap();
    let token = token(&sim);
    let question = "Who does John Doe report to?";
    let reference = against(&sim, &["--token", &token, "ask", question]);
    assert!(reference.status.success(), "{reference:?}");
    // Dropped after the first part of the answer, and before any of it.
    for after_events in [5, 1] {
        sim.clear_requests();
        sim.push_fault(json!({"kind": "stream_drop", "after_events": after_events}));
        let out = against(&sim, &["--token", &token, "ask", question]);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(stdout(&out), stdout(&reference), "after {after_events} events");
        assert_eq!(posts(&sim), 1, "the question is sent once");
        let log = sim.requests();
        assert!(log.iter().any(|r| r["fault"] == "stream_drop"), "{log:?}");
        assert!(log.iter().any(|r| r["method"] == "GET" && r["path"].as_str().unwrap().contains("/responses/")));
    }
    // In JSON mode the turn still ends with RESPONSE_COMPLETED and the whole response.
    sim.push_fault(json!({"kind": "stream_drop", "after_events": 2}));
    let out = against(&sim, &["--token", &token, "--json", "ask", question]);
    assert!(out.status.success(), "{out:?}");
    let last = json_lines(&out).pop().unwrap();
    assert_eq!(last["event"], "RESPONSE_COMPLETED");
    assert_eq!(last["response"]["status"], "COMPLETED");
}

#[test]
fn unknown_events_are_json_lines_and_ignored_in_text() {
    let sim = moveworks_simulator::Simulator::start(Default::default()).unwrap();
    let token = token(&sim);
    sim.push_fault(
        json!({"kind": "stream_unknown_event", "after_events": 1, "event": "RESPONSE_AUDIT", "data": "{\"x\":1}"}),
    );
    let out = against(&sim, &["--token", &token, "--json", "ask", "hello"]);
    assert!(out.status.success(), "{out:?}");
    let events = json_lines(&out);
    assert!(
        events.contains(&json!({"event": "RESPONSE_AUDIT", "sequence_number": null, "data": "{\"x\":1}"})),
        "{events:?}"
    );
    assert_eq!(events.last().unwrap()["event"], "RESPONSE_COMPLETED");
    sim.push_fault(json!({"kind": "stream_unknown_event", "after_events": 1, "event": "RESPONSE_AUDIT"}));
    let out = against(&sim, &["--token", &token, "ask", "hello"]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("hello") && !stdout(&out).contains("RESPONSE_AUDIT"), "{out:?}");
}

#[test]
fn an_error_before_the_stream_starts_exits_by_its_kind() {
    let sim = moveworks_simulator::Simulator::start(Default::default()).unwrap();
    let token = token(&sim);
    sim.push_fault(json!({"kind": "status", "status": 403, "path_contains": "/responses/stream"}));
    let out = against(&sim, &["--token", &token, "--json", "ask", "hello"]);
    assert_eq!(out.status.code(), Some(17), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[permission_denied]") && err.contains("status: 403"), "{err}");
    // A streamed turn that ends FAILED is response_failed, in JSON mode too.
    let out = against(&sim, &["--token", &token, "--json", "ask", "[fail] please"]);
    assert_eq!(out.status.code(), Some(22), "{out:?}");
    assert_eq!(json_lines(&out).first().unwrap()["event"], "RESPONSE_CREATED");
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_stalled_stream_ends_as_cancelled() {
    let sim = moveworks_simulator::Simulator::start(Default::default()).unwrap();
    let token = token(&sim);
    for json_mode in [true, false] {
        sim.push_fault(json!({"kind": "stream_stall", "after_events": 4, "ms": 60_000}));
        let cfg = sim.config();
        let base_url = sim.base_url();
        let mut args = vec!["--base-url", &base_url, "--assistant-name", &cfg.assistant_name, "--token", &token];
        if json_mode {
            args.push("--json");
        }
        args.extend(["ask", "Who does John Doe report to?"]);
        let mut child = Command::new(env!("CARGO_BIN_EXE_moveworks"))
            .args(&args)
            .env_remove("MOVEWORKS_CLIENT_ID")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the CLI");
        // Wait until the stream stalls: after the reasoning (4 events), read on stdout or stderr.
        if json_mode {
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            for _ in 0..4 {
                lines.next().expect("an event line").unwrap();
            }
        } else {
            // The reasoning line stays open (no newline) while the stream stalls.
            let mut err = child.stderr.take().unwrap();
            let mut reasoning = Vec::new();
            while !String::from_utf8_lossy(&reasoning).ends_with("?”…") {
                let mut chunk = [0u8; 256];
                let n = err.read(&mut chunk).unwrap();
                assert!(n > 0, "{}", String::from_utf8_lossy(&reasoning));
                reasoning.extend_from_slice(&chunk[..n]);
            }
            child.stderr = Some(err);
        }
        let started = Instant::now();
        let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5), "returned in {:?}", started.elapsed());
        assert_eq!(out.status.code(), Some(24), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("error[cancelled]") && err.contains("response id: resp_"), "{err}");
    }
}

#[test]
fn a_stalled_stream_is_given_up_after_the_idle_timeout_and_polled() {
    let sim = moveworks_simulator::Simulator::start(Default::default()).unwrap();
    let token = token(&sim);
    let question = "Who does John Doe report to?";
    let reference = against(&sim, &["--token", &token, "ask", "--no-stream", question]);
    sim.clear_requests();
    sim.push_fault(json!({"kind": "stream_stall", "after_events": 5, "ms": 60_000}));
    let started = Instant::now();
    let out = against(&sim, &["--token", &token, "ask", "--idle-timeout", "0.5", question]);
    assert!(out.status.success(), "{out:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "returned in {:?}", started.elapsed());
    assert_eq!(stdout(&out), stdout(&reference));
    assert_eq!(posts(&sim), 1, "the question is sent once");
    // --idle-timeout belongs to streaming.
    let out = against(&sim, &["--token", &token, "ask", "--no-stream", "--idle-timeout", "1", question]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn messages_list_response_messages_and_feedback_rate_an_answer() {
    let sim = moveworks_simulator::Simulator::start(moveworks_simulator::SimulatorConfig {
        response_duration: std::time::Duration::from_millis(50),
        ..Default::default()
    })
    .unwrap();
    let token = token(&sim);
    let cli = |args: &[&str]| against(&sim, &[&["--token", token.as_str()], args].concat());
    let turn = json_lines(&cli(&["--json", "ask", "Who does John Doe report to?"]));
    let response = &turn.last().unwrap()["response"];
    let (conv, resp) = (response["conversation_id"].as_str().unwrap(), response["response_id"].as_str().unwrap());

    let out = cli(&["messages", "list", conv]);
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "question and answer: {lines:?}");
    assert!(lines[0].contains("ASSISTANT: ") && lines[0].contains("--helpful|--unhelpful"), "newest first: {lines:?}");
    assert!(lines[1].contains("USER: Who does John Doe report to?"), "{lines:?}");

    let page: Value = serde_json::from_str(&stdout(&cli(&["--json", "responses", "messages", conv, resp]))).unwrap();
    let answer = page["messages"].as_array().unwrap().iter().find(|m| m["actor"] == "ASSISTANT").unwrap();
    let message_id = answer["message_id"].as_str().unwrap();

    let out = cli(&["feedback", conv, resp, message_id, "--unhelpful", "--comment", "Jane left the team"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out).trim(), "feedback SUBMITTED");
    let recorded = sim.feedback();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["rating"], "unhelpful");
    assert_eq!(recorded[0]["callback_id"], answer["feedback"]["unhelpful"]["callback_id"]);
    assert_eq!(recorded[0]["additional_feedback"], "Jane left the team");

    // A user message offers no rating: refused before sending.
    let question = page["messages"].as_array().unwrap().iter().find(|m| m["actor"] == "USER").unwrap();
    let before = sim.requests().len();
    let out = cli(&["feedback", conv, resp, question["message_id"].as_str().unwrap(), "--helpful"]);
    assert_eq!(out.status.code(), Some(10), "{out:?}");
    assert_eq!(sim.requests().len(), before + 1, "only the lookup was sent");
}

#[test]
fn https_with_ca_certificates_and_verbose_logs_without_the_token() {
    let sim =
        moveworks_simulator::Simulator::start(moveworks_simulator::SimulatorConfig { tls: true, ..Default::default() })
            .unwrap();
    let token = sim.config().static_token.clone().unwrap();
    let dir = std::env::temp_dir().join(format!("mw-cli-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, sim.ca_certificate_pem().unwrap()).unwrap();
    let ca = ca.to_string_lossy().into_owned();

    let refused = against(&sim, &["--token", &token, "conversations", "list"]);
    assert_eq!(refused.status.code(), Some(11), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown issuer"), "{refused:?}");

    let out = against(&sim, &["--token", &token, "--ca-certificates", &ca, "-v", "conversations", "list"]);
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[moveworks debug] GET /rest/v1beta1/conversations -> 200 attempt=1"), "{err}");
    assert!(!err.contains(&token), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
