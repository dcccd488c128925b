//! A tiny hand-written HTTP/1.1 client, so tests see exactly what goes over
//! the wire (including cut-off bodies and closed connections).

#![allow(dead_code)] // Each test binary uses a different subset.

pub mod v1;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

pub use moveworks_simulator::{Simulator, SimulatorConfig};
use serde_json::Value;

pub const TOKEN: &str = "sandbox-token";
pub const ASSISTANT: &str = "sandbox";

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// `error.code` of an error body, checking the whole error shape on the way.
    pub fn error_code(&self) -> String {
        let body = self.json();
        let error = body["error"].as_object().unwrap_or_else(|| panic!("not an error body: {body}"));
        assert!(error["message"].is_string(), "error without message: {body}");
        assert_eq!(error.len(), 2, "unexpected error fields: {body}");
        error["code"].as_str().unwrap().to_owned()
    }

    /// Asserts the headers every answer must carry.
    pub fn assert_api_headers(&self) {
        assert_eq!(self.header("content-type"), Some("application/json"), "{self:?}");
        let uuid = self.header("x-moveworks-root-uuid").expect("x-moveworks-root-uuid header");
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "not a UUID: {uuid}");
        assert_eq!(&uuid[14..15], "4", "not a v4 UUID: {uuid}");
    }
}

/// One HTTP/1.1 connection, reused across requests (keep-alive).
pub struct Conn {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect to the simulator");
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn { reader: BufReader::new(stream.try_clone().unwrap()), stream }
    }

    /// Writes raw bytes (for hand-crafted requests).
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> io::Result<Reply> {
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: sim\r\nUser-Agent: sim-tests/1.0\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = body.unwrap_or_default();
        if !body.is_empty() || method != "GET" {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        self.stream.write_all(&bytes)?;
        self.read_reply()
    }

    /// Reads one response; a body shorter than its Content-Length is an error.
    pub fn read_reply(&mut self) -> io::Result<Reply> {
        let (status, headers) = self.read_head()?;
        let length: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .expect("every answer has a Content-Length");
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Reply { status, headers, body })
    }

    /// Reads the status line and headers; `UnexpectedEof` if the server closed first.
    pub fn read_head(&mut self) -> io::Result<(u16, Vec<(String, String)>)> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed before the status line"));
        }
        let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status line");
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            let (name, value) = trimmed.split_once(':').expect("header line");
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        Ok((status, headers))
    }

    /// Everything until the server closes the connection.
    pub fn read_to_end(&mut self) -> Vec<u8> {
        let mut rest = Vec::new();
        let _ = self.reader.read_to_end(&mut rest);
        rest
    }
}

/// A simulator plus a keep-alive connection that sends the default credentials.
pub struct Api {
    pub sim: Simulator,
    conn: Mutex<Option<Conn>>,
}

impl Api {
    pub fn new() -> Api {
        Api::with_config(SimulatorConfig::default())
    }

    pub fn with_duration(ms: u64) -> Api {
        Api::with_config(SimulatorConfig { response_duration: Duration::from_millis(ms), ..SimulatorConfig::default() })
    }

    pub fn with_config(config: SimulatorConfig) -> Api {
        Api { sim: Simulator::start(config).expect("start simulator"), conn: Mutex::new(None) }
    }

    /// Any request, on the shared connection (reopened when the server closed it).
    pub fn try_call(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> io::Result<Reply> {
        let mut guard = self.conn.lock().unwrap();
        let conn = guard.get_or_insert_with(|| Conn::open(self.sim.addr()));
        let result = conn.send(method, target, headers, body);
        let keep = matches!(&result, Ok(reply) if reply.header("connection") != Some("close"));
        if !keep {
            *guard = None;
        }
        result
    }

    pub fn call(&self, method: &str, target: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
        self.try_call(method, target, headers, body).unwrap_or_else(|e| panic!("{method} {target}: {e}"))
    }

    /// An authorized API request; `path` is relative to `/rest/v1beta1`.
    pub fn api(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let auth = format!("Bearer {TOKEN}");
        let body = body.map(|b| b.to_string());
        let mut headers = vec![("Authorization", auth.as_str()), ("Assistant-Name", ASSISTANT)];
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let reply = self.call(method, &format!("/rest/v1beta1{path}"), &headers, body.as_deref().map(str::as_bytes));
        reply.assert_api_headers();
        reply
    }

    pub fn get(&self, path: &str) -> Reply {
        self.api("GET", path, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Reply {
        self.api("POST", path, Some(body))
    }

    pub fn patch(&self, path: &str, body: Value) -> Reply {
        self.api("PATCH", path, Some(body))
    }

    /// A control route (`/_sim/...`).
    pub fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        self.call(method, path, &[("Content-Type", "application/json")], body.as_deref().map(str::as_bytes))
    }

    pub fn create_conversation(&self, title: Option<&str>) -> Value {
        let body = match title {
            Some(title) => serde_json::json!({ "title": title }),
            None => serde_json::json!({}),
        };
        let reply = self.post("/conversations", body);
        assert_eq!(reply.status, 201, "{}", reply.text());
        reply.json()
    }

    pub fn ask(&self, conversation_id: &str, text: &str) -> Value {
        let reply = self.post(
            &format!("/conversations/{conversation_id}/responses"),
            serde_json::json!({ "input": { "text": text } }),
        );
        assert_eq!(reply.status, 202, "{}", reply.text());
        reply.json()
    }

    /// Polls a response until its status is terminal, recording every status seen.
    pub fn wait_terminal(&self, conversation_id: &str, response_id: &str) -> (Value, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        loop {
            let reply = self.get(&format!("/conversations/{conversation_id}/responses/{response_id}"));
            assert_eq!(reply.status, 200, "{}", reply.text());
            let response = reply.json();
            let status = response["status"].as_str().unwrap().to_owned();
            if seen.last() != Some(&status) {
                seen.push(status.clone());
            }
            if status == "COMPLETED" || status == "FAILED" {
                return (response, seen);
            }
            assert!(Instant::now() < deadline, "response never finished: {seen:?}");
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Fetches all pages of a list endpoint; `path` must already contain `?`.
    pub fn collect_pages(&self, path: &str, key: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut cursor: Option<String> = None;
        loop {
            let target = match &cursor {
                Some(c) => format!("{path}&cursor={c}"),
                None => path.to_owned(),
            };
            let reply = self.get(&target);
            assert_eq!(reply.status, 200, "{}", reply.text());
            let body = reply.json();
            pages += 1;
            items.extend(body[key].as_array().unwrap().iter().cloned());
            match body["metadata"]["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => {
                    assert!(body["metadata"]["next_cursor"].is_null());
                    return (items, pages);
                }
            }
        }
    }
}
