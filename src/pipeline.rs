//! The pipeline for one file or one clock tick: ingest -> extract -> reconcile -> store.
//!
//! This is the single composition of the stages, shared by the daemon, `replay` and the
//! benchmarks, so what the tests replay is exactly what the daemon does. It is synchronous
//! (SQLite and extraction are blocking work); the daemon runs it on a blocking thread.
//! It decides nothing itself: extract finds claims, reconcile decides changes, store records
//! them, and the routing of alerts to webhooks follows the config's filters.

use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::{Config, WebhookConfig};
use crate::extract::Extractor;
use crate::ingest::{self, Loaded, ReadError};
use crate::model::{AlertEvent, Change, EventType, KeyPattern};
use crate::reconcile::{self, Rules};
use crate::store::{self, ArticleRecord, FileMeta, Outgoing, Store};

/// Which webhooks want which alerts, from the config's filters.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    /// Event types posted at all (`alerts.events`).
    pub events: Vec<EventType>,
    /// Per webhook: name, event types, key patterns (empty = all keys).
    pub webhooks: Vec<(String, Vec<EventType>, Vec<KeyPattern>)>,
}

impl Routes {
    /// The routes of a configuration.
    pub fn from_config(config: &Config) -> Routes {
        Routes {
            events: config.alert_events.clone(),
            webhooks: config
                .webhooks
                .iter()
                .map(|w: &WebhookConfig| (w.name.clone(), w.events.clone(), w.keys.clone()))
                .collect(),
        }
    }

    fn webhooks_for(&self, event: &AlertEvent) -> Vec<String> {
        self.webhooks
            .iter()
            .filter(|(_, events, keys)| {
                events.contains(&event.event_type)
                    && (keys.is_empty() || keys.iter().any(|k| k.matches(&event.data.key)))
            })
            .map(|(name, ..)| name.clone())
            .collect()
    }
}

/// Whether a file may be skipped on its size and modification time alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// A scan: an unchanged size and mtime means an unchanged file; nothing is read.
    TrustMtime,
    /// A watcher event: the file was written, so read it and compare content hashes.
    Read,
}

/// Whether the changes a file causes post alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertPolicy {
    /// Every change alerts (normal operation).
    All,
    /// The bootstrap baseline: files modified before this instant (nanoseconds since the
    /// epoch, the daemon's first start) are recorded silently; newer files alert. The
    /// boundary is stored, so a crash during the first start cannot turn files that arrived
    /// afterwards into silent baseline.
    BaselineBefore(i64),
}

impl AlertPolicy {
    fn alerts_for(self, mtime_ns: i64) -> bool {
        match self {
            AlertPolicy::All => true,
            AlertPolicy::BaselineBefore(boundary) => mtime_ns >= boundary,
        }
    }
}

/// What became of one file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileOutcome {
    /// Read, extracted, reconciled and recorded.
    Recorded {
        /// Claims extracted.
        claims: usize,
        /// Changes that alert (before filtering by event type).
        changes: Vec<EventType>,
        /// The alert events queued.
        events: Vec<AlertEvent>,
        /// Log-worthy notes from reading and extraction.
        notes: Vec<String>,
        /// Recorded silently as the bootstrap baseline: `changes` queued no alert.
        baseline: bool,
    },
    /// Same content as when last processed.
    Unchanged,
    /// Same content as another live article: noted, not counted twice.
    Duplicate {
        /// The article it duplicates.
        of: String,
    },
}

/// A failure to process one file. Either way the file is skipped and nothing stored is lost.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read or parsed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// The stages wired together with the settings they need.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The extractor built from the configured packs.
    pub extractor: Arc<Extractor>,
    /// The change rules.
    pub rules: Rules,
    /// Alert routing.
    pub routes: Routes,
    /// Files over this size are skipped.
    pub max_file_size: u64,
}

impl Pipeline {
    /// A pipeline for a configuration and an extractor.
    pub fn new(config: &Config, extractor: Arc<Extractor>) -> Pipeline {
        Pipeline {
            extractor,
            rules: Rules { tz: config.tz.clone(), tolerance: config.tolerance.clone() },
            routes: Routes::from_config(config),
            max_file_size: config.ingest.max_file_size,
        }
    }

    /// The time zone deadlines and file dates are read in.
    pub fn tz(&self) -> &TimeZone {
        &self.rules.tz
    }

