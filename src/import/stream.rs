//! A table's events made one at a time as the append writes them: an import of a million
//! statuses holds the table and the plan, never the million events as well.

use std::iter::once;

use crate::event::{
    AreaAdded, Event, PlanCreated, ReviewScheduled, SourceImported, StatusRecorded,
};
use crate::plan::Plan;

use super::wsoa::{WsoaArea, WsoaRow};
use super::{
    action_added, area_title, legend_note, non_empty, ImportBatch, ImportSummary, WsoaTable,
};

/// What importing a table appends: the report (warnings and summary; its `events` left
/// empty), how many events there are, and the events themselves, made as they are read.
pub struct ImportStream<'a> {
    pub batch: ImportBatch,
    pub total: usize,
    pub events: Box<dyn Iterator<Item = Event> + 'a>,
}

/// A review's label and where its status cells are: each area that has its column.
type Column<'a> = (String, Vec<(&'a WsoaArea, usize)>);

/// The events for one parsed WSoA document (every area in it) against the plan as it stands:
/// the plan's creation if `new_plan` is given, the `source_imported` entry counting the
/// rest, then areas with their actions, new reviews, and every status, review by review.
///
/// Reviews the plan already has (same label, ignoring case) are reused; their dates are kept
/// and a differing date is a warning.
pub fn wsoa_stream<'a>(
    plan: &Plan,
    table: &'a WsoaTable,
    file_name: &str,
    sha256: &str,
    new_plan: Option<PlanCreated>,
) -> ImportStream<'a> {
    let mut warnings: Vec<String> = table
        .warnings
        .iter()
        .map(|w| format!("{file_name}, {}: {}", table.place(w.line), w.message))
        .collect();
    warnings.extend(table.legend.iter().map(|l| legend_note(file_name, l)));
    let mut summary = ImportSummary {
        file_name: file_name.to_string(),
        sha256: sha256.to_string(),
        plan_created: new_plan.is_some(),
        legend: table.legend.clone(),
        areas: table.areas.len(),
        actions: table.areas.iter().map(|a| a.rows.len()).sum(),
        ..Default::default()
    };
    let mut scheduled = Vec::new();
    let mut columns: Vec<Column<'a>> = Vec::new();
    for column in table.reviews() {
        let date = column.date.format("%Y-%m-%d").to_string();
        let existing = plan
            .reviews
            .iter()
            .find(|r| r.label.to_lowercase() == column.label.to_lowercase());
        let label = match existing {
            Some(r) => {
                if r.date != date {
                    warnings.push(format!(
                        "{file_name}: review {:?} already exists dated {}; the file's column implies {date}, the existing date is kept",
                        r.label, r.date
                    ));
                }
                summary.reviews_reused += 1;
                r.label.clone()
            }
            None => {
                scheduled.push(ReviewScheduled {
                    label: column.label.clone(),
                    date,
                });
                summary.reviews_added += 1;
                column.label.clone()
            }
        };
        let key = label.to_lowercase();
        let cells: Vec<(&WsoaArea, usize)> = table
            .areas
            .iter()
            .filter_map(|a| a.column_of(&key).map(|i| (a, i)))
            .collect();
        summary.statuses += cells
            .iter()
            .map(|(a, i)| a.rows.iter().filter(|r| status_at(r, *i).is_some()).count())
            .sum::<usize>();
        columns.push((label, cells));
    }
    let body = summary.areas + summary.actions + summary.reviews_added + summary.statuses;
    let source = Event::SourceImported(SourceImported {
        file_name: file_name.to_string(),
        sha256: sha256.to_string(),
        format: table.format.to_string(),
        entries: body as u64,
        warnings: warnings.clone(),
    });
    let lead = new_plan.map(Event::PlanCreated);
    let total = usize::from(lead.is_some()) + 1 + body;
    let areas = table.areas.iter().flat_map(|area| {
        once(Event::AreaAdded(AreaAdded {
            id: area.number.clone(),
            title: area_title(area),
            finding: non_empty(&area.finding),
        }))
        .chain(area.rows.iter().map(|row| action_added(&area.number, row)))
    });
    let reviews = scheduled.into_iter().map(Event::ReviewScheduled);
    let statuses = columns.into_iter().flat_map(|(label, cells)| {
        cells.into_iter().flat_map(move |(area, i)| {
            let label = label.clone();
            area.rows.iter().filter_map(move |row| {
                status_at(row, i).map(|status| {
                    Event::StatusRecorded(StatusRecorded {
                        action: row.id.clone(),
                        review: label.clone(),
                        status: status.to_string(),
                        note: None,
                    })
                })
            })
        })
    });
    let events = lead
        .into_iter()
        .chain(once(source))
        .chain(areas)
        .chain(reviews)
        .chain(statuses);
    ImportStream {
        batch: ImportBatch {
            events: Vec::new(),
            warnings,
            summary,
        },
        total,
        events: Box::new(events),
    }
}

/// The row's status in column `i`, if its cell has one.
fn status_at(row: &WsoaRow, i: usize) -> Option<&str> {
    match row.statuses.get(i) {
        Some(Some(status)) => Some(status),
        _ => None,
    }
}
