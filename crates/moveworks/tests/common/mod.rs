//! What the integration tests share (each test file compiles its own copy, using some of it).
#![allow(dead_code)]

use moveworks::{Client, ClientBuilder};
use moveworks_simulator::Simulator;

/// A client builder for `sim`'s beta API, with the simulator's static token.
pub fn builder(sim: &Simulator) -> ClientBuilder {
    let cfg = sim.config();
    Client::builder()
        .base_url(sim.base_url())
        .assistant_name(cfg.assistant_name.clone())
        .bearer_token(cfg.static_token.clone().unwrap())
}

/// A client of `sim`'s beta API, with the simulator's static token.
pub fn client(sim: &Simulator) -> Client {
    builder(sim).build().unwrap()
}
