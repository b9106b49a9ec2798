//! The one integration test binary (one binary saves link time on 2 cores). Each module
//! tests one area against the real binary, real files, a real SQLite file and a real HTTP
//! receiver on 127.0.0.1.

#![allow(unreachable_pub, reason = "test helpers are shared between modules of this one binary")]

// Source-level checks that keep ARCHITECTURE.md's invariants true.
mod architecture;
// Shared harness: the daemon as a child process, temporary workspaces, the scripted receiver.
mod support;
// Extraction on articles written for the project: phrasings, countries, traps.
mod extract;
// The command line: scan's claim contract and the seed gold, check-config messages.
mod cli;
// The daemon end to end: files in, signed alerts out, only for real changes.
mod end_to_end;
// The change rules through replay and the running daemon.
mod rules;
// Change semantics across keys and sources: scope, conflicts, flips back, threats, a story.
mod semantics;
// Webhook delivery against a real receiver on 127.0.0.1: retries, signatures, dead letter.
mod deliver;
// SIGKILL at random moments: no alert lost, duplicates keep their id.
mod crash;
// Running as a service: SIGTERM mid-burst, SIGHUP reloads, health and metrics, systemd notify, logs.
mod service;
// A newcomer's first session as the README tells it, every output read as a person would.
mod newcomer;
// A hostile folder: oversize, binary, Latin-1, symlink loops, FIFOs, races, overflow, a vanishing root.
mod hostile;
// Replay and the daemon on the same folder: the same events with the same ids.
mod parity;
