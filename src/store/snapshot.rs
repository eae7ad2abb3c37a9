//! Plan snapshots: the whole plan state after entry N, so views start there instead of at
//! entry 1 (derived, rebuildable; readers use them without any lock).
//!
//! `derived/snapshots/<seq, 20 digits>` holds a header (magic, seq, hash and log offset of
//! entry `seq`, the length and SHA-256 of the part directory), the directory, and the plan
//! in [`codec`] form, in parts that each carry their own checksum ([`super::parts`]): a view
//! reads and checks the parts it shows, not the whole file. A snapshot is used only if the
//! directory's checksum holds, the log's line at that offset is that entry, every part read
//! checks out, and the decoded plan's head is that entry. Writers keep a few, spread over
//! the log, for `--known-at`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::chain::stored_facts;
use crate::entry::{EntryHash, Seq};
use crate::plan::Plan;

use super::action_records::ActionText;
use super::codec;
use super::error::{io, StoreError};
use super::fsx;
use super::parts::{Directory, FileParts};
use super::positions::{line_at, Covered, DERIVED_DIR};
use super::review_columns::ReviewColumns;
use super::shown_actions::ShownActions;

const SNAPSHOT_DIR: &str = "snapshots";
const MAGIC: &[u8; 8] = b"RLSNAP05";
const HEADER_LEN: usize = 8 + 8 + 32 + 8 + 8 + 32;
/// Snapshots kept at most.
const KEEP: usize = 8;
/// Entries between snapshots at least, however small the plan.
const MIN_GAP: u64 = 256;
/// About how many bytes of snapshot cost as much to read as one entry to replay.
const BYTES_PER_ENTRY: u64 = 400;

/// The snapshot folder of a ledger.
pub fn dir_of(ledger: &Path) -> PathBuf {
    ledger.join(DERIVED_DIR).join(SNAPSHOT_DIR)
}

fn name(seq: u64) -> String {
    format!("{seq:020}")
}

/// Seqs of the snapshot files present, oldest first.
pub fn list(ledger: &Path) -> Result<Vec<u64>, StoreError> {
    let dir = dir_of(ledger);
    fsx::no_symlink(&ledger.join(DERIVED_DIR))?;
    fsx::no_symlink(&dir)?;
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
        return Ok(Vec::new()); // derived data of the wrong kind: as good as none
    }
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(&dir)(e)),
    };
    let mut seqs: Vec<u64> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = e.file_name().into_string().ok()?;
            (n.len() == 20).then(|| n.parse().ok()).flatten()
        })
        .collect();
    seqs.sort_unstable();
    Ok(seqs)
}

/// A snapshot read back and checked.
pub struct Loaded {
    pub plan: Plan,
    pub covered: Covered,
    /// Size of the file, for deciding when the next one is due.
    pub bytes: u64,
}

/// A snapshot read back and checked, its statuses left in their columns for a view to
/// read only those it shows.
pub struct Lazy {
    /// The plan without statuses.
    pub plan: Plan,
    pub columns: ReviewColumns,
    pub covered: Covered,
    /// Size of the file.
    pub bytes: u64,
}

/// True when the newest snapshot's header names an entry the log holds (cheap: the
/// payload's checksum is checked by whoever reads it).
pub fn header_holds(ledger: &Path, log: &Path, limit: u64, seq: u64) -> Result<bool, StoreError> {
    use std::io::Read;
    let path = dir_of(ledger).join(name(seq));
    let Some(f) = fsx::open_read_if_exists(&path)? else {
        return Ok(false);
    };
    let mut head = Vec::with_capacity(HEADER_LEN);
    f.take(HEADER_LEN as u64)
        .read_to_end(&mut head)
        .map_err(io(&path))?;
    if head.len() < HEADER_LEN || &head[..8] != MAGIC {
        return Ok(false);
    }
    let offset = u64::from_le_bytes(head[48..56].try_into().unwrap_or_default());
    let line = line_at(log, offset, limit)?;
    Ok(line
        .as_deref()
        .and_then(stored_facts)
        .is_some_and(|f| f.seq.0 == seq && f.hash.0[..] == head[16..48]))
}

