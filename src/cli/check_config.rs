//! `factwatch check-config`.

use std::process::ExitCode;

/// Arguments of `check-config`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
}

pub(super) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("check-config: not built yet")
}
