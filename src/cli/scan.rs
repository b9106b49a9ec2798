//! `factwatch scan [--json] [--explain] PATH...`: extract and print the claims of files or
//! folders, touching no state. This is how a user checks what factwatch reads from an
//! article, and how extraction quality is scored (`eval-claims`). `--explain` shows, for each
//! sentence holding a trigger word, what was taken (key, value, the construction and phrase
//! that gave it) and what was not and why: what a pack author or a bug report needs.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::ingest::{self, Reading};
use crate::pipeline::{Pipeline, Prepared, load_extractor};
use crate::telemetry::Progress;

/// Arguments of `scan`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Print one JSON claim per line (the `scan --json` contract) instead of a table.
    #[arg(long)]
    json: bool,
    /// For each sentence holding a trigger word, show what was taken and what was rejected
    /// and why (with --json, one JSON object per file).
    #[arg(long)]
    explain: bool,
    /// Files or folders to read.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

pub(super) fn run(args: Args, config_arg: &super::ConfigArg) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_arg)?;
    let pipeline = Pipeline::new(&config, Arc::new(load_extractor(&config)?));
    let mut out = super::Output::new();
    let mut failed = 0usize;
    let mut files = Vec::new();
    for path in &args.paths {
        // Said here: the reader would report a path that never existed as one that vanished.
        if path.symlink_metadata().is_err() {
            eprintln!("factwatch: {}: no such file or folder", path.display());
            failed += 1;
            continue;
        }
        if path.is_dir() {
            let (found, problems) = ingest::scan::walk(path, path);
            for p in problems {
                eprintln!("factwatch: {}: {}", p.path.display(), p.error);
                failed += 1;
            }
            files.extend(found.into_iter().map(|f| f.path));
        } else {
            files.push(path.clone());
        }
    }
    let progress = Progress::beside_stdout(files.len() as u64, "scanning articles");
    for file in files {
        progress.inc();
        let source = file.display().to_string();
        if args.explain {
            // Explaining needs the text: the file is read as the daemon reads it, and
            // explained instead of extracted.
            let loaded = match pipeline.reader.read(&file, &source, None) {
                Ok(Reading::Article(loaded)) => loaded,
                Ok(Reading::Known { .. }) => continue,
                Err(e) => {
                    progress.note(&format!("factwatch: {source}: skipped: {e}"));
                    failed += 1;
                    continue;
                }
            };
            for note in &loaded.notes {
                progress.note(&format!("factwatch: {source}: {note}"));
            }
            let (extraction, explanation) = pipeline.extractor.explain(&loaded.article);
            print_explanation(&mut out, &source, &extraction, &explanation, args.json)?;
            continue;
        }
        // The daemon's read and extract steps, without the store.
        let article = match pipeline.prepare(&file, &source, None) {
            Prepared::Article(a) => a,
            Prepared::Unreadable { error, .. } => {
                progress.note(&format!("factwatch: {source}: skipped: {error}"));
                failed += 1;
                continue;
            }
            // Only content matching a known hash is left unparsed, none is known here, and
            // only `date_only` leaves claims out.
            Prepared::Known { .. } | Prepared::Dated { .. } => continue,
        };
        for note in &article.notes {
            progress.note(&format!("factwatch: {source}: {note}"));
        }
        if !args.json {
            let d = &article.date;
            out.line(&format!("{source}  (dated {} from {})", d.date, d.origin.as_str()))?;
        }
        for claim in &article.claims {
            if args.json {
                out.line(&serde_json::to_string(claim)?)?;
            } else {
                let value = crate::reconcile::show(&crate::model::Observation::from_claim(claim));
                out.line(&format!(
                    "  {:<32} {:<24} \"{}\"",
                    claim.key,
                    value,
                    super::clip(&claim.quote, 90)
                ))?;
            }
        }
    }
    progress.finish();
    out.flush()?;
    let _ = std::io::stderr().flush();
    Ok(if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Prints what `Extractor::explain` says about one file.
fn print_explanation(
    out: &mut super::Output,
    source: &str,
    extraction: &crate::extract::Extraction,
    explanation: &crate::extract::Explanation,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        let value = serde_json::json!({
            "source": source,
            "claims": extraction.claims,
            "segments": explanation.segments,
            "warnings": extraction.warnings,
        });
        out.line(&serde_json::to_string(&value)?)?;
        return Ok(());
    }
    out.line(source)?;
    for seg in &explanation.segments {
        out.line(&format!("  [{}] \"{}\"", seg.kind, super::clip(&seg.text, 160)))?;
        for t in &seg.taken {
            let key = if t.key.is_empty() { "(no key)" } else { t.key.as_str() };
            out.line(&format!(
                "    took     {key} = {}  ({}; \"{}\"; roles {}) -> {}",
                t.value,
                t.rule,
                super::clip(&t.phrase, 60),
                t.roles.join(", "),
                t.outcome
            ))?;
        }
        for r in &seg.rejected {
            out.line(&format!("    rejected \"{}\": {}", super::clip(&r.phrase, 40), r.reason))?;
        }
    }
    for w in &extraction.warnings {
        out.line(&format!("  warning: {w}"))?;
    }
    Ok(())
}
