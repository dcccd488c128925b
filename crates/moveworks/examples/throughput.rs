//! Benchmark: one shared client, many threads, against the local simulator.
//!
//! `cargo run --release -p moveworks --example throughput -- [threads] [requests_per_thread]`
//!
//! Prints requests per second and latency percentiles of `get_conversation`
//! for a pool of 32 idle connections per host (the SDK default) and for 3
//! (ureq's own default), plus the time of a full `create_response_and_wait` turn.

use std::time::{Duration, Instant};

use moveworks::{Client, WaitOptions};
use moveworks_simulator::{Simulator, SimulatorConfig};

fn client(sim: &Simulator, idle: usize) -> Client {
    let cfg = sim.config();
    Client::builder()
        .base_url(sim.base_url())
        .assistant_name(cfg.assistant_name.clone())
        .bearer_token(cfg.static_token.clone().unwrap())
        .max_idle_connections(idle)
        .build()
        .unwrap()
}

fn run(sim: &Simulator, idle: usize, threads: usize, per_thread: usize) {
    let client = client(sim, idle);
    let id = client.create_conversation(Some("bench")).unwrap().conversation_id;
    // Warm the pool so both settings start with open connections.
    client.get_conversation(&id).unwrap();
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (client, id) = (client.clone(), id.clone());
            std::thread::spawn(move || {
                (0..per_thread)
                    .map(|_| {
                        let t = Instant::now();
                        client.get_conversation(&id).unwrap();
                        t.elapsed()
                    })
                    .collect::<Vec<Duration>>()
            })
        })
        .collect();
    let mut lat: Vec<Duration> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let elapsed = started.elapsed();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "pool {idle:>2} idle/host, {threads} threads x {per_thread}: {:>7.0} req/s  p50 {:>6.0?}  p99 {:>6.0?}",
        lat.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99)
    );
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("numbers"));
    let threads = args.next().unwrap_or(16);
    let per_thread = args.next().unwrap_or(500);
    let sim = Simulator::start(SimulatorConfig { threads: 16, ..Default::default() }).unwrap();
    for idle in [32, 3] {
        run(&sim, idle, threads, per_thread);
    }
    let c = client(&sim, 32);
    let conv = c.create_conversation(None).unwrap();
    let t = Instant::now();
    c.create_response_and_wait(&conv.conversation_id, "How long is a turn?", &WaitOptions::default()).unwrap();
    println!(
        "create_response_and_wait with the simulator's {:?} response time: {:?}",
        sim.config().response_duration,
        t.elapsed()
    );
}
