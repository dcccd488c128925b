//! A small HTTP/1.1 server on `std::net`.
//!
//! Hand-written rather than built on `tiny_http` because the fault injector
//! needs raw control of the socket: `drop` must announce a body it never
//! finishes and then close, `reset` must close without a byte. `tiny_http`
//! hands a dropped writer's socket on to the next response instead of closing
//! it, so a client would hang instead of seeing the failure.
//!
//! Supported: keep-alive (the default in HTTP/1.1, so pooled clients work),
//! `Content-Length` and chunked request bodies, `Expect: 100-continue`.
//! Each connection is served by one thread: a pool of `threads` long-lived
//! workers, plus a short-lived thread whenever every worker is busy, because
//! an idle keep-alive connection pins its thread and a fixed pool would
//! otherwise stall once clients hold more connections than there are workers.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::codec;

/// An idle keep-alive connection is closed after this long, so clients that
/// leak connections do not pin threads forever. Long enough that a pooled
/// client never races it in a test. Also bounds a write to a client that
/// stopped reading.
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// Request line plus headers may not exceed this.
const MAX_HEAD: u64 = 64 * 1024;
/// Request bodies may not exceed this; the API takes small JSON documents.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Header added to every response so a user can quote it to support.
pub(crate) const ROOT_UUID_HEADER: &str = "x-moveworks-root-uuid";

/// One parsed HTTP request, body fully read.
#[derive(Debug)]
pub(crate) struct HttpRequest {
    /// Method as sent, e.g. `GET`.
    pub method: String,
    /// The raw request target: path plus `?query` when present.
    pub target: String,
    /// The target up to `?`, not percent-decoded.
    pub path: String,
    /// The raw query string after `?` (empty when absent).
    pub query: String,
    /// Headers in arrival order; look them up with [`HttpRequest::header`].
    pub headers: Vec<(String, String)>,
    /// The decoded body (chunked transfer coding removed).
    pub body: Vec<u8>,
    /// Which accepted connection carried it (a serial number), so tests can tell
    /// a pooled connection's reuse from a new one.
    pub connection: u64,
    http10: bool,
}

impl HttpRequest {
    /// The first header with this name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether the client wants the connection kept open after this exchange.
    fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if self.http10 {
            connection.contains("keep-alive")
        } else {
            !connection.contains("close")
        }
    }
}

/// A complete response; the server adds framing headers when writing it.
#[derive(Debug, Clone)]
pub(crate) struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a JSON body.
    pub fn json(status: u16, body: &serde_json::Value) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// Adds a header, builder style.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> HttpResponse {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Whether a header with this name is already set.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    }
}

/// What the handler wants done with the connection.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Write the response normally.
    Full(HttpResponse),
    /// Announce the whole body's length, send half of it, then close: the
    /// client sees the connection die mid-body.
    DropMidBody(HttpResponse),
    /// Close the connection without writing anything.
    Reset,
    /// Send the head with a chunked body, then let the callback write the body
    /// piece by piece (a Server-Sent Events stream).
    Stream(HttpResponse, StreamWriter),
}

/// Writes a streamed body through a [`BodyStream`]; says how the body ends.
pub(crate) struct StreamWriter(pub Box<dyn FnOnce(&mut BodyStream<'_>) -> StreamEnd + Send>);

impl std::fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StreamWriter")
    }
}

/// How a streamed body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamEnd {
    /// Finished: send the last chunk; the connection may be reused.
    Complete,
    /// Close the connection without the last chunk: the client sees the stream break.
    Drop,
}

/// The chunked body of a streamed reply, written as the events happen.
pub(crate) struct BodyStream<'a> {
    socket: &'a TcpStream,
}

