//! `readiness prove`: inclusion and consistency proofs as JSON, for `verify-proof`.

use std::path::PathBuf;

use crate::checkpoint::{b64, Checkpoint};
use crate::entry::Seq;
use crate::store::{DirReader, ReadLedger, StoreError};

use super::checkpoint::{
    check_extends, current_checkpoint, read_checkpoint, tree_error, Extends, Tree,
};
use super::output::write_json;
use super::{CliError, Context, Exit};

/// Prove that an entry is in the ledger, or that the ledger extends an old checkpoint.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ProveCommand {
    Inclusion(InclusionArgs),
    Consistency(ConsistencyArgs),
}

/// Print the audit path of entry SEQ, as JSON (check it with `readiness verify-proof`).
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  readiness prove inclusion 40 --checkpoint board.ckpt --out entry40.json")]
pub struct InclusionArgs {
    /// The entry's seq (from 1).
    pub seq: u64,
    /// Prove against this checkpoint's tree size (it must match the ledger); default: now.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Save the proof to FILE (a new file; nothing is written if the proof fails) instead
    /// of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Print the consistency proof from OLD_CHECKPOINT to NEW_CHECKPOINT (default: now).
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  readiness prove consistency board.ckpt --out grew.json")]
pub struct ConsistencyArgs {
    /// The checkpoint minuted earlier.
    pub old_checkpoint: PathBuf,
    /// The checkpoint to prove it grew into; default: the ledger now.
    pub new_checkpoint: Option<PathBuf>,
    /// Save the proof to FILE (a new file; nothing is written if the proof fails) instead
    /// of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub use crate::proof_file::{ConsistencyProof, InclusionProof, ProofFile};

/// Runs a `prove` subcommand.
pub fn run(cmd: ProveCommand, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let mut ledger = match ctx.open_for_read()? {
        ReadLedger::Dir(d) => d,
        ReadLedger::Export(_) => {
            return Err(CliError::Usage(
                "prove needs a ledger directory; restore the export first".into(),
            ))
        }
    };
    let attempt = |ledger: &DirReader, ctx: &mut Context<'_>| match cmd.clone() {
        ProveCommand::Inclusion(args) => inclusion(args, ledger, ctx),
        ProveCommand::Consistency(args) => consistency(args, ledger, ctx),
    };
    match attempt(&ledger, ctx) {
        // Damage that opening does not look for (a changed node or offset inside the files)
        // shows when a proof fails its own check: rebuild the positions and prove again.
        Err(CliError::Store(StoreError::Damaged(why))) => {
            let notes = ledger.rebuild_positions(&why)?;
            ctx.warn_all(notes)?;
            attempt(&ledger, ctx)
        }
        other => other,
    }
}

/// The tree size to prove against: the checkpoint's, if it matches the ledger.
fn size_for(
    ledger: &DirReader,
    checkpoint: Option<&PathBuf>,
    ctx: &mut Context<'_>,
) -> Result<Result<Checkpoint, ()>, CliError> {
    let tree = tree_of(ledger)?;
    let here = current_checkpoint(&tree)?;
    let Some(path) = checkpoint else {
        return Ok(Ok(here));
    };
    let c = read_checkpoint(path)?;
    match check_extends(&tree, &c)? {
        Extends::Yes { .. } => Ok(Ok(c)),
        Extends::No(why) => {
            writeln!(
                ctx.err,
                "error: {} does not match this ledger: {why}",
                path.display()
            )
            .map_err(CliError::Output)?;
            Ok(Err(()))
        }
    }
}

fn inclusion(
    args: InclusionArgs,
    ledger: &DirReader,
    ctx: &mut Context<'_>,
) -> Result<Exit, CliError> {
    let Ok(c) = size_for(ledger, args.checkpoint.as_ref(), ctx)? else {
        return Ok(Exit::VerificationFailed);
    };
    let proof = inclusion_proof(ledger, args.seq, &c)?;
    let what = format!(
        "inclusion proof of entry {} in a tree of {} entries",
        args.seq, c.size
    );
    emit(ctx, &proof, args.out.as_deref(), &what)
}

fn consistency(
    args: ConsistencyArgs,
    ledger: &DirReader,
    ctx: &mut Context<'_>,
) -> Result<Exit, CliError> {
    let old = read_checkpoint(&args.old_checkpoint)?;
    let Ok(new) = size_for(ledger, args.new_checkpoint.as_ref(), ctx)? else {
        return Ok(Exit::VerificationFailed);
    };
    if old.size > new.size {
        return Err(CliError::Usage(format!(
            "the old checkpoint ({} entries) is larger than the new ({} entries)",
            old.size, new.size
        )));
    }
    if old.size == 0 {
        return Err(CliError::Usage(
            "the old checkpoint is of the empty tree: every ledger extends it, there is nothing to prove".into(),
        ));
    }
    match check_extends(&tree_of(ledger)?, &old)? {
        Extends::Yes { .. } => {}
        Extends::No(why) => {
            writeln!(
                ctx.err,
                "error: the ledger does not extend {}: {why}",
                args.old_checkpoint.display()
            )
            .map_err(CliError::Output)?;
            return Ok(Exit::VerificationFailed);
        }
    }
    let proof = ledger
        .positions()
        .consistency(old.size, new.size)
        .map_err(tree_error)?;
    let file = ProofFile::Consistency(ConsistencyProof {
        origin: new.origin.clone(),
        old_size: old.size,
        new_size: new.size,
        old_root: b64(&old.root),
        new_root: b64(&new.root),
        proof: proof.iter().map(|h| b64(h)).collect(),
    });
    let what = format!(
        "consistency proof from {} to {} entries",
        old.size, new.size
    );
    emit(ctx, &file, args.out.as_deref(), &what)
}

/// Prints the proof, or saves it to `out` and says what was saved.
fn emit(
    ctx: &mut Context<'_>,
    proof: &ProofFile,
    out: Option<&std::path::Path>,
    what: &str,
) -> Result<Exit, CliError> {
    match out {
        None => write_json(ctx.out, proof)?,
        Some(path) => {
            let text = serde_json::to_string_pretty(proof)
                .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
            super::output::save_new(path, format!("{text}\n").as_bytes())?;
            let saved = format!("saved the {what} to {}", path.display());
            super::output::line(ctx.out, saved)?;
        }
    }
    Ok(Exit::Success)
}

/// The inclusion proof of entry `seq` in the tree `c` describes (which must be this
/// ledger's: see [`check_extends`]).
pub fn inclusion_proof(
    ledger: &DirReader,
    seq: u64,
    c: &Checkpoint,
) -> Result<ProofFile, CliError> {
    if seq == 0 || seq > c.size {
        return Err(CliError::Usage(format!(
            "no entry {} in a tree of {} entries (seqs run from 1 to {})",
            seq, c.size, c.size
        )));
    }
    let line = ledger.line_at(Seq(seq))?.ok_or_else(|| {
        StoreError::Damaged(format!(
            "entry {} is not in the index; run `readiness reindex`",
            seq
        ))
    })?;
    let leaf_index = seq - 1;
    let path = ledger
        .positions()
        .inclusion(leaf_index, c.size, &line)
        .map_err(tree_error)?;
    let entry = String::from_utf8(line)
        .map_err(|_| StoreError::Damaged(format!("entry {} is not UTF-8", seq)))?;
    let proof = ProofFile::Inclusion(InclusionProof {
        origin: c.origin.clone(),
        entry,
        seq,
        leaf_index,
        tree_size: c.size,
        root: b64(&c.root),
        audit_path: path.iter().map(|h| b64(h)).collect(),
    });
    Ok(proof)
}

/// The reader's tree, named by the origin entry 1 sets.
pub fn tree_of(ledger: &DirReader) -> Result<Tree<'_>, CliError> {
    Ok(Tree {
        positions: ledger.positions(),
        origin: ledger.origin()?,
    })
}
