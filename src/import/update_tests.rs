//! Unit tests of the quarterly update: small one-line-per-row tables, imported, then updated.

use super::*;
use crate::batch::seal_batch;
use crate::event::PlanCreated;
use crate::import::{parse_wsoa, wsoa_events};
use crate::scale::StatusScale;

/// One row: id, lead, and its status cells ("" for an empty cell).
type Row<'a> = (&'a str, &'a str, Vec<&'a str>);

/// A one-area WSoA document with one line per row.
fn doc(reviews: &[&str], rows: &[Row]) -> String {
    let mut s =
        String::from("Test WSoA\nArea for Improvement 1\nLeadership: leaders do not yet agree\n");
    s.push_str("Number | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact |");
    for r in reviews {
        s.push_str(&format!(" {r} |"));
    }
    s.push('\n');
    s.push_str(&"---|".repeat(8 + reviews.len()));
    s.push('\n');
    for (id, lead, statuses) in rows {
        s.push_str(&format!(
            "{id} | Outcome of {id}. | Do action {id}. | April 2020 | September 2020 | {lead} | Measures for {id} are written as a long sentence of words. | Evidence for {id} is written as a long sentence of words too. |"
        ));
        for st in statuses {
            s.push_str(&format!(" {st} |"));
        }
        s.push('\n');
    }
    s
}

fn table(text: &str) -> WsoaTable {
    let scale = StatusScale::york();
    parse_wsoa("t.txt", text.as_bytes(), &scale.names()).unwrap_or_else(|e| panic!("{e}"))
}

fn sha(text: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::hex::encode(&Sha256::digest(text.as_bytes()))
}

/// Seals `events` after the plan's head and folds them in, as the append path does.
fn append(plan: &mut Plan, events: Vec<Event>) {
    let now: chrono::DateTime<chrono::Utc> = "2026-11-30T12:00:00Z".parse().unwrap();
    let sealed = seal_batch(plan, "t", now, events).unwrap_or_else(|e| panic!("{e}"));
    for e in &sealed.entries {
        plan.apply(e);
    }
}

/// A plan created by importing `text`.
fn imported(text: &str) -> Plan {
    let mut plan = Plan::new();
    let created = PlanCreated {
        title: "T".into(),
        origin: "t".into(),
        scale: StatusScale::york(),
    };
    let batch = wsoa_events(&plan, &table(text), "first.txt", &sha(text), Some(created));
    append(&mut plan, batch.events);
    plan
}

fn update(plan: &Plan, text: &str) -> UpdateBatch {
    wsoa_update_events(plan, &table(text), "next.txt", &sha(text))
}

const PD: &str = "Progressing but delayed";
const OT: &str = "Progressing and on track";
const C: &str = "Completed";

fn two_columns() -> String {
    doc(
        &["RAG May 20", "RAG August 20"],
        &[
            ("1.1", "CYC (M.S)", vec![PD, OT]),
            ("1.2", "CCG", vec![PD, PD]),
        ],
    )
}

fn status_of(plan: &Plan, action: &str, review: &str) -> String {
    plan.action(action).unwrap().statuses[review]
        .status
        .to_string()
}

#[test]
fn a_new_column_adds_its_review_and_statuses_only() {
    let mut plan = imported(&two_columns());
    let next = doc(
        &["RAG May 20", "RAG August 20", "RAG November 20"],
        &[
            ("1.1", "CYC (M.S)", vec![PD, OT, C]),
            ("1.2", "CCG", vec![PD, PD, OT]),
        ],
    );
    let batch = update(&plan, &next);
    let types: Vec<&str> = batch.events.iter().map(|e| e.type_name()).collect();
    assert_eq!(
        types,
        [
            "source_imported",
            "review_scheduled",
            "status_recorded",
            "status_recorded"
        ]
    );
    assert_eq!(batch.summary.reviews_added, ["RAG November 20"]);
    assert_eq!(
        batch.summary.describe(),
        "1 new review (RAG November 20), 2 new statuses, 0 past statuses changed"
    );
    match &batch.events[0] {
        Event::SourceImported(e) => assert_eq!(e.entries, 3),
        other => panic!("{other:?}"),
    }
    append(&mut plan, batch.events);
    assert_eq!(status_of(&plan, "1.2", "RAG November 20"), OT);
    // The same table again (other bytes, same content) now brings nothing.
    let again = update(&plan, &format!("{next}\n"));
    assert!(again.is_noop(), "{:?}", again.events);
    assert!(again.summary.already_imported.is_none());
}

