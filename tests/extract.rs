//! Extraction tests on articles written for this project: each construction with several
//! countries and wordings, each trap, scope, pauses and their deadlines, trade figures,
//! packs, bad input, and properties that arbitrary text never panics. The seeds and the
//! real-news dev set are scored against their gold in `tests/cli.rs`; whole written
//! articles in every format are in `tests/corpus.rs`.

use std::sync::OnceLock;

use factwatch::extract::{Extraction, Extractor, PackText};
use factwatch::model::{Article, ArticleDate, Claim, DateOrigin, Kind};
use jiff::civil::{Date, date};

fn extractor() -> &'static Extractor {
    static EXTRACTOR: OnceLock<Extractor> = OnceLock::new();
    EXTRACTOR.get_or_init(|| {
        let pack = Extractor::builtin("trade").expect("the trade pack is built in");
        Extractor::new(&[pack]).expect("the trade pack compiles")
    })
}

/// An article date stated by the article itself.
fn stated(d: Date) -> ArticleDate {
    ArticleDate { date: d, origin: DateOrigin::Dateline }
}

/// An article date guessed from the file's modification time.
fn mtime(d: Date) -> ArticleDate {
    ArticleDate { date: d, origin: DateOrigin::FileModified }
}

fn article(text: &str, when: ArticleDate) -> Article {
    Article {
        source: "fixtures/test.txt".into(),
        title: None,
        url: None,
        text: text.into(),
        date: when,
        content_hash: String::new(),
    }
}

/// April 10, 2025, stated.
fn d0() -> ArticleDate {
    stated(date(2025, 4, 10))
}

/// July 15, 2025, stated.
fn d7() -> ArticleDate {
    stated(date(2025, 7, 15))
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The invariants every claim keeps, whatever the input.
fn assert_valid(a: &Article, claims: &[Claim]) {
    let mut keys = std::collections::HashSet::new();
    for c in claims {
        assert!(keys.insert(c.key.clone()), "two claims for {}", c.key);
        let [s, e] = c.span;
        assert!(s <= e && e <= a.text.len(), "span {s}..{e} outside the text");
        assert!(a.text.is_char_boundary(s) && a.text.is_char_boundary(e), "span off char boundary");
        if s < e {
            assert_eq!(collapse(&a.text[s..e]), c.quote, "quote is not the span");
        } else {
            assert_eq!(
                Some(c.quote.as_str()),
                a.title.as_deref().map(str::trim),
                "an empty span quotes the title"
            );
        }
        assert_eq!(c.source, a.source);
        assert_eq!(c.as_of, a.date.date);
        assert!(!c.quote.contains('\n'));
        match c.kind {
            Kind::Figure => assert!(c.value.is_some() && c.unit.is_some() && c.status.is_none()),
            Kind::Status => assert!(c.value.is_none() && c.status.is_some()),
        }
    }
}

/// A claim as a line: `tariff_rate:US:PK = 29`, `exports:PK:US@2023 = 5000000000 over`,
/// `tariff_pause:US = active until 2025-07-09`, `tariff_pause:US:CN = ended`.
fn line(c: &Claim) -> String {
    let mut s = format!("{} = ", c.key);
    match c.kind {
        Kind::Figure => {
            let v = c.value.unwrap_or(f64::NAN);
            if v.fract() == 0.0 {
                s.push_str(&format!("{v:.0}"))
            } else {
                s.push_str(&format!("{v}"))
            }
        }
        Kind::Status => {
            s.push_str(c.status.as_deref().unwrap_or("?"));
            if let Some(u) = c.until {
                s.push_str(&format!(" until {u}"));
            }
        }
    }
    if let Some(q) = c.qualifier {
        s.push(' ');
        s.push_str(q.as_str());
    }
    s
}

/// Extracts `text` and asserts the claims are exactly `expected` (as `line`s, any order).
fn check(text: &str, when: ArticleDate, expected: &[&str]) -> Extraction {
    let a = article(text, when);
    let x = extractor().extract(&a);
    assert_valid(&a, &x.claims);
    let mut got: Vec<String> = x.claims.iter().map(line).collect();
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "\ntext: {text}\nclaims: {:#?}", x.claims);
    x
}

