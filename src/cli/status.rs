//! `factwatch status [--watch] [--interval SECS] [--json]`: the running daemon on one screen
//! (folder, facts, deliveries per webhook, last alert, last problem, rates), read from its
//! `/status` endpoint (`[http] listen`). `--watch` redraws it every few seconds with rates
//! over the last interval, as `vector top` does; otherwise rates are averages since start.
//!
//! The request is a plain HTTP/1.1 GET on the loopback address: only `deliver` speaks HTTP to
//! webhooks, and this is not a webhook.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use jiff::Timestamp;

use crate::daemon::StatusReport;

/// Arguments of `status`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Redraw every `--interval` seconds until interrupted.
    #[arg(long)]
    watch: bool,
    /// Seconds between redraws with `--watch`.
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    interval: f64,
    /// Print the daemon's `/status` JSON (one object per line with `--watch`).
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: Args, config_arg: &super::ConfigArg) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_arg)?;
    let addr = config.http_listen.context(
        "`factwatch status` reads the daemon's HTTP endpoint, which is off: set [http] listen (or FACTWATCH_HTTP_LISTEN) and restart the daemon",
    )?;
    if !args.watch {
        let report = fetch(addr)?;
        let mut out = super::Output::new();
        if args.json {
            out.line(&serde_json::to_string(&report)?)?;
        } else {
            out.line(&render(&report, None, Timestamp::now()))?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    anyhow::ensure!(
        args.interval.is_finite() && args.interval >= 0.1,
        "--interval must be at least 0.1 seconds"
    );
    let interval = Duration::from_millis((args.interval * 1000.0) as u64);
    let redraw = std::io::stdout().is_terminal();
    let mut previous: Option<(StatusReport, Instant)> = None;
    loop {
        let screen = match fetch(addr) {
            Ok(report) => {
                let text = if args.json {
                    serde_json::to_string(&report)?
                } else {
                    let since = previous.as_ref().map(|(r, at)| (r, at.elapsed()));
                    render(&report, since, Timestamp::now())
                };
                previous = Some((report, Instant::now()));
                text
            }
            Err(e) => format!("{e:#} (trying again every {:.1}s)", args.interval),
        };
        let mut out = std::io::stdout().lock();
        // On a terminal the screen is redrawn in place; into a file or pipe each refresh
        // follows the last, so `status --watch > log` keeps a history.
        let written = if redraw {
            writeln!(out, "\x1b[H\x1b[2J{screen}")
        } else if args.json {
            writeln!(out, "{screen}")
        } else {
            writeln!(out, "{screen}\n")
        };
        if written.and_then(|()| out.flush()).is_err() {
            // The reader went away (`status --watch | head`).
            return Ok(ExitCode::SUCCESS);
        }
        drop(out);
        std::thread::sleep(interval);
    }
}

/// GETs `/status` from the daemon.
fn fetch(addr: SocketAddr) -> anyhow::Result<StatusReport> {
    let unreachable = || {
        format!(
            "no factwatch daemon answers on http://{addr}/status (is `factwatch run` running with this config?)"
        )
    };
    let mut sock =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).with_context(unreachable)?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(sock, "GET /status HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n")?;
    let mut raw = Vec::new();
    // The status is a few KiB; a cap keeps a wrong port from filling memory.
    sock.take(4 * 1024 * 1024).read_to_end(&mut raw).with_context(unreachable)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .with_context(|| format!("http://{addr}/status answered something that is not HTTP"))?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    anyhow::ensure!(
        status == "200",
        "http://{addr}/status answered HTTP {status}; is this a factwatch daemon of the same version?"
    );
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked { dechunk(body) } else { body.to_string() };
    serde_json::from_str(&body)
        .with_context(|| format!("http://{addr}/status did not send a factwatch status"))
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

/// The screen. `since` is the previous report and how long ago it was taken, for rates over
/// the last interval; without it rates are averages since the daemon started.
pub(super) fn render(
    r: &StatusReport,
    since: Option<(&StatusReport, Duration)>,
    now: Timestamp,
) -> String {
    let mut lines = Vec::new();
    lines.push(format!(
        "factwatch {} · {} · up {} · pid {}",
        r.version,
        r.state,
        ago(Duration::from_secs(r.uptime_seconds)),
        r.pid
    ));
    lines.push(format!("folder     {}", r.watch_dir));
    lines.push(format!("database   {}", r.database));
    if r.clock.duration_since(now).abs() > jiff::SignedDuration::from_secs(60) {
        lines.push(format!("clock      {} (started with --now)", second(r.clock)));
    }
    let f = &r.facts;
    let unconfirmed = if f.unconfirmed > 0 {
        format!(" ({} unconfirmed; `factwatch facts` shows which)", f.unconfirmed)
    } else {
        String::new()
    };
    lines.push(format!(
        "facts      {}: {} figures, {} statuses{unconfirmed}",
        f.total, f.figures, f.statuses
    ));
    let a = &r.articles;
    lines.push(format!(
        "articles   {} on record; since start {} read, {} skipped, {} failed",
        a.on_record, a.ingested, a.skipped, a.failed
    ));
    lines.push(format!(
        "changes    {} since start, {} baseline facts recorded silently",
        a.changes, a.baseline_facts
    ));
    let delivered = |r: &StatusReport| r.webhooks.iter().map(|w| w.delivered).sum::<u64>();
    let (articles_per_min, alerts_per_min, over) = match since {
        Some((p, elapsed)) if !elapsed.is_zero() => {
            let mins = elapsed.as_secs_f64() / 60.0;
            let read = (a.ingested + a.skipped + a.failed)
                .saturating_sub(p.articles.ingested + p.articles.skipped + p.articles.failed);
            let sent = delivered(r).saturating_sub(delivered(p));
            (read as f64 / mins, sent as f64 / mins, format!("over the last {}", ago(elapsed)))
        }
        _ => {
            let mins = (r.uptime_seconds.max(1)) as f64 / 60.0;
            let read = a.ingested + a.skipped + a.failed;
            (read as f64 / mins, delivered(r) as f64 / mins, "since start".to_string())
        }
    };
    lines.push(format!(
        "rates      {articles_per_min:.1} files/min read, {alerts_per_min:.1} alerts/min delivered ({over})"
    ));
    lines.push(String::new());
    if r.webhooks.is_empty() {
        lines.push("no webhooks configured: alerts are recorded and not posted".to_string());
    } else {
        let width = r.webhooks.iter().map(|w| w.name.chars().count()).max().unwrap_or(7).max(7);
        lines.push(format!(
            "{:<width$}  {:>7}  {:>6}  {:>4}  {:>9}  LAST DELIVERY",
            "WEBHOOK", "PENDING", "FAILED", "DEAD", "DELIVERED"
        ));
        for w in &r.webhooks {
            let last = w.last_delivery.map_or_else(
                || "-".to_string(),
                |t| format!("{} ({} ago)", second(t), ago(unsigned(now.duration_since(t)))),
            );
            lines.push(format!(
                "{:<width$}  {:>7}  {:>6}  {:>4}  {:>9}  {last}",
                w.name, w.pending, w.failed, w.dead, w.delivered
            ));
        }
    }
    lines.push(String::new());
    lines.push(match &r.last_alert {
        Some(e) => format!(
            "last alert    {}  {}  {}  ({})  {}",
            e.queued_at.parse().map_or_else(|_| e.queued_at.clone(), second),
            e.event_type,
            e.summary,
            e.source,
            e.id
        ),
        None => "last alert    none yet".to_string(),
    });
    lines.push(match &r.last_problem {
        Some(p) => {
            let fields = if p.fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", p.fields.join(", "))
            };
            format!(
                "last problem  {} {} {}{fields}, {} ago",
                second(p.at),
                p.level,
                p.message,
                ago(unsigned(now.duration_since(p.at)))
            )
        }
        None => "last problem  none since start".to_string(),
    });
    lines.join("\n")
}

