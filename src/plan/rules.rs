//! The rules an event must satisfy against the plan before it may be appended.
//!
//! These run on the one append path; replay never re-checks them, so a rule added later
//! cannot invalidate history that was accepted under the old rules.

use chrono::NaiveDate;

use crate::event::{Event, AMENDABLE_FIELDS};
use crate::plan::effective::{applies_at, describe_from};
use crate::plan::state::Plan;

/// Why an event cannot be appended to this plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("the ledger has no plan yet: run `readiness init` (or `readiness import`) first")]
    NoPlan,
    #[error("the ledger already has a plan ({0:?}); a ledger holds exactly one plan: for another plan, use a new directory (`readiness init --ledger DIR ...`)")]
    PlanExists(String),
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    #[error("status scale: {0}")]
    Scale(String),
    #[error("area {0:?} already exists; `readiness plan` lists the areas: give the new one another number")]
    DuplicateArea(String),
    #[error("unknown area {id:?}; areas in this plan: {known}")]
    UnknownArea { id: String, known: String },
    #[error("action {0:?} already exists (use `readiness action amend` to change it)")]
    DuplicateAction(String),
    #[error("action {id:?} differs only in case from action {existing:?}, added at entry {seq}; ids are matched ignoring case, so give the new action another id")]
    IdCase {
        id: String,
        existing: String,
        seq: u64,
    },
    #[error("unknown action {id:?}; actions in this plan: {known}")]
    UnknownAction { id: String, known: String },
    #[error("a review labelled {0:?} already exists; to move its date or rename it: readiness review reschedule {0:?} --date YYYY-MM-DD --reason WHY")]
    DuplicateReview(String),
    #[error("unknown review {label:?}; reviews in this plan: {known} (to add one: readiness review add {label:?} --date YYYY-MM-DD)")]
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
    #[error("action {id:?} was withdrawn at entry {seq}, {from}; {refused}")]
    Withdrawn {
        id: String,
        seq: u64,
        /// When it holds from ("from RAG May 21").
        from: String,
        /// What it no longer takes.
        refused: &'static str,
    },
    #[error("action {id:?} is already withdrawn (entry {seq}, {from}); to change that, correct entry {seq}")]
    AlreadyWithdrawn { id: String, seq: u64, from: String },
    #[error("action {action:?} has no status at review {review:?} to correct; to record one: readiness status {action:?} STATUS --review {review:?}")]
    NothingToCorrect { action: String, review: String },
    #[error("entry {target} no longer sets what is shown for {what}: entry {current} does; correct entry {current} instead")]
    NotCurrent {
        target: u64,
        what: String,
        current: u64,
    },
    #[error("entry {target} did not set field {field} of {action}, so it cannot correct it; amend the action instead")]
    NotSetBy {
        target: u64,
        field: String,
        action: String,
    },
    #[error("a correction must give something to change: {0}")]
    EmptyCorrection(&'static str),
    #[error("the reschedule changes nothing: give a new label, a new date, or both")]
    EmptyReschedule,
    #[error("{0}")]
    Evidence(String),
    #[error("{0}")]
    Key(String),
    #[error("sign-off refused: {0}")]
    SignOff(String),
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

/// A real calendar date written exactly `YYYY-MM-DD`.
fn valid_date(s: &str) -> bool {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok_and(|d| d.format("%Y-%m-%d").to_string() == s)
}

fn non_empty(value: &str, what: &'static str) -> Result<(), RuleError> {
    if value.trim().is_empty() {
        Err(RuleError::Empty { what })
    } else {
        Ok(())
    }
}

/// The rule that a new action's id differs from every other by more than case, kept apart
/// from [`Plan::check`] because ledgers written before it may hold such pairs and must
/// still verify: the append path runs it (through [`IdCase::check`]), `verify` does not.
///
/// It keeps the plan's ids folded in a map, built on the first `action_added` of a batch,
/// so a batch adding many actions costs one pass over the plan, not one per action.
#[derive(Debug, Default)]
pub struct IdCase {
    folded: Option<std::collections::HashMap<String, (String, u64)>>,
}

impl IdCase {
    /// Checks `event` against `plan` (the plan before it) and the batch's earlier events.
    pub fn check(&mut self, plan: &Plan, event: &Event) -> Result<(), RuleError> {
        let Event::ActionAdded(e) = event else {
            return Ok(());
        };
        let folded = self.folded.get_or_insert_with(|| {
            plan.actions
                .iter()
                .map(|a| (fold_id(&a.fields.id), (a.fields.id.clone(), a.added.0)))
                .collect()
        });
        let key = fold_id(&e.id);
        match folded.get(&key) {
            Some((existing, seq)) if *existing != e.id => Err(RuleError::IdCase {
                id: e.id.clone(),
                existing: existing.clone(),
                seq: *seq,
            }),
            Some(_) => Ok(()),
            None => {
                let next = plan.head.map_or(1, |(s, _)| s.0 + 1);
                folded.insert(key, (e.id.clone(), next));
                Ok(())
            }
        }
    }
}

/// An action id as matched: case and surrounding spaces ignored.
fn fold_id(id: &str) -> String {
    crate::names::fold(id)
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
                self.open_action(&e.id, None)?;
                self.known_from(e.from.as_deref())?;
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
                if !valid_date(&e.date) {
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
            Event::Correction(e) => self.check_correction(e),
            Event::ActionWithdrawn(e) => {
                self.known_action(&e.id)?;
                if let Some(w) = self.action(&e.id).and_then(|a| a.withdrawn()) {
                    return Err(RuleError::AlreadyWithdrawn {
                        id: e.id.clone(),
                        seq: w.seq.0,
                        from: describe_from(w.from.as_deref(), &w.recorded_at),
                    });
                }
                self.known_from(e.from.as_deref())?;
                non_empty(&e.reason, "the reason for withdrawing")
            }
            Event::ReviewRescheduled(e) => self.check_reschedule(e),
            Event::EvidenceAttached(_)
            | Event::EvidenceRedacted(_)
            | Event::KeyRegistered(_)
            | Event::KeyRevoked(_)
            | Event::SignedOff(_) => self.check_trust(event),
            Event::StatusRecorded(e) => self.check_status_in_plan(&e.action, &e.review, &e.status),
        }
    }

    /// [`Plan::check`] for a `status_recorded` event, from borrowed strings: `verify` checks
    /// most entries this way without building the event.
    pub fn check_status(&self, action: &str, review: &str, status: &str) -> Result<(), RuleError> {
        if !self.is_created() {
            return Err(RuleError::NoPlan);
        }
        self.check_status_in_plan(action, review, status)
    }

    fn check_status_in_plan(
        &self,
        action: &str,
        review: &str,
        status: &str,
    ) -> Result<(), RuleError> {
        // One lookup of the action for the usual case, an open one (verify checks every
        // status); a withdrawn one takes the general path, which words the refusal.
        let Some(found) = self.action(action) else {
            return self.known_action(action);
        };
        if self.review(review).is_none() {
            return Err(RuleError::UnknownReview {
                label: review.to_string(),
                known: list(self.reviews.iter().map(|r| format!("{:?}", r.label))),
            });
        }
        if found.withdrawn().is_some() {
            self.open_action(action, Some(review))?;
        }
        let scale = self.scale_ref();
        if scale.rank(status).is_none() {
            return Err(RuleError::UnknownStatus {
                status: status.to_string(),
                known: list(scale.names().into_iter().map(|n| format!("{n:?}"))),
            });
        }
        Ok(())
    }

    /// The review a change holds from, when it names one, must exist.
    fn known_from(&self, from: Option<&str>) -> Result<(), RuleError> {
        match from {
            Some(label) if self.review(label).is_none() => Err(RuleError::UnknownReview {
                label: label.to_string(),
                known: list(self.reviews.iter().map(|r| format!("{:?}", r.label))),
            }),
            _ => Ok(()),
        }
    }

    /// An action that exists and is not withdrawn at the review `at` (an existing label), or
    /// for `None` (an amendment, undated evidence), has no withdrawal recorded at all.
    pub(crate) fn open_action(&self, id: &str, at: Option<&str>) -> Result<(), RuleError> {
        self.known_action(id)?;
        let Some(w) = self.action(id).and_then(|a| a.withdrawn()) else {
            return Ok(());
        };
        let (closed, refused) = match at.and_then(|l| self.review(l)) {
            Some(r) => (
                applies_at(self, w.from.as_deref(), &w.recorded_at, r),
                "it takes nothing for that review or later",
            ),
            None => (true, "it takes no amendments or undated evidence"),
        };
        if !closed {
            return Ok(());
        }
        Err(RuleError::Withdrawn {
            id: id.to_string(),
            seq: w.seq.0,
            from: describe_from(w.from.as_deref(), &w.recorded_at),
            refused,
        })
    }

    fn check_correction(&self, e: &crate::event::Correction) -> Result<(), RuleError> {
        self.known_action(&e.action)?;
        non_empty(&e.reason, "the reason for the correction")?;
        let Some(action) = self.action(&e.action) else {
            return Ok(());
        };
        match &e.review {
            Some(review) => {
                if !e.changes.is_empty() {
                    return Err(RuleError::EmptyCorrection(
                        "a status correction takes --status or --note, not field values",
                    ));
                }
                if e.status.is_none() && e.note.is_none() {
                    return Err(RuleError::EmptyCorrection("give --status, --note or both"));
                }
                let Some(record) = self.shown_status(&e.action, review) else {
                    return Err(RuleError::NothingToCorrect {
                        action: e.action.clone(),
                        review: review.clone(),
                    });
                };
                if record.source.0 != e.target {
                    return Err(RuleError::NotCurrent {
                        target: e.target,
                        what: format!("{} at {review}", e.action),
                        current: record.source.0,
                    });
                }
                if let Some(status) = &e.status {
                    let scale = self.scale_ref();
                    if scale.rank(status).is_none() {
                        return Err(RuleError::UnknownStatus {
                            status: status.clone(),
                            known: list(scale.names().into_iter().map(|n| format!("{n:?}"))),
                        });
                    }
                }
                Ok(())
            }
            None if e.changes.is_empty()
                && action.evidence().iter().any(|r| r.seq.0 == e.target) =>
            {
                // Superseding an attachment: the file and its entry stay; views stop counting it.
                if e.status.is_some() {
                    return Err(RuleError::EmptyCorrection(
                        "an evidence correction supersedes the attachment; it takes --reason (and --note), not --status",
                    ));
                }
                match action
                    .evidence()
                    .iter()
                    .find(|r| r.seq.0 == e.target)
                    .and_then(|r| r.superseded_by)
                {
                    Some(by) => Err(RuleError::NotCurrent {
                        target: e.target,
                        what: format!("the evidence attached to {}", e.action),
                        current: by.0,
                    }),
                    None => Ok(()),
                }
            }
            None => {
                if e.status.is_some() || e.note.is_some() {
                    return Err(RuleError::EmptyCorrection(
                        "an amendment correction takes field values, not --status or --note",
                    ));
                }
                if e.changes.is_empty() {
                    return Err(RuleError::EmptyCorrection(
                        "give at least one field with its corrected value",
                    ));
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
                    let Some(current) = action.field_source().get(field).map(|s| s.0) else {
                        return Err(RuleError::NotSetBy {
                            target: e.target,
                            field: field.clone(),
                            action: e.action.clone(),
                        });
                    };
                    if current != e.target {
                        return Err(RuleError::NotCurrent {
                            target: e.target,
                            what: format!("field {field} of {}", e.action),
                            current,
                        });
                    }
                }
                Ok(())
            }
        }
    }

    fn check_reschedule(&self, e: &crate::event::ReviewRescheduled) -> Result<(), RuleError> {
        non_empty(&e.reason, "the reason for rescheduling")?;
        if self.review(&e.label).is_none() {
            return Err(RuleError::UnknownReview {
                label: e.label.clone(),
                known: list(self.reviews.iter().map(|r| format!("{:?}", r.label))),
            });
        }
        if e.new_label.is_none() && e.date.is_none() {
            return Err(RuleError::EmptyReschedule);
        }
        if let Some(date) = &e.date {
            if !valid_date(date) {
                return Err(RuleError::BadDate(date.clone()));
            }
        }
        if let Some(new) = &e.new_label {
            non_empty(new, "the new review label")?;
            let taken = self
                .reviews
                .iter()
                .any(|r| r.label != e.label && r.label.to_lowercase() == new.to_lowercase());
            if taken {
                return Err(RuleError::DuplicateReview(new.clone()));
            }
        }
        Ok(())
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

    /// The plan `events` fold to, starting from `plan` (a whole plan or one for the rules).
    fn folded(mut plan: Plan, events: &[Event]) -> Plan {
        for (i, event) in events.iter().enumerate() {
            plan.apply(&Entry {
                seq: Seq(i as u64 + 1),
                recorded_at: "2020-01-01T00:00:00.000000Z".into(),
                actor: "t".into(),
                event: event.clone(),
                prev: EntryHash::ZERO,
                hash: EntryHash::ZERO,
            });
        }
        plan
    }

    #[test]
    fn a_plan_kept_for_the_rules_refuses_and_accepts_what_the_whole_plan_does() {
        use crate::test_events::review;
        let correct = |target: u64, review: &str, status: Option<&str>| {
            Event::Correction(Correction {
                target,
                action: "1.1".into(),
                review: Some(review.into()),
                status: status.map(Into::into),
                note: Some("n".into()),
                changes: Default::default(),
                reason: "typo".into(),
            })
        };
        let sign = |review: &str, status: &str| {
            Event::SignedOff(SignedOff {
                action: "1.1".into(),
                review: review.into(),
                status: status.into(),
                key_id: "k".into(),
                role: "chair".into(),
                head_seq: 1,
                head_hash: "00".into(),
                statement: None,
                signature: "ab".into(),
                version: 2,
            })
        };
        let mut events = york();
        events.push(review("RAG August 20", "2020-08-31")); // 5
        events.push(status("1.1", "RAG May 20", "Completed")); // 6
        events.push(status("1.1", "RAG August 20", "Embedded")); // 7
        events.push(status("1.1", "RAG May 20", "Not started")); // 8: replaces 6
        events.push(correct(8, "RAG May 20", Some("Embedded"))); // 9
        events.push(correct(7, "RAG August 20", None)); // 10: the note only
        events.push(Event::ReviewRescheduled(ReviewRescheduled {
            label: "RAG May 20".into(),
            new_label: Some("RAG June 20".into()),
            date: None,
            reason: "moved".into(),
        })); // 11
        let whole = folded(Plan::new(), &events);
        let rules = folded(Plan::for_rules(), &events);
        assert!(
            rules.actions[0].statuses.is_empty(),
            "the statuses are the rules' alone"
        );
        let mut candidates = Vec::new();
        for review in ["RAG May 20", "RAG June 20", "RAG August 20", "RAG Nowhere"] {
            for target in 5..=12 {
                candidates.push(correct(target, review, Some("Completed")));
                candidates.push(correct(target, review, None));
            }
            for status in ["Completed", "Embedded", "Not started"] {
                candidates.push(sign(review, status));
            }
        }
        let mut accepted = 0;
        for event in &candidates {
            let result = whole.check(event);
            accepted += usize::from(result.is_ok());
            assert_eq!(rules.check(event), result, "{event:?}");
        }
        // Only the corrections naming what is shown pass (9 at June, 10 at August, each with
        // and without a status); the sign-offs fail later, at their key, in both.
        assert_eq!(accepted, 4);
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
            plan.action("1.1").unwrap().statuses["RAG May 20"]
                .status
                .as_ref(),
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

    fn add(id: &str) -> Event {
        Event::ActionAdded(ActionAdded {
            id: id.into(),
            area: "1".into(),
            action: "Do it".into(),
            ..Default::default()
        })
    }

    #[test]
    fn a_new_id_differing_only_in_case_names_the_first() {
        let plan = given(york());
        let mut case = IdCase::default();
        assert_eq!(
            case.check(&plan, &add(" 1.1")),
            Err(RuleError::IdCase {
                id: " 1.1".into(),
                existing: "1.1".into(),
                seq: 3
            })
        );
        // Within one batch: the second of two new ids is checked against the first.
        let mut case = IdCase::default();
        assert_eq!(case.check(&plan, &add("1.3B")), Ok(()));
        let e = case.check(&plan, &add("1.3b")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "action \"1.3b\" differs only in case from action \"1.3B\", added at entry 5; \
             ids are matched ignoring case, so give the new action another id"
        );
    }

    #[test]
    fn a_ledger_holding_ids_differing_only_in_case_still_passes_the_fold_rules() {
        let mut events = york();
        events.push(add("1.3b"));
        assert_eq!(given(events.clone()).check(&add("1.3B")), Ok(()));
        events.push(add("1.3B"));
        let plan = given(events);
        assert_eq!(
            plan.check(&status("1.3B", "RAG May 20", "Completed")),
            Ok(())
        );
        assert_eq!(
            plan.check(&status("1.3b", "RAG May 20", "Completed")),
            Ok(())
        );
    }

    #[test]
    fn amendments_need_known_fields_and_a_reason() {
        let plan = given(york());
        let amend = |field: &str, reason: &str| {
            Event::ActionAmended(ActionAmended {
                id: "1.1".into(),
                changes: [(field.to_string(), "new".to_string())].into(),
                reason: reason.into(),
                from: None,
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

    fn correct_status(target: u64, status: &str) -> Event {
        Event::Correction(Correction {
            target,
            action: "1.1".into(),
            review: Some("RAG May 20".into()),
            status: Some(status.into()),
            note: None,
            changes: Default::default(),
            reason: "typo".into(),
        })
    }

    #[test]
    fn a_correction_replaces_the_shown_status_and_can_itself_be_corrected() {
        let mut events = york();
        events.push(status("1.1", "RAG May 20", "Completed")); // seq 5
        let plan = given(events.clone());
        assert_eq!(plan.check(&correct_status(5, "Embedded")), Ok(()));
        events.push(correct_status(5, "Embedded")); // seq 6
        let plan = given(events.clone());
        let record = &plan.action("1.1").unwrap().statuses["RAG May 20"];
        assert_eq!(
            (&*record.status, record.seq, record.source),
            ("Embedded", Seq(5), Seq(6))
        );
        // The original is no longer what is shown: correct the correction instead.
        assert!(matches!(
            plan.check(&correct_status(5, "Not started")),
            Err(RuleError::NotCurrent { current: 6, .. })
        ));
        events.push(correct_status(6, "Progressing but delayed")); // seq 7
        let plan = given(events);
        assert_eq!(
            plan.action("1.1").unwrap().statuses["RAG May 20"]
                .status
                .as_ref(),
            "Progressing but delayed"
        );
    }

    #[test]
    fn corrections_need_a_value_a_reason_and_something_to_correct() {
        let plan = given(york());
        assert!(matches!(
            plan.check(&correct_status(4, "Completed")),
            Err(RuleError::NothingToCorrect { .. })
        ));
        let mut events = york();
        events.push(status("1.1", "RAG May 20", "Completed"));
        let plan = given(events);
        assert!(matches!(
            plan.check(&correct_status(5, "Done")),
            Err(RuleError::UnknownStatus { .. })
        ));
        let mut no_reason = correct_status(5, "Completed");
        if let Event::Correction(c) = &mut no_reason {
            c.reason = " ".into();
        }
        assert!(matches!(
            plan.check(&no_reason),
            Err(RuleError::Empty { .. })
        ));
    }

    #[test]
    fn amendment_corrections_follow_the_field_that_was_set() {
        let mut events = york();
        events.push(Event::ActionAmended(ActionAmended {
            id: "1.1".into(),
            changes: [("lead".to_string(), "Wrong Person".to_string())].into(),
            reason: "handover".into(),
            from: None,
        })); // seq 5
        let fix = |target| {
            Event::Correction(Correction {
                target,
                action: "1.1".into(),
                review: None,
                status: None,
                note: None,
                changes: [("lead".to_string(), "Right Person".to_string())].into(),
                reason: "wrong name".into(),
            })
        };
        let plan = given(events.clone());
        assert_eq!(plan.check(&fix(5)), Ok(()));
        assert!(matches!(
            plan.check(&fix(3)),
            Err(RuleError::NotCurrent { .. })
        ));
        events.push(fix(5));
        let plan = given(events);
        assert_eq!(
            plan.action("1.1").unwrap().fields.lead.as_deref(),
            Some("Right Person")
        );
    }

    #[test]
    fn a_withdrawn_action_takes_no_more_statuses() {
        let mut events = york();
        events.push(Event::ActionWithdrawn(ActionWithdrawn {
            id: "1.1".into(),
            reason: "merged into 1.2".into(),
            from: None,
        }));
        let plan = given(events);
        assert!(plan.action("1.1").unwrap().withdrawn().is_some());
        assert!(matches!(
            plan.check(&status("1.1", "RAG May 20", "Completed")),
            Err(RuleError::Withdrawn { seq: 5, .. })
        ));
    }

    #[test]
    fn a_borrowed_status_check_agrees_with_the_event_check() {
        let mut withdrawn = york();
        withdrawn.push(Event::ActionWithdrawn(ActionWithdrawn {
            id: "1.1".into(),
            reason: "merged".into(),
            from: None,
        }));
        let mut later = york();
        later.push(Event::ActionWithdrawn(ActionWithdrawn {
            id: "1.1".into(),
            reason: "merged".into(),
            from: Some("RAG June 20".into()),
        }));
        later.insert(
            4,
            Event::ReviewScheduled(ReviewScheduled {
                label: "RAG June 20".into(),
                date: "2020-06-30".into(),
            }),
        );
        let plans = [Plan::new(), given(york()), given(withdrawn), given(later)];
        let cases = [
            ("1.1", "RAG May 20", "Completed"),
            ("1.1", "RAG June 20", "Completed"),
            ("9.9", "RAG May 20", "Completed"),
            ("1.1", "RAG Nowhere", "Completed"),
            ("1.1", "RAG May 20", "Nearly"),
        ];
        for plan in &plans {
            for (action, review, value) in cases {
                assert_eq!(
                    plan.check_status(action, review, value),
                    plan.check(&status(action, review, value)),
                    "{action} {review} {value}"
                );
            }
        }
    }

    #[test]
    fn a_renamed_review_keeps_its_statuses() {
        let mut events = york();
        events.push(status("1.1", "RAG May 20", "Completed"));
        let rename = Event::ReviewRescheduled(ReviewRescheduled {
            label: "RAG May 20".into(),
            new_label: Some("RAG June 20".into()),
            date: Some("2020-06-30".into()),
            reason: "board moved".into(),
        });
        assert_eq!(given(events.clone()).check(&rename), Ok(()));
        events.push(rename);
        let plan = given(events);
        assert_eq!(plan.reviews[0].label, "RAG June 20");
        assert_eq!(plan.reviews[0].date, "2020-06-30");
        assert_eq!(
            plan.action("1.1").unwrap().statuses["RAG June 20"]
                .status
                .as_ref(),
            "Completed"
        );
        assert!(matches!(
            plan.check(&status("1.1", "RAG May 20", "Completed")),
            Err(RuleError::UnknownReview { .. })
        ));
    }
}

#[cfg(test)]
mod passed_labels {
    use super::*;
    use crate::entry::{Entry, EntryHash, Seq};
    use crate::event::*;
    use crate::plan::{StatusRef, Unsettled};
    use crate::test_events::small_plan;

    /// Verify's status path, run on `plan` as the fold runs it: the rules' answer, and the
    /// plan after the statuses it held are settled.
    fn hold(
        plan: &mut Plan,
        seq: u64,
        action: &str,
        review: &str,
        status: &str,
    ) -> Result<(), RuleError> {
        let mut later = Unsettled::default();
        let status = StatusRef {
            action,
            review,
            status,
        };
        let at = "2020-01-02T00:00:00.000000Z";
        let result = plan.check_and_hold_status(
            Seq(seq),
            EntryHash::ZERO,
            at,
            "t",
            status,
            None,
            &mut later,
        );
        plan.settle(&mut later);
        result
    }

    fn apply(plan: &mut Plan, seq: u64, event: Event) {
        plan.apply(&Entry {
            seq: Seq(seq),
            recorded_at: "2020-01-02T00:00:00.000000Z".into(),
            actor: "t".into(),
            event,
            prev: EntryHash::ZERO,
            hash: EntryHash::ZERO,
        });
    }

    /// A review and a value that passed are not looked up again, until an entry of another
    /// kind comes: after a rename, a withdrawal or a new action, the answers are the ones
    /// `check_status` gives, and the plan the one `apply` folds.
    #[test]
    fn labels_that_passed_answer_as_the_rules_do_until_another_entry() {
        for (mut plan, whole) in [(Plan::new(), true), (Plan::for_rules(), false)] {
            let mut replayed = Plan::new();
            for (i, e) in small_plan().into_iter().enumerate() {
                apply(&mut plan, i as u64 + 1, e.clone());
                apply(&mut replayed, i as u64 + 1, e);
            }
            let status = |action: &str, review: &str, value: &str| {
                Event::StatusRecorded(StatusRecorded {
                    action: action.into(),
                    review: review.into(),
                    status: value.into(),
                    note: None,
                })
            };
            let steps: Vec<(Event, Result<(), &str>)> = vec![
                (status("1.1", "R1", "Completed"), Ok(())),
                (status("1.1", "R1", "Embedded"), Ok(())),
                (status("1.1", "R1", "Purple"), Err("status")),
                (status("1.2", "R1", "Completed"), Err("action")),
                (
                    Event::ReviewRescheduled(ReviewRescheduled {
                        label: "R1".into(),
                        new_label: Some("R1b".into()),
                        date: None,
                        reason: "moved".into(),
                    }),
                    Ok(()),
                ),
                (status("1.1", "R1", "Completed"), Err("review")),
                (status("1.1", "R1b", "Completed"), Ok(())),
                (
                    Event::ActionAdded(ActionAdded {
                        id: "1.2".into(),
                        area: "1".into(),
                        action: "Do more".into(),
                        ..Default::default()
                    }),
                    Ok(()),
                ),
                (
                    Event::ActionWithdrawn(ActionWithdrawn {
                        id: "1.1".into(),
                        reason: "done".into(),
                        from: Some("R2".into()),
                    }),
                    Ok(()),
                ),
                // R2 and the value pass for 1.2; 1.1 is closed at R2 all the same.
                (status("1.2", "R2", "Completed"), Ok(())),
                (status("1.1", "R2", "Completed"), Err("withdrawn")),
                (status("1.1", "R1b", "Completed"), Ok(())),
                (status("1.2", "R1b", "Embedded"), Ok(())),
            ];
            for (n, (event, want)) in steps.into_iter().enumerate() {
                let seq = 10 + n as u64;
                let got = match &event {
                    Event::StatusRecorded(s) => {
                        let expected = plan.check_status(&s.action, &s.review, &s.status);
                        let got = hold(&mut plan, seq, &s.action, &s.review, &s.status);
                        assert_eq!(got, expected, "step {n}");
                        if got.is_ok() {
                            apply(&mut replayed, seq, event.clone());
                        }
                        got
                    }
                    _ => {
                        apply(&mut plan, seq, event.clone());
                        apply(&mut replayed, seq, event.clone());
                        Ok(())
                    }
                };
                let kind = got.as_ref().map_err(|e| match e {
                    RuleError::UnknownStatus { .. } => "status",
                    RuleError::UnknownAction { .. } => "action",
                    RuleError::UnknownReview { .. } => "review",
                    RuleError::Withdrawn { .. } => "withdrawn",
                    other => panic!("step {n}: {other}"),
                });
                assert_eq!(kind.copied(), want, "step {n}");
            }
            if whole {
                assert_eq!(plan, replayed);
            }
        }
    }
}
