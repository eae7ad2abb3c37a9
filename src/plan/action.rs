//! One action of the plan: its fields, its statuses, and what happened to it after it was
//! added (amendments, withdrawal, evidence, sign-offs).
//!
//! Nearly every action of a large plan is only ever added and given statuses, so what
//! happens later is kept behind one pointer: an action is 256 bytes, not 456, and a view of
//! ten thousand actions touches 2 MB less fresh memory. Its JSON is the same as when every
//! member was the action's own.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::entry::Seq;
use crate::event::ActionAdded;

use super::statuses::Statuses;
use super::trust_records::{EvidenceRef, SignOff};

/// When and why an action was withdrawn, and the review it holds from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub seq: Seq,
    pub reason: String,
    pub recorded_at: String,
    pub actor: String,
    /// The first review it applies at (its label now); `None`: see [`super::effective`].
    pub from: Option<String>,
}

/// An amendment as it reads now (corrections applied), and the review it holds from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub seq: Seq,
    pub from: Option<String>,
    pub recorded_at: String,
    pub changes: BTreeMap<String, String>,
}

/// What an action gained after it was added. Empty for an action only added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Later {
    /// The fields as added, kept once the action is amended: views of reviews before an
    /// amendment holds show these.
    pub original: Option<ActionAdded>,
    /// Amendments in ledger order.
    pub amendments: Vec<Amendment>,
    /// For each amended field, the entry that last set it (amendment or correction).
    pub field_source: BTreeMap<String, Seq>,
    /// Set once the action is withdrawn from the plan.
    pub withdrawn: Option<Withdrawal>,
    /// Evidence attached to it, oldest first.
    pub evidence: Vec<EvidenceRef>,
    /// Sign-offs of its statuses, oldest first.
    pub signoffs: Vec<SignOff>,
}

/// What [`Action::later`] lends for an action with nothing later.
static NOTHING_LATER: Later = Later {
    original: None,
    amendments: Vec::new(),
    field_source: BTreeMap::new(),
    withdrawn: None,
    evidence: Vec::new(),
    signoffs: Vec::new(),
};

impl Later {
    pub fn is_empty(&self) -> bool {
        *self == NOTHING_LATER
    }
}

/// An action: its current fields and its status at each review (latest record wins).
#[derive(Debug, Clone)]
pub struct Action {
    pub fields: ActionAdded,
    pub added: Seq,
    /// Keyed by review label (interned).
    pub statuses: Statuses,
    /// `None` while nothing has happened to it since it was added.
    pub(super) later: Option<Box<Later>>,
}

impl Action {
    /// An action as its `action_added` entry (`seq`) makes it: nothing amended, withdrawn,
    /// recorded or attached yet.
    pub fn from_added(fields: ActionAdded, seq: Seq) -> Action {
        Action {
            fields,
            added: seq,
            statuses: Statuses::default(),
            later: None,
        }
    }

    /// True when it holds nothing but its fields, the seq that added them and its statuses.
    /// Every member is named, so a member added to [`Action`] must be considered here.
    pub fn only_added(&self) -> bool {
        let Action {
            fields: _,
            added: _,
            statuses: _,
            later,
        } = self;
        later.as_deref().is_none_or(Later::is_empty)
    }

    /// What happened to it since it was added (empty when nothing did).
    pub fn later(&self) -> &Later {
        self.later.as_deref().unwrap_or(&NOTHING_LATER)
    }

    /// [`Action::later`] to change: made on first use.
    pub fn later_mut(&mut self) -> &mut Later {
        self.later.get_or_insert_with(Box::default)
    }

    pub fn original(&self) -> Option<&ActionAdded> {
        self.later().original.as_ref()
    }

    pub fn amendments(&self) -> &[Amendment] {
        &self.later().amendments
    }

    pub fn field_source(&self) -> &BTreeMap<String, Seq> {
        &self.later().field_source
    }

    pub fn withdrawn(&self) -> Option<&Withdrawal> {
        self.later().withdrawn.as_ref()
    }

    pub fn evidence(&self) -> &[EvidenceRef] {
        &self.later().evidence
    }

