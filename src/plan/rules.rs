//! The rules an event must satisfy against the plan before it may be appended.
//!
//! These run on the one append path; replay never re-checks them, so a rule added later
//! cannot invalidate history that was accepted under the old rules.

use chrono::NaiveDate;

use crate::event::{Event, AMENDABLE_FIELDS};
use crate::plan::state::Plan;

/// Why an event cannot be appended to this plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the ledger has no plan yet: run `readiness init` (or `readiness import`) first")]
    NoPlan,
    #[error("the ledger already has a plan ({0:?}); a ledger holds exactly one plan")]
    PlanExists(String),
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("status scale: {0}")]
    Scale(String),
    #[error("area {0:?} already exists")]
    DuplicateArea(String),
    #[error("unknown area {id:?}; areas in this plan: {known}")]
    UnknownArea { id: String, known: String },
    #[error("action {0:?} already exists (use `readiness action amend` to change it)")]
    DuplicateAction(String),
    #[error("unknown action {id:?}; actions in this plan: {known}")]
    UnknownAction { id: String, known: String },
    #[error("a review labelled {0:?} already exists")]
    DuplicateReview(String),
    #[error("unknown review {label:?}; reviews in this plan: {known}")]
    UnknownReview { label: String, known: String },
    #[error("review date {0:?} is not a date of the form YYYY-MM-DD")]
    BadDate(String),
    #[error("status {status:?} is not in the plan's scale; use one of: {known}")]
    UnknownStatus { status: String, known: String },
    #[error("field {field:?} cannot be amended; amendable fields: {}", AMENDABLE_FIELDS.join(", "))]
    UnknownField { field: String },
    #[error("{file} (SHA-256 {sha256}) was already imported at entry {seq}; importing it again would duplicate its history")]
    AlreadyImported {
        file: String,
        sha256: String,
        seq: u64,
    },
    #[error("the amendment changes nothing: give at least one field with a new value")]
    NoChanges,
}

fn list(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.collect();
    if v.is_empty() {
        "(none yet)".into()
    } else {
        v.join(", ")
    }
}

fn non_empty(value: &str, what: &'static str) -> Result<(), RuleError> {
    if value.trim().is_empty() {
        Err(RuleError::Empty { what })
    } else {
        Ok(())
    }
}

impl Plan {
    /// Checks one event against the plan as it stands.
    pub fn check(&self, event: &Event) -> Result<(), RuleError> {
        if let Event::PlanCreated(e) = event {
            if self.is_created() {
                return Err(RuleError::PlanExists(self.title.clone()));
            }
            non_empty(&e.title, "the plan title")?;
            non_empty(&e.origin, "the origin")?;
            return e.scale.check().map_err(RuleError::Scale);
        }
        if !self.is_created() {
            return Err(RuleError::NoPlan);
        }
        match event {
            Event::PlanCreated(_) => Ok(()),
            Event::AreaAdded(e) => {
                non_empty(&e.id, "the area id")?;
                non_empty(&e.title, "the area title")?;
                if self.area(&e.id).is_some() {
                    return Err(RuleError::DuplicateArea(e.id.clone()));
                }
                Ok(())
            }
            Event::ActionAdded(e) => {
                non_empty(&e.id, "the action id")?;
                non_empty(&e.action, "the action text")?;
                if self.action(&e.id).is_some() {
                    return Err(RuleError::DuplicateAction(e.id.clone()));
                }
                self.known_area(&e.area)
            }
            Event::ActionAmended(e) => {
                self.known_action(&e.id)?;
                non_empty(&e.reason, "the reason for the amendment")?;
                if e.changes.is_empty() {
                    return Err(RuleError::NoChanges);
                }
                for (field, value) in &e.changes {
                    if !AMENDABLE_FIELDS.contains(&field.as_str()) {
                        return Err(RuleError::UnknownField {
                            field: field.clone(),
                        });
                    }
                    if field == "action" {
                        non_empty(value, "the action text")?;
                    }
                }
                Ok(())
            }
            Event::ReviewScheduled(e) => {
                non_empty(&e.label, "the review label")?;
                let valid = NaiveDate::parse_from_str(&e.date, "%Y-%m-%d")
                    .is_ok_and(|d| d.format("%Y-%m-%d").to_string() == e.date);
                if !valid {
                    return Err(RuleError::BadDate(e.date.clone()));
                }
                let taken = self
                    .reviews
                    .iter()
                    .any(|r| r.label.to_lowercase() == e.label.to_lowercase());
                if taken {
                    return Err(RuleError::DuplicateReview(e.label.clone()));
                }
                Ok(())
            }
            Event::SourceImported(e) => {
                non_empty(&e.file_name, "the imported file name")?;
                if let Some(i) = self.imports.iter().find(|i| i.sha256 == e.sha256) {
                    return Err(RuleError::AlreadyImported {
                        file: i.file_name.clone(),
                        sha256: e.sha256.clone(),
                        seq: i.seq.0,
                    });
                }
                Ok(())
            }
            Event::StatusRecorded(e) => {
                self.known_action(&e.action)?;
                if self.review(&e.review).is_none() {
                    return Err(RuleError::UnknownReview {
                        label: e.review.clone(),
                        known: list(self.reviews.iter().map(|r| format!("{:?}", r.label))),
                    });
                }
                let scale = self.scale();
                if scale.rank(&e.status).is_none() {
                    return Err(RuleError::UnknownStatus {
                        status: e.status.clone(),
                        known: list(scale.names().into_iter().map(|n| format!("{n:?}"))),
                    });
                }
                Ok(())
            }
        }
    }

