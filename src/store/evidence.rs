//! The content-addressed evidence store: `DIR/evidence/<sha256>`.
//!
//! A file is streamed (64 KiB at a time) into a temporary file in the same folder while it
//! is hashed and its size checked against a limit; the temporary file is fsynced and renamed
//! to its SHA-256, so a stored file is always whole and named by its content. Memory stays
//! flat whatever the file's size. The same content is stored once.
//!
//! File names given by users are data: they are recorded in `evidence_attached` events and
//! shown escaped, never used to build a path. Only SHA-256 hex names are opened here.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::names::{display_name, escape_name};

use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::event::{Event, EvidenceAttached};

use super::dir::{Appended, DirLedger};
use super::error::StoreError;
use super::fsx::sync_dir;

/// The folder, inside a ledger directory, that holds evidence files.
pub const EVIDENCE_DIR: &str = "evidence";
/// The default size limit for one evidence file: 100 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 100 * 1024 * 1024;
/// The streaming buffer.
pub const BUF_SIZE: usize = 64 * 1024;
/// Temporary files start with this (never a SHA-256 name).
pub const TMP_PREFIX: &str = ".incoming-";

/// What can go wrong storing or reading evidence.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file} is larger than the evidence size limit of {}; raise it with --max-size (e.g. --max-size 1G) if the file is meant to be attached", limit_text(*.limit))]
    TooLarge { file: String, limit: u64 },
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> EvidenceError + '_ {
    move |source| EvidenceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// True for 64 lowercase hex digits: the only names the store opens.
pub fn is_sha256_hex(s: &str) -> bool {
    crate::hex::decode::<32>(s).is_some()
}

/// Lowercase hex of bytes.
pub use crate::hex::encode as to_hex;

/// The evidence folder of one ledger directory (or of an export made with
/// `export --with-evidence`).
#[derive(Debug, Clone)]
pub struct EvidenceStore {
    dir: PathBuf,
}

/// A file streamed into a temporary file, hashed, not yet named by its hash. Dropping it
/// removes the temporary file.
#[derive(Debug)]
pub struct Staged {
    tmp: Option<PathBuf>,
    pub sha256: String,
    pub size: u64,
}

