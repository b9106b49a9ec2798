//! `factwatch scan`.

use std::process::ExitCode;

/// Arguments of `scan`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
}

pub(super) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("scan: not built yet")
}
