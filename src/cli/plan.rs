//! `readiness plan`: the plan as it stood at a review.

use crate::asof::ResolvedPoint;
use crate::plan::view::{plan_at, plan_outline, ActionsAt};
use crate::plan::Plan;
use crate::query::fill_for_plan_at;
use crate::report::plan_table::{write_plan_table, PlanActions};
use crate::report::{render, views::plan_doc, ViewFormat};
use crate::shown_view::{fill_shown, ShownAt};
use crate::store::review_columns::ReviewColumns;
use crate::store::ActionText;

use super::view::{
    emit, load_plan, load_plan_lazily, load_plan_shown, release, resolve_point, Loaded, ViewArgs,
};
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
    let known_at = known_at.as_deref();
    // Only JSON writes the actions' own text; no format writes their outcomes, measures or
    // evidence of impact.
    let wanted = match args.view.format {
        ViewFormat::Json => ActionText::All,
        _ => ActionText::Shown,
    };
    if streams(&args) {
        match load_plan_shown(ctx, known_at, wanted)? {
            Loaded::Shown(plan, mut shown, columns) => {
                let point = resolve_point(&plan, args.view.as_of.as_deref(), ctx)?;
                // A status part read only now may be damaged, or a column too wide to
                // stream: then the plan is loaded as usual, below.
                if fill_shown(&plan, &mut shown, columns, point.as_ref()).is_ok() {
                    let actions = ShownAt::new(&plan, &shown, point.as_ref());
                    if stream(ctx, &plan, point.as_ref(), &actions)? {
                        drop(actions);
                        release((plan, shown));
                        return Ok(Exit::Success);
                    }
                }
            }
            Loaded::Lazy(plan, columns) => return show(&args, ctx, plan, columns),
        }
    }
    let (plan, columns) = load_plan_lazily(ctx, known_at, wanted)?;
    show(&args, ctx, plan, columns)
}

/// Whether the view is written as its rows are made: a plain table (comfy-table lays out
/// a coloured one, and the other formats, whole).
fn streams(args: &Args) -> bool {
    args.view.format == ViewFormat::Table && !args.view.csv.options().colour
}

/// Writes the plan table of `actions` at `point`; false, with nothing written, when a
/// column is too wide for the plain writer.
fn stream(
    ctx: &mut Context<'_>,
    plan: &Plan,
    point: Option<&ResolvedPoint>,
    actions: &impl PlanActions,
) -> Result<bool, CliError> {
    let outline = plan_outline(plan, point);
    let written = write_plan_table(ctx.out, &outline, actions).map_err(CliError::Output)?;
    Ok(written.is_ok())
}

/// Prints the view of `plan`, loaded with its snapshot's statuses left in `columns` (if
/// any).
fn show(
    args: &Args,
    ctx: &mut Context<'_>,
    mut plan: Plan,
    columns: Option<ReviewColumns>,
) -> Result<Exit, CliError> {
    let point = resolve_point(&plan, args.view.as_of.as_deref(), ctx)?;
    if let Some(columns) = columns {
        if fill_for_plan_at(&mut plan, columns, point.as_ref()).is_err() {
            // A status part read only now was damaged: the whole replay, which replaces the
            // snapshot and says so.
            let known_at = args.view.known_at()?;
            plan = load_plan(ctx, known_at.as_deref())?;
        }
    }
    if streams(args)
        && stream(
            ctx,
            &plan,
            point.as_ref(),
            &ActionsAt::new(&plan, point.as_ref()),
        )?
    {
        release(plan);
        return Ok(Exit::Success);
    }
    let view = plan_at(&plan, point.as_ref());
    emit(
        ctx,
        &render(&view, plan_doc, args.view.format, args.view.csv.options()),
    )?;
    drop(view);
    release(plan);
    Ok(Exit::Success)
}
