//! `readiness head`: the value a board minutes at each meeting.

use super::output::{line, write_json, Format};
use super::{CliError, Context, Exit};

/// Print the last entry's seq and hash: "SEQ HASH".
///
/// Minute this at each board meeting; later, `readiness verify --expect SEQ:HASH` proves
/// the ledger still contains that entry unchanged. Run `verify` to check the whole chain.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness head
  readiness head --format json")]
pub struct Args {
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Prints the head.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let ledger = ctx.open_for_read()?;
    let head = ledger.head()?;
    match (args.format, head) {
        (Format::Json, h) => write_json(ctx.out, &h)?,
        (Format::Table, Some(h)) => line(ctx.out, format!("{} {}", h.seq, h.hash))?,
        (Format::Table, None) => line(ctx.out, format!("0 {}", crate::entry::EntryHash::ZERO))?,
    }
    Ok(Exit::Success)
}
