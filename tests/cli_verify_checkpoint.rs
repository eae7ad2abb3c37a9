//! `readiness verify --checkpoint`: today's ledger extends the one an old checkpoint described,
//! and a history rewritten before that checkpoint is caught even when every hash is redone.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use chrono::TimeZone;
use readiness_ledger::checkpoint::Checkpoint;
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
    DirLedger::create(
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
    let mut l = DirLedger::open(dir, &mut || {}).unwrap();
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
    // Unsigned: nothing proves who made it, so it fails unless asked to check the tree alone.
    let out = readiness(&dir, &["verify", "--checkpoint", ckpt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).starts_with("FAILED: checkpoint"),
        "{}",
        text(&out)
    );
    let args = [
        "verify",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--allow-unsigned",
    ];
    let out = readiness(&dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(
            "UNSIGNED (nothing proves who made it); this ledger (25 entries) is an append-only extension of the one it describes (24 entries)"
        ),
        "{}",
        text(&out)
    );
    let json = readiness(&dir, &[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["checkpoints"][0]["ok"], true);
    assert_eq!(v["ok"], true);
}

/// Signs `ckpt` (in place) with a key made from `seed`, as `name`, through the library.
fn sign_with(ckpt: &Path, name: &str, seed: u8) {
    let mut c = Checkpoint::parse(&std::fs::read(ckpt).unwrap()).unwrap();
    c.sign(name, &[seed; 32]).unwrap();
    std::fs::write(ckpt, c.to_text()).unwrap();
}

/// Writes the public key file `readiness key new` would write for `seed`.
fn public_file(path: &Path, seed: u8) {
    let pk = readiness_ledger::plan::trust::public_key(&[seed; 32]);
    std::fs::write(path, format!("{}\n", readiness_ledger::hex::encode(&pk))).unwrap();
}

#[test]
fn only_a_key_the_ledger_registered_and_had_not_revoked_authenticates_a_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("l");
    ledger(&dir, 3);
    let run = |args: &[&str]| readiness(&dir, args);
    let key = tmp.path().join("board");
    assert!(
        run(&["key", "new", "Board", "--out", key.to_str().unwrap()])
            .status
            .success()
    );
    let public = format!("{}.pub", key.display());
    let reg = run(&[
        "key", "register", "Board", "--public", &public, "--role", "chair", "--by", "x",
    ]);
    assert!(reg.status.success(), "{}", text(&reg));
    // Signed by the registered key: verified, and the output names it.
    let good = tmp.path().join("good.ckpt");
    let out = run(&[
        "checkpoint",
        "--key",
        key.to_str().unwrap(),
        "--out",
        good.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = run(&["verify", "--checkpoint", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("signed by Board (chair"),
        "{}",
        text(&out)
    );
    // Signed by a key the ledger never registered: refused, unless given with --public-key.
    let stranger = tmp.path().join("stranger.ckpt");
    let plain = run(&["checkpoint", "--out", stranger.to_str().unwrap()]);
    assert!(plain.status.success());
    sign_with(&stranger, "example.org/plan", 7);
    let out = run(&["verify", "--checkpoint", stranger.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("nothing proves who made it"),
        "{}",
        text(&out)
    );
    let pubfile = tmp.path().join("stranger.pub");
    public_file(&pubfile, 7);
    let out = run(&[
        "verify",
        "--checkpoint",
        stranger.to_str().unwrap(),
        "--public-key",
        pubfile.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // A signature line that names a trusted key but does not verify: the file was altered.
    let forged = tmp.path().join("forged.ckpt");
    let mut t = std::fs::read_to_string(&good).unwrap();
    let sig_at = t.rfind(' ').unwrap() + 5;
    let flipped = if &t[sig_at..=sig_at] == "A" { "B" } else { "A" };
    t.replace_range(sig_at..=sig_at, flipped);
    std::fs::write(&forged, t).unwrap();
    let out = run(&["verify", "--checkpoint", forged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // A key revoked before the checkpoint's size no longer speaks for the ledger.
    let kid = {
        let keys = run(&["key", "list", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&keys.stdout).unwrap();
        v[0]["key_id"].as_str().unwrap().to_string()
    };
    let rev = run(&["key", "revoke", &kid, "--reason", "lost", "--by", "x"]);
    assert!(rev.status.success(), "{}", text(&rev));
    let late = tmp.path().join("late.ckpt");
    assert!(run(&["checkpoint", "--out", late.to_str().unwrap()])
        .status
        .success());
    let secret = std::fs::read_to_string(&key).unwrap();
    let seed_hex = secret.lines().find(|l| !l.starts_with('#')).unwrap().trim();
    let seed = readiness_ledger::plan::trust::hex_bytes::<32>(seed_hex).unwrap();
    let mut c = Checkpoint::parse(&std::fs::read(&late).unwrap()).unwrap();
    let origin = c.origin.clone();
    c.sign(&origin, &seed).unwrap();
    std::fs::write(&late, c.to_text()).unwrap();
    let out = run(&["verify", "--checkpoint", late.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // The earlier checkpoint, signed before the revocation, still stands.
    let out = run(&["verify", "--checkpoint", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
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
    let out = readiness(
        &dir,
        &[
            "verify",
            "--checkpoint",
            ckpt.to_str().unwrap(),
            "--allow-unsigned",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("FAILED: checkpoint"), "{}", text(&out));
    assert!(
        text(&out).contains("were changed since (its history was rewritten)"),
        "{}",
        text(&out)
    );
}

#[test]
fn verify_checkpoint_wants_a_real_checkpoint_and_works_on_an_export() {
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
    // An inspector handed an export and an old checkpoint checks one against the other.
    let ckpt = tmp.path().join("c.ckpt");
    assert!(
        readiness(&dir, &["checkpoint", "--out", ckpt.to_str().unwrap()])
            .status
            .success()
    );
    let args = [
        "verify",
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--allow-unsigned",
    ];
    let out = readiness(&export, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("append-only extension"),
        "{}",
        text(&out)
    );
}
