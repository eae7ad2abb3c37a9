//! The quarterly update: a council re-publishes the same WSoA table with one more RAG column
//! (and now and then an edited cell). [`wsoa_update_events`] compares that table with the plan
//! the ledger holds and builds one batch of only what is new or different; pure.
//!
//! - a review, area or action the plan lacks is added, and every status it is given;
//! - a cell the plan has no status for gets a `status_recorded`;
//! - a cell whose status differs from the one shown gets a `correction` of the entry that
//!   currently sets it (its `source`), naming the file's SHA-256: never a silent overwrite;
//! - an action field whose text changed gets an `action_amended`, with the same kind of
//!   reason, holding from the table's last review (the text it shows is as at then);
//! - a cell or field left empty in the table while the plan has a value is reported, not
//!   erased; so is anything the table cannot apply (a withdrawn action, a moved action).
//!
//! A table that shows what the plan already holds, or a file whose bytes were imported
//! before (under any name), gives no events: the caller appends nothing.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::{action_added, area_title, legend_note, non_empty, with_source, LegendUsed, WsoaTable};
use crate::entry::Seq;
use crate::event::{ActionAmended, AreaAdded, Correction, Event, ReviewScheduled, StatusRecorded};
use crate::plan::effective::{applies_at, describe_from};
use crate::plan::state::Withdrawal;
use crate::plan::{Plan, Review};

/// What an update would append, and what it had to say about the file.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateBatch {
    /// Empty when there is nothing new: a `source_imported` entry and what follows it.
    #[serde(skip)]
    pub events: Vec<Event>,
    pub warnings: Vec<String>,
    pub summary: UpdateSummary,
}

impl UpdateBatch {
    /// True when the table brings nothing new: nothing is to be appended.
    pub fn is_noop(&self) -> bool {
        self.events.is_empty()
    }
}

/// What the update adds and changes, named.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateSummary {
    pub file_name: String,
    pub sha256: String,
    /// Set when these exact bytes were imported before: the update is a no-op.
    pub already_imported: Option<PreviousImport>,
    pub areas_added: Vec<String>,
    pub actions_added: Vec<String>,
    pub reviews_added: Vec<String>,
    pub statuses_added: Vec<StatusCell>,
    pub statuses_changed: Vec<StatusChange>,
    pub actions_amended: Vec<Amendment>,
    /// Cells empty in the table where the plan has a status: reported, kept.
    pub cells_emptied: Vec<StatusCell>,
    /// The legend the table's status words were read with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legend: Option<LegendUsed>,
}

/// The import that brought in the same bytes before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviousImport {
    pub file_name: String,
    pub seq: u64,
}

/// One action's status at one review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCell {
    pub action: String,
    pub review: String,
    pub status: String,
}

/// A past cell whose status the table changes, and the entry the correction targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub action: String,
    pub review: String,
    pub from: String,
    pub to: String,
    pub target: u64,
}

/// An action whose fields the table changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amendment {
    pub action: String,
    pub fields: Vec<String>,
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl UpdateSummary {
    /// One line: "2 new reviews (…), 12 new statuses, 1 past status changed: 1.3B at RAG May
    /// 21 Progressing but delayed -> Progressing and on track". Areas, actions and amendments
    /// are named only when there are any.
    pub fn describe(&self) -> String {
        let named = |items: &[String]| {
            if items.is_empty() {
                String::new()
            } else {
                format!(" ({})", items.join(", "))
            }
        };
        let mut parts = Vec::new();
        if !self.areas_added.is_empty() {
            let n = count(self.areas_added.len(), "new area", "new areas");
            parts.push(format!("{n}{}", named(&self.areas_added)));
        }
        if !self.actions_added.is_empty() {
            let n = count(self.actions_added.len(), "new action", "new actions");
            parts.push(format!("{n}{}", named(&self.actions_added)));
        }
        let n = count(self.reviews_added.len(), "new review", "new reviews");
        parts.push(format!("{n}{}", named(&self.reviews_added)));
        parts.push(count(
            self.statuses_added.len(),
            "new status",
            "new statuses",
        ));
        if !self.actions_amended.is_empty() {
            let amended: Vec<String> = self
                .actions_amended
                .iter()
                .map(|a| format!("{}: {}", a.action, a.fields.join(", ")))
                .collect();
            let n = count(amended.len(), "action amended", "actions amended");
            parts.push(format!("{n}{}", named(&amended)));
        }
        let mut line = parts.join(", ");
        line.push_str(", ");
        line.push_str(&count(
            self.statuses_changed.len(),
            "past status changed",
            "past statuses changed",
        ));
        if !self.statuses_changed.is_empty() {
            let changes: Vec<String> = self
                .statuses_changed
                .iter()
                .map(|c| format!("{} at {} {} -> {}", c.action, c.review, c.from, c.to))
                .collect();
            line.push_str(": ");
            line.push_str(&changes.join("; "));
        }
        line
    }
}

