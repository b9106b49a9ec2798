//! Logging setup, the progress of long scans, and every metric the daemon exposes, in one
//! place.
//!
//! Logs go where an operator reads them: under systemd (stderr is the journal stream named by
//! `JOURNAL_STREAM`) to the journal's native socket with priorities and structured fields;
//! otherwise human lines on stderr, coloured only on a terminal, or JSON lines with a
//! `level`. The last warning or error is kept for `factwatch status`.
//!
//! Metric names are defined here and nowhere else, so `/metrics` and the docs cannot drift
//! apart. The set is small and fixed, so a few atomics and fixed-bucket histograms rendered
//! in the Prometheus text format (or OpenMetrics, when the scraper asks for it) do the job
//! without a metrics framework. Delivery series carry a `webhook` label.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::config::LogFormat;
use crate::model::EventType;

// ---------------------------------------------------------------------------------------
// Progress

/// How often a long scan logs its progress when stderr is not a terminal.
const PROGRESS_LOG_EVERY: Duration = Duration::from_secs(5);

/// The bar on screen, if any: human log lines are written around it so they do not tear it.
static ACTIVE_BAR: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Progress of a long scan: a bar on a terminal, a log line every few seconds otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    done: AtomicU64,
    last_log: Mutex<Instant>,
    what: String,
}

impl Progress {
    /// Progress of `total` steps of `what`, shown on stderr.
    pub fn new(total: u64, what: &str) -> Progress {
        Progress::with_bar(total, what, std::io::stderr().is_terminal())
    }

    /// For a command that prints its results: a bar only when they go to a file or a pipe,
    /// since lines printed to the same terminal would tear it.
    pub fn beside_stdout(total: u64, what: &str) -> Progress {
        let bar = std::io::stderr().is_terminal() && !std::io::stdout().is_terminal();
        Progress::with_bar(total, what, bar)
    }

    fn with_bar(total: u64, what: &str, bar: bool) -> Progress {
        let bar = (total >= 50 && bar).then(|| {
            let b = indicatif::ProgressBar::new(total);
            // Whole files per second: indicatif's own `per_sec` shows four decimals.
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} ({rate}, eta {eta})",
            ) {
                b.set_style(style.with_key(
                    "rate",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0}/s", s.per_sec());
                    },
                ));
            }
            b.set_message(what.to_string());
            *ACTIVE_BAR.lock().unwrap_or_else(PoisonError::into_inner) = Some(b.clone());
            b
        });
        Progress {
            bar,
            total,
            done: 0.into(),
            last_log: Mutex::new(Instant::now()),
            what: what.to_string(),
        }
    }

    /// One step done.
    pub fn inc(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(b) = &self.bar {
            b.inc(1);
            return;
        }
        if let Ok(mut last) = self.last_log.lock()
            && last.elapsed() >= PROGRESS_LOG_EVERY
        {
            *last = Instant::now();
            tracing::info!(done, total = self.total, "{}", self.what);
        }
    }

    /// Prints a line to stderr without tearing the bar.
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(b) => b.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
            *ACTIVE_BAR.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

// ---------------------------------------------------------------------------------------
// Metrics

/// How an article file ended up, for `factwatch_articles_total{outcome=...}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleOutcome {
    /// Read, extracted and recorded.
    Ingested,
    /// Same content as before, or the same content as another file: nothing to do.
    Skipped,
    /// Could not be read or parsed; logged with its path and the reason.
    Failed,
}

const OUTCOMES: [(ArticleOutcome, &str); 3] = [
    (ArticleOutcome::Ingested, "ingested"),
    (ArticleOutcome::Skipped, "skipped"),
    (ArticleOutcome::Failed, "failed"),
];

/// Upper bounds of histogram buckets, in seconds.
const BUCKETS: [f64; 14] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0, 600.0];

/// A histogram with fixed buckets, safe to update from any thread.
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// How many observations were recorded.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn samples(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, bound) in BUCKETS.iter().enumerate() {
            let n = self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {n}");
        }
        let count = self.count();
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {sum}\n{name}_count{braces} {count}");
    }
}

/// The delivery metrics of one webhook, shared with its worker.
#[derive(Debug, Default)]
pub struct WebhookMetrics {
    delivered: AtomicU64,
    failed_attempts: AtomicU64,
    dead: AtomicU64,
    last_delivery_unix: AtomicU64,
    /// From an event being queued to the receiver's 2xx.
    pub delivery_latency: Histogram,
}

