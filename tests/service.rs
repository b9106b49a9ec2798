//! The daemon as a service: SIGTERM in the middle of a burst leaves every article whole and
//! loses no alert; SIGHUP applies a good config and keeps the running one on a bad one;
//! `/healthz`, `/readyz` and `/metrics` scraped over HTTP; what it tells systemd (READY,
//! STATUS, WATCHDOG, RELOADING, STOPPING); JSON logs that name their files and never a
//! secret; and an idle daemon that uses no CPU.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::support::COUNTRIES;
use crate::support::daemon::{Workspace, eventually};
use crate::support::receiver::{Receiver, Reply, assert_signed};
use crate::support::service::{
    JOURNAL_NAMESPACE, JournalSocket, NotifySocket, free_port, http_get, http_get_accepting,
    parse_metrics, runtime,
};

const SECRET: &str = "whsec_dGVzdC1zZWNyZXQtZm9yLWZhY3R3YXRjaA==";
const OTHER_SECRET: &str = "whsec_c2Vjb25kLXJlY2VpdmVyLXNlY3JldC0xMjM0NTY=";
const WAIT: Duration = Duration::from_secs(20);

const APRIL: &str = "---\ndate: 2025-04-08\n---\nThe U.S. imposed a 29% tariff on Pakistani goods, officials in Washington said on Tuesday.\n";
const JULY_CUT: &str = "---\ndate: 2025-07-31\n---\nThe United States cut its tariff on Pakistani goods to 19% under a new trade deal.\n";
const AUGUST_CUT: &str = "---\ndate: 2025-08-20\n---\nThe United States cut its tariff on Pakistani goods to 15% after a second round of talks.\n";
const SEPTEMBER_CUT: &str = "---\ndate: 2025-09-15\n---\nThe United States cut its tariff on Pakistani goods to 12% in a further step.\n";

/// `n` articles, one a day, cycling through the countries with a new rate each round, so
/// each one changes a figure (a `fact.new` or `fact.changed` alert).
fn burst(n: usize) -> Vec<(String, String)> {
    let mut day = jiff::civil::date(2020, 1, 1);
    (0..n)
        .map(|i| {
            let c = COUNTRIES[i % COUNTRIES.len()];
            let rate = 5 + (i / COUNTRIES.len()) % 60;
            let name = format!("{day}-{}-{i:04}.md", c.to_lowercase());
            let text = format!(
                "---\ndate: {day}\n---\nThe United States set a {rate}% tariff on {c} goods, the trade office said in notice {i}.\n"
            );
            day = day.tomorrow().expect("date");
            (name, text)
        })
        .collect()
}

/// Checks that the database is whole: SQLite's integrity check passes, every recorded
/// article has exactly the claims its row counts, every alert event has its outbox row,
/// and no outbox row points at a missing event. Returns (articles, events, pending rows).
fn assert_whole(ws: &Workspace) -> (usize, usize, usize) {
    let db = ws.open_db();
    let integrity: String =
        db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(integrity, "ok");
    let mut stmt = db
        .prepare(
            "SELECT a.path, a.claim_count, (SELECT count(*) FROM claims c WHERE c.path = a.path)
             FROM articles a WHERE a.duplicate_of IS NULL",
        )
        .expect("prepare");
    let rows: Vec<(String, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for (path, counted, stored) in &rows {
        assert_eq!(counted, stored, "{path}: claim_count says {counted}, {stored} claim rows");
        assert_eq!(*stored, 1, "{path}: each burst article states one figure");
    }
    let orphans: i64 = db
        .query_row(
            "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_seq = e.seq)",
            [],
            |r| r.get(0),
        )
        .expect("events without outbox rows");
    assert_eq!(orphans, 0, "every alert event has its outbox row");
    let dangling: i64 = db
        .query_row(
            "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.seq = o.event_seq)",
            [],
            |r| r.get(0),
        )
        .expect("outbox rows without events");
    assert_eq!(dangling, 0, "every outbox row has its event");
    let count = |sql: &str| -> usize {
        let n: i64 = db.query_row(sql, [], |r| r.get(0)).expect(sql);
        usize::try_from(n).expect("count")
    };
    (
        rows.len(),
        count("SELECT count(*) FROM events"),
        count("SELECT count(*) FROM outbox WHERE state = 'pending'"),
    )
}

fn event_ids(ws: &Workspace) -> BTreeSet<String> {
    let db = ws.open_db();
    let mut stmt = db.prepare("SELECT id FROM events").expect("prepare");
    stmt.query_map([], |r| r.get(0)).expect("query").collect::<Result<_, _>>().expect("ids")
}

#[test]
fn sigterm_during_a_burst_leaves_no_article_half_recorded_and_loses_no_alert() {
    const N: usize = 500;
    let rt = runtime();
    // A receiver a little slow to answer, so alerts are still pending when SIGTERM comes.
    let rx = rt.block_on(Receiver::start([Reply::status(200).after(Duration::from_millis(5))]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), Some(SECRET), "", "");
    let daemon = ws.start(&[]);
    for (name, text) in burst(N) {
        ws.write(&name, &text);
    }
    eventually(WAIT, "100 articles recorded", || {
        (daemon.records("article recorded").len() >= 100).then_some(())
    });
    let (status, took) = daemon.stop();
    assert!(status.success(), "SIGTERM exits 0, got {status}");
    assert!(took < Duration::from_secs(5), "stopped in {took:?}");
    let (articles, events, pending) = assert_whole(&ws);
    assert!(articles < N, "SIGTERM landed mid-burst ({articles} of {N} were recorded)");
    assert!(events >= articles, "each recorded article queued its alert ({events} events)");
    println!("stopped after {articles} of {N} articles, {events} alerts, {pending} pending");

    // The restart catches up on the rest and delivers every alert exactly once.
    let mut daemon = ws.start(&[]);
    daemon.wait_for_record("starting", "mode", "catch-up", WAIT);
    eventually(Duration::from_secs(60), "every article recorded", || {
        (ws.live_articles() == N).then_some(())
    });
    let ids = event_ids(&ws);
    rt.block_on(rx.wait_for(ids.len(), Duration::from_secs(60)));
    std::thread::sleep(Duration::from_millis(300));
    let got = rx.requests();
    let mut per_id: BTreeMap<String, usize> = BTreeMap::new();
    for r in &got {
        *per_id.entry(r.id().to_string()).or_default() += 1;
    }
    assert_signed(&got[0], SECRET);
    assert_eq!(per_id.keys().cloned().collect::<BTreeSet<_>>(), ids, "every alert arrived");
    let twice: Vec<_> = per_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "alerts delivered more than once: {twice:?}");
    let (status, _) = daemon.stop();
    assert!(status.success());
    let (articles, _, pending) = assert_whole(&ws);
    assert_eq!((articles, pending), (N, 0));
}

