//! Makes a batch append all-or-nothing across crashes.
//!
//! Before a batch touches the log, its bytes and the log length they go after are written
//! to `append.journal` and fsynced. After the log is appended and fsynced the journal is
//! emptied. On open, a complete journal whose batch is not (wholly) in the log is rolled
//! forward; an incomplete one is discarded, and the log was never touched.

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
}

/// A batch found in the journal at open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingBatch {
    pub start: u64,
    pub bytes: Vec<u8>,
}

impl Journal {
    /// Opens (creating if needed) `dir/append.journal`, for the writer.
    pub fn open(dir: &Path) -> Result<Journal, StoreError> {
        let path = dir.join(JOURNAL_FILE);
        let file = fsx::open_rw(&path, true)?;
        Ok(Journal { path, file })
    }

    /// The batch a writer is (or was, before a crash) appending, read without writing.
    pub fn peek(dir: &Path) -> Result<Option<PendingBatch>, StoreError> {
        let path = dir.join(JOURNAL_FILE);
        match fsx::open_read_if_exists(&path)? {
            Some(file) => Journal { path, file }.pending(),
            None => Ok(None),
        }
    }

    /// Durably records that `bytes` are about to be appended at log offset `start`.
    pub fn begin(&mut self, start: u64, bytes: &[u8]) -> Result<(), StoreError> {
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&start.to_le_bytes());
        header.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        let digest = digest(&header, bytes);
        header.extend_from_slice(&digest);
        let (f, path) = (&mut self.file, &self.path);
        fsx::truncate(f, path, 0)?;
        f.seek(SeekFrom::Start(0)).map_err(io(path))?;
        fsx::write_all(f, path, &header)?;
        fsx::write_all(f, path, bytes)?;
        fsx::fsync(f, path)
    }

    /// Marks the batch done. Not fsynced: a journal that survives a crash after this is
    /// recognised as already applied.
    pub fn finish(&mut self) -> Result<(), StoreError> {
        fsx::truncate(&self.file, &self.path, 0)
    }

    /// The batch in the journal if it was completely written, else `None`.
    pub fn pending(&mut self) -> Result<Option<PendingBatch>, StoreError> {
        let mut data = Vec::new();
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.read_to_end(&mut data))
            .map_err(io(&self.path))?;
        if data.len() < HEADER_LEN || &data[..8] != MAGIC {
            return Ok(None);
        }
        let word = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&data[i..i + 8]);
            u64::from_le_bytes(b)
        };
        let (start, len) = (word(8), word(16));
        let body = &data[HEADER_LEN..];
        if body.len() as u64 != len || digest(&data[..24], body) != data[24..56] {
            return Ok(None);
        }
        Ok(Some(PendingBatch {
            start,
            bytes: body.to_vec(),
        }))
    }
}
