//! `factwatch facts [--json]` (the current facts, with status deadlines) and
//! `factwatch history KEY [--json]` (one fact's timeline with its sources).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::model::Fact;
use crate::reconcile::{lapse_instant, show};
use crate::store::Store;

/// Arguments of `facts`.
#[derive(Debug, clap::Args)]
pub(super) struct FactsArgs {
    #[command(flatten)]
    config: super::ConfigArg,
    /// One JSON object per fact and line.
    #[arg(long)]
    json: bool,
    /// Only keys matching this pattern (`*` matches anything), e.g. `tariff_rate:US:*`.
    #[arg(value_name = "PATTERN")]
    pattern: Option<String>,
}

/// Arguments of `history`.
#[derive(Debug, clap::Args)]
pub(super) struct HistoryArgs {
    #[command(flatten)]
    config: super::ConfigArg,
    /// One JSON object per history row and line.
    #[arg(long)]
    json: bool,
    /// The fact key, e.g. `tariff_rate:US:PK`.
    #[arg(value_name = "KEY")]
    key: String,
}

/// Opens the configured database for reading, refusing to create one where none exists.
fn open_existing(path: &Path) -> anyhow::Result<Store> {
    anyhow::ensure!(
        path.exists(),
        "no database at {}: start `factwatch run` first (or set `database` / FACTWATCH_DB)",
        path.display()
    );
    Store::open(path).with_context(|| format!("opening {}", path.display()))
}

/// The JSON line of a fact: the key's identity and the current value, flattened.
fn fact_json(f: &Fact) -> serde_json::Value {
    serde_json::json!({
        "key": f.key, "metric": f.metric, "subject": f.subject, "period": f.period,
        "kind": f.kind, "value": f.current.value, "unit": f.current.unit,
        "qualifier": f.current.qualifier, "status": f.current.status, "until": f.current.until,
        "as_of": f.current.as_of, "confirmed": f.confirmed, "source": f.current.source,
        "quote": f.current.quote,
    })
}

pub(super) fn run_facts(args: FactsArgs) -> anyhow::Result<ExitCode> {
    let config = super::load_config(&args.config)?;
    let store = open_existing(&config.database)?;
    let pattern = args.pattern.map(crate::config::KeyPattern::new);
    let mut out = super::Output::new();
    let facts = store.all_facts()?;
    let mut shown = 0;
    for f in facts.iter().filter(|f| pattern.as_ref().is_none_or(|p| p.matches(&f.key))) {
        shown += 1;
        if args.json {
            out.line(&fact_json(f).to_string())?;
            continue;
        }
        let mut value = show(&f.current);
        if let Some(u) = f.current.lapsing_deadline() {
            value.push_str(&format!(" (lapses {})", lapse_instant(u, &config.tz)));
        }
        out.line(&format!(
            "{:<34} {:<40} as of {}  {}",
            f.key, value, f.current.as_of, f.current.source
        ))?;
    }
    if !args.json && shown == 0 {
        out.line("no facts yet")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn run_history(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let config = super::load_config(&args.config)?;
    let store = open_existing(&config.database)?;
    let rows = store.history(&args.key)?;
    anyhow::ensure!(
        !rows.is_empty(),
        "no history for {:?}; `factwatch facts` lists the keys",
        args.key
    );
    let mut out = super::Output::new();
    for r in &rows {
        if args.json {
            let mut v = serde_json::to_value(&r.observation)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert("key".into(), args.key.clone().into());
                obj.insert("change".into(), r.change.clone().into());
                obj.insert("recorded_at".into(), r.recorded_at.clone().into());
            }
            out.line(&v.to_string())?;
        } else {
            let o = &r.observation;
            out.line(&format!(
                "{}  {:<16} {:<28} {}  \"{}\"",
                o.as_of,
                r.change,
                show(o),
                o.source,
                super::clip(&o.quote, 80)
            ))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
