//! The levy frame: tariff rates, baselines and threats.
//!
//! A rate is read in three steps. First its **link** to a tariff word, by one of the shapes a
//! rate phrase takes: before the head ("a 46% reciprocal tariff", "34-percent duty"), after
//! it ("tariffs of 25 percent", "a rate of 19%"), as its predicate ("cut its tariff on
//! Chinese goods from 145% to 30%", "tariff rates at 10%"), as an aside on a party in a
//! sentence about tariffs ("Vietnam's 20%", "China 34%, Vietnam 46%", "Vietnam with 46%"),
//! or through "it"/"which" to the tariff named before. A rate with no link is not a tariff
//! rate, whatever is near it. Then what the phrase **says**: a range, a share, a change, an
//! average, a sector's tariff, a hedged or threatened figure are not the rate in force. Then
//! its **parties**: the target from the party phrase after the head ("on imports from
//! Vietnam", "on Chinese goods"), from the subject of a bearing verb ("Pakistan was hit
//! with", "Indonesia will pay"), a possessive or an aside; the imposer from a name in the
//! phrase ("US tariff"), an agent ("imposed by"), a destination ("goods entering the US") or
//! the subject of a levying verb; what the clause leaves open the article fills.

use super::{
    Finding, Memory, Mood, Origin, Out, Party, Stance, View, acts, antecedent, entity_list,
    is_passive, mood, origin_at, span, subject_of,
};
use crate::extract::chunk::What;
use crate::extract::class::Class;
use crate::extract::lexicon::Form;
use crate::extract::pack::Reading;
use crate::model::Qualifier;

/// How a rate is tied to a tariff word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// "a 46% reciprocal tariff".
    Before,
    /// "tariffs of 25 percent".
    After,
    /// "raised tariffs on Chinese goods to 125%".
    Predicate,
    /// "it would now be 35 per cent", "which was later raised to 125%".
    Anaphor,
    /// "Vietnam's 20%", "China 34%", "Vietnam with 46%" in a sentence about tariffs.
    Aside,
    /// "Ecuador keeps the 15% it has paid": the rate the clause's subject pays.
    Paid,
}

impl Link {
    fn rule(self) -> &'static str {
        match self {
            Link::Before => "levy: rate before tariff word",
            Link::After => "levy: tariff word of/at rate",
            Link::Predicate => "levy: tariff word ... to/at/is rate",
            Link::Anaphor => "levy: it/which ... rate",
            Link::Aside => "levy: party with rate in a tariff sentence",
            Link::Paid => "levy: PARTY keeps the rate it pays",
        }
    }
}

/// The tariff phrase a rate belongs to.
#[derive(Debug, Clone, Copy)]
struct Phrase {
    link: Link,
    /// The tariff word, if the link has one.
    head: Option<usize>,
    /// Chunk range of the phrase: modifiers, rate, head.
    from: usize,
    to: usize,
    /// A value the phrase says was replaced ("from 145% to").
    previous: Option<f64>,
}

/// The parties of the last rate read in the segment, for "it" and "which".
#[derive(Debug, Clone, Copy, Default)]
struct Last {
    imposer: Option<Party>,
    target: Option<Party>,
}

/// How sure the surroundings make a bare figure a tariff.
#[derive(Debug, Clone, Copy)]
struct Context {
    /// The segment names a tariff (or a rate in an article about tariffs): "China 34%,
    /// Vietnam 46%" there are rates.
    segment: bool,
    /// The article names tariffs: "Nigeria gets 14%", "Switzerland: 31%" are rates there.
    article: bool,
    /// The article is about trade at all: "Norway's rate stays at 15 percent" is a tariff
    /// rate in a story about exports.
    domain: bool,
}

/// Reads the tariff rates of one segment.
pub(crate) fn read(v: &View<'_>, mem: &Memory, out: &mut Out) {
    let mut last = Last::default();
    let has_rate_noun = v.chunks.iter().any(|c| c.is(Class::RateNoun));
    let article = mem.levy_seen || v.has_levy;
    let cx = Context {
        segment: v.has_levy || (mem.levy_seen && has_rate_noun) || list_like(v) && article,
        article,
        domain: article
            || mem.trade_seen
            || v.chunks.iter().any(|c| {
                c.is(Class::Baseline)
                    || c.is(Class::Trade)
                    || c.is(Class::Export)
                    || c.is(Class::Import)
            }),
    };
    for r in 0..v.chunks.len() {
        let What::Percent { value, upper } = v.chunks[r].what else { continue };
        rate(v, r, value, upper, cx, &mut last, out);
    }
    imposer_votes(v, out);
}

/// A segment that is only parties and rates ("Myanmar 44%.", "Switzerland: 31%. Norway:
/// 15%."), as live blogs and lists write them.
fn list_like(v: &View<'_>) -> bool {
    let mut rates = 0;
    for c in v.chunks {
        match c.what {
            What::Percent { .. } => rates += 1,
            What::Entity { .. } | What::Punct(_) => {}
            What::Word if c.is(Class::And) || c.is(Class::Det) => {}
            What::Word if c.capitalized() && c.classes == 0 => {}
            _ => return false,
        }
    }
    rates > 0
}

/// Who levies, from clauses that name a levying verb and a tariff word without a rate:
/// "Türkiye raised the additional duties it applies to imports from China". A table or a
/// list under such a headline levies for the same party.
fn imposer_votes(v: &View<'_>, out: &mut Out) {
    for h in 0..v.chunks.len() {
        if !v.is(h, Class::Levy) {
            continue;
        }
        let (cs, _) = v.clause_range(h);
        let verb = (cs..h).rev().take(6).find(|&k| {
            (v.is(k, Class::Impose) || v.is(k, Class::Raise) || v.is(k, Class::Cut))
                && !is_passive(v, k)
        });
        let Some(verb) = verb else { continue };
        if mood(v, h, h + 1) != Mood::Fact {
            continue;
        }
        if let Some((_, e)) = subject_of(v, verb) {
            out.imposers.push(e);
        }
    }
}

