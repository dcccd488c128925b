//! Per-user credentials on one client (rest/v1): `Client::for_user` with a token
//! provider, against the simulator's per-user bearers (`user_token`).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use moveworks::{Client, ErrorKind, ListConversationsParams, ProviderError, UserToken};
use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::{json, Value};

fn sim() -> Arc<Simulator> {
    Arc::new(
        Simulator::start(SimulatorConfig { response_duration: Duration::from_millis(30), ..Default::default() })
            .unwrap(),
    )
}

/// One client for the whole app, built with the app's own (default-user) token.
fn app_client(sim: &Simulator) -> Client {
    let cfg = sim.config();
    Client::builder()
        .base_url(sim.v1_base_url())
        .assistant_name(cfg.assistant_name.clone())
        .bearer_token(cfg.static_token.clone().unwrap())
        .build()
        .unwrap()
}

/// A provider minting `user_id`'s tokens from the simulator (standing in for an identity
/// provider exchange), counting its calls.
fn provider(
    sim: &Arc<Simulator>,
    user_id: &'static str,
    lifetime: Option<Duration>,
) -> (impl Fn() -> Result<UserToken, ProviderError> + Send + Sync + 'static, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let (sim, counted) = (sim.clone(), calls.clone());
    let provide = move || {
        counted.fetch_add(1, Ordering::SeqCst);
        let minted = sim.run("user_token", &json!({ "user_id": user_id }))?;
        let token = UserToken::new(minted["token"].as_str().ok_or("no token")?);
        Ok(match lifetime {
            Some(l) => token.expires_in(l),
            None => token,
        })
    };
    (provide, calls)
}

fn requests(sim: &Simulator) -> Vec<Value> {
    sim.run("requests", &json!({})).unwrap().as_array().unwrap().clone()
}

