//! A table's events made one at a time as the append writes them: an import of a million
//! statuses holds the table and the plan, never the million events as well.

use crate::event::{
    AreaAdded, Event, PlanCreated, ReviewScheduled, SourceImported, StatusRecorded,
};
use crate::plan::Plan;

use super::wsoa::WsoaArea;
use super::{
    action_added, area_title, legend_note, non_empty, ImportBatch, ImportSummary, WsoaTable,
};

/// What importing a table appends: the report (warnings and summary; its `events` left
/// empty), how many events there are, and the events themselves, made as they are read.
pub struct ImportStream {
    pub batch: ImportBatch,
    pub total: usize,
    /// Owns the table: each status moves out of its cell into its event, and the table is
    /// freed when the last event has been taken.
    pub events: Box<dyn Iterator<Item = Event>>,
}

/// A review's label and where its status cells are: (area, column) for each area that has
/// its column.
type Column = (String, Vec<(usize, usize)>);

/// The events for one parsed WSoA document (every area in it) against the plan as it stands:
/// the plan's creation if `new_plan` is given, the `source_imported` entry counting the
/// rest, then areas with their actions, new reviews, and every status, review by review.
///
/// Reviews the plan already has (same label, ignoring case) are reused; their dates are kept
/// and a differing date is a warning.
pub fn wsoa_stream(
    plan: &Plan,
    table: WsoaTable,
    file_name: &str,
    sha256: &str,
    new_plan: Option<PlanCreated>,
) -> ImportStream {
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
    let mut columns: Vec<Column> = Vec::new();
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
        let cells: Vec<(usize, usize)> = (table.areas.iter().enumerate())
            .filter_map(|(a, area)| area.column_of(&key).map(|i| (a, i)))
            .collect();
        summary.statuses += cells
            .iter()
            .map(|&(a, i)| count_statuses(&table.areas[a], i))
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
    let mut front: Vec<Event> = Vec::with_capacity(2 + summary.areas + summary.actions);
    front.extend(lead);
    front.push(source);
    for area in &table.areas {
        front.push(Event::AreaAdded(AreaAdded {
            id: area.number.clone(),
            title: area_title(area),
            finding: non_empty(&area.finding),
        }));
        front.extend(area.rows.iter().map(|row| action_added(&area.number, row)));
    }
    front.extend(scheduled.into_iter().map(Event::ReviewScheduled));
    let statuses = Statuses {
        table,
        columns,
        column: 0,
        cell: 0,
        row: 0,
    };
    ImportStream {
        batch: ImportBatch {
            events: Vec::new(),
            warnings,
            summary,
        },
        total,
        events: Box::new(front.into_iter().chain(statuses)),
    }
}

/// How many of the area's rows have a status in column `i`.
fn count_statuses(area: &WsoaArea, i: usize) -> usize {
    area.rows
        .iter()
        .filter(|r| matches!(r.statuses.get(i), Some(Some(_))))
        .count()
}

/// The status events, review by review, area by area, row by row, each status moved out of
/// the table it owns.
struct Statuses {
    table: WsoaTable,
    columns: Vec<Column>,
    /// Where the next status is looked for: review, area cell of that review, row.
    column: usize,
    cell: usize,
    row: usize,
}

impl Iterator for Statuses {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            let (label, cells) = self.columns.get(self.column)?;
            let Some(&(area, i)) = cells.get(self.cell) else {
                self.column += 1;
                self.cell = 0;
                continue;
            };
            let Some(row) = self.table.areas[area].rows.get_mut(self.row) else {
                self.cell += 1;
                self.row = 0;
                continue;
            };
            self.row += 1;
            if let Some(status) = row.statuses.get_mut(i).and_then(Option::take) {
                return Some(Event::StatusRecorded(StatusRecorded {
                    action: row.id.clone(),
                    review: label.clone(),
                    status,
                    note: None,
                }));
            }
        }
    }
}
