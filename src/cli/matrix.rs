//! `readiness matrix`: the RAG table, actions by reviews.

use crate::plan::view::matrix;
use crate::report::{render, views::matrix_doc};

use super::view::{emit, load_plan, release, resolve_point, ViewArgs};
use super::{CliError, Context, Exit};

/// Show the RAG table rebuilt from the ledger: one row per action, one column per review.
///
/// Each cell is the status recorded for that review (empty if none). With --as-of, only
/// the reviews up to that point. CSV is `action,<review label>,...`, one row per action.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
}

/// Prints the matrix.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = args.view.known_at()?;
    let plan = load_plan(ctx, known_at.as_deref())?;
    let point = match args.view.as_of.as_deref() {
        Some(p) => resolve_point(&plan, Some(p), ctx)?,
        None => None,
    };
    let m = matrix(&plan, point.as_ref());
    emit(
        ctx,
        &render(&m, matrix_doc, args.view.format, args.view.csv.options()),
    )?;
    release((plan, m));
    Ok(Exit::Success)
}
