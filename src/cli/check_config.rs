//! `factwatch check-config [--json]`: validates the configuration and the packs it names and
//! prints the effective settings in the config file's own format and names, so the output
//! loads again (`check-config > eff.toml; check-config -c eff.toml`). Secrets are named by
//! where they come from and never shown. No side effects, so it serves as the unit's
//! `ExecStartPre`; warnings (a webhook without a secret) go to stderr.

use std::process::ExitCode;

use crate::pipeline::load_extractor;

/// Arguments of `check-config`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Print the effective settings as JSON (the same names) instead of TOML.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: Args, config_arg: &super::ConfigArg) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_arg)?;
    let extractor = load_extractor(&config)?;
    anyhow::ensure!(
        config.watch_dir.is_dir(),
        "setting `watch_dir`: {} is not a folder; create it or point watch_dir (FACTWATCH_WATCH_DIR) at the articles",
        config.watch_dir.display()
    );
    for w in config.warnings() {
        eprintln!("factwatch: warning: {w}");
    }
    let mut out = super::Output::new();
    if args.json {
        out.line(&serde_json::to_string_pretty(&config.to_json())?)?;
    } else {
        let source = config
            .path
            .as_ref()
            .map_or_else(|| "built-in defaults".to_string(), |p| p.display().to_string());
        out.line(&format!("# effective configuration (from {source} and FACTWATCH_* variables)"))?;
        let metrics: Vec<&str> = extractor.metrics().collect();
        out.line(&format!("# packs loaded; metrics: {}", metrics.join(", ")))?;
        out.line(&config.to_toml()?)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
