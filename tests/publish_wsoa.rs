//! `readiness matrix --format wsoa`: the plan written back as the published WSoA table, read
//! in again by `import` to the same matrix and the same action fields; `--as-of` cuts the
//! columns; text the layout cannot carry is refused; other commands refuse the format.

mod util;

use serde_json::Value;
use util::Ledger;

const YORK: &str = "tests/data/york-wsoa-area1.txt";
const FOUR: &str = "tests/data/wsoa-four-areas.txt";

/// A fixture's path, absolute: the binary runs in the ledger's temporary directory.
fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    path.to_str().expect("utf-8 path").to_string()
}

/// A fresh ledger with `source` imported.
fn imported(source: &str) -> Ledger {
    let l = Ledger::empty();
    l.write(&["import", source, "--origin", "test/publish"])
        .ok();
    l
}

/// `matrix --format wsoa` (with `extra` arguments) written to `<tmp>/<name>`; its path and text.
fn publish(l: &Ledger, name: &str, extra: &[&str]) -> (String, String) {
    let args = [&["matrix", "--format", "wsoa"][..], extra].concat();
    let run = l.read(&args).ok();
    let path = l.path(name);
    std::fs::write(&path, &run.stdout).expect("write the published table");
    (path.to_str().expect("utf-8").to_string(), run.stdout)
}

/// The events of one type in the ledger, without their entry wrapping.
fn events(l: &Ledger, kind: &str) -> Vec<Value> {
    l.entries()
        .into_iter()
        .map(|e| e["event"].clone())
        .filter(|e| e["type"] == kind)
        .collect()
}

/// Each action's id, text, lead and dates, area by area, from `plan --format json`.
fn plan_actions(l: &Ledger) -> Vec<Value> {
    let plan = l.read(&["plan", "--format", "json"]).ok().json();
    let areas = plan["areas"].as_array().expect("areas").clone();
    let mut out = Vec::new();
    for area in areas {
        for a in area["actions"].as_array().expect("actions") {
            out.push(serde_json::json!({
                "area": area["id"], "area_title": area["title"],
                "id": a["id"], "action": a["action"], "lead": a["lead"],
                "start": a["start"], "end": a["end"],
            }));
        }
    }
    out
}

/// Imports `source`, publishes it, imports the publication into a second ledger and checks
/// both ledgers hold the same plan.
fn round_trip(source: &str, actions: usize) {
    let first = imported(&fixture(source));
    let (published, text) = publish(&first, "published.txt", &[]);
    let second = Ledger::empty();
    let run = second
        .write(&["import", &published, "--origin", "test/publish"])
        .ok();
    // Nothing had to be repaired or guessed reading the publication back.
    assert!(run.stdout.contains(" 0 warnings"), "{run:#?}\n{text}");
    let csv = |l: &Ledger| l.read(&["matrix", "--format", "csv"]).ok().stdout;
    let matrix = csv(&first);
    assert_eq!(matrix.lines().count(), actions + 1, "{matrix}");
    assert_eq!(matrix, csv(&second));
    let listed = plan_actions(&first);
    assert_eq!(listed.len(), actions);
    assert_eq!(listed, plan_actions(&second));
    // Every field of every action and area, outcome, measures, evidence and finding included.
    assert_eq!(
        events(&first, "action_added"),
        events(&second, "action_added")
    );
    assert_eq!(events(&first, "area_added"), events(&second, "area_added"));
    let title = |l: &Ledger| events(l, "plan_created")[0]["title"].clone();
    assert_eq!(title(&first), title(&second));
    // And publishing the second gives the same table again.
    assert_eq!(publish(&second, "again.txt", &[]).1, text);
}

#[test]
fn york_area_round_trips_through_the_published_table() {
    round_trip(YORK, 6);
}

#[test]
fn four_areas_round_trip_through_the_published_table() {
    round_trip(FOUR, 12);
}

#[test]
fn published_table_has_the_importers_layout() {
    let l = imported(&fixture(YORK));
    let (_, text) = publish(&l, "york.txt", &[]);
    let lines: Vec<&str> = text.lines().collect();
    let source = std::fs::read_to_string(fixture(YORK)).expect("fixture");
    let source: Vec<&str> = source.lines().collect();
    // Title, area line, finding, header and separator exactly as the source writes them.
    assert_eq!(lines[..5], source[..5]);
    assert_eq!(lines.len(), 5 + 6, "{text}");
    // 1.3B has no Lead: an empty cell. Every row ends with " |" and has 8 + 9 cells.
    let b = lines
        .iter()
        .find(|l| l.starts_with("1.3B | "))
        .expect("1.3B");
    assert!(
        b.contains(" | Phase 2: January 2021 | | Completion of 0 – 25 JSNA."),
        "{b}"
    );
    for row in &lines[5..] {
        assert!(row.ends_with(" |"), "{row}");
        assert_eq!(row.matches('|').count(), 17, "{row}");
    }
    assert!(lines[5].ends_with(
        "| Progressing but delayed | Completed | Completed | Completed | Completed | Embedded | Embedded | Embedded | Embedded |"
    ));
}

