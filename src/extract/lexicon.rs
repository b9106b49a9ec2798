//! The lexicon: every word a pack or the grammar knows, with its classes, and the phrases of
//! several words (entity names, "more than", "import tax") keyed by their first word.
//!
//! Words are looked up once, by the lexer, in an open-addressing table over their lowercase
//! bytes; a word the lexicon does not know costs one hash and one probe. This is what makes
//! text without triggers cheap: nothing after the lexer looks at a word's spelling again.

use std::collections::HashMap;

use super::class::Classes;

/// A word's id in the lexicon.
pub(crate) type WordId = u32;

/// The id of a word the lexicon does not know.
pub(crate) const UNKNOWN: WordId = u32::MAX;

/// How a phrase must be written to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Case {
    /// In any case: grammar and vocabulary phrases.
    Any,
    /// Capitalized (first and last word), or in capitals: "China", "CHINA", not "china".
    Capitalized,
    /// Exactly as written, token by token: "US" but never "us".
    Exact(Box<[Box<str>]>),
}

/// What a phrase is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PhraseKind {
    /// A word-class phrase ("more than", "import tax").
    Classes(Classes),
    /// A name of an entity.
    Entity {
        /// Index into `Lexicon::entities`.
        entity: u16,
        /// How the entity is named.
        form: Form,
    },
    /// A phrase that contains a name but names something else ("New Mexico"): it swallows
    /// its words so nothing inside matches.
    Ignore,
}

/// How an entity is named, which decides what it can stand for in a construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Form {
    /// Its name or an alias: "Vietnam", "the United States", "U.S.".
    Name,
    /// Its adjective: "Vietnamese", "Chinese", "American".
    Demonym,
    /// Its capital, standing for its government: "Washington", "Beijing".
    Capital,
    /// A person or office acting for it: "Trump", "the White House", "Xi Jinping".
    Actor,
    /// A name that is also a common word or another place (Georgia, Jordan, Turkey): it
    /// counts in a construction but never makes the entity an article's main party.
    Ambiguous,
}

/// A phrase of one or more words.
#[derive(Debug, Clone)]
pub(crate) struct Phrase {
    /// The words, as lexicon ids.
    pub words: Box<[WordId]>,
    /// How it must be written.
    pub case: Case,
    /// What it is.
    pub kind: PhraseKind,
}

/// One known word.
#[derive(Debug, Clone)]
struct Entry {
    text: Box<[u8]>,
    classes: Classes,
    starts_phrase: bool,
}

/// A country or bloc.
#[derive(Debug, Clone)]
pub(crate) struct Entity {
    /// The code used in keys: ISO 3166-1 alpha-2, or `EU`.
    pub code: String,
    /// Its display name.
    #[allow(dead_code, reason = "kept for explain output and future labels")]
    pub name: String,
}

/// The compiled lexicon of the loaded packs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    slots: Vec<(u64, WordId)>,
    entries: Vec<Entry>,
    phrases: HashMap<WordId, Vec<Phrase>>,
    /// The entities, by index.
    pub entities: Vec<Entity>,
}

/// FNV-1a over bytes: small, fast on short words, and with no dependency.
pub(crate) fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h | 1
}

impl Lexicon {
    /// The id of a lowercase word, given its hash.
    pub(crate) fn lookup(&self, lower: &[u8], h: u64) -> WordId {
        if self.slots.is_empty() {
            return UNKNOWN;
        }
        let mask = self.slots.len() - 1;
        let mut i = (h as usize) & mask;
        loop {
            let Some(&(sh, id)) = self.slots.get(i) else { return UNKNOWN };
            if sh == 0 {
                return UNKNOWN;
            }
            if sh == h && self.entries.get(id as usize).is_some_and(|e| &*e.text == lower) {
                return id;
            }
            i = (i + 1) & mask;
        }
    }

    /// The classes of a word.
    pub(crate) fn classes(&self, id: WordId) -> Classes {
        self.entries.get(id as usize).map_or(0, |e| e.classes)
    }

