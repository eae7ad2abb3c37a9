//! `readiness repair`: set aside an unfinished tail of the log, keeping a copy.

use super::output::line;
use super::{CliError, Context, Exit, Who};
use crate::store::dir::Repair;

/// Set aside bytes at the end of the log that are not a whole entry.
///
/// A crash of this program never needs this: its own interrupted appends are finished or
/// undone from the journal automatically. `repair` is for anything else found after the
/// last entry that verifies (a copy cut short, an editor's stray bytes): it moves those
/// bytes to DIR/repairs/<time>-byte-<offset>.tail, then cuts them from the log, so appends
/// can continue. It refuses when whole entries follow the damage: that is tampering or
/// corruption, which `verify` reports and only restoring from an export fixes.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness repair")]
pub struct Args {
    #[command(flatten)]
    pub who: Who,
}

/// Runs the repair and says what it did.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let ledger = ctx.open_for_write(&args.who)?;
    let stamp = ctx.clock.now().format("%Y%m%dT%H%M%SZ").to_string();
    let (ledger, done) = ledger.repair(&stamp)?;
    match done {
        Repair::Clean => line(
            ctx.out,
            "nothing to repair: the log ends with a whole entry that verifies",
        )?,
        Repair::Cut { start, len, saved } => {
            line(
                ctx.out,
                format!(
                    "set aside {len} bytes from byte {start} of the log; a copy is in {}",
                    saved.display()
                ),
            )?;
            let head = ledger.head().map_or(0, |h| h.seq.0);
            line(ctx.out, format!("the log now ends at entry {head}"))?;
        }
    }
    Ok(Exit::Success)
}
