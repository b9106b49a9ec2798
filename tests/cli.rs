//! The command line as users call it: `scan --json` meets the claim contract and the gold
//! facts of the articles (as written, wrapped in HTML and in JSON), `check-config` names bad
//! settings, and the verbs that read state refuse to invent a database.
//!
//! Two gold files: the project's own, `tests/fixtures/gold.jsonl`, for `seeds/` and the
//! extraction fixtures, written as a careful reader reads those articles (the facts they
//! state, not what the extractor happens to find), so these tests always run; and the
//! shared one beside the checkout (`../shared/gold`), scored by the shared `eval-claims`,
//! whose tests say "skipped" when it is absent, and fail then under CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::daemon::{Workspace, binary};
use crate::support::{gold, skip};

/// The shared seed articles and gold facts, when this checkout sits beside them (CI has
/// them there; elsewhere the test says it skipped).
fn shared(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("seeds").is_dir()
        && dir.join("gold/seeds.jsonl").is_file()
        && dir.join("tools/eval-claims").is_file()
    {
        Some(dir)
    } else {
        skip(test, "../shared/seeds, gold and tools are not beside this checkout");
        None
    }
}

/// The article files directly in `dir` with one of `extensions`, sorted.
fn articles_in(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().and_then(|x| x.to_str()).is_some_and(|x| extensions.contains(&x)))
        .collect();
    files.sort();
    files
}

/// The project's own articles: `seeds/` and the extraction fixtures, all of them in the
/// gold file `tests/fixtures/gold.jsonl`.
fn own_articles() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = articles_in(&root.join("seeds"), &["txt", "md", "html", "json"]);
    files.extend(articles_in(&root.join("tests/fixtures/extract"), &["txt"]));
    files
}

fn own_gold() -> Vec<Value> {
    gold::lines(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gold.jsonl"))
}

/// `scan --json FILES` with the built-in defaults: its output.
fn scan_json(files: &[PathBuf]) -> Vec<u8> {
    let scan = Command::new(binary())
        .arg("scan")
        .arg("--json")
        .args(files)
        .env_remove("FACTWATCH_CONFIG")
        .output()
        .expect("scan");
    assert!(scan.status.success(), "scan failed: {}", String::from_utf8_lossy(&scan.stderr));
    scan.stdout
}

fn claims(files: &[PathBuf]) -> Vec<Value> {
    String::from_utf8_lossy(&scan_json(files))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a claim per line"))
        .collect()
}

/// `scan --json FILES | eval-claims GOLD`: returns (exit ok, the scorer's output).
fn score(files: &[PathBuf], gold: &Path, eval: &Path) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let claims = dir.path().join("claims.jsonl");
    std::fs::write(&claims, scan_json(files)).expect("claims");
    let out = Command::new("python3")
        .arg(eval)
        .arg(gold)
        .arg(&claims)
        .output()
        .expect("python3 eval-claims");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Copies of text articles in `dir`, wrapped as `ext` (html: paragraphs in an `<article>`
/// between navigation and a footer; json: a `body`), with their old and new names.
fn wrapped(files: &[PathBuf], dir: &Path, ext: &str) -> Vec<(PathBuf, String, String)> {
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("article");
            let name = f.file_name().and_then(|n| n.to_str()).expect("name").to_string();
            let stem = f.file_stem().and_then(|n| n.to_str()).expect("stem");
            let wrapped_name = format!("{stem}.{ext}");
            let body = match ext {
                "html" => {
                    let paras: String = text.lines().map(|l| format!("<p>{}</p>\n", l.replace('&', "&amp;").replace('<', "&lt;"))).collect();
                    format!("<!doctype html><html><head><title>seed</title></head><body><nav><a href=\"/\">Home</a></nav><article>{paras}</article><footer>© 2025</footer></body></html>")
                }
                _ => serde_json::json!({"title": "", "body": text, "url": "https://example.org/seed"}).to_string(),
            };
            let path = dir.join(&wrapped_name);
            std::fs::write(&path, body).expect("write wrapped");
            (path, name, wrapped_name)
        })
        .collect()
}

/// Facts of the project's own articles that the extractor does not find yet: each a gap to
/// close, not an accepted answer. The gold test fails when one of them is found (take it
/// off this list) as when anything else is missed.
const KNOWN_MISSES: &[&str] = &[
    // "The two countries are not small partners: in 2021, bilateral trade reached $5
    // billion": the cascade extractor of 0e00cbb does not tie "bilateral trade" to the two
    // countries of the story.
    "missed: 2025-04-07-us-pakistan-talks.md trade_volume:PK:US@2021 = 5000000000 USD",
];

