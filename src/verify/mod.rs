//! Streaming verification of a whole ledger, and replay of its plan.
//!
//! One pass checks everything FORMAT.md lists, for every entry: canonical form (a validating
//! scan of the stored bytes, no re-serialising), hash, link, seq, time order, no time in the
//! future, the event schema, and the plan's rules as it stood (key ids, signatures against the
//! key registered and not revoked then, that a signed status is the one shown, no repeated
//! sign-off, …). The byte checks ([`bytes`]) run on a second thread, the fold on the
//! calling one, and the fold takes over the byte checks of a batch whenever it would
//! otherwise wait. A plain status, the bulk of any ledger, is read from where the canonical
//! check found its members, and folded from strings borrowed from its line; statuses go into their
//! actions' maps a run at a time, grouped by action. Other lines are decoded by the fold.
//! Attachments are gathered in the same pass, for the evidence check.
//! Memory stays constant in the log's length: lines are checked and dropped; only the plan,
//! the heads that sign-offs name, the attachments and a bounded run of statuses are kept.
//! A plan only checked, not handed back, keeps of each status what the rules read
//! ([`Plan::for_rules`]: 12 bytes a status, not 40).

mod bytes;
pub mod evidence;
pub mod progress;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::mpsc;

use serde::Serialize;

use crate::canonical_check::StatusSpans;
use crate::chain::ChainError;
pub use crate::entry::Head;
use crate::entry::{Entry, EntryHash, Seq};
use crate::event::Event;
use crate::plan::{Plan, RuleError, StatusRef, Unsettled};
use crate::store::blocks::block_lines;
use crate::store::{EntrySource, StoreError};
use crate::wire::{decode_line, DecodedLine, StatusLine};

use bytes::{Batch, Body, ToFold};

/// What to check besides the ledger itself.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// An entry seen earlier (`seq`, `hash`) that must still be in the ledger unchanged.
    pub expect: Option<(Seq, EntryHash)>,
    /// Entries recorded after this time (entry timestamp form) fail: the clock now, plus the
    /// skew allowed ([`FUTURE_SKEW_MINUTES`]).
    pub not_after: Option<String>,
}

pub use crate::batch::FUTURE_SKEW_MINUTES;

/// The checks, by the names reports and FORMAT.md use, in the order each entry meets them.
pub const CHECKS: &[&str] = &[
    "canonical form",
    "entry shape",
    "seq",
    "hash",
    "link",
    "time order",
    "not in the future",
    "event schema",
    "plan rules",
    "key ids",
    "signatures",
    "signed status shown",
    "no repeated sign-off",
    "sign-off heads",
];

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyFailure {
    pub seq: u64,
    pub line: u64,
    /// Which of [`CHECKS`] failed.
    pub check: &'static str,
    pub reason: String,
}

/// Whether an expected earlier head is still in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ExpectOutcome {
    /// The entry is there with that hash: the ledger extends the one seen then.
    Found { seq: u64, hash: String },
    /// The ledger is shorter than the expected seq.
    Missing {
        seq: u64,
        entries: u64,
        /// The seq of the entry that has the expected hash, if one does (a mistyped seq:
        /// a hash covers its seq).
        #[serde(skip_serializing_if = "Option::is_none")]
        found_at: Option<u64>,
    },
    /// The entry is there with another hash: a different ledger, or this one rewritten
    /// (see [`ExpectOutcome::meaning`]).
    Differs {
        seq: u64,
        expected: String,
        found: String,
        /// The seq of the entry that has the expected hash, if one does (a mistyped seq:
        /// a hash covers its seq).
        #[serde(skip_serializing_if = "Option::is_none")]
        found_at: Option<u64>,
    },
}

