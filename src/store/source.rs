//! Reading a ledger's entries in order, wherever they are stored.
//!
//! A ledger directory, a `.jsonl` export and an in-memory log all stream the same canonical
//! lines, so every read-only command works on any of them.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use crate::batch::seal_batch;
use crate::clock::Clock;
use crate::event::Event;
use crate::plan::Plan;

use super::blocks::{scan_file_blocks, BlockVisitor};
use super::dir::DirLedger;
use super::error::StoreError;
use super::lines::{Line, LineReader};
use super::reader::DirReader;
use super::review_columns::ReviewColumns;
use super::shown_actions::ShownActions;

/// A visitor over lines: return `Break` to stop early.
pub type LineVisitor<'f> = dyn FnMut(Line<'_>) -> Result<ControlFlow<()>, StoreError> + 'f;

/// Anything that can stream entry lines in seq order.
pub trait EntrySource: Sync {
    /// Calls `visit` with each stored line, oldest first, until it breaks.
    fn scan(&self, visit: &mut LineVisitor<'_>) -> Result<(), StoreError>;
    /// The lines [`scan`](Self::scan) gives, in blocks of about `size` bytes
    /// ([`super::blocks`]): a file is read straight into them.
    fn scan_blocks(&self, size: usize, visit: &mut BlockVisitor<'_>) -> Result<(), StoreError> {
        super::blocks::blocks_from_lines(|v| self.scan(v), size, visit)
    }
    /// What to call this source in messages (a path, or "memory").
    fn name(&self) -> String;
}

fn scan_file(path: &Path, limit: u64, visit: &mut LineVisitor<'_>) -> Result<(), StoreError> {
    let mut reader = LineReader::open(path, 0, 1)?.with_limit(limit);
    while let Some(line) = reader.next_line()? {
        if visit(line)?.is_break() {
            break;
        }
    }
    Ok(())
}

impl EntrySource for DirLedger {
    fn scan(&self, visit: &mut LineVisitor<'_>) -> Result<(), StoreError> {
        scan_file(self.log_path(), self.readable(), visit)
    }
    fn scan_blocks(&self, size: usize, visit: &mut BlockVisitor<'_>) -> Result<(), StoreError> {
        scan_file_blocks(self.log_path(), self.readable(), size, visit)
    }
    fn name(&self) -> String {
        self.log_path().display().to_string()
    }
}

/// A `.jsonl` export opened read-only: one canonical entry per line.
#[derive(Debug, Clone)]
pub struct JsonlFile {
    path: PathBuf,
}

impl JsonlFile {
    /// Opens an export for reading; it is never written.
    pub fn open(path: &Path) -> Result<JsonlFile, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NotFound(path.to_path_buf()));
        }
        Ok(JsonlFile {
            path: path.to_path_buf(),
        })
    }

    /// The export's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entry positions and the Merkle tree over every entry, computed in one streaming pass.
    pub fn positions(&self) -> Result<super::positions::Positions, StoreError> {
        let end = std::fs::metadata(&self.path)
            .map_err(super::error::io(&self.path))?
            .len();
        super::positions::Positions::scan(&self.path, end)
    }

    /// The plan's origin, from entry 1 (empty if there is none).
    pub fn origin(&self) -> Result<String, StoreError> {
        let mut origin = String::new();
        self.scan(&mut |line| {
            if let Ok(e) = crate::entry::Entry::decode(line.bytes) {
                if let Event::PlanCreated(p) = e.event {
                    origin = p.origin;
                }
            }
            Ok(ControlFlow::Break(()))
        })?;
        Ok(origin)
    }
}

impl EntrySource for DirReader {
    fn scan(&self, visit: &mut LineVisitor<'_>) -> Result<(), StoreError> {
        DirReader::scan(self, visit)
    }
    fn scan_blocks(&self, size: usize, visit: &mut BlockVisitor<'_>) -> Result<(), StoreError> {
        scan_file_blocks(self.log_path(), self.readable(), size, visit)
    }
    fn name(&self) -> String {
        self.log_path().display().to_string()
    }
}

