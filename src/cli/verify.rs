//! `readiness verify`: prove the ledger's history is intact.

use crate::entry::{EntryHash, Seq};
use crate::verify::{verify, ExpectOutcome, VerifyOptions, VerifyReport};
use crate::verify_evidence::{describe_stray, verify_evidence, EvidenceReport};
use crate::verify_signatures::{verify_signatures, SignatureReport};

use super::output::{line, write_json, Format};
use super::{CliError, Context, Exit};

/// Recompute every entry's hash and link; report the head, or the first bad entry.
///
/// Exit code 1 if anything fails. With --expect SEQ:HASH (a head minuted earlier), also
/// prove the ledger still holds that entry unchanged: today's ledger extends the one seen
/// then. --strict also checks canonical form, event shapes and the plan's rules on every
/// entry (slower; what `restore` does to files from outside).
///
/// Every sign-off's Ed25519 signature is checked against its key as registered when it was
/// appended: an unknown or revoked key, a wrong role, a signature that does not match, or
/// a head (seq and hash) the ledger does not hold fails, naming the entry.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// An earlier head, as printed by `readiness head`: "SEQ HASH" or "SEQ:HASH".
    #[arg(long, value_parser = parse_expect, value_name = "SEQ:HASH")]
    pub expect: Option<(Seq, EntryHash)>,
    /// Also check canonical form, event shapes and plan rules.
    #[arg(long)]
    pub strict: bool,
    /// Skip re-hashing the evidence files (ledger directories only).
    #[arg(long)]
    pub no_evidence: bool,
    /// A checkpoint taken earlier (`readiness checkpoint`): also prove that this ledger is an
    /// append-only extension of the ledger it described (ledger directories only).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<std::path::PathBuf>,
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
    let mut report = verify(
        &ledger,
        VerifyOptions {
            strict: args.strict,
            expect: args.expect,
        },
    )?;
    // A directory's log read only up to its last whole entry: what follows fails too.
    if let (crate::store::ReadLedger::Dir(d), None) = (&ledger, &report.failure) {
        if let Some((start, len)) = d.unexplained_tail() {
            report.failure = Some(crate::verify::VerifyFailure {
                seq: report.entries + 1,
                line: report.entries + 1,
                reason: format!(
                    "the log ends with {len} bytes at byte {start} that are not a whole entry (`readiness repair` sets them aside)"
                ),
            });
        }
    }
    // Signatures are checked once the chain holds (a broken chain is reported first).
    let signatures = match report.failure {
        None => Some(verify_signatures(&ledger)?),
        Some(_) => None,
    };
    let signed_ok = signatures.as_ref().is_none_or(SignatureReport::ok);
    // Evidence files of a ledger directory, re-hashed once the chain holds.
    let evidence = match (&ledger, &report.failure, args.no_evidence) {
        (crate::store::ReadLedger::Dir(d), None, false) => {
            Some(verify_evidence(&ledger, d.dir()).map_err(super::evidence::cli_error)?)
        }
        _ => None,
    };
    let evidence_ok = evidence.as_ref().is_none_or(EvidenceReport::ok);
    let checkpoint = match (&args.checkpoint, &ledger) {
        (None, _) => None,
        (Some(path), crate::store::ReadLedger::Dir(d)) => Some(extends(d, path)?),
        (Some(_), crate::store::ReadLedger::Export(_)) => {
            return Err(CliError::Usage(
                "verify --checkpoint needs a ledger directory (its index holds the Merkle tree); restore the export first".into(),
            ))
        }
    };
    let checkpoint_ok = checkpoint.as_ref().is_none_or(|c| c.ok);
    match args.format {
        Format::Json => write_json(
            ctx.out,
            &WithSignatures {
                report: &report,
                signatures: signatures.as_ref(),
                evidence: evidence.as_ref(),
                checkpoint: checkpoint.as_ref(),
            },
        )?,
        Format::Table => {
            print_report(ctx, &report)?;
            print_signatures(ctx, &report, signatures.as_ref())?;
            print_evidence(ctx, evidence.as_ref())?;
            if let Some(c) = &checkpoint {
                line(ctx.out, &c.message)?;
            }
        }
    }
    Ok(
        if report.ok() && signed_ok && evidence_ok && checkpoint_ok {
            Exit::Success
        } else {
            Exit::VerificationFailed
        },
    )
}

/// The JSON report: the chain's, plus `signatures` (null when the chain failed first).
#[derive(serde::Serialize)]
struct WithSignatures<'a> {
    #[serde(flatten)]
    report: &'a VerifyReport,
    signatures: Option<&'a SignatureReport>,
    checkpoint: Option<&'a CheckpointCheck>,
    /// Evidence files (null for exports, `--no-evidence`, or when the chain failed first).
    evidence: Option<&'a EvidenceReport>,
}

fn print_evidence(ctx: &mut Context<'_>, e: Option<&EvidenceReport>) -> Result<(), CliError> {
    let Some(e) = e else {
        return Ok(());
    };
    let status = if e.ok() { "ok" } else { "FAILED" };
    line(
        ctx.out,
        format!(
            "evidence: {status}: {} files re-hashed ({} bytes) for {} entries in {}; {} redacted, {} problems, {} stray",
            e.verified,
            e.bytes,
            e.entries,
            e.dir,
            e.redacted.len(),
            e.problems.len(),
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

fn print_signatures(
    ctx: &mut Context<'_>,
    r: &VerifyReport,
    s: Option<&SignatureReport>,
) -> Result<(), CliError> {
    match s {
        None => Ok(()),
        Some(s) => match &s.failure {
            None => line(
                ctx.out,
                format!(
                    "signatures: ok: {} sign-offs checked ({} keys registered, {} revoked)",
                    s.signed_off, s.keys_registered, s.keys_revoked
                ),
            ),
            Some(f) => line(
                ctx.out,
                format!(
                    "FAILED: signatures: {} (line {} of {})",
                    f.reason, f.line, r.source
                ),
            ),
        },
    }
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

/// Whether the ledger extends an earlier checkpoint.
#[derive(Debug, serde::Serialize)]
struct CheckpointCheck {
    ok: bool,
    old_size: u64,
    new_size: Option<u64>,
    message: String,
}

/// Proves (or refutes) that the ledger extends the checkpoint in `path`.
fn extends(
    ledger: &crate::store::DirReader,
    path: &std::path::Path,
) -> Result<CheckpointCheck, CliError> {
    use super::checkpoint::{check_extends, read_checkpoint, Extends};
    let old = read_checkpoint(path)?;
    Ok(match check_extends(&super::prove::tree_of(ledger)?, &old)? {
        Extends::Yes { new_size, .. } => CheckpointCheck {
            ok: true,
            old_size: old.size,
            new_size: Some(new_size),
            message: format!(
                "checkpoint {}: this ledger ({new_size} entries) is an append-only extension of the one it describes ({} entries); consistency proof checked",
                path.display(),
                old.size
            ),
        },
        Extends::No(reason) => CheckpointCheck {
            ok: false,
            old_size: old.size,
            new_size: None,
            message: format!("FAILED: checkpoint {}: {reason}", path.display()),
        },
    })
}
