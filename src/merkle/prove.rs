//! Building inclusion and consistency proofs (RFC 6962 §2.1.1 PATH, §2.1.2 PROOF) from a
//! source of subtree hashes.
//!
//! The source is a callback `fetch(start, end)` returning the root of the tree over leaves
//! `[start, end)`. The provers only ever ask for **perfect, aligned** subtrees (`end -
//! start` a power of two `2^l`, `start` a multiple of it: stored node `(l, start >> l)`),
//! and only `O(log n)` of them; an imperfect sibling is assembled here from its perfect
//! parts. So a store needs only the node hashes [`super::CompactTree::push_with`] reports.

use std::convert::Infallible;

use super::error::ProofError;
use super::{node_hash, split_point, Hash};

/// Audit path of leaf `index` in the tree of the first `size` leaves, leaf to root.
pub fn inclusion_proof<F>(index: u64, size: u64, mut fetch: F) -> Result<Vec<Hash>, ProofError>
where
    F: FnMut(u64, u64) -> Hash,
{
    inclusion(index, size, |s, e| Ok::<_, Infallible>(fetch(s, e))).map_err(|e| match e {
        Failure::Proof(p) => p,
        Failure::Fetch(never) => match never {},
    })
}

/// [`inclusion_proof`] with a fallible `fetch` (a store read); errors from either side.
pub fn try_inclusion_proof<F, E>(index: u64, size: u64, fetch: F) -> Result<Vec<Hash>, E>
where
    F: FnMut(u64, u64) -> Result<Hash, E>,
    E: From<ProofError>,
{
    inclusion(index, size, fetch).map_err(Failure::into_error)
}

/// Consistency proof from the tree of the first `old` leaves to that of the first `new`.
///
/// Empty when `old == new`; an error when `old == 0 < new` (nothing to prove: every tree
/// extends the empty one; RFC 6962 §2.1.2 defines the proof only for `0 < old < new`).
pub fn consistency_proof<F>(old: u64, new: u64, mut fetch: F) -> Result<Vec<Hash>, ProofError>
where
    F: FnMut(u64, u64) -> Hash,
{
    consistency(old, new, |s, e| Ok::<_, Infallible>(fetch(s, e))).map_err(|e| match e {
        Failure::Proof(p) => p,
        Failure::Fetch(never) => match never {},
    })
}

/// [`consistency_proof`] with a fallible `fetch` (a store read); errors from either side.
pub fn try_consistency_proof<F, E>(old: u64, new: u64, fetch: F) -> Result<Vec<Hash>, E>
where
    F: FnMut(u64, u64) -> Result<Hash, E>,
    E: From<ProofError>,
{
    consistency(old, new, fetch).map_err(Failure::into_error)
}

/// A bad request or a failed fetch, kept apart until the caller's error type is known.
enum Failure<E> {
    Proof(ProofError),
    Fetch(E),
}

impl<E: From<ProofError>> Failure<E> {
    fn into_error(self) -> E {
        match self {
            Failure::Proof(p) => E::from(p),
            Failure::Fetch(e) => e,
        }
    }
}

/// Fetches the root over `[start, end)`, where `start` is a multiple of a power of two at
/// least `end - start`: the perfect parts, one per set bit of the length, folded from the
/// right (the RFC 6962 split, unrolled).
fn range_root<F, E>(start: u64, end: u64, fetch: &mut F) -> Result<Hash, Failure<E>>
where
    F: FnMut(u64, u64) -> Result<Hash, E>,
{
    let mut parts: Vec<Hash> = Vec::with_capacity(64);
    let mut at = start;
    let len = end.saturating_sub(start);
    for bit in (0..64).rev() {
        let width = 1u64 << bit;
        if len & width != 0 {
            parts.push(fetch(at, at + width).map_err(Failure::Fetch)?);
            at += width;
        }
    }
    let mut parts = parts.into_iter().rev();
    let Some(last) = parts.next() else {
        return Ok(super::EMPTY_ROOT);
    };
    Ok(parts.fold(last, |acc, left| node_hash(&left, &acc)))
}

fn inclusion<F, E>(index: u64, size: u64, mut fetch: F) -> Result<Vec<Hash>, Failure<E>>
where
    F: FnMut(u64, u64) -> Result<Hash, E>,
{
    if index >= size {
        return Err(Failure::Proof(ProofError::IndexOutOfRange { index, size }));
    }
    let last = size - 1;
    let mut proof = Vec::with_capacity(64);
    // Below the level where the leaf's path meets the right edge, every level has a
    // sibling; the one next to the right edge may be imperfect (cut off at `size`).
    let inner = 64 - (index ^ last).leading_zeros();
    for level in 0..inner {
        let sibling = (index >> level) ^ 1;
        let start = sibling << level;
        let end = start.saturating_add(1 << level).min(size);
        proof.push(range_root(start, end, &mut fetch)?);
    }
    // On the right edge, a node has a (perfect) left sibling where its index is odd.
    for level in inner..64 {
        let node = index >> level;
        if node == 0 {
            break;
        }
        if node & 1 == 1 {
            let start = (node - 1) << level;
            proof.push(range_root(start, start + (1 << level), &mut fetch)?);
        }
    }
    Ok(proof)
}

