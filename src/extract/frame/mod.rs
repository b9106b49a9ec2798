//! Frames: the clause-level constructions that turn a segment's chunks into readings.
//!
//! Each frame reads one kind of fact and names the construction that gave every reading, so
//! `scan --explain` can show it: `levy` (tariff rates, baselines, threats), `suspension`
//! (tariff pauses and their deadlines), `trade` (exports, two-way trade, deficits) and
//! `tabular` (list items and table rows under a header). They share the machinery in this
//! module: clauses, the phrases that name a party ("imports from Vietnam", "Chinese goods",
//! "goods entering the United States"), the subject of a verb, and the modality of a clause
//! ("threatened", "could face", "had been set to").
//!
//! A construction tests word classes, never spellings, and fills roles with entities
//! wherever they sit in the shape, so one construction serves every country and every
//! wording of its shape. A role a clause leaves open is `Party::Open` and the article fills
//! it (`article`).

pub(crate) mod levy;
pub(crate) mod suspension;
pub(crate) mod tabular;
pub(crate) mod trade;

use super::chunk::{Chunk, What};
use super::class::Class;
use super::lexicon::Form;
use super::pack::Reading;
use crate::model::{ArticleDate, Deadline, Qualifier};

/// A party in a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Party {
    /// Named by the clause.
    Named(u16),
    /// Left open: the article's party for the role fills it.
    Open,
    /// Left open, but it is the party other than the given one: "imports from there".
    OtherThan(u16),
    /// One of a pair, the one that is not the imposer: "the US and China extended their
    /// truce".
    Either(u16, u16),
    /// The article's main party other than the imposer: "both countries agreed".
    Counterpart,
    /// A target guessed from the clause's one other party: taken unless it turns out to be
    /// the imposer the article fills in.
    Guess(u16),
}

/// What a figure says about its fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stance {
    /// A value the article says was replaced ("from 145%", "the initial 104%").
    Previous,
    /// An increment on top of a rate ("an additional 25%").
    Additional,
    /// A level stated in passing about the past ("the 17% announced in April").
    Historical,
    /// A level the article states.
    Level,
    /// The level the article says is new ("cut to 30%", "the new 19% tariff").
    Current,
    /// A total ("bringing the total to 50%").
    Total,
}

/// One candidate fact read from a segment.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    /// The reading (and so the metric) it belongs to.
    pub reading: Reading,
    /// The parties, in the metric's role order (a second role is `None` for readings
    /// with one role, and for a general pause).
    pub parties: [Option<Party>; 2],
    /// The figure.
    pub value: Option<f64>,
    /// How the figure is hedged.
    pub qualifier: Option<Qualifier>,
    /// The state of a status.
    pub status: Option<&'static str>,
    /// The deadline of a status.
    pub until: Option<Deadline>,
    /// The year a figure is for; `Some(None)` when the text says a relative year that
    /// cannot be resolved.
    pub period: Option<Option<i16>>,
    /// What the figure says.
    pub stance: Stance,
    /// The old value the text states itself ("from 145% to 30%").
    pub stated_previous: Option<f64>,
    /// How strongly a status is stated: an extension outranks a mention.
    pub strength: u8,
    /// Index of the segment.
    pub segment: usize,
    /// The bytes of the phrase that gave it.
    pub span: (u32, u32),
    /// The construction that gave it.
    pub rule: &'static str,
    /// Whether the target (or first party) was named by the clause rather than left open.
    pub explicit: bool,
    /// A deadline counted from a duration ("a 90-day pause") rather than stated: a stated
    /// date ("runs until July 9") outranks it.
    pub until_counted: bool,
    /// A pause whose clause says whom it covers ("for most countries", "except China"): it
    /// is the general pause on purpose, never a bare mention of a country's.
    pub scoped: bool,
}

impl Finding {
    /// A figure finding with defaults for the rest.
    pub(crate) fn figure(
        reading: Reading,
        parties: [Option<Party>; 2],
        value: f64,
        seg: &View<'_>,
        span: (u32, u32),
        rule: &'static str,
    ) -> Finding {
        Finding {
            reading,
            parties,
            value: Some(value),
            qualifier: None,
            status: None,
            until: None,
            period: None,
            stance: Stance::Level,
            stated_previous: None,
            strength: 0,
            segment: seg.index,
            span,
            rule,
            explicit: parties.iter().flatten().any(|p| matches!(p, Party::Named(_))),
            scoped: false,
            until_counted: false,
        }
    }
}

