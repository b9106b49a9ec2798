//! Reconcile: claims and the stored facts in, changes out. The product is this diff.
//!
//! Pure: the stored facts, `now` and the rules are arguments, so the same function serves
//! the daemon, `replay` and the tests. The rules, in the order they are applied to a claim:
//!
//! 1. A key never seen before is `fact.new`, unless it is a country key restating what its
//!    general key held before the general measure moved (old news, kept in history).
//! 2. A claim older than the newest article that stated the current value is stale: kept in
//!    history, never alerting. Articles arrive out of order; old news is not a change.
//! 3. While a conflict is open (see 6), a claim settles it: a second source for the held
//!    value keeps it (no alert), a second source for the other value moves the fact to it
//!    (`fact.changed`); the conflicting source repeating itself changes nothing.
//! 4. A claim consistent with the stored value is a restatement: no alert, one more source.
//!    Figures compare after normalization, within the precision the article gives ("about
//!    $5 billion" after "$5.1 billion"; "surpassing $7 billion" after "$7.3 billion"; "$3
//!    billion" after "$3.2 billion" for money) and within a per-metric tolerance; statuses
//!    compare by state and deadline, where "until July" and "until July 9" agree, and so
//!    do `expired` and `ended` (over either way; `ended` is kept as the more precise).
//! 5. A claim on the same day as the stored value, from another article, that only restates
//!    the value the last change replaced is stale too: two same-day articles where one
//!    still repeats the old figure must not flip the fact back and forth.
//! 6. A different value from another source that does not itself say it replaces the held
//!    one ("from 145% to 30%") is a conflict (`fact.conflict`, the held value kept) when it
//!    is of the same date as the held value's last confirmation, or when it flips back to
//!    the value the last change replaced within `reversal_window` days of that change.
//! 7. Anything else is a change: `fact.deadline_changed` when only a status deadline moved
//!    (or appeared), `fact.changed` otherwise.
//!
//! Scope: a metric with an optional trailing role (`tariff_pause` with an optional target)
//! has a general key (`tariff_pause:US`) and country keys (`tariff_pause:US:PK`). When the
//! general key changes, every country key that held the general's old value and that the
//! article says nothing about follows it, each with its own alert carrying `cause`. A
//! country key with a value of its own (a deal, an exception) does not follow. At a
//! deadline, a country key that still holds a deadline the general key has moved follows
//! the general key rather than expiring.
//!
//! Threats: when a rate comes into force at the value a stored threat named, the threat
//! key changes to status `realised` (`fact.changed`, `cause` = the rate key).
//!
//! Deadlines: a status with an `until` is `expired` once the clock passes the deadline (a
//! day deadline at the start of that day in the configured zone, a month deadline at the end
//! of the month). [`expire`] finds the facts that lapsed; claims are read the same way, so an
//! article that repeats "until July 9" after July 9 does not revive an expired pause.

mod age;
mod event;
mod scope;

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::model::{Change, Claim, Deadline, EventType, Fact, Kind, Observation, Qualifier};

pub use age::{days_since_confirmed, is_unconfirmed};
pub use event::{alert_event, show, summary};
pub use scope::{Needed, needed, needed_for_expiry};

pub use crate::model::{ENDED, EXPIRED, REALISED};

/// The default of `reconcile.reversal_window`, in days.
pub const DEFAULT_REVERSAL_WINDOW_DAYS: u32 = 3;

/// The settings the change rules depend on.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The zone in which a deadline day starts.
    pub tz: TimeZone,
    /// Relative tolerance per metric: figures within it of the stored value do not alert.
    pub tolerance: BTreeMap<String, f64>,
    /// A flip back to the replaced value within this many days of a change, from one
    /// source, is held as a conflict rather than alerted as a second change.
    pub reversal_window_days: u32,
    /// Metrics with a general key: the number of leading roles that make it. From the
    /// packs: `tariff_pause` -> 1 (`tariff_pause:US` is general for `tariff_pause:US:PK`).
    pub scoped: BTreeMap<String, usize>,
    /// Rate metrics that realise a threat metric of the same subject: `tariff_rate` ->
    /// `tariff_threat`.
    pub realises: BTreeMap<String, String>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            tz: TimeZone::UTC,
            tolerance: BTreeMap::new(),
            reversal_window_days: DEFAULT_REVERSAL_WINDOW_DAYS,
            scoped: BTreeMap::new(),
            realises: BTreeMap::new(),
        }
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

/// The facts as one article leaves them: what was stored, overlaid with this article's
/// changes so far, so a country key judged after its general key sees the general's news.
struct Working<'a> {
    stored: &'a HashMap<String, Fact>,
    changed: HashMap<String, Fact>,
}

impl<'a> Working<'a> {
    fn get(&self, key: &str) -> Option<&Fact> {
        self.changed.get(key).or_else(|| self.stored.get(key))
    }

