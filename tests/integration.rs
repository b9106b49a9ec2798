//! The one integration test binary (one binary saves link time on 2 cores).
mod extract;
