//! Test support shared by the integration tests: real parts at the boundary.
#![allow(
    unreachable_pub,
    reason = "a test binary exports nothing; `pub` marks the API the test modules share"
)]

pub mod receiver;
