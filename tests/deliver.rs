//! Webhook delivery end to end: a real outbox in a temp SQLite file, the real `Deliveries`
//! workers, and a real HTTP receiver on 127.0.0.1. Signatures are checked with HMAC
//! computed here from the hmac/sha2 crates, not with factwatch's signer.
//!
//! Retry schedules are a few hundred milliseconds so the whole file runs in seconds; waits
//! poll with generous deadlines, and the only timing asserts are lower bounds ("not before
//! Retry-After", "not before the scheduled wait").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use factwatch::config::{BodyFormat, Config, DeliveryConfig, InboxConfig, Secret, WebhookConfig};
use factwatch::deliver::{Deliveries, Inbox, InboxOptions, InboxOutput};
use factwatch::model::{AlertData, AlertEvent, EventType, Kind, Observation};
use factwatch::store::{Outbox, OutboxEntry, OutboxState, Outgoing, Store};
use factwatch::telemetry::{Gauges, Metrics};
use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::Sha256;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::support::chat;
use crate::support::receiver::{self, RawMode, RawReceiver, Receiver, Reply, assert_signed};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// How long any single wait may take before the test fails; generous for a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);

// ------------------------------------------------------------------------------------------
// Harness

/// A temp database with an outbox, and the metrics the workers report to.
struct Harness {
    _dir: tempfile::TempDir,
    db: PathBuf,
    store: Store,
    metrics: Arc<Metrics>,
    next: u64,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("factwatch.db");
        let store = Store::open(&db).expect("open store");
        Harness { _dir: dir, db, store, metrics: Arc::new(Metrics::default()), next: 0 }
    }

    /// A hand-built alert event about `key`.
    fn event(&mut self, key: &str) -> AlertEvent {
        self.next += 1;
        let n = self.next;
        AlertEvent {
            id: format!("evt_{n:026x}"),
            event_type: EventType::Changed,
            timestamp: "2025-04-08T12:00:00Z".parse().expect("ts"),
            data: AlertData {
                key: key.to_string(),
                metric: "tariff_rate".into(),
                subject: vec!["US".into(), "PK".into()],
                period: None,
                kind: Kind::Figure,
                previous: None,
                current: Observation {
                    value: Some(n as f64),
                    unit: Some("percent".into()),
                    status: None,
                    until: None,
                    as_of: "2025-04-08".parse().expect("date"),
                    source: "news/a.md".into(),
                    quote: "The tariff is now set.".into(),
                    qualifier: None,
                    stated_previous: None,
                },
                summary: format!("US tariff on PK: {n}% -> {}%", n + 1),
                cause: None,
                stated_previous: None,
                conflict: None,
            },
        }
    }

    /// Queues events for webhooks the way the pipeline does: in one store transaction.
    fn enqueue(&mut self, events: &[AlertEvent], webhooks: &[&str]) {
        let outgoing: Vec<Outgoing> = events
            .iter()
            .map(|e| Outgoing {
                event: e.clone(),
                webhooks: webhooks.iter().map(|w| w.to_string()).collect(),
            })
            .collect();
        self.store.record_clock_changes(&[], &outgoing, Timestamp::now()).expect("enqueue");
    }

    /// Every outbox row (delivered too), oldest first.
    fn rows(&self) -> Vec<OutboxEntry> {
        Outbox::open(&self.db).expect("outbox").list(true, 100_000).expect("list")
    }

    fn row(&self, event_id: &str, webhook: &str) -> OutboxEntry {
        self.rows()
            .into_iter()
            .find(|r| r.event_id == event_id && r.webhook == webhook)
            .expect("the row exists")
    }

    /// Waits until `check` holds for the rows, failing with the rows after [`PATIENCE`].
    async fn wait_rows(&self, what: &str, check: impl Fn(&[OutboxEntry]) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let rows = self.rows();
            if check(&rows) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}: {rows:#?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn start(&self, webhooks: &[WebhookConfig], delivery: &DeliveryConfig) -> Deliveries {
        Deliveries::start(webhooks, delivery, &self.db, Arc::clone(&self.metrics))
            .expect("start deliveries")
    }

    /// Waits until the metric `name` reads `value` (outcomes are counted just after they
    /// are recorded, so a row can be seen in its new state a moment before its count).
    async fn wait_metric(&self, name: &str, value: u64) {
        let deadline = Instant::now() + PATIENCE;
        while self.metric(name) != value {
            assert!(Instant::now() < deadline, "{name} is {}, not {value}", self.metric(name));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn metric(&self, name: &str) -> u64 {
        let text = self.metrics.render(&Gauges::default());
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("metric {name} not rendered"))
    }
}

