//! The suspension frame: tariff pauses, their state and their deadline.
//!
//! A pause word counts when it is about tariffs: "tariff pause", "trade truce", "the pause on
//! reciprocal duties", "suspension of these tariffs", "tariffs remain suspended", or a bare
//! "the pause" once the article has named one. Its **state** comes from the verbs around it
//! (extended, agreed and granted keep it active; ended, lifted and scrapped end it; expired
//! and lapsed, in the past, expire it); its **deadline** from a date after "until",
//! "through", "extended to", "ends", "expires" or before "deadline", or from a duration
//! ("a 90-day pause", "for another 90 days") counted from a stated start or, for a pause
//! decided in the article, from the article date. Its **scope** is general unless the clause
//! names one party: "pause on Chinese goods", "Mexico secures a reprieve", "the US and China
//! extended their truce"; "for most countries" and "with one exception: China" keep it
//! general. A denied or hypothetical pause ("does not mean the pause has been extended",
//! "could extend") gives nothing.

use super::{
    Finding, Memory, Out, Party, Stance, View, acts, entity_list, origin_at, span, subject_of,
};
use crate::extract::chunk::What;
use crate::extract::class::Class;
use crate::extract::date;
use crate::extract::pack::Reading;
use crate::model::Deadline;

/// Reads the tariff pauses of one segment.
pub(crate) fn read(v: &View<'_>, mem: &mut Memory, out: &mut Out) {
    let mut done_clauses: Vec<u16> = Vec::new();
    let mut any = false;
    for p in 0..v.chunks.len() {
        if !(v.is(p, Class::Pause) || v.is(p, Class::PauseVerb)) {
            continue;
        }
        let clause = v.clause.get(p).copied().unwrap_or(0);
        if done_clauses.contains(&clause) {
            continue;
        }
        let Some(anaphoric) = linked(v, p, mem) else {
            out.reject(v, p, "a pause word not about tariffs");
            continue;
        };
        done_clauses.push(clause);
        // "the initial 90-day suspension": the pause this news replaced.
        if (p.saturating_sub(3)..p).any(|j| v.is(j, Class::OldWord)) {
            out.reject(v, p, "an earlier pause, not the one in force");
            continue;
        }
        if let Some(mut f) = pause(v, p, mem, out) {
            // "the pause", "the truce" refer to the pause named before, with its parties.
            if anaphoric
                && f.parties[1].is_none()
                && !f.explicit
                && let Some(parties) = mem.last_pause
            {
                f.parties = parties;
            }
            mem.last_pause = Some(f.parties);
            any = true;
            out.findings.push(f);
        }
        if !anaphoric {
            mem.pause_named = true;
        }
    }
    // "White House Extends Pause Until August 1—China Extended Until August 12": a clause
    // of a pause sentence that names a party, "extended" and a date is that party's pause.
    if any {
        gapped(v, &done_clauses, out);
    }
}

/// Whether the pause word at `p` is about tariffs: `Some(false)` when the phrase says so,
/// `Some(true)` when it refers back to a pause the article named, `None` otherwise.
fn linked(v: &View<'_>, p: usize, mem: &Memory) -> Option<bool> {
    let levy = |j: usize| {
        v.is(j, Class::Levy)
            || (v.is(j, Class::RateNoun) && !(j > 0 && v.is(j - 1, Class::OtherRate)))
    };
    // "tariff pause", "reciprocal tariff freeze", "trade truce".
    for j in p.saturating_sub(2)..p {
        if levy(j) || (j + 1 == p && v.is(j, Class::Trade)) {
            return Some(false);
        }
    }
    // "pause on his country-specific reciprocal duties", "suspension of these tariffs",
    // "paused tariffs", "delays reciprocal tariffs".
    let mut j = p + 1;
    let mut steps = 0;
    while j < v.chunks.len() && steps < 6 && v.same_clause(p, j) {
        if levy(j) {
            return Some(false);
        }
        if matches!(v.chunks[j].what, What::Punct(',' | '.')) || v.is(j, Class::Contrast) {
            break;
        }
        j += 1;
        steps += 1;
    }
    // "tariffs on Mexican goods remain suspended", "Pakistan's rate remains on hold" (but
    // not "keep its tariff at 10 percent and suspend the export controls").
    let stative = p > 0
        && (v.is(p - 1, Class::Aux)
            || v.is(p - 1, Class::Copula)
            || v.word(p - 1).to_ascii_lowercase().starts_with("remain"));
    if (v.is(p, Class::PauseVerb) && stative) || v.word(p).contains(' ') {
        let (cs, _) = v.clause_range(p);
        if (cs..p).any(levy) {
            return Some(false);
        }
    }
    // "the pause", "the 90-day pause", "their truce" after a pause was named.
    if mem.pause_named && v.is(p, Class::Pause) {
        return Some(true);
    }
    // In an article about tariffs, "the pause runs until July 9" is the tariff pause; a
    // truce or a delay there may still be a war's or a meeting's.
    let word = v.word(p).to_ascii_lowercase();
    let determined = p > 0
        && (v.is(p - 1, Class::Det)
            || v.is(p - 1, Class::Possessive)
            || matches!(v.chunks[p - 1].what, What::Duration { .. } | What::Entity { .. }));
    if (mem.levy_seen || v.has_levy)
        && v.is(p, Class::Pause)
        && determined
        && !matches!(word.as_str(), "truce" | "truces" | "delay" | "standstill" | "on hold")
    {
        return Some(true);
    }
    None
}