#[test]
fn scan_finds_every_fact_of_the_projects_own_articles_with_no_false_positive() {
    use std::io::Write as _;
    let score = gold::score(&own_gold(), &claims(&own_articles()));
    let (known, unexpected): (Vec<&String>, Vec<&String>) =
        score.problems.iter().partition(|p| KNOWN_MISSES.contains(&p.as_str()));
    assert!(unexpected.is_empty(), "{unexpected:#?}\n{}", score.summary);
    let fixed: Vec<&&str> =
        KNOWN_MISSES.iter().filter(|k| !known.iter().any(|p| p == *k)).collect();
    assert!(fixed.is_empty(), "found now, so no longer a known miss: {fixed:?}");
    for gap in &known {
        let _ = writeln!(std::io::stderr(), "known gap in the project's own gold: {gap}");
    }
}

#[test]
fn the_projects_own_text_articles_score_the_same_wrapped_in_html_and_json() {
    let texts: Vec<PathBuf> =
        own_articles().into_iter().filter(|p| p.extension().is_some_and(|x| x == "txt")).collect();
    assert_eq!(texts.len(), 5, "the brief in seeds/ and the four fixtures");
    let dir = tempfile::tempdir().expect("tempdir");
    for ext in ["html", "json"] {
        let copies = wrapped(&texts, dir.path(), ext);
        let gold: Vec<Value> = own_gold()
            .into_iter()
            .filter_map(|mut g| {
                let (_, _, new) = copies.iter().find(|(_, old, _)| g["file"] == old.as_str())?;
                g["file"] = Value::from(new.as_str());
                Some(g)
            })
            .collect();
        let files: Vec<PathBuf> = copies.into_iter().map(|(p, ..)| p).collect();
        let score = gold::score(&gold, &claims(&files));
        assert!(
            score.is_perfect(),
            "wrapped in {ext}: {}\n{}",
            score.problems.join("\n"),
            score.summary
        );
    }
}

#[test]
fn the_gold_scorer_counts_misses_and_false_positives() {
    let gold = own_gold();
    let mut claims = claims(&own_articles()[..1]);
    // A required fact dropped, and a figure read wrong.
    let dropped = claims.remove(0);
    claims[0]["value"] = Value::from(99.0);
    let score = gold::score(&gold, &claims);
    assert!(!score.is_perfect());
    let missed: Vec<&String> =
        score.problems.iter().filter(|p| p.starts_with("missed: ")).collect();
    assert!(
        missed.iter().any(|p| p.contains(dropped["key"].as_str().expect("key"))),
        "{:?}",
        score.problems
    );
    assert!(
        score.problems.iter().any(|p| p.starts_with("false positive: ") && p.contains("99")),
        "{:?}",
        score.problems
    );
}

#[test]
fn scan_finds_every_required_seed_fact_with_no_false_positive() {
    let Some(shared) = shared("scan_finds_every_required_seed_fact_with_no_false_positive") else {
        return;
    };
    let (ok, report) = score(
        &articles_in(&shared.join("seeds"), &["txt"]),
        &shared.join("gold/seeds.jsonl"),
        &shared.join("tools/eval-claims"),
    );
    assert!(ok, "{report}");
    eprintln!("seeds as text: {}", report.trim());
}

/// `a/b` after `name=` in the scorer's summary line.
fn ratio(report: &str, name: &str) -> (u32, u32) {
    let field = report
        .split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name}= in the scorer's report:\n{report}"));
    let (a, b) = field.split_once('/').unwrap_or_else(|| panic!("{name}={field} is not a/b"));
    (a.parse().expect("a count"), b.parse().expect("a count"))
}

