//! `readiness export`: the log as a `.jsonl` file anyone can re-hash.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::store::evidence::EvidenceStore;
use crate::store::{EntrySource, Location, StoreError};
use crate::verify::evidence::{check, collect};

use super::{CliError, Context, Exit};

/// Write every entry, one canonical JSON line each, exactly as stored and hashed.
///
/// The file is a complete copy of the ledger: `readiness verify --ledger FILE.jsonl` checks
/// it, every read-only command reads it, and `readiness restore FILE` rebuilds a ledger from
/// it. Without FILE the entries go to standard output. An existing FILE is not overwritten.
///
/// With --with-evidence DIR, a new (or empty) folder gets DIR/entries.jsonl and
/// DIR/evidence/<SHA-256> for every attached file not redacted; each file is re-hashed as
/// it is copied, and `readiness restore DIR` takes the folder back.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness export york-backup.jsonl
  readiness export --with-evidence bundle")]
pub struct Args {
    /// Where to write (e.g. york-2021-01-15.jsonl); standard output if not given.
    pub file: Option<PathBuf>,
    /// Write a folder with the entries and the evidence files instead.
    #[arg(long, value_name = "DIR", conflicts_with = "file")]
    pub with_evidence: Option<PathBuf>,
}

/// Copies the log line by line.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    if let Some(out) = args.with_evidence {
        return export_with_evidence(ctx, &out);
    }
    let ledger = ctx.open_for_read()?;
    match args.file {
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut *ctx.out);
            copy_lines(&ledger, &mut out).map_err(CliError::Output)?;
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
            // Two writes a line: buffered, or a million-entry log costs two million syscalls.
            let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut file);
            let n = copy_lines(&ledger, &mut out).map_err(io)?;
            drop(out);
            file.sync_all().map_err(io)?;
            writeln!(
                ctx.err,
                "exported {} to {}",
                crate::words::count(n as u64, "entry", "entries"),
                path.display()
            )
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

/// Writes `out/entries.jsonl` and `out/evidence/`, after checking every evidence file.
fn export_with_evidence(ctx: &mut Context<'_>, out: &Path) -> Result<Exit, CliError> {
    let src_dir = match Location::parse(ctx.ledger_path()) {
        Location::Dir(p) => p,
        Location::Export(p) => {
            return Err(CliError::Usage(format!(
                "{} is a .jsonl export and holds no evidence files; export --with-evidence from a ledger directory",
                p.display()
            )))
        }
    };
    if out.exists() {
        let empty = out.is_dir()
            && std::fs::read_dir(out)
                .map(|mut l| l.next().is_none())
                .unwrap_or(false);
        if !empty {
            return Err(CliError::Usage(format!(
                "{} already exists and is not an empty folder; choose another",
                out.display()
            )));
        }
    }
    let ledger = ctx.open_for_read()?;
    let attachments = collect(&ledger)?;
    let source_store = EvidenceStore::new(&src_dir);
    let report = check(&attachments, &source_store).map_err(super::evidence::cli_error)?;
    if !report.ok() {
        for p in &report.problems {
            super::output::line(ctx.out, format!("FAILED: evidence: {p}"))?;
        }
        writeln!(
            ctx.out,
            "refused: the evidence does not verify; nothing was written"
        )
        .map_err(CliError::Output)?;
        return Ok(Exit::VerificationFailed);
    }
    std::fs::create_dir_all(out).map_err(|source| StoreError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let log = out.join("entries.jsonl");
    let io = |e| StoreError::Io {
        path: log.clone(),
        source: e,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&log)
        .map_err(io)?;
    let n = copy_lines(&ledger, &mut file).map_err(io)?;
    file.sync_all().map_err(io)?;
    let target = EvidenceStore::new(out);
    std::fs::create_dir_all(target.dir()).map_err(|source| StoreError::Io {
        path: target.dir().to_path_buf(),
        source,
    })?;
    let files = copy_evidence(&attachments, &source_store, &target)?;
    writeln!(
        ctx.err,
        "exported {} and {} to {}",
        crate::words::count(n as u64, "entry", "entries"),
        crate::words::count(files as u64, "evidence file", "evidence files"),
        out.display()
    )
    .map_err(CliError::Output)?;
    Ok(Exit::Success)
}

/// Copies every attached, unredacted content from `from` to `to`, re-hashing each copy.
pub(crate) fn copy_evidence(
    attachments: &crate::verify::evidence::Attachments,
    from: &EvidenceStore,
    to: &EvidenceStore,
) -> Result<u64, CliError> {
    let mut files = 0;
    for (sha, list) in attachments.contents() {
        if attachments.redacted.contains_key(sha) {
            continue;
        }
        let Some(path) = from.path_of(sha) else {
            continue;
        };
        let staged = to
            .stage_file(&path, u64::MAX)
            .map_err(super::evidence::cli_error)?;
        if staged.sha256 != sha {
            return Err(CliError::Usage(format!(
                "entry {}: evidence file {} changed while it was copied (SHA-256 now {})",
                list.first().map_or(0, |a| a.seq),
                path.display(),
                staged.sha256
            )));
        }
        to.commit(staged).map_err(super::evidence::cli_error)?;
        files += 1;
    }
    Ok(files)
}
