//! Unit tests of the spreadsheet reader on small grids built here.

use super::*;
use crate::import::sheet_fill::Rgb;
use crate::import::sheet_grid::{GridCell, Merge};

const WORDS: [&str; 4] = [
    "Started but delayed",
    "Progressing but delayed",
    "Completed",
    "Embedded",
];

fn grid(rows: &[&[&str]]) -> Grid {
    Grid {
        sheet: "Sheet1".to_string(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|t| GridCell::text(*t)).collect())
            .collect(),
        merges: Vec::new(),
    }
}

fn read_ok(g: &Grid, words: &[&str]) -> WsoaTable {
    read_grid("t.xlsx", g, words, "xlsx").unwrap_or_else(|e| panic!("should read: {e}"))
}

fn read_err(g: &Grid, words: &[&str]) -> String {
    match read_grid("t.xlsx", g, words, "xlsx") {
        Ok(t) => panic!("expected an error, got {} rows", t.rows().count()),
        Err(e) => e.to_string(),
    }
}

fn warnings(t: &WsoaTable) -> Vec<String> {
    t.warnings.iter().map(|w| w.message.clone()).collect()
}

/// Title rows, a header on row 4, a blank row, a Number cell merged over two rows.
fn tracker() -> Grid {
    let mut g = grid(&[
        &["SEND Written Statement of Action"],
        &["Area for Improvement 1"],
        &["Leadership: oversight of the reforms"],
        &["No.", "Action", "Lead", "Due", "RAG Nov 20", "RAG Feb 21"],
        &[
            "1.1",
            "Publish the plan",
            "CYC",
            "July 2020",
            "Completed",
            "Embedded",
        ],
        &[],
        &[
            "1.2",
            "(A) Phase 1",
            "CCG",
            "Oct 2020",
            "Started but delayed",
            "",
        ],
        &[
            "",
            "(B) Phase 2",
            "",
            "Jan 2021",
            "",
            "Progressing but delayed",
        ],
    ]);
    g.merges.push(Merge {
        top: 6,
        left: 0,
        bottom: 7,
        right: 0,
    });
    g
}

#[test]
fn a_tracker_with_title_rows_a_blank_row_and_a_merged_number_reads_whole() {
    let t = read_ok(&tracker(), &WORDS);
    assert_eq!(t.title, "SEND Written Statement of Action");
    assert_eq!(t.format, "xlsx");
    let [area] = t.areas.as_slice() else {
        panic!("one area: {:?}", t.areas);
    };
    assert_eq!(
        (area.number.as_str(), area.heading.as_str(), area.line),
        ("1", "Area for Improvement 1", 2)
    );
    assert_eq!(area.finding, "Leadership: oversight of the reforms");
    assert_eq!(area.header_line, 4);
    let labels: Vec<&str> = area.reviews.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["RAG Nov 20", "RAG Feb 21"]);
    /// Id, row, Lead, End date and statuses.
    type Read<'a> = (&'a str, usize, &'a str, &'a str, Vec<Option<&'a str>>);
    let rows: Vec<Read> = area
        .rows
        .iter()
        .map(|r| {
            let s = r.statuses.iter().map(Option::as_deref).collect();
            (
                r.id.as_str(),
                r.line,
                r.lead.as_str(),
                r.end.text.as_str(),
                s,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "1.1",
                5,
                "CYC",
                "July 2020",
                vec![Some("Completed"), Some("Embedded")]
            ),
            (
                "1.2A",
                7,
                "CCG",
                "Oct 2020",
                vec![Some("Started but delayed"), None]
            ),
            (
                "1.2B",
                8,
                "",
                "Jan 2021",
                vec![None, Some("Progressing but delayed")]
            ),
        ]
    );
    assert_eq!(
        warnings(&t),
        ["Sheet1!A7:A8 is a merged cell: its text \"1.2\" is read in each of its 2 rows"]
    );
}