fn rate(
    v: &View<'_>,
    r: usize,
    value: f64,
    upper: Option<f64>,
    cx: Context,
    last: &mut Last,
    out: &mut Out,
) {
    if upper.is_some() {
        return out.reject(v, r, "a range, not one rate");
    }
    let qualifier = v.qualifier(r);
    if matches!(qualifier, Some(Qualifier::Over | Qualifier::Under)) {
        return out.reject(v, r, "hedged (over, under, up to): not a precise rate");
    }
    if let Some(reason) = shape_excludes(v, r) {
        return out.reject(v, r, reason);
    }
    let Some(phrase) = link(v, r, cx) else {
        return out.reject(v, r, "no tariff word bound to this figure");
    };
    let (cs, _) = v.clause_range(r);
    if (cs..phrase.to).any(|j| v.is(j, Class::Average)) {
        return out.reject(v, r, "an average or effective rate");
    }
    let sector_words = (phrase.from..phrase.to).any(|j| v.is(j, Class::Sector));
    let mood = mood(v, phrase.from, phrase.to);
    if mood == Mood::Negated {
        return out.reject(v, r, "negated");
    }
    if mood == Mood::Hypothetical {
        return out.reject(v, r, "a made-up example, not a rate");
    }
    // A previous value is kept as a finding: it is never the claim, but it tells selection
    // that the article calls this value old. A threat's own figure stays a threat: "down from
    // the threatened 25%" is the threat. "Its plan to raise the tariff to 25 percent from 15
    // percent": the old value is still the rate in force.
    let mut stance = stance(v, r, &phrase);
    if mood == Mood::Threat && stance == Stance::Previous {
        stance = Stance::Level;
    }
    let from_under_plan = r > 0
        && v.is(r - 1, Class::From)
        && (r.saturating_sub(4)..r)
            .any(|j| v.percent(j).is_some() && v.is(j.saturating_sub(1), Class::To))
        && mood == Mood::Threat;
    let mood = if from_under_plan && !(phrase.from..phrase.to).any(|j| v.is(j, Class::ThreatWord)) {
        stance = Stance::Level;
        Mood::Fact
    } else {
        mood
    };

    // Parties.
    let origin = origin_after(v, &phrase);
    let (mut imposer, target_hint) = imposer(v, &phrase, origin.as_ref());
    if let Some(Party::Named(e)) = imposer
        && mood == Mood::Fact
    {
        // Who levies, even where the figure is rejected below.
        out.imposers.push(e);
    }
    let bearer = bearer(v, &phrase);
    if sector_words
        || origin.as_ref().is_some_and(|o| o.sector)
        || bearer.as_ref().is_some_and(|b| b.sector)
    {
        return out.reject(v, r, "a sector's or a product's tariff, not a country's rate");
    }
    // "remains at 25% on the metals": a rate with no tariff word of its own may still say
    // what it is on.
    if phrase.head.is_none()
        && v.is(r + 1, Class::On)
        && origin_at(v, r + 1).is_some_and(|o| o.sector)
    {
        return out.reject(v, r, "a sector's or a product's tariff, not a country's rate");
    }
    let borne = bearer.as_ref().is_some_and(|b| !b.entities.is_empty());
    if let Some(o) = &origin
        && o.other
        && o.entities.is_empty()
        && o.destination.is_none()
        && !borne
    {
        return out.reject(v, r, "the tariff is on something that is not a country's goods");
    }
    let mut targets: Vec<Party> = Vec::new();
    let mut universal = (phrase.from..phrase.to).any(|j| v.is(j, Class::Universal))
        && !(phrase.from..phrase.to).any(|j| v.entity(j).is_some());
    let mut rule_target = "";
    // "Ecuador keeps the 15% it has paid": the subject pays it; nobody in the clause levies.
    if phrase.link == Link::Paid {
        let (cs, _) = v.clause_range(r);
        if let Some(verb) = (cs..r).rev().find(|&j| {
            v.chunks[j].what == What::Word && v.chunks[j].classes != 0 && !v.is(j, Class::Det)
        }) && let Some((_, e)) = subject_of(v, verb)
        {
            targets.push(Party::Named(e));
            rule_target = "target: the party that pays it";
            imposer = None;
        }
    }
    // "Iceland's rises to 15 percent": the possessive that stands for the rate is its target.
    if let Some(h) = phrase.head
        && let Some((e, _, true)) = v.entity(h)
    {
        targets.push(Party::Named(e));
        rule_target = "target: named with the tariff";
    }
    if phrase.link == Link::Anaphor {
        if let Some(t) = last.target {
            targets.push(t);
            rule_target = "target of the tariff named before";
        }
        if imposer.is_none() {
            imposer = last.imposer;
        }
    }
    if targets.is_empty()
        && let Some(b) = &bearer
        && !b.entities.is_empty()
    {
        targets.extend(b.entities.iter().map(|e| Party::Named(*e)));
        rule_target = "target: the party that bears it";
        if imposer.is_none() {
            imposer = b.imposer.map(Party::Named);
        }
    }
    if targets.is_empty()
        && let Some(o) = &origin
    {
        if !o.entities.is_empty() {
            targets.extend(o.entities.iter().map(|e| Party::Named(*e)));
            rule_target = "target: the goods' origin";
        } else if o.universal {
            universal = true;
        }
        if imposer.is_none() {
            imposer = o.destination.map(Party::Named);
        }
    }
    if targets.is_empty()
        && let Some(t) = target_hint
    {
        targets.push(Party::Named(t));
        rule_target = "target: named with the tariff";
    }
    if targets.is_empty()
        && !universal
        && let Some(t) = aside_party(v, r)
    {
        targets.push(Party::Named(t));
        rule_target = "target: the party beside the rate";
    }
    if targets.is_empty() && bearer.as_ref().is_some_and(|b| b.universal) {
        universal = true;
    }
    let baseline_word = (phrase.from..phrase.to).any(|j| v.is(j, Class::Baseline));
    if targets.is_empty() && baseline_word {
        universal = true;
    }
    if targets.is_empty() && !universal {
        // The one party of the clause that is not the imposer.
        // Not the imposer, nor the subject of the clause's levying verb when the imposer is
        // still open ("Trump imposed ... bringing the total to 50%").
        let imposer_entity = match imposer {
            Some(Party::Named(e)) => Some(e),
            _ => {
                let (cs, ce) = v.clause_range(r);
                (cs..ce)
                    .find(|&j| v.is(j, Class::Impose) || v.is(j, Class::Raise))
                    .and_then(|j| subject_of(v, j))
                    .map(|(_, e)| e)
            }
        };
        if let Some(t) = lone_party(v, r, imposer_entity) {
            targets.push(Party::Guess(t));
            rule_target = "target: the clause's other party";
        }
    }
    if universal {
        if mood == Mood::Threat {
            return out.reject(v, r, "a threatened tariff on everyone (no metric)");
        }
        let imposer = imposer.unwrap_or(Party::Open);
        let mut f = Finding::figure(
            Reading::Baseline,
            [Some(imposer), None],
            value,
            v,
            span(v, phrase.from, phrase.to.saturating_sub(1)),
            phrase.link.rule(),
        );
        f.qualifier = qualifier;
        f.stance = stance;
        f.stated_previous = phrase.previous.or_else(|| replaced_after(v, r));
        f.explicit = matches!(imposer, Party::Named(_));
        out.findings.push(f);
        return;
    }
    if targets.is_empty() {
        targets.push(Party::Open);
    }
    let reading = if mood == Mood::Threat { Reading::Threat } else { Reading::Rate };
    let imposer = imposer.unwrap_or(Party::Open);
    // "Both A and B have set tariffs of 125% on goods from the other": both directions.
    if let Some((a, b)) = reciprocal(v, &phrase) {
        for (i, t) in [(a, b), (b, a)] {
            let mut f = Finding::figure(
                reading,
                [Some(Party::Named(i)), Some(Party::Named(t))],
                value,
                v,
                span(v, phrase.from, phrase.to.saturating_sub(1)),
                "levy: both ... on each other",
            );
            f.stance = stance;
            out.findings.push(f);
        }
        return;
    }
    // "Tunisia and Morocco will face tariffs of 28 percent and 10 percent, respectively":
    // the rates go to the parties in order.
    if targets.len() > 1
        && let Some(i) = respective_index(v, r, targets.len())
    {
        targets = targets.get(i).copied().into_iter().collect();
    }
    for t in &targets {
        let mut f = Finding::figure(
            reading,
            [Some(imposer), Some(*t)],
            value,
            v,
            span(v, phrase.from, phrase.to.saturating_sub(1)),
            phrase.link.rule(),
        );
        f.qualifier = qualifier;
        f.stance = stance;
        f.stated_previous = phrase.previous.or_else(|| replaced_after(v, r));
        f.explicit = matches!(t, Party::Named(_));
        if !rule_target.is_empty() && out.explain {
            f.rule = match (phrase.link, rule_target) {
                (Link::Before, "target: the goods' origin") => "levy: rate tariff on ORIGIN",
                (Link::Before, "target: the party that bears it") => {
                    "levy: PARTY faces/is hit with rate tariff"
                }
                (Link::After, "target: the goods' origin") => "levy: tariff of rate on ORIGIN",
                (Link::Predicate, "target: the goods' origin") => {
                    "levy: tariff on ORIGIN ... to rate"
                }
                _ => phrase.link.rule(),
            };
        }
        out.findings.push(f);
    }
    last.imposer = Some(imposer);
    last.target = targets.first().copied();
}

