//! The daemon end to end: the real binary watching a temporary folder, a real SQLite file,
//! and a real HTTP receiver on 127.0.0.1. Alerts arrive for real changes and only for them.

use std::time::Duration;

use crate::support::daemon::Workspace;
use crate::support::receiver::{Receiver, assert_signed};

const SECRET: &str = "whsec_dGVzdC1zZWNyZXQtZm9yLWZhY3R3YXRjaA==";
const WAIT: Duration = Duration::from_secs(20);

pub(crate) const APRIL: &str = "---\ndate: 2025-04-08\n---\nThe U.S. imposed a 29% tariff on Pakistani goods, officials in Washington said on Tuesday.\n";
pub(crate) const JULY_CUT: &str = "---\ndate: 2025-07-31\n---\nThe United States cut its tariff on Pakistani goods to 19% under a new trade deal.\n";
const AUGUST_RESTATED: &str = "---\ndate: 2025-08-05\n---\nExporters in Karachi say the 19% US tariff on Pakistani goods is still a burden.\n";
const AUGUST_REWORDED: &str = "---\ndate: 2025-08-06\n---\nAfter the deal, the American tariff on goods from Pakistan stands at 19 percent.\n";

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn alerts_reach_the_webhook_only_for_real_changes() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/hook").as_str()), Some(SECRET), "", "");
    ws.write("2025-04-08-tariff.md", APRIL);

    // A first start on an empty database records the folder as the baseline, silently.
    let mut daemon = ws.start(&[]);
    let summary = daemon.wait_for_record("bootstrap done: the folder is the baseline (no alerts posted; set bootstrap_alerts = true to post them)", "facts", "1", WAIT);
    assert_eq!(summary["articles"], 1);

    // A newer article that changes the figure: exactly one alert, with the contract body.
    ws.write("2025-07-31-deal.md", JULY_CUT);
    let got = rt.block_on(rx.wait_for(1, WAIT));
    let req = &got[0];
    assert_signed(req, SECRET);
    let body = req.json();
    assert_eq!(body["type"], "fact.changed");
    assert!(body["id"].as_str().is_some_and(|id| id.starts_with("evt_")), "{body}");
    assert_eq!(req.header("webhook-id"), body["id"].as_str());
    assert_eq!(body["timestamp"].as_str().map(|t| t.ends_with('Z')), Some(true));
    let data = &body["data"];
    assert_eq!(data["key"], "tariff_rate:US:PK");
    assert_eq!(data["metric"], "tariff_rate");
    assert_eq!(data["subject"], serde_json::json!(["US", "PK"]));
    assert_eq!(data["period"], serde_json::Value::Null);
    assert_eq!(data["kind"], "figure");
    assert_eq!(data["previous"]["value"], 29.0);
    assert_eq!(data["previous"]["unit"], "percent");
    assert_eq!(data["previous"]["as_of"], "2025-04-08");
    assert!(
        data["previous"]["source"].as_str().is_some_and(|s| s.ends_with("2025-04-08-tariff.md"))
    );
    assert_eq!(data["current"]["value"], 19.0);
    assert_eq!(data["current"]["as_of"], "2025-07-31");
    assert_eq!(data["current"]["status"], serde_json::Value::Null);
    assert_eq!(data["current"]["until"], serde_json::Value::Null);
    assert!(data["current"]["quote"].as_str().is_some_and(|q| q.contains("19%")), "{data}");
    assert_eq!(data["summary"], "US tariff on PK: 29% -> 19%");
    let keys: Vec<&str> =
        data["current"].as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(
        keys.len(),
        7,
        "current has exactly value, unit, status, until, as_of, source, quote: {keys:?}"
    );

    // Restating, rewording, re-saving and copying do not alert.
    ws.write("2025-08-05-exporters.md", AUGUST_RESTATED);
    let r = daemon.wait_for_record("article recorded", "path", "2025-08-05-exporters.md", WAIT);
    assert_eq!((r["claims"].as_u64() > Some(0), r["alerts"].as_u64()), (true, Some(0)), "{r}");
    ws.write("2025-08-06-reworded.md", AUGUST_REWORDED);
    let r = daemon.wait_for_record("article recorded", "path", "2025-08-06-reworded.md", WAIT);
    assert_eq!((r["claims"].as_u64() > Some(0), r["alerts"].as_u64()), (true, Some(0)), "{r}");
    ws.write("2025-07-31-deal.md", JULY_CUT);
    daemon.wait_for_record("unchanged", "path", "2025-07-31-deal.md", WAIT);
    ws.write("copy-of-the-deal.md", JULY_CUT);
    daemon.wait_for_record(
        "same content as another article; counted once",
        "path",
        "copy-of-the-deal.md",
        WAIT,
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(rx.count(), 1, "only the real change alerts");
    assert_eq!(daemon.records("alert queued").len(), 1);
}