#[test]
fn as_of_an_earlier_review_writes_only_its_columns() {
    let l = imported(&fixture(FOUR));
    let (path, text) = publish(&l, "nov20.txt", &["--as-of", "RAG November 20"]);
    let header = "Number | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact | RAG May 20 | RAG August 20 | RAG November 20 |";
    let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("Number |")).collect();
    assert_eq!(headers, vec![header; 4], "{text}");
    assert!(!text.contains("RAG February 21"), "{text}");
    let row = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{id} | ")))
            .unwrap_or_else(|| panic!("no row {id}"))
            .to_string()
    };
    assert!(row("1.2")
        .ends_with("| Started but delayed | Progressing but delayed | Progressing and on track |"));
    // 3.3 had no status at May 20: an empty cell.
    assert!(row("3.3").ends_with("| | Not started | Started but delayed |"));
    // Area 4's reviews start later: its cells up to November 20 are all empty.
    assert!(row("4.1").ends_with("| | | |"), "{}", row("4.1"));
    // Read back, the matrix is the first one's up to November 20.
    let back = Ledger::empty();
    back.write(&["import", &path, "--origin", "test/publish"])
        .ok();
    let nov = l
        .read(&["matrix", "--format", "csv", "--as-of", "RAG November 20"])
        .ok()
        .stdout;
    assert_eq!(back.read(&["matrix", "--format", "csv"]).ok().stdout, nov);
    // Without --as-of: every review, the latest (December 21) last.
    let (_, all) = publish(&l, "all.txt", &[]);
    let last = all.lines().nth(3).expect("header");
    assert!(
        last.ends_with("| RAG September 21 | RAG December 21 |"),
        "{last}"
    );
}

#[test]
fn a_cell_with_a_bar_or_a_line_break_is_refused_naming_the_action_and_field() {
    let l = imported(&fixture(FOUR));
    let before = publish(&l, "before.txt", &[]).1;
    l.write(&[
        "action",
        "amend",
        "2.2",
        "--lead",
        "(N.P) CCG | LA",
        "--reason",
        "joint lead",
    ])
    .ok();
    let run = l.read(&["matrix", "--format", "wsoa"]).code(2);
    assert!(run.stdout.is_empty(), "{run:#?}");
    let run = run.stderr_has("action 2.2").stderr_has("Lead (--lead)");
    assert!(run.stderr.contains("'|'"), "{run:#?}");
    // Put right, it publishes again; then a line break in another field is refused.
    l.write(&[
        "action",
        "amend",
        "2.2",
        "--lead",
        "(N.P) CCG",
        "--reason",
        "x",
    ])
    .ok();
    assert_eq!(publish(&l, "after.txt", &[]).1, before);
    l.write(&[
        "action",
        "amend",
        "3.1",
        "--measures",
        "first line\nsecond line",
        "--reason",
        "two lines",
    ])
    .ok();
    l.read(&["matrix", "--format", "wsoa"])
        .code(2)
        .stderr_has("action 3.1")
        .stderr_has("Measures of success (--measures)")
        .stderr_has("line break");
}

#[test]
fn withdrawn_actions_are_left_out_with_a_warning() {
    let l = imported(&fixture(FOUR));
    l.write(&["action", "withdraw", "2.3", "--reason", "merged into 2.1"])
        .ok();
    let run = l
        .read(&["matrix", "--format", "wsoa"])
        .ok()
        .stderr_has("action 2.3 is withdrawn");
    assert!(!run.stdout.contains("\n2.3 | "), "{}", run.stdout);
    assert!(run.stdout.contains("\n2.2 | "), "{}", run.stdout);
}

#[test]
fn a_review_label_the_importer_cannot_read_is_refused() {
    let l = imported(&fixture(YORK));
    l.write(&["review", "add", "Board 2023", "--date", "2023-01-31"])
        .ok();
    l.read(&["matrix", "--format", "wsoa"])
        .code(2)
        .stderr_has("review \"Board 2023\"");
    // Up to a review before it, the table is written.
    publish(&l, "aug22.txt", &["--as-of", "RAG August 22"]);
}

