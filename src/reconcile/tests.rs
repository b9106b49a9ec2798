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
        subject: key
            .split('@')
            .next()
            .unwrap_or_default()
            .split(':')
            .skip(1)
            .map(String::from)
            .collect(),
        period: key.split_once('@').map(|(_, p)| p.to_string()),
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
    run_with(&Rules::default(), articles)
}

/// [`run`] under the given rules.
fn run_with(
    rules: &Rules,
    articles: &[(&[Claim], &str)],
) -> (Vec<Vec<Option<EventType>>>, HashMap<String, Fact>) {
    let (changes, facts) = run_changes(rules, articles);
    (changes.iter().map(|a| a.iter().map(Change::event_type).collect()).collect(), facts)
}

/// Every change per article, and the facts at the end.
fn run_changes(
    rules: &Rules,
    articles: &[(&[Claim], &str)],
) -> (Vec<Vec<Change>>, HashMap<String, Fact>) {
    let mut facts: HashMap<String, Fact> = HashMap::new();
    let mut out = Vec::new();
    for (claims, now) in articles {
        let changes = reconcile(claims, &facts, at(now), rules);
        for c in &changes {
            if let Some(f) = c.fact() {
                facts.insert(f.key.clone(), f.clone());
            }
        }
        out.push(changes);
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
        sources: vec![],
        conflict: None,
    };
    let just_before = at("2025-07-09").checked_sub(jiff::SignedDuration::from_secs(1)).expect("t");
    assert!(expire(&[fact("2025-07-09")], &HashMap::new(), just_before, &rules).is_empty());
    let expired = expire(&[fact("2025-07-09")], &HashMap::new(), at("2025-07-09"), &rules);
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].event_type(), Some(EventType::Expired));
    let f = expired[0].fact().expect("fact");
    assert_eq!(f.current.status.as_deref(), Some("expired"));
    assert_eq!(f.previous.as_ref().and_then(|p| p.status.as_deref()), Some("active"));
    assert!(expire(&[fact("2025-07")], &HashMap::new(), at("2025-07-31"), &rules).is_empty());
    assert_eq!(expire(&[fact("2025-07")], &HashMap::new(), at("2025-08-01"), &rules).len(), 1);
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
    let expired = expire(&all, &HashMap::new(), at("2025-07-10"), &rules);
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

// ---------------------------------------------------------------------------------------
// Sources, conflicts, flips back, scope and threats.

/// The trade pack's relations: `tariff_pause` has a general key of one role, and
/// `tariff_rate` realises `tariff_threat`.
fn trade_rules() -> Rules {
    let mut r = Rules::default();
    r.scoped.insert("tariff_pause".into(), 1);
    r.realises.insert("tariff_rate".into(), "tariff_threat".into());
    r
}

const CN: &str = "tariff_rate:US:CN";

fn with_previous(mut c: Claim, previous: f64) -> Claim {
    c.stated_previous = Some(previous);
    c
}

#[test]
fn a_second_source_with_the_same_value_adds_a_source_and_never_alerts() {
    let (events, facts) = run(&[
        (&[figure(CN, 30.0, "percent", None, "2025-05-12", "reuters.md")], "2025-05-12"),
        (&[figure(CN, 30.0, "percent", None, "2025-05-12", "ap.md")], "2025-05-12"),
        (&[figure(CN, 30.0, "percent", None, "2025-05-14", "dawn.md")], "2025-05-14"),
        // The same content saved twice under one path is one source.
        (&[figure(CN, 30.0, "percent", None, "2025-05-15", "ap.md")], "2025-05-15"),
    ]);
    assert_eq!(events[1..], [vec![None], vec![None], vec![None]]);
    assert_eq!(facts[CN].sources, ["reuters.md", "ap.md", "dawn.md"]);
    assert_eq!(facts[CN].confirmed, day("2025-05-15"));
}

