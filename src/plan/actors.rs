//! "Who changed what": each actor's first and last entry, and how many entries of each
//! event type they wrote.
//!
//! A fold over entries, like the plan itself: feed entries in ledger order to
//! [`ActorTally::add`], then [`ActorTally::finish`]. Memory follows the number of actors,
//! not the length of the log.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::entry::{Entry, Head};
use crate::event::Event;

/// An entry, as the actors view points at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryAt {
    pub seq: u64,
    pub recorded_at: String,
}

impl EntryAt {
    fn of(entry: &Entry) -> EntryAt {
        EntryAt {
            seq: entry.seq.0,
            recorded_at: entry.recorded_at.clone(),
        }
    }
}

/// One actor's part in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActorSummary {
    pub actor: String,
    /// Their first entry.
    pub first: EntryAt,
    /// Their latest entry.
    pub last: EntryAt,
    /// How many entries they wrote.
    pub entries: u64,
    /// Entries by event type (only the types they wrote): `{"status_recorded": 12, ...}`.
    pub by_type: BTreeMap<&'static str, u64>,
}

/// Every actor, in the order they first wrote to the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actors {
    /// The last entry counted.
    pub head: Option<Head>,
    /// The `--known-at` bound, in entry timestamp form, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_at: Option<String>,
    pub actors: Vec<ActorSummary>,
}

impl Actors {
    /// The event types anyone wrote, in [`Event::TYPES`] order (a plan's life order).
    pub fn event_types(&self) -> Vec<&'static str> {
        Event::TYPES
            .iter()
            .copied()
            .filter(|t| self.actors.iter().any(|a| a.by_type.contains_key(t)))
            .collect()
    }
}

/// The fold behind [`Actors`]: one summary per actor, updated entry by entry.
#[derive(Debug, Clone, Default)]
pub struct ActorTally {
    index: HashMap<String, usize>,
    actors: Vec<ActorSummary>,
    head: Option<Head>,
}

impl ActorTally {
    /// A tally of no entries.
    pub fn new() -> ActorTally {
        ActorTally::default()
    }

    /// Counts one entry; entries must come in ledger order.
    pub fn add(&mut self, entry: &Entry) {
        let kind = entry.event.type_name();
        match self.index.get(&entry.actor) {
            Some(&i) => {
                let a = &mut self.actors[i];
                a.last = EntryAt::of(entry);
                a.entries += 1;
                *a.by_type.entry(kind).or_default() += 1;
            }
            None => {
                self.index.insert(entry.actor.clone(), self.actors.len());
                self.actors.push(ActorSummary {
                    actor: entry.actor.clone(),
                    first: EntryAt::of(entry),
                    last: EntryAt::of(entry),
                    entries: 1,
                    by_type: BTreeMap::from([(kind, 1)]),
                });
            }
        }
        self.head = Some(Head {
            seq: entry.seq.0,
            hash: entry.hash,
        });
    }

    /// The summaries, actors in the order they first wrote.
    pub fn finish(self, known_at: Option<String>) -> Actors {
        Actors {
            head: self.head,
            known_at,
            actors: self.actors,
        }
    }
}

/// Summarises `entries` (in ledger order).
pub fn actors<'e>(entries: impl IntoIterator<Item = &'e Entry>) -> Actors {
    let mut tally = ActorTally::new();
    for e in entries {
        tally.add(e);
    }
    tally.finish(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{EntryHash, Seq};
    use crate::event::{AreaAdded, ReviewScheduled};

    fn entry(seq: u64, actor: &str, event: Event) -> Entry {
        Entry {
            seq: Seq(seq),
            recorded_at: format!("2021-01-{seq:02}T09:00:00.000000Z"),
            actor: actor.into(),
            event,
            prev: EntryHash::ZERO,
            hash: EntryHash([seq as u8; 32]),
        }
    }

    fn area(id: &str) -> Event {
        Event::AreaAdded(AreaAdded {
            id: id.into(),
            title: "T".into(),
            finding: None,
        })
    }

    fn review(label: &str) -> Event {
        Event::ReviewScheduled(ReviewScheduled {
            label: label.into(),
            date: "2021-01-31".into(),
        })
    }

    #[test]
    fn counts_each_actor_in_order_of_first_entry() {
        let entries = [
            entry(1, "b", area("1")),
            entry(2, "a", area("2")),
            entry(3, "b", review("R1")),
            entry(4, "b", area("3")),
        ];
        let got = actors(&entries);
        assert_eq!(got.head.map(|h| h.seq), Some(4));
        let names: Vec<&str> = got.actors.iter().map(|a| a.actor.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        let b = &got.actors[0];
        assert_eq!((b.first.seq, b.last.seq, b.entries), (1, 4, 3));
        assert_eq!(b.last.recorded_at, "2021-01-04T09:00:00.000000Z");
        assert_eq!(
            b.by_type,
            BTreeMap::from([("area_added", 2), ("review_scheduled", 1)])
        );
        let a = &got.actors[1];
        assert_eq!((a.first.seq, a.last.seq, a.entries), (2, 2, 1));
        assert_eq!(got.event_types(), ["area_added", "review_scheduled"]);
    }

    #[test]
    fn no_entries_no_actors() {
        let got = actors(&[]);
        assert!(got.actors.is_empty() && got.head.is_none());
        assert!(got.event_types().is_empty());
    }
}
