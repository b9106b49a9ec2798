//! The pipeline for one file or one clock tick: ingest -> extract -> reconcile -> store.
//!
//! This is the single path from a file to a committed transaction, shared by the daemon,
//! `replay` and the benchmarks (and, without the store, by `scan`), so what a replay
//! promises is what the daemon sends. It is synchronous (SQLite and extraction are
//! blocking work); the daemon runs it on blocking threads. It decides nothing about facts
//! itself: extract finds claims, reconcile decides changes, store records them. What it
//! does decide, for every caller alike, is what becomes of a file:
//!
//! - **Freshness** ([`Pipeline::check`]): a scan trusts an unchanged size and modification
//!   time and reads nothing; a watcher event always reads. Content whose hash is the one
//!   recorded for the path is neither parsed nor recorded again, only its new mtime noted.
//! - **Duplicates** ([`Pipeline::commit`]): content that another live article already has
//!   is noted as a copy of it, and its claims are not counted twice.
//! - **Deletions** ([`Pipeline::remove`], [`vanished`]): a deleted file, or every article
//!   under a deleted folder, is noted in history and retracts nothing. A folder that cannot
//!   be listed says nothing about which of its files were deleted.
//! - **Moves**: the watcher reports a rename's old name as removed ahead of the new name,
//!   so the old article is recorded as deleted and the new name, no copy of a live article,
//!   as an article whose claims restate the facts: its claims follow it and nothing alerts.
//! - **Order** ([`article_order`]): a batch of files (a catch-up, a replay) is committed in
//!   article-date order, then by path, so alerts come out in the order the news happened
//!   and the first of two same-day copies is the article in every caller.
//!
//! A file is read, parsed and extracted once ([`Pipeline::prepare`], no store needed, so a
//! catch-up does it on several threads), then committed ([`Pipeline::commit`], one
//! transaction). Only in a batch of more than [`HELD_ARTICLES`] files are the ones beyond
//! that read twice, once to date them and once to commit them, so memory stays bounded.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::config::{Config, WebhookConfig};
use crate::extract::Extractor;
use crate::ingest::scan::{Found, WalkProblem};
use crate::ingest::{self, FileMeta, Loaded, ReadError, Reader, Reading};
use crate::model::{AlertEvent, ArticleDate, Change, Claim, EventType, KeyPattern};
use crate::reconcile::{self, Rules};
use crate::store::{self, ArticleRecord, Outgoing, Store};

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

/// How many articles of one batch keep their claims between being read and committed: a
/// few KiB each (3.5 KiB on average on the benchmark corpus), so some 35 MiB at most. The
/// rest of a bigger batch (a first start on a huge folder) is only dated, and read again
/// when its turn comes ([`Pipeline::date_only`]).
pub const HELD_ARTICLES: usize = 10_000;

/// Whether a file may be skipped on its size and modification time alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// A scan: an unchanged size and mtime means an unchanged file; nothing is read.
    TrustMtime,
    /// A watcher event: the file was written, so read it and compare content hashes.
    Read,
}

/// What the freshness rule says about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Unchanged since it was recorded: nothing to do.
    Fresh,
    /// To be read; content hashing to `known_hash` (what was recorded for the path, if
    /// anything) is not parsed again.
    Read {
        /// The content hash recorded for the path.
        known_hash: Option<String>,
    },
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

/// An article's claims with what is recorded about its file; the text itself is not kept.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The path as users see it.
    pub source: String,
    /// Hex SHA-256 of the file's bytes.
    pub content_hash: String,
    /// Size and modification time as read.
    pub meta: FileMeta,
    /// The headline, if any.
    pub title: Option<String>,
    /// The URL, if any.
    pub url: Option<String>,
    /// The article date and where it came from.
    pub date: ArticleDate,
    /// The claims, at most one per key.
    pub claims: Vec<Claim>,
    /// Notes worth a log line: from reading first, then from extraction.
    pub notes: Vec<String>,
}