#[test]
fn two_sources_of_one_date_that_disagree_open_one_conflict_that_a_later_article_settles() {
    let first = [figure(CN, 125.0, "percent", None, "2025-04-10", "a.md")];
    let second = [figure(CN, 145.0, "percent", None, "2025-04-10", "b.md")];
    let (events, facts) = run(&[(&first, "2025-04-10"), (&second, "2025-04-10")]);
    assert_eq!(events[1], vec![Some(EventType::Conflict)]);
    let f = &facts[CN];
    assert_eq!(f.current.value, Some(125.0), "the held value stays until it is settled");
    assert_eq!(f.conflict.as_ref().and_then(|c| c.value), Some(145.0));
    assert_eq!(f.revision, 1);

    // More reports from b.md, or a third value of the same date, add nothing.
    let (events, _) = run(&[
        (&first, "2025-04-10"),
        (&second, "2025-04-10"),
        (&[figure(CN, 145.0, "percent", None, "2025-04-11", "b.md")], "2025-04-11"),
        (&[figure(CN, 104.0, "percent", None, "2025-04-10", "c.md")], "2025-04-11"),
    ]);
    assert_eq!(events[2..], [vec![None], vec![None]]);

    // A second source for the other value settles it: one ordinary change.
    let (events, facts) = run(&[
        (&first, "2025-04-10"),
        (&second, "2025-04-10"),
        (&[figure(CN, 145.0, "percent", None, "2025-04-11", "c.md")], "2025-04-11"),
    ]);
    assert_eq!(events[2], vec![Some(EventType::Changed)]);
    let f = &facts[CN];
    assert_eq!(
        (f.current.value, f.previous.as_ref().and_then(|p| p.value)),
        (Some(145.0), Some(125.0))
    );
    assert_eq!(f.sources, ["b.md", "c.md"]);
    assert!(f.conflict.is_none());

    // A second source for the held value settles it the other way, without an alert.
    let (changes, facts) = run_changes(
        &Rules::default(),
        &[
            (&first, "2025-04-10"),
            (&second, "2025-04-10"),
            (&[figure(CN, 125.0, "percent", None, "2025-04-11", "c.md")], "2025-04-11"),
        ],
    );
    assert_eq!(changes[2][0].event_type(), None);
    assert_eq!(changes[2][0].label(), "settled");
    assert!(facts[CN].conflict.is_none());
    assert_eq!(facts[CN].current.value, Some(125.0));
}

#[test]
fn a_conflict_that_never_settles_alerts_once_and_does_not_grow() {
    // The two disputing outlets keep repeating themselves, page update after page update.
    let reports: Vec<(Vec<Claim>, &str)> = (0..200)
        .map(|i| {
            let (value, source) = if i % 2 == 0 { (125.0, "a.md") } else { (145.0, "b.md") };
            (vec![figure(CN, value, "percent", None, "2025-04-10", source)], "2025-04-10")
        })
        .collect();
    let articles: Vec<(&[Claim], &str)> = reports.iter().map(|(c, d)| (c.as_slice(), *d)).collect();
    let (events, facts) = run(&articles);
    let alerts: Vec<EventType> = events.iter().flatten().flatten().copied().collect();
    assert_eq!(alerts, [EventType::New, EventType::Conflict]);
    let f = &facts[CN];
    assert_eq!(f.current.value, Some(125.0));
    assert_eq!(f.conflict.as_ref().and_then(|c| c.value), Some(145.0));
    assert_eq!(f.sources, ["a.md"]);
    assert_eq!(f.revision, 1);
}

#[test]
fn a_same_day_report_that_names_the_value_it_replaces_is_a_change_not_a_conflict() {
    let (events, facts) = run(&[
        (&[figure(CN, 125.0, "percent", None, "2025-04-10", "a.md")], "2025-04-10"),
        (
            &[with_previous(figure(CN, 145.0, "percent", None, "2025-04-10", "b.md"), 125.0)],
            "2025-04-10",
        ),
    ]);
    assert_eq!(events[1], vec![Some(EventType::Changed)]);
    assert_eq!(facts[CN].current.value, Some(145.0));
}

