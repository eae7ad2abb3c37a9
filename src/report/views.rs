//! How each projection reads as a document: which headings, notes and columns.

use std::borrow::Cow;

use crate::plan::view::{ActionAt, AreaAt, History, Matrix, MatrixRow, PlanAt, StatusAt};
use crate::scale::Rag;

use super::doc::{Cell, Doc, Grid};

fn rag_name(rag: Option<Rag>) -> &'static str {
    rag.map_or("", Rag::as_str)
}

/// A status with its marks: "Completed (carried from RAG May 20; late)".
pub fn status_text(s: &StatusAt) -> String {
    status_words(s).into_owned()
}

/// [`status_text`], the status's own interned name when it has no marks (the usual case:
/// not copied for each of ten thousand rows).
fn status_words(s: &StatusAt) -> Cow<'static, str> {
    let mut marks = Vec::new();
    if s.carried_forward {
        marks.push(format!("carried from {}", s.review));
    }
    if s.late {
        marks.push("late".to_string());
    }
    if let Some(c) = s.corrected_by {
        marks.push(format!("corrected by entry {c}"));
    }
    if !s.signed_by.is_empty() {
        marks.push(format!("signed off by {}", s.signed_by.join(", ")));
    }
    if s.signoff_superseded {
        marks.push("an earlier sign-off was of another status".to_string());
    }
    if marks.is_empty() {
        Cow::Borrowed(s.status.as_str())
    } else {
        Cow::Owned(format!("{} ({})", s.status, marks.join("; ")))
    }
}

/// A status cell coloured by its RAG; empty when there is no status.
pub fn status_cell(s: &Option<StatusAt>) -> Cell {
    match s {
        Some(s) => Cell::status(status_text(s), s.rag),
        None => Cell::text(""),
    }
}

fn head_note(doc: &mut Doc, head: Option<crate::entry::Head>) {
    doc.note(head_note_text(head));
}

/// The note naming the ledger's head, under a view's heading.
pub(super) fn head_note_text(head: Option<crate::entry::Head>) -> String {
    match head {
        Some(h) => format!("Ledger head: {} {}", h.seq, h.hash),
        None => "Ledger head: empty".to_string(),
    }
}

/// The plan at a review: one grid for all areas, grouped by area.
pub fn plan_doc(view: &PlanAt) -> Doc {
    let mut doc = Doc::default();
    doc.heading(&view.title);
    for note in plan_notes(view) {
        doc.note(note);
    }
    let mut g = Grid::new(&PLAN_COLUMNS);
    for area in &view.areas {
        for a in &area.actions {
            let (texts, rag) = plan_row(area, a);
            let coloured = [2, 3];
            g.rows.push(
                (texts.into_iter().enumerate())
                    .map(|(i, t)| match coloured.contains(&i) {
                        true => Cell::status(t, rag),
                        false => Cell::text(t),
                    })
                    .collect(),
            );
        }
    }
    doc.grid(g);
    for area in &view.areas {
        doc.note(area_note(area));
    }
    doc
}

/// The plan grid's column names; [`super::plan_table`] writes them too.
pub(super) const PLAN_COLUMNS: [&str; 7] =
    ["area", "action", "status", "rag", "lead", "start", "end"];

/// The notes under the plan's heading: the review it is at, and the ledger's head.
pub(super) fn plan_notes(view: &PlanAt) -> [String; 2] {
    let at = match &view.review {
        Some(r) => format!("As at {} ({})", r.label, r.date),
        None => "No reviews yet".to_string(),
    };
    [at, head_note_text(view.head)]
}

/// The note naming an area, under the plan's grid.
pub(super) fn area_note(area: &AreaAt) -> String {
    format!("Area {}: {}", area.id, area.title)
}

