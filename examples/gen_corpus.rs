//! Writes a deterministic corpus of generated news pages to a folder, the same text the
//! extraction benchmark reads, for trying the daemon or `scan` on a realistic load:
//!
//! ```text
//! cargo run --release --example gen_corpus -- OUT_DIR [MEGABYTES=50] [SEED=24301]
//! ```

#[path = "../benches/corpus/mod.rs"]
#[allow(dead_code, reason = "the bench builds the whole corpus; this example streams articles")]
mod corpus;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().context("usage: gen_corpus OUT_DIR [MEGABYTES] [SEED]")?;
    let mb: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()
        .context("MEGABYTES must be a number")?
        .unwrap_or(50);
    let seed: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()
        .context("SEED must be a number")?
        .unwrap_or(0x5EED);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {dir}"))?;
    let mut rng = corpus::SplitMix64::new(seed);
    let mut written = 0usize;
    let mut n = 0usize;
    while written < mb << 20 {
        let size = 2000 + rng.below(6000);
        let text = corpus::article(&mut rng, size);
        let path = format!("{dir}/article-{n:06}.txt");
        std::fs::write(&path, &text).with_context(|| format!("cannot write {path}"))?;
        written += text.len();
        n += 1;
    }
    eprintln!("wrote {n} articles, {written} bytes, to {dir}");
    Ok(())
}
