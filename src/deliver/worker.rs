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

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::Notify;
use tokio::task::{Id, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use super::http::Endpoint;
use super::retry::{self, Exchange};
use crate::store::{Attempt, Delivery, Outbox};
use crate::telemetry::Metrics;

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
    pub(crate) metrics: Arc<Metrics>,
}

/// A row on its way: what is needed to record its outcome.
struct InFlight {
    event_id: String,
    attempts: u32,
    created_at: Timestamp,
}

/// What a request task returns.
struct Done {
    seq: i64,
    exchange: Exchange,
}

#[derive(Default)]
struct State {
    /// Fetched, due, not yet sent.
    queue: VecDeque<Delivery>,
    /// Sent (or being sent) and not yet recorded, by seq. `due` keeps returning these until
    /// they are recorded, so they are filtered out of every fetch.
    in_flight: HashMap<i64, InFlight>,
    tasks: JoinSet<Done>,
    task_seq: HashMap<Id, i64>,
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
        match self.db(move |o| o.due(&name, now, limit)).await {
            Ok(rows) => {
                let full = rows.len() >= limit;
                st.queue =
                    rows.into_iter().filter(|d| !st.in_flight.contains_key(&d.seq)).collect();
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
            let Some(d) = st.queue.pop_front() else { break };
            let endpoint = Arc::clone(&self.endpoint);
            let seq = d.seq;
            st.in_flight.insert(
                seq,
                InFlight {
                    event_id: d.event_id.clone(),
                    attempts: d.attempts,
                    created_at: d.created_at,
                },
            );
            let handle = st.tasks.spawn(async move {
                let exchange = endpoint.post(&d.event_id, &d.body).await;
                Done { seq, exchange }
            });
            st.task_seq.insert(handle.id(), seq);
        }
    }

    /// Turns a finished request into the outcome to record.
    fn collect(&self, st: &mut State, joined: Result<(Id, Done), tokio::task::JoinError>) {
        let (seq, exchange) = match joined {
            Ok((id, done)) => {
                st.task_seq.remove(&id);
                (done.seq, done.exchange)
            }
            Err(e) => {
                let Some(seq) = st.task_seq.remove(&e.id()) else { return };
                if e.is_cancelled() {
                    // Only shutdown aborts requests; the row stays pending untouched.
                    st.in_flight.remove(&seq);
                    return;
                }
                (seq, Exchange::Failed { error: format!("internal error while sending: {e}") })
            }
        };
        let Some(f) = st.in_flight.get(&seq) else { return };
        let now = Timestamp::now();
        let (attempt, hold) =
            retry::decide(&exchange, &self.schedule, f.attempts, &f.event_id, now);
        if let Some(h) = hold {
            st.hold_until = Some(st.hold_until.map_or(h, |cur| cur.max(h)));
        }
        st.unrecorded.push((seq, attempt));
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
        for (seq, attempt) in std::mem::take(&mut st.unrecorded) {
            let Some(f) = st.in_flight.remove(&seq) else { continue };
            let webhook = self.name();
            let event = &f.event_id;
            match &attempt {
                Attempt::Delivered { status } => {
                    let ms = now.as_millisecond().saturating_sub(f.created_at.as_millisecond());
                    let latency = Duration::from_millis(u64::try_from(ms).unwrap_or(0));
                    self.metrics.delivered(latency, now_unix);
                    debug!(%webhook, %event, status, "delivered");
                }
                Attempt::Retry { at, status, error } => {
                    self.metrics.failed_attempt();
                    warn!(%webhook, %event, status, %error, next_attempt = %at, "delivery failed; will retry");
                }
                Attempt::Dead { status, error } => {
                    self.metrics.dead_lettered();
                    error!(%webhook, %event, status, %error, "delivery given up; event is in the dead letter state (see `factwatch outbox`)");
                }
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