    /// Whether some phrase starts with this word.
    pub(crate) fn starts_phrase(&self, id: WordId) -> bool {
        self.entries.get(id as usize).is_some_and(|e| e.starts_phrase)
    }

    /// The phrases starting with this word, longest first.
    pub(crate) fn phrases(&self, id: WordId) -> &[Phrase] {
        self.phrases.get(&id).map_or(&[], Vec::as_slice)
    }

    /// The lowercase spelling of a word.
    #[allow(dead_code, reason = "used by tests and explain output")]
    pub(crate) fn spelling(&self, id: WordId) -> &str {
        self.entries.get(id as usize).and_then(|e| std::str::from_utf8(&e.text).ok()).unwrap_or("")
    }
}

/// Builds a lexicon: words first, then phrases over them.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    lex: Lexicon,
    index: HashMap<Box<[u8]>, WordId>,
}

impl Builder {
    /// The id of a lowercase word, adding it if new.
    pub(crate) fn word(&mut self, lower: &[u8]) -> WordId {
        if let Some(&id) = self.index.get(lower) {
            return id;
        }
        let id = self.lex.entries.len() as WordId;
        self.lex.entries.push(Entry { text: lower.into(), classes: 0, starts_phrase: false });
        self.index.insert(lower.into(), id);
        id
    }

    /// Adds classes to a single word.
    pub(crate) fn add_classes(&mut self, id: WordId, classes: Classes) {
        if let Some(e) = self.lex.entries.get_mut(id as usize) {
            e.classes |= classes;
        }
    }

    /// Adds a phrase (one word or more).
    pub(crate) fn add_phrase(&mut self, phrase: Phrase) {
        let Some(&first) = phrase.words.first() else { return };
        if let Some(e) = self.lex.entries.get_mut(first as usize) {
            e.starts_phrase = true;
        }
        let list = self.lex.phrases.entry(first).or_default();
        if !list.iter().any(|p| p.words == phrase.words && p.case == phrase.case) {
            list.push(phrase);
        }
    }

    /// Adds an entity and returns its index.
    pub(crate) fn add_entity(&mut self, entity: Entity) -> Option<u16> {
        if let Some(i) = self.lex.entities.iter().position(|e| e.code == entity.code) {
            return u16::try_from(i).ok();
        }
        let i = u16::try_from(self.lex.entities.len()).ok()?;
        self.lex.entities.push(entity);
        Some(i)
    }

    /// The index of an entity code already added.
    pub(crate) fn entity_index(&self, code: &str) -> Option<u16> {
        self.lex.entities.iter().position(|e| e.code == code).and_then(|i| u16::try_from(i).ok())
    }

    /// Finishes the lexicon: the hash table sized to a load under one half, phrases ordered
    /// longest first so the lexer's first match is the longest.
    pub(crate) fn finish(mut self) -> Lexicon {
        let n = self.lex.entries.len().max(1);
        let size = (n * 2 + 1).next_power_of_two();
        let mut slots = vec![(0u64, 0u32); size];
        let mask = size - 1;
        for (id, e) in self.lex.entries.iter().enumerate() {
            let h = hash(&e.text);
            let mut i = (h as usize) & mask;
            while slots.get(i).is_some_and(|s| s.0 != 0) {
                i = (i + 1) & mask;
            }
            if let Some(s) = slots.get_mut(i) {
                *s = (h, id as WordId);
            }
        }
        self.lex.slots = slots;
        for list in self.lex.phrases.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.words.len()));
        }
        self.lex
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_and_unknown_words_are_not() {
        let mut b = Builder::default();
        let tariff = b.word(b"tariff");
        b.add_classes(tariff, 0b100);
        let lex = b.finish();
        assert_eq!(lex.lookup(b"tariff", hash(b"tariff")), tariff);
        assert_eq!(lex.classes(tariff), 0b100);
        assert_eq!(lex.lookup(b"tariffs", hash(b"tariffs")), UNKNOWN);
        assert_eq!(Lexicon::default().lookup(b"x", hash(b"x")), UNKNOWN);
    }
}
