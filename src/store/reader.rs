//! A ledger directory opened for reading: no lock, no writes, works read-only.
//!
//! A reader fixes the log's readable end when it opens and never reads past it, so a writer
//! appending meanwhile is invisible and a half-written line is never seen. Derived data is
//! used when it matches the log; when it is damaged or behind, the reader heals it if no
//! writer holds the lock (taking the lock only if it is free, never waiting), and otherwise
//! works from the log in memory, saying so.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use crate::chain::{stored_facts, stored_time};
use crate::entry::{Entry, Seq};
use crate::event::Event;
use crate::plan::{Plan, StatusRef};

use super::action_records::ActionText;
use super::dir::{check_dir, read_entry_line, DirLedger};
use super::error::StoreError;
use super::fsx;
use super::journal::Journal;
use super::lines::{Line, LineReader};
use super::lock::LedgerLock;
use super::log::LOG_FILE;
use super::positions::{line_at, Covered, Positions};
use super::review_columns::ReviewColumns;
use super::shown_actions::ShownActions;
use super::snapshot;
use super::source::LineVisitor;
use super::tail::{inspect, Tail};

/// An open ledger directory for reading.
pub struct DirReader {
    dir: PathBuf,
    log: PathBuf,
    readable: u64,
    /// Bytes after the last whole entry that no journal explains: (start, length).
    unexplained: Option<(u64, u64)>,
    positions: Positions,
    warnings: Vec<String>,
}

/// What one look at the directory found.
struct Look {
    /// A journal is not empty: an append is running, or one was interrupted.
    journal: bool,
    readable: u64,
    tail: Tail,
    positions: Positions,
    discarded: Option<String>,
}

