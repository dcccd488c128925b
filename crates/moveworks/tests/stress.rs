//! Concurrency stress: one client shared by 16 threads doing 10,000 mixed
//! calls against the simulator, with every OAuth token revoked mid-run.
//! Asserts no errors, no deadlock (a bounded wait fails the test instead of
//! hanging CI), every result decoded into what was asked for, and exactly one
//! token refresh for the revocation (single flight under load).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

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
                assert!(matches!(e.payload, EventPayload::Message(_)), "{e:?}");
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

#[test]
fn sixteen_threads_share_one_client_for_10000_mixed_calls_across_a_token_revocation() {
    let sim = Arc::new(
        Simulator::start(SimulatorConfig {
            response_duration: Duration::from_millis(50),
            threads: THREADS,
            ..Default::default()
        })
        .unwrap(),
    );
    let cfg = sim.config();
    let client = Client::builder()
        .base_url(sim.base_url())
        .assistant_name(cfg.assistant_name.clone())
        .client_credentials(cfg.client_id.clone(), cfg.client_secret.clone())
        .build()
        .unwrap();

    let done_calls = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    for thread in 0..THREADS {
        let (client, sim, done_calls, tx) = (client.clone(), Arc::clone(&sim), Arc::clone(&done_calls), tx.clone());
        std::thread::spawn(move || {
            let run = || {
                let mut conv = client.create_conversation(Some(&format!("t{thread}")))?.conversation_id;
                let mut resp = String::new();
                for i in 1..CALLS / THREADS {
                    call(&client, thread, i, &mut conv, &mut resp)?;
                    // Halfway through, every token issued so far stops working while the
                    // other 15 threads have requests in flight.
                    if done_calls.fetch_add(1, Ordering::SeqCst) == CALLS / 2 {
                        sim.revoke_tokens();
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
    let api_calls = log.iter().filter(|r| r["path"].as_str().unwrap_or_default().contains("/rest/")).count();
    let unauthorized = log.iter().filter(|r| r["status"] == 401).count();
    // THREADS initial creates + the mix, plus one replay per 401.
    assert_eq!(api_calls, THREADS * (CALLS / THREADS) + unauthorized);
    assert!((1..=THREADS).contains(&unauthorized), "{unauthorized} requests were answered 401");
    let token_requests = log.iter().filter(|r| r["path"].as_str().unwrap_or_default().contains("/oauth")).count();
    assert_eq!(token_requests, 2, "one token, then exactly one refresh after the revocation");
}
