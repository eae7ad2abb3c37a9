//! Turning events into sealed entries: validate against the plan, link, hash (no I/O).
//!
//! This is the pure half of the one append path; the store writes what it returns.

use chrono::{DateTime, Utc};

use crate::entry::{format_timestamp, parse_timestamp, Entry, EntryError, EntryHash, Seq};
use crate::event::Event;
use crate::plan::rules::IdCase;
use crate::plan::{Plan, RuleError};

/// Entries ready to be written, the exact bytes to write, and the plan after them.
#[derive(Debug, Clone)]
pub struct SealedBatch {
    pub entries: Vec<Entry>,
    /// Canonical lines, each ending in `\n`.
    pub bytes: Vec<u8>,
    /// Byte length of each line including its newline, in order.
    pub line_lengths: Vec<usize>,
    pub plan: Plan,
}

/// Why a batch was refused; nothing of it is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("no actor: say who is making this change with --by NAME or READINESS_ACTOR")]
    NoActor,
    #[error("nothing to append")]
    Empty,
    #[error("the last entry was recorded at {last}, more than {minutes} minutes after this machine's clock ({now}): either this clock is wrong or the last entry was forged. Nothing was written; check the clock, then `readiness verify`")]
    FutureHead {
        last: String,
        now: String,
        minutes: i64,
    },
    /// Each rule's message names what it is about (the action, review, file), so the
    /// event's place in the batch, which means nothing to a person, is not shown.
    #[error("{source}")]
    Rule {
        index: usize,
        total: usize,
        source: RuleError,
    },
    #[error("{source}")]
    Entry {
        index: usize,
        total: usize,
        source: EntryError,
    },
}

/// How far ahead of the clock the last entry may be before appends are refused.
pub const FUTURE_SKEW_MINUTES: i64 = 5;

/// Validates every event in order against `plan` and seals them after its head.
///
/// `now` is clamped to the last entry's time, so `recorded_at` never goes backwards even
/// when the system clock does.
pub fn seal_batch(
    plan: &Plan,
    actor: &str,
    now: DateTime<Utc>,
    events: Vec<Event>,
) -> Result<SealedBatch, BatchError> {
    let total = events.len();
    let mut sealer = Sealer::new(plan.clone(), actor, now, total)?;
    let mut entries = Vec::with_capacity(total);
    let mut bytes = Vec::with_capacity(total * 512);
    let mut line_lengths = Vec::with_capacity(total);
    for event in events {
        let (entry, line) = sealer.seal(event)?;
        sealer.apply(&entry);
        bytes.extend_from_slice(&line);
        bytes.push(b'\n');
        line_lengths.push(line.len() + 1);
        entries.push(entry);
    }
    Ok(SealedBatch {
        entries,
        bytes,
        line_lengths,
        plan: sealer.into_plan(),
    })
}

/// The checks made once per batch (actor, clock, size), before any event: the entries'
/// `recorded_at`, never earlier than the plan's last.
fn preflight(
    plan: &Plan,
    actor: &str,
    now: DateTime<Utc>,
    total: usize,
) -> Result<String, BatchError> {
    if actor.trim().is_empty() {
        return Err(BatchError::NoActor);
    }
    if total == 0 {
        return Err(BatchError::Empty);
    }
    if parse_timestamp(&format_timestamp(now)).is_none() {
        return Err(BatchError::Entry {
            index: 0,
            total,
            source: EntryError::Timestamp(format_timestamp(now)),
        });
    }
    let mut recorded_at = format_timestamp(now);
    if let Some(last) = &plan.last_recorded_at {
        let limit = format_timestamp(now + chrono::Duration::minutes(FUTURE_SKEW_MINUTES));
        if *last > limit {
            return Err(BatchError::FutureHead {
                last: last.clone(),
                now: recorded_at,
                minutes: FUTURE_SKEW_MINUTES,
            });
        }
        // A clock a little behind the last entry: keep time from going backwards.
        if *last > recorded_at {
            recorded_at = last.clone();
        }
    }
    Ok(recorded_at)
}

