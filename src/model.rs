//! The vocabulary that crosses module boundaries: `Article`, `Claim`, `Fact`, `Change`,
//! `AlertEvent` and the small value types inside them.
//!
//! These are plain data with serde derives. This module imports no other factwatch module and
//! does no I/O, so every stage can depend on it without depending on each other. The JSON
//! shapes of `Claim` (a line of `scan --json`) and `AlertEvent` (the webhook body, a line of
//! `replay --json`) are a public contract: field names and meanings must not change.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of some bytes: the identity of a file's content, and the basis of
/// event ids.
pub fn hex_sha256(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// An article read from the watched folder, decoded and stripped of its format.
///
/// `text` is what extraction reads and what claim spans index into: for `.txt` the decoded
/// file, for `.md` the body after the front matter, for `.html` the article text without the
/// page chrome, for `.json` the title and body joined by a blank line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// The path the article was read from, as shown to users and stored in provenance.
    pub source: String,
    /// The headline, when the format carries one apart from the body.
    pub title: Option<String>,
    /// The canonical URL, when the format carries one.
    pub url: Option<String>,
    /// The article text that claims are extracted from.
    pub text: String,
    /// The date the article speaks for, and where that date came from.
    pub date: ArticleDate,
    /// Hex SHA-256 of the raw file bytes: the identity of one version of the article.
    pub content_hash: String,
}

/// The date an article speaks for, used to order its claims against stored facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDate {
    /// The calendar date.
    pub date: Date,
    /// Where the date was found.
    pub origin: DateOrigin,
}

impl ArticleDate {
    /// Whether the date was read from the article itself, rather than guessed from the file.
    ///
    /// Relative dates in the text ("last year") are only resolved against a date the article
    /// states; a modification time says when a file was saved, not when the story was written.
    pub fn is_stated(&self) -> bool {
        self.origin != DateOrigin::FileModified
    }
}

/// Where an article's date came from, best source first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrigin {
    /// JSON `published`/`date`, front matter `date`, or HTML `article:published_time`/`<time>`.
    Metadata,
    /// A `YYYY-MM-DD` prefix of the file name.
    FileName,
    /// A dateline or an "Updated 08 April 2025" / "Published ..." line near the top.
    Dateline,
    /// The file's modification time: a guess, marked as such.
    FileModified,
}

impl DateOrigin {
    /// The stable lowercase name used in logs and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrigin::Metadata => "metadata",
            DateOrigin::FileName => "file_name",
            DateOrigin::Dateline => "dateline",
            DateOrigin::FileModified => "file_modified",
        }
    }

    /// The inverse of [`DateOrigin::as_str`].
    pub fn parse(s: &str) -> Option<DateOrigin> {
        Some(match s {
            "metadata" => DateOrigin::Metadata,
            "file_name" => DateOrigin::FileName,
            "dateline" => DateOrigin::Dateline,
            "file_modified" => DateOrigin::FileModified,
            _ => return None,
        })
    }
}

/// Whether a claim or fact is a number or a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A number with a unit: a rate, an amount, a count.
    Figure,
    /// A named state (`active`, `ended`, `expired`) with an optional deadline.
    Status,
}

impl Kind {
    /// The stable lowercase name used in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Figure => "figure",
            Kind::Status => "status",
        }
    }

    /// The inverse of [`Kind::as_str`].
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "figure" => Some(Kind::Figure),
            "status" => Some(Kind::Status),
            _ => None,
        }
    }
}

/// How a figure is hedged in the text: "surpassing $7 billion" is `Over`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// "over", "more than", "surpassing", "above": the true value is at least this.
    Over,
    /// "under", "less than", "below", "up to": the true value is at most this.
    Under,
    /// "about", "around", "nearly", "roughly", "some": the value is rounded.
    About,
}

impl Qualifier {
    /// The stable lowercase name used in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::Over => "over",
            Qualifier::Under => "under",
            Qualifier::About => "about",
        }
    }

    /// The inverse of [`Qualifier::as_str`].
    pub fn parse(s: &str) -> Option<Qualifier> {
        match s {
            "over" => Some(Qualifier::Over),
            "under" => Some(Qualifier::Under),
            "about" => Some(Qualifier::About),
            _ => None,
        }
    }
}

