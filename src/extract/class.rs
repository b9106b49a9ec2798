//! Word classes: what a word can do in a construction, as one bit each.
//!
//! Two kinds share the bit set. Grammar classes (prepositions, auxiliaries, quantifier and
//! date words) are English and fixed here, with their words. Domain classes (the nouns that
//! head a tariff phrase, the verbs that impose or suspend one, the words that make a figure a
//! threat or an average) are filled from the `[vocabulary]` table of the domain packs, so a
//! pack author extends what a construction accepts without touching code. Constructions in
//! `frame` test classes, never spellings: "slaps", "imposes" and "levies" are one case.

/// A set of classes.
pub(crate) type Classes = u128;

macro_rules! classes {
    ($( $(#[$doc:meta])* $name:ident = $pack:literal ),* $(,)?) => {
        /// One word class; see the module docs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum Class { $( $(#[$doc])* $name ),* }

        impl Class {
            /// Every class, in bit order.
            pub(crate) const ALL: &'static [Class] = &[ $( Class::$name ),* ];

            /// The name a pack's `[vocabulary]` uses for the class (grammar classes have one
            /// too, so a pack may add a spelling such as a new currency word).
            pub(crate) fn name(self) -> &'static str {
                match self { $( Class::$name => $pack ),* }
            }
        }
    };
}

classes! {
    // ---- grammar ----
    /// "on", "upon".
    On = "on",
    /// "of".
    Of = "of",
    /// "from".
    From = "from",
    /// "to", "into".
    To = "to",
    /// "at".
    At = "at",
    /// "for".
    For = "for",
    /// "by".
    By = "by",
    /// "with".
    With = "with",
    /// "against".
    Against = "against",
    /// "in", "during".
    In = "in",
    /// "between", "among".
    Between = "between",
    /// "including", "such as", "like", "notably".
    Including = "including",
    /// "than".
    Than = "than",
    /// "the", "a", "an", "this", "that", "these", "those".
    Det = "determiner",
    /// "and", "&", "as well as".
    And = "and",
    /// "or", "nor".
    Or = "or",
    /// "while", "whereas", "but", "although", "though", "however", "yet", "meanwhile".
    Contrast = "contrast",
    /// "which", "who", "that", "whose", "whom".
    Relative = "relative",
    /// "it", "they", "them", "he", "she".
    Pronoun = "pronoun",
    /// "its", "their", "his", "her".
    Possessive = "possessive_pronoun",
    /// "there".
    There = "there",
    /// Forms of be, have and do, and "will", "shall".
    Aux = "auxiliary",
    /// Past forms: "was", "were", "had", "did".
    Past = "past",
    /// "could", "might", "may", "would", "should", "can".
    Modal = "modal",
    /// "would" alone: conditional unless reported.
    Would = "would",
    /// "not", "n't", "never", "no".
    Not = "negation",
    /// "now", "currently", "today".
    Now = "now",
    /// "other", "another", "each", "respective".
    Other = "other",
    /// "respectively".
    Respectively = "respectively",
    /// "both", "mutual", "reciprocally".
    Both = "both",
    /// "if", "unless", "without", "should".
    If = "conditional",
    /// "about", "around", "roughly", "nearly"...: a rounded figure.
    About = "about",
    /// "over", "more than", "above", "exceeding"...: at least this.
    Over = "over",
    /// "under", "less than", "below", "up to"...: at most this.
    Under = "under",
    /// "up", "down" (as in "up 11.7 percent", "down from 37%").
    UpDown = "up_down",
    /// "previously", "earlier", "initially", "originally", "formerly".
    Previously = "previously",
    /// "percent", "per cent", "pct", "%".
    Percent = "percent",
    /// "point", "points", "percentage points".
    Points = "points",
    /// "trillion", "billion", "million", "thousand", "bn", "mn"...
    Scale = "scale",
    /// "dollars", "usd", "us$"...: US dollars.
    Dollar = "dollar",
    /// "euros", "rupees", "yuan"...: money that is not US dollars.
    OtherMoney = "other_money",
    /// "day", "days".
    Day = "day",
    /// "week", "weeks".
    Week = "week",
    /// "month", "months".
    MonthUnit = "month",
    /// "year", "years".
    YearUnit = "year",
    /// A month name.
    MonthName = "month_name",
    /// A weekday name.
    Weekday = "weekday",
    /// "last", "this", "next", "past", "previous", "coming".
    Relative2 = "relative_time",
    /// "ago".
    Ago = "ago",
    /// "mid", "early", "late", "end".
    Part = "part_of_month",
    /// Number words: "one" to "hundred", "zero".
    NumberWord = "number_word",
    /// "worth", "valued", "totaling", "amounted", "reached", "topped"...: links an amount.
    Worth = "worth",
    /// "is", "was", "stands", "stood", "remains", "be", "at": links a level.
    Copula = "copula",
    /// "said", "says", "saying", "told", "announced", "wrote"...: reported speech.
    Report = "report",
    /// "bringing", "taking", "pushing", "lifting": "bringing the total to 50%".
    Bringing = "bringing",
    /// Prepositions with no role of their own: "after", "before", "amid", "despite".
    Preposition = "preposition",
    /// Verbs of a figure moving: "rose", "fell", "jumped", "slid".
    Moved = "moved",
    /// Words of a made-up case: "suppose", "imagine", "for example".
    Hypothetical = "hypothetical",

    // ---- domain (filled by packs) ----
    /// Nouns that head a tariff phrase: tariff, duty, levy, surcharge, import tax.
    Levy = "levy",
    /// Nouns that head a rate phrase when the sentence is about tariffs: rate, level.
    RateNoun = "rate",
    /// Words that make a rate a sector's: steel, autos, movies.
    Sector = "sector",
    /// Words that make a rate an average: average, effective, weighted.
    Average = "average",
    /// Words that make a rate apply to everyone: baseline, universal, blanket.
    Baseline = "baseline",
    /// Adjectives of a threat: proposed, threatened, planned, potential.
    ThreatWord = "threat",
    /// Adjectives of an old value: initial, original, previous, earlier.
    OldWord = "old",
    /// Adjectives of the value now: new, revised, reduced, current, final.
    NewWord = "new",
    /// "additional", "extra", "further", "another", "more".
    Additional = "additional",
    /// "total", "combined", "overall", "cumulative".
    Total = "total",
    /// Verbs that levy: impose, slap, set, levy, charge, announce, keep.
    Impose = "impose",
    /// Verbs that raise a rate: raise, hike, increase, double.
    Raise = "raise",
    /// Verbs that lower a rate: cut, lower, reduce, slash.
    Cut = "cut",
    /// Verbs whose subject bears a tariff: face, get, pay, receive.
    Receive = "receive",
    /// Participles whose subject bears a tariff: hit, slapped, assigned, subjected.
    Hit = "hit",
    /// Verbs of threat: threaten, propose, consider, warn.
    Threaten = "threaten",
    /// Verbs of something avoided: avoid, avert, escape, spare.
    Avert = "avert",
    /// "scheduled", "set", "due", "slated", "supposed": "was set to face".
    Scheduled = "scheduled",
    /// Nouns of change: increase, hike, rise, cut, drop.
    ChangeNoun = "change",
    /// Nouns of traded goods: goods, imports, products, exports, shipments.
    Goods = "goods",
    /// Nouns of countries in general: countries, nations, trading partners, economies.
    Countries = "countries",
    /// Quantifiers that make a group universal: all, most, every, dozens.
    Universal = "universal",
    /// Words of exception: except, excluding, exception.
    Except = "except",
    /// Nouns of suspension: pause, suspension, freeze, reprieve, truce.
    Pause = "pause",
    /// Verbs of suspension: pause, suspend, delay, postpone.
    PauseVerb = "pause_verb",
    /// Verbs that extend: extend, prolong, renew.
    Extend = "extend",
    /// Verbs that end: end, lift, scrap, terminate, revoke.
    End = "end",
    /// Verbs that lapse: expire, lapse.
    Lapse = "lapse",
    /// "effect", "force": "take effect", "come into force".
    Effect = "effect",
    /// Words that start a period: starting, beginning, from, effective, since.
    Start = "start",
    /// Words that close a period: until, till, through.
    Until = "until",
    /// "deadline", "expiry", "expiration", "window".
    Deadline = "deadline",
    /// Export nouns and verbs: exports, exported, shipped, sold.
    Export = "export",
    /// Import nouns and verbs: imports, imported, bought.
    Import = "import",
    /// "trade", "commerce".
    Trade = "trade",
    /// "bilateral", "two-way".
    Bilateral = "bilateral",
    /// "deficit", "gap", "shortfall".
    Deficit = "deficit",
    /// "surplus".
    Surplus = "surplus",
    /// "favor", "favour": "in Pakistan's favor".
    Favor = "favor",
    /// Words of an aim or forecast: target, goal, aim, expected, projected.
    Aim = "aim",
    /// Words that make a deficit another kind: budget, fiscal, current-account.
    OtherDeficit = "other_deficit",
    /// Words that make an amount revenue: revenue, collected, receipts, customs.
    Revenue = "revenue",
    /// Words that make a rate another kind: interest, policy, growth, inflation.
    OtherRate = "other_rate",
    /// Verbs whose agent bears the tariff: negotiated, secured, won, struck.
    Negotiate = "negotiate",
    /// Nouns of people and bodies that act for a country: officials, senators, ministry.
    Agent = "agent",
}

impl Class {
    /// The bit of this class.
    pub(crate) const fn bit(self) -> Classes {
        1u128 << (self as u8)
    }

    /// The class a pack's vocabulary name stands for.
    pub(crate) fn by_name(name: &str) -> Option<Class> {
        Class::ALL.iter().copied().find(|c| c.name() == name)
    }
}

/// Whether `set` holds `class`.
pub(crate) const fn has(set: Classes, class: Class) -> bool {
    set & class.bit() != 0
}

/// The grammar words, fixed in code. Packs add domain words in `[vocabulary]`.
pub(crate) const GRAMMAR: &[(Class, &[&str])] = &[
    (Class::On, &["on", "upon", "onto"]),
    (Class::Of, &["of"]),
    (Class::From, &["from"]),
    (Class::To, &["to", "into"]),
    (Class::At, &["at"]),
    (Class::For, &["for"]),
    (Class::By, &["by"]),
    (Class::With, &["with"]),
    (Class::Against, &["against"]),
    (Class::In, &["in", "during"]),
    (Class::Between, &["between", "among", "amongst"]),
    (Class::Including, &["including", "such as", "like", "notably", "especially", "among them"]),
    (Class::Than, &["than"]),
    (Class::Det, &["the", "a", "an", "this", "that", "these", "those", "any", "some"]),
    (Class::And, &["and", "&", "as well as", "plus"]),
    (Class::Or, &["or", "nor"]),
    (
        Class::Contrast,
        &["while", "whereas", "but", "although", "though", "however", "yet", "meanwhile"],
    ),
    (Class::Relative, &["which", "who", "that", "whose", "whom", "where"]),
    (Class::Pronoun, &["it", "they", "them", "he", "she"]),
    (Class::Possessive, &["its", "their", "his", "her"]),
    (Class::There, &["there"]),
    (
        Class::Aux,
        &[
            "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "having",
            "will", "shall", "do", "does", "did", "'s", "'ll", "'ve", "'re", "am", "going",
        ],
    ),
    (Class::Past, &["was", "were", "had", "did"]),
    (Class::Modal, &["could", "might", "may", "would", "should", "can", "must"]),
    (Class::Would, &["would", "'d"]),
    (Class::Not, &["not", "n't", "never", "no", "cannot"]),
    (Class::Now, &["now", "currently", "today", "presently"]),
    (Class::Other, &["other", "another", "each", "respective", "rest"]),
    (Class::Respectively, &["respectively"]),
    (Class::Both, &["both", "mutual", "reciprocally", "each other"]),
    (Class::If, &["if", "unless", "should", "suppose", "supposing", "imagine", "hypothetically"]),
    (
        Class::About,
        &[
            "about",
            "around",
            "roughly",
            "nearly",
            "almost",
            "approximately",
            "approx",
            "some",
            "close to",
            "an estimated",
            "estimated",
            "circa",
            "just over",
            "just under",
        ],
    ),
    (
        Class::Over,
        &[
            "over",
            "more than",
            "above",
            "exceeding",
            "exceeds",
            "exceed",
            "exceeded",
            "surpassing",
            "surpassed",
            "topping",
            "topped",
            "at least",
            "upwards of",
            "in excess of",
            "beyond",
        ],
    ),
    (
        Class::Under,
        &[
            "under",
            "less than",
            "below",
            "up to",
            "as much as",
            "as high as",
            "as many as",
            "at most",
            "no more than",
            "a maximum of",
        ],
    ),
    (Class::UpDown, &["up", "down"]),
    (
        Class::Previously,
        &[
            "previously",
            "earlier",
            "initially",
            "originally",
            "formerly",
            "once",
            "first",
            "replacing",
            "replaces",
            "replaced",
            "instead of",
            "rather than",
            "superseding",
            "supersedes",
        ],
    ),
    (
        Class::Hypothetical,
        &["suppose", "supposing", "imagine", "hypothetically", "for example", "for instance"],
    ),
    (Class::Percent, &["percent", "per cent", "pct", "per-cent", "percentage", "pc"]),
    (Class::Points, &["point", "points", "percentage points", "percentage point", "pp"]),
    (
        Class::Scale,
        &[
            "trillion", "billion", "million", "thousand", "tn", "trn", "bn", "bln", "mn", "mln",
            "m", "b", "k",
        ],
    ),
    (Class::Dollar, &["dollars", "dollar", "usd", "us$", "us dollars", "u.s. dollars"]),
    (
        Class::OtherMoney,
        &[
            "euros", "euro", "eur", "rupees", "rupee", "inr", "pkr", "yuan", "renminbi", "rmb",
            "cny", "yen", "jpy", "pounds", "gbp", "won", "krw", "ringgit", "baht", "dong", "taka",
            "pesos", "peso", "reais", "real", "rand", "lira", "francs", "franc", "chf", "rs",
            "rs.", "cad", "aud",
        ],
    ),
    (Class::Day, &["day", "days"]),
    (Class::Week, &["week", "weeks"]),
    (Class::MonthUnit, &["month", "months"]),
    (Class::YearUnit, &["year", "years"]),
    (
        Class::MonthName,
        &[
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
            "jan",
            "feb",
            "mar",
            "apr",
            "jun",
            "jul",
            "aug",
            "sep",
            "sept",
            "oct",
            "nov",
            "dec",
        ],
    ),
    (
        Class::Weekday,
        &["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    ),
    (Class::Relative2, &["last", "this", "next", "past", "previous", "coming"]),
    (Class::Ago, &["ago"]),
    (Class::Part, &["mid", "early", "late", "end"]),
    (
        Class::NumberWord,
        &[
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
            "thirty",
            "forty",
            "fifty",
            "sixty",
            "seventy",
            "eighty",
            "ninety",
            "hundred",
        ],
    ),
    (
        Class::Worth,
        &[
            "worth",
            "valued",
            "totaling",
            "totalling",
            "totaled",
            "totalled",
            "amounted",
            "amounting",
            "reached",
            "reaching",
            "topped",
            "stood",
            "hit",
            "came",
            "rose",
            "grew",
            "climbed",
            "fell",
            "dropped",
            "declined",
            "widened",
            "narrowed",
            "surged",
            "jumped",
            "increased",
            "decreased",
            "was",
            "were",
            "is",
            "are",
            "of",
            "at",
            "reaches",
            "totals",
            "stands",
        ],
    ),
    (
        Class::Copula,
        &[
            "is", "was", "are", "were", "be", "been", "stands", "stood", "remains", "remained",
            "remain", "sits", "sat", "becomes", "became", "at", "goes", "went", "stays", "stay",
            "stayed", "holds", "hold", "held",
        ],
    ),
    (
        Class::Report,
        &[
            "said",
            "says",
            "say",
            "saying",
            "told",
            "tells",
            "announced",
            "announces",
            "announcing",
            "stated",
            "states",
            "declared",
            "declares",
            "wrote",
            "writes",
            "posted",
            "added",
            "confirmed",
            "confirms",
            "noted",
            "explained",
            "indicated",
            "revealed",
            "reported",
            "informed",
        ],
    ),
    (Class::Bringing, &["bringing", "taking", "pushing", "lifting", "raising", "putting"]),
    (
        Class::Preposition,
        &[
            "after",
            "before",
            "since",
            "as",
            "amid",
            "amidst",
            "despite",
            "following",
            "during",
            "under",
            "over",
            "about",
            "because",
            "due",
            "across",
            "within",
            "without",
            "via",
            "per",
            "toward",
            "towards",
            "around",
            "behind",
            "beyond",
            "near",
            "off",
            "out",
            "than",
            "unlike",
            "versus",
            "vs",
            "while",
            "if",
            "when",
            "where",
        ],
    ),
    (
        Class::Moved,
        &[
            "rose",
            "rises",
            "rise",
            "fell",
            "falls",
            "fall",
            "dropped",
            "drops",
            "drop",
            "jumped",
            "jumps",
            "climbed",
            "climbs",
            "slid",
            "slides",
            "plunged",
            "plunges",
            "gained",
            "gains",
            "lost",
            "loses",
            "declined",
            "declines",
            "surged",
            "surges",
            "soared",
            "soars",
            "tumbled",
            "tumbles",
            "sank",
            "sinks",
            "slipped",
            "slips",
            "shed",
            "sheds",
            "dipped",
            "dips",
            "grew",
            "grows",
            "shrank",
            "shrinks",
            "slumped",
            "rallied",
            "advanced",
            "retreated",
            "plummeted",
            "crashed",
            "spiked",
        ],
    ),
];
