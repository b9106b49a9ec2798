//! General and country keys, and which stored facts a batch of claims needs.
//!
//! A metric whose last role is optional has two scopes: `tariff_pause:US` (the general
//! pause, "most countries") and `tariff_pause:US:PK` (Pakistan's). The packs say which
//! metrics have them ([`super::Rules::scoped`]); the relation itself is read off the key, so
//! the store needs no column for it.

use super::Rules;
use crate::model::{Claim, Fact};

/// A key as extraction writes it: `metric:S1[:S2][@PERIOD]`.
pub(crate) fn key_of(metric: &str, subject: &[String], period: Option<&str>) -> String {
    let mut key = format!("{metric}:{}", subject.join(":"));
    if let Some(p) = period {
        key.push('@');
        key.push_str(p);
    }
    key
}

/// The parts of a key: metric, subject codes, period.
fn parts(key: &str) -> (&str, Vec<&str>, Option<&str>) {
    let (body, period) = match key.split_once('@') {
        Some((b, p)) => (b, Some(p)),
        None => (key, None),
    };
    let mut it = body.split(':');
    let metric = it.next().unwrap_or_default();
    (metric, it.collect(), period)
}

/// Whether a key with this metric and subject is a general key.
pub(crate) fn is_general(metric: &str, subject: &[String], rules: &Rules) -> bool {
    rules.scoped.get(metric) == Some(&subject.len())
}

/// The general key of a country key (`tariff_pause:US:PK` -> `tariff_pause:US`), or `None`
/// for a key that has none.
pub(crate) fn general_key_of(key: &str, rules: &Rules) -> Option<String> {
    let (metric, subject, period) = parts(key);
    let n = *rules.scoped.get(metric)?;
    if subject.len() <= n {
        return None;
    }
    let general: Vec<String> = subject[..n].iter().map(|s| s.to_string()).collect();
    Some(key_of(metric, &general, period))
}

/// The stored facts reconcile needs for a batch of claims: exact keys, and key prefixes
/// whose every fact is needed (the country keys under a general key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needed {
    /// Keys to read when they exist.
    pub keys: Vec<String>,
    /// Read every fact whose key starts with one of these (`tariff_pause:US:`). The period,
    /// if any, is checked by reconcile.
    pub prefixes: Vec<String>,
}

/// What [`super::reconcile`] needs to read for these claims.
pub fn needed(claims: &[Claim], rules: &Rules) -> Needed {
    let mut n = Needed::default();
    for c in claims {
        n.keys.push(c.key.clone());
        if let Some(g) = general_key_of(&c.key, rules) {
            n.keys.push(g);
        }
        if is_general(&c.metric, &c.subject, rules) {
            n.prefixes.push(format!("{}:{}:", c.metric, c.subject.join(":")));
        }
        if let Some(threat) = rules.realises.get(&c.metric) {
            n.keys.push(key_of(threat, &c.subject, c.period.as_deref()));
        }
    }
    n.keys.sort();
    n.keys.dedup();
    n.prefixes.sort();
    n.prefixes.dedup();
    n
}

/// The general keys [`super::expire`] needs beside the facts that are due.
pub fn needed_for_expiry(due: &[Fact], rules: &Rules) -> Vec<String> {
    let mut keys: Vec<String> = due.iter().filter_map(|f| general_key_of(&f.key, rules)).collect();
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        let mut r = Rules::default();
        r.scoped.insert("tariff_pause".into(), 1);
        r
    }

    #[test]
    fn general_keys_are_read_off_the_key() {
        let r = rules();
        assert_eq!(general_key_of("tariff_pause:US:PK", &r).as_deref(), Some("tariff_pause:US"));
        assert_eq!(general_key_of("tariff_pause:EU:CN", &r).as_deref(), Some("tariff_pause:EU"));
        assert_eq!(general_key_of("tariff_pause:US", &r), None);
        assert_eq!(general_key_of("tariff_rate:US:PK", &r), None, "not a scoped metric");
        let mut r = r;
        r.scoped.insert("exports".into(), 1);
        assert_eq!(general_key_of("exports:PK:US@2024", &r).as_deref(), Some("exports:PK@2024"));
        assert_eq!(general_key_of("", &r), None);
        assert_eq!(general_key_of(":::@", &r), None);
    }
}
