//! State scale: how long recording one new article takes when the database already holds
//! 100,000 or 1,000,000 facts (each with its history row), through the same steps the
//! daemon runs for a file already read (`Pipeline::extract`, then `Pipeline::commit`: the
//! known-content and duplicate lookups, the claimed keys looked up, reconcile, one
//! transaction with the article, its claims, facts, history and outbox rows):
//!
//! ```text
//! cargo bench --bench reconcile
//! ```
//!
//! Two functions per size: `record` is the whole step, `lookup_reconcile` only the read of
//! the stored facts for the article's keys plus the pure reconcile, so the cost of the
//! write is the difference. `FACTWATCH_BENCH_FACTS` sets the sizes (default
//! `100000,1000000`).
//!
//! The database is filled through the store API (`Store::record_clock_changes` with
//! `Change::New` facts, 50,000 per transaction), with synthetic keys of the real shape
//! (`metric:AA:BB@period`) plus the keys the articles name, so lookups hit real rows.

#[path = "corpus/mod.rs"]
mod corpus;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use factwatch::config::Config;
use factwatch::extract::Extractor;
use factwatch::ingest::{FileMeta, Loaded};
use factwatch::model::{Article, ArticleDate, Change, DateOrigin, Fact, Kind, Observation};
use factwatch::pipeline::{AlertPolicy, Pipeline, Prepared};
use factwatch::reconcile;
use factwatch::store::Store;
use jiff::Timestamp;

/// Facts written per transaction while filling.
const FILL_BATCH: usize = 50_000;
/// Distinct articles cycled through while measuring.
const ARTICLES: usize = 2_000;

const METRICS: &[&str] =
    &["tariff_rate", "trade_volume", "trade_deficit", "exports", "baseline_tariff"];

