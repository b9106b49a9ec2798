//! Test harness shared by the integration tests.
#![allow(dead_code, reason = "each test module uses a different part of the harness")]

pub mod daemon;