/// Why a figure or a mention was not taken; shown by `scan --explain`.
#[derive(Debug, Clone)]
pub(crate) struct Rejection {
    /// Index of the segment.
    pub segment: usize,
    /// The bytes of what was rejected.
    pub span: (u32, u32),
    /// Why.
    pub reason: &'static str,
}

/// What the frames hand back for one segment.
#[derive(Debug, Default)]
pub(crate) struct Out {
    /// The findings.
    pub findings: Vec<Finding>,
    /// The rejections, when explaining.
    pub rejections: Vec<Rejection>,
    /// Whether rejections are recorded.
    pub explain: bool,
    /// Warnings for the log.
    pub warnings: Vec<String>,
    /// Parties a clause names as levying, also where its figure was rejected ("China
    /// imposed a tariff on American soybeans"): they tell the article who levies.
    pub imposers: Vec<u16>,
}

impl Out {
    /// Records a rejection of chunk `c` of `seg`.
    pub(crate) fn reject(&mut self, seg: &View<'_>, c: usize, reason: &'static str) {
        if self.explain {
            let span = seg.chunks.get(c).map_or((0, 0), |c| (c.start, c.end));
            self.rejections.push(Rejection { segment: seg.index, span, reason });
        }
    }
}

/// What earlier segments of the article said, for the ones after.
#[derive(Debug, Default, Clone)]
pub(crate) struct Memory {
    /// A tariff pause has been named (so "the pause" alone refers to it).
    pub pause_named: bool,
    /// The article is about tariffs (a tariff word was seen).
    pub levy_seen: bool,
    /// The article is about trade (an export, import or trade word was seen).
    pub trade_seen: bool,
    /// The last year named, for "that year".
    pub last_year: Option<i16>,
    /// The entities of the last segment's last group ("products of China, Hong Kong and
    /// Macau"), for "their" in the next.
    pub last_group: Vec<u16>,
    /// The last destination named ("exports to the US"), for "imports from there".
    pub last_destination: Option<u16>,
    /// The parties of the last pause read, for "the pause" after it.
    pub last_pause: Option<[Option<Party>; 2]>,
    /// The last date named, for "until then".
    pub last_date: Option<Deadline>,
}

/// A segment as the frames see it.
pub(crate) struct View<'a> {
    /// Index of the segment in the article.
    pub index: usize,
    /// Its chunks.
    pub chunks: &'a [Chunk],
    /// The clause of each chunk.
    pub clause: Vec<u16>,
    /// The text the offsets point into.
    pub text: &'a str,
    /// The article's date.
    pub date: ArticleDate,
    /// Whether any chunk is a tariff word.
    pub has_levy: bool,
}

