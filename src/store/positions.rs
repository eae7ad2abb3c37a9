//! Where each entry starts, and the Merkle tree over the log: fixed-width, append-only files
//! beside it (derived, rebuildable), read with one seek per value.
//!
//! `derived/offsets` holds entry `seq`'s byte offset at `8 * (seq - 1)` (u64 little-endian);
//! `derived/merkle/LL` holds the hashes of level `LL`'s perfect subtrees in order, node `i`
//! at `32 * i`, as tlog-tiles does without the tiling. Level 0 (leaf hashes) is not stored:
//! a leaf is its line, one seek away, which halves the tree's size on disk. The commit point
//! is `derived/positions.mark`: how many entries the files cover, the last one's seq, hash and
//! offset, and the tree root, with a checksum. Files only grow past the mark; a writer cuts
//! anything beyond it, so a reader that trusts the mark never reads a half-written value.
//!
//! Nothing here is trusted blindly: the mark must name a line the log holds, the frontier read
//! from the files must give the mark's root, and every proof or past root handed out is first
//! checked against that root (see [`Positions::checked_root_at`]), so damaged files are found
//! and rebuilt instead of producing a wrong answer.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::chain::stored_facts;
use crate::entry::{EntryHash, Seq};
use crate::merkle::{self, CompactTree, Hash, ProofError, HASH_LEN};

use super::error::{io, StoreError};
use super::fsx;
use super::lines::LineReader;

/// Folder of all derived data inside a ledger directory.
pub const DERIVED_DIR: &str = "derived";
const MARK_FILE: &str = "positions.mark";
const OFFSETS_FILE: &str = "offsets";
const MERKLE_DIR: &str = "merkle";
const MAGIC: &[u8; 8] = b"RLPOS001";
const MARK_LEN: usize = 8 + 8 + 8 + 32 + 32 + 32;

/// The last entry covered, as the mark records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Covered {
    pub seq: Seq,
    pub hash: EntryHash,
    /// Offset of its line in the log.
    pub offset: u64,
}

/// Offsets and Merkle nodes: those in the files up to the mark, then any added since.
pub struct Positions {
    dir: PathBuf,
    /// The log, for leaf hashes, read up to `limit`.
    log: PathBuf,
    limit: u64,
    /// Entries the files and mark cover.
    stored: u64,
    offsets: Option<File>,
    levels: Vec<Option<File>>,
    /// Offsets of entries past `stored`.
    extra_offsets: Vec<u64>,
    /// Node hashes completed past the stored ones, per level (in node order).
    extra_nodes: Vec<Vec<Hash>>,
    tree: CompactTree,
    last: Option<Covered>,
}

/// Why stored positions were not used.
pub type Discarded = Option<String>;

fn level_name(level: usize) -> String {
    format!("{level:02}")
}

/// Nodes of `level` in a tree of `size` leaves.
fn nodes_at(size: u64, level: usize) -> u64 {
    if level >= 64 {
        0
    } else {
        size >> level
    }
}

fn mark_bytes(size: u64, last: Option<Covered>, root: &Hash) -> Vec<u8> {
    let mut out = Vec::with_capacity(MARK_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&size.to_le_bytes());
    let (hash, offset) = last.map_or((EntryHash::ZERO, 0), |c| (c.hash, c.offset));
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(&hash.0);
    out.extend_from_slice(root);
    let digest: [u8; 32] = Sha256::digest(&out).into();
    out.extend_from_slice(&digest);
    out
}

/// Parses a mark: (size, last entry, root).
fn parse_mark(bytes: &[u8]) -> Result<(u64, Option<Covered>, Hash), String> {
    if bytes.len() != MARK_LEN || &bytes[..8] != MAGIC {
        return Err("the mark is not a positions mark".into());
    }
    let digest: [u8; 32] = Sha256::digest(&bytes[..MARK_LEN - 32]).into();
    if digest[..] != bytes[MARK_LEN - 32..] {
        return Err("the mark's checksum does not match".into());
    }
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or_default());
    let size = word(8);
    let offset = word(16);
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&bytes[24..56]);
    let mut root = [0u8; 32];
    root.copy_from_slice(&bytes[56..88]);
    let last = (size > 0).then_some(Covered {
        seq: Seq(size),
        hash: EntryHash(hash),
        offset,
    });
    Ok((size, last, root))
}

