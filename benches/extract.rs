//! Extraction throughput in MB/s of article text, on a generated corpus of at least 50 MB
//! (`benches/corpus`), next to a baseline of one `regex` pass that only finds numbers in
//! the same text, so the ratio between the two is visible in one run:
//!
//! ```text
//! cargo bench --bench extract
//! ```
//!
//! `FACTWATCH_BENCH_MB` changes the corpus size (default 50).

#[path = "corpus/mod.rs"]
mod corpus;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use factwatch::extract::Extractor;
use factwatch::model::{Article, ArticleDate, DateOrigin};

fn articles() -> Vec<Article> {
    let mb: usize =
        std::env::var("FACTWATCH_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let date = jiff::civil::date(2025, 4, 8);
    corpus::corpus(0x5EED, mb << 20)
        .into_iter()
        .enumerate()
        .map(|(i, text)| Article {
            source: format!("corpus/{i:06}.txt"),
            title: None,
            url: None,
            text,
            date: ArticleDate {
                date,
                origin: if i % 2 == 0 { DateOrigin::Dateline } else { DateOrigin::FileModified },
            },
            content_hash: String::new(),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let pack = Extractor::builtin("trade").expect("the trade pack is built in");
    let extractor = Extractor::new(&[pack]).expect("the trade pack compiles");
    let articles = articles();
    let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
    let numbers = regex::Regex::new(r"\d+(?:[.,]\d+)*").expect("valid regex");

    let mut group = c.benchmark_group("extract");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("extractor", |b| {
        b.iter(|| {
            let mut claims = 0usize;
            for a in &articles {
                claims += extractor.extract(black_box(a)).claims.len();
            }
            claims
        })
    });
    group.bench_function("regex_numbers_baseline", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for a in &articles {
                found += numbers.find_iter(black_box(&a.text)).count();
            }
            found
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
