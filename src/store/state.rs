//! The plan state at the head, kept in sled for the writer's keyed lookups (derived).
//!
//! An append loads only what its rules need: the plan's header (everything but the actions)
//! and the actions its events name, so one status costs the same at any ledger size. sled
//! takes an exclusive lock on its folder, so only the process holding the ledger's `LOCK`
//! opens it; readers use snapshots. If sled fails to open, or disagrees with the log, the
//! folder is deleted and rebuilt: it never holds anything the log does not.
//!
//! One sled tree, so that every update is one atomic batch (a crash leaves the state before
//! or after it, never between): `m/mark` (the last entry folded in), `m/header` (the plan
//! without actions), `m/count` (actions so far), `i/<id>` (action id -> order), `a/<order>`
//! (order, big-endian -> action, in [`codec`] form).

use std::path::{Path, PathBuf};

use crate::entry::{Entry, EntryHash, Seq};
use crate::event::Event;
use crate::plan::{Action, Plan};

use super::codec;
use super::error::{io, StoreError};
use super::fsx;
use super::positions::{Covered, DERIVED_DIR};

const STATE_DIR: &str = "state";
const MARK: &[u8] = b"m/mark";
const HEADER: &[u8] = b"m/header";
const COUNT: &[u8] = b"m/count";
const ID: &[u8] = b"i/";
const ACTION: &[u8] = b"a/";
/// Bytes of encoded actions per sled batch when a state is written from nothing.
const STORE_CHUNK: usize = 4 << 20;

fn key(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
    [prefix, rest].concat()
}

/// The open sled database.
pub struct StateDb {
    db: sled::Db,
    tree: sled::Tree,
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
    Actions(Vec<String>),
}

impl Changed {
    /// What folding `entries` can have changed: the actions they name, or every action when
    /// one renames a review (its statuses move in every action), as [`StateDb::load_for`]
    /// decides what to load.
    pub fn by(entries: &[Entry]) -> Changed {
        let mut ids: Vec<String> = Vec::new();
        for entry in entries {
            if matches!(&entry.event, Event::ReviewRescheduled(r) if r.new_label.is_some()) {
                return Changed::Every;
            }
            if let Some(id) = entry.event.action_id() {
                if !ids.iter().any(|i| i == id) {
                    ids.push(id.to_string());
                }
            }
        }
        Changed::Actions(ids)
    }

    fn includes(&self, id: &str) -> bool {
        match self {
            Changed::Every => true,
            Changed::Actions(ids) => ids.iter().any(|i| i == id),
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
        match StateDb::open_sled(&dir) {
            Ok(db) => Ok((db, None)),
            Err(e) => {
                std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
                let db = StateDb::open_sled(&dir).map_err(sled_error)?;
                Ok((db, Some(format!("it could not be opened ({e})"))))
            }
        }
    }

    fn open_sled(dir: &Path) -> Result<StateDb, sled::Error> {
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
        Ok(StateDb {
            tree: db.open_tree("state")?,
            db,
        })
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
        let raw = self
            .tree
            .get(HEADER)
            .map_err(sled_error)?
            .ok_or_else(|| corrupt("no header"))?;
        let plan: Plan = serde_json::from_slice(&raw).map_err(|e| corrupt(&e.to_string()))?;
        let count = match self.tree.get(COUNT).map_err(sled_error)? {
            Some(c) => u32::from_le_bytes(c.as_ref().try_into().map_err(|_| corrupt("count"))?),
            None => 0,
        };
        Ok((plan, count))
    }

    fn action(&self, order: u32) -> Result<Action, StoreError> {
        let raw = self
            .tree
            .get(key(ACTION, &order.to_be_bytes()))
            .map_err(sled_error)?
            .ok_or_else(|| corrupt("missing action"))?;
        codec::decode_action(&raw).map_err(|e| corrupt(&e.to_string()))
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
        for kv in self.tree.scan_prefix(ACTION) {
            let (k, v) = kv.map_err(sled_error)?;
            let order =
                u32::from_be_bytes(k[ACTION.len()..].try_into().map_err(|_| corrupt("key"))?);
            plan.actions
                .push(codec::decode_action(&v).map_err(|e| corrupt(&e.to_string()))?);
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
        &self,
        p: &mut PartialPlan,
        covered: Covered,
        changed: &Changed,
    ) -> Result<(), StoreError> {
        self.store_unflushed(p, covered, changed)?;
        self.flush()
    }

    /// Makes every store so far durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        fsx::fault(fsx::Op::Fsync).map_err(io(self.path()))?;
        self.db.flush().map_err(sled_error)?;
        Ok(())
    }

    /// Stores `p` as [`StateDb::store`] does, without waiting for the disk: a crash may lose
    /// it, and the next open then catches up from the older mark (the log holds the truth).
    ///
    /// Into a state with no mark (new, or cleared for a rebuild) the actions go in batches of
    /// about [`STORE_CHUNK`] bytes, the mark last: a crash between them leaves actions with
    /// no mark, which the next open clears and rebuilds, and a million statuses are never
    /// encoded all at once.
    pub fn store_unflushed(
        &self,
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
        &self,
        p: &mut PartialPlan,
        covered: Covered,
        changed: &Changed,
    ) -> Result<u32, StoreError> {
        let fresh = p.orders.is_empty() && self.tree.get(MARK).map_err(sled_error)?.is_none();
        let mut batch = sled::Batch::default();
        let mut batched = 0usize;
        let mut count = p.count;
        for (i, action) in p.plan.actions.iter_mut().enumerate() {
            let order = match p.orders.get(i) {
                Some(o) if changed.includes(&action.fields.id) => *o,
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
            batch.insert(key(ACTION, &order.to_be_bytes()), encoded);
            if fresh && batched >= STORE_CHUNK {
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
        let mut mark = Vec::with_capacity(48);
        mark.extend_from_slice(&covered.seq.0.to_le_bytes());
        mark.extend_from_slice(&covered.hash.0);
        mark.extend_from_slice(&covered.offset.to_le_bytes());
        batch.insert(HEADER, header);
        batch.insert(COUNT, &count.to_le_bytes());
        batch.insert(MARK, mark);
        fsx::fault(fsx::Op::Write).map_err(io(self.path()))?;
        // One batch on one tree: sled applies it atomically.
        self.tree.apply_batch(batch).map_err(sled_error)?;
        Ok(count)
    }

    /// Forgets everything, for a rebuild from the log.
    pub fn clear(&self) -> Result<(), StoreError> {
        self.tree.clear().map_err(sled_error)?;
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
