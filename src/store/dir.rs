//! A ledger directory opened for writing: the lock, the log, and the derived data caught up.
//!
//! This is the one place that appends: load what the rules need, validate and seal
//! ([`seal_batch`]), write the batch durably ([`EntryLog::append`]), bring the derived data
//! along, then report. Opening costs O(1) in the log's length when the derived data is
//! current: each part's mark is checked against the log's line it names, and only entries
//! past it are read. Derived data that is missing, damaged or from another log is rebuilt.

use std::path::{Path, PathBuf};

use crate::batch::{seal_batch, seal_one_into, BatchError, SealedBatch, Sealer};
use crate::chain::ChainVerifier;
use crate::clock::Clock;
use crate::entry::{Entry, EntryHash, Seq};
use crate::event::Event;
use crate::plan::Plan;

use super::error::{io, StoreError};
use super::fsx;
use super::lines::LineReader;
use super::lock::LedgerLock;
use super::log::{EntryLog, LOG_FILE};
use super::positions::{line_at, Covered, Positions, DERIVED_DIR};
use super::snapshot;
use super::state::{Changed, PartialPlan, StateDb};
use super::tail::Tail;

/// The sled folder of earlier versions, replaced by `derived/`.
const LEGACY_INDEX: &str = "index";
/// Entries folded between saves of derived data during a long catch-up.
const CATCH_UP_CHUNK: usize = 100_000;

/// Entries a held ledger appends before it saves their positions and plan state without
/// waiting to settle: what a reopen after a crash folds again at most.
const HELD_POSITIONS_MAX: usize = 16 * 1024;

/// An open, locked ledger directory with its derived data caught up to the log.
pub struct DirLedger {
    dir: PathBuf,
    log: EntryLog,
    positions: Positions,
    state: StateDb,
    /// The last entry of the log that verifies (from the derived data's mark onwards).
    head: Option<Covered>,
    /// Set when catching up met an entry that does not verify: appends are refused.
    damage: Option<String>,
    /// Byte offset of the line that did not verify.
    damage_at: Option<u64>,
    warnings: Vec<String>,
    /// Derived parts rebuilt from the log while opening, and why (one warning says it).
    rebuilt: Vec<String>,
    /// The plan already folded from exactly this log (a restore verified it): a catch-up
    /// from nothing checks the chain and positions but does not decode and fold again.
    known: Option<Plan>,
    /// Positions computed from the lines as this process wrote them into a new log (with
    /// `known`): the catch-up takes them instead of reading the log back.
    written: Option<Positions>,
    /// Set by [`DirLedger::hold`]: a long-lived writer keeps the whole plan between appends
    /// and flushes the plan state only when it settles.
    held: bool,
    /// The whole plan at the head, kept between appends of a held ledger.
    whole: Option<PartialPlan>,
    /// Plan state stored since the last flush.
    unflushed: bool,
    /// What a held ledger's plan state lags behind the head by (it stores the state with
    /// its whole plan when it settles, as it saves positions): sled's writes cost a commit
    /// more than its journal record. Only while `whole` is kept, or the state is caught up
    /// from the log before anything reads it.
    deferred: Option<Deferred>,
    /// The newest snapshot's seq and size, once looked up: only the lock's holder writes
    /// snapshots, so a commit need not list the folder again.
    newest_snapshot: Option<Option<(u64, u64)>>,
    _lock: LedgerLock,
}

/// Plan state not stored yet: the actions changed since the last store, over how many entries.
struct Deferred {
    changed: Changed,
    entries: usize,
}

/// What an append reports once it is durable.
#[derive(Debug, Clone)]
pub struct Appended {
    pub entries: Vec<Entry>,
    /// Problems after the durable append (derived data not updated): the entries are safe,
    /// the derived data catches up next time.
    pub warnings: Vec<String>,
}

/// What a group commit did: for each group, how many entries it appended (in order, after
/// the previous accepted group's) or why it was refused; and every entry written.
#[derive(Debug)]
pub struct GroupCommit {
    pub outcomes: Vec<Result<usize, StoreError>>,
    pub appended: Appended,
}

/// A streamed first batch: how many events, the events, and what to tell about each entry.
pub struct Stream<'a> {
    pub total: usize,
    pub events: Box<dyn Iterator<Item = Event> + 'a>,
    pub on_entry: &'a mut dyn FnMut(&Entry),
}

/// One request of a group commit: who, what, and the head it expects (`--if-head`).
#[derive(Debug, Clone)]
pub struct Group {
    pub actor: String,
    pub events: Vec<Event>,
    pub if_head: Option<u64>,
}

/// Refuses a symlink in place of the log or a derived folder (the ledger path itself is
/// the user's choice; every other file is opened with `O_NOFOLLOW`).
pub(crate) fn check_dir(dir: &Path) -> Result<(), StoreError> {
    for name in [LOG_FILE, DERIVED_DIR, LEGACY_INDEX] {
        fsx::no_symlink(&dir.join(name))?;
    }
    Ok(())
}

impl DirLedger {
    /// Opens an existing ledger directory for writing, waiting for another writer if needed.
    pub fn open(dir: &Path, waiting: &mut dyn FnMut()) -> Result<DirLedger, StoreError> {
        if std::fs::symlink_metadata(dir.join(LOG_FILE)).is_err() {
            return Err(StoreError::NotFound(dir.to_path_buf()));
        }
        check_dir(dir)?;
        let lock = LedgerLock::acquire(dir, waiting)?;
        DirLedger::open_locked(dir, lock)
    }

    /// Opens a ledger whose lock the caller already holds.
    pub fn open_locked(dir: &Path, lock: LedgerLock) -> Result<DirLedger, StoreError> {
        let mut ledger = DirLedger::assemble(dir, lock)?;
        ledger.finish_open()?;
        Ok(ledger)
    }

    /// Catches up, and says once what was rebuilt.
    fn finish_open(&mut self) -> Result<(), StoreError> {
        self.catch_up()?;
        if !self.rebuilt.is_empty() {
            let why = std::mem::take(&mut self.rebuilt).join("; ");
            self.warnings
                .push(format!("rebuilt derived data from the log ({why})"));
        }
        Ok(())
    }

    /// Opens the log and the derived data as they are, without catching up.
    fn assemble(dir: &Path, lock: LedgerLock) -> Result<DirLedger, StoreError> {
        check_dir(dir)?;
        fsx::ensure_derived_dir(&dir.join(DERIVED_DIR))?;
        // sled's open is most of an append's cost (its recovery, and its thread pool's
        // start-up); it touches only `derived/state`, so it runs beside the log's checks.
        let (opened, state) = std::thread::scope(|s| {
            let state = s.spawn(|| StateDb::open(dir));
            let opened = DirLedger::open_log_and_positions(dir);
            let state = state
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (opened, state)
        });
        let (log, warnings, positions, mut rebuilt) = opened?;
        let (state, broken) = state?;
        if let Some(why) = broken {
            rebuilt.push(format!("plan state: {why}"));
        }
        Ok(DirLedger {
            dir: dir.to_path_buf(),
            log,
            positions,
            state,
            head: None,
            damage: None,
            damage_at: None,
            warnings,
            rebuilt,
            known: None,
            written: None,
            held: false,
            whole: None,
            unflushed: false,
            deferred: None,
            newest_snapshot: None,
            _lock: lock,
        })
    }