#[test]
fn articles_arrive_by_plain_write_rename_and_chunked_write() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), Some(SECRET), "", "");
    let mut daemon = ws.start(&[]);

    ws.write("2025-05-12-china.md", "---\ndate: 2025-05-12\n---\nThe United States lowered its tariff on Chinese goods to 30% for 90 days.\n");
    let first = rt.block_on(rx.wait_for(1, WAIT));
    assert_eq!(first[0].json()["data"]["key"], "tariff_rate:US:CN");
    assert_eq!(first[0].json()["type"], "fact.new");

    ws.write_then_rename("2025-05-13-india.md", "---\ndate: 2025-05-13\n---\nIndia has a 20% tariff on imports from the United States, officials said.\n");
    let second = rt.block_on(rx.wait_for(2, WAIT));
    assert_eq!(second[1].json()["data"]["key"], "tariff_rate:IN:US");
    assert!(!daemon.log().contains(".part"), "the temporary name is never read");

    // Written in three chunks while the file stays open: read once, when complete.
    let text = "---\ndate: 2025-05-14\n---\nThe United States imposed a 46% tariff on Vietnamese goods, the highest in the region, and officials in Hanoi said talks would continue next week.\n";
    ws.write_in_chunks("2025-05-14-vietnam.md", text, 3, Duration::from_millis(200));
    let third = rt.block_on(rx.wait_for(3, WAIT));
    let data = &third[2].json()["data"];
    assert_eq!(data["key"], "tariff_rate:US:VN");
    assert_eq!(data["current"]["value"], 46.0);
    daemon.wait_for_record("article recorded", "path", "2025-05-14-vietnam.md", WAIT);
    std::thread::sleep(Duration::from_millis(500));
    let reads = daemon
        .records("article recorded")
        .into_iter()
        .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("vietnam.md")))
        .count();
    assert_eq!(reads, 1, "the chunked file is read once, complete");
    assert_eq!(rx.count(), 3);
}

#[test]
fn a_file_written_while_stopped_is_processed_at_the_next_start() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), Some(SECRET), "", "");
    let daemon = ws.start(&[]);
    ws.write("2025-04-08-tariff.md", APRIL);
    rt.block_on(rx.wait_for(1, WAIT));
    let (status, _) = daemon.stop();
    assert!(status.success(), "clean exit on SIGTERM: {status}");

    ws.write("2025-07-31-deal.md", JULY_CUT);
    let mut daemon = ws.start(&[]);
    let got = rt.block_on(rx.wait_for(2, WAIT));
    assert_eq!(got[0].json()["type"], "fact.new");
    assert_eq!(got[1].json()["type"], "fact.changed");
    assert_eq!(got[1].json()["data"]["current"]["value"], 19.0);
    daemon.wait_for_record("starting", "mode", "catch-up", WAIT);
}

#[test]
fn alerts_pending_for_a_removed_webhook_are_named_at_start_and_sent_when_it_returns() {
    let rt = runtime();
    let down = rt.block_on(Receiver::start([500]));
    let ws = Workspace::new(Some(down.url("/").as_str()), Some(SECRET), "", "");
    ws.write("2025-04-08-tariff.md", APRIL);
    let daemon = ws.start(&[]);
    ws.write("2025-07-31-deal.md", JULY_CUT);
    let first = rt.block_on(down.wait_for(1, WAIT));
    let id = first[0].id().to_string();
    let (status, _) = daemon.stop();
    assert!(status.success());

    // The webhook is taken out of the config: its alert stays, and the start says so.
    ws.write_config(None, None, "", "");
    let mut daemon = ws.start(&[]);
    let line = daemon.wait_for_record(
        "alerts are pending for a webhook that is no longer configured; they are kept, and sent if a webhook of that name is configured again",
        "webhook",
        "test",
        WAIT,
    );
    assert_eq!(line["pending"], 1);
    let (status, _) = daemon.stop();
    assert!(status.success());

    // Back under the same name, with a receiver that is up: the same alert arrives.
    let up = rt.block_on(Receiver::start([200]));
    ws.write_config(Some(up.url("/").as_str()), Some(SECRET), "", "");
    let daemon = ws.start(&[]);
    let got = rt.block_on(up.wait_for(1, WAIT));
    assert_eq!(got[0].id(), id);
    assert_eq!(got[0].json()["data"]["current"]["value"], 19.0);
    assert!(daemon.records("alerts are pending for a webhook that is no longer configured; they are kept, and sent if a webhook of that name is configured again").is_empty());
    let (status, _) = daemon.stop();
    assert!(status.success());
}

#[test]
fn the_bootstrap_summary_shows_a_sample_and_counts_the_rest() {
    let ws = Workspace::new(None, None, "", "");
    let mut n = 0;
    for (imposer, name) in [("The U.S.", "us"), ("The European Union", "eu")] {
        for (i, c) in crate::support::COUNTRIES.iter().enumerate() {
            ws.write(
                &format!("2025-04-{:02}-{name}-{i}.md", i + 1),
                &format!(
                    "---\ndate: 2025-04-{:02}\n---\n{imposer} imposed a {}% tariff on {c} goods.\n",
                    i + 1,
                    10 + i
                ),
            );
            n += 1;
        }
    }
    let mut daemon = ws.start(&[]);
    let summary = daemon.wait_for_record("bootstrap done: the folder is the baseline (no alerts posted; set bootstrap_alerts = true to post them)", "articles", &n.to_string(), WAIT);
    assert_eq!((summary["facts"].as_u64(), summary["figures"].as_u64()), (Some(n), Some(n)));
    assert_eq!(summary["statuses"], 0);
    let learned = daemon.records("learned");
    assert_eq!(learned.len(), 20);
    let keys: Vec<&str> = learned.iter().filter_map(|r| r["key"].as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "the sample is the first facts by key");
    let more = format!("... and {} more; `factwatch facts` lists them all", n - 20);
    assert_eq!(daemon.records(&more).len(), 1, "{more:?} in\n{}", daemon.log());
    let (status, _) = daemon.stop();
    assert!(status.success());
}
