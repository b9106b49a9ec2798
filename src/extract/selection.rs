//! One claim per key per article: when an article gives several values for one key, the
//! one it states as current wins, and restatements of that value collapse to their
//! best-quoted occurrence.
//!
//! "Current" is what `number` marked as a new level ("cut to 19%", "from 145% to 30%");
//! among those the latest wins, since articles tell changes in order. Without such a mark the
//! lead's value wins, because background ("the 29% tariff") comes after it. For statuses the
//! strongest state wins (pack order: an ending is bigger news than a pause still running),
//! then one with a deadline.

use std::collections::HashMap;

use crate::model::Claim;

/// A claim with what selection needs to rank it.
#[derive(Debug, Clone)]
pub(crate) struct Ranked {
    /// The claim as it would be emitted.
    pub claim: Claim,
    /// Whether the figure is marked as the new level.
    pub current: bool,
    /// How many roles the sentence named itself.
    pub explicit: usize,
    /// The state rank of a status (lower is stronger).
    pub rank: usize,
    /// Order of the sentence in the article.
    pub order: usize,
}

/// Picks one claim per key, in order of the key's first mention.
pub(crate) fn select(candidates: Vec<Ranked>) -> Vec<Claim> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<Ranked>> = HashMap::new();
    for c in candidates {
        let key = c.claim.key.clone();
        let group = groups.entry(key.clone()).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push(c);
    }
    let mut out = Vec::with_capacity(order.len());
    for key in order {
        let Some(group) = groups.remove(&key) else { continue };
        if let Some(best) = choose(group) {
            out.push(best);
        }
    }
    out
}

fn same_value(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        (None, None) => true,
        _ => false,
    }
}

fn choose(group: Vec<Ranked>) -> Option<Claim> {
    let is_status = group.first().is_some_and(|r| r.claim.status.is_some());
    let chosen: &Ranked = if is_status {
        group.iter().min_by_key(|r| (r.rank, r.claim.until.is_none(), r.order))?
    } else if group.iter().any(|r| r.current) {
        group.iter().filter(|r| r.current).max_by_key(|r| r.order)?
    } else {
        group.iter().min_by_key(|r| r.order)?
    };
    // The same value said again: quote the sentence that names the parties best, then first.
    let best = group
        .iter()
        .filter(|r| {
            same_value(r.claim.value, chosen.claim.value)
                && r.claim.status == chosen.claim.status
                && r.claim.until == chosen.claim.until
        })
        .min_by_key(|r| (std::cmp::Reverse(r.explicit), r.order))
        .unwrap_or(chosen);
    Some(best.claim.clone())
}
