//! Change semantics across keys and sources, with articles written for these tests: the
//! general pause and the country pauses that follow it, exceptions, sources that agree or
//! disagree, flips back, threats realised, same-day arrivals in any order, and a story of
//! several months from five outlets' styles (`tests/fixtures/story/`). Each runs through
//! `replay`, and the scenarios a feed meets every day also through the running daemon.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::end_to_end::runtime;
use crate::support::daemon::{Workspace, eventually};
use crate::support::receiver::Receiver;

const WAIT: Duration = Duration::from_secs(20);

fn article(date: &str, body: &str) -> String {
    format!("---\ndate: {date}\n---\n{body}\n")
}

/// The events `replay --json` prints for the workspace's folder.
fn replay_events(ws: &Workspace, extra: &[&str]) -> Vec<Value> {
    let dir = ws.articles.to_str().expect("utf-8 path").to_string();
    let mut args = vec!["replay", "--json"];
    args.extend_from_slice(extra);
    args.push(&dir);
    let out = ws.factwatch(&args);
    assert!(out.status.success(), "replay failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event per line"))
        .collect()
}

/// An event as a reader checks it: day, type, key, summary, and the key it followed.
fn brief(e: &Value) -> (String, String, String, String, String) {
    let s = |x: &Value| x.as_str().unwrap_or_default().to_string();
    let day = s(&e["timestamp"]).chars().take(10).collect();
    (day, s(&e["type"]), s(&e["data"]["key"]), s(&e["data"]["summary"]), s(&e["data"]["cause"]))
}

fn row(
    day: &str,
    t: &str,
    key: &str,
    summary: &str,
    cause: &str,
) -> (String, String, String, String, String) {
    (day.into(), t.into(), key.into(), summary.into(), cause.into())
}

fn briefs(events: &[Value]) -> Vec<(String, String, String, String, String)> {
    events.iter().map(brief).collect()
}

/// The bodies a receiver got, in arrival order.
fn bodies(rx: &Receiver) -> Vec<Value> {
    rx.requests().iter().map(|r| r.json()).collect()
}

fn facts_json(ws: &Workspace, pattern: &str) -> Vec<Value> {
    let out = ws.factwatch(&["facts", "--json", pattern]);
    assert!(out.status.success(), "facts failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a fact per line"))
        .collect()
}

const GENERAL: &str = "tariff_pause:US";

/// A general pause, two countries whose pauses were set from it, and one of them that makes
/// its own deal before the general pause is extended.
fn pause_story() -> Vec<(&'static str, String)> {
    let files = vec![
        (
            "2025-04-09-pause.md",
            article(
                "2025-04-09",
                "President Trump suspended the higher tariffs on most countries until July 9. The suspension, which runs until July 9, applies to Chile and Peru.",
            ),
        ),
        (
            "2025-06-20-peru-deal.md",
            article(
                "2025-06-20",
                "Peru reached a trade deal with Washington on Friday, ending the suspension of tariffs on Peruvian goods.",
            ),
        ),
        (
            "2025-07-07-extension.md",
            article(
                "2025-07-07",
                "The White House on Monday extended the pause on reciprocal tariffs until August 1.",
            ),
        ),
    ];
    files
}

fn expected_pause_story() -> Vec<(String, String, String, String, String)> {
    vec![
        row(
            "2025-04-09",
            "fact.new",
            GENERAL,
            "US tariff pause: active until 2025-07-09 (new)",
            "",
        ),
        row(
            "2025-04-09",
            "fact.new",
            "tariff_pause:US:PE",
            "US tariff pause on PE: active until 2025-07-09 (new)",
            "",
        ),
        row(
            "2025-04-09",
            "fact.new",
            "tariff_pause:US:CL",
            "US tariff pause on CL: active until 2025-07-09 (new)",
            "",
        ),
        row(
            "2025-06-20",
            "fact.changed",
            "tariff_pause:US:PE",
            "US tariff pause on PE: active until 2025-07-09 -> ended",
            "",
        ),
        row(
            "2025-07-07",
            "fact.deadline_changed",
            GENERAL,
            "US tariff pause: active until 2025-07-09 -> active until 2025-08-01",
            "",
        ),
        row(
            "2025-07-07",
            "fact.deadline_changed",
            "tariff_pause:US:CL",
            "US tariff pause on CL: active until 2025-07-09 -> active until 2025-08-01",
            GENERAL,
        ),
        row(
            "2025-08-01",
            "fact.expired",
            GENERAL,
            "US tariff pause: active until 2025-08-01 -> expired",
            "",
        ),
        row(
            "2025-08-01",
            "fact.expired",
            "tariff_pause:US:CL",
            "US tariff pause on CL: active until 2025-08-01 -> expired",
            GENERAL,
        ),
    ]
}