/// One file read and extracted, ready to be committed.
#[derive(Debug)]
pub enum Prepared {
    /// Its content is the one recorded for its path: nothing was parsed.
    Known {
        /// The file.
        path: PathBuf,
        /// The path as users see it.
        source: String,
        /// Size and modification time as read.
        meta: FileMeta,
        /// The recorded content hash it matched.
        content_hash: String,
    },
    /// New content.
    Article(Box<Extracted>),
    /// New content, read and dated but its claims not kept ([`Pipeline::date_only`]): a
    /// batch too big to hold every article's claims. Committing it reads it again.
    Dated {
        /// The file.
        path: PathBuf,
        /// The path as users see it.
        source: String,
        /// The article date.
        date: Date,
        /// The content hash recorded for the path, as [`Check::Read`] gave it.
        known_hash: Option<String>,
    },
    /// The file could not be read or parsed.
    Unreadable {
        /// The path as users see it.
        source: String,
        /// Why.
        error: ReadError,
    },
}

impl Prepared {
    /// The path as users see it.
    pub fn source(&self) -> &str {
        match self {
            Prepared::Known { source, .. }
            | Prepared::Dated { source, .. }
            | Prepared::Unreadable { source, .. } => source,
            Prepared::Article(a) => &a.source,
        }
    }

    /// The article date, for an article.
    pub fn date(&self) -> Option<Date> {
        match self {
            Prepared::Article(a) => Some(a.date.date),
            Prepared::Dated { date, .. } => Some(*date),
            Prepared::Known { .. } | Prepared::Unreadable { .. } => None,
        }
    }
}

/// Puts a batch of prepared files in the order they are committed: articles by date, then
/// by path (folder by folder, as a walk lists them); files with known content first, as
/// they change nothing; files that could not be read last, so each error is reported once
/// after the articles. Replay and the daemon's scans both use it, so the same folder gives
/// the same alerts, down to which of two same-day copies is the article.
pub fn article_order(files: &mut [Prepared]) {
    files.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
}

fn order_key(p: &Prepared) -> (u8, Date, &Path) {
    let rank = match p {
        Prepared::Known { .. } => 0,
        Prepared::Article(_) | Prepared::Dated { .. } => 1,
        Prepared::Unreadable { .. } => 2,
    };
    (rank, p.date().unwrap_or(Date::MIN), Path::new(p.source()))
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

/// What a removal recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// The live articles now recorded as deleted: the path itself, or those under a folder.
    pub deleted: Vec<String>,
    /// Whether the store knew the path at all (live or deleted before).
    pub known: bool,
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
    /// How files become articles.
    pub reader: Reader,
    /// The extractor built from the configured packs.
    pub extractor: Arc<Extractor>,
    /// The change rules.
    pub rules: Rules,
    /// Alert routing.
    pub routes: Routes,
}

impl Pipeline {
    /// A pipeline for a configuration and an extractor.
    pub fn new(config: &Config, extractor: Arc<Extractor>) -> Pipeline {
        let rules = Rules {
            tz: config.tz.clone(),
            tolerance: config.tolerance.clone(),
            reversal_window_days: config.reversal_window_days,
            scoped: extractor.scopes(),
            realises: extractor.realisations(),
        };
        Pipeline {
            reader: Reader { max_file_size: config.ingest.max_file_size, tz: config.tz.clone() },
            extractor,
            rules,
            routes: Routes::from_config(config),
        }
    }

    /// The time zone deadlines and file dates are read in.
    pub fn tz(&self) -> &TimeZone {
        &self.rules.tz
    }

    /// Processes one file: [`check`](Pipeline::check), [`prepare`](Pipeline::prepare) and
    /// [`commit`](Pipeline::commit). Under a baseline `policy`, an older file's changes are
    /// recorded but no alert is queued.
    pub fn process_file(
        &self,
        store: &mut Store,
        path: &Path,
        source: &str,
        freshness: Freshness,
        now: Timestamp,
        policy: AlertPolicy,
    ) -> Result<FileOutcome, Error> {
        match self.check(store, path, source, freshness)? {
            Check::Fresh => Ok(FileOutcome::Unchanged),
            Check::Read { known_hash } => {
                let prepared = self.prepare(path, source, known_hash.as_deref());
                self.commit(store, prepared, now, policy)
            }
        }
    }

    /// The freshness rule: whether a file must be read, and the content hash recorded for
    /// it. A file whose size or mtime cannot be read is read, so the reader reports why.
    pub fn check(
        &self,
        store: &Store,
        path: &Path,
        source: &str,
        freshness: Freshness,
    ) -> store::Result<Check> {
        let known = store.file_state(source)?;
        if freshness == Freshness::TrustMtime
            && let Some(k) = &known
            && !k.deleted
            && ingest::read::file_meta(path)
                .is_ok_and(|m| m.size == k.size && m.mtime_ns == k.mtime_ns)
        {
            return Ok(Check::Fresh);
        }
        Ok(Check::Read { known_hash: known.map(|k| k.content_hash) })
    }

