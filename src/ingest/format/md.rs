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
/// emphasis, link targets and images, quote and list markers. Lines of one paragraph are
/// joined with a space, because in Markdown a single line break inside a paragraph is only
/// a soft wrap; headings, list items and quotes stay lines of their own.
fn strip_markup(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut in_paragraph = false;
    for line in body.lines() {
        let raw = line.trim_start();
        if raw.is_empty() {
            out.push('\n');
            in_paragraph = false;
            continue;
        }
        let starts_block = raw.starts_with('#')
            || raw.starts_with('>')
            || raw.starts_with('|')
            || raw.starts_with("```")
            || ["- ", "* ", "+ "].iter().any(|m| raw.starts_with(m))
            || raw
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if in_paragraph && !starts_block {
            // Replace the line break just written with a space: the same paragraph goes on.
            if out.ends_with('\n') {
                out.pop();
                out.push(' ');
            }
        }
        let mut l = raw.trim_start_matches('#').trim_start();
        for marker in ["> ", "- ", "* ", "+ "] {
            if let Some(rest) = l.strip_prefix(marker) {
                l = rest;
            }
        }
        strip_inline(l, &mut out);
        out.push('\n');
        // A heading ends at its line; anything else may continue on the next one.
        in_paragraph = !raw.starts_with('#');
    }
    out
}

/// Emphasis markers dropped, link text kept without its target, images dropped.
fn strip_inline(l: &str, out: &mut String) {
    let mut chars = l.char_indices().peekable();
    let bytes = l.as_bytes();
    while let Some((i, c)) = chars.next() {
        match c {
            '*' | '`' => {}
            '_' if bytes.get(i + 1) == Some(&b'_')
                || i == 0
                || bytes.get(i.wrapping_sub(1)) == Some(&b' ') => {}
            '!' if bytes.get(i + 1) == Some(&b'[') => skip_link(&mut chars),
            '[' => {
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
    fn soft_wrapped_paragraph_lines_are_joined_but_blocks_stay_lines() {
        let p = parse(
            "# Deal\nThe US cut its tariff on Pakistani goods from 29% to 19%, ending the\npause on\nreciprocal tariffs.\n\n- first item\n- second\n\nNext paragraph.\n",
        );
        assert_eq!(
            p.text,
            "Deal\nThe US cut its tariff on Pakistani goods from 29% to 19%, ending the pause on reciprocal tariffs.\n\nfirst item\nsecond\n\nNext paragraph.\n"
        );
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
