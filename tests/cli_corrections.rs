//! Corrections, withdrawals and rescheduled reviews through the binary.
//!
//! Every test starts from [`Ledger::sample`]: 1 plan, 2 area 1, 3 action 1.1, 4 action 1.2,
//! 5 review "RAG May 20", 6 review "RAG November 20", 7 status 1.1 May (Progressing but
//! delayed), 8 status 1.2 May (Started but delayed), 9 status 1.1 November (Completed).

mod util;

use serde_json::{json, Value};
use util::{split_lines, Ledger, ACTOR};

const MAY: &str = "RAG May 20";
const NOV: &str = "RAG November 20";

/// `plan --as-of POINT --format json`: the action `id`.
fn plan_action(l: &Ledger, id: &str, as_of: &str) -> Value {
    let plan = l
        .read(&["plan", "--as-of", as_of, "--format", "json"])
        .ok()
        .json();
    plan["areas"][0]["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {plan:#}"))
        .clone()
}

/// `matrix --format json`.
fn matrix(l: &Ledger) -> Value {
    l.read(&["matrix", "--format", "json"]).ok().json()
}

/// The matrix cells of `id` as status text ("" for none).
fn cells(m: &Value, id: &str) -> Vec<String> {
    m["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["action"] == id)
        .unwrap_or_else(|| panic!("{id} in {m:#}"))["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| c["status"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The review labels the matrix shows, in its column order.
fn columns(m: &Value) -> Vec<String> {
    m["reviews"]
        .as_array()
        .expect("reviews")
        .iter()
        .map(|r| r["label"].as_str().expect("label").to_string())
        .collect()
}

/// `history ID --format json`.
fn history(l: &Ledger, id: &str) -> Value {
    l.read(&["history", id, "--format", "json"]).ok().json()
}

fn seqs(h: &Value) -> Vec<u64> {
    h["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect()
}

fn history_entry(h: &Value, seq: u64) -> Value {
    h["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["seq"] == seq)
        .unwrap_or_else(|| panic!("entry {seq} in {h:#}"))
        .clone()
}

#[test]
fn correcting_a_status_changes_plan_and_matrix_and_keeps_the_original_in_history() {
    let l = Ledger::sample();
    let line9 = split_lines(&l.log_bytes())[8].clone();
    l.write_as(
        "quality.lead",
        &[
            "correct",
            "9",
            "--status",
            "progressing and on track",
            "--reason",
            "typo in the board pack",
        ],
    )
    .ok()
    .stdout_has("appended 10: correction of entry 9");

    let entries = l.entries();
    assert_eq!(entries.len(), 10);
    assert_eq!(
        entries[9]["event"],
        json!({
            "type": "correction", "v": 1, "target": 9, "action": "1.1", "review": NOV,
            "status": "Progressing and on track", "reason": "typo in the board pack"
        }),
        "the status is spelt as in the scale"
    );
    assert_eq!(entries[9]["actor"], "quality.lead");
    assert_eq!(
        split_lines(&l.log_bytes())[8],
        line9,
        "the original entry is untouched"
    );
    l.read(&["verify"]).ok();

    let status = &plan_action(&l, "1.1", NOV)["status"];
    assert_eq!(status["status"], "Progressing and on track", "{status:#}");
    assert_eq!(status["corrected_by"], 10);
    assert_eq!(status["seq"], 9);
    l.read(&["plan", "--as-of", NOV])
        .ok()
        .stdout_has("corrected by entry 10");
    assert_eq!(
        cells(&matrix(&l), "1.1"),
        ["Progressing but delayed", "Progressing and on track"]
    );
    // Earlier reviews are not touched.
    assert!(plan_action(&l, "1.1", MAY)["status"]
        .get("corrected_by")
        .is_none());

    let h = history(&l, "1.1");
    assert_eq!(seqs(&h), [3, 7, 9, 10]);
    assert_eq!(
        history_entry(&h, 9)["summary"],
        "1.1 at RAG November 20: Completed"
    );
    let c = history_entry(&h, 10);
    assert_eq!(c["actor"], "quality.lead");
    assert_eq!(c["type"], "correction");
    assert!(
        c["summary"]
            .as_str()
            .is_some_and(|s| s.contains("typo in the board pack")),
        "{c:#}"
    );
}

#[test]
fn a_correction_can_be_corrected_but_the_entry_it_replaced_cannot() {
    let l = Ledger::sample();
    let correct =
        |seq: &str, status: &str| l.write(&["correct", seq, "--status", status, "--reason", "r"]);
    correct("9", "Progressing and on track").ok();
    correct("10", "Embedded").ok();
    let status = &plan_action(&l, "1.1", NOV)["status"];
    assert_eq!(status["status"], "Embedded", "{status:#}");
    assert_eq!(status["corrected_by"], 11);
    assert_eq!(cells(&matrix(&l), "1.1")[1], "Embedded");
    assert_eq!(seqs(&history(&l, "1.1")), [3, 7, 9, 10, 11]);

    // The original and the first correction are no longer what is shown: refused, naming 11.
    for stale in ["9", "10"] {
        let before = l.snapshot();
        correct(stale, "Completed")
            .code(2)
            .stderr_has(&format!("entry {stale} no longer sets what is shown"))
            .stderr_has("correct entry 11 instead");
        l.assert_unchanged(&before);
    }
    // A note alone corrects too, and keeps the status.
    l.write(&[
        "correct",
        "11",
        "--note",
        "evidence in the March pack",
        "--reason",
        "note missing",
    ])
    .ok();
    let status = &plan_action(&l, "1.1", NOV)["status"];
    assert_eq!(
        (&status["status"], &status["note"], &status["corrected_by"]),
        (
            &json!("Embedded"),
            &json!("evidence in the March pack"),
            &json!(12)
        )
    );
}

#[test]
fn corrections_of_what_cannot_be_corrected_are_clear_errors_and_write_nothing() {
    let l = Ledger::sample();
    let with = |seq: &'static str, extra: &[&'static str]| -> Vec<&'static str> {
        [&["correct", seq, "--reason", "r"][..], extra].concat()
    };
    let completed = ["--status", "Completed"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            with("99", &completed),
            "there is no entry 99; the ledger has 9 entries",
        ),
        (with("0", &completed), "there is no entry 0"),
        (with("1", &completed), "entry 1 is a plan_created"),
        (with("2", &completed), "entry 2 is an area_added"),
        (with("3", &completed), "entry 3 is an action_added"),
        (with("5", &completed), "entry 5 is a review_scheduled"),
        (with("9", &[]), "give --status, --note or both"),
        (
            with("9", &["--status", "Finished"]),
            "\"Finished\" is not in the plan's scale",
        ),
        (
            vec!["correct", "9", "--status", "Completed", "--reason", " "],
            "the reason for the correction must not be empty",
        ),
    ];
    for (args, needle) in cases {
        let before = l.snapshot();
        l.write(&args).code(2).stderr_has(needle);
        l.assert_unchanged(&before);
    }
    // Entries of other kinds name what can be corrected.
    l.write(&with("6", &completed))
        .code(2)
        .stderr_has("only status_recorded, action_amended and evidence_attached entries");
    // Who is correcting must be known.
    let before = l.snapshot();
    l.read(&with("9", &completed))
        .code(2)
        .stderr_has("--by NAME");
    // And --reason is required.
    l.write(&["correct", "9", "--status", "Completed"])
        .code(2)
        .stderr_has("--reason");
    l.assert_unchanged(&before);
}

#[test]
fn status_corrections_of_amendments_and_field_corrections_of_statuses_are_refused() {
    let l = Ledger::sample();
    l.write(&[
        "action",
        "amend",
        "1.2",
        "--lead",
        "CYC (J.S)",
        "--end",
        "March 2021",
        "--reason",
        "new lead",
        "--from",
        NOV,
    ])
    .ok();
    let before = l.snapshot();
    l.write(&["correct", "10", "--status", "Completed", "--reason", "r"])
        .code(2)
        .stderr_has("an amendment correction takes field values, not --status or --note");
    l.write(&["correct", "10", "--note", "n", "--reason", "r"])
        .code(2)
        .stderr_has("an amendment correction takes field values");
    l.write(&["correct", "9", "--lead", "X", "--reason", "r"])
        .code(2)
        .stderr_has("a status correction takes --status or --note, not field values");
    l.write(&["correct", "10", "--reason", "r"])
        .code(2)
        .stderr_has("give at least one field");
    l.write(&["correct", "10", "--outcome", "x", "--reason", "r"])
        .code(2)
        .stderr_has("entry 10 did not set field outcome of 1.2");
    l.assert_unchanged(&before);

    // Correcting the amendment's fields works, field by field.
    l.write(&[
        "correct",
        "10",
        "--lead",
        "CYC (M.S)",
        "--reason",
        "initials",
    ])
    .ok();
    let a = plan_action(&l, "1.2", NOV);
    assert_eq!(
        (&a["lead"], &a["end"]),
        (&json!("CYC (M.S)"), &json!("March 2021"))
    );
    // Entry 10 still sets `end`, so it can be corrected there; not `lead` any more.
    l.write(&["correct", "10", "--end", "April 2021", "--reason", "typo"])
        .ok();
    assert_eq!(plan_action(&l, "1.2", NOV)["end"], "April 2021");
    let before = l.snapshot();
    l.write(&["correct", "10", "--lead", "CYC (A.B)", "--reason", "r"])
        .code(2)
        .stderr_has("correct entry 11 instead");
    l.assert_unchanged(&before);
    let h = history(&l, "1.2");
    assert_eq!(seqs(&h), [4, 8, 10, 11, 12]);
}

#[test]
fn a_withdrawn_action_stays_in_the_views_marked_and_takes_no_statuses() {
    let l = Ledger::sample();
    l.write(&[
        "action",
        "withdraw",
        "1.2",
        "--reason",
        "merged into 1.1",
        "--from",
        NOV,
    ])
    .ok()
    .stdout_has("appended 10: action 1.2 withdrawn from RAG November 20");
    let a = plan_action(&l, "1.2", NOV);
    assert_eq!(
        a["withdrawn"],
        json!({"seq": 10, "reason": "merged into 1.1", "from": "from RAG November 20"})
    );
    assert!(plan_action(&l, "1.1", NOV).get("withdrawn").is_none());
    l.read(&["plan", "--as-of", NOV])
        .ok()
        .stdout_has("Withdrawn from RAG November 20 (entry 10): merged into 1.1");
    let m = matrix(&l);
    let withdrawn: Vec<(&Value, &Value)> = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (&r["action"], &r["withdrawn"]))
        .collect();
    assert_eq!(
        withdrawn,
        [
            (&json!("1.1"), &json!(false)),
            (&json!("1.2"), &json!(true))
        ]
    );
    assert_eq!(
        cells(&m, "1.2"),
        ["Started but delayed", ""],
        "its history stays"
    );
    l.read(&["matrix"]).ok().stdout_has("1.2 (withdrawn)");
    let csv = l.read(&["matrix", "--format", "csv"]).ok().stdout;
    assert!(
        csv.contains("\n1.2 (withdrawn),Started but delayed,\n"),
        "{csv}"
    );

    let before = l.snapshot();
    l.write(&["status", "1.2", "Completed", "--review", NOV])
        .code(2)
        .stderr_has("action \"1.2\" was withdrawn at entry 10");
    l.write(&["action", "amend", "1.2", "--lead", "X", "--reason", "r"])
        .code(2)
        .stderr_has("withdrawn at entry 10");
    l.write(&["action", "withdraw", "1.2", "--reason", "again"])
        .code(2)
        .stderr_has("already withdrawn (entry 10, from RAG November 20)");
    l.write(&["action", "withdraw", "9.9", "--reason", "r"])
        .code(2)
        .stderr_has("unknown action \"9.9\"");
    l.write(&["action", "withdraw", "1.1"])
        .code(2)
        .stderr_has("--reason");
    l.assert_unchanged(&before);
    // The other action carries on.
    l.write(&["status", "1.1", "Embedded", "--review", NOV])
        .ok();
    assert_eq!(seqs(&history(&l, "1.2")), [4, 8, 10]);
}

#[test]
fn reschedule_and_rename_move_reviews_and_statuses_follow() {
    let l = Ledger::sample();
    l.write(&[
        "review",
        "reschedule",
        "rag november 20",
        "--date",
        "2020-12-15",
        "--reason",
        "board moved",
    ])
    .ok();
    let m = matrix(&l);
    assert_eq!(columns(&m), [MAY, NOV]);
    assert_eq!(m["reviews"][1]["date"], "2020-12-15");
    let plan = l
        .read(&["plan", "--as-of", "2020-12-15", "--format", "json"])
        .ok()
        .json();
    assert_eq!(plan["review"], json!({"label": NOV, "date": "2020-12-15"}));
    // The old date now falls before it: the latest review on or before 2020-11-30 is May.
    let plan = l
        .read(&["plan", "--as-of", "2020-11-30", "--format", "json"])
        .ok()
        .json();
    assert_eq!(plan["review"]["label"], MAY);

    // `rename` is the same command; statuses follow the new label.
    l.write(&[
        "review",
        "rename",
        NOV,
        "--label",
        "RAG December 20",
        "--reason",
        "named for the month it met",
    ])
    .ok();
    let m = matrix(&l);
    assert_eq!(columns(&m), [MAY, "RAG December 20"]);
    assert_eq!(cells(&m, "1.1"), ["Progressing but delayed", "Completed"]);
    let s = &plan_action(&l, "1.1", "RAG December 20")["status"];
    assert_eq!(
        (&s["status"], &s["review"]),
        (&json!("Completed"), &json!("RAG December 20"))
    );
    l.write(&["status", "1.2", "Completed", "--review", "RAG December 20"])
        .ok();
    assert_eq!(
        cells(&matrix(&l), "1.2"),
        ["Started but delayed", "Completed"]
    );
    l.write(&["status", "1.2", "Completed", "--review", NOV])
        .code(2)
        .stderr_has("unknown review");

    // Moving a review before another reorders the columns.
    l.write(&[
        "review",
        "reschedule",
        "RAG December 20",
        "--date",
        "2020-04-30",
        "--reason",
        "it was really April's",
    ])
    .ok();
    assert_eq!(columns(&matrix(&l)), ["RAG December 20", MAY]);

    let before = l.snapshot();
    for (args, needle) in [
        (
            vec!["review", "reschedule", MAY, "--reason", "r"],
            "the reschedule changes nothing",
        ),
        (
            vec![
                "review",
                "rename",
                "RAG June 20",
                "--label",
                "X",
                "--reason",
                "r",
            ],
            "unknown review \"RAG June 20\"",
        ),
        (
            vec![
                "review",
                "rename",
                MAY,
                "--label",
                "rag december 20",
                "--reason",
                "r",
            ],
            "already exists",
        ),
        (
            vec![
                "review",
                "reschedule",
                MAY,
                "--date",
                "2020-02-30",
                "--reason",
                "r",
            ],
            "2020-02-30",
        ),
        (
            vec!["review", "reschedule", MAY, "--date", "2020-06-01"],
            "--reason",
        ),
    ] {
        l.write(&args).code(2).stderr_has(needle);
    }
    l.assert_unchanged(&before);
}

#[test]
fn correcting_a_status_whose_review_was_renamed_since_works() {
    let l = Ledger::sample();
    l.write(&[
        "review",
        "rename",
        NOV,
        "--label",
        "RAG December 20",
        "--reason",
        "r",
    ])
    .ok();
    l.write(&["correct", "9", "--status", "Embedded", "--reason", "typo"])
        .ok();
    assert_eq!(l.entries()[10]["event"]["review"], "RAG December 20");
    let s = &plan_action(&l, "1.1", "RAG December 20")["status"];
    assert_eq!(
        (&s["status"], &s["corrected_by"]),
        (&json!("Embedded"), &json!(11))
    );
    // Renamed again: the correction, recorded under the middle label, can be corrected too.
    l.write(&[
        "review",
        "rename",
        "RAG December 20",
        "--label",
        "RAG January 21",
        "--reason",
        "r",
    ])
    .ok();
    l.write(&[
        "correct",
        "11",
        "--status",
        "Completed",
        "--reason",
        "again",
    ])
    .ok();
    let s = &plan_action(&l, "1.1", "RAG January 21")["status"];
    assert_eq!(
        (&s["status"], &s["corrected_by"]),
        (&json!("Completed"), &json!(13))
    );
    assert_eq!(
        cells(&matrix(&l), "1.1"),
        ["Progressing but delayed", "Completed"]
    );
    let h = history(&l, "1.1");
    assert_eq!(seqs(&h), [3, 7, 9, 11, 13]);
    assert_eq!(history_entry(&h, 13)["actor"], ACTOR);
}

#[test]
fn a_label_given_up_by_a_rename_and_reused_does_not_confuse_corrections() {
    let l = Ledger::sample();
    // May is renamed June, and a new review takes the name "RAG May 20".
    l.write(&[
        "review",
        "rename",
        MAY,
        "--label",
        "RAG June 20",
        "--reason",
        "r",
    ])
    .ok();
    l.write(&["review", "add", MAY, "--date", "2020-05-31"])
        .ok();
    l.write(&["status", "1.1", "Not started", "--review", MAY])
        .ok();
    // Entry 12 is the status for the new May; entry 7 the one now under June.
    l.write(&[
        "correct", "12", "--status", "Embedded", "--reason", "new May",
    ])
    .ok();
    assert_eq!(l.entries()[12]["event"]["review"], MAY);
    l.write(&[
        "correct",
        "7",
        "--status",
        "Completed",
        "--reason",
        "old May",
    ])
    .ok();
    assert_eq!(l.entries()[13]["event"]["review"], "RAG June 20");
    let m = matrix(&l);
    let at = |label: &str| {
        let i = columns(&m)
            .iter()
            .position(|c| c == label)
            .unwrap_or_else(|| panic!("{label} in {m:#}"));
        cells(&m, "1.1")[i].clone()
    };
    assert_eq!(at(MAY), "Embedded");
    assert_eq!(at("RAG June 20"), "Completed");
}
