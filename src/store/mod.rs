//! The SQLite file: articles seen, their claims, current facts, history, alert events and the
//! outbox of deliveries.
//!
//! This is the only module that names `rusqlite` or writes SQL. It records what the pipeline
//! decided and never decides what is a change. Everything one article causes (its row, its
//! claims, the facts it moved, the history rows and the alert events with one outbox row per
//! webhook) is written in one transaction, so a crash leaves either all of it or none of it:
//! an alert can never be lost between "fact changed" and "alert queued".
//!
//! The file runs in WAL mode so the delivery workers (each with its own [`Outbox`]
//! connection) and the CLI can read while the pipeline writes.

mod outbox;
mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use crate::ingest::FileMeta;
use crate::model::{AlertEvent, Change, Claim, DateOrigin, Fact, Kind, Observation};

pub use outbox::{ArticleSummary, Delivery, Outbox, OutboxEntry, OutboxState, WebhookRows};

/// How long a connection waits for another one's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A problem with the database file. The variants a caller may act on are typed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Another process holds the database (or it is on a file system without locking).
    #[error(
        "database {path} is locked by another process; is another factwatch running on it? ({detail})"
    )]
    Locked {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The file is not an SQLite database or is damaged. It is never overwritten.
    #[error(
        "database {path} is not a valid factwatch database ({detail}); it was left untouched: move it aside or restore a backup"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The file was written by a newer factwatch, or a migration failed.
    #[error("database {path}: {detail}")]
    Migration {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The directory for the file cannot be created.
    #[error("cannot create the directory for database {path}: {error}")]
    Dir {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// Any other SQLite error, e.g. a full disk.
    #[error("database error: {0}")]
    Sql(rusqlite::Error),
    /// A stored row could not be decoded; the message names the table and key.
    #[error("database row {0} is unreadable")]
    Row(String),
}

// Written out rather than `#[from]`, which would also make the SQLite error the `source()`
// and print it twice in `{:#}` chains.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        Error::Sql(e)
    }
}

/// The result type of store operations.
pub type Result<T> = std::result::Result<T, Error>;

/// What the store remembers about a file, to skip files that did not change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    /// Hex SHA-256 of the content last processed.
    pub content_hash: String,
    /// Size in bytes when last processed.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch when last processed.
    pub mtime_ns: i64,
    /// Whether the file was seen deleted since.
    pub deleted: bool,
}

/// An alert event with the webhooks it goes to.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The event.
    pub event: AlertEvent,
    /// The names of the webhooks that want it; may be empty (the event is still logged).
    pub webhooks: Vec<String>,
}

/// One row of a fact's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HistoryEntry {
    /// What happened: new, changed, deadline_changed, expired, conflict, restated, settled,
    /// stale, source_deleted.
    pub change: String,
    /// The value observed (or, for source_deleted, the last value that file gave).
    pub observation: Observation,
    /// When the row was written, by the daemon's clock.
    pub recorded_at: String,
    /// Why it was decided, when the label alone does not say: the key followed, the
    /// conflict, the reason a claim was not applied.
    pub why: Option<String>,
}

/// The newest alert event, as `factwatch status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LastEvent {
    /// The event id.
    pub id: String,
    /// The event type name.
    pub event_type: String,
    /// Its one-line summary.
    pub summary: String,
    /// The article it came from.
    pub source: String,
    /// When it was queued, by the fact clock.
    pub queued_at: String,
}

/// Counts shown in status lines and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Articles recorded (not deleted).
    pub articles: u64,
    /// Facts held.
    pub facts: u64,
    /// Outbox rows waiting for delivery.
    pub pending: u64,
    /// Outbox rows given up on.
    pub dead: u64,
}

