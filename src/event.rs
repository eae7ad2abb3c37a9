//! The domain's facts: every event a ledger entry can carry.
//!
//! These types reach the hash: renaming a field or variant, or changing how a field is
//! written, breaks every existing ledger. Grow the schema by adding optional fields or new
//! event types, and by raising [`EVENT_VERSION`] with an upgrade step in [`Event::from_value`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::scale::StatusScale;

/// Version written into every new event as its `v` member, unless its type has moved on
/// (see [`latest_version`]).
pub const EVENT_VERSION: u64 = 1;

/// Version of `signed_off` written now: 2 signs a context string before the canonical bytes
/// (FORMAT.md, "Sign-offs"). Version 1 sign-offs still verify under their own rules.
pub const SIGNED_OFF_VERSION: u64 = 2;

/// The newest version of an event type this program reads and writes: the one upgrade point.
/// Every version from 1 up to it is read; a type's versions differ only in the rules of the
/// fields they share, never in the fields, so the same decoder reads them all.
pub fn latest_version(type_name: &str) -> u64 {
    match type_name {
        "signed_off" => SIGNED_OFF_VERSION,
        _ => EVENT_VERSION,
    }
}

/// A domain fact, written as a JSON object whose `type` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    PlanCreated(PlanCreated),
    AreaAdded(AreaAdded),
    ActionAdded(ActionAdded),
    ActionAmended(ActionAmended),
    ReviewScheduled(ReviewScheduled),
    StatusRecorded(StatusRecorded),
    SourceImported(SourceImported),
    Correction(Correction),
    ActionWithdrawn(ActionWithdrawn),
    ReviewRescheduled(ReviewRescheduled),
    EvidenceAttached(EvidenceAttached),
    EvidenceRedacted(EvidenceRedacted),
    KeyRegistered(KeyRegistered),
    KeyRevoked(KeyRevoked),
    SignedOff(SignedOff),
}

/// The first entry of every ledger: what the plan is and the ledger's identity for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanCreated {
    pub title: String,
    /// The ledger's origin name, used in checkpoints and to tell ledgers apart.
    pub origin: String,
    pub scale: StatusScale,
}

/// An area for improvement, as named by the inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaAdded {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
}

/// The fields of an action that can be amended, by the name used in `action_amended`.
pub const AMENDABLE_FIELDS: &[&str] = &[
    "outcome",
    "action",
    "start",
    "end",
    "lead",
    "measures",
    "evidence_impact",
];

/// A numbered action in an area. Dates are free text, as plans write them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionAdded {
    pub id: String,
    pub area: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_impact: Option<String>,
}

impl ActionAdded {
    /// The current text of an amendable field, by its event name.
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "action" => Some(self.action.as_str()),
            "outcome" => self.outcome.as_deref(),
            "start" => self.start.as_deref(),
            "end" => self.end.as_deref(),
            "lead" => self.lead.as_deref(),
            "measures" => self.measures.as_deref(),
            "evidence_impact" => self.evidence_impact.as_deref(),
            _ => None,
        }
    }

    /// Sets an amendable field; an empty value clears an optional one.
    pub fn set_field(&mut self, name: &str, value: &str) {
        let opt = || (!value.is_empty()).then(|| value.to_string());
        match name {
            "action" => self.action = value.to_string(),
            "outcome" => self.outcome = opt(),
            "start" => self.start = opt(),
            "end" => self.end = opt(),
            "lead" => self.lead = opt(),
            "measures" => self.measures = opt(),
            "evidence_impact" => self.evidence_impact = opt(),
            _ => {}
        }
    }
}

/// New values for some fields of an action, and why they changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionAmended {
    pub id: String,
    pub changes: BTreeMap<String, String>,
    pub reason: String,
    /// The review from which the new values hold; views of earlier reviews keep the old
    /// ones. Absent: from the first review dated after the day it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// A named review point of the plan ("RAG November 20") and its date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewScheduled {
    pub label: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// The status of an action at a review (valid time), as the ledger learned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRecorded {
    pub action: String,
    pub review: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Marks the start of an import: the `entries` entries after this one came from the file.
///
/// The file's SHA-256 is how a second import of the same file is refused, and how
/// reports tell imported history from statuses recorded live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceImported {
    /// The file's name as given (data, not a path to open).
    pub file_name: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The reader used, e.g. `wsoa_table`.
    pub format: String,
    /// How many entries directly after this one the import produced.
    pub entries: u64,
    /// What the importer had to guess or skip, for the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Supersedes an earlier `status_recorded` or `action_amended` entry (or a correction of
/// one) without touching it: projections show the corrected value, history shows both.
///
/// `action` and `review` repeat what the target is about, so the fold needs no lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// Seq of the entry corrected.
    pub target: u64,
    pub action: String,
    /// Present when the target is a status: the review it was for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For an amendment: the corrected field values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub changes: BTreeMap<String, String>,
    pub reason: String,
}

