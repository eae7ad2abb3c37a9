//! Actions by id. The ids are kept again here, all in one string in plan order, so that a
//! lookup compares against a few kilobytes that stay in cache rather than following each
//! action to its own allocation (the fold and the rules look up an action per status: a
//! million lookups in a large replay), and rebuilding the index allocates twice, not once
//! per action.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Ids in the order they were pushed, and the position of each found by id.
#[derive(Debug, Default, Clone)]
pub struct IdIndex {
    /// Position by id; a later duplicate takes the earlier one's place.
    table: HashTable<usize>,
    text: String,
    /// Where each id ends in `text`.
    ends: Vec<usize>,
    /// Seeded at random per index like SipHash, so crafted ids do not collide at will.
    hasher: foldhash::fast::RandomState,
}

impl IdIndex {
    /// The index of `ids`, in order.
    pub fn of<'a>(ids: impl ExactSizeIterator<Item = &'a str> + Clone) -> IdIndex {
        let mut index = IdIndex::default();
        index.text.reserve(ids.clone().map(str::len).sum());
        index.ends.reserve(ids.len());
        for id in ids {
            index.push(id);
        }
        index
    }

    /// How many ids were pushed (duplicates included).
    pub fn positions(&self) -> usize {
        self.ends.len()
    }

    /// The id at `position`.
    pub fn id(&self, position: usize) -> Option<&str> {
        let end = *self.ends.get(position)?;
        let start = position.checked_sub(1).map_or(0, |p| self.ends[p]);
        self.text.get(start..end)
    }

    /// The position of `id` (the latest, if pushed more than once).
    pub fn get(&self, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.table.find(hash, |&i| self.id(i) == Some(id)).copied()
    }

    /// Adds `id` at the next position.
    pub fn push(&mut self, id: &str) {
        let position = self.ends.len();
        self.text.push_str(id);
        self.ends.push(self.text.len());
        let hash = self.hasher.hash_one(id);
        let IdIndex {
            table,
            text,
            ends,
            hasher,
        } = self;
        let id_at = |i: usize| {
            let start = i.checked_sub(1).map_or(0, |p| ends[p]);
            &text[start..ends[i]]
        };
        match table.find_mut(hash, |&i| id_at(i) == id) {
            Some(found) => *found = position,
            None => {
                table.insert_unique(hash, position, |&i| hasher.hash_one(id_at(i)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_where_they_are_and_a_later_duplicate_wins() {
        let ids = ["1.1", "1.2", "2.1", "1.2", ""];
        let index = IdIndex::of(ids.iter().copied());
        assert_eq!(index.get("1.1"), Some(0));
        assert_eq!(index.get("2.1"), Some(2));
        assert_eq!(index.get("1.2"), Some(3));
        assert_eq!(index.get(""), Some(4));
        assert_eq!(index.get("9.9"), None);
        assert_eq!(index.positions(), 5);
        assert_eq!(index.id(1), Some("1.2"));
        assert_eq!(index.id(5), None);
        let many: Vec<String> = (0..5000).map(|i| format!("{}.{}", i % 7, i)).collect();
        let mut index = IdIndex::default();
        for id in &many {
            index.push(id);
        }
        for (i, id) in many.iter().enumerate() {
            assert_eq!(index.get(id), Some(i));
            assert_eq!(index.id(i), Some(id.as_str()));
        }
    }
}
