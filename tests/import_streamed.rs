//! `import` into a new directory writes its entries as it seals them, in several writes to
//! the log's temporary file, and renames the file into place only when all are in: a
//! failure or a kill in the middle leaves no ledger, and the same command then succeeds.

mod util;

use std::path::Path;

use util::{command, finish, run_in, Run};

const ACTIONS: usize = 120;
const REVIEWS: usize = 36;
/// The plan, the source, the area, its actions, the reviews and a status in every cell.
const ENTRIES: usize = 3 + ACTIONS + REVIEWS + ACTIONS * REVIEWS;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A table whose import writes well over a megabyte of entries (several writes).
fn table() -> String {
    let labels: Vec<String> = (0..REVIEWS)
        .map(|i| format!("RAG {} {}", MONTHS[i % 12], 20 + i / 12))
        .collect();
    let mut t = format!(
        "Streamed import plan\nArea for Improvement 1\nArea 1: a generated area\n\
         Number | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact | {} |\n{}\n",
        labels.join(" | "),
        "---|".repeat(8 + REVIEWS)
    );
    for n in 1..=ACTIONS {
        t.push_str(&format!(
            "1.{n} | outcome {n} | action {n} | May 2020 | June 2021 | Lead | m | e"
        ));
        for r in 0..REVIEWS {
            let status = [
                "Started but delayed",
                "Progressing and on track",
                "Completed",
            ];
            t.push_str(&format!(" | {}", status[(n + r) % 3]));
        }
        t.push_str(" |\n");
    }
    t
}

fn import(cwd: &Path, dir: &str, fault: Option<&str>) -> Run {
    let args = ["import", "table.txt", "--by", "x", "--ledger", dir];
    let mut cmd = command(cwd);
    if let Some(f) = fault {
        cmd.env("READINESS_FAULT", f);
    }
    cmd.args(args);
    finish(cmd, &args)
}

fn log_lines(dir: &Path) -> usize {
    let bytes = std::fs::read(dir.join("entries.jsonl")).expect("the log");
    bytes.iter().filter(|b| **b == b'\n').count()
}

#[test]
fn a_streamed_import_that_fails_midway_leaves_no_ledger_and_can_be_run_again() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("table.txt"), table()).expect("write the table");
    // Write 1 is the first megabyte of entries, write 2 the next: it fails.
    let failed = import(tmp.path(), "new", Some("write:2:EIO"));
    assert!(
        failed.stderr.contains("injected fault: write #2"),
        "{failed:#?}"
    );
    assert_ne!(failed.code, 0, "{failed:#?}");
    let dir = tmp.path().join("new");
    assert!(!dir.join("entries.jsonl").exists(), "{failed:#?}");
    assert!(!dir.join(".entries.jsonl.tmp").exists(), "{failed:#?}");
    let imported = import(tmp.path(), "new", None).ok();
    assert_eq!(log_lines(&dir), ENTRIES);
    run_in(tmp.path(), &["verify", "--ledger", "new"]).ok();
    // The head it reports is the log's: entries are linked on another thread than the one
    // that reports them.
    let head = run_in(tmp.path(), &["head", "--ledger", "new"]).ok();
    let head = head.stdout.trim();
    assert!(head.starts_with(&format!("{ENTRIES} ")), "{head}");
    imported.stdout_has(&format!("head {head}\n"));
}

#[test]
fn a_streamed_import_killed_midway_leaves_a_directory_the_next_import_takes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(tmp.path().join("table.txt"), table()).expect("write the table");
    import(tmp.path(), "whole", None).ok();
    let whole = std::fs::read(tmp.path().join("whole/entries.jsonl")).expect("the log");
    assert!(whole.len() > 1 << 20, "the table must take several writes");
    // What a kill during the stream leaves: the lock file and part of the temporary log.
    let dir = tmp.path().join("killed");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("LOCK"), b"").expect("lock file");
    std::fs::write(dir.join(".entries.jsonl.tmp"), &whole[..(1 << 19) + 17]).expect("part");
    let before = run_in(tmp.path(), &["verify", "--ledger", "killed"]);
    assert_ne!(before.code, 0, "no ledger yet: {before:#?}");
    import(tmp.path(), "killed", None).ok();
    assert_eq!(log_lines(&dir), ENTRIES);
    assert!(!dir.join(".entries.jsonl.tmp").exists());
    run_in(tmp.path(), &["verify", "--ledger", "killed"]).ok();
}
