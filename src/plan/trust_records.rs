//! What the plan state holds about evidence, keys and sign-offs: plain records, kept apart
//! from the fold that fills them ([`super::trust`]) so the state does not depend on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::entry::Seq;

/// A redaction: the bytes are gone, this says who removed them, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    pub seq: Seq,
    pub reason: String,
    pub actor: String,
    pub recorded_at: String,
}

/// One evidence file, by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub sha256: String,
    pub size: u64,
    /// Entries that attached it (the same content may be attached more than once).
    pub attached: Vec<Seq>,
    pub redacted: Option<Redaction>,
}

/// Evidence attached to an action, as the action sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    pub seq: Seq,
    pub sha256: String,
    pub file_name: String,
    pub review: Option<String>,
    /// The correction that superseded this attachment (the file is kept, not counted).
    pub superseded_by: Option<Seq>,
}

/// A registered signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub name: String,
    pub key_id: String,
    pub public_key: String,
    pub role: String,
    pub registered: Seq,
    pub revoked: Option<Seq>,
}

/// A sign-off of an action's status at a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    pub seq: Seq,
    pub review: String,
    pub status: String,
    pub key_id: String,
    pub role: String,
    pub actor: String,
    pub recorded_at: String,
    /// The signature, hex: a sign-off counts once, so a copy of it is refused.
    pub signature: String,
}

/// Evidence by SHA-256, in the plan state.
pub type EvidenceIndex = BTreeMap<String, Evidence>;
/// Keys by key id, in the plan state.
pub type KeyIndex = BTreeMap<String, Key>;
