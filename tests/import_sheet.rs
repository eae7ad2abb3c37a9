//! `readiness import` of .xlsx and .csv trackers: York's area 1 as a workbook (a title above
//! the header, a merged cell, a blank row) and as CSV give the same plan as the text table;
//! fill-only RAG cells, a missing Number column and a damaged workbook are refused, writing
//! nothing; a later workbook with one more column updates only that column.
//!
//! The fixtures are made by tools/make_sheet_fixtures.py (tests/data/SOURCES.md).

mod util;

use util::{Ledger, ORIGIN};

const TEXT: &str = "tests/data/york-wsoa-area1.txt";
const XLSX: &str = "tests/data/york-wsoa-area1.xlsx";
const CSV: &str = "tests/data/york-wsoa-area1.csv";
const XLSX_TO_DEC21: &str = "tests/data/york-wsoa-area1-to-dec21.xlsx";

fn abs(path: &str) -> String {
    std::fs::canonicalize(path)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

fn imported(path: &str) -> Ledger {
    let l = Ledger::empty();
    l.write(&["import", &abs(path), "--origin", ORIGIN]).ok();
    l
}

/// A JSON view without its `head` and `recorded_at` times, which differ between ledgers
/// that imported the same plan from different files.
fn view(l: &Ledger, command: &str) -> serde_json::Value {
    fn scrub(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.remove("head");
                map.remove("recorded_at");
                map.values_mut().for_each(scrub);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    let mut v = l.read(&[command, "--format", "json"]).ok().json();
    scrub(&mut v);
    v
}

fn matrix(l: &Ledger) -> serde_json::Value {
    view(l, "matrix")
}

/// The events that set the plan's areas and actions, every field of them.
fn areas_and_actions(l: &Ledger) -> Vec<serde_json::Value> {
    let entries = l.entries();
    let kept = entries.iter().filter(|e| {
        let t = &e["event"]["type"];
        t == "area_added" || t == "action_added"
    });
    kept.map(|e| e["event"].clone()).collect()
}

fn source_imported(l: &Ledger) -> serde_json::Value {
    let entries = l.entries();
    let found = entries
        .iter()
        .rev()
        .find(|e| e["event"]["type"] == "source_imported");
    found.expect("a source_imported entry")["event"].clone()
}

/// Non-empty status cells of a `matrix --format json`.
fn cells(m: &serde_json::Value) -> usize {
    let rows = m["rows"].as_array().expect("matrix rows");
    rows.iter()
        .flat_map(|r| r["cells"].as_array().expect("row cells"))
        .filter(|c| !c.is_null() && !c["status"].is_null())
        .count()
}

#[test]
fn york_as_xlsx_and_as_csv_gives_the_text_tables_plan() {
    let from_text = imported(TEXT);
    let text = matrix(&from_text);
    assert_eq!(cells(&text), 54, "{text:#}");
    let plan = view(&from_text, "plan");
    let added = areas_and_actions(&from_text);
    assert_eq!(added.len(), 7);
    for (path, format) in [(XLSX, "xlsx"), (CSV, "csv")] {
        let l = Ledger::empty();
        let run = l
            .write(&["import", &abs(path), "--origin", ORIGIN])
            .ok()
            .stdout_has("1 area, 6 actions, 9 new reviews (0 reused), 54 statuses");
        assert_eq!(matrix(&l), text, "{path}: {run:#?}");
        assert_eq!(view(&l, "plan"), plan, "{path}");
        assert_eq!(areas_and_actions(&l), added, "{path}");
        let source = source_imported(&l);
        assert_eq!(source["format"], format, "{source:#}");
        l.read(&["verify"]).ok();
    }
    let l = Ledger::empty();
    l.write(&["import", &abs(XLSX), "--origin", ORIGIN])
        .ok()
        .stderr_has("york-wsoa-area1.xlsx, row 8: Sheet1!A8:A9 is a merged cell: its text \"1.3\" is read in each of its 2 rows");
    let plan = l.read(&["plan", "--format", "json"]).ok().json();
    assert!(
        plan.to_string().contains("Leadership and Governance"),
        "{plan:#}"
    );
}

#[test]
fn a_fill_only_rag_cell_is_refused_naming_the_cell_and_nothing_is_written() {
    let l = imported(TEXT);
    let before = l.snapshot();
    l.write(&["import", &abs("tests/data/tracker-fill-only.xlsx")])
        .code(2)
        .stderr_has("tracker-fill-only.xlsx, Sheet1!F3 has only a green fill (#00B050); the plan's scale has no colour words; give a legend that says what green means");
    l.assert_unchanged(&before);
}

#[test]
fn a_plan_whose_scale_names_colours_reads_fill_only_cells_as_those_words_with_warnings() {
    let l = Ledger::empty();
    let scale = l.path("scale.json");
    let statuses = r#"[{"name": "Red", "rag": "red"}, {"name": "Amber", "rag": "amber"},
        {"name": "Green", "rag": "green"}, {"name": "Completed", "rag": "green"}]"#;
    std::fs::write(&scale, statuses).unwrap();
    let init = ["init", "--title", "Tracker", "--origin", ORIGIN, "--scale"];
    l.write(&[&init[..], &[scale.to_str().unwrap()]].concat())
        .ok();
    let run = l
        .write(&["import", &abs("tests/data/tracker-fill-only.xlsx")])
        .ok()
        .stdout_has("1 area, 2 actions, 2 new reviews (0 reused), 4 statuses")
        .stderr_has("Sheet1!E4 has no text, only a red fill (#FF0000); read as \"Red\"")
        .stderr_has("Sheet1!F3 has no text, only a green fill (#00B050); read as \"Green\"");
    assert!(run.stderr.contains("read as area 1"), "{run:#?}");
    let m = matrix(&l);
    let labels: Vec<&str> = m["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    // "Nov 2020" and a date cell (28/02/2021) name the two reviews.
    assert_eq!(labels, ["RAG November 20", "RAG February 21"]);
    let statuses: Vec<Vec<&str>> = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let cells = r["cells"].as_array().unwrap();
            cells
                .iter()
                .map(|c| c["status"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(statuses, [["Completed", "Green"], ["Red", "Amber"]]);
    assert_eq!(source_imported(&l)["format"], "xlsx");
}

#[test]
fn bad_workbooks_fail_with_exit_2_and_leave_the_ledger_unchanged() {
    let l = imported(TEXT);
    let before = l.snapshot();
    l.write(&["import", &abs("tests/data/york-no-number.xlsx"), "--update"])
        .code(2)
        .stderr_has("york-no-number.xlsx, Sheet1 row 4: the header row has no Number column (columns found: Outcomes (Sheet1!A4), Action (Sheet1!B4),");
    l.write(&["import", &abs("tests/data/york-corrupt.xlsx"), "--update"])
        .code(2)
        .stderr_has("york-corrupt.xlsx, not a readable xlsx file (");
    let ods = l.path("tracker.ods");
    std::fs::write(&ods, b"anything").unwrap();
    l.write(&["import", ods.to_str().unwrap(), "--update"])
        .code(2)
        .stderr_has(".ods files are not read; save the workbook as .xlsx");
    l.assert_unchanged(&before);
    let empty = Ledger::empty();
    empty
        .write(&["import", &abs("tests/data/york-corrupt.xlsx")])
        .code(2);
    assert!(!empty.log_path().exists(), "no ledger is created");
}

#[test]
fn a_later_workbook_with_one_more_column_adds_only_that_column() {
    let l = imported(XLSX_TO_DEC21);
    let before = l.entries().len();
    l.write(&["import", &abs(XLSX), "--update"])
        .ok()
        .stdout_has("updated from york-wsoa-area1.xlsx")
        .stdout_has("1 new review (RAG August 22), 6 new statuses, 0 past statuses changed");
    let entries = l.entries();
    let added: Vec<&str> = entries[before..]
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        added,
        [
            "source_imported",
            "review_scheduled",
            "status_recorded",
            "status_recorded",
            "status_recorded",
            "status_recorded",
            "status_recorded",
            "status_recorded"
        ]
    );
    assert_eq!(source_imported(&l)["format"], "xlsx");
    assert_eq!(matrix(&l), matrix(&imported(TEXT)));
}

#[test]
fn fill_only_cells_are_read_through_a_legend_that_says_what_each_colour_means() {
    let l = Ledger::empty();
    let legend = l.path("legend.txt");
    std::fs::write(
        &legend,
        "# What this council's colours mean\nRed = Started but delayed\nAmber = Progressing but delayed\nGreen = Progressing and on track\nBlue = Completed\n",
    )
    .unwrap();
    l.write(&[
        "import",
        &abs("tests/data/tracker-fill-only.xlsx"),
        "--legend",
        legend.to_str().unwrap(),
    ])
    .ok()
    .stderr_has("read with the legend legend.txt");
    let m = matrix(&l);
    let statuses: Vec<&str> = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["cells"].as_array().unwrap())
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "Completed",
            "Progressing and on track",
            "Started but delayed",
            "Progressing but delayed"
        ]
    );
}
