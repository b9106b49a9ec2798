//! Domain packs: the TOML format that holds what extraction knows of a domain, its validation
//! with the pack line of every problem, the merge of several packs, and the compiled
//! [`Pack`] that extraction runs on.
//!
//! A pack holds three things. The **vocabulary** fills the domain word classes of `class`
//! ("levy" nouns, "impose" verbs, "threat" words...), which the constructions in `frame`
//! test. The **entities** are the countries and blocs with their names, adjectives, capitals
//! and actors. The **metrics** bind a frame's reading to a fact key: `tariff_rate` is the
//! `rate` reading of the `levy` frame, with roles `imposer` and `target`. Adding a word, an
//! alias or a metric is an edit of a pack, never of Rust code; the format is documented in
//! `docs/packs.md`. This module does not look at articles.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use toml::Spanned;

use super::PackText;
use super::class::{Class, GRAMMAR};
use super::lexicon::{Builder, Case, Entity, Form, Lexicon, Phrase, PhraseKind};
use super::token;
use crate::model::Kind;

/// A pack that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pack {origin}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct PackError {
    /// The pack's origin: a path or `builtin:NAME`.
    pub origin: String,
    /// The 1-based line of the problem, when it has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    #[serde(default)]
    pack: Option<RawHeader>,
    #[serde(default)]
    vocabulary: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    entity: Vec<RawEntity>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    metric: Vec<RawMetric>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    #[allow(dead_code, reason = "documented field, shown by no command yet")]
    name: String,
    #[serde(default)]
    #[allow(dead_code, reason = "documented field, shown by no command yet")]
    description: String,
    /// The entity that levies when an article names no one who does.
    #[serde(default)]
    default_imposer: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    code: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    exact: Vec<Spanned<String>>,
    #[serde(default)]
    ambiguous: Vec<Spanned<String>>,
    #[serde(default)]
    demonyms: Vec<Spanned<String>>,
    #[serde(default)]
    capitals: Vec<Spanned<String>>,
    #[serde(default)]
    actors: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    frame: Spanned<String>,
    reading: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    unit: Option<Spanned<String>>,
    roles: Spanned<Vec<String>>,
    #[serde(default)]
    optional_roles: Vec<String>,
    #[serde(default)]
    period: Option<Spanned<String>>,
    label: Spanned<String>,
}

/// What a frame reads; each metric of a pack is one reading of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Reading {
    /// `levy`/`rate`: the tariff one party levies on another's goods (imposer, target).
    Rate,
    /// `levy`/`baseline`: the tariff one party levies on everyone (imposer).
    Baseline,
    /// `levy`/`threat`: a tariff threatened, proposed or avoided, not in force (imposer, target).
    Threat,
    /// `suspension`/`pause`: a suspension of tariffs (imposer, optional target).
    Pause,
    /// `flow`/`exports`: goods one party sold to another (from, to).
    Exports,
    /// `turnover`/`volume`: two-way trade (a, b; symmetric).
    Volume,
    /// `balance`/`deficit`: the trade deficit of one party with another (deficit side, partner).
    Deficit,
}

/// A frame, a reading of it, what the reading is, and the kind, unit, roles and optional
/// roles a metric of it must have.
type ReadingSpec = (&'static str, &'static str, Reading, Kind, Option<&'static str>, usize, usize);

/// The frames and readings there are, with the kind, unit and role count each needs.
const READINGS: &[ReadingSpec] = &[
    ("levy", "rate", Reading::Rate, Kind::Figure, Some("percent"), 2, 0),
    ("levy", "baseline", Reading::Baseline, Kind::Figure, Some("percent"), 1, 0),
    ("levy", "threat", Reading::Threat, Kind::Figure, Some("percent"), 2, 0),
    ("suspension", "pause", Reading::Pause, Kind::Status, None, 1, 1),
    ("flow", "exports", Reading::Exports, Kind::Figure, Some("USD"), 2, 0),
    ("turnover", "volume", Reading::Volume, Kind::Figure, Some("USD"), 2, 0),
    ("balance", "deficit", Reading::Deficit, Kind::Figure, Some("USD"), 2, 0),
];

/// A metric: the fact key one reading of a frame produces.
#[derive(Debug, Clone)]
pub(crate) struct Metric {
    /// The metric name, the first part of a key.
    pub name: String,
    /// The reading it takes.
    pub reading: Reading,
    /// `figure` or `status`.
    pub kind: Kind,
    /// The unit of a figure.
    pub unit: Option<String>,
    /// The role names, in key order.
    pub roles: Vec<String>,
    /// The optional role names, after the required ones in the key when filled.
    pub optional_roles: Vec<String>,
    /// Whether keys carry the year the figure is for (`@2024`).
    pub period: bool,
    /// The label template, e.g. `{imposer} tariff on {target}`.
    pub label: String,
}

/// The compiled packs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pack {
    /// Every word and phrase, with classes, and the entities.
    pub lexicon: Lexicon,
    /// The metrics, in pack order.
    pub metrics: Vec<Metric>,
    /// The metric of each reading, if a pack defines one.
    pub by_reading: HashMap<Reading, usize>,
    /// The entity that levies when an article names no imposer (the trade pack: the United
    /// States, the imposer of most tariff news).
    pub default_imposer: Option<u16>,
}

