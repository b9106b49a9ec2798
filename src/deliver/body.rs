//! Request bodies: the alert event as stored (`json`), or a chat message for Slack (Block
//! Kit) and Discord (embeds) incoming webhooks.
//!
//! The `json` body is the stored event text byte for byte, one event per request, so a retry
//! sends exactly what the first attempt sent and the signature covers the documented
//! payload. A chat message carries the alerts of one article together (the worker groups
//! them, asking [`fits`] how many one message can hold): per alert the change (old -> new),
//! the quote, and the source (a link when the article has a URL) with the article date.
//! Text from articles goes where the chat cannot read it as markup (Slack `plain_text`) or
//! is escaped (Discord markdown), and no mention in it is ever resolved. Every length is
//! capped to the limits Slack and Discord document, so a message is never refused for size.

use serde_json::{Value, json};

use crate::config::BodyFormat;

/// Slack: at most 50 blocks per message.
pub(crate) const SLACK_MAX_BLOCKS: usize = 50;
/// Slack: at most 3000 characters in a text object (section, context).
pub(crate) const SLACK_MAX_TEXT: usize = 3000;
/// Slack: at most 150 characters in a header block.
pub(crate) const SLACK_MAX_HEADER: usize = 150;
/// Discord: at most 10 embeds per message.
pub(crate) const DISCORD_MAX_EMBEDS: usize = 10;
/// Discord: at most 6000 characters across all embeds of a message.
pub(crate) const DISCORD_MAX_TOTAL: usize = 6000;
/// Discord allows 256 characters in an embed title; 200 leaves room for ten embeds.
const DISCORD_TITLE_CHARS: usize = 200;
/// Discord: at most 1024 characters in a field value.
const DISCORD_MAX_FIELD: usize = 1024;
/// Discord: at most 2000 characters of `content`.
const DISCORD_MAX_CONTENT: usize = 2000;

/// How much of an article's quote a chat message shows; the JSON event has all of it.
const QUOTE_CHARS: usize = 400;
/// Blocks Slack needs per alert (the change, the quote and source), and for the heading.
const SLACK_BLOCKS_PER_ALERT: usize = 2;
const SLACK_HEADING_BLOCKS: usize = 1;

/// What a chat message shows about an article beyond what the event holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ArticleInfo {
    /// The headline.
    pub(crate) title: Option<String>,
    /// The canonical URL (only http and https are linked).
    pub(crate) url: Option<String>,
    /// The article date.
    pub(crate) published: Option<String>,
}

/// One stored event and what is known of its article.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Alert<'a> {
    /// The event as stored (JSON).
    pub(crate) event_json: &'a str,
    /// The article, when the store has it.
    pub(crate) article: Option<&'a ArticleInfo>,
}

/// The article an event came from (`data.current.source`), which chat messages group by.
pub(crate) fn source_of(event_json: &str) -> Option<String> {
    let v: Value = serde_json::from_str(event_json).ok()?;
    v.pointer("/data/current/source")?.as_str().filter(|s| !s.is_empty()).map(String::from)
}

