//! Unit tests of the WSoA table reader, on the York table and broken variants of it.

use super::*;
use crate::dates::YearMonth;

const YORK: &str = include_str!("../../tests/data/york-wsoa-area1.txt");
const SCALE: [&str; 6] = [
    "Not started",
    "Started but delayed",
    "Progressing but delayed",
    "Progressing and on track",
    "Completed",
    "Embedded",
];

fn parse(text: &str) -> Result<WsoaTable, ImportError> {
    parse_wsoa("york.txt", text.as_bytes(), &SCALE)
}

fn ok(text: &str) -> WsoaTable {
    parse(text).unwrap_or_else(|e| panic!("should parse: {e}"))
}

fn err(text: &str) -> ImportError {
    match parse(text) {
        Ok(t) => panic!("expected an error, got {} rows", t.rows.len()),
        Err(e) => e,
    }
}

/// "first two … last two (N words)": pins a long cell's ends and length in a short line.
fn brief(s: &str) -> String {
    let w: Vec<&str> = s.split_whitespace().collect();
    match w.len() {
        0..=4 => s.to_string(),
        n => format!("{} {} … {} {} ({n})", w[0], w[1], w[n - 2], w[n - 1]),
    }
}

/// A row in one line: id, number, line, each cell (long ones briefly), statuses by initials.
fn summary(r: &WsoaRow) -> String {
    let date = |d: &DateText| {
        format!(
            "{} = {}",
            d.text,
            d.month.map(|m| m.to_string()).unwrap_or_default()
        )
    };
    let initials = |s: &Option<String>| {
        s.as_deref()
            .unwrap_or("-")
            .split(' ')
            .filter_map(|w| w.chars().next())
            .collect::<String>()
    };
    let statuses: Vec<String> = r.statuses.iter().map(initials).collect();
    let cells = [
        brief(&r.outcome),
        brief(&r.action),
        date(&r.start),
        date(&r.end),
        brief(&r.lead),
        brief(&r.measures),
        brief(&r.evidence_impact),
        statuses.join(" "),
    ];
    format!("{} {} {} | {}", r.id, r.number, r.line, cells.join(" | "))
}

#[test]
fn york_preamble_and_reviews() {
    let t = ok(YORK);
    assert_eq!(t.title, "Special Educational Needs and Disabilities Local Area Inspection Written Statement of Action");
    assert_eq!(
        (t.area_number.as_str(), t.area_heading.as_str()),
        ("1", "Area for Improvement 1")
    );
    assert_eq!(brief(&t.finding), "Leadership and … health partners (27)");
    let reviews: Vec<String> = t
        .reviews
        .iter()
        .map(|r| format!("{} = {}", r.label, r.date))
        .collect();
    assert_eq!(reviews.join(", "), "RAG May 20 = 2020-05-31, RAG August 20 = 2020-08-31, RAG November 20 = 2020-11-30, RAG February 21 = 2021-02-28, RAG May 21 = 2021-05-31, RAG July 21 = 2021-07-31, RAG September 21 = 2021-09-30, RAG December 21 = 2021-12-31, RAG August 22 = 2022-08-31");
}

#[test]
fn preamble_variants() {
    let body = &YORK[YORK.find("Number |").unwrap_or_default()..];
    let t = ok(&format!(
        "\u{feff}Title\n\nArea for improvement 2: Leadership.\nMore.\n{body}"
    ));
    assert_eq!(
        (
            t.title.as_str(),
            t.area_number.as_str(),
            t.area_heading.as_str(),
            t.finding.as_str()
        ),
        ("Title", "2", "Area for improvement 2", "Leadership. More.")
    );
    assert_eq!(
        t.warnings[0].message,
        "row 1.1 (line 7): not numbered as Area for improvement 2"
    );
    let t = ok(&format!("Title\nArea for improvement plan\n{body}"));
    assert_eq!(
        (t.area_number.as_str(), t.finding.as_str(), t.warnings.len()),
        ("", "plan", 1)
    );
}

