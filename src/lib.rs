//! factwatch: watches a folder of news articles, keeps the facts they state in SQLite, and
//! posts a signed webhook alert when a fact changes.
//!
//! The data flows one way:
//!
//! ```text
//! folder -ingest-> Article -extract-> Claim* -reconcile(Facts, now)-> Change* -store-> outbox -deliver-> webhooks
//!                                    clock -Expiry-^   (one transaction: article, claims, facts, history, outbox rows)
//! ```
//!
//! `ingest` is the only module touching the watched folder, `extract` and `reconcile` are
//! pure functions, `store` is the only module speaking SQL, `deliver` the only one speaking
//! HTTP to webhooks. `pipeline` composes extract, reconcile and store for one article or one
//! tick of the clock; `daemon` and the `cli` verbs are thin shells over it.
#![forbid(unsafe_code)]

pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod deliver;
pub mod extract;
pub mod ingest;
pub mod model;
pub mod pipeline;
pub mod reconcile;
pub mod store;
pub mod telemetry;
