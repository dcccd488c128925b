//! HTTPS for the simulator (`SimulatorConfig::tls`): a throwaway CA and a server
//! certificate made at start, and a TLS front on the public port that relays each
//! connection's plaintext to the plain HTTP server on an internal loopback port.
//!
//! The plain server stays exactly as it is (its fault injection works on raw
//! sockets); the front only terminates TLS. One thread per connection waits with
//! `poll(2)` on the client socket, the internal socket and a wake pipe, so streamed
//! bytes are forwarded as soon as they are written and stopping wakes every thread
//! at once. When either side closes, the other is closed too (the client first gets
//! whatever the server wrote, then a `close_notify`).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};

/// A client that has not finished its handshake by then is dropped, so a socket
/// that connects and says nothing does not pin a thread.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Plaintext read from one side per step; also bounds what waits for the other side.
const CHUNK: usize = 16 * 1024;

/// The common name of the generated CA.
pub(crate) const CA_NAME: &str = "Moveworks SDK sandbox CA (throwaway)";

/// A generated CA and the server certificate it signed.
pub(crate) struct Identity {
    /// The CA certificate, PEM: what a client must trust.
    pub ca_pem: String,
    /// A client certificate the CA signed and its key (PKCS#8), PEM: what a client
    /// presents when the simulator requires mutual TLS.
    pub client_pem: String,
    pub client_key_pem: String,
    ca_der: CertificateDer<'static>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

/// Makes a fresh CA (valid from a day ago for 30 days) and a server certificate
/// it signs for `127.0.0.1`, `localhost` and `::1`.
pub(crate) fn generate() -> io::Result<Identity> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
    let failed = |e: rcgen::Error| io::Error::other(format!("cannot generate the TLS certificates: {e}"));
    let today = chrono::Utc::now().date_naive();
    let ymd = |d: chrono::NaiveDate| {
        use chrono::Datelike;
        rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
    };
    let (not_before, not_after) = (ymd(today - chrono::Days::new(1)), ymd(today + chrono::Days::new(30)));

    let ca_key = KeyPair::generate().map_err(failed)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    ca.distinguished_name.push(DnType::CommonName, CA_NAME);
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    (ca.not_before, ca.not_after) = (not_before, not_after);
    let ca_cert = ca.self_signed(&ca_key).map_err(failed)?;

    let key = KeyPair::generate().map_err(failed)?;
    let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned(), "::1".to_owned()];
    let mut server = CertificateParams::new(names).map_err(failed)?;
    server.distinguished_name.push(DnType::CommonName, "Moveworks SDK sandbox");
    server.is_ca = IsCa::NoCa; // No BasicConstraints at all: an explicit `ca: false` is a DER default that strict parsers (Python cryptography, so mitmproxy) reject.
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    (server.not_before, server.not_after) = (not_before, not_after);
    let server_cert = server.signed_by(&key, &ca_cert, &ca_key).map_err(failed)?;

    let client_key = KeyPair::generate().map_err(failed)?;
    let mut client = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    client.distinguished_name.push(DnType::CommonName, "Moveworks SDK sandbox client");
    client.is_ca = IsCa::NoCa;
    client.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    (client.not_before, client.not_after) = (not_before, not_after);
    let client_cert = client.signed_by(&client_key, &ca_cert, &ca_key).map_err(failed)?;

    Ok(Identity {
        ca_pem: ca_cert.pem(),
        client_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
        ca_der: ca_cert.der().clone(),
        server_chain: vec![server_cert.der().clone(), ca_cert.der().clone()],
        server_key: key.serialize_der(),
    })
}