fn pause(v: &View<'_>, p: usize, mem: &Memory, out: &mut Out) -> Option<Finding> {
    let (cs, ce) = v.clause_range(p);
    // Denied or undecided: "does not mean the pause has been extended", "could extend".
    for j in p.saturating_sub(7).max(cs)..p {
        if v.is(j, Class::Not) {
            out.reject(v, p, "negated");
            return None;
        }
        if v.is(j, Class::Threaten) || v.is(j, Class::If) {
            out.reject(v, p, "threatened or conditional, not decided");
            return None;
        }
        if v.is(j, Class::Modal)
            && matches!(v.word(j).to_ascii_lowercase().as_str(), "could" | "might" | "may")
        {
            out.reject(v, p, "could, might or may: not decided");
            return None;
        }
    }
    for j in p + 1..(p + 3).min(ce) {
        if v.is(j, Class::Not) {
            out.reject(v, p, "negated");
            return None;
        }
    }
    // "China was left out of the reprieve", "India is excluded from the pause": the pause
    // is not the subject's, and a pause it never had is not one that ended.
    let excluded = (p.saturating_sub(4).max(cs)..p).any(|j| {
        let w = v.word(j).to_ascii_lowercase();
        let out_of = w == "out"
            && j > 0
            && matches!(v.word(j - 1).to_ascii_lowercase().as_str(), "left" | "shut" | "kept");
        (out_of || matches!(w.as_str(), "excluded" | "omitted" | "barred"))
            && (v.is(j + 1, Class::Of) || v.is(j + 1, Class::From))
    });
    if excluded {
        out.reject(v, p, "a party left out of the pause");
        return None;
    }
    let today = v.date.date;
    let mut unresolved = Vec::new();
    let (mut deadline, start) = dates(v, cs, ce, p, &mut unresolved);
    // "remains in place until then": the date named just before.
    if deadline.is_none()
        && (cs..ce).any(|j| v.is(j, Class::Until) && v.word(j + 1).eq_ignore_ascii_case("then"))
    {
        deadline = mem.last_date;
    }
    for d in unresolved {
        out.warnings.push(format!(
            "tariff_pause: deadline \"{d}\" has no year and the article date is not stated in the article; until left empty"
        ));
    }
    let until = match deadline {
        Some(d) => Some(d),
        None => duration_deadline(v, cs, ce, p, start),
    };
    let past = |d: &Deadline| d.lapse_day() <= today;

    // State: the verbs around the pause word.
    let near =
        |class: Class| (p.saturating_sub(4).max(cs)..(p + 5).min(ce)).find(|&j| v.is(j, class));
    let mut status = "active";
    let mut strength = 1u8;
    let mut until = until;
    // "the end of the pause" is a noun, not a decision.
    let end_verb = (p.saturating_sub(4).max(cs)..(p + 5).min(ce)).find(|&j| {
        v.is(j, Class::End) && !(j > 0 && v.is(j - 1, Class::Det)) && !v.is(j + 1, Class::Of)
    });
    if let Some(e) = end_verb {
        // "ended the pause", "was ending the pause", "lifted": decided. "ends July 9" or
        // "when the pause ends": it still runs.
        // "was ending the pause", "..., ending the pause": decided; "to end", "will end": not yet.
        let progressive = v.word(e).to_ascii_lowercase().ends_with("ing")
            && !(e > 0
                && (v.is(e - 1, Class::To)
                    || v.is(e - 1, Class::Modal)
                    || v.is(e - 1, Class::Preposition)));
        match until {
            Some(d) if !past(&d) => {}
            Some(_) => status = "ended",
            None if is_past_form(v.word(e)) || progressive => status = "ended",
            None => {}
        }
        strength = 3;
    } else if let Some(l) = near(Class::Lapse) {
        match until {
            Some(d) if past(&d) => status = "expired",
            Some(_) => {}
            None if is_past_form(v.word(l)) && !v.is(l.saturating_sub(1), Class::To) => {
                status = "expired"
            }
            None => {}
        }
        strength = 2;
    } else if near(Class::Extend).is_some() {
        strength = 3;
    }
    if status != "active" {
        until = if status == "ended" { None } else { until };
    }

    let (imposer, target, also) = parties(v, p, mem);
    let scoped = (cs..ce).any(|j| {
        v.is(j, Class::Except)
            || (v.is(j, Class::Countries)
                && (j.saturating_sub(3)..j).any(|k| {
                    v.is(k, Class::Universal)
                        || v.is(k, Class::Other)
                        || matches!(v.chunks[k].what, What::Count(_))
                }))
    });
    let mut f = Finding {
        reading: Reading::Pause,
        parties: [Some(imposer), target],
        value: None,
        qualifier: None,
        status: Some(status),
        until,
        period: None,
        stance: Stance::Level,
        stated_previous: None,
        strength,
        segment: v.index,
        span: span(v, cs, ce.saturating_sub(1)),
        rule: match (status, strength) {
            ("active", 3) => "suspension: extended pause",
            ("ended", _) => "suspension: pause ended",
            ("expired", _) => "suspension: pause expired",
            _ => "suspension: tariff pause",
        },
        explicit: matches!(target, Some(Party::Named(_))),
        scoped,
        until_counted: deadline.is_none() && until.is_some(),
    };
    if deadline.is_none() && until.is_some() {
        f.rule = "suspension: pause for a duration";
    }
    // "pauses tariffs on goods from Pakistan and Vietnam": one pause per party named.
    for e in also {
        let mut g = f.clone();
        g.parties[1] = Some(Party::Named(e));
        out.findings.push(g);
    }
    Some(f)
}

