//! `SimulatorConfig::tls`: the simulator serves HTTPS with a throwaway CA, through a
//! TLS front that relays to the plain server (see `src/tls.rs`).
#![cfg(unix)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moveworks_simulator::{Simulator, SimulatorConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use serde_json::{json, Value};

type Tls = BufReader<StreamOwned<ClientConnection, TcpStream>>;

fn start(response_ms: u64) -> Simulator {
    let config =
        SimulatorConfig { tls: true, response_duration: Duration::from_millis(response_ms), ..Default::default() };
    Simulator::start(config).expect("start a TLS simulator")
}

/// A TLS connection to `sim` trusting only `ca_pem`, to the host name `name`.
fn connect_as(sim: &Simulator, ca_pem: &str, name: &str) -> Tls {
    connect_to(sim.addr(), ca_pem, name)
}

fn connect_to(addr: SocketAddr, ca_pem: &str, name: &str) -> Tls {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let conn = ClientConnection::new(Arc::new(config), ServerName::try_from(name.to_owned()).unwrap()).unwrap();
    let socket = TcpStream::connect(addr).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    BufReader::new(StreamOwned::new(conn, socket))
}

fn connect(sim: &Simulator) -> Tls {
    connect_as(sim, &sim.ca_certificate_pem().unwrap(), "127.0.0.1")
}

fn write_request(tls: &mut Tls, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> io::Result<()> {
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: sim\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    let stream = tls.get_mut();
    stream.write_all(request.as_bytes())?;
    stream.flush()
}

fn read_head(tls: &mut Tls) -> io::Result<(u16, Vec<(String, String)>)> {
    let mut line = String::new();
    if tls.read_line(&mut line)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        tls.read_line(&mut line)?;
        if line.trim_end().is_empty() {
            return Ok((status, headers));
        }
        let (k, v) = line.trim_end().split_once(':').unwrap();
        headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
    }
}

/// One request with a `Content-Length` answer, on a keep-alive connection.
fn call(tls: &mut Tls, method: &str, target: &str, body: Option<Value>) -> io::Result<(u16, Value)> {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let headers = [("Authorization", "Bearer sandbox-token"), ("Assistant-Name", "sandbox")];
    write_request(tls, method, target, &headers, &body)?;
    let (status, headers) = read_head(tls)?;
    let length = headers.iter().find(|(k, _)| k == "content-length").unwrap().1.parse().unwrap();
    let mut body = vec![0; length];
    tls.read_exact(&mut body)?;
    Ok((status, serde_json::from_slice(&body).unwrap()))
}

fn health(sim: &Simulator) -> io::Result<(u16, Value)> {
    call(&mut connect(sim), "GET", "/_sim/health", None)
}

#[test]
fn urls_are_https_and_a_client_trusting_the_ca_is_served() {
    let sim = start(600);
    let port = sim.addr().port();
    assert_eq!(sim.origin(), format!("https://127.0.0.1:{port}"));
    assert_eq!(sim.base_url(), format!("https://127.0.0.1:{port}/rest/v1beta1"));
    assert_eq!(sim.token_url(), format!("https://127.0.0.1:{port}/oauth/v1/token"));
    assert!(sim.config().tls && sim.config().port == port);
    let ca = sim.ca_certificate_pem().unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");

    for name in ["127.0.0.1", "localhost"] {
        let mut tls = connect_as(&sim, &ca, name);
        assert_eq!(call(&mut tls, "GET", "/_sim/health", None).unwrap(), (200, json!({"status": "ok"})));
        // The connection is kept alive through the front.
        let (status, conversation) = call(&mut tls, "POST", "/rest/v1beta1/conversations", Some(json!({}))).unwrap();
        assert_eq!(status, 201, "{conversation}");
        assert_eq!(tls.get_ref().conn.alpn_protocol(), None, "the client offered no ALPN");
    }
    assert_eq!(sim.requests().len(), 2);

    let plain = Simulator::start_default().unwrap();
    assert!(plain.origin().starts_with("http://") && plain.ca_certificate_pem().is_none());
}

#[test]
fn a_client_not_trusting_the_ca_fails_the_handshake_and_others_are_still_served() {
    let sim = start(600);
    let other = start(600);
    // Each simulator makes its own CA: the other's does not vouch for this one.
    assert_ne!(sim.ca_certificate_pem(), other.ca_certificate_pem());
    let mut untrusting = connect_as(&sim, &other.ca_certificate_pem().unwrap(), "127.0.0.1");
    let e = call(&mut untrusting, "GET", "/_sim/health", None).unwrap_err();
    // Both CAs bear the same name, so the client finds the issuer and rejects its signature.
    assert!(e.to_string().contains("invalid peer certificate"), "{e}");
    // A name the certificate does not cover fails too.
    let mut wrong_name = connect_as(&sim, &sim.ca_certificate_pem().unwrap(), "example.com");
    let e = call(&mut wrong_name, "GET", "/_sim/health", None).unwrap_err();
    assert!(e.to_string().contains("not valid for name"), "{e}");
    // Plain HTTP on the TLS port gets no answer, only a closed connection.
    let mut plain = TcpStream::connect(sim.addr()).unwrap();
    plain.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    plain.write_all(b"GET /_sim/health HTTP/1.1\r\nHost: sim\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/"), "{}", String::from_utf8_lossy(&answer));

    assert_eq!(health(&sim).unwrap(), (200, json!({"status": "ok"})));
    assert!(sim.requests().is_empty(), "failed handshakes reach no HTTP handler");
}

