//! Watching the folder: notify's raw inotify events, debounced per path into "this file is
//! complete, read it", "this path is gone", "this directory appeared" and "rescan".
//!
//! notify's debouncers do not fit: debouncer-full emits an event once it is older than the
//! timeout even while the file is still being written, and debouncer-mini loses the event
//! kind. The signals that a file is complete are a close after writing or a rename into
//! place, so those fire after a short `debounce`; a file that was written but never closed
//! fires only after it has been quiet for `settle`. Open and read events (ours included,
//! since notify 8 subscribes to IN_OPEN) are ignored, or the daemon would trigger itself.
//!
//! Every folder gets a watch of its own, added by a walk that skips hidden folders and does
//! not follow links: notify's recursive mode gives up on the whole tree at the first folder
//! it cannot watch, so one root-only `lost+found` kept the daemon from starting. A folder
//! that cannot be watched is logged and skipped instead. A folder that appears is watched
//! before it is reported, so the daemon's walk of it cannot miss a file written in between.
//!
//! notify's thread hands raw events over a bounded channel and never waits on the daemon.
//! When the channel is full (the daemon fell behind) or the kernel queue overflowed, events
//! were lost: the debouncer drops what it had pending, watches any folder it missed, and
//! reports one rescan ahead of everything still to come, which the daemon answers with a
//! full scan. Memory stays bounded and nothing is lost.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::is_candidate;

/// Raw events buffered between notify's thread and the debouncer (as many as the kernel's
/// default queue, `fs.inotify.max_queued_events`).
const RAW_CAPACITY: usize = 16_384;
/// Debounced events buffered for the daemon.
const OUT_CAPACITY: usize = 1024;
/// Why a rescan is needed, in the daemon's "events were lost" line.
const KERNEL_OVERFLOW: &str = "the kernel event queue overflowed";
const FELL_BEHIND: &str = "events came faster than they were handled";

/// What the watcher reports after debouncing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsEvent {
    /// A file was written and is now complete: read it.
    Changed {
        /// The file.
        path: PathBuf,
        /// When its first event arrived, for the file-to-alert latency metric.
        first_seen: Instant,
    },
    /// A path no longer exists (a file, or a directory with files under it).
    Removed(PathBuf),
    /// A directory appeared (created, or moved in with files already inside): walk it.
    DirAppeared(PathBuf),
    /// Events were lost; the folder must be rescanned.
    Rescan(String),
    /// The watched folder itself was deleted or moved away.
    RootGone,
}

/// A running watcher. Dropping it stops watching.
pub struct Watcher {
    _notify: Notifier,
    task: tokio::task::JoinHandle<()>,
    /// The debounced events.
    pub events: mpsc::Receiver<FsEvent>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watcher")
    }
}

/// How long each kind of event waits before it fires.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Quiet time after a close-after-write or a rename into place.
    pub debounce: Duration,
    /// Quiet time for a file written but not (yet) closed.
    pub settle: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    due: Instant,
    first_seen: Instant,
    /// Whether a close-after-write or rename-in was seen since the last write.
    complete: bool,
}

/// The notify watcher, shared by the watcher handle and the debouncer, which adds a watch
/// for each folder that appears.
type Notifier = Arc<Mutex<notify::RecommendedWatcher>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Events were lost: set from notify's thread, taken by the debouncer.
#[derive(Debug, Default)]
struct Lapse {
    reason: Mutex<Option<&'static str>>,
    wake: tokio::sync::Notify,
}

impl Lapse {
    fn report(&self, why: &'static str) {
        lock(&self.reason).get_or_insert(why);
        self.wake.notify_one();
    }

    fn take(&self) -> Option<&'static str> {
        lock(&self.reason).take()
    }

    fn is_reported(&self) -> bool {
        lock(&self.reason).is_some()
    }
}

/// Starts watching `root` and the folders in it. Must be called inside a tokio runtime.
/// Fails only when `root` itself cannot be watched.
pub fn start(root: &Path, timing: Timing) -> notify::Result<Watcher> {
    let lapse = Arc::new(Lapse::default());
    let (raw_tx, raw_rx) = mpsc::channel::<notify::Result<notify::Event>>(RAW_CAPACITY);
    let seen = Arc::clone(&lapse);
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        // This runs on notify's own thread and never waits: the debouncer may be waiting
        // on this thread to add a watch. What does not fit is lost and answered by a rescan.
        if res.as_ref().is_ok_and(notify::Event::need_rescan) {
            seen.report(KERNEL_OVERFLOW);
        } else if let Err(mpsc::error::TrySendError::Full(_)) = raw_tx.try_send(res) {
            seen.report(FELL_BEHIND);
        }
    })?;
    let notifier: Notifier = Arc::new(Mutex::new(watcher));
    let names = PathNames::new(root);
    watch_tree(&notifier, &names, root)?;
    let (tx, rx) = mpsc::channel(OUT_CAPACITY);
    let task = tokio::spawn(debounce(names, timing, raw_rx, tx, lapse, Arc::clone(&notifier)));
    Ok(Watcher { _notify: notifier, task, events: rx })
}