fn webhook(name: &str, url: url::Url) -> WebhookConfig {
    WebhookConfig {
        name: name.into(),
        url,
        secret: Some(Secret::new(SECRET)),
        timeout: Duration::from_secs(5),
        events: EventType::ALL.to_vec(),
        keys: Vec::new(),
        format: BodyFormat::Json,
        headers: BTreeMap::new(),
    }
}

fn schedule(waits: &[u64]) -> DeliveryConfig {
    DeliveryConfig {
        retry_schedule: waits.iter().map(|ms| Duration::from_millis(*ms)).collect(),
        max_in_flight: 8,
    }
}

fn delivered(rows: &[OutboxEntry], n: usize) -> bool {
    rows.iter().filter(|r| r.state == OutboxState::Delivered).count() >= n
}

/// A port nothing listens on (bound, then released).
async fn free_addr() -> std::net::SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    l.local_addr().expect("addr")
}

/// Runs the factwatch binary with a config naming `db`.
async fn factwatch(db: &Path, args: &[&str]) -> std::process::Output {
    let cfg = db.with_extension("toml");
    std::fs::write(&cfg, format!("database = {:?}\n", db.display().to_string())).expect("config");
    tokio::process::Command::new(env!("CARGO_BIN_EXE_factwatch"))
        .args(args)
        .arg("--config")
        .arg(&cfg)
        .env_remove("FACTWATCH_CONFIG")
        .env_remove("FACTWATCH_DB")
        .output()
        .await
        .expect("run factwatch")
}