/// One event checked, sealed after `plan`'s head and folded into `plan` itself, without the
/// copy of the plan [`seal_batch`] makes: every check comes before the fold, so a refusal
/// leaves `plan` as it was. A shared writer commits one-event requests this way, so a
/// commit's cost does not grow with the plan. Returns the entry and its line (no newline).
pub fn seal_one_into(
    plan: &mut Plan,
    actor: &str,
    now: DateTime<Utc>,
    event: Event,
) -> Result<(Entry, Vec<u8>), BatchError> {
    let recorded_at = preflight(plan, actor, now, 1)?;
    let mut sealer = Sealer {
        plan: std::mem::take(plan),
        actor: actor.to_string(),
        recorded_at,
        id_case: IdCase::default(),
        index: 0,
        total: 1,
    };
    let sealed = sealer.seal(event);
    if let Ok((entry, _)) = &sealed {
        sealer.apply(entry);
    }
    *plan = sealer.into_plan();
    sealed
}

/// Seals a batch one event at a time, so a caller can write each line as it is made (an
/// import of a million entries) instead of holding the batch: [`seal_batch`]'s engine.
#[derive(Debug)]
pub struct Sealer {
    plan: Plan,
    actor: String,
    recorded_at: String,
    id_case: IdCase,
    index: usize,
    total: usize,
}

impl Sealer {
    /// Checks the actor, the clock and the batch's size (`total` events) once, for a batch
    /// to be sealed after `plan`'s head.
    pub fn new(
        plan: Plan,
        actor: &str,
        now: DateTime<Utc>,
        total: usize,
    ) -> Result<Sealer, BatchError> {
        let recorded_at = preflight(&plan, actor, now, total)?;
        Ok(Sealer {
            plan,
            actor: actor.to_string(),
            recorded_at,
            id_case: IdCase::default(),
            index: 0,
            total,
        })
    }

    /// Checks the next event against the plan so far and seals it after the head: the entry
    /// and its canonical line (no newline). Apply the entry ([`Sealer::apply`] or
    /// [`Sealer::apply_owned`]) before sealing the next.
    pub fn seal(&mut self, event: Event) -> Result<(Entry, Vec<u8>), BatchError> {
        let (index, total) = self.check_next(&event)?;
        let (seq, prev) = match self.plan.head {
            Some((seq, hash)) => (Seq(seq.0 + 1), hash),
            None => (Seq(1), EntryHash::ZERO),
        };
        Entry::seal_checked(
            seq,
            self.recorded_at.clone(),
            self.actor.clone(),
            event,
            prev,
        )
        .map_err(|source| BatchError::Entry {
            index,
            total,
            source: source.into(),
        })
    }

    /// [`Sealer::seal`] without linking: checks the event and appends its entry's unlinked
    /// parts to `out` ([`Entry::unlinked_into`]), returning the entry and the first part's
    /// length. The entry's `prev` and `hash` are zero until whoever links the parts in order
    /// ([`Entry::link_into`]) knows them; the rules never read them, so folding it
    /// ([`Sealer::apply_owned`]) is sound, and [`Sealer::linked`] sets the head's hash at
    /// the end.
    pub fn seal_unlinked(
        &mut self,
        event: Event,
        out: &mut Vec<u8>,
    ) -> Result<(Entry, usize), BatchError> {
        let (index, total) = self.check_next(&event)?;
        let seq = Seq(self.plan.head.map_or(0, |(seq, _)| seq.0) + 1);
        let head_len = Entry::unlinked_into(seq, &self.recorded_at, &self.actor, &event, out)
            .map_err(|source| BatchError::Entry {
                index,
                total,
                source: source.into(),
            })?;
        let entry = Entry {
            seq,
            recorded_at: self.recorded_at.clone(),
            actor: self.actor.clone(),
            event,
            prev: EntryHash::ZERO,
            hash: EntryHash::ZERO,
        };
        Ok((entry, head_len))
    }

    /// Checks the next event against the plan and the batch so far; its place in the batch.
    fn check_next(&mut self, event: &Event) -> Result<(usize, usize), BatchError> {
        let (index, total) = (self.index, self.total);
        self.index += 1;
        self.plan
            .check(event)
            .and_then(|()| self.id_case.check(&self.plan, event))
            .map_err(|source| BatchError::Rule {
                index,
                total,
                source,
            })?;
        Ok((index, total))
    }