impl<'a> View<'a> {
    /// Builds the view: clause boundaries at ";", brackets, spaced dashes, contrast words
    /// ("while", "but") and "and" before a new subject and verb.
    pub(crate) fn new(
        index: usize,
        chunks: &'a [Chunk],
        text: &'a str,
        date: ArticleDate,
    ) -> View<'a> {
        let mut clause = Vec::with_capacity(chunks.len());
        let mut id = 0u16;
        for (i, c) in chunks.iter().enumerate() {
            if is_boundary(chunks, text, i) {
                id = id.saturating_add(1);
            }
            clause.push(id);
            // A closing bracket or dash ends the aside: what follows is a clause again.
            if matches!(c.what, What::Punct(')' | ']')) {
                id = id.saturating_add(1);
            }
        }
        let has_levy = chunks.iter().any(|c| c.is(Class::Levy));
        View { index, chunks, clause, text, date, has_levy }
    }

    /// The chunk at `i`.
    pub(crate) fn at(&self, i: usize) -> Option<&Chunk> {
        self.chunks.get(i)
    }

    /// Whether chunk `i` is a word of `class`.
    pub(crate) fn is(&self, i: usize, class: Class) -> bool {
        self.chunks.get(i).is_some_and(|c| c.is(class))
    }

    /// Whether chunks `a` and `b` are in the same clause.
    pub(crate) fn same_clause(&self, a: usize, b: usize) -> bool {
        self.clause.get(a).is_some() && self.clause.get(a) == self.clause.get(b)
    }

    /// The chunk range of the clause of chunk `i`.
    pub(crate) fn clause_range(&self, i: usize) -> (usize, usize) {
        let Some(&id) = self.clause.get(i) else { return (i, i) };
        let start = self.clause[..i].iter().rposition(|&c| c != id).map_or(0, |p| p + 1);
        let end =
            self.clause[i..].iter().position(|&c| c != id).map_or(self.clause.len(), |p| i + p);
        (start, end)
    }

    /// The text of chunk `i`.
    pub(crate) fn word(&self, i: usize) -> &str {
        self.chunks
            .get(i)
            .and_then(|c| self.text.get(c.start as usize..c.end as usize))
            .unwrap_or("")
    }

    /// Whether chunk `i` is a percentage.
    pub(crate) fn percent(&self, i: usize) -> Option<f64> {
        match self.chunks.get(i)?.what {
            What::Percent { value, upper: None } => Some(value),
            _ => None,
        }
    }

    /// The hedge written right before chunk `i`.
    pub(crate) fn qualifier(&self, i: usize) -> Option<Qualifier> {
        // Only right before: in "talks about the 29% tariff", "about" is a preposition.
        let j = i.checked_sub(1)?;
        if self.is(j, Class::About) {
            Some(Qualifier::About)
        } else if self.is(j, Class::Over) {
            Some(Qualifier::Over)
        } else if self.is(j, Class::Under) {
            Some(Qualifier::Under)
        } else {
            None
        }
    }

    /// Whether chunk `i` is a verb of one of `classes`.
    pub(crate) fn is_any(&self, i: usize, classes: &[Class]) -> bool {
        classes.iter().any(|c| self.is(i, *c))
    }

    /// The entity a chunk stands for: an entity name, or "its"/"their" resolved by
    /// `memory` when the pronoun refers back.
    pub(crate) fn entity(&self, i: usize) -> Option<(u16, Form, bool)> {
        match self.chunks.get(i)?.what {
            What::Entity { entity, form, possessive } => Some((entity, form, possessive)),
            _ => None,
        }
    }
}

/// Whether chunk `i` starts a new clause.
fn is_boundary(chunks: &[Chunk], text: &str, i: usize) -> bool {
    let Some(c) = chunks.get(i) else { return false };
    match c.what {
        What::Punct(';' | '(' | '[' | '—' | '•' | '|') => return true,
        What::Punct('–' | '-') => {
            // A spaced dash sets off an aside: "China - only 30% - because".
            let spaced = c.flags & super::token::SPACE != 0
                && chunks.get(i + 1).is_some_and(|n| n.flags & super::token::SPACE != 0);
            return spaced;
        }
        _ => {}
    }
    if c.is(Class::Contrast) {
        return true;
    }
    // "after the bloc secured ...", "because Beijing retaliated": a subordinate clause with
    // its own subject and verb; ", of which exports made ...": a clause of its own.
    if c.is(Class::Preposition) {
        let word = text.get(c.start as usize..c.end as usize).unwrap_or("").to_ascii_lowercase();
        let opens =
            matches!(word.as_str(), "after" | "because" | "when" | "once" | "since" | "before");
        let verb_soon = chunks.iter().skip(i + 1).take(4).any(is_finite_verb);
        let subject_next = chunks
            .get(i + 1)
            .is_some_and(|n| n.entity().is_some() || n.is(Class::Det) || n.is(Class::Pronoun));
        if opens && verb_soon && subject_next {
            return true;
        }
    }
    if c.is(Class::Relative)
        && i >= 2
        && chunks.get(i - 1).is_some_and(|p| p.is(Class::Of))
        && chunks.get(i - 2).is_some_and(|p| p.is_punct(','))
    {
        return true;
    }
    // "..., and China imposed ...": "and" before a new subject and its verb; "The United
    // States and China have agreed" joins two subjects instead.
    let after_entity = i > 0 && chunks.get(i - 1).is_some_and(|p| p.entity().is_some());
    if c.is(Class::And) && i > 0 && !after_entity {
        let next_subject =
            chunks.get(i + 1).is_some_and(|n| n.entity().is_some() || n.is(Class::Pronoun))
                || (chunks.get(i + 1).is_some_and(|n| n.is(Class::Det))
                    && chunks.get(i + 2).is_some_and(|n| n.entity().is_some()));
        if next_subject {
            let verb_soon = chunks.iter().skip(i + 2).take(3).any(is_finite_verb);
            return verb_soon;
        }
    }
    false
}

