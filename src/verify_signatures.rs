//! Checking every sign-off's signature during `verify`, streaming.
//!
//! Keys are replayed in ledger order (`key_registered`, `key_revoked`), so each
//! `signed_off` is checked against the key as registered when it was appended: an unknown
//! or already revoked key, a role that is not the key's, or a signature that does not match
//! the signed fields fails. The head a sign-off names (`head_seq`, `head_hash`) must be an
//! earlier entry of this ledger with that hash.
//!
//! Only lines whose event is `plan_created`, `key_registered`, `key_revoked` or
//! `signed_off` are decoded (a byte search finds them first). Head hashes are checked in a
//! second pass that remembers only the seqs sign-offs name, so memory is bounded by the
//! number of sign-offs and keys, not the ledger's length.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use ed25519_dalek::{Signature, VerifyingKey};
use memchr::memmem;
use serde::Serialize;

use crate::entry::{Entry, EntryHash};
use crate::event::Event;
use crate::plan::trust::{hex_bytes, signing_bytes, Key};
use crate::store::{EntrySource, StoreError};
use crate::verify::VerifyFailure;

/// What the signature check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureReport {
    /// `signed_off` entries whose signature, key and head checked out (before any failure).
    pub signed_off: u64,
    /// `key_registered` entries seen.
    pub keys_registered: u64,
    /// `key_revoked` entries seen.
    pub keys_revoked: u64,
    /// The first (lowest seq) sign-off that does not check out.
    pub failure: Option<VerifyFailure>,
}

