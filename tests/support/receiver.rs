//! A webhook receiver on 127.0.0.1 for tests: records every request (arrival time, path,
//! headers, body) and answers from a script such as `[500, 500, 500, 200]`, a status with a
//! `Retry-After` header, or a reply that never comes.
//!
//! [`Receiver`] is a real axum server, so the client under test goes through real sockets.
//! [`RawReceiver`] writes raw bytes for the misbehaviours axum will not produce: a body that
//! never ends, and a flood that never stops. Both stop when dropped.
#![allow(dead_code, reason = "each test uses the parts it needs")]

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, Uri};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::Sha256;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
    /// The response body.
    pub body: Vec<u8>,
    /// How long to wait before answering (the request is recorded on arrival).
    pub delay: Duration,
}

impl Reply {
    /// A reply with this status and an empty body.
    pub fn status(status: u16) -> Reply {
        Reply { status, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO }
    }

    /// A reply that never comes (within any test's lifetime).
    pub fn hang() -> Reply {
        Reply::status(200).after(Duration::from_secs(3600))
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = body.into();
        self
    }

    /// Answers only after `delay`.
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

impl From<u16> for Reply {
    fn from(status: u16) -> Reply {
        Reply::status(status)
    }
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Request {
    /// When it arrived (before any scripted delay).
    pub at: Instant,
    /// The request path.
    pub path: String,
    /// Headers, names lowercase.
    pub headers: BTreeMap<String, String>,
    /// The body, exactly as received.
    pub body: Vec<u8>,
}

impl Request {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The `webhook-id` header.
    pub fn id(&self) -> &str {
        self.header("webhook-id").unwrap_or("")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

struct Shared {
    script: Mutex<VecDeque<Reply>>,
    /// The reply used once the script is used up: its last entry, or 200.
    last: Mutex<Reply>,
    requests: Mutex<Vec<Request>>,
    arrived: Notify,
    active: AtomicUsize,
    peak: AtomicUsize,
}

/// A scripted HTTP receiver.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: CancellationToken,
}

impl Receiver {
    /// Starts on a free port of 127.0.0.1. Replies are used in order; the last one repeats.
    pub async fn start<R: Into<Reply>>(script: impl IntoIterator<Item = R>) -> Receiver {
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        Receiver::start_on(addr, script).await
    }

