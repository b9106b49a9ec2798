//! The command line: argument parsing and human or JSON output. Each verb lives in its own
//! file and is a thin call into the modules that do the work.

mod check_config;
mod facts;
mod inbox;
mod outbox;
mod replay;
mod run;
mod scan;
mod send_test;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Watches a folder of news articles, tracks the facts they state, and posts a signed
/// webhook alert when a figure or a status changes.
#[derive(Debug, Parser)]
#[command(name = "factwatch", version, about, long_about = None)]
struct Cli {
    /// The config file (default: $FACTWATCH_CONFIG, else config/factwatch.toml if present,
    /// else built-in defaults). Accepted before or after the verb.
    #[arg(long, short = 'c', value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Where a verb's configuration comes from: the global `--config`, else the defaults.
#[derive(Debug, Clone)]
struct ConfigArg {
    config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon: catch up on the folder, then watch it and post alerts.
    Run(run::Args),
    /// Extract and print the claims of files or folders, touching no state.
    Scan(scan::Args),
    /// Print the current facts, one per key, with status deadlines.
    Facts(facts::FactsArgs),
    /// Print the timeline of one fact with its sources.
    History(facts::HistoryArgs),
    /// Show the running daemon at a glance: folder, facts, deliveries per webhook, last
    /// alert, last error, rates. `--watch` refreshes it.
    Status(status::Args),
    /// Replay a folder of articles in date order on a fresh in-memory state and print every
    /// alert that would have been posted. Nothing is delivered.
    Replay(replay::Args),
    /// Validate the configuration and print the effective settings.
    CheckConfig(check_config::Args),
    /// List pending, failed and dead deliveries, or retry dead ones.
    Outbox(outbox::Args),
    /// Run a small webhook receiver that verifies signatures and prints each alert.
    Inbox(inbox::Args),
    /// Post a signed test event to the configured webhooks.
    SendTest(send_test::Args),
}

/// Parses the command line and runs the verb.
pub fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let config = ConfigArg { config: cli.config };
    match cli.command {
        Command::Run(a) => run::run(a, &config),
        Command::Scan(a) => scan::run(a, &config),
        Command::Facts(a) => facts::run_facts(a, &config),
        Command::History(a) => facts::run_history(a, &config),
        Command::Status(a) => status::run(a, &config),
        Command::Replay(a) => replay::run(a, &config),
        Command::CheckConfig(a) => check_config::run(a, &config),
        Command::Outbox(a) => outbox::run(a, &config),
        Command::Inbox(a) => inbox::run(a, &config),
        Command::SendTest(a) => send_test::run(a, &config),
    }
}

/// Loads and validates the configuration for a verb.
fn load_config(arg: &ConfigArg) -> anyhow::Result<crate::config::Config> {
    Ok(crate::config::Config::load(arg.config.as_deref(), &crate::config::ProcessEnv)?)
}

/// Buffered standard output that treats a closed pipe (`factwatch scan | head`) as the end
/// of the output rather than an error.
struct Output {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    closed: bool,
}

impl Output {
    fn new() -> Output {
        Output { out: std::io::BufWriter::new(std::io::stdout().lock()), closed: false }
    }

    /// Writes one line.
    fn line(&mut self, s: &str) -> anyhow::Result<()> {
        use std::io::Write as _;
        if self.closed {
            return Ok(());
        }
        match writeln!(self.out, "{s}") {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => Ok(other?),
        }
    }

    /// Flushes what is buffered.
    fn flush(&mut self) -> anyhow::Result<()> {
        use std::io::Write as _;
        match self.out.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }
}

use crate::deliver::truncate as clip;
