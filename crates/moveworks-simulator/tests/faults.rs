//! Fault injection, rate limiting, control routes, the HTTP server and the binary.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Api, Conn, Simulator, SimulatorConfig, ASSISTANT, TOKEN};
use serde_json::{json, Value};

const CREATE: &[u8] = b"{\"title\":\"t\"}";

fn auth_headers() -> [(&'static str, &'static str); 3] {
    [("Authorization", "Bearer sandbox-token"), ("Assistant-Name", ASSISTANT), ("Content-Type", "application/json")]
}

fn conversation_count(api: &Api) -> usize {
    api.get("/conversations?limit=100").json()["conversations"].as_array().unwrap().len()
}

#[test]
fn status_fault_answers_without_processing() {
    let api = Api::new();
    api.sim.push_fault(json!({"kind": "status", "status": 503, "retry_after": "2", "retry_after_ms": 1500}));
    let reply = api.call("POST", "/rest/v1beta1/conversations", &auth_headers(), Some(CREATE));
    reply.assert_api_headers();
    assert_eq!((reply.status, reply.error_code().as_str()), (503, "INTERNAL_ERROR"));
    assert_eq!(reply.header("retry-after"), Some("2"));
    assert_eq!(reply.header("retry-after-ms"), Some("1500"));
    assert_eq!(conversation_count(&api), 0, "the request was not processed");
    assert_eq!(api.call("POST", "/rest/v1beta1/conversations", &auth_headers(), Some(CREATE)).status, 201);
}

#[test]
fn status_fault_codes_follow_the_status() {
    let api = Api::new();
    let date = "Wed, 21 Oct 2015 07:28:00 GMT";
    // 400 takes the one code the published spec gives the operation's 400.
    let cases = [
        (400, "INVALID_CURSOR"),
        (401, "UNAUTHORIZED"),
        (403, "FORBIDDEN"),
        (404, "NOT_FOUND"),
        (408, "REQUEST_TIMEOUT"),
        (429, "RATE_LIMIT_EXCEEDED"),
        (500, "INTERNAL_ERROR"),
        (502, "INTERNAL_ERROR"),
    ];
    for (status, _) in cases {
        api.sim.push_fault(json!({"kind": "status", "status": status, "retry_after": date}));
    }
    for (status, code) in cases {
        let reply = api.get("/conversations");
        assert_eq!((reply.status, reply.error_code().as_str()), (status, code));
        assert_eq!(reply.header("retry-after"), Some(date));
        assert_eq!(reply.header("retry-after-ms"), None);
    }
    assert_eq!(api.get("/conversations").status, 200);
}

#[test]
fn faults_match_method_and_path_and_count_down() {
    let api = Api::new();
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(
        json!({"kind": "status", "status": 500, "method": "POST", "path_contains": "/responses", "count": 2}),
    );
    let ask = || api.post(&format!("/conversations/{conv}/responses"), json!({"input": {"text": "hi"}})).status;
    assert_eq!(api.get(&format!("/conversations/{conv}")).status, 200, "GET does not match");
    assert_eq!(api.post("/conversations", json!({})).status, 201, "other path does not match");
    assert_eq!(ask(), 500);
    assert_eq!(ask(), 500);
    assert_eq!(ask(), 202, "used up after count matches");
    let log = api.sim.requests();
    let faulted: Vec<&Value> = log.iter().filter(|e| e["fault"] == "status").collect();
    assert_eq!(faulted.len(), 2);
    assert!(faulted.iter().all(|e| e["status"] == 500));
}

#[test]
fn faults_are_first_in_first_out() {
    let api = Api::new();
    api.sim.push_fault(json!({"kind": "status", "status": 500}));
    api.sim.push_fault(json!({"kind": "status", "status": 502}));
    assert_eq!(api.get("/conversations").status, 500);
    assert_eq!(api.get("/conversations").status, 502);
    assert_eq!(api.get("/conversations").status, 200);
}

#[test]
fn delay_fault_waits_then_processes() {
    let api = Api::new();
    api.sim.push_fault(json!({"kind": "delay", "ms": 250}));
    let started = Instant::now();
    let reply = api.call("POST", "/rest/v1beta1/conversations", &auth_headers(), Some(CREATE));
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(reply.status, 201);
    assert_eq!(conversation_count(&api), 1);
}

