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
        Ok(t) => panic!("expected an error, got {} rows", t.rows().count()),
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
    assert_eq!(t.areas.len(), 1);
    let a = &t.areas[0];
    assert_eq!(
        (a.number.as_str(), a.heading.as_str(), a.line, a.header_line),
        ("1", "Area for Improvement 1", 2, 4)
    );
    assert_eq!(brief(&a.finding), "Leadership and … health partners (27)");
    let reviews: Vec<String> = a
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
            t.areas[0].number.as_str(),
            t.areas[0].heading.as_str(),
            t.areas[0].finding.as_str()
        ),
        ("Title", "2", "Area for improvement 2", "Leadership. More.")
    );
    assert_eq!(
        t.warnings[0].message,
        "row 1.1 (line 7): not numbered as Area for improvement 2"
    );
    let t = ok(&format!("Title\nArea for improvement plan\n{body}"));
    assert_eq!(
        (
            t.areas[0].number.as_str(),
            t.areas[0].finding.as_str(),
            t.warnings.len()
        ),
        ("", "plan", 1)
    );
}

#[test]
fn york_rows_cell_by_cell() {
    let t = ok(YORK);
    let rows: Vec<String> = t.areas[0].rows.iter().map(summary).collect();
    assert_eq!(rows, [
        "1.1 1.1 6 | Leaders in … in York. (38) | WSoA is … 18 months. (29) | February 2020 = 2020-02 | July 2020 = 2020-07 | (M.S) CYC (K.McN) CCG | All key … of improvement. (25) | The local … of weakness. (9) | Pbd C C C C E E E E",
        "1.2 1.2 7 | An outcomes … in York. (28) | Co-produce and … data dashboard. (21) | April 2020 = 2020-04 | September 2020 = 2020-09 | (M.S) CCG | Introduction of … accountability framework. (34) | A standardised … performance indicators. (31) | Sbd Pbd C C C C C C C",
        "1.3A 1.3 13 | A JSNA … and commissioning. (34) | Publish the … of 18. (23) | March 2020 = 2020-03 | Phase 1: October 2020 = 2020-10 | CYC (J.S) | Completion of … in York. (41) | Utilisation of … information sharing. (26) | Sbd Paot C C C E E E E",
        "1.3B 1.3 19 | A JSNA … and commissioning. (31) | (B) Phase … to 25. (13) | September 2020 = 2020-09 | Phase 2: January 2021 = 2021-01 |  | Completion of … in York. (41) | Utilisation of … information sharing. (26) | Sbd Paot Paot Pbd Pbd Pbd Paot Paot Pbd",
        "1.4 1.4 23 | The SEND … young people. (23) | Co-produce and … with SEND. (57) | June 2020 = 2020-06 | January 2021 = 2021-01 | CYC (M.S) | The strategy … in York. (19) | The strategy … local area. (27) | Sbd Paot Paot C C C C C C",
        "1.5 1.5 26 | Children and … 2014 reforms. (28) | Co-production of … improvement journey. (18) | May 2020 = 2020-05 | August 2020 = 2020-08 | CYC (L.B) | 50% improvement … feedback mechanisms. (18) | The communication … local area. (30) | Sbd C C C C C C C E",
    ]);
    let b: Vec<&str> = t.areas[0].rows[3]
        .statuses
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    assert_eq!(b.join(", "), "Started but delayed, Progressing and on track, Progressing and on track, Progressing but delayed, Progressing but delayed, Progressing but delayed, Progressing and on track, Progressing and on track, Progressing but delayed");
    assert_eq!(
        t.areas[0]
            .rows
            .iter()
            .flat_map(|r| r.statuses.iter().flatten())
            .count(),
        54
    );
    assert_eq!(t.areas[0].rows[2].action, "Publish the SEND 0 – 25 JSNA. (A) Phase 1 of the JSNA encompasses all children with SEND under the age of 18.");
    assert_eq!(t.areas[0].rows[5].action, "Co-production of a Joint communication and engagement strategy across all services and providers to track the improvement journey.");
    assert_eq!(t.areas[0].rows[5].measures, "50% improvement rate of parental confidence and awareness of strategic intent and priorities – evidenced by feedback mechanisms.");
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
        (t.areas[0].rows[4].end.month, t.areas[0].rows[0].start.month),
        (YearMonth::new(2021, 3), None)
    );
    assert_eq!(t.areas[0].rows[0].start.text, "TBC");
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
        t.areas[0].rows[0].statuses[0].as_deref(),
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
    // A colour is not misspelt: it needs a legend to say what it means.
    let e = err(&YORK.replace("| Embedded |\n1.2", "| Amber |\n1.2"));
    assert!(
        matches!(&e, ImportError::UnmappedColour { line: 6, cell, .. } if cell == "Amber"),
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
        (
            t.areas[0].rows[4].statuses[8].as_deref(),
            t.areas[0].rows[4].lead.as_str()
        ),
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
        (
            t.areas[0].rows[0].evidence_impact.as_str(),
            t.warnings.len()
        ),
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
    let r = &t.areas[0].rows[4];
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
    let e = parse_wsoa("york.txt", &garbage, &SCALE).map(|t| t.rows().count());
    assert!(
        matches!(e, Err(ImportError::NotText { line: 3, .. })),
        "{e:?}"
    );
    let e = parse_wsoa("york.txt", b"Title\nNumber |\xc3\x28 RAG May 20 |", &SCALE)
        .map(|t| t.rows().count());
    assert!(
        matches!(&e, Err(ImportError::NotText { line: 2, .. })),
        "{e:?}"
    );
}

