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
}

impl ActivityFilter {
    /// True when the entry passes every filter given.
    pub fn matches(&self, entry: &Entry) -> bool {
        self.action
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
                .and_then(|a| a.statuses.get(&e.review));
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
            format!(
                "action {} amended: {} (reason: {})",
                e.id,
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
        Event::ActionWithdrawn(e) => format!("action {} withdrawn (reason: {})", e.id, e.reason),
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
        Event::SourceImported(e) => format!(
            "imported {} ({} entries follow; SHA-256 {})",
            e.file_name, e.entries, e.sha256
        ),
    }
}
