//! `factwatch run [--config FILE] [--now INSTANT]`: the daemon.

use std::process::ExitCode;

use jiff::Timestamp;

use crate::daemon::{self, RunOptions};

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Start the fact clock at this instant and let it run from there (demos and tests),
    /// e.g. 2025-07-08T00:00:00Z. Deadlines expire by this clock.
    #[arg(long, value_name = "RFC3339")]
    now: Option<Timestamp>,
    /// Log format: auto (JSON under systemd, human on a terminal), human or json.
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<crate::config::LogFormat>,
}

/// Blocking threads beyond the readers, for store calls and the delivery workers' outbox reads.
const STORE_THREADS: usize = 8;

pub(super) fn run(args: Args, config_arg: &super::ConfigArg) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_arg)?;
    crate::telemetry::init_logging(args.log_format.unwrap_or(config.log_format));
    // Blocking threads are the readers plus the short store calls. Unbounded, tokio starts
    // a new one whenever the last has not quite gone idle, so a loaded machine grew dozens
    // during a catch-up; the readers never wait on the store, so a cap cannot deadlock.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("factwatch")
        .max_blocking_threads(config.ingest.max_concurrent_reads.max(1) + STORE_THREADS)
        .build()?;
    runtime.block_on(daemon::run(config, RunOptions { now: args.now }, shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on SIGTERM (systemd stop) or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) =
        (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
    else {
        tracing::error!("cannot install signal handlers; stop the daemon with SIGKILL");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
