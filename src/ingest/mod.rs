//! Ingest: the only module that touches the watched folder.
//!
//! It watches the folder (`watch`), walks it (`scan`), reads files under a size cap and
//! decodes them (`read`), strips each format down to article text (`format`) and finds the
//! article's date (`date`). It hands on an [`Article`] and knows nothing of claims, SQL or
//! HTTP.
//!
//! [`Reader`] is the one way a path becomes an article (read, size cap, binary check, hash,
//! charset, format, date): the daemon, `replay` and `scan` all go through it, so a file
//! reads the same whichever of them looks at it.

pub mod date;
pub mod format;
pub mod read;
pub mod scan;
pub mod watch;

use std::path::Path;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::model::Article;
use read::RawFile;
pub use read::{FileMeta, ReadError};

/// Suffixes of files that are still being written or belong to an editor.
const PARTIAL_SUFFIXES: &[&str] =
    &[".swp", ".swx", ".part", ".tmp", ".crdownload", ".partial", ".download", "~"];

/// Whether a path inside the watched folder `root` is an article file factwatch reads:
/// a known extension, not hidden (no component starting with a dot) and not an editor or
/// partial-download file.
pub fn is_candidate(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let hidden = rel.components().any(|c| {
        c.as_os_str().to_str().is_some_and(|s| s.starts_with('.') && s != "." && s != "..")
    });
    if hidden {
        return false;
    }
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    let lower = name.to_ascii_lowercase();
    if PARTIAL_SUFFIXES.iter().any(|s| lower.ends_with(s)) || lower.starts_with('#') {
        return false;
    }
    format::Format::of(path).is_some()
}

/// A file turned into an article, with notes worth a log line (charset guessed, a
/// metadata date that did not parse).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The article.
    pub article: Article,
    /// Size and modification time of the file as it was read.
    pub meta: FileMeta,
    /// Notes for the log.
    pub notes: Vec<String>,
}

/// What reading a file gave when its content may already be known.
#[derive(Debug, Clone)]
pub enum Reading {
    /// The content hashes to the known hash: it was neither decoded nor parsed.
    Known {
        /// Size and modification time of the file as it was read.
        meta: FileMeta,
        /// The content hash, the known one.
        content_hash: String,
    },
    /// New content, turned into an article.
    Article(Loaded),
}

/// How files are read: the size cap, and the zone in which a modification time becomes a
/// calendar date.
#[derive(Debug, Clone)]
pub struct Reader {
    /// Files over this many bytes are refused (`ingest.max_file_size`).
    pub max_file_size: u64,
    /// The configured time zone.
    pub tz: TimeZone,
}

impl Reader {
    /// Reads `path` and turns it into an article (`source` is the path as users see it),
    /// unless its content hashes to `known_hash`, the content already recorded for it: a
    /// re-saved or touched file is not parsed again.
    pub fn read(
        &self,
        path: &Path,
        source: &str,
        known_hash: Option<&str>,
    ) -> Result<Reading, ReadError> {
        let raw = read::read_file(path, self.max_file_size)?;
        if known_hash == Some(raw.content_hash.as_str()) {
            return Ok(Reading::Known { meta: raw.meta, content_hash: raw.content_hash });
        }
        load(source, path, &raw, &self.tz).map(Reading::Article)
    }
}

/// Turns a file's bytes into an article: decode, strip the format, find the date.
fn load(source: &str, path: &Path, raw: &RawFile, tz: &TimeZone) -> Result<Loaded, ReadError> {
    let format = format::Format::of(path)
        .ok_or_else(|| ReadError::Format("not an article file (unknown extension)".to_string()))?;
    let declared =
        if format == format::Format::Html { format::declared_charset(&raw.bytes) } else { None };
    let decoded = read::decode(&raw.bytes, declared.as_deref());
    let mut notes: Vec<String> = decoded.note.into_iter().collect();
    let parsed = format::parse(format, &decoded.text).map_err(ReadError::Format)?;
    notes.extend(parsed.note.clone());
    let modified = Timestamp::from_nanosecond(i128::from(raw.meta.mtime_ns))
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
        .date();
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let date = date::article_date(parsed.date, file_name, &parsed.text, modified);
    Ok(Loaded {
        article: Article {
            source: source.to_string(),
            title: parsed.title,
            url: parsed.url,
            text: parsed.text,
            date,
            content_hash: raw.content_hash.clone(),
        },
        meta: raw.meta,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn candidates() {
        let root = PathBuf::from("/w");
        assert!(is_candidate(&root, Path::new("/w/a.md")));
        assert!(is_candidate(&root, Path::new("/w/x/2025-04-08.HTML")));
        assert!(!is_candidate(&root, Path::new("/w/.a.md")));
        assert!(!is_candidate(&root, Path::new("/w/.cache/a.md")));
        assert!(!is_candidate(&root, Path::new("/w/a.md.swp")));
        assert!(!is_candidate(&root, Path::new("/w/a.md~")));
        assert!(!is_candidate(&root, Path::new("/w/a.json.part")));
        assert!(!is_candidate(&root, Path::new("/w/a.tmp")));
        assert!(!is_candidate(&root, Path::new("/w/a.html.crdownload")));
        assert!(!is_candidate(&root, Path::new("/w/4913")));
        assert!(!is_candidate(&root, Path::new("/w/#a.md#")));
    }

    #[test]
    fn load_txt_with_dateline_and_md_with_front_matter() {
        let raw = |b: &[u8]| RawFile {
            bytes: b.to_vec(),
            meta: FileMeta { size: b.len() as u64, mtime_ns: 0 },
            content_hash: read::hex_sha256(b),
        };
        let l = load(
            "x.txt",
            Path::new("x.txt"),
            &raw(b"Headline\nUpdated 08 April 2025\nBody 29%."),
            &TimeZone::UTC,
        )
        .expect("load");
        assert_eq!(l.article.date.date.to_string(), "2025-04-08");
        assert_eq!(l.article.date.origin, crate::model::DateOrigin::Dateline);
        let l = load("y.txt", Path::new("y.txt"), &raw(b"No date here."), &TimeZone::UTC)
            .expect("load");
        assert_eq!(l.article.date.origin, crate::model::DateOrigin::FileModified);
        assert_eq!(l.article.date.date.to_string(), "1970-01-01");
        let l =
            load("2025-07-31-z.md", Path::new("2025-07-31-z.md"), &raw(b"Body."), &TimeZone::UTC)
                .expect("load");
        assert_eq!(l.article.date.origin, crate::model::DateOrigin::FileName);
    }
}