fn sizes() -> Vec<usize> {
    std::env::var("FACTWATCH_BENCH_FACTS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000])
}

fn config() -> Config {
    // One webhook, so alerts write outbox rows as in production.
    let toml = "packs = [\"builtin:trade\"]\n[[webhook]]\nname = \"bench\"\nurl = \"http://127.0.0.1:9/\"\n";
    Config::from_toml(toml, None, &std::collections::BTreeMap::new()).expect("bench config")
}

fn articles() -> Vec<Loaded> {
    corpus::corpus(0xFAC7, ARTICLES * 5_000)
        .into_iter()
        .take(ARTICLES)
        .enumerate()
        .map(|(i, text)| Loaded {
            article: Article {
                source: format!("articles/{i:06}.txt"),
                title: None,
                url: None,
                text,
                date: ArticleDate {
                    date: jiff::civil::date(2025, 1, 1)
                        .checked_add(jiff::Span::new().days((i % 300) as i64))
                        .expect("a date in 2025"),
                    origin: DateOrigin::Dateline,
                },
                content_hash: format!("{i:064x}"),
            },
            meta: FileMeta { size: 5_000, mtime_ns: 1_750_000_000_000_000_000 },
            notes: Vec::new(),
        })
        .collect()
}

/// A stored fact with a realistic observation (quote, source, date).
fn fact(i: usize) -> Fact {
    let metric = METRICS[i % METRICS.len()];
    let (a, b) = (i / 17_576 % 26, i % 17_576);
    let subject = vec![
        format!("{}{}", char::from(b'A' + a as u8), char::from(b'A' + (i / 26 % 26) as u8)),
        format!("X{b:05}"),
    ];
    let period = i.is_multiple_of(3).then(|| (2015 + i % 10).to_string());
    let key = match &period {
        Some(p) => format!("{metric}:{}:{}@{p}", subject[0], subject[1]),
        None => format!("{metric}:{}:{}", subject[0], subject[1]),
    };
    let as_of = jiff::civil::date(2024, 1 + (i % 12) as i8, 1 + (i % 28) as i8);
    let current = Observation {
        value: Some((i % 997) as f64 + 0.5),
        unit: Some(if metric.ends_with("tariff") || metric == "tariff_rate" {
            "percent".into()
        } else {
            "USD".into()
        }),
        status: None,
        until: None,
        as_of,
        source: format!("archive/{}/{i:07}.txt", 2024),
        quote: format!(
            "Officials said the figure for {} and {} stood at {} in the latest report.",
            subject[0],
            subject[1],
            i % 997
        ),
        qualifier: None,
        stated_previous: None,
    };
    Fact {
        key,
        metric: metric.into(),
        subject,
        period,
        kind: Kind::Figure,
        confirmed: as_of,
        current,
        previous: None,
        revision: 0,
        sources: vec![],
        conflict: None,
    }
}

/// A database with `n` facts and `n` history rows, plus the facts the articles name (so the
/// measured articles meet both stored and new keys).
fn filled(dir: &std::path::Path, n: usize, pipeline: &Pipeline, pool: &[Loaded]) -> Store {
    let started = Instant::now();
    let mut store = Store::open(&dir.join(format!("state-{n}.db"))).expect("open the database");
    let now = Timestamp::now();
    let mut i = 0;
    while i < n {
        let end = (i + FILL_BATCH).min(n);
        let changes: Vec<Change> = (i..end).map(|j| Change::New { fact: fact(j) }).collect();
        store.record_clock_changes(&changes, &[], now).expect("fill");
        i = end;
    }
    // Half of the articles go in first, so their keys are stored facts when the rest and
    // the measured copies arrive: lookups then find rows, and some claims change facts.
    for a in pool.iter().step_by(2) {
        // A baseline that no file is newer than: recorded without alerts.
        let silent = AlertPolicy::BaselineBefore(i64::MAX);
        pipeline.commit(&mut store, prepared(pipeline, a.clone()), now, silent).expect("seed");
    }
    eprintln!("filled {n} facts and history rows in {:.1}s", started.elapsed().as_secs_f64());
    store
}

/// The daemon's steps for a file already read: its claims extracted, ready to commit.
fn prepared(pipeline: &Pipeline, loaded: Loaded) -> Prepared {
    Prepared::Article(Box::new(pipeline.extract(loaded)))
}

fn bench(c: &mut Criterion) {
    let config = config();
    let pack = Extractor::builtin("trade").expect("the trade pack is built in");
    let extractor = Arc::new(Extractor::new(&[pack]).expect("the trade pack compiles"));
    let pipeline = Pipeline::new(&config, extractor);
    let pool = articles();
    let dir = tempfile::tempdir().expect("tempdir");

    let mut group = c.benchmark_group("state");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for n in sizes() {
        let mut store = filled(dir.path(), n, &pipeline, &pool);
        let now = Timestamp::now();
        let mut next = 0usize;
        group.bench_with_input(BenchmarkId::new("record", n), &n, |b, _| {
            b.iter(|| {
                // A new path each time: a new article, never an edit of a recorded one.
                let template = &pool[next % pool.len()];
                let mut loaded = template.clone();
                loaded.article.source = format!("new/{next:08}.txt");
                loaded.article.content_hash = format!("{next:064x}");
                next += 1;
                let file = prepared(&pipeline, black_box(loaded));
                pipeline.commit(&mut store, file, now, AlertPolicy::All).expect("commit")
            })
        });
        // Claims are extracted outside the loop: this isolates the indexed read and the rules.
        let claims: Vec<_> =
            pool.iter().map(|a| pipeline.extractor.extract(&a.article).claims).collect();
        let mut k = 0usize;
        group.bench_with_input(BenchmarkId::new("lookup_reconcile", n), &n, |b, _| {
            b.iter(|| {
                let claims = &claims[k % claims.len()];
                k += 1;
                let facts =
                    store.facts_for(claims.iter().map(|c| c.key.as_str())).expect("facts_for");
                reconcile::reconcile(black_box(claims), &facts, now, &pipeline.rules).len()
            })
        });
        drop(store);
        let _ = std::fs::remove_file(dir.path().join(format!("state-{n}.db")));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
