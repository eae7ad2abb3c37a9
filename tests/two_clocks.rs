//! Two clocks: valid time (the review a status is for, `--as-of`) and transaction time
//! (when the ledger learned it, `--known-at`), end to end.
//!
//! The ledger is built through the library with a fixed clock per append (the only way to
//! choose `recorded_at`: the command line always uses the system clock), then read with the
//! binary. Seqs and times of the ledger [`build`] writes:
//!
//! | seq | recorded at        | actor        | event                                              |
//! |-----|--------------------|--------------|----------------------------------------------------|
//! | 1-7 | 2020-06-01 09:00   | setup        | plan, area 1, actions 1.1 and 1.2, reviews Aug 20 (08-31), Nov 20 (11-30), Feb 21 (2021-02-28) |
//! | 8   | 2020-09-02 10:00   | lead.a       | 1.1 at Aug 20: Started but delayed                 |
//! | 9   | 2020-09-02 10:00   | lead.a       | 1.2 at Aug 20: Progressing but delayed             |
//! | 10  | 2020-12-01 10:00   | lead.a       | 1.1 at Nov 20: Progressing and on track (on time)  |
//! | 11  | 2021-01-20 10:00   | lead.b       | 1.2 at Nov 20: Completed (late: 51 days after)     |
//! | 12  | 2021-02-10 11:00   | quality.lead | correction of 10: Completed                        |
//! | 13  | 2021-03-05 12:00   | director     | correction of 12: Progressing but delayed          |
//! | 14  | 2021-03-10 09:00   | lead.a       | 1.1 at Feb 21: Completed (on time)                 |
//! | 15-17 | 2021-03-12 09:00 | setup        | area 2, action 2.1, 2.1 at Feb 21: Not started (on time) |
//!
//! The `log` and `actors` tests at the end use the same ledger.

mod util;

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use chrono::{DateTime, Utc};
use serde_json::Value;

use readiness_ledger::clock::FixedClock;
use readiness_ledger::event::{
    ActionAdded, AreaAdded, Correction, Event, PlanCreated, ReviewScheduled, StatusRecorded,
};
use readiness_ledger::scale::StatusScale;
use readiness_ledger::store::DirLedger;
use util::{finish, Ledger, Run};

const AUG: &str = "RAG August 20";
const NOV: &str = "RAG November 20";
const FEB: &str = "RAG February 21";

const FIRST_REASON: &str = "board pack misread: 1.1 was completed in November";
const SECOND_REASON: &str = "completion evidence not yet signed off";

fn clock(rfc3339: &str) -> FixedClock {
    let t: DateTime<Utc> = DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid test time")
        .with_timezone(&Utc);
    FixedClock(t)
}

fn status(action: &str, review: &str, status: &str) -> Event {
    Event::StatusRecorded(StatusRecorded {
        action: action.into(),
        review: review.into(),
        status: status.into(),
        note: None,
    })
}

fn correction(target: u64, status: &str, reason: &str) -> Event {
    Event::Correction(Correction {
        target,
        action: "1.1".into(),
        review: Some(NOV.into()),
        status: Some(status.into()),
        note: None,
        changes: Default::default(),
        reason: reason.into(),
    })
}

fn action(id: &str) -> Event {
    Event::ActionAdded(ActionAdded {
        id: id.into(),
        area: "1".into(),
        action: format!("Action {id}"),
        ..ActionAdded::default()
    })
}

fn review(label: &str, date: &str) -> Event {
    Event::ReviewScheduled(ReviewScheduled {
        label: label.into(),
        date: date.into(),
    })
}

