//! The CLI against its in-process sandbox: output, JSON mode and exit codes.

use std::process::{Command, Output};

fn moveworks(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moveworks"))
        .args(args)
        // A developer's real credentials must not leak into the sandbox runs.
        .env_remove("MOVEWORKS_TOKEN")
        .env_remove("MOVEWORKS_BASE_URL")
        .output()
        .expect("run the CLI")
}

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
fn ask_json_prints_the_raw_response() {
    let out = moveworks(&["--sandbox", "--json", "ask", "hello"]);
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
