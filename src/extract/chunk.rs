//! Chunks: the tokens of one segment grouped into the units constructions reason about: an
//! entity name ("the United States", "Vietnam's"), a rate ("34%", "46 per cent",
//! "34-percent", "30-35 percent"), an amount ("US$2.21 billion", "$15 Billion Dollars"), a
//! duration ("90-day", "three months"), a year, a date ("Aug. 1", "1 August 2025",
//! "mid-July"), a word with its classes, or a punctuation mark.
//!
//! Numbers are read by hand from the tokens the lexer already cut, so a segment is read
//! once; only segments that hold a trigger are chunked at all.

use super::class::{Class, Classes, has};
use super::date::{When, month_number, weekday};
use super::lexicon::{Form, Lexicon, UNKNOWN};
use super::token::{CAP, HitKind, Kind, Lexed, SPACE, Token, UPPER};
use crate::model::ArticleDate;

/// What a chunk is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum What {
    /// A word (known or not) or a class phrase; its classes are on the chunk.
    Word,
    /// A country or bloc.
    Entity {
        /// Index into the lexicon's entities.
        entity: u16,
        /// How it is named.
        form: Form,
        /// Followed by "'s".
        possessive: bool,
    },
    /// A percentage; `upper` is the top of a range written as one ("30-35 percent").
    Percent {
        /// The value, 29.0 for 29%.
        value: f64,
        /// The top of a range.
        upper: Option<f64>,
    },
    /// Percentage points: a change, never a level.
    Points,
    /// An amount of money in whole units.
    Money {
        /// The amount.
        value: f64,
        /// Whether it is in US dollars.
        usd: bool,
    },
    /// A length of time.
    Duration {
        /// Days (weeks counted as seven).
        days: i32,
        /// Calendar months (years counted as twelve).
        months: i32,
    },
    /// A year; `None` when relative ("last year") and the article date is not stated.
    Year(Option<i16>),
    /// Another number.
    Count(f64),
    /// A date.
    Date(When),
    /// A punctuation mark.
    Punct(char),
}

/// One chunk; offsets are bytes into the text the segment came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset past the last byte.
    pub end: u32,
    /// What it is.
    pub what: What,
    /// The classes of a word or class phrase.
    pub classes: Classes,
    /// The flags of its first token (`CAP`, `SPACE`...).
    pub flags: u8,
}

impl Chunk {
    /// Whether the chunk is a word of a class.
    pub(crate) fn is(&self, class: Class) -> bool {
        has(self.classes, class)
    }

    /// Whether the chunk is a given punctuation mark.
    pub(crate) fn is_punct(&self, c: char) -> bool {
        self.what == What::Punct(c)
    }

    /// The entity of an entity chunk.
    pub(crate) fn entity(&self) -> Option<u16> {
        match self.what {
            What::Entity { entity, .. } => Some(entity),
            _ => None,
        }
    }

    /// Whether the chunk starts with a capital.
    pub(crate) fn capitalized(&self) -> bool {
        self.flags & (CAP | UPPER) != 0
    }
}

/// Builds the chunks of tokens `from..to`.
pub(crate) fn chunks(
    lex: &Lexicon,
    text: &str,
    lexed: &Lexed,
    from: usize,
    to: usize,
    article: ArticleDate,
) -> Vec<Chunk> {
    let tokens = &lexed.tokens[from.min(lexed.tokens.len())..to.min(lexed.tokens.len())];
    let first_hit = lexed.hits.partition_point(|h| (h.start as usize) < from);
    let mut hits = lexed.hits[first_hit..].iter().peekable();
    let phrases: Vec<(usize, usize, Classes)> = lexed.hits[first_hit..]
        .iter()
        .take_while(|h| (h.start as usize) < to)
        .filter_map(|h| match h.kind {
            HitKind::Classes(c) if (h.end as usize) <= to => {
                Some((h.start as usize - from, h.end as usize - from, c))
            }
            _ => None,
        })
        .collect();
    let r = Reader { lex, text, tokens, article, phrases };
    let mut out: Vec<Chunk> = Vec::with_capacity(tokens.len());
    let mut i = 0usize;
    while i < tokens.len() {
        let t = tokens[i];
        while hits.peek().is_some_and(|h| (h.start as usize) < from + i) {
            hits.next();
        }
        if let Some(h) =
            hits.peek().filter(|h| h.start as usize == from + i && (h.end as usize) <= to)
        {
            let len = (h.end - h.start) as usize;
            let end_tok = tokens[i + len - 1];
            match h.kind {
                HitKind::Entity { entity, form } => {
                    let (possessive, end) = r.possessive(i + len).unwrap_or((false, end_tok.end));
                    let used = if possessive { len + 1 } else { len };
                    out.push(Chunk {
                        start: t.start,
                        end,
                        what: What::Entity { entity, form, possessive },
                        classes: 0,
                        flags: t.flags,
                    });
                    i += used;
                }
                HitKind::Classes(classes) => {
                    out.push(Chunk {
                        start: t.start,
                        end: end_tok.end,
                        what: What::Word,
                        classes,
                        flags: t.flags,
                    });
                    i += len;
                }
            }
            hits.next();
            continue;
        }
        let (chunk, used) = r.read(i);
        out.push(chunk);
        i += used.max(1);
    }
    out
}