#[test]
fn drop_fault_processes_then_cuts_the_body() {
    let api = Api::new();
    api.sim.push_fault(json!({"kind": "drop"}));
    let mut conn = Conn::open(api.sim.addr());
    let request = format!(
        "POST /rest/v1beta1/conversations HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer {TOKEN}\r\nAssistant-Name: {ASSISTANT}\r\nContent-Length: {}\r\n\r\n",
        CREATE.len()
    );
    conn.write_raw(request.as_bytes());
    conn.write_raw(CREATE);
    let (status, headers) = conn.read_head().unwrap();
    assert_eq!(status, 201);
    let announced: usize =
        headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).unwrap().1.parse().unwrap();
    let received = conn.read_to_end();
    assert!(!received.is_empty() && received.len() < announced, "{} of {announced}", received.len());
    assert!(serde_json::from_slice::<Value>(&received).is_err());
    assert_eq!(conversation_count(&api), 1, "the request was processed");
}

#[test]
fn reset_fault_closes_without_answering_or_processing() {
    let api = Api::new();
    api.sim.push_fault(json!({"kind": "reset"}));
    let error = api.try_call("POST", "/rest/v1beta1/conversations", &auth_headers(), Some(CREATE)).unwrap_err();
    assert!(
        matches!(error.kind(), std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset),
        "{error:?}"
    );
    assert_eq!(conversation_count(&api), 0);
    let log = api.sim.requests();
    assert_eq!(log[0]["fault"], "reset");
    assert_eq!(log[0]["status"], Value::Null);
}

#[test]
fn malformed_json_fault_processes_then_sends_broken_json() {
    let api = Api::new();
    api.sim.push_fault(json!({"kind": "malformed_json"}));
    let reply = api.call("POST", "/rest/v1beta1/conversations", &auth_headers(), Some(CREATE));
    reply.assert_api_headers();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), "{\"conversations\": [");
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());
    assert_eq!(conversation_count(&api), 1);
}

#[test]
fn truncated_json_fault_sends_half_the_real_body() {
    let api = Api::new();
    api.create_conversation(Some("first"));
    let full = api.get("/conversations").body;
    api.sim.push_fault(json!({"kind": "truncated_json", "path_contains": "conversations"}));
    let reply = api.get("/conversations");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len(), full.len() / 2);
    assert_eq!(reply.body[..], full[..full.len() / 2]);
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());
}

#[test]
fn unknown_values_fault_affects_one_answer() {
    let api = Api::new();
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(json!({"kind": "unknown_values"}));
    assert!(api.get(&format!("/conversations/{conv}")).json()["experimental"].is_object());
    assert!(api.get(&format!("/conversations/{conv}")).json().get("experimental").is_none());
}

#[test]
fn raw_fault_answers_verbatim() {
    let api = Api::new();
    api.sim.push_fault(json!({
        "kind": "raw",
        "status": 502,
        "body": "<html>Bad Gateway</html>",
        "headers": {"Content-Type": "text/html", "X-Proxy": "edge"}
    }));
    let reply = api.call("GET", "/rest/v1beta1/conversations", &auth_headers(), None);
    assert_eq!(reply.status, 502);
    assert_eq!(reply.text(), "<html>Bad Gateway</html>");
    assert_eq!(reply.header("content-type"), Some("text/html"));
    assert_eq!(reply.header("x-proxy"), Some("edge"));
    assert!(reply.header("x-moveworks-root-uuid").is_some());
}

#[test]
fn faults_apply_to_the_token_endpoint() {
    let api = Api::new();
    api.sim.push_fault(json!({"kind": "status", "status": 500, "path_contains": "/oauth/"}));
    let body = b"grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret";
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let failed = api.call("POST", "/oauth/v1/token", &headers, Some(body));
    assert_eq!((failed.status, failed.error_code().as_str()), (500, "INTERNAL_ERROR"));
    assert_eq!(api.call("POST", "/oauth/v1/token", &headers, Some(body)).status, 200);
}

