//! Entities and triggers in an article: one Aho-Corasick pass over the text finds every
//! alias, ignore phrase and metric trigger; this module checks case and word boundaries and
//! works out the article's main parties, who fill roles a sentence leaves implicit.
//!
//! Case matters for names: "US" is the country and "us" a pronoun, "Turkey" a country and
//! "turkey" a bird. Aliases match as written or in capitals ("WASHINGTON:" datelines);
//! `exact` and `ambiguous` aliases only as written. The alias lists are pack data.

use std::collections::HashMap;

use super::pack::{Target, Vocabulary};
use super::text::{Block, BlockKind};

/// A verified hit of the automaton.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    /// Byte offset in the article text.
    pub start: usize,
    /// Byte offset past the end.
    pub end: usize,
    /// What was found.
    pub what: HitKind,
}

/// The kinds of verified hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HitKind {
    /// An entity mention.
    Entity {
        /// Index into the vocabulary's entities.
        entity: usize,
        /// Whether the alias is ambiguous.
        ambiguous: bool,
    },
    /// A metric trigger.
    Trigger {
        /// Index into the vocabulary's metrics.
        metric: usize,
    },
}

/// Finds every entity and trigger in `text`, in order.
pub(crate) fn scan(vocab: &Vocabulary, text: &str) -> Vec<Hit> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for m in vocab.finder.find_iter(text) {
        let (s, e) = (m.start(), m.end());
        if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        let before_ok = text[..s].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        if !before_ok {
            continue;
        }
        let after = text[e..].chars().next();
        let plural =
            after == Some('s') && text[e + 1..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = after.is_none_or(|c| !c.is_alphanumeric())
            // A dotted abbreviation ends in a period and may touch anything ("U.S.-led").
            || bytes.get(e.wrapping_sub(1)) == Some(&b'.');
        let Some(targets) = vocab.targets.get(m.pattern().as_usize()) else { continue };
        let found = &text[s..e];
        for t in targets {
            match t {
                Target::Ignore if after_ok => break,
                Target::Ignore => {}
                Target::Alias { entity, text: alias, exact, ambiguous } => {
                    let spelled = found == alias
                        || (!exact
                            && alias.chars().any(char::is_lowercase)
                            && found == alias.to_uppercase());
                    let long_enough = !exact && alias.len() >= 4;
                    if spelled && (after_ok || plural && long_enough) {
                        let end = if plural && !after_ok { e + 1 } else { e };
                        out.push(Hit {
                            start: s,
                            end,
                            what: HitKind::Entity { entity: *entity, ambiguous: *ambiguous },
                        });
                        break;
                    }
                }
                Target::Trigger { metric } => {
                    if after_ok || plural {
                        out.push(Hit {
                            start: s,
                            end: e,
                            what: HitKind::Trigger { metric: *metric },
                        });
                    }
                }
            }
        }
    }
    out
}

/// The article's main parties: the entities it mentions most in its main story, headline
/// and lead counted twice. At most two, most mentioned first.
pub(crate) fn main_parties(hits: &[Hit], blocks: &[Block], title: Option<&[Hit]>) -> Vec<usize> {
    let mut counts: HashMap<usize, usize> = HashMap::new();
    let first_prose = blocks.iter().position(|b| b.kind == BlockKind::Prose);
    let mut bi = 0usize;
    for h in hits {
        let HitKind::Entity { entity, ambiguous: false } = h.what else { continue };
        while blocks.get(bi).is_some_and(|b| b.end <= h.start) {
            bi += 1;
        }
        let Some(block) = blocks.get(bi).filter(|b| b.start <= h.start) else { continue };
        let weight = match block.kind {
            BlockKind::Sidebar | BlockKind::Noise => 0,
            _ if first_prose.is_none_or(|fp| bi <= fp) => 2,
            _ => 1,
        };
        *counts.entry(entity).or_default() += weight;
    }
    for h in title.unwrap_or_default() {
        if let HitKind::Entity { entity, ambiguous: false } = h.what {
            *counts.entry(entity).or_default() += 2;
        }
    }
    let mut ranked: Vec<(usize, usize)> = counts.into_iter().filter(|(_, c)| *c >= 2).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top = ranked.first().map_or(0, |r| r.1);
    ranked.into_iter().take(2).filter(|(_, c)| *c * 5 >= top).map(|(e, _)| e).collect()
}
