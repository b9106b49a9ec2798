//! The text layer: an article's blocks (paragraphs, headlines, link lists, a sidebar story)
//! and the sentences inside its prose, as byte ranges into the article text.
//!
//! Web pages arrive as plain text with their chrome still in them: repeated headlines,
//! bylines, "Read more" lists, an unrelated second story. This module decides which blocks
//! are prose of the main story, so claims only come from there, and splits that prose into
//! sentences without breaking at "U.S.", "Nov." or "Mr.". It recognizes no numbers, dates
//! or entities; those live in `number`, `date` and `entity`.

use std::collections::HashMap;

/// What a block of the article is, as far as claims go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    /// Running text of the main story: claims come from here.
    Prose,
    /// A headline, subhead, byline, caption or dateline: it names parties but states no claim.
    Title,
    /// Page chrome: link lists, "ALSO READ" lines, share and subscribe prompts.
    Noise,
    /// A second, unrelated story that follows the main one on the page.
    Sidebar,
}

/// A block: one line, or one paragraph when the text is hard-wrapped.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// Byte offset of the first non-blank character.
    pub start: usize,
    /// Byte offset just past the last non-blank character.
    pub end: usize,
    /// What the block is.
    pub kind: BlockKind,
}

/// A sentence of prose, trimmed of whitespace and list bullets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sentence {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
    /// Byte offset of the start of its block (paragraph).
    pub block_start: usize,
}

/// Lines that start link lists or are page chrome, compared case-insensitively.
const NOISE_PREFIXES: &[&str] = &[
    "also read",
    "read more",
    "read also",
    "related:",
    "related articles",
    "related stories",
    "related news",
    "recommended",
    "more from",
    "more stories",
    "you may also like",
    "you might also like",
    "share this",
    "share on",
    "subscribe",
    "sign up",
    "advertisement",
    "click here",
    "follow us",
    "trending",
    "most read",
    "popular",
];

/// Bullet characters that start list items; stripped from sentence spans.
const BULLETS: &[char] = &['•', '·', '▪', '●', '◦', '‣', '*', '-', '–', '—', '►', '>'];

/// Splits the article into classified blocks.
pub(crate) fn blocks(text: &str) -> Vec<Block> {
    let lines = lines(text);
    let hard_wrapped = is_hard_wrapped(text, &lines);
    let mut raw: Vec<(usize, usize)> = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    let mut previous_line = "";
    for &(s, e) in &lines {
        let line = &text[s..e];
        if line.trim().is_empty() {
            if let Some(b) = current.take() {
                raw.push(b);
            }
            continue;
        }
        let (ts, te) = trim_range(text, s, e);
        let starts_item = starts_with_bullet(&text[ts..te]);
        let joins = !starts_item && (hard_wrapped || continues(previous_line, &text[ts..te]));
        previous_line = &text[ts..te];
        match current {
            Some((bs, _)) if joins => current = Some((bs, te)),
            Some(b) => {
                raw.push(b);
                current = Some((ts, te));
            }
            None => current = Some((ts, te)),
        }
    }
    if let Some(b) = current {
        raw.push(b);
    }

    let mut out: Vec<Block> = Vec::with_capacity(raw.len());
    let mut in_link_list = false;
    for (s, e) in raw {
        let body = text[s..e].trim_start_matches(BULLETS).trim();
        let kind = if is_noise_line(body) {
            // A bare header such as "Read more:" opens a list of links below it.
            in_link_list = body.len() < 40;
            BlockKind::Noise
        } else if is_prose(body) {
            in_link_list = false;
            BlockKind::Prose
        } else if in_link_list {
            BlockKind::Noise
        } else {
            BlockKind::Title
        };
        out.push(Block { start: s, end: e, kind });
    }
    mark_sidebar(text, &mut out);
    out
}

/// Line ranges without their line terminators.
fn lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end =
                if i > start && text.as_bytes().get(i - 1) == Some(&b'\r') { i - 1 } else { i };
            out.push((start, end));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

fn trim_range(text: &str, s: usize, e: usize) -> (usize, usize) {
    let slice = &text[s..e];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    (s + lead, e - trail)
}

fn starts_with_bullet(line: &str) -> bool {
    let mut chars = line.chars();
    matches!(chars.next(), Some(c) if BULLETS.contains(&c))
        && chars.next().is_some_and(char::is_whitespace)
}