#[test]
fn other_commands_refuse_format_wsoa_with_a_usage_error() {
    let l = imported(&fixture(YORK));
    let before = l.snapshot();
    let commands: [&[&str]; 6] = [
        &["plan"],
        &["history", "1.1"],
        &["check"],
        &["diff", "--from", "RAG May 20", "--to", "RAG August 20"],
        &["log"],
        &["actors"],
    ];
    for command in commands {
        let name = command[0];
        // The same command runs with another format (check exits 3: the plan has gaps): the
        // refusal is the format's.
        let csv = l.read(&[command, &["--format", "csv"]].concat());
        assert!(
            csv.code == 0 || (name == "check" && csv.code == 3),
            "{csv:#?}"
        );
        assert!(!csv.stdout.is_empty(), "{csv:#?}");
        let run = l.read(&[command, &["--format", "wsoa"]].concat()).code(2);
        assert!(run.stdout.is_empty(), "{run:#?}");
        let run = run
            .stderr_has("--format wsoa")
            .stderr_has("only by `readiness matrix`")
            .stderr_has(&format!("`readiness {name}` takes"));
        assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    }
    l.assert_unchanged(&before);
}

#[test]
fn ids_and_headings_the_importer_would_read_differently_are_refused() {
    // An action number the importer does not read as one.
    let l = imported(&fixture(YORK));
    l.write(&[
        "action",
        "add",
        "1.6x",
        "--area",
        "1",
        "--action",
        "Lower-case letter",
    ])
    .ok();
    l.read(&["matrix", "--format", "wsoa"])
        .code(2)
        .stderr_has("action \"1.6x\"")
        .stderr_has("\"1.3A\"");
    // A number used twice without (A)/(B) markers: caught by reading the table back.
    let l = imported(&fixture(YORK));
    l.write(&[
        "action",
        "add",
        "1.1A",
        "--area",
        "1",
        "--action",
        "Twin of 1.1",
    ])
    .ok();
    l.read(&["matrix", "--format", "wsoa"])
        .code(2)
        .stderr_has("`readiness import` would refuse the table written")
        .stderr_has("action number 1.1 is also used");
    // Withdrawn, the twin is left out and the table is written.
    l.write(&["action", "withdraw", "1.1A", "--reason", "entered twice"])
        .ok();
    publish(&l, "without-twin.txt", &[]);
    // An area whose only line would read as another area's heading.
    l.write(&["area", "add", "2", "--title", "Area for Improvement 9"])
        .ok();
    l.write(&[
        "action",
        "add",
        "2.1",
        "--area",
        "2",
        "--action",
        "Something",
    ])
    .ok();
    l.read(&["matrix", "--format", "wsoa"])
        .code(2)
        .stderr_has("area 2: its finding line");
}

#[test]
fn an_area_added_by_hand_publishes_its_title_and_finding_on_one_line() {
    let l = imported(&fixture(YORK));
    l.write(&[
        "area",
        "add",
        "2",
        "--title",
        "Joint Commissioning",
        "--finding",
        "Arrangements do not yet meet assessed needs",
    ])
    .ok();
    l.write(&[
        "action",
        "add",
        "2.1",
        "--area",
        "2",
        "--action",
        "Agree a strategy",
    ])
    .ok();
    let (path, text) = publish(&l, "two.txt", &[]);
    assert!(
        text.contains(
            "\nArea for Improvement 2\nJoint Commissioning: Arrangements do not yet meet assessed needs\nNumber | "
        ),
        "{text}"
    );
    // No status yet: every review cell of 2.1 empty.
    assert!(
        text.contains("\n2.1 | | Agree a strategy | | | | | | | | | | | | | | |\n"),
        "{text}"
    );
    let back = Ledger::empty();
    back.write(&["import", &path, "--origin", "test/publish"])
        .ok();
    let csv = |l: &Ledger| l.read(&["matrix", "--format", "csv"]).ok().stdout;
    assert_eq!(csv(&back), csv(&l));
    let area = |l: &Ledger| events(l, "area_added")[1]["title"].clone();
    assert_eq!(area(&back), area(&l));
}

#[test]
fn a_review_dated_off_its_label_is_written_with_a_warning() {
    let l = imported(&fixture(YORK));
    l.write(&[
        "review",
        "reschedule",
        "RAG July 21",
        "--date",
        "2021-08-15",
        "--reason",
        "board moved",
    ])
    .ok();
    let run = l
        .read(&["matrix", "--format", "wsoa"])
        .ok()
        .stderr_has("review \"RAG July 21\" is dated 2021-08-15")
        .stderr_has("an import dates 2021-07-31");
    assert!(run.stdout.contains("| RAG July 21 |"), "{run:#?}");
    // The other reviews' dates agree with their labels: no other warning.
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
}
