//! `readiness report`: the board report, as one self-contained HTML page or Markdown.

use std::path::PathBuf;

use crate::asof::ResolvedPoint;
use crate::plan::Plan;
use crate::report::board::{board_report, ReportSources};
use crate::report::board_doc::report_doc;
use crate::report::html::board_html;
use crate::report::render::to_markdown_titled;
use crate::verify::{verify, VerifyOptions};

use super::output::line;
use super::view::{emit, resolve_point};
use super::{CliError, Context, Exit};

/// Write the board report for a review: one document to read before the meeting.
///
/// It opens with a summary a chair can read aloud (how many actions are done, which are
/// behind and why, what moved, whether the ledger checks); then the count of actions at
/// each status per area, at the review and at the one before; what moved since --since
/// (default: the previous review), worst first; the readiness gaps (as `readiness check`
/// finds them), grouped by kind; every action with its trend across the reviews; and the
/// RAG matrix. An appendix for inspectors gives the ledger head it was produced from, the
/// result of verifying the whole ledger, its checkpoint and how to check them.
///
/// HTML is one file with its CSS and charts inline (no scripts, nothing fetched), for a
/// browser or printed on A4. Markdown has the same content without the charts. If the
/// ledger does not verify, the report says so in its first lines and the exit code is 1.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness report --as-of \"RAG February 21\" --out board.html
  readiness report --as-of \"RAG February 21\" --format markdown --out board.md")]
pub struct Args {
    /// The review the report is for: a label ("RAG February 21", any case), a month
    /// ("Feb 2021", "2021-02"), a date (the latest review on or before it) or "latest".
    #[arg(long = "as-of", value_name = "POINT")]
    pub as_of: String,
    /// Show what moved since this earlier point (same forms as --as-of). Default: the
    /// review before --as-of.
    #[arg(long, value_name = "POINT")]
    pub since: Option<String>,
    /// Replay only what the ledger knew at this moment (a date, whole day included, or an
    /// RFC 3339 time): the report as it could have been written then.
    #[arg(long = "known-at", value_name = "DATETIME")]
    pub known_at: Option<String>,
    /// html (a self-contained page), markdown (the same content, no charts) or json.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page, printable to A4.
    #[default]
    Html,
    /// GitHub-flavoured Markdown, without the charts.
    Markdown,
    /// The report value as JSON.
    Json,
}

pub(super) use crate::query::BoardReplay;

/// Replays the ledger (up to `known_at`) for the board views; refuses a ledger with no plan.
pub(super) fn replay_board(
    ctx: &mut Context<'_>,
    known_at: Option<&str>,
) -> Result<BoardReplay, CliError> {
    let ledger = ctx.open_for_read()?;
    let board = crate::query::replay_board(&ledger, known_at)?;
    super::view::require_plan(ctx, &board.plan, known_at)?;
    Ok(board)
}

/// Renders a board view: Markdown with every text escaped, other formats as usual.
pub(super) fn render_view<T: serde::Serialize>(
    value: &T,
    doc: impl FnOnce(&T) -> crate::report::Doc,
    format: crate::report::ViewFormat,
    csv: super::view::CsvArgs,
) -> String {
    match format {
        crate::report::ViewFormat::Markdown => to_markdown_titled(&doc(value), false),
        _ => crate::report::render(value, doc, format, csv.options()),
    }
}

/// `--known-at` in entry timestamp form.
pub(super) fn known_at(arg: Option<&str>) -> Result<Option<String>, CliError> {
    Ok(arg
        .map(|s| crate::bounds::time_bound("--known-at", s, true))
        .transpose()?)
}

/// Resolves a point that was given (so the plan must have reviews), naming the flag in
/// any error.
pub(super) fn point(
    plan: &Plan,
    flag: &str,
    given: &str,
    ctx: &Context<'_>,
) -> Result<ResolvedPoint, CliError> {
    match resolve_point(plan, Some(given), ctx) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(CliError::Usage(format!(
            "{flag} {given:?}: the plan has no reviews yet"
        ))),
        Err(CliError::Usage(m)) => Err(CliError::Usage(format!("{flag}: {m}"))),
        Err(e) => Err(e),
    }
}

/// Builds and writes the report.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = known_at(args.known_at.as_deref())?;
    let (verification, ledger) = {
        let ledger = ctx.open_for_read()?;
        (
            crate::query::verification(&verify(&ledger, VerifyOptions::default())?),
            ledger,
        )
    };
    let BoardReplay {
        plan,
        touches,
        recent,
    } = replay_board(ctx, known_at.as_deref())?;
    let at = point(&plan, "--as-of", &args.as_of, ctx)?;
    let since = args
        .since
        .as_deref()
        .map(|s| point(&plan, "--since", s, ctx))
        .transpose()?;
    let report = board_report(
        &plan,
        &at,
        since.as_ref(),
        &touches,
        &recent,
        ReportSources {
            verification,
            known_at,
            checkpoint: crate::query::checkpoint_at(&ledger, plan.head.map_or(0, |(seq, _)| seq.0)),
        },
    )
    .map_err(|e| CliError::Usage(format!("--since: {e}")))?;
    let text = match args.format {
        ReportFormat::Html => board_html(&report),
        ReportFormat::Markdown => to_markdown_titled(&report_doc(&report), true),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report)
                .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
            s.push('\n');
            s
        }
    };
    match &args.out {
        None => emit(ctx, &text)?,
        Some(path) => {
            std::fs::write(path, text.as_bytes()).map_err(|e| {
                CliError::Output(std::io::Error::new(
                    e.kind(),
                    format!("{}: {e}", path.display()),
                ))
            })?;
            let head = report
                .head
                .map_or("empty".to_string(), |h| format!("{} {}", h.seq, h.hash));
            line(
                ctx.out,
                format!(
                    "wrote {} (report at {}, ledger head {head})",
                    path.display(),
                    crate::report::safe_text::terminal(&report.review.label)
                ),
            )?;
        }
    }
    if report.verification.ok {
        Ok(Exit::Success)
    } else {
        line(
            ctx.err,
            format!(
                "warning: the ledger does not verify: {}.",
                report.verification.sentence()
            ),
        )?;
        Ok(Exit::VerificationFailed)
    }
}
