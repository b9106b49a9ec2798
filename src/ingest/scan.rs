//! Walking the watched folder: the catch-up scan at start, the rescan after lost events, and
//! the walk of a directory that appears (moved in whole, which inotify reports as one event).
//!
//! The walk is iterative and does not follow symlinked directories, so a symlink loop cannot
//! trap it; a symlink to a file is read like a file. Every other entry with an article's name
//! (a FIFO, a socket, a link to a folder, a dangling or looping link) is handed on too, never
//! opened here, so the reader reports it with its path, as it does when the watcher sees it
//! appear. Unreadable directories are reported and skipped.

use std::path::{Path, PathBuf};

use super::is_candidate;

/// A file the walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its path (the watched folder joined with its relative path).
    pub path: PathBuf,
}

/// A problem met during a walk, reported so the caller can log it with the path.
#[derive(Debug)]
pub struct WalkProblem {
    /// The path that could not be read.
    pub path: PathBuf,
    /// Why.
    pub error: std::io::Error,
}

/// Walks `dir` (inside the watched folder `root`) and returns the article files in it,
/// sorted by path, plus the problems met.
pub fn walk(root: &Path, dir: &Path) -> (Vec<Found>, Vec<WalkProblem>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(error) => {
                problems.push(WalkProblem { path: d, error });
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(error) => {
                    problems.push(WalkProblem { path: d.clone(), error });
                    continue;
                }
            };
            let path = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                if !is_hidden_name(&path) {
                    stack.push(path);
                }
            } else if is_candidate(root, &path) {
                found.push(Found { path });
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    (found, problems)
}

fn is_hidden_name(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_finds_articles_and_skips_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("sub/deep")).expect("mkdir");
        std::fs::create_dir_all(root.join(".git")).expect("mkdir");
        for f in [
            "a.md",
            "sub/b.txt",
            "sub/deep/c.html",
            ".hidden.md",
            ".git/x.md",
            "d.md.part",
            "e.swp",
            "f.md~",
            "g.pdf",
            "h.json.tmp",
            "i.crdownload",
        ] {
            std::fs::write(root.join(f), "x").expect("write");
        }
        #[cfg(unix)]
        {
            // Not followed: a loop back to the root, and one named like an article, which
            // is handed on so the reader reports it.
            std::os::unix::fs::symlink(root, root.join("sub/loop")).expect("symlink");
            std::os::unix::fs::symlink(root, root.join("sub/up.md")).expect("symlink");
        }
        let (found, problems) = walk(root, root);
        let names: Vec<_> = found
            .iter()
            .map(|f| f.path.strip_prefix(root).expect("inside").to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.md", "sub/b.txt", "sub/deep/c.html", "sub/up.md"]);
        assert!(problems.is_empty());
    }
}
