//! Extraction: article text in, claims out. Pure: no I/O, no clock, no globals, no panics.
//!
//! An article goes through the text layer (`text`: blocks, noise, sidebar, sentences), one
//! automaton pass for entities and triggers (`entity`), and, only for sentences holding a
//! trigger, the recognizers (`number`, `date`) and the sentence skeleton (`skeleton`) that
//! pack patterns run on (`metric`, `status`). Roles a sentence leaves open are filled from
//! the article's main parties, and `selection` keeps one claim per key. All vocabulary comes
//! from domain packs (`pack`); the built-in trade pack is `config/packs/trade.toml`.

mod date;
mod entity;
mod metric;
mod number;
mod pack;
mod pattern;
mod selection;
mod skeleton;
mod status;
mod text;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::model::{Article, Claim, Kind};

pub use pack::PackError;

use metric::{Candidate, Period};
use pack::{MetricKind, Vocabulary};
use selection::Ranked;

/// The built-in trade pack, embedded so the binary works without its config folder.
const TRADE_PACK: &str = include_str!("../../config/packs/trade.toml");

/// Sentences longer than this are not read: no real sentence is, and garbage often is.
const MAX_SENTENCE_BYTES: usize = 1500;

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

/// The compiled vocabulary of one or more domain packs. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Extractor {
    vocab: Arc<Vocabulary>,
}

impl Extractor {
    /// Compiles packs. Several packs merge: entities by code (aliases add up), roles by name
    /// (cues add up), metrics by name (a second definition must be identical). A malformed
    /// pack or a conflicting duplicate fails with the pack's origin and line.
    pub fn new(packs: &[PackText]) -> Result<Extractor, PackError> {
        Ok(Extractor { vocab: Arc::new(pack::compile(packs)?) })
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
        self.vocab.metrics.iter().map(|m| m.name.as_str())
    }

    /// A readable name for a fact, from the metric's `label` template: "US tariff on PK",
    /// "PK-US trade volume 2024". Parts in `[...]` are dropped when a placeholder inside them
    /// has no value. An unknown metric gets `metric subject period`.
    pub fn describe(&self, metric: &str, subject: &[String], period: Option<&str>) -> String {
        let Some(m) = self.vocab.metrics.iter().find(|m| m.name == metric) else {
            let mut s = format!("{metric} {}", subject.join(":"));
            if let Some(p) = period {
                s.push(' ');
                s.push_str(p);
            }
            return s;
        };
        let mut values: HashMap<&str, &str> = HashMap::new();
        for (role, code) in m.roles.iter().chain(&m.optional_roles).zip(subject) {
            if let Some(r) = self.vocab.roles.get(*role) {
                values.insert(r.name.as_str(), code.as_str());
            }
        }
        if let Some(p) = period {
            values.insert("period", p);
        }
        render_label(&m.label, &values)
    }

