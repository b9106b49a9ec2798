//! JSON articles: one object with `title`, `body` or `text`, `published` or `date`, `url`.
//! A body that is itself HTML (as many feeds deliver it) is reduced to its text.

use serde_json::Value;

use super::Parsed;
use crate::ingest::date::parse_loose;

fn field<'a>(obj: &'a serde_json::Map<String, Value>, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| obj.get(*n).and_then(Value::as_str)).filter(|s| !s.trim().is_empty())
}

/// Parses a JSON article.
pub(super) fn parse(text: &str) -> Result<Parsed, String> {
    let value: Value = serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
        .map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("the JSON is not an object with title/body/published/url".to_string());
    };
    let body = field(&obj, &["body", "text", "content", "article"]).unwrap_or("");
    let body =
        if looks_like_html(body) { super::html::parse(body)?.text } else { body.to_string() };
    let title = field(&obj, &["title", "headline"]).map(str::to_string);
    let mut parsed = Parsed {
        url: field(&obj, &["url", "link", "canonical_url"]).map(str::to_string),
        ..Parsed::default()
    };
    if let Some(d) = field(&obj, &["published", "date", "published_at", "datePublished", "pubDate"])
    {
        parsed.date = parse_loose(d);
        if parsed.date.is_none() {
            parsed.note = Some(format!("date {d:?} is not a date; ignored"));
        }
    }
    // The headline is part of what the article says, so extraction reads it too; a blank
    // line keeps it a sentence of its own.
    parsed.text = match &title {
        Some(t) if !body.is_empty() => format!("{t}\n\n{body}"),
        Some(_) => String::new(),
        None => body,
    };
    parsed.title = title;
    Ok(parsed)
}

fn looks_like_html(s: &str) -> bool {
    ["</p>", "<p>", "<br", "</div>"].iter().any(|t| s.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_aliases() {
        let p = parse(r#"{"title":"Deal","text":"Rate cut to 19%.","date":"2025-07-31T09:00:00Z","url":"https://e.x/1"}"#)
            .expect("parse");
        assert_eq!(p.text, "Deal\n\nRate cut to 19%.");
        assert_eq!(p.date, Some("2025-07-31".parse().expect("date")));
        assert_eq!(p.url.as_deref(), Some("https://e.x/1"));
    }

    #[test]
    fn html_body_is_reduced_to_text() {
        let p = parse(r#"{"body":"<p>First.</p><p>Second 29%.</p>"}"#).expect("parse");
        assert_eq!(p.text, "First.\nSecond 29%.");
    }

    #[test]
    fn not_an_object_is_an_error() {
        assert!(parse("[1,2]").is_err());
        assert!(parse("{broken").expect_err("bad json").contains("not valid JSON"));
    }
}
