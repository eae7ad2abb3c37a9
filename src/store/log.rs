//! The append-only entry log (`entries.jsonl`): the ledger's source of truth.
//!
//! Appends go through the [`Journal`] so a batch lands whole or not at all, and are
//! fsynced before they are reported. Recovery on open finishes or discards an interrupted
//! append and cuts off a torn last line.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::error::{io, StoreError};
use super::journal::Journal;

/// File name of the log inside a ledger directory.
pub const LOG_FILE: &str = "entries.jsonl";

/// The open log file and its journal.
#[derive(Debug)]
pub struct EntryLog {
    path: PathBuf,
    file: File,
    len: u64,
    journal: Journal,
}

impl EntryLog {
    /// Opens the log of `dir` (creating an empty one if `create`), recovering from any
    /// interrupted append. Returns the log and a warning for each repair made.
    pub fn open(dir: &Path, create: bool) -> Result<(EntryLog, Vec<String>), StoreError> {
        let path = dir.join(LOG_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .truncate(false)
            .open(&path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => StoreError::NotFound(dir.to_path_buf()),
                _ => io(&path)(e),
            })?;
        let len = file.metadata().map_err(io(&path))?.len();
        let journal = Journal::open(dir)?;
        let mut log = EntryLog {
            path,
            file,
            len,
            journal,
        };
        let mut warnings = log.roll_journal()?;
        warnings.extend(log.cut_torn_tail()?);
        Ok((log, warnings))
    }

    /// Path of the log file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Current length in bytes; the next append starts here.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when the log holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends whole lines durably: journal, write, fsync, then clear the journal.
    /// Returns the offset the batch starts at.
    pub fn append(&mut self, bytes: &[u8]) -> Result<u64, StoreError> {
        let start = self.len;
        self.journal.begin(start, bytes)?;
        self.write_at_end(bytes)?;
        self.journal.finish()?;
        Ok(start)
    }

    fn write_at_end(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        let f = &mut self.file;
        let result = f
            .seek(SeekFrom::Start(self.len))
            .and_then(|_| f.write_all(bytes))
            .and_then(|_| f.sync_data());
        result.map_err(io(&self.path))?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> Result<(), StoreError> {
        let f = &mut self.file;
        f.set_len(len)
            .and_then(|_| f.sync_data())
            .map_err(io(&self.path))?;
        self.len = len;
        Ok(())
    }

    fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, StoreError> {
        let mut buf = vec![0; len];
        let f = &mut self.file;
        f.seek(SeekFrom::Start(offset))
            .and_then(|_| f.read_exact(&mut buf))
            .map_err(io(&self.path))?;
        Ok(buf)
    }

    /// Finishes a batch whose journal is complete but which is not wholly in the log.
    fn roll_journal(&mut self) -> Result<Vec<String>, StoreError> {
        let Some(pending) = self.journal.pending()? else {
            self.journal.finish()?;
            return Ok(Vec::new());
        };
        let end = pending.start + pending.bytes.len() as u64;
        let mut warnings = Vec::new();
        if self.len >= end {
            let present = self.read_at(pending.start, pending.bytes.len())?;
            if present != pending.bytes {
                warnings.push(format!(
                    "ignored a stale append journal that does not match {} at byte {}",
                    self.path.display(),
                    pending.start
                ));
            }
        } else if self.len >= pending.start {
            self.truncate(pending.start)?;
            self.write_at_end(&pending.bytes)?;
            warnings.push(format!(
                "completed an append that was interrupted ({} bytes at byte {} of {})",
                pending.bytes.len(),
                pending.start,
                self.path.display()
            ));
        } else {
            warnings.push(format!(
                "ignored an append journal for byte {} of {}, which is only {} bytes long",
                pending.start,
                self.path.display(),
                self.len
            ));
        }
        self.journal.finish()?;
        Ok(warnings)
    }

    /// Cuts off a last line with no newline: an append that never completed.
    fn cut_torn_tail(&mut self) -> Result<Option<String>, StoreError> {
        if self.len == 0 || self.read_at(self.len - 1, 1)? == b"\n" {
            return Ok(None);
        }
        let mut end = self.len;
        let keep = loop {
            let start = end.saturating_sub(64 * 1024);
            let chunk = self.read_at(start, (end - start) as usize)?;
            if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
                break start + i as u64 + 1;
            }
            if start == 0 {
                break 0;
            }
            end = start;
        };
        let cut = self.len - keep;
        self.truncate(keep)?;
        Ok(Some(format!(
            "cut off an incomplete last line of {} ({cut} bytes from an append that never completed)",
            self.path.display()
        )))
    }
}