/// Reads and checks the snapshot after entry `seq` against the log (read up to `limit`).
/// `Ok(None)` when it is missing or does not check out.
pub fn load(ledger: &Path, log: &Path, limit: u64, seq: u64) -> Result<Option<Loaded>, StoreError> {
    let Some(Lazy {
        mut plan,
        columns,
        covered,
        bytes,
    }) = load_lazily(ledger, log, limit, seq, ActionText::All)?
    else {
        return Ok(None);
    };
    if columns.fill_all(&mut plan.actions).is_err() {
        return Ok(None);
    }
    Ok(Some(Loaded {
        plan,
        covered,
        bytes,
    }))
}

/// [`load`], the statuses left in their columns (checked by whoever reads them: the whole
/// file's checksum holds, so only a bug in this program could make them unreadable), and
/// the actions' texts `wanted`.
pub fn load_lazily(
    ledger: &Path,
    log: &Path,
    limit: u64,
    seq: u64,
    wanted: ActionText,
) -> Result<Option<Lazy>, StoreError> {
    let Some((parts, covered, bytes)) = open_parts(ledger, log, limit, seq)? else {
        return Ok(None);
    };
    let Ok((plan, columns)) = codec::decode_plan_lazily(Box::new(parts), wanted) else {
        return Ok(None);
    };
    if plan.head != Some((covered.seq, covered.hash)) {
        return Ok(None);
    }
    Ok(Some(Lazy {
        plan,
        columns,
        covered,
        bytes,
    }))
}

/// [`load_lazily`] for the `plan` table and `matrix`: the actions as [`ShownActions`].
pub fn load_shown(
    ledger: &Path,
    log: &Path,
    limit: u64,
    seq: u64,
) -> Result<Option<(Plan, ShownActions, ReviewColumns, Covered)>, StoreError> {
    let Some((parts, covered, _)) = open_parts(ledger, log, limit, seq)? else {
        return Ok(None);
    };
    let Ok((plan, shown, columns)) = codec::decode_plan_shown(Box::new(parts)) else {
        return Ok(None);
    };
    if plan.head != Some((covered.seq, covered.hash)) {
        return Ok(None);
    }
    Ok(Some((plan, shown, columns, covered)))
}

/// The snapshot after entry `seq`, its header and directory checked and the entry it names
/// found in the log (read up to `limit`): its parts, that entry and the file's size.
fn open_parts(
    ledger: &Path,
    log: &Path,
    limit: u64,
    seq: u64,
) -> Result<Option<(FileParts, Covered, u64)>, StoreError> {
    use std::os::unix::fs::FileExt;
    let path = dir_of(ledger).join(name(seq));
    let Some(file) = fsx::open_read_if_exists(&path)? else {
        return Ok(None);
    };
    let size = file.metadata().map_err(io(&path))?.len();
    let mut head = [0u8; HEADER_LEN];
    if size < HEADER_LEN as u64 || file.read_exact_at(&mut head, 0).is_err() {
        return Ok(None);
    }
    let word = |i: usize| u64::from_le_bytes(head[i..i + 8].try_into().unwrap_or_default());
    let (offset, dir_len) = (word(48), word(56));
    let body = size - HEADER_LEN as u64;
    if &head[..8] != MAGIC || word(8) != seq || dir_len > body {
        return Ok(None);
    }
    let mut dir = vec![0u8; dir_len as usize];
    if file.read_exact_at(&mut dir, HEADER_LEN as u64).is_err()
        || Sha256::digest(&dir)[..] != head[64..96]
    {
        return Ok(None);
    }
    let Ok(directory) = Directory::parse(&dir, body - dir_len) else {
        return Ok(None);
    };
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&head[16..48]);
    let covered = Covered {
        seq: Seq(seq),
        hash: EntryHash(hash),
        offset,
    };
    let line = line_at(log, offset, limit)?;
    if line
        .as_deref()
        .and_then(stored_facts)
        .is_none_or(|f| f.seq != covered.seq || f.hash != covered.hash)
    {
        return Ok(None);
    }
    let parts = FileParts::new(file, HEADER_LEN as u64 + dir_len, directory);
    Ok(Some((parts, covered, size)))
}

