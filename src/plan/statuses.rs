//! One action's statuses by review label: a sorted vector, not a tree.
//!
//! A large plan is nearly all statuses, and a tree spends more on its nodes than on the
//! records; a vector holds each in 40 bytes and is looked up by binary search. It is sorted
//! by the labels' interned ids, not their text: replay puts in a million records, and an
//! integer compare keeps that near the cost of moving them. Iteration is therefore in no
//! meaningful order; what is shown to people or written as JSON is ordered by text.

use serde::{Deserialize, Serialize};

use super::state::{Label, RecordedStatus};

/// An action's statuses, one per review label, sorted by the labels' ids. The record is
/// the whole [`RecordedStatus`], or a smaller one where only the rules read the statuses
/// (verify's fold, [`super::state::RuleStatus`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statuses<R = RecordedStatus>(Vec<(Label, R)>);

impl<R> Default for Statuses<R> {
    fn default() -> Self {
        Statuses(Vec::new())
    }
}

/// The container's order: by interned id.
fn by_id(a: &Label, b: &Label) -> std::cmp::Ordering {
    a.id().cmp(&b.id())
}

impl<R> Statuses<R> {
    fn find_sym(&self, label: Label) -> Result<usize, usize> {
        // Labels are interned as reviews are added, so a new status is usually for the
        // newest label: one look at the last record (likely one cache miss in a large
        // plan) instead of a binary search (one per step).
        match self.0.last() {
            None => Err(0),
            Some((last, _)) if last.id() < label.id() => Err(self.0.len()),
            Some((last, _)) if last.id() == label.id() => Ok(self.0.len() - 1),
            Some(_) => self.0.binary_search_by(|(l, _)| by_id(l, &label)),
        }
    }

    /// Where `label` is; a text never interned is in no plan.
    fn find(&self, label: &str) -> Option<usize> {
        self.find_sym(Label::existing(label)?).ok()
    }

    pub fn get(&self, label: &str) -> Option<&R> {
        self.find(label).map(|i| &self.0[i].1)
    }

    /// [`Statuses::get`] by a label already looked up, for a view reading one review across
    /// every action (a lookup by text per cell was a tenth of `matrix` at 1M statuses).
    pub fn get_interned(&self, label: Label) -> Option<&R> {
        self.find_sym(label).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, label: &str) -> Option<&mut R> {
        self.find(label).map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, label: &str) -> bool {
        self.find(label).is_some()
    }

    /// Sets the status at `label`, returning the one it replaces.
    pub fn insert(&mut self, label: Label, record: R) -> Option<R> {
        self.insert_expecting(label, record, 0)
    }