/// A status deadline: a day, or only a month when the text names no day ("until July").
///
/// Serialized as `YYYY-MM-DD` or `YYYY-MM`. A day deadline passes at the start of that day,
/// a month deadline at the end of that month (see `clock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Deadline {
    /// A known day.
    Day(Date),
    /// Only the month is known.
    Month {
        /// The year, e.g. 2025.
        year: i16,
        /// The month, 1 to 12.
        month: i8,
    },
}

impl Deadline {
    /// The first day that the deadline no longer covers: the day itself for a day deadline,
    /// the first of the next month for a month deadline.
    pub fn lapse_day(&self) -> Date {
        match *self {
            Deadline::Day(d) => d,
            Deadline::Month { year, month } => {
                let (y, m) =
                    if month >= 12 { (year.saturating_add(1), 1) } else { (year, month + 1) };
                Date::new(y, m, 1).unwrap_or(Date::MAX)
            }
        }
    }

    /// Whether two deadlines can describe the same day: equal, or a day inside a month.
    ///
    /// "until July" and "until July 9" do not contradict each other; the second is only more
    /// precise, so moving from one to the other is not a deadline change.
    pub fn is_compatible(&self, other: &Deadline) -> bool {
        match (*self, *other) {
            (Deadline::Day(a), Deadline::Day(b)) => a == b,
            (Deadline::Month { year, month }, Deadline::Month { year: y2, month: m2 }) => {
                year == y2 && month == m2
            }
            (Deadline::Day(d), Deadline::Month { year, month })
            | (Deadline::Month { year, month }, Deadline::Day(d)) => {
                d.year() == year && d.month() == month
            }
        }
    }

    /// Whether this deadline names a day rather than only a month.
    pub fn is_day(&self) -> bool {
        matches!(self, Deadline::Day(_))
    }

    /// Parses `YYYY-MM-DD` or `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Deadline> {
        let s = s.trim();
        if s.len() == 10 {
            return s.parse::<Date>().ok().map(Deadline::Day);
        }
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let year: i16 = y.parse().ok()?;
        let month: i8 = m.parse().ok()?;
        Date::new(year, month, 1).ok()?;
        Some(Deadline::Month { year, month })
    }
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deadline::Day(d) => write!(f, "{d}"),
            Deadline::Month { year, month } => write!(f, "{year:04}-{month:02}"),
        }
    }
}

impl Serialize for Deadline {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Deadline {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Deadline::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid deadline {s:?}: expected YYYY-MM-DD or YYYY-MM"
            ))
        })
    }
}

/// One fact as one article states it: the unit that `extract` hands on.
///
/// Its JSON form is a line of `factwatch scan --json` and is a public contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// The article's path.
    pub source: String,
    /// `metric:SUBJECT1[:SUBJECT2][@PERIOD]`, the identity of the fact.
    pub key: String,
    /// The metric name from the domain pack, e.g. `tariff_rate`.
    pub metric: String,
    /// The entity codes in the metric's role order, e.g. `["US", "PK"]` (imposer, target).
    pub subject: Vec<String>,
    /// The period the figure is for, e.g. `2024`, or null.
    pub period: Option<String>,
    /// `figure` or `status`.
    pub kind: Kind,
    /// The figure, normalized: percent as 29.0, money in whole units.
    pub value: Option<f64>,
    /// The unit of a figure: `percent`, `USD`, `days`, `count`...
    pub unit: Option<String>,
    /// How the figure is hedged, if at all.
    pub qualifier: Option<Qualifier>,
    /// The state of a status claim: `active`, `ended`, `expired`.
    pub status: Option<String>,
    /// The deadline of a status claim.
    pub until: Option<Deadline>,
    /// The date the claim speaks for (the article's date).
    pub as_of: Date,
    /// Byte range of the quote within `Article::text`.
    pub span: [usize; 2],
    /// The sentence the claim was read from.
    pub quote: String,
    /// The old value the article states itself ("from 145% to 30%"), when it does. Not part
    /// of the fact: an alert shows it beside the value factwatch held, so a receiver can see
    /// when a step was missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_previous: Option<f64>,
}