/// Writes the ledger in the module comment through the library.
fn build(dir: &Path) {
    let mut l = DirLedger::create_empty(dir).expect("create the ledger");
    let mut append = |actor: &str, at: &str, events: Vec<Event>| {
        l.append(actor, &clock(at), events)
            .unwrap_or_else(|e| panic!("append by {actor} at {at}: {e}"));
    };
    append(
        "setup",
        "2020-06-01T09:00:00Z",
        vec![
            Event::PlanCreated(PlanCreated {
                title: "Two clocks".into(),
                origin: "test.example/two-clocks".into(),
                scale: StatusScale::york(),
            }),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "Leadership and Governance".into(),
                finding: None,
            }),
            action("1.1"),
            action("1.2"),
            review(AUG, "2020-08-31"),
            review(NOV, "2020-11-30"),
            review(FEB, "2021-02-28"),
        ],
    );
    append(
        "lead.a",
        "2020-09-02T10:00:00Z",
        vec![
            status("1.1", AUG, "Started but delayed"),
            status("1.2", AUG, "Progressing but delayed"),
        ],
    );
    append(
        "lead.a",
        "2020-12-01T10:00:00Z",
        vec![status("1.1", NOV, "Progressing and on track")],
    );
    append(
        "lead.b",
        "2021-01-20T10:00:00Z",
        vec![status("1.2", NOV, "Completed")],
    );
    append(
        "quality.lead",
        "2021-02-10T11:00:00Z",
        vec![correction(10, "Completed", FIRST_REASON)],
    );
    append(
        "director",
        "2021-03-05T12:00:00Z",
        vec![correction(12, "Progressing but delayed", SECOND_REASON)],
    );
    append(
        "lead.a",
        "2021-03-10T09:00:00Z",
        vec![status("1.1", FEB, "Completed")],
    );
    append(
        "setup",
        "2021-03-12T09:00:00Z",
        vec![
            Event::AreaAdded(AreaAdded {
                id: "2".into(),
                title: "Joint Commissioning".into(),
                finding: None,
            }),
            Event::ActionAdded(ActionAdded {
                id: "2.1".into(),
                area: "2".into(),
                action: "Action 2.1".into(),
                ..ActionAdded::default()
            }),
            status("2.1", FEB, "Not started"),
        ],
    );
}

/// A temporary ledger holding [`build`]'s entries.
fn ledger() -> Ledger {
    let l = Ledger::empty();
    build(l.dir());
    l
}

/// `args` plus `--as-of`/`--known-at` when given, and `--format json`.
fn view(l: &Ledger, args: &[&str], as_of: Option<&str>, known_at: Option<&str>) -> Value {
    let mut all = args.to_vec();
    if let Some(p) = as_of {
        all.extend(["--as-of", p]);
    }
    if let Some(t) = known_at {
        all.extend(["--known-at", t]);
    }
    all.extend(["--format", "json"]);
    l.read(&all).ok().json()
}

/// The plan view's status object for `id` (JSON null when it has none).
fn plan_status(l: &Ledger, id: &str, as_of: &str, known_at: Option<&str>) -> Value {
    let plan = view(l, &["plan"], Some(as_of), known_at);
    plan["areas"][0]["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} in the plan view: {plan:#}"))["status"]
        .clone()
}

