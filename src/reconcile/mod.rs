//! Reconcile: claims and the stored facts in, changes out. The product is this diff.
//!
//! Pure: the stored facts, `now` and the rules are arguments, so the same function serves
//! the daemon, `replay` and the tests. The rules, in the order they are applied to a claim:
//!
//! 1. A key never seen before is `fact.new`.
//! 2. A claim older than the newest article that stated the current value is stale: kept in
//!    history, never alerting. Articles arrive out of order; old news is not a change.
//! 3. A claim consistent with the stored value is a restatement: no alert. Figures compare
//!    after normalization, within the precision the article gives ("about $5 billion" after
//!    "$5.1 billion"; "surpassing $7 billion" after "$7.3 billion"; "$3 billion" after
//!    "$3.2 billion" for money) and within a per-metric tolerance; statuses compare by state
//!    and deadline, where "until July" and "until July 9" do not contradict each other.
//! 4. A claim on the same day as the stored value, from another article, that only restates
//!    the value the last change replaced is stale too: two same-day articles where one
//!    still repeats the old figure must not flip the fact back and forth.
//! 5. Anything else is a change: `fact.deadline_changed` when only a status deadline moved
//!    (or appeared), `fact.changed` otherwise.
//!
//! Deadlines: a status with an `until` is `expired` once the clock passes the deadline (a
//! day deadline at the start of that day in the configured zone, a month deadline at the end
//! of the month). [`expire`] finds the facts that lapsed; claims are read the same way, so an
//! article that repeats "until July 9" after July 9 does not revive an expired pause.

mod age;
mod event;

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::model::{Change, Claim, Deadline, EventType, Fact, Kind, Observation, Qualifier};

pub use age::{days_since_confirmed, is_unconfirmed};
pub use event::{alert_event, show, summary};

pub use crate::model::{ENDED, EXPIRED};

/// The settings the change rules depend on.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The zone in which a deadline day starts.
    pub tz: TimeZone,
    /// Relative tolerance per metric: figures within it of the stored value do not alert.
    pub tolerance: BTreeMap<String, f64>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules { tz: TimeZone::UTC, tolerance: BTreeMap::new() }
    }
}

/// The instant a deadline passes: the start of its day, or the end of its month, in `tz`.
pub fn lapse_instant(deadline: Deadline, tz: &TimeZone) -> Timestamp {
    let day = deadline.lapse_day();
    day.to_zoned(tz.clone()).map_or(Timestamp::MAX, |z| z.timestamp())
}

/// Whether this observation's status has lapsed at `now`.
fn lapsed(obs: &Observation, now: Timestamp, tz: &TimeZone) -> bool {
    obs.lapsing_deadline().is_some_and(|u| lapse_instant(u, tz) <= now)
}

/// Compares the claims of one article with the stored facts.
///
/// `facts` must hold the stored fact of every key the claims name (when there is one).
/// Claims of the same key after the first are ignored: extraction hands on one per key.
pub fn reconcile(
    claims: &[Claim],
    facts: &HashMap<String, Fact>,
    now: Timestamp,
    rules: &Rules,
) -> Vec<Change> {
    let mut seen: Vec<&str> = Vec::new();
    let mut changes = Vec::new();
    for claim in claims {
        if seen.contains(&claim.key.as_str()) {
            continue;
        }
        seen.push(&claim.key);
        let mut obs = Observation::from_claim(claim);
        if lapsed(&obs, now, &rules.tz) {
            obs.status = Some(EXPIRED.to_string());
        }
        changes.push(match facts.get(&claim.key) {
            None => Change::New {
                fact: Fact {
                    key: claim.key.clone(),
                    metric: claim.metric.clone(),
                    subject: claim.subject.clone(),
                    period: claim.period.clone(),
                    kind: claim.kind,
                    confirmed: claim.as_of,
                    current: obs,
                    previous: None,
                    revision: 0,
                },
            },
            Some(fact) => judge(fact, obs, rules),
        });
    }
    changes
}

fn judge(fact: &Fact, obs: Observation, rules: &Rules) -> Change {
    if obs.as_of < fact.confirmed {
        return Change::Stale { key: fact.key.clone(), claim: obs };
    }
    let tolerance = rules.tolerance.get(&fact.metric).copied().unwrap_or(0.0);
    if let Some(refined) = consistent(&fact.current, &obs, tolerance) {
        let mut next = fact.clone();
        next.confirmed = next.confirmed.max(obs.as_of);
        if refined {
            let keep = next.current.clone();
            next.current =
                Observation { source: obs.source.clone(), quote: obs.quote.clone(), ..obs.clone() };
            // A refinement keeps the date of the value it refines when that is older, so
            // "as of" still says when the value was first stated.
            next.current.as_of = keep.as_of.min(obs.as_of);
        }
        return Change::Restated { fact: next, claim: obs };
    }
    if obs.as_of == fact.confirmed
        && obs.source != fact.current.source
        && fact.previous.as_ref().is_some_and(|p| consistent(p, &obs, tolerance).is_some())
    {
        return Change::Stale { key: fact.key.clone(), claim: obs };
    }
    let event = if fact.kind == Kind::Status && obs.status == fact.current.status {
        EventType::DeadlineChanged
    } else {
        EventType::Changed
    };
    let mut next = fact.clone();
    next.previous = Some(fact.current.clone());
    next.confirmed = obs.as_of;
    next.current = obs;
    next.kind = fact.kind;
    next.revision = fact.revision.saturating_add(1);
    Change::Updated { event, fact: next }
}

