//! RFC 6962 / RFC 9162 Merkle tree over the ledger's entries: hashing, an incremental
//! compact tree, inclusion and consistency proofs, and their verification (pure: no I/O).
//!
//! The hash chain already proves that a head pins all history before it, but checking that
//! needs every entry. The Merkle tree adds what Certificate Transparency has: a proof that
//! one entry is in the ledger (*inclusion*), and a proof that a later ledger extends an
//! earlier one (*consistency*), each O(log n) hashes, checkable without the ledger.
//!
//! # The tree
//!
//! - **Leaves.** Leaf `i` (from 0) is entry seq `i + 1`: its canonical bytes, exactly the
//!   stored line of `entries.jsonl` **without** the trailing newline (so `hash` included).
//! - **Leaf hash** = SHA-256(`0x00` ‖ leaf bytes) ([`leaf_hash`]).
//! - **Node hash** = SHA-256(`0x01` ‖ left ‖ right) ([`node_hash`]).
//! - **Root** of `n` leaves (RFC 6962 §2.1 MTH): SHA-256 of nothing for `n = 0`
//!   ([`EMPTY_ROOT`]); the leaf hash for `n = 1`; otherwise, with `k` the largest power of
//!   two below `n`, the node hash of the roots of leaves `[0, k)` and `[k, n)`.
//!
//! The distinct `0x00`/`0x01` prefixes keep a leaf from ever passing for a node.
//!
//! # Pieces
//!
//! - [`CompactTree`]: the frontier, `O(log n)` hashes, appended to one leaf at a time; gives
//!   the root at any size and serialises to bytes for a store to keep.
//! - [`inclusion_proof`] and [`consistency_proof`] build proofs from a `fetch(start, end)`
//!   callback giving subtree hashes, so a store answers from stored node hashes in
//!   `O(log n)` reads; [`MemoryTree`] is an in-memory source for tests and small trees.
//! - [`verify_inclusion`] and [`verify_consistency`] are the RFC 9162 §2.1.3.2 and
//!   §2.1.4.2 algorithms; they take untrusted bytes and never panic.

use sha2::{Digest, Sha256};

mod compact;
mod error;
mod memory;
mod prove;
mod shape;
mod verify;

pub use compact::{CompactTree, DecodeError};
pub use error::ProofError;
pub use memory::MemoryTree;
pub use prove::{consistency_proof, inclusion_proof, try_consistency_proof, try_inclusion_proof};
pub use verify::{verify_consistency, verify_inclusion};

/// A SHA-256 hash in the tree: a leaf hash, a node hash or a root.
pub type Hash = [u8; 32];

/// Length in bytes of every hash in the tree.
pub const HASH_LEN: usize = 32;

/// Root of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Hash of one leaf: SHA-256(0x00 ‖ `leaf`); for the ledger, `leaf` is an entry's line
/// without its newline.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(leaf);
    h.finalize().into()
}

/// Hash of an interior node: SHA-256(0x01 ‖ `left` ‖ `right`).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 1 + 2 * HASH_LEN];
    buf[0] = 0x01;
    buf[1..1 + HASH_LEN].copy_from_slice(left);
    buf[1 + HASH_LEN..].copy_from_slice(right);
    Sha256::digest(buf).into()
}

/// Root of the tree over `leaf_hashes`, straight from the RFC 6962 recursive definition
/// (an independent reference for tests; [`CompactTree`] is the fast way).
pub fn root_from_leaves(leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes {
        [] => EMPTY_ROOT,
        [only] => *only,
        _ => {
            let k = split_point(leaf_hashes.len() as u64) as usize;
            node_hash(
                &root_from_leaves(&leaf_hashes[..k]),
                &root_from_leaves(&leaf_hashes[k..]),
            )
        }
    }
}

/// The largest power of two strictly below `n` (RFC 6962's `k`); needs `n >= 2`, gives 1
/// for smaller `n` rather than panicking.
pub(crate) fn split_point(n: u64) -> u64 {
    if n < 2 {
        return 1;
    }
    1 << (63 - (n - 1).leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(h: &Hash) -> String {
        h.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT, <Hash>::from(Sha256::digest(b"")));
        assert_eq!(root_from_leaves(&[]), EMPTY_ROOT);
    }

    #[test]
    fn leaf_and_node_hashes_use_their_prefixes() {
        assert_eq!(leaf_hash(b"abc"), <Hash>::from(Sha256::digest(b"\x00abc")));
        let (l, r) = ([1u8; 32], [2u8; 32]);
        let mut joined = vec![1u8];
        joined.extend_from_slice(&l);
        joined.extend_from_slice(&r);
        assert_eq!(node_hash(&l, &r), <Hash>::from(Sha256::digest(&joined)));
        // RFC 6962 reference tree: the leaf hash of the empty leaf.
        assert_eq!(
            hex(&leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn leaf_of_the_format_worked_example_entry() {
        // Entry 1 of FORMAT.md's worked example: the stored line, without its newline.
        let line = concat!(
            r#"{"actor":"plan.officer@york.example","event":{"id":"1","title":"Leadership and Governance","type":"area_added","v":1},"#,
            r#""hash":"e2afc53b5bced0185dcec52fbd57c27f1d16bfc7a84d623c00fea5f3a32f02ad","#,
            r#""prev":"0000000000000000000000000000000000000000000000000000000000000000","#,
            r#""recorded_at":"2020-11-30T09:00:00.000000Z","seq":1}"#
        );
        assert_eq!(
            hex(&leaf_hash(line.as_bytes())),
            "f51be566e7b6f6f521934c12f92340d8005c437bee9adbb38d9a71b6ebb00dd7"
        );
    }

    #[test]
    fn split_point_is_largest_power_of_two_below() {
        let cases = [
            (0, 1),
            (1, 1),
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 4),
            (8, 4),
            (9, 8),
        ];
        for (n, k) in cases {
            assert_eq!(split_point(n), k, "n = {n}");
        }
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn root_from_leaves_small_trees() {
        let l: Vec<Hash> = (0u8..3).map(|i| leaf_hash(&[i])).collect();
        assert_eq!(root_from_leaves(&l[..1]), l[0]);
        assert_eq!(root_from_leaves(&l[..2]), node_hash(&l[0], &l[1]));
        assert_eq!(
            root_from_leaves(&l),
            node_hash(&node_hash(&l[0], &l[1]), &l[2])
        );
    }
}