    /// Processes one file: skips it when its content is known, else reads, extracts,
    /// reconciles and records it with its alerts in one transaction. Under a baseline
    /// `policy`, an older file's changes are recorded but no alert is queued.
    pub fn process_file(
        &self,
        store: &mut Store,
        path: &Path,
        source: &str,
        freshness: Freshness,
        now: Timestamp,
        policy: AlertPolicy,
    ) -> Result<FileOutcome, Error> {
        let known = store.file_state(source)?;
        if freshness == Freshness::TrustMtime
            && let Some(k) = &known
        {
            let meta = ingest::read::file_meta(path)?;
            if !k.deleted && k.size == meta.size && k.mtime_ns == meta.mtime_ns {
                return Ok(FileOutcome::Unchanged);
            }
        }
        let raw = ingest::read::read_file(path, self.max_file_size)?;
        if let Some(k) = &known
            && k.content_hash == raw.content_hash
        {
            store.record_unchanged(source, raw.meta)?;
            return Ok(FileOutcome::Unchanged);
        }
        let loaded = ingest::load(source, path, &raw, &self.rules.tz)?;
        let record = record_of(&loaded, raw.meta);
        if let Some(of) = store.path_with_hash(&raw.content_hash, source)? {
            store.record_duplicate(&record, &of, now)?;
            return Ok(FileOutcome::Duplicate { of });
        }
        Ok(self.record(store, &loaded, raw.meta, now, policy.alerts_for(raw.meta.mtime_ns))?)
    }

    /// Extracts, reconciles and records an article already loaded.
    pub fn record(
        &self,
        store: &mut Store,
        loaded: &Loaded,
        meta: FileMeta,
        now: Timestamp,
        alerts: bool,
    ) -> Result<FileOutcome, store::Error> {
        let extraction = self.extractor.extract(&loaded.article);
        let claims = extraction.claims;
        let facts = store.facts_for(claims.iter().map(|c| c.key.as_str()))?;
        let changes = reconcile::reconcile(&claims, &facts, now, &self.rules);
        let outgoing = self.outgoing(&changes, now, alerts);
        store.record_article(&record_of(loaded, meta), &claims, &changes, &outgoing, now)?;
        let mut notes = loaded.notes.clone();
        notes.extend(extraction.warnings);
        Ok(FileOutcome::Recorded {
            claims: claims.len(),
            changes: changes.iter().filter_map(Change::event_type).collect(),
            events: outgoing.into_iter().map(|o| o.event).collect(),
            notes,
            baseline: !alerts,
        })
    }

    /// Expires the statuses whose deadline passed by `now`, with their alerts.
    pub fn expire_due(
        &self,
        store: &mut Store,
        now: Timestamp,
        alerts: bool,
    ) -> Result<Vec<AlertEvent>, store::Error> {
        // The index gives candidates by day; the rules decide with the exact instant in the
        // configured zone, so the day after `now` is enough of a bound.
        let horizon =
            now.to_zoned(self.rules.tz.clone()).date().tomorrow().unwrap_or(jiff::civil::Date::MAX);
        let due = store.facts_lapsing_by(horizon)?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let changes = reconcile::expire(&due, now, &self.rules);
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let outgoing = self.outgoing(&changes, now, alerts);
        store.record_clock_changes(&changes, &outgoing, now)?;
        Ok(outgoing.into_iter().map(|o| o.event).collect())
    }

    /// The instant of the next deadline, if any status has one.
    pub fn next_deadline(&self, store: &Store) -> Result<Option<Timestamp>, store::Error> {
        Ok(store
            .next_lapse_day()?
            .map(|d| d.to_zoned(self.rules.tz.clone()).map_or(Timestamp::MAX, |z| z.timestamp())))
    }

    fn outgoing(&self, changes: &[Change], now: Timestamp, alerts: bool) -> Vec<Outgoing> {
        if !alerts {
            return Vec::new();
        }
        changes
            .iter()
            .filter(|c| c.event_type().is_some_and(|t| self.routes.events.contains(&t)))
            .filter_map(|c| {
                let fact = c.fact()?;
                let describe =
                    self.extractor.describe(&fact.metric, &fact.subject, fact.period.as_deref());
                reconcile::alert_event(c, reconcile::occurred_at(c, now, &self.rules), &describe)
            })
            .map(|event| Outgoing { webhooks: self.routes.webhooks_for(&event), event })
            .collect()
    }
}

/// Builds the extractor from the configured packs (built-in ones by name, files as read).
pub fn load_extractor(config: &Config) -> anyhow::Result<Extractor> {
    let mut texts = Vec::new();
    for (source, text) in config.read_packs()? {
        match (source, text) {
            (crate::config::PackSource::Builtin(name), _) => texts.push(
                Extractor::builtin(&name)
                    .ok_or_else(|| anyhow::anyhow!("setting `packs`: there is no built-in pack named {name:?} (try builtin:trade)"))?,
            ),
            (crate::config::PackSource::File(path), Some(text)) => texts.push(crate::extract::PackText {
                origin: path.display().to_string(),
                text,
            }),
            (crate::config::PackSource::File(_), None) => {}
        }
    }
    Extractor::new(&texts).map_err(|e| anyhow::anyhow!("{e}"))
}

fn record_of(loaded: &Loaded, meta: FileMeta) -> ArticleRecord<'_> {
    let a = &loaded.article;
    ArticleRecord {
        path: &a.source,
        content_hash: &a.content_hash,
        meta,
        title: a.title.as_deref(),
        url: a.url.as_deref(),
        published: a.date.date,
        date_origin: a.date.origin,
    }
}
