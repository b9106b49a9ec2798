//! The layout of an article: its blocks (paragraphs, headlines, list items, table rows,
//! link lists, a sidebar story) and the segments that constructions read: sentences of
//! prose, the headline, list items with the line that introduces them, and table rows with
//! their header.
//!
//! Web pages arrive as plain text with their chrome still in them: repeated headlines,
//! bylines, "Read more" lists, an unrelated second story, link titles glued into a paragraph.
//! This module decides which blocks are the main story, so claims only come from there, and
//! splits prose into sentences without breaking at "U.S.", "Nov." or "Mr.". It works on bytes
//! and lines only; words, numbers and entities are `token`'s and `chunk`'s business.

use std::collections::HashMap;

/// What a block of the article is, as far as claims go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    /// Running text of the main story: claims come from its sentences.
    Prose,
    /// A headline, subhead, byline, caption or dateline.
    Title,
    /// An item of a list: a bullet line, or one of a run of short "name: figure" lines.
    Item,
    /// A row of a table: cells split by `|` or tabs.
    Row,
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
    /// For an item or a row: the block that introduces its list or holds its table's header.
    pub header: Option<usize>,
}

/// What a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SegmentKind {
    /// A headline of the story, before its first paragraph.
    Headline,
    /// A sentence of prose (a sentence-like list item is read as one too).
    Sentence,
    /// A list item, read with the line that introduces the list.
    Item,
    /// A table row, read with its table's header row.
    Row,
}

/// A stretch of text that constructions read on its own.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Segment {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
    /// What it is.
    pub kind: SegmentKind,
    /// Index of its block.
    pub block: usize,
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
    "listen to the article",
    "this audio is",
    "leave a comment",
    "photo:",
    "credit:",
    "image:",
    "source:",
];

/// Bullet characters that start list items; stripped from segment spans.
const BULLETS: &[char] =
    &['•', '·', '▪', '●', '◦', '‣', '*', '-', '–', '—', '►', '>', '■', '□', '✓'];

