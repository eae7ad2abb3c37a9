//! The board report's sections as text, shared by Markdown and HTML: the summary, counts
//! by status, what moved, the gaps grouped by kind, the actions, the matrix, and the
//! appendix for inspectors. The body speaks to a board (UK dates, no hashes, no commands);
//! everything an inspector needs to check it sits in the appendix.

use crate::plan::gaps::{Gap, GapKind, Gaps, DELAYED_RUN};
use crate::plan::view::ReviewRef;
use crate::scale::{Rag, StatusScale};

use super::board::{gaps_count, verdict_cell, BoardReport, TrendPoint};
use super::board_summary::StatusCounts;
use super::doc::{Cell, Doc, Grid};
use super::uk_date::uk_date;
use super::views::status_cell;

/// "RAG February 21 (28 February 2021)".
pub fn review_uk(r: &ReviewRef) -> String {
    format!("{} ({})", r.label, uk_date(&r.date))
}

/// Counts per area by status, now and at the previous review.
pub fn counts_grid(r: &BoardReport) -> Grid {
    let mut header = vec!["area".to_string(), "review".to_string()];
    header.extend(r.scale.0.iter().map(|s| s.name.clone()));
    header.extend(["no status".to_string(), "withdrawn".to_string()]);
    let mut g = Grid {
        header,
        rows: Vec::new(),
    };
    let n = |v: u32, rag: Option<Rag>| {
        if v > 0 {
            Cell::status(v.to_string(), rag)
        } else {
            Cell::text("0")
        }
    };
    let row = |area: String, review: &ReviewRef, c: &StatusCounts| {
        let mut cells = vec![Cell::text(area), Cell::text(&review.label)];
        cells.extend(
            c.statuses
                .iter()
                .map(|s| n(s.count, r.scale.rag(&s.status))),
        );
        cells.push(n(c.no_status, None));
        cells.push(n(c.withdrawn, None));
        cells
    };
    for a in &r.counts {
        let name = format!("{} {}", a.id, a.title);
        g.rows.push(row(name.clone(), &r.review, &a.now));
        if let (Some(p), Some(prev)) = (&a.previous, &r.previous) {
            g.rows.push(row(name, prev, p));
        }
    }
    g
}

/// What moved, worst first: action, from, to, verdict, who recorded it and when.
pub fn moved_grid(r: &BoardReport) -> Grid {
    let mut g = Grid::new(&["action", "from", "to", "verdict", "recorded by"]);
    for a in r.moved.moved_worst_first() {
        let mut who: Vec<String> = a
            .entries
            .iter()
            .map(|e| format!("{}, {}", e.actor, uk_date(&e.recorded_at)))
            .collect();
        who.dedup();
        if let Some(w) = &a.withdrawn {
            who.push(format!("withdrawn: {}", w.reason));
        }
        g.rows.push(vec![
            Cell::text(&a.id),
            status_cell(&a.from),
            status_cell(&a.to),
            verdict_cell(a),
            Cell::text(who.join("; ")),
        ]);
    }
    g
}

/// A gap in the board's words (UK dates, the entry by who and when, not by number).
fn gap_detail(g: &Gap) -> String {
    match (g.kind, &g.entry) {
        (GapKind::PastEnd, _) => format!(
            "end date \"{}\"; that month ended on {} and it is not completed",
            g.end.as_deref().unwrap_or("?"),
            g.ended.as_deref().map_or("?".to_string(), uk_date)
        ),
        (GapKind::LateEntry | GapKind::Correction, Some(e)) => format!(
            "{}: recorded by {} on {}",
            e.summary,
            e.actor,
            uk_date(&e.recorded_at)
        ),
        _ => g.detail.clone(),
    }
}

