//! Running the daemon the way a service manager does: a command with a wrapper (to drop
//! capabilities) or extra environment (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `JOURNAL_STREAM`),
//! a notify socket that records what it tells systemd, its CPU time from `/proc`, free
//! loopback ports, plain HTTP GETs against its health endpoint, and the database opened
//! read-only for checks.
//!
//! Everything here is independent of the code under test: the HTTP client is a raw socket,
//! the notify socket a plain Unix datagram socket, SQLite a separate connection.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::daemon::{Daemon, Workspace};

impl Workspace {
    /// The database, opened read-only by a connection of the test's own.
    pub fn open_db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the database read-only")
    }

    /// How many live (not deleted) article rows the database holds.
    pub fn live_articles(&self) -> usize {
        let n: i64 = self
            .open_db()
            .query_row("SELECT count(*) FROM articles WHERE deleted_at IS NULL", [], |r| r.get(0))
            .expect("count articles");
        usize::try_from(n).expect("count")
    }

    /// `factwatch facts --json`, one parsed fact per line.
    pub fn facts(&self) -> Vec<serde_json::Value> {
        let out = self.factwatch(&["facts", "--json"]);
        assert!(out.status.success(), "facts failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("facts --json prints JSON lines"))
            .collect()
    }
}

impl Daemon {
    /// The CPU time (user + system) the process used so far, from `/proc/PID/stat`.
    pub fn cpu_time(&self) -> Duration {
        cpu_time(self.pid())
    }