impl Correction {
    /// True when this corrects a status (rather than an amendment).
    pub fn is_status(&self) -> bool {
        self.review.is_some()
    }
}

/// An action taken out of the plan from a review on; views of earlier reviews show it as
/// it was, later ones show it withdrawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionWithdrawn {
    pub id: String,
    pub reason: String,
    /// The first review it is withdrawn at. Absent (every withdrawal written before this
    /// field existed): from the first review dated after the day it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// A review moved to another date, renamed, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRescheduled {
    /// The review's label before this change.
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_label: Option<String>,
    /// The new date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub reason: String,
}

/// A file attached as evidence for an action; its bytes live in the evidence store,
/// named by `sha256`. `file_name` is data to show, never a path to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceAttached {
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub file_name: String,
    /// Bytes.
    pub size: u64,
    pub media_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Lawful erasure: the evidence file's bytes are removed; entries and chain stay intact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRedacted {
    pub sha256: String,
    pub reason: String,
}

/// A signer's Ed25519 public key, registered so their sign-offs can be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRegistered {
    /// Who holds the key, e.g. "Director of Children's Services".
    pub name: String,
    /// Lowercase hex SHA-256 of the public key bytes.
    pub key_id: String,
    /// Lowercase hex of the 32-byte Ed25519 public key.
    pub public_key: String,
    /// The role the key signs in, e.g. "SEND board chair".
    pub role: String,
}

/// A key that may no longer sign; earlier sign-offs by it stay valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevoked {
    pub key_id: String,
    pub reason: String,
}

/// A signed statement that an action's status at a review is right.
///
/// `signature` is Ed25519 over the canonical JSON of every other member of this event
/// plus the ledger's `origin` (see FORMAT.md, "Sign-offs").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedOff {
    pub action: String,
    pub review: String,
    /// The status being signed, as shown when signing.
    pub status: String,
    pub key_id: String,
    pub role: String,
    /// The ledger head the signer saw: seq and hash.
    pub head_seq: u64,
    pub head_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Lowercase hex of the 64-byte Ed25519 signature.
    pub signature: String,
    /// The event's version (its `v` member): which bytes `signature` covers. Written as
    /// [`SIGNED_OFF_VERSION`] for every new sign-off.
    #[serde(skip)]
    pub version: u64,
}

/// Why an event object could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the event is not a JSON object")]
    NotAnObject,
    #[error("the event has no integer `v` (version) member")]
    MissingVersion,
    #[error("event version {found} is not one this program understands (from 1 up to the newest it writes); upgrade readiness")]
    UnsupportedVersion { found: u64 },
    #[error("the event does not match its type: {0}")]
    Shape(String),
}