/// Where a committed file ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    /// False when the same content was already stored (nothing new was written).
    pub new: bool,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl EvidenceStore {
    /// The store of the ledger directory `ledger_dir` (`ledger_dir/evidence`).
    pub fn new(ledger_dir: &Path) -> EvidenceStore {
        EvidenceStore {
            dir: ledger_dir.join(EVIDENCE_DIR),
        }
    }

    /// The evidence folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the file with this SHA-256, if `sha256` is 64 lowercase hex digits.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256_hex(sha256).then(|| self.dir.join(sha256))
    }

    /// True if a regular file with this SHA-256 name is present.
    pub fn contains(&self, sha256: &str) -> bool {
        self.path_of(sha256).is_some_and(|p| p.is_file())
    }

    /// Streams `reader` into a temporary file in the store, hashing as it goes; stops with
    /// [`EvidenceError::TooLarge`] (naming `what`) as soon as more than `max_size` bytes came.
    pub fn stage(
        &self,
        reader: &mut dyn Read,
        what: &str,
        max_size: u64,
    ) -> Result<Staged, EvidenceError> {
        super::fsx::ensure_dir(&self.dir)?;
        let (tmp, mut file) = self.create_tmp()?;
        let mut staged = Staged {
            tmp: Some(tmp.clone()),
            sha256: String::new(),
            size: 0,
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; BUF_SIZE];
        let mut size: u64 = 0;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(EvidenceError::Io {
                        path: PathBuf::from(what),
                        source: e,
                    })
                }
            };
            size += n as u64;
            if size > max_size {
                return Err(EvidenceError::TooLarge {
                    file: what.to_string(),
                    limit: max_size,
                });
            }
            hasher.update(&buf[..n]);
            file.write_all(&buf[..n]).map_err(io_err(&tmp))?;
        }
        file.sync_all().map_err(io_err(&tmp))?;
        drop(file);
        staged.sha256 = to_hex(&hasher.finalize());
        staged.size = size;
        Ok(staged)
    }

    /// Streams the regular file at `path` into the store (see [`Source::open`]).
    pub fn stage_file(&self, path: &Path, max_size: u64) -> Result<Staged, EvidenceError> {
        self.stage_source(&mut Source::open(path, max_size)?)
    }

    /// Streams an opened source file into the store (see [`EvidenceStore::stage`]).
    pub fn stage_source(&self, source: &mut Source) -> Result<Staged, EvidenceError> {
        let what = source.path.display().to_string();
        let max = source.max_size;
        self.stage(&mut source.file, &what, max)
    }

    fn create_tmp(&self) -> Result<(PathBuf, File), EvidenceError> {
        loop {
            let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = self
                .dir
                .join(format!("{TMP_PREFIX}{}-{n}", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(f) => return Ok((path, f)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_err(&path)(e)),
            }
        }
    }

    /// Names a staged file by its SHA-256. If that content is already stored (and still
    /// hashes right) the staged copy is dropped; a damaged stored copy is replaced.
    pub fn commit(&self, mut staged: Staged) -> Result<Stored, EvidenceError> {
        let Some(tmp) = staged.tmp.take() else {
            return Err(EvidenceError::Refused(
                "the staged file was already used".into(),
            ));
        };
        let target = self.dir.join(&staged.sha256);
        let present = target.is_file()
            && hash_file(&target)
                .map(|(h, _)| h == staged.sha256)
                .unwrap_or(false);
        if present {
            std::fs::remove_file(&tmp).map_err(io_err(&tmp))?;
            return Ok(Stored {
                sha256: staged.sha256.clone(),
                size: staged.size,
                new: false,
            });
        }
        std::fs::rename(&tmp, &target).map_err(io_err(&target))?;
        sync_dir(&self.dir)?;
        Ok(Stored {
            sha256: staged.sha256.clone(),
            size: staged.size,
            new: true,
        })
    }

    /// Removes the file with this SHA-256 (redaction). Returns whether it was there.
    pub fn remove(&self, sha256: &str) -> Result<bool, EvidenceError> {
        let Some(path) = self.path_of(sha256) else {
            return Err(EvidenceError::Refused(format!(
                "{sha256:?} is not a SHA-256 (64 lowercase hex digits)"
            )));
        };
        match std::fs::remove_file(&path) {
            Ok(()) => {
                sync_dir(&self.dir)?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err(&path)(e)),
        }
    }

    /// The names of every entry in the evidence folder (empty if there is none), sorted.
    pub fn names(&self) -> Result<Vec<String>, EvidenceError> {
        let listing = match std::fs::read_dir(&self.dir) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&self.dir)(e)),
        };
        let mut names = Vec::new();
        for item in listing {
            let item = item.map_err(io_err(&self.dir))?;
            names.push(item.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            // Best effort: a leftover temporary file is a stray that verify reports.
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// SHA-256 (lowercase hex) and size of a file, streamed 64 KiB at a time.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    hash_reader(&mut f)
}

/// SHA-256 (lowercase hex) and length of everything `reader` yields, streamed.
pub fn hash_reader(reader: &mut dyn Read) -> std::io::Result<(String, u64)> {
    copy_hashing(reader, &mut std::io::sink())
}

/// Copies `reader` to `out` while hashing; returns the SHA-256 and the byte count.
pub fn copy_hashing(reader: &mut dyn Read, out: &mut dyn Write) -> std::io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BUF_SIZE];
    let mut size = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        size += n as u64;
    }
    out.flush()?;
    Ok((to_hex(&hasher.finalize()), size))
}

