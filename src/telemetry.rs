//! Logging setup and every metric the daemon exposes, in one place.
//!
//! Metric names are defined here and nowhere else, so `/metrics` and the docs cannot drift
//! apart. The set is small and fixed, so a few atomics and fixed-bucket histograms rendered
//! in the Prometheus text format do the job without a metrics framework.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::config::LogFormat;
use crate::model::EventType;

/// How often a long scan logs its progress when stderr is not a terminal.
const PROGRESS_LOG_EVERY: Duration = Duration::from_secs(5);

/// Progress of a long scan: a bar on a terminal, a log line every few seconds otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    done: AtomicU64,
    last_log: Mutex<Instant>,
    what: String,
}

impl Progress {
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
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})",
            ) {
                b.set_style(style);
            }
            b.set_message(what.to_string());
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

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

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

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let n = self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {n}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// The daemon's counters, gauges and histograms. Shared through an `Arc`.
#[derive(Debug, Default)]
pub struct Metrics {
    articles: [AtomicU64; 3],
    claims: AtomicU64,
    changes: [AtomicU64; 4],
    delivered: AtomicU64,
    failed_attempts: AtomicU64,
    dead: AtomicU64,
    last_delivery_unix: AtomicU64,
    rescans: AtomicU64,
    /// From an event being queued to a receiver's 2xx.
    pub delivery_latency: Histogram,
    /// From the file event (or scan) that led to an article to its alerts being queued.
    pub file_to_enqueue: Histogram,
}

fn event_index(t: EventType) -> usize {
    match t {
        EventType::New => 0,
        EventType::Changed => 1,
        EventType::DeadlineChanged => 2,
        EventType::Expired => 3,
    }
}

/// Values the store knows, passed in at render time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Outbox rows waiting for delivery.
    pub pending: u64,
    /// Outbox rows in the dead-letter state.
    pub dead: u64,
    /// Facts held.
    pub facts: u64,
    /// Whether the catch-up scan is done and the database writable.
    pub ready: bool,
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

    /// Counts an alerting change.
    pub fn change(&self, t: EventType) {
        self.changes[event_index(t)].fetch_add(1, Ordering::Relaxed);
    }

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

    /// Counts a full rescan of the watched folder.
    pub fn rescan(&self) {
        self.rescans.fetch_add(1, Ordering::Relaxed);
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn render(&self, g: Gauges) -> String {
        let mut out = String::with_capacity(4096);
        let mut counter = |name: &str, help: &str, rows: &[(String, u64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, v) in rows {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        counter(
            "factwatch_articles_total",
            "Article files handled, by outcome.",
            &OUTCOMES
                .iter()
                .enumerate()
                .map(|(i, (_, name))| (format!("{{outcome=\"{name}\"}}"), load(&self.articles[i])))
                .collect::<Vec<_>>(),
        );
        counter(
            "factwatch_claims_extracted_total",
            "Claims extracted from articles.",
            &[(String::new(), load(&self.claims))],
        );
        counter(
            "factwatch_changes_total",
            "Alerting fact changes detected, by event type.",
            &EventType::ALL
                .iter()
                .map(|t| (format!("{{type=\"{t}\"}}"), load(&self.changes[event_index(*t)])))
                .collect::<Vec<_>>(),
        );
        counter(
            "factwatch_alerts_delivered_total",
            "Alert deliveries a webhook answered with 2xx.",
            &[(String::new(), load(&self.delivered))],
        );
        counter(
            "factwatch_alerts_failed_total",
            "Delivery attempts that failed and will be retried.",
            &[(String::new(), load(&self.failed_attempts))],
        );
        counter(
            "factwatch_alerts_dead_total",
            "Alert deliveries given up on (dead letter).",
            &[(String::new(), load(&self.dead))],
        );
        counter(
            "factwatch_rescans_total",
            "Full rescans of the watched folder (start, lost events, periodic).",
            &[(String::new(), load(&self.rescans))],
        );
        let mut gauge = |name: &str, help: &str, v: String| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        gauge(
            "factwatch_alerts_pending",
            "Alert deliveries waiting in the outbox.",
            g.pending.to_string(),
        );
        gauge(
            "factwatch_alerts_dead",
            "Alert deliveries in the dead-letter state.",
            g.dead.to_string(),
        );
        gauge("factwatch_facts", "Facts held.", g.facts.to_string());
        gauge(
            "factwatch_ready",
            "1 when the catch-up scan is done and the database is writable.",
            u8::from(g.ready).to_string(),
        );
        gauge(
            "factwatch_last_delivery_timestamp_seconds",
            "Unix time of the last successful delivery (0 if none yet).",
            load(&self.last_delivery_unix).to_string(),
        );
        self.delivery_latency.render(
            &mut out,
            "factwatch_delivery_latency_seconds",
            "Time from an alert being queued to a webhook's 2xx.",
        );
        self.file_to_enqueue.render(
            &mut out,
            "factwatch_file_to_enqueue_seconds",
            "Time from a file event to the article's alerts being queued.",
        );
        out
    }
}

/// Sets up logging: human lines on a terminal, JSON lines when asked or under systemd.
/// Levels come from `RUST_LOG` (default `info`).
pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,notify=warn"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Human => false,
        // systemd sets JOURNAL_STREAM for services whose output goes to the journal.
        LogFormat::Auto => std::env::var_os("JOURNAL_STREAM").is_some(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = if json {
        builder.json().flatten_event(true).with_current_span(false).try_init()
    } else {
        builder.with_target(false).try_init()
    };
    // A second init (tests, or `run` after a CLI verb set it up) keeps the first subscriber.
    drop(result);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_is_prometheus_text_with_every_metric() {
        let m = Metrics::default();
        m.article(ArticleOutcome::Ingested);
        m.change(EventType::Changed);
        m.delivery_latency.observe(Duration::from_millis(30));
        let text = m.render(Gauges { pending: 2, dead: 0, facts: 5, ready: true });
        assert!(text.contains("factwatch_articles_total{outcome=\"ingested\"} 1"));
        assert!(text.contains("factwatch_changes_total{type=\"fact.changed\"} 1"));
        assert!(text.contains("factwatch_alerts_pending 2"));
        assert!(text.contains("factwatch_delivery_latency_seconds_bucket{le=\"0.05\"} 1"));
        assert!(text.contains("factwatch_delivery_latency_seconds_bucket{le=\"0.025\"} 0"));
        assert!(text.contains("factwatch_delivery_latency_seconds_count 1"));
    }
}
