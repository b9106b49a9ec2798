//! The daemon: the tasks of `factwatch run` and their lifetimes.
//!
//! One loop owns the pipeline and takes, in turn: file events from the watcher, the next
//! deadline from the clock, periodic rescans, SIGHUP reloads and watchdog ticks. Articles are
//! committed one at a time on a blocking thread (a scan reads and extracts its files on
//! reader threads first), so a shutdown request is honoured between articles and never
//! leaves one half-recorded (each is one transaction anyway). Delivery workers, the health
//! endpoint and the optional inbox run beside it and stop with it.
//!
//! The daemon holds no extraction, rule or SQL logic, and no rule about files (freshness,
//! duplicates, moves, deletions, order): it calls `pipeline`, `ingest` and `deliver` and
//! reports what happened in logs and metrics.

mod health;
mod systemd;

pub use health::{ArticleCounts, FactCounts, LastAlert, LastProblem, StatusReport, WebhookStatus};

use std::collections::VecDeque;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use jiff::Timestamp;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::Config;
use crate::deliver::Deliveries;
use crate::ingest::{self, ReadError, watch};
use crate::pipeline::{
    self, AlertPolicy, Check, FileOutcome, Freshness, Pipeline, Prepared, load_extractor,
};
use crate::store::Store;
use crate::telemetry::{ArticleOutcome, Metrics, Progress};

/// Options of `factwatch run` that are not configuration.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Start the fact clock at this instant instead of now (for demos and tests).
    pub now: Option<Timestamp>,
}

/// How often the watched folder is checked for again after it disappeared.
const ROOT_POLL: Duration = Duration::from_secs(1);
/// How often the status line for `systemctl status` is refreshed.
const STATUS_EVERY: Duration = Duration::from_secs(30);

/// Logs at debug inside a scan (`$quiet`), at info otherwise: tracing's levels are fixed
/// per call site.
macro_rules! at_level {
    ($quiet:expr, $($field:tt)*) => {
        if $quiet {
            tracing::debug!($($field)*)
        } else {
            tracing::info!($($field)*)
        }
    };
}

/// What a scan did with its files, for its summary line.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    recorded: usize,
    skipped: usize,
    failed: usize,
    alerts: usize,
}

struct Daemon {
    config: Config,
    root: PathBuf,
    pipeline: Arc<Pipeline>,
    store: Arc<Mutex<Store>>,
    clock: Clock,
    metrics: Arc<Metrics>,
    deliveries: Deliveries,
    next_deadline: Option<Timestamp>,
    watchdog: Arc<systemd::Watchdog>,
}

/// Runs the daemon until `shutdown` completes: catch up on the folder, then watch it.
pub async fn run(
    config: Config,
    options: RunOptions,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    // SIGHUP's default action ends the process, so the handler goes in before anything
    // slow: a reload asked for during a long catch-up waits for it instead of killing it.
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .context("installing the SIGHUP handler")?;
    let clock = options.now.map_or_else(Clock::system, Clock::starting_at);
    let root = config.watch_dir.clone();
    anyhow::ensure!(
        root.is_dir(),
        "setting `watch_dir`: {} is not a folder; create it or point watch_dir (FACTWATCH_WATCH_DIR) at the articles",
        root.display()
    );
    let extractor = Arc::new(load_extractor(&config)?);
    let _instance = lock_instance(&config.database)?;
    let pipeline = Arc::new(Pipeline::new(&config, extractor));
    let db = config.database.clone();
    let mut store =
        blocking(move || Store::open(&db)).await?.with_context(|| "opening the database")?;
    let bootstrap = store.bootstrap_boundary(Timestamp::now())?;
    let metrics = Arc::new(Metrics::default());
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let cancel = CancellationToken::new();
    let ready = Arc::new(AtomicBool::new(false));

    let deliveries =
        Deliveries::start(&config.webhooks, &config.delivery, &config.database, metrics.clone())?;
    let mut background = Vec::new();
    if let Some(addr) = config.http_listen {
        let db = config.database.clone();
        let health_store = blocking(move || Store::open(&db)).await??;
        let health = health::Health {
            ready: ready.clone(),
            metrics: metrics.clone(),
            store: Arc::new(Mutex::new(health_store)),
            about: Arc::new(health::About {
                watch_dir: config.watch_dir.clone(),
                database: config.database.clone(),
                started_at: Timestamp::now(),
                clock,
                tz: config.tz.clone(),
                facts: config.facts,
            }),
        };
        background.push(health::serve(addr, health, cancel.clone()).await?);
    }
    if let Some(inbox) = config.inbox.clone() {
        let token = cancel.clone();
        background.push(tokio::spawn(async move {
            if let Err(e) = crate::deliver::serve_inbox(&inbox, false, token).await {
                tracing::error!(error = %format!("{e:#}"), "the built-in inbox stopped");
            }
        }));
    }

    let mut daemon = Daemon {
        config,
        root,
        pipeline,
        store: Arc::new(Mutex::new(store)),
        clock,
        metrics,
        deliveries,
        next_deadline: None,
        watchdog: Arc::new(systemd::Watchdog::from_env()),
    };
    tokio::pin!(shutdown);
    // The work is cancelled at its next await point when shutdown comes. That is safe at
    // any point: each article is one transaction, and a blocking task already running
    // finishes its article before the runtime exits.
    let result = tokio::select! {
        biased;
        () = &mut shutdown => {
            tracing::info!("shutdown requested");
            Ok(())
        }
        r = daemon.work(bootstrap, ready, hangup) => r,
    };
    daemon.stop(cancel, background).await?;
    result
}

