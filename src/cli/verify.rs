//! `readiness verify`: prove the ledger's history is intact, and say so first.

use std::path::PathBuf;

use serde::Serialize;

use crate::entry::{format_timestamp, EntryHash, Seq};
use crate::store::ReadLedger;
use crate::verify::evidence::{describe_stray, EvidenceReport};
use crate::verify::{
    verify_with_attachments, ExpectOutcome, VerifyFailure, VerifyOptions, VerifyReport, CHECKS,
};
use crate::words::{count, counted};

use super::checkpoint::{authenticate, held_checkpoints, CheckpointVerdict};
use super::output::{line, write_json, Format};
use super::{CliError, Context, Exit};

/// Check everything FORMAT.md lists, on every entry; print the verdict first.
///
/// For each entry: canonical form, hash, link, seq, time order, not recorded in the future,
/// the event's schema, and the plan's rules as they stood (key ids, every signature against
/// the key registered and not revoked then, that a signed status is the one shown, no
/// repeated sign-off). Then the heads sign-offs name, the evidence files (directories), the
/// checkpoints this ledger holds, and any given with --checkpoint. The first line is
/// `ok: ...` or `FAILED: ...` naming the first failing entry and check; exit 1 on any failure.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness verify
  readiness verify --ledger events/york-wsoa.jsonl --expect 72:d3432155868ca5a922c72faf3d93890f0d2cda81bbd7f0d0047f10bd5f37a335
  readiness verify --checkpoint board.ckpt
  readiness verify --no-evidence --format json")]
pub struct Args {
    /// An earlier head, as printed by `readiness head`: "SEQ HASH" or "SEQ:HASH".
    #[arg(long, value_parser = parse_expect, value_name = "SEQ:HASH")]
    pub expect: Option<(Seq, EntryHash)>,
    /// Kept for scripts written before every check ran by default; changes nothing.
    #[arg(long, hide = true)]
    pub strict: bool,
    /// Skip re-hashing the evidence files (ledger directories only).
    #[arg(long)]
    pub no_evidence: bool,
    /// A checkpoint taken earlier (`readiness checkpoint`): prove that this ledger extends
    /// the one it describes, and that a key this ledger registered (or --public-key) signed it.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Vec<PathBuf>,
    /// A public key (FILE.pub) also trusted to sign checkpoints.
    #[arg(long, value_name = "FILE")]
    pub public_key: Vec<PathBuf>,
    /// Accept a --checkpoint that no trusted key signed (the output says nothing proves who
    /// made it).
    #[arg(long)]
    pub allow_unsigned: bool,
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

/// One check's result, for `--format json`.
#[derive(Debug, Serialize)]
struct CheckResult {
    check: &'static str,
    /// "ok", "failed", or "not reached" (an earlier failure stopped the pass).
    result: &'static str,
}

/// Everything verify found, for scripts.
#[derive(Debug, Serialize)]
struct Verdict<'a> {
    ok: bool,
    verdict: String,
    #[serde(flatten)]
    report: &'a VerifyReport,
    checks: Vec<CheckResult>,
    evidence: Option<&'a EvidenceReport>,
    checkpoints: &'a [CheckpointVerdict],
}

/// Verifies and prints the verdict, then the details.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let mut ledger = ctx.open_for_read()?;
    let not_after = format_timestamp(
        ctx.clock.now() + chrono::Duration::minutes(crate::verify::FUTURE_SKEW_MINUTES),
    );
    // The attachments come from the same pass: the evidence check reads no entry again.
    let (mut report, attachments) = verify_with_attachments(
        &ledger,
        VerifyOptions {
            expect: args.expect,
            not_after: Some(not_after),
        },
    )?;
    // A directory's log is read only up to its last whole entry: what follows fails too.
    if let (ReadLedger::Dir(d), None) = (&ledger, &report.failure) {
        if let Some((start, len)) = d.unexplained_tail() {
            report.failure = Some(VerifyFailure {
                seq: report.entries + 1,
                line: report.entries + 1,
                check: "entry shape",
                reason: format!(
                    "the log ends with {len} bytes at byte {start} that are not a whole entry (`readiness repair` sets them aside)"
                ),
            });
        }
    }
    let evidence = match (&ledger, &report.failure, args.no_evidence) {
        (ReadLedger::Dir(d), None, false) => {
            let store = crate::store::evidence::EvidenceStore::new(d.dir());
            Some(
                crate::verify::evidence::check(&attachments, &store)
                    .map_err(super::evidence::cli_error)?,
            )
        }
        _ => None,
    };
    let mut checkpoints = Vec::new();
    if report.failure.is_none() {
        let trusted = super::checkpoint::trusted_keys(&args.public_key)?;
        let mut wanted = Vec::new();
        if let ReadLedger::Dir(d) = &ledger {
            let held = held_checkpoints(d.dir())?;
            wanted.extend(held.into_iter().map(|(p, c)| (p, c, false)));
        }
        for path in &args.checkpoint {
            let c = super::checkpoint::read_checkpoint(path)?;
            wanted.push((path.clone(), c, args.allow_unsigned));
        }
        for (path, c, unsigned_ok) in wanted {
            let verdict = match authenticate(&ledger, &path, &c, &trusted, unsigned_ok) {
                // Damage inside the positions shows only when a proof fails its own check.
                Err(CliError::Store(crate::store::StoreError::Damaged(why))) => {
                    if let ReadLedger::Dir(d) = &mut ledger {
                        let notes = d.rebuild_positions(&why)?;
                        ctx.warn_all(notes)?;
                    }
                    authenticate(&ledger, &path, &c, &trusted, unsigned_ok)?
                }
                other => other?,
            };
            checkpoints.push(verdict);
        }
    }
    let ok = report.ok()
        && evidence.as_ref().is_none_or(EvidenceReport::ok)
        && checkpoints.iter().all(|c| c.ok);
    let verdict = verdict_line(&report, evidence.as_ref(), &checkpoints);
    match args.format {
        Format::Json => write_json(
            ctx.out,
            &Verdict {
                ok,
                verdict,
                report: &report,
                checks: check_results(&report),
                evidence: evidence.as_ref(),
                checkpoints: &checkpoints,
            },
        )?,
        Format::Table => {
            line(ctx.out, &verdict)?;
            print_details(ctx, &report)?;
            print_evidence(ctx, evidence.as_ref())?;
            // A failed checkpoint that is already the verdict is not repeated.
            for c in checkpoints.iter().filter(|c| c.message != verdict) {
                line(ctx.out, &c.message)?;
            }
        }
    }
    Ok(if ok {
        Exit::Success
    } else {
        Exit::VerificationFailed
    })
}