/// Hard-wrapped text (lines cut at ~70 columns inside paragraphs) is read paragraph-wise;
/// otherwise every line is its own block, as web pages put one paragraph on a line.
/// Words a sentence does not end on: a line ending with one is cut mid-sentence.
const OPEN_ENDINGS: &[&str] = &[
    "a", "an", "the", "of", "to", "on", "in", "into", "for", "and", "or", "with", "from", "by",
    "at", "as", "than", "its", "their", "his", "her", "our", "that", "which", "is", "are", "was",
    "were", "has", "have", "had", "be", "been", "will", "would", "about", "over", "under",
];

/// Whether `next` plainly continues the sentence `line` left open, in a text that is not
/// hard-wrapped as a whole (a short article, one wrapped paragraph among long lines): the
/// line has no closing punctuation and either ends on a word no sentence ends on ("to the")
/// or the next line starts in lowercase ("... tariffs on\npause ..."). Headlines and
/// chrome lines end open too, but are followed by a capital, so they stay apart.
fn continues(line: &str, next: &str) -> bool {
    let line = line.trim_end();
    if line.is_empty() || line.ends_with(['.', '!', '?', ':', ';', '"', '”', ')']) {
        return false;
    }
    let starts_lower = next.chars().next().is_some_and(char::is_lowercase);
    let last_word = line.rsplit(char::is_whitespace).next().unwrap_or("").to_ascii_lowercase();
    starts_lower || OPEN_ENDINGS.contains(&last_word.as_str())
}

fn is_hard_wrapped(text: &str, lines: &[(usize, usize)]) -> bool {
    let mut followed = 0usize;
    let mut wrapped = 0usize;
    let mut longest = 0usize;
    for w in lines.windows(2) {
        let (s, e) = w[0];
        let (ns, ne) = w[1];
        // Byte lengths: close enough to columns for telling wrapped text from paragraphs.
        let line = text[s..e].trim_end();
        longest = longest.max(line.len());
        if longest > 130 {
            // One long line is enough: this text keeps a paragraph on a line.
            return false;
        }
        if line.is_empty() || text[ns..ne].trim().is_empty() {
            continue;
        }
        followed += 1;
        let len = line.len();
        let ends_open = !line.ends_with(['.', '!', '?', ':', '"', '”', ')']);
        if (40..=100).contains(&len) && ends_open {
            wrapped += 1;
        }
    }
    followed >= 3 && wrapped * 10 >= followed * 6 && longest <= 130
}

/// Whether a line (or a sentence, when a page arrives without line breaks) is page chrome:
/// "ALSO READ: ...", "Read more", share and subscribe prompts.
pub(crate) fn is_noise_line(body: &str) -> bool {
    let head = body.as_bytes();
    NOISE_PREFIXES
        .iter()
        .any(|p| head.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes())))
}

/// Prose ends like a sentence, or is long and has sentences inside even if its end was cut.
fn is_prose(body: &str) -> bool {
    let end = body.trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
    if end.ends_with(['.', '!', '?']) {
        // "Updated 08 April 2025." or a lone "Credit: Reuters." is still a label.
        return body.split_whitespace().take(4).count() >= 4;
    }
    body.len() > 150 && body.contains(". ")
}

