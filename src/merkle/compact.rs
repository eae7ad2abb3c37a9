//! The compact tree (frontier): the roots of the perfect subtrees that make up a tree of
//! any size, enough to append leaves and compute the root in `O(log n)` memory.
//!
//! A tree of `n` leaves splits, left to right, into one perfect subtree per set bit of `n`
//! (largest first): 13 = 8 + 4 + 1 leaves gives subtrees over `[0, 8)`, `[8, 12)`,
//! `[12, 13)`. Appending a leaf merges equal-sized subtrees at the right end, like a binary
//! counter carrying; the root folds the subtrees together from the right.

use super::{leaf_hash, node_hash, Hash, EMPTY_ROOT, HASH_LEN};

/// The frontier of a Merkle tree: its size and the roots of its perfect subtrees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactTree {
    size: u64,
    /// Roots of the perfect subtrees, largest (leftmost) first; one per set bit of `size`.
    frontier: Vec<Hash>,
}

/// Why bytes are not a valid [`CompactTree`] encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("compact tree encoding is {0} bytes, shorter than its 8-byte size")]
    TooShort(usize),
    #[error("compact tree of size {size} needs {expected} bytes ({hashes} hashes), found {found}")]
    WrongLength {
        size: u64,
        hashes: u32,
        expected: usize,
        found: usize,
    },
}

impl CompactTree {
    /// An empty tree.
    pub fn new() -> CompactTree {
        CompactTree::default()
    }

    /// Rebuilds a tree from its size and frontier (largest subtree first), checking that
    /// there is one hash per set bit of `size`.
    pub fn from_parts(size: u64, frontier: Vec<Hash>) -> Result<CompactTree, DecodeError> {
        let hashes = size.count_ones();
        if frontier.len() != hashes as usize {
            return Err(DecodeError::WrongLength {
                size,
                hashes,
                expected: encoded_len(size),
                found: 8 + frontier.len() * HASH_LEN,
            });
        }
        Ok(CompactTree { size, frontier })
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Roots of the perfect subtrees, largest (leftmost) first.
    pub fn frontier(&self) -> &[Hash] {
        &self.frontier
    }

    /// Appends the leaf with these bytes (for the ledger: an entry's line, no newline).
    pub fn push_leaf(&mut self, leaf: &[u8]) {
        self.push(leaf_hash(leaf));
    }

    /// Appends a leaf by its leaf hash.
    pub fn push(&mut self, leaf_hash: Hash) {
        self.push_with(leaf_hash, |_, _, _| {});
    }

    /// Appends a leaf hash and calls `completed(level, index, hash)` for every perfect
    /// subtree it completes, the leaf itself (level 0) first: node `(level, index)` covers
    /// leaves `[index << level, (index + 1) << level)`, so a store can keep node hashes.
    ///
    /// A tree already holding `u64::MAX` leaves is left unchanged.
    pub fn push_with(&mut self, leaf_hash: Hash, mut completed: impl FnMut(u32, u64, &Hash)) {
        let Some(new_size) = self.size.checked_add(1) else {
            return;
        };
        let mut hash = leaf_hash;
        let mut index = self.size;
        let mut level = 0;
        completed(level, index, &hash);
        // Each trailing one bit of the old size is a subtree of the same height as `hash`.
        while index & 1 == 1 {
            let Some(left) = self.frontier.pop() else {
                break; // unreachable: one frontier hash per set bit of the size
            };
            hash = node_hash(&left, &hash);
            index >>= 1;
            level += 1;
            completed(level, index, &hash);
        }
        self.frontier.push(hash);
        self.size = new_size;
    }

    /// Root of the tree as it stands ([`EMPTY_ROOT`] when empty).
    pub fn root(&self) -> Hash {
        let mut subtrees = self.frontier.iter().rev();
        let Some(last) = subtrees.next() else {
            return EMPTY_ROOT;
        };
        subtrees.fold(*last, |acc, left| node_hash(left, &acc))
    }

    /// Encodes the tree: the size as 8 bytes big-endian, then the frontier hashes, 32 bytes
    /// each, largest subtree first; `8 + 32 * size.count_ones()` bytes in all.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(encoded_len(self.size));
        out.extend_from_slice(&self.size.to_be_bytes());
        for hash in &self.frontier {
            out.extend_from_slice(hash);
        }
        out
    }

