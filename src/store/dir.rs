//! A ledger directory: the log, its journal, the sled index and the lock, opened together.
//!
//! This is the one place that appends: validate and seal ([`seal_batch`]), write the batch
//! durably ([`EntryLog::append`]), update the index, then report.

use std::path::{Path, PathBuf};

use crate::batch::seal_batch;
use crate::chain::{stored_facts, ChainVerifier};
use crate::clock::Clock;
use crate::entry::{Entry, EntryHash, Seq};
use crate::event::Event;
use crate::plan::Plan;

use super::error::{io, StoreError};
use super::index::{Index, IndexRow, IndexedTo};
use super::lines::LineReader;
use super::lock::LedgerLock;
use super::log::{EntryLog, LOG_FILE};

/// An open, locked ledger directory with its plan state caught up to the log.
pub struct DirLedger {
    dir: PathBuf,
    log: EntryLog,
    index: Index,
    plan: Plan,
    /// Set when catching up met an entry that does not verify: appends are refused.
    damage: Option<String>,
    warnings: Vec<String>,
    _lock: LedgerLock,
}

/// What an append reports once it is durable.
#[derive(Debug, Clone)]
pub struct Appended {
    pub entries: Vec<Entry>,
    /// Index problems after a durable append: the data is safe, the index catches up later.
    pub warnings: Vec<String>,
}

/// Rows recorded into the index at a time while catching up.
const CATCH_UP_CHUNK: usize = 50_000;

impl DirLedger {
    /// Opens an existing ledger directory.
    pub fn open(dir: &Path) -> Result<DirLedger, StoreError> {
        if !dir.join(LOG_FILE).is_file() {
            return Err(StoreError::NotFound(dir.to_path_buf()));
        }
        DirLedger::open_inner(dir, false)
    }

    /// Creates a new, empty ledger directory (it may exist if empty).
    pub fn create(dir: &Path) -> Result<DirLedger, StoreError> {
        if dir.join(LOG_FILE).exists() {
            return Err(StoreError::AlreadyExists(dir.to_path_buf()));
        }
        if dir.exists() {
            let mut listing = std::fs::read_dir(dir).map_err(io(dir))?;
            if listing.next().is_some() {
                return Err(StoreError::NotALedger {
                    path: dir.to_path_buf(),
                });
            }
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        DirLedger::open_inner(dir, true)
    }

    fn open_inner(dir: &Path, create: bool) -> Result<DirLedger, StoreError> {
        let lock = LedgerLock::acquire(dir)?;
        let (log, warnings) = EntryLog::open(dir, create)?;
        if create {
            sync_dir(dir)?;
        }
        let index = Index::open(dir)?;
        let mut ledger = DirLedger {
            dir: dir.to_path_buf(),
            log,
            index,
            plan: Plan::new(),
            damage: None,
            warnings,
            _lock: lock,
        };
        ledger.catch_up()?;
        Ok(ledger)
    }

    /// The directory this ledger lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the entry log.
    pub fn log_path(&self) -> &Path {
        self.log.path()
    }

    /// The plan after the last entry (as far as the log verifies).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Repairs made on open (interrupted appends, torn lines), for the user to see.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Why appends are refused, if the log past the index did not verify.
    pub fn damage(&self) -> Option<&str> {
        self.damage.as_deref()
    }

    /// The sled index, for lookups that want it (never for integrity).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Validates, seals and durably appends `events` as one batch.
    pub fn append(
        &mut self,
        actor: &str,
        clock: &dyn Clock,
        events: Vec<Event>,
    ) -> Result<Appended, StoreError> {
        if let Some(damage) = &self.damage {
            return Err(StoreError::Damaged(damage.clone()));
        }
        let batch = seal_batch(&self.plan, actor, clock.now(), events)?;
        let start = self.log.append(&batch.bytes)?;
        let mut rows = Vec::with_capacity(batch.entries.len());
        let mut offset = start;
        let mut at = 0usize;
        for (entry, len) in batch.entries.iter().zip(&batch.line_lengths) {
            // The line without its newline is the Merkle leaf.
            let line = batch
                .bytes
                .get(at..(at + *len).saturating_sub(1))
                .unwrap_or_default();
            rows.push(IndexRow {
                seq: entry.seq,
                offset,
                action: entry.event.action_id().map(str::to_string),
                leaf: crate::merkle::leaf_hash(line),
            });
            offset += *len as u64;
            at += *len;
        }
        self.plan = batch.plan;
        let mut warnings = Vec::new();
        if let (Some(last), Some(len)) = (rows.last(), batch.line_lengths.last()) {
            let to = IndexedTo {
                seq: last.seq,
                hash: self.plan.head.map_or(EntryHash::ZERO, |(_, h)| h),
                offset: last.offset,
                end: last.offset + *len as u64,
            };
            if let Err(e) = self.index.record(&rows, to, &self.plan) {
                warnings.push(format!(
                    "the append is saved, but the index could not be updated ({e}); it catches up next time"
                ));
            }
        }
        Ok(Appended {
            entries: batch.entries,
            warnings,
        })
    }

    /// Reads entry `seq` from the log, found through the index (a hint only: the line read
    /// must carry that seq).
    pub fn entry_at(&self, seq: Seq) -> Result<Option<Entry>, StoreError> {
        let Some(offset) = self.index.offset_of(seq)? else {
            return Ok(None);
        };
        let mut reader = LineReader::open(self.log.path(), offset, seq.0)?;
        let Some(line) = reader.next_line()? else {
            return Ok(None);
        };
        match Entry::decode(line.bytes) {
            Ok(entry) if entry.seq == seq => Ok(Some(entry)),
            Ok(_) => Err(StoreError::Damaged(format!(
                "the index points entry {seq} at the wrong line; run `readiness reindex`"
            ))),
            Err(source) => Err(StoreError::Line {
                path: self.log.path().to_path_buf(),
                line: seq.0,
                source,
            }),
        }
    }

    /// The stored line of entry `seq` (without its newline): its Merkle leaf. Found through
    /// the index; the line read must carry that seq.
    pub fn line_at(&self, seq: Seq) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(offset) = self.index.offset_of(seq)? else {
            return Ok(None);
        };
        let mut reader = LineReader::open(self.log.path(), offset, seq.0)?;
        let Some(line) = reader.next_line()? else {
            return Ok(None);
        };
        if stored_facts(line.bytes).is_none_or(|f| f.seq != seq) {
            return Err(StoreError::Damaged(format!(
                "the index points entry {seq} at the wrong line; run `readiness reindex`"
            )));
        }
        Ok(Some(line.bytes.to_vec()))
    }

