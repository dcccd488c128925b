//! A pump's reader thread, once its stream ended, reads the next stream the process
//! opens rather than ending (Linux, where thread names show it). In a file of its own, so
//! that no other test's pumps take the waiting reader meanwhile.

#![cfg(target_os = "linux")]

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use moveworks::{CancelToken, Client, StreamOptions, StreamPump, WaitOptions};
use moveworks_simulator::{Simulator, SimulatorConfig};

/// A pump whose `open` sends the OS id of the thread it runs on.
fn pump(client: &Client, conversation_id: &str, reader: mpsc::Sender<libc::pid_t>) -> StreamPump {
    let (client, conversation_id) = (client.clone(), conversation_id.to_owned());
    StreamPump::spawn(None, move |cancel: CancelToken| {
        // SAFETY: gettid(2) has no arguments and cannot fail.
        reader.send(unsafe { libc::gettid() }).unwrap();
        let wait = WaitOptions { cancel: Some(cancel), deadline: Duration::from_secs(60), ..Default::default() };
        client.stream_response(&conversation_id, "hi", &StreamOptions { idle_timeout: Duration::from_secs(30), wait })
    })
}

fn finish(pump: &StreamPump) {
    while pump.next_batch_blocking().end.is_none() {}
    assert!(pump.response().is_some(), "the turn completed");
}

fn name_of(tid: libc::pid_t) -> String {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).unwrap_or_default().trim_end().to_owned()
}

/// Waits until thread `tid` is named `name`.
fn until_named(tid: libc::pid_t, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while name_of(tid) != name {
        assert!(Instant::now() < deadline, "thread {tid} is named {:?}, not {name:?}", name_of(tid));
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_reader_whose_stream_ended_reads_the_next_stream() {
    let sim = Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(100), ..Default::default() })
        .unwrap();
    let client = common::client(&sim);
    let conv = client.create_conversation(None).unwrap().conversation_id;
    let (sent, readers) = mpsc::channel();

    let first = pump(&client, &conv, sent.clone());
    finish(&first);
    let reader = readers.recv().unwrap();
    // Its stream over, the reader waits for another, named so that it is not counted as reading.
    until_named(reader, "moveworks-idle");

    // The next stream is read on that thread, which takes its reader's name again.
    let second = pump(&client, &conv, sent.clone());
    assert_eq!(readers.recv().unwrap(), reader, "the waiting reader read the next stream");
    assert_eq!(name_of(reader), "moveworks-strea");
    finish(&second);
    until_named(reader, "moveworks-idle");

    // Two streams at once: one on the waiting reader, the other on a new thread.
    let both = [pump(&client, &conv, sent.clone()), pump(&client, &conv, sent.clone())];
    let threads = [readers.recv().unwrap(), readers.recv().unwrap()];
    assert!(threads.contains(&reader) && threads[0] != threads[1], "{threads:?}, waiting reader {reader}");
    both.iter().for_each(finish);

    // With two readers waiting, the next stream goes to the one that began waiting last,
    // whichever thread that is (so readers the load no longer needs stay unused, and end).
    sim.set_config(serde_json::json!({ "response_duration_ms": 3_000 }));
    for _ in 0..2 {
        // A channel per pump: the two readers may report in either order.
        let ((sent0, reader0), (sent1, reader1)) = (mpsc::channel(), mpsc::channel());
        let open = [pump(&client, &conv, sent0), pump(&client, &conv, sent1)];
        let threads = [reader0.recv().unwrap(), reader1.recv().unwrap()];
        // Ended in the order opened: the second's reader begins waiting last.
        for (pump, thread) in open.iter().zip(threads) {
            pump.close();
            until_named(thread, "moveworks-idle");
        }
        let next = pump(&client, &conv, sent.clone());
        assert_eq!(readers.recv().unwrap(), threads[1], "the reader that began waiting last ({threads:?})");
        next.close();
        until_named(threads[1], "moveworks-idle");
    }
}
