//! `readiness man`: manual pages, generated from the same definitions as `--help`.

use std::path::PathBuf;

use clap::CommandFactory;
use roff::{roman, Roff};

use super::{topics, Cli, CliError, Context, Exit};
use crate::store::StoreError;

/// Write the manual pages: readiness(1), one per command, and readiness-concepts(7).
///
/// Without --out, prints readiness(1) (read it with `man -l -`). With --out DIR, writes
/// readiness.1, readiness-COMMAND.1 for every command and readiness-concepts.7 (the help
/// topics) into DIR, replacing older pages there; put DIR on MANPATH, or copy the pages to
/// /usr/local/share/man/man1 and man7.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness man --out man
  readiness man")]
pub struct Args {
    /// The folder to write every page into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Prints readiness(1), or writes every page to --out.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let Some(dir) = args.out else {
        let man = clap_mangen::Man::new(Cli::command());
        man.render(ctx.out).map_err(CliError::Output)?;
        return Ok(Exit::Success);
    };
    let io = |source| StoreError::Io {
        path: dir.clone(),
        source,
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    clap_mangen::generate_to(Cli::command(), &dir).map_err(io)?;
    std::fs::write(dir.join("readiness-concepts.7"), concepts_page()).map_err(io)?;
    let pages = std::fs::read_dir(&dir).map_err(io)?.count();
    super::output::line(
        ctx.out,
        format!("{pages} manual pages in {}", dir.display()),
    )?;
    Ok(Exit::Success)
}

/// readiness-concepts(7): every help topic, as `readiness help TOPIC` prints it.
fn concepts_page() -> String {
    let mut page = Roff::new();
    page.control("TH", ["READINESS-CONCEPTS", "7"])
        .control("SH", ["NAME"])
        .text([roman(
            "readiness-concepts - the ideas behind the readiness ledger",
        )]);
    for topic in topics::TOPICS {
        page.control("SH", [topic.name.to_uppercase().as_str()])
            .control("nf", []);
        for line in topic.text.lines() {
            page.text([roman(line)]);
        }
        page.control("fi", []);
    }
    page.render()
}