/// Splits the article into classified blocks.
pub(crate) fn blocks(text: &str) -> Vec<Block> {
    let lines = lines(text);
    let hard_wrapped = is_hard_wrapped(text, &lines);
    let mut raw: Vec<(usize, usize, BlockKind)> = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    let mut previous_line = "";
    for &(s, e) in &lines {
        let line = &text[s..e];
        if line.trim().is_empty() {
            if let Some((bs, be)) = current.take() {
                raw.push((bs, be, BlockKind::Prose));
            }
            previous_line = "";
            continue;
        }
        let (ts, te) = trim_range(text, s, e);
        let body = &text[ts..te];
        let special = if is_table_row(body) {
            Some(BlockKind::Row)
        } else if starts_with_bullet(body) || starts_numbered(body) {
            Some(BlockKind::Item)
        } else {
            None
        };
        if let Some(kind) = special {
            if let Some((bs, be)) = current.take() {
                raw.push((bs, be, BlockKind::Prose));
            }
            raw.push((ts, te, kind));
            previous_line = "";
            continue;
        }
        let joins = hard_wrapped || continues(previous_line, body);
        previous_line = body;
        match current {
            Some((bs, _)) if joins => current = Some((bs, te)),
            Some((bs, be)) => {
                raw.push((bs, be, BlockKind::Prose));
                current = Some((ts, te));
            }
            None => current = Some((ts, te)),
        }
    }
    if let Some((bs, be)) = current {
        raw.push((bs, be, BlockKind::Prose));
    }

    let mut out: Vec<Block> = Vec::with_capacity(raw.len());
    let mut in_link_list = false;
    for (s, e, special) in raw {
        let body = text[s..e].trim_start_matches(BULLETS).trim();
        let kind = if is_noise_line(body) {
            // A bare header such as "Read more:" opens a list of links below it.
            in_link_list = body.len() < 40;
            BlockKind::Noise
        } else if special == BlockKind::Row {
            in_link_list = false;
            BlockKind::Row
        } else if in_link_list && (special == BlockKind::Item || !is_prose(body)) {
            BlockKind::Noise
        } else if special == BlockKind::Item {
            BlockKind::Item
        } else if is_prose(body) {
            in_link_list = false;
            BlockKind::Prose
        } else {
            BlockKind::Title
        };
        out.push(Block { start: s, end: e, kind, header: None });
    }
    mark_figure_lists(text, &mut out);
    link_headers(&mut out);
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

/// "1. China", "2) Vietnam".
fn starts_numbered(line: &str) -> bool {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    (1..=2).contains(&digits)
        && matches!(line.as_bytes().get(digits), Some(b'.' | b')'))
        && line.as_bytes().get(digits + 1).is_some_and(u8::is_ascii_whitespace)
}

/// A line of a table: two or more cells split by `|`, or by tabs.
pub(crate) fn is_table_row(line: &str) -> bool {
    // "| Chile |": a row cut short is still a row of its table.
    let t = line.trim();
    if t.len() >= 3 && t.starts_with('|') && t.ends_with('|') {
        return true;
    }
    let cells = |sep: char| line.split(sep).filter(|c| !c.trim().is_empty()).count();
    (line.contains('|')
        && cells('|') >= 2
        && line.matches('|').count() >= 1
        && !line.contains("||"))
        || (line.contains('\t') && cells('\t') >= 2)
}

/// The cells of a table row, trimmed, without the outer pipes.
pub(crate) fn cells(line: &str) -> Vec<(usize, usize)> {
    let sep = if line.contains('|') { '|' } else { '\t' };
    let mut out = Vec::new();
    let mut start = 0usize;
    for (i, c) in line.char_indices().chain(std::iter::once((line.len(), sep))) {
        if c == sep {
            let (s, e) = trim_range(line, start, i);
            out.push((s, e));
            start = i + c.len_utf8();
        }
    }
    // Outer pipes leave empty first and last cells.
    if line.trim_start().starts_with('|') && out.first().is_some_and(|(s, e)| s == e) {
        out.remove(0);
    }
    if line.trim_end().ends_with('|') && out.last().is_some_and(|(s, e)| s == e) {
        out.pop();
    }
    out
}

/// A separator row of a markdown table: "|---|:--:|".
pub(crate) fn is_separator_row(line: &str) -> bool {
    line.contains('-') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t' | '+'))
}

/// Words a sentence does not end on: a line ending with one is cut mid-sentence.
const OPEN_ENDINGS: &[&str] = &[
    "a", "an", "the", "of", "to", "on", "in", "into", "for", "and", "or", "with", "from", "by",
    "at", "as", "than", "its", "their", "his", "her", "our", "that", "which", "is", "are", "was",
    "were", "has", "have", "had", "be", "been", "will", "would", "about", "over", "under",
];

/// Whether `next` plainly continues the sentence `line` left open, in a text that is not
/// hard-wrapped as a whole: the line has no closing punctuation and either ends on a word no
/// sentence ends on ("to the") or the next line starts in lowercase. Headlines and chrome
/// lines end open too, but are followed by a capital, so they stay apart.
fn continues(line: &str, next: &str) -> bool {
    let line = line.trim_end();
    if line.is_empty() || line.ends_with(['.', '!', '?', ':', ';', '"', '”', ')']) {
        return false;
    }
    let starts_lower = next.chars().next().is_some_and(char::is_lowercase);
    let last_word = line.rsplit(char::is_whitespace).next().unwrap_or("").to_ascii_lowercase();
    starts_lower || OPEN_ENDINGS.contains(&last_word.as_str())
}

/// Hard-wrapped text (lines cut at ~70 columns inside paragraphs) is read paragraph-wise;
/// otherwise every line is its own block, as web pages put one paragraph on a line.
fn is_hard_wrapped(text: &str, lines: &[(usize, usize)]) -> bool {
    let mut followed = 0usize;
    let mut wrapped = 0usize;
    let mut longest = 0usize;
    for w in lines.windows(2) {
        let (s, e) = w[0];
        let (ns, ne) = w[1];
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
        if (40..=100).contains(&len) && ends_open && !is_table_row(line) {
            wrapped += 1;
        }
    }
    followed >= 3 && wrapped * 10 >= followed * 6 && longest <= 130
}

/// Whether a line (or a sentence, when a page arrives without line breaks) is page chrome.
pub(crate) fn is_noise_line(body: &str) -> bool {
    // A long paragraph that starts with chrome ("AdvertisementAdvertisementFILE - ...") is
    // a paragraph with chrome glued on; the sentence splitter drops the glued pieces.
    if body.len() > 300 {
        return false;
    }
    let head = body.as_bytes();
    // Every prefix starts with a letter; most lines start with another one.
    let Some(first) = head.first().map(u8::to_ascii_lowercase) else { return false };
    NOISE_PREFIXES.iter().any(|p| {
        p.as_bytes().first() == Some(&first)
            && head.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
    })
}

/// Prose ends like a sentence, or is long and has sentences inside even if its end was cut.
fn is_prose(body: &str) -> bool {
    let end = body.trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
    if end.ends_with(['.', '!', '?']) {
        // "Updated 08 April 2025." or a lone "Credit: Reuters." is still a label.
        return body.split_whitespace().take(4).count() >= 4;
    }
    body.len() > 150 && body.contains(". ") || body.split_whitespace().count() >= 25
}

/// A run of two or more short lines that each hold a figure after a separator ("Lesotho:
/// 50%", "Vietnam – 46%") is a list even without bullets.
fn mark_figure_lists(text: &str, blocks: &mut [Block]) {
    let figure_line = |b: &Block| {
        let body = &text[b.start..b.end];
        b.kind == BlockKind::Title
            && body.len() <= 80
            && body.bytes().any(|c| c.is_ascii_digit())
            && (body.contains(':')
                || body.contains(" – ")
                || body.contains(" - ")
                || body.contains(" — ")
                || body.contains('('))
    };
    let mut i = 0;
    while i < blocks.len() {
        let run = blocks[i..].iter().take_while(|b| figure_line(b)).count();
        if run >= 2 {
            for b in &mut blocks[i..i + run] {
                b.kind = BlockKind::Item;
            }
        }
        i += run.max(1);
    }
}

/// Points each item and row at the block that introduces its list or heads its table.
fn link_headers(blocks: &mut [Block]) {
    let mut header: Option<usize> = None;
    let mut in_run: Option<BlockKind> = None;
    for i in 0..blocks.len() {
        let kind = blocks[i].kind;
        match kind {
            BlockKind::Item | BlockKind::Row => {
                if in_run != Some(kind) {
                    // A table's header is its first row; a list's, the line before it.
                    header = if kind == BlockKind::Row {
                        Some(i)
                    } else {
                        i.checked_sub(1).filter(|&h| {
                            matches!(blocks[h].kind, BlockKind::Prose | BlockKind::Title)
                        })
                    };
                    in_run = Some(kind);
                }
                blocks[i].header = header;
            }
            _ => {
                in_run = None;
                header = None;
            }
        }
    }
}

/// Marks the blocks of a second story as `Sidebar`.
///
/// Pages append other stories under the main one, each with its headline repeated and an
/// "Updated 7 sec ago" line. After the main story has started, the first such headline or
/// timestamp opens the sidebar, together with the label blocks right above it.
fn mark_sidebar(text: &str, blocks: &mut [Block]) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for b in blocks.iter().filter(|b| b.kind == BlockKind::Title && b.end - b.start >= 20) {
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
    while start > 0
        && blocks
            .get(start - 1)
            .is_some_and(|b| b.kind == BlockKind::Title || b.kind == BlockKind::Noise)
    {
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
    "u.k", "u.n", "e.u", "u.a.e", "u.s.a", "p.m", "a.m", "e.g", "i.e", "ft", "mt", "pt", "rs",
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

/// The segments of the main story whose blocks hold one of the sorted byte offsets in
/// `wanted`; `glue` holds the sorted offsets of glued-on words, where sentences are cut.
pub(crate) fn segments(
    text: &str,
    blocks: &[Block],
    wanted: &[usize],
    glue: &[usize],
) -> Vec<Segment> {
    let mut out = Vec::new();
    let first_prose =
        blocks.iter().position(|b| b.kind == BlockKind::Prose).unwrap_or(blocks.len());
    let holds = |b: &Block| {
        let first = wanted.partition_point(|&w| w < b.start);
        wanted.get(first).is_some_and(|&w| w < b.end)
    };
    for (bi, b) in blocks.iter().enumerate() {
        // Items and rows are read when they or the line that introduces them hold a
        // trigger: "Tariffs announced today:" over "- Peru – 18%".
        let header = b.header.and_then(|h| blocks.get(h));
        if !holds(b) && !header.is_some_and(&holds) {
            continue;
        }
        match b.kind {
            BlockKind::Prose => {
                // Only the sentences that hold a trigger are read further.
                let first = out.len();
                split_block(text, b.start, b.end, bi, glue, &mut out);
                let kept: Vec<Segment> = out
                    .drain(first..)
                    .filter(|seg| {
                        let at = wanted.partition_point(|&w| w < seg.start);
                        wanted.get(at).is_some_and(|&w| w < seg.end)
                    })
                    .collect();
                out.extend(kept);
            }
            BlockKind::Title if bi < first_prose && is_headline(&text[b.start..b.end]) => {
                out.push(Segment {
                    start: b.start,
                    end: b.end,
                    kind: SegmentKind::Headline,
                    block: bi,
                });
            }
            BlockKind::Item => {
                let (s, e) = strip_bullet(text, b.start, b.end);
                out.push(Segment { start: s, end: e, kind: SegmentKind::Item, block: bi });
                // An item that is a sentence is also read as one.
                if text[s..e].split_whitespace().count() >= 6 {
                    split_block(text, s, e, bi, glue, &mut out);
                }
            }
            BlockKind::Row => {
                let line = &text[b.start..b.end];
                if b.header != Some(bi) && !is_separator_row(line) {
                    out.push(Segment {
                        start: b.start,
                        end: b.end,
                        kind: SegmentKind::Row,
                        block: bi,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// A headline names a story: a few words, not a byline, a date or a label.
fn is_headline(line: &str) -> bool {
    let words = line.split_whitespace().count();
    let lower = line.to_ascii_lowercase();
    words >= 4
        && !lower.starts_with("by ")
        && !lower.starts_with("updated")
        && !lower.starts_with("published")
}

fn strip_bullet(text: &str, s: usize, e: usize) -> (usize, usize) {
    let slice = &text[s..e];
    let mut body = slice.trim_start_matches(BULLETS).trim_start();
    if starts_numbered(body) {
        let digits = body.bytes().take_while(u8::is_ascii_digit).count();
        body = body[digits + 1..].trim_start();
    }
    (s + (slice.len() - body.len()), e)
}

fn split_block(
    text: &str,
    start: usize,
    end: usize,
    block: usize,
    glue: &[usize],
    out: &mut Vec<Segment>,
) {
    let bytes = text.as_bytes();
    let mut sentence_start = start;
    let mut started_glued = false;
    let mut next_glue = glue.partition_point(|&g| g <= start);
    let mut i = start;
    while i < end {
        // A word glued to the one before it starts a new sentence: pages run link titles
        // into paragraphs ("...the fentanyl crisis.Trump says..."). A piece glued at both
        // ends without a sentence's end is such a title, and is dropped.
        if glue.get(next_glue) == Some(&i) {
            next_glue += 1;
            let piece = text[sentence_start..i].trim_end();
            let closed = piece.ends_with(['.', '!', '?', '"', '”', ')']);
            if !started_glued || closed {
                push_segment(text, (sentence_start, i), block, out);
            }
            sentence_start = i;
            started_glued = true;
            continue;
        }
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
            push_segment(text, (sentence_start, j), block, out);
            sentence_start = j;
            started_glued = false;
            i = j;
            continue;
        }
        i += 1;
    }
    if !started_glued || text[sentence_start..end].trim_end().ends_with(['.', '!', '?', '"', '”'])
    {
        push_segment(text, (sentence_start, end), block, out);
    }
}

fn push_segment(text: &str, (s, e): (usize, usize), block: usize, out: &mut Vec<Segment>) {
    let Some(slice) = text.get(s..e) else { return };
    let trimmed_start = slice.trim_start();
    let body = trimmed_start.trim_start_matches(BULLETS).trim_start();
    let lead = slice.len() - body.len();
    let body = body.trim_end();
    if body.is_empty() {
        return;
    }
    out.push(Segment {
        start: s + lead,
        end: s + lead + body.len(),
        kind: SegmentKind::Sentence,
        block,
    });
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

/// Whether a segment looks like garbage (binary, mis-decoded or symbol soup): no claim
/// may come from it.
pub(crate) fn is_garbage(segment: &str) -> bool {
    // Plain ASCII text has no bad characters: count bytes, not chars.
    if segment.is_ascii() {
        let (mut letters, mut visible, mut bad) = (0usize, 0usize, 0usize);
        for &b in segment.as_bytes() {
            if b.is_ascii_whitespace() {
                continue;
            }
            visible += 1;
            letters += usize::from(b.is_ascii_alphabetic());
            bad += usize::from(b.is_ascii_control());
        }
        return visible == 0 || letters * 3 < visible || bad * 50 > visible || bad >= 3;
    }
    let mut letters = 0usize;
    let mut visible = 0usize;
    let mut bad = 0usize;
    for c in segment.chars() {
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
    visible == 0 || letters * 3 < visible || bad * 50 > visible || bad >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte offset is "wanted", so every sentence is kept.
    fn every_offset(text: &str) -> Vec<usize> {
        (0..text.len()).collect()
    }

    fn split(text: &str) -> Vec<String> {
        let b = blocks(text);
        segments(text, &b, &every_offset(text), &[])
            .iter()
            .filter(|s| s.kind == SegmentKind::Sentence)
            .map(|s| text[s.start..s.end].to_string())
            .collect()
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
    fn lists_point_at_their_introduction_and_tables_at_their_header() {
        let text = "Rates announced on Wednesday include:\n- Peru – 18%\n- Chile – 12%\n\n| Country | Rate |\n|---|---|\n| Peru | 18% |\n\nGhana: 21%\nKenya: 17%\n";
        let b = blocks(text);
        let kinds: Vec<BlockKind> = b.iter().map(|b| b.kind).collect();
        use BlockKind::*;
        assert_eq!(kinds, [Title, Item, Item, Row, Row, Row, Item, Item]);
        assert_eq!(b[1].header, Some(0));
        assert_eq!(b[2].header, Some(0));
        assert_eq!(b[5].header, Some(3));
        assert_eq!(b[7].header, None);
        let segs = segments(text, &b, &every_offset(text), &[]);
        let rows: Vec<&str> = segs
            .iter()
            .filter(|s| s.kind == SegmentKind::Row)
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(rows, ["| Peru | 18% |"]);
        let items: Vec<&str> = segs
            .iter()
            .filter(|s| s.kind == SegmentKind::Item)
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(items, ["Peru – 18%", "Chile – 12%", "Ghana: 21%", "Kenya: 17%"]);
        assert_eq!(cells("| Peru | 18% |").len(), 2);
    }

    #[test]
    fn glued_link_titles_are_dropped() {
        let text = "Officials said the levy stays in force for now.Ministers say Peru to face 30% tariff from May 1Opinion: what went wrongAround 85 per cent of goods qualify.";
        let glue: Vec<usize> =
            ["Ministers", "Opinion", "Around"].iter().filter_map(|w| text.find(w)).collect();
        let b = blocks(text);
        let segs = segments(text, &b, &every_offset(text), &glue);
        let got: Vec<&str> = segs.iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(
            got,
            [
                "Officials said the levy stays in force for now.",
                "Around 85 per cent of goods qualify."
            ]
        );
    }

    #[test]
    fn only_sentences_holding_a_trigger_are_kept() {
        let text = "The weather was mild. Peru faces a 30% levy. Markets closed early.";
        let b = blocks(text);
        let at = text.find("30%").unwrap_or_default();
        let got: Vec<&str> =
            segments(text, &b, &[at], &[]).iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(got, ["Peru faces a 30% levy."]);
    }
}
