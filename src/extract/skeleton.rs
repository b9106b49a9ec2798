//! The skeleton of a sentence: its text with every entity, quantity, date and year replaced
//! by a token, quotes and dashes normalized, whitespace collapsed and possessives after
//! entities dropped. Pack patterns run on skeletons, so "The U.S.' decision to impose a 29%
//! tariff on Pakistani goods" reads as `E0 decision to impose a P0 tariff on E1 goods`.
//!
//! This module owns the mapping from tokens back to what they stand for; which tokens a
//! metric takes is `metric`'s business.

use super::date::{DateMention, Mention};
use super::entity::{Hit, HitKind};
use super::number::{Quantity, Stance, Unit};
use super::pattern::{CLOSE, OPEN, TokenKind};

/// A tokenized sentence.
#[derive(Debug, Default)]
pub(crate) struct Skeleton {
    /// The pattern text.
    pub text: String,
    /// Entities by token index: the vocabulary entity and the token's skeleton range.
    pub entities: Vec<(usize, (usize, usize))>,
    /// Quantities by token index, with their skeleton ranges.
    pub quantities: Vec<(Quantity, (usize, usize))>,
    /// Dates and years by token index, with their skeleton ranges.
    pub dates: Vec<(DateMention, (usize, usize))>,
}

enum Piece<'a> {
    Entity(usize),
    Quantity(&'a Quantity),
    Date(&'a DateMention),
}

/// Builds the skeleton of `sentence`. Offsets of `dates` and `quantities` are relative to the
/// sentence; `hits` are absolute, with `offset` the sentence's start in the article.
pub(crate) fn build(
    sentence: &str,
    offset: usize,
    hits: &[Hit],
    dates: &[DateMention],
    quantities: &[Quantity],
) -> Skeleton {
    let mut pieces: Vec<(usize, usize, Piece<'_>)> = Vec::new();
    for h in hits {
        if let HitKind::Entity { entity, .. } = h.what {
            pieces.push((
                h.start.saturating_sub(offset),
                h.end.saturating_sub(offset),
                Piece::Entity(entity),
            ));
        }
    }
    for d in dates {
        pieces.push((d.start, d.end, Piece::Date(d)));
    }
    for q in quantities {
        pieces.push((q.start, q.end, Piece::Quantity(q)));
    }
    pieces.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));

    let mut sk =
        Skeleton { text: String::with_capacity(sentence.len() + 16), ..Skeleton::default() };
    let mut cursor = 0usize;
    let mut after_entity = false;
    for (start, end, piece) in pieces {
        if start < cursor || end > sentence.len() || start >= end {
            continue;
        }
        let Some(mut gap) = sentence.get(cursor..start) else { continue };
        if matches!(piece, Piece::Entity(_)) {
            // "the U.S." and "U.S." name the same party; patterns need not spell the article.
            // Any whitespace may separate them: a wrapped line can end on "the".
            let trimmed = gap.trim_end();
            if trimmed.len() < gap.len() {
                for article in ["the", "The", "THE"] {
                    if let Some(g) = trimmed.strip_suffix(article)
                        && g.chars().next_back().is_none_or(|c| !c.is_alphanumeric())
                    {
                        gap = g;
                        break;
                    }
                }
            }
        }
        push_gap(&mut sk.text, gap, after_entity);
        let token_start = sk.text.len();
        let (kind, index) = match piece {
            Piece::Entity(e) => {
                sk.entities.push((e, (0, 0)));
                (TokenKind::Entity, sk.entities.len() - 1)
            }
            Piece::Quantity(q) => {
                sk.quantities.push((q.clone(), (0, 0)));
                (quantity_kind(q), sk.quantities.len() - 1)
            }
            Piece::Date(d) => {
                sk.dates.push((d.clone(), (0, 0)));
                let kind = match d.what {
                    Mention::Year { .. } => TokenKind::Year,
                    Mention::Date(_) => TokenKind::Date,
                };
                (kind, sk.dates.len() - 1)
            }
        };
        sk.text.push(OPEN);
        sk.text.push(kind.letter());
        sk.text.push_str(&index.to_string());
        sk.text.push(CLOSE);
        let range = (token_start, sk.text.len());
        match kind {
            TokenKind::Entity => {
                if let Some(last) = sk.entities.last_mut() {
                    last.1 = range;
                }
            }
            TokenKind::Year | TokenKind::Date => {
                if let Some(last) = sk.dates.last_mut() {
                    last.1 = range;
                }
            }
            _ => {
                if let Some(last) = sk.quantities.last_mut() {
                    last.1 = range;
                }
            }
        }
        after_entity = kind == TokenKind::Entity;
        cursor = end;
    }
    if let Some(rest) = sentence.get(cursor..) {
        push_gap(&mut sk.text, rest, after_entity);
    }
    sk
}

fn quantity_kind(q: &Quantity) -> TokenKind {
    if !matches!(q.stance, Stance::Level | Stance::Current) {
        return TokenKind::Inert;
    }
    match q.unit {
        Unit::Percent => TokenKind::Percent,
        Unit::Usd => TokenKind::Usd,
        Unit::OtherMoney => TokenKind::OtherMoney,
        Unit::Days => TokenKind::Days,
        Unit::Months => TokenKind::Months,
        Unit::Count => TokenKind::Count,
        Unit::Other => TokenKind::Inert,
    }
}

/// Appends text between tokens, normalized for patterns.
fn push_gap(out: &mut String, gap: &str, after_entity: bool) {
    let mut gap = gap;
    if after_entity {
        for possessive in ["'s", "’s", "'", "’"] {
            if let Some(rest) = gap.strip_prefix(possessive)
                && rest.chars().next().is_none_or(|c| !c.is_alphanumeric())
            {
                gap = rest;
                break;
            }
        }
    }
    for c in gap.chars() {
        let c = match c {
            '’' | '‘' | '`' | '´' => '\'',
            '“' | '”' | '«' | '»' => '"',
            '—' | '–' | '―' => {
                push_space(out);
                out.push('-');
                ' '
            }
            c if c.is_whitespace() => ' ',
            // Private-use characters are the token alphabet; text never supplies them.
            '\u{E000}'..='\u{F8FF}' => continue,
            c => c,
        };
        if c == ' ' {
            push_space(out);
        } else {
            out.push(c);
        }
    }
}

fn push_space(out: &mut String) {
    if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

impl Skeleton {
    /// The entity behind a matched token, if the token is an entity token.
    pub(crate) fn entity_at(&self, token: &str) -> Option<usize> {
        let idx = super::pattern::token_index(token)?;
        self.entities.get(idx).map(|(e, _)| *e)
    }
}