#[test]
fn sigterm_during_the_catch_up_stops_within_seconds_and_the_next_start_finishes_it() {
    const N: usize = 3000;
    let ws = Workspace::new(None, None, "", "");
    for (name, text) in burst(N) {
        ws.write(&name, &text);
    }
    // Stopped while the catch-up is still dating the files, before any is recorded.
    let mut daemon = ws.spawn(&[]);
    daemon.wait_for_record("reading new and changed files", "files", &N.to_string(), WAIT);
    let (status, took) = daemon.stop();
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(3), "stopped in {took:?}");
    let (first, _, _) = assert_whole(&ws);
    assert!(first < N, "stopped mid catch-up ({first} of {N} recorded)");
    // Stopped again in the middle of recording them.
    let daemon = ws.spawn(&[]);
    eventually(WAIT, "some articles recorded", || {
        (daemon.records("article recorded").len() >= 200).then_some(())
    });
    let (status, took) = daemon.stop();
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(3), "stopped in {took:?}");
    let (second, _, _) = assert_whole(&ws);
    assert!(second < N, "stopped mid catch-up ({second} of {N} recorded)");
    let daemon = ws.start(&[]);
    assert_eq!(assert_whole(&ws).0, N);
    let (status, _) = daemon.stop();
    assert!(status.success());
}

