//! Evidence and sign-offs in the plan state: which files back which action, which keys may
//! sign, and who signed what (no I/O; signature bytes are checked by `verify`).

use crate::entry::Entry;
use crate::event::{EvidenceAttached, EvidenceRedacted, KeyRegistered, KeyRevoked, SignedOff};

use super::state::Plan;
pub use super::trust_records::{
    Evidence, EvidenceIndex, EvidenceRef, Key, KeyIndex, Redaction, SignOff,
};

impl Plan {
    /// A registered key by id.
    pub fn key(&self, key_id: &str) -> Option<&Key> {
        self.keys.get(key_id)
    }

    pub(crate) fn apply_evidence(&mut self, entry: &Entry, e: &EvidenceAttached) {
        let record = self
            .evidence
            .entry(e.sha256.clone())
            .or_insert_with(|| Evidence {
                sha256: e.sha256.clone(),
                size: e.size,
                attached: Vec::new(),
                redacted: None,
            });
        record.attached.push(entry.seq);
        if let Some(action) = self.action_mut(&e.action) {
            action.later_mut().evidence.push(EvidenceRef {
                seq: entry.seq,
                sha256: e.sha256.clone(),
                file_name: e.file_name.clone(),
                review: e.review.clone(),
                superseded_by: None,
            });
        }
    }

    pub(crate) fn apply_redaction(&mut self, entry: &Entry, e: &EvidenceRedacted) {
        if let Some(record) = self.evidence.get_mut(&e.sha256) {
            record.redacted = Some(Redaction {
                seq: entry.seq,
                reason: e.reason.clone(),
                actor: entry.actor.clone(),
                recorded_at: entry.recorded_at.clone(),
            });
        }
    }

    pub(crate) fn apply_key(&mut self, entry: &Entry, e: &KeyRegistered) {
        self.keys.insert(
            e.key_id.clone(),
            Key {
                name: e.name.clone(),
                key_id: e.key_id.clone(),
                public_key: e.public_key.clone(),
                role: e.role.clone(),
                registered: entry.seq,
                revoked: None,
            },
        );
    }

    pub(crate) fn apply_revocation(&mut self, entry: &Entry, e: &KeyRevoked) {
        if let Some(key) = self.keys.get_mut(&e.key_id) {
            key.revoked.get_or_insert(entry.seq);
        }
    }

    pub(crate) fn apply_signoff(&mut self, entry: &Entry, e: &SignedOff) {
        self.sign_off_version = self.sign_off_version.max(e.version);
        if let Some(action) = self.action_mut(&e.action) {
            action.later_mut().signoffs.push(SignOff {
                seq: entry.seq,
                review: e.review.clone(),
                status: e.status.clone(),
                key_id: e.key_id.clone(),
                role: e.role.clone(),
                actor: entry.actor.clone(),
                recorded_at: entry.recorded_at.clone(),
                signature: e.signature.clone(),
            });
        }
    }
}

/// What a version 2 sign-off's signature covers first: names the format and the purpose, so
/// no signature made for anything else (a checkpoint, another program) can pass as one.
pub const SIGN_OFF_CONTEXT: &[u8] = b"readiness-ledger sign-off v2\n";

/// The bytes a sign-off's signature covers: canonical JSON of the event's members other
/// than `signature` and `v`, plus the ledger's `origin` (so a signature cannot move between
/// ledgers); from version 2, preceded by [`SIGN_OFF_CONTEXT`].
pub fn signing_bytes(origin: &str, e: &SignedOff) -> Vec<u8> {
    let mut map = serde_json::Map::new();
    map.insert("origin".into(), origin.into());
    map.insert("action".into(), e.action.clone().into());
    map.insert("review".into(), e.review.clone().into());
    map.insert("status".into(), e.status.clone().into());
    map.insert("key_id".into(), e.key_id.clone().into());
    map.insert("role".into(), e.role.clone().into());
    map.insert("head_seq".into(), e.head_seq.into());
    map.insert("head_hash".into(), e.head_hash.clone().into());
    if let Some(s) = &e.statement {
        map.insert("statement".into(), s.clone().into());
    }
    // Only strings and a small integer: canonical form cannot fail.
    let body =
        crate::canonical::to_canonical_bytes(&serde_json::Value::Object(map)).unwrap_or_default();
    if e.version >= 2 {
        [SIGN_OFF_CONTEXT, &body].concat()
    } else {
        body
    }
}

/// Decodes lowercase hex of an exact length.
pub use crate::hex::decode as hex_bytes;

/// The key id of a public key: lowercase hex SHA-256 of its 32 bytes.
pub fn key_id(public_key: &[u8; 32]) -> String {
    use sha2::Digest;
    crate::hex::encode(&sha2::Sha256::digest(public_key))
}

/// Signs bytes with an Ed25519 secret key (the 32-byte seed); the one signing path.
pub fn sign_bytes(secret: &[u8; 32], message: &[u8]) -> [u8; 64] {
    use ed25519_dalek::Signer;
    ed25519_dalek::SigningKey::from_bytes(secret)
        .sign(message)
        .to_bytes()
}

/// The public key of a secret key (seed).
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
    ed25519_dalek::SigningKey::from_bytes(secret)
        .verifying_key()
        .to_bytes()
}

