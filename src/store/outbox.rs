//! The transactional outbox: one row per (alert event, webhook), written in the same
//! transaction as the change that caused the event, and marked delivered only after the
//! receiver answered 2xx.
//!
//! Delivery workers each hold their own [`Outbox`] connection. The rules that make delivery
//! safe live in the queries here: a row is handed out only when it is due and no earlier
//! undelivered row for the same key and webhook is still pending, which keeps the events of
//! one key in order per webhook without holding other keys back.

use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Error, Outgoing, Result, connect, ms};
use crate::deliver::Attempt;

/// The delivery state of one outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    /// Waiting for its first or next attempt.
    Pending,
    /// A receiver answered 2xx.
    Delivered,
    /// Given up on: a permanent error or retries exhausted. `outbox retry` revives it.
    Dead,
}

impl OutboxState {
    fn parse(s: &str) -> Option<OutboxState> {
        match s {
            "pending" => Some(OutboxState::Pending),
            "delivered" => Some(OutboxState::Delivered),
            "dead" => Some(OutboxState::Dead),
            _ => None,
        }
    }
}

/// One event to send to one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The event's position in creation order (the outbox row's identity with `webhook`).
    pub seq: i64,
    /// The event id (`evt_...`), the same on every attempt.
    pub event_id: String,
    /// The webhook name.
    pub webhook: String,
    /// The fact key.
    pub key: String,
    /// The event type name.
    pub event_type: String,
    /// The alert event as JSON, exactly as recorded.
    pub body: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the event was queued, for the delivery-latency metric.
    pub created_at: Timestamp,
}

/// One outbox row as `factwatch outbox` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxEntry {
    /// The event's creation order.
    pub seq: i64,
    /// The event id.
    pub event_id: String,
    /// The webhook name.
    pub webhook: String,
    /// The fact key.
    pub key: String,
    /// The event type name.
    pub event_type: String,
    /// The state.
    pub state: OutboxState,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (pending rows).
    pub next_attempt_at: Option<Timestamp>,
    /// The last HTTP status received.
    pub last_status: Option<u16>,
    /// The last error.
    pub last_error: Option<String>,
    /// When the event was created.
    pub created_at: String,
}

/// How many outbox rows of one webhook are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WebhookRows {
    /// The webhook name.
    pub webhook: String,
    /// Rows waiting for delivery, failed ones included.
    pub pending: u64,
    /// Pending rows that were tried at least once.
    pub failed: u64,
    /// Rows given up on.
    pub dead: u64,
}

/// What a chat message shows about an article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleSummary {
    /// The headline.
    pub title: Option<String>,
    /// The canonical URL.
    pub url: Option<String>,
    /// The article date (`YYYY-MM-DD`).
    pub published: Option<String>,
}