impl Daemon {
    /// Catches up on the folder, then watches it until cancelled. A SIGHUP that arrives
    /// during the catch-up is kept by `hangup` and applied once it is done.
    async fn work(
        &mut self,
        bootstrap: Option<i64>,
        ready: Arc<AtomicBool>,
        mut hangup: tokio::signal::unix::Signal,
    ) -> anyhow::Result<()> {
        // Watch first, then scan: a file written during the scan is seen either way.
        let mut watcher = Some(self.start_watcher()?);
        let policy = match bootstrap {
            Some(boundary) if !self.config.bootstrap_alerts => {
                AlertPolicy::BaselineBefore(boundary)
            }
            _ => AlertPolicy::All,
        };
        let alerts = policy == AlertPolicy::All;
        let mode = if bootstrap.is_some() { "bootstrap" } else { "catch-up" };
        tracing::info!(path = %self.root.display(), mode, clock = %self.clock.now(), "starting");
        self.scan(&self.root.clone(), policy, mode, true).await;
        self.expire(alerts).await;
        if bootstrap.is_some() {
            let now = Timestamp::now();
            if let Ok(Err(e)) = self.with_store(move |s| s.finish_bootstrap(now)).await {
                tracing::error!(error = %e, "cannot record that the bootstrap is done");
            }
            self.bootstrap_summary(alerts).await;
        }
        ready.store(true, Ordering::Relaxed);
        systemd::ready(&self.status_line().await);
        tracing::info!(path = %self.root.display(), "watching");

        let mut rescan = interval(self.config.ingest.rescan_interval);
        let mut status = interval(STATUS_EVERY);
        let mut watchdog = interval(self.watchdog.every().unwrap_or(Duration::ZERO));
        let mut root_poll = tokio::time::interval(ROOT_POLL);
        // The poll runs only while the folder is gone; when it starts again after a long
        // time, one check is enough, not one per second missed.
        root_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let deadline = self.next_deadline;
            tokio::select! {
                biased;
                _ = watchdog.tick() => self.watchdog.ping(),
                ev = next_event(&mut watcher) => match ev {
                    Some(ev) => self.on_event(ev, &mut watcher).await,
                    None => {
                        tracing::warn!(path = %self.root.display(), "the watcher stopped; restarting it");
                        watcher = None;
                    }
                },
                () = sleep_until_deadline(self.clock, deadline) => self.expire(true).await,
                _ = rescan.tick(), if watcher.is_some() => self.scan(&self.root.clone(), AlertPolicy::All, "periodic rescan", true).await,
                _ = root_poll.tick(), if watcher.is_none() => {
                    if self.root.is_dir() {
                        match self.start_watcher() {
                            Ok(w) => {
                                tracing::info!(path = %self.root.display(), "watching the folder again; rescanning");
                                watcher = Some(w);
                                self.scan(&self.root.clone(), AlertPolicy::All, "rescan", true).await;
                            }
                            Err(e) => tracing::warn!(path = %self.root.display(), error = %format!("{e:#}"), "cannot watch the folder yet"),
                        }
                    }
                }
                _ = hangup.recv() => self.reload().await,
                _ = status.tick() => systemd::status(&self.status_line().await),
            }
        }
    }
}

