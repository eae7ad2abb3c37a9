//! `readiness check`: the readiness gaps alone, with an exit code for schedulers.

use crate::plan::gaps::gaps;
use crate::report::board::gaps_doc;
use crate::report::ViewFormat;

use super::output::{line, write_json};
use super::report::{known_at, render_view, replay_board};
use super::view::{emit, resolve_point, ViewArgs};
use super::{CliError, Context, Exit};

/// List the readiness gaps at a review; exit code 3 when there are any, 0 when none.
///
/// A gap is an action (not withdrawn) that is past its end date and not completed (the
/// month read from its end text, e.g. "Phase 2: January 2021", is over by the review's
/// date, and its status is below Completed); one that is red or amber at two or more
/// reviews in a row up to this one; one with no status recorded for this review (stale,
/// even if an earlier status is carried forward); and the late status entries and
/// corrections recorded since the previous review's date. Run it on a schedule: exit 3
/// means someone should look.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness check --as-of \"RAG February 21\"
  readiness check --as-of \"RAG August 22\" --format csv")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
}

/// Prints the gaps.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = known_at(args.view.known_at.as_deref())?;
    let board = replay_board(ctx, known_at.as_deref())?;
    let Some(at) = resolve_point(&board.plan, args.view.as_of.as_deref(), ctx)? else {
        if args.view.format == ViewFormat::Json {
            write_json(ctx.out, &serde_json::json!({ "review": null, "gaps": [] }))?;
        } else {
            line(
                ctx.out,
                "the plan has no reviews yet: no readiness gaps to check",
            )?;
        }
        return Ok(Exit::Success);
    };
    let g = gaps(&board.plan, &at, &board.recent).map_err(|e| CliError::Usage(e.to_string()))?;
    emit(
        ctx,
        &render_view(&g, gaps_doc, args.view.format, args.view.csv),
    )?;
    Ok(if g.gaps.is_empty() {
        Exit::Success
    } else {
        Exit::GapsFound
    })
}
