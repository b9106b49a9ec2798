//! `factwatch inbox [--listen ADDR] [--secret S] [--json]`: a receiver that verifies and
//! prints alerts.
//!
//! Status lines (the address, a generated secret, warnings) go to stderr and alerts to
//! stdout, so `--json` output can be piped as it is. Without `--secret` (and without an
//! `[inbox]` secret in a config named with `-c`) it prints a fresh secret to put in the
//! webhook config, and accepts posts that do not verify with a warning line.

use std::net::SocketAddr;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use crate::config::{Secret, check_secret};
use crate::deliver::{Inbox, InboxOptions, InboxOutput, generate_secret};

/// Where the inbox listens when neither `--listen` nor the config says.
const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// Arguments of `inbox`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Read `[inbox] listen` and `secret` from this config file (only when given).
    #[command(flatten)]
    config: super::ConfigArg,
    /// The address to listen on, e.g. 127.0.0.1:8787 (port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// The `whsec_...` secret to verify signatures with; posts that do not verify get 401.
    #[arg(long, value_name = "SECRET")]
    secret: Option<String>,
    /// Print each alert as its raw JSON body on one line.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: Args) -> anyhow::Result<ExitCode> {
    // The config is read only when named: the inbox is a tool for trying things out and must
    // not fail because of an unrelated setting in a default config file.
    let from_config = match &args.config.config {
        Some(_) => super::load_config(&args.config)?.inbox,
        None => None,
    };
    let listen = match (args.listen, &from_config) {
        (Some(l), _) => l,
        (None, Some(c)) => c.listen,
        (None, None) => DEFAULT_LISTEN.parse()?,
    };
    let given = match (&args.secret, from_config.and_then(|c| c.secret)) {
        (Some(s), _) => {
            check_secret("--secret", s)?;
            Some(Secret::new(s.clone()))
        }
        (None, s) => s,
    };
    let require_signature = given.is_some();
    let secret = given.unwrap_or_else(generate_secret);
    let options = InboxOptions {
        secret: Some(secret.clone()),
        require_signature,
        json_lines: args.json,
        output: InboxOutput::Stdio,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let inbox = Inbox::bind(listen, options).await?;
        let addr = inbox.local_addr()?;
        eprintln!("factwatch inbox listening on http://{addr}/");
        if require_signature {
            eprintln!("verifying signatures; posts that do not verify get 401");
        } else {
            // Printing it is the point: the user copies it into the webhook config. It is
            // fresh, so it protects nothing yet.
            eprintln!(
                "no secret given; put this fresh one in the webhook config, and pass it with --secret to enforce it:\n  secret = \"{}\"",
                secret.expose()
            );
            eprintln!("warning: accepting posts without a valid signature");
        }
        let shutdown = CancellationToken::new();
        let on_signal = shutdown.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            on_signal.cancel();
        });
        inbox.serve(shutdown).await
    })?;
    Ok(ExitCode::SUCCESS)
}