fn is_past_form(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    w.ends_with("ed") || matches!(w.as_str(), "ran out" | "lifted" | "ended" | "over")
}

/// The deadline and the start date the clause states.
fn dates(
    v: &View<'_>,
    cs: usize,
    ce: usize,
    p: usize,
    unresolved: &mut Vec<String>,
) -> (Option<Deadline>, Option<jiff::civil::Date>) {
    let mut deadline: Option<(usize, Deadline)> = None;
    let mut start = None;
    let extend_before = |j: usize| {
        (cs..j)
            .any(|k| v.is(k, Class::Extend) || v.is(k, Class::Pause) || v.is(k, Class::PauseVerb))
    };
    for j in cs..ce {
        let What::Date(w) = v.chunks[j].what else { continue };
        let prev = |k: usize| j.checked_sub(k);
        let is_prev = |k: usize, class: Class| prev(k).is_some_and(|i| v.is(i, class));
        let deadline_cue = is_prev(1, Class::Until)
            || (is_prev(1, Class::To) && extend_before(j))
            || is_prev(1, Class::End)
            || is_prev(1, Class::Lapse)
            || ((is_prev(1, Class::On) || is_prev(1, Class::In))
                && (is_prev(2, Class::End) || is_prev(2, Class::Lapse)))
            || v.is(j + 1, Class::Deadline)
            || (is_prev(1, Class::Of) && is_prev(2, Class::Deadline))
            || (is_prev(1, Class::Of)
                && is_prev(2, Class::End)
                && is_prev(3, Class::Det)
                && is_prev(4, Class::Until));
        if is_prev(1, Class::Start) || (is_prev(1, Class::On) && is_prev(2, Class::Start)) {
            start = w.day(v.date).or(start);
            continue;
        }
        // "expired on Friday": a past verb's weekday is the one before the article.
        let after_past = (j.saturating_sub(2)..j)
            .any(|k| (v.is(k, Class::Lapse) || v.is(k, Class::End)) && is_past_form(v.word(k)));
        let resolved = if after_past {
            w.day(v.date).map(Deadline::Day).or_else(|| w.deadline(v.date))
        } else {
            w.deadline(v.date)
        };
        if deadline_cue && resolved.is_none() && !v.date.is_stated() {
            unresolved.push(v.word(j).to_string());
        }
        if deadline_cue && let Some(d) = resolved {
            // The cue nearest after the pause word wins: "extends the July 9 freeze to
            // Aug. 1".
            let better = match deadline {
                None => true,
                Some((k, _)) => (j > p && (k < p || j < k)) || (k < p && j > k),
            };
            if better {
                deadline = Some((j, d));
            }
        } else if start.is_none() && (is_prev(1, Class::On) || j == cs) {
            // "On April 9, Trump paused the tariffs for 90 days": the event's day.
            start = w.day(v.date);
        }
    }
    (deadline.map(|(_, d)| d), start)
}

