//! `readiness import` of a table copied from a web page as plain text: the York table and the
//! four-area document give the same plan as their pipe-separated originals, recorded as the
//! web-text format; a status line that does not split is refused and nothing is written.

mod util;

use util::Ledger;

/// A fixture's path, absolute: the binary runs in the ledger's temporary directory.
fn data(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    path.to_str().expect("utf-8 path").to_string()
}

/// `matrix --format json` of a new ledger importing `file`, without its head (the two
/// ledgers' hashes differ: file name, SHA-256 and time are recorded).
fn imported_matrix(file: &str) -> (serde_json::Value, Ledger) {
    let l = Ledger::empty();
    l.write(&["import", &data(file), "--origin", "test/web"])
        .ok();
    let mut matrix = l.read(&["matrix", "--format", "json"]).ok().json();
    let head = matrix.as_object_mut().and_then(|m| m.remove("head"));
    assert!(head.is_some(), "the matrix names its head: {matrix}");
    (matrix, l)
}

/// Every non-empty status cell of a matrix.
fn cells(matrix: &serde_json::Value) -> usize {
    let text = matrix.to_string();
    [
        "Not started",
        "Started but delayed",
        "Progressing but delayed",
        "Progressing and on track",
        "Completed",
        "Embedded",
    ]
    .iter()
    .map(|s| text.matches(&format!("\"{s}\"")).count())
    .sum()
}

/// The format the ledger's `source_imported` entry records.
fn recorded_format(l: &Ledger) -> String {
    let entries = l.entries();
    let source = entries
        .iter()
        .find(|e| e["event"]["type"] == "source_imported")
        .expect("a source_imported entry");
    source["event"]["format"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn york_web_copy_gives_the_same_matrix_as_the_pipe_table() {
    let (pipe, pl) = imported_matrix("york-wsoa-area1.txt");
    let (web, wl) = imported_matrix("york-wsoa-area1-web.txt");
    assert_eq!(web, pipe);
    assert_eq!(cells(&web), 54, "{web}");
    assert_eq!(recorded_format(&pl), "wsoa_table");
    assert_eq!(recorded_format(&wl), "wsoa_web_text");
}

#[test]
fn four_area_web_copy_gives_the_same_matrix_as_the_pipe_table() {
    let (pipe, _) = imported_matrix("wsoa-four-areas.txt");
    let (web, _) = imported_matrix("wsoa-four-areas-web.txt");
    assert_eq!(web, pipe);
    assert_eq!(cells(&web), 67, "{web}");
}

#[test]
fn a_status_line_one_short_is_refused_and_nothing_is_written() {
    let l = Ledger::init();
    let before = l.log_bytes();
    let york = std::fs::read_to_string(data("york-wsoa-area1-web.txt")).expect("fixture");
    let run = "Started but delayed Progressing but delayed Completed Completed Completed Completed Completed Completed Completed";
    let line = york
        .lines()
        .position(|l| l == run)
        .expect("1.2's status line")
        + 1;
    let short = york.replacen(
        run,
        "Started but delayed Progressing but delayed Completed",
        1,
    );
    let path = l.path("york-web-short.txt");
    std::fs::write(&path, short).expect("write");
    let path = path.to_str().expect("utf-8 path");
    l.write(&["import", path]).code(2).stderr_has(&format!(
        "york-web-short.txt, line {line}: the status line \"Started but delayed Progressing but delayed Completed\" splits into 3 (\"Started but delayed\", \"Progressing but delayed\", \"Completed\") but the header has 9 review columns"
    ));
    assert_eq!(l.log_bytes(), before);
}
