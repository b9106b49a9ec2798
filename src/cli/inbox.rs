//! `factwatch inbox [--listen ADDR] [--secret S] [--json]`: a receiver that verifies and
//! prints alerts.
//!
//! Status lines (the address, a generated secret, warnings) go to stderr and alerts to
//! stdout, so `--json` output can be piped as it is. Like every verb it reads the config
//! (`--config`, else `FACTWATCH_CONFIG`, else `config/factwatch.toml` when present) and takes
//! `[inbox]` listen and secret from it. Without `--secret` or a configured secret it prints a
//! fresh secret to put in the webhook config, and accepts posts that do not verify with a
//! warning line.

use std::net::SocketAddr;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use crate::config::Secret;
use crate::deliver::{Inbox, InboxOptions, InboxOutput, check_secret, generate_secret};

/// Where the inbox listens when neither `--listen` nor the config says.
const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// Arguments of `inbox`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
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

pub(super) fn run(args: Args, config_arg: &super::ConfigArg) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_arg)?;
    let source = config
        .path
        .as_ref()
        .map_or_else(|| "the defaults".to_string(), |p| p.display().to_string());
    let from_config = config.inbox;
    let listen = match (args.listen, &from_config) {
        (Some(l), _) => l,
        (None, Some(c)) => c.listen,
        (None, None) => DEFAULT_LISTEN.parse()?,
    };
    let (given, secret_from) = match (&args.secret, from_config.and_then(|c| c.secret)) {
        (Some(s), _) => {
            check_secret(s).map_err(|reason| anyhow::anyhow!("--secret: {reason}"))?;
            (Some(Secret::new(s.clone())), "--secret".to_string())
        }
        (None, s) => (s, format!("[inbox] secret in {source}")),
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
            eprintln!(
                "verifying signatures with the {secret_from}; posts that do not verify get 401"
            );
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