#[test]
fn an_identical_table_is_a_noop_and_the_same_bytes_say_where_they_came_in() {
    let text = two_columns();
    let plan = imported(&text);
    let same_bytes = update(&plan, &text);
    assert!(same_bytes.is_noop());
    assert_eq!(
        same_bytes.summary.already_imported,
        Some(PreviousImport {
            file_name: "first.txt".into(),
            seq: 2
        })
    );
    let same_content = update(&plan, &text.replace("Test WSoA", "Test WSoA (republished)"));
    assert!(same_content.is_noop(), "{:?}", same_content.events);
    assert!(same_content.summary.already_imported.is_none());
    assert!(
        same_content.warnings.is_empty(),
        "{:?}",
        same_content.warnings
    );
}

#[test]
fn an_edited_past_cell_is_a_correction_of_the_entry_showing_it() {
    let mut plan = imported(&two_columns());
    let shown = plan.action("1.2").unwrap().statuses["RAG May 20"].source;
    let edited = doc(
        &["RAG May 20", "RAG August 20"],
        &[
            ("1.1", "CYC (M.S)", vec![PD, OT]),
            ("1.2", "CCG", vec![OT, PD]),
        ],
    );
    let batch = update(&plan, &edited);
    assert_eq!(batch.events.len(), 2);
    match &batch.events[1] {
        Event::Correction(c) => {
            assert_eq!(c.target, shown.0);
            assert_eq!(
                (c.action.as_str(), c.review.as_deref(), c.status.as_deref()),
                ("1.2", Some("RAG May 20"), Some(OT))
            );
            assert!(c.reason.contains(&sha(&edited)), "{}", c.reason);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        batch.summary.describe(),
        format!(
            "0 new reviews, 0 new statuses, 1 past status changed: 1.2 at RAG May 20 {PD} -> {OT}"
        )
    );
    append(&mut plan, batch.events);
    assert_eq!(status_of(&plan, "1.2", "RAG May 20"), OT);
    // Edited back: the correction now targets the correction, the entry showing the value.
    let current = plan.action("1.2").unwrap().statuses["RAG May 20"].source;
    assert_ne!(current, shown);
    let back = update(
        &plan,
        &two_columns().replace("Test WSoA", "Test WSoA again"),
    );
    match &back.events[1] {
        Event::Correction(c) => assert_eq!((c.target, c.status.as_deref()), (current.0, Some(PD))),
        other => panic!("{other:?}"),
    }
    append(&mut plan, back.events);
    assert_eq!(status_of(&plan, "1.2", "RAG May 20"), PD);
}

#[test]
fn an_emptied_cell_is_reported_and_kept() {
    let plan = imported(&two_columns());
    let emptied = doc(
        &["RAG May 20", "RAG August 20"],
        &[
            ("1.1", "CYC (M.S)", vec!["", OT]),
            ("1.2", "CCG", vec![PD, PD]),
        ],
    );
    let batch = update(&plan, &emptied);
    assert!(batch.is_noop(), "{:?}", batch.events);
    assert_eq!(
        batch.summary.cells_emptied,
        [StatusCell {
            action: "1.1".into(),
            review: "RAG May 20".into(),
            status: PD.into()
        }]
    );
    assert_eq!(batch.warnings.len(), 1, "{:?}", batch.warnings);
    assert!(
        batch.warnings[0].contains("1.1 at RAG May 20 is empty in the table")
            && batch.warnings[0].contains("kept"),
        "{}",
        batch.warnings[0]
    );
}

#[test]
fn a_new_action_and_a_changed_lead_are_added_and_amended_an_emptied_lead_is_kept() {
    let mut plan = imported(&two_columns());
    let next = doc(
        &["RAG May 20", "RAG August 20"],
        &[
            ("1.1", "CYC (J.S)", vec![PD, OT]),
            ("1.2", "", vec![PD, PD]),
            ("1.3", "LA", vec!["", C]),
        ],
    );
    let batch = update(&plan, &next);
    assert_eq!(batch.summary.actions_added, ["1.3"]);
    assert_eq!(
        batch.summary.actions_amended,
        [Amendment {
            action: "1.1".into(),
            fields: vec!["lead".into()]
        }]
    );
    assert!(
        batch
            .warnings
            .iter()
            .any(|w| w.contains("lead is empty in the table")),
        "{:?}",
        batch.warnings
    );
    assert_eq!(
        batch.summary.describe(),
        "1 new action (1.3), 0 new reviews, 1 new status, 1 action amended (1.1: lead), 0 past statuses changed"
    );
    append(&mut plan, batch.events);
    assert_eq!(
        plan.action("1.1").unwrap().fields.lead.as_deref(),
        Some("CYC (J.S)")
    );
    assert_eq!(
        plan.action("1.2").unwrap().fields.lead.as_deref(),
        Some("CCG")
    );
    assert_eq!(status_of(&plan, "1.3", "RAG August 20"), C);
}

#[test]
fn a_new_area_with_its_own_reviews_joins_the_plan() {
    let mut plan = imported(&two_columns());
    let area2 = doc(
        &["RAG August 20", "RAG November 20"],
        &[("2.1", "LA", vec![PD, OT])],
    )
    .replace("Area for Improvement 1", "Area for Improvement 2");
    let next = format!(
        "{}{}",
        two_columns(),
        area2.lines().skip(1).collect::<Vec<_>>().join("\n")
    );
    let batch = update(&plan, &next);
    assert_eq!(batch.summary.areas_added, ["2"]);
    assert_eq!(batch.summary.reviews_added, ["RAG November 20"]);
    assert_eq!(batch.summary.statuses_added.len(), 2);
    append(&mut plan, batch.events);
    assert_eq!(plan.action("2.1").unwrap().fields.area, "2");
}

/// The two-column plan with 1.2 withdrawn from `from`, and the table one column later.
fn withdrawn_then_next(from: Option<&str>) -> (Plan, String) {
    let mut plan = imported(&two_columns());
    append(
        &mut plan,
        vec![Event::ActionWithdrawn(crate::event::ActionWithdrawn {
            id: "1.2".into(),
            reason: "merged".into(),
            from: from.map(str::to_string),
        })],
    );
    let next = doc(
        &["RAG May 20", "RAG August 20", "RAG November 20"],
        &[
            ("1.1", "CYC (M.S)", vec![PD, OT, C]),
            ("1.2", "CCG", vec![PD, PD, OT]),
        ],
    );
    (plan, next)
}

#[test]
fn a_withdrawal_not_yet_in_effect_leaves_the_cells_before_it_open() {
    // Recorded in 2026 with no review after it: the November 2020 cell is still the action's.
    let (plan, next) = withdrawn_then_next(None);
    let batch = update(&plan, &next);
    assert_eq!(batch.summary.statuses_added.len(), 2);
    assert!(batch.summary.actions_amended.is_empty());
}

#[test]
fn a_withdrawn_action_takes_nothing_from_the_table() {
    let (mut plan, next) = withdrawn_then_next(Some("RAG August 20"));
    let batch = update(&plan, &next);
    assert_eq!(batch.summary.statuses_added.len(), 1);
    assert!(
        batch.warnings.iter().any(|w| w.contains("withdrawn")),
        "{:?}",
        batch.warnings
    );
    append(&mut plan, batch.events);
}
