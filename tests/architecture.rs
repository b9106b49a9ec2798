//! The tidy test: keeps the "only X" lines of ARCHITECTURE.md true by reading the sources.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read src").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix(src()).expect("inside src");
    rel.components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string())
        .unwrap_or_default()
}

/// The code of a file without its `#[cfg(test)]` module and comments, roughly: good enough
/// to find imports and calls.
fn code_of(text: &str) -> String {
    let cut = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..cut]
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("//") || t.starts_with("///") || t.starts_with("//!"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn offenders(needle: &str, allowed: &[&str]) -> Vec<String> {
    sources(&src())
        .into_iter()
        .filter(|p| !allowed.contains(&module_of(p).as_str()))
        .filter(|p| code_of(&std::fs::read_to_string(p).expect("read")).contains(needle))
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn only_store_speaks_sql() {
    assert_eq!(offenders("rusqlite", &["store"]), Vec::<String>::new());
}

#[test]
fn only_deliver_speaks_http_to_webhooks() {
    assert_eq!(offenders("reqwest", &["deliver"]), Vec::<String>::new());
}

#[test]
fn only_ingest_reads_the_watched_folder() {
    // The notify watcher and the folder walk live in ingest; cli/daemon only call them.
    let watchers: Vec<String> = sources(&src())
        .into_iter()
        .filter(|p| module_of(p) != "ingest")
        .filter(|p| {
            let code = code_of(&std::fs::read_to_string(p).expect("read"));
            code.matches("notify::").count() > code.matches("sd_notify::").count()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(watchers, Vec::<String>::new());
    assert_eq!(offenders("read_dir", &["ingest"]), Vec::<String>::new());
}

#[test]
fn only_pipeline_decides_what_becomes_of_a_file() {
    // The store calls that carry the freshness, duplicate and deletion rules: the daemon and
    // the CLI reach them only through `pipeline`, so a replay and the daemon cannot drift
    // apart again (issue 13).
    for call in [
        ".file_state(",
        ".path_with_hash(",
        ".record_duplicate(",
        ".record_unchanged(",
        ".record_deleted(",
        ".live_paths_under(",
        ".record_article(",
        "file_meta(",
    ] {
        assert_eq!(
            offenders(call, &["store", "pipeline", "ingest"]),
            Vec::<String>::new(),
            "{call}"
        );
    }
}

#[test]
fn extract_and_reconcile_are_pure() {
    for module in ["extract", "reconcile"] {
        for path in sources(&src().join(module)) {
            let code = code_of(&std::fs::read_to_string(&path).expect("read"));
            for banned in [
                "std::fs",
                "tokio",
                "Timestamp::now",
                "SystemTime",
                "std::env",
                "std::net",
                "println!",
            ] {
                assert!(
                    !code.contains(banned),
                    "{} uses {banned}: {module} must stay pure",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn every_source_file_says_what_it_owns() {
    for path in sources(&src()) {
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.trim_start().starts_with("//!"),
            "{} must open with a //! paragraph",
            path.display()
        );
    }
}

#[test]
fn no_placeholders_or_debug_leftovers() {
    for path in sources(&src()) {
        let code = code_of(&std::fs::read_to_string(&path).expect("read"));
        for banned in ["todo!(", "unimplemented!(", "dbg!("] {
            assert!(!code.contains(banned), "{} contains {banned}", path.display());
        }
    }
}

#[test]
fn architecture_map_names_every_module() {
    let map =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md");
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    for line in lib.lines().filter_map(|l| l.strip_prefix("pub mod ")) {
        let name = line.trim_end_matches(';');
        assert!(
            map.contains(&format!("`{name}`")),
            "ARCHITECTURE.md does not name module `{name}`"
        );
    }
}