#[test]
fn a_flip_back_from_one_source_within_the_window_is_held_and_outside_it_is_a_change() {
    let articles = |flip: &'static str| {
        vec![
            (vec![figure(CN, 145.0, "percent", None, "2025-04-10", "a.md")], "2025-04-10"),
            (vec![figure(CN, 30.0, "percent", None, "2025-05-12", "b.md")], "2025-05-12"),
            (vec![figure(CN, 145.0, "percent", None, flip, "c.md")], flip),
        ]
    };
    let run_owned = |a: Vec<(Vec<Claim>, &str)>| {
        let borrowed: Vec<(&[Claim], &str)> = a.iter().map(|(c, n)| (c.as_slice(), *n)).collect();
        run(&borrowed)
    };
    let (events, facts) = run_owned(articles("2025-05-15"));
    assert_eq!(events[2], vec![Some(EventType::Conflict)], "3 days after the cut");
    assert_eq!(facts[CN].current.value, Some(30.0));
    let (events, facts) = run_owned(articles("2025-05-16"));
    assert_eq!(events[2], vec![Some(EventType::Changed)], "4 days after: a real reversal");
    assert_eq!(facts[CN].current.value, Some(145.0));

    // The window is a setting.
    let rules = Rules { reversal_window_days: 0, ..Rules::default() };
    let a = articles("2025-05-13");
    let borrowed: Vec<(&[Claim], &str)> = a.iter().map(|(c, n)| (c.as_slice(), *n)).collect();
    let (events, _) = run_with(&rules, &borrowed);
    assert_eq!(events[2], vec![Some(EventType::Changed)]);
}

const GENERAL: &str = "tariff_pause:US";

#[test]
fn country_pauses_set_from_the_general_one_follow_it_and_a_country_deal_does_not() {
    let rules = trade_rules();
    let (changes, facts) = run_changes(
        &rules,
        &[
            (
                &[
                    status(GENERAL, "active", Some("2025-07-09"), "2025-04-09", "a.md"),
                    status(
                        "tariff_pause:US:PK",
                        "active",
                        Some("2025-07-09"),
                        "2025-04-09",
                        "a.md",
                    ),
                    status(
                        "tariff_pause:US:VN",
                        "active",
                        Some("2025-07-09"),
                        "2025-04-09",
                        "a.md",
                    ),
                ],
                "2025-04-09",
            ),
            // Vietnam's own deal: a different value, so it no longer follows.
            (&[status("tariff_pause:US:VN", "ended", None, "2025-07-02", "deal.md")], "2025-07-02"),
            (
                &[status(GENERAL, "active", Some("2025-08-01"), "2025-07-07", "ext.md")],
                "2025-07-07",
            ),
        ],
    );
    let last: Vec<(&str, Option<EventType>, Option<&str>)> =
        changes[2].iter().map(|c| (c.key(), c.event_type(), c.cause())).collect();
    assert_eq!(
        last,
        [
            (GENERAL, Some(EventType::DeadlineChanged), None),
            ("tariff_pause:US:PK", Some(EventType::DeadlineChanged), Some(GENERAL)),
        ]
    );
    assert_eq!(facts["tariff_pause:US:PK"].current.until, Deadline::parse("2025-08-01"));
    assert_eq!(facts["tariff_pause:US:PK"].sources, ["ext.md"]);
    assert_eq!(facts["tariff_pause:US:VN"].current.status.as_deref(), Some("ended"));

    // Neither country expires on July 9 now: only what still lapses is due.
    let all: Vec<Fact> = facts.values().cloned().collect();
    assert!(expire(&all, &HashMap::new(), at("2025-07-10"), &rules).is_empty());
}

#[test]
fn an_article_that_states_the_country_itself_decides_it_once() {
    let rules = trade_rules();
    let pk = "tariff_pause:US:PK";
    let (changes, facts) = run_changes(
        &rules,
        &[
            (
                &[
                    status(GENERAL, "active", Some("2025-07-09"), "2025-04-09", "a.md"),
                    status(pk, "active", Some("2025-07-09"), "2025-04-09", "a.md"),
                ],
                "2025-04-09",
            ),
            // The country comes first in the article; the general key is still judged first.
            (
                &[
                    status(pk, "ended", None, "2025-07-07", "b.md"),
                    status(GENERAL, "active", Some("2025-08-01"), "2025-07-07", "b.md"),
                ],
                "2025-07-07",
            ),
        ],
    );
    let keys: Vec<(&str, Option<EventType>)> =
        changes[1].iter().map(|c| (c.key(), c.event_type())).collect();
    assert_eq!(keys, [(GENERAL, Some(EventType::DeadlineChanged)), (pk, Some(EventType::Changed))]);
    assert_eq!(facts[pk].current.status.as_deref(), Some("ended"));
}

