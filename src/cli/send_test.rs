//! `factwatch send-test [--webhook NAME]`: posts a signed test event.

use std::process::ExitCode;

/// Arguments of `send-test`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
}

pub(super) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("send-test: not built yet")
}