impl ExpectOutcome {
    /// What a hash that is missing or differs tells, as far as the ledger alone can tell:
    /// the hash found at another seq means the seq was mistyped; entry 1 differing means
    /// another ledger; otherwise either another ledger or a rewritten one, and how to tell.
    pub fn meaning(&self) -> Option<String> {
        let (seq, found_at) = match self {
            ExpectOutcome::Found { .. } => return None,
            ExpectOutcome::Missing { seq, found_at, .. }
            | ExpectOutcome::Differs { seq, found_at, .. } => (*seq, *found_at),
        };
        Some(match found_at {
            // A hash covers its entry's seq, so it cannot move: the number was mistyped.
            Some(k) => format!(
                "that hash is this ledger's entry {k}, unchanged; check the number noted with it (`readiness verify --expect {k}:HASH`)"
            ),
            None if seq == 1 => "entry 1, where a ledger begins, is not the expected one: this is a different ledger from the one whose head was noted".to_string(),
            None if matches!(self, ExpectOutcome::Missing { .. }) => "this ledger is shorter than the one whose head was noted: entries were removed, or it is a different ledger; `readiness verify --expect 1:HASH`, with entry 1's hash from a copy of that ledger, tells which".to_string(),
            None => format!(
                "either this is a different ledger, or this one's history was rewritten at or before entry {seq}; `readiness verify --expect 1:HASH`, with entry 1's hash from a copy of that ledger, tells which (entry 1 the same: rewritten; not: a different ledger)"
            ),
        })
    }
}

/// Counts of what was checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub keys_registered: u64,
    pub keys_revoked: u64,
    pub signed_off: u64,
    pub evidence_attached: u64,
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub source: String,
    /// Entries that verified before any failure.
    pub entries: u64,
    pub head: Option<Head>,
    pub failure: Option<VerifyFailure>,
    pub expect: Option<ExpectOutcome>,
    pub counts: Counts,
}

impl VerifyReport {
    /// True when every check passed, including `--expect`.
    pub fn ok(&self) -> bool {
        self.failure.is_none() && matches!(self.expect, None | Some(ExpectOutcome::Found { .. }))
    }
}

/// Which check a chain problem belongs to.
fn chain_check(e: &ChainError) -> &'static str {
    match e {
        ChainError::Malformed { .. } | ChainError::Entry { .. } => "entry shape",
        ChainError::SeqGap { .. } => "seq",
        ChainError::HashMismatch { .. } => "hash",
        ChainError::BrokenLink { .. } => "link",
        ChainError::TimeWentBack { .. } => "time order",
    }
}

/// Which check a rule refusal belongs to.
fn rule_check(e: &RuleError) -> &'static str {
    match e {
        RuleError::Key(_) => "key ids",
        RuleError::SignOff(reason) if reason.contains("repeats") => "no repeated sign-off",
        RuleError::SignOff(reason) if reason.contains("status shown") => "signed status shown",
        RuleError::SignOff(_) => "signatures",
        _ => "plan rules",
    }
}

/// Statuses held back from their actions' lists at most, to be put in grouped by action
/// ([`Plan::settle`]): each settle visits every action, so few large ones cost less than
/// many small ones, but the held records and their sorted copy take 3 MB at 32k (at 64k,
/// 6 MB: verify's peak at 1M statuses went past 50 MB, and it was no quicker).
const SETTLE_AT: usize = 32 * 1024;

/// A sign-off's named head, checked once the pass has gone by it.
struct NamedHead {
    signoff: u64,
    line: u64,
    expected: String,
}

/// Checks every entry of `source`; stops at the first failure.
pub fn verify(
    source: &dyn EntrySource,
    options: VerifyOptions,
) -> Result<VerifyReport, StoreError> {
    Ok(verify_folding(source, options, false)?.0)
}

/// [`verify`], also handing back the attachments and redactions the pass met, so that the
/// evidence files can be checked without reading the log again.
pub fn verify_with_attachments(
    source: &dyn EntrySource,
    options: VerifyOptions,
) -> Result<(VerifyReport, evidence::Attachments), StoreError> {
    let (report, _, attachments) = verify_folding(source, options, false)?;
    Ok((report, attachments))
}

/// [`verify`], also handing back the plan folded from the source when every check passed:
/// `restore` builds the new ledger's state from it instead of folding the log again.
pub fn verify_keeping_plan(
    source: &dyn EntrySource,
    options: VerifyOptions,
) -> Result<(VerifyReport, Option<Plan>), StoreError> {
    let (report, plan, _) = verify_folding(source, options, true)?;
    Ok((report, plan))
}

