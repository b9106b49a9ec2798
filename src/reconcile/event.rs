//! Turning a change into the alert event that is posted: the Standard Webhooks payload with
//! a readable one-line summary and an id derived from the change itself.

use jiff::Timestamp;

use crate::model::{AlertData, AlertEvent, Change, Fact, Observation, Qualifier, hex_sha256};

/// The alert event for a change, or `None` for changes that do not alert.
///
/// `describe` names the fact for people ("US tariff on PK"); the pack provides it. The id
/// hashes the type, key, revision and values, not the time: the same change detected again
/// after a crash gets the same id, so receivers can drop the duplicate.
pub fn alert_event(change: &Change, now: Timestamp, describe: &str) -> Option<AlertEvent> {
    let event_type = change.event_type()?;
    let fact = change.fact()?;
    let conflict = match change {
        Change::Conflict { fact, .. } => fact.conflict.clone(),
        _ => None,
    };
    let cause = change.cause().map(str::to_string);
    let mut id_input = format!(
        "{}|{}|{}|{}|{}",
        event_type.as_str(),
        fact.key,
        fact.revision,
        serde_json::to_string(&fact.previous).unwrap_or_default(),
        serde_json::to_string(&fact.current).unwrap_or_default(),
    );
    // Only events that have them hash these, so the ids of every other event are what
    // earlier versions gave: an upgrade in the middle of a redelivery does not duplicate.
    if let Some(c) = &conflict {
        id_input.push_str(&format!("|conflict:{}", serde_json::to_string(c).unwrap_or_default()));
    }
    if let Some(c) = &cause {
        id_input.push_str(&format!("|cause:{c}"));
    }
    let digest = hex_sha256(id_input.as_bytes());
    let previous = match change {
        Change::New { .. } | Change::Conflict { .. } => None,
        _ => fact.previous.clone(),
    };
    let summary = match &conflict {
        Some(other) => format!(
            "{describe}: conflicting reports: {} ({}, held) vs {} ({})",
            show(&fact.current),
            fact.current.source,
            show(other),
            other.source
        ),
        None => summary(fact, previous.as_ref(), describe),
    };
    Some(AlertEvent {
        id: format!("evt_{}", &digest[..26]),
        event_type,
        timestamp: now,
        data: AlertData {
            key: fact.key.clone(),
            metric: fact.metric.clone(),
            subject: fact.subject.clone(),
            period: fact.period.clone(),
            kind: fact.kind,
            summary,
            previous,
            stated_previous: fact.current.stated_previous,
            current: fact.current.clone(),
            cause,
            conflict,
        },
    })
}

/// One readable line: `US tariff on PK: 29% -> 19%`, `... 29% (new)`,
/// `US tariff pause: active until 2025-07-09 -> expired`.
pub fn summary(fact: &Fact, previous: Option<&Observation>, describe: &str) -> String {
    match previous {
        Some(p) => format!("{describe}: {} -> {}", show(p), show(&fact.current)),
        None => format!("{describe}: {} (new)", show(&fact.current)),
    }
}

/// An observation as people write it: `29%`, `over $7B`, `active until 2025-07-09`.
pub fn show(o: &Observation) -> String {
    if let Some(v) = o.value {
        let hedge = match o.qualifier {
            Some(Qualifier::Over) => "over ",
            Some(Qualifier::Under) => "under ",
            Some(Qualifier::About) => "about ",
            None => "",
        };
        let value = format!("{hedge}{}", show_value(v, o.unit.as_deref()));
        // A figure with a state is a threat that came into force: "50% (realised)".
        return match &o.status {
            Some(state) => format!("{value} ({state})"),
            None => value,
        };
    }
    let status = o.status.as_deref().unwrap_or("unknown");
    match o.until {
        Some(u) if status != super::EXPIRED => format!("{status} until {u}"),
        _ => status.to_string(),
    }
}

fn trim(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

fn show_value(v: f64, unit: Option<&str>) -> String {
    match unit {
        Some("percent") => format!("{}%", trim(v, 2)),
        Some("days") => format!("{} days", trim(v, 1)),
        Some("count") | None => trim(v, 2),
        Some(currency) => {
            let (scaled, suffix) = match v.abs() {
                x if x >= 1e12 => (v / 1e12, "T"),
                x if x >= 1e9 => (v / 1e9, "B"),
                x if x >= 1e6 => (v / 1e6, "M"),
                _ => (v, ""),
            };
            let number = format!("{}{suffix}", trim(scaled, 2));
            match currency {
                "USD" => format!("${number}"),
                "EUR" => format!("€{number}"),
                "GBP" => format!("£{number}"),
                other => format!("{number} {other}"),
            }
        }
    }
}
