//! `readiness history`: everything that happened to one action.

use std::ops::ControlFlow;

use crate::names::fold;
use crate::plan::activity::ActivityRow;
use crate::plan::view::history;
use crate::report::{render, views::history_doc};
use crate::verify::replay_with;

use super::names::action_in;
use super::view::{emit, resolve_point, ViewArgs};
use super::{CliError, Context, Exit};

/// Show every entry that touched an action, oldest first, and its status at each review.
#[derive(Debug, clap::Args)]
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
    let mut rows = Vec::new();
    // The stored id is known only once the plan is replayed: keep every entry whose id
    // matches ignoring case, then those of the action it resolves to.
    let wanted = fold(&args.action);
    let plan = replay_with(&ledger, known_at.as_deref(), |entry, plan| {
        if entry.event.action_id().is_some_and(|id| fold(id) == wanted) {
            rows.push(ActivityRow::with_plan(entry, plan));
        }
        ControlFlow::Continue(())
    })?;
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
