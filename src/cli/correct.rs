//! `readiness correct`: supersede an earlier status or amendment, saying why.

use crate::entry::Seq;
use crate::plan::decide::Command;

use super::action::ActionFields;
use super::output::{report_appended, Format};
use super::{CliError, Context, Exit, Who};

/// Correct an earlier status_recorded or action_amended entry (or a correction of one), or
/// supersede an evidence_attached entry (the file is kept; views stop counting it).
///
/// Nothing is edited: a correction entry is appended that says who, when and why, and
/// views show the corrected value while history keeps both. For a status give --status
/// and/or --note; for an amendment give the corrected fields (--lead, --end, ...).
/// Correct the entry that currently sets the value: to fix a correction, correct the
/// correction.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness correct 76 --status \"Progressing but delayed\" --reason \"typo in the board pack\"")]
pub struct Args {
    /// The seq of the entry to correct (see `readiness history ACTION` or `readiness log`).
    pub seq: u64,
    /// Why the correction is needed (required).
    #[arg(long)]
    pub reason: String,
    /// The corrected status (for a status entry).
    #[arg(long)]
    pub status: Option<String>,
    /// The corrected note (for a status entry).
    #[arg(long)]
    pub note: Option<String>,
    /// The corrected action text (for an amendment).
    #[arg(long)]
    pub action: Option<String>,
    #[command(flatten)]
    pub fields: ActionFields,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Looks the target up, builds the correction and appends it.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    let mut ledger = ctx.open_for_write(&args.who)?;
    let entries = ledger.head().map_or(0, |h| h.seq.0);
    let target = match ledger.entry_at(Seq(args.seq))? {
        Some(t) if args.seq >= 1 => t,
        _ => {
            return Err(CliError::Usage(format!(
                "there is no entry {}; the ledger has {}; `readiness log` shows each entry with its number",
                args.seq,
                crate::words::count(entries, "entry", "entries")
            )))
        }
    };
    // The plan holding the action the target is about (a review renamed since is named by
    // its current label).
    let about: Vec<&str> = target.event.action_id().into_iter().collect();
    let plan = ledger.plan_with(&about)?;
    let command = Command::Correct {
        target: Box::new(target),
        status: args.status,
        note: args.note,
        changes: args.fields.changes(args.action),
        reason: args.reason,
    };
    let events = plan.decide_names(&command)?;
    let appended = ledger.append(&actor, ctx.clock, events)?;
    report_appended(ctx.out, ctx.err, &appended, args.format)?;
    Ok(Exit::Success)
}
