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
        "ledger {0} is in use by another readiness process; wait for it to finish and try again"
    )]
    InUse(PathBuf),
    #[error(
        "no ledger at {0}: create one with `readiness init --title ...` or `readiness import FILE`"
    )]
    NotFound(PathBuf),
    #[error("{0} already holds a ledger")]
    AlreadyExists(PathBuf),
    #[error("{0} is a read-only export (.jsonl); write to a ledger directory instead (restore it with `readiness restore`)")]
    ReadOnly(PathBuf),
    #[error("{path} is not a ledger directory (no entries.jsonl) and not empty")]
    NotALedger { path: PathBuf },
    #[error("{path}, line {line}: {source}")]
    Line {
        path: PathBuf,
        line: u64,
        source: EntryError,
    },
    #[error("{path}: {source}")]
    Chain { path: PathBuf, source: ChainError },
    #[error("the ledger fails verification ({0}); nothing was written. Run `readiness verify` for details")]
    Damaged(String),
    #[error("index database: {0}")]
    Index(#[from] sled::Error),
    #[error(transparent)]
    Batch(#[from] BatchError),
    #[error("{0} is not empty: restore only into a new or empty ledger")]
    RestoreTargetNotEmpty(PathBuf),
}

/// Attaches a path to an I/O error.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.into();
    move |source| StoreError::Io { path, source }
}
