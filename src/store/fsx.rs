//! File operations of a ledger directory: never through a symlink, and each one a place
//! where a test can inject a failure.
//!
//! Every file inside a ledger is opened with `O_NOFOLLOW`, and every folder is checked with
//! `symlink_metadata` before use, so a planted link can neither be read as ledger data nor
//! make a command write outside the ledger. The durable steps of the append and catch-up
//! paths (write, fsync, rename, directory fsync, truncate) go through [`fault`], which fails
//! the Nth call of one kind when `READINESS_FAULT=KIND:N:ERRNO` is set (see ARCHITECTURE.md,
//! "Fault injection"); unset, it costs one relaxed atomic add.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use super::error::{io, StoreError};

/// A kind of durable file operation that a test may make fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Write,
    Fsync,
    Rename,
    DirSync,
    Truncate,
}

impl Op {
    const ALL: [Op; 5] = [Op::Write, Op::Fsync, Op::Rename, Op::DirSync, Op::Truncate];

    fn name(self) -> &'static str {
        match self {
            Op::Write => "write",
            Op::Fsync => "fsync",
            Op::Rename => "rename",
            Op::DirSync => "dirsync",
            Op::Truncate => "truncate",
        }
    }
}

/// Environment variable naming one operation to fail: `KIND:N:ERRNO`, e.g. `fsync:2:EIO`.
pub const FAULT_ENV: &str = "READINESS_FAULT";

struct Plan {
    op: Op,
    nth: u64,
    errno: i32,
}

fn plan() -> Option<&'static Plan> {
    static PLAN: OnceLock<Option<Plan>> = OnceLock::new();
    PLAN.get_or_init(|| {
        let spec = std::env::var(FAULT_ENV).ok()?;
        let mut parts = spec.split(':');
        let kind = parts.next()?;
        let op = Op::ALL.into_iter().find(|o| o.name() == kind)?;
        let nth = parts.next()?.parse().ok()?;
        let errno = match parts.next()? {
            "EIO" => 5,
            "ENOSPC" => 28,
            other => other.parse().ok()?,
        };
        Some(Plan { op, nth, errno })
    })
    .as_ref()
}

static COUNTS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];

/// Counts one operation of kind `op`, failing it if it is the one [`FAULT_ENV`] names.
pub fn fault(op: Op) -> std::io::Result<()> {
    let Some(plan) = plan() else {
        return Ok(());
    };
    let n = COUNTS[op as usize].fetch_add(1, Ordering::Relaxed) + 1;
    if plan.op == op && plan.nth == n {
        eprintln!("readiness: injected fault: {} #{n} fails", op.name());
        return Err(std::io::Error::from_raw_os_error(plan.errno));
    }
    Ok(())
}

/// Refuses `path` if it is a symlink (a missing path is fine: the caller decides).
pub fn no_symlink(path: &Path) -> Result<(), StoreError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(StoreError::Symlink(path.to_path_buf())),
        _ => Ok(()),
    }
}

/// Creates a folder of derived data, first removing a plain file in its place (derived data
/// of the wrong kind is damage, rebuilt like any other); a symlink is still refused.
pub fn ensure_derived_dir(path: &Path) -> Result<(), StoreError> {
    no_symlink(path)?;
    if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_dir()) {
        std::fs::remove_file(path).map_err(io(path))?;
    }
    ensure_dir(path)
}

/// Opens (creating) a derived file for writing, first removing a folder in its place.
pub fn open_derived_rw(path: &Path) -> Result<File, StoreError> {
    no_symlink(path)?;
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(path).map_err(io(path))?;
    }
    open_rw(path, true)
}

/// Creates folder `path` if missing (one level), refusing a symlink in its place.
pub fn ensure_dir(path: &Path) -> Result<(), StoreError> {
    no_symlink(path)?;
    match std::fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            no_symlink(path)?;
            if path.is_dir() {
                Ok(())
            } else {
                Err(io(path)(std::io::Error::other(
                    "exists and is not a folder",
                )))
            }
        }
        Err(e) => Err(io(path)(e)),
    }
}

fn nofollow(options: &mut OpenOptions) -> &mut OpenOptions {
    options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
}

/// Maps the error of an open with `O_NOFOLLOW` (ELOOP when the last part is a link).
fn open_error(path: &Path, e: std::io::Error) -> StoreError {
    if e.raw_os_error() == Some(libc::ELOOP) {
        StoreError::Symlink(path.to_path_buf())
    } else {
        io(path)(e)
    }
}

