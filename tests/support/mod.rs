//! Test support shared by the integration tests: real parts at the boundary.
#![allow(dead_code, reason = "each test module uses a different part of the harness")]

pub mod daemon;
pub mod receiver;
pub mod service;
