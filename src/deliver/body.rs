//! Request bodies: the alert event as stored (`json`), or a chat message for Slack and
//! Discord incoming webhooks.
//!
//! The `json` body is the stored event text byte for byte, so a retry sends exactly what the
//! first attempt sent and the signature covers the documented payload. Chat bodies are one
//! readable line built from the event's `type`, `data.summary` and `data.current.source`.
//! Whatever this file returns is what gets signed and sent.

use serde_json::{Value, json};

use crate::config::BodyFormat;

/// Discord refuses `content` longer than 2000 characters.
const DISCORD_MAX_CHARS: usize = 2000;
/// Slack truncates long `text`; a summary line is far below this, the cap only guards odd input.
const SLACK_MAX_CHARS: usize = 3000;

/// The body to send for a stored event in the webhook's format.
pub(crate) fn render(format: BodyFormat, event_json: &str) -> Vec<u8> {
    match format {
        BodyFormat::Json => event_json.as_bytes().to_vec(),
        BodyFormat::Slack => {
            let text = truncate(&slack_escape(&summary_line(event_json)), SLACK_MAX_CHARS);
            json!({ "text": text }).to_string().into_bytes()
        }
        BodyFormat::Discord => {
            let text = truncate(&summary_line(event_json), DISCORD_MAX_CHARS);
            // Article text must never ping a channel: no mention in the line is resolved.
            json!({ "content": text, "allowed_mentions": { "parse": [] } }).to_string().into_bytes()
        }
    }
}

/// `[TYPE] SUMMARY (source: SOURCE)`, from the stored event; falls back to the type and id
/// when the event has no summary (which `model::AlertEvent` always has).
pub(crate) fn summary_line(event_json: &str) -> String {
    let v: Value = serde_json::from_str(event_json).unwrap_or(Value::Null);
    let str_at = |path: &[&str]| -> Option<String> {
        let mut cur = &v;
        for p in path {
            cur = cur.get(*p)?;
        }
        cur.as_str().map(one_line)
    };
    let event_type = str_at(&["type"]).unwrap_or_else(|| "event".to_string());
    let summary = str_at(&["data", "summary"])
        .filter(|s| !s.is_empty())
        .or_else(|| str_at(&["id"]))
        .unwrap_or_default();
    match str_at(&["data", "current", "source"]).filter(|s| !s.is_empty()) {
        Some(source) => format!("[{event_type}] {summary} (source: {source})"),
        None => format!("[{event_type}] {summary}"),
    }
}

/// Control characters and line breaks become spaces: a summary is one line.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Slack reads `<...>` as links and mentions (`<!channel>`), so the three characters of its
/// markup are escaped as its docs require.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// At most `max_chars` characters of `s`, with an ellipsis when cut. Also used by the CLI's
/// tables, so every shortened quote looks the same.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"id":"evt_1","type":"fact.changed","timestamp":"2025-04-08T12:00:00Z","data":{"key":"tariff_rate:US:PK","summary":"US tariff on PK: 29% -> 19%","current":{"source":"news/a.md"}}}"#;

    #[test]
    fn json_is_the_stored_event_untouched() {
        assert_eq!(render(BodyFormat::Json, EVENT), EVENT.as_bytes());
    }

    #[test]
    fn slack_gets_one_escaped_line_with_the_source() {
        let v: Value = serde_json::from_slice(&render(BodyFormat::Slack, EVENT)).expect("json");
        assert_eq!(
            v,
            json!({"text": "[fact.changed] US tariff on PK: 29% -&gt; 19% (source: news/a.md)"})
        );
    }

    #[test]
    fn discord_gets_content_and_no_mentions() {
        let v: Value = serde_json::from_slice(&render(BodyFormat::Discord, EVENT)).expect("json");
        assert_eq!(
            v,
            json!({
                "content": "[fact.changed] US tariff on PK: 29% -> 19% (source: news/a.md)",
                "allowed_mentions": {"parse": []}
            })
        );
    }

    #[test]
    fn odd_events_still_give_a_line() {
        assert_eq!(summary_line("not json"), "[event] ");
        assert_eq!(
            summary_line(r#"{"id":"evt_2","type":"fact.new","data":{}}"#),
            "[fact.new] evt_2"
        );
        assert_eq!(
            summary_line(r#"{"type":"x","data":{"summary":"a\nb","current":{"source":""}}}"#),
            "[x] a b"
        );
        let long = format!(r#"{{"type":"x","data":{{"summary":"{}"}}}}"#, "y".repeat(5000));
        let v: Value = serde_json::from_slice(&render(BodyFormat::Discord, &long)).expect("json");
        assert_eq!(v["content"].as_str().map(|s| s.chars().count()), Some(DISCORD_MAX_CHARS));
    }
}
