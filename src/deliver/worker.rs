//! One delivery worker per webhook: fetch due rows in bounded batches, keep up to
//! `max_in_flight` requests going, and record every outcome in the outbox.
//!
//! The worker owns its webhook's rows while it runs (reload stops a worker before starting
//! its replacement, so two never share a webhook). Rows are only acknowledged by
//! [`Outbox::record`] after the exchange ends, so a crash or kill at any point leaves the row
//! pending and it is sent again, with the same `webhook-id`. Order per key comes from
//! [`Outbox::due`], which only hands out the oldest pending row of each key: a key's next row
//! appears only once its predecessor is recorded. SQLite calls run on the blocking pool.
//!
//! Memory does not grow with the backlog: at most one batch of due rows plus the requests in
//! flight are held, whatever the outbox holds.
//!
//! For a chat webhook (Slack, Discord) the due rows of one article go out as one message
//! (as many as the format's limits allow); each row is still recorded on its own.
//!
//! Logs: one info line per delivered alert. Failures collapse: while a webhook keeps
//! failing, each backoff step (first failure, second, ..., given up) is logged once, with the
//! number of alerts in that batch; the rest of that step goes to debug. The first success
//! after failures says so, and the next failures are logged afresh.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::Notify;
use tokio::task::{Id, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use super::Attempt;
use super::body::{self, Alert, ArticleInfo};
use super::http::Endpoint;
use super::retry::{self, Exchange};
use crate::config::BodyFormat;
use crate::store::{Delivery, Outbox};
use crate::telemetry::WebhookMetrics;

/// Rows fetched per `due` query beyond those already in flight: bounds memory, and is big
/// enough that the query cost is spread over many sends.
const BATCH: usize = 256;

/// The longest the worker sleeps without looking at the outbox. `factwatch outbox retry`
/// runs in another process and cannot wake us; this bounds how long its rows wait.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// How long to wait before trying the database again after an error.
const DB_BACKOFF: Duration = Duration::from_secs(1);

/// How long shutdown waits for requests in flight to finish and be recorded.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Delivered rows older than this are pruned.
const KEEP_DELIVERED: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// How often pruning runs.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);

/// What a worker needs, built by `Deliveries`.
pub(crate) struct Worker {
    pub(crate) endpoint: Arc<Endpoint>,
    pub(crate) schedule: Arc<[Duration]>,
    pub(crate) max_in_flight: usize,
    pub(crate) outbox: Arc<Mutex<Outbox>>,
    pub(crate) wake: Arc<Notify>,
    pub(crate) cancel: CancellationToken,
    pub(crate) metrics: Arc<WebhookMetrics>,
}

/// A row on its way: what is needed to record its outcome and log it.
struct InFlight {
    event_id: String,
    key: String,
    attempts: u32,
    created_at: Timestamp,
}

/// What a request task returns: the rows its one request carried.
struct Done {
    seqs: Vec<i64>,
    exchange: Exchange,
}

/// A kind of failure a webhook went through, logged once per failure episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    /// The attempt with this number failed and will be retried.
    Retry(u32),
    /// Given up at the attempt with this number.
    Dead(u32),
}

#[derive(Default)]
struct State {
    /// Fetched, due, not yet sent.
    queue: VecDeque<Delivery>,
    /// Sent (or being sent) and not yet recorded, by seq. `due` keeps returning these until
    /// they are recorded, so they are filtered out of every fetch.
    in_flight: HashMap<i64, InFlight>,
    tasks: JoinSet<Done>,
    task_seqs: HashMap<Id, Vec<i64>>,
    /// Titles and URLs of the articles of queued rows, for chat messages.
    articles: HashMap<String, ArticleInfo>,
    /// The failure steps already logged since the last success.
    failing: BTreeSet<Step>,
    /// Outcomes waiting to be written (a failed write is retried, not dropped).
    unrecorded: Vec<(i64, Attempt)>,
    /// Whether a fetch may find rows not seen yet.
    fetch: bool,
    /// No new requests before this: the receiver sent `Retry-After` with a 429 or 503.
    hold_until: Option<Timestamp>,
    /// No database calls before this, after an error.
    db_pause_until: Option<Instant>,
    last_prune: Option<Instant>,
}

impl Worker {
    fn name(&self) -> &str {
        &self.endpoint.name
    }

