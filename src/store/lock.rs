//! One writer at a time: an exclusive lock file held for as long as a ledger is open.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use super::error::{io, StoreError};

/// How many 10 ms waits before a held lock is reported as "in use".
const GRACE_TRIES: u32 = 30;

/// Holds the lock until dropped (the OS releases it if the process dies).
#[derive(Debug)]
pub struct LedgerLock {
    _file: File,
}

impl LedgerLock {
    /// Takes the lock on `dir/LOCK`, failing with [`StoreError::InUse`] if it stays held.
    ///
    /// It retries for a moment first: a process that forks while holding the lock (to run
    /// another program) shares it until the child execs, which should not read as "in use".
    pub fn acquire(dir: &Path) -> Result<LedgerLock, StoreError> {
        let mut tries = 0;
        loop {
            match LedgerLock::try_acquire(dir) {
                Err(StoreError::InUse(_)) if tries < GRACE_TRIES => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                result => return result,
            }
        }
    }

    fn try_acquire(dir: &Path) -> Result<LedgerLock, StoreError> {
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
