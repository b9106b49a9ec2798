//! HTML pages: the text of the article, not the page chrome.
//!
//! The article is the largest `<article>`, else `<main>` / `[role=main]`, else `<body>`.
//! Inside it, navigation, asides, footers, forms, scripts, share bars, "related" and
//! newsletter boxes and link-only lists ("Read more: ...") are dropped, because a figure in a
//! sidebar about another story must not become a fact. Block elements become lines. The
//! tree is walked iteratively, so a hostile page nested a million levels deep cannot
//! overflow the stack.

use std::sync::LazyLock;

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};

use super::Parsed;
use crate::ingest::date::parse_loose;

fn selector(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| unreachable!("static selector {s}: {e}"))
}

static ARTICLE: LazyLock<Selector> = LazyLock::new(|| selector("article"));
static MAIN: LazyLock<Selector> = LazyLock::new(|| selector("main, [role=main]"));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
static TITLE: LazyLock<Selector> =
    LazyLock::new(|| selector("meta[property='og:title'], meta[name='twitter:title']"));
static TITLE_TAG: LazyLock<Selector> = LazyLock::new(|| selector("title, h1"));
static DATE_META: LazyLock<Selector> = LazyLock::new(|| {
    selector(
        "meta[property='article:published_time'], meta[name='article:published_time'], \
         meta[itemprop='datePublished'], meta[name='date'], meta[name='pubdate'], \
         meta[name='publish-date'], meta[property='og:published_time'], meta[name='dc.date']",
    )
});
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
static CANONICAL: LazyLock<Selector> =
    LazyLock::new(|| selector("link[rel='canonical'], meta[property='og:url']"));

/// Elements whose content is never article text.
const SKIP_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "aside", "footer", "form", "button",
    "select", "iframe", "svg", "canvas", "video", "audio", "figure", "menu", "dialog", "head",
];

/// Class or id words that mark chrome inside an article.
const SKIP_HINTS: &[&str] = &[
    "share",
    "social",
    "related",
    "newsletter",
    "subscribe",
    "promo",
    "advert",
    "sidebar",
    "breadcrumb",
    "comment",
    "cookie",
    "recommend",
    "read-more",
    "readmore",
    "more-stories",
    "paywall",
    "signup",
    "tags",
    "byline-share",
];

/// Elements that end a line of text.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "tr",
    "br",
    "hr",
    "figcaption",
    "address",
    "summary",
    "details",
];

/// Pages nested deeper than this are refused: html5ever's tree building is quadratic in the
/// depth of open elements, so a hostile page of a few hundred kilobytes could hold a core
/// for minutes. Real article pages stay well under a hundred levels.
const MAX_DEPTH: usize = 1000;

/// Elements that never stay open (void) or that the parser closes by itself, so they do
/// not add to the depth estimate.
const NON_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "!doctype",
];

/// An upper-bound estimate of element nesting from the tags alone, in one linear pass.
fn nesting_estimate(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(off) = bytes.get(i..).and_then(|b| b.iter().position(|&c| c == b'<')) {
        let start = i + off + 1;
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = if closing { start + 1 } else { start };
        let name_len = bytes.get(name_start..).map_or(0, |b| {
            b.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'!').count()
        });
        i = name_start + name_len;
        if name_len == 0 {
            continue;
        }
        let name = text.get(name_start..name_start + name_len).unwrap_or("").to_ascii_lowercase();
        if name.starts_with('!') || NON_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

/// Parses an HTML page.
pub(super) fn parse(text: &str) -> Result<Parsed, String> {
    let depth = nesting_estimate(text);
    if depth > MAX_DEPTH {
        return Err(format!(
            "HTML nested about {depth} elements deep (limit {MAX_DEPTH}); not an article page, not read"
        ));
    }
    let doc = Html::parse_document(text);
    let root = pick_root(&doc);
    let body = root.map(visible_text).unwrap_or_default();
    let attr = |sel: &Selector, name: &str| {
        doc.select(sel).find_map(|e| e.value().attr(name)).map(str::trim).filter(|s| !s.is_empty())
    };
    let title = attr(&TITLE, "content").map(str::to_string).or_else(|| {
        doc.select(&TITLE_TAG)
            .map(|e| collapse(&e.text().collect::<String>()))
            .find(|t| !t.is_empty())
    });
    let date = attr(&DATE_META, "content").and_then(parse_loose).or_else(|| {
        let in_root = root.and_then(|r| r.select(&TIME).find_map(|e| e.value().attr("datetime")));
        in_root.or_else(|| attr(&TIME, "datetime")).and_then(parse_loose)
    });
    let url = doc
        .select(&CANONICAL)
        .find_map(|e| e.value().attr("href").or_else(|| e.value().attr("content")))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    Ok(Parsed { title, url, date, text: body, note: None })
}

/// The element holding the article: the `<article>` with the most text, else `<main>`,
/// else `<body>`.
fn pick_root(doc: &Html) -> Option<ElementRef<'_>> {
    let best_article = doc
        .select(&ARTICLE)
        .map(|a| (visible_text(a).len(), a))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, _)| *n)
        .map(|(_, a)| a);
    best_article
        .or_else(|| doc.select(&MAIN).next())
        .or_else(|| doc.select(&BODY).next())
        .or_else(|| Some(doc.root_element()))
}

fn is_chrome(el: &scraper::node::Element) -> bool {
    let name = el.name();
    if SKIP_TAGS.contains(&name)
        || el.attr("hidden").is_some()
        || el.attr("aria-hidden") == Some("true")
    {
        return true;
    }
    let hints = [el.attr("class"), el.attr("id"), el.attr("role")];
    hints.iter().flatten().any(|v| {
        let v = v.to_ascii_lowercase();
        v == "navigation" || v == "complementary" || SKIP_HINTS.iter().any(|h| v.contains(h))
    })
}

