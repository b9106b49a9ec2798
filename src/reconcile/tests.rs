//! The change rules, one test each, on hand-built claims and facts.

use super::*;
use crate::model::Kind;

fn day(s: &str) -> jiff::civil::Date {
    s.parse().expect("date")
}

fn at(s: &str) -> Timestamp {
    day(s).to_zoned(TimeZone::UTC).expect("zoned").timestamp()
}

fn figure(
    key: &str,
    value: f64,
    unit: &str,
    q: Option<Qualifier>,
    as_of: &str,
    source: &str,
) -> Claim {
    Claim {
        source: source.into(),
        key: key.into(),
        metric: key.split(':').next().unwrap_or_default().into(),
        subject: vec!["US".into(), "PK".into()],
        period: None,
        kind: Kind::Figure,
        value: Some(value),
        unit: Some(unit.into()),
        qualifier: q,
        status: None,
        until: None,
        as_of: day(as_of),
        span: [0, 1],
        quote: format!("quote from {source}"),
        stated_previous: None,
    }
}

fn status(key: &str, s: &str, until: Option<&str>, as_of: &str, source: &str) -> Claim {
    Claim {
        kind: Kind::Status,
        value: None,
        unit: None,
        status: Some(s.into()),
        until: until.and_then(Deadline::parse),
        ..figure(key, 0.0, "x", None, as_of, source)
    }
}

/// Runs claims through reconcile one article at a time, applying each change to the facts
/// the way the store does, and returns the event types per article.
fn run(articles: &[(&[Claim], &str)]) -> (Vec<Vec<Option<EventType>>>, HashMap<String, Fact>) {
    let rules = Rules::default();
    let mut facts: HashMap<String, Fact> = HashMap::new();
    let mut out = Vec::new();
    for (claims, now) in articles {
        let changes = reconcile(claims, &facts, at(now), &rules);
        out.push(changes.iter().map(Change::event_type).collect());
        for c in changes {
            if let Some(f) = c.fact() {
                facts.insert(f.key.clone(), f.clone());
            }
        }
    }
    (out, facts)
}

const RATE: &str = "tariff_rate:US:PK";

#[test]
fn first_sighting_is_new() {
    let (events, facts) =
        run(&[(&[figure(RATE, 29.0, "percent", None, "2025-04-08", "a")], "2025-04-08")]);
    assert_eq!(events, vec![vec![Some(EventType::New)]]);
    assert_eq!(facts[RATE].current.value, Some(29.0));
}

#[test]
fn newer_different_figure_is_changed_with_previous() {
    let (events, facts) = run(&[
        (&[figure(RATE, 29.0, "percent", None, "2025-04-08", "a")], "2025-04-08"),
        (&[figure(RATE, 19.0, "percent", None, "2025-07-31", "b")], "2025-07-31"),
    ]);
    assert_eq!(events[1], vec![Some(EventType::Changed)]);
    let f = &facts[RATE];
    assert_eq!(f.current.value, Some(19.0));
    assert_eq!(f.previous.as_ref().and_then(|p| p.value), Some(29.0));
    assert_eq!(f.revision, 1);
}

#[test]
fn older_claim_never_changes_the_fact() {
    let (events, facts) = run(&[
        (&[figure(RATE, 19.0, "percent", None, "2025-07-31", "july")], "2025-08-01"),
        (&[figure(RATE, 29.0, "percent", None, "2025-04-08", "april")], "2025-08-01"),
    ]);
    assert_eq!(events[1], vec![None]);
    assert_eq!(facts[RATE].current.value, Some(19.0));
}

#[test]
fn restating_the_same_value_does_not_alert_and_moves_confirmation() {
    let (events, facts) = run(&[
        (&[figure(RATE, 29.0, "percent", None, "2025-04-08", "a")], "2025-04-08"),
        (&[figure(RATE, 29.0, "percent", None, "2025-05-01", "b")], "2025-05-01"),
        // Older than the May restatement, so it cannot change the fact even though it is
        // newer than the April value.
        (&[figure(RATE, 19.0, "percent", None, "2025-04-20", "c")], "2025-05-02"),
    ]);
    assert_eq!(events[1], vec![None]);
    assert_eq!(events[2], vec![None]);
    assert_eq!(facts[RATE].confirmed, day("2025-05-01"));
    assert_eq!(facts[RATE].current.value, Some(29.0));
}