/// Whether a chunk is a verb that can head a clause.
fn is_finite_verb(c: &Chunk) -> bool {
    [
        Class::Aux,
        Class::Modal,
        Class::Impose,
        Class::Raise,
        Class::Cut,
        Class::Receive,
        Class::Hit,
        Class::Threaten,
        Class::Report,
        Class::Extend,
        Class::PauseVerb,
        Class::End,
        Class::Export,
        Class::Import,
    ]
    .iter()
    .any(|k| c.is(*k))
}

/// What a party phrase after a preposition names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    /// The entities named ("imports from Thailand, Malaysia and Cambodia").
    pub entities: Vec<u16>,
    /// The phrase covers everyone ("all imports", "most countries").
    pub universal: bool,
    /// The phrase names a sector ("steel", "movies").
    pub sector: bool,
    /// The phrase names something else ("any transshipping").
    pub other: bool,
    /// A destination named inside ("sent to the United States", "entering the U.S.").
    pub destination: Option<u16>,
    /// Chunk range of the phrase.
    pub range: (usize, usize),
}

/// Reads the party phrase starting at chunk `i` (at the preposition or right after it):
/// "on imports from Vietnam", "on Chinese goods", "on the import of Bangladeshi products",
/// "for Brazil", "on all other countries", "on steel", "on goods entering the US".
pub(crate) fn origin_at(v: &View<'_>, i: usize) -> Option<Origin> {
    let mut j = i;
    if v.is_any(j, &[Class::On, Class::Against, Class::For, Class::From])
        || v.word(j).eq_ignore_ascii_case("upon")
    {
        j += 1;
    }
    let start = j;
    let mut o = Origin::default();
    let mut saw_goods = false;
    let mut steps = 0;
    while j < v.chunks.len() && steps < 10 && v.same_clause(start, j) {
        steps += 1;
        let c = &v.chunks[j];
        match c.what {
            What::Entity { entity: _, possessive, .. } => {
                let (list, end) = entity_list(v, j);
                o.entities.extend(list);
                let _ = possessive;
                j = end;
                // "Chinese goods", "Vietnam's exports", "EU industrial goods"; "Indian
                // shrimp", "Canadian canola": a product's, not the country's goods.
                let plain = |k: usize| {
                    v.at(k)
                        .is_some_and(|c| c.what == What::Word && c.classes == 0 && !c.capitalized())
                };
                if v.is(j, Class::Goods) {
                    saw_goods = true;
                    j += 1;
                } else if plain(j) && v.is(j + 1, Class::Goods) && !v.is(j, Class::Sector) {
                    saw_goods = true;
                    j += 2;
                } else if v.is(j, Class::Sector) || plain(j) {
                    o.sector = true;
                }
                // "products of China, Hong Kong, and Macau (including ...)".
                break;
            }
            What::Word => {
                if c.is(Class::Det) || c.is(Class::Possessive) || c.is(Class::About) {
                    j += 1;
                    continue;
                }
                if c.is(Class::Universal) || c.is(Class::Other) {
                    o.universal = true;
                    j += 1;
                    continue;
                }
                if c.is(Class::Sector) {
                    o.sector = true;
                    j += 1;
                    break;
                }
                if c.is(Class::Goods) {
                    saw_goods = true;
                    j += 1;
                    // "imports from", "goods of", "products made in", "goods coming from".
                    let mut k = j;
                    while k < v.chunks.len()
                        && k < j + 2
                        && v.chunks[k].what == What::Word
                        && !v.is_any(k, &[Class::From, Class::Of, Class::In, Class::To, Class::On])
                        && !v.chunks[k].is(Class::Goods)
                    {
                        k += 1;
                    }
                    if v.is_any(k, &[Class::From, Class::Of, Class::In]) {
                        j = k + 1;
                        continue;
                    }
                    continue;
                }
                if c.is(Class::Countries) {
                    // "all other countries", "most trading partners", "14 nations".
                    o.universal = true;
                    j += 1;
                    break;
                }
                if c.is(Class::Of) && (o.universal || saw_goods) {
                    j += 1;
                    continue;
                }
                if c.is(Class::Levy) || c.is(Class::RateNoun) {
                    // "the pause on tariffs on Chinese goods": look past the tariff word.
                    j += 1;
                    if v.is(j, Class::On) || v.is(j, Class::For) || v.is(j, Class::Against) {
                        j += 1;
                    }
                    continue;
                }
                // An adjective before a goods noun: "imported goods", "key exports".
                if v.at(j + 1).is_some_and(|n| n.is(Class::Goods)) && !c.capitalized() {
                    j += 1;
                    continue;
                }
                if j == start && !c.is(Class::Countries) && !saw_goods {
                    o.other = true;
                }
                break;
            }
            What::Count(_) => {
                // "14 nations", "over 75 other countries".
                j += 1;
                continue;
            }
            // "tariffs on $300 billion of Chinese goods", "on 93 billion euros of US goods".
            What::Money { .. } if v.is(j + 1, Class::Of) => {
                j += 2;
                continue;
            }
            _ => break,
        }
    }
    // "on most of its exports": the goods of the party named before.
    if o.entities.is_empty() && !o.sector {
        for k in start..j.min(v.chunks.len()) {
            if v.is(k, Class::Possessive)
                && (v.is(k + 1, Class::Goods) || v.is(k + 2, Class::Goods))
                && let Some(e) = antecedent(v, k)
            {
                o.entities.push(e);
                o.universal = false;
                break;
            }
        }
    }
    // "14 nations, including Japan and South Korea".
    let mut k = j;
    if v.at(k).is_some_and(|c| c.is_punct(',')) {
        k += 1;
    }
    if v.is(k, Class::Including) && v.same_clause(start, k) {
        k += 1;
        let mut steps = 0;
        while k < v.chunks.len() && steps < 4 && v.entity(k).is_none() {
            k += 1;
            steps += 1;
        }
        if v.entity(k).is_some() {
            let (list, end) = entity_list(v, k);
            o.entities = list;
            o.universal = false;
            j = end;
        }
    }
    // "sent to the United States", "entering the U.S.", "coming into the EU".
    let mut k = j;
    for _ in 0..3 {
        if k >= v.chunks.len() || !v.same_clause(start, k) {
            break;
        }
        let w = v.word(k).to_ascii_lowercase();
        if matches!(
            w.as_str(),
            "entering"
                | "enter"
                | "enters"
                | "sent"
                | "shipped"
                | "bound"
                | "destined"
                | "exported"
                | "coming"
                | "arriving"
                | "headed"
        ) || v.is(k, Class::To)
            || v.is(k, Class::For)
            || v.is(k, Class::Det)
        {
            k += 1;
            if let Some((e, _, _)) = v.entity(k) {
                o.destination = Some(e);
                j = k + 1;
                break;
            }
            continue;
        }
        break;
    }
    if o.entities.is_empty() && !o.universal && !o.sector && !saw_goods {
        o.other = o.other || j > start;
        if !o.other {
            return None;
        }
    }
    if saw_goods && o.entities.is_empty() && !o.sector && !o.universal {
        // "tariffs on imports": goods of no one in particular.
        o.other = false;
    }
    o.range = (i, j);
    Some(o)
}

