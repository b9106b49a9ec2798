//! Domain packs: the TOML format that holds the vocabulary (entities and their aliases,
//! roles and their cues, metrics with triggers, units, patterns, states and deadline
//! phrases), its validation with the pack line of every problem, the merge of several packs,
//! and the compiled [`Vocabulary`] that extraction runs on.
//!
//! Everything domain-specific lives in packs; adding a country, an alias or a metric is an
//! edit of a pack, never of Rust code. The format is documented in `docs/packs.md`. This
//! module does not look at articles; `entity`, `metric` and `status` do.

use std::collections::{BTreeMap, HashMap};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Regex, RegexSet};
use serde::Deserialize;
use toml::Spanned;

use super::PackText;
use super::number::Unit;
use super::pattern::{self, Slots};

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

/// The units a figure metric may have.
const UNITS: &[&str] = &["percent", "USD", "days", "count"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    #[serde(default)]
    #[allow(dead_code, reason = "validated for shape; names the pack for readers")]
    pack: Option<RawHeader>,
    #[serde(default)]
    entity: Vec<RawEntity>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    role: Vec<RawRole>,
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    code: Spanned<String>,
    #[serde(default)]
    #[allow(dead_code, reason = "documentation for pack readers")]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    name: Spanned<String>,
    #[serde(default)]
    #[allow(dead_code, reason = "documentation for pack readers")]
    description: String,
    #[serde(default = "yes")]
    fallback: bool,
    #[serde(default)]
    cues: Vec<Spanned<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    name: Spanned<String>,
    #[serde(default)]
    #[allow(dead_code, reason = "documentation for pack readers")]
    description: String,
    kind: Spanned<String>,
    #[serde(default)]
    unit: Option<Spanned<String>>,
    roles: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    optional_roles: Vec<Spanned<String>>,
    #[serde(default)]
    symmetric: bool,
    #[serde(default)]
    optional_from_article: bool,
    #[serde(default)]
    broad: Vec<Spanned<String>>,
    #[serde(default)]
    period: Option<Spanned<String>>,
    label: Spanned<String>,
    triggers: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    values: Vec<Spanned<String>>,
    #[serde(default)]
    excludes: Vec<Spanned<String>>,
    #[serde(default)]
    context: Vec<Spanned<String>>,
    #[serde(default)]
    state: Vec<RawState>,
    #[serde(default)]
    deadlines: Vec<Spanned<String>>,
    #[serde(default)]
    durations: Vec<Spanned<String>>,
    #[serde(default)]
    starts: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawState {
    name: Spanned<String>,
    phrases: Vec<Spanned<String>>,
}

/// A country, bloc or other party that keys name by code.
#[derive(Debug, Clone)]
pub(crate) struct Entity {
    /// The code used in keys, e.g. `US`.
    pub code: String,
}

/// What an Aho-Corasick pattern found.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// An alias of an entity.
    Alias {
        /// Index into [`Vocabulary::entities`].
        entity: usize,
        /// The alias as written in the pack.
        text: String,
        /// Whether only the exact spelling counts (no all-caps variant).
        exact: bool,
        /// Whether the alias also names other things, so it never makes a main party.
        ambiguous: bool,
    },
    /// A phrase that contains an alias but names something else ("New Mexico").
    Ignore,
    /// A trigger word of a metric.
    Trigger {
        /// Index into [`Vocabulary::metrics`].
        metric: usize,
    },
}

/// A role in a key, with the cues that fill it.
#[derive(Debug, Clone)]
pub(crate) struct Role {
    /// The role name, e.g. `imposer`.
    pub name: String,
    /// Whether the article's main parties may fill it when the sentence does not.
    pub fallback: bool,
    /// Cue patterns capturing `r_<name>` (and maybe other roles and `value`).
    pub cues: Vec<Cue>,
}

/// A compiled role cue and what it captures, so a match that holds one entity token can
/// skip capture resolution (the costly part of a regex match).
#[derive(Debug, Clone)]
pub(crate) struct Cue {
    /// The pattern.
    pub regex: Regex,
    /// The roles it names (indices into [`Vocabulary::roles`]), its own first.
    pub roles: Vec<usize>,
    /// Whether it names `{value}`.
    pub has_value: bool,
}