struct Reader<'a> {
    lex: &'a Lexicon,
    text: &'a str,
    tokens: &'a [Token],
    article: ArticleDate,
    /// Class phrases of the segment ("per cent", "more than"), by local token range.
    phrases: Vec<(usize, usize, Classes)>,
}

impl Reader<'_> {
    fn tok(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }

    fn phrase_at(&self, i: usize) -> Option<&(usize, usize, Classes)> {
        self.phrases.iter().find(|p| p.0 == i)
    }

    /// The end of the word or class phrase at `i`.
    fn end_of(&self, i: usize) -> usize {
        self.phrase_at(i).map_or(i + 1, |p| p.1)
    }

    fn classes(&self, i: usize) -> Classes {
        if let Some(p) = self.phrase_at(i) {
            return p.2;
        }
        match self.tok(i) {
            Some(t) if t.kind == Kind::Percent => Class::Percent.bit(),
            Some(t) if t.word != UNKNOWN => self.lex.classes(t.word),
            _ => 0,
        }
    }

    fn is(&self, i: usize, class: Class) -> bool {
        has(self.classes(i), class)
    }

    fn text(&self, i: usize) -> &str {
        self.tok(i).and_then(|t| self.text.get(t.start as usize..t.end as usize)).unwrap_or("")
    }

    fn is_punct(&self, i: usize, chars: &[char]) -> bool {
        self.tok(i).is_some_and(|t| t.kind == Kind::Punct)
            && self.text(i).chars().next().is_some_and(|c| chars.contains(&c))
    }

    /// Whether token `i` follows the one before without a space.
    fn tight(&self, i: usize) -> bool {
        self.tok(i).is_some_and(|t| t.flags & SPACE == 0)
    }

    /// "'s" after a name, or "'" after a name ending in s ("the Philippines'").
    fn possessive(&self, i: usize) -> Option<(bool, u32)> {
        let t = self.tok(i)?;
        if t.kind == Kind::Word && matches!(self.text(i), "'s" | "’s" | "'S" | "’S") {
            return Some((true, t.end));
        }
        if self.is_punct(i, &['\'', '’'])
            && self.tight(i)
            && self.text(i.wrapping_sub(1)).ends_with(['s', 'S'])
        {
            return Some((true, t.end));
        }
        None
    }

    fn number(&self, i: usize) -> Option<f64> {
        let t = self.tok(i)?;
        if t.kind != Kind::Number {
            return None;
        }
        self.text(i).replace(',', "").parse().ok()
    }

    fn chunk(&self, from: usize, to: usize, what: What) -> Chunk {
        let first = self.tok(from).copied();
        let last = self.tok(to.saturating_sub(1).max(from)).copied();
        Chunk {
            start: first.map_or(0, |t| t.start),
            end: last.map_or(0, |t| t.end),
            what,
            classes: 0,
            flags: first.map_or(0, |t| t.flags),
        }
    }

    /// Reads the chunk at token `i`, returning it and the number of tokens it used.
    fn read(&self, i: usize) -> (Chunk, usize) {
        let Some(t) = self.tok(i).copied() else {
            return (self.chunk(i, i + 1, What::Punct(' ')), 1);
        };
        match t.kind {
            Kind::Currency => {
                if let Some((c, n)) = self.money_after_sign(i) {
                    return (c, n);
                }
                self.word(i)
            }
            Kind::Number => self.after_number(i, self.number(i).unwrap_or(0.0), i + 1),
            Kind::Percent => self.word(i),
            Kind::Punct => {
                let c = self.text(i).chars().next().unwrap_or(' ');
                let mut chunk = self.chunk(i, i + 1, What::Punct(c));
                chunk.classes = self.classes(i);
                (chunk, 1)
            }
            Kind::Word => {
                if let Some(r) = self.date_at(i) {
                    return r;
                }
                if self.is(i, Class::NumberWord)
                    && let Some((value, next)) = self.number_words(i)
                {
                    // "zero tariffs": a rate of nothing.
                    if value == 0.0 && (1..=2).any(|k| self.is(next + k - 1, Class::Levy)) {
                        return (
                            self.chunk(i, next, What::Percent { value: 0.0, upper: None }),
                            next - i,
                        );
                    }
                    let (c, n) = self.after_number(i, value, next);
                    if !matches!(c.what, What::Count(_)) {
                        return (c, n);
                    }
                }
                if self.is(i, Class::Relative2) && self.is(i + 1, Class::YearUnit) {
                    let year = self.relative_year(self.text(i));
                    return (self.chunk(i, i + 2, What::Year(year)), 2);
                }
                if (self.is(i, Class::Dollar) || self.is(i, Class::OtherMoney))
                    && let Some(v) = self.number(i + 1)
                {
                    let (scale, n) = self.scale(i + 2);
                    let usd = self.is(i, Class::Dollar);
                    return (
                        self.chunk(
                            i,
                            i + 2 + n,
                            What::Money { value: round_money(v * scale), usd },
                        ),
                        2 + n,
                    );
                }
                self.word(i)
            }
        }
    }

    fn word(&self, i: usize) -> (Chunk, usize) {
        let mut c = self.chunk(i, i + 1, What::Word);
        c.classes = self.classes(i);
        (c, 1)
    }

    fn relative_year(&self, rel: &str) -> Option<i16> {
        if !self.article.is_stated() {
            return None;
        }
        let y = self.article.date.year();
        match rel.to_ascii_lowercase().as_str() {
            "last" | "past" | "previous" => y.checked_sub(1),
            "this" => Some(y),
            "next" | "coming" => y.checked_add(1),
            _ => None,
        }
    }

    /// A scale word at `i` ("billion", "bn"): its factor and the tokens it used.
    fn scale(&self, i: usize) -> (f64, usize) {
        if !self.is(i, Class::Scale) {
            return (1.0, 0);
        }
        let word = self.text(i).to_ascii_lowercase();
        // A one-letter scale is only one when glued on: "$5m", not "$5 m".
        if word.len() == 1 && !self.tight(i) {
            return (1.0, 0);
        }
        let f = match word.as_str() {
            "trillion" | "tn" | "trn" => 1e12,
            "billion" | "bn" | "bln" | "b" => 1e9,
            "million" | "mn" | "mln" | "m" => 1e6,
            "thousand" | "k" => 1e3,
            _ => 1.0,
        };
        (f, self.end_of(i) - i)
    }

    /// "$114 billion", "US$2.21 billion", "$15 Billion Dollars".
    fn money_after_sign(&self, i: usize) -> Option<(Chunk, usize)> {
        let v = self.number(i + 1)?;
        let sign = self.text(i).to_ascii_lowercase();
        let usd = sign == "$" || sign == "us$";
        let (scale, n) = self.scale(i + 2);
        let mut used = 2 + n;
        if self.is(i + used, Class::Dollar) {
            used = self.end_of(i + used) - i;
        }
        Some((self.chunk(i, i + used, What::Money { value: round_money(v * scale), usd }), used))
    }

    /// What follows a number at `next`: a percent sign or word, points, a scale and a
    /// currency word, a duration unit; else a year, a day of a month, or a count.
    fn after_number(&self, i: usize, value: f64, next: usize) -> (Chunk, usize) {
        let used = |end: usize| end - i;
        // A range written as one: "30-35 percent", "10-20%".
        if self.is_punct(next, &['-', '–'])
            && self.tight(next)
            && let Some(upper) = self.number(next + 1)
        {
            let after = next + 2;
            if let Some(end) = self.percent_marker(after) {
                return (
                    self.chunk(i, end, What::Percent { value, upper: Some(upper) }),
                    used(end),
                );
            }
        }
        if let Some(end) = self.percent_marker(next) {
            return (self.chunk(i, end, What::Percent { value, upper: None }), used(end));
        }
        if self.is(next, Class::Points) {
            let end = self.end_of(next);
            return (self.chunk(i, end, What::Points), used(end));
        }
        let (scale, n) = self.scale(next);
        let after = next + n;
        if self.is(after, Class::Dollar) {
            let end = self.end_of(after);
            return (
                self.chunk(i, end, What::Money { value: round_money(value * scale), usd: true }),
                used(end),
            );
        }
        if self.is(after, Class::OtherMoney) && self.text(after).len() > 2 {
            let end = self.end_of(after);
            return (
                self.chunk(i, end, What::Money { value: round_money(value * scale), usd: false }),
                used(end),
            );
        }
        if n > 0 {
            return (self.chunk(i, after, What::Count(value * scale)), used(after));
        }
        // "90 days", "90-day", "three-month".
        let unit_at =
            if self.is_punct(next, &['-', '–']) && self.tight(next) { next + 1 } else { next };
        let whole = value.fract() == 0.0 && (0.0..10_000.0).contains(&value);
        if whole {
            let v = value as i32;
            let duration = if self.is(unit_at, Class::Day) {
                Some((v, 0))
            } else if self.is(unit_at, Class::Week) {
                Some((v.saturating_mul(7), 0))
            } else if self.is(unit_at, Class::MonthUnit) {
                Some((0, v))
            } else if self.is(unit_at, Class::YearUnit) {
                Some((0, v.saturating_mul(12)))
            } else {
                None
            };
            if let Some((days, months)) = duration {
                return (
                    self.chunk(i, unit_at + 1, What::Duration { days, months }),
                    used(unit_at + 1),
                );
            }
        }
        let plain = self.tok(i).is_some_and(|t| t.kind == Kind::Number)
            && !self.text(i).contains([',', '.']);
        if plain && self.text(i).len() == 4 && (1900.0..=2100.0).contains(&value) {
            // "2025-07-09".
            if let Some(r) = self.iso_date(i) {
                return r;
            }
            return (self.chunk(i, i + 1, What::Year(Some(value as i16))), 1);
        }
        if plain && (1.0..=31.0).contains(&value) {
            // "1 August", "12th of May 2025".
            let mut j = next;
            if matches!(self.text(j).to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th")
                && self.tight(j)
            {
                j += 1;
            }
            if self.is(j, Class::Of) {
                j += 1;
            }
            if self.is(j, Class::MonthName)
                && self.tok(j).is_some_and(|t| t.flags & (CAP | UPPER) != 0)
                && let Some(month) = month_number(self.text(j))
            {
                let mut end = j + 1;
                if self.is_punct(end, &['.']) && self.tight(end) {
                    end += 1;
                }
                let comma = usize::from(self.is_punct(end, &[',']));
                let year = self.year_at(end + comma);
                let when = match year {
                    Some((y, e)) => {
                        end = e;
                        jiff::civil::Date::new(y, month, value as i8).ok().map(When::Day)
                    }
                    None => Some(When::DayNoYear { month, day: value as i8 }),
                };
                if let Some(w) = when {
                    return (self.chunk(i, end, What::Date(w)), used(end));
                }
            }
        }
        (self.chunk(i, next, What::Count(value)), used(next))
    }

    /// The end of a percent marker at `i`: "%", "percent", "per cent", "-percent".
    fn percent_marker(&self, i: usize) -> Option<usize> {
        let t = self.tok(i)?;
        if t.kind == Kind::Percent {
            return Some(i + 1);
        }
        if self.is(i, Class::Percent) && !self.is(i, Class::Points) {
            // "percentage" alone is not a unit ("percentage of exports").
            if self.text(i).eq_ignore_ascii_case("percentage") && self.phrase_at(i).is_none() {
                return None;
            }
            return Some(self.end_of(i));
        }
        if self.is_punct(i, &['-']) && self.tight(i) && self.is(i + 1, Class::Percent) {
            return Some(self.end_of(i + 1));
        }
        None
    }

    /// A year at `i` and the end of it.
    fn year_at(&self, i: usize) -> Option<(i16, usize)> {
        let t = self.tok(i)?;
        if t.kind != Kind::Number || self.text(i).len() != 4 {
            return None;
        }
        let y: i16 = self.text(i).parse().ok()?;
        (1900..=2100).contains(&y).then_some((y, i + 1))
    }

    fn iso_date(&self, i: usize) -> Option<(Chunk, usize)> {
        let y: i16 = self.text(i).parse().ok()?;
        if !(self.is_punct(i + 1, &['-']) && self.tight(i + 1) && self.tight(i + 2)) {
            return None;
        }
        let m: i8 = self.text(i + 2).parse().ok()?;
        if !(self.is_punct(i + 3, &['-']) && self.tight(i + 3) && self.tight(i + 4)) {
            return None;
        }
        let d: i8 = self.text(i + 4).parse().ok()?;
        let date = jiff::civil::Date::new(y, m, d).ok()?;
        Some((self.chunk(i, i + 5, What::Date(When::Day(date))), 5))
    }

    /// A date starting with a word: "Aug. 1", "July 9, 2025", "July 2025", "until July",
    /// "mid-August", "end of July", "Friday".
    fn date_at(&self, i: usize) -> Option<(Chunk, usize)> {
        let cap = self.tok(i)?.flags & (CAP | UPPER) != 0;
        if self.is(i, Class::Weekday) && cap {
            let w = weekday(self.text(i))?;
            return Some((self.chunk(i, i + 1, What::Date(When::Weekday(w))), 1));
        }
        // "mid-August", "early July", "the end of July".
        if self.is(i, Class::Part) {
            let mut j = i + 1;
            if self.is_punct(j, &['-']) {
                j += 1;
            }
            if self.is(j, Class::Of) {
                j += 1;
            }
            if self.is(j, Class::MonthName) && self.tok(j)?.flags & (CAP | UPPER) != 0 {
                let month = month_number(self.text(j))?;
                let (when, end) = match self.year_at(j + 1) {
                    Some((year, e)) => (When::Month { year, month }, e),
                    None => (When::MonthNoYear { month }, j + 1),
                };
                return Some((self.chunk(i, end, What::Date(when)), end - i));
            }
            return None;
        }
        if !self.is(i, Class::MonthName) || !cap {
            return None;
        }
        let month = month_number(self.text(i))?;
        let mut j = i + 1;
        if self.is_punct(j, &['.']) && self.tight(j) {
            j += 1;
        }
        if let Some(day) = self.number(j).filter(|d| d.fract() == 0.0 && (1.0..=31.0).contains(d))
            && !self.text(j).contains([',', '.'])
            && self.text(j).len() <= 2
        {
            let mut end = j + 1;
            if matches!(self.text(end).to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th")
                && self.tight(end)
            {
                end += 1;
            }
            let comma = usize::from(self.is_punct(end, &[',']));
            let when = match self.year_at(end + comma) {
                Some((y, e)) => {
                    end = e;
                    When::Day(jiff::civil::Date::new(y, month, day as i8).ok()?)
                }
                None => When::DayNoYear { month, day: day as i8 },
            };
            return Some((self.chunk(i, end, What::Date(when)), end - i));
        }
        if let Some((year, e)) = self.year_at(j) {
            return Some((self.chunk(i, e, What::Date(When::Month { year, month })), e - i));
        }
        // A bare month: "May" also starts sentences as a verb, so it needs a preposition.
        let prev = i.checked_sub(1);
        let after_preposition = prev.is_some_and(|p| {
            [Class::In, Class::By, Class::To, Class::From, Class::Until, Class::Of, Class::Start]
                .iter()
                .any(|c| self.is(p, *c))
        });
        if month == 5 && !after_preposition {
            return None;
        }
        Some((self.chunk(i, i + 1, What::Date(When::MonthNoYear { month })), 1))
    }

    /// Number words: "twenty-five", "ninety", "three". Returns the value and the end.
    fn number_words(&self, i: usize) -> Option<(f64, usize)> {
        let first = word_value(self.text(i))?;
        // "twenty-five", "twenty five".
        let mut j = i + 1;
        if self.is_punct(j, &['-']) && self.tight(j) {
            j += 1;
        }
        if first >= 20.0
            && first % 10.0 == 0.0
            && let Some(unit) = word_value(self.text(j)).filter(|v| *v < 10.0 && *v > 0.0)
        {
            return Some((first + unit, j + 1));
        }
        Some((first, i + 1))
    }
}

/// The value of one number word.
fn word_value(word: &str) -> Option<f64> {
    let v = match word.to_ascii_lowercase().as_str() {
        "zero" => 0,
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        "hundred" => 100,
        _ => return None,
    };
    Some(f64::from(v))
}

/// Money in whole units to the cent: 8.36 billion is 8,360,000,000, not 8,359,999,999.999999.
fn round_money(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
