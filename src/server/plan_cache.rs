//! The plan at the log's head, kept between requests: views answer from memory while the
//! log file is unchanged, and the writer hands over each plan it commits. Any other change
//! to the file (a command-line append, a repair) changes its stamp and the plan is read
//! again.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::plan::Plan;
use crate::store::log::LOG_FILE;

/// What identifies one state of the log file: appends always change its length, and a
/// rewrite changes its inode or change time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    ctime: (i64, i64),
    mtime: (i64, i64),
}

/// The stamp of the log of ledger `dir` now, if it can be read.
pub fn stamp(dir: &Path) -> Option<Stamp> {
    let m = std::fs::symlink_metadata(dir.join(LOG_FILE)).ok()?;
    Some(Stamp {
        dev: m.dev(),
        ino: m.ino(),
        len: m.len(),
        ctime: (m.ctime(), m.ctime_nsec()),
        mtime: (m.mtime(), m.mtime_nsec()),
    })
}

#[derive(Default)]
struct Slot {
    kept: Option<(Stamp, Arc<Plan>)>,
    /// Set while the server's writer holds the ledger (and its lock) and the kept plan is
    /// the one it holds: no other process can append, and the writer hands over each
    /// commit's plan before answering it, so the kept plan holds every acknowledged entry
    /// even while the log moves under a commit in flight.
    held: bool,
}

/// One plan and the stamp of the log it was read from (or at least that recent).
#[derive(Default)]
pub struct PlanCache {
    slot: Mutex<Slot>,
}

impl PlanCache {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kept plan, if it is current: the writer holds the ledger, or the log still has
    /// the stamp `now` the plan was kept under.
    pub fn get(&self, now: Stamp) -> Option<Arc<Plan>> {
        let slot = self.slot();
        match &slot.kept {
            Some((_, plan)) if slot.held => Some(plan.clone()),
            Some((s, plan)) if *s == now => Some(plan.clone()),
            _ => None,
        }
    }

    /// Keeps `plan`, read from disk after the log had stamp `at`, unless the writer's plan
    /// is kept (a read that started before a commit must not replace it).
    pub fn put(&self, at: Stamp, plan: Arc<Plan>) {
        let mut slot = self.slot();
        if !slot.held {
            slot.kept = Some((at, plan));
        }
    }

    /// Keeps a copy of the plan the writer holds, under the log's stamp now, and marks it
    /// held (see [`Slot::held`]).
    pub fn hand_over(&self, dir: &Path, plan: &Plan) {
        let copy = Arc::new(plan.clone());
        let mut slot = self.slot();
        match stamp(dir) {
            Some(now) => {
                slot.kept = Some((now, copy));
                slot.held = true;
            }
            None => *slot = Slot::default(),
        }
    }

    /// The writer is letting the ledger go (or lost it): from now on the kept plan holds
    /// only while the log keeps its stamp.
    pub fn release(&self) {
        self.slot().held = false;
    }
}