#[test]
fn faults_over_http_are_validated_listed_and_cleared() {
    let api = Api::new();
    let queued = api.admin(
        "POST",
        "/_sim/faults",
        Some(json!({"faults": [{"kind": "delay", "ms": 1}, {"kind": "reset", "count": 3, "method": "PATCH"}]})),
    );
    assert_eq!((queued.status, queued.json()["queued"].as_u64()), (200, Some(2)));
    let listed = api.admin("GET", "/_sim/faults", None).json();
    assert_eq!(listed["faults"][1]["kind"], "reset");
    assert_eq!(listed["faults"][1]["remaining"], 3);

    let invalid = api.admin("POST", "/_sim/faults", Some(json!({"faults": [{"kind": "drop"}, {"kind": "explode"}]})));
    assert_eq!((invalid.status, invalid.error_code().as_str()), (400, "INVALID_INPUT"));
    assert_eq!(api.admin("GET", "/_sim/faults", None).json()["faults"].as_array().unwrap().len(), 2);

    assert_eq!(api.admin("DELETE", "/_sim/faults", None).status, 200);
    assert_eq!(api.admin("GET", "/_sim/faults", None).json()["faults"], json!([]));
}

#[test]
#[should_panic(expected = "invalid simulator fault")]
fn push_fault_panics_on_an_invalid_fault() {
    Simulator::start_default().unwrap().push_fault(json!({"kind": "status"}));
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let api = Api::new();
    let config =
        api.admin("POST", "/_sim/config", Some(json!({"rate_limit": {"max_requests": 3, "window_ms": 60000}})));
    assert_eq!(config.status, 200);
    assert_eq!(config.json()["rate_limit"]["max_requests"], 3);
    for _ in 0..3 {
        assert_eq!(api.get("/conversations").status, 200);
    }
    let limited = api.get("/conversations");
    assert_eq!((limited.status, limited.error_code().as_str()), (429, "RATE_LIMIT_EXCEEDED"));
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_eq!(api.admin("GET", "/_sim/health", None).status, 200, "control routes are not limited");
    let token = api.call(
        "POST",
        "/oauth/v1/token",
        &[("Content-Type", "application/json")],
        Some(br#"{"grant_type":"client_credentials","client_id":"sandbox-client","client_secret":"sandbox-secret"}"#),
    );
    assert_eq!(token.status, 200, "the token endpoint is not limited");

    api.sim.set_config(json!({"rate_limit": null}));
    assert_eq!(api.get("/conversations").status, 200);
}

#[test]
fn short_rate_limit_windows_reopen() {
    let api = Api::new();
    api.sim.set_config(json!({"rate_limit": {"max_requests": 1, "window_ms": 100}}));
    assert_eq!(api.get("/conversations").status, 200);
    let limited = api.get("/conversations");
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("1"), "at least one whole second");
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(api.get("/conversations").status, 200);
}

#[test]
fn config_route_validates_and_reset_restores_everything() {
    let api = Api::with_duration(50);
    let defaults = api.admin("GET", "/_sim/config", None).json();
    assert_eq!(
        defaults,
        json!({"response_duration_ms": 50, "unknown_values": false, "token_ttl_secs": 3600, "rate_limit": null,
               "wrapped_token_answer": false, "null_pending_outputs": false, "live_agent_delay_ms": 300})
    );
    let bad = api.admin("POST", "/_sim/config", Some(json!({"response_duration_ms": "fast"})));
    assert_eq!((bad.status, bad.error_code().as_str()), (400, "INVALID_INPUT"));
    let typo = api.admin("POST", "/_sim/config", Some(json!({"response_ms": 5})));
    assert_eq!(typo.status, 400);

    api.sim.set_config(json!({"response_duration_ms": 5000, "unknown_values": true, "wrapped_token_answer": true}));
    api.create_conversation(None);
    api.sim.push_fault(json!({"kind": "status", "status": 500, "method": "DELETE"}));
    assert_eq!(api.admin("POST", "/_sim/reset", None).json(), json!({"ok": true}));
    assert_eq!(api.admin("GET", "/_sim/config", None).json(), defaults);
    assert_eq!(conversation_count(&api), 0);
    assert_eq!(api.admin("GET", "/_sim/faults", None).json()["faults"], json!([]));
    assert_eq!(api.sim.requests().len(), 1, "the log was cleared too");

    api.create_conversation(None);
    api.sim.reset();
    assert_eq!(conversation_count(&api), 0);
}

#[test]
fn control_routes_answer_json() {
    let api = Api::new();
    let health = api.admin("GET", "/_sim/health", None);
    health.assert_api_headers();
    assert_eq!(health.json(), json!({"status": "ok"}));
    assert_eq!(api.admin("GET", "/_sim/nothing", None).status, 404);
    assert_eq!(api.admin("GET", "/_sim/reset", None).status, 405);
    assert_eq!(api.admin("POST", "/_sim/config", Some(json!([1]))).status, 400);
}