pub(super) fn by_webhook(conn: &Connection) -> Result<Vec<WebhookRows>> {
    let mut stmt = conn.prepare_cached(
        "SELECT webhook,
                sum(state = 'pending'), sum(state = 'pending' AND attempts > 0), sum(state = 'dead')
         FROM outbox WHERE state <> 'delivered' GROUP BY webhook ORDER BY webhook",
    )?;
    let rows = stmt.query_map([], |r| {
        let n = |i: usize| r.get::<_, i64>(i).map(|v| v.max(0) as u64);
        Ok(WebhookRows { webhook: r.get(0)?, pending: n(1)?, failed: n(2)?, dead: n(3)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Writes the events and their outbox rows inside the caller's transaction.
///
/// An event that is already recorded (same id) is not written again: this is the crash
/// case where a change was detected, committed, and detected again after a restart.
/// `now` is the fact clock (which `--now` may set in the past or future) and dates the
/// event; delivery is scheduled on the real system time, so rows are due at once.
pub(super) fn enqueue(tx: &Transaction<'_>, outgoing: &[Outgoing], now: Timestamp) -> Result<()> {
    if outgoing.is_empty() {
        return Ok(());
    }
    let due = Timestamp::now();
    let mut ins_event = tx.prepare_cached(
        "INSERT INTO events (id, type, key, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO NOTHING",
    )?;
    let mut ins_row = tx.prepare_cached(
        "INSERT OR IGNORE INTO outbox (event_seq, webhook, key, state, attempts, next_attempt_ms, updated_ms)
         VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?4)",
    )?;
    for o in outgoing {
        let body = serde_json::to_string(&o.event)
            .map_err(|e| Error::Row(format!("event {}: {e}", o.event.id)))?;
        let inserted = ins_event.execute(params![
            o.event.id,
            o.event.event_type.as_str(),
            o.event.data.key,
            body,
            now.to_string()
        ])?;
        if inserted == 0 {
            continue;
        }
        let seq = tx.last_insert_rowid();
        for webhook in &o.webhooks {
            ins_row.execute(params![seq, webhook, o.event.data.key, ms(due)])?;
        }
    }
    Ok(())
}

/// A connection to the outbox, for a delivery worker or the CLI.
#[derive(Debug)]
pub struct Outbox {
    conn: Connection,
}

const ENTRY_COLUMNS: &str = "o.event_seq, e.id, o.webhook, o.key, e.type, o.state, o.attempts, \
     o.next_attempt_ms, o.last_status, o.last_error, e.created_at";

fn entry_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    let state: String = r.get(5)?;
    let state = OutboxState::parse(&state).unwrap_or(OutboxState::Dead);
    let next: i64 = r.get(7)?;
    Ok(OutboxEntry {
        seq: r.get(0)?,
        event_id: r.get(1)?,
        webhook: r.get(2)?,
        key: r.get(3)?,
        event_type: r.get(4)?,
        state,
        attempts: r.get(6)?,
        next_attempt_at: (state == OutboxState::Pending)
            .then(|| Timestamp::from_millisecond(next).ok())
            .flatten(),
        last_status: r.get(8)?,
        last_error: r.get(9)?,
        created_at: r.get(10)?,
    })
}

/// The query behind [`Outbox::due`]. The `+` on `next_attempt_ms` keeps SQLite from
/// choosing `outbox_due` for its range: without statistics the planner prefers that index
/// and then sorts every due row of the backlog to return the first `LIMIT`. Walking
/// `outbox_pending_by_seq` instead reads rows already in `event_seq` order and stops at the
/// limit; rows not yet due are skipped on the way, which costs a scan only while a
/// backlog waits for a retry, when the worker asks at most once a second.
pub(super) const DUE: &str =
    "SELECT o.event_seq, e.id, o.webhook, o.key, e.type, e.body, o.attempts, e.created_at
     FROM outbox o JOIN events e ON e.seq = o.event_seq
     WHERE o.webhook = ?1 AND o.state = 'pending' AND +o.next_attempt_ms <= ?2
       AND NOT EXISTS (SELECT 1 FROM outbox p
                       WHERE p.webhook = o.webhook AND p.key = o.key
                         AND p.state = 'pending' AND p.event_seq < o.event_seq)
     ORDER BY o.event_seq
     LIMIT ?3";

impl Outbox {
    /// Opens its own connection to the database file.
    pub fn open(path: &Path) -> Result<Outbox> {
        Ok(Outbox { conn: connect(path)? })
    }

    /// Up to `limit` rows of this webhook that are due at `now`, oldest first, holding back
    /// any row whose key has an earlier row still pending.
    pub fn due(&self, webhook: &str, now: Timestamp, limit: usize) -> Result<Vec<Delivery>> {
        let mut stmt = self.conn.prepare_cached(DUE)?;
        let rows = stmt.query_map(params![webhook, ms(now), limit as i64], |r| {
            Ok(Delivery {
                seq: r.get(0)?,
                event_id: r.get(1)?,
                webhook: r.get(2)?,
                key: r.get(3)?,
                event_type: r.get(4)?,
                body: r.get(5)?,
                attempts: r.get(6)?,
                // The column is written by `enqueue` from a `Timestamp`; should it ever be
                // unreadable, the metric is off but the delivery goes ahead.
                created_at: r.get::<_, String>(7)?.parse().unwrap_or(now),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When this webhook's next pending row falls due, if it has any.
    pub fn next_due(&self, webhook: &str) -> Result<Option<Timestamp>> {
        let next: Option<i64> = self.conn.query_row(
            "SELECT min(next_attempt_ms) FROM outbox WHERE webhook = ?1 AND state = 'pending'",
            [webhook],
            |r| r.get(0),
        )?;
        Ok(next.and_then(|n| Timestamp::from_millisecond(n).ok()))
    }

    /// When this webhook's next per-key head row falls due strictly after `after`, if any.
    ///
    /// A delivery worker sleeps until then. Unlike [`Outbox::next_due`] it skips rows held
    /// back behind an earlier pending row of the same key: such a row may be "due" long before
    /// it can be sent, and waking for it would spin. Rows due at or before `after` are left
    /// out because the worker has them in hand (in flight) already.
    pub fn next_head_due(&self, webhook: &str, after: Timestamp) -> Result<Option<Timestamp>> {
        let next: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT min(o.next_attempt_ms) FROM outbox o
             WHERE o.webhook = ?1 AND o.state = 'pending' AND o.next_attempt_ms > ?2
               AND NOT EXISTS (SELECT 1 FROM outbox p
                               WHERE p.webhook = o.webhook AND p.key = o.key
                                 AND p.state = 'pending' AND p.event_seq < o.event_seq)",
            )?
            .query_row(params![webhook, ms(after)], |r| r.get(0))?;
        Ok(next.and_then(|n| Timestamp::from_millisecond(n).ok()))
    }

    /// Records the outcomes of attempts, in one transaction.
    pub fn record(&mut self, outcomes: &[(i64, String, Attempt)], now: Timestamp) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET state = ?3, attempts = attempts + 1, next_attempt_ms = ?4,
                   last_status = ?5, last_error = ?6, updated_ms = ?7
                 WHERE event_seq = ?1 AND webhook = ?2 AND state = 'pending'",
            )?;
            for (seq, webhook, attempt) in outcomes {
                let (state, next, status, error) = match attempt {
                    Attempt::Delivered { status } => ("delivered", ms(now), Some(*status), None),
                    Attempt::Retry { at, status, error } => {
                        ("pending", ms(*at), *status, Some(error.as_str()))
                    }
                    Attempt::Dead { status, error } => {
                        ("dead", ms(now), *status, Some(error.as_str()))
                    }
                };
                stmt.execute(params![seq, webhook, state, next, status, error, ms(now)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Outbox rows for `factwatch outbox`: pending and dead ones, plus delivered ones when
    /// asked, newest last.
    pub fn list(&self, include_delivered: bool, limit: usize) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox o JOIN events e ON e.seq = o.event_seq
             WHERE ?1 OR o.state <> 'delivered'
             ORDER BY o.event_seq DESC, o.webhook LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![include_delivered, limit as i64], entry_from_row)?;
        let mut out: Vec<OutboxEntry> = rows.collect::<rusqlite::Result<_>>()?;
        out.reverse();
        Ok(out)
    }

    /// Puts the dead rows of one event (all webhooks, or one) back in the queue, due now.
    /// Returns how many rows were revived.
    pub fn retry(
        &mut self,
        event_id: &str,
        webhook: Option<&str>,
        now: Timestamp,
    ) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ?3, updated_ms = ?3
             WHERE state = 'dead' AND (?2 IS NULL OR webhook = ?2)
               AND event_seq = (SELECT seq FROM events WHERE id = ?1)",
            params![event_id, webhook, ms(now)],
        )?)
    }

    /// Puts every dead row back in the queue, due now.
    pub fn retry_all_dead(&mut self, now: Timestamp) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ?1, updated_ms = ?1
             WHERE state = 'dead'",
            params![ms(now)],
        )?)
    }

    /// Forgets delivered rows older than `before`, so the table does not grow for months.
    /// Events stay in the event log.
    pub fn prune_delivered(&mut self, before: Timestamp) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM outbox WHERE state = 'delivered' AND updated_ms < ?1",
            params![ms(before)],
        )?)
    }

    /// Counts of rows per state, for metrics.
    pub fn state_counts(&self) -> Result<(u64, u64, u64)> {
        let mut pending = 0;
        let mut delivered = 0;
        let mut dead = 0;
        let mut stmt =
            self.conn.prepare_cached("SELECT state, count(*) FROM outbox GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            let n = n.max(0) as u64;
            match state.as_str() {
                "pending" => pending = n,
                "delivered" => delivered = n,
                _ => dead = n,
            }
        }
        Ok((pending, delivered, dead))
    }

    /// Pending rows per webhook name, for spotting rows no configured webhook will send.
    pub fn pending_by_webhook(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT webhook, count(*) FROM outbox WHERE state = 'pending' GROUP BY webhook
             ORDER BY webhook",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (webhook, n) = row?;
            out.push((webhook, n.max(0) as u64));
        }
        Ok(out)
    }

    /// Pending (of them, failed) and dead rows per webhook name, for metrics and
    /// `factwatch status`.
    pub fn by_webhook(&self) -> Result<Vec<WebhookRows>> {
        by_webhook(&self.conn)
    }

    /// The title, URL and date of the live article at `path`, for chat messages.
    pub fn article(&self, path: &str) -> Result<Option<ArticleSummary>> {
        Ok(self
            .conn
            .prepare_cached("SELECT title, url, published FROM articles WHERE path = ?1")?
            .query_row([path], |r| {
                Ok(ArticleSummary { title: r.get(0)?, url: r.get(1)?, published: r.get(2)? })
            })
            .optional()?)
    }

    /// The body of an event by id, for `send-test` and diagnostics.
    pub fn event_body(&self, event_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT body FROM events WHERE id = ?1", [event_id], |r| r.get(0))
            .optional()?)
    }
}
