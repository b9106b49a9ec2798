//! The HTTP side of one webhook: a reused reqwest client, the request with its Standard
//! Webhooks headers, and a capped read of the response.
//!
//! This is the only file that names `reqwest`. One [`Endpoint`] (and so one connection pool)
//! exists per webhook worker. Each exchange is bounded twice: the webhook's `timeout` covers
//! connect to last byte, and at most [`BODY_CAP`] bytes of any response are read, so a
//! receiver that streams gigabytes or never closes the connection costs a few KiB and one
//! timeout, never memory or a stuck worker. Redirects are followed only to the same origin
//! and only with 307/308, which keep the method and body; anything else is reported as the
//! 3xx it is. Errors never contain the URL, since chat webhook URLs carry their token.

use std::sync::Once;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, LOCATION, RETRY_AFTER};
use tokio::time::Instant;

use super::retry::Exchange;
use super::sign;
use crate::config::{BodyFormat, Secret, WebhookConfig};

/// The most of a response body ever read: enough for an error excerpt, too little to hurt.
pub(crate) const BODY_CAP: usize = 4 * 1024;

/// `factwatch/VERSION`, so receivers can tell who is calling.
pub(crate) const USER_AGENT: &str = concat!("factwatch/", env!("CARGO_PKG_VERSION"));

/// How many redirects (same origin, 307/308) one request may follow.
const MAX_REDIRECTS: usize = 5;

/// rustls needs a process-wide crypto provider before the first client is built; reqwest is
/// built without one (`rustls-no-provider`) so that ring is used instead of aws-lc.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is already installed (by the daemon, or a test), which
        // is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// One webhook's settings and connection pool, ready to post.
pub(crate) struct Endpoint {
    pub(crate) name: String,
    url: url::Url,
    secret: Option<Secret>,
    format: BodyFormat,
    pub(crate) timeout: Duration,
    headers: HeaderMap,
    client: reqwest::Client,
}

impl Endpoint {
    /// The body format of this webhook.
    pub(crate) fn format(&self) -> BodyFormat {
        self.format
    }
}

/// Only the name: the URL, the secret and custom headers may all carry credentials.
impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Endpoint {
    /// Builds the client and the fixed headers. Errors name the webhook.
    pub(crate) fn new(cfg: &WebhookConfig, pool_size: usize) -> anyhow::Result<Endpoint> {
        install_crypto_provider();
        let name = &cfg.name;
        if let Some(secret) = &cfg.secret {
            sign::check_secret(secret.expose())
                .map_err(|reason| anyhow::anyhow!("webhook {name}: secret: {reason}"))?;
        }
        let mut headers = HeaderMap::new();
        for (k, v) in &cfg.headers {
            let key = HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                anyhow::anyhow!("webhook {name}: header {k:?} is not a valid header name")
            })?;
            let mut value = HeaderValue::from_str(v).map_err(|_| {
                anyhow::anyhow!(
                    "webhook {name}: the value of header {k:?} has characters HTTP does not allow"
                )
            })?;
            // Custom headers are where tokens go (`Authorization`); keep them out of any
            // debug output.
            value.set_sensitive(true);
            headers.insert(key, value);
        }
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .redirect(same_origin_redirects())
            .pool_max_idle_per_host(pool_size)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| anyhow::anyhow!("webhook {name}: cannot build the HTTP client: {e}"))?;
        Ok(Endpoint {
            name: name.clone(),
            url: cfg.url.clone(),
            secret: cfg.secret.clone(),
            format: cfg.format,
            timeout: cfg.timeout,
            headers,
            client,
        })
    }

    /// Posts one body (rendered by `body::render`), signed if a secret is set, and reports
    /// what happened. Never longer than the webhook's timeout.
    pub(crate) async fn post(&self, message_id: &str, body: Vec<u8>) -> Exchange {
        let deadline = Instant::now() + self.timeout;
        let timestamp = jiff::Timestamp::now().as_second();
        let mut req = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .header("webhook-id", message_id)
            .header("webhook-timestamp", timestamp.to_string());
        if let Some(secret) = &self.secret {
            req = req.header("webhook-signature", sign::sign(secret, message_id, timestamp, &body));
        }
        let sent = tokio::time::timeout_at(deadline, req.body(body).send()).await;
        let mut resp = match sent {
            Ok(Ok(resp)) => resp,
            Ok(Err(e)) => return Exchange::Failed { error: self.describe(&e) },
            Err(_) => return Exchange::Failed { error: self.timed_out() },
        };
        let status = resp.status().as_u16();
        let retry_after =
            resp.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).map(String::from);
        let note = resp.status().is_redirection().then(|| redirect_note(&self.url, &resp));
        // The status is the receiver's answer; the body is only for the error excerpt (and
        // reading a small one lets the connection be reused). A body that stalls or never
        // ends is cut at the deadline or the cap, and the answer stands.
        let excerpt = read_capped(&mut resp, BODY_CAP, deadline).await;
        Exchange::Answered {
            status,
            retry_after,
            excerpt: String::from_utf8_lossy(&excerpt).into_owned(),
            note,
        }
    }

    fn timed_out(&self) -> String {
        format!("timed out after {:?}", self.timeout)
    }

    fn describe(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            return self.timed_out();
        }
        let kind = if e.is_connect() {
            "cannot connect"
        } else if e.is_redirect() {
            "redirect failed"
        } else {
            "request failed"
        };
        let mut parts: Vec<String> = Vec::new();
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = cur {
            let text = match err.downcast_ref::<reqwest::Error>() {
                // `without_url` keeps tokens in webhook URLs out of the outbox and logs.
                Some(re) => strip_url(re),
                None => err.to_string(),
            };
            if !text.is_empty() && parts.last() != Some(&text) {
                parts.push(text);
            }
            cur = err.source();
        }
        format!("{kind}: {}", parts.join(": "))
    }
}

fn strip_url(e: &reqwest::Error) -> String {
    // `Error::without_url` consumes the error, and reqwest errors are not Clone; rebuild the
    // message the same way reqwest does, minus the " for url (...)" part.
    let text = e.to_string();
    match text.find(" for url (") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Follows 307/308 to the same scheme, host and port only. 301/302/303 would turn the POST
/// into a GET without a body, which a receiver could answer 2xx without ever seeing the
/// alert; another host must not receive our signed payload.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let status = attempt.status().as_u16();
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if same_origin && matches!(status, 307 | 308) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

fn redirect_note(original: &url::Url, resp: &reqwest::Response) -> String {
    let target = resp
        .headers()
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| original.join(l).ok());
    match target {
        Some(t) if t.origin() != original.origin() => {
            format!("redirect to another host ({}) not followed", t.host_str().unwrap_or("?"))
        }
        Some(_) => "redirect that would drop the POST body not followed".to_string(),
        None => "redirect without a usable Location".to_string(),
    }
}

/// Reads at most `cap` bytes of the body, giving up at `deadline`.
async fn read_capped(resp: &mut reqwest::Response, cap: usize, deadline: Instant) -> Vec<u8> {
    let mut buf = Vec::new();
    while buf.len() < cap {
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                let take = chunk.len().min(cap - buf.len());
                buf.extend_from_slice(&chunk[..take]);
            }
            // End of body, a broken body, or the deadline: keep what we have.
            Ok(Ok(None) | Err(_)) | Err(_) => break,
        }
    }
    buf
}