impl BodyStream<'_> {
    /// Sends `bytes` as one chunk, at once.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut chunk = format!("{:x}\r\n", bytes.len()).into_bytes();
        chunk.extend_from_slice(bytes);
        chunk.extend_from_slice(b"\r\n");
        let mut socket = self.socket;
        socket.write_all(&chunk)?;
        socket.flush()
    }

    /// True once the client closed its end (or the server is stopping), so
    /// that a paced stream stops at once instead of at its next write.
    pub fn client_gone(&self) -> bool {
        if self.socket.set_nonblocking(true).is_err() {
            return true;
        }
        let mut probe = [0u8; 1];
        let gone = match self.socket.peek(&mut probe) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() != io::ErrorKind::WouldBlock,
        };
        let _ = self.socket.set_nonblocking(false);
        gone
    }

    /// Waits up to `timeout` for the client to leave (see [`BodyStream::client_gone`]);
    /// true when it did. Blocks in poll(2) on the socket rather than waking every few
    /// milliseconds to look: a paced stream then costs nothing while it waits, so
    /// thousands of open streams (bench/concurrency) do not keep a core busy.
    pub fn wait_gone(&self, timeout: Duration) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            let mut fd = libc::pollfd { fd: self.socket.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // Rounded up, so that a wait shorter than 1 ms does not return at once and spin.
            let ms = timeout.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
            // SAFETY: poll(2) on one pollfd that lives on this stack frame; the socket stays open.
            if unsafe { libc::poll(&mut fd, 1, ms) } == 0 {
                return false;
            }
            if self.client_gone() {
                return true;
            }
            // Readable but not closed: the client sent more bytes (say, its next request),
            // which poll would report again at once; wait out a short step instead.
            thread::sleep(timeout.min(Duration::from_millis(10)));
            self.client_gone()
        }
        #[cfg(not(unix))]
        {
            thread::sleep(timeout.min(Duration::from_millis(10)));
            self.client_gone()
        }
    }
}

impl std::fmt::Debug for BodyStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyStream").finish_non_exhaustive()
    }
}

/// The application callback, shared by every connection thread.
pub(crate) type Handler = dyn Fn(&HttpRequest) -> Reply + Send + Sync;

/// A running server; dropping it stops it and joins its threads.
pub(crate) struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
}

struct Shared {
    handler: Arc<Handler>,
    stopping: AtomicBool,
    /// Workers waiting for a connection; the acceptor reserves one before
    /// queueing a connection so that a queued connection never waits.
    idle: AtomicUsize,
    connections: Mutex<Registry>,
    overflow: Mutex<Vec<JoinHandle<()>>>,
}

/// Open connections, kept so that stopping can unblock their reads.
#[derive(Default)]
struct Registry {
    closed: bool,
    next_id: u64,
    streams: HashMap<u64, TcpStream>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not take the whole server down.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Server {
    /// Starts accepting on `listener` with `threads` pooled workers.
    pub fn start(listener: TcpListener, threads: usize, handler: Arc<Handler>) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        // std listens with a queue of 128 connections not yet accepted. Thousands of
        // clients connecting at once (bench/concurrency opens 5,000 streams in one burst)
        // overflow it: the kernel drops their handshakes (a second of SYN retry each) or
        // resets them, which would be charged to the client under test. Listening again
        // on a listening socket only changes its queue length (capped by somaxconn).
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: listen(2) on the descriptor `listener` owns and keeps open; no memory is passed.
            unsafe { libc::listen(listener.as_raw_fd(), 4096) };
        }
        let shared = Arc::new(Shared {
            handler,
            stopping: AtomicBool::new(false),
            idle: AtomicUsize::new(0),
            connections: Mutex::new(Registry::default()),
            overflow: Mutex::new(Vec::new()),
        });
        let (jobs, queue) = mpsc::channel::<TcpStream>();
        let queue = Arc::new(Mutex::new(queue));
        let workers = (0..threads)
            .map(|i| {
                let shared = Arc::clone(&shared);
                let queue = Arc::clone(&queue);
                thread::Builder::new().name(format!("moveworks-sim-worker-{i}")).spawn(move || worker(&shared, &queue))
            })
            .collect::<io::Result<Vec<_>>>()?;
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("moveworks-sim-accept".into())
                .spawn(move || accept_loop(&listener, &shared, &jobs))?
        };
        Ok(Server { addr, shared, acceptor: Some(acceptor), workers })
    }

    /// The bound address (with the real port when 0 was requested).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every open connection and joins all threads.
    fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // `accept` has no timeout: a throwaway connection wakes it up.
        let wake_ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let woke =
            TcpStream::connect_timeout(&SocketAddr::new(wake_ip, self.addr.port()), Duration::from_secs(2)).is_ok();
        if woke {
            let _ = acceptor.join();
        }
        {
            let mut registry = lock(&self.shared.connections);
            registry.closed = true;
            for stream in registry.streams.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        // The acceptor owned the job sender; with it gone, idle workers wake up and exit.
        if woke {
            for worker in self.workers.drain(..) {
                let _ = worker.join();
            }
        }
        let overflow = std::mem::take(&mut *lock(&self.shared.overflow));
        for handle in overflow {
            let _ = handle.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, jobs: &Sender<TcpStream>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                // Typically EMFILE: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let reserved = shared.idle.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if reserved {
            if jobs.send(stream).is_err() {
                return;
            }
            continue;
        }
        let worker_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("moveworks-sim-overflow".into())
            .spawn(move || serve_connection(stream, &worker_shared));
        if let Ok(handle) = spawned {
            let mut overflow = lock(&shared.overflow);
            overflow.retain(|h| !h.is_finished());
            overflow.push(handle);
        }
    }
}