/// Whether a metric is a number or a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MetricKind {
    /// A number with a unit.
    Figure,
    /// A named state with an optional deadline.
    Status,
}

/// A state of a status metric and the phrases that say it.
#[derive(Debug, Clone)]
pub(crate) struct State {
    /// The state name, e.g. `active`.
    pub name: String,
    /// Phrases, any of which says the state.
    pub phrases: Vec<Regex>,
}

/// A compiled metric.
#[derive(Debug, Clone)]
pub(crate) struct Metric {
    /// The metric name, the first part of keys.
    pub name: String,
    /// Figure or status.
    pub kind: MetricKind,
    /// The unit's name as claims show it.
    pub unit_name: Option<String>,
    /// The skeleton letter of the unit's quantities.
    pub value_letter: Option<char>,
    /// Required roles, in key order (indices into [`Vocabulary::roles`]).
    pub roles: Vec<usize>,
    /// Optional roles, appended to the key when a sentence names them.
    pub optional_roles: Vec<usize>,
    /// Whether the subject is an unordered pair, sorted alphabetically in keys.
    pub symmetric: bool,
    /// Whether an article about two parties fills the one optional role a sentence leaves
    /// open with the party the required roles do not name.
    pub optional_from_article: bool,
    /// Patterns saying a sentence covers everyone ("on all countries"): its optional role
    /// stays open even with `optional_from_article`.
    pub broad: Vec<Regex>,
    /// Whether keys carry the year a figure is for.
    pub period: bool,
    /// The label template for alert summaries.
    pub label: String,
    /// Patterns whose `value` capture is this metric's figure.
    pub values: Vec<Regex>,
    /// Patterns that veto a value (with `value`) or the sentence (without).
    pub excludes: Vec<(Regex, bool)>,
    /// For statuses: one of these must match the sentence or an earlier one of the article.
    pub context: Vec<Regex>,
    /// For statuses: states in order of precedence.
    pub states: Vec<State>,
    /// For statuses: phrases capturing a deadline `date`.
    pub deadlines: Vec<Regex>,
    /// For statuses: phrases capturing a duration in `days`.
    pub durations: Vec<Regex>,
    /// For statuses: phrases capturing a start `date`.
    pub starts: Vec<Regex>,
}