#[test]
fn countries_set_from_the_general_pause_follow_it_and_one_with_its_own_deal_does_not() {
    let ws = Workspace::new(None, None, "", "");
    for (name, text) in pause_story() {
        ws.write(name, &text);
    }
    let events = replay_events(&ws, &["--until", "2025-09-01"]);
    assert_eq!(briefs(&events), expected_pause_story());
}

#[test]
fn the_daemon_sends_what_replay_promises_for_the_general_pause_and_its_countries() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    // The clock starts on the first article's day, so the deadlines lie ahead of it.
    let mut d = ws.start(&["--now", "2025-04-09T00:00:00Z"]);
    let files = pause_story();
    let mut sent = 0;
    for (name, text) in &files {
        ws.write(name, text);
        let r = d.wait_for_record("article recorded", "path", name, WAIT);
        sent += r["alerts"].as_u64().unwrap_or(0) as usize;
    }
    let got = rt.block_on(rx.wait_for(sent, WAIT));
    assert_eq!(got.len(), 6, "no deadline has passed on the daemon's clock");
    // The daemon's clock is in April: the same events as replay up to the extension.
    let want: Vec<_> =
        expected_pause_story().into_iter().take(6).map(|(_, t, k, s, c)| (t, k, s, c)).collect();
    let have: Vec<_> = bodies(&rx).iter().map(brief).map(|(_, t, k, s, c)| (t, k, s, c)).collect();
    let (mut want, mut have) = (want, have);
    want.sort();
    have.sort();
    assert_eq!(have, want);
    let facts = facts_json(&ws, "tariff_pause:*");
    let until: Vec<(&str, &str, &str)> = facts
        .iter()
        .map(|f| {
            (
                f["key"].as_str().unwrap_or_default(),
                f["status"].as_str().unwrap_or_default(),
                f["until"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        until,
        [
            (GENERAL, "active", "2025-08-01"),
            ("tariff_pause:US:CL", "active", "2025-08-01"),
            ("tariff_pause:US:PE", "ended", ""),
        ]
    );
}

#[test]
fn an_exception_for_one_country_keeps_its_own_deadline() {
    let ws = Workspace::new(None, None, "", "");
    ws.write(
        "2025-04-09-pause.md",
        &article(
            "2025-04-09",
            "Washington paused the higher tariffs on most countries until July 9.",
        ),
    );
    ws.write(
        "2025-07-07-order.md",
        &article(
            "2025-07-07",
            "The order extends the pause on country-specific tariffs until August 1, 2025, with one exception: Kenya. For Kenyan goods the suspension remains in place until August 12, 2025.",
        ),
    );
    let events = replay_events(&ws, &["--until", "2025-09-01"]);
    assert_eq!(
        briefs(&events),
        [
            row(
                "2025-04-09",
                "fact.new",
                GENERAL,
                "US tariff pause: active until 2025-07-09 (new)",
                ""
            ),
            row(
                "2025-07-07",
                "fact.deadline_changed",
                GENERAL,
                "US tariff pause: active until 2025-07-09 -> active until 2025-08-01",
                ""
            ),
            row(
                "2025-07-07",
                "fact.new",
                "tariff_pause:US:KE",
                "US tariff pause on KE: active until 2025-08-12 (new)",
                ""
            ),
            row(
                "2025-08-01",
                "fact.expired",
                GENERAL,
                "US tariff pause: active until 2025-08-01 -> expired",
                ""
            ),
            row(
                "2025-08-12",
                "fact.expired",
                "tariff_pause:US:KE",
                "US tariff pause on KE: active until 2025-08-12 -> expired",
                ""
            ),
        ]
    );
}

#[test]
fn sources_that_agree_add_up_and_sources_that_disagree_open_one_conflict_until_settled() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    let mut d = ws.start(&["--now", "2025-04-10T12:00:00Z"]);
    let key = "tariff_rate:US:CN";

    ws.write(
        "wire.md",
        &article(
            "2025-04-10",
            "Chinese goods now face a 125% US tariff, officials said on Thursday.",
        ),
    );
    d.wait_for_record("article recorded", "path", "wire.md", WAIT);
    ws.write(
        "daily.md",
        &article(
            "2025-04-10",
            "Exporters in Shenzhen are cancelling orders over the 125% tariff on Chinese goods.",
        ),
    );
    let r = d.wait_for_record("article recorded", "path", "daily.md", WAIT);
    assert_eq!(r["alerts"], 0, "a second source with the same value never alerts: {r}");
    let f = &facts_json(&ws, key)[0];
    assert_eq!(f["sources"], 2, "{f}");
    let list: Vec<&str> = f["source_list"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(list.len(), 2);
    assert!(list[0].ends_with("wire.md") && list[1].ends_with("daily.md"), "{list:?}");

    ws.write(
        "blog.md",
        &article("2025-04-10", "Chinese goods face a total US tariff of 145%, by our count."),
    );
    d.wait_for_record("article recorded", "path", "blog.md", WAIT);
    let got = rt.block_on(rx.wait_for(2, WAIT));
    let conflict = got[1].json();
    assert_eq!(conflict["type"], "fact.conflict", "{conflict}");
    assert_eq!(conflict["data"]["current"]["value"], 125.0);
    assert_eq!(conflict["data"]["conflict"]["value"], 145.0);
    assert!(conflict["data"]["conflict"]["quote"].as_str().is_some_and(|q| q.contains("145%")));
    assert!(conflict["data"]["current"]["quote"].as_str().is_some_and(|q| q.contains("125%")));
    let f = &facts_json(&ws, key)[0];
    assert_eq!((f["value"].as_f64(), f["conflict"]["value"].as_f64()), (Some(125.0), Some(145.0)));

    // The conflicting source saying it again (its page updated) adds nothing.
    ws.write(
        "blog.md",
        &article(
            "2025-04-10",
            "Update: our count stands. Chinese goods face a total US tariff of 145%.",
        ),
    );
    eventually(WAIT, "the update recorded", || {
        (d.records("article recorded")
            .iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/blog.md")))
            .count()
            == 2)
            .then_some(())
    });
    assert_eq!(rx.count(), 2, "no second conflict alert");

    // A later report settles it: one ordinary change.
    ws.write(
        "gazette.md",
        &article(
            "2025-04-11",
            "The White House confirmed that the US tariff on Chinese goods is 145%.",
        ),
    );
    d.wait_for_record("article recorded", "path", "gazette.md", WAIT);
    let got = rt.block_on(rx.wait_for(3, WAIT));
    let settled = got[2].json();
    assert_eq!(settled["type"], "fact.changed");
    assert_eq!(settled["data"]["summary"], "US tariff on CN: 125% -> 145%");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.count(), 3);
    let f = &facts_json(&ws, key)[0];
    assert!(f["conflict"].is_null(), "{f}");

    let history = ws.factwatch(&["history", key]);
    let text = String::from_utf8_lossy(&history.stdout);
    let changes: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("2025-"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert_eq!(changes, ["new", "restated", "conflict", "stale", "changed"], "{text}");
    assert!(text.contains("state different values for 2025-04-10"), "history says why:\n{text}");
    assert!(text.contains("repeats its conflicting value"), "{text}");
}

fn flip_back(ws: &Workspace) {
    ws.write("2025-04-10-rate.md", &article("2025-04-10", "Chinese goods face a 145% US tariff."));
    ws.write("2025-05-12-cut.md", &article("2025-05-12", "The United States cut its tariff on Chinese goods to 30% from 145% after talks in Geneva."));
    // A stale figure from one outlet, two days after the cut.
    ws.write(
        "2025-05-14-stale.md",
        &article("2025-05-14", "Retailers say Chinese goods face a 145% US tariff."),
    );
    ws.write(
        "2025-05-16-wire.md",
        &article("2025-05-16", "Importers welcomed the 30% US tariff on Chinese goods."),
    );
}

#[test]
fn a_flip_back_from_one_source_within_the_window_is_held_and_later_it_is_a_change() {
    let ws = Workspace::new(None, None, "", "");
    flip_back(&ws);
    ws.write(
        "2025-06-20-raised.md",
        &article(
            "2025-06-20",
            "Chinese goods face a 145% US tariff again after the talks collapsed.",
        ),
    );
    let events = replay_events(&ws, &[]);
    let key = "tariff_rate:US:CN";
    assert_eq!(
        briefs(&events),
        [
            row("2025-04-10", "fact.new", key, "US tariff on CN: 145% (new)", ""),
            row("2025-05-12", "fact.changed", key, "US tariff on CN: 145% -> 30%", ""),
            row("2025-05-14", "fact.conflict", key, "US tariff on CN: conflicting reports: 30% (ARTICLES/2025-05-12-cut.md, held) vs 145% (ARTICLES/2025-05-14-stale.md)", ""),
            row("2025-06-20", "fact.changed", key, "US tariff on CN: 30% -> 145%", ""),
        ]
        .map(|(d, t, k, s, c)| (d, t, k, s.replace("ARTICLES", ws.articles.to_str().unwrap_or_default()), c))
    );
    assert_eq!(events[1]["data"]["stated_previous"], 145.0, "the article names the old value");
    assert!(events[3]["data"].get("stated_previous").is_none());

    // With no window, the stale figure is taken as a reversal.
    let ws = Workspace::new(None, None, "", "[reconcile]\nreversal_window = \"0d\"\n");
    flip_back(&ws);
    let types: Vec<String> = replay_events(&ws, &[]).iter().map(|e| brief(e).1).collect();
    assert_eq!(types, ["fact.new", "fact.changed", "fact.changed", "fact.changed"]);
}

#[test]
fn a_threat_is_realised_when_its_rate_takes_effect() {
    let ws = Workspace::new(None, None, "", "");
    ws.write("2025-08-06-threat.md", &article("2025-08-06", "President Trump threatened to raise the tariff on Indian goods to 50% over its purchases of Russian oil."));
    ws.write(
        "2025-08-27-effect.md",
        &article(
            "2025-08-27",
            "The 50% tariff on Indian goods took effect on Wednesday, US customs said.",
        ),
    );
    let events = replay_events(&ws, &[]);
    assert_eq!(
        briefs(&events),
        [
            row(
                "2025-08-06",
                "fact.new",
                "tariff_threat:US:IN",
                "US threatened tariff on IN: 50% (new)",
                ""
            ),
            row("2025-08-27", "fact.new", "tariff_rate:US:IN", "US tariff on IN: 50% (new)", ""),
            row(
                "2025-08-27",
                "fact.changed",
                "tariff_threat:US:IN",
                "US threatened tariff on IN: 50% -> 50% (realised)",
                "tariff_rate:US:IN"
            ),
        ]
    );
    let realised = &events[2]["data"]["current"];
    assert_eq!(
        (realised["value"].as_f64(), realised["status"].as_str()),
        (Some(50.0), Some("realised"))
    );
    assert!(realised["source"].as_str().is_some_and(|s| s.ends_with("2025-08-27-effect.md")));
}

/// Three articles of one story; the last two share a date and the older text of the two
/// may arrive last.
fn same_day(ws: &Workspace, late_name: &str) {
    ws.write(
        "2025-05-11-rate.md",
        &article("2025-05-11", "Chinese goods face a 145% US tariff ahead of talks in Geneva."),
    );
    ws.write(
        "2025-05-12-cut.md",
        &article(
            "2025-05-12",
            "The United States cut its tariff on Chinese goods to 30% from 145% after the talks.",
        ),
    );
    ws.write(
        late_name,
        &article(
            "2025-05-12",
            "Delegates arrived in Geneva, where Chinese goods face a 145% US tariff.",
        ),
    );
}

#[test]
fn articles_of_one_day_give_the_same_events_in_any_order_of_arrival() {
    // The daemon: the older text of the day arrives after the cut and changes nothing.
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    let mut d = ws.start(&["--now", "2025-05-12T12:00:00Z"]);
    same_day(&ws, "2025-05-12-z-morning.md");
    for name in ["2025-05-11-rate.md", "2025-05-12-cut.md", "2025-05-12-z-morning.md"] {
        d.wait_for_record("article recorded", "path", name, WAIT);
    }
    let got = rt.block_on(rx.wait_for(2, WAIT));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.count(), 2);
    let sent: Vec<(String, String, String)> = got
        .iter()
        .map(|r| r.json())
        .map(|e| (brief(&e).1, brief(&e).3, e["id"].as_str().unwrap_or_default().to_string()))
        .collect();
    assert_eq!(
        sent.iter().map(|(t, s, _)| (t.as_str(), s.as_str())).collect::<Vec<_>>(),
        [
            ("fact.new", "US tariff on CN: 145% (new)"),
            ("fact.changed", "US tariff on CN: 145% -> 30%")
        ]
    );
    let _ = d.stop();
    // Replay orders a day's articles by path: the older text last, then first. Both give
    // the daemon's events with the daemon's ids.
    let ids = |ws: &Workspace| -> Vec<(String, String, String)> {
        replay_events(ws, &[])
            .iter()
            .map(|e| (brief(e).1, brief(e).3, e["id"].as_str().unwrap_or_default().to_string()))
            .collect()
    };
    assert_eq!(ids(&ws), sent);
    std::fs::rename(
        ws.articles.join("2025-05-12-z-morning.md"),
        ws.articles.join("2025-05-12-a-morning.md"),
    )
    .expect("rename");
    assert_eq!(ids(&ws), sent, "the same events and ids whatever the order within the day");
}

#[test]
fn a_clock_that_jumps_back_between_runs_loses_nothing_and_revives_nothing() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    let d = ws.start(&["--now", "2025-07-10T00:00:00Z"]);
    ws.write(
        "2025-04-09-pause.md",
        &article(
            "2025-04-09",
            "Washington paused the higher tariffs on most countries until July 9.",
        ),
    );
    rt.block_on(rx.wait_for(1, WAIT));
    let _ = d.stop();
    let before = facts_json(&ws, "*");
    assert_eq!(before[0]["status"], "expired", "read after its deadline: {:?}", before);
    // The clock now stands three months earlier.
    let mut d = ws.start(&["--now", "2025-04-01T00:00:00Z"]);
    ws.write("2025-04-02-rate.md", &article("2025-04-02", "Chinese goods face a 34% US tariff."));
    d.wait_for_record("article recorded", "path", "2025-04-02-rate.md", WAIT);
    let after = facts_json(&ws, GENERAL);
    assert_eq!(after[0]["status"], "expired", "an earlier clock does not revive a status");
    assert_eq!(facts_json(&ws, "*").len(), 2);
}