impl EntrySource for JsonlFile {
    fn scan(&self, visit: &mut LineVisitor<'_>) -> Result<(), StoreError> {
        scan_file(&self.path, u64::MAX, visit)
    }
    fn scan_blocks(&self, size: usize, visit: &mut BlockVisitor<'_>) -> Result<(), StoreError> {
        scan_file_blocks(&self.path, u64::MAX, size, visit)
    }
    fn name(&self) -> String {
        self.path.display().to_string()
    }
}

/// A ledger held in memory, appended through the same sealing as a directory: for tests.
#[derive(Debug, Clone, Default)]
pub struct MemoryLog {
    lines: Vec<Vec<u8>>,
    plan: Plan,
}

impl MemoryLog {
    /// An empty in-memory ledger.
    pub fn new() -> MemoryLog {
        MemoryLog::default()
    }

    /// Validates and appends a batch, as [`DirLedger::append`] does, minus the disk.
    pub fn append(
        &mut self,
        actor: &str,
        clock: &dyn Clock,
        events: Vec<Event>,
    ) -> Result<(), StoreError> {
        self.append_entries(actor, clock, events).map(drop)
    }

    /// [`MemoryLog::append`], returning the entries written.
    pub fn append_entries(
        &mut self,
        actor: &str,
        clock: &dyn Clock,
        events: Vec<Event>,
    ) -> Result<Vec<crate::entry::Entry>, StoreError> {
        let batch = seal_batch(&self.plan, actor, clock.now(), events)?;
        for line in batch.bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            self.lines.push(line.to_vec());
        }
        self.plan = batch.plan;
        Ok(batch.entries)
    }

    /// The plan after the last append.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The stored lines, for tests that tamper with them.
    pub fn lines_mut(&mut self) -> &mut Vec<Vec<u8>> {
        &mut self.lines
    }

    /// The log as an export would write it.
    pub fn to_jsonl(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for line in &self.lines {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out
    }
}

impl EntrySource for MemoryLog {
    fn scan(&self, visit: &mut LineVisitor<'_>) -> Result<(), StoreError> {
        let mut offset = 0;
        for (i, bytes) in self.lines.iter().enumerate() {
            let line = Line {
                number: i as u64 + 1,
                offset,
                bytes,
                terminated: true,
            };
            offset += bytes.len() as u64 + 1;
            if visit(line)?.is_break() {
                break;
            }
        }
        Ok(())
    }
    fn name(&self) -> String {
        "memory".into()
    }
}

/// Where a command's `--ledger` points: a directory, or a read-only export file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Dir(PathBuf),
    Export(PathBuf),
}

impl Location {
    /// A path ending in `.jsonl`, or naming an existing file, is an export; anything else a directory.
    pub fn parse(path: &Path) -> Location {
        let is_jsonl = path.extension().is_some_and(|e| e == "jsonl");
        if is_jsonl || path.is_file() {
            Location::Export(path.to_path_buf())
        } else {
            Location::Dir(path.to_path_buf())
        }
    }

    /// The path given.
    pub fn path(&self) -> &Path {
        match self {
            Location::Dir(p) | Location::Export(p) => p,
        }
    }
}

/// A ledger opened for reading, whichever kind it is.
pub enum ReadLedger {
    Dir(Box<DirReader>),
    Export(JsonlFile),
}

impl ReadLedger {
    /// Opens `location` for reading (a directory without any lock).
    pub fn open(location: &Location) -> Result<ReadLedger, StoreError> {
        Ok(match location {
            Location::Dir(p) => ReadLedger::Dir(Box::new(DirReader::open(p)?)),
            Location::Export(p) => ReadLedger::Export(JsonlFile::open(p)?),
        })
    }

    /// The plan after the entries recorded up to `known_at` (entry timestamp form; all
    /// when `None`), and notes on derived data that was passed over.
    pub fn load_plan(&self, known_at: Option<&str>) -> Result<(Plan, Vec<String>), StoreError> {
        match self {
            ReadLedger::Dir(d) => d.load_plan(known_at),
            ReadLedger::Export(f) => Ok((fold(f, known_at)?, Vec::new())),
        }
    }

