//! The `factwatch` binary: parses the command line, runs the verb, and turns an error into a
//! message on stderr (the whole cause chain, `{:#}`) and a non-zero exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match factwatch::cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("factwatch: {err:#}");
            ExitCode::from(1)
        }
    }
}