    /// Drops the index and rebuilds it from the log.
    pub fn reindex(&mut self) -> Result<(), StoreError> {
        self.index.clear()?;
        self.plan = Plan::new();
        self.damage = None;
        self.catch_up()?;
        self.index.flush()
    }

    /// Brings the index and plan state up to the end of the log.
    fn catch_up(&mut self) -> Result<(), StoreError> {
        let (start, mut verifier, mut plan) = match self.trusted_start()? {
            Some((to, plan)) => {
                let last = plan.last_recorded_at.clone().unwrap_or_default();
                (to.end, ChainVerifier::resume(to.seq, to.hash, &last), plan)
            }
            None => {
                self.index.clear()?;
                (0, ChainVerifier::new(), Plan::new())
            }
        };
        if start > 0 {
            self.damage = self.verify_prefix(start, verifier.head_hash())?;
            if self.damage.is_some() {
                self.plan = plan;
                return Ok(());
            }
        }
        let first = verifier.next_seq().0;
        let mut reader = LineReader::open(self.log.path(), start, first)?;
        let mut rows = Vec::new();
        let mut last_line = None;
        while let Some(line) = reader.next_line()? {
            let checked = verifier
                .check_stored(line.bytes)
                .map_err(|e| e.to_string())
                .and_then(|_| {
                    Entry::decode(line.bytes).map_err(|e| format!("entry {}: {e}", line.number))
                });
            let entry = match checked {
                Ok(entry) => entry,
                Err(reason) => {
                    self.damage = Some(reason);
                    break;
                }
            };
            plan.apply(&entry);
            rows.push(IndexRow {
                seq: entry.seq,
                offset: line.offset,
                action: entry.event.action_id().map(str::to_string),
                leaf: crate::merkle::leaf_hash(line.bytes),
            });
            last_line = Some((
                entry.seq,
                entry.hash,
                line.offset,
                line.offset + line.bytes.len() as u64 + 1,
            ));
            if rows.len() >= CATCH_UP_CHUNK {
                self.record_rows(&mut rows, last_line, &plan)?;
                // sled holds written pages in memory until flushed; flushing per chunk keeps a
                // long catch-up (restore, reindex) from growing with the log.
                self.index.flush()?;
            }
        }
        self.record_rows(&mut rows, last_line, &plan)?;
        self.plan = plan;
        Ok(())
    }

