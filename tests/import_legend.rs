//! Status legends on the command line: `init --scale LEGEND` makes the plan's scale from a
//! council's legend; `import --legend LEGEND` reads a table whose cells are colour words (or
//! the council's phrases) as the plan's statuses and records the legend used; a colour no
//! legend line maps is refused with exit 2 and nothing is written.

mod util;

use util::Ledger;

/// York's scale, as a legend file's word lines for the four colours.
const YORK_COLOURS: &str = "\
# York's RAG colours, as the published tables use them
Red = Started but delayed
Amber = Progressing but delayed
Green = Progressing and on track
Blue = Completed
";

/// A fixture's text.
fn data(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(path).expect("fixture")
}

/// The York table with four of its statuses written as colours, as a council using a RAG
/// legend would publish it (Not started and Embedded stay as words).
fn colours(york: &str) -> String {
    york.replace("Started but delayed", "Red")
        .replace("Progressing but delayed", "Amber")
        .replace("Progressing and on track", "Green")
        .replace("Completed", "Blue")
}

/// Writes `text` into the ledger's temporary directory and gives its path.
fn file(l: &Ledger, name: &str, text: &str) -> String {
    let path = l.path(name);
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8 path").to_string()
}

/// `matrix --format json` without its head (hashes differ between ledgers).
fn matrix(l: &Ledger) -> serde_json::Value {
    let mut m = l.read(&["matrix", "--format", "json"]).ok().json();
    m.as_object_mut().and_then(|m| m.remove("head"));
    m
}

/// The York matrix as imported from the published words.
fn york_matrix() -> serde_json::Value {
    let l = Ledger::empty();
    let york = file(&l, "york.txt", &data("york-wsoa-area1.txt"));
    l.write(&["import", &york, "--origin", "test/legend"]).ok();
    matrix(&l)
}

#[test]
fn init_takes_a_legend_as_its_scale() {
    let l = Ledger::empty();
    let legend = file(
        &l,
        "brag.legend",
        "# BRAG, worst first\nOff track (red)\nNot yet due (amber)\nOn track (green)\nComplete (blue)\n\nRed = Off track\nBlue = Complete\n",
    );
    l.write(&[
        "init",
        "--title",
        "Plan",
        "--origin",
        "test/brag",
        "--scale",
        &legend,
    ])
    .ok();
    let scale = &l.entries()[0]["event"]["scale"];
    assert_eq!(
        scale,
        &serde_json::json!([
            {"name": "Off track", "rag": "red"},
            {"name": "Not yet due", "rag": "amber"},
            {"name": "On track", "rag": "green"},
            {"name": "Complete", "rag": "blue"}
        ])
    );
}

#[test]
fn init_refuses_a_legend_whose_word_names_no_status_of_it() {
    let l = Ledger::empty();
    let legend = file(
        &l,
        "bad.legend",
        "Off track (red)\nOn track (green)\nBlue = Done\n",
    );
    l.write(&["init", "--title", "Plan", "--scale", &legend])
        .code(2)
        .stderr_has("bad.legend, line 3: \"Done\" is not a status of the plan's scale (Off track, On track)");
    assert!(!l.log_path().exists());
}

#[test]
fn colour_cells_read_through_a_legend_give_the_published_plan() {
    let l = Ledger::empty();
    let table = file(
        &l,
        "york-colours.txt",
        &colours(&data("york-wsoa-area1.txt")),
    );
    let legend = file(&l, "york.legend", YORK_COLOURS);
    let run = l
        .write(&[
            "import",
            &table,
            "--legend",
            &legend,
            "--origin",
            "test/legend",
        ])
        .ok();
    assert_eq!(matrix(&l), york_matrix());
    // The history records how the cells were read: the legend's name and SHA-256.
    let sha = {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(YORK_COLOURS.as_bytes());
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let note =
        format!("york-colours.txt: status cells read with the legend york.legend (SHA-256 {sha})");
    assert!(run.stderr.contains(&note), "{run:#?}");
    let entries = l.entries();
    let source = entries
        .iter()
        .find(|e| e["event"]["type"] == "source_imported")
        .expect("source_imported");
    let warnings = source["event"]["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w == &serde_json::json!(note)),
        "{source}"
    );
}

#[test]
fn a_web_copy_in_colours_reads_through_a_legend_too() {
    let l = Ledger::empty();
    let table = file(
        &l,
        "york-web-colours.txt",
        &colours(&data("york-wsoa-area1-web.txt")),
    );
    let legend = file(&l, "york.legend", YORK_COLOURS);
    l.write(&[
        "import",
        &table,
        "--legend",
        &legend,
        "--origin",
        "test/legend",
    ])
    .ok();
    assert_eq!(matrix(&l), york_matrix());
}

#[test]
fn colour_cells_without_a_legend_or_with_blue_unmapped_write_nothing() {
    let l = Ledger::init();
    let table = file(
        &l,
        "york-colours.txt",
        &colours(&data("york-wsoa-area1.txt")),
    );
    let no_blue = file(
        &l,
        "no-blue.legend",
        &YORK_COLOURS.replace("Blue = Completed\n", ""),
    );
    let before = l.log_bytes();
    // Row 1.1's second status is the first Blue cell, on line 6.
    let refusal = "york-colours.txt, line 6: the status cell \"Blue\" is a colour";
    l.write(&["import", &table])
        .code(2)
        .stderr_has("york-colours.txt, line 6: the status cell \"Amber\" is a colour");
    assert_eq!(l.log_bytes(), before);
    l.write(&["import", &table, "--legend", &no_blue])
        .code(2)
        .stderr_has(refusal)
        .stderr_has("\"Blue = Completed\" and import with --legend FILE");
    assert_eq!(l.log_bytes(), before);
}

#[test]
fn a_legend_naming_a_status_off_the_scale_is_refused_at_its_line() {
    let l = Ledger::init();
    let table = file(
        &l,
        "york-colours.txt",
        &colours(&data("york-wsoa-area1.txt")),
    );
    let legend = file(
        &l,
        "typo.legend",
        "Red = Started but delayed\n\nBlue = Complete\n",
    );
    let before = l.log_bytes();
    l.write(&["import", &table, "--legend", &legend])
        .code(2)
        .stderr_has("typo.legend, line 3: \"Complete\" is not a status of the plan's scale");
    assert_eq!(l.log_bytes(), before);
}
