//! `factwatch outbox [--json] [--all]` and `factwatch outbox retry ID|--all-dead`.
//!
//! Lists deliveries that are pending, failed (pending after at least one attempt) or dead,
//! with attempts and the last error, and puts dead ones back in the queue. It works on the
//! database file directly, beside a running daemon (WAL); the daemon's workers look at the
//! outbox at least every second, so a retried row goes out without a signal.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use jiff::Timestamp;

use crate::store::{Outbox, OutboxEntry, OutboxState};

/// Arguments of `outbox`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Print one JSON object per row instead of a table.
    #[arg(long)]
    json: bool,
    /// Include delivered rows.
    #[arg(long)]
    all: bool,
    /// Show at most this many rows (the newest).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    limit: usize,
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Put a dead delivery (or all of them) back in the queue, due now.
    Retry(RetryArgs),
}

#[derive(Debug, clap::Args)]
struct RetryArgs {
    /// The event id (`evt_...`) to retry (or `--all-dead`).
    #[arg(value_name = "ID", conflicts_with = "all_dead")]
    id: Option<String>,
    /// Retry every dead delivery.
    #[arg(long)]
    all_dead: bool,
    /// Only the delivery to this webhook (default: every webhook the event is dead for).
    #[arg(long, value_name = "NAME", conflicts_with = "all_dead")]
    webhook: Option<String>,
}

pub(super) fn run(args: Args, config_arg: &super::ConfigArg) -> anyhow::Result<ExitCode> {
    match args.action {
        Some(Action::Retry(r)) => retry(config_arg, &r),
        None => list(&args, config_arg),
    }
}

fn open(arg: &super::ConfigArg) -> anyhow::Result<Outbox> {
    let config = super::load_config(arg)?;
    Outbox::open(&config.database)
        .with_context(|| format!("cannot open database {}", config.database.display()))
}

fn retry(config: &super::ConfigArg, r: &RetryArgs) -> anyhow::Result<ExitCode> {
    let mut outbox = open(config)?;
    let now = Timestamp::now();
    let n = match &r.id {
        Some(id) if !r.all_dead => {
            let n = outbox.retry(id, r.webhook.as_deref(), now)?;
            if n == 0 {
                let known = outbox.event_body(id)?.is_some();
                if known {
                    anyhow::bail!("event {id} has no dead delivery{}", for_webhook(r));
                }
                anyhow::bail!("no event with id {id}");
            }
            n
        }
        _ if r.all_dead => outbox.retry_all_dead(now)?,
        _ => anyhow::bail!(
            "say which dead delivery to retry: an event id (`evt_...`, see `factwatch outbox`), or --all-dead for every one"
        ),
    };
    let plural = if n == 1 { "y" } else { "ies" };
    println!("{n} dead deliver{plural} queued again");
    Ok(ExitCode::SUCCESS)
}

fn for_webhook(r: &RetryArgs) -> String {
    r.webhook.as_ref().map(|w| format!(" to webhook {w}")).unwrap_or_default()
}

/// The state as the listing shows it: a pending row that was tried is "failed".
fn shown_state(e: &OutboxEntry) -> &'static str {
    match e.state {
        OutboxState::Pending if e.attempts > 0 => "failed",
        OutboxState::Pending => "pending",
        OutboxState::Delivered => "delivered",
        OutboxState::Dead => "dead",
    }
}

fn list(args: &Args, config_arg: &super::ConfigArg) -> anyhow::Result<ExitCode> {
    let outbox = open(config_arg)?;
    let rows = outbox.list(args.all, args.limit)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        for e in &rows {
            let mut v = serde_json::to_value(e)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert("shown_state".into(), shown_state(e).into());
            }
            writeln!(out, "{v}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        writeln!(
            out,
            "the outbox is empty{}",
            if args.all { "" } else { " (nothing pending or dead)" }
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:<32}  {:<12}  {:<9}  {:>8}  {:<20}  {:<22}  LAST ERROR",
        "EVENT", "WEBHOOK", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "TYPE"
    )?;
    for e in &rows {
        let next = e
            .next_attempt_at
            .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
            .unwrap_or_else(|| "-".into());
        let error = match (&e.last_error, e.last_status) {
            (Some(err), _) => err.clone(),
            (None, Some(status)) => format!("HTTP {status}"),
            (None, None) => "-".into(),
        };
        writeln!(
            out,
            "{:<32}  {:<12}  {:<9}  {:>8}  {:<20}  {:<22}  {}",
            e.event_id,
            e.webhook,
            shown_state(e),
            e.attempts,
            next,
            e.event_type,
            error
        )?;
    }
    let count = |f: &dyn Fn(&OutboxEntry) -> bool| rows.iter().filter(|e| f(e)).count();
    writeln!(
        out,
        "{} pending ({} failed), {} dead{}",
        count(&|e| e.state == OutboxState::Pending),
        count(&|e| e.state == OutboxState::Pending && e.attempts > 0),
        count(&|e| e.state == OutboxState::Dead),
        if args.all {
            format!(", {} delivered", count(&|e| e.state == OutboxState::Delivered))
        } else {
            String::new()
        }
    )?;
    Ok(ExitCode::SUCCESS)
}
