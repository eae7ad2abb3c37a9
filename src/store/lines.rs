//! Streaming the lines of an entry file with constant memory, remembering where each starts.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::error::{io, StoreError};

/// One line of an entry file, without its newline.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// 1-based line number in the file.
    pub number: u64,
    /// Byte offset of the line's first byte.
    pub offset: u64,
    pub bytes: &'a [u8],
    /// False for a last line with no newline after it.
    pub terminated: bool,
}

/// Reads lines one at a time from a file, starting at any line boundary.
pub struct LineReader {
    path: PathBuf,
    reader: BufReader<File>,
    buf: Vec<u8>,
    offset: u64,
    number: u64,
    /// Bytes of the read buffer lent out by the last call, consumed on the next.
    pending: usize,
    /// Where to stop, if before the end of the file.
    limit: Option<u64>,
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', bytes)
}

impl LineReader {
    /// Reads `file` from `offset` (the start of line `first_number`) up to byte `limit`:
    /// lines past it are not returned, so a reader sees the prefix it decided to trust.
    pub fn with_limit(mut self, limit: u64) -> LineReader {
        self.limit = Some(limit);
        self
    }

    /// Opens `path` positioned at `offset`, which must be the start of line `first_number`.
    pub fn open(path: &Path, offset: u64, first_number: u64) -> Result<LineReader, StoreError> {
        let mut file = super::fsx::open_read(path)?;
        file.seek(SeekFrom::Start(offset)).map_err(io(path))?;
        Ok(LineReader {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 20, file),
            buf: Vec::with_capacity(1024),
            offset,
            number: first_number.saturating_sub(1),
            pending: 0,
            limit: None,
        })
    }

    /// The next line, or `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>, StoreError> {
        self.reader.consume(self.pending);
        self.pending = 0;
        self.buf.clear();
        if self.limit.is_some_and(|l| self.offset >= l) {
            return Ok(None);
        }
        let room = self
            .limit
            .map_or(usize::MAX, |l| (l - self.offset) as usize);
        let available = self.reader.fill_buf().map_err(io(&self.path))?;
        let available = &available[..available.len().min(room)];
        // Fast path: the whole line is already in the read buffer; lend it without copying.
        let (n, in_place) = match memchr_newline(available) {
            Some(i) => (i + 1, true),
            None => {
                let n = (&mut self.reader)
                    .take(room as u64)
                    .read_until(b'\n', &mut self.buf)
                    .map_err(io(&self.path))?;
                (n, false)
            }
        };
        if n == 0 {
            return Ok(None);
        }
        let offset = self.offset;
        self.offset += n as u64;
        self.number += 1;
        let bytes: &[u8] = if in_place {
            self.pending = n;
            &self.reader.buffer()[..n]
        } else {
            &self.buf[..]
        };
        let terminated = bytes.last() == Some(&b'\n');
        let bytes = if terminated { &bytes[..n - 1] } else { bytes };
        Ok(Some(Line {
            number: self.number,
            offset,
            bytes,
            terminated,
        }))
    }

    /// Byte offset just past the last line returned.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}