/// One action's row of the plan grid, and the RAG colouring its status and rag cells (none
/// once withdrawn).
pub(super) fn plan_row<'v>(area: &'v AreaAt, a: &'v ActionAt) -> ([Cow<'v, str>; 7], Option<Rag>) {
    let shown = |s: &Option<StatusAt>| s.as_ref().map_or(Cow::Borrowed(""), status_words);
    let rag = a.status.as_ref().and_then(|s| s.rag);
    let (status, rag) = match (&a.withdrawn, &a.withdrawal_pending) {
        (Some(w), _) => {
            let text = format!("Withdrawn {} (entry {}): {}", w.from, w.seq, w.reason);
            (Cow::Owned(text), None)
        }
        (None, Some(w)) => {
            let text = format!(
                "{} (to be withdrawn {}, entry {}: {})",
                shown(&a.status),
                w.from,
                w.seq,
                w.reason
            );
            (Cow::Owned(text), rag)
        }
        (None, None) => (shown(&a.status), rag),
    };
    let rag_cell = match &a.withdrawn {
        Some(_) => "",
        None => rag_name(rag),
    };
    let field = |s: &'v Option<Cow<'_, str>>| Cow::Borrowed(s.as_deref().unwrap_or_default());
    let texts = [
        Cow::Borrowed(area.id.as_str()),
        Cow::Borrowed(&*a.id),
        status,
        Cow::Borrowed(rag_cell),
        field(&a.lead),
        field(&a.start),
        field(&a.end),
    ];
    (texts, rag)
}

/// The RAG matrix: `action,<review label>,...` with the status text in each cell.
pub fn matrix_doc(m: &Matrix) -> Doc {
    let mut doc = Doc::default();
    doc.heading(matrix_heading(m));
    head_note(&mut doc, m.head);
    let mut g = Grid {
        header: matrix_header(m).map(str::to_string).collect(),
        rows: Vec::new(),
    };
    for row in &m.rows {
        let mut cells = vec![Cell::text(matrix_action(row))];
        cells.extend(row.cells.iter().map(|c| match c {
            Some(c) => Cell::fixed_status(c.status.as_str(), c.rag),
            None => Cell::fixed_status("", None),
        }));
        g.rows.push(cells);
    }
    doc.grid(g);
    doc
}

/// The matrix's heading; [`super::matrix_table`] writes it too.
pub(super) fn matrix_heading(m: &Matrix) -> String {
    format!("{}: RAG by review", m.title)
}

/// The matrix's column names.
pub(super) fn matrix_header(m: &Matrix) -> impl Iterator<Item = &str> {
    std::iter::once("action").chain(m.reviews.iter().map(|r| r.label.as_str()))
}

/// A matrix row's first cell: its action, marked if withdrawn.
pub(super) fn matrix_action(row: &MatrixRow) -> Cow<'_, str> {
    if row.withdrawn {
        Cow::Owned(format!("{} (withdrawn)", row.action))
    } else {
        Cow::Borrowed(&row.action)
    }
}

/// An action's entries, then its status at each review.
pub fn history_doc(h: &History) -> Doc {
    let mut doc = Doc::default();
    doc.heading(format!("Action {}: {}", h.action, h.text));
    let mut entries = Grid::new(&["seq", "recorded at", "actor", "event", "what", "marks"]);
    for e in &h.entries {
        entries.rows.push(vec![
            Cell::text(e.seq.to_string()),
            Cell::text(&e.recorded_at),
            Cell::text(&e.actor),
            Cell::text(e.event_type),
            Cell::text(&e.summary),
            Cell::text(e.marks.join(", ")),
        ]);
    }
    doc.grid(entries);
    doc.heading("Status at each review");
    let mut reviews = Grid::new(&["review", "date", "status", "rag", "seq"]);
    for (r, s) in &h.reviews {
        reviews.rows.push(vec![
            Cell::text(&r.label),
            Cell::text(&r.date),
            status_cell(s),
            Cell::status(
                rag_name(s.as_ref().and_then(|s| s.rag)),
                s.as_ref().and_then(|s| s.rag),
            ),
            Cell::text(s.as_ref().map(|s| s.seq.to_string()).unwrap_or_default()),
        ]);
    }
    doc.grid(reviews);
    doc
}