#[test]
fn york_rows_cell_by_cell() {
    let t = ok(YORK);
    let rows: Vec<String> = t.rows.iter().map(summary).collect();
    assert_eq!(rows, [
        "1.1 1.1 6 | Leaders in … in York. (38) | WSoA is … 18 months. (29) | February 2020 = 2020-02 | July 2020 = 2020-07 | (M.S) CYC (K.McN) CCG | All key … of improvement. (25) | The local … of weakness. (9) | Pbd C C C C E E E E",
        "1.2 1.2 7 | An outcomes … in York. (28) | Co-produce and … data dashboard. (21) | April 2020 = 2020-04 | September 2020 = 2020-09 | (M.S) CCG | Introduction of … accountability framework. (34) | A standardised … performance indicators. (31) | Sbd Pbd C C C C C C C",
        "1.3A 1.3 13 | A JSNA … and commissioning. (34) | Publish the … of 18. (23) | March 2020 = 2020-03 | Phase 1: October 2020 = 2020-10 | CYC (J.S) | Completion of … in York. (41) | Utilisation of … information sharing. (26) | Sbd Paot C C C E E E E",
        "1.3B 1.3 19 | A JSNA … and commissioning. (31) | (B) Phase … to 25. (13) | September 2020 = 2020-09 | Phase 2: January 2021 = 2021-01 |  | Completion of … in York. (41) | Utilisation of … information sharing. (26) | Sbd Paot Paot Pbd Pbd Pbd Paot Paot Pbd",
        "1.4 1.4 23 | The SEND … young people. (23) | Co-produce and … with SEND. (57) | June 2020 = 2020-06 | January 2021 = 2021-01 | CYC (M.S) | The strategy … in York. (19) | The strategy … local area. (27) | Sbd Paot Paot C C C C C C",
        "1.5 1.5 26 | Children and … 2014 reforms. (28) | Co-production of … improvement journey. (18) | May 2020 = 2020-05 | August 2020 = 2020-08 | CYC (L.B) | 50% improvement … feedback mechanisms. (18) | The communication … local area. (30) | Sbd C C C C C C C E",
    ]);
    let b: Vec<&str> = t.rows[3]
        .statuses
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    assert_eq!(b.join(", "), "Started but delayed, Progressing and on track, Progressing and on track, Progressing but delayed, Progressing but delayed, Progressing but delayed, Progressing and on track, Progressing and on track, Progressing but delayed");
    assert_eq!(
        t.rows
            .iter()
            .flat_map(|r| r.statuses.iter().flatten())
            .count(),
        54
    );
    assert_eq!(t.rows[2].action, "Publish the SEND 0 – 25 JSNA. (A) Phase 1 of the JSNA encompasses all children with SEND under the age of 18.");
    assert_eq!(t.rows[5].action, "Co-production of a Joint communication and engagement strategy across all services and providers to track the improvement journey.");
    assert_eq!(t.rows[5].measures, "50% improvement rate of parental confidence and awareness of strategic intent and priorities – evidenced by feedback mechanisms.");
}

#[test]
fn york_has_exactly_the_missing_lead_warning() {
    let t = ok(YORK);
    assert_eq!(
        t.warnings,
        [ImportWarning {
            line: 19,
            message: "row 1.3B (line 19): 16 cells for 17 columns; left \"Lead\" empty".into()
        }]
    );
}

#[test]
fn typo_and_unreadable_dates_are_warnings() {
    let t = ok(&YORK
        .replace("| January 2021 | CYC", "| March 2-21 | CYC")
        .replace("| February 2020 |", "| TBC |"));
    assert_eq!(
        (t.rows[4].end.month, t.rows[0].start.month),
        (YearMonth::new(2021, 3), None)
    );
    assert_eq!(t.rows[0].start.text, "TBC");
    let messages: Vec<&str> = t.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(messages.contains(&"row 1.1 (line 6): Start date \"TBC\" has no month and year to read; kept as text only"), "{messages:?}");
    assert!(messages.contains(&"row 1.4 (line 23): End date \"March 2-21\": read the year \"2-21\" as 2021 (a '-' typed for a '0')"), "{messages:?}");
}

