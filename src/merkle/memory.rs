//! An in-memory tree holding every perfect node hash: the proof source for tests, and a
//! model of what a store keeps (node `(level, index)` → hash, about `2n` hashes in all).

use super::compact::CompactTree;
use super::error::ProofError;
use super::prove::{try_consistency_proof, try_inclusion_proof};
use super::{leaf_hash, node_hash, split_point, Hash, EMPTY_ROOT};

/// All leaf hashes and every perfect subtree hash above them, appended incrementally.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the root of the perfect subtree over leaves `[i << l, (i+1) << l)`;
    /// `levels[0]` holds the leaf hashes.
    levels: Vec<Vec<Hash>>,
    compact: CompactTree,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// A tree over these leaf hashes, in order.
    pub fn from_leaf_hashes(leaf_hashes: impl IntoIterator<Item = Hash>) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for hash in leaf_hashes {
            tree.push(hash);
        }
        tree
    }

    /// Appends the leaf with these bytes.
    pub fn push_leaf(&mut self, leaf: &[u8]) {
        self.push(leaf_hash(leaf));
    }

    /// Appends a leaf by its leaf hash, storing every node it completes.
    pub fn push(&mut self, leaf_hash: Hash) {
        let levels = &mut self.levels;
        self.compact.push_with(leaf_hash, |level, _, hash| {
            let level = level as usize;
            if levels.len() <= level {
                levels.push(Vec::new());
            }
            levels[level].push(*hash);
        });
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.compact.size()
    }

    /// Root of the whole tree.
    pub fn root(&self) -> Hash {
        self.compact.root()
    }

    /// Root of the tree of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        Ok(self.range_root(0, size))
    }

    /// Root of the tree over leaves `[start, end)` (RFC 6962 MTH of that slice).
    pub fn subtree_hash(&self, start: u64, end: u64) -> Result<Hash, ProofError> {
        self.check_size(end)?;
        if start > end {
            return Err(ProofError::SizeOrder {
                old: start,
                new: end,
            });
        }
        Ok(self.range_root(start, end))
    }

    /// Audit path of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(size)?;
        try_inclusion_proof(index, size, |s, e| self.subtree_hash(s, e))
    }

    /// Consistency proof from the first `old` leaves to the first `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(new)?;
        try_consistency_proof(old, new, |s, e| self.subtree_hash(s, e))
    }

    /// The compact tree (frontier) of all leaves.
    pub fn compact(&self) -> &CompactTree {
        &self.compact
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        if size > self.size() {
            return Err(ProofError::SizeBeyondTree {
                size,
                available: self.size(),
            });
        }
        Ok(())
    }

    /// MTH of `[start, end)`, within the tree: stored when perfect and aligned, else split.
    fn range_root(&self, start: u64, end: u64) -> Hash {
        let n = end - start;
        if n == 0 {
            return EMPTY_ROOT;
        }
        if n.is_power_of_two() && start.is_multiple_of(n) {
            let level = n.trailing_zeros() as usize;
            if let Some(hash) = self
                .levels
                .get(level)
                .and_then(|l| l.get((start >> level) as usize))
            {
                return *hash;
            }
        }
        let k = split_point(n);
        node_hash(
            &self.range_root(start, start + k),
            &self.range_root(start + k, end),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::root_from_leaves;
    use super::*;

    #[test]
    fn every_range_matches_the_reference() {
        let leaves: Vec<Hash> = (0u8..19).map(|i| leaf_hash(&[i])).collect();
        let tree = MemoryTree::from_leaf_hashes(leaves.iter().copied());
        assert_eq!(tree.size(), 19);
        assert_eq!(tree.root(), root_from_leaves(&leaves));
        for end in 0..=19u64 {
            assert_eq!(
                tree.root_at(end),
                Ok(root_from_leaves(&leaves[..end as usize]))
            );
            for start in 0..=end {
                let want = root_from_leaves(&leaves[start as usize..end as usize]);
                assert_eq!(tree.subtree_hash(start, end), Ok(want), "[{start}, {end})");
            }
        }
    }

    #[test]
    fn out_of_range_requests_are_errors() {
        let mut tree = MemoryTree::new();
        tree.push_leaf(b"a");
        tree.push_leaf(b"b");
        let beyond = ProofError::SizeBeyondTree {
            size: 3,
            available: 2,
        };
        assert_eq!(tree.root_at(3), Err(beyond.clone()));
        assert_eq!(tree.subtree_hash(0, 3), Err(beyond.clone()));
        assert_eq!(tree.inclusion_proof(0, 3), Err(beyond.clone()));
        assert_eq!(tree.consistency_proof(1, 3), Err(beyond));
        assert!(tree.subtree_hash(2, 1).is_err());
        assert_eq!(tree.inclusion_proof(1, 2), Ok(vec![leaf_hash(b"a")]));
        assert_eq!(tree.compact().size(), 2);
    }
}
