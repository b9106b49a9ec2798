//! `factwatch replay`.

use std::process::ExitCode;

/// Arguments of `replay`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
}

pub(super) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("replay: not built yet")
}