/// Watches `top` and every folder below it that is not hidden, without following links.
/// Fails only when `top` itself cannot be watched; a folder below it that cannot be (no
/// permission, the watch limit) is logged and skipped. Watching a folder twice is harmless.
fn watch_tree(notifier: &Notifier, names: &PathNames, top: &Path) -> notify::Result<()> {
    let mut w = lock(notifier);
    w.watch(top, RecursiveMode::NonRecursive)?;
    let mut stack = vec![top.to_path_buf()];
    while let Some(dir) = stack.pop() {
        // A folder that cannot be listed is reported by the scan that walks it.
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if !entry.file_type().is_ok_and(|t| t.is_dir()) || is_hidden(&names.root, &path) {
                continue;
            }
            match w.watch(&path, RecursiveMode::NonRecursive) {
                Ok(()) => stack.push(path),
                Err(e) if matches!(e.kind, notify::ErrorKind::PathNotFound) => {}
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %describe(&e), "cannot watch folder; articles in it are not seen");
                    if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) {
                        // Every further watch would fail the same way.
                        return Ok(());
                    }
                }
            }
        }
    }
    Ok(())
}

/// A watch error without notify's list of absolute paths (the log line names the path).
fn describe(e: &notify::Error) -> String {
    match &e.kind {
        notify::ErrorKind::Io(io) => io.to_string(),
        notify::ErrorKind::MaxFilesWatch => {
            "the limit of inotify watches is reached; raise fs.inotify.max_user_watches".into()
        }
        _ => e.to_string(),
    }
}

/// Watches a folder that appeared (or, after lost events, the whole tree again) off the
/// runtime's threads: each watch is a round trip to notify's thread.
async fn rewatch(notifier: &Notifier, names: &PathNames, dir: &Path) {
    let (n, names2, d) = (Arc::clone(notifier), names.clone(), dir.to_path_buf());
    let watched = tokio::task::spawn_blocking(move || watch_tree(&n, &names2, &d)).await;
    if let Ok(Err(e)) = watched
        && !matches!(e.kind, notify::ErrorKind::PathNotFound)
    {
        tracing::warn!(path = %dir.display(), error = %describe(&e), "cannot watch folder; articles in it are not seen");
    }
}

/// Hands an event to the daemon; a folder that appeared is watched first. False when the
/// daemon is gone.
async fn emit(
    ev: FsEvent,
    out: &mpsc::Sender<FsEvent>,
    notifier: &Notifier,
    names: &PathNames,
) -> bool {
    if let FsEvent::DirAppeared(dir) = &ev {
        rewatch(notifier, names, dir).await;
    }
    out.send(ev).await.is_ok()
}

/// notify reports absolute paths; the rest of factwatch names files by the watched folder
/// as configured (`seeds/a.md`, as scans do), so one file keeps one identity.
#[derive(Debug, Clone)]
struct PathNames {
    root: PathBuf,
    absolute: Vec<PathBuf>,
}

impl PathNames {
    fn new(root: &Path) -> PathNames {
        let mut absolute = Vec::new();
        if let Ok(c) = root.canonicalize() {
            absolute.push(c);
        }
        if let Ok(cwd) = std::env::current_dir() {
            absolute.push(cwd.join(root));
        }
        PathNames { root: root.to_path_buf(), absolute }
    }

    fn name(&self, path: &Path) -> PathBuf {
        self.absolute.iter().find_map(|a| path.strip_prefix(a).ok()).map_or_else(
            || path.to_path_buf(),
            |rel| if rel.as_os_str().is_empty() { self.root.clone() } else { self.root.join(rel) },
        )
    }
}

async fn debounce(
    names: PathNames,
    timing: Timing,
    mut raw: mpsc::Receiver<notify::Result<notify::Event>>,
    out: mpsc::Sender<FsEvent>,
    lapse: Arc<Lapse>,
    notifier: Notifier,
) {
    let mut pending: HashMap<PathBuf, Pending> = HashMap::new();
    // Deadlines with lazy deletion: an entry is live only if it matches the map's due time.
    let mut queue: BinaryHeap<Reverse<(Instant, PathBuf)>> = BinaryHeap::new();
    loop {
        if let Some(why) = lapse.take() {
            // The rescan reads every file as it is now, which covers all that was pending;
            // folders created while events were lost have no watch yet.
            pending.clear();
            queue.clear();
            rewatch(&notifier, &names, &names.root).await;
            if out.send(FsEvent::Rescan(why.to_string())).await.is_err() {
                return;
            }
            continue;
        }
        if pending.is_empty() {
            // After a burst, give back what the burst needed.
            queue.clear();
            pending.shrink_to(64);
            queue.shrink_to(64);
        }
        let next = queue.peek().map(|Reverse((due, _))| *due);
        tokio::select! {
            () = lapse.wake.notified() => {}
            msg = raw.recv() => {
                let Some(msg) = msg else { return };
                let now = Instant::now();
                let mut direct = Vec::new();
                let msg = msg.map(|mut e| {
                    e.paths = e.paths.iter().map(|p| names.name(p)).collect();
                    e
                });
                classify(&names.root, timing, msg, now, &mut pending, &mut queue, &mut direct);
                for ev in direct {
                    if !emit(ev, &out, &notifier, &names).await {
                        return;
                    }
                }
            }
            () = sleep_until_opt(next) => {
                let now = Instant::now();
                while let Some(Reverse((due, _))) = queue.peek() {
                    // Lost events make what is still due moot: the rescan comes first.
                    if *due > now || lapse.is_reported() {
                        break;
                    }
                    let Some(Reverse((due, path))) = queue.pop() else { break };
                    let Some(p) = pending.get(&path).copied() else { continue };
                    if p.due != due {
                        continue;
                    }
                    pending.remove(&path);
                    if let Some(ev) = settle(&names.root, path, p.first_seen)
                        && !emit(ev, &out, &notifier, &names).await
                    {
                        return;
                    }
                }
            }
        }
    }
}