    /// Starts on a given address (to bring a receiver back up on the port it had).
    pub async fn start_on<R: Into<Reply>>(
        addr: SocketAddr,
        script: impl IntoIterator<Item = R>,
    ) -> Receiver {
        let script: VecDeque<Reply> = script.into_iter().map(Into::into).collect();
        let last = script.back().cloned().unwrap_or_else(|| Reply::status(200));
        let shared = Arc::new(Shared {
            script: Mutex::new(script),
            last: Mutex::new(last),
            requests: Mutex::new(Vec::new()),
            arrived: Notify::new(),
            active: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        });
        let listener = TcpListener::bind(addr).await.expect("bind the test receiver");
        let addr = listener.local_addr().expect("local addr");
        let app = Router::new().fallback(handle).with_state(Arc::clone(&shared));
        let stop = CancellationToken::new();
        let shutdown = stop.clone();
        tokio::spawn(async move {
            // Not graceful: a hanging reply must not keep the server alive.
            tokio::select! {
                _ = axum::serve(listener, app) => {}
                () = shutdown.cancelled() => {}
            }
        });
        Receiver { addr, shared, stop }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL of a path on this receiver.
    pub fn url(&self, path: &str) -> url::Url {
        format!("http://{}{path}", self.addr).parse().expect("url")
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().expect("lock").clone()
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.shared.requests.lock().expect("lock").len()
    }

    /// The most requests that were being answered at the same time.
    pub fn peak_concurrency(&self) -> usize {
        self.shared.peak.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` requests arrived, failing the test after `within`.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Request> {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.shared.arrived.notified();
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} requests within {within:?}, got {}", self.count());
            }
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let _ = method;
    let request = Request {
        at: Instant::now(),
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
            .collect(),
        body: body.to_vec(),
    };
    let reply = {
        let mut script = shared.script.lock().expect("lock");
        script.pop_front().unwrap_or_else(|| shared.last.lock().expect("lock").clone())
    };
    shared.requests.lock().expect("lock").push(request);
    shared.arrived.notify_waiters();
    let now = shared.active.fetch_add(1, Ordering::SeqCst) + 1;
    shared.peak.fetch_max(now, Ordering::SeqCst);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    shared.active.fetch_sub(1, Ordering::SeqCst);
    let mut resp = Response::builder().status(reply.status);
    for (k, v) in &reply.headers {
        resp = resp.header(k, v);
    }
    resp.body(Body::from(reply.body)).expect("response")
}

/// What a [`RawReceiver`] does after writing its response head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawMode {
    /// Keep the connection open and send nothing more: a body that never ends.
    Stall,
    /// Send chunk after chunk until the client goes away: a body that never ends, fast.
    Flood,
}

/// A receiver that answers every request with the same raw bytes, then stalls or floods.
pub struct RawReceiver {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    written: Arc<AtomicU64>,
    stop: CancellationToken,
}

impl RawReceiver {
    /// Starts on a free port; `head` is written verbatim after each request's headers arrive.
    pub async fn start(head: &str, mode: RawMode) -> RawReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(AtomicUsize::new(0));
        let written = Arc::new(AtomicU64::new(0));
        let stop = CancellationToken::new();
        let head = head.as_bytes().to_vec();
        let (req, wr, st) = (Arc::clone(&requests), Arc::clone(&written), stop.clone());
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    () = st.cancelled() => return,
                };
                let Ok((mut sock, _)) = accepted else { continue };
                let (req, wr, st, head) =
                    (Arc::clone(&req), Arc::clone(&wr), st.clone(), head.clone());
                tokio::spawn(async move {
                    let serve = async {
                        // Read the request head; the body is small and can stay unread.
                        let mut buf = Vec::new();
                        let mut chunk = [0u8; 4096];
                        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                            match sock.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        req.fetch_add(1, Ordering::SeqCst);
                        if sock.write_all(&head).await.is_err() {
                            return;
                        }
                        match mode {
                            RawMode::Stall => std::future::pending::<()>().await,
                            RawMode::Flood => {
                                let data = format!("2000\r\n{}\r\n", "x".repeat(0x2000));
                                while sock.write_all(data.as_bytes()).await.is_ok() {
                                    wr.fetch_add(data.len() as u64, Ordering::SeqCst);
                                }
                            }
                        }
                    };
                    tokio::select! {
                        () = serve => {}
                        () = st.cancelled() => {}
                    }
                });
            }
        });
        RawReceiver { addr, requests, written, stop }
    }

    /// The URL of a path on this receiver.
    pub fn url(&self, path: &str) -> url::Url {
        format!("http://{}{path}", self.addr).parse().expect("url")
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// How many body bytes a flood got into the socket before the client went away.
    pub fn flooded_bytes(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }
}

impl Drop for RawReceiver {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Posts raw bytes to `addr` and returns the status: a client independent of the code
/// under test, for poking at the inbox.
pub async fn post(addr: SocketAddr, headers: &[(&str, String)], body: &[u8]) -> u16 {
    let mut sock = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    sock.write_all(req.as_bytes()).await.expect("write");
    sock.write_all(body).await.expect("write");
    let mut resp = Vec::new();
    sock.read_to_end(&mut resp).await.expect("read");
    let text = String::from_utf8_lossy(&resp);
    text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line")
}

/// Checks a request's Standard Webhooks signature with HMAC computed right here.
pub fn assert_signed(req: &Request, secret: &str) {
    let id = req.header("webhook-id").expect("webhook-id");
    let ts = req.header("webhook-timestamp").expect("webhook-timestamp");
    let sig = req.header("webhook-signature").expect("webhook-signature");
    let key = STANDARD.decode(secret.strip_prefix("whsec_").expect("prefix")).expect("b64");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&req.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert!(sig.split(' ').any(|s| s == expected), "signature {sig} != {expected}");
    let ts: i64 = ts.parse().expect("timestamp is seconds");
    assert!((Timestamp::now().as_second() - ts).abs() < 120, "timestamp {ts} is not now");
}
