//! The pattern language of domain packs: regexes over a sentence *skeleton* with
//! placeholders such as `{value}`, `{imposer}` or `{words:0-2}`.
//!
//! This module owns the token alphabet that [`super::skeleton`] writes into a skeleton and
//! the expansion of placeholders into regex syntax that matches those tokens. It knows
//! nothing of metrics or roles beyond their names; `pack` decides which placeholders a
//! pattern may use and reports errors with the pack line.

use regex::Regex;

/// Opens a token in a skeleton. A private-use character, so no article text contains it
/// after skeleton building and no pack author can type it by accident.
pub(crate) const OPEN: char = '\u{E000}';
/// Closes a token in a skeleton.
pub(crate) const CLOSE: char = '\u{E001}';

/// What a token in a skeleton stands for. The letter is written into the skeleton.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A country or bloc mention.
    Entity,
    /// A percentage that may be a level.
    Percent,
    /// An amount of US dollars that may be a level.
    Usd,
    /// An amount in another currency; never a USD figure.
    OtherMoney,
    /// A duration in days ("90-day", "180 days").
    Days,
    /// A duration in calendar months ("three-month", "6 months").
    Months,
    /// A plain count ("5,000 jobs").
    Count,
    /// A quantity that is not a level: a previous value, a change, a range, a spread.
    Inert,
    /// A year or a relative year ("in 2024", "last year").
    Year,
    /// A calendar date or month ("July 9", "until July").
    Date,
}

impl TokenKind {
    /// The letter that marks this kind in a skeleton.
    pub(crate) fn letter(self) -> char {
        match self {
            TokenKind::Entity => 'E',
            TokenKind::Percent => 'P',
            TokenKind::Usd => 'U',
            TokenKind::OtherMoney => 'X',
            TokenKind::Days => 'D',
            TokenKind::Months => 'M',
            TokenKind::Count => 'C',
            TokenKind::Inert => 'Z',
            TokenKind::Year => 'Y',
            TokenKind::Date => 'T',
        }
    }
}

/// The regex that matches one token of the given letters, capturing nothing.
fn token_class(letters: &str) -> String {
    format!("\\x{{E000}}[{letters}]\\d+\\x{{E001}}")
}

/// What a placeholder may stand for in the pattern being compiled.
pub(crate) struct Slots<'a> {
    /// The letter of the quantity `{value}` matches, or `None` for any eligible quantity.
    pub value_letter: Option<char>,
    /// Role names usable as `{role}`.
    pub roles: &'a [String],
    /// The regex alternation for `{trigger}`, if the pattern belongs to a metric.
    pub trigger: Option<&'a str>,
}

/// Expands placeholders and compiles a pattern, case-insensitive unless it says `(?-i)`.
///
/// Errors are plain sentences for `pack` to prefix with the origin and line.
pub(crate) fn compile(source: &str, slots: &Slots<'_>) -> Result<Regex, String> {
    let expanded = ascii_word_boundaries(&expand(source, slots)?);
    regex::RegexBuilder::new(&format!("(?i){expanded}"))
        .size_limit(1 << 22)
        .build()
        .map_err(|e| format!("invalid pattern {source:?}: {}", first_line(&e.to_string())))
}

