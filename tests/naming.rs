//! One way to name a review, an action and a day, on every command: the York table
//! imported, then reviews, actions and dates typed the ways people type them.

mod util;

use util::Ledger;

/// A ledger holding the York table (area 1: actions 1.1 to 1.5, with 1.3A and 1.3B;
/// reviews "RAG May 20" to "RAG August 22").
fn york() -> Ledger {
    let l = Ledger::empty();
    let source = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/york-wsoa-area1.txt"
    );
    l.write(&["import", source]).ok();
    l
}

#[test]
fn an_action_id_in_any_case_records_on_the_stored_action() {
    let l = york();
    l.write(&["status", " 1.3b ", "Completed", "--review", "RAG August 22"])
        .ok()
        .stdout_has("1.3B at RAG August 22: Completed");
    let last = l.entries().pop().unwrap();
    assert_eq!(last["event"]["action"], "1.3B", "{last}");
    let history = l.read(&["history", "1.3b", "--format", "json"]).ok().json();
    let rows = history["entries"].as_array().unwrap();
    assert_eq!(
        rows.last().unwrap()["seq"],
        last["seq"],
        "history of 1.3b is 1.3B's: {history}"
    );
    let log = l
        .read(&["log", "--action", "1.3B", "--format", "json"])
        .ok()
        .json();
    let lower = l
        .read(&["log", "--action", "1.3b", "--format", "json"])
        .ok()
        .json();
    assert_eq!(log, lower);
    assert!(log.as_array().unwrap().len() > 1, "{log}");
}

#[test]
fn a_second_id_differing_only_in_case_is_refused_naming_the_first() {
    let l = york();
    let before = l.snapshot();
    l.write(&["action", "add", "1.3b", "--area", "1", "--action", "Again"])
        .code(2)
        .stderr_has("action \"1.3b\" differs only in case from action \"1.3B\"");
    l.assert_unchanged(&before);
    l.write(&["action", "add", "1.3C", "--area", "1", "--action", "New"])
        .ok();
}

