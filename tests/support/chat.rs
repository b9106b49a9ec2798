//! Checks chat message bodies against the limits Slack and Discord document, independently of
//! the code that builds them.
//!
//! Slack Block Kit (api.slack.com/reference/block-kit): at most 50 blocks; a text object's
//! `text` is 1 to 3000 characters; a header's plain text at most 150; a context block holds
//! at most 10 elements; a section needs text or fields. Discord (discord.com/developers/docs/
//! resources/message#embed-object-embed-limits): at most 10 embeds; title 256, description
//! 4096, at most 25 fields with names of 256 and values of 1024, footer 2048, author 256, and
//! all of those together at most 6000 characters; `content` at most 2000.

use serde_json::Value;

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn text_object(t: &Value, max: usize, what: &str) -> Result<(), String> {
    let kind = t["type"].as_str().unwrap_or("");
    if kind != "plain_text" && kind != "mrkdwn" {
        return Err(format!("{what}: text type {kind:?}"));
    }
    let n = chars(&t["text"]);
    if n == 0 || n > max {
        return Err(format!("{what}: {n} characters (1..={max})"));
    }
    Ok(())
}

/// A Slack incoming-webhook body with Block Kit blocks.
pub fn validate_slack(body: &Value) -> Result<(), String> {
    let obj = body.as_object().ok_or("not an object")?;
    for k in obj.keys() {
        if !["text", "blocks"].contains(&k.as_str()) {
            return Err(format!("unknown top-level key {k}"));
        }
    }
    if chars(&body["text"]) == 0 || chars(&body["text"]) > 40_000 {
        return Err("text (the notification fallback) must be 1..=40000 characters".into());
    }
    let blocks = body["blocks"].as_array().ok_or("blocks is not an array")?;
    if blocks.is_empty() || blocks.len() > 50 {
        return Err(format!("{} blocks (1..=50)", blocks.len()));
    }
    for (i, b) in blocks.iter().enumerate() {
        let what = format!("block {i}");
        match b["type"].as_str() {
            Some("header") => {
                if b["text"]["type"] != "plain_text" {
                    return Err(format!("{what}: a header takes plain_text"));
                }
                text_object(&b["text"], 150, &what)?;
            }
            Some("section") => text_object(&b["text"], 3000, &what)?,
            Some("context") => {
                let els = b["elements"].as_array().ok_or(format!("{what}: no elements"))?;
                if els.is_empty() || els.len() > 10 {
                    return Err(format!("{what}: {} elements (1..=10)", els.len()));
                }
                for (j, e) in els.iter().enumerate() {
                    text_object(e, 3000, &format!("{what} element {j}"))?;
                }
            }
            Some("divider") => {}
            other => return Err(format!("{what}: unexpected type {other:?}")),
        }
    }
    Ok(())
}

/// A Discord incoming-webhook body with embeds.
pub fn validate_discord(body: &Value) -> Result<(), String> {
    if chars(&body["content"]) > 2000 {
        return Err("content over 2000 characters".into());
    }
    if body["allowed_mentions"] != serde_json::json!({"parse": []}) {
        return Err("mentions must not be resolved".into());
    }
    let embeds = body["embeds"].as_array().ok_or("embeds is not an array")?;
    if embeds.is_empty() || embeds.len() > 10 {
        return Err(format!("{} embeds (1..=10)", embeds.len()));
    }
    let mut total = 0;
    for (i, e) in embeds.iter().enumerate() {
        let what = format!("embed {i}");
        let limits = [("title", 256), ("description", 4096)];
        for (field, max) in limits {
            if chars(&e[field]) > max {
                return Err(format!("{what}: {field} over {max}"));
            }
            total += chars(&e[field]);
        }
        if chars(&e["footer"]["text"]) > 2048 || chars(&e["author"]["name"]) > 256 {
            return Err(format!("{what}: footer or author too long"));
        }
        total += chars(&e["footer"]["text"]) + chars(&e["author"]["name"]);
        let fields = e["fields"].as_array().map_or(&[][..], Vec::as_slice);
        if fields.len() > 25 {
            return Err(format!("{what}: {} fields", fields.len()));
        }
        for f in fields {
            let (n, v) = (chars(&f["name"]), chars(&f["value"]));
            if n == 0 || n > 256 || v == 0 || v > 1024 {
                return Err(format!("{what}: field name {n} / value {v} characters"));
            }
            total += n + v;
        }
        if let Some(u) = e["url"].as_str()
            && url::Url::parse(u).is_err()
        {
            return Err(format!("{what}: url {u:?}"));
        }
        if let Some(t) = e["timestamp"].as_str()
            && t.parse::<jiff::Timestamp>().is_err()
        {
            return Err(format!("{what}: timestamp {t:?}"));
        }
    }
    if total > 6000 {
        return Err(format!("{total} characters across embeds (at most 6000)"));
    }
    Ok(())
}
