//! The `readiness` binary: parse arguments, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;
use readiness_ledger::cli::{self, Cli};
use readiness_ledger::clock::SystemClock;
use readiness_ledger::report::safe_text;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr());
    match cli::run(cli, &SystemClock, &mut out, &mut err) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) if e.is_closed_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let message = e.to_string();
            eprintln!("error: {}", safe_text::terminal_lines(&message));
            ExitCode::from(e.exit_code())
        }
    }
}