/// The database, as the pipeline uses it.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Opens a connection with the settings every factwatch connection uses, and brings the
/// schema up to date.
fn connect(path: &Path) -> Result<Connection> {
    if path != Path::new(":memory:")
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .map_err(|error| Error::Dir { path: path.to_path_buf(), error })?;
    }
    let classify = |e: rusqlite::Error| classify(path, e);
    let conn = if path == Path::new(":memory:") {
        Connection::open_in_memory().map_err(classify)?
    } else {
        Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(classify)?
    };
    conn.busy_timeout(BUSY_TIMEOUT).map_err(classify)?;
    // Reading the schema is the first thing that touches the file's contents, so it is
    // where a file that is not a database (or is damaged) shows up.
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(classify)?;
    if path != Path::new(":memory:") {
        let mode: String =
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(classify)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Locked {
                path: path.to_path_buf(),
                detail: format!("cannot switch to WAL mode (got {mode})"),
            });
        }
    }
    // NORMAL in WAL mode: a power cut may lose the last transactions but never corrupts the
    // file; a process crash loses nothing committed.
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        .map_err(classify)?;
    migrate(&conn, path, version)?;
    Ok(conn)
}

fn classify(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode;
    let detail = e.to_string();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            Error::Locked { path: path.to_path_buf(), detail }
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
            Error::Corrupt { path: path.to_path_buf(), detail }
        }
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            Error::Migration { path: path.to_path_buf(), detail: format!("cannot open: {detail}") }
        }
        _ => Error::Sql(e),
    }
}

fn migrate(conn: &Connection, path: &Path, version: i64) -> Result<()> {
    let known = schema::MIGRATIONS.len() as i64;
    if version > known {
        return Err(Error::Migration {
            path: path.to_path_buf(),
            detail: format!(
                "schema version {version} is newer than this factwatch understands ({known}); run a newer factwatch"
            ),
        });
    }
    if version < known {
        let has_tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))
            .map_err(|e| classify(path, e))?;
        if version == 0 && has_tables > 0 {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                detail: "it holds tables but no factwatch schema version".to_string(),
            });
        }
    }
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
        let next = i as i64 + 1;
        let run = || -> rusqlite::Result<()> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            conn.execute_batch(sql)?;
            conn.execute_batch(&format!("PRAGMA user_version = {next}"))?;
            conn.execute_batch("COMMIT")
        };
        if let Err(e) = run() {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(Error::Migration {
                path: path.to_path_buf(),
                detail: format!("migration to schema version {next} failed: {e}"),
            });
        }
    }
    Ok(())
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn json<T: serde::Serialize>(v: &T) -> String {
    // Serializing our own plain data types cannot fail; an empty object is a safe fallback
    // that the reader reports as unreadable rather than a panic.
    serde_json::to_string(v).unwrap_or_else(|_| "{}".to_string())
}

fn subject_of(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Vec<String>> {
    let s: String = row.get(idx)?;
    Ok(serde_json::from_str(&s).unwrap_or_default())
}

/// The columns of `facts` in the order [`fact_from_row`] reads them.
const FACT_COLUMNS: &str =
    "key, metric, subject, period, kind, current, previous, confirmed, revision, sources, conflict";

fn fact_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<std::result::Result<Fact, String>> {
    let key: String = row.get(0)?;
    let kind: String = row.get(4)?;
    let current: String = row.get(5)?;
    let previous: Option<String> = row.get(6)?;
    let confirmed: String = row.get(7)?;
    let sources: Option<String> = row.get(9)?;
    let conflict: Option<String> = row.get(10)?;
    let decoded = (|| {
        let current = obs_from_json(&current)?;
        // A fact written before version 3 knows only the article of its current value.
        let sources = match sources {
            Some(s) => serde_json::from_str(&s).ok()?,
            None => vec![current.source.clone()],
        };
        Some(Fact {
            key: key.clone(),
            metric: row.get(1).ok()?,
            subject: subject_of(row, 2).ok()?,
            period: row.get(3).ok()?,
            kind: Kind::parse(&kind)?,
            current,
            previous: match previous {
                Some(p) => Some(obs_from_json(&p)?),
                None => None,
            },
            confirmed: confirmed.parse().ok()?,
            revision: row.get(8).ok()?,
            sources,
            conflict: match conflict {
                Some(c) => Some(obs_from_json(&c)?),
                None => None,
            },
        })
    })();
    Ok(decoded.ok_or_else(|| format!("facts[{key}]")))
}

/// The stored form of an observation keeps the qualifier, which the alert body leaves out.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredObservation {
    #[serde(flatten)]
    obs: Observation,
    qualifier: Option<crate::model::Qualifier>,
}