    /// [`ReadLedger::load_plan`], the snapshot's statuses possibly left in their columns
    /// (a directory's, see [`DirReader::load_plan_lazily`]; an export has no snapshots).
    pub fn load_plan_lazily(
        &self,
        known_at: Option<&str>,
        wanted: super::ActionText,
    ) -> Result<(Plan, Option<ReviewColumns>, Vec<String>), StoreError> {
        match self {
            ReadLedger::Dir(d) => d.load_plan_lazily(known_at, wanted),
            ReadLedger::Export(f) => Ok((fold(f, known_at)?, None, Vec::new())),
        }
    }

    /// [`ReadLedger::load_plan_lazily`] for `plan` and `matrix`, where a directory's newest
    /// snapshot allows it ([`DirReader::load_shown`]); `None`: load the plan as usual.
    pub fn load_shown(
        &self,
        known_at: Option<&str>,
    ) -> Result<Option<(Plan, ShownActions, ReviewColumns)>, StoreError> {
        match self {
            ReadLedger::Dir(d) => d.load_shown(known_at),
            ReadLedger::Export(_) => Ok(None),
        }
    }

    /// The last readable entry's seq and hash. A directory knows it from opening (its tail
    /// checked against the derived mark), so only an export is read through to its end.
    pub fn head(&self) -> Result<Option<crate::entry::Head>, StoreError> {
        match self {
            ReadLedger::Dir(d) => Ok(d.positions().last().map(|c| crate::entry::Head {
                seq: c.seq.0,
                hash: c.hash,
            })),
            ReadLedger::Export(f) => export_head(f),
        }
    }

    /// Repairs made while opening a directory.
    pub fn take_warnings(&mut self) -> Vec<String> {
        match self {
            ReadLedger::Dir(d) => d.take_warnings(),
            ReadLedger::Export(_) => Vec::new(),
        }
    }
}

impl EntrySource for ReadLedger {
    fn scan(&self, visit: &mut LineVisitor<'_>) -> Result<(), StoreError> {
        match self {
            ReadLedger::Dir(d) => d.scan(visit),
            ReadLedger::Export(f) => f.scan(visit),
        }
    }
    fn scan_blocks(&self, size: usize, visit: &mut BlockVisitor<'_>) -> Result<(), StoreError> {
        match self {
            ReadLedger::Dir(d) => EntrySource::scan_blocks(&**d, size, visit),
            ReadLedger::Export(f) => f.scan_blocks(size, visit),
        }
    }
    fn name(&self) -> String {
        match self {
            ReadLedger::Dir(d) => d.name(),
            ReadLedger::Export(f) => f.name(),
        }
    }
}

/// The last entry of an export, every line checked to be one.
fn export_head(source: &JsonlFile) -> Result<Option<crate::entry::Head>, StoreError> {
    let mut head = None;
    let mut bad = None;
    source.scan(&mut |l| match crate::chain::stored_facts(l.bytes) {
        Some(f) => {
            head = Some(crate::entry::Head {
                seq: f.seq.0,
                hash: f.hash,
            });
            Ok(ControlFlow::Continue(()))
        }
        None => {
            bad = Some(l.number);
            Ok(ControlFlow::Break(()))
        }
    })?;
    match bad {
        Some(n) => Err(StoreError::Damaged(format!(
            "line {n} of {} is not an entry",
            source.name()
        ))),
        None => Ok(head),
    }
}

/// Folds the entries of `source` recorded up to `known_at` into a plan, from entry 1.
pub fn fold(source: &dyn EntrySource, known_at: Option<&str>) -> Result<Plan, StoreError> {
    let mut plan = Plan::new();
    let mut failure = None;
    source.scan(&mut |line| match crate::entry::Entry::decode(line.bytes) {
        Ok(entry) if known_at.is_some_and(|t| entry.recorded_at.as_str() > t) => {
            Ok(ControlFlow::Break(()))
        }
        Ok(entry) => {
            plan.apply(&entry);
            Ok(ControlFlow::Continue(()))
        }
        Err(e) => {
            failure = Some((line.number, e));
            Ok(ControlFlow::Break(()))
        }
    })?;
    match failure {
        Some((line, error)) => Err(StoreError::Line {
            path: PathBuf::from(source.name()),
            line,
            source: error,
        }),
        None => Ok(plan),
    }
}