/// Fills in `e.signature`: lowercase hex of the signature over [`signing_bytes`].
pub fn sign_signoff(secret: &[u8; 32], origin: &str, e: &mut SignedOff) {
    let sig = sign_bytes(secret, &signing_bytes(origin, e));
    e.signature = crate::hex::encode(&sig);
}

/// Checks a sign-off's signature against a registered public key.
pub fn signature_valid(origin: &str, key: &Key, e: &SignedOff) -> bool {
    use ed25519_dalek::{Signature, VerifyingKey};
    let (Some(pk), Some(sig)) = (
        hex_bytes::<32>(&key.public_key),
        hex_bytes::<64>(&e.signature),
    ) else {
        return false;
    };
    let Ok(vk) = VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    vk.verify_strict(&signing_bytes(origin, e), &Signature::from_bytes(&sig))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Seq;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// RFC 8032 section 7.1, test 1 (empty message), through the project's signing path.
    #[test]
    fn rfc8032_test_vector_1() {
        let secret =
            hex_bytes::<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap();
        assert_eq!(
            hex(&public_key(&secret)),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            hex(&sign_bytes(&secret, b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    fn signoff() -> SignedOff {
        SignedOff {
            action: "1.1".into(),
            review: "RAG May 20".into(),
            status: "Completed".into(),
            key_id: String::new(),
            role: "Chair".into(),
            head_seq: 5,
            head_hash: "00".repeat(32),
            statement: None,
            signature: String::new(),
            version: crate::event::SIGNED_OFF_VERSION,
        }
    }

    #[test]
    fn a_signed_off_verifies_and_any_change_breaks_it() {
        let secret = [7u8; 32];
        let pk = public_key(&secret);
        let key = Key {
            name: "Chair".into(),
            key_id: key_id(&pk),
            public_key: hex(&pk),
            role: "Chair".into(),
            registered: Seq(2),
            revoked: None,
        };
        let mut e = signoff();
        e.key_id = key.key_id.clone();
        sign_signoff(&secret, "york", &mut e);
        assert!(signature_valid("york", &key, &e));
        assert!(
            !signature_valid("leeds", &key, &e),
            "a signature must not move between ledgers"
        );
        let mut changed = e.clone();
        changed.status = "Embedded".into();
        assert!(!signature_valid("york", &key, &changed));
        let mut other = e.clone();
        sign_signoff(&[8u8; 32], "york", &mut other);
        assert!(!signature_valid("york", &key, &other));
    }

    /// The worked example in FORMAT.md, "Sign-offs", version 1: RFC 8032 test key 1 signing.
    #[test]
    fn format_md_worked_example() {
        let secret =
            hex_bytes::<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap();
        let pk = public_key(&secret);
        let mut e = SignedOff {
            action: "1.1".into(),
            review: "RAG November 20".into(),
            status: "Completed".into(),
            key_id: key_id(&pk),
            role: "SEND board chair".into(),
            head_seq: 10,
            head_hash: "ab".repeat(32),
            statement: Some("Checked against the minutes".into()),
            signature: String::new(),
            version: 1,
        };
        sign_signoff(&secret, "york.example/send-wsoa", &mut e);
        let bytes = String::from_utf8(signing_bytes("york.example/send-wsoa", &e)).unwrap();
        assert_eq!(
            e.key_id,
            "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9"
        );
        assert_eq!(
            bytes,
            concat!(
                r#"{"action":"1.1","head_hash":"abababababababababababababababababababababababababababababababab","#,
                r#""head_seq":10,"key_id":"21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9","#,
                r#""origin":"york.example/send-wsoa","review":"RAG November 20","role":"SEND board chair","#,
                r#""statement":"Checked against the minutes","status":"Completed"}"#
            )
        );
        // Also produced independently (Python `cryptography`, Ed25519PrivateKey.sign).
        assert_eq!(
            e.signature,
            concat!(
                "4d453177d805ca272669d789f8d42850777641bfff2551382c7b7eff7fb163ff",
                "b94365a70a831d51919211ad1c2b97c79ee9160fbf1e5063cf26445e1323fa0f"
            )
        );
    }

    /// The worked example in FORMAT.md, "Sign-offs", version 2: the same key and fields, the
    /// context string first.
    #[test]
    fn format_md_worked_example_version_2() {
        let secret =
            hex_bytes::<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap();
        let mut e = SignedOff {
            action: "1.1".into(),
            review: "RAG November 20".into(),
            status: "Completed".into(),
            key_id: key_id(&public_key(&secret)),
            role: "SEND board chair".into(),
            head_seq: 10,
            head_hash: "ab".repeat(32),
            statement: Some("Checked against the minutes".into()),
            signature: String::new(),
            version: 2,
        };
        sign_signoff(&secret, "york.example/send-wsoa", &mut e);
        let bytes = signing_bytes("york.example/send-wsoa", &e);
        assert!(bytes.starts_with(b"readiness-ledger sign-off v2\n{\"action\":\"1.1\""));
        // Also produced independently (Python `cryptography`, Ed25519PrivateKey.sign).
        assert_eq!(
            e.signature,
            concat!(
                "129c54493176602b5032c1c2fa3fbd9f793162f263bada297920865c42732da8",
                "0f826172d3ebbd4fa96d642e585e8dfceb19f776aa9960a90ea03a0f6f4a0309"
            )
        );
    }
}
