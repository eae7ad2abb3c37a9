//! `readiness reindex`: rebuild the sled index from the log.

use super::output::line;
use super::{CliError, Context, Exit};

/// Rebuild the index (sled) from the entry log.
///
/// The index only speeds things up; the log is the truth. Deleting the ledger's `index/`
/// folder loses nothing: it is rebuilt on the next open, or now with this command.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Rebuilds and reports how far the log verified.
pub fn run(_args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let mut ledger = ctx.open_for_write()?;
    ledger.reindex()?;
    let entries = ledger.plan().len();
    line(ctx.out, format!("reindexed {entries} entries"))?;
    if let Some(d) = ledger.damage() {
        line(ctx.out, format!("stopped early: {d}"))?;
        return Ok(super::Exit::VerificationFailed);
    }
    Ok(Exit::Success)
}
