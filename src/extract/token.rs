//! The lexer: one pass over a text that yields its tokens (words, numbers, currency signs,
//! percent signs, punctuation) with each word already looked up in the lexicon, then one pass
//! over the tokens that finds the phrases of several words (entity names, "more than").
//!
//! What the lexer decides, it decides once for everyone after it: "U.S." is one word,
//! "Vietnam's" is "Vietnam" and the clitic "'s", "across-the-board" is one word when the
//! lexicon knows it and three otherwise, "US$" is one currency sign, and a word glued to the
//! one before it ("tariffsApproximately", "crisis.Trump", "1Commentary", the way pages run
//! link titles into the text) is marked, so the layout can cut there.

use super::class::{Class, Classes};
use super::lexicon::{Builder, Case, Form, Lexicon, PhraseKind, UNKNOWN, WordId, hash};

/// Whitespace came before the token.
pub(crate) const SPACE: u8 = 1;
/// A line break came before the token.
pub(crate) const LINE: u8 = 2;
/// A blank line came before the token.
pub(crate) const PARA: u8 = 4;
/// The token starts with a capital letter.
pub(crate) const CAP: u8 = 8;
/// The token is a word of two or more letters, all capitals.
pub(crate) const UPPER: u8 = 16;
/// The token is a capitalized word glued to the token before it: a cut in page text.
pub(crate) const GLUE: u8 = 32;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters (with inner periods, hyphens or apostrophes as the lexicon knows them).
    Word,
    /// Digits, with thousands separators and a decimal part.
    Number,
    /// A currency sign: `$`, `€`, `£`, `¥`, `₹`, `US$`, `HK$`.
    Currency,
    /// `%`.
    Percent,
    /// Any other character that is not a space.
    Punct,
}

/// One token; offsets are bytes into the text it came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset past the last byte.
    pub end: u32,
    /// The lexicon id of a word or punctuation mark, or `UNKNOWN`.
    pub word: WordId,
    /// What it is.
    pub kind: Kind,
    /// `SPACE`, `LINE`, `PARA`, `CAP`, `UPPER`, `GLUE`.
    pub flags: u8,
}

impl Token {
    /// Whether the token has a flag.
    pub(crate) fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// What a phrase found in the text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HitKind {
    /// A class phrase: its words act as one word of these classes.
    Classes(Classes),
    /// An entity name.
    Entity {
        /// Index into the lexicon's entities.
        entity: u16,
        /// How it is named.
        form: Form,
    },
}

/// A phrase found in the text: tokens `start..end`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    /// First token.
    pub start: u32,
    /// Past the last token.
    pub end: u32,
    /// What it is.
    pub kind: HitKind,
}

/// A lexed text: its tokens and the phrases among them, both in text order.
#[derive(Debug, Default)]
pub(crate) struct Lexed {
    /// The tokens.
    pub tokens: Vec<Token>,
    /// The phrases, not overlapping.
    pub hits: Vec<Hit>,
}

/// A raw token before lookup: its span, kind, flags and lowercase form.
struct Raw {
    start: usize,
    end: usize,
    kind: Kind,
    flags: u8,
}

