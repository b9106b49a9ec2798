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
//! Raw events are handed over a bounded channel: when the daemon falls behind, notify's
//! thread blocks, the kernel queue overflows, and notify reports a rescan, which the
//! daemon answers with a full scan. Memory stays bounded and nothing is lost.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::is_candidate;

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
    _notify: notify::RecommendedWatcher,
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

/// Starts watching `root` recursively. Must be called inside a tokio runtime.
pub fn start(root: &Path, timing: Timing) -> notify::Result<Watcher> {
    let (raw_tx, raw_rx) = mpsc::channel::<notify::Result<notify::Event>>(4096);
    let mut watcher = notify::recommended_watcher(move |res| {
        // This runs on notify's own thread, never on a runtime thread, so blocking is
        // allowed; it is what turns a slow daemon into a kernel overflow and a rescan.
        let _ = raw_tx.blocking_send(res);
    })?;
    watcher.watch(root, RecursiveMode::Recursive)?;
    let (tx, rx) = mpsc::channel(1024);
    let names = PathNames::new(root);
    let task = tokio::spawn(debounce(names, timing, raw_rx, tx));
    Ok(Watcher { _notify: watcher, task, events: rx })
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
) {
    let mut pending: HashMap<PathBuf, Pending> = HashMap::new();
    // Deadlines with lazy deletion: an entry is live only if it matches the map's due time.
    let mut queue: BinaryHeap<Reverse<(Instant, PathBuf)>> = BinaryHeap::new();
    loop {
        let next = queue.peek().map(|Reverse((due, _))| *due);
        tokio::select! {
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
                    if out.send(ev).await.is_err() {
                        return;
                    }
                }
            }
            () = sleep_until_opt(next) => {
                let now = Instant::now();
                while let Some(Reverse((due, _))) = queue.peek() {
                    if *due > now {
                        break;
                    }
                    let Some(Reverse((due, path))) = queue.pop() else { break };
                    let Some(p) = pending.get(&path).copied() else { continue };
                    if p.due != due {
                        continue;
                    }
                    pending.remove(&path);
                    if let Some(ev) = settle(&names.root, path, p.first_seen)
                        && out.send(ev).await.is_err()
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