/// Reads the line starting at `offset` of the log, if it is a whole line before `limit`.
pub fn line_at(log: &Path, offset: u64, limit: u64) -> Result<Option<Vec<u8>>, StoreError> {
    if offset >= limit {
        return Ok(None);
    }
    let mut reader = LineReader::open(log, offset, 1)?.with_limit(limit);
    Ok(reader.next_line()?.map(|l| l.bytes.to_vec()))
}

impl Positions {
    /// Empty positions for a new ledger's derived folder, its log to be at `log`: filled
    /// from the lines as they are written, then saved.
    pub fn fresh(ledger: &Path, log: &Path) -> Positions {
        Positions::empty(ledger, log, 0)
    }

    /// Points these positions at `ledger`'s derived folder, to which their files were moved
    /// (the files already open stay open).
    pub fn moved_to(&mut self, ledger: &Path) {
        self.dir = ledger.join(DERIVED_DIR);
    }

    /// The byte just past the last line covered (or the read limit, if further).
    pub fn end(&self) -> u64 {
        self.limit
    }

    /// Empty positions (nothing stored) for `ledger`'s derived folder.
    fn empty(ledger: &Path, log: &Path, limit: u64) -> Positions {
        Positions {
            dir: ledger.join(DERIVED_DIR),
            log: log.to_path_buf(),
            limit,
            stored: 0,
            offsets: None,
            levels: Vec::new(),
            extra_offsets: Vec::new(),
            extra_nodes: Vec::new(),
            tree: CompactTree::new(),
            last: None,
        }
    }

    /// Opens the stored positions of `ledger` if they describe a prefix of its log (read up to
    /// `limit`); otherwise starts empty and says why. Never writes.
    pub fn open(
        ledger: &Path,
        log: &Path,
        limit: u64,
    ) -> Result<(Positions, Discarded), StoreError> {
        let mut p = Positions::empty(ledger, log, limit);
        match p.load(log, limit) {
            Ok(()) => Ok((p, None)),
            Err(Load::Store(e)) => Err(e),
            Err(Load::Stale(why)) => Ok((Positions::empty(ledger, log, limit), Some(why))),
        }
    }