#[test]
fn columns_are_found_by_name_in_any_order_and_unknown_ones_are_named() {
    let g = grid(&[
        &[
            "Due date",
            "Comments",
            "Action",
            "ref",
            "Status Nov-20",
            "30/11/2021",
        ],
        &["Jan 2021", "fine", "Do it", "2.1", "completed", "Embedded"],
    ]);
    let t = read_ok(&g, &WORDS);
    let area = &t.areas[0];
    assert_eq!(area.number, "1");
    let labels: Vec<&str> = area.reviews.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["RAG November 20", "RAG November 21"]);
    let row = &area.rows[0];
    assert_eq!((row.id.as_str(), row.action.as_str()), ("2.1", "Do it"));
    assert_eq!(row.end.text, "Jan 2021");
    assert_eq!(
        row.statuses,
        [Some("Completed".to_string()), Some("Embedded".to_string())]
    );
    let w = warnings(&t);
    assert!(
        w.iter()
            .any(|m| m.contains("Sheet1!B1: column \"Comments\" is not one")),
        "{w:?}"
    );
    let no_area = "no \"Area for Improvement N\" row above the header; its rows are read as area 1";
    assert!(w.iter().any(|m| m == no_area), "{w:?}");
    assert_eq!(
        t.title, "t",
        "the file's name stands in for a missing title row"
    );
    let no_title =
        "no title row above the header; the plan is titled \"t\" (give --title to name it)";
    assert!(w.iter().any(|m| m == no_title), "{w:?}");
    assert!(
        w.iter()
            .any(|m| m == "action 2.1: not numbered as Area for Improvement 1"),
        "{w:?}"
    );
}

#[test]
fn a_header_without_a_number_column_names_its_row_and_the_columns_found() {
    let g = grid(&[
        &["Tracker"],
        &["Action", "Lead", "RAG Nov 20"],
        &["Do it", "CYC", "Completed"],
    ]);
    assert_eq!(
        read_err(&g, &WORDS),
        "t.xlsx, Sheet1 row 2: the header row has no Number column (columns found: Action (Sheet1!A2), Lead (Sheet1!B2), RAG Nov 20 (Sheet1!C2)); name the column in the header row"
    );
    let g = grid(&[&["Number", "Action", "Lead"], &["1.1", "Do it", "CYC"]]);
    assert!(read_err(&g, &WORDS).contains("row 1: the header row has no status column"));
    let g = grid(&[&["Tracker"], &["Notes"]]);
    assert!(read_err(&g, &WORDS).contains("no header row in its first 2 rows"));
}

#[test]
fn a_fill_only_status_is_its_colour_word_when_the_plan_has_one_and_an_error_otherwise() {
    let mut g = tracker();
    g.rows[6][5].fill = Some(Rgb(0xFF, 0x00, 0x00));
    assert_eq!(
        read_err(&g, &WORDS),
        "t.xlsx, Sheet1!F7 has only a red fill (#FF0000); the plan's scale has no colour words; give a legend that says what red means, or type the status into the cell"
    );
    let with_colours = [&WORDS[..], &["Red", "Amber", "Green", "Blue"]].concat();
    let t = read_ok(&g, &with_colours);
    assert_eq!(t.areas[0].rows[1].statuses[1].as_deref(), Some("Red"));
    assert!(warnings(&t).contains(
        &"Sheet1!F7 has no text, only a red fill (#FF0000); read as \"Red\"".to_string()
    ));
    // White and grey fills are no status; a fill under text is ignored.
    g.rows[6][5].fill = Some(Rgb(0xFF, 0xFF, 0xFF));
    g.rows[4][4].fill = Some(Rgb(0xFF, 0x00, 0x00));
    let t = read_ok(&g, &WORDS);
    assert_eq!(t.areas[0].rows[1].statuses[1], None);
    assert_eq!(t.areas[0].rows[0].statuses[0].as_deref(), Some("Completed"));
}

