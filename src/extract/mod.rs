//! Extraction: article text in, claims out. Pure: no I/O, no clock, no globals, no panics.
//!
//! A cascade, each stage reading what the one before made:
//!
//! 1. `token`: one pass over the text; words looked up in the pack's lexicon as they are cut,
//!    entity names and class phrases found over the words.
//! 2. `layout`: blocks (prose, headline, list item, table row, chrome, sidebar) and the
//!    segments of the story that hold a trigger word; nothing else is read further.
//! 3. `chunk`: a segment's tokens grouped into entities, rates, amounts, durations, dates.
//! 4. `frame`: clause-level constructions that read rates, pauses and trade figures, each
//!    naming the construction that gave it, with roles a clause leaves open marked open.
//! 5. `article`: the article's imposer and main parties fill the open roles, and one claim
//!    per key is chosen.
//!
//! All vocabulary comes from domain packs (`pack`); the built-in trade pack is
//! `config/packs/trade.toml`, documented with the design in `docs/packs.md`.

mod article;
mod chunk;
mod class;
mod date;
mod frame;
mod layout;
mod lexicon;
mod pack;
mod token;

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{Article, Claim, Kind};

pub use pack::PackError;

use frame::{Finding, Memory, Out, Stance, View};
use layout::{BlockKind, SegmentKind};
use pack::{Pack, Reading};

/// The built-in trade pack, embedded so the binary works without its config folder.
const TRADE_PACK: &str = include_str!("../../config/packs/trade.toml");

/// Segments longer than this are not read: no real sentence is, and garbage often is.
const MAX_SEGMENT_BYTES: usize = 2000;

/// A domain pack as text, with where it came from (a path or `builtin:NAME`) for messages.
#[derive(Debug, Clone)]
pub struct PackText {
    /// Where the pack came from, for error messages.
    pub origin: String,
    /// The TOML text.
    pub text: String,
}

/// The result of extracting one article: claims, and warnings about what could not be read.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// The claims, at most one per key.
    pub claims: Vec<Claim>,
    /// Problems worth a log line, e.g. a deadline that could not be resolved.
    pub warnings: Vec<String>,
}

/// Why each figure of an article was or was not taken: the output of `scan --explain`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Explanation {
    /// The segments that hold a trigger, in text order.
    pub segments: Vec<ExplainedSegment>,
}

/// One segment of an explanation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExplainedSegment {
    /// `headline`, `sentence`, `item` or `row`.
    pub kind: &'static str,
    /// The segment's text, whitespace collapsed.
    pub text: String,
    /// What was read from it.
    pub taken: Vec<ExplainedFinding>,
    /// What was not, and why.
    pub rejected: Vec<ExplainedRejection>,
}

/// A figure or status read from a segment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExplainedFinding {
    /// The key, once its roles are filled; empty when they could not be.
    pub key: String,
    /// The value as shown: `29%`, `$5,000,000,000`, `active until 2025-08-01`.
    pub value: String,
    /// The construction that gave it.
    pub rule: &'static str,
    /// The phrase it came from.
    pub phrase: String,
    /// The roles as the clause gave them, before the article filled the open ones: `US`,
    /// `open` (the article's party), `other than PK`, `US or CN`, `counterpart`, `guess VN`.
    pub roles: Vec<String>,
    /// What became of it: `claim`, `lost to VALUE`, `previous value`, or why its roles
    /// could not be filled.
    pub outcome: String,
}

/// A figure or mention that gave nothing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExplainedRejection {
    /// The text of the figure or word.
    pub phrase: String,
    /// Why it was not taken.
    pub reason: &'static str,
}

/// The compiled vocabulary of one or more domain packs. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Extractor {
    pack: Arc<Pack>,
}

/// Where a segment's text lives: the article text, or a title the text does not repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Text,
    Title,
}

/// A segment read, for building claims and explanations.
struct Read {
    source: Source,
    start: usize,
    end: usize,
    kind: SegmentKind,
}

