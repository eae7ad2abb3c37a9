//! Unit tests of the web-copy reader: the York and four-area copies read as their
//! pipe-separated originals do, and broken copies are refused with the line.

use super::*;
use crate::import::wsoa::{parse_wsoa, WsoaRow};
use crate::import::{SourceKind, WEB_TEXT_FORMAT, WSOA_FORMAT};

const YORK: &str = include_str!("../../tests/data/york-wsoa-area1.txt");
const YORK_WEB: &str = include_str!("../../tests/data/york-wsoa-area1-web.txt");
const FOUR: &str = include_str!("../../tests/data/wsoa-four-areas.txt");
const FOUR_WEB: &str = include_str!("../../tests/data/wsoa-four-areas-web.txt");
const SCALE: [&str; 6] = [
    "Not started",
    "Started but delayed",
    "Progressing but delayed",
    "Progressing and on track",
    "Completed",
    "Embedded",
];

fn parse(text: &str) -> Result<WsoaTable, ImportError> {
    parse_web_text("web.txt", text.as_bytes(), &SCALE)
}

fn err(text: &str) -> String {
    match parse(text) {
        Ok(t) => panic!("expected an error, got {} rows", t.rows().count()),
        Err(e) => e.to_string(),
    }
}

/// A row's content without its line: what the ledger gets from it.
fn content(r: &WsoaRow) -> String {
    format!(
        "{} {} | {} | {} | {} | {} | {} | {} | {} | {:?}",
        r.id,
        r.number,
        r.outcome,
        r.action,
        r.start.text,
        r.end.text,
        r.lead,
        r.measures,
        r.evidence_impact,
        r.statuses
    )
}

/// The table without line numbers or format: what must agree between the two layouts.
fn essence(t: &WsoaTable) -> Vec<String> {
    let mut out = vec![t.title.clone()];
    for a in &t.areas {
        let reviews: Vec<String> = a
            .reviews
            .iter()
            .map(|r| format!("{} {}", r.label, r.date))
            .collect();
        out.push(format!("{} / {} / {:?}", a.heading, a.finding, reviews));
        out.extend(a.rows.iter().map(content));
    }
    out
}

#[test]
fn york_web_copy_reads_as_the_pipe_table() {
    let pipe = parse_wsoa("york.txt", YORK.as_bytes(), &SCALE).unwrap();
    let web = parse(YORK_WEB).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(essence(&web), essence(&pipe));
    assert_eq!(web.rows().count(), 6);
    assert_eq!(web.format, WEB_TEXT_FORMAT);
    assert_eq!(pipe.format, WSOA_FORMAT);
    // The same repair, reported on the copy's own line for row 1.3B.
    let messages: Vec<&str> = web.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].ends_with("16 cells for 17 columns; left \"Lead\" empty"),
        "{messages:?}"
    );
    let b = web.rows().find(|r| r.id == "1.3B").unwrap();
    assert_eq!(web.warnings[0].line, b.line);
}

#[test]
fn four_area_web_copy_reads_as_the_pipe_table() {
    let pipe = parse_wsoa("four.txt", FOUR.as_bytes(), &SCALE).unwrap();
    let web = parse(FOUR_WEB).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(essence(&web), essence(&pipe));
    assert_eq!(web.areas.len(), 4);
    // 3.3's first cell is empty: shown by a leading tab.
    let row = web.rows().find(|r| r.id == "3.3").unwrap();
    assert_eq!(row.statuses[0], None);
}

/// A one-area copy with the given header review labels and rows' status lines.
fn doc(labels: &str, status_lines: &[&str]) -> String {
    let mut text = String::from(
        "Plan\n\nArea for Improvement 1\n\nGovernance: a finding\n\nNumber\n\nOutcomes\n\nAction\n\nStart date\n\nEnd date\n\nLead\n\nMeasures of success\n\nEvidence and impact\n\n",
    );
    text.push_str(labels);
    text.push_str("\n\n");
    for (i, status) in status_lines.iter().enumerate() {
        text.push_str(&format!(
            "1.{}\n\nAn outcome\n\nAn action\n\nMay 2020\n\nJune 2021\n\n(A.B) LA\n\nA measure of success written as a sentence of words\n\nEvidence of impact written as a sentence of several words\n\n{status}\n\n",
            i + 1
        ));
    }
    text
}

#[test]
fn abbreviated_and_run_together_review_labels_are_read() {
    let t = parse(&doc("RAG Nov 20 RAG Feb 21", &["Completed Embedded"])).unwrap();
    let labels: Vec<(String, String)> = t.areas[0]
        .reviews
        .iter()
        .map(|r| (r.label.clone(), r.date.to_string()))
        .collect();
    assert_eq!(
        labels,
        [
            ("RAG Nov 20".to_string(), "2020-11-30".to_string()),
            ("RAG Feb 21".to_string(), "2021-02-28".to_string())
        ]
    );
    let row = t.rows().next().unwrap();
    assert_eq!(
        row.statuses,
        [Some("Completed".into()), Some("Embedded".into())]
    );
    assert_eq!(row.lead, "(A.B) LA");
}

