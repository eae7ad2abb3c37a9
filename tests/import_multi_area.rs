//! `readiness import` of a whole WSoA with four areas (tests/data/wsoa-four-areas.txt): one
//! batch, each review once, every area's statuses in the matrix; a broken document writes nothing.

mod util;

use util::Ledger;

const SOURCE: &str = "tests/data/wsoa-four-areas.txt";

/// The fixture's path, absolute: the binary runs in the ledger's temporary directory.
fn source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SOURCE);
    path.to_str().expect("utf-8 path").to_string()
}

/// `matrix --format csv` as rows of cells, keyed by the first cell (the action).
fn matrix(l: &Ledger) -> Vec<Vec<String>> {
    let out = l.read(&["matrix", "--format", "csv"]).ok();
    out.stdout
        .lines()
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

/// The cell of `matrix` for `action` under the column headed `review`.
fn cell(matrix: &[Vec<String>], action: &str, review: &str) -> String {
    let column = matrix[0]
        .iter()
        .position(|c| c == review)
        .unwrap_or_else(|| panic!("no column {review:?} in {:?}", matrix[0]));
    let row = matrix
        .iter()
        .find(|r| r[0] == action)
        .unwrap_or_else(|| panic!("no row {action:?}"));
    row[column].clone()
}

#[test]
fn four_areas_import_as_one_batch_with_each_review_once() {
    let l = Ledger::empty();
    let src = source();
    let run = l
        .write(&["import", &src, "--origin", "test/four-areas"])
        .ok();
    let summary = run.stdout.lines().next().unwrap_or_default().to_string();
    assert!(
        summary.starts_with("imported wsoa-four-areas.txt (SHA-256 "),
        "{summary}"
    );
    assert!(
        summary
            .ends_with("): 4 areas, 12 actions, 7 new reviews (0 reused), 67 statuses, 1 warning"),
        "{summary}"
    );
    // The one warning: area 4's row with its Lead cell missing, read against area 4's header.
    assert!(
        run.stderr.contains(
            "wsoa-four-areas.txt, line 40: row 4.2: 11 cells for 12 columns; left \"Lead\" empty"
        ),
        "{}",
        run.stderr
    );
    // plan, source, 4 areas, 12 actions, 7 reviews, 67 statuses: one batch, so one head.
    assert!(run.stdout.contains("\nhead 92 "), "{}", run.stdout);
    let entries = l.entries();
    assert_eq!(entries.len(), 92);
    let recorded: std::collections::BTreeSet<&str> = entries
        .iter()
        .map(|e| e["recorded_at"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(recorded.len(), 1, "one batch has one recorded_at");
    let reviews: Vec<&str> = entries
        .iter()
        .filter(|e| e["event"]["type"] == "review_scheduled")
        .map(|e| e["event"]["label"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        reviews,
        [
            "RAG May 20",
            "RAG August 20",
            "RAG November 20",
            "RAG February 21",
            "RAG May 21",
            "RAG September 21",
            "RAG December 21"
        ]
    );
    l.read(&["verify"])
        .ok()
        .stdout_has("ok: 92 entries verified");
}

#[test]
fn the_matrix_shows_every_areas_statuses_cell_by_cell() {
    let l = Ledger::empty();
    l.write(&["import", &source()]).ok();
    let m = matrix(&l);
    assert_eq!(
        m[0].join(","),
        "action,RAG May 20,RAG August 20,RAG November 20,RAG February 21,RAG May 21,RAG September 21,RAG December 21"
    );
    let actions: Vec<&str> = m[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        actions,
        ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2A", "3.2B", "3.3", "4.1", "4.2"]
    );
    let cells = [
        // Area 2: the row whose Action cell is closed by a line holding only "|".
        ("2.2", "RAG May 20", "Not started"),
        ("2.2", "RAG February 21", "Progressing but delayed"),
        ("2.2", "RAG September 21", "Completed"),
        ("2.3", "RAG November 20", "Started but delayed"),
        // Area 3: the (A)/(B) twins, and a row whose first status is empty.
        ("3.2A", "RAG August 20", "Started but delayed"),
        ("3.2B", "RAG August 20", "Not started"),
        ("3.2B", "RAG May 21", "Progressing and on track"),
        ("3.3", "RAG May 20", ""),
        ("3.3", "RAG August 20", "Not started"),
        // Area 4: fewer, later review columns; the row missing its Lead.
        ("4.1", "RAG November 20", ""),
        ("4.1", "RAG February 21", "Started but delayed"),
        ("4.1", "RAG December 21", "Completed"),
        ("4.2", "RAG September 21", "Progressing but delayed"),
        ("4.2", "RAG December 21", "Progressing and on track"),
        // Areas 1-3 have no December 21 column.
        ("3.1", "RAG December 21", ""),
        ("1.1", "RAG September 21", "Embedded"),
    ];
    for (action, review, want) in cells {
        assert_eq!(cell(&m, action, review), want, "{action} at {review}");
    }
    let plan = l
        .read(&["plan", "--as-of", "latest", "--format", "json"])
        .ok();
    let plan = plan.json();
    let titles: Vec<&str> = plan["areas"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|a| a["title"].as_str().unwrap_or(""))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        titles,
        [
            "Leadership and Governance",
            "Joint Commissioning",
            "Identification of Need",
            "Preparation for Adulthood"
        ]
    );
}

/// The fixture with `edit` applied, written beside the ledger.
fn broken(l: &Ledger, name: &str, edit: impl Fn(&str) -> String) -> String {
    let text = std::fs::read_to_string(source()).expect("read the fixture");
    let edited = edit(&text);
    assert_ne!(edited, text, "{name}: the edit must change the fixture");
    let path = l.path(name);
    std::fs::write(&path, edited).expect("write the broken table");
    path.to_str().expect("utf-8 path").to_string()
}

#[test]
fn a_malformed_document_is_refused_naming_the_line_and_writes_nothing() {
    let l = Ledger::empty();
    let lines = |text: &str, skip: std::ops::Range<usize>| {
        let kept: Vec<&str> = text
            .lines()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(_, l)| l)
            .collect();
        kept.join("\n") + "\n"
    };
    let cases: Vec<(String, &[&str])> = vec![
        (
            // Area 2's rows removed (lines 19-26): its header has nothing under it.
            broken(&l, "empty-area.txt", |t| lines(t, 18..26)),
            &[
                "empty-area.txt, line 14: Area for Improvement 2 has no action rows below its header row (line 17)",
            ],
        ),
        (
            broken(&l, "numberless.txt", |t| {
                t.replace("3.1 | Health visitors", "| Health visitors")
            }),
            &[
                "numberless.txt, line 30: a table row starts here without an action number",
            ],
        ),
        (
            // Area 3's header and separator removed: row 3.1 follows its area line.
            broken(&l, "no-header.txt", |t| lines(t, 27..29)),
            &[
                "no-header.txt, line 27: \"Area for Improvement 3\" starts a new area here",
                "(line 28) is an action row",
            ],
        ),
        (
            // Area 4's rows given area 1's six statuses against its four review columns.
            broken(&l, "wide-row.txt", |t| {
                t.replace(
                    "| Started but delayed | Progressing but delayed | Progressing and on track | Completed |\n4.2",
                    "| Not started | Not started | Started but delayed | Progressing but delayed | Progressing and on track | Completed |\n4.2",
                )
            }),
            &["wide-row.txt, line 39: row 4.1 has 14 cells for the header's 12 columns"],
        ),
    ];
    for (file, needles) in cases {
        let run = l.write(&["import", &file]).code(2);
        for needle in needles {
            assert!(
                run.stderr.contains(needle),
                "{file}: stderr should contain {needle:?}: {}",
                run.stderr
            );
        }
        assert!(
            !l.dir().exists(),
            "{file}: a refused import must not create the ledger"
        );
    }
    // Into an existing ledger: refused, and the log is byte for byte what it was.
    l.write(&["init", "--title", "T", "--origin", "test/four"])
        .ok();
    let before = l.snapshot();
    let file = broken(&l, "empty-area-4.txt", |t| lines(t, 38..43));
    l.write(&["import", &file])
        .code(2)
        .stderr_has("empty-area-4.txt, line 35: Area for Improvement 4 has no action rows below its header row (line 37)");
    l.assert_unchanged(&before);
    // The whole document still imports afterwards: nothing half-written stands in its way.
    l.write(&["import", &source()])
        .ok()
        .stdout_has("4 areas, 12 actions, 7 new reviews (0 reused), 67 statuses");
}
