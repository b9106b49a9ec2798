//! Crash safety: the daemon is killed with SIGKILL at random moments while articles stream
//! in and the receiver is slow. After the last restart every expected alert has arrived
//! (checked by id against `replay` of the same folder), none is missing, none is invented,
//! and a duplicate is the same alert with the same id.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::end_to_end::runtime;
use crate::support::COUNTRIES;
use crate::support::daemon::Workspace;
use crate::support::receiver::{Receiver, Reply};

/// Kills per run; the issue asks for at least 20.
const KILLS: usize = 24;

/// A small deterministic PRNG (splitmix64), so a failing run can be repeated by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The stream of articles: each country gets a first rate and later one or two changes, so
/// there are new facts and ordered changes per key.
fn articles() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut day = jiff::civil::date(2025, 4, 1);
    for round in 0..3 {
        for (i, c) in COUNTRIES.iter().enumerate() {
            if round == 2 && i % 2 == 1 {
                continue;
            }
            let rate = 10 + i * 3 + round * 7;
            let name = format!("{day}-{}-{round}.md", c.to_lowercase());
            let text = format!(
                "---\ndate: {day}\n---\nThe United States set a {rate}% tariff on {c} goods, the trade office said.\n"
            );
            out.push((name, text));
            day = day.tomorrow().expect("date");
        }
    }
    out
}

