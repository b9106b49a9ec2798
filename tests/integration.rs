//! The one integration test binary (one binary saves link time on 2 cores).

// Shared harness: the scripted webhook receiver (more helpers join it later).
mod support;
// Webhook delivery against a real receiver on 127.0.0.1: retries, signatures, dead letter.
mod deliver;
