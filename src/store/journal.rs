//! Makes a batch append all-or-nothing across crashes.
//!
//! Before a batch touches the log, its bytes and the log length they go after are written
//! to `append.journal` and fsynced. A command-line append then appends and fsyncs the log and
//! empties the journal. A held writer (the server's) instead adds one record per batch after
//! the last and fsyncs only the journal; it fsyncs the log and empties the journal when it
//! settles, so each commit costs one fsync and the journal holds every batch the log may not
//! yet hold durably. On open, complete records that follow one another are one batch: if it
//! is not (wholly) in the log it is rolled forward; an incomplete record is discarded, and
//! the log was never touched for it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::error::{io, StoreError};
use super::fsx;

/// File name of the journal inside a ledger directory.
pub const JOURNAL_FILE: &str = "append.journal";

const MAGIC: &[u8; 8] = b"RLJRNL02";
/// magic, start offset, length, SHA-256 of (magic, start, length, batch).
const HEADER_LEN: usize = 8 + 8 + 8 + 32;

/// Covers the header's start and length too, so a damaged offset is never replayed.
fn digest(header: &[u8], body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(header);
    h.update(body);
    h.finalize().into()
}

/// The journal file of one ledger directory.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    /// Bytes of records written since the journal was last emptied.
    len: u64,
}

/// A batch found in the journal at open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingBatch {
    pub start: u64,
    pub bytes: Vec<u8>,
    /// Where each record's bytes start in the log (the first is `start`): a record is
    /// wholly in the log before the next one is written.
    pub records: Vec<u64>,
}

impl PendingBatch {
    /// A batch of one record.
    pub fn single(start: u64, bytes: Vec<u8>) -> PendingBatch {
        PendingBatch {
            start,
            bytes,
            records: vec![start],
        }
    }
}

impl Journal {
    /// Opens (creating if needed) `dir/append.journal`, for the writer.
    pub fn open(dir: &Path) -> Result<Journal, StoreError> {
        let path = dir.join(JOURNAL_FILE);
        let file = fsx::open_rw(&path, true)?;
        let len = file.metadata().map_err(io(&path))?.len();
        Ok(Journal { path, file, len })
    }

    /// The batch a writer is (or was, before a crash) appending, read without writing.
    pub fn peek(dir: &Path) -> Result<Option<PendingBatch>, StoreError> {
        let path = dir.join(JOURNAL_FILE);
        match fsx::open_read_if_exists(&path)? {
            Some(file) => Journal { path, file, len: 0 }.pending(),
            None => Ok(None),
        }
    }

    /// Durably records that `bytes` are about to be appended at log offset `start`, as the
    /// journal's only record.
    pub fn begin(&mut self, start: u64, bytes: &[u8]) -> Result<(), StoreError> {
        fsx::truncate(&self.file, &self.path, 0)?;
        self.len = 0;
        self.push(start, bytes)
    }

    /// Durably records that `bytes` are about to be appended at log offset `start`, after
    /// the records already here (which the log may not yet hold durably). A failed push
    /// takes its partial record back out where it can.
    pub fn push(&mut self, start: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&start.to_le_bytes());
        header.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        let digest = digest(&header, bytes);
        header.extend_from_slice(&digest);
        let at = self.len;
        let written = (|| {
            let (f, path) = (&mut self.file, &self.path);
            f.seek(SeekFrom::Start(at)).map_err(io(path))?;
            fsx::write_all(f, path, &header)?;
            fsx::write_all(f, path, bytes)?;
            fsx::fsync(f, path)
        })();
        match written {
            Ok(()) => {
                self.len = at + (HEADER_LEN + bytes.len()) as u64;
                Ok(())
            }
            Err(e) => {
                let _ = fsx::truncate(&self.file, &self.path, at);
                Err(e)
            }
        }
    }

    /// Whether records were written since the journal was last emptied.
    pub fn has_records(&self) -> bool {
        self.len > 0
    }

    /// Bytes of records in the journal.
    pub fn bytes_held(&self) -> u64 {
        self.len
    }

    /// Marks every batch done. Not fsynced: a journal that survives a crash after this is
    /// recognised as already applied. The caller has made the log durable first.
    pub fn finish(&mut self) -> Result<(), StoreError> {
        fsx::truncate(&self.file, &self.path, 0)?;
        self.len = 0;
        Ok(())
    }

    /// The complete records that follow one another from the first, as one batch, or `None`
    /// when not even the first record was completely written.
    pub fn pending(&mut self) -> Result<Option<PendingBatch>, StoreError> {
        let mut data = Vec::new();
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.read_to_end(&mut data))
            .map_err(io(&self.path))?;
        let mut batch: Option<PendingBatch> = None;
        let mut at = 0usize;
        while let Some((start, body)) = record(&data[at..]) {
            match &mut batch {
                None => batch = Some(PendingBatch::single(start, body.to_vec())),
                Some(b) if b.start + b.bytes.len() as u64 == start => {
                    b.bytes.extend_from_slice(body);
                    b.records.push(start);
                }
                // Not the next batch: nothing this program writes, so nothing to replay.
                Some(_) => break,
            }
            at += HEADER_LEN + body.len();
        }
        Ok(batch)
    }
}

/// The record at the front of `data` (its log offset and bytes), if it is complete.
fn record(data: &[u8]) -> Option<(u64, &[u8])> {
    if data.len() < HEADER_LEN || &data[..8] != MAGIC {
        return None;
    }
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&data[i..i + 8]);
        u64::from_le_bytes(b)
    };
    let (start, len) = (word(8), word(16));
    let end = usize::try_from(len)
        .ok()
        .and_then(|l| l.checked_add(HEADER_LEN))?;
    let body = data.get(HEADER_LEN..end)?;
    if digest(&data[..24], body) != data[24..56] {
        return None;
    }
    Some((start, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_that_follow_one_another_are_one_batch_and_a_torn_one_is_left_out() {
        let tmp = tempfile::tempdir().unwrap();
        let mut j = Journal::open(tmp.path()).unwrap();
        j.push(100, b"a\n").unwrap();
        j.push(102, b"bc\n").unwrap();
        let whole = std::fs::read(tmp.path().join(JOURNAL_FILE)).unwrap();
        j.push(105, b"def\n").unwrap();
        let three = std::fs::read(tmp.path().join(JOURNAL_FILE)).unwrap();
        // Torn inside the third record: the first two still make the batch.
        std::fs::write(tmp.path().join(JOURNAL_FILE), &three[..three.len() - 2]).unwrap();
        let batch = Journal::peek(tmp.path()).unwrap().unwrap();
        assert_eq!((batch.start, batch.records.clone()), (100, vec![100, 102]));
        assert_eq!(batch.bytes, b"a\nbc\n");
        // A record that does not follow the batch is not part of it.
        let mut gap = whole.clone();
        gap.extend_from_slice(&three[whole.len()..]);
        let off = whole.len() + 8;
        gap[off..off + 8].copy_from_slice(&999u64.to_le_bytes());
        std::fs::write(tmp.path().join(JOURNAL_FILE), &gap).unwrap();
        assert_eq!(Journal::peek(tmp.path()).unwrap().unwrap().records.len(), 2);
        // `begin` starts over with one record.
        j.begin(7, b"x\n").unwrap();
        let one = Journal::peek(tmp.path()).unwrap().unwrap();
        assert_eq!(
            (one.start, one.records, one.bytes),
            (7, vec![7], b"x\n".to_vec())
        );
    }
}