/// Checks a table of cases, reporting every failing one at once.
fn table(cases: &[(&str, ArticleDate, &[&str])]) {
    let mut failed = Vec::new();
    for (text, when, expected) in cases {
        let a = article(text, *when);
        let x = extractor().extract(&a);
        assert_valid(&a, &x.claims);
        let mut got: Vec<String> = x.claims.iter().map(line).collect();
        let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        got.sort();
        want.sort();
        if got != want {
            failed.push(format!("{text}\n    want {want:?}\n    got  {got:?}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}

// --- Rate phrases: one construction, every wording and country ------------------------------

#[test]
fn rate_before_the_tariff_word_in_every_wording() {
    table(&[
        (
            "The United States imposed a 34% duty on Peruvian goods.",
            d0(),
            &["tariff_rate:US:PE = 34"],
        ),
        (
            "Washington set a 46 per cent levy on imports from Laos.",
            d0(),
            &["tariff_rate:US:LA = 46"],
        ),
        (
            "The White House announced a 21-percent tariff on Kenyan exports.",
            d0(),
            &["tariff_rate:US:KE = 21"],
        ),
        (
            "Ottawa slapped 25 percent tariffs on goods from the United States.",
            d0(),
            &["tariff_rate:CA:US = 25"],
        ),
        ("Ankara applied a 40% import tax on goods from China.", d0(), &["tariff_rate:TR:CN = 40"]),
        (
            "Trump announced a twenty percent tariff on Chilean goods.",
            d0(),
            &["tariff_rate:US:CL = 20"],
        ),
    ]);
}

#[test]
fn tariff_word_of_rate_in_every_wording() {
    table(&[
        (
            "The U.S. imposed tariffs of 25 percent on goods from Colombia.",
            d0(),
            &["tariff_rate:US:CO = 25"],
        ),
        ("Brussels set a rate of 19% for Moroccan products.", d0(), &["tariff_rate:EU:MA = 19"]),
        (
            "India announced an import duty of 30% on Australian wool products.",
            d0(),
            &["tariff_rate:IN:AU = 30"],
        ),
        (
            "Mexico will charge a tariff of 15% on imports from Taiwan.",
            d0(),
            &["tariff_rate:MX:TW = 15"],
        ),
    ]);
}

#[test]
fn reciprocal_and_zero_rates() {
    table(&[
        (
            "The U.S. unveiled a 32% reciprocal tariff on Taiwanese goods.",
            d0(),
            &["tariff_rate:US:TW = 32"],
        ),
        (
            "Under the deal, Norway will apply zero tariffs on American goods.",
            d0(),
            &["tariff_rate:NO:US = 0"],
        ),
        (
            "Fiji was given a 17% reciprocal tariff by Washington.",
            d0(),
            &["tariff_rate:US:FJ = 17"],
        ),
    ]);
}

// --- Origin and destination phrases ----------------------------------------------------------

#[test]
fn origin_phrases_name_the_target() {
    table(&[
        ("The U.S. set a 24% tariff on Malaysian goods.", d0(), &["tariff_rate:US:MY = 24"]),
        ("The U.S. set a 24% tariff on imports from Malaysia.", d0(), &["tariff_rate:US:MY = 24"]),
        ("The U.S. set a 24% tariff on Malaysia's exports.", d0(), &["tariff_rate:US:MY = 24"]),
        ("The U.S. set a 24% tariff on products of Malaysia.", d0(), &["tariff_rate:US:MY = 24"]),
        (
            "Canada imposed a 15% duty on products made in Hungary.",
            d0(),
            &["tariff_rate:CA:HU = 15"],
        ),
        (
            "The EU placed a 12% levy on goods coming from Ukraine.",
            d0(),
            &["tariff_rate:EU:UA = 12"],
        ),
    ]);
}

#[test]
fn a_destination_names_the_imposer() {
    table(&[
        (
            "A 27% tariff now applies to Ecuadorian goods entering the United States.",
            d0(),
            &["tariff_rate:US:EC = 27"],
        ),
        (
            "A 10% duty applies to all imports into the European Union.",
            d0(),
            &["baseline_tariff_rate:EU = 10"],
        ),
        (
            "Officials said a minimum 10% tariff covers nearly all goods entering the United States.",
            d0(),
            &["baseline_tariff_rate:US = 10"],
        ),
    ]);
}

// --- Clause frames --------------------------------------------------------------------------

#[test]
fn imposer_verb_rate_on_origin() {
    table(&[
        ("China raised its tariff on Canadian canola to 100%.", d0(), &[]),
        ("China raised its tariff on Canadian goods to 100%.", d0(), &["tariff_rate:CN:CA = 100"]),
        ("Washington cut its duty on Uruguayan goods to 10%.", d0(), &["tariff_rate:US:UY = 10"]),
        ("India slapped a 20% tariff on Bangladeshi imports.", d0(), &["tariff_rate:IN:BD = 20"]),
        (
            "Brazil levied a 35% tariff on imports from Argentina.",
            d0(),
            &["tariff_rate:BR:AR = 35"],
        ),
    ]);
}

#[test]
fn the_party_that_bears_the_tariff() {
    table(&[
        ("Peru faces a 10% tariff.", d0(), &["tariff_rate:US:PE = 10"]),
        ("Jordan was hit with a 20% duty, the U.S. said.", d0(), &["tariff_rate:US:JO = 20"]),
        ("Under the order, Ghana was assigned a 15% tariff.", d0(), &["tariff_rate:US:GH = 15"]),
        (
            "Iceland gets a 10% rate under the new U.S. tariff schedule.",
            d0(),
            &["tariff_rate:US:IS = 10"],
        ),
        (
            "Nepal will pay a 12% tariff on its shipments to the United States.",
            d0(),
            &["tariff_rate:US:NP = 12"],
        ),
        (
            "Qatar will be subjected to a 15% tariff from August 1.",
            d7(),
            &["tariff_rate:US:QA = 15"],
        ),
        (
            "Sri Lanka, which was hit with a 44% tariff in April, is seeking talks.",
            d7(),
            &["tariff_rate:US:LK = 44"],
        ),
    ]);
}

#[test]
fn the_us_will_charge_a_party_a_rate() {
    table(&[
        (
            "Trump hit Nigeria with 14 per cent tariffs on Tuesday.",
            d0(),
            &["tariff_rate:US:NG = 14"],
        ),
        (
            "Goods from Tunisia will be charged a 25% tariff when they enter the U.S.",
            d0(),
            &["tariff_rate:US:TN = 25"],
        ),
        (
            "Indonesia will pay the United States a 19% tariff on everything it sells there.",
            d0(),
            &["tariff_rate:US:ID = 19"],
        ),
    ]);
}

#[test]
fn a_partys_rate_was_set_makes_it_the_target() {
    table(&[
        (
            "Kazakhstan's tariff rate was set at 25%, the White House said.",
            d0(),
            &["tariff_rate:US:KZ = 25"],
        ),
        (
            "Under the schedule, Mauritius's rate is 40%, among the highest for any tariff.",
            d0(),
            &["tariff_rate:US:MU = 40"],
        ),
        (
            "Canada's tariff on imports from China is 100%, Ottawa said.",
            d0(),
            &["tariff_rate:CA:CN = 100"],
        ),
    ]);
}

#[test]
fn relative_clauses_keep_their_own_parties() {
    table(&[
        (
            "Trump announced a 29 percent tariff on goods from Pakistan, which has a 58 percent tariff on imports from the United States.",
            d0(),
            &["tariff_rate:US:PK = 29", "tariff_rate:PK:US = 58"],
        ),
        (
            "Washington set a 31 percent tariff on Swiss goods; Switzerland, which charges a 6 percent tariff on American products, called it unfair.",
            d0(),
            &["tariff_rate:US:CH = 31", "tariff_rate:CH:US = 6"],
        ),
    ]);
}

#[test]
fn two_clauses_two_imposers() {
    table(&[
        (
            "The U.S. will lower its tariff on Chinese goods from 145% to 30%, while China will reduce its duties on U.S. imports from 125% to 10%.",
            d0(),
            &["tariff_rate:US:CN = 30", "tariff_rate:CN:US = 10"],
        ),
        (
            "Canada imposed a 25% tariff on American goods, and the United States kept its 35% tariff on Canadian goods.",
            d0(),
            &["tariff_rate:CA:US = 25", "tariff_rate:US:CA = 35"],
        ),
    ]);
}

// --- Coordination and gapping ---------------------------------------------------------------

#[test]
fn one_rate_for_several_targets() {
    table(&[
        (
            "The U.S. set a 19 percent tariff on imports from Laos, Myanmar and Nepal.",
            d0(),
            &["tariff_rate:US:LA = 19", "tariff_rate:US:MM = 19", "tariff_rate:US:NP = 19"],
        ),
        (
            "A 15% duty now applies to goods from Chile and Peru, Washington said.",
            d0(),
            &["tariff_rate:US:CL = 15", "tariff_rate:US:PE = 15"],
        ),
        (
            "The U.S. announced new 25 percent tariffs on imports from 14 nations, including Kenya and Ghana.",
            d0(),
            &["tariff_rate:US:KE = 25", "tariff_rate:US:GH = 25"],
        ),
    ]);
}

#[test]
fn rates_paired_with_parties_and_gapped_clauses() {
    table(&[
        (
            "The new U.S. tariffs are Peru 18%, Chile 12% and Colombia 15%.",
            d0(),
            &["tariff_rate:US:PE = 18", "tariff_rate:US:CL = 12", "tariff_rate:US:CO = 15"],
        ),
        (
            "Kenya was hit with a 21% duty, Ghana with 17% and Nigeria with 14%.",
            d0(),
            &["tariff_rate:US:KE = 21", "tariff_rate:US:GH = 17", "tariff_rate:US:NG = 14"],
        ),
        (
            "Under the U.S. tariff order, Egypt faces 10%, Morocco 10% and Tunisia 28%.",
            d0(),
            &["tariff_rate:US:EG = 10", "tariff_rate:US:MA = 10", "tariff_rate:US:TN = 28"],
        ),
    ]);
}

// --- Lists ----------------------------------------------------------------------------------

#[test]
fn a_list_under_a_tariff_line() {
    check(
        "The White House listed the new tariffs on Wednesday:\n- Lesotho – 50%\n- Madagascar – 47%\n- Mauritius – 40%\n\nOfficials said more would follow.",
        d0(),
        &["tariff_rate:US:LS = 50", "tariff_rate:US:MG = 47", "tariff_rate:US:MU = 40"],
    );
    check(
        "Reciprocal tariff rates announced by Washington\nLesotho: 50%\nCambodia: 49%\nLaos: 48%\n",
        d0(),
        &["tariff_rate:US:LS = 50", "tariff_rate:US:KH = 49", "tariff_rate:US:LA = 48"],
    );
}

#[test]
fn a_list_of_figures_without_a_tariff_line_gives_nothing() {
    check("Growth forecasts for 2025:\n- Peru – 3%\n- Chile – 2%\n", d0(), &[]);
}

#[test]
fn a_pipe_table_reads_its_header() {
    check(
        "New U.S. tariff rates\n\n| Country | Reciprocal tariff |\n|---|---|\n| Peru | 18% |\n| Chile | 12% |\n| Ghana | 17% |\n",
        d0(),
        &["tariff_rate:US:PE = 18", "tariff_rate:US:CL = 12", "tariff_rate:US:GH = 17"],
    );
}

#[test]
fn a_table_with_charged_to_the_usa_has_two_directions() {
    check(
        "| Country | Tariffs charged to the USA | USA discounted reciprocal tariff |\n|---|---|---|\n| Taiwan | 64% | 32% |\n| Israel | 33% | 17% |\n",
        d0(),
        &[
            "tariff_rate:TW:US = 64",
            "tariff_rate:US:TW = 32",
            "tariff_rate:IL:US = 33",
            "tariff_rate:US:IL = 17",
        ],
    );
}

#[test]
fn a_table_with_old_and_new_rates_takes_the_new() {
    check(
        "| Country | Previous tariff | New tariff |\n|---|---|---|\n| Laos | 48% | 40% |\n| Myanmar | 44% | 40% |\n| Brazil | 10% |\n",
        d7(),
        &["tariff_rate:US:LA = 40", "tariff_rate:US:MM = 40"],
    );
}

// --- Headlines ------------------------------------------------------------------------------

#[test]
fn headlines_state_the_news() {
    table(&[
        (
            "Trump slaps 19% tariff on Pakistan exports\n\nThe move follows weeks of talks.",
            d0(),
            &["tariff_rate:US:PK = 19"],
        ),
        (
            "US hits Kenyan goods with 21% tariff\n\nNairobi said it would seek talks.",
            d0(),
            &["tariff_rate:US:KE = 21"],
        ),
        (
            "Canada Imposes 25% Tariff On U.S. Goods\n\nThe measure takes effect on Friday.",
            d0(),
            &["tariff_rate:CA:US = 25"],
        ),
    ]);
}

// --- Modality and time ----------------------------------------------------------------------

#[test]
fn threatened_rates_are_threats_not_rates() {
    table(&[
        ("Trump threatened a 50% tariff on Peruvian goods.", d0(), &["tariff_threat:US:PE = 50"]),
        ("The U.S. proposed a 30% duty on Chilean goods.", d0(), &["tariff_threat:US:CL = 30"]),
        ("Egypt could face a 25% tariff if talks fail.", d0(), &["tariff_threat:US:EG = 25"]),
        (
            "Washington floated a 40 percent levy on imports from Myanmar.",
            d0(),
            &["tariff_threat:US:MM = 40"],
        ),
        (
            "Without a deal, Norway would have faced a 15% tariff.",
            d0(),
            &["tariff_threat:US:NO = 15"],
        ),
        (
            "The accord averts a 30% tariff the United States was set to impose on Icelandic goods.",
            d0(),
            &["tariff_threat:US:IS = 30"],
        ),
    ]);
}

#[test]
fn a_rate_the_article_says_was_only_threatened_is_not_current() {
    check(
        "Ghana will face a 15% tariff, down from the 25% Trump had originally threatened.",
        d7(),
        &["tariff_rate:US:GH = 15"],
    );
}

#[test]
fn from_a_to_b_takes_the_new_rate() {
    let x = check(
        "The United States will cut its tariff on Vietnamese goods from 46% to 20% next week.",
        d0(),
        &["tariff_rate:US:VN = 20"],
    );
    assert_eq!(x.claims[0].stated_previous, Some(46.0));
    table(&[
        (
            "Washington lowered the duty on Chilean goods to 10%, down from 25%.",
            d0(),
            &["tariff_rate:US:CL = 10"],
        ),
        (
            "The U.S. raised its tariff on Ukrainian goods to 30% from 10%.",
            d0(),
            &["tariff_rate:US:UA = 30"],
        ),
        (
            "The U.S. imposed a 29% tariff on Pakistani goods in April. On Monday, Washington cut the tariff on Pakistan to 19%.",
            d0(),
            &["tariff_rate:US:PK = 19"],
        ),
    ]);
}

#[test]
fn an_additional_rate_and_its_total() {
    check(
        "The United States imposed an additional 25% tariff on India, bringing the total to 50%.",
        d0(),
        &["tariff_rate:US:IN = 50"],
    );
    check(
        "Washington added a further 20% duty on Nepalese goods, taking the total tariff to 30%.",
        d0(),
        &["tariff_rate:US:NP = 30"],
    );
}

#[test]
fn ranges_averages_and_other_numbers_are_not_rates() {
    table(&[
        ("Trump said the rates would range between 10% and 70%.", d0(), &[]),
        ("Letters went to 14 countries setting tariffs ranging from 25% to 40%.", d0(), &[]),
        ("The average effective U.S. tariff rate is now 18.2%.", d0(), &[]),
        ("Chile's average tariff on U.S. goods is 6%, officials in Washington said.", d0(), &[]),
        ("The U.S. imposed a 25% tariff on Mexican steel.", d0(), &[]),
        ("Auto tariffs could rise to 30-35 percent, Trump warned.", d0(), &[]),
        ("Tariff revenue hit $30 billion in July, 10% of federal receipts.", d0(), &[]),
        ("The Dow fell 2.5% as investors weighed the new tariffs.", d0(), &[]),
        ("The central bank kept its policy rate at 4.5 percent despite the tariffs.", d0(), &[]),
        ("This rate is 2% lower than the initial tariff on Kenya.", d0(), &[]),
        ("The U.S. will charge up to 70% tariffs on some countries.", d0(), &[]),
        ("Tariffs of 15% or 20% could apply to most other partners.", d0(), &[]),
        ("Shares of Peruvian exporters fell 3% after the tariff news.", d0(), &[]),
        ("About 85 per cent of Chilean exports to the US qualify for lower tariffs.", d0(), &[]),
    ]);
}

#[test]
fn telecom_tariffs_are_not_trade() {
    check(
        "Telecom tariff hike ahead: operators in Kenya may raise plan prices by 10% next quarter.",
        d0(),
        &[],
    );
}

#[test]
fn hedged_figures_are_not_rates_but_hedged_amounts_stay() {
    check(
        "Pakistan and the U.S. met again. Bilateral trade reached nearly $6 billion in 2023. Pakistan exported more than $5 billion to the U.S. in 2023. The total tariff may exceed 50%.",
        d0(),
        &["trade_volume:PK:US@2023 = 6000000000 about", "exports:PK:US@2023 = 5000000000 over"],
    );
}

// --- Scope ----------------------------------------------------------------------------------

#[test]
fn baseline_versus_country_rates() {
    table(&[
        (
            "The U.S. announced a 10% baseline tariff on all imports and a 29% tariff on Pakistani goods.",
            d0(),
            &["baseline_tariff_rate:US = 10", "tariff_rate:US:PK = 29"],
        ),
        (
            "A 10% universal tariff on imported goods from all countries remains in effect.",
            d0(),
            &["baseline_tariff_rate:US = 10"],
        ),
        (
            "The deal imposes a 20 percent tariff on all imports from Colombia.",
            d0(),
            &["tariff_rate:US:CO = 20"],
        ),
        (
            "Importers from most countries will continue to pay a 10% duty.",
            d0(),
            &["baseline_tariff_rate:US = 10"],
        ),
        (
            "The U.S. kept the lowest global tariff rate at 10%.",
            d0(),
            &["baseline_tariff_rate:US = 10"],
        ),
    ]);
}

#[test]
fn a_general_pause_with_one_exception() {
    check(
        "The order extends the pause on country-specific tariffs until August 1, 2025, with one major exception: Peru. For Peruvian goods the suspension remains in place until August 12, 2025.",
        d7(),
        &[
            "tariff_pause:US = active until 2025-08-01",
            "tariff_pause:US:PE = active until 2025-08-12",
        ],
    );
}

#[test]
fn a_pause_for_most_countries_is_the_general_pause() {
    table(&[
        (
            "Trump announced a 90-day pause on tariffs for most other countries.",
            d0(),
            &["tariff_pause:US = active until 2025-07-09"],
        ),
        (
            "Washington granted a 90-day tariff pause for over 60 countries.",
            d0(),
            &["tariff_pause:US = active until 2025-07-09"],
        ),
        (
            "US and Pakistan resume tariff talks\n\nWASHINGTON: Pakistani negotiators met US officials on Monday about the 29% tariff on Pakistani goods. The U.S. pause on the higher tariffs runs until July 9.",
            d0(),
            &["tariff_rate:US:PK = 29", "tariff_pause:US = active until 2025-07-09"],
        ),
    ]);
}

// --- Pauses and deadlines -------------------------------------------------------------------

#[test]
fn pauses_and_their_deadlines_in_many_wordings() {
    table(&[
        (
            "The White House extends the suspension of tariffs through August 1.",
            d7(),
            &["tariff_pause:US = active until 2025-08-01"],
        ),
        (
            "The U.S. and China agreed to extend their trade truce to November 10.",
            stated(date(2025, 8, 11)),
            &["tariff_pause:US:CN = active until 2025-11-10"],
        ),
        (
            "Mexico secured a new tariff reprieve from Washington, officials said.",
            d7(),
            &["tariff_pause:US:MX = active"],
        ),
        (
            "Washington agreed to a 90-day pause on tariffs on Chinese goods starting April 9.",
            d0(),
            &["tariff_pause:US:CN = active until 2025-07-08"],
        ),
        (
            "Washington agreed to a three-month pause on tariffs on Kenyan goods starting April 9.",
            d0(),
            &["tariff_pause:US:KE = active until 2025-07-09"],
        ),
        (
            "The tariffs on Peruvian goods remain suspended until July, officials said.",
            d0(),
            &["tariff_pause:US:PE = active until 2025-07"],
        ),
        (
            "The U.S. paused its tariffs on the European Union until July 9. On Monday, Washington extended the pause to August 1.",
            d0(),
            &["tariff_pause:US:EU = active until 2025-08-01"],
        ),
        (
            "The United States extended the pause on tariffs on Chilean goods to August 1.",
            d0(),
            &["tariff_pause:US:CL = active until 2025-08-01"],
        ),
    ]);
}

#[test]
fn a_pause_for_several_named_parties_is_one_pause_each() {
    table(&[
        (
            "Washington paused the tariffs on goods from Pakistan and Vietnam until July 9.",
            d0(),
            &[
                "tariff_pause:US:PK = active until 2025-07-09",
                "tariff_pause:US:VN = active until 2025-07-09",
            ],
        ),
        (
            "Higher tariffs on Kenyan, Ghanaian and Peruvian goods are on hold until August 1.",
            d7(),
            &[
                "tariff_pause:US:KE = active until 2025-08-01",
                "tariff_pause:US:GH = active until 2025-08-01",
                "tariff_pause:US:PE = active until 2025-08-01",
            ],
        ),
        (
            "Trump paused the new tariffs. The suspension, which runs until July 9, applies to Chile and Peru.",
            d0(),
            &[
                "tariff_pause:US = active",
                "tariff_pause:US:CL = active until 2025-07-09",
                "tariff_pause:US:PE = active until 2025-07-09",
            ],
        ),
        (
            "The tariff pause covers Mexico and Canada until March 4, officials said.",
            stated(date(2025, 2, 3)),
            &[
                "tariff_pause:US:MX = active until 2025-03-04",
                "tariff_pause:US:CA = active until 2025-03-04",
            ],
        ),
    ]);
}

#[test]
fn a_party_left_out_of_a_pause_has_no_pause() {
    table(&[
        (
            "Trump suspended the higher tariffs on most countries until July 9. China was left out of the reprieve.",
            d0(),
            &["tariff_pause:US = active until 2025-07-09"],
        ),
        (
            "The EU paused its counter-tariffs for 90 days. Norway is excluded from the pause, officials said.",
            d0(),
            &["tariff_pause:EU = active until 2025-07-09"],
        ),
    ]);
}

#[test]
fn ended_and_expired_pauses() {
    table(&[
        (
            "The U.S. paused its tariffs on Chinese goods in April. On Monday, Washington announced it was ending the pause.",
            d0(),
            &["tariff_pause:US:CN = ended"],
        ),
        (
            "The U.S. suspended its tariffs on Canadian goods for 30 days. The pause expired on Friday.",
            d0(),
            &["tariff_pause:US:CA = expired until 2025-04-04"],
        ),
        (
            "Washington lifted the pause on tariffs on Indian goods on Tuesday.",
            d0(),
            &["tariff_pause:US:IN = ended"],
        ),
    ]);
}

#[test]
fn denied_or_undecided_pauses_give_nothing() {
    table(&[
        (
            "Bessent said the new date does not mean the 90-day tariff pause has been extended.",
            d7(),
            &[],
        ),
        ("Officials could extend the tariff pause if talks progress.", d7(), &[]),
        ("Pakistan and Afghanistan paused peace talks until July 9.", d0(), &[]),
        (
            "Leaders from Thailand and Cambodia agreed to a truce to end the border fighting.",
            d7(),
            &[],
        ),
    ]);
}

#[test]
fn pause_deadline_without_a_stated_date_is_left_empty_with_a_warning() {
    let x = check(
        "The U.S. tariffs on Pakistani goods remain suspended until July, before the freeze expires.",
        mtime(date(2025, 4, 10)),
        &["tariff_pause:US:PK = active"],
    );
    assert!(x.warnings.iter().any(|w| w.contains("\"July\"")), "{:?}", x.warnings);
}

// --- Trade figures --------------------------------------------------------------------------

#[test]
fn exports_stated_by_the_seller_or_the_buyer() {
    table(&[
        (
            "Kenya exported $700 million of goods to the U.S. in 2024.",
            d0(),
            &["exports:KE:US@2024 = 700000000"],
        ),
        (
            "Chilean exports to the United States topped $16 billion in 2023.",
            d0(),
            &["exports:CL:US@2023 = 16000000000 over"],
        ),
        (
            "Japan's exports to the U.S. reached $148 billion in 2024.",
            d0(),
            &["exports:JP:US@2024 = 148000000000"],
        ),
        (
            "South Korea imported $66 billion of American goods in 2024.",
            d0(),
            &["exports:US:KR@2024 = 66000000000"],
        ),
        (
            "Peru exported $9.1 billion worth of goods to the US in 2024, while imports from there amounted to $11.4 billion.",
            d0(),
            &["exports:PE:US@2024 = 9100000000", "exports:US:PE@2024 = 11400000000"],
        ),
        (
            "The U.S. imported $40.2 billion in goods from Israel and exported $20.6 billion in 2024.",
            d0(),
            &["exports:IL:US@2024 = 40200000000", "exports:US:IL@2024 = 20600000000"],
        ),
    ]);
}

#[test]
fn two_way_trade_in_its_wordings() {
    table(&[
        (
            "Trade between India and the U.S. totaled $190 billion in 2024.",
            d0(),
            &["trade_volume:IN:US@2024 = 190000000000"],
        ),
        (
            "Bilateral trade between Ghana and the United States was worth $2.8 billion in 2024.",
            d0(),
            &["trade_volume:GH:US@2024 = 2800000000"],
        ),
        (
            "Pakistan and the United States held talks on Monday. In 2021, bilateral trade reached $5 billion, with Pakistan selling textiles to the U.S. market.",
            d0(),
            &["trade_volume:PK:US@2021 = 5000000000"],
        ),
    ]);
}

#[test]
fn deficits_and_the_other_sides_surplus() {
    table(&[
        (
            "The U.S. goods trade deficit with Peru was $1.2 billion in 2024.",
            d0(),
            &["trade_deficit:US:PE@2024 = 1200000000"],
        ),
        (
            "Chile ran a trade surplus of $3.4 billion with the U.S. in 2024.",
            d0(),
            &["trade_deficit:US:CL@2024 = 3400000000"],
        ),
        (
            "Vietnam's trade surplus with the United States was $123.5 billion in 2024.",
            d0(),
            &["trade_deficit:US:VN@2024 = 123500000000"],
        ),
        (
            "The United States is a major partner for Pakistan, with a trade deficit of $3 billion in Pakistan's favor in 2024.",
            d0(),
            &["trade_deficit:US:PK@2024 = 3000000000"],
        ),
        (
            "Officials in Seoul pointed to last year's $56 billion trade surplus with the U.S.",
            d7(),
            &["trade_deficit:US:KR@2024 = 56000000000"],
        ),
        ("The budget deficit widened by about $291 billion as tariffs rose.", d7(), &[]),
    ]);
}

#[test]
fn last_year_is_a_period_only_when_the_date_is_stated() {
    check(
        "With Washington being Pakistan's largest export destination, accounting for over $5 billion in exports last year, the stakes are high.",
        d0(),
        &["exports:PK:US@2024 = 5000000000 over"],
    );
    let x = check(
        "With Washington being Pakistan's largest export destination, accounting for over $5 billion in exports last year, the stakes are high.",
        mtime(date(2025, 4, 10)),
        &["exports:PK:US = 5000000000 over"],
    );
    assert!(x.warnings.iter().any(|w| w.contains("relative year")), "{:?}", x.warnings);
}

#[test]
fn prices_costs_and_pledges_are_not_trade_figures() {
    table(&[
        (
            "For a $10 garment exported from Bangladesh, U.S. importers now pay more in tariffs.",
            d0(),
            &[],
        ),
        (
            "These U.S. tariffs could cost Pakistan $4.22 billion over five years in lost exports to the United States.",
            d0(),
            &[],
        ),
        ("Indonesia committed to purchasing $15 billion of U.S. energy exports.", d0(), &[]),
        (
            "U.S. tariffs on Pakistan explained. Subscribe for $1 a week to read our tariff coverage of the United States and Pakistan.",
            d0(),
            &[],
        ),
    ]);
}

// --- Roles from the article -----------------------------------------------------------------

#[test]
fn open_roles_take_the_articles_parties() {
    table(&[
        (
            "U.S. President Donald Trump met Pakistani officials in Washington. The new tariffs extend to many nations, including Pakistan, which was hit with a 29% tariff.",
            d0(),
            &["tariff_rate:US:PK = 29"],
        ),
        (
            "Kenya's trade minister flew to Washington. The 21% tariff on Kenyan goods took effect on Friday. Nairobi said the 21% tariff hurts flower growers.",
            d0(),
            &["tariff_rate:US:KE = 21"],
        ),
        (
            "Beijing slapped a 34% tariff on American goods. Brussels has a 10% tariff on imports from Washington.",
            d0(),
            &["tariff_rate:CN:US = 34", "tariff_rate:EU:US = 10"],
        ),
    ]);
}

#[test]
fn the_title_names_the_main_parties() {
    let mut a =
        article("Officials met on Monday. Bilateral trade reached $12 billion in 2024.", d0());
    a.title = Some("Indonesia and Japan sign a trade pact".into());
    let keys: Vec<String> = extractor().extract(&a).claims.into_iter().map(|c| c.key).collect();
    assert_eq!(keys, vec!["trade_volume:ID:JP@2024".to_string()]);
}

#[test]
fn a_title_the_text_does_not_repeat_is_read_as_a_headline() {
    let mut a = article("Officials said the move followed weeks of talks.", d0());
    a.title = Some("US slaps 23% tariff on Ghanaian goods".into());
    let x = extractor().extract(&a);
    assert_valid(&a, &x.claims);
    assert_eq!(x.claims.iter().map(line).collect::<Vec<_>>(), ["tariff_rate:US:GH = 23"]);
    assert_eq!(x.claims[0].span, [0, 0]);
}

#[test]
fn names_that_are_not_countries() {
    table(&[
        (
            "Officials told us that Pakistan imposed a 12% tariff on Chinese goods.",
            d0(),
            &["tariff_rate:PK:CN = 12"],
        ),
        (
            "Georgia farmers and Jordan Smith, a trader, fear higher prices. China imposed a 34% tariff on American goods.",
            d0(),
            &["tariff_rate:CN:US = 34"],
        ),
        (
            "New Mexico farmers worry as Canada imposed a 25% tariff on American goods.",
            d0(),
            &["tariff_rate:CA:US = 25"],
        ),
    ]);
}

#[test]
fn one_claim_per_key_quoting_the_clearest_sentence() {
    let x = check(
        "The U.S. imposed a 29% tariff on Pakistani goods. Exporters fear the 29% tariff will hurt. The 29% U.S. tariff is the highest in the region.",
        d0(),
        &["tariff_rate:US:PK = 29"],
    );
    assert_eq!(x.claims[0].quote, "The U.S. imposed a 29% tariff on Pakistani goods.");
}

// --- Whole articles (fixtures) --------------------------------------------------------------

#[test]
fn web_page_chrome_gives_no_claims() {
    check(
        include_str!("fixtures/extract/web_page_with_chrome.txt"),
        stated(date(2025, 3, 12)),
        &[
            "tariff_rate:US:CA = 25",
            "tariff_rate:CA:US = 25",
            "trade_volume:CA:US@2024 = 762000000000",
        ],
    );
}

#[test]
fn china_truce_article() {
    check(
        include_str!("fixtures/extract/china_truce.txt"),
        stated(date(2025, 5, 12)),
        &[
            "tariff_rate:US:CN = 30",
            "tariff_rate:CN:US = 10",
            "tariff_pause:US:CN = active until 2025-08-12",
            "trade_deficit:US:CN@2024 = 295400000000",
            "exports:CN:US@2024 = 438900000000",
        ],
    );
}

#[test]
fn india_article_with_total_and_both_trade_directions() {
    check(
        include_str!("fixtures/extract/india_total.txt"),
        stated(date(2025, 8, 7)),
        &[
            "tariff_rate:US:IN = 50",
            "exports:IN:US@2024 = 87400000000",
            "exports:US:IN@2024 = 41800000000 about",
        ],
    );
}

#[test]
fn eu_and_vietnam_article() {
    check(
        include_str!("fixtures/extract/eu_vietnam.txt"),
        stated(date(2025, 4, 10)),
        &[
            "tariff_rate:US:EU = 20",
            "trade_deficit:US:EU@2024 = 235600000000",
            "tariff_rate:US:VN = 46",
        ],
    );
}

// --- Bad input ------------------------------------------------------------------------------

#[test]
fn empty_and_garbage_texts_give_no_claims() {
    for text in [
        "",
        "   \n\n\t",
        "\u{FFFD}\u{FFFD}\u{FFFD} 29% tariff \u{FFFD}\u{FFFD} U.S. \u{FFFD}\u{FFFD} Pakistan \u{FFFD}\u{FFFD}",
        "\u{0}\u{1}\u{2}PK US 29% tariff\u{3}\u{4}\u{5}\u{6}\u{7}",
        "%%%% $$$ 29% 29% 29% ### tariff tariff ### US PK ###",
    ] {
        check(text, d0(), &[]);
    }
}

#[test]
fn a_ragged_table_is_read_as_far_as_it_goes() {
    check(
        "| Country | Tariff | Note |\n|---|---|---|\n| Peru | 18% |\n| Chile |\n| Ghana | 17% | letter sent | extra | cells |\n| 12% |\n",
        d0(),
        &["tariff_rate:US:PE = 18", "tariff_rate:US:GH = 17"],
    );
}

#[test]
fn a_list_of_hundreds_of_countries_is_read_in_full() {
    let names =
        ["Peru", "Chile", "Ghana", "Kenya", "Nepal", "Laos", "Fiji", "Mali", "Chad", "Oman"];
    let mut text = String::from("Tariff rates announced by the U.S. on Wednesday:\n");
    for i in 0..300 {
        text.push_str(&format!("- {} – {}%\n", names[i % names.len()], 10 + i % 40));
    }
    let x = extractor().extract(&article(&text, d0()));
    // One claim per key: the ten countries, each with one of its rates.
    assert_eq!(x.claims.len(), 10, "{:?}", x.claims.iter().map(line).collect::<Vec<_>>());
}

#[test]
fn a_sentence_with_fifty_percentages_gives_no_guess() {
    let figures: Vec<String> = (1..=50).map(|i| format!("{i}%")).collect();
    let text = format!("Rates under discussion for the tariff include {}.", figures.join(", "));
    check(&text, d0(), &[]);
}

#[test]
fn huge_text_does_not_panic_and_keeps_one_claim_per_key() {
    let sentence = "The U.S. imposed a 29% tariff on Pakistani goods. ";
    let mut text = sentence.repeat(20_000);
    text.push_str(&"x".repeat(2_000_000));
    check(&text, d0(), &["tariff_rate:US:PK = 29"]);
}

/// A one-line article of `mb` megabytes of tariff prose with no sentence end.
fn one_line(mb: usize) -> String {
    let words = "tariff 29% on Peruvian goods and 46% for Laos with Chile 12% duty ";
    let mut s = String::with_capacity(mb << 20);
    while s.len() < mb << 20 {
        s.push_str(words);
    }
    s
}

#[test]
fn a_single_line_megabyte_article_is_read_in_linear_time() {
    // Not a performance target: a check that the work grows with the size, not faster.
    // Each size is read three times and the fastest kept, so a busy machine does not decide.
    let time = |mb: usize| {
        let a = article(&one_line(mb), d0());
        (0..3)
            .map(|_| {
                let t = std::time::Instant::now();
                let x = extractor().extract(&a);
                assert!(x.claims.is_empty(), "a line with no sentence end is left out");
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    };
    let (t1, _t2, t4) = (time(1), time(2), time(4));
    assert!(t4 < t1 * 8.0 + 0.05, "1 MB took {t1:.3}s and 4 MB {t4:.3}s: more than linear");
}

// --- Packs ----------------------------------------------------------------------------------

#[test]
fn malformed_pack_names_origin_line_and_problem() {
    let bad = PackText {
        origin: "config/packs/extra.toml".into(),
        text: "[vocabulary]\nlevy = [\"tariff\"]\n\n[[metric]]\nname = \"port_fee\"\nframe = \"levy\"\nreading = \"rate\"\nkind = \"figure\"\nunit = \"percnt\"\nroles = [\"imposer\", \"target\"]\nlabel = \"{imposer} port fee on {target}\"\n".into(),
    };
    let err = Extractor::new(&[bad]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "pack config/packs/extra.toml line 9: metric \"port_fee\": levy/rate gives unit percent, not percnt"
    );
}

#[test]
fn conflicting_metric_in_a_second_pack_is_an_error() {
    let clash = PackText {
        origin: "extra.toml".into(),
        text: "[[metric]]\nname = \"tariff_rate\"\nframe = \"levy\"\nreading = \"rate\"\nkind = \"figure\"\nunit = \"percent\"\nroles = [\"imposer\", \"target\"]\nlabel = \"{imposer} levy on {target}\"\n".into(),
    };
    let err = Extractor::new(&[Extractor::builtin("trade").unwrap(), clash]).unwrap_err();
    assert!(err.to_string().contains("already defined differently (in builtin:trade)"), "{err}");
}

#[test]
fn a_user_pack_adds_an_alias_and_a_word() {
    let user = PackText {
        origin: "config/packs/local.toml".into(),
        text: "[vocabulary]\nlevy = [\"tolls\"]\n\n[[entity]]\ncode = \"PK\"\naliases = [\"Land of the Pure\"]\n".into(),
    };
    let x = Extractor::new(&[Extractor::builtin("trade").unwrap(), user]).unwrap();
    let claims = x
        .extract(&article(
            "The United States imposed 22% tolls on goods from the Land of the Pure.",
            d0(),
        ))
        .claims;
    assert_eq!(claims.iter().map(line).collect::<Vec<_>>(), ["tariff_rate:US:PK = 22"]);
    // Without the user pack, "tolls" is no tariff word.
    assert!(
        extractor()
            .extract(&article("The United States imposed 22% tolls on goods from Pakistan.", d0()))
            .claims
            .is_empty()
    );
}

/// The TOML block of docs/packs.md that starts with `first_line`.
fn docs_block(first_line: &str) -> String {
    let docs = include_str!("../docs/packs.md");
    let start = docs.find(first_line).expect("the docs keep this example");
    let block = &docs[start..];
    block[..block.find("```").expect("the example block ends")].to_string()
}

#[test]
fn the_docs_example_of_a_new_word_works() {
    let packs = [
        Extractor::builtin("trade").unwrap(),
        PackText { origin: "local.toml".into(), text: docs_block("# config/packs/local.toml") },
    ];
    let x = Extractor::new(&packs).unwrap();
    let keys = |text: &str| -> Vec<String> {
        x.extract(&article(text, d0())).claims.into_iter().map(|c| c.key).collect()
    };
    assert_eq!(keys("The U.S. imposed an 18% tariff on Zim goods."), vec!["tariff_rate:US:ZW"]);
    let clobbered =
        "The U.S. set new tariffs on Monday. Zimbabwe was clobbered with 30%, officials said.";
    assert_eq!(keys(clobbered), vec!["tariff_rate:US:ZW"]);
    // Without the pack, "clobbered" is no bearing verb and the bare rate is nobody's.
    assert!(extractor().extract(&article(clobbered, d0())).claims.is_empty());
}

#[test]
fn describe_renders_pack_labels() {
    let x = extractor();
    assert_eq!(x.describe("tariff_rate", &["US".into(), "PK".into()], None), "US tariff on PK");
    assert_eq!(
        x.describe("trade_volume", &["PK".into(), "US".into()], Some("2024")),
        "PK-US trade volume 2024"
    );
    assert_eq!(x.describe("tariff_pause", &["US".into()], None), "US tariff pause");
    assert_eq!(
        x.describe("tariff_pause", &["US".into(), "CN".into()], None),
        "US tariff pause on CN"
    );
    assert_eq!(
        x.describe("tariff_threat", &["US".into(), "PE".into()], None),
        "US threatened tariff on PE"
    );
}

// --- Explain --------------------------------------------------------------------------------

#[test]
fn explain_says_what_was_taken_and_why_the_rest_was_not() {
    let a = article(
        "Trump threatened a 50% tariff on Peruvian goods. The U.S. imposed a 25% tariff on Mexican steel. Washington set a 15% tariff on Chilean goods, up from 10%.",
        d0(),
    );
    let (x, e) = extractor().explain(&a);
    assert_eq!(
        x.claims.iter().map(line).collect::<Vec<_>>(),
        ["tariff_threat:US:PE = 50", "tariff_rate:US:CL = 15"]
    );
    let taken: Vec<(String, String)> = e
        .segments
        .iter()
        .flat_map(|s| s.taken.iter().map(|t| (t.key.clone(), t.outcome.clone())))
        .collect();
    assert!(taken.contains(&("tariff_threat:US:PE".into(), "claim".into())), "{taken:?}");
    assert!(taken.contains(&("tariff_rate:US:CL".into(), "claim".into())), "{taken:?}");
    let rejected: Vec<&str> =
        e.segments.iter().flat_map(|s| s.rejected.iter().map(|r| r.reason)).collect();
    assert!(rejected.iter().any(|r| r.contains("sector")), "{rejected:?}");
    let rules: Vec<&str> = e.segments.iter().flat_map(|s| s.taken.iter().map(|t| t.rule)).collect();
    assert!(rules.iter().all(|r| r.starts_with("levy")), "{rules:?}");
}

// --- Properties -----------------------------------------------------------------------------

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let a = article(&text, d0());
            assert_valid(&a, &extractor().extract(&a).claims);
        }

        #[test]
        fn arbitrary_strings_never_panic(text in any::<String>()) {
            let a = article(&text, mtime(date(2025, 1, 1)));
            assert_valid(&a, &extractor().extract(&a).claims);
            assert_valid(&a, &extractor().explain(&a).0.claims);
        }

        #[test]
        fn news_like_strings_never_panic(text in "([A-Z][a-z]{0,8}|U\\.S\\.|29%|\\$3\\.5 billion|tariffs?|pause|until July 9|in 2024|\\| Peru \\| 18% \\||- Chile – 12%|from 10% to|[ .,\n’—:|\u{FFFD}]){0,60}") {
            let a = article(&text, d0());
            assert_valid(&a, &extractor().extract(&a).claims);
        }
    }
}

#[test]
fn the_old_rate_an_article_names_is_kept_beside_the_new_one() {
    let cases: &[(&str, f64, f64)] = &[
        (
            "The United States cut its tariff on Chinese goods to 30% from 145% on Monday.",
            30.0,
            145.0,
        ),
        ("Washington lowered the tariff on Pakistani goods to 19pc from 29pc.", 19.0, 29.0),
        ("The US raised its tariff on Indian goods to 50 percent, up from 25 percent.", 50.0, 25.0),
        ("The US tariff on Swiss goods was cut from 39% to 15% under the deal.", 15.0, 39.0),
    ];
    for (text, now, before) in cases {
        let x = extractor().extract(&article(text, d7()));
        let rates: Vec<(Option<f64>, Option<f64>)> = x
            .claims
            .iter()
            .filter(|c| c.metric == "tariff_rate")
            .map(|c| (c.value, c.stated_previous))
            .collect();
        assert_eq!(rates, [(Some(*now), Some(*before))], "{text}");
    }
    let plain = extractor().extract(&article("Peru faces a 10% US tariff.", d7()));
    assert!(plain.claims.iter().all(|c| c.stated_previous.is_none()));
}

#[test]
fn a_rate_that_held_until_lately_is_not_the_rate_now() {
    table(&[
        (
            "Ports expect a rush of orders for Chinese goods, which until this week faced a 145% tariff.",
            stated(date(2025, 5, 14)),
            &[],
        ),
        (
            "Until recently, Brazilian beef paid a 76% US tariff; the rate is now 40%.",
            d7(),
            &["tariff_rate:US:BR = 40"],
        ),
    ]);
}