    /// The log with its tail checked, and the positions trimmed to it (with why they were
    /// rebuilt, if they were).
    fn open_log_and_positions(
        dir: &Path,
    ) -> Result<(EntryLog, Vec<String>, Positions, Vec<String>), StoreError> {
        let (log, warnings) = EntryLog::open(dir)?;
        let legacy = dir.join(LEGACY_INDEX);
        if std::fs::symlink_metadata(&legacy).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(&legacy).map_err(io(&legacy))?;
        }
        let readable = log.end().readable;
        let (mut positions, discarded) = Positions::open(dir, log.path(), readable)?;
        let mut rebuilt = Vec::new();
        if let Some(why) = discarded {
            rebuilt.push(format!("entry positions and Merkle tree: {why}"));
        }
        positions.trim()?;
        Ok((log, warnings, positions, rebuilt))
    }

    /// Creates a new ledger in `dir` (missing, or empty but for a lock file) and appends its
    /// first batch, written beside the log and renamed into place: no half-created ledger.
    ///
    /// The lock is taken before the directory is checked, so of two creators racing on one
    /// directory exactly one succeeds; the other finds a ledger there.
    pub fn create(
        dir: &Path,
        actor: &str,
        clock: &dyn Clock,
        events: Vec<Event>,
        waiting: &mut dyn FnMut(),
    ) -> Result<Appended, StoreError> {
        let batch = seal_batch(&Plan::new(), actor, clock.now(), events)?;
        let lock = DirLedger::create_log(
            dir,
            waiting,
            |_| Ok(()),
            |file, path| fsx::write_all(file, path, &batch.bytes),
        )?;
        // The log is in place: the ledger exists. Its derived data is made from the batch in
        // hand rather than by reading it back; if that fails the next command builds it.
        // The entries are moved, not copied (an import holds a million): into the
        // acknowledgement either way.
        let mut batch = batch;
        let mut entries = Some(std::mem::take(&mut batch.entries));
        let derived = DirLedger::assemble(dir, lock).and_then(|mut ledger| {
            ledger.state.clear()?;
            let mut partial = PartialPlan::empty();
            let warnings = ledger.take_warnings();
            batch.entries = entries.take().unwrap_or_default();
            Ok(ledger.record(&mut partial, batch, 0, warnings))
        });
        Ok(derived.unwrap_or_else(|e| Appended {
            entries: entries.unwrap_or_default(),
            warnings: vec![derived_failed(&e)],
        }))
    }

    /// Creates a new ledger with no entries yet (for library users and tests; the command
    /// line creates a ledger together with its first batch).
    pub fn create_empty(dir: &Path) -> Result<DirLedger, StoreError> {
        DirLedger::create_from(dir, &mut || {}, |_| Ok(()), |_, _| Ok(()), None)?;
        DirLedger::open(dir, &mut || {})
    }

    /// Creates a ledger whose log is whatever `fill` writes into a fresh file (which must be
    /// whole, verified lines): the shared half of `create` and `restore`.
    ///
    /// `prepare` runs first, holding the lock, to put what the log will need in place (a
    /// restore's evidence files): killed there, the directory holds only what a second run
    /// accepts and finishes. `known` is the plan the caller already folded from the same
    /// bytes, if any; it is used only if the log's head turns out to be its head.
    pub fn create_from(
        dir: &Path,
        waiting: &mut dyn FnMut(),
        prepare: impl FnOnce(&Path) -> Result<(), StoreError>,
        fill: impl FnOnce(&mut std::fs::File, &Path) -> Result<(), StoreError>,
        known: Option<Plan>,
    ) -> Result<Created, StoreError> {
        DirLedger::create_filled(dir, waiting, prepare, |file, path| {
            fill(file, path).map(|()| known.map(|plan| (plan, None)))
        })
    }

    /// Creates a new ledger whose first batch is `events` (`total` of them), sealed and
    /// written one by one into the log's temporary file, which is renamed into place only
    /// once every event is in: all or nothing, as [`DirLedger::create`], without holding the
    /// batch. Each entry is shown to `on_entry` as it is checked, before it is linked: its
    /// `prev` and `hash` are zero there ([`Created::last`] has the head's hash).
    ///
    /// A refused event leaves no log; a directory this call made is taken away again.
    pub fn create_streamed(
        dir: &Path,
        actor: &str,
        clock: &dyn Clock,
        stream: Stream<'_>,
        waiting: &mut dyn FnMut(),
    ) -> Result<Created, StoreError> {
        let Stream {
            total,
            events,
            on_entry,
        } = stream;
        let sealer = Sealer::new(Plan::new(), actor, clock.now(), total)?;
        let existed = std::fs::symlink_metadata(dir).is_ok();
        let log = dir.join(LOG_FILE);
        let creating = dir.join(CREATING_DIR);
        let mut positions_failed = None;
        let mut created = DirLedger::create_filled(
            dir,
            waiting,
            |_| Ok(()),
            |file, path| {
                // Positions are saved as they are made, beside the log being written and
                // under a name of ours, and moved into place with it. Failing to save them
                // fails nothing: they are derived, and made again from the log.
                fsx::ensure_derived_dir(&creating)?;
                let (plan, positions) = super::stream_write::seal_and_write(
                    sealer,
                    events,
                    on_entry,
                    (file, path),
                    (&creating, &log),
                )?;
                let positions = positions.map_err(|e| positions_failed = Some(e)).ok();
                Ok(Some((plan, positions)))
            },
        );
        // Whatever became of the creation, its own folder is not left behind.
        let _ = std::fs::remove_dir_all(&creating);
        if let (Ok(made), Some(e)) = (&mut created, &positions_failed) {
            made.warnings.insert(0, derived_failed(e));
        }
        if let (Err(StoreError::Batch(_)), false) = (&created, existed) {
            // Refused input: leave the file system as it was.
            let _ = std::fs::remove_file(dir.join(super::lock::LOCK_FILE));
            let _ = std::fs::remove_dir(dir);
        }
        created
    }

    /// [`DirLedger::create_from`] where `fill` also hands over the plan it folded.
    fn create_filled(
        dir: &Path,
        waiting: &mut dyn FnMut(),
        prepare: impl FnOnce(&Path) -> Result<(), StoreError>,
        fill: impl FnOnce(
            &mut std::fs::File,
            &Path,
        ) -> Result<Option<(Plan, Option<Positions>)>, StoreError>,
    ) -> Result<Created, StoreError> {
        let mut known = None;
        let lock = DirLedger::create_log(dir, waiting, prepare, |file, path| {
            known = fill(file, path)?;
            Ok(())
        })?;
        if let Some((_, Some(written))) = &mut known {
            // The log is in place: its positions join it, or are made again from it.
            let creating = dir.join(CREATING_DIR);
            match fsx::rename(&creating.join(DERIVED_DIR), &dir.join(DERIVED_DIR)) {
                Ok(()) => written.moved_to(dir),
                Err(_) => known = known.map(|(plan, _)| (plan, None)),
            }
        }
        // The log is in place: from here, a failure is only derived data not yet built.
        let last = known.as_ref().and_then(|(plan, _)| plan.head);
        let opened = DirLedger::assemble(dir, lock).and_then(|mut ledger| {
            if let Some((plan, written)) = known {
                ledger.known = Some(plan);
                ledger.written = written;
            }
            ledger.finish_open()?;
            Ok(ledger)
        });
        Ok(match opened {
            Ok(mut ledger) => {
                let created = Created {
                    head: ledger.head(),
                    last,
                    warnings: ledger.take_warnings(),
                };
                ledger.close_state_reopened();
                created
            }
            Err(e) => Created {
                head: None,
                last,
                warnings: vec![derived_failed(&e)],
            },
        })
    }

    /// Closes the ledger, opening its state database once more under the lock first. sled
    /// replays everything written since its last snapshot when it opens, and writes one
    /// then: after a creation stored a whole plan, that replay doubled the first append's
    /// time (34-43 ms against 14-18 ms at 1M statuses). Done here it costs the creation a
    /// few milliseconds. Derived data only: a failure is left for the next open to heal.
    fn close_state_reopened(self) {
        let DirLedger {
            dir, state, _lock, ..
        } = self;
        drop(state);
        drop(StateDb::open(&dir));
        drop(_lock);
    }

    /// Writes a new ledger's log beside it and renames it into place, holding the lock
    /// (taken before the directory is checked), which it returns. If the rename cannot be
    /// made durable the log is taken away again: the creation failed and may be run again.
    fn create_log(
        dir: &Path,
        waiting: &mut dyn FnMut(),
        prepare: impl FnOnce(&Path) -> Result<(), StoreError>,
        fill: impl FnOnce(&mut std::fs::File, &Path) -> Result<(), StoreError>,
    ) -> Result<LedgerLock, StoreError> {
        match std::fs::create_dir_all(dir) {
            Ok(()) => {}
            Err(e) => return Err(io(dir)(e)),
        }
        let lock = LedgerLock::acquire(dir, waiting)?;
        check_empty(dir)?;
        prepare(dir)?;
        let tmp = fsx::tmp_path(dir, LOG_FILE);
        let log = dir.join(LOG_FILE);
        let _ = std::fs::remove_file(&tmp);
        let written = (|| {
            let mut f = fsx::create_new(&tmp)?;
            fill(&mut f, &tmp)?;
            fsx::fsync(&f, &tmp)?;
            fsx::rename(&tmp, &log)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        if let Err(e) = fsx::sync_dir(dir) {
            let _ = std::fs::remove_file(&log);
            return Err(e);
        }
        Ok(lock)
    }

    /// Keeps this ledger for a run of appends (the server's writer): the whole plan stays in
    /// memory between them; each append fsyncs only its journal record, and the log and the
    /// plan state are made durable by [`DirLedger::settle`]. Sound because the lock, held
    /// throughout, keeps other writers out, and the journal keeps every batch until then.
    pub fn hold(&mut self) {
        self.held = true;
    }

    /// Makes the log durable, then saves the positions and flushes the plan state stored
    /// since the last settle (derived data: losing it costs a catch-up, never an entry).
    pub fn settle(&mut self) -> Result<(), StoreError> {
        // The log first: derived data must never be durable ahead of it.
        self.log.settle()?;
        self.positions.save()?;
        self.state_current()?;
        if std::mem::take(&mut self.unflushed) {
            self.state.flush()?;
        }
        Ok(())
    }

    /// Stores the plan state a held ledger put off, from its whole plan; without one (an
    /// append failed after taking it), folds the log into the state from the state's mark.
    fn state_current(&mut self) -> Result<(), StoreError> {
        let (Some(deferred), Some(head)) = (self.deferred.take(), self.head) else {
            return Ok(());
        };
        let Some(whole) = self.whole.as_mut() else {
            return self.catch_up();
        };
        match self.state.store_unflushed(whole, head, &deferred.changed) {
            Ok(()) => {
                self.unflushed = true;
                Ok(())
            }
            Err(e) => {
                self.deferred = Some(deferred);
                Err(e)
            }
        }
    }

    /// Takes `plan` as the held whole plan if it is the plan at the head (the server's kept
    /// plan, when the log has not moved since), so the next commit need not load it.
    pub fn keep_whole(&mut self, plan: Plan) {
        if !self.held || plan.head != self.head.map(|c| (c.seq, c.hash)) {
            return;
        }
        let Ok(count) = u32::try_from(plan.actions.len()) else {
            return;
        };
        if self.head.is_some() && !self.state.load_for(&[]).is_ok_and(|p| p.count == count) {
            return;
        }
        // The state numbers actions in the order they were added, as the plan lists them.
        self.whole = Some(PartialPlan {
            plan,
            orders: (0..count).collect(),
            count,
        });
    }

    /// The whole plan at the head, when a held ledger has it in memory.
    pub fn whole_plan(&self) -> Option<&Plan> {
        self.whole.as_ref().map(|p| &p.plan)
    }

    /// The directory this ledger lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the entry log.
    pub fn log_path(&self) -> &Path {
        self.log.path()
    }

    /// Where reads of the log stop (past the last whole entry).
    pub fn readable(&self) -> u64 {
        self.log.end().readable
    }

    /// The last entry (that verifies, as far as catching up read).
    pub fn head(&self) -> Option<Covered> {
        self.head
    }

    /// Entry positions and the Merkle tree, covering every entry up to the head.
    pub fn positions(&self) -> &Positions {
        &self.positions
    }

    /// Repairs made on open (interrupted appends, rebuilt derived data), for the user.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// Why appends are refused, if the log past the derived data did not verify.
    pub fn damage(&self) -> Option<&str> {
        self.damage.as_deref()
    }

    /// `read` of the plan state; if the state opened but does not read back (a damaged
    /// record), it is rebuilt from the log and read again, as an append would.
    fn read_state<T>(
        &mut self,
        read: impl Fn(&StateDb) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.state_current()?;
        match read(&self.state) {
            Err(StoreError::Index(e)) => {
                self.rebuild_state(&e.to_string())?;
                read(&self.state)
            }
            result => result,
        }
    }

    /// The whole plan at the head, from the state database.
    pub fn plan(&mut self) -> Result<Plan, StoreError> {
        if self.head.is_none() {
            return Ok(Plan::new());
        }
        Ok(self.read_state(StateDb::load_all)?.plan)
    }

    /// Whether an action has exactly this id.
    pub fn has_action(&mut self, id: &str) -> Result<bool, StoreError> {
        match self.head {
            None => Ok(false),
            Some(_) => self.read_state(|s| s.has_action(id)),
        }
    }

    /// Every action id, in the plan's order, without loading the actions.
    pub fn action_ids(&mut self) -> Result<Vec<String>, StoreError> {
        match self.head {
            None => Ok(Vec::new()),
            Some(_) => self.read_state(StateDb::action_ids),
        }
    }

    /// The plan at the head without its actions (title, scale, areas, reviews, keys,
    /// evidence, imports): cheap at any size, for commands that only look those up.
    pub fn header(&mut self) -> Result<Plan, StoreError> {
        if self.head.is_none() {
            return Ok(Plan::new());
        }
        Ok(self.read_state(|s| s.load_for(&[]))?.plan)
    }

    /// The plan at the head with only the actions `events` name loaded: enough to check
    /// those events' rules, at the cost of those actions, not the whole plan.
    pub fn plan_for(&mut self, events: &[Event]) -> Result<Plan, StoreError> {
        if self.head.is_none() {
            return Ok(Plan::new());
        }
        Ok(self.read_state(|s| s.load_for(events))?.plan)
    }

    /// The plan at the head with only the actions `ids` loaded.
    pub fn plan_with(&mut self, ids: &[&str]) -> Result<Plan, StoreError> {
        if self.head.is_none() {
            return Ok(Plan::new());
        }
        Ok(self.read_state(|s| s.load_actions(ids))?.plan)
    }

    /// Refuses unless the head is entry `expected` (0: an empty ledger): `--if-head`.
    pub fn require_head(&self, expected: Option<u64>) -> Result<(), StoreError> {
        let actual = self.head.map_or(0, |c| c.seq.0);
        match expected {
            Some(e) if e != actual => Err(StoreError::HeadMoved {
                expected: e,
                actual,
            }),
            _ => Ok(()),
        }
    }

    /// Entry `seq`, read through the positions.
    pub fn entry_at(&self, seq: Seq) -> Result<Option<Entry>, StoreError> {
        match self.line_at(seq)? {
            None => Ok(None),
            Some(line) => Entry::decode(&line)
                .map(Some)
                .map_err(|source| StoreError::Line {
                    path: self.log.path().to_path_buf(),
                    line: seq.0,
                    source,
                }),
        }
    }

    /// Validates, seals and durably appends `events` as one batch.
    pub fn append(
        &mut self,
        actor: &str,
        clock: &dyn Clock,
        events: Vec<Event>,
    ) -> Result<Appended, StoreError> {
        self.writable()?;
        self.state_current()?;
        let mut partial = match self.load_for(&events) {
            Ok(p) => p,
            // Derived data that opened but does not read back: rebuild it, then go on.
            Err(StoreError::Index(e)) => {
                self.rebuild_state(&e.to_string())?;
                self.load_for(&events)?
            }
            Err(e) => return Err(e),
        };
        let now = clock.now();
        let batch = match seal_batch(&partial.plan, actor, now, events.clone()) {
            Ok(b) => b,
            // A refusal lists what the plan holds: decide again on the whole plan.
            Err(BatchError::Rule { .. }) if partial.orders.len() < partial.count as usize => {
                partial = self.state.load_all()?;
                seal_batch(&partial.plan, actor, now, events)?
            }
            Err(e) => return Err(e.into()),
        };
        let mut appended = self.write_batch(&mut partial, batch)?;
        let mut warnings = std::mem::take(&mut self.warnings);
        warnings.append(&mut appended.warnings);
        appended.warnings = warnings;
        Ok(appended)
    }

    /// Group commit: each group (an actor and its events, one request of a shared writer)
    /// is validated after the groups accepted before it; the accepted ones are written as
    /// one batch with one fsync. Each group gets its own entries or its own refusal.
    pub fn append_groups(
        &mut self,
        clock: &dyn Clock,
        groups: Vec<Group>,
    ) -> Result<GroupCommit, StoreError> {
        self.writable()?;
        if self.whole.is_none() {
            self.state_current()?;
        }
        let cached = self.whole.take();
        let mut partial = match cached.map_or_else(|| self.state.load_all(), Ok) {
            Ok(p) if self.head.is_some() => p,
            Ok(_) => PartialPlan::empty(),
            Err(StoreError::Index(e)) => {
                self.rebuild_state(&e.to_string())?;
                self.state.load_all()?
            }
            Err(e) => return Err(e),
        };
        let now = clock.now();
        let mut plan = std::mem::take(&mut partial.plan);
        let mut outcomes = Vec::with_capacity(groups.len());
        let (mut entries, mut bytes, mut line_lengths) = (Vec::new(), Vec::new(), Vec::new());
        for group in groups {
            let head = plan.head.map_or(0, |(s, _)| s.0);
            if let Some(expected) = group.if_head.filter(|&h| h != head) {
                outcomes.push(Err(StoreError::HeadMoved {
                    expected,
                    actual: head,
                }));
                continue;
            }
            let mut events = group.events;
            // One event (a status, the usual request) folds into the plan in place; a
            // longer group works on a copy, so a refusal part-way leaves no trace.
            let sealed = match (events.pop(), events.is_empty()) {
                (Some(event), true) => {
                    seal_one_into(&mut plan, &group.actor, now, event).map(|(entry, line)| {
                        SealedBatch {
                            line_lengths: vec![line.len() + 1],
                            bytes: [line.as_slice(), b"\n"].concat(),
                            entries: vec![entry],
                            plan: Plan::default(),
                        }
                    })
                }
                (last, _) => {
                    events.extend(last);
                    seal_batch(&plan, &group.actor, now, events).map(|mut sealed| {
                        plan = std::mem::take(&mut sealed.plan);
                        sealed
                    })
                }
            };
            match sealed {
                Ok(sealed) => {
                    outcomes.push(Ok(sealed.entries.len()));
                    entries.extend(sealed.entries);
                    bytes.extend_from_slice(&sealed.bytes);
                    line_lengths.extend(sealed.line_lengths);
                }
                Err(e) => outcomes.push(Err(e.into())),
            }
        }
        let appended = if entries.is_empty() {
            partial.plan = plan;
            Appended {
                entries: Vec::new(),
                warnings: std::mem::take(&mut self.warnings),
            }
        } else {
            let batch = SealedBatch {
                entries,
                bytes,
                line_lengths,
                plan,
            };
            let mut appended = self.write_batch(&mut partial, batch)?;
            let mut warnings = std::mem::take(&mut self.warnings);
            warnings.append(&mut appended.warnings);
            appended.warnings = warnings;
            appended
        };
        // Kept only when it is the whole plan and the derived data took it (a failed save
        // leaves the next append to load it again).
        let keep = self.held
            && self.head.is_some()
            && appended.warnings.is_empty()
            && partial.orders.len() == partial.count as usize;
        self.whole = Some(partial);
        let mut appended = appended;
        if !keep {
            // The state put off is stored from this plan before it goes.
            if let Err(e) = self.state_current() {
                appended.warnings.push(format!(
                    "the append is saved, but derived data could not be updated ({e}); it catches up next time"
                ));
            }
            self.whole = None;
        }
        Ok(GroupCommit { outcomes, appended })
    }

    /// Refuses to append to a log that ends in unexplained bytes or did not verify.
    fn writable(&self) -> Result<(), StoreError> {
        if let Some(damage) = &self.damage {
            return Err(StoreError::Damaged(damage.clone()));
        }
        if let Tail::Unexplained { start, len } = self.log.end().tail {
            return Err(StoreError::UnexplainedTail {
                path: self.log.path().to_path_buf(),
                start,
                len,
            });
        }
        Ok(())
    }

    /// Clears the plan state and folds the whole log into it again.
    fn rebuild_state(&mut self, why: &str) -> Result<(), StoreError> {
        self.state.clear()?;
        self.rebuilt.push(format!("plan state: {why}"));
        self.catch_up()?;
        let why = std::mem::take(&mut self.rebuilt).join("; ");
        self.warnings
            .push(format!("rebuilt derived data from the log ({why})"));
        Ok(())
    }

    /// The plan state an append of `events` needs.
    fn load_for(&self, events: &[Event]) -> Result<PartialPlan, StoreError> {
        match self.head {
            None => Ok(PartialPlan::empty()),
            Some(_) => self.state.load_for(events),
        }
    }

    /// Writes a sealed batch, then brings the derived data along.
    fn write_batch(
        &mut self,
        partial: &mut PartialPlan,
        batch: SealedBatch,
    ) -> Result<Appended, StoreError> {
        let written = match self.held {
            true => self.log.append_held(&batch.bytes)?,
            false => self.log.append(&batch.bytes)?,
        };
        let mut warnings = Vec::new();
        if written.journal_left {
            warnings.push("the append is saved, but its journal could not be cleared (harmless: it is recognised as done)".to_string());
        }
        Ok(self.record(partial, batch, written.start, warnings))
    }

    /// Brings the derived data along after a batch was durably written at `start`.
    fn record(
        &mut self,
        partial: &mut PartialPlan,
        batch: SealedBatch,
        start: u64,
        mut warnings: Vec<String>,
    ) -> Appended {
        let mut offset = start;
        let mut at = 0usize;
        for (entry, len) in batch.entries.iter().zip(&batch.line_lengths) {
            let line = &batch.bytes[at..at + len - 1];
            self.positions.push(entry.seq, entry.hash, offset, line);
            offset += *len as u64;
            at += len;
        }
        self.head = self.positions.last();
        partial.plan = batch.plan;
        let changed = Changed::by(&batch.entries);
        if let Err(e) = self.save_derived(partial, changed, batch.entries.len()) {
            warnings.push(format!(
                "the append is saved, but derived data could not be updated ({e}); it catches up next time"
            ));
        }
        Appended {
            entries: batch.entries,
            warnings,
        }
    }

    /// Saves positions and state after the head (of the plan's actions, those `changed` by
    /// the last `changed_entries` entries), and a snapshot when one is due.
    fn save_derived(
        &mut self,
        partial: &mut PartialPlan,
        changed: Changed,
        changed_entries: usize,
    ) -> Result<(), StoreError> {
        // A held ledger saves its positions when it settles: their mark is a file replaced
        // whole (an fsync and a rename), which cost a commit as much as its journal record.
        // Readers meanwhile find the entries past the mark in the log, as after any append.
        if !self.held {
            self.positions.save()?;
        } else if self.positions.unsaved() >= HELD_POSITIONS_MAX {
            // Writes that never pause would keep them all in memory: settle now and then.
            self.log.settle()?;
            self.positions.save()?;
        }
        let Some(head) = self.head else {
            return Ok(());
        };
        if self.held {
            let deferred = match self.deferred.take() {
                Some(mut d) => {
                    d.changed.merge(changed);
                    d.entries += changed_entries;
                    d
                }
                None => Deferred {
                    changed,
                    entries: changed_entries,
                },
            };
            if deferred.entries >= HELD_POSITIONS_MAX {
                if let Err(e) = self.state.store_unflushed(partial, head, &deferred.changed) {
                    self.deferred = Some(deferred);
                    return Err(e);
                }
                self.unflushed = true;
            } else {
                self.deferred = Some(deferred);
            }
        } else {
            self.state.store(partial, head, &changed)?;
        }
        let newest = match self.newest_snapshot {
            Some(known) => known,
            None => *self.newest_snapshot.insert(snapshot::newest(&self.dir)?),
        };
        if snapshot::due(head.seq.0, newest) {
            self.newest_snapshot = None;
            if partial.orders.len() == partial.count as usize {
                snapshot::write(&self.dir, &mut partial.plan, head.offset)?;
            } else {
                snapshot::write(&self.dir, &mut self.state.load_all()?.plan, head.offset)?;
            }
        }
        Ok(())
    }

    /// Brings positions and plan state up to the end of the log, verifying the chain from
    /// where they stood (or from entry 1, for whatever was rebuilt).
    fn catch_up(&mut self) -> Result<(), StoreError> {
        self.newest_snapshot = None;
        let state_mark = match self.state.mark()? {
            Some(c) if self.mark_holds(c)? => Some(c),
            Some(_) => {
                self.rebuilt
                    .push("plan state: it does not describe this log".into());
                self.state.clear()?;
                None
            }
            None => None,
        };
        let pos_mark = self.positions.last();
        // Resume from the earlier of the two marks; the other part skips what it has.
        let from = match (state_mark, pos_mark) {
            (Some(s), Some(p)) => Some(if s.seq <= p.seq { s } else { p }),
            _ => None,
        };
        let (start, mut verifier) = match from {
            Some(c) => {
                let line =
                    line_at(self.log.path(), c.offset, self.readable())?.ok_or_else(|| {
                        StoreError::Damaged("the derived data's mark vanished".into())
                    })?;
                let v = ChainVerifier::after_line(&line).ok_or_else(|| {
                    StoreError::Damaged("the derived data's mark is not an entry".into())
                })?;
                (c.offset + line.len() as u64 + 1, v)
            }
            None => (0, ChainVerifier::new()),
        };
        if state_mark.is_none() {
            self.state.clear()?;
        }
        // A plan folded from these very bytes saves decoding and folding them again; only a
        // catch-up from the first entry can use it.
        let known = self
            .known
            .take()
            .filter(|_| from.is_none() && state_mark.is_none());
        // Positions made as this process wrote the log: no need to read it back; the head
        // and length are still checked against the plan and the file below.
        // They were saved as they were made: used only if what was just opened is them.
        let opened = (self.positions.size(), self.positions.last());
        let written = self
            .written
            .take()
            .filter(|w| known.is_some() && opened == (w.size(), w.last()));
        let mut partial = match state_mark {
            Some(_) => None,
            None => Some(PartialPlan::empty()),
        };
        self.head = from;
        let trusted = written.is_some();
        let first = verifier.next_seq().0;
        let mut reader = match written {
            Some(p) => {
                self.positions = p;
                self.head = self.positions.last();
                None
            }
            None => {
                Some(LineReader::open(self.log.path(), start, first)?.with_limit(self.readable()))
            }
        };
        let mut folded = 0usize;
        while let Some(line) = match &mut reader {
            Some(r) => r.next_line()?,
            None => None,
        } {
            let checked = verifier
                .check_stored(line.bytes)
                .map_err(|e| e.to_string())
                .and_then(|f| match known {
                    Some(_) => Ok((f, None)),
                    None => Entry::decode(line.bytes)
                        .map(|e| (f, Some(e)))
                        .map_err(|e| format!("entry {}: {e}", line.number)),
                });
            let (facts, entry) = match checked {
                Ok(x) => x,
                Err(reason) => {
                    self.damage_at = Some(line.offset);
                    self.damage = Some(format!(
                        "{reason} (byte {} of {}); run `readiness verify` for details and `readiness repair` to set aside an unfinished tail",
                        line.offset,
                        self.log.path().display()
                    ));
                    break;
                }
            };
            if facts.seq.0 > self.positions.size() {
                self.positions
                    .push(facts.seq, facts.hash, line.offset, line.bytes);
            }
            let state_behind = state_mark.is_none_or(|m| facts.seq > m.seq);
            if let (true, Some(entry)) = (state_behind, entry) {
                let p = match &mut partial {
                    Some(p) => p,
                    None => partial.insert(self.state.load_all()?),
                };
                p.plan.apply_owned(entry);
            }
            self.head = Some(Covered {
                seq: facts.seq,
                hash: facts.hash,
                offset: line.offset,
            });
            folded += 1;
            if folded.is_multiple_of(CATCH_UP_CHUNK) {
                self.positions.save()?;
            }
        }
        self.positions.save()?;
        if let Some(plan) = known {
            let log_head = self.head.map(|c| (c.seq, c.hash));
            let short = trusted && self.positions.end() != self.readable();
            if plan.head != log_head || self.damage.is_some() || short {
                // Not the bytes that were folded: leave the state empty; the next open
                // builds it from the log itself.
                if trusted {
                    // Positions of bytes that are not the log's: not to be opened again.
                    Positions::forget(&self.dir);
                }
                return Err(StoreError::Damaged(
                    "the log written is not the one verified (did the file change while it was read?)"
                        .into(),
                ));
            }
            partial = Some(PartialPlan {
                plan,
                orders: Vec::new(),
                count: 0,
            });
        }
        if let (Some(p), Some(head)) = (&mut partial, self.head) {
            self.state.store(p, head, &Changed::Every)?;
        }
        if let Some(head) = self.head {
            let mut newest = snapshot::newest(&self.dir)?;
            if let Some((seq, _)) = newest {
                if !snapshot::header_holds(&self.dir, self.log.path(), self.readable(), seq)? {
                    newest = None;
                }
            }
            let stale = newest.is_none() && snapshot::newest(&self.dir)?.is_some();
            if stale || snapshot::due(head.seq.0, newest) {
                let mut plan = match partial {
                    Some(p) if p.orders.len() == p.count as usize => p.plan,
                    _ => self.state.load_all()?.plan,
                };
                snapshot::write(&self.dir, &mut plan, head.offset)?;
            }
        }
        Ok(())
    }

    /// True when the log's line at the mark's offset is the entry the mark names.
    fn mark_holds(&self, c: Covered) -> Result<bool, StoreError> {
        let line = line_at(self.log.path(), c.offset, self.readable())?;
        Ok(line
            .as_deref()
            .and_then(crate::chain::stored_facts)
            .is_some_and(|f| f.seq == c.seq && f.hash == c.hash))
    }

    /// Drops all derived data and rebuilds it from the log.
    pub fn reindex(self) -> Result<DirLedger, StoreError> {
        let dir = self.dir.clone();
        let DirLedger {
            _lock: lock, state, ..
        } = self;
        drop(state);
        let derived = dir.join(DERIVED_DIR);
        fsx::no_symlink(&derived)?;
        if derived.exists() {
            std::fs::remove_dir_all(&derived).map_err(io(&derived))?;
        }
        DirLedger::open_locked(&dir, lock)
    }

    /// Reads entry `seq`'s stored line (without its newline), through the positions; the
    /// line read must carry that seq.
    pub fn line_at(&self, seq: Seq) -> Result<Option<Vec<u8>>, StoreError> {
        read_entry_line(&self.positions, self.log.path(), self.readable(), seq)
    }
}

/// Entry `seq`'s line, found through `positions`; an error if the line there is another.
pub fn read_entry_line(
    positions: &Positions,
    log: &Path,
    limit: u64,
    seq: Seq,
) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(offset) = positions.offset_of(seq)? else {
        return Ok(None);
    };
    let line = line_at(log, offset, limit)?;
    match line {
        Some(l) if crate::chain::stored_facts(&l).is_some_and(|f| f.seq == seq) => Ok(Some(l)),
        _ => Err(StoreError::Damaged(format!(
            "the stored position of entry {seq} does not point at it; run `readiness reindex`"
        ))),
    }
}