    /// [`Statuses::insert`] for an action expected to reach `expect` statuses (see
    /// [`Statuses::extend_latest_expecting`]).
    pub fn insert_expecting(&mut self, label: Label, record: R, expect: usize) -> Option<R> {
        match self.find_sym(label) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, record)),
            Err(i) => {
                self.grow_by(1, expect);
                self.0.insert(i, (label, record));
                None
            }
        }
    }

    /// Sets the status at `label` only if it has none (a newer one is kept). A view fills
    /// most actions with one record only, so the first gets room for itself, not slack:
    /// ten thousand actions' slack was 0.8 MB of fresh memory.
    pub fn insert_if_absent(&mut self, label: Label, record: R) {
        if let Err(i) = self.find_sym(label) {
            if self.0.capacity() == 0 {
                self.0.reserve_exact(1);
            } else {
                self.grow_by(1, 0);
            }
            self.0.insert(i, (label, record));
        }
    }

    pub fn remove(&mut self, label: &str) -> Option<R> {
        self.find(label).map(|i| self.0.remove(i).1)
    }

    /// Adds `records` in ledger order, the latest for a label winning, as [`Statuses::insert`]
    /// one at a time would, but sorting only the new records and moving the old ones once.
    pub fn extend_latest(&mut self, records: impl IntoIterator<Item = (Label, R)>) {
        self.extend_latest_expecting(records, 0);
    }

    /// [`Statuses::extend_latest`] for an action expected to reach `expect` statuses (one per
    /// review of its plan): room for them is made at once, so a plan filled a few records at
    /// a time is not moved, and its freed copies do not fragment the heap.
    pub fn extend_latest_expecting(
        &mut self,
        records: impl IntoIterator<Item = (Label, R)>,
        expect: usize,
    ) {
        let mut new: Vec<(Label, R)> = records.into_iter().collect();
        if new.is_empty() {
            return;
        }
        keep_latest_sorted(&mut new);
        if self
            .0
            .last()
            .is_none_or(|(last, _)| last.id() < new[0].0.id())
        {
            self.grow_by(new.len(), expect);
            self.0.append(&mut new);
            return;
        }
        // One pass over both, in order: the old records are read front to back (no probing
        // a cold vector), and a new record replaces an old one with its label.
        let mut merged = Vec::with_capacity(self.grown_capacity(new.len(), expect));
        let mut old = std::mem::take(&mut self.0).into_iter().peekable();
        for item in new {
            while let Some(kept) = old.next_if(|o| o.0.id() < item.0.id()) {
                merged.push(kept);
            }
            let _replaced = old.next_if(|o| o.0 == item.0);
            merged.push(item);
        }
        merged.extend(old);
        self.0 = merged;
    }

    /// The capacity for `more` records: what is expected if that is more, else a little
    /// slack, so that an action growing a few records at a time is not copied every time,
    /// without a doubling vector's waste.
    fn grown_capacity(&self, more: usize, expect: usize) -> usize {
        let need = self.0.len() + more;
        if need <= expect {
            return expect;
        }
        need.max(self.0.capacity()) + (need / 8).clamp(2, 64)
    }

    fn grow_by(&mut self, more: usize, expect: usize) {
        if self.0.capacity() < self.0.len() + more {
            let extra = self.grown_capacity(more, expect) - self.0.len();
            self.0.reserve_exact(extra);
        }
    }

    /// The statuses, in no meaningful order (see [`Statuses::by_label`]).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Label, &R)> + Clone {
        self.0.iter().map(|(l, r)| (l, r))
    }

    /// The labels, in no meaningful order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Label> + Clone {
        self.0.iter().map(|(l, _)| l)
    }

    /// The records, in no meaningful order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &R> + Clone {
        self.0.iter().map(|(_, r)| r)
    }

    /// The statuses in the text order of their labels, as people and JSON see them.
    pub fn by_label(&self) -> Vec<(&Label, &R)> {
        let mut all: Vec<_> = self.iter().collect();
        all.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        all
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Sorts `records` (in ledger order) by label, keeping only the last for each label.
fn keep_latest_sorted<R>(records: &mut Vec<(Label, R)>) {
    if records.windows(2).all(|w| w[0].0.id() < w[1].0.id()) {
        return;
    }
    // Stable, so for one label the later record stays after the earlier one.
    records.sort_by(|a, b| by_id(&a.0, &b.0));
    let mut kept = 0;
    for at in 1..records.len() {
        if records[at].0 != records[kept].0 {
            kept += 1;
        }
        records.swap(kept, at);
    }
    records.truncate(kept + 1);
}

impl<'a> IntoIterator for &'a Statuses {
    type Item = (&'a Label, &'a RecordedStatus);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Label, RecordedStatus)>,
        fn(&'a (Label, RecordedStatus)) -> (&'a Label, &'a RecordedStatus),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(l, r)| (l, r))
    }
}

impl std::ops::Index<&str> for Statuses {
    type Output = RecordedStatus;

    /// Like a map's index: for tests and callers that have just checked the label is there.
    fn index(&self, label: &str) -> &RecordedStatus {
        self.get(label).expect("no status at that review")
    }
}

impl FromIterator<(Label, RecordedStatus)> for Statuses {
    fn from_iter<I: IntoIterator<Item = (Label, RecordedStatus)>>(records: I) -> Statuses {
        let mut s = Statuses::default();
        s.extend_latest(records);
        s
    }
}