#[test]
fn a_stream_arrives_through_tls_event_by_event() {
    let sim = start(450);
    let mut tls = connect(&sim);
    let (_, conversation) = call(&mut tls, "POST", "/rest/v1beta1/conversations", Some(json!({}))).unwrap();
    let id = conversation["conversation_id"].as_str().unwrap();
    let headers = [
        ("Authorization", "Bearer sandbox-token"),
        ("Assistant-Name", "sandbox"),
        ("Content-Type", "application/json"),
        ("Accept", "text/event-stream"),
    ];
    let body = json!({"input": {"text": "hello over TLS"}}).to_string();
    let started = Instant::now();
    write_request(&mut tls, "POST", &format!("/rest/v1beta1/conversations/{id}/responses/stream"), &headers, &body)
        .unwrap();
    let (status, head) = read_head(&mut tls).unwrap();
    assert_eq!(status, 200);
    assert!(head.contains(&("transfer-encoding".into(), "chunked".into())), "{head:?}");
    let mut events: Vec<(String, Duration)> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        tls.read_line(&mut line).unwrap();
        let size = usize::from_str_radix(line.trim_end(), 16).unwrap();
        let mut chunk = vec![0; size + 2];
        tls.read_exact(&mut chunk).unwrap();
        if size == 0 {
            break;
        }
        for l in String::from_utf8(chunk).unwrap().lines() {
            if let Some(name) = l.strip_prefix("event: ") {
                events.push((name.to_owned(), started.elapsed()));
            }
        }
    }
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names.first(), Some(&"RESPONSE_CREATED"), "{names:?}");
    assert_eq!(names.last(), Some(&"RESPONSE_COMPLETED"), "{names:?}");
    assert!(names.iter().filter(|n| **n == "RESPONSE_OUTPUT_DELTA").count() >= 2, "{names:?}");
    // Paced events are forwarded as they are written, not gathered until the end.
    let (first, last) = (events[0].1, events[events.len() - 1].1);
    assert!(first < Duration::from_millis(250), "RESPONSE_CREATED came after {first:?}");
    assert!(last >= Duration::from_millis(400), "RESPONSE_COMPLETED came after {last:?}");
    assert!(last - first >= Duration::from_millis(300), "{events:?}");
    // The connection is still usable after the stream.
    assert_eq!(call(&mut tls, "GET", "/_sim/health", None).unwrap().0, 200);
}

#[test]
fn shutdown_closes_open_connections_and_the_port() {
    let sim = start(600);
    let addr = sim.addr();
    let mut idle = connect(&sim);
    assert_eq!(call(&mut idle, "GET", "/_sim/health", None).unwrap().0, 200);
    // One connection mid-handshake (connected, silent) must not hold the shutdown up.
    let _silent = TcpStream::connect(addr).unwrap();
    let started = Instant::now();
    sim.shutdown();
    assert!(started.elapsed() < Duration::from_secs(1), "shutdown took {:?}", started.elapsed());
    assert!(call(&mut idle, "GET", "/_sim/health", None).is_err(), "an open connection outlived the simulator");
    assert!(TcpStream::connect(addr).is_err(), "the port still accepts");
}

#[test]
fn the_binary_serves_https_with_tls_and_prints_the_ca() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_moveworks-simulator"))
        .arg("--tls")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    let port = info["port"].as_u64().unwrap();
    assert_eq!(info["origin"], format!("https://127.0.0.1:{port}").as_str());
    assert_eq!(info["base_url"], format!("https://127.0.0.1:{port}/rest/v1beta1").as_str());
    let ca = info["ca_certificate_pem"].as_str().unwrap();
    let mut tls = connect_to(format!("127.0.0.1:{port}").parse().unwrap(), ca, "localhost");
    assert_eq!(call(&mut tls, "GET", "/rest/v1beta1/conversations", None).unwrap().0, 200);
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}

#[test]
fn connection_faults_reach_the_client_through_tls() {
    let sim = start(600);
    // `drop`: the head and half the body, then the connection closes.
    sim.push_fault(json!({"kind": "drop", "path_contains": "/conversations"}));
    let mut tls = connect(&sim);
    let e = call(&mut tls, "POST", "/rest/v1beta1/conversations", Some(json!({}))).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
    // `reset`: closed without a byte.
    sim.push_fault(json!({"kind": "reset"}));
    let mut tls = connect(&sim);
    assert!(call(&mut tls, "GET", "/rest/v1beta1/conversations", None).is_err());
    assert_eq!(health(&sim).unwrap().0, 200);
}
