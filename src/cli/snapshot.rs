//! `readiness snapshot`: save the plan at a review with the entry it covers, or check one.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::asof::ResolvedPoint;
use crate::entry::{EntryHash, Head, Seq};
use crate::plan::view::plan_at;
use crate::plan::Plan;
use crate::verify::{replay_until, verify, ExpectOutcome, VerifyOptions};

use super::output::line;
use super::view::{load_plan, resolve_point};
use super::{CliError, Context, Exit};

/// Save the plan as it stood at a review, with the seq and hash of the last entry it covers;
/// or, with --check FILE, prove a saved snapshot still matches the ledger.
///
/// A snapshot is JSON: {"as_of": ..., "covers": {"seq", "hash"}, "plan": <the plan view>}.
/// Checking verifies the ledger, confirms the covered entry is still there unchanged, and
/// rebuilds the view from the ledger: any difference is refused (exit code 1).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness snapshot --as-of \"RAG November 20\" --out nov20.json
  readiness snapshot --check nov20.json")]
pub struct Args {
    /// The review to snapshot (see `readiness plan --help` for the forms).
    #[arg(
        long = "as-of",
        value_name = "POINT",
        required_unless_present = "check"
    )]
    pub as_of: Option<String>,
    /// Where to write the snapshot (default: standard output).
    #[arg(long, conflicts_with = "check")]
    pub out: Option<PathBuf>,
    /// A snapshot file to check against the ledger.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}

/// A saved projection and the entry it was built up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub as_of: String,
    pub covers: Head,
    pub plan: serde_json::Value,
}

/// Builds a snapshot of `plan` at `point` and its text: pretty JSON with a final newline.
pub fn build(plan: &Plan, point: Option<ResolvedPoint>) -> Result<(Snapshot, String), CliError> {
    let view = plan_at(plan, point.as_ref());
    let covers = view
        .head
        .ok_or_else(|| CliError::Usage("the ledger is empty".into()))?;
    let json_error = |e: serde_json::Error| CliError::Output(std::io::Error::other(e));
    let snapshot = Snapshot {
        as_of: point.map(|p| p.label).unwrap_or_default(),
        covers,
        plan: serde_json::to_value(&view).map_err(json_error)?,
    };
    let mut text = serde_json::to_string_pretty(&snapshot).map_err(json_error)?;
    text.push('\n');
    Ok((snapshot, text))
}

/// Writes or checks a snapshot.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    if let Some(path) = args.check {
        return check(ctx, &path);
    }
    let plan = load_plan(ctx, None)?;
    let point = resolve_point(&plan, args.as_of.as_deref(), ctx)?;
    let (_, text) = build(&plan, point)?;
    match args.out {
        None => ctx
            .out
            .write_all(text.as_bytes())
            .map_err(CliError::Output)?,
        Some(path) => {
            std::fs::write(&path, text)
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
            line(ctx.err, format!("wrote {}", path.display()))?;
        }
    }
    Ok(Exit::Success)
}

fn check(ctx: &mut Context<'_>, path: &PathBuf) -> Result<Exit, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let saved: Snapshot = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{}: not a snapshot ({e})", path.display())))?;
    let ledger = ctx.open_for_read()?;
    let report = verify(
        &ledger,
        VerifyOptions {
            expect: Some((Seq(saved.covers.seq), saved.covers.hash)),
            not_after: None,
        },
    )?;
    drop(ledger);
    if !report.ok() {
        let why = match (&report.failure, &report.expect) {
            (Some(f), _) => format!("the ledger fails verification: {}", f.reason),
            (None, Some(e @ ExpectOutcome::Differs { found, .. })) => format!(
                "entry {} now has hash {found}, not {}: {}",
                saved.covers.seq,
                saved.covers.hash,
                e.meaning().unwrap_or_default()
            ),
            _ => format!("the ledger no longer has entry {}", saved.covers.seq),
        };
        line(
            ctx.out,
            format!(
                "refused: {} does not match the ledger: {why}",
                path.display()
            ),
        )?;
        return Ok(Exit::VerificationFailed);
    }
    let head_now = report.head.map(|h| h.seq).unwrap_or(0);
    if head_now != saved.covers.seq {
        line(
            ctx.out,
            format!(
                "note: the ledger has grown to {head_now} entries since; comparing with the view at entry {}",
                saved.covers.seq
            ),
        )?;
    }
    let rebuilt = rebuild_at(ctx, &saved.as_of, Seq(saved.covers.seq), saved.covers.hash)?;
    if rebuilt == text {
        line(
            ctx.out,
            format!(
                "ok: {} matches the ledger at entry {} {}",
                path.display(),
                saved.covers.seq,
                saved.covers.hash
            ),
        )?;
        Ok(Exit::Success)
    } else {
        line(
            ctx.out,
            format!(
                "refused: {} differs from the view rebuilt from the ledger",
                path.display()
            ),
        )?;
        Ok(Exit::VerificationFailed)
    }
}

/// Rebuilds the snapshot text from the entries up to `seq`.
fn rebuild_at(
    ctx: &mut Context<'_>,
    as_of: &str,
    seq: Seq,
    hash: EntryHash,
) -> Result<String, CliError> {
    let ledger = ctx.open_for_read()?;
    let plan = replay_until(&ledger, seq)?;
    drop(ledger);
    if plan.head != Some((seq, hash)) {
        return Err(CliError::Usage(format!(
            "could not replay the ledger up to entry {seq}"
        )));
    }
    let point = resolve_point(&plan, Some(as_of), ctx)?;
    Ok(build(&plan, point)?.1)
}
