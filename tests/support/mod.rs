//! Test support shared by the integration tests: real parts at the boundary.
#![allow(dead_code, reason = "each test module uses a different part of the harness")]

pub mod chat;
pub mod daemon;
pub mod receiver;
pub mod service;

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
