//! The append-only entry log (`entries.jsonl`) as its one writer sees it: the source of truth.
//!
//! Appends go through the [`Journal`] so a batch lands whole or not at all, and are
//! fsynced before they are reported. Opening finishes this program's own interrupted append
//! (the journal proves it) and touches nothing else: see [`super::tail`].

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::error::StoreError;
use super::fsx;
use super::journal::Journal;
use super::tail::{inspect, LogEnd, Tail};

/// File name of the log inside a ledger directory.
pub const LOG_FILE: &str = "entries.jsonl";

/// Journal bytes a held writer lets build up before it settles (fsyncs the log and empties
/// the journal) on its own.
const HELD_JOURNAL_MAX: u64 = 8 << 20;

/// The open log file and its journal; only a process holding the lock has one.
#[derive(Debug)]
pub struct EntryLog {
    path: PathBuf,
    file: File,
    end: LogEnd,
    journal: Journal,
}

/// Where a durable append put its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Offset of the batch's first line.
    pub start: u64,
    /// Set when the journal could not be cleared afterwards: harmless (a journal whose batch
    /// is in the log is recognised as done), worth a warning.
    pub journal_left: bool,
}

impl EntryLog {
    /// Opens the log of `dir` (the caller holds the lock), finishing an interrupted append
    /// the journal proves was this program's. Returns the log and a warning per repair.
    pub fn open(dir: &Path) -> Result<(EntryLog, Vec<String>), StoreError> {
        let path = dir.join(LOG_FILE);
        let file = fsx::open_rw(&path, false).map_err(|e| match e {
            StoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                StoreError::NotFound(dir.to_path_buf())
            }
            other => other,
        })?;
        let mut journal = Journal::open(dir)?;
        let pending = journal.pending()?;
        let end = inspect(&file, &path, pending.clone())?;
        let mut log = EntryLog {
            path,
            file,
            end,
            journal,
        };
        let mut warnings = Vec::new();
        if let Tail::Journalled { start, batch } = log.end.tail.clone() {
            fsx::truncate(&log.file, &log.path, start)?;
            log.write_at(start, &batch.bytes)?;
            warnings.push(format!(
                "completed an append that was interrupted ({} bytes at byte {start} of {})",
                batch.bytes.len(),
                log.path.display()
            ));
            log.end = inspect(&log.file, &log.path, None)?;
        } else if let Some(batch) = pending {
            let end = batch.start + batch.bytes.len() as u64;
            if end > log.end.len || log.read_at(batch.start, batch.bytes.len())? != batch.bytes {
                warnings.push(format!(
                    "ignored an append journal that does not match {} at byte {} (the log was not changed)",
                    log.path.display(),
                    batch.start
                ));
            } else {
                // A held writer's batches are in the log but perhaps not yet on disk: make
                // them durable before the journal that proves them is emptied.
                fsx::fsync(&log.file, &log.path)?;
            }
        }
        if let Err(e) = log.journal.finish() {
            // A journal left as it is is harmless: its batch is in the log, and the next
            // open recognises it as done.
            warnings.push(format!("the append journal could not be cleared ({e})"));
        }
        Ok((log, warnings))
    }

    /// Path of the log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How the log ends.
    pub fn end(&self) -> &LogEnd {
        &self.end
    }

    /// Appends whole lines durably: journal, write, fsync, then clear the journal.
    ///
    /// Refuses while the log ends in unexplained bytes. After a kept last entry with no
    /// newline, the newline is written first (inside the journalled batch).
    pub fn append(&mut self, lines: &[u8]) -> Result<Written, StoreError> {
        self.append_with(lines, false)
    }

    fn append_with(&mut self, lines: &[u8], held: bool) -> Result<Written, StoreError> {
        if let Tail::Unexplained { start, len } = self.end.tail {
            return Err(StoreError::UnexplainedTail {
                path: self.path.clone(),
                start,
                len,
            });
        }
        let at = self.end.len;
        let newline = self.end.tail == Tail::NoNewline;
        let owned;
        let bytes = if newline {
            let mut b = Vec::with_capacity(lines.len() + 1);
            b.push(b'\n');
            b.extend_from_slice(lines);
            owned = b;
            &owned[..]
        } else {
            lines
        };
        if held {
            // The records before stay: the log may not hold them durably yet.
            self.journal.push(at, bytes)?;
        } else if let Err(e) = self.journal.begin(at, bytes) {
            // A journal left behind would finish a batch this command reports as failed.
            let _ = self.journal.finish();
            return Err(e);
        }
        let wrote = match held {
            true => self.write_only(at, bytes),
            false => self.write_at(at, bytes),
        };
        if let Err(e) = wrote {
            // Abandon the batch only once no byte of it is left in the log; otherwise the
            // journal stays, and the next open finishes the batch instead of meeting half.
            let (f, path) = (&self.file, &self.path);
            if fsx::truncate(f, path, at)
                .and_then(|_| fsx::fsync(f, path))
                .is_ok()
            {
                let _ = self.journal.finish();
            }
            return Err(e);
        }
        let journal_left = !held && self.journal.finish().is_err();
        self.end = LogEnd {
            len: at + bytes.len() as u64,
            readable: at + bytes.len() as u64,
            tail: Tail::Clean,
        };
        Ok(Written {
            start: at + u64::from(newline),
            journal_left,
        })
    }

    /// Appends whole lines for a held writer: the journal record is the one fsync; the log
    /// is written but made durable only when the writer settles (or the journal grows past
    /// [`HELD_JOURNAL_MAX`]). Until then a crash loses nothing: the next open rolls the
    /// journal's records forward.
    pub fn append_held(&mut self, lines: &[u8]) -> Result<Written, StoreError> {
        if self.journal.bytes_held() > HELD_JOURNAL_MAX {
            self.settle()?;
        }
        self.append_with(lines, true)
    }

    /// Makes every held append durable in the log and empties the journal.
    pub fn settle(&mut self) -> Result<(), StoreError> {
        if self.journal.has_records() {
            fsx::fsync(&self.file, &self.path)?;
            self.journal.finish()?;
        }
        Ok(())
    }

    /// Writes `bytes` at `at` and fsyncs.
    fn write_at(&mut self, at: u64, bytes: &[u8]) -> Result<(), StoreError> {
        self.write_only(at, bytes)?;
        fsx::fsync(&self.file, &self.path)
    }

    /// Writes `bytes` at `at`, leaving them to the page cache.
    fn write_only(&mut self, at: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let (f, path) = (&mut self.file, &self.path);
        f.seek(SeekFrom::Start(at))
            .map_err(super::error::io(path))?;
        fsx::write_all(f, path, bytes)
    }

    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, StoreError> {
        use std::os::unix::fs::FileExt;
        let mut buf = vec![0; len];
        self.file
            .read_exact_at(&mut buf, offset)
            .map_err(super::error::io(&self.path))?;
        Ok(buf)
    }
}