/// Rewrites `\b` as the ASCII word boundary. Skeletons hold non-ASCII token characters, and
/// a Unicode `\b` makes the regex engine leave its fast DFA for a backtracker on them; the
/// ASCII boundary keeps the DFA and is exact for the English words patterns name.
pub(crate) fn ascii_word_boundaries(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 16);
    let mut chars = re.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str("(?-u:\\b)"),
            Some(n) => {
                out.push('\\');
                out.push(n);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn first_line(s: &str) -> String {
    // regex errors are multi-line drawings; the last non-empty line names the problem.
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_string()
}

/// Replaces `{name}` and `{name:M-N}` placeholders; leaves regex repetitions `{2,3}` alone.
fn expand(source: &str, slots: &Slots<'_>) -> Result<String, String> {
    let mut out = String::with_capacity(source.len() * 2);
    let mut rest = source;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return Ok(out);
        };
        let inner = &after[..close];
        // `\p{L}` and `\x{E000}` are regex syntax, not placeholders.
        let escaped = out.ends_with("\\p") || out.ends_with("\\P") || out.ends_with("\\x");
        let is_placeholder =
            !escaped && inner.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !is_placeholder {
            // A regex repetition such as {0,2}: keep it verbatim.
            out.push('{');
            rest = after;
            continue;
        }
        out.push_str(&placeholder(inner, slots, source)?);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn placeholder(inner: &str, slots: &Slots<'_>, source: &str) -> Result<String, String> {
    let (name, range) = match inner.split_once(':') {
        Some((n, r)) => (n, Some(r)),
        None => (inner, None),
    };
    if let Some(range) = range {
        let (lo, hi) = range
            .split_once('-')
            .and_then(|(a, b)| Some((a.parse::<u8>().ok()?, b.parse::<u8>().ok()?)))
            .filter(|(a, b)| a <= b)
            .ok_or_else(|| {
                format!("pattern {source:?}: bad range in {{{inner}}} (expected M-N)")
            })?;
        return match name {
            // Words are letters, digits, apostrophes and hyphens; they never cross a token.
            "words" => Ok(format!("(?:[\\w'\\-]+[,;]? ){{{lo},{hi}}}")),
            // A gap crosses anything but the end of the skeleton.
            "gap" => Ok(format!("(?:\\S+ ){{{lo},{hi}}}")),
            // A phrase is words and entity tokens: "trade deficit with E1 was".
            "phrase" => Ok(format!("(?:[\\w'\\-]+[,;]? |{}[,;]? ){{{lo},{hi}}}", token_class("E"))),
            _ => Err(format!(
                "pattern {source:?}: unknown placeholder {{{inner}}} (ranges exist only for words, phrase and gap)"
            )),
        };
    }
    match name {
        "value" => Ok(format!(
            "(?P<value>{})",
            token_class(&slots.value_letter.map_or_else(|| "PUXDC".to_string(), String::from))
        )),
        "days" => Ok(format!("(?P<days>{})", token_class("DM"))),
        "date" => Ok(format!("(?P<date>{})", token_class("T"))),
        "year" => Ok(format!("(?P<year>{})", token_class("Y"))),
        "entity" => Ok(token_class("E")),
        "quantity" => Ok(token_class("PUXDMCZ")),
        "trigger" => slots.trigger.map(|t| format!("(?:{t})")).ok_or_else(|| {
            format!("pattern {source:?}: {{trigger}} is only available in metric patterns")
        }),
        role if slots.roles.iter().any(|r| r == role) => {
            Ok(format!("(?P<r_{role}>{})", token_class("E")))
        }
        other => Err(format!(
            "pattern {source:?}: unknown placeholder {{{other}}} (expected value, days, date, year, entity, quantity, trigger, words:M-N, phrase:M-N, gap:M-N or a role: {})",
            slots.roles.join(", ")
        )),
    }
}

/// The tokens in a piece of skeleton text: their kind letters and indices, in order.
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = (char, usize)> + '_ {
    text.split(OPEN).skip(1).filter_map(|rest| {
        let inner = &rest[..rest.find(CLOSE)?];
        let mut chars = inner.chars();
        let letter = chars.next()?;
        Some((letter, chars.as_str().parse().ok()?))
    })
}

/// Reads the index out of a matched token (`\u{E000}E12\u{E001}` -> 12).
pub(crate) fn token_index(token: &str) -> Option<usize> {
    let inner = token.strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
    let mut chars = inner.chars();
    chars.next()?;
    chars.as_str().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(roles: &[String]) -> Slots<'_> {
        Slots { value_letter: Some('P'), roles, trigger: Some("tariffs?") }
    }

    #[test]
    fn placeholders_expand_and_repetitions_stay() {
        let roles = vec!["target".to_string()];
        let re = compile("{value} (?:\\w+ ){0,2}{trigger} on {target}", &slots(&roles)).unwrap();
        let text = "\u{E000}P0\u{E001} new tariff on \u{E000}E3\u{E001}";
        let caps = re.captures(text).unwrap();
        assert_eq!(token_index(&caps["value"]), Some(0));
        assert_eq!(token_index(&caps["r_target"]), Some(3));
    }

    #[test]
    fn unknown_placeholder_is_named() {
        let err = compile("{imposr} tariff", &slots(&[])).unwrap_err();
        assert!(err.contains("unknown placeholder {imposr}"), "{err}");
    }

    #[test]
    fn words_do_not_cross_tokens() {
        let re = compile("{trigger} {words:0-3}{value}", &slots(&[])).unwrap();
        assert!(re.is_match("tariff of \u{E000}P1\u{E001}"));
        assert!(!re.is_match("tariff on \u{E000}E0\u{E001} of \u{E000}P1\u{E001}"));
    }
}
