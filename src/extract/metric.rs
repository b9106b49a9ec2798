//! Metrics in one sentence: which numbers are the figures of which metric (pack `values`
//! and `excludes` patterns), which entities fill which roles (role `cues`, bound to the
//! nearest figure), and which year a figure is for.
//!
//! The result is a list of [`Candidate`]s whose roles may still be empty; the article-level
//! fallback to main parties happens in `mod.rs`, and the choice among several candidates
//! for one key in `selection`. Status metrics are read in `status`.

use std::collections::HashSet;

use regex::SetMatches;

use super::date::{Mention, YearUse};
use super::pack::{MetricKind, Vocabulary};
use super::pattern::{token_index, tokens};
use super::skeleton::Skeleton;
use super::status::Finding;
use crate::model::Qualifier;

/// The period of a candidate figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Period {
    /// No year found, or the metric has no period.
    None,
    /// A year.
    Year(i16),
    /// A relative year ("last year") with an unstated article date.
    Unresolved,
}

/// A figure or status read from one sentence, before the article fills missing roles.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Index into the vocabulary's metrics.
    pub metric: usize,
    /// Index of the sentence in the article's sentence list.
    pub sentence: usize,
    /// The entity of each required role, in the metric's role order.
    pub roles: Vec<Option<usize>>,
    /// Whether the sentence itself named each required role.
    pub explicit: Vec<bool>,
    /// The entity of each optional role; only the sentence can fill these.
    pub optional: Vec<Option<usize>>,
    /// The year the figure is for.
    pub period: Period,
    /// The figure: value, hedge, and whether the sentence marks it as the new level.
    pub figure: Option<(f64, Option<Qualifier>, bool)>,
    /// The status, for status metrics.
    pub status: Option<Finding>,
}

/// The sentence being read: its skeleton, which gated patterns can match it, its text and
/// its index in the article.
pub(crate) struct Reading<'a> {
    /// The skeleton patterns run on.
    pub sk: &'a Skeleton,
    /// Which value patterns and cues of the vocabulary's gate match the skeleton.
    pub gate: &'a SetMatches,
    /// The sentence as written.
    pub text: &'a str,
    /// The sentence's index in the article's sentence list.
    pub index: usize,
}

/// An entity a cue put in a role, near some part of the skeleton.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Binding {
    /// Index into the vocabulary's roles.
    pub role: usize,
    /// The entity.
    pub entity: usize,
    /// The quantity token the cue named, if it named one.
    pub quantity: Option<usize>,
    /// The skeleton range the cue matched.
    pub range: (usize, usize),
}

/// Runs every role cue over the skeleton.
pub(crate) fn bindings(
    vocab: &Vocabulary,
    sk: &Skeleton,
    gate: &SetMatches,
    wanted: &HashSet<usize>,
) -> Vec<Binding> {
    let mut out = Vec::new();
    for (ri, role) in vocab.roles.iter().enumerate() {
        if !wanted.contains(&ri) {
            continue;
        }
        let base = vocab.cue_gate.get(ri).copied().unwrap_or(0);
        for (ci, cue) in role.cues.iter().enumerate() {
            if !gate.matched(base + ci) {
                continue;
            }
            for m in cue.regex.find_iter(&sk.text) {
                let range = (m.start(), m.end());
                let mut entities = tokens(m.as_str()).filter(|(l, _)| *l == 'E');
                let only = match (entities.next(), entities.next()) {
                    (Some((_, e)), None) => Some(e),
                    _ => None,
                };
                // One entity and one role: no need to resolve captures.
                if let (Some(e), false, [own]) = (only, cue.has_value, cue.roles.as_slice()) {
                    if let Some(&(entity, _)) = sk.entities.get(e) {
                        out.push(Binding { role: *own, entity, quantity: None, range });
                    }
                    continue;
                }
                let Some(caps) = cue.regex.captures_at(&sk.text, m.start()) else { continue };
                let quantity = caps.name("value").and_then(|v| token_index(v.as_str()));
                for &r in &cue.roles {
                    let Some(name) = vocab.roles.get(r).map(|r| format!("r_{}", r.name)) else {
                        continue;
                    };
                    if let Some(entity) = caps.name(&name).and_then(|t| sk.entity_at(t.as_str())) {
                        out.push(Binding { role: r, entity, quantity, range });
                    }
                }
            }
        }
    }
    out
}

fn distance(a: (usize, usize), b: (usize, usize)) -> usize {
    b.0.saturating_sub(a.1).max(a.0.saturating_sub(b.1))
}

/// How far a cue is from a figure, counting a clause break between them ("; ", ", while")
/// as very far: "X cut its tariff to 30%, while Y lowers its tariff to 10%" keeps Y with 10%.
fn reach(text: &str, cue: (usize, usize), figure: (usize, usize)) -> usize {
    let d = distance(cue, figure);
    let (from, to) = if cue.1 <= figure.0 { (cue.1, figure.0) } else { (figure.1, cue.0) };
    let between = text.get(from..to).unwrap_or("");
    let breaks = [";", " while ", " whereas ", " but ", ", and ", ", which ", " - "];
    if d > 0 && breaks.iter().any(|b| between.contains(b)) { d + 1000 } else { d }
}