    fn apply(&mut self, change: &Change) {
        if let Some(f) = change.fact() {
            self.changed.insert(f.key.clone(), f.clone());
        }
    }

    /// Every fact under a general key, in key order (the stored map has none).
    fn countries_of(&self, general: &Fact, rules: &Rules) -> Vec<Fact> {
        let mut keys: Vec<&String> = self
            .stored
            .keys()
            .chain(self.changed.keys())
            .filter(|k| scope::general_key_of(k, rules).as_deref() == Some(general.key.as_str()))
            .collect();
        keys.sort();
        keys.dedup();
        keys.into_iter().filter_map(|k| self.get(k).cloned()).collect()
    }
}

/// Compares the claims of one article with the stored facts.
///
/// `facts` must hold the stored facts that [`needed`] names for these claims (when they
/// exist): the claims' keys, their general keys, the country keys under a general key
/// claimed, and the threats a rate may realise. Claims of the same key after the first are
/// ignored: extraction hands on one per key.
pub fn reconcile(
    claims: &[Claim],
    facts: &HashMap<String, Fact>,
    now: Timestamp,
    rules: &Rules,
) -> Vec<Change> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut firsts: Vec<&Claim> = claims.iter().filter(|c| seen.insert(&c.key)).collect();
    // General keys first, so their countries follow before their own claims are judged; the
    // sort is stable, so the article's order decides otherwise.
    firsts.sort_by_key(|c| !scope::is_general(&c.metric, &c.subject, rules));
    let mut work = Working { stored: facts, changed: HashMap::new() };
    let mut changes = Vec::new();
    for claim in firsts {
        let mut obs = Observation::from_claim(claim);
        if lapsed(&obs, now, &rules.tz) {
            obs.status = Some(EXPIRED.to_string());
        }
        let general = scope::general_key_of(&claim.key, rules).and_then(|g| work.get(&g));
        let change = match work.get(&claim.key) {
            None => first_sighting(claim, obs, general, rules),
            Some(fact) => judge(fact, obs, rules),
        };
        let before = work.get(&claim.key).cloned();
        work.apply(&change);
        let followers = match (&change, before) {
            (Change::Updated { fact, .. }, Some(before))
                if scope::is_general(&fact.metric, &fact.subject, rules) =>
            {
                let countries = work.countries_of(fact, rules);
                follow(&before, fact, &countries, &seen)
            }
            _ => Vec::new(),
        };
        changes.push(change);
        for f in followers {
            work.apply(&f);
            changes.push(f);
        }
    }
    let realised = realise_threats(&changes, &work, rules);
    changes.extend(realised);
    changes
}

/// A key with no stored fact.
fn first_sighting(
    claim: &Claim,
    obs: Observation,
    general: Option<&Fact>,
    rules: &Rules,
) -> Change {
    // "Pakistan's pause runs until July 9", written after the general pause moved from July
    // 9 to August 1, repeats the general's old value: a key made from it would expire on a
    // deadline that no longer holds.
    if let Some(g) = general
        && let Some(old) = &g.previous
        && consistent(old, &obs, 0.0).is_some()
        && consistent(&g.current, &obs, 0.0).is_none()
        && obs.as_of <= add_days(g.current.as_of, rules.reversal_window_days)
    {
        return Change::Stale {
            key: claim.key.clone(),
            claim: obs,
            why: format!(
                "repeats {} as {} held it before {}; the country follows the general measure",
                show(old),
                g.key,
                g.current.as_of
            ),
        };
    }
    Change::New {
        fact: Fact {
            key: claim.key.clone(),
            metric: claim.metric.clone(),
            subject: claim.subject.clone(),
            period: claim.period.clone(),
            kind: claim.kind,
            confirmed: claim.as_of,
            sources: vec![claim.source.clone()],
            current: obs,
            previous: None,
            revision: 0,
            conflict: None,
        },
    }
}

fn add_days(d: Date, days: u32) -> Date {
    d.checked_add(jiff::Span::new().days(i64::from(days))).unwrap_or(Date::MAX)
}

