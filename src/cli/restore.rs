//! `readiness restore`: rebuild a ledger from an export, verifying it first.

use std::path::PathBuf;

use crate::store::{DirLedger, JsonlFile, Location, StoreError};
use crate::verify::{verify, VerifyOptions};

use super::output::line;
use super::{CliError, Context, Exit};

/// Rebuild a ledger from a `.jsonl` export, into a new or empty ledger directory.
///
/// The file is verified completely first (hashes, links, canonical form, event shapes and
/// the plan's rules); if anything fails, nothing is written and the exit code is 1.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The export to restore from.
    pub file: PathBuf,
}

/// Verifies strictly, then installs the file as the ledger's log.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let dir = match Location::parse(ctx.ledger_path()) {
        Location::Export(p) => return Err(StoreError::ReadOnly(p).into()),
        Location::Dir(p) => p,
    };
    let export = JsonlFile::open(&args.file)?;
    let report = verify(
        &export,
        VerifyOptions {
            strict: true,
            expect: None,
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
    if report.entries == 0 {
        return Err(CliError::Usage(format!(
            "{} holds no entries; nothing to restore",
            args.file.display()
        )));
    }
    let mut ledger = DirLedger::restore(&dir, &args.file)?;
    ctx.warn_all(ledger.take_warnings())?;
    let head = ledger.plan().head;
    if let Some((seq, hash)) = head {
        line(
            ctx.out,
            format!("restored {} entries into {}", seq, dir.display()),
        )?;
        line(ctx.out, format!("head {seq} {hash}"))?;
    }
    Ok(Exit::Success)
}
