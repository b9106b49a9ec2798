//! `factwatch replay [--json] [--until DATE] DIR`: the articles of a folder in date order,
//! on a fresh in-memory state, with a virtual clock that moves from one article's date to
//! the next (and on to `--until`), printing every alert that would have been posted.
//!
//! Nothing is delivered and no database file is touched. The same pipeline as the daemon
//! runs underneath (`Pipeline::prepare`, `pipeline::article_order` and `Pipeline::commit`,
//! as in the daemon's catch-up), so a replay is how a user tries a pack or a config on a
//! backlog, and how the change rules are tested end to end.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::ingest;
use crate::model::AlertEvent;
use crate::pipeline::{self, AlertPolicy, FileOutcome, Pipeline, Prepared, load_extractor};
use crate::store::Store;

/// Arguments of `replay`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Print one alert event per line as JSON (the webhook body) instead of a summary.
    #[arg(long)]
    json: bool,
    /// Keep the clock running to the start of this day after the last article, so
    /// deadlines that pass by then expire.
    #[arg(long, value_name = "YYYY-MM-DD")]
    until: Option<Date>,
    /// The folder of articles.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

pub(super) fn run(args: Args, config_arg: &super::ConfigArg) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_arg)?;
    let pipeline = Pipeline::new(&config, Arc::new(load_extractor(&config)?));
    anyhow::ensure!(args.dir.is_dir(), "{} is not a folder", args.dir.display());
    let (found, problems) = ingest::scan::walk(&args.dir, &args.dir);
    for p in problems {
        eprintln!("factwatch: {}: {}", p.path.display(), p.error);
    }
    // Every file is read and extracted first: the order is by article date, which needs
    // the content. What is kept is the claims, not the text, and beyond the daemon's limit
    // only the date, as in the daemon's catch-up.
    let mut files = Vec::new();
    for (i, f) in found.into_iter().enumerate() {
        let source = f.path.display().to_string();
        let prepared = if i < pipeline::HELD_ARTICLES {
            pipeline.prepare(&f.path, &source, None)
        } else {
            pipeline.date_only(&f.path, &source, None)
        };
        match prepared {
            Prepared::Unreadable { source, error } => {
                eprintln!("factwatch: {source}: skipped: {error}");
            }
            prepared => files.push(prepared),
        }
    }
    pipeline::article_order(&mut files);

    let mut store = Store::open_in_memory()?;
    let mut out = super::Output::new();
    let print = |events: Vec<AlertEvent>, out: &mut super::Output| -> anyhow::Result<()> {
        for e in events {
            if args.json {
                out.line(&serde_json::to_string(&e)?)?;
            } else {
                out.line(&format!(
                    "{}  {:<22} {}  ({})",
                    e.timestamp,
                    e.event_type.as_str(),
                    e.data.summary,
                    e.data.current.source
                ))?;
            }
        }
        Ok(())
    };
    let start_of = |d: Date| d.to_zoned(pipeline.tz().clone()).map(|z| z.timestamp());
    for file in files {
        // A fresh state has no known content, so every file is an article (or dated).
        let Some(date) = file.date() else { continue };
        let now = start_of(date)?;
        print(advance(&pipeline, &mut store, now)?, &mut out)?;
        let source = file.source().to_string();
        match pipeline.commit(&mut store, file, now, AlertPolicy::All) {
            Ok(FileOutcome::Recorded { events, notes, .. }) => {
                for note in &notes {
                    eprintln!("factwatch: {source}: {note}");
                }
                print(events, &mut out)?;
            }
            Ok(FileOutcome::Duplicate { of }) => {
                eprintln!("factwatch: {source}: same content as {of}; counted once");
            }
            Ok(FileOutcome::Unchanged) => {}
            Err(pipeline::Error::Read(e)) => eprintln!("factwatch: {source}: skipped: {e}"),
            Err(pipeline::Error::Store(e)) => return Err(e.into()),
        }
    }
    if let Some(until) = args.until {
        print(advance(&pipeline, &mut store, start_of(until)?)?, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Moves the virtual clock to `to`, stopping at each deadline on the way so every expiry
/// carries the instant it happened.
fn advance(
    pipeline: &Pipeline,
    store: &mut Store,
    to: Timestamp,
) -> anyhow::Result<Vec<AlertEvent>> {
    let mut events = Vec::new();
    while let Some(next) = pipeline.next_deadline(store)? {
        if next > to {
            break;
        }
        let expired = pipeline.expire_due(store, next, true)?;
        if expired.is_empty() {
            // A deadline the rules do not expire (nothing lapsed at that instant): stop
            // rather than loop on it.
            break;
        }
        events.extend(expired);
    }
    Ok(events)
}
