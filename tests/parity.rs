//! A replay promises exactly what the daemon sends: the same folder replayed, and watched by
//! the running daemon with its files arriving one by one (a duplicate copy, a rename, a
//! deletion, a file written while the daemon was down and a deadline that passes while it
//! runs), gives the same alert events with the same ids.

use std::time::Duration;

use crate::end_to_end::runtime;
use crate::support::daemon::{Daemon, Workspace};
use crate::support::receiver::Receiver;

const WAIT: Duration = Duration::from_secs(20);

fn article(date: &str, body: &str) -> String {
    format!("---\ndate: {date}\n---\n{body}\n")
}

/// The backlog, oldest first: (file name, text).
fn backlog() -> Vec<(&'static str, String)> {
    let rate = article("2025-04-02", "The United States imposed a 29% tariff on Pakistani goods.");
    let cut = article(
        "2025-07-07",
        "The United States cut its tariff on Vietnamese goods from 46% to 20%.",
    );
    vec![
        ("2025-04-02-rate.md", rate.clone()),
        (
            "2025-04-09-pause.md",
            article(
                "2025-04-09",
                "Washington announced a pause on the new tariffs on Pakistani goods. The pause runs until July 9.",
            ),
        ),
        // The same article saved again under another name: counted once.
        ("copy-of-rate.md", rate),
        (
            "2025-05-01-vietnam.md",
            article("2025-05-01", "The United States imposed a 46% tariff on Vietnamese goods."),
        ),
        // Written while the daemon is down, twice: at the top and in a folder. Which copy is
        // the article (and so the source its alert cites) is decided by one order, the
        // same in a replay and in the daemon's catch-up.
        ("july-vietnam-cut.md", cut.clone()),
        ("july/vietnam-cut.md", cut),
        (
            "2025-07-31-deal.md",
            article(
                "2025-07-31",
                "Under a new trade deal the United States cut its tariff on Pakistani goods from 29% to 19%, ending the pause.",
            ),
        ),
        (
            "2025-08-10-restated.md",
            article(
                "2025-08-10",
                "Exporters in Sialkot say the 19% US tariff on Pakistani goods still hurts.",
            ),
        ),
    ]
}

/// An event as compared: everything but the timestamp, which is the instant the change was
/// noticed (the replay's virtual clock, the daemon's running one). Expiries carry the
/// deadline's instant in both, so theirs is compared too.
fn comparable(event: &serde_json::Value) -> serde_json::Value {
    let mut e = event.clone();
    if e["type"] != "fact.expired"
        && let Some(o) = e.as_object_mut()
    {
        o.remove("timestamp");
    }
    e
}

fn text(v: &serde_json::Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Writes one file and waits until the daemon has dealt with it (recorded it, or noted it
/// as a copy of another article).
fn arrive(ws: &Workspace, daemon: &mut Daemon, name: &str, body: &str) {
    ws.write(name, body);
    let path = ws.articles.join(name).display().to_string();
    super::support::daemon::eventually(WAIT, &format!("the daemon to process {name}"), || {
        daemon
            .log()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|r| {
                r["path"] == path.as_str()
                    && (r["message"] == "article recorded"
                        || r["message"] == "same content as another article; counted once")
            })
            .then_some(())
    });
}

#[test]
fn replay_and_the_daemon_send_the_same_events_with_the_same_ids() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    let files = backlog();

    // The replay of the whole backlog.
    for (name, body) in &files {
        ws.write(name, body);
    }
    let dir = ws.articles.display().to_string();
    let out = ws.factwatch(&["replay", "--json", "--until", "2025-09-01", &dir]);
    assert!(out.status.success(), "replay failed: {}", String::from_utf8_lossy(&out.stderr));
    let replayed: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event per line"))
        .collect();
    let shown: Vec<(&str, &str)> =
        replayed.iter().map(|e| (text(&e["type"]), text(&e["data"]["summary"]))).collect();
    assert_eq!(
        shown,
        [
            ("fact.new", "US tariff on PK: 29% (new)"),
            ("fact.new", "US tariff pause on PK: active until 2025-07-09 (new)"),
            ("fact.new", "US tariff on VN: 46% (new)"),
            ("fact.changed", "US tariff on VN: 46% -> 20%"),
            ("fact.expired", "US tariff pause on PK: active until 2025-07-09 -> expired"),
            // The deal ends a pause that had already expired: nothing new to tell.
            ("fact.changed", "US tariff on PK: 29% -> 19%"),
        ],
        "the replay itself"
    );
    std::fs::remove_dir_all(&ws.articles).expect("empty the folder again");
    std::fs::create_dir(&ws.articles).expect("mkdir articles");

    // The daemon, on the same folder, emptied: the articles arrive one by one.
    let mut daemon = ws.start(&["--now", "2025-07-01T00:00:00Z"]);
    for (name, body) in &files[..4] {
        arrive(&ws, &mut daemon, name, body);
    }
    // A rename: the article's claims follow it and nothing alerts.
    let renamed = ws.articles.join("vietnam-46.md");
    std::fs::rename(ws.articles.join("2025-05-01-vietnam.md"), &renamed).expect("rename");
    let r = daemon.wait_for_record("article recorded", "path", "vietnam-46.md", WAIT);
    assert_eq!(r["alerts"], 0, "a renamed article does not alert: {r}");
    // A deletion, of the article the copy duplicates: it retracts nothing.
    std::fs::remove_file(ws.articles.join("2025-04-02-rate.md")).expect("delete");
    daemon.wait_for_record(
        "file deleted; its facts stay, the deletion is noted in history",
        "path",
        "2025-04-02-rate.md",
        WAIT,
    );
    let (status, _) = daemon.stop();
    assert!(status.success());

    // Written while the daemon is down: the catch-up reads it. The clock then runs past
    // the pause's deadline, and the last articles arrive after it.
    for (name, body) in &files[4..6] {
        ws.write(name, body);
    }
    let mut daemon = ws.start(&["--now", "2025-07-08T23:59:57Z"]);
    rt.block_on(rx.wait_for(5, WAIT));
    for (name, body) in &files[6..] {
        arrive(&ws, &mut daemon, name, body);
    }
    let posted = rt.block_on(rx.wait_for(replayed.len(), WAIT));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rx.count(), replayed.len(), "no event beyond the replay's");
    // Events of one key arrive in order; different keys may interleave on the wire.
    let by_key = |events: Vec<serde_json::Value>| {
        let mut events: Vec<serde_json::Value> = events.iter().map(comparable).collect();
        events.sort_by(|a, b| text(&a["data"]["key"]).cmp(text(&b["data"]["key"])));
        events
    };
    let (sent, promised) = (by_key(posted.iter().map(|r| r.json()).collect()), by_key(replayed));
    // First in short, so a difference reads at a glance; then every field.
    let short = |events: &[serde_json::Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| {
                let source = text(&e["data"]["current"]["source"]);
                let file = source.rsplit("/articles/").next().unwrap_or(source);
                format!(
                    "{} {} ({file}) {}",
                    text(&e["type"]),
                    text(&e["data"]["summary"]),
                    text(&e["id"])
                )
            })
            .collect()
    };
    assert_eq!(
        short(&sent),
        short(&promised),
        "the daemon sent (left) what the replay promised (right)"
    );
    assert_eq!(sent, promised);
    for (req, event) in posted.iter().zip(posted.iter().map(|r| r.json())) {
        assert_eq!(req.id(), text(&event["id"]), "the webhook-id header is the event id");
    }
    daemon.stop();
}