impl WebhookMetrics {
    /// Counts a delivered alert, with its latency since it was queued.
    pub fn delivered(&self, latency: Duration, now_unix: u64) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
        self.delivery_latency.observe(latency);
        self.last_delivery_unix.store(now_unix, Ordering::Relaxed);
    }

    /// Counts a failed attempt that will be retried.
    pub fn failed_attempt(&self) {
        self.failed_attempts.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an alert moved to the dead-letter state.
    pub fn dead_lettered(&self) {
        self.dead.fetch_add(1, Ordering::Relaxed);
    }

    /// Alerts delivered since start.
    pub fn delivered_total(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Attempts failed (and retried) since start.
    pub fn failed_total(&self) -> u64 {
        self.failed_attempts.load(Ordering::Relaxed)
    }

    /// Alerts dead-lettered since start.
    pub fn dead_total(&self) -> u64 {
        self.dead.load(Ordering::Relaxed)
    }

    /// Unix time of the last 2xx, 0 if none yet.
    pub fn last_delivery_unix(&self) -> u64 {
        self.last_delivery_unix.load(Ordering::Relaxed)
    }
}

/// The daemon's counters, gauges and histograms. Shared through an `Arc`.
#[derive(Debug, Default)]
pub struct Metrics {
    articles: [AtomicU64; 3],
    claims: AtomicU64,
    changes: [AtomicU64; 5],
    baseline: AtomicU64,
    rescans: AtomicU64,
    webhooks: Mutex<BTreeMap<String, Arc<WebhookMetrics>>>,
    /// From the file event (or scan) that led to an article to its alerts being queued.
    pub file_to_enqueue: Histogram,
}

fn event_index(t: EventType) -> usize {
    match t {
        EventType::New => 0,
        EventType::Changed => 1,
        EventType::DeadlineChanged => 2,
        EventType::Expired => 3,
        EventType::Conflict => 4,
    }
}

/// What the store knows about one webhook's outbox rows, passed in at render time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboxGauge {
    /// The webhook name.
    pub webhook: String,
    /// Rows waiting for delivery (including failed ones).
    pub pending: u64,
    /// Pending rows that were tried at least once.
    pub failed: u64,
    /// Rows in the dead-letter state.
    pub dead: u64,
}

/// Values the store knows, passed in at render time.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// Outbox rows per webhook.
    pub outbox: Vec<OutboxGauge>,
    /// Facts held.
    pub facts: u64,
    /// Whether the catch-up scan is done and the database writable.
    pub ready: bool,
}

/// The text format a scraper asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposition {
    /// Prometheus text format 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0 text (counters named without `_total`, `# EOF` at the end).
    OpenMetrics,
}

impl Exposition {
    /// The format a scrape's `Accept` header prefers.
    pub fn from_accept(accept: Option<&str>) -> Exposition {
        match accept {
            Some(a) if a.contains("application/openmetrics-text") => Exposition::OpenMetrics,
            _ => Exposition::Prometheus,
        }
    }

    /// The response's content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Exposition::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Exposition::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// Writes metric families in one of the two text formats.
struct Writer {
    out: String,
    format: Exposition,
}

impl Writer {
    /// `# HELP` and `# TYPE` for a family. In OpenMetrics a counter family is named without
    /// its `_total` suffix, which is why no gauge may share a counter's stem.
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let family = match (self.format, kind) {
            (Exposition::OpenMetrics, "counter") => name.strip_suffix("_total").unwrap_or(name),
            _ => name,
        };
        let _ = writeln!(self.out, "# HELP {family} {help}\n# TYPE {family} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &str, value: impl std::fmt::Display) {
        if labels.is_empty() {
            let _ = writeln!(self.out, "{name} {value}");
        } else {
            let _ = writeln!(self.out, "{name}{{{labels}}} {value}");
        }
    }