/// The body to send for alerts in the webhook's format. A `json` body is the one event; a
/// chat body is one message for all of them (callers keep to [`fits`]).
pub(crate) fn render(format: BodyFormat, alerts: &[Alert<'_>]) -> Vec<u8> {
    match format {
        BodyFormat::Json => {
            alerts.first().map_or_else(Vec::new, |a| a.event_json.as_bytes().to_vec())
        }
        BodyFormat::Slack => slack(alerts).to_string().into_bytes(),
        BodyFormat::Discord => discord(alerts).to_string().into_bytes(),
    }
}

/// Whether one message of this format can carry these alerts within the documented limits.
/// A single alert always fits: every part of it is capped.
pub(crate) fn fits(format: BodyFormat, alerts: &[Alert<'_>]) -> bool {
    match format {
        BodyFormat::Json => alerts.len() <= 1,
        BodyFormat::Slack => {
            SLACK_HEADING_BLOCKS + SLACK_BLOCKS_PER_ALERT * alerts.len() <= SLACK_MAX_BLOCKS
        }
        BodyFormat::Discord => {
            alerts.len() <= DISCORD_MAX_EMBEDS
                && alerts.iter().map(|a| embed_chars(&discord_embed(&Parts::of(*a)))).sum::<usize>()
                    <= DISCORD_MAX_TOTAL
        }
    }
}

/// The parts of an alert a chat message shows, read from the stored event.
struct Parts {
    event_type: String,
    key: String,
    /// What the fact is, e.g. "US tariff on PK".
    subject: String,
    /// "29% -> 19%", "19% (new)".
    change: String,
    quote: String,
    source: String,
    url: Option<String>,
    title: Option<String>,
    date: Option<String>,
    timestamp: Option<String>,
}

impl Parts {
    fn of(alert: Alert<'_>) -> Parts {
        let v: Value = serde_json::from_str(alert.event_json).unwrap_or(Value::Null);
        let text = |path: &str| v.pointer(path).and_then(Value::as_str).map(one_line);
        let summary = text("/data/summary").filter(|s| !s.is_empty());
        // The summary is "SUBJECT: CHANGE" (reconcile::summary); a test event has only a line.
        let (subject, change) = match summary.as_deref().and_then(|s| s.split_once(": ")) {
            Some((a, b)) => (a.to_string(), b.to_string()),
            None => (summary.clone().or_else(|| text("/id")).unwrap_or_default(), String::new()),
        };
        let article = alert.article;
        Parts {
            event_type: text("/type").unwrap_or_else(|| "event".into()),
            key: text("/data/key").unwrap_or_default(),
            subject,
            change,
            quote: text("/data/current/quote").unwrap_or_default(),
            source: text("/data/current/source").unwrap_or_default(),
            url: article
                .and_then(|a| a.url.as_deref())
                .and_then(|u| url::Url::parse(u).ok())
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .map(|u| u.to_string()),
            title: article.and_then(|a| a.title.as_deref()).map(one_line).filter(|t| !t.is_empty()),
            date: article.and_then(|a| a.published.clone()).or_else(|| text("/data/current/as_of")),
            timestamp: text("/timestamp"),
        }
    }

    /// The file name of the source, for link labels.
    fn source_name(&self) -> &str {
        self.source.rsplit('/').next().unwrap_or(&self.source)
    }

    /// `29% -> 19%` with a real arrow, or the whole line when there is no change part.
    fn change_text(&self) -> String {
        self.change.replace(" -> ", " → ")
    }
}

/// The heading of a message: how many changes, and the article.
fn heading(parts: &[Parts]) -> String {
    let n = parts.len();
    let what = if n == 1 { "1 change".to_string() } else { format!("{n} changes") };
    match parts.first() {
        Some(p) => match (&p.title, p.source.is_empty()) {
            (Some(t), _) => format!("factwatch: {what} in “{t}”"),
            (None, false) => format!("factwatch: {what} in {}", p.source_name()),
            (None, true) => format!("factwatch: {what}"),
        },
        None => "factwatch".to_string(),
    }
}

fn slack(alerts: &[Alert<'_>]) -> Value {
    let parts: Vec<Parts> = alerts.iter().map(|a| Parts::of(*a)).collect();
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(&heading(&parts), SLACK_MAX_HEADER), "emoji": false},
    })];
    for p in &parts {
        let change = if p.change.is_empty() {
            format!("*{}*", slack_escape(&p.subject))
        } else {
            format!("*{}*: {}", slack_escape(&p.subject), slack_escape(&p.change_text()))
        };
        let line =
            format!("{change}\n`{}` · {}", slack_escape(&p.event_type), slack_escape(&p.key));
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(&line, SLACK_MAX_TEXT)},
        }));
        let source = match &p.url {
            Some(u) => format!("<{}|{}>", slack_link_target(u), slack_link_label(p.source_name())),
            None => slack_escape(&p.source),
        };
        let dated = p
            .date
            .as_deref()
            .map(|d| format!(" · article of {}", slack_escape(d)))
            .unwrap_or_default();
        let mut elements = Vec::new();
        if !p.quote.is_empty() {
            // plain_text: Slack reads no markup and no mention in it.
            elements.push(json!({
                "type": "plain_text",
                "text": truncate(&format!("“{}”", truncate(&p.quote, QUOTE_CHARS)), SLACK_MAX_TEXT),
                "emoji": false,
            }));
        }
        elements.push(json!({"type": "mrkdwn", "text": truncate(&format!("{source}{dated}"), SLACK_MAX_TEXT)}));
        blocks.push(json!({"type": "context", "elements": elements}));
    }
    blocks.truncate(SLACK_MAX_BLOCKS);
    // `text` is what notifications and screen readers show.
    let fallback: Vec<String> = parts
        .iter()
        .map(|p| {
            slack_escape(&if p.change.is_empty() {
                p.subject.clone()
            } else {
                format!("{}: {}", p.subject, p.change_text())
            })
        })
        .collect();
    json!({
        "text": truncate(&format!("{}: {}", slack_escape(&heading(&parts)), fallback.join("; ")), SLACK_MAX_TEXT),
        "blocks": blocks,
    })
}