/// The first line: `ok: …` only when everything passed; else `FAILED: ` and the first problem.
fn verdict_line(
    r: &VerifyReport,
    evidence: Option<&EvidenceReport>,
    checkpoints: &[CheckpointVerdict],
) -> String {
    if let Some(f) = &r.failure {
        return format!(
            "FAILED: entry {} ({} check): {} (line {} of {}); the {} before it verified",
            f.seq,
            f.check,
            f.reason,
            f.line,
            r.source,
            count(r.entries, "entry", "entries")
        );
    }
    if let Some(e) = &r.expect {
        if let Some(m) = expect_failure(e) {
            return m;
        }
    }
    if let Some(p) = evidence.and_then(|e| e.problems.first()) {
        return format!("FAILED: evidence: {p}");
    }
    if let Some(c) = checkpoints.iter().find(|c| !c.ok) {
        return c.message.clone();
    }
    format!(
        "ok: {} verified in {}: every check FORMAT.md lists passed",
        count(r.entries, "entry", "entries"),
        r.source
    )
}

/// An --expect that did not hold, and what that tells.
fn expect_failure(e: &ExpectOutcome) -> Option<String> {
    let what = match e {
        ExpectOutcome::Found { .. } => return None,
        ExpectOutcome::Missing { seq, entries, .. } => format!(
            "expected entry {seq}, but the ledger has only {}",
            count(*entries, "verified entry", "verified entries")
        ),
        ExpectOutcome::Differs {
            seq,
            expected,
            found,
            ..
        } => format!("entry {seq} has hash {found}, not the expected {expected}"),
    };
    Some(format!(
        "FAILED: {what}: {}",
        e.meaning().unwrap_or_default()
    ))
}

fn check_results(r: &VerifyReport) -> Vec<CheckResult> {
    let failed_at = r
        .failure
        .as_ref()
        .and_then(|f| CHECKS.iter().position(|c| *c == f.check));
    CHECKS
        .iter()
        .enumerate()
        .map(|(i, check)| CheckResult {
            check,
            result: match failed_at {
                None => "ok",
                Some(at) if i < at => "ok",
                Some(at) if i == at => "failed",
                // Later checks ran on the entries before the failing one, not on it or after.
                Some(_) => "not reached",
            },
        })
        .collect()
}

fn print_details(ctx: &mut Context<'_>, r: &VerifyReport) -> Result<(), CliError> {
    if let Some(h) = &r.head {
        let label = if r.failure.is_some() {
            "last good entry"
        } else {
            "head"
        };
        line(ctx.out, format!("{label}: {} {}", h.seq, h.hash))?;
    }
    if r.failure.is_none() {
        let c = &r.counts;
        line(
            ctx.out,
            format!(
                "signatures: ok: {} checked ({} registered, {} revoked)",
                counted(c.signed_off, "sign-off"),
                counted(c.keys_registered, "key"),
                c.keys_revoked
            ),
        )?;
    }
    match (&r.expect, &r.failure) {
        (Some(ExpectOutcome::Found { seq, hash }), _) => line(
            ctx.out,
            format!("expected entry {seq} {hash} is present and unchanged: this ledger extends that one"),
        )?,
        // With a failure the verdict names it; the --expect outcome follows here.
        (Some(e), Some(_)) => {
            if let Some(m) = expect_failure(e) {
                line(ctx.out, m)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn print_evidence(ctx: &mut Context<'_>, e: Option<&EvidenceReport>) -> Result<(), CliError> {
    let Some(e) = e else {
        return Ok(());
    };
    let status = if e.ok() { "ok" } else { "FAILED" };
    line(
        ctx.out,
        format!(
            "evidence: {status}: {} re-hashed ({}) for {} in {}; {} redacted, {}, {} stray",
            counted(e.verified, "file"),
            counted(e.bytes, "byte"),
            count(e.entries, "entry", "entries"),
            e.dir,
            e.redacted.len(),
            counted(e.problems.len() as u64, "problem"),
            e.strays.len()
        ),
    )?;
    for p in &e.problems {
        line(ctx.out, format!("FAILED: evidence: {p}"))?;
    }
    for r in &e.redacted {
        line(
            ctx.out,
            format!(
                "redacted: entry {}: {} (\"{}\") was redacted at entry {} by {} on {}: {}",
                r.seqs.first().copied().unwrap_or_default(),
                r.sha256,
                crate::store::evidence::display_name(&r.file_name, 80),
                r.redacted.seq,
                crate::store::evidence::escape_name(&r.redacted.actor),
                r.redacted.recorded_at,
                crate::store::evidence::escape_name(&r.redacted.reason)
            ),
        )?;
    }
    for s in &e.strays {
        line(
            ctx.out,
            format!(
                "stray: {} (no entry names this file)",
                describe_stray(&e.dir, s)
            ),
        )?;
    }
    Ok(())
}
