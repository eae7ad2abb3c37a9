//! The decide step of the trust records: registering and revoking signing keys, and
//! redacting evidence. Reading key files and removing bytes stay with the front ends.

use crate::event::{Event, EvidenceRedacted, KeyRegistered};
use crate::plan::decide::CommandError;
use crate::plan::trust::{hex_bytes, key_id};
use crate::plan::Plan;

/// The `key_registered` of `public`: 64 hex digits in any case, alone or as the one key
/// line of a `.pub` file (`#` comments and blank lines around it). Text that holds no key
/// is passed on as given, for the rules to refuse with their message.
pub fn key_registration(name: &str, public: &str, role: &str) -> Event {
    let mut lines = public
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let public_key = match (lines.next(), lines.next()) {
        (Some(one), None) => one.to_ascii_lowercase(),
        _ => public.trim().to_string(),
    };
    let key_id = hex_bytes::<32>(&public_key)
        .map(|pk| key_id(&pk))
        .unwrap_or_default();
    Event::KeyRegistered(KeyRegistered {
        name: name.trim().to_string(),
        key_id,
        public_key,
        role: role.trim().to_string(),
    })
}

impl Plan {
    /// The `evidence_redacted` of `sha256`, unless it was redacted before (then the front
    /// end may still have bytes an interrupted redaction left to remove).
    pub(crate) fn redaction(&self, sha256: String, reason: String) -> Result<Event, CommandError> {
        if let Some(r) = self.evidence.get(&sha256).and_then(|e| e.redacted.as_ref()) {
            return Err(CommandError::AlreadyRedacted {
                sha256,
                seq: r.seq.0,
                reason: r.reason.clone(),
            });
        }
        Ok(Event::EvidenceRedacted(EvidenceRedacted { sha256, reason }))
    }
}

#[cfg(test)]
mod tests {
    use crate::event::{Event, EvidenceAttached, EvidenceRedacted, KeyRevoked};
    use crate::plan::decide::{Command, CommandError, DecideError, NameError};
    use crate::plan::trust::key_id;
    use crate::plan::RuleError;
    use crate::test_events::{plan_from, small_plan};

    /// An Ed25519 public key (the RFC 8032 first test vector's).
    const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn register(public: &str) -> Command {
        Command::RegisterKey {
            name: " Board chair ".into(),
            public: public.into(),
            role: "SEND board chair\n".into(),
        }
    }

    fn with_key_and_evidence() -> Vec<Event> {
        let plan = plan_from(&small_plan());
        let mut events = small_plan();
        events.extend(plan.decide(&register(PUBLIC)).unwrap());
        events.push(Event::EvidenceAttached(EvidenceAttached {
            action: "1.1".into(),
            review: None,
            sha256: "ab".repeat(32),
            file_name: "minutes.txt".into(),
            size: 3,
            media_type: "text/plain".into(),
            note: None,
        }));
        events
    }

    #[test]
    fn a_key_is_registered_from_its_hex_or_its_pub_file() {
        let plan = plan_from(&small_plan());
        let bytes = crate::hex::decode::<32>(PUBLIC).unwrap();
        let want = Event::KeyRegistered(crate::event::KeyRegistered {
            name: "Board chair".into(),
            key_id: key_id(&bytes),
            public_key: PUBLIC.into(),
            role: "SEND board chair".into(),
        });
        assert_eq!(plan.decide(&register(PUBLIC)).unwrap(), vec![want.clone()]);
        let file = format!(
            "# readiness Ed25519 public key for x\n# its key id: y\n{}\n",
            PUBLIC.to_uppercase()
        );
        assert_eq!(plan.decide(&register(&file)).unwrap(), vec![want]);
        let bad = plan.decide(&register("not a key"));
        assert!(
            matches!(&bad, Err(DecideError::Rule(RuleError::Key(m))) if m.contains("64 lowercase hex")),
            "{bad:?}"
        );
        let twice = plan_from(&with_key_and_evidence()).decide(&register(PUBLIC));
        assert!(
            matches!(&twice, Err(DecideError::Rule(RuleError::Key(m))) if m.contains("already registered")),
            "{twice:?}"
        );
    }

    #[test]
    fn a_key_is_revoked_by_a_short_form_of_its_id() {
        let plan = plan_from(&with_key_and_evidence());
        let id = plan.keys.keys().next().unwrap().clone();
        let command = plan
            .resolve_names(Command::RevokeKey {
                key_id: id[..8].to_uppercase(),
                reason: "stood down".into(),
            })
            .unwrap();
        let events = plan.decide(&command).unwrap();
        assert_eq!(
            events,
            vec![Event::KeyRevoked(KeyRevoked {
                key_id: id.clone(),
                reason: "stood down".into()
            })]
        );
        let unknown = plan.resolve_names(Command::RevokeKey {
            key_id: "ffffff".into(),
            reason: "x".into(),
        });
        assert_eq!(
            unknown.unwrap_err().to_string(),
            "no key id in this ledger starts with ffffff; `readiness key list` shows them"
        );
        let mut events = with_key_and_evidence();
        events.push(Event::KeyRevoked(KeyRevoked {
            key_id: id.clone(),
            reason: "x".into(),
        }));
        let again = plan_from(&events).decide(&command);
        assert!(
            matches!(&again, Err(DecideError::Rule(RuleError::Key(m))) if m.contains("already revoked")),
            "{again:?}"
        );
    }

    #[test]
    fn evidence_is_redacted_once() {
        let mut events = with_key_and_evidence();
        let plan = plan_from(&events);
        let command = plan
            .resolve_names(Command::RedactEvidence {
                sha256: "ABABAB…".into(),
                reason: "names a child".into(),
            })
            .unwrap();
        let redacted = plan.decide(&command).unwrap();
        assert_eq!(
            redacted,
            vec![Event::EvidenceRedacted(EvidenceRedacted {
                sha256: "ab".repeat(32),
                reason: "names a child".into()
            })]
        );
        let no_reason = Command::RedactEvidence {
            sha256: "ab".repeat(32),
            reason: " ".into(),
        };
        assert!(matches!(
            plan.decide(&no_reason),
            Err(DecideError::Rule(RuleError::Empty { .. }))
        ));
        assert!(matches!(
            plan.resolve_names(Command::RedactEvidence {
                sha256: "12".into(),
                reason: "x".into()
            }),
            Err(NameError::Hex(_))
        ));
        events.extend(redacted);
        let seq = events.len() as u64;
        let again = plan_from(&events).decide(&command).unwrap_err();
        assert_eq!(
            again,
            DecideError::Command(CommandError::AlreadyRedacted {
                sha256: "ab".repeat(32),
                seq,
                reason: "names a child".into()
            })
        );
        assert_eq!(
            again.to_string(),
            format!(
                "evidence {} was already redacted at entry {seq} (names a child)",
                "ab".repeat(32)
            )
        );
    }
}
