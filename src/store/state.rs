//! The plan state at the head, kept for the writer's keyed lookups (derived).
//!
//! An append loads only what its rules need: the plan's header (everything but the actions)
//! and the actions its events name, so one status costs the same at any ledger size. sled
//! takes an exclusive lock on its folder, so only the process holding the ledger's `LOCK`
//! opens it; readers use snapshots. If sled fails to open, or disagrees with the log, the
//! folder is deleted and rebuilt: it never holds anything the log does not.
//!
//! One sled tree, so that every update is one atomic batch (a crash leaves the state before
//! or after it, never between): `m/mark` (the last entry folded in), `m/header` (the plan
//! without actions: the place of its record in the actions file), `m/count` (actions so far), `m/format`, `m/file` and `m/end` (the
//! actions file's id and length when the batch was written), `m/dead` (bytes of records no
//! longer pointed at), `i/<id>` (action id -> order), `a/<order>` (order, big-endian -> the
//! place and checksum of the action's record in the actions file, [`super::state_file`]). The
//! records are written before the batch that points at them, and each is checked against
//! its checksum when read: a record lost or damaged is found, and the state rebuilt.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::entry::{Entry, EntryHash, Seq};
use crate::event::Event;
use crate::plan::{Action, Plan};

use super::codec;
use super::error::{io, StoreError};
use super::fsx;
use super::positions::{Covered, DERIVED_DIR};
use super::state_file::{ActionFile, Loc, RecordError, FILE_HEAD};

const STATE_DIR: &str = "state";
const MARK: &[u8] = b"m/mark";
const HEADER: &[u8] = b"m/header";
const COUNT: &[u8] = b"m/count";
const FORMAT: &[u8] = b"m/format";
const FILE: &[u8] = b"m/file";
const END: &[u8] = b"m/end";
const DEAD: &[u8] = b"m/dead";
/// The layout described above; a database without it is of an older one (actions inside
/// sled) and is replaced whole, since sled never gives back the space they took.
const LAYOUT: &[u8] = b"2";
/// Dead record bytes below which the actions file is not compacted, however few are live.
const MIN_COMPACT: u64 = 1 << 20;
const ID: &[u8] = b"i/";
const ACTION: &[u8] = b"a/";
/// Bytes of encoded actions per sled batch when a state is written from nothing.
const STORE_CHUNK: usize = 4 << 20;

fn key(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
    [prefix, rest].concat()
}

/// The open sled database and actions file.
pub struct StateDb {
    db: sled::Db,
    tree: sled::Tree,
    actions: ActionFile,
    /// Set when a compaction replaced the actions file but the database could not be
    /// pointed at it: nothing is read or stored until [`StateDb::clear`].
    stale: bool,
}

/// A plan with only some of its actions loaded, and where each of them is stored.
pub struct PartialPlan {
    pub plan: Plan,
    /// Order of each loaded action (parallel to the first `orders.len()` of `plan.actions`);
    /// actions after them were added since loading.
    pub orders: Vec<u32>,
    /// Actions in the whole plan when loaded.
    pub count: u32,
}

/// Which of a loaded plan's actions a store writes back (actions added since loading are
/// always written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// Every loaded action: the plan was folded from entries not looked at one by one.
    Every,
    /// Only the actions with these ids: a long-lived writer holds the whole plan, and
    /// encoding all of it for each commit would make a commit cost the plan's size.
    Actions(BTreeSet<String>),
}

impl Changed {
    /// What folding `entries` can have changed: the actions they name, or every action when
    /// one renames a review (its statuses move in every action), as [`StateDb::load_for`]
    /// decides what to load.
    pub fn by(entries: &[Entry]) -> Changed {
        let mut ids = BTreeSet::new();
        for entry in entries {
            if matches!(&entry.event, Event::ReviewRescheduled(r) if r.new_label.is_some()) {
                return Changed::Every;
            }
            if let Some(id) = entry.event.action_id() {
                if !ids.contains(id) {
                    ids.insert(id.to_string());
                }
            }
        }
        Changed::Actions(ids)
    }

    /// What this and `later` changed together: a store of both at once writes the same
    /// actions as the two stores one after the other.
    pub fn merge(&mut self, later: Changed) {
        match (&mut *self, later) {
            (Changed::Every, _) => {}
            (_, Changed::Every) => *self = Changed::Every,
            (Changed::Actions(mine), Changed::Actions(theirs)) => mine.extend(theirs),
        }
    }

