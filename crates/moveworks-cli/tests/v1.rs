//! The CLI on rest/v1: `--api`, buttons after an answer, `press N`, `forms show|submit`,
//! against one simulator that outlives each run (the CLI keeps no state between runs).

use std::process::{Command, Output};
use std::time::Duration;

use moveworks_simulator::{Simulator, SimulatorConfig};

mod common;
use common::moveworks;

fn sim() -> Simulator {
    Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(30), ..Default::default() }).unwrap()
}

/// The CLI against `sim`'s bare origin (the generation's path is appended for it).
fn cli(sim: &Simulator, args: &[&str]) -> Output {
    let cfg = sim.config();
    let origin = sim.origin();
    let token = cfg.static_token.clone().unwrap();
    Command::new(env!("CARGO_BIN_EXE_moveworks"))
        .args(["--base-url", &origin, "--assistant-name", &cfg.assistant_name, "--token", &token])
        .args(args)
        .env_remove("MOVEWORKS_TOKEN")
        .env_remove("MOVEWORKS_API_VERSION")
        .output()
        .expect("run the CLI")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{o:?}");
    text(&o)
}

/// `ask` about a laptop in a new conversation: its id and what was printed.
fn ask_laptop(sim: &Simulator) -> (String, String) {
    let conv = ok(cli(sim, &["--json", "conversations", "create"]));
    let conv: serde_json::Value = serde_json::from_str(&conv).unwrap();
    let conv = conv["conversation_id"].as_str().unwrap().to_owned();
    let printed = ok(cli(sim, &["ask", "--conversation", &conv, "I need a new laptop"]));
    (conv, printed)
}

#[test]
fn ask_numbers_the_buttons_and_press_sends_one() {
    let sim = sim();
    let (conv, printed) = ask_laptop(&sim);
    assert!(printed.contains(&format!("Buttons (moveworks press N --conversation {conv}):")), "{printed}");
    assert!(printed.contains("  1. File it\n  2. Edit details (form)\n  3. Open portal <https://"), "{printed}");
    // The polled form prints the same.
    let polled = ok(cli(&sim, &["ask", "--no-stream", "--conversation", &conv, "I need a new laptop"]));
    assert!(polled.contains("  1. File it\n"), "{polled}");

    let pressed = ok(cli(&sim, &["press", "1", "--conversation", &conv]));
    assert!(pressed.starts_with("Filed ticket INC"), "{pressed}");
    // History shows the press.
    let history = ok(cli(&sim, &["messages", "list", &conv]));
    assert!(history.contains("(pressed a button)"), "{history}");

    // The link is printed; a number past the buttons is a usage error (exit 10).
    ok(cli(&sim, &["ask", "--conversation", &conv, "laptop again"]));
    let link = ok(cli(&sim, &["press", "3", "--conversation", &conv]));
    assert!(link.contains("Open portal: open https://app.moveworks.ai/r?sim_portal"), "{link}");
    let out = cli(&sim, &["press", "9", "--conversation", &conv]);
    assert_eq!(out.status.code(), Some(10), "{out:?}");
}

#[test]
fn forms_show_refresh_and_submit() {
    let sim = sim();
    let (conv, _) = ask_laptop(&sim);
    let form = ok(cli(&sim, &["forms", "show", "--conversation", &conv]));
    assert!(form.starts_with(":memo: New laptop request\n"), "{form}");
    assert!(form.contains("model: Model (required) [choice of: mac=MacBook Pro, win=ThinkPad]"), "{form}");
    assert!(!form.contains("needed_by"), "hidden until a Mac is chosen: {form}");
    // Refreshed with a value: the date appears, the choice keeps its options.
    let refreshed = ok(cli(&sim, &["forms", "show", "--conversation", &conv, "--set", "model=MacBook Pro"]));
    assert!(refreshed.contains("needed_by: Needed by (required) [date]"), "{refreshed}");
    assert!(refreshed.contains("mac=MacBook Pro"), "{refreshed}");
    // A missing required value is the server's 400 (exit 15); then a complete form.
    assert_eq!(cli(&sim, &["forms", "submit", "--conversation", &conv]).status.code(), Some(15));
    let done = ok(cli(
        &sim,
        &["forms", "submit", "--conversation", &conv, "--set", "model=win", "--set", "reason=broken screen"],
    ));
    assert_eq!(done.trim(), "SUBMITTED");
    // A field the form does not have is named.
    let out = cli(&sim, &["forms", "submit", "--conversation", &conv, "--set", "colour=red"]);
    assert_eq!(out.status.code(), Some(10), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("colour"), "{out:?}");
}