fn server_config(identity: &Identity, client_auth: bool) -> io::Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.server_key.clone()));
    let failed = |e: rustls::Error| io::Error::other(format!("cannot configure TLS: {e}"));
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(failed)?;
    let builder = if client_auth {
        // Mutual TLS: only clients presenting a certificate this CA signed.
        let mut roots = rustls::RootCertStore::empty();
        roots.add(identity.ca_der.clone()).map_err(failed)?;
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| io::Error::other(format!("cannot configure TLS client auth: {e}")))?;
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let mut config = builder.with_single_cert(identity.server_chain.clone(), key).map_err(failed)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The TLS front: accepts on the public listener, relays to `backend`. Dropping it
/// stops accepting, closes every relayed connection and joins its threads.
pub(crate) struct Front {
    /// Written once to stop: every thread polls the read end.
    wake_write: OwnedFd,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    wake_read: OwnedFd,
    config: Arc<ServerConfig>,
    backend: SocketAddr,
    relays: Mutex<Vec<JoinHandle<()>>>,
}

impl Front {
    /// Starts relaying TLS connections from `listener` to the plain server at `backend`.
    pub fn start(
        listener: TcpListener,
        backend: SocketAddr,
        identity: &Identity,
        client_auth: bool,
    ) -> io::Result<Front> {
        let config = server_config(identity, client_auth)?;
        let mut fds = [0 as RawFd; 2];
        // SAFETY: pipe writes two new descriptors into the array it is given.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: both descriptors were just created and are owned by nobody else.
        let (wake_read, wake_write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let shared = Arc::new(Shared { wake_read, config, backend, relays: Mutex::new(Vec::new()) });
        listener.set_nonblocking(true)?;
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("moveworks-sim-tls-accept".into())
                .spawn(move || accept_loop(&listener, &shared))?
        };
        Ok(Front { wake_write, shared, acceptor: Some(acceptor) })
    }

    fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        // The pipe is never read: once written, every poll on it returns at once.
        // SAFETY: writes one byte from a valid buffer to a descriptor we own.
        let _ = unsafe { libc::write(self.wake_write.as_raw_fd(), [1u8].as_ptr().cast(), 1) };
        let _ = acceptor.join();
        let relays = std::mem::take(&mut *lock(&self.shared.relays));
        for relay in relays {
            let _ = relay.join();
        }
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `poll(2)` on `fds`, retrying on EINTR; `None` timeout waits indefinitely. Returns
/// false on timeout.
fn wait(fds: &mut [libc::pollfd], timeout: Option<Duration>) -> io::Result<bool> {
    let ms = timeout.map_or(-1, |t| t.as_millis().clamp(1, i32::MAX as u128) as libc::c_int);
    loop {
        // SAFETY: `fds` is a valid, exclusively borrowed array of pollfd of the given length.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        if n >= 0 {
            return Ok(n > 0);
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

fn pollfd(fd: RawFd, events: libc::c_short) -> libc::pollfd {
    // A negative fd is ignored by poll: a side with nothing to wait for must not
    // report POLLHUP over and over.
    libc::pollfd { fd: if events == 0 { -1 } else { fd }, events, revents: 0 }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    loop {
        let mut fds = [pollfd(listener.as_raw_fd(), libc::POLLIN), pollfd(shared.wake_read.as_raw_fd(), libc::POLLIN)];
        if wait(&mut fds, None).is_err() || fds[1].revents != 0 {
            return;
        }
        loop {
            match listener.accept() {
                Ok((client, _)) => {
                    let relay_shared = Arc::clone(shared);
                    let spawned = thread::Builder::new()
                        .name("moveworks-sim-tls".into())
                        .spawn(move || relay(client, &relay_shared));
                    if let Ok(handle) = spawned {
                        let mut relays = lock(&shared.relays);
                        relays.retain(|h| !h.is_finished());
                        relays.push(handle);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    // Typically EMFILE: back off instead of spinning.
                    thread::sleep(Duration::from_millis(10));
                    break;
                }
            }
        }
    }
}

fn relay(client: TcpStream, shared: &Shared) {
    let _ = run_relay(&client, shared);
    let _ = client.shutdown(Shutdown::Both);
}

/// Moves bytes until either side closes, the handshake fails or times out, or the
/// front stops. The backend connection is opened once the handshake is done, so a
/// failed handshake never reaches the HTTP server.
fn run_relay(client: &TcpStream, shared: &Shared) -> io::Result<()> {
    // Accepted sockets may inherit the listener's non-blocking flag or not: set it.
    client.set_nonblocking(true)?;
    let _ = client.set_nodelay(true);
    let mut tls = ServerConnection::new(Arc::clone(&shared.config)).map_err(io::Error::other)?;
    let handshake_deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    let mut backend: Option<TcpStream> = None;
    // Plaintext from the client not yet written to the backend, and from the backend
    // not yet taken by the TLS session. A side is read only while its buffer is
    // empty, which is all the flow control needed.
    let mut to_backend: Vec<u8> = Vec::new();
    let mut to_client: Vec<u8> = Vec::new();
    let (mut client_open, mut backend_open) = (true, true);
    let mut buf = vec![0u8; CHUNK];
    let result = loop {
        if !to_client.is_empty() {
            let n = tls.writer().write(&to_client)?;
            to_client.drain(..n);
        }
        while tls.wants_write() {
            match tls.write_tls(&mut &*client) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        if backend.is_none() && !tls.is_handshaking() {
            let stream = TcpStream::connect(shared.backend)?;
            stream.set_nonblocking(true)?;
            let _ = stream.set_nodelay(true);
            backend = Some(stream);
        }
        if let Some(stream) = &backend {
            while !to_backend.is_empty() {
                match (&*stream).write(&to_backend) {
                    Ok(n) => {
                        to_backend.drain(..n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
        }
        if (!client_open && to_backend.is_empty()) || (!backend_open && to_client.is_empty() && !tls.wants_write()) {
            break Ok(());
        }

        let read_client = client_open && to_backend.is_empty();
        let read_backend = backend.is_some() && backend_open && to_client.is_empty();
        let client_events =
            if read_client { libc::POLLIN } else { 0 } | if tls.wants_write() { libc::POLLOUT } else { 0 };
        let backend_events =
            if read_backend { libc::POLLIN } else { 0 } | if to_backend.is_empty() { 0 } else { libc::POLLOUT };
        let backend_fd = backend.as_ref().map_or(-1, AsRawFd::as_raw_fd);
        let mut fds = [
            pollfd(client.as_raw_fd(), client_events),
            pollfd(backend_fd, backend_events),
            pollfd(shared.wake_read.as_raw_fd(), libc::POLLIN),
        ];
        let timeout = tls.is_handshaking().then(|| handshake_deadline.saturating_duration_since(Instant::now()));
        if !wait(&mut fds, timeout)? {
            break Err(io::ErrorKind::TimedOut.into());
        }
        if fds[2].revents != 0 {
            break Ok(());
        }

        if read_client && fds[0].revents != 0 {
            match tls.read_tls(&mut &*client) {
                Ok(0) => client_open = false,
                Ok(_) => {
                    if let Err(e) = tls.process_new_packets() {
                        // Send the alert that says why (an untrusted certificate, say), then close.
                        while tls.wants_write() && tls.write_tls(&mut &*client).is_ok() {}
                        break Err(io::Error::other(e));
                    }
                    loop {
                        match tls.reader().read(&mut buf) {
                            Ok(0) => {
                                client_open = false;
                                break;
                            }
                            Ok(n) => to_backend.extend_from_slice(&buf[..n]),
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(_) => {
                                client_open = false;
                                break;
                            }
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => client_open = false,
            }
        }
        if read_backend && fds[1].revents != 0 {
            let stream = backend.as_ref().expect("polled only when connected");
            match (&*stream).read(&mut buf) {
                Ok(0) => {
                    backend_open = false;
                    tls.send_close_notify();
                }
                Ok(n) => to_client.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => {
                    backend_open = false;
                    tls.send_close_notify();
                }
            }
        }
    };
    if let Some(stream) = backend {
        let _ = stream.shutdown(Shutdown::Both);
    }
    result
}
