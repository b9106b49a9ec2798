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
    let mut sock = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    sock.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(sock, "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n").ok()?;
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
