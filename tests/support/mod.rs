//! Test support shared by the integration tests: real parts at the boundary.
#![allow(dead_code, reason = "each test module uses a different part of the harness")]

pub mod chat;
pub mod daemon;
pub mod gold;
pub mod receiver;
pub mod service;

/// Skips the calling test, saying so where it shows (the harness swallows what a passing
/// test prints with `println!`), or fails it when `FACTWATCH_TEST_NO_SKIP=1`. `.ci/run` sets
/// that, so in CI a test that cannot do its check fails rather than passing unchecked.
pub fn skip(test: &str, why: &str) {
    use std::io::Write as _;
    assert!(
        std::env::var_os("FACTWATCH_TEST_NO_SKIP").is_none_or(|v| v != "1"),
        "{test} cannot run ({why}), and FACTWATCH_TEST_NO_SKIP=1 does not allow skipping it"
    );
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {why}");
}

/// Countries with a demonym the trade pack knows, for articles about distinct keys.
pub const COUNTRIES: &[&str] = &[
    "Pakistani",
    "Chinese",
    "Vietnamese",
    "Indian",
    "Canadian",
    "Mexican",
    "Brazilian",
    "Japanese",
    "Korean",
    "Thai",
    "Indonesian",
    "Malaysian",
    "Turkish",
    "Egyptian",
    "Kenyan",
    "Peruvian",
];