// ------------------------------------------------------------------------------------------
// Retries and dead letters

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_after_500s_and_delivers_with_the_same_id() {
    let mut h = Harness::new();
    let rx = Receiver::start([500, 500, 500, 200]).await;
    let ev = h.event("tariff_rate:US:PK");
    h.enqueue(std::slice::from_ref(&ev), &["ops"]);
    let d = h.start(&[webhook("ops", rx.url("/hook"))], &schedule(&[100, 100, 100, 100]));
    d.wake();

    h.wait_rows("delivery", |r| delivered(r, 1)).await;
    let reqs = rx.requests();
    assert_eq!(reqs.len(), 4);
    let stored = serde_json::to_value(&ev).expect("json");
    for r in &reqs {
        assert_eq!(r.id(), ev.id);
        assert_eq!(r.json(), stored);
        assert_signed(r, SECRET);
    }
    for pair in reqs.windows(2) {
        // 100ms less the 20% jitter: never sooner.
        assert!(pair[1].at - pair[0].at >= Duration::from_millis(80));
    }
    let row = h.row(&ev.id, "ops");
    assert_eq!((row.state, row.attempts, row.last_status), (OutboxState::Delivered, 4, Some(200)));
    assert_eq!(row.last_error, None);
    h.wait_metric("factwatch_alerts_failed_total{webhook=\"ops\"} ", 3).await;
    h.wait_metric("factwatch_alerts_delivered_total{webhook=\"ops\"} ", 1).await;
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_then_up_gets_every_event_in_order_per_key() {
    let mut h = Harness::new();
    let addr = free_addr().await;
    let keys = ["k:A", "k:B", "k:C"];
    // Interleaved: A1 B1 C1 A2 B2 C2 ...
    let mut events = Vec::new();
    for _ in 0..4 {
        for k in keys {
            events.push(h.event(k));
        }
    }
    h.enqueue(&events, &["ops"]);
    let url: url::Url = format!("http://{addr}/hook").parse().expect("url");
    let d = h.start(&[webhook("ops", url)], &schedule(&[100; 60]));
    d.wake();

    // Down: only the head of each key is tried, and tried again.
    h.wait_rows("two failed attempts per key head", |rows| {
        rows.iter().filter(|r| r.attempts >= 2).count() == keys.len()
    })
    .await;
    for r in h.rows() {
        assert_eq!(r.state, OutboxState::Pending);
        let is_head = events[..3].iter().any(|e| e.id == r.event_id);
        assert_eq!(r.attempts >= 1, is_head, "only key heads are attempted: {r:?}");
        if is_head {
            let err = r.last_error.as_deref().unwrap_or("");
            assert!(err.starts_with("cannot connect"), "{err}");
            assert_eq!(r.last_status, None);
        }
    }

    // Up again on the same port.
    let rx = Receiver::start_on(addr, [200]).await;
    let reqs = rx.wait_for(events.len(), PATIENCE).await;
    h.wait_rows("all delivered", |r| delivered(r, events.len())).await;
    let mut ids: Vec<&str> = reqs.iter().map(|r| r.id()).collect();
    for k in keys {
        let sent: Vec<&str> =
            reqs.iter().filter(|r| r.json()["data"]["key"] == k).map(|r| r.id()).collect();
        let queued: Vec<&str> =
            events.iter().filter(|e| e.data.key == k).map(|e| e.id.as_str()).collect();
        assert_eq!(sent, queued, "order of key {k}");
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "each event exactly once");
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_on_429_is_honoured_for_the_whole_webhook() {
    let mut h = Harness::new();
    let rx = Receiver::start([Reply::status(429).header("retry-after", "1"), 200.into()]).await;
    let first = h.event("k:1");
    h.enqueue(std::slice::from_ref(&first), &["ops"]);
    let d = h.start(&[webhook("ops", rx.url("/"))], &schedule(&[100]));
    d.wake();
    rx.wait_for(1, PATIENCE).await;
    h.wait_rows("the 429 recorded", |r| r[0].attempts == 1).await;
    let row = h.row(&first.id, "ops");
    assert_eq!(row.last_status, Some(429));
    assert_eq!(row.last_error.as_deref(), Some("HTTP 429 Too Many Requests"));

    // Another key queued while the webhook is rate limited waits too.
    let second = h.event("k:2");
    h.enqueue(std::slice::from_ref(&second), &["ops"]);
    d.wake();

    let reqs = rx.wait_for(3, PATIENCE).await;
    h.wait_rows("both delivered", |r| delivered(r, 2)).await;
    assert_eq!(reqs.len(), 3);
    for later in &reqs[1..] {
        let gap = later.at - reqs[0].at;
        assert!(gap >= Duration::from_secs(1), "sent {gap:?} after a Retry-After of 1s");
    }
    assert_eq!(reqs.iter().filter(|r| r.id() == first.id).count(), 2);
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_goes_to_dead_letter_and_outbox_retry_sends_it_again() {
    let mut h = Harness::new();
    let rx = Receiver::start([Reply::status(400).body("missing field `key`"), 200.into()]).await;
    let ev = h.event("k:1");
    h.enqueue(std::slice::from_ref(&ev), &["ops"]);
    let d = h.start(&[webhook("ops", rx.url("/"))], &schedule(&[100, 100]));
    d.wake();

    h.wait_rows("dead letter", |r| r[0].state == OutboxState::Dead).await;
    let row = h.row(&ev.id, "ops");
    assert_eq!(row.attempts, 1);
    assert_eq!(row.last_status, Some(400));
    assert_eq!(row.last_error.as_deref(), Some("HTTP 400 Bad Request: missing field `key`"));
    h.wait_metric("factwatch_alerts_dead_lettered_total{webhook=\"ops\"} ", 1).await;
    // Permanent: no retry follows, even after several scheduled waits.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.count(), 1);

    // `factwatch outbox --json` shows it, then `factwatch outbox retry ID` revives it.
    let out = factwatch(&h.db, &["outbox", "--json"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: serde_json::Value =
        serde_json::from_slice(out.stdout.trim_ascii()).expect("one JSON line");
    assert_eq!(listed["event_id"], ev.id.as_str());
    assert_eq!(listed["state"], "dead");
    assert_eq!(listed["last_status"], 400);
    assert_eq!(listed["last_error"], "HTTP 400 Bad Request: missing field `key`");

    let out = factwatch(&h.db, &["outbox"]).await;
    let table = String::from_utf8_lossy(&out.stdout);
    let line = table.lines().find(|l| l.starts_with(&ev.id)).expect("a row for the event");
    assert!(line.contains(" dead ") && line.contains("HTTP 400 Bad Request"), "{table}");
    assert!(table.ends_with("0 pending (0 failed), 1 dead\n"), "{table}");

    let out = factwatch(&h.db, &["outbox", "retry", &ev.id]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1 dead delivery queued again");
    // No wake: the CLI is another process, and the worker must notice on its own.
    let reqs = rx.wait_for(2, PATIENCE).await;
    h.wait_rows("delivered after retry", |r| delivered(r, 1)).await;
    assert_eq!(reqs[1].id(), ev.id);
    assert_eq!(reqs[1].body, reqs[0].body);
    let row = h.row(&ev.id, "ops");
    assert_eq!((row.attempts, row.last_status), (1, Some(200)));

    let out = factwatch(&h.db, &["outbox", "retry", "evt_unknown"]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no event with id evt_unknown"));
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_counts_as_a_failed_attempt() {
    let mut h = Harness::new();
    let rx = Receiver::start([Reply::hang()]).await;
    let ev = h.event("k:1");
    h.enqueue(std::slice::from_ref(&ev), &["slow"]);
    let mut hook = webhook("slow", rx.url("/"));
    hook.timeout = Duration::from_millis(300);
    let d = h.start(&[hook], &schedule(&[100]));
    d.wake();

    h.wait_rows("dead after two timeouts", |r| r[0].state == OutboxState::Dead).await;
    let row = h.row(&ev.id, "slow");
    assert_eq!(row.attempts, 2);
    assert_eq!(row.last_status, None);
    assert_eq!(row.last_error.as_deref(), Some("gave up after 2 attempts: timed out after 300ms"));
    assert_eq!(rx.count(), 2);
    h.wait_metric("factwatch_alerts_failed_total{webhook=\"slow\"} ", 1).await;
    h.wait_metric("factwatch_alerts_dead_lettered_total{webhook=\"slow\"} ", 1).await;

    // `outbox retry --all-dead` puts it back; the worker tries it again on its own.
    let out = factwatch(&h.db, &["outbox", "retry", "--all-dead"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1 dead delivery queued again");
    rx.wait_for(3, PATIENCE).await;
    d.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Misbehaving receivers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_response_body_is_read_only_a_few_kib() {
    let mut h = Harness::new();
    let raw = RawReceiver::start(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n",
        RawMode::Flood,
    )
    .await;
    let ev = h.event("k:1");
    h.enqueue(std::slice::from_ref(&ev), &["flood"]);
    let mut hook = webhook("flood", raw.url("/"));
    hook.timeout = Duration::from_secs(30);
    let started = Instant::now();
    let d = h.start(&[hook], &schedule(&[]));
    d.wake();

    h.wait_rows("dead", |r| r[0].state == OutboxState::Dead).await;
    // The cap ended the exchange, not the 30s timeout.
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
    let row = h.row(&ev.id, "flood");
    let err = row.last_error.unwrap_or_default();
    assert!(
        err.starts_with("gave up after 1 attempt: HTTP 500 Internal Server Error: xxxx"),
        "{err}"
    );
    assert!(err.len() < 400, "the excerpt is short: {} bytes", err.len());
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Whatever the kernel buffered, nowhere near what 30s of flooding would be.
    assert!(raw.flooded_bytes() < 64 << 20, "{} bytes", raw.flooded_bytes());
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_that_never_ends_is_cut_at_the_timeout() {
    let mut h = Harness::new();
    let raw = RawReceiver::start(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000000\r\n\r\npartial",
        RawMode::Stall,
    )
    .await;
    let events = [h.event("k:1"), h.event("k:2")];
    h.enqueue(&events, &["stall"]);
    let mut hook = webhook("stall", raw.url("/"));
    hook.timeout = Duration::from_millis(400);
    let d = h.start(&[hook], &schedule(&[100]));
    d.wake();

    // The 200 is the receiver's answer; the body that never ends does not block the worker.
    h.wait_rows("both delivered", |r| delivered(r, 2)).await;
    assert_eq!(raw.count(), 2);
    for e in &events {
        assert_eq!(h.row(&e.id, "stall").attempts, 1);
    }
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_followed_only_to_the_same_origin() {
    let mut h = Harness::new();
    let elsewhere = Receiver::start([200]).await;
    let cross = Receiver::start([Reply::status(307)
        .header("location", format!("http://localhost:{}/x", elsewhere.addr().port()))])
    .await;
    let same = Receiver::start([Reply::status(307).header("location", "/moved"), 200.into()]).await;
    let (a, b) = (h.event("k:1"), h.event("k:2"));
    h.enqueue(std::slice::from_ref(&a), &["cross"]);
    h.enqueue(std::slice::from_ref(&b), &["same"]);
    let d = h.start(
        &[webhook("cross", cross.url("/hook")), webhook("same", same.url("/hook"))],
        &schedule(&[]),
    );
    d.wake();

    h.wait_rows("both settled", |r| r.iter().all(|r| r.state != OutboxState::Pending)).await;
    let row = h.row(&a.id, "cross");
    assert_eq!(row.state, OutboxState::Dead);
    assert_eq!(row.last_status, Some(307));
    assert_eq!(
        row.last_error.as_deref(),
        Some(
            "gave up after 1 attempt: HTTP 307 Temporary Redirect (redirect to another host (localhost) not followed)"
        )
    );
    assert_eq!(elsewhere.count(), 0);

    assert_eq!(h.row(&b.id, "same").state, OutboxState::Delivered);
    let reqs = same.requests();
    assert_eq!(reqs.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(), ["/hook", "/moved"]);
    assert_eq!(reqs[1].body, reqs[0].body);
    assert_signed(&reqs[1], SECRET);
    d.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Per-webhook settings and independence

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_headers_and_signatures_follow_each_webhook_config() {
    let mut h = Harness::new();
    let rx = Receiver::start([200]).await;
    let ev = h.event("tariff_rate:US:PK");
    h.enqueue(std::slice::from_ref(&ev), &["json", "slack", "discord"]);
    let mut json = webhook("json", rx.url("/json"));
    json.headers.insert("X-Team".into(), "ops".into());
    let mut slack = webhook("slack", rx.url("/slack"));
    slack.format = BodyFormat::Slack;
    let slack_secret = "whsec_c2xhY2stc2VjcmV0LWJ5dGVz";
    slack.secret = Some(Secret::new(slack_secret));
    let mut discord = webhook("discord", rx.url("/discord"));
    discord.format = BodyFormat::Discord;
    discord.secret = None;
    let d = h.start(&[json, slack, discord], &schedule(&[100]));
    d.wake();

    let reqs = rx.wait_for(3, PATIENCE).await;
    let by_path = |p: &str| reqs.iter().find(|r| r.path == p).expect("request for path");
    for r in &reqs {
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("user-agent"), Some("factwatch/0.1.0"));
        assert_eq!(r.id(), ev.id);
        assert!(r.header("webhook-timestamp").is_some());
    }
    let j = by_path("/json");
    assert_eq!(j.json(), serde_json::to_value(&ev).expect("json"));
    assert_eq!(j.header("x-team"), Some("ops"));
    assert_signed(j, SECRET);

    let s = by_path("/slack");
    let slack_body = s.json();
    chat::validate_slack(&slack_body).expect("a valid Block Kit message");
    let change = ev.data.summary.replace("US tariff on PK: ", "").replace(" -> ", " → ");
    assert_eq!(
        slack_body["blocks"][1]["text"]["text"],
        format!("*US tariff on PK*: {change}\n`fact.changed` · tariff_rate:US:PK")
    );
    assert_eq!(slack_body["blocks"][2]["elements"][0]["text"], "“The tariff is now set.”");
    assert_eq!(slack_body["blocks"][2]["elements"][1]["text"], "news/a.md · article of 2025-04-08");
    assert_eq!(s.header("x-team"), None);
    assert_signed(s, slack_secret);

    let dc = by_path("/discord");
    let discord_body = dc.json();
    chat::validate_discord(&discord_body).expect("a valid Discord message");
    assert_eq!(discord_body["embeds"][0]["title"], format!("US tariff on PK\\: {change}"));
    assert_eq!(discord_body["embeds"][0]["description"], "> The tariff is now set.");
    assert_eq!(dc.header("webhook-signature"), None);
    h.wait_rows("all delivered", |r| delivered(r, 3)).await;
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_messages_group_one_articles_alerts_within_the_documented_limits() {
    let mut h = Harness::new();
    let rx = Receiver::start([200]).await;
    // 30 alerts from one article with hostile text (markup, mentions, huge quotes), and 2
    // from another: each article gets its own messages, each message within the limits.
    let mut events = Vec::new();
    for i in 0..32 {
        let mut e = h.event(&format!("tariff_rate:US:C{i}"));
        e.data.current.source = if i < 30 { "news/big.md".into() } else { "news/small.md".into() };
        e.data.current.quote = format!(
            "*bold* _it_ `code` <!channel> @everyone [x](http://evil) {}",
            "q".repeat(5000)
        );
        e.data.summary = format!("US tariff on C{i} {}: 1% -> 2%", "~".repeat(300));
        events.push(e);
    }
    h.enqueue(&events, &["slack", "discord", "json"]);
    let mut slack = webhook("slack", rx.url("/slack"));
    slack.format = BodyFormat::Slack;
    let mut discord = webhook("discord", rx.url("/discord"));
    discord.format = BodyFormat::Discord;
    let d = h.start(&[slack, discord, webhook("json", rx.url("/json"))], &schedule(&[100]));
    d.wake();
    h.wait_rows("all delivered", |r| delivered(r, 3 * events.len())).await;

    let reqs = rx.requests();
    let at = |p: &str| reqs.iter().filter(|r| r.path == p).collect::<Vec<_>>();
    assert_eq!(at("/json").len(), 32, "the JSON event stays one request per change");
    let key_pattern = regex::Regex::new(r"tariff_rate:US:(C\d+)\b").expect("regex");
    for (path, per_message) in [("/slack", 24), ("/discord", 10)] {
        let mut seen: Vec<String> = Vec::new();
        for r in at(path) {
            let body = r.json();
            let check = if path == "/slack" {
                chat::validate_slack(&body)
            } else {
                chat::validate_discord(&body)
            };
            check.unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
            let text = body.to_string();
            // Slack reads markup and mentions only in mrkdwn; Discord is told to resolve none,
            // and the markup is escaped.
            let markup: Vec<String> = if path == "/slack" {
                let mut m = vec![body["text"].as_str().unwrap_or("").to_string()];
                for b in body["blocks"].as_array().into_iter().flatten() {
                    for t in std::iter::once(&b["text"])
                        .chain(b["elements"].as_array().into_iter().flatten())
                    {
                        if t["type"] == "mrkdwn" {
                            m.push(t["text"].as_str().unwrap_or("").to_string());
                        }
                    }
                }
                m
            } else {
                body["embeds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| e["description"].as_str().unwrap_or("").to_string())
                    .collect()
            };
            for m in &markup {
                assert!(
                    !m.contains("<!channel>") && !m.contains(" *bold*"),
                    "{path}: unescaped markup in {m}"
                );
            }
            // Each alert names its key once; Discord escapes `_` and `:`.
            let plain = text.replace('\\', "");
            let mut keys: Vec<String> =
                key_pattern.captures_iter(&plain).map(|c| c[1].to_string()).collect();
            keys.dedup();
            assert!(
                !keys.is_empty() && keys.len() <= per_message,
                "{path}: {} alerts in one message",
                keys.len()
            );
            let sources: Vec<bool> =
                [("big.md"), ("small.md")].iter().map(|s| text.contains(s)).collect();
            assert_eq!(
                sources.iter().filter(|x| **x).count(),
                1,
                "{path}: one article per message"
            );
            seen.extend(keys);
        }
        seen.sort();
        let mut expected: Vec<String> = (0..32).map(|i| format!("C{i}")).collect();
        expected.sort();
        assert_eq!(seen, expected, "{path}: every alert in exactly one message");
        assert!(at(path).len() < 32, "{path}: alerts of one article are grouped");
    }
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_is_down_does_not_hold_back_another() {
    let mut h = Harness::new();
    let rx = Receiver::start([200]).await;
    let down: url::Url = format!("http://{}/", free_addr().await).parse().expect("url");
    let events: Vec<AlertEvent> = (0..5).map(|i| h.event(&format!("k:{i}"))).collect();
    h.enqueue(&events, &["down", "up"]);
    let d = h.start(&[webhook("down", down), webhook("up", rx.url("/"))], &schedule(&[60_000]));
    d.wake();

    rx.wait_for(events.len(), PATIENCE).await;
    h.wait_rows("up delivered, down failed", |rows| {
        rows.iter().filter(|r| r.webhook == "up" && r.state == OutboxState::Delivered).count() == 5
            && rows.iter().filter(|r| r.webhook == "down" && r.attempts == 1).count() == 5
    })
    .await;
    for r in h.rows().iter().filter(|r| r.webhook == "down") {
        assert_eq!(r.state, OutboxState::Pending);
        assert!(r.last_error.as_deref().is_some_and(|e| e.starts_with("cannot connect")));
    }
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_sent_concurrently_up_to_max_in_flight() {
    let mut h = Harness::new();
    let rx = Receiver::start([Reply::status(200).after(Duration::from_millis(300))]).await;
    let events: Vec<AlertEvent> = (0..12).map(|i| h.event(&format!("k:{i}"))).collect();
    h.enqueue(&events, &["ops"]);
    let mut delivery = schedule(&[100]);
    delivery.max_in_flight = 4;
    let d = h.start(&[webhook("ops", rx.url("/"))], &delivery);
    d.wake();

    h.wait_rows("all delivered", |r| delivered(r, events.len())).await;
    let peak = rx.peak_concurrency();
    assert!((2..=4).contains(&peak), "peak concurrency {peak}");
    d.shutdown().await;
}

// ------------------------------------------------------------------------------------------
// Lifecycle: reload and shutdown

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_moves_changed_webhooks_and_stops_removed_ones() {
    let mut h = Harness::new();
    let (old_a, b_rx, new_a, c_rx) = (
        Receiver::start([200]).await,
        Receiver::start([200]).await,
        Receiver::start([200]).await,
        Receiver::start([200]).await,
    );
    let delivery = schedule(&[100]);
    let mut d = h.start(&[webhook("a", old_a.url("/")), webhook("b", b_rx.url("/"))], &delivery);
    assert_eq!(d.webhooks(), ["a", "b"]);
    d.reload(&[webhook("a", new_a.url("/")), webhook("c", c_rx.url("/"))], &delivery)
        .await
        .expect("reload");
    assert_eq!(d.webhooks(), ["a", "c"]);

    let ev = h.event("k:1");
    h.enqueue(std::slice::from_ref(&ev), &["a", "b", "c"]);
    d.wake();
    new_a.wait_for(1, PATIENCE).await;
    c_rx.wait_for(1, PATIENCE).await;
    h.wait_rows("a and c delivered", |r| delivered(r, 2)).await;
    assert_eq!(old_a.count(), 0);
    assert_eq!(b_rx.count(), 0);
    let b = h.row(&ev.id, "b");
    assert_eq!((b.state, b.attempts), (OutboxState::Pending, 0));

    // A bad new config is refused and leaves the running workers alone.
    let mut bad = webhook("c", c_rx.url("/"));
    bad.secret = Some(Secret::new("not-a-secret"));
    let err = d.reload(&[bad], &delivery).await.expect_err("bad secret");
    assert!(format!("{err:#}").contains("webhook c"), "{err:#}");
    assert_eq!(d.webhooks(), ["a", "c"]);
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_records_finishing_requests_and_leaves_stuck_ones_pending() {
    let mut h = Harness::new();
    let slow = Receiver::start([Reply::status(200).after(Duration::from_millis(300))]).await;
    let stuck = Receiver::start([Reply::hang()]).await;
    let (a, b) = (h.event("k:1"), h.event("k:2"));
    h.enqueue(std::slice::from_ref(&a), &["slow"]);
    h.enqueue(std::slice::from_ref(&b), &["stuck"]);
    let mut stuck_hook = webhook("stuck", stuck.url("/"));
    stuck_hook.timeout = Duration::from_secs(60);
    let d = h.start(&[webhook("slow", slow.url("/")), stuck_hook], &schedule(&[100]));
    d.wake();
    slow.wait_for(1, PATIENCE).await;
    stuck.wait_for(1, PATIENCE).await;

    let started = Instant::now();
    d.shutdown().await;
    // Bounded by the grace period (5s), far below the stuck request's 60s timeout.
    assert!(started.elapsed() < Duration::from_secs(12), "{:?}", started.elapsed());
    assert_eq!(h.row(&a.id, "slow").state, OutboxState::Delivered);
    let b = h.row(&b.id, "stuck");
    assert_eq!((b.state, b.attempts), (OutboxState::Pending, 0));
}

// ------------------------------------------------------------------------------------------
// Bad configuration

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_webhook_settings_fail_naming_the_webhook() {
    let env = BTreeMap::<String, String>::new();
    let err = Config::from_toml("[[webhook]]\nname = \"ops\"\nurl = \"ht!tp:/nope\"", None, &env)
        .expect_err("bad url")
        .to_string();
    assert!(err.contains("ops") && err.contains("url"), "{err}");
    let text = "[[webhook]]\nname = \"ops\"\nurl = \"http://127.0.0.1:1/\"\nsecret_file = \"/nonexistent/fw-secret\"";
    let err = Config::from_toml(text, None, &env).expect_err("missing secret file").to_string();
    assert!(err.contains("ops") && err.contains("/nonexistent/fw-secret"), "{err}");

    let h = Harness::new();
    let mut hook = webhook("ops", "http://127.0.0.1:1/".parse().expect("url"));
    hook.headers.insert("x-note".into(), "bell\u{7}".into());
    let err = Deliveries::start(&[hook], &schedule(&[100]), &h.db, Arc::clone(&h.metrics))
        .expect_err("bad header value");
    assert!(format!("{err:#}").contains("webhook ops"), "{err:#}");
    let mut hook = webhook("ops", "http://127.0.0.1:1/".parse().expect("url"));
    hook.secret = Some(Secret::new("hunter2"));
    let err = Deliveries::start(&[hook], &schedule(&[100]), &h.db, Arc::clone(&h.metrics))
        .expect_err("bad secret");
    let text = format!("{err:#}");
    assert!(text.contains("webhook ops") && !text.contains("hunter2"), "{text}");
}

// ------------------------------------------------------------------------------------------
// The inbox and send-test

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_verifies_signatures_and_prints_each_alert() {
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    let options = InboxOptions {
        secret: Some(Secret::new(SECRET)),
        require_signature: true,
        json_lines: true,
        output: InboxOutput::Channel(tx),
    };
    let inbox = Inbox::bind("127.0.0.1:0".parse().expect("addr"), options).await.expect("bind");
    let addr = inbox.local_addr().expect("addr");
    let stop = CancellationToken::new();
    let server = tokio::spawn(inbox.serve(stop.clone()));

    // factwatch's own delivery verifies.
    let mut h = Harness::new();
    let ev = h.event("k:1");
    h.enqueue(std::slice::from_ref(&ev), &["inbox"]);
    let url: url::Url = format!("http://{addr}/").parse().expect("url");
    let d = h.start(&[webhook("inbox", url)], &schedule(&[100]));
    d.wake();
    let line = tokio::time::timeout(PATIENCE, lines.recv()).await.expect("a line").expect("open");
    let printed: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
    assert_eq!(printed, serde_json::to_value(&ev).expect("json"));
    h.wait_rows("delivered", |r| delivered(r, 1)).await;
    d.shutdown().await;

    // Independently signed posts: a good one, a stale one, a forged one, an unsigned one.
    let body = br#"{"id":"evt_x","type":"fact.new","data":{"summary":"s"}}"#;
    let signed = |id: &str, ts: i64, secret: &str| {
        let key = STANDARD.decode(secret.strip_prefix("whsec_").expect("prefix")).expect("b64");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
        mac.update(format!("{id}.{ts}.").as_bytes());
        mac.update(body);
        vec![
            ("webhook-id", id.to_string()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))),
        ]
    };
    let now = Timestamp::now().as_second();
    assert_eq!(receiver::post(addr, &signed("evt_x", now, SECRET), body).await, 200);
    assert_eq!(lines.recv().await.as_deref().map(|l| l.contains("evt_x")), Some(true));
    assert_eq!(receiver::post(addr, &signed("evt_x", now - 600, SECRET), body).await, 401);
    assert_eq!(receiver::post(addr, &signed("evt_x", now + 600, SECRET), body).await, 401);
    let forged = signed("evt_x", now, "whsec_b3RoZXIgc2VjcmV0");
    assert_eq!(receiver::post(addr, &forged, body).await, 401);
    assert_eq!(receiver::post(addr, &[], body).await, 401);
    let mut warnings = Vec::new();
    while let Ok(l) = lines.try_recv() {
        warnings.push(l);
    }
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.starts_with("warning: refused")), "{warnings:?}");
    assert!(warnings.iter().all(|w| !w.contains(SECRET)));
    stop.cancel();
    server.await.expect("join").expect("serve");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_without_a_secret_accepts_unsigned_posts_with_a_warning() {
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    let config = InboxConfig { listen: "127.0.0.1:0".parse().expect("addr"), secret: None };
    let options = InboxOptions {
        secret: config.secret.clone(),
        require_signature: false,
        json_lines: false,
        output: InboxOutput::Channel(tx),
    };
    let inbox = Inbox::bind(config.listen, options).await.expect("bind");
    let addr = inbox.local_addr().expect("addr");
    let stop = CancellationToken::new();
    let server = tokio::spawn(inbox.serve(stop.clone()));

    let body = br#"{"id":"evt_1","type":"fact.changed","timestamp":"2025-04-08T12:00:00Z","data":{"summary":"US tariff on PK: 29% -> 19%","current":{"source":"a.md"}}}"#;
    assert_eq!(receiver::post(addr, &[("webhook-id", "evt_1".into())], body).await, 200);
    assert_eq!(receiver::post(addr, &[], b"not json").await, 400);
    let got: Vec<String> = std::iter::from_fn(|| lines.try_recv().ok()).collect();
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[0].starts_with("warning: accepted evt_1"), "{got:?}");
    assert_eq!(
        got[1],
        "2025-04-08T12:00:00Z  fact.changed  US tariff on PK: 29% -> 19%  (source: a.md)  evt_1"
    );
    assert!(got[3].contains("not JSON"), "{got:?}");
    stop.cancel();
    server.await.expect("join").expect("serve");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_test_posts_a_signed_test_event_that_the_inbox_cli_prints() {
    use tokio::io::AsyncBufReadExt as _;
    let mut inbox = tokio::process::Command::new(env!("CARGO_BIN_EXE_factwatch"))
        .args(["inbox", "--listen", "127.0.0.1:0", "--json", "--secret", SECRET])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start factwatch inbox");
    let mut stderr = tokio::io::BufReader::new(inbox.stderr.take().expect("stderr")).lines();
    let mut stdout = tokio::io::BufReader::new(inbox.stdout.take().expect("stdout")).lines();
    let addr = tokio::time::timeout(PATIENCE, async {
        while let Some(line) = stderr.next_line().await.expect("read") {
            if let Some(rest) = line.strip_prefix("factwatch inbox listening on http://") {
                return rest.trim_end_matches('/').to_string();
            }
        }
        panic!("the inbox exited before listening");
    })
    .await
    .expect("the inbox says where it listens");

    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("factwatch.toml");
    let db = dir.path().join("db.sqlite");
    std::fs::write(
        &cfg,
        format!(
            "database = {:?}\n[[webhook]]\nname = \"local\"\nurl = \"http://{addr}/\"\nsecret = \"{SECRET}\"\n[[webhook]]\nname = \"wrong\"\nurl = \"http://{addr}/\"\nsecret = \"whsec_b3RoZXIgc2VjcmV0\"\n",
            db.display().to_string()
        ),
    )
    .expect("config");
    let run = |args: &'static [&'static str]| {
        let cfg = cfg.clone();
        async move {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_factwatch"))
                .args(args)
                .arg("--config")
                .arg(&cfg)
                .output()
                .await
                .expect("run send-test")
        }
    };
    let out = run(&["send-test", "--webhook", "local"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "local: HTTP 200");
    let line = tokio::time::timeout(PATIENCE, stdout.next_line())
        .await
        .expect("a line in time")
        .expect("read")
        .expect("a line");
    let v: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
    assert_eq!(v["type"], "factwatch.test");
    assert!(v["id"].as_str().is_some_and(|id| id.starts_with("evt_test_")));

    let out = run(&["send-test"]).await;
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("local: HTTP 200") && text.contains("wrong: HTTP 401"), "{text}");
    inbox.kill().await.expect("stop the inbox");
}
