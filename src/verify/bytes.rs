//! The byte checks of verify (canonical form, hash, link, seq, time order, no time in the
//! future), and how their lines reach the fold.
//!
//! Every one of them looks at a line and the line before it only, so any thread can run them
//! on any run of lines given the state after the line before. The log is read a block of
//! whole lines at a time, and the block itself becomes the batch the fold reads: lines are
//! checked where they lie, never copied. The byte thread checks most batches; when the fold
//! is about to run dry it hands the next block over unchecked and the fold checks it before
//! folding it, so that both cores stay busy whichever stage is slower over a stretch of the
//! log.

use std::ops::ControlFlow;
use std::sync::mpsc;

use crate::canonical_check::StatusSpans;
use crate::chain::{ChainVerifier, LineFacts};
use crate::entry::{EntryHash, Head, Seq};
use crate::store::blocks::block_lines;
use crate::store::{EntrySource, StoreError};
use crate::wire::status_from_chained_spans;

use super::{chain_check, ExpectOutcome, VerifyFailure, FUTURE_SKEW_MINUTES};

/// Bytes of lines per batch: the size of the blocks read from the log.
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

/// Lines handed from the byte checks to the fold, a block at a time.
pub(super) struct Batch {
    pub body: Body,
    /// The line number of the batch's first line.
    pub first: u64,
    /// The lines of a checked batch: where each ends and what the byte checks read from it.
    pub lines: Vec<BatchLine>,
}

/// A batch's lines, each ended by `\n` but perhaps the log's last.
pub(super) enum Body {
    /// Lines that passed the byte checks (UTF-8, so text).
    Checked(String),
    /// Lines not checked yet, and the byte checks' state after the line before them: the
    /// fold runs the checks.
    Unchecked(Vec<u8>, LineChecks),
}