/// The value part of a fact at one moment: what `previous` and `current` show in an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The figure, if the fact is a figure.
    pub value: Option<f64>,
    /// The unit of the figure.
    pub unit: Option<String>,
    /// The state, if the fact is a status.
    pub status: Option<String>,
    /// The deadline of the state.
    pub until: Option<Deadline>,
    /// The date this value speaks for.
    pub as_of: Date,
    /// The article the value came from; for an expiry, the article that set the deadline.
    pub source: String,
    /// The sentence the value came from.
    pub quote: String,
    /// How the figure was hedged. Kept for the change rules; not part of the alert body.
    #[serde(skip)]
    pub qualifier: Option<Qualifier>,
    /// The old value the article stated beside this one ("from 145% to 30%"). The change
    /// rules read it (a claim that states the value it replaces is a change, not a
    /// conflict) and the alert shows it as `data.stated_previous`; it is not stored.
    #[serde(skip)]
    pub stated_previous: Option<f64>,
}

/// The status a lapsed deadline leads to.
pub const EXPIRED: &str = "expired";
/// A status that has ended by decision; its deadline no longer matters.
pub const ENDED: &str = "ended";
/// The status a threat takes when the rate it named comes into force.
pub const REALISED: &str = "realised";

impl Observation {
    /// The deadline at which this status stops holding, if it can lapse: a status with a
    /// deadline that is neither expired nor ended. Reconcile and the store's deadline index
    /// both ask this, so the clock never waits for a deadline the rules would not expire.
    pub fn lapsing_deadline(&self) -> Option<Deadline> {
        match self.status.as_deref() {
            None | Some(EXPIRED | ENDED) => None,
            Some(_) => self.until,
        }
    }

    /// The observation a claim makes.
    pub fn from_claim(claim: &Claim) -> Observation {
        Observation {
            value: claim.value,
            unit: claim.unit.clone(),
            status: claim.status.clone(),
            until: claim.until,
            as_of: claim.as_of,
            source: claim.source.clone(),
            quote: claim.quote.clone(),
            qualifier: claim.qualifier,
            stated_previous: claim.stated_previous,
        }
    }
}

/// The current value of one key, as the store holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// The fact's key.
    pub key: String,
    /// The metric name.
    pub metric: String,
    /// The entity codes in role order.
    pub subject: Vec<String>,
    /// The period, if any.
    pub period: Option<String>,
    /// `figure` or `status`.
    pub kind: Kind,
    /// The value now held.
    pub current: Observation,
    /// The value held before the last change, if any. Used to recognize a same-day article
    /// that only restates what a change just replaced.
    pub previous: Option<Observation>,
    /// The newest as-of date of any article that stated or restated the current value.
    ///
    /// A claim older than this cannot change the fact: a newer article already confirmed it.
    pub confirmed: Date,
    /// How many alerting changes (new, changed, deadline changed, expired, conflict) the
    /// fact has been through. Part of each event's id, so one change detected twice (after
    /// a crash) keeps its id while a later change that happens to look the same gets a new
    /// one.
    pub revision: u32,
    /// The articles that stated the current value, first one first, at most
    /// [`MAX_SOURCES`]. Empty when the clock set the value (an expiry).
    #[serde(default)]
    pub sources: Vec<String>,
    /// A different value another source stated for the same time, held until an article
    /// settles it; `current` stays what factwatch believes until then.
    #[serde(default)]
    pub conflict: Option<Observation>,
}

/// The most sources a fact lists: enough to show corroboration, bounded so a fact stated
/// by every article of a long story does not grow without end.
pub const MAX_SOURCES: usize = 32;

impl Fact {
    /// Adds an article to the sources of the current value, once.
    pub fn add_source(&mut self, source: &str) {
        if self.sources.len() < MAX_SOURCES && !self.sources.iter().any(|s| s == source) {
            self.sources.push(source.to_string());
        }
    }
}