#[test]
fn a_late_country_report_of_the_general_s_old_deadline_makes_no_key_that_would_expire() {
    let rules = trade_rules();
    let (changes, facts) = run_changes(
        &rules,
        &[
            (&[status(GENERAL, "active", Some("2025-07-09"), "2025-04-09", "a.md")], "2025-04-09"),
            (&[status(GENERAL, "active", Some("2025-08-01"), "2025-07-07", "b.md")], "2025-07-07"),
            (
                &[status("tariff_pause:US:KH", "active", Some("2025-07-09"), "2025-07-08", "c.md")],
                "2025-07-08",
            ),
        ],
    );
    assert_eq!(changes[2][0].event_type(), None);
    assert_eq!(changes[2][0].label(), "stale");
    assert!(!facts.contains_key("tariff_pause:US:KH"));
}

#[test]
fn countries_lapsing_with_the_general_pause_say_so_and_a_moved_deadline_is_followed() {
    let rules = trade_rules();
    let pause = |key: &str, until: &str| {
        let (_, facts) = run_with(
            &rules,
            &[(&[status(key, "active", Some(until), "2025-04-09", "a.md")], "2025-04-09")],
        );
        facts[key].clone()
    };
    let general = pause(GENERAL, "2025-07-09");
    let pk = pause("tariff_pause:US:PK", "2025-07-09");
    let expired = expire(&[general.clone(), pk.clone()], &HashMap::new(), at("2025-07-09"), &rules);
    let got: Vec<(&str, Option<EventType>, Option<&str>)> =
        expired.iter().map(|c| (c.key(), c.event_type(), c.cause())).collect();
    assert_eq!(
        got,
        [
            (GENERAL, Some(EventType::Expired), None),
            ("tariff_pause:US:PK", Some(EventType::Expired), Some(GENERAL)),
        ]
    );
    assert!(expired[0].fact().is_some_and(|f| f.sources.is_empty()));

    // The general pause moved on while a country key still holds its old deadline.
    let mut moved = pause(GENERAL, "2025-08-01");
    moved.previous = Some(general.current.clone());
    let others: HashMap<String, Fact> = [(GENERAL.to_string(), moved)].into();
    let followed = expire(&[pk], &others, at("2025-07-09"), &rules);
    assert_eq!(followed.len(), 1);
    assert_eq!(followed[0].event_type(), Some(EventType::DeadlineChanged));
    assert_eq!(followed[0].cause(), Some(GENERAL));
    let f = followed[0].fact().expect("fact");
    assert_eq!(f.current.until, Deadline::parse("2025-08-01"));
}

#[test]
fn a_threat_is_realised_when_its_rate_comes_into_force() {
    let rules = trade_rules();
    let threat = "tariff_threat:US:IN";
    let rate = "tariff_rate:US:IN";
    let (changes, facts) = run_changes(
        &rules,
        &[
            (&[figure(threat, 50.0, "percent", None, "2025-08-06", "a.md")], "2025-08-06"),
            (&[figure(rate, 25.0, "percent", None, "2025-08-07", "b.md")], "2025-08-07"),
            (&[figure(rate, 50.0, "percent", None, "2025-08-27", "c.md")], "2025-08-27"),
            (&[figure(threat, 50.0, "percent", None, "2025-08-28", "d.md")], "2025-08-28"),
        ],
    );
    assert_eq!(changes[1].len(), 1, "25% is not the 50% threatened");
    let realised: Vec<(&str, Option<EventType>, Option<&str>)> =
        changes[2].iter().map(|c| (c.key(), c.event_type(), c.cause())).collect();
    assert_eq!(
        realised,
        [(rate, Some(EventType::Changed), None), (threat, Some(EventType::Changed), Some(rate))]
    );
    let t = &facts[threat];
    assert_eq!((t.current.value, t.current.status.as_deref()), (Some(50.0), Some(REALISED)));
    assert_eq!(changes[3][0].event_type(), None, "restating the realised threat is quiet");
    let e =
        alert_event(&changes[2][1], at("2025-08-27"), "US threatened tariff on IN").expect("event");
    assert_eq!(e.data.summary, "US threatened tariff on IN: 50% -> 50% (realised)");
    assert_eq!(e.data.cause.as_deref(), Some(rate));
}

