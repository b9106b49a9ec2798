//! Extraction: article text in, claims out. Pure: no I/O, no clock, no globals, no panics.
//!
//! (Skeleton: the extraction engine lands with the "fact extraction engine" issue.)

use crate::model::{Article, Claim};

/// A domain pack as text, with where it came from (a path or `builtin:NAME`) for messages.
#[derive(Debug, Clone)]
pub struct PackText {
    /// Where the pack came from, for error messages.
    pub origin: String,
    /// The TOML text.
    pub text: String,
}

/// The result of extracting one article: claims, and warnings about what could not be read.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// The claims, at most one per key.
    pub claims: Vec<Claim>,
    /// Problems worth a log line, e.g. a deadline that could not be resolved.
    pub warnings: Vec<String>,
}

/// The compiled vocabulary of one or more domain packs.
#[derive(Debug, Clone)]
pub struct Extractor {}

impl Extractor {
    /// Compiles packs.
    pub fn new(_packs: &[PackText]) -> Result<Extractor, String> {
        Ok(Extractor {})
    }

    /// The built-in pack of this name.
    pub fn builtin(name: &str) -> Option<PackText> {
        Some(PackText { origin: format!("builtin:{name}"), text: String::new() })
    }

    /// Names a fact for people, e.g. "US tariff on PK".
    pub fn describe(&self, metric: &str, subject: &[String], period: Option<&str>) -> String {
        let mut s = format!("{metric} {}", subject.join("-"));
        if let Some(p) = period {
            s.push_str(&format!(" {p}"));
        }
        s
    }

    /// The metric names of the loaded packs.
    pub fn metrics(&self) -> impl Iterator<Item = &str> {
        std::iter::empty()
    }

    /// Extracts the claims of one article.
    pub fn extract(&self, _article: &Article) -> Extraction {
        Extraction::default()
    }
}
