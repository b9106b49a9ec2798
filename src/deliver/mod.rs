//! Delivery: drains the outbox to the webhooks over HTTP.
//!
//! The only module that speaks HTTP to webhooks (and the only one naming `reqwest`). It
//! never decides whether to alert; it reads due rows through [`crate::store::Outbox`] and
//! reports each attempt back, and a row is acknowledged only after a 2xx.
//!
//! [`Deliveries`] is the handle the daemon holds: one worker task per webhook, each with its
//! own outbox connection and HTTP connection pool, so a receiver that is down or slow holds
//! back only its own rows. The parts: `worker` (the loop), `http` (client, headers, capped
//! response reading), `sign` (Standard Webhooks signatures), `body` (json, Slack, Discord),
//! `retry` (classification, schedule, jitter, `Retry-After`) and `inbox` (the receiver behind
//! `factwatch inbox`).

mod body;
pub(crate) use body::truncate;
mod http;
mod inbox;
mod retry;
mod sign;
mod worker;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::{DeliveryConfig, WebhookConfig};
use crate::store::Outbox;
use crate::telemetry::Metrics;

pub use inbox::{Inbox, InboxOptions, InboxOutput, serve_inbox};
pub use retry::Attempt;
pub use sign::{VerifyError, check_secret, generate_secret, sign};

/// The event type of `factwatch send-test` events.
pub const TEST_EVENT_TYPE: &str = "factwatch.test";

/// The running delivery workers, one per webhook.
#[derive(Debug)]
pub struct Deliveries {
    db: PathBuf,
    metrics: Arc<Metrics>,
    delivery: DeliveryConfig,
    workers: Vec<WorkerHandle>,
}

/// One running worker and what is needed to wake or stop it.
#[derive(Debug)]
struct WorkerHandle {
    config: WebhookConfig,
    wake: Arc<Notify>,
    cancel: CancellationToken,
    join: JoinHandle<()>,
}

impl WorkerHandle {
    /// Asks the worker to stop and waits for it, bounded: it gets the shutdown grace for its
    /// requests in flight and as long again to record them.
    async fn stop(self) {
        self.cancel.cancel();
        let bound = worker::SHUTDOWN_GRACE * 2 + Duration::from_secs(1);
        let abort = self.join.abort_handle();
        if tokio::time::timeout(bound, self.join).await.is_err() {
            warn!(webhook = %self.config.name, "delivery worker did not stop in time; abandoned");
            abort.abort();
        }
    }
}

/// Whether two configs of one webhook deliver the same way. Event and key filters are left
/// out: they act when rows are enqueued, not here.
fn same_delivery(a: &WebhookConfig, b: &WebhookConfig) -> bool {
    a.name == b.name
        && a.url == b.url
        && a.secret == b.secret
        && a.timeout == b.timeout
        && a.format == b.format
        && a.headers == b.headers
}

fn same_settings(a: &DeliveryConfig, b: &DeliveryConfig) -> bool {
    a.retry_schedule == b.retry_schedule && a.max_in_flight == b.max_in_flight
}

fn spawn_worker(
    webhook: &WebhookConfig,
    delivery: &DeliveryConfig,
    outbox: Outbox,
    metrics: &Arc<Metrics>,
    runtime: &tokio::runtime::Handle,
) -> anyhow::Result<WorkerHandle> {
    let max_in_flight = delivery.max_in_flight.max(1);
    let endpoint = http::Endpoint::new(webhook, max_in_flight)?;
    let wake = Arc::new(Notify::new());
    let cancel = CancellationToken::new();
    let w = worker::Worker {
        endpoint: Arc::new(endpoint),
        schedule: delivery.retry_schedule.clone().into(),
        max_in_flight,
        outbox: Arc::new(Mutex::new(outbox)),
        wake: Arc::clone(&wake),
        cancel: cancel.clone(),
        metrics: metrics.webhook(&webhook.name),
    };
    let join = runtime.spawn(w.run());
    Ok(WorkerHandle { config: webhook.clone(), wake, cancel, join })
}

/// Logs the pending rows of webhooks that are no longer configured. They are kept, not
/// dropped: putting the webhook back in the config sends them. Without this line they would
/// wait silently, and `factwatch_alerts_pending` would never fall to zero.
fn warn_orphans(db: &Path, configured: &[String]) {
    let rows = Outbox::open(db).and_then(|o| o.pending_by_webhook());
    match rows {
        Ok(rows) => {
            for (webhook, pending) in rows.into_iter().filter(|(w, _)| !configured.contains(w)) {
                warn!(
                    %webhook,
                    pending,
                    "alerts are pending for a webhook that is no longer configured; they are \
                     kept, and sent if a webhook of that name is configured again"
                );
            }
        }
        Err(e) => warn!(error = %e, "cannot count the pending alerts per webhook"),
    }
}

fn open_outbox(db: &Path, webhook: &str) -> anyhow::Result<Outbox> {
    Outbox::open(db).with_context(|| {
        format!("webhook {webhook}: cannot open the outbox in database {}", db.display())
    })
}

