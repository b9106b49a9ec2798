//! The trade frames: exports (`flow`), two-way trade (`turnover`) and trade deficits
//! (`balance`), all amounts in US dollars.
//!
//! An amount belongs to the nearest cue of its clause: a deficit or surplus word, a two-way
//! trade phrase ("bilateral trade", "trade between A and B"), or an export or import word.
//! Each side of the figure comes from where English puts it: "Vietnamese exports to the US",
//! "Bangladesh exported ... to the US", "the U.S. imported ... from China" (the buyer's
//! imports are the seller's exports), "imports from there" (the destination just named), "the
//! US goods trade deficit with Pakistan", "a trade deficit ... in Pakistan's favor" and
//! "South Korea's surplus with the U.S." (a surplus is the other side's deficit). Aims,
//! forecasts, changes, revenue and sums spread over years are not trade figures.

use super::{
    Finding, Memory, Mood, Out, Party, View, entity_list, mood, period_near, span, subject_of,
};
use crate::extract::chunk::What;
use crate::extract::class::Class;
use crate::extract::lexicon::Form;
use crate::extract::pack::Reading;

/// Which trade figure an amount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Deficit(usize),
    Surplus(usize),
    Turnover(usize),
    Export(usize),
    Import(usize),
}

/// Reads the trade figures of one segment.
pub(crate) fn read(v: &View<'_>, mem: &mut Memory, out: &mut Out) {
    let mut last_flow: Option<(usize, Option<u16>, Option<u16>)> = None;
    for m in 0..v.chunks.len() {
        let What::Money { value, usd } = v.chunks[m].what else { continue };
        let Some(cue) = cue(v, m) else { continue };
        if !usd {
            out.reject(v, m, "an amount not in US dollars");
            continue;
        }
        if let Some(reason) = excluded(v, m) {
            out.reject(v, m, reason);
            continue;
        }
        let qualifier = v.qualifier(m);
        // "that year", "the same year": the year named just before.
        let (cs, ce) = v.clause_range(m);
        let that_year = (cs..ce).any(|j| {
            v.is(j, Class::YearUnit)
                && j > 0
                && (v.word(j - 1).eq_ignore_ascii_case("that")
                    || v.word(j - 1).eq_ignore_ascii_case("same"))
        });
        let period = period_near(v, m)
            .or_else(|| segment_year(v))
            .or_else(|| that_year.then_some(mem.last_year).flatten().map(Some));
        let (reading, parties, rule) = match cue {
            Cue::Deficit(d) => {
                (Reading::Deficit, balance(v, d, false), "balance: deficit of SIDE with PARTNER")
            }
            Cue::Surplus(d) => {
                (Reading::Deficit, balance(v, d, true), "balance: surplus of PARTNER with SIDE")
            }
            Cue::Turnover(t) => {
                (Reading::Volume, turnover(v, t, m), "turnover: trade between A and B")
            }
            Cue::Export(c) => {
                let (from, to) = flow(v, c, m, true, mem, last_flow);
                last_flow = Some((c, from, to));
                (
                    Reading::Exports,
                    [Some(party(from, to)), Some(party(to, from))],
                    "flow: FROM exports to TO",
                )
            }
            Cue::Import(c) => {
                let (to, from) = flow(v, c, m, false, mem, last_flow);
                last_flow = Some((c, from, to));
                (
                    Reading::Exports,
                    [Some(party(from, to)), Some(party(to, from))],
                    "flow: TO imports from FROM",
                )
            }
        };
        if let [Some(Party::Named(a)), Some(Party::Named(b))] = parties
            && a == b
        {
            out.reject(v, m, "both sides are the same party");
            continue;
        }
        if let [_, Some(Party::Named(to))] = parties
            && reading == Reading::Exports
        {
            mem.last_destination = Some(to);
        }
        let mut f = Finding::figure(reading, parties, value, v, span(v, m, m), rule);
        f.qualifier = qualifier;
        f.period = period;
        out.findings.push(f);
    }
}

/// A side left open is the other side of the one named, or open when both are.
fn party(this: Option<u16>, other: Option<u16>) -> Party {
    match (this, other) {
        (Some(e), _) => Party::Named(e),
        (None, Some(o)) => Party::OtherThan(o),
        (None, None) => Party::Open,
    }
}

/// The nearest trade cue of the amount's clause.
fn cue(v: &View<'_>, m: usize) -> Option<Cue> {
    let (cs, ce) = v.clause_range(m);
    let mut best: Option<(usize, Cue)> = None;
    let mut consider = |d: usize, c: Cue| {
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    };
    for j in cs..ce {
        let d = j.abs_diff(m);
        if d > 9 {
            continue;
        }
        if v.is(j, Class::Deficit) {
            consider(d, Cue::Deficit(j));
        } else if v.is(j, Class::Surplus) {
            consider(d, Cue::Surplus(j));
        } else if v.is(j, Class::Trade)
            && !v.is(j + 1, Class::Deficit)
            && !v.is(j + 1, Class::Surplus)
            && !(v.is(j + 1, Class::Goods)
                && (v.is(j + 2, Class::Deficit) || v.is(j + 2, Class::Surplus)))
        {
            let bilateral = (j.saturating_sub(2)..j)
                .any(|k| v.is(k, Class::Bilateral) || v.is(k, Class::Total))
                || v.is(j + 1, Class::Between)
                || v.word(j + 1).eq_ignore_ascii_case("volume")
                || v.word(j + 1).eq_ignore_ascii_case("worth");
            if bilateral {
                consider(d, Cue::Turnover(j));
            }
        } else if v.is(j, Class::Export) {
            consider(d + usize::from(j > m) * 2, Cue::Export(j));
        } else if v.is(j, Class::Import) {
            consider(d + usize::from(j > m) * 2, Cue::Import(j));
        }
    }
    best.map(|(_, c)| c)
}