fn judge(fact: &Fact, obs: Observation, rules: &Rules) -> Change {
    if obs.as_of < fact.confirmed {
        let why = format!("older than {}, when an article last stated the value", fact.confirmed);
        return Change::Stale { key: fact.key.clone(), claim: obs, why };
    }
    let tolerance = rules.tolerance.get(&fact.metric).copied().unwrap_or(0.0);
    if let Some(other) = &fact.conflict {
        return settle(fact, other, obs, tolerance);
    }
    if let Some(refined) = consistent(&fact.current, &obs, tolerance) {
        return restated(fact, obs, refined, None);
    }
    let vouched = fact.current.source == obs.source || fact.sources.contains(&obs.source);
    if obs.as_of == fact.confirmed
        && !vouched
        && fact.previous.as_ref().is_some_and(|p| consistent(p, &obs, tolerance).is_some())
    {
        let why = format!("repeats on {} the value that day's change replaced", obs.as_of);
        return Change::Stale { key: fact.key.clone(), claim: obs, why };
    }
    // An article that names the value it replaces reports a change, and a source that
    // stated the held value and now states another has been updated: neither is a conflict.
    let states_change = obs.stated_previous.is_some_and(|p| {
        fact.current.value.is_some_and(|v| {
            figure_consistent(v, None, p, None, fact.current.unit.as_deref(), tolerance).is_some()
        })
    });
    if !states_change && !vouched {
        if obs.as_of == fact.confirmed {
            let why = format!(
                "{} and {} state different values for {}",
                fact.current.source, obs.source, obs.as_of
            );
            return conflict(fact, obs, why);
        }
        if let Some(p) = &fact.previous
            && consistent(p, &obs, tolerance).is_some()
            && obs.as_of <= add_days(fact.current.as_of, rules.reversal_window_days)
        {
            let why = format!(
                "flips back to {} within {} days of the change on {}, from one source",
                show(p),
                rules.reversal_window_days,
                fact.current.as_of
            );
            return conflict(fact, obs, why);
        }
    }
    updated(fact, obs, None)
}

/// A claim while a conflict is open between the held value and `other`.
fn settle(fact: &Fact, other: &Observation, obs: Observation, tolerance: f64) -> Change {
    if let Some(refined) = consistent(&fact.current, &obs, tolerance) {
        let seconds = !fact.sources.contains(&obs.source) && fact.current.source != obs.source;
        let why = seconds.then(|| {
            format!(
                "{} states the held value: the conflict with {} ({}) is settled",
                obs.source,
                show(other),
                other.source
            )
        });
        return restated(fact, obs, refined, why);
    }
    if consistent(other, &obs, tolerance).is_some() {
        if obs.source == other.source {
            let why =
                format!("{} repeats its conflicting value; the conflict stays open", obs.source);
            return Change::Stale { key: fact.key.clone(), claim: obs, why };
        }
        let first = other.source.clone();
        let (event, mut fact) = moved(fact, obs);
        fact.sources.insert(0, first);
        return Change::Updated { event, fact, cause: None };
    }
    if obs.as_of > fact.confirmed {
        return updated(fact, obs, None);
    }
    let why = format!(
        "a third value for {} while the conflict between {} and {} is open",
        obs.as_of,
        show(&fact.current),
        show(other)
    );
    Change::Stale { key: fact.key.clone(), claim: obs, why }
}

fn restated(fact: &Fact, obs: Observation, refined: bool, settles: Option<String>) -> Change {
    let mut next = fact.clone();
    next.confirmed = next.confirmed.max(obs.as_of);
    // The same sentence of the same date under another path is the article moved or
    // copied, not a second source.
    let copy = obs.quote == fact.current.quote && obs.as_of == fact.current.as_of;
    if !copy {
        next.add_source(&obs.source);
    }
    if settles.is_some() {
        next.conflict = None;
    }
    if refined {
        let keep = next.current.clone();
        next.current =
            Observation { source: obs.source.clone(), quote: obs.quote.clone(), ..obs.clone() };
        // A refinement keeps the date of the value it refines when that is older, so
        // "as of" still says when the value was first stated.
        next.current.as_of = keep.as_of.min(obs.as_of);
    }
    Change::Restated { fact: next, claim: obs, why: settles }
}

fn conflict(fact: &Fact, obs: Observation, why: String) -> Change {
    let mut next = fact.clone();
    next.conflict = Some(obs);
    next.revision = fact.revision.saturating_add(1);
    Change::Conflict { fact: next, why }
}

fn updated(fact: &Fact, obs: Observation, cause: Option<String>) -> Change {
    let (event, fact) = moved(fact, obs);
    Change::Updated { event, fact, cause }
}

/// The fact moved to a new value, and whether that is a change of deadline only.
fn moved(fact: &Fact, obs: Observation) -> (EventType, Fact) {
    let event = if fact.kind == Kind::Status && obs.status == fact.current.status {
        EventType::DeadlineChanged
    } else {
        EventType::Changed
    };
    let mut next = fact.clone();
    next.previous = Some(fact.current.clone());
    next.confirmed = fact.confirmed.max(obs.as_of);
    next.sources = vec![obs.source.clone()];
    next.conflict = None;
    next.current = obs;
    next.revision = fact.revision.saturating_add(1);
    (event, next)
}

