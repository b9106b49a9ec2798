//! Whole-daemon benchmarks: the real release binary (`factwatch run`) as a child process on a
//! temporary folder, database and config, observed from outside through its JSON log,
//! `/proc/PID/status` (VmRSS, VmHWM) and `/proc/PID/stat` (utime + stime).
//!
//! ```text
//! cargo build --release --bin factwatch --example bench_daemon
//! target/release/examples/bench_daemon e2e [--debounce 50ms] [--articles 1000] [--write plain|rename]
//! target/release/examples/bench_daemon backfill [--sizes 10000,100000] [--idle 60]
//! ```
//!
//! - `e2e`: a local HTTP receiver in this process (axum on 127.0.0.1) records when each
//!   webhook request arrives. Articles are written into the watched folder one at a time,
//!   each stating a figure the database does not hold yet (so each causes exactly one alert),
//!   and the next is written only once the alert for the previous one arrived. Latency is
//!   from just before the write to the request's arrival; "beyond debounce" subtracts the
//!   configured debounce, which the daemon waits on purpose after the file is closed.
//! - `backfill`: generates the largest size once with the corpus generator of the extraction
//!   benchmark (`benches/corpus`, seeded), hard-links its first N files for the smaller sizes,
//!   and times a first start (bootstrap catch-up) on each: wall time from spawn to the
//!   "watching" log line, articles/s, peak RSS and CPU time. On the largest folder it then
//!   keeps the daemon idle for `--idle` seconds and reports its CPU use and RSS, and finally
//!   restarts it on the same database to time a catch-up with nothing new.
//!
//! Results go to standard output as Markdown table rows (`| benchmark | measure | result |
//! target |`), progress to standard error. `--bin PATH` names the factwatch binary (default:
//! `../factwatch` next to this example's directory, i.e. `target/release/factwatch`).