/// The newest snapshot at or before entry `upto` that checks out, trying older ones in turn.
/// Returns it and the seqs of those found damaged on the way.
pub fn best(
    ledger: &Path,
    log: &Path,
    limit: u64,
    upto: u64,
) -> Result<(Option<Loaded>, Vec<u64>), StoreError> {
    let mut damaged = Vec::new();
    for seq in list(ledger)?.into_iter().rev().filter(|s| *s <= upto) {
        match load(ledger, log, limit, seq)? {
            Some(l) => return Ok((Some(l), damaged)),
            None => damaged.push(seq),
        }
    }
    Ok((None, damaged))
}

/// Deletes the snapshot after entry `seq` (derived: found damaged, it is made again).
pub fn remove(ledger: &Path, seq: u64) {
    let _ = std::fs::remove_file(dir_of(ledger).join(name(seq)));
}

/// True when a snapshot after `head` is worth writing, given the newest one.
pub fn due(head: u64, newest: Option<(u64, u64)>) -> bool {
    match newest {
        None => head >= MIN_GAP,
        Some((seq, bytes)) => head.saturating_sub(seq) >= MIN_GAP.max(bytes / BYTES_PER_ENTRY),
    }
}

/// Writes the snapshot of `plan` (whose last entry's line is at `offset`), then thins the
/// older ones so at most [`KEEP`] remain, spread over the log.
pub fn write(ledger: &Path, plan: &mut Plan, offset: u64) -> Result<(), StoreError> {
    let Some((seq, hash)) = plan.head else {
        return Ok(());
    };
    let derived = ledger.join(DERIVED_DIR);
    fsx::ensure_derived_dir(&derived)?;
    let dir = dir_of(ledger);
    fsx::ensure_derived_dir(&dir)?;
    // The header, the directory's length and checksum filled in once the plan is encoded.
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&seq.0.to_le_bytes());
    bytes.extend_from_slice(&hash.0);
    bytes.extend_from_slice(&offset.to_le_bytes());
    bytes.resize(HEADER_LEN, 0);
    // The plan's parts are written as they are, never joined in one buffer.
    let (parts, action_parts) = codec::encode_plan_parts(plan);
    let directory = Directory::encode(&parts, action_parts);
    bytes[HEADER_LEN - 40..HEADER_LEN - 32]
        .copy_from_slice(&(directory.len() as u64).to_le_bytes());
    bytes[HEADER_LEN - 32..HEADER_LEN].copy_from_slice(&Sha256::digest(&directory));
    let pieces = [bytes, directory].into_iter().chain(parts);
    fsx::replace_pieces(&dir, &name(seq.0), pieces)?;
    thin(ledger, seq.0)
}

/// Removes snapshots past `head` (from a ledger since cut back) and, beyond [`KEEP`], the
/// one whose neighbours are closest, so the rest stay spread over the log.
fn thin(ledger: &Path, head: u64) -> Result<(), StoreError> {
    let dir = dir_of(ledger);
    let mut seqs = list(ledger)?;
    for s in seqs.iter().filter(|s| **s > head) {
        let _ = std::fs::remove_file(dir.join(name(*s)));
    }
    seqs.retain(|s| *s <= head);
    while seqs.len() > KEEP {
        let i = (1..seqs.len() - 1)
            .min_by_key(|i| seqs[i + 1] - seqs[i - 1])
            .unwrap_or(0);
        let _ = std::fs::remove_file(dir.join(name(seqs[i])));
        seqs.remove(i);
    }
    Ok(())
}

/// Newest snapshot present: (seq, file size).
pub fn newest(ledger: &Path) -> Result<Option<(u64, u64)>, StoreError> {
    let Some(seq) = list(ledger)?.last().copied() else {
        return Ok(None);
    };
    let len = std::fs::symlink_metadata(dir_of(ledger).join(name(seq)))
        .map(|m| m.len())
        .unwrap_or(0);
    Ok(Some((seq, len)))
}
