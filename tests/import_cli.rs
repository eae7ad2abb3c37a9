//! `readiness import` on broken tables, twice, dry, and into an existing plan; `--as-of` forms.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

const SOURCE: &str = "tests/data/york-wsoa-area1.txt";

fn readiness(ledger: &Path, args: &[&str]) -> Output {
    let out = Command::cargo_bin("readiness")
        .unwrap()
        .env_remove("READINESS_LEDGER")
        .env("READINESS_ACTOR", "importer")
        .env("NO_COLOR", "1")
        .arg("--ledger")
        .arg(ledger)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn york() -> String {
    std::fs::read_to_string(SOURCE).unwrap()
}

/// Writes a variant of the York table and returns its path.
fn variant(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn broken_tables_fail_with_file_line_and_reason_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let two_missing = york()
        .replace(
            "| CYC (M.S) | The strategy facilitates",
            "| The strategy facilitates",
        )
        .replace("June 2020 | January 2021 |", "June 2020 |");
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "misspelt.txt",
            york()
                .replacen(
                    "| Completed | Completed | Completed | Completed | Embedded",
                    "| Completed | Complted | Completed | Completed | Embedded",
                    1,
                )
                .into_bytes(),
            &["misspelt.txt", "line 6", "Complted"],
        ),
        (
            "two-missing.txt",
            two_missing.into_bytes(),
            &["two-missing.txt", "line 23", "row 1.4", "15 cells"],
        ),
        (
            "no-header.txt",
            york()
                .lines()
                .filter(|l| !l.starts_with("Number |"))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes(),
            &["no-header.txt", "no header row"],
        ),
        ("empty.txt", Vec::new(), &["empty.txt", "empty"]),
        (
            "garbage.bin",
            vec![0x00, 0xff, 0xfe, 0x13, 0x37, 0x00, 0x89, b'P', b'N', b'G'],
            &["garbage.bin", "not a text file"],
        ),
    ];
    for (name, bytes, needles) in cases {
        let file = variant(dir.path(), name, &bytes);
        let ledger = dir.path().join(format!("ledger-{name}"));
        let out = readiness(&ledger, &["import", &file]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stderr));
        let err = text(&out.stderr);
        for needle in needles {
            assert!(
                err.contains(needle),
                "{name}: error should mention {needle:?}: {err}"
            );
        }
        assert!(
            !ledger.exists(),
            "{name}: a failed import must not create the ledger"
        );
    }
}

#[test]
fn a_failed_import_leaves_an_existing_ledger_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l");
    assert_eq!(
        readiness(&ledger, &["init", "--title", "T", "--origin", "o"])
            .status
            .code(),
        Some(0)
    );
    let before = std::fs::read(ledger.join("entries.jsonl")).unwrap();
    let bad = variant(
        dir.path(),
        "bad.txt",
        york().replacen("Embedded", "Embeded", 1).as_bytes(),
    );
    let out = readiness(&ledger, &["import", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(ledger.join("entries.jsonl")).unwrap(), before);
}

#[test]
fn dry_run_shows_the_batch_and_warnings_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l");
    let out = readiness(&ledger, &["import", SOURCE, "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("would append 72: 1.5 at RAG August 22: Embedded"),
        "{shown}"
    );
    assert!(
        text(&out.stderr).contains("left \"Lead\" empty"),
        "{}",
        text(&out.stderr)
    );
    assert!(!ledger.exists());
}

#[test]
fn importing_the_same_file_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l");
    assert_eq!(
        readiness(&ledger, &["import", SOURCE]).status.code(),
        Some(0)
    );
    let before = std::fs::read(ledger.join("entries.jsonl")).unwrap();
    let out = readiness(&ledger, &["import", SOURCE]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("already imported at entry 2"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(ledger.join("entries.jsonl")).unwrap(), before);
}

