//! The inbox: a small webhook receiver that verifies Standard Webhooks signatures and prints
//! each alert, for trying factwatch out and for tests (`factwatch inbox`, or `[inbox]` in the
//! daemon's config).
//!
//! With a secret it answers 401 to a missing or wrong signature and to a timestamp more than
//! five minutes away; without one (or with `require_signature` off) it accepts everything and
//! prints a warning line for what did not verify. Accepted alerts print as one readable line
//! (time, type, summary, source, id) or as the raw JSON body on one line. It never prints the
//! secret and reads at most [`MAX_BODY`] bytes of a request.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode};
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::sign::{self, VerifyError};
use crate::config::{InboxConfig, Secret};

/// The largest request body accepted; alerts are a few KiB.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// Where accepted alerts and warnings go.
#[derive(Debug, Clone)]
pub enum InboxOutput {
    /// Alerts to stdout, warnings to stderr: `factwatch inbox`.
    Stdio,
    /// Every line (alerts and warnings alike, warnings prefixed `warning: `) to a channel:
    /// for tests and for embedding.
    Channel(UnboundedSender<String>),
}

/// How the inbox treats what it receives.
#[derive(Debug, Clone)]
pub struct InboxOptions {
    /// The secret signatures are checked with.
    pub secret: Option<Secret>,
    /// Refuse (401) posts that do not verify against `secret`. Off, or without a secret,
    /// they are accepted with a warning line.
    pub require_signature: bool,
    /// Print each alert as its raw JSON body on one line instead of a readable line.
    pub json_lines: bool,
    /// Where lines go.
    pub output: InboxOutput,
}

/// A bound inbox, not yet serving: the address is known before any request is taken, so a
/// caller asking for port 0 can print or use the real port.
#[derive(Debug)]
pub struct Inbox {
    listener: tokio::net::TcpListener,
    options: Arc<InboxOptions>,
}

impl Inbox {
    /// Binds the listening socket.
    pub async fn bind(addr: SocketAddr, options: InboxOptions) -> anyhow::Result<Inbox> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("inbox: cannot listen on {addr}"))?;
        Ok(Inbox { listener, options: Arc::new(options) })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` is cancelled.
    pub async fn serve(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let app = Router::new()
            .fallback(receive)
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(self.options);
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
            .context("inbox: server failed")
    }
}

/// Runs the receiver on `config.listen` until `shutdown`, printing to stdout. When the config
/// has a secret, posts that do not verify are refused with 401; without one, everything is
/// accepted with a warning line.
pub async fn serve_inbox(
    config: &InboxConfig,
    json_lines: bool,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let options = InboxOptions {
        secret: config.secret.clone(),
        require_signature: config.secret.is_some(),
        json_lines,
        output: InboxOutput::Stdio,
    };
    let inbox = Inbox::bind(config.listen, options).await?;
    inbox.serve(shutdown).await
}

impl InboxOptions {
    fn alert(&self, line: String) {
        match &self.output {
            InboxOutput::Stdio => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
            InboxOutput::Channel(tx) => {
                let _ = tx.send(line);
            }
        }
    }

    fn warn(&self, msg: &str) {
        let line = format!("warning: {msg}");
        match &self.output {
            InboxOutput::Stdio => eprintln!("{line}"),
            InboxOutput::Channel(tx) => {
                let _ = tx.send(line);
            }
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn receive(
    State(opts): State<Arc<InboxOptions>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    if method != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "factwatch inbox: POST alerts here\n".into());
    }
    let id = header(&headers, "webhook-id");
    let shown_id = id.map(one_line).unwrap_or_else(|| "(no webhook-id)".into());
    // Without a secret nothing can be verified: every post is accepted, with a warning.
    let verdict = opts.secret.as_ref().map(|secret| {
        sign::verify(
            secret,
            id,
            header(&headers, "webhook-timestamp"),
            header(&headers, "webhook-signature"),
            &body,
            jiff::Timestamp::now().as_second(),
        )
    });
    match verdict {
        Some(Ok(())) => {}
        Some(Err(e)) if opts.require_signature => {
            opts.warn(&format!("refused {shown_id}: {e}"));
            return (StatusCode::UNAUTHORIZED, format!("{e}\n"));
        }
        Some(Err(VerifyError::Missing("webhook-signature"))) => {
            opts.warn(&format!("accepted unsigned post {shown_id}"));
        }
        Some(Err(e)) => opts.warn(&format!("accepted {shown_id} although {e}")),
        None => {
            opts.warn(&format!("accepted {shown_id} without checking its signature (no secret)"));
        }
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        opts.warn(&format!("refused {shown_id}: the body is not JSON"));
        return (StatusCode::BAD_REQUEST, "the body is not JSON\n".into());
    };
    let line = if opts.json_lines { value.to_string() } else { readable(&value, id) };
    opts.alert(line);
    (StatusCode::OK, "ok\n".into())
}

/// One line: time, type, summary, source, id. Chat bodies (`text`, `content`) print as sent.
fn readable(v: &Value, webhook_id: Option<&str>) -> String {
    let s = |path: &[&str]| -> Option<String> {
        let mut cur = v;
        for p in path {
            cur = cur.get(*p)?;
        }
        cur.as_str().map(one_line)
    };
    // Whole seconds read better in a terminal; an unparsable time is shown as sent.
    let time = match s(&["timestamp"]) {
        Some(t) => t.parse::<jiff::Timestamp>().map_or(t, |ts| seconds(ts).to_string()),
        None => seconds(jiff::Timestamp::now()).to_string(),
    };
    let id = s(&["id"]).or_else(|| webhook_id.map(one_line)).unwrap_or_else(|| "-".into());
    if let Some(text) = s(&["text"]).or_else(|| s(&["content"])) {
        return format!("{time}  {text}  {id}");
    }
    let event_type = s(&["type"]).unwrap_or_else(|| "?".into());
    let summary = s(&["data", "summary"]).unwrap_or_else(|| "(no summary)".into());
    let source = s(&["data", "current", "source"]).unwrap_or_else(|| "-".into());
    format!("{time}  {event_type}  {summary}  (source: {source})  {id}")
}

fn seconds(t: jiff::Timestamp) -> jiff::Timestamp {
    t.round(jiff::Unit::Second).unwrap_or(t)
}

/// Keeps whatever a sender put in a field on one printable line.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_lines_show_time_type_summary_source_and_id() {
        let v: Value = serde_json::from_str(
            r#"{"id":"evt_1","type":"fact.changed","timestamp":"2025-04-08T12:00:00Z","data":{"summary":"US tariff on PK: 29% -> 19%","current":{"source":"a.md"}}}"#,
        )
        .expect("json");
        assert_eq!(
            readable(&v, None),
            "2025-04-08T12:00:00Z  fact.changed  US tariff on PK: 29% -> 19%  (source: a.md)  evt_1"
        );
        let v: Value = serde_json::from_str(
            r#"{"id":"evt_3","type":"factwatch.test","timestamp":"2025-04-08T12:00:00.6Z","data":{}}"#,
        )
        .expect("json");
        assert_eq!(
            readable(&v, None),
            "2025-04-08T12:00:01Z  factwatch.test  (no summary)  (source: -)  evt_3"
        );
        let v: Value = serde_json::from_str(r#"{"text":"[fact.new] x\ny"}"#).expect("json");
        assert!(readable(&v, Some("evt_2")).ends_with("  [fact.new] x y  evt_2"));
    }
}