fn obs_to_json(o: &Observation) -> String {
    json(&StoredObservation { obs: o.clone(), qualifier: o.qualifier })
}

fn obs_from_json(s: &str) -> Option<Observation> {
    let stored: StoredObservation = serde_json::from_str(s).ok()?;
    let mut obs = stored.obs;
    obs.qualifier = stored.qualifier;
    Some(obs)
}

/// The day from which a fact's status no longer holds, if it can lapse at all.
///
/// Only a status with a deadline, neither expired nor ended, can lapse; the clock asks
/// for the smallest of these, so the column is indexed.
fn lapse_day(fact: &Fact) -> Option<String> {
    fact.current.lapsing_deadline().map(|u| u.lapse_day().to_string())
}

impl Store {
    /// Opens (creating if needed) the database file and applies migrations.
    ///
    /// A file that is not a factwatch database, or is damaged, is refused and left as it is.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = connect(path)?;
        Ok(Store { conn, path: path.to_path_buf() })
    }

    /// A fresh database in memory, for `replay` and tests.
    pub fn open_in_memory() -> Result<Store> {
        Store::open(Path::new(":memory:"))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether no article was ever recorded.
    pub fn is_empty(&self) -> Result<bool> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM articles", [], |r| r.get(0))?;
        Ok(n == 0)
    }

    /// The baseline boundary of an unfinished bootstrap, starting one on an empty database.
    ///
    /// Returns `Some(instant)` while the first catch-up has not completed: files modified
    /// before that instant (the first start) are the baseline. The instant is stored before
    /// any article, so a crash mid-bootstrap resumes with the same boundary.
    pub fn bootstrap_boundary(&mut self, now: Timestamp) -> Result<Option<i64>> {
        if self.meta("bootstrap_done")?.is_some() {
            return Ok(None);
        }
        if let Some(b) = self.meta("baseline_before")? {
            return Ok(b.parse().ok());
        }
        if !self.is_empty()? {
            // A database from before this marker existed: not a first start.
            self.set_meta("bootstrap_done", &now.to_string())?;
            return Ok(None);
        }
        let boundary = i64::try_from(now.as_nanosecond()).unwrap_or(i64::MAX);
        self.set_meta("baseline_before", &boundary.to_string())?;
        Ok(Some(boundary))
    }

    /// Marks the first catch-up as complete: from now on every change alerts.
    pub fn finish_bootstrap(&mut self, now: Timestamp) -> Result<()> {
        self.set_meta("bootstrap_done", &now.to_string())
    }

    /// What the store remembers of a file, if anything.
    pub fn file_state(&self, path: &str) -> Result<Option<FileState>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT content_hash, size, mtime_ns, deleted_at IS NOT NULL FROM articles WHERE path = ?1",
            )?
            .query_row([path], |r| {
                Ok(FileState {
                    content_hash: r.get(0)?,
                    size: r.get::<_, i64>(1)?.max(0) as u64,
                    mtime_ns: r.get(2)?,
                    deleted: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// Another live file with this exact content, if any: re-saving an article under a second
    /// name must not count twice.
    pub fn path_with_hash(&self, hash: &str, other_than: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT path FROM articles WHERE content_hash = ?1 AND path <> ?2 AND deleted_at IS NULL AND duplicate_of IS NULL LIMIT 1",
            )?
            .query_row(params![hash, other_than], |r| r.get(0))
            .optional()?)
    }

    /// The paths of all live (not deleted) articles, to notice files deleted while the daemon
    /// was down.
    pub fn live_paths(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT path FROM articles WHERE deleted_at IS NULL")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    /// The live articles inside a folder, for a folder that was deleted or moved away.
    pub fn live_paths_under(&self, dir: &str) -> Result<Vec<String>> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        // Every path that starts with "dir/" sorts between "dir/" and "dir0" ('0' follows
        // '/'), so the primary key index answers this without a scan.
        let upper = format!("{}0", dir.trim_end_matches('/'));
        let mut stmt = self.conn.prepare_cached(
            "SELECT path FROM articles WHERE path >= ?1 AND path < ?2 AND deleted_at IS NULL",
        )?;
        let rows = stmt.query_map(params![prefix, upper], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    /// The stored facts for these keys (missing keys are absent from the map).
    pub fn facts_for<'a>(
        &self,
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, Fact>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {FACT_COLUMNS} FROM facts WHERE key = ?1"))?;
        let mut out = HashMap::new();
        for key in keys {
            if out.contains_key(key) {
                continue;
            }
            if let Some(f) = stmt.query_row([key], fact_from_row).optional()? {
                let fact = f.map_err(Error::Row)?;
                out.insert(fact.key.clone(), fact);
            }
        }
        Ok(out)
    }

    /// Every fact whose key starts with `prefix` (the country keys under a general key,
    /// `tariff_pause:US:`), ordered by key.
    pub fn facts_under(&self, prefix: &str) -> Result<Vec<Fact>> {
        // Every key that starts with the prefix sorts between it and the prefix with its
        // last character raised by one, so the primary key index answers this.
        let mut upper = prefix.to_string();
        let Some(last) = upper.pop() else { return self.all_facts() };
        upper.push(char::from_u32(u32::from(last) + 1).unwrap_or(char::MAX));
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {FACT_COLUMNS} FROM facts WHERE key >= ?1 AND key < ?2 ORDER BY key"
        ))?;
        let rows = stmt.query_map(params![prefix, upper], fact_from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row?.map_err(Error::Row)?);
        }
        Ok(out)
    }

    /// Every fact, ordered by key.
    pub fn all_facts(&self) -> Result<Vec<Fact>> {
        self.first_facts(usize::MAX)
    }

    /// The first `limit` facts by key: a sample that costs the same however many are held.
    pub fn first_facts(&self, limit: usize) -> Result<Vec<Fact>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {FACT_COLUMNS} FROM facts ORDER BY key LIMIT ?1"))?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], fact_from_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.map_err(Error::Row)?);
        }
        Ok(out)
    }

    /// How many facts are figures and how many are statuses.
    pub fn fact_kinds(&self) -> Result<(u64, u64)> {
        let mut stmt = self.conn.prepare("SELECT kind, count(*) FROM facts GROUP BY kind")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let (mut figures, mut statuses) = (0, 0);
        for row in rows {
            let (kind, n) = row?;
            match Kind::parse(&kind) {
                Some(Kind::Status) => statuses += n.max(0) as u64,
                _ => figures += n.max(0) as u64,
            }
        }
        Ok((figures, statuses))
    }

    /// The earliest day on which some status stops holding, if any status has a deadline.
    pub fn next_lapse_day(&self) -> Result<Option<Date>> {
        let day: Option<String> = self.conn.query_row(
            "SELECT min(lapse_day) FROM facts WHERE lapse_day IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(day.and_then(|d| d.parse().ok()))
    }

    /// The facts whose status stops holding on or before `day`.
    pub fn facts_lapsing_by(&self, day: Date) -> Result<Vec<Fact>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {FACT_COLUMNS} FROM facts WHERE lapse_day IS NOT NULL AND lapse_day <= ?1 ORDER BY lapse_day, key"
        ))?;
        let rows = stmt.query_map([day.to_string()], fact_from_row)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.map_err(Error::Row)?);
        }
        Ok(out)
    }

    /// Records one processed article and everything it caused, in one transaction.
    ///
    /// `claims` replaces the claims previously recorded for this path, so an article edited in
    /// place keeps only its current claims.
    pub fn record_article(
        &mut self,
        article: &ArticleRecord<'_>,
        claims: &[Claim],
        changes: &[Change],
        outgoing: &[Outgoing],
        now: Timestamp,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        upsert_article(&tx, article, None, claims.len(), now)?;
        tx.execute("DELETE FROM claims WHERE path = ?1", [article.path])?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT OR REPLACE INTO claims (path, key, body) VALUES (?1, ?2, ?3)",
            )?;
            for c in claims {
                ins.execute(params![article.path, c.key, json(c)])?;
            }
        }
        apply_changes(&tx, changes, now)?;
        outbox::enqueue(&tx, outgoing, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Records a file whose content is the same as another live article's: it is noted, and
    /// its claims are not counted twice.
    pub fn record_duplicate(
        &mut self,
        article: &ArticleRecord<'_>,
        duplicate_of: &str,
        now: Timestamp,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        upsert_article(&tx, article, Some(duplicate_of), 0, now)?;
        tx.execute("DELETE FROM claims WHERE path = ?1", [article.path])?;
        tx.commit()?;
        Ok(())
    }

    /// Notes that a file's metadata changed but its content did not (a `touch`, a re-save).
    pub fn record_unchanged(&mut self, path: &str, meta: FileMeta) -> Result<()> {
        self.conn.execute(
            "UPDATE articles SET size = ?2, mtime_ns = ?3, deleted_at = NULL WHERE path = ?1",
            params![path, meta.size as i64, meta.mtime_ns],
        )?;
        Ok(())
    }

    /// Notes that a file was deleted. Facts are not retracted; each key the file spoke about
    /// gets a `source_deleted` history row. Returns whether the file was known and live.
    pub fn record_deleted(&mut self, path: &str, now: Timestamp) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE articles SET deleted_at = ?2 WHERE path = ?1 AND deleted_at IS NULL",
            params![path, now.to_string()],
        )?;
        if changed > 0 {
            let claims: Vec<(String, String)> = {
                let mut stmt = tx.prepare("SELECT key, body FROM claims WHERE path = ?1")?;
                let rows = stmt.query_map([path], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let mut ins = tx.prepare_cached(
                "INSERT INTO history (key, change, observation, recorded_at) VALUES (?1, 'source_deleted', ?2, ?3)",
            )?;
            for (key, body) in claims {
                if let Ok(claim) = serde_json::from_str::<Claim>(&body) {
                    ins.execute(params![
                        key,
                        obs_to_json(&Observation::from_claim(&claim)),
                        now.to_string()
                    ])?;
                }
            }
            drop(ins);
            // A duplicate that pointed at this file is now the live copy of that content.
            tx.execute("UPDATE articles SET duplicate_of = NULL WHERE duplicate_of = ?1", [path])?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Records changes that came from the clock (expiries), with their alerts.
    pub fn record_clock_changes(
        &mut self,
        changes: &[Change],
        outgoing: &[Outgoing],
        now: Timestamp,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        apply_changes(&tx, changes, now)?;
        outbox::enqueue(&tx, outgoing, now)?;
        tx.commit()?;
        Ok(())
    }

    /// The history of one key, oldest first.
    pub fn history(&self, key: &str) -> Result<Vec<HistoryEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT change, observation, recorded_at, why FROM history WHERE key = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (change, obs, recorded_at, why) = row?;
            let observation =
                obs_from_json(&obs).ok_or_else(|| Error::Row(format!("history[{key}]")))?;
            out.push(HistoryEntry { change, observation, recorded_at, why });
        }
        Ok(out)
    }

    /// A value from the small key-value table of daemon state.
    pub fn meta(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| r.get(0))
            .optional()?)
    }

    /// Sets a value in the daemon-state table.
    pub fn set_meta(&mut self, name: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    /// Counts for status lines and metrics.
    pub fn counts(&self) -> Result<Counts> {
        let one = |sql: &str| -> Result<u64> {
            let n: i64 = self.conn.query_row(sql, [], |r| r.get(0))?;
            Ok(n.max(0) as u64)
        };
        Ok(Counts {
            articles: one("SELECT count(*) FROM articles WHERE deleted_at IS NULL")?,
            facts: one("SELECT count(*) FROM facts")?,
            pending: one("SELECT count(*) FROM outbox WHERE state = 'pending'")?,
            dead: one("SELECT count(*) FROM outbox WHERE state = 'dead'")?,
        })
    }

    /// Pending (of them, failed) and dead outbox rows per webhook, for metrics and status.
    pub fn outbox_by_webhook(&self) -> Result<Vec<WebhookRows>> {
        outbox::by_webhook(&self.conn)
    }

    /// The newest alert event queued: its id, type, summary, source and when it was queued
    /// (by the fact clock), for `factwatch status`.
    pub fn last_event(&self) -> Result<Option<LastEvent>> {
        let row: Option<(String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT id, type, body, created_at FROM events ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.map(|(id, event_type, body, queued_at)| {
            let event: Option<AlertEvent> = serde_json::from_str(&body).ok();
            LastEvent {
                id,
                event_type,
                summary: event.as_ref().map(|e| e.data.summary.clone()).unwrap_or_default(),
                source: event.map(|e| e.data.current.source).unwrap_or_default(),
                queued_at,
            }
        }))
    }

    /// Checks that the database accepts writes, for `/readyz`.
    pub fn check_writable(&mut self) -> Result<()> {
        self.set_meta("last_ready_check", &Timestamp::now().to_string())
    }
}

