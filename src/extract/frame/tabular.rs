//! Lists and tables: "- China – 34%", "Lesotho: 50%", "Japan (24%)" under a line that says
//! what the figures are, and table rows whose header names a country column and rate
//! columns.
//!
//! The line or header row says what the figures are: a tariff word makes them tariff rates,
//! a threat word threats; a header cell that names a party says who levies ("US tariff") or,
//! after "charged to"/"on", who is levied upon ("tariffs charged to the USA": the row's
//! country levies them on the USA); "new"/"old" words, or the later of two dates, say which
//! column is the current rate. Ragged rows are read by position as far as they go.

use super::{Finding, Memory, Out, Party, Stance, View, acts, span};
use crate::extract::chunk::{Chunk, What};
use crate::extract::class::Class;
use crate::extract::pack::Reading;
use crate::model::Qualifier;

/// What a list's introduction or a table header cell says about the figures under it.
#[derive(Debug, Clone, Copy, Default)]
struct Heading {
    /// A tariff word.
    levy: bool,
    /// A threat word.
    threat: bool,
    /// A party that levies the tariffs ("US tariff").
    imposer: Option<u16>,
    /// A party the row's country levies on ("charged to the USA").
    levied_on: Option<u16>,
    /// "new", "current", "revised".
    new: bool,
    /// "old", "previous", "initial".
    old: bool,
    /// A date or year, for telling the later column.
    when: Option<i32>,
    /// An export or import word: a money column's direction ("exports to US", "U.S.
    /// imports from country").
    export: bool,
    import: bool,
    /// The amount each figure stands for, from the header's unit ("US$ bn", "$ million").
    usd_scale: Option<f64>,
    /// A year in the header ("2024 goods exports").
    year: Option<i16>,
}

fn heading(chunks: &[Chunk], text: &str) -> Heading {
    let mut h = Heading::default();
    for (i, c) in chunks.iter().enumerate() {
        if c.is(Class::Levy) || c.is(Class::RateNoun) {
            h.levy = true;
        }
        if c.is(Class::ThreatWord) || c.is(Class::Threaten) {
            h.threat = true;
        }
        if c.is(Class::NewWord) {
            h.new = true;
        }
        if c.is(Class::OldWord) {
            h.old = true;
        }
        if c.is(Class::Export) {
            h.export = true;
        }
        if c.is(Class::Import) {
            h.import = true;
        }
        if c.is(Class::Scale) {
            let dollars = chunks.iter().any(|d| {
                d.is(Class::Dollar)
                    || matches!(
                        text.get(d.start as usize..d.end as usize),
                        Some("$" | "US$" | "us$")
                    )
            });
            let f = match text
                .get(c.start as usize..c.end as usize)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("trillion" | "tn" | "trn") => 1e12,
                Some("billion" | "bn" | "bln" | "b") => 1e9,
                Some("million" | "mn" | "mln" | "m") => 1e6,
                Some("thousand" | "k") => 1e3,
                _ => 0.0,
            };
            if dollars && f > 0.0 {
                h.usd_scale = Some(f);
            }
        }
        match c.what {
            What::Entity { entity, form, .. } => {
                let before = |k: usize| i.checked_sub(k).and_then(|j| chunks.get(j));
                let on = before(1)
                    .is_some_and(|b| b.is(Class::To) || b.is(Class::On) || b.is(Class::Against))
                    || (before(1).is_some_and(|b| b.is(Class::Det))
                        && before(2).is_some_and(|b| b.is(Class::To) || b.is(Class::On)));
                if on {
                    h.levied_on = Some(entity);
                } else if h.imposer.is_none() || acts(form) {
                    h.imposer = Some(entity);
                }
            }
            What::Date(w) => {
                let key = match w {
                    crate::extract::date::When::Day(d) => {
                        i32::from(d.year()) * 400 + i32::from(d.month()) * 32 + i32::from(d.day())
                    }
                    crate::extract::date::When::DayNoYear { month, day } => {
                        i32::from(month) * 32 + i32::from(day)
                    }
                    crate::extract::date::When::Month { year, month } => {
                        i32::from(year) * 400 + i32::from(month) * 32
                    }
                    crate::extract::date::When::MonthNoYear { month } => i32::from(month) * 32,
                    crate::extract::date::When::Weekday(_) => 0,
                };
                h.when = Some(key);
            }
            What::Year(Some(y)) => {
                h.when = Some(i32::from(y) * 400);
                h.year = Some(y);
            }
            _ => {}
        }
    }
    let _ = text;
    h
}