impl SignatureReport {
    /// True when every sign-off checked out.
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

const TYPE_KEY: &[u8] = b"\"type\":\"";
const WANTED: [&[u8]; 4] = [
    b"plan_created\"",
    b"key_registered\"",
    b"key_revoked\"",
    b"signed_off\"",
];

/// True when the line may carry one of the events this check needs. In canonical JSON a
/// quote inside a string is always escaped, so `"type":"signed_off"` only matches a member.
fn wanted(finder: &memmem::Finder<'_>, line: &[u8]) -> bool {
    finder.find_iter(line).any(|at| {
        let rest = &line[at + TYPE_KEY.len()..];
        WANTED.iter().any(|w| rest.starts_with(w))
    })
}

struct Pending {
    /// The sign-off entry that names this head.
    signoff_seq: u64,
    signoff_line: u64,
    expected: String,
}

fn fail(first: &mut Option<VerifyFailure>, seq: u64, line: u64, reason: String) {
    if first.as_ref().is_none_or(|f| seq < f.seq) {
        *first = Some(VerifyFailure { seq, line, reason });
    }
}

/// Checks every sign-off in `source`; the chain itself is `crate::verify::verify`'s job and
/// should pass first (entries are counted by position, as the chain numbers them).
pub fn verify_signatures(source: &dyn EntrySource) -> Result<SignatureReport, StoreError> {
    let finder = memmem::Finder::new(TYPE_KEY);
    let mut origin: Option<String> = None;
    // Each key with its decoded public key (decompressed once, not per signature).
    let mut keys: BTreeMap<String, (Key, Option<VerifyingKey>)> = BTreeMap::new();
    // head_seq -> the sign-offs naming it.
    let mut pending: BTreeMap<u64, Vec<Pending>> = BTreeMap::new();
    let mut report = SignatureReport {
        signed_off: 0,
        keys_registered: 0,
        keys_revoked: 0,
        failure: None,
    };
    let mut first: Option<VerifyFailure> = None;
    let mut seq = 0u64;
    source.scan(&mut |line| {
        seq += 1;
        if !wanted(&finder, line.bytes) {
            return Ok(ControlFlow::Continue(()));
        }
        let entry = match Entry::decode(line.bytes) {
            Ok(e) => e,
            Err(e) => {
                fail(&mut first, seq, line.number, format!("entry {seq}: {e}"));
                return Ok(ControlFlow::Break(()));
            }
        };
        match entry.event {
            Event::PlanCreated(p) => {
                origin.get_or_insert(p.origin);
            }
            Event::KeyRegistered(k) => {
                report.keys_registered += 1;
                let vk = hex_bytes::<32>(&k.public_key)
                    .and_then(|pk| VerifyingKey::from_bytes(&pk).ok());
                keys.entry(k.key_id.clone()).or_insert((
                    Key {
                        name: k.name,
                        key_id: k.key_id,
                        public_key: k.public_key,
                        role: k.role,
                        registered: entry.seq,
                        revoked: None,
                    },
                    vk,
                ));
            }
            Event::KeyRevoked(r) => {
                report.keys_revoked += 1;
                if let Some((k, _)) = keys.get_mut(&r.key_id) {
                    k.revoked.get_or_insert(entry.seq);
                }
            }
            Event::SignedOff(s) => {
                let problem = match keys.get(&s.key_id) {
                    None => Some(format!(
                        "the sign-off of {} at {:?} is by key {}, which is not registered before it",
                        s.action, s.review, s.key_id
                    )),
                    Some((k, _)) if k.revoked.is_some() => Some(format!(
                        "the sign-off of {} at {:?} is by key {} ({}), revoked at entry {}",
                        s.action,
                        s.review,
                        s.key_id,
                        k.name,
                        k.revoked.map_or(0, |r| r.0)
                    )),
                    Some((k, _)) if k.role != s.role => Some(format!(
                        "the sign-off of {} at {:?} claims role {:?}, but key {} is registered as {:?}",
                        s.action, s.review, s.role, s.key_id, k.role
                    )),
                    Some((k, vk)) if !valid(vk.as_ref(), origin.as_deref().unwrap_or(""), &s) => {
                        Some(format!(
                            "the signature on the sign-off of {} at {:?} does not match the signed fields and key {} ({})",
                            s.action, s.review, s.key_id, k.name
                        ))
                    }
                    Some(_) if s.head_seq == 0 || s.head_seq >= seq => Some(format!(
                        "the sign-off of {} at {:?} names head {}, which is not an earlier entry",
                        s.action, s.review, s.head_seq
                    )),
                    Some(_) => None,
                };
                match problem {
                    Some(reason) => {
                        fail(&mut first, seq, line.number, format!("entry {seq}: {reason}"));
                        return Ok(ControlFlow::Break(()));
                    }
                    None => {
                        report.signed_off += 1;
                        pending.entry(s.head_seq).or_default().push(Pending {
                            signoff_seq: seq,
                            signoff_line: line.number,
                            expected: s.head_hash,
                        });
                    }
                }
            }
            _ => {}
        }
        Ok(ControlFlow::Continue(()))
    })?;
    check_heads(source, &pending, &mut first)?;
    if let Some(f) = &first {
        // Count only the sign-offs before the first failure as verified.
        report.signed_off = pending
            .values()
            .flatten()
            .filter(|p| p.signoff_seq < f.seq)
            .count() as u64;
    }
    report.failure = first;
    Ok(report)
}

/// The signature check of `crate::plan::trust::signature_valid`, with the key decoded.
fn valid(vk: Option<&VerifyingKey>, origin: &str, s: &crate::event::SignedOff) -> bool {
    let (Some(vk), Some(sig)) = (vk, hex_bytes::<64>(&s.signature)) else {
        return false;
    };
    vk.verify_strict(&signing_bytes(origin, s), &Signature::from_bytes(&sig))
        .is_ok()
}

/// The second pass: the hash of each entry a sign-off names as its head.
fn check_heads(
    source: &dyn EntrySource,
    pending: &BTreeMap<u64, Vec<Pending>>,
    first: &mut Option<VerifyFailure>,
) -> Result<(), StoreError> {
    let Some(&last) = pending.keys().next_back() else {
        return Ok(());
    };
    let mut seq = 0u64;
    source.scan(&mut |line| {
        seq += 1;
        if let Some(checks) = pending.get(&seq) {
            let found = Entry::decode(line.bytes).map(|e| e.hash);
            for p in checks {
                match &found {
                    Ok(hash) if EntryHash::from_hex(&p.expected) == Some(*hash) => {}
                    Ok(hash) => fail(
                        first,
                        p.signoff_seq,
                        p.signoff_line,
                        format!(
                            "entry {}: the sign-off names head {seq} {}, but entry {seq} has hash {hash}",
                            p.signoff_seq, p.expected
                        ),
                    ),
                    Err(e) => fail(
                        first,
                        p.signoff_seq,
                        p.signoff_line,
                        format!(
                            "entry {}: its head, entry {seq}, cannot be read: {e}",
                            p.signoff_seq
                        ),
                    ),
                }
            }
        }
        Ok(if seq >= last {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::event::SignedOff;
    use crate::plan::trust::{hex_bytes, key_id, public_key, sign_signoff, signing_bytes};

    /// The worked example in FORMAT.md, "Sign-offs": RFC 8032 test key 1 signing a sign-off.
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
}
