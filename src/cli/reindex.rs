//! `readiness reindex`: rebuild the sled index from the log.

use super::output::line;
use super::{CliError, Context, Exit};

/// Rebuild the derived data (positions, Merkle tree, plan state, snapshots) from the log.
///
/// Derived data only speeds things up; the log is the truth. Any command that finds it
/// missing, damaged or behind rebuilds it by itself; this does it on purpose. Deleting the
/// ledger's `derived/` folder loses nothing.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness reindex")]
pub struct Args {}

/// Rebuilds and reports how far the log verified.
pub fn run(_args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let mut ledger = ctx.open_for_write(&super::Who::default())?.reindex()?;
    ctx.warn_all(ledger.take_warnings())?;
    let entries = ledger.head().map_or(0, |h| h.seq.0);
    line(
        ctx.out,
        format!(
            "reindexed {}",
            crate::words::count(entries, "entry", "entries")
        ),
    )?;
    if let Some(d) = ledger.damage() {
        line(ctx.out, format!("stopped early: {d}"))?;
        return Ok(super::Exit::VerificationFailed);
    }
    Ok(Exit::Success)
}
