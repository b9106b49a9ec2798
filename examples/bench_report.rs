//! Turns the criterion results of `benches/extract.rs` and `benches/reconcile.rs` into the
//! Markdown table rows (`| benchmark | measure | result | target |`) that the whole-daemon
//! harnesses print, so `bench/run` ends with one table:
//!
//! ```text
//! cargo run --release --example bench_report -- CRITERION_DIR
//! ```
//!
//! `CRITERION_DIR` is where criterion wrote its results (`CRITERION_HOME`, by default
//! `target/criterion`). Every figure is the median of criterion's samples (each sample's
//! time divided by its iterations), read from `new/estimates.json`; the throughput in bytes
//! per iteration comes from `new/benchmark.json`. Benchmarks that did not run are left out.

#[path = "common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: bench_report CRITERION_DIR");
        return ExitCode::FAILURE;
    };
    match report(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_report: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// What criterion recorded for one benchmark.
struct Measured {
    /// Median time per iteration, in nanoseconds.
    median_ns: f64,
    /// Median absolute deviation, in nanoseconds.
    mad_ns: f64,
    /// Samples taken.
    samples: usize,
    /// Bytes per iteration, when the benchmark declares a throughput.
    bytes: Option<u64>,
}

fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
}

/// The result of benchmark `id` (`group/function[/input]`), if it ran.
fn load(dir: &Path, id: &str) -> anyhow::Result<Option<Measured>> {
    let new = dir.join(id).join("new");
    if !new.join("estimates.json").is_file() {
        return Ok(None);
    }
    let estimates = read_json(&new.join("estimates.json"))?;
    let benchmark = read_json(&new.join("benchmark.json"))?;
    let sample = read_json(&new.join("sample.json"))?;
    let point = |name: &str| {
        estimates[name]["point_estimate"]
            .as_f64()
            .with_context(|| format!("no {name} in {}", new.display()))
    };
    Ok(Some(Measured {
        median_ns: point("median")?,
        mad_ns: point("median_abs_dev")?,
        samples: sample["iters"].as_array().map_or(0, Vec::len),
        bytes: benchmark["throughput"]["Bytes"].as_u64(),
    }))
}

fn row(bench: &str, measure: &str, result: &str, target: &str) {
    println!("| {bench} | {measure} | {result} | {target} |");
}

fn mb_per_s(r: &Measured) -> f64 {
    r.bytes.unwrap_or(0) as f64 / 1e6 / (r.median_ns / 1e9)
}

fn report(dir: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(dir.is_dir(), "no criterion results in {}", dir.display());
    let extractor = load(dir, "extract/extractor")?;
    let baseline = load(dir, "extract/regex_numbers_baseline")?;
    if let (Some(e), Some(b)) = (&extractor, &baseline) {
        let mb = e.bytes.unwrap_or(0) as f64 / 1e6;
        let bench = format!("extraction, one core, {mb:.0} MB generated corpus");
        row(
            &bench,
            &format!("extractor: MB/s (median of {} samples, time per pass)", e.samples),
            &format!(
                "{:.1} MB/s ({:.0} ms ± {:.0} ms MAD)",
                mb_per_s(e),
                e.median_ns / 1e6,
                e.mad_ns / 1e6
            ),
            "",
        );
        row(
            &bench,
            &format!("regex numbers-only baseline: MB/s (median of {} samples)", b.samples),
            &format!("{:.1} MB/s ({:.0} ms per pass)", mb_per_s(b), b.median_ns / 1e6),
            "",
        );
        row(
            &bench,
            "extractor time / baseline time",
            &format!("{:.1}x", e.median_ns / b.median_ns),
            "",
        );
    }
    let mut sizes: Vec<u64> = std::fs::read_dir(dir.join("state").join("record"))
        .map(|entries| {
            entries.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect::<Vec<u64>>()
        })
        .unwrap_or_default();
    sizes.sort_unstable();
    for n in sizes {
        let record = load(dir, &format!("state/record/{n}"))?;
        let lookup = load(dir, &format!("state/lookup_reconcile/{n}"))?;
        let bench = format!("state scale, {} facts + history rows", common::thousands(n));
        if let Some(r) = record {
            row(
                &bench,
                &format!(
                    "extract + Pipeline::commit per article (median of {} samples)",
                    r.samples
                ),
                &format!("{:.3} ms ({:.0} articles/s)", r.median_ns / 1e6, 1e9 / r.median_ns),
                "",
            );
        }
        if let Some(l) = lookup {
            row(
                &bench,
                &format!("fact lookup + reconcile only (median of {} samples)", l.samples),
                &format!("{:.1} µs", l.median_ns / 1e3),
                "",
            );
        }
    }
    Ok(())
}
