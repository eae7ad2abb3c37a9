//! The byte checks of verify (canonical form, hash, link, seq, time order, no time in the
//! future), and how their lines reach the fold.
//!
//! Every one of them looks at a line and the line before it only, so any thread can run them
//! on any run of lines given the state after the line before. The byte thread runs them on
//! most batches; when the fold is about to run dry it hands the next batch over unchecked and
//! the fold checks it before folding it, so that both cores stay busy whichever stage is
//! slower over a stretch of the log.

use std::ops::ControlFlow;
use std::sync::mpsc;

use crate::canonical_check::StatusSpans;
use crate::chain::{ChainVerifier, LineFacts};
use crate::entry::{EntryHash, Head, Seq};
use crate::store::{EntrySource, StoreError};
use crate::wire::status_from_chained_spans;

use super::{chain_check, ExpectOutcome, VerifyFailure, FUTURE_SKEW_MINUTES};

/// Bytes of lines per batch.
const BATCH_BYTES: usize = 256 * 1024;

/// Batches waiting for the fold at most: 4 MB, so that the byte checks are not held up
/// while the fold works through the slower entries that add areas and actions. (32 was no
/// quicker once the fold kept only what the rules read, and allowed 4 MB more in flight
/// in a run whose fold falls behind; one such run peaked at 49.7 MB at a million statuses.)
pub(super) const QUEUED: usize = 16;

/// The next batch is handed over unchecked when fewer than this many are with the fold
/// (waiting or being folded). At 2 the fold still waited a quarter of the time while the
/// byte thread checked a batch. At 4, verify at a million statuses went from 1.93x to 1.61x
/// openssl's time in alternated runs; 6 was no quicker (BENCHMARKS.md, "Twelfth round").
const HAND_OVER_BELOW: usize = 4;

/// Lines handed from the byte checks to the fold, a batch at a time.
pub(super) struct Batch {
    /// Checked lines, one after another (each proved UTF-8 by the canonical check).
    pub text: String,
    /// Lines not checked yet, one after another: the fold checks them with `unchecked`.
    pub raw: Vec<u8>,
    /// The byte checks' state after the line before this batch, when the fold is to run them.
    pub unchecked: Option<LineChecks>,
    pub lines: Vec<BatchLine>,
}

/// Where a line of a [`Batch`] ends, and what the byte checks already read from it.
pub(super) struct BatchLine {
    pub end: usize,
    pub number: u64,
    /// A plain status line's members, found by the canonical check and accepted by
    /// [`status_from_chained_spans`]: the fold reads them without decoding the line.
    pub status: Option<(StatusSpans, EntryHash)>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            text: String::with_capacity(BATCH_BYTES + 4096),
            raw: Vec::new(),
            unchecked: None,
            lines: Vec::new(),
        }
    }

    /// Empties the batch for use again, keeping its memory (in `text`).
    pub fn clear(&mut self) {
        self.text.clear();
        self.raw.clear();
        if self.raw.capacity() > self.text.capacity() {
            // Empty, so always UTF-8.
            self.text = String::from_utf8(std::mem::take(&mut self.raw)).unwrap_or_default();
        }
        self.unchecked = None;
        self.lines.clear();
    }

    /// Makes this empty batch one the fold checks, starting from `checks`.
    fn hand_over(&mut self, checks: LineChecks) {
        self.raw = std::mem::take(&mut self.text).into_bytes();
        self.unchecked = Some(checks);
    }

    fn len(&self) -> usize {
        self.text.len() + self.raw.len()
    }
}

/// The byte checks' state: where the chain stands, and the latest time allowed.
#[derive(Clone)]
pub(super) struct LineChecks {
    chain: ChainVerifier,
    not_after: Option<String>,
}

/// What a line that passed the byte checks gave.
pub(super) struct Passed<'l> {
    pub text: &'l str,
    pub status: Option<(StatusSpans, EntryHash)>,
    pub facts: LineFacts,
}

impl LineChecks {
    pub fn new(not_after: Option<String>) -> LineChecks {
        LineChecks {
            chain: ChainVerifier::new(),
            not_after,
        }
    }

