//! Calendar references and their resolution against the article date: "July 9" is the next
//! July 9 when it is a deadline, "last year" is the year before the article's, "Friday" is
//! the Friday after it. Finding them in text is `chunk`'s business; which date is a deadline
//! or a start is `frame`'s.
//!
//! Relative references are resolved only when the article states its date itself; a file's
//! modification time says when it was saved, not when the story was written.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

use crate::model::{ArticleDate, Deadline};

/// A calendar reference as far as the text pins it down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// A known day.
    Day(Date),
    /// A day whose year the text does not say ("July 9").
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
    /// A month whose year the text does not say ("until July").
    MonthNoYear {
        /// 1 to 12.
        month: i8,
    },
    /// A weekday ("on Friday").
    Weekday(Weekday),
}

/// How far back a year-less date may lie and still mean the article's own year.
const RECENT_PAST_DAYS: i32 = 62;

impl When {
    /// The deadline this reference names, with a year-less day or month taken as the next
    /// one on or after the article date (or a recent one in the same year, for "the pause
    /// ran until July 9" written in mid-July). `None` when the article date is not stated and
    /// the year is missing.
    pub(crate) fn deadline(self, article: ArticleDate) -> Option<Deadline> {
        let today = article.date;
        match self {
            When::Day(d) => Some(Deadline::Day(d)),
            When::Month { year, month } => Some(Deadline::Month { year, month }),
            When::DayNoYear { month, day } if article.is_stated() => {
                let this_year = Date::new(today.year(), month, day).ok();
                let date = match this_year {
                    Some(d)
                        if d >= today || today.since(d).ok()?.get_days() <= RECENT_PAST_DAYS =>
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
            When::Weekday(w) if article.is_stated() => {
                let ahead = i64::from(w.since(today.weekday()));
                today.checked_add(ahead.days()).ok().map(Deadline::Day)
            }
            _ => None,
        }
    }

    /// The day this reference names when it is a start or an event ("starting April 9",
    /// "on Monday"): a year-less day is taken in the year that puts it nearest the article
    /// date, a weekday as the latest on or before it.
    pub(crate) fn day(self, article: ArticleDate) -> Option<Date> {
        let today = article.date;
        match self {
            When::Day(d) => Some(d),
            When::DayNoYear { month, day } if article.is_stated() => [-1i16, 0, 1]
                .iter()
                .filter_map(|dy| Date::new(today.year().checked_add(*dy)?, month, day).ok())
                .min_by_key(|d| today.since(*d).map(|s| s.get_days().abs()).unwrap_or(i32::MAX)),
            When::Weekday(w) if article.is_stated() => {
                let back = i64::from(today.weekday().since(w));
                today.checked_sub(back.days()).ok()
            }
            _ => None,
        }
    }

    /// The first day the reference covers, for telling past from future: a month's first.
    pub(crate) fn first_day(self, article: ArticleDate) -> Option<Date> {
        match self {
            When::Month { year, month } => Date::new(year, month, 1).ok(),
            When::MonthNoYear { month } if article.is_stated() => {
                Date::new(article.date.year(), month, 1).ok()
            }
            _ => self.day(article),
        }
    }
}

/// The month number of a month word ("Aug", "august", "Sept").
pub(crate) fn month_number(name: &str) -> Option<i8> {
    let lower = name.to_ascii_lowercase();
    let key = lower.get(..3)?;
    Some(match key {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    })
}

/// The weekday of a weekday word.
pub(crate) fn weekday(name: &str) -> Option<Weekday> {
    let lower = name.to_ascii_lowercase();
    Some(match lower.get(..3)? {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// A deadline a number of days or calendar months after a day: "a three-month pause from
/// April 9" ends on July 9, "90 days" after April 9 on July 8.
pub(crate) fn after(start: Date, days: i32, months: i32) -> Option<Date> {
    let d = start.checked_add(i64::from(months).months()).ok()?;
    d.checked_add(i64::from(days).days()).ok()
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
        // 2025-04-08 is a Tuesday: the Friday after is the 11th, the Monday before the 7th.
        assert_eq!(
            When::Weekday(Weekday::Friday).deadline(a),
            Some(Deadline::Day(Date::new(2025, 4, 11).unwrap()))
        );
        assert_eq!(When::Weekday(Weekday::Monday).day(a), Some(Date::new(2025, 4, 7).unwrap()));
    }

    #[test]
    fn months_count_on_the_calendar() {
        let start = Date::new(2025, 4, 9).unwrap();
        assert_eq!(after(start, 0, 3), Some(Date::new(2025, 7, 9).unwrap()));
        assert_eq!(after(start, 90, 0), Some(Date::new(2025, 7, 8).unwrap()));
    }
}