fn discord(alerts: &[Alert<'_>]) -> Value {
    let parts: Vec<Parts> = alerts.iter().map(|a| Parts::of(*a)).collect();
    let embeds: Vec<Value> = parts.iter().take(DISCORD_MAX_EMBEDS).map(discord_embed).collect();
    json!({
        "content": truncate(&discord_escape(&heading(&parts)), DISCORD_MAX_CONTENT),
        "embeds": embeds,
        // Article text must never ping a channel: no mention anywhere is resolved.
        "allowed_mentions": {"parse": []},
    })
}

fn discord_embed(p: &Parts) -> Value {
    let title = if p.change.is_empty() {
        p.subject.clone()
    } else {
        format!("{}: {}", p.subject, p.change_text())
    };
    let mut embed = json!({
        "title": truncate(&discord_escape(&title), DISCORD_TITLE_CHARS),
        "fields": [
            {"name": "Fact", "value": truncate(&format!("`{}` · {}", discord_code(&p.event_type), discord_escape(&p.key)), 200), "inline": false},
        ],
    });
    if !p.quote.is_empty() {
        embed["description"] =
            json!(format!("> {}", truncate(&discord_escape(&p.quote), QUOTE_CHARS)));
    }
    if !p.source.is_empty() {
        let source = match &p.url {
            Some(u) => format!("[{}]({})", discord_escape(p.source_name()), u.replace(')', "%29")),
            None => discord_escape(&p.source),
        };
        let value = truncate(&source, DISCORD_MAX_FIELD.min(300));
        if let Some(fields) = embed["fields"].as_array_mut() {
            fields.push(json!({"name": "Source", "value": value, "inline": true}));
            if let Some(d) = &p.date {
                fields.push(json!({"name": "Article date", "value": truncate(&discord_escape(d), 40), "inline": true}));
            }
        }
    }
    if let Some(u) = &p.url {
        embed["url"] = json!(u);
    }
    if let Some(t) = &p.timestamp {
        embed["timestamp"] = json!(t);
    }
    embed
}

/// The characters Discord counts toward its 6000 per message: title, description, field
/// names and values, footer and author.
pub(crate) fn embed_chars(embed: &Value) -> usize {
    let len = |v: Option<&Value>| v.and_then(Value::as_str).map_or(0, |s| s.chars().count());
    let mut n = len(embed.get("title")) + len(embed.get("description"));
    n += len(embed.pointer("/footer/text")) + len(embed.pointer("/author/name"));
    if let Some(fields) = embed.get("fields").and_then(Value::as_array) {
        n += fields.iter().map(|f| len(f.get("name")) + len(f.get("value"))).sum::<usize>();
    }
    n
}

/// Control characters and line breaks become spaces: each part is one line.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Slack reads `<...>` as links and mentions (`<!channel>`), so the three characters of its
/// markup are escaped as its docs require.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A URL inside `<...|...>`: its own `|` and `>` would end the link early.
fn slack_link_target(url: &str) -> String {
    url.replace('|', "%7C").replace('>', "%3E").replace('<', "%3C")
}

fn slack_link_label(label: &str) -> String {
    slack_escape(&label.replace('|', "/"))
}

/// Discord markdown: every character that starts formatting, a quote, a heading, a list, a
/// link or a mention is escaped with a backslash.
fn discord_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*'
                | '_'
                | '~'
                | '`'
                | '|'
                | '>'
                | '#'
                | '-'
                | '['
                | ']'
                | '('
                | ')'
                | '<'
                | '@'
                | ':'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text inside an inline code span: only the backtick would end it.
fn discord_code(s: &str) -> String {
    s.replace('`', "'")
}

/// At most `max_chars` characters of `s`, with an ellipsis when cut. Also used by the CLI's
/// tables, so every shortened quote looks the same. A cut never ends in a lone backslash,
/// which would escape the ellipsis.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    while out.ends_with('\\') {
        out.pop();
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"id":"evt_1","type":"fact.changed","timestamp":"2025-07-31T00:00:00Z","data":{"key":"tariff_rate:US:PK","summary":"US tariff on PK: 29% -> 19%","current":{"source":"news/2025-07-31-deal.md","quote":"The U.S. cut its *tariff* to 19% @everyone <!channel>","as_of":"2025-07-31"}}}"#;

    fn alert(json: &str) -> Alert<'_> {
        Alert { event_json: json, article: None }
    }

    #[test]
    fn json_is_the_stored_event_untouched() {
        assert_eq!(render(BodyFormat::Json, &[alert(EVENT)]), EVENT.as_bytes());
    }

    #[test]
    fn slack_shows_the_change_quote_and_linked_source() {
        let info = ArticleInfo {
            title: Some("Deal <b>done</b>".into()),
            url: Some("https://example.org/deal?a=1|2".into()),
            published: Some("2025-07-31".into()),
        };
        let body = render(BodyFormat::Slack, &[Alert { event_json: EVENT, article: Some(&info) }]);
        let v: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["blocks"][0]["text"]["text"], "factwatch: 1 change in “Deal <b>done</b>”");
        assert_eq!(v["blocks"][0]["text"]["type"], "plain_text");
        assert_eq!(
            v["blocks"][1]["text"]["text"],
            "*US tariff on PK*: 29% → 19%\n`fact.changed` · tariff_rate:US:PK"
        );
        let context = &v["blocks"][2]["elements"];
        assert_eq!(context[0]["type"], "plain_text", "article text is never markup");
        assert_eq!(context[0]["text"], "“The U.S. cut its *tariff* to 19% @everyone <!channel>”");
        assert_eq!(
            context[1]["text"],
            "<https://example.org/deal?a=1%7C2|2025-07-31-deal.md> · article of 2025-07-31"
        );
        assert!(v["text"].as_str().is_some_and(|t| t.contains("US tariff on PK: 29% → 19%")));
    }

    #[test]
    fn discord_escapes_markdown_and_resolves_no_mention() {
        let v: Value =
            serde_json::from_slice(&render(BodyFormat::Discord, &[alert(EVENT)])).expect("json");
        assert_eq!(v["allowed_mentions"], json!({"parse": []}));
        let e = &v["embeds"][0];
        assert_eq!(e["title"], "US tariff on PK\\: 29% → 19%");
        assert_eq!(
            e["description"],
            "> The U.S. cut its \\*tariff\\* to 19% \\@everyone \\<!channel\\>"
        );
        assert_eq!(e["fields"][1]["value"], "news/2025\\-07\\-31\\-deal.md");
        assert_eq!(e["fields"][2]["value"], "2025\\-07\\-31");
        assert_eq!(e["timestamp"], "2025-07-31T00:00:00Z");
        assert_eq!(v["content"], "factwatch\\: 1 change in 2025\\-07\\-31\\-deal.md");
    }

    #[test]
    fn groups_fit_the_documented_limits() {
        let long = format!(
            r#"{{"id":"evt_2","type":"fact.new","data":{{"key":"k","summary":"{}: {}","current":{{"source":"a.md","quote":"{}"}}}}}}"#,
            "s".repeat(5000),
            "c".repeat(5000),
            "*_".repeat(5000)
        );
        let many: Vec<Alert<'_>> = (0..30).map(|_| alert(&long)).collect();
        assert!(fits(BodyFormat::Discord, &many[..1]) && fits(BodyFormat::Slack, &many[..1]));
        assert!(!fits(BodyFormat::Discord, &many[..11]) && !fits(BodyFormat::Slack, &many[..25]));
        assert!(fits(BodyFormat::Slack, &many[..24]));
        let n = (1..=10).rev().find(|n| fits(BodyFormat::Discord, &many[..*n])).expect("some fit");
        let v: Value =
            serde_json::from_slice(&render(BodyFormat::Discord, &many[..n])).expect("json");
        let total: usize = v["embeds"].as_array().expect("embeds").iter().map(embed_chars).sum();
        assert!(total <= DISCORD_MAX_TOTAL, "{total}");
        assert!(!fits(BodyFormat::Json, &many[..2]));
    }

    #[test]
    fn a_test_event_without_a_change_still_reads() {
        let t = r#"{"id":"evt_test_1","type":"factwatch.test","data":{"key":"factwatch.test","summary":"factwatch test event for webhook ops","current":{"source":"factwatch send-test"}}}"#;
        let v: Value =
            serde_json::from_slice(&render(BodyFormat::Slack, &[alert(t)])).expect("json");
        assert_eq!(
            v["blocks"][1]["text"]["text"],
            "*factwatch test event for webhook ops*\n`factwatch.test` · factwatch.test"
        );
        assert_eq!(source_of(t).as_deref(), Some("factwatch send-test"));
        assert_eq!(source_of("not json"), None);
    }
}
