//! Access tokens for `readiness serve`: who may read or write which plan.
//!
//! A token is shown once when made; only its SHA-256 is kept, in a JSON file of mode 0600
//! beside the ledger(s), never in a log. The token's name is the actor recorded for every
//! write made with it, so a client cannot choose whom the ledger names.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a token may do; each role may do everything the ones before it may.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads every view, entry and proof.
    Viewer,
    /// Also records statuses, reviews, evidence, amendments, corrections and withdrawals.
    Officer,
    /// Also signs off.
    Signer,
    /// Also manages areas, actions, keys and tokens.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Officer => "officer",
            Role::Signer => "signer",
            Role::Admin => "admin",
        }
    }
}

/// One token as stored: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRecord {
    pub name: String,
    pub role: Role,
    /// The one plan it is for; `None`: every plan served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Lowercase hex SHA-256 of the token.
    pub sha256: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// Why the token file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a token file readiness wrote: {why}")]
    Corrupt { path: PathBuf, why: String },
    #[error("{path} can be read by other users (mode {mode:o}); run `chmod 600 {path}`")]
    Exposed { path: PathBuf, mode: u32 },
    #[error("a token named {0:?} already exists; revoke it first or choose another name")]
    Taken(String),
    #[error("no live token is named {0:?}; `readiness token list` shows them")]
    Unknown(String),
    #[error("a token name must be 1 to 64 printable characters without spaces, got {0:?}")]
    BadName(String),
}

/// The token file: every token made, revoked ones included (for the record).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenStore {
    pub tokens: Vec<TokenRecord>,
}

/// SHA-256 of a token, as stored.
pub fn digest(token: &str) -> String {
    crate::hex::encode(&Sha256::digest(token.as_bytes()))
}