#[test]
fn sighup_applies_a_good_config_and_keeps_the_running_one_on_a_bad_one() {
    let rt = runtime();
    let first = rt.block_on(Receiver::start([200]));
    let second = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(first.url("/").as_str()), Some(SECRET), "", "");
    let mut daemon = ws.start(&[]);
    ws.write("2025-04-08-tariff.md", APRIL);
    rt.block_on(first.wait_for(1, WAIT));

    // A good config adds a second webhook: the next alert reaches both.
    let second_hook = format!(
        "[[webhook]]\nname = \"second\"\nurl = \"{}\"\nsecret = \"{OTHER_SECRET}\"\n",
        second.url("/")
    );
    ws.write_config(Some(first.url("/").as_str()), Some(SECRET), "", &second_hook);
    daemon.signal("HUP");
    daemon.wait_for_record("configuration reloaded", "webhooks", "2", WAIT);
    ws.write("2025-07-31-deal.md", JULY_CUT);
    let a = rt.block_on(first.wait_for(2, WAIT));
    let b = rt.block_on(second.wait_for(1, WAIT));
    assert_eq!(a[1].id(), b[0].id(), "the same alert");
    assert_eq!(b[0].json()["data"]["current"]["value"], 19.0);
    assert_signed(&a[1], SECRET);
    assert_signed(&b[0], OTHER_SECRET);

    // A bad value: rejected with the setting named; both webhooks keep getting alerts.
    ws.write_config(
        Some(first.url("/").as_str()),
        Some(SECRET),
        "timezone = \"Mars/Olympus_Mons\"",
        &second_hook,
    );
    daemon.signal("HUP");
    let rejected = eventually(WAIT, "the reload to be rejected", || {
        daemon.records("reload rejected; keeping the running configuration").into_iter().next()
    });
    let error = rejected["error"].as_str().expect("an error field");
    let at = format!("setting `timezone` ({} line 4): \"Mars/Olympus_Mons\"", ws.config.display());
    assert!(error.starts_with(&at), "{error}");

    // A malformed secret: rejected naming the webhook, and the secret is not logged.
    let bad_secret = "whsec_not*base64*at*all";
    ws.write_config(Some(first.url("/").as_str()), Some(bad_secret), "", &second_hook);
    daemon.signal("HUP");
    eventually(WAIT, "the second reload to be rejected", || {
        (daemon.records("reload rejected; keeping the running configuration").len() == 2)
            .then_some(())
    });
    let errors: Vec<String> = daemon
        .records("reload rejected; keeping the running configuration")
        .iter()
        .map(|r| r["error"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(errors[1].starts_with("setting `webhook[0] (test).secret` ("), "{}", errors[1]);
    assert!(errors[1].contains(" line ") && errors[1].contains("\"whsec_\""), "{}", errors[1]);
    assert!(!daemon.log().contains("not*base64"), "the rejected secret is not logged");

    ws.write("2025-08-20-second-cut.md", AUGUST_CUT);
    let a = rt.block_on(first.wait_for(3, WAIT));
    let b = rt.block_on(second.wait_for(2, WAIT));
    assert_eq!(a[2].id(), b[1].id());
    assert_eq!(a[2].json()["data"]["current"]["value"], 15.0);
    assert_eq!(daemon.records("configuration reloaded").len(), 1, "only the good one applied");
    let (status, _) = daemon.stop();
    assert!(status.success());
}

#[test]
fn sighup_during_the_catch_up_is_applied_once_it_is_done() {
    let ws = Workspace::new(None, None, "", "");
    for (name, text) in burst(1500) {
        ws.write(&name, &text);
    }
    let mut daemon = ws.spawn(&[]);
    daemon.wait_for_log("\"article recorded\"", WAIT);
    daemon.signal("HUP");
    daemon.wait_for_log("\"watching\"", Duration::from_secs(60));
    daemon.wait_for_record("configuration reloaded", "webhooks", "0", WAIT);
    assert!(daemon.try_wait().is_none(), "SIGHUP does not end the daemon");
    assert_eq!(ws.live_articles(), 1500);
    let (status, _) = daemon.stop();
    assert!(status.success());
}

/// Checks a histogram's buckets are cumulative and end in `+Inf` == `_count`; returns the
/// count. `labels` are the series' labels other than `le` (sorted, as the parser keys them).
fn histogram_count(m: &BTreeMap<String, f64>, name: &str, labels: &str) -> f64 {
    let sep = if labels.is_empty() { "" } else { "," };
    let buckets: Vec<(f64, f64)> = m
        .iter()
        .filter_map(|(k, v)| {
            let le = k.strip_prefix(&format!("{name}_bucket{{le=\""))?;
            let le = le.strip_suffix(&format!("\"{sep}{labels}}}"))?;
            Some((if le == "+Inf" { f64::INFINITY } else { le.parse().expect("le") }, *v))
        })
        .collect();
    let mut sorted = buckets.clone();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(sorted.len() > 2, "{name} has buckets");
    assert!(sorted.windows(2).all(|w| w[0].1 <= w[1].1), "{name} buckets are cumulative");
    let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
    let count = m[&format!("{name}_count{braces}")];
    assert_eq!(sorted.last().map(|b| b.1), Some(count), "{name}: +Inf == _count");
    assert!(m.contains_key(&format!("{name}_sum{braces}")));
    count
}

/// Scrapes `/metrics` as Prometheus does and parses it with the Prometheus client's own
/// parser; also scrapes it as OpenMetrics (what Prometheus asks for first) and checks the
/// strict parser takes that too, with the same families and no name collision.
fn scrape(addr: SocketAddr) -> BTreeMap<String, f64> {
    let r = http_get(addr, "/metrics").expect("the metrics endpoint answers");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let text = parse_metrics(&r.body, false);
    let r = http_get_accepting(
        addr,
        "/metrics",
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
    )
    .expect("the metrics endpoint answers");
    assert_eq!(
        r.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let om = parse_metrics(&r.body, true);
    assert_eq!(om.families, text.families, "the same families in both formats");
    text.samples
}

#[test]
fn health_readiness_and_metrics_answer_over_http() {
    const N: usize = 600;
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let ws = Workspace::new(
        Some(rx.url("/").as_str()),
        Some(SECRET),
        "",
        &format!("[http]\nlisten = \"{addr}\""),
    );
    // A folder big enough that the catch-up is still running when the first probe lands:
    // one fact (the PK tariff), stated again and again.
    let mut day = jiff::civil::date(2023, 1, 1);
    for i in 0..N {
        ws.write(
            &format!("{day}-pk-{i:04}.md"),
            &format!("---\ndate: {day}\n---\nThe U.S. keeps a 29% tariff on Pakistani goods, notice {i} said.\n"),
        );
        day = day.tomorrow().expect("date");
    }
    let mut daemon = ws.spawn(&[]);
    let first = eventually(WAIT, "the health endpoint to answer", || http_get(addr, "/readyz"));
    assert_eq!(
        (first.status, first.body.as_str()),
        (503, "catching up\n"),
        "not ready during the catch-up"
    );
    let alive = http_get(addr, "/healthz").expect("healthz");
    assert_eq!((alive.status, alive.body.as_str()), (200, "ok\n"), "alive during the catch-up");
    daemon.wait_for_log("\"watching\"", Duration::from_secs(60));
    let ready = http_get(addr, "/readyz").expect("readyz");
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"));

    let m = scrape(addr);
    let get = |m: &BTreeMap<String, f64>, k: &str| *m.get(k).unwrap_or_else(|| panic!("no {k}"));
    assert_eq!(get(&m, "factwatch_articles_total{outcome=\"ingested\"}"), N as f64);
    assert_eq!(get(&m, "factwatch_articles_total{outcome=\"skipped\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_articles_total{outcome=\"failed\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_claims_extracted_total"), N as f64);
    // The bootstrap's one fact is the baseline, not a change that alerted.
    assert_eq!(get(&m, "factwatch_changes_total{type=\"fact.new\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_baseline_facts_total"), 1.0);
    assert_eq!(get(&m, "factwatch_changes_total{type=\"fact.changed\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_facts"), 1.0);
    assert_eq!(get(&m, "factwatch_ready"), 1.0);
    assert_eq!(get(&m, "factwatch_rescans_total"), 1.0, "the catch-up");
    assert_eq!(get(&m, "factwatch_alerts_delivered_total{webhook=\"test\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_last_delivery_timestamp_seconds{webhook=\"test\"}"), 0.0);
    assert_eq!(histogram_count(&m, "factwatch_delivery_latency_seconds", "webhook=\"test\""), 0.0);

    // One real change, one binary file, one copy of a known article.
    ws.write("2025-07-31-deal.md", JULY_CUT);
    ws.write("broken.md", "\u{0}\u{1}\u{2}binary\u{0}");
    std::fs::copy(ws.articles.join("2023-01-01-pk-0000.md"), ws.articles.join("copy.md"))
        .expect("copy");
    rt.block_on(rx.wait_for(1, WAIT));
    let m = eventually(WAIT, "the delivery to be counted", || {
        let m = scrape(addr);
        (m.get("factwatch_alerts_delivered_total{webhook=\"test\"}") == Some(&1.0)
            && m.get("factwatch_articles_total{outcome=\"skipped\"}") == Some(&1.0)
            && m.get("factwatch_articles_total{outcome=\"failed\"}") == Some(&1.0)
            && m.get("factwatch_alerts_pending{webhook=\"test\"}") == Some(&0.0))
        .then_some(m)
    });
    assert_eq!(get(&m, "factwatch_articles_total{outcome=\"ingested\"}"), (N + 1) as f64);
    assert_eq!(get(&m, "factwatch_claims_extracted_total"), (N + 1) as f64);
    assert_eq!(get(&m, "factwatch_changes_total{type=\"fact.changed\"}"), 1.0);
    assert_eq!(get(&m, "factwatch_changes_total{type=\"fact.deadline_changed\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_changes_total{type=\"fact.expired\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_alerts_failed_total{webhook=\"test\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_alerts_dead_lettered_total{webhook=\"test\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_alerts_pending{webhook=\"test\"}"), 0.0);
    assert_eq!(get(&m, "factwatch_alerts_dead{webhook=\"test\"}"), 0.0);
    assert_eq!(histogram_count(&m, "factwatch_delivery_latency_seconds", "webhook=\"test\""), 1.0);
    assert_eq!(histogram_count(&m, "factwatch_file_to_enqueue_seconds", ""), 1.0);
    let last = get(&m, "factwatch_last_delivery_timestamp_seconds{webhook=\"test\"}");
    let now = jiff::Timestamp::now().as_second() as f64;
    assert!((now - last).abs() < 60.0, "last delivery {last} is about now ({now})");
    assert_eq!(http_get(addr, "/nope").map(|r| r.status), Some(404));
    let (status, _) = daemon.stop();
    assert!(status.success());
    assert!(http_get(addr, "/healthz").is_none(), "the endpoint stops with the daemon");
}

#[test]
fn a_health_port_in_use_fails_the_start_naming_the_setting() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let ws = Workspace::new(None, None, "", &format!("[http]\nlisten = \"{addr}\""));
    let mut daemon = ws.spawn(&[]);
    let status = daemon.wait_exit(WAIT).expect("the daemon exits");
    assert!(!status.success());
    assert!(
        daemon.log().contains(&format!("setting `http.listen`: cannot listen on {addr}")),
        "{}",
        daemon.log()
    );
}

#[test]
fn it_tells_systemd_ready_status_watchdog_reloading_and_stopping() {
    let ws = Workspace::new(None, None, "", "");
    ws.write("2025-04-08-tariff.md", APRIL);
    let sock = NotifySocket::bind(ws.dir.path());
    let mut cmd = ws.run_command(&[], &["--log-format", "json"]);
    cmd.env("NOTIFY_SOCKET", &sock.path).env("WATCHDOG_USEC", "400000");
    let mut daemon = ws.spawn_command(cmd);
    let ready = sock.wait_for("READY=1", WAIT);
    assert_eq!(
        ready,
        format!("READY=1\nSTATUS=watching {}, 1 facts, 0 pending alerts\n", ws.articles.display())
    );
    daemon.wait_for_log("\"watching\"", WAIT);

    // Watchdog pings every 200 ms (half of WATCHDOG_USEC).
    std::thread::sleep(Duration::from_millis(1500));
    let pings: Vec<Instant> =
        sock.messages().into_iter().filter(|(_, m)| m == "WATCHDOG=1\n").map(|(t, _)| t).collect();
    assert!(pings.len() >= 5, "{} watchdog pings in 1.5 s", pings.len());
    let gap = pings.windows(2).map(|w| w[1] - w[0]).max().expect("gaps");
    assert!(gap < Duration::from_millis(400), "a watchdog gap of {gap:?}");

    // A reload says RELOADING (with the monotonic time systemd 253+ requires), then READY.
    daemon.signal("HUP");
    let reloading = sock.wait_for("RELOADING=1", WAIT);
    assert!(reloading.contains("\nMONOTONIC_USEC="), "{reloading:?}");
    let before = sock.messages().len();
    eventually(WAIT, "READY after the reload", || {
        sock.messages()[before..]
            .iter()
            .any(|(_, m)| m.starts_with("READY=1\nSTATUS=watching"))
            .then_some(())
    });
    let (status, _) = daemon.stop();
    assert!(status.success());
    assert!(sock.messages().iter().any(|(_, m)| m == "STOPPING=1\n"), "STOPPING on SIGTERM");
}

#[test]
fn the_watchdog_keeps_pinging_through_a_long_scan() {
    let ws = Workspace::new(None, None, "", "");
    let outside = ws.dir.path().join("incoming");
    std::fs::create_dir_all(&outside).expect("mkdir");
    for (name, text) in burst(2000) {
        std::fs::write(outside.join(name), text).expect("write");
    }
    let sock = NotifySocket::bind(ws.dir.path());
    let mut cmd = ws.run_command(&[], &["--log-format", "json"]);
    // systemd restarts the daemon after a second without a ping; it pings every 500 ms.
    cmd.env("NOTIFY_SOCKET", &sock.path).env("WATCHDOG_USEC", "1000000");
    let mut daemon = ws.spawn_command(cmd);
    sock.wait_for("READY=1", WAIT);
    // A folder of 2000 articles moved in whole is one event and a scan of its own.
    std::fs::rename(&outside, ws.articles.join("incoming")).expect("move the folder in");
    daemon.wait_for_record("reading new and changed files", "files", "2000", WAIT);
    let start = Instant::now();
    eventually(Duration::from_secs(60), "the moved-in folder recorded", || {
        (ws.live_articles() == 2000).then_some(())
    });
    let scan = start.elapsed();
    let pings: Vec<Instant> = sock
        .messages()
        .into_iter()
        .filter(|(t, m)| m == "WATCHDOG=1\n" && *t >= start)
        .map(|(t, _)| t)
        .collect();
    let gaps = pings.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(scan);
    println!("scan took {scan:?}, {} pings, longest gap {gaps:?}", pings.len());
    assert!(
        gaps < Duration::from_millis(1000) && scan > Duration::from_millis(1000),
        "a {gaps:?} gap in watchdog pings during a {scan:?} scan (the scan must outlast the 1 s watchdog)"
    );
    let (status, _) = daemon.stop();
    assert!(status.success());
}

/// The most threads the daemon had during a catch-up of `files` articles with
/// `ingest.max_concurrent_reads = cap`.
fn threads_during_catch_up(files: usize, cap: usize) -> usize {
    let ws = Workspace::new(None, None, "", "");
    let config = std::fs::read_to_string(&ws.config).expect("config");
    let marker = "rescan_interval = \"0s\"\n";
    std::fs::write(
        &ws.config,
        config.replace(marker, &format!("{marker}max_concurrent_reads = {cap}\n")),
    )
    .expect("config");
    for (name, text) in burst(files) {
        ws.write(&name, &text);
    }
    let mut daemon = ws.spawn(&[]);
    let mut most = 0;
    let start = Instant::now();
    while !daemon.log().contains("\"watching\"") {
        assert!(daemon.try_wait().is_none() && start.elapsed() < Duration::from_secs(60));
        most = most.max(daemon.threads());
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(ws.live_articles(), files);
    let (status, _) = daemon.stop();
    assert!(status.success());
    most
}

#[test]
fn max_concurrent_reads_caps_the_threads_reading_files() {
    // The main thread, two runtime workers, notify's thread and a few blocking threads for
    // the database come on top of the readers.
    const OTHERS: usize = 12;
    let two = threads_during_catch_up(1500, 2);
    let sixteen = threads_during_catch_up(1500, 16);
    println!("most threads during a catch-up: {two} with 2 readers, {sixteen} with 16");
    assert!(two <= 2 + OTHERS, "{two} threads with max_concurrent_reads = 2");
    assert!(
        sixteen >= 16,
        "{sixteen} threads with max_concurrent_reads = 16: the readers run at once"
    );
    assert!(sixteen <= 16 + OTHERS, "{sixteen} threads with max_concurrent_reads = 16");
}

/// Messages about one file: each of these log lines must name it.
const FILE_MESSAGES: &[&str] = &[
    "article recorded",
    "alert queued",
    "skipped",
    "unchanged",
    "same content as another article; counted once",
    "file deleted; its facts stay, the deletion is noted in history",
    "not valid UTF-8; decoded as windows-1252 (detected)",
    "processing failed",
];

#[test]
fn under_systemd_logs_go_to_the_journal_with_priorities_and_fields() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let refusing = rt.block_on(Receiver::start([400]));
    let bad_hook = format!(
        "[[webhook]]\nname = \"bad\"\nurl = \"{}\"\nsecret = \"{OTHER_SECRET}\"\n",
        refusing.url("/")
    );
    let ws = Workspace::new(Some(rx.url("/").as_str()), Some(SECRET), "", &bad_hook);
    ws.write("2025-04-08-tariff.md", APRIL);
    let journal = JournalSocket::bind(ws.dir.path());
    // No --log-format: stderr is the journal stream, so the daemon talks to the journal.
    let mut cmd = ws.run_command(&JOURNAL_NAMESPACE, &[]);
    cmd.env("FW_TEST_JOURNAL_DIR", &journal.dir);
    let daemon = ws.spawn_as_service(cmd);
    journal.wait_for("watching", None, WAIT);
    ws.write("2025-07-31-deal.md", JULY_CUT);
    ws.write("binary.md", "\u{0}\u{0}\u{7f}ELF");

    let delivered = journal.wait_for("alert delivered", Some(("WEBHOOK", "test")), WAIT);
    assert_eq!(delivered["PRIORITY"], "6", "info is 6 (informational): {delivered:?}");
    assert_eq!(delivered["KEY"], "tariff_rate:US:PK");
    assert_eq!(delivered["ATTEMPT"], "1");
    assert!(
        delivered["EVENT"].starts_with("evt_") && delivered["LATENCY_MS"].parse::<u64>().is_ok()
    );
    let skipped = journal.wait_for("skipped", Some(("PATH", "binary.md")), WAIT);
    assert_eq!(skipped["PRIORITY"], "4", "warnings are 4: {skipped:?}");
    assert!(skipped["REASON"].contains("binary"), "{skipped:?}");
    let given_up = journal.wait_for(
        "delivery given up; alerts are in the dead letter state (see `factwatch outbox`)",
        Some(("WEBHOOK", "bad")),
        WAIT,
    );
    assert_eq!(given_up["PRIORITY"], "3", "errors are 3, so `journalctl -p err` finds them");
    assert!(given_up["ERROR"].starts_with("HTTP 400"), "{given_up:?}");
    let stderr_path = daemon.log_path().to_path_buf();
    let (status, _) = daemon.stop();
    assert!(status.success());

    let entries = journal.entries();
    assert!(entries.iter().any(|e| e["PRIORITY"] == "7"), "debug lines are 7");
    let b64 = SECRET.trim_start_matches("whsec_");
    for e in &entries {
        assert_eq!(e.get("SYSLOG_IDENTIFIER").map(String::as_str), Some("factwatch"), "{e:?}");
        assert!(e.values().all(|v| !v.contains(b64)), "a secret in the journal: {e:?}");
    }
    // Errors are exactly the failing delivery: what `journalctl -p err -u factwatch` lists.
    let errors: Vec<&str> = entries
        .iter()
        .filter(|e| e["PRIORITY"].parse::<u8>().is_ok_and(|p| p <= 3))
        .map(|e| e["MESSAGE"].as_str())
        .collect();
    assert_eq!(
        errors,
        ["delivery given up; alerts are in the dead letter state (see `factwatch outbox`)"]
    );
    let stderr = std::fs::read_to_string(stderr_path).expect("stderr");
    assert_eq!(stderr, "", "nothing is written twice to stderr");
}

#[test]
fn under_systemd_without_a_journal_socket_logs_are_json_lines_naming_files_and_no_secret() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let ws = Workspace::new(Some(rx.url("/").as_str()), Some(SECRET), "", "");
    ws.write("2025-04-08-tariff.md", APRIL);
    // Stderr is the journal stream but the journal's socket is missing: JSON lines.
    let cmd = ws.run_command(&JOURNAL_NAMESPACE, &[]);
    let mut daemon = ws.spawn_as_service(cmd);
    daemon.wait_for_log("\"watching\"", WAIT);
    assert_eq!(
        daemon.records("cannot reach the journal's socket; logging JSON lines to stderr").len(),
        1
    );
    ws.write("2025-07-31-deal.md", JULY_CUT);
    ws.write("binary.md", "\u{0}\u{0}\u{7f}ELF");
    ws.write("copy.md", JULY_CUT);
    rt.block_on(rx.wait_for(1, WAIT));
    daemon.wait_for_record("skipped", "path", "binary.md", WAIT);
    daemon.wait_for_record(
        "same content as another article; counted once",
        "path",
        "copy.md",
        WAIT,
    );
    std::fs::remove_file(ws.articles.join("copy.md")).expect("rm");
    daemon.wait_for_record(
        "file deleted; its facts stay, the deletion is noted in history",
        "path",
        "copy.md",
        WAIT,
    );
    let log_path = daemon.log_path().to_path_buf();
    let (status, _) = daemon.stop();
    assert!(status.success());

    let log = std::fs::read_to_string(log_path).expect("log");
    let mut about_files = 0;
    for line in log.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        for field in ["timestamp", "level", "message", "target"] {
            assert!(v[field].is_string(), "{field} missing: {line}");
        }
        let message = v["message"].as_str().unwrap_or("");
        if FILE_MESSAGES.contains(&message) {
            about_files += 1;
            let path = v["path"].as_str().unwrap_or("");
            assert!(path.starts_with(&ws.articles.display().to_string()), "no path: {line}");
        }
    }
    assert!(about_files >= 6, "{about_files} lines about files");
    let b64 = SECRET.trim_start_matches("whsec_");
    assert!(!log.contains(b64), "the webhook secret appears in the log");

    // check-config prints the effective settings and says it left the secret out.
    let out = ws.factwatch(&["check-config"]);
    assert!(out.status.success());
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("# webhook test: its secret is written in ") && !shown.contains(b64),
        "{shown}"
    );
}