    /// Reads a file and extracts its claims: the part of processing that needs no store.
    /// Content hashing to `known_hash` is not parsed.
    pub fn prepare(&self, path: &Path, source: &str, known_hash: Option<&str>) -> Prepared {
        self.read(path, source, known_hash, true)
    }

    /// Reads a file only to date it, for a batch too big to keep every article's claims:
    /// [`Prepared::Dated`] holds the date and the path, and committing it reads the file
    /// again. Known content and unreadable files come out as from
    /// [`prepare`](Pipeline::prepare).
    pub fn date_only(&self, path: &Path, source: &str, known_hash: Option<&str>) -> Prepared {
        self.read(path, source, known_hash, false)
    }

    fn read(&self, path: &Path, source: &str, known_hash: Option<&str>, claims: bool) -> Prepared {
        match self.reader.read(path, source, known_hash) {
            Ok(Reading::Known { meta, content_hash }) => Prepared::Known {
                path: path.to_path_buf(),
                source: source.to_string(),
                meta,
                content_hash,
            },
            Ok(Reading::Article(loaded)) if claims => {
                Prepared::Article(Box::new(self.extract(loaded)))
            }
            Ok(Reading::Article(loaded)) => Prepared::Dated {
                path: path.to_path_buf(),
                source: source.to_string(),
                date: loaded.article.date.date,
                known_hash: known_hash.map(str::to_string),
            },
            Err(error) => Prepared::Unreadable { source: source.to_string(), error },
        }
    }

    /// Extracts the claims of an article that was read; the text is dropped.
    pub fn extract(&self, loaded: Loaded) -> Extracted {
        let extraction = self.extractor.extract(&loaded.article);
        let Loaded { article, meta, mut notes } = loaded;
        notes.extend(extraction.warnings);
        Extracted {
            source: article.source,
            content_hash: article.content_hash,
            meta,
            title: article.title,
            url: article.url,
            date: article.date,
            claims: extraction.claims,
            notes,
        }
    }

    /// Commits a prepared file: content already recorded for the path only has its new
    /// mtime noted, a copy of another live article is noted as its duplicate, and anything
    /// else is reconciled and recorded with its alerts, each in one transaction.
    pub fn commit(
        &self,
        store: &mut Store,
        prepared: Prepared,
        now: Timestamp,
        policy: AlertPolicy,
    ) -> Result<FileOutcome, Error> {
        let article = match prepared {
            Prepared::Unreadable { error, .. } => return Err(Error::Read(error)),
            Prepared::Known { path, source, meta, content_hash } => {
                if store.file_state(&source)?.is_some_and(|k| k.content_hash == content_hash) {
                    store.record_unchanged(&source, meta)?;
                    return Ok(FileOutcome::Unchanged);
                }
                // The store moved on since the file was read: read it as new content.
                let again = self.prepare(&path, &source, None);
                return self.commit(store, again, now, policy);
            }
            Prepared::Dated { path, source, known_hash, .. } => {
                let again = self.prepare(&path, &source, known_hash.as_deref());
                return self.commit(store, again, now, policy);
            }
            Prepared::Article(a) => a,
        };
        let a = &*article;
        if store.file_state(&a.source)?.is_some_and(|k| k.content_hash == a.content_hash) {
            store.record_unchanged(&a.source, a.meta)?;
            return Ok(FileOutcome::Unchanged);
        }
        if let Some(of) = store.path_with_hash(&a.content_hash, &a.source)? {
            store.record_duplicate(&record_of(a), &of, now)?;
            return Ok(FileOutcome::Duplicate { of });
        }
        let alerts = policy.alerts_for(a.meta.mtime_ns);
        Ok(self.record(store, article, now, alerts)?)
    }

    fn record(
        &self,
        store: &mut Store,
        article: Box<Extracted>,
        now: Timestamp,
        alerts: bool,
    ) -> store::Result<FileOutcome> {
        let claims = &article.claims;
        let facts = self.facts_needed(store, claims)?;
        let changes = reconcile::reconcile(claims, &facts, now, &self.rules);
        let outgoing = self.outgoing(&changes, now, alerts);
        store.record_article(&record_of(&article), claims, &changes, &outgoing, now)?;
        Ok(FileOutcome::Recorded {
            claims: claims.len(),
            changes: changes.iter().filter_map(Change::event_type).collect(),
            events: outgoing.into_iter().map(|o| o.event).collect(),
            notes: article.notes,
            baseline: !alerts,
        })
    }

