//! `factwatch inbox [--listen ADDR] [--secret S]`: a receiver that verifies and prints alerts.

use std::process::ExitCode;

/// Arguments of `inbox`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
}

pub(super) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("inbox: not built yet")
}