/// Opens an existing file for reading, never through a symlink.
pub fn open_read(path: &Path) -> Result<File, StoreError> {
    nofollow(OpenOptions::new().read(true))
        .open(path)
        .map_err(|e| open_error(path, e))
}

/// Opens a file for reading if it exists (`None` when missing).
pub fn open_read_if_exists(path: &Path) -> Result<Option<File>, StoreError> {
    match nofollow(OpenOptions::new().read(true)).open(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(open_error(path, e)),
    }
}

/// Opens (creating if `create`) a file for reading and writing, never through a symlink.
pub fn open_rw(path: &Path, create: bool) -> Result<File, StoreError> {
    nofollow(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .truncate(false),
    )
    .open(path)
    .map_err(|e| open_error(path, e))
}

/// Creates a new file that must not exist yet (for temporary files), never through a link.
pub fn create_new(path: &Path) -> Result<File, StoreError> {
    nofollow(OpenOptions::new().read(true).write(true).create_new(true))
        .open(path)
        .map_err(|e| open_error(path, e))
}

/// Writes all of `bytes` at the file's current position.
pub fn write_all(file: &mut File, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    fault(Op::Write)
        .and_then(|_| file.write_all(bytes))
        .map_err(io(path))
}

/// Makes a file's contents durable.
pub fn fsync(file: &File, path: &Path) -> Result<(), StoreError> {
    fault(Op::Fsync)
        .and_then(|_| file.sync_data())
        .map_err(io(path))
}

/// Cuts a file to `len` bytes.
pub fn truncate(file: &File, path: &Path, len: u64) -> Result<(), StoreError> {
    fault(Op::Truncate)
        .and_then(|_| file.set_len(len))
        .map_err(io(path))
}

/// Renames within a ledger directory (a rename replaces a link, never follows it).
pub fn rename(from: &Path, to: &Path) -> Result<(), StoreError> {
    fault(Op::Rename)
        .and_then(|_| std::fs::rename(from, to))
        .map_err(io(to))
}

/// Makes a folder's entries (new, renamed or removed files) durable.
pub fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    no_symlink(dir)?;
    fault(Op::DirSync)
        .and_then(|_| File::open(dir).and_then(|d| d.sync_all()))
        .map_err(io(dir))
}

/// Replaces `dir/name` with `bytes` durably: temporary file, fsync, rename, folder fsync.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let target = dir.join(name);
    let tmp = tmp_path(dir, name);
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut f = create_new(&tmp)?;
        write_all(&mut f, &tmp, bytes)?;
        fsync(&f, &tmp)?;
        rename(&tmp, &target)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Replaces `dir/name` through a temporary file and a rename, without fsync: for derived
/// files, which a crash may lose (they carry checksums and are rebuilt) but never half-write.
pub fn replace(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
    replace_with(dir, name, |f, tmp| write_all(f, tmp, bytes))
}

/// [`replace`] with the bytes given in pieces, each written and freed in turn (one write as
/// the fault injector counts them, as [`replace`] makes).
pub fn replace_pieces(
    dir: &Path,
    name: &str,
    pieces: impl IntoIterator<Item = Vec<u8>>,
) -> Result<(), StoreError> {
    replace_with(dir, name, |f, tmp| {
        fault(Op::Write).map_err(io(tmp))?;
        for piece in pieces {
            f.write_all(&piece).map_err(io(tmp))?;
        }
        Ok(())
    })
}

/// [`replace`]'s temporary file and rename around `write`; the file is taken away if
/// anything fails.
fn replace_with(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut File, &Path) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let target = dir.join(name);
    let tmp = tmp_path(dir, name);
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut f = create_new(&tmp)?;
        write(&mut f, &tmp)?;
        rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The temporary name used while replacing `dir/name`.
pub fn tmp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp"))
}

/// Reads a small file whole, if it exists.
pub fn read_small(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, StoreError> {
    use std::io::Read;
    let Some(f) = open_read_if_exists(path)? else {
        return Ok(None);
    };
    // Room for the whole file at once: read through `take`, the buffer would otherwise
    // grow by doubling, copying a 14 MB snapshot about twenty times over.
    let len = f.metadata().map_or(0, |m| m.len()).min(limit);
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    f.take(limit).read_to_end(&mut bytes).map_err(io(path))?;
    Ok(Some(bytes))
}
