//! Dates and years in a sentence: full dates ("April 7, 2025", "08 April 2025"), day-month
//! ("Nov. 6", "July 9"), month only ("until July"), years ("in 2024") and relative phrases
//! ("last year", "last week", "on Monday").
//!
//! Relative phrases are resolved against the article date only when the article states that
//! date itself; a file's modification time says when it was saved, not when it was written,
//! so then they stay unresolved and the caller says so in a warning. Which date is a
//! deadline or a start is `status`'s business; which year is a period is `metric`'s.

use std::sync::LazyLock;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use regex::Regex;

use crate::model::{ArticleDate, Deadline};

/// A calendar reference as far as the sentence and the article date pin it down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// A known day.
    Day(Date),
    /// A day whose year the sentence does not say ("July 9").
    DayNoYear {
        /// 1 to 12.
        month: i8,
        /// 1 to 31.
        day: i8,
    },
    /// A known month.
    Month {
        /// The year.
        year: i16,
        /// 1 to 12.
        month: i8,
    },
    /// A month whose year the sentence does not say ("until July").
    MonthNoYear {
        /// 1 to 12.
        month: i8,
    },
    /// The week starting on this Monday ("last week").
    Week(Date),
    /// A relative phrase that cannot be resolved: the article date is not stated.
    Unresolved,
}

/// How a year is used in the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum YearUse {
    /// The period a figure is for: "in 2024", "In 2021,", "the 2024 deficit", "last year".
    Period,
    /// A base of comparison or a bound: "over 2023", "since 2021", "until 2026".
    Comparison,
}

/// A date or year found in a sentence; offsets are relative to the sentence.
#[derive(Debug, Clone)]
pub(crate) struct DateMention {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset past the last character.
    pub end: usize,
    /// What was found.
    pub what: Mention,
}

/// The two kinds of mention.
#[derive(Debug, Clone)]
pub(crate) enum Mention {
    /// A date, a month or a week.
    Date(When),
    /// A year, `None` when relative and unresolved.
    Year {
        /// The year.
        year: Option<i16>,
        /// How it is used.
        usage: YearUse,
    },
}

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec";

static DATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let pattern = format!(
        r"(?x)
          \b(?P<m1>{m})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>(?:19|20)\d{{2}})\b)?
        | \b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{m})\b\.?(?:,?\s+(?P<y2>(?:19|20)\d{{2}})\b)?
        | \b(?P<iso>(?:19|20)\d{{2}}-[01]\d-[0-3]\d)\b
        | \b(?P<m3>{m})\b\.?(?:,?\s+(?P<y3>(?:19|20)\d{{2}})\b)?
        | \b(?i:(?P<rel>last|this|next|past|previous|coming)\s+(?P<unit>year|month|week))\b
        | \b(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b
        | \b(?i:(?P<near>yesterday|today|tomorrow))\b
        | \b(?P<year>(?:19|20)\d{{2}})\b",
        m = MONTHS
    );
    Regex::new(&super::pattern::ascii_word_boundaries(&pattern)).ok()
});

fn month_number(name: &str) -> Option<i8> {
    let key = name.get(..3)?;
    Some(match key {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    })
}

fn parse_year(s: Option<regex::Match<'_>>) -> Option<i16> {
    s.and_then(|m| m.as_str().parse().ok())
}