fn verify_folding(
    source: &dyn EntrySource,
    options: VerifyOptions,
    keep_plan: bool,
) -> Result<(VerifyReport, Option<Plan>, evidence::Attachments), StoreError> {
    // Two stages, each on its own thread: the byte checks, and decoding with the rule fold
    // (decoding borrows from the batch's bytes, so it runs where they are folded). The fold
    // runs on this thread: the plan it builds then grows the main heap a large step at a
    // time, where a spawned thread's heap grows a few pages per system call.
    let (tx, rx) = mpsc::sync_channel::<Batch>(bytes::QUEUED);
    let not_after = options.not_after.clone();
    let (bytes_result, fold_result) = std::thread::scope(|scope| {
        let (spent_tx, spent) = mpsc::channel::<Batch>();
        let to_fold = ToFold { tx, spent };
        let bytes =
            scope.spawn(move || bytes::check_bytes(source, not_after, options.expect, to_fold));
        let fold = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            fold_batches(rx, spent_tx, keep_plan)
        }));
        (bytes.join(), fold)
    });
    let stopped = |what: &str| VerifyFailure {
        seq: 0,
        line: 0,
        check: "plan rules",
        reason: format!("the {what} stopped unexpectedly"),
    };
    let checked = bytes_result.unwrap_or_else(|_| {
        Ok(bytes::Checked {
            failure: Some(stopped("byte checks")),
            ..bytes::Checked::default()
        })
    })?;
    let folded = fold_result.unwrap_or_else(|_| Folded {
        failure: Some(stopped("plan fold")),
        ..Folded::default()
    });
    // The last good head is the one just before the earliest failure, whichever side saw it.
    let fold_first = match (&checked.failure, &folded.failure) {
        (Some(b), Some(f)) => f.seq < b.seq,
        (None, Some(_)) => true,
        _ => false,
    };
    let (mut failure, mut head) = if fold_first {
        (folded.failure, folded.last_good)
    } else {
        (checked.failure, checked.head)
    };
    if let Some(h) = check_named_heads(source, &folded.named)? {
        if failure.as_ref().is_none_or(|f| h.seq < f.seq) {
            head = None;
            failure = Some(h);
        }
    }
    let entries = match &failure {
        Some(f) => f.seq.saturating_sub(1),
        None => checked.entries,
    };
    let mut expect = checked.expect;
    if let (Some(f), Some(ExpectOutcome::Found { seq, .. })) = (&failure, &expect) {
        if *seq >= f.seq {
            expect = None;
        }
    }
    if let (None, Some((want, _))) = (&expect, options.expect) {
        expect = Some(ExpectOutcome::Missing {
            seq: want.0,
            entries,
            found_at: None,
        });
    }
    if let Some(ExpectOutcome::Missing { found_at, .. } | ExpectOutcome::Differs { found_at, .. }) =
        &mut expect
    {
        *found_at = checked.expected_hash_at;
    }
    let plan = folded.plan.filter(|_| failure.is_none());
    Ok((
        VerifyReport {
            source: source.name(),
            entries,
            head,
            failure,
            expect,
            counts: folded.counts,
        },
        plan,
        folded.attachments,
    ))
}

