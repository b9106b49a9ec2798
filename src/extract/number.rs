//! Quantities in a sentence: percentages, money with scale words and currencies, counts and
//! durations, with the hedge in front of them ("surpassing", "around", "up to") and their
//! stance: whether the number is a level the sentence states, or only a previous value, a
//! change, a range or a sum spread over years.
//!
//! Stance is what keeps "a 5.2 percent increase", "from 145% to 30%" (145 is the past),
//! "$4.22 billion over five years" and "$1 a week" out of the facts. This module reads
//! English number phrases only; which metric a number belongs to is `metric`'s business.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Qualifier;

/// The unit of a quantity, before any metric looks at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Percent, as written (29% is 29.0).
    Percent,
    /// US dollars in whole units.
    Usd,
    /// Money in another currency; kept apart so it never becomes a USD figure.
    OtherMoney,
    /// Days (weeks are converted).
    Days,
    /// Calendar months, kept apart from days so "a three-month pause from April 9" ends on
    /// July 9, not 90 days later.
    Months,
    /// A bare number, possibly with a scale word.
    Count,
    /// Years, percentage points: durations and changes no metric takes as a value.
    Other,
}

/// What a quantity says about the thing it measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stance {
    /// A level the sentence states.
    Level,
    /// A level the sentence says is the new one ("cut to 30%", "now 19%").
    Current,
    /// A value that was replaced ("from 145%", "previously 29%").
    Previous,
    /// A change, not a level ("a 5.2 percent increase", "by 20%", "an additional 25%").
    Change,
    /// One end of a range ("10-20%").
    Range,
    /// A sum over a period or a price per period ("$4.22 billion over five years", "$1 a week").
    Spread,
}

/// A quantity found in a sentence; offsets are relative to the sentence.
#[derive(Debug, Clone)]
pub(crate) struct Quantity {
    /// Byte offset of the first character, qualifier included.
    pub start: usize,
    /// Byte offset past the last character.
    pub end: usize,
    /// The value in the unit's base (percent points, whole dollars, days).
    pub value: f64,
    /// The unit.
    pub unit: Unit,
    /// The hedge written in front of it, if any.
    pub qualifier: Option<Qualifier>,
    /// What it says.
    pub stance: Stance,
}

const NUMBER_WORDS: &str = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred";

static QUANTITY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let pattern = format!(
        r"(?xi)
        (?P<cur>US\$|USD\s?|(?:[A-Z]{{1,2}})?\$|€|EUR\s?|£|GBP\s?|Rs\.?\s?|PKR\s?|INR\s?|₹|¥|RMB\s?|CNY\s?)?
        (?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)
        (?:\s?-?\s?(?P<scale>trillion|billion|million|thousand|tn|bn|bln|mn|mln|m|b|k)\b)?
        (?P<tail>
            \s{{0,3}}%
          | \s{{0,3}}-?\s?(?:percent|per\s?cent|pct)\b
          | \s{{0,3}}percentage[\s-]points?\b
          | -?\s{{0,3}}(?:days?|weeks?|months?|years?)\b
          | \s{{0,3}}(?:US\s)?dollars?\b
          | \s{{0,3}}(?:euros?|rupees?|yuan|pounds\s+sterling|renminbi)\b
        )?
        # Number words only count with a unit: 'ninety days', 'five years', 'ten percent'.
        | \b(?P<word>(?:{w})(?:-(?:{w}))?)(?P<wtail>\s?-?\s?(?:percent|per\s?cent|days?|weeks?|months?|years?)\b)",
        w = NUMBER_WORDS
    );
    Regex::new(&super::pattern::ascii_word_boundaries(&pattern)).ok()
});

