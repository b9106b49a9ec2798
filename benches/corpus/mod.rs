//! A deterministic generator of realistic news-page text for the extraction benchmark and
//! `examples/gen_corpus.rs`: trade stories in many phrasings between many countries, wrapped
//! in the chrome real pages carry (repeated headlines, bylines, timestamps, "Read more"
//! lists, share prompts, a sidebar story) and padded with numbers of other kinds (markets,
//! sport, weather, subscriptions), so the extractor is timed on what it will really read.
//!
//! The same seed always gives the same corpus: a splitmix64 generator, no `rand`.

/// splitmix64: tiny, fast and good enough to vary text; the sequence is fixed per seed.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// One item of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Countries as articles name them: name, demonym, capital.
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("the United States", "American", "Washington"),
    ("Pakistan", "Pakistani", "Islamabad"),
    ("China", "Chinese", "Beijing"),
    ("India", "Indian", "New Delhi"),
    ("Canada", "Canadian", "Ottawa"),
    ("Mexico", "Mexican", "Mexico City"),
    ("Vietnam", "Vietnamese", "Hanoi"),
    ("Japan", "Japanese", "Tokyo"),
    ("South Korea", "South Korean", "Seoul"),
    ("Brazil", "Brazilian", "Brasilia"),
    ("the European Union", "European Union", "Brussels"),
    ("Bangladesh", "Bangladeshi", "Dhaka"),
    ("Indonesia", "Indonesian", "Jakarta"),
    ("Thailand", "Thai", "Bangkok"),
    ("Turkiye", "Turkish", "Ankara"),
    ("South Africa", "South African", "Pretoria"),
    ("Australia", "Australian", "Canberra"),
    ("the United Kingdom", "British", "London"),
    ("Switzerland", "Swiss", "Bern"),
    ("Sri Lanka", "Sri Lankan", "Colombo"),
    ("Malaysia", "Malaysian", "Kuala Lumpur"),
    ("Cambodia", "Cambodian", "Phnom Penh"),
    ("Egypt", "Egyptian", "Cairo"),
    ("Nigeria", "Nigerian", "Abuja"),
    ("Argentina", "Argentine", "Buenos Aires"),
];

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn money(r: &mut SplitMix64) -> String {
    let whole = 1 + r.below(60);
    match r.below(4) {
        0 => format!("${whole} billion"),
        1 => format!("${whole}.{} billion", r.below(100)),
        2 => format!("US${whole}bn"),
        _ => format!("${} million", 100 + r.below(900)),
    }
}

fn trade_sentence(r: &mut SplitMix64, a: &(&str, &str, &str), b: &(&str, &str, &str)) -> String {
    let rate = 5 + r.below(140);
    let year = 2018 + r.below(8);
    let m = money(r);
    let month = r.pick(MONTHS);
    let day = 1 + r.below(28);
    let q = *r.pick(&["", "over ", "about ", "nearly ", "more than ", "around ", "up to "]);
    let (an, ad, ac) = *a;
    let (bn, bd, bc) = *b;
    match r.below(22) {
        0 => format!("{} imposed a {rate}% tariff on {bd} goods, officials said.", cap(an)),
        1 => format!(
            "{}, which was hit with a {rate} percent tariff, is seeking talks with {ac}.",
            cap(bn)
        ),
        2 => format!("{} has a {rate} percent tariff on imports from {an}.", cap(bn)),
        3 => format!(
            "{ac} cut its tariff on {bd} steel from {} percent to {rate} percent on {month} {day}.",
            rate + 20
        ),
        4 => format!(
            "{} announced an additional 25% tariff on {bn}, bringing the total to {}%.",
            cap(an),
            rate + 25
        ),
        5 => format!("A {rate}% baseline tariff now applies to all imports to {an}."),
        6 => format!("Bilateral trade between {an} and {bn} reached {q}{m} in {year}."),
        7 => format!("In {year}, two-way trade stood at {m}, according to customs data."),
        8 => format!(
            "The {ad} goods trade deficit with {bn} was {m} in {year}, a {}.{} percent increase over {}.",
            r.below(9),
            r.below(9),
            year - 1
        ),
        9 => format!("{} exported {q}{m} worth of goods to {an} in {year}.", cap(bn)),
        10 => format!("{} imported {q}{m} worth of goods from {bn} last year.", cap(an)),
        11 => format!("{ac} agreed to a 90-day pause on the tariffs starting {month} {day}."),
        12 => format!(
            "The tariffs on {bd} goods remain suspended until {month}, officials in {bc} said."
        ),
        13 => {
            format!("{ac} extended the pause on tariffs to {month} {day}, giving {bc} more time.")
        }
        14 => format!("The tariff pause ended on {month} {day} after talks with {bn} collapsed."),
        15 => format!("These tariffs could cost {bn} {m} over five years, a think tank estimated."),
        16 => format!(
            "Economists expect {ad} tariffs to lift consumer prices by {}.{}% this year.",
            r.below(3),
            r.below(9)
        ),
        17 => format!("{} threatened a {rate}% tariff on {bd} cars if talks fail.", cap(an)),
        18 => format!("Exports from {bn} to {an} rose to {m} in {year}, the ministry said."),
        19 => format!("{} ran a trade surplus of {m} with {an} in {year}.", cap(bn)),
        20 => format!("{ac} and {bc} aim to raise bilateral trade to {m} by {}.", year + 5),
        _ => format!("The {rate}% {ad} tariff has hit {bd} exporters of textiles and garments."),
    }
}