fn second(t: Timestamp) -> String {
    t.round(jiff::Unit::Second).unwrap_or(t).to_string()
}

fn unsigned(d: jiff::SignedDuration) -> Duration {
    Duration::try_from(d).unwrap_or(Duration::ZERO)
}

/// A duration as people say it: `45s`, `3m 12s`, `2h 5m`, `4d 3h`.
fn ago(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::{ArticleCounts, FactCounts, LastAlert, WebhookStatus};

    fn report() -> StatusReport {
        StatusReport {
            version: "0.1.0".into(),
            pid: 42,
            state: "watching".into(),
            started_at: "2026-11-23T11:00:00Z".parse().expect("ts"),
            uptime_seconds: 600,
            clock: "2026-11-23T11:10:00Z".parse().expect("ts"),
            watch_dir: "seeds".into(),
            database: "data/factwatch.db".into(),
            facts: FactCounts { total: 12, figures: 10, statuses: 2, unconfirmed: 1 },
            articles: ArticleCounts {
                on_record: 6,
                ingested: 6,
                skipped: 0,
                failed: 0,
                claims: 20,
                changes: 2,
                baseline_facts: 12,
            },
            webhooks: vec![WebhookStatus {
                name: "local-inbox".into(),
                pending: 0,
                failed: 0,
                dead: 0,
                delivered: 2,
                failed_attempts: 0,
                last_delivery: Some("2026-11-23T11:09:48Z".parse().expect("ts")),
            }],
            last_alert: Some(LastAlert {
                id: "evt_1".into(),
                event_type: "fact.changed".into(),
                summary: "US tariff on PK: 29% -> 19%".into(),
                source: "seeds/2025-07-31-deal.md".into(),
                queued_at: "2026-11-23T11:09:48Z".into(),
            }),
            last_problem: None,
        }
    }

    #[test]
    fn one_screen_with_every_part() {
        let now: Timestamp = "2026-11-23T11:10:00Z".parse().expect("ts");
        let text = render(&report(), None, now);
        let expected = "\
factwatch 0.1.0 · watching · up 10m 0s · pid 42
folder     seeds
database   data/factwatch.db
facts      12: 10 figures, 2 statuses (1 unconfirmed; `factwatch facts` shows which)
articles   6 on record; since start 6 read, 0 skipped, 0 failed
changes    2 since start, 12 baseline facts recorded silently
rates      0.6 files/min read, 0.2 alerts/min delivered (since start)

WEBHOOK      PENDING  FAILED  DEAD  DELIVERED  LAST DELIVERY
local-inbox        0       0     0          2  2026-11-23T11:09:48Z (12s ago)

last alert    2026-11-23T11:09:48Z  fact.changed  US tariff on PK: 29% -> 19%  (seeds/2025-07-31-deal.md)  evt_1
last problem  none since start";
        assert_eq!(text, expected);
    }

    #[test]
    fn watch_rates_are_over_the_last_interval() {
        let now: Timestamp = "2026-11-23T11:10:00Z".parse().expect("ts");
        let before = report();
        let mut after = report();
        after.articles.ingested += 3;
        after.webhooks[0].delivered += 1;
        let text = render(&after, Some((&before, Duration::from_secs(30))), now);
        assert!(
            text.contains(
                "rates      6.0 files/min read, 2.0 alerts/min delivered (over the last 30s)"
            ),
            "{text}"
        );
    }
}
