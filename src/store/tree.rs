//! The Merkle tree over the log, kept in the sled index (derived data, like the rest of it).
//!
//! Tree `merkle` maps node `(level u8, index u64 big-endian)` to its 32-byte hash, for
//! every perfect node [`CompactTree::push_with`] reports (level 0: leaf hashes); meta key
//! `merkle` holds the compact frontier ([`CompactTree::to_bytes`]), written in the same
//! batch as `indexed_to`, so the tree always covers exactly the indexed entries. A proof
//! reads `O(log n)` nodes: the provers only ask for perfect aligned subtrees.

use crate::merkle::{self, CompactTree, Hash, ProofError};

use super::error::StoreError;
use super::index::Index;

/// Name of the sled tree holding node hashes.
pub const MERKLE_TREE: &str = "merkle";
/// Meta key of the compact frontier.
pub const META_MERKLE: &[u8] = b"merkle";

/// Key of node `(level, index)`: the level byte, then the index big-endian.
pub fn node_key(level: u32, index: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = level.min(255) as u8;
    key[1..].copy_from_slice(&index.to_be_bytes());
    key
}

/// Why a tree question could not be answered from the index.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the index has no Merkle node (level {level}, index {index}); run `readiness reindex`"
    )]
    MissingNode { level: u32, index: u64 },
    #[error("the index's Merkle frontier is unreadable ({0}); run `readiness reindex`")]
    Frontier(String),
}

impl From<sled::Error> for TreeError {
    fn from(e: sled::Error) -> Self {
        TreeError::Store(StoreError::Index(e))
    }
}

impl Index {
    /// The compact tree over the indexed entries (empty when none, or never built).
    pub fn merkle_frontier(&self) -> Result<Option<CompactTree>, TreeError> {
        match self.meta_tree().get(META_MERKLE)? {
            None => Ok(None),
            Some(raw) => CompactTree::from_bytes(&raw)
                .map(Some)
                .map_err(|e| TreeError::Frontier(e.to_string())),
        }
    }

    /// Number of leaves (entries) in the stored tree.
    pub fn merkle_size(&self) -> Result<u64, TreeError> {
        Ok(self.merkle_frontier()?.map_or(0, |t| t.size()))
    }

    /// Hash of stored node `(level, index)`.
    pub fn merkle_node(&self, level: u32, index: u64) -> Result<Hash, TreeError> {
        let raw = self
            .merkle_tree()
            .get(node_key(level, index))?
            .ok_or(TreeError::MissingNode { level, index })?;
        <Hash>::try_from(raw.as_ref()).map_err(|_| TreeError::MissingNode { level, index })
    }

    /// Root of the perfect aligned subtree over leaves `[start, end)`.
    fn perfect_subtree(&self, start: u64, end: u64) -> Result<Hash, TreeError> {
        let width = end.saturating_sub(start);
        if width == 0 || !width.is_power_of_two() || !start.is_multiple_of(width) {
            return Err(TreeError::Frontier(format!(
                "asked for [{start}, {end}), not a perfect aligned subtree"
            )));
        }
        let level = width.trailing_zeros();
        self.merkle_node(level, start >> level)
    }

    /// Checks that `size` leaves are held.
    fn check_size(&self, size: u64) -> Result<u64, TreeError> {
        let available = self.merkle_size()?;
        if size > available {
            return Err(ProofError::SizeBeyondTree { size, available }.into());
        }
        Ok(available)
    }

    /// Root of the tree of the first `size` entries (`size` at most the indexed size).
    pub fn merkle_root_at(&self, size: u64) -> Result<Hash, TreeError> {
        self.check_size(size)?;
        if size == 0 {
            return Ok(merkle::EMPTY_ROOT);
        }
        // One perfect subtree per set bit of `size`, largest first; fold from the right.
        let mut parts = Vec::new();
        let mut start = 0u64;
        for bit in (0..64).rev() {
            let width = 1u64 << bit;
            if size & width != 0 {
                parts.push(self.perfect_subtree(start, start + width)?);
                start += width;
            }
        }
        let mut iter = parts.iter().rev();
        let Some(last) = iter.next() else {
            return Ok(merkle::EMPTY_ROOT);
        };
        Ok(iter.fold(*last, |acc, left| merkle::node_hash(left, &acc)))
    }

    /// Audit path of leaf `index` in the tree of the first `size` entries.
    pub fn merkle_inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(size)?;
        merkle::try_inclusion_proof(index, size, |s, e| self.perfect_subtree(s, e))
    }

    /// Consistency proof from the first `old` entries to the first `new`.
    pub fn merkle_consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, TreeError> {
        self.check_size(new)?;
        merkle::try_consistency_proof(old, new, |s, e| self.perfect_subtree(s, e))
    }
}