/// Whether `new` says nothing that contradicts `old`. `Some(true)` when it is consistent and
/// more precise (so the stored value should be refined without an alert), `Some(false)` when
/// consistent, `None` when it is a change.
fn consistent(old: &Observation, new: &Observation, tolerance: f64) -> Option<bool> {
    match (old.value, new.value, &old.status, &new.status) {
        (Some(a), Some(b), _, _) => {
            if old.unit != new.unit {
                return None;
            }
            figure_consistent(a, old.qualifier, b, new.qualifier, old.unit.as_deref(), tolerance)
        }
        (None, None, Some(sa), Some(sb)) => {
            if sa != sb {
                return None;
            }
            match (old.until, new.until) {
                (_, None) => Some(false),
                // A deadline where there was none is news: the status can now lapse.
                (None, Some(_)) => None,
                (Some(a), Some(b)) if a == b => Some(false),
                (Some(a), Some(b)) if a.is_compatible(&b) => Some(b.is_day() && !a.is_day()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The unit of the last significant digit of a figure as written: 5e9 -> 1e9, 5.1e9 -> 1e8,
/// 29 -> 1, 2.5 -> 0.1.
fn last_digit_unit(v: f64) -> f64 {
    let v = v.abs();
    if v == 0.0 || !v.is_finite() {
        return 1.0;
    }
    let mut unit = 10f64.powi(v.log10().floor() as i32);
    for _ in 0..15 {
        let q = v / unit;
        if (q - q.round()).abs() < 1e-6 * q.max(1.0) {
            return unit;
        }
        unit /= 10.0;
    }
    unit
}

fn figure_consistent(
    a: f64,
    qa: Option<Qualifier>,
    b: f64,
    qb: Option<Qualifier>,
    unit: Option<&str>,
    tolerance: f64,
) -> Option<bool> {
    let close = |x: f64, y: f64, slack: f64| (x - y).abs() <= slack + 1e-9 * x.abs().max(y.abs());
    if close(a, b, 0.0) {
        // Same number: only a hedge removed makes it more precise.
        return Some(qa.is_some() && qb.is_none());
    }
    if tolerance > 0.0 && close(a, b, tolerance * a.abs()) {
        return Some(false);
    }
    // A hedged new figure decides by its hedge alone: is the stored value inside it?
    match qb {
        Some(Qualifier::About) => return close(a, b, last_digit_unit(b)).then_some(false),
        Some(Qualifier::Over) => return (a >= b).then_some(false),
        Some(Qualifier::Under) => return (a <= b).then_some(false),
        None => {}
    }
    // The stored figure was hedged and the new one is exact: inside the hedge it refines it.
    match qa {
        Some(Qualifier::About) => return close(a, b, last_digit_unit(a)).then_some(true),
        Some(Qualifier::Over) => return (b >= a).then_some(true),
        Some(Qualifier::Under) => return (b <= a).then_some(true),
        None => {}
    }
    // Money is written rounded ("$3 billion" for $3.2 billion): one figure that rounds to
    // the other at the other's precision does not contradict it. Rates and counts are
    // exact: 29% and 30% are different tariffs.
    if unit.is_some_and(|u| u.len() == 3 && u.chars().all(|c| c.is_ascii_uppercase()))
        && a.abs().max(b.abs()) >= 1e6
    {
        let (coarse, fine) = if last_digit_unit(a) >= last_digit_unit(b) { (a, b) } else { (b, a) };
        if close(coarse, fine, last_digit_unit(coarse) / 2.0) {
            return Some(fine == b);
        }
    }
    None
}

/// When a change happened: an expiry at the instant its deadline passed (which a daemon
/// catching up after downtime, or a replay, may notice later), anything else at `now`.
pub fn occurred_at(change: &Change, now: Timestamp, rules: &Rules) -> Timestamp {
    match change {
        Change::Expired { fact } => fact
            .previous
            .as_ref()
            .and_then(|p| p.until)
            .map_or(now, |u| lapse_instant(u, &rules.tz).min(now)),
        _ => now,
    }
}

/// The facts whose deadline passed at `now`, as expiry changes.
///
/// A fact that an article extended or ended first no longer has the lapsed deadline, so
/// this only ever sees deadlines that nobody moved.
pub fn expire(facts: &[Fact], now: Timestamp, rules: &Rules) -> Vec<Change> {
    facts
        .iter()
        .filter(|f| f.kind == Kind::Status)
        .filter(|f| lapsed(&f.current, now, &rules.tz))
        .map(|f| {
            let mut next = f.clone();
            next.previous = Some(f.current.clone());
            next.current.status = Some(EXPIRED.to_string());
            if let Some(u) = f.current.until {
                // The expired state speaks for the day the deadline passed.
                next.current.as_of = u.lapse_day().max(f.current.as_of);
            }
            next.revision = f.revision.saturating_add(1);
            Change::Expired { fact: next }
        })
        .collect()
}

#[cfg(test)]
mod tests;
