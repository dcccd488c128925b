//! Reader threads' priority (Linux): the process's own while few streams are open, nice 10
//! once more than `StreamPump::CROWD_STREAMS` are. In a file of its own, so that no other
//! test's streams are open in this process meanwhile.

#![cfg(target_os = "linux")]

mod common;

use std::time::Duration;

use moveworks::{CancelToken, Client, StreamOptions, StreamPump, WaitOptions};
use moveworks_simulator::{Simulator, SimulatorConfig};

/// The nice value in a `/proc/.../stat` (its field 19).
fn nice_in(stat: &str) -> i64 {
    // After the `(comm)` field: state is field 3, nice field 19.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 1..].split_whitespace().collect();
    fields[16].parse().unwrap()
}

/// The nice value of each of this process's threads named `name` (cut to 15 bytes, as
/// Linux keeps thread names).
fn nice_of_threads(name: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != &name[..name.len().min(15)] {
            continue;
        }
        if let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) {
            out.push(nice_in(&stat));
        }
    }
    out
}

fn pump(client: &Client, conversation_id: &str) -> StreamPump {
    let (client, conversation_id) = (client.clone(), conversation_id.to_owned());
    StreamPump::spawn(None, move |cancel: CancelToken| {
        let wait = WaitOptions { cancel: Some(cancel), deadline: Duration::from_secs(60), ..Default::default() };
        client.stream_response(
            &conversation_id,
            "Who does John Doe report to?",
            &StreamOptions { idle_timeout: Duration::from_secs(30), wait },
        )
    })
}

#[test]
fn readers_run_at_the_processs_priority_until_a_crowd_of_streams_is_open() {
    let own = nice_in(&std::fs::read_to_string("/proc/thread-self/stat").unwrap());
    let crowd_nice = own.max(10);
    let sim =
        Simulator::start(SimulatorConfig { response_duration: Duration::from_secs(3), ..Default::default() }).unwrap();
    let client = common::client(&sim);
    let conv = || client.create_conversation(None).unwrap().conversation_id;

    // A lone stream: its reader and the spawner that started it run at the process's priority.
    let lone = pump(&client, &conv());
    assert!(!lone.next_batch_blocking().events.is_empty(), "the reader is running");
    let readers = nice_of_threads("moveworks-stream");
    assert_eq!(readers, vec![own, own], "the reader and its spawner: {readers:?}");

    // A crowd: every reader, the lone one included once it reads again, runs at nice 10,
    // and so does the crowd's spawner; the first spawner keeps the process's priority.
    // (A reader lowers itself before it hands an event over: a consumer that has the
    // event sees the reader's new priority.)
    let conversations: Vec<String> = (0..StreamPump::CROWD_STREAMS + 8).map(|_| conv()).collect();
    let crowd: Vec<StreamPump> = conversations.iter().map(|c| pump(&client, c)).collect();
    // Each turn's events up to its first delta (a second in), all read once the crowd was open.
    for p in crowd.iter().chain([&lone]) {
        assert!(!p.next_batch_blocking().is_last(), "a 3 s turn is still going");
    }
    for p in &crowd {
        assert!(!p.next_batch_blocking().is_last(), "a 3 s turn is still going");
    }
    let readers = nice_of_threads("moveworks-stream");
    assert_eq!(readers.len(), crowd.len() + 2, "the readers and the first spawner: {readers:?}");
    let at_own = usize::from(own < crowd_nice);
    assert_eq!(readers.iter().filter(|n| **n != crowd_nice).count(), at_own, "only the first spawner: {readers:?}");
    assert_eq!(nice_of_threads("moveworks-crowd-spawner"), vec![crowd_nice]);

    // Once the crowd is gone, a new stream's reader comes from the first spawner again.
    for p in crowd.iter().chain([&lone]) {
        p.close();
    }
    drop(crowd);
    drop(lone);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while nice_of_threads("moveworks-stream").len() > 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let after = pump(&client, &conv());
    assert!(!after.next_batch_blocking().events.is_empty());
    assert_eq!(nice_of_threads("moveworks-stream"), vec![own, own], "a reader started after the crowd");
    assert_eq!(nice_of_threads("moveworks-crowd-spawner"), vec![crowd_nice], "the crowd's spawner stays");
    after.close();
}