fn worker(shared: &Shared, queue: &Mutex<Receiver<TcpStream>>) {
    loop {
        shared.idle.fetch_add(1, Ordering::SeqCst);
        let job = lock(queue).recv();
        match job {
            Ok(stream) => serve_connection(stream, shared),
            Err(_) => return,
        }
    }
}

/// Why reading a request stopped.
enum ReadError {
    /// The peer closed or the socket failed: nothing to answer.
    Closed,
    /// Unparseable request: answer with this status and message, then close.
    Bad(u16, &'static str),
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Closed
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    let id = {
        let mut registry = lock(&shared.connections);
        let Ok(clone) = stream.try_clone() else {
            return;
        };
        if registry.closed {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        registry.next_id += 1;
        let id = registry.next_id;
        registry.streams.insert(id, clone);
        id
    };
    // Responses go out in one write; Nagle plus delayed ACKs would add 40 ms stalls.
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IDLE_TIMEOUT));
    if let Ok(read_half) = stream.try_clone() {
        serve_requests(&mut BufReader::new(read_half), &stream, shared, id);
    }
    let _ = stream.shutdown(Shutdown::Both);
    lock(&shared.connections).streams.remove(&id);
}

fn serve_requests(reader: &mut BufReader<TcpStream>, writer: &TcpStream, shared: &Shared, connection: u64) {
    loop {
        let request = match read_request(reader, writer) {
            Ok(Some(request)) => HttpRequest { connection, ..request },
            Ok(None) | Err(ReadError::Closed) => return,
            Err(ReadError::Bad(status, message)) => {
                let body = crate::json::error_body(error_code_for_status(status), message);
                let _ = write_response(writer, HttpResponse::json(status, &body), false, false);
                return;
            }
        };
        let keep_alive = request.keep_alive();
        let head_only = request.method.eq_ignore_ascii_case("HEAD");
        let reply = panic::catch_unwind(AssertUnwindSafe(|| (shared.handler)(&request))).unwrap_or_else(|_| {
            let body = crate::json::error_body("INTERNAL_ERROR", "the simulator panicked");
            Reply::Full(HttpResponse::json(500, &body))
        });
        match reply {
            Reply::Full(response) => {
                if write_response(writer, response, keep_alive, head_only).is_err() || !keep_alive {
                    return;
                }
            }
            Reply::DropMidBody(response) => {
                let _ = write_partial(writer, response);
                return;
            }
            Reply::Reset => return,
            Reply::Stream(response, write) => {
                let mut bytes = head_framed(&response, "Transfer-Encoding: chunked\r\n", keep_alive);
                if head_only {
                    bytes = head(&response, 0, keep_alive);
                }
                if (&mut &*writer).write_all(&bytes).is_err() || head_only {
                    return;
                }
                let end = (write.0)(&mut BodyStream { socket: writer });
                if end == StreamEnd::Drop || (&mut &*writer).write_all(b"0\r\n\r\n").is_err() || !keep_alive {
                    return;
                }
            }
        }
    }
}

