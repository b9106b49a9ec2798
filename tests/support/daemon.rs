//! Runs the real `factwatch` binary on a temporary folder and database: the daemon as a
//! child process (so it can be stopped with SIGTERM or killed with SIGKILL like under
//! systemd), and the other verbs as one-shot commands.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_factwatch")
}

/// A temporary workspace: an articles folder, a database path and a config file.
pub struct Workspace {
    /// Keeps the temporary directory alive.
    pub dir: tempfile::TempDir,
    /// The watched folder.
    pub articles: PathBuf,
    /// The database file.
    pub db: PathBuf,
    /// The config file.
    pub config: PathBuf,
}

impl Workspace {
    /// A fresh workspace with a config that watches `articles/` with a short debounce and
    /// posts to `webhook_url` (if any) signed with `secret`. `top` holds extra top-level
    /// settings and `tables` extra TOML tables, appended verbatim.
    pub fn new(
        webhook_url: Option<&str>,
        secret: Option<&str>,
        top: &str,
        tables: &str,
    ) -> Workspace {
        let dir = tempfile::tempdir().expect("tempdir");
        let articles = dir.path().join("articles");
        std::fs::create_dir_all(&articles).expect("mkdir articles");
        let db = dir.path().join("state").join("factwatch.db");
        let config = dir.path().join("factwatch.toml");
        let ws = Workspace { dir, articles, db, config };
        ws.write_config(webhook_url, secret, top, tables);
        ws
    }

    /// Rewrites the config file.
    pub fn write_config(
        &self,
        webhook_url: Option<&str>,
        secret: Option<&str>,
        top: &str,
        tables: &str,
    ) {
        let mut text = format!(
            "watch_dir = {:?}\ndatabase = {:?}\npacks = [\"builtin:trade\"]\n{top}\n",
            self.articles.display().to_string(),
            self.db.display().to_string()
        );
        text.push_str(
            "[ingest]\ndebounce = \"50ms\"\nsettle = \"500ms\"\nrescan_interval = \"0s\"\n",
        );
        text.push_str("[delivery]\nmax_in_flight = 4\nretry_schedule = [\"100ms\", \"200ms\", \"400ms\", \"800ms\", \"1s\", \"1s\", \"1s\", \"1s\"]\n");
        if let Some(url) = webhook_url {
            text.push_str(&format!(
                "[[webhook]]\nname = \"test\"\nurl = {url:?}\ntimeout = \"2s\"\n"
            ));
            if let Some(s) = secret {
                text.push_str(&format!("secret = {s:?}\n"));
            }
        }
        text.push_str(tables);
        text.push('\n');
        std::fs::write(&self.config, text).expect("write config");
    }