/// Splits `text` into raw tokens, calling `emit` with each and its lowercase bytes.
///
/// `known` says whether a hyphenated compound is a word of its own ("two-way"); the lexer
/// passes the lexicon, the pack compiler a set of the vocabulary's compounds.
fn scan<K: Fn(&[u8]) -> bool + ?Sized, E: FnMut(Raw, &[u8])>(text: &str, known: &K, emit: &mut E) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0usize;
    let mut ws = SPACE;
    let mut newlines = 0u8;
    let mut lower: Vec<u8> = Vec::with_capacity(32);
    // Whether the previous token can have a capitalized word glued to it.
    let mut glue_after = false;
    while i < n {
        let b = bytes[i];
        // Whitespace, ASCII and Unicode (no-break space, em space...).
        if b.is_ascii_whitespace() {
            if b == b'\n' {
                newlines = newlines.saturating_add(1);
            }
            ws = SPACE;
            i += 1;
            continue;
        }
        let ch = if b < 0x80 { b as char } else { text[i..].chars().next().unwrap_or(' ') };
        let ch_len = ch.len_utf8();
        if ch.is_whitespace() || ch == '\u{200b}' || ch == '\u{feff}' {
            ws = SPACE;
            i += ch_len;
            continue;
        }
        let mut flags = ws;
        if newlines >= 1 {
            flags |= LINE;
        }
        if newlines >= 2 {
            flags |= PARA;
        }
        ws = 0;
        newlines = 0;
        let start = i;
        if ch.is_alphabetic() {
            // The clitic "n't" of "don't", left by `word_end` after the word it ends.
            if flags & SPACE == 0 && matches!(b, b'n' | b'N') {
                let rest = &text[start + 1..];
                let apostrophe = rest.chars().next().filter(|c| matches!(c, '\'' | '’'));
                if let Some(a) = apostrophe {
                    let after = start + 1 + a.len_utf8();
                    let t = bytes.get(after).copied();
                    let then = text.get(after + 1..).and_then(|r| r.chars().next());
                    if matches!(t, Some(b't' | b'T')) && !then.is_some_and(char::is_alphanumeric) {
                        lower.clear();
                        lower.extend_from_slice(b"n't");
                        emit(Raw { start, end: after + 1, kind: Kind::Word, flags }, &lower);
                        i = after + 1;
                        glue_after = false;
                        continue;
                    }
                }
            }
            let (end, glued_next) = word_end(text, start, known, &mut lower);
            if ch.is_uppercase() {
                flags |= CAP;
                if glue_after && flags & SPACE == 0 {
                    flags |= GLUE;
                }
            }
            let letters = &text[start..end];
            if letters.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && !letters.chars().any(char::is_lowercase)
            {
                flags |= UPPER;
            }
            // "US$", "HK$": a currency sign.
            if bytes.get(end) == Some(&b'$') && end - start <= 3 && flags & UPPER != 0
                || bytes.get(end) == Some(&b'$') && end - start == 1
            {
                lower.push(b'$');
                emit(Raw { start, end: end + 1, kind: Kind::Currency, flags }, &lower);
                i = end + 1;
                glue_after = false;
                continue;
            }
            emit(Raw { start, end, kind: Kind::Word, flags }, &lower);
            i = end;
            // A capital glued on ("tariffsApproximately") starts a new token marked GLUE.
            glue_after = glued_next || letters.ends_with(|c: char| c.is_lowercase());
            if glued_next {
                ws = 0;
            }
            continue;
        }
        if b.is_ascii_digit() {
            let end = number_end(bytes, start);
            lower.clear();
            lower.extend_from_slice(&bytes[start..end]);
            emit(Raw { start, end, kind: Kind::Number, flags }, &lower);
            i = end;
            glue_after = true;
            continue;
        }
        lower.clear();
        // The clitics "'s" and "n't" are words of their own.
        if matches!(ch, '\'' | '’') {
            let after = start + ch_len;
            let next = bytes.get(after).copied();
            let then = text[after..].chars().nth(1);
            if matches!(next, Some(b's' | b'S')) && !then.is_some_and(char::is_alphanumeric) {
                lower.extend_from_slice(b"'s");
                emit(Raw { start, end: after + 1, kind: Kind::Word, flags }, &lower);
                i = after + 1;
                glue_after = false;
                continue;
            }
        }
        let kind = match ch {
            '$' | '€' | '£' | '¥' | '₹' => Kind::Currency,
            '%' | '％' => Kind::Percent,
            _ => Kind::Punct,
        };
        let mut buf = [0u8; 4];
        lower.extend_from_slice(
            ch.to_lowercase().next().unwrap_or(ch).encode_utf8(&mut buf).as_bytes(),
        );
        emit(Raw { start, end: start + ch_len, kind, flags }, &lower);
        i = start + ch_len;
        glue_after = matches!(ch, '.' | '!' | '?' | '%') && start > 0;
    }
}

