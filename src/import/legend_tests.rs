//! Unit tests of legend files: reading, the scale they define, and mapping a table's words.

use super::*;
use crate::import::parse_web_text;
use crate::import::wsoa::parse_wsoa;

const BRAG: &str = "\
# Our BRAG legend
Not yet due (amber)
Off track (red)
On track (green)
Complete (blue)

Red = Off track
Amber = Not yet due
Green = On track
  blue   =  complete
";

fn legend(text: &str) -> Result<Legend, ImportError> {
    Legend::parse("brag.legend", text.as_bytes())
}

fn message(text: &str) -> String {
    legend(text).unwrap_err().to_string()
}

#[test]
fn a_legend_defines_a_scale_worst_first_and_maps_words() {
    let l = legend(BRAG).unwrap();
    let scale = l.scale().unwrap();
    assert_eq!(
        scale.names(),
        ["Not yet due", "Off track", "On track", "Complete"]
    );
    assert_eq!(scale.rag("Complete"), Some(Rag::Blue));
    let v = l.vocabulary(&scale).unwrap();
    assert_eq!(
        v.words(),
        [
            "Not yet due",
            "Off track",
            "On track",
            "Complete",
            "Red",
            "Amber",
            "Green",
            "blue"
        ]
    );
    assert_eq!(l.used.file_name, "brag.legend");
    assert_eq!(
        l.used.sha256,
        crate::hex::encode(&Sha256::digest(BRAG.as_bytes()))
    );
}

#[test]
fn word_lines_map_to_the_plans_scale_spelling() {
    let text = "Blue = embedded\nOn track = Progressing AND on track\n";
    let v = legend(text)
        .unwrap()
        .vocabulary(&StatusScale::york())
        .unwrap();
    let table = "Plan\nArea for Improvement 1\nA finding\nNumber | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact | RAG May 20 | RAG Nov 20 |\n1.1 | o | a | May 2020 | June 2020 | (A.B) LA | measures of success set out in a sentence of words | evidence and impact set out in a sentence of words | on TRACK | BLUE |\n";
    let mut t = parse_wsoa("t.txt", table.as_bytes(), &v.words()).unwrap();
    v.apply(&mut t);
    assert_eq!(
        t.rows().next().unwrap().statuses,
        [
            Some("Progressing and on track".into()),
            Some("Embedded".into())
        ]
    );
    assert_eq!(
        t.legend.as_ref().map(|l| l.file_name.as_str()),
        Some("brag.legend")
    );
}

#[test]
fn a_colour_run_in_a_web_copy_is_split_and_mapped() {
    let v = legend(BRAG).unwrap();
    let scale = v.scale().unwrap();
    let v = v.vocabulary(&scale).unwrap();
    let text = "Plan\n\nArea for Improvement 1\n\nA finding\n\nNumber\nOutcomes\nAction\nStart date\nEnd date\nLead\nMeasures of success\nEvidence and impact\nRAG May 20 RAG Aug 20 RAG Nov 20\n\n1.1\n\nAn outcome\n\nAn action\n\nMay 2020\n\nJune 2021\n\n(A.B) LA\n\nA measure of success written as a sentence of words\n\nEvidence of impact written as a sentence of several words\n\nRed Amber on track\n";
    let mut t = parse_web_text("web.txt", text.as_bytes(), &v.words()).unwrap();
    v.apply(&mut t);
    assert_eq!(
        t.rows().next().unwrap().statuses,
        [
            Some("Off track".into()),
            Some("Not yet due".into()),
            Some("On track".into())
        ]
    );
}

#[test]
fn an_unmapped_colour_cell_is_refused_at_its_line_never_guessed() {
    let table = "Plan\nArea for Improvement 1\nA finding\nNumber | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact | RAG May 20 | RAG Nov 20 |\n1.1 | o | a | May 2020 | June 2020 | (A.B) LA | measures of success set out in a sentence of words | evidence and impact set out in a sentence of words | Completed |\nblue |\n";
    // Without a legend, and with one that does not mention blue.
    let plain = Vocabulary::plain(&StatusScale::york());
    let v = legend("Red = Started but delayed\n")
        .unwrap()
        .vocabulary(&StatusScale::york())
        .unwrap();
    for words in [plain.words(), v.words()] {
        let e = parse_wsoa("t.txt", table.as_bytes(), &words)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.txt, line 6: the status cell \"blue\" is a colour"),
            "{e}"
        );
        assert!(
            e.contains("\"blue = Completed\" and import with --legend FILE"),
            "{e}"
        );
    }
}

#[test]
fn a_word_line_naming_a_status_not_on_the_scale_names_its_line() {
    let e = legend("# comment\nBlue = Done\n")
        .unwrap()
        .vocabulary(&StatusScale::york())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("brag.legend, line 2: \"Done\" is not a status of the plan's scale (Not started, Started but delayed,"),
        "{e}"
    );
    // The same for a status line, and a colour that disagrees with the plan's.
    let e = legend("Finished (blue)\n")
        .unwrap()
        .vocabulary(&StatusScale::york())
        .unwrap_err();
    assert_eq!(e.line(), Some(1));
    let e = legend("\nEmbedded (green)\n")
        .unwrap()
        .vocabulary(&StatusScale::york())
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2: the legend gives \"Embedded\" the colour green, the plan's scale gives it blue"), "{e}");
}

#[test]
fn malformed_and_contradictory_lines_are_refused() {
    assert!(message("Completed\n").starts_with("brag.legend, line 1: \"Completed\" is neither"));
    assert!(message("Done (purple)\n").contains("line 1: \"purple\" is not a RAG colour"));
    assert!(message("= Completed\n").contains("needs a word before \"=\""));
    assert!(message("Blue = Completed\nBLUE = Embedded\n")
        .contains("line 2: \"BLUE\" is already given on line 1"));
    assert!(message("# only a comment\n\n").contains("the legend has no entries"));
    let e = legend("Completed = Embedded\n")
        .unwrap()
        .vocabulary(&StatusScale::york())
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"Completed\" is a status of the plan's scale (\"Completed\") and cannot also mean \"Embedded\""), "{e}");
}

#[test]
fn a_scale_needs_status_lines_and_word_lines_must_fit_it() {
    let e = legend("Blue = Completed\n")
        .unwrap()
        .scale()
        .unwrap_err()
        .to_string();
    assert!(e.contains("the legend defines no statuses"), "{e}");
    let e = legend("Off track (red)\nOn track (green)\nBlue = Complete\n")
        .unwrap()
        .scale()
        .unwrap_err();
    assert_eq!(e.line(), Some(3));
}