/// What a creation left: the head, and warnings (derived data it could not build).
#[derive(Debug, Clone)]
pub struct Created {
    pub head: Option<Covered>,
    /// The last entry written, as the creation folded it: known even when the derived
    /// data (and so `head`) could not be built.
    pub last: Option<(Seq, EntryHash)>,
    pub warnings: Vec<String>,
}

/// The warning for a new ledger whose derived data could not be built yet.
fn derived_failed(e: &StoreError) -> String {
    format!("the ledger is created, but its derived data could not be built ({e}); the next command builds it")
}

/// Where a streamed creation saves positions until its log is renamed into place.
const CREATING_DIR: &str = ".creating";

/// Refuses a directory that holds anything but a lock file (and our own leftovers).
fn check_empty(dir: &Path) -> Result<(), StoreError> {
    if std::fs::symlink_metadata(dir.join(LOG_FILE)).is_ok() {
        return Err(StoreError::AlreadyExists(dir.to_path_buf()));
    }
    let tmp = fsx::tmp_path(dir, LOG_FILE);
    // A restore killed while copying evidence leaves content-addressed files: harmless, and
    // the rerun stores each once.
    let evidence = dir.join(super::evidence::EVIDENCE_DIR);
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        if path == dir.join(super::lock::LOCK_FILE) || path == tmp || path == evidence {
            continue;
        }
        if path == dir.join(CREATING_DIR) {
            // A creation killed before its log was in place: its positions go with it.
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
            continue;
        }
        return Err(StoreError::NotALedger {
            path: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// What `repair` found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// The log ends with a whole entry: nothing to do.
    Clean,
    /// Bytes from `start` were moved to `saved` and cut from the log.
    Cut {
        start: u64,
        len: u64,
        saved: PathBuf,
    },
}

/// Folder inside a ledger directory where `repair` keeps what it cuts.
pub const REPAIRS_DIR: &str = "repairs";

impl DirLedger {
    /// Sets aside what follows the last entry that verifies, if it is an unfinished tail:
    /// an incomplete last line, or lines that are not entries at all. Refuses when entries
    /// follow a damaged one (that is tampering or corruption, not an unfinished append).
    pub fn repair(self, stamp: &str) -> Result<(DirLedger, Repair), StoreError> {
        let start = match (self.damage_at, &self.log.end().tail) {
            (Some(at), _) => at,
            (None, Tail::Unexplained { start, .. }) => *start,
            (None, _) => return Ok((self, Repair::Clean)),
        };
        let path = self.log.path().to_path_buf();
        let end = self.log.end().len;
        let file = fsx::open_read(&path)?;
        let mut rest = vec![0u8; (end - start) as usize];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut rest, start).map_err(io(&path))?;
        if let Some(line) = rest
            .split(|b| *b == b'\n')
            .find(|l| crate::chain::stored_facts(l).is_some())
        {
            let seq = crate::chain::stored_facts(line).map_or(0, |f| f.seq.0);
            return Err(StoreError::Damaged(format!(
                "what follows byte {start} of {} includes entry-shaped lines (entry {seq}): this is damage or tampering, not an unfinished append, and repair will not cut it. Run `readiness verify` to see the first bad entry, and restore from an export",
                path.display()
            )));
        }
        let dir = self.dir.join(REPAIRS_DIR);
        fsx::ensure_dir(&dir)?;
        let name = format!("{stamp}-byte-{start}.tail");
        fsx::write_atomic(&dir, &name, &rest)?;
        let log = fsx::open_rw(&path, false)?;
        fsx::truncate(&log, &path, start)?;
        fsx::fsync(&log, &path)?;
        drop(log);
        let saved = dir.join(name);
        let DirLedger {
            _lock: lock,
            state,
            log: entry_log,
            dir: ledger_dir,
            ..
        } = self;
        drop(state);
        drop(entry_log);
        let reopened = DirLedger::open_locked(&ledger_dir, lock)?;
        Ok((
            reopened,
            Repair::Cut {
                start,
                len: end - start,
                saved,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::test_events::{area, created};
    use chrono::TimeZone;

    /// A new ledger of [`crate::test_events::small_plan`] in `tmp`, and the clock it used.
    fn small_ledger(tmp: &Path) -> (PathBuf, FixedClock) {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap());
        let dir = tmp.join("l");
        let events = crate::test_events::small_plan();
        DirLedger::create(&dir, "me", &clock, events, &mut || {}).unwrap();
        (dir, clock)
    }

    #[test]
    fn a_group_commit_writes_the_accepted_groups_and_refuses_each_other_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap());
        let dir = tmp.path().join("l");
        DirLedger::create(&dir, "me", &clock, vec![created()], &mut || {}).unwrap();
        let mut ledger = DirLedger::open(&dir, &mut || {}).unwrap();
        let group = |actor: &str, events, if_head| Group {
            actor: actor.into(),
            events,
            if_head,
        };
        let done = ledger
            .append_groups(
                &clock,
                vec![
                    group("a", vec![area("1")], Some(1)),
                    group("b", vec![area("1")], None),
                    group("c", vec![area("2")], Some(1)),
                    group("d", vec![area("3"), area("4")], Some(2)),
                ],
            )
            .unwrap();
        let kinds: Vec<String> = done
            .outcomes
            .iter()
            .map(|o| match o {
                Ok(n) => format!("ok {n}"),
                Err(StoreError::HeadMoved { .. }) => "moved".into(),
                Err(StoreError::Batch(_)) => "refused".into(),
                Err(e) => format!("{e}"),
            })
            .collect();
        assert_eq!(kinds, ["ok 1", "refused", "moved", "ok 2"]);
        let actors: Vec<&str> = done
            .appended
            .entries
            .iter()
            .map(|e| e.actor.as_str())
            .collect();
        assert_eq!(actors, ["a", "d", "d"]);
        drop(ledger);
        let plan = DirLedger::open(&dir, &mut || {}).unwrap().plan().unwrap();
        assert_eq!(plan.len(), 4);
        assert_eq!(plan.areas.len(), 3);
    }

    #[test]
    fn a_held_ledger_takes_a_kept_plan_only_if_it_is_the_plan_at_the_head() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, clock) = small_ledger(tmp.path());
        let mut ledger = DirLedger::open(&dir, &mut || {}).unwrap();
        let head = ledger.plan().unwrap();
        ledger.hold();
        let mut older = head.clone();
        older.head = None;
        ledger.keep_whole(older);
        assert!(ledger.whole_plan().is_none(), "not the head's plan");
        ledger.keep_whole(head.clone());
        assert_eq!(ledger.whole_plan(), Some(&head));
        // The kept plan is used for the next commit and stored as the log says.
        let groups = vec![Group {
            actor: "me".into(),
            events: vec![crate::test_events::area("2")],
            if_head: None,
        }];
        ledger.append_groups(&clock, groups).unwrap();
        ledger.settle().unwrap();
        let held = ledger.whole_plan().unwrap().clone();
        drop(ledger);
        assert_eq!(
            DirLedger::open(&dir, &mut || {}).unwrap().plan().unwrap(),
            held
        );
    }

    #[test]
    fn a_held_ledger_loses_no_commit_when_the_log_loses_its_unsynced_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap());
        let dir = tmp.path().join("l");
        DirLedger::create(&dir, "me", &clock, vec![created()], &mut || {}).unwrap();
        let before = std::fs::metadata(dir.join(LOG_FILE)).unwrap().len() as usize;
        let mut ledger = DirLedger::open(&dir, &mut || {}).unwrap();
        ledger.hold();
        for id in ["1", "2", "3"] {
            let group = Group {
                actor: "a".into(),
                events: vec![area(id)],
                if_head: None,
            };
            let done = ledger.append_groups(&clock, vec![group]).unwrap();
            assert!(done.outcomes[0].is_ok());
        }
        assert_eq!(ledger.whole_plan().unwrap().areas.len(), 3);
        // What a power cut could leave: the journal (fsynced per commit) whole, the log
        // (not yet fsynced) cut inside the first commit's line.
        let journal = std::fs::read(dir.join(super::super::journal::JOURNAL_FILE)).unwrap();
        let log = std::fs::read(dir.join(LOG_FILE)).unwrap();
        assert!(
            !journal.is_empty(),
            "a held ledger keeps its commits journalled"
        );
        let cut = tmp.path().join("cut");
        std::fs::create_dir(&cut).unwrap();
        std::fs::write(cut.join(LOG_FILE), &log[..before + 10]).unwrap();
        std::fs::write(cut.join(super::super::journal::JOURNAL_FILE), &journal).unwrap();
        ledger.settle().unwrap();
        assert!(std::fs::read(dir.join(super::super::journal::JOURNAL_FILE))
            .unwrap()
            .is_empty());
        drop(ledger);
        let mut reopened = DirLedger::open(&cut, &mut || {}).unwrap();
        let warnings = reopened.take_warnings().join("; ");
        assert!(warnings.contains("completed an append"), "{warnings}");
        assert_eq!(reopened.plan().unwrap().areas.len(), 3);
        assert_eq!(std::fs::read(cut.join(LOG_FILE)).unwrap(), log);
    }

    #[test]
    fn a_held_ledger_stores_what_each_commit_changed_and_reopens_to_the_same_plan() {
        use crate::event::{ActionAdded, ReviewRescheduled, StatusRecorded};
        let tmp = tempfile::tempdir().unwrap();
        let (dir, clock) = small_ledger(tmp.path());
        let action = |id: &str| {
            Event::ActionAdded(ActionAdded {
                id: id.into(),
                area: "1".into(),
                action: "Do it".into(),
                ..Default::default()
            })
        };
        let status = |id: &str, review: &str, status: &str| {
            Event::StatusRecorded(StatusRecorded {
                action: id.into(),
                review: review.into(),
                status: status.into(),
                note: None,
            })
        };
        let rename = Event::ReviewRescheduled(ReviewRescheduled {
            label: "R1".into(),
            new_label: Some("R1 moved".into()),
            date: None,
            reason: "moved".into(),
        });
        let commits = vec![
            vec![action("1.2"), action("1.3")],
            vec![status("1.1", "R1", "Completed")],
            vec![status("1.3", "R2", "Embedded")],
            vec![action("1.4"), status("1.4", "R1", "Completed")],
            vec![status("1.2", "R1", "Completed")],
            // Moves statuses in every action: every action is stored again.
            vec![rename],
            vec![status("1.1", "R2", "Completed")],
        ];
        let mut ledger = DirLedger::open(&dir, &mut || {}).unwrap();
        ledger.hold();
        for events in commits {
            let group = Group {
                actor: "a".into(),
                events,
                if_head: None,
            };
            let done = ledger.append_groups(&clock, vec![group]).unwrap();
            assert!(done.outcomes[0].is_ok(), "{:?}", done.outcomes);
            assert!(done.appended.warnings.is_empty());
        }
        let held = ledger.whole_plan().unwrap().clone();
        assert_eq!(held.actions.len(), 4);
        assert_eq!(ledger.plan().unwrap(), held);
        ledger.settle().unwrap();
        drop(ledger);
        let mut reopened = DirLedger::open(&dir, &mut || {}).unwrap();
        assert!(reopened.warnings.is_empty(), "{:?}", reopened.warnings);
        let stored = reopened.plan().unwrap();
        assert_eq!(stored, held);
        let moved = |id: &str| stored.action(id).unwrap().statuses.contains_key("R1 moved");
        assert!(moved("1.1") && moved("1.2") && moved("1.4") && !moved("1.3"));
    }

    #[test]
    fn a_held_ledger_puts_off_its_plan_state_and_nothing_reads_it_stale() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, clock) = small_ledger(tmp.path());
        let mut ledger = DirLedger::open(&dir, &mut || {}).unwrap();
        let stored_at = ledger.state.mark().unwrap();
        ledger.hold();
        let commit = |ledger: &mut DirLedger, id: &str| {
            let group = Group {
                actor: "a".into(),
                events: vec![area(id)],
                if_head: None,
            };
            let done = ledger.append_groups(&clock, vec![group]).unwrap();
            assert!(done.outcomes[0].is_ok() && done.appended.warnings.is_empty());
        };
        for id in ["2", "3"] {
            commit(&mut ledger, id);
        }
        assert_eq!(
            ledger.state.mark().unwrap(),
            stored_at,
            "not stored per commit"
        );
        let held = ledger.whole_plan().unwrap().clone();
        // A commit that loses the whole plan (as a failed append does): the state is
        // folded from the log before anything reads it.
        ledger.whole = None;
        assert_eq!(ledger.plan().unwrap(), held);
        commit(&mut ledger, "4");
        let held = ledger.whole_plan().unwrap().clone();
        // A crash before settling: the state's mark is behind, and opening catches up.
        drop(ledger);
        let mut reopened = DirLedger::open(&dir, &mut || {}).unwrap();
        assert_eq!(reopened.plan().unwrap(), held);
        assert_eq!(
            reopened.state.mark().unwrap().map(|c| c.seq),
            held.head.map(|(s, _)| s)
        );
    }

    #[test]
    fn a_streamed_creations_positions_made_as_written_are_the_logs() {
        let tmp = tempfile::tempdir().unwrap();
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap());
        // More than one writer chunk (1 MB) of lines.
        let n = 6_000;
        let events = std::iter::once(created()).chain((1..=n).map(|i| area(&i.to_string())));
        let dir = tmp.path().join("streamed");
        let made = DirLedger::create_streamed(
            &dir,
            "me",
            &clock,
            Stream {
                total: n + 1,
                events: Box::new(events),
                on_entry: &mut |_: &Entry| {},
            },
            &mut || {},
        )
        .unwrap();
        assert!(made.warnings.is_empty(), "{:?}", made.warnings);
        let log = dir.join(LOG_FILE);
        let len = std::fs::metadata(&log).unwrap().len();
        assert!(len > 1 << 20, "{len}");
        let scanned = Positions::scan(&log, len).unwrap();
        let mut opened = DirLedger::open(&dir, &mut || {}).unwrap();
        assert!(opened.warnings.is_empty(), "{:?}", opened.warnings);
        assert_eq!(opened.positions().size(), n as u64 + 1);
        assert_eq!(opened.positions().root(), scanned.root());
        assert_eq!(opened.positions().last(), scanned.last());
        for seq in [1, 2, 3_000, n as u64, n as u64 + 1] {
            assert_eq!(
                opened.positions().offset_of(Seq(seq)).unwrap(),
                scanned.offset_of(Seq(seq)).unwrap()
            );
        }
        assert_eq!(opened.plan().unwrap().areas.len(), n);
    }

    #[test]
    fn a_streamed_creation_writes_what_a_batch_would_and_a_refusal_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap());
        let events = || vec![created(), area("1"), area("2")];
        let batch = tmp.path().join("batch");
        DirLedger::create(&batch, "me", &clock, events(), &mut || {}).unwrap();
        let streamed = tmp.path().join("streamed");
        let mut seen = Vec::new();
        let made = DirLedger::create_streamed(
            &streamed,
            "me",
            &clock,
            Stream {
                total: 3,
                events: Box::new(events().into_iter()),
                on_entry: &mut |e: &Entry| seen.push(e.seq.0),
            },
            &mut || {},
        )
        .unwrap();
        assert!(made.warnings.is_empty(), "{:?}", made.warnings);
        assert_eq!(seen, [1, 2, 3]);
        assert_eq!(
            std::fs::read(streamed.join(LOG_FILE)).unwrap(),
            std::fs::read(batch.join(LOG_FILE)).unwrap()
        );
        // The positions, saved part way as they were made, are the ones a batch writes.
        for name in ["offsets", "positions.mark", "merkle/01"] {
            let read = |ledger: &Path| std::fs::read(ledger.join(DERIVED_DIR).join(name)).unwrap();
            assert_eq!(read(&streamed), read(&batch), "{name}");
        }
        let mut opened = DirLedger::open(&streamed, &mut || {}).unwrap();
        assert!(opened.warnings.is_empty(), "{:?}", opened.warnings);
        assert_eq!(opened.plan().unwrap().areas.len(), 2);
        // The third event is refused after two were written: no ledger, no directory.
        let refused = tmp.path().join("refused");
        let err = DirLedger::create_streamed(
            &refused,
            "me",
            &clock,
            Stream {
                total: 3,
                events: Box::new(vec![created(), area("1"), area("1")].into_iter()),
                on_entry: &mut |_: &Entry| {},
            },
            &mut || {},
        )
        .unwrap_err();
        assert!(matches!(err, StoreError::Batch(_)), "{err:?}");
        assert!(!refused.exists());
    }

    /// A log made elsewhere, and the plan folded from it.
    fn made() -> (tempfile::TempDir, Vec<u8>, Plan) {
        let tmp = tempfile::tempdir().unwrap();
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap());
        let src = tmp.path().join("src");
        DirLedger::create(&src, "me", &clock, vec![created(), area("1")], &mut || {}).unwrap();
        let bytes = std::fs::read(src.join(LOG_FILE)).unwrap();
        let plan = DirLedger::open(&src, &mut || {}).unwrap().plan().unwrap();
        (tmp, bytes, plan)
    }

    /// Creates `copy` beside the original from its bytes, handing over `known`.
    fn copy_with(tmp: &tempfile::TempDir, bytes: &[u8], known: Plan) -> (PathBuf, Created) {
        let dir = tmp.path().join("copy");
        let created = DirLedger::create_from(
            &dir,
            &mut || {},
            |_| Ok(()),
            |f, _| std::io::Write::write_all(f, bytes).map_err(io(&dir)),
            Some(known),
        )
        .unwrap();
        (dir, created)
    }

    #[test]
    fn a_known_plan_that_is_the_logs_becomes_its_state() {
        let (tmp, bytes, plan) = made();
        let (dir, created) = copy_with(&tmp, &bytes, plan.clone());
        assert!(created.warnings.is_empty(), "{:?}", created.warnings);
        let mut opened = DirLedger::open(&dir, &mut || {}).unwrap();
        assert!(opened.warnings.is_empty(), "{:?}", opened.warnings);
        assert_eq!(opened.plan().unwrap(), plan);
    }

    #[test]
    fn a_known_plan_of_other_bytes_is_not_trusted() {
        let (tmp, bytes, _) = made();
        let (dir, created) = copy_with(&tmp, &bytes, Plan::new());
        assert_eq!(created.warnings.len(), 1, "{:?}", created.warnings);
        assert!(created.warnings[0].contains("not the one verified"));
        // The next open builds the state from the log itself.
        let plan = DirLedger::open(&dir, &mut || {}).unwrap().plan().unwrap();
        assert_eq!(plan.areas.len(), 1);
        assert_eq!(plan.len(), 2);
    }
}
