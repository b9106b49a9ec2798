//! Markdown: optional YAML front matter (flat `key: value` lines) and a body with its
//! markup thinned out so sentences read as sentences.

use super::Parsed;
use crate::ingest::date::parse_loose;

/// Parses a Markdown article.
pub(super) fn parse(text: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body) = split_front_matter(text);
    let mut parsed = Parsed { text: strip_markup(body), ..Parsed::default() };
    for line in front.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = unquote(value.trim());
        if value.is_empty() {
            continue;
        }
        match key.trim().to_ascii_lowercase().as_str() {
            "title" => parsed.title = Some(value.to_string()),
            "url" | "link" | "canonical" => parsed.url = Some(value.to_string()),
            "date" | "published" | "published_at" | "pubdate" if parsed.date.is_none() => {
                parsed.date = parse_loose(value);
                if parsed.date.is_none() {
                    parsed.note =
                        Some(format!("front matter date {value:?} is not a date; ignored"));
                }
            }
            _ => {}
        }
    }
    parsed
}

/// Splits `---` front matter from the body. Only a block that opens on the first line and
/// closes with `---` or `...` counts; anything else is all body.
fn split_front_matter(text: &str) -> (&str, &str) {
    let Some(rest) = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")) else {
        return ("", text);
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            return (&rest[..offset], &rest[offset + line.len()..]);
        }
        offset += line.len();
    }
    ("", text)
}

fn unquote(v: &str) -> &str {
    v.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v)
}

/// Removes the Markdown that would get in the way of reading sentences: heading marks,
/// emphasis, link targets and images, quote and list markers.
fn strip_markup(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for line in body.lines() {
        let mut l = line.trim_start();
        l = l.trim_start_matches('#').trim_start();
        for marker in ["> ", "- ", "* ", "+ "] {
            if let Some(rest) = l.strip_prefix(marker) {
                l = rest;
            }
        }
        let mut chars = l.char_indices().peekable();
        let bytes = l.as_bytes();
        while let Some((i, c)) = chars.next() {
            match c {
                '*' | '`' => {}
                '_' if bytes.get(i + 1) == Some(&b'_')
                    || i == 0
                    || bytes.get(i.wrapping_sub(1)) == Some(&b' ') => {}
                '!' if bytes.get(i + 1) == Some(&b'[') => {
                    // An image: drop it whole, alt text included.
                    skip_link(&mut chars);
                }
                '[' => {
                    // Keep a link's text, drop its target.
                    let mut text = String::new();
                    let mut closed = false;
                    for (_, c) in chars.by_ref() {
                        if c == ']' {
                            closed = true;
                            break;
                        }
                        text.push(c);
                    }
                    out.push_str(&text);
                    if closed && chars.peek().map(|(_, c)| *c) == Some('(') {
                        for (_, c) in chars.by_ref() {
                            if c == ')' {
                                break;
                            }
                        }
                    }
                }
                _ => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}

fn skip_link(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) {
    for (_, c) in chars.by_ref() {
        if c == ']' {
            break;
        }
    }
    if chars.peek().map(|(_, c)| *c) == Some('(') {
        for (_, c) in chars.by_ref() {
            if c == ')' {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_gives_title_date_url() {
        let p = parse(
            "---\ntitle: \"Deal cuts tariff\"\ndate: 2025-07-31\nurl: https://example.com/a\n---\n# Deal\n\nThe US cut its tariff on **Pakistani** goods to 19%.\n",
        );
        assert_eq!(p.title.as_deref(), Some("Deal cuts tariff"));
        assert_eq!(p.date, Some("2025-07-31".parse().expect("date")));
        assert_eq!(p.url.as_deref(), Some("https://example.com/a"));
        assert_eq!(p.text, "Deal\n\nThe US cut its tariff on Pakistani goods to 19%.\n");
    }

    #[test]
    fn links_keep_text_and_images_go() {
        let p = parse("See [the notice](https://x.y/z) ![chart](c.png) now.");
        assert_eq!(p.text, "See the notice  now.\n");
    }

    #[test]
    fn unclosed_front_matter_is_body() {
        let p = parse("---\ntitle: x\nno end");
        assert!(p.title.is_none());
        assert!(p.text.contains("title: x"));
    }

    #[test]
    fn bad_front_matter_date_is_noted() {
        let p = parse("---\ndate: someday\n---\nBody.");
        assert!(p.date.is_none());
        assert!(p.note.is_some_and(|n| n.contains("someday")));
    }
}
