//! `readiness checkpoint`: the tree size and Merkle root of the ledger as a C2SP
//! tlog-checkpoint, optionally signed; and the checks shared with `prove` and `verify`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::checkpoint::{b64, Checkpoint};
use crate::merkle::{self, Hash};
use crate::store::positions::{Positions, TreeFailure};
use crate::store::StoreError;

use super::{CliError, Context, Exit};

/// Folder of a ledger directory holding the last checkpoint `checkpoint --key` signed.
pub const CHECKPOINTS_DIR: &str = "checkpoints";
/// File name of that checkpoint inside [`CHECKPOINTS_DIR`].
pub const LATEST: &str = "latest";

/// Print a checkpoint: origin, tree size and Merkle root (see FORMAT.md).
///
/// With --key, sign it (Ed25519, C2SP signed-note, key name = the origin) with a key
/// registered in the ledger (`readiness key register`) and not revoked. A signed
/// checkpoint is refused unless the ledger is an append-only extension of the last one
/// signed here (kept in DIR/checkpoints/latest).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Private key file written by `readiness key new`.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Also save the checkpoint to FILE (not overwritten if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// A tree question that had no answer, as a command error.
pub fn tree_error(e: TreeFailure) -> CliError {
    match e {
        TreeFailure::Store(s) => CliError::Store(s),
        TreeFailure::Proof(p) => CliError::Usage(p.to_string()),
        TreeFailure::Damaged => CliError::Store(StoreError::Damaged(format!(
            "{e}; run `readiness reindex` to rebuild the derived data"
        ))),
    }
}

/// Reads and parses a checkpoint file.
pub fn read_checkpoint(path: &Path) -> Result<Checkpoint, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::Usage(format!("cannot read checkpoint {}: {e}", path.display())))?;
    if meta.len() > crate::checkpoint::MAX_CHECKPOINT_BYTES as u64 {
        return Err(CliError::Usage(format!(
            "{} is too large to be a checkpoint",
            path.display()
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read checkpoint {}: {e}", path.display())))?;
    Checkpoint::parse(&bytes)
        .map_err(|e| CliError::Usage(format!("{} is not a valid checkpoint: {e}", path.display())))
}

/// A ledger's Merkle tree and the origin that names it in checkpoints.
pub struct Tree<'a> {
    pub positions: &'a Positions,
    pub origin: String,
}

impl Tree<'_> {
    /// Refuses a ledger with no origin (entry 1 sets it).
    fn origin(&self) -> Result<&str, CliError> {
        if self.origin.is_empty() {
            return Err(CliError::Usage(
                "this ledger has no origin (entry 1 sets it): nothing to name in a checkpoint".into(),
            ));
        }
        Ok(&self.origin)
    }
}

/// The unsigned checkpoint of the ledger as it stands.
pub fn current_checkpoint(tree: &Tree<'_>) -> Result<Checkpoint, CliError> {
    let origin = tree.origin()?;
    let p = tree.positions;
    Checkpoint::new(origin, p.size(), p.root()).map_err(|e| CliError::Usage(e.to_string()))
}

/// Whether the ledger extends what an old checkpoint described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extends {
    /// It does: the consistency proof from the old size to `new_size` (checked).
    Yes {
        new_size: u64,
        new_root: Hash,
        proof: Vec<Hash>,
    },
    /// It does not, and why.
    No(String),
}

/// Checks that the ledger is an append-only extension of the ledger `old` described: same
/// origin, at least as many entries, and a consistency proof from the old root to the
/// current one that verifies. For `verify --checkpoint` too.
pub fn check_extends(tree: &Tree<'_>, old: &Checkpoint) -> Result<Extends, CliError> {
    let origin = tree.origin()?;
    let p = tree.positions;
    let new_size = p.size();
    if old.origin != origin {
        return Ok(Extends::No(format!(
            "the checkpoint is for ledger {:?}, this ledger is {origin:?}",
            old.origin
        )));
    }
    if old.size > new_size {
        return Ok(Extends::No(format!(
            "the checkpoint covers {} entries, but the ledger has only {new_size}: entries were removed",
            old.size
        )));
    }
    let new_root = p.root();
    let old_root_here = p.checked_root_at(old.size).map_err(tree_error)?;
    if old_root_here != old.root {
        return Ok(Extends::No(format!(
            "the ledger's first {} entries have root {}, not the checkpoint's {}: some of entries 1..={} were changed",
            old.size,
            b64(&old_root_here),
            b64(&old.root),
            old.size
        )));
    }
    if old.size == 0 {
        return Ok(Extends::Yes {
            new_size,
            new_root,
            proof: Vec::new(),
        });
    }
    let proof = p.consistency(old.size, new_size).map_err(tree_error)?;
    if let Err(e) = merkle::verify_consistency(old.size, new_size, &proof, &old.root, &new_root) {
        return Ok(Extends::No(format!(
            "the consistency proof does not verify: {e}"
        )));
    }
    Ok(Extends::Yes {
        new_size,
        new_root,
        proof,
    })
}

/// Prints (and with --key signs and records) the checkpoint.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let ledger = ctx.open_for_write(&crate::cli::Who::default())?;
    if let Some(damage) = ledger.damage() {
        return Err(StoreError::Damaged(damage.to_string()).into());
    }
    let header = ledger.header()?;
    let tree = Tree {
        positions: ledger.positions(),
        origin: header.origin.clone(),
    };
    let mut checkpoint = current_checkpoint(&tree)?;
    if let Some(key_path) = &args.key {
        let secret = super::key::read_key_file(key_path, "private key")?;
        // Only a key the ledger itself knows may sign for it: registered, not revoked.
        let kid = crate::plan::trust::key_id(&crate::plan::trust::public_key(&secret));
        match header.key(&kid) {
            Some(k) if k.revoked.is_none() => {}
            Some(k) => {
                return Err(CliError::Usage(format!(
                    "the key in {} ({}) was revoked at entry {}; it cannot sign checkpoints",
                    key_path.display(),
                    k.name,
                    k.revoked.map_or(0, |s| s.0)
                )))
            }
            None => {
                return Err(CliError::Usage(format!(
                    "the key in {} is not registered in this ledger: run `readiness key register NAME --public {}.pub --role ROLE` first",
                    key_path.display(),
                    key_path.display()
                )))
            }
        }
        let dir = ledger.dir().join(CHECKPOINTS_DIR);
        let latest = dir.join(LATEST);
        if latest.exists() {
            let old = read_checkpoint(&latest)?;
            if let Extends::No(why) = check_extends(&tree, &old)? {
                writeln!(
                    ctx.err,
                    "error: refusing to sign: the ledger is not an append-only extension of the checkpoint signed before ({}): {why}",
                    latest.display()
                )
                .map_err(CliError::Output)?;
                return Ok(Exit::VerificationFailed);
            }
        }
        let name = checkpoint.origin.clone();
        checkpoint
            .sign(&name, &secret)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        crate::store::fsx::ensure_dir(&dir)?;
        crate::store::fsx::write_atomic(&dir, LATEST, checkpoint.to_text().as_bytes())?;
    }
    let text = checkpoint.to_text();
    if let Some(out) = &args.out {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(out)
            .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", out.display())))?;
        f.write_all(text.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| {
                CliError::Store(StoreError::Io {
                    path: out.clone(),
                    source: e,
                })
            })?;
    }
    ctx.out
        .write_all(text.as_bytes())
        .map_err(CliError::Output)?;
    Ok(Exit::Success)
}