#[test]
fn keep_alive_chunked_bodies_and_expect_continue() {
    let sim = Simulator::start_default().unwrap();
    let mut conn = Conn::open(sim.addr());
    for _ in 0..3 {
        let reply = conn.send("GET", "/rest/v1beta1/conversations", &auth_headers(), None).unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("connection"), Some("keep-alive"));
    }
    let chunked = format!(
        "POST /rest/v1beta1/conversations HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer {TOKEN}\r\nAssistant-Name: {ASSISTANT}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{{\"tit\r\n9\r\nle\":\"ok\"}}\r\n0\r\n\r\n"
    );
    conn.write_raw(chunked.as_bytes());
    let reply = conn.read_reply().unwrap();
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["title"], "ok");

    let head = format!(
        "POST /rest/v1beta1/conversations HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer {TOKEN}\r\nAssistant-Name: {ASSISTANT}\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        CREATE.len()
    );
    conn.write_raw(head.as_bytes());
    let (status, _) = conn.read_head().unwrap();
    assert_eq!(status, 100);
    conn.write_raw(CREATE);
    assert_eq!(conn.read_reply().unwrap().status, 201);

    let closing = conn.send("GET", "/_sim/health", &[("Connection", "close")], None).unwrap();
    assert_eq!(closing.header("connection"), Some("close"));
    assert!(conn.read_to_end().is_empty(), "the server closed the connection");
}

#[test]
fn malformed_requests_get_a_json_400() {
    let sim = Simulator::start_default().unwrap();
    let mut stream = TcpStream::connect(sim.addr()).unwrap();
    stream.write_all(b"NONSENSE\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("\"INVALID_INPUT\""), "{answer}");
}

#[test]
fn more_idle_connections_than_workers_are_all_served() {
    let sim = Simulator::start(SimulatorConfig { threads: 2, ..SimulatorConfig::default() }).unwrap();
    let mut conns: Vec<Conn> = (0..6).map(|_| Conn::open(sim.addr())).collect();
    for round in 0..2 {
        for (i, conn) in conns.iter_mut().enumerate() {
            let reply = conn.send("GET", "/_sim/health", &[], None).unwrap();
            assert_eq!(reply.status, 200, "connection {i}, round {round}");
        }
    }
}

#[test]
fn shutdown_closes_idle_connections_and_the_listener() {
    let sim = Simulator::start_default().unwrap();
    let addr = sim.addr();
    let mut idle = Conn::open(addr);
    assert_eq!(idle.send("GET", "/_sim/health", &[], None).unwrap().status, 200);
    let started = Instant::now();
    sim.shutdown();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(idle.read_to_end().is_empty());
    assert!(TcpStream::connect(addr).is_err(), "the listener is closed");
}

#[test]
fn binary_prints_one_line_and_exits_when_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_moveworks-simulator"))
        .args(["--assistant-name", "acme", "--response-ms", "40", "--client-id", "id1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    let port = info["port"].as_u64().unwrap();
    let origin = format!("http://127.0.0.1:{port}");
    assert_eq!(info["origin"], origin.as_str());
    assert_eq!(info["base_url"], format!("{origin}/rest/v1beta1").as_str());
    assert_eq!(info["v1_base_url"], format!("{origin}/rest/v1").as_str());
    assert_eq!(info["token_url"], format!("{origin}/oauth/v1/token").as_str());
    assert_eq!(info["assistant_name"], "acme");
    assert_eq!(info["token"], TOKEN);
    assert_eq!(info["client_id"], "id1");
    assert_eq!(info["client_secret"], "sandbox-secret");
    assert_eq!(info["ca_certificate_pem"], Value::Null);
    assert_eq!(info.as_object().unwrap().len(), 10);

    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut conn = Conn::open(addr);
    let reply = conn
        .send(
            "GET",
            "/rest/v1beta1/conversations",
            &[("Authorization", "Bearer sandbox-token"), ("Assistant-Name", "acme")],
            None,
        )
        .unwrap();
    assert_eq!(reply.status, 200);

    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the simulator did not exit on stdin EOF");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.is_empty(), "exactly one line on stdout, then: {rest}");
}

#[test]
fn concurrent_keep_alive_clients_are_all_served() {
    let sim = Simulator::start_default().unwrap();
    let addr = sim.addr();
    let conv = {
        let mut conn = Conn::open(addr);
        let reply = conn.send("POST", "/rest/v1beta1/conversations", &auth_headers(), Some(CREATE)).unwrap();
        reply.json()["conversation_id"].as_str().unwrap().to_owned()
    };
    let path = format!("/rest/v1beta1/conversations/{conv}");
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| {
                let mut conn = Conn::open(addr);
                for _ in 0..100 {
                    let reply = conn.send("GET", &path, &auth_headers(), None).unwrap();
                    assert_eq!(reply.status, 200);
                    assert_eq!(reply.json()["conversation_id"], conv.as_str());
                }
            });
        }
    });
    eprintln!("1600 keep-alive requests from 16 threads took {:?}", started.elapsed());
    assert_eq!(sim.requests().len(), 1 + 1600);
}

