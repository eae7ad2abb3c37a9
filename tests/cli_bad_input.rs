//! Bad input exits 2, says what was wrong, never panics and writes nothing.

mod util;

use proptest::prelude::*;
use util::{Ledger, ACTOR};

/// Runs a writing command as `plan.officer`, expecting exit 2, each of `needles` in
/// stderr, and the ledger untouched.
#[track_caller]
fn refused(l: &Ledger, args: &[&str], needles: &[&str]) {
    let before = l.snapshot();
    let mut run = l.write(args).code(2);
    for needle in needles {
        run = run.stderr_has(needle);
    }
    l.assert_unchanged(&before);
}

#[test]
fn an_unknown_action_is_named() {
    let l = Ledger::sample();
    refused(
        &l,
        &["status", "9.9", "Completed", "--review", "RAG May 20"],
        &["unknown action \"9.9\"", "1.1, 1.2"],
    );
    refused(
        &l,
        &["action", "amend", "9.9", "--lead", "X", "--reason", "r"],
        &["unknown action \"9.9\""],
    );
    refused(
        &l,
        &["action", "add", "2.1", "--area", "7", "--action", "Do"],
        &["unknown area \"7\""],
    );
}

#[test]
fn an_unknown_review_is_named() {
    let l = Ledger::sample();
    refused(
        &l,
        &["status", "1.1", "Completed", "--review", "RAG June 20"],
        &[
            "unknown review \"RAG June 20\"",
            "\"RAG May 20\"",
            "readiness review add \"RAG June 20\" --date",
        ],
    );
}

#[test]
fn a_review_option_takes_the_forms_as_of_takes() {
    let l = Ledger::sample();
    l.write(&["status", "1.2", "Completed", "--review", "nov 2020"])
        .ok()
        .stdout_has("at RAG November 20: Completed");
    l.write(&[
        "status",
        "1.2",
        "Embedded",
        "--review",
        "  rag   november 20 ",
    ])
    .ok()
    .stdout_has("at RAG November 20: Embedded");
}

#[test]
fn a_status_not_in_the_scale_is_named_with_the_choices() {
    let l = Ledger::sample();
    refused(
        &l,
        &["status", "1.1", "Finished", "--review", "RAG May 20"],
        &[
            "status \"Finished\" is not in the plan's scale",
            "\"Progressing and on track\"",
        ],
    );
    refused(
        &l,
        &["status", "1.1", "Complete d", "--review", "RAG May 20"],
        &["\"Complete d\""],
    );
}

#[test]
fn duplicate_area_action_and_review_ids_are_refused() {
    let l = Ledger::sample();
    refused(
        &l,
        &["area", "add", "1", "--title", "Again"],
        &["area \"1\" already exists"],
    );
    refused(
        &l,
        &["action", "add", "1.1", "--area", "1", "--action", "Again"],
        &["action \"1.1\" already exists"],
    );
    refused(
        &l,
        &["review", "add", "rag may 20", "--date", "2020-06-01"],
        &["review labelled \"rag may 20\" already exists"],
    );
    refused(
        &l,
        &["init", "--title", "Second plan"],
        &["already holds a ledger"],
    );
}

#[test]
fn an_empty_or_missing_actor_is_refused() {
    let l = Ledger::sample();
    let before = l.snapshot();
    for by in ["", "   "] {
        l.read(&["area", "add", "2", "--title", "T", "--by", by])
            .code(2)
            .stderr_has("--by NAME")
            .stderr_has("READINESS_ACTOR");
    }
    l.read(&["status", "1.1", "Completed", "--review", "RAG May 20"])
        .code(2)
        .stderr_has("who is making this change");
    l.assert_unchanged(&before);
    let fresh = Ledger::empty();
    fresh
        .read(&["init", "--title", "Plan"])
        .code(2)
        .stderr_has("--by");
    assert!(!fresh.dir().exists());
}

#[test]
fn a_bad_review_date_is_named() {
    let l = Ledger::sample();
    for date in ["2020-02-30", "31/11/2020", "November 2020", ""] {
        refused(
            &l,
            &["review", "add", "RAG Later", "--date", date],
            &["--date", &format!("'{date}'")],
        );
    }
}

#[test]
fn empty_titles_and_texts_are_refused() {
    let l = Ledger::sample();
    refused(
        &l,
        &["area", "add", "2", "--title", " "],
        &["the area title must not be empty"],
    );
    refused(
        &l,
        &["area", "add", "", "--title", "T"],
        &["the area id must not be empty"],
    );
    refused(
        &l,
        &["action", "add", "1.9", "--area", "1", "--action", ""],
        &["the action text must not be empty"],
    );
    refused(
        &l,
        &["action", "amend", "1.1", "--action", "", "--reason", "r"],
        &["the action text must not be empty"],
    );
    refused(
        &l,
        &["action", "amend", "1.1", "--lead", "X", "--reason", " "],
        &["reason"],
    );
    refused(
        &l,
        &["review", "add", "", "--date", "2021-01-01"],
        &["the review label must not be empty"],
    );
    let fresh = Ledger::empty();
    fresh
        .write(&["init", "--title", "  "])
        .code(2)
        .stderr_has("--title must not be empty");
    fresh
        .write(&["init", "--title", "T", "--origin", "has space"])
        .code(2)
        .stderr_has("--origin \"has space\"");
    assert!(!fresh.dir().exists());
}

