//! One action's statuses by review label: a sorted vector, not a tree.
//!
//! A large plan is nearly all statuses, and a tree spends more on its nodes than on the
//! records; a vector kept in label order holds each in 40 bytes and is looked up by binary
//! search. It reads like the map it replaces, in the same order.

use serde::{Deserialize, Serialize};

use super::state::{Label, RecordedStatus};

/// An action's statuses, one per review label, in label order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statuses(Vec<(Label, RecordedStatus)>);

impl Statuses {
    fn find(&self, label: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(l, _)| l.as_str().cmp(label))
    }

    pub fn get(&self, label: &str) -> Option<&RecordedStatus> {
        self.find(label).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, label: &str) -> Option<&mut RecordedStatus> {
        self.find(label).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, label: &str) -> bool {
        self.find(label).is_ok()
    }

    /// Sets the status at `label`, returning the one it replaces.
    pub fn insert(&mut self, label: Label, record: RecordedStatus) -> Option<RecordedStatus> {
        match self.find(&label) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, record)),
            Err(i) => {
                self.0.insert(i, (label, record));
                None
            }
        }
    }

    /// Sets the status at `label` only if it has none (a newer one is kept).
    pub fn insert_if_absent(&mut self, label: Label, record: RecordedStatus) {
        if let Err(i) = self.find(&label) {
            self.0.insert(i, (label, record));
        }
    }

    pub fn remove(&mut self, label: &str) -> Option<RecordedStatus> {
        self.find(label).ok().map(|i| self.0.remove(i).1)
    }

    /// Adds `records` in ledger order, the latest for a label winning, as [`Statuses::insert`]
    /// one at a time would, but with one sort instead of a shift per record.
    pub fn extend_latest(&mut self, records: impl IntoIterator<Item = (Label, RecordedStatus)>) {
        let before = self.0.len();
        self.0.extend(records);
        if self.0.len() == before {
            return;
        }
        let sorted = self.0.windows(2).all(|w| w[0].0.as_str() < w[1].0.as_str());
        if !sorted {
            // Stable, so for one label the later record stays after the earlier one.
            self.0.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            let mut kept: Vec<(Label, RecordedStatus)> = Vec::with_capacity(self.0.len());
            for item in self.0.drain(..) {
                match kept.last_mut() {
                    Some(last) if last.0 == item.0 => *last = item,
                    _ => kept.push(item),
                }
            }
            self.0 = kept;
        }
        self.0.shrink_to_fit();
    }

    /// The statuses in label order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Label, &RecordedStatus)> + Clone {
        self.0.iter().map(|(l, r)| (l, r))
    }

    /// The labels in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Label> + Clone {
        self.0.iter().map(|(l, _)| l)
    }

    /// The records in label order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &RecordedStatus> + Clone {
        self.0.iter().map(|(_, r)| r)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
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
        s.collect_map(self.iter())
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
        let seen: Vec<(&str, u64)> = batch.iter().map(|(l, r)| (l.as_str(), r.seq.0)).collect();
        let want: Vec<(&str, u64)> = map.into_iter().collect();
        assert_eq!(seen, want);
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
    fn a_status_record_is_small() {
        assert!(std::mem::size_of::<(Label, RecordedStatus)>() <= 40);
    }
}