/// Why an amount is not a trade figure, if it is not.
fn excluded(v: &View<'_>, m: usize) -> Option<&'static str> {
    let (cs, ce) = v.clause_range(m);
    // "collected $27.7 billion", "$135.7 billion in revenue" (but not "the National Board
    // of Revenue" further off).
    if (m.saturating_sub(4).max(cs)..(m + 5).min(ce)).any(|j| v.is(j, Class::Revenue)) {
        return Some("revenue, not trade");
    }
    // A country's trade is counted in millions at least: "$10 garment" is a price.
    if let What::Money { value, .. } = v.chunks[m].what
        && value < 1e6
    {
        return Some("too small for a country's trade: a price or a cost");
    }
    if (cs..m).any(|j| v.is(j, Class::Aim)) {
        return Some("an aim, plan or forecast, not a figure");
    }
    if m > 0 && (v.is(m - 1, Class::By) || v.is(m - 1, Class::UpDown)) {
        return Some("a change (by, up, down), not a level");
    }
    if (m.saturating_sub(3)..m).any(|j| v.is(j, Class::OtherDeficit))
        || (m + 1..(m + 4).min(ce)).any(|j| v.is(j, Class::OtherDeficit))
    {
        return Some("a budget or current-account figure, not trade");
    }
    // "$4.22 billion over five years", "$1 a week", "per household".
    let next = v.word(m + 1).to_ascii_lowercase();
    if next == "per"
        || (matches!(next.as_str(), "a" | "an" | "each" | "every")
            && v.at(m + 2).is_some_and(|c| {
                c.is(Class::Week)
                    || c.is(Class::YearUnit)
                    || c.is(Class::MonthUnit)
                    || c.is(Class::Day)
            }))
    {
        return Some("a price or sum per period, not a total");
    }
    if next == "over" && matches!(v.at(m + 2).map(|c| c.what), Some(What::Duration { .. })) {
        return Some("a sum spread over years");
    }
    // "$5.7 billion of copper": one product's trade, not the country's.
    if (v.is(m + 1, Class::Of)
        || v.is(m + 1, Class::In)
        || v.word(m + 1).eq_ignore_ascii_case("worth"))
        && (v.is(m + 2, Class::Sector) || (v.is(m + 2, Class::Of) && v.is(m + 3, Class::Sector)))
    {
        return Some("one product's trade, not the country's");
    }
    if mood(v, m, m + 1) != Mood::Fact {
        return Some("threatened, hypothetical or negated");
    }
    None
}

/// The year the segment names, when the clause names none ("in 2024, while imports ...").
fn segment_year(v: &View<'_>) -> Option<Option<i16>> {
    v.chunks.iter().find_map(|c| match c.what {
        What::Year(y) => Some(y),
        _ => None,
    })
}

/// The sides of a deficit (or, read from the other side, a surplus) at cue `d`.
fn balance(v: &View<'_>, d: usize, surplus: bool) -> [Option<Party>; 2] {
    let (cs, ce) = v.clause_range(d);
    // "with Pakistan", "with the Philippines".
    let mut with = None;
    let mut favor = None;
    for j in d + 1..(d + 6).min(ce) {
        if v.is(j, Class::With) {
            let k = if v.is(j + 1, Class::Det) { j + 2 } else { j + 1 };
            with = v.entity(k).map(|e| e.0);
            break;
        }
        // "in Pakistan's favor".
        if v.is(j, Class::In)
            && let Some((e, _, true)) = v.entity(j + 1)
            && v.is(j + 2, Class::Favor)
        {
            favor = Some(e);
            break;
        }
    }
    // The holder: "The United States' goods trade deficit", "The US goods trade deficit",
    // "South Korea's surplus", or the subject of "recorded", "ran", "cited".
    let mut holder = None;
    for j in d.saturating_sub(5).max(cs)..d {
        if let Some((e, form, _)) = v.entity(j)
            && !matches!(v.chunks.get(j.wrapping_sub(1)).map(|c| c.is(Class::With)), Some(true))
        {
            let _ = form;
            holder = Some(e);
        }
        if matches!(v.chunks[j].what, What::Money { .. }) {
            continue;
        }
    }
    if holder.is_none() {
        let verb = (cs..d).rev().find(|&j| {
            v.chunks[j].what == What::Word
                && !v.is(j, Class::Det)
                && j + 6 >= d
                && v.word(j).len() > 3
                && !v.is(j, Class::About)
                && !v.is(j, Class::Over)
        });
        if let Some(verb) = verb
            && let Some((_, e)) = subject_of(v, verb)
        {
            holder = Some(e);
        }
    }
    if holder == with {
        holder = None;
    }
    if surplus {
        // A surplus of the holder with `with` is `with`'s deficit with the holder.
        let side = with.or(favor);
        [Some(party(side, holder)), Some(party(holder, side))]
    } else if let Some(f) = favor {
        // "a deficit ... in Pakistan's favor": Pakistan has the surplus.
        [Some(party(holder.filter(|h| *h != f), Some(f))), Some(Party::Named(f))]
    } else {
        [Some(party(holder, with)), Some(party(with, holder))]
    }
}

/// The two sides of two-way trade at cue `t` for amount `m`.
fn turnover(v: &View<'_>, t: usize, m: usize) -> [Option<Party>; 2] {
    let (cs, ce) = v.clause_range(m.min(t));
    // "trade between A and B".
    for j in cs..ce {
        if v.is(j, Class::Between) {
            let k = if v.is(j + 1, Class::Det) { j + 2 } else { j + 1 };
            let (list, _) = entity_list(v, k);
            if let [a, b, ..] = list.as_slice() {
                return [Some(Party::Named(*a)), Some(Party::Named(*b))];
            }
        }
    }
    let mut found: Vec<u16> = Vec::new();
    for j in cs..ce {
        if let Some((e, form, _)) = v.entity(j)
            && form != Form::Actor
            && !found.contains(&e)
        {
            found.push(e);
        }
    }
    match found.as_slice() {
        [a, b, ..] => [Some(Party::Named(*a)), Some(Party::Named(*b))],
        [a] => [Some(Party::Named(*a)), Some(Party::OtherThan(*a))],
        [] => [Some(Party::Open), Some(Party::Counterpart)],
    }
}

/// The seller and buyer of a flow at cue `c` (an export or import word) for amount `m`;
/// for an import cue the pair comes back as (buyer, seller).
fn flow(
    v: &View<'_>,
    c: usize,
    m: usize,
    export: bool,
    mem: &Memory,
    last: Option<(usize, Option<u16>, Option<u16>)>,
) -> (Option<u16>, Option<u16>) {
    let (cs, ce) = v.clause_range(c);
    let word = v.word(c).to_ascii_lowercase();
    let is_verb = word.ends_with("ed")
        || matches!(word.as_str(), "sold" | "bought" | "shipped")
        || (c > 0
            && (v.entity(c - 1).is_some_and(|e| !e.2 && e.1 != Form::Demonym)
                || v.is(c - 1, Class::Pronoun)
                || v.is(c - 1, Class::Aux))
            && !word.ends_with("ing"));
    // The party after "to" (an export's buyer) or "from" (an import's seller).
    let after = |class: Class| -> Option<u16> {
        for j in c + 1..ce {
            if v.is(j, class) {
                let k = if v.is(j + 1, Class::Det) { j + 2 } else { j + 1 };
                if let Some((e, _, _)) = v.entity(k) {
                    return Some(e);
                }
                if v.is(k, Class::There) {
                    return mem.last_destination;
                }
            }
        }
        None
    };
    let counter = if export { after(Class::To) } else { after(Class::From) };
    let mut own = None;
    if is_verb {
        // "the U.S. imported ... and exported $143.5 billion": the verb after "and" shares
        // the subject of the one before, and trades with its other party.
        if c > 0
            && v.is(c - 1, Class::And)
            && let Some((_, from, to)) = last
        {
            // The previous flow's sides, turned around.
            let subject = if export { to } else { from };
            let other = if export { from } else { to };
            return (subject, counter.or(other));
        }
        own = subject_of(v, c).map(|(_, e)| e);
    } else {
        // "Vietnamese exports", "Bangladesh's exports", "U.S. imports from China".
        for j in c.saturating_sub(2).max(cs)..c {
            if let Some((e, _, _)) = v.entity(j) {
                own = Some(e);
            }
        }
        // "exports from Vietnam to the US", "imports by the US".
        if own.is_none() && export {
            own = after(Class::From);
        }
    }
    // A figure in a clause that names no side: the one whose exports the segment speaks of
    // ("Pakistan's largest export destination — accounting for $5 billion in exports").
    if own.is_none() && counter.is_none() {
        let mut owner = None;
        let mut others: Vec<u16> = Vec::new();
        for j in 0..v.chunks.len() {
            if let Some((e, _, possessive)) = v.entity(j) {
                if possessive
                    && (j + 1..(j + 4).min(v.chunks.len())).any(|k| v.is(k, Class::Export))
                {
                    owner = Some(e);
                } else if !others.contains(&e) {
                    others.push(e);
                }
            }
        }
        if let Some(o) = owner {
            let other = others.into_iter().find(|e| *e != o);
            return if export { (Some(o), other) } else { (other, Some(o)) };
        }
    }
    let _ = m;
    (own, counter.filter(|x| Some(*x) != own))
}
