//! The decide step: a request for a change, named as a person types it, becomes the events
//! to append, with every rule checked. The command line and the server both go through it.

use crate::event::{
    ActionAmended, ActionWithdrawn, Event, KeyRevoked, ReviewRescheduled, ReviewScheduled,
    StatusRecorded,
};
use crate::plan::decide_trust::key_registration;
use crate::plan::effective::next_review_after;
use crate::plan::{Plan, RuleError};

/// A write the product offers, before names are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Record `status` (any case and spacing) for `action` at `review` (a label in any case,
    /// or its month).
    RecordStatus {
        action: String,
        review: String,
        status: String,
        note: Option<String>,
    },
    /// Schedule a review.
    AddReview { label: String, date: String },
    /// Change fields of an action from review `from` (default: the first after `today`).
    Amend {
        id: String,
        changes: std::collections::BTreeMap<String, String>,
        reason: String,
        from: Option<String>,
        today: String,
    },
    /// Withdraw an action from review `from` (default: the first after `today`).
    Withdraw {
        id: String,
        reason: String,
        from: Option<String>,
        today: String,
    },
    /// Supersede the value entry `target` set (the caller reads the entry from the log).
    Correct {
        target: Box<crate::entry::Entry>,
        status: Option<String>,
        note: Option<String>,
        changes: std::collections::BTreeMap<String, String>,
        reason: String,
    },
    /// Add an action to an area.
    AddAction(crate::event::ActionAdded),
    /// Add an area for improvement.
    AddArea {
        id: String,
        title: String,
        finding: Option<String>,
    },
    /// Move a review to another date (any form a person types a day in), rename it, or both.
    RescheduleReview {
        label: String,
        new_label: Option<String>,
        date: Option<String>,
        reason: String,
    },
    /// Register the Ed25519 public key `public` (64 hex digits, or the text of the `.pub`
    /// file `readiness key new` writes) for `name` signing in `role`.
    RegisterKey {
        name: String,
        public: String,
        role: String,
    },
    /// Revoke a key, named by its id or a short form of it.
    RevokeKey { key_id: String, reason: String },
    /// Redact an evidence file, named by its SHA-256 or a short form of it: the front end
    /// removes the bytes once the entry is appended.
    RedactEvidence { sha256: String, reason: String },
}

/// Why a command was refused: by what it is, or by a rule of the plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// Why a command cannot become events whatever the plan holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("entry {seq} is {kind}; only status_recorded, action_amended and evidence_attached entries, and corrections of statuses and amendments, can be corrected")]
    NotCorrectable { seq: u64, kind: String },
    #[error(
        "evidence {sha256} was already redacted at entry {seq} ({})",
        crate::names::escape_name(reason)
    )]
    AlreadyRedacted {
        sha256: String,
        seq: u64,
        reason: String,
    },
}

/// A day in any form a person types one (31/12/2020, 31 December 2020) as stored; the rules
/// name a date that is none.
fn typed_day(date: String) -> String {
    crate::dates::parse_day(&date)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or(date)
}

/// "an area_added", "a plan_created": event names read as nouns in messages.
fn with_article(name: &str) -> String {
    let vowel = name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {name}", if vowel { "an" } else { "a" })
}