fn consistency<F, E>(old: u64, new: u64, mut fetch: F) -> Result<Vec<Hash>, Failure<E>>
where
    F: FnMut(u64, u64) -> Result<Hash, E>,
{
    if old > new {
        return Err(Failure::Proof(ProofError::SizeOrder { old, new }));
    }
    if old == new {
        return Ok(Vec::new());
    }
    if old == 0 {
        return Err(Failure::Proof(ProofError::EmptyOldTree { new }));
    }
    let mut proof = Vec::with_capacity(64);
    subproof(old, 0, new, true, &mut fetch, &mut proof)?;
    Ok(proof)
}

/// RFC 6962 SUBPROOF(m, D[start:start+n], b), appended to `out`; recursion depth <= 64.
fn subproof<F, E>(
    m: u64,
    start: u64,
    n: u64,
    whole_old_tree: bool,
    fetch: &mut F,
    out: &mut Vec<Hash>,
) -> Result<(), Failure<E>>
where
    F: FnMut(u64, u64) -> Result<Hash, E>,
{
    if m == n {
        if !whole_old_tree {
            out.push(range_root(start, start + n, fetch)?);
        }
        return Ok(());
    }
    let k = split_point(n);
    if m <= k {
        subproof(m, start, k, whole_old_tree, fetch, out)?;
        out.push(range_root(start + k, start + n, fetch)?);
    } else {
        subproof(m - k, start + k, n - k, false, fetch, out)?;
        out.push(range_root(start, start + k, fetch)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{leaf_hash, root_from_leaves};
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect()
    }

    /// A fetch over `all` that also checks the promise: perfect, aligned ranges only.
    fn checked_fetch(all: &[Hash]) -> impl FnMut(u64, u64) -> Hash + '_ {
        |s, e| {
            let width = e - s;
            assert!(
                width.is_power_of_two() && s.is_multiple_of(width),
                "asked for [{s}, {e})"
            );
            root_from_leaves(&all[s as usize..e as usize])
        }
    }

    /// RFC 6962 PATH(m, D[n]) written out literally, as the reference.
    fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
        if d.len() <= 1 {
            return Vec::new();
        }
        let k = split_point(d.len() as u64) as usize;
        if m < k {
            let mut p = path(m, &d[..k]);
            p.push(root_from_leaves(&d[k..]));
            p
        } else {
            let mut p = path(m - k, &d[k..]);
            p.push(root_from_leaves(&d[..k]));
            p
        }
    }

    #[test]
    fn inclusion_matches_the_rfc_definition_and_fetches_perfect_subtrees() {
        let all = leaves(40);
        for size in 1..=40u64 {
            for index in 0..size {
                let got = inclusion_proof(index, size, checked_fetch(&all)).unwrap();
                assert_eq!(
                    got,
                    path(index as usize, &all[..size as usize]),
                    "{index}/{size}"
                );
            }
        }
    }

    #[test]
    fn consistency_fetches_only_perfect_subtrees() {
        let all = leaves(40);
        for new in 1..=40u64 {
            for old in 1..new {
                let proof = consistency_proof(old, new, checked_fetch(&all)).unwrap();
                assert!(!proof.is_empty() && proof.len() <= 2 * 6);
            }
        }
    }

    #[test]
    fn bad_requests_are_errors() {
        let all = leaves(4);
        let f = || checked_fetch(&all);
        assert_eq!(
            inclusion_proof(4, 4, f()),
            Err(ProofError::IndexOutOfRange { index: 4, size: 4 })
        );
        assert!(inclusion_proof(0, 0, f()).is_err());
        assert_eq!(
            consistency_proof(3, 2, f()),
            Err(ProofError::SizeOrder { old: 3, new: 2 })
        );
        assert_eq!(
            consistency_proof(0, 2, f()),
            Err(ProofError::EmptyOldTree { new: 2 })
        );
        assert_eq!(consistency_proof(0, 0, f()), Ok(vec![]));
        assert_eq!(consistency_proof(3, 3, f()), Ok(vec![]));
    }

    #[derive(Debug, PartialEq)]
    enum StoreError {
        Proof(ProofError),
        Read,
    }
    impl From<ProofError> for StoreError {
        fn from(e: ProofError) -> Self {
            StoreError::Proof(e)
        }
    }

    #[test]
    fn fetch_errors_pass_through() {
        let read = |_, _| Err(StoreError::Read);
        assert_eq!(try_inclusion_proof(1, 4, read), Err(StoreError::Read));
        assert_eq!(try_consistency_proof(1, 4, read), Err(StoreError::Read));
        assert_eq!(
            try_inclusion_proof(9, 4, read),
            Err(StoreError::Proof(ProofError::IndexOutOfRange {
                index: 9,
                size: 4
            }))
        );
    }

    #[test]
    fn huge_sizes_do_not_overflow() {
        let zero = |_, _| [0u8; 32];
        let p = inclusion_proof(u64::MAX - 1, u64::MAX, zero).unwrap();
        assert_eq!(p.len(), 63);
        let p = consistency_proof(u64::MAX - 1, u64::MAX, zero).unwrap();
        assert!(!p.is_empty());
        assert!(inclusion_proof(0, u64::MAX, zero).is_ok());
    }
}
