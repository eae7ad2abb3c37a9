//! `readiness verify-proof`: checks a proof file against checkpoints, with no ledger.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::chain::stored_facts;
use crate::checkpoint::{b64_hash, Checkpoint, SignerCheck};
use crate::merkle::{self, Hash};

use super::prove::{ConsistencyProof, InclusionProof, ProofFile};
use super::{CliError, Context, Exit};

/// Largest proof file accepted, in bytes.
const MAX_PROOF_BYTES: u64 = 16 << 20;

/// Check a proof from `readiness prove` against a checkpoint; needs no ledger.
///
/// An inclusion proof needs the checkpoint of its tree size; a consistency proof needs the
/// new checkpoint, and the old one too (give --checkpoint twice) to check both roots. Every
/// checkpoint must carry a valid signature by a key given with --public-key (the ledger's
/// own key, or a witness's); the output names which signed. Without one, the proof fails
/// unless --allow-unsigned is given, and then the output says nothing proves who made the
/// checkpoint. Exit 0 if everything checks, 1 if not.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness verify-proof entry40.json --checkpoint board.ckpt --public-key ledger.key.pub")]
pub struct Args {
    /// The proof file (JSON printed by `readiness prove`).
    pub proof: PathBuf,
    /// A checkpoint the proof must match (one or two).
    #[arg(long, value_name = "FILE", required = true)]
    pub checkpoint: Vec<PathBuf>,
    /// A public key file (FILE.pub from `readiness key new`) trusted to sign the checkpoints
    /// (repeat for several).
    #[arg(long, value_name = "FILE")]
    pub public_key: Vec<PathBuf>,
    /// Check the tree alone when no trusted key signed a checkpoint.
    #[arg(long)]
    pub allow_unsigned: bool,
}

fn read_limited(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::Usage(format!("cannot read {what} {}: {e}", path.display())))?;
    if meta.len() > limit {
        return Err(CliError::Usage(format!(
            "{} is too large to be a {what}",
            path.display()
        )));
    }
    std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read {what} {}: {e}", path.display())))
}

/// Runs the checks; `Err(reason)` is a failed verification.
fn check(args: &Args, out: &mut dyn Write) -> Result<Result<(), String>, CliError> {
    let trusted = super::checkpoint::trusted_keys(&args.public_key)?;
    let mut signed_by = Vec::new();
    let mut checkpoints = Vec::new();
    for path in &args.checkpoint {
        let bytes = read_limited(
            path,
            "checkpoint",
            crate::checkpoint::MAX_CHECKPOINT_BYTES as u64 + 1,
        )?;
        let c = match Checkpoint::parse(&bytes) {
            Ok(c) => c,
            Err(e) => {
                return Ok(Err(format!(
                    "{} is not a valid checkpoint: {e}",
                    path.display()
                )))
            }
        };
        let checks = c.signers(&trusted);
        if let Some(SignerCheck::Invalid { line, key }) = checks
            .iter()
            .find(|s| matches!(s, SignerCheck::Invalid { .. }))
        {
            return Ok(Err(format!(
                "{}: signature line {line} claims {} but does not verify: the checkpoint was altered",
                path.display(),
                key.label
            )));
        }
        let by: Vec<String> = checks
            .iter()
            .filter_map(|s| match s {
                SignerCheck::Verified { key, .. } => Some(key.label.clone()),
                _ => None,
            })
            .collect();
        if by.is_empty() && !args.allow_unsigned {
            return Ok(Err(format!(
                "{}: no trusted key signed this checkpoint, so nothing proves who made it; give the signer's public key with --public-key (or --allow-unsigned to check the tree alone)",
                path.display()
            )));
        }
        signed_by.push(if by.is_empty() {
            format!("{}: UNSIGNED, nothing proves who made it", path.display())
        } else {
            format!("{}: signed by {}", path.display(), by.join(" and "))
        });
        checkpoints.push((path.clone(), c));
    }
    let bytes = read_limited(&args.proof, "proof file", MAX_PROOF_BYTES)?;
    let proof: ProofFile = match serde_json::from_slice(&bytes) {
        Ok(p) => p,
        Err(e) => {
            return Ok(Err(format!(
                "{} is not a proof file: {e}",
                args.proof.display()
            )))
        }
    };
    let result = match proof {
        ProofFile::Inclusion(p) => check_inclusion(&p, &checkpoints),
        ProofFile::Consistency(p) => check_consistency(&p, &checkpoints),
    };
    if let Ok(msg) = &result {
        writeln!(out, "{msg}").map_err(CliError::Output)?;
        for s in &signed_by {
            writeln!(out, "checkpoint {s}").map_err(CliError::Output)?;
        }
    }
    Ok(result.map(|_| ()))
}