impl Serialize for Statuses {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.by_label())
    }
}

impl<'de> Deserialize<'de> for Statuses {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Statuses, D::Error> {
        let map = std::collections::BTreeMap::<Label, RecordedStatus>::deserialize(d)?;
        Ok(map.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Seq;

    fn record(seq: u64, status: &str) -> RecordedStatus {
        RecordedStatus {
            status: status.into(),
            note: None,
            seq: Seq(seq),
            source: Seq(seq),
            recorded_at: "2026-01-01T00:00:00Z".into(),
            actor: "a".into(),
        }
    }

    #[test]
    fn batches_and_single_inserts_agree_with_a_map() {
        let records = [("Q3", 1), ("Q1", 2), ("Q3", 3), ("Q2", 4), ("Q1", 5)];
        let mut one_by_one = Statuses::default();
        let mut map = std::collections::BTreeMap::new();
        for (label, seq) in records {
            one_by_one.insert(label.into(), record(seq, "Green"));
            map.insert(label, seq);
        }
        let batch: Statuses = records
            .iter()
            .map(|&(l, seq)| (Label::from(l), record(seq, "Green")))
            .collect();
        assert_eq!(batch, one_by_one);
        let seen: Vec<(&str, u64)> = batch
            .by_label()
            .iter()
            .map(|(l, r)| (l.as_str(), r.seq.0))
            .collect();
        let want: Vec<(&str, u64)> = map.into_iter().collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn batch_after_batch_merges_like_a_map() {
        let labels = ["Q5", "Q1", "Q9", "Q3", "Q7", "Q2", "Q8"];
        let mut s = Statuses::default();
        let mut map = std::collections::BTreeMap::new();
        let mut seq = 0u64;
        for round in 0..12usize {
            let batch: Vec<(Label, RecordedStatus)> = (0..1 + round % 4)
                .map(|i| {
                    seq += 1;
                    let label = labels[(round * 3 + i * 5) % labels.len()];
                    map.insert(label, seq);
                    (Label::from(label), record(seq, "Green"))
                })
                .collect();
            s.extend_latest(batch);
            let seen: Vec<(&str, u64)> = s
                .by_label()
                .iter()
                .map(|(l, r)| (l.as_str(), r.seq.0))
                .collect();
            let want: Vec<(&str, u64)> = map.iter().map(|(l, q)| (*l, *q)).collect();
            assert_eq!(seen, want, "after round {round}");
        }
    }

    #[test]
    fn a_later_batch_replaces_and_insert_if_absent_keeps() {
        let mut s: Statuses = [(Label::from("Q1"), record(1, "Red"))]
            .into_iter()
            .collect();
        s.extend_latest([(Label::from("Q1"), record(2, "Green"))]);
        assert_eq!(s["Q1"].seq, Seq(2));
        s.insert_if_absent("Q1".into(), record(3, "Amber"));
        assert_eq!(s["Q1"].seq, Seq(2));
        assert_eq!(s.remove("Q1").map(|r| r.seq), Some(Seq(2)));
        assert!(s.is_empty());
    }

    #[test]
    fn a_first_record_filled_in_takes_no_slack() {
        let mut s = Statuses::default();
        s.insert_if_absent("Q2".into(), record(1, "Red"));
        assert_eq!(s.0.capacity(), 1);
        s.insert_if_absent("Q1".into(), record(2, "Green"));
        s.insert_if_absent("Q2".into(), record(3, "Amber"));
        let seqs: Vec<(&str, u64)> = s
            .by_label()
            .iter()
            .map(|(l, r)| (l.as_str(), r.seq.0))
            .collect();
        assert_eq!(seqs, [("Q1", 2), ("Q2", 1)]);
    }

    #[test]
    fn a_status_record_is_small() {
        assert!(std::mem::size_of::<(Label, RecordedStatus)>() <= 40);
    }
}
