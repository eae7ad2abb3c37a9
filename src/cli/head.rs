//! `readiness head`: the value a board minutes at each meeting.

use std::ops::ControlFlow;

use crate::chain::stored_facts;
use crate::store::{EntrySource, StoreError};
use crate::verify::Head;

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

/// Reads the head from the last line of the log.
pub fn read_head(source: &dyn EntrySource) -> Result<Option<Head>, CliError> {
    let mut head = None;
    let mut bad = None;
    source.scan(&mut |l| {
        match stored_facts(l.bytes) {
            Some(f) => {
                head = Some(Head {
                    seq: f.seq.0,
                    hash: f.hash,
                })
            }
            None => bad = Some(l.number),
        }
        Ok(if bad.is_some() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    })?;
    if let Some(n) = bad {
        return Err(CliError::Store(StoreError::Damaged(format!(
            "line {n} of {} is not an entry",
            source.name()
        ))));
    }
    Ok(head)
}

/// Prints the head.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let ledger = ctx.open_for_read()?;
    let head = read_head(&ledger)?;
    match (args.format, head) {
        (Format::Json, h) => write_json(ctx.out, &h)?,
        (Format::Table, Some(h)) => line(ctx.out, format!("{} {}", h.seq, h.hash))?,
        (Format::Table, None) => line(ctx.out, format!("0 {}", crate::entry::EntryHash::ZERO))?,
    }
    Ok(Exit::Success)
}