/// Where a checked line of a [`Batch`] ends (its newline excluded: the next line starts
/// one byte on), and what the byte checks read from it.
pub(super) struct BatchLine {
    pub end: usize,
    /// A plain status line's members, found by the canonical check and accepted by
    /// [`status_from_chained_spans`]: the fold reads them without decoding the line.
    pub status: Option<(StatusSpans, EntryHash)>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            body: Body::Checked(String::new()),
            first: 0,
            // Room for a block of short lines at once: grown by doubling, the list would
            // be copied and its pages touched twice.
            lines: Vec::with_capacity(BATCH_BYTES / 256),
        }
    }

    /// Empties the batch for use again, handing back its buffer (memory kept).
    fn take_buffer(&mut self) -> Vec<u8> {
        self.lines.clear();
        let mut buffer = match std::mem::replace(&mut self.body, Body::Checked(String::new())) {
            Body::Checked(text) => text.into_bytes(),
            Body::Unchecked(raw, _) => raw,
        };
        buffer.clear();
        buffer
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

    fn fail(&self, number: u64, check: &'static str, reason: String) -> VerifyFailure {
        VerifyFailure {
            seq: self.chain.next_seq().0,
            line: number,
            check,
            reason,
        }
    }

    /// Runs every byte check on the next line.
    pub fn check<'l>(&mut self, bytes: &'l [u8], number: u64) -> Result<Passed<'l>, VerifyFailure> {
        let seq = self.chain.next_seq();
        let (text, spans) = crate::canonical_check::check_line(bytes)
            .map_err(|e| self.fail(number, "canonical form", format!("entry {seq}: {e}")))?;
        self.check_canonical(text, spans, number)
    }

    /// [`LineChecks::check`] for a line already proved UTF-8.
    pub fn check_text<'l>(
        &mut self,
        text: &'l str,
        number: u64,
    ) -> Result<Passed<'l>, VerifyFailure> {
        let seq = self.chain.next_seq();
        let spans = crate::canonical_check::check_text(text)
            .map_err(|e| self.fail(number, "canonical form", format!("entry {seq}: {e}")))?;
        self.check_canonical(text, spans, number)
    }

    /// The checks after canonical form.
    fn check_canonical<'l>(
        &mut self,
        text: &'l str,
        spans: Option<StatusSpans>,
        number: u64,
    ) -> Result<Passed<'l>, VerifyFailure> {
        let seq = self.chain.next_seq();
        let bytes = text.as_bytes();
        let checked = match &spans {
            Some(at) => self
                .chain
                .check_spans(bytes, at.seq, at.hash, at.prev, at.recorded_at),
            None => self.chain.check_stored(bytes),
        };
        let facts = checked.map_err(|e| self.fail(number, chain_check(&e), e.to_string()))?;
        if let Some(limit) = &self.not_after {
            if self.chain.last_time()[..] > *limit.as_bytes() {
                let time = String::from_utf8_lossy(self.chain.last_time()).into_owned();
                return Err(VerifyFailure {
                    seq: seq.0,
                    line: number,
                    check: "not in the future",
                    reason: format!("entry {seq}: recorded_at {time} is in the future (more than {FUTURE_SKEW_MINUTES} minutes ahead of this machine's clock): a wrong clock or a forgery"),
                });
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
    let mut lines_before = 0u64;
    source.scan_blocks(BATCH_BYTES, &mut |block| {
        for b in to_fold.spent.try_iter() {
            returned += 1;
            spare.push(b);
        }
        let mut batch = spare.pop().unwrap_or_else(Batch::new);
        // The batch takes the block; the source reads the next one into the batch's old buffer.
        let bytes = std::mem::replace(block, batch.take_buffer());
        batch.first = lines_before + 1;
        let flow = if expect.is_none() && sent - returned < HAND_OVER_BELOW {
            hand_over(&mut batch, bytes, &mut checks, &mut out, &mut lines_before)
        } else {
            check_block(
                &mut batch,
                bytes,
                &mut checks,
                &mut out,
                expect,
                &mut lines_before,
            )
        };
        sent += 1;
        if to_fold.tx.send(batch).is_err() {
            // The fold stopped at a failure of its own: nothing later matters.
            return Ok(ControlFlow::Break(()));
        }
        Ok(flow)
    })?;
    Ok(out)
}

/// Makes `batch` the unchecked block `bytes`, for the fold to check, and carries on after
/// it as its last line says; the fold proves it, and a failure it finds comes before
/// anything found here. Breaks when that line cannot be read: the fold stops in this batch.
fn hand_over(
    batch: &mut Batch,
    bytes: Vec<u8>,
    checks: &mut LineChecks,
    out: &mut Checked,
    lines_before: &mut u64,
) -> ControlFlow<()> {
    let mut last: &[u8] = &[];
    for line in block_lines(&bytes) {
        *lines_before += 1;
        last = line;
    }
    let next = ChainVerifier::after_line(last).map(|chain| {
        let facts = LineFacts {
            seq: Seq(chain.next_seq().0 - 1),
            hash: chain.head_hash(),
        };
        (chain, facts)
    });
    let before = checks.clone();
    let flow = match next {
        Some((chain, facts)) => {
            checks.chain = chain;
            out.passed(facts, None);
            ControlFlow::Continue(())
        }
        None => ControlFlow::Break(()),
    };
    batch.body = Body::Unchecked(bytes, before);
    flow
}

/// Runs the byte checks on every line of the block `bytes`, making `batch` the lines that
/// pass; breaks at the first that fails, noted in `out`.
fn check_block(
    batch: &mut Batch,
    bytes: Vec<u8>,
    checks: &mut LineChecks,
    out: &mut Checked,
    expect: Option<(Seq, EntryHash)>,
    lines_before: &mut u64,
) -> ControlFlow<()> {
    // The whole block is proved UTF-8 in one pass; lines are then checked where they lie.
    let (text, rest) = match String::from_utf8(bytes) {
        Ok(text) => (text, Vec::new()),
        Err(e) => {
            // The lines before the one that is not UTF-8 are text; that one and the rest
            // are checked one by one, and the first fails.
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            let cut = memchr::memrchr(b'\n', &bytes[..valid]).map_or(0, |i| i + 1);
            let rest = bytes.split_off(cut);
            (String::from_utf8_lossy(&bytes).into_owned(), rest)
        }
    };
    let mut text = text;
    let mut start = 0;
    for bytes in block_lines(text.as_bytes()) {
        *lines_before += 1;
        // A line of a block ends before a newline or at the end: a character boundary.
        let line = text.get(start..start + bytes.len()).unwrap_or_default();
        match checks.check_text(line, *lines_before) {
            Ok(passed) => {
                out.passed(passed.facts, expect);
                batch.lines.push(BatchLine {
                    end: start + line.len(),
                    status: passed.status,
                });
                start += line.len() + 1;
            }
            Err(failure) => {
                out.failure = Some(failure);
                text.truncate(start);
                batch.body = Body::Checked(text);
                return ControlFlow::Break(());
            }
        }
    }
    for line in block_lines(&rest) {
        *lines_before += 1;
        match checks.check(line, *lines_before) {
            Ok(passed) => {
                out.passed(passed.facts, expect);
                text.push_str(passed.text);
                batch.lines.push(BatchLine {
                    end: text.len(),
                    status: passed.status,
                });
                text.push('\n');
            }
            Err(failure) => {
                out.failure = Some(failure);
                batch.body = Body::Checked(text);
                return ControlFlow::Break(());
            }
        }
    }
    batch.body = Body::Checked(text);
    ControlFlow::Continue(())
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

    /// A line's place in a batch crosses between threads for every status: it stays small.
    #[test]
    fn a_batch_line_is_small() {
        assert!(std::mem::size_of::<super::BatchLine>() <= 128);
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
        // Bytes that are not UTF-8, in the log as memory and as a file read in blocks.
        let dir = tempfile::tempdir().unwrap();
        for at in [0usize, 900, 2_222, 4_005] {
            let mut bad = long_log(4_000);
            let line = &mut bad.lines_mut()[at];
            let middle = line.len() / 2;
            line[middle] = 0xff;
            let path = dir.path().join(format!("bad{at}.jsonl"));
            std::fs::write(&path, bad.to_jsonl()).unwrap();
            let file = crate::store::JsonlFile::open(&path).unwrap();
            for source in [&bad as &dyn crate::store::EntrySource, &file] {
                let r = verify(source, VerifyOptions::default()).unwrap();
                let failure = r.failure.clone().expect("a failure");
                assert_eq!(
                    (failure.seq, failure.line, failure.check),
                    (at as u64 + 1, at as u64 + 1, "canonical form"),
                    "{failure:?}"
                );
                assert!(failure.reason.contains("UTF-8"), "{failure:?}");
                assert_eq!(r.entries, at as u64);
            }
        }
        // The same log as a file, its last line without a newline: every entry verifies.
        let log = long_log(4_000);
        let mut bytes = log.to_jsonl();
        bytes.pop();
        let path = dir.path().join("no-newline.jsonl");
        std::fs::write(&path, &bytes).unwrap();
        let file = crate::store::JsonlFile::open(&path).unwrap();
        let (r, plan) = verify_keeping_plan(&file, VerifyOptions::default()).unwrap();
        assert!(r.ok(), "{r:?}");
        assert_eq!(r.entries, 4_006);
        assert_eq!(plan.as_ref(), Some(log.plan()));
        // A line gone from the middle: the next one is out of place.
        let mut gap = long_log(4_000);
        gap.lines_mut().remove(2_000);
        let r = verify(&gap, VerifyOptions::default()).unwrap();
        assert_eq!(r.failure.map(|f| (f.seq, f.check)), Some((2_001, "seq")));
    }
}