fn word_value(word: &str) -> Option<f64> {
    let lower = word.to_ascii_lowercase();
    let one = |w: &str| -> Option<f64> {
        let v = match w {
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
    };
    match lower.split_once('-') {
        Some((a, b)) => Some(one(a)? + one(b)?),
        None => one(&lower),
    }
}

/// Finds the quantities of a sentence, skipping the byte ranges in `taken` (dates, years).
pub(crate) fn quantities(sentence: &str, taken: &[(usize, usize)]) -> Vec<Quantity> {
    let Some(re) = QUANTITY.as_ref() else { return Vec::new() };
    let mut out: Vec<Quantity> = Vec::new();
    // `find_iter` and a hand split of the match: resolving the regex's capture groups cost
    // more than everything else this function does.
    for m in re.find_iter(sentence) {
        let Some(parts) = split_match(m.as_str()) else { continue };
        if taken.iter().any(|&(s, e)| m.start() < e && s < m.end()) {
            continue;
        }
        // A number glued to letters is part of a word or code ("G7", "F-16", "COVID-19").
        let before = sentence[..m.start()].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '-' && parts.cur.is_none()) {
            continue;
        }
        if sentence[m.end()..].chars().next().is_some_and(char::is_alphanumeric) {
            continue;
        }
        let tail = parts.tail.trim().to_ascii_lowercase();
        let cur = parts.cur;
        let scale_word = parts.scale.map(str::to_ascii_lowercase);
        let (base, is_word) = match (parts.num, parts.word) {
            (Some(n), _) => (n.replace(',', "").parse::<f64>().ok(), false),
            (None, Some(w)) => (word_value(w), true),
            _ => (None, false),
        };
        let Some(base) = base.filter(|v| v.is_finite()) else { continue };
        let money = cur.is_some() || tail.contains("dollar") || is_currency_word(&tail);
        // Bare "m", "b" and "k" are scales only on money ("$5m"), not "5 m" of anything.
        let scale = match scale_word.as_deref() {
            Some("trillion" | "tn") => 1e12,
            Some("billion" | "bn" | "bln") => 1e9,
            Some("b") if money => 1e9,
            Some("million" | "mn" | "mln") => 1e6,
            Some("m") if money => 1e6,
            Some("thousand") => 1e3,
            Some("k") if money => 1e3,
            Some(_) => {
                if is_word || tail.is_empty() {
                    continue;
                }
                1.0
            }
            None => 1.0,
        };
        let unit = if tail.ends_with('%')
            || tail.contains("percent")
            || tail.contains("per cent")
            || tail.ends_with("pct")
        {
            if tail.contains("point") { Unit::Other } else { Unit::Percent }
        } else if tail.contains("point") {
            Unit::Other
        } else if tail.contains("day") || tail.contains("week") {
            Unit::Days
        } else if tail.contains("month") {
            Unit::Months
        } else if tail.contains("year") {
            Unit::Other
        } else if money {
            let is_usd = match cur {
                Some(c) => {
                    let c = c.to_ascii_uppercase();
                    c == "$" || c == "US$" || c == "USD"
                }
                None => tail.contains("dollar") && !is_currency_word(&tail),
            };
            if is_usd { Unit::Usd } else { Unit::OtherMoney }
        } else if is_word {
            // "five" alone is a word, not a figure.
            continue;
        } else {
            Unit::Count
        };
        let value = match unit {
            Unit::Days if tail.contains("week") => base * 7.0 * scale,
            // "$4.22 billion" is 4220000000, not 4219999999.9999995.
            _ if scale > 1.0 => (base * scale).round(),
            _ => base * scale,
        };
        let (qualifier, qstart) = qualifier_before(sentence, m.start());
        let qualifier = qualifier.or_else(|| qualifier_after(&sentence[m.end()..]));
        out.push(Quantity {
            start: qstart,
            end: m.end(),
            value,
            unit,
            qualifier,
            stance: Stance::Level,
        });
    }
    assign_stances(sentence, &mut out);
    out
}

/// The parts of a quantity match, as the regex's groups would give them.
struct Parts<'a> {
    cur: Option<&'a str>,
    num: Option<&'a str>,
    word: Option<&'a str>,
    scale: Option<&'a str>,
    tail: &'a str,
}

const SCALES: &[&str] =
    &["trillion", "billion", "million", "thousand", "bln", "mln", "tn", "bn", "mn", "m", "b", "k"];

/// Splits a match of `QUANTITY` into currency, number (or number word), scale and tail.
fn split_match(m: &str) -> Option<Parts<'_>> {
    let Some(first_digit) = m.find(|c: char| c.is_ascii_digit()) else {
        // The number-word branch: "ninety days", "twenty-five percent", "five-year".
        let run_end = m.find(|c: char| !(c.is_ascii_alphabetic() || c == '-')).unwrap_or(m.len());
        let run = &m[..run_end];
        let (word, tail) = if word_value(run).is_some() {
            (run, &m[run_end..])
        } else {
            let cut = run.rfind('-')?;
            (&run[..cut], &m[cut..])
        };
        return Some(Parts { cur: None, num: None, word: Some(word), scale: None, tail });
    };
    let cur = m[..first_digit].trim();
    let digits = &m[first_digit..];
    let num_len = digits
        .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .unwrap_or(digits.len());
    let num = digits[..num_len].trim_end_matches(['.', ',']);
    let rest = &digits[num.len()..];
    let after_sep = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '-');
    let scale = SCALES.iter().find_map(|sc| {
        let head = after_sep.get(..sc.len())?;
        let next = after_sep[sc.len()..].chars().next();
        (head.eq_ignore_ascii_case(sc) && next.is_none_or(|c| !c.is_alphanumeric()))
            .then(|| (head, &after_sep[sc.len()..]))
    });
    let (scale, tail) = match scale {
        Some((sc, t)) => (Some(sc), t),
        None => (None, rest),
    };
    Some(Parts { cur: (!cur.is_empty()).then_some(cur), num: Some(num), word: None, scale, tail })
}

