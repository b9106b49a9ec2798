//! `factwatch send-test [--webhook NAME]`: posts a signed test event (type
//! `factwatch.test`) to one webhook or all of them and prints each status.
//!
//! The event goes straight to the receiver, not through the outbox: it checks the URL,
//! secret and format now, and is not retried. The exit code is non-zero unless every
//! webhook answered 2xx.

use std::process::ExitCode;

use crate::deliver::send_test;

/// Arguments of `send-test`.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Only this webhook (default: all).
    #[arg(long, value_name = "NAME")]
    webhook: Option<String>,
}

pub(super) fn run(args: Args, config_arg: &super::ConfigArg) -> anyhow::Result<ExitCode> {
    let config = super::load_config(config_arg)?;
    let targets: Vec<_> = match &args.webhook {
        Some(name) => match config.webhook(name) {
            Some(w) => vec![w.clone()],
            None => {
                let names: Vec<&str> = config.webhooks.iter().map(|w| w.name.as_str()).collect();
                anyhow::bail!(
                    "no webhook named {name:?} (configured: {})",
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                );
            }
        },
        None => config.webhooks.clone(),
    };
    if targets.is_empty() {
        anyhow::bail!(
            "no webhooks are configured; add a [[webhook]] section or set FACTWATCH_WEBHOOK_URL"
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut all_ok = true;
    runtime.block_on(async {
        for w in &targets {
            match send_test(w).await {
                Ok(status) => {
                    let ok = (200..300).contains(&status);
                    all_ok &= ok;
                    println!("{}: HTTP {status}{}", w.name, if ok { "" } else { " (not 2xx)" });
                }
                Err(e) => {
                    all_ok = false;
                    println!("{e:#}");
                }
            }
        }
    });
    Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