/// The entities of a list starting at chunk `i`: "Thailand, Malaysia and Cambodia",
/// "China (including Hong Kong and Macau)". Returns them and the end of the list.
pub(crate) fn entity_list(v: &View<'_>, i: usize) -> (Vec<u16>, usize) {
    let mut out = Vec::new();
    let mut j = i;
    while let Some((e, _, possessive)) = v.entity(j) {
        if !out.contains(&e) {
            out.push(e);
        }
        j += 1;
        if possessive {
            break;
        }
        // ", ", " and ", ", and ", " or ".
        let mut k = j;
        if v.at(k).is_some_and(|c| c.is_punct(',') || c.is_punct('/')) {
            k += 1;
        }
        if v.is(k, Class::And) || v.is(k, Class::Or) {
            k += 1;
        }
        // ", the UAE and Qatar" (but not ", a US official said": a name before a noun
        // starts another phrase).
        let noun_after =
            |e: usize| v.at(e + 1).is_some_and(|n| n.what == What::Word && n.classes == 0);
        if k > j && v.is(k, Class::Det) && v.entity(k + 1).is_some() && !noun_after(k + 1) {
            k += 1;
        }
        if v.entity(k).is_some() && noun_after(k) && !v.is(k + 1, Class::Goods) {
            break;
        }
        if k > j && v.entity(k).is_some() {
            j = k;
            continue;
        }
        break;
    }
    (out, j)
}