/// A deadline from a duration: "a 90-day pause", "for another 90 days", "by 90 days".
fn duration_deadline(
    v: &View<'_>,
    cs: usize,
    ce: usize,
    p: usize,
    start: Option<jiff::civil::Date>,
) -> Option<Deadline> {
    let mut found = None;
    for j in cs..ce {
        let What::Duration { days, months } = v.chunks[j].what else { continue };
        let adjacent = j + 1 == p
            || (j + 2 == p
                && (v.is(j + 1, Class::Levy)
                    || v.is(j + 1, Class::Trade)
                    || v.entity(j + 1).is_some()));
        let after_for = j > 0
            && (v.is(j - 1, Class::For)
                || ((v.is(j - 1, Class::Other)
                    || v.is(j - 1, Class::Det)
                    || v.is(j - 1, Class::Additional))
                    && j > 1
                    && v.is(j - 2, Class::For)));
        if adjacent || after_for {
            found = Some((days, months));
            break;
        }
    }
    let (days, months) = found?;
    // A pause the article reports as decided ("agreed to", "announced", "granted", "extended
    // for another 90 days") runs from the article's date; one it mentions in passing does not.
    let decided_now = (cs..ce).any(|j| {
        v.is_any(
            j,
            &[
                Class::Extend,
                Class::Other,
                Class::Additional,
                Class::NewWord,
                Class::Negotiate,
                Class::Impose,
                Class::Hit,
            ],
        ) || (v.is(j, Class::Receive) && !v.is(j, Class::Pause))
            // "The EU paused its counter-tariffs for 90 days": the verb is the decision.
            || (v.is(j, Class::PauseVerb) && !v.is(j, Class::Pause) && is_past_form(v.word(j)))
    });
    let start = match start {
        Some(s) => s,
        None if v.date.is_stated() && decided_now => v.date.date,
        None => return None,
    };
    date::after(start, days, months).map(Deadline::Day)
}

/// The imposer and the target of the pause at `p`; a target of `None` is the general pause.
/// The third part lists further targets coordinated with the first ("on goods from
/// Pakistan and Vietnam"), each its own pause.
fn parties(v: &View<'_>, p: usize, mem: &Memory) -> (Party, Option<Party>, Vec<u16>) {
    let (imposer, target, also) = parties_of(v, p, mem);
    match target {
        Some(Party::Named(_)) => (imposer, target, also),
        _ => (imposer, target, Vec::new()),
    }
}