#[test]
fn api_picks_the_generation() {
    let sim = sim();
    // The bare origin: v1 by default, the beta with --api v1beta1.
    let v1 = ok(cli(&sim, &["--json", "conversations", "create"]));
    let beta = ok(cli(&sim, &["--api", "v1beta1", "--json", "conversations", "create"]));
    let id = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap()["conversation_id"].clone();
    let paths: Vec<String> = sim.requests().iter().map(|r| r["path"].as_str().unwrap().to_owned()).collect();
    assert!(paths[0].starts_with("/rest/v1/") && paths[1].starts_with("/rest/v1beta1/"), "{paths:?} {v1} {beta}");
    assert_ne!(id(&v1), id(&beta));
    // A wrong value is clap's usage error.
    assert_eq!(cli(&sim, &["--api", "v2", "conversations", "list"]).status.code(), Some(2));
    // The in-process sandbox serves both.
    let out = moveworks(&["--sandbox", "--api", "v1", "ask", "I need a new laptop"]);
    assert!(text(&out).contains("  1. File it"), "{out:?}");
}

/// The CLI with no credential but `--user-token-cmd CMD`.
fn cli_as(sim: &Simulator, command: &str, args: &[&str]) -> Output {
    let cfg = sim.config();
    Command::new(env!("CARGO_BIN_EXE_moveworks"))
        .args(["--base-url", &sim.origin(), "--assistant-name", &cfg.assistant_name, "--user-token-cmd", command])
        .args(args)
        .env_remove("MOVEWORKS_TOKEN")
        .env_remove("MOVEWORKS_API_VERSION")
        .env_remove("MOVEWORKS_CLIENT_ID")
        .env_remove("MOVEWORKS_CLIENT_SECRET")
        .output()
        .expect("run the CLI")
}

#[test]
fn user_token_cmd_acts_for_the_user_whose_token_it_prints() {
    let sim = sim();
    let token = |user: &str| sim.run("user_token", &serde_json::json!({ "user_id": user })).unwrap()["token"].clone();
    let alice = token("u_alice").as_str().unwrap().to_owned();
    let answer = serde_json::json!({ "access_token": token("u_bob"), "expires_in": 3600 }).to_string();

    ok(cli_as(&sim, &format!("echo {alice}"), &["conversations", "create", "--title", "alice's"]));
    // A token endpoint's JSON answer works as printed.
    ok(cli_as(&sim, &format!("printf '%s' '{answer}'"), &["conversations", "create", "--title", "bob's"]));
    let hers = ok(cli_as(&sim, &format!("echo {alice}"), &["conversations", "list"]));
    assert!(hers.contains("alice's") && !hers.contains("bob's"), "{hers}");
    let users: Vec<_> = sim.requests().iter().map(|r| r["user_id"].clone()).collect();
    assert_eq!(users, ["u_alice", "u_bob", "u_alice"], "each run acted for the command's user");

    // A failing command is an oauth error (exit 14) that never echoes what it printed.
    let failed = cli_as(&sim, &format!("echo {alice}; exit 3"), &["conversations", "list"]);
    assert_eq!(failed.status.code(), Some(14), "{failed:?}");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("--user-token-cmd failed") && !stderr.contains(&alice), "{stderr}");
}