/// The gaps grouped by kind, the ones about progress first; a kind whose rows would all
/// say the same thing (no evidence or sign-off, nothing recorded) is one row naming its
/// actions.
pub fn gap_groups_grid(gaps: &Gaps) -> Grid {
    let mut grid = Grid::new(&["gap", "action", "status", "detail"]);
    let mut i = 0;
    while i < gaps.gaps.len() {
        let kind = gaps.gaps[i].kind;
        let group: Vec<&Gap> = gaps.gaps[i..]
            .iter()
            .take_while(|g| g.kind == kind)
            .collect();
        i += group.len();
        let same_status = group.iter().all(|g| {
            g.status.as_ref().map(|s| &s.status) == group[0].status.as_ref().map(|s| &s.status)
        });
        if group.len() > 1 && kind == GapKind::Unsupported && same_status {
            let ids: Vec<&str> = group.iter().map(|g| g.action.as_str()).collect();
            grid.rows.push(vec![
                Cell::text(kind.as_str()),
                Cell::text(ids.join(", ")),
                status_cell(&group[0].status.as_ref().map(|s| {
                    let mut s = s.clone();
                    s.carried_forward = false;
                    s.late = false;
                    s.corrected_by = None;
                    s
                })),
                Cell::text(format!(
                    "{} actions show {} with no evidence attached and no sign-off",
                    group.len(),
                    group[0].status.as_ref().map_or("", |s| &*s.status)
                )),
            ]);
            continue;
        }
        for g in group {
            grid.rows.push(vec![
                Cell::text(kind.as_str()),
                Cell::text(&g.action),
                status_cell(&g.status),
                Cell::text(gap_detail(g)),
            ]);
        }
    }
    grid
}

/// What counts as a gap, in one paragraph (UK dates).
pub fn gaps_explained_uk(g: &Gaps) -> String {
    let done = g.completed_status.as_deref().unwrap_or("completed");
    let since = match &g.previous {
        Some(p) => format!("recorded after {}", review_uk(p)),
        None => "recorded at any time (this is the first review)".to_string(),
    };
    format!(
        "Gaps, the ones about progress first: past the end date and below {done}; red or \
         amber at {DELAYED_RUN} or more reviews in a row; stale (nothing recorded for {}); \
         late entries and corrections {since}; {done} or above with no evidence attached and \
         no sign-off of that status. Withdrawn actions are left out.",
        g.review.label,
    )
}

/// The report's first lines: what it is for, as at when.
pub fn report_intro(r: &BoardReport) -> Vec<String> {
    let mut lines = vec![format!("Board report as at {}.", review_uk(&r.review))];
    if let Some(p) = &r.previous {
        lines.push(format!("Previous review: {}.", review_uk(p)));
    }
    if let Some(k) = &r.known_at {
        lines.push(format!(
            "As the ledger knew it on {}: anything recorded later is left out.",
            uk_date(k)
        ));
    }
    lines
}

/// The heading of the "what moved" section.
pub fn moved_heading(r: &BoardReport) -> String {
    match &r.moved.from {
        Some(f) => format!("What moved since {}", f.label),
        None => format!("What moved up to {} (the first review)", r.review.label),
    }
}

/// The line under the "what moved" table: every verdict with its actions.
pub fn held_text(r: &BoardReport) -> String {
    format!("In all: {}.", super::board::diff_summary(&r.moved))
}

/// "R→G→G→A": the trend as RAG initials ("·" where there is no status).
pub fn trend_text(points: &[TrendPoint]) -> String {
    points
        .iter()
        .map(|p| match p.rag {
            Some(Rag::Red) => "R",
            Some(Rag::Amber) => "A",
            Some(Rag::Green) => "G",
            Some(Rag::Blue) => "B",
            None => "·",
        })
        .collect::<Vec<_>>()
        .join("→")
}

/// One row per action: area, action, text, lead, end, status, trend (as text).
pub fn actions_grid(r: &BoardReport) -> Grid {
    let mut g = Grid::new(&["area", "action", "what", "lead", "end", "status", "trend"]);
    for a in &r.actions {
        let status = if a.withdrawn {
            Cell::text("Withdrawn")
        } else {
            status_cell(&a.status)
        };
        g.rows.push(vec![
            Cell::text(&a.area),
            Cell::text(&a.id),
            Cell::text(&a.action),
            Cell::text(a.lead.clone().unwrap_or_default()),
            Cell::text(a.end.clone().unwrap_or_default()),
            status,
            Cell::text(trend_text(&a.trend)),
        ]);
    }
    g
}

/// The RAG matrix up to the report's review.
pub fn matrix_grid(r: &BoardReport) -> Grid {
    super::views::matrix_doc(&r.matrix)
        .grids()
        .next()
        .cloned()
        .unwrap_or_default()
}

