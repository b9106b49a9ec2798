//! The health, metrics and status endpoint: `/healthz` (the process answers), `/readyz`
//! (the catch-up is done and the database takes writes), `/metrics` (Prometheus text, or
//! OpenMetrics when the scraper asks for it) and `/status` (the JSON that `factwatch status`
//! shows). Off unless `http.listen` is set; meant for a loopback address.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::FactsConfig;
use crate::model::EventType;
use crate::store::Store;
use crate::telemetry::{ArticleOutcome, Exposition, Gauges, Metrics, OutboxGauge};

/// What the endpoints read.
#[derive(Clone)]
pub(crate) struct Health {
    /// Set once the catch-up scan is done.
    pub(crate) ready: Arc<AtomicBool>,
    /// The daemon's metrics.
    pub(crate) metrics: Arc<Metrics>,
    /// A connection of its own, so a scrape never waits behind the pipeline's writes.
    pub(crate) store: Arc<Mutex<Store>>,
    /// The fixed facts about this daemon that `/status` shows.
    pub(crate) about: Arc<About>,
}

/// What `/status` shows that does not change while the daemon runs.
pub(crate) struct About {
    /// The watched folder.
    pub(crate) watch_dir: PathBuf,
    /// The database file.
    pub(crate) database: PathBuf,
    /// When the daemon started.
    pub(crate) started_at: Timestamp,
    /// The fact clock.
    pub(crate) clock: Clock,
    /// The zone "today" is read in, for the age of facts.
    pub(crate) tz: jiff::tz::TimeZone,
    /// How facts are shown.
    pub(crate) facts: FactsConfig,
}

/// The daemon at a glance: the body of `/status`, which `factwatch status` renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    /// The factwatch version.
    pub version: String,
    /// The daemon's process id.
    pub pid: u32,
    /// `catching up` until the first scan is done, then `watching`.
    pub state: String,
    /// When the daemon started.
    pub started_at: Timestamp,
    /// Seconds since then.
    pub uptime_seconds: u64,
    /// The fact clock's now (differs from the wall clock under `--now`).
    pub clock: Timestamp,
    /// The watched folder.
    pub watch_dir: String,
    /// The database file.
    pub database: String,
    /// The facts held.
    pub facts: FactCounts,
    /// Articles on record, and what happened to files since start.
    pub articles: ArticleCounts,
    /// Alert deliveries per webhook.
    pub webhooks: Vec<WebhookStatus>,
    /// The newest alert queued, if any.
    pub last_alert: Option<LastAlert>,
    /// The last warning or error logged since start, if any.
    pub last_problem: Option<LastProblem>,
}

/// Facts by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactCounts {
    /// All facts.
    pub total: u64,
    /// Figures.
    pub figures: u64,
    /// Statuses.
    pub statuses: u64,
    /// Open-ended statuses no article confirmed for `facts.unconfirmed_after`.
    pub unconfirmed: u64,
}

/// Articles and files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleCounts {
    /// Live articles in the database.
    pub on_record: u64,
    /// Files read and recorded since start.
    pub ingested: u64,
    /// Files skipped since start (unchanged, or a copy of another).
    pub skipped: u64,
    /// Files that could not be read since start.
    pub failed: u64,
    /// Claims extracted since start.
    pub claims: u64,
    /// Changes detected since start (outside the baseline).
    pub changes: u64,
    /// Facts recorded silently as the bootstrap baseline since start.
    pub baseline_facts: u64,
}

/// One webhook's deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookStatus {
    /// The webhook name.
    pub name: String,
    /// Alerts waiting (failed ones included).
    pub pending: u64,
    /// Pending alerts that were tried at least once.
    pub failed: u64,
    /// Alerts in the dead letter state.
    pub dead: u64,
    /// Alerts delivered since start.
    pub delivered: u64,
    /// Attempts that failed since start.
    pub failed_attempts: u64,
    /// The last 2xx, if any since start.
    pub last_delivery: Option<Timestamp>,
}

/// The newest alert event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastAlert {
    /// The event id.
    pub id: String,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Its summary line.
    pub summary: String,
    /// The article it came from.
    pub source: String,
    /// When it was queued (fact clock).
    pub queued_at: String,
}

/// The last warning or error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastProblem {
    /// When.
    pub at: Timestamp,
    /// `WARN` or `ERROR`.
    pub level: String,
    /// The log message.
    pub message: String,
    /// Its fields, `name=value`.
    pub fields: Vec<String>,
}

/// Binds the address and serves until `shutdown`. Binding errors are returned at once so
/// a port in use fails the start with a clear message.
pub(crate) async fn serve(
    addr: SocketAddr,
    health: Health,
    shutdown: CancellationToken,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("setting `http.listen`: cannot listen on {addr}: {e}"))?;
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/status", get(status))
        .with_state(health);
    tracing::info!(%addr, "serving /healthz, /readyz, /metrics and /status");
    Ok(tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "health endpoint stopped");
        }
    }))
}

