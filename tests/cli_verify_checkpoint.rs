//! `readiness verify --checkpoint`: today's ledger extends the one an old checkpoint described,
//! and a history rewritten before that checkpoint is caught even when every hash is redone.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use chrono::TimeZone;
use readiness_ledger::clock::FixedClock;
use readiness_ledger::entry::{Entry, EntryHash};
use readiness_ledger::event::*;
use readiness_ledger::scale::StatusScale;
use readiness_ledger::store::DirLedger;

fn readiness(dir: &Path, args: &[&str]) -> Output {
    let out = Command::cargo_bin("readiness")
        .unwrap()
        .env_remove("READINESS_LEDGER")
        .env_remove("READINESS_ACTOR")
        .arg("--ledger")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    out
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn status(review: &str, s: &str) -> Event {
    Event::StatusRecorded(StatusRecorded {
        action: "1.1".into(),
        review: review.into(),
        status: s.into(),
        note: None,
    })
}

/// A ledger of `n` entries built with the library at a fixed time.
fn ledger(dir: &Path, extra: usize) {
    let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap());
    let (mut l, _) = DirLedger::create(
        dir,
        "officer",
        &clock,
        vec![
            Event::PlanCreated(PlanCreated {
                title: "P".into(),
                origin: "example.org/plan".into(),
                scale: StatusScale::york(),
            }),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "A".into(),
                finding: None,
            }),
            Event::ActionAdded(ActionAdded {
                id: "1.1".into(),
                area: "1".into(),
                action: "Do".into(),
                ..Default::default()
            }),
            Event::ReviewScheduled(ReviewScheduled {
                label: "R1".into(),
                date: "2024-01-31".into(),
            }),
        ],
        &mut || {},
    )
    .unwrap();
    let names = [
        "Started but delayed",
        "Progressing but delayed",
        "Completed",
    ];
    let events = (0..extra).map(|i| status("R1", names[i % 3])).collect();
    l.append("lead", &clock, events).unwrap();
}

/// Rewrites entry `seq`'s status and re-hashes every entry after it, so the chain verifies.
fn rewrite_history(dir: &Path, seq: usize) {
    let log = dir.join("entries.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let mut prev = EntryHash::ZERO;
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut e = Entry::decode(line.as_bytes()).unwrap();
        if i + 1 == seq {
            e.event = status("R1", "Embedded");
        }
        let (sealed, bytes) = Entry::seal(e.seq, e.recorded_at, e.actor, e.event, prev).unwrap();
        prev = sealed.hash;
        out.push_str(std::str::from_utf8(&bytes).unwrap());
        out.push('\n');
    }
    std::fs::write(&log, out).unwrap();
    // The derived data now describes another log: the next open notices and rebuilds it.
}

#[test]
fn a_grown_ledger_extends_its_old_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("l");
    ledger(&dir, 20);
    let ckpt = tmp.path().join("old.ckpt");
    let out = readiness(&dir, &["checkpoint", "--out", ckpt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = readiness(
        &dir,
        &[
            "status", "1.1", "Embedded", "--review", "R1", "--by", "lead",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = readiness(&dir, &["verify", "--checkpoint", ckpt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(
            "(25 entries) is an append-only extension of the one it describes (24 entries)"
        ),
        "{}",
        text(&out)
    );
    let json = readiness(
        &dir,
        &[
            "verify",
            "--checkpoint",
            ckpt.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["checkpoint"]["ok"], true);
}

#[test]
fn a_rehashed_rewrite_before_the_checkpoint_fails_verify_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("l");
    ledger(&dir, 20);
    let ckpt = tmp.path().join("old.ckpt");
    assert_eq!(
        readiness(&dir, &["checkpoint", "--out", ckpt.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    rewrite_history(&dir, 7);
    // The chain alone cannot tell: every hash and link was redone.
    let plain = readiness(&dir, &["verify"]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    let out = readiness(&dir, &["verify", "--checkpoint", ckpt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("FAILED: checkpoint"), "{}", text(&out));
}

#[test]
fn verify_checkpoint_wants_a_directory_and_a_real_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("l");
    ledger(&dir, 3);
    let junk = tmp.path().join("junk.ckpt");
    std::fs::write(&junk, "not a checkpoint\n").unwrap();
    let out = readiness(&dir, &["verify", "--checkpoint", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let export = tmp.path().join("e.jsonl");
    assert_eq!(
        readiness(&dir, &["export", export.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let out = readiness(&export, &["verify", "--checkpoint", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("needs a ledger directory"),
        "{}",
        text(&out)
    );
}
