//! The change rules end to end, with articles written for these tests: through `replay`
//! (a folder replayed in date order with a virtual clock) and through the running daemon
//! (arrival order, in-place edits, deadlines that pass while it runs or while it is down).

use std::time::Duration;

use crate::end_to_end::runtime;
use crate::support::daemon::Workspace;
use crate::support::receiver::Receiver;

const WAIT: Duration = Duration::from_secs(20);

fn article(date: &str, body: &str) -> String {
    format!("---\ndate: {date}\n---\n{body}\n")
}

/// Runs `replay --json` on the workspace's folder and returns (timestamp, type, key,
/// summary) per event, in the order printed.
fn replay(ws: &Workspace, extra: &[&str]) -> Vec<(String, String, String, String)> {
    let dir = ws.articles.to_str().expect("utf-8 path").to_string();
    let mut args = vec!["replay", "--json"];
    args.extend_from_slice(extra);
    args.push(&dir);
    let out = ws.factwatch(&args);
    assert!(out.status.success(), "replay failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("an event per line");
            let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
            (s(&v["timestamp"]), s(&v["type"]), s(&v["data"]["key"]), s(&v["data"]["summary"]))
        })
        .collect()
}

fn row(ts: &str, t: &str, key: &str, summary: &str) -> (String, String, String, String) {
    (ts.to_string(), t.to_string(), key.to_string(), summary.to_string())
}

#[test]
fn a_story_over_months_replays_exactly_the_expected_events() {
    let ws = Workspace::new(None, None, "", "");
    ws.write(
        "2025-04-02-rate.md",
        &article(
            "2025-04-02",
            "The United States imposed a 29% tariff on Pakistani goods on Wednesday.",
        ),
    );
    ws.write("2025-04-09-pause.md", &article("2025-04-09", "Washington announced a 90-day pause on the new tariffs on Pakistani goods. The pause runs until July 9."));
    // An older article arriving later in the folder's listing changes nothing.
    ws.write(
        "zz-late-copy.md",
        &article(
            "2025-04-20",
            "Pakistani exporters still face a 29% US tariff on Pakistani goods.",
        ),
    );
    ws.write(
        "2025-07-07-extended.md",
        &article(
            "2025-07-07",
            "The United States extended the pause on tariffs on Pakistani goods to August 1.",
        ),
    );
    ws.write("2025-07-31-deal.md", &article("2025-07-31", "Under a new trade deal the United States cut its tariff on Pakistani goods from 29% to 19%, ending the pause."));
    ws.write(
        "2025-08-10-restated.md",
        &article(
            "2025-08-10",
            "Exporters in Sialkot say the 19% US tariff on Pakistani goods still hurts.",
        ),
    );
    ws.write(
        "2025-09-01-vietnam.md",
        &article(
            "2025-09-01",
            "The United States paused its tariffs on Vietnamese goods until October 1.",
        ),
    );
    // The same article saved twice is counted once.
    ws.write(
        "copy-of-vietnam.md",
        &article(
            "2025-09-01",
            "The United States paused its tariffs on Vietnamese goods until October 1.",
        ),
    );

    let events = replay(&ws, &["--until", "2025-12-01"]);
    assert_eq!(
        events,
        vec![
            row(
                "2025-04-02T00:00:00Z",
                "fact.new",
                "tariff_rate:US:PK",
                "US tariff on PK: 29% (new)"
            ),
            row(
                "2025-04-09T00:00:00Z",
                "fact.new",
                "tariff_pause:US:PK",
                "US tariff pause on PK: active until 2025-07-09 (new)"
            ),
            row(
                "2025-07-07T00:00:00Z",
                "fact.deadline_changed",
                "tariff_pause:US:PK",
                "US tariff pause on PK: active until 2025-07-09 -> active until 2025-08-01"
            ),
            row(
                "2025-07-31T00:00:00Z",
                "fact.changed",
                "tariff_rate:US:PK",
                "US tariff on PK: 29% -> 19%"
            ),
            row(
                "2025-07-31T00:00:00Z",
                "fact.changed",
                "tariff_pause:US:PK",
                "US tariff pause on PK: active until 2025-08-01 -> ended"
            ),
            row(
                "2025-09-01T00:00:00Z",
                "fact.new",
                "tariff_pause:US:VN",
                "US tariff pause on VN: active until 2025-10-01 (new)"
            ),
            row(
                "2025-10-01T00:00:00Z",
                "fact.expired",
                "tariff_pause:US:VN",
                "US tariff pause on VN: active until 2025-10-01 -> expired"
            ),
        ]
    );
    // Without --until the clock stops at the last article: the Vietnam pause has not expired.
    let upto_last = replay(&ws, &[]);
    assert_eq!(upto_last.len(), 6);
    assert!(upto_last.iter().all(|e| e.1 != "fact.expired"));
}