/// Reads the figures of the triggered figure metrics in one sentence.
pub(crate) fn figures(
    vocab: &Vocabulary,
    triggered: &[usize],
    reading: &Reading<'_>,
) -> Vec<Candidate> {
    let (sk, gate, sentence) = (reading.sk, reading.gate, reading.index);
    let mut claimed: HashSet<usize> = HashSet::new();
    // (metric, quantity) in order of discovery.
    let mut found: Vec<(usize, usize)> = Vec::new();
    for &mi in triggered {
        let Some(metric) = vocab.metrics.get(mi) else { continue };
        if metric.kind != MetricKind::Figure {
            continue;
        }
        let mut mine: Vec<usize> = Vec::new();
        let letter = metric.value_letter;
        let base = vocab.value_gate.get(mi).copied().unwrap_or(0);
        for (vi, re) in metric.values.iter().enumerate() {
            if !gate.matched(base + vi) {
                continue;
            }
            for m in re.find_iter(&sk.text) {
                // Most matches hold one quantity of the metric's unit: that is the value.
                let mut of_unit = tokens(m.as_str()).filter(|(l, _)| Some(*l) == letter);
                let qi = match (of_unit.next(), of_unit.next()) {
                    (Some((_, q)), None) => Some(q),
                    _ => re
                        .captures_at(&sk.text, m.start())
                        .and_then(|c| c.name("value").and_then(|v| token_index(v.as_str()))),
                };
                let Some(qi) = qi else { continue };
                if !claimed.contains(&qi) && !mine.contains(&qi) {
                    mine.push(qi);
                }
            }
        }
        if mine.is_empty() {
            continue;
        }
        claimed.extend(mine.iter().copied());
        let mut vetoed: HashSet<usize> = HashSet::new();
        let base = vocab.exclude_gate.get(mi).copied().unwrap_or(0);
        for (ei, (re, has_value)) in metric.excludes.iter().enumerate() {
            if !gate.matched(base + ei) {
                continue;
            }
            if *has_value {
                for caps in re.captures_iter(&sk.text) {
                    if let Some(qi) = caps.name("value").and_then(|v| token_index(v.as_str())) {
                        vetoed.insert(qi);
                    }
                }
            } else if re.is_match(&sk.text) {
                vetoed.extend(mine.iter().copied());
            }
        }
        found.extend(mine.into_iter().filter(|q| !vetoed.contains(q)).map(|q| (mi, q)));
    }
    if found.is_empty() {
        return Vec::new();
    }

    let mut wanted: HashSet<usize> = HashSet::new();
    for (mi, _) in &found {
        if let Some(m) = vocab.metrics.get(*mi) {
            wanted.extend(m.roles.iter().chain(&m.optional_roles).copied());
        }
    }
    let binds = bindings(vocab, sk, gate, &wanted);

    let mut out = Vec::with_capacity(found.len());
    for &(mi, qi) in &found {
        let Some(metric) = vocab.metrics.get(mi) else { continue };
        let Some((q, qrange)) = sk.quantities.get(qi) else { continue };
        let fill = |role: usize| -> Option<usize> {
            let mut best: Option<(usize, usize)> = None;
            for b in binds.iter().filter(|b| b.role == role) {
                let d = match b.quantity {
                    Some(bq) if bq == qi => 0,
                    Some(_) => continue,
                    None => {
                        // The cue must be nearer this figure than any other figure of a metric
                        // that has the role, so two figures in one sentence keep their parties.
                        let mine = reach(&sk.text, b.range, *qrange) + 1;
                        let closer_other = found.iter().any(|&(omi, oqi)| {
                            oqi != qi
                                && vocab.metrics.get(omi).is_some_and(|m| {
                                    m.roles.contains(&role) || m.optional_roles.contains(&role)
                                })
                                && sk
                                    .quantities
                                    .get(oqi)
                                    .is_some_and(|(_, r)| distance(b.range, *r) + 1 < mine)
                        });
                        if closer_other {
                            continue;
                        }
                        mine
                    }
                };
                if best.is_none_or(|(_, bd)| d < bd) {
                    best = Some((b.entity, d));
                }
            }
            best.map(|(e, _)| e)
        };
        let mut roles: Vec<Option<usize>> = metric.roles.iter().map(|&r| fill(r)).collect();
        dedupe_roles(&mut roles);
        let explicit = roles.iter().map(Option::is_some).collect();
        let mut optional: Vec<Option<usize>> =
            metric.optional_roles.iter().map(|&r| fill(r)).collect();
        for o in &mut optional {
            if o.is_some() && roles.contains(o) {
                *o = None;
            }
        }
        let period = if metric.period { period_near(sk, *qrange) } else { Period::None };
        let current = q.stance == super::number::Stance::Current;
        out.push(Candidate {
            metric: mi,
            sentence,
            roles,
            explicit,
            optional,
            period,
            figure: Some((q.value, q.qualifier, current)),
            status: None,
        });
    }
    out
}

/// One entity cannot hold two roles of one fact: keep the first.
pub(crate) fn dedupe_roles(roles: &mut [Option<usize>]) {
    for i in 0..roles.len() {
        for j in (i + 1)..roles.len() {
            if roles.get(i).copied().flatten().is_some()
                && roles.get(i) == roles.get(j)
                && let Some(r) = roles.get_mut(j)
            {
                *r = None;
            }
        }
    }
}

/// The year nearest a figure that says which period it is for.
fn period_near(sk: &Skeleton, qrange: (usize, usize)) -> Period {
    let mut best: Option<(usize, Period)> = None;
    for (d, range) in &sk.dates {
        let Mention::Year { year, usage: YearUse::Period } = d.what else { continue };
        let p = year.map_or(Period::Unresolved, Period::Year);
        let dist = distance(*range, qrange);
        if best.is_none_or(|(bd, _)| dist < bd) {
            best = Some((dist, p));
        }
    }
    best.map_or(Period::None, |(_, p)| p)
}
