//! `events follow --checkpoint FILE` against one simulator that outlives each run:
//! `--once` runs resume from the file (none lost, none repeated), `--replay`,
//! `--json`, and a long-running follow stopped by Ctrl-C.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::json;

fn sim() -> Simulator {
    Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(30), ..Default::default() }).unwrap()
}

fn command(sim: &Simulator, args: &[&str]) -> Command {
    let cfg = sim.config();
    let token = cfg.static_token.clone().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_moveworks"));
    command
        .args(["--base-url", &sim.v1_base_url(), "--assistant-name", &cfg.assistant_name, "--token", &token])
        .args(args)
        .env_remove("MOVEWORKS_TOKEN")
        .env_remove("MOVEWORKS_API_VERSION");
    command
}

fn cli(sim: &Simulator, args: &[&str]) -> Output {
    command(sim, args).output().expect("run the CLI")
}

fn ok(o: Output) -> (String, String) {
    assert!(o.status.success(), "{o:?}");
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// An event for the static token's user (`user_sim`).
fn inject(sim: &Simulator, text: &str) -> String {
    let event = sim.run("inject_event", &json!({ "user_id": "user_sim", "text": text })).unwrap();
    event["event_id"].as_str().unwrap().to_owned()
}

fn checkpoint_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mw-cli-follow-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("checkpoint");
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn follow_once_resumes_from_the_checkpoint_file() {
    let sim = sim();
    let file = checkpoint_file("once");
    let file = file.to_str().unwrap();
    let before = inject(&sim, "history");

    // A new file: the first poll only records where the feed ends.
    let (printed, note) = ok(cli(&sim, &["events", "follow", "--checkpoint", file, "--once"]));
    assert_eq!(printed, "");
    assert!(note.contains(&format!("caught up at {before}")), "{note}");
    assert_eq!(std::fs::read_to_string(file).unwrap().trim(), before);

    let first = inject(&sim, "first");
    let second = inject(&sim, "second");
    let (printed, _) = ok(cli(&sim, &["events", "follow", "--checkpoint", file, "--once"]));
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert!(lines[0].starts_with(&first) && lines[0].ends_with("first"), "{printed}");
    assert!(lines[1].starts_with(&second) && lines[1].ends_with("second"), "{printed}");
    assert_eq!(std::fs::read_to_string(file).unwrap().trim(), second);

    // Nothing new: nothing printed again.
    assert_eq!(ok(cli(&sim, &["events", "follow", "--checkpoint", file, "--once"])).0, "");

    // --json: one JSON document per line.
    let third = inject(&sim, "third");
    let (printed, _) = ok(cli(&sim, &["--json", "events", "follow", "--checkpoint", file, "--once"]));
    let event: serde_json::Value = serde_json::from_str(printed.trim()).unwrap();
    assert_eq!(event["event_id"], third.as_str());

    // --replay on a new file prints the history too.
    let replayed = checkpoint_file("replay");
    let replayed = replayed.to_str().unwrap();
    let (printed, _) = ok(cli(&sim, &["events", "follow", "--checkpoint", replayed, "--once", "--replay"]));
    assert_eq!(printed.lines().count(), 4, "{printed}");
    assert!(printed.lines().next().unwrap().starts_with(&before), "{printed}");

    // A checkpoint in a directory that does not exist: invalid_argument (exit code 10).
    let o = cli(&sim, &["events", "follow", "--checkpoint", "/nonexistent-dir/x/checkpoint", "--once"]);
    assert_eq!(o.status.code(), Some(10), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("checkpoint"), "{o:?}");
}

#[cfg(unix)]
#[test]
fn follow_prints_events_as_they_arrive_and_stops_cleanly_on_ctrl_c() {
    use std::io::{BufRead, BufReader};

    let sim = sim();
    let file = checkpoint_file("ctrl-c");
    let file = file.to_str().unwrap();
    let mut child = command(&sim, &["events", "follow", "--checkpoint", file, "--interval", "0.05"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Wait until the follower has caught up (the file exists), then send an event.
    let started = std::time::Instant::now();
    while !std::path::Path::new(file).exists() {
        assert!(started.elapsed() < Duration::from_secs(10), "no checkpoint written");
        std::thread::sleep(Duration::from_millis(20));
    }
    let id = inject(&sim, "live one");
    let line = lines.next().unwrap().unwrap();
    assert!(line.starts_with(&id) && line.ends_with("live one"), "{line}");

    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "Ctrl-C is a clean stop: {exit:?}");
    assert_eq!(std::fs::read_to_string(file).unwrap().trim(), id);
}
