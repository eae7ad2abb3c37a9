//! `readiness plan`: the plan as it stood at a review.

use crate::plan::view::{plan_at, plan_outline, ActionsAt};
use crate::query::fill_for_plan_at;
use crate::report::plan_table::write_plan_table;
use crate::report::{render, views::plan_doc, ViewFormat};
use crate::store::ActionText;

use super::view::{emit, load_plan, load_plan_lazily, release, resolve_point, ViewArgs};
use super::{CliError, Context, Exit};

/// Show every action with its status at a review, its RAG colour, lead and dates, by area.
///
/// An action with no status recorded for that review shows its last earlier status,
/// marked "carried from" that review; one with no status yet shows nothing.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness plan --as-of \"RAG November 20\"
  readiness plan --as-of latest --format csv
  readiness plan --ledger events/york-wsoa.jsonl --as-of \"Nov 2020\" --known-at 2026-11-24")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
}

/// Prints the plan view.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = args.view.known_at()?;
    // Only JSON writes the actions' own text; no format writes their outcomes, measures or
    // evidence of impact.
    let wanted = match args.view.format {
        ViewFormat::Json => ActionText::All,
        _ => ActionText::Shown,
    };
    let (mut plan, columns) = load_plan_lazily(ctx, known_at.as_deref(), wanted)?;
    let point = resolve_point(&plan, args.view.as_of.as_deref(), ctx)?;
    if let Some(columns) = columns {
        if fill_for_plan_at(&mut plan, columns, point.as_ref()).is_err() {
            // A status part read only now was damaged: the whole replay, which replaces the
            // snapshot and says so.
            plan = load_plan(ctx, known_at.as_deref())?;
        }
    }
    let options = args.view.csv.options();
    if args.view.format == ViewFormat::Table && !options.colour {
        // Streamed, each action's row made as it is read, unless a column is too wide for
        // the plain writer (then comfy-table lays out the whole view, below).
        let outline = plan_outline(&plan, point.as_ref());
        let actions = ActionsAt::new(&plan, point.as_ref());
        let written = write_plan_table(ctx.out, &outline, &actions).map_err(CliError::Output)?;
        if written.is_ok() {
            drop((outline, actions));
            release(plan);
            return Ok(Exit::Success);
        }
    }
    let view = plan_at(&plan, point.as_ref());
    emit(ctx, &render(&view, plan_doc, args.view.format, options))?;
    drop(view);
    release(plan);
    Ok(Exit::Success)
}