async fn sleep_until_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// Decides what a quiet path has become, by looking at it now.
fn settle(root: &Path, path: PathBuf, first_seen: Instant) -> Option<FsEvent> {
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(FsEvent::Removed(path)),
        Ok(m) if m.is_dir() => Some(FsEvent::DirAppeared(path)),
        _ if is_candidate(root, &path) => Some(FsEvent::Changed { path, first_seen }),
        _ => None,
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "the debouncer's state, passed apart to keep borrowck simple"
)]
fn classify(
    root: &Path,
    timing: Timing,
    msg: notify::Result<notify::Event>,
    now: Instant,
    pending: &mut HashMap<PathBuf, Pending>,
    queue: &mut BinaryHeap<Reverse<(Instant, PathBuf)>>,
    direct: &mut Vec<FsEvent>,
) {
    let event = match msg {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(path = %root.display(), error = %e, "watcher error; rescanning the folder");
            direct.push(FsEvent::Rescan(format!("watcher error: {e}")));
            return;
        }
    };
    if event.need_rescan() {
        direct.push(FsEvent::Rescan("the kernel event queue overflowed".to_string()));
        return;
    }
    let mut touch = |path: &Path, complete: Option<bool>| {
        if is_hidden(root, path) {
            return;
        }
        let entry = pending.entry(path.to_path_buf()).or_insert(Pending {
            due: now,
            first_seen: now,
            complete: false,
        });
        if let Some(c) = complete {
            entry.complete = c;
        }
        entry.due = now + if entry.complete { timing.debounce } else { timing.settle };
        queue.push(Reverse((entry.due, path.to_path_buf())));
    };
    let mut moved_away = Vec::new();
    for (i, path) in event.paths.iter().enumerate() {
        if path == root {
            // The watch is on the folder's inode: once it is deleted or moved the watch is
            // dead, even if a new folder already stands at the path (moved aside and
            // recreated at once), so the daemon must start a new one either way.
            if matches!(event.kind, EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))) {
                direct.push(FsEvent::RootGone);
            }
            continue;
        }
        match event.kind {
            // A rename's old name that is gone is reported at once, ahead of the new name
            // (which waits for its debounce): the daemon then records a moved article, or a
            // moved folder's articles, as moved rather than as copies of files that no
            // longer exist (which would leave them without claims). Each rename starts
            // with a `From`; the `Both` that follows only adds the new name.
            EventKind::Modify(ModifyKind::Name(RenameMode::From))
                if !is_hidden(root, path) && std::fs::symlink_metadata(path).is_err() =>
            {
                moved_away.push(path.clone());
                direct.push(FsEvent::Removed(path.clone()));
            }
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) if i == 0 => {}
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => touch(path, Some(true)),
            EventKind::Access(_) => {}
            EventKind::Create(CreateKind::Folder) => {
                if !is_hidden(root, path) {
                    direct.push(FsEvent::DirAppeared(path.clone()));
                }
            }
            EventKind::Create(_) => touch(path, Some(false)),
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => touch(path, Some(true)),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)) => touch(path, Some(true)),
            EventKind::Modify(ModifyKind::Name(_)) | EventKind::Remove(_) => {
                touch(path, Some(true))
            }
            EventKind::Modify(ModifyKind::Metadata(_)) => touch(path, None),
            EventKind::Modify(_) => touch(path, Some(false)),
            EventKind::Any | EventKind::Other => touch(path, None),
        }
    }
    // What was pending under a name that moved away is covered by the removal.
    for gone in moved_away {
        pending.retain(|p, _| !p.starts_with(&gone));
    }
}

/// Whether any component below the root starts with a dot: hidden files and folders
/// (`.git`, editor swap files, `.#locks`) are never articles.
fn is_hidden(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).unwrap_or(path).components().any(|c| {
        c.as_os_str().to_str().is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
    })
}