fn parties_of(v: &View<'_>, p: usize, mem: &Memory) -> (Party, Option<Party>, Vec<u16>) {
    let (cs, ce) = v.clause_range(p);
    // Everyone: "for most countries", "for over 75 other countries", "affecting most".
    let universal = (cs..ce).any(|j| {
        v.is(j, Class::Countries)
            && (j.saturating_sub(3)..j).any(|k| {
                v.is(k, Class::Universal)
                    || v.is(k, Class::Other)
                    || matches!(v.chunks[k].what, What::Count(_))
            })
    });
    // "with one major exception: China", "except China".
    let excepted: Vec<u16> = (cs..ce)
        .filter(|&j| v.is(j, Class::Except))
        .flat_map(|j| {
            ((j + 1)..(j + 4).min(v.chunks.len()))
                .find_map(|k| v.entity(k).map(|_| entity_list(v, k).0))
                .unwrap_or_default()
        })
        .collect();

    let mut imposer = Party::Open;
    let mut target: Option<Party> = None;
    let mut also: Vec<u16> = Vec::new();
    // "the truce between the United States and China".
    for j in cs..ce {
        if v.is(j, Class::Between) {
            let k = if v.is(j + 1, Class::Det) { j + 2 } else { j + 1 };
            if let [a, b, ..] = entity_list(v, k).0.as_slice() {
                return (Party::Open, Some(Party::Either(*a, *b)), Vec::new());
            }
        }
    }
    // "both countries", "the two sides": the article's two parties.
    let pair_noun = (cs..ce).any(|j| {
        (v.is(j, Class::Both) || v.word(j).eq_ignore_ascii_case("two"))
            && (v.is(j + 1, Class::Countries) || v.word(j + 1).eq_ignore_ascii_case("sides"))
    });
    if pair_noun && !universal {
        return (Party::Open, Some(Party::Counterpart), Vec::new());
    }
    // "Trump's 90-day pause", "US tariff pause": a name right before the pause word, with
    // only the pause's modifiers between (not "Vietnamese goods are on hold").
    for j in p.saturating_sub(3).max(cs)..p {
        let between = (j + 1..p).any(|k| {
            v.is_any(k, &[Class::Goods, Class::Copula, Class::Aux, Class::And, Class::On])
        });
        if between {
            continue;
        }
        if let Some((e, form, possessive)) = v.entity(j) {
            if possessive && !acts(form) {
                // "Mexico's reprieve".
                target = Some(Party::Named(e));
            } else {
                imposer = Party::Named(e);
            }
        }
    }
    // The pause's own party phrase: "pause on Chinese goods", "tariffs on Mexican goods
    // remain suspended", "a reprieve for Mexico".
    if target.is_none() {
        let phrases =
            (cs..ce).filter(|&j| v.is(j, Class::On) || v.is(j, Class::For) || v.is(j, Class::Of));
        for j in phrases {
            if let Some(o) = origin_at(v, j) {
                let named: Vec<u16> =
                    o.entities.iter().copied().filter(|e| !excepted.contains(e)).collect();
                if let Some((e, rest)) = named.split_first() {
                    target = Some(Party::Named(*e));
                    also = rest.to_vec();
                    break;
                }
            }
        }
    }
    // "the suspension applies to Pakistan and Vietnam", "the pause covers Mexico".
    if target.is_none() {
        for j in p + 1..ce {
            let covers = matches!(
                v.word(j).to_ascii_lowercase().as_str(),
                "covers" | "cover" | "covered" | "covering" | "includes" | "include" | "included"
            );
            let k = if v.is(j, Class::Impose) && v.is(j + 1, Class::To) {
                j + 2
            } else if covers {
                j + 1
            } else {
                continue;
            };
            let k = if v.is(k, Class::Det) { k + 1 } else { k };
            let (named, _) = entity_list(v, k);
            let named: Vec<u16> = named.into_iter().filter(|e| !excepted.contains(e)).collect();
            if let Some((e, rest)) = named.split_first() {
                target = Some(Party::Named(*e));
                also = rest.to_vec();
            }
            break;
        }
    }
    // The parties of the pause's own phrases are its targets, never its imposer:
    // "tariffs on Kenyan and Peruvian goods are on hold".
    let mut in_phrase: Vec<u16> = also.clone();
    if let Some(Party::Named(t)) = target {
        in_phrase.push(t);
    }
    // The subject of the verb: "the US and China extended their truce", "Mexico secures a
    // reprieve", "Trump has extended the pause".
    // Only a verb that decides the pause names its imposer by its subject: "Islamabad is
    // monitoring the suspension" does not.
    let verb = (cs..p).rev().find(|&j| {
        v.is_any(
            j,
            &[
                Class::Extend,
                Class::Receive,
                Class::Impose,
                Class::PauseVerb,
                Class::End,
                Class::Hit,
            ],
        ) && !v.is(j, Class::Pause)
    });
    // "the suspension of these tariffs by the United States".
    for j in cs..ce {
        if v.is(j, Class::By) {
            let k = if v.is(j + 1, Class::Det) { j + 2 } else { j + 1 };
            if let Some((e, _, _)) = v.entity(k) {
                imposer = Party::Named(e);
            }
        }
    }
    if let Some(verb) = verb.or((p < ce).then_some(p))
        && let Some((at, e)) = subject_of(v, verb)
        && !in_phrase.contains(&e)
    {
        let (pair, _) = entity_list(v, at);
        if pair.len() >= 2
            && target.is_none()
            && let (Some(a), Some(b)) = (pair.first(), pair.get(1))
        {
            return (Party::Open, Some(Party::Either(*a, *b)), Vec::new());
        }
        // "Mexico secures a reprieve", "Sheinbaum secured a pause", "Mexico was granted
        // a reprieve": the subject is its target.
        let passive = verb > 0 && v.is(verb - 1, Class::Aux) && v.is(verb, Class::Hit);
        // "Trump granted Mexico a further 90-day reprieve": the indirect object gets it.
        if !passive
            && v.is(verb, Class::Hit)
            && target.is_none()
            && let Some((o, _, _)) = v.entity(verb + 1)
        {
            target = Some(Party::Named(o));
            if imposer == Party::Open && o != e {
                imposer = Party::Named(e);
            }
        }
        let receives = v.is(verb, Class::Receive) || passive;
        if receives && target.is_none() {
            target = Some(Party::Named(e));
        } else if imposer == Party::Open
            && Some(Party::Named(e)) != target
            && !v.is(verb, Class::Receive)
        {
            imposer = Party::Named(e);
        }
    }
    // "both countries have agreed to a 90-day pause"; a truce is between two parties.
    let truce = (cs..ce)
        .any(|j| v.is(j, Class::Pause) && v.word(j).to_ascii_lowercase().starts_with("truce"));
    if target.is_none() && ((cs..p).any(|j| v.is(j, Class::Both)) || truce) && !universal {
        target = Some(Party::Counterpart);
    }
    // "The suspension of their bespoke rates": the group named just before.
    if target.is_none()
        && (cs..ce).any(|j| v.is(j, Class::Possessive) && v.word(j).eq_ignore_ascii_case("their"))
        && let Some(e) = mem.last_group.first()
    {
        target = Some(Party::Named(*e));
    }
    if universal || target.is_some_and(|t| matches!(t, Party::Named(e) if excepted.contains(&e))) {
        target = None;
        also.clear();
    }
    if let (Party::Named(i), Some(Party::Named(t))) = (imposer, target)
        && i == t
    {
        imposer = Party::Open;
    }
    if let Party::Named(i) = imposer {
        also.retain(|e| *e != i);
    }
    (imposer, target, also)
}