impl TokenStore {
    /// Reads the file; a missing file is an empty store. A file others can read is refused.
    pub fn load(path: &Path) -> Result<TokenStore, TokenError> {
        let io = |source| TokenError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TokenStore::default()),
            Err(e) => return Err(io(e)),
        };
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(TokenError::Exposed {
                path: path.to_path_buf(),
                mode,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| TokenError::Corrupt {
            path: path.to_path_buf(),
            why: e.to_string(),
        })
    }

    /// Writes the file whole (a new file of mode 0600, fsynced, renamed over the old).
    pub fn save(&self, path: &Path) -> Result<(), TokenError> {
        let io = |source| TokenError::Io {
            path: path.to_path_buf(),
            source,
        };
        let tmp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
            .map_err(io)?;
        let mut bytes = serde_json::to_vec_pretty(self).expect("tokens serialise");
        bytes.push(b'\n');
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Loads the file at `path`, applies `change` and saves it, holding an exclusive lock on
    /// `<file>.lock` throughout: the command line and a running server never lose each
    /// other's changes.
    pub fn update<T>(
        path: &Path,
        change: impl FnOnce(&mut TokenStore) -> Result<T, TokenError>,
    ) -> Result<T, TokenError> {
        let lock_path = path.with_extension("lock");
        let io = |source| TokenError::Io {
            path: lock_path.clone(),
            source,
        };
        use std::os::unix::fs::OpenOptionsExt;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&lock_path)
            .map_err(io)?;
        lock.lock().map_err(io)?;
        let mut store = TokenStore::load(path)?;
        let done = change(&mut store)?;
        store.save(path)?;
        Ok(done)
    }

    /// Adds a token named `name`; returns the token itself, which is not kept.
    pub fn add(
        &mut self,
        name: &str,
        role: Role,
        plan: Option<String>,
        now: &str,
    ) -> Result<String, TokenError> {
        let printable = name
            .chars()
            .all(|c| c.is_ascii_graphic() || (!c.is_ascii() && !c.is_control()));
        if name.is_empty() || name.chars().count() > 64 || !printable {
            return Err(TokenError::BadName(name.to_string()));
        }
        if self.live().any(|t| t.name == name) {
            return Err(TokenError::Taken(name.to_string()));
        }
        let mut raw = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
        let token = format!("rl_{}", crate::hex::encode(&raw));
        self.tokens.push(TokenRecord {
            name: name.to_string(),
            role,
            plan,
            sha256: digest(&token),
            created_at: now.to_string(),
            revoked_at: None,
        });
        Ok(token)
    }

    /// Marks the live token `name` revoked.
    pub fn revoke(&mut self, name: &str, now: &str) -> Result<(), TokenError> {
        let t = self
            .tokens
            .iter_mut()
            .find(|t| t.name == name && t.revoked_at.is_none())
            .ok_or_else(|| TokenError::Unknown(name.to_string()))?;
        t.revoked_at = Some(now.to_string());
        Ok(())
    }

    /// Tokens not revoked.
    pub fn live(&self) -> impl Iterator<Item = &TokenRecord> {
        self.tokens.iter().filter(|t| t.revoked_at.is_none())
    }

    /// The live token whose SHA-256 is that of `token`, compared in constant time.
    pub fn find(&self, token: &str) -> Option<&TokenRecord> {
        let wanted = digest(token);
        self.live()
            .find(|t| constant_time_eq(t.sha256.as_bytes(), wanted.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_found_by_its_hash_until_revoked() {
        let mut store = TokenStore::default();
        let t = store.add("chair", Role::Signer, None, "now").unwrap();
        assert!(t.starts_with("rl_") && t.len() == 67);
        assert!(!serde_json::to_string(&store).unwrap().contains(&t));
        assert_eq!(store.find(&t).unwrap().name, "chair");
        assert!(store.find("rl_wrong").is_none());
        assert!(matches!(
            store.add("chair", Role::Viewer, None, "now"),
            Err(TokenError::Taken(_))
        ));
        store.revoke("chair", "later").unwrap();
        assert!(store.find(&t).is_none());
        assert!(matches!(
            store.revoke("chair", "x"),
            Err(TokenError::Unknown(_))
        ));
        assert!(matches!(
            store.add("two words", Role::Viewer, None, "now"),
            Err(TokenError::BadName(_))
        ));
    }

    #[test]
    fn updates_from_two_writers_at_once_are_all_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("tokens.json");
        std::thread::scope(|s| {
            for i in 0..8 {
                let path = &path;
                s.spawn(move || {
                    TokenStore::update(path, |t| t.add(&format!("t{i}"), Role::Viewer, None, "now"))
                        .unwrap()
                });
            }
        });
        assert_eq!(TokenStore::load(&path).unwrap().live().count(), 8);
        let refused = TokenStore::update(&path, |t| t.revoke("nobody", "now"));
        assert!(matches!(refused, Err(TokenError::Unknown(_))));
    }

    #[test]
    fn roles_are_ordered_by_what_they_allow() {
        assert!(Role::Viewer < Role::Officer && Role::Officer < Role::Signer);
        assert!(Role::Signer < Role::Admin);
    }
}

/// The token file as last read, read again whenever the file changes (a revocation holds
/// from the next request) but not on every request.
#[derive(Default)]
pub struct TokenCache {
    slot: std::sync::Mutex<Option<(FileStamp, std::sync::Arc<TokenStore>)>>,
}

/// Identifies one version of the token file (`None`: there is no file).
type FileStamp = Option<(u64, u64, u64, i64, i64, i64, i64, u32)>;

fn file_stamp(path: &Path) -> FileStamp {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path).ok()?;
    Some((
        m.dev(),
        m.ino(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.mode(),
    ))
}

impl TokenCache {
    /// The tokens in `path` now.
    pub fn current(&self, path: &Path) -> Result<std::sync::Arc<TokenStore>, TokenError> {
        let now = file_stamp(path);
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((stamp, store)) = &*slot {
            if *stamp == now {
                return Ok(store.clone());
            }
        }
        let store = std::sync::Arc::new(TokenStore::load(path)?);
        *slot = Some((now, store.clone()));
        Ok(store)
    }
}
