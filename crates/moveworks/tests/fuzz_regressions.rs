//! Inputs the cargo-fuzz targets (fuzz/) found to crash the SDK, replayed against the simulator.

use std::time::Duration;

use moveworks::{Client, ErrorKind, RetryPolicy};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::json;

fn sim() -> Simulator {
    Simulator::start(SimulatorConfig { response_duration: Duration::ZERO, ..Default::default() }).unwrap()
}

fn client(sim: &Simulator) -> moveworks::ClientBuilder {
    Client::builder()
        .base_url(sim.base_url())
        .assistant_name(sim.config().assistant_name.clone())
        .bearer_token(sim.config().static_token.clone().unwrap())
}

/// fuzz target c_api: `mw_client_builder_max_idle_connections(b, SIZE_MAX)` overflowed in build().
#[test]
fn extreme_builder_values_build_a_working_client() {
    let sim = sim();
    let client = client(&sim)
        .max_idle_connections(usize::MAX)
        .max_response_bytes(u64::MAX)
        .connect_timeout(Duration::from_millis(u64::MAX))
        .timeout(Duration::from_millis(u64::MAX))
        .deadline(Duration::from_millis(u64::MAX))
        .build()
        .expect("extreme but valid settings build");
    let created = client.create_conversation(Some("extreme settings")).unwrap();
    assert_eq!(client.get_conversation(&created.conversation_id).unwrap(), created);
}

/// fuzz target decode: `Retry-After: 1e300` panicked converting to a Duration. It must surface as
/// the rate-limit error at once (it exceeds any `max_retry_after`), sending the request only once.
#[test]
fn a_retry_after_too_large_for_a_duration_fails_fast_with_the_rate_limit_error() {
    let sim = sim();
    let client = client(&sim).retry_policy(RetryPolicy { max_retries: 3, ..Default::default() }).build().unwrap();
    for (header, value) in [("retry_after", "1e300"), ("retry_after_ms", "1e300")] {
        sim.clear_requests();
        sim.push_fault(json!({"kind": "status", "status": 429, header: value, "path_contains": "/conversations"}));
        let error = client.list_conversations(&Default::default()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::RateLimit, "{header}: {error}");
        let wait = error.retry_after().expect("the wait is reported");
        assert!(wait > Duration::from_secs(100 * 365 * 24 * 3600), "{header}: {wait:?}");
        assert_eq!(sim.requests().iter().filter(|r| r["path"] == "/rest/v1beta1/conversations").count(), 1);
    }
}