    /// Writes an article into the watched folder in one go.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.articles.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write article");
        path
    }

    /// Writes an article to a temporary name and renames it into place, as downloaders do.
    pub fn write_then_rename(&self, name: &str, text: &str) -> PathBuf {
        let tmp = self.articles.join(format!("{name}.part"));
        std::fs::write(&tmp, text).expect("write temp");
        let path = self.articles.join(name);
        std::fs::rename(&tmp, &path).expect("rename");
        path
    }

    /// Writes an article in chunks with pauses, keeping the file open, like a slow copy.
    pub fn write_in_chunks(
        &self,
        name: &str,
        text: &str,
        chunks: usize,
        pause: Duration,
    ) -> PathBuf {
        let path = self.articles.join(name);
        let mut f = std::fs::File::create(&path).expect("create");
        let bytes = text.as_bytes();
        let step = bytes.len().div_ceil(chunks.max(1));
        for chunk in bytes.chunks(step.max(1)) {
            f.write_all(chunk).expect("write chunk");
            f.flush().expect("flush");
            std::thread::sleep(pause);
        }
        drop(f);
        path
    }

    /// Runs a one-shot verb with this workspace's config.
    pub fn factwatch(&self, args: &[&str]) -> Output {
        Command::new(binary())
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .env_remove("FACTWATCH_CONFIG")
            .env_remove("FACTWATCH_WEBHOOK_URL")
            .env_remove("FACTWATCH_WEBHOOK_SECRET")
            .current_dir(self.dir.path())
            .output()
            .expect("run factwatch")
    }

    /// Starts the daemon and waits until it has caught up and is watching.
    pub fn start(&self, extra_args: &[&str]) -> Daemon {
        let mut d = self.spawn(extra_args);
        d.wait_for_log("\"watching\"", Duration::from_secs(60));
        d
    }

    /// Starts the daemon without waiting for it, logging JSON lines.
    pub fn spawn(&self, extra_args: &[&str]) -> Daemon {
        let args = [&["--log-format", "json"], extra_args].concat();
        self.spawn_command(self.run_command(&[], &args))
    }

    /// The `factwatch run` command (`RUST_LOG=info,factwatch=debug`,
    /// no inherited `FACTWATCH_*` or `NOTIFY_SOCKET`), run through `wrapper` (e.g. `setpriv
    /// ... --`) when it is not empty. Adjust it, then hand it to [`Workspace::spawn_command`].
    pub fn run_command(&self, wrapper: &[&str], extra_args: &[&str]) -> Command {
        let mut cmd = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut c = Command::new(program);
                c.args(rest).arg(binary());
                c
            }
            None => Command::new(binary()),
        };
        cmd.arg("run")
            .arg("--config")
            .arg(&self.config)
            .args(extra_args)
            .env("RUST_LOG", "info,factwatch=debug")
            .env_remove("FACTWATCH_CONFIG")
            .env_remove("FACTWATCH_WEBHOOK_URL")
            .env_remove("FACTWATCH_WEBHOOK_SECRET")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .env_remove("JOURNAL_STREAM")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        cmd
    }

    /// Spawns a prepared command as the daemon, its stderr going to a fresh log file.
    pub fn spawn_command(&self, mut cmd: Command) -> Daemon {
        let log = self.dir.path().join(format!("daemon-{}.log", unique()));
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = cmd.stderr(log_file).spawn().expect("spawn factwatch run");
        Daemon { child: Some(child), log }
    }

    /// Spawns a prepared command as systemd runs a service whose output goes to the journal:
    /// `JOURNAL_STREAM` names the device and inode of its stderr (here the log file).
    pub fn spawn_as_service(&self, mut cmd: Command) -> Daemon {
        use std::os::unix::fs::MetadataExt as _;
        let log = self.dir.path().join(format!("daemon-{}.log", unique()));
        let log_file = std::fs::File::create(&log).expect("log file");
        let meta = log_file.metadata().expect("stat the log file");
        cmd.env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()));
        let child = cmd.stderr(log_file).spawn().expect("spawn factwatch run");
        Daemon { child: Some(child), log }
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// A running daemon. Dropping it kills the process.
pub struct Daemon {
    child: Option<Child>,
    log: PathBuf,
}

impl Daemon {
    /// The daemon's log so far (JSON lines).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The path of the log file.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Waits until the log contains `needle`; panics with the log after `timeout`.
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.log().contains(needle) {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("daemon exited with {status} before logging {needle:?}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for {needle:?} in the daemon log:\n{}", self.log());
    }

    /// The log lines (JSON) whose message is `message`.
    pub fn records(&self, message: &str) -> Vec<serde_json::Value> {
        self.log()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["message"] == message)
            .collect()
    }

    /// Waits for a log line with this message whose `field` is `value` (compared as text,
    /// and as a path suffix for `path`), and returns it.
    pub fn wait_for_record(
        &mut self,
        message: &str,
        field: &str,
        value: &str,
        timeout: Duration,
    ) -> serde_json::Value {
        let start = Instant::now();
        loop {
            let found = self.records(message).into_iter().find(|r| {
                let v = match &r[field] {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                v == value || (field == "path" && v.ends_with(&format!("/{value}")))
            });
            if let Some(r) = found {
                return r;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("daemon exited with {status}:\n{}", self.log());
            }
            assert!(
                start.elapsed() < timeout,
                "no {message:?} with {field}={value:?} within {timeout:?}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many times `needle` appears in the log.
    pub fn count_in_log(&self, needle: &str) -> usize {
        self.log().matches(needle).count()
    }

    /// Sends a signal by name (TERM, HUP, KILL, STOP, CONT).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Sends SIGTERM and waits for the exit; returns the exit status and how long it took.
    pub fn stop(mut self) -> (std::process::ExitStatus, Duration) {
        self.signal("TERM");
        let start = Instant::now();
        let mut child = self.child.take().expect("running");
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return (status, start.elapsed());
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("daemon did not stop within 30 s of SIGTERM:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills the process with SIGKILL, as a crash or power cut would.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The exit status if the process has exited, without waiting.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    /// Waits up to `timeout` for the process to exit on its own; `None` if it is still running.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls `f` until it returns `Some`, or panics with `what` after `timeout`.
pub fn eventually<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
