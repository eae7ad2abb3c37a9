//! `readiness history`: everything that happened to one action.

use std::ops::ControlFlow;

use crate::plan::activity::ActivityRow;
use crate::plan::view::history;
use crate::report::{render, views::history_doc};
use crate::verify::replay_with;

use super::view::{emit, resolve_point, ViewArgs};
use super::{CliError, Context, Exit};

/// Show every entry that touched an action, oldest first, and its status at each review.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The action, e.g. "1.3B".
    pub action: String,
    #[command(flatten)]
    pub view: ViewArgs,
}

/// Prints the action's history.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = args.view.known_at()?;
    let ledger = ctx.open_for_read()?;
    let mut rows = Vec::new();
    let plan = replay_with(&ledger, known_at.as_deref(), |entry, plan| {
        if entry.event.action_id() == Some(args.action.as_str()) {
            rows.push(ActivityRow::with_plan(entry, plan));
        }
        ControlFlow::Continue(())
    })?;
    let Some(action) = plan.action(&args.action) else {
        let known: Vec<&str> = plan.actions.iter().map(|a| a.fields.id.as_str()).collect();
        return Err(CliError::Usage(format!(
            "unknown action {:?}; actions in this plan: {}",
            args.action,
            if known.is_empty() {
                "(none)".to_string()
            } else {
                known.join(", ")
            }
        )));
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