    /// How many threads the process has right now, from `/proc/PID/status` (0 once it is gone).
    pub fn threads(&self) -> usize {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Threads:"))
                    .and_then(|n| n.trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// Paths of the files the process has open under `dir` right now, from `/proc/PID/fd`.
    pub fn open_files_under(&self, dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(format!("/proc/{}/fd", self.pid())) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|p| p.starts_with(dir))
            .collect()
    }
}

/// The CPU time (user + system) a process used so far, from `/proc/PID/stat`.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    let after = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) are utime and stime; `after` starts at field 3.
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    Duration::from_millis(ticks * 1000 / clock_ticks())
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// A loopback port that was free a moment ago (bound to port 0, then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// A plain HTTP/1.1 response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl HttpResponse {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// GETs `path` from `addr` over a raw socket; `None` when nothing listens there (yet).
pub fn http_get(addr: SocketAddr, path: &str) -> Option<HttpResponse> {
    http_get_accepting(addr, path, "*/*")
}

/// GETs `path` with an `Accept` header, as a scraper negotiating the format does.
pub fn http_get_accepting(addr: SocketAddr, path: &str, accept: &str) -> Option<HttpResponse> {
    let mut sock = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    sock.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(
        sock,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\naccept: {accept}\r\nconnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    sock.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect::<Vec<_>>();
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_string() };
    Some(HttpResponse { status, headers, body })
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A Unix datagram socket standing in for systemd's `NOTIFY_SOCKET`: a thread records every
/// message the daemon sends (`READY=1`, `STATUS=...`, `WATCHDOG=1`, ...) as it arrives.
pub struct NotifySocket {
    /// The socket's path, for `NOTIFY_SOCKET`.
    pub path: PathBuf,
    got: Arc<Mutex<Vec<(Instant, String)>>>,
    stop: Arc<AtomicBool>,
}

impl NotifySocket {
    /// Binds a socket in `dir` and starts recording.
    pub fn bind(dir: &Path) -> NotifySocket {
        let path = dir.join("notify.sock");
        let sock = UnixDatagram::bind(&path).expect("bind the notify socket");
        sock.set_read_timeout(Some(Duration::from_millis(20))).expect("timeout");
        let got = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (g, st) = (Arc::clone(&got), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while !st.load(Ordering::Relaxed) {
                if let Ok(n) = sock.recv(&mut buf) {
                    let message = String::from_utf8_lossy(&buf[..n]).into_owned();
                    g.lock().expect("lock").push((Instant::now(), message));
                }
            }
        });
        NotifySocket { path, got, stop }
    }

    /// Every message so far with its arrival time, in arrival order.
    pub fn messages(&self) -> Vec<(Instant, String)> {
        self.got.lock().expect("lock").clone()
    }

    /// Waits until a message contains `needle` and returns it; panics after `timeout`.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let got = self.messages();
            if let Some((_, m)) = got.iter().find(|(_, m)| m.contains(needle)) {
                return m.clone();
            }
            assert!(
                start.elapsed() < timeout,
                "no notify message with {needle:?} within {timeout:?}; got {:?}",
                got.iter().map(|(_, m)| m).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for NotifySocket {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The real user id of the test process, from `/proc/self/status`.
pub fn uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("a Uid line")
}

/// A wrapper under which permission checks apply to the daemon: none when the tests do not
/// run as root, else `setpriv` dropping the two capabilities that let root read anything
/// (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH). `None` when neither is possible (the caller
/// prints why it skips).
pub fn without_read_override() -> Option<Vec<&'static str>> {
    if uid() != 0 {
        return Some(Vec::new());
    }
    let wrapper = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"];
    let probe = Command::new(wrapper[0])
        .args(&wrapper[1..])
        .arg("true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    probe.is_ok_and(|s| s.success()).then(|| wrapper.to_vec())
}

/// A small multi-threaded runtime for the receivers a test runs beside the daemon.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Metrics as the Prometheus project's own parser (python `prometheus_client`, which
/// `.ci/run` installs) reads them: family types and samples keyed `name{labels}` with label
/// names sorted. Fails the test when the parser is missing or refuses the text.
pub struct ParsedMetrics {
    /// Family name to type (`counter`, `gauge`, `histogram`).
    pub families: std::collections::BTreeMap<String, String>,
    /// Sample to value.
    pub samples: std::collections::BTreeMap<String, f64>,
}

/// Parses `text` as Prometheus text 0.0.4 or, with `openmetrics`, as OpenMetrics 1.0.
pub fn parse_metrics(text: &str, openmetrics: bool) -> ParsedMetrics {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/prometheus.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(if openmetrics { "openmetrics" } else { "prometheus" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write metrics");
    let out = child.wait_with_output().expect("the parser finishes");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("No module named 'prometheus_client'"),
        "the Prometheus parser is missing: `pip install prometheus_client` (.ci/run does)"
    );
    assert!(out.status.success(), "prometheus_client refused the metrics: {err}\n{text}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("parser output");
    let families = v["families"]
        .as_object()
        .expect("families")
        .iter()
        .map(|(k, t)| (k.clone(), t.as_str().unwrap_or("").to_string()))
        .collect();
    let samples = v["samples"]
        .as_object()
        .expect("samples")
        .iter()
        .map(|(k, n)| (k.clone(), n.as_f64().expect("a number")))
        .collect();
    ParsedMetrics { families, samples }
}

/// A stand-in for journald's native socket: a Unix datagram socket in a folder of its own
/// that a thread reads, parsing each datagram in the journal's native protocol (`NAME=value`
/// lines, or `NAME`, a little-endian u64 length and binary data). The daemon reaches it at
/// `/run/systemd/journal/socket` through [`journal_namespace`].
pub struct JournalSocket {
    /// The folder holding `socket`, bind-mounted over `/run/systemd/journal`.
    pub dir: PathBuf,
    got: Arc<Mutex<Vec<std::collections::BTreeMap<String, String>>>>,
    stop: Arc<AtomicBool>,
}

impl JournalSocket {
    /// Binds `dir/journal/socket` and starts recording entries.
    pub fn bind(dir: &Path) -> JournalSocket {
        let dir = dir.join("journal");
        std::fs::create_dir_all(&dir).expect("mkdir journal");
        let sock = UnixDatagram::bind(dir.join("socket")).expect("bind the journal socket");
        sock.set_read_timeout(Some(Duration::from_millis(20))).expect("timeout");
        let got = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (g, st) = (Arc::clone(&got), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 256 * 1024];
            while !st.load(Ordering::Relaxed) {
                if let Ok(n) = sock.recv(&mut buf)
                    && n > 0
                {
                    let entry = parse_native(&buf[..n]).expect("a well-formed journal entry");
                    g.lock().expect("lock").push(entry);
                }
            }
        });
        JournalSocket { dir, got, stop }
    }

    /// Every entry so far.
    pub fn entries(&self) -> Vec<std::collections::BTreeMap<String, String>> {
        self.got.lock().expect("lock").clone()
    }

    /// Waits for an entry whose MESSAGE is `message` (and, if given, whose `field` ends with
    /// `value`) and returns it.
    pub fn wait_for(
        &self,
        message: &str,
        field: Option<(&str, &str)>,
        timeout: Duration,
    ) -> std::collections::BTreeMap<String, String> {
        let start = Instant::now();
        loop {
            let found = self.entries().into_iter().find(|e| {
                e.get("MESSAGE").is_some_and(|m| m == message)
                    && field.is_none_or(|(f, v)| e.get(f).is_some_and(|x| x.ends_with(v)))
            });
            if let Some(e) = found {
                return e;
            }
            assert!(
                start.elapsed() < timeout,
                "no journal entry {message:?} {field:?} within {timeout:?}; got {:#?}",
                self.entries()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for JournalSocket {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Parses one datagram of the journal's native protocol.
fn parse_native(mut data: &[u8]) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut entry = std::collections::BTreeMap::new();
    while !data.is_empty() {
        let nl = data.iter().position(|&b| b == b'\n').ok_or("a field without a newline")?;
        let line = &data[..nl];
        if let Some(eq) = line.iter().position(|&b| b == b'=') {
            let name = String::from_utf8_lossy(&line[..eq]).into_owned();
            entry.insert(name, String::from_utf8_lossy(&line[eq + 1..]).into_owned());
            data = &data[nl + 1..];
        } else {
            let name = String::from_utf8_lossy(line).into_owned();
            let rest = &data[nl + 1..];
            let len_bytes: [u8; 8] =
                rest.get(..8).ok_or("a short length")?.try_into().map_err(|_| "length")?;
            let len = usize::try_from(u64::from_le_bytes(len_bytes)).map_err(|_| "length")?;
            let value = rest.get(8..8 + len).ok_or("a short value")?;
            if rest.get(8 + len) != Some(&b'\n') {
                return Err(format!("field {name} does not end with a newline"));
            }
            entry.insert(name, String::from_utf8_lossy(value).into_owned());
            data = &rest[8 + len + 1..];
        }
        if entry.keys().any(|k| {
            k.is_empty()
                || k.chars().any(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        }) {
            return Err(format!(
                "a field name journald refuses: {:?}",
                entry.keys().collect::<Vec<_>>()
            ));
        }
    }
    Ok(entry)
}

/// A wrapper (for `Workspace::run_command`) that runs the daemon in a private mount
/// namespace (`unshare`, through a user namespace, so it works as root and as a user) where
/// `/run` is empty and, when `FW_TEST_JOURNAL_DIR` names a [`JournalSocket`]'s folder, that
/// folder is `/run/systemd/journal`. So the daemon finds the test's journal socket, or none
/// at all, whatever the machine runs.
pub const JOURNAL_NAMESPACE: [&str; 8] = [
    "unshare",
    "--user",
    "--map-root-user",
    "--mount",
    "sh",
    "-c",
    "mount -t tmpfs none /run && mkdir -p /run/systemd/journal && { [ -z \"$FW_TEST_JOURNAL_DIR\" ] || mount --bind \"$FW_TEST_JOURNAL_DIR\" /run/systemd/journal; } && exec \"$@\"",
    "sh",
];