#[test]
fn two_users_share_one_pool_and_see_only_their_own_conversations() {
    let sim = sim();
    let app = app_client(&sim);
    let (alice_tokens, alice_calls) = provider(&sim, "u_alice", None);
    let (bob_tokens, bob_calls) = provider(&sim, "u_bob", None);
    let alice = app.for_user(alice_tokens);
    let bob = app.for_user(bob_tokens);
    sim.run("clear_requests", &json!({})).unwrap();

    let hers = alice.create_conversation(Some("alice's")).unwrap();
    let his = bob.create_conversation(Some("bob's")).unwrap();
    let listed = |c: &Client| -> HashSet<String> {
        let page = c.list_conversations(&ListConversationsParams::default()).unwrap();
        page.conversations.into_iter().map(|c| c.conversation_id).collect()
    };
    assert_eq!(listed(&alice), HashSet::from([hers.conversation_id.clone()]));
    assert_eq!(listed(&bob), HashSet::from([his.conversation_id.clone()]));
    let e = bob.get_conversation(&hers.conversation_id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    // The app's own token is a third user, with neither conversation.
    assert!(listed(&app).is_empty());

    // One token each, cached across calls.
    assert_eq!((alice_calls.load(Ordering::SeqCst), bob_calls.load(Ordering::SeqCst)), (1, 1));
    // Every call above went over the app client's one connection (calls in sequence reuse it),
    // each acting for its own user.
    let log = requests(&sim);
    let connections: HashSet<u64> = log.iter().map(|r| r["connection"].as_u64().unwrap()).collect();
    assert_eq!(connections.len(), 1, "one pool: {log:?}");
    let users: Vec<&str> = log.iter().map(|r| r["user_id"].as_str().unwrap_or("")).collect();
    assert_eq!(users, ["u_alice", "u_bob", "u_alice", "u_bob", "u_bob", "user_sim"]);
}

#[test]
fn concurrent_first_calls_ask_the_provider_once() {
    let sim = sim();
    let app = app_client(&sim);
    let (inner, calls) = provider(&sim, "u_carol", None);
    // A slow exchange: callers arriving meanwhile wait for it instead of starting their own.
    let alice = app.for_user(move || {
        std::thread::sleep(Duration::from_millis(200));
        inner()
    });
    let start = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (client, start) = (alice.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                client.list_conversations(&ListConversationsParams::default()).unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn a_token_is_refreshed_before_it_expires() {
    let sim = sim();
    let (tokens, calls) = provider(&sim, "u_dan", Some(Duration::from_millis(400)));
    let dan = app_client(&sim).for_user(tokens);
    dan.list_conversations(&ListConversationsParams::default()).unwrap();
    dan.list_conversations(&ListConversationsParams::default()).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "cached while fresh");
    // Refreshed half-way through a short lifetime (60 s before a long one).
    std::thread::sleep(Duration::from_millis(250));
    dan.list_conversations(&ListConversationsParams::default()).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_refused_token_is_replaced_once_and_the_call_replayed() {
    let sim = sim();
    let (tokens, calls) = provider(&sim, "u_erin", None);
    let erin = app_client(&sim).for_user(tokens);
    let conv = erin.create_conversation(None).unwrap();
    // Every issued token stops working (as after a revocation or an early expiry).
    sim.run("revoke_tokens", &json!({})).unwrap();
    sim.run("clear_requests", &json!({})).unwrap();
    let again = erin.get_conversation(&conv.conversation_id).unwrap();
    assert_eq!(again.conversation_id, conv.conversation_id);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "asked again after the 401");
    let statuses: Vec<u64> = requests(&sim).iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [401, 200]);

    // A provider that keeps giving a refused token: one replay, then the 401 is the error.
    let stale = sim.run("user_token", &json!({"user_id": "u_erin"})).unwrap()["token"].as_str().unwrap().to_owned();
    sim.run("revoke_tokens", &json!({})).unwrap();
    let stuck = app_client(&sim).for_user(move || Ok(UserToken::new(stale.clone())));
    sim.run("clear_requests", &json!({})).unwrap();
    let e = stuck.get_conversation(&conv.conversation_id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    assert_eq!(requests(&sim).len(), 2, "one replay, not a loop");
}

#[test]
fn a_failing_provider_fails_the_call_before_sending_and_a_fixed_token_is_one_line() {
    let sim = sim();
    let app = app_client(&sim);
    sim.run("clear_requests", &json!({})).unwrap();
    let broken = app.for_user(|| Err("the identity provider is down".into()));
    let e = broken.list_conversations(&ListConversationsParams::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::OAuth, "{e}");
    assert!(e.message().contains("the identity provider is down"), "{e}");
    let empty = app.for_user(|| Ok(UserToken::new("")));
    assert_eq!(empty.list_conversations(&ListConversationsParams::default()).unwrap_err().kind(), ErrorKind::OAuth);
    assert!(requests(&sim).is_empty(), "nothing was sent");

    // An API key bound to one user: a fixed bearer, never shown.
    let key = sim.run("user_token", &json!({"user_id": "u_frank"})).unwrap()["token"].as_str().unwrap().to_owned();
    let frank = app.for_user_token(key.clone()).unwrap();
    frank.create_conversation(Some("frank's")).unwrap();
    assert_eq!(requests(&sim).last().unwrap()["user_id"], "u_frank");
    assert!(!format!("{frank:?}").contains(&key));
    assert_eq!(app.for_user_token("").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(app.for_user_token("a\nb").unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn a_v1_client_without_credentials_of_its_own_serves_through_its_views_only() {
    let sim = sim();
    let app = Client::builder()
        .base_url(sim.v1_base_url())
        .assistant_name(sim.config().assistant_name.clone())
        .build()
        .expect("rest/v1 needs no client-wide credential");
    sim.run("clear_requests", &json!({})).unwrap();
    let e = app.list_conversations(&ListConversationsParams::default()).unwrap_err();
    assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("token")), "{e}");
    assert!(e.to_string().contains("for_user"), "the error says what to do: {e}");
    assert!(requests(&sim).is_empty(), "refused before sending");

    let (alice_tokens, _) = provider(&sim, "u_alice", None);
    let alice = app.for_user(alice_tokens);
    alice.create_conversation(Some("alice's")).unwrap();
    let logged = requests(&sim);
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["user_id"], "u_alice");

    // The beta has no per-user bearers: there a credential stays required when building.
    let e = Client::builder()
        .base_url(sim.base_url())
        .assistant_name(sim.config().assistant_name.clone())
        .build()
        .unwrap_err();
    assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("token")), "{e}");
}
