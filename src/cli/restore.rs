//! `readiness restore`: rebuild a ledger from an export, verifying it first.

use std::path::{Path, PathBuf};

use crate::store::evidence::EvidenceStore;
use crate::store::{DirLedger, JsonlFile, Location, StoreError};
use crate::verify::evidence::{check, collect};
use crate::verify::{verify_keeping_plan, VerifyOptions};

use super::output::line;
use super::{CliError, Context, Exit};

/// Rebuild a ledger from a `.jsonl` export, into a new or empty ledger directory.
///
/// The file is verified completely first (hashes, links, canonical form, event shapes and
/// the plan's rules); if anything fails, nothing is written and the exit code is 1.
///
/// FILE may also be a folder written by `export --with-evidence`: its entries.jsonl and
/// every evidence file it names are verified before anything is written, then both are
/// restored (redacted files stay redacted; files no entry names are left behind).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness restore york-backup.jsonl --ledger york-copy
  readiness restore bundle --ledger york-copy2")]
pub struct Args {
    /// The export to restore from (a .jsonl file, or a folder from `export --with-evidence`).
    pub file: PathBuf,
}

/// Verifies strictly, then installs the file as the ledger's log.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let dir = match Location::parse(ctx.ledger_path()) {
        Location::Export(p) => return Err(StoreError::ReadOnly(p).into()),
        Location::Dir(p) => p,
    };
    let evidence_from = args.file.is_dir().then(|| args.file.clone());
    let log_file = match &evidence_from {
        Some(d) => d.join("entries.jsonl"),
        None => args.file.clone(),
    };
    let export = JsonlFile::open(&log_file)?;
    let (report, plan) = verify_keeping_plan(
        &export,
        VerifyOptions {
            expect: None,
            not_after: Some(crate::entry::format_timestamp(
                ctx.clock.now() + chrono::Duration::minutes(crate::verify::FUTURE_SKEW_MINUTES),
            )),
        },
    )?;
    if let Some(f) = &report.failure {
        line(
            ctx.out,
            format!(
                "refused: {} (line {} of {}); nothing was written",
                f.reason,
                f.line,
                args.file.display()
            ),
        )?;
        return Ok(Exit::VerificationFailed);
    }
    let attachments = match &evidence_from {
        Some(d) => {
            let attachments = collect(&export)?;
            let ev =
                check(&attachments, &EvidenceStore::new(d)).map_err(super::evidence::cli_error)?;
            if !ev.ok() {
                for p in &ev.problems {
                    line(ctx.out, format!("FAILED: evidence: {p}"))?;
                }
                line(
                    ctx.out,
                    format!(
                        "refused: the evidence in {} does not verify; nothing was written",
                        d.display()
                    ),
                )?;
                return Ok(Exit::VerificationFailed);
            }
            Some((d.clone(), attachments))
        }
        None => None,
    };
    if report.entries == 0 {
        return Err(CliError::Usage(format!(
            "{} holds no entries; nothing to restore",
            args.file.display()
        )));
    }
    // Evidence first, then the log: a ledger never names a file it does not hold yet, and
    // a restore stopped in between leaves only files a second run accepts and finishes.
    let mut copied = None;
    let mut copy_failed = None;
    let err = &mut *ctx.err;
    let created = DirLedger::create_from(
        &dir,
        &mut || super::waiting(err, &dir),
        |target| {
            let Some((from, attachments)) = &attachments else {
                return Ok(());
            };
            let store = EvidenceStore::new(target);
            match super::export::copy_evidence(attachments, &EvidenceStore::new(from), &store) {
                Ok(n) => {
                    copied = Some(n);
                    Ok(())
                }
                Err(e) => {
                    let message = e.to_string();
                    copy_failed = Some(e);
                    Err(StoreError::Damaged(message))
                }
            }
        },
        |file, path| copy_log(&log_file, file, path),
        plan,
    );
    let created = match (created, copy_failed) {
        (Err(_), Some(e)) => return Err(e),
        (result, _) => result?,
    };
    ctx.warn_all(created.warnings)?;
    if let Some(files) = copied {
        line(
            ctx.out,
            format!(
                "restored {} into {}",
                crate::words::count(files, "evidence file", "evidence files"),
                dir.display()
            ),
        )?;
    }
    if let Some(head) = report.head {
        line(
            ctx.out,
            format!(
                "restored {} into {}",
                crate::words::count(head.seq, "entry", "entries"),
                dir.display()
            ),
        )?;
        line(ctx.out, format!("head {} {}", head.seq, head.hash))?;
    }
    Ok(Exit::Success)
}

/// Copies an export into the new log file, ending it with a newline if it lacks one.
fn copy_log(from: &Path, to: &mut std::fs::File, path: &Path) -> Result<(), StoreError> {
    use std::io::{Read, Write};
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| StoreError::Io { path: p, source }
    };
    let mut src = std::fs::File::open(from).map_err(io(from))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut last = b'\n';
    loop {
        let n = src.read(&mut buf).map_err(io(from))?;
        if n == 0 {
            break;
        }
        last = buf[n - 1];
        crate::store::fsx::fault(crate::store::fsx::Op::Write)
            .and_then(|_| to.write_all(&buf[..n]))
            .map_err(io(path))?;
    }
    if last != b'\n' {
        to.write_all(b"\n").map_err(io(path))?;
    }
    Ok(())
}