/// A several-month story from five outlets' styles (wire copy, a Karachi daily's HTML
/// pages, a JSON feed, a blog in Markdown with front matter, a gazette's HTML): restatements,
/// retrospectives that name old rates, two reports that disagree, a flip back from a stale
/// figure, a deal that ends one country's pause, the general pause extended and ended by the
/// clock, a threat realised and a truce of its own.
#[test]
fn a_story_of_nineteen_articles_from_five_outlets_replays_to_exactly_the_expected_events() {
    let ws = Workspace::new(None, None, "", "");
    let story = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/story");
    let mut n = 0;
    for entry in std::fs::read_dir(&story).expect("the story fixtures") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("name").to_string();
        ws.write(&name, &std::fs::read_to_string(&path).expect("read"));
        n += 1;
    }
    assert_eq!(n, 19);
    let events = replay_events(&ws, &["--until", "2026-12-01"]);
    let dir = ws.articles.to_str().unwrap_or_default().to_string();
    let got: Vec<_> = briefs(&events)
        .into_iter()
        .map(|(d, t, k, s, c)| (d, t, k, s.replace(&dir, "."), c))
        .collect();
    let want = vec![
        row(
            "2025-04-02",
            "fact.new",
            "baseline_tariff_rate:US",
            "US baseline tariff: 10% (new)",
            "",
        ),
        row("2025-04-02", "fact.new", "tariff_rate:US:PK", "US tariff on PK: 29% (new)", ""),
        row("2025-04-02", "fact.new", "tariff_rate:US:VN", "US tariff on VN: 46% (new)", ""),
        row("2025-04-02", "fact.new", "tariff_rate:US:CN", "US tariff on CN: 34% (new)", ""),
        row(
            "2025-04-09",
            "fact.new",
            GENERAL,
            "US tariff pause: active until 2025-07-09 (new)",
            "",
        ),
        row(
            "2025-04-09",
            "fact.new",
            "tariff_pause:US:VN",
            "US tariff pause on VN: active until 2025-07-09 (new)",
            "",
        ),
        row(
            "2025-04-09",
            "fact.new",
            "tariff_pause:US:PK",
            "US tariff pause on PK: active until 2025-07-09 (new)",
            "",
        ),
        row("2025-04-09", "fact.changed", "tariff_rate:US:CN", "US tariff on CN: 34% -> 125%", ""),
        row(
            "2025-04-10",
            "fact.conflict",
            "tariff_rate:US:CN",
            "US tariff on CN: conflicting reports: 125% (./2025-04-09-feed-pause.json, held) vs 145% (./2025-04-10-zz-blog-china.md)",
            "",
        ),
        row("2025-04-11", "fact.changed", "tariff_rate:US:CN", "US tariff on CN: 125% -> 145%", ""),
        row("2025-05-12", "fact.changed", "tariff_rate:US:CN", "US tariff on CN: 145% -> 30%", ""),
        row("2025-07-02", "fact.changed", "tariff_rate:US:VN", "US tariff on VN: 46% -> 20%", ""),
        row(
            "2025-07-02",
            "fact.changed",
            "tariff_pause:US:VN",
            "US tariff pause on VN: active until 2025-07-09 -> ended",
            "",
        ),
        row(
            "2025-07-07",
            "fact.deadline_changed",
            GENERAL,
            "US tariff pause: active until 2025-07-09 -> active until 2025-08-01",
            "",
        ),
        row(
            "2025-07-07",
            "fact.deadline_changed",
            "tariff_pause:US:PK",
            "US tariff pause on PK: active until 2025-07-09 -> active until 2025-08-01",
            GENERAL,
        ),
        row(
            "2025-07-10",
            "fact.new",
            "tariff_threat:US:BR",
            "US threatened tariff on BR: 50% (new)",
            "",
        ),
        row("2025-07-31", "fact.changed", "tariff_rate:US:PK", "US tariff on PK: 29% -> 19%", ""),
        row(
            "2025-08-01",
            "fact.expired",
            GENERAL,
            "US tariff pause: active until 2025-08-01 -> expired",
            "",
        ),
        row(
            "2025-08-01",
            "fact.expired",
            "tariff_pause:US:PK",
            "US tariff pause on PK: active until 2025-08-01 -> expired",
            GENERAL,
        ),
        row("2025-08-06", "fact.new", "tariff_rate:US:BR", "US tariff on BR: 50% (new)", ""),
        row(
            "2025-08-06",
            "fact.changed",
            "tariff_threat:US:BR",
            "US threatened tariff on BR: 50% -> 50% (realised)",
            "tariff_rate:US:BR",
        ),
        row(
            "2025-08-11",
            "fact.new",
            "tariff_pause:US:CN",
            "US tariff pause on CN: active until 2025-11-10 (new)",
            "",
        ),
        row(
            "2025-11-04",
            "fact.deadline_changed",
            "tariff_pause:US:CN",
            "US tariff pause on CN: active until 2025-11-10 -> active until 2026-11-10",
            "",
        ),
        row(
            "2026-11-10",
            "fact.expired",
            "tariff_pause:US:CN",
            "US tariff pause on CN: active until 2026-11-10 -> expired",
            "",
        ),
    ];
    assert_eq!(got, want);
    let stated: Vec<(String, f64)> = events
        .iter()
        .filter_map(|e| Some((brief(e).3, e["data"]["stated_previous"].as_f64()?)))
        .collect();
    assert_eq!(
        stated,
        [
            ("US tariff on CN: 145% -> 30%".to_string(), 145.0),
            ("US tariff on PK: 29% -> 19%".to_string(), 29.0)
        ]
    );
    // Replayed again, the same events with the same ids.
    let again: Vec<Value> = replay_events(&ws, &["--until", "2026-12-01"]);
    let ids = |v: &[Value]| v.iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&events), ids(&again));
}