impl Pack {
    /// The metric of a reading.
    pub(crate) fn metric(&self, reading: Reading) -> Option<&Metric> {
        self.by_reading.get(&reading).and_then(|&i| self.metrics.get(i))
    }
}

struct Parsed<'a> {
    origin: &'a str,
    text: &'a str,
    raw: RawPack,
}

impl Parsed<'_> {
    fn err(&self, span: Option<std::ops::Range<usize>>, message: String) -> PackError {
        PackError {
            origin: self.origin.to_string(),
            line: span.map(|s| line_of(self.text, s.start)),
            message,
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let upto = text.get(..offset.min(text.len())).unwrap_or(text);
    upto.bytes().filter(|b| *b == b'\n').count() + 1
}

/// Parses, validates, merges and compiles packs. The grammar words come first, so every
/// pack (and none) has them.
pub(crate) fn compile(packs: &[PackText]) -> Result<Pack, PackError> {
    let mut parsed = Vec::with_capacity(packs.len());
    for p in packs {
        let raw: RawPack = toml::from_str(&p.text).map_err(|e| PackError {
            origin: p.origin.clone(),
            line: e.span().map(|s| line_of(&p.text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        parsed.push(Parsed { origin: &p.origin, text: &p.text, raw });
    }

    // Hyphenated words are single words when some pack spells them so ("two-way").
    let mut compounds: HashSet<Vec<u8>> = HashSet::new();
    let mut note = |s: &str| {
        for w in s.split_whitespace() {
            if w.contains('-') && w.len() > 2 {
                compounds.insert(w.to_lowercase().into_bytes());
            }
        }
    };
    for (_, words) in GRAMMAR {
        words.iter().for_each(|w| note(w));
    }
    for p in &parsed {
        for list in p.raw.vocabulary.values() {
            list.get_ref().iter().for_each(|w| note(w.get_ref()));
        }
        for e in &p.raw.entity {
            for list in [&e.aliases, &e.exact, &e.ambiguous, &e.demonyms, &e.capitals, &e.actors] {
                list.iter().for_each(|w| note(w.get_ref()));
            }
        }
    }
    let known = |w: &[u8]| compounds.contains(w);

    let mut b = Builder::default();
    for (class, words) in GRAMMAR {
        for w in *words {
            add_class_word(&mut b, w, class.bit(), &known);
        }
    }
    for p in &parsed {
        for (name, list) in &p.raw.vocabulary {
            let Some(class) = Class::by_name(name) else {
                let mut names: Vec<&str> = Class::ALL.iter().map(|c| c.name()).collect();
                names.sort_unstable();
                return Err(p.err(
                    Some(list.span()),
                    format!(
                        "unknown vocabulary class {name:?} (known classes: {})",
                        names.join(", ")
                    ),
                ));
            };
            for w in list.get_ref() {
                let text = w.get_ref().trim();
                if text.is_empty() {
                    return Err(p.err(Some(w.span()), format!("vocabulary {name}: empty word")));
                }
                add_class_word(&mut b, text, class.bit(), &known);
            }
        }
    }

    // Entities merge by code; an alias naming two codes is a conflict.
    let mut alias_owner: HashMap<String, (String, String)> = HashMap::new();
    for p in &parsed {
        for e in &p.raw.entity {
            let code = e.code.get_ref().trim();
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(p.err(
                    Some(e.code.span()),
                    format!("entity code {code:?} must be letters, digits or '-'"),
                ));
            }
            let name = e.name.clone().unwrap_or_else(|| code.to_string());
            let Some(idx) = b.add_entity(Entity { code: code.to_string(), name }) else {
                return Err(p.err(Some(e.code.span()), "too many entities".to_string()));
            };
            let lists: [(&Vec<Spanned<String>>, Form, bool); 6] = [
                (&e.aliases, Form::Name, false),
                (&e.demonyms, Form::Demonym, false),
                (&e.capitals, Form::Capital, false),
                (&e.actors, Form::Actor, false),
                (&e.exact, Form::Name, true),
                (&e.ambiguous, Form::Ambiguous, true),
            ];
            for (list, form, exact) in lists {
                for alias in list {
                    let text = alias.get_ref().trim();
                    if text.chars().count() < 2 {
                        return Err(p.err(
                            Some(alias.span()),
                            format!("entity {code}: alias {text:?} is too short"),
                        ));
                    }
                    if let Some((owner, from)) = alias_owner.get(text)
                        && owner != code
                    {
                        return Err(p.err(
                            Some(alias.span()),
                            format!(
                                "entity {code}: alias {text:?} already names {owner} (in {from})"
                            ),
                        ));
                    }
                    alias_owner.insert(text.to_string(), (code.to_string(), p.origin.to_string()));
                    let words = token::register(&mut b, text, &known);
                    let case = if exact {
                        Case::Exact(words.iter().map(|(_, s)| s.clone().into_boxed_str()).collect())
                    } else {
                        Case::Capitalized
                    };
                    b.add_phrase(Phrase {
                        words: words.iter().map(|(id, _)| *id).collect(),
                        case,
                        kind: PhraseKind::Entity { entity: idx, form },
                    });
                }
            }
        }
        for phrase in &p.raw.ignore {
            let text = phrase.get_ref().trim();
            if text.is_empty() {
                return Err(p.err(Some(phrase.span()), "empty ignore phrase".to_string()));
            }
            let words = token::register(&mut b, text, &known);
            b.add_phrase(Phrase {
                words: words.iter().map(|(id, _)| *id).collect(),
                case: Case::Capitalized,
                kind: PhraseKind::Ignore,
            });
        }
    }

    // Metrics merge by name; a second definition must be identical.
    let mut metrics: Vec<Metric> = Vec::new();
    let mut seen: Vec<(String, &RawMetric, &str)> = Vec::new();
    let mut by_reading: HashMap<Reading, usize> = HashMap::new();
    for p in &parsed {
        for m in &p.raw.metric {
            let name = m.name.get_ref().trim().to_string();
            if let Some((_, first, origin)) = seen.iter().find(|(n, _, _)| *n == name) {
                if *first != m {
                    return Err(p.err(
                        Some(m.name.span()),
                        format!("metric {name:?} is already defined differently (in {origin})"),
                    ));
                }
                continue;
            }
            let metric = compile_metric(p, m, &name)?;
            if let Some(&other) = by_reading.get(&metric.reading) {
                let other = metrics.get(other).map_or("?", |o| o.name.as_str());
                return Err(p.err(
                    Some(m.reading.span()),
                    format!(
                        "metric {name:?}: reading {}/{} is already taken by metric {other:?}",
                        m.frame.get_ref(),
                        m.reading.get_ref()
                    ),
                ));
            }
            by_reading.insert(metric.reading, metrics.len());
            metrics.push(metric);
            seen.push((name, m, p.origin));
        }
    }
    let mut default_imposer = None;
    for p in &parsed {
        if let Some(code) = p.raw.pack.as_ref().and_then(|h| h.default_imposer.as_ref()) {
            let Some(i) = b.entity_index(code.get_ref().trim()) else {
                return Err(p.err(
                    Some(code.span()),
                    format!(
                        "default_imposer {:?} is not an entity of the loaded packs",
                        code.get_ref()
                    ),
                ));
            };
            default_imposer = Some(i);
        }
    }
    Ok(Pack { lexicon: b.finish(), metrics, by_reading, default_imposer })
}

/// Adds a class word or class phrase.
fn add_class_word(b: &mut Builder, text: &str, classes: u128, known: &dyn Fn(&[u8]) -> bool) {
    let words = token::register(b, text, known);
    match words.as_slice() {
        [(id, _)] => b.add_classes(*id, classes),
        [] => {}
        many => b.add_phrase(Phrase {
            words: many.iter().map(|(id, _)| *id).collect(),
            case: Case::Any,
            kind: PhraseKind::Classes(classes),
        }),
    }
}

fn compile_metric(p: &Parsed<'_>, m: &RawMetric, name: &str) -> Result<Metric, PackError> {
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(p.err(
            Some(m.name.span()),
            format!("metric name {name:?} must be lowercase letters, digits or '_'"),
        ));
    }
    let frame = m.frame.get_ref().as_str();
    let reading = m.reading.get_ref().as_str();
    let Some(&(_, _, r, kind, unit, roles, optional)) =
        READINGS.iter().find(|(f, rd, ..)| *f == frame && *rd == reading)
    else {
        let known: Vec<String> = READINGS.iter().map(|(f, r, ..)| format!("{f}/{r}")).collect();
        return Err(p.err(
            Some(m.reading.span()),
            format!(
                "metric {name:?}: unknown frame/reading {frame}/{reading} (known: {})",
                known.join(", ")
            ),
        ));
    };
    let kind_text = m.kind.get_ref().as_str();
    if Kind::parse(kind_text) != Some(kind) {
        return Err(p.err(
            Some(m.kind.span()),
            format!(
                "metric {name:?}: {frame}/{reading} gives kind {}, not {kind_text:?}",
                kind.as_str()
            ),
        ));
    }
    let unit_text = m.unit.as_ref().map(|u| u.get_ref().as_str());
    if unit_text != unit {
        let span = m.unit.as_ref().map_or(m.kind.span(), Spanned::span);
        return Err(p.err(
            Some(span),
            format!(
                "metric {name:?}: {frame}/{reading} gives unit {}, not {}",
                unit.unwrap_or("none"),
                unit_text.unwrap_or("none")
            ),
        ));
    }
    if m.roles.get_ref().len() != roles || m.optional_roles.len() > optional {
        return Err(p.err(
            Some(m.roles.span()),
            format!(
                "metric {name:?}: {frame}/{reading} fills {roles} role(s) and {optional} optional role(s)"
            ),
        ));
    }
    let period = match m.period.as_ref().map(|s| s.get_ref().as_str()) {
        None => false,
        Some("year") => true,
        Some(other) => {
            return Err(p.err(
                m.period.as_ref().map(Spanned::span),
                format!("metric {name:?}: unknown period {other:?} (expected \"year\")"),
            ));
        }
    };
    let label = m.label.get_ref().clone();
    for role in m.roles.get_ref().iter().chain(&m.optional_roles) {
        if !label.contains(&format!("{{{role}}}")) {
            return Err(p.err(
                Some(m.label.span()),
                format!("metric {name:?}: label does not name role {{{role}}}"),
            ));
        }
    }
    let _ = &m.description;
    Ok(Metric {
        name: name.to_string(),
        reading: r,
        kind,
        unit: unit.map(str::to_string),
        roles: m.roles.get_ref().clone(),
        optional_roles: m.optional_roles.clone(),
        period,
        label,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(text: &str) -> Result<Pack, PackError> {
        compile(&[PackText { origin: "test.toml".into(), text: text.into() }])
    }

    #[test]
    fn unknown_class_and_bad_toml_name_the_line() {
        let err = pack("[vocabulary]\nlevy = [\"tariff\"]\nlevvy = [\"duty\"]\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.starts_with("unknown vocabulary class \"levvy\""), "{err}");
        let err = pack("[[entity]\n").unwrap_err();
        assert_eq!(err.line, Some(1), "{err}");
        let err = pack("[[entity]]\ncode = \"US\"\nalias = []\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }

    #[test]
    fn a_metric_must_fit_its_reading() {
        let err = pack(
            "[[metric]]\nname = \"tariff_rate\"\nframe = \"levy\"\nreading = \"rate\"\nkind = \"figure\"\nunit = \"USD\"\nroles = [\"imposer\", \"target\"]\nlabel = \"{imposer} on {target}\"\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "pack test.toml line 6: metric \"tariff_rate\": levy/rate gives unit percent, not USD"
        );
        let err = pack(
            "[[metric]]\nname = \"x\"\nframe = \"levy\"\nreading = \"speed\"\nkind = \"figure\"\nroles = []\nlabel = \"x\"\n",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.message.contains("unknown frame/reading levy/speed"), "{err}");
    }

    #[test]
    fn conflicting_alias_is_an_error() {
        let a = PackText {
            origin: "a.toml".into(),
            text: "[[entity]]\ncode = \"US\"\naliases = [\"Georgia\"]\n".into(),
        };
        let b = PackText {
            origin: "b.toml".into(),
            text: "[[entity]]\ncode = \"GE\"\naliases = [\"Georgia\"]\n".into(),
        };
        let err = compile(&[a, b]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("pack b.toml line 3: entity GE: alias \"Georgia\" already names US"),
            "{err}"
        );
    }
}