/// The type of an alert event; the wire names are a public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// A key seen for the first time.
    #[serde(rename = "fact.new")]
    New,
    /// A figure or a status moved.
    #[serde(rename = "fact.changed")]
    Changed,
    /// The same status with a new deadline.
    #[serde(rename = "fact.deadline_changed")]
    DeadlineChanged,
    /// A status ran past its deadline with no article extending or ending it.
    #[serde(rename = "fact.expired")]
    Expired,
    /// Two sources state different values for the same time; factwatch holds the one it
    /// had until an article settles it.
    #[serde(rename = "fact.conflict")]
    Conflict,
}

impl EventType {
    /// Every event type, in a stable order.
    pub const ALL: [EventType; 5] = [
        EventType::New,
        EventType::Changed,
        EventType::DeadlineChanged,
        EventType::Expired,
        EventType::Conflict,
    ];

    /// The wire name, e.g. `fact.changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::New => "fact.new",
            EventType::Changed => "fact.changed",
            EventType::DeadlineChanged => "fact.deadline_changed",
            EventType::Expired => "fact.expired",
            EventType::Conflict => "fact.conflict",
        }
    }

    /// The inverse of [`EventType::as_str`].
    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What reconcile decided about one key: the unit that store records.
///
/// `Restated` and `Stale` change no alert-worthy state but are still recorded in history,
/// so `factwatch history KEY` shows every article that spoke about a fact and what was
/// decided about it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A key seen for the first time.
    New {
        /// The new fact.
        fact: Fact,
    },
    /// The value moved (`fact.changed`) or only the deadline did (`fact.deadline_changed`).
    Updated {
        /// `Changed` or `DeadlineChanged`.
        event: EventType,
        /// The fact as it now is; `fact.previous` is what it replaced.
        fact: Fact,
        /// The key whose change this one follows (a country pause following the general
        /// pause, a threat realised by the rate), when it was not stated for this key.
        cause: Option<String>,
    },
    /// A status ran out on its own.
    Expired {
        /// The fact as it now is (status `expired`); `fact.previous` is the lapsed status.
        fact: Fact,
        /// The general key that lapsed with it, when this key followed it.
        cause: Option<String>,
    },
    /// Another source states a different value for the same time: held, not applied.
    Conflict {
        /// The fact with `conflict` set; `current` is unchanged.
        fact: Fact,
        /// Why this is a conflict rather than a change.
        why: String,
    },
    /// A claim consistent with the stored value: no alert, but the confirmation may move on,
    /// a source is added, or an open conflict is settled in favour of the held value.
    Restated {
        /// The fact with its confirmation date (and perhaps a more precise value) updated.
        fact: Fact,
        /// The claim that restated it.
        claim: Observation,
        /// What the restatement decided beyond confirming, e.g. settling a conflict.
        why: Option<String>,
    },
    /// A claim that cannot change the fact (older news, a repeated conflicting report):
    /// kept in history only.
    Stale {
        /// The key of the fact.
        key: String,
        /// The claim that was not applied.
        claim: Observation,
        /// Why it was not applied.
        why: String,
    },
}

impl Change {
    /// The key this change is about.
    pub fn key(&self) -> &str {
        match self {
            Change::New { fact }
            | Change::Updated { fact, .. }
            | Change::Expired { fact, .. }
            | Change::Conflict { fact, .. }
            | Change::Restated { fact, .. } => &fact.key,
            Change::Stale { key, .. } => key,
        }
    }

    /// The alert event type, or `None` when the change is recorded without an alert.
    pub fn event_type(&self) -> Option<EventType> {
        match self {
            Change::New { .. } => Some(EventType::New),
            Change::Updated { event, .. } => Some(*event),
            Change::Expired { .. } => Some(EventType::Expired),
            Change::Conflict { .. } => Some(EventType::Conflict),
            Change::Restated { .. } | Change::Stale { .. } => None,
        }
    }

    /// The fact after the change, when the change updates it.
    pub fn fact(&self) -> Option<&Fact> {
        match self {
            Change::New { fact }
            | Change::Updated { fact, .. }
            | Change::Expired { fact, .. }
            | Change::Conflict { fact, .. }
            | Change::Restated { fact, .. } => Some(fact),
            Change::Stale { .. } => None,
        }
    }

    /// The key this change followed, when another key's change caused it.
    pub fn cause(&self) -> Option<&str> {
        match self {
            Change::Updated { cause, .. } | Change::Expired { cause, .. } => cause.as_deref(),
            _ => None,
        }
    }

