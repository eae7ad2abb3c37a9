//! Checkpoints: the C2SP tlog-checkpoint note a board minutes and an inspector keeps, with
//! optional Ed25519 signatures in the C2SP signed-note form (pure: no I/O).
//!
//! ```text
//! <origin>\n
//! <tree size, decimal>\n
//! <root hash, base64>\n
//! [<extension line>\n ...]
//! \n
//! — <key name> <base64(4-byte key hash || 64-byte Ed25519 signature)>\n   (zero or more)
//! ```
//!
//! The signed message is the note text: every line up to and including the newline before
//! the blank line. The key hash is the first 4 bytes of SHA-256(name ‖ `\n` ‖ `0x01` ‖
//! 32-byte public key). Checkpoints come from outside: parsing is strict and never panics.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// Folder of a ledger directory holding the last checkpoint `checkpoint --key` signed.
pub const CHECKPOINTS_DIR: &str = "checkpoints";
/// File name of that checkpoint inside [`CHECKPOINTS_DIR`].
pub const LATEST: &str = "latest";

/// Largest checkpoint accepted, in bytes.
pub const MAX_CHECKPOINT_BYTES: usize = 64 * 1024;
/// Most signature lines accepted.
pub const MAX_SIGNATURES: usize = 100;
/// The signed-note signature line prefix: an em dash and a space.
pub const SIGNATURE_PREFIX: &str = "\u{2014} ";
/// Signature algorithm byte of Ed25519 in signed-note key hashes.
const ALG_ED25519: u8 = 0x01;

/// A parsed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Extension lines after the root (signed with the rest; kept, not interpreted).
    pub extensions: Vec<String>,
    pub signatures: Vec<NoteSignature>,
}

/// One signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_hash: [u8; 4],
    /// The signature bytes after the key hash (64 for Ed25519).
    pub signature: Vec<u8>,
}

/// A key that may sign checkpoints, and what to call it in reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    pub label: String,
    pub public_key: [u8; 32],
}

/// What one signature line of a checkpoint proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerCheck<'k> {
    Verified { line: usize, key: &'k TrustedKey },
    Invalid { line: usize, key: &'k TrustedKey },
    Unknown { line: usize, name: String },
}

/// Why text is not a checkpoint, or a signature does not check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint is {0} bytes, more than the {MAX_CHECKPOINT_BYTES} allowed")]
    TooLarge(usize),
    #[error("checkpoint is not UTF-8 text")]
    NotUtf8,
    #[error("checkpoint contains a control character (other than newline) on line {0}")]
    ControlCharacter(usize),
    #[error("checkpoint does not end with a newline")]
    NoFinalNewline,
    #[error("checkpoint has no blank line between its note text and its signatures")]
    NoBlankLine,
    #[error("checkpoint line {line}: {what}")]
    BadLine { line: usize, what: String },
    #[error("checkpoint has more than {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
    #[error("{0} is not usable as a checkpoint origin or key name (needs printable ASCII, no spaces or '+')")]
    BadName(String),
    #[error("the public key is not a valid Ed25519 key")]
    BadPublicKey,
    #[error("checkpoint has no signature by key {name} (key hash {key_hash})")]
    NoSignature { name: String, key_hash: String },
    #[error("checkpoint signature line {line} by {name} does not verify: the checkpoint was changed or signed by another key")]
    BadSignature { line: usize, name: String },
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b'+')
}

/// The signed-note key hash of an Ed25519 key with this name.
pub fn key_hash(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public_key);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// Base64 (standard alphabet, padded) of a hash.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes base64 (standard, padded) into exactly 32 bytes.
pub fn b64_hash(text: &str) -> Option<Hash> {
    let bytes = STANDARD.decode(text).ok()?;
    <Hash>::try_from(bytes.as_slice()).ok()
}

