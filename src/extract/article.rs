//! The article layer: who the article is about, the roles its clauses left open, and one
//! claim per key.
//!
//! A clause that names no imposer takes the article's: the party its clauses name as
//! levying most often, else the United States when the article names it (the imposer of
//! most tariff news), but never the target itself. A clause that names no target takes the
//! article's main other party, when one stands out. When an article gives several values
//! for one key, what it says about each decides: a total beats a current value ("cut to",
//! "the new"), which beats a level stated plainly, which beats one dated in the past or an
//! increment; a value the article calls old or only threatened loses to any other; among
//! equals the one whose clause named the party, then the most repeated, then the first.

use std::collections::HashMap;

use super::frame::{Finding, Party, Stance};
use super::lexicon::Form;
use super::pack::{Pack, Reading};

/// How often the article names each entity, in its story (not its chrome).
#[derive(Debug, Default)]
pub(crate) struct Mentions {
    counts: HashMap<u16, usize>,
    /// The pack's default imposer, preferred when parties tie.
    pub us: Option<u16>,
}

impl Mentions {
    /// Counts one mention.
    pub(crate) fn add(&mut self, entity: u16, form: Form, weight: usize) {
        if form == Form::Ambiguous {
            return;
        }
        *self.counts.entry(entity).or_default() += weight;
    }

    /// The most-named entity other than `not`, when it stands out: named more often than
    /// any other, or the only other one.
    pub(crate) fn main_other(&self, not: Option<u16>) -> Option<u16> {
        let mut others: Vec<(u16, usize)> =
            self.counts.iter().filter(|(e, _)| Some(**e) != not).map(|(e, n)| (*e, *n)).collect();
        others.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        match others.as_slice() {
            [(e, _)] => Some(*e),
            [(e, n), (_, m), ..] if n > m => Some(*e),
            _ => None,
        }
    }

    /// The most-named entity.
    pub(crate) fn main(&self) -> Option<u16> {
        self.main_other(None)
    }

    /// The two most-named entities, when they stand out from a third.
    pub(crate) fn top_two(&self) -> Option<(u16, u16)> {
        let mut all: Vec<(u16, usize)> = self.counts.iter().map(|(e, n)| (*e, *n)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        match all.as_slice() {
            [(a, _), (b, _)] => Some((*a, *b)),
            [(a, _), (b, m), (_, k), ..] if m > k => Some((*a, *b)),
            _ => None,
        }
    }
}

/// The article's imposer: the party its clauses name as levying most often, else the
/// pack's default imposer.
pub(crate) fn imposer(findings: &[Finding], votes: &[u16], mentions: &Mentions) -> Option<u16> {
    let mut counts: HashMap<u16, usize> = HashMap::new();
    for f in findings {
        // A threat names who threatens, not who levies what is in force.
        if matches!(f.reading, Reading::Rate | Reading::Baseline | Reading::Pause)
            && let Some(Some(Party::Named(e))) = f.parties.first()
        {
            *counts.entry(*e).or_default() += 1;
        }
    }
    for e in votes {
        *counts.entry(*e).or_default() += 1;
    }
    let mut best: Vec<(u16, usize)> = counts.into_iter().collect();
    best.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then((Some(b.0) == mentions.us).cmp(&(Some(a.0) == mentions.us)))
            .then(a.0.cmp(&b.0))
    });
    if let Some((e, _)) = best.first() {
        return Some(*e);
    }
    mentions.us
}

/// A finding with its roles filled and its key built.
#[derive(Debug, Clone)]
pub(crate) struct Keyed {
    /// The finding.
    pub finding: Finding,
    /// Index of its metric.
    pub metric: usize,
    /// The entity codes in role order.
    pub subject: Vec<String>,
    /// The period, if the metric has one and the text says it.
    pub period: Option<String>,
    /// The key.
    pub key: String,
}