    /// Runs every byte check on the next line.
    pub fn check<'l>(&mut self, bytes: &'l [u8], number: u64) -> Result<Passed<'l>, VerifyFailure> {
        let seq = self.chain.next_seq();
        let fail = |check: &'static str, reason: String| VerifyFailure {
            seq: seq.0,
            line: number,
            check,
            reason,
        };
        let (text, spans) = crate::canonical_check::check_line(bytes)
            .map_err(|e| fail("canonical form", format!("entry {seq}: {e}")))?;
        let checked = match &spans {
            Some(at) => self
                .chain
                .check_spans(bytes, at.seq, at.hash, at.prev, at.recorded_at),
            None => self.chain.check_stored(bytes),
        };
        let facts = checked.map_err(|e| fail(chain_check(&e), e.to_string()))?;
        if let Some(limit) = &self.not_after {
            if self.chain.last_time()[..] > *limit.as_bytes() {
                let time = String::from_utf8_lossy(self.chain.last_time()).into_owned();
                return Err(fail(
                    "not in the future",
                    format!("entry {seq}: recorded_at {time} is in the future (more than {FUTURE_SKEW_MINUTES} minutes ahead of this machine's clock): a wrong clock or a forgery"),
                ));
            }
        }
        let status = spans
            .filter(|at| status_from_chained_spans(text, at, facts.hash).is_some())
            .map(|at| (at, facts.hash));
        Ok(Passed {
            text,
            status,
            facts,
        })
    }
}

/// What the byte checks found.
#[derive(Default)]
pub(super) struct Checked {
    pub entries: u64,
    /// The last entry that passed them (or was handed to the fold to check).
    pub head: Option<Head>,
    pub failure: Option<VerifyFailure>,
    pub expect: Option<ExpectOutcome>,
    /// The seq of an entry with the expected hash at another place than expected.
    pub expected_hash_at: Option<u64>,
}

impl Checked {
    /// Notes `facts`, a line that passed, against the entry looked for.
    fn passed(&mut self, facts: LineFacts, expect: Option<(Seq, EntryHash)>) {
        let seq = facts.seq;
        self.head = Some(Head {
            seq: seq.0,
            hash: facts.hash,
        });
        self.entries = seq.0;
        let Some((want_seq, want_hash)) = expect else {
            return;
        };
        if want_seq != seq && want_hash == facts.hash {
            self.expected_hash_at = Some(seq.0);
        }
        if want_seq == seq {
            self.expect = Some(if want_hash == facts.hash {
                ExpectOutcome::Found {
                    seq: seq.0,
                    hash: facts.hash.to_hex(),
                }
            } else {
                ExpectOutcome::Differs {
                    seq: seq.0,
                    expected: want_hash.to_hex(),
                    found: facts.hash.to_hex(),
                    found_at: None,
                }
            });
        }
    }
}

/// The two ends of the batch traffic, seen from the byte thread.
pub(super) struct ToFold {
    pub tx: mpsc::SyncSender<Batch>,
    /// Batches the fold is done with, for use again.
    pub spent: mpsc::Receiver<Batch>,
}

/// Checks the lines of `source` (or hands them over to the fold to check); good lines go on
/// to the fold. With `expect`, every line is checked here: each one's hash is compared.
pub(super) fn check_bytes(
    source: &dyn EntrySource,
    not_after: Option<String>,
    expect: Option<(Seq, EntryHash)>,
    to_fold: ToFold,
) -> Result<Checked, StoreError> {
    let mut checks = LineChecks::new(not_after);
    let mut out = Checked::default();
    let (mut sent, mut returned) = (0usize, 0usize);
    let mut spare: Vec<Batch> = Vec::new();
    let mut batch = Batch::new();
    let mut fold_gone = false;
    source.scan(&mut |line| {
        if batch.lines.is_empty() && expect.is_none() {
            for b in to_fold.spent.try_iter() {
                returned += 1;
                spare.push(b);
            }
            if sent - returned < HAND_OVER_BELOW {
                batch.hand_over(checks.clone());
            }
        }
        if batch.unchecked.is_some() {
            batch.raw.extend_from_slice(line.bytes);
            batch.lines.push(BatchLine {
                end: batch.raw.len(),
                number: line.number,
                status: None,
            });
        } else {
            let passed = match checks.check(line.bytes, line.number) {
                Ok(p) => p,
                Err(failure) => {
                    out.failure = Some(failure);
                    return Ok(ControlFlow::Break(()));
                }
            };
            out.passed(passed.facts, expect);
            batch.text.push_str(passed.text);
            batch.lines.push(BatchLine {
                end: batch.text.len(),
                number: line.number,
                status: passed.status,
            });
        }
        if batch.len() < BATCH_BYTES {
            return Ok(ControlFlow::Continue(()));
        }
        if batch.unchecked.is_some() {
            // Carry on after the batch as its lines say; the fold proves them, and a failure
            // it finds comes before anything found here.
            match ChainVerifier::after_line(line.bytes) {
                Some(chain) => {
                    checks.chain = chain;
                    out.passed(
                        LineFacts {
                            seq: Seq(checks.chain.next_seq().0 - 1),
                            hash: checks.chain.head_hash(),
                        },
                        None,
                    );
                }
                None => fold_gone = true,
            }
        }
        let next = spare.pop().unwrap_or_else(Batch::new);
        let full = std::mem::replace(&mut batch, next);
        sent += 1;
        if to_fold.tx.send(full).is_err() || fold_gone {
            // The fold stopped at a failure of its own, or will stop in the batch just sent:
            // nothing later matters.
            fold_gone = true;
            return Ok(ControlFlow::Break(()));
        }
        Ok(ControlFlow::Continue(()))
    })?;
    if !fold_gone && !batch.lines.is_empty() {
        if batch.unchecked.is_some() {
            if let Some(chain) = batch_end(&batch) {
                out.passed(chain, None);
            }
        }
        let _ = to_fold.tx.send(batch);
    }
    Ok(out)
}