impl Checkpoint {
    /// An unsigned checkpoint.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Checkpoint, CheckpointError> {
        if !valid_name(origin) {
            return Err(CheckpointError::BadName(origin.to_string()));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions: Vec::new(),
            signatures: Vec::new(),
        })
    }

    /// The note text: what a signature covers (origin, size, root, extensions; each line
    /// with its newline).
    pub fn note_text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, b64(&self.root));
        for ext in &self.extensions {
            text.push_str(ext);
            text.push('\n');
        }
        text
    }

    /// The whole checkpoint: note text, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut text = self.note_text();
        text.push('\n');
        for sig in &self.signatures {
            let mut blob = sig.key_hash.to_vec();
            blob.extend_from_slice(&sig.signature);
            text.push_str(&format!("{SIGNATURE_PREFIX}{} {}\n", sig.name, b64(&blob)));
        }
        text
    }

    /// Adds an Ed25519 signature by `secret` under the key name `name`.
    pub fn sign(&mut self, name: &str, secret: &[u8; 32]) -> Result<(), CheckpointError> {
        if !valid_name(name) {
            return Err(CheckpointError::BadName(name.to_string()));
        }
        let public = crate::plan::trust::public_key(secret);
        let signature = crate::plan::trust::sign_bytes(secret, self.note_text().as_bytes());
        self.signatures.push(NoteSignature {
            name: name.to_string(),
            key_hash: key_hash(name, &public),
            signature: signature.to_vec(),
        });
        Ok(())
    }

    /// Checks that a signature by key `name`/`public_key` is present and verifies, and
    /// that every other line claiming that key verifies too.
    pub fn verify_signature(
        &self,
        name: &str,
        public_key: &[u8; 32],
    ) -> Result<(), CheckpointError> {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let key =
            VerifyingKey::from_bytes(public_key).map_err(|_| CheckpointError::BadPublicKey)?;
        let hash = key_hash(name, public_key);
        let message = self.note_text();
        // Signature lines start after the note text and the blank line.
        let first_line = 3 + self.extensions.len() + 2;
        let mut found = false;
        for (i, sig) in self.signatures.iter().enumerate() {
            if sig.name != name || sig.key_hash != hash {
                continue;
            }
            let ok = <[u8; 64]>::try_from(sig.signature.as_slice())
                .map(|b| {
                    key.verify(message.as_bytes(), &Signature::from_bytes(&b))
                        .is_ok()
                })
                .unwrap_or(false);
            if !ok {
                return Err(CheckpointError::BadSignature {
                    line: first_line + i,
                    name: name.to_string(),
                });
            }
            found = true;
        }
        if !found {
            return Err(CheckpointError::NoSignature {
                name: name.to_string(),
                key_hash: crate::hex::encode(&hash),
            });
        }
        Ok(())
    }

    /// What each signature line proves, given the keys that may sign: verified by one of
    /// them, claiming one of them but not verifying (the checkpoint was altered), or by a
    /// key not among them (a witness, say: it proves nothing here).
    pub fn signers<'k>(&self, keys: &'k [TrustedKey]) -> Vec<SignerCheck<'k>> {
        use ed25519_dalek::{Signature, Verifier, VerifyingKey};
        let message = self.note_text();
        let first_line = 3 + self.extensions.len() + 2;
        self.signatures
            .iter()
            .enumerate()
            .map(|(i, sig)| {
                let line = first_line + i;
                let claimed = keys
                    .iter()
                    .find(|k| key_hash(&sig.name, &k.public_key) == sig.key_hash);
                let Some(key) = claimed else {
                    return SignerCheck::Unknown {
                        line,
                        name: sig.name.clone(),
                    };
                };
                let ok = VerifyingKey::from_bytes(&key.public_key)
                    .ok()
                    .zip(<[u8; 64]>::try_from(sig.signature.as_slice()).ok())
                    .is_some_and(|(vk, b)| {
                        vk.verify(message.as_bytes(), &Signature::from_bytes(&b))
                            .is_ok()
                    });
                if ok {
                    SignerCheck::Verified { line, key }
                } else {
                    SignerCheck::Invalid { line, key }
                }
            })
            .collect()
    }

    /// Parses a checkpoint, strictly.
    pub fn parse(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
        if bytes.len() > MAX_CHECKPOINT_BYTES {
            return Err(CheckpointError::TooLarge(bytes.len()));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| CheckpointError::NotUtf8)?;
        if !text.ends_with('\n') {
            return Err(CheckpointError::NoFinalNewline);
        }
        let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
        for (i, l) in lines.iter().enumerate() {
            if l.chars().any(char::is_control) {
                return Err(CheckpointError::ControlCharacter(i + 1));
            }
        }
        let bad = |line: usize, what: String| CheckpointError::BadLine { line, what };
        let blank = lines
            .iter()
            .position(|l| l.is_empty())
            .ok_or(CheckpointError::NoBlankLine)?;
        if blank < 3 {
            return Err(bad(
                blank + 1,
                "blank before the origin, size and root lines are all there".into(),
            ));
        }
        let origin = lines[0];
        if !valid_name(origin) {
            return Err(bad(
                1,
                format!("origin {origin:?} is not printable ASCII without spaces or '+'"),
            ));
        }
        let size_text = lines[1];
        let size = (size_text.bytes().all(|b| b.is_ascii_digit())
            && !size_text.is_empty()
            && (size_text == "0" || !size_text.starts_with('0')))
        .then(|| size_text.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| {
            bad(
                2,
                format!("tree size {size_text:?} is not a decimal number without leading zeros"),
            )
        })?;
        let root = b64_hash(lines[2]).ok_or_else(|| {
            bad(
                3,
                format!("root {:?} is not the base64 of 32 bytes", lines[2]),
            )
        })?;
        let extensions: Vec<String> = lines[3..blank].iter().map(|s| s.to_string()).collect();
        let sig_lines = &lines[blank + 1..];
        if sig_lines.len() > MAX_SIGNATURES {
            return Err(CheckpointError::TooManySignatures);
        }
        let mut signatures = Vec::new();
        for (i, l) in sig_lines.iter().enumerate() {
            let n = blank + 2 + i;
            let rest = l
                .strip_prefix(SIGNATURE_PREFIX)
                .ok_or_else(|| bad(n, "a signature line must start with \"— \"".into()))?;
            let (name, blob) = rest.split_once(' ').ok_or_else(|| {
                bad(
                    n,
                    "a signature line needs a key name, a space, then base64".into(),
                )
            })?;
            if !valid_name(name) {
                return Err(bad(
                    n,
                    format!("key name {name:?} is not printable ASCII without spaces or '+'"),
                ));
            }
            let blob = STANDARD
                .decode(blob)
                .map_err(|_| bad(n, "the signature is not valid base64".into()))?;
            if blob.len() < 5 {
                return Err(bad(
                    n,
                    format!(
                        "the signature is {} bytes, too short to hold a key hash and a signature",
                        blob.len()
                    ),
                ));
            }
            signatures.push(NoteSignature {
                name: name.to_string(),
                key_hash: [blob[0], blob[1], blob[2], blob[3]],
                signature: blob[4..].to_vec(),
            });
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
            signatures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: [u8; 32] = [7u8; 32];

    fn sample() -> Checkpoint {
        Checkpoint::new("york-send-wsoa-1a2b3c", 3, [9u8; 32]).unwrap()
    }

    #[test]
    fn round_trips_and_verifies() {
        let mut c = sample();
        c.sign("york-send-wsoa-1a2b3c", &SECRET).unwrap();
        let text = c.to_text();
        assert!(text.starts_with("york-send-wsoa-1a2b3c\n3\nCQkJ"));
        let parsed = Checkpoint::parse(text.as_bytes()).unwrap();
        assert_eq!(parsed, c);
        let public = crate::plan::trust::public_key(&SECRET);
        parsed
            .verify_signature("york-send-wsoa-1a2b3c", &public)
            .unwrap();
        assert!(parsed
            .verify_signature("york-send-wsoa-1a2b3c", &[1u8; 32])
            .is_err());
    }

    #[test]
    fn any_changed_byte_is_rejected() {
        let mut c = sample();
        c.sign("york-send-wsoa-1a2b3c", &SECRET).unwrap();
        let public = crate::plan::trust::public_key(&SECRET);
        let text = c.to_text().into_bytes();
        for i in 0..text.len() {
            for delta in [1u8, 0x20, 0x80] {
                let mut t = text.clone();
                t[i] ^= delta;
                if let Ok(p) = Checkpoint::parse(&t) {
                    assert!(
                        p.verify_signature("york-send-wsoa-1a2b3c", &public)
                            .is_err(),
                        "byte {i} ^ {delta} still verifies"
                    );
                }
            }
        }
    }

    #[test]
    fn strict_parsing() {
        for bad in [
            &b"o\n1\n"[..],
            b"o\n01\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n\n",
            b"o\n1\nAAAA\n\n",
            b"o\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n",
            b"o\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n\nx y\n",
            b"o\r\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n\n",
            b"o o\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n\n",
            b"\xff\n",
        ] {
            assert!(
                Checkpoint::parse(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(Checkpoint::parse(
            b"o\n18446744073709551616\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n\n"
        )
        .is_err());
        let ok = Checkpoint::parse(b"o\n0\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\next\n\n")
            .unwrap();
        assert_eq!(ok.extensions, vec!["ext".to_string()]);
    }

    #[test]
    fn format_md_worked_example() {
        // FORMAT.md, "Checkpoints": entry 1 of the worked example, seed of 32 bytes 0x07.
        let root = b64_hash("9RvlZue29vUhk0wS+SNA2ABcQ3vumtuzjZpxtuuwDdc=").unwrap();
        let mut c = Checkpoint::new("york.example/send-wsoa", 1, root).unwrap();
        c.sign("york.example/send-wsoa", &SECRET).unwrap();
        let expected = "york.example/send-wsoa\n1\n9RvlZue29vUhk0wS+SNA2ABcQ3vumtuzjZpxtuuwDdc=\n\n\u{2014} york.example/send-wsoa G1joeI6Z1XXFpFY5A40sYRntNqcsBhaTqByjZ+r1FqcTAETpXhbXYmUoGatk04kDJWaOr4rlBTSNyzMz3UmjM61gNwM=\n";
        assert_eq!(c.to_text(), expected);
        let public = crate::plan::trust::public_key(&SECRET);
        assert_eq!(
            key_hash("york.example/send-wsoa", &public),
            [0x1b, 0x58, 0xe8, 0x78]
        );
        Checkpoint::parse(expected.as_bytes())
            .unwrap()
            .verify_signature("york.example/send-wsoa", &public)
            .unwrap();
    }
}