#[test]
fn statuses_match_ignoring_case_and_spacing_and_crlf_parses_the_same() {
    let t = ok(&YORK.replace(
        "| Progressing but delayed | Completed |",
        "| progressing  BUT delayed | Completed |",
    ));
    assert_eq!(
        t.rows[0].statuses[0].as_deref(),
        Some("Progressing but delayed")
    );
    assert_eq!(ok(&YORK.replace('\n', "\r\n")), ok(YORK));
}

#[test]
fn misspelt_status_names_line_cell_and_suggestion() {
    let e = err(&YORK.replacen(
        "| Completed | Completed | Embedded",
        "| Completed | Completd | Embedded",
        1,
    ));
    assert!(
        matches!(&e, ImportError::UnknownStatus { line: 6, cell, suggestion: Some(s), .. } if cell == "Completd" && s == "Completed"),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(
            "york.txt, line 6: unknown status \"Completd\" (did you mean \"Completed\"?)"
        ),
        "{e}"
    );
    // In the short row 1.3B a misspelt first status must not be taken for the Evidence cell.
    let e = err(&YORK.replace("Started but delayed | Progressing and on track | Progressing and on track | Progressing but", "Started but delyed | Progressing and on track | Progressing and on track | Progressing but"));
    assert!(
        matches!(&e, ImportError::UnknownStatus { line: 22, suggestion: Some(s), .. } if s == "Started but delayed"),
        "{e:?}"
    );
    let e = err(&YORK.replace("| Embedded |\n1.2", "| Amber |\n1.2"));
    assert!(
        matches!(&e, ImportError::UnknownStatus { line: 6, cell, .. } if cell == "Amber"),
        "{e:?}"
    );
}