#[test]
fn handoff_fault_completes_with_no_outputs() {
    let api = Api::with_duration(30);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    api.sim.push_fault(json!({"kind": "handoff"}));
    // Only create response matches: this list is untouched.
    assert_eq!(api.get("/conversations").status, 200);
    let created = api.ask(&conv, "talk to a person");
    let rid = created["response_id"].as_str().unwrap();
    let (done, _) = api.wait_terminal(&conv, rid);
    assert_eq!((&done["status"], &done["outputs"]), (&json!("COMPLETED"), &json!([])));
    assert!(done["completed_at"].is_string() && done.get("error").is_none());
    let messages = api.get(&format!("/conversations/{conv}/responses/{rid}/messages")).json();
    let actors: Vec<_> = messages["messages"].as_array().unwrap().iter().map(|m| m["actor"].clone()).collect();
    assert_eq!(actors, [json!("USER")], "a handoff leaves only the question");
    assert_eq!(api.sim.requests().iter().filter(|r| r["fault"] == "handoff").count(), 1);
}

#[test]
fn raw_message_fault_serves_the_captured_message_verbatim_everywhere() {
    let api = Api::with_duration(30);
    let conv = api.create_conversation(None)["conversation_id"].as_str().unwrap().to_owned();
    let raw = json!({
        "message_id": "msg_captured",
        "conversation_id": "conv_elsewhere",
        "response_id": "resp_elsewhere",
        "actor": "ASSISTANT",
        "content": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "See [1]"}},
        "citations": [{"citation_id": "cite_1", "location": {"offset": 4}, "url": "https://x.example"}],
        "content_references": null,
        "feedback": {"helpful": {"callback_id": "cb_up"}, "unhelpful": {"callback_id": "cb_down"}},
        "created_at": "2026-05-20T10:00:00.000Z",
        "unknown_field": [1, 2, 3],
    });
    api.sim.push_fault(json!({"kind": "raw_message", "message": raw}));
    let rid = api.ask(&conv, "hi")["response_id"].as_str().unwrap().to_owned();
    let (done, _) = api.wait_terminal(&conv, &rid);
    let mut expected = raw.clone();
    expected["conversation_id"] = json!(conv);
    expected["response_id"] = json!(rid);
    assert_eq!(done["outputs"][1], json!({"type": "MESSAGE", "message": expected}));
    let listed = api.get(&format!("/conversations/{conv}/messages")).json();
    assert_eq!(listed["messages"][0], expected);
    let of_response = api.get(&format!("/conversations/{conv}/responses/{rid}/messages")).json();
    assert_eq!(of_response["messages"][0], expected);
    assert!(of_response.get("metadata").is_none(), "list response messages has no metadata");
    // Its own callback ids rate it.
    let feedback = format!("/conversations/{conv}/responses/{rid}/messages/msg_captured/feedback");
    assert_eq!(api.post(&feedback, json!({"callback_id": "cb_down"})).json(), json!({"status": "SUBMITTED"}));
    let bad = api.post(&feedback, json!({"callback_id": "cb_other"}));
    assert_eq!((bad.status, bad.error_code().as_str()), (400, "INVALID_REQUEST"));
    let refused = api.admin("POST", "/_sim/faults", Some(json!({"kind": "raw_message", "message": [1]})));
    assert_eq!(refused.status, 400);
}