#[test]
fn about_restatement_within_precision_does_not_alert() {
    let key = "trade_volume:PK:US@2024";
    let (events, facts) = run(&[
        (&[figure(key, 5.1e9, "USD", None, "2025-04-01", "a")], "2025-04-01"),
        (&[figure(key, 5e9, "USD", Some(Qualifier::About), "2025-05-01", "b")], "2025-05-01"),
    ]);
    assert_eq!(events[1], vec![None]);
    assert_eq!(facts[key].current.value, Some(5.1e9), "the precise value is kept");
}

#[test]
fn surpassing_restatement_does_not_alert() {
    let key = "trade_volume:PK:US@2024";
    let (events, _) = run(&[
        (&[figure(key, 7.3e9, "USD", None, "2025-04-01", "a")], "2025-04-01"),
        (&[figure(key, 7e9, "USD", Some(Qualifier::Over), "2025-05-01", "b")], "2025-05-01"),
    ]);
    assert_eq!(events[1], vec![None]);
}

#[test]
fn over_claim_below_the_stored_value_is_a_change() {
    let key = "trade_volume:PK:US@2024";
    let (events, _) = run(&[
        (&[figure(key, 6.5e9, "USD", None, "2025-04-01", "a")], "2025-04-01"),
        (&[figure(key, 7e9, "USD", Some(Qualifier::Over), "2025-05-01", "b")], "2025-05-01"),
    ]);
    assert_eq!(events[1], vec![Some(EventType::Changed)]);
}

#[test]
fn rounded_money_does_not_alert_but_rates_are_exact() {
    let key = "trade_deficit:US:PK@2024";
    let (events, facts) = run(&[
        (&[figure(key, 3e9, "USD", None, "2025-04-01", "a")], "2025-04-01"),
        (&[figure(key, 3.2e9, "USD", None, "2025-05-01", "b")], "2025-05-01"),
        (&[figure(RATE, 29.0, "percent", None, "2025-04-01", "a")], "2025-05-01"),
        (&[figure(RATE, 30.0, "percent", None, "2025-06-01", "c")], "2025-06-01"),
    ]);
    assert_eq!(events[1], vec![None]);
    assert_eq!(facts[key].current.value, Some(3.2e9), "the more precise figure refines the fact");
    assert_eq!(events[3], vec![Some(EventType::Changed)]);
}

#[test]
fn tolerance_per_metric_absorbs_small_moves() {
    let key = "trade_volume:PK:US@2024";
    let mut rules = Rules::default();
    rules.tolerance.insert("trade_volume".into(), 0.05);
    let first = reconcile(
        &[figure(key, 7.31e9, "USD", None, "2025-04-01", "a")],
        &HashMap::new(),
        at("2025-04-01"),
        &rules,
    );
    let facts: HashMap<_, _> =
        first.iter().filter_map(Change::fact).map(|f| (f.key.clone(), f.clone())).collect();
    let second = reconcile(
        &[figure(key, 7.52e9, "USD", None, "2025-05-01", "b")],
        &facts,
        at("2025-05-01"),
        &rules,
    );
    assert_eq!(second[0].event_type(), None);
    let third = reconcile(
        &[figure(key, 8.2e9, "USD", None, "2025-05-01", "b")],
        &facts,
        at("2025-05-01"),
        &rules,
    );
    assert_eq!(third[0].event_type(), Some(EventType::Changed));
}

#[test]
fn status_move_is_changed_and_new_deadline_is_deadline_changed() {
    let key = "tariff_pause:US";
    let (events, facts) = run(&[
        (&[status(key, "active", Some("2025-07-09"), "2025-04-09", "a")], "2025-04-09"),
        (&[status(key, "active", Some("2025-08-01"), "2025-07-07", "b")], "2025-07-07"),
        (&[status(key, "ended", None, "2025-07-20", "c")], "2025-07-20"),
    ]);
    assert_eq!(events[1], vec![Some(EventType::DeadlineChanged)]);
    assert_eq!(events[2], vec![Some(EventType::Changed)]);
    assert_eq!(facts[key].current.status.as_deref(), Some("ended"));
}