/// Fills the open roles of a finding and builds its key; `Err` says why it cannot be.
pub(crate) fn key(
    pack: &Pack,
    f: &Finding,
    imposer: Option<u16>,
    mentions: &Mentions,
    warnings: &mut Vec<String>,
) -> Result<Keyed, &'static str> {
    let Some(&mi) = pack.by_reading.get(&f.reading) else {
        return Err("no metric for this reading");
    };
    let Some(m) = pack.metrics.get(mi) else { return Err("no metric for this reading") };
    let levy =
        matches!(f.reading, Reading::Rate | Reading::Baseline | Reading::Threat | Reading::Pause);
    let named = |p: Option<Party>| match p {
        Some(Party::Named(e)) => Some(e),
        _ => None,
    };
    let mut parties: Vec<u16> = Vec::new();
    if levy {
        let target_named = named(f.parties.get(1).copied().flatten());
        let either = match f.parties.get(1).copied().flatten() {
            Some(Party::Either(a, b)) => Some((a, b)),
            _ => None,
        };
        let imp = match f.parties.first().copied().flatten() {
            Some(Party::Named(e)) => Some(e),
            // "The truce between the United States and China": keyed from the side that
            // levies most tariff news, else from the article's imposer, else the first.
            // A truce of "both countries": keyed from the default imposer when it is one of
            // the article's two parties.
            _ if matches!(f.parties.get(1), Some(Some(Party::Counterpart)))
                && mentions.us.is_some_and(|us| {
                    mentions.top_two().is_some_and(|(a, b)| a == us || b == us)
                }) =>
            {
                mentions.us
            }
            _ if either.is_some() => either.map(|(a, b)| {
                [mentions.us, imposer]
                    .into_iter()
                    .flatten()
                    .find(|x| *x == a || *x == b)
                    .unwrap_or(a)
            }),
            _ => match (imposer, target_named) {
                (Some(i), Some(t)) if i == t => mentions.main_other(Some(t)),
                (Some(i), _) => Some(i),
                (None, Some(t)) => mentions.main_other(Some(t)),
                (None, None) => None,
            },
        };
        let Some(imp) = imp else { return Err("no imposer named and none in the article") };
        parties.push(imp);
        if m.roles.len() + m.optional_roles.len() > 1 {
            match f.parties.get(1).copied().flatten() {
                Some(p) => {
                    let t = match p {
                        Party::Named(e) => Some(e),
                        Party::Guess(e) if e != imp => Some(e),
                        Party::Guess(_) => mentions.main_other(Some(imp)),
                        Party::Open | Party::Counterpart => mentions.main_other(Some(imp)),
                        Party::OtherThan(x) => mentions.main_other(Some(x)),
                        Party::Either(a, b) => Some(if a == imp { b } else { a }),
                    };
                    let Some(t) = t else {
                        return Err("no target named and no one main party in the article");
                    };
                    parties.push(t);
                }
                None if m.roles.len() == 2 => return Err("no target"),
                None => {}
            }
        }
    } else {
        let mut filled: Vec<Option<u16>> = f.parties.iter().map(|p| named(*p)).collect();
        // Two-way trade naming no side is between the article's two parties.
        if filled.iter().all(Option::is_none)
            && let Some((a, b)) = mentions.top_two()
        {
            filled = vec![Some(a), Some(b)];
        }
        for i in 0..filled.len() {
            if filled[i].is_some() {
                continue;
            }
            let other = filled.iter().enumerate().find(|(j, _)| *j != i).and_then(|(_, x)| *x);
            filled[i] = match f.parties.get(i).copied().flatten() {
                Some(Party::OtherThan(x)) => mentions.main_other(Some(x)),
                Some(Party::Counterpart) => mentions.main_other(other),
                Some(Party::Open) => {
                    other.map_or_else(|| mentions.main(), |o| mentions.main_other(Some(o)))
                }
                _ => None,
            };
        }
        for p in filled.into_iter().take(m.roles.len()) {
            let Some(e) = p else { return Err("a side of the figure is not named") };
            parties.push(e);
        }
    }
    if parties.len() >= 2 && parties.first() == parties.get(1) {
        return Err("both roles are the same party");
    }
    let mut subject: Vec<String> = parties
        .iter()
        .filter_map(|e| pack.lexicon.entities.get(*e as usize).map(|e| e.code.clone()))
        .collect();
    if f.reading == Reading::Volume {
        subject.sort();
    }
    let period = match (m.period, f.period) {
        (true, Some(Some(y))) => Some(y.to_string()),
        (true, Some(None)) => {
            warnings.push(format!(
                "{}: a relative year is not resolved because the article date is not stated in the article; key has no period",
                m.name
            ));
            None
        }
        _ => None,
    };
    let mut key = format!("{}:{}", m.name, subject.join(":"));
    if let Some(p) = &period {
        key.push('@');
        key.push_str(p);
    }
    Ok(Keyed { finding: f.clone(), metric: mi, subject, period, key })
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        (None, None) => true,
        _ => false,
    }
}