    /// The history label: `new`, `changed`, `deadline_changed`, `expired`, `conflict`,
    /// `restated`, `settled` or `stale`.
    pub fn label(&self) -> &'static str {
        match self {
            Change::New { .. } => "new",
            Change::Updated { event: EventType::DeadlineChanged, .. } => "deadline_changed",
            Change::Updated { .. } => "changed",
            Change::Expired { .. } => "expired",
            Change::Conflict { .. } => "conflict",
            Change::Restated { why: Some(_), .. } => "settled",
            Change::Restated { .. } => "restated",
            Change::Stale { .. } => "stale",
        }
    }

    /// Why this was decided, in words, for history: the cause followed, the conflict, the
    /// reason a claim was not applied.
    pub fn why(&self) -> Option<String> {
        match self {
            Change::Updated { cause: Some(c), .. } | Change::Expired { cause: Some(c), .. } => {
                Some(format!("follows {c}"))
            }
            Change::Conflict { why, .. } | Change::Stale { why, .. } => Some(why.clone()),
            Change::Restated { why, .. } => why.clone(),
            _ => None,
        }
    }
}

/// The payload of an alert: the webhook body and a line of `replay --json`.
///
/// Follows the Standard Webhooks payload shape (`type`, `timestamp`, `data`). `id` is
/// derived from the change itself, so the same change detected again after a crash carries
/// the same id and receivers can deduplicate on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    /// `evt_` and 26 lowercase hex digits of a hash over the type and data.
    pub id: String,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the change was detected, by the daemon's clock (virtual in replay).
    pub timestamp: jiff::Timestamp,
    /// What changed.
    pub data: AlertData,
}

/// The `data` object of an alert event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertData {
    /// The fact's key.
    pub key: String,
    /// The metric name.
    pub metric: String,
    /// The entity codes in role order.
    pub subject: Vec<String>,
    /// The period, if any.
    pub period: Option<String>,
    /// `figure` or `status`.
    pub kind: Kind,
    /// The value before; null for `fact.new`.
    pub previous: Option<Observation>,
    /// The value now: for `fact.conflict`, the value factwatch holds.
    pub current: Observation,
    /// One readable line, e.g. `US tariff on PK: 29% -> 19%`.
    pub summary: String,
    /// The key whose change this one follows (`tariff_pause:US` for a country pause that
    /// followed the general one; the rate key for a threat realised), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// The old value the article itself stated ("from 145% to 30%"), beside `previous`, which
    /// is what factwatch held: when they differ, a step was missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_previous: Option<f64>,
    /// For `fact.conflict`: the other source's value and quote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<Observation>,
}

/// A pattern over fact keys: `*` matches any run of characters, everything else literally,
/// e.g. `tariff_rate:US:*`. Webhook filters (`keys`), `factwatch facts PATTERN` and alert
/// routing all match keys with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyPattern(String);

impl KeyPattern {
    /// Wraps a pattern.
    pub fn new(s: impl Into<String>) -> KeyPattern {
        KeyPattern(s.into())
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `key` matches.
    pub fn matches(&self, key: &str) -> bool {
        glob_match(self.0.as_bytes(), key.as_bytes())
    }
}

fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    // Iterative wildcard matching with one backtrack point: linear in practice, and it cannot
    // blow up on patterns with many stars the way naive recursion does.
    let (mut p, mut i) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while i < s.len() {
        if p < pat.len() && pat[p] != b'*' && pat[p] == s[i] {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some(p);
            mark = i;
            p += 1;
        } else if let Some(sp) = star {
            p = sp + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod key_pattern_tests {
    use super::KeyPattern;

    #[test]
    fn key_patterns_match_with_stars() {
        let p = KeyPattern::new("tariff_rate:US:*");
        assert!(p.matches("tariff_rate:US:PK"));
        assert!(!p.matches("tariff_rate:PK:US"));
        assert!(KeyPattern::new("*@2024").matches("trade_volume:PK:US@2024"));
        assert!(KeyPattern::new("*").matches(""));
        assert!(!KeyPattern::new("a*b*c").matches("aXbXd"));
    }
}