/// The plan's review a table column names: by its label, ignoring case, or by a label it had
/// before being renamed.
fn find_review<'p>(plan: &'p Plan, label: &str) -> Option<&'p Review> {
    let key = label.to_lowercase();
    plan.reviews
        .iter()
        .find(|r| r.label.to_lowercase() == key)
        .or_else(|| {
            plan.reviews
                .iter()
                .find(|r| r.former_labels.iter().any(|f| f.to_lowercase() == key))
        })
}

/// Builds the update batch for a re-published WSoA document against the plan as it stands
/// (the plan must exist). Events: `source_imported`, new areas, new actions, amendments, new
/// reviews, then review by review the new statuses and corrections.
pub fn wsoa_update_events(
    plan: &Plan,
    table: &WsoaTable,
    file_name: &str,
    sha256: &str,
) -> UpdateBatch {
    let mut summary = UpdateSummary {
        file_name: file_name.to_string(),
        sha256: sha256.to_string(),
        ..Default::default()
    };
    if let Some(i) = plan.imports.iter().find(|i| i.sha256 == sha256) {
        summary.already_imported = Some(PreviousImport {
            file_name: i.file_name.clone(),
            seq: i.seq.0,
        });
        return UpdateBatch {
            events: Vec::new(),
            warnings: Vec::new(),
            summary,
        };
    }
    let mut warnings: Vec<String> = table
        .warnings
        .iter()
        .map(|w| format!("{file_name}, {}: {}", table.place(w.line), w.message))
        .collect();
    warnings.extend(table.legend.iter().map(|l| legend_note(file_name, l)));
    summary.legend = table.legend.clone();
    let reason = |what: String| format!("{what}: published table {file_name} (SHA-256 {sha256})");
    let mut body = Vec::new();
    // Actions whose rows the update does not apply (in another area), and withdrawn ones,
    // whose cells apply only at reviews before their withdrawal holds.
    let mut skipped: HashSet<&str> = HashSet::new();
    let mut withdrawn: HashMap<&str, &Withdrawal> = HashMap::new();
    // Amendments follow the reviews they hold from, which the batch may schedule.
    let mut amended: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for area in &table.areas {
        match plan.area(&area.number) {
            None => {
                body.push(Event::AreaAdded(AreaAdded {
                    id: area.number.clone(),
                    title: area_title(area),
                    finding: non_empty(&area.finding),
                }));
                summary.areas_added.push(area.number.clone());
            }
            Some(existing) => {
                if existing.finding != non_empty(&area.finding) {
                    warnings.push(format!(
                        "{file_name}, {}: area {}'s finding differs from the ledger's; the ledger's is kept (areas are not amended)",
                        table.place(area.line), area.number
                    ));
                }
                let in_table: HashSet<&str> = area.rows.iter().map(|r| r.id.as_str()).collect();
                for a in plan.actions.iter().filter(|a| a.fields.area == area.number) {
                    if !in_table.contains(a.fields.id.as_str()) && a.withdrawn().is_none() {
                        warnings.push(format!(
                            "{file_name}: action {} is in the ledger but not in area {}'s table; it is kept",
                            a.fields.id, area.number
                        ));
                    }
                }
            }
        }
        for row in &area.rows {
            let Some(existing) = plan.action(&row.id) else {
                body.push(action_added(&area.number, row));
                summary.actions_added.push(row.id.clone());
                continue;
            };
            let at = format!("{file_name}, {}: row {}", table.place(row.line), row.id);
            if existing.fields.area != area.number {
                warnings.push(format!(
                    "{at} is in area {}, but the ledger has action {} in area {}; the row is not applied",
                    area.number, row.id, existing.fields.area
                ));
                skipped.insert(&row.id);
                continue;
            }
            if let Some(w) = existing.withdrawn() {
                warnings.push(format!(
                    "{at}: action {} was withdrawn at entry {}, {}; its text is not applied, nor its cells from then on",
                    row.id,
                    w.seq.0,
                    describe_from(w.from.as_deref(), &w.recorded_at)
                ));
                withdrawn.insert(&row.id, w);
                continue;
            }
            let table_fields = [
                ("outcome", row.outcome.as_str()),
                ("action", row.action.as_str()),
                ("start", row.start.text.as_str()),
                ("end", row.end.text.as_str()),
                ("lead", row.lead.as_str()),
                ("measures", row.measures.as_str()),
                ("evidence_impact", row.evidence_impact.as_str()),
            ];
            let mut changes = BTreeMap::new();
            for (field, new) in table_fields {
                let new = new.trim();
                let old = existing.fields.field(field).unwrap_or("");
                if new == old {
                    continue;
                }
                if new.is_empty() {
                    warnings.push(format!(
                        "{at}: {field} is empty in the table but the ledger has {old:?}; it is kept"
                    ));
                } else {
                    changes.insert(field.to_string(), new.to_string());
                }
            }
            if !changes.is_empty() {
                summary.actions_amended.push(Amendment {
                    action: row.id.clone(),
                    fields: changes.keys().cloned().collect(),
                });
                amended.push((row.id.clone(), changes));
            }
        }
    }
    // Each review once, however many areas' headers name it; its label as the plan spells it.
    let mut labels = Vec::new();
    for column in table.reviews() {
        let date = column.date.format("%Y-%m-%d").to_string();
        match find_review(plan, &column.label) {
            Some(r) => {
                if r.date != date {
                    warnings.push(format!(
                        "{file_name}: review {:?} is dated {} in the ledger; the file's column implies {date}, the ledger's date is kept",
                        r.label, r.date
                    ));
                }
                labels.push((column.label.to_lowercase(), r.label.clone()));
            }
            None => {
                body.push(Event::ReviewScheduled(ReviewScheduled {
                    label: column.label.clone(),
                    date,
                }));
                summary.reviews_added.push(column.label.clone());
                labels.push((column.label.to_lowercase(), column.label.clone()));
            }
        }
    }
    // The table shows each row's text as at its last review: amendments hold from there.
    let last = labels
        .iter()
        .map(|(_, l)| (review_on(plan, table, l), l))
        .max_by(|a, b| (a.0.date.as_str(), a.0.seq).cmp(&(b.0.date.as_str(), b.0.seq)))
        .map(|(_, l)| l.clone());
    for (id, changes) in amended {
        body.push(Event::ActionAmended(ActionAmended {
            id,
            changes,
            reason: reason("quarterly update, text changed".to_string()),
            from: last.clone(),
        }));
    }
    // A review with statuses in the ledger but no column in the table: said once, kept.
    let in_table: HashSet<&str> = labels.iter().map(|(_, l)| l.as_str()).collect();
    for review in &plan.reviews {
        let has_status = table.rows().any(|row| {
            plan.action(&row.id)
                .is_some_and(|a| a.statuses.contains_key(review.label.as_str()))
        });
        if has_status && !in_table.contains(review.label.as_str()) {
            warnings.push(format!(
                "{file_name}: review {:?} has statuses in the ledger but no column in the table; they are kept",
                review.label
            ));
        }
    }
    // Statuses review by review, then area by area, row by row (the first import's order).
    for (key, label) in &labels {
        for area in &table.areas {
            let Some(i) = area.column_of(key) else {
                continue;
            };
            let review = review_on(plan, table, label);
            let open = |id: &str| {
                withdrawn
                    .get(id)
                    .is_none_or(|w| !applies_at(plan, w.from.as_deref(), &w.recorded_at, &review))
            };
            for row in area
                .rows
                .iter()
                .filter(|r| !skipped.contains(r.id.as_str()) && open(&r.id))
            {
                let cell = row.statuses.get(i).cloned().flatten();
                let recorded = plan
                    .action(&row.id)
                    .and_then(|a| a.statuses.get(label.as_str()));
                match (cell, recorded) {
                    (None, None) => {}
                    (Some(status), None) => {
                        body.push(Event::StatusRecorded(StatusRecorded {
                            action: row.id.clone(),
                            review: label.clone(),
                            status: status.clone(),
                            note: None,
                        }));
                        summary.statuses_added.push(StatusCell {
                            action: row.id.clone(),
                            review: label.clone(),
                            status,
                        });
                    }
                    (Some(status), Some(r)) if *r.status != *status => {
                        let from = r.status.to_string();
                        body.push(Event::Correction(Correction {
                            target: r.source.0,
                            action: row.id.clone(),
                            review: Some(label.clone()),
                            status: Some(status.clone()),
                            note: None,
                            changes: BTreeMap::new(),
                            reason: reason(format!("quarterly update, {from} -> {status}")),
                        }));
                        summary.statuses_changed.push(StatusChange {
                            action: row.id.clone(),
                            review: label.clone(),
                            from,
                            to: status,
                            target: r.source.0,
                        });
                    }
                    (Some(_), Some(_)) => {}
                    (None, Some(r)) => {
                        warnings.push(format!(
                            "{file_name}, {}: {} at {label} is empty in the table but the ledger has {} (entry {}); it is kept, not erased",
                            table.place(row.line), row.id, r.status, r.source.0
                        ));
                        summary.cells_emptied.push(StatusCell {
                            action: row.id.clone(),
                            review: label.clone(),
                            status: r.status.to_string(),
                        });
                    }
                }
            }
        }
    }
    if body.is_empty() {
        return UpdateBatch {
            events: body,
            warnings,
            summary,
        };
    }
    let events = with_source(file_name, sha256, table.format, &warnings, None, body);
    UpdateBatch {
        events,
        warnings,
        summary,
    }
}

/// The review labelled `label` (as the plan spells it): the plan's own, or for a column the
/// batch schedules, one dated as the table dates it and after every review the plan has.
fn review_on(plan: &Plan, table: &WsoaTable, label: &str) -> Review {
    if let Some(r) = plan.review(label) {
        return r.clone();
    }
    let key = label.to_lowercase();
    let date = table
        .reviews()
        .into_iter()
        .find(|c| c.label.to_lowercase() == key)
        .map(|c| c.date.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    Review {
        label: label.to_string(),
        date,
        seq: Seq(u64::MAX),
        former_labels: Vec::new(),
    }
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
