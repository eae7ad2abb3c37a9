//! The action records of the plan state, in an append-only file beside its sled database
//! (`derived/state/actions`; derived, rebuilt from the log when anything is wrong with it).
//!
//! Kept out of sled because sled's cost grows with what it holds, on every open and close
//! (it zeroes its free segments when it opens and fsyncs its whole file when it closes):
//! with a million statuses in ten thousand actions that was two thirds of a status
//! command. sled keeps the small keyed part (ids, each record's place, the header), and
//! reading one action here costs one positioned read whatever the file's size.
//!
//! The file: 8 bytes of magic, a 16-byte file id (new for every file written from nothing,
//! so a sled database can tell whether the file is the one it points into), then records of
//! `length (u32 LE) | CRC-32 of the bytes (u32 LE) | action in codec form`. A record is only
//! appended, never changed: an action's new version is a new record, and the old one is dead
//! until [`ActionFile::compact`] copies the live records into a new file.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::error::{io, StoreError};
use super::fsx;

/// Name of the file inside the state folder.
pub const ACTIONS_FILE: &str = "actions";
const MAGIC: &[u8; 8] = b"rlacts1\n";
/// Bytes before the first record: magic and file id.
pub const FILE_HEAD: u64 = 24;
/// Bytes before a record's action: its length and checksum.
pub const RECORD_HEAD: u64 = 8;

/// Identifies one file written from nothing (see the module doc).
pub type FileId = [u8; 16];

/// Where one record is, and the checksum it must have (as the sled database keeps it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    pub offset: u64,
    pub len: u32,
    pub crc: u32,
}

impl Loc {
    /// Bytes the record takes in the file, its head included.
    pub fn size(&self) -> u64 {
        RECORD_HEAD + u64::from(self.len)
    }

    pub fn encode(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.offset.to_le_bytes());
        out[8..12].copy_from_slice(&self.len.to_le_bytes());
        out[12..].copy_from_slice(&self.crc.to_le_bytes());
        out
    }

    pub fn decode(raw: &[u8]) -> Option<Loc> {
        let raw: &[u8; 16] = raw.try_into().ok()?;
        let word = |i: usize| u32::from_le_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
        Some(Loc {
            offset: u64::from(word(0)) | (u64::from(word(4)) << 32),
            len: word(8),
            crc: word(12),
        })
    }
}

/// Why a record could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("an action record lies past the end of the actions file")]
    PastEnd,
    #[error("an action record fails its checksum")]
    Checksum,
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// The open actions file.
pub struct ActionFile {
    path: PathBuf,
    file: File,
    /// The file's id, or `None` when its head is not one this program wrote.
    id: Option<FileId>,
    /// Where the next record goes (the file's length when opened).
    end: u64,
}

/// A new file id: unique per file written from nothing (time, process, a counter), so
/// that no other file, of this ledger or another, has it.
fn new_id() -> FileId {
    use sha2::Digest;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut h = sha2::Sha256::new();
    h.update(nanos.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    let mut id = [0u8; 16];
    id.copy_from_slice(&h.finalize()[..16]);
    id
}

fn head_bytes(id: &FileId) -> [u8; FILE_HEAD as usize] {
    let mut head = [0u8; FILE_HEAD as usize];
    head[..8].copy_from_slice(MAGIC);
    head[8..].copy_from_slice(id);
    head
}

/// Appends `action` as one record to `buf`, which starts at file offset `at`.
fn push_record(buf: &mut Vec<u8>, at: u64, action: &[u8]) -> Result<Loc, StoreError> {
    let len = u32::try_from(action.len()).map_err(|_| {
        StoreError::Index(sled::Error::Unsupported(
            "an action too large to store".into(),
        ))
    })?;
    let crc = crc32fast::hash(action);
    let loc = Loc {
        offset: at + buf.len() as u64,
        len,
        crc,
    };
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&crc.to_le_bytes());
    buf.extend_from_slice(action);
    Ok(loc)
}

impl ActionFile {
    /// Opens the file in `dir` as it is (creating it empty): [`ActionFile::id`] says whether
    /// it has a head this program wrote.
    pub fn open(dir: &Path) -> Result<ActionFile, StoreError> {
        let path = dir.join(ACTIONS_FILE);
        let file = fsx::open_derived_rw(&path)?;
        let end = file.metadata().map_err(io(&path))?.len();
        let mut head = [0u8; FILE_HEAD as usize];
        let id = match file.read_exact_at(&mut head, 0) {
            Ok(()) if &head[..8] == MAGIC => head[8..].try_into().ok(),
            _ => None,
        };
        Ok(ActionFile {
            path,
            file,
            id,
            end,
        })
    }

    pub fn id(&self) -> Option<FileId> {
        self.id
    }

    /// The file's length as this process knows it.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Empties the file and gives it a new id (for a state written from nothing).
    pub fn reset(&mut self) -> Result<(), StoreError> {
        let id = new_id();
        fsx::truncate(&self.file, &self.path, 0)?;
        self.end = 0;
        self.id = None;
        self.write_at(&head_bytes(&id), 0)?;
        self.end = FILE_HEAD;
        self.id = Some(id);
        Ok(())
    }