/// Finds the dates and years of a sentence, resolving relative ones against `article`.
pub(crate) fn mentions(sentence: &str, article: ArticleDate) -> Vec<DateMention> {
    let Some(re) = DATE.as_ref() else { return Vec::new() };
    let stated = article.is_stated();
    let today = article.date;
    let mut out = Vec::new();
    for caps in re.captures_iter(sentence) {
        let Some(m) = caps.get(0) else { continue };
        let what = if let (Some(mo), Some(d)) = (caps.name("m1"), caps.name("d1")) {
            day_mention(mo.as_str(), d.as_str(), parse_year(caps.name("y1")))
        } else if let (Some(mo), Some(d)) = (caps.name("m2"), caps.name("d2")) {
            day_mention(mo.as_str(), d.as_str(), parse_year(caps.name("y2")))
        } else if let Some(iso) = caps.name("iso") {
            iso.as_str().parse::<Date>().ok().map(|d| Mention::Date(When::Day(d)))
        } else if let Some(mo) = caps.name("m3") {
            // "May" and "March" are also words; alone they count only after a preposition
            // or with a year.
            let month = month_number(mo.as_str());
            let year = parse_year(caps.name("y3"));
            let prev = previous_word(sentence, m.start());
            let ambiguous = matches!(mo.as_str(), "May" | "March" | "Jan" | "Mar" | "Sep");
            if ambiguous && year.is_none() && !is_date_preposition(&prev) {
                None
            } else {
                month.map(|month| {
                    Mention::Date(match year {
                        Some(year) => When::Month { year, month },
                        None => When::MonthNoYear { month },
                    })
                })
            }
        } else if let (Some(rel), Some(unit)) = (caps.name("rel"), caps.name("unit")) {
            relative(
                &rel.as_str().to_ascii_lowercase(),
                &unit.as_str().to_ascii_lowercase(),
                today,
                stated,
            )
        } else if let Some(wd) = caps.name("wd") {
            Some(Mention::Date(if stated {
                weekday(wd.as_str())
                    .map_or(When::Unresolved, |w| When::Day(weekday_on_or_before(today, w)))
            } else {
                When::Unresolved
            }))
        } else if let Some(near) = caps.name("near") {
            let offset: i64 = match near.as_str().to_ascii_lowercase().as_str() {
                "yesterday" => -1,
                "tomorrow" => 1,
                _ => 0,
            };
            Some(Mention::Date(if stated {
                today.checked_add(offset.days()).map_or(When::Unresolved, When::Day)
            } else {
                When::Unresolved
            }))
        } else if let Some(y) = caps.name("year") {
            let prev = previous_word(sentence, m.start());
            let usage = if matches!(
                prev.as_str(),
                "over"
                    | "since"
                    | "from"
                    | "than"
                    | "versus"
                    | "vs"
                    | "before"
                    | "after"
                    | "until"
                    | "by"
                    | "through"
                    | "till"
                    | "to"
                    | "with"
            ) {
                YearUse::Comparison
            } else {
                YearUse::Period
            };
            Some(Mention::Year { year: y.as_str().parse().ok(), usage })
        } else {
            None
        };
        if let Some(what) = what {
            out.push(DateMention { start: m.start(), end: m.end(), what });
        }
    }
    out
}

fn is_date_preposition(word: &str) -> bool {
    matches!(
        word,
        "in" | "until"
            | "till"
            | "through"
            | "by"
            | "since"
            | "from"
            | "to"
            | "early"
            | "late"
            | "mid"
            | "end"
            | "of"
            | "before"
            | "after"
            | "during"
            | "into"
            | "last"
            | "next"
            | "this"
    )
}

fn previous_word(sentence: &str, at: usize) -> String {
    sentence[..at]
        .split(|c: char| !c.is_alphanumeric())
        .rfind(|w| !w.is_empty())
        .unwrap_or("")
        .to_lowercase()
}

fn day_mention(month: &str, day: &str, year: Option<i16>) -> Option<Mention> {
    let month = month_number(month)?;
    let day: i8 = day.parse().ok()?;
    match year {
        Some(y) => Date::new(y, month, day).ok().map(|d| Mention::Date(When::Day(d))),
        None => {
            // Validate against a leap year so "February 29" is accepted without a year.
            Date::new(2024, month, day).ok()?;
            Some(Mention::Date(When::DayNoYear { month, day }))
        }
    }
}

fn relative(rel: &str, unit: &str, today: Date, stated: bool) -> Option<Mention> {
    let step: i16 = match rel {
        "last" | "past" | "previous" => -1,
        "next" | "coming" => 1,
        _ => 0,
    };
    match unit {
        "year" => Some(Mention::Year {
            year: if stated { today.year().checked_add(step) } else { None },
            usage: YearUse::Period,
        }),
        "month" => Some(Mention::Date(if stated {
            today
                .first_of_month()
                .checked_add(i64::from(step).months())
                .map_or(When::Unresolved, |d| When::Month { year: d.year(), month: d.month() })
        } else {
            When::Unresolved
        })),
        "week" => Some(Mention::Date(if stated {
            let monday = weekday_on_or_before(today, Weekday::Monday);
            monday.checked_add((i64::from(step) * 7).days()).map_or(When::Unresolved, When::Week)
        } else {
            When::Unresolved
        })),
        _ => None,
    }
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name {
        "Monday" => Weekday::Monday,
        "Tuesday" => Weekday::Tuesday,
        "Wednesday" => Weekday::Wednesday,
        "Thursday" => Weekday::Thursday,
        "Friday" => Weekday::Friday,
        "Saturday" => Weekday::Saturday,
        "Sunday" => Weekday::Sunday,
        _ => return None,
    })
}

/// News reports past events: "on Monday" is the latest Monday on or before the article date.
fn weekday_on_or_before(date: Date, day: Weekday) -> Date {
    let back = i64::from(date.weekday().since(day));
    date.checked_sub(back.days()).unwrap_or(date)
}

/// How far back a year-less date may lie and still mean the article's own year.
const RECENT_PAST_DAYS: i64 = 62;

