//! The rules for evidence, keys and sign-offs, checked before they are appended.

use crate::event::Event;

use super::rules::RuleError;
use super::state::Plan;
use super::trust::{hex_bytes, key_id, signature_valid};

fn is_sha256_hex(s: &str) -> bool {
    hex_bytes::<32>(s).is_some()
}

fn need(value: &str, what: &'static str) -> Result<(), RuleError> {
    if value.trim().is_empty() {
        Err(RuleError::Empty { what })
    } else {
        Ok(())
    }
}

impl Plan {
    /// Rules for evidence_attached, evidence_redacted, key_registered, key_revoked, signed_off.
    pub(crate) fn check_trust(&self, event: &Event) -> Result<(), RuleError> {
        match event {
            Event::EvidenceAttached(e) => {
                self.open_action(&e.action, e.review.as_deref())?;
                if let Some(r) = &e.review {
                    if self.review(r).is_none() {
                        return Err(RuleError::Evidence(format!("unknown review {r:?}")));
                    }
                }
                if !is_sha256_hex(&e.sha256) {
                    return Err(RuleError::Evidence(format!(
                        "evidence sha256 {:?} is not 64 lowercase hex digits",
                        e.sha256
                    )));
                }
                if let Some(r) = self
                    .evidence
                    .get(&e.sha256)
                    .and_then(|ev| ev.redacted.as_ref())
                {
                    return Err(RuleError::Evidence(format!(
                        "this content (SHA-256 {}) was redacted at entry {} ({}); it cannot be attached again",
                        e.sha256, r.seq.0, r.reason
                    )));
                }
                need(&e.file_name, "the evidence file name")?;
                need(&e.media_type, "the evidence media type")
            }
            Event::EvidenceRedacted(e) => {
                need(&e.reason, "the reason for the redaction")?;
                match self.evidence.get(&e.sha256) {
                    None => Err(RuleError::Evidence(format!(
                        "no evidence with SHA-256 {} is attached in this ledger",
                        e.sha256
                    ))),
                    Some(ev) => match &ev.redacted {
                        Some(r) => Err(RuleError::Evidence(format!(
                            "evidence {} was already redacted at entry {}",
                            e.sha256, r.seq
                        ))),
                        None => Ok(()),
                    },
                }
            }
            Event::KeyRegistered(e) => {
                need(&e.name, "the key holder's name")?;
                need(&e.role, "the key's role")?;
                let Some(pk) = hex_bytes::<32>(&e.public_key) else {
                    return Err(RuleError::Key(
                        "the public key is not 64 lowercase hex digits (32 bytes)".into(),
                    ));
                };
                if ed25519_dalek::VerifyingKey::from_bytes(&pk).is_err() {
                    return Err(RuleError::Key(
                        "the public key is not a valid Ed25519 key".into(),
                    ));
                }
                if key_id(&pk) != e.key_id {
                    return Err(RuleError::Key(
                        "key_id is not the SHA-256 of the public key".into(),
                    ));
                }
                if let Some(k) = self.key(&e.key_id) {
                    return Err(RuleError::Key(format!(
                        "this key is already registered (entry {}, {})",
                        k.registered, k.name
                    )));
                }
                Ok(())
            }
            Event::KeyRevoked(e) => {
                need(&e.reason, "the reason for revoking")?;
                match self.key(&e.key_id) {
                    None => Err(RuleError::Key(format!("no key {} is registered", e.key_id))),
                    Some(k) => match k.revoked {
                        Some(seq) => Err(RuleError::Key(format!(
                            "key {} was already revoked at entry {seq}",
                            e.key_id
                        ))),
                        None => Ok(()),
                    },
                }
            }
            Event::SignedOff(e) => {
                if e.version < self.sign_off_version {
                    return Err(RuleError::SignOff(format!(
                        "a version {} sign-off after version {} ones: the older form is accepted only before the first newer one (this looks like a downgrade)",
                        e.version, self.sign_off_version
                    )));
                }
                let Some(action) = self.action(&e.action) else {
                    return Err(RuleError::SignOff(format!("unknown action {:?}", e.action)));
                };
                let Some(record) = self.shown_status(&e.action, &e.review) else {
                    return Err(RuleError::SignOff(format!(
                        "{} has no status at {:?} to sign",
                        e.action, e.review
                    )));
                };
                if let Some(earlier) = action
                    .signoffs()
                    .iter()
                    .find(|o| o.signature == e.signature)
                {
                    return Err(RuleError::SignOff(format!(
                        "it repeats the sign-off at entry {} (the same signature): a sign-off counts once",
                        earlier.seq
                    )));
                }
                if *record.status != *e.status {
                    return Err(RuleError::SignOff(format!(
                        "the status signed ({:?}) is not the status shown ({:?})",
                        e.status, record.status
                    )));
                }
                let Some(key) = self.key(&e.key_id) else {
                    return Err(RuleError::SignOff(format!(
                        "key {} is not registered",
                        e.key_id
                    )));
                };
                if let Some(seq) = key.revoked {
                    return Err(RuleError::SignOff(format!(
                        "key {} was revoked at entry {seq}",
                        e.key_id
                    )));
                }
                if key.role != e.role {
                    return Err(RuleError::SignOff(format!(
                        "the role {:?} is not the key's registered role {:?}",
                        e.role, key.role
                    )));
                }
                if e.head_seq == 0 || e.head_seq > self.len() {
                    return Err(RuleError::SignOff(format!(
                        "it names head {}, but a head is one of the ledger's {} entries",
                        e.head_seq,
                        self.len()
                    )));
                }
                if !signature_valid(&self.origin, key, e) {
                    return Err(RuleError::SignOff(
                        "the signature does not match the signed fields and the key".into(),
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