    /// The hash of the head, once the entries sealed by [`Sealer::seal_unlinked`] are
    /// linked: the plan's head takes it.
    pub fn linked(&mut self, head: EntryHash) {
        if let Some((seq, _)) = self.plan.head {
            self.plan.head = Some((seq, head));
        }
    }

    /// The hash the next entry links to: the head's, or zero for a first entry.
    pub fn prev(&self) -> EntryHash {
        self.plan.head.map_or(EntryHash::ZERO, |(_, hash)| hash)
    }

    /// Folds a sealed entry into the plan.
    pub fn apply(&mut self, entry: &Entry) {
        self.plan.apply(entry);
    }

    /// Folds a sealed entry the caller no longer needs into the plan.
    pub fn apply_owned(&mut self, entry: Entry) {
        self.plan.apply_owned(entry);
    }

    /// Events sealed so far.
    pub fn sealed(&self) -> usize {
        self.index
    }

    /// The plan after every entry sealed and applied.
    pub fn into_plan(self) -> Plan {
        self.plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::ChainVerifier;
    use crate::event::AreaAdded;
    use crate::test_events::created;
    use chrono::TimeZone;

    #[test]
    fn sealed_batches_chain_and_verify() {
        let t = Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap();
        let b1 = seal_batch(&Plan::new(), "me", t, vec![created()]).unwrap();
        let area = Event::AreaAdded(AreaAdded {
            id: "1".into(),
            title: "A".into(),
            finding: None,
        });
        // The clock went back a day: the last entry looks forged or the clock wrong.
        let behind = seal_batch(
            &b1.plan,
            "me",
            t - chrono::Duration::days(1),
            vec![area.clone()],
        );
        assert!(
            matches!(behind, Err(BatchError::FutureHead { .. })),
            "{behind:?}"
        );
        // A minute back: recorded_at must not go back with it.
        let b2 = seal_batch(&b1.plan, "me", t - chrono::Duration::minutes(1), vec![area]).unwrap();
        assert_eq!(b2.entries[0].recorded_at, b1.entries[0].recorded_at);
        let mut v = ChainVerifier::new();
        for line in [&b1.bytes, &b2.bytes] {
            v.check_stored(line.strip_suffix(b"\n").unwrap()).unwrap();
        }
        assert_eq!(v.head_hash(), b2.plan.head.unwrap().1);
    }

    #[test]
    fn one_event_sealed_in_place_is_the_batch_and_a_refusal_leaves_the_plan() {
        let t = Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap();
        let area = Event::AreaAdded(AreaAdded {
            id: "1".into(),
            title: "A".into(),
            finding: None,
        });
        let b1 = seal_batch(&Plan::new(), "me", t, vec![created()]).unwrap();
        let batch = seal_batch(&b1.plan, "me", t, vec![area.clone()]).unwrap();
        let mut plan = b1.plan.clone();
        let (entry, line) = seal_one_into(&mut plan, "me", t, area.clone()).unwrap();
        assert_eq!(entry, batch.entries[0]);
        assert_eq!([line.as_slice(), b"\n"].concat(), batch.bytes);
        assert_eq!(plan, batch.plan);
        // Refused, by a rule or by the batch's own checks: the plan is as it was.
        let before = plan.clone();
        let again = seal_one_into(&mut plan, "me", t, area.clone());
        assert!(matches!(again, Err(BatchError::Rule { .. })), "{again:?}");
        assert_eq!(plan, before);
        let nobody = seal_one_into(&mut plan, " ", t, area);
        assert_eq!(nobody.unwrap_err(), BatchError::NoActor);
        assert_eq!(plan, before);
    }

    #[test]
    fn a_bad_event_refuses_the_whole_batch_and_says_which() {
        let t = Utc.with_ymd_and_hms(2021, 1, 15, 9, 0, 0).unwrap();
        let err = seal_batch(&Plan::new(), "me", t, vec![created(), created()]).unwrap_err();
        assert!(
            matches!(
                err,
                BatchError::Rule {
                    index: 1,
                    total: 2,
                    ..
                }
            ),
            "{err:?}"
        );
        // People read what it is about, not its place in the batch.
        assert!(
            err.to_string().starts_with("the ledger already has a plan"),
            "{err}"
        );
        assert_eq!(
            seal_batch(&Plan::new(), " ", t, vec![created()]).unwrap_err(),
            BatchError::NoActor
        );
    }
}