#[test]
fn logs_are_human_lines_by_default_off_systemd_and_follow_rust_log() {
    let ws = Workspace::new(None, None, "", "");
    let mut cmd = ws.run_command(&[], &[]);
    cmd.env("RUST_LOG", "warn");
    let mut daemon = ws.spawn_command(cmd);
    // Nothing at info is written with RUST_LOG=warn; a skipped file is a warning.
    std::thread::sleep(Duration::from_millis(500));
    ws.write("binary.md", "\u{0}\u{0}\u{0}");
    daemon.wait_for_log("skipped", WAIT);
    let log_path = daemon.log_path().to_path_buf();
    let (status, _) = daemon.stop();
    assert!(status.success());
    let log = std::fs::read_to_string(log_path).expect("log");
    let lines: Vec<&str> = log.lines().collect();
    assert!(!lines.is_empty());
    assert!(!log.contains('\u{1b}'), "no colour codes in a log that is not a terminal: {log:?}");
    for line in &lines {
        assert!(serde_json::from_str::<serde_json::Value>(line).is_err(), "not JSON: {line}");
        assert!(!line.contains(" INFO "), "RUST_LOG=warn hides info: {line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("WARN") && l.contains("skipped") && l.contains("binary.md")),
        "{log}"
    );
}

#[test]
fn an_idle_daemon_uses_almost_no_cpu() {
    let rt = runtime();
    let rx = rt.block_on(Receiver::start([200]));
    let port = free_port();
    let ws = Workspace::new(
        Some(rx.url("/").as_str()),
        Some(SECRET),
        "",
        &format!("[http]\nlisten = \"127.0.0.1:{port}\""),
    );
    ws.write("2025-04-08-tariff.md", APRIL);
    let mut daemon = ws.start(&[]);
    ws.write("2025-09-15-cut.md", SEPTEMBER_CUT);
    rt.block_on(rx.wait_for(1, WAIT));
    daemon.wait_for_record("article recorded", "path", "2025-09-15-cut.md", WAIT);
    std::thread::sleep(Duration::from_millis(500));
    let before = daemon.cpu_time();
    std::thread::sleep(Duration::from_secs(3));
    let used = daemon.cpu_time() - before;
    println!("idle for 3 s: {used:?} of CPU");
    assert!(used < Duration::from_millis(100), "an idle daemon used {used:?} of CPU in 3 s");
    let (status, _) = daemon.stop();
    assert!(status.success());
}

#[test]
fn three_failing_webhooks_log_one_line_per_backoff_step_not_one_per_alert() {
    let rt = runtime();
    let down: Vec<Receiver> = (0..3).map(|_| rt.block_on(Receiver::start([500]))).collect();
    let hooks: String = down
        .iter()
        .enumerate()
        .map(|(i, rx)| {
            format!(
                "[[webhook]]\nname = \"down{i}\"\nurl = \"{}\"\nsecret = \"{SECRET}\"\n",
                rx.url("/")
            )
        })
        .collect();
    let ws = Workspace::new(None, None, "", &hooks);
    // Four retries, then dead: five steps per webhook.
    let config = std::fs::read_to_string(&ws.config).expect("config");
    let schedule = "retry_schedule = [\"100ms\", \"200ms\", \"400ms\", \"800ms\", \"1s\", \"1s\", \"1s\", \"1s\"]";
    std::fs::write(
        &ws.config,
        config.replace(schedule, "retry_schedule = [\"100ms\", \"100ms\", \"100ms\", \"100ms\"]"),
    )
    .expect("config");
    let mut daemon = ws.start(&[]);
    let text: String = COUNTRIES[..10]
        .iter()
        .enumerate()
        .map(|(i, c)| format!("The United States set a {}% tariff on {c} goods. ", 11 + i))
        .collect();
    ws.write("2025-09-01-ten.md", &format!("---\ndate: 2025-09-01\n---\n{text}\n"));
    let recorded = daemon.wait_for_record("article recorded", "path", "2025-09-01-ten.md", WAIT);
    assert_eq!(recorded["alerts"], 10, "{recorded}");
    let given_up =
        "delivery given up; alerts are in the dead letter state (see `factwatch outbox`)";
    eventually(WAIT, "every alert dead for every webhook", || {
        let rows = ws
            .open_db()
            .query_row("SELECT count(*) FROM outbox WHERE state = 'dead'", [], |r| {
                r.get::<_, i64>(0)
            })
            .expect("count");
        (rows == 30).then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    let log_path = daemon.log_path().to_path_buf();
    let (status, _) = daemon.stop();
    assert!(status.success());
    let log = std::fs::read_to_string(log_path).expect("log");
    let lines: Vec<serde_json::Value> =
        log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    for i in 0..3 {
        let hook = format!("down{i}");
        let of = |message: &str| -> Vec<&serde_json::Value> {
            lines
                .iter()
                .filter(|l| l["message"] == message && l["webhook"] == hook.as_str())
                .collect()
        };
        let retries = of("delivery failed; will retry");
        let steps: Vec<u64> = retries.iter().filter_map(|l| l["attempt"].as_u64()).collect();
        assert_eq!(steps, [1, 2, 3, 4], "{hook}: one warning per backoff step:\n{log}");
        assert!(retries.iter().all(|l| l["level"] == "WARN"
            && l["error"].as_str().is_some_and(|e| e.starts_with("HTTP 500"))));
        let dead = of(given_up);
        assert_eq!(dead.len(), 1, "{hook}: one error when the alerts are given up:\n{log}");
        assert_eq!(
            (dead[0]["level"].as_str(), dead[0]["attempt"].as_u64()),
            (Some("ERROR"), Some(5))
        );
        let counted: u64 =
            retries.iter().take(1).chain(dead.iter()).filter_map(|l| l["alerts"].as_u64()).sum();
        assert!(counted >= 2, "{hook}: the lines count the alerts they stand for:\n{log}");
    }
    let warnings = lines.iter().filter(|l| l["level"] == "WARN" || l["level"] == "ERROR").count();
    assert_eq!(
        warnings,
        3 * 5,
        "30 alerts failing through five steps: fifteen lines, not 150:\n{log}"
    );
}
