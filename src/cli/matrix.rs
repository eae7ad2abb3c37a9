//! `readiness matrix`: the RAG table, actions by reviews.

use crate::asof::ResolvedPoint;
use crate::plan::state::Shared;
use crate::plan::view::{matrix, matrix_of_cells, matrix_reviews};
use crate::plan::Plan;
use crate::report::wsoa_table::to_wsoa_table;
use crate::report::{render, views::matrix_doc, ViewFormat};
use crate::store::review_columns::ReviewColumns;

use super::view::{emit, load_plan, load_plan_lazily, release, resolve_point, ViewArgs};
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

/// The snapshot's status names, by column of the matrix at `point` then by action number;
/// `None` if the columns do not read back (only a bug could do that to checksummed bytes).
fn status_grid(
    plan: &Plan,
    point: Option<&ResolvedPoint>,
    mut columns: ReviewColumns,
) -> Option<Vec<Vec<Option<Shared>>>> {
    let reviews = matrix_reviews(plan, point);
    let mut grid = Vec::with_capacity(reviews.len());
    for review in reviews {
        let mut column = vec![None; plan.actions.len()];
        for (action, status) in columns.cells(&review.label).ok()? {
            column[action] = Some(status);
        }
        grid.push(column);
    }
    Some(grid)
}

/// Prints the matrix.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = args.view.known_at()?;
    let (mut plan, columns) = load_plan_lazily(ctx, known_at.as_deref())?;
    let point = match args.view.as_of.as_deref() {
        Some(p) => resolve_point(&plan, Some(p), ctx)?,
        None => None,
    };
    let wsoa = args.view.format == ViewFormat::Wsoa;
    let m = match columns {
        Some(columns) if !wsoa => match status_grid(&plan, point.as_ref(), columns) {
            Some(grid) => matrix_of_cells(&plan, point.as_ref(), |i, a, j, r| {
                (a.statuses.get(r.label.as_str()))
                    .map(|s| s.status.clone())
                    .or_else(|| grid[j][i].clone())
            }),
            None => {
                plan = load_plan(ctx, known_at.as_deref())?;
                matrix(&plan, point.as_ref())
            }
        },
        Some(columns) => {
            if columns.fill_all(&mut plan.actions).is_err() {
                plan = load_plan(ctx, known_at.as_deref())?;
            }
            matrix(&plan, point.as_ref())
        }
        None => matrix(&plan, point.as_ref()),
    };
    if wsoa {
        let table = to_wsoa_table(&plan, &m, point.is_some())
            .map_err(|e| CliError::Usage(e.to_string()))?;
        ctx.warn_all(table.warnings)?;
        emit(ctx, &table.text)?;
        release((plan, m));
        return Ok(Exit::Success);
    }
    emit(
        ctx,
        &render(&m, matrix_doc, args.view.format, args.view.csv.options()),
    )?;
    release((plan, m));
    Ok(Exit::Success)
}