/// The end of the word starting at `start`, its lowercase form left in `lower`, and whether
/// the word was cut before a glued-on capital.
fn word_end<K: Fn(&[u8]) -> bool + ?Sized>(
    text: &str,
    start: usize,
    known: &K,
    lower: &mut Vec<u8>,
) -> (usize, bool) {
    let bytes = text.as_bytes();
    lower.clear();
    // "U.S.", "U.A.E.", "E.U.", "a.m.": letters and periods, at least two periods.
    if let Some(end) = dotted_end(bytes, start) {
        for &b in &bytes[start..end] {
            lower.push(b.to_ascii_lowercase());
        }
        return (end, false);
    }
    let (end, glued) = run_end(text, start, lower);
    if glued {
        return (end, true);
    }
    // A hyphenated compound the lexicon knows is one word: "two-way", "across-the-board".
    let mut j = end;
    if bytes.get(j) != Some(&b'-') {
        return apostrophes(text, start, end, lower);
    }
    let mut compound = lower.clone();
    let mut best = end;
    let mut best_lower: Option<Vec<u8>> = None;
    while bytes.get(j) == Some(&b'-') && bytes.get(j + 1).is_some_and(|b| b.is_ascii_alphanumeric())
    {
        let mut part = Vec::new();
        let (e, glued) = run_end(text, j + 1, &mut part);
        if glued || e == j + 1 {
            break;
        }
        compound.push(b'-');
        compound.extend_from_slice(&part);
        j = e;
        if known(&compound) {
            best = j;
            best_lower = Some(compound.clone());
        }
    }
    if let Some(l) = best_lower {
        *lower = l;
        return (best, false);
    }
    apostrophes(text, start, end, lower)
}

/// Extends the word `text[start..end]` over apostrophes between letters ("d'Ivoire",
/// "Sana'a"), stopping before the clitics "'s" and "n't".
fn apostrophes(text: &str, start: usize, end: usize, lower: &mut Vec<u8>) -> (usize, bool) {
    // An apostrophe between letters stays inside ("d'Ivoire", "Sana'a"), unless it starts
    // the clitic "'s".
    let mut end = end;
    while let Some(c) = text[end..].chars().next() {
        if !matches!(c, '\'' | '’') {
            break;
        }
        let after = end + c.len_utf8();
        let next = text[after..].chars().next();
        if !next.is_some_and(char::is_alphabetic) {
            break;
        }
        if matches!(next, Some('s' | 'S'))
            && !text[after + 1..].chars().next().is_some_and(char::is_alphanumeric)
        {
            break;
        }
        if matches!(next, Some('t' | 'T')) && lower.ends_with(b"n") {
            break;
        }
        let mut part = Vec::new();
        let (e, _) = run_end(text, after, &mut part);
        lower.push(b'\'');
        lower.extend_from_slice(&part);
        end = e;
    }
    // "don't": the word is "do" and the clitic "n't" follows.
    if lower.ends_with(b"n")
        && text[end..].starts_with(['\'', '’'])
        && text[end..].chars().nth(1).is_some_and(|c| c == 't' || c == 'T')
        && end - start >= 3
    {
        // Leave "n't" to be lexed as a word of its own.
        lower.pop();
        return (end - 1, false);
    }
    (end, false)
}

/// Letters (and digits after a letter), lowercased into `lower`; stops before a capital
/// glued on after four or more letters ("tariffsApproximately").
fn run_end(text: &str, start: usize, lower: &mut Vec<u8>) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut i = start;
    let mut letters = 0usize;
    let mut prev_lower = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_alphabetic() {
                if b.is_ascii_uppercase()
                    && prev_lower
                    && letters >= 4
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase)
                {
                    return (i, true);
                }
                prev_lower = b.is_ascii_lowercase();
                lower.push(b.to_ascii_lowercase());
                letters += 1;
                i += 1;
            } else if b.is_ascii_digit() && letters > 0 {
                lower.push(b);
                prev_lower = false;
                i += 1;
            } else {
                break;
            }
        } else {
            let Some(c) = text[i..].chars().next() else { break };
            if !c.is_alphabetic() {
                break;
            }
            for l in c.to_lowercase() {
                let mut buf = [0u8; 4];
                lower.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
            }
            prev_lower = c.is_lowercase();
            letters += 1;
            i += c.len_utf8();
        }
    }
    (i, false)
}

