//! `factwatch check-config [--config FILE]`: validates the configuration and the packs it
//! names and prints the effective settings (secrets shown as `***`). No side effects, so it
//! serves as the unit's `ExecStartPre`.

use std::process::ExitCode;

use crate::pipeline::load_extractor;

/// Arguments of `check-config`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
    /// Print the effective settings as JSON instead of TOML.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(&args.config)?;
    let extractor = load_extractor(&config)?;
    anyhow::ensure!(
        config.watch_dir.is_dir(),
        "setting `watch_dir`: {} is not a folder; create it or point watch_dir (FACTWATCH_WATCH_DIR) at the articles",
        config.watch_dir.display()
    );
    let mut out = super::Output::new();
    if args.json {
        out.line(&serde_json::to_string_pretty(&config)?)?;
    } else {
        let source = config
            .path
            .as_ref()
            .map_or_else(|| "built-in defaults".to_string(), |p| p.display().to_string());
        out.line(&format!("# effective configuration (from {source} and FACTWATCH_* variables)"))?;
        out.line(&toml::to_string_pretty(&config)?)?;
        let metrics: Vec<&str> = extractor.metrics().collect();
        out.line(&format!("# packs loaded; metrics: {}", metrics.join(", ")))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
