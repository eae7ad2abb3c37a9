//! `readiness completions`: shell completion scripts.

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, CliError, Context, Exit};

/// Print a completion script for your shell.
///
/// Save it where your shell looks: for bash, ~/.local/share/bash-completion/completions/readiness;
/// for zsh, a file _readiness on $fpath; for fish, ~/.config/fish/completions/readiness.fish;
/// for PowerShell, dot-source it from your $PROFILE.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness completions bash
  readiness completions powershell")]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: Shell,
}

/// Writes the script to standard output.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let mut cmd = Cli::command();
    // clap_complete panics if its writer fails, so generate into memory and write here.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "readiness", &mut script);
    ctx.out
        .write_all(&script)
        .and_then(|()| ctx.out.flush())
        .map_err(CliError::Output)?;
    Ok(Exit::Success)
}
