//! Helpers for the `/rest/v1` tests: per-user bearers, the v1 prefix, `x-trace-id`,
//! streams read to their end.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{Api, Reply, ASSISTANT, TOKEN};

/// Asserts the headers every rest/v1 answer carries: JSON and a UUID `x-trace-id`
/// (and not the beta's `x-moveworks-root-uuid`).
pub fn assert_v1_headers(reply: &Reply) {
    assert_eq!(reply.header("content-type"), Some("application/json"), "{reply:?}");
    let trace = reply.header("x-trace-id").expect("x-trace-id header");
    assert_eq!(trace.split('-').map(str::len).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "not a UUID: {trace}");
    assert!(reply.header("x-moveworks-root-uuid").is_none(), "{reply:?}");
}

/// A stream read to its end: the answer's headers (names lowercase), then (event name, data).
pub type Streamed = (Vec<(String, String)>, Vec<(String, Value)>);

/// One caller of the rest/v1 API: the static token (`user_sim`) or a minted user bearer.
pub struct User<'a> {
    pub api: &'a Api,
    pub token: String,
}

impl<'a> User<'a> {
    /// The static token, acting as `user_sim`.
    pub fn sim(api: &'a Api) -> User<'a> {
        User { api, token: TOKEN.to_owned() }
    }

    /// A fresh bearer for `user_id`, minted with the `user_token` action.
    pub fn minted(api: &'a Api, user_id: &str) -> User<'a> {
        let answer = api.sim.run("user_token", &json!({ "user_id": user_id })).unwrap();
        assert_eq!(answer["user_id"], user_id);
        User { api, token: answer["token"].as_str().unwrap().to_owned() }
    }

    /// A request under `/rest/v1`, checking the v1 headers.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let auth = format!("Bearer {}", self.token);
        let body = body.map(|b| b.to_string());
        let mut headers = vec![("Authorization", auth.as_str()), ("Assistant-Name", ASSISTANT)];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let reply = self.api.call(method, &format!("/rest/v1{path}"), &headers, body.as_deref().map(str::as_bytes));
        assert_v1_headers(&reply);
        reply
    }

    pub fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Reply {
        self.call("POST", path, Some(body))
    }

    /// A 200 GET's body.
    pub fn get_ok(&self, path: &str) -> Value {
        let reply = self.get(path);
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
        reply.json()
    }

    pub fn create_conversation(&self) -> String {
        let reply = self.post("/conversations", json!({}));
        assert_eq!(reply.status, 201, "{}", reply.text());
        reply.json()["conversation_id"].as_str().unwrap().to_owned()
    }

    /// Creates a response with this `input` (202) and returns its id.
    pub fn turn(&self, conversation_id: &str, input: Value) -> String {
        let reply = self.post(&format!("/conversations/{conversation_id}/responses"), json!({ "input": input }));
        assert_eq!(reply.status, 202, "{}", reply.text());
        reply.json()["response_id"].as_str().unwrap().to_owned()
    }

    /// Polls a response until it is terminal.
    pub fn wait(&self, conversation_id: &str, response_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let response = self.get_ok(&format!("/conversations/{conversation_id}/responses/{response_id}"));
            if matches!(response["status"].as_str(), Some("COMPLETED" | "FAILED")) {
                return response;
            }
            assert!(Instant::now() < deadline, "never finished: {response}");
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// A typed turn (`chat`) waited for; its final assistant message (or Null).
    pub fn ask(&self, conversation_id: &str, text: &str) -> (String, Value) {
        let id = self.turn(conversation_id, json!({ "chat": { "text": text } }));
        let response = self.wait(conversation_id, &id);
        (id, final_message(&response))
    }

    /// A button press (`callback_id`) waited for; the response.
    pub fn press(&self, conversation_id: &str, callback_id: &str) -> Value {
        let id = self.turn(conversation_id, json!({ "callback_id": callback_id }));
        self.wait(conversation_id, &id)
    }

    /// Polls the `-` events feed until `n` events exist; returns them.
    pub fn wait_events(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let events = self.get_ok("/conversations/-/events?limit=100")["events"].as_array().unwrap().clone();
            if events.len() >= n {
                return events;
            }
            assert!(Instant::now() < deadline, "only {} events: {events:?}", events.len());
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Streams a turn on a fresh connection and reads it to its end: (event name, data) pairs.
    pub fn stream(&self, conversation_id: &str, input: Value) -> Streamed {
        let body = json!({ "input": input }).to_string();
        let mut socket = TcpStream::connect(self.api.sim.addr()).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let request = format!(
            "POST /rest/v1/conversations/{conversation_id}/responses/stream HTTP/1.1\r\nHost: sim\r\n\
             Authorization: Bearer {}\r\nAssistant-Name: {ASSISTANT}\r\nAccept: text/event-stream\r\n\
             Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            self.token,
            body.len()
        );
        socket.write_all(request.as_bytes()).unwrap();
        let mut reader = BufReader::new(socket);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.contains(" 200 "), "{line}");
        let mut headers = Vec::new();
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line.trim_end().is_empty() {
                break;
            }
            let (k, v) = line.trim_end().split_once(':').unwrap();
            headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
        }
        let mut raw = Vec::new();
        let _ = reader.read_to_end(&mut raw);
        let text = dechunk(&raw);
        let events = text
            .split("\n\n")
            .filter(|block| !block.trim().is_empty())
            .map(|block| {
                let name = block.lines().find_map(|l| l.strip_prefix("event: ")).unwrap().to_owned();
                let data: String = block.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
                (name, serde_json::from_str(&data).unwrap())
            })
            .collect();
        (headers, events)
    }
}

fn dechunk(raw: &[u8]) -> String {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&rest[end + 2..end + 2 + size]);
        rest = &rest[end + 2 + size + 2..];
    }
    String::from_utf8(out).unwrap()
}

/// The `MESSAGE` output of a response (Null when it has none).
pub fn final_message(response: &Value) -> Value {
    response["outputs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["type"] == "MESSAGE")
        .map_or(Value::Null, |o| o["message"].clone())
}

/// The message's text, whatever its content type.
pub fn text_of(message: &Value) -> String {
    let content = &message["content"];
    let kind = content["type"].as_str().unwrap_or_default().to_ascii_lowercase();
    content[kind]["text"].as_str().unwrap_or_default().to_owned()
}
