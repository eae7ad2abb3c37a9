//! Statuses as the rules read them, for a plan folded only to check entries (verify's).
//!
//! The rules read two things of a status already recorded: its value (a sign-off must sign
//! the status shown) and the entry that set it (a correction must name that entry). A plan
//! that is never shown keeps only those, 12 bytes a status instead of 40, so `verify` of a
//! million statuses holds 12 MB of them rather than 40 MB.

use crate::entry::Seq;

use super::state::{Label, RecordedStatus, Shared};
use super::statuses::Statuses;

/// The value of a status and the entry that set it: what the rules ask of a status shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub status: Shared,
    pub source: Seq,
}

/// [`Shown`] in 8 bytes: a source at or past `FAR` is kept in [`RuleStatuses::far`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleStatus {
    status: Shared,
    source: u32,
}

/// Marks a source too large for 32 bits (a ledger of four billion entries).
const FAR: u32 = u32::MAX;

/// Every action's statuses, by the action's index in the plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleStatuses {
    by_action: Vec<Statuses<RuleStatus>>,
    /// Sources at or past [`FAR`], by action index and label id.
    far: foldhash::HashMap<(usize, u32), Seq>,
}

impl RuleStatuses {
    /// The status shown for action `action` at `label`.
    pub fn shown(&self, action: usize, label: Label) -> Option<Shown> {
        let record = self.by_action.get(action)?.get_interned(label)?;
        let source = match record.source {
            FAR => *self.far.get(&(action, label.id()))?,
            small => Seq(u64::from(small)),
        };
        Some(Shown {
            status: record.status,
            source,
        })
    }

    /// Makes a place for action `action`'s statuses, if there is none yet.
    fn make_room(&mut self, action: usize) {
        if self.by_action.len() <= action {
            self.by_action.resize_with(action + 1, Statuses::default);
        }
    }

    fn action(&mut self, action: usize) -> &mut Statuses<RuleStatus> {
        self.make_room(action);
        &mut self.by_action[action]
    }

    /// Records a new status of action `action` at `label`, which an action reaching
    /// `expect` statuses makes room for at once.
    pub fn insert(&mut self, action: usize, label: Label, record: &RecordedStatus, expect: usize) {
        let compact = compact(&mut self.far, action, label, shown_of(record));
        self.action(action).insert_expecting(label, compact, expect);
    }

    /// Records a run of one action's statuses, in ledger order (the latest for a label wins).
    pub fn extend(
        &mut self,
        action: usize,
        run: impl IntoIterator<Item = (Label, RecordedStatus)>,
        expect: usize,
    ) {
        self.make_room(action);
        let (statuses, far) = (&mut self.by_action[action], &mut self.far);
        let run = run
            .into_iter()
            .map(|(label, r)| (label, compact(far, action, label, shown_of(&r))));
        statuses.extend_latest_expecting(run, expect);
    }

    /// A correction by entry `seq` of the status at `label`, if `target` set the value
    /// shown: the new value (if one is given) is shown, and `seq` set it.
    pub fn correct(
        &mut self,
        action: usize,
        label: &str,
        target: Seq,
        status: Option<Shared>,
        seq: Seq,
    ) {
        let Some(label) = Label::existing(label) else {
            return;
        };
        let Some(shown) = self.shown(action, label) else {
            return;
        };
        if shown.source != target {
            return;
        }
        let updated = Shown {
            status: status.unwrap_or(shown.status),
            source: seq,
        };
        let compact = compact(&mut self.far, action, label, updated);
        self.action(action).insert(label, compact);
    }

    /// A review renamed from `from` to `to`: its statuses follow it.
    pub fn rename(&mut self, from: &str, to: Label) {
        let Some(from) = Label::existing(from) else {
            return;
        };
        for (i, statuses) in self.by_action.iter_mut().enumerate() {
            if let Some(record) = statuses.remove(from.as_str()) {
                statuses.insert(to, record);
                if let Some(far) = self.far.remove(&(i, from.id())) {
                    self.far.insert((i, to.id()), far);
                }
            }
        }
    }
}

/// The compact record of `shown`, a far source noted aside in `far`.
fn compact(
    far: &mut foldhash::HashMap<(usize, u32), Seq>,
    action: usize,
    label: Label,
    shown: Shown,
) -> RuleStatus {
    let source = match u32::try_from(shown.source.0) {
        Ok(small) if small != FAR => small,
        _ => {
            far.insert((action, label.id()), shown.source);
            FAR
        }
    };
    RuleStatus {
        status: shown.status,
        source,
    }
}

fn shown_of(record: &RecordedStatus) -> Shown {
    Shown {
        status: record.status,
        source: record.source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: &str, source: u64) -> RecordedStatus {
        RecordedStatus {
            status: status.into(),
            note: None,
            seq: Seq(source),
            source: Seq(source),
            recorded_at: "2026-01-01T00:00:00Z".into(),
            actor: "a".into(),
        }
    }

    #[test]
    fn a_rule_status_is_small() {
        assert_eq!(std::mem::size_of::<(Label, RuleStatus)>(), 12);
    }

    #[test]
    fn sources_past_32_bits_are_kept_whole_and_follow_renames_and_corrections() {
        let mut r = RuleStatuses::default();
        let (q1, q2) = (Label::new("Q1 rule"), Label::new("Q2 rule"));
        let far = (1u64 << 33) + 5;
        r.insert(3, q1, &record("Green", far), 4);
        r.extend(0, [(q1, record("Red", 7)), (q1, record("Amber", 9))], 4);
        assert_eq!(r.shown(3, q1).map(|s| s.source), Some(Seq(far)));
        assert_eq!(r.shown(0, q1).map(|s| s.status.as_str()), Some("Amber"));
        assert_eq!(r.shown(1, q1), None, "actions between are empty");

        // A correction that names an entry that no longer sets the value changes nothing.
        r.correct(3, "Q1 rule", Seq(far - 1), Some("Red".into()), Seq(far + 1));
        assert_eq!(r.shown(3, q1).map(|s| s.status.as_str()), Some("Green"));
        r.correct(3, "Q1 rule", Seq(far), Some("Red".into()), Seq(far + 1));
        let shown = r.shown(3, q1).unwrap();
        assert_eq!((shown.status.as_str(), shown.source), ("Red", Seq(far + 1)));

        r.rename("Q1 rule", q2);
        assert_eq!(r.shown(3, q1), None);
        assert_eq!(r.shown(3, q2).map(|s| s.source), Some(Seq(far + 1)));
        assert_eq!(r.shown(0, q2).map(|s| s.source), Some(Seq(9)));
    }
}