impl When {
    /// The deadline this reference names, with a year-less day or month taken as the next
    /// one on or after the article date (or a recent one in the same year, for "the pause
    /// ran until July 9" written in mid-July). `None` when the article date is not stated
    /// and the year is missing, or when the reference is not a day or month.
    pub(crate) fn deadline(self, article: ArticleDate) -> Option<Deadline> {
        let today = article.date;
        match self {
            When::Day(d) => Some(Deadline::Day(d)),
            When::Month { year, month } => Some(Deadline::Month { year, month }),
            When::DayNoYear { month, day } if article.is_stated() => {
                let this_year = Date::new(today.year(), month, day).ok();
                let date = match this_year {
                    Some(d)
                        if d >= today
                            || today.since(d).ok()?.get_days() <= RECENT_PAST_DAYS as i32 =>
                    {
                        d
                    }
                    _ => Date::new(today.year().checked_add(1)?, month, day).ok()?,
                };
                Some(Deadline::Day(date))
            }
            When::MonthNoYear { month } if article.is_stated() => {
                let year = if month >= today.month() - 2 {
                    today.year()
                } else {
                    today.year().checked_add(1)?
                };
                Some(Deadline::Month { year, month })
            }
            _ => None,
        }
    }

    /// The day this reference names when it is a start ("starting April 9"): a year-less day
    /// is taken in the year that puts it nearest the article date.
    pub(crate) fn start_day(self, article: ArticleDate) -> Option<Date> {
        match self {
            When::Day(d) => Some(d),
            When::DayNoYear { month, day } if article.is_stated() => {
                let today = article.date;
                [-1i16, 0, 1]
                    .iter()
                    .filter_map(|dy| Date::new(today.year().checked_add(*dy)?, month, day).ok())
                    .min_by_key(|d| today.since(*d).map(|s| s.get_days().abs()).unwrap_or(i32::MAX))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DateOrigin;

    fn stated(y: i16, m: i8, d: i8) -> ArticleDate {
        ArticleDate { date: Date::new(y, m, d).unwrap(), origin: DateOrigin::Dateline }
    }

    fn mtime(y: i16, m: i8, d: i8) -> ArticleDate {
        ArticleDate { date: Date::new(y, m, d).unwrap(), origin: DateOrigin::FileModified }
    }

    fn whens(s: &str, a: ArticleDate) -> Vec<When> {
        mentions(s, a)
            .into_iter()
            .filter_map(|m| match m.what {
                Mention::Date(w) => Some(w),
                Mention::Year { .. } => None,
            })
            .collect()
    }

    #[test]
    fn full_and_partial_dates() {
        let a = stated(2025, 4, 8);
        assert_eq!(
            whens("talks on April 7, 2025 went well", a),
            vec![When::Day(Date::new(2025, 4, 7).unwrap())]
        );
        assert_eq!(
            whens("Updated 08 April 2025", a),
            vec![When::Day(Date::new(2025, 4, 8).unwrap())]
        );
        assert_eq!(whens("held on Nov. 6.", a), vec![When::DayNoYear { month: 11, day: 6 }]);
        assert_eq!(whens("suspended until July", a), vec![When::MonthNoYear { month: 7 }]);
        assert!(whens("Theresa May said", a).is_empty());
    }

    #[test]
    fn relative_dates_resolve_only_when_stated() {
        let monday = Date::new(2025, 4, 7).unwrap();
        assert_eq!(whens("they spoke on Monday", stated(2025, 4, 8)), vec![When::Day(monday)]);
        assert_eq!(whens("they spoke on Monday", mtime(2025, 4, 8)), vec![When::Unresolved]);
        assert_eq!(
            whens("it happened last week", stated(2025, 4, 8)),
            vec![When::Week(Date::new(2025, 3, 31).unwrap())]
        );
        let years = |a| {
            mentions("exports rose last year", a)
                .into_iter()
                .filter_map(|m| match m.what {
                    Mention::Year { year, .. } => Some(year),
                    Mention::Date(_) => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(years(stated(2025, 4, 8)), vec![Some(2024)]);
        assert_eq!(years(mtime(2025, 4, 8)), vec![None]);
    }

    #[test]
    fn deadlines_take_the_next_date() {
        let a = stated(2025, 4, 8);
        assert_eq!(
            When::DayNoYear { month: 7, day: 9 }.deadline(a),
            Some(Deadline::Day(Date::new(2025, 7, 9).unwrap()))
        );
        assert_eq!(
            When::MonthNoYear { month: 7 }.deadline(a),
            Some(Deadline::Month { year: 2025, month: 7 })
        );
        assert_eq!(
            When::DayNoYear { month: 1, day: 15 }.deadline(a),
            Some(Deadline::Day(Date::new(2026, 1, 15).unwrap()))
        );
        assert_eq!(When::MonthNoYear { month: 7 }.deadline(mtime(2025, 4, 8)), None);
    }
}