/// Shapes around the figure that make it something other than a rate.
fn shape_excludes(v: &View<'_>, r: usize) -> Option<&'static str> {
    let next = |k: usize| r + k;
    // "between 10% and 70%", "ranging from 25% to 40%", "15% or 20%".
    let (cs, ce) = v.clause_range(r);
    let ranging = (cs..r).rev().take(4).any(|j| {
        v.is(j, Class::Between)
            || matches!(
                v.word(j).to_ascii_lowercase().as_str(),
                "ranging" | "range" | "ranged" | "varying" | "vary"
            )
    });
    let pair_after = |k: usize| {
        (v.is(next(1), Class::To)
            || v.is(next(1), Class::And)
            || v.is(next(1), Class::Or)
            || v.at(next(1)).is_some_and(|c| c.is_punct('-') || c.is_punct('–')))
            && v.percent(next(k)).is_some()
    };
    if ranging && (pair_after(2) || (r > 0 && (v.is(r - 1, Class::And) || v.is(r - 1, Class::To))))
    {
        return Some("a range, not one rate");
    }
    if v.is(next(1), Class::Or)
        && (v.percent(next(2)).is_some()
            || v.is(next(2), Class::Over)
            || v.word(next(2)).eq_ignore_ascii_case("more")
            || v.word(next(2)).eq_ignore_ascii_case("higher"))
    {
        return Some("alternatives, not one rate");
    }
    if r >= 2 && v.is(r - 1, Class::Or) && v.percent(r - 2).is_some() {
        return Some("alternatives, not one rate");
    }
    // "by 25%": a change.
    if r > 0 && v.is(r - 1, Class::By) {
        return Some("a change (by), not a level");
    }
    // "up 11.7 percent", "shares fell 3%".
    if r > 0 && (v.is(r - 1, Class::UpDown) || v.is(r - 1, Class::Moved)) {
        return Some("a change (up, down, fell), not a level");
    }
    // "85 per cent of exports", "10% of receipts".
    if v.is(next(1), Class::Of) {
        return Some("a share (of), not a rate");
    }
    // "2% lower than", "a 5.2 percent increase", "a 25% tariff hike".
    for k in 1..=3 {
        if v.is(next(k), Class::Than) {
            return Some("a difference (than), not a rate");
        }
    }
    for k in 1..=3 {
        let j = next(k);
        if j >= ce {
            break;
        }
        if v.is(j, Class::ChangeNoun) {
            return Some("a change (increase, hike, cut), not a level");
        }
        if !(v.is(j, Class::Levy)
            || v.is(j, Class::RateNoun)
            || v.chunks
                .get(j)
                .is_some_and(|c| c.what == What::Word && !c.is(Class::On) && !c.is(Class::Of)))
        {
            break;
        }
    }
    None
}

/// Finds how the rate at `r` is tied to a tariff word.
fn link(v: &View<'_>, r: usize, cx: Context) -> Option<Phrase> {
    let (cs, ce) = v.clause_range(r);
    // "from 145% to 30%": the old value belongs to the phrase of the new one.
    if r > cs && v.is(r - 1, Class::From) && v.is(r + 1, Class::To) && v.percent(r + 2).is_some() {
        return link(v, r + 2, cx);
    }
    // "tariffs of 28 percent and 10 percent": a rate coordinated with a linked one shares
    // its phrase.
    if r >= cs + 2
        && (v.is(r - 1, Class::And) || v.at(r - 1).is_some_and(|c| c.is_punct(',')))
        && v.percent(r - 2).is_some()
        && let Some(mut p) = link(v, r - 2, cx)
    {
        p.to = p.to.max(r + 1);
        return Some(p);
    }
    let head_ok = |j: usize| -> bool {
        if v.is(j, Class::Levy) {
            return true;
        }
        // "Beijing cuts its own on American products": "its own" stands for its tariff.
        if v.word(j).eq_ignore_ascii_case("own")
            && j > 0
            && v.is(j - 1, Class::Possessive)
            && cx.segment
        {
            return true;
        }
        // "the 10 percent baseline": the baseline word names the tariff itself.
        if v.is(j, Class::Baseline)
            && !v.is(j + 1, Class::Levy)
            && !v.is(j + 1, Class::RateNoun)
            && v.at(j + 1).is_none_or(|n| n.what != What::Word || n.is_punct(',') || n.classes != 0)
        {
            return cx.article || cx.domain;
        }
        if v.is(j, Class::RateNoun) {
            // "interest rate", "policy rate" are other rates.
            if j > 0 && v.is(j - 1, Class::OtherRate) {
                return false;
            }
            if cx.segment {
                return true;
            }
            // "Norway's rate", "the US rate" in a story about trade: a country's tariff.
            if cx.domain && j > 0 && v.entity(j - 1).is_some() {
                return true;
            }
            // A rate on a country's goods is a tariff even where the word is not "tariff".
            return origin_at(v, j + 1).is_some_and(|o| !o.entities.is_empty())
                || origin_at(v, r + 1).is_some_and(|o| !o.entities.is_empty());
        }
        false
    };
    let modifiers_start = |from: usize| {
        // The phrase's own words before the rate: "the previously planned", "a massive".
        let mut s = from;
        let mut steps = 0;
        while s > cs && steps < 4 {
            let p = &v.chunks[s - 1];
            let word_mod = p.what == What::Word
                && !v.is_any(
                    s - 1,
                    &[
                        Class::On,
                        Class::Of,
                        Class::From,
                        Class::To,
                        Class::At,
                        Class::For,
                        Class::By,
                        Class::With,
                        Class::Against,
                        Class::In,
                        Class::And,
                        Class::Or,
                        Class::Relative,
                        Class::Aux,
                        Class::Modal,
                        Class::Impose,
                        Class::Raise,
                        Class::Cut,
                        Class::Receive,
                        Class::Hit,
                        Class::Report,
                        Class::Threaten,
                        Class::Avert,
                        Class::Between,
                        Class::Than,
                    ],
                );
            // "US levy", "China's tariffs", "U.S. import tariffs".
            let entity_mod = matches!(p.what, What::Entity { .. });
            if !(word_mod || entity_mod || p.is_punct('"') || p.is_punct('“')) {
                break;
            }
            s -= 1;
            steps += 1;
            if p.is(Class::Det) || p.is(Class::Possessive) || entity_mod {
                break;
            }
        }
        s
    };

    // Before the head: "a 46% reciprocal tariff", "19% US tariff", "34-percent duty".
    let mut j = r + 1;
    let mut steps = 0;
    while j < ce && steps < 5 {
        let c = &v.chunks[j];
        if head_ok(j) {
            let mut to = j + 1;
            // "tariff rate", "import tax rates".
            if v.is(to, Class::RateNoun) {
                to += 1;
            }
            return Some(Phrase {
                link: Link::Before,
                head: Some(j),
                from: modifiers_start(r),
                to,
                previous: None,
            });
        }
        let ok = match c.what {
            What::Word => !v.is_any(
                j,
                &[
                    Class::On,
                    Class::Of,
                    Class::From,
                    Class::To,
                    Class::At,
                    Class::For,
                    Class::By,
                    Class::With,
                    Class::Against,
                    Class::In,
                    Class::And,
                    Class::Or,
                    Class::Contrast,
                    Class::Relative,
                    Class::Aux,
                    Class::Modal,
                    Class::Impose,
                    Class::Raise,
                    Class::Cut,
                    Class::Receive,
                    Class::Hit,
                    Class::Report,
                    Class::Not,
                    Class::Than,
                    Class::Threaten,
                    Class::Preposition,
                    Class::Moved,
                    Class::Pronoun,
                    Class::Possessive,
                ],
            ),
            What::Entity { possessive: false, .. } => true,
            What::Punct(c) => matches!(c, '-' | '"' | '“' | '”' | '\''),
            _ => false,
        };
        if !ok {
            break;
        }
        j += 1;
        steps += 1;
    }

    // After the head: "tariffs of 25 percent", "a rate of 19%", "duty at 10%", "tariffs on
    // imported goods from the U.S. of 125 percent".
    let mut k = r;
    if k > 0 && v.is(k - 1, Class::About) {
        k -= 1;
    }
    if k > cs && (v.is(k - 1, Class::Of) || v.is(k - 1, Class::At)) && !v.is(k - 1, Class::Copula)
        || (k > cs && v.is(k - 1, Class::Of))
    {
        let mut j = k - 1;
        let mut steps = 0;
        while j > cs && steps < 9 {
            j -= 1;
            steps += 1;
            if head_ok(j) {
                let mut h = j;
                // "tariff rate of": the tariff word heads the phrase.
                if h > cs && v.is(h - 1, Class::Levy) && v.is(h, Class::RateNoun) {
                    h -= 1;
                }
                return Some(Phrase {
                    link: Link::After,
                    head: Some(j),
                    from: modifiers_start(h),
                    to: r + 1,
                    previous: None,
                });
            }
            let c = &v.chunks[j];
            let ok = match c.what {
                What::Word => !v.is_any(
                    j,
                    &[
                        Class::Impose,
                        Class::Raise,
                        Class::Cut,
                        Class::Receive,
                        Class::Hit,
                        Class::Report,
                        Class::Relative,
                        Class::Contrast,
                        Class::Aux,
                        Class::Modal,
                    ],
                ),
                What::Entity { .. } => true,
                What::Punct(c) => matches!(c, '-' | '"' | '“' | '”' | ','),
                _ => false,
            };
            if !ok {
                break;
            }
        }
    }

    // Predicate: "raised tariffs on imports from China to 125%", "setting tariffs at 19
    // percent", "the rate is now 22.4%", "which was later raised to 125%".
    let mut k = r;
    while k > cs && (v.is(k - 1, Class::About) || v.is(k - 1, Class::Now)) {
        k -= 1;
    }
    if k > cs && (v.is(k - 1, Class::To) || v.is(k - 1, Class::At) || v.is(k - 1, Class::Copula)) {
        let mut previous = None;
        let mut j = k - 1;
        let mut steps = 0;
        while j > cs && steps < 16 {
            j -= 1;
            steps += 1;
            if head_ok(j) {
                let mut h = j;
                if h > cs && v.is(h - 1, Class::Levy) && v.is(h, Class::RateNoun) {
                    h -= 1;
                }
                return Some(Phrase {
                    link: Link::Predicate,
                    head: Some(h),
                    from: modifiers_start(h),
                    to: r + 1,
                    previous,
                });
            }
            let c = &v.chunks[j];
            match c.what {
                What::Percent { value, .. } => {
                    // "from 145% to 30%", "to 54 percent, then ... to 104 percent".
                    if j > 0 && (v.is(j - 1, Class::From) || v.is(j - 1, Class::To)) {
                        if v.is(j - 1, Class::From) {
                            previous = Some(value);
                        }
                        j -= 1;
                        continue;
                    }
                    // The head's own rate: "a previously planned 32% tariff ... lowered to 19%".
                    if v.is(j + 1, Class::Levy) || v.is(j + 1, Class::RateNoun) {
                        previous = Some(value);
                        continue;
                    }
                    break;
                }
                What::Money { .. } => break,
                // "Iceland's rises to 15 percent": the possessive stands for its rate.
                What::Entity { possessive: true, .. }
                    if cx.domain
                        && j + 1 < k
                        && v.is_any(
                            j + 1,
                            &[
                                Class::Raise,
                                Class::Cut,
                                Class::Moved,
                                Class::Copula,
                                Class::Aux,
                                Class::Impose,
                            ],
                        ) =>
                {
                    return Some(Phrase {
                        link: Link::Predicate,
                        head: Some(j),
                        from: j,
                        to: r + 1,
                        previous,
                    });
                }
                What::Word if c.is(Class::Relative) || c.is(Class::Pronoun) => {
                    // "which was later raised to 125%": the tariff named just before.
                    let mut a = j;
                    if a > 0 && v.at(a - 1).is_some_and(|p| p.is_punct(',')) {
                        a -= 1;
                    }
                    if a > 0 && head_ok(a - 1) {
                        return Some(Phrase {
                            link: Link::Predicate,
                            head: Some(a - 1),
                            from: modifiers_start(a - 1),
                            to: r + 1,
                            previous,
                        });
                    }
                    if cx.segment {
                        return Some(Phrase {
                            link: Link::Anaphor,
                            head: None,
                            from: j,
                            to: r + 1,
                            previous,
                        });
                    }
                    break;
                }
                What::Word if c.is(Class::Contrast) || c.is(Class::Report) => break,
                _ => {}
            }
        }
        // The clause that names no tariff word but follows one: "China ... and it was
        // raised to 125%"; taken only when the sentence is about tariffs.
    }

    // An aside on a party: "Vietnam's 20%", "China – 34%", "Tunisia (25%)", "Vietnam with
    // 46%" in an article about tariffs; "China 34%" only where the sentence names one.
    if let Some((_, separated)) = aside(v, r)
        && (cx.segment || (cx.article && separated))
    {
        return Some(Phrase { link: Link::Aside, head: None, from: r, to: r + 1, previous: None });
    }
    // A bearing verb in an article about tariffs: "Nigeria gets 14%", "Sri Lanka was
    // assigned 30 percent".
    if cx.article && bearer_verb(v, r).is_some() {
        return Some(Phrase { link: Link::Aside, head: None, from: r, to: r + 1, previous: None });
    }
    // "Ecuador keeps the 15% it has paid since August": the rate the subject pays.
    if cx.article && paid_after(v, r) {
        return Some(Phrase { link: Link::Paid, head: None, from: r, to: r + 1, previous: None });
    }
    None
}

/// Whether the rate is followed by "it has paid", "they face", "it already pays".
fn paid_after(v: &View<'_>, r: usize) -> bool {
    let (_, ce) = v.clause_range(r);
    let mut j = r + 1;
    if v.is(j, Class::Relative) {
        j += 1;
    }
    if !v.is(j, Class::Pronoun) {
        return false;
    }
    (j + 1..(j + 4).min(ce)).any(|k| v.is(k, Class::Receive))
}

/// The party right before a rate in an aside, and whether a mark sets the rate off:
/// "Vietnam's 20%", "China – 34%", "Japan (24%)", "Vietnam with 46%", "Vietnam at 46%"
/// are marked; "China 34%" is not.
fn aside(v: &View<'_>, r: usize) -> Option<(u16, bool)> {
    let mut j = r.checked_sub(1)?;
    let c = v.at(j)?;
    let mut separated = false;
    if c.is(Class::With)
        || c.is(Class::At)
        || c.is_punct('–')
        || c.is_punct('-')
        || c.is_punct(':')
        || c.is_punct('(')
        || c.is_punct('—')
        || c.is(Class::Det)
    {
        j = j.checked_sub(1)?;
        separated = true;
    }
    let (e, form, possessive) = v.entity(j)?;
    if matches!(form, Form::Actor) {
        return None;
    }
    Some((e, separated || possessive))
}

fn aside_party(v: &View<'_>, r: usize) -> Option<u16> {
    aside(v, r).map(|(e, _)| e)
}

/// The phrase the rate's tariff applies to, after the head.
fn origin_after(v: &View<'_>, p: &Phrase) -> Option<Origin> {
    let head = p.head?;
    // For "tariffs on X of 25%" and "tariff on X ... to 30%" the party phrase sits between
    // the head and the rate.
    let mut at = if head < p.to.saturating_sub(1) && matches!(p.link, Link::After | Link::Predicate)
    {
        head + 1
    } else {
        p.to
    };
    // Skip what may stand between a head and its party phrase: "imposed", "placed", "now
    // applied", "tariff rate".
    // Also when the phrase goes on to say when: "effective August 1", "starting next month".
    let mut steps = 0;
    while steps < 5 && !v.is(at, Class::On) && !v.is(at, Class::For) && !v.is(at, Class::Against) {
        let Some(c) = v.at(at) else { break };
        let skip = match c.what {
            What::Date(_) | What::Year(_) => true,
            What::Word => v.is_any(
                at,
                &[
                    Class::Impose,
                    Class::Aux,
                    Class::Now,
                    Class::RateNoun,
                    Class::Other,
                    Class::Start,
                    Class::Relative2,
                    Class::MonthUnit,
                    Class::Week,
                ],
            ),
            _ => false,
        };
        if !skip {
            break;
        }
        at += 1;
        steps += 1;
    }
    if !v.same_clause(head, at) {
        return None;
    }
    let c = v.at(at)?;
    let preposition = c.is(Class::On) || c.is(Class::Against) || c.is(Class::For);
    // "to all imports", "to all imported goods" (but "to the US" is a destination).
    let universal_to =
        c.is(Class::To) && (v.is(at + 1, Class::Universal) || v.is(at + 1, Class::Goods));
    if !(preposition || universal_to) {
        return None;
    }
    let mut o = origin_at(v, if universal_to { at + 1 } else { at })?;
    // "on all U.S. trading partners": the entity owns the group; it is everyone.
    if !o.entities.is_empty() && v.is(o.range.1, Class::Countries) {
        o.entities.clear();
        o.universal = true;
    }
    // "on goods from the other nation": the reciprocal case is read elsewhere.
    Some(o)
}

/// The party that bears the tariff as a verb's subject or object.
#[derive(Debug, Clone, Default)]
struct Bearer {
    entities: Vec<u16>,
    /// The imposer named as the verb's object ("will pay the United States").
    imposer: Option<u16>,
    /// The subject is a sector ("steel and aluminum will face").
    sector: bool,
    /// The subject is everyone ("importers from most countries will pay").
    universal: bool,
}

/// The verb before the phrase that makes its subject bear the tariff: "faces", "was hit
/// with", "will be charged", "has been given", "will pay", "secured".
fn bearer_verb(v: &View<'_>, from: usize) -> Option<usize> {
    let (cs, _) = v.clause_range(from);
    let mut j = from;
    let mut steps = 0;
    while j > cs && steps < 8 {
        j -= 1;
        steps += 1;
        let c = &v.chunks[j];
        if matches!(c.what, What::Percent { .. } | What::Money { .. }) {
            return None;
        }
        if c.is(Class::Receive) || c.is(Class::Negotiate) {
            return Some(j);
        }
        // "Mexican goods stay at 25%": a party's goods held at a rate.
        if c.is(Class::Copula)
            && c.what == What::Word
            && v.is(j + 1, Class::At)
            && !v.is(j, Class::At)
            && j + 2 == from.max(j + 2)
        {
            return Some(j);
        }
        if c.is(Class::Hit) {
            // Passive ("was hit with"): the subject bears it. Active ("Trump hit
            // Bangladesh with"): the object does; `bearer` reads both.
            return Some(j);
        }
        if c.is(Class::Impose) || c.is(Class::Raise) || c.is(Class::Cut) || c.is(Class::Report) {
            return None;
        }
    }
    None
}

fn bearer(v: &View<'_>, p: &Phrase) -> Option<Bearer> {
    let verb = bearer_verb(v, p.from)?;
    let mut b = Bearer::default();
    let passive = verb > 0
        && (v.is(verb - 1, Class::Aux)
            || v.is(verb - 1, Class::Now)
            || v.word(verb - 1).eq_ignore_ascii_case("also")
            || v.word(verb - 1).eq_ignore_ascii_case("been")
            || v.word(verb - 1).eq_ignore_ascii_case("got"));
    if v.is(verb, Class::Hit) && !passive {
        // "Trump hit Bangladesh with 37 per cent tariffs": the object bears it.
        if let Some((e, _, _)) = v.entity(verb + 1) {
            let (list, _) = entity_list(v, verb + 1);
            b.entities = list;
            b.imposer = subject_of(v, verb).map(|(_, s)| s).filter(|s| *s != e);
            return Some(b);
        }
        // "Beijing slapped a 34% tariff on American goods": used actively without a party
        // as its object, the verb levies; its subject is the imposer, not the bearer.
        return None;
    }
    // "Indonesia will pay the United States a 19% tariff": the object is the imposer.
    let mut k = verb + 1;
    if v.is(k, Class::Det) {
        k += 1;
    }
    if v.is(verb, Class::Receive)
        && let Some((e, _, false)) = v.entity(k)
    {
        b.imposer = Some(e);
    }
    // The subject: an entity, a list of them, or goods of one ("imports from Vietnam will
    // be charged", "its goods will be charged").
    let (cs, _) = v.clause_range(verb);
    if (cs..verb).any(|j| v.is(j, Class::Sector)) && !(cs..verb).any(|j| v.entity(j).is_some()) {
        b.sector = true;
        return Some(b);
    }
    if (cs..verb).any(|j| {
        v.is(j, Class::Countries)
            && j > 0
            && (v.is(j - 1, Class::Universal) || v.is(j - 1, Class::Other))
    }) && !(cs..verb).any(|j| v.entity(j).is_some())
    {
        b.universal = true;
        return Some(b);
    }
    if let Some((at, e)) = subject_of(v, verb) {
        let (list, _) = entity_list(v, at);
        b.entities = if list.is_empty() { vec![e] } else { list };
        if b.imposer.is_some_and(|i| b.entities.contains(&i)) {
            b.imposer = None;
        }
        // "Argentine goods continue to face the baseline, as do Uruguayan products".
        let (_, ce) = v.clause_range(verb);
        for k in verb + 1..ce {
            if v.word(k).eq_ignore_ascii_case("as")
                && v.is(k + 1, Class::Aux)
                && let Some((other, _, _)) = v.entity(k + 2)
                && !b.entities.contains(&other)
            {
                b.entities.push(other);
            }
        }
        return Some(b);
    }
    // "its goods will be charged", "the EU, whose goods will face": the antecedent.
    for j in (cs.saturating_sub(1)..verb).rev() {
        if v.is(j, Class::Goods)
            && j > 0
            && v.is(j - 1, Class::Possessive)
            && let Some(e) = antecedent(v, j - 1)
        {
            b.entities = vec![e];
            return Some(b);
        }
        if v.is(j, Class::Goods)
            && j > 0
            && v.is(j - 1, Class::Relative)
            && v.word(j - 1).eq_ignore_ascii_case("whose")
        {
            let mut k = j - 1;
            if k > 0 && v.at(k - 1).is_some_and(|c| c.is_punct(',')) {
                k -= 1;
            }
            if let Some((e, _, _)) = k.checked_sub(1).and_then(|k| v.entity(k)) {
                b.entities = vec![e];
                return Some(b);
            }
        }
        if v.is(j, Class::Goods)
            && j > 0
            && let Some(o) = origin_at(v, j)
            && !o.entities.is_empty()
        {
            b.entities = o.entities;
            return Some(b);
        }
    }
    // "imports from Vietnam will be charged".
    for j in (cs..verb).rev() {
        if v.is(j, Class::Goods)
            && let Some(o) = origin_at(v, j)
            && !o.entities.is_empty()
        {
            b.entities = o.entities;
            return Some(b);
        }
    }
    None
}

/// The imposer of the phrase, and a target named with it.
fn imposer(v: &View<'_>, p: &Phrase, origin: Option<&Origin>) -> (Option<Party>, Option<u16>) {
    let (cs, ce) = v.clause_range(p.from.max(p.to.saturating_sub(1)));
    let head = p.head.unwrap_or(p.to.saturating_sub(1));
    let mut target_hint = None;
    // A name inside the phrase: "US tariff", "a 19% US tariff", "China's tariffs on".
    let names_origin = origin.is_some_and(|o| !o.entities.is_empty());
    // Names after the head belong to its party phrase ("tariffs on Chinese goods ... to
    // 30%"), not to the imposer.
    let before_head = match p.link {
        Link::Before => p.to,
        _ => p.head.unwrap_or(p.to).max(p.from),
    };
    for j in p.from..before_head {
        if let Some((e, form, possessive)) = v.entity(j) {
            if possessive && !acts(form) && !names_origin {
                // "Vietnam's tariff rate was set at 46%": the possessor is the target,
                // unless it acts ("Washington's tariffs") or the phrase names the goods'
                // origin ("China's tariffs on US goods").
                target_hint = Some(e);
                continue;
            }
            return (Some(Party::Named(e)), target_hint);
        }
    }
    // A possessive right before the phrase: "Trump's initial 104% tariff".
    if p.from > cs
        && let Some((e, form, true)) = v.entity(p.from - 1)
    {
        if acts(form) || origin.is_some_and(|o| !o.entities.is_empty()) {
            return (Some(Party::Named(e)), None);
        }
        target_hint = Some(e);
    }
    // An agent after the phrase: "imposed by President Trump", "negotiated by the EU".
    let after = origin.map_or(p.to, |o| o.range.1.max(p.to));
    for j in after..(after + 4).min(ce) {
        if v.is(j, Class::By) {
            let mut k = j + 1;
            if v.is(k, Class::Det) {
                k += 1;
            }
            if let Some((e, _, _)) = v.entity(k) {
                let negotiated = (after..j).any(|m| v.is(m, Class::Negotiate))
                    || (j > 0 && v.is(j - 1, Class::Negotiate));
                if negotiated {
                    return (None, Some(e));
                }
                return (Some(Party::Named(e)), target_hint);
            }
        }
    }
    // A relative clause after the phrase: "the 35% tariff that Trump said he will impose",
    // "the 25 per cent tariffs Trump imposed".
    let mut j = p.to;
    // "package", "hike": a noun or two that end the phrase first.
    while j < (p.to + 2).min(ce) && v.at(j).is_some_and(|c| c.what == What::Word && c.classes == 0)
    {
        j += 1;
    }
    if v.is(j, Class::Relative) {
        j += 1;
    }
    if v.is(j, Class::Det) {
        j += 1;
    }
    if let Some((e, _, _)) = v.entity(j)
        && ((j + 1)..(j + 6).min(ce)).any(|k| v.is(k, Class::Impose) || v.is(k, Class::Raise))
    {
        return (Some(Party::Named(e)), target_hint);
    }
    // The subject of the verb that levies: "China imposed", "The U.S. will lower its",
    // "Pakistan, which has a 58 percent tariff".
    let mut k = p.from;
    let mut steps = 0;
    while k > cs && steps < 8 {
        k -= 1;
        steps += 1;
        let c = &v.chunks[k];
        // A passive participle ("Ghana was assigned a 15% tariff") names the bearer, not
        // the imposer.
        let passive = is_passive(v, k);
        // "Mexico, which had threatened a flat 30 percent duty", "senators proposed": the
        // one who threatens is the threat's imposer.
        let levies = !passive
            && (c.is(Class::Impose)
                || c.is(Class::Raise)
                || c.is(Class::Cut)
                || c.is(Class::Bringing)
                || (c.is(Class::Threaten) && matches!(v.word(k).to_ascii_lowercase().as_str(), "threatened" | "threatens" | "threaten" | "threatening" | "warned" | "vowed" | "floated"))
                // "Pakistan, which has a 58 percent tariff": having a tariff is levying it
                // (but "has been placed" is a passive).
                || (c.is(Class::Aux)
                    && matches!(v.word(k).to_ascii_lowercase().as_str(), "has" | "have" | "had")
                    && (v.is(k + 1, Class::Det) || v.is(k + 1, Class::Possessive) || v.percent(k + 1).is_some())));
        if levies {
            // "hopes to reduce the tariff": the subject seeks the cut; it does not levy.
            let seeks = c.is(Class::Cut)
                && k > 0
                && v.is(k - 1, Class::To)
                && !(k >= 2 && (v.is(k - 2, Class::Modal) || v.is(k - 2, Class::Aux)));
            if seeks {
                return (None, target_hint);
            }
            if let Some((_, e)) = subject_of(v, k) {
                return (Some(Party::Named(e)), target_hint);
            }
            return (None, target_hint);
        }
        if matches!(c.what, What::Percent { .. }) || c.is(Class::Receive) || c.is(Class::Hit) {
            break;
        }
    }
    let _ = head;
    (None, target_hint)
}

/// The one party of the clause that is not the imposer, when there is exactly one.
fn lone_party(v: &View<'_>, r: usize, imposer: Option<u16>) -> Option<u16> {
    let (cs, ce) = v.clause_range(r);
    let mut found: Vec<u16> = Vec::new();
    for j in cs..ce {
        let Some((e, form, _)) = v.entity(j) else { continue };
        if form == Form::Actor || form == Form::Capital || Some(e) == imposer {
            continue;
        }
        // "buying Russian oil": an adjective on another noun names no party.
        if form == Form::Demonym
            && v.at(j + 1)
                .is_some_and(|n| n.what == What::Word && !n.is(Class::Goods) && n.classes == 0)
        {
            continue;
        }
        // "with the US": the other side of a deal, not the tariff's target.
        if !found.contains(&e) {
            found.push(e);
        }
    }
    match (found.as_slice(), imposer) {
        ([one], _) => Some(*one),
        _ => None,
    }
}

/// What the phrase says about its value.
fn stance(v: &View<'_>, r: usize, p: &Phrase) -> Stance {
    let (cs, ce) = v.clause_range(r);
    // "from 145% to 30%": the first is the old value.
    if r > 0 && v.is(r - 1, Class::From) && v.is(r + 1, Class::To) && v.percent(r + 2).is_some() {
        return Stance::Previous;
    }
    // "down from 37%", "up from 84 percent", "instead of 32%".
    if r >= 2 && v.is(r - 1, Class::From) && v.is(r - 2, Class::UpDown) {
        return Stance::Previous;
    }
    if r >= 2 && v.is(r - 2, Class::UpDown) && v.is(r - 1, Class::Det) && r >= 3 {
        // "down from the 15%".
    }
    if (r.saturating_sub(3)..r).any(|j| v.is(j, Class::From))
        && (r.saturating_sub(4)..r).any(|j| v.is(j, Class::UpDown))
    {
        return Stance::Previous;
    }
    for j in p.from..p.to {
        if v.is(j, Class::OldWord) {
            return Stance::Previous;
        }
    }
    if (p.from.saturating_sub(2)..p.from).any(|j| v.is(j, Class::Previously)) && p.from > cs {
        return Stance::Previous;
    }
    // "which until this week faced a 145% tariff", "until recently paid 25%": what held up
    // to a moment just past.
    let until_lately = (cs..r).any(|j| {
        v.is(j, Class::Until)
            && (v.is(j + 1, Class::Weekday)
                || matches!(
                    v.word(j + 1).to_ascii_lowercase().as_str(),
                    "recently" | "now" | "yesterday" | "this" | "last" | "lately"
                ))
    });
    if until_lately {
        return Stance::Previous;
    }
    let words = p.from..p.to;
    if words.clone().any(|j| v.is(j, Class::Total))
        || (cs..r).any(|j| v.is(j, Class::Bringing)) && r > 0 && v.is(r - 1, Class::To)
    {
        return Stance::Total;
    }
    if words.clone().any(|j| v.is(j, Class::Additional)) {
        return Stance::Additional;
    }
    let to_after_change = r > 0
        && v.is(r - 1, Class::To)
        && (cs..r).any(|j| v.is(j, Class::Raise) || v.is(j, Class::Cut) || v.is(j, Class::Impose));
    if to_after_change
        || words.clone().any(|j| v.is(j, Class::NewWord))
        || (r.saturating_sub(3)..r).any(|j| v.is(j, Class::Now))
    {
        return Stance::Current;
    }
    // A date well before the article's in the clause: the rate as it was then.
    for j in cs..ce {
        if let What::Date(w) = v.chunks[j].what {
            let before_until = j > 0
                && (v.is(j - 1, Class::Until)
                    || v.is(j - 1, Class::Start)
                    || v.is(j - 1, Class::To));
            if before_until {
                continue;
            }
            if let Some(d) = w.first_day(v.date)
                && v.date.date.since(d).is_ok_and(|s| s.get_days() > 20)
            {
                return Stance::Historical;
            }
        }
    }
    Stance::Level
}

/// "Both A and B have set tariffs of 125% on goods from the other (nation)": the pair.
fn reciprocal(v: &View<'_>, p: &Phrase) -> Option<(u16, u16)> {
    let (cs, ce) = v.clause_range(p.from);
    let other = (p.to..ce).any(|j| {
        v.is(j, Class::Other)
            && (v.is(j + 1, Class::Countries) || v.word(j + 1).eq_ignore_ascii_case("side"))
    }) || (p.to..ce).any(|j| v.is(j, Class::Both) && v.word(j).contains(' '));
    if !other {
        return None;
    }
    let both = (cs..p.from).any(|j| v.is(j, Class::Both));
    if !both {
        return None;
    }
    let pair: Vec<u16> = (cs..p.from).filter_map(|j| v.entity(j).map(|e| e.0)).collect();
    match pair.as_slice() {
        [a, b, ..] if a != b => Some((*a, *b)),
        _ => None,
    }
}

/// The place of rate `r` in a coordinated list of rates of a clause that says
/// "respectively": 0 for "28 percent" and 1 for "10 percent" in "tariffs of 28 percent and
/// 10 percent, respectively".
fn respective_index(v: &View<'_>, r: usize, parties: usize) -> Option<usize> {
    let (cs, ce) = v.clause_range(r);
    // The rates coordinated with this one: "28 percent and 10 percent", "10% and 20%".
    let mut group = vec![r];
    let mut j = r;
    while j >= cs + 2
        && (v.is(j - 1, Class::And) || v.at(j - 1).is_some_and(|c| c.is_punct(',')))
        && v.percent(j - 2).is_some()
    {
        j -= 2;
        group.insert(0, j);
    }
    let mut j = r;
    while j + 2 < ce
        && (v.is(j + 1, Class::And) || v.at(j + 1).is_some_and(|c| c.is_punct(',')))
        && v.percent(j + 2).is_some()
    {
        j += 2;
        group.push(j);
    }
    let said = (cs..ce).any(|j| v.is(j, Class::Respectively));
    // "Egypt and Jordan were assigned 10% and 20%": as many rates as parties, in order.
    if group.len() > 1 && (said || group.len() == parties) {
        return group.iter().position(|&j| j == r);
    }
    None
}

/// The old value written after the new one: "to 30% from 145%", "19pc, down from 29pc",
/// "30 percent, up from 10 percent".
fn replaced_after(v: &View<'_>, r: usize) -> Option<f64> {
    let mut j = r + 1;
    if v.at(j).is_some_and(|c| c.is_punct(',')) {
        j += 1;
    }
    if v.is(j, Class::UpDown) {
        j += 1;
    }
    if !v.is(j, Class::From) {
        return None;
    }
    v.percent(j + 1)
}
