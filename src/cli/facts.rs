//! `factwatch facts` and `factwatch history KEY`.

use std::process::ExitCode;

/// Arguments of `facts`.
#[derive(Debug, clap::Args)]
pub(super) struct FactsArgs {
    #[command(flatten)]
    config: super::ConfigArg,
}

/// Arguments of `history`.
#[derive(Debug, clap::Args)]
pub(super) struct HistoryArgs {
    #[command(flatten)]
    config: super::ConfigArg,
}

pub(super) fn run_facts(_args: FactsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("facts: not built yet")
}

pub(super) fn run_history(_args: HistoryArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("history: not built yet")
}