/// The compiled, merged vocabulary of all packs.
#[derive(Debug, Clone)]
pub(crate) struct Vocabulary {
    /// Every entity.
    pub entities: Vec<Entity>,
    /// One automaton over aliases, ignore phrases and triggers.
    pub finder: AhoCorasick,
    /// What each automaton pattern may be, in order of preference.
    pub targets: Vec<Vec<Target>>,
    /// Every role.
    pub roles: Vec<Role>,
    /// Every metric, in pack order (earlier metrics take a number first).
    pub metrics: Vec<Metric>,
    /// Every value pattern and role cue in one set, so one pass over a skeleton tells which
    /// of them can match: the others are skipped. Value pattern `j` of metric `i` is at
    /// `value_gate[i] + j`; cue `j` of role `i` at `cue_gate[i] + j`.
    pub gate: RegexSet,
    /// Where each metric's value patterns start in `gate`.
    pub value_gate: Vec<usize>,
    /// Where each role's cues start in `gate`.
    pub cue_gate: Vec<usize>,
    /// Where each metric's exclude patterns start in `gate`.
    pub exclude_gate: Vec<usize>,
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

/// Parses, validates, merges and compiles packs.
pub(crate) fn compile(packs: &[PackText]) -> Result<Vocabulary, PackError> {
    let mut parsed = Vec::with_capacity(packs.len());
    for p in packs {
        let raw: RawPack = toml::from_str(&p.text).map_err(|e| PackError {
            origin: p.origin.clone(),
            line: e.span().map(|s| line_of(&p.text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        parsed.push(Parsed { origin: &p.origin, text: &p.text, raw });
    }

    // Entities merge by code; an alias naming two codes is a conflict.
    let mut entities: Vec<Entity> = Vec::new();
    let mut by_code: HashMap<String, usize> = HashMap::new();
    let mut alias_owner: HashMap<String, (usize, String)> = HashMap::new();
    let mut patterns: BTreeMap<String, Vec<Target>> = BTreeMap::new();
    for p in &parsed {
        for e in &p.raw.entity {
            let code = e.code.get_ref().trim();
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(p.err(
                    Some(e.code.span()),
                    format!("entity code {code:?} must be letters, digits or '-'"),
                ));
            }
            let idx = *by_code.entry(code.to_string()).or_insert_with(|| {
                entities.push(Entity { code: code.to_string() });
                entities.len() - 1
            });
            let lists: [(&Vec<Spanned<String>>, bool, bool); 6] = [
                (&e.aliases, false, false),
                (&e.demonyms, false, false),
                (&e.capitals, false, false),
                (&e.actors, false, false),
                (&e.exact, true, false),
                (&e.ambiguous, true, true),
            ];
            for (list, exact, ambiguous) in lists {
                for alias in list {
                    let text = alias.get_ref().trim();
                    if text.chars().count() < 2 {
                        return Err(p.err(
                            Some(alias.span()),
                            format!("entity {code}: alias {text:?} is too short"),
                        ));
                    }
                    if let Some((owner, from)) = alias_owner.get(text)
                        && *owner != idx
                    {
                        let other = entities.get(*owner).map_or("?", |e| e.code.as_str());
                        return Err(p.err(
                            Some(alias.span()),
                            format!(
                                "entity {code}: alias {text:?} already names {other} (in {from})"
                            ),
                        ));
                    }
                    alias_owner.insert(text.to_string(), (idx, p.origin.to_string()));
                    patterns.entry(text.to_lowercase()).or_default().push(Target::Alias {
                        entity: idx,
                        text: text.to_string(),
                        exact,
                        ambiguous,
                    });
                }
            }
        }
        for phrase in &p.raw.ignore {
            let text = phrase.get_ref().trim();
            if text.is_empty() {
                return Err(p.err(Some(phrase.span()), "empty ignore phrase".to_string()));
            }
            patterns.entry(text.to_lowercase()).or_default().insert(0, Target::Ignore);
        }
    }

    // Roles merge by name; a second definition adds cues but may not change the fallback.
    // (name, fallback, cues with the index of the pack that wrote them)
    type RoleDef = (String, bool, Vec<(usize, Spanned<String>)>);
    let mut role_defs: Vec<RoleDef> = Vec::new();
    for (pi, p) in parsed.iter().enumerate() {
        for r in &p.raw.role {
            let name = r.name.get_ref().trim().to_string();
            if name.is_empty()
                || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(p.err(
                    Some(r.name.span()),
                    format!("role name {name:?} must be lowercase letters, digits or '_'"),
                ));
            }
            let cues = r.cues.iter().map(|c| (pi, c.clone()));
            match role_defs.iter_mut().find(|(n, _, _)| *n == name) {
                Some((_, fallback, existing)) => {
                    if *fallback != r.fallback {
                        return Err(p.err(
                            Some(r.name.span()),
                            format!("role {name:?} is already defined with fallback = {fallback}"),
                        ));
                    }
                    existing.extend(cues);
                }
                None => role_defs.push((name, r.fallback, cues.collect())),
            }
        }
    }
    let role_names: Vec<String> = role_defs.iter().map(|(n, _, _)| n.clone()).collect();
    let mut roles = Vec::with_capacity(role_defs.len());
    for (name, fallback, cues) in &role_defs {
        let mut compiled = Vec::with_capacity(cues.len());
        for (pi, cue) in cues {
            let Some(p) = parsed.get(*pi) else { continue };
            let slots = Slots { value_letter: None, roles: &role_names, trigger: None };
            let re = pattern::compile(cue.get_ref(), &slots)
                .map_err(|m| p.err(Some(cue.span()), format!("role \"{name}\": {m}")))?;
            if !re.capture_names().flatten().any(|n| n == format!("r_{name}")) {
                return Err(p.err(
                    Some(cue.span()),
                    format!("role \"{name}\": cue {:?} does not mention {{{name}}}", cue.get_ref()),
                ));
            }
            let mut named: Vec<usize> = role_names
                .iter()
                .enumerate()
                .filter(|(_, n)| {
                    re.capture_names().flatten().any(|c| c.strip_prefix("r_") == Some(n.as_str()))
                })
                .map(|(i, _)| i)
                .collect();
            named.sort_by_key(|i| role_names.get(*i) != Some(name));
            let has_value = re.capture_names().flatten().any(|c| c == "value");
            compiled.push(Cue { regex: re, roles: named, has_value });
        }
        roles.push(Role { name: name.clone(), fallback: *fallback, cues: compiled });
    }

    // Metrics: a name defined twice must be defined identically.
    let mut metrics: Vec<Metric> = Vec::new();
    let mut metric_origin: HashMap<String, (String, String)> = HashMap::new();
    for p in &parsed {
        for m in &p.raw.metric {
            let name = m.name.get_ref().trim().to_string();
            let fingerprint = fingerprint(m);
            if let Some((from, fp)) = metric_origin.get(&name) {
                if *fp == fingerprint {
                    continue;
                }
                return Err(p.err(
                    Some(m.name.span()),
                    format!("metric \"{name}\" is already defined differently in {from}"),
                ));
            }
            let metric_index = metrics.len();
            let metric = compile_metric(p, m, &role_names)?;
            for t in m.triggers.get_ref() {
                let text = t.get_ref().trim();
                if text.is_empty() {
                    return Err(p.err(Some(t.span()), format!("metric \"{name}\": empty trigger")));
                }
                patterns
                    .entry(text.to_lowercase())
                    .or_default()
                    .push(Target::Trigger { metric: metric_index });
            }
            metric_origin.insert(name, (p.origin.to_string(), fingerprint));
            metrics.push(metric);
        }
    }

    let (keys, targets): (Vec<String>, Vec<Vec<Target>>) = patterns.into_iter().unzip();
    // A DFA: the automaton runs over every byte of every article, and is built once.
    let finder = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .build(&keys)
        .map_err(|e| PackError {
            origin: packs.first().map_or_else(String::new, |p| p.origin.clone()),
            line: None,
            message: format!("cannot build the alias and trigger automaton: {e}"),
        })?;
    let mut gate_patterns: Vec<&str> = Vec::new();
    let mut value_gate = Vec::with_capacity(metrics.len());
    for m in &metrics {
        value_gate.push(gate_patterns.len());
        gate_patterns.extend(m.values.iter().map(Regex::as_str));
    }
    let mut cue_gate = Vec::with_capacity(roles.len());
    for r in &roles {
        cue_gate.push(gate_patterns.len());
        gate_patterns.extend(r.cues.iter().map(|c| c.regex.as_str()));
    }
    let mut exclude_gate = Vec::with_capacity(metrics.len());
    for m in &metrics {
        exclude_gate.push(gate_patterns.len());
        gate_patterns.extend(m.excludes.iter().map(|(re, _)| re.as_str()));
    }
    let gate = regex::RegexSetBuilder::new(&gate_patterns)
        .size_limit(1 << 26)
        .dfa_size_limit(1 << 24)
        .build()
        .map_err(|e| PackError {
            origin: packs.first().map_or_else(String::new, |p| p.origin.clone()),
            line: None,
            message: format!("cannot combine the patterns: {e}"),
        })?;
    Ok(Vocabulary {
        entities,
        finder,
        targets,
        roles,
        metrics,
        gate,
        value_gate,
        cue_gate,
        exclude_gate,
    })
}

fn fingerprint(m: &RawMetric) -> String {
    let list = |v: &[Spanned<String>]| {
        v.iter().map(|s| s.get_ref().as_str()).collect::<Vec<_>>().join("\u{1}")
    };
    let states: Vec<String> =
        m.state.iter().map(|s| format!("{}={}", s.name.get_ref(), list(&s.phrases))).collect();
    format!(
        "{}|{}|{:?}|{}|{}|{}|{}|{}|{:?}|{}|{}|{}|{}|{}|{:?}|{}|{}|{}",
        m.name.get_ref(),
        m.kind.get_ref(),
        m.unit.as_ref().map(|u| u.get_ref()),
        list(m.roles.get_ref()),
        list(&m.optional_roles),
        m.symmetric,
        m.optional_from_article,
        list(&m.broad),
        m.period.as_ref().map(|p| p.get_ref()),
        m.label.get_ref(),
        list(m.triggers.get_ref()),
        list(&m.values),
        list(&m.excludes),
        list(&m.context),
        states,
        list(&m.deadlines),
        list(&m.durations),
        list(&m.starts),
    )
}

fn compile_metric(
    p: &Parsed<'_>,
    m: &RawMetric,
    role_names: &[String],
) -> Result<Metric, PackError> {
    let name = m.name.get_ref().trim().to_string();
    let here = |span: std::ops::Range<usize>, msg: String| {
        p.err(Some(span), format!("metric \"{name}\": {msg}"))
    };
    if name.is_empty()
        || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(here(
            m.name.span(),
            "name must be lowercase letters, digits or '_'".to_string(),
        ));
    }
    let kind = match m.kind.get_ref().as_str() {
        "figure" => MetricKind::Figure,
        "status" => MetricKind::Status,
        other => {
            return Err(here(
                m.kind.span(),
                format!("unknown kind {other:?} (expected figure or status)"),
            ));
        }
    };
    let (unit, unit_name) = match (&m.unit, kind) {
        (Some(u), MetricKind::Figure) => {
            let unit = match u.get_ref().as_str() {
                "percent" => Unit::Percent,
                "USD" => Unit::Usd,
                "days" => Unit::Days,
                "count" => Unit::Count,
                other => {
                    return Err(here(
                        u.span(),
                        format!("unknown unit {other:?} (expected one of {})", UNITS.join(", ")),
                    ));
                }
            };
            (Some(unit), Some(u.get_ref().clone()))
        }
        (None, MetricKind::Figure) => {
            return Err(here(
                m.kind.span(),
                format!("a figure needs a unit (one of {})", UNITS.join(", ")),
            ));
        }
        (Some(u), MetricKind::Status) => {
            return Err(here(u.span(), "a status has no unit".to_string()));
        }
        (None, MetricKind::Status) => (None, None),
    };
    let role_index = |r: &Spanned<String>| -> Result<usize, PackError> {
        role_names.iter().position(|n| n == r.get_ref().trim()).ok_or_else(|| {
            here(
                r.span(),
                format!(
                    "unknown role {:?} (defined roles: {})",
                    r.get_ref(),
                    role_names.join(", ")
                ),
            )
        })
    };
    let roles = m.roles.get_ref().iter().map(role_index).collect::<Result<Vec<_>, _>>()?;
    if roles.is_empty() {
        return Err(here(m.roles.span(), "needs at least one role".to_string()));
    }
    let optional_roles = m.optional_roles.iter().map(role_index).collect::<Result<Vec<_>, _>>()?;
    let period = match m.period.as_ref().map(|p| (p.get_ref().as_str(), p.span())) {
        None | Some(("none", _)) => false,
        Some(("year", _)) => true,
        Some((other, span)) => {
            return Err(here(span, format!("unknown period {other:?} (expected year or none)")));
        }
    };
    if m.triggers.get_ref().is_empty() {
        return Err(here(m.triggers.span(), "needs at least one trigger".to_string()));
    }
    let trigger_alt = m
        .triggers
        .get_ref()
        .iter()
        .map(|t| regex::escape(t.get_ref().trim()).replace("\\ ", " ").replace(' ', "\\s+"))
        .collect::<Vec<_>>()
        .join("|");
    let mut used_roles: Vec<String> =
        roles.iter().chain(&optional_roles).filter_map(|&r| role_names.get(r).cloned()).collect();
    used_roles.sort();
    let value_letter = unit.map(|u| match u {
        Unit::Percent => 'P',
        Unit::Usd => 'U',
        Unit::Days => 'D',
        _ => 'C',
    });
    let slots = Slots { value_letter, roles: &used_roles, trigger: Some(&trigger_alt) };
    let compile_all = |list: &[Spanned<String>], what: &str| -> Result<Vec<Regex>, PackError> {
        list.iter()
            .map(|s| {
                pattern::compile(s.get_ref(), &slots)
                    .map_err(|msg| here(s.span(), format!("{what}: {msg}")))
            })
            .collect()
    };
    let values = compile_all(&m.values, "values")?;
    for (re, src) in values.iter().zip(&m.values) {
        if !re.capture_names().flatten().any(|n| n == "value") {
            return Err(here(
                src.span(),
                format!("values: pattern {:?} does not contain {{value}}", src.get_ref()),
            ));
        }
    }
    if kind == MetricKind::Figure && values.is_empty() {
        return Err(here(m.name.span(), "a figure needs at least one values pattern".to_string()));
    }
    let excludes = compile_all(&m.excludes, "excludes")?
        .into_iter()
        .map(|re| {
            let has_value = re.capture_names().flatten().any(|n| n == "value");
            (re, has_value)
        })
        .collect();
    let context = compile_all(&m.context, "context")?;
    let broad = compile_all(&m.broad, "broad")?;
    if m.optional_from_article && optional_roles.len() != 1 {
        return Err(here(
            m.name.span(),
            "optional_from_article needs exactly one optional role".to_string(),
        ));
    }
    let mut states = Vec::with_capacity(m.state.len());
    for s in &m.state {
        let state_name = s.name.get_ref().trim().to_string();
        if state_name.is_empty() {
            return Err(here(s.name.span(), "empty state name".to_string()));
        }
        states.push(State { name: state_name, phrases: compile_all(&s.phrases, "state phrases")? });
    }
    if kind == MetricKind::Status && states.is_empty() {
        return Err(here(
            m.name.span(),
            "a status needs at least one [[metric.state]]".to_string(),
        ));
    }
    let deadlines = compile_all(&m.deadlines, "deadlines")?;
    let durations = compile_all(&m.durations, "durations")?;
    let starts = compile_all(&m.starts, "starts")?;
    for (list, src, group, what) in [
        (&deadlines, &m.deadlines, "date", "deadlines"),
        (&durations, &m.durations, "days", "durations"),
        (&starts, &m.starts, "date", "starts"),
    ] {
        for (re, s) in list.iter().zip(src) {
            if !re.capture_names().flatten().any(|n| n == group) {
                return Err(here(
                    s.span(),
                    format!("{what}: pattern {:?} does not contain {{{group}}}", s.get_ref()),
                ));
            }
        }
    }
    let label = m.label.get_ref().clone();
    for part in label.split('{').skip(1) {
        let Some((ph, _)) = part.split_once('}') else { continue };
        if ph != "period" && !used_roles.iter().any(|r| r == ph) {
            return Err(here(
                m.label.span(),
                format!("label placeholder {{{ph}}} is not a role of the metric or period"),
            ));
        }
    }
    Ok(Metric {
        name,
        kind,
        unit_name,
        value_letter,
        roles,
        optional_roles,
        symmetric: m.symmetric,
        optional_from_article: m.optional_from_article,
        broad,
        period,
        label,
        values,
        excludes,
        context,
        states,
        deadlines,
        durations,
        starts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack(text: &str) -> Result<Vocabulary, PackError> {
        compile(&[PackText { origin: "test.toml".into(), text: text.into() }])
    }

    const ROLES: &str = "[[role]]\nname = \"imposer\"\ncues = ['{imposer} imposed']\n";

    #[test]
    fn unknown_unit_names_the_line() {
        let text = format!(
            "{ROLES}\n[[metric]]\nname = \"tariff_rate\"\nkind = \"figure\"\nunit = \"percnt\"\nroles = [\"imposer\"]\nlabel = \"{{imposer}} tariff\"\ntriggers = [\"tariff\"]\nvalues = ['{{value}} tariff']\n"
        );
        let err = pack(&text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "pack test.toml line 8: metric \"tariff_rate\": unknown unit \"percnt\" (expected one of percent, USD, days, count)"
        );
    }

    #[test]
    fn optional_from_article_without_an_optional_role_names_the_metric() {
        let text = format!(
            "{ROLES}\n[[metric]]\nname = \"tariff_pause\"\nkind = \"status\"\nroles = [\"imposer\"]\noptional_from_article = true\nlabel = \"{{imposer}} pause\"\ntriggers = [\"pause\"]\n[[metric.state]]\nname = \"active\"\nphrases = ['pause']\n"
        );
        let err = pack(&text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "pack test.toml line 6: metric \"tariff_pause\": optional_from_article needs exactly one optional role"
        );
    }

    #[test]
    fn unknown_field_and_bad_toml_name_the_line() {
        let err = pack("[[role]]\nname = \"x\"\ncuez = []\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        let err = pack("[[role]\n").unwrap_err();
        assert_eq!(err.line, Some(1), "{err}");
    }

    #[test]
    fn invalid_pattern_names_the_line() {
        let err =
            pack("[[role]]\nname = \"imposer\"\ncues = ['{imposer} (imposed']\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("invalid pattern"), "{err}");
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
