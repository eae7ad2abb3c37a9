//! Errors of the storage layer: files, the index, locking, and what they found.

use std::path::PathBuf;

use crate::batch::BatchError;
use crate::chain::ChainError;
use crate::entry::EntryError;

/// What went wrong while reading or writing a ledger on disk.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "ledger {} is still being written by another readiness process after {waited} seconds; nothing was written. Try again when it has finished (READINESS_LOCK_WAIT sets how long to wait)", dir.display()
    )]
    InUse { dir: PathBuf, waited: f64 },
    #[error("{0} is a symbolic link; a ledger directory's files are never followed through links (replace it with the real file or folder)")]
    Symlink(PathBuf),
    #[error("{path} ends with {len} bytes at byte {start} that are not a whole entry and that no interrupted append of this program explains; nothing was written. `readiness repair` sets them aside (keeping a copy)")]
    UnexplainedTail { path: PathBuf, start: u64, len: u64 },
    #[error("the ledger's head is entry {actual}, not {expected} as --if-head requires; nothing was written (look at what changed with `readiness log`)")]
    HeadMoved { expected: u64, actual: u64 },
    #[error(
        "no ledger at {0}: create one with `readiness init --title ...` or `readiness import FILE`"
    )]
    NotFound(PathBuf),
    #[error("{0} already holds a ledger (entries.jsonl); nothing was written. Choose a new or empty directory")]
    AlreadyExists(PathBuf),
    #[error("{0} is a read-only export (.jsonl); write to a ledger directory instead (restore it with `readiness restore`)")]
    ReadOnly(PathBuf),
    #[error("{path} is not a ledger directory (no entries.jsonl) and not empty; nothing was written. Choose a new or empty directory")]
    NotALedger { path: PathBuf },
    #[error("{path}, line {line}: {source} (run `readiness verify`)")]
    Line {
        path: PathBuf,
        line: u64,
        source: EntryError,
    },
    #[error("{path}: {source}")]
    Chain { path: PathBuf, source: ChainError },
    #[error("the ledger fails verification ({0}); nothing was written. Run `readiness verify` for details")]
    Damaged(String),
    #[error("plan state database: {0}")]
    Index(#[from] sled::Error),
    #[error(transparent)]
    Batch(#[from] BatchError),
    #[error("{0} is not empty: restore only into a new or empty ledger")]
    RestoreTargetNotEmpty(PathBuf),
}

/// Attaches a path to an I/O error. The path is copied only when there is an error: reads
/// call this once per line.
pub(crate) fn io<P: AsRef<std::path::Path>>(path: P) -> impl FnOnce(std::io::Error) -> StoreError {
    move |source| StoreError::Io {
        path: path.as_ref().to_path_buf(),
        source,
    }
}
