//! Actions by id, holding positions only: each id is hashed where its action keeps it, so a
//! plan of ten thousand actions is indexed without ten thousand copies of their ids (the
//! index is rebuilt whenever a plan is read from a snapshot and then extended).

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Positions in a list of ids, found by id. Every method is given the list (`id_at`), which
/// the caller keeps in step with what it inserted.
#[derive(Debug, Default, Clone)]
pub struct IdIndex {
    table: HashTable<usize>,
    /// Seeded at random per index like SipHash, so crafted ids do not collide at will.
    hasher: foldhash::fast::RandomState,
}

impl IdIndex {
    /// How many distinct ids it holds.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The position of `id`.
    pub fn get<'a>(&self, id: &str, id_at: impl Fn(usize) -> &'a str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.table.find(hash, |&i| id_at(i) == id).copied()
    }

    /// Puts `id` at `position`: a later position for an id already held replaces it.
    pub fn insert<'a>(&mut self, id: &str, position: usize, id_at: impl Fn(usize) -> &'a str) {
        let hash = self.hasher.hash_one(id);
        if let Some(found) = self.table.find_mut(hash, |&i| id_at(i) == id) {
            *found = position;
            return;
        }
        let hasher = &self.hasher;
        self.table
            .insert_unique(hash, position, |&i| hasher.hash_one(id_at(i)));
    }

    /// The index of the `count` ids `id_at` gives, in order (a later duplicate wins).
    pub fn of<'a>(count: usize, id_at: impl Fn(usize) -> &'a str) -> IdIndex {
        let mut index = IdIndex::default();
        let hasher = &index.hasher;
        index.table.reserve(count, |&i| hasher.hash_one(id_at(i)));
        for i in 0..count {
            index.insert(id_at(i), i, &id_at);
        }
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_where_they_are_and_a_later_duplicate_wins() {
        let ids = ["1.1", "1.2", "2.1", "1.2"];
        let at = |i: usize| ids[i];
        let index = IdIndex::of(ids.len(), at);
        assert_eq!(index.get("1.1", at), Some(0));
        assert_eq!(index.get("2.1", at), Some(2));
        assert_eq!(index.get("1.2", at), Some(3));
        assert_eq!(index.get("9.9", at), None);
        assert_eq!(index.len(), 3);
        let many: Vec<String> = (0..5000).map(|i| format!("{}.{}", i % 7, i)).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let index = IdIndex::of(refs.len(), |j| refs[j]);
        for (i, id) in refs.iter().enumerate() {
            assert_eq!(index.get(id, |j| refs[j]), Some(i));
        }
    }
}