    fn write_at(&self, bytes: &[u8], at: u64) -> Result<(), StoreError> {
        fsx::fault(fsx::Op::Write)
            .and_then(|_| self.file.write_all_at(bytes, at))
            .map_err(io(&self.path))
    }

    /// Appends one record per action (codec bytes) in one write; returns where each went.
    /// Nothing points at them until the caller's sled batch does, so a failed write leaves
    /// only bytes past the end that the next append writes over.
    pub fn append<'a>(
        &mut self,
        actions: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Vec<Loc>, StoreError> {
        if self.id.is_none() {
            self.reset()?;
        }
        let mut buf = Vec::new();
        let mut locs = Vec::new();
        for action in actions {
            locs.push(push_record(&mut buf, self.end, action)?);
        }
        self.write_at(&buf, self.end)?;
        self.end += buf.len() as u64;
        Ok(locs)
    }

    /// The action bytes at `loc`, checked against the checksum the caller kept.
    pub fn read(&self, loc: Loc) -> Result<Vec<u8>, RecordError> {
        let past = loc.offset < FILE_HEAD || loc.offset.saturating_add(loc.size()) > self.end;
        if past {
            return Err(RecordError::PastEnd);
        }
        let mut buf = vec![0u8; loc.size() as usize];
        self.file
            .read_exact_at(&mut buf, loc.offset)
            .map_err(io(&self.path))
            .map_err(RecordError::Store)?;
        let (head, action) = buf.split_at(RECORD_HEAD as usize);
        let same = head[..4] == loc.len.to_le_bytes() && head[4..] == loc.crc.to_le_bytes();
        if !same || crc32fast::hash(action) != loc.crc {
            return Err(RecordError::Checksum);
        }
        buf.drain(..RECORD_HEAD as usize);
        Ok(buf)
    }

    /// Makes every record appended so far durable.
    pub fn sync(&self) -> Result<(), StoreError> {
        fsx::fsync(&self.file, &self.path)
    }

    /// Writes the records at `live` (in that order) into a new file with a new id, durably
    /// (temporary file, fsync, rename, folder fsync), and continues in it; returns the
    /// records' new places. The caller's sled database still names the old id until it
    /// stores the new places: a crash in between leaves ids that differ, and the state is
    /// rebuilt from the log.
    pub fn compact(&mut self, live: &[Loc]) -> Result<Vec<Loc>, RecordError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let tmp = fsx::tmp_path(dir, ACTIONS_FILE);
        let _ = std::fs::remove_file(&tmp);
        let id = new_id();
        let mut buf = head_bytes(&id).to_vec();
        let mut locs = Vec::with_capacity(live.len());
        for &loc in live {
            let action = self.read(loc)?;
            locs.push(push_record(&mut buf, 0, &action)?);
        }
        let written = (|| {
            let mut f = fsx::create_new(&tmp)?;
            fsx::write_all(&mut f, &tmp, &buf)?;
            fsx::fsync(&f, &tmp)?;
            fsx::rename(&tmp, &self.path)?;
            fsx::sync_dir(dir)?;
            Ok::<_, StoreError>(f)
        })();
        match written {
            Ok(f) => {
                self.file = f;
                self.id = Some(id);
                self.end = buf.len() as u64;
                Ok(locs)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                // The rename may have happened before the folder fsync failed: continue in
                // whichever file is at the path now (its id tells the state which it is).
                *self = ActionFile::open(dir)?;
                Err(e.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_and_damage_is_caught() {
        let tmp = tempfile::tempdir().unwrap();
        let mut f = ActionFile::open(tmp.path()).unwrap();
        assert_eq!(f.id(), None);
        let locs = f.append([&b"one"[..], &b"second"[..]]).unwrap();
        assert!(f.id().is_some());
        assert_eq!(f.read(locs[1]).unwrap(), b"second");
        assert_eq!(Loc::decode(&locs[0].encode()), Some(locs[0]));

        // One byte of the first record flipped: its checksum no longer holds.
        let path = tmp.path().join(ACTIONS_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[(locs[0].offset + RECORD_HEAD) as usize] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let f = ActionFile::open(tmp.path()).unwrap();
        assert!(matches!(f.read(locs[0]), Err(RecordError::Checksum)));
        assert_eq!(f.read(locs[1]).unwrap(), b"second");

        // Cut short: the second record is past the end.
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let f = ActionFile::open(tmp.path()).unwrap();
        assert!(matches!(f.read(locs[1]), Err(RecordError::PastEnd)));
    }

    #[test]
    fn compaction_keeps_the_live_records_under_a_new_id() {
        let tmp = tempfile::tempdir().unwrap();
        let mut f = ActionFile::open(tmp.path()).unwrap();
        let old = f.append([&b"dead"[..], &b"live"[..]]).unwrap();
        let first = f.id();
        let new = f.compact(&old[1..]).unwrap();
        assert_ne!(f.id(), first);
        assert_eq!(f.read(new[0]).unwrap(), b"live");
        assert_eq!(f.end(), FILE_HEAD + new[0].size());
        let reopened = ActionFile::open(tmp.path()).unwrap();
        assert_eq!(reopened.id(), f.id());
        assert_eq!(reopened.read(new[0]).unwrap(), b"live");
    }
}
