//! Prints the claims of article files as JSON lines, the shape of `factwatch scan --json`,
//! so the extractor can be scored against a gold file before the CLI exists:
//!
//! ```text
//! cargo run --example extract_files -- ../shared/seeds/*.txt | ../shared/tools/eval-claims ../shared/gold/seeds.jsonl
//! ```
//!
//! The article date is taken the way ingest would for these files: a leading
//! `Updated DD Month YYYY` line gives a stated date, anything else falls back to today as a
//! file modification time. Warnings go to standard error.

use factwatch::extract::Extractor;
use factwatch::model::{Article, ArticleDate, DateOrigin};

fn stated_date(text: &str) -> Option<jiff::civil::Date> {
    let line = text.lines().take(15).find_map(|l| l.trim().strip_prefix("Updated "))?;
    jiff::fmt::strtime::parse("%d %B %Y", line.trim()).ok()?.to_date().ok()
}

fn main() -> anyhow::Result<()> {
    let pack = Extractor::builtin("trade").ok_or_else(|| anyhow::anyhow!("no trade pack"))?;
    let extractor = Extractor::new(&[pack])?;
    let today = jiff::Zoned::now().date();
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let date = match stated_date(&text) {
            Some(date) => ArticleDate { date, origin: DateOrigin::Dateline },
            None => ArticleDate { date: today, origin: DateOrigin::FileModified },
        };
        let article = Article {
            source: path.clone(),
            title: None,
            url: None,
            text,
            date,
            content_hash: String::new(),
        };
        let extraction = extractor.extract(&article);
        for claim in &extraction.claims {
            println!("{}", serde_json::to_string(claim)?);
        }
        for w in &extraction.warnings {
            eprintln!("{path}: warning: {w}");
        }
    }
    Ok(())
}