fn is_currency_word(tail: &str) -> bool {
    ["euro", "rupee", "yuan", "pound", "renminbi"].iter().any(|w| tail.contains(w))
}

/// Hedges written before a number, longest first so "more than" beats "than".
const QUALIFIERS: &[(&str, Qualifier)] = &[
    ("in excess of", Qualifier::Over),
    ("no more than", Qualifier::Under),
    ("no less than", Qualifier::Over),
    ("more than", Qualifier::Over),
    ("greater than", Qualifier::Over),
    ("higher than", Qualifier::Over),
    ("upwards of", Qualifier::Over),
    ("at least", Qualifier::Over),
    ("well over", Qualifier::Over),
    ("just over", Qualifier::Over),
    ("surpassing", Qualifier::Over),
    ("exceeding", Qualifier::Over),
    ("topping", Qualifier::Over),
    ("over", Qualifier::Over),
    ("above", Qualifier::Over),
    ("less than", Qualifier::Under),
    ("fewer than", Qualifier::Under),
    ("lower than", Qualifier::Under),
    ("as much as", Qualifier::Under),
    ("as high as", Qualifier::Under),
    ("as many as", Qualifier::Under),
    ("just under", Qualifier::Under),
    ("at most", Qualifier::Under),
    ("up to", Qualifier::Under),
    ("under", Qualifier::Under),
    ("below", Qualifier::Under),
    ("approximately", Qualifier::About),
    ("an estimated", Qualifier::About),
    ("estimated", Qualifier::About),
    ("roughly", Qualifier::About),
    ("nearly", Qualifier::About),
    ("almost", Qualifier::About),
    ("close to", Qualifier::About),
    ("around", Qualifier::About),
    ("about", Qualifier::About),
    ("approx.", Qualifier::About),
    ("some", Qualifier::About),
];

/// The qualifier right before `at`, and where the quantity then starts.
fn qualifier_before(sentence: &str, at: usize) -> (Option<Qualifier>, usize) {
    let head = &sentence[..at];
    let trimmed = head.trim_end();
    if trimmed.len() == head.len() && !head.is_empty() {
        // Nothing separates it from the number: "over$5" is not a phrase we read.
        return (None, at);
    }
    let window_start = floor_boundary(trimmed, trimmed.len().saturating_sub(16));
    let window = trimmed[window_start..].to_ascii_lowercase();
    for (phrase, q) in QUALIFIERS {
        if window.ends_with(phrase) {
            let start = trimmed.len() - phrase.len();
            let prev = trimmed[..start].chars().next_back();
            if prev.is_none_or(|c| !c.is_alphanumeric()) {
                return (Some(*q), start);
            }
        }
    }
    (None, at)
}

fn qualifier_after(rest: &str) -> Option<Qualifier> {
    let lower: String = rest.chars().take(12).collect::<String>().to_ascii_lowercase();
    if lower.starts_with(" or more") || lower.starts_with("-plus") || lower.starts_with(" plus") {
        Some(Qualifier::Over)
    } else if lower.starts_with(" or less") || lower.starts_with(" or so") {
        if lower.starts_with(" or so") { Some(Qualifier::About) } else { Some(Qualifier::Under) }
    } else {
        None
    }
}

/// The largest char boundary at or below `i`.
pub(crate) fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The last `n` words before byte `at` of an ASCII-lowercased sentence, nearest last.
fn words_before(lower: &str, at: usize, n: usize) -> Vec<&str> {
    let head = lower.get(..at).unwrap_or("");
    let mut words: Vec<&str> = head
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '%' && c != '$')
        .filter(|w| !w.is_empty())
        .rev()
        .take(n)
        .collect();
    words.reverse();
    words
}

fn words_after(lower: &str, at: usize, n: usize) -> Vec<&str> {
    lower
        .get(at..)
        .unwrap_or("")
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .take(n)
        .collect()
}