/// Reads a list item with the line that introduces it.
pub(crate) fn item(v: &View<'_>, intro: Option<(&[Chunk], &str)>, mem: &Memory, out: &mut Out) {
    let h = intro.map(|(c, t)| heading(c, t)).unwrap_or_default();
    if !h.levy && (!mem.levy_seen || intro.is_some()) {
        return;
    }
    // "China – 34%", "EU: 20%", "Japan (24%)", "Vietnam at 46%".
    let Some(r) = v.chunks.iter().position(|c| matches!(c.what, What::Percent { .. })) else {
        return;
    };
    let What::Percent { value, upper } = v.chunks[r].what else { return };
    let mut entities: Vec<u16> = Vec::new();
    for j in 0..r {
        let c = &v.chunks[j];
        match c.what {
            What::Entity { entity, .. } => entities.push(entity),
            What::Punct('–' | '-' | ':' | '—' | '(' | ',' | '/') => {}
            What::Word
                if c.is(Class::And)
                    || c.is(Class::At)
                    || c.is(Class::Det)
                    || c.is(Class::Levy)
                    || c.is(Class::RateNoun) => {}
            _ => {
                out.reject(v, r, "a list item that is not a party and a rate");
                return;
            }
        }
    }
    if entities.is_empty() {
        return out.reject(v, r, "a list item that names no party");
    }
    if upper.is_some() || matches!(v.qualifier(r), Some(Qualifier::Over | Qualifier::Under)) {
        return out.reject(v, r, "a range or hedged figure");
    }
    let reading = if h.threat { Reading::Threat } else { Reading::Rate };
    for e in entities {
        let (imposer, target) = match h.levied_on {
            Some(on) => (Party::Named(e), Party::Named(on)),
            None => (h.imposer.map_or(Party::Open, Party::Named), Party::Named(e)),
        };
        let f = Finding::figure(
            reading,
            [Some(imposer), Some(target)],
            value,
            v,
            span(v, 0, r),
            "list: PARTY – rate under a tariff line",
        );
        out.findings.push(f);
    }
}

/// Reads a table row with its table's header row; `cells` splits both into cells by byte
/// ranges of their own text.
/// A table's header row: its chunks, its cells as byte ranges, and the text they index.
pub(crate) type Header<'a> = (&'a [Chunk], &'a [(u32, u32)], &'a str);