#[test]
fn a_row_missing_two_cells_is_an_error() {
    let e = err(&YORK.replace("CYC (M.S) | The strategy facilitates a move to a strength based approach to supporting children, young people and families in York. |", ""));
    assert!(
        matches!(
            e,
            ImportError::CellCount {
                line: 23,
                found: 15,
                expected: 17,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("york.txt, line 23: row 1.4 has 15 cells for the header's 17 columns, and only one missing"),
        "{e}"
    );
    let e = err(&YORK.replace("| Embedded |\n1.2", "| Embedded | Embedded |\n1.2"));
    assert!(
        matches!(
            e,
            ImportError::CellCount {
                line: 6,
                found: 18,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn an_empty_last_status_is_not_mistaken_for_a_missing_cell() {
    let t = ok(&YORK.replace("| Completed | Completed |\n1.5", "| Completed | |\n1.5"));
    assert_eq!(
        (t.rows[4].statuses[8].as_deref(), t.rows[4].lead.as_str()),
        (None, "CYC (M.S)")
    );
    assert_eq!(t.warnings.len(), 1);
}

#[test]
fn a_complete_row_may_hold_status_words_as_text() {
    let t = ok(&YORK.replace(
        "The local area has addressed the areas of weakness.",
        "Completed",
    ));
    assert_eq!(
        (t.rows[0].evidence_impact.as_str(), t.warnings.len()),
        ("Completed", 1)
    );
}

#[test]
fn a_short_row_ending_in_an_empty_cell_still_needs_all_but_one_cell() {
    // 1.3B without its Measures line: two cells short, though it still ends in "| |".
    let lines: Vec<&str> = YORK
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 19)
        .map(|(_, l)| l)
        .collect();
    let e = err(&lines.join("\n"));
    assert!(
        matches!(e, ImportError::CellCount { line: 19, .. }),
        "{e:?}"
    );
}

#[test]
fn a_short_row_with_a_short_lead_is_missing_evidence() {
    let t = ok(&YORK.replace(" The strategy supports a city wide approach to continuous improvement, and secures leadership, management and oversight for the delivery of the SEND reforms across the local area. |", ""));
    let r = &t.rows[4];
    assert_eq!(
        (
            r.lead.as_str(),
            brief(&r.measures),
            r.evidence_impact.as_str()
        ),
        ("CYC (M.S)", "The strategy … in York. (19)".into(), "")
    );
    assert!(t.warnings.iter().any(|w| w.message.starts_with("row 1.4 (line 23): 16 cells for 17 columns; left \"Evidence and impact\" empty (or it may be \"Measures of success\"")));
}

#[test]
fn header_problems_and_empty_or_binary_files() {
    let e = err(&YORK
        .replace("Number | Outcomes", "No. | Outcomes")
        .replace("RAG", "Review"));
    assert!(
        matches!(e, ImportError::NoHeader { line: 31, .. }) && e.to_string().contains("line 31"),
        "{e:?}"
    );
    let e = err(&YORK.replace("| RAG", "| Review"));
    assert!(
        matches!(e, ImportError::NoReviewColumns { line: 4, .. })
            && e.to_string().contains("line 4"),
        "{e:?}"
    );
    let e = err(&YORK.replace("| Lead |", "|"));
    assert!(
        matches!(
            e,
            ImportError::HeaderColumns {
                line: 4,
                found: 7,
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(&YORK.replace("RAG July 21", "RAG Summer"));
    assert!(
        matches!(&e, ImportError::BadReviewLabel { line: 4, label, .. } if label == "RAG Summer"),
        "{e:?}"
    );
    assert!(matches!(err(""), ImportError::Empty { line: 1, .. }));
    assert!(err(" \n\n  \n")
        .to_string()
        .starts_with("york.txt, line 1: the file is empty"));
    let garbage = [
        0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0xff, 0xfe, 0x00,
    ];
    let e = parse_wsoa("york.txt", &garbage, &SCALE).map(|t| t.rows.len());
    assert!(
        matches!(e, Err(ImportError::NotText { line: 3, .. })),
        "{e:?}"
    );
    let e = parse_wsoa("york.txt", b"Title\nNumber |\xc3\x28 RAG May 20 |", &SCALE)
        .map(|t| t.rows.len());
    assert!(
        matches!(&e, Err(ImportError::NotText { line: 2, .. })),
        "{e:?}"
    );
}

#[test]
fn a_repeated_number_needs_distinct_letters() {
    let t = ok(&YORK.replace("1.4 | The SEND", "1.4a | The SEND"));
    assert_eq!(
        (t.rows[4].id.as_str(), t.rows[4].number.as_str()),
        ("1.4A", "1.4")
    );
    let e = err(&YORK.replace("(B) Phase 2", "Phase 2"));
    assert!(
        matches!(
            e,
            ImportError::DuplicateNumber {
                first_line: 13,
                line: 19,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("york.txt, line 19: action number 1.3 is also used on line 13"),
        "{e}"
    );
    let e = err(&YORK.replace("(B) Phase 2", "(A) Phase 2"));
    assert!(
        matches!(
            e,
            ImportError::DuplicateNumber {
                first_line: 13,
                line: 19,
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(&YORK.replace("1.4 | The SEND", "1.1 | The SEND"));
    assert!(
        matches!(
            e,
            ImportError::DuplicateNumber {
                first_line: 6,
                line: 23,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_row_without_a_number_is_an_error() {
    let numberless = YORK
        .lines()
        .nth(5)
        .unwrap_or_default()
        .replacen("1.1 |", "|", 1);
    let e = err(&YORK.replace(
        "1.2 | An outcomes",
        &format!("{numberless}\n1.2 | An outcomes"),
    ));
    assert!(
        matches!(e, ImportError::EmptyNumber { line: 7, .. }) && e.to_string().contains("line 7"),
        "{e:?}"
    );
    let e = err(&YORK.replace("---|\n1.1 |", "---|\n |"));
    assert!(
        matches!(e, ImportError::EmptyNumber { line: 6, .. }),
        "{e:?}"
    );
    // A row split after its number, or mid-cell, is still one row with the same cells.
    let t = ok(&YORK.replace("1.1 | Leaders in the", "1.1 |\n  Leaders in  \n  the"));
    assert_eq!(t.rows[0], ok(YORK).rows[0]);
}