/// A name in a command that matches nothing, or several things, in the plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error(transparent)]
    Action(#[from] crate::names::ActionIdError),
    #[error(transparent)]
    Review(#[from] crate::asof::AsOfError),
    #[error(transparent)]
    Hex(#[from] crate::plan::short_hex::ShortHexError),
}

impl Command {
    /// The id of the existing action the command names (status, amend, withdraw), for a
    /// front end to resolve to the stored id.
    pub fn existing_action_mut(&mut self) -> Option<&mut String> {
        match self {
            Command::RecordStatus { action, .. } => Some(action),
            Command::Amend { id, .. } | Command::Withdraw { id, .. } => Some(id),
            Command::AddReview { .. }
            | Command::Correct { .. }
            | Command::AddAction(_)
            | Command::AddArea { .. }
            | Command::RescheduleReview { .. }
            | Command::RegisterKey { .. }
            | Command::RevokeKey { .. }
            | Command::RedactEvidence { .. } => None,
        }
    }
}

impl Plan {
    /// `command` with its action id as stored and its reviews as labelled, resolved against
    /// this whole plan (actions loaded): unknown names come back with the nearest matches.
    pub fn resolve_names(&self, mut command: Command) -> Result<Command, NameError> {
        let ids = || self.actions.iter().map(|a| a.fields.id.as_str());
        if let Some(id) = command.existing_action_mut() {
            *id = crate::names::action_id(id, ids())?;
        }
        let review = |typed: &mut String| -> Result<(), NameError> {
            *typed = crate::asof::review_label(typed, &self.reviews)?;
            Ok(())
        };
        match &mut command {
            Command::RecordStatus { review: r, .. } => review(r)?,
            Command::Amend { from: Some(f), .. } | Command::Withdraw { from: Some(f), .. } => {
                review(f)?
            }
            Command::RescheduleReview { label, .. } => review(label)?,
            Command::RevokeKey { key_id, .. } => {
                *key_id = crate::plan::short_hex::resolve(
                    key_id,
                    self.keys.keys().map(String::as_str),
                    "key id",
                    "readiness key list",
                )?;
            }
            Command::RedactEvidence { sha256, .. } => {
                *sha256 = crate::plan::short_hex::resolve(
                    sha256,
                    self.evidence.keys().map(String::as_str),
                    "evidence SHA-256",
                    "readiness evidence list",
                )?;
            }
            _ => {}
        }
        Ok(command)
    }

    /// The events `command` appends to this plan, or the rule it breaks.
    pub fn decide(&self, command: &Command) -> Result<Vec<Event>, DecideError> {
        let events = self.decide_names(command)?;
        let mut next = self.clone();
        for (i, event) in events.iter().enumerate() {
            next.check(event)?;
            if i + 1 < events.len() {
                next.apply(&crate::entry::Entry {
                    seq: crate::entry::Seq(next.len() + 1),
                    recorded_at: String::new(),
                    actor: String::new(),
                    event: event.clone(),
                    prev: crate::entry::EntryHash::ZERO,
                    hash: crate::entry::EntryHash::ZERO,
                });
            }
        }
        Ok(events)
    }

    /// The events of `command` with names resolved, rules not yet checked: for a writer
    /// that holds only the plan's header (reviews and scale) and lets the append check them.
    pub fn decide_names(&self, command: &Command) -> Result<Vec<Event>, CommandError> {
        let event = match command.clone() {
            Command::RecordStatus {
                action,
                review,
                status,
                note,
            } => Event::StatusRecorded(StatusRecorded {
                action,
                review: crate::asof::review_label(&review, &self.reviews).unwrap_or(review),
                status: self
                    .scale_ref()
                    .resolve(&status)
                    .map_or(status, |s| s.name.clone()),
                note,
            }),
            Command::AddReview { label, date } => Event::ReviewScheduled(ReviewScheduled {
                label,
                date: typed_day(date),
            }),
            Command::Amend {
                id,
                changes,
                reason,
                from,
                today,
            } => Event::ActionAmended(ActionAmended {
                id,
                changes,
                reason,
                from: self.holds_from(from.as_deref(), &today),
            }),
            Command::Withdraw {
                id,
                reason,
                from,
                today,
            } => Event::ActionWithdrawn(ActionWithdrawn {
                id,
                reason,
                from: self.holds_from(from.as_deref(), &today),
            }),
            Command::Correct {
                target,
                status,
                note,
                changes,
                reason,
            } => self.correction(&target, status, note, changes, reason)?,
            Command::AddAction(a) => Event::ActionAdded(a),
            Command::AddArea { id, title, finding } => {
                Event::AreaAdded(crate::event::AreaAdded { id, title, finding })
            }
            Command::RescheduleReview {
                label,
                new_label,
                date,
                reason,
            } => Event::ReviewRescheduled(ReviewRescheduled {
                label: crate::asof::review_label(&label, &self.reviews).unwrap_or(label),
                new_label,
                date: date.map(typed_day),
                reason,
            }),
            Command::RegisterKey { name, public, role } => key_registration(&name, &public, &role),
            Command::RevokeKey { key_id, reason } => {
                Event::KeyRevoked(KeyRevoked { key_id, reason })
            }
            Command::RedactEvidence { sha256, reason } => self.redaction(sha256, reason)?,
        };
        Ok(vec![event])
    }

    /// The correction of entry `target`: it names the action and review the target is about;
    /// a review renamed since is named by its current label.
    fn correction(
        &self,
        target: &crate::entry::Entry,
        status: Option<String>,
        note: Option<String>,
        changes: std::collections::BTreeMap<String, String>,
        reason: String,
    ) -> Result<Event, CommandError> {
        let seq = target.seq.0;
        let (action, review) = match &target.event {
            Event::StatusRecorded(e) => (e.action.clone(), Some(e.review.clone())),
            Event::ActionAmended(e) => (e.id.clone(), None),
            Event::Correction(e) => (e.action.clone(), e.review.clone()),
            Event::EvidenceAttached(e) => (e.action.clone(), None),
            other => {
                return Err(CommandError::NotCorrectable {
                    seq,
                    kind: with_article(other.type_name()),
                })
            }
        };
        // The review whose status the target currently sets, else the one holding or once
        // holding the label.
        let review = review.map(|label| {
            let set_by_target = self.action(&action).and_then(|a| {
                a.statuses
                    .iter()
                    .find(|(_, r)| r.source.0 == seq)
                    .map(|(l, _)| l.to_string())
            });
            let named = |r: &&crate::plan::Review| r.label == label;
            let once_named = |r: &&crate::plan::Review| r.former_labels.contains(&label);
            set_by_target
                .or_else(|| self.reviews.iter().find(named).map(|r| r.label.clone()))
                .or_else(|| {
                    self.reviews
                        .iter()
                        .find(once_named)
                        .map(|r| r.label.clone())
                })
                .unwrap_or(label)
        });
        let scale = self.scale_ref();
        let status = status.map(|s| scale.resolve(&s).map_or(s, |st| st.name.clone()));
        Ok(Event::Correction(crate::event::Correction {
            target: seq,
            action,
            review,
            status,
            note,
            changes,
            reason,
        }))
    }

    /// The review a change holds from: the one named, or the first after `today`; `None`
    /// when none after today is scheduled (FORMAT.md: then from the first review dated
    /// after the day it was recorded).
    fn holds_from(&self, given: Option<&str>, today: &str) -> Option<String> {
        match given {
            Some(g) => {
                Some(crate::asof::review_label(g, &self.reviews).unwrap_or_else(|_| g.to_string()))
            }
            None => next_review_after(self, today).map(|r| r.label.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_events::{plan_from, small_plan};

    #[test]
    fn names_are_resolved_and_rules_checked() {
        let plan = plan_from(&small_plan());
        let events = plan
            .decide(&Command::RecordStatus {
                action: "1.1".into(),
                review: "r1".into(),
                status: "completed".into(),
                note: None,
            })
            .unwrap();
        let Event::StatusRecorded(e) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!((e.review.as_str(), e.status.as_str()), ("R1", "Completed"));
        let refused = plan.decide(&Command::RecordStatus {
            action: "1.1".into(),
            review: "R9".into(),
            status: "Completed".into(),
            note: None,
        });
        assert!(matches!(
            refused,
            Err(DecideError::Rule(RuleError::UnknownReview { .. }))
        ));
    }

    #[test]
    fn a_review_date_is_read_in_any_form_a_person_types() {
        let plan = plan_from(&small_plan());
        let events = plan
            .decide(&Command::AddReview {
                label: "R3".into(),
                date: "30/11/2020".into(),
            })
            .unwrap();
        let Event::ReviewScheduled(e) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(e.date, "2020-11-30");
        let bad = plan.decide(&Command::AddReview {
            label: "R4".into(),
            date: "31/02/2021".into(),
        });
        assert!(
            matches!(bad, Err(DecideError::Rule(RuleError::BadDate(_)))),
            "{bad:?}"
        );
    }

    #[test]
    fn a_withdrawal_defaults_to_the_first_review_after_today() {
        let plan = plan_from(&small_plan());
        let withdraw = |today: &str| {
            let events = plan
                .decide(&Command::Withdraw {
                    id: "1.1".into(),
                    reason: "merged".into(),
                    from: None,
                    today: today.into(),
                })
                .unwrap();
            match &events[0] {
                Event::ActionWithdrawn(e) => e.from.clone(),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(withdraw("2020-06-15").as_deref(), Some("R2"));
        assert_eq!(withdraw("2020-08-31"), None);
    }

    #[test]
    fn a_reschedule_names_the_review_as_typed_and_a_day_in_any_form() {
        let plan = plan_from(&small_plan());
        let command = plan
            .resolve_names(Command::RescheduleReview {
                label: "r1".into(),
                new_label: Some("R1 moved".into()),
                date: Some("7 June 2020".into()),
                reason: "board moved".into(),
            })
            .unwrap();
        let events = plan.decide(&command).unwrap();
        assert_eq!(
            events,
            vec![Event::ReviewRescheduled(ReviewRescheduled {
                label: "R1".into(),
                new_label: Some("R1 moved".into()),
                date: Some("2020-06-07".into()),
                reason: "board moved".into(),
            })]
        );
        let unknown = plan.resolve_names(Command::RescheduleReview {
            label: "R9".into(),
            new_label: None,
            date: Some("2020-06-07".into()),
            reason: "x".into(),
        });
        assert!(matches!(unknown, Err(NameError::Review(_))), "{unknown:?}");
        let nothing = plan.decide(&Command::RescheduleReview {
            label: "R1".into(),
            new_label: None,
            date: None,
            reason: "x".into(),
        });
        assert!(
            matches!(nothing, Err(DecideError::Rule(RuleError::EmptyReschedule))),
            "{nothing:?}"
        );
        let taken = plan.decide(&Command::RescheduleReview {
            label: "R1".into(),
            new_label: Some("r2".into()),
            date: None,
            reason: "x".into(),
        });
        assert!(
            matches!(taken, Err(DecideError::Rule(RuleError::DuplicateReview(_)))),
            "{taken:?}"
        );
    }
}
