//! Concurrency stress: one client shared by 16 threads doing 10,000 mixed
//! calls against the simulator, with the OAuth token revoked or expiring mid-run.
//! Asserts no errors, no deadlock (a bounded wait fails the test instead of
//! hanging CI), every result decoded into what was asked for, and exactly one
//! token refresh (single flight under load), whether the token is revoked or
//! reaches its refresh time mid-run.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use moveworks::{Client, ConversationUpdate, EventPayload, ListConversationsParams, ListEventsParams, Result};
use moveworks_simulator::{Simulator, SimulatorConfig};

const THREADS: usize = 16;
const CALLS: usize = 10_000;
/// Generous: the run takes seconds even in a debug build on a busy machine.
const DEADLOCK_TIMEOUT: Duration = Duration::from_secs(180);

/// One call of the mix, chosen by `i`, on this thread's own conversation; checks the decoded result.
fn call(client: &Client, thread: usize, i: usize, conv: &mut String, resp: &mut String) -> Result<()> {
    match i % 7 {
        0 => {
            let title = format!("t{thread} c{i}");
            let c = client.create_conversation(Some(&title))?;
            assert_eq!(c.title.as_deref(), Some(title.as_str()));
            assert!(c.conversation_id.starts_with("conv_"), "{c:?}");
            *conv = c.conversation_id;
        }
        1 => {
            let c = client.get_conversation(conv)?;
            assert_eq!(&c.conversation_id, conv);
        }
        2 => {
            let title = format!("t{thread} u{i}");
            let update = ConversationUpdate { title: Some(title.clone()), archived: None };
            let c = client.update_conversation(conv, &update)?;
            assert_eq!((&c.conversation_id, c.title.as_deref()), (&*conv, Some(title.as_str())));
        }
        3 => {
            let page = client.list_conversations(&ListConversationsParams { limit: Some(5), ..Default::default() })?;
            assert!((1..=5).contains(&page.conversations.len()), "{page:?}");
            assert!(page.conversations.iter().all(|c| c.conversation_id.starts_with("conv_") && !c.archived));
        }
        4 => {
            let params =
                ListEventsParams { conversation_id: Some(conv.clone()), limit: Some(10), ..Default::default() };
            let page = client.list_events(&params)?;
            for e in &page.events {
                assert_eq!(&e.conversation_id, conv);
                assert!(matches!(e.payload, EventPayload::Message { .. }), "{e:?}");
            }
        }
        5 => {
            let r = client.create_response(conv, "How do I reset my password?")?;
            assert_eq!(&r.conversation_id, conv);
            *resp = r.response_id;
        }
        _ => {
            if !resp.is_empty() {
                let r = client.get_response(conv, resp)?;
                assert_eq!((&r.conversation_id, &r.response_id), (&*conv, &*resp));
            } else {
                client.get_conversation(conv)?;
            }
        }
    }
    Ok(())
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic.downcast_ref::<String>().map(String::as_str).or(panic.downcast_ref::<&str>().copied());
    format!("panicked: {}", text.unwrap_or("(no message)"))
}

fn simulator() -> Arc<Simulator> {
    let config =
        SimulatorConfig { response_duration: Duration::from_millis(50), threads: THREADS, ..Default::default() };
    Arc::new(Simulator::start(config).unwrap())
}

fn oauth_client(sim: &Simulator) -> Client {
    let cfg = sim.config();
    Client::builder()
        .base_url(sim.base_url())
        .assistant_name(cfg.assistant_name.clone())
        .client_credentials(cfg.client_id.clone(), cfg.client_secret.clone())
        .build()
        .unwrap()
}