    fn load(&mut self, log: &Path, limit: u64) -> Result<(), Load> {
        fsx::no_symlink(&self.dir)?;
        let merkle = self.dir.join(MERKLE_DIR);
        for (path, want_dir) in [(&self.dir, true), (&merkle, true)] {
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir() != want_dir) {
                return Err(Load::Stale(format!("{} is not a folder", path.display())));
            }
        }
        let Some(bytes) = fsx::read_small(&self.dir.join(MARK_FILE), MARK_LEN as u64 + 1)? else {
            return Ok(());
        };
        let (size, last, root) = parse_mark(&bytes).map_err(Load::Stale)?;
        if let Some(c) = last {
            let line = line_at(log, c.offset, limit)?;
            let facts = line.as_deref().and_then(stored_facts);
            if facts.is_none_or(|f| f.seq != c.seq || f.hash != c.hash) {
                return Err(Load::Stale(format!(
                    "they end at entry {} but the log's line at byte {} is not that entry",
                    c.seq, c.offset
                )));
            }
        }
        fsx::no_symlink(&self.dir.join(MERKLE_DIR))?;
        self.stored = size;
        self.offsets = self.open_file(OFFSETS_FILE, size * 8)?;
        let levels = 64 - size.leading_zeros() as usize;
        self.levels.push(None);
        for level in 1..levels {
            let name = format!("{MERKLE_DIR}/{}", level_name(level));
            let need = nodes_at(size, level) * HASH_LEN as u64;
            let f = self.open_file(&name, need)?;
            self.levels.push(f);
        }
        let mut frontier = Vec::new();
        let mut start = 0u64;
        for bit in (0..64).rev() {
            let width = 1u64 << bit;
            if size & width != 0 {
                frontier.push(self.node(bit as usize, start >> bit).map_err(Load::Store)?);
                start += width;
            }
        }
        self.tree =
            CompactTree::from_parts(size, frontier).map_err(|e| Load::Stale(e.to_string()))?;
        if self.tree.root() != root {
            return Err(Load::Stale(
                "the Merkle nodes on disk do not give the root the mark records".into(),
            ));
        }
        self.last = last;
        Ok(())
    }

    /// Opens a derived file that must hold at least `need` bytes (`None` when none needed).
    fn open_file(&self, name: &str, need: u64) -> Result<Option<File>, Load> {
        let path = self.dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
            return Err(Load::Stale(format!("{} is not a file", path.display())));
        }
        let file = fsx::open_read_if_exists(&path)?;
        let len = match &file {
            Some(f) => f.metadata().map_err(io(&path))?.len(),
            None => 0,
        };
        if len < need {
            return Err(Load::Stale(format!(
                "{} holds {len} bytes, fewer than the {need} the mark needs",
                path.display()
            )));
        }
        Ok(file)
    }

    /// Positions of the log's entries up to `limit`, computed in memory from the log alone
    /// (for an export, which has no derived data).
    pub fn scan(log: &Path, limit: u64) -> Result<Positions, StoreError> {
        let mut p = Positions::empty(log, log, limit);
        let mut reader = LineReader::open(log, 0, 1)?.with_limit(limit);
        while let Some(line) = reader.next_line()? {
            match stored_facts(line.bytes) {
                Some(f) if f.seq.0 == p.size() + 1 => {
                    p.push(f.seq, f.hash, line.offset, line.bytes)
                }
                _ => break,
            }
        }
        Ok(p)
    }

    /// Forgets the stored positions of `ledger` (the next writer rebuilds them): for damage
    /// found while using them, which opening does not look for.
    pub fn forget(ledger: &Path) {
        let _ = std::fs::remove_file(ledger.join(DERIVED_DIR).join(MARK_FILE));
    }

    /// Reads leaves (lines of the log) only before `limit`.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
    }

    /// Number of entries covered (stored and added since).
    pub fn size(&self) -> u64 {
        self.stored + self.extra_offsets.len() as u64
    }

    /// The last entry covered.
    pub fn last(&self) -> Option<Covered> {
        self.last
    }

    /// Root of the tree over every covered entry.
    pub fn root(&self) -> Hash {
        self.tree.root()
    }

    /// Adds the entry whose line starts at `offset`.
    pub fn push(&mut self, seq: Seq, hash: EntryHash, offset: u64, line: &[u8]) {
        self.limit = self.limit.max(offset + line.len() as u64 + 1);
        let base = self.stored;
        let extra = &mut self.extra_nodes;
        self.tree
            .push_with(merkle::leaf_hash(line), |level, index, h| {
                let level = level as usize;
                if extra.len() <= level {
                    extra.resize_with(level + 1, Vec::new);
                }
                debug_assert_eq!(index, nodes_at(base, level) + extra[level].len() as u64);
                extra[level].push(*h);
            });
        self.extra_offsets.push(offset);
        self.last = Some(Covered { seq, hash, offset });
    }

    /// Byte offset of entry `seq`'s line.
    pub fn offset_of(&self, seq: Seq) -> Result<Option<u64>, StoreError> {
        if seq.0 == 0 || seq.0 > self.size() {
            return Ok(None);
        }
        if seq.0 > self.stored {
            return Ok(self
                .extra_offsets
                .get((seq.0 - self.stored - 1) as usize)
                .copied());
        }
        let mut b = [0u8; 8];
        let path = self.dir.join(OFFSETS_FILE);
        match &self.offsets {
            Some(f) => f
                .read_exact_at(&mut b, (seq.0 - 1) * 8)
                .map_err(io(&path))?,
            None => return Ok(None),
        }
        Ok(Some(u64::from_le_bytes(b)))
    }

    /// Hash of node `(level, index)`.
    fn node(&self, level: usize, index: u64) -> Result<Hash, StoreError> {
        let on_disk = nodes_at(self.stored, level);
        if index >= on_disk {
            return self
                .extra_nodes
                .get(level)
                .and_then(|v| v.get((index - on_disk) as usize))
                .copied()
                .ok_or_else(|| StoreError::Damaged(format!("no Merkle node ({level}, {index})")));
        }
        if level == 0 {
            let seq = Seq(index + 1);
            let line = match self.offset_of(seq)? {
                Some(offset) => line_at(&self.log, offset, self.limit)?,
                None => None,
            };
            return line
                .map(|l| merkle::leaf_hash(&l))
                .ok_or_else(|| StoreError::Damaged(format!("no line for entry {seq}")));
        }
        let path = self.dir.join(MERKLE_DIR).join(level_name(level));
        let Some(Some(f)) = self.levels.get(level) else {
            return Err(StoreError::Damaged(format!("no Merkle level {level}")));
        };
        let mut h = [0u8; HASH_LEN];
        f.read_exact_at(&mut h, index * HASH_LEN as u64)
            .map_err(io(&path))?;
        Ok(h)
    }

    /// Root of the perfect aligned subtree over leaves `[start, end)`.
    fn subtree(&self, start: u64, end: u64) -> Result<Hash, TreeFailure> {
        let width = end - start;
        let level = width.trailing_zeros() as usize;
        Ok(self.node(level, start >> level)?)
    }

    fn check_size(&self, size: u64) -> Result<(), TreeFailure> {
        if size > self.size() {
            return Err(ProofError::SizeBeyondTree {
                size,
                available: self.size(),
            }
            .into());
        }
        Ok(())
    }

    /// Root of the tree of the first `size` entries, proved consistent with the current root
    /// (so a damaged node is an error, never a wrong root).
    pub fn checked_root_at(&self, size: u64) -> Result<Hash, TreeFailure> {
        self.check_size(size)?;
        if size == self.size() {
            return Ok(self.root());
        }
        if size == 0 {
            return Ok(merkle::EMPTY_ROOT);
        }
        let mut parts = Vec::new();
        let mut start = 0u64;
        for bit in (0..64).rev() {
            let width = 1u64 << bit;
            if size & width != 0 {
                parts.push(self.subtree(start, start + width)?);
                start += width;
            }
        }
        let mut iter = parts.iter().rev();
        let root = match iter.next() {
            Some(last) => iter.fold(*last, |acc, left| merkle::node_hash(left, &acc)),
            None => merkle::EMPTY_ROOT,
        };
        let proof = self.consistency(size, self.size())?;
        merkle::verify_consistency(size, self.size(), &proof, &root, &self.root())
            .map_err(|_| TreeFailure::Damaged)?;
        Ok(root)
    }

    /// Audit path of leaf `index` in the tree of the first `size` entries, checked against
    /// that tree's root.
    pub fn inclusion(&self, index: u64, size: u64, leaf: &[u8]) -> Result<Vec<Hash>, TreeFailure> {
        self.check_size(size)?;
        let path = merkle::try_inclusion_proof(index, size, |s, e| self.subtree(s, e))?;
        let root = self.checked_root_at(size)?;
        merkle::verify_inclusion(&merkle::leaf_hash(leaf), index, size, &path, &root)
            .map_err(|_| TreeFailure::Damaged)?;
        Ok(path)
    }

    /// Consistency proof from the first `old` entries to the first `new`.
    pub fn consistency(&self, old: u64, new: u64) -> Result<Vec<Hash>, TreeFailure> {
        self.check_size(new)?;
        merkle::try_consistency_proof(old, new, |s, e| self.subtree(s, e))
    }
}

