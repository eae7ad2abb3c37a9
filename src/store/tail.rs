//! What the end of `entries.jsonl` holds, decided without changing it.
//!
//! Only an append this program journalled may be finished or cut. A last entry that is
//! whole and verifies but lost its newline is kept. Anything else after the last complete
//! line is *unexplained*: reads stop before it, appends refuse until `readiness repair`.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::chain::ChainVerifier;

use super::error::{io, StoreError};
use super::journal::PendingBatch;

/// How the log ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tail {
    /// Empty, or ends with a newline.
    Clean,
    /// The last entry is whole and verifies after the one before it, but has no newline:
    /// it is kept, and the next append writes the newline first.
    NoNewline,
    /// A journalled batch is partly in the log from `start`: this program's own append,
    /// still running (another process holds the lock) or interrupted. Reads stop at the
    /// start of the batch's first record not wholly in the log.
    Journalled { start: u64, batch: PendingBatch },
    /// Bytes from `start` to the end that no journal explains and that are not a whole entry.
    Unexplained { start: u64, len: u64 },
}

/// The end of the log as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEnd {
    /// The file's length.
    pub len: u64,
    /// Where reading stops: past the last whole entry that is not part of an unfinished
    /// journalled batch.
    pub readable: u64,
    pub tail: Tail,
}

/// Chunk size for reading backwards.
const CHUNK: u64 = 64 * 1024;

/// Offset just past the last newline before `end` (0 when there is none).
fn after_last_newline(file: &File, path: &Path, end: u64) -> Result<u64, StoreError> {
    let mut hi = end;
    let mut buf = vec![0u8; CHUNK as usize];
    while hi > 0 {
        let lo = hi.saturating_sub(CHUNK);
        let chunk = &mut buf[..(hi - lo) as usize];
        file.read_exact_at(chunk, lo).map_err(io(path))?;
        if let Some(i) = memchr::memrchr(b'\n', chunk) {
            return Ok(lo + i as u64 + 1);
        }
        hi = lo;
    }
    Ok(0)
}

/// Reads bytes `[from, to)`.
fn read_range(file: &File, path: &Path, from: u64, to: u64) -> Result<Vec<u8>, StoreError> {
    let mut buf = vec![0u8; (to - from) as usize];
    file.read_exact_at(&mut buf, from).map_err(io(path))?;
    Ok(buf)
}

/// True when `log[start..len]` is a prefix of the journalled batch: its own bytes.
fn journal_explains(
    file: &File,
    path: &Path,
    len: u64,
    batch: &PendingBatch,
) -> Result<bool, StoreError> {
    let end = batch.start + batch.bytes.len() as u64;
    if batch.start > len || len >= end {
        return Ok(false);
    }
    let present = read_range(file, path, batch.start, len)?;
    Ok(batch.bytes.starts_with(&present))
}