/// The article-level facts written with each processed file.
#[derive(Debug, Clone, Copy)]
pub struct ArticleRecord<'a> {
    /// The path, as shown to users.
    pub path: &'a str,
    /// Hex SHA-256 of the content.
    pub content_hash: &'a str,
    /// Size and modification time.
    pub meta: FileMeta,
    /// The headline, if any.
    pub title: Option<&'a str>,
    /// The URL, if any.
    pub url: Option<&'a str>,
    /// The article date.
    pub published: Date,
    /// Where the date came from.
    pub date_origin: DateOrigin,
}

fn upsert_article(
    tx: &Transaction<'_>,
    a: &ArticleRecord<'_>,
    duplicate_of: Option<&str>,
    claim_count: usize,
    now: Timestamp,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO articles (path, content_hash, size, mtime_ns, title, url, published, date_origin, duplicate_of, claim_count, processed_at, deleted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL)
         ON CONFLICT(path) DO UPDATE SET content_hash = excluded.content_hash, size = excluded.size,
           mtime_ns = excluded.mtime_ns, title = excluded.title, url = excluded.url,
           published = excluded.published, date_origin = excluded.date_origin,
           duplicate_of = excluded.duplicate_of, claim_count = excluded.claim_count,
           processed_at = excluded.processed_at, deleted_at = NULL",
    )?
    .execute(params![
        a.path,
        a.content_hash,
        a.meta.size as i64,
        a.meta.mtime_ns,
        a.title,
        a.url,
        a.published.to_string(),
        a.date_origin.as_str(),
        duplicate_of,
        claim_count as i64,
        now.to_string(),
    ])?;
    Ok(())
}