/// Runs the 10,000-call mix on `THREADS` threads sharing `client`; `halfway` runs on
/// whichever thread completes call 5,000, while the others keep calling. Returns the
/// simulator's request log once every thread is done, after checking the API call count.
fn run_mix(sim: &Simulator, client: &Client, halfway: impl Fn() + Send + Sync + 'static) -> Vec<serde_json::Value> {
    let api_calls_before = sim.requests().iter().filter(|r| path(r).contains("/rest/")).count();
    let halfway = Arc::new(halfway);
    let done_calls = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    for thread in 0..THREADS {
        let (client, halfway, done_calls, tx) =
            (client.clone(), Arc::clone(&halfway), Arc::clone(&done_calls), tx.clone());
        std::thread::spawn(move || {
            let run = || {
                let mut conv = client.create_conversation(Some(&format!("t{thread}")))?.conversation_id;
                let mut resp = String::new();
                for i in 1..CALLS / THREADS {
                    call(&client, thread, i, &mut conv, &mut resp)?;
                    if done_calls.fetch_add(1, Ordering::SeqCst) == CALLS / 2 {
                        halfway();
                    }
                }
                Ok::<_, moveworks::Error>(())
            };
            // A failed assertion is reported like an error rather than left for the timeout.
            let result = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
                Ok(r) => r.map_err(|e| format!("{e:?}")),
                Err(panic) => Err(panic_message(&*panic)),
            };
            tx.send((thread, result)).unwrap();
        });
    }
    drop(tx);
    for _ in 0..THREADS {
        match rx.recv_timeout(DEADLOCK_TIMEOUT) {
            Ok((_, Ok(()))) => {}
            Ok((thread, Err(e))) => panic!("thread {thread} failed: {e}"),
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("no progress for {DEADLOCK_TIMEOUT:?}: deadlock?"),
            Err(mpsc::RecvTimeoutError::Disconnected) => unreachable!("every worker sends its result"),
        }
    }
    let log = sim.requests();
    let api_calls = log.iter().filter(|r| path(r).contains("/rest/")).count();
    // THREADS first conversations + the mix: every call reached the server once, plus one replay per 401.
    assert_eq!(api_calls - api_calls_before, THREADS * (CALLS / THREADS) + count_401(&log));
    log
}

fn path(entry: &serde_json::Value) -> &str {
    entry["path"].as_str().unwrap_or_default()
}

fn count_401(log: &[serde_json::Value]) -> usize {
    log.iter().filter(|r| r["status"] == 401).count()
}

fn token_requests(log: &[serde_json::Value]) -> usize {
    log.iter().filter(|r| path(r).contains("/oauth")).count()
}

#[test]
fn sixteen_threads_share_one_client_for_10000_mixed_calls_across_a_token_revocation() {
    let sim = simulator();
    let client = oauth_client(&sim);
    // Halfway through, every token issued so far stops working while the other
    // 15 threads have requests in flight: each rejected call is replayed once.
    let revoker = Arc::clone(&sim);
    let log = run_mix(&sim, &client, move || revoker.revoke_tokens());
    let unauthorized = count_401(&log);
    assert!((1..=THREADS).contains(&unauthorized), "{unauthorized} requests were answered 401");
    assert_eq!(token_requests(&log), 2, "one token, then exactly one refresh after the revocation");
}

#[test]
fn sixteen_threads_share_one_client_for_10000_mixed_calls_across_a_token_expiry() {
    let sim = simulator();
    let client = oauth_client(&sim);
    // The first token lives 2 s, so the client refreshes it 1 s after fetching it
    // (half its lifetime, as the lifetime is under twice the 60 s margin); later
    // tokens live an hour, so exactly one refresh falls inside the run.
    sim.set_config(serde_json::json!({"token_ttl_secs": 2}));
    client.list_conversations(&Default::default()).unwrap();
    let fetched = Instant::now();
    sim.set_config(serde_json::json!({"token_ttl_secs": 3600}));
    // However fast the machine, the refresh falls mid-run: the thread reaching
    // halfway waits out the first token while the other 15 keep calling.
    let log = run_mix(&sim, &client, move || {
        std::thread::sleep((fetched + Duration::from_millis(1500)).saturating_duration_since(Instant::now()))
    });
    assert_eq!(token_requests(&log), 2, "one token, then exactly one refresh before it expired");
}