#[test]
fn hedged_and_rounded_restatements_do_not_alert_but_a_revision_does() {
    let ws = Workspace::new(None, None, "", "");
    ws.write(
        "a.md",
        &article(
            "2025-03-01",
            "Bilateral trade between the United States and Pakistan reached $5.1 billion in 2024.",
        ),
    );
    ws.write(
        "b.md",
        &article(
            "2025-04-01",
            "Bilateral trade between the United States and Pakistan was about $5 billion in 2024.",
        ),
    );
    ws.write("c.md", &article("2025-05-01", "Bilateral trade between the two countries, the US and Pakistan, surpassed $5 billion in 2024."));
    ws.write("d.md", &article("2025-06-01", "Revised figures show bilateral trade between the United States and Pakistan reached $6.2 billion in 2024."));
    let events = replay(&ws, &[]);
    let kinds: Vec<(&str, &str)> = events.iter().map(|e| (e.1.as_str(), e.2.as_str())).collect();
    assert_eq!(
        kinds,
        vec![("fact.new", "trade_volume:PK:US@2024"), ("fact.changed", "trade_volume:PK:US@2024")]
    );
    assert_eq!(events[1].3, "PK-US trade volume 2024: $5.1B -> $6.2B");
}

#[test]
fn alert_filters_limit_event_types() {
    let ws = Workspace::new(None, None, "", "[alerts]\nevents = [\"fact.changed\"]\n");
    ws.write(
        "a.md",
        &article("2025-04-02", "The United States imposed a 29% tariff on Pakistani goods."),
    );
    ws.write(
        "b.md",
        &article("2025-07-31", "The United States cut its tariff on Pakistani goods to 19%."),
    );
    let events = replay(&ws, &[]);
    assert_eq!(events.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(), ["fact.changed"]);
}

#[test]
fn out_of_order_arrival_in_the_daemon_does_not_alert_and_is_kept_in_history() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    let mut d = ws.start(&[]);
    ws.write(
        "july.md",
        &article("2025-07-31", "The United States cut its tariff on Pakistani goods to 19%."),
    );
    rt.block_on(rx.wait_for(1, WAIT));
    ws.write(
        "april.md",
        &article("2025-04-08", "The United States imposed a 29% tariff on Pakistani goods."),
    );
    let r = d.wait_for_record("article recorded", "path", "april.md", WAIT);
    assert_eq!(r["alerts"], 0, "an older article never alerts: {r}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.count(), 1);

    let facts = ws.factwatch(&["facts", "--json"]);
    let fact: serde_json::Value = serde_json::from_slice(&facts.stdout).expect("one fact");
    assert_eq!(
        (fact["key"].as_str(), fact["value"].as_f64()),
        (Some("tariff_rate:US:PK"), Some(19.0))
    );
    let history = ws.factwatch(&["history", "tariff_rate:US:PK", "--json"]);
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&history.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("row"))
        .collect();
    let changes: Vec<(&str, f64)> = rows
        .iter()
        .map(|r| (r["change"].as_str().unwrap_or(""), r["value"].as_f64().unwrap_or(0.0)))
        .collect();
    assert_eq!(changes, [("new", 19.0), ("stale", 29.0)]);
}

#[test]
fn an_in_place_edit_alerts_only_for_what_changed() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    let mut d = ws.start(&[]);
    let before = article(
        "2025-04-08",
        "The United States imposed a 29% tariff on Pakistani goods. A 10% baseline tariff applies to all imports to the United States.",
    );
    ws.write("story.md", &before);
    rt.block_on(rx.wait_for(2, WAIT));
    let after = article(
        "2025-04-08",
        "Correction: the United States imposed a 19% tariff on Pakistani goods. A 10% baseline tariff applies to all imports to the United States, officials said.",
    );
    ws.write("story.md", &after);
    let got = rt.block_on(rx.wait_for(3, WAIT));
    let third = got[2].json();
    assert_eq!(
        (third["type"].as_str(), third["data"]["key"].as_str()),
        (Some("fact.changed"), Some("tariff_rate:US:PK"))
    );
    assert_eq!(third["data"]["summary"], "US tariff on PK: 29% -> 19%");
    // Touching the file (new mtime, same bytes) is not an edit.
    ws.write("story.md", &after);
    d.wait_for_record("unchanged", "path", "story.md", WAIT);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.count(), 3);
}

