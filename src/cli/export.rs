//! `readiness export`: the log as a `.jsonl` file anyone can re-hash.

use std::io::Write;
use std::path::PathBuf;

use crate::store::{EntrySource, StoreError};

use super::{CliError, Context, Exit};

/// Write every entry, one canonical JSON line each, exactly as stored and hashed.
///
/// The file is a complete copy of the ledger: `readiness verify --ledger FILE.jsonl` checks
/// it, every read-only command reads it, and `readiness restore FILE` rebuilds a ledger from
/// it. Without FILE the entries go to standard output. An existing FILE is not overwritten.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write (e.g. york-2021-01-15.jsonl); standard output if not given.
    pub file: Option<PathBuf>,
}

/// Copies the log line by line.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let ledger = ctx.open_for_read()?;
    match args.file {
        None => {
            copy_lines(&ledger, ctx.out).map_err(CliError::Output)?;
        }
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::AlreadyExists => CliError::Usage(format!(
                        "{} already exists; choose another file name",
                        path.display()
                    )),
                    _ => StoreError::Io {
                        path: path.clone(),
                        source: e,
                    }
                    .into(),
                })?;
            let io = |e| StoreError::Io {
                path: path.clone(),
                source: e,
            };
            let n = copy_lines(&ledger, &mut file).map_err(io)?;
            file.sync_all().map_err(io)?;
            writeln!(ctx.err, "exported {n} entries to {}", path.display())
                .map_err(CliError::Output)?;
        }
    }
    Ok(Exit::Success)
}

fn copy_lines(source: &dyn EntrySource, out: &mut dyn Write) -> std::io::Result<u64> {
    let mut n = 0;
    let mut failure = None;
    let scanned = source.scan(&mut |line| {
        let written = out.write_all(line.bytes).and_then(|_| out.write_all(b"\n"));
        match written {
            Ok(()) => {
                n += 1;
                Ok(std::ops::ControlFlow::Continue(()))
            }
            Err(e) => {
                failure = Some(e);
                Ok(std::ops::ControlFlow::Break(()))
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    scanned.map_err(std::io::Error::other)?;
    out.flush()?;
    Ok(n)
}
