//! How old a fact's last confirmation is, and when an open-ended status counts as
//! unconfirmed. Display only: nothing here alerts.
//!
//! A figure stays true until an article says otherwise. A status with no deadline
//! ("the pause is active") is different: if no article has said so for months, readers
//! should see that it may have quietly ended. `facts.unconfirmed_after` sets how long.

use jiff::civil::Date;

use crate::model::{ENDED, EXPIRED, Fact, Kind};

/// Days from the fact's last confirmation (the newest article that stated its current
/// value) to `today`; zero when the article is dated in the future.
pub fn days_since_confirmed(fact: &Fact, today: Date) -> i64 {
    // `Date::until` counts in days unless asked for larger units.
    let days = fact.confirmed.until(today).map_or(0, |span| span.get_days());
    i64::from(days.max(0))
}

/// Whether a fact is an open-ended status (no deadline, neither ended nor expired) that no
/// article has confirmed for more than `after_days` days. Zero turns the rule off.
pub fn is_unconfirmed(fact: &Fact, today: Date, after_days: u32) -> bool {
    after_days > 0
        && fact.kind == Kind::Status
        && fact.current.until.is_none()
        && !matches!(fact.current.status.as_deref(), Some(ENDED | EXPIRED) | None)
        && days_since_confirmed(fact, today) > i64::from(after_days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Deadline, Observation};

    fn status(state: &str, until: Option<Deadline>, confirmed: &str) -> Fact {
        let confirmed: Date = confirmed.parse().expect("date");
        Fact {
            key: "tariff_pause:US".into(),
            metric: "tariff_pause".into(),
            subject: vec!["US".into()],
            period: None,
            kind: Kind::Status,
            current: Observation {
                value: None,
                unit: None,
                status: Some(state.into()),
                until,
                as_of: confirmed,
                source: "a.md".into(),
                quote: "q".into(),
                qualifier: None,
                stated_previous: None,
            },
            previous: None,
            confirmed,
            revision: 0,
            sources: vec![],
            conflict: None,
        }
    }

    #[test]
    fn only_open_ended_statuses_older_than_the_setting_are_unconfirmed() {
        let today: Date = "2026-12-01".parse().expect("date");
        let old = status("active", None, "2025-04-10");
        assert_eq!(days_since_confirmed(&old, today), 600);
        assert!(is_unconfirmed(&old, today, 90));
        assert!(!is_unconfirmed(&old, today, 0), "zero turns it off");
        assert!(!is_unconfirmed(&old, today, 600), "exactly the limit is still confirmed");
        assert!(!is_unconfirmed(&status("active", None, "2026-11-01"), today, 90));
        assert!(!is_unconfirmed(&status("ended", None, "2025-04-10"), today, 90));
        assert!(!is_unconfirmed(&status("expired", None, "2025-04-10"), today, 90));
        let dated = status("active", Deadline::parse("2027-01-01"), "2025-04-10");
        assert!(!is_unconfirmed(&dated, today, 90), "a deadline says when it ends");
        let mut figure = status("active", None, "2025-04-10");
        figure.kind = Kind::Figure;
        assert!(!is_unconfirmed(&figure, today, 90));
        assert_eq!(days_since_confirmed(&status("active", None, "2027-01-01"), today), 0);
    }
}