    fn finish(mut self) -> String {
        if self.format == Exposition::OpenMetrics {
            self.out.push_str("# EOF\n");
        }
        self.out
    }
}

impl Metrics {
    /// Counts an article outcome.
    pub fn article(&self, outcome: ArticleOutcome) {
        if let Some(i) = OUTCOMES.iter().position(|(o, _)| *o == outcome) {
            self.articles[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The number of articles with this outcome so far.
    pub fn articles(&self, outcome: ArticleOutcome) -> u64 {
        OUTCOMES
            .iter()
            .position(|(o, _)| *o == outcome)
            .map_or(0, |i| self.articles[i].load(Ordering::Relaxed))
    }

    /// Counts extracted claims.
    pub fn claims(&self, n: usize) {
        self.claims.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Claims extracted since start.
    pub fn claims_total(&self) -> u64 {
        self.claims.load(Ordering::Relaxed)
    }

    /// Counts a change detected outside the baseline (whether or not a webhook wants it).
    pub fn change(&self, t: EventType) {
        self.changes[event_index(t)].fetch_add(1, Ordering::Relaxed);
    }

    /// Changes of this type detected since start.
    pub fn changes(&self, t: EventType) -> u64 {
        self.changes[event_index(t)].load(Ordering::Relaxed)
    }

    /// Counts facts recorded silently as the bootstrap baseline (no alert was queued).
    pub fn baseline(&self, n: usize) {
        self.baseline.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Baseline facts recorded since start.
    pub fn baseline_total(&self) -> u64 {
        self.baseline.load(Ordering::Relaxed)
    }

    /// Counts a full rescan of the watched folder.
    pub fn rescan(&self) {
        self.rescans.fetch_add(1, Ordering::Relaxed);
    }

    /// The metrics of one webhook, created at zero on first use.
    pub fn webhook(&self, name: &str) -> Arc<WebhookMetrics> {
        let mut map = self.webhooks.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(name.to_string()).or_default())
    }

    /// Every webhook that has metrics, by name.
    pub fn webhooks(&self) -> Vec<(String, Arc<WebhookMetrics>)> {
        let map = self.webhooks.lock().unwrap_or_else(PoisonError::into_inner);
        map.iter().map(|(k, v)| (k.clone(), Arc::clone(v))).collect()
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn render(&self, g: &Gauges) -> String {
        self.render_as(g, Exposition::Prometheus)
    }

    /// The metrics in the given text format.
    pub fn render_as(&self, g: &Gauges, format: Exposition) -> String {
        let mut w = Writer { out: String::with_capacity(8192), format };
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);

        w.family("factwatch_articles_total", "counter", "Article files handled, by outcome.");
        for (i, (_, name)) in OUTCOMES.iter().enumerate() {
            w.sample(
                "factwatch_articles_total",
                &format!("outcome=\"{name}\""),
                load(&self.articles[i]),
            );
        }
        w.family("factwatch_claims_extracted_total", "counter", "Claims extracted from articles.");
        w.sample("factwatch_claims_extracted_total", "", load(&self.claims));
        w.family(
            "factwatch_changes_total",
            "counter",
            "Fact changes detected outside the bootstrap baseline, by event type.",
        );
        for t in EventType::ALL {
            w.sample("factwatch_changes_total", &format!("type=\"{t}\""), self.changes(t));
        }
        w.family(
            "factwatch_baseline_facts_total",
            "counter",
            "Facts recorded silently as the bootstrap baseline (no alert queued).",
        );
        w.sample("factwatch_baseline_facts_total", "", self.baseline_total());
        w.family(
            "factwatch_rescans_total",
            "counter",
            "Full rescans of the watched folder (start, lost events, periodic).",
        );
        w.sample("factwatch_rescans_total", "", load(&self.rescans));

        // Every webhook with metrics or outbox rows, so a removed webhook's pending rows
        // still show.
        let mut names: Vec<String> = self.webhooks().into_iter().map(|(n, _)| n).collect();
        for o in &g.outbox {
            if !names.contains(&o.webhook) {
                names.push(o.webhook.clone());
            }
        }
        names.sort();
        let hooks: Vec<(String, Arc<WebhookMetrics>)> =
            names.iter().map(|n| (n.clone(), self.webhook_or_zero(n))).collect();
        let label = |n: &str| format!("webhook=\"{}\"", escape_label(n));
        let counters: [(&str, &str, WebhookCount); 3] = [
            (
                "factwatch_alerts_delivered_total",
                "Alert deliveries a webhook answered with 2xx.",
                WebhookMetrics::delivered_total,
            ),
            (
                "factwatch_alerts_failed_total",
                "Delivery attempts that failed and will be retried.",
                WebhookMetrics::failed_total,
            ),
            (
                "factwatch_alerts_dead_lettered_total",
                "Alert deliveries given up on (moved to the dead letter state).",
                WebhookMetrics::dead_total,
            ),
        ];
        for (name, help, get) in counters {
            w.family(name, "counter", help);
            for (n, m) in &hooks {
                w.sample(name, &label(n), get(m));
            }
        }
        let outbox =
            |n: &str| g.outbox.iter().find(|o| o.webhook == n).cloned().unwrap_or_default();
        w.family(
            "factwatch_alerts_pending",
            "gauge",
            "Alert deliveries waiting in the outbox (failed ones included).",
        );
        for (n, _) in &hooks {
            w.sample("factwatch_alerts_pending", &label(n), outbox(n).pending);
        }
        w.family("factwatch_alerts_dead", "gauge", "Alert deliveries in the dead letter state.");
        for (n, _) in &hooks {
            w.sample("factwatch_alerts_dead", &label(n), outbox(n).dead);
        }
        w.family(
            "factwatch_last_delivery_timestamp_seconds",
            "gauge",
            "Unix time of the last successful delivery (0 if none yet).",
        );
        for (n, m) in &hooks {
            w.sample(
                "factwatch_last_delivery_timestamp_seconds",
                &label(n),
                m.last_delivery_unix(),
            );
        }
        w.family("factwatch_facts", "gauge", "Facts held.");
        w.sample("factwatch_facts", "", g.facts);
        w.family(
            "factwatch_ready",
            "gauge",
            "1 when the catch-up scan is done and the database is writable.",
        );
        w.sample("factwatch_ready", "", u8::from(g.ready));
        w.family(
            "factwatch_delivery_latency_seconds",
            "histogram",
            "Time from an alert being queued to the webhook's 2xx.",
        );
        for (n, m) in &hooks {
            m.delivery_latency.samples(&mut w.out, "factwatch_delivery_latency_seconds", &label(n));
        }
        w.family(
            "factwatch_file_to_enqueue_seconds",
            "histogram",
            "Time from a file event to the article's alerts being queued in the outbox.",
        );
        self.file_to_enqueue.samples(&mut w.out, "factwatch_file_to_enqueue_seconds", "");
        w.finish()
    }

    fn webhook_or_zero(&self, name: &str) -> Arc<WebhookMetrics> {
        let map = self.webhooks.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(name).cloned().unwrap_or_default()
    }
}

/// Reads one of a webhook's counters.
type WebhookCount = fn(&WebhookMetrics) -> u64;

/// A label value with `\`, `"` and line breaks escaped, as both text formats require.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

// ---------------------------------------------------------------------------------------
// Logging

/// The last warning or error logged, for `factwatch status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// When it was logged.
    pub at: jiff::Timestamp,
    /// `WARN` or `ERROR`.
    pub level: String,
    /// The message.
    pub message: String,
    /// Its fields, `name=value`, in the order logged.
    pub fields: Vec<String>,
}

static LAST_PROBLEM: Mutex<Option<Problem>> = Mutex::new(None);

/// The last warning or error logged by this process, if any.
pub fn last_problem() -> Option<Problem> {
    LAST_PROBLEM.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// A layer that keeps the last warning or error.
struct KeepLastProblem;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for KeepLastProblem {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let level = *event.metadata().level();
        if level > tracing::Level::WARN {
            return;
        }
        let mut v = FieldText::default();
        event.record(&mut v);
        let problem = Problem {
            at: jiff::Timestamp::now(),
            level: level.to_string(),
            message: v.message,
            fields: v.fields,
        };
        *LAST_PROBLEM.lock().unwrap_or_else(PoisonError::into_inner) = Some(problem);
    }
}

#[derive(Default)]
struct FieldText {
    message: String,
    fields: Vec<String>,
}

impl tracing::field::Visit for FieldText {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.fields.push(format!("{}={value}", field.name()));
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.fields.push(format!("{}={value:?}", field.name()));
        }
    }
}

/// Where log lines went, as `init_logging` chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTarget {
    /// The journal's native socket.
    Journal,
    /// Human lines on stderr, with colour or without.
    Human {
        /// Whether ANSI colour codes are written (stderr is a terminal).
        colour: bool,
    },
    /// JSON lines on stderr.
    Json,
}

/// Whether stderr is the journal stream systemd named in `JOURNAL_STREAM` (`DEVICE:INODE`).
/// systemd sets the variable for a service whose stderr goes to the journal; comparing it
/// with stderr itself tells a redirected stderr (`2> file` inside a unit) from the journal.
pub fn stderr_is_journal() -> bool {
    use std::os::fd::AsFd as _;
    use std::os::unix::fs::MetadataExt as _;
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else { return false };
    let Some((dev, ino)) = stream.to_str().and_then(|s| s.split_once(':')) else { return false };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else { return false };
    let meta = std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata());
    meta.is_ok_and(|m| m.dev() == dev && m.ino() == ino)
}

