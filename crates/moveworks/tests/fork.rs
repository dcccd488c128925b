//! A client used before `fork()` and then in the child (gunicorn `--preload`,
//! Celery's prefork pool, multiprocessing's default start method on Linux): the
//! child must open its own connections, never write on the parent's pooled ones.
//! One test in this binary: forking a process whose other threads run tests is
//! not something to do twice.

mod common;

use std::time::Duration;

use moveworks::{Client, StreamOptions, StreamPump, WaitOptions};
use moveworks_simulator::{Simulator, SimulatorConfig};

fn connections_of(sim: &Simulator, path_end: &str) -> Vec<u64> {
    sim.requests()
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(path_end)))
        .map(|r| r["connection"].as_u64().unwrap())
        .collect()
}

/// Runs `child` in a forked child and returns its exit status (0: it returned true).
fn in_child(child: impl FnOnce() -> bool) -> i32 {
    // SAFETY: the child runs only `child` and then `_exit`s, never returning into the harness.
    match unsafe { libc::fork() } {
        -1 => panic!("fork failed: {}", std::io::Error::last_os_error()),
        0 => {
            let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(false);
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        pid => {
            let mut status = 0;
            assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
            assert!(libc::WIFEXITED(status), "the child died: status {status}");
            libc::WEXITSTATUS(status)
        }
    }
}

/// Runs a turn through a `StreamPump`, giving up after 20 s (a child whose pump waited
/// for the parent's spawner thread, which a child does not have, would never start).
fn pumped_turn_completes(client: &Client, conv: &str) -> bool {
    let (client, conv) = (client.clone(), conv.to_owned());
    let pump = StreamPump::spawn(None, move |cancel| {
        let options =
            StreamOptions { wait: WaitOptions { cancel: Some(cancel), ..Default::default() }, ..Default::default() };
        client.stream_response(&conv, "hi", &options)
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        match pump.take() {
            Some(batch) if batch.end.is_some() => {
                return matches!(batch.end, Some(Ok(()))) && pump.response().is_some()
            }
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    false
}

#[test]
fn a_forked_child_opens_its_own_connections_and_the_parent_keeps_working() {
    let sim = Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(50), ..Default::default() })
        .unwrap();
    let client = common::client(&sim);
    let conv = client.create_conversation(Some("before the fork")).unwrap().conversation_id;
    let parents = connections_of(&sim, "/conversations");
    assert_eq!(parents.len(), 1, "the parent's call left one pooled connection");
    assert!(pumped_turn_completes(&client, &conv), "the parent's pumps (and their spawner) work");
    let parents = connections_of(&sim, "");

    let status = in_child(|| {
        let fetched = client.get_conversation(&conv).map(|c| c.conversation_id == conv).unwrap_or(false);
        let options = StreamOptions::default();
        let streamed =
            client.stream_response_and_wait(&conv, "hi", &options, &mut |_| std::ops::ControlFlow::Continue(()));
        fetched && streamed.is_ok() && pumped_turn_completes(&client, &conv)
    });
    assert_eq!(status, 0, "the child's calls failed");
    let child_get = connections_of(&sim, &format!("/conversations/{conv}"));
    assert_eq!(child_get.len(), 1);
    assert!(!parents.contains(&child_get[0]), "the child wrote on the parent's pooled connection {parents:?}");

    // The parent's pool is untouched by the child and still serves it.
    assert_eq!(client.get_conversation(&conv).unwrap().conversation_id, conv);
    let parent_again = connections_of(&sim, &format!("/conversations/{conv}"));
    assert_eq!(parent_again.len(), 2);
    assert!(parents.contains(&parent_again[1]), "the parent reuses its own pooled connections");
}
