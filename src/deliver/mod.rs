//! Delivery: drains the outbox to the webhooks over HTTP.
//!
//! The only module that speaks HTTP to webhooks (and the only one naming `reqwest`). It
//! never decides whether to alert; it reads due rows through [`crate::store::Outbox`] and
//! reports each attempt back, and a row is acknowledged only after a 2xx.