pub(crate) fn row(
    v: &View<'_>,
    cells: &[(u32, u32)],
    header: Option<Header<'_>>,
    mem: &Memory,
    out: &mut Out,
) {
    let in_cell = |c: &Chunk, cell: (u32, u32)| c.start >= cell.0 && c.end <= cell.1;
    let headings: Vec<Heading> = match header {
        Some((chunks, hcells, text)) => hcells
            .iter()
            .map(|&cell| {
                let inside: Vec<Chunk> =
                    chunks.iter().filter(|c| in_cell(c, cell)).copied().collect();
                heading(&inside, text)
            })
            .collect(),
        None => Vec::new(),
    };
    let table_levy = headings.iter().any(|h| h.levy);
    if !table_levy && (!headings.is_empty() || !mem.levy_seen) {
        return;
    }
    // The row's party: the first cell that names one.
    let party = cells
        .iter()
        .find_map(|&cell| v.chunks.iter().find(|c| in_cell(c, cell)).and_then(Chunk::entity));
    let Some(party) = party else { return };
    // Rate columns: cells holding exactly one percentage.
    let mut rates: Vec<(usize, f64, usize)> = Vec::new();
    for (ci, &cell) in cells.iter().enumerate() {
        let inside: Vec<usize> =
            (0..v.chunks.len()).filter(|&j| in_cell(&v.chunks[j], cell)).collect();
        let percents: Vec<usize> = inside
            .iter()
            .copied()
            .filter(|&j| matches!(v.chunks[j].what, What::Percent { upper: None, .. }))
            .collect();
        if let [j] = percents.as_slice()
            && let What::Percent { value, .. } = v.chunks[*j].what
        {
            if matches!(v.qualifier(*j), Some(Qualifier::Over | Qualifier::Under)) {
                out.reject(v, *j, "a hedged figure");
                continue;
            }
            rates.push((ci, value, *j));
        }
    }
    amounts(v, cells, &headings, party, out);
    if rates.is_empty() {
        return;
    }
    // Which columns of one direction is current: marked new, the later date, else the last.
    let latest = rates
        .iter()
        .filter(|(ci, _, _)| headings.get(*ci).is_none_or(|h| h.levied_on.is_none()))
        .max_by_key(|(ci, _, _)| {
            let h = headings.get(*ci).copied().unwrap_or_default();
            (h.new, !h.old, h.when.unwrap_or(0), *ci)
        })
        .map(|r| r.0);
    let several = rates.len() > 1;
    for (ci, value, j) in rates {
        let h = headings.get(ci).copied().unwrap_or_default();
        // A rate column whose own header names no tariff, beside one whose header does, is
        // some other figure ("Share of exports").
        if table_levy && !h.levy && several {
            continue;
        }
        let (imposer, target, stance) = match h.levied_on {
            Some(on) => (Party::Named(party), Party::Named(on), Stance::Level),
            None => {
                let stance = if Some(ci) == latest { Stance::Current } else { Stance::Historical };
                (h.imposer.map_or(Party::Open, Party::Named), Party::Named(party), stance)
            }
        };
        if h.old {
            out.reject(v, j, "a previous rate (old column)");
            continue;
        }
        let reading = if h.threat { Reading::Threat } else { Reading::Rate };
        let mut f = Finding::figure(
            reading,
            [Some(imposer), Some(target)],
            value,
            v,
            span(v, j, j),
            "table: PARTY row, rate column",
        );
        f.stance = stance;
        out.findings.push(f);
    }
}

/// Money columns: "2024 goods exports to US (US$ bn)" over "136.6" is the row's exports to
/// the US in 2024; "U.S. imports from country (US$ billion)" the same read from the buyer.
fn amounts(v: &View<'_>, cells: &[(u32, u32)], headings: &[Heading], party: u16, out: &mut Out) {
    let in_cell = |c: &Chunk, cell: (u32, u32)| c.start >= cell.0 && c.end <= cell.1;
    for (ci, &cell) in cells.iter().enumerate() {
        let Some(h) = headings.get(ci) else { continue };
        let Some(scale) = h.usd_scale else { continue };
        let inside: Vec<usize> =
            (0..v.chunks.len()).filter(|&j| in_cell(&v.chunks[j], cell)).collect();
        let [j] = inside.as_slice() else { continue };
        let value = match v.chunks[*j].what {
            What::Count(n) => n * scale,
            What::Money { value, usd: true } => value * if value < 1e6 { scale } else { 1.0 },
            _ => continue,
        };
        let (from, to) = if h.export && !h.import {
            (party, h.levied_on)
        } else if h.import && !h.export {
            (h.imposer.map_or(party, |_| party), h.imposer)
        } else {
            continue;
        };
        let Some(to) = to.filter(|t| *t != from) else { continue };
        let mut f = Finding::figure(
            Reading::Exports,
            [Some(Party::Named(from)), Some(Party::Named(to))],
            (value * 100.0).round() / 100.0,
            v,
            span(v, *j, *j),
            "table: PARTY row, money column",
        );
        f.period = h.year.map(Some);
        out.findings.push(f);
    }
}