/// The end of a dotted abbreviation ("U.S.", "U.A.E.") starting at `start`, if there is one.
fn dotted_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    let mut dots = 0;
    loop {
        let letters = bytes[i..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
        if letters == 0 || letters > 2 || bytes.get(i + letters) != Some(&b'.') {
            break;
        }
        i += letters + 1;
        dots += 1;
    }
    (dots >= 2).then_some(i)
}

/// The end of a number starting at `start`: "1,070", "22.4", "2,000.50".
fn number_end(bytes: &[u8], start: usize) -> usize {
    let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = start + digits(start);
    // Thousands groups: a comma and exactly three digits.
    while bytes.get(i) == Some(&b',') && digits(i + 1) == 3 {
        i += 4;
    }
    if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1 + digits(i + 1);
    }
    i
}

/// What one light pass over a whole article finds: where its trigger words are, where words
/// are glued on, where percent signs are, and which classes appear at all.
#[derive(Debug, Default)]
pub(crate) struct Prescan {
    /// Byte offsets of words of the wanted classes, with the classes of each.
    pub triggers: Vec<(usize, Classes)>,
    /// Byte offsets of `%` signs and percent words.
    pub percents: Vec<usize>,
    /// Byte offsets of capitalised words glued to the token before them.
    pub glue: Vec<usize>,
    /// Every class of every known word of the text.
    pub classes: Classes,
}

/// The light pass: words are cut, lowercased and hashed in place and looked up, and nothing
/// is kept but offsets. Most of an article is read only by this loop; the segments that
/// hold a trigger are lexed in full by [`lex`] afterwards. Its cuts agree with [`lex`]'s
/// where it matters: the start of a word, "U.S." as one word, and what counts as glued on.
pub(crate) fn prescan(lex: &Lexicon, text: &str, wanted: Classes) -> Prescan {
    const MAX: usize = 40;
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut out = Prescan::default();
    let mut i = 0usize;
    // Whether a capital right here, with no space before, would be glued on.
    let mut glue_after = false;
    let mut spaced = true;
    let mut buf = [0u8; MAX];
    let percent_word = Class::Percent.bit();
    while i < n {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            spaced = true;
            glue_after = false;
            i += 1;
            continue;
        }
        if b.is_ascii_digit() {
            let end = number_end(bytes, i);
            i = end;
            glue_after = true;
            spaced = false;
            continue;
        }
        let letter = b.is_ascii_alphabetic()
            || (b >= 0x80 && text[i..].chars().next().is_some_and(char::is_alphabetic));
        if !letter {
            let ch = if b < 0x80 { b as char } else { text[i..].chars().next().unwrap_or(' ') };
            if ch.is_whitespace() || ch == '\u{200b}' || ch == '\u{feff}' {
                spaced = true;
                glue_after = false;
            } else {
                if ch == '%' || ch == '％' {
                    out.percents.push(i);
                }
                glue_after = matches!(ch, '.' | '!' | '?' | '%') && i > 0;
                spaced = false;
            }
            i += ch.len_utf8();
            continue;
        }
        let start = i;
        if b.is_ascii_uppercase() && glue_after && !spaced {
            out.glue.push(start);
        }
        spaced = false;
        // "U.S.": one word, never a glued capital after its periods.
        if let Some(end) = dotted_end(bytes, start) {
            let len = (end - start).min(MAX);
            for (k, c) in bytes[start..start + len].iter().enumerate() {
                buf[k] = c.to_ascii_lowercase();
            }
            let word = &buf[..len];
            let id = lex.lookup(word, hash(word));
            if id != UNKNOWN {
                out.classes |= lex.classes(id);
            }
            i = end;
            glue_after = false;
            continue;
        }
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut len = 0usize;
        let mut letters = 0usize;
        let mut prev_lower = false;
        let mut glued_next = false;
        let mut j = i;
        while j < n {
            let c = bytes[j];
            if c < 0x80 {
                if c.is_ascii_alphabetic() {
                    if c.is_ascii_uppercase()
                        && prev_lower
                        && letters >= 4
                        && bytes.get(j + 1).is_some_and(u8::is_ascii_lowercase)
                    {
                        glued_next = true;
                        break;
                    }
                    prev_lower = c.is_ascii_lowercase();
                    let l = c.to_ascii_lowercase();
                    if len < MAX {
                        buf[len] = l;
                    }
                    len += 1;
                    h ^= u64::from(l);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                    letters += 1;
                    j += 1;
                } else if c.is_ascii_digit() && letters > 0 {
                    if len < MAX {
                        buf[len] = c;
                    }
                    len += 1;
                    h ^= u64::from(c);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                    prev_lower = false;
                    j += 1;
                } else {
                    break;
                }
            } else {
                let Some(ch) = text[j..].chars().next() else { break };
                if !ch.is_alphabetic() {
                    break;
                }
                for l in ch.to_lowercase() {
                    let mut tmp = [0u8; 4];
                    for &x in l.encode_utf8(&mut tmp).as_bytes() {
                        if len < MAX {
                            buf[len] = x;
                        }
                        len += 1;
                        h ^= u64::from(x);
                        h = h.wrapping_mul(0x0100_0000_01b3);
                    }
                }
                prev_lower = ch.is_lowercase();
                letters += 1;
                j += ch.len_utf8();
            }
        }
        if len <= MAX {
            let id = lex.lookup(&buf[..len], h | 1);
            if id != UNKNOWN {
                let classes = lex.classes(id);
                out.classes |= classes;
                if classes & wanted != 0 {
                    out.triggers.push((start, classes));
                }
                if classes & percent_word != 0 {
                    out.percents.push(start);
                }
            }
        }
        i = j;
        if glued_next {
            out.glue.push(j);
            glue_after = false;
            spaced = false;
            // The glued capital starts the next word at once.
            continue;
        }
        glue_after = text[start..j].ends_with(|c: char| c.is_lowercase());
    }
    out
}