    fn includes(&self, id: &str) -> bool {
        match self {
            Changed::Every => true,
            Changed::Actions(ids) => ids.contains(id),
        }
    }
}

/// An action's order, as stored under its id key.
fn order_of(raw: &[u8]) -> Result<u32, StoreError> {
    Ok(u32::from_be_bytes(
        raw.try_into().map_err(|_| corrupt("id"))?,
    ))
}

fn sled_error(e: sled::Error) -> StoreError {
    StoreError::Index(e)
}

/// Stands for the header among the actions' orders in a list of records to write (no
/// action has it: orders count up from 0 and stay below `u32::MAX`).
const HEADER_ORDER: u32 = u32::MAX;

/// Points `batch` at the record of action `order` (or of the header) at `loc`.
fn place_key(batch: &mut sled::Batch, order: u32, loc: Loc) {
    match order {
        HEADER_ORDER => batch.insert(HEADER, &loc.encode()),
        o => batch.insert(key(ACTION, &o.to_be_bytes()), &loc.encode()),
    }
}

fn record_error(e: RecordError) -> StoreError {
    match e {
        RecordError::Store(e) => e,
        e => corrupt(&e.to_string()),
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Index(sled::Error::Unsupported(format!(
        "it holds something unreadable ({what}); `readiness reindex` rebuilds it from the log"
    )))
}

/// Refuses a symlink anywhere in the sled folder (sled would follow it).
fn check_links(dir: &Path) -> Result<(), StoreError> {
    fsx::no_symlink(dir)?;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        fsx::no_symlink(&path)?;
        if path.is_dir() {
            check_links(&path)?;
        }
    }
    Ok(())
}

impl StateDb {
    /// Folder of the database.
    pub fn dir_of(ledger: &Path) -> PathBuf {
        ledger.join(DERIVED_DIR).join(STATE_DIR)
    }