fn earliest(a: Option<VerifyFailure>, b: Option<VerifyFailure>) -> Option<VerifyFailure> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.seq < a.seq { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// What folding the entries found.
#[derive(Default)]
struct Folded {
    failure: Option<VerifyFailure>,
    /// The last entry folded in before a failure.
    last_good: Option<Head>,
    counts: Counts,
    /// Sign-offs by the head they name: checked against the log afterwards.
    named: BTreeMap<u64, Vec<NamedHead>>,
    /// The whole plan, when asked for and nothing failed.
    plan: Option<Plan>,
    /// Attachments and redactions, for the evidence check.
    attachments: evidence::Attachments,
}

/// Decodes each line (running the byte checks first on a batch handed over unchecked),
/// checks it against the plan as it stood, and folds it in; stops at the first failure.
fn fold_batches(rx: mpsc::Receiver<Batch>, spent: mpsc::Sender<Batch>, keep_plan: bool) -> Folded {
    // A plan nobody will see keeps only what the rules read of each status.
    let mut plan = if keep_plan {
        Plan::new()
    } else {
        Plan::for_rules()
    };
    let mut out = Folded::default();
    let mut later = Unsettled::with_capacity(SETTLE_AT);
    let mut seq = 0u64;
    for mut batch in rx {
        let mut fold = |line: &str, number: u64, status: Option<(StatusSpans, EntryHash)>| {
            seq += 1;
            fold_line(&mut plan, &mut later, &mut out, line, (number, status), seq)
        };
        let folded = match &mut batch.body {
            Body::Checked(text) => {
                let mut start = 0;
                batch
                    .lines
                    .iter()
                    .zip(batch.first..)
                    .try_for_each(|(l, number)| {
                        let line = text.get(start..l.end).unwrap_or_default();
                        start = l.end + 1;
                        fold(line, number, l.status)
                    })
            }
            Body::Unchecked(raw, checks) => {
                block_lines(raw)
                    .zip(batch.first..)
                    .try_for_each(|(bytes, number)| {
                        let passed = checks.check(bytes, number)?;
                        fold(passed.text, number, passed.status)
                    })
            }
        };
        if let Err(failure) = folded {
            out.failure = Some(failure);
            out.last_good = plan.head.map(|(seq, hash)| Head { seq: seq.0, hash });
            return out;
        }
        // The byte checks may have stopped already; then the batch is simply freed.
        let _ = spent.send(batch);
    }
    if keep_plan {
        plan.settle(&mut later);
        out.plan = Some(plan);
    } else {
        // Freeing a large plan takes a while and nobody waits for it: do it off the fold's path.
        std::thread::spawn(move || drop(plan));
    }
    out
}

/// Decodes one line (unless the byte checks read it already), checks it against `plan`
/// and folds it in.
fn fold_line(
    plan: &mut Plan,
    later: &mut Unsettled,
    out: &mut Folded,
    line: &str,
    (number, status): (u64, Option<(StatusSpans, EntryHash)>),
    seq: u64,
) -> Result<(), VerifyFailure> {
    let refused = |e: RuleError| VerifyFailure {
        seq,
        line: number,
        check: rule_check(&e),
        reason: format!("entry {seq}: {e}"),
    };
    let read = match &status {
        Some((spans, hash)) => spans_status(line, spans, *hash).map(DecodedLine::Status),
        None => None,
    };
    let decoded = match read {
        Some(status) => Ok(status),
        None => decode_line(line.as_bytes()),
    };
    let entry = match decoded {
        Ok(DecodedLine::Status(s)) => {
            let status = StatusRef {
                action: &s.action,
                review: &s.review,
                status: &s.status,
            };
            let note = s.note.as_deref();
            plan.check_and_hold_status(
                s.seq,
                s.hash,
                &s.recorded_at,
                &s.actor,
                status,
                note,
                later,
            )
            .map_err(refused)?;
            if later.len() >= SETTLE_AT {
                plan.settle(later);
            }
            return Ok(());
        }
        Ok(DecodedLine::Entry(entry)) => entry,
        Err(e) => {
            return Err(VerifyFailure {
                seq,
                line: number,
                check: "event schema",
                reason: format!("entry {seq}: {e}"),
            })
        }
    };
    // Any other entry may read statuses (a sign-off, a correction): they go in first.
    plan.settle(later);
    plan.check(&entry.event).map_err(refused)?;
    match &entry.event {
        Event::KeyRegistered(_) => out.counts.keys_registered += 1,
        Event::KeyRevoked(_) => out.counts.keys_revoked += 1,
        Event::EvidenceAttached(_) => {
            out.counts.evidence_attached += 1;
            out.attachments.add(&entry);
        }
        Event::EvidenceRedacted(_) => out.attachments.add(&entry),
        Event::SignedOff(s) => {
            out.counts.signed_off += 1;
            out.named.entry(s.head_seq).or_default().push(NamedHead {
                signoff: entry.seq.0,
                line: number,
                expected: s.head_hash.clone(),
            });
        }
        _ => {}
    }
    plan.apply_owned(entry);
    Ok(())
}

/// The status at `spans` of `line`, its hash already read by the byte checks.
fn spans_status<'a>(line: &'a str, spans: &StatusSpans, hash: EntryHash) -> Option<StatusLine<'a>> {
    let get = |span| crate::canonical_check::span_text(line, span).map(Cow::Borrowed);
    Some(StatusLine {
        seq: Seq(spans.seq),
        hash,
        recorded_at: get(spans.recorded_at)?,
        actor: get(spans.actor)?,
        action: get(spans.action)?,
        review: get(spans.review)?,
        status: get(spans.status)?,
        note: match spans.note {
            Some(n) => Some(get(n)?),
            None => None,
        },
    })
}