/// Lexes `text[start..end]` against the lexicon, with offsets into the whole `text`.
pub(crate) fn lex_range(lex: &Lexicon, text: &str, start: usize, end: usize) -> Lexed {
    let Some(part) = text.get(start..end) else { return Lexed::default() };
    let mut lexed = self::lex(lex, part);
    let shift = start as u32;
    for t in &mut lexed.tokens {
        t.start += shift;
        t.end += shift;
    }
    lexed
}

/// Lexes `text` against the lexicon.
pub(crate) fn lex(lex: &Lexicon, text: &str) -> Lexed {
    let mut tokens: Vec<Token> = Vec::with_capacity(text.len() / 5 + 1);
    let known = |w: &[u8]| lex.lookup(w, hash(w)) != UNKNOWN;
    scan(text, &known, &mut |raw, lower| {
        let word = match raw.kind {
            Kind::Number => UNKNOWN,
            _ => lex.lookup(lower, hash(lower)),
        };
        tokens.push(Token {
            start: raw.start as u32,
            end: raw.end as u32,
            word,
            kind: raw.kind,
            flags: raw.flags,
        });
    });
    let hits = phrases(lex, text, &tokens);
    Lexed { tokens, hits }
}

/// The lowercase words of a vocabulary entry or an alias, registered in the builder.
pub(crate) fn register(
    b: &mut Builder,
    text: &str,
    compounds: &dyn Fn(&[u8]) -> bool,
) -> Vec<(WordId, String)> {
    let mut out = Vec::new();
    scan(text, compounds, &mut |raw, lower| {
        let id = b.word(lower);
        out.push((id, text[raw.start..raw.end].to_string()));
    });
    out
}

/// Finds the phrases: at each token that starts one, the longest that matches.
fn phrases(lex: &Lexicon, text: &str, tokens: &[Token]) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut i = 0usize;
    while i < tokens.len() {
        let t = tokens[i];
        if t.word == UNKNOWN || !lex.starts_phrase(t.word) {
            i += 1;
            continue;
        }
        let mut matched = None;
        for p in lex.phrases(t.word) {
            let len = p.words.len();
            let Some(span) = tokens.get(i..i + len) else { continue };
            // Words of a phrase follow each other; a line break ends a name.
            if span.iter().zip(p.words.iter()).any(|(t, w)| t.word != *w)
                || span.iter().skip(1).any(|t| t.is(LINE))
            {
                continue;
            }
            if !case_matches(&p.case, text, span) {
                continue;
            }
            matched = Some((len, &p.kind));
            break;
        }
        match matched {
            Some((len, kind)) => {
                let kind = match kind {
                    PhraseKind::Classes(c) => Some(HitKind::Classes(*c)),
                    PhraseKind::Entity { entity, form } => {
                        Some(HitKind::Entity { entity: *entity, form: *form })
                    }
                    PhraseKind::Ignore => None,
                };
                if let Some(kind) = kind {
                    hits.push(Hit { start: i as u32, end: (i + len) as u32, kind });
                }
                i += len;
            }
            None => i += 1,
        }
    }
    hits
}