#[test]
fn status_words_match_ignoring_case_and_take_the_scale_spelling() {
    let t = parse(&doc(
        "RAG May 20 RAG Nov 20",
        &["not STARTED progressing AND on track"],
    ))
    .unwrap();
    assert_eq!(
        t.rows().next().unwrap().statuses,
        [
            Some("Not started".into()),
            Some("Progressing and on track".into())
        ]
    );
}

#[test]
fn too_few_statuses_name_the_line_run_split_and_count() {
    let text = doc("RAG May 20 RAG Aug 20 RAG Nov 20", &["Completed Embedded"]);
    let line = text
        .lines()
        .position(|l| l == "Completed Embedded")
        .unwrap()
        + 1;
    let e = err(&text);
    assert!(
        e.starts_with(&format!(
            "web.txt, line {line}: the status line \"Completed Embedded\" splits into 2 (\"Completed\", \"Embedded\") but the header has 3 review columns"
        )),
        "{e}"
    );
    assert!(e.contains("separate that row's statuses with tabs"), "{e}");
}

#[test]
fn too_many_statuses_are_refused() {
    let e = err(&doc("RAG May 20", &["Completed Embedded"]));
    assert!(
        e.contains(
            "splits into 2 (\"Completed\", \"Embedded\") but the header has 1 review columns"
        ),
        "{e}"
    );
}

#[test]
fn an_unknown_word_in_a_status_line_is_named() {
    let e = err(&doc("RAG May 20 RAG Nov 20", &["Completed Completd"]));
    assert!(
        e.contains("splits into 1 (\"Completed\"), then \"Completd\" starts with no status the plan accepts but the header has 2"),
        "{e}"
    );
}

#[test]
fn a_reading_that_only_shorter_phrases_give_is_offered_not_taken() {
    let words = ["Not yet", "Not yet due", "Due"];
    let text = doc("RAG May 20 RAG Aug 20 RAG Nov 20", &["Not yet due Due"]);
    let e = parse_web_text("web.txt", text.as_bytes(), &words)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("splits into 2 (\"Not yet due\", \"Due\") but the header has 3 review columns (read with shorter phrases it would give 3: \"Not yet\", \"due\", \"Due\""),
        "{e}"
    );
    // With two columns the longest phrase first gives the reading.
    let text = doc("RAG May 20 RAG Aug 20", &["Not yet due Due"]);
    let t = parse_web_text("web.txt", text.as_bytes(), &words).unwrap();
    assert_eq!(
        t.rows().next().unwrap().statuses,
        [Some("Not yet due".into()), Some("Due".into())]
    );
}

#[test]
fn tab_separated_statuses_may_leave_a_cell_empty() {
    let t = parse(&doc(
        "RAG May 20 RAG Aug 20 RAG Nov 20",
        &["Completed\t\tEmbedded"],
    ))
    .unwrap();
    assert_eq!(
        t.rows().next().unwrap().statuses,
        [Some("Completed".into()), None, Some("Embedded".into())]
    );
    let e = err(&doc(
        "RAG May 20 RAG Aug 20 RAG Nov 20",
        &["Completed\tEmbedded"],
    ));
    assert!(
        e.contains("splits into 2 (\"Completed\", \"Embedded\") but the header has 3"),
        "{e}"
    );
}

#[test]
fn a_cell_split_into_two_paragraphs_is_refused_with_the_row() {
    let text =
        doc("RAG May 20", &["Completed"]).replace("An action\n\n", "An action\n\nmore of it\n\n");
    let e = err(&text);
    assert!(
        e.starts_with("web.txt, line 25: row 1.1 has 8 paragraphs between its number and its status line, for the header's 7 text columns (Outcomes, Action,"),
        "{e}"
    );
}

#[test]
fn a_copy_without_a_header_says_what_a_header_looks_like() {
    let e = err("Plan\n\nArea for Improvement 1\n\nsome text\n");
    assert!(
        e.starts_with("web.txt, line 5: no header found; a table copied from a web page"),
        "{e}"
    );
}

#[test]
fn a_later_area_without_its_header_is_refused() {
    let mut text = doc("RAG May 20", &["Completed"]);
    text.push_str("Area for Improvement 2\n\nAnother finding\n\n2.1\n\nAn outcome\n");
    let e = err(&text);
    assert!(
        e.contains(
            "\"Area for Improvement 2\" starts a new area here, but the table line after it"
        ),
        "{e}"
    );
}

#[test]
fn the_layout_is_picked_by_the_header() {
    assert_eq!(SourceKind::of(YORK.as_bytes()), SourceKind::PipeText);
    assert_eq!(SourceKind::of(YORK_WEB.as_bytes()), SourceKind::WebText);
    assert_eq!(SourceKind::of(FOUR_WEB.as_bytes()), SourceKind::WebText);
    // A broken pipe table goes to the pipe reader, which names what its header lacks.
    assert_eq!(
        SourceKind::of(b"Plan\n1.1 | a | b |\n"),
        SourceKind::PipeText
    );
    assert_eq!(SourceKind::of(b"just words\n"), SourceKind::WebText);
}

#[test]
fn every_cut_of_a_copy_is_read_or_refused_without_panicking() {
    for text in [YORK_WEB, FOUR_WEB] {
        let lines: Vec<&str> = text.lines().collect();
        for n in 0..=lines.len() {
            let _ = parse(&lines[..n].join("\n"));
            let _ = parse(&lines[n..].join("\n"));
        }
    }
}
