//! "Who did what when": one row per entry, filtered, with a one-line summary of the event.

use serde::Serialize;

use crate::entry::Entry;
use crate::event::Event;
use crate::plan::Plan;

/// Which entries a log shows. Dates compare against `recorded_at` (transaction time).
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub action: Option<String>,
    pub actor: Option<String>,
    /// Inclusive lower bound, in entry timestamp form.
    pub since: Option<String>,
    /// Inclusive upper bound, in entry timestamp form.
    pub until: Option<String>,
    /// Only these event types (names from [`Event::TYPES`]); empty means every type.
    pub event_types: Vec<String>,
    /// Only entries about this area: its `area_added` and every entry touching one of its
    /// actions. Needs the plan: see [`ActivityFilter::matches_in`].
    pub area: Option<String>,
}

impl ActivityFilter {
    /// True when the entry passes every filter given, `area` included; `plan` is the plan
    /// folded up to and including `entry` (what [`crate::verify::replay_with`] hands over).
    pub fn matches_in(&self, entry: &Entry, plan: &Plan) -> bool {
        self.matches(entry) && self.area.as_deref().is_none_or(|a| in_area(entry, plan, a))
    }

    /// True when the entry passes every filter that needs no plan (all but `area`).
    pub fn matches(&self, entry: &Entry) -> bool {
        (self.event_types.is_empty()
            || self
                .event_types
                .iter()
                .any(|t| t == entry.event.type_name()))
            && self
                .action
                .as_deref()
                .is_none_or(|a| entry.event.action_id() == Some(a))
            && self.actor.as_deref().is_none_or(|a| entry.actor == a)
            && self
                .since
                .as_deref()
                .is_none_or(|s| entry.recorded_at.as_str() >= s)
            && self
                .until
                .as_deref()
                .is_none_or(|u| entry.recorded_at.as_str() <= u)
    }
}

/// True when `entry` adds area `area` or touches one of its actions.
fn in_area(entry: &Entry, plan: &Plan, area: &str) -> bool {
    match (&entry.event, entry.event.action_id()) {
        (Event::AreaAdded(e), _) => e.id == area,
        (_, Some(id)) => plan.action(id).is_some_and(|a| a.fields.area == area),
        _ => false,
    }
}

/// One row of the activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityRow {
    pub seq: u64,
    pub recorded_at: String,
    pub actor: String,
    #[serde(rename = "type")]
    pub event_type: &'static str,
    pub action: Option<String>,
    pub summary: String,
    /// "imported" (from a source file), "late" (recorded well after its review).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<&'static str>,
}

impl ActivityRow {
    /// Summarises an entry for people.
    pub fn of(entry: &Entry) -> ActivityRow {
        ActivityRow {
            seq: entry.seq.0,
            recorded_at: entry.recorded_at.clone(),
            actor: entry.actor.clone(),
            event_type: entry.event.type_name(),
            action: entry.event.action_id().map(str::to_string),
            summary: summarise(&entry.event),
            marks: Vec::new(),
        }
    }

    /// Summarises an entry with what the plan, just after it, says about it.
    pub fn with_plan(entry: &Entry, plan: &Plan) -> ActivityRow {
        let mut row = ActivityRow::of(entry);
        if plan.imported_by(entry.seq).is_some() {
            row.marks.push("imported");
        }
        if let Event::StatusRecorded(e) = &entry.event {
            let record = plan
                .action(&e.action)
                .and_then(|a| a.statuses.get(e.review.as_str()));
            if let (Some(record), Some(review)) = (record, plan.review(&e.review)) {
                if record.seq == entry.seq && plan.is_late(record, review) {
                    row.marks.push("late");
                }
            }
        }
        row
    }
}