fn case_matches(case: &Case, text: &str, span: &[Token]) -> bool {
    match case {
        Case::Any => true,
        Case::Capitalized => {
            let cap = |t: &Token| t.kind != Kind::Word || t.is(CAP) || t.is(UPPER);
            span.first().is_some_and(cap) && span.last().is_some_and(cap)
        }
        Case::Exact(words) => {
            span.len() == words.len()
                && span.iter().zip(words.iter()).all(|(t, w)| {
                    text.get(t.start as usize..t.end as usize)
                        .is_some_and(|s| s == &**w || s.replace('’', "'") == w.replace('’', "'"))
                })
        }
    }
}

/// The classes of token `i`, from its word and from a class phrase covering it.
#[allow(dead_code, reason = "used by tests")]
pub(crate) fn classes_of(lex: &Lexicon, t: &Token) -> Classes {
    if t.kind == Kind::Percent {
        return Class::Percent.bit();
    }
    if t.word == UNKNOWN { 0 } else { lex.classes(t.word) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        let lex = Lexicon::default();
        lex_texts(&lex, text)
    }

    fn lex_texts(lex: &Lexicon, text: &str) -> Vec<String> {
        super::lex(lex, text)
            .tokens
            .iter()
            .map(|t| text[t.start as usize..t.end as usize].to_string())
            .collect()
    }

    #[test]
    fn abbreviations_clitics_and_currency() {
        assert_eq!(
            words("The U.S. cut Vietnam's rate to 19% (US$2.1bn)."),
            [
                "The", "U.S.", "cut", "Vietnam", "'s", "rate", "to", "19", "%", "(", "US$", "2.1",
                "bn", ")", "."
            ]
        );
        assert_eq!(words("China’s 1,070.5 don't"), ["China", "’s", "1,070.5", "do", "n't"]);
        assert_eq!(words("Côte d'Ivoire"), ["Côte", "d'Ivoire"]);
    }

    #[test]
    fn glued_words_are_cut_and_marked() {
        let lex = Lexicon::default();
        let text = "fentanyl crisis.Trump says 30% from Aug 1Commentary about tariffsApproximately";
        let l = super::lex(&lex, text);
        let glued: Vec<&str> = l
            .tokens
            .iter()
            .filter(|t| t.is(GLUE))
            .map(|t| &text[t.start as usize..t.end as usize])
            .collect();
        assert_eq!(glued, ["Trump", "Commentary", "Approximately"]);
    }

    #[test]
    fn unknown_compounds_split_at_hyphens() {
        assert_eq!(words("U.S.-China two-way"), ["U.S.", "-", "China", "two", "-", "way"]);
        let mut b = Builder::default();
        let id = b.word(b"two-way");
        b.add_classes(id, 1);
        let lex = b.finish();
        assert_eq!(lex_texts(&lex, "U.S.-China two-way"), ["U.S.", "-", "China", "two-way"]);
    }

    #[test]
    fn numbers_stop_at_ranges_and_sentence_ends() {
        assert_eq!(words("2.3-3.3 in 2024."), ["2.3", "-", "3.3", "in", "2024", "."]);
        assert_eq!(words("10%rate"), ["10", "%", "rate"]);
    }

    #[test]
    fn line_and_paragraph_flags() {
        let lex = Lexicon::default();
        let l = super::lex(&lex, "a\nb\n\nc");
        let f: Vec<(bool, bool)> = l.tokens.iter().map(|t| (t.is(LINE), t.is(PARA))).collect();
        assert_eq!(f, [(false, false), (true, false), (true, true)]);
    }
}
