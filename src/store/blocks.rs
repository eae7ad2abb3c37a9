//! Reading an entry file many whole lines at a time, straight into a buffer the reader may
//! keep: `verify` checks lines where they lie and hands the buffer on, instead of copying
//! each line out of a read buffer.

use std::io::Read;
use std::ops::ControlFlow;
use std::path::Path;

use super::error::{io, StoreError};
use super::lines::Line;

/// A visitor over blocks of whole lines, from line 1 on. Each line of a block ends with
/// `\n`, except perhaps the source's last. The visitor may swap the block for another
/// buffer (to keep it); the next block is read into whatever buffer it leaves.
pub type BlockVisitor<'f> = dyn FnMut(&mut Vec<u8>) -> Result<ControlFlow<()>, StoreError> + 'f;

/// Calls `visit` with blocks of at least `size` bytes (but the last), read from `path` up
/// to byte `limit`.
pub fn scan_file_blocks(
    path: &Path,
    limit: u64,
    size: usize,
    visit: &mut BlockVisitor<'_>,
) -> Result<(), StoreError> {
    let mut file = super::fsx::open_read(path)?;
    let mut left = limit;
    let mut carry = Vec::new();
    let mut block = Vec::new();
    loop {
        block.clear();
        block.extend_from_slice(&carry);
        carry.clear();
        let mut want = size.max(1);
        let ended = loop {
            if block.len() < want {
                let room = (want - block.len()) as u64;
                block.reserve(want - block.len());
                let n = (&mut file)
                    .take(room.min(left))
                    .read_to_end(&mut block)
                    .map_err(io(path))?;
                left -= n as u64;
                if n == 0 {
                    break true;
                }
                continue;
            }
            // Full: end the block after its last newline; a line longer than the block
            // makes the block longer.
            match memchr::memrchr(b'\n', &block) {
                Some(i) => {
                    carry.extend_from_slice(&block[i + 1..]);
                    block.truncate(i + 1);
                    break false;
                }
                None => want = want.saturating_mul(2),
            }
        };
        if block.is_empty() {
            return Ok(());
        }
        if visit(&mut block)?.is_break() || ended {
            return Ok(());
        }
    }
}

/// Blocks made by copying the lines `scan` gives: for sources with no file to read whole.
pub fn blocks_from_lines(
    scan: impl FnOnce(&mut super::source::LineVisitor<'_>) -> Result<(), StoreError>,
    size: usize,
    visit: &mut BlockVisitor<'_>,
) -> Result<(), StoreError> {
    let mut block = Vec::new();
    let mut stopped = false;
    scan(&mut |line: Line<'_>| {
        block.extend_from_slice(line.bytes);
        if line.terminated {
            block.push(b'\n');
        }
        if block.len() < size {
            return Ok(ControlFlow::Continue(()));
        }
        let flow = visit(&mut block)?;
        block.clear();
        stopped = flow.is_break();
        Ok(flow)
    })?;
    if !stopped && !block.is_empty() {
        // The last block: whether the visitor would stop after it changes nothing.
        let _ = visit(&mut block)?;
    }
    Ok(())
}

/// The lines of a block, without their newlines.
pub fn block_lines(block: &[u8]) -> BlockLines<'_> {
    BlockLines { rest: block }
}

/// Iterator of [`block_lines`].
pub struct BlockLines<'b> {
    rest: &'b [u8],
}

impl<'b> Iterator for BlockLines<'b> {
    type Item = &'b [u8];

    fn next(&mut self) -> Option<&'b [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::lines::LineReader;

    fn all_blocks(path: &Path, limit: u64, size: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        scan_file_blocks(path, limit, size, &mut |b| {
            out.push(std::mem::take(b));
            Ok(ControlFlow::Continue(()))
        })
        .unwrap();
        out
    }

    fn lines_of(path: &Path, limit: u64) -> Vec<Vec<u8>> {
        let mut r = LineReader::open(path, 0, 1).unwrap().with_limit(limit);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(l.bytes.to_vec());
        }
        out
    }

    /// Whatever the block size and limit, the blocks hold exactly the lines the line reader
    /// gives, each block whole lines.
    #[test]
    fn blocks_hold_the_same_lines_as_the_line_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.jsonl");
        let long = "x".repeat(100);
        let texts = [
            String::new(),
            "a\n".into(),
            "a\nbb\nccc\n".into(),
            "a\nbb\nccc".into(),
            format!("a\n{long}\n\nb\n{long}"),
            "\n\n".into(),
        ];
        for text in &texts {
            std::fs::write(&path, text).unwrap();
            for limit in [0, 1, 3, 5, text.len() as u64, u64::MAX] {
                let want = lines_of(&path, limit);
                for size in [1, 2, 3, 7, 64, 4096] {
                    let blocks = all_blocks(&path, limit, size);
                    let got: Vec<Vec<u8>> = blocks
                        .iter()
                        .flat_map(|b| block_lines(b).map(<[u8]>::to_vec))
                        .collect();
                    assert_eq!(got, want, "{text:?} limit {limit} size {size}");
                    for b in &blocks[..blocks.len().saturating_sub(1)] {
                        assert!(b.ends_with(b"\n"), "{text:?} size {size}: {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn copied_blocks_hold_the_same_lines() {
        let mut log = crate::store::MemoryLog::new();
        let clock = crate::clock::FixedClock(chrono::DateTime::UNIX_EPOCH);
        let events = (1..40).map(|i| crate::test_events::area(&i.to_string()));
        let mut all = vec![crate::test_events::created()];
        all.extend(events);
        log.append("a", &clock, all).unwrap();
        let want: Vec<Vec<u8>> = log.lines_mut().clone();
        for size in [1, 100, 1 << 20] {
            let mut got = Vec::new();
            blocks_from_lines(
                |v| crate::store::EntrySource::scan(&log, v),
                size,
                &mut |b| {
                    got.extend(block_lines(b).map(<[u8]>::to_vec));
                    Ok(ControlFlow::Continue(()))
                },
            )
            .unwrap();
            assert_eq!(got, want, "size {size}");
        }
    }
}