impl Event {
    /// The event's `type` name, as written in entries.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::PlanCreated(_) => "plan_created",
            Event::AreaAdded(_) => "area_added",
            Event::ActionAdded(_) => "action_added",
            Event::ActionAmended(_) => "action_amended",
            Event::ReviewScheduled(_) => "review_scheduled",
            Event::StatusRecorded(_) => "status_recorded",
            Event::SourceImported(_) => "source_imported",
            Event::Correction(_) => "correction",
            Event::ActionWithdrawn(_) => "action_withdrawn",
            Event::ReviewRescheduled(_) => "review_rescheduled",
            Event::EvidenceAttached(_) => "evidence_attached",
            Event::EvidenceRedacted(_) => "evidence_redacted",
            Event::KeyRegistered(_) => "key_registered",
            Event::KeyRevoked(_) => "key_revoked",
            Event::SignedOff(_) => "signed_off",
        }
    }

    /// The action this event touches, if any: what the per-action index and history use.
    pub fn action_id(&self) -> Option<&str> {
        match self {
            Event::ActionAdded(e) => Some(&e.id),
            Event::ActionAmended(e) => Some(&e.id),
            Event::StatusRecorded(e) => Some(&e.action),
            Event::Correction(e) => Some(&e.action),
            Event::ActionWithdrawn(e) => Some(&e.id),
            Event::EvidenceAttached(e) => Some(&e.action),
            Event::SignedOff(e) => Some(&e.action),
            _ => None,
        }
    }

    /// Every event type name, for help texts and `--event` filters.
    pub const TYPES: &'static [&'static str] = &[
        "plan_created",
        "area_added",
        "action_added",
        "action_amended",
        "review_scheduled",
        "status_recorded",
        "source_imported",
        "correction",
        "action_withdrawn",
        "review_rescheduled",
        "evidence_attached",
        "evidence_redacted",
        "key_registered",
        "key_revoked",
        "signed_off",
    ];

    /// The JSON object written into an entry, with the current version stamped in.
    pub fn to_value(&self) -> Value {
        let mut value = match serde_json::to_value(self) {
            Ok(v) => v,
            // Every event type is plain strings and maps; serde_json cannot fail on them.
            Err(e) => unreachable!("event serialisation failed: {e}"),
        };
        if let Value::Object(map) = &mut value {
            map.insert("v".into(), Value::from(self.version()));
        }
        value
    }

    /// The event's canonical JSON (RFC 8785), as it is hashed and stored.
    ///
    /// A status, most of any import, is written member by member in canonical order
    /// (`action`, `note`, `review`, `status`, `type`, `v`); every other event goes through
    /// [`Event::to_value`] and the general canonical writer. A test holds the two to the
    /// same bytes.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, crate::canonical::CanonicalError> {
        use crate::canonical::write_string;
        let Event::StatusRecorded(e) = self else {
            return crate::canonical::to_canonical_bytes(&self.to_value());
        };
        let note = e.note.as_ref().map_or(0, |n| n.len() + 10);
        let mut out =
            Vec::with_capacity(e.action.len() + e.review.len() + e.status.len() + note + 80);
        out.extend_from_slice(b"{\"action\":");
        write_string(&e.action, &mut out);
        if let Some(n) = &e.note {
            out.extend_from_slice(b",\"note\":");
            write_string(n, &mut out);
        }
        out.extend_from_slice(b",\"review\":");
        write_string(&e.review, &mut out);
        out.extend_from_slice(b",\"status\":");
        write_string(&e.status, &mut out);
        out.extend_from_slice(b",\"type\":\"status_recorded\",\"v\":");
        out.extend_from_slice(self.version().to_string().as_bytes());
        out.push(b'}');
        Ok(out)
    }

    /// The version this event is written in.
    pub fn version(&self) -> u64 {
        match self {
            Event::SignedOff(e) => e.version,
            _ => EVENT_VERSION,
        }
    }

    /// Reads an event object of any version this program knows, upgrading it in memory.
    pub fn from_value(value: Value) -> Result<Event, EventError> {
        let Value::Object(mut map) = value else {
            return Err(EventError::NotAnObject);
        };
        let version = map
            .remove("v")
            .and_then(|v| v.as_u64())
            .ok_or(EventError::MissingVersion)?;
        let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
        if version == 0 || version > latest_version(kind) {
            return Err(EventError::UnsupportedVersion { found: version });
        }
        let mut event: Event = serde_json::from_value(Value::Object(map))
            .map_err(|e| EventError::Shape(e.to_string()))?;
        if let Event::SignedOff(e) = &mut event {
            e.version = version;
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #[test]
        fn a_status_is_written_as_the_general_canonical_writer_writes_it(
            action in "\\PC{0,12}|[\\x00-\\x7f]{0,12}",
            review in "\\PC{0,12}|[\\x00-\\x1f\"\\\\]{0,6}",
            status in "\\PC{0,12}",
            note in proptest::option::of("\\PC{0,20}|[\\x00-\\x7f\u{7f}-\u{a0}\u{2028}\u{fffd}]{0,20}"),
        ) {
            let e = Event::StatusRecorded(StatusRecorded { action, review, status, note });
            let general = crate::canonical::to_canonical_bytes(&e.to_value()).unwrap();
            proptest::prop_assert_eq!(e.canonical_bytes().unwrap(), general);
        }
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_with_version() {
        let e = Event::StatusRecorded(StatusRecorded {
            action: "1.1".into(),
            review: "RAG May 20".into(),
            status: "Completed".into(),
            note: None,
        });
        let v = e.to_value();
        assert_eq!(
            v,
            json!({"type":"status_recorded","v":1,"action":"1.1","review":"RAG May 20","status":"Completed"})
        );
        assert_eq!(Event::from_value(v).unwrap(), e);
    }

    #[test]
    fn rejects_unknown_versions_fields_and_types() {
        let base = json!({"type":"area_added","id":"1","title":"T"});
        assert_eq!(
            Event::from_value(base.clone()),
            Err(EventError::MissingVersion)
        );
        let mut v2 = base.clone();
        v2["v"] = json!(2);
        assert_eq!(
            Event::from_value(v2),
            Err(EventError::UnsupportedVersion { found: 2 })
        );
        let mut extra = base.clone();
        extra["v"] = json!(1);
        extra["colour"] = json!("red");
        assert!(matches!(
            Event::from_value(extra),
            Err(EventError::Shape(_))
        ));
        let unknown = json!({"type":"area_removed","v":1,"id":"1"});
        assert!(matches!(
            Event::from_value(unknown),
            Err(EventError::Shape(_))
        ));
    }

    #[test]
    fn amendable_fields_can_all_be_set() {
        let mut a = ActionAdded::default();
        for f in AMENDABLE_FIELDS {
            a.set_field(f, "x");
            assert_eq!(a.field(f), Some("x"), "{f}");
        }
    }
}
