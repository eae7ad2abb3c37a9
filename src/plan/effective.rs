//! When amendments and withdrawals take effect: from a review on, never back in time.
//!
//! Each carries the review it holds from (`from`). One without it (every one written before
//! `from` existed, and new ones when no later review was scheduled) holds from the first
//! review dated after the day it was recorded. A view of a review shows an action as it
//! stood at that review; `--known-at` separately limits which entries are known at all.

use std::borrow::Cow;

use crate::event::ActionAdded;
use crate::plan::state::{Action, Withdrawal};
use crate::plan::{Plan, Review};

/// True when a change recorded at `recorded_at`, holding from the review labelled `from`,
/// applies at `review`.
pub fn applies_at(plan: &Plan, from: Option<&str>, recorded_at: &str, review: &Review) -> bool {
    match from.and_then(|label| plan.review(label)) {
        Some(start) => (review.date.as_str(), review.seq) >= (start.date.as_str(), start.seq),
        None => review.date.as_str() > recorded_at.get(..10).unwrap_or(recorded_at),
    }
}

/// The first review after `day` (`YYYY-MM-DD`) in the plan's timeline: the default a new
/// amendment or withdrawal holds from. `None` when no such review is scheduled yet.
pub fn next_review_after<'p>(plan: &'p Plan, day: &str) -> Option<&'p Review> {
    plan.reviews_by_date()
        .into_iter()
        .find(|r| r.date.as_str() > day)
}

/// How a change's starting point reads in messages and views.
pub fn describe_from(from: Option<&str>, recorded_at: &str) -> String {
    match from {
        Some(label) => format!("from {label}"),
        None => format!(
            "from the first review after {}",
            recorded_at.get(..10).unwrap_or(recorded_at)
        ),
    }
}

impl Action {
    /// The action's fields as they stood at `review` (`None`: as they stand now).
    pub fn fields_at(&self, plan: &Plan, review: Option<&Review>) -> Cow<'_, ActionAdded> {
        let (Some(original), Some(review)) = (self.original(), review) else {
            return Cow::Borrowed(&self.fields);
        };
        let holding = |a: &&crate::plan::state::Amendment| {
            applies_at(plan, a.from.as_deref(), &a.recorded_at, review)
        };
        if self.amendments().iter().all(|a| holding(&a)) {
            return Cow::Borrowed(&self.fields);
        }
        let mut fields = ActionAdded::clone(original);
        for a in self.amendments().iter().filter(holding) {
            for (field, value) in &a.changes {
                fields.set_field(field, value);
            }
        }
        Cow::Owned(fields)
    }

    /// The withdrawal in effect at `review` (`None` review: any withdrawal recorded).
    pub fn withdrawn_at(&self, plan: &Plan, review: Option<&Review>) -> Option<&Withdrawal> {
        let w = self.withdrawn()?;
        match review {
            None => Some(w),
            Some(r) => applies_at(plan, w.from.as_deref(), &w.recorded_at, r).then_some(w),
        }
    }

    /// A withdrawal already recorded that holds only from a later review than `review`.
    pub fn withdrawal_pending_at(
        &self,
        plan: &Plan,
        review: Option<&Review>,
    ) -> Option<&Withdrawal> {
        let w = self.withdrawn()?;
        self.withdrawn_at(plan, review).is_none().then_some(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ActionAmended, ActionWithdrawn, Event};
    use crate::test_events::plan_from;

    fn base() -> Vec<Event> {
        crate::test_events::small_plan()
    }

    #[test]
    fn a_withdrawal_from_a_review_leaves_earlier_reviews_alone() {
        let mut events = base();
        events.push(Event::ActionWithdrawn(ActionWithdrawn {
            id: "1.1".into(),
            reason: "merged".into(),
            from: Some("R2".into()),
        }));
        let plan = plan_from(&events);
        let a = plan.action("1.1").unwrap();
        let r1 = plan.review("R1").unwrap();
        let r2 = plan.review("R2").unwrap();
        assert!(a.withdrawn_at(&plan, Some(r1)).is_none());
        assert!(a.withdrawal_pending_at(&plan, Some(r1)).is_some());
        assert!(a.withdrawn_at(&plan, Some(r2)).is_some());
        assert!(a.withdrawal_pending_at(&plan, Some(r2)).is_none());
    }

    #[test]
    fn without_from_a_change_holds_after_the_day_it_was_recorded() {
        let plan = plan_from(&base());
        let r1 = plan.review("R1").unwrap();
        let day_before = "2000-01-01T00:00:00Z";
        let day_of = format!("{}T12:00:00Z", r1.date);
        assert!(applies_at(&plan, None, day_before, r1));
        assert!(!applies_at(&plan, None, &day_of, r1));
    }

    #[test]
    fn an_amendment_shows_only_from_its_review() {
        let mut events = base();
        events.push(Event::ActionAmended(ActionAmended {
            id: "1.1".into(),
            changes: [("lead".to_string(), "New lead".to_string())].into(),
            reason: "board decision".into(),
            from: Some("R2".into()),
        }));
        let plan = plan_from(&events);
        let a = plan.action("1.1").unwrap();
        let r1 = plan.review("R1").unwrap();
        let r2 = plan.review("R2").unwrap();
        assert_ne!(
            a.fields_at(&plan, Some(r1)).lead.as_deref(),
            Some("New lead")
        );
        assert_eq!(
            a.fields_at(&plan, Some(r2)).lead.as_deref(),
            Some("New lead")
        );
        assert_eq!(a.fields_at(&plan, None).lead.as_deref(), Some("New lead"));
    }
}
