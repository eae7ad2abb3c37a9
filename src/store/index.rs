//! The sled index beside the log: derived data only, rebuilt from the log at will.
//!
//! It maps seq to byte offset, action id to the seqs that touched it, and keeps the plan
//! state after the last indexed entry so an append need not replay the whole log. Nothing
//! here is trusted for integrity: `verify` reads the log.

use std::path::Path;

use crate::entry::{EntryHash, Seq};
use crate::merkle::{CompactTree, Hash};
use crate::plan::Plan;

use super::error::StoreError;
use super::tree::{node_key, MERKLE_TREE, META_MERKLE};

/// Folder name of the sled database inside a ledger directory.
pub const INDEX_DIR: &str = "index";

/// How far the index has got: the last entry it covers and where the log continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedTo {
    pub seq: Seq,
    pub hash: EntryHash,
    /// Offset of that entry's line in the log.
    pub offset: u64,
    /// Offset just past it: where catching up resumes.
    pub end: u64,
}

/// One line to add to the index.
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub seq: Seq,
    pub offset: u64,
    pub action: Option<String>,
    /// Merkle leaf hash of the entry's line (see [`crate::merkle::leaf_hash`]).
    pub leaf: Hash,
}

/// The open sled database and its trees.
pub struct Index {
    db: sled::Db,
    offsets: sled::Tree,
    actions: sled::Tree,
    meta: sled::Tree,
    merkle: sled::Tree,
}

const META_TO: &[u8] = b"indexed_to";
/// Index rows written per sled batch.
const ROWS_PER_BATCH: usize = 1000;
const META_STATE: &[u8] = b"state";

fn action_key(id: &str, seq: Option<Seq>) -> Vec<u8> {
    let mut key = Vec::with_capacity(id.len() + 9);
    key.extend_from_slice(id.as_bytes());
    key.push(0);
    if let Some(seq) = seq {
        key.extend_from_slice(&seq.0.to_be_bytes());
    }
    key
}