/// Parses a size: plain bytes ("1048576") or a whole number with a binary unit
/// ("500K", "500M", "1G", "2T"; "MB", "MiB" and lowercase are accepted, all powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = t.split_at(digits);
    let bad = || {
        format!(
            "{s:?} is not a size: give bytes or a whole number with K, M, G or T, e.g. 500M or 1G"
        )
    };
    if num.is_empty() {
        return Err(bad());
    }
    let n: u64 = num.parse().map_err(|_| bad())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(bad()),
    };
    let bytes = n
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{s:?} is too large a size"))?;
    if bytes == 0 {
        return Err(format!("{s:?}: the size limit must be at least 1 byte"));
    }
    Ok(bytes)
}

fn limit_text(limit: u64) -> String {
    if limit < 1024 {
        format_size(limit)
    } else {
        format!("{} ({limit} bytes)", format_size(limit))
    }
}

/// A size for people: "100 MiB", "1.5 GiB", "512 bytes".
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The media type for a file name, from its extension; `application/octet-stream` if unknown.
pub fn media_type(file_name: &str) -> &'static str {
    let ext = match file_name.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" | "text" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "htm" | "html" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "rtf" => "application/rtf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "odp" => "application/vnd.oasis.opendocument.presentation",
        "eml" => "message/rfc822",
        "msg" => "application/vnd.ms-outlook",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "tif" | "tiff" => "image/tiff",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// The file name to record for `path`: its last component as given (lossy UTF-8).