    /// Extracts the claims of one article. Never panics; garbage gives no claims.
    pub fn extract(&self, article: &Article) -> Extraction {
        let vocab = &*self.vocab;
        let text = article.text.as_str();
        let mut warnings = Vec::new();

        let blocks = text::blocks(text);
        let hits = entity::scan(vocab, text);
        let title_hits = article.title.as_deref().map(|t| entity::scan(vocab, t));
        let mains = entity::main_parties(&hits, &blocks, title_hits.as_deref());
        // Only blocks holding a trigger are split into sentences: the rest can give no claim.
        let trigger_starts: Vec<usize> = hits
            .iter()
            .filter(|h| matches!(h.what, entity::HitKind::Trigger { .. }))
            .map(|h| h.start)
            .collect();
        let sentences = text::sentences(text, &blocks, &trigger_starts);

        let mut candidates: Vec<Candidate> = Vec::new();
        let mut context_seen: HashSet<usize> = HashSet::new();
        let mut first_hit = 0usize;
        for (si, s) in sentences.iter().enumerate() {
            while hits.get(first_hit).is_some_and(|h| h.end <= s.start) {
                first_hit += 1;
            }
            let upto = hits
                .get(first_hit..)
                .map_or(0, |rest| rest.iter().take_while(|h| h.start < s.end).count());
            let Some(here) = hits.get(first_hit..first_hit + upto) else { continue };
            let mut triggered: Vec<usize> = here
                .iter()
                .filter_map(|h| match h.what {
                    entity::HitKind::Trigger { metric } => Some(metric),
                    entity::HitKind::Entity { .. } => None,
                })
                .collect();
            if triggered.is_empty() || s.end - s.start > MAX_SENTENCE_BYTES {
                continue;
            }
            triggered.sort_unstable();
            triggered.dedup();
            let Some(sentence) = text.get(s.start..s.end) else { continue };
            if text::is_garbage(sentence) || text::is_noise_line(sentence) {
                continue;
            }
            // Figures need digits and statuses need no numbers: skip the recognizers that
            // cannot find anything useful here.
            let has_digit = sentence.bytes().any(|b| b.is_ascii_digit());
            let wants_status = triggered
                .iter()
                .any(|&mi| vocab.metrics.get(mi).is_some_and(|m| m.kind == MetricKind::Status));
            if !has_digit && !wants_status {
                continue;
            }
            let dates = date::mentions(sentence, article.date);
            let taken: Vec<(usize, usize)> = dates.iter().map(|d| (d.start, d.end)).collect();
            let quantities =
                if has_digit { number::quantities(sentence, &taken) } else { Vec::new() };
            let sk = skeleton::build(sentence, s.start, here, &dates, &quantities);
            let gate = vocab.gate.matches(&sk.text);
            let reading = metric::Reading { sk: &sk, gate: &gate, text: sentence, index: si };
            candidates.extend(metric::figures(vocab, &triggered, &reading));
            for &mi in &triggered {
                let Some(m) = vocab.metrics.get(mi) else { continue };
                if m.kind != MetricKind::Status {
                    continue;
                }
                // The paragraph so far may set the context: "The U.S. imposed tariffs on dozens
                // of countries. The pause runs until July 9."
                let paragraph = text.get(s.block_start..s.end).unwrap_or(sentence);
                if status::has_context(m, paragraph) {
                    context_seen.insert(mi);
                } else if !context_seen.contains(&mi) {
                    continue;
                }
                if let Some(c) = status::finding(vocab, mi, &reading, article.date, &mut warnings) {
                    candidates.push(c);
                }
            }
        }

        let consensus = consensus(vocab, &candidates);
        let mut ranked = Vec::with_capacity(candidates.len());
        for c in candidates {
            let Some(s) = sentences.get(c.sentence) else { continue };
            if let Some(r) = self.claim(article, c, &mains, &consensus, *s, &mut warnings) {
                ranked.push(r);
            }
        }
        share_optional_roles(vocab, &mut ranked);
        Extraction { claims: selection::select(ranked), warnings }
    }

    /// Fills open roles from the article and builds the claim.
    fn claim(
        &self,
        article: &Article,
        mut c: Candidate,
        mains: &[usize],
        consensus: &HashMap<usize, usize>,
        s: text::Sentence,
        warnings: &mut Vec<String>,
    ) -> Option<Ranked> {
        let vocab = &*self.vocab;
        let m = vocab.metrics.get(c.metric)?;
        for i in 0..c.roles.len() {
            if c.roles.get(i).copied().flatten().is_some() {
                continue;
            }
            let role = *m.roles.get(i)?;
            if !vocab.roles.get(role)?.fallback {
                return None;
            }
            // A party already bound to an optional role is known too: in "extended the pause
            // on tariffs on Pakistani goods" the target is PK, so the open imposer is the
            // article's other main party.
            let used: Vec<usize> =
                c.roles.iter().flatten().chain(c.optional.iter().flatten()).copied().collect();
            let remaining: Vec<usize> =
                mains.iter().copied().filter(|e| !used.contains(e)).collect();
            let fill = if used.iter().any(|e| mains.contains(e)) && remaining.len() == 1 {
                remaining.first().copied()
            } else if used.is_empty() && mains.len() == 1 && consensus.get(&role).is_none() {
                // An article about one party: it is the party.
                mains.first().copied()
            } else if let Some(e) = consensus.get(&role).filter(|e| !used.contains(e)) {
                Some(*e)
            } else if m.symmetric {
                remaining.first().copied()
            } else {
                None
            };
            *c.roles.get_mut(i)? = Some(fill?);
        }
        if m.optional_from_article {
            fill_optional_from_article(m, &mut c, mains, article.text.get(s.start..s.end)?);
        }
        let mut subject: Vec<String> = c
            .roles
            .iter()
            .flatten()
            .filter_map(|e| vocab.entities.get(*e).map(|e| e.code.clone()))
            .collect();
        if m.symmetric {
            subject.sort();
        }
        subject.extend(
            c.optional
                .iter()
                .flatten()
                .filter_map(|e| vocab.entities.get(*e).map(|e| e.code.clone())),
        );
        let period = match c.period {
            Period::Year(y) => Some(y.to_string()),
            Period::None => None,
            Period::Unresolved => {
                warnings.push(format!(
                    "{}: a relative year is not resolved because the article date is not stated in the article; key has no period",
                    m.name
                ));
                None
            }
        };
        let mut key = format!("{}:{}", m.name, subject.join(":"));
        if let Some(p) = &period {
            key.push('@');
            key.push_str(p);
        }
        let quote = text::collapse(article.text.get(s.start..s.end)?);
        let (kind, value, unit, qualifier, current) = match c.figure {
            Some((v, q, current)) => (Kind::Figure, Some(v), m.unit_name.clone(), q, current),
            None => (Kind::Status, None, None, None, false),
        };
        let (status, until, rank) = match &c.status {
            Some(f) => (Some(f.state.clone()), f.until, f.rank),
            None => (None, None, 0),
        };
        Some(Ranked {
            claim: Claim {
                source: article.source.clone(),
                key,
                metric: m.name.clone(),
                subject,
                period,
                kind,
                value,
                unit,
                qualifier,
                status,
                until,
                as_of: article.date.date,
                span: [s.start, s.end],
                quote,
            },
            current,
            explicit: c.explicit.iter().filter(|e| **e).count(),
            rank,
            order: c.sentence,
        })
    }
}

