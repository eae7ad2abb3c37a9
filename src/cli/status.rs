//! `readiness status`: record an action's status at a review.

use crate::plan::decide::Command;
use crate::store::execute::ExecuteCommands;

use super::names::{action_for_write, review_for_write};
use super::output::{report_appended, Format};
use super::{CliError, Context, Exit, Who};

/// Record the status of an action at a review.
///
/// STATUS must be one of the plan's scale (case and spacing are forgiven and the scale's
/// spelling is stored). Recording again for the same review supersedes the earlier status;
/// both stay in the history.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness status 1.3B \"Progressing and on track\" --review \"RAG December 22\" --note \"JSNA done\"
  readiness status 1.4 completed --review \"Dec 2022\"")]
pub struct Args {
    /// The action, e.g. "1.3A" (any case).
    pub action: String,
    /// The status, e.g. "Progressing and on track".
    pub status: String,
    /// The review the status is for: its label in any case or spacing ("RAG November 20"),
    /// or a month or day ("Nov 2020", "2020-11", "30/11/2020") when one review falls in it.
    #[arg(long)]
    pub review: String,
    /// A short note explaining the status.
    #[arg(long)]
    pub note: Option<String>,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Appends one `status_recorded`.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let actor = args.who.require()?;
    let mut ledger = ctx.open_for_write(&args.who)?;
    let header = ledger.header()?;
    // Names resolved first (with the nearest matches when unknown); the append checks the
    // rules on the whole plan.
    let command = Command::RecordStatus {
        action: action_for_write(&mut ledger, &args.action)?,
        review: review_for_write(&header, &args.review)?,
        status: args.status,
        note: args.note,
    };
    let appended = ledger.execute(&actor, ctx.clock, &command)?;
    report_appended(ctx.out, ctx.err, &appended, args.format)?;
    Ok(Exit::Success)
}