    /// Decodes [`CompactTree::to_bytes`] output, rejecting any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<CompactTree, DecodeError> {
        let Some((size, rest)) = bytes.split_first_chunk::<8>() else {
            return Err(DecodeError::TooShort(bytes.len()));
        };
        let size = u64::from_be_bytes(*size);
        if bytes.len() != encoded_len(size) {
            return Err(DecodeError::WrongLength {
                size,
                hashes: size.count_ones(),
                expected: encoded_len(size),
                found: bytes.len(),
            });
        }
        let frontier = rest
            .chunks_exact(HASH_LEN)
            .map(|c| {
                let mut h = [0u8; HASH_LEN];
                h.copy_from_slice(c);
                h
            })
            .collect();
        Ok(CompactTree { size, frontier })
    }
}

/// Length of the encoding of a compact tree of `size` leaves.
fn encoded_len(size: u64) -> usize {
    8 + size.count_ones() as usize * HASH_LEN
}

#[cfg(test)]
mod tests {
    use super::super::root_from_leaves;
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn root_matches_reference_at_every_size() {
        let all = leaves(40);
        let mut tree = CompactTree::new();
        assert_eq!(tree.root(), EMPTY_ROOT);
        for (i, leaf) in all.iter().enumerate() {
            tree.push(*leaf);
            assert_eq!(tree.size(), i as u64 + 1);
            assert_eq!(tree.frontier().len(), tree.size().count_ones() as usize);
            assert_eq!(tree.root(), root_from_leaves(&all[..=i]), "size {}", i + 1);
        }
    }

    #[test]
    fn push_leaf_hashes_the_bytes() {
        let mut a = CompactTree::new();
        let mut b = CompactTree::new();
        a.push_leaf(b"line");
        b.push(leaf_hash(b"line"));
        assert_eq!(a, b);
    }

    #[test]
    fn push_with_reports_completed_nodes() {
        let all = leaves(8);
        let mut tree = CompactTree::new();
        let mut seen = Vec::new();
        for leaf in &all {
            tree.push_with(*leaf, |level, index, hash| seen.push((level, index, *hash)));
        }
        // 8 leaves, 4 + 2 + 1 interior nodes, each reported once with its true hash.
        assert_eq!(seen.len(), 15);
        for (level, index, hash) in seen {
            let start = (index << level) as usize;
            let end = ((index + 1) << level) as usize;
            assert_eq!(
                hash,
                root_from_leaves(&all[start..end]),
                "({level}, {index})"
            );
        }
    }

    #[test]
    fn bytes_round_trip_and_length_is_checked() {
        let mut tree = CompactTree::new();
        for (i, leaf) in leaves(13).into_iter().enumerate() {
            let bytes = tree.to_bytes();
            assert_eq!(bytes.len(), encoded_len(i as u64));
            assert_eq!(CompactTree::from_bytes(&bytes), Ok(tree.clone()));
            tree.push(leaf);
        }
        let bytes = tree.to_bytes();
        assert_eq!(&bytes[..8], &13u64.to_be_bytes());
        assert_eq!(bytes.len(), 8 + 3 * 32);
        assert_eq!(
            CompactTree::from_bytes(&bytes[..7]),
            Err(DecodeError::TooShort(7))
        );
        assert!(CompactTree::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(CompactTree::from_bytes(&longer).is_err());
        let mut huge = u64::MAX.to_be_bytes().to_vec();
        huge.extend_from_slice(&[0; 32]);
        assert!(CompactTree::from_bytes(&huge).is_err());
    }

    #[test]
    fn from_parts_checks_the_frontier_length() {
        assert!(CompactTree::from_parts(3, vec![[0; 32]]).is_err());
        let tree = CompactTree::from_parts(3, vec![[0; 32], [1; 32]]).unwrap();
        assert_eq!(tree.root(), node_hash(&[0; 32], &[1; 32]));
    }

    #[test]
    fn full_tree_does_not_overflow() {
        let mut tree = CompactTree::from_parts(u64::MAX, vec![[7; 32]; 64]).unwrap();
        tree.push([0; 32]);
        assert_eq!(tree.size(), u64::MAX);
        assert_eq!(tree.frontier().len(), 64);
    }
}