async fn readyz(State(h): State<Health>) -> impl IntoResponse {
    if !h.ready.load(Ordering::Relaxed) {
        return (StatusCode::SERVICE_UNAVAILABLE, "catching up\n".to_string());
    }
    let store = h.store.clone();
    let writable = tokio::task::spawn_blocking(move || {
        store
            .lock()
            .map_err(|_| "lock poisoned".to_string())?
            .check_writable()
            .map_err(|e| e.to_string())
    })
    .await;
    match writable {
        Ok(Ok(())) => (StatusCode::OK, "ready\n".to_string()),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, format!("database not writable: {e}\n")),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("check failed: {e}\n")),
    }
}

/// What the store knows, read on its own connection and blocking thread.
#[derive(Default)]
struct StoreView {
    outbox: Vec<OutboxGauge>,
    facts: FactCounts,
    articles: u64,
    last_alert: Option<LastAlert>,
}

async fn read_store(h: &Health, with_details: bool) -> StoreView {
    let store = h.store.clone();
    let about = Arc::clone(&h.about);
    let read = move || -> Option<StoreView> {
        let s = store.lock().ok()?;
        let counts = s.counts().ok()?;
        let outbox = s
            .outbox_by_webhook()
            .ok()?
            .into_iter()
            .map(|w| OutboxGauge {
                webhook: w.webhook,
                pending: w.pending,
                failed: w.failed,
                dead: w.dead,
            })
            .collect();
        let mut view = StoreView { outbox, articles: counts.articles, ..StoreView::default() };
        view.facts.total = counts.facts;
        if with_details {
            let (figures, statuses) = s.fact_kinds().ok()?;
            let today = about.clock.now().to_zoned(about.tz.clone()).date();
            let after = about.facts.unconfirmed_after_days;
            let unconfirmed = s
                .all_facts()
                .ok()?
                .iter()
                .filter(|f| crate::reconcile::is_unconfirmed(f, today, after))
                .count() as u64;
            view.facts = FactCounts { total: counts.facts, figures, statuses, unconfirmed };
            view.last_alert = s.last_event().ok()?.map(|e| LastAlert {
                id: e.id,
                event_type: e.event_type,
                summary: e.summary,
                source: e.source,
                queued_at: e.queued_at,
            });
        }
        Some(view)
    };
    tokio::task::spawn_blocking(read).await.ok().flatten().unwrap_or_default()
}

async fn metrics(State(h): State<Health>, headers: HeaderMap) -> impl IntoResponse {
    let view = read_store(&h, false).await;
    let format = Exposition::from_accept(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let body = h.metrics.render_as(
        &Gauges {
            outbox: view.outbox,
            facts: view.facts.total,
            ready: h.ready.load(Ordering::Relaxed),
        },
        format,
    );
    ([(header::CONTENT_TYPE, format.content_type())], body)
}

async fn status(State(h): State<Health>) -> impl IntoResponse {
    let view = read_store(&h, true).await;
    let m = &h.metrics;
    let mut names: Vec<String> = m.webhooks().into_iter().map(|(n, _)| n).collect();
    names.extend(view.outbox.iter().map(|o| o.webhook.clone()));
    names.sort();
    names.dedup();
    let registered = m.webhooks();
    let webhooks = names
        .into_iter()
        .map(|name| {
            let rows = view.outbox.iter().find(|o| o.webhook == name).cloned().unwrap_or_default();
            let wm = registered.iter().find(|(n, _)| *n == name).map(|(_, w)| Arc::clone(w));
            let last = wm.as_ref().map_or(0, |w| w.last_delivery_unix());
            WebhookStatus {
                pending: rows.pending,
                failed: rows.failed,
                dead: rows.dead,
                delivered: wm.as_ref().map_or(0, |w| w.delivered_total()),
                failed_attempts: wm.as_ref().map_or(0, |w| w.failed_total()),
                last_delivery: (last > 0)
                    .then(|| Timestamp::from_second(i64::try_from(last).unwrap_or(0)).ok())
                    .flatten(),
                name,
            }
        })
        .collect();
    let now = Timestamp::now();
    let uptime = now.duration_since(h.about.started_at).as_secs().max(0);
    let report = StatusReport {
        version: env!("CARGO_PKG_VERSION").to_string(),
        pid: std::process::id(),
        state: if h.ready.load(Ordering::Relaxed) { "watching" } else { "catching up" }.into(),
        started_at: h.about.started_at,
        uptime_seconds: u64::try_from(uptime).unwrap_or(0),
        clock: h.about.clock.now(),
        watch_dir: h.about.watch_dir.display().to_string(),
        database: h.about.database.display().to_string(),
        facts: view.facts,
        articles: ArticleCounts {
            on_record: view.articles,
            ingested: m.articles(ArticleOutcome::Ingested),
            skipped: m.articles(ArticleOutcome::Skipped),
            failed: m.articles(ArticleOutcome::Failed),
            claims: m.claims_total(),
            changes: EventType::ALL.iter().map(|t| m.changes(*t)).sum(),
            baseline_facts: m.baseline_total(),
        },
        webhooks,
        last_alert: view.last_alert,
        last_problem: crate::telemetry::last_problem().map(|p| LastProblem {
            at: p.at,
            level: p.level,
            message: p.message,
            fields: p.fields,
        }),
    };
    let body = serde_json::to_string(&report).unwrap_or_else(|_| "{}".to_string());
    ([(header::CONTENT_TYPE, "application/json")], body)
}