/// Decides how the log in `file` ends, given the journal's pending batch (if any).
pub fn inspect(
    file: &File,
    path: &Path,
    pending: Option<PendingBatch>,
) -> Result<LogEnd, StoreError> {
    let len = file.metadata().map_err(io(path))?.len();
    if let Some(batch) = pending {
        if journal_explains(file, path, len, &batch)? {
            let start = batch.start;
            // Records before the one in flight are wholly in the log (a held writer writes
            // one only after the last), and durable in the journal: they are read.
            let readable = batch
                .records
                .iter()
                .copied()
                .filter(|&r| r <= len)
                .max()
                .unwrap_or(start);
            return Ok(LogEnd {
                len,
                readable,
                tail: Tail::Journalled { start, batch },
            });
        }
    }
    let last_line = after_last_newline(file, path, len)?;
    if last_line == len {
        return Ok(LogEnd {
            len,
            readable: len,
            tail: Tail::Clean,
        });
    }
    let partial = read_range(file, path, last_line, len)?;
    let mut verifier = if last_line == 0 {
        Some(ChainVerifier::new())
    } else {
        let before = after_last_newline(file, path, last_line - 1)?;
        let previous = read_range(file, path, before, last_line - 1)?;
        ChainVerifier::after_line(&previous)
    };
    let whole = verifier
        .as_mut()
        .is_some_and(|v| v.check_stored(&partial).is_ok());
    Ok(if whole {
        LogEnd {
            len,
            readable: len,
            tail: Tail::NoNewline,
        }
    } else {
        LogEnd {
            len,
            readable: last_line,
            tail: Tail::Unexplained {
                start: last_line,
                len: len - last_line,
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::event::{Event, PlanCreated};
    use crate::scale::StatusScale;
    use crate::store::MemoryLog;
    use chrono::TimeZone;
    use std::io::Write;

    fn log_of(n: usize) -> Vec<u8> {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut log = MemoryLog::new();
        let mut events = vec![Event::PlanCreated(PlanCreated {
            title: "P".into(),
            origin: "o".into(),
            scale: StatusScale::york(),
        })];
        for i in 1..n {
            events.push(Event::AreaAdded(crate::event::AreaAdded {
                id: i.to_string(),
                title: "A".into(),
                finding: None,
            }));
        }
        log.append("a", &clock, events).unwrap();
        log.to_jsonl()
    }

    fn inspect_bytes(bytes: &[u8], pending: Option<PendingBatch>) -> LogEnd {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        inspect(&f, Path::new("log"), pending).unwrap()
    }

    #[test]
    fn clean_and_empty_logs() {
        assert_eq!(inspect_bytes(b"", None).tail, Tail::Clean);
        let log = log_of(3);
        let end = inspect_bytes(&log, None);
        assert_eq!((end.tail, end.readable), (Tail::Clean, log.len() as u64));
    }

    #[test]
    fn a_whole_last_entry_without_its_newline_is_kept() {
        for n in [1, 3] {
            let log = log_of(n);
            let cut = &log[..log.len() - 1];
            let end = inspect_bytes(cut, None);
            assert_eq!(end.tail, Tail::NoNewline, "{n} entries");
            assert_eq!(end.readable, cut.len() as u64);
        }
    }

    #[test]
    fn a_partial_or_foreign_last_line_is_unexplained() {
        let log = log_of(3);
        let last = log[..log.len() - 1]
            .iter()
            .rposition(|b| *b == b'\n')
            .unwrap()
            + 1;
        for cut in [last + 1, log.len() - 2] {
            let end = inspect_bytes(&log[..cut], None);
            assert_eq!(
                end.tail,
                Tail::Unexplained {
                    start: last as u64,
                    len: (cut - last) as u64
                }
            );
            assert_eq!(end.readable, last as u64);
        }
        let mut foreign = log.clone();
        foreign.extend_from_slice(b"{\"x\":1}");
        assert!(matches!(
            inspect_bytes(&foreign, None).tail,
            Tail::Unexplained { .. }
        ));
    }

    #[test]
    fn only_a_journal_whose_bytes_match_explains_a_partial_batch() {
        let log = log_of(3);
        let first = log.iter().position(|b| *b == b'\n').unwrap() + 1;
        let batch = PendingBatch::single(first as u64, log[first..].to_vec());
        let partial = &log[..first + 10];
        let end = inspect_bytes(partial, Some(batch.clone()));
        assert_eq!(end.readable, first as u64);
        assert!(matches!(end.tail, Tail::Journalled { .. }));
        let mut other = partial.to_vec();
        other[first + 5] ^= 1;
        assert!(matches!(
            inspect_bytes(&other, Some(batch.clone())).tail,
            Tail::Unexplained { .. }
        ));
        // The whole batch is present: the journal is stale, the log is clean.
        assert_eq!(inspect_bytes(&log, Some(batch)).tail, Tail::Clean);
    }

    #[test]
    fn reads_stop_at_the_first_journalled_record_not_wholly_in_the_log() {
        let log = log_of(4);
        let starts: Vec<u64> = std::iter::once(0)
            .chain(
                log.iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| i as u64 + 1),
            )
            .collect();
        // Entries 2, 3 and 4 journalled as three records by a held writer.
        let mut batch = PendingBatch::single(starts[1], log[starts[1] as usize..].to_vec());
        batch.records = vec![starts[1], starts[2], starts[3]];
        let partial = &log[..starts[2] as usize + 7];
        let end = inspect_bytes(partial, Some(batch.clone()));
        assert!(matches!(end.tail, Tail::Journalled { start, .. } if start == starts[1]));
        assert_eq!(end.readable, starts[2]);
        let at_boundary = &log[..starts[3] as usize];
        assert_eq!(inspect_bytes(at_boundary, Some(batch)).readable, starts[3]);
    }
}