impl Extractor {
    /// Compiles packs. Several packs merge: vocabulary by class (words add up), entities by
    /// code (aliases add up), metrics by name (a second definition must be identical). A
    /// malformed pack or a conflicting duplicate fails with the pack's origin and line.
    pub fn new(packs: &[PackText]) -> Result<Extractor, PackError> {
        Ok(Extractor { pack: Arc::new(pack::compile(packs)?) })
    }

    /// A pack compiled into the binary: `"trade"` is `config/packs/trade.toml`, with origin
    /// `builtin:trade`.
    pub fn builtin(name: &str) -> Option<PackText> {
        match name {
            "trade" => {
                Some(PackText { origin: "builtin:trade".to_string(), text: TRADE_PACK.to_string() })
            }
            _ => None,
        }
    }

    /// The metric names of the loaded packs, in pack order.
    pub fn metrics(&self) -> impl Iterator<Item = &str> {
        self.pack.metrics.iter().map(|m| m.name.as_str())
    }

    /// The metrics with a general key, and how many leading roles make it: a metric whose
    /// trailing roles are optional (`tariff_pause` -> 1: `tariff_pause:US` is the general
    /// pause, `tariff_pause:US:PK` Pakistan's). Reconcile's scope rule reads it.
    pub fn scopes(&self) -> std::collections::BTreeMap<String, usize> {
        self.pack
            .metrics
            .iter()
            .filter(|m| !m.optional_roles.is_empty())
            .map(|m| (m.name.clone(), m.roles.len()))
            .collect()
    }

    /// The rate metric that realises the threat metric of the same subject (`tariff_rate`
    /// -> `tariff_threat`), when the packs define both.
    pub fn realisations(&self) -> std::collections::BTreeMap<String, String> {
        let rate = self.pack.metric(pack::Reading::Rate);
        let threat = self.pack.metric(pack::Reading::Threat);
        rate.zip(threat).map(|(r, t)| (r.name.clone(), t.name.clone())).into_iter().collect()
    }

    /// A readable name for a fact, from the metric's `label` template: "US tariff on PK",
    /// "PK-US trade volume 2024". Parts in `[...]` are dropped when a placeholder inside them
    /// has no value. An unknown metric gets `metric subject period`.
    pub fn describe(&self, metric: &str, subject: &[String], period: Option<&str>) -> String {
        let Some(m) = self.pack.metrics.iter().find(|m| m.name == metric) else {
            let mut s = format!("{metric} {}", subject.join(":"));
            if let Some(p) = period {
                s.push(' ');
                s.push_str(p);
            }
            return s;
        };
        let mut values: HashMap<&str, &str> = HashMap::new();
        for (role, code) in m.roles.iter().chain(&m.optional_roles).zip(subject) {
            values.insert(role.as_str(), code.as_str());
        }
        if let Some(p) = period {
            values.insert("period", p);
        }
        render_label(&m.label, &values)
    }

    /// Extracts the claims of one article. Never panics; garbage gives no claims.
    pub fn extract(&self, article: &Article) -> Extraction {
        self.run(article, false).0
    }

    /// Extracts one article and says, for every segment holding a trigger, what was taken
    /// (key, value, construction, phrase) and what was not and why.
    pub fn explain(&self, article: &Article) -> (Extraction, Explanation) {
        self.run(article, true)
    }

