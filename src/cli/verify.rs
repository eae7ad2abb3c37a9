//! `readiness verify`: prove the ledger's history is intact.

use crate::entry::{EntryHash, Seq};
use crate::verify::{verify, ExpectOutcome, VerifyOptions, VerifyReport};

use super::output::{line, write_json, Format};
use super::{CliError, Context, Exit};

/// Recompute every entry's hash and link; report the head, or the first bad entry.
///
/// Exit code 1 if anything fails. With --expect SEQ:HASH (a head minuted earlier), also
/// prove the ledger still holds that entry unchanged: today's ledger extends the one seen
/// then. --strict also checks canonical form, event shapes and the plan's rules on every
/// entry (slower; what `restore` does to files from outside).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An earlier head, as printed by `readiness head`: "SEQ HASH" or "SEQ:HASH".
    #[arg(long, value_parser = parse_expect, value_name = "SEQ:HASH")]
    pub expect: Option<(Seq, EntryHash)>,
    /// Also check canonical form, event shapes and plan rules.
    #[arg(long)]
    pub strict: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Parses `SEQ:HASH` (or `SEQ HASH`, as `head` prints it).
pub fn parse_expect(s: &str) -> Result<(Seq, EntryHash), String> {
    let (seq, hash) = s
        .trim()
        .split_once([':', ' '])
        .ok_or_else(|| format!("{s:?}: expected SEQ:HASH, e.g. 42:3f5a…(64 hex digits)"))?;
    let seq = seq
        .parse::<u64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("{seq:?} is not a seq (a whole number from 1)"))?;
    let hash = EntryHash::from_hex(hash.trim())
        .ok_or_else(|| format!("{hash:?} is not a hash (64 lowercase hex digits)"))?;
    Ok((Seq(seq), hash))
}

/// Verifies and prints the report.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let ledger = ctx.open_for_read()?;
    let report = verify(
        &ledger,
        VerifyOptions {
            strict: args.strict,
            expect: args.expect,
        },
    )?;
    match args.format {
        Format::Json => write_json(ctx.out, &report)?,
        Format::Table => print_report(ctx, &report)?,
    }
    Ok(if report.ok() {
        Exit::Success
    } else {
        Exit::VerificationFailed
    })
}

fn print_report(ctx: &mut Context<'_>, r: &VerifyReport) -> Result<(), CliError> {
    match &r.failure {
        None => line(
            ctx.out,
            format!("ok: {} entries verified in {}", r.entries, r.source),
        )?,
        Some(f) => line(
            ctx.out,
            format!(
                "FAILED: {} (line {} of {}); {} entries before it verified",
                f.reason, f.line, r.source, r.entries
            ),
        )?,
    }
    if let Some(h) = &r.head {
        let label = if r.failure.is_some() {
            "last good entry"
        } else {
            "head"
        };
        line(ctx.out, format!("{label}: {} {}", h.seq, h.hash))?;
    }
    match &r.expect {
        None => {}
        Some(ExpectOutcome::Found { seq, hash }) => line(
            ctx.out,
            format!("expected entry {seq} {hash} is present and unchanged: this ledger extends that one"),
        )?,
        Some(ExpectOutcome::Missing { seq, entries }) => line(
            ctx.out,
            format!("FAILED: expected entry {seq}, but the ledger has only {entries} verified entries"),
        )?,
        Some(ExpectOutcome::Differs { seq, expected, found }) => line(
            ctx.out,
            format!("FAILED: entry {seq} has hash {found}, not the expected {expected}: history was rewritten"),
        )?,
    }
    Ok(())
}