#[test]
fn diff_takes_review_names_in_any_form() {
    let l = york();
    let loose = l
        .read(&[
            "diff",
            "--from",
            "rag nov 20",
            "--to",
            "Feb 2021",
            "--format",
            "json",
        ])
        .ok()
        .json();
    let exact = l
        .read(&[
            "diff",
            "--from",
            "RAG November 20",
            "--to",
            "RAG February 21",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(loose, exact);
    let uk = l
        .read(&[
            "diff",
            "--from",
            "30/11/2020",
            "--to",
            "28 February 2021",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(uk, exact);
}

#[test]
fn as_of_a_uk_or_long_date_is_the_iso_date() {
    let l = york();
    let plan = |as_of: &str| {
        l.read(&["plan", "--as-of", as_of, "--format", "json"])
            .ok()
            .json()
    };
    let iso = plan("2020-12-31");
    assert_eq!(iso["review"]["label"], "RAG November 20", "{iso}");
    assert_eq!(plan("31/12/2020"), iso);
    assert_eq!(plan("31 December 2020"), iso);
    assert_eq!(plan("31 Dec 2020"), iso);
}

#[test]
fn review_dates_and_known_at_take_the_same_forms() {
    let l = york();
    l.write(&["review", "add", "RAG November 22", "--date", "30/11/2022"])
        .ok();
    let last = l.entries().pop().unwrap();
    assert_eq!(last["event"]["date"], "2022-11-30", "{last}");
    l.write(&["status", "1.1", "Embedded", "--review", "30 Nov 2022"])
        .ok()
        .stdout_has("1.1 at RAG November 22: Embedded");
    let known = l
        .read(&["plan", "--known-at", "1/1/2000", "--format", "json"])
        .code(2);
    assert!(
        known.stderr.contains("holds no plan as known at"),
        "{known:#?}"
    );
}

#[test]
fn an_unknown_review_lists_the_nearest_and_how_to_add_one() {
    let l = york();
    l.write(&["status", "1.1", "Embedded", "--review", "RAG Agust 22"])
        .code(2)
        .stderr_has("unknown review \"RAG Agust 22\"; nearest: \"RAG August 22\" (")
        .stderr_has("readiness review add \"RAG Agust 22\" --date YYYY-MM-DD");
    l.read(&["plan", "--as-of", "RAG June 22"])
        .code(2)
        .stderr_has("\"RAG June 22\" matches no review; nearest: \"RAG August 22\"")
        .stderr_has("readiness review add \"RAG June 22\" --date YYYY-MM-DD");
    l.read(&["diff", "--from", "RAG Novmber 20", "--to", "latest"])
        .code(2)
        .stderr_has("--from: \"RAG Novmber 20\" matches no review; nearest: \"RAG November 20\"");
}

#[test]
fn an_unknown_action_lists_the_nearest_and_how_to_add_one() {
    let l = york();
    let before = l.snapshot();
    l.write(&["status", "1.3c", "Embedded", "--review", "RAG August 22"])
        .code(2)
        .stderr_has("unknown action \"1.3c\"; nearest: 1.3A, 1.3B, 1.1;")
        .stderr_has("readiness action add \"1.3c\" --area AREA --action TEXT");
    l.write(&["action", "amend", "9.9", "--lead", "X", "--reason", "r"])
        .code(2)
        .stderr_has("unknown action \"9.9\"; nearest:");
    l.assert_unchanged(&before);
    l.read(&["history", "1.6"])
        .code(2)
        .stderr_has("unknown action \"1.6\"; nearest: 1.1, 1.2, 1.4");
}

#[test]
fn an_invalid_date_is_refused_saying_why() {
    let l = york();
    let before = l.snapshot();
    let why = "\"31/02/2021\" is not a date: there is no day 31 in February 2021 (it has 28 days)";
    l.read(&["plan", "--as-of", "31/02/2021"])
        .code(2)
        .stderr_has(why);
    l.read(&["plan", "--known-at", "31/02/2021"])
        .code(2)
        .stderr_has(why);
    l.write(&["review", "add", "RAG March 21", "--date", "31/02/2021"])
        .code(2)
        .stderr_has(why);
    l.write(&["status", "1.1", "Embedded", "--review", "31/02/2021"])
        .code(2)
        .stderr_has(why);
    l.assert_unchanged(&before);
}

/// An export written before ids differing only in case were refused, holding 1.3Ab and
/// 1.3aB: sealed entry by entry with the library, since the append path now refuses it.
fn old_export_with_case_twins(l: &Ledger) -> std::path::PathBuf {
    use readiness_ledger::entry::{Entry, EntryHash, Seq};
    use readiness_ledger::event::{ActionAdded, AreaAdded, Event, PlanCreated, ReviewScheduled};
    let action = |id: &str| {
        Event::ActionAdded(ActionAdded {
            id: id.into(),
            area: "1".into(),
            action: format!("Action {id}"),
            ..Default::default()
        })
    };
    let events = vec![
        Event::PlanCreated(PlanCreated {
            title: "Old plan".into(),
            origin: util::ORIGIN.into(),
            scale: readiness_ledger::scale::StatusScale::york(),
        }),
        Event::AreaAdded(AreaAdded {
            id: "1".into(),
            title: "Leadership".into(),
            finding: None,
        }),
        action("1.3Ab"),
        action("1.3aB"),
        Event::ReviewScheduled(ReviewScheduled {
            label: "RAG May 20".into(),
            date: "2020-05-31".into(),
        }),
    ];
    let mut prev = EntryHash::ZERO;
    let mut bytes = Vec::new();
    for (i, event) in events.into_iter().enumerate() {
        let seq = Seq(i as u64 + 1);
        let at = "2021-01-01T09:00:00.000000Z".to_string();
        let (entry, line) = Entry::seal(seq, at, "old.officer".into(), event, prev).unwrap();
        prev = entry.hash;
        bytes.extend_from_slice(&line);
        bytes.push(b'\n');
    }
    let path = l.path("old.jsonl");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn an_old_ledger_with_ids_differing_only_in_case_verifies_and_asks_for_the_exact_id() {
    let l = Ledger::empty();
    let export = old_export_with_case_twins(&l);
    l.on(&export, &["verify"]).ok();
    let both = "action \"1.3ab\" could be any of 1.3Ab, 1.3aB, which differ only in case";
    l.on(&export, &["history", "1.3ab"])
        .code(2)
        .stderr_has(both);
    l.read(&["restore", export.to_str().unwrap()]).ok();
    l.write(&["status", "1.3AB", "Completed", "--review", "RAG May 20"])
        .code(2)
        .stderr_has("action \"1.3AB\" could be any of 1.3Ab, 1.3aB");
    l.write(&["status", "1.3aB", "Completed", "--review", "may 2020"])
        .ok()
        .stdout_has("1.3aB at RAG May 20: Completed");
    l.read(&["verify"]).ok();
}