/// The subject of the verb at chunk `verb`: the nearest entity before it in the clause,
/// past auxiliaries, adverbs and the verb's own modifiers; a relative pronoun ("Pakistan,
/// which was hit") stands for the entity before it.
pub(crate) fn subject_of(v: &View<'_>, verb: usize) -> Option<(usize, u16)> {
    let (start, _) = v.clause_range(verb);
    let mut j = verb;
    let mut steps = 0;
    while j > 0 && steps < 16 {
        j -= 1;
        steps += 1;
        let c = &v.chunks[j];
        // An aside between subject and verb: "Malaysia, which helped broker the truce
        // between Thailand and Cambodia, has been given"; "China, the world's second
        // economy, has".
        if c.is_punct(',') && j > start {
            let opening = (j.saturating_sub(14).max(start)..j)
                .rev()
                .find(|&k| v.at(k).is_some_and(|x| x.is_punct(',')));
            if let Some(k) = opening
                && k > 0
                && v.entity(k - 1).is_some()
            {
                j = k;
                continue;
            }
        }
        if let Some((e, form, _)) = v.entity(j) {
            // "reached with the EU": the object of a preposition is not the subject; nor is
            // an adjective on a noun ("buying Russian oil").
            // "Brazilian senators", "Chinese officials" act for their country.
            let adjective = form == Form::Demonym
                && v.at(j + 1).is_some_and(|n| {
                    n.what == What::Word
                        && !n.is(Class::Goods)
                        && !n.is(Class::Agent)
                        && n.classes == 0
                });
            if is_object(v, j) || adjective {
                continue;
            }
            // "The U.S. and Pakistan": the first of a pair is the subject too.
            let mut first = j;
            while first >= 2 && v.is(first - 1, Class::And) && v.entity(first - 2).is_some() {
                first -= 2;
            }
            let e = v.entity(first).map_or(e, |x| x.0);
            return Some((first, e));
        }
        // "she secured a pause", "it was hit": the pronoun's antecedent, the nearest party
        // named before it that is not a preposition's object (a person for "he"/"she").
        if c.is(Class::Pronoun) {
            let person = matches!(v.word(j).to_ascii_lowercase().as_str(), "he" | "she");
            let found = (0..j).rev().find_map(|k| {
                let (e, form, _) = v.entity(k)?;
                if is_object(v, k)
                    || (person && form != Form::Actor)
                    || (!person && form == Form::Actor)
                {
                    return None;
                }
                Some((k, e))
            });
            if found.is_some() {
                return found;
            }
            continue;
        }
        if c.is(Class::Relative) && j > 0 {
            // ", which": the antecedent is the entity before the comma.
            let mut k = j - 1;
            if v.at(k).is_some_and(|c| c.is_punct(',')) && k > 0 {
                k -= 1;
            }
            if let Some((e, _, _)) = v.entity(k) {
                return Some((k, e));
            }
            return None;
        }
        if j < start {
            break;
        }
        // A verb of another clause before this one ends the search.
        if j < verb.saturating_sub(1)
            && (c.is(Class::Report) || c.is(Class::Impose) || c.is(Class::Receive))
            && !c.is(Class::Aux)
        {
            break;
        }
        if matches!(c.what, What::Percent { .. } | What::Money { .. }) {
            break;
        }
        // "Argentine goods continue to face": the goods' country is the subject.
        if c.is(Class::Goods)
            && j > 0
            && let Some((e, _, _)) = v.entity(j - 1)
            && !is_object(v, j - 1)
        {
            return Some((j - 1, e));
        }
        if c.is(Class::Goods) || c.is(Class::Levy) {
            break;
        }
    }
    None
}