/// The seq and stored hash of an unchecked batch's last line.
fn batch_end(batch: &Batch) -> Option<LineFacts> {
    let last = batch.lines.last()?;
    let start = match batch.lines.len() {
        1 => 0,
        n => batch.lines[n - 2].end,
    };
    crate::chain::stored_facts(&batch.raw[start..last.end])
}

#[cfg(test)]
mod tests {
    use super::super::{verify, verify_keeping_plan, VerifyOptions};
    use crate::clock::FixedClock;
    use crate::event::*;
    use crate::store::MemoryLog;
    use crate::test_events::{area, created, review};
    use chrono::TimeZone;

    /// A log of several batches: statuses with notes long enough to fill them.
    fn long_log(statuses: usize) -> MemoryLog {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut log = MemoryLog::new();
        let mut setup = vec![created(), area("1"), review("R", "2020-05-31")];
        for id in ["1.1", "1.2", "1.3"] {
            setup.push(Event::ActionAdded(ActionAdded {
                id: id.into(),
                area: "1".into(),
                action: "do".into(),
                ..Default::default()
            }));
        }
        log.append("a", &clock, setup).unwrap();
        let statuses = (0..statuses).map(|i| {
            Event::StatusRecorded(StatusRecorded {
                action: format!("1.{}", i % 3 + 1),
                review: "R".into(),
                status: ["Completed", "Embedded", "Not started"][i % 3].into(),
                note: Some(format!("{i:0>200}")),
            })
        });
        log.append("b", &clock, statuses.collect()).unwrap();
        log
    }

    /// Whichever thread runs the byte checks on a batch, the first bad entry is the one
    /// named, and everything before it is reported good.
    #[test]
    fn the_first_bad_entry_is_named_whichever_thread_checks_it() {
        let log = long_log(4_000);
        let lines = log.to_jsonl().len();
        assert!(lines > 4 * 256 * 1024, "several batches: {lines} bytes");
        let (r, plan) = verify_keeping_plan(&log, VerifyOptions::default()).unwrap();
        assert!(r.ok(), "{r:?}");
        assert_eq!(r.entries, 4_006);
        assert_eq!(plan.as_ref(), Some(log.plan()));
        for at in [0usize, 5, 800, 1_700, 2_600, 3_333, 4_005] {
            let mut bad = long_log(4_000);
            let line = &mut bad.lines_mut()[at];
            let middle = line.len() / 2;
            line[middle] = if line[middle] == b'7' { b'8' } else { b'7' };
            let r = verify(&bad, VerifyOptions::default()).unwrap();
            let failure = r.failure.clone().expect("a failure");
            assert_eq!(failure.seq, at as u64 + 1, "{failure:?}");
            assert_eq!(r.entries, at as u64);
            assert_eq!(r.head.map(|h| h.seq), (at > 0).then_some(at as u64));
        }
        // A line gone from the middle: the next one is out of place.
        let mut gap = long_log(4_000);
        gap.lines_mut().remove(2_000);
        let r = verify(&gap, VerifyOptions::default()).unwrap();
        assert_eq!(r.failure.map(|f| (f.seq, f.check)), Some((2_001, "seq")));
    }
}
