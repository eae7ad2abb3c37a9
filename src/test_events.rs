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