    /// Records that `source` is gone: the article at that path, or, when it is no live
    /// article, every live article under it (a folder deleted or moved away). Facts are not
    /// retracted; each is noted in history.
    pub fn remove(
        &self,
        store: &mut Store,
        source: &str,
        now: Timestamp,
    ) -> store::Result<Removal> {
        if store.record_deleted(source, now)? {
            return Ok(Removal { deleted: vec![source.to_string()], known: true });
        }
        let known = store.file_state(source)?.is_some();
        let under = store.live_paths_under(source)?;
        for p in &under {
            store.record_deleted(p, now)?;
        }
        Ok(Removal { deleted: under, known })
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
        let generals = reconcile::needed_for_expiry(&due, &self.rules);
        let generals = store.facts_for(generals.iter().map(String::as_str))?;
        let changes = reconcile::expire(&due, &generals, now, &self.rules);
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let outgoing = self.outgoing(&changes, now, alerts);
        store.record_clock_changes(&changes, &outgoing, now)?;
        Ok(outgoing.into_iter().map(|o| o.event).collect())
    }

    /// The stored facts reconcile needs for these claims: their keys, the general keys
    /// above them, the country keys under a general key they state, the threats a rate
    /// may realise.
    fn facts_needed(
        &self,
        store: &Store,
        claims: &[crate::model::Claim],
    ) -> Result<std::collections::HashMap<String, crate::model::Fact>, store::Error> {
        let needed = reconcile::needed(claims, &self.rules);
        let mut facts = store.facts_for(needed.keys.iter().map(String::as_str))?;
        for prefix in &needed.prefixes {
            facts.extend(store.facts_under(prefix)?.into_iter().map(|f| (f.key.clone(), f)));
        }
        Ok(facts)
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

/// The live articles under `dir` that a walk of it did not find: deleted while nobody was
/// watching. When the walk could not list `dir` itself (gone, unmounted, no permission),
/// that says nothing about which files were deleted, and none are.
pub fn vanished(
    store: &Store,
    dir: &Path,
    found: &[Found],
    problems: &[WalkProblem],
) -> store::Result<Vec<String>> {
    if problems.iter().any(|p| p.path == dir) {
        return Ok(Vec::new());
    }
    let present: HashSet<String> = found.iter().map(|f| f.path.display().to_string()).collect();
    let live = store.live_paths_under(&dir.display().to_string())?;
    Ok(live.into_iter().filter(|p| !present.contains(p)).collect())
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

fn record_of(a: &Extracted) -> ArticleRecord<'_> {
    ArticleRecord {
        path: &a.source,
        content_hash: &a.content_hash,
        meta: a.meta,
        title: a.title.as_deref(),
        url: a.url.as_deref(),
        published: a.date.date,
        date_origin: a.date.origin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline() -> Pipeline {
        let config = Config::from_toml(
            "packs = [\"builtin:trade\"]\n",
            None,
            &std::collections::BTreeMap::new(),
        )
        .expect("config");
        let pack = Extractor::builtin("trade").expect("trade pack");
        Pipeline::new(&config, Arc::new(Extractor::new(&[pack]).expect("compiles")))
    }

    const RATE: &str =
        "---\ndate: 2025-04-02\n---\nThe United States imposed a 29% tariff on Pakistani goods.\n";

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    fn process(p: &Pipeline, store: &mut Store, path: &Path, freshness: Freshness) -> FileOutcome {
        let source = path.display().to_string();
        p.process_file(store, path, &source, freshness, Timestamp::UNIX_EPOCH, AlertPolicy::All)
            .expect("processed")
    }

    #[test]
    fn a_file_is_recorded_once_and_a_copy_is_a_duplicate() {
        let (p, dir) = (pipeline(), tempfile::tempdir().expect("tempdir"));
        let mut store = Store::open_in_memory().expect("store");
        let a = write(dir.path(), "a.md", RATE);
        let FileOutcome::Recorded { events, .. } = process(&p, &mut store, &a, Freshness::Read)
        else {
            panic!("recorded")
        };
        assert_eq!(events.len(), 1);
        // Unchanged size and mtime: a scan reads nothing; an event reads and compares.
        assert_eq!(
            p.check(&store, &a, &a.display().to_string(), Freshness::TrustMtime).expect("check"),
            Check::Fresh
        );
        assert_eq!(process(&p, &mut store, &a, Freshness::Read), FileOutcome::Unchanged);
        let b = write(dir.path(), "b.md", RATE);
        assert_eq!(
            process(&p, &mut store, &b, Freshness::Read),
            FileOutcome::Duplicate { of: a.display().to_string() }
        );
    }

    #[test]
    fn known_content_is_not_parsed_again() {
        let (p, dir) = (pipeline(), tempfile::tempdir().expect("tempdir"));
        let a = write(dir.path(), "a.md", RATE);
        let hash = crate::model::hex_sha256(RATE.as_bytes());
        let prepared = p.prepare(&a, "a.md", Some(&hash));
        assert!(matches!(prepared, Prepared::Known { .. }), "{prepared:?}");
        assert!(matches!(p.prepare(&a, "a.md", Some("other")), Prepared::Article(_)));
    }

    #[test]
    fn a_file_only_dated_is_read_again_and_recorded_when_committed() {
        let (p, dir) = (pipeline(), tempfile::tempdir().expect("tempdir"));
        let mut store = Store::open_in_memory().expect("store");
        let a = write(dir.path(), "a.md", RATE);
        let dated = p.date_only(&a, "a.md", None);
        assert!(
            matches!(&dated, Prepared::Dated { date, .. } if date.to_string() == "2025-04-02"),
            "{dated:?}"
        );
        let outcome = p.commit(&mut store, dated, Timestamp::UNIX_EPOCH, AlertPolicy::All);
        let Ok(FileOutcome::Recorded { claims, events, .. }) = outcome else {
            panic!("recorded: {outcome:?}")
        };
        assert_eq!((claims, events.len()), (1, 1));
    }

    #[test]
    fn a_batch_is_committed_by_date_then_path_with_unreadable_files_last() {
        let (p, dir) = (pipeline(), tempfile::tempdir().expect("tempdir"));
        let d = dir.path();
        let june = "---\ndate: 2025-06-01\n---\nThe United States cut its tariff on Pakistani goods to 19%.\n";
        let files = [
            write(d, "z-june.md", june),
            write(d, "missing.md", RATE),
            write(d, "july-copy.md", RATE),
            write(d, "july/copy.md", RATE),
        ];
        std::fs::remove_file(&files[1]).expect("remove");
        let mut batch: Vec<Prepared> =
            files.iter().map(|f| p.prepare(f, &f.display().to_string(), None)).collect();
        article_order(&mut batch);
        let order: Vec<&str> = batch
            .iter()
            .map(|f| f.source().strip_prefix(&format!("{}/", d.display())).unwrap_or("?"))
            .collect();
        // A folder's files come with the folder, as a walk lists them: "july/" before
        // "july-copy.md", though '-' sorts before '/' as text.
        assert_eq!(order, ["july/copy.md", "july-copy.md", "z-june.md", "missing.md"]);
    }

    #[test]
    fn a_folder_that_cannot_be_listed_deletes_nothing() {
        let (p, dir) = (pipeline(), tempfile::tempdir().expect("tempdir"));
        let mut store = Store::open_in_memory().expect("store");
        let a = write(dir.path(), "sub/a.md", RATE);
        process(&p, &mut store, &a, Freshness::Read);
        let sub = dir.path().join("sub");
        std::fs::remove_file(&a).expect("remove");
        let (found, problems) = ingest::scan::walk(dir.path(), &sub);
        assert_eq!(
            vanished(&store, &sub, &found, &problems).expect("vanished"),
            [a.display().to_string()]
        );
        std::fs::remove_dir(&sub).expect("rmdir");
        let (found, problems) = ingest::scan::walk(dir.path(), &sub);
        assert!(vanished(&store, &sub, &found, &problems).expect("vanished").is_empty());
        // Removing the folder records every live article under it.
        let removal = p
            .remove(&mut store, &sub.display().to_string(), Timestamp::UNIX_EPOCH)
            .expect("remove");
        assert_eq!(removal, Removal { deleted: vec![a.display().to_string()], known: false });
    }
}