const CHANGE_NOUNS: &[&str] = &[
    "increase",
    "increases",
    "rise",
    "rises",
    "jump",
    "hike",
    "hikes",
    "gain",
    "gains",
    "growth",
    "drop",
    "decline",
    "decrease",
    "fall",
    "cut",
    "cuts",
    "reduction",
    "surge",
    "climb",
    "slump",
    "plunge",
    "contraction",
    "expansion",
    "uptick",
    "downturn",
    "rebound",
    "increment",
    "markup",
    "appreciation",
    "depreciation",
    "devaluation",
    "boost",
    "dip",
    "slide",
    "spike",
    "loss",
    "losses",
    "shortfall",
    "year-on-year",
    "year-over-year",
    "annual",
    "higher",
    "lower",
    "more",
    "less",
    "points",
];

const CHANGE_VERBS: &[&str] = &[
    "cut",
    "cuts",
    "cutting",
    "lower",
    "lowers",
    "lowered",
    "lowering",
    "reduce",
    "reduces",
    "reduced",
    "reducing",
    "raise",
    "raises",
    "raised",
    "raising",
    "hike",
    "hikes",
    "hiked",
    "hiking",
    "increase",
    "increases",
    "increased",
    "increasing",
    "lift",
    "lifts",
    "lifted",
    "lifting",
    "slash",
    "slashed",
    "slashing",
    "bring",
    "brings",
    "bringing",
    "brought",
    "take",
    "takes",
    "taking",
    "took",
    "set",
    "sets",
    "setting",
    "boost",
    "boosted",
    "double",
    "doubled",
    "rose",
    "risen",
    "rise",
    "rises",
    "fell",
    "fallen",
    "falls",
    "climbed",
    "jumped",
    "dropped",
    "drop",
    "grew",
    "grown",
    "widened",
    "narrowed",
    "trimmed",
    "eased",
    "reset",
    "revised",
    "adjusted",
    "changed",
    "moved",
    "total",
    "totaling",
    "totalling",
];

/// Decides each quantity's stance from the words around it.
fn assign_stances(sentence: &str, qs: &mut [Quantity]) {
    // ASCII lowercasing keeps byte offsets, so quantity offsets index this copy too.
    let lower = sentence.to_ascii_lowercase();
    let sentence = lower.as_str();
    let n = qs.len();
    for i in 0..n {
        let (start, end) = match qs.get(i) {
            Some(q) => (q.start, q.end),
            None => continue,
        };
        let before = words_before(sentence, start, 6);
        let after = words_after(sentence, end, 3);
        let last = before.last().copied().unwrap_or("");
        let last2 = if before.len() >= 2 {
            before.get(before.len() - 2).copied().unwrap_or("")
        } else {
            ""
        };
        let next = after.first().copied().unwrap_or("");
        let next2 = after.get(1).copied().unwrap_or("");
        let gap_to_next = qs.get(i + 1).and_then(|q| sentence.get(end..q.start)).map(str::trim);

        let mut stance = Stance::Level;
        // "from 145% to 30%": the first is the past, the second the present.
        if last == "from" && gap_to_next == Some("to") {
            stance = Stance::Previous;
            if let Some(q) = qs.get_mut(i + 1) {
                q.stance = Stance::Current;
            }
        } else if matches!(last, "previously" | "formerly" | "originally" | "initially" | "earlier")
            || (matches!(last, "from") && matches!(last2, "down" | "up" | "rising" | "falling"))
            || matches!(last, "than" | "versus" | "vs")
            || (matches!(last, "to" | "with")
                && matches!(last2, "compared" | "comparison" | "relative"))
        {
            stance = Stance::Previous;
        } else if CHANGE_NOUNS.contains(&next)
            || (next == "year-on-year" || next2 == "increase" || next2 == "rise")
                && !matches!(next, "tariff" | "tariffs" | "duty" | "duties")
            || matches!(
                last,
                "by" | "additional" | "extra" | "another" | "further" | "added" | "up" | "down"
            )
        {
            stance = Stance::Change;
        } else if is_spread(&after, sentence, end) {
            stance = Stance::Spread;
        } else if let Some(gap) = gap_to_next
            && matches!(gap, "-" | "–" | "to" | "and" | "or")
            && last != "from"
            && !matches!(qs.get(i).map(|q| q.stance), Some(Stance::Current))
            && (gap != "and" || before.contains(&"between"))
            && gap != "to"
        {
            stance = Stance::Range;
            if let Some(q) = qs.get_mut(i + 1) {
                q.stance = Stance::Range;
            }
        } else if last == "to" && before.iter().rev().skip(1).any(|w| CHANGE_VERBS.contains(w))
            || matches!(last, "now" | "new" | "current" | "currently")
        {
            stance = Stance::Current;
        }
        if let Some(q) = qs.get_mut(i)
            && q.stance == Stance::Level
        {
            q.stance = stance;
        }
    }
}