/// Why a tree question had no answer.
#[derive(Debug, thiserror::Error)]
pub enum TreeFailure {
    #[error(transparent)]
    Proof(#[from] ProofError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored Merkle nodes do not agree with the tree's root")]
    Damaged,
}

enum Load {
    Store(StoreError),
    Stale(String),
}

impl From<StoreError> for Load {
    fn from(e: StoreError) -> Self {
        Load::Store(e)
    }
}

/// Writing positions: only the process holding the ledger's lock does this.
impl Positions {
    /// Cuts the files to exactly what the mark covers (a writer's first step), or empties
    /// them when the stored positions were discarded.
    pub fn trim(&mut self) -> Result<(), StoreError> {
        fsx::ensure_derived_dir(&self.dir)?;
        let merkle_dir = self.dir.join(MERKLE_DIR);
        fsx::ensure_derived_dir(&merkle_dir)?;
        self.cut(OFFSETS_FILE, self.stored * 8)?;
        let _ = std::fs::remove_file(merkle_dir.join(level_name(0)));
        for level in 1..64 {
            let name = format!("{MERKLE_DIR}/{}", level_name(level));
            let need = nodes_at(self.stored, level) * HASH_LEN as u64;
            if need == 0 && !self.dir.join(&name).exists() {
                continue;
            }
            self.cut(&name, need)?;
        }
        if self.stored == 0 {
            let _ = std::fs::remove_file(self.dir.join(MARK_FILE));
        }
        Ok(())
    }