/// Whether a list is only links ("Read more: ..." lists, tag clouds): then it is chrome.
fn is_link_list(node: NodeRef<'_, Node>) -> bool {
    let Some(el) = node.value().as_element() else { return false };
    if !matches!(el.name(), "ul" | "ol") {
        return false;
    }
    let mut all = 0usize;
    let mut linked = 0usize;
    let mut link_depth = 0usize;
    for edge in node.traverse() {
        match edge {
            Edge::Open(n) => {
                if n.value().as_element().is_some_and(|e| e.name() == "a") {
                    link_depth += 1;
                }
                if let Some(t) = n.value().as_text() {
                    let len = t.trim().len();
                    all += len;
                    if link_depth > 0 {
                        linked += len;
                    }
                }
            }
            Edge::Close(n) => {
                if n.value().as_element().is_some_and(|e| e.name() == "a") {
                    link_depth = link_depth.saturating_sub(1);
                }
            }
        }
    }
    all > 0 && linked * 10 >= all * 8
}

/// The text of an element, chrome removed, one line per block.
fn visible_text(root: ElementRef<'_>) -> String {
    let mut out = String::new();
    let mut line = String::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    let flush = |line: &mut String, out: &mut String| {
        let t = collapse(line);
        if !t.is_empty() {
            out.push_str(&t);
            out.push('\n');
        }
        line.clear();
    };
    for edge in (*root).traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(el) => {
                        if node.id() != root.id() && (is_chrome(el) || is_link_list(node)) {
                            skipping = Some(node.id());
                            continue;
                        }
                        if BLOCK_TAGS.contains(&el.name()) {
                            flush(&mut line, &mut out);
                        }
                        // A table row arrives as one line of cells, "| Peru | 18% |", so
                        // tables of every format reach extraction the same way.
                        if matches!(el.name(), "td" | "th") {
                            line.push_str(if line.trim().is_empty() { "| " } else { " | " });
                        }
                    }
                    Node::Text(t) => line.push_str(t),
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                    continue;
                }
                if skipping.is_none()
                    && node.value().as_element().is_some_and(|el| el.name() == "tr")
                    && line.trim_start().starts_with('|')
                {
                    line.push_str(" |");
                }
                if skipping.is_none()
                    && node.value().as_element().is_some_and(|el| BLOCK_TAGS.contains(&el.name()))
                {
                    flush(&mut line, &mut out);
                }
            }
        }
    }
    flush(&mut line, &mut out);
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

/// Collapses runs of whitespace (including non-breaking spaces) to one space and trims.
fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head>
        <title>Deal | Example News</title>
        <meta property="og:title" content="US and Pakistan strike a deal">
        <meta property="article:published_time" content="2025-07-31T08:00:00Z">
        <link rel="canonical" href="https://news.example/deal">
        <script>var x = "a 99% tariff";</script></head>
      <body><nav><a href="/">Home</a> Markets fell 3%</nav>
      <article><header><h1>US and Pakistan strike a deal</h1></header>
        <div class="share-bar"><a>Share</a> 12% off subscriptions</div>
        <p>The U.S. cut its tariff on Pakistani goods&nbsp;to <b>19%</b>.</p>
        <p>Officials   said more talks would follow.</p>
        <ul><li><a href="/a">Read more: cricket board raises fees by 20%</a></li></ul>
        <ul><li>Textiles: 40% of exports</li></ul>
      </article>
      <aside><p>Shares fell 3% in 2019</p></aside><footer>© 2025</footer></body></html>"#;

    #[test]
    fn article_text_without_chrome() {
        let p = parse(PAGE).expect("parse");
        assert_eq!(
            p.text,
            "US and Pakistan strike a deal\nThe U.S. cut its tariff on Pakistani goods to 19%.\nOfficials said more talks would follow.\nTextiles: 40% of exports"
        );
        assert_eq!(p.title.as_deref(), Some("US and Pakistan strike a deal"));
        assert_eq!(p.date, Some("2025-07-31".parse().expect("date")));
        assert_eq!(p.url.as_deref(), Some("https://news.example/deal"));
    }

    #[test]
    fn time_element_gives_the_date() {
        let p = parse("<html><body><main><time datetime=\"2025-04-08\">8 April</time><p>Text.</p></main></body></html>")
            .expect("parse");
        assert_eq!(p.date, Some("2025-04-08".parse().expect("date")));
    }

    #[test]
    fn hostile_nesting_is_refused_quickly() {
        let deep = format!(
            "<html><body>{}<p>deep 5%</p>{}</body></html>",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let err = parse(&deep).expect_err("too deep");
        assert!(err.contains("nested"), "{err}");
    }

    #[test]
    fn nesting_within_the_limit_is_read_without_recursion() {
        let deep = format!(
            "<html><body>{}<p>deep 5%</p>{}</body></html>",
            "<div>".repeat(900),
            "</div>".repeat(900)
        );
        let p = parse(&deep).expect("parse");
        assert!(p.text.contains("deep 5%"));
    }

    #[test]
    fn sloppy_unclosed_paragraphs_do_not_count_as_nesting() {
        let page = format!("<html><body>{}</body></html>", "<p>para".repeat(5000));
        assert!(nesting_estimate(&page) < 5);
    }

    #[test]
    fn page_without_text_has_empty_body() {
        let p = parse("<html><head><title>x</title></head><body><nav>menu</nav></body></html>")
            .expect("parse");
        assert_eq!(p.text, "");
    }
}