#[test]
fn month_deadline_refined_to_a_day_is_not_a_change() {
    let key = "tariff_pause:US";
    let (events, facts) = run(&[
        (&[status(key, "active", Some("2025-07"), "2025-04-09", "a")], "2025-04-09"),
        (&[status(key, "active", Some("2025-07-09"), "2025-04-20", "b")], "2025-04-20"),
        (&[status(key, "active", None, "2025-05-01", "c")], "2025-05-01"),
    ]);
    assert_eq!(events[1], vec![None]);
    assert_eq!(events[2], vec![None]);
    assert_eq!(facts[key].current.until, Deadline::parse("2025-07-09"));
}

#[test]
fn a_deadline_appearing_is_a_deadline_change() {
    let key = "tariff_pause:US";
    let (events, _) = run(&[
        (&[status(key, "active", None, "2025-04-09", "a")], "2025-04-09"),
        (&[status(key, "active", Some("2025-07-09"), "2025-04-20", "b")], "2025-04-20"),
    ]);
    assert_eq!(events[1], vec![Some(EventType::DeadlineChanged)]);
}

#[test]
fn deadline_expires_at_start_of_day_and_month_deadline_at_end_of_month() {
    let rules = Rules::default();
    let fact = |until: &str| Fact {
        key: "tariff_pause:US".into(),
        metric: "tariff_pause".into(),
        subject: vec!["US".into()],
        period: None,
        kind: Kind::Status,
        current: Observation::from_claim(&status(
            "tariff_pause:US",
            "active",
            Some(until),
            "2025-04-09",
            "a",
        )),
        previous: None,
        confirmed: day("2025-04-09"),
        revision: 0,
    };
    let just_before = at("2025-07-09").checked_sub(jiff::SignedDuration::from_secs(1)).expect("t");
    assert!(expire(&[fact("2025-07-09")], just_before, &rules).is_empty());
    let expired = expire(&[fact("2025-07-09")], at("2025-07-09"), &rules);
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].event_type(), Some(EventType::Expired));
    let f = expired[0].fact().expect("fact");
    assert_eq!(f.current.status.as_deref(), Some("expired"));
    assert_eq!(f.previous.as_ref().and_then(|p| p.status.as_deref()), Some("active"));
    assert!(expire(&[fact("2025-07")], at("2025-07-31"), &rules).is_empty());
    assert_eq!(expire(&[fact("2025-07")], at("2025-08-01"), &rules).len(), 1);
}

#[test]
fn deadline_in_another_time_zone_starts_that_zone_s_day() {
    let tz = TimeZone::get("America/New_York").expect("tzdb");
    let rules = Rules { tz: tz.clone(), ..Rules::default() };
    let until = Deadline::parse("2025-07-09").expect("deadline");
    assert_eq!(lapse_instant(until, &rules.tz).to_string(), "2025-07-09T04:00:00Z");
}

#[test]
fn restating_a_lapsed_deadline_does_not_revive_an_expired_status() {
    let key = "tariff_pause:US";
    let rules = Rules::default();
    let (_, facts) =
        run(&[(&[status(key, "active", Some("2025-07-09"), "2025-04-09", "a")], "2025-04-09")]);
    let all: Vec<Fact> = facts.values().cloned().collect();
    let expired = expire(&all, at("2025-07-10"), &rules);
    let facts: HashMap<_, _> =
        expired.iter().filter_map(Change::fact).map(|f| (f.key.clone(), f.clone())).collect();
    let late = reconcile(
        &[status(key, "active", Some("2025-07-09"), "2025-07-08", "late")],
        &facts,
        at("2025-07-10"),
        &rules,
    );
    assert_eq!(late[0].event_type(), None);
    let extended = reconcile(
        &[status(key, "active", Some("2025-08-01"), "2025-07-08", "ext")],
        &facts,
        at("2025-07-10"),
        &rules,
    );
    assert_eq!(
        extended[0].event_type(),
        Some(EventType::Changed),
        "an extension that arrives after the expiry revives the status"
    );
}