    fn cut(&self, name: &str, len: u64) -> Result<(), StoreError> {
        let path = self.dir.join(name);
        let f = fsx::open_derived_rw(&path)?;
        if f.metadata().map_err(io(&path))?.len() != len {
            fsx::truncate(&f, &path, len)?;
        }
        Ok(())
    }

    /// Writes what was added since the last save to the files, then the mark.
    pub fn save(&mut self) -> Result<(), StoreError> {
        if self.extra_offsets.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(OFFSETS_FILE);
        let mut bytes = Vec::with_capacity(self.extra_offsets.len() * 8);
        for o in &self.extra_offsets {
            bytes.extend_from_slice(&o.to_le_bytes());
        }
        append_at(&path, self.stored * 8, &bytes)?;
        for (level, nodes) in self.extra_nodes.iter().enumerate().skip(1) {
            if nodes.is_empty() {
                continue;
            }
            let path = self.dir.join(MERKLE_DIR).join(level_name(level));
            let at = nodes_at(self.stored, level) * HASH_LEN as u64;
            append_at(&path, at, nodes.as_flattened())?;
        }
        let size = self.size();
        let mark = mark_bytes(size, self.last, &self.tree.root());
        fsx::replace(&self.dir, MARK_FILE, &mark)?;
        self.stored = size;
        self.extra_offsets.clear();
        self.extra_nodes.iter_mut().for_each(Vec::clear);
        // Files already open are the ones just appended to (appends and cuts keep a file's
        // inode): only those missing until now are opened.
        if self.offsets.is_none() {
            self.offsets = fsx::open_read_if_exists(&path_of(&self.dir, OFFSETS_FILE))?;
        }
        let levels = 64 - size.leading_zeros() as usize;
        self.levels
            .resize_with(levels.max(self.levels.len()), || None);
        for l in 1..levels {
            if self.levels[l].is_none() {
                self.levels[l] =
                    fsx::open_read_if_exists(&self.dir.join(MERKLE_DIR).join(level_name(l)))?;
            }
        }
        Ok(())
    }

    /// Entries added since the last save.
    pub fn unsaved(&self) -> usize {
        self.extra_offsets.len()
    }
}

fn path_of(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Writes `bytes` at `at` of `path` (created if missing). Not fsynced: derived data is
/// rebuilt from the log if a crash loses it, and the mark is written after it.
fn append_at(path: &Path, at: u64, bytes: &[u8]) -> Result<(), StoreError> {
    let f = fsx::open_rw(path, true)?;
    fsx::fault(fsx::Op::Write)
        .and_then(|_| f.write_all_at(bytes, at))
        .map_err(io(path))
}
