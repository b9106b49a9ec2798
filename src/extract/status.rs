//! Status metrics in one sentence: the state a sentence says ("suspended", "ended the
//! pause", "the pause expired"), and its deadline from a date ("until July 9", "to August
//! 1") or from a start and a duration ("a 90-day pause starting April 9").
//!
//! A deadline without a year takes it from the article date only when the article states
//! that date; otherwise the deadline is left empty and a warning names the phrase. A
//! duration without a start gives no deadline: the clock would only be guessing.

use std::collections::HashSet;

use jiff::ToSpan;

use super::date::{Mention, When};
use super::metric::{Candidate, Period, Reading, bindings, dedupe_roles};
use super::number::Unit;
use super::pack::{Metric, Vocabulary};
use super::pattern::token_index;
use super::skeleton::Skeleton;
use crate::model::{ArticleDate, Deadline};

/// What a sentence says about a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// The state name.
    pub state: String,
    /// The index of the matching state definition: lower is stronger news.
    pub rank: usize,
    /// The deadline, if the sentence gives one that can be resolved.
    pub until: Option<Deadline>,
}

/// Whether the metric's context holds in this text (a sentence and what precedes it in its
/// paragraph). Context patterns name words, so they run on the text as written.
pub(crate) fn has_context(metric: &Metric, text: &str) -> bool {
    metric.context.is_empty() || metric.context.iter().any(|re| re.is_match(text))
}

/// Reads a status metric from one sentence; warnings go to `warnings`.
pub(crate) fn finding(
    vocab: &Vocabulary,
    mi: usize,
    reading: &Reading<'_>,
    article: ArticleDate,
    warnings: &mut Vec<String>,
) -> Option<Candidate> {
    let (sk, gate, sentence_text, sentence) =
        (reading.sk, reading.gate, reading.text, reading.index);
    let metric = vocab.metrics.get(mi)?;
    let (rank, state) = metric.states.iter().enumerate().find(|(_, s)| {
        s.phrases.iter().any(|re| re.find_iter(&sk.text).any(|m| !negated(&sk.text, m.start())))
    })?;

    let mut until: Option<Deadline> = None;
    let mut unresolved: Option<String> = None;
    let has_dates = sk.dates.iter().any(|(d, _)| matches!(d.what, Mention::Date(_)));
    for re in metric.deadlines.iter().filter(|_| has_dates) {
        for caps in re.captures_iter(&sk.text) {
            let Some((d, _)) = caps
                .name("date")
                .and_then(|t| token_index(t.as_str()))
                .and_then(|i| sk.dates.get(i))
            else {
                continue;
            };
            let Mention::Date(when) = d.what else { continue };
            match when.deadline(article) {
                Some(dl) => {
                    if until.is_none_or(|u| dl.lapse_day() > u.lapse_day()) {
                        until = Some(dl);
                    }
                }
                None => {
                    let phrase = caps.get(0).map(|m| m.as_str()).unwrap_or("");
                    let written = sentence_text.get(d.start..d.end).unwrap_or(phrase);
                    unresolved.get_or_insert_with(|| written.to_string());
                }
            }
        }
    }
    if until.is_none() && has_dates {
        until = from_start_and_duration(metric, sk, article);
    }
    if until.is_none()
        && let Some(phrase) = unresolved
    {
        warnings.push(format!(
            "{}: deadline {phrase:?} has no year and the article date is not stated in the article; until left empty",
            metric.name
        ));
    }

    let wanted: HashSet<usize> =
        metric.roles.iter().chain(&metric.optional_roles).copied().collect();
    let binds = bindings(vocab, sk, gate, &wanted);
    let first = |role: usize| binds.iter().find(|b| b.role == role).map(|b| b.entity);
    let mut roles: Vec<Option<usize>> = metric.roles.iter().map(|&r| first(r)).collect();
    dedupe_roles(&mut roles);
    let explicit = roles.iter().map(Option::is_some).collect();
    let mut optional: Vec<Option<usize>> =
        metric.optional_roles.iter().map(|&r| first(r)).collect();
    for o in &mut optional {
        if o.is_some() && roles.contains(o) {
            *o = None;
        }
    }
    Some(Candidate {
        metric: mi,
        sentence,
        roles,
        explicit,
        optional,
        period: Period::None,
        figure: None,
        status: Some(Finding { state: state.name.clone(), rank, until }),
    })
}

/// "a 90-day pause starting April 9" ends 90 days after April 9.
fn from_start_and_duration(
    metric: &Metric,
    sk: &Skeleton,
    article: ArticleDate,
) -> Option<Deadline> {
    let (count, unit) = metric.durations.iter().find_map(|re| {
        let caps = re.captures(&sk.text)?;
        let qi = token_index(caps.name("days")?.as_str())?;
        sk.quantities.get(qi).map(|(q, _)| (q.value, q.unit))
    })?;
    let start = metric.starts.iter().find_map(|re| {
        let caps = re.captures(&sk.text)?;
        let di = token_index(caps.name("date")?.as_str())?;
        match sk.dates.get(di)?.0.what {
            Mention::Date(w @ (When::Day(_) | When::DayNoYear { .. })) => w.start_day(article),
            _ => None,
        }
    })?;
    let span = match unit {
        // Bounded, so the casts cannot truncate a meaningful value.
        Unit::Months if (1.0..=120.0).contains(&count) => (count.round() as i64).months(),
        Unit::Days if (1.0..=3660.0).contains(&count) => (count.round() as i64).days(),
        _ => return None,
    };
    start.checked_add(span).ok().map(Deadline::Day)
}

/// "has not ended", "didn't expire", "never paused": the phrase is denied.
fn negated(text: &str, at: usize) -> bool {
    let head = &text[..at];
    let words: Vec<&str> = head.split_whitespace().rev().take(3).collect();
    words.iter().any(|w| {
        let w = w.to_ascii_lowercase();
        w == "not" || w.ends_with("n't") || w == "never"
    })
}