#[test]
fn sigkill_at_random_moments_loses_no_alert() {
    let seed = std::env::var("FACTWATCH_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F00D_u64);
    let mut rng = Rng(seed);
    let rt = runtime();
    // Slow: every answer takes 40 ms, so kills land while deliveries are in flight.
    let rx = rt.block_on(Receiver::start([Reply::status(200).after(Duration::from_millis(40))]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");

    let stream = articles();
    let total = stream.len();
    let mut written = 0usize;
    let mut kills = 0usize;
    let started = Instant::now();
    while kills < KILLS {
        let mut daemon = ws.spawn(&[]);
        if kills == 0 {
            // Files already in the folder at the first start are the silent baseline. Wait
            // until that boundary is recorded (plus a few ms: file mtimes come from a coarse
            // kernel clock), so every article of the stream is news.
            daemon.wait_for_log("\"starting\"", Duration::from_secs(30));
            std::thread::sleep(Duration::from_millis(20));
        }
        // Write a few articles, atomically (temp name, then rename), while it runs.
        let burst = 1 + rng.below(3) as usize;
        for _ in 0..burst {
            if written < total {
                let (name, text) = &stream[written];
                ws.write_then_rename(name, text);
                written += 1;
            }
            std::thread::sleep(Duration::from_millis(rng.below(120)));
        }
        // Then kill it at a random moment: during start-up, catch-up, processing or delivery.
        std::thread::sleep(Duration::from_millis(rng.below(400)));
        daemon.kill();
        kills += 1;
    }
    while written < total {
        let (name, text) = &stream[written];
        ws.write_then_rename(name, text);
        written += 1;
    }

    // What the folder should have produced, alert by alert.
    let replay = ws.factwatch(&["replay", "--json", ws.articles.to_str().expect("utf-8 path")]);
    assert!(replay.status.success(), "{}", String::from_utf8_lossy(&replay.stderr));
    let expected: Vec<serde_json::Value> = String::from_utf8_lossy(&replay.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("replay line"))
        .collect();
    let expected_ids: BTreeSet<String> =
        expected.iter().map(|e| e["id"].as_str().expect("id").to_string()).collect();
    assert!(
        expected.len() >= COUNTRIES.len() * 2,
        "the stream yields new facts and changes: {}",
        expected.len()
    );

    // A last start drains the outbox and catches up on whatever the kills interrupted.
    let daemon = ws.start(&[]);
    let deadline = Instant::now() + Duration::from_secs(90);
    let received = loop {
        let got = rx.requests();
        let ids: BTreeSet<String> =
            got.iter().map(|r| r.json()["id"].as_str().unwrap_or_default().to_string()).collect();
        if ids.is_superset(&expected_ids) || Instant::now() > deadline {
            break got;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(daemon);

    let mut by_id: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for r in &received {
        let mut body = r.json();
        assert_eq!(r.header("webhook-id"), body["id"].as_str(), "header and body ids agree");
        // The detection time may differ between two sends of one alert; the alert may not.
        body.as_object_mut().map(|o| o.remove("timestamp"));
        by_id.entry(body["id"].as_str().unwrap_or_default().to_string()).or_default().push(body);
    }
    let received_ids: BTreeSet<String> = by_id.keys().cloned().collect();
    let missing: Vec<_> = expected_ids.difference(&received_ids).collect();
    let invented: Vec<_> = received_ids.difference(&expected_ids).collect();
    let describe = |ids: &[&String], pool: &[serde_json::Value]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| pool.iter().find(|e| e["id"] == id.as_str()))
            .map(|e| format!("{} {} {}", e["id"], e["type"], e["data"]["summary"]))
            .collect()
    };
    let received_bodies: Vec<serde_json::Value> =
        by_id.values().filter_map(|v| v.first().cloned()).collect();
    assert!(
        missing.is_empty() && invented.is_empty(),
        "seed {seed:#x} after {kills} kills:\nmissing: {:#?}\ninvented: {:#?}",
        describe(&missing, &expected),
        describe(&invented, &received_bodies)
    );
    for (id, copies) in &by_id {
        assert!(copies.windows(2).all(|w| w[0] == w[1]), "duplicates of {id} differ: {copies:?}");
    }
    // Per key, alerts arrive in the order the changes happened.
    let mut order: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &expected {
        order
            .entry(e["data"]["key"].as_str().unwrap_or_default().to_string())
            .or_default()
            .push(e["id"].as_str().unwrap_or_default().to_string());
    }
    let mut first_seen: Vec<String> = Vec::new();
    for r in &received {
        let id = r.json()["id"].as_str().unwrap_or_default().to_string();
        if !first_seen.contains(&id) {
            first_seen.push(id);
        }
    }
    for (key, ids) in order {
        let arrived: Vec<&String> = first_seen.iter().filter(|id| ids.contains(id)).collect();
        assert_eq!(arrived, ids.iter().collect::<Vec<_>>(), "seed {seed:#x}: {key} out of order");
    }
    let dupes = received.len() - received_ids.len();
    eprintln!(
        "crash test: seed {seed:#x}, {kills} kills, {} articles, {} alerts expected and received, {dupes} resent with the same id, {:.1}s",
        total,
        expected_ids.len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_crash_during_bootstrap_does_not_turn_later_files_into_baseline() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), None, "", "");
    // Enough files that the first catch-up takes a moment, so the kill lands inside it.
    for (i, c) in COUNTRIES.iter().cycle().take(300).enumerate() {
        ws.write(
            &format!("2025-04-01-old-{i}.md"),
            &format!(
                "---\ndate: 2025-04-01\n---\nThe United States set a {}% tariff on {c} goods.\n",
                10 + i % 5
            ),
        );
    }
    let mut first = ws.spawn(&[]);
    first.wait_for_log("\"starting\"", Duration::from_secs(30));
    first.kill();
    std::thread::sleep(Duration::from_millis(20));
    ws.write(
        "2025-06-01-new.md",
        "---\ndate: 2025-06-01\n---\nThe United States set a 64% tariff on Lesotho goods.\n",
    );
    let mut second = ws.start(&[]);
    let got = rt.block_on(rx.wait_for(1, Duration::from_secs(30)));
    assert_eq!(
        got[0].json()["data"]["key"],
        "tariff_rate:US:LS",
        "the file written after the first start is news"
    );
    second.wait_for_log("bootstrap done", Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        rx.count(),
        1,
        "the files that were there at the first start stay a silent baseline"
    );
}
