//! One writer at a time: an exclusive lock file held for as long as a ledger is open.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use super::error::{io, StoreError};

/// Holds the lock until dropped (the OS releases it if the process dies).
#[derive(Debug)]
pub struct LedgerLock {
    _file: File,
}

impl LedgerLock {
    /// Takes the lock on `dir/LOCK`, failing at once with [`StoreError::InUse`] if held.
    pub fn acquire(dir: &Path) -> Result<LedgerLock, StoreError> {
        let path = dir.join("LOCK");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(LedgerLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(StoreError::InUse(dir.to_path_buf())),
            Err(TryLockError::Error(e)) => Err(io(&path)(e)),
        }
    }
}
