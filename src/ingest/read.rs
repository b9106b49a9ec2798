//! Reading one file from the watched folder: size cap, binary detection, hashing and
//! character decoding.
//!
//! This is the only place that reads article bytes. It never trusts the file: a file can be
//! over the size cap, binary, in a legacy encoding, truncated or deleted while being read, or
//! unreadable; each case is a typed [`ReadError`] that names the reason, so the caller can log
//! the path and move on.

use std::io::Read as _;
use std::path::Path;
use std::time::UNIX_EPOCH;

/// A file's identity on disk as ingest sees it: what the freshness rule compares and the
/// store records with each article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch.
    pub mtime_ns: i64,
}

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file vanished between the event and the read.
    #[error("the file no longer exists")]
    Vanished,
    /// The file is larger than the configured cap.
    #[error("{size} bytes is over the size cap of {cap} bytes (ingest.max_file_size)")]
    TooLarge {
        /// The size found.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// The file looks binary (NUL bytes or mostly control characters).
    #[error("the file looks binary, not like an article")]
    Binary,
    /// The file holds no text.
    #[error("the file is empty")]
    Empty,
    /// The file is not a regular file (a directory, a socket, a broken link).
    #[error("not a regular file")]
    NotAFile,
    /// The format parser found no article text in it.
    #[error("{0}")]
    Format(String),
    /// An I/O error, e.g. permission denied or a symlink loop.
    #[error("cannot read: {0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> ReadError {
        ReadError::Io(e)
    }
}

/// The bytes of one file with their identity.
#[derive(Debug, Clone)]
pub(super) struct RawFile {
    /// The content.
    pub(super) bytes: Vec<u8>,
    /// Size and modification time, taken before reading.
    pub(super) meta: FileMeta,
    /// Hex SHA-256 of `bytes`.
    pub(super) content_hash: String,
}

/// Size and modification time of a path, following a symlink to its target.
pub fn file_meta(path: &Path) -> Result<FileMeta, ReadError> {
    let md = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Vanished,
        _ => ReadError::Io(e),
    })?;
    meta_of(&md)
}

fn meta_of(md: &std::fs::Metadata) -> Result<FileMeta, ReadError> {
    if !md.is_file() {
        return Err(ReadError::NotAFile);
    }
    let mtime_ns = md
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    Ok(FileMeta { size: md.len(), mtime_ns })
}

/// Opens a file for reading without ever waiting, and returns it with its size and
/// modification time as opened.
///
/// The path may have become something else since it was looked at: opening a FIFO waits
/// for a writer, which would stall the daemon (and its shutdown) for good. `O_NONBLOCK`
/// makes that open return at once (it changes nothing for a regular file), and the handle,
/// not the path, is then checked to be a regular file.
fn open_regular(path: &Path) -> Result<(std::fs::File, FileMeta), ReadError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file =
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(
            |e| match e.kind() {
                std::io::ErrorKind::NotFound => ReadError::Vanished,
                _ => ReadError::Io(e),
            },
        )?;
    let meta = meta_of(&file.metadata()?)?;
    Ok((file, meta))
}

/// Reads a file, refusing it when it is over `cap` bytes (also when it grows past the cap
/// while being read) and when it looks binary. Only [`super::Reader`] calls it: a file
/// becomes an article one way.
pub(super) fn read_file(path: &Path, cap: u64) -> Result<RawFile, ReadError> {
    // A look at the path first refuses FIFOs, sockets and folders with the plain reason
    // (opening a socket fails with an obscure one) and big files without opening them.
    let seen = file_meta(path)?;
    if seen.size > cap {
        return Err(ReadError::TooLarge { size: seen.size, cap });
    }
    let (file, meta) = open_regular(path)?;
    if meta.size > cap {
        return Err(ReadError::TooLarge { size: meta.size, cap });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.size).unwrap_or(0).min(1 << 20));
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge { size: bytes.len() as u64, cap });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty);
    }
    if looks_binary(&bytes) {
        return Err(ReadError::Binary);
    }
    let content_hash = hex_sha256(&bytes);
    Ok(RawFile { bytes, meta, content_hash })
}

pub use crate::model::hex_sha256;

/// A file is binary when its head has a NUL byte outside a UTF-16 text, or when more than a
/// tenth of it is control characters other than whitespace.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return false; // UTF-16 with a BOM has NULs in every other byte
    }
    if head.contains(&0) {
        return true;
    }
    let control =
        head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0C)).count();
    control * 10 > head.len()
}

/// Text decoded from bytes, with a note when it was not plain UTF-8.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// How it was decoded, when that is worth a log line (e.g. "decoded as windows-1252
    /// (detected)"); `None` for clean UTF-8.
    pub note: Option<String>,
}

/// Decodes bytes to text: a BOM wins, then valid UTF-8, then a charset the document
/// declares (HTML `<meta charset>`), then a guess from the bytes.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> Decoded {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        let note = (enc != encoding_rs::UTF_8 || had_errors)
            .then(|| format!("decoded as {} (byte order mark){}", enc.name(), lossy(had_errors)));
        return Decoded { text: text.into_owned(), note };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Decoded { text: s.to_string(), note: None };
    }
    let enc = declared
        .and_then(|label| encoding_rs::Encoding::for_label(label.trim().as_bytes()))
        .filter(|e| *e != encoding_rs::UTF_8);
    let (enc, how) = match enc {
        Some(e) => (e, "declared"),
        None => {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(bytes, true);
            (det.guess(None, chardetng::Utf8Detection::Deny), "detected")
        }
    };
    let (text, _, had_errors) = enc.decode(bytes);
    Decoded {
        text: text.into_owned(),
        note: Some(format!(
            "not valid UTF-8; decoded as {} ({how}){}",
            enc.name(),
            lossy(had_errors)
        )),
    }
}

fn lossy(had_errors: bool) -> &'static str {
    if had_errors { " with invalid bytes replaced" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_encoding_is_detected_and_noted() {
        // "Café tariff 29%" in windows-1252.
        let bytes = b"Caf\xe9 owners face a 29% tariff on imported beans from Brazil today.";
        let d = decode(bytes, None);
        assert!(d.text.starts_with("Café"), "{}", d.text);
        assert!(d.note.as_deref().is_some_and(|n| n.contains("windows-1252")), "{:?}", d.note);
    }

    #[test]
    fn utf8_is_the_quiet_fast_path() {
        let d = decode("Türkiye’s 10% rate".as_bytes(), None);
        assert_eq!(d.text, "Türkiye’s 10% rate");
        assert!(d.note.is_none());
    }

    #[test]
    fn binary_is_recognized() {
        assert!(looks_binary(b"\x7fELF\x02\x01\x01\x00\x00\x00"));
        assert!(!looks_binary(b"plain text\nwith lines\n"));
        assert!(!looks_binary(b"\xff\xfeh\x00i\x00"));
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe.md");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        // Both the path check and the open itself (as when a regular file is replaced by a
        // FIFO between the two) must return at once; a hang fails the test instead.
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let read = read_file(&path, 1 << 20).map(|_| ());
            let opened = open_regular(&path).map(|_| ());
            let _ = tx.send((read, opened));
        });
        let (read, opened) =
            rx.recv_timeout(std::time::Duration::from_secs(5)).expect("reading a FIFO blocked");
        assert!(matches!(read, Err(ReadError::NotAFile)), "{read:?}");
        assert!(matches!(opened, Err(ReadError::NotAFile)), "{opened:?}");
    }

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