#[test]
fn alert_bodies_carry_the_conflict_the_cause_and_the_stated_previous_value() {
    let rules = trade_rules();
    let (changes, _) = run_changes(
        &rules,
        &[
            (&[figure(CN, 125.0, "percent", None, "2025-04-10", "a.md")], "2025-04-10"),
            (&[figure(CN, 145.0, "percent", None, "2025-04-10", "b.md")], "2025-04-10"),
        ],
    );
    let e = alert_event(&changes[1][0], at("2025-04-10"), "US tariff on CN").expect("event");
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(json["type"], "fact.conflict");
    assert_eq!(json["data"]["current"]["value"], 125.0);
    assert_eq!(json["data"]["current"]["source"], "a.md");
    assert_eq!(json["data"]["conflict"]["value"], 145.0);
    assert_eq!(json["data"]["conflict"]["quote"], "quote from b.md");
    assert!(json["data"]["previous"].is_null());
    assert_eq!(
        e.data.summary,
        "US tariff on CN: conflicting reports: 125% (a.md, held) vs 145% (b.md)"
    );

    let (changes, _) = run_changes(
        &rules,
        &[
            (&[figure(CN, 125.0, "percent", None, "2025-04-10", "a.md")], "2025-04-10"),
            (
                &[with_previous(figure(CN, 30.0, "percent", None, "2025-05-12", "b.md"), 145.0)],
                "2025-05-12",
            ),
        ],
    );
    let e = alert_event(&changes[1][0], at("2025-05-12"), "US tariff on CN").expect("event");
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(json["data"]["previous"]["value"], 125.0, "what factwatch held");
    assert_eq!(json["data"]["stated_previous"], 145.0, "what the article says it replaced");
    assert!(json["data"].get("conflict").is_none() && json["data"].get("cause").is_none());
}

#[test]
fn a_source_stating_one_key_many_times_is_one_claim_and_dates_running_backwards_are_stale() {
    let many: Vec<Claim> = (0..40)
        .map(|i| figure(CN, f64::from(10 + i), "percent", None, "2025-04-10", "list.md"))
        .collect();
    let (events, facts) = run(&[
        (&many, "2025-04-10"),
        (&[figure(CN, 99.0, "percent", None, "2025-01-01", "old.md")], "2025-04-10"),
        (&[figure(CN, 98.0, "percent", None, "1970-01-01", "older.md")], "2025-04-10"),
    ]);
    assert_eq!(events[0], vec![Some(EventType::New)]);
    assert_eq!(events[1..], [vec![None], vec![None]]);
    assert_eq!(facts[CN].current.value, Some(10.0));
}

#[test]
fn an_article_calling_an_expired_pause_ended_confirms_it_quietly() {
    let key = "tariff_pause:US";
    let rules = Rules::default();
    let (_, facts) =
        run(&[(&[status(key, "active", Some("2025-08-01"), "2025-07-07", "a")], "2025-07-07")]);
    let all: Vec<Fact> = facts.values().cloned().collect();
    let expired = expire(&all, &HashMap::new(), at("2025-08-01"), &rules);
    let facts: HashMap<_, _> =
        expired.iter().filter_map(Change::fact).map(|f| (f.key.clone(), f.clone())).collect();
    let ended = reconcile(
        &[status(key, "ended", None, "2025-08-01", "b")],
        &facts,
        at("2025-08-01"),
        &rules,
    );
    assert_eq!(ended[0].event_type(), None, "over either way: no second alert");
    let f = ended[0].fact().expect("fact");
    assert_eq!(f.current.status.as_deref(), Some("ended"), "the article's word is kept");
    assert_eq!(f.sources, ["b"]);
    // An active claim after the expiry is news.
    let revived = reconcile(
        &[status(key, "active", Some("2025-09-01"), "2025-08-02", "c")],
        &facts,
        at("2025-08-02"),
        &rules,
    );
    assert_eq!(revived[0].event_type(), Some(EventType::Changed));
}
