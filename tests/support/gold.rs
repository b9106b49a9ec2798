//! Scoring `scan --json` claims against a gold file, by the rules of `eval-claims` (the
//! shared scorer in `../shared/tools`), so the project's own gold is scored without it.
//!
//! A gold line holds `file`, `need` (required or optional), `key` (and optionally
//! `also_key`), `kind`, and `value` with `unit` for a figure or `status` (optionally
//! `until`) for a status. A claim matches a gold fact of its file (by base name) when its key
//! is one of the fact's keys and its figure is within 0.5% in the same unit, or its status is
//! the same (and its deadline starts with the gold `until`, when there is one). A claim of a
//! metric the gold names that matches no gold fact of its file is a false positive; claims
//! of other metrics are not scored; the same claim twice in a file counts once.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

/// The misses, the false positives and the summary line, as `eval-claims` prints them.
#[derive(Debug)]
pub struct Score {
    /// One line per required fact not found and per false positive.
    pub problems: Vec<String>,
    /// `required_recall=R/N precision=P/M`.
    pub summary: String,
}

impl Score {
    /// Every required fact found, and no false positive.
    pub fn is_perfect(&self) -> bool {
        self.problems.is_empty()
    }
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn same_value(claim: &Value, gold: &Value) -> bool {
    if gold["kind"] == "status" {
        if claim["kind"] != "status" || claim["status"] != gold["status"] {
            return false;
        }
        return match gold["until"].as_str() {
            Some(until) => text(&claim["until"]).starts_with(until),
            None => true,
        };
    }
    if claim["kind"] != "figure" || claim["unit"] != gold["unit"] {
        return false;
    }
    match (claim["value"].as_f64(), gold["value"].as_f64()) {
        (Some(v), Some(g)) => (v - g).abs() <= 0.005 * g.abs().max(1e-9),
        _ => false,
    }
}

fn keys(gold: &Value) -> Vec<&str> {
    std::iter::once(text(&gold["key"]))
        .chain(gold["also_key"].as_array().into_iter().flatten().map(text))
        .collect()
}

fn metric(key: &str) -> &str {
    key.split(':').next().unwrap_or_default()
}

/// Reads a JSON-lines file (blank lines allowed).
pub fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", path.display())))
        .collect()
}

/// Scores claims (lines of `scan --json`) against gold facts.
pub fn score(gold: &[Value], claims: &[Value]) -> Score {
    let metrics: HashSet<&str> = gold.iter().map(|g| metric(text(&g["key"]))).collect();
    let mut found = HashSet::new();
    let mut seen = HashSet::new();
    let (mut scored, mut problems) = (0usize, Vec::new());
    for c in claims {
        let source = text(&c["source"]);
        let name = Path::new(source).file_name().and_then(|n| n.to_str()).unwrap_or(source);
        let key = text(&c["key"]);
        if !metrics.contains(metric(key)) {
            continue;
        }
        let ident = (
            name,
            key,
            c["kind"].to_string(),
            c["value"].to_string(),
            c["unit"].to_string(),
            c["status"].to_string(),
        );
        if !seen.insert(ident) {
            continue;
        }
        scored += 1;
        let hits: Vec<usize> = gold
            .iter()
            .enumerate()
            .filter(|(_, g)| g["file"] == name && keys(g).contains(&key) && same_value(c, g))
            .map(|(i, _)| i)
            .collect();
        if hits.is_empty() {
            let shown = if c["kind"] == "status" {
                text(&c["status"]).to_string()
            } else {
                format!("{} {}", c["value"], text(&c["unit"]))
            };
            problems.push(format!(
                "false positive: {name} {key} = {shown}   quote: {:?}",
                text(&c["quote"])
            ));
        }
        found.extend(hits);
    }
    let required: Vec<usize> = (0..gold.len()).filter(|&i| gold[i]["need"] == "required").collect();
    let missed: Vec<usize> = required.iter().copied().filter(|i| !found.contains(i)).collect();
    for &i in missed.iter().rev() {
        let g = &gold[i];
        let shown = if g["kind"] == "status" {
            text(&g["status"]).to_string()
        } else {
            format!("{} {}", g["value"], text(&g["unit"]))
        };
        problems.insert(0, format!("missed: {} {} = {shown}", text(&g["file"]), text(&g["key"])));
    }
    let summary = format!(
        "required_recall={}/{} precision={}/{scored}",
        required.len() - missed.len(),
        required.len(),
        scored - (problems.len() - missed.len()),
    );
    Score { problems, summary }
}
