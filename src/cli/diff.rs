//! `readiness diff`: what moved between two reviews, and who moved it.

use crate::plan::diff::diff;
use crate::report::board::diff_doc;
use crate::report::ViewFormat;

use super::report::{known_at, point, render_view, replay_board};
use super::view::{emit, CsvArgs};
use super::{CliError, Context, Exit};

/// Show what moved between two reviews: each action's status at both, and a verdict.
///
/// Statuses are those `readiness plan` shows at each point (carried forward from an
/// earlier review when nothing was recorded for it). The verdict uses the scale's order:
/// improved, worsened, held, new (no status at --from), withdrawn (and "no status" when
/// there is none at either point). "completed" marks an
/// action that reached Completed or better from below (in a scale without "Completed",
/// its second-highest status). Each action lists the entries that moved it: the status
/// and correction entries for the reviews after --from up to --to, with seq, actor and
/// time. This is "what moved since the last board".
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness diff --from \"RAG August 20\" --to \"RAG November 20\"")]
pub struct Args {
    /// The earlier point, e.g. the last board's review: a label ("RAG August 20", any
    /// case), a month ("Aug 2020", "2020-08"), a date (the latest review on or before it)
    /// or "latest".
    #[arg(long, value_name = "POINT")]
    pub from: String,
    /// The later point, in the same forms.
    #[arg(long, value_name = "POINT")]
    pub to: String,
    /// Replay only what the ledger knew at this moment (a date, whole day included, or an
    /// RFC 3339 time).
    #[arg(long = "known-at", value_name = "DATETIME")]
    pub known_at: Option<String>,
    /// table (for people), markdown, csv or json.
    #[arg(long, value_enum, default_value_t)]
    pub format: ViewFormat,
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// Prints the diff.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = known_at(args.known_at.as_deref())?;
    let board = replay_board(ctx, known_at.as_deref())?;
    let from = point(&board.plan, "--from", &args.from, ctx)?;
    let to = point(&board.plan, "--to", &args.to, ctx)?;
    let d = diff(&board.plan, Some(&from), &to, &board.touches)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    emit(ctx, &render_view(&d, diff_doc, args.format, args.csv))?;
    Ok(Exit::Success)
}
