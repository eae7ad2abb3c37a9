//! Events the unit tests start their plans from (tests only).

use crate::event::{AreaAdded, Event, PlanCreated};
use crate::scale::StatusScale;

/// `plan_created` with title "P", origin "o" and the York scale.
pub fn created() -> Event {
    Event::PlanCreated(PlanCreated {
        title: "P".into(),
        origin: "o".into(),
        scale: StatusScale::york(),
    })
}

/// Area `id` titled "A", with no finding.
pub fn area(id: &str) -> Event {
    Event::AreaAdded(AreaAdded {
        id: id.into(),
        title: "A".into(),
        finding: None,
    })
}

/// A plan "P" with area "1", action "1.1" (lead "Old lead") and reviews "R1" (2020-05-31)
/// and "R2" (2020-08-31).
pub fn small_plan() -> Vec<Event> {
    vec![
        created(),
        area("1"),
        Event::ActionAdded(crate::event::ActionAdded {
            id: "1.1".into(),
            area: "1".into(),
            action: "Do it".into(),
            lead: Some("Old lead".into()),
            ..Default::default()
        }),
        review("R1", "2020-05-31"),
        review("R2", "2020-08-31"),
    ]
}

/// `review_scheduled` of `label` on `date`.
pub fn review(label: &str, date: &str) -> Event {
    Event::ReviewScheduled(crate::event::ReviewScheduled {
        label: label.into(),
        date: date.into(),
    })
}

/// The plan `events` fold to, each recorded on 2020-01-01 by "t".
pub fn plan_from(events: &[Event]) -> crate::plan::Plan {
    let mut plan = crate::plan::Plan::new();
    for (i, event) in events.iter().enumerate() {
        plan.apply(&crate::entry::Entry {
            seq: crate::entry::Seq(i as u64 + 1),
            recorded_at: "2020-01-01T00:00:00.000000Z".into(),
            actor: "t".into(),
            event: event.clone(),
            prev: crate::entry::EntryHash::ZERO,
            hash: crate::entry::EntryHash::ZERO,
        });
    }
    plan
}