/// Clauses of a pause sentence that give another party's deadline: "—China Extended Until
/// August 12", "while Pakistan's rate remains on hold until August 1".
fn gapped(v: &View<'_>, done: &[u16], out: &mut Out) {
    let mut clause_start = 0usize;
    while clause_start < v.chunks.len() {
        let (cs, ce) = v.clause_range(clause_start);
        let id = v.clause.get(cs).copied().unwrap_or(0);
        if !done.contains(&id) && (cs..ce).any(|j| v.is(j, Class::Extend)) {
            let entity = (cs..ce).find_map(|j| v.entity(j).filter(|e| !acts(e.1)).map(|e| e.0));
            let (deadline, _) = dates(v, cs, ce, cs, &mut Vec::new());
            if let (Some(e), Some(d)) = (entity, deadline) {
                out.findings.push(Finding {
                    reading: Reading::Pause,
                    parties: [Some(Party::Open), Some(Party::Named(e))],
                    value: None,
                    qualifier: None,
                    status: Some("active"),
                    until: Some(d),
                    period: None,
                    stance: Stance::Level,
                    stated_previous: None,
                    strength: 3,
                    segment: v.index,
                    span: span(v, cs, ce.saturating_sub(1)),
                    rule: "suspension: PARTY extended until DATE, beside a pause",
                    explicit: true,
                    scoped: false,
                    until_counted: false,
                });
            }
        }
        clause_start = ce.max(cs + 1);
    }
}