    pub fn signoffs(&self) -> &[SignOff] {
        &self.later().signoffs
    }
}

/// Two actions are equal by content: an empty [`Later`] is the same as none.
impl PartialEq for Action {
    fn eq(&self, other: &Action) -> bool {
        self.fields == other.fields
            && self.added == other.added
            && self.statuses == other.statuses
            && self.later() == other.later()
    }
}

impl Eq for Action {}

/// The JSON of an action, borrowed: every member at the top level, as it always was.
#[derive(Serialize)]
struct ActionOut<'a> {
    fields: &'a ActionAdded,
    added: Seq,
    original: &'a Option<ActionAdded>,
    amendments: &'a [Amendment],
    field_source: &'a BTreeMap<String, Seq>,
    withdrawn: &'a Option<Withdrawal>,
    statuses: &'a Statuses,
    evidence: &'a [EvidenceRef],
    signoffs: &'a [SignOff],
}

/// The JSON of an action, read.
#[derive(Deserialize)]
struct ActionIn {
    fields: ActionAdded,
    added: Seq,
    original: Option<ActionAdded>,
    amendments: Vec<Amendment>,
    field_source: BTreeMap<String, Seq>,
    withdrawn: Option<Withdrawal>,
    statuses: Statuses,
    evidence: Vec<EvidenceRef>,
    signoffs: Vec<SignOff>,
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let later = self.later();
        ActionOut {
            fields: &self.fields,
            added: self.added,
            original: &later.original,
            amendments: &later.amendments,
            field_source: &later.field_source,
            withdrawn: &later.withdrawn,
            statuses: &self.statuses,
            evidence: &later.evidence,
            signoffs: &later.signoffs,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Action, D::Error> {
        let a = ActionIn::deserialize(d)?;
        let later = Later {
            original: a.original,
            amendments: a.amendments,
            field_source: a.field_source,
            withdrawn: a.withdrawn,
            evidence: a.evidence,
            signoffs: a.signoffs,
        };
        Ok(Action {
            fields: a.fields,
            added: a.added,
            statuses: a.statuses,
            later: (!later.is_empty()).then(|| Box::new(later)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(id: &str) -> Action {
        let fields = ActionAdded {
            id: id.into(),
            area: "1".into(),
            action: format!("Action {id}"),
            outcome: None,
            start: None,
            end: None,
            lead: Some("CYC".into()),
            measures: None,
            evidence_impact: None,
        };
        Action::from_added(fields, Seq(3))
    }

    #[test]
    fn an_action_only_added_keeps_nothing_later() {
        let a = added("1.1");
        assert!(a.later.is_none());
        assert!(a.later().is_empty());
        assert!(
            std::mem::size_of::<Action>() <= 256,
            "{}",
            std::mem::size_of::<Action>()
        );
    }

    #[test]
    fn json_has_every_member_at_the_top_and_reads_back() {
        let plain = added("1.1");
        let json = serde_json::to_value(&plain).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        let members = [
            "added",
            "amendments",
            "evidence",
            "field_source",
            "fields",
            "original",
            "signoffs",
            "statuses",
            "withdrawn",
        ];
        assert_eq!(keys, members);
        let back: Action = serde_json::from_value(json).unwrap();
        assert!(back.later.is_none(), "an empty later is read as none");
        assert_eq!(back, plain);

        let mut withdrawn = added("1.2");
        withdrawn.later_mut().withdrawn = Some(Withdrawal {
            seq: Seq(9),
            reason: "merged".into(),
            recorded_at: "2026-01-01T00:00:00Z".into(),
            actor: "cyc".into(),
            from: None,
        });
        let json = serde_json::to_string(&withdrawn).unwrap();
        assert!(json.contains("\"withdrawn\":{\"seq\":9"), "{json}");
        let back: Action = serde_json::from_str(&json).unwrap();
        assert_eq!(back, withdrawn);
        assert_eq!(back.withdrawn().unwrap().reason, "merged");
        assert_ne!(back, added("1.2"));
    }

    #[test]
    fn an_empty_later_equals_none() {
        let mut touched = added("1.1");
        touched.later_mut();
        assert_eq!(touched, added("1.1"));
    }
}
