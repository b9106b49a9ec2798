//! Delivery: drains the outbox to the webhooks over HTTP.
//!
//! The only module that speaks HTTP to webhooks (and the only one naming `reqwest`). It
//! never decides whether to alert; it reads due rows through [`crate::store::Outbox`] and
//! reports each attempt back, and a row is acknowledged only after a 2xx.

use std::path::Path;
use std::sync::Arc;

use crate::config::{DeliveryConfig, InboxConfig, WebhookConfig};
use crate::telemetry::Metrics;

/// The running delivery workers. (Placeholder until the delivery work lands.)
#[derive(Debug)]
pub struct Deliveries {}

impl Deliveries {
    /// Starts one worker per webhook.
    pub fn start(
        _webhooks: &[WebhookConfig],
        _delivery: &DeliveryConfig,
        _db: &Path,
        _metrics: Arc<Metrics>,
    ) -> anyhow::Result<Deliveries> {
        Ok(Deliveries {})
    }

    /// Wakes the workers after new rows were committed.
    pub fn wake(&self) {}

    /// Applies a new config.
    pub async fn reload(
        &mut self,
        _webhooks: &[WebhookConfig],
        _delivery: &DeliveryConfig,
    ) -> anyhow::Result<()> {
        Ok(())
    }

    /// Stops the workers.
    pub async fn shutdown(self) {}
}

/// Serves the inbox receiver.
pub async fn serve_inbox(
    _config: &InboxConfig,
    _json_lines: bool,
    _shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    Ok(())
}
