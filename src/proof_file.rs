//! The proof files `readiness prove` and the server write and `verify-proof` reads (see
//! FORMAT.md): data only, so every front end writes the same bytes.

use serde::{Deserialize, Serialize};

/// A proof file, as `prove` writes it and `verify-proof` reads it (see FORMAT.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProofFile {
    Inclusion(InclusionProof),
    Consistency(ConsistencyProof),
}

/// Entry `seq` is leaf `leaf_index` of the tree of `tree_size` leaves with root `root`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub origin: String,
    /// The stored line, without its newline: the leaf.
    pub entry: String,
    pub seq: u64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Base64.
    pub root: String,
    /// Base64 hashes, leaf to root.
    pub audit_path: Vec<String>,
}

/// The tree of `new_size` leaves extends that of `old_size`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    pub origin: String,
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    pub proof: Vec<String>,
}
