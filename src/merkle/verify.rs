//! Verifying inclusion and consistency proofs: RFC 9162 §2.1.3.2 and §2.1.4.2.
//!
//! Everything here comes from outside (a proof file, a checkpoint), so hashes arrive as
//! byte slices of any length and sizes as any `u64`; every shape problem is an error, and
//! the expected proof length is checked before any hashing, for a precise message.
//!
//! A proof ties a leaf (or an old root) to a root; the tree size is bound to that root by
//! whoever vouches for the pair, a checkpoint. (Leaf 0 of 3 and of 4 leaves has a path of
//! the same shape, so the same proof can verify for both sizes against the same root.)

use super::error::ProofError;
use super::shape::{consistency_len, inclusion_len, proof_hashes, to_hash};
use super::{node_hash, EMPTY_ROOT};

/// Checks that `proof` shows the leaf with hash `leaf_hash` at `index` in the tree of
/// `size` leaves whose root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion<P: AsRef<[u8]>>(
    leaf_hash: &[u8],
    index: u64,
    size: u64,
    proof: &[P],
    root: &[u8],
) -> Result<(), ProofError> {
    // Step 1: the index must be inside the tree (so a tree of size 0 proves nothing).
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let leaf = to_hash(leaf_hash, "leaf hash")?;
    let expected = inclusion_len(index, size);
    let path = proof_hashes(proof, expected)?;
    let root = to_hash(root, "root")?;
    // Steps 2-4.
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = leaf;
    for p in &path {
        if sn == 0 {
            return Err(ProofError::WrongProofLength {
                expected,
                got: path.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 5.
    if sn != 0 {
        return Err(ProofError::WrongProofLength {
            expected,
            got: path.len(),
        });
    }
    if r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that `proof` shows the tree of `new_size` leaves with root `new_root` extends
/// the tree of `old_size` leaves with root `old_root` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots (compared as given; for size 0, the
/// empty tree's root). `old_size == 0 < new_size` is refused: there is nothing to prove.
pub fn verify_consistency<P: AsRef<[u8]>>(
    old_size: u64,
    new_size: u64,
    proof: &[P],
    old_root: &[u8],
    new_root: &[u8],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizeOrder {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                expected: 0,
                got: proof.len(),
            });
        }
        if old_root != new_root {
            return Err(ProofError::RootsDiffer { size: old_size });
        }
        if old_size == 0 && old_root != EMPTY_ROOT {
            return Err(ProofError::NotEmptyRoot);
        }
        return Ok(());
    }
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree { new: new_size });
    }
    // Step 1 (an empty path fails) is part of the length check: 0 < old < new needs >= 1.
    let expected = consistency_len(old_size, new_size);
    let path = proof_hashes(proof, expected)?;
    let old_root = to_hash(old_root, "old root")?;
    let new_root = to_hash(new_root, "new root")?;
    // Step 2: when the old tree is perfect, its root is the first node of the path.
    let (seed, rest) = match path.split_first() {
        Some((first, rest)) if !old_size.is_power_of_two() => (*first, rest),
        _ => (old_root, &path[..]),
    };
    // Steps 3-5.
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (seed, seed);
    // Step 6.
    for c in rest {
        if sn == 0 {
            return Err(ProofError::WrongProofLength {
                expected,
                got: path.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(ProofError::WrongProofLength {
            expected,
            got: path.len(),
        });
    }
    if fr != old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{leaf_hash, root_from_leaves, Hash, MemoryTree};
    use super::*;

    fn tree(n: u64) -> (Vec<Hash>, MemoryTree) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = MemoryTree::from_leaf_hashes(leaves.iter().copied());
        (leaves, tree)
    }

    #[test]
    fn inclusion_errors_name_the_problem() {
        let (leaves, t) = tree(5);
        let root = t.root();
        let proof = t.inclusion_proof(2, 5).unwrap();
        assert_eq!(verify_inclusion(&leaves[2], 2, 5, &proof, &root), Ok(()));
        assert_eq!(
            verify_inclusion(&leaves[2], 5, 5, &proof, &root),
            Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            verify_inclusion(&leaves[2], 2, 5, &proof[..2], &root),
            Err(ProofError::WrongProofLength {
                expected: 3,
                got: 2
            })
        );
        assert_eq!(
            verify_inclusion(&leaves[2][..31], 2, 5, &proof, &root),
            Err(ProofError::HashLength {
                what: "leaf hash",
                len: 31
            })
        );
        let mut bad: Vec<Vec<u8>> = proof.iter().map(|h| h.to_vec()).collect();
        bad[1].push(0);
        assert_eq!(
            verify_inclusion(&leaves[2], 2, 5, &bad, &root),
            Err(ProofError::ProofHashLength {
                position: 1,
                len: 33
            })
        );
        assert_eq!(
            verify_inclusion(&leaves[3], 2, 5, &proof, &root),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(
            verify_inclusion(&leaves[2], 2, 5, &proof, &root[..0]),
            Err(ProofError::HashLength {
                what: "root",
                len: 0
            })
        );
    }

    #[test]
    fn consistency_edge_cases() {
        let (leaves, t) = tree(6);
        let none: [Hash; 0] = [];
        let r = |n: usize| root_from_leaves(&leaves[..n]);
        assert_eq!(
            verify_consistency(0, 0, &none, &EMPTY_ROOT, &EMPTY_ROOT),
            Ok(())
        );
        assert_eq!(
            verify_consistency(0, 0, &none, b"x", b"x"),
            Err(ProofError::NotEmptyRoot)
        );
        assert_eq!(verify_consistency(4, 4, &none, &r(4), &r(4)), Ok(()));
        assert_eq!(
            verify_consistency(4, 4, &none, &r(4), &r(3)),
            Err(ProofError::RootsDiffer { size: 4 })
        );
        assert_eq!(
            verify_consistency(4, 4, &[r(4)], &r(4), &r(4)),
            Err(ProofError::WrongProofLength {
                expected: 0,
                got: 1
            })
        );
        assert_eq!(
            verify_consistency(0, 3, &none, &EMPTY_ROOT, &r(3)),
            Err(ProofError::EmptyOldTree { new: 3 })
        );
        assert_eq!(
            verify_consistency(4, 3, &none, &r(4), &r(3)),
            Err(ProofError::SizeOrder { old: 4, new: 3 })
        );
        let proof = t.consistency_proof(3, 6).unwrap();
        assert_eq!(verify_consistency(3, 6, &proof, &r(3), &r(6)), Ok(()));
        assert_eq!(
            verify_consistency(3, 6, &none, &r(3), &r(6)),
            Err(ProofError::WrongProofLength {
                expected: proof.len(),
                got: 0
            })
        );
        assert_eq!(
            verify_consistency(3, 6, &proof, &r(2), &r(6)),
            Err(ProofError::OldRootMismatch)
        );
        assert_eq!(
            verify_consistency(3, 6, &proof, &r(3), &r(5)),
            Err(ProofError::NewRootMismatch)
        );
        // A perfect old tree's root seeds the path, so a wrong one spoils the new root.
        let proof = t.consistency_proof(4, 6).unwrap();
        assert_eq!(
            verify_consistency(4, 6, &proof, &r(3), &r(6)),
            Err(ProofError::NewRootMismatch)
        );
    }

    #[test]
    fn huge_sizes_are_refused_without_panicking() {
        let h = [0u8; 32];
        let proof = vec![h; 64];
        assert!(verify_inclusion(&h, 0, u64::MAX, &proof, &h).is_err());
        assert!(verify_inclusion(&h, u64::MAX - 1, u64::MAX, &proof, &h).is_err());
        assert!(verify_consistency(1, u64::MAX, &proof, &h, &h).is_err());
        assert!(verify_consistency(u64::MAX - 1, u64::MAX, &proof, &h, &h).is_err());
        assert!(verify_consistency(1 << 63, u64::MAX, &proof, &h, &h).is_err());
    }
}