/// Real published news the extractor was not written around: the targets (90%
/// recall, 95% precision), and no fall from the 73 of 74 required facts and 0 false
/// positives measured when the cascade landed, so an optimisation cannot trade quality.
#[test]
fn scan_holds_its_recall_and_precision_on_real_news() {
    let Some(shared) = shared("scan_holds_its_recall_and_precision_on_real_news") else {
        return;
    };
    let dev = shared.join("realnews-dev");
    if !dev.join("gold.jsonl").is_file() {
        skip(
            "scan_holds_its_recall_and_precision_on_real_news",
            "../shared/realnews-dev is absent",
        );
        return;
    }
    let (_, report) = score(
        &articles_in(&dev.join("articles"), &["txt", "md", "html", "json"]),
        &dev.join("gold.jsonl"),
        &shared.join("tools/eval-claims"),
    );
    let (found, required) = ratio(&report, "required_recall");
    let (right, claimed) = ratio(&report, "precision");
    eprintln!("realnews-dev: {}", report.trim());
    assert!(required >= 70, "the dev set lost its gold? {report}");
    assert!(f64::from(found) >= 0.9 * f64::from(required), "recall under 90%: {report}");
    assert!(f64::from(right) >= 0.95 * f64::from(claimed), "precision under 95%: {report}");
    assert!(found >= 73 && right == claimed, "quality fell from 73/74 and 76/76: {report}");
}

#[test]
fn scan_scores_the_same_on_seeds_wrapped_in_html_and_json() {
    let Some(shared) = shared("scan_scores_the_same_on_seeds_wrapped_in_html_and_json") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let gold = std::fs::read_to_string(shared.join("gold/seeds.jsonl")).expect("gold");
    for ext in ["html", "json"] {
        let copies = wrapped(&articles_in(&shared.join("seeds"), &["txt"]), dir.path(), ext);
        let mut renamed_gold = gold.clone();
        for (_, old, new) in &copies {
            renamed_gold = renamed_gold.replace(old.as_str(), new);
        }
        let gold_path = dir.path().join(format!("gold-{ext}.jsonl"));
        std::fs::write(&gold_path, renamed_gold).expect("gold");
        let files: Vec<PathBuf> = copies.into_iter().map(|(p, ..)| p).collect();
        let (ok, report) = score(&files, &gold_path, &shared.join("tools/eval-claims"));
        assert!(ok, "seeds wrapped in {ext}: {report}");
        eprintln!("seeds as {ext}: {}", report.trim());
    }
}

