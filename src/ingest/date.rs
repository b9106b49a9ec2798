//! Finding the date an article speaks for.
//!
//! Best source first: metadata the format carries (JSON `published`/`date`, front matter
//! `date`, HTML `article:published_time` or `<time datetime>`), a `YYYY-MM-DD` prefix of the
//! file name, an "Updated 08 April 2025" / "Published ..." line or a dateline near the top;
//! else the file's modification time, marked as such so extraction does not resolve "last
//! year" against the day someone happened to save the file.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use crate::model::{ArticleDate, DateOrigin};

/// How far into the text a dateline is looked for.
const DATELINE_WINDOW: usize = 3000;

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";

/// "April 8, 2025", "Apr. 8 2025", "8 April 2025", "08 April, 2025", "2025-04-08".
static DATE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:(?P<m1>{MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{MONTH}),?\s+(?P<y2>\d{{4}})|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}))\b"
    ))
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// A line that says when the article was published or updated.
static STAMP_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^[\s|•·-]*(?:last\s+)?(?:updated|published|posted|first published)(?:\s+on)?\s*:?\s*(?P<rest>.{6,60})$")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// A dateline: "WASHINGTON, April 8, 2025 —" or a line that is only a date.
static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*(?:[A-Z][A-Z .'’-]{2,40},\s*)?(?P<rest>[A-Za-z0-9 ,.]{6,30}?)\s*(?:\(|—|–|-{1,2}\s|$)")
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// Parses the date at the start of a metadata value: ISO 8601 (with or without time),
/// RFC 2822, or "April 8, 2025" / "8 April 2025".
pub fn parse_loose(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Some(head) = s.get(..10)
        && let Ok(d) = head.parse::<Date>()
    {
        return Some(d);
    }
    if let Ok(z) = jiff::fmt::rfc2822::parse(s) {
        return Some(z.date());
    }
    find_date(s)
}

/// The first full date written in `s`, if any.
pub fn find_date(s: &str) -> Option<Date> {
    let c = DATE_TEXT.captures(s)?;
    if let Some(iso) = c.name("iso") {
        return iso.as_str().parse().ok();
    }
    let (m, d, y) = match (c.name("m1"), c.name("d1"), c.name("y1")) {
        (Some(m), Some(d), Some(y)) => (m, d, y),
        _ => (c.name("m2")?, c.name("d2")?, c.name("y2")?),
    };
    let month = month_number(m.as_str())?;
    Date::new(y.as_str().parse().ok()?, month, d.as_str().parse().ok()?).ok()
}

fn month_number(name: &str) -> Option<i8> {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    let months =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    months.iter().position(|m| n.starts_with(m)).and_then(|i| i8::try_from(i + 1).ok())
}

/// A `YYYY-MM-DD` prefix of a file name.
pub fn from_file_name(name: &str) -> Option<Date> {
    name.get(..10)?.parse().ok().filter(|_| {
        // "2025-04-08-talks.md" or "2025-04-08.md", but not "2025-04-081.md".
        name.as_bytes().get(10).is_none_or(|b| !b.is_ascii_digit())
    })
}

/// A publication or update stamp, or a dateline, near the top of the text.
pub fn from_text(text: &str) -> Option<Date> {
    let mut end = text.len().min(DATELINE_WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    if let Some(d) = STAMP_LINE
        .captures_iter(head)
        .filter_map(|c| c.name("rest").and_then(|r| find_date(r.as_str())))
        .next()
    {
        return Some(d);
    }
    DATELINE
        .captures_iter(head)
        .filter_map(|c| c.name("rest"))
        .filter_map(|r| {
            // The date must fill the captured part, not be a date mentioned in a sentence.
            let m = DATE_TEXT.find(r.as_str())?;
            (m.start() == 0 && r.as_str()[m.end()..].trim().is_empty())
                .then(|| find_date(m.as_str()))?
        })
        .next()
}

/// Picks the article date from the sources in order of trust.
pub fn article_date(
    metadata: Option<Date>,
    file_name: &str,
    text: &str,
    modified: Date,
) -> ArticleDate {
    if let Some(date) = metadata {
        return ArticleDate { date, origin: DateOrigin::Metadata };
    }
    if let Some(date) = from_file_name(file_name) {
        return ArticleDate { date, origin: DateOrigin::FileName };
    }
    if let Some(date) = from_text(text) {
        return ArticleDate { date, origin: DateOrigin::Dateline };
    }
    ArticleDate { date: modified, origin: DateOrigin::FileModified }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn metadata_formats() {
        assert_eq!(parse_loose("2025-04-08T10:30:00Z"), Some(d("2025-04-08")));
        assert_eq!(parse_loose("2025-04-08"), Some(d("2025-04-08")));
        assert_eq!(parse_loose("Tue, 08 Apr 2025 10:00:00 +0000"), Some(d("2025-04-08")));
        assert_eq!(parse_loose("April 8, 2025"), Some(d("2025-04-08")));
        assert_eq!(parse_loose("8 April 2025"), Some(d("2025-04-08")));
        assert_eq!(parse_loose("soon"), None);
    }

    #[test]
    fn updated_line_wins_over_dates_in_sentences() {
        let text = "US discusses tariffs\nA collage of images created on April 8, 2024, shows ...\nShort Url\nUpdated 08 April 2025\n\nWASHINGTON: ...";
        assert_eq!(from_text(text), Some(d("2025-04-08")));
    }

    #[test]
    fn relative_update_stamp_is_not_a_date() {
        assert_eq!(from_text("Headline\nUpdated 7 sec ago\nBody text here."), None);
    }

    #[test]
    fn dateline_and_date_only_line() {
        assert_eq!(from_text("WASHINGTON, July 31, 2025 — The US cut ..."), Some(d("2025-07-31")));
        assert_eq!(from_text("Headline\nJuly 31, 2025\nBody."), Some(d("2025-07-31")));
        assert_eq!(from_text("These talks, which took place on April 7, 2025, ..."), None);
    }

    #[test]
    fn file_name_prefix() {
        assert_eq!(from_file_name("2025-07-31-deal.md"), Some(d("2025-07-31")));
        assert_eq!(from_file_name("2025-07-31.txt"), Some(d("2025-07-31")));
        assert_eq!(from_file_name("deal-2025-07-31.md"), None);
        assert_eq!(from_file_name("2025-13-01-x.md"), None);
    }
}
