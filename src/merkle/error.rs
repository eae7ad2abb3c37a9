//! The one error type of proof building and verification.

/// Why a proof was refused (or, for the provers, could not be built).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizeOrder { old: u64, new: u64 },
    #[error("no consistency proof from the empty tree to size {new}: every tree extends the empty tree, so there is nothing to prove")]
    EmptyOldTree { new: u64 },
    #[error("tree size {size} is beyond the {available} leaves held")]
    SizeBeyondTree { size: u64, available: u64 },
    #[error("proof has {got} hashes, but a proof for these sizes has exactly {expected}")]
    WrongProofLength { expected: usize, got: usize },
    #[error("{what} is {len} bytes long, not 32")]
    HashLength { what: &'static str, len: usize },
    #[error("proof hash {position} is {len} bytes long, not 32")]
    ProofHashLength { position: usize, len: usize },
    #[error("the proof does not lead to the given root")]
    RootMismatch,
    #[error("the consistency proof does not lead to the given old root")]
    OldRootMismatch,
    #[error("the consistency proof does not lead from the old root to the given new root")]
    NewRootMismatch,
    #[error("the two roots differ, but trees of the same size {size} must have the same root")]
    RootsDiffer { size: u64 },
    #[error(
        "the root of the empty tree is SHA-256 of nothing (e3b0c442…b855), not the given root"
    )]
    NotEmptyRoot,
}
