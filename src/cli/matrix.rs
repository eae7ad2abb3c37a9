//! `readiness matrix`: the RAG table, actions by reviews.

use crate::asof::ResolvedPoint;
use crate::plan::view::{matrix, matrix_outline, Matrix, MatrixStatuses};
use crate::plan::Plan;
use crate::query::matrix_statuses;
use crate::report::matrix_table::{write_matrix_csv, write_matrix_table};
use crate::report::wsoa_table::to_wsoa_table;
use crate::report::{render, views::matrix_doc, ViewFormat};
use crate::shown_view::{matrix_outline_shown, matrix_statuses_shown};
use crate::store::review_columns::ReviewColumns;
use crate::store::ActionText;

use super::view::{
    emit, load_plan, load_plan_lazily, load_plan_shown, release, resolve_point, Loaded, ViewArgs,
};
use super::{CliError, Context, Exit};

/// Show the RAG table rebuilt from the ledger: one row per action, one column per review.
///
/// Each cell is the status recorded for that review (empty if none). With --as-of, only
/// the reviews up to that point. CSV is `action,<review label>,...`, one row per action.
///
/// --format wsoa writes the plan back as its published WSoA table, the layout `import`
/// reads: the title; for each area its "Area for Improvement N" line, its finding, the
/// header row (Number | Outcomes | Action | Start date | End date | Lead | Measures of
/// success | Evidence and impact | <review labels> |), a ---| row and one line per action
/// with its current fields and its status at each review (empty where none). Withdrawn
/// actions are left out, with a warning (an import would bring them back as live). Text
/// the layout cannot carry unchanged (a '|' or a line break in a cell, a review label
/// the importer cannot read) is refused, naming the action and field (exit 2).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness matrix --as-of \"RAG February 21\"
  readiness matrix --format wsoa --as-of \"RAG February 21\"")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
}

/// Prints the matrix.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = args.view.known_at()?;
    let known_at = known_at.as_deref();
    // The WSoA layout writes every field of the plan; the other formats only ids and
    // statuses.
    let wanted = match args.view.format {
        ViewFormat::Wsoa => ActionText::All,
        _ => ActionText::Shown,
    };
    if streams(&args.view) {
        match load_plan_shown(ctx, known_at, wanted)? {
            Loaded::Shown(plan, shown, columns) => {
                let point = point(&args.view, &plan, ctx)?;
                // A status part read only now may be damaged, or a column too wide to
                // stream: then the plan is loaded as usual, below.
                if let Ok(statuses) = matrix_statuses_shown(&plan, &shown, point.as_ref(), columns)
                {
                    let outline = matrix_outline_shown(&plan, &shown, point.as_ref());
                    if stream(ctx, &args.view, &outline, &statuses)? {
                        release((plan, shown, statuses, outline));
                        return Ok(Exit::Success);
                    }
                }
            }
            Loaded::Lazy(plan, columns) => return from_plan(&args, ctx, plan, columns),
        }
    }
    let (plan, columns) = load_plan_lazily(ctx, known_at, wanted)?;
    from_plan(&args, ctx, plan, columns)
}

/// The review `--as-of` names, if given: without it the matrix has every review.
fn point(
    view: &ViewArgs,
    plan: &Plan,
    ctx: &Context<'_>,
) -> Result<Option<ResolvedPoint>, CliError> {
    match view.as_of.as_deref() {
        Some(p) => resolve_point(plan, Some(p), ctx),
        None => Ok(None),
    }
}

/// Whether the matrix is written from its status numbers as it goes: CSV, or a plain
/// table (comfy-table lays out a coloured one, and the other formats, whole).
fn streams(view: &ViewArgs) -> bool {
    match view.format {
        ViewFormat::Csv => true,
        ViewFormat::Table => !view.csv.options().colour,
        _ => false,
    }
}

/// Writes the matrix of `outline` and `statuses` as CSV or a plain table; false, with
/// nothing written, when a column is too wide for the plain table.
fn stream(
    ctx: &mut Context<'_>,
    view: &ViewArgs,
    outline: &Matrix,
    statuses: &MatrixStatuses,
) -> Result<bool, CliError> {
    if view.format == ViewFormat::Csv {
        let raw = view.csv.options().csv_raw;
        write_matrix_csv(ctx.out, outline, statuses, raw).map_err(CliError::Output)?;
        return Ok(true);
    }
    let written = write_matrix_table(ctx.out, outline, statuses).map_err(CliError::Output)?;
    Ok(written.is_ok())
}

/// Prints the matrix of `plan`, loaded with its snapshot's statuses left in `columns` (if
/// any).
fn from_plan(
    args: &Args,
    ctx: &mut Context<'_>,
    mut plan: Plan,
    columns: Option<ReviewColumns>,
) -> Result<Exit, CliError> {
    let known_at = args.view.known_at()?;
    let point = point(&args.view, &plan, ctx)?;
    if args.view.format == ViewFormat::Wsoa {
        // The table writes every field of the plan, not only the statuses.
        if columns.is_some_and(|c| c.fill_all(&mut plan.actions).is_err()) {
            plan = load_plan(ctx, known_at.as_deref())?;
        }
        let m = matrix(&plan, point.as_ref());
        let table = to_wsoa_table(&plan, &m, point.is_some())
            .map_err(|e| CliError::Usage(e.to_string()))?;
        ctx.warn_all(table.warnings)?;
        emit(ctx, &table.text)?;
        release((plan, m));
        return Ok(Exit::Success);
    }
    let statuses = match matrix_statuses(&plan, point.as_ref(), columns) {
        Ok(statuses) => statuses,
        // A status part read only now was damaged: the whole replay, which replaces the
        // snapshot and says so.
        Err(_) => {
            plan = load_plan(ctx, known_at.as_deref())?;
            let m = matrix(&plan, point.as_ref());
            return show(ctx, &args.view, plan, m);
        }
    };
    if streams(&args.view) {
        // A million cells: streamed from the status numbers, unless a column is too wide
        // for the plain writer (then comfy-table lays it out, below).
        let outline = matrix_outline(&plan, point.as_ref());
        if stream(ctx, &args.view, &outline, &statuses)? {
            release((plan, statuses, outline));
            return Ok(Exit::Success);
        }
    }
    let m = statuses.matrix(&plan, point.as_ref());
    release(statuses);
    show(ctx, &args.view, plan, m)
}

/// Writes `m` in the format asked for, through its document.
fn show(ctx: &mut Context<'_>, view: &ViewArgs, plan: Plan, m: Matrix) -> Result<Exit, CliError> {
    emit(
        ctx,
        &render(&m, matrix_doc, view.format, view.csv.options()),
    )?;
    release((plan, m));
    Ok(Exit::Success)
}