    fn run(&self, article: &Article, explain: bool) -> (Extraction, Explanation) {
        let pack = &*self.pack;
        let lex = &pack.lexicon;
        let text = article.text.as_str();
        // One light pass finds the triggers; only the segments that hold one are lexed in
        // full, so the rest of the text costs one hash per word.
        let extra = class::Class::Receive.bit() | class::Class::Hit.bit();
        let pre = token::prescan(lex, text, trigger_classes(extra));
        let has_levy = class::has(pre.classes, class::Class::Levy);
        // In an article about tariffs, "Nigeria gets 14%" and "was assigned 30 percent" state
        // rates without the word: their sentences are read too.
        let wanted = if has_levy { trigger_classes(extra) } else { trigger_classes(0) };
        let mut triggers: Vec<usize> =
            pre.triggers.iter().filter(|(_, c)| c & wanted != 0).map(|(at, _)| *at).collect();
        if has_levy {
            triggers.extend_from_slice(&pre.percents);
            triggers.sort_unstable();
        }
        let glue = pre.glue;
        let blocks = layout::blocks(text);
        let segments = layout::segments(text, &blocks, &triggers, &glue);

        let mut out = Out { explain, ..Out::default() };
        // What the article is about is known before any segment is read: a headline on
        // "Norway's US rate" is read knowing the story is about trade.
        let mut memory = Memory {
            levy_seen: has_levy,
            trade_seen: class::has(pre.classes, class::Class::Trade)
                || class::has(pre.classes, class::Class::Export)
                || class::has(pre.classes, class::Class::Import),
            ..Memory::default()
        };
        let mut read: Vec<Read> = Vec::new();
        let mut mentions = article::Mentions::default();
        mentions.us = pack.default_imposer;
        // The parties of the story: its lead (the headlines and first paragraph, which news
        // writes about its subject, counted three times) and every segment read.
        let lead_end = blocks
            .iter()
            .find(|b| b.kind == BlockKind::Prose)
            .or(blocks.first())
            .map_or(0, |b| b.end);
        let lead_start = blocks.first().map_or(0, |b| b.start);
        let lead = token::lex_range(lex, text, lead_start, lead_end);
        count_mentions(&lead, &blocks, &mut mentions, 3);

        // A title the text does not repeat is read first, as the headline it is.
        let title =
            article.title.as_deref().map(str::trim).filter(|t| !t.is_empty() && !text.contains(*t));
        if let Some(title) = title {
            let tl = token::lex(lex, title);
            let tblocks = layout::blocks(title);
            count_mentions(&tl, &tblocks, &mut mentions, 6);
            let chunks = chunk::chunks(lex, title, &tl, 0, tl.tokens.len(), article.date);
            let v = View::new(read.len(), &chunks, title, article.date);
            read.push(Read {
                source: Source::Title,
                start: 0,
                end: title.len(),
                kind: SegmentKind::Headline,
            });
            self.frames(&v, SegmentKind::Headline, (0, title.len()), None, &mut memory, &mut out);
        }
        for seg in &segments {
            let Some(body) = text.get(seg.start..seg.end) else { continue };
            if seg.end - seg.start > MAX_SEGMENT_BYTES {
                if explain {
                    out.rejections.push(frame::Rejection {
                        segment: read.len(),
                        span: (seg.start as u32, seg.start as u32),
                        reason: "segment too long to read",
                    });
                    read.push(Read {
                        source: Source::Text,
                        start: seg.start,
                        end: seg.end,
                        kind: seg.kind,
                    });
                }
                continue;
            }
            // A table row is mostly figures and bars; only its bad characters count.
            let garbage = match seg.kind {
                SegmentKind::Row | SegmentKind::Item => layout::is_garbage(
                    &body.replace(|c: char| c.is_ascii_digit() || "|%.:–-".contains(c), ""),
                ),
                _ => layout::is_garbage(body),
            };
            if garbage || (body.len() < 120 && layout::is_noise_line(body)) {
                continue;
            }
            let lexed = token::lex_range(lex, text, seg.start, seg.end);
            if seg.start >= lead_end {
                count_mentions(&lexed, &blocks, &mut mentions, 1);
            }
            let chunks = chunk::chunks(lex, text, &lexed, 0, lexed.tokens.len(), article.date);
            let v = View::new(read.len(), &chunks, text, article.date);
            read.push(Read {
                source: Source::Text,
                start: seg.start,
                end: seg.end,
                kind: seg.kind,
            });
            let header = blocks.get(seg.block).and_then(|b| b.header).and_then(|h| blocks.get(h));
            let header = match seg.kind {
                SegmentKind::Item | SegmentKind::Row => header.map(|h| {
                    let hl = token::lex_range(lex, text, h.start, h.end);
                    (
                        chunk::chunks(lex, text, &hl, 0, hl.tokens.len(), article.date),
                        h.start,
                        h.end,
                    )
                }),
                _ => None,
            };
            let header = header.as_ref().map(|(c, s, e)| (c.as_slice(), *s, *e));
            self.frames(&v, seg.kind, (seg.start, seg.end), header, &mut memory, &mut out);
        }

        // The article layer.
        let mut warnings = std::mem::take(&mut out.warnings);
        let imposer = article::imposer(&out.findings, &out.imposers, &mentions);
        let mut keyed: Vec<article::Keyed> = Vec::new();
        let mut failed: Vec<(usize, &'static str)> = Vec::new();
        for (i, f) in out.findings.iter().enumerate() {
            match article::key(pack, f, imposer, &mentions, &mut warnings) {
                Ok(k) => keyed.push(k),
                Err(why) => failed.push((i, why)),
            }
        }
        merge_bare_pauses(pack, &mut keyed);
        // Values the article calls old or only threatens are not the rate in force.
        let rate_name = pack.metric(Reading::Rate).map(|m| m.name.clone());
        let mut vetoes: Vec<(String, f64)> = Vec::new();
        for k in &keyed {
            let Some(v) = k.finding.value else { continue };
            if k.finding.stance == Stance::Previous {
                vetoes.push((k.key.clone(), v));
            }
            if k.finding.reading == Reading::Threat
                && let (Some(rate), Some(m)) = (&rate_name, pack.metrics.get(k.metric))
            {
                vetoes.push((k.key.replacen(&m.name, rate, 1), v));
            }
        }
        let (chosen, lost) = article::select(&keyed, &vetoes);
        let mut claims = Vec::with_capacity(chosen.len());
        for &i in &chosen {
            let Some(k) = keyed.get(i) else { continue };
            if let Some(mut c) = self.claim(article, k, &read) {
                // "US cuts tariff to 19pc" over "cut ... to 19pc from 29pc": the old value
                // any mention of the same value states is the article's.
                if c.stated_previous.is_none() {
                    c.stated_previous = lost
                        .iter()
                        .filter(|&(_, &won)| won == i)
                        .filter_map(|(&j, _)| Some((j, keyed.get(j)?)))
                        .filter(|(_, o)| o.finding.value == k.finding.value)
                        .filter_map(|(j, o)| Some((j, o.finding.stated_previous?)))
                        .min_by_key(|(j, _)| *j)
                        .map(|(_, p)| p);
                }
                claims.push(c);
            }
        }
        let explanation = if explain {
            explanation(pack, article, &read, &out, &keyed, &chosen, &lost, &failed)
        } else {
            Explanation::default()
        };
        (Extraction { claims, warnings }, explanation)
    }

    /// Runs the frames that fit a segment; `header` is the block that introduces a list item
    /// or heads a table row, chunked, with its byte range.
    fn frames(
        &self,
        v: &View<'_>,
        kind: SegmentKind,
        span: (usize, usize),
        header: Option<(&[chunk::Chunk], usize, usize)>,
        memory: &mut Memory,
        out: &mut Out,
    ) {
        let pack = &*self.pack;
        if v.has_levy {
            memory.levy_seen = true;
        }
        if v.chunks.iter().any(|c| {
            c.is(class::Class::Export) || c.is(class::Class::Import) || c.is(class::Class::Trade)
        }) {
            memory.trade_seen = true;
        }
        match kind {
            SegmentKind::Row => {
                let cells = cells_of(v.text, span.0, span.1);
                let head = header.map(|(c, s, e)| (c, cells_of(v.text, s, e)));
                frame::tabular::row(
                    v,
                    &cells,
                    head.as_ref().map(|(c, h)| (*c, h.as_slice(), v.text)),
                    memory,
                    out,
                );
            }
            SegmentKind::Item => {
                frame::tabular::item(v, header.map(|(c, _, _)| (c, v.text)), memory, out);
            }
            SegmentKind::Headline | SegmentKind::Sentence => {
                let has = |r: &[Reading]| r.iter().any(|r| pack.metric(*r).is_some());
                if has(&[Reading::Rate, Reading::Baseline, Reading::Threat]) {
                    frame::levy::read(v, memory, out);
                }
                if has(&[Reading::Pause]) {
                    frame::suspension::read(v, memory, out);
                }
                if has(&[Reading::Exports, Reading::Volume, Reading::Deficit]) {
                    frame::trade::read(v, memory, out);
                }
            }
        }
        // "products of China, Hong Kong and Macau" is what "their" means in the next one.
        let group: Vec<u16> = v
            .chunks
            .iter()
            .filter_map(|c| match c.what {
                chunk::What::Entity { entity, form, .. } if !frame::acts(form) => Some(entity),
                _ => None,
            })
            .collect();
        if !group.is_empty() {
            memory.last_group = group;
        }
        if let Some(y) = v.chunks.iter().rev().find_map(|c| match c.what {
            chunk::What::Year(Some(y)) => Some(y),
            _ => None,
        }) {
            memory.last_year = Some(y);
        }
        if let Some(d) = v.chunks.iter().rev().find_map(|c| match c.what {
            chunk::What::Date(w) => w.deadline(v.date),
            _ => None,
        }) {
            memory.last_date = Some(d);
        }
    }

    /// The claim a chosen finding makes.
    fn claim(&self, article: &Article, k: &article::Keyed, read: &[Read]) -> Option<Claim> {
        let m = self.pack.metrics.get(k.metric)?;
        let seg = read.get(k.finding.segment)?;
        let (span, quote) = match seg.source {
            Source::Text => {
                ([seg.start, seg.end], layout::collapse(article.text.get(seg.start..seg.end)?))
            }
            Source::Title => ([0, 0], layout::collapse(article.title.as_deref()?)),
        };
        let f = &k.finding;
        Some(Claim {
            source: article.source.clone(),
            key: k.key.clone(),
            metric: m.name.clone(),
            subject: k.subject.clone(),
            period: k.period.clone(),
            kind: m.kind,
            value: if m.kind == Kind::Figure { f.value } else { None },
            unit: m.unit.clone(),
            qualifier: f.qualifier,
            status: f.status.map(str::to_string),
            until: f.until,
            as_of: article.date.date,
            span,
            quote,
            stated_previous: f.stated_previous,
        })
    }
}

/// The cells of the table row in `text[start..end]`, as absolute byte ranges.
fn cells_of(text: &str, start: usize, end: usize) -> Vec<(u32, u32)> {
    let Some(line) = text.get(start..end) else { return Vec::new() };
    layout::cells(line).into_iter().map(|(s, e)| ((start + s) as u32, (start + e) as u32)).collect()
}

/// "The pause" in an article whose only named pause is on one country is that pause: a
/// general key there would be a second fact that no one stated. A pause whose clause says
/// it covers most countries, or names an exception, stays general, and so does one whose
/// deadline differs from the country's.
fn merge_bare_pauses(pack: &Pack, keyed: &mut [article::Keyed]) {
    if pack.metric(Reading::Pause).is_none() {
        return;
    }
    type Specific = (String, Vec<String>, Option<crate::model::Deadline>);
    let mut specific: HashMap<String, Vec<Specific>> = HashMap::new();
    for k in keyed.iter().filter(|k| k.finding.reading == Reading::Pause && k.subject.len() == 2) {
        let imposer = k.subject.first().cloned().unwrap_or_default();
        let e = specific.entry(imposer).or_default();
        if !e.iter().any(|(key, _, _)| *key == k.key) {
            e.push((k.key.clone(), k.subject.clone(), k.finding.until));
        }
    }
    for k in keyed.iter_mut() {
        if k.finding.reading != Reading::Pause || k.subject.len() != 1 || k.finding.scoped {
            continue;
        }
        let Some(imposer) = k.subject.first() else { continue };
        let Some([(key, subject, until)]) = specific.get(imposer).map(Vec::as_slice) else {
            continue;
        };
        let agree = match (k.finding.until, until) {
            (Some(a), Some(b)) => a.is_compatible(b),
            _ => true,
        };
        if agree {
            k.key = key.clone();
            k.subject = subject.clone();
        }
    }
}

/// The classes whose words make a block worth reading past the prescan, with `extra`.
fn trigger_classes(extra: class::Classes) -> class::Classes {
    use class::Class;
    Class::Levy.bit()
        | Class::RateNoun.bit()
        | Class::Pause.bit()
        | Class::PauseVerb.bit()
        | Class::Export.bit()
        | Class::Import.bit()
        | Class::Trade.bit()
        | Class::Deficit.bit()
        | Class::Surplus.bit()
        | extra
}

/// Counts the entity names of lexed text that lies in the story's blocks (not its chrome
/// or sidebar), each `weight` times.
fn count_mentions(
    lexed: &token::Lexed,
    blocks: &[layout::Block],
    mentions: &mut article::Mentions,
    weight: usize,
) {
    for h in &lexed.hits {
        let token::HitKind::Entity { entity, form } = h.kind else { continue };
        let Some(t) = lexed.tokens.get(h.start as usize) else { continue };
        let at = t.start as usize;
        let bi = blocks.partition_point(|b| b.end <= at);
        let in_story =
            blocks.get(bi).is_none_or(|b| !matches!(b.kind, BlockKind::Noise | BlockKind::Sidebar));
        if in_story {
            mentions.add(entity, form, weight);
        }
    }
}

#[allow(clippy::too_many_arguments, reason = "one call site; the pieces are the run's state")]
fn explanation(
    pack: &Pack,
    article: &Article,
    read: &[Read],
    out: &Out,
    keyed: &[article::Keyed],
    chosen: &[usize],
    lost: &HashMap<usize, usize>,
    failed: &[(usize, &'static str)],
) -> Explanation {
    let text_of = |r: &Read| match r.source {
        Source::Text => article.text.get(r.start..r.end).unwrap_or(""),
        Source::Title => article.title.as_deref().unwrap_or(""),
    };
    let phrase = |seg: usize, (s, e): (u32, u32)| {
        let src = read.get(seg).map_or(Source::Text, |r| r.source);
        let t = match src {
            Source::Text => article.text.as_str(),
            Source::Title => article.title.as_deref().unwrap_or(""),
        };
        layout::collapse(t.get(s as usize..e as usize).unwrap_or(""))
    };
    let mut segments: Vec<ExplainedSegment> = read
        .iter()
        .map(|r| ExplainedSegment {
            kind: match r.kind {
                SegmentKind::Headline => "headline",
                SegmentKind::Sentence => "sentence",
                SegmentKind::Item => "item",
                SegmentKind::Row => "row",
            },
            text: layout::collapse(text_of(r)),
            taken: Vec::new(),
            rejected: Vec::new(),
        })
        .collect();
    let show = |f: &Finding| -> String {
        let unit = pack.metric(f.reading).and_then(|m| m.unit.as_deref());
        match (f.value, f.status) {
            (Some(v), _) if unit == Some("percent") => format!("{v}%"),
            (Some(v), _) => format!("${v}"),
            (None, Some(s)) => match f.until {
                Some(u) => format!("{s} until {u}"),
                None => s.to_string(),
            },
            _ => String::new(),
        }
    };
    let mut by_finding: HashMap<usize, usize> = HashMap::new();
    let mut fi = 0usize;
    let mut ki = 0usize;
    let failed_at: HashMap<usize, &str> = failed.iter().copied().collect();
    for (i, f) in out.findings.iter().enumerate() {
        let outcome = if let Some(why) = failed_at.get(&i) {
            (*why).to_string()
        } else {
            let k = ki;
            ki += 1;
            by_finding.insert(i, k);
            if f.stance == Stance::Previous {
                "a previous value: never the claim, and it outvotes an equal value".to_string()
            } else if chosen.contains(&k) {
                "claim".to_string()
            } else if let Some(w) = lost.get(&k).and_then(|w| keyed.get(*w)) {
                format!("lost to {} for {}", show(&w.finding), w.key)
            } else {
                "not chosen".to_string()
            }
        };
        let key = by_finding
            .get(&i)
            .and_then(|k| keyed.get(*k))
            .map(|k| k.key.clone())
            .unwrap_or_default();
        let code = |e: u16| {
            pack.lexicon.entities.get(e as usize).map_or("?".to_string(), |x| x.code.clone())
        };
        let roles = f
            .parties
            .iter()
            .flatten()
            .map(|p| match *p {
                frame::Party::Named(e) => code(e),
                frame::Party::Open => "open".to_string(),
                frame::Party::OtherThan(e) => format!("other than {}", code(e)),
                frame::Party::Either(a, b) => format!("{} or {}", code(a), code(b)),
                frame::Party::Counterpart => "counterpart".to_string(),
                frame::Party::Guess(e) => format!("guess {}", code(e)),
            })
            .collect();
        if let Some(seg) = segments.get_mut(f.segment) {
            seg.taken.push(ExplainedFinding {
                key,
                value: show(f),
                rule: f.rule,
                phrase: phrase(f.segment, f.span),
                roles,
                outcome,
            });
        }
        fi += 1;
    }
    let _ = fi;
    for r in &out.rejections {
        if let Some(seg) = segments.get_mut(r.segment) {
            seg.rejected
                .push(ExplainedRejection { phrase: phrase(r.segment, r.span), reason: r.reason });
        }
    }
    segments.retain(|s| !s.taken.is_empty() || !s.rejected.is_empty());
    Explanation { segments }
}

/// Renders a label template: `{name}` from `values`; `[...]` dropped when anything inside
/// is missing.
fn render_label(template: &str, values: &HashMap<&str, &str>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let (section, after) = inner.split_once(']').unwrap_or((inner, ""));
            if let Some(s) = fill(section, values) {
                out.push_str(&s);
            }
            rest = after;
        } else {
            let next = rest.find('[').unwrap_or(rest.len());
            let (plain, after) = rest.split_at(next);
            out.push_str(&fill(plain, values).unwrap_or_else(|| fill_lossy(plain, values)));
            rest = after;
        }
    }
    out
}

fn fill(section: &str, values: &HashMap<&str, &str>) -> Option<String> {
    let mut out = String::new();
    let mut rest = section;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        out.push_str(values.get(&after[..close])?);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

fn fill_lossy(section: &str, values: &HashMap<&str, &str>) -> String {
    let mut out = section.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_trade_pack_compiles() {
        let pack = Extractor::builtin("trade").unwrap();
        let x = Extractor::new(&[pack]).unwrap();
        assert!(x.metrics().any(|m| m == "tariff_rate"));
        assert_eq!(x.describe("tariff_rate", &["US".into(), "PK".into()], None), "US tariff on PK");
        assert_eq!(
            x.describe("trade_volume", &["PK".into(), "US".into()], Some("2024")),
            "PK-US trade volume 2024"
        );
        assert_eq!(
            x.describe("trade_volume", &["PK".into(), "US".into()], None),
            "PK-US trade volume"
        );
    }

    #[test]
    fn no_packs_extract_nothing() {
        let x = Extractor::new(&[]).unwrap();
        let article = Article {
            source: "a.txt".into(),
            title: None,
            url: None,
            text: "The U.S. imposed a 29% tariff on Pakistani goods.".into(),
            date: crate::model::ArticleDate {
                date: jiff::civil::date(2025, 4, 8),
                origin: crate::model::DateOrigin::Dateline,
            },
            content_hash: String::new(),
        };
        assert!(x.extract(&article).claims.is_empty());
        assert_eq!(x.metrics().count(), 0);
    }

    #[test]
    fn extractor_is_shareable() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Extractor>();
    }
}