impl DirReader {
    /// Opens `dir` for reading.
    pub fn open(dir: &Path) -> Result<DirReader, StoreError> {
        let log = dir.join(LOG_FILE);
        if std::fs::symlink_metadata(&log).is_err() {
            return Err(StoreError::NotFound(dir.to_path_buf()));
        }
        check_dir(dir)?;
        let mut warnings = Vec::new();
        let mut look = inspect_dir(dir, &log)?;
        if look.needs_healing(&log)? {
            if let Ok(Some(lock)) = LedgerLock::try_acquire(dir) {
                // Nobody is writing: heal now, for everyone after us.
                let mut healed = DirLedger::open_locked(dir, lock)?;
                warnings.extend(healed.take_warnings());
                drop(healed);
                look = inspect_dir(dir, &log)?;
            } else if let Some(why) = &look.discarded {
                warnings.push(format!(
                    "the entry positions do not match the log ({why}); reading from the log itself (the next write rebuilds them)"
                ));
            }
        }
        let unexplained = match look.tail {
            Tail::Unexplained { start, len } => Some((start, len)),
            _ => None,
        };
        if let Some((start, len)) = unexplained {
            warnings.push(format!(
                "{}: the last {len} bytes (from byte {start}) are not a whole entry, and no interrupted append of this program explains them; reading the entries before them. Appends are refused until `readiness repair` sets them aside",
                log.display()
            ));
        }
        let mut positions = look.positions;
        extend(&mut positions, &log, look.readable)?;
        Ok(DirReader {
            dir: dir.to_path_buf(),
            log,
            readable: look.readable,
            unexplained,
            positions,
            warnings,
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the log.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// What opening found worth saying (repairs, damage, a tail it will not read).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Entry positions and the Merkle tree over every readable entry.
    pub fn positions(&self) -> &Positions {
        &self.positions
    }

    /// Bytes at the end of the log that are not a whole entry: (start, length).
    pub fn unexplained_tail(&self) -> Option<(u64, u64)> {
        self.unexplained
    }

    /// Where reading stops.
    pub fn readable(&self) -> u64 {
        self.readable
    }

    /// Entry `seq`'s stored line, without its newline.
    pub fn line_at(&self, seq: Seq) -> Result<Option<Vec<u8>>, StoreError> {
        read_entry_line(&self.positions, &self.log, self.readable, seq)
    }

    /// The plan's origin, from entry 1 (empty for an empty ledger).
    pub fn origin(&self) -> Result<String, StoreError> {
        let Some(line) = self.line_at(Seq(1))? else {
            return Ok(String::new());
        };
        let entry = Entry::decode(&line).map_err(|source| StoreError::Line {
            path: self.log.clone(),
            line: 1,
            source,
        })?;
        Ok(match entry.event {
            crate::event::Event::PlanCreated(p) => p.origin,
            _ => String::new(),
        })
    }

    /// Calls `visit` with each readable line.
    pub fn scan(&self, visit: &mut LineVisitor<'_>) -> Result<(), StoreError> {
        let mut reader = LineReader::open(&self.log, 0, 1)?.with_limit(self.readable);
        while let Some(line) = reader.next_line()? {
            if visit(line)?.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The last entry recorded at or before `known_at` (entry timestamp form), by binary
    /// search over the positions: `recorded_at` never goes back.
    fn last_known_at(&self, known_at: &str) -> Result<u64, StoreError> {
        let (mut lo, mut hi) = (0u64, self.positions.size());
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            let line = self.line_at(Seq(mid))?.unwrap_or_default();
            let time = stored_time(&line).ok_or_else(|| {
                StoreError::Damaged(format!("entry {mid} has no readable recorded_at"))
            })?;
            if time <= known_at.as_bytes() {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Ok(lo)
    }

    /// The plan after the entries recorded up to `known_at` (all when `None`): from the
    /// newest snapshot at or before that entry, then the entries after it.
    pub fn load_plan(&self, known_at: Option<&str>) -> Result<(Plan, Vec<String>), StoreError> {
        let upto = match known_at {
            Some(t) => self.last_known_at(t)?,
            None => self.positions.size(),
        };
        let (snap, damaged) = snapshot::best(&self.dir, &self.log, self.readable, upto)?;
        let mut notes: Vec<String> = damaged
            .iter()
            .map(|seq| {
                format!("ignored the plan snapshot after entry {seq}: it does not match the log or was written by an older version (derived data: it is made again)")
            })
            .collect();
        let (mut plan, covered) = match snap {
            Some(s) => (s.plan, Some(s.covered)),
            None => (Plan::new(), None),
        };
        // The fold takes every entry: it never stops early.
        let _ = self.entries_after(covered.as_ref(), upto, |entry| {
            plan.apply_owned(entry);
            ControlFlow::Continue(())
        })?;
        if !damaged.is_empty() {
            notes.extend(self.replace_snapshots(&damaged, &mut plan, upto)?);
        }
        Ok((plan, notes))
    }

    /// [`DirReader::load_plan`] for a view that reads statuses only where it shows them.
    /// When the entries after the newest snapshot are all statuses (the usual case), the
    /// plan comes back without the snapshot's statuses, which stay in the columns returned
    /// with it (the statuses after the snapshot are in the plan, and win over them);
    /// otherwise the whole plan, and no columns. The snapshot's actions come with the texts
    /// `wanted` (a whole plan has them all).
    pub fn load_plan_lazily(
        &self,
        known_at: Option<&str>,
        wanted: ActionText,
    ) -> Result<(Plan, Option<ReviewColumns>, Vec<String>), StoreError> {
        let upto = match known_at {
            Some(t) => self.last_known_at(t)?,
            None => self.positions.size(),
        };
        let newest = snapshot::list(&self.dir)?.into_iter().rfind(|s| *s <= upto);
        let snap = match newest {
            Some(seq) => snapshot::load_lazily(&self.dir, &self.log, self.readable, seq, wanted)?,
            None => None,
        };
        let Some(snap) = snap else {
            let (plan, notes) = self.load_plan(known_at)?;
            return Ok((plan, None, notes));
        };
        let mut plan = snap.plan;
        let after = self.entries_after(Some(&snap.covered), upto, |entry| {
            if !matches!(entry.event, Event::StatusRecorded(_)) {
                return ControlFlow::Break(());
            }
            plan.apply_owned(entry);
            ControlFlow::Continue(())
        })?;
        if after.is_break() {
            let (plan, notes) = self.load_plan(known_at)?;
            return Ok((plan, None, notes));
        }
        Ok((plan, Some(snap.columns), Vec::new()))
    }

    /// [`DirReader::load_plan_lazily`] for `plan` and `matrix`: the newest snapshot's
    /// actions as [`ShownActions`], the statuses recorded after it put into theirs. `None`
    /// where that cannot be had (no snapshot, a damaged one, an entry after it that is not a status, or
    /// more of them than [`SHOWN_TAIL`]): the caller then loads the plan as usual, which
    /// repairs what needs repairing and says so.
    pub fn load_shown(
        &self,
        known_at: Option<&str>,
    ) -> Result<Option<(Plan, ShownActions, ReviewColumns)>, StoreError> {
        let upto = match known_at {
            Some(t) => self.last_known_at(t)?,
            None => self.positions.size(),
        };
        let Some(seq) = snapshot::list(&self.dir)?.into_iter().rfind(|s| *s <= upto) else {
            return Ok(None);
        };
        let loaded = snapshot::load_shown(&self.dir, &self.log, self.readable, seq)?;
        let Some((mut plan, mut shown, columns, covered)) = loaded else {
            return Ok(None);
        };
        let mut tail = Vec::new();
        let after = self.entries_after(Some(&covered), upto, |entry| match entry.event {
            Event::StatusRecorded(_) if tail.len() < SHOWN_TAIL => {
                tail.push(entry);
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Break(()),
        })?;
        if after.is_break() {
            return Ok(None);
        }
        put_statuses(&mut plan, &mut shown, tail);
        Ok(Some((plan, shown, columns)))
    }

    /// Hands `each` the entries after the one `after` covers (none: from the log's start) up
    /// to entry `upto`, in order; stops, and says so, where `each` breaks.
    fn entries_after(
        &self,
        after: Option<&Covered>,
        upto: u64,
        mut each: impl FnMut(Entry) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, StoreError> {
        let (start, first) = match after {
            Some(c) => {
                let line = line_at(&self.log, c.offset, self.readable)?.unwrap_or_default();
                (c.offset + line.len() as u64 + 1, c.seq.0 + 1)
            }
            None => (0, 1),
        };
        if first > upto {
            return Ok(ControlFlow::Continue(()));
        }
        let mut reader = LineReader::open(&self.log, start, first)?.with_limit(self.readable);
        while let Some(line) = reader.next_line()? {
            let entry = Entry::decode(line.bytes).map_err(|source| StoreError::Line {
                path: self.log.clone(),
                line: line.number,
                source,
            })?;
            let seq = entry.seq.0;
            if each(entry).is_break() {
                return Ok(ControlFlow::Break(()));
            }
            if seq >= upto {
                break;
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Deletes damaged snapshots and, for the head, writes a good one, if no writer holds
    /// the lock (never waiting); otherwise leaves them for the next writer.
    fn replace_snapshots(
        &self,
        damaged: &[u64],
        plan: &mut Plan,
        upto: u64,
    ) -> Result<Vec<String>, StoreError> {
        let Ok(Some(_lock)) = LedgerLock::try_acquire(&self.dir) else {
            return Ok(Vec::new());
        };
        for seq in damaged {
            snapshot::remove(&self.dir, *seq);
        }
        if upto == self.positions.size() {
            if let Some(offset) = self.positions.offset_of(Seq(upto))? {
                snapshot::write(&self.dir, plan, offset)?;
            }
        }
        Ok(vec![
            "rebuilt derived data from the log (damaged plan snapshots replaced)".into(),
        ])
    }

    /// Recomputes the positions from the log after damage was found in using them: on disk
    /// if no writer holds the lock, else in memory. Returns what to tell the user.
    pub fn rebuild_positions(&mut self, why: &str) -> Result<Vec<String>, StoreError> {
        if let Ok(Some(lock)) = LedgerLock::try_acquire(&self.dir) {
            Positions::forget(&self.dir);
            let mut healed = DirLedger::open_locked(&self.dir, lock)?;
            let mut notes = healed.take_warnings();
            drop(healed);
            let (mut positions, _) = Positions::open(&self.dir, &self.log, self.readable)?;
            extend(&mut positions, &self.log, self.readable)?;
            self.positions = positions;
            if notes.is_empty() {
                notes.push(format!(
                    "rebuilt derived data from the log (entry positions and Merkle tree: {why})"
                ));
            }
            return Ok(notes);
        }
        self.positions = Positions::scan(&self.log, self.readable)?;
        Ok(vec![format!(
            "the entry positions are damaged ({why}); computed them from the log instead (the next write rebuilds them)"
        )])
    }
}

fn inspect_dir(dir: &Path, log: &Path) -> Result<Look, StoreError> {
    let file = fsx::open_read(log)?;
    // The positions first, then the log's end: a writer appends to the log before it moves
    // the positions' mark, so the mark read first never points past the end read after.
    let (mut positions, mut discarded) = Positions::open(dir, log, u64::MAX)?;
    let pending = Journal::peek(dir)?;
    let journal = pending.is_some();
    let end = inspect(&file, log, pending)?;
    if positions.last().is_some_and(|c| c.offset >= end.readable) {
        // The mark names an entry this reader does not read (it follows an unexplained
        // tail's start, say): use none of the stored positions.
        positions = Positions::open(dir, log, 0)?.0;
        discarded = Some("they cover entries past the readable end of the log".into());
    }
    positions.set_limit(end.readable);
    Ok(Look {
        journal,
        readable: end.readable,
        tail: end.tail,
        positions,
        discarded,
    })
}

impl Look {
    /// True when a writer's open would change something: an interrupted append to finish,
    /// derived data to rebuild, or entries past the positions.
    fn needs_healing(&self, log: &Path) -> Result<bool, StoreError> {
        if self.discarded.is_some() || self.journal {
            return Ok(true);
        }
        let next = match self.positions.last() {
            None => 0,
            Some(c) => {
                let line = line_at(log, c.offset, self.readable)?.unwrap_or_default();
                c.offset + line.len() as u64 + 1
            }
        };
        Ok(next < self.readable)
    }
}

/// Adds the entries past the stored positions, up to `readable`, in memory.
fn extend(positions: &mut Positions, log: &Path, readable: u64) -> Result<(), StoreError> {
    let (start, first) = match positions.last() {
        None => (0, 1),
        Some(c) => {
            let line = line_at(log, c.offset, readable)?.unwrap_or_default();
            (c.offset + line.len() as u64 + 1, c.seq.0 + 1)
        }
    };
    if start >= readable {
        return Ok(());
    }
    let mut reader = LineReader::open(log, start, first)?.with_limit(readable);
    let mut visit = |line: Line<'_>| -> Result<ControlFlow<()>, StoreError> {
        match stored_facts(line.bytes) {
            Some(f) if f.seq.0 == positions.size() + 1 => {
                positions.push(f.seq, f.hash, line.offset, line.bytes);
                Ok(ControlFlow::Continue(()))
            }
            _ => Ok(ControlFlow::Break(())),
        }
    };
    while let Some(line) = reader.next_line()? {
        if visit(line)?.is_break() {
            break;
        }
    }
    Ok(())
}

/// The most statuses after a snapshot [`DirReader::load_shown`] puts in itself; past that,
/// folding them into the plan as usual costs no more.
pub const SHOWN_TAIL: usize = 4096;

/// Puts the statuses of `tail` (each a `status_recorded` entry, in ledger order) into the
/// statuses of the actions they name, as [`Plan::apply`] would; a status for an action the
/// plan lacks changes only the head.
fn put_statuses(plan: &mut Plan, shown: &mut ShownActions, tail: Vec<Entry>) {
    if tail.is_empty() {
        return;
    }
    let mut named: HashMap<&str, usize> = HashMap::new();
    for entry in &tail {
        if let Event::StatusRecorded(e) = &entry.event {
            named.insert(e.action.as_str(), usize::MAX);
        }
    }
    // A later action of the same id takes its place, as in the plan's own index.
    for i in 0..shown.len() {
        if let Some(at) = shown.id(i).and_then(|id| named.get_mut(id)) {
            *at = i;
        }
    }
    let expect = plan.reviews.len();
    for entry in &tail {
        let Event::StatusRecorded(e) = &entry.event else {
            continue;
        };
        let status = StatusRef {
            action: &e.action,
            review: &e.review,
            status: &e.status,
        };
        let (label, record) = plan.take_status_apart(
            entry.seq,
            entry.hash,
            &entry.recorded_at,
            &entry.actor,
            status,
            e.note.clone(),
        );
        let at = named.get(e.action.as_str()).copied().unwrap_or(usize::MAX);
        if let Some(statuses) = shown.statuses_mut().get_mut(at) {
            statuses.insert_expecting(label, record, expect);
        }
    }
}
