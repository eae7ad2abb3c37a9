//! The plan at the log's head, kept between requests: views answer from memory while the
//! log file is unchanged, and the writer brings the kept plan along with each commit. Any
//! other change to the file (a command-line append, a repair) changes its stamp and the
//! plan is read again.
//!
//! The writer copies the plan only when it must: a commit folds its new entries into the
//! kept plan in place when no reader holds it (the usual case: readers hold it only while
//! rendering), and otherwise copies the ledger's plan once, leaving the readers the head
//! they started from. So a commit nobody reads costs what its entries cost, whatever the
//! plan's size, and one that races readers costs at most one copy. (Copying lazily for the
//! first reader instead would make that reader wait for the writer, fsync included.)

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::entry::Entry;
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
    /// the one it holds: no other process can append, and the writer brings the kept plan
    /// to each commit's head before answering it, so the kept plan holds every acknowledged entry
    /// even while the log moves under a commit in flight.
    held: bool,
}

impl Slot {
    /// The kept plan, if it is the writer's (current whatever the log's stamp).
    fn writers(&self) -> Option<Arc<Plan>> {
        match &self.kept {
            Some((_, plan)) if self.held => Some(plan.clone()),
            _ => None,
        }
    }
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
        slot.writers().or_else(|| match &slot.kept {
            Some((s, plan)) if *s == now => Some(plan.clone()),
            _ => None,
        })
    }

    /// The kept plan while the writer holds the ledger: current without a look at the log
    /// (what [`PlanCache::get`] would answer, for the price of no `stat`).
    pub fn held(&self) -> Option<Arc<Plan>> {
        self.slot().writers()
    }

    /// Keeps `plan`, read from disk after the log had stamp `at`, unless the writer's plan
    /// is kept (a read that started before a commit must not replace it).
    pub fn put(&self, at: Stamp, plan: Arc<Plan>) {
        let mut slot = self.slot();
        if !slot.held {
            slot.kept = Some((at, plan));
        }
    }

    /// The writer has just opened the ledger (and holds its lock): the kept plan becomes
    /// the writer's if it is the log's plan now, so its next commit need not copy.
    pub fn adopt(&self, dir: &Path) {
        let now = stamp(dir);
        let mut slot = self.slot();
        if matches!((&slot.kept, now), (Some((s, _)), Some(n)) if *s == n) {
            slot.held = true;
        }
    }

    /// The writer committed `entries`, and `whole` is the plan it holds now: folds them
    /// into the kept plan if it is the writer's and no reader holds it, or else keeps a
    /// copy of `whole`; either way under the log's stamp now, marked held (see
    /// [`Slot::held`]).
    pub fn advance(&self, dir: &Path, entries: &[Entry], whole: &Plan) {
        let Some(now) = stamp(dir) else {
            *self.slot() = Slot::default();
            return;
        };
        let mut slot = self.slot();
        if slot.held {
            if let Some((at, plan)) = &mut slot.kept {
                if let Some(mine) =
                    Arc::get_mut(plan).filter(|p| p.head == head_before(entries, whole))
                {
                    for entry in entries {
                        mine.apply(entry);
                    }
                    debug_assert!(
                        *mine == *whole,
                        "the kept plan went apart from the writer's"
                    );
                    *at = now;
                    return;
                }
            }
        }
        // Readers keep the old head meanwhile; the commit is answered only after this.
        drop(slot);
        let copy = Arc::new(whole.clone());
        let mut slot = self.slot();
        slot.kept = Some((now, copy));
        slot.held = true;
    }
    /// The writer is letting the ledger go (or lost it): from now on the kept plan holds
    /// only while the log keeps its stamp.
    pub fn release(&self) {
        self.slot().held = false;
    }
}