/// Whether the entity at `j` is the object of a preposition ("with the EU", "to the US",
/// "between Thailand and Cambodia"), looking past the titles of a name ("with European
/// Commission President Ursula von der Leyen").
pub(crate) fn is_object(v: &View<'_>, j: usize) -> bool {
    let mut k = j;
    let mut steps = 0;
    while k > 0 && steps < 6 {
        k -= 1;
        steps += 1;
        let c = &v.chunks[k];
        if v.is_any(
            k,
            &[
                Class::With,
                Class::To,
                Class::Between,
                Class::From,
                Class::Against,
                Class::On,
                Class::Of,
                Class::For,
                Class::In,
                Class::By,
            ],
        ) {
            return true;
        }
        // "goods entering the United States": a destination.
        if matches!(
            v.word(k).to_ascii_lowercase().as_str(),
            "entering"
                | "enter"
                | "enters"
                | "reaching"
                | "sent"
                | "shipped"
                | "bound"
                | "destined"
                | "headed"
        ) {
            return true;
        }
        let title = c.what == What::Word
            && c.capitalized()
            && !v.is_any(k, &[Class::Det, Class::Aux])
            && (c.classes == 0 || c.is(Class::Agent));
        let name = matches!(c.what, What::Entity { possessive: false, .. });
        if !(title || name || c.is(Class::Det) || c.is(Class::And)) {
            return false;
        }
    }
    false
}

/// How a clause holds a figure: in force, or only threatened, planned, avoided or
/// hypothetical.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mood {
    /// Stated as in force or decided.
    Fact,
    /// Threatened, proposed, planned, avoided, conditional or counterfactual.
    Threat,
    /// Denied: "did not impose".
    Negated,
    /// A made-up case: "suppose the duty is 25%".
    Hypothetical,
}

/// The mood of the figure phrase spanning chunks `from..to` in its clause: words inside the
/// phrase ("a threatened levy", "the proposed 20%"), the verbs before it ("threatened to
/// impose", "could face", "would have faced", "had been set to", "avoids") and a participle
/// after it ("the 36 percent levy ... threatened under").
pub(crate) fn mood(v: &View<'_>, from: usize, to: usize) -> Mood {
    let (start, end) = v.clause_range(from);
    if (0..from).any(|j| v.is(j, Class::Hypothetical)) {
        return Mood::Hypothetical;
    }
    for j in from..to.min(end) {
        if v.is(j, Class::ThreatWord) {
            return Mood::Threat;
        }
    }
    // After the phrase: "threatened under...", "Trump had previously threatened" (but not
    // past a comma or a "from": "19%, down from threatened 25%").
    for j in to..(to + 5).min(end) {
        if v.at(j).is_some_and(|c| c.is_punct(','))
            || v.is(j, Class::From)
            || v.is(j, Class::UpDown)
        {
            break;
        }
        if v.is(j, Class::Threaten) || v.is(j, Class::ThreatWord) {
            return Mood::Threat;
        }
        if v.is(j, Class::Impose) && !v.is(j, Class::ThreatWord) {
            break;
        }
    }
    // Before it, in the clause, nearest first.
    let reported = (0..from).any(|j| v.is(j, Class::Report));
    let mut j = from;
    let mut verb_seen = false;
    while j > start {
        j -= 1;
        let c = &v.chunks[j];
        // "escaped with the 10 percent tariff" got off with it; "escaped the 50%" avoided it.
        if c.is(Class::Avert) && !v.is(j + 1, Class::With) {
            return Mood::Threat;
        }
        if c.is(Class::Threaten) {
            return Mood::Threat;
        }
        if c.is(Class::Not) && !verb_seen {
            return Mood::Negated;
        }
        if c.is(Class::If) {
            return Mood::Threat;
        }
        // "its plan to raise the tariff": a plan, named as a noun, is not yet done.
        if matches!(v.word(j).to_ascii_lowercase().as_str(), "plan" | "plans" | "proposal" | "bid")
            && j > 0
            && (v.is(j - 1, Class::Possessive) || v.is(j - 1, Class::Det))
        {
            return Mood::Threat;
        }
        if c.is(Class::Would) {
            // "would have faced": what did not happen.
            if v.is(j + 1, Class::Aux) && v.word(j + 1).eq_ignore_ascii_case("have") {
                return Mood::Threat;
            }
            if !reported {
                return Mood::Threat;
            }
            continue;
        }
        if c.is(Class::Modal) && !c.is(Class::Would) {
            let w = v.word(j).to_ascii_lowercase();
            if matches!(w.as_str(), "could" | "might" | "may") {
                return Mood::Threat;
            }
        }
        if c.is(Class::Scheduled)
            && j > 0
            && (v.is(j - 1, Class::Past) || v.word(j - 1).eq_ignore_ascii_case("been"))
        {
            // "was scheduled to face", "had been set to come into force".
            if v.is(j + 1, Class::To) {
                return Mood::Threat;
            }
        }
        if c.is(Class::Impose)
            || c.is(Class::Raise)
            || c.is(Class::Cut)
            || c.is(Class::Receive)
            || c.is(Class::Hit)
        {
            verb_seen = true;
            // "planned to impose" (past): a plan that was overtaken.
            if j >= 2 && v.is(j - 1, Class::To) && v.word(j - 2).eq_ignore_ascii_case("planned") {
                return Mood::Threat;
            }
        }
    }
    // "If no agreement is reached, the bloc faces ..." puts the condition in the clause
    // before; a conditional clause that opens the sentence covers the rest.
    if (0..start).any(|j| v.is(j, Class::If)) && v.clause.first() != v.clause.get(from) {
        let first_clause_is_if = v.chunks.first().is_some_and(|c| c.is(Class::If));
        if first_clause_is_if {
            return Mood::Threat;
        }
    }
    Mood::Fact
}