impl Index {
    /// Opens or creates the index folder of a ledger directory.
    pub fn open(dir: &Path) -> Result<Index, StoreError> {
        let config = sled::Config::new()
            .path(dir.join(INDEX_DIR))
            .cache_capacity(16 << 20);
        // The caller holds the ledger's LOCK, so sled's own lock can only still be held by an
        // index just dropped (here, or by a process that has just let go of LOCK): sled
        // releases it from its background flusher thread after `Drop` returns (sled#1289).
        // Wait for that, boundedly (2 s).
        let mut tries = 0;
        let db = loop {
            match config.open() {
                Err(sled::Error::Io(e))
                    if tries < 400 && e.to_string().starts_with("could not acquire lock") =>
                {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                result => break result?,
            }
        };
        Ok(Index {
            offsets: db.open_tree("offsets")?,
            actions: db.open_tree("actions")?,
            meta: db.open_tree("meta")?,
            merkle: db.open_tree(MERKLE_TREE)?,
            db,
        })
    }

    /// How far the index covers the log, if at all.
    pub fn indexed_to(&self) -> Result<Option<IndexedTo>, StoreError> {
        let Some(raw) = self.meta.get(META_TO)? else {
            return Ok(None);
        };
        if raw.len() != 8 + 32 + 8 + 8 {
            return Ok(None);
        }
        let word = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&raw[i..i + 8]);
            u64::from_be_bytes(b)
        };
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&raw[8..40]);
        Ok(Some(IndexedTo {
            seq: Seq(word(0)),
            hash: EntryHash(hash),
            offset: word(40),
            end: word(48),
        }))
    }

    /// The plan state saved with the index, if it matches where the index stands.
    pub fn state(&self, to: &IndexedTo) -> Result<Option<Plan>, StoreError> {
        let Some(raw) = self.meta.get(META_STATE)? else {
            return Ok(None);
        };
        let plan: Option<Plan> = serde_json::from_slice(&raw).ok();
        Ok(plan.filter(|p| p.head == Some((to.seq, to.hash))))
    }

    /// Records rows and the state after them. The meta record is written last, so a crash
    /// in between leaves an index that merely re-indexes the same rows next time.
    ///
    /// Each row's leaf is pushed onto the Merkle tree (which must cover exactly the rows
    /// before them); its new nodes are written with the rows and its frontier with the meta.
    pub fn record(&self, rows: &[IndexRow], to: IndexedTo, plan: &Plan) -> Result<(), StoreError> {
        let mut tree = match self.meta.get(META_MERKLE)? {
            Some(raw) => CompactTree::from_bytes(&raw).unwrap_or_default(),
            None => CompactTree::new(),
        };
        if let Some(first) = rows.first() {
            if tree.size() != first.seq.0.saturating_sub(1) {
                return Err(StoreError::Damaged(format!(
                    "the index's Merkle tree holds {} entries but the next to add is entry {}; run `readiness reindex`",
                    tree.size(),
                    first.seq
                )));
            }
        }
        // sled keeps memory for each write batch it has seen; small batches keep it low.
        for chunk in rows.chunks(ROWS_PER_BATCH) {
            let mut offsets = sled::Batch::default();
            let mut actions = sled::Batch::default();
            let mut nodes = sled::Batch::default();
            for row in chunk {
                tree.push_with(row.leaf, |level, index, hash| {
                    nodes.insert(&node_key(level, index), hash);
                });
                offsets.insert(&row.seq.0.to_be_bytes(), &row.offset.to_be_bytes());
                if let Some(id) = &row.action {
                    actions.insert(action_key(id, Some(row.seq)), &[]);
                }
            }
            self.offsets.apply_batch(offsets)?;
            self.actions.apply_batch(actions)?;
            self.merkle.apply_batch(nodes)?;
        }
        let mut raw = Vec::with_capacity(56);
        raw.extend_from_slice(&to.seq.0.to_be_bytes());
        raw.extend_from_slice(&to.hash.0);
        raw.extend_from_slice(&to.offset.to_be_bytes());
        raw.extend_from_slice(&to.end.to_be_bytes());
        let state = serde_json::to_vec(plan)
            .map_err(|e| StoreError::Index(sled::Error::Unsupported(format!("plan state: {e}"))))?;
        let mut meta = sled::Batch::default();
        meta.insert(META_STATE, state);
        meta.insert(META_MERKLE, tree.to_bytes());
        meta.insert(META_TO, raw);
        self.meta.apply_batch(meta)?;
        Ok(())
    }

    /// Forgets everything, for a rebuild from the log.
    pub fn clear(&self) -> Result<(), StoreError> {
        self.meta.clear()?;
        self.offsets.clear()?;
        self.actions.clear()?;
        self.merkle.clear()?;
        Ok(())
    }

    /// The meta tree (for [`super::tree`]).
    pub(super) fn meta_tree(&self) -> &sled::Tree {
        &self.meta
    }

    /// The Merkle node tree (for [`super::tree`]).
    pub(super) fn merkle_tree(&self) -> &sled::Tree {
        &self.merkle
    }

    /// Byte offset of entry `seq` in the log.
    pub fn offset_of(&self, seq: Seq) -> Result<Option<u64>, StoreError> {
        Ok(self.offsets.get(seq.0.to_be_bytes())?.and_then(|v| {
            let b: [u8; 8] = v.as_ref().try_into().ok()?;
            Some(u64::from_be_bytes(b))
        }))
    }

    /// Seqs of the entries that touched an action, oldest first.
    pub fn action_seqs(&self, id: &str) -> Result<Vec<Seq>, StoreError> {
        let prefix = action_key(id, None);
        let mut seqs = Vec::new();
        for kv in self.actions.scan_prefix(&prefix) {
            let (k, _) = kv?;
            if let Ok(b) = <[u8; 8]>::try_from(&k[prefix.len()..]) {
                seqs.push(Seq(u64::from_be_bytes(b)));
            }
        }
        Ok(seqs)
    }

    /// Writes the index to disk; it is derived, so this is for speed next time, not safety.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}