#[test]
fn later_areas_open_at_an_area_row_with_or_without_their_own_header() {
    let g = grid(&[
        &["Plan"],
        &["Area for Improvement 1: Leadership"],
        &["Number", "Action", "RAG Nov 20"],
        &["1.1", "Lead", "Completed"],
        &[],
        &["Area for Improvement 2", "Joint commissioning"],
        &["the finding goes on"],
        &["Number", "Action", "RAG Nov 20", "RAG Feb 21"],
        &["2.1", "Commission", "Completed", "Embedded"],
        &["Area for Improvement 3: Identification"],
        &["3.1", "Identify", "Started but delayed"],
    ]);
    let t = read_ok(&g, &WORDS);
    let areas: Vec<(&str, &str, usize, usize)> = t
        .areas
        .iter()
        .map(|a| {
            let n = (a.number.as_str(), a.finding.as_str());
            (n.0, n.1, a.reviews.len(), a.rows.len())
        })
        .collect();
    assert_eq!(
        areas,
        [
            ("1", "Leadership", 1, 1),
            ("2", "Joint commissioning the finding goes on", 2, 1),
            ("3", "Identification", 2, 1),
        ]
    );
    assert_eq!(t.areas[1].header_line, 8);
    // Without a header of its own, an area is read against the one above it.
    assert_eq!(t.areas[2].header_line, 8);
    assert_eq!(t.reviews().len(), 2);
}

#[test]
fn rows_that_cannot_be_placed_are_refused_with_their_cell() {
    let mut g = tracker();
    g.rows
        .push(vec![GridCell::default(), GridCell::text("stray note")]);
    assert!(read_err(&g, &WORDS)
        .starts_with("t.xlsx, Sheet1!A9: this row has text but no action number"));
    let mut g = tracker();
    g.rows.push(vec![GridCell::text("Key: red is late")]);
    assert!(read_err(&g, &WORDS)
        .starts_with("t.xlsx, Sheet1!A9: \"Key: red is late\" is not an action number"));
    let mut g = tracker();
    g.rows[4][4].text = "Complted".into();
    assert!(read_err(&g, &WORDS).starts_with(
        "t.xlsx, Sheet1!E5: unknown status \"Complted\" (did you mean \"Completed\"?)"
    ));
    let mut g = tracker();
    g.merges.clear();
    g.rows[7][0].text = "1.2".into();
    g.rows[7][1].text = "Phase 2".into();
    assert!(read_err(&g, &WORDS)
        .starts_with("t.xlsx, Sheet1!A8: action number 1.2 is also used at Sheet1!A7"));
    let mut g = tracker();
    g.rows[3][5].text = "RAG Nov 20".into();
    assert!(read_err(&g, &WORDS).contains("Sheet1!F4: the column \"RAG Nov 20\" is the review"));
    let mut g = tracker();
    g.rows[3][5].text = "RAG status".into();
    assert!(read_err(&g, &WORDS)
        .starts_with("t.xlsx, Sheet1!F4: header \"RAG status\" starts with RAG"));
}

#[test]
fn a_repeated_header_without_an_area_row_is_refused() {
    let mut g = tracker();
    let header = g.rows[3].clone();
    g.rows.push(header);
    assert!(read_err(&g, &WORDS)
        .starts_with("t.xlsx, Sheet1 row 9: a second header row below the header at Sheet1 row 4"));
}

#[test]
fn cell_addresses_follow_the_spreadsheet() {
    assert_eq!(column_letters(0), "A");
    assert_eq!(column_letters(25), "Z");
    assert_eq!(column_letters(26), "AA");
    assert_eq!(column_letters(27 * 26), "AAA");
    let mut g = Grid::default();
    assert_eq!(g.cell_ref(6, 5), "F7");
    g.sheet = "RAG tracker".into();
    assert_eq!(g.cell_ref(6, 5), "'RAG tracker'!F7");
}