/// Takes an exclusive lock on `DATABASE.lock` for the life of the daemon. SQLite lets two
/// processes share a WAL database, but two daemons on one database would both deliver
/// every alert; the second one is refused with a message saying why.
fn lock_instance(db: &Path) -> anyhow::Result<std::fs::File> {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "database {} is in use by another factwatch daemon (lock file {}); stop it first or point this one at another database",
            db.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// A tick stream that never fires when `every` is zero (the setting is off).
fn interval(every: Duration) -> tokio::time::Interval {
    let period = if every.is_zero() { Duration::from_secs(365 * 24 * 3600) } else { every };
    let mut i = tokio::time::interval_at(Instant::now() + period, period);
    i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    i
}

async fn next_event(watcher: &mut Option<watch::Watcher>) -> Option<watch::FsEvent> {
    match watcher {
        Some(w) => w.events.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until_deadline(clock: Clock, deadline: Option<Timestamp>) {
    match deadline {
        Some(t) => clock.sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Runs blocking work (SQLite, file reads, extraction) off the runtime's threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f).await.context("a blocking task failed")
}

impl Daemon {
    fn start_watcher(&self) -> anyhow::Result<watch::Watcher> {
        let timing = watch::Timing {
            debounce: self.config.ingest.debounce,
            settle: self.config.ingest.settle,
        };
        watch::start(&self.root, timing)
            .with_context(|| format!("cannot watch {}", self.root.display()))
    }

    /// Runs `f` with the store on a blocking thread.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let store = self.store.clone();
        blocking(move || {
            let mut guard = store.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
        .await
    }

    async fn on_event(&mut self, ev: watch::FsEvent, watcher: &mut Option<watch::Watcher>) {
        match ev {
            watch::FsEvent::Changed { path, first_seen } => {
                self.process(path, first_seen).await;
            }
            watch::FsEvent::Removed(path) => self.removed(&path).await,
            watch::FsEvent::DirAppeared(dir) => {
                // A folder moved in whole brings files inotify never reported.
                self.scan(&dir, AlertPolicy::All, "new folder", false).await;
            }
            watch::FsEvent::Rescan(why) => {
                tracing::warn!(path = %self.root.display(), reason = %why, "events were lost; rescanning the folder");
                self.scan(&self.root.clone(), AlertPolicy::All, "rescan", true).await;
            }
            watch::FsEvent::RootGone => {
                tracing::error!(path = %self.root.display(), "the watched folder was deleted or moved; waiting for it to come back");
                *watcher = None;
            }
        }
    }

    /// Processes one file the watcher reported and reports the outcome.
    async fn process(&mut self, path: PathBuf, first_seen: Instant) {
        let source = path.display().to_string();
        let pipeline = self.pipeline.clone();
        let now = self.clock.now();
        let shown = source.clone();
        let result = self
            .with_store(move |s| {
                pipeline.process_file(s, &path, &shown, Freshness::Read, now, AlertPolicy::All)
            })
            .await;
        self.report(&source, result, Some(first_seen)).await;
    }

    /// Commits one prepared file of a scan and reports the outcome.
    async fn commit(&mut self, prepared: Prepared, policy: AlertPolicy) -> Tally {
        let source = prepared.source().to_string();
        let pipeline = self.pipeline.clone();
        let now = self.clock.now();
        let result = self.with_store(move |s| pipeline.commit(s, prepared, now, policy)).await;
        self.report(&source, result, None).await
    }

    /// Logs and counts what became of one file. A file from a watcher event (with
    /// `first_seen`) is logged at info; a scan's files at debug, the scan summing them up in
    /// one line, so a big catch-up neither floods the log nor tears the progress bar.
    async fn report(
        &mut self,
        source: &str,
        result: anyhow::Result<Result<FileOutcome, pipeline::Error>>,
        first_seen: Option<Instant>,
    ) -> Tally {
        let in_scan = first_seen.is_none();
        let mut tally = Tally::default();
        let outcome = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(path = %source, error = %format!("{e:#}"), "processing failed");
                self.metrics.article(ArticleOutcome::Failed);
                tally.failed += 1;
                return tally;
            }
        };
        match outcome {
            Ok(FileOutcome::Recorded { claims, changes, events, notes, baseline }) => {
                self.metrics.article(ArticleOutcome::Ingested);
                self.metrics.claims(claims);
                if baseline {
                    self.metrics.baseline(changes.len());
                } else {
                    for t in &changes {
                        self.metrics.change(*t);
                    }
                }
                tally.recorded += 1;
                tally.alerts += events.len();
                for note in notes {
                    tracing::warn!(path = %source, "{note}");
                }
                at_level!(in_scan, path = %source, claims, changes = changes.len(), alerts = events.len(), "article recorded");
                for e in &events {
                    at_level!(in_scan, path = %source, event = %e.id, r#type = %e.event_type, summary = %e.data.summary, "alert queued");
                }
                if !events.is_empty() {
                    if let Some(t) = first_seen {
                        self.metrics.file_to_enqueue.observe(t.elapsed());
                    }
                    self.deliveries.wake();
                }
                self.refresh_deadline().await;
            }
            Ok(FileOutcome::Unchanged) => {
                self.metrics.article(ArticleOutcome::Skipped);
                tally.skipped += 1;
                tracing::debug!(path = %source, "unchanged");
            }
            Ok(FileOutcome::Duplicate { of }) => {
                self.metrics.article(ArticleOutcome::Skipped);
                tally.skipped += 1;
                at_level!(in_scan, path = %source, duplicate_of = %of, "same content as another article; counted once");
            }
            Err(pipeline::Error::Read(ReadError::Vanished)) => {
                at_level!(in_scan, path = %source, "gone before it could be read");
            }
            Err(pipeline::Error::Read(e)) => {
                self.metrics.article(ArticleOutcome::Failed);
                tally.failed += 1;
                tracing::warn!(path = %source, reason = %e, "skipped");
            }
            Err(pipeline::Error::Store(e)) => {
                self.metrics.article(ArticleOutcome::Failed);
                tally.failed += 1;
                tracing::error!(path = %source, error = %e, "database error; the file is retried at the next rescan");
            }
        }
        tally
    }

    async fn removed(&mut self, path: &Path) {
        let source = path.display().to_string();
        let pipeline = self.pipeline.clone();
        let now = self.clock.now();
        let result = self.with_store(move |s| pipeline.remove(s, &source, now)).await;
        match result {
            Ok(Ok(removal)) => {
                // An article that came and went between two looks was never read: say so,
                // or it would vanish without a trace.
                if removal.deleted.is_empty()
                    && !removal.known
                    && ingest::is_candidate(&self.root, path)
                {
                    tracing::info!(path = %path.display(), "gone before it could be read");
                }
                for p in removal.deleted {
                    tracing::info!(path = %p, "file deleted; its facts stay, the deletion is noted in history");
                }
            }
            Ok(Err(e)) => {
                tracing::error!(path = %path.display(), error = %e, "cannot record a deletion")
            }
            Err(e) => {
                tracing::error!(path = %path.display(), error = %format!("{e:#}"), "cannot record a deletion")
            }
        }
    }

    /// Scans `dir`: notes files deleted meanwhile (when `deletions`), then commits every
    /// new or changed file in the pipeline's article order, so alerts come out in the order
    /// the news happened.
    async fn scan(&mut self, dir: &Path, policy: AlertPolicy, why: &str, deletions: bool) {
        if deletions {
            self.metrics.rescan();
        }
        let (root, walk_dir) = (self.root.clone(), dir.to_path_buf());
        let Ok((found, problems)) = blocking(move || ingest::scan::walk(&root, &walk_dir)).await
        else {
            return;
        };
        for p in &problems {
            tracing::warn!(path = %p.path.display(), error = %p.error, "cannot read folder");
        }
        let paths: Vec<PathBuf> = found.iter().map(|f| f.path.clone()).collect();
        if deletions {
            let dir = dir.to_path_buf();
            let gone =
                self.with_store(move |s| pipeline::vanished(s, &dir, &found, &problems)).await;
            if let Ok(Ok(gone)) = gone {
                for path in gone {
                    self.removed(Path::new(&path)).await;
                }
            }
        }
        // Which files the freshness rule says to read, without reading any.
        let pipeline = self.pipeline.clone();
        let to_read = self
            .with_store(move |s| {
                paths
                    .into_iter()
                    .filter_map(|p| {
                        let source = p.display().to_string();
                        match pipeline.check(s, &p, &source, Freshness::TrustMtime) {
                            Ok(Check::Fresh) => None,
                            Ok(Check::Read { known_hash }) => Some((p, known_hash)),
                            Err(_) => Some((p, None)),
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .unwrap_or_default();
        if to_read.is_empty() {
            tracing::debug!(path = %dir.display(), why, "nothing new");
            return;
        }
        tracing::info!(path = %dir.display(), files = to_read.len(), why, "reading new and changed files");
        let started = Instant::now();
        let files = to_read.len();
        let mut prepared = self.prepare_all(to_read).await;
        pipeline::article_order(&mut prepared);
        let progress = Progress::new(prepared.len() as u64, why);
        let mut total = Tally::default();
        for file in prepared {
            let t = self.commit(file, policy).await;
            total.recorded += t.recorded;
            total.skipped += t.skipped;
            total.failed += t.failed;
            total.alerts += t.alerts;
            progress.inc();
            self.watchdog.progress();
        }
        progress.finish();
        // A bootstrap's summary is the one-screen `bootstrap done` that follows.
        if why != "bootstrap" {
            tracing::info!(
                path = %dir.display(),
                why,
                files,
                recorded = total.recorded,
                same_content = total.skipped,
                unreadable = total.failed,
                alerts = total.alerts,
                seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
                "scan done"
            );
        }
    }

    /// Reads and extracts files with `max_concurrent_reads` reader threads
    /// ([`Pipeline::prepare`]), so each is parsed once and the batch can be put in article
    /// order before any is committed.
    ///
    /// The readers pull paths from one queue, so at most that many files are open and in
    /// memory at once, and that many threads do it: a task per file would make the blocking
    /// pool start a new thread for almost every file (a finished task frees its slot before
    /// its thread is idle again), up to 512 of them. What is kept per file is its claims,
    /// not its text, and only for the first [`pipeline::HELD_ARTICLES`]: beyond, a file is
    /// only dated ([`Pipeline::date_only`]) and read again when its turn comes, so a first
    /// start on a huge folder holds no more than that. When the daemon shuts down the
    /// receiver goes away and each reader stops after the file in hand.
    async fn prepare_all(&self, files: Vec<(PathBuf, Option<String>)>) -> Vec<Prepared> {
        let total = files.len();
        let queue: VecDeque<(PathBuf, Option<String>)> = files.into();
        let queue = Arc::new(Mutex::new(queue));
        let held = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..self.config.ingest.max_concurrent_reads.clamp(1, total.max(1)) {
            let (queue, tx, pipeline) = (Arc::clone(&queue), tx.clone(), self.pipeline.clone());
            let (held, watchdog) = (Arc::clone(&held), Arc::clone(&self.watchdog));
            tokio::task::spawn_blocking(move || {
                loop {
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).pop_front();
                    let Some((path, known_hash)) = next else { return };
                    let (source, known) = (path.display().to_string(), known_hash.as_deref());
                    let prepared = if held.fetch_add(1, Ordering::Relaxed) < pipeline::HELD_ARTICLES
                    {
                        pipeline.prepare(&path, &source, known)
                    } else {
                        pipeline.date_only(&path, &source, known)
                    };
                    // The readers keep every core busy, so they ping themselves: the loop
                    // that receives their work may wait for a core longer than the
                    // watchdog allows.
                    watchdog.progress();
                    if tx.send(prepared).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let progress = Progress::new(total as u64, "reading articles");
        let mut prepared = Vec::with_capacity(total);
        while let Some(p) = rx.recv().await {
            prepared.push(p);
            progress.inc();
            self.watchdog.progress();
        }
        progress.finish();
        prepared
    }

    /// Expires the statuses whose deadline passed, queues their alerts, and finds the next
    /// deadline to sleep until.
    async fn expire(&mut self, alerts: bool) {
        let pipeline = self.pipeline.clone();
        let now = self.clock.now();
        match self.with_store(move |s| pipeline.expire_due(s, now, alerts)).await {
            Ok(Ok(events)) => {
                for e in &events {
                    self.metrics.change(e.event_type);
                    tracing::info!(event = %e.id, r#type = %e.event_type, summary = %e.data.summary, "deadline passed; alert queued");
                }
                if !events.is_empty() {
                    self.deliveries.wake();
                }
            }
            Ok(Err(e)) => tracing::error!(error = %e, "cannot expire deadlines"),
            Err(e) => tracing::error!(error = %format!("{e:#}"), "cannot expire deadlines"),
        }
        self.refresh_deadline().await;
        // A deadline the rules did not expire must not wake the loop again at once.
        if self.next_deadline.is_some_and(|d| d <= now) {
            tracing::warn!("a deadline is due but nothing expired; waiting for the next change");
            self.next_deadline = None;
        }
    }

    async fn refresh_deadline(&mut self) {
        let pipeline = self.pipeline.clone();
        if let Ok(Ok(next)) = self.with_store(move |s| pipeline.next_deadline(s)).await {
            self.next_deadline = next;
        }
    }

    /// Applies a new configuration on SIGHUP; a bad one is rejected and the old one stays.
    async fn reload(&mut self) {
        systemd::reloading();
        let path = self.config.path.clone();
        let loaded = Config::load(path.as_deref(), &crate::config::ProcessEnv)
            .map_err(anyhow::Error::from)
            .and_then(|c| load_extractor(&c).map(|e| (c, e)));
        match loaded {
            Ok((config, extractor)) => {
                if config.watch_dir != self.config.watch_dir
                    || config.database != self.config.database
                {
                    tracing::warn!(
                        "watch_dir and database changes need a restart; keeping the current ones"
                    );
                }
                if let Err(e) = self.deliveries.reload(&config.webhooks, &config.delivery).await {
                    tracing::error!(error = %format!("{e:#}"), "reload rejected; keeping the running configuration");
                } else {
                    self.pipeline = Arc::new(Pipeline::new(&config, Arc::new(extractor)));
                    let (watch_dir, database) =
                        (self.config.watch_dir.clone(), self.config.database.clone());
                    self.config = Config { watch_dir, database, ..config };
                    tracing::info!(webhooks = self.config.webhooks.len(), "configuration reloaded");
                }
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "reload rejected; keeping the running configuration");
            }
        }
        systemd::ready(&self.status_line().await);
    }

    async fn status_line(&self) -> String {
        let counts =
            self.with_store(|s| s.counts()).await.ok().and_then(Result::ok).unwrap_or_default();
        format!(
            "watching {}, {} facts, {} pending alerts",
            self.root.display(),
            counts.facts,
            counts.pending
        )
    }

    /// The one-screen summary of what a bootstrap learned.
    async fn bootstrap_summary(&self, alerts: bool) {
        // A sample, not every fact: a folder of 100,000 articles can hold tens of thousands.
        const SHOWN: usize = 20;
        let Ok(Ok(facts)) = self.with_store(|s| s.first_facts(SHOWN)).await else { return };
        let Ok(Ok((figures, statuses))) = self.with_store(|s| s.fact_kinds()).await else {
            return;
        };
        let counts =
            self.with_store(|s| s.counts()).await.ok().and_then(Result::ok).unwrap_or_default();
        let total = figures + statuses;
        tracing::info!(
            articles = counts.articles,
            facts = total,
            figures,
            statuses,
            alerts_posted = alerts,
            "bootstrap done: the folder is the baseline{}",
            if alerts {
                ""
            } else {
                " (no alerts posted; set bootstrap_alerts = true to post them)"
            }
        );
        for f in &facts {
            tracing::info!(key = %f.key, value = %crate::reconcile::show(&f.current), as_of = %f.current.as_of, source = %f.current.source, "learned");
        }
        if total > SHOWN as u64 {
            tracing::info!(
                "... and {} more; `factwatch facts` lists them all",
                total - SHOWN as u64
            );
        }
    }

    async fn stop(
        self,
        cancel: CancellationToken,
        background: Vec<tokio::task::JoinHandle<()>>,
    ) -> anyhow::Result<()> {
        systemd::stopping();
        cancel.cancel();
        self.deliveries.shutdown().await;
        for task in background {
            let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}
