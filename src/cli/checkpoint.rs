//! `readiness checkpoint`: the tree size and Merkle root of the ledger as a C2SP
//! tlog-checkpoint, optionally signed; and the checks shared with `prove` and `verify`.

use std::path::{Path, PathBuf};

use crate::checkpoint::{b64, Checkpoint, SignerCheck, TrustedKey};
use crate::entry::Seq;
use crate::merkle::{self, Hash};
use crate::store::positions::{Positions, TreeFailure};
use crate::store::StoreError;
use crate::store::{EntrySource, ReadLedger};

use super::{CliError, Context, Exit};

pub use crate::checkpoint::{CHECKPOINTS_DIR, LATEST};

/// Print a checkpoint: origin, tree size and Merkle root (see FORMAT.md).
///
/// With --key, sign it (Ed25519, C2SP signed-note, key name = the origin) with a key
/// registered in the ledger (`readiness key register`) and not revoked. A signed
/// checkpoint is refused unless the ledger is an append-only extension of the last one
/// signed here (kept in DIR/checkpoints/latest).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness checkpoint
  readiness checkpoint --key ledger.key --out board.ckpt")]
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
                "this ledger has no origin (entry 1 sets it): nothing to name in a checkpoint"
                    .into(),
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
            "this is a different ledger: the checkpoint is for ledger {:?}, this one is {origin:?}",
            old.origin
        )));
    }
    if old.size > new_size {
        return Ok(Extends::No(format!(
            "the checkpoint covers {} entries, but this ledger of the same name has only {new_size}: entries were removed, or it is another ledger given the same name",
            old.size
        )));
    }
    let new_root = p.root();
    let old_root_here = p.checked_root_at(old.size).map_err(tree_error)?;
    if old_root_here != old.root {
        return Ok(Extends::No(format!(
            "the ledger's first {} entries have root {}, not the checkpoint's {}: it bears the name the checkpoint names, so either some of its entries 1 to {} were changed since (its history was rewritten), or it is another ledger given the same name (`readiness verify --expect 1:HASH`, with entry 1's hash from a copy of the ledger then, tells which)",
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
    if args.key.is_none() {
        // Only signing records anything: an unsigned checkpoint is a read, with no lock.
        let ledger = ctx.open_for_read()?;
        let checkpoint = match &ledger {
            ReadLedger::Dir(d) => current_checkpoint(&super::prove::tree_of(d)?)?,
            ReadLedger::Export(f) => {
                let positions = f.positions()?;
                current_checkpoint(&Tree {
                    positions: &positions,
                    origin: f.origin()?,
                })?
            }
        };
        return emit(&args, ctx, &checkpoint);
    }
    let mut ledger = ctx.open_for_write(&crate::cli::Who::default())?;
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
        // Every checkpoint signed here, not only the latest: deleting one file does not
        // open the way to signing a rewritten history.
        for (path, old) in held_checkpoints(ledger.dir())? {
            if let Extends::No(why) = check_extends(&tree, &old)? {
                writeln!(
                    ctx.err,
                    "error: refusing to sign: the ledger is not an append-only extension of the checkpoint signed before ({}): {why}",
                    path.display()
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
        let text = checkpoint.to_text();
        let kept = format!(
            "{:020}-{}",
            checkpoint.size,
            &crate::hex::encode(&checkpoint.root)[..16]
        );
        crate::store::fsx::write_atomic(&dir, &kept, text.as_bytes())?;
        crate::store::fsx::write_atomic(&dir, LATEST, text.as_bytes())?;
    }
    emit(&args, ctx, &checkpoint)
}

/// Saves the checkpoint to --out (never over an existing file) and prints it.
fn emit(args: &Args, ctx: &mut Context<'_>, checkpoint: &Checkpoint) -> Result<Exit, CliError> {
    let text = checkpoint.to_text();
    if let Some(out) = &args.out {
        super::output::save_new(out, text.as_bytes())?;
    }
    ctx.out
        .write_all(text.as_bytes())
        .map_err(CliError::Output)?;
    Ok(Exit::Success)
}

/// The checkpoints a ledger directory holds: every one `checkpoint --key` signed there.
pub fn held_checkpoints(dir: &Path) -> Result<Vec<(PathBuf, Checkpoint)>, CliError> {
    let folder = dir.join(CHECKPOINTS_DIR);
    crate::store::fsx::no_symlink(&folder)?;
    let listing = match std::fs::read_dir(&folder) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StoreError::Io {
                path: folder,
                source,
            }
            .into())
        }
    };
    let mut held = Vec::new();
    for item in listing.flatten() {
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = item.path();
        crate::store::fsx::no_symlink(&path)?;
        held.push((path.clone(), read_checkpoint(&path)?));
    }
    held.sort_by_key(|(p, c)| (c.size, p.clone()));
    Ok(held)
}

/// Public keys given on the command line, trusted to sign checkpoints.
pub fn trusted_keys(paths: &[PathBuf]) -> Result<Vec<TrustedKey>, CliError> {
    paths
        .iter()
        .map(|p| {
            Ok(TrustedKey {
                label: format!("the key in {}", p.display()),
                public_key: super::key::read_key_file(p, "public key")?,
            })
        })
        .collect()
}

/// The keys this ledger had registered, and not revoked, within its first `size` entries.
fn ledger_keys(source: &dyn EntrySource, size: u64) -> Result<Vec<TrustedKey>, CliError> {
    let plan = crate::verify::replay_until(source, Seq(size))?;
    Ok(plan
        .keys
        .values()
        .filter(|k| k.registered.0 <= size && k.revoked.is_none_or(|r| r.0 > size))
        .filter_map(|k| {
            Some(TrustedKey {
                label: format!(
                    "{} ({}, key {}, registered at entry {})",
                    k.name,
                    k.role,
                    &k.key_id[..16],
                    k.registered
                ),
                public_key: crate::plan::trust::hex_bytes::<32>(&k.public_key)?,
            })
        })
        .collect())
}

/// What checking one checkpoint against a ledger found.
#[derive(Debug, serde::Serialize)]
pub struct CheckpointVerdict {
    pub ok: bool,
    pub file: String,
    pub size: u64,
    /// The trusted keys whose signatures verified.
    pub signed_by: Vec<String>,
    pub message: String,
}

/// Checks that `c` is signed by a key this ledger registered (and had not revoked) within
/// its first `c.size` entries, or by one of `extra`, and that the ledger extends it.
pub fn authenticate(
    ledger: &ReadLedger,
    path: &Path,
    c: &Checkpoint,
    extra: &[TrustedKey],
    allow_unsigned: bool,
) -> Result<CheckpointVerdict, CliError> {
    let file = path.display().to_string();
    let mut trusted = ledger_keys(ledger, c.size)?;
    trusted.extend_from_slice(extra);
    let checks = c.signers(&trusted);
    let signed_by: Vec<String> = checks
        .iter()
        .filter_map(|s| match s {
            SignerCheck::Verified { key, .. } => Some(key.label.clone()),
            _ => None,
        })
        .collect();
    let failed = |message: String| CheckpointVerdict {
        ok: false,
        file: file.clone(),
        size: c.size,
        signed_by: signed_by.clone(),
        message: format!("FAILED: checkpoint {file}: {message}"),
    };
    if let Some(SignerCheck::Invalid { line, key }) = checks
        .iter()
        .find(|s| matches!(s, SignerCheck::Invalid { .. }))
    {
        return Ok(failed(format!(
            "its signature line {line} claims {} but does not verify: the checkpoint was altered",
            key.label
        )));
    }
    let unsigned = signed_by.is_empty();
    if unsigned && !allow_unsigned {
        let why = if c.signatures.is_empty() {
            "it is not signed".to_string()
        } else {
            "no key this ledger registered (and had not revoked) within its first entries, nor any --public-key, signed it".to_string()
        };
        return Ok(failed(format!(
            "{why}, so nothing proves who made it; give the signer's key with --public-key, or --allow-unsigned to check the tree alone"
        )));
    }
    let owned;
    let tree = match ledger {
        ReadLedger::Dir(d) => super::prove::tree_of(d)?,
        ReadLedger::Export(f) => {
            owned = f.positions()?;
            Tree {
                positions: &owned,
                origin: f.origin()?,
            }
        }
    };
    let who = if unsigned {
        "UNSIGNED (nothing proves who made it)".to_string()
    } else {
        format!("signed by {}", signed_by.join(" and "))
    };
    Ok(match check_extends(&tree, c)? {
        Extends::Yes { new_size, .. } => CheckpointVerdict {
            ok: true,
            file: file.clone(),
            size: c.size,
            signed_by: signed_by.clone(),
            message: format!(
                "checkpoint {file}: {who}; this ledger ({new_size} entries) is an append-only extension of the one it describes ({} entries); consistency proof checked",
                c.size
            ),
        },
        Extends::No(reason) => failed(format!("{who}; {reason}")),
    })
}
