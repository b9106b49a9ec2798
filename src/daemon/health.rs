//! The health and metrics endpoint: `/healthz` (the process answers), `/readyz` (the
//! catch-up is done and the database takes writes) and `/metrics` (Prometheus text).
//! Off unless `http.listen` is set; meant for a loopback address.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio_util::sync::CancellationToken;

use crate::store::Store;
use crate::telemetry::{Gauges, Metrics};

/// What the endpoints read.
#[derive(Clone)]
pub(crate) struct Health {
    /// Set once the catch-up scan is done.
    pub(crate) ready: Arc<AtomicBool>,
    /// The daemon's metrics.
    pub(crate) metrics: Arc<Metrics>,
    /// A connection of its own, so a scrape never waits behind the pipeline's writes.
    pub(crate) store: Arc<Mutex<Store>>,
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
        .with_state(health);
    tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
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

async fn metrics(State(h): State<Health>) -> impl IntoResponse {
    let store = h.store.clone();
    let counts =
        tokio::task::spawn_blocking(move || store.lock().ok().and_then(|s| s.counts().ok()))
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
    let body = h.metrics.render(Gauges {
        pending: counts.pending,
        dead: counts.dead,
        facts: counts.facts,
        ready: h.ready.load(Ordering::Relaxed),
    });
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