/// Marks the blocks of a second story as `Sidebar`.
///
/// Pages append other stories under the main one, each with its headline repeated and an
/// "Updated 7 sec ago" line. After the main story has started, the first such headline or
/// timestamp opens the sidebar, together with the label blocks right above it.
fn mark_sidebar(text: &str, blocks: &mut [Block]) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for b in blocks.iter().filter(|b| b.kind != BlockKind::Prose && b.end - b.start >= 20) {
        *seen.entry(&text[b.start..b.end]).or_default() += 1;
    }
    let mut prose = 0usize;
    let mut cut = None;
    for (i, b) in blocks.iter().enumerate() {
        match b.kind {
            BlockKind::Prose => prose += 1,
            BlockKind::Title | BlockKind::Noise if prose >= 2 => {
                let line = &text[b.start..b.end];
                let repeated = seen.get(line).is_some_and(|&n| n >= 2);
                if repeated || is_relative_timestamp(line) {
                    cut = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(mut start) = cut else { return };
    while start > 0 && blocks.get(start - 1).is_some_and(|b| b.kind != BlockKind::Prose) {
        start -= 1;
    }
    for b in blocks.iter_mut().skip(start) {
        b.kind = BlockKind::Sidebar;
    }
}

/// "Updated 7 sec ago", "Published 3 hours ago": the timestamp of a live sidebar story.
fn is_relative_timestamp(line: &str) -> bool {
    line.len() < 60
        && line.get(line.len().saturating_sub(4)..).is_some_and(|t| t.eq_ignore_ascii_case(" ago"))
        && line.split_whitespace().count() <= 5
}

/// Abbreviations that a period does not end a sentence after (without the period).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "lt", "col", "sgt", "capt", "cmdr",
    "adm", "gov", "sen", "rep", "rev", "hon", "pres", "amb", "supt", "insp", "maj", "fr", "jan",
    "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue",
    "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "no", "nos", "vs", "v", "etc",
    "inc", "ltd", "corp", "co", "bros", "dept", "univ", "est", "approx", "fig", "vol", "ed", "u.s",
    "u.k", "u.n", "e.u", "u.a.e", "u.s.a", "p.m", "a.m", "e.g", "i.e", "ft", "mt", "pt",
];

/// Abbreviations that also end sentences often ("... imports from the U.S. The talks ...").
const FINAL_ABBREVIATIONS: &[&str] =
    &["u.s", "u.k", "u.n", "e.u", "u.a.e", "u.s.a", "etc", "inc", "ltd", "co", "corp", "jr", "sr"];

/// Words that start sentences, used to tell "the U.S. The talks" from "the U.S. Congress".
const SENTENCE_STARTERS: &[&str] = &[
    "the",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "he",
    "she",
    "they",
    "we",
    "i",
    "in",
    "on",
    "at",
    "but",
    "and",
    "however",
    "meanwhile",
    "a",
    "an",
    "as",
    "after",
    "before",
    "while",
    "when",
    "if",
    "since",
    "both",
    "there",
    "his",
    "her",
    "their",
    "our",
    "for",
    "with",
    "according",
    "during",
    "although",
    "officials",
    "analysts",
    "last",
    "earlier",
    "later",
    "still",
    "yet",
    "so",
    "then",
    "now",
    "despite",
    "under",
    "separately",
];

/// Splits the prose blocks of the main story that hold one of the sorted byte offsets in
/// `wanted` into sentences.
pub(crate) fn sentences(text: &str, blocks: &[Block], wanted: &[usize]) -> Vec<Sentence> {
    let mut out = Vec::new();
    for b in blocks {
        let first = wanted.partition_point(|&w| w < b.start);
        let holds = wanted.get(first).is_some_and(|&w| w < b.end);
        if b.kind == BlockKind::Prose && holds {
            split_block(text, b.start, b.end, &mut out);
        }
    }
    out
}

fn split_block(text: &str, start: usize, end: usize, out: &mut Vec<Sentence>) {
    let block_start = start;
    let bytes = text.as_bytes();
    let mut sentence_start = start;
    let mut i = start;
    while i < end {
        let b = bytes.get(i).copied().unwrap_or(0);
        if matches!(b, b'.' | b'!' | b'?') && ends_sentence(text, i, end) {
            let mut j = i + 1;
            // Closing quotes and brackets belong to the sentence they close.
            while j < end {
                let rest = &text[j..end];
                let closing = rest
                    .chars()
                    .next()
                    .filter(|c| matches!(c, '"' | '\'' | ')' | ']' | '”' | '’' | '»'));
                match closing {
                    Some(c) => j += c.len_utf8(),
                    None => break,
                }
            }
            push_sentence(text, (sentence_start, j), block_start, out);
            sentence_start = j;
            i = j;
            continue;
        }
        i += 1;
    }
    push_sentence(text, (sentence_start, end), block_start, out);
}

fn push_sentence(text: &str, (s, e): (usize, usize), block_start: usize, out: &mut Vec<Sentence>) {
    let Some(slice) = text.get(s..e) else { return };
    let trimmed_start = slice.trim_start();
    let body = trimmed_start.trim_start_matches(BULLETS).trim_start();
    let lead = slice.len() - body.len();
    let body = body.trim_end();
    if body.is_empty() {
        return;
    }
    out.push(Sentence { start: s + lead, end: s + lead + body.len(), block_start });
}

/// Whether the terminator at byte `i` ends a sentence.
fn ends_sentence(text: &str, i: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    // Skip closing quotes and brackets, then require whitespace: "5.2", "U.S.-Pakistan" and
    // "VisaVerge.com" are not ends.
    let mut j = i + 1;
    while j < end {
        match text[j..end].chars().next() {
            Some(c @ ('"' | '\'' | ')' | ']' | '”' | '’' | '»')) => j += c.len_utf8(),
            _ => break,
        }
    }
    if j >= end {
        return true;
    }
    let rest = &text[j..end];
    if !rest.starts_with(char::is_whitespace) {
        return false;
    }
    let next = rest.trim_start();
    let Some(first) = next.chars().next() else { return true };
    if bytes.get(i) != Some(&b'.') {
        return !first.is_lowercase();
    }
    let word = word_before(text, i);
    let lower = word.to_lowercase();
    if ABBREVIATIONS.contains(&lower.as_str()) {
        if FINAL_ABBREVIATIONS.contains(&lower.as_str()) {
            let next_word: String =
                next.chars().take_while(|c| c.is_alphabetic()).collect::<String>().to_lowercase();
            return first.is_uppercase() && SENTENCE_STARTERS.contains(&next_word.as_str());
        }
        return false;
    }
    // An initial ("Donald J. Trump") is not an end.
    let mut wc = word.chars();
    if let (Some(c), None) = (wc.next(), wc.next())
        && c.is_uppercase()
    {
        return false;
    }
    !first.is_lowercase()
}

/// The word (letters and inner periods) just before byte `i`.
fn word_before(text: &str, i: usize) -> &str {
    let head = &text[..i];
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '.')
        .last()
        .map_or(i, |(p, _)| p);
    &text[start..i]
}

/// Collapses every whitespace run to one space and trims: the quote form of a span.
pub(crate) fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether a sentence looks like garbage (binary, mis-decoded or symbol soup): no claim
/// may come from it.
pub(crate) fn is_garbage(sentence: &str) -> bool {
    let mut letters = 0usize;
    let mut visible = 0usize;
    let mut bad = 0usize;
    for c in sentence.chars() {
        if c.is_whitespace() {
            continue;
        }
        visible += 1;
        if c.is_alphabetic() {
            letters += 1;
        }
        if c == '\u{FFFD}' || c.is_control() || ('\u{E000}'..='\u{F8FF}').contains(&c) {
            bad += 1;
        }
    }
    visible == 0 || letters * 2 < visible || bad * 50 > visible || bad >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        let b = blocks(text);
        let all: Vec<usize> = b.iter().map(|b| b.start).collect();
        sentences(text, &b, &all).iter().map(|s| text[s.start..s.end].to_string()).collect()
    }

    #[test]
    fn abbreviations_do_not_split() {
        let got = split(
            "The U.S. imposed a 29% tariff on Mr. Khan's goods on Nov. 6 this year. It hurt.",
        );
        assert_eq!(got.len(), 2, "{got:?}");
    }

    #[test]
    fn us_at_sentence_end_splits_before_a_sentence_starter() {
        let got = split("Pakistan imported goods from the U.S. The talks resumed on Monday.");
        assert_eq!(
            got,
            vec!["Pakistan imported goods from the U.S.", "The talks resumed on Monday."]
        );
    }

    #[test]
    fn link_list_and_sidebar_are_not_prose() {
        let text = "Big headline here for the story\n\nThe first sentence is here. The second one too.\nAnother paragraph of the story is here.\nRead more:\n• Some other story title\nSidebar headline about cricket fees\nSidebar headline about cricket fees\nUpdated 7 sec ago\nThe board raised fees by 20%.\n";
        let b = blocks(text);
        let kinds: Vec<BlockKind> = b.iter().map(|b| b.kind).collect();
        assert_eq!(kinds[0], BlockKind::Title);
        assert_eq!(kinds[1], BlockKind::Prose);
        assert!(kinds[3..].iter().all(|k| *k != BlockKind::Prose), "{kinds:?}");
    }

    #[test]
    fn hard_wrapped_paragraphs_join() {
        let text = "The United States imposed a tariff of twenty-nine percent on goods\nfrom Pakistan last week, officials in Islamabad said on Monday in a\nstatement released to reporters in the capital city of the country.\n";
        assert_eq!(split(text).len(), 1);
    }

    #[test]
    fn a_short_wrapped_sentence_joins_but_a_headline_stays_apart() {
        // One long line: the text as a whole is not hard-wrapped, only two sentences are.
        let long = "Officials from both countries met in Washington on Monday to discuss trade, minerals and migration, and agreed to meet again.";
        let text = format!(
            "Tariff talks resume\n{long}\nThe call followed a sweeping 10% baseline tariff on all imports to the\nUnited States. Many countries face more, ending the\npause for some.\n"
        );
        let parts = split(&text);
        assert_eq!(
            parts,
            [
                // The headline stays apart (and, not being prose, gives no sentence).
                long,
                "The call followed a sweeping 10% baseline tariff on all imports to the\nUnited States.",
                "Many countries face more, ending the\npause for some."
            ]
        );
    }
}