impl Deliveries {
    /// Spawns one worker task per webhook, each with its own [`Outbox`] connection.
    ///
    /// Must be called inside a tokio runtime. Fails, naming the webhook, when a webhook
    /// cannot be set up (a header value HTTP refuses, a malformed secret, the database).
    /// Opening the connections blocks briefly; it happens once, at start.
    pub fn start(
        webhooks: &[WebhookConfig],
        delivery: &DeliveryConfig,
        db: &Path,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Deliveries> {
        let runtime = tokio::runtime::Handle::try_current()
            .context("delivery workers need a tokio runtime")?;
        // Build every endpoint before spawning anything, so a bad webhook fails the start
        // without leaving the good ones running.
        for w in webhooks {
            http::Endpoint::new(w, 1)?;
        }
        let mut workers = Vec::with_capacity(webhooks.len());
        for w in webhooks {
            let outbox = open_outbox(db, &w.name)?;
            workers.push(spawn_worker(w, delivery, outbox, &metrics, &runtime)?);
        }
        let d = Deliveries { db: db.to_path_buf(), metrics, delivery: delivery.clone(), workers };
        warn_orphans(db, &d.webhooks());
        Ok(d)
    }

    /// New outbox rows were committed: wake the workers now. Cheap enough to call after
    /// every commit (a stored permit per worker, no allocation).
    pub fn wake(&self) {
        for w in &self.workers {
            w.wake.notify_one();
        }
    }

    /// Applies a new config (SIGHUP): workers of removed or changed webhooks are stopped
    /// (their requests in flight finish and are recorded first), then workers for new or
    /// changed ones start. A change of the delivery settings restarts every worker.
    ///
    /// On error (a new webhook cannot be set up) nothing is stopped: the old workers keep
    /// running with the old config.
    pub async fn reload(
        &mut self,
        webhooks: &[WebhookConfig],
        delivery: &DeliveryConfig,
    ) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Handle::current();
        for w in webhooks {
            http::Endpoint::new(w, 1)?;
        }
        let settings_changed = !same_settings(&self.delivery, delivery);
        let (keep, stop): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.workers).into_iter().partition(|h| {
                !settings_changed && webhooks.iter().any(|w| same_delivery(w, &h.config))
            });
        // A worker must be gone before its replacement starts, or both would send the same
        // rows.
        let stopped: Vec<String> = stop.iter().map(|h| h.config.name.clone()).collect();
        for h in stop {
            h.stop().await;
        }
        self.workers = keep;
        self.delivery = delivery.clone();
        let mut started = Vec::new();
        for w in webhooks {
            if self.workers.iter().any(|h| h.config.name == w.name) {
                continue;
            }
            let db = self.db.clone();
            let name = w.name.clone();
            let outbox = tokio::task::spawn_blocking(move || open_outbox(&db, &name)).await??;
            self.workers.push(spawn_worker(w, delivery, outbox, &self.metrics, &runtime)?);
            started.push(w.name.clone());
        }
        info!(stopped = ?stopped, started = ?started, "webhook delivery reloaded");
        let (db, names) = (self.db.clone(), self.webhooks());
        let _ = tokio::task::spawn_blocking(move || warn_orphans(&db, &names)).await;
        self.wake();
        Ok(())
    }

    /// Stops: no new attempts; requests in flight get a few seconds to finish and be
    /// recorded; rows not delivered stay pending for the next start.
    pub async fn shutdown(self) {
        for w in &self.workers {
            w.cancel.cancel();
        }
        for w in self.workers {
            w.stop().await;
        }
    }

    /// The names of the webhooks with a running worker, in config order.
    pub fn webhooks(&self) -> Vec<String> {
        self.workers.iter().map(|w| w.config.name.clone()).collect()
    }
}

/// Posts one signed test event (type `factwatch.test`) to a webhook, in its body format, and
/// returns the HTTP status it answered. Network failures are errors; any status is `Ok`.
pub async fn send_test(webhook: &WebhookConfig) -> anyhow::Result<u16> {
    let endpoint = http::Endpoint::new(webhook, 1)?;
    let now = jiff::Timestamp::now();
    let id = format!("evt_test_{:x}", now.as_nanosecond());
    let event = serde_json::json!({
        "id": id,
        "type": TEST_EVENT_TYPE,
        "timestamp": now,
        "data": {
            "key": "factwatch.test",
            "summary": format!("factwatch test event for webhook {}", webhook.name),
            "current": { "source": "factwatch send-test" },
        },
    });
    let text = event.to_string();
    let body = body::render(webhook.format, &[body::Alert { event_json: &text, article: None }]);
    match endpoint.post(&id, body).await {
        retry::Exchange::Answered { status, .. } => Ok(status),
        retry::Exchange::Failed { error } => {
            anyhow::bail!("webhook {}: {error}", webhook.name)
        }
    }
}