/// The country keys that follow a general key's change from `before` to `after`: those
/// that held the general's old value, have no conflict open, and that this article does
/// not state itself (its own claim decides them).
fn follow(before: &Fact, after: &Fact, countries: &[Fact], claimed: &HashSet<&str>) -> Vec<Change> {
    countries
        .iter()
        .filter(|c| !claimed.contains(c.key.as_str()) && c.conflict.is_none())
        .filter(|c| consistent(&before.current, &c.current, 0.0).is_some())
        .filter(|c| consistent(&c.current, &after.current, 0.0).is_none())
        .map(|c| {
            let mut obs = after.current.clone();
            obs.stated_previous = None;
            let (event, fact) = moved(c, obs);
            let fact = Fact { sources: after.sources.clone(), ..fact };
            Change::Updated { event, fact, cause: Some(after.key.clone()) }
        })
        .collect()
}

/// Threats this article's rates realise: a stored threat whose value a rate now has.
fn realise_threats(changes: &[Change], work: &Working<'_>, rules: &Rules) -> Vec<Change> {
    let mut out = Vec::new();
    for change in changes {
        let (Change::New { fact: rate } | Change::Updated { fact: rate, .. }) = change else {
            continue;
        };
        let Some(threat_metric) = rules.realises.get(&rate.metric) else { continue };
        let threat_key = scope::key_of(threat_metric, &rate.subject, rate.period.as_deref());
        // Only a threat made before this article: one stated beside the rate it became is
        // the same news, read twice.
        if !work.stored.contains_key(&threat_key) {
            continue;
        }
        let Some(threat) = work.get(&threat_key) else { continue };
        let (Some(v), Some(r)) = (threat.current.value, rate.current.value) else { continue };
        if threat.current.status.as_deref() == Some(REALISED)
            || threat.current.unit != rate.current.unit
            || (v - r).abs() > 1e-9 * v.abs().max(1.0)
        {
            continue;
        }
        let obs = Observation {
            status: Some(REALISED.to_string()),
            until: None,
            as_of: rate.current.as_of,
            source: rate.current.source.clone(),
            quote: rate.current.quote.clone(),
            stated_previous: None,
            ..threat.current.clone()
        };
        let (_, fact) = moved(threat, obs);
        out.push(Change::Updated {
            event: EventType::Changed,
            fact,
            cause: Some(rate.key.clone()),
        });
    }
    out
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
            // A pause the clock expired that an article then calls ended (or the other way
            // round) is over either way: the article confirms it, more precisely when it
            // says it was ended.
            let over = |s: &str| s == EXPIRED || s == ENDED;
            if sa != sb && over(sa) && over(sb) {
                return Some(sb == ENDED);
            }
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
        Change::Expired { fact, .. } => fact
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
/// this only ever sees deadlines that nobody moved. `others` holds the general keys that
/// [`needed_for_expiry`] names: a country key lapsing with its general key says so
/// (`cause`), and one still holding a deadline its general key has since moved follows the
/// general key instead of expiring.
pub fn expire(
    due: &[Fact],
    others: &HashMap<String, Fact>,
    now: Timestamp,
    rules: &Rules,
) -> Vec<Change> {
    let lapsing: HashMap<&str, &Fact> = due
        .iter()
        .filter(|f| f.kind == Kind::Status && lapsed(&f.current, now, &rules.tz))
        .map(|f| (f.key.as_str(), f))
        .collect();
    let mut out = Vec::new();
    for f in due.iter().filter(|f| lapsing.contains_key(f.key.as_str())) {
        let general_key = scope::general_key_of(&f.key, rules);
        let general = general_key
            .as_deref()
            .and_then(|g| lapsing.get(g).copied().or_else(|| others.get(g)).filter(|_| g != f.key));
        let mut cause = None;
        if let Some(g) = general {
            if lapsing.contains_key(g.key.as_str()) {
                if consistent(&g.current, &f.current, 0.0).is_some() {
                    cause = Some(g.key.clone());
                }
            } else if g.previous.as_ref().is_some_and(|p| consistent(p, &f.current, 0.0).is_some())
                && consistent(&g.current, &f.current, 0.0).is_none()
                && !lapsed(&g.current, now, &rules.tz)
            {
                let mut obs = g.current.clone();
                obs.stated_previous = None;
                let (event, fact) = moved(f, obs);
                let fact = Fact { sources: g.sources.clone(), ..fact };
                out.push(Change::Updated { event, fact, cause: Some(g.key.clone()) });
                continue;
            }
        }
        let mut next = f.clone();
        next.previous = Some(f.current.clone());
        next.current.status = Some(EXPIRED.to_string());
        next.current.stated_previous = None;
        if let Some(u) = f.current.until {
            // The expired state speaks for the day the deadline passed.
            next.current.as_of = u.lapse_day().max(f.current.as_of);
        }
        // The clock, not an article, set the value.
        next.sources.clear();
        next.conflict = None;
        next.revision = f.revision.saturating_add(1);
        out.push(Change::Expired { fact: next, cause });
    }
    out
}

#[cfg(test)]
mod tests;