/// In an article about two parties, "the pause" whose imposer is one of them is the pause on
/// the other: the story is about that pair, and a later article naming the pair ("ending the
/// pause on Pakistani goods") must meet the same key. A sentence that says the status covers
/// everyone (the pack's `broad` patterns) keeps the key without the optional role.
fn fill_optional_from_article(
    m: &pack::Metric,
    c: &mut Candidate,
    mains: &[usize],
    sentence: &str,
) {
    if mains.len() != 2 || c.optional.iter().any(Option::is_some) {
        return;
    }
    if m.broad.iter().any(|re| re.is_match(sentence)) {
        return;
    }
    let used: Vec<usize> = c.roles.iter().flatten().copied().collect();
    if !used.iter().any(|e| mains.contains(e)) {
        return;
    }
    let other: Vec<usize> = mains.iter().copied().filter(|e| !used.contains(e)).collect();
    if let ([party], Some(slot)) = (other.as_slice(), c.optional.first_mut()) {
        *slot = Some(*party);
    }
}

/// A status named with its optional role in one sentence ("the pause on Chinese goods") and
/// without it in another ("the pause ended") is one fact: when the article names exactly one
/// filler for the optional roles, the bare mentions take it.
fn share_optional_roles(vocab: &Vocabulary, ranked: &mut [Ranked]) {
    let mut fuller: HashMap<String, Option<Vec<String>>> = HashMap::new();
    for r in ranked.iter() {
        let Some(m) = vocab.metrics.iter().find(|m| m.name == r.claim.metric) else { continue };
        if m.optional_roles.is_empty() || r.claim.subject.len() <= m.roles.len() {
            continue;
        }
        let base = r.claim.subject.get(..m.roles.len()).unwrap_or_default().join(":");
        let entry = fuller
            .entry(format!("{}:{base}", m.name))
            .or_insert_with(|| Some(r.claim.subject.clone()));
        if entry.as_ref() != Some(&r.claim.subject) {
            *entry = None;
        }
    }
    for r in ranked.iter_mut() {
        let Some(m) = vocab.metrics.iter().find(|m| m.name == r.claim.metric) else { continue };
        if m.optional_roles.is_empty() || r.claim.subject.len() != m.roles.len() {
            continue;
        }
        let base = format!("{}:{}", m.name, r.claim.subject.join(":"));
        if let Some(Some(subject)) = fuller.get(&base) {
            r.claim.key =
                r.claim.key.replacen(&base, &format!("{}:{}", m.name, subject.join(":")), 1);
            r.claim.subject = subject.clone();
        }
    }
}

/// For each role, the entity that sentences of this article name in it most often: "the
/// 29% tariff" with no parties in its sentence takes the imposer the article names elsewhere.
fn consensus(vocab: &Vocabulary, candidates: &[Candidate]) -> HashMap<usize, usize> {
    let mut counts: HashMap<(usize, usize), usize> = HashMap::new();
    for c in candidates {
        let Some(m) = vocab.metrics.get(c.metric) else { continue };
        for ((role, entity), explicit) in m.roles.iter().zip(&c.roles).zip(&c.explicit) {
            if let (Some(e), true) = (entity, explicit) {
                *counts.entry((*role, *e)).or_default() += 1;
            }
        }
    }
    let mut best: HashMap<usize, (usize, usize, bool)> = HashMap::new();
    for ((role, entity), n) in counts {
        match best.get_mut(&role) {
            Some(b) if n > b.1 => *b = (entity, n, false),
            Some(b) if n == b.1 && entity != b.0 => b.2 = true,
            Some(_) => {}
            None => {
                best.insert(role, (entity, n, false));
            }
        }
    }
    best.into_iter().filter(|(_, (_, _, tie))| !tie).map(|(r, (e, _, _))| (r, e)).collect()
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