/// The matrix cells (status text or "") of `id`, with the review labels as columns.
fn matrix_row(l: &Ledger, id: &str, as_of: Option<&str>, known_at: Option<&str>) -> Vec<String> {
    let m = view(l, &["matrix"], as_of, known_at);
    let row = m["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["action"] == id)
        .unwrap_or_else(|| panic!("{id} in the matrix: {m:#}"))
        .clone();
    row["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| c["status"].as_str().unwrap_or("").to_string())
        .collect()
}

fn seqs(history: &Value) -> Vec<u64> {
    history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect()
}

fn entry(history: &Value, seq: u64) -> Value {
    history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["seq"] == seq)
        .unwrap_or_else(|| panic!("entry {seq} in {history:#}"))
        .clone()
}

/// The history's status at the review labelled `label`.
fn history_status(history: &Value, label: &str) -> Value {
    history["reviews"]
        .as_array()
        .expect("reviews")
        .iter()
        .find(|r| r[0]["label"] == label)
        .unwrap_or_else(|| panic!("{label} in {history:#}"))[1]
        .clone()
}

#[test]
fn known_at_before_a_late_status_shows_the_earlier_picture() {
    let l = ledger();
    // The board on 2021-01-19 had nothing for 1.2 at November: August's status carried.
    let before = plan_status(&l, "1.2", NOV, Some("2021-01-19"));
    assert_eq!(before["status"], "Progressing but delayed", "{before:#}");
    assert_eq!(before["review"], AUG);
    assert_eq!(before["carried_forward"], true);
    assert_eq!(before["late"], false);
    // The whole day of 2021-01-20 includes the late entry; a time just before it does not.
    for (t, seen) in [
        ("2021-01-20T09:59:59.999999Z", false),
        ("2021-01-20T10:00:00Z", true),
        ("2021-01-20", true),
        ("2021-02-01T00:00:00+01:00", true),
    ] {
        let s = plan_status(&l, "1.2", NOV, Some(t));
        assert_eq!(s["status"] == "Completed", seen, "known at {t}: {s:#}");
    }
    let after = plan_status(&l, "1.2", NOV, Some("2021-01-20"));
    assert_eq!(after["status"], "Completed");
    assert_eq!(after["review"], NOV);
    assert_eq!(after["carried_forward"], false);
    assert_eq!(after["late"], true, "recorded 51 days after the review");
    assert_eq!(after["imported"], false);
    assert_eq!(after["seq"], 11);
    assert_eq!(after["actor"], "lead.b");
    assert_eq!(after["recorded_at"], "2021-01-20T10:00:00.000000Z");
    // On-time statuses are not late.
    let on_time = plan_status(&l, "1.1", NOV, Some("2021-01-20"));
    assert_eq!(on_time["late"], false, "{on_time:#}");
    // Carried on to February, the status keeps its late mark.
    let carried = plan_status(&l, "1.2", FEB, None);
    assert_eq!(
        (
            &carried["review"],
            &carried["carried_forward"],
            &carried["late"]
        ),
        (&Value::from(NOV), &Value::from(true), &Value::from(true))
    );
    // The plan view's head is the last entry known at that moment.
    let plan = view(&l, &["plan"], Some(NOV), Some("2021-01-19"));
    assert_eq!(plan["head"]["seq"], 10);

    // The matrix at the same two moments.
    assert_eq!(
        matrix_row(&l, "1.2", None, Some("2021-01-19")),
        ["Progressing but delayed", "", ""]
    );
    assert_eq!(
        matrix_row(&l, "1.2", None, Some("2021-01-20")),
        ["Progressing but delayed", "Completed", ""]
    );

    // History marks the late entry, and only it.
    let h = view(&l, &["history", "1.2"], None, None);
    assert_eq!(seqs(&h), [4, 9, 11]);
    assert_eq!(entry(&h, 11)["marks"], serde_json::json!(["late"]));
    for seq in [4, 9] {
        assert!(entry(&h, seq).get("marks").is_none(), "{h:#}");
    }
    assert_eq!(history_status(&h, NOV)["late"], true);
    let table = l.read(&["history", "1.2", "--as-of", NOV]).ok();
    assert!(
        table.stdout.contains("Completed (late)"),
        "the status table marks it late: {table:#?}"
    );
    // Known before it, history neither shows the entry nor the status.
    let h = view(&l, &["history", "1.2"], None, Some("2021-01-19"));
    assert_eq!(seqs(&h), [4, 9]);
    assert_eq!(history_status(&h, NOV)["carried_forward"], true);
}

#[test]
fn known_at_between_a_correction_and_its_correction_shows_the_first_corrected_value() {
    let l = ledger();
    let nov = |t: Option<&str>| plan_status(&l, "1.1", NOV, t);
    let original = nov(Some("2021-02-09"));
    assert_eq!(
        original["status"], "Progressing and on track",
        "{original:#}"
    );
    assert!(original.get("corrected_by").is_none(), "{original:#}");

    let first = nov(Some("2021-02-20"));
    assert_eq!(first["status"], "Completed", "{first:#}");
    assert_eq!(first["corrected_by"], 12);
    assert_eq!(
        first["seq"], 10,
        "still the status_recorded entry it corrects"
    );
    assert_eq!(first["late"], false, "the original was on time");

    for t in [Some("2021-03-05"), Some("2021-03-09"), None] {
        let second = nov(t);
        assert_eq!(
            second["status"], "Progressing but delayed",
            "{t:?}: {second:#}"
        );
        assert_eq!(second["corrected_by"], 13);
    }
    // Exactly at the second correction's time it is known; a microsecond before, not.
    assert_eq!(nov(Some("2021-03-05T12:00:00Z"))["corrected_by"], 13);
    assert_eq!(nov(Some("2021-03-05T11:59:59.999999Z"))["corrected_by"], 12);

    // The matrix, CSV, at November as known between the two corrections.
    let csv = l
        .read(&[
            "matrix",
            "--as-of",
            NOV,
            "--known-at",
            "2021-02-20",
            "--format",
            "csv",
        ])
        .ok()
        .stdout;
    assert_eq!(
        csv,
        "action,RAG August 20,RAG November 20\n\
         1.1,Started but delayed,Completed\n\
         1.2,Progressing but delayed,Completed\n"
    );
    assert_eq!(
        matrix_row(&l, "1.1", None, None),
        [
            "Started but delayed",
            "Progressing but delayed",
            "Completed"
        ]
    );
    assert_eq!(
        matrix_row(&l, "1.1", Some(NOV), Some("2021-02-09")),
        ["Started but delayed", "Progressing and on track"]
    );

    // February as known on 2021-03-01: 1.1 carried from November, as first corrected.
    let feb = plan_status(&l, "1.1", FEB, Some("2021-03-01"));
    assert_eq!(feb["status"], "Completed", "{feb:#}");
    assert_eq!(feb["review"], NOV);
    assert_eq!(feb["carried_forward"], true);
    assert_eq!(feb["corrected_by"], 12);
    let feb = plan_status(&l, "1.1", FEB, None);
    assert_eq!(
        (&feb["status"], &feb["carried_forward"], &feb["seq"]),
        (
            &Value::from("Completed"),
            &Value::from(false),
            &Value::from(14)
        )
    );
}

#[test]
fn history_shows_original_correction_and_its_correction_with_who_when_and_why() {
    let l = ledger();
    let h = view(&l, &["history", "1.1"], None, None);
    assert_eq!(seqs(&h), [3, 8, 10, 12, 13, 14]);
    let original = entry(&h, 10);
    assert_eq!(original["type"], "status_recorded");
    assert_eq!(
        original["summary"],
        "1.1 at RAG November 20: Progressing and on track"
    );
    assert_eq!(original["actor"], "lead.a");
    for (seq, actor, at, target, reason) in [
        (
            12,
            "quality.lead",
            "2021-02-10T11:00:00.000000Z",
            10,
            FIRST_REASON,
        ),
        (
            13,
            "director",
            "2021-03-05T12:00:00.000000Z",
            12,
            SECOND_REASON,
        ),
    ] {
        let c = entry(&h, seq);
        assert_eq!(c["type"], "correction", "{c:#}");
        assert_eq!(c["actor"], actor);
        assert_eq!(c["recorded_at"], at);
        let summary = c["summary"].as_str().expect("summary");
        assert!(
            summary.contains(&format!("correction of entry {target}")) && summary.contains(reason),
            "{summary}"
        );
    }
    let nov = history_status(&h, NOV);
    assert_eq!(nov["status"], "Progressing but delayed");
    assert_eq!(nov["corrected_by"], 13);

    // The table shows all three, with the reasons.
    let table = l.read(&["history", "1.1"]).ok();
    for needle in ["Progressing and on track", FIRST_REASON, "director"] {
        assert!(table.stdout.contains(needle), "{needle:?}: {table:#?}");
    }

    // Between the corrections: the second is not known yet.
    let h = view(&l, &["history", "1.1"], None, Some("2021-02-20"));
    assert_eq!(seqs(&h), [3, 8, 10, 12]);
    assert_eq!(history_status(&h, NOV)["corrected_by"], 12);
    assert_eq!(history_status(&h, NOV)["status"], "Completed");
    // With --as-of too: only the reviews up to August.
    let h = view(&l, &["history", "1.1"], Some(AUG), Some("2021-02-20"));
    let labels: Vec<&Value> = h["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r[0]["label"])
        .collect();
    assert_eq!(labels, [AUG]);
    assert_eq!(seqs(&h), [3, 8, 10, 12], "entries follow --known-at only");
}

#[test]
fn as_of_and_known_at_combine_and_known_at_before_the_plan_is_an_error() {
    let l = ledger();
    // August as known before any August status: nothing recorded yet.
    let plan = view(&l, &["plan"], Some(AUG), Some("2020-09-01"));
    for a in plan["areas"][0]["actions"].as_array().unwrap() {
        assert!(a["status"].is_null(), "{plan:#}");
    }
    assert_eq!(plan["review"]["label"], AUG);
    // August as known today: later entries change nothing about August.
    assert_eq!(
        plan_status(&l, "1.1", AUG, None)["status"],
        "Started but delayed"
    );
    assert_eq!(
        plan_status(&l, "1.1", AUG, Some("2020-09-02"))["status"],
        "Started but delayed"
    );
    // --as-of by date resolves against the reviews known then.
    assert_eq!(
        plan_status(&l, "1.1", "2020-12-31", Some("2021-02-20"))["status"],
        "Completed"
    );
    l.read(&["plan", "--known-at", "2020-05-31"])
        .code(2)
        .stderr_has("holds no plan as known at");
    l.read(&["matrix", "--known-at", "yesterday"])
        .code(2)
        .stderr_has("--known-at \"yesterday\"");
}

// ---------------------------------------------------------------------------------------
// Imported history
// ---------------------------------------------------------------------------------------

#[test]
fn imported_history_is_marked_imported_and_never_late() {
    let l = Ledger::empty();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/york-wsoa-area1.txt");
    l.write(&["import", source.to_str().expect("utf-8 path")])
        .ok();
    // Imported today, years after the reviews: every status would be late if recorded live.
    let h = l.read(&["history", "1.1", "--format", "json"]).ok().json();
    let entries = h["entries"].as_array().expect("entries");
    assert!(entries.len() >= 10, "{h:#}");
    for e in entries {
        assert_eq!(e["marks"], serde_json::json!(["imported"]), "{e:#}");
    }
    for r in h["reviews"].as_array().expect("reviews") {
        assert_eq!(r[1]["imported"], true, "{r:#}");
        assert_eq!(r[1]["late"], false, "{r:#}");
    }
    let plan = l
        .read(&["plan", "--as-of", NOV, "--format", "json"])
        .ok()
        .json();
    for a in plan["areas"][0]["actions"].as_array().expect("actions") {
        assert_eq!(
            (&a["status"]["imported"], &a["status"]["late"]),
            (&Value::from(true), &Value::from(false)),
            "{a:#}"
        );
    }

    // A status recorded live for an old review is late, and not imported.
    l.write(&["status", "1.1", "Embedded", "--review", "RAG August 22"])
        .ok();
    let h = l.read(&["history", "1.1", "--format", "json"]).ok().json();
    let last = h["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["marks"], serde_json::json!(["late"]), "{last:#}");
    let aug22 = history_status(&h, "RAG August 22");
    assert_eq!(
        (&aug22["late"], &aug22["imported"]),
        (&Value::from(true), &Value::from(false))
    );
    let may20 = history_status(&h, "RAG May 20");
    assert_eq!(
        (&may20["late"], &may20["imported"]),
        (&Value::from(false), &Value::from(true))
    );
}

// ---------------------------------------------------------------------------------------
// No way to set recorded_at from the command line
// ---------------------------------------------------------------------------------------

/// The subcommands a help text lists (without `help`).
fn listed(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The long options a help text offers, e.g. `--by`.
fn options(help: &str) -> BTreeSet<String> {
    help.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .flat_map(|l| l.split([' ', ',', '=']))
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(str::to_string)
        .collect()
}

/// Every environment variable a help text says it reads.
fn env_vars(help: &str) -> BTreeSet<String> {
    help.match_indices("[env: ")
        .map(|(i, m)| {
            let rest = &help[i + m.len()..];
            rest[..rest.find(['=', ']']).unwrap_or(rest.len())].to_string()
        })
        .collect()
}

#[test]
fn no_command_lets_a_user_set_recorded_at() {
    let l = Ledger::empty();
    let mut pending: Vec<Vec<String>> = listed(&l.raw(&["--help"]).ok().stdout)
        .into_iter()
        .map(|c| vec![c])
        .collect();
    let mut writers = BTreeSet::new();
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).chain(["--help"]).collect();
        let help = l.raw(&args).ok().stdout;
        seen += 1;
        let subs = listed(&help);
        if !subs.is_empty() {
            pending.extend(subs.into_iter().map(|s| [path.clone(), vec![s]].concat()));
            continue;
        }
        let name = path.join(" ");
        let opts = options(&help);
        let writes = help.contains("Who is making the change") || name == "restore";
        if writes {
            writers.insert(name.clone());
        }
        for opt in &opts {
            let o = opt.trim_start_matches('-');
            let timeish = ["recorded", "clock", "now", "timestamp", "time"]
                .iter()
                .any(|w| o.split('-').any(|part| part == *w))
                || o == "at";
            assert!(
                !timeish,
                "`readiness {name}` offers {opt}, which looks like a way to set recorded_at"
            );
            if writes {
                assert!(
                    !o.ends_with("-at") && !o.contains("when"),
                    "`readiness {name}` writes and offers {opt}"
                );
            }
        }
        let vars = env_vars(&help);
        // READINESS_TOKEN is the signer's token for `sign-off --remote`: a credential, not
        // a time, and the server records its own clock.
        let allowed: BTreeSet<String> = ["READINESS_LEDGER", "READINESS_ACTOR", "READINESS_TOKEN"]
            .map(String::from)
            .into();
        assert!(
            vars.is_subset(&allowed),
            "`readiness {name}` reads {vars:?}"
        );
    }
    assert!(seen >= 20, "only {seen} commands found");
    for w in [
        "init",
        "area add",
        "action add",
        "action amend",
        "action withdraw",
        "review add",
        "review reschedule",
        "status",
        "correct",
        "import",
        "restore",
    ] {
        assert!(writers.contains(w), "{w} not found among {writers:?}");
    }
}

#[test]
fn entries_written_from_the_command_line_carry_the_system_time() {
    let l = Ledger::init();
    l.write(&["area", "add", "1", "--title", "Leadership"]).ok();
    let before = readiness_ledger::entry::format_timestamp(system_now());
    // Variables a program might read a time from: none of them may reach recorded_at.
    let mut cmd = Command::cargo_bin("readiness").expect("binary");
    let ledger = l.dir().to_str().expect("utf-8 path").to_string();
    let args = [
        "review",
        "add",
        "RAG May 20",
        "--date",
        "2020-05-31",
        "--by",
        "x",
        "--ledger",
        &ledger,
    ];
    cmd.args(args)
        .env_remove("READINESS_LEDGER")
        .env_remove("READINESS_ACTOR");
    for var in [
        "READINESS_RECORDED_AT",
        "READINESS_NOW",
        "READINESS_CLOCK",
        "READINESS_TIME",
        "SOURCE_DATE_EPOCH",
        "FAKETIME",
    ] {
        cmd.env(var, "2001-01-01T00:00:00Z");
    }
    let run: Run = finish(cmd, &args);
    run.ok();
    let after = readiness_ledger::entry::format_timestamp(system_now());
    let entries = l.entries();
    let recorded = entries.last().expect("an entry")["recorded_at"]
        .as_str()
        .expect("recorded_at")
        .to_string();
    assert!(
        before <= recorded && recorded <= after,
        "recorded_at {recorded} is not the time of the run ({before} .. {after})"
    );
}

/// The wall clock, read here in the test (the crate reads it only in `clock.rs`).
fn system_now() -> DateTime<Utc> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    DateTime::<Utc>::from_timestamp_micros(since.as_micros() as i64).expect("a valid time")
}

// ---------------------------------------------------------------------------------------
// Who changed what: `log` filters and formats, `actors`
// ---------------------------------------------------------------------------------------

/// The seqs `log ARGS --format json` lists.
fn log_seqs(l: &Ledger, args: &[&str]) -> Vec<u64> {
    let rows = l
        .read(&[&["log", "--format", "json"][..], args].concat())
        .ok()
        .json();
    rows.as_array()
        .unwrap_or_else(|| panic!("log --format json is an array: {rows:#}"))
        .iter()
        .map(|r| r["seq"].as_u64().expect("seq"))
        .collect()
}

#[test]
fn log_filters_by_event_type_and_area() {
    let l = ledger();
    assert_eq!(log_seqs(&l, &["--event", "correction"]), [12, 13]);
    assert_eq!(
        log_seqs(&l, &["--event", "correction", "--event", "action_added"]),
        [3, 4, 12, 13, 16]
    );
    assert_eq!(
        log_seqs(&l, &["--event", "correction,action_added"]),
        [3, 4, 12, 13, 16],
        "commas separate types too"
    );
    // An area: its area_added and every entry touching its actions; reviews are plan-wide.
    assert_eq!(
        log_seqs(&l, &["--area", "1"]),
        [2, 3, 4, 8, 9, 10, 11, 12, 13, 14]
    );
    assert_eq!(log_seqs(&l, &["--area", "2"]), [15, 16, 17]);
    assert_eq!(
        log_seqs(&l, &["--area", "1", "--event", "status_recorded"]),
        [8, 9, 10, 11, 14]
    );
    // With the flags that were there before.
    assert_eq!(log_seqs(&l, &["--area", "1", "--by", "director"]), [13]);
    assert_eq!(
        log_seqs(&l, &["--event", "status_recorded", "--action", "1.1"]),
        [8, 10, 14]
    );
    assert_eq!(
        log_seqs(
            &l,
            &[
                "--area",
                "1",
                "--since",
                "2021-01-01",
                "--until",
                "2021-03-05"
            ]
        ),
        [11, 12, 13]
    );
    assert!(log_seqs(&l, &["--area", "2", "--event", "correction"]).is_empty());

    let bad = l.read(&["log", "--event", "status_changed"]).code(2);
    for t in readiness_ledger::event::Event::TYPES {
        assert!(bad.stderr.contains(t), "the error lists {t}: {bad:#?}");
    }
    assert!(bad.stderr.contains("status_changed"), "{bad:#?}");
    l.read(&["log", "--area", "9"])
        .code(2)
        .stderr_has("\"9\"")
        .stderr_has("areas in this plan: 1, 2");
}

#[test]
fn log_formats_render_the_same_rows() {
    let l = ledger();
    let args = ["log", "--event", "correction", "--format"];
    let json = l.read(&[&args[..], &["json"]].concat()).ok().json();
    let rows = json.as_array().expect("an array of rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["seq"], 12);
    assert_eq!(rows[0]["actor"], "quality.lead");
    assert_eq!(rows[0]["type"], "correction");
    assert_eq!(rows[0]["action"], "1.1");
    assert_eq!(rows[0]["recorded_at"], "2021-02-10T11:00:00.000000Z");
    let summary = |i: usize| rows[i]["summary"].as_str().expect("summary").to_string();
    assert!(summary(1).contains(SECOND_REASON), "{json:#}");

    let csv = l.read(&[&args[..], &["csv"]].concat()).ok().stdout;
    assert_eq!(
        csv,
        format!(
            "seq,recorded at,actor,event,what,marks\n\
             12,2021-02-10T11:00:00.000000Z,quality.lead,correction,{},\n\
             13,2021-03-05T12:00:00.000000Z,director,correction,{},\n",
            summary(0),
            summary(1)
        )
    );
    let md = l.read(&[&args[..], &["markdown"]].concat()).ok().stdout;
    assert!(md.starts_with("| seq | recorded at | actor | event | what | marks |\n|---|"));
    assert!(
        md.contains(&format!(
            "| 13 | 2021-03-05T12:00:00.000000Z | director | correction | {} |  |",
            summary(1)
        )),
        "{md}"
    );
    // Marks reach every format: the late status of 1.2.
    let late = l
        .read(&["log", "--action", "1.2", "--format", "csv"])
        .ok()
        .stdout;
    assert!(
        late.lines()
            .any(|r| r.starts_with("11,") && r.ends_with(",late")),
        "{late}"
    );
    let table = l.read(&["log", "--action", "1.2"]).ok().stdout;
    assert!(table.contains("marks") && table.contains("late"), "{table}");

    // Nothing matched.
    l.read(&["log", "--area", "2", "--event", "correction"])
        .ok()
        .stdout_has("no entries match");
    let empty = l
        .read(&[
            "log",
            "--area",
            "2",
            "--event",
            "correction",
            "--format",
            "csv",
        ])
        .ok();
    assert_eq!(empty.stdout, "seq,recorded at,actor,event,what,marks\n");
    let empty = l
        .read(&[
            "log",
            "--area",
            "2",
            "--event",
            "correction",
            "--format",
            "json",
        ])
        .ok();
    assert_eq!(empty.json(), serde_json::json!([]));
}

#[test]
fn actors_lists_first_and_last_entries_and_counts_by_type() {
    let l = ledger();
    let view = l.read(&["actors", "--format", "json"]).ok().json();
    assert_eq!(view["head"]["seq"], 17);
    assert!(view.get("known_at").is_none(), "{view:#}");
    let actors = view["actors"].as_array().expect("actors");
    let names: Vec<&str> = actors
        .iter()
        .map(|a| a["actor"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["setup", "lead.a", "lead.b", "quality.lead", "director"],
        "in the order they first wrote"
    );
    assert_eq!(
        actors[0],
        serde_json::json!({
            "actor": "setup",
            "first": {"seq": 1, "recorded_at": "2020-06-01T09:00:00.000000Z"},
            "last": {"seq": 17, "recorded_at": "2021-03-12T09:00:00.000000Z"},
            "entries": 10,
            "by_type": {
                "plan_created": 1, "area_added": 2, "action_added": 3,
                "review_scheduled": 3, "status_recorded": 1
            }
        })
    );
    assert_eq!(
        actors[1],
        serde_json::json!({
            "actor": "lead.a",
            "first": {"seq": 8, "recorded_at": "2020-09-02T10:00:00.000000Z"},
            "last": {"seq": 14, "recorded_at": "2021-03-10T09:00:00.000000Z"},
            "entries": 4,
            "by_type": {"status_recorded": 4}
        })
    );
    assert_eq!(actors[4]["by_type"], serde_json::json!({"correction": 1}));

    // As known between the two corrections: no director yet, earlier last entries.
    let then = l
        .read(&["actors", "--known-at", "2021-02-20", "--format", "json"])
        .ok()
        .json();
    assert_eq!(then["known_at"], "2021-02-20T23:59:59.999999Z");
    assert_eq!(then["head"]["seq"], 12);
    let actors = then["actors"].as_array().expect("actors");
    assert_eq!(actors.len(), 4, "{then:#}");
    assert_eq!(actors[0]["last"]["seq"], 7);
    assert_eq!(actors[0]["entries"], 7);
    assert_eq!(actors[1]["last"]["seq"], 10);
    assert_eq!(actors[1]["entries"], 3);

    // CSV: a column per event type that occurs, in the plan's life order.
    let csv = l.read(&["actors", "--format", "csv"]).ok().stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "actor,entries,first seq,first recorded at,last seq,last recorded at,\
         plan_created,area_added,action_added,review_scheduled,status_recorded,correction"
    );
    assert_eq!(
        lines[5],
        "director,1,13,2021-03-05T12:00:00.000000Z,13,2021-03-05T12:00:00.000000Z,0,0,0,0,0,1"
    );
    assert_eq!(lines.len(), 6);
    let table = l.read(&["actors"]).ok().stdout;
    assert!(
        table.contains("quality.lead") && table.contains("correction"),
        "{table}"
    );
    let md = l.read(&["actors", "--format", "markdown"]).ok().stdout;
    assert!(md.contains("| quality.lead | 1 | 12 |"), "{md}");

    // Before anything was recorded: no actors, said plainly.
    let none = l
        .read(&["actors", "--known-at", "2020-01-01", "--format", "json"])
        .ok()
        .json();
    assert_eq!(none["actors"], serde_json::json!([]));
    assert!(none["head"].is_null());
    let table = l.read(&["actors", "--known-at", "2020-01-01"]).ok();
    assert!(
        table.stdout.contains("No entries recorded") && !table.stdout.contains("first seq"),
        "no empty table: {table:#?}"
    );
    let csv = l
        .read(&["actors", "--known-at", "2020-01-01", "--format", "csv"])
        .ok()
        .stdout;
    assert_eq!(
        csv,
        "actor,entries,first seq,first recorded at,last seq,last recorded at\n"
    );
    l.read(&["actors", "--known-at", "March 2021"])
        .code(2)
        .stderr_has("--known-at \"March 2021\"");
}