fn filler_sentence(r: &mut SplitMix64, a: &(&str, &str, &str)) -> String {
    let n = 2 + r.below(90);
    let (an, ad, ac) = *a;
    match r.below(16) {
        0 => format!(
            "Shares in {ad} exporters fell {}.{}% in early trading on Monday.",
            r.below(9),
            r.below(9)
        ),
        1 => format!("The cricket board raised match fees by {n}% for the coming season."),
        2 => "Subscribe for $1 a week to read unlimited stories.".to_string(),
        3 => format!("Textile mills, which employ millions in {an}, warned of layoffs."),
        4 => {
            format!("Temperatures in {ac} reached {n} degrees on Sunday, the weather office said.")
        }
        5 => format!(
            "The central bank kept its policy rate at {}.{} percent for a third meeting.",
            r.below(20),
            r.below(9)
        ),
        6 => format!("Around {n},000 people attended the rally in {ac}, police said."),
        7 => format!("The minister said talks would continue next week in {ac}."),
        8 => format!(
            "Analysts said the outlook for {ad} growth remained uncertain despite the talks."
        ),
        9 => format!(
            "Inflation eased to {}.{}% in {}, the statistics bureau said.",
            r.below(12),
            r.below(9),
            r.pick(MONTHS)
        ),
        10 => format!(
            "The company said it would hire {n}0 engineers and open {} offices.",
            1 + r.below(9)
        ),
        11 => format!(
            "Officials in {ac} declined to comment on the report, citing the ongoing negotiations."
        ),
        12 => format!(
            "The stock index closed up {} points at {},{}{}{}.",
            r.below(400),
            10 + r.below(50),
            r.below(10),
            r.below(10),
            r.below(10)
        ),
        13 => format!(
            "Mr. Khan met U.S. officials on Nov. {} to discuss investment and energy.",
            1 + r.below(28)
        ),
        14 => {
            format!("Dr. Smith said the {n}-page report would be released in {}.", r.pick(MONTHS))
        }
        _ => format!("The delegation will also visit {ac} for meetings with business leaders."),
    }
}

/// One article page of roughly `target` bytes.
pub(crate) fn article(r: &mut SplitMix64, target: usize) -> String {
    let a = r.pick(COUNTRIES);
    let mut b = r.pick(COUNTRIES);
    while b.0 == a.0 {
        b = r.pick(COUNTRIES);
    }
    let headline = format!("{} and {} hold talks on tariffs and trade", cap(a.0), b.0);
    let mut out = String::with_capacity(target + 1024);
    out.push_str(&headline);
    out.push_str("\n\n");
    out.push_str(&headline);
    out.push('\n');
    out.push_str(&format!(
        "Updated {:02} {} 20{}\n",
        1 + r.below(28),
        r.pick(MONTHS),
        20 + r.below(6)
    ));
    out.push_str("Share on X  |  Share on Facebook\n\n");
    out.push_str(&format!("{}: ", b.2.to_uppercase()));
    while out.len() < target {
        let sentences = 2 + r.below(5);
        for i in 0..sentences {
            let s = if r.below(10) < 3 { trade_sentence(r, a, b) } else { filler_sentence(r, a) };
            if i > 0 {
                out.push(' ');
                if r.below(6) == 0 {
                    out.push(' ');
                }
            }
            out.push_str(&s);
        }
        out.push('\n');
        if r.below(8) == 0 {
            out.push_str("\nRead more:\n");
            for _ in 0..3 {
                let c = r.pick(COUNTRIES);
                out.push_str(&format!("• {} eyes new markets as tariffs bite\n", cap(c.0)));
            }
        }
        if r.below(12) == 0 {
            out.push_str("ALSO READ: Stocks rally 3% as investors cheer trade talks\n");
        }
    }
    out.push_str("— By Staff Reporter\n\n");
    if r.below(2) == 0 {
        let c = r.pick(COUNTRIES);
        let side = format!("{} cricket board raises fees ahead of the new season", cap(c.0));
        out.push_str(&format!("{side}\n\n{side}\nUpdated 7 sec ago\n\n"));
        out.push_str(&format!(
            "The {} cricket board raised player fees by 20% on Tuesday. Bilateral trade reached $2 billion last year, the board chairman noted.\n",
            c.1
        ));
    }
    out
}

/// Articles adding up to at least `bytes`, from `seed`.
pub(crate) fn corpus(seed: u64, bytes: usize) -> Vec<String> {
    let mut r = SplitMix64::new(seed);
    let mut out = Vec::new();
    let mut total = 0;
    while total < bytes {
        let size = 2000 + r.below(6000);
        let a = article(&mut r, size);
        total += a.len();
        out.push(a);
    }
    out
}
