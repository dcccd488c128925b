//! Testing an app against the sandbox, the way a user of the Rust crate would:
//! the app code calls the SDK; the test scripts the sandbox (a 429, then a FAILED
//! answer) and checks what the app did and what it sent.

use std::time::Duration;

use moveworks::sandbox::{Sandbox, SandboxOptions};
use moveworks::{Client, ErrorKind, WaitOptions};
use serde_json::json;

/// The app: asks one question, and says what the user should see.
fn ask(client: &Client, question: &str) -> String {
    let wait = WaitOptions { initial_interval: Duration::from_millis(10), ..Default::default() };
    let answer = client
        .create_conversation(Some("Help desk"))
        .and_then(|conv| client.create_response_and_wait(&conv.conversation_id, question, &wait));
    match answer {
        Ok(response) => response.assistant_text().unwrap_or_default(),
        Err(e) if e.kind() == ErrorKind::ResponseFailed => "Sorry, the assistant could not answer.".to_owned(),
        Err(e) => format!("Something went wrong ({})", e.kind()),
    }
}

#[test]
fn the_app_rides_out_a_429_and_reports_a_failed_answer() {
    let sandbox = Sandbox::start(&SandboxOptions { response_duration_ms: Some(30), ..Default::default() }).unwrap();
    let client = sandbox.client().unwrap();

    sandbox
        .run("fault", &json!({"kind": "status", "status": 429, "retry_after": "1", "method": "POST", "path_contains": "/responses"}))
        .unwrap();
    let first = ask(&client, "Who does John Doe report to?");
    assert!(first.contains("John Doe"), "the retried question was answered: {first}");

    sandbox.run("fail_next_response", &json!({})).unwrap();
    assert_eq!(ask(&client, "Who does John Doe report to?"), "Sorry, the assistant could not answer.");

    // What the app sent: the 429'd POST was retried once; the failed one was not repeated.
    let posts = sandbox.run("requests", &json!({"method": "POST", "path_contains": "/responses"})).unwrap();
    let statuses: Vec<_> =
        posts.as_array().unwrap().iter().map(|r| (r["status"].clone(), r["fault"].clone())).collect();
    assert_eq!(
        statuses,
        [(json!(429), json!("status")), (json!(202), json!(null)), (json!(202), json!("response_failed")),]
    );
    let log = sandbox.run("requests", &json!({})).unwrap().to_string();
    assert!(!log.contains(sandbox.token()), "the request log never holds the token");
}

mod quickstart {
    include!("../examples/quickstart.rs");

    pub fn run() -> Result<(), moveworks::Error> {
        main()
    }
}

mod buttons_and_forms {
    include!("../examples/buttons_and_forms.rs");

    pub fn run() -> Result<(), moveworks::Error> {
        main()
    }
}

/// The part of an example between its `README:begin` and `README:end` lines.
fn readme_region(example: &str) -> &str {
    example.split("// README:begin\n").nth(1).unwrap().split("// README:end").next().unwrap()
}

#[test]
fn the_readme_quickstart_runs_and_is_the_example_verbatim() {
    quickstart::run().unwrap();
    let readme = include_str!("../../../README.md");
    let region = readme_region(include_str!("../examples/quickstart.rs"));
    assert!(readme.contains(region), "README.md's Rust quickstart differs from examples/quickstart.rs");
}

#[test]
fn the_readme_buttons_and_forms_example_runs_and_is_the_example_verbatim() {
    buttons_and_forms::run().unwrap();
    let readme = include_str!("../../../README.md");
    let region = readme_region(include_str!("../examples/buttons_and_forms.rs"));
    assert!(
        readme.contains(region),
        "README.md's buttons and forms example differs from examples/buttons_and_forms.rs"
    );
}

#[test]
fn a_failed_answer_names_the_request_id_of_the_answer_that_showed_it() {
    let sandbox = Sandbox::start(&SandboxOptions { response_duration_ms: Some(20), ..Default::default() }).unwrap();
    let client = sandbox.client().unwrap();
    let conv = client.create_conversation(None).unwrap();
    sandbox.run("fail_next_response", &json!({})).unwrap();
    let wait = WaitOptions { initial_interval: Duration::from_millis(10), ..Default::default() };
    let e = client.create_response_and_wait(&conv.conversation_id, "hi", &wait).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ResponseFailed);
    assert!(e.request_id().is_some());
    assert_eq!(e.request_id(), e.response().and_then(|r| r.request_id.as_deref()));
    let last_get = sandbox.run("requests", &json!({"method": "GET"})).unwrap();
    let last_get = last_get.as_array().unwrap().last().unwrap()["root_uuid"].clone();
    assert_eq!(e.request_id(), last_get.as_str());
}

#[cfg(unix)]
#[test]
fn a_tls_sandbox_serves_the_sdk_over_https_trusting_only_its_own_ca() {
    let options = SandboxOptions { response_duration_ms: Some(60), tls: Some(true), ..Default::default() };
    let sandbox = Sandbox::start(&options).unwrap();
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"), "{}", sandbox.base_url());
    let client = sandbox.client().unwrap();
    let answer = ask(&client, "hello over TLS");
    assert!(!answer.is_empty() && !answer.starts_with("Something went wrong"), "{answer}");

    // A streamed answer arrives through the TLS front event by event.
    let conv = client.create_conversation(None).unwrap();
    let stream = moveworks::StreamOptions {
        wait: WaitOptions { initial_interval: Duration::from_millis(10), ..Default::default() },
        ..Default::default()
    };
    let mut events = Vec::new();
    let done = client
        .stream_response_and_wait(&conv.conversation_id, "stream it", &stream, &mut |event| {
            events.push(event.clone());
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(done.status, moveworks::ResponseStatus::Completed);
    assert!(events.len() >= 3, "{events:?}");
    let streamed = sandbox.run("requests", &json!({"path_contains": "/responses/stream"})).unwrap();
    assert_eq!(streamed.as_array().unwrap().len(), 1, "answered by the stream, not by polling: {streamed}");

    // Without the sandbox's CA the handshake fails; the sandbox serves on.
    let mut untrusting = sandbox.client_options();
    untrusting.ca_certificates = None;
    let e = Client::from_options(untrusting).unwrap().create_conversation(None).unwrap_err();
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    client.create_conversation(None).unwrap();
}

#[test]
fn the_sandbox_hands_out_clients_of_the_generation_asked_for() {
    let start = |api_version: Option<&str>| {
        Sandbox::start(&SandboxOptions { api_version: api_version.map(str::to_owned), ..Default::default() })
    };
    let beta = start(None).unwrap();
    assert!(beta.client_options().base_url.unwrap().ends_with("/rest/v1beta1"), "the beta stays the default for now");
    let v1 = start(Some("v1")).unwrap();
    let client = v1.client().unwrap();
    client.create_conversation(None).unwrap();
    let logged = v1.run("requests", &json!({})).unwrap();
    assert!(logged[0]["path"].as_str().unwrap().starts_with("/rest/v1/"), "{logged}");
    let e = start(Some("v2")).unwrap_err();
    assert_eq!((e.kind(), e.argument()), (ErrorKind::InvalidArgument, Some("api_version")));
}
