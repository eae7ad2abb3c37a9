//! The shape of a proof: how many hashes it must have, and turning untrusted byte slices
//! into hashes once their lengths check out.

use super::error::ProofError;
use super::Hash;

/// Length of the audit path of leaf `index` in a tree of `size > index` leaves: one hash
/// per level below where the path joins the right edge, then one per left sibling on it.
pub(super) fn inclusion_len(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Length of the consistency proof for `0 < old < new`: the audit path of the old tree's
/// last perfect subtree, plus that subtree's own hash unless it is the whole old tree.
pub(super) fn consistency_len(old: u64, new: u64) -> usize {
    let level = old.trailing_zeros();
    let node = (old - 1) >> level;
    let last = (new - 1) >> level;
    let inner = 64 - (node ^ last).leading_zeros();
    let border = node.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border + u32::from(node != 0)) as usize
}

/// The proof's hashes, once its length and every hash's length check out.
pub(super) fn proof_hashes<P: AsRef<[u8]>>(
    proof: &[P],
    expected: usize,
) -> Result<Vec<Hash>, ProofError> {
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            expected,
            got: proof.len(),
        });
    }
    proof
        .iter()
        .enumerate()
        .map(|(position, p)| {
            let p = p.as_ref();
            p.try_into().map_err(|_| ProofError::ProofHashLength {
                position,
                len: p.len(),
            })
        })
        .collect()
}

/// `bytes` as a hash, or a [`ProofError::HashLength`] naming `what` they were meant to be.
pub(super) fn to_hash(bytes: &[u8], what: &'static str) -> Result<Hash, ProofError> {
    bytes.try_into().map_err(|_| ProofError::HashLength {
        what,
        len: bytes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{leaf_hash, Hash, MemoryTree};
    use super::*;

    fn tree(n: u64) -> MemoryTree {
        MemoryTree::from_leaf_hashes((0..n).map(|i| leaf_hash(&i.to_be_bytes())))
    }

    #[test]
    fn expected_lengths_match_the_prover() {
        let t = tree(33);
        for size in 1..=33 {
            for index in 0..size {
                let p = t.inclusion_proof(index, size).unwrap();
                assert_eq!(inclusion_len(index, size), p.len(), "{index}/{size}");
            }
            for old in 1..size {
                let p = t.consistency_proof(old, size).unwrap();
                assert_eq!(consistency_len(old, size), p.len(), "{old}->{size}");
            }
        }
        assert_eq!(inclusion_len(0, u64::MAX), 64);
        assert_eq!(consistency_len(1, u64::MAX), 64);
        assert_eq!(consistency_len(u64::MAX - 1, u64::MAX), 1 + 63);
    }

    #[test]
    fn lengths_are_checked_before_contents() {
        let short = [vec![0u8; 32], vec![0u8; 31]];
        assert_eq!(
            proof_hashes(&short, 1),
            Err(ProofError::WrongProofLength {
                expected: 1,
                got: 2
            })
        );
        assert_eq!(
            proof_hashes(&short, 2),
            Err(ProofError::ProofHashLength {
                position: 1,
                len: 31
            })
        );
        assert_eq!(to_hash(&[7; 32], "root"), Ok::<Hash, _>([7; 32]));
    }
}