#[test]
fn a_deadline_expires_while_the_daemon_runs() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    // The clock starts six seconds before the deadline and runs on: time to start and read
    // the article first even on a loaded machine (after the deadline it would be born
    // expired, which is right but not what this test is about).
    let _d = ws.start(&["--now", "2025-07-08T23:59:54Z"]);
    ws.write(
        "pause.md",
        &article(
            "2025-07-01",
            "The United States paused its tariffs on Vietnamese goods until July 9.",
        ),
    );
    let got = rt.block_on(rx.wait_for(2, WAIT));
    let new = got[0].json();
    assert_eq!(
        (new["type"].as_str(), new["data"]["current"]["until"].as_str()),
        (Some("fact.new"), Some("2025-07-09"))
    );
    let expired = got[1].json();
    assert_eq!(expired["type"], "fact.expired");
    assert_eq!(expired["timestamp"], "2025-07-09T00:00:00Z");
    assert_eq!(expired["data"]["current"]["status"], "expired");
    assert_eq!(expired["data"]["previous"]["status"], "active");
}

#[test]
fn a_deadline_that_passed_while_the_daemon_was_down_expires_at_start() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    let d = ws.start(&["--now", "2025-07-01T12:00:00Z"]);
    ws.write(
        "pause.md",
        &article(
            "2025-07-01",
            "The United States paused its tariffs on Vietnamese goods until July 9.",
        ),
    );
    rt.block_on(rx.wait_for(1, WAIT));
    d.stop();
    let facts = ws.factwatch(&["facts"]);
    assert!(
        String::from_utf8_lossy(&facts.stdout).contains("lapses 2025-07-09T00:00:00Z"),
        "facts shows the deadline"
    );
    let _d = ws.start(&["--now", "2025-07-20T00:00:00Z"]);
    let got = rt.block_on(rx.wait_for(2, WAIT));
    assert_eq!(got[1].json()["type"], "fact.expired");
    assert_eq!(got[1].json()["timestamp"], "2025-07-09T00:00:00Z");
}

#[test]
fn a_deleted_file_keeps_its_facts_and_is_noted_in_history() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    let mut d = ws.start(&[]);
    let path = ws.write(
        "rate.md",
        &article("2025-04-08", "The United States imposed a 29% tariff on Pakistani goods."),
    );
    rt.block_on(rx.wait_for(1, WAIT));
    std::fs::remove_file(path).expect("delete");
    d.wait_for_log("file deleted", WAIT);
    let facts = ws.factwatch(&["facts", "--json"]);
    assert!(String::from_utf8_lossy(&facts.stdout).contains("\"tariff_rate:US:PK\""));
    let history = ws.factwatch(&["history", "tariff_rate:US:PK"]);
    assert!(String::from_utf8_lossy(&history.stdout).contains("source_deleted"));
    assert_eq!(rx.count(), 1, "a deletion retracts nothing and alerts nothing");
}

#[test]
fn webhook_filters_route_by_event_type_and_key_pattern() {
    let rt = runtime();
    let rates = rt.block_on(Receiver::start([200]));
    let changes = rt.block_on(Receiver::start([200]));
    let tables = format!(
        "[[webhook]]\nname = \"rates\"\nurl = \"{}\"\nkeys = [\"tariff_rate:US:*\"]\n[[webhook]]\nname = \"changes\"\nurl = \"{}\"\nevents = [\"fact.changed\"]\n",
        rates.url("/"),
        changes.url("/")
    );
    let ws = Workspace::new(None, None, "", &tables);
    let _d = ws.start(&[]);
    ws.write("a.md", &article("2025-04-02", "The United States imposed a 29% tariff on Pakistani goods. India has a 20% tariff on imports from the United States."));
    ws.write(
        "b.md",
        &article("2025-07-31", "The United States cut its tariff on Pakistani goods to 19%."),
    );
    let got = rt.block_on(rates.wait_for(2, WAIT));
    let keys: Vec<String> = got
        .iter()
        .map(|r| r.json()["data"]["key"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(keys, ["tariff_rate:US:PK", "tariff_rate:US:PK"]);
    let got = rt.block_on(changes.wait_for(1, WAIT));
    assert_eq!(got[0].json()["type"], "fact.changed");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!((rates.count(), changes.count()), (2, 1));
}

#[test]
fn a_corrupt_database_fails_the_start_and_is_left_untouched() {
    let ws = Workspace::new(None, None, "", "");
    std::fs::create_dir_all(ws.db.parent().expect("parent")).expect("mkdir");
    let junk = b"definitely not an sqlite database\n".repeat(100);
    std::fs::write(&ws.db, &junk).expect("junk");
    let out = ws.factwatch(&["run"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not a valid factwatch database") && err.contains("left untouched"),
        "{err}"
    );
    assert_eq!(std::fs::read(&ws.db).expect("read"), junk);
}

#[test]
fn a_second_daemon_on_the_same_database_is_refused() {
    let ws = Workspace::new(None, None, "", "");
    let _first = ws.start(&[]);
    let out = ws.factwatch(&["run"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another factwatch daemon"), "{err}");
}