#[test]
fn a_second_area_joins_the_plan_and_reuses_its_reviews() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l");
    assert_eq!(
        readiness(&ledger, &["import", SOURCE, "--title", "York WSoA"])
            .status
            .code(),
        Some(0)
    );
    let area2 = york()
        .replace("Area for Improvement 1", "Area for Improvement 2")
        .replace("Leadership and Governance:", "Joint Commissioning:")
        .replace("\n1.", "\n2.");
    let file = variant(dir.path(), "area2.txt", area2.as_bytes());
    let out = readiness(&ledger, &["import", &file, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["reviews_reused"], 9);
    assert_eq!(report["summary"]["reviews_added"], 0);
    assert_eq!(report["summary"]["plan_created"], false);
    let plan = readiness(&ledger, &["plan", "--as-of", "latest", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(plan["title"], "York WSoA");
    assert_eq!(plan["areas"][1]["title"], "Joint Commissioning");
    assert_eq!(plan["areas"][1]["actions"][3]["id"], "2.3B");
}

#[test]
fn every_form_of_a_point_gives_the_same_plan_and_unknown_points_list_reviews() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l");
    assert_eq!(
        readiness(&ledger, &["import", SOURCE]).status.code(),
        Some(0)
    );
    let json = |point: &str| {
        let out = readiness(&ledger, &["plan", "--as-of", point, "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{point}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let want = json("RAG November 20");
    for point in [
        "rag november 20",
        "November 20",
        "Nov 2020",
        "2020-11",
        "2020-11-30",
        "2021-01-31",
    ] {
        assert_eq!(json(point), want, "{point}");
    }
    let out = readiness(&ledger, &["plan", "--as-of", "RAG June 20"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("\"RAG May 20\" (2020-05-31)"),
        "{}",
        text(&out.stderr)
    );
    let out = readiness(&ledger, &["plan", "--as-of", "2019-12-31"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_review_with_no_status_carries_the_last_one_forward() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l");
    assert_eq!(
        readiness(&ledger, &["import", SOURCE]).status.code(),
        Some(0)
    );
    assert_eq!(
        readiness(
            &ledger,
            &["review", "add", "RAG November 22", "--date", "2022-11-30"]
        )
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        readiness(
            &ledger,
            &["status", "1.3B", "Completed", "--review", "RAG November 22"]
        )
        .status
        .code(),
        Some(0)
    );
    let out = readiness(
        &ledger,
        &["plan", "--as-of", "RAG November 22", "--format", "json"],
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions = plan["areas"][0]["actions"].as_array().unwrap();
    let b = actions.iter().find(|a| a["id"] == "1.3B").unwrap();
    assert_eq!(b["status"]["carried_forward"], false);
    assert_eq!(b["status"]["status"], "Completed");
    let one = actions.iter().find(|a| a["id"] == "1.1").unwrap();
    assert_eq!(one["status"]["carried_forward"], true);
    assert_eq!(one["status"]["review"], "RAG August 22");
    assert_eq!(one["status"]["status"], "Embedded");
    let table = readiness(&ledger, &["plan", "--as-of", "RAG November 22"]);
    assert!(text(&table.stdout).contains("Embedded (carried from RAG August 22)"));
    // A new action with no status yet shows nothing.
    assert_eq!(
        readiness(
            &ledger,
            &["action", "add", "1.6", "--area", "1", "--action", "New"]
        )
        .status
        .code(),
        Some(0)
    );
    let out = readiness(&ledger, &["plan", "--format", "json", "--as-of", "latest"]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let new = plan["areas"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "1.6")
        .unwrap()
        .clone();
    assert!(new["status"].is_null());
}

#[test]
fn views_render_in_every_format() {
    for cmd in [&["plan"][..], &["matrix"][..], &["history", "1.3B"][..]] {
        for format in ["table", "markdown", "csv", "json"] {
            let mut args = cmd.to_vec();
            args.extend_from_slice(&["--format", format, "--as-of", "RAG November 20"]);
            let out = readiness(Path::new("events/york-wsoa.jsonl"), &args);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{args:?}: {}",
                text(&out.stderr)
            );
            let s = text(&out.stdout);
            match format {
                "json" => {
                    serde_json::from_str::<serde_json::Value>(&s).unwrap();
                }
                "markdown" => assert!(s.contains("|---|"), "{s}"),
                "csv" => assert!(!s.contains('│') && s.contains(','), "{s}"),
                _ => assert!(s.contains('│'), "{s}"),
            }
        }
    }
}