/// The year a figure in clause `i` is for: a year chunk in the clause, nearest first.
pub(crate) fn period_near(v: &View<'_>, i: usize) -> Option<Option<i16>> {
    let (start, end) = v.clause_range(i);
    let mut best: Option<(usize, Option<i16>)> = None;
    for j in start..end {
        if let What::Year(y) = v.chunks[j].what {
            // "since 2021", "over 2023" compare; they do not date the figure.
            let prev = j.checked_sub(1).map(|p| v.word(p).to_ascii_lowercase());
            if matches!(
                prev.as_deref(),
                Some("since" | "over" | "than" | "from" | "until" | "by" | "before")
            ) {
                continue;
            }
            let d = j.abs_diff(i);
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, y));
            }
        }
    }
    best.map(|(_, y)| y)
}

/// The span of chunks `a..=b`.
pub(crate) fn span(v: &View<'_>, a: usize, b: usize) -> (u32, u32) {
    let s = v.at(a.min(b)).map_or(0, |c| c.start);
    let e = v.at(a.max(b)).map_or(s, |c| c.end);
    (s, e)
}

/// Whether an entity is named as its government acting (an actor or capital) rather than as
/// a place or its goods.
pub(crate) fn acts(form: Form) -> bool {
    matches!(form, Form::Actor | Form::Capital)
}

/// The entity a pronoun at `i` refers back to: the nearest named country before it that is
/// not the object of "with"/"to" (the other side of a deal).
pub(crate) fn antecedent(v: &View<'_>, i: usize) -> Option<u16> {
    (0..i).rev().find_map(|j| {
        let (e, form, _) = v.entity(j)?;
        if form == Form::Actor {
            return None;
        }
        let object = j > 0
            && (v.is(j - 1, Class::With)
                || v.is(j - 1, Class::To)
                || (v.is(j - 1, Class::Det)
                    && j > 1
                    && (v.is(j - 2, Class::With) || v.is(j - 2, Class::To))));
        (!object).then_some(e)
    })
}

/// Whether the verb at `k` is passive ("was assigned", "has been placed", "were charged"):
/// its subject then bears the action instead of doing it.
pub(crate) fn is_passive(v: &View<'_>, k: usize) -> bool {
    let mut j = k;
    let mut steps = 0;
    while j > 0 && steps < 3 {
        j -= 1;
        steps += 1;
        let w = v.word(j).to_ascii_lowercase();
        if matches!(
            w.as_str(),
            "is" | "are" | "was" | "were" | "be" | "been" | "being" | "get" | "got" | "gets"
        ) {
            return true;
        }
        if !(v.is(j, Class::Now)
            || matches!(
                w.as_str(),
                "also" | "already" | "just" | "still" | "since" | "newly" | "recently" | "formally"
            ))
        {
            return false;
        }
    }
    false
}
