//! Streaming verification of a whole ledger, and replay of its plan.
//!
//! Memory stays constant in the log's length: each line is checked and dropped.

use std::ops::ControlFlow;

use serde::Serialize;

use crate::chain::ChainVerifier;
pub use crate::entry::Head;
use crate::entry::{Entry, EntryHash, Seq};
use crate::plan::Plan;
use crate::store::{EntrySource, StoreError};

/// How thoroughly to check.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions {
    /// Also check canonical form, member types, event shapes and the plan rules: for bytes
    /// that come from outside this program.
    pub strict: bool,
    /// An entry seen earlier (`seq`, `hash`) that must still be in the ledger unchanged.
    pub expect: Option<(Seq, EntryHash)>,
}

/// The first problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyFailure {
    pub seq: u64,
    pub line: u64,
    pub reason: String,
}

/// Whether an expected earlier head is still in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ExpectOutcome {
    /// The entry is there with that hash: the ledger extends the one seen then.
    Found { seq: u64, hash: String },
    /// The ledger is shorter than the expected seq.
    Missing { seq: u64, entries: u64 },
    /// The entry is there with another hash: history was rewritten.
    Differs {
        seq: u64,
        expected: String,
        found: String,
    },
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
    pub strict: bool,
}

impl VerifyReport {
    /// True when every check passed, including `--expect`.
    pub fn ok(&self) -> bool {
        self.failure.is_none() && matches!(self.expect, None | Some(ExpectOutcome::Found { .. }))
    }
}

/// Checks every hash, link, seq and time; stops at the first failure.
pub fn verify(
    source: &dyn EntrySource,
    options: VerifyOptions,
) -> Result<VerifyReport, StoreError> {
    let mut chain = ChainVerifier::new();
    let mut plan = Plan::new();
    let mut failure = None;
    let mut head = None;
    let mut expect = None;
    source.scan(&mut |line| {
        let seq = chain.next_seq();
        let checked = if options.strict {
            chain
                .check_strict(line.bytes)
                .map_err(|e| e.to_string())
                .and_then(|entry| {
                    plan.check(&entry.event)
                        .map_err(|e| format!("entry {seq}: {e}"))?;
                    plan.apply(&entry);
                    Ok(entry.hash)
                })
        } else {
            chain
                .check_stored(line.bytes)
                .map(|f| f.hash)
                .map_err(|e| e.to_string())
        };
        match checked {
            Ok(hash) => {
                head = Some(Head { seq: seq.0, hash });
                if let Some((want_seq, want_hash)) = options.expect {
                    if want_seq == seq {
                        expect = Some(if want_hash == hash {
                            ExpectOutcome::Found {
                                seq: seq.0,
                                hash: hash.to_hex(),
                            }
                        } else {
                            ExpectOutcome::Differs {
                                seq: seq.0,
                                expected: want_hash.to_hex(),
                                found: hash.to_hex(),
                            }
                        });
                    }
                }
                Ok(ControlFlow::Continue(()))
            }
            Err(reason) => {
                failure = Some(VerifyFailure {
                    seq: seq.0,
                    line: line.number,
                    reason,
                });
                Ok(ControlFlow::Break(()))
            }
        }
    })?;
    let entries = head.map_or(0, |h| h.seq);
    if let (None, Some((want_seq, _))) = (&expect, options.expect) {
        if failure.is_none() {
            expect = Some(ExpectOutcome::Missing {
                seq: want_seq.0,
                entries,
            });
        }
    }
    Ok(VerifyReport {
        source: source.name(),
        entries,
        head,
        failure,
        expect,
        strict: options.strict,
    })
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
    fn a_good_log_verifies_fast_and_strict() {
        let log = sample();
        for strict in [false, true] {
            let r = verify(
                &log,
                VerifyOptions {
                    strict,
                    expect: None,
                },
            )
            .unwrap();
            assert!(r.ok(), "{r:?}");
            assert_eq!(r.entries, 2);
        }
        assert_eq!(replay(&log).unwrap(), *log.plan());
    }

    #[test]
    fn expect_detects_a_rewritten_or_missing_entry() {
        let log = sample();
        let head = log.plan().head.unwrap();
        let r = verify(
            &log,
            VerifyOptions {
                strict: false,
                expect: Some((Seq(2), head.1)),
            },
        )
        .unwrap();
        assert!(matches!(r.expect, Some(ExpectOutcome::Found { .. })));
        let r = verify(
            &log,
            VerifyOptions {
                strict: false,
                expect: Some((Seq(1), head.1)),
            },
        )
        .unwrap();
        assert!(matches!(r.expect, Some(ExpectOutcome::Differs { seq: 1, .. })) && !r.ok());
        let r = verify(
            &log,
            VerifyOptions {
                strict: false,
                expect: Some((Seq(3), head.1)),
            },
        )
        .unwrap();
        assert_eq!(
            r.expect,
            Some(ExpectOutcome::Missing { seq: 3, entries: 2 })
        );
    }

    #[test]
    fn strict_mode_replays_the_rules() {
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
        assert!(verify(&plan_less, VerifyOptions::default()).unwrap().ok());
        let r = verify(
            &plan_less,
            VerifyOptions {
                strict: true,
                expect: None,
            },
        )
        .unwrap();
        assert_eq!(r.failure.unwrap().seq, 2);
    }
}