    fn known_area(&self, id: &str) -> Result<(), RuleError> {
        match self.area(id) {
            Some(_) => Ok(()),
            None => Err(RuleError::UnknownArea {
                id: id.to_string(),
                known: list(self.areas.iter().map(|a| a.id.clone())),
            }),
        }
    }

    fn known_action(&self, id: &str) -> Result<(), RuleError> {
        match self.action(id) {
            Some(_) => Ok(()),
            None => Err(RuleError::UnknownAction {
                id: id.to_string(),
                known: list(self.actions.iter().map(|a| a.fields.id.clone())),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, EntryHash, Seq};
    use crate::event::*;
    use crate::scale::StatusScale;

    /// Given these events (folded without rules), when `event` is checked, then the result.
    fn given(events: Vec<Event>) -> Plan {
        let mut plan = Plan::new();
        for (i, event) in events.into_iter().enumerate() {
            let seq = Seq(i as u64 + 1);
            plan.apply(&Entry {
                seq,
                recorded_at: "2020-01-01T00:00:00.000000Z".into(),
                actor: "t".into(),
                event,
                prev: EntryHash::ZERO,
                hash: EntryHash::ZERO,
            });
        }
        plan
    }

    fn york() -> Vec<Event> {
        vec![
            Event::PlanCreated(PlanCreated {
                title: "WSoA".into(),
                origin: "york".into(),
                scale: StatusScale::york(),
            }),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "Leadership".into(),
                finding: None,
            }),
            Event::ActionAdded(ActionAdded {
                id: "1.1".into(),
                area: "1".into(),
                action: "Produce the WSoA".into(),
                ..Default::default()
            }),
            Event::ReviewScheduled(ReviewScheduled {
                label: "RAG May 20".into(),
                date: "2020-05-31".into(),
            }),
        ]
    }

    fn status(action: &str, review: &str, status: &str) -> Event {
        Event::StatusRecorded(StatusRecorded {
            action: action.into(),
            review: review.into(),
            status: status.into(),
            note: None,
        })
    }

    #[test]
    fn a_valid_status_passes_and_folds_in() {
        let plan = given(york());
        let e = status("1.1", "RAG May 20", "Completed");
        assert_eq!(plan.check(&e), Ok(()));
        let mut events = york();
        events.push(e);
        let plan = given(events);
        assert_eq!(
            plan.action("1.1").unwrap().statuses["RAG May 20"].status,
            "Completed"
        );
        assert_eq!(plan.head.unwrap().0, Seq(5));
    }

    #[test]
    fn unknown_things_are_named_with_what_exists() {
        let plan = given(york());
        let err = plan
            .check(&status("9.9", "RAG May 20", "Completed"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown action \"9.9\"; actions in this plan: 1.1"
        );
        let err = plan
            .check(&status("1.1", "RAG June 20", "Completed"))
            .unwrap_err();
        assert!(err.to_string().contains("\"RAG May 20\""), "{err}");
        let err = plan
            .check(&status("1.1", "RAG May 20", "Done"))
            .unwrap_err();
        assert!(matches!(err, RuleError::UnknownStatus { .. }));
    }

    #[test]
    fn duplicates_and_empty_values_are_refused() {
        let plan = given(york());
        let again = york();
        assert!(matches!(
            plan.check(&again[0]),
            Err(RuleError::PlanExists(_))
        ));
        assert!(matches!(
            plan.check(&again[1]),
            Err(RuleError::DuplicateArea(_))
        ));
        assert!(matches!(
            plan.check(&again[2]),
            Err(RuleError::DuplicateAction(_))
        ));
        let lower = Event::ReviewScheduled(ReviewScheduled {
            label: "rag may 20".into(),
            date: "2020-05-31".into(),
        });
        assert!(matches!(
            plan.check(&lower),
            Err(RuleError::DuplicateReview(_))
        ));
        let bad_date = Event::ReviewScheduled(ReviewScheduled {
            label: "R".into(),
            date: "2020-02-30".into(),
        });
        assert!(matches!(plan.check(&bad_date), Err(RuleError::BadDate(_))));
        assert!(matches!(
            given(vec![]).check(&again[1]),
            Err(RuleError::NoPlan)
        ));
    }

    #[test]
    fn amendments_need_known_fields_and_a_reason() {
        let plan = given(york());
        let amend = |field: &str, reason: &str| {
            Event::ActionAmended(ActionAmended {
                id: "1.1".into(),
                changes: [(field.to_string(), "new".to_string())].into(),
                reason: reason.into(),
            })
        };
        assert_eq!(plan.check(&amend("lead", "new lead")), Ok(()));
        assert!(matches!(
            plan.check(&amend("colour", "x")),
            Err(RuleError::UnknownField { .. })
        ));
        assert!(matches!(
            plan.check(&amend("lead", " ")),
            Err(RuleError::Empty { .. })
        ));
    }
}