/// Reads one line (terminated by LF), refusing to exceed `budget` bytes in total.
fn read_line(reader: &mut BufReader<TcpStream>, budget: &mut u64) -> Result<Option<String>, ReadError> {
    let mut line = Vec::new();
    let n = reader.by_ref().take(*budget).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    *budget -= n as u64;
    if line.last() != Some(&b'\n') {
        return if *budget == 0 { Err(ReadError::Bad(431, "request head too large")) } else { Err(ReadError::Closed) };
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    String::from_utf8(line).map(Some).map_err(|_| ReadError::Bad(400, "request head is not valid UTF-8"))
}

fn read_request(reader: &mut BufReader<TcpStream>, mut writer: &TcpStream) -> Result<Option<HttpRequest>, ReadError> {
    let mut budget = MAX_HEAD;
    // RFC 9112 asks servers to ignore empty lines before the request line.
    let request_line = loop {
        match read_line(reader, &mut budget)? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400, "malformed request line"));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Bad(505, "only HTTP/1.0 and HTTP/1.1 are supported")),
    };
    let mut headers = Vec::new();
    loop {
        let Some(line) = read_line(reader, &mut budget)? else {
            return Err(ReadError::Closed);
        };
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Bad(400, "malformed header line"));
        };
        if name.is_empty() || name.ends_with(char::is_whitespace) || name.starts_with(char::is_whitespace) {
            return Err(ReadError::Bad(400, "malformed header name"));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (target.to_owned(), String::new()),
    };
    let mut request = HttpRequest {
        method: method.to_owned(),
        target: target.to_owned(),
        path,
        query,
        headers,
        body: Vec::new(),
        connection: 0,
        http10,
    };
    let chunked = match request.header("transfer-encoding") {
        None => false,
        Some(te) if te.to_ascii_lowercase().trim_end().ends_with("chunked") => true,
        Some(_) => return Err(ReadError::Bad(400, "unsupported transfer-encoding")),
    };
    let length = match (chunked, request.header("content-length")) {
        (false, Some(len)) => match len.parse::<usize>() {
            Ok(len) if len > MAX_BODY => return Err(ReadError::Bad(413, "request body too large")),
            Ok(len) => len,
            Err(_) => return Err(ReadError::Bad(400, "invalid content-length")),
        },
        _ => 0,
    };
    let expects_continue = request.header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if expects_continue && (chunked || length > 0) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    if chunked {
        request.body = read_chunked(reader)?;
    } else if length > 0 {
        request.body = vec![0; length];
        reader.read_exact(&mut request.body)?;
    }
    Ok(Some(request))
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    let mut budget = MAX_HEAD;
    loop {
        let line = read_line(reader, &mut budget)?.ok_or(ReadError::Closed)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::Bad(400, "malformed chunk size"))?;
        if size == 0 {
            // Trailer fields, if any, end with an empty line.
            while !read_line(reader, &mut budget)?.ok_or(ReadError::Closed)?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Bad(413, "request body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Bad(400, "malformed chunk"));
        }
        budget = MAX_HEAD;
    }
}

/// Status line plus headers, announcing `content_length` bytes of body.
fn head(response: &HttpResponse, content_length: usize, keep_alive: bool) -> Vec<u8> {
    head_framed(response, &format!("Content-Length: {content_length}\r\n"), keep_alive)
}

/// Status line plus headers, with `framing` (a Content-Length or Transfer-Encoding line).
fn head_framed(response: &HttpResponse, framing: &str, keep_alive: bool) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (name, value) in &response.headers {
        // Framing is ours to decide; a fault's raw headers must not break it.
        if ["content-length", "connection", "transfer-encoding"].iter().any(|h| name.eq_ignore_ascii_case(h)) {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !response.has_header("content-type") {
        head.push_str("Content-Type: application/json\r\n");
    }
    // Every answer carries a trace id: the beta's header unless the app set rest/v1's.
    if !response.has_header(ROOT_UUID_HEADER) && !response.has_header(crate::api::TRACE_ID_HEADER) {
        head.push_str(&format!("{ROOT_UUID_HEADER}: {}\r\n", codec::uuid_v4()));
    }
    head.push_str(&format!("Date: {}\r\n", codec::http_date(chrono::Utc::now())));
    head.push_str(framing);
    head.push_str(if keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
    head.into_bytes()
}

fn write_response(mut writer: &TcpStream, response: HttpResponse, keep_alive: bool, head_only: bool) -> io::Result<()> {
    let mut bytes = head(&response, response.body.len(), keep_alive);
    if !head_only {
        bytes.extend_from_slice(&response.body);
    }
    writer.write_all(&bytes)?;
    writer.flush()
}

fn write_partial(mut writer: &TcpStream, response: HttpResponse) -> io::Result<()> {
    let mut bytes = head(&response, response.body.len(), false);
    bytes.extend_from_slice(&response.body[..response.body.len() / 2]);
    writer.write_all(&bytes)?;
    writer.flush()
}

/// The error `code` the API uses for an HTTP status.
pub(crate) fn error_code_for_status(status: u16) -> &'static str {
    match status {
        400 | 413 | 422 | 431 => "INVALID_INPUT",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        408 => "REQUEST_TIMEOUT",
        409 => "CONFLICT",
        429 => "RATE_LIMIT_EXCEEDED",
        500.. => "INTERNAL_ERROR",
        _ => "INVALID_INPUT",
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}