/// Stderr for human log lines, written around the progress bar when one is on screen.
struct BarAwareStderr;

/// One log line being formatted; written to stderr in one piece when dropped.
struct LogLine(Vec<u8>);

impl std::io::Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        use std::io::Write as _;
        let line = std::mem::take(&mut self.0);
        let bar = ACTIVE_BAR.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let write = || {
            let _ = std::io::stderr().lock().write_all(&line);
        };
        match bar {
            Some(b) if !b.is_finished() => b.suspend(write),
            _ => write(),
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BarAwareStderr {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine(Vec::with_capacity(256))
    }
}

/// Sets up logging and returns where lines go. `Auto` writes to the journal under systemd
/// (falling back to JSON lines on stderr if its socket cannot be reached) and human lines
/// otherwise. Levels come from `RUST_LOG` (default `info`).
pub fn init_logging(format: LogFormat) -> LogTarget {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,notify=warn"));
    let journal = match format {
        LogFormat::Auto if stderr_is_journal() => Some(tracing_journald::layer()),
        _ => None,
    };
    let (journal, fallback) = match journal {
        Some(Ok(layer)) => (Some(layer), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    let target = match (format, &journal, &fallback) {
        (_, Some(_), _) => LogTarget::Journal,
        (LogFormat::Json, ..) | (LogFormat::Auto, None, Some(_)) => LogTarget::Json,
        _ => LogTarget::Human {
            colour: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        },
    };
    let journal = journal.map(|l| {
        l.with_field_prefix(None)
            .with_syslog_identifier("factwatch".to_string())
            .with_priority_mappings(tracing_journald::PriorityMappings {
                info: tracing_journald::Priority::Informational,
                debug: tracing_journald::Priority::Debug,
                ..tracing_journald::PriorityMappings::new()
            })
    });
    let json = (target == LogTarget::Json).then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_writer(std::io::stderr)
    });
    let human = match target {
        LogTarget::Human { colour } => Some(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(colour)
                .with_writer(BarAwareStderr),
        ),
        _ => None,
    };
    let result = tracing_subscriber::registry()
        .with(filter)
        .with(journal)
        .with(json)
        .with(human)
        .with(KeepLastProblem)
        .try_init();
    // A second init (tests, or `run` after a CLI verb set it up) keeps the first subscriber.
    drop(result);
    if let Some(e) = fallback {
        tracing::warn!(error = %e, "cannot reach the journal's socket; logging JSON lines to stderr");
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_is_prometheus_text_with_every_metric() {
        let m = Metrics::default();
        m.article(ArticleOutcome::Ingested);
        m.change(EventType::Changed);
        m.webhook("ops").delivered(Duration::from_millis(30), 7);
        let g = Gauges {
            outbox: vec![OutboxGauge { webhook: "ops".into(), pending: 2, failed: 1, dead: 0 }],
            facts: 5,
            ready: true,
        };
        let text = m.render(&g);
        assert!(text.contains("factwatch_articles_total{outcome=\"ingested\"} 1"));
        assert!(text.contains("factwatch_changes_total{type=\"fact.changed\"} 1"));
        assert!(text.contains("factwatch_alerts_pending{webhook=\"ops\"} 2"));
        assert!(text.contains("factwatch_alerts_delivered_total{webhook=\"ops\"} 1"));
        assert!(
            text.contains(
                "factwatch_delivery_latency_seconds_bucket{webhook=\"ops\",le=\"0.05\"} 1"
            )
        );
        assert!(
            text.contains(
                "factwatch_delivery_latency_seconds_bucket{webhook=\"ops\",le=\"0.025\"} 0"
            )
        );
        assert!(text.contains("factwatch_delivery_latency_seconds_count{webhook=\"ops\"} 1"));
        assert!(text.contains("# TYPE factwatch_alerts_dead_lettered_total counter"));
        assert!(!text.contains("# EOF"));
    }

    #[test]
    fn openmetrics_names_counter_families_without_total_and_ends_with_eof() {
        let text = Metrics::default().render_as(&Gauges::default(), Exposition::OpenMetrics);
        assert!(text.contains("# TYPE factwatch_articles counter\n"));
        assert!(text.contains("# TYPE factwatch_alerts_dead gauge\n"));
        assert!(text.ends_with("# EOF\n"));
        let families: Vec<&str> =
            text.lines().filter_map(|l| l.strip_prefix("# TYPE ")?.split(' ').next()).collect();
        let mut unique = families.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), families.len(), "{families:?}");
    }
}