#[test]
fn a_repeated_number_needs_distinct_letters() {
    let t = ok(&YORK.replace("1.4 | The SEND", "1.4a | The SEND"));
    assert_eq!(
        (
            t.areas[0].rows[4].id.as_str(),
            t.areas[0].rows[4].number.as_str()
        ),
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
    assert_eq!(t.areas[0].rows[0], ok(YORK).areas[0].rows[0]);
}

// A document of several areas: tests/data/wsoa-four-areas.txt, written for these tests in the
// York layout, with one quirk per area and a fourth area whose header has other RAG columns.

const FOUR: &str = include_str!("../../tests/data/wsoa-four-areas.txt");

/// Each area as "number | heading | area line | header line | finding, briefly".
fn area_lines(t: &WsoaTable) -> Vec<String> {
    t.areas
        .iter()
        .map(|a| {
            format!(
                "{} | {} | {} | {} | {}",
                a.number,
                a.heading,
                a.line,
                a.header_line,
                brief(&a.finding)
            )
        })
        .collect()
}

/// The rows of area `i`, each as [`summary`] gives it.
fn area_rows(t: &WsoaTable, i: usize) -> Vec<String> {
    t.areas[i].rows.iter().map(summary).collect()
}

fn labels(reviews: &[&ReviewColumn]) -> String {
    let labels: Vec<String> = reviews
        .iter()
        .map(|r| format!("{} = {}", r.label, r.date))
        .collect();
    labels.join(", ")
}

#[test]
fn four_areas_each_with_its_heading_finding_and_header() {
    let t = ok(FOUR);
    assert_eq!(t.title, "Special Educational Needs and Disabilities Local Area Inspection Written Statement of Action (four areas, test fixture)");
    assert_eq!(
        area_lines(&t),
        [
            "1 | Area for Improvement 1 | 2 | 4 | Leadership and … with SEND (31)",
            "2 | Area for Improvement 2 | 14 | 17 | Joint Commissioning: … with SEND (24)",
            "3 | Area for Improvement 3 | 27 | 28 | Identification of … between services (21)",
            "4 | Area for Improvement 4 | 35 | 37 | Preparation for … enough ahead (22)",
        ]
    );
    // A finding on two lines is joined; one on the area's own line starts after the number.
    assert!(t.areas[1]
        .finding
        .contains("arrangements that meet the assessed needs"));
    assert!(t.areas[2]
        .finding
        .starts_with("Identification of Need: Needs are not always"));
    let per_area: Vec<usize> = t.areas.iter().map(|a| a.rows.len()).collect();
    assert_eq!(per_area, [3, 3, 4, 2]);
    assert_eq!(t.rows().count(), 12);
}

#[test]
fn four_areas_rows_cell_by_cell() {
    let t = ok(FOUR);
    assert_eq!(area_rows(&t, 0), [
        "1.1 1.1 6 | Partners hold … of reference. (17) | Establish the … reporting cycle. (15) | March 2020 = 2020-03 | June 2020 = 2020-06 | (A.B) LA (C.D) CCG | The board … in six. (16) | Minutes show … the partnership. (13) | Paot C C C E E",
        "1.2 1.2 7 | Leaders understand … board meeting. (13) | Build a … care data. (14) | April 2020 = 2020-04 | October 2020 = 2020-10 | (E.F) LA | The scorecard … local area. (19) | Board members … below target. (16) | Sbd Pbd Paot C C C",
        "1.3 1.3 13 | Families understand … SEND provision. (16) | Publish a … Offer website. (13) | June 2020 = 2020-06 | September 2020 = 2020-09 | (G.H) LA | The guide … six months. (16) | Parent carer … the system. (17) | Ns Paot C C C E",
    ]);
    assert_eq!(area_rows(&t, 1), [
        "2.1 2.1 19 | Commissioning decisions … young people. (15) | Agree a … the CCG. (14) | May 2020 = 2020-05 | December 2020 = 2020-12 | (J.K) CCG (L.M) LA | The strategy … follows it. (17) | Services are … planned way. (14) | Sbd Pbd Pbd Paot C C",
        "2.2 2.2 20 | Therapy services … long waits. (16) | Review speech … are longest. (16) | July 2020 = 2020-07 | March 2021 = 2021-03 | (N.P) CCG | Waiting times … of referrals. (16) | Families report … plan support. (16) | Ns Sbd Pbd Pbd Paot C",
        "2.3 2.3 26 | Short breaks … to find. (15) | Re-commission the … evaluation panel. (12) | September 2020 = 2020-09 | April 2021 = 2021-04 | (Q.R) LA | The new … plain words. (19) | Take-up of … asked for. (18) | Ns Ns Sbd Paot C E",
    ]);
    assert_eq!(area_rows(&t, 2), [
        "3.1 3.1 30 | Health visitors … starts school. (14) | Train early … early identification. (14) | June 2020 = 2020-06 | November 2020 = 2020-11 | (S.T) LA (U.V) CCG | At least … shared approach. (15) | Referrals from … in place. (17) | Pbd Pbd Paot C C E",
        "3.2A 3.2 31 | Every child … between services. (14) | (A) Introduce … care teams. (14) | August 2020 = 2020-08 | February 2021 = 2021-02 | (W.X) LA | The shared … being identified. (21) | Families tell … in place. (15) | Ns Sbd Pbd Paot C C",
        "3.2B 3.2 32 | Every child … between services. (14) | (B) Agree … the area. (13) | October 2020 = 2020-10 | May 2021 = 2021-05 | (Y.Z) LA | Transfer protocols … who moves. (17) | Children who … they do. (16) | Ns Ns Sbd Pbd Paot C",
        "3.3 3.3 33 | Data on … planned for. (15) | Publish a … is published. (21) | November 2020 = 2020-11 | June 2021 = 2021-06 | (A.C) CCG | A termly … in planning. (17) | Partners use … from it. (18) | - Ns Sbd Pbd Paot Paot",
    ]);
    assert_eq!(area_rows(&t, 3), [
        "4.1 4.1 39 | Plans for … and health. (18) | Audit EHC … fall short. (20) | January 2021 = 2021-01 | July 2021 = 2021-07 | (B.D) LA | 95% of … for adulthood. (17) | Young people … get there. (18) | Sbd Pbd Paot C",
        "4.2 4.2 40 | Young people … their care. (14) | Agree a … health services. (10) | February 2021 = 2021-02 | October 2021 = 2021-10 |  | Every young … a half. (20) | Young people … would happen. (19) | Ns Sbd Pbd Paot",
    ]);
    let statuses = |i: usize| -> usize {
        t.areas[i]
            .rows
            .iter()
            .flat_map(|r| r.statuses.iter().flatten())
            .count()
    };
    assert_eq!([0, 1, 2, 3].map(statuses), [18, 18, 23, 8]);
}

#[test]
fn each_area_has_its_own_review_columns_and_the_union_names_each_once() {
    let t = ok(FOUR);
    let area = |i: usize| labels(&t.areas[i].reviews.iter().collect::<Vec<_>>());
    let first = "RAG May 20 = 2020-05-31, RAG August 20 = 2020-08-31, RAG November 20 = 2020-11-30, RAG February 21 = 2021-02-28, RAG May 21 = 2021-05-31, RAG September 21 = 2021-09-30";
    assert_eq!([area(0), area(1), area(2)], [first, first, first]);
    assert_eq!(area(3), "RAG February 21 = 2021-02-28, RAG May 21 = 2021-05-31, RAG September 21 = 2021-09-30, RAG December 21 = 2021-12-31");
    assert_eq!(
        labels(&t.reviews()),
        format!("{first}, RAG December 21 = 2021-12-31")
    );
    // A row's statuses line up with its own area's columns.
    assert!(t.areas[3].rows.iter().all(|r| r.statuses.len() == 4));
    assert!(t.areas[..3]
        .iter()
        .flat_map(|a| &a.rows)
        .all(|r| r.statuses.len() == 6));
    assert_eq!(t.areas[3].rows[0].statuses[3].as_deref(), Some("Completed"));
    // The same label in another case is the same review, spelt as first met.
    let t = ok(&FOUR.replace(
        "RAG February 21 | RAG May 21 | RAG September 21 | RAG December 21 |",
        "rag february 21 | RAG May 21 | RAG September 21 | RAG December 21 |",
    ));
    assert_eq!(t.reviews().len(), 7);
    assert_eq!(t.reviews()[3].label, "RAG February 21");
}

#[test]
fn the_quirks_work_in_areas_after_the_first() {
    let t = ok(FOUR);
    // Area 2: a cell closed by a line holding only "|", and cells spread over lines.
    let r = &t.areas[1].rows[1];
    assert_eq!(r.action, "Review speech and language and occupational therapy capacity and commission additional sessions where waits are longest.");
    assert_eq!(
        (r.start.text.as_str(), r.lead.as_str()),
        ("July 2020", "(N.P) CCG")
    );
    // Area 3: a repeated number told apart by (A)/(B); a cell split mid-sentence; an empty status.
    let ids: Vec<(&str, &str)> = t.areas[2]
        .rows
        .iter()
        .map(|r| (r.id.as_str(), r.number.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("3.1", "3.1"),
            ("3.2A", "3.2"),
            ("3.2B", "3.2"),
            ("3.3", "3.3")
        ]
    );
    assert_eq!(t.areas[2].rows[3].action, "Publish a termly needs report built from health, education and care data, agreed by the partnership board before it is published.");
    assert_eq!(t.areas[2].rows[3].statuses[0], None);
    // Area 4: a missing Lead cell, worked out against area 4's shorter header.
    assert_eq!(
        t.warnings,
        [ImportWarning {
            line: 40,
            message: "row 4.2 (line 40): 11 cells for 12 columns; left \"Lead\" empty".into()
        }]
    );
}

/// The York area (all its quirks) as area `n` of a document, renumbered and under its own header.
fn york_as_area(n: usize) -> String {
    let york = YORK
        .replace(
            "Area for Improvement 1",
            &format!("Area for Improvement {n}"),
        )
        .replace("\n1.", &format!("\n{n}."));
    let body = &york[york.find("Area for Improvement").unwrap_or_default()..];
    body.to_string()
}

#[test]
fn the_york_area_reads_the_same_as_the_third_of_five_areas() {
    let four_body = &FOUR[FOUR.find("Area for Improvement 1").unwrap_or_default()..];
    let (head, tail) =
        four_body.split_at(four_body.find("Area for Improvement 3").unwrap_or_default());
    let tail = tail
        .replace("Area for Improvement 4", "Area for Improvement 5")
        .replace("Area for Improvement 3", "Area for Improvement 4")
        .replace("\n4.", "\n5.")
        .replace("\n3.", "\n4.");
    let doc = format!("Title\n{head}{}\n{tail}", york_as_area(3));
    let t = ok(&doc);
    assert_eq!(t.areas.len(), 5);
    let york = ok(YORK);
    let offset = doc
        .lines()
        .position(|l| l.starts_with("Area for Improvement 3"))
        .unwrap_or_default()
        - 1;
    let moved: Vec<WsoaRow> = york.areas[0]
        .rows
        .iter()
        .map(|r| WsoaRow {
            line: r.line + offset,
            id: r.id.replacen('1', "3", 1),
            number: r.number.replacen('1', "3", 1),
            ..r.clone()
        })
        .collect();
    assert_eq!(t.areas[2].rows, moved);
    assert_eq!(t.areas[2].reviews, york.areas[0].reviews);
    assert_eq!(t.areas[2].finding, york.areas[0].finding);
    let lines: Vec<(usize, &str)> = t
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(lines[0].0, 19 + offset);
    assert!(lines[0].1.starts_with("row 3.3B ("), "{lines:?}");
    assert_eq!(lines.len(), 2, "{lines:?}");
    // Areas 1 and 2 give six reviews; York adds July 21, December 21 and August 22; area 5's
    // (the fixture's area 4) are all known by then.
    assert_eq!(t.reviews().len(), 9);
}

#[test]
fn an_area_with_no_rows_is_an_error_naming_its_lines() {
    // Area 2's rows removed: its header is followed by area 3.
    let lines: Vec<&str> = FOUR.lines().collect();
    let doc = [&lines[..18], &lines[26..]].concat().join("\n");
    let e = err(&doc);
    assert!(
        matches!(&e, ImportError::EmptyArea { line: 14, header_line: 17, heading, .. } if heading == "Area for Improvement 2"),
        "{e:?}"
    );
    assert!(e.to_string().starts_with("york.txt, line 14: Area for Improvement 2 has no action rows below its header row (line 17)"), "{e}");
    // The last area with a header and nothing under it.
    let doc = lines[..38].join("\n");
    assert!(
        matches!(
            err(&doc),
            ImportError::EmptyArea {
                line: 35,
                header_line: 37,
                ..
            }
        ),
        "{doc}"
    );
    // A single area with no rows is refused too.
    let doc = YORK.lines().take(5).collect::<Vec<_>>().join("\n");
    assert!(matches!(
        err(&doc),
        ImportError::EmptyArea {
            line: 2,
            header_line: 4,
            ..
        }
    ));
}

#[test]
fn an_area_without_its_own_header_row_is_an_error() {
    // Area 3's header and separator removed: its first table line is row 3.1 (now line 28).
    let lines: Vec<&str> = FOUR.lines().collect();
    let e = err(&[&lines[..27], &lines[29..]].concat().join("\n"));
    assert!(
        matches!(&e, ImportError::NoAreaHeader { line: 27, first_row: Some(28), heading, .. } if heading == "Area for Improvement 3"),
        "{e:?}"
    );
    assert!(e.to_string().contains("line 27: \"Area for Improvement 3\" starts a new area here, but the table line after it (line 28) is an action row"), "{e}");
    // Area 1's header removed: the first header is area 2's, and area 1 is the one without.
    let e = err(&[&lines[..3], &lines[5..]].concat().join("\n"));
    assert!(
        matches!(
            e,
            ImportError::NoAreaHeader {
                line: 2,
                first_row: Some(4),
                ..
            }
        ),
        "{e:?}"
    );
    let e = err(&FOUR.replace(
        "Number | Outcomes",
        "Area for Improvement 9\nNumber | Outcomes",
    ));
    assert!(
        matches!(
            e,
            ImportError::NoAreaHeader {
                line: 2,
                first_row: None,
                ..
            }
        ),
        "{e:?}"
    );
    // An area line at the end with nothing after it.
    let e = err(&format!(
        "{FOUR}Area for Improvement 5\nTransitions: a finding with no table\n"
    ));
    assert!(
        matches!(
            e,
            ImportError::NoAreaHeader {
                line: 44,
                first_row: None,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_row_without_a_number_in_a_later_area_is_an_error_at_its_line() {
    let e = err(&FOUR.replace("3.1 | Health visitors", "| Health visitors"));
    assert!(
        matches!(e, ImportError::EmptyNumber { line: 30, .. }) && e.to_string().contains("line 30"),
        "{e:?}"
    );
    // The same in area 4, where the row must be read against area 4's narrower header.
    let e = err(&FOUR.replace("4.1 | Plans for", "| Plans for"));
    assert!(
        matches!(e, ImportError::EmptyNumber { line: 39, .. }),
        "{e:?}"
    );
}

#[test]
fn rows_are_read_against_their_own_areas_header() {
    // Six statuses (area 1's width) on a row of area 4, whose header has four review columns.
    let e = err(&FOUR.replace(
        "| Started but delayed | Progressing but delayed | Progressing and on track | Completed |\n4.2",
        "| Not started | Not started | Started but delayed | Progressing but delayed | Progressing and on track | Completed |\n4.2",
    ));
    assert!(
        matches!(
            e,
            ImportError::CellCount {
                line: 39,
                found: 14,
                expected: 12,
                ..
            }
        ),
        "{e:?}"
    );
    // A bad label in area 4's header is reported at that header.
    let e = err(&FOUR.replace("RAG December 21", "RAG Winter"));
    assert!(
        matches!(&e, ImportError::BadReviewLabel { line: 37, label, .. } if label == "RAG Winter"),
        "{e:?}"
    );
    // A misspelt status in area 3 names its own line.
    let e = err(&FOUR.replace(
        "| Progressing and on track | Progressing and on track |\nArea",
        "| Progressing and on track | Progresing and on track |\nArea",
    ));
    assert!(
        matches!(e, ImportError::UnknownStatus { line: 34, .. }),
        "{e:?}"
    );
}

#[test]
fn areas_and_action_ids_must_be_unique_across_the_document() {
    let e = err(&FOUR.replace("Area for Improvement 4", "Area for Improvement 2"));
    assert!(
        matches!(&e, ImportError::DuplicateArea { line: 35, first_line: 14, number, .. } if number == "2"),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("york.txt, line 35: area 2 is also given on line 14"),
        "{e}"
    );
    // A row numbered 2.1 in area 3 (with the warning it is misnumbered) clashes with area 2's 2.1.
    let e = err(&FOUR.replace("3.1 | Health visitors", "2.1 | Health visitors"));
    assert!(
        matches!(&e, ImportError::DuplicateNumber { first_line: 19, line: 30, number, .. } if number == "2.1"),
        "{e:?}"
    );
}

#[test]
fn a_header_row_with_no_area_line_above_it_is_an_error() {
    let header = FOUR.lines().nth(3).unwrap_or_default();
    let e = err(&FOUR.replacen(
        "2.3 | Short breaks",
        &format!("{header}\n2.3 | Short breaks"),
        1,
    ));
    assert!(
        matches!(
            e,
            ImportError::StrayHeader {
                line: 26,
                header_line: 17,
                ..
            }
        ),
        "{e:?}"
    );
    // Text that only mentions an area inside a cell is not an area line.
    let t = ok(&FOUR.replace(
        " agreed by the partnership board",
        "Area for Improvement 1 partners agreed by the partnership board",
    ));
    assert_eq!(t.areas.len(), 4);
    assert!(t.areas[2].rows[3]
        .action
        .contains("data, Area for Improvement 1 partners agreed"));
}

#[test]
fn events_for_four_areas_are_one_batch_with_each_review_once() {
    use crate::event::Event;
    let t = ok(FOUR);
    let plan = crate::plan::Plan::new();
    let batch = crate::import::wsoa_events(&plan, &t, "four.txt", &"0".repeat(64), None);
    let kinds: Vec<String> = batch
        .events
        .iter()
        .map(|e| match e {
            Event::SourceImported(_) => "S".to_string(),
            Event::AreaAdded(a) => format!("A{}", a.id),
            Event::ActionAdded(a) => format!("a{}", a.id),
            Event::ReviewScheduled(_) => "R".to_string(),
            Event::StatusRecorded(_) => "s".to_string(),
            _ => "?".to_string(),
        })
        .collect();
    let head = kinds[..17].join(" ");
    assert_eq!(
        head,
        "S A1 a1.1 a1.2 a1.3 A2 a2.1 a2.2 a2.3 A3 a3.1 a3.2A a3.2B a3.3 A4 a4.1 a4.2"
    );
    assert_eq!(kinds[17..24].join(""), "RRRRRRR");
    assert!(kinds[24..].iter().all(|k| k == "s"));
    assert_eq!(kinds.len(), 24 + 67);
    let s = &batch.summary;
    assert_eq!(
        (
            s.areas,
            s.actions,
            s.reviews_added,
            s.reviews_reused,
            s.statuses
        ),
        (4, 12, 7, 0, 67)
    );
    let titles: Vec<&str> = batch
        .events
        .iter()
        .filter_map(|e| match e {
            Event::AreaAdded(a) => Some(a.title.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        titles,
        [
            "Leadership and Governance",
            "Joint Commissioning",
            "Identification of Need",
            "Preparation for Adulthood"
        ]
    );
    // At RAG February 21 (the fourth review), every area reports: 10 rows of areas 1-3, 2 of area 4.
    let feb: Vec<&str> = batch
        .events
        .iter()
        .filter_map(|e| match e {
            Event::StatusRecorded(s) if s.review == "RAG February 21" => Some(s.action.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        feb.join(" "),
        "1.1 1.2 1.3 2.1 2.2 2.3 3.1 3.2A 3.2B 3.3 4.1 4.2"
    );
}