fn apply_changes(tx: &Transaction<'_>, changes: &[Change], now: Timestamp) -> Result<()> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO facts (key, metric, subject, period, kind, current, previous, confirmed, revision, lapse_day, updated_at, sources, conflict)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT(key) DO UPDATE SET metric = excluded.metric, subject = excluded.subject,
           period = excluded.period, kind = excluded.kind, current = excluded.current,
           previous = excluded.previous, confirmed = excluded.confirmed, revision = excluded.revision,
           lapse_day = excluded.lapse_day, updated_at = excluded.updated_at,
           sources = excluded.sources, conflict = excluded.conflict",
    )?;
    let mut hist = tx.prepare_cached(
        "INSERT INTO history (key, change, observation, recorded_at, why) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let now_text = now.to_string();
    for change in changes {
        // The observation a history row shows: the claim that was weighed, or the value the
        // fact took.
        let observation = match change {
            Change::Restated { claim, .. } | Change::Stale { claim, .. } => claim,
            Change::Conflict { fact, .. } => fact.conflict.as_ref().unwrap_or(&fact.current),
            Change::New { fact } | Change::Updated { fact, .. } | Change::Expired { fact, .. } => {
                &fact.current
            }
        };
        if let Some(fact) = change.fact() {
            upsert.execute(params![
                fact.key,
                fact.metric,
                json(&fact.subject),
                fact.period,
                fact.kind.as_str(),
                obs_to_json(&fact.current),
                fact.previous.as_ref().map(obs_to_json),
                fact.confirmed.to_string(),
                fact.revision,
                lapse_day(fact),
                now_text,
                json(&fact.sources),
                fact.conflict.as_ref().map(obs_to_json),
            ])?;
        }
        hist.execute(params![
            change.key(),
            change.label(),
            obs_to_json(observation),
            now_text,
            change.why()
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Deadline, EventType};

    fn obs(value: f64, day: &str) -> Observation {
        Observation {
            value: Some(value),
            unit: Some("percent".into()),
            status: None,
            until: None,
            as_of: day.parse().expect("date"),
            source: "a.md".into(),
            quote: "q".into(),
            qualifier: None,
            stated_previous: None,
        }
    }

    fn fact(key: &str, current: Observation) -> Fact {
        Fact {
            key: key.into(),
            metric: "tariff_rate".into(),
            subject: vec!["US".into(), "PK".into()],
            period: None,
            kind: Kind::Figure,
            confirmed: current.as_of,
            current,
            previous: None,
            revision: 0,
            sources: vec![],
            conflict: None,
        }
    }

    fn record<'a>(path: &'a str, hash: &'a str) -> ArticleRecord<'a> {
        ArticleRecord {
            path,
            content_hash: hash,
            meta: FileMeta { size: 10, mtime_ns: 1 },
            title: None,
            url: None,
            published: "2025-04-08".parse().expect("date"),
            date_origin: DateOrigin::Metadata,
        }
    }

    #[test]
    fn facts_round_trip_with_qualifier_and_deadline() {
        let mut store = Store::open_in_memory().expect("open");
        let mut f = fact("tariff_pause:US", obs(1.0, "2025-04-08"));
        f.kind = Kind::Status;
        f.current.value = None;
        f.current.status = Some("active".into());
        f.current.until = Deadline::parse("2025-07");
        f.current.qualifier = Some(crate::model::Qualifier::About);
        store
            .record_article(
                &record("a.md", "h1"),
                &[],
                &[Change::New { fact: f.clone() }],
                &[],
                Timestamp::UNIX_EPOCH,
            )
            .expect("record");
        let got = store.facts_for(["tariff_pause:US"]).expect("read");
        assert_eq!(got.get("tariff_pause:US"), Some(&f));
        assert_eq!(store.next_lapse_day().expect("lapse"), Some("2025-08-01".parse().expect("d")));
        assert_eq!(store.history("tariff_pause:US").expect("history").len(), 1);
    }

    #[test]
    fn deleted_file_keeps_facts_and_notes_history() {
        let mut store = Store::open_in_memory().expect("open");
        let f = fact("tariff_rate:US:PK", obs(29.0, "2025-04-08"));
        let claim = Claim {
            source: "a.md".into(),
            key: f.key.clone(),
            metric: f.metric.clone(),
            subject: f.subject.clone(),
            period: None,
            kind: Kind::Figure,
            value: Some(29.0),
            unit: Some("percent".into()),
            qualifier: None,
            status: None,
            until: None,
            as_of: f.current.as_of,
            span: [0, 1],
            quote: "q".into(),
            stated_previous: None,
        };
        store
            .record_article(
                &record("a.md", "h1"),
                &[claim],
                &[Change::New { fact: f }],
                &[],
                Timestamp::UNIX_EPOCH,
            )
            .expect("record");
        assert!(store.record_deleted("a.md", Timestamp::UNIX_EPOCH).expect("delete"));
        assert!(!store.record_deleted("a.md", Timestamp::UNIX_EPOCH).expect("twice"));
        assert_eq!(store.all_facts().expect("facts").len(), 1);
        let h = store.history("tariff_rate:US:PK").expect("history");
        assert_eq!(
            h.iter().map(|e| e.change.as_str()).collect::<Vec<_>>(),
            ["new", "source_deleted"]
        );
        assert_eq!(EventType::parse("fact.new"), Some(EventType::New));
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("factwatch.db");
        let junk = b"this is not sqlite, it is a shopping list\n".repeat(200);
        std::fs::write(&path, &junk).expect("write");
        let err = Store::open(&path).expect_err("must refuse");
        assert!(matches!(err, Error::Corrupt { .. }), "{err}");
        assert_eq!(std::fs::read(&path).expect("read"), junk);
    }
}