#[test]
fn edit_in_place_on_the_same_day_is_a_change() {
    let (events, _) = run(&[
        (&[figure(RATE, 29.0, "percent", None, "2025-07-31", "a.md")], "2025-07-31"),
        (&[figure(RATE, 19.0, "percent", None, "2025-07-31", "a.md")], "2025-07-31"),
    ]);
    assert_eq!(events[1], vec![Some(EventType::Changed)]);
}

#[test]
fn same_day_article_repeating_the_replaced_value_does_not_flip_back() {
    let (events, facts) = run(&[
        (&[figure(RATE, 29.0, "percent", None, "2025-04-08", "april")], "2025-04-08"),
        (&[figure(RATE, 19.0, "percent", None, "2025-07-31", "deal")], "2025-07-31"),
        (&[figure(RATE, 29.0, "percent", None, "2025-07-31", "background")], "2025-07-31"),
    ]);
    assert_eq!(events[1], vec![Some(EventType::Changed)]);
    assert_eq!(events[2], vec![None]);
    assert_eq!(facts[RATE].current.value, Some(19.0));
}

#[test]
fn unit_change_is_a_change() {
    let key = "x:US";
    let (events, _) = run(&[
        (&[figure(key, 90.0, "days", None, "2025-04-08", "a")], "2025-04-08"),
        (&[figure(key, 90.0, "percent", None, "2025-05-08", "b")], "2025-05-08"),
    ]);
    assert_eq!(events[1], vec![Some(EventType::Changed)]);
}

#[test]
fn event_ids_are_stable_for_one_change_and_differ_between_changes() {
    let (_, facts) =
        run(&[(&[figure(RATE, 29.0, "percent", None, "2025-04-08", "a")], "2025-04-08")]);
    let rules = Rules::default();
    let c = reconcile(
        &[figure(RATE, 19.0, "percent", None, "2025-07-31", "b")],
        &facts,
        at("2025-07-31"),
        &rules,
    );
    let e1 = alert_event(&c[0], at("2025-07-31"), "US tariff on PK").expect("event");
    let e2 = alert_event(&c[0], at("2025-08-02"), "US tariff on PK").expect("event");
    assert_eq!(e1.id, e2.id, "detection time is not part of the id");
    assert!(e1.id.starts_with("evt_") && e1.id.len() == 30);
    assert_eq!(e1.data.summary, "US tariff on PK: 29% -> 19%");
    let json = serde_json::to_value(&e1).expect("json");
    assert_eq!(json["type"], "fact.changed");
    assert_eq!(json["timestamp"], "2025-07-31T00:00:00Z");
    assert_eq!(json["data"]["previous"]["value"], 29.0);
    assert_eq!(json["data"]["current"]["as_of"], "2025-07-31");
    assert!(json["data"]["current"].get("qualifier").is_none());
    let new = reconcile(
        &[figure("tariff_rate:US:CN", 30.0, "percent", None, "2025-05-12", "c")],
        &facts,
        at("2025-05-12"),
        &rules,
    );
    let e3 = alert_event(&new[0], at("2025-05-12"), "US tariff on CN").expect("event");
    assert_ne!(e3.id, e1.id);
    assert!(e3.data.previous.is_none());
    assert_eq!(e3.data.summary, "US tariff on CN: 30% (new)");
}

#[test]
fn summaries_read_well() {
    let mut o = Observation::from_claim(&figure(
        RATE,
        4.22e9,
        "USD",
        Some(Qualifier::Over),
        "2025-04-08",
        "a",
    ));
    assert_eq!(event::show(&o), "over $4.22B");
    o.value = Some(450e6);
    o.qualifier = None;
    assert_eq!(event::show(&o), "$450M");
    let s = Observation::from_claim(&status("p", "active", Some("2025-07"), "2025-04-08", "a"));
    assert_eq!(event::show(&s), "active until 2025-07");
}

#[test]
fn last_digit_units() {
    assert_eq!(last_digit_unit(5e9), 1e9);
    assert_eq!(last_digit_unit(5.1e9), 1e8);
    assert_eq!(last_digit_unit(29.0), 1.0);
    assert!((last_digit_unit(2.5) - 0.1).abs() < 1e-12);
    assert_eq!(last_digit_unit(0.0), 1.0);
}
