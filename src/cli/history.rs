//! `readiness history`: everything that happened to one action.

use crate::plan::view::history;
use crate::report::{render, views::history_doc};

use super::names::action_in;
use super::view::{emit, resolve_point, ViewArgs};
use super::{CliError, Context, Exit};

/// Show every entry that touched an action, oldest first, and its status at each review.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness history 1.3B
  readiness history 1.3b --format markdown")]
pub struct Args {
    /// The action, e.g. "1.3B" (any case).
    pub action: String,
    #[command(flatten)]
    pub view: ViewArgs,
}

/// Prints the action's history.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = args.view.known_at()?;
    let ledger = ctx.open_for_read()?;
    // The stored id is known only once the plan is replayed: every entry whose id matches
    // ignoring case is kept, then those of the action it resolves to.
    let (plan, mut rows) = crate::query::history_rows(&ledger, &args.action, known_at.as_deref())?;
    let id = action_in(&plan, &args.action)?;
    rows.retain(|r| r.action.as_deref() == Some(id.as_str()));
    let Some(action) = plan.action(&id) else {
        return Err(CliError::Usage(format!("unknown action {id:?}")));
    };
    let point = match args.view.as_of.as_deref() {
        Some(p) => resolve_point(&plan, Some(p), ctx)?,
        None => None,
    };
    let h = history(&plan, action, rows, point.as_ref());
    emit(
        ctx,
        &render(&h, history_doc, args.view.format, args.view.csv.options()),
    )?;
    Ok(Exit::Success)
}