/// "over five years", "a week", "per month": the amount is a total over, or a price per,
/// some period rather than a level.
fn is_spread(after: &[&str], sentence: &str, end: usize) -> bool {
    let first = after.first().copied().unwrap_or("");
    let second = after.get(1).copied().unwrap_or("");
    let third = after.get(2).copied().unwrap_or("");
    let period = |w: &str| {
        matches!(w, "years" | "months" | "decades" | "weeks" | "days" | "year" | "decade")
    };
    if matches!(first, "a" | "per" | "each" | "every")
        && matches!(
            second,
            "week" | "month" | "day" | "head" | "person" | "user" | "issue" | "copy"
        )
    {
        return true;
    }
    if sentence.get(end..).is_some_and(|r| r.starts_with('/')) {
        return true;
    }
    if matches!(first, "over" | "across" | "within" | "during" | "spanning" | "spread") {
        let counted = word_value(second).is_some()
            || second.chars().all(|c| c.is_ascii_digit()) && !second.is_empty()
            || matches!(second, "the" | "several" | "a" | "multiple" | "next" | "coming");
        if counted && (period(third) || period(after.get(3).copied().unwrap_or(""))) {
            return true;
        }
        if counted && second.ends_with("-year") {
            return true;
        }
    }
    if first == "in"
        && matches!(second, "the" | "coming")
        && matches!(third, "next" | "coming" | "years")
    {
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Quantity {
        let qs = quantities(s, &[]);
        assert_eq!(qs.len(), 1, "{s}: {qs:?}");
        qs.into_iter().next().unwrap()
    }

    #[test]
    fn recognizes_forms() {
        assert_eq!(one("a 29% tariff").value, 29.0);
        assert_eq!(one("a 5.2  percent rise").unit, Unit::Percent);
        let q = one("it cost $4.22 billion");
        assert_eq!((q.value, q.unit), (4.22e9, Unit::Usd));
        assert_eq!(one("US$3bn of goods").value, 3e9);
        assert_eq!(one("a 90-day pause").unit, Unit::Days);
        assert_eq!(one("within 180 days").value, 180.0);
        assert_eq!(one("Rs 500 billion").unit, Unit::OtherMoney);
        assert_eq!(one("5,000 jobs").value, 5000.0);
        assert_eq!(one("for two weeks").value, 14.0);
        let q = one("a three-month pause");
        assert_eq!((q.value, q.unit), (3.0, Unit::Months));
        assert_eq!(one("for 6 months").unit, Unit::Months);
        assert_eq!(one("a five-year plan").unit, Unit::Other);
    }

    #[test]
    fn qualifiers() {
        assert_eq!(one("surpassing $7 billion").qualifier, Some(Qualifier::Over));
        assert_eq!(one("around $2.1 billion").qualifier, Some(Qualifier::About));
        assert_eq!(one("nearly 30%").qualifier, Some(Qualifier::About));
        assert_eq!(one("up to 50%").qualifier, Some(Qualifier::Under));
        assert_eq!(one("more than $5bn").qualifier, Some(Qualifier::Over));
        assert_eq!(one("a 29% tariff").qualifier, None);
    }

    #[test]
    fn stances() {
        let qs = quantities("cut its tariff from 145% to 30%", &[]);
        assert_eq!(qs[0].stance, Stance::Previous);
        assert_eq!(qs[1].stance, Stance::Current);
        assert_eq!(one("a 5.2 percent increase").stance, Stance::Change);
        assert_eq!(one("raising fees by 20%").stance, Stance::Change);
        let spread = quantities("$4.22 billion over five years", &[]);
        assert_eq!(spread[0].stance, Stance::Spread);
        assert_eq!(one("Subscribe for $1 a week").stance, Stance::Spread);
        assert_eq!(one("an additional 25% tariff").stance, Stance::Change);
        assert_eq!(one("bringing the total to 50%").stance, Stance::Current);
        let r = quantities("between 10% and 20%", &[]);
        assert!(r.iter().all(|q| q.stance == Stance::Range), "{r:?}");
    }

    #[test]
    fn no_number_no_quantity() {
        assert!(quantities("which employ millions in Pakistan", &[]).is_empty());
        assert!(quantities("the G7 and F-16 deals", &[]).is_empty());
    }
}