#[test]
fn scan_json_lines_follow_the_claim_contract_with_real_quotes() {
    let ws = Workspace::new(None, None, "", "");
    let path = ws.write(
        "2025-04-08-call.md",
        "---\ndate: 2025-04-08\n---\nThe U.S. imposed a 29% tariff on Pakistani goods.  Washington also set a 10% baseline tariff on all imports.\n",
    );
    let out = ws.factwatch(&["scan", "--json", path.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let expected_keys = [
        "as_of",
        "key",
        "kind",
        "metric",
        "period",
        "qualifier",
        "quote",
        "source",
        "span",
        "status",
        "subject",
        "unit",
        "until",
        "value",
    ];
    for c in &lines {
        let mut keys: Vec<&str> =
            c.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, expected_keys, "exactly the contract's fields");
        assert_eq!(c["as_of"], "2025-04-08");
        assert_eq!(c["kind"], "figure");
        assert_eq!(c["unit"], "percent");
        assert!(c["source"].as_str().is_some_and(|s| s.ends_with("2025-04-08-call.md")));
        let quote = c["quote"].as_str().expect("quote");
        assert!(!quote.is_empty() && (quote.contains("29%") || quote.contains("10%")), "{quote}");
        let span = c["span"].as_array().expect("span");
        assert!(span[0].as_u64() < span[1].as_u64());
    }
    assert_eq!(lines[0]["key"], "tariff_rate:US:PK");
    assert_eq!(lines[0]["subject"], serde_json::json!(["US", "PK"]));
    assert_eq!(lines[0]["value"], 29.0);
    assert_eq!(lines[1]["key"], "baseline_tariff_rate:US");
    assert_eq!(lines[1]["value"], 10.0);
}

#[test]
fn check_config_names_the_bad_setting() {
    let ws = Workspace::new(None, None, "timezone = \"Mars/Olympus\"", "");
    let out = ws.factwatch(&["check-config"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("setting `timezone`") && err.contains("Mars/Olympus"), "{err}");

    let ws = Workspace::new(Some("http://127.0.0.1:9/hook"), Some("not-a-whsec-secret"), "", "");
    let out = ws.factwatch(&["check-config"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("webhook[0] (test).secret")
            && !err.contains("not-a-whsec-secret"),
        "{err}"
    );

    let ws = Workspace::new(None, None, "", "");
    let out = Command::new(binary())
        .args(["check-config", "--config"])
        .arg(&ws.config)
        .env("FACTWATCH_MAX_FILE_SIZE", "lots")
        .output()
        .expect("check-config");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("ingest.max_file_size")
            && err.contains("FACTWATCH_MAX_FILE_SIZE"),
        "{err}"
    );
}

#[test]
fn check_config_prints_the_effective_settings_without_secrets() {
    let ws =
        Workspace::new(Some("http://127.0.0.1:9/hook"), Some("whsec_c2VjcmV0LXZhbHVl"), "", "");
    let out = ws.factwatch(&["check-config"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("watch_dir") && text.contains("name = \"test\""), "{text}");
    assert!(!text.contains("c2VjcmV0LXZhbHVl"), "the secret must not be printed: {text}");
}

#[test]
fn facts_without_a_database_says_what_to_do() {
    let ws = Workspace::new(None, None, "", "");
    let out = ws.factwatch(&["facts"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("start `factwatch run` first"));
    assert!(!ws.db.exists(), "reading facts does not create a database");
}

#[test]
fn messages_say_the_right_setting_and_problem() {
    let ws = Workspace::new(None, None, "", "");
    // `--config` is global: before the verb as well as after it.
    let out = Command::new(binary())
        .args(["--config"])
        .arg(&ws.config)
        .args(["facts"])
        .env_remove("FACTWATCH_CONFIG")
        .output()
        .expect("facts");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no database at") && err.contains("start `factwatch run` first"), "{err}");

    let out = ws.factwatch(&["scan", "nope/"]);
    assert!(!out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "factwatch: nope/: no such file or folder\n");

    let out = ws.factwatch(&["outbox", "retry"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("an event id (`evt_...`") && err.contains("--all-dead"), "{err}");

    let out = Command::new(binary())
        .args(["check-config", "--config"])
        .arg(&ws.config)
        .env("FACTWATCH_WEBHOOK_URL", "http://127.0.0.1:9/")
        .env("FACTWATCH_WEBHOOK_SECRET", "not-a-secret")
        .output()
        .expect("check-config");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("factwatch: setting `webhook[0] (env).secret` (from FACTWATCH_WEBHOOK_SECRET): the secret must be"),
        "{err}"
    );

    std::fs::write(
        &ws.config,
        format!("{}\nwach_dir = \"x\"\n", std::fs::read_to_string(&ws.config).expect("config")),
    )
    .expect("config");
    let out = ws.factwatch(&["check-config"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(" line ") && err.contains("unknown field `wach_dir`"), "{err}");
}

#[test]
fn status_says_what_is_missing_when_no_daemon_answers() {
    let ws = Workspace::new(None, None, "", "");
    let out = ws.factwatch(&["status"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("reads the daemon's HTTP endpoint, which is off: set [http] listen"),
        "{err}"
    );
    let port = crate::support::service::free_port();
    let ws = Workspace::new(None, None, "", &format!("[http]\nlisten = \"127.0.0.1:{port}\""));
    let out = ws.factwatch(&["status"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains(&format!(
                "no factwatch daemon answers on http://127.0.0.1:{port}/status"
            )),
        "{err}"
    );
}

#[test]
fn inbox_reads_the_default_config_and_verifies_with_its_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    let port = crate::support::service::free_port();
    std::fs::write(
        dir.path().join("config/factwatch.toml"),
        format!("[inbox]\nlisten = \"127.0.0.1:{port}\"\nsecret = \"whsec_c2VjcmV0LXZhbHVl\"\n"),
    )
    .expect("config");
    let mut child = Command::new(binary())
        .arg("inbox")
        .current_dir(dir.path())
        .env_remove("FACTWATCH_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("inbox");
    let mut stderr = child.stderr.take().expect("stderr");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    crate::support::daemon::eventually(std::time::Duration::from_secs(20), "the inbox", || {
        std::net::TcpStream::connect(addr).ok()
    });
    let rt = crate::end_to_end::runtime();
    let unsigned = rt.block_on(crate::support::receiver::post(addr, &[], b"{}"));
    let _ = child.kill();
    let _ = child.wait();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut err).expect("read stderr");
    assert_eq!(unsigned, 401, "an unsigned post is refused");
    assert!(
        err.contains("verifying signatures with the [inbox] secret in config/factwatch.toml"),
        "{err}"
    );
    assert!(!err.contains("c2VjcmV0LXZhbHVl"), "{err}");
}
