//! One writer at a time: an exclusive lock on `LOCK`, held while a ledger is written.
//!
//! Readers never take it. A writer that finds it held waits (boundedly), saying so after
//! a second, rather than failing at once: concurrent officers should queue, not be refused.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use super::error::{io, StoreError};
use super::fsx;

/// File name of the lock inside a ledger directory.
pub const LOCK_FILE: &str = "LOCK";
/// How long a writer waits for another before giving up, unless [`WAIT_ENV`] says.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30);
/// Environment variable overriding [`WAIT_LIMIT`], in seconds (0: do not wait).
pub const WAIT_ENV: &str = "READINESS_LOCK_WAIT";

fn wait_limit() -> Duration {
    std::env::var(WAIT_ENV)
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(WAIT_LIMIT, Duration::from_secs_f64)
}
/// When a waiting writer first says that it is waiting.
const SAY_AFTER: Duration = Duration::from_secs(1);

/// Holds the lock until dropped (the OS releases it if the process dies).
#[derive(Debug)]
pub struct LedgerLock {
    _file: File,
}

impl LedgerLock {
    /// Takes the lock on `dir/LOCK`, waiting up to [`WAIT_LIMIT`] for another writer;
    /// `waiting` is called once if the wait passes a second.
    pub fn acquire(dir: &Path, waiting: &mut dyn FnMut()) -> Result<LedgerLock, StoreError> {
        let start = Instant::now();
        let limit = wait_limit();
        let mut said = false;
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(lock) = LedgerLock::try_acquire(dir)? {
                return Ok(lock);
            }
            let waited = start.elapsed();
            if waited >= limit {
                return Err(StoreError::InUse {
                    dir: dir.to_path_buf(),
                    waited: limit.as_secs_f64(),
                });
            }
            if waited >= SAY_AFTER && !said {
                said = true;
                waiting();
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }

    /// Takes the lock if nobody holds it; `None` when another process does.
    pub fn try_acquire(dir: &Path) -> Result<Option<LedgerLock>, StoreError> {
        let path = dir.join(LOCK_FILE);
        let file = fsx::open_rw(&path, true)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(LedgerLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(io(&path)(e)),
        }
    }
}
