//! `factwatch facts [--json] [PATTERN]` (the current facts, with status deadlines) and
//! `factwatch history KEY [--json]` (one fact's timeline with its sources).
//!
//! Both say how old each fact is: when an article last stated its current value, how many
//! days ago, and how many articles stated it; an open-ended status nobody has confirmed for
//! `facts.unconfirmed_after` is marked unconfirmed.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use jiff::civil::Date;

use crate::model::Fact;
use crate::reconcile::{days_since_confirmed, is_unconfirmed, lapse_instant, show};
use crate::store::Store;

/// Arguments of `facts`.
#[derive(Debug, clap::Args)]
pub(super) struct FactsArgs {
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

/// When a fact's current value was last stated, and by how many articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Support {
    /// The newest article date that stated the current value.
    last_stated: Date,
    /// Days from then to today.
    age_days: i64,
    /// Distinct articles that stated the current value (zero for a status the clock expired).
    sources: usize,
    /// An open-ended status nobody confirmed for `facts.unconfirmed_after`.
    unconfirmed: bool,
}

/// How a fact is supported: the fact's `confirmed` date and the sources that stated its
/// current value, which reconcile keeps on the fact.
fn support(fact: &Fact, today: Date, unconfirmed_after: u32) -> Support {
    Support {
        last_stated: fact.confirmed,
        age_days: days_since_confirmed(fact, today),
        sources: fact.sources.len(),
        unconfirmed: is_unconfirmed(fact, today, unconfirmed_after),
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {one}s") }
}

/// `2025-04-08 (592 days ago) by 2 sources`.
fn support_text(s: &Support) -> String {
    let age = match s.age_days {
        0 => "today".to_string(),
        1 => "yesterday".to_string(),
        n => format!("{n} days ago"),
    };
    let by = if s.sources == 0 {
        "expired by the clock".to_string()
    } else {
        format!("by {}", plural(s.sources, "source"))
    };
    format!("{} ({age}) {by}", s.last_stated)
}

/// The JSON line of a fact: the key's identity and the current value, flattened, with how
/// it is supported.
fn fact_json(f: &Fact, s: &Support) -> serde_json::Value {
    serde_json::json!({
        "key": f.key, "metric": f.metric, "subject": f.subject, "period": f.period,
        "kind": f.kind, "value": f.current.value, "unit": f.current.unit,
        "qualifier": f.current.qualifier, "status": f.current.status, "until": f.current.until,
        "as_of": f.current.as_of, "confirmed": f.confirmed, "source": f.current.source,
        "quote": f.current.quote, "last_stated": s.last_stated, "age_days": s.age_days,
        "sources": s.sources, "source_list": f.sources, "unconfirmed": s.unconfirmed,
        "conflict": f.conflict,
    })
}

/// Today in the configured zone.
fn today(config: &crate::config::Config) -> Date {
    jiff::Timestamp::now().to_zoned(config.tz.clone()).date()
}

pub(super) fn run_facts(
    args: FactsArgs,
    config_arg: &super::ConfigArg,
) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_arg)?;
    let store = open_existing(&config.database)?;
    let pattern = args.pattern.map(crate::model::KeyPattern::new);
    let mut out = super::Output::new();
    let facts = store.all_facts()?;
    let today = today(&config);
    let after = config.facts.unconfirmed_after_days;
    let mut shown = 0;
    for f in facts.iter().filter(|f| pattern.as_ref().is_none_or(|p| p.matches(&f.key))) {
        let s = support(f, today, after);
        if args.json {
            out.line(&fact_json(f, &s).to_string())?;
            shown += 1;
            continue;
        }
        if shown == 0 {
            out.line(&format!("{:<34} {:<44} {:<44} SOURCE", "KEY", "VALUE", "LAST STATED"))?;
        }
        shown += 1;
        let mut value = show(&f.current);
        if let Some(u) = f.current.lapsing_deadline() {
            value.push_str(&format!(" (lapses {})", lapse_instant(u, &config.tz)));
        }
        if s.unconfirmed {
            value.push_str(" (unconfirmed)");
        }
        if let Some(c) = &f.conflict {
            value.push_str(&format!(" (conflict: {} from {})", show(c), c.source));
        }
        out.line(&format!(
            "{:<34} {:<44} {:<44} {}",
            f.key,
            value,
            support_text(&s),
            f.current.source
        ))?;
    }
    if !args.json && shown == 0 {
        match &pattern {
            Some(p) if !facts.is_empty() => out.line(&format!(
                "no facts match {:?} ({} held; `factwatch facts` lists them all)",
                p.as_str(),
                plural(facts.len(), "fact")
            ))?,
            _ => out.line(
                "no facts yet: the daemon has recorded no article with a fact (`factwatch run`)",
            )?,
        }
    } else if !args.json {
        let unconfirmed = facts
            .iter()
            .filter(|f| pattern.as_ref().is_none_or(|p| p.matches(&f.key)))
            .filter(|f| is_unconfirmed(f, today, after))
            .count();
        if unconfirmed > 0 {
            out.line(&format!(
                "{} no article has confirmed for more than {after} days (facts.unconfirmed_after): {} may have ended unreported",
                plural(unconfirmed, "status"),
                if unconfirmed == 1 { "it" } else { "they" }
            ))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn run_history(
    args: HistoryArgs,
    config_arg: &super::ConfigArg,
) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_arg)?;
    let store = open_existing(&config.database)?;
    let rows = store.history(&args.key)?;
    anyhow::ensure!(
        !rows.is_empty(),
        "no history for {:?}; `factwatch facts` lists the keys",
        args.key
    );
    let mut out = super::Output::new();
    if !args.json
        && let Some(fact) = store.facts_for([args.key.as_str()])?.get(&args.key)
    {
        let s = support(fact, today(&config), config.facts.unconfirmed_after_days);
        let unconfirmed = if s.unconfirmed { " (unconfirmed)" } else { "" };
        out.line(&format!(
            "{}: {}{unconfirmed}, last stated {}",
            args.key,
            show(&fact.current),
            support_text(&s)
        ))?;
        if !fact.sources.is_empty() {
            out.line(&format!("  sources: {}", fact.sources.join(", ")))?;
        }
        if let Some(c) = &fact.conflict {
            out.line(&format!(
                "  conflict open: {} says {} (\"{}\")",
                c.source,
                show(c),
                super::clip(&c.quote, 80)
            ))?;
        }
    }
    for r in &rows {
        if args.json {
            let mut v = serde_json::to_value(&r.observation)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert("key".into(), args.key.clone().into());
                obj.insert("change".into(), r.change.clone().into());
                obj.insert("recorded_at".into(), r.recorded_at.clone().into());
                obj.insert("why".into(), r.why.clone().into());
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
            if let Some(why) = &r.why {
                out.line(&format!("            {:<16} ({why})", ""))?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