#[test]
fn writing_to_an_export_is_refused_as_read_only() {
    let l = Ledger::sample();
    let export = l.export("minutes.jsonl");
    let bytes = std::fs::read(&export).unwrap();
    let writes: [&[&str]; 6] = [
        &["area", "add", "2", "--title", "T"],
        &["action", "add", "2.1", "--area", "1", "--action", "Do"],
        &["action", "amend", "1.1", "--lead", "X", "--reason", "r"],
        &["review", "add", "R", "--date", "2021-01-01"],
        &["status", "1.1", "Completed", "--review", "RAG May 20"],
        &["init", "--title", "T"],
    ];
    for args in writes {
        l.on(&export, &[args, &["--by", ACTOR][..]].concat())
            .code(2)
            .stderr_has("read-only export");
    }
    l.on(&export, &["reindex"])
        .code(2)
        .stderr_has("read-only export");
    let other = l.export("other.jsonl");
    l.on(&export, &["restore", other.to_str().unwrap()])
        .code(2)
        .stderr_has("read-only");
    assert!(
        std::fs::read(&export).unwrap() == bytes,
        "the export was written to"
    );
}

#[test]
fn a_missing_ledger_says_to_run_init() {
    let l = Ledger::empty();
    let missing: [&[&str]; 6] = [
        &["head"],
        &["verify"],
        &["log"],
        &["export"],
        &["reindex"],
        &["area", "add", "1", "--title", "T", "--by", ACTOR],
    ];
    for args in missing {
        l.read(args)
            .code(2)
            .stderr_has(&format!("no ledger at {}", l.dir().display()))
            .stderr_has("readiness init");
        assert!(!l.dir().exists(), "{args:?} created the ledger directory");
    }
    // Without --ledger the default is ./ledger, which is missing here too.
    l.raw(&["head"]).code(2).stderr_has("readiness init");
}

#[test]
fn a_bad_expect_value_is_named() {
    let l = Ledger::sample();
    let hash = "a".repeat(64);
    let cases = [
        ("nine".to_string(), "expected SEQ:HASH"),
        (format!("0:{hash}"), "\"0\" is not a seq"),
        (format!("x:{hash}"), "\"x\" is not a seq"),
        (format!("9:{}", hash.to_uppercase()), "is not a hash"),
        ("9:abc".to_string(), "\"abc\" is not a hash"),
    ];
    for (value, why) in cases {
        l.read(&["verify", "--expect", &value])
            .code(2)
            .stderr_has("--expect")
            .stderr_has(why);
    }
}

#[test]
fn bad_since_and_until_values_are_named() {
    let l = Ledger::sample();
    for flag in ["--since", "--until"] {
        for value in ["yesterday", "2021-13-01", "2021-01-15 09:30"] {
            l.read(&["log", flag, value])
                .code(2)
                .stderr_has(&format!("{flag} \"{value}\""))
                .stderr_has("RFC 3339");
        }
    }
}

#[test]
fn amend_without_fields_and_export_over_a_file_are_refused() {
    let l = Ledger::sample();
    refused(
        &l,
        &["action", "amend", "1.1", "--reason", "because"],
        &["nothing to amend", "--lead"],
    );
    l.read(&["completions", "tcsh"]).code(2).stderr_has("tcsh");
    l.read(&["status"]).code(2).stderr_has("required");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any text as a status or review label is either stored in the scale's spelling or
    /// refused with exit 2 and nothing written; never a panic.
    #[test]
    fn arbitrary_status_and_review_text_is_stored_canonically_or_refused(
        status in prop_oneof![
            Just("completed".to_string()),
            Just("  EMBEDDED ".to_string()),
            "[^\\x00]{0,16}",
        ],
        review in prop_oneof![Just("rag may 20".to_string()), "[^\\x00]{0,12}"],
    ) {
        let l = SAMPLE.with(|s| s.clone_ledger());
        let before = l.snapshot();
        let run = l.write(&["status", "1.2", &status, "--review", &review]);
        match run.code {
            0 => {
                let last = l.entries().pop().unwrap();
                let stored = last["event"]["status"].as_str().unwrap();
                let scale = ["Not started", "Started but delayed", "Progressing but delayed",
                    "Progressing and on track", "Completed", "Embedded"];
                prop_assert!(scale.contains(&stored), "{stored:?} stored for {status:?}");
                prop_assert_eq!(stored.to_lowercase(), status.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase());
                prop_assert_eq!(last["event"]["review"].as_str().unwrap(), "RAG May 20");
            }
            2 => l.assert_unchanged(&before),
            _ => prop_assert!(false, "unexpected exit: {run:#?}"),
        }
    }
}

/// One sample ledger per test thread, copied for each proptest case (building one costs
/// nine process runs).
struct Template(Ledger);

impl Template {
    fn clone_ledger(&self) -> Ledger {
        let l = Ledger::empty();
        std::fs::create_dir_all(l.dir()).unwrap();
        std::fs::copy(self.0.log_path(), l.log_path()).unwrap();
        l
    }
}

thread_local! {
    static SAMPLE: Template = Template(Ledger::sample());
}

/// Output that cannot be written (a full disk) is an I/O failure, exit 4, not a crash.
#[cfg(target_os = "linux")]
#[test]
fn unwritable_output_exits_4_without_a_panic() {
    let l = Ledger::sample();
    let commands: [&[&str]; 6] = [
        &["head"],
        &["verify"],
        &["log"],
        &["log", "--format", "json"],
        &["export"],
        &["completions", "bash"],
    ];
    for args in commands {
        let full = std::fs::File::create("/dev/full").expect("/dev/full");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_readiness"))
            .args(args)
            .arg("--ledger")
            .arg(l.dir())
            .env_remove("READINESS_ACTOR")
            .env_remove("READINESS_LEDGER")
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert_eq!(out.status.code(), Some(4), "{args:?}: {stderr}");
        assert!(stderr.contains("writing output"), "{args:?}: {stderr}");
    }
}
