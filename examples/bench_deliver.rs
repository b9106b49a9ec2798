//! Delivery benchmark: how fast the real delivery workers drain a backlog to a local
//! receiver, and whether memory follows the backlog.
//!
//! Run it with:
//!
//! ```text
//! cargo run --release --example bench_deliver [-- --sizes 1000,10000,100000]
//! ```
//!
//! Without arguments it runs 1,000 and then 10,000 queued events, each in a fresh child
//! process (peak RSS is per process), and prints Markdown table rows (`| benchmark |
//! measure | result | target |`) on standard output, as the other harnesses do for
//! `bench/run`. `--sizes` picks the backlog sizes. With a bare number, `bench_deliver N
//! [KEYS]` runs one size in this process: N events spread over KEYS keys (default N/10, so
//! every key has 10 events that must go out in order).
//!
//! Each run fills an outbox in a temp SQLite file through `Store::record_clock_changes`
//! (1,000 events per transaction, as the pipeline would), starts an in-process axum receiver
//! on 127.0.0.1 that answers 200, starts `Deliveries` for one signed JSON webhook with the
//! default settings (32 requests in flight), and polls the outbox until nothing is pending.
//! It reports alerts/s over the drain, the drain time, the fill time, and peak RSS (VmHWM
//! from /proc/self/status) after filling and at the end: the drain must not add memory that
//! follows the backlog.

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use factwatch::config::{BodyFormat, Config, Secret, WebhookConfig};
use factwatch::deliver::Deliveries;
use factwatch::model::{AlertData, AlertEvent, EventType, Kind, Observation};
use factwatch::store::{Outbox, Outgoing, Store};
use factwatch::telemetry::Metrics;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--sizes") => match args.get(1) {
            Some(sizes) => run_sizes(&sizes.split(',').collect::<Vec<_>>()),
            None => Err(anyhow::anyhow!("--sizes needs a list, e.g. 1000,10000")),
        },
        Some(n) => run_one(n, args.get(1)),
        None => run_sizes(&["1000", "10000"]),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_deliver: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs each size in its own process, so each peak RSS is that size's alone.
fn run_sizes(sizes: &[&str]) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    for n in sizes {
        let status = std::process::Command::new(&exe).arg(n.trim()).status()?;
        anyhow::ensure!(status.success(), "the run with {n} events failed");
    }
    Ok(())
}

fn run_one(n: &str, keys: Option<&String>) -> anyhow::Result<()> {
    let n: usize = n.parse()?;
    let keys: usize = match keys {
        Some(k) => k.parse()?,
        None => (n / 10).max(1),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(bench(n, keys))
}

fn event(i: usize, key: &str) -> AlertEvent {
    AlertEvent {
        id: format!("evt_{i:026x}"),
        event_type: EventType::Changed,
        timestamp: jiff::Timestamp::now(),
        data: AlertData {
            key: key.to_string(),
            metric: "tariff_rate".into(),
            subject: vec!["US".into(), "PK".into()],
            period: None,
            kind: Kind::Figure,
            previous: None,
            current: Observation {
                value: Some(i as f64),
                unit: Some("percent".into()),
                status: None,
                until: None,
                as_of: jiff::civil::date(2025, 4, 8),
                source: "news/2025-04-08-tariffs.md".into(),
                quote: "The United States set a 29 percent tariff on goods from Pakistan, \
                        officials said on Tuesday."
                    .into(),
                qualifier: None,
                stated_previous: None,
            },
            summary: format!("US tariff on PK: {}% -> {}%", i, i + 1),
            cause: None,
            stated_previous: None,
            conflict: None,
        },
    }
}

async fn bench(n: usize, keys: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("bench.db");

    // Fill the outbox the way the pipeline does, one transaction per 1,000 events.
    let fill_started = Instant::now();
    {
        let mut store = Store::open(&db)?;
        let mut i = 0;
        while i < n {
            let end = (i + 1000).min(n);
            let outgoing: Vec<Outgoing> = (i..end)
                .map(|j| Outgoing {
                    event: event(j, &format!("tariff_rate:US:K{}", j % keys)),
                    webhooks: vec!["bench".into()],
                })
                .collect();
            store.record_clock_changes(&[], &outgoing, jiff::Timestamp::now())?;
            i = end;
        }
    }
    let fill_time = fill_started.elapsed();
    let hwm_after_fill = vm_hwm_kib();

    // The receiver: answers 200 to everything and counts.
    let received = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let counter = Arc::clone(&received);
    let app = axum::Router::new().fallback(move || {
        let c = Arc::clone(&counter);
        async move {
            c.fetch_add(1, Ordering::Relaxed);
            "ok"
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });

    let defaults = Config::from_toml("", None, &std::collections::BTreeMap::new())?;
    let webhook = WebhookConfig {
        name: "bench".into(),
        url: format!("http://{addr}/hook").parse()?,
        secret: Some(Secret::new(SECRET)),
        timeout: Duration::from_secs(10),
        events: EventType::ALL.to_vec(),
        keys: Vec::new(),
        format: BodyFormat::Json,
        headers: Default::default(),
    };
    let metrics = Arc::new(Metrics::default());
    let outbox = Outbox::open(&db)?;

    let started = Instant::now();
    let deliveries = Deliveries::start(&[webhook], &defaults.delivery, &db, metrics)?;
    deliveries.wake();
    loop {
        let (pending, _, dead) = outbox.state_counts()?;
        anyhow::ensure!(dead == 0, "{dead} deliveries died");
        if pending == 0 {
            break;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(600), "no drain in 10 minutes");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let drain = started.elapsed();
    deliveries.shutdown().await;
    let got = received.load(Ordering::Relaxed);
    anyhow::ensure!(got as usize == n, "the receiver got {got} requests for {n} events");

    let rate = n as f64 / drain.as_secs_f64();
    let (hwm_fill, hwm_end) = (hwm_after_fill as f64 / 1024.0, vm_hwm_kib() as f64 / 1024.0);
    eprintln!(
        "{n:>6} events / {keys:>5} keys: drained in {:>7.3}s = {rate:>7.0} alerts/s | fill {:.2}s | peak RSS after fill {hwm_fill:>6.1} MiB, at end {hwm_end:>6.1} MiB ({} in flight max)",
        drain.as_secs_f64(),
        fill_time.as_secs_f64(),
        defaults.delivery.max_in_flight,
    );
    let bench = format!(
        "delivery, {} queued events over {} keys ({} in flight)",
        common::thousands(n),
        common::thousands(keys),
        defaults.delivery.max_in_flight
    );
    println!(
        "| {bench} | drain time / alerts/s | {:.2} s / {rate:.0} | >= 1,000 alerts/s: {} |",
        drain.as_secs_f64(),
        if rate >= 1000.0 { "met" } else { "MISSED" }
    );
    println!(
        "| {bench} | peak RSS after filling -> after draining (fill took {:.1} s) | {hwm_fill:.1} -> {hwm_end:.1} MiB | no growth with the backlog: {} |",
        fill_time.as_secs_f64(),
        // The drain may add a fixed amount (runtime, client, one batch), not the backlog.
        if hwm_end - hwm_fill < 16.0 { "met" } else { "MISSED" }
    );
    Ok(())
}

/// Peak resident set size of this process, in KiB (0 where /proc is not available).
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