/// A second, short pass when sign-offs exist: each head a sign-off names must be that entry.
fn check_named_heads(
    source: &dyn EntrySource,
    named: &BTreeMap<u64, Vec<NamedHead>>,
) -> Result<Option<VerifyFailure>, StoreError> {
    let Some(&last) = named.keys().next_back() else {
        return Ok(None);
    };
    let mut first: Option<VerifyFailure> = None;
    let mut seq = 0u64;
    source.scan(&mut |line| {
        seq += 1;
        if let Some(list) = named.get(&seq) {
            let found = crate::chain::stored_facts(line.bytes).map(|f| f.hash);
            for n in list {
                if found.is_some_and(|h| EntryHash::from_hex(&n.expected) == Some(h)) {
                    continue;
                }
                let failure = VerifyFailure {
                    seq: n.signoff,
                    line: n.line,
                    check: "sign-off heads",
                    reason: format!(
                        "entry {}: the sign-off names head {seq} {}, but entry {seq} has hash {}",
                        n.signoff,
                        n.expected,
                        found.map_or_else(|| "(unreadable)".into(), |h| h.to_hex())
                    ),
                };
                first = earliest(first.take(), Some(failure));
            }
        }
        Ok(if seq >= last {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    })?;
    Ok(first)
}

/// Why a replay stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{source_name}, line {line}: {reason} (run `readiness verify`)")]
    Entry {
        source_name: String,
        line: u64,
        reason: String,
    },
}

/// Folds entries into a plan, calling `each` with each entry after it is applied.
///
/// With `known_at` (entry timestamp form), stops before the first entry recorded after
/// it: the plan as the ledger knew it then. `recorded_at` never goes back, so that entry
/// ends the prefix.
pub fn replay_with(
    source: &dyn EntrySource,
    known_at: Option<&str>,
    mut each: impl FnMut(&Entry, &Plan) -> ControlFlow<()>,
) -> Result<Plan, ReplayError> {
    let mut plan = Plan::new();
    let mut failure = None;
    source.scan(&mut |line| match Entry::decode(line.bytes) {
        Ok(entry) if known_at.is_some_and(|t| entry.recorded_at.as_str() > t) => {
            Ok(ControlFlow::Break(()))
        }
        Ok(entry) => {
            plan.apply(&entry);
            Ok(each(&entry, &plan))
        }
        Err(e) => {
            failure = Some((line.number, e.to_string()));
            Ok(ControlFlow::Break(()))
        }
    })?;
    match failure {
        Some((line, reason)) => Err(ReplayError::Entry {
            source_name: source.name(),
            line,
            reason,
        }),
        None => Ok(plan),
    }
}

/// Folds the entries up to and including `last` (fewer if the ledger is shorter).
pub fn replay_until(source: &dyn EntrySource, last: Seq) -> Result<Plan, ReplayError> {
    replay_with(source, None, |_, plan| {
        if plan.len() >= last.0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
}

/// Folds every entry into the current plan.
pub fn replay(source: &dyn EntrySource) -> Result<Plan, ReplayError> {
    replay_with(source, None, |_, _| ControlFlow::Continue(()))
}

/// Folds the entries recorded up to `known_at` (all of them if `None`).
pub fn replay_known_at(
    source: &dyn EntrySource,
    known_at: Option<&str>,
) -> Result<Plan, ReplayError> {
    replay_with(source, known_at, |_, _| ControlFlow::Continue(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::event::*;
    use crate::scale::StatusScale;
    use crate::store::MemoryLog;
    use chrono::TimeZone;

    fn sample() -> MemoryLog {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut log = MemoryLog::new();
        log.append(
            "a",
            &clock,
            vec![
                Event::PlanCreated(PlanCreated {
                    title: "P".into(),
                    origin: "o".into(),
                    scale: StatusScale::york(),
                }),
                Event::AreaAdded(AreaAdded {
                    id: "1".into(),
                    title: "A".into(),
                    finding: None,
                }),
            ],
        )
        .unwrap();
        log
    }

    #[test]
    fn a_good_log_verifies() {
        let log = sample();
        let r = verify(&log, VerifyOptions::default()).unwrap();
        assert!(r.ok(), "{r:?}");
        assert_eq!(r.entries, 2);
        assert_eq!(replay(&log).unwrap(), *log.plan());
    }

    #[test]
    fn the_plan_verify_folds_is_the_plan_replay_folds() {
        // Statuses take verify's borrowed path; notes with escapes, two actors, a correction
        // and a rename take the general one in between.
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut log = sample();
        let status = |action: &str, review: &str, status: &str, note: Option<&str>| {
            Event::StatusRecorded(StatusRecorded {
                action: action.into(),
                review: review.into(),
                status: status.into(),
                note: note.map(String::from),
            })
        };
        let mut setup = Vec::new();
        for id in ["1.1", "1.2"] {
            setup.push(Event::ActionAdded(ActionAdded {
                id: id.into(),
                area: "1".into(),
                action: "do".into(),
                ..Default::default()
            }));
        }
        for (label, date) in [("RAG May 20", "2020-05-31"), ("RAG June 20", "2020-06-30")] {
            setup.push(Event::ReviewScheduled(ReviewScheduled {
                label: label.into(),
                date: date.into(),
            }));
        }
        log.append("a", &clock, setup).unwrap();
        log.append(
            "b",
            &clock,
            vec![
                status("1.1", "RAG May 20", "Completed", Some("a \"q\"\n é")),
                status("1.2", "RAG May 20", "Embedded", None),
                status("1.1", "RAG June 20", "Completed", None),
            ],
        )
        .unwrap();
        log.append(
            "a",
            &clock,
            vec![
                Event::Correction(Correction {
                    target: 7,
                    action: "1.1".into(),
                    review: Some("RAG May 20".into()),
                    status: Some("Embedded".into()),
                    note: None,
                    changes: Default::default(),
                    reason: "typo".into(),
                }),
                status("1.2", "RAG May 20", "Completed", Some("")),
            ],
        )
        .unwrap();
        let (r, plan) = verify_keeping_plan(&log, VerifyOptions::default()).unwrap();
        assert!(r.ok(), "{r:?}");
        assert_eq!(plan.as_ref(), Some(log.plan()));
        assert_eq!(replay(&log).unwrap(), *log.plan());
    }

    #[test]
    fn statuses_held_back_settle_in_ledger_order() {
        // Repeats of one action and review among other actions' statuses, no other entry
        // between them: the latest wins once they are put in grouped by action.
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut log = sample();
        let mut setup = vec![Event::ReviewScheduled(ReviewScheduled {
            label: "R".into(),
            date: "2020-05-31".into(),
        })];
        for id in ["1.1", "1.2", "1.3"] {
            setup.push(Event::ActionAdded(ActionAdded {
                id: id.into(),
                area: "1".into(),
                action: "do".into(),
                ..Default::default()
            }));
        }
        log.append("a", &clock, setup).unwrap();
        let mut statuses = Vec::new();
        for (i, status) in ["Completed", "Embedded", "Completed", "Embedded"]
            .iter()
            .enumerate()
        {
            for id in ["1.3", "1.1", "1.2"] {
                statuses.push(Event::StatusRecorded(StatusRecorded {
                    action: id.into(),
                    review: "R".into(),
                    status: status.to_string(),
                    note: Some(format!("{i}")),
                }));
            }
        }
        log.append("b", &clock, statuses).unwrap();
        let (r, plan) = verify_keeping_plan(&log, VerifyOptions::default()).unwrap();
        assert!(r.ok(), "{r:?}");
        let plan = plan.unwrap();
        assert_eq!(plan, *log.plan());
        let last = &plan.action("1.1").unwrap().statuses["R"];
        assert_eq!(
            (&*last.status, last.note.as_deref()),
            ("Embedded", Some("3"))
        );
    }

    #[test]
    fn the_attachments_verify_meets_are_the_ones_collect_reads() {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut log = sample();
        let attach = |sha: char, name: &str| {
            Event::EvidenceAttached(EvidenceAttached {
                action: "1.1".into(),
                review: None,
                sha256: sha.to_string().repeat(64),
                file_name: name.into(),
                size: 3,
                media_type: "text/plain".into(),
                note: None,
            })
        };
        log.append(
            "a",
            &clock,
            vec![
                Event::ActionAdded(ActionAdded {
                    id: "1.1".into(),
                    area: "1".into(),
                    action: "do".into(),
                    ..Default::default()
                }),
                attach('a', "one.txt"),
                attach('b', "two.txt"),
                Event::EvidenceRedacted(EvidenceRedacted {
                    sha256: "a".repeat(64),
                    reason: "personal data".into(),
                }),
            ],
        )
        .unwrap();
        let (r, met) = verify_with_attachments(&log, VerifyOptions::default()).unwrap();
        assert!(r.ok(), "{r:?}");
        let read = evidence::collect(&log).unwrap();
        assert_eq!(met.attached.len(), 2);
        assert_eq!(met.redacted.len(), 1);
        assert_eq!(met.attached, read.attached);
        assert_eq!(met.redacted, read.redacted);
        assert_eq!(r.counts.evidence_attached, 2);
    }

    #[test]
    fn expect_detects_a_rewritten_or_missing_entry() {
        let log = sample();
        let head = log.plan().head.unwrap();
        let r = verify(
            &log,
            VerifyOptions {
                not_after: None,
                expect: Some((Seq(2), head.1)),
            },
        )
        .unwrap();
        assert!(matches!(r.expect, Some(ExpectOutcome::Found { .. })));
        let r = verify(
            &log,
            VerifyOptions {
                not_after: None,
                expect: Some((Seq(1), head.1)),
            },
        )
        .unwrap();
        assert!(matches!(r.expect, Some(ExpectOutcome::Differs { seq: 1, .. })) && !r.ok());
        let r = verify(
            &log,
            VerifyOptions {
                not_after: None,
                expect: Some((Seq(3), head.1)),
            },
        )
        .unwrap();
        assert_eq!(
            r.expect,
            Some(ExpectOutcome::Missing {
                seq: 3,
                entries: 2,
                // The hash given is entry 2's: the seq was mistyped, and that is said.
                found_at: Some(2)
            })
        );
        assert!(r
            .expect
            .and_then(|e| e.meaning())
            .is_some_and(|m| m.contains("that hash is this ledger's entry 2")));
    }

    #[test]
    fn every_verify_replays_the_rules() {
        // A chain that hashes fine but whose second entry breaks a rule (area before plan).
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut plan_less = MemoryLog::new();
        plan_less
            .append(
                "a",
                &clock,
                vec![Event::PlanCreated(PlanCreated {
                    title: "P".into(),
                    origin: "o".into(),
                    scale: StatusScale::york(),
                })],
            )
            .unwrap();
        let (e, line) = Entry::seal(
            Seq(2),
            "2021-01-01T00:00:00.000000Z".into(),
            "a".into(),
            Event::StatusRecorded(StatusRecorded {
                action: "x".into(),
                review: "r".into(),
                status: "Completed".into(),
                note: None,
            }),
            plan_less.plan().head.unwrap().1,
        )
        .unwrap();
        let _ = e;
        plan_less.lines_mut().push(line);
        let r = verify(&plan_less, VerifyOptions::default()).unwrap();
        let f = r.failure.unwrap();
        assert_eq!((f.seq, f.check), (2, "plan rules"));
        assert_eq!(r.head.map(|h| h.seq), Some(1));
    }
}