/// A one-line description of what an event says.
pub fn summarise(event: &Event) -> String {
    match event {
        Event::PlanCreated(e) => format!(
            "plan {:?} created (origin {}, {} statuses)",
            e.title,
            e.origin,
            e.scale.0.len()
        ),
        Event::AreaAdded(e) => format!("area {} added: {}", e.id, e.title),
        Event::ActionAdded(e) => format!("action {} added to area {}: {}", e.id, e.area, e.action),
        Event::ActionAmended(e) => {
            let fields: Vec<String> = e
                .changes
                .iter()
                .map(|(k, v)| format!("{k} = {v:?}"))
                .collect();
            let from = e.from.as_ref().map(|f| format!(" from {f}"));
            format!(
                "action {} amended{}: {} (reason: {})",
                e.id,
                from.unwrap_or_default(),
                fields.join(", "),
                e.reason
            )
        }
        Event::ReviewScheduled(e) => format!("review {:?} scheduled for {}", e.label, e.date),
        Event::StatusRecorded(e) => {
            let note = e
                .note
                .as_deref()
                .map(|n| format!(" (note: {n})"))
                .unwrap_or_default();
            format!("{} at {}: {}{note}", e.action, e.review, e.status)
        }
        Event::Correction(e) => {
            let mut what: Vec<String> = Vec::new();
            if let Some(s) = &e.status {
                what.push(format!("status = {s}"));
            }
            if let Some(n) = &e.note {
                what.push(format!("note = {n:?}"));
            }
            what.extend(e.changes.iter().map(|(k, v)| format!("{k} = {v:?}")));
            let at = e
                .review
                .as_deref()
                .map(|r| format!(" at {r}"))
                .unwrap_or_default();
            format!(
                "correction of entry {} ({}{at}): {} (reason: {})",
                e.target,
                e.action,
                what.join(", "),
                e.reason
            )
        }
        Event::ActionWithdrawn(e) => {
            let from = e.from.as_ref().map(|f| format!(" from {f}"));
            let from = from.unwrap_or_default();
            format!("action {} withdrawn{from} (reason: {})", e.id, e.reason)
        }
        Event::ReviewRescheduled(e) => {
            let mut what = Vec::new();
            if let Some(l) = &e.new_label {
                what.push(format!("renamed {l:?}"));
            }
            if let Some(d) = &e.date {
                what.push(format!("moved to {d}"));
            }
            format!(
                "review {:?} {} (reason: {})",
                e.label,
                what.join(" and "),
                e.reason
            )
        }
        Event::EvidenceAttached(e) => {
            let at = e
                .review
                .as_deref()
                .map(|r| format!(" at {r}"))
                .unwrap_or_default();
            format!(
                "evidence for {}{at}: {:?} ({} bytes, {}, SHA-256 {})",
                e.action, e.file_name, e.size, e.media_type, e.sha256
            )
        }
        Event::EvidenceRedacted(e) => {
            format!("evidence {} redacted (reason: {})", e.sha256, e.reason)
        }
        Event::KeyRegistered(e) => format!(
            "key {} registered for {} as {}",
            short(&e.key_id),
            e.name,
            e.role
        ),
        Event::KeyRevoked(e) => format!("key {} revoked (reason: {})", short(&e.key_id), e.reason),
        Event::SignedOff(e) => format!(
            "{} at {}: {} signed off by key {} as {}",
            e.action,
            e.review,
            e.status,
            short(&e.key_id),
            e.role
        ),
        Event::SourceImported(e) => format!(
            "imported {} ({} entries follow; SHA-256 {})",
            e.file_name, e.entries, e.sha256
        ),
    }
}

/// The first 16 hex digits of a key id: enough to tell keys apart in a log line.
fn short(id: &str) -> &str {
    id.get(..16).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use chrono::TimeZone;

    use super::*;
    use crate::clock::FixedClock;
    use crate::event::*;
    use crate::scale::StatusScale;
    use crate::store::MemoryLog;
    use crate::verify::replay_with;

    /// Seqs: 1 plan, 2 area 1, 3 area 2, 4 action 1.1, 5 action 2.1, 6 review,
    /// 7 status 1.1, 8 status 2.1, 9 correction of 7.
    fn sample() -> MemoryLog {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let area = |id: &str| {
            Event::AreaAdded(AreaAdded {
                id: id.into(),
                title: "T".into(),
                finding: None,
            })
        };
        let action = |id: &str, area: &str| {
            Event::ActionAdded(ActionAdded {
                id: id.into(),
                area: area.into(),
                action: "do it".into(),
                ..ActionAdded::default()
            })
        };
        let status = |action: &str| {
            Event::StatusRecorded(StatusRecorded {
                action: action.into(),
                review: "R".into(),
                status: "Completed".into(),
                note: None,
            })
        };
        let mut log = MemoryLog::new();
        log.append(
            "a",
            &clock,
            vec![
                Event::PlanCreated(PlanCreated {
                    title: "P".into(),
                    origin: "o".into(),
                    scale: StatusScale::york(),
                }),
                area("1"),
                area("2"),
                action("1.1", "1"),
                action("2.1", "2"),
                Event::ReviewScheduled(ReviewScheduled {
                    label: "R".into(),
                    date: "2020-12-31".into(),
                }),
                status("1.1"),
                status("2.1"),
                Event::Correction(Correction {
                    target: 7,
                    action: "1.1".into(),
                    review: Some("R".into()),
                    status: Some("Embedded".into()),
                    note: None,
                    changes: Default::default(),
                    reason: "typo".into(),
                }),
            ],
        )
        .unwrap();
        log
    }

    fn shown(filter: &ActivityFilter) -> Vec<u64> {
        let mut seqs = Vec::new();
        replay_with(&sample(), None, |entry, plan| {
            if filter.matches_in(entry, plan) {
                seqs.push(entry.seq.0);
            }
            ControlFlow::Continue(())
        })
        .unwrap();
        seqs
    }

    #[test]
    fn area_takes_its_area_added_and_entries_on_its_actions() {
        let area = |a: &str| ActivityFilter {
            area: Some(a.into()),
            ..ActivityFilter::default()
        };
        assert_eq!(shown(&area("1")), [2, 4, 7, 9]);
        assert_eq!(shown(&area("2")), [3, 5, 8]);
        assert!(shown(&area("3")).is_empty());
    }

    #[test]
    fn event_types_combine_with_the_other_filters() {
        let types = |t: &[&str]| ActivityFilter {
            event_types: t.iter().map(|s| s.to_string()).collect(),
            ..ActivityFilter::default()
        };
        assert_eq!(shown(&types(&["status_recorded"])), [7, 8]);
        assert_eq!(shown(&types(&["correction", "area_added"])), [2, 3, 9]);
        let both = ActivityFilter {
            area: Some("2".into()),
            ..types(&["status_recorded", "correction"])
        };
        assert_eq!(shown(&both), [8]);
        assert_eq!(
            shown(&ActivityFilter::default()),
            (1..=9).collect::<Vec<_>>()
        );
    }
}