    /// Checks the log up to `end` (what the index covers) against the hash the index
    /// expects there: appends never extend a chain that does not verify.
    fn verify_prefix(&self, end: u64, expected: EntryHash) -> Result<Option<String>, StoreError> {
        let mut verifier = ChainVerifier::new();
        let mut reader = LineReader::open(self.log.path(), 0, 1)?;
        while reader.offset() < end {
            let Some(line) = reader.next_line()? else {
                break;
            };
            if let Err(e) = verifier.check_stored(line.bytes) {
                return Ok(Some(e.to_string()));
            }
        }
        if verifier.head_hash() != expected {
            return Ok(Some(format!(
                "the log up to entry {} does not end where the index says",
                verifier.next_seq().0.saturating_sub(1)
            )));
        }
        Ok(None)
    }

    fn record_rows(
        &self,
        rows: &mut Vec<IndexRow>,
        last: Option<(Seq, EntryHash, u64, u64)>,
        plan: &Plan,
    ) -> Result<(), StoreError> {
        if let (false, Some((seq, hash, offset, end))) = (rows.is_empty(), last) {
            let to = IndexedTo {
                seq,
                hash,
                offset,
                end,
            };
            self.index.record(rows, to, plan)?;
            rows.clear();
        }
        Ok(())
    }

    /// Where the index stands, if its last entry is still in the log unchanged.
    fn trusted_start(&self) -> Result<Option<(IndexedTo, Plan)>, StoreError> {
        let Some(to) = self.index.indexed_to()? else {
            return Ok(None);
        };
        if to.end > self.log.len() || to.end <= to.offset {
            return Ok(None);
        }
        let mut reader = LineReader::open(self.log.path(), to.offset, to.seq.0)?;
        let matches = match reader.next_line()? {
            Some(line) => {
                line.terminated
                    && line.offset + line.bytes.len() as u64 + 1 == to.end
                    && stored_facts(line.bytes)
                        .is_some_and(|f| f.seq == to.seq && f.hash == to.hash)
            }
            None => false,
        };
        // An index from before the Merkle tree, or with a broken frontier, is rebuilt.
        let tree_matches = self
            .index
            .merkle_frontier()
            .ok()
            .flatten()
            .is_some_and(|t| t.size() == to.seq.0);
        if !matches || !tree_matches {
            return Ok(None);
        }
        Ok(self.index.state(&to)?.map(|plan| (to, plan)))
    }
}

impl Drop for DirLedger {
    fn drop(&mut self) {
        // The index is derived; a failed flush only means more catching up next time.
        let _ = self.index.flush();
    }
}

/// Makes a new file's directory entry durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

impl DirLedger {
    /// Installs a verified export as the log of a new or empty ledger directory.
    ///
    /// The caller verifies `export` first; this copies it beside the log, fsyncs, and renames
    /// it into place, so a crash leaves either no ledger or the whole one.
    pub fn restore(dir: &Path, export: &Path) -> Result<DirLedger, StoreError> {
        let log = dir.join(LOG_FILE);
        let log_len = std::fs::metadata(&log).map(|m| m.len()).ok();
        match log_len {
            Some(0) | None => {}
            Some(_) => return Err(StoreError::RestoreTargetNotEmpty(dir.to_path_buf())),
        }
        if log_len.is_none() && dir.exists() {
            let mut listing = std::fs::read_dir(dir).map_err(io(dir))?;
            if listing.next().is_some() {
                return Err(StoreError::RestoreTargetNotEmpty(dir.to_path_buf()));
            }
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let lock = LedgerLock::acquire(dir)?;
        let tmp = dir.join("entries.jsonl.restoring");
        std::fs::copy(export, &tmp).map_err(io(&tmp))?;
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .open(&tmp)
            .map_err(io(&tmp))?;
        if !ends_with_newline(&mut f).map_err(io(&tmp))? {
            std::io::Write::write_all(&mut f, b"\n").map_err(io(&tmp))?;
        }
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &log).map_err(io(&log))?;
        sync_dir(dir)?;
        drop(lock);
        let index = dir.join(super::index::INDEX_DIR);
        if index.exists() {
            std::fs::remove_dir_all(&index).map_err(io(&index))?;
        }
        DirLedger::open(dir)
    }
}

fn ends_with_newline(f: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    f.seek(SeekFrom::Start(len - 1))?;
    let mut b = [0u8; 1];
    f.read_exact(&mut b)?;
    Ok(b[0] == b'\n')
}