/// Stance rank for choosing among values: higher wins.
fn rank(s: Stance) -> u8 {
    match s {
        Stance::Total => 5,
        Stance::Current => 4,
        Stance::Level => 3,
        Stance::Historical => 2,
        Stance::Additional => 1,
        Stance::Previous => 0,
    }
}

/// Picks one finding per key; returns the index of the chosen finding of each key, in order
/// of first mention, and for every other finding the index it lost to.
pub(crate) fn select(
    keyed: &[Keyed],
    vetoes: &[(String, f64)],
) -> (Vec<usize>, HashMap<usize, usize>) {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, k) in keyed.iter().enumerate() {
        let g = groups.entry(k.key.as_str()).or_default();
        if g.is_empty() {
            order.push(k.key.as_str());
        }
        g.push(i);
    }
    let mut chosen = Vec::new();
    let mut lost = HashMap::new();
    for key in order {
        let Some(group) = groups.get(key) else { continue };
        let Some(best) = choose(keyed, group, vetoes) else { continue };
        chosen.push(best);
        for &i in group {
            if i != best {
                lost.insert(i, best);
            }
        }
    }
    (chosen, lost)
}

fn choose(keyed: &[Keyed], group: &[usize], vetoes: &[(String, f64)]) -> Option<usize> {
    let f = |i: usize| &keyed[i].finding;
    if f(*group.first()?).status.is_some() {
        let state = |s: Option<&str>| match s {
            Some("ended") => 0,
            Some("expired") => 1,
            _ => 2,
        };
        return group.iter().copied().min_by_key(|&i| {
            let x = f(i);
            (
                state(x.status),
                std::cmp::Reverse(x.strength),
                x.until.is_none(),
                x.until_counted,
                std::cmp::Reverse(x.explicit),
                x.segment,
            )
        });
    }
    let key = &keyed[*group.first()?].key;
    let vetoed = |i: usize| vetoes.iter().any(|(k, v)| k == key && same(Some(*v), f(i).value));
    let live: Vec<usize> =
        group.iter().copied().filter(|&i| f(i).stance != Stance::Previous).collect();
    let pool: Vec<usize> = {
        let kept: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&i| !vetoed(i) || matches!(f(i).stance, Stance::Current | Stance::Total))
            .collect();
        if kept.is_empty() { live } else { kept }
    };
    let top = pool.iter().map(|&i| rank(f(i).stance)).max()?;
    let best: Vec<usize> = pool.into_iter().filter(|&i| rank(f(i).stance) == top).collect();
    let pick = if top >= rank(Stance::Current) {
        // Articles tell changes in order: the latest current value is the news.
        best.iter().copied().max_by_key(|&i| (f(i).segment, f(i).span.0))
    } else {
        let count = |i: usize| best.iter().filter(|&&j| same(f(j).value, f(i).value)).count();
        best.iter().copied().min_by_key(|&i| {
            (
                std::cmp::Reverse(f(i).explicit),
                std::cmp::Reverse(count(i)),
                f(i).segment,
                f(i).span.0,
            )
        })
    }?;
    // The same value said again: quote the clause that names the parties, then the first.
    group
        .iter()
        .copied()
        .filter(|&i| same(f(i).value, f(pick).value) && f(i).stance != Stance::Previous)
        .min_by_key(|&i| (std::cmp::Reverse(f(i).explicit), f(i).segment, f(i).span.0))
        .or(Some(pick))
}
