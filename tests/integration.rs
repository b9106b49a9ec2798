//! The one integration test binary (one binary saves link time on 2 cores). Each module
//! tests one area against the real binary, real files, a real SQLite file and a real HTTP
//! receiver on 127.0.0.1.

#![allow(unreachable_pub, reason = "test helpers are shared between modules of this one binary")]

// Source-level checks that keep ARCHITECTURE.md's invariants true.
mod architecture;
// Shared harness: the daemon as a child process, temporary workspaces, the scripted receiver.
mod support;
// Webhook delivery against a real receiver on 127.0.0.1: retries, signatures, dead letter.
mod deliver;
// Extraction on articles written for the project: phrasings, countries, traps.
mod extract;
