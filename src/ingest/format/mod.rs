//! Article formats: `.txt`, `.md` (optional front matter), `.html`/`.htm` (the article text,
//! not the page chrome) and `.json` (an object with title, body, date and url).
//!
//! Each parser turns decoded text into a [`Parsed`] article body plus the metadata its
//! format carries. Parsers never fail on odd input; they return an error only when there is
//! no article text at all, so the caller can say so in one log line.

mod html;
mod json;
mod md;

use std::path::Path;

use jiff::civil::Date;

/// The formats factwatch reads, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text, read as is.
    Txt,
    /// Markdown with optional YAML front matter.
    Md,
    /// An HTML page.
    Html,
    /// A JSON object.
    Json,
}

impl Format {
    /// The format of a path by its extension, or `None` for files factwatch ignores.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "txt" | "text" => Format::Txt,
            "md" | "markdown" => Format::Md,
            "html" | "htm" | "xhtml" => Format::Html,
            "json" => Format::Json,
            _ => return None,
        })
    }
}

/// An article body with the metadata its format carried.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// The headline, when the format has one apart from the body.
    pub title: Option<String>,
    /// The canonical URL.
    pub url: Option<String>,
    /// The date from metadata, if the format carried one that parsed.
    pub date: Option<Date>,
    /// The text that extraction reads.
    pub text: String,
    /// Something worth a log line (e.g. a front matter date that did not parse).
    pub note: Option<String>,
}

/// Parses decoded text in the given format. Errors only when there is no article text.
pub fn parse(format: Format, text: &str) -> Result<Parsed, String> {
    let parsed = match format {
        Format::Txt => Parsed { text: text.to_string(), ..Parsed::default() },
        Format::Md => md::parse(text),
        Format::Html => html::parse(text)?,
        Format::Json => json::parse(text)?,
    };
    if parsed.text.trim().is_empty() {
        return Err(match format {
            Format::Html => {
                "no article text found in the HTML (no <article>, <main> or body paragraphs)"
                    .to_string()
            }
            Format::Json => "the JSON object has an empty body".to_string(),
            _ => "no text after the front matter".to_string(),
        });
    }
    Ok(parsed)
}

/// The charset an HTML document declares in its first kilobyte, if any.
pub fn declared_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let pos = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let rest = &head[pos..];
    let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        .unwrap_or(rest.len());
    let label = std::str::from_utf8(&rest[..end]).ok()?;
    (!label.is_empty()).then(|| label.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of(Path::new("a/b.MD")), Some(Format::Md));
        assert_eq!(Format::of(Path::new("x.htm")), Some(Format::Html));
        assert_eq!(Format::of(Path::new("x.json")), Some(Format::Json));
        assert_eq!(Format::of(Path::new("x.pdf")), None);
        assert_eq!(Format::of(Path::new("README")), None);
    }

    #[test]
    fn charset_is_read_from_meta() {
        assert_eq!(
            declared_charset(b"<html><head><meta charset=\"windows-1252\">").as_deref(),
            Some("windows-1252")
        );
        assert_eq!(
            declared_charset(
                b"<meta http-equiv=Content-Type content=\"text/html; charset=ISO-8859-1\">"
            )
            .as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(declared_charset(b"<html><p>no charset</p>"), None);
    }
}
