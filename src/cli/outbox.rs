//! `factwatch outbox [--json]` and `factwatch outbox retry ID|--all-dead`.

use std::process::ExitCode;

/// Arguments of `outbox`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(flatten)]
    config: super::ConfigArg,
}

pub(super) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("outbox: not built yet")
}
