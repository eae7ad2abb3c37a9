//! How far a verification has got, for a display while it runs (the dashboard's "N of M
//! entries checked"): a shared counter of the entries whose bytes were checked so far.
//! It wraps the source rather than reaching into verify's stages, which stay as they are.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::store::{EntrySource, StoreError};

use super::{verify, VerifyOptions, VerifyReport};

/// Entries checked so far; read it from any thread while verify runs.
pub type Progress = Arc<AtomicU64>;

/// Lines counted before the shared counter is told: keeps the count off the hot path.
const STEP: u64 = 1024;

/// [`verify`], adding each entry to `progress` as the pass over the log reaches it.
pub fn verify_counting(
    source: &dyn EntrySource,
    options: VerifyOptions,
    progress: &Progress,
) -> Result<VerifyReport, StoreError> {
    let counted = Counted {
        inner: source,
        progress,
        first: AtomicBool::new(true),
    };
    verify(&counted, options)
}

/// An [`EntrySource`] that counts the lines of its first scan (verify's main pass, a block
/// at a time; a second, short pass for sign-off heads reads some lines again).
struct Counted<'a> {
    inner: &'a dyn EntrySource,
    progress: &'a Progress,
    first: AtomicBool,
}

impl EntrySource for Counted<'_> {
    fn scan(&self, visit: &mut crate::store::source::LineVisitor<'_>) -> Result<(), StoreError> {
        if !self.first.swap(false, Ordering::Relaxed) {
            return self.inner.scan(visit);
        }
        let mut pending = 0u64;
        let result = self.inner.scan(&mut |line| {
            let flow = visit(line)?;
            if flow == ControlFlow::Continue(()) {
                pending += 1;
                if pending == STEP {
                    self.progress.fetch_add(pending, Ordering::Relaxed);
                    pending = 0;
                }
            }
            Ok(flow)
        });
        self.progress.fetch_add(pending, Ordering::Relaxed);
        result
    }

    fn scan_blocks(
        &self,
        size: usize,
        visit: &mut crate::store::blocks::BlockVisitor<'_>,
    ) -> Result<(), StoreError> {
        if !self.first.swap(false, Ordering::Relaxed) {
            return self.inner.scan_blocks(size, visit);
        }
        self.inner.scan_blocks(size, &mut |block| {
            let lines = crate::store::blocks::block_lines(block).count() as u64;
            let flow = visit(block)?;
            if flow == ControlFlow::Continue(()) {
                self.progress.fetch_add(lines, Ordering::Relaxed);
            }
            Ok(flow)
        })
    }

    fn name(&self) -> String {
        self.inner.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::store::MemoryLog;
    use crate::test_events::{area, created};
    use chrono::TimeZone;

    #[test]
    fn counts_each_entry_once() {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut log = MemoryLog::new();
        let mut events = vec![created()];
        events.extend((1..2500).map(|i| area(&i.to_string())));
        log.append("a", &clock, events).unwrap();
        let progress = Progress::default();
        let report = verify_counting(&log, VerifyOptions::default(), &progress).unwrap();
        assert!(report.ok(), "{report:?}");
        assert_eq!(report.entries, 2500);
        assert_eq!(progress.load(Ordering::Relaxed), 2500);
    }
}