    /// Runs until cancelled, then finishes or abandons what is in flight (bounded).
    pub(crate) async fn run(self) {
        info!(webhook = %self.name(), "delivery worker started");
        let mut st = State { fetch: true, ..State::default() };
        while !self.cancel.is_cancelled() {
            self.step(&mut st).await;
        }
        self.finish(st).await;
        info!(webhook = %self.name(), "delivery worker stopped");
    }

    /// One turn: write pending outcomes, fetch, send, then wait for something to happen.
    async fn step(&self, st: &mut State) {
        let db_ok = st.db_pause_until.is_none_or(|t| Instant::now() >= t);
        if db_ok {
            st.db_pause_until = None;
            self.prune_now_and_then(st).await;
            if !st.unrecorded.is_empty() {
                self.flush(st).await;
            }
        }
        let now = Timestamp::now();
        if st.hold_until.is_some_and(|h| h <= now) {
            st.hold_until = None;
        }
        let held = st.hold_until.is_some();
        let room = st.in_flight.len() < self.max_in_flight;
        if db_ok && st.db_pause_until.is_none() && !held && room && st.queue.is_empty() && st.fetch
        {
            self.fetch(st, now).await;
        }
        if !held {
            self.dispatch(st);
        }

        let timer = self.next_wake(st, now).await;
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => {}
            Some(joined) = st.tasks.join_next_with_id(), if !st.tasks.is_empty() => {
                self.collect(st, joined);
                while let Some(joined) = st.tasks.try_join_next_with_id() {
                    self.collect(st, joined);
                }
                // A recorded row may free the next row of its key.
                st.fetch = true;
            }
            () = self.wake.notified() => st.fetch = true,
            () = tokio::time::sleep(timer) => st.fetch = true,
        }
    }

    /// How long to sleep if nothing else happens.
    async fn next_wake(&self, st: &State, now: Timestamp) -> Duration {
        if let Some(t) = st.db_pause_until {
            return t.saturating_duration_since(Instant::now());
        }
        let until = |t: Timestamp| {
            let ms = t.as_millisecond().saturating_sub(now.as_millisecond()).max(0);
            Duration::from_millis(u64::try_from(ms).unwrap_or(0))
        };
        if let Some(h) = st.hold_until {
            return until(h).min(IDLE_POLL);
        }
        if !st.unrecorded.is_empty() {
            return DB_BACKOFF;
        }
        // Requests in flight will wake us when they end; with a queue we are at capacity.
        // Only an idle worker needs to know when its next row falls due.
        if !st.in_flight.is_empty() || !st.queue.is_empty() || st.fetch {
            return if st.fetch && st.in_flight.len() < self.max_in_flight {
                Duration::ZERO
            } else {
                IDLE_POLL
            };
        }
        let name = self.name().to_string();
        match self.db(move |o| o.next_head_due(&name, now)).await {
            Ok(Some(next)) => until(next).min(IDLE_POLL),
            Ok(None) => IDLE_POLL,
            Err(e) => {
                warn!(webhook = %self.name(), error = %format!("{e:#}"), "cannot read the outbox");
                IDLE_POLL
            }
        }
    }

    async fn fetch(&self, st: &mut State, now: Timestamp) {
        let name = self.name().to_string();
        let limit = st.in_flight.len() + BATCH;
        let chat = self.endpoint.format() != BodyFormat::Json;
        let fetched = self
            .db(move |o| {
                let rows = o.due(&name, now, limit)?;
                let mut articles = HashMap::new();
                if chat {
                    for source in rows.iter().filter_map(|d| body::source_of(&d.body)) {
                        if !articles.contains_key(&source)
                            && let Some(a) = o.article(&source)?
                        {
                            let info =
                                ArticleInfo { title: a.title, url: a.url, published: a.published };
                            articles.insert(source, info);
                        }
                    }
                }
                Ok((rows, articles))
            })
            .await;
        match fetched {
            Ok((rows, articles)) => {
                let full = rows.len() >= limit;
                st.queue =
                    rows.into_iter().filter(|d| !st.in_flight.contains_key(&d.seq)).collect();
                st.articles = articles;
                st.fetch = full;
            }
            Err(e) => {
                warn!(webhook = %self.name(), error = %format!("{e:#}"), "cannot read the outbox");
                st.db_pause_until = Some(Instant::now() + DB_BACKOFF);
            }
        }
    }

    fn dispatch(&self, st: &mut State) {
        while st.in_flight.len() < self.max_in_flight {
            let Some(first) = st.queue.pop_front() else { break };
            let group = self.group_with(first, st);
            let (id, body) = {
                let alerts: Vec<Alert<'_>> = group
                    .iter()
                    .map(|d| Alert {
                        event_json: &d.body,
                        article: body::source_of(&d.body).and_then(|s| st.articles.get(&s)),
                    })
                    .collect();
                (message_id(&group), body::render(self.endpoint.format(), &alerts))
            };
            let seqs: Vec<i64> = group.iter().map(|d| d.seq).collect();
            for d in group {
                st.in_flight.insert(
                    d.seq,
                    InFlight {
                        event_id: d.event_id,
                        key: d.key,
                        attempts: d.attempts,
                        created_at: d.created_at,
                    },
                );
            }
            let endpoint = Arc::clone(&self.endpoint);
            let task_seqs = seqs.clone();
            let handle = st.tasks.spawn(async move {
                let exchange = endpoint.post(&id, body).await;
                Done { seqs: task_seqs, exchange }
            });
            st.task_seqs.insert(handle.id(), seqs);
        }
    }

    /// The rows that go out in one request with `first`: for a chat webhook, the queued rows
    /// of the same article, as many as one message holds; otherwise `first` alone.
    fn group_with(&self, first: Delivery, st: &mut State) -> Vec<Delivery> {
        let format = self.endpoint.format();
        let Some(source) =
            (format != BodyFormat::Json).then(|| body::source_of(&first.body)).flatten()
        else {
            return vec![first];
        };
        let mut group = vec![first];
        let mut rest = VecDeque::with_capacity(st.queue.len());
        while let Some(d) = st.queue.pop_front() {
            if body::source_of(&d.body).as_deref() == Some(source.as_str()) {
                group.push(d);
                let alerts: Vec<Alert<'_>> = group
                    .iter()
                    .map(|d| Alert { event_json: &d.body, article: st.articles.get(&source) })
                    .collect();
                if !body::fits(format, &alerts) {
                    if let Some(back) = group.pop() {
                        rest.push_back(back);
                    }
                    break;
                }
            } else {
                rest.push_back(d);
            }
        }
        rest.extend(st.queue.drain(..));
        st.queue = rest;
        group
    }

    /// Turns a finished request into the outcome to record.
    fn collect(&self, st: &mut State, joined: Result<(Id, Done), tokio::task::JoinError>) {
        let (seqs, exchange) = match joined {
            Ok((id, done)) => {
                st.task_seqs.remove(&id);
                (done.seqs, done.exchange)
            }
            Err(e) => {
                let Some(seqs) = st.task_seqs.remove(&e.id()) else { return };
                if e.is_cancelled() {
                    // Only shutdown aborts requests; the rows stay pending untouched.
                    for seq in seqs {
                        st.in_flight.remove(&seq);
                    }
                    return;
                }
                (seqs, Exchange::Failed { error: format!("internal error while sending: {e}") })
            }
        };
        let now = Timestamp::now();
        // One answer for all the rows of a message; each row's attempt count decides its own
        // next step.
        for seq in seqs {
            let Some(f) = st.in_flight.get(&seq) else { continue };
            let (attempt, hold) =
                retry::decide(&exchange, &self.schedule, f.attempts, &f.event_id, now);
            if let Some(h) = hold {
                st.hold_until = Some(st.hold_until.map_or(h, |cur| cur.max(h)));
            }
            st.unrecorded.push((seq, attempt));
        }
    }

    /// Writes the collected outcomes in one transaction, then logs and counts them.
    async fn flush(&self, st: &mut State) {
        let name = self.name().to_string();
        let batch: Vec<(i64, String, Attempt)> =
            st.unrecorded.iter().map(|(seq, a)| (*seq, name.clone(), a.clone())).collect();
        let now = Timestamp::now();
        if let Err(e) = self.db(move |o| o.record(&batch, now)).await {
            error!(
                webhook = %self.name(),
                error = %format!("{e:#}"),
                rows = st.unrecorded.len(),
                "cannot record delivery outcomes; will try again"
            );
            st.db_pause_until = Some(Instant::now() + DB_BACKOFF);
            return;
        }
        let now_unix = u64::try_from(now.as_second()).unwrap_or(0);
        let webhook = self.name();
        // The failures of this batch by step, in order, to log each new step once.
        let mut failures: Vec<(Step, InFlight, Attempt, usize)> = Vec::new();
        for (seq, attempt) in std::mem::take(&mut st.unrecorded) {
            let Some(f) = st.in_flight.remove(&seq) else { continue };
            let attempt_no = f.attempts.saturating_add(1);
            let step = match &attempt {
                Attempt::Delivered { status } => {
                    let ms = now.as_millisecond().saturating_sub(f.created_at.as_millisecond());
                    let latency = Duration::from_millis(u64::try_from(ms).unwrap_or(0));
                    self.metrics.delivered(latency, now_unix);
                    if !st.failing.is_empty() {
                        info!(%webhook, "the webhook accepts alerts again");
                        st.failing.clear();
                    }
                    info!(
                        %webhook,
                        event = %f.event_id,
                        key = %f.key,
                        attempt = attempt_no,
                        status,
                        latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
                        "alert delivered"
                    );
                    continue;
                }
                Attempt::Retry { .. } => {
                    self.metrics.failed_attempt();
                    Step::Retry(attempt_no)
                }
                Attempt::Dead { .. } => {
                    self.metrics.dead_lettered();
                    Step::Dead(attempt_no)
                }
            };
            match failures.iter_mut().find(|(s, ..)| *s == step) {
                Some(entry) => entry.3 += 1,
                None => failures.push((step, f, attempt, 1)),
            }
        }
        for (step, first, attempt, alerts) in failures {
            let event = &first.event_id;
            if !st.failing.insert(step) {
                debug!(%webhook, %event, alerts, ?step, "delivery failed again at a step already logged");
                continue;
            }
            match (&attempt, step) {
                (Attempt::Retry { at, status, error }, Step::Retry(n)) => {
                    warn!(%webhook, attempt = n, alerts, %event, status, %error, next_attempt = %at, "delivery failed; will retry");
                }
                (Attempt::Dead { status, error }, Step::Dead(n)) => {
                    error!(%webhook, attempt = n, alerts, %event, status, %error, "delivery given up; alerts are in the dead letter state (see `factwatch outbox`)");
                }
                _ => {}
            }
        }
    }

    /// Shutdown: no new requests; give those in flight a bounded time to end, record what
    /// ended, and leave the rest pending for the next start.
    async fn finish(&self, mut st: State) {
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        while !st.tasks.is_empty() {
            match tokio::time::timeout_at(deadline, st.tasks.join_next_with_id()).await {
                Ok(Some(joined)) => self.collect(&mut st, joined),
                Ok(None) | Err(_) => break,
            }
        }
        let abandoned = st.tasks.len();
        st.tasks.abort_all();
        if !st.unrecorded.is_empty() {
            let _ = tokio::time::timeout_at(deadline + SHUTDOWN_GRACE, self.flush(&mut st)).await;
        }
        if abandoned > 0 || !st.unrecorded.is_empty() {
            info!(
                webhook = %self.name(),
                abandoned,
                unrecorded = st.unrecorded.len(),
                "stopped with requests unfinished; those rows stay pending"
            );
        }
    }

    async fn prune_now_and_then(&self, st: &mut State) {
        if st.last_prune.is_some_and(|t| t.elapsed() < PRUNE_EVERY) {
            return;
        }
        st.last_prune = Some(Instant::now());
        let before = Timestamp::now().checked_sub(KEEP_DELIVERED).unwrap_or(Timestamp::MIN);
        match self.db(move |o| o.prune_delivered(before)).await {
            Ok(0) => {}
            Ok(n) => {
                info!(webhook = %self.name(), rows = n, "pruned delivered outbox rows older than 7 days")
            }
            Err(e) => {
                warn!(webhook = %self.name(), error = %format!("{e:#}"), "cannot prune the outbox")
            }
        }
    }

    /// Runs an outbox call on the blocking pool.
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Outbox) -> crate::store::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let outbox = Arc::clone(&self.outbox);
        let r = tokio::task::spawn_blocking(move || {
            let mut o = outbox.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut o)
        })
        .await?;
        Ok(r?)
    }
}

/// The `webhook-id` of one request: the event id for one event, else an id derived from
/// every event in the message, so a retry of the same message carries the same id.
fn message_id(group: &[Delivery]) -> String {
    match group {
        [one] => one.event_id.clone(),
        _ => {
            let ids: Vec<&str> = group.iter().map(|d| d.event_id.as_str()).collect();
            let digest = crate::model::hex_sha256(ids.join(",").as_bytes());
            format!("msg_{}", &digest[..26])
        }
    }
}