    /// Opens the state database; if sled cannot open it, deletes and recreates it and says
    /// why (the caller rebuilds it from the log).
    pub fn open(ledger: &Path) -> Result<(StateDb, Option<String>), StoreError> {
        let dir = StateDb::dir_of(ledger);
        fsx::ensure_derived_dir(&ledger.join(DERIVED_DIR))?;
        check_links(&dir)?;
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
            std::fs::remove_file(&dir).map_err(io(&dir))?;
        }
        let (db, mut why) = match StateDb::open_sled(&dir) {
            Ok(db) if StateDb::older_layout(&db.1)? => {
                drop(db);
                std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
                let db = StateDb::open_sled(&dir).map_err(sled_error)?;
                (db, Some("it was of an older layout".to_string()))
            }
            Ok(db) => (db, None),
            Err(e) => {
                std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
                let db = StateDb::open_sled(&dir).map_err(sled_error)?;
                (db, Some(format!("it could not be opened ({e})")))
            }
        };
        let mut state = StateDb {
            db: db.0,
            tree: db.1,
            actions: ActionFile::open(&dir)?,
            stale: false,
        };
        if why.is_none() && state.tree.get(MARK).map_err(sled_error)?.is_some() {
            let file = state.tree.get(FILE).map_err(sled_error)?;
            let end = state.tree.get(END).map_err(sled_error)?;
            let end = end.and_then(|e| Some(u64::from_le_bytes(e.as_ref().try_into().ok()?)));
            let own = file.as_deref() == state.actions.id().as_ref().map(|i| &i[..]);
            if !own || end.is_none_or(|e| state.actions.end() < e) {
                why = Some("its actions file is missing, cut short or not its own".into());
                state.clear()?;
            }
        }
        Ok((state, why))
    }

    /// Whether `tree` holds a state of an older layout (one without a mark is cleared for
    /// a rebuild anyway).
    fn older_layout(tree: &sled::Tree) -> Result<bool, StoreError> {
        let format = tree.get(FORMAT).map_err(sled_error)?;
        Ok(format.as_deref() != Some(LAYOUT) && tree.contains_key(MARK).map_err(sled_error)?)
    }

    fn open_sled(dir: &Path) -> Result<(sled::Db, sled::Tree), sled::Error> {
        let config = sled::Config::new()
            .path(dir)
            .cache_capacity(8 << 20)
            .mode(sled::Mode::LowSpace)
            .segment_size(256 * 1024)
            .flush_every_ms(None);
        // The caller holds the ledger's LOCK, so sled's own lock can only still be held by a
        // database just dropped by the last holder: sled releases it from its background
        // thread after `Drop` returns (sled#1289). Wait for that, boundedly (2 s).
        let mut tries = 0;
        let db = loop {
            match config.open() {
                Err(sled::Error::Io(e))
                    if tries < 400 && e.to_string().starts_with("could not acquire lock") =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                result => break result?,
            }
        };
        let tree = db.open_tree("state")?;
        Ok((db, tree))
    }

    /// The last entry folded in, if any.
    pub fn mark(&self) -> Result<Option<Covered>, StoreError> {
        let Some(raw) = self.tree.get(MARK).map_err(sled_error)? else {
            return Ok(None);
        };
        if raw.len() != 8 + 32 + 8 {
            return Ok(None);
        }
        let word = |i: usize| u64::from_le_bytes(raw[i..i + 8].try_into().unwrap_or_default());
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&raw[8..40]);
        Ok(Some(Covered {
            seq: Seq(word(0)),
            hash: EntryHash(hash),
            offset: word(40),
        }))
    }

    fn header(&self) -> Result<(Plan, u32), StoreError> {
        let loc = self.header_loc()?.ok_or_else(|| corrupt("no header"))?;
        if self.stale {
            return Err(corrupt("its actions file was replaced"));
        }
        let raw = self.actions.read(loc).map_err(record_error)?;
        let plan: Plan = serde_json::from_slice(&raw).map_err(|e| corrupt(&e.to_string()))?;
        let count = match self.tree.get(COUNT).map_err(sled_error)? {
            Some(c) => u32::from_le_bytes(c.as_ref().try_into().map_err(|_| corrupt("count"))?),
            None => 0,
        };
        Ok((plan, count))
    }

    /// Where the header's record is: it changes with every entry, so it lives in the
    /// actions file too, leaving sled an update of a few small keys per store.
    fn header_loc(&self) -> Result<Option<Loc>, StoreError> {
        match self.tree.get(HEADER).map_err(sled_error)? {
            Some(raw) => Loc::decode(&raw)
                .map(Some)
                .ok_or_else(|| corrupt("header place")),
            None => Ok(None),
        }
    }

    fn loc(&self, order: u32) -> Result<Option<Loc>, StoreError> {
        match self
            .tree
            .get(key(ACTION, &order.to_be_bytes()))
            .map_err(sled_error)?
        {
            Some(raw) => Loc::decode(&raw).map(Some).ok_or_else(|| corrupt("place")),
            None => Ok(None),
        }
    }

    fn action(&self, order: u32) -> Result<Action, StoreError> {
        let loc = self.loc(order)?.ok_or_else(|| corrupt("missing action"))?;
        self.read(loc)
    }

    /// The action at `loc` in the actions file, its checksum checked.
    fn read(&self, loc: Loc) -> Result<Action, StoreError> {
        if self.stale {
            return Err(corrupt("its actions file was replaced"));
        }
        let raw = self.actions.read(loc).map_err(record_error)?;
        codec::decode_action(&raw).map_err(|e| corrupt(&e.to_string()))
    }

    /// Every action's order and place, in the plan's order.
    fn locs(&self) -> Result<Vec<(u32, Loc)>, StoreError> {
        let mut locs = Vec::new();
        for kv in self.tree.scan_prefix(ACTION) {
            let (k, v) = kv.map_err(sled_error)?;
            let order =
                u32::from_be_bytes(k[ACTION.len()..].try_into().map_err(|_| corrupt("key"))?);
            locs.push((order, Loc::decode(&v).ok_or_else(|| corrupt("place"))?));
        }
        Ok(locs)
    }

    fn counter(&self, name: &[u8]) -> Result<u64, StoreError> {
        match self.tree.get(name).map_err(sled_error)? {
            Some(c) => Ok(u64::from_le_bytes(
                c.as_ref().try_into().map_err(|_| corrupt("counter"))?,
            )),
            None => Ok(0),
        }
    }

    /// The header and the actions named by `events` (all actions when an event's fold
    /// reaches every action, as a review rename does).
    pub fn load_for(&self, events: &[Event]) -> Result<PartialPlan, StoreError> {
        let every = events
            .iter()
            .any(|e| matches!(e, Event::ReviewRescheduled(r) if r.new_label.is_some()));
        if every {
            return self.load_all();
        }
        let ids: Vec<&str> = events.iter().filter_map(Event::action_id).collect();
        self.load_actions(&ids)
    }

    /// The header and the actions with these ids (those that exist), and for an id with no
    /// exact match, those equal to it ignoring case: the rule against ids differing only in
    /// case needs them.
    pub fn load_actions(&self, ids: &[&str]) -> Result<PartialPlan, StoreError> {
        let (mut plan, count) = self.header()?;
        let mut found: Vec<(u32, String)> = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        for &id in ids {
            if found.iter().any(|(_, f)| f == id) {
                continue;
            }
            match self.tree.get(key(ID, id.as_bytes())).map_err(sled_error)? {
                Some(raw) => found.push((order_of(&raw)?, id.to_string())),
                None => missing.push(crate::names::fold(id)),
            }
        }
        if !missing.is_empty() {
            for kv in self.tree.scan_prefix(ID) {
                let (k, v) = kv.map_err(sled_error)?;
                let id = String::from_utf8_lossy(&k[ID.len()..]).into_owned();
                let order = order_of(&v)?;
                let wanted = missing.contains(&crate::names::fold(&id));
                if wanted && !found.iter().any(|(o, _)| *o == order) {
                    found.push((order, id));
                }
            }
        }
        found.sort_unstable();
        let mut orders = Vec::with_capacity(found.len());
        for (order, _) in found {
            plan.actions.push(self.action(order)?);
            orders.push(order);
        }
        Ok(PartialPlan {
            plan,
            orders,
            count,
        })
    }

    /// Every action id in the plan's order, read from the id keys alone (no action is
    /// decoded).
    pub fn action_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut ids = Vec::new();
        for kv in self.tree.scan_prefix(ID) {
            let (k, v) = kv.map_err(sled_error)?;
            ids.push((
                order_of(&v)?,
                String::from_utf8_lossy(&k[ID.len()..]).into_owned(),
            ));
        }
        ids.sort_unstable();
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    /// Whether an action has exactly this id.
    pub fn has_action(&self, id: &str) -> Result<bool, StoreError> {
        self.tree
            .contains_key(key(ID, id.as_bytes()))
            .map_err(sled_error)
    }

    /// The whole plan.
    pub fn load_all(&self) -> Result<PartialPlan, StoreError> {
        let (mut plan, count) = self.header()?;
        let mut orders = Vec::with_capacity(count as usize);
        for (order, loc) in self.locs()? {
            plan.actions.push(self.read(loc)?);
            orders.push(order);
        }
        if orders.len() != count as usize {
            return Err(corrupt("action count"));
        }
        Ok(PartialPlan {
            plan,
            orders,
            count,
        })
    }

    /// Stores `p` (the loaded actions and any added since) as the state after `covered`,
    /// flushed to disk.
    pub fn store(
        &mut self,
        p: &mut PartialPlan,
        covered: Covered,
        changed: &Changed,
    ) -> Result<(), StoreError> {
        self.store_unflushed(p, covered, changed)?;
        self.flush()
    }

    /// Makes every store so far durable (the records before the database that points at
    /// them), then compacts the actions file if it is more dead than live.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        self.actions.sync()?;
        fsx::fault(fsx::Op::Fsync).map_err(io(self.path()))?;
        self.db.flush().map_err(sled_error)?;
        let dead = self.counter(DEAD)?;
        let live = self.actions.end().saturating_sub(FILE_HEAD + dead);
        if dead > live && dead >= MIN_COMPACT && !self.stale {
            self.compact()?;
        }
        Ok(())
    }

    /// Copies the live records into a new actions file and points the database at them;
    /// derived data then stays within about twice its live size.
    fn compact(&mut self) -> Result<(), StoreError> {
        let mut locs = self.locs()?;
        locs.extend(self.header_loc()?.map(|l| (HEADER_ORDER, l)));
        locs.sort_unstable_by_key(|(_, l)| l.offset);
        let old: Vec<Loc> = locs.iter().map(|(_, l)| *l).collect();
        let replaced = match self.actions.compact(&old) {
            Ok(new) => new,
            Err(e) => {
                self.stale = self.tree.get(FILE).map_err(sled_error)?.as_deref()
                    != self.actions.id().as_ref().map(|i| &i[..]);
                return Err(record_error(e));
            }
        };
        // From here the file is the new one: until the database points into it, nothing
        // may be read through the old places.
        self.stale = true;
        let mut batch = sled::Batch::default();
        for ((order, _), loc) in locs.iter().zip(&replaced) {
            place_key(&mut batch, *order, *loc);
        }
        self.file_keys(&mut batch, 0);
        fsx::fault(fsx::Op::Write).map_err(io(self.path()))?;
        self.tree.apply_batch(batch).map_err(sled_error)?;
        fsx::fault(fsx::Op::Fsync).map_err(io(self.path()))?;
        self.db.flush().map_err(sled_error)?;
        self.stale = false;
        Ok(())
    }

    /// The keys that tie the database to the actions file as it is now.
    fn file_keys(&self, batch: &mut sled::Batch, dead: u64) {
        if let Some(id) = self.actions.id() {
            batch.insert(FILE, &id);
        }
        batch.insert(END, &self.actions.end().to_le_bytes());
        batch.insert(DEAD, &dead.to_le_bytes());
        batch.insert(FORMAT, LAYOUT);
    }

    /// Stores `p` as [`StateDb::store`] does, without waiting for the disk: a crash may lose
    /// it, and the next open then catches up from the older mark (the log holds the truth).
    ///
    /// Into a state with no mark (new, or cleared for a rebuild) the actions go in batches of
    /// about [`STORE_CHUNK`] bytes, the mark last: a crash between them leaves actions with
    /// no mark, which the next open clears and rebuilds, and a million statuses are never
    /// encoded all at once.
    pub fn store_unflushed(
        &mut self,
        p: &mut PartialPlan,
        covered: Covered,
        changed: &Changed,
    ) -> Result<(), StoreError> {
        let loaded = p.orders.len();
        match self.write_batches(p, covered, changed) {
            Ok(count) => {
                // Later stores of the same loaded plan number new actions after these.
                p.count = count;
                Ok(())
            }
            Err(e) => {
                // The new actions were not (all) stored: a later store numbers them again.
                p.orders.truncate(loaded);
                Err(e)
            }
        }
    }

    /// The batches of [`StateDb::store_unflushed`]; pushes the orders given to new actions
    /// and returns the action count after them.
    fn write_batches(
        &mut self,
        p: &mut PartialPlan,
        covered: Covered,
        changed: &Changed,
    ) -> Result<u32, StoreError> {
        if self.stale {
            return Err(corrupt("its actions file was replaced"));
        }
        let fresh = p.orders.is_empty() && self.tree.get(MARK).map_err(sled_error)?.is_none();
        let mut dead = self.counter(DEAD)?;
        let mut batch = sled::Batch::default();
        // Encoded actions waiting for the file, and their orders.
        let mut pending: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut batched = 0usize;
        let mut count = p.count;
        for (i, action) in p.plan.actions.iter_mut().enumerate() {
            let order = match p.orders.get(i) {
                Some(o) if changed.includes(&action.fields.id) => {
                    if let Some(old) = self.loc(*o)? {
                        dead += old.size();
                    }
                    *o
                }
                Some(_) => continue,
                None => {
                    let o = count;
                    batch.insert(key(ID, action.fields.id.as_bytes()), &o.to_be_bytes());
                    count += 1;
                    p.orders.push(o);
                    o
                }
            };
            let encoded = codec::encode_action(action);
            batched += encoded.len();
            pending.push((order, encoded));
            if fresh && batched >= STORE_CHUNK {
                self.place(&mut batch, std::mem::take(&mut pending))?;
                fsx::fault(fsx::Op::Write).map_err(io(self.path()))?;
                self.tree
                    .apply_batch(std::mem::take(&mut batch))
                    .map_err(sled_error)?;
                batched = 0;
            }
        }
        let parked = std::mem::take(&mut p.plan.actions);
        let header = serde_json::to_vec(&p.plan);
        p.plan.actions = parked;
        let header = header.map_err(|e| corrupt(&e.to_string()))?;
        if let Some(old) = self.header_loc()? {
            dead += old.size();
        }
        pending.push((HEADER_ORDER, header));
        self.place(&mut batch, pending)?;
        let mut mark = Vec::with_capacity(48);
        mark.extend_from_slice(&covered.seq.0.to_le_bytes());
        mark.extend_from_slice(&covered.hash.0);
        mark.extend_from_slice(&covered.offset.to_le_bytes());
        batch.insert(COUNT, &count.to_le_bytes());
        batch.insert(MARK, mark);
        self.file_keys(&mut batch, dead);
        fsx::fault(fsx::Op::Write).map_err(io(self.path()))?;
        // One batch on one tree: sled applies it atomically.
        self.tree.apply_batch(batch).map_err(sled_error)?;
        Ok(count)
    }

    /// Appends `pending` actions to the file and points `batch` at them.
    fn place(
        &mut self,
        batch: &mut sled::Batch,
        pending: Vec<(u32, Vec<u8>)>,
    ) -> Result<(), StoreError> {
        let locs = self
            .actions
            .append(pending.iter().map(|(_, a)| a.as_slice()))?;
        for ((order, _), loc) in pending.iter().zip(locs) {
            place_key(batch, *order, loc);
        }
        Ok(())
    }

    /// Forgets everything, for a rebuild from the log: the database first, so that no mark
    /// ever points into the emptied file.
    pub fn clear(&mut self) -> Result<(), StoreError> {
        self.tree.clear().map_err(sled_error)?;
        self.actions.reset()?;
        self.stale = false;
        Ok(())
    }

    fn path(&self) -> PathBuf {
        PathBuf::from(STATE_DIR)
    }
}

