//! What a sign-off signs, decided from the plan before anyone signs: the status shown for an
//! action at a review, the key's role, and the head. The signer's machine signs the draft
//! (locally, or after fetching it from a server); the private key never leaves it.

use crate::event::{SignedOff, SIGNED_OFF_VERSION};
use crate::plan::Plan;

/// Why there is nothing to sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    #[error("key {0} is not registered in this ledger; register its public key with `readiness key register`")]
    Unregistered(String),
    #[error("key {id} was revoked at entry {seq} and may no longer sign")]
    Revoked { id: String, seq: u64 },
    #[error("action {action} has no status at review {review:?} to sign; record it first: readiness status {action} STATUS --review {review:?}")]
    NoStatus { action: String, review: String },
    #[error("the ledger is empty; start it with `readiness import FILE` or `readiness init`")]
    Empty,
}

impl Plan {
    /// The sign-off `key_id` would make of `action`'s status at `review` (the stored id and
    /// the review's label), unsigned.
    pub fn sign_off_draft(
        &self,
        action: &str,
        review: &str,
        key_id: &str,
        statement: Option<String>,
    ) -> Result<SignedOff, DraftError> {
        let key = self
            .key(key_id)
            .ok_or_else(|| DraftError::Unregistered(key_id.to_string()))?;
        if let Some(seq) = key.revoked {
            return Err(DraftError::Revoked {
                id: key_id.to_string(),
                seq: seq.0,
            });
        }
        let record = self
            .action(action)
            .and_then(|a| a.statuses.get(review))
            .ok_or_else(|| DraftError::NoStatus {
                action: action.to_string(),
                review: review.to_string(),
            })?;
        let (head_seq, head_hash) = self.head.ok_or(DraftError::Empty)?;
        Ok(SignedOff {
            action: action.to_string(),
            review: review.to_string(),
            status: record.status.to_string(),
            key_id: key_id.to_string(),
            role: key.role.clone(),
            head_seq: head_seq.0,
            head_hash: head_hash.to_hex(),
            statement: statement.filter(|s| !s.trim().is_empty()),
            signature: String::new(),
            version: SIGNED_OFF_VERSION,
        })
    }
}