/// The head the writer's plan had before `entries` were folded into it (`whole`).
fn head_before(
    entries: &[Entry],
    whole: &Plan,
) -> Option<(crate::entry::Seq, crate::entry::EntryHash)> {
    match entries.first() {
        None => whole.head,
        Some(first) => (first.seq.0 > 1).then(|| (crate::entry::Seq(first.seq.0 - 1), first.prev)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{seal_batch, SealedBatch};
    use crate::event::{AreaAdded, Event};
    use chrono::TimeZone;

    fn area(id: &str) -> Event {
        Event::AreaAdded(AreaAdded {
            id: id.into(),
            title: "A".into(),
            finding: None,
        })
    }

    /// The next commit's entries and plan, and the log grown as it would be.
    fn commit(dir: &Path, plan: &Plan, events: Vec<Event>) -> SealedBatch {
        let t = chrono::Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap();
        let sealed = seal_batch(plan, "me", t, events).unwrap();
        let mut log = std::fs::read(dir.join(LOG_FILE)).unwrap_or_default();
        log.extend_from_slice(&sealed.bytes);
        std::fs::write(dir.join(LOG_FILE), log).unwrap();
        sealed
    }

    #[test]
    fn a_commit_nobody_reads_does_not_copy_and_one_being_read_copies_once() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = PlanCache::default();
        let c1 = commit(
            tmp.path(),
            &Plan::new(),
            vec![crate::test_events::created()],
        );
        cache.advance(tmp.path(), &c1.entries, &c1.plan);
        let now = || stamp(tmp.path()).unwrap();
        let first = Arc::as_ptr(&cache.get(now()).unwrap());

        // Nobody holds the kept plan: the commit folds into it where it is.
        let c2 = commit(tmp.path(), &c1.plan, vec![area("1")]);
        cache.advance(tmp.path(), &c2.entries, &c2.plan);
        let kept = cache.get(now()).unwrap();
        assert!(std::ptr::eq(Arc::as_ptr(&kept), first));
        assert_eq!(*kept, c2.plan);

        // A reader holds it: the commit copies and leaves the reader its head.
        let c3 = commit(tmp.path(), &c2.plan, vec![area("2")]);
        cache.advance(tmp.path(), &c3.entries, &c3.plan);
        let after = cache.get(now()).unwrap();
        assert!(!Arc::ptr_eq(&after, &kept));
        assert_eq!(*kept, c2.plan);
        assert_eq!(*after, c3.plan);
        drop(after);

        // The reader is done: the next commit folds in place again.
        let c4 = commit(tmp.path(), &c3.plan, vec![area("3")]);
        let before = Arc::as_ptr(&cache.get(now()).unwrap());
        cache.advance(tmp.path(), &c4.entries, &c4.plan);
        let kept = cache.get(now()).unwrap();
        assert!(std::ptr::eq(Arc::as_ptr(&kept), before));
        assert_eq!(*kept, c4.plan);
    }

    #[test]
    fn a_reopened_writer_adopts_the_kept_plan_only_if_the_log_is_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = PlanCache::default();
        let c1 = commit(
            tmp.path(),
            &Plan::new(),
            vec![crate::test_events::created()],
        );
        cache.advance(tmp.path(), &c1.entries, &c1.plan);
        assert_eq!(*cache.held().unwrap(), c1.plan, "the writer's plan, held");
        cache.release();
        assert!(cache.held().is_none(), "let go: only the log's stamp says");
        let kept = Arc::as_ptr(&cache.get(stamp(tmp.path()).unwrap()).unwrap());
        cache.adopt(tmp.path());
        let c2 = commit(tmp.path(), &c1.plan, vec![area("1")]);
        cache.advance(tmp.path(), &c2.entries, &c2.plan);
        assert!(std::ptr::eq(
            Arc::as_ptr(&cache.get(stamp(tmp.path()).unwrap()).unwrap()),
            kept
        ));

        // Someone else appended while the writer was away: its plan is not the log's.
        cache.release();
        let other = commit(tmp.path(), &c2.plan, vec![area("2")]);
        cache.adopt(tmp.path());
        let c3 = commit(tmp.path(), &other.plan, vec![area("3")]);
        cache.advance(tmp.path(), &c3.entries, &c3.plan);
        let now = cache.get(stamp(tmp.path()).unwrap()).unwrap();
        assert_eq!(*now, c3.plan);
        assert!(!std::ptr::eq(Arc::as_ptr(&now), kept));
    }
}