impl PartialPlan {
    /// A new, empty plan with nothing stored yet.
    pub fn empty() -> PartialPlan {
        PartialPlan {
            plan: Plan::new(),
            orders: Vec::new(),
            count: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_events::{plan_from, small_plan};

    fn at(seq: u64) -> Covered {
        Covered {
            seq: Seq(seq),
            hash: EntryHash([seq as u8; 32]),
            offset: seq * 100,
        }
    }

    fn stored(ledger: &Path) -> (StateDb, PartialPlan) {
        let (mut db, why) = StateDb::open(ledger).unwrap();
        assert_eq!(why, None);
        let mut p = PartialPlan {
            plan: plan_from(&small_plan()),
            orders: Vec::new(),
            count: 0,
        };
        db.store(&mut p, at(1), &Changed::Every).unwrap();
        (db, p)
    }

    #[test]
    fn merged_changes_cover_both_and_every_action_absorbs_the_rest() {
        let ids = |v: &[&str]| Changed::Actions(v.iter().map(|s| s.to_string()).collect());
        let mut c = ids(&["1.1", "1.2"]);
        c.merge(ids(&["1.2", "2.1"]));
        assert_eq!(c, ids(&["1.1", "1.2", "2.1"]));
        assert!(c.includes("2.1") && !c.includes("3.1"));
        c.merge(Changed::Every);
        assert_eq!(c, Changed::Every);
        c.merge(ids(&["9.9"]));
        assert_eq!(c, Changed::Every);
    }

    #[test]
    fn dead_records_are_compacted_away_and_the_plan_reads_back_the_same() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut db, mut p) = stored(tmp.path());
        let live = db.actions.end();
        let mut seq = 1;
        while db.counter(DEAD).unwrap() <= MIN_COMPACT {
            seq += 1;
            db.store_unflushed(&mut p, at(seq), &Changed::Every)
                .unwrap();
        }
        let before = db.actions.end();
        db.flush().unwrap();
        assert_eq!(db.counter(DEAD).unwrap(), 0);
        assert_eq!(db.actions.end(), live, "only the live records are left");
        assert!(before > 2 * live);
        assert_eq!(db.load_all().unwrap().plan, p.plan);
        drop(db);
        let (db, why) = StateDb::open(tmp.path()).unwrap();
        assert_eq!(why, None);
        assert_eq!(db.mark().unwrap(), Some(at(seq)));
        assert_eq!(db.load_all().unwrap().plan, p.plan);
    }

    #[test]
    fn a_damaged_record_is_an_error_and_a_cut_file_is_found_on_open() {
        let tmp = tempfile::tempdir().unwrap();
        let (db, _) = stored(tmp.path());
        drop(db);
        let path = StateDb::dir_of(tmp.path()).join(crate::store::state_file::ACTIONS_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        std::fs::write(&path, &bytes).unwrap();
        let (db, why) = StateDb::open(tmp.path()).unwrap();
        assert_eq!(why, None, "the file is whole: damage shows when read");
        assert!(matches!(db.load_all(), Err(StoreError::Index(_))));
        drop(db);

        std::fs::write(&path, &bytes[..last]).unwrap();
        let (db, why) = StateDb::open(tmp.path()).unwrap();
        assert!(why.unwrap().contains("cut short"));
        assert_eq!(db.mark().unwrap(), None, "cleared for a rebuild");
    }

    #[test]
    fn a_database_of_the_older_layout_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let (db, _) = stored(tmp.path());
        db.tree.remove(FORMAT).unwrap();
        db.db.flush().unwrap();
        drop(db);
        let (db, why) = StateDb::open(tmp.path()).unwrap();
        assert!(why.unwrap().contains("older layout"));
        assert!(db.tree.is_empty());
    }
}