fn hashes(list: &[String], what: &str) -> Result<Vec<Hash>, String> {
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            b64_hash(s).ok_or_else(|| format!("{what} hash {i} is not the base64 of 32 bytes"))
        })
        .collect()
}

fn check_inclusion(
    p: &InclusionProof,
    checkpoints: &[(PathBuf, Checkpoint)],
) -> Result<String, String> {
    let [(path, c)] = checkpoints else {
        return Err("an inclusion proof is checked against exactly one checkpoint".into());
    };
    let at = path.display();
    if p.origin != c.origin {
        return Err(format!(
            "the proof is for ledger {:?}, {at} for {:?}",
            p.origin, c.origin
        ));
    }
    if p.tree_size != c.size {
        return Err(format!(
            "the proof is for a tree of {} entries, {at} for {}",
            p.tree_size, c.size
        ));
    }
    if b64_hash(&p.root) != Some(c.root) {
        return Err(format!("the proof's root is not the root in {at}"));
    }
    if p.seq == 0 || p.leaf_index != p.seq - 1 {
        return Err(format!(
            "leaf index {} does not belong to entry seq {}",
            p.leaf_index, p.seq
        ));
    }
    match stored_facts(p.entry.as_bytes()) {
        Some(f) if f.seq.0 == p.seq => {}
        _ => {
            return Err(format!(
                "the proof's entry is not a stored entry line with seq {}",
                p.seq
            ))
        }
    }
    let path_hashes = hashes(&p.audit_path, "audit path")?;
    let leaf = merkle::leaf_hash(p.entry.as_bytes());
    merkle::verify_inclusion(&leaf, p.leaf_index, c.size, &path_hashes, &c.root)
        .map_err(|e| format!("entry {} is not proven in {at}: {e}", p.seq))?;
    Ok(format!(
        "ok: entry {} is in the ledger {} of {} entries",
        p.seq, c.origin, c.size
    ))
}

fn check_consistency(
    p: &ConsistencyProof,
    checkpoints: &[(PathBuf, Checkpoint)],
) -> Result<String, String> {
    if checkpoints.is_empty() || checkpoints.len() > 2 {
        return Err("a consistency proof is checked against one or two checkpoints".into());
    }
    let old_root =
        b64_hash(&p.old_root).ok_or("the proof's old root is not the base64 of 32 bytes")?;
    let new_root =
        b64_hash(&p.new_root).ok_or("the proof's new root is not the base64 of 32 bytes")?;
    let (mut old_seen, mut new_seen) = (false, false);
    for (path, c) in checkpoints {
        if c.origin != p.origin {
            return Err(format!(
                "the proof is for ledger {:?}, {} for {:?}",
                p.origin,
                path.display(),
                c.origin
            ));
        }
        if c.size == p.new_size && c.root == new_root && !new_seen {
            new_seen = true;
        } else if c.size == p.old_size && c.root == old_root && !old_seen {
            old_seen = true;
        } else {
            return Err(format!(
                "{} (size {}) matches neither side of the proof (sizes {} and {})",
                path.display(),
                c.size,
                p.old_size,
                p.new_size
            ));
        }
    }
    if !new_seen {
        return Err("no checkpoint given for the proof's new tree size".into());
    }
    let proof = hashes(&p.proof, "proof")?;
    merkle::verify_consistency(p.old_size, p.new_size, &proof, &old_root, &new_root).map_err(
        |e| {
            format!(
                "the tree of {} entries is not proven to extend that of {}: {e}",
                p.new_size, p.old_size
            )
        },
    )?;
    let caveat = if old_seen {
        ""
    } else {
        " (old root taken from the proof file: compare it with your old checkpoint)"
    };
    Ok(format!(
        "ok: the ledger {} of {} entries extends its first {} entries{caveat}",
        p.origin, p.new_size, p.old_size
    ))
}

/// Checks the proof; exit 0 if it holds, 1 if not.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    match check(&args, ctx.out)? {
        Ok(()) => Ok(Exit::Success),
        Err(reason) => {
            writeln!(ctx.err, "verification failed: {reason}").map_err(CliError::Output)?;
            Ok(Exit::VerificationFailed)
        }
    }
}