pub fn recorded_name(path: &Path) -> Option<String> {
    path.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// What to attach, besides the file.
#[derive(Debug, Clone)]
pub struct AttachRequest {
    pub action: String,
    pub review: Option<String>,
    /// The name to record (data only); the file's last path component if `None`.
    pub file_name: Option<String>,
    pub note: Option<String>,
}

/// A file to attach, opened and checked before the ledger is locked: a regular file within
/// the size limit (a FIFO, device or folder could block or never end).
#[derive(Debug)]
pub struct Source {
    file: File,
    path: PathBuf,
    max_size: u64,
}

impl Source {
    /// Opens `path` without blocking and checks what it is.
    pub fn open(path: &Path, max_size: u64) -> Result<Source, EvidenceError> {
        use std::os::unix::fs::OpenOptionsExt;
        let what = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(io_err(path))?;
        let kind = |m: &std::fs::Metadata| {
            use std::os::unix::fs::FileTypeExt;
            let t = m.file_type();
            if t.is_dir() {
                Some("a folder")
            } else if t.is_fifo() {
                Some("a FIFO (named pipe)")
            } else if t.is_socket() {
                Some("a socket")
            } else if t.is_char_device() || t.is_block_device() {
                Some("a device")
            } else if !t.is_file() {
                Some("not a regular file")
            } else {
                None
            }
        };
        if let Some(k) = kind(&meta) {
            return Err(EvidenceError::Refused(format!(
                "{what} is {k}; evidence must be a regular file"
            )));
        }
        // O_NONBLOCK: if the path was swapped for a FIFO since, opening does not wait.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(io_err(path))?;
        let meta = file.metadata().map_err(io_err(path))?;
        if let Some(k) = kind(&meta) {
            return Err(EvidenceError::Refused(format!(
                "{what} is {k}; evidence must be a regular file"
            )));
        }
        if meta.len() > max_size {
            return Err(EvidenceError::TooLarge {
                file: what,
                limit: max_size,
            });
        }
        Ok(Source {
            file,
            path: path.to_path_buf(),
            max_size,
        })
    }

    /// The path given.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What an attach did.
#[derive(Debug)]
pub struct Attached {
    pub stored: Stored,
    pub appended: Appended,
}

/// Attaches `file` to an action: streams it into the store, checks the event against the
/// plan, names the file by its hash, then appends `evidence_attached` through
/// [`DirLedger::append`]. The file is stored before the entry is appended, so an entry
/// never names a missing file; if the append fails, a newly stored file is removed.
pub fn attach(
    ledger: &mut DirLedger,
    clock: &dyn Clock,
    actor: &str,
    mut source: Source,
    req: AttachRequest,
) -> Result<Attached, EvidenceError> {
    let file = source.path.clone();
    let file = file.as_path();
    let file_name = match req.file_name.or_else(|| recorded_name(file)) {
        Some(n) if !n.is_empty() => n,
        _ => {
            return Err(EvidenceError::Refused(format!(
                "{} has no file name to record; give --name NAME",
                file.display()
            )))
        }
    };
    // Cheap checks first, so bad input does not stream a large file.
    let probe = EvidenceAttached {
        action: req.action.clone(),
        review: req.review.clone(),
        sha256: "0".repeat(64),
        file_name: file_name.clone(),
        size: 0,
        media_type: media_type(&file_name).to_string(),
        note: req.note.clone(),
    };
    let probe_event = Event::EvidenceAttached(probe.clone());
    let plan = ledger.plan_for(std::slice::from_ref(&probe_event))?;
    plan.check(&probe_event)
        .map_err(|e| EvidenceError::Refused(e.to_string()))?;
    let store = EvidenceStore::new(ledger.dir());
    let staged = store.stage_source(&mut source)?;
    let event = EvidenceAttached {
        sha256: staged.sha256.clone(),
        size: staged.size,
        ..probe
    };
    // The rules (redacted content is not attached again, among them) are checked before the
    // file is kept: a refused attachment leaves no stray.
    plan.check(&Event::EvidenceAttached(event.clone()))
        .map_err(|e| EvidenceError::Refused(e.to_string()))?;
    let stored = store.commit(staged)?;
    match ledger.append(actor, clock, vec![Event::EvidenceAttached(event)]) {
        Ok(appended) => Ok(Attached { stored, appended }),
        Err(e) => {
            if stored.new {
                let _ = store.remove(&stored.sha256);
            }
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("1gib"), Ok(1 << 30));
        assert_eq!(parse_size("10 KB"), Ok(10 << 10));
        assert!(parse_size("").is_err());
        assert!(parse_size("M").is_err());
        assert!(parse_size("1.5G").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("99999999999999999T").is_err());
        assert_eq!(format_size(100 << 20), "100 MiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(3), "3 bytes");
    }

    #[test]
    fn media_types_come_from_the_extension() {
        assert_eq!(media_type("Board minutes.PDF"), "application/pdf");
        assert_eq!(media_type("x.csv"), "text/csv");
        assert_eq!(media_type("noext"), "application/octet-stream");
        assert_eq!(media_type("a.weird"), "application/octet-stream");
    }

    #[test]
    fn names_are_escaped_and_cut() {
        assert_eq!(escape_name("a\nb\x1bc\\d"), "a\\nb\\u{1b}c\\\\d");
        assert_eq!(escape_name("../x"), "../x");
        let long = "é".repeat(300);
        let shown = display_name(&long, 40);
        assert_eq!(shown.chars().count(), 40);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn store_once_and_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let store = EvidenceStore::new(tmp.path());
        let a = store
            .stage(&mut &b"hello"[..], "a", DEFAULT_MAX_SIZE)
            .unwrap();
        let sha = a.sha256.clone();
        assert!(store.commit(a).unwrap().new);
        let b = store
            .stage(&mut &b"hello"[..], "b", DEFAULT_MAX_SIZE)
            .unwrap();
        assert!(!store.commit(b).unwrap().new);
        assert_eq!(store.names().unwrap(), vec![sha.clone()]);
        let err = store.stage(&mut &b"hello!"[..], "big.pdf", 5).unwrap_err();
        assert!(err.to_string().contains("big.pdf"), "{err}");
        assert!(err.to_string().contains("5 bytes"), "{err}");
        assert_eq!(store.names().unwrap(), vec![sha], "no temp file left");
    }
}