#[path = "../benches/corpus/mod.rs"]
#[allow(dead_code, reason = "only the per-article generator is used here")]
mod corpus;

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::io::{Read as _, Seek as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The seed of the backfill corpus (the extraction benchmark's default seed).
const SEED: u64 = 0x5EED;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("e2e") => Options::parse(&args[1..]).and_then(|o| e2e(&o)),
        Some("backfill") => Options::parse(&args[1..]).and_then(|o| backfill(&o)),
        _ => Err(anyhow::anyhow!(
            "usage: bench_daemon e2e|backfill [--bin PATH] [--debounce D] [--articles N] \
             [--write plain|rename] [--sizes N,N] [--idle SECONDS]"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_daemon: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Command-line options, each with its default.
struct Options {
    bin: PathBuf,
    debounce_ms: u64,
    articles: usize,
    warmup: usize,
    rename: bool,
    sizes: Vec<usize>,
    idle_secs: u64,
}

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Options> {
        let default_bin = std::env::current_exe()?
            .parent()
            .and_then(Path::parent)
            .map(|d| d.join("factwatch"))
            .context("cannot locate the factwatch binary; pass --bin")?;
        let mut o = Options {
            bin: default_bin,
            debounce_ms: 50,
            articles: 1000,
            warmup: 20,
            rename: false,
            sizes: vec![10_000, 100_000],
            idle_secs: 60,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next().with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--bin" => o.bin = PathBuf::from(value),
                "--debounce" => {
                    o.debounce_ms = value
                        .trim_end_matches("ms")
                        .parse()
                        .context("--debounce takes milliseconds, e.g. 50ms")?;
                }
                "--articles" => o.articles = value.parse()?,
                "--warmup" => o.warmup = value.parse()?,
                "--write" => o.rename = value == "rename",
                "--sizes" => {
                    o.sizes = value
                        .split(',')
                        .map(|s| s.trim().parse())
                        .collect::<Result<_, _>>()
                        .context("--sizes takes numbers, e.g. 10000,100000")?;
                }
                "--idle" => o.idle_secs = value.parse()?,
                other => bail!("unknown option {other}"),
            }
        }
        ensure!(o.bin.is_file(), "no factwatch binary at {}; pass --bin", o.bin.display());
        Ok(o)
    }
}

/// One row of the results table.
fn row(bench: &str, measure: &str, result: &str, target: &str) {
    println!("| {bench} | {measure} | {result} | {target} |");
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

// ---------------------------------------------------------------------------------------
// The daemon as a child process

/// A temporary workspace with a config file.
struct Workspace {
    dir: PathBuf,
    articles: PathBuf,
    db: PathBuf,
    config: PathBuf,
}

impl Workspace {
    fn new(dir: &Path, articles: &Path, tables: &str) -> anyhow::Result<Workspace> {
        std::fs::create_dir_all(dir)?;
        std::fs::create_dir_all(articles)?;
        let db = dir.join("state").join("factwatch.db");
        let config = dir.join("factwatch.toml");
        let text = format!(
            "watch_dir = {:?}\ndatabase = {:?}\npacks = [\"builtin:trade\"]\n{tables}\n",
            articles.display().to_string(),
            db.display().to_string(),
        );
        std::fs::write(&config, text)?;
        Ok(Workspace { dir: dir.to_path_buf(), articles: articles.to_path_buf(), db, config })
    }
}

/// A running `factwatch run`, killed on drop.
struct Daemon {
    child: Option<Child>,
    log: LogTail,
    spawned: Instant,
}

impl Daemon {
    fn start(bin: &Path, ws: &Workspace, name: &str) -> anyhow::Result<Daemon> {
        let log_path = ws.dir.join(format!("{name}.log"));
        let log_file = std::fs::File::create(&log_path)?;
        let spawned = Instant::now();
        let child = Command::new(bin)
            .arg("run")
            .arg("--config")
            .arg(&ws.config)
            .args(["--log-format", "json"])
            .env_remove("RUST_LOG")
            .env_remove("FACTWATCH_CONFIG")
            .env_remove("FACTWATCH_WEBHOOK_URL")
            .env_remove("FACTWATCH_WEBHOOK_SECRET")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("JOURNAL_STREAM")
            .current_dir(&ws.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        Ok(Daemon { child: Some(child), log: LogTail::new(log_path), spawned })
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Waits for a log line whose message is `message` and returns it, failing if the
    /// daemon exits or `timeout` passes.
    fn wait_for(&mut self, message: &str, timeout: Duration) -> anyhow::Result<serde_json::Value> {
        let start = Instant::now();
        loop {
            if let Some(v) = self.log.find(message)? {
                return Ok(v);
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                bail!("the daemon exited with {status}; log: {}", self.log.path.display());
            }
            ensure!(
                start.elapsed() < timeout,
                "no {message:?} log line within {timeout:?}; log: {}",
                self.log.path.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn usage(&self) -> anyhow::Result<Usage> {
        Usage::of(self.pid())
    }

    /// SIGTERM, then wait for the exit.
    fn stop(mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else { return Ok(()) };
        let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status()?;
        ensure!(status.success(), "kill -TERM failed");
        let start = Instant::now();
        while child.try_wait()?.is_none() {
            if start.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                bail!("the daemon did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Reads a growing JSON-lines log incrementally, so polling it costs what was appended
/// and not the whole file (a backfill logs a line per article). The per-article lines are
/// skipped; every other line is kept, so no message is missed between two waits.
struct LogTail {
    path: PathBuf,
    offset: u64,
    partial: String,
    lines: Vec<serde_json::Value>,
}

impl LogTail {
    fn new(path: PathBuf) -> LogTail {
        LogTail { path, offset: 0, partial: String::new(), lines: Vec::new() }
    }

    fn poll(&mut self) -> anyhow::Result<()> {
        let mut f = std::fs::File::open(&self.path)?;
        f.seek(std::io::SeekFrom::Start(self.offset))?;
        let mut buf = String::new();
        let n = f.read_to_string(&mut buf)?;
        self.offset += n as u64;
        self.partial.push_str(&buf);
        let Some(end) = self.partial.rfind('\n') else { return Ok(()) };
        let complete: String = self.partial.drain(..=end).collect();
        for line in complete.lines() {
            if line.contains("\"message\":\"article recorded")
                || line.contains("\"message\":\"alert queued")
            {
                continue;
            }
            if line.contains("\"level\":\"ERROR\"") {
                eprintln!("daemon error: {line}");
            }
            if let Ok(v) = serde_json::from_str(line) {
                self.lines.push(v);
            }
        }
        Ok(())
    }

    /// The first line so far whose message starts with `message`.
    fn find(&mut self, message: &str) -> anyhow::Result<Option<serde_json::Value>> {
        self.poll()?;
        Ok(self
            .lines
            .iter()
            .find(|v| v["message"].as_str().is_some_and(|m| m.starts_with(message)))
            .cloned())
    }
}

/// Memory and CPU of a process, from /proc.
#[derive(Debug, Clone, Copy)]
struct Usage {
    rss_kib: u64,
    hwm_kib: u64,
    cpu_ticks: u64,
}

impl Usage {
    fn of(pid: u32) -> anyhow::Result<Usage> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Fields after the command name (which may hold spaces) start at field 3 (state);
        // utime and stime are fields 14 and 15.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        Ok(Usage {
            rss_kib: field("VmRSS:"),
            hwm_kib: field("VmHWM:"),
            cpu_ticks: tick(11) + tick(12),
        })
    }
}

/// Clock ticks per second for /proc/PID/stat (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

// ---------------------------------------------------------------------------------------
// End-to-end latency

/// Countries the trade pack knows, as articles name them: name and demonym.
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("The United States", "American", "WASHINGTON"),
    ("Pakistan", "Pakistani", "ISLAMABAD"),
    ("China", "Chinese", "BEIJING"),
    ("India", "Indian", "NEW DELHI"),
    ("Canada", "Canadian", "OTTAWA"),
    ("Mexico", "Mexican", "MEXICO CITY"),
    ("Vietnam", "Vietnamese", "HANOI"),
    ("Japan", "Japanese", "TOKYO"),
    ("Brazil", "Brazilian", "BRASILIA"),
    ("The European Union", "European Union", "BRUSSELS"),
    ("Bangladesh", "Bangladeshi", "DHAKA"),
    ("Indonesia", "Indonesian", "JAKARTA"),
];

/// Sentences without figures the trade pack reads, to give the article a realistic length.
const FILLER: &[&str] = &[
    "The talks are expected to continue next week, a spokesperson said.",
    "Business groups on both sides urged the governments to reach a lasting agreement.",
    "Exporters said they were waiting for details before changing their plans.",
    "Officials declined to say when the next round of negotiations would take place.",
    "Analysts said the decision reflected growing pressure from domestic industry.",
    "The ministry said it would publish the full schedule on its website.",
    "Shipping companies reported no immediate disruption at the main ports.",
    "Opposition lawmakers criticised the move and called for a debate in parliament.",
];

/// Article `i` of the latency run: one tariff figure between a pair of countries, dated one
/// day after the previous article, so every article moves (or creates) exactly one fact.
fn latency_article(i: usize) -> (String, String) {
    let n = COUNTRIES.len();
    let pairs = n * (n - 1);
    let p = i % pairs;
    let (a, b) = (p / (n - 1), p % (n - 1));
    let b = if b >= a { b + 1 } else { b };
    let (an, _, ac) = COUNTRIES[a];
    let (_, bd, _) = COUNTRIES[b];
    // The same pair comes back every `pairs` articles with a rate 7 points on (mod 90).
    let rate = 10 + ((i / pairs) * 7 + p) % 90;
    let date = jiff::civil::date(2015, 1, 1)
        .checked_add(jiff::Span::new().days(i as i64))
        .unwrap_or(jiff::civil::Date::MAX);
    let mut text = format!(
        "{an} sets new tariff on {bd} goods\n\nUpdated {}\n\n{ac}: {an} imposed a {rate}% tariff on {bd} goods, officials said.",
        date.strftime("%d %B %Y"),
    );
    let mut k = i;
    while text.len() < 4_000 {
        text.push(if k.is_multiple_of(4) { '\n' } else { ' ' });
        text.push_str(FILLER[k % FILLER.len()]);
        k += 3;
    }
    text.push('\n');
    (format!("e2e-{i:05}.txt"), text)
}

/// One webhook request as the receiver saw it.
struct Arrival {
    at: Instant,
    body: axum::body::Bytes,
}

/// Starts the receiver on 127.0.0.1 in `runtime`; returns its address and the arrivals.
fn receiver(
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<(std::net::SocketAddr, mpsc::Receiver<Arrival>)> {
    let (tx, rx) = mpsc::channel();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        // The instant is taken once the whole body is in: the request has arrived.
        let at = Instant::now();
        let tx = tx.clone();
        async move {
            let _ = tx.send(Arrival { at, body });
            "ok"
        }
    });
    runtime.spawn(async move { axum::serve(listener, app).await });
    Ok((addr, rx))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn e2e(o: &Options) -> anyhow::Result<()> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let (addr, arrivals) = receiver(&runtime)?;
    let tmp = tempfile::tempdir()?;
    let tables = format!(
        "[ingest]\ndebounce = \"{}ms\"\nrescan_interval = \"0s\"\n\
         [[webhook]]\nname = \"bench\"\nurl = \"http://{addr}/hook\"\nsecret = \"{SECRET}\"\n",
        o.debounce_ms
    );
    let ws = Workspace::new(tmp.path(), &tmp.path().join("articles"), &tables)?;
    let mut daemon = Daemon::start(&o.bin, &ws, "e2e")?;
    daemon.wait_for("watching", Duration::from_secs(60))?;
    let before = daemon.usage()?;
    let mode = if o.rename { "write-then-rename" } else { "plain write" };
    eprintln!(
        "e2e: {} articles ({} warm-up), debounce {} ms, {mode}",
        o.articles, o.warmup, o.debounce_ms
    );

    let mut latencies = Vec::with_capacity(o.articles);
    let started = Instant::now();
    for i in 0..o.warmup + o.articles {
        let (name, text) = latency_article(i);
        let path = ws.articles.join(&name);
        let t0 = Instant::now();
        if o.rename {
            let tmp_path = ws.articles.join(format!("{name}.part"));
            std::fs::write(&tmp_path, &text)?;
            std::fs::rename(&tmp_path, &path)?;
        } else {
            std::fs::write(&path, &text)?;
        }
        let got = arrivals
            .recv_timeout(Duration::from_secs(10))
            .with_context(|| format!("no alert within 10 s for {name}"))?;
        let event: serde_json::Value = serde_json::from_slice(&got.body)?;
        let source = event["data"]["current"]["source"].as_str().unwrap_or("");
        ensure!(source.ends_with(&name), "the alert for {name} came from {source:?}: {event}");
        if i >= o.warmup {
            latencies.push(got.at.duration_since(t0).as_secs_f64() * 1e3);
        }
    }
    let total = started.elapsed();
    // Anything more would be an extra alert: each article must cause exactly one.
    std::thread::sleep(Duration::from_millis(o.debounce_ms + 300));
    let extra = arrivals.try_iter().count();
    ensure!(extra == 0, "{extra} unexpected extra alerts");
    let after = daemon.usage()?;
    daemon.stop()?;

    latencies.sort_by(f64::total_cmp);
    let debounce = o.debounce_ms as f64;
    let at = |p: f64| percentile(&latencies, p);
    let bench = format!(
        "e2e latency, debounce {} ms ({} articles, {mode})",
        o.debounce_ms,
        common::thousands(o.articles)
    );
    row(
        &bench,
        "file written -> webhook request: p50 / p95 / p99 / max",
        &format!("{:.1} / {:.1} / {:.1} / {:.1} ms", at(50.0), at(95.0), at(99.0), at(100.0)),
        "",
    );
    let p99_beyond = at(99.0) - debounce;
    row(
        &bench,
        "beyond the debounce: p50 / p95 / p99",
        &format!("{:.1} / {:.1} / {:.1} ms", at(50.0) - debounce, at(95.0) - debounce, p99_beyond),
        &format!("p99 < 100 ms: {}", if p99_beyond < 100.0 { "met" } else { "MISSED" }),
    );
    let ticks = clock_ticks();
    let cpu = (after.cpu_ticks - before.cpu_ticks) as f64 / ticks;
    row(
        &bench,
        "daemon CPU / RSS / peak RSS over the run",
        &format!(
            "{:.1}% of one core ({:.2} s in {:.1} s) / {} / {}",
            100.0 * cpu / total.as_secs_f64(),
            cpu,
            total.as_secs_f64(),
            mib(after.rss_kib),
            mib(after.hwm_kib)
        ),
        "",
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Backfill and idle

/// Writes `n` generated articles into `dir`, the same pages the extraction benchmark reads.
fn generate(dir: &Path, n: usize) -> anyhow::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let mut rng = corpus::SplitMix64::new(SEED);
    let mut bytes = 0u64;
    for i in 0..n {
        let size = 2000 + rng.below(6000);
        let text = corpus::article(&mut rng, size);
        std::fs::write(dir.join(format!("article-{i:06}.txt")), &text)?;
        bytes += text.len() as u64;
    }
    Ok(bytes)
}

/// A folder with the first `n` articles of `full`, as hard links (no copy, same bytes).
fn link_first(full: &Path, dir: &Path, n: usize) -> anyhow::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let mut bytes = 0;
    for i in 0..n {
        let name = format!("article-{i:06}.txt");
        std::fs::hard_link(full.join(&name), dir.join(&name))?;
        bytes += std::fs::metadata(dir.join(&name))?.len();
    }
    Ok(bytes)
}

/// The config of the backfill runs: the defaults, with one webhook (so the delivery worker
/// runs as in production; a bootstrap posts no alerts) and the health endpoint off.
fn backfill_tables() -> String {
    format!(
        "[[webhook]]\nname = \"bench\"\nurl = \"http://127.0.0.1:9/hook\"\nsecret = \"{SECRET}\"\n"
    )
}

struct Catchup {
    wall: Duration,
    usage: Usage,
    articles: u64,
}

/// Starts the daemon and waits until it has caught up and is watching.
fn catch_up(bin: &Path, ws: &Workspace, name: &str) -> anyhow::Result<(Daemon, Catchup)> {
    let mut daemon = Daemon::start(bin, ws, name)?;
    let mut peak = 0;
    loop {
        // Sample memory while it runs too: VmHWM covers it, but a dead process has none.
        if let Ok(u) = daemon.usage() {
            peak = peak.max(u.hwm_kib);
        }
        if daemon.log.find("watching")?.is_some() {
            break;
        }
        if let Some(status) = daemon.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
            bail!("the daemon exited with {status}; log: {}", daemon.log.path.display());
        }
        ensure!(daemon.spawned.elapsed() < Duration::from_secs(900), "no catch-up in 15 min");
        std::thread::sleep(Duration::from_millis(50));
    }
    let summary = daemon.log.find("bootstrap done")?;
    let wall = daemon.spawned.elapsed();
    let mut usage = daemon.usage()?;
    usage.hwm_kib = usage.hwm_kib.max(peak);
    let articles = summary.as_ref().and_then(|v| v["articles"].as_u64()).unwrap_or(0);
    Ok((daemon, Catchup { wall, usage, articles }))
}

fn backfill(o: &Options) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let mut sizes = o.sizes.clone();
    sizes.sort_unstable();
    let largest = *sizes.last().context("--sizes is empty")?;
    let full = tmp.path().join(format!("articles-{largest}"));
    let started = Instant::now();
    let full_bytes = generate(&full, largest)?;
    eprintln!(
        "backfill: generated {largest} articles ({:.0} MB) in {:.1}s",
        full_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let ticks = clock_ticks();
    let mut peaks = BTreeMap::new();
    for &n in &sizes {
        let (folder, bytes) = if n == largest {
            (full.clone(), full_bytes)
        } else {
            let dir = tmp.path().join(format!("articles-{n}"));
            let bytes = link_first(&full, &dir, n)?;
            (dir, bytes)
        };
        let ws = Workspace::new(&tmp.path().join(format!("run-{n}")), &folder, &backfill_tables())?;
        eprintln!("backfill: {n} articles ...");
        let (daemon, c) = catch_up(&o.bin, &ws, "backfill")?;
        ensure!(
            c.articles as usize == n,
            "the bootstrap recorded {} articles of {n}; log: {}",
            c.articles,
            daemon.log.path.display()
        );
        let bench =
            format!("backfill {} articles ({:.0} MB)", common::thousands(n), bytes as f64 / 1e6);
        let secs = c.wall.as_secs_f64();
        row(
            &bench,
            "wall time (start to watching) / articles/s / MB/s",
            &format!("{secs:.1} s / {:.0} / {:.1}", n as f64 / secs, bytes as f64 / 1e6 / secs),
            "",
        );
        row(
            &bench,
            "peak RSS / CPU time (user+sys)",
            &format!("{} / {:.1} s", mib(c.usage.hwm_kib), c.usage.cpu_ticks as f64 / ticks),
            "",
        );
        peaks.insert(n, c.usage.hwm_kib);
        if n == largest {
            idle(o, daemon, &bench, ticks)?;
            restart(o, &ws, n, ticks)?;
        } else {
            daemon.stop()?;
        }
        let db_size = std::fs::metadata(&ws.db).map_or(0, |m| m.len());
        eprintln!("backfill: database for {n} articles is {:.0} MB", db_size as f64 / 1e6);
    }
    if let (Some((&small, &a)), Some((&big, &b))) =
        (peaks.first_key_value(), peaks.last_key_value())
        && small != big
    {
        let ratio = b as f64 / a.max(1) as f64;
        row(
            "backfill memory",
            &format!("peak RSS {} / {}", common::thousands(big), common::thousands(small)),
            &format!("{ratio:.2}x ({} vs {})", mib(b), mib(a)),
            &format!("nearly the same (< 1.25x): {}", if ratio < 1.25 { "met" } else { "MISSED" }),
        );
    }
    Ok(())
}

/// Leaves the caught-up daemon alone for `idle_secs` and reports its CPU use and RSS.
fn idle(o: &Options, daemon: Daemon, bench: &str, ticks: f64) -> anyhow::Result<()> {
    eprintln!("idle: watching for {} s with nothing happening ...", o.idle_secs);
    // Let the end of the catch-up (bootstrap summary, first status) settle first.
    std::thread::sleep(Duration::from_secs(2));
    let before = daemon.usage()?;
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(o.idle_secs));
    let after = daemon.usage()?;
    let secs = t0.elapsed().as_secs_f64();
    let cpu = (after.cpu_ticks - before.cpu_ticks) as f64 / ticks;
    let pct = 100.0 * cpu / secs;
    row(
        &format!("idle, watching the folder of the {bench}"),
        &format!("CPU over {secs:.0} s / RSS at start and end"),
        &format!("{pct:.2}% ({cpu:.2} s) / {} -> {}", mib(before.rss_kib), mib(after.rss_kib)),
        &format!("~0% CPU: {}", if pct < 0.5 { "met" } else { "MISSED" }),
    );
    daemon.stop()
}

/// Restarts on the same database and folder: a catch-up that finds nothing new.
fn restart(o: &Options, ws: &Workspace, n: usize, ticks: f64) -> anyhow::Result<()> {
    let (daemon, c) = catch_up(&o.bin, ws, "restart")?;
    row(
        &format!("restart over {} unchanged articles", common::thousands(n)),
        "catch-up wall time / peak RSS / CPU time",
        &format!(
            "{:.1} s / {} / {:.1} s",
            c.wall.as_secs_f64(),
            mib(c.usage.hwm_kib),
            c.usage.cpu_ticks as f64 / ticks
        ),
        "",
    );
    daemon.stop()
}