/// The scale, worst first, with its colours.
pub fn scale_text(scale: &StatusScale) -> String {
    scale
        .0
        .iter()
        .map(|s| format!("{} ({})", s.name, s.rag.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The appendix title.
pub const APPENDIX_TITLE: &str = "Appendix for inspectors: checking this report";

/// The appendix: what the report was produced from and how to check it, with the exact
/// hashes, times and commands the body leaves out.
pub fn appendix_lines(r: &BoardReport) -> Vec<String> {
    let mut lines = Vec::new();
    lines.push(format!("Ledger: {}.", r.origin));
    lines.push(match r.head {
        Some(h) => format!(
            "Produced from ledger entry {} (the head) with hash {}.",
            h.seq, h.hash
        ),
        None => "Produced from an empty ledger.".to_string(),
    });
    if let Some(k) = &r.known_at {
        lines.push(format!("Replayed as the ledger knew it at {k}."));
    }
    lines.push(format!("Verification: {}.", r.verification.sentence()));
    if let Some(c) = &r.checkpoint {
        lines.push(format!(
            "Checkpoint of those {} entries (what readiness checkpoint prints for a ledger of that size): {} / {} / {}.",
            c.size, c.origin, c.size, c.root
        ));
    }
    if let Some(h) = r.head {
        lines.push(format!(
            "To check a copy of the ledger is this one, or extends it: readiness verify --expect {}:{}",
            h.seq, h.hash
        ));
        lines.push(
            "Without this program: export it (readiness export FILE.jsonl) and run \
             python3 tools/verify_ledger.py FILE.jsonl; it prints the same head."
                .to_string(),
        );
    }
    lines
}

/// The entries behind each movement, by number and exact time, for the appendix.
pub fn moved_entries_grid(r: &BoardReport) -> Grid {
    let mut g = Grid::new(&["action", "entry", "by", "recorded at"]);
    for a in r.moved.moved_worst_first() {
        for e in &a.entries {
            g.rows.push(vec![
                Cell::text(&a.id),
                Cell::text(e.seq.to_string()),
                Cell::text(&e.actor),
                Cell::text(&e.recorded_at),
            ]);
        }
        if let Some(w) = &a.withdrawn {
            g.rows.push(vec![
                Cell::text(&a.id),
                Cell::text(w.seq.to_string()),
                Cell::text("withdrawn"),
                Cell::text(&w.reason),
            ]);
        }
    }
    g
}

/// The report as a document: Markdown, and the same sections the HTML shows.
pub fn report_doc(r: &BoardReport) -> Doc {
    let mut doc = Doc::default();
    doc.heading(&r.title);
    for l in report_intro(r) {
        doc.note(l);
    }
    doc.heading("Summary");
    for s in &r.summary.sentences {
        doc.note(s);
    }
    doc.heading("Actions by status");
    doc.grid(counts_grid(r));
    doc.heading(moved_heading(r));
    let moved = r.moved.moved_worst_first();
    if moved.is_empty() {
        doc.note("Nothing moved.");
    } else {
        doc.note("Worst first.");
        doc.grid(moved_grid(r));
    }
    doc.note(held_text(r));
    doc.heading(format!("Readiness gaps at {}", r.review.label));
    doc.note(gaps_count(&r.gaps));
    if !r.gaps.gaps.is_empty() {
        doc.grid(gap_groups_grid(&r.gaps));
    }
    doc.note(gaps_explained_uk(&r.gaps));
    doc.heading("Actions");
    doc.note("Trend: the RAG colour at each review up to this one, oldest first (R red, A amber, G green, B blue, · none).");
    doc.grid(actions_grid(r));
    doc.heading("RAG matrix");
    doc.grid(matrix_grid(r));
    doc.note(format!(
        "Status scale, worst first: {}.",
        scale_text(&r.scale)
    ));
    doc.heading(APPENDIX_TITLE);
    for l in appendix_lines(r) {
        doc.note(l);
    }
    let entries = moved_entries_grid(r);
    if !entries.rows.is_empty() {
        doc.note("The entries behind what moved:");
        doc.grid(entries);
    }
    doc
}
